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


def value_key(value):
    """How the analysis keys a key or value so that two are equal exactly when Clojure's
    `=` says so: an int (nearly every key and value) is its own key, anything else its
    clj_key, a tuple, which never equals an int. Cheaper than clj_key's tuple for all."""
    if type(value) is int:
        return value
    key = clj_key(value)
    return key[1] if key[0] == "i" else key


NONE_KEY = value_key(None)
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


def _keyed(mops):
    # value_key's answer for an int, the usual key and value, is had here without a call.
    keyed = []
    for mop in mops:
        f, k, v = mop
        keyed.append((mop, f, k, v, k if type(k) is int else value_key(k),
                      v if type(v) is int else value_key(v)))
    return keyed


def keyed_mops(op):
    """[(mop, f, k, v, value_key(k), value_key(v))] for an op's micro-ops: each key and
    value keyed once, for every step of the analysis to share."""
    return _keyed(_mops(op))


def _external(keyed):
    """(reads, writes) of a txn given as keyed mops: {key: (value, value key)} of its
    external reads (the first mop on the key is a read) and external writes (its last
    write to each key)."""
    reads, writes, seen = {}, {}, set()
    for _, f, _, v, key, vkey in keyed:
        if f == "w":
            writes[key] = (v, vkey)
        elif f == "r" and key not in seen:
            reads[key] = (v, vkey)
        seen.add(key)
    return reads, writes


def ext_reads(txn):
    """{key: value} of the txn's external reads (first mop on the key is a read); keys
    wrapped as clj_key so Clojure equality holds."""
    return _by_clj_key(txn, _external(_keyed(txn))[0])


def ext_writes(txn):
    """{key: value} of the txn's external writes (its last write to each key); keys
    wrapped as clj_key."""
    return _by_clj_key(txn, _external(_keyed(txn))[1])


def _by_clj_key(txn, external):
    clj = {value_key(k): clj_key(k) for _, k, _ in txn}
    return {clj[key]: v for key, (v, _) in external.items()}


class Txns:
    """Per-op keyed mops and external reads/writes of a history, and the indexes that
    relate them, built in one pass."""

    def __init__(self, ops):
        self.ops = ops
        self.by_index = by_index = {}
        self.mops = mops = {}              # index -> keyed mops (invocations too)
        self.reads = ext_reads = {}        # ok index -> {key: (value, value key)}
        self.writes = ext_writes = {}      # completion index -> {key: (value, value key)}
        self.read_index = read_index = {}  # (key, value key) -> [ok ops reading it externally]
        self.write_index = write_index = {}  # (key, value key) -> [ok ops writing it externally]
        self.raw_key = raw_key = {}        # value_key(key) -> the key as it appeared
        self.invocation = {}               # completion index -> its invocation op
        pending = {}
        for op in ops:
            index = op["index"]
            by_index[index] = op
            keyed = mops[index] = keyed_mops(op)
            if op["type"] == "invoke":
                pending[op["process"]] = op
                continue
            if op["process"] in pending:
                self.invocation[index] = pending.pop(op["process"])
            for _, _, k, _, key, _ in keyed:
                raw_key.setdefault(key, k)
            reads, writes = _external(keyed)
            ext_writes[index] = writes
            if op["type"] == "ok":
                ext_reads[index] = reads
                for k, (_, vkey) in reads.items():
                    read_index.setdefault((k, vkey), []).append(op)
                for k, (_, vkey) in writes.items():
                    write_index.setdefault((k, vkey), []).append(op)

    def mops_of(self, op):
        """The keyed mops of one of the history's ops."""
        return self.mops[op["index"]]


# Step 2: version orders.

def _initial_state_edges(txns):
    """None precedes every value an :ok/:info txn wrote or an :ok txn read."""
    edges = {}
    for op in txns.ops:
        if op["type"] not in ("ok", "info"):
            continue
        kvs = list(txns.writes[op["index"]].items())
        if op["type"] == "ok":
            kvs += txns.reads[op["index"]].items()
        for k, (v, vkey) in kvs:
            if v is not None:
                edges.setdefault(k, {}).setdefault(NONE_KEY, {})[vkey] = (None, v)
    return edges


def _wfr_edges(txns):
    """In an :ok txn that read v (not None) and then wrote v' of the same key: v < v'."""
    edges = {}
    for op in txns.ops:
        if op["type"] != "ok":
            continue
        writes = txns.writes[op["index"]]
        for k, (v, vkey) in txns.reads[op["index"]].items():
            if v is None or k not in writes:
                continue
            written, wkey = writes[k]
            if written is None or vkey == wkey:
                continue
            edges.setdefault(k, {}).setdefault(vkey, {})[wkey] = (v, written)
    return edges


