"""The txn-list-append workload's checker: Elle's list-append analysis as Maelstrom runs it
(spec workloads-more §4.4; Elle 0.2.2, Jepsen 0.3.7), with no Maelstrom wrapper.

A transaction is a list of micro-ops: ["append", k, v] adds v to the end of list k,
["r", k, vs] read list k as vs (None or [] before any append). Every value is appended to
a key at most once, so a read names the transactions whose appends it shows, in order.
The questions asked:

1. Did any transaction disagree with itself (`internal`: a read that does not show the
   txn's own earlier appends; `future-read`: a read showing a value the txn appends only
   later)? Did a committed read show an aborted append (`G1a`) or another txn's
   intermediate state (`G1b`, its last element was followed by another append of the
   same txn)? Did a read show an element twice (`duplicate-elements`)?
2. What order were each key's elements appended in? The longest read of the key says it,
   provided every other read is a prefix of it (else `incompatible-order`). A failed
   append directly followed by a committed one in that order is a `dirty-update`.
3. Which txns depend on which? ww / wr / rw edges from the version orders
   (list_append_ops.Dependencies); with strong models, realtime edges too
   (cycles.realtime_graph), as txn-rw-register does.
4. Which cycles are there (elle_search, with the cycle-exists checks and model
   implications), and which anomalies matter (elle_models)? `lost-update`: two committed
   txns that read the same version of a key and both appended to it.

The result is Elle's own map: `{:valid? true}` when nothing reportable is found; else the
reportable anomalies with `:valid?` false, or :unknown when only `empty-transaction-graph`
or `cycle-search-timeout` is reportable. An append that no transaction made, found in the
version order, trips Elle's assertion (raised here as AssertionError: Maelstrom's whole
analysis then becomes :unknown); two appends of one value to one key in invocations raise
ValueError (the workload result becomes :unknown). The explanation in words is
list_append_explain.py.
"""

from glomers.edn import Symbol, dumps
from glomers.values import clj_key

from . import elle_search
from .list_append_explain import explain
from .list_append_ops import (UNKNOWN_PREFIX, AppendIndex, Dependencies, append_mops,
                              as_list, invocations_of, is_prefix, micro_ops, possible,
                              read_mops, sorted_values, write_index)
from .txn_rw_register import client_ops, elle_result, lost_update_cases, order_graph

__all__ = ["check", "explain", "analyze"]


# Step 0: sanity.

def verify_unique_appends(ops):
    """Elle refuses a history whose invocations append one value twice to one key."""
    written = set()
    for op in ops:
        if op.get("type") != "invoke":
            continue
        for _, _, k, v in append_mops(op):
            pair = (clj_key(k), clj_key(v))
            if pair in written:
                raise ValueError(f"value {dumps(v)} appended to key {dumps(k)} multiple times! "
                                 f"(op {op.get('index')})")
            written.add(pair)


# Step 1: anomalies inside one transaction, or about single reads.

def internal_cases(ops):
    """(internal cases, future-read cases) of the :ok txns."""
    internal, future = [], []
    for op in ops:
        if op.get("type") != "ok":
            continue
        case = _internal_case(op)
        if case:
            internal.append(case)
        case = _future_read_case(op)
        if case:
            future.append(case)
    return internal, future


def _internal_case(op):
    """The first read of this txn that contradicts what it already knows of the list:
    exactly what it last read plus its appends since, or (before any read of the key) some
    unknown prefix followed by its appends."""
    state = {}                  # key -> expected list; absent: nothing known
    for _, mop, k, v in [(i, m, m[1], m[2]) for i, m in enumerate(micro_ops(op))]:
        key = clj_key(k)
        if mop[0] == "append":
            # A key last read as nil is known to be empty, not unknown (Elle's `get`).
            known = state[key] if key in state else [UNKNOWN_PREFIX]
            state[key] = list(known or []) + [v]
            continue
        if mop[0] != "r":
            continue
        expected = state.get(key)
        if expected is not None and _contradicts(expected, v):
            return {"op": op, "mop": mop, "expected": expected}
        state[key] = None if v is None else list(v)
    return None


def _contradicts(expected, read):
    """Does a read differ from the list the txn expects? A read of nil always does: Elle
    compares the expected list itself, even an empty one, with nil."""
    if read is None:
        return True
    read = as_list(read)
    if expected and expected[0] is UNKNOWN_PREFIX:
        start = len(read) + 1 - len(expected)
        return start < 0 or [clj_key(x) for x in expected[1:]] != \
            [clj_key(x) for x in read[start:]]
    return [clj_key(x) for x in expected] != [clj_key(x) for x in read]


def _future_read_case(op):
    """A read of an element this txn appends only later."""
    reads = {}                  # (key, element) -> the first read mop that showed it
    for mop in micro_ops(op):
        f, k, v = mop
        if f == "append":
            seen = reads.get((clj_key(k), clj_key(v)))
            if seen is not None:
                return {"op": op, "mop": seen, "element": v}
        elif f == "r":
            for element in as_list(v):
                reads.setdefault((clj_key(k), clj_key(element)), mop)
    return None


