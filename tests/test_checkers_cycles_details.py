"""Details of the cycle machinery (glomers/checkers/cycles.py): the graph's operations
(kinds, union, projection, induced subgraphs), SCCs with kinds and self-edges, the step
budget's boundary, the specs' allowed kinds and names, shortest cycles, the fallback cycle,
and the process and realtime order graphs."""

import pytest

from glomers.checkers.cycles import (ALL_KINDS, CYCLE_SPECS, EXPLAIN_ORDER, PROCESS, REALTIME,
                                       RW, WR, WW, Budget, BudgetExceeded, Cycle, CycleSpec,
                                       DepGraph, any_cycle, classify, find_cycle,
                                       process_graph, realtime_graph, sequential_extension,
                                       strongly_connected_components)


def graph_of(*edges, order=EXPLAIN_ORDER):
    graph = DepGraph(order)
    for a, b, kind in edges:
        graph.link(a, b, kind)
    return graph


def test_an_edge_s_kind_follows_the_graph_s_explain_order():
    graph = graph_of((1, 2, WW), (1, 2, RW), (2, 3, "ext"))
    assert graph.kinds(1, 2) == {WW, RW}
    assert graph.kind(1, 2) == WW
    assert graph_of((1, 2, WW), (1, 2, RW), order=(RW, WW)).kind(1, 2) == RW
    # A kind outside the order is still the edge's kind; no edge has none.
    assert graph.kind(2, 3) == "ext"
    assert graph.kind(3, 1) is None and graph.kinds(3, 1) == set()
    assert graph.kinds(9, 1) == set()
    assert list(graph.successors(9)) == []


def test_a_self_edge_is_kept_only_when_allowed():
    graph = DepGraph()
    graph.link(1, 1, WW)
    assert graph.edge_count() == 0
    graph.link(1, 1, WW, allow_self=True)
    assert list(graph.edges()) == [(1, 1, {WW})]
    assert strongly_connected_components(graph) == [[1]]


def test_edges_count_pairs_and_carry_every_kind():
    graph = graph_of((1, 2, WW), (1, 2, WR), (2, 3, RW))
    assert sorted((a, b, sorted(k)) for a, b, k in graph.edges()) == [
        (1, 2, [WR, WW]), (2, 3, [RW])]
    assert graph.edge_count() == 2


def test_union_adds_the_other_graph_s_vertices_and_kinds():
    graph = graph_of((1, 2, WW))
    other = graph_of((1, 2, RW), (3, 4, WR))
    other.add_node(5)
    assert graph.union(other) is graph
    assert sorted(graph.nodes()) == [1, 2, 3, 4, 5]
    assert graph.kinds(1, 2) == {WW, RW} and graph.kinds(3, 4) == {WR}
    assert other.kinds(1, 2) == {RW}


def test_project_keeps_only_the_named_kinds_and_the_order():
    graph = graph_of((1, 2, WW), (1, 2, RW), (2, 3, WR), order=(RW, WW, WR))
    projected = graph.project([WW, WR])
    assert sorted((a, b, sorted(k)) for a, b, k in projected.edges()) == [
        (1, 2, [WW]), (2, 3, [WR])]
    assert projected.explain_order == (RW, WW, WR)
    assert graph.kinds(1, 2) == {WW, RW}


def test_select_keeps_edges_inside_the_chosen_nodes_as_copies():
    graph = graph_of((1, 2, WW), (2, 3, WR), (3, 1, RW), order=(RW, WW, WR))
    sub = graph.select([1, 2])
    assert list(sub.nodes()) == [1, 2]
    assert list(sub.edges()) == [(1, 2, {WW})]
    assert sub.explain_order == (RW, WW, WR)
    sub.link(1, 2, RW)
    assert graph.kinds(1, 2) == {WW}
    # A chosen node the graph lacks is a vertex without edges.
    lone = graph.select([3, 99])
    assert list(lone.nodes()) == [3, 99] and lone.edge_count() == 0


