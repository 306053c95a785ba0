"""Details of the lin-kv checker (glomers/checkers/lin_kv.py) a user sees: how a history is
split by key and in which order keys are reported, where the search's budget comes from,
the result maps in Knossos's shapes (ops rendered as Knossos prints them, the register's
refusals), and the plain-English explanation sentence by sentence."""

import pytest

from glomers.checkers import lin_kv, linearizable
from glomers.checkers.evidence import Case, Hint
from glomers.edn import Keyword as K
from glomers.edn import dumps

OPTS = {"nodes": ["n1", "n2", "n3"], "concurrency": 6}


def history(*rows, key=0):
    """Ops from (type, process, f, value) rows, 0.1 s apart; values wrapped as [key v]
    (a row of five gives its own key)."""
    ops = []
    for row in rows:
        type_, process, f, value = row[:4]
        k = row[4] if len(row) > 4 else key
        ops.append({"index": len(ops), "time": len(ops) * 100_000_000, "type": K(type_),
                    "process": process, "f": K(f), "value": [k, value]})
    return ops


def call(process, f, value=None, outcome="ok", result=None, key=None):
    """An invocation and its completion back to back (on `history`'s key unless given)."""
    done = result if f == "read" and outcome == "ok" else value
    rows = [("invoke", process, f, value), (outcome, process, f, done)]
    return rows if key is None else [row + (key,) for row in rows]


def seq(*calls):
    return [row for c in calls for row in c]


def lin_of(h, key=0, **kw):
    return lin_kv.check(h, OPTS, **kw)["results"][key]["linearizable"]


# -- splitting by key ----------------------------------------------------------------------

def test_keys_come_integers_first_in_numeric_order_then_the_rest_by_text():
    h = history(*seq(*(call(0, "write", 1, key=k) for k in (10, "b", 2, "a", 2, 1.5, 0))))
    assert lin_kv.history_keys(h) == [0, 2, 10, 1.5, "a", "b"]
    assert list(lin_kv.check(h, OPTS)["results"]) == [0, 2, 10, 1.5, "a", "b"]


def test_only_client_ops_with_a_key_and_value_pair_count():
    h = history(*call(0, "write", 1, key=3))
    h += [{"index": 2, "type": K("info"), "process": K("nemesis"), "f": K("start"),
           "value": [7, 1]},
          {"index": 3, "type": K("invoke"), "process": True, "f": K("write"), "value": [8, 1]},
          {"index": 4, "type": K("invoke"), "process": 1, "f": K("write"), "value": [9]},
          {"index": 5, "type": K("invoke"), "process": 2, "f": K("write"), "value": [9, 1, 2]},
          {"index": 6, "type": K("invoke"), "process": 4, "f": K("read"), "value": None}]
    assert lin_kv.history_keys(h) == [3]
    assert lin_kv.subhistory(h, 3) == [
        {"index": 0, "time": 0, "type": "invoke", "process": 0, "f": "write", "value": 1},
        {"index": 1, "time": 100_000_000, "type": "ok", "process": 0, "f": "write",
         "value": 1}]
    assert lin_kv.subhistory(h, 7) == [] and lin_kv.subhistory(h, 8) == []


def test_a_subhistory_keeps_indices_and_fields_and_matches_keys_by_clojure_equality():
    h = history(("invoke", 0, "write", 1, 1), ("invoke", 1, "write", 2, 1.0),
                ("invoke", 2, "write", 3, "1"), ("ok", 0, "write", 1, 1))
    h[3]["extra"] = "kept"
    assert lin_kv.subhistory(h, 1) == [
        {"index": 0, "time": 0, "type": "invoke", "process": 0, "f": "write", "value": 1},
        {"index": 3, "time": 300_000_000, "type": "ok", "process": 0, "f": "write",
         "value": 1, "extra": "kept"}]
    assert [op["index"] for op in lin_kv.subhistory(h, 1.0)] == [1]
    assert [op["index"] for op in lin_kv.subhistory(h, "1")] == [2]
    assert h[0]["value"] == [1, 1]                   # the history itself is left alone
    assert lin_kv.history_keys(h) == [1, 1.0, "1"]


