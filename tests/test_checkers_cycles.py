"""Tests for the generic cycle machinery: SCCs, spec'd cycle search, naming, order graphs,
Elle's model lattice and per-SCC search."""

import pytest

from glomers.checkers import elle_models, elle_search
from glomers.checkers.cycles import (CYCLE_SPECS, PROCESS, REALTIME, RW, WR, WW, Budget,
                                       BudgetExceeded, DepGraph, classify, find_cycle,
                                       process_graph, realtime_graph, sequential_extension,
                                       strongly_connected_components)


def graph_of(*edges):
    graph = DepGraph()
    for a, b, kind in edges:
        graph.link(a, b, kind)
    return graph


def is_cycle_of(graph, cycle):
    steps = cycle.steps()
    return all(kind in graph.kinds(a, b) for a, b, kind in steps) and \
        len(set(cycle.nodes)) == len(cycle.nodes)


def test_sccs_find_only_cyclic_components():
    graph = graph_of((1, 2, WW), (2, 1, WR), (2, 3, WW), (3, 4, RW), (4, 3, RW), (5, 6, WW))
    assert sorted(strongly_connected_components(graph)) == [[1, 2], [3, 4]]
    assert strongly_connected_components(graph, kinds={WW}) == []


def test_sccs_survive_a_long_chain_without_recursion():
    graph = DepGraph()
    for i in range(20000):
        graph.link(i, i + 1, WW)
    graph.link(20000, 0, WR)
    (component,) = strongly_connected_components(graph)
    assert len(component) == 20001


def test_self_edges_only_add_the_vertex():
    graph = graph_of((1, 1, WW))
    assert list(graph.nodes()) == [1] and graph.edge_count() == 0


def test_sequential_extension_keeps_the_self_loop_a_ww_then_rw_pair_makes():
    graph = graph_of((1, 2, WW), (2, 1, RW))
    ext = sequential_extension(graph.project({WW}), graph.project({RW}))
    assert strongly_connected_components(ext) == [[1]]


def test_classify_names_cycles_like_elle():
    assert classify([WW, WW]) == "G0"
    assert classify([WW, WR]) == "G1c"
    assert classify([RW, WR]) == "G-single-item"
    assert classify([RW, RW, WR]) == "G2-item"
    assert classify([RW, WR, RW, WR]) == "G-nonadjacent-item"
    # the last-to-first pair counts as adjacent
    assert classify([RW, WR, RW]) == "G2-item"
    assert classify([RW, REALTIME]) == "G-single-item-realtime"
    assert classify([WW, PROCESS]) == "G0-process"


def test_find_cycle_honours_each_spec():
    # 1 -ww-> 2 -wr-> 3 -rw-> 1, and 3 -ww-> 4 -ww-> 1
    graph = graph_of((1, 2, WW), (2, 3, WR), (3, 1, RW), (3, 4, WW), (4, 1, WW))
    assert find_cycle(graph, CYCLE_SPECS["G0"]) is None
    g1c = find_cycle(graph, CYCLE_SPECS["G1c"])
    assert is_cycle_of(graph, g1c) and classify(g1c.kinds) == "G1c"
    single = find_cycle(graph, CYCLE_SPECS["G-single-item"])
    assert is_cycle_of(graph, single) and single.kinds.count(RW) == 1
    assert len(single.nodes) == 3
    assert find_cycle(graph, CYCLE_SPECS["G2-item"]) is None
    assert find_cycle(graph, CYCLE_SPECS["G1c-realtime"]) is None


def test_find_cycle_nonadjacent_needs_two_separated_rw_edges():
    adjacent = graph_of((1, 2, RW), (2, 3, RW), (3, 1, WR))
    assert find_cycle(adjacent, CYCLE_SPECS["G-nonadjacent-item"]) is None
    assert classify(find_cycle(adjacent, CYCLE_SPECS["G2-item"]).kinds) == "G2-item"
    apart = graph_of((1, 2, RW), (2, 3, WR), (3, 4, RW), (4, 1, WW))
    found = find_cycle(apart, CYCLE_SPECS["G-nonadjacent-item"])
    assert found is not None and classify(found.kinds) == "G-nonadjacent-item"


