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
3. Which txns depend on which? wr: the appender of a read's last element -> the reader;
   ww: the appender of the element just before v -> the appender of v; rw: every txn that
   read the list ending just before v (empty, for v first) -> the appender of v. An append
   never read is taken to come after the last element ever read. With strong models,
   realtime edges too (cycles.realtime_graph), as txn-rw-register does.
4. Which cycles are there (elle_search, with the cycle-exists checks and model
   implications), and which anomalies matter (elle_models)? `lost-update`: two committed
   txns that read the same version of a key and both appended to it.

The result is Elle's own map: `{:valid? true}` when nothing reportable is found; else the
reportable anomalies with `:valid?` false, or :unknown when only `empty-transaction-graph`
or `cycle-search-timeout` is reportable. An append that no transaction made, found in the
version order, trips Elle's assertion (raised here as AssertionError: Maelstrom's whole
analysis then becomes :unknown); two appends of one value to one key in invocations raise
ValueError (the workload result becomes :unknown).
"""

from glomers.edn import Keyword, Symbol
from glomers.values import clj_key

from . import elle_search
from .common import node_of, seconds
from .cycles import PROCESS, REALTIME, RW, WR, WW, DepGraph
from .txn_rw_register import client_ops, elle_result, lost_update_cases, order_graph

K = Keyword
INIT = K("elle.list-append/init")          # the empty list a key starts as
UNKNOWN_PREFIX = Symbol("...")             # marks what a txn cannot know of a list
# Elle combines the list-append graphs as ww, wr, rw: a step with several kinds is
# explained (and so named) by the first of these.
EXPLAIN_ORDER = (WW, WR, RW, PROCESS, REALTIME)
NEXT_VALUE = "value'"                      # a step's key for the element appended second


def _mops(op):
    value = op.get("value")
    return value if isinstance(value, (list, tuple)) else []


def _reads(op):
    """The read micro-ops of an op: (index, mop, k, list or None)."""
    return [(i, mop, mop[1], mop[2]) for i, mop in enumerate(_mops(op)) if mop[0] == "r"]


def _appends(op):
    return [(i, mop, mop[1], mop[2]) for i, mop in enumerate(_mops(op)) if mop[0] == "append"]


def _elements(value):
    return list(value) if isinstance(value, (list, tuple)) else []


def possible(ops):
    """Completions that may have taken effect: :ok and :info."""
    return [op for op in ops if op.get("type") in ("ok", "info")]


# Step 0: sanity.

def verify_unique_appends(ops):
    """Elle refuses a history whose invocations append one value twice to one key."""
    written = set()
    for op in ops:
        if op.get("type") != "invoke":
            continue
        for _, _, k, v in _appends(op):
            pair = (clj_key(k), clj_key(v))
            if pair in written:
                raise ValueError(f"value {v!r} appended to key {k!r} multiple times! "
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
    for _, mop, k, v in [(i, m, m[1], m[2]) for i, m in enumerate(_mops(op))]:
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
    read = _elements(read)
    if expected and expected[0] is UNKNOWN_PREFIX:
        start = len(read) + 1 - len(expected)
        return start < 0 or [clj_key(x) for x in expected[1:]] != \
            [clj_key(x) for x in read[start:]]
    return [clj_key(x) for x in expected] != [clj_key(x) for x in read]


def _future_read_case(op):
    """A read of an element this txn appends only later."""
    reads = {}                  # (key, element) -> the first read mop that showed it
    for mop in _mops(op):
        f, k, v = mop
        if f == "append":
            seen = reads.get((clj_key(k), clj_key(v)))
            if seen is not None:
                return {"op": op, "mop": seen, "element": v}
        elif f == "r":
            for element in _elements(v):
                reads.setdefault((clj_key(k), clj_key(element)), mop)
    return None


def g1a_cases(ops):
    """Aborted reads: an :ok txn's read shows an element a :fail txn appended."""
    failed = {}
    for op in ops:
        if op.get("type") == "fail":
            for _, _, k, v in _appends(op):
                failed[(clj_key(k), clj_key(v))] = op
    cases = []
    for op in ops:
        if op.get("type") != "ok":
            continue
        for _, mop, k, v in _reads(op):
            for element in _elements(v):
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
        for _, _, k, v in _appends(op):
            key = clj_key(k)
            if key in last:
                intermediate[(key, last[key])] = op
            last[key] = clj_key(v)
    cases = []
    for op in ops:
        if op.get("type") != "ok":
            continue
        for _, mop, k, v in _reads(op):
            elements = _elements(v)
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
        for _, mop, _, v in _reads(op):
            counts, raw = {}, {}
            for element in _elements(v):
                key = clj_key(element)
                counts[key] = counts.get(key, 0) + 1
                raw[key] = element
            dups = {raw[key]: n for key, n in sorted(counts.items()) if n > 1}
            if dups:
                cases.append({"op": op, "mop": mop, "duplicates": dups})
    return cases