# -- verdicts and budget -------------------------------------------------------------------

def _wide_rows(key=0):
    """Six concurrent writes of 0-5 and a read of 9 that nothing wrote: invalid, but only
    after trying the orders of the writes (685 steps)."""
    rows = [("invoke", 10 + i, "write", i, key) for i in range(6)]
    rows += [("ok", 10 + i, "write", i, key) for i in range(6)]
    return rows + call(0, "read", result=9, key=key)


def _wide(key=0):
    return history(*_wide_rows(key))


def test_the_budget_given_beats_the_options_which_beat_the_default(monkeypatch):
    h = _wide()

    def reason(*args, **kw):
        return lin_kv.check(h, *args, **kw)["results"][0]["linearizable"]["reason"]
    assert lin_of(h)["valid?"] is False
    assert "budget of 200 steps" in reason({**OPTS, "linearizability_budget": 300}, budget=200)
    assert "budget of 300 steps" in reason({**OPTS, "linearizability_budget": 300})
    monkeypatch.setattr(linearizable, "DEFAULT_BUDGET", 100)
    assert "budget of 100 steps" in reason(OPTS)
    assert "budget of 100 steps" in reason()
    assert "budget of 100 steps" in reason({**OPTS, "linearizability_budget": None})


def test_an_undecided_key_reports_timeout_the_steps_and_why():
    lin = lin_of(_wide(), budget=300)
    assert lin == {"valid?": "unknown", "cause": "timeout", "steps": 301,
                   "final-paths": (), "configs": (), "reason": lin["reason"]}
    assert isinstance(lin["cause"], K)
    assert lin["reason"] == (
        "the search used its whole budget of 300 steps without an answer (7 acknowledged "
        "ops and 0 indeterminate ones on this key; each indeterminate write or cas may have "
        "taken effect at any later point, which multiplies the orders to try)")


def test_the_verdict_is_false_over_unknown_over_true_and_only_false_keys_fail():
    good = seq(call(0, "write", 1, key=0), call(1, "read", result=1, key=0))
    bad = seq(call(0, "write", 1, key=1), call(1, "read", result=2, key=1))
    slow = _wide_rows(2)
    assert lin_kv.check(history(*good, *slow), OPTS, budget=300)["valid?"] == "unknown"
    result = lin_kv.check(history(*good, *bad, *slow), OPTS, budget=300)
    assert result["valid?"] is False and result["failures"] == [1]
    assert [r["valid?"] for r in result["results"].values()] == [True, False, "unknown"]
    for r in result["results"].values():
        assert r["timeline"] == {"valid?": True}
        assert r["valid?"] == r["linearizable"]["valid?"]
    assert lin_kv.check(history(*good), OPTS)["valid?"] is True


def test_a_crash_in_the_search_is_an_unknown_key_with_the_error_as_clojure_shows_it():
    h = history(*call(0, "increment", 1, key=4))
    result = lin_kv.check(h, OPTS)
    r = result["results"][4]
    assert r["valid?"] == "unknown" and r["timeline"] == {"valid?": True}
    assert set(r["linearizable"]) == {"valid?", "error"}
    error = r["linearizable"]["error"]
    assert error["cause"] == ("op 0: a cas-register has no :increment (only :read, :write "
                              "and :cas)")
    assert error["via"][0]["type"] == "ValueError"
    assert result["failures"] == []
    text = "\n".join(lin_kv.explain(result, h, OPTS))
    assert ("key 4: the search crashed: op 0: a cas-register has no :increment (only :read, "
            ":write and :cas)") in text


# -- the result maps -----------------------------------------------------------------------

def test_a_valid_key_reports_the_final_register_as_a_record():
    lin = lin_of(history(*seq(call(0, "write", [1, "a"]), call(1, "read", result=[1, "a"]))))
    assert lin == {"valid?": True, "model": {"value": [1, "a"]}, "final-paths": (),
                   "configs": ()}
    assert dumps(lin["model"]) == '#knossos.model.CASRegister{:value [1 "a"]}'


