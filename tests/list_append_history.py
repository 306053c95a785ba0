"""A builder of small txn-list-append histories for the checker's detail tests: ops in the
shape Maelstrom's history holds them (time in nanoseconds, one second per op index)."""

from glomers.edn import Keyword as K


def op(index, type_, mops, process=0, seconds=None):
    """One txn op from (f, k, v) micro-ops; at `seconds`, else at its index in seconds."""
    time = int((index if seconds is None else seconds) * 1_000_000_000)
    return {"index": index, "time": time, "type": K(type_), "process": process,
            "f": K("txn"), "value": [[K(f), k, v] for f, k, v in mops]}


def history(*txns):
    """Ops from (process, type, mops), one second apart: each an invoke (reads nil) and a
    completion; a :fail or :info completion keeps the invocation's txn."""
    ops = []
    for process, type_, mops in txns:
        invoked = [(f, k, None if f == "r" else v) for f, k, v in mops]
        ops.append(op(len(ops), "invoke", invoked, process))
        ops.append(op(len(ops), type_, mops if type_ == "ok" else invoked, process))
    return ops


def concurrent(*txns):
    """Every txn invoked before any completes, one second apart."""
    ops = []
    for process, _, mops in txns:
        ops.append(op(len(ops), "invoke",
                      [(f, k, None if f == "r" else v) for f, k, v in mops], process))
    for process, type_, mops in txns:
        ops.append(op(len(ops), type_, mops, process))
    return ops