# Step 2: version orders.

def sorted_values(ops):
    """{key: [distinct non-empty lists read, shortest first]}, keys in first-seen order;
    a key never read but appended exactly once (in all of `ops`) gets [[v]]."""
    values, raw_keys = {}, {}
    for op in ops:
        for _, _, k, v in _reads(op):
            elements = _elements(v)
            if not elements:
                continue
            key = clj_key(k)
            raw_keys.setdefault(key, k)
            values.setdefault(key, {}).setdefault(clj_key(elements), elements)
    appends = {}
    for op in ops:
        for _, _, k, v in _appends(op):
            key = clj_key(k)
            raw_keys.setdefault(key, k)
            appends[key] = None if key in appends else v
    for key, v in appends.items():
        if v is not None and key not in values:
            values[key] = {clj_key([v]): [v]}
    return {raw_keys[key]: sorted(seen.values(), key=len) for key, seen in values.items()}


def _is_prefix(a, b):
    return len(a) <= len(b) and all(clj_key(x) == clj_key(y) for x, y in zip(a, b))


def incompatible_orders(sorted_vals):
    """Per key, the first pair of reads (by length) where the shorter is not a prefix of
    the longer: no single order of appends explains both."""
    cases = []
    for k, values in sorted_vals.items():
        for a, b in zip(values, values[1:]):
            if not _is_prefix(a, b):
                cases.append({"key": k, "values": [a, b]})
                break
    return cases


class AppendIndex:
    """Each key's version order (the distinct elements of its longest read) and the
    position of every element in it."""

    def __init__(self, sorted_vals):
        self.order, self.position = {}, {}
        for k, values in sorted_vals.items():
            key = clj_key(k)
            order, position = [], {}
            for element in values[-1]:
                if clj_key(element) not in position:
                    position[clj_key(element)] = len(order)
                    order.append(element)
            self.order[key], self.position[key] = order, position

    def previous(self, k, v):
        """The element appended just before v to k (INIT for the first); for an element
        never read, the last element ever read of k, after which it must have come."""
        key = clj_key(k)
        order = self.order.get(key, [])
        i = self.position.get(key, {}).get(clj_key(v))
        if i is None:
            return order[-1] if order else INIT
        return order[i - 1] if i > 0 else INIT


def write_index(ops):
    """(key, element) -> the completion that appended it (the last such, as Elle keeps)."""
    index = {}
    for op in ops:
        if op.get("type") == "invoke":
            continue
        for _, _, k, v in _appends(op):
            index[(clj_key(k), clj_key(v))] = op
    return index


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
                raise AssertionError(f"No transaction wrote {_text(_raw_key(ops, key))} "
                                     f"{_text(element)}")
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
        for mop in _mops(op):
            if clj_key(mop[1]) == key:
                return mop[1]
    return key


# Step 3: the transaction graph.