def test_ops_are_rendered_as_knossos_prints_them_process_first_extras_last():
    rows = [("invoke", 3, "write", 5), ("ok", 3, "write", 5),
            ("invoke", 0, "read", None), ("ok", 0, "read", 4)]
    h = history(*rows)
    h[3] = {"error": "late", "value": [0, 4], "f": K("read"), "time": 300_000_000,
            "index": 3, "type": K("ok"), "process": 0, "node": "n1"}
    lin = lin_of(h)
    assert list(lin["op"].items()) == [
        ("process", 0), ("type", "ok"), ("f", "read"), ("value", 4), ("index", 3),
        ("time", 300_000_000), ("error", "late"), ("node", "n1")]
    assert lin["op"].tag == "" and dumps(lin["op"], width=None).startswith("{:process 0, ")
    assert list(lin["previous-ok"]) == ["process", "type", "f", "value", "index", "time"]
    assert lin["previous-ok"]["value"] == 5 and lin["previous-ok"]["index"] == 1
    assert lin_kv.knossos_op(None) is None


def test_an_indeterminate_op_before_the_failing_one_is_shown_by_its_last_record():
    # The crashed write of 2 is the op linearized just before the read of 7 can fail; it
    # is shown as its :info completion, or as its invocation when it never completed.
    crashed = history(("invoke", 5, "write", 2), ("info", 5, "write", 2),
                      *call(1, "read", result=7))
    nil, two = lin_of(crashed)["final-paths"]
    assert nil[0] == {"op": None, "model": {"value": None}}
    assert two[0] == {"op": {"process": 5, "type": "info", "f": "write", "value": 2,
                             "index": 1, "time": 100_000_000},
                      "model": {"value": 2}}
    assert two[1]["model"] == {"msg": "can't read 7 from register 2"}
    assert two[1]["model"].tag == "knossos.model.Inconsistent"
    open_ = history(("invoke", 5, "write", 2), *call(1, "read", result=7))
    nil, two = lin_of(open_)["final-paths"]
    assert two[0]["op"] == {"process": 5, "type": "invoke", "f": "write", "value": 2,
                            "index": 0, "time": 0}


def test_the_registers_refusals_print_values_as_clojure_str_does():
    def msg(h):
        return [path[1]["model"]["msg"] for path in lin_of(h)["final-paths"]]
    assert msg(history(*seq(call(0, "write", 3), call(1, "cas", [2, 4])))) == [
        "can't CAS 3 from 2 to 4"]
    assert msg(history(*seq(call(1, "cas", [2, 4])))) == ["can't CAS  from 2 to 4"]
    assert msg(history(*seq(call(0, "write", "x y"), call(1, "read", result=[1, None])))) == [
        "can't read [1 nil] from register x y"]
    assert msg(history(*seq(call(0, "write", [1]), call(1, "cas", ["a", [None, "b"]])))) == [
        'can\'t CAS [1] from a to [nil "b"]']
    assert lin_kv.clj_str(None) == "" and lin_kv.clj_str(True) == "true"


def test_at_most_ten_final_paths_one_per_value_the_register_could_hold():
    # Twelve crashed writes of 0-11 (each could have taken effect or not), then a read of
    # 99: the register could hold nil or any of the twelve values.
    rows = []
    for i in range(12):
        rows += [("invoke", 20 + i, "write", i), ("info", 20 + i, "write", i)]
    lin = lin_of(history(*rows, *call(0, "read", result=99)))
    assert lin["valid?"] is False
    paths = lin["final-paths"]
    assert len(paths) == 10 == lin_kv.FINAL_PATHS
    values = [path[0]["model"]["value"] for path in paths]
    assert len(set(map(repr, values))) == 10
    assert set(values) <= {None, *range(12)}
    for path in paths:
        assert path[1]["op"]["index"] == 25 and path[1]["model"]["msg"] == (
            f"can't read 99 from register {lin_kv.clj_str(path[0]['model']['value'])}")


