"""The g-counter checker on hand-written histories and on real Maelstrom runs."""

import pytest

from glomers.checkers import g_counter
from glomers.edn import Keyword

OPTS = {"nodes": ["n0", "n1", "n2"], "concurrency": 3}


class History:
    """Builds a history of adds and reads; each op is an invocation plus its completion."""

    def __init__(self):
        self.ops = []

    def _op(self, type_, process, f, value, **extra):
        op = {"index": len(self.ops), "time": len(self.ops) * 1_000_000,
              "type": Keyword(type_), "process": process, "f": Keyword(f), "value": value,
              **extra}
        self.ops.append(op)
        return op

    def add(self, process, delta, outcome="ok"):
        self._op("invoke", process, "add", delta)
        extra = {"error": "indeterminate: Client read timeout"} if outcome == "info" else {}
        return self._op(outcome, process, "add", delta, **extra)

    def read(self, process, value, final=False, outcome="ok"):
        extra = {"final?": True} if final else {}
        self._op("invoke", process, "read", None, **extra)
        return self._op(outcome, process, "read", value if outcome == "ok" else None, **extra)


def test_empty_history_accepts_zero():
    assert g_counter.check([], OPTS) == {"valid?": True, "errors": None,
                                         "final-reads": (), "acceptable": ([0, 0],)}


def test_definite_adds_sum_exactly():
    h = History()
    h.add(0, 3)
    h.add(1, 4)
    h.add(2, 0)
    for process in range(3):
        h.read(process, 7, final=True)
    result = g_counter.check(h.ops, OPTS)
    assert result == {"valid?": True, "errors": None, "final-reads": (7, 7, 7),
                      "acceptable": ([7, 7],)}


def test_indeterminate_adds_allow_every_subset_sum():
    h = History()
    h.add(0, 1)
    h.add(1, 2, outcome="info")
    h.add(2, 5, outcome="info")
    h.read(0, 6, final=True)
    result = g_counter.check(h.ops, OPTS)
    assert result["acceptable"] == ([1, 1], [3, 3], [6, 6], [8, 8])
    assert result["valid?"] is True


def test_adjacent_sums_merge_into_one_range():
    h = History()
    h.add(0, 1, outcome="info")
    h.add(1, 1, outcome="info")
    h.add(2, 2, outcome="fail")
    assert g_counter.check(h.ops, OPTS)["acceptable"] == ([0, 2],)


def test_a_wrong_final_read_is_an_error_and_explained():
    h = History()
    h.add(0, 2)
    h.add(1, 4, outcome="info")
    bad = h.read(1, 5, final=True)
    h.read(2, 6, final=True)
    h.read(0, 1)
    result = g_counter.check(h.ops, OPTS)
    assert result["valid?"] is False
    assert result["errors"] == (bad,)
    assert result["final-reads"] == (5, 6)
    lines = g_counter.explain(result, h.ops, OPTS)
    assert any(line.startswith("n1 read 5 at") and "acceptable 2..2, 6..6" in line
               and "1 short" in line for line in lines)
    assert any(line.startswith("n2 read 6") and line.endswith("ok") for line in lines)
    assert any("1 add(s) were indeterminate" in line and "+4 (n1" in line for line in lines)


def test_non_final_and_unfinished_final_reads_are_not_checked():
    h = History()
    h.add(0, 1)
    h.read(0, 99)
    h.read(1, None, final=True, outcome="info")
    result = g_counter.check(h.ops, OPTS)
    assert result == {"valid?": True, "errors": None, "final-reads": (),
                      "acceptable": ([1, 1],)}
    assert any("n1's final read did not complete" in line
               for line in g_counter.explain(result, h.ops, OPTS))


def test_a_read_above_every_acceptable_value_is_reported_over():
    h = History()
    h.add(0, 3)
    h.read(2, 10, final=True)
    result = g_counter.check(h.ops, OPTS)
    assert any("7 over" in line for line in g_counter.explain(result, h.ops, OPTS))


def _oracle_runs():
    """g-counter runs that kept both results.edn and history.edn.gz."""
    from glomers import oracle_runs
    return [run for run in oracle_runs.runs("g-counter")
            if run.results is not None and run.has_history]


@pytest.mark.parametrize("run", _oracle_runs(), ids=lambda run: run.dir.name)
def test_matches_maelstrom_on_real_runs(run):
    expected = run.results["workload"]
    result = g_counter.check(run.history(), {})
    assert result["valid?"] == expected["valid?"]
    assert result["final-reads"] == tuple(expected["final-reads"])
    assert result["acceptable"] == tuple(expected["acceptable"])
    assert result["errors"] == (None if expected["errors"] is None
                                else tuple(expected["errors"]))
