"""A builder of small txn-rw-register histories for the checker's tests: ops in the shape
Maelstrom's history holds them (time in nanoseconds, f and types as strings)."""


def history(*txns):
    """Ops from (process, type, mops) triples: each becomes an invoke (reads as nil) and
    its completion, one second apart, in the order given. An :info or :fail completion
    carries the invocation's value, as Maelstrom records it."""
    ops, t = [], 0
    for process, type_, mops in txns:
        invoked = [[f, k, None if f == "r" else v] for f, k, v in mops]
        for kind, value in (("invoke", invoked), (type_, mops if type_ == "ok" else invoked)):
            t += 1_000_000_000
            ops.append({"index": len(ops), "time": t, "type": kind, "process": process,
                        "f": "txn", "value": value})
    return ops


def types(result):
    """The anomaly types of a result, as plain names."""
    return [str(t) for t in result["anomaly-types"]]