# -- the explanation -----------------------------------------------------------------------

def test_the_summary_line_counts_keys_by_verdict():
    good = seq(call(0, "write", 1, key=0))
    bad = seq(call(0, "write", 1, key=1), call(1, "read", result=2, key=1))
    slow = _wide_rows(2)
    h = history(*good, *bad, *slow)
    lines = lin_kv.explain(lin_kv.check(h, OPTS, budget=300), h, OPTS)
    assert lines[0] == "lin-kv: INVALID. 3 key(s): 1 linearizable, 1 not, 1 undecided."
    h = history(*good, *slow)
    lines = lin_kv.explain(lin_kv.check(h, OPTS, budget=300), h, OPTS)
    assert lines[0] == "lin-kv: unknown. 2 key(s): 1 linearizable, 0 not, 1 undecided."
    h = history(*good)
    assert lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)[0] == (
        "lin-kv: valid. 1 key(s): 1 linearizable, 0 not, 0 undecided.")


def test_no_keys_and_a_checker_that_could_not_run_are_said_plainly():
    assert lin_kv.explain(lin_kv.check([], OPTS), [], OPTS) == [
        "lin-kv: valid. 0 key(s): 0 linearizable, 0 not, 0 undecided.",
        "no client op touched any key, so there was nothing to check."]
    assert lin_kv.explain({"valid?": "unknown", "error": "boom"}, [], None) == [
        "lin-kv: the checker could not run: boom"]


def test_a_linearizable_key_gets_one_line_with_its_counts_and_final_value():
    h = history(*seq(call(0, "write", "v"), call(1, "read", result="v"),
                     call(2, "cas", [1, 2], outcome="fail")),
                ("invoke", 3, "write", 7), ("info", 3, "write", 7), ("invoke", 4, "write", 8),
                key="k")
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h)
    assert lines[1:] == ['key "k": linearizable (2 acknowledged op(s), 1 indeterminate); '
                         'final value "v".']
    assert isinstance(lines[1], Case) and lines[1].kind == "lin-kv-valid"
    assert lines[1].label == 'key "k"'
    empty = history(("invoke", 3, "write", 7), ("info", 3, "write", 7))
    assert lin_kv.explain(lin_kv.check(empty, OPTS), empty)[1] == (
        "key 0: linearizable (0 acknowledged op(s), 1 indeterminate); final value nil.")


def test_undecided_keys_share_one_hint():
    h = history(*_wide_rows(0), *_wide_rows(1))
    lines = lin_kv.explain(lin_kv.check(h, OPTS, budget=300), h, OPTS)
    assert [type(line) for line in lines] == [str, Hint, Case, Case]
    assert lines[1].kind == "lin-kv-undecided" and lines[2].kind == "lin-kv-undecided"
    assert lines[2] == (
        "key 0: undecided: the search used its whole budget of 300 steps without an answer "
        "(7 acknowledged ops and 0 indeterminate ones on this key; each indeterminate write "
        "or cas may have taken effect at any later point, which multiplies the orders to "
        "try). Maelstrom's Knossos has no such limit and may search for hours (issue #92).")
    assert lines[3].startswith("key 1: undecided: ") and lines[3].label == "key 1"


def test_a_stale_read_is_explained_sentence_by_sentence():
    h = history(*seq(call(2, "write", 5), call(3, "write", 4), call(1, "write", 5),
                     call(0, "read", result=4)), key=3)
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert isinstance(lines[1], Hint) and lines[1].kind == "lin-kv"
    assert lines[2:] == [
        "key 3: read of key 3 at n1 returned 4 at 0.700 s, but 5 had been written and "
        "acknowledged at 0.500 s (write of 5 by n2, process 1, 0.400-0.500 s) and nothing "
        "wrote 4 after it.",
        "  at any point where it could take effect the register held 5, never 4.",
        "  the read ran from 0.600 s to 0.700 s (process 0, ops 6-7)."]
    assert isinstance(lines[2], Case) and lines[2].kind == "lin-kv" and lines[2].label == "key 3"


