"""The txn-rw-register workload's checker: Elle's rw-register analysis as Maelstrom runs it
(spec §6.6 and Appendix A; Elle 0.2.2, Jepsen 0.3.7).

A transaction is a list of micro-ops ("mops") [f, k, v]: ["r", k, v] read k and saw v
(None = never written), ["w", k, v] set k to v. Write values are unique per key, so a read
names its writer. The questions asked, in order:

1. What did each txn show the world? Its external read of k (the first mop on k, if a read)
   and its external write of k (its last write of k).
2. In what order were each key's versions installed? Only two facts are used: None comes
   before every value seen or written ("initial-state"), and a txn that read v and then
   wrote v' of the same key puts v before v' ("wfr-keys", writes follow reads). A source
   whose edges would make some key's order cyclic is dropped and reported
   (`cyclic-versions`).
3. Which txns depend on which? wr: the txn that wrote k=v -> every txn that read k=v; for
   each version step v1 -> v2: ww from v1's writers to v2's writers, rw from v1's readers
   to v2's writers. Only :ok txns take part. Realtime (or process) order edges are added
   when the chosen consistency models make such anomalies reportable.
4. Which anomalies are there? Cycles (elle_search), plus direct checks: internal (a txn
   disagreeing with itself), G1a (read of a failed txn's write), G1b (read of another
   txn's non-final write), lost-update (two txns read the same version of k and both
   wrote k).
5. Which of them matter? Those the consistency models prohibit (elle_models), plus
   empty-transaction-graph and cycle-search-timeout, which are always reported.

Maelstrom then drops cycle-search-timeout and calls the result valid exactly when no
anomaly type is left, so an empty transaction graph fails the test.

Exceptions, as in Elle: two :ok txns writing the same k=v that someone read ->
`DuplicateWriter`; an unknown model -> `elle_models.UnknownModel` (a checker guard turns
both into :valid? :unknown); keys of several types -> `TypeSanityError`, an AssertionError
(in Maelstrom it escapes the guard and the whole results map becomes :unknown).

Beyond Maelstrom, `stricter()` infers write order Elle cannot (see its docstring) and
reports the blind-write cycles it finds, without changing `check`'s verdict.
"""

import re

from glomers.edn import Keyword, dumps
from glomers.values import clj_key

from . import elle_models, elle_search, evidence
from .common import node_of, seconds
from .cycles import (PROCESS, RW, WR, WW, DepGraph, process_graph,
                     realtime_graph, strongly_connected_components)

K = Keyword
NONE_KEY = clj_key(None)
ALWAYS_REPORTED = {"empty-transaction-graph", "cycle-search-timeout"}


class DuplicateWriter(ValueError):
    """Two :ok transactions externally wrote the same value to the same key, and it was
    read: Elle refuses to guess which one a read saw."""


class TypeSanityError(AssertionError):
    """The history mixes key types (e.g. a node answering string keys for integer ones)."""


# Step 0: the history in the shapes the analysis needs.

def client_ops(history):
    """Ops of client processes (Elle ignores the nemesis)."""
    return [op for op in history if op.get("process") != "nemesis"]


def parse_consistency_models(text):
    """Maelstrom's --consistency-models parsing: split on a comma with whitespace on both
    sides, so "read-committed,serializable" stays one (unknown) model name."""
    return [piece for piece in re.split(r"\s+,\s+", text)]


def _mops(op):
    value = op.get("value")
    return value if isinstance(value, (list, tuple)) else []


def ext_reads(txn):
    """{key: value} of the txn's external reads (first mop on the key is a read); keys and
    values wrapped as clj_key so Clojure equality holds."""
    reads, seen = {}, set()
    for f, k, v in txn:
        key = clj_key(k)
        if key not in seen and f == "r":
            reads[key] = v
        seen.add(key)
    return reads


def ext_writes(txn):
    """{key: value} of the txn's external writes (its last write to each key)."""
    writes = {}
    for f, k, v in txn:
        if f == "w":
            writes[clj_key(k)] = v
    return writes