def test_sccs_list_sorted_members_and_keep_unsortable_ones_in_order():
    graph = graph_of((3, 1, WW), (1, 2, WW), (2, 3, WW))
    assert strongly_connected_components(graph) == [[1, 2, 3]]
    mixed = graph_of(("b", 1, WW), (1, "b", WW))
    (component,) = strongly_connected_components(mixed)
    assert sorted(map(str, component)) == ["1", "b"]


def test_sccs_with_kinds_use_only_edges_carrying_one_of_them():
    graph = graph_of((1, 2, WW), (2, 1, WR), (2, 3, RW), (3, 2, RW))
    assert strongly_connected_components(graph, kinds=[WW, WR]) == [[1, 2]]
    assert strongly_connected_components(graph, kinds=[RW]) == [[2, 3]]
    assert strongly_connected_components(graph, kinds=[PROCESS]) == []


def test_sccs_found_from_deep_in_a_search_are_all_found():
    # Two cycles joined by a bridge, and a lower link back into the search's stack.
    graph = graph_of((0, 1, WW), (1, 2, WW), (2, 0, WW), (2, 3, WW), (3, 4, WW), (4, 3, WW),
                     (4, 5, WW), (5, 6, WW), (6, 5, WW), (6, 4, WW))
    assert sorted(strongly_connected_components(graph)) == [[0, 1, 2], [3, 4, 5, 6]]
    # Closed innermost first.
    assert strongly_connected_components(graph)[0] == [3, 4, 5, 6]


def test_sequential_extension_labels_its_edges():
    a = graph_of((1, 2, WW), (3, 4, WW))
    b = graph_of((2, 5, RW), (2, 6, RW))
    ext = sequential_extension(a, b, kind="si")
    assert ext.kinds(1, 5) == {"si"} and ext.kinds(1, 6) == {"si"}
    assert ext.kinds(1, 2) == {WW} and ext.kinds(3, 4) == {WW}
    assert ext.edge_count() == 4
    assert sequential_extension(a, b).kinds(1, 5) == {"ext"}
    # The extension explains steps in its first graph's order.
    ordered = graph_of((1, 2, WW), (1, 2, RW), order=(RW, WW))
    extended = sequential_extension(ordered, b)
    assert extended.explain_order == (RW, WW) and extended.kind(1, 2) == RW
    assert a.edge_count() == 2


def test_a_budget_may_be_spent_to_zero_but_not_below():
    budget = Budget(3)
    budget.spend()
    budget.spend(2)
    assert budget.steps == 0
    with pytest.raises(BudgetExceeded):
        budget.spend()


def test_a_search_within_its_budget_finds_the_cycle():
    graph = graph_of((0, 1, WW), (1, 2, WW), (2, 0, WW))
    budget = Budget(2)
    assert find_cycle(graph, CYCLE_SPECS["G0"], budget).nodes == [0, 1, 2]
    assert budget.steps == 0


def test_the_kinds_a_spec_allows():
    assert CYCLE_SPECS["G0"].allowed() == {WW}
    assert CYCLE_SPECS["G1c"].allowed() == {WW, WR}
    assert CYCLE_SPECS["G-single-item"].allowed() == {WW, WR, RW}
    assert CYCLE_SPECS["G2-item"].allowed() == {WW, WR, RW}
    assert CYCLE_SPECS["G0-realtime"].allowed() == {WW, REALTIME}
    assert CycleSpec(frozenset({WW}), rw=(0, None)).allowed() == {WW, RW}
    assert CycleSpec(frozenset(), required=(frozenset({PROCESS}),)).allowed() == {PROCESS}


def test_the_specs_and_their_variants():
    assert sorted(CYCLE_SPECS) == sorted(
        f"{name}{suffix}" for name in ("G0", "G1c", "G-single-item", "G-nonadjacent-item",
                                       "G2-item") for suffix in ("", "-process", "-realtime"))
    spec = CYCLE_SPECS["G-single-item-process"]
    assert spec == CycleSpec(frozenset({WW, WR, PROCESS}), (1, 1), False,
                             (frozenset({PROCESS}),), "G-single-item-process")
    assert CYCLE_SPECS["G1c-realtime"] == CycleSpec(
        frozenset({WW, WR, REALTIME}), (0, 0), False, (frozenset({WR}), frozenset({REALTIME})),
        None)
    assert CYCLE_SPECS["G-nonadjacent-item"] == CycleSpec(
        frozenset({WW, WR}), (2, None), True, (), "G-nonadjacent-item")


