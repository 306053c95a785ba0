"""Details of the list-append vocabulary (glomers/checkers/list_append_ops.py): micro-ops,
the reads and appends of a txn, the version order of each key (the longest read, or the
one append of a key never read), the ww / wr / rw edges inferred from it, and the steps
that explain each edge of a cycle."""

from glomers.checkers.cycles import PROCESS, REALTIME, RW, WR, WW
from glomers.checkers.list_append_ops import (INIT, AppendIndex, Dependencies, append_mops,
                                              as_list, invocations_of, is_prefix, micro_ops,
                                              possible, read_mops, sorted_values,
                                              write_index)
from glomers.edn import Keyword as K
from glomers.values import clj_key


def op(index, type_, mops, process=0):
    """One op of a history: mops are (f, k, v) tuples, f a plain string."""
    return {"index": index, "type": type_, "process": process, "f": "txn",
            "value": [[f, k, v] for f, k, v in mops]}


def edges(deps):
    """The graph of `deps` as {(a, b): {kinds}}."""
    graph = deps.graph()
    return {(a, b): graph.kinds(a, b) for a in graph.out for b in graph.out[a]}


# -- micro-ops --------------------------------------------------------------------------------

def test_micro_ops_of_a_txn_are_its_list_or_nothing():
    assert micro_ops({"value": [["r", 1, None]]}) == [["r", 1, None]]
    assert micro_ops({"value": (("r", 1, None),)}) == (("r", 1, None),)
    assert micro_ops({"value": "oops"}) == []
    assert micro_ops({"value": None}) == []
    assert micro_ops({}) == []


def test_reads_and_appends_are_told_apart_with_their_positions():
    txn = op(0, "ok", [("append", 1, 5), ("r", 2, [3]), ("w", 3, 4), ("r", 1, None),
                       ("append", 2, 7)])
    assert read_mops(txn) == [(1, ["r", 2, [3]], 2, [3]), (3, ["r", 1, None], 1, None)]
    assert append_mops(txn) == [(0, ["append", 1, 5], 1, 5), (4, ["append", 2, 7], 2, 7)]


def test_a_read_is_a_list_and_nil_is_empty():
    assert as_list(None) == []
    assert as_list([1, 2]) == [1, 2]
    assert as_list((1, 2)) == [1, 2]
    assert as_list(5) == []


def test_possible_ops_are_the_ok_and_info_completions():
    ops = [op(0, "invoke", []), op(1, "ok", []), op(2, "fail", []), op(3, "info", [])]
    assert [o["index"] for o in possible(ops)] == [1, 3]


# -- version orders ------------------------------------------------------------------------

def test_sorted_values_are_distinct_non_empty_reads_shortest_first():
    ops = [op(0, "ok", [("r", 1, [1, 2]), ("r", 2, None), ("r", 1, [1])]),
           op(1, "ok", [("r", 1, []), ("r", 1, [1, 2]), ("r", 1, [3])]),
           op(2, "ok", [("r", 3, [9])])]
    # Keys in first-seen order.
    assert sorted_values(ops) == [(1, [[1], [3], [1, 2]]), (3, [[9]])]


def test_an_empty_read_before_another_read_in_one_txn_is_only_skipped():
    ops = [op(0, "ok", [("r", 1, []), ("r", 2, [4])])]
    assert sorted_values(ops) == [(2, [[4]])]


def test_a_key_never_read_is_ordered_by_its_one_append():
    ops = [op(0, "ok", [("append", 1, 5)]), op(1, "ok", [("append", 2, 1)]),
           op(2, "ok", [("append", 2, 2)]), op(3, "ok", [("r", 3, [7]), ("append", 3, 8)])]
    # Key 2 has two appends and no read: no order. Key 3 was read: the read says it.
    assert sorted_values(ops) == [(3, [[7]]), (1, [[5]])]


def test_a_key_appended_three_times_and_never_read_has_no_order():
    ops = [op(i, "ok", [("append", 1, i + 1)]) for i in range(3)]
    assert sorted_values(ops) == []


def test_reads_equal_in_clojure_are_one_value():
    ops = [op(0, "ok", [("r", 1, [1])]), op(1, "ok", [("r", 1, (1,))]),
           op(2, "ok", [("r", 1, [1.0])])]
    assert sorted_values(ops) == [(1, [[1], [1.0]])]


