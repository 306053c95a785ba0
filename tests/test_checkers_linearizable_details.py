"""Details of the linearizability search (glomers/checkers/linearizable.py) a user sees: the
errors that name a broken history's ops, how many ops were dropped as carrying no
information, the nemesis left out, and the steps a search takes (the budget is counted in
them, so the pruning of interchangeable indeterminate ops shows as steps saved)."""

import pytest

from glomers.checkers import linearizable
from glomers.edn import Keyword as K


def ops(*rows):
    """Ops from (type, process, f, value) rows."""
    return [{"index": i, "time": i, "type": K(t), "process": p, "f": K(f), "value": v}
            for i, (t, p, f, v) in enumerate(rows)]


def test_a_process_invoking_twice_is_an_error_naming_both_ops():
    history = ops(("invoke", 0, "write", 1), ("invoke", 0, "write", 2))
    with pytest.raises(ValueError, match=r"^process 0 invoked op 1 while op 0 was still open$"):
        linearizable.check(history)


def test_an_unknown_f_is_an_error_naming_the_op_and_the_f_as_history_edn_spells_it():
    history = ops(("invoke", 0, "write", 1), ("ok", 0, "write", 1),
                  ("invoke", 0, "append", 1), ("ok", 0, "append", 1))
    expected = r"^op 2: a cas-register has no :append \(only :read, :write and :cas\)$"
    with pytest.raises(ValueError, match=expected):
        linearizable.check(history)
    # An f held as a plain string is still a keyword in history.edn; an indeterminate op
    # with an unknown f is refused too (it could take effect).
    plain = [{**op, "f": str(op["f"])} for op in history]
    with pytest.raises(ValueError, match=expected):
        linearizable.check(plain)
    with pytest.raises(ValueError, match=r"^op 0: a cas-register has no :incr "):
        linearizable.check(ops(("invoke", 0, "incr", 1), ("info", 0, "incr", 1)))
    without_f = [{k: v for k, v in op.items() if k != "f"}
                 for op in ops(("invoke", 0, "write", 1), ("ok", 0, "write", 1))]
    with pytest.raises(ValueError, match=r"^op 0: a cas-register has no nil "):
        linearizable.check(without_f)


def test_a_cas_without_from_and_to_is_an_error_naming_the_op():
    history = ops(("invoke", 0, "cas", [1]), ("ok", 0, "cas", [1]))
    with pytest.raises(ValueError, match=r"^op 0: cas value \[1\] is not \[from to\]$"):
        linearizable.check(history)
    with pytest.raises(ValueError, match=r"^op 0: cas value 3 is not \[from to\]$"):
        linearizable.check(ops(("invoke", 0, "cas", 3), ("info", 0, "cas", 3)))
    # Values print as history.edn spells them, not as Python does.
    with pytest.raises(ValueError, match=r'^op 0: cas value \[:a "b" nil\] is not '):
        linearizable.check(ops(("invoke", 0, "cas", [K("a"), "b", None]),
                               ("ok", 0, "cas", [K("a"), "b", None])))


def test_ops_without_information_are_counted_as_dropped():
    history = ops(("invoke", 0, "write", 1), ("fail", 0, "write", 1),
                  ("invoke", 5, "cas", [1, 2]), ("fail", 5, "cas", [1, 2]),
                  ("invoke", 1, "read", None), ("ok", 1, "read", None),
                  ("invoke", 2, "read", None), ("info", 2, "read", None),
                  ("invoke", 3, "read", None),
                  ("invoke", 4, "write", 2), ("ok", 4, "write", 2))
    outcome = linearizable.check(history)
    assert outcome.valid is True and outcome.dropped == 5
    assert linearizable.check(ops(("invoke", 0, "write", 1), ("ok", 0, "write", 1))).dropped == 0


def test_the_nemesis_and_processes_that_are_not_integers_are_left_out():
    history = ops(("invoke", 0, "write", 1), ("info", "nemesis", "start", None),
                  ("ok", 0, "write", 1), ("invoke", True, "write", 5), ("ok", True, "write", 5),
                  ("invoke", 1, "read", None), ("ok", 1, "read", 1))
    outcome = linearizable.check(history)
    assert outcome.valid is True and outcome.state == 1


def test_interchangeable_indeterminate_writes_cost_few_steps():
    # Six writes of 1 that timed out, then reads of 1 and 2: the writes of 1 take effect in
    # invocation order (7 choices, not 64), and the dead ends are remembered.
    rows = []
    for process in range(6):
        rows += [("invoke", process, "write", 1), ("info", process, "write", 1)]
    rows += [("invoke", 10, "write", 2), ("info", 10, "write", 2),
             ("invoke", 11, "read", None), ("ok", 11, "read", 1),
             ("invoke", 12, "read", None), ("ok", 12, "read", 2),
             ("invoke", 13, "read", None), ("ok", 13, "read", 1)]
    outcome = linearizable.check(ops(*rows))
    assert outcome.valid is True
    assert outcome.steps == 25