def g1a_cases(ops):
    """Aborted reads: an :ok txn's read shows an element a :fail txn appended."""
    failed = {}
    for op in ops:
        if op.get("type") == "fail":
            for _, _, k, v in append_mops(op):
                failed[(clj_key(k), clj_key(v))] = op
    cases = []
    for op in ops:
        if op.get("type") != "ok":
            continue
        for _, mop, k, v in read_mops(op):
            for element in as_list(v):
                writer = failed.get((clj_key(k), clj_key(element)))
                if writer is not None:
                    cases.append({"op": op, "mop": mop, "writer": writer, "element": element})
    return cases


def g1b_cases(ops):
    """Intermediate reads: an :ok txn's read ends with an element another txn appended
    and then followed, within itself, by another append to the same key."""
    intermediate = {}
    for op in ops:
        last = {}
        for _, _, k, v in append_mops(op):
            key = clj_key(k)
            if key in last:
                intermediate[(key, last[key])] = op
            last[key] = clj_key(v)
    cases = []
    for op in ops:
        if op.get("type") != "ok":
            continue
        for _, mop, k, v in read_mops(op):
            elements = as_list(v)
            if not elements:
                continue
            writer = intermediate.get((clj_key(k), clj_key(elements[-1])))
            if writer is not None and writer.get("index") != op.get("index"):
                cases.append({"op": op, "mop": mop, "writer": writer,
                              "element": elements[-1]})
    return cases


def duplicate_cases(ops):
    """Reads that show some element more than once."""
    cases = []
    for op in ops:
        for _, mop, _, v in read_mops(op):
            counts, raw = {}, {}
            for element in as_list(v):
                key = clj_key(element)
                counts[key] = counts.get(key, 0) + 1
                raw[key] = element
            dups = {raw[key]: n for key, n in sorted(counts.items()) if n > 1}
            if dups:
                cases.append({"op": op, "mop": mop, "duplicates": dups})
    return cases


# Step 2: version orders.

def incompatible_orders(sorted_vals):
    """Per key, the first pair of reads (by length) where the shorter is not a prefix of
    the longer: no single order of appends explains both."""
    cases = []
    for k, values in sorted_vals:
        for a, b in zip(values, values[1:]):
            if not is_prefix(a, b):
                cases.append({"key": k, "values": [a, b]})
                break
    return cases


def dirty_update_cases(ops):
    """Walking each key's version order: a :fail appender followed by an :ok one. Every
    element of the order needs an appender among the completions; Elle asserts it."""
    index = AppendIndex(sorted_values(ops))
    writers = write_index(ops)
    cases = []
    for key, order in index.order.items():
        previous, versions = {"type": "ok"}, []
        for element in order:
            writer = writers.get((key, clj_key(element)))
            if writer is None:
                raise AssertionError(f"No transaction wrote {dumps(_raw_key(ops, key))} "
                                     f"{dumps(element)}")
            pair = (previous.get("type"), writer.get("type"))
            if pair == ("fail", "ok"):
                cases.append({"key": _raw_key(ops, key), "values": versions + [element],
                              "txns": [previous, Symbol("..."), writer]})
            if pair in (("ok", "ok"), ("info", "ok"), ("fail", "ok"), ("ok", "fail"),
                        ("info", "fail")):
                previous, versions = writer, [element]
            else:
                versions = versions + [element]
    return cases


def _raw_key(ops, key):
    for op in ops:
        for mop in micro_ops(op):
            if clj_key(mop[1]) == key:
                return mop[1]
    return key


# Step 3: the transaction graph.

# Step 4: everything together.

def analyze(history, opts, budget_steps=elle_search.DEFAULT_BUDGET):
    """Every anomaly Elle finds, reportable or not: {"anomalies": {name: cases}, "graph"}."""
    ops = client_ops(history)
    verify_unique_appends(ops)
    chances = possible(ops)
    deps = Dependencies(chances)
    graph = deps.graph()
    extra = order_graph(ops, opts)
    if extra is not None:
        graph.union(extra)
    anomalies = {}
    if not graph.out:
        anomalies["empty-transaction-graph"] = True
    invocations = invocations_of(ops)
    by_index = {op["index"]: op for op in ops}
    for name, cases in elle_search.cycle_anomalies(graph, budget_steps).items():
        anomalies[name] = [_cycle_case(case, deps, by_index, invocations) for case in cases]
    internal, future = internal_cases(ops)
    dirty = dirty_update_cases(ops)
    for name, cases in (("duplicate-elements", duplicate_cases(chances)),
                        ("incompatible-order", incompatible_orders(sorted_values(chances))),
                        ("internal", internal), ("future-read", future),
                        ("dirty-update", dirty), ("G1a", g1a_cases(ops)),
                        ("G1b", g1b_cases(ops)),
                        ("lost-update", lost_update_cases(chances, write="append"))):
        if cases:
            anomalies[name] = cases
    return {"anomalies": anomalies, "graph": graph}


def _cycle_case(case, deps, by_index, invocations):
    """Elle's cycle case {cycle: [T1 ... T1], steps, type}; other cases pass through."""
    if "cycle" not in case:
        return case
    cycle = case["cycle"]
    ops = [by_index[i] for i in cycle.nodes]
    steps = [deps.explain_step(by_index[a], by_index[b], kind, invocations)
             for a, b, kind in cycle.steps()]
    return {"cycle": ops + ops[:1], "steps": steps, "type": case["type"]}


def check(history, opts=None):
    """Maelstrom's txn-list-append `:workload` result: Elle's result map, unwrapped."""
    opts = opts or {}
    return elle_result(opts, analyze(history, opts)["anomalies"])