def test_a_cycle_s_steps_close_the_loop():
    assert Cycle([1, 2, 3], [WW, WR, RW]).steps() == [(1, 2, WW), (2, 3, WR), (3, 1, RW)]
    assert Cycle([1]).kinds == []


def test_classify_realtime_before_process_and_refuses_other_cycles():
    assert classify([WW, PROCESS, REALTIME]) == "G0-realtime"
    assert classify((WR, PROCESS)) == "G1c-process"
    assert classify([RW, RW, WW]) == "G2-item"
    with pytest.raises(ValueError, match=r"^cannot classify a cycle of \['process', "
                                         r"'realtime'\]$"):
        classify([PROCESS, REALTIME])


def test_find_cycle_returns_a_shortest_cycle():
    # 0 -> 1 -> 2 -> 3 -> 0 and the shortcut 1 -> 3.
    graph = graph_of((0, 1, WW), (1, 2, WW), (2, 3, WW), (3, 0, WW), (1, 3, WW))
    found = find_cycle(graph, CYCLE_SPECS["G0"])
    assert len(found.nodes) == 3 and found.kinds == [WW, WW, WW]


def test_find_cycle_needs_every_required_kind_and_the_right_rw_count():
    graph = graph_of((1, 2, WW), (2, 1, PROCESS), (2, 3, WR), (3, 1, WW))
    found = find_cycle(graph, CYCLE_SPECS["G0-process"])
    assert found.nodes == [2, 1] and found.kinds == [PROCESS, WW]
    assert find_cycle(graph, CYCLE_SPECS["G0-realtime"]) is None
    found = find_cycle(graph, CYCLE_SPECS["G1c-process"])
    assert found is None
    two_rw = graph_of((1, 2, RW), (2, 3, RW), (3, 1, WW))
    assert find_cycle(two_rw, CYCLE_SPECS["G-single-item"]) is None
    found = find_cycle(two_rw, CYCLE_SPECS["G2-item"])
    assert sorted(found.kinds) == [RW, RW, WW]


def test_a_cycle_needing_an_rw_step_is_anchored_on_one():
    # A ww cycle 1 <-> 2 sits beside the rw cycle 2 -> 3 -> 2.
    graph = graph_of((1, 2, WW), (2, 1, WW), (2, 3, RW), (3, 2, WR))
    found = find_cycle(graph, CYCLE_SPECS["G-single-item"])
    assert sorted(found.nodes) == [2, 3] and sorted(found.kinds) == [RW, WR]


def test_a_cycle_with_no_anchor_needs_only_one_start_per_component():
    graph = graph_of((1, 2, WW), (2, 1, WW), (5, 6, WW), (6, 5, WW))
    found = find_cycle(graph, CYCLE_SPECS["G0"])
    assert sorted(found.nodes) in ([1, 2], [5, 6])


def test_any_cycle_ignores_kinds_and_names_each_step_s_kind():
    assert any_cycle(graph_of((1, 2, WW), (2, 3, PROCESS))) is None
    graph = graph_of((0, 1, WW), (1, 2, PROCESS), (2, 3, REALTIME), (3, 1, RW), (2, 0, WR))
    found = any_cycle(graph)
    assert found.nodes == [0, 1, 2] and found.kinds == [WW, PROCESS, WR]
    single = graph_of((4, 4, "x"))
    single.link(4, 4, WW, allow_self=True)
    assert any_cycle(single).nodes == [4]


def test_any_cycle_steps_over_edges_leaving_the_component():
    # 1's first edge leaves the cycle {1, 2, 3}; its second one continues it.
    graph = graph_of((1, 9, WW), (1, 2, WW), (2, 3, WW), (3, 1, WR))
    found = any_cycle(graph)
    assert found.nodes == [1, 2, 3] and found.kinds == [WW, WW, WR]