def test_a_write_that_overlapped_but_cannot_be_ordered_to_help_is_named():
    # The write of 4 runs from 0.0 to 0.9 s: it explains the first read of 4, but then the
    # acknowledged write of 5 comes between it and the second read of 4.
    h = history(("invoke", 1, "write", 4), ("invoke", 2, "read", None), ("ok", 2, "read", 4),
                ("invoke", 3, "write", 5), ("ok", 3, "write", 5),
                ("invoke", 2, "read", None), ("ok", 2, "read", 4),
                ("invoke", 4, "write", 4), ("fail", 4, "write", 4), ("ok", 1, "write", 4))
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert lines[2:] == [
        "key 0: read of key 0 at n3 returned 4 at 0.600 s, but 5 had been written and "
        "acknowledged at 0.400 s (write of 5 by n1, process 3, 0.300-0.400 s).",
        "  at any point where it could take effect the register held 5, never 4.",
        "  ops that could have written 4 in between, but cannot be ordered so that it does: "
        "write of 4 by n2, process 1, 0.000-0.900 s.",
        "  the read ran from 0.500 s to 0.600 s (process 2, ops 5-6)."]


def test_indeterminate_and_cas_writers_are_named_and_the_list_is_cut_at_four():
    # Five crashed ops that set 3 (a cas 1->3 and four writes), then six rounds of "write
    # 1, read 3": each crashed op explains one read of 3, so the sixth read cannot be.
    rows = [("invoke", 10, "cas", [1, 3]), ("info", 10, "cas", [1, 3])]
    for p in range(11, 15):
        rows += [("invoke", p, "write", 3), ("info", p, "write", 3)]
    for _ in range(6):
        rows += seq(call(0, "write", 1), call(1, "read", result=3))
    h = history(*rows)
    lin = lin_of(h)
    assert lin["op"]["index"] == len(h) - 1
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert lines[2:] == [
        "key 0: read of key 0 at n2 returned 3 at 3.300 s, but 1 had been written and "
        "acknowledged at 3.100 s (write of 1 by n1, process 0, 3.000-3.100 s).",
        "  at any point where it could take effect the register held 1, never 3.",
        "  ops that could have written 3 in between, but cannot be ordered so that it does: "
        "cas 1->3 by n2, process 10, indeterminate, invoked at 0.000 s, write of 3 by n3, "
        "process 11, indeterminate, invoked at 0.200 s, write of 3 by n1, process 12, "
        "indeterminate, invoked at 0.400 s, write of 3 by n2, process 13, indeterminate, "
        "invoked at 0.600 s and 1 more.",
        "  the read ran from 3.200 s to 3.300 s (process 1, ops 32-33)."]


def test_a_cas_with_nothing_written_before_it_is_explained():
    h = history(("invoke", 4, "write", 2), ("fail", 4, "write", 2),
                *call(1, "cas", [2, 4]))
    h[1]["error"] = [K("temporarily-unavailable"), "not the leader"]
    lin = lin_of(h)
    assert lin["previous-ok"] is None
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert lines[2:] == [
        "key 0: cas of key 0 at n2 from 2 to 4 succeeded at 0.300 s, the first acknowledged "
        "op on the key, and nothing had written 2.",
        "  at any point where it could take effect the register held nil (nothing written "
        "yet), never 2.",
        "  a write of 2 was refused with a definite error, which promises it never happened, "
        "so it cannot explain this: write by n2 failed at 0.100 s (temporarily-unavailable). "
        "(If the node applied it anyway, that is the bug.)",
        "  the cas ran from 0.200 s to 0.300 s (process 1, ops 2-3).",
        "  (no acknowledged op on this key could come first: Maelstrom's Knossos 0.3.10 then "
        "fails to draw linear.svg, issue #92; the verdict stands.)"]