class Dependencies:
    """The indexes behind the ww / wr / rw edges, over the possible completions."""

    def __init__(self, ops):
        self.ops = ops
        self.by_index = {op["index"]: op for op in ops}
        self.index = AppendIndex(sorted_values(ops))
        self.writers = write_index(ops)
        self.readers = {}       # (key, last element or INIT) -> ops that read that state
        for op in ops:
            for _, _, k, v in _reads(op):
                if op.get("type") == "info" and v is None:
                    continue
                elements = _elements(v)
                last = clj_key(elements[-1]) if elements else INIT
                self.readers.setdefault((clj_key(k), last), []).append(op)

    def writer(self, k, element):
        return self.writers.get((clj_key(k), clj_key(element)))

    def wr(self, op, k, v):
        """Who appended the last element this read shows (None: nobody else)."""
        elements = _elements(v)
        if not elements:
            return None
        writer = self.writer(k, elements[-1])
        return writer if writer is not None and writer is not op else None

    def ww(self, op, k, v):
        """Who appended the element just before v (None: nobody else, or v is first)."""
        previous = self.index.previous(k, v)
        if previous is INIT:
            return None
        writer = self.writer(k, previous)
        return writer if writer is not None and writer is not op else None

    def rw(self, op, k, v):
        """Every other txn that read k as it was just before v was appended."""
        previous = self.index.previous(k, v)
        last = INIT if previous is INIT else clj_key(previous)
        return [r for r in self.readers.get((clj_key(k), last), ()) if r is not op]

    def graph(self):
        """The ww / wr / rw graph over op indices."""
        graph = DepGraph(EXPLAIN_ORDER)
        for op in self.ops:
            for _, mop, k, v in [(i, m, m[1], m[2]) for i, m in enumerate(_mops(op))]:
                if mop[0] == "r":
                    writer = self.wr(op, k, v)
                    if writer is not None:
                        graph.link(writer["index"], op["index"], WR)
                elif mop[0] == "append":
                    writer = self.ww(op, k, v)
                    if writer is not None:
                        graph.link(writer["index"], op["index"], WW)
                    for reader in self.rw(op, k, v):
                        graph.link(reader["index"], op["index"], RW)
        return graph

    def explain_step(self, a, b, kind, invocations):
        """Why b depends on a, in Elle's step shape."""
        if kind == WW:
            for i, mop, k, v in _appends(b):
                if self.ww(b, k, v) is a:
                    previous = self.index.previous(k, v)
                    return {"type": K("ww"), "key": k, "value": previous, NEXT_VALUE: v,
                            "a-mop-index": _index_of(a, "append", k, previous),
                            "b-mop-index": i}
        if kind == WR:
            for i, mop, k, v in _reads(b):
                if self.wr(b, k, v) is a:
                    last = _elements(v)[-1]
                    return {"type": K("wr"), "key": k, "value": last,
                            "a-mop-index": _index_of(a, "append", k, last),
                            "b-mop-index": i}
        if kind == RW:
            for i, mop, k, v in _appends(b):
                if any(r is a for r in self.rw(b, k, v)):
                    previous = self.index.previous(k, v)
                    return {"type": K("rw"), "key": k, "value": previous, NEXT_VALUE: v,
                            "a-mop-index": _read_index_of(a, k, previous),
                            "b-mop-index": i}
        if kind == PROCESS:
            return {"type": K("process"), "process": a.get("process")}
        return {"type": K("realtime"), "a'": a, "b": invocations.get(b["index"])}


def _index_of(op, f, k, v):
    for i, (mf, mk, mv) in enumerate(_mops(op)):
        if mf == f and clj_key(mk) == clj_key(k) and clj_key(mv) == clj_key(v):
            return i
    return None


def _read_index_of(op, k, previous):
    """The read of k in `op` that ended at `previous` (or was empty, for INIT)."""
    for i, _, mk, v in _reads(op):
        if clj_key(mk) != clj_key(k):
            continue
        elements = _elements(v)
        if previous is INIT and not elements:
            return i
        if previous is not INIT and elements and clj_key(elements[-1]) == clj_key(previous):
            return i
    return None


def _invocations(ops):
    pending, found = {}, {}
    for op in ops:
        if op.get("type") == "invoke":
            pending[op.get("process")] = op
        elif op.get("process") in pending:
            found[op["index"]] = pending.pop(op.get("process"))
    return found


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
    invocations = _invocations(ops)
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


# ---------------------------------------------------------------------------------------
# Plain words

def _text(value):
    if value is None:
        return "nil"
    if value is INIT:
        return "the empty list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_text(v) for v in value) + "]"
    return str(value)


def _txn_text(op):
    return "[" + " ".join(f"[{f} {_text(k)} {_text(v)}]" for f, k, v in _mops(op)) + "]"


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
    return [f"{name}: {case!r}"]


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
    lines = []
    for name, cases in (result.get("anomalies") or {}).items():
        shown = cases if isinstance(cases, list) else [cases]
        for case in shown[:3]:
            lines.extend(_case_lines(str(name), case, opts))
        if len(shown) > 3:
            lines.append(f"{name}: ... and {len(shown) - 3} more.")
    if result.get("not"):
        lines.append("So the history is not " + ", ".join(sorted(result["not"])) + ".")
    return lines