def test_keys_are_whatever_the_node_returned_and_equal_only_as_clojure_says():
    # A node answers with keys the generator never sent: a list, an object, and 1, 1.0
    # and true, which Python takes for one key and Clojure for three.
    ops = [op(0, "ok", [("r", [1, 2], [5]), ("r", {"a": 1}, [6]), ("r", 1, [7])]),
           op(1, "ok", [("r", 1.0, [8]), ("r", True, [9]), ("r", [1, 2], [5, 4])])]
    assert sorted_values(ops) == [([1, 2], [[5], [5, 4]]), ({"a": 1}, [[6]]), (1, [[7]]),
                                  (1.0, [[8]]), (True, [[9]])]
    index = AppendIndex(sorted_values(ops))
    assert [index.order[clj_key(k)] for k in ([1, 2], {"a": 1}, 1, 1.0, True)] == \
        [[5, 4], [6], [7], [8], [9]]


def test_prefix():
    assert is_prefix([], [1])
    assert is_prefix([1], [1])
    assert is_prefix([1], [1, 2])
    assert not is_prefix([1, 2], [1])
    assert not is_prefix([2], [1, 2])
    assert not is_prefix([1], [1.0, 2])       # Clojure's 1 and 1.0 differ
    assert not is_prefix([1, 3], [1, 2, 3])


def test_the_version_order_is_the_longest_read_without_repeats():
    index = AppendIndex([(1, [[3], [3, 1, 3, 2]]), (2, [[7]])])
    assert index.order == {("i", 1): [3, 1, 2], ("i", 2): [7]}
    assert index.position[("i", 1)] == {("i", 3): 0, ("i", 1): 1, ("i", 2): 2}
    assert index.previous(1, 3) is INIT
    assert index.previous(1, 1) == 3
    assert index.previous(1, 2) == 1
    # Never read: after the last element read; a key never read at all: after the start.
    assert index.previous(1, 99) == 2
    assert index.previous(5, 1) is INIT


def test_the_write_index_keeps_the_last_completion_of_each_append():
    ops = [op(0, "invoke", [("append", 1, 1)]), op(1, "fail", [("append", 1, 1)]),
           op(2, "invoke", [("append", 1, 2)]), op(3, "ok", [("append", 1, 2)]),
           op(4, "info", [("append", 1, 2), ("r", 1, None)])]
    index = write_index(ops)
    assert set(index) == {(("i", 1), ("i", 1)), (("i", 1), ("i", 2))}
    assert index[(("i", 1), ("i", 1))]["index"] == 1
    assert index[(("i", 1), ("i", 2))]["index"] == 4


def test_a_write_index_with_an_invocation_first_still_finds_later_completions():
    ops = [op(0, "invoke", [("append", 1, 1)]), op(1, "ok", [("append", 1, 1)])]
    assert write_index(ops)[(("i", 1), ("i", 1))]["index"] == 1


# -- the dependency graph ----------------------------------------------------------------

def test_wr_ww_and_rw_edges_of_a_serial_history():
    ops = [op(1, "ok", [("append", 1, 1)]),
           op(3, "ok", [("r", 1, [1]), ("append", 1, 2)]),
           op(5, "ok", [("r", 1, [1, 2])]),
           op(7, "ok", [("r", 1, None)])]
    deps = Dependencies(ops)
    assert edges(deps) == {(1, 3): {WW, WR}, (3, 5): {WR}, (7, 1): {RW}}


def test_rw_edges_from_every_reader_of_the_previous_state_but_the_appender():
    ops = [op(1, "ok", [("append", 1, 1)]),
           op(3, "ok", [("r", 1, [1])]),
           op(5, "ok", [("r", 1, [1]), ("append", 1, 2)]),
           op(7, "ok", [("r", 1, [1, 2])])]
    assert edges(Dependencies(ops)) == {(1, 3): {WR}, (1, 5): {WR, WW}, (3, 5): {RW},
                                        (5, 7): {WR}}


def test_an_empty_read_counts_as_the_initial_state_but_an_info_nil_read_does_not():
    ops = [op(1, "ok", [("r", 1, [])]), op(3, "info", [("r", 1, None)]),
           op(5, "info", [("r", 1, [])]), op(7, "ok", [("append", 1, 1)])]
    assert edges(Dependencies(ops)) == {(1, 7): {RW}, (5, 7): {RW}}