def test_failed_writers_exclude_the_registers_own_refusals_and_say_the_error():
    def failed_lines(error, f="cas", value=(9, 3)):
        rows = [("invoke", 7, f, list(value) if f == "cas" else value),
                ("fail", 7, f, list(value) if f == "cas" else value)]
        h = history(*rows, *seq(call(0, "write", 1), call(1, "read", result=3)))
        if error is not None:
            h[1]["error"] = error
        return [line for line in lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
                if "refused" in line]
    assert failed_lines([K("precondition-failed"), "expected 9"]) == []
    assert failed_lines([K("key-does-not-exist"), "no key"]) == []
    assert failed_lines(K("key-does-not-exist")) == []
    [line] = failed_lines([K("crash"), "boom"])
    assert "cas by n2 failed at 0.100 s (crash)." in line
    [line] = failed_lines(None)
    assert "cas by n2 failed at 0.100 s. (If" in line
    [line] = failed_lines("net-timeout", f="write", value=3)
    assert "write by n2 failed at 0.100 s (net-timeout)." in line
    # A failed write of another value, or a failed cas setting another value, is no excuse.
    assert failed_lines(None, f="write", value=4) == []
    assert failed_lines([K("crash"), "boom"], value=(3, 9)) == []


def test_failed_writers_after_the_failing_op_are_not_blamed_and_the_list_is_cut_at_three():
    rows = []
    for p in range(10, 15):
        rows += [("invoke", p, "write", 3), ("fail", p, "write", 3)]
    h = history(*rows, *seq(call(0, "write", 1), call(1, "read", result=3)),
                ("invoke", 20, "write", 3), ("fail", 20, "write", 3))
    [line] = [line for line in lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
              if "refused" in line]
    assert line.endswith(
        "write by n2 failed at 0.100 s, write by n3 failed at 0.300 s, write by n1 failed at "
        "0.500 s and 2 more. (If the node applied it anyway, that is the bug.)")


def test_without_node_names_ops_name_their_process():
    h = history(*seq(call(2, "write", 5), call(0, "read", result=4)))
    lines = lin_kv.explain(lin_kv.check(h, {}), h)
    assert lines[2].startswith("key 0: read of key 0 at process 0 returned 4 at 0.300 s, "
                               "but 5 had been written and acknowledged at 0.100 s (write "
                               "of 5 by process 2, process 2, 0.000-0.100 s)")


def test_values_are_named_in_edn_and_several_held_values_are_listed():
    h = history(("invoke", 5, "write", "a"), ("invoke", 6, "write", [1, 2]),
                *call(0, "read", result=True), ("ok", 5, "write", "a"))
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert lines[2].startswith("key 0: read of key 0 at n1 returned true at 0.300 s")
    [held] = [line for line in lines if "held" in line]
    values = held.removeprefix("  at any point where it could take effect the register held "
                               ).removesuffix(", never true.")
    assert sorted(values.replace(" or ", ", ").split(", ")) == sorted(
        ['"a"', "[1 2]", "nil (nothing written yet)"])
    assert values.count(" or ") == 1 and values.index(" or ") > values.rindex(", ")


@pytest.mark.parametrize("key, text", [(None, "nil"), (7, "7"), ("x", '"x"'),
                                       (True, "true"), (2.5, "2.5")])
def test_keys_are_named_in_edn(key, text):
    h = history(*seq(call(0, "write", 1), call(1, "read", result=2)), key=key)
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    assert lines[2].startswith(f"key {text}: read of key {text} at n2 returned 2")
    assert lines[2].label == f"key {text}"


def _explained(h, opts=OPTS):
    return lin_kv.explain(lin_kv.check(h, opts), h, opts)