def test_an_edge_counts_as_its_first_explained_kind():
    # ww+wr between the same pair is explained as wr, so this is G1c, not G0.
    graph = graph_of((1, 2, WW), (1, 2, WR), (2, 1, WW))
    assert find_cycle(graph, CYCLE_SPECS["G0"]) is None
    assert find_cycle(graph, CYCLE_SPECS["G1c"]) is not None


def test_budget_exhaustion_raises():
    graph = DepGraph()
    for i in range(200):
        graph.link(i, i + 1, WW)
    graph.link(200, 0, WW)
    with pytest.raises(BudgetExceeded):
        find_cycle(graph, CYCLE_SPECS["G0"], Budget(10))


def op(index, type_, process, time=0):
    return {"index": index, "time": time, "type": type_, "process": process, "f": "txn",
            "value": []}


def test_process_graph_links_consecutive_oks_of_a_process():
    history = [op(0, "invoke", 0), op(1, "ok", 0), op(2, "invoke", 0), op(3, "info", 0),
               op(4, "invoke", 0), op(5, "ok", 0), op(6, "invoke", 1), op(7, "ok", 1)]
    graph = process_graph(history)
    assert sorted((a, b) for a, b, _ in graph.edges()) == [(1, 5)]


def test_realtime_graph_is_a_transitive_reduction():
    # a then b then c, strictly one after another; d concurrent with c
    history = [op(0, "invoke", 0), op(1, "ok", 0),
               op(2, "invoke", 1), op(3, "ok", 1),
               op(4, "invoke", 0), op(5, "invoke", 1), op(6, "ok", 0), op(7, "fail", 1)]
    graph = realtime_graph(history)
    edges = sorted((a, b) for a, b, _ in graph.edges())
    assert edges == [(1, 3), (3, 6), (3, 7)]


def test_model_lattice_matches_appendix_a():
    assert elle_models.prohibited_by(["read-uncommitted"]) == {
        "G0", "PL-1-cycle-exists", "cyclic-versions", "duplicate-elements"}
    rc = elle_models.prohibited_by(["read-committed"])
    assert rc == {"G0", "G1", "G1a", "G1b", "G1c", "PL-1-cycle-exists",
                  "PL-2-cycle-exists", "cyclic-versions", "dirty-update",
                  "duplicate-elements", "future-read", "incompatible-order"}
    ser = elle_models.prohibited_by(["serializable"])
    assert {"G-single-item", "G2-item", "internal", "lost-update"} <= ser
    assert not any(t.endswith("-realtime") for t in ser)
    strict = elle_models.prohibited_by(["strict-serializable"])
    assert {"G0-realtime", "G-single-item-realtime", "PL-SS-cycle-exists"} <= strict
    with pytest.raises(elle_models.UnknownModel):
        elle_models.prohibited_by(["read-committed,serializable"])


def test_boundaries():
    assert elle_models.boundary(["G0"])["not"] == ["read-uncommitted"]
    assert elle_models.boundary(["G1a"])["not"] == ["read-committed"]
    assert elle_models.boundary(["lost-update"])["not"] == ["cursor-stability",
                                                            "update-atomic"]
    assert elle_models.boundary(["empty-transaction-graph"]) == {"not": [], "also-not": []}
    assert "strong-serializable" in elle_models.boundary(["G1c"])["also-not"]


def test_scc_search_reports_cycle_exists_and_the_specific_cycle():
    graph = graph_of((1, 2, WR), (2, 1, WR))
    found = elle_search.cycle_anomalies(graph)
    assert set(found) == {"PL-2-cycle-exists", "G1c"}
    assert found["PL-2-cycle-exists"][0]["scc"] == {1, 2}
    # the specific cycle makes the cycle-exists entry redundant
    assert set(elle_search.remove_redundant_cycle_exists(found)) == {"G1c"}
