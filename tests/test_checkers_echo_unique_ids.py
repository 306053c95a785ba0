"""echo and unique-ids checkers on tiny hand-written histories and on real Maelstrom runs."""

import pytest

from glomers import edn, oracle_runs
from glomers.checkers import common, echo, evidence, unique_ids
from glomers.edn import K

UNKNOWN = K("unknown")
OPTS = {"nodes": ["n0", "n1", "n2"], "concurrency": 6}


def facts(lines):
    """An explanation without its hint lines (tested apart)."""
    return [line for line in lines if not isinstance(line, evidence.Hint)]


class History:
    """A tiny history builder: ops get consecutive indices and times 10 ms apart."""

    def __init__(self):
        self.ops = []

    def add(self, process, kind, f, value=None, **extra):
        op = {"index": len(self.ops), "time": len(self.ops) * 10_000_000, "type": kind,
              "process": process, "f": f, "value": value}
        op.update(extra)
        self.ops.append(op)
        return op

    def echo(self, process, sent, outcome="ok", echoed=None, **extra):
        self.add(process, "invoke", "echo", sent)
        if outcome == "ok":
            body = {"echo": sent if echoed is None else echoed, "type": "echo_ok",
                    "msg_id": 1, "in_reply_to": 1}
            return self.add(process, "ok", "echo", body)
        return self.add(process, outcome, "echo", sent, **extra)

    def generate(self, process, outcome="ok", value=None, **extra):
        self.add(process, "invoke", "generate")
        return self.add(process, outcome, "generate", value, **extra)


# --- echo ---------------------------------------------------------------------------------

def test_echo_empty_history_is_valid():
    assert echo.check([], {}) == {"valid?": True, "errors": ()}
    assert edn.dumps(echo.check([], {}), width=None) == "{:valid? true, :errors ()}"


def test_echo_correct_replies_are_valid():
    h = History()
    h.echo(0, "Please echo 1")
    h.echo(1, "Please echo 2")
    assert echo.check(h.ops, OPTS) == {"valid?": True, "errors": ()}


def test_echo_wrong_reply_is_an_error_vector_like_maelstrom():
    h = History()
    h.echo(0, "Please echo 1")
    wrong = h.echo(3, "Please echo 8", echoed="Please echo 7")
    result = echo.check(h.ops, OPTS)
    assert result["valid?"] is False
    assert result["errors"] == (
        ["Expected a message with :echo", "Please echo 8", "But received", wrong["value"]],)
    lines = echo.explain(result, h.ops, OPTS)
    assert lines[0].startswith('hint: answer each echo with {"type": "echo_ok", "echo": ')
    assert facts(lines) == [f'echo reply from n0 at 0.030 s to process 3 carried "Please echo 7", '
                     f'expected "Please echo 8" (op 3 at 0.030 s (process 3 on n0))']


def test_echo_definite_error_counts_but_indefinite_does_not():
    h = History()
    h.echo(0, "Please echo 1", "info", error=K("net-timeout"))
    h.echo(1, "Please echo 2")
    assert echo.check(h.ops, OPTS)["valid?"] is True

    h.echo(2, "Please echo 3", "fail", error=[K("not-supported"), "no"])
    result = echo.check(h.ops, OPTS)
    assert result["errors"] == (
        ["Expected a message with :echo", "Please echo 3", "But received", "Please echo 3"],)
    (line,) = facts(echo.explain(result, h.ops, OPTS))
    assert line.startswith("n2 answered process 2 at 0.050 s with an error "
                           '[:not-supported "no"] instead of echoing "Please echo 3"')


def test_echo_unanswered_invocations_and_nemesis_ops_are_ignored():
    h = History()
    h.add(0, "invoke", "echo", "Please echo 1")
    h.add("nemesis", "info", "start-partition", K("majority"))
    assert echo.check(h.ops, OPTS) == {"valid?": True, "errors": ()}


def test_echo_compares_with_clojure_equality():
    h = History()
    h.add(0, "invoke", "echo", 1)
    h.add(0, "ok", "echo", {"echo": 1.0, "type": "echo_ok", "in_reply_to": 1})
    h.add(1, "invoke", "echo", "x")
    h.add(1, "ok", "echo", {"type": "echo_ok", "in_reply_to": 1})
    result = echo.check(h.ops, OPTS)
    assert len(result["errors"]) == 2
    assert any("had no echo field" in line for line in echo.explain(result, h.ops, OPTS))


def test_echo_completion_without_invocation_makes_the_checker_unknown():
    h = History()
    h.add(0, "ok", "echo", {"echo": "x"})
    result = common.guard(echo.check, h.ops, OPTS)
    assert result["valid?"] == UNKNOWN
    assert "could not run" in echo.explain(result, h.ops, OPTS)[0]


# --- unique-ids ---------------------------------------------------------------------------

def test_unique_ids_empty_history():
    assert unique_ids.check([], {}) == {
        "valid?": True, "attempted-count": 0, "acknowledged-count": 0,
        "duplicated-count": 0, "duplicated": {}, "range": [None, None]}


def test_unique_ids_distinct_ids_are_valid_and_range_uses_string_order():
    h = History()
    for process, value in enumerate(["n0-9", "n0-10", "n1-1"]):
        h.generate(process, value=value)
    h.generate(3, "info", error=K("net-timeout"))
    result = unique_ids.check(h.ops, OPTS)
    assert result["valid?"] is True
    assert (result["attempted-count"], result["acknowledged-count"]) == (4, 3)
    assert result["range"] == ["n0-10", "n1-1"]