def test_the_write_named_is_the_last_that_left_another_value():
    # The write of 5 was acknowledged last before the read of 5, but the read of 6 after
    # both puts the write of 6 after it: the write of 6 is the one to name, and the write
    # of 5 is the op that could have helped but cannot be ordered so. (Naming the write
    # of 5 -- "returned 5, but 5 had been written" -- explained nothing.)
    h = history(("invoke", 10, "write", 6), ("invoke", 11, "write", 5),
                ("ok", 10, "write", 6), ("ok", 11, "write", 5),
                *call(1, "read", result=6), *call(2, "read", result=5))
    assert _explained(h)[2:4] == [
        "key 0: read of key 0 at n3 returned 5 at 0.700 s, but 6 had been written and "
        "acknowledged at 0.200 s (write of 6 by n2, process 10, 0.000-0.200 s).",
        "  at any point where it could take effect the register held 6, never 5."]
    assert _explained(h)[4] == (
        "  ops that could have written 5 in between, but cannot be ordered so that it does: "
        "write of 5 by n3, process 11, 0.100-0.300 s.")


def test_when_every_earlier_write_left_the_value_wanted_that_is_said():
    # Only the write of 5 was acknowledged before the read of 5; the long write of 6,
    # read before it, must come after the write of 5 and before the read.
    h = history(*call(0, "write", 5), ("invoke", 10, "write", 6),
                *call(1, "read", result=6), *call(2, "read", result=5),
                ("ok", 10, "write", 6))
    lines = _explained(h)
    assert lines[2] == ("key 0: read of key 0 at n3 returned 5 at 0.600 s, and every write "
                        "acknowledged before it had written 5.")
    assert lines[4] == ("  ops that could have written 5 in between, but cannot be ordered "
                        "so that it does: write of 5 by n1, process 0, 0.000-0.100 s.")
    # A cas from nil: the write to name is the last that left something else than nil.
    h = history(*call(0, "write", 1), *call(0, "cas", [1, None]), ("invoke", 10, "write", 2),
                *call(1, "read", result=2), *call(2, "cas", [None, 3]),
                ("ok", 10, "write", 2))
    assert _explained(h)[2:5] == [
        "key 0: cas of key 0 at n3 from nil to 3 succeeded at 0.800 s, but 1 had been "
        "written and acknowledged at 0.100 s (write of 1 by n1, process 0, 0.000-0.100 s).",
        "  at any point where it could take effect the register held 2, never nil.",
        "  ops that could have written nil in between, but cannot be ordered so that it "
        "does: cas 1->nil by n1, process 0, 0.200-0.300 s."]


def test_the_last_acknowledged_write_may_be_a_cas_and_only_writes_before_the_op_count():
    h = history(*seq(call(0, "write", 3), call(1, "cas", [3, 4]), call(2, "read", result=3)))
    assert _explained(h)[2] == (
        "key 0: read of key 0 at n3 returned 3 at 0.500 s, but 4 had been written and "
        "acknowledged at 0.300 s (cas 3->4 by n2, process 1, 0.200-0.300 s) and nothing "
        "wrote 3 after it.")
    # A write acknowledged while the read ran is not "before" it.
    h = history(*call(0, "write", 3), *call(0, "write", 4), ("invoke", 1, "read", None),
                ("invoke", 2, "write", 9), ("ok", 2, "write", 9), ("ok", 1, "read", 3))
    lines = _explained(h)
    assert lines[2].startswith("key 0: read of key 0 at n2 returned 3 at 0.700 s, but 4 had "
                               "been written and acknowledged at 0.300 s (write of 4 by n1")
    assert lines[3] == "  at any point where it could take effect the register held 4 or 9, never 3."


def test_the_first_acknowledged_op_can_name_writers_that_cannot_help():
    # Two long writes of 5 and 6; reads of 6, then 5, then 6 before either is acknowledged.
    h = history(("invoke", 10, "write", 5), ("invoke", 11, "write", 6),
                *call(1, "read", result=6), *call(2, "read", result=5),
                *call(3, "read", result=6), ("ok", 11, "write", 6), ("ok", 10, "write", 5))
    assert _explained(h)[2:5] == [
        "key 0: read of key 0 at n1 returned 6 at 0.700 s, the first acknowledged op on the "
        "key.",
        "  at any point where it could take effect the register held 5, never 6.",
        "  ops that could have written 6 in between, but cannot be ordered so that it does: "
        "write of 6 by n3, process 11, 0.100-0.800 s."]


