"""The echo checker's details: its exact error messages, each explanation line in full
(one line however long the values), and which op each error is attributed to when the
errors come in another order than the history (Maelstrom lists them in hash order)."""

import pytest

from glomers import edn
from glomers.checkers import common, echo, evidence
from glomers.edn import K

OPTS = {"nodes": ["n0", "n1", "n2"], "concurrency": 3}
LONG = list(range(30))   # prints over 70 columns: pretty-printed, it would wrap


def _flat(value):
    """One-line EDN, as the explanation prints values."""
    return edn.dumps(value, width=None)


def op(index, process, kind, value, **extra):
    """One echo op, 10 ms after the previous index."""
    return {"index": index, "time": index * 10_000_000, "type": kind, "process": process,
            "f": "echo", "value": value, **extra}


def reply(echoed, **extra):
    """An echo_ok body."""
    return {"type": "echo_ok", "echo": echoed, "in_reply_to": 1, **extra}


def cases(lines):
    """The explanation's case lines (its hint left out)."""
    return [line for line in lines if not isinstance(line, evidence.Hint)]


def test_an_invocation_while_one_is_open_names_both_ops():
    history = [op(0, 4, "invoke", "a"), op(1, 4, "invoke", "b")]
    with pytest.raises(ValueError) as raised:
        echo.pairs(history)
    assert str(raised.value) == "process 4 invoked op 1 while op 0 was open"


def test_a_completion_of_nothing_is_named_in_the_explanation():
    history = [op(0, 2, "invoke", "a"), op(1, 2, "ok", reply("a")), op(2, 2, "ok", reply("a"))]
    result = common.guard(echo.check, history, OPTS)
    assert result["valid?"] == K("unknown")
    assert echo.explain(result, history, OPTS) == [
        "the echo checker could not run: op 2 completes nothing: process 2 had no open "
        "invocation"]


def test_a_valid_result_explains_to_nothing_even_without_an_errors_field():
    history = [op(0, 0, "invoke", "a"), op(1, 0, "ok", reply("a"))]
    assert echo.explain(echo.check(history, OPTS), history, OPTS) == []
    assert echo.explain({"valid?": True}, history, OPTS) == []


def test_a_wrong_echo_is_one_line_with_its_op_and_label():
    history = [op(0, 1, "invoke", LONG), op(1, 1, "ok", reply(LONG[:-1]))]
    result = echo.check(history, OPTS)
    hint, line = echo.explain(result, history, OPTS)
    assert isinstance(hint, evidence.Hint)
    assert line == (f"echo reply from n1 at 0.010 s to process 1 carried {_flat(LONG[:-1])}, "
                    f"expected {_flat(LONG)} (op 1 at 0.010 s (process 1 on n1))")
    assert (line.kind, line.label) == ("echo", "op 1")


def test_a_definite_error_is_one_line_with_its_op_and_label():
    error = [K("crash"), "x" * 80]
    history = [op(0, 5, "invoke", LONG), op(1, 5, "fail", LONG, error=error)]
    result = echo.check(history, OPTS)
    (line,) = cases(echo.explain(result, history, OPTS))
    assert line == (f'n2 answered process 5 at 0.010 s with an error [:crash "{"x" * 80}"] '
                    f"instead of echoing {_flat(LONG)} (op 1 at 0.010 s (process 5 on n2)); "
                    "a definite error counts as a wrong echo")
    assert line.label == "op 1"


def test_a_reply_without_echo_is_one_line_with_its_op_and_label():
    body = {"type": "echo_ok", "in_reply_to": 1, "note": LONG}
    history = [op(0, 0, "invoke", LONG), op(1, 0, "ok", body)]
    (line,) = cases(echo.explain(echo.check(history, OPTS), history, OPTS))
    assert line == (f"reply from n0 at 0.010 s to process 0 had no echo field: {_flat(body)}, "
                    f"expected {_flat(LONG)} (op 1 at 0.010 s (process 0 on n0))")
    assert line.label == "op 1"


def test_an_error_found_in_no_op_of_the_history_is_still_explained():
    # A results file read beside another run's history: the error names no op.
    result = {"valid?": False,
              "errors": ([echo.EXPECTED, "sent", echo.RECEIVED, {"type": "echo_ok"}],)}
    (line,) = cases(echo.explain(result, [], OPTS))
    assert line == ('reply from the node to a client had no echo field: {:type "echo_ok"}, '
                    'expected "sent"')
    assert line.label is None


def test_a_wrong_echo_found_in_no_op_of_the_history_names_no_op():
    # The same, with a reply that does carry an echo: no "(op None ...)" for a missing op.
    result = {"valid?": False,
              "errors": ([echo.EXPECTED, "sent", echo.RECEIVED,
                          {"type": "echo_ok", "echo": "other"}],)}
    (line,) = cases(echo.explain(result, [], OPTS))
    assert line == 'echo reply from the node to a client carried "other", expected "sent"'
    assert line.label is None


@pytest.mark.parametrize("extra", [{}, {"raw": object()}], ids=["json", "not-json"])
def test_errors_in_hash_order_are_each_attributed_to_their_own_op(extra):
    # Two errors with the same reply but different requests, and two with the same
    # request but different replies; the result lists them backwards.
    same = reply("z", **extra)
    history = [op(0, 0, "invoke", "a"), op(1, 0, "ok", same),
               op(2, 1, "invoke", "b"), op(3, 1, "ok", same),
               op(4, 2, "invoke", "c"), op(5, 2, "ok", reply("x", **extra)),
               op(6, 3, "invoke", "c"), op(7, 3, "ok", reply("y", **extra))]
    result = echo.check(history, OPTS)
    result["errors"] = result["errors"][::-1]
    attributed = {(line.split(" carried ")[1].split(",")[0], line.split("expected ")[1][:3]):
                  line.label for line in cases(echo.explain(result, history, OPTS))}
    assert attributed == {('"z"', '"a"'): "op 1", ('"z"', '"b"'): "op 3",
                          ('"x"', '"c"'): "op 5", ('"y"', '"c"'): "op 7"}
