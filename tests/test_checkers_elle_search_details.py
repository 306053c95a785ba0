"""Details of Elle's per-SCC cycle anomaly search (glomers/checkers/elle_search.py): the
`<model>-cycle-exists` cases (which model, its printed subgraph, the smallest SCC, models
settled by a weaker one), the anomalies those rule out, the worst-first search with its
redundancies, the step budget's timeout case and fallback cycle, the merge over SCCs, and
the dropping of cycle-exists entries a specific anomaly makes redundant."""

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

from glomers.checkers import elle_models, elle_search as es
from glomers.checkers.cycles import (CYCLE_SPECS, PROCESS, REALTIME, RW, WR, WW, DepGraph,
                                       classify, strongly_connected_components)
from glomers.edn import Keyword as K

ROOT = Path(__file__).resolve().parent.parent


def graph_of(*edges):
    graph = DepGraph()
    for a, b, kind in edges:
        graph.link(a, b, kind)
    return graph


def types(cases):
    return [str(case["type"]) for case in cases]


def is_cycle_of(graph, cycle):
    return len(set(cycle.nodes)) == len(cycle.nodes) and all(
        kind in graph.kinds(a, b) for a, b, kind in cycle.steps())


def test_a_ww_cycle_is_a_pl1_cycle_and_settles_every_stronger_model():
    (case,) = es.cycle_exists_cases(graph_of((1, 2, WW), (2, 1, WW)))
    assert case == {"type": K("PL-1-cycle-exists"), "not": K("read-uncommitted"),
                    "subgraph": [K("union"), K("ww"), K("wwp")], "scc-size": 2,
                    "scc": frozenset({1, 2})}


def test_a_wr_cycle_is_a_pl2_cycle_printed_with_both_kinds():
    (case,) = es.cycle_exists_cases(graph_of((1, 2, WR), (2, 1, WR)))
    assert case["type"] == K("PL-2-cycle-exists") and case["not"] == K("read-committed")
    assert case["subgraph"] == [K("union"), K("ww"), K("wwp"), K("wr"), K("wrp")]


def test_an_rw_step_after_a_ww_step_is_a_snapshot_isolation_cycle():
    cases = es.cycle_exists_cases(graph_of((1, 2, WW), (2, 1, RW)))
    assert types(cases) == ["PL-SI-cycle-exists", "PL-2.99-cycle-exists"]
    si, rr = cases
    assert si["not"] == K("snapshot-isolation")
    assert si["subgraph"] == [K("extension"), [K("union"), K("ww"), K("wwp"), K("wr"), K("wrp")],
                              [K("union"), K("rw"), K("rwp")]]
    # The extension closes the cycle in one step: 1 -ww-> 2 -rw-> 1 is 1 -> 1.
    assert si["scc-size"] == 1 and si["scc"] == {1}
    assert rr["not"] == K("repeatable-read") and rr["scc"] == {1, 2}
    # Elle prints repeatable-read's subgraph without rwp.
    assert rr["subgraph"] == [K("union"), K("ww"), K("wwp"), K("wr"), K("wrp"), K("rw")]


def test_two_rw_steps_are_a_repeatable_read_cycle_only():
    (case,) = es.cycle_exists_cases(graph_of((1, 2, RW), (2, 1, RW)))
    assert case["type"] == K("PL-2.99-cycle-exists") and case["scc-size"] == 2


def test_process_and_realtime_steps_make_the_strong_variants():
    (case,) = es.cycle_exists_cases(graph_of((1, 2, WW), (2, 1, PROCESS)))
    assert case["type"] == K("strong-session-PL-1-cycle-exists")
    assert case["not"] == K("strong-session-read-uncommitted")
    assert case["subgraph"] == [K("union"), K("ww"), K("wwp"), K("process")]
    (case,) = es.cycle_exists_cases(graph_of((1, 2, WR), (2, 1, REALTIME)))
    assert case["type"] == K("strong-PL-2-cycle-exists")
    assert case["subgraph"] == [K("union"), K("ww"), K("wwp"), K("wr"), K("wrp"),
                                K("realtime")]
    cases = es.cycle_exists_cases(graph_of((1, 2, RW), (2, 3, RW), (3, 1, REALTIME)))
    assert types(cases) == ["PL-SS-cycle-exists"]
    assert cases[0]["not"] == K("strong-serializable")


