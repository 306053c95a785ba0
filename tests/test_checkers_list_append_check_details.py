"""Details of the txn-list-append checker (glomers/checkers/list_append.py): which txns each
single-txn and single-read anomaly looks at (internal, future-read, G1a, G1b,
duplicate-elements), the version-order anomalies (incompatible-order, dirty-update), the
refusals, and how analyze() puts the graph and the anomalies together; a property test
that a history run one txn at a time against a real store is always valid."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glomers.checkers import list_append as la
from glomers.checkers.list_append_ops import UNKNOWN_PREFIX
from glomers.edn import Keyword as K
from glomers.edn import Symbol

from list_append_history import concurrent, history, op

RU = {"consistency_models": ["read-uncommitted"]}
RC = {"consistency_models": ["read-committed"]}
SER = {"consistency_models": ["serializable"]}
SESSION = {"consistency_models": ["strong-session-serializable"]}
SS = {"consistency_models": ["strict-serializable"]}


def names(result):
    return [str(t) for t in result.get("anomaly-types", ())]


def indices(cases, field="op"):
    return [case[field]["index"] for case in cases]


# -- refusals ------------------------------------------------------------------------------

def test_only_invocations_appending_one_value_twice_are_refused():
    # Completions may repeat an invocation's append; other keys and values are free.
    ops = [op(0, "ok", [("append", 1, 1)]), op(1, "invoke", [("append", 1, 1)]),
           op(2, "ok", [("append", 1, 1)]), op(3, "invoke", [("append", 2, 1)]),
           op(4, "invoke", [("append", 1, 2)])]
    la.verify_unique_appends(ops)
    ops.append(op(5, "invoke", [("r", 3, None), ("append", 2, 1)]))
    with pytest.raises(ValueError) as raised:
        la.verify_unique_appends(ops)
    assert str(raised.value) == "value 1 appended to key 2 multiple times! (op 5)"


def test_one_value_twice_in_one_invocation_is_refused():
    with pytest.raises(ValueError, match=r"value 3 appended to key 1 multiple times! \(op 0\)"):
        la.verify_unique_appends([op(0, "invoke", [("append", 1, 3), ("append", 1, 3)])])


def test_values_equal_only_in_python_are_different_appends():
    la.verify_unique_appends([op(0, "invoke", [("append", 1, 1)]),
                              op(1, "invoke", [("append", 1, 1.0)]),
                              op(2, "invoke", [("append", 1, True)])])


def test_an_element_no_completion_appended_is_an_assertion_naming_key_and_element():
    h = history((0, "ok", [("append", "k", 1)]), (1, "ok", [("r", "k", [1, "x"])]))
    with pytest.raises(AssertionError) as raised:
        la.check(h, RC)
    assert str(raised.value) == 'No transaction wrote "k" "x"'
    # Only an invocation appended it: still no completion did.
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1, 2])]))
    h.append(op(len(h), "invoke", [("append", 1, 2)], 5))
    with pytest.raises(AssertionError, match="No transaction wrote 1 2"):
        la.check(h, RC)


# -- inside one transaction ----------------------------------------------------------------

def test_internal_only_for_ok_txns_and_with_each_txn_s_first_contradiction():
    bad = [("append", 1, 1), ("r", 1, [7]), ("r", 1, [8])]
    ops = [op(0, "fail", bad), op(1, "info", bad), op(2, "ok", bad),
           op(3, "ok", [("r", 1, [1])]), op(4, "ok", bad)]
    internal, future = la.internal_cases(ops)
    assert [(c["op"]["index"], c["mop"][2], c["expected"]) for c in internal] == \
        [(2, [7], [UNKNOWN_PREFIX, 1]), (4, [7], [UNKNOWN_PREFIX, 1])]
    assert future == []


def test_a_txn_with_both_internal_and_future_read_cases():
    ops = [op(0, "invoke", [("r", 1, [5]), ("append", 1, 5)]),
           op(1, "ok", [("r", 2, [1]), ("r", 2, [2]), ("r", 1, [5]), ("append", 1, 5)])]
    internal, future = la.internal_cases(ops)
    assert [(c["op"]["index"], c["expected"]) for c in internal] == [(1, [1])]
    assert [(c["op"]["index"], c["element"], c["mop"][1]) for c in future] == [(1, 5, 1)]


@pytest.mark.parametrize("read, internal", [
    ([6], False), ([1, 2, 6], False), ([], True), ([6, 1], True), ([5], True),
    ([6.0], True), ([1, 6, 6], False)])
def test_an_unknown_prefix_then_the_txn_s_own_append(read, internal):
    ops = [op(0, "ok", [("append", 1, 6), ("r", 1, read)])]
    found = la.internal_cases(ops)[0]
    assert bool(found) is internal
    if internal:
        assert found[0]["expected"] == [UNKNOWN_PREFIX, 6]
        assert found[0]["mop"] == [K("r"), 1, read]


@pytest.mark.parametrize("read, internal", [
    ([6, 7], False), ([1, 6, 7], False), ([7], True), ([6], True), ([7, 6], True),
    ([6, 7, 8], True), ([5, 7], True)])
def test_an_unknown_prefix_then_two_appends(read, internal):
    ops = [op(0, "ok", [("append", 1, 6), ("append", 1, 7), ("r", 1, read)])]
    assert bool(la.internal_cases(ops)[0]) is internal


@pytest.mark.parametrize("first, appended, read, expected", [
    ([], [], [1], []),              # read empty, then read [1] without appending: internal
    ([], [], [], None),
    ([1], [], [1], None),
    ([1], [], [1, 2], [1]),
    ([1], [], [1.0], [1]),
    ([1], [2], [1, 2], None),
    ([1], [2], [2], [1, 2]),
    ([1], [2], [0, 1, 2], [1, 2]),
    (None, [2], [2], None),         # nil: known to be empty
    (None, [2], [1, 2], [2]),
    ([], [2], [1, 2], [2]),
    (None, [], [9], None),          # a nil read leaves the next read unchecked
    ([], [], None, []),             # Elle: the empty list expected is not nil
    ([1], [], None, [1]),
])
def test_after_a_read_the_list_is_known(first, appended, read, expected):
    mops = [("r", 1, first)] + [("append", 1, v) for v in appended] + [("r", 1, read)]
    [case] = la.internal_cases([op(0, "ok", mops)])[0] or [None]
    if expected is None:
        assert case is None
    else:
        assert case["expected"] == expected and case["mop"] == [K("r"), 1, read]


def test_a_nil_read_after_an_empty_one_is_internal_as_in_elle():
    # Elle compares the list a txn expects with what it read, and [] is not nil; a read of
    # nil before anything is known is unchecked, as is one after a nil.
    h = [op(0, "invoke", [("r", 1, None), ("r", 1, None)], 0),
         op(1, "ok", [("r", 1, []), ("r", 1, None)], 0)]
    result = la.check(h, SER)
    assert names(result) == ["empty-transaction-graph", "internal"]
    [case] = result["anomalies"]["internal"]
    assert case["expected"] == [] and case["mop"] == [K("r"), 1, None]
    h[1]["value"] = [[K("r"), 1, None], [K("r"), 1, None], [K("r"), 1, []]]
    assert "internal" not in la.check(h, SER)["anomalies"]


def test_each_key_is_known_apart():
    mops = [("r", 1, [1]), ("append", 2, 5), ("r", 2, [3, 5]), ("r", 1, [1]),
            ("append", 1, 2), ("r", 1, [1, 2])]
    assert la.internal_cases([op(0, "ok", mops)]) == ([], [])
    mops = [("r", 1, [1]), ("append", 2, 5), ("r", 2, [3, 5]), ("r", 1, [1, 2])]
    [case] = la.internal_cases([op(0, "ok", mops)])[0]
    assert case["expected"] == [1] and case["mop"][1] == 1


def test_a_mop_that_is_neither_read_nor_append_does_not_end_the_txn_s_check():
    mops = [("r", 1, [1]), ("w", 1, 5), ("r", 1, [2])]
    [case] = la.internal_cases([op(0, "ok", mops)])[0]
    assert case["expected"] == [1]


def test_future_read_reports_the_first_read_that_showed_the_element():
    mops = [("r", 2, [5]), ("r", 1, [4, 5]), ("r", 1, [4, 5, 6]), ("append", 1, 3),
            ("append", 1, 5)]
    ops = [op(0, "info", mops), op(1, "ok", mops)]
    [case] = la.internal_cases(ops)[1]
    assert case["op"]["index"] == 1
    assert case["element"] == 5 and case["mop"] == [K("r"), 1, [4, 5]]


def test_future_read_needs_the_same_key_and_element_and_a_later_append():
    for mops in ([("r", 2, [5]), ("append", 1, 5)],
                 [("r", 1, [5]), ("append", 1, 6)],
                 [("append", 1, 5), ("r", 1, [5])],
                 [("r", 1, [5.0]), ("append", 1, 5)],
                 [("r", 1, None), ("append", 1, 5)]):
        assert la.internal_cases([op(0, "ok", mops)])[1] == [], mops


def test_future_read_of_nil_then_the_element():
    mops = [("r", 1, None), ("r", 1, [5]), ("append", 1, 5)]
    [case] = la.internal_cases([op(0, "ok", mops)])[1]
    assert case["mop"] == [K("r"), 1, [5]]


# -- reads of other transactions -----------------------------------------------------------

def test_g1a_is_a_committed_read_of_each_failed_append():
    ops = [op(0, "fail", [("append", 1, 1), ("append", 1, 2)]),
           op(1, "info", [("append", 1, 3)]),
           op(2, "ok", [("append", 1, 4)]),
           op(3, "fail", [("append", 2, 1)]),
           op(4, "ok", [("r", 1, [1, 3, 2, 4]), ("r", 2, [1])]),
           op(5, "info", [("r", 1, [1])]),
           op(6, "fail", [("r", 1, [1])]),
           op(7, "invoke", [("r", 1, [1])])]
    cases = la.g1a_cases(ops)
    assert [(c["op"]["index"], c["mop"][1], c["element"], c["writer"]["index"])
            for c in cases] == [(4, 1, 1, 0), (4, 1, 2, 0), (4, 2, 1, 3)]


def test_g1a_needs_the_same_key_and_clojure_equal_element():
    ops = [op(0, "fail", [("append", 1, 1)]), op(1, "ok", [("r", 2, [1]), ("r", 1, [1.0])])]
    assert la.g1a_cases(ops) == []


def test_g1a_names_the_last_failed_completion_of_an_append():
    ops = [op(0, "fail", [("append", 1, 1)]), op(1, "fail", [("append", 1, 1)]),
           op(2, "ok", [("r", 1, [1])])]
    [case] = la.g1a_cases(ops)
    assert case["writer"]["index"] == 1


def test_g1b_is_a_read_ending_at_another_txn_s_intermediate_append():
    writer = op(0, "ok", [("append", 1, 1), ("append", 2, 9), ("append", 1, 2),
                          ("append", 1, 3)])
    reads = [[1], [1, 2], [1, 2, 3], [2], [1, 3]]
    ops = [writer] + [op(i + 1, "ok", [("r", 1, r)]) for i, r in enumerate(reads)]
    cases = la.g1b_cases(ops)
    assert [(c["op"]["index"], c["element"], c["writer"]["index"]) for c in cases] == \
        [(1, 1, 0), (2, 2, 0), (4, 2, 0)]


def test_g1b_only_for_ok_readers_of_other_txns_and_other_keys_are_apart():
    ops = [op(0, "info", [("append", 1, 1), ("append", 2, 1), ("append", 1, 2)]),
           op(1, "ok", [("r", 2, [1]), ("r", 3, [1]), ("r", 1, []), ("r", 1, None),
                        ("r", 1, [1])]),
           op(2, "info", [("r", 1, [1])]),
           op(3, "ok", [("append", 3, 1), ("r", 3, [1]), ("append", 3, 2)]),
           op(0, "ok", [("r", 1, [1])])]     # the writer's own index
    cases = la.g1b_cases(ops)
    # Op 3's own intermediate append is G1b only for others.
    assert [(c["op"]["index"], c["mop"][1], c["element"]) for c in cases] == \
        [(1, 3, 1), (1, 1, 1)]
    assert cases[1]["mop"] == [K("r"), 1, [1]]


def test_duplicates_are_counted_per_read_in_element_order():
    ops = [op(0, "ok", [("r", 1, [2, 1, 2, 1, 3, 2]), ("r", 1, [1, 2]), ("r", 2, [4, 4])]),
           op(1, "info", [("r", 1, [1.0, 1])])]
    cases = la.duplicate_cases(ops)
    assert [(c["op"]["index"], c["mop"][1], list(c["duplicates"].items())) for c in cases] == \
        [(0, 1, [(1, 2), (2, 3)]), (0, 2, [(4, 2)])]


def test_duplicates_keep_the_element_as_read():
    [case] = la.duplicate_cases([op(0, "ok", [("r", 1, ["a", "a", True, True])])])
    assert case["duplicates"] == {"a": 2, True: 2}
    assert all(type(k) is bool for k in case["duplicates"] if k is True)


def test_duplicates_only_among_possible_txns_in_check():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1, 1])]))
    h.append(op(len(h), "fail", [("r", 1, [1, 1])], 3))
    result = la.check(h, RU)
    assert indices(result["anomalies"]["duplicate-elements"]) == [3]


# -- version orders ------------------------------------------------------------------------

def test_incompatible_order_reports_the_first_bad_pair_per_key():
    values = [(1, [[1], [2], [1, 3]]), (2, [[1], [1, 2], [1, 3, 4]]), (3, [[1], [1, 2]])]
    assert la.incompatible_orders(values) == [{"key": 1, "values": [[1], [2]]},
                                              {"key": 2, "values": [[1, 2], [1, 3, 4]]}]


def test_incompatible_order_among_possible_txns_only():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [1, 2])]))
    h.append(op(len(h), "fail", [("r", 1, [2])], 3))
    assert "incompatible-order" not in la.check(h, RC).get("anomalies", {})
    h.append(op(len(h), "info", [("r", 1, [2])], 4))
    assert la.check(h, RC)["anomalies"]["incompatible-order"] == \
        [{"key": 1, "values": [[2], [1, 2]]}]


def dirty(types, read=None):
    """A history whose key 1 was appended 1, 2, ... by txns of these completion types (in
    that order) and read whole by one committed txn."""
    ops = []
    for i, type_ in enumerate(types):
        ops.append(op(len(ops), "invoke", [("append", 1, i + 1)], i))
        ops.append(op(len(ops), type_, [("append", 1, i + 1)], i))
    whole = read or list(range(1, len(types) + 1))
    ops.append(op(len(ops), "invoke", [("r", 1, None)], 99))
    ops.append(op(len(ops), "ok", [("r", 1, whole)], 99))
    return ops


def dirty_cases(types, read=None):
    return [(c["key"], c["values"], [t if isinstance(t, Symbol) else t["index"]
                                     for t in c["txns"]])
            for c in la.dirty_update_cases(dirty(types, read))]


@pytest.mark.parametrize("types, cases", [
    (["fail", "ok"], [(1, [1, 2], [1, Symbol("..."), 3])]),
    (["ok", "fail", "ok"], [(1, [2, 3], [3, Symbol("..."), 5])]),
    (["fail", "fail", "ok"], [(1, [1, 2, 3], [1, Symbol("..."), 5])]),
    (["fail", "info", "ok"], [(1, [1, 2, 3], [1, Symbol("..."), 5])]),
    (["info", "fail", "ok"], [(1, [2, 3], [3, Symbol("..."), 5])]),
    (["fail", "ok", "fail", "ok"], [(1, [1, 2], [1, Symbol("..."), 3]),
                                    (1, [3, 4], [5, Symbol("..."), 7])]),
    (["fail", "ok", "ok"], [(1, [1, 2], [1, Symbol("..."), 3])]),
    (["fail", "ok", "info", "fail", "fail", "ok"], [(1, [1, 2], [1, Symbol("..."), 3]),
                                                    (1, [4, 5, 6], [7, Symbol("..."), 11])]),
    (["ok", "fail"], []), (["info", "ok"], []), (["ok", "info", "ok"], []),
    (["fail", "fail"], []), (["ok", "fail", "info"], []), (["info", "fail"], []),
])
def test_dirty_updates_along_the_version_order(types, cases):
    assert dirty_cases(types) == cases


def test_dirty_update_follows_the_longest_read_not_the_history_order():
    assert dirty_cases(["ok", "fail"], read=[2, 1]) == [(1, [2, 1], [3, Symbol("..."), 1])]


def test_dirty_update_per_key_with_the_key_as_written():
    ops = [op(0, "fail", [("append", "a", 1), ("append", "b", 1)]),
           op(1, "ok", [("append", "a", 2)]), op(2, "ok", [("append", "b", 2)]),
           op(3, "ok", [("r", "a", [2, 1]), ("r", "b", [1, 2])])]
    assert [(c["key"], c["values"]) for c in la.dirty_update_cases(ops)] == [("b", [1, 2])]


# -- analyze and check ---------------------------------------------------------------------

def test_the_nemesis_s_ops_are_ignored():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]))
    h.insert(2, {"index": 99, "time": 0, "type": K("info"), "process": "nemesis",
                 "f": K("start"), "value": [[K("append"), 1, 1]]})
    assert la.check(h) == {"valid?": True}


def test_check_without_options_is_strict_serializable():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, None)]))
    assert names(la.check(h)) == ["G-single-item-realtime"]
    assert names(la.check(h, None)) == ["G-single-item-realtime"]


def test_the_graph_is_over_possible_txns_plus_the_order_graph():
    h = history((0, "ok", [("append", 1, 1)]), (1, "info", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [1, 2])]), (3, "fail", [("append", 1, 3)]))
    graph = la.analyze(h, RC)["graph"]
    assert {(a, b) for a in graph.out for b in graph.out[a]} == {(1, 3), (3, 5)}
    strict = la.analyze(h, {})["graph"]
    assert (1, 5) in {(a, b) for a in strict.out for b in strict.out[a]}
    assert "empty-transaction-graph" not in la.analyze(h, RC)["anomalies"]


def test_an_empty_graph_is_an_anomaly_of_its_own():
    h = concurrent((0, "ok", [("append", 1, 1)]), (1, "ok", [("append", 2, 1)]))
    assert la.analyze(h, {})["anomalies"] == {"empty-transaction-graph": True}
    assert la.check(h, {})["valid?"] == K("unknown")


def test_every_anomaly_is_analyzed_even_if_not_reportable():
    h = history((0, "ok", [("append", 1, 1)]),
                (1, "ok", [("r", 1, [1]), ("append", 1, 2)]),
                (2, "ok", [("r", 1, [1]), ("append", 1, 3)]),
                (3, "ok", [("r", 1, [1, 2, 3])]))
    found = la.analyze(h, RU)["anomalies"]
    assert {"G-single-item", "lost-update"} <= set(found)
    [case] = found["lost-update"]
    assert case["key"] == 1 and case["value"] == [1]
    assert [t["index"] for t in case["txns"]] == [3, 5]
    assert la.check(h, RU) == {"valid?": True}


def test_process_steps_under_a_session_model():
    # p0 appended 1 to key 1, then read it empty: rw back against its own process order.
    h = history((0, "ok", [("append", 1, 1)]), (0, "ok", [("r", 1, None)]))
    result = la.check(h, SESSION)
    assert names(result) == ["G-single-item-process"]
    [case] = result["anomalies"]["G-single-item-process"]
    assert [o["index"] for o in case["cycle"]] == [3, 1, 3]
    assert case["steps"][1] == {"type": K("process"), "process": 0}
    assert la.check(h, SER) == {"valid?": True}


def test_cycle_cases_name_the_txns_and_steps_and_other_cases_pass_through():
    h = concurrent((0, "ok", [("append", 1, 1), ("r", 2, [1])]),
                   (1, "ok", [("append", 2, 1), ("r", 1, [1])]))
    anomalies = la.analyze(h, RC)["anomalies"]
    [case] = anomalies["G1c"]
    assert [o["index"] for o in case["cycle"]] in ([2, 3, 2], [3, 2, 3])
    assert case["cycle"][0] is h[case["cycle"][0]["index"]]
    assert case["type"] == K("G1c")
    assert [s["type"] for s in case["steps"]] == [K("wr"), K("wr")]
    [exists] = anomalies["PL-2-cycle-exists"]
    assert exists["scc"] == frozenset({2, 3}) and "cycle" not in exists
    assert la._cycle_case(exists, None, {}, {}) is exists


def test_a_search_out_of_budget_reports_the_timeout_case_as_is():
    h = concurrent((0, "ok", [("append", 1, 1), ("r", 2, [1])]),
                   (1, "ok", [("append", 2, 1), ("r", 1, [1])]))
    anomalies = la.analyze(h, RC, budget_steps=0)["anomalies"]
    [timeout] = anomalies["cycle-search-timeout"]
    assert timeout["scc-size"] == 2 and "steps" not in timeout
    assert [o["index"] for o in anomalies["G1c"][0]["cycle"]][0] in (2, 3)


def test_all_anomaly_names_of_check():
    h = history((0, "fail", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [1, 2, 2])]),
                (3, "ok", [("append", 2, 1), ("append", 2, 2)]),
                (4, "ok", [("r", 2, [1]), ("r", 3, [5]), ("append", 3, 5)]),
                (6, "ok", [("append", 4, 1), ("r", 4, [])]),
                (5, "ok", [("r", 1, [2])]))
    found = la.analyze(h, SER)["anomalies"]
    for name in ("G1a", "G1b", "dirty-update", "duplicate-elements", "internal",
                 "future-read", "incompatible-order"):
        assert name in found, name


# -- a property: a serial history is valid -------------------------------------------------

txns = st.lists(st.lists(st.tuples(st.sampled_from(["r", "append"]), st.integers(0, 2)),
                         min_size=1, max_size=4), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(txns, st.sampled_from([{}, SER, RC, SESSION]),
       st.lists(st.sampled_from(["ok", "ok", "ok", "fail", "info"]), min_size=7, max_size=7))
def test_a_history_run_one_txn_at_a_time_is_valid(shape, opts, outcomes):
    """Each txn runs alone against a real store (a :fail one changes nothing, an :info one
    may or may not): no model may find an anomaly; only an empty graph may be reported."""
    store, counter, ops = {}, {}, []
    for i, mops in enumerate(shape):
        outcome = outcomes[i]
        done, staged = [], {k: list(v) for k, v in store.items()}
        for f, k in mops:
            if f == "r":
                done.append(("r", k, list(staged[k]) if k in staged else None))
            else:
                counter[k] = counter.get(k, 0) + 1
                staged.setdefault(k, []).append(counter[k])
                done.append(("append", k, counter[k]))
        if outcome == "ok" or (outcome == "info" and i % 2):
            store = staged
        invoked = [(f, k, None if f == "r" else v) for f, k, v in done]
        ops.append(op(len(ops), "invoke", invoked, i))
        ops.append(op(len(ops), outcome, done if outcome == "ok" else invoked, i))
    result = la.check(ops, opts)
    assert result["valid?"] is True or names(result) == ["empty-transaction-graph"], result


def test_keys_a_node_made_up_are_checked_as_clojure_would():
    # Keys the generator never sends (a node's reply decides them): a list and an object
    # are keys like any other, and 1, 1.0 and true are three keys, not one.
    keys = [[1, 2], {"a": 1}, 1, 1.0, True]
    txns = []
    for i, k in enumerate(keys):
        txns += [(0, "ok", [("append", k, i + 10)]), (1, "ok", [("r", k, [i + 10])])]
    assert la.check(history(*txns), SS)["valid?"] is True
    bad = [(0, "ok", [("append", [1, 2], 1)]), (1, "ok", [("append", [1, 2], 2)]),
           (2, "ok", [("r", [1, 2], [1, 2])]), (3, "ok", [("r", [1, 2], [2, 1])]),
           (0, "ok", [("append", {"a": 1}, 5), ("r", True, [7])]),
           (1, "ok", [("append", True, 7), ("r", {"a": 1}, [5])])]
    result = la.check(history(*bad), SS)
    assert result["valid?"] is False
    assert result["anomalies"]["incompatible-order"] == [{"key": [1, 2],
                                                          "values": [[1, 2], [2, 1]]}]
    assert "G1c" in result["anomaly-types"]
