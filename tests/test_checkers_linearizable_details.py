"""Details of the linearizability search (glomers/checkers/linearizable.py) a user sees: the
errors that name a broken history's ops, how many ops were dropped as carrying no
information, the nemesis left out, and the steps a search takes (the budget is counted in
them, so each pruning shows as steps saved: small histories are counted by hand).

A hypothesis test holds the search against a reference that walks every configuration
with no pruning at all: the verdict, the op blamed, the values it was refused in and the
steps (at most one visit per configuration; exactly that with no crashed op) must agree."""

import pytest
from hypothesis import given, strategies as st

from glomers.checkers import linearizable
from glomers.edn import Keyword as K
from glomers.values import clj_key


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
    # Values print as history.edn spells them, not as Python does, on one line however long.
    long = ["a" * 40, "b" * 40, 1]
    with pytest.raises(ValueError, match=rf'^op 0: cas value \["{"a" * 40}" "{"b" * 40}" 1\] '
                                         r"is not \[from to\]$"):
        linearizable.check(ops(("invoke", 0, "cas", long), ("ok", 0, "cas", long)))
    strange = [{**op, "f": ["x" * 40, "y" * 40]} for op in ops(("invoke", 0, "cas", 1))]
    with pytest.raises(ValueError, match=rf'^op 0: a cas-register has no \["{"x" * 40}" '
                                         rf'"{"y" * 40}"\] \(only :read, :write and :cas\)$'):
        linearizable.check(strange)
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


# -- against a search with no pruning at all --------------------------------------------
#
# The reference below walks every configuration a linearization can pass through: which
# :ok ops are linearized, the register's value, which :info ops took effect (each one on
# its own: no grouping of interchangeable ops, no memo beyond the set of configurations,
# no subset pruning). The checker's pruning must change no answer: not the verdict, not
# the op it blames, not the values it says the register could have held. And since its
# budget is counted in steps, the steps are held against the configurations too.


def _step(state, f, value):
    """(legal?, new value) of a cas register op; a read of nil is always legal."""
    if f == "write":
        return True, value
    if f == "cas":
        return clj_key(state) == clj_key(value[0]), value[1]
    return value is None or clj_key(state) == clj_key(value), state


