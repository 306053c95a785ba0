"""The linearizability search and the lin-kv checker: hand-written histories with known
verdicts (the spec's examples, Knossos's kinds of cases), long histories, the budget, the
explanation, and seeded random histories held against a brute-force search."""

import itertools
import random

import pytest

from glomers.checkers import lin_kv, linearizable
from glomers.edn import Keyword as K
from glomers.edn import dumps
from glomers.values import clj_key

OPTS = {"nodes": ["n1", "n2", "n3"], "concurrency": 6}


def history(*rows, key=0, wrap=True):
    """Ops from (type, process, f, value) rows, 0.1 s apart; values wrapped as [key v]."""
    ops = []
    for type_, process, f, value in rows:
        ops.append({"index": len(ops), "time": len(ops) * 100_000_000, "type": K(type_),
                    "process": process, "f": K(f), "value": [key, value] if wrap else value})
    return ops


def op(type_, process, f, value=None):
    return (type_, process, f, value)


def call(process, f, value=None, outcome="ok", result=None):
    """An invocation and its completion back to back: a sequential op."""
    done = result if f == "read" and outcome == "ok" else value
    return [op("invoke", process, f, value), op(outcome, process, f, done)]


def seq(*calls):
    return [row for c in calls for row in c]


def verdict(h):
    return lin_kv.check(h, OPTS)["valid?"]


# -- the spec's examples (workloads-more §3.10) ---------------------------------------------

def test_l1_sequential_history_is_valid_and_reports_the_final_register():
    h = history(*seq(call(2, "write", 3), call(0, "read", result=3),
                     call(3, "cas", [3, 1]), call(1, "read", result=1)))
    result = lin_kv.check(h, OPTS)
    assert result == {
        "valid?": True, "failures": [],
        "results": {0: {"linearizable": {"valid?": True, "model": {"value": 1},
                                         "final-paths": (), "configs": ()},
                        "timeline": {"valid?": True}, "valid?": True}}}
    assert "#knossos.model.CASRegister{:value 1}" in dumps(result)


def test_l2_stale_read_names_the_read_the_write_before_and_the_register():
    h = history(*seq(call(2, "write", 3), call(3, "write", 4), call(0, "read", result=3)))
    lin = lin_kv.check(h, OPTS)["results"][0]["linearizable"]
    assert lin["valid?"] is False
    assert lin["op"] == {"process": 0, "type": "ok", "f": "read", "value": 3, "index": 5,
                         "time": 500_000_000}
    assert lin["previous-ok"]["index"] == 3 and lin["previous-ok"]["value"] == 4
    [path] = lin["final-paths"]
    assert path[0]["model"] == {"value": 4} and path[0]["op"]["index"] == 3
    assert path[1]["model"] == {"msg": "can't read 3 from register 4"}
    text = dumps(lin, width=None)
    assert '#knossos.model.Inconsistent{:msg "can\'t read 3 from register 4"}' in text
    # Knossos prints its ops as plain maps, process first, not as history records.
    assert "{:process 0, :type :ok, :f :read, :value 3, :index 5" in text


def test_l3_overlapping_write_and_read_linearize_write_first():
    h = history(op("invoke", 2, "write", 1), op("invoke", 0, "read"),
                op("ok", 0, "read", 1), op("ok", 2, "write", 1))
    assert verdict(h) is True


def test_l4_an_indeterminate_write_may_explain_a_later_read_and_nil_reads_are_free():
    h = history(op("invoke", 2, "write", 2), op("info", 2, "write", 2),
                *call(0, "read", result=2), *call(1, "read", result=None))
    assert verdict(h) is True


def test_l5_a_failed_write_never_happened_even_if_read_later():
    h = history(op("invoke", 1, "read"), op("invoke", 101, "write", 3),
                op("fail", 101, "write", 3), op("ok", 1, "read", 3))
    lin = lin_kv.check(h, OPTS)["results"][0]["linearizable"]
    assert lin["valid?"] is False
    assert lin["previous-ok"] is None
    assert lin["op"]["index"] == 3
    # Maelstrom issue #92's shape: the path starts from no op at all, register nil.
    assert lin["final-paths"][0][0] == {"op": None, "model": {"value": None}}
    assert lin["final-paths"][0][1]["model"] == {"msg": "can't read 3 from register "}


