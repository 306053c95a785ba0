"""The kafka workload (glomers/workloads/kafka.py): generator distributions, the crash
stream, the unseen-keys merge, the final phase and the client's RPC mapping (spec §6.5)."""

import asyncio
import random
from collections import Counter

import pytest
from hypothesis import example, given, settings, strategies as st

from glomers.client import ErrorReply
from glomers.edn import Keyword as K
from glomers.workloads import kafka


class Loop:
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


class Ctx:
    """The parts of the interpreter the workload reads: clock, history, opts, seeded rngs."""

    def __init__(self, concurrency=4, history=None):
        self.net = type("Net", (), {})()
        self.net.loop = Loop()
        self.opts = {"concurrency": concurrency}
        self.history = history if history is not None else []
        self.test = type("Test", (), {"rng": staticmethod(lambda p: random.Random(p))})()


def generator(concurrency=4, **opts):
    return kafka.Generator({"concurrency": concurrency, **opts}, random.Random(7))


def client_ops(gen, ctx, count):
    """`count` ops, with the crash stream kept quiet (its clock never moves)."""
    ops = []
    while len(ops) < count:
        op = gen.next(ctx)
        if op["f"] != "crash":
            ops.append(op)
    return ops


def test_sends_and_polls_are_even_and_keys_are_strings():
    ops = client_ops(generator(), Ctx(), 20_000)
    counts = Counter(op["f"] for op in ops)
    assert abs(counts["send"] - counts["poll"]) < 0.05 * len(ops)
    assert 0.5 / 64 < counts["assign"] / len(ops) < 2 / 64
    for op in ops:
        if op["f"] == "send":
            [[mop, key, value]] = op["value"]
            assert mop == "send" and isinstance(key, str) and isinstance(value, int)
        elif op["f"] == "poll":
            assert op["value"] == [[K("poll")]]
        else:
            assert all(isinstance(k, str) for k in op["value"])


@pytest.mark.parametrize("version, share", [("0.3.7", 64), ("0.3.1", 8)])
def test_the_generator_version_sets_the_share_of_assigns(version, share):
    ops = client_ops(generator(kafka_generator=version), Ctx(), 20_000)
    assigns = sum(op["f"] == "assign" for op in ops) / len(ops)
    assert 0.7 / share < assigns < 1.3 / share
    assert kafka.generator_words({"kafka_generator": version}) == \
        f"Jepsen {version}'s generator (1 op in {share} an assign)"


def test_without_a_version_the_generator_is_jepsen_037s():
    assert kafka.generator_words({}) == kafka.generator_words({"kafka_generator": "0.3.7"})
    assert generator().assign_p == kafka.ASSIGN_P["0.3.7"] == 1 / 64


def test_caught_up_keys_leave_the_unseen_tracking_whatever_the_order_of_updates():
    # Only the keys a completion touches are re-checked: every key left in `sent` must
    # still be behind, after any mix of sends and polls.
    gen = generator()
    rng = random.Random(3)
    for _ in range(3000):
        key = str(rng.randrange(6))
        offset = rng.randrange(50)
        if rng.random() < 0.5:
            gen.update({"type": "ok", "f": "send", "value": [[K("send"), key, [offset, 1]]]})
        else:
            gen.update({"type": "ok", "f": "poll",
                        "value": [[K("poll"), {key: [[offset, 1]]}]]})
        assert set(gen.polled) <= set(gen.sent)
        assert all(gen.polled.get(k, -1) < s for k, s in gen.sent.items())


def test_each_key_takes_values_1_to_16_then_a_fresh_key_takes_its_slot():
    gen = generator()
    ops = client_ops(gen, Ctx(), 20_000)
    values = {}
    for op in ops:
        if op["f"] == "send":
            [[_, key, value]] = op["value"]
            values.setdefault(key, []).append(value)
    assert all(v == list(range(1, len(v) + 1)) and len(v) <= 16 for v in values.values())
    assert sum(len(v) == 16 for v in values.values()) > 100
    assert sorted(map(int, values)) == list(range(len(values)))  # fresh keys are max + 1
    assert len(set(gen.pool.active)) == 10


def test_max_writes_per_key_is_an_option():
    ops = client_ops(generator(max_writes_per_key=3), Ctx(), 2000)
    sends = Counter(op["value"][0][1] for op in ops if op["f"] == "send")
    assert max(sends.values()) == 3


def test_an_assign_displaces_its_op_which_comes_back_next():
    gen = generator()
    ctx = Ctx()
    for _ in range(5000):
        op = gen.next(ctx)
        if op["f"] == "assign":
            held = gen.held
            assert held is not None and str(held[1]) == op["value"][0]
            following = gen.next(ctx)
            while following["f"] == "assign":
                following = gen.next(ctx)
            if held[0] == "w":
                assert following["value"] == [[K("send"), str(held[1]), held[2]]]
            else:
                assert following["f"] == "poll"
            return
    pytest.fail("no assign in 5000 ops")