def test_a_cycle_exists_case_names_the_smallest_scc_of_the_subgraph():
    graph = graph_of((1, 2, WW), (2, 3, WW), (3, 1, WW), (4, 5, WW), (5, 4, WW))
    (case,) = es.cycle_exists_cases(graph)
    assert case["scc-size"] == 2 and case["scc"] == {4, 5}
    graph = graph_of((4, 5, WW), (5, 4, WW), (1, 2, WW), (2, 3, WW), (3, 1, WW))
    (case,) = es.cycle_exists_cases(graph)
    assert case["scc"] == {4, 5}


def test_no_cycle_no_cases():
    assert es.cycle_exists_cases(graph_of((1, 2, WW), (2, 3, RW))) == []
    assert es.scc_cases(graph_of((1, 2, WW))) == []
    assert es.cycle_anomalies(graph_of((1, 2, WW), (2, 3, WR), (1, 3, RW))) == {}


def test_models_without_a_cycle_rule_out_the_anomalies_they_forbid():
    assert es.impossible_cycle_anomalies([]) == set(CYCLE_SPECS)
    wr = es.cycle_exists_cases(graph_of((1, 2, WR), (2, 1, WR)))
    assert es.impossible_cycle_anomalies(wr) == {"G0", "G0-process", "G0-realtime"}
    ww = es.cycle_exists_cases(graph_of((1, 2, WW), (2, 1, WW)))
    assert es.impossible_cycle_anomalies(ww) == set()
    rr = es.cycle_exists_cases(graph_of((1, 2, RW), (2, 1, RW)))
    assert es.impossible_cycle_anomalies(rr) == set(CYCLE_SPECS) - {
        "G2-item", "G2-item-process", "G2-item-realtime"}


def test_an_scc_reports_cycle_exists_first_then_the_cycles_found():
    graph = graph_of((1, 2, WR), (2, 1, WR))
    cases = es.scc_cases(graph)
    assert types(cases) == ["PL-2-cycle-exists", "G1c"]
    assert cases[1]["cycle"].nodes in ([1, 2], [2, 1]) and cases[1]["cycle"].kinds == [WR, WR]


def test_a_found_anomaly_makes_those_it_implies_redundant():
    # A ww cycle (G0) and a wr cycle (G1c) in one SCC: G0 is searched first and implies G1c.
    graph = graph_of((1, 2, WW), (2, 1, WW), (2, 3, WR), (3, 2, WR))
    assert types(es.scc_cases(graph)) == ["PL-1-cycle-exists", "G0"]
    # A G-single-item cycle makes the G2-item one it implies redundant too.
    graph = graph_of((1, 2, WW), (2, 1, RW), (2, 3, RW), (3, 2, RW))
    assert types(es.scc_cases(graph)) == ["PL-SI-cycle-exists", "PL-2.99-cycle-exists",
                                          "G-single-item"]


def test_the_search_order_is_worst_first_by_depth():
    assert sorted(es.SEARCH_ORDER) == sorted(CYCLE_SPECS)
    assert [elle_models.depth_key(n) for n in es.SEARCH_ORDER] == sorted(
        elle_models.depth_key(n) for n in CYCLE_SPECS)
    assert es.SEARCH_ORDER.index("G0") < es.SEARCH_ORDER.index("G1c")


def test_an_exhausted_budget_yields_a_timeout_case_and_a_fallback_cycle():
    graph = graph_of((1, 2, WR), (2, 1, WR))
    cases = es.scc_cases(graph, budget_steps=0)
    assert types(cases) == ["cycle-search-timeout", "G1c", "PL-2-cycle-exists"]
    timeout = cases[0]
    # G0 is ruled out (no ww cycle); the searches before G1c need no wr step and end at
    # once, so G1c's is the one cut short, and those before it are named as not found.
    assert timeout == {"type": K("cycle-search-timeout"), "anomaly-spec-type": K("G1c"),
                       "does-not-contain": [K("G-single-item"), K("G-nonadjacent-item"),
                                            K("G-single-item-process")],
                       "scc-size": 2}
    assert is_cycle_of(graph, cases[1]["cycle"])


