"""Property-based tests: small random inputs, each checked against a brute force or a
direct reading that is obviously right.

- EDN: whatever the printer writes, the reader reads back as the same value and types;
- g-counter: the acceptable final values are exactly the subset sums of the :info adds
  (plus every :ok add);
- set-full: each broadcast value's fate (stable, lost, never read) and latency, read
  straight off a small history;
- cycles: the strongly connected components and the spec'd cycle search agree with an
  exhaustive search over every simple cycle of a small graph.

Hypothesis runs derandomized (tests/conftest.py), so CI sees the same examples every time.
"""

import itertools
import math

from hypothesis import given, strategies as st

from glomers import edn
from glomers.checkers import g_counter, set_full
from glomers.checkers.cycles import (ALL_KINDS, CYCLE_SPECS, RW, DepGraph, classify,
                                     find_cycle, strongly_connected_components)
from glomers.edn import Keyword, StringMap


# ---------------------------------------------------------------------------------------
# EDN: print, read back, get the same thing


keywords = st.from_regex(r"[a-z][a-z0-9?!*_-]{1,8}", fullmatch=True).map(Keyword)
# Any text, with EDN's own punctuation and escapes drawn often.
texts = st.text(st.one_of(st.sampled_from('"\\\n\t\r\b\f ,;#:{}[]()'), st.characters()),
                max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), texts,
                    st.floats(allow_nan=False), keywords)
hashables = st.one_of(st.none(), st.integers(), texts, keywords,
                      st.lists(st.integers(), max_size=3).map(tuple))


def edn_values():
    def collections(children):
        return st.one_of(
            st.lists(children, max_size=5),
            st.lists(children, max_size=5).map(tuple),
            st.frozensets(hashables, max_size=5),
            st.dictionaries(st.one_of(keywords, st.integers(),
                                      st.lists(st.integers(), max_size=2).map(tuple)),
                            children, max_size=4),
            st.dictionaries(texts, children, max_size=4).map(StringMap))
    return st.recursive(scalars, collections, max_leaves=20)


def same(a, b):
    """Equal, and of the same kinds all the way down (a keyword is not a string, a tuple
    not a list, 1.0 not 1, -0.0 not 0.0). A map is a StringMap exactly when it has a plain
    string key: without one, the two print alike."""
    if isinstance(a, dict) and isinstance(b, dict):
        plain_a, plain_b = (any(type(key) is str for key in m) for m in (a, b))
        if plain_a != plain_b or (plain_a and not isinstance(a, StringMap)) or \
                (plain_b and not isinstance(b, StringMap)):
            return False
    elif type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, frozenset):
        return len(a) == len(b) and all(any(same(x, y) for y in b) for x in a)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(
            any(same(k, k2) for k2 in b) and same(a[k], b[k]) for k in a)
    return a == b


@given(edn_values(), st.sampled_from([None, 1, 20, 70, 200]))
def test_edn_reads_back_what_it_prints(value, width):
    text = edn.dumps(value, width=width)
    assert same(edn.loads(text), value), text


ops = st.fixed_dictionaries(
    {"index": st.integers(0, 10**6), "time": st.integers(0, 10**12),
     "type": st.sampled_from(["invoke", "ok", "fail", "info"]).map(Keyword),
     "process": st.one_of(st.integers(0, 50), st.just(Keyword("nemesis"))),
     "f": st.sampled_from(["add", "read", "txn", "send", "poll"]).map(Keyword),
     "value": edn_values()},
    optional={"error": st.one_of(keywords, texts),
              "final?": st.booleans()})


@given(ops)
def test_a_history_line_reads_back_as_the_op(op):
    line = edn.dumps_op(op)
    assert "\n" not in line
    back = edn.loads(line)
    fields = [key for key in edn.OP_FIELDS if key in op]
    assert list(back) == fields + [key for key in op if key not in fields]   # Jepsen's order
    assert all(same(back[key], op[key]) for key in op), line


# ---------------------------------------------------------------------------------------
# g-counter: acceptable values are the subset sums


def counter_history(adds, reads):
    """A history from (delta, outcome) adds and final reads, each op invoked and completed."""
    history = []

    def op(type_, process, f, value, **extra):
        history.append({"index": len(history), "time": len(history) * 1_000_000,
                        "type": Keyword(type_), "process": process, "f": Keyword(f),
                        "value": value, **extra})

    for process, (delta, outcome) in enumerate(adds):
        op("invoke", process, "add", delta)
        op(outcome, process, "add", delta)
    for process, value in enumerate(reads):
        op("invoke", 100 + process, "read", None, **{"final?": True})
        op("ok", 100 + process, "read", value, **{"final?": True})
    return history


@given(st.lists(st.tuples(st.integers(0, 20), st.sampled_from(["ok", "info", "fail"])),
                max_size=9),
       st.lists(st.integers(-2, 120), max_size=4))