def test_unseen_keys_join_about_a_third_of_assigns():
    gen = generator()
    ctx = Ctx()
    gen.update({"type": "ok", "f": "send", "value": [[K("send"), "100000", [5, 1]]]})
    assigns = [op for op in client_ops(gen, ctx, 30_000) if op["f"] == "assign"]
    merged = [op for op in assigns if "100000" in op["value"]]
    assert 0.2 < len(merged) / len(assigns) < 0.46
    assert all(op["unseen"] == {100000: {"polled": -1, "sent": 5}} for op in merged)
    # Once a poll has read up to the sent offset, the key is caught up and stops joining.
    gen.update({"type": "ok", "f": "poll", "value": [[K("poll"), {"100000": [[5, 1]]}]]})
    assert gen.sent == {} and gen.polled == {}
    later = [op for op in client_ops(gen, ctx, 10_000) if op["f"] == "assign"]
    assert all("100000" not in op["value"] and "unseen" not in op for op in later)


def test_failed_ops_do_not_count_as_sent():
    gen = generator()
    gen.update({"type": "info", "f": "send", "value": [[K("send"), "1", 1]]})
    assert gen.sent == {}


def test_crash_stream_starts_at_once_with_mean_gap_30_over_concurrency():
    gen = generator(concurrency=4)
    ctx = Ctx(concurrency=4)
    assert gen.next(ctx)["f"] == "crash"
    crashes = []
    for step in range(1, 2_000_001):       # 2000 s in 1 ms steps
        ctx.net.loop.now = step / 1000
        if gen.next(ctx)["f"] == "crash":
            crashes.append(ctx.net.loop.now)
    gaps = [b - a for a, b in zip(crashes, crashes[1:])]
    assert abs(sum(gaps) / len(gaps) - 30 / 4) < 1.0
    assert max(gaps) < 60 / 4 + 0.01


def test_max_offsets_reads_ok_sends_and_polls():
    assert kafka.max_offsets({"type": "ok", "f": "send",
                              "value": [[K("send"), "3", [7, 1]]]}) == {3: 7}
    assert kafka.max_offsets({"type": "ok", "f": "poll", "value": [[K("poll"), {
        "3": [[1, 1], [2, 2]], "4": []}]]}) == {3: 2, 4: -1}
    # A node that invents a non-numeric key must not break the generator.
    assert kafka.max_offsets({"type": "ok", "f": "poll", "value": [[K("poll"), {
        "x": [[0, 1]], "2": [[0, 1]]}]]}) == {"x": 0, 2: 0}
    assert kafka.max_offsets({"type": "info", "f": "send",
                              "value": [[K("send"), "3", 1]]}) == {}


def completion(process, f, value, kind="ok"):
    return {"type": K(kind), "process": process, "f": K(f), "value": value}


def test_final_phase_crash_assign_then_staggered_polls_until_caught_up():
    history = [completion(0, "send", [[K("send"), "2", [4, 9]]]),
               completion(1, "poll", [[K("poll"), {"0": [[0, 1]], "1": []}]])]
    ctx = Ctx(concurrency=2, history=history)
    ops = kafka.final_ops(ctx, 1)
    assert next(ops) == {"f": "crash", "value": None}
    assert next(ops) == {"f": "assign", "value": [0, 1, 2], "seek-to-beginning?": True}
    first = next(ops)
    assert first["f"] == "poll" and first["poll-ms"] == 1000 and first["_sleep"] == 0
    # Thread 1 (process 3 after its crash) reads keys 0 and 1 but not yet offset 4 of key 2.
    history.append(completion(3, "poll", [[K("poll"), {"0": [[0, 1]], "1": []}]]))
    second = next(ops)
    assert 0 <= second["_sleep"] < 0.4
    history.append(completion(2, "poll", [[K("poll"), {"2": [[4, 9]]}]]))  # other thread
    ctx.net.loop.now += 1.0                         # the next poll is already due
    assert next(ops)["_sleep"] == 0
    history.append(completion(3, "poll", [[K("poll"), {"2": [[3, 8], [4, 9]]}]]))
    assert list(ops) == []


def test_final_phase_is_empty_without_any_ok_op():
    assert list(kafka.final_ops(Ctx(history=[]), 0)) == []


# -- the client ---------------------------------------------------------------------------

