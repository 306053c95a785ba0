"""The g-counter checker's explanation in detail: the failure class, hint and label of each
final read, the nearest acceptable value on either side (ties count as short), why an
unfinished read was not checked, and the wording without nodes or workload name."""

import pytest

from glomers.checkers import evidence, g_counter
from glomers.edn import K, dumps

OPTS = {"nodes": ["n0", "n1", "n2"], "concurrency": 3, "workload": "pn-counter"}


def ops(adds=(), reads=()):
    """A history: each add (delta, type) then each final read (process, type, value, extra)
    as an invocation and its completion."""
    history = []

    def op(kind, process, f, value, **extra):
        history.append({"index": len(history), "time": len(history) * 1_000_000,
                        "type": kind, "process": process, "f": f, "value": value, **extra})

    for delta, kind in adds:
        op("invoke", 0, "add", delta)
        op(kind, 0, "add", delta)
    for process, kind, value, extra in reads:
        op("invoke", process, "read", None, **{"final?": True})
        op(kind, process, "read", value, **{"final?": True}, **extra)
    return history


def read_lines(lines):
    """The explanation's lines about final reads (between its first and last line)."""
    return lines[1:-1]


def test_each_final_read_gets_its_class_one_hint_per_class_and_its_node_as_label():
    # acceptable: 10..10 and 14..14 (one add of 4 may have happened)
    history = ops(adds=[(10, "ok"), (4, "info")],
                  reads=[(0, "ok", 10, {}), (1, "ok", 8, {}), (2, "ok", 9, {}),
                         (0, "ok", 20, {}), (1, "fail", None, {"error": K("timeout")})])
    result = g_counter.check(history, OPTS)
    lines = read_lines(g_counter.explain(result, history, OPTS))
    assert [(type(line).__name__, getattr(line, "kind", None)) for line in lines] == [
        ("str", None),
        ("Hint", "counter-short"), ("Case", "counter-short"), ("Case", "counter-short"),
        ("Hint", "counter-over"), ("Case", "counter-over"),
        ("Hint", "counter-incomplete"), ("Case", "counter-incomplete")]
    assert [line.label for line in lines if isinstance(line, evidence.Case)] == [
        "n1", "n2", "n0", "n1"]
    assert lines[0] == "n0 read 10 at 0.005 s (op 5); acceptable 10..10, 14..14; ok"
    assert lines[2].endswith("; 2 short") and lines[5].endswith("; 6 over")


def test_a_read_below_every_acceptable_value_is_short_and_a_tie_counts_as_short():
    history = ops(adds=[(5, "ok")], reads=[(0, "ok", 1, {})])
    lines = read_lines(g_counter.explain(g_counter.check(history, OPTS), history, OPTS))
    assert lines[-1] == "n0 read 1 at 0.003 s (op 3); acceptable 5..5; 4 short"
    # acceptable 0..0 and 4..4; a read of 2 is 2 from both
    history = ops(adds=[(4, "info")], reads=[(0, "ok", 2, {})])
    lines = read_lines(g_counter.explain(g_counter.check(history, OPTS), history, OPTS))
    assert lines[-1].endswith("; 2 short") and lines[-1].kind == "counter-short"


@pytest.mark.parametrize("extra, reason", [
    ({"error": K("net-timeout"), "exception": "boom"}, "info: net-timeout"),
    ({"exception": "java.net.SocketTimeoutException"},
     "info: java.net.SocketTimeoutException"),
    ({}, "info: info")])
def test_an_unfinished_final_read_says_why(extra, reason):
    history = ops(reads=[(2, "info", None, extra)])
    lines = read_lines(g_counter.explain(g_counter.check(history, OPTS), history, OPTS))
    assert lines == [evidence.hint("counter-incomplete")[0],
                     f"n2's final read did not complete ({reason}); not checked."]


def test_without_nodes_or_workload_the_process_and_g_counter_are_named():
    history = ops(adds=[(3, "ok")], reads=[(4, "ok", 3, {})])
    lines = g_counter.explain(g_counter.check(history, {}), history, {})
    assert lines == ["g-counter: valid. acceptable final value(s): 3..3.",
                     "process 4 read 3 at 0.003 s (op 3); acceptable 3..3; ok",
                     "every add was acknowledged, so exactly one total is acceptable."]


def test_an_invalid_result_says_so_first():
    history = ops(adds=[(3, "ok")], reads=[(0, "ok", 2, {})])
    assert g_counter.explain(g_counter.check(history, OPTS), history, OPTS)[0] == \
        "pn-counter: INVALID. acceptable final value(s): 3..3."


def test_a_history_starting_with_a_completion_is_still_explained():
    # A history cut at the front: the first completion has no invocation before it.
    history = ops(adds=[(3, "ok")])[1:]
    assert g_counter.explain(g_counter.check(history, OPTS), history, OPTS)[1:] == [
        "every add was acknowledged, so exactly one total is acceptable."]


def test_a_final_read_that_is_not_an_integer_is_named():
    history = ops(reads=[(0, "ok", "7", {})])
    with pytest.raises(ValueError) as raised:
        g_counter.check(history, OPTS)
    # The op as history.edn spells it, keywords and all.
    assert str(raised.value) == "final read is not an integer: " + dumps(history[-1], width=None)
    assert ":ok" in str(raised.value) and "K(" not in str(raised.value)
