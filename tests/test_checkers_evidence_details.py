"""The shape of an explanation (glomers/checkers/evidence.py): the failure class each Elle
anomaly is counted under, the words for a class, and the lines anomaly_lines() builds: the
most basic classes first, one hint per class, the first cases in full and a count of the rest.
(Found by mutation testing, tools/mutate.py: each was a change no test noticed.)"""

import pytest

from glomers.checkers import evidence
from glomers.checkers.evidence import Case, Hint, More, anomaly_lines, txn_kind
from glomers.edn import Keyword as K

KINDS = [
    ("G0", "txn-G0"), ("G1a", "txn-G1a"), ("G1b", "txn-G1b"), ("G1c", "txn-G1c"),
    ("internal", "txn-internal"), ("lost-update", "txn-lost-update"),
    ("G-single", "txn-G2"), ("G-single-item", "txn-G2"), ("G-nonadjacent", "txn-G2"),
    ("G-nonadjacent-item", "txn-G2"), ("G2", "txn-G2"), ("G2-item", "txn-G2"),
    ("GSIa", "txn-G2"), ("GSIb", "txn-G2"), ("write-skew", "txn-G2"),
    ("dirty-update", "txn-G1a"), ("future-read", "txn-G1c"),
    ("incompatible-order", "txn-order"), ("cyclic-versions", "txn-order"),
    ("duplicate-elements", "txn-order"), ("empty-transaction-graph", "txn-empty"),
    ("PL-1-cycle-exists", "txn-other"), ("cycle-search-timeout", "txn-other"),
    ("G0-item", "txn-other"), ("xG2", "txn-other"), ("", "txn-other"),
]


@pytest.mark.parametrize("name, kind", KINDS)
def test_each_anomaly_is_counted_under_its_class(name, kind):
    assert txn_kind(name) == kind
    assert txn_kind(K(name)) == kind          # Elle's names arrive as keywords too
    assert kind in evidence.CLASSES


@pytest.mark.parametrize("name, kind", [(n, k) for n, k in KINDS if k != "txn-other"])
@pytest.mark.parametrize("suffix", ["-process", "-realtime"])
def test_the_process_and_realtime_variants_share_the_class(name, kind, suffix):
    assert txn_kind(name + suffix) == kind


def test_a_class_is_called_by_its_noun_and_an_unknown_one_cases():
    assert evidence.noun("lost") == "lost values"
    assert evidence.noun("txn-G2") == "anti-dependency cycles"
    assert evidence.noun("no-such-class") == "cases"


def test_a_case_keeps_its_class_and_label_and_refuses_an_unknown_class():
    line = evidence.case("lost", "value 3 was lost", "value 3")
    assert isinstance(line, Case) and line == "value 3 was lost"
    assert (line.kind, line.label) == ("lost", "value 3")
    assert evidence.case("lost", "x").label is None
    with pytest.raises(KeyError, match="no failure class 'nope'"):
        evidence.case("nope", "x")


def test_a_hint_is_a_one_line_list_or_nothing():
    assert evidence.hint("stale") == []
    [line] = evidence.hint("lost")
    assert isinstance(line, Hint) and line.kind == "lost"
    assert line == f"hint: {evidence.CLASSES['lost'][1]}."
    more = evidence.more("lost", 4, "... and 4 more")
    assert isinstance(more, More) and (more.kind, more.count, more) == ("lost", 4,
                                                                         "... and 4 more")


def lines_of(anomalies, listed=2):
    def case_lines(name, one):
        return [f"{name} case {one}", f"  detail of {one}"]
    return anomaly_lines(anomalies, case_lines, listed)


def test_anomaly_lines_put_the_most_basic_class_first_with_one_hint_per_class():
    anomalies = {K("G2-item"): [1], K("G0"): [2], K("G-single-realtime"): [3],
                 K("internal"): [4]}
    lines = lines_of(anomalies)
    hints = [line for line in lines if isinstance(line, Hint)]
    assert [h.kind for h in hints] == ["txn-internal", "txn-G0", "txn-G2"]
    cases = [line for line in lines if isinstance(line, Case)]
    assert [c.label for c in cases] == ["internal", "G0", "G2-item", "G-single-realtime"]
    assert [c.kind for c in cases] == ["txn-internal", "txn-G0", "txn-G2", "txn-G2"]
    assert lines == [
        evidence.hint("txn-internal")[0], "internal case 4", "  detail of 4",
        evidence.hint("txn-G0")[0], "G0 case 2", "  detail of 2",
        evidence.hint("txn-G2")[0], "G2-item case 1", "  detail of 1",
        "G-single-realtime case 3", "  detail of 3"]


def test_anomaly_lines_list_the_first_cases_and_count_the_rest():
    lines = lines_of({"G1c": [1, 2, 3, 4, 5]}, listed=2)
    cases = [line for line in lines if isinstance(line, Case)]
    assert cases == ["G1c case 1", "G1c case 2"]
    [more] = [line for line in lines if isinstance(line, More)]
    assert (more, more.kind, more.count) == ("G1c: ... and 3 more.", "txn-G1c", 3)
    assert lines[-1] is more
    exactly = lines_of({"G1c": [1, 2]}, listed=2)
    assert not any(isinstance(line, More) for line in exactly)


def test_a_single_case_not_in_a_list_is_one_case():
    lines = lines_of({"empty-transaction-graph": True})
    assert [line for line in lines if isinstance(line, Case)] == [
        "empty-transaction-graph case True"]
    assert isinstance(lines[0], Hint) and lines[0].kind == "txn-empty"