class Txns:
    """Per-op external reads/writes of a history, and the indexes that relate them."""

    def __init__(self, ops):
        self.ops = ops
        self.by_index = {op["index"]: op for op in ops}
        self.reads = {}
        self.writes = {}
        self.read_index = {}   # (key, value key) -> [ok ops whose external read it is]
        self.write_index = {}  # (key, value key) -> [ok ops whose external write it is]
        self.raw_key = {}      # key clj_key -> the key as it appeared
        self.invocation = {}   # completion index -> its invocation op
        pending = {}
        for op in ops:
            if op["type"] == "invoke":
                pending[op["process"]] = op
                continue
            if op["process"] in pending:
                self.invocation[op["index"]] = pending.pop(op["process"])
            txn = _mops(op)
            for _, k, _ in txn:
                self.raw_key.setdefault(clj_key(k), k)
            self.writes[op["index"]] = ext_writes(txn)
            if op["type"] == "ok":
                self.reads[op["index"]] = ext_reads(txn)
                for k, v in self.reads[op["index"]].items():
                    self.read_index.setdefault((k, clj_key(v)), []).append(op)
                for k, v in self.writes[op["index"]].items():
                    self.write_index.setdefault((k, clj_key(v)), []).append(op)


# Step 2: version orders.

def _initial_state_edges(txns):
    """None precedes every value an :ok/:info txn wrote or an :ok txn read."""
    edges = {}
    for op in txns.ops:
        if op["type"] not in ("ok", "info"):
            continue
        kvs = list(txns.writes[op["index"]].items())
        if op["type"] == "ok":
            kvs += list(txns.reads[op["index"]].items())
        for k, v in kvs:
            if v is not None:
                edges.setdefault(k, {}).setdefault(NONE_KEY, {})[clj_key(v)] = (None, v)
    return edges


def _wfr_edges(txns):
    """In an :ok txn that read v (not None) and then wrote v' of the same key: v < v'."""
    edges = {}
    for op in txns.ops:
        if op["type"] != "ok":
            continue
        writes = txns.writes[op["index"]]
        for k, v in txns.reads[op["index"]].items():
            if v is None or k not in writes or writes[k] is None:
                continue
            if clj_key(v) == clj_key(writes[k]):
                continue
            edges.setdefault(k, {}).setdefault(clj_key(v), {})[clj_key(writes[k])] = (
                v, writes[k])
    return edges


def _merge(a, b):
    merged = {k: {v: dict(succ) for v, succ in vs.items()} for k, vs in a.items()}
    for k, vs in b.items():
        for v, succ in vs.items():
            merged.setdefault(k, {}).setdefault(v, {}).update(succ)
    return merged


def _version_cycles(graphs):
    """[(key, [values in a cycle])] for every key whose version graph is cyclic."""
    cycles = []
    for k, vs in graphs.items():
        graph, raw = DepGraph(), {}
        for v, succ in vs.items():
            for v2, (r1, r2) in succ.items():
                graph.link(v, v2, "version")
                raw[v], raw[v2] = r1, r2
        for scc in strongly_connected_components(graph):
            cycles.append((k, [raw[v] for v in scc]))
    return cycles


def _sequential_edges(txns):
    """(stricter only) Per-client order: when a client's :ok txn last left key k at v1
    (its external write, else its external read) and that client's next :ok txn touching k
    first saw v2 (its external read, else its external write), then v1 < v2."""
    edges, last = {}, {}
    for op in txns.ops:
        if op["type"] != "ok":
            continue
        reads, writes = txns.reads[op["index"]], txns.writes[op["index"]]
        seen = last.setdefault(op["process"], {})
        for k in set(reads) | set(writes):
            first = reads[k] if k in reads and reads[k] is not None else writes.get(k, reads.get(k))
            if k in seen and clj_key(seen[k]) != clj_key(first):
                edges.setdefault(k, {}).setdefault(clj_key(seen[k]), {})[clj_key(first)] = (
                    seen[k], first)
            seen[k] = writes[k] if k in writes else reads[k]
    return edges