def test_an_info_nil_read_does_not_stop_the_txns_other_reads_counting():
    ops = [op(1, "info", [("r", 1, None), ("r", 2, None)]),
           op(3, "ok", [("r", 3, None)]), op(5, "ok", [("append", 3, 1)])]
    assert edges(Dependencies(ops)) == {(3, 5): {RW}}


def test_a_txn_has_no_edge_to_itself():
    ops = [op(1, "ok", [("append", 1, 1), ("append", 1, 2), ("r", 1, [1, 2])]),
           op(3, "ok", [("r", 2, None), ("append", 2, 1), ("r", 2, [1])])]
    deps = Dependencies(ops)
    assert edges(deps) == {}
    txn = ops[0]
    assert deps.wr(txn, 1, [1, 2]) is None
    assert deps.ww(txn, 1, 2) is None
    assert deps.rw(ops[1], 2, 1) == []


def test_edge_helpers_answer_none_without_a_writer():
    ops = [op(1, "ok", [("r", 1, [5])]), op(3, "ok", [("r", 1, [5, 6]), ("append", 1, 7)])]
    deps = Dependencies(ops)
    assert deps.wr(ops[0], 1, [5]) is None          # nobody appended 5
    assert deps.wr(ops[0], 1, None) is None
    assert deps.wr(ops[0], 1, []) is None
    assert deps.ww(ops[1], 1, 5) is None            # 5 is first
    assert deps.ww(ops[1], 1, 7) is None            # nobody appended 6
    assert deps.rw(ops[1], 1, 7) == []              # only 3 itself read [5 6]
    assert deps.writer(1, 5) is None
    assert edges(deps) == {}


def test_a_mop_that_is_neither_read_nor_append_is_skipped():
    ops = [op(1, "ok", [("w", 1, 3), ("append", 1, 1)]),
           op(3, "ok", [("cas", 1, 3), ("r", 1, [1])])]
    assert edges(Dependencies(ops)) == {(1, 3): {WR}}


def test_the_ops_given_are_the_graphs_vertices():
    ops = [op(4, "ok", [("append", 1, 1)]), op(9, "ok", [("r", 1, [1])])]
    deps = Dependencies(ops)
    assert deps.ops is ops
    assert deps.by_index == {4: ops[0], 9: ops[1]}
    assert deps.graph().kind(4, 9) == WR
    # A step that is ww and wr at once is named ww, as Elle explains it.
    both = Dependencies([op(1, "ok", [("append", 1, 1)]),
                         op(2, "ok", [("r", 1, [1]), ("append", 1, 2)])])
    assert both.graph().kind(1, 2) == WW


def test_several_keys_and_reads_in_one_txn():
    ops = [op(1, "ok", [("append", 1, 1), ("append", 2, 1)]),
           op(3, "ok", [("r", 2, [1]), ("r", 1, [1]), ("append", 2, 2)]),
           op(5, "ok", [("r", 2, [1, 2]), ("r", 1, None)])]
    assert edges(Dependencies(ops)) == {(1, 3): {WR, WW}, (3, 5): {WR}, (5, 1): {RW}}


# -- explaining a step ---------------------------------------------------------------------

def test_a_ww_step_names_both_appends_and_their_positions():
    a = op(1, "ok", [("r", 2, None), ("append", 1, 1)])
    b = op(3, "ok", [("append", 2, 5), ("append", 1, 2)])
    c = op(5, "ok", [("r", 1, [1, 2])])
    deps = Dependencies([a, b, c])
    assert deps.explain_step(a, b, WW, {}) == {
        "type": K("ww"), "key": 1, "value": 1, "value'": 2, "a-mop-index": 1,
        "b-mop-index": 1}


def test_a_wr_step_names_the_last_element_read():
    a = op(1, "ok", [("append", 2, 4), ("append", 1, 1)])
    b = op(3, "ok", [("r", 2, None), ("r", 1, [1])])
    deps = Dependencies([a, b])
    assert deps.explain_step(a, b, WR, {}) == {
        "type": K("wr"), "key": 1, "value": 1, "a-mop-index": 1, "b-mop-index": 1}