def test_l6_a_failed_cas_carries_no_information_but_an_ok_one_does():
    failed = history(*seq(call(2, "write", 2), call(3, "cas", [2, 4], outcome="fail"),
                          call(0, "read", result=2)))
    assert verdict(failed) is True
    done = history(*seq(call(2, "write", 2), call(3, "cas", [2, 4]), call(0, "read", result=2)))
    assert verdict(done) is False


# -- the model -----------------------------------------------------------------------------

def test_cas_needs_the_register_to_hold_from():
    assert verdict(history(*seq(call(0, "cas", [0, 1])))) is False          # nil, not 0
    assert verdict(history(*seq(call(0, "write", 0), call(0, "cas", [0, 1]),
                                call(1, "read", result=1)))) is True
    lin = lin_kv.check(history(*seq(call(0, "write", 3), call(1, "cas", [2, 4]))),
                       OPTS)["results"][0]["linearizable"]
    assert lin["final-paths"][0][1]["model"] == {"msg": "can't CAS 3 from 2 to 4"}


def test_values_compare_with_clojure_equality():
    for wrong in (1.0, "1", True, [1]):
        h = history(*seq(call(0, "write", 1), call(1, "read", result=wrong)))
        assert verdict(h) is False, wrong
    assert verdict(history(*seq(call(0, "write", 1), call(1, "read", result=1)))) is True


def test_an_info_op_takes_effect_at_most_once_and_only_after_its_invocation():
    # The crashed write of 1 may explain one read of 1, but not a read of 1 after 2 was
    # read following it: once applied it cannot apply again.
    once = history(op("invoke", 5, "write", 1), op("info", 5, "write", 1),
                   *call(0, "write", 2), *call(1, "read", result=1),
                   *call(2, "read", result=2))
    assert verdict(once) is False
    # A read that completed before the crashed write was invoked cannot see it.
    before = history(*call(0, "read", result=7), op("invoke", 5, "write", 7),
                     op("info", 5, "write", 7))
    assert verdict(before) is False


def test_interchangeable_info_ops_are_still_each_usable_once():
    h = history(op("invoke", 5, "write", 1), op("info", 5, "write", 1),
                op("invoke", 6, "write", 1), op("info", 6, "write", 1),
                *call(0, "write", 2), *call(1, "read", result=1),
                *call(0, "write", 2), *call(1, "read", result=1))
    assert verdict(h) is True
    h3 = h + history(*call(0, "write", 2), *call(1, "read", result=1))
    for i, o in enumerate(h3):
        o["index"] = i
    assert verdict(h3) is False


def test_a_read_returning_nil_is_never_wrong():
    h = history(*seq(call(0, "write", 3), call(1, "read", result=None), call(2, "write", 4)))
    assert verdict(h) is True


def test_an_invocation_without_completion_counts_as_indeterminate():
    h = history(*call(1, "read", result=None), op("invoke", 0, "write", 9),
                *call(1, "read", result=9))
    assert verdict(h) is True


# -- long histories, many keys, the budget ---------------------------------------------------

def _sequential_register_history(rng, length, readers=3, writers=3):
    """A linearizable history of `length` ops on one key, a few overlapping at a time."""
    rows, state, open_ops, process = [], None, {}, 0
    for _ in range(length):
        # Close one open op at random, keeping up to `readers + writers` in flight.
        while len(open_ops) >= readers + writers or (open_ops and rng.random() < 0.5):
            p = rng.choice(sorted(open_ops))
            f, value = open_ops.pop(p)
            rows.append(op("ok", p, f, value))
        p = rng.choice([q for q in range(readers + writers) if q not in open_ops])
        if p < readers:
            rows.append(op("invoke", p, "read"))
            open_ops[p] = ("read", state)            # takes effect now
        else:
            state = rng.randrange(5)
            rows.append(op("invoke", p, "write", state))
            open_ops[p] = ("write", state)
    for p, (f, value) in sorted(open_ops.items()):
        rows.append(op("ok", p, f, value))
    return history(*rows)