def version_graphs(txns, sequential=False):
    """(graphs {key: {value: {next value: raw pair}}}, cyclic-versions cases, sources).
    `sequential` adds the per-client source (stricter than Maelstrom)."""
    graphs, sources, cases = {}, [], []
    graphers = [("initial-state", _initial_state_edges), ("wfr-keys", _wfr_edges)]
    if sequential:
        graphers.append(("sequential-keys", _sequential_edges))
    for name, grapher in graphers:
        merged = _merge(graphs, grapher(txns))
        cycles = _version_cycles(merged)
        if cycles:
            for k, values in cycles:
                cases.append({"key": txns.raw_key.get(k, k), "scc": frozenset(values),
                              "sources": [K(s) for s in sources + [name]]})
        else:
            graphs = merged
            sources.append(name)
    return graphs, cases, sources


# Step 3: the transaction graph.

def transaction_graph(txns, graphs):
    """wr edges from unique writers to readers, ww/rw edges from version steps."""
    graph = DepGraph()
    for (k, vkey), readers in txns.read_index.items():
        writers = txns.write_index.get((k, vkey), [])
        if len(writers) > 1:
            raise DuplicateWriter(
                f"Key {_edn_value(txns.raw_key.get(k))} had value {_edn_value(_value_of(readers[0], k))}"
                f" written by more than one op: {[w['index'] for w in writers]}")
        for writer in writers:
            for reader in readers:
                graph.link(writer["index"], reader["index"], WR)
    for k, vs in graphs.items():
        for v1, succ in vs.items():
            v1_writes = txns.write_index.get((k, v1), [])
            v1_reads = txns.read_index.get((k, v1), [])
            for v2 in succ:
                for b in txns.write_index.get((k, v2), []):
                    for a in v1_writes:
                        graph.link(a["index"], b["index"], WW)
                    for a in v1_reads:
                        graph.link(a["index"], b["index"], RW)
    return graph


def _value_of(op, k):
    for f, key, v in _mops(op):
        if f == "r" and clj_key(key) == k:
            return v
    return None


# Step 4: anomalies that need no cycle.

def internal_cases(ops):
    """:ok txns whose read disagrees with what the same txn last wrote or read."""
    cases = []
    for op in ops:
        if op["type"] != "ok":
            continue
        state = {}
        for mop in _mops(op):
            f, k, v = mop
            key = clj_key(k)
            if f == "w":
                state[key] = v
                continue
            expected = state.get(key)
            # Elle treats a remembered None (or false) as "nothing known yet".
            if expected is not None and expected is not False and clj_key(expected) != clj_key(v):
                cases.append({"op": op, "mop": mop, "expected": expected})
                break
            state[key] = v
    return cases


def _write_owner_index(ops, select):
    """(key, value key) -> index of the latest op whose txn wrote it as `select` picks."""
    owners = {}
    for op in ops:
        for k, v in select(op):
            owners[(clj_key(k), clj_key(v))] = op["index"]
    return owners


def _failed_writes(op):
    return [(k, v) for f, k, v in _mops(op) if f == "w"] if op["type"] == "fail" else []


def _intermediate_writes(op):
    last, out = {}, []
    for f, k, v in _mops(op):
        if f != "w":
            continue
        key = clj_key(k)
        previous = last.get(key)
        if previous is not None and previous is not False:
            out.append((k, previous))
        last[key] = v
    return out


def _bad_read_cases(ops, by_index, owners, skip_own):
    cases = []
    for op in ops:
        if op["type"] != "ok":
            continue
        for mop in _mops(op):
            f, k, v = mop
            if f != "r":
                continue
            writer = owners.get((clj_key(k), clj_key(v)))
            if writer is None or (skip_own and writer == op["index"]):
                continue
            cases.append({"op": op, "mop": mop, "writer": by_index[writer]})
    return cases