def test_any_cycle_finds_a_cycle_through_the_component_s_first_node():
    graph = graph_of((1, 2, WW), (2, 3, WW), (3, 4, WW), (4, 2, WW), (4, 1, WR))
    found = any_cycle(graph)
    assert found.nodes[0] == 1 and found.nodes == [1, 2, 3, 4]
    assert found.kinds == [WW, WW, WW, WR]


def op(index, type_, process):
    return {"index": index, "time": index, "type": type_, "process": process, "f": "txn",
            "value": []}


def test_the_process_graph_skips_the_nemesis_and_non_ok_completions():
    history = [op(0, "invoke", 0), op(1, "ok", 0), op(2, "info", "nemesis"),
               op(3, "ok", "nemesis"), op(4, "invoke", 0), op(5, "fail", 0),
               op(6, "invoke", 0), op(7, "ok", 0), op(8, "invoke", 0), op(9, "ok", 0),
               op(10, "ok", "nemesis")]
    graph = process_graph(history)
    assert sorted((a, b, sorted(k)) for a, b, k in graph.edges()) == [
        (1, 7, [PROCESS]), (7, 9, [PROCESS])]


def test_the_realtime_graph_orders_every_completion_after_earlier_oks():
    # 1 completes ok; then 2 and the nemesis; 3's invocation comes after 1 and before 2 ends.
    history = [op(0, "invoke", 0), op(1, "ok", 0),
               op(2, "invoke", 1), op(3, "invoke", "nemesis"), op(4, "info", "nemesis"),
               op(5, "invoke", 2), op(6, "ok", 1), op(7, "info", 2),
               op(8, "invoke", 0), op(9, "ok", 0)]
    graph = realtime_graph(history)
    assert sorted((a, b, sorted(k)) for a, b, k in graph.edges()) == [
        (1, 6, [REALTIME]), (1, 7, [REALTIME]), (6, 9, [REALTIME])]
    assert ALL_KINDS == {WW, WR, RW, PROCESS, REALTIME}


def test_the_realtime_edges_can_go_into_a_graph_that_has_other_edges():
    # The kafka checker adds them straight into its wr graph instead of a union.
    history = [op(0, "invoke", 0), op(1, "ok", 0), op(2, "invoke", 1), op(3, "ok", 1)]
    graph = graph_of((3, 1, WR))
    assert realtime_graph(history, graph) is graph
    assert sorted((a, b, sorted(k)) for a, b, k in graph.edges()) == [
        (1, 3, [REALTIME]), (3, 1, [WR])]


def test_the_realtime_graph_ignores_the_nemesis_even_when_it_completes_ok():
    history = [op(0, "invoke", "nemesis"), op(1, "ok", "nemesis"),
               op(2, "invoke", 0), op(3, "ok", 0)]
    assert realtime_graph(history).edge_count() == 0


def test_concurrent_oks_each_precede_a_later_op():
    history = [op(0, "invoke", 0), op(1, "invoke", 1), op(2, "ok", 0), op(3, "ok", 1),
               op(4, "invoke", 2), op(5, "ok", 2)]
    graph = realtime_graph(history)
    assert sorted((a, b) for a, b, _ in graph.edges()) == [(2, 5), (3, 5)]


def test_an_invocation_never_completed_has_no_realtime_edge():
    history = [op(0, "invoke", 0), op(1, "ok", 0), op(2, "invoke", 1), op(3, "invoke", 0),
               op(4, "ok", 0)]
    graph = realtime_graph(history)
    assert sorted((a, b) for a, b, _ in graph.edges()) == [(1, 4)]


def test_the_specs_are_built_from_their_definitions():
    from glomers.checkers import cycles
    assert cycles._spec({WW, WR}, required=[{WR}]) == CycleSpec(
        frozenset({WW, WR}), (0, 0), False, (frozenset({WR}),), None)
    assert cycles._spec({WW}, rw=(2, None), nonadjacent=True, expect="x") == CycleSpec(
        frozenset({WW}), (2, None), True, (), "x")
    assert cycles._variants("G-single-item", CYCLE_SPECS["G-single-item"]) == {
        name: CYCLE_SPECS[name] for name in ("G-single-item", "G-single-item-process",
                                             "G-single-item-realtime")}
    assert cycles._variants("G1c", CYCLE_SPECS["G1c"]) == {
        name: CYCLE_SPECS[name] for name in ("G1c", "G1c-process", "G1c-realtime")}