def test_unique_ids_duplicates_are_counted_with_clojure_equality():
    h = History()
    for process, value in enumerate([1, 1.0, 2, 2, 2, 3, 3]):
        h.generate(process, value=value)
    result = unique_ids.check(h.ops, OPTS)
    assert result["valid?"] is False
    assert result["duplicated-count"] == 2
    assert result["duplicated"] == {2: 3, 3: 2}
    assert result["range"] == [1.0, 3]  # 1 and 1.0 compare equal; the later one wins
    assert edn.dumps(result["duplicated"], width=None) == "{2 3, 3 2}"


def test_unique_ids_duplicate_strings_print_as_strings():
    h = History()
    h.generate(0, value="")
    h.generate(1, value="")
    result = unique_ids.check(h.ops, OPTS)
    assert edn.dumps(result, width=None) == (
        '{:valid? false, :attempted-count 2, :acknowledged-count 2, :duplicated-count 1, '
        ':duplicated {"" 2}, :range ["" ""]}')
    lines = facts(unique_ids.explain(result, h.ops, OPTS))
    assert lines[1] == 'id "" was returned 2 times:'
    assert lines[2] == "  op 1 at 0.010 s (process 0 on n0)"
    assert lines[3] == "  op 3 at 0.030 s (process 1 on n1)"


def test_unique_ids_shows_the_48_most_repeated_ids_sorted_by_id():
    h = History()
    for value in range(60):
        for _ in range(3 if value in (5, 50) else 2):
            h.generate(0, value=value)
    result = unique_ids.check(h.ops, OPTS)
    assert result["duplicated-count"] == 60
    shown = list(result["duplicated"])
    assert len(shown) == 48
    assert shown == sorted(shown)
    # Both triples are kept; ties among the doubles keep the greatest ids.
    assert shown == [5] + list(range(13, 60))
    assert unique_ids.explain(result, h.ops, OPTS)[-1].startswith("(Maelstrom lists only")


def test_unique_ids_vectors_compare_by_length_first_and_nil_is_skipped():
    h = History()
    for value in ([9, 9], [1, 2, 3], [1, 5], None):
        h.generate(0, value=value)
    assert unique_ids.check(h.ops, OPTS)["range"] == [[1, 5], [1, 2, 3]]


def test_unique_ids_mixed_id_kinds_make_the_checker_unknown():
    h = History()
    h.generate(0, value=1)
    h.generate(1, value="n0-1")
    with pytest.raises(TypeError):
        unique_ids.check(h.ops, OPTS)
    result = common.guard(unique_ids.check, h.ops, OPTS)
    assert result["valid?"] == UNKNOWN
    assert "one kind" in unique_ids.explain(result, h.ops, OPTS)[0]


def test_unique_ids_a_single_object_id_is_never_compared():
    h = History()
    h.generate(0, value={"id": 1})
    assert unique_ids.check(h.ops, OPTS)["range"] == [{"id": 1}, {"id": 1}]


def test_unique_ids_with_no_ok_reply_says_so():
    h = History()
    h.generate(0, "info", error=K("net-timeout"))
    result = unique_ids.check(h.ops, OPTS)
    assert result["valid?"] is True
    assert unique_ids.explain(result, h.ops, OPTS) == [
        "none of the 1 generate requests got an ok reply"]


def test_clj_compare_orders_like_clojure():
    compare = unique_ids.clj_compare
    assert compare(None, 1) == -1 and compare(1, None) == 1 and compare(None, None) == 0
    assert compare(1, 1.0) == 0 and compare(2, 1.5) == 1
    assert compare("b", "ab") == 1
    assert compare(False, True) == -1
    assert compare("\uffff", "\U00010000") == 1  # UTF-16 code units, as Java
    for a, b in ((1, "1"), (True, 1), ({"a": 1}, {"a": 1}), ([1], ["a"])):
        with pytest.raises(TypeError):
            compare(a, b)


# --- against real Maelstrom runs ----------------------------------------------------------

def _runs(workload):
    return [run for run in oracle_runs.runs(workload)
            if run.results is not None and run.has_history and "workload" in run.results]


ECHO_RUNS = _runs("echo")
UNIQUE_RUNS = _runs("unique-ids")


@pytest.mark.skipif(not ECHO_RUNS, reason="no echo runs in oracle/")
@pytest.mark.parametrize("run", ECHO_RUNS, ids=lambda run: run.dir.name)
def test_echo_matches_maelstrom_on_real_runs(run):
    expected = run.results["workload"]
    result = common.guard(echo.check, run.history(), {})
    assert result["valid?"] == expected["valid?"]
    # Maelstrom lists errors in hash order; compare them as a multiset of printed errors.
    assert sorted(edn.dumps(e, width=None) for e in result["errors"]) == \
        sorted(edn.dumps(e, width=None) for e in expected["errors"])


@pytest.mark.skipif(not UNIQUE_RUNS, reason="no unique-ids runs in oracle/")
@pytest.mark.parametrize("run", UNIQUE_RUNS, ids=lambda run: run.dir.name)
def test_unique_ids_matches_maelstrom_on_real_runs(run):
    expected = run.results["workload"]
    result = common.guard(unique_ids.check, run.history(), {})
    for key in ("valid?", "attempted-count", "acknowledged-count", "duplicated-count",
                "duplicated", "range"):
        assert result[key] == expected[key], key
    assert edn.dumps(result) == edn.dumps(expected)