def test_a_history_cut_at_its_start_is_explained_without_the_missing_invocations():
    # The first records are completions whose invocations are not in the history: the
    # search ignores them. The explanation names the acknowledged write with the one time
    # it knows, and does not count the crashed write of 5 as one that could have helped.
    h = history(("ok", 3, "write", 7), ("info", 4, "write", 5), *call(0, "read", result=5))
    assert _explained(h)[2] == (
        "key 0: read of key 0 at n1 returned 5 at 0.300 s, but 7 had been written and "
        "acknowledged at 0.000 s (write of 7 by n1, process 3, 0.000 s) and nothing wrote 5 "
        "after it.")


def test_failed_writers_are_all_looked_at_past_a_refusal_of_the_registers_own():
    h = history(("invoke", 7, "cas", [9, 3]), ("fail", 7, "cas", [9, 3]),
                ("invoke", 8, "write", 3), ("fail", 8, "write", 3),
                *seq(call(0, "write", 1), call(1, "read", result=3)))
    h[1]["error"] = [K("precondition-failed"), "expected 9"]
    [line] = [line for line in _explained(h) if "refused" in line]
    assert "write by n3 failed at 0.300 s." in line and "cas" not in line


def test_counts_and_odd_result_maps_in_the_explanation():
    h = history(*seq(call(0, "write", 1, key=0), call(0, "write", 1, key=1),
                     call(0, "write", 1, key=2)))
    assert _explained(h)[0] == "lin-kv: valid. 3 key(s): 3 linearizable, 0 not, 0 undecided."
    # A result read back from elsewhere: no model, an error that is only a text, a key
    # with no verdict at all.
    result = {"valid?": "unknown", "results": {
        0: {"valid?": True, "linearizable": {"valid?": True}},
        1: {"valid?": "unknown", "linearizable": {"valid?": "unknown", "error": "boom"}},
        2: {"linearizable": {}}}}
    lines = lin_kv.explain(result, [], None)
    assert lines[:3] == [
        "lin-kv: unknown. 3 key(s): 1 linearizable, 0 not, 2 undecided.",
        "key 0: linearizable (0 acknowledged op(s), 0 indeterminate); final value nil.",
        "key 1: the search crashed: boom"]
    assert isinstance(lines[3], Hint) and lines[4].startswith("key 2: undecided: None.")


def test_long_values_are_named_on_one_line():
    long = "v" * 80
    h = history(*seq(call(0, "write", [long, 1]), call(1, "read", result=[long, 2])))
    lin = lin_of(h)
    assert lin["final-paths"][0][1]["model"]["msg"] == (
        f'can\'t read ["{long}" 2] from register ["{long}" 1]')
    lines = _explained(h)
    assert all("\n" not in line for line in lines)
    assert f'returned ["{long}" 2]' in lines[2]


def test_an_indeterminate_cas_whose_completion_lost_its_value_does_not_stop_the_explanation():
    # ... nor hide the ops after it: the crashed write of 3, used up by the first read of 3,
    # is still named for the second.
    h = history(("invoke", 5, "cas", [1, 3]), ("info", 5, "cas", None),
                ("invoke", 6, "write", 3), ("info", 6, "write", 3),
                *seq(call(1, "read", result=3), call(0, "write", 2), call(1, "read", result=3)))
    lines = _explained(h)
    assert lines[2].startswith("key 0: read of key 0 at n2 returned 3 at 0.900 s, but 2 had "
                               "been written")
    assert lines[4] == ("  ops that could have written 3 in between, but cannot be ordered so "
                        "that it does: write of 3 by n1, process 6, indeterminate, invoked at "
                        "0.200 s.")


def test_an_invalid_key_has_knossos_s_keys_and_no_configs():
    lin = lin_of(history(*seq(call(0, "write", 1), call(1, "read", result=2))))
    assert set(lin) == {"valid?", "op", "previous-ok", "final-paths", "configs"}
    assert lin["configs"] == ()