class Reference:
    """Every reachable configuration of a history (a direct reading of the definition)."""

    def __init__(self, history, keep_free_reads=True):
        self.keep_free_reads = keep_free_reads
        self.oks, self.infos, self.dropped = [], [], 0
        invoked = {}
        for position, op in enumerate(history):
            process = op["process"]
            if type(process) is not int:
                continue
            if op["type"] == "invoke":
                invoked[process] = (position, op)
                continue
            call, invocation = invoked.pop(process)
            self._add(call, invocation, position, op)
        for call, invocation in invoked.values():          # never completed: :info
            self._add(call, invocation, None, None)
        self.configs = self._explore()

    def _add(self, call, invocation, ret, completion):
        kind = completion["type"] if completion else "info"
        f = invocation["f"]
        if kind == "fail":
            self.dropped += 1
            return
        value = completion["value"] if kind == "ok" else invocation["value"]
        if f == "read" and (kind != "ok" or value is None):
            self.dropped += 1
            if not self.keep_free_reads:
                return
        entry = {"f": f, "value": value, "call": call,
                 "ret": ret if kind == "ok" else None,
                 "index": (completion if kind == "ok" else invocation)["index"]}
        (self.oks if kind == "ok" else self.infos).append(entry)

    def waiting(self, linearized):
        return [o for o in range(len(self.oks)) if o not in linearized]

    def limit(self, linearized):
        """The first completion still waiting (None: every :ok op is linearized)."""
        rets = [self.oks[o]["ret"] for o in self.waiting(linearized)]
        return min(rets) if rets else None

    def moves(self, config):
        linearized, (_, state), applied = config
        limit = self.limit(linearized)
        if limit is None:
            return
        for o in self.waiting(linearized):
            op = self.oks[o]
            legal, after = _step(state, op["f"], op["value"])
            if op["call"] < limit and legal:
                yield (linearized | {o}, (clj_key(after), after), applied)
        for i, op in enumerate(self.infos):
            legal, after = _step(state, op["f"], op["value"])
            if i not in applied and op["call"] < limit and legal:
                yield (linearized, (clj_key(after), after), applied | {i})

    def _explore(self):
        start = (frozenset(), (clj_key(None), None), frozenset())
        configs, todo = {start}, [start]
        while todo:
            for after in self.moves(todo.pop()):
                if after not in configs:
                    configs.add(after)
                    todo.append(after)
        return configs

    def valid(self):
        return any(len(c[0]) == len(self.oks) for c in self.configs)

    def final_values(self):
        return {c[1][0] for c in self.configs if len(c[0]) == len(self.oks)}

    def first_waiting(self, linearized):
        return min(self.waiting(linearized), key=lambda o: self.oks[o]["ret"])

    def blamed(self):
        """The :ok op whose completion is latest among the first completions still waiting
        in every configuration: no order gets past it."""
        return max((self.first_waiting(c[0]) for c in self.configs),
                   key=lambda o: self.oks[o]["ret"])

    def refused(self, o):
        """The values the register held wherever op o could come next but cannot follow."""
        op = self.oks[o]
        return {c[1][0] for c in self.configs
                if o not in c[0] and op["call"] < self.limit(c[0])
                and not _step(c[1][1], op["f"], op["value"])[0]}

    def grouped(self, config):
        """Does a configuration apply :info ops the way the checker does: of the ops of one
        kind (same f and value), always the earliest invoked first?"""
        applied = config[2]
        for i in applied:
            kind = (self.infos[i]["f"], clj_key(self.infos[i]["value"]))
            for j, other in enumerate(self.infos):
                if (j not in applied and (other["f"], clj_key(other["value"])) == kind
                        and other["call"] < self.infos[i]["call"]):
                    return False
        return True

    def cost(self, config):
        """Steps the search spends in one configuration it enters: one per :ok op it may
        linearize next, one for the first completion waiting, one per kind of :info op it
        goes on with after trying one."""
        linearized, (_, state), applied = config
        limit = self.limit(linearized)
        candidates = sum(1 for o in self.waiting(linearized) if self.oks[o]["call"] < limit)
        kinds = {(op["f"], clj_key(op["value"])) for i, op in enumerate(self.infos)
                 if i not in applied and op["call"] < limit
                 and _step(state, op["f"], op["value"])[0]}
        return candidates + 1 + len(kinds)


def _result_of(op):
    """The register's value right after op took effect."""
    if op.f == "write":
        return op.value
    return op.value[1] if op.f == "cas" else op.value


@st.composite
def histories(draw):
    """Small single-register histories: up to 4 processes, up to 7 ops, values 0-2; reads
    mostly return what the register would hold, sometimes anything; ops complete :ok, :info
    or :fail, or never; a nemesis op now and then."""
    processes = draw(st.integers(1, 4))
    length = draw(st.integers(1, 7))
    rows, open_ops, state, current = [], {}, None, list(range(processes))
    started = 0
    while started < length or open_ops:
        if draw(st.integers(0, 9)) == 0:
            rows.append(("info", "nemesis", "start-partition", None))
        slot = draw(st.integers(0, processes - 1))
        p = current[slot]
        if p in open_ops:
            f, value, effect = open_ops.pop(p)
            outcome = draw(st.sampled_from(["ok", "ok", "ok", "ok", "info", "fail", None]))
            if outcome is None and started >= length:
                continue                                # left open for good
            if outcome is None:
                outcome = "ok"
            if f == "read":
                read = draw(st.sampled_from([effect, effect, effect, None, 0, 1, 2]))
                value = read if outcome == "ok" else None
            rows.append((outcome, p, f, value))
            if outcome == "info":
                current[slot] = p + processes
        elif started < length:
            started += 1
            f = draw(st.sampled_from(["read", "write", "cas", "cas"]))
            value = (None if f == "read" else draw(st.integers(0, 2)) if f == "write"
                     else [draw(st.integers(0, 2)), draw(st.integers(0, 2))])
            if f == "write":
                state = value
            elif f == "cas" and clj_key(state) == clj_key(value[0]):
                state = value[1]
            rows.append(("invoke", p, f, value))
            open_ops[p] = (f, value, state)
        elif all(q not in open_ops for q in current):
            break
    return ops(*rows)


