"""A restarted node must not reuse its previous life's request msg_ids (faults.md §5.1): a
reply to the old life's request, still in flight, would answer the new life's request of the
same id. The library starts each life's ids at its clock, so lives never overlap."""

import asyncio
import json
import random

from glomers.virtual_time import VirtualTimeLoop
from maelstrom_node import MSG_ID_LIMIT, Node

INIT = ('{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1",'
        '"node_ids":["n1"],"msg_id":1}}')


def virtual(coro):
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coro)


def life(out):
    """A node as a restarted process would be: same seed for its random source every time
    (the worst case: the ids must differ even so)."""
    node = Node(write=out.append, log=lambda text: None, random=random.Random(1))
    node.feed(INIT)
    out.clear()
    return node


def request_ids(out):
    return [json.loads(line)["body"]["msg_id"] for line in out]


def test_a_stale_reply_from_before_a_restart_does_not_answer_the_new_life():
    async def scenario():
        out = []
        old = life(out)
        old.rpc("seq-kv", {"type": "cas", "key": "k", "from": 1, "to": 2}, lambda m: None)
        [stale] = request_ids(out)
        out.clear()
        await asyncio.sleep(0.5)                # killed, restarted half a second later
        new = life(out)
        answers = []
        new.rpc("seq-kv", {"type": "cas", "key": "k", "from": 5, "to": 6}, answers.append)
        [fresh] = request_ids(out)
        assert fresh > stale
        new.feed(json.dumps({"src": "seq-kv", "dest": "n1",
                             "body": {"type": "cas_ok", "in_reply_to": stale}}))
        assert answers == []                    # the old life's reply is not taken as ours
        new.feed(json.dumps({"src": "seq-kv", "dest": "n1",
                             "body": {"type": "cas_ok", "in_reply_to": fresh}}))
        assert [m.body["in_reply_to"] for m in answers] == [fresh]
    virtual(scenario())


def test_lives_never_overlap_even_when_the_first_sent_many_requests():
    async def scenario():
        out = []
        first = life(out)
        for _ in range(10_000):
            first.rpc("n2", {"type": "ping"}, lambda m: None)
        used = request_ids(out)
        out.clear()
        await asyncio.sleep(0.001)              # a restart one millisecond later
        second = life(out)
        second.rpc("n2", {"type": "ping"}, lambda m: None)
        assert request_ids(out)[0] > max(used)
        assert used == list(range(used[0], used[0] + 10_000))    # consecutive within a life
    virtual(scenario())


def test_ids_stay_exact_json_integers_however_long_the_clock_has_run(monkeypatch):
    import maelstrom_node
    for years in (1, 17, 18, 40, 1000):
        monkeypatch.setattr(maelstrom_node.time, "monotonic", lambda: years * 365.25 * 86400)
        out = []
        node = life(out)                        # built outside a loop: the monotonic clock
        node.rpc("n2", {"type": "ping"}, lambda m: None)
        [first] = request_ids(out)
        assert 0 < first < MSG_ID_LIMIT - (1 << 32)


def test_a_node_built_before_its_loop_runs_uses_the_monotonic_clock():
    a = Node(write=lambda line: None, random=random.Random(1))
    b = Node(write=lambda line: None, random=random.Random(1))
    assert a._next_msg_id > 1000 and b._next_msg_id >= a._next_msg_id - 16


def test_first_msg_id_can_be_given():
    out = []
    node = Node(write=out.append, log=lambda text: None, first_msg_id=1)
    node.feed(INIT)
    out.clear()
    node.rpc("n2", {"type": "ping"}, lambda m: None)
    assert request_ids(out) == [1]