def test_a_long_history_is_checked_and_a_late_stale_read_is_named():
    rng = random.Random(7)
    h = _sequential_register_history(rng, 3000)
    assert verdict(h) is True
    # Break one late read: it returns a value no write around it produced.
    reads = [o for o in h if o["type"] == "ok" and o["f"] == "read"
             and o["value"][1] is not None and o["index"] > 4000]
    bad = reads[0]
    bad["value"] = [0, 17]
    lin = lin_kv.check(h, OPTS)["results"][0]["linearizable"]
    assert lin["valid?"] is False
    assert lin["op"]["index"] == bad["index"]


def test_keys_are_independent_and_only_false_keys_are_failures():
    good = history(*seq(call(0, "write", 1), call(1, "read", result=1)), key=0)
    bad = history(*seq(call(0, "write", 1), call(1, "read", result=2)), key="x")
    both = good + bad
    for i, o in enumerate(both):
        o["index"] = i
    result = lin_kv.check(both, OPTS)
    assert result["valid?"] is False
    assert list(result["results"]) == [0, "x"]
    assert result["failures"] == ["x"]


def test_no_ops_is_valid_with_no_keys():
    assert lin_kv.check([], OPTS) == {"valid?": True, "results": {}, "failures": []}


def _wide_history(width=6, seed=1):
    """`width` writes all concurrent with `width` reads of random values, then a read of a
    value nobody wrote: to prove it wrong the search must try very many orders."""
    rng = random.Random(seed)
    rows = [op("invoke", 100 + i, "write", rng.randrange(5)) for i in range(width)]
    rows += [op("invoke", i, "read") for i in range(width)]
    rows += [op("ok", i, "read", rng.randrange(5)) for i in range(width)]
    rows += [op("ok", 100 + i, "write", rows[i][3]) for i in range(width)]
    return history(*rows, *call(0, "read", result=9))


def test_the_search_stops_at_its_budget_and_says_why():
    # With a large enough budget the same history is decided: invalid.
    assert linearizable.check(lin_kv.subhistory(_wide_history(), 0)).valid is False
    h = _wide_history()
    result = lin_kv.check(h, OPTS, budget=2_000)
    lin = result["results"][0]["linearizable"]
    assert lin["valid?"] == "unknown" and lin["cause"] == "timeout"
    assert "budget of 2,000 steps" in lin["reason"]
    assert result["valid?"] == "unknown"
    assert result["failures"] == []            # :unknown keys are not failures
    lines = lin_kv.explain(result, h, OPTS)
    assert any("undecided" in line and "budget" in line for line in lines)


def test_budget_comes_from_the_options_too():
    h = _wide_history()
    result = lin_kv.check(h, {**OPTS, "linearizability_budget": 1_000})
    assert "1,000 steps" in result["results"][0]["linearizable"]["reason"]


def test_a_crash_in_one_key_becomes_unknown_for_that_key_only():
    bad = history(*seq(call(0, "increment", 1)), key=1)
    good = history(*seq(call(0, "write", 1)), key=0)
    both = good + bad
    for i, o in enumerate(both):
        o["index"] = i
    result = lin_kv.check(both, OPTS)
    assert result["results"][0]["valid?"] is True
    assert result["results"][1]["linearizable"]["valid?"] == "unknown"
    assert "increment" in result["results"][1]["linearizable"]["error"]["cause"]
    assert result["valid?"] == "unknown"


# -- explanation ---------------------------------------------------------------------------

def test_a_stale_read_is_explained_in_words():
    h = history(*seq(call(2, "write", 5), call(3, "write", 4), call(1, "write", 5),
                     call(0, "read", result=4)), key=3)
    lines = lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS)
    text = "\n".join(lines)
    assert "read of key 3 at n1 returned 4 at 0.700 s, but 5 had been written and " \
           "acknowledged at 0.500 s" in text
    assert "nothing wrote 4 after it" in text
    assert "held 5, never 4" in text