def test_the_timeout_case_names_what_the_searches_before_it_did_not_find():
    """For every budget: the search cut short is the next one in order, every earlier search
    that found nothing is listed, and what was found before the cut is what a full search
    finds up to there."""
    # Process and realtime steps go forward in time only (1 to 5), as in a history.
    # No G-single-item or G-nonadjacent-item cycle, but G-single-item-process, G1c and
    # G2-item ones.
    graph = graph_of((1, 2, RW), (2, 1, RW), (2, 3, RW), (3, 4, WR), (4, 3, WR), (4, 1, RW),
                     (1, 3, PROCESS), (2, 4, REALTIME))
    full = es.scc_cases(graph)
    exists = [c for c in full if "cycle" not in c]
    redundant = es.impossible_cycle_anomalies(exists)
    full_found = [str(c["type"]) for c in full if "cycle" in c]
    budget, timeouts = 0, 0
    while True:
        cases = es.scc_cases(graph, budget)
        if str(cases[0]["type"]) != "cycle-search-timeout":
            assert cases == full
            break
        timeouts += 1
        timeout, fallback = cases[0], cases[1]
        assert is_cycle_of(graph, fallback["cycle"])
        assert str(fallback["type"]) == classify(fallback["cycle"].kinds)
        assert timeout["scc-size"] == 4
        assert cases[2:2 + len(exists)] == exists
        found = types(cases[2 + len(exists):])
        cut = str(timeout["anomaly-spec-type"])
        assert cut not in redundant
        implied = elle_models.implied_anomalies(found)
        before = [n for n in es.SEARCH_ORDER[:es.SEARCH_ORDER.index(cut)]
                  if n not in redundant and n not in found and n not in implied]
        # Names implied by a find made before them were skipped; none after it can be.
        assert [str(t) for t in timeout["does-not-contain"]] == [
            n for n in before if n not in elle_models.implied_anomalies(
                [f for f in found if es.SEARCH_ORDER.index(f) < es.SEARCH_ORDER.index(n)])]
        assert found == full_found[:len(found)]
        budget += 1
    assert full_found == ["G-single-item-process", "G1c", "G2-item"]
    assert timeouts > 20


def test_anomalies_are_merged_over_every_scc():
    graph = graph_of((1, 2, WW), (2, 1, WW), (3, 4, WW), (4, 3, WW), (5, 6, WR), (6, 5, WR),
                     (2, 3, WW))
    found = es.cycle_anomalies(graph)
    assert sorted(found) == ["G0", "G1c", "PL-1-cycle-exists", "PL-2-cycle-exists"]
    assert len(found["G0"]) == 2 and len(found["PL-1-cycle-exists"]) == 2
    assert sorted(sorted(c["cycle"].nodes) for c in found["G0"]) == [[1, 2], [3, 4]]
    assert len(found["G1c"]) == 1


def test_each_scc_has_its_own_budget():
    graph = graph_of((1, 2, WR), (2, 1, WR), (3, 4, WR), (4, 3, WR))
    starved = es.cycle_anomalies(graph, 0)
    assert len(starved["cycle-search-timeout"]) == 2 and len(starved["G1c"]) == 2
    steps = 0
    while "cycle-search-timeout" in es.cycle_anomalies(graph_of((1, 2, WR), (2, 1, WR)),
                                                       steps):
        steps += 1
    found = es.cycle_anomalies(graph, steps)
    assert "cycle-search-timeout" not in found and len(found["G1c"]) == 2


def test_cycle_exists_entries_drop_when_a_specific_anomaly_rules_the_model_out():
    def kept(*names):
        return set(es.remove_redundant_cycle_exists({n: [n] for n in names}))

    assert kept("PL-2-cycle-exists", "G1c") == {"G1c"}
    assert kept("PL-1-cycle-exists", "G0") == {"G0"}
    assert kept("PL-2-cycle-exists", "G0") == {"G0"}
    # G1c rules out read-committed, not read-uncommitted.
    assert kept("PL-1-cycle-exists", "G1c") == {"PL-1-cycle-exists", "G1c"}
    assert kept("PL-1-cycle-exists") == {"PL-1-cycle-exists"}
    # G-single-item implies G2-item, which repeatable-read forbids.
    assert kept("PL-SI-cycle-exists", "PL-2.99-cycle-exists", "G-single-item") == {
        "G-single-item"}
    assert kept("PL-2.99-cycle-exists", "G1c") == {"G1c"}
    assert kept("PL-SS-cycle-exists", "G2-item-realtime") == {"G2-item-realtime"}
    assert kept("cycle-search-timeout", "PL-2-cycle-exists") == {
        "cycle-search-timeout", "PL-2-cycle-exists"}
    assert es.remove_redundant_cycle_exists({"G0": [1], "PL-1-cycle-exists": [2]}) == {
        "G0": [1]}