class Conn:
    """Answers requests from a script of reply bodies; records what was sent."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.sent = []

    async def rpc(self, body, timeout=5.0):
        self.sent.append(body)
        reply = {**self.replies.pop(0), "in_reply_to": len(self.sent)}
        if reply["type"] == "error":
            raise ErrorReply(reply)
        return reply


def invoke(conn, op):
    return asyncio.run(kafka.invoke(conn, op, {}))


def test_send_records_offset_and_message():
    conn = Conn({"type": "send_ok", "offset": 12})
    done = invoke(conn, {"f": "send", "value": [[K("send"), "5", 3]], "process": 0})
    assert conn.sent == [{"type": "send", "key": "5", "msg": 3}]
    assert done["type"] == "ok" and done["value"] == [[K("send"), "5", [12, 3]]]


def test_poll_advances_positions_and_commits_the_highest_offsets():
    conn = Conn({"type": "poll_ok", "msgs": {"5": [[3, 1], [4, 2]], "6": []}},
                {"type": "commit_offsets_ok"},
                {"type": "poll_ok", "msgs": {}})
    done = invoke(conn, {"f": "poll", "value": [[K("poll")]]})
    assert conn.sent[0] == {"type": "poll", "offsets": {}}
    assert conn.sent[1] == {"type": "commit_offsets", "offsets": {"5": 4}}
    assert done["value"] == [[K("poll"), {"5": [[3, 1], [4, 2]], "6": []}]]
    invoke(conn, {"f": "poll", "value": [[K("poll")]]})
    assert conn.sent[2] == {"type": "poll", "offsets": {"5": 5, "6": 0}}
    assert len(conn.sent) == 3                       # an empty poll commits nothing


def test_a_failed_commit_fails_the_poll():
    conn = Conn({"type": "poll_ok", "msgs": {"5": [[0, 1]]}},
                {"type": "error", "code": 11, "text": "busy"})
    with pytest.raises(ErrorReply):
        invoke(conn, {"f": "poll", "value": [[K("poll")]]})


def test_assign_keeps_local_positions_else_committed_else_zero():
    conn = Conn({"type": "poll_ok", "msgs": {"1": [[6, 1]]}}, {"type": "commit_offsets_ok"},
                {"type": "list_committed_offsets_ok", "offsets": {"2": 4, "1": 0}},
                {"type": "poll_ok", "msgs": {}})
    invoke(conn, {"f": "poll", "value": [[K("poll")]]})
    done = invoke(conn, {"f": "assign", "value": ["1", "2", "3"]})
    assert done["type"] == "ok"
    assert conn.sent[2] == {"type": "list_committed_offsets", "keys": ["1", "2", "3"]}
    invoke(conn, {"f": "poll", "value": [[K("poll")]]})
    assert conn.sent[3]["offsets"] == {"1": 7, "2": 4, "3": 0}


def test_seek_to_beginning_needs_no_rpc_and_takes_integer_keys():
    conn = Conn({"type": "poll_ok", "msgs": {}})
    invoke(conn, {"f": "assign", "value": [0, 7], "seek-to-beginning?": True})
    invoke(conn, {"f": "poll", "value": [[K("poll")]]})
    assert conn.sent == [{"type": "poll", "offsets": {"0": 0, "7": 0}}]


def test_crash_completes_info_without_a_message():
    conn = Conn()
    assert invoke(conn, {"f": "crash", "value": None})["type"] == "info"
    assert conn.sent == []


def test_a_malformed_poll_reply_is_rejected():
    from glomers.client import MalformedReply
    with pytest.raises(MalformedReply):
        invoke(Conn({"type": "poll_ok", "msgs": {"5": [[0]]}}),
               {"f": "poll", "value": [[K("poll")]]})


# A completion's send and poll offsets, gathered in one walk for the generator, are what
# Jepsen's op->max-offsets gives for each kind alone; any shape a node can return.
_KEYS = st.one_of(st.integers(-3, 30).map(str), st.sampled_from(["x", "", "07"]))
_OFFSET = st.one_of(st.none(), st.integers(-2, 6))
_PAIRS = st.lists(st.lists(st.one_of(_OFFSET, st.integers()), min_size=1, max_size=2)
                  .map(lambda p: p if len(p) == 2 else p + [1]), max_size=4)
_SEND = st.tuples(st.just(K("send")), _KEYS,
                  st.one_of(st.integers(), st.tuples(_OFFSET, st.integers()).map(list)))
_POLL = st.one_of(st.tuples(st.just(K("poll"))),
                  st.tuples(st.just(K("poll")),
                            st.one_of(st.none(), st.dictionaries(_KEYS, _PAIRS, max_size=4))))


@settings(max_examples=400, deadline=None)
@example("ok", "send", [[K("send"), "1", [-1, 0]], [K("send"), "1", [None, 0]]])
@example("ok", "poll", [[K("poll"), {"2": [[None, 1], [-2, 3]], "x": []}], [K("poll")]])
@given(st.sampled_from(["ok", "ok", "info"]), st.sampled_from(["send", "poll", "assign"]),
       st.one_of(st.none(), st.lists(st.one_of(_SEND, _POLL).map(list), max_size=4)))
def test_sends_and_polls_of_a_completion_in_one_walk_are_max_offsets_of_each(kind, f, value):
    op = {"type": K(kind), "f": K(f), "value": value}
    assert kafka._sent_and_polled(op) == (kafka.max_offsets(op, ("send",)),
                                          kafka.max_offsets(op, ("poll",)))