def test_a_failed_write_of_the_value_read_is_pointed_out():
    h = history(op("invoke", 1, "read"), op("invoke", 101, "write", 3),
                op("fail", 101, "write", 3), op("ok", 1, "read", 3))
    text = "\n".join(lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS))
    assert "first acknowledged op on the key" in text
    assert "failed" in text and "never happened" in text


def test_a_bad_cas_is_explained_with_what_the_register_held():
    h = history(*seq(call(0, "write", 3), call(1, "cas", [2, 4])))
    text = "\n".join(lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS))
    assert "cas of key 0 at n2 from 2 to 4 succeeded" in text
    assert "held 3, never 2" in text


# -- random histories against a brute-force search -------------------------------------------

def brute_force(h):
    """Linearizable? by trying every order of every subset of the :info ops."""
    ops = []
    for position, invocation, ret, completion in linearizable.pair_ops(h):
        kind = completion["type"] if completion else "info"
        if kind == "fail":
            continue
        value = completion["value"] if kind == "ok" else invocation["value"]
        ops.append((invocation["f"], value, position, ret if kind == "ok" else None))

    def step(state, f, value):
        if f == "write":
            return True, value
        if f == "cas":
            return clj_key(state) == clj_key(value[0]), value[1]
        return value is None or clj_key(state) == clj_key(value), state

    oks = [o for o in ops if o[3] is not None]
    infos = [o for o in ops if o[3] is None]
    for n in range(len(infos) + 1):
        for chosen in itertools.combinations(infos, n):
            for order in itertools.permutations(oks + list(chosen)):
                state, fine = None, True
                for i, (f, value, call_at, ret) in enumerate(order):
                    # Real time: nothing later in the order may have completed before
                    # this op was invoked.
                    if any(o[3] is not None and o[3] < call_at for o in order[i + 1:]):
                        fine = False
                        break
                    fine, state = step(state, f, value)
                    if not fine:
                        break
                if fine:
                    return True
    return False


def random_history(rng, processes, length, values=3):
    rows, open_ops, state, next_process = [], {}, None, list(range(processes))
    started = 0
    while started < length or open_ops:
        slot = rng.randrange(processes)
        p = next_process[slot]
        if p in open_ops:
            f, value, effect = open_ops.pop(p)
            outcome = rng.choices(["ok", "info", "fail"], [6, 2, 1])[0]
            if f == "read":
                value = effect if rng.random() < 0.8 else rng.choice([None, 0, 1, 2])
                value = value if outcome == "ok" else None
            rows.append(op(outcome, p, f, value))
            if outcome == "info":
                next_process[slot] = p + processes
        elif started < length:
            started += 1
            f = rng.choice(["read", "write", "cas"])
            value = (None if f == "read" else rng.randrange(values) if f == "write"
                     else [rng.randrange(values), rng.randrange(values)])
            if f == "write":
                state = value
            elif f == "cas" and clj_key(state) == clj_key(value[0]):
                state = value[1]
            rows.append(op("invoke", p, f, value))
            open_ops[p] = (f, value, state)
    return history(*rows, wrap=False)


@pytest.mark.parametrize("seed", range(6))
def test_search_agrees_with_brute_force_on_random_histories(seed):
    rng = random.Random(seed)
    seen = {True: 0, False: 0}
    for _ in range(250):
        h = random_history(rng, processes=rng.randint(1, 4), length=rng.randint(1, 6))
        expected = brute_force(h)
        outcome = linearizable.check(h)
        assert outcome.valid is expected, h
        seen[expected] += 1
    # The generator must produce both kinds, or the comparison proves little.
    assert seen[True] > 20 and seen[False] > 20


def test_a_cas_refused_for_the_registers_own_reasons_is_not_blamed():
    h = history(*seq(call(0, "write", 1), call(2, "cas", [2, 3], outcome="fail"),
                     call(1, "read", result=3)))
    h[3]["error"] = [K("precondition-failed"), "expected 2"]
    text = "\n".join(lin_kv.explain(lin_kv.check(h, OPTS), h, OPTS))
    assert "refused" not in text and "held 1, never 3" in text