def _merge(a, b):
    merged = {k: {v: dict(succ) for v, succ in vs.items()} for k, vs in a.items()}
    for k, vs in b.items():
        for v, succ in vs.items():
            merged.setdefault(k, {}).setdefault(v, {}).update(succ)
    return merged


def _acyclic(vs):
    """Whether a version graph {value: {next value: ...}} has no cycle, by peeling off
    values nothing precedes (Kahn): much cheaper than finding SCCs, which only the rare
    cyclic key needs."""
    indegree = {}
    for succ in vs.values():
        for v2 in succ:
            indegree[v2] = indegree.get(v2, 0) + 1
    ready = [v for v in vs if v not in indegree]
    edges = sum(indegree.values())
    while ready:
        for v2 in vs.get(ready.pop(), ()):
            edges -= 1
            indegree[v2] -= 1
            if not indegree[v2]:
                ready.append(v2)
    return not edges


def _version_cycles(graphs, keys):
    """[(key, [values in a cycle])] for every key among `keys` whose version graph is
    cyclic."""
    cycles = []
    for k, vs in graphs.items():
        if k not in keys or _acyclic(vs):
            continue
        graph, raw = DepGraph(), {}
        for v, succ in vs.items():
            for v2, (r1, r2) in succ.items():
                graph.link(v, v2, "version")
                raw[v], raw[v2] = r1, r2
        for scc in strongly_connected_components(graph):
            cycles.append((k, [raw[v] for v in _clj_sorted(scc)]))
    return cycles


def _clj_sorted(values):
    """Version keys in the order of their clj_keys (when those sort), the order the values
    of a cyclic-versions case are listed in: a set of them such as {1 true} keeps the
    first of two Python-equal values."""
    try:
        return sorted(values, key=lambda v: v if isinstance(v, tuple) else ("i", v))
    except TypeError:
        return values


