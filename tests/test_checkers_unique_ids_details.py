"""The unique-ids checker's details: Clojure's compare to the exact result, ties and
compare-equal ids (1 and 1.0) in the range and the duplicate map, vector ids, lone
surrogates, and every line of an explanation, with its limits of five ops per id."""

import pytest

from glomers import edn
from glomers.checkers import common, evidence, unique_ids

OPTS = {"nodes": ["n0", "n1"], "concurrency": 2}
LONG = list(range(30))   # prints over 70 columns: pretty-printed, it would wrap


def history(*ids, open_invocations=0):
    """Generate ops: one invoke and one ok per id (process alternating), then invocations
    left open."""
    ops = []
    for value in ids:
        for kind in ("invoke", "ok"):
            ops.append({"index": len(ops), "time": len(ops) * 1_000_000, "type": kind,
                        "process": len(ops) // 2 % 2, "f": "generate",
                        "value": value if kind == "ok" else None})
    for _ in range(open_invocations):
        ops.append({"index": len(ops), "time": 0, "type": "invoke", "process": 9,
                    "f": "generate", "value": None})
    return ops


def test_compare_returns_exactly_minus_one_zero_or_one_for_vectors():
    compare = unique_ids.clj_compare
    assert compare([5], [1, 2]) == -1
    assert compare([1, 2], [5]) == 1
    assert compare([1, 2], [1, 2.0]) == 0
    assert compare([1, 3], [1, 2]) == 1


def test_compare_orders_lone_surrogates_as_java_does():
    # A JSON "\ud800" decodes to a lone surrogate; Java compares its UTF-16 code unit.
    assert unique_ids.clj_compare("\ud800", "a") == 1
    assert unique_ids.clj_compare("\ud800", "\uffff") == -1


def test_compare_names_both_kinds_and_values_on_one_line():
    with pytest.raises(TypeError) as raised:
        unique_ids.clj_compare(LONG, "s")
    assert str(raised.value) == \
        f'cannot compare vector {edn.dumps(LONG, width=None)} with string "s"'
    with pytest.raises(TypeError) as raised:
        unique_ids.clj_compare("s", LONG)
    assert str(raised.value) == \
        f'cannot compare string "s" with vector {edn.dumps(LONG, width=None)}'
    with pytest.raises(TypeError) as raised:
        unique_ids.clj_compare({"a": 1}, {"a": 1})
    assert str(raised.value) == 'cannot compare dict {:a 1} with dict {:a 1}'


def test_mixed_kinds_are_explained_with_the_cause():
    ops = history(1, "n0-1")
    result = common.guard(unique_ids.check, ops, OPTS)
    assert unique_ids.explain(result, ops, OPTS) == [
        'the unique-ids checker could not order the ids: cannot compare string "n0-1" with '
        "number 1; Maelstrom needs ids of one kind (all numbers, all strings, or all "
        "vectors) and reports :unknown otherwise"]


def test_ids_that_are_objects_fail_on_their_order_even_when_duplicated():
    # The same object id twice: Maelstrom cannot order objects, and says so; the
    # duplicates could not have keyed the result's map either.
    ops = history({"a": 1}, {"a": 1})
    result = common.guard(unique_ids.check, ops, OPTS)
    assert result["valid?"] == common.UNKNOWN
    assert "cannot compare dict {:a 1} with dict {:a 1}" in unique_ids.explain(result, ops,
                                                                                OPTS)[0]


def test_attempts_count_invocations_not_completions():
    result = unique_ids.check(history(1, 2, open_invocations=2), OPTS)
    assert (result["attempted-count"], result["acknowledged-count"]) == (4, 2)


def test_the_range_skips_a_leading_nil_and_a_later_equal_id_wins_both_ends():
    assert unique_ids.check(history(None, 2, 1), OPTS)["range"] == [1, 2]
    result = unique_ids.check(history(1, 3, 1.0, 3.0), OPTS)
    assert edn.dumps(result["range"], width=None) == "[1.0 3.0]"


def test_duplicates_are_sorted_by_compare_not_by_python_order():
    # Clojure orders vectors by length first: [9 9] before [1 2 3].
    result = unique_ids.check(history([1, 2, 3], [9, 9], [1, 2, 3], [9, 9], [9, 9]), OPTS)
    assert list(result["duplicated"].items()) == [((9, 9), 3), ((1, 2, 3), 2)]
    result = unique_ids.check(history(10, 10, 5, 5, 5, 7, 7, 7, 7), OPTS)
    assert list(result["duplicated"].items()) == [(5, 3), (7, 4), (10, 2)]


def test_compare_equal_duplicates_merge_keeping_the_first_id_and_the_last_count():
    # 1.0 and 1 are two ids (Clojure =) but one key of a sorted map (compare).
    result = unique_ids.check(history(1.0, 1.0, 1.0, 1, 1), OPTS)
    assert edn.dumps(result["duplicated"], width=None) == "{1.0 2}"
    assert result["duplicated-count"] == 1


def test_an_invalid_result_is_explained_line_by_line():
    ops = history(LONG, LONG)
    result = unique_ids.check(ops, OPTS)
    lines = unique_ids.explain(result, ops, OPTS)
    shown = edn.dumps(LONG, width=None)
    assert lines == ["1 id(s) were handed out more than once",
                     evidence.hint("duplicate-id")[0],
                     f"id {shown} was returned 2 times:",
                     "  op 1 at 0.001 s (process 0 on n0)",
                     "  op 3 at 0.003 s (process 1 on n1)"]
    assert (lines[2].kind, lines[2].label) == ("duplicate-id", shown)


@pytest.mark.parametrize("times, more", [(5, []), (6, ["  ... and 1 more"]),
                                         (8, ["  ... and 3 more"])])
def test_an_id_lists_five_of_its_ops_and_counts_the_rest(times, more):
    ops = history(*[7] * times)
    lines = unique_ids.explain(unique_ids.check(ops, OPTS), ops, OPTS)
    assert lines[2] == f"id 7 was returned {times} times:"
    assert lines[3:] == [f"  op {2 * i + 1} at {(2 * i + 1) / 1000:.3f} s (process {i % 2} "
                         f"on n{i % 2})" for i in range(5)] + more


def test_an_id_found_in_no_op_is_listed_without_ops():
    result = {"valid?": False, "attempted-count": 2, "acknowledged-count": 2,
              "duplicated-count": 1, "duplicated": edn.StringMap({"x": 2})}
    assert unique_ids.explain(result, [], OPTS)[2:] == ['id "x" was returned 2 times:']


def test_missing_counts_in_a_result_read_as_zero():
    assert unique_ids.explain({"valid?": True}, [], OPTS) == []
    assert unique_ids.explain({"valid?": True, "attempted-count": 3}, [], OPTS) == [
        "none of the 3 generate requests got an ok reply"]
    assert unique_ids.explain({"valid?": False}, [], OPTS)[0] == \
        "0 id(s) were handed out more than once"
    assert unique_ids.explain({"valid?": False, "duplicated-count": 0}, [], OPTS) == [
        "0 id(s) were handed out more than once", evidence.hint("duplicate-id")[0]]


def test_a_result_read_from_edn_keeps_its_vector_ids():
    result = unique_ids.check(history([1, 2], [1, 2]), OPTS)
    assert result["duplicated"] == {(1, 2): 2}
    assert unique_ids.explain(result, history([1, 2], [1, 2]), OPTS)[2] == \
        "id [1 2] was returned 2 times:"