def test_g_counter_accepts_exactly_the_subset_sums(adds, reads):
    result = g_counter.check(counter_history(adds, reads))
    definite = sum(delta for delta, outcome in adds if outcome == "ok")
    maybe = [delta for delta, outcome in adds if outcome == "info"]
    sums = {definite + sum(chosen) for size in range(len(maybe) + 1)
            for chosen in itertools.combinations(maybe, size)}
    ranges = [tuple(r) for r in result["acceptable"]]
    assert {v for lo, hi in ranges for v in range(lo, hi + 1)} == sums
    # Reported as sorted, disjoint, non-adjacent inclusive ranges.
    assert all(lo <= hi for lo, hi in ranges)
    assert all(hi + 1 < lo2 for (_, hi), (lo2, _) in zip(ranges, ranges[1:]))
    wrong = [value for value in reads if value not in sums]
    assert [op["value"] for op in result["errors"] or ()] == wrong
    assert result["valid?"] is (not wrong)
    assert result["final-reads"] == tuple(reads)


# ---------------------------------------------------------------------------------------
# set-full: each value's fate read straight off the history


@st.composite
def broadcast_histories(draw):
    """A concurrent history of 3 processes: broadcasts of 0, 1, 2... and reads that return
    any set of values, ops completing :ok, :info or (reads) :fail in any interleaving."""
    history, busy, next_value, time = [], {}, 0, 0
    for _ in range(draw(st.integers(0, 24))):
        process = draw(st.integers(0, 2))
        time += draw(st.integers(0, 3)) * 1_000_000
        if process not in busy:
            if draw(st.booleans()):
                op = {"f": Keyword("broadcast"), "value": next_value}
                next_value += 1
            else:
                op = {"f": Keyword("read"), "value": None}
            busy[process] = op
            history.append({"index": len(history), "time": time, "type": Keyword("invoke"),
                            "process": process, **op})
            continue
        op = busy.pop(process)
        if op["f"] == "read":
            outcome = draw(st.sampled_from(["ok", "ok", "fail", "info"]))
            value = (draw(st.lists(st.integers(0, max(next_value, 1)), max_size=6))
                     if outcome == "ok" else None)
        else:
            outcome, value = draw(st.sampled_from(["ok", "ok", "info"])), op["value"]
        history.append({"index": len(history), "time": time, "type": Keyword(outcome),
                        "process": process, "f": op["f"], "value": value})
    return history


def fates(history):
    """{value: (fate, latency ms)} by the rule itself: only :ok reads completed after the
    value's broadcast was invoked count; the read invoked last that shows it ("present")
    and the one invoked last that does not ("absent") decide; the value is known from its
    broadcast's :ok or the first such read that shows it, whichever comes first."""
    invoked_at = {}
    for position, op in enumerate(history):
        if op["type"] == "invoke":
            invoked_at[op["index"]] = op
    invocation_of, open_ops = {}, {}
    for op in history:
        if op["type"] == "invoke":
            open_ops[op["process"]] = op
        else:
            invocation_of[op["index"]] = open_ops.pop(op["process"])
    out = {}
    for add in (op for op in history if op["type"] == "invoke" and op["f"] == "broadcast"):
        value = add["value"]
        later = [op for op in history if op["index"] > add["index"]]
        reads = [op for op in later if op["f"] == "read" and op["type"] == "ok"]
        showing = [op for op in reads if value in op["value"]]
        acks = [op for op in later if op["f"] == "broadcast" and op["type"] == "ok"
                and op["value"] == value]
        known = min(acks + showing, key=lambda op: op["index"], default=None)
        present = max((invocation_of[op["index"]] for op in showing),
                      key=lambda op: op["index"], default=None)
        absent = max((invocation_of[op["index"]] for op in reads if op not in showing),
                     key=lambda op: op["index"], default=None)
        index = (lambda op: -1 if op is None else op["index"])
        if present is not None and index(absent) < present["index"]:
            end = absent["time"] + 1 if absent else 0
            out[value] = ("stable", max(0, end - known["time"]) // 1_000_000)
        elif (known is not None and absent is not None and index(present) < absent["index"]
              and known["index"] < absent["index"]):
            end = present["time"] + 1 if present else 0
            out[value] = ("lost", max(0, end - known["time"]) // 1_000_000)
        else:
            out[value] = ("never-read", None)
    return out


@given(broadcast_histories())
def test_set_full_agrees_with_a_direct_reading(history):
    result = set_full.check(history)
    expected = fates(history)
    by_fate = {fate: sorted(v for v, (f, _) in expected.items() if f == fate)
               for fate in ("stable", "lost", "never-read")}
    assert list(result["lost"]) == by_fate["lost"]
    assert list(result["never-read"]) == by_fate["never-read"]
    assert result["stable-count"] == len(by_fate["stable"])
    assert result["attempt-count"] == len(expected)
    stale = sorted(v for v, (f, latency) in expected.items() if f == "stable" and latency > 0)
    assert sorted(result["stale"]) == stale
    assert result.get("stable-latencies") == set_full.quantiles(
        [latency for f, latency in expected.values() if f == "stable"])
    assert result.get("lost-latencies") == set_full.quantiles(
        [latency for f, latency in expected.values() if f == "lost"])
    verdict = False if by_fate["lost"] else "unknown" if not by_fate["stable"] else True
    assert result["valid?"] == verdict


# Values Clojure tells apart though Python may not (1, 1.0, True), and others.
hostile_values = st.one_of(st.integers(-1, 3), st.sampled_from([1.0, 2.5, True, False, None]),
                           st.sampled_from(["1", "a", (1,), [2], {"k": 1}]))


@st.composite
def hostile_set_histories(draw):
    """Histories set-full's tracking must walk exactly as Maelstrom does: a value added
    twice (its tracking starts afresh), completions without an invocation, reads of any
    values (plain integers or not), odd or shared indices, the nemesis, broadcast or add."""
    history, busy = [], {}
    for _ in range(draw(st.integers(0, 30))):
        process = draw(st.sampled_from([0, 1, 2, 3, "nemesis"]))
        index = draw(st.one_of(st.just(len(history)), st.integers(-2, 40)))
        if process not in busy or draw(st.integers(0, 9)) == 0:
            f = draw(st.sampled_from(["broadcast", "add", "read"]))
            value = draw(hostile_values) if f != "read" else None
            op = {"index": index, "time": len(history) * 1_000_000,
                  "type": Keyword("invoke"), "process": process, "f": Keyword(f),
                  "value": value}
            busy[process] = op
        else:
            invocation = busy.pop(process) if draw(st.integers(0, 9)) else \
                {"f": Keyword(draw(st.sampled_from(["broadcast", "read"]))),
                 "value": draw(hostile_values)}
            kind = draw(st.sampled_from(["ok", "ok", "ok", "info", "fail"]))
            value = invocation["value"]
            if invocation["f"] == "read":
                value = draw(st.one_of(st.lists(st.integers(0, 4), max_size=6),
                                       st.lists(hostile_values, max_size=4), st.none()))
            op = {"index": index, "time": len(history) * 1_000_000, "type": Keyword(kind),
                  "process": process, "f": invocation["f"], "value": value}
        history.append(op)
    return history


def _tracked(track, history):
    try:
        return track(history)
    except Exception as error:        # the same error, same words, for the same history
        return (type(error), str(error))


@given(hostile_set_histories())
def test_set_full_tracking_by_sets_is_the_walk_of_every_element(history):
    assert _tracked(set_full._track, history) == _tracked(set_full._track_each, history)


@given(broadcast_histories())
def test_set_full_tracking_by_sets_on_well_formed_histories(history):
    assert set_full._track(history) == set_full._track_each(history)


# ---------------------------------------------------------------------------------------
# Cycles: against every simple cycle of a small graph


KINDS = sorted(ALL_KINDS)


@st.composite
def small_graphs(draw):
    size = draw(st.integers(1, 5))
    graph = DepGraph()
    for node in range(size):
        graph.add_node(node)
    pairs = [(a, b) for a in range(size) for b in range(size) if a != b]
    for a, b in draw(st.lists(st.sampled_from(pairs), max_size=12)) if pairs else []:
        for kind in draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=2)):
            graph.link(a, b, kind)
    return graph