def test_each_anchor_edge_of_a_node_is_tried_until_one_closes_a_cycle():
    # 1's first rw edge only returns through a second rw step (not G-single-item); its
    # second rw edge closes one.
    graph = graph_of((1, 2, RW), (2, 1, RW), (1, 3, RW), (3, 1, WW))
    found = find_cycle(graph, CYCLE_SPECS["G-single-item"])
    assert found.nodes == [1, 3] and found.kinds == [RW, WW]


def test_a_path_back_that_does_not_close_leaves_the_node_s_other_steps_open():
    # From 2, the step back to 1 lacks the process step G1c-process needs; 2 -> 3 -> 1 has it.
    graph = graph_of((1, 2, WR), (2, 1, WW), (2, 3, PROCESS), (3, 1, WW))
    found = find_cycle(graph, CYCLE_SPECS["G1c-process"])
    assert found.nodes == [1, 2, 3] and found.kinds == [WR, PROCESS, WW]


def test_paths_with_and_without_adjacent_rw_steps_are_kept_apart():
    # Two paths from 1 reach 3 with two rw steps each, the last of them rw: 1 -ww-> 2 -rw-> 3
    # first, then 1 -rw-> 4 -ww-> 5 -rw-> 3, whose first rw step follows the anchor 0 -rw-> 1.
    # Only the second closes a G2-item cycle (adjacent rw steps) back to 0.
    graph = graph_of((0, 1, RW), (1, 2, WW), (2, 3, RW), (1, 4, RW), (4, 5, WW), (5, 3, RW),
                     (3, 0, WW))
    found = find_cycle(graph, CYCLE_SPECS["G2-item"])
    assert found.nodes == [0, 1, 4, 5, 3] and found.kinds == [RW, RW, WW, RW, WW]


def dense(kinds, size):
    """Every ordered pair of `size` nodes linked, the kind cycling through `kinds`."""
    graph = DepGraph()
    for a in range(size):
        for b in range(size):
            if a != b:
                graph.link(a, b, kinds[(a * 3 + b) % len(kinds)])
    return graph


@pytest.mark.parametrize("kinds, size, name, steps, nodes", [
    ((WW, RW, WR, RW), 6, "G-single-item", 270, None),
    ((RW, RW, WW), 5, "G-nonadjacent-item", 208, None),
    ((RW, RW, WW), 6, "G-nonadjacent-item", 192, [2, 0, 5, 1]),
    ((RW, RW, WW), 6, "G-single-item", 92, [2, 0]),
    ((RW, WW, RW, WR, WW), 6, "G2-item", 6, [0, 2, 1])])
def test_a_search_spends_one_step_per_edge_it_follows(kinds, size, name, steps, nodes):
    # The budget, not the clock, bounds a search, so a graph always costs the same steps:
    # these pin how much of each dense graph a search explores, and what it finds.
    budget = Budget(10_000)
    found = find_cycle(dense(kinds, size), CYCLE_SPECS[name], budget)
    assert 10_000 - budget.steps == steps
    assert (found and found.nodes) == nodes


def test_a_spec_with_no_anchor_moves_on_to_the_next_component():
    # No rw step or required kind to anchor on: one search per component. The first
    # component's cycle is G1c, not the G0 this spec expects; the second's is G0.
    spec = CycleSpec(frozenset({WW, WR}), expect="G0")
    graph = graph_of((1, 2, WR), (2, 1, WW), (3, 4, WW), (4, 3, WW))
    found = find_cycle(graph, spec)
    assert found.nodes == [3, 4] and found.kinds == [WW, WW]


def test_sccs_are_found_past_vertices_an_earlier_search_reached():
    # 2 is reached from 1 before its own turn as a root comes; 3 and 4 come after it.
    graph = graph_of((1, 2, WW), (3, 4, WW), (4, 3, WW))
    assert strongly_connected_components(graph) == [[3, 4]]
