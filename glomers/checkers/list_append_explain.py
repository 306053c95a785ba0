"""The txn-list-append result in plain words: each reported anomaly with the transactions
involved (op, process, node, time, micro-ops) and, for a cycle, why each transaction must
come before the next."""

from glomers.edn import dumps

from . import evidence
from .common import node_of, seconds
from .list_append_ops import INIT, NEXT_VALUE, micro_ops


def _text(value):
    if value is None:
        return "nil"
    if value is INIT:
        return "the empty list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return dumps(value, width=None)     # a node may return an object where keys go
    return str(value)


def _txn_text(op):
    return "[" + " ".join(f"[{f} {_text(k)} {_text(v)}]" for f, k, v in micro_ops(op)) + "]"


def _describe(op, opts, label=None):
    """'T1 (op 12, process 2, n0, 3.100 s) [[append 3 2]]'."""
    where = [f"op {op.get('index')}", f"process {op.get('process')}"]
    node = node_of(op.get("process"), opts)
    if node:
        where.append(node)
    where.append(seconds(op))
    return f"{label + ' ' if label else ''}({', '.join(where)}) {_txn_text(op)}"


def _step_text(step, a, b):
    """Why transaction `a` must come before `b`, in words."""
    kind = str(step["type"])
    key = _text(step.get("key"))
    if kind == "wr":
        return f"{b} read {a}'s append of {_text(step['value'])} to key {key}"
    if kind == "ww":
        return (f"{b} appended {_text(step[NEXT_VALUE])} to key {key} right after {a}'s "
                f"{_text(step['value'])}")
    if kind == "rw":
        seen = ("empty" if step["value"] is INIT else
                f"ending at {_text(step['value'])}")
        return f"{a} read key {key} {seen}, missing {b}'s append of {_text(step[NEXT_VALUE])}"
    if kind == "realtime":
        return f"{a} completed before {b} was invoked"
    return f"{a} ran before {b} on process {step.get('process')}"


def _cycle_lines(name, case, opts):
    ops = case["cycle"][:-1]
    labels = [f"T{i + 1}" for i in range(len(ops))]
    lines = [f"{name}: a cycle of {len(ops)} transactions, so no order of them explains "
             "what they saw:"]
    for i, op in enumerate(ops):
        lines.append(f"  {_describe(op, opts, labels[i])}")
    for i, step in enumerate(case["steps"]):
        a, b = labels[i], labels[(i + 1) % len(ops)]
        lines.append(f"  {a} -{step['type']}-> {b}: {_step_text(step, a, b)}")
    return lines


def _case_lines(name, case, opts):
    if name == "empty-transaction-graph":
        return ["empty-transaction-graph: no dependency at all could be inferred between "
                "transactions (no transaction read another's append and none followed "
                "another in real time), so nothing was checked: Elle calls that :unknown."]
    if isinstance(case, dict) and "cycle" in case:
        return _cycle_lines(name, case, opts)
    if name == "incompatible-order":
        a, b = case["values"]
        return [f"incompatible-order: key {_text(case['key'])} was read as {_text(a)} and "
                f"as {_text(b)}; neither is a prefix of the other, so no single order of "
                "appends explains both."]
    if name == "duplicate-elements":
        dups = ", ".join(f"{_text(e)} ({n} times)" for e, n in case["duplicates"].items())
        return [f"duplicate-elements: {_describe(case['op'], opts)} read key "
                f"{_text(case['mop'][1])} with {dups}, but each element is appended once."]
    if name == "internal":
        return [f"internal: {_describe(case['op'], opts)} read key "
                f"{_text(case['mop'][1])} as {_text(case['mop'][2])}, but its own earlier "
                f"micro-ops imply {_text(case['expected'])}."]
    if name == "future-read":
        return [f"future-read: {_describe(case['op'], opts)} read "
                f"{_text(case['element'])} in key {_text(case['mop'][1])} before appending "
                "it itself."]
    if name in ("G1a", "G1b"):
        what = ("a failed transaction" if name == "G1a" else
                "a transaction that appended to the key again afterwards (an intermediate "
                "state)")
        return [f"{name}: {_describe(case['op'], opts)} read {_text(case['element'])} in "
                f"key {_text(case['mop'][1])}, appended by {what}: "
                f"{_describe(case['writer'], opts)}."]
    if name == "dirty-update":
        return [f"dirty-update: key {_text(case['key'])}: {_text(case['values'])} — a failed "
                f"transaction's append ({_describe(case['txns'][0], opts)}) is followed by a "
                f"committed one ({_describe(case['txns'][-1], opts)})."]
    if name == "lost-update":
        txns = "; ".join(_describe(op, opts) for op in case["txns"])
        return [f"lost-update: {len(case['txns'])} transactions read key "
                f"{_text(case['key'])} as {_text(case['value'])} and each appended to it: "
                f"{txns}."]
    if name == "cycle-search-timeout":
        return [f"cycle-search-timeout: the search for {case['anomaly-spec-type']} in a "
                f"group of {case['scc-size']} transactions ran out of budget."]
    if name.endswith("-cycle-exists"):
        return [f"{name}: {case['scc-size']} transactions form a cycle, which "
                f"{case['not']} forbids."]
    return [f"{name}: {dumps(case, width=None)}"]


def explain(result, history, opts):
    """Plain-English lines for a txn-list-append result: each reported anomaly with the
    transactions involved (op, process, node, time, micro-ops)."""
    opts = opts or {}
    models = ", ".join(opts.get("consistency_models") or ["strict-serializable"])
    if "error" in result:
        return [f"txn-list-append: the checker could not run: {result['error']}"]
    if result.get("valid?") is True:
        committed = sum(1 for op in history if op.get("type") == "ok")
        return [f"txn-list-append: no anomaly that {models} forbids among {committed} "
                "committed transactions."]
    lines = evidence.anomaly_lines(result.get("anomalies") or {},
                                   lambda name, case: _case_lines(str(name), case, opts), 3)
    if result.get("not"):
        lines.append("So the history is not " + ", ".join(sorted(result["not"])) + ".")
    return lines