KINDS = (WW, WR, RW, PROCESS, REALTIME)
small_graphs = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from(KINDS)),
                        max_size=10)


def _simple_cycles(graph):
    """Every simple cycle by brute force, as (nodes, kinds), each once (from its least
    node), with each step's kind as the graph counts it."""
    found = []

    def walk(path):
        for nxt in graph.successors(path[-1]):
            if nxt == path[0]:
                found.append((list(path), [graph.kind(a, b) for a, b in
                                           zip(path, path[1:] + path[:1])]))
            elif nxt > path[0] and nxt not in path:
                walk(path + [nxt])

    for start in graph.nodes():
        walk([start])
    return found


def _has_cycle(graph, shape):
    sub = es._subgraph(graph, shape)
    return any(a == b for a, b, _ in sub.edges()) or bool(_simple_cycles(sub))


@settings(max_examples=150, deadline=None)
@given(small_graphs)
def test_cycle_exists_cases_against_brute_force(edges):
    graph = graph_of(*edges)
    cases = es.cycle_exists_cases(graph)
    expected, settled = [], set()
    for model, shape, _ in es.CYCLE_EXISTS:
        if model not in settled and _has_cycle(graph, shape):
            expected.append(f"{model}-cycle-exists")
            settled |= elle_models.stronger_models([model])
    assert types(cases) == expected


@settings(max_examples=150, deadline=None)
@given(small_graphs)
def test_every_plain_cycle_is_reported_or_implied_by_a_report(edges):
    """Found cycles are real cycles of the graph named by their kinds; and each simple cycle
    of ww/wr/rw steps is reported under its name or under an anomaly implying it."""
    graph = graph_of(*edges)
    found = es.cycle_anomalies(graph)
    assert "cycle-search-timeout" not in found
    names = [n for n in found if not n.endswith("-cycle-exists")]
    for name in names:
        for case in found[name]:
            assert is_cycle_of(graph, case["cycle"]) and classify(case["cycle"].kinds) == name
    for component in strongly_connected_components(graph):
        sub = graph.select(component)
        reported = {str(c["type"]) for c in es.scc_cases(sub) if "cycle" in c}
        for nodes, kinds in _simple_cycles(sub):
            if set(kinds) <= {WW, WR, RW}:
                assert classify(kinds) in elle_models.implied_anomalies(reported), (nodes, kinds)


# The subgraphs the cycle-exists checks test, as JSON, with the search order.
_SHAPES = """
import json
from glomers.checkers import elle_search as es

def plain(x):
    if isinstance(x, (list, tuple)):
        return [plain(y) for y in x]
    if isinstance(x, frozenset):
        return sorted(x)
    return str(x)

print(json.dumps({"exists": plain(es.CYCLE_EXISTS), "order": es.SEARCH_ORDER}))
"""


def test_a_fresh_interpreter_builds_the_same_subgraphs():
    """The subgraph shapes are built when the module is first imported: a fresh interpreter
    gets the ones these tests check."""
    fresh = subprocess.run([sys.executable, "-c", _SHAPES], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=True).stdout
    here = {}
    exec(_SHAPES, {"print": lambda text: here.setdefault("out", text)})
    assert json.loads(fresh) == json.loads(here["out"])
    exists = {model: (shape, printed) for model, shape, printed in json.loads(fresh)["exists"]}
    assert exists["PL-2"] == (["union", ["wr", "ww"]], ["union", "ww", "wwp", "wr", "wrp"])
    assert exists["strong-snapshot-isolation"] == (
        ["extension", ["realtime", "wr", "ww"], ["rw"]],
        ["extension", ["union", "ww", "wwp", "wr", "wrp", "realtime"], ["union", "rw", "rwp"]])