def g1a_cases(ops, by_index):
    """Aborted reads: an :ok txn read a value only a :fail txn wrote."""
    return _bad_read_cases(ops, by_index, _write_owner_index(ops, _failed_writes), False)


def g1b_cases(ops, by_index):
    """Intermediate reads: an :ok txn read a value another txn overwrote within itself."""
    return _bad_read_cases(ops, by_index, _write_owner_index(ops, _intermediate_writes), True)


def lost_update_cases(ops, write="w"):
    """Two or more :ok txns that read the same version of k and then wrote k (tracked the
    way Elle does: a key's first read, even one after the txn's own write, is what a later
    first-write of the key is taken to be based on). `write` names the writing micro-op
    ("append" for list-append)."""
    groups, raw = {}, {}
    for op in ops:
        if op["type"] != "ok":
            continue
        reads, written = {}, set()
        for f, k, v in _mops(op):
            key = clj_key(k)
            if f == write and key not in written:
                if key in reads:
                    group = (key, clj_key(reads[key]))
                    groups.setdefault(group, []).append(op)
                    raw[group] = (k, reads[key])
                    written.add(key)
            elif key not in reads:
                reads[key] = v
    return [{"key": raw[g][0], "value": raw[g][1], "txns": txns}
            for g, txns in groups.items() if len(txns) > 1]


_CLASS_NAMES = ((bool, "Boolean"), (int, "Long"), (float, "Double"), (str, "String"),
                (list, "Vector"), (tuple, "Vector"), (dict, "Map"), (type(None), "nil"))


def _class(value):
    for kind, name in _CLASS_NAMES:
        if isinstance(value, kind):
            if name == "Long" and not -2**63 <= value < 2**63:
                return "BigInt"
            return name
    return type(value).__name__


def assert_type_sanity(ops):
    """Elle's sanity check: all keys of one type, at most one integer type among values."""
    key_types = {_class(k) for op in ops for _, k, _ in _mops(op)}
    if len(key_types) > 1:
        raise TypeSanityError("History includes a mix of different types for transaction "
                              f"keys: {sorted(key_types)}")


# Step 5: models, the result map.

def prohibited_anomaly_types(opts):
    """Anomalies that fail the test under opts' consistency models (and extra anomalies)."""
    models = opts.get("consistency_models") or ["strict-serializable"]
    extra = opts.get("anomalies") or []
    return elle_models.prohibited_by(models) | elle_models.anomalies_implying(extra)


def reportable_anomaly_types(opts):
    """Prohibited anomalies plus those Elle always reports."""
    return prohibited_anomaly_types(opts) | ALWAYS_REPORTED


def order_graph(history, opts):
    """The realtime graph if realtime anomalies are reportable, else the process graph if
    process anomalies are, else None."""
    reportable = reportable_anomaly_types(opts)
    if any(t.endswith("-realtime") and t in _CYCLE_NAMES for t in reportable):
        return realtime_graph(history)
    if any(t.endswith("-process") and t in _CYCLE_NAMES for t in reportable):
        return process_graph(history)
    return None


_CYCLE_NAMES = {f"{base}{suffix}" for base in
                ("G0", "G1c", "G-single", "G-single-item", "G-nonadjacent",
                 "G-nonadjacent-item", "G2-item", "G2")
                for suffix in ("", "-process", "-realtime")}


