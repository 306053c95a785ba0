"""The console keeps a failing run to one screen: per failure class the first cases in full,
then a count with their names and the command that shows them all; one hint per class."""

import pytest

from glomers import report
from glomers.checkers import evidence
from glomers.run import Problem


def lost(value):
    return [evidence.case("lost", f"value {value} was LOST: ...", value),
            f"  last read without it: op {value}.",
            f"  reached 1 node(s): n{value % 5}."]


def test_first_cases_in_full_then_a_count_naming_the_rest():
    lines = ["broadcast: INVALID.", *evidence.hint("lost")]
    for value in range(20):
        lines += lost(value)
    lines.append("3 values were never read.")
    out = report.one_screen(lines, "store/broadcast/1")
    assert out[:2] == lines[:2]
    assert out[2:11] == lines[2:11]                      # three cases, each with its details
    assert out[11] == ("… and 17 more lost values not shown (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
                       "13, 14, …): every one is in store/broadcast/1/evidence.txt")
    assert out[12:] == ["3 values were never read."]


def test_each_class_is_cut_apart_and_hinted_once():
    lines = [*evidence.hint("lost"), *lost(1), *evidence.hint("lost"), *lost(2)]
    lines += [*evidence.hint("missing-final")]
    lines += [evidence.case("missing-final", f"value {v} is missing from final reads", v)
              for v in range(5)]
    out = report.one_screen(lines, None, per_kind=2)
    assert sum(isinstance(line, evidence.Hint) for line in out) == 2
    assert [line for line in out if line.startswith("value")] == [
        "value 1 was LOST: ...", "value 2 was LOST: ...",
        "value 0 is missing from final reads", "value 1 is missing from final reads"]
    assert out[-1].startswith("… and 3 more values missing from final reads not shown (2, 3, 4)")


def test_a_checker_s_own_more_line_joins_the_count():
    lines = [evidence.case("txn-G0", "G0: a cycle", "G0") for _ in range(5)]
    lines.append(evidence.more("txn-G0", 40, "G0: ... and 40 more."))
    out = report.one_screen(lines)
    assert out[-1].startswith("… and 42 more write cycles not shown (G0, …)")
    few = report.one_screen(lines[:2] + [lines[-1]])     # nothing left out: kept as written
    assert few[-1] == "G0: ... and 40 more."


def test_a_long_case_is_cut_and_the_whole_is_bounded():
    lines = [evidence.case("txn-G0", "G0: a cycle of 30 transactions:", "G0")]
    lines += [f"  T{i} ..." for i in range(30)]
    out = report.one_screen(lines)
    assert len(out) == 1 + report.CASE_LINES + 1
    assert out[-1] == f"  … {30 - report.CASE_LINES} more line(s) of this case"
    plain = [f"line {i}" for i in range(200)]
    out = report.one_screen(plain, "d", limit=50)
    assert len(out) == 50 and out[-1] == "… and 151 more lines, all in d/evidence.txt"


def test_node_problems_first_three_of_a_kind_then_counted_with_one_hint():
    problems = [Problem(0.5 + i, f"n{i}", "stdout", "wrote a message Maelstrom refuses", "DEBUG")
                for i in range(5)]
    lines = report.describe_problems(problems, unlisted={("n0", "stdout"): 7}, run_dir="d")
    assert sum("wrote a message" in line for line in lines) == 3
    assert sum(line.strip().startswith("hint: stdout carries protocol lines only")
               for line in lines) == 1
    assert lines[-1] == ("  … and 9 more stdout problem(s) like those above, from n0 (7), "
                         "n3 (1), n4 (1): d/evidence.txt and test.json list each node's first "
                         "ten")
    whole = report.describe_problems(problems, unlisted={("n0", "stdout"): 7}, whole=True)
    assert sum("wrote a message" in line for line in whole) == 5


def test_every_failure_class_has_a_name_and_the_hint_is_one_line():
    for kind, (noun, hint) in evidence.CLASSES.items():
        assert noun, kind
        if hint is not None:
            (line,) = evidence.hint(kind)
            assert line.startswith("hint: ") and "\n" not in line and len(line) < 300, kind


def test_elle_anomaly_names_map_to_their_family():
    assert evidence.txn_kind("G1c-realtime") == "txn-G1c"
    assert evidence.txn_kind("G-single-item-process") == "txn-G2"
    assert evidence.txn_kind("G0") == "txn-G0"
    assert evidence.txn_kind("incompatible-order") == "txn-order"
    assert evidence.txn_kind("something-new") == "txn-other"


@pytest.mark.parametrize("cause", [
    'cannot compare vector [1 2] with string "a"',               # unique-ids
    "Clojure cannot compare 1 {:a 1}",                           # kafka
    "no writer of value 7 in key '9': some poll returned a message no op ever tried to send",
    "No transaction wrote 9 [1 2]",                              # txn-list-append
    "History includes a mix of different types for transaction keys: ['Long', 'Map']"])
def test_a_check_stopped_on_what_a_node_returned_says_what_to_try(cause):
    (line,) = report.stopped_hint({"cause": cause})
    assert line.startswith("hint: Maelstrom's checker stops here too")


@pytest.mark.parametrize("cause", ["unhashable type: 'dict'", "list index out of range", ""])
def test_a_check_stopped_by_anything_else_gets_no_advice_for_the_node(cause):
    assert report.stopped_hint({"cause": cause}) == []
    assert report.stopped_hint(cause) == []