def test_a_wr_step_names_the_first_read_that_shows_the_writer():
    a = op(1, "ok", [("append", 1, 1), ("append", 2, 1)])
    b = op(3, "ok", [("r", 3, None), ("r", 2, [1]), ("r", 1, [1])])
    step = Dependencies([a, b]).explain_step(a, b, WR, {})
    assert (step["key"], step["a-mop-index"], step["b-mop-index"]) == (2, 1, 1)


def test_an_rw_step_names_the_read_and_the_append_it_missed():
    a = op(1, "ok", [("r", 2, None), ("r", 1, [1])])
    w = op(3, "ok", [("append", 1, 1)])
    b = op(5, "ok", [("append", 2, 9), ("append", 1, 2)])
    c = op(7, "ok", [("r", 1, [1, 2])])
    deps = Dependencies([a, w, b, c])
    assert deps.explain_step(a, b, RW, {}) == {
        "type": K("rw"), "key": 2, "value": INIT, "value'": 9, "a-mop-index": 0,
        "b-mop-index": 0}
    # The reader of [1] missed 2 on key 1: its read of key 1 is its second mop.
    reader = op(9, "ok", [("r", 2, [9]), ("r", 1, [1])])
    deps = Dependencies([a, w, b, c, reader])
    assert deps.explain_step(reader, b, RW, {}) == {
        "type": K("rw"), "key": 1, "value": 1, "value'": 2, "a-mop-index": 1,
        "b-mop-index": 1}


def test_an_rw_step_from_an_empty_read_after_a_non_empty_one():
    a = op(1, "ok", [("r", 1, [5]), ("r", 1, [])])
    five = op(2, "ok", [("append", 1, 5)])
    b = op(3, "ok", [("append", 1, 1)])
    deps = Dependencies([a, five, b, op(5, "ok", [("r", 1, [1, 5])])])
    assert deps.explain_step(a, b, RW, {})["a-mop-index"] == 1


def test_process_and_realtime_steps():
    a = op(1, "ok", [("append", 1, 1)], process=4)
    b = op(3, "ok", [("r", 1, None)], process=4)
    invoke = {"index": 2, "type": "invoke", "process": 4}
    deps = Dependencies([a, b])
    assert deps.explain_step(a, b, PROCESS, {3: invoke}) == {"type": K("process"),
                                                               "process": 4}
    assert deps.explain_step(a, b, REALTIME, {3: invoke}) == {"type": K("realtime"),
                                                                "a'": a, "b": invoke}
    assert deps.explain_step(a, b, REALTIME, {}) == {"type": K("realtime"), "a'": a,
                                                       "b": None}


def test_invocations_pair_with_their_process_s_next_completion():
    ops = [{"index": 0, "type": "invoke", "process": 0},
           {"index": 1, "type": "invoke", "process": 1},
           {"index": 2, "type": "ok", "process": 1},
           {"index": 3, "type": "info", "process": 0},
           {"index": 4, "type": "ok", "process": 7},
           {"index": 5, "type": "invoke", "process": 1},
           {"index": 6, "type": "fail", "process": 1}]
    found = invocations_of(ops)
    assert {k: v["index"] for k, v in found.items()} == {2: 1, 3: 0, 6: 5}


def test_an_rw_step_skips_the_reader_s_empty_read_of_the_key():
    # The reader read key 1 empty, then [1]: it missed 2 with its second read.
    a = op(1, "ok", [("r", 1, []), ("r", 1, [1])])
    w = op(3, "ok", [("append", 1, 1)])
    b = op(5, "ok", [("append", 1, 2)])
    deps = Dependencies([a, w, b, op(7, "ok", [("r", 1, [1, 2])])])
    assert deps.explain_step(a, b, RW, {})["a-mop-index"] == 1
    assert deps.explain_step(a, w, RW, {})["a-mop-index"] == 0


def test_an_info_nil_read_is_skipped_but_the_txn_s_next_read_counts():
    ops = [op(1, "info", [("r", 1, None), ("r", 2, [])]), op(3, "ok", [("append", 2, 1)]),
           op(5, "ok", [("append", 1, 1)])]
    assert edges(Dependencies(ops)) == {(1, 3): {RW}}


def test_a_txn_s_dependencies_on_itself_add_no_vertex():
    ops = [op(1, "ok", [("append", 1, 1), ("append", 1, 2), ("r", 1, [1, 2])])]
    assert Dependencies(ops).graph().out == {}