def analyze(history, opts, budget_steps=elle_search.DEFAULT_BUDGET, sequential=False):
    """Every anomaly Elle finds, reportable or not: {"anomalies": {name: [cases]},
    "graph": DepGraph, "txns": Txns, "version-graphs": ..., "sources": [...]}.
    `sequential` adds stricter()'s per-client version source."""
    ops = client_ops(history)
    txns = Txns(ops)
    graphs, cyclic, sources = version_graphs(txns, sequential)
    graph = transaction_graph(txns, graphs)
    extra = order_graph(ops, opts)
    if extra is not None:
        graph.union(extra)
    anomalies = {}
    if cyclic:
        anomalies["cyclic-versions"] = cyclic
    if not graph.out:
        anomalies["empty-transaction-graph"] = True
    for name, cases in elle_search.cycle_anomalies(graph, budget_steps).items():
        anomalies.setdefault(name, []).extend(_elle_cycle_case(case, txns, graphs)
                                              for case in cases)
    assert_type_sanity(ops)
    for name, cases in (("internal", internal_cases(ops)),
                        ("G1a", g1a_cases(ops, txns.by_index)),
                        ("G1b", g1b_cases(ops, txns.by_index)),
                        ("lost-update", lost_update_cases(ops))):
        if cases:
            anomalies[name] = cases
    return {"anomalies": anomalies, "graph": graph, "txns": txns,
            "version-graphs": graphs, "sources": sources}


def elle_result(opts, anomalies):
    """Elle's result-map: {valid?: true} when nothing reportable, else the reportable
    anomalies, valid? false (something prohibited) or :unknown, and the model boundary of
    every anomaly found."""
    prohibited = prohibited_anomaly_types(opts)
    reportable_types = prohibited | ALWAYS_REPORTED
    bad = [t for t in anomalies if t in prohibited]
    reportable = elle_search.remove_redundant_cycle_exists(
        {t: cases for t, cases in anomalies.items() if t in reportable_types})
    if not reportable:
        return {"valid?": True}
    bounds = elle_models.boundary(list(anomalies))
    return {"valid?": False if bad else K("unknown"),
            "anomaly-types": tuple(K(t) for t in sorted(reportable)),
            "anomalies": {t: reportable[t] for t in sorted(reportable)},
            "not": frozenset(K(m) for m in bounds["not"]),
            "also-not": frozenset(K(m) for m in bounds["also-not"])}


def check(history, opts=None):
    """Maelstrom's txn-rw-register `:workload` result for a history."""
    opts = opts or {}
    result = elle_result(opts, analyze(history, opts)["anomalies"])
    # Maelstrom's wrapper: forget search timeouts, fail on any other anomaly type.
    types = tuple(t for t in result.get("anomaly-types", ()) if t != "cycle-search-timeout")
    anomalies = result.get("anomalies")
    if anomalies is not None:
        anomalies = {t: c for t, c in anomalies.items() if t != "cycle-search-timeout"}
    result["anomaly-types"] = types
    result["anomalies"] = anomalies
    result["valid?"] = not types
    return result


def _elle_cycle_case(case, txns, graphs):
    """An Elle cycle case ({cycle: [ops..., first op], steps: [...], type}) from a search
    result; cycle-exists and timeout cases pass through."""
    if "cycle" not in case:
        return case
    cycle = case["cycle"]
    ops = [txns.by_index[i] for i in cycle.nodes]
    steps = [_explain_step(txns, graphs, txns.by_index[a], txns.by_index[b], kind)
             for a, b, kind in cycle.steps()]
    return {"cycle": ops + ops[:1], "steps": steps, "type": case["type"]}


def _mop_index(op, f, k, v):
    for i, mop in enumerate(_mops(op)):
        if mop[0] == f and clj_key(mop[1]) == k and clj_key(mop[2]) == clj_key(v):
            return i
    return None