def _sequential_edges(txns):
    """(stricter only) Per-client order: when a client's :ok txn last left key k at v1
    (its external write, else its external read) and that client's next :ok txn touching k
    first saw v2 (its external read, else its external write), then v1 < v2."""
    edges, last = {}, {}
    for op in txns.ops:
        if op["type"] != "ok":
            continue
        reads = {k: v for k, (v, _) in txns.reads[op["index"]].items()}
        writes = {k: v for k, (v, _) in txns.writes[op["index"]].items()}
        seen = last.setdefault(op["process"], {})
        for k in set(reads) | set(writes):
            first = reads[k] if k in reads and reads[k] is not None else writes.get(k, reads.get(k))
            if k in seen and value_key(seen[k]) != value_key(first):
                edges.setdefault(k, {}).setdefault(value_key(seen[k]), {})[value_key(first)] = (
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
        edges = grapher(txns)
        merged = _merge(graphs, edges)
        # The accepted graphs are acyclic, so only keys the new source adds edges to can be.
        cycles = _version_cycles(merged, edges)
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
    link = graph.link
    for (k, vkey), readers in txns.read_index.items():
        writers = txns.write_index.get((k, vkey), [])
        if len(writers) > 1:
            raise DuplicateWriter(
                f"Key {_edn_value(txns.raw_key.get(k))} had value {_edn_value(_value_of(readers[0], k))}"
                f" written by more than one op: {[w['index'] for w in writers]}")
        for writer in writers:
            for reader in readers:
                link(writer["index"], reader["index"], WR)
    for k, vs in graphs.items():
        for v1, succ in vs.items():
            v1_writes = txns.write_index.get((k, v1), [])
            v1_reads = txns.read_index.get((k, v1), [])
            for v2 in succ:
                for b in txns.write_index.get((k, v2), []):
                    for a in v1_writes:
                        link(a["index"], b["index"], WW)
                    for a in v1_reads:
                        link(a["index"], b["index"], RW)
    return graph


def _value_of(op, k):
    for f, key, v in _mops(op):
        if f == "r" and value_key(key) == k:
            return v
    return None


# Step 4: anomalies that need no cycle. Each takes the ops and, from an analysis that has
# keyed them already, `mops_of` (op -> keyed mops).

def internal_cases(ops, mops_of=keyed_mops):
    """:ok txns whose read disagrees with what the same txn last wrote or read."""
    cases = []
    for op in ops:
        if op["type"] != "ok":
            continue
        state = {}
        for mop, f, _, v, key, vkey in mops_of(op):
            if f == "w":
                state[key] = (v, vkey)
                continue
            expected, expected_key = state.get(key, (None, None))
            # Elle treats a remembered None (or false) as "nothing known yet".
            if expected is not None and expected is not False and expected_key != vkey:
                cases.append({"op": op, "mop": mop, "expected": expected})
                break
            state[key] = (v, vkey)
    return cases


def _failed_writes(op, keyed):
    """(key, value key) of every write of a :fail txn."""
    if op["type"] != "fail":
        return []
    return [(key, vkey) for _, f, _, _, key, vkey in keyed if f == "w"]


def _intermediate_writes(op, keyed):
    """(key, value key) of every write the same txn overwrote later."""
    last, out = {}, []
    for _, f, _, v, key, vkey in keyed:
        if f != "w":
            continue
        previous, previous_key = last.get(key, (None, None))
        if previous is not None and previous is not False:
            out.append((key, previous_key))
        last[key] = (v, vkey)
    return out


def _write_owners(ops, mops_of, select):
    """(key, value key) -> index of the latest op whose txn wrote it as `select` picks."""
    owners = {}
    for op in ops:
        for pair in select(op, mops_of(op)):
            owners[pair] = op["index"]
    return owners


def bad_read_cases(ops, by_index, mops_of=keyed_mops):
    """(G1a cases, G1b cases), found in one pass over the reads of :ok txns. G1a, aborted
    reads: an :ok txn read a value only a :fail txn wrote. G1b, intermediate reads: an :ok
    txn read a value another txn overwrote within itself."""
    failed = _write_owners(ops, mops_of, _failed_writes)
    intermediate = _write_owners(ops, mops_of, _intermediate_writes)
    g1a, g1b = [], []
    if not failed and not intermediate:
        return g1a, g1b
    for op in ops:
        if op["type"] != "ok":
            continue
        for mop, f, _, _, key, vkey in mops_of(op):
            if f != "r":
                continue
            writer = failed.get((key, vkey))
            if writer is not None:
                g1a.append({"op": op, "mop": mop, "writer": by_index[writer]})
            writer = intermediate.get((key, vkey))
            if writer is not None and writer != op["index"]:
                g1b.append({"op": op, "mop": mop, "writer": by_index[writer]})
    return g1a, g1b


def lost_update_cases(ops, write="w", mops_of=keyed_mops):
    """Two or more :ok txns that read the same version of k and then wrote k (tracked the
    way Elle does: a key's first read, even one after the txn's own write, is what a later
    first-write of the key is taken to be based on). `write` names the writing micro-op
    ("append" for list-append)."""
    groups, raw = {}, {}
    for op in ops:
        if op["type"] != "ok":
            continue
        reads, written = {}, set()
        for _, f, k, v, key, vkey in mops_of(op):
            if f == write and key not in written:
                if key in reads:
                    read, read_key = reads[key]
                    group = (key, read_key)
                    groups.setdefault(group, []).append(op)
                    raw[group] = (k, read)
                    written.add(key)
            elif key not in reads:
                reads[key] = (v, vkey)
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


def assert_type_sanity(ops, mops_of=keyed_mops):
    """Elle's sanity check: all keys of one type, at most one integer type among values."""
    # A key's class depends only on its Python type and (for an int) its value, so each
    # distinct (type, key) is classified once, not every mop.
    distinct = {(type(mop[2]), mop[4]): mop[2] for op in ops for mop in mops_of(op)}
    key_types = {_class(k) for k in distinct.values()}
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
    assert_type_sanity(ops, txns.mops_of)
    g1a, g1b = bad_read_cases(ops, txns.by_index, txns.mops_of)
    for name, cases in (("internal", internal_cases(ops, txns.mops_of)),
                        ("G1a", g1a), ("G1b", g1b),
                        ("lost-update", lost_update_cases(ops, mops_of=txns.mops_of))):
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
        if mop[0] == f and value_key(mop[1]) == k and value_key(mop[2]) == value_key(v):
            return i
    return None


def _explain_step(txns, graphs, a, b, kind):
    """Why b depends on a, in Elle's step shape."""
    ia, ib = a["index"], b["index"]
    if kind == WR:
        reads = txns.reads.get(ib, {})
        for k, (v, vkey) in txns.writes.get(ia, {}).items():
            if k in reads and reads[k][1] == vkey:
                return {"type": K("wr"), "key": txns.raw_key.get(k), "value": v,
                        "a-mop-index": _mop_index(a, "w", k, v),
                        "b-mop-index": _mop_index(b, "r", k, v)}
    if kind in (WW, RW):
        a_kvs = txns.writes.get(ia, {}) if kind == WW else txns.reads.get(ia, {})
        b_kvs = txns.writes.get(ib, {})
        for k, (v, vkey) in a_kvs.items():
            if k in b_kvs and b_kvs[k][1] in graphs.get(k, {}).get(vkey, {}):
                b_value = b_kvs[k][0]
                return {"type": K(kind), "key": txns.raw_key.get(k), "value": v,
                        "value'": b_value,
                        "a-mop-index": _mop_index(a, "w" if kind == WW else "r", k, v),
                        "b-mop-index": _mop_index(b, "w", k, b_value)}
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