@given(histories())
def test_pruning_changes_no_answer_of_a_search_without_it(history):
    reference = Reference(history)
    outcome = linearizable.check(history)
    assert outcome.valid is reference.valid()
    assert outcome.dropped == reference.dropped
    if outcome.valid:
        assert clj_key(outcome.state) in reference.final_values()
        assert outcome.op is None and outcome.seen == []
    else:
        blamed = reference.blamed()
        assert outcome.op.completion["index"] == reference.oks[blamed]["index"]
        assert outcome.op.invocation["index"] == history[outcome.op.call]["index"]
        assert outcome.op.process == outcome.op.invocation["process"]
        assert outcome.op.invocation["type"] == "invoke" and outcome.op.ok
        held = [clj_key(value) for value, _ in outcome.seen]
        assert sorted(set(held), key=repr) == sorted(held, key=repr)      # each value once
        assert set(held) == reference.refused(blamed)
        for value, before in outcome.seen:
            # The op linearized just before left the register holding that value.
            if before is None:
                assert value is None
            else:
                assert clj_key(_result_of(before)) == clj_key(value)
                # ... and was invoked before the blamed op completed.
                assert before.invocation["index"] < outcome.op.completion["index"]
        # The :ok op linearized last before it, on some path that gets as far: none only
        # when the blamed op is the first to complete (of the ops that carry information),
        # as nothing can be ordered before it then.
        firsts = sorted((o for o in reference.oks
                         if o["f"] != "read" or o["value"] is not None),
                        key=lambda o: o["ret"])
        previous = outcome.previous_ok
        if previous is None:
            assert firsts[0]["index"] == outcome.op.completion["index"]
        else:
            assert previous.ok
            assert any(reference.oks[o]["index"] == previous.completion["index"]
                       and reference.first_waiting(c[0]) == blamed
                       for c in reference.configs for o in c[0])
    # Steps: each configuration the search enters costs at most its candidates, one, and
    # one per kind of :info op; it never enters one twice. With no :info op (nothing to
    # prune by subsets) an invalid history costs exactly that over every configuration.
    # (The search counts no step for the reads it drops first, so neither does this.)
    reduced = Reference(history, keep_free_reads=False)
    grouped = [c for c in reduced.configs if reduced.grouped(c)
               and len(c[0]) < len(reduced.oks)]
    assert outcome.steps <= sum(reduced.cost(c) for c in grouped)
    if not reduced.infos and not outcome.valid:
        assert outcome.steps == sum(reduced.cost(c) for c in grouped)