def _explain_step(txns, graphs, a, b, kind):
    """Why b depends on a, in Elle's step shape."""
    ia, ib = a["index"], b["index"]
    if kind == WR:
        reads = txns.reads.get(ib, {})
        for k, v in txns.writes.get(ia, {}).items():
            if k in reads and clj_key(reads[k]) == clj_key(v):
                return {"type": K("wr"), "key": txns.raw_key.get(k), "value": v,
                        "a-mop-index": _mop_index(a, "w", k, v),
                        "b-mop-index": _mop_index(b, "r", k, v)}
    if kind in (WW, RW):
        a_kvs = txns.writes.get(ia, {}) if kind == WW else txns.reads.get(ia, {})
        b_kvs = txns.writes.get(ib, {})
        for k, v in a_kvs.items():
            if k in b_kvs and clj_key(b_kvs[k]) in graphs.get(k, {}).get(clj_key(v), {}):
                return {"type": K(kind), "key": txns.raw_key.get(k), "value": v,
                        "value'": b_kvs[k],
                        "a-mop-index": _mop_index(a, "w" if kind == WW else "r", k, v),
                        "b-mop-index": _mop_index(b, "w", k, b_kvs[k])}
    if kind == PROCESS:
        return {"type": K("process"), "process": a["process"]}
    return {"type": K("realtime"), "a'": a, "b": txns.invocation.get(ib)}


# Beyond Maelstrom.

STRICTER_ASSUMPTION = (
    "each client sees every key's versions in the order they were installed (per-key "
    "sequential consistency as one client observes it): if a client's txn last left key k "
    "at v1 and its next txn touching k first saw v2, then v1 was installed before v2")


def stricter(history, opts=None):
    """What Maelstrom's inference misses: the same analysis with one more version source,
    per-client order (STRICTER_ASSUMPTION; Elle's sequential-keys), which orders blind
    writes and so exposes G0 cycles Maelstrom cannot see (maelstrom issue #56). Returns
    {"assumption", "anomaly-types": prohibited types found, "missed-by-maelstrom": those
    check() does not report, "anomalies": their cases}. Never changes check()'s verdict."""
    opts = opts or {}
    found = analyze(history, opts, sequential=True)["anomalies"]
    result = elle_result(opts, found)
    types = [t for t in result.get("anomaly-types", ()) if t != "cycle-search-timeout"]
    maelstrom = set(check(history, opts)["anomaly-types"])
    missed = [t for t in types if t not in maelstrom]
    return {"assumption": STRICTER_ASSUMPTION,
            "anomaly-types": tuple(types),
            "missed-by-maelstrom": tuple(missed),
            "anomalies": {t: result["anomalies"][t] for t in missed}}


# Plain-English explanation.

def _node(op, opts):
    return node_of(op.get("process"), opts)


def _mops_text(op):
    parts = []
    for f, k, v in _mops(op):
        parts.append(f"[{f} {_edn_value(k)} {_edn_value(v)}]")
    return "[" + " ".join(parts) + "]"


def _edn_value(v):
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v + '"'
    return str(v)


def _describe(op, opts, name=None):
    """e.g. 'T1 (op 12, process 2, n0, 3.100 s) [[w 3 2]]'."""
    where = [f"op {op['index']}", f"process {op['process']}"]
    node = _node(op, opts)
    if node:
        where.append(node)
    where.append(seconds(op))
    label = f"{name} " if name else ""
    return f"{label}({', '.join(where)}) {_mops_text(op)}"


def _step_text(step):
    kind = str(step["type"])
    if kind in ("wr", "ww", "rw"):
        text = f"on key {_edn_value(step['key'])} value {_edn_value(step['value'])}"
        if "value'" in step:
            text += " then " + _edn_value(step["value'"])
        return text
    if kind == "realtime":
        return "completed before the next was invoked"
    return f"same process {step.get('process')}"


_MEANING = {
    "wr": "wrote what the next read", "ww": "wrote a version the next overwrote",
    "rw": "read a version the next overwrote",
}


def _cycle_lines(name, case, opts):
    ops = case["cycle"][:-1]
    labels = {id(op): f"T{i + 1}" for i, op in enumerate(ops)}
    parts = []
    for i, (op, step) in enumerate(zip(ops, case["steps"])):
        nxt = ops[(i + 1) % len(ops)]
        parts.append(f"{_describe(op, opts, labels[id(op)])} {step['type']}-> "
                     f"{labels[id(nxt)]} {_step_text(step)}")
    closing = case["steps"][-1]
    return [f"{name}: a cycle of {len(ops)} transactions: " + "; ".join(parts)
            + f". The last edge ({closing['type']}: T{len(ops)} "
            f"{_MEANING.get(str(closing['type']), 'precedes')} T1) closes the cycle, so "
            "no serial order of these transactions explains what they saw."]