def simple_cycles(graph):
    """Every simple cycle, once per rotation, as (nodes, step kinds)."""
    nodes = list(graph.nodes())
    found = []

    def extend(path):
        for nxt in graph.successors(path[-1]):
            if nxt == path[0]:
                steps = list(zip(path, path[1:] + path[:1]))
                found.append((list(path), [graph.kind(a, b) for a, b in steps]))
            elif nxt not in path:
                extend(path + [nxt])

    for start in nodes:
        extend([start])
    return found


def matches(spec, kinds):
    """Does a cycle with these step kinds satisfy the spec, read off its definition?"""
    if any(kind not in spec.allowed() for kind in kinds):
        return False
    rw = kinds.count(RW)
    low, high = spec.rw
    if rw < low or (high is not None and rw > high):
        return False
    if spec.nonadjacent and any(kinds[i] == RW and kinds[i - 1] == RW
                                for i in range(len(kinds))):
        return False
    if any(not set(kinds) & group for group in spec.required):
        return False
    return spec.expect is None or classify(kinds) == spec.expect


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.successors(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@given(small_graphs())
def test_sccs_are_the_mutually_reachable_groups_on_a_cycle(graph):
    reach = {node: reachable(graph, node) for node in graph.nodes()}
    groups = {frozenset(b for b in graph.nodes() if b == a or (b in reach[a] and a in reach[b]))
              for a in graph.nodes()}
    cyclic = {group for group in groups if len(group) > 1 or next(iter(group)) in
              reach[next(iter(group))]}
    assert {frozenset(c) for c in strongly_connected_components(graph)} == cyclic


@given(small_graphs())
def test_cycle_search_finds_a_matching_cycle_exactly_when_one_exists(graph):
    cycles = simple_cycles(graph)
    for name, spec in CYCLE_SPECS.items():
        matching = [(nodes, kinds) for nodes, kinds in cycles if matches(spec, kinds)]
        found = find_cycle(graph, spec)
        assert (found is not None) == bool(matching), name
        if found is None:
            continue
        assert len(set(found.nodes)) == len(found.nodes), name      # simple
        assert all(graph.kind(a, b) == kind for a, b, kind in found.steps()), name
        assert matches(spec, found.kinds), name