def test_crashed_ops_that_set_the_same_value_are_not_interchangeable():
    # A crashed write of 1 and a crashed cas 0->1 both leave 1, but only the write can
    # still take effect once 2 is written. Having explored "the write took effect first"
    # to a dead end says nothing about "the cas took effect first": the search must try
    # both (it may prune an order only by a dead end whose crashed ops are a subset).
    # (A crashed write of 7 that helps nothing comes first, so the three kinds of crashed
    # op are told apart by more than their order.)
    h = ops(("invoke", 4, "write", 7), ("info", 4, "write", 7),
            ("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 6, "cas", [0, 1]), ("info", 6, "cas", [0, 1]),
            ("invoke", 0, "write", 0), ("ok", 0, "write", 0),
            ("invoke", 1, "read", None), ("ok", 1, "read", 1),
            ("invoke", 0, "write", 2), ("ok", 0, "write", 2),
            ("invoke", 1, "read", None), ("ok", 1, "read", 1))
    outcome = linearizable.check(h)
    assert outcome.valid is True and outcome.state == 1
    # With the cas invoked first the search meets the other order first: the same answer.
    swapped = [{**op, "index": i} for i, op in enumerate(h[:2] + h[4:6] + h[2:4] + h[6:])]
    assert linearizable.check(swapped).valid is True
    # Without the crashed write of 1 nothing explains the second read of 1.
    assert linearizable.check(h[:2] + h[4:]).valid is False


def test_a_dead_end_prunes_the_same_point_reached_with_more_crashed_ops_applied():
    # Crashed writes of 1 and of 2, then a read of 3 that nothing wrote. Steps, by
    # configuration (register value, crashed ops applied), each costing one step for the
    # read tried, one for reaching its completion, one per crashed op tried after:
    #   nil {}       1 + 1 + 2 (then the write of 1, then the write of 2)   = 4
    #   1   {w1}     1 + 1 + 1 (then the write of 2)                        = 3
    #   2   {w1 w2}  1 + 1                                                  = 2
    #   2   {w2}     1 + 1 (the write of 1 next would give 1 {w1 w2}: pruned,
    #                       as 1 {w1} failed with less applied)             = 2
    # 11 steps; without that pruning the search would spend 3 more on 1 {w1 w2}.
    # (With the write of 1 alone: 1 + 1 + 1 for nil {}, 1 + 1 for 1 {w1}: 5 steps.)
    w1 = [("invoke", 5, "write", 1), ("info", 5, "write", 1)]
    w2 = [("invoke", 6, "write", 2), ("info", 6, "write", 2)]
    read = [("invoke", 0, "read", None), ("ok", 0, "read", 3)]
    assert linearizable.check(ops(*w1, *read)).steps == 5
    outcome = linearizable.check(ops(*w1, *w2, *read))
    assert outcome.valid is False and outcome.steps == 11
    assert sorted(value for value, _ in outcome.seen if value is not None) == [1, 2]


def test_a_dead_end_prunes_a_later_order_that_reaches_it_with_more_applied():
    # A crashed write of 1 (w1), then an acknowledged write of 2 (W2), then a read of 3.
    # Steps, by configuration (:ok ops placed, value, crashed ops applied):
    #   {} nil {}      W2 tried (1), W2's completion (1), back from w1 (1)           = 3
    #   {W2} 2 {}      the read tried (1), its completion (1), back from w1 (1)      = 3
    #   {W2} 1 {w1}    the read tried (1), its completion (1)                        = 2
    #   {} 1 {w1}      W2 tried (1): it would give {W2} 2 {w1}, pruned since {W2} 2 {}
    #                  failed with less applied; W2's completion (1)                 = 2
    # 10 steps; without that pruning, 2 more for {W2} 2 {w1}.
    h = ops(("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 0, "write", 2), ("ok", 0, "write", 2),
            ("invoke", 1, "read", None), ("ok", 1, "read", 3))
    outcome = linearizable.check(h)
    assert outcome.valid is False and outcome.steps == 10


def test_the_budget_is_counted_in_steps_and_a_search_that_runs_out_says_so():
    h = ops(("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 6, "write", 2), ("info", 6, "write", 2),
            ("invoke", 0, "read", None), ("ok", 0, "read", 3))
    assert linearizable.check(h).steps == 11
    assert linearizable.check(h, budget=11).valid is False
    outcome = linearizable.check(h, budget=10)
    assert outcome.valid == "unknown" and outcome.steps == 11
    assert outcome.op is None and outcome.seen == [] and outcome.dropped == 0
    assert outcome.reason == (
        "the search used its whole budget of 10 steps without an answer (1 acknowledged "
        "ops and 2 indeterminate ones on this key; each indeterminate write or cas may have "
        "taken effect at any later point, which multiplies the orders to try)")
    big = ops(*[row for p in range(10) for row in (("invoke", 10 + p, "write", p),
                                                     ("info", 10 + p, "write", p))],
              ("invoke", 0, "read", None), ("ok", 0, "read", 99))
    assert "whole budget of 1,234 steps" in linearizable.check(big, budget=1234).reason


def test_the_memo_names_the_same_ops_the_same_way_after_64_are_linearized():
    # A write of 9 runs the whole time while 70 writes go one after another, then a read
    # of 7 nobody wrote. The write of 9 may come before, between or after any of them:
    # whether it was placed before or after the 64th, the search must know each
    # configuration again (exactly one visit each, as the reference counts them).
    rows = [("invoke", 100, "write", 9)]
    for i in range(70):
        rows += [("invoke", 0, "write", i % 3), ("ok", 0, "write", i % 3)]
    rows += [("ok", 100, "write", 9), ("invoke", 1, "read", None), ("ok", 1, "read", 7)]
    h = ops(*rows)
    reference = Reference(h, keep_free_reads=False)
    outcome = linearizable.check(h)
    assert outcome.valid is False and outcome.op.completion["index"] == len(h) - 1
    assert outcome.steps == sum(reference.cost(c) for c in reference.configs
                                if len(c[0]) < len(reference.oks))


def test_of_orders_that_get_equally_far_the_first_found_is_reported():
    # Two overlapping writes of 3 and 4, then a read of 5 nobody wrote. The search tries
    # the write invoked first first: 3 then 4, so the write of 4 is the :ok op before the
    # dead end; the register could have held 4 (after 3, 4) or 3 (after 4, 3).
    h = ops(("invoke", 0, "write", 3), ("invoke", 1, "write", 4), ("ok", 1, "write", 4),
            ("ok", 0, "write", 3), ("invoke", 2, "read", None), ("ok", 2, "read", 5))
    outcome = linearizable.check(h)
    assert outcome.valid is False
    assert outcome.previous_ok.value == 4 and outcome.previous_ok.completion["index"] == 2
    assert [(value, before.value) for value, before in outcome.seen] == [(4, 4), (3, 3)]


def test_after_one_crashed_op_fails_the_next_kind_may_still_be_any_invoked_before():
    # The read of 7 can only follow the crashed cas 6->7, invoked after the write of 6
    # completed; the crashed write of 8 is tried first, and after it the cas cannot apply:
    # back from that dead end, the cas must still be allowed (it was invoked before the
    # read completed).
    h = ops(("invoke", 0, "write", 5), ("ok", 0, "write", 5),
            ("invoke", 0, "write", 6), ("ok", 0, "write", 6),
            ("invoke", 3, "write", 8), ("info", 3, "write", 8),
            ("invoke", 1, "read", None),
            ("invoke", 4, "cas", [6, 7]), ("info", 4, "cas", [6, 7]),
            ("ok", 1, "read", 7))
    outcome = linearizable.check(h)
    assert outcome.valid is True and outcome.state == 7


def test_the_crashed_op_before_a_refusal_is_the_one_that_took_effect():
    # Two crashed writes of 1 (interchangeable: the earlier one is used first), the second
    # invoked only after the read of 2 completed: the register held 1 thanks to the first.
    h = ops(("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 0, "read", None), ("ok", 0, "read", 2),
            ("invoke", 6, "write", 1), ("info", 6, "write", 1))
    outcome = linearizable.check(h)
    assert outcome.valid is False
    assert [(value, before and before.invocation["index"]) for value, before in outcome.seen
            ] == [(None, None), (1, 0)]
    # Two of a kind, both used: the second is the one before the refusal in 1.
    h = ops(("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 6, "write", 1), ("info", 6, "write", 1),
            ("invoke", 1, "write", 2), ("ok", 1, "write", 2),
            ("invoke", 0, "read", None), ("ok", 0, "read", 1),
            ("invoke", 1, "write", 2), ("ok", 1, "write", 2),
            ("invoke", 0, "read", None), ("ok", 0, "read", 3))
    outcome = linearizable.check(h)
    assert outcome.valid is False and outcome.op.completion["index"] == len(h) - 1
    assert [(value, before.invocation["index"]) for value, before in outcome.seen] == [
        (2, 8), (1, 2)]


def test_crashed_ops_are_tried_kind_by_kind_in_invocation_order_until_one_helps():
    # Crashed writes of 1, then two of 0; an acknowledged write of 1, then a read of 0.
    #   nil {}      the write of 1 (1)                                    = 1
    #   1 {}        the read tried (1), its completion (1), then the
    #               crashed write of 1 (changes nothing, but uses it up)  = 2
    #   1 {w1}      the read tried (1), its completion (1), then the first
    #               crashed write of 0                                    = 2
    #   0 {w1 w0}   the read (1): every acknowledged op placed, valid     = 1
    h = ops(("invoke", 4, "write", 1), ("invoke", 0, "write", 1),
            ("invoke", 2, "write", 0), ("info", 2, "write", 0),
            ("invoke", 3, "write", 0), ("ok", 0, "write", 1),
            ("invoke", 0, "read", None), ("ok", 0, "read", 0),
            ("info", 3, "write", 0), ("info", 4, "write", 1))
    outcome = linearizable.check(h)
    assert outcome.valid is True and outcome.state == 0 and outcome.steps == 6


def test_a_dead_end_with_nothing_applied_found_late_still_prunes():
    # Overlapping writes of 1 and 0, a cas 0->0, crashed ops that can only set 0, then a
    # read of 1. The point "all three :ok ops placed, value 0" fails first with the crashed
    # write of 0 applied, then with nothing applied: that second dead end must take the
    # first one's place (it prunes every later arrival there, whatever was applied) and
    # keep pruning. 19 steps; 24 if it were kept as "crashed write applied" and 30 if it
    # were forgotten.
    h = ops(("invoke", 2, "write", 1), ("invoke", 0, "write", 0), ("ok", 0, "write", 0),
            ("ok", 2, "write", 1), ("invoke", 2, "cas", [0, 0]), ("invoke", 0, "write", 0),
            ("invoke", 1, "cas", [1, 0]), ("ok", 2, "cas", [0, 0]),
            ("invoke", 3, "read", None), ("ok", 3, "read", 1))
    outcome = linearizable.check(h)
    assert outcome.valid is False and outcome.op.completion["index"] == 9
    assert outcome.steps == 19


def test_every_minimal_dead_end_at_one_point_is_kept():
    # An acknowledged write of 0; crashed ops w1 (write 1), c (cas 0->1) and w2 (write 2),
    # invoked after it; a read of 9 nobody wrote. The value 1 fails twice, with {w1} and
    # with {c} applied (neither a subset of the other): both are kept, since the last
    # order tried, w2 then w1, reaches 1 {w1 w2}, which only 1 {w1} prunes. Steps:
    #   nil {} 1 + 1 (the write of 0; its completion, where no crashed op is invoked yet)
    #   0 {}   1 + 1 + 3 (the read; its completion; after w1, after c, after w2)
    #   1 {w1} 1 + 1 + 1 (the read; its completion; c refused; after w2)
    #   2 {w1 w2} 1 + 1, 1 {c} 1 + 1 + 1 (w1 pruned; after w2), 2 {c w2} 1 + 1 (w1 pruned)
    #   2 {w2} 1 + 1 (w1 would give 1 {w1 w2}: pruned; c refused)
    # 19 steps; keeping only the last dead end at 1 would cost 3 more for 1 {w1 w2}.
    h = ops(("invoke", 0, "write", 0), ("ok", 0, "write", 0),
            ("invoke", 5, "write", 1), ("info", 5, "write", 1),
            ("invoke", 6, "cas", [0, 1]), ("info", 6, "cas", [0, 1]),
            ("invoke", 7, "write", 2), ("info", 7, "write", 2),
            ("invoke", 1, "read", None), ("ok", 1, "read", 9))
    outcome = linearizable.check(h)
    assert outcome.valid is False and outcome.steps == 19