def _case_lines(name, case, opts):
    if name == "empty-transaction-graph":
        return ["empty-transaction-graph: no dependency at all could be inferred between "
                "committed transactions (for example no transaction completed :ok), so "
                "nothing was checked; Maelstrom counts this as a failure."]
    if isinstance(case, dict) and "cycle" in case:
        return _cycle_lines(name, case, opts)
    if name == "cyclic-versions":
        return [f"cyclic-versions: key {_edn_value(case['key'])}: the inferred version "
                f"order of values {sorted(case['scc'], key=str)} is circular "
                f"(sources {[str(s) for s in case['sources']]})."]
    if name in ("G1a", "G1b"):
        what = ("a failed transaction" if name == "G1a" else
                "an intermediate (later overwritten) write of another transaction")
        return [f"{name}: {_describe(case['op'], opts)} read "
                f"{_edn_value(case['mop'][1])} = {_edn_value(case['mop'][2])}, written only "
                f"by {what}: {_describe(case['writer'], opts)}."]
    if name == "internal":
        return [f"internal: {_describe(case['op'], opts)} read "
                f"{_edn_value(case['mop'][1])} = {_edn_value(case['mop'][2])} but its own "
                f"earlier mops imply {_edn_value(case['expected'])}."]
    if name == "lost-update":
        txns = "; ".join(_describe(op, opts) for op in case["txns"])
        return [f"lost-update: {len(case['txns'])} transactions read key "
                f"{_edn_value(case['key'])} = {_edn_value(case['value'])} and each wrote "
                f"it, so one update overwrote the other unseen: {txns}."]
    if name.endswith("-cycle-exists"):
        return [f"{name}: {case['scc-size']} transactions (ops {sorted(case['scc'])[:10]}"
                f"{'...' if len(case['scc']) > 10 else ''}) form a cycle using only "
                f"{_kinds_text(case['subgraph'])} edges, which {case['not']} forbids."]
    return [f"{name}: {dumps(case, width=None)}"]


def _kinds_text(subgraph):
    """Edge kinds in words: [K('union'), K('ww'), K('wwp')] -> 'ww / wwp'."""
    if isinstance(subgraph, (list, tuple)):
        kinds = [str(k) for k in subgraph if str(k) != "union"]
        return " / ".join(kinds)
    return str(subgraph)


def explain(result, history, opts):
    """Plain-English lines for a txn-rw-register result: each reported anomaly with the
    transactions involved (op, process, node, time, micro-ops) and the edges between them."""
    opts = opts or {}
    if result.get("valid?") is True:
        return ["txn-rw-register: no prohibited anomaly among "
                f"{sum(1 for op in history if op.get('type') == 'ok')} committed ops "
                f"(models: {', '.join(opts.get('consistency_models') or ['strict-serializable'])})."]
    if "error" in result:
        return [f"txn-rw-register: the checker could not run: {result['error']}"]
    lines = evidence.anomaly_lines(result.get("anomalies") or {},
                                   lambda name, case: _case_lines(name, case, opts), 5)
    if result.get("not"):
        lines.append("So the history is not " + ", ".join(sorted(result["not"])) + ".")
    return lines


def explain_stricter(result, history, opts):
    """Plain-English lines for stricter()'s result: its assumption and what it adds."""
    lines = [f"assumption: {result['assumption']}"]
    if not result["missed-by-maelstrom"]:
        return lines + ["nothing beyond what Maelstrom's inference reports."]
    for name, cases in result["anomalies"].items():
        for case in (cases if isinstance(cases, list) else [cases])[:5]:
            lines.extend(_case_lines(name, case, opts or {}))
    return lines
