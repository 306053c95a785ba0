"""broadcast.py (challenges 3a-3e), the broadcast workload, and lost values explained.

Six levels: the reliable link of broadcast.py on literal messages (what goes out, what is
resent, what is acknowledged, what a new life of a peer changes); a node's lin-kv record on
literal lines (a value is acknowledged only once a read shows it in the node's key); kills,
pauses and partitions on the restart harness (tests/restart_cluster.py), with a node that
acknowledges before storing as the negative control; whole bench runs of 3a-3d in virtual
time, both modes, with and without partitions, plus one real-process run of 3b; a
deliberately broken node whose lost values must be explained down to the journal trail; and
the workload's own pieces (topology per node, the 50/50 generator, one final read per
client thread).
"""

import asyncio
import io
import json
import os
import random
import re

import pytest

import broadcast
from glomers import challenges, cli, edn
from glomers.checkers import set_full
from glomers.main import run_test
from glomers.topology import topology
from glomers.virtual_time import run as run_virtual
from glomers.workloads import broadcast as workload
from maelstrom_node import Node
import broadcast_faults
from restart_cluster import BACKLOG_MODES, RestartCluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What not to do: each node hands its clients' values to one neighbour, which keeps them.
NO_RELAY = '''\
"""A broadcast node that passes each value one hop and no further: a negative example."""
from maelstrom_node import run


def serve(node):
    values = set()

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        values.add(msg.body["message"])
        ring = node.node_ids
        neighbour = ring[(ring.index(node.node_id) + 1) % len(ring)]
        if neighbour != node.node_id:
            node.send(neighbour, {"type": "relay", "value": msg.body["message"]})
        return {"type": "broadcast_ok"}

    @node.handler
    def relay(msg):
        values.add(msg.body["value"])

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}


if __name__ == "__main__":
    run(serve)
'''


# ---------------------------------------------------------------------------------------
# The link, on literal messages


class FakeNode:
    """What Broadcast uses of a Node for gossip: ids, send and a clock moved by hand."""

    def __init__(self, node_id, node_ids):
        self.node_id, self.node_ids = node_id, node_ids
        self.now = 0.0
        self.sent = []

    def send(self, dest, body):
        self.sent.append((dest, body))

    def time(self):
        return self.now

    def take(self):
        sent, self.sent = self.sent, []
        return sent


NODES = ["n0", "n1", "n2", "n3"]


def gossip(start, messages, ack, life=1, peer_life=1):
    return {"type": "gossip", "life": life, "peer_life": peer_life, "start": start,
            "messages": messages, "ack": ack}


def opened(node_id, mode="batch", own=(), heard=(), life=1):
    """A Broadcast in life `life` holding `own` in its key, whose peers `heard` (in their
    life 1) have already exchanged hellos with it; nothing left to send."""
    node = FakeNode(node_id, NODES)
    state = broadcast.Broadcast(node, mode)
    state.open(life, {"node": node_id, "life": life, "values": list(own)})
    for peer in heard:
        state.gossip(peer, 1, life, 0, [], 0)
    state.check()
    node.take()
    return node, state


def test_a_new_life_says_hello_to_the_peers_it_gossips_with():
    hellos = {}
    for node_id in ("n2", "n0"):
        node = FakeNode(node_id, NODES)
        state = broadcast.Broadcast(node, "batch")
        state.open(1, {"node": node_id, "life": 1, "values": [4]})
        state.check()
        hellos[node_id] = sorted(node.take())
    # The values come once the peer answers with its life (the link restarts then).
    assert hellos["n2"] == [("n0", gossip(0, [], 0, peer_life=None))]
    assert hellos["n0"] == [(p, gossip(0, [], 0, peer_life=None)) for p in ("n1", "n2", "n3")]


def test_batch_peer_sends_its_clients_value_to_the_hub_at_once():
    node, state = opened("n2", heard=["n0"])
    state.learn([7])
    assert node.take() == [("n0", gossip(0, [7], 0))]
    assert state.values == {7} and state.own == [7]


def test_batch_hub_batches_until_its_period_and_acknowledges_the_source():
    node, hub = opened("n0", heard=["n1", "n2", "n3"])
    hub.gossip("n1", 1, 1, 0, [5, 6], 0)
    hub.learn([9])                          # the hub's own client value waits too
    assert node.take() == []
    hub.fanout()
    assert sorted(node.take()) == [("n1", gossip(0, [9], 2)),       # ack of n1's two values
                                   ("n2", gossip(0, [5, 6, 9], 0)),
                                   ("n3", gossip(0, [5, 6, 9], 0))]
    hub.fanout()                            # nothing new, nothing owed: silence
    assert node.take() == []


def test_unacknowledged_values_are_resent_after_the_delay_and_only_then():
    node, state = opened("n1", heard=["n0"])
    state.learn([3])
    node.take()                             # suppose this message is dropped
    _, resend_after = broadcast.TIMERS["batch"]
    node.now = resend_after - 0.01
    state.check()
    assert node.take() == []
    node.now = resend_after
    state.check()
    assert node.take() == [("n0", gossip(0, [3], 0))]
    state.gossip("n0", 1, 1, 0, [], 1)      # the hub's ack arrives
    node.now += 10 * resend_after
    state.check()
    assert node.take() == []


def test_a_new_value_carries_the_unacknowledged_ones_along():
    node, state = opened("n1", heard=["n0"])
    state.learn([1])
    state.learn([2])
    assert node.take() == [("n0", gossip(0, [1], 0)), ("n0", gossip(0, [1, 2], 0))]


def test_received_values_are_acknowledged_alone_only_after_the_ack_delay():
    node, state = opened("n1", heard=["n0"])
    state.gossip("n0", 1, 1, 0, [4, 5], 0)
    assert state.values == {4, 5} and state.own == []
    ack_delay, _ = broadcast.TIMERS["batch"]
    node.now = ack_delay - 0.01
    state.check()
    assert node.take() == []
    node.now = ack_delay
    state.check()
    assert node.take() == [("n0", gossip(0, [], 2))]


def test_duplicates_are_ignored_but_acknowledged_again():
    node, state = opened("n1", heard=["n0"])
    state.gossip("n0", 1, 1, 0, [4, 5], 0)
    state.learn([8])                        # piggybacks the ack for 4 and 5
    assert node.take() == [("n0", gossip(0, [8], 2))]
    state.gossip("n0", 1, 1, 0, [4, 5], 1)  # our ack was lost: the hub resent
    assert state.links["n0"].received == 2
    node.now = broadcast.TIMERS["batch"][0]
    state.check()
    assert node.take() == [("n0", gossip(1, [], 2))]


def test_a_message_that_would_leave_a_gap_is_taken_but_not_counted():
    node, state = opened("n1", heard=["n0"])
    state.gossip("n0", 1, 1, 3, [10, 11], 0)     # positions 0-2 never arrived
    assert state.values == {10, 11}              # every gossiped value is kept already
    assert state.links["n0"].received == 0       # but the count only extends a prefix


def test_direct_mode_sends_a_clients_value_to_every_peer_and_relays_nothing():
    node, state = opened("n1", mode="direct", heard=["n0", "n2", "n3"])
    state.learn([1])
    assert sorted(node.take()) == [(p, gossip(0, [1], 0)) for p in ("n0", "n2", "n3")]
    state.gossip("n2", 1, 1, 0, [2], 0)
    assert state.values == {1, 2}
    assert node.take() == []


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="BROADCAST_MODE"):
        broadcast.Broadcast(FakeNode("n0", NODES), "fastest")


# ----- lives on the link


def test_the_hub_sends_a_new_life_of_a_node_everything_and_ignores_the_old_lifes_counts():
    node, hub = opened("n0", heard=["n1", "n2", "n3"])
    hub.gossip("n2", 1, 1, 0, [1, 2], 0)
    hub.fanout()
    hub.gossip("n1", 1, 1, 0, [], 2)             # n1 acknowledges 1 and 2...
    node.take()
    hub.gossip("n1", 2, 1, 0, [], 0)             # ...and is killed: its life 2 says hello
    hub.fanout()
    sent = dict(node.take())
    assert sorted(sent["n1"]["messages"]) == [1, 2]
    assert sent["n1"]["start"] == 0 and sent["n1"]["peer_life"] == 2
    # A message of n1's life 1 still on its way: its values count, its numbers do not.
    hub.gossip("n1", 1, 1, 5, [3], 9)
    assert 3 in hub.values
    assert hub.links["n1"].acked == 0 and hub.links["n1"].received == 0


def test_a_node_sends_a_new_life_of_the_hub_all_its_own_values():
    node, state = opened("n2", own=[1, 2], heard=["n0"])
    state.learn([3])
    state.gossip("n0", 1, 1, 0, [7], 3)          # the hub holds 1, 2, 3
    node.take()
    state.gossip("n0", 2, None, 0, [], 0)        # the hub was killed: its life 2 knows us not
    assert 7 in state.values                     # the hub's values are not ours to resend
    state.check()
    assert node.take() == [("n0", gossip(0, [1, 2, 3], 0, peer_life=2))]


def test_a_message_to_our_previous_life_is_taken_and_answered_with_our_life():
    node, state = opened("n1", heard=["n0"], life=3)
    state.gossip("n0", 1, 2, 4, [8, 9], 7)       # counts meant for our life 2
    assert {8, 9} <= state.values
    assert state.links["n0"].received == 0 and state.links["n0"].acked == 0
    state.check()
    assert node.take() == [("n0", gossip(0, [], 0, life=3))]


def test_gossip_before_our_life_begins_is_ignored_and_breaks_nothing():
    node = FakeNode("n1", [])                    # before init: no ids yet
    state = broadcast.Broadcast(node, "batch")
    state.gossip("n0", 1, None, 0, [5], 0)
    assert state.values == set()
    node.node_ids = NODES                        # init came; the life is claimed
    state.open(1, {"node": "n1", "life": 1, "values": []})
    state.gossip("n0", 1, 1, 0, [5], 0)
    assert state.values == {5} and state.links["n0"].received == 1


# ---------------------------------------------------------------------------------------
# A node's lin-kv record, on literal lines


class ScriptedKV:
    """One broadcast.py node fed literal lines; its lin-kv requests are answered by hand."""

    def __init__(self, node_id="n1", node_ids=("n0", "n1")):
        self.out = []
        self.node = Node(write=lambda line: self.out.append(json.loads(line)),
                         log=lambda text: None)
        broadcast.serve(self.node, "batch")
        self.node_id = node_id
        self.feed("c1", {"type": "init", "node_id": node_id, "node_ids": list(node_ids),
                         "msg_id": 1})

    def feed(self, src, body):
        self.node.feed(json.dumps({"src": src, "dest": self.node_id, "body": body}))

    async def next_request(self):
        """The next message the node sends to lin-kv (its body)."""
        for _ in range(100):
            await asyncio.sleep(0.001)
            for i, msg in enumerate(self.out):
                if msg["dest"] == "lin-kv":
                    return self.out.pop(i)["body"]
        raise AssertionError(f"no lin-kv request; sent {self.out}")

    def answer(self, request, body):
        self.feed("lin-kv", {**body, "in_reply_to": request["msg_id"]})

    def replies(self):
        """Bodies of the replies sent to clients so far (taken)."""
        found = [m["body"] for m in self.out if m["dest"].startswith("c")]
        self.out = [m for m in self.out if not m["dest"].startswith("c")]
        return found


def record(node_id, life, values, since=0.0):
    """A node's lin-kv record; a ScriptedKV node claims its life at virtual time 0."""
    return {"node": node_id, "life": life, "since": since, "values": values}


def test_a_first_life_is_claimed_by_create_and_confirmed_by_a_read():
    async def scenario():
        kv = ScriptedKV()
        assert kv.replies() == [{"type": "init_ok", "in_reply_to": 1}]
        read = await kv.next_request()
        assert read == {"type": "read", "key": "broadcast-n1", "msg_id": read["msg_id"]}
        kv.answer(read, {"type": "error", "code": 20, "text": "key does not exist"})
        cas = await kv.next_request()
        assert (cas["from"], cas["to"], cas["create_if_not_exists"]) == \
            (None, record("n1", 1, []), True)
        kv.answer(cas, {"type": "cas_ok"})
        kv.feed("c1", {"type": "read", "msg_id": 2})       # waits for the life to begin
        confirm = await kv.next_request()
        assert confirm["type"] == "read"
        assert kv.replies() == []
        kv.answer(confirm, {"type": "read_ok", "value": record("n1", 1, [])})
        await asyncio.sleep(0.01)
        return kv.replies()
    assert run_virtual(scenario(), virtual=True) == \
        [{"type": "read_ok", "messages": [], "in_reply_to": 2}]


async def begun(kv, life=1, values=()):
    """Walk a ScriptedKV node through claiming `life` over a record of life - 1."""
    read = await kv.next_request()
    old = record(kv.node_id, life - 1, list(values))
    kv.answer(read, {"type": "read_ok", "value": old} if life > 1 else
              {"type": "error", "code": 20, "text": "key does not exist"})
    kv.answer(await kv.next_request(), {"type": "cas_ok"})
    kv.answer(await kv.next_request(), {"type": "read_ok",
                                        "value": record(kv.node_id, life, list(values))})
    kv.replies()


def test_broadcast_ok_waits_for_a_read_showing_the_value_not_for_cas_ok():
    # A reply meant for the previous life (msg_ids start at 1 again) can say cas_ok to a
    # compare-and-set that never applied; only a read's value is believed.
    async def scenario():
        kv = ScriptedKV()
        await begun(kv)
        kv.feed("c1", {"type": "broadcast", "message": 42, "msg_id": 2})
        cas = await kv.next_request()
        assert (cas["from"], cas["to"]) == (record("n1", 1, []), record("n1", 1, [42]))
        kv.answer(cas, {"type": "cas_ok"})                 # a stale reply: nothing applied
        read = await kv.next_request()
        kv.answer(read, {"type": "read_ok", "value": record("n1", 1, [])})
        again = await kv.next_request()
        assert again["type"] == "cas" and again["to"] == record("n1", 1, [42])
        assert kv.replies() == [] and kv.node.node_id == "n1"
        kv.answer(again, {"type": "error", "code": 22, "text": "stale too"})
        read = await kv.next_request()
        assert kv.replies() == []
        kv.answer(read, {"type": "read_ok", "value": record("n1", 1, [42])})
        await asyncio.sleep(0.01)
        return kv.replies(), [m for m in kv.out if m["dest"] == "n0"]
    replies, to_hub = run_virtual(scenario(), virtual=True)
    assert replies == [{"type": "broadcast_ok", "in_reply_to": 2}]
    assert [m["body"]["messages"] for m in to_hub][-1] == [42]


def test_a_late_reply_cannot_make_a_new_life_take_its_previous_lifes_number():
    # The previous life (claimed at 4.0) took life 2; a late reply to one of its reads, from
    # before that, shows life 1. Our claim of life 2 from it fails, and the read after it
    # shows life 2, but not our claim: we claim again, life 3.
    async def scenario():
        await asyncio.sleep(10)
        kv = ScriptedKV()
        read = await kv.next_request()
        kv.answer(read, {"type": "read_ok", "value": record("n1", 1, [5], since=1.0)})
        cas = await kv.next_request()
        assert cas["to"] == record("n1", 2, [5], since=10.0)
        kv.answer(cas, {"type": "error", "code": 22, "text": "current value is not that"})
        current = {"type": "read_ok", "value": record("n1", 2, [5], since=4.0)}
        kv.answer(await kv.next_request(), current)
        kv.answer(await kv.next_request(), current)
        return await kv.next_request()
    cas = run_virtual(scenario(), virtual=True)
    assert (cas["from"], cas["to"]) == (record("n1", 2, [5], since=4.0),
                                        record("n1", 3, [5], since=10.0))


def test_a_read_reply_that_is_not_our_record_is_asked_again():
    async def scenario():
        kv = ScriptedKV()
        read = await kv.next_request()
        kv.answer(read, {"type": "read_ok", "value": record("n0", 4, [1, 2])})  # n0's key
        read = await kv.next_request()
        kv.answer(read, {"type": "cas_ok"})                                   # not a read
        read = await kv.next_request()
        assert read["type"] == "read"
        kv.answer(read, {"type": "read_ok", "value": record("n1", 2, [5])})
        cas = await kv.next_request()
        return cas
    cas = run_virtual(scenario(), virtual=True)
    assert (cas["from"], cas["to"]) == (record("n1", 2, [5]), record("n1", 3, [5]))


def test_a_later_life_gets_its_own_values_back_and_reads_every_other_key():
    async def scenario():
        kv = ScriptedKV("n1", ["n0", "n1", "n2"])
        kv.replies()
        read = await kv.next_request()
        kv.answer(read, {"type": "read_ok", "value": record("n1", 2, [7])})
        kv.answer(await kv.next_request(), {"type": "cas_ok"})
        kv.answer(await kv.next_request(), {"type": "read_ok", "value": record("n1", 3, [7])})
        keys = {}
        for _ in range(2):
            request = await kv.next_request()
            keys[request["key"]] = request
        assert sorted(keys) == ["broadcast-n0", "broadcast-n2"]
        kv.answer(keys["broadcast-n0"], {"type": "read_ok", "value": record("n0", 1, [1, 2])})
        kv.answer(keys["broadcast-n2"], {"type": "error", "code": 20, "text": "none"})
        kv.feed("c1", {"type": "read", "msg_id": 2})
        await asyncio.sleep(0.01)
        return kv.replies()
    replies = run_virtual(scenario(), virtual=True)
    assert [sorted(r["messages"]) for r in replies] == [[1, 2, 7]]


# ---------------------------------------------------------------------------------------
# Kills, pauses and partitions on the restart harness


class AckFirst(broadcast.Broadcast):
    """Restart-unsafe: acknowledges (and shows and gossips) a value before any copy is kept
    where a kill cannot reach, as the script did before issue 15."""

    async def keep(self, value):
        self.learn([value])


def serving(states, cls=broadcast.Broadcast, mode="batch"):
    """A serve(node) that also files each life's Broadcast under its Node in `states`."""
    def serve(node):
        states[node] = cls(node, mode)
        broadcast.register(node, states[node])
    return serve


FIVE = ["n0", "n1", "n2", "n3", "n4"]


def cut_off(cluster, node_id):
    """Partition: no node hears `node_id` (lin-kv still does), `node_id` hears nobody."""
    others = [n for n in cluster.node_ids if n != node_id]
    cluster.net.partition({**{n: {node_id} for n in others}, node_id: set(others)})


async def read(cluster, node_id):
    reply = await cluster.request(node_id, {"type": "read"})
    return set(reply["messages"]) if reply and reply["type"] == "read_ok" else None


async def time_to_hold(cluster, node_id, values, within=5.0):
    """Seconds until a read on node_id shows every one of `values`; None if not `within`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started <= within:
        held = await read(cluster, node_id)
        if held is not None and values <= held:
            return loop.time() - started
        await asyncio.sleep(0.05)
    return None


def acked_then_killed(cls, restart_owner):
    """n3, cut off from the other nodes, acknowledges 42 and is killed; the network heals.
    Then either n3 (restart_owner) or the hub n0 is restarted. Returns (what the others
    read before, seconds until every node holds 42 after the restart or None)."""
    async def scenario():
        states = {}
        cluster = RestartCluster(serving(states, cls), FIVE, seed=1, latency_ms=20)
        await cluster.start()
        cut_off(cluster, "n3")
        reply = await cluster.request("n3", {"type": "broadcast", "message": 42})
        assert reply["type"] == "broadcast_ok"
        cluster.kill("n3")
        await asyncio.sleep(1)           # what n3 sent is dropped meanwhile
        cluster.net.heal()
        await asyncio.sleep(5)
        before = [await read(cluster, n) for n in ("n0", "n1", "n2", "n4")]
        if restart_owner:
            await cluster.restart("n3")
        else:
            cluster.kill("n0")
            await cluster.restart("n0")
        waits = [await time_to_hold(cluster, n, {42}) for n in FIVE if cluster.alive(n)]
        return before, None if None in waits else max(waits)
    return run_virtual(scenario(), virtual=True)


@pytest.mark.parametrize("restart_owner", [True, False])
def test_a_value_acknowledged_by_a_node_killed_at_once_is_kept(restart_owner):
    before, wait = acked_then_killed(broadcast.Broadcast, restart_owner)
    assert all(42 not in held for held in before)      # it was nowhere but in lin-kv
    # The owner's next life finds it in its key; a restarted hub finds it in the catch-up.
    assert wait is not None and wait < 2


def test_a_node_acknowledging_before_storing_loses_the_value():
    before, wait = acked_then_killed(AckFirst, restart_owner=True)
    assert all(42 not in held for held in before)
    assert wait is None


def test_the_hub_killed_between_taking_a_value_and_fanning_it_out_loses_nothing():
    async def scenario():
        states = {}
        cluster = RestartCluster(serving(states), FIVE, seed=2, latency_ms=20)
        await cluster.start()
        hub = states[cluster.nodes["n0"]]
        # The hub hears everyone but nobody hears the hub: its fan-out is lost.
        cluster.net.partition({n: {"n0"} for n in FIVE[1:]})
        assert (await cluster.request("n2", {"type": "broadcast", "message": 7}))["type"] == \
            "broadcast_ok"
        while 7 not in hub.values:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)        # it acknowledged 7 to n2, in a message n2 never got
        cluster.kill("n0")
        cluster.net.heal()
        await cluster.restart("n0")
        return [await time_to_hold(cluster, n, {7}) for n in FIVE]
    waits = run_virtual(scenario(), virtual=True)
    assert None not in waits and max(waits) < 2, waits


def hellos_dropped_both_ways(serve):
    """n3 and then the hub n0 start new lives while cut off from each other, so both
    hellos are lost; meanwhile n2 stores 7, which n3's catch-up was too early to see and the
    new hub only read from lin-kv. Returns seconds until n3 holds 7 after the heal, or None."""
    async def scenario():
        cluster = RestartCluster(serve, FIVE, seed=5, latency_ms=20)
        await cluster.start()
        cut_off(cluster, "n3")
        cluster.kill("n3")
        await cluster.restart("n3")
        await asyncio.sleep(1)
        assert (await cluster.request("n2", {"type": "broadcast", "message": 7}))["type"] == \
            "broadcast_ok"
        await asyncio.sleep(5)          # n2's value reached n0, everything settled
        cluster.kill("n0")
        await cluster.restart("n0")
        await asyncio.sleep(1)
        cluster.net.heal()
        return await time_to_hold(cluster, "n3", {7}, within=10)
    return run_virtual(scenario(), virtual=True)


def test_a_link_whose_hellos_were_both_dropped_still_starts():
    wait = hellos_dropped_both_ways(serving({}))
    assert wait is not None and wait <= broadcast.TIMERS["batch"][1] + 1


def test_every_node_killed_at_once_loses_no_acknowledged_value():
    async def scenario():
        cluster = RestartCluster(serving({}), FIVE, seed=3, latency_ms=20)
        await cluster.start()
        replies = await asyncio.gather(*(cluster.request(FIVE[v % 5], {
            "type": "broadcast", "message": v}) for v in range(40)))
        acked = {v for v, r in enumerate(replies) if r and r["type"] == "broadcast_ok"}
        # More broadcasts in flight, then every node dies.
        late = [asyncio.ensure_future(cluster.request(FIVE[v % 5], {
            "type": "broadcast", "message": v})) for v in range(40, 60)]
        await asyncio.sleep(0.03)
        for node_id in FIVE:
            cluster.kill(node_id)
        await asyncio.sleep(1)
        for node_id in FIVE:
            await cluster.restart(node_id)
        acked |= {40 + i for i, f in enumerate(late) if f.done() and f.result()}
        waits = [await time_to_hold(cluster, n, acked) for n in FIVE]
        return acked, waits
    acked, waits = run_virtual(scenario(), virtual=True)
    assert len(acked) >= 40
    assert None not in waits and max(waits) < 2, waits


def test_a_paused_hub_delays_values_and_loses_none():
    async def scenario():
        cluster = RestartCluster(serving({}), FIVE, seed=4, latency_ms=20)
        await cluster.start()
        cluster.pause("n0")
        replies = await asyncio.gather(*(cluster.request(FIVE[v % 5], {
            "type": "broadcast", "message": v}) for v in range(20)))
        await asyncio.sleep(1)
        during = [await read(cluster, n) for n in FIVE[1:]]
        cluster.resume("n0")
        acked = {v for v, r in enumerate(replies) if r}
        waits = [await time_to_hold(cluster, n, acked | {0, 5, 10, 15}) for n in FIVE]
        return replies, during, waits
    replies, during, waits = run_virtual(scenario(), virtual=True)
    # Broadcasts to the paused hub timed out (it stored them after the resume); every
    # other node kept its own values, but nothing crossed the frozen hub.
    assert [v for v, r in enumerate(replies) if r is None] == [0, 5, 10, 15]
    assert [sorted(held) for held in during] == [[v for v in range(20) if v % 5 == i]
                                                 for i in range(1, 5)]
    assert None not in waits and max(waits) < 2, waits


def faults_run(cls, seed, faults, backlog="drop", mode="batch", **options):
    """run_with_faults on five `cls` nodes, 20 ms latency, catch-ups watched; (run, cluster)."""
    async def scenario():
        states = {}
        cluster = RestartCluster(serving(states, cls, mode), FIVE, seed, latency_ms=20,
                                 backlog=backlog)
        run = await broadcast_faults.run_with_faults(
            cluster, seed, faults, holdings=lambda n: states[cluster.nodes[n]].values,
            **options)
        return run, cluster
    return run_virtual(scenario(), virtual=True)


FAULTS = [("kill",), ("pause",), ("kill", "partition"), ("pause", "partition"),
          ("kill", "pause", "partition")]


@pytest.mark.parametrize("faults", FAULTS, ids=",".join)
@pytest.mark.parametrize("mode", ["batch", "direct"])
def test_no_value_acknowledged_or_read_is_lost_under_kill_pause_and_partition(mode, faults):
    seeds = range(1, 6) if mode == "batch" else range(1, 3)
    for seed in seeds:
        # Messages queued for a killed node: dropped at its restart (as Maelstrom does),
        # or handed to the new life before or after its init (replies meant for the old
        # life among them, colliding with the new life's msg_ids).
        backlog = BACKLOG_MODES[seed % len(BACKLOG_MODES)]
        run, cluster = faults_run(broadcast.Broadcast, seed, faults, backlog, mode, rate=40)
        assert broadcast_faults.missing_from_finals(run) == {}, (seed, backlog)
        result = broadcast_faults.judge(run)
        assert result["valid?"] is True and result["lost-count"] == 0, (seed, backlog)
        # The run was not trivial: values were acknowledged, and faults struck the hub.
        assert len(run.acked()) > 80
        if "kill" in faults:
            assert cluster.incarnations["n0"] > 3
            # A new life holds all that was acknowledged before it began soon: lin-kv is
            # never cut off, so only a pause (at most 2 s here) can hold that up.
            assert run.catch_ups and None not in run.catch_ups
            assert max(run.catch_ups) < 3, run.catch_ups
        if "pause" in faults:
            assert run.pauses > 10
        if faults == ("pause",):
            assert slowest_ack(run) > 1.0        # a paused node answered after its resume


def slowest_ack(run):
    """Seconds from a broadcast's invocation to its acknowledgement, at worst."""
    invoked, worst = {}, 0
    for op in run.history:
        if op["f"] == "broadcast" and op["type"] == "invoke":
            invoked[op["value"]] = op["time"]
        elif op["f"] == "broadcast" and op["type"] == "ok":
            worst = max(worst, op["time"] - invoked[op["value"]])
    return worst / 1e9


def test_acknowledging_before_storing_loses_values_under_kill_and_partition():
    lost = {}
    for seed in range(1, 4):
        run, _ = faults_run(AckFirst, seed, ("kill", "partition"))
        lost.update({(seed, node_id): values for node_id, values
                     in broadcast_faults.missing_from_finals(run).items()})
        assert broadcast_faults.judge(run)["valid?"] is False
    assert lost


def test_a_bad_fault_name_is_refused():
    with pytest.raises(ValueError, match="faults must be among"):
        faults_run(broadcast.Broadcast, 1, ("crash",))


@pytest.mark.parametrize("spec, sizes", [("nil", range(1, 6)), ("one", [1]),
                                         ("minority-third", [1]), ("minority", [2]),
                                         ("majority", [3]), ("all", [5])])
def test_kills_and_pauses_pick_nodes_as_jepsen_does_on_five(spec, sizes):
    rng = random.Random(3)
    drawn = [broadcast_faults.pick(rng, FIVE, spec) for _ in range(200)]
    assert {len(nodes) for nodes in drawn} == set(sizes)
    assert all(len(set(nodes)) == len(nodes) and set(nodes) <= set(FIVE) for nodes in drawn)


# ---------------------------------------------------------------------------------------
# Whole runs on the bench


def run(argv, tmp_path):
    """Run `python3 -m glomers` argv in this process; (outcome, console text)."""
    _, ns = cli.parse([*argv, "--store", str(tmp_path), "--quiet"])
    out = io.StringIO()
    outcome = run_test(cli.test_options(ns), out=out)
    return outcome, out.getvalue()


def part(name, seed, *extra):
    return [*challenges.argv(name), "--virtual-time", "--seed", str(seed), *extra]


@pytest.mark.parametrize("mode", ["batch", "direct"])
@pytest.mark.parametrize("name", ["3a", "3b", "3c"])
def test_small_parts_pass_in_virtual_time(tmp_path, monkeypatch, mode, name):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, mode)
    for seed in (1, 2, 3):
        outcome, text = run(part(name, seed), tmp_path)
        assert outcome.exit_status == 0, text
        workload_result = outcome.results["workload"]
        assert workload_result["lost-count"] == 0
        assert workload_result["stable-count"] == workload_result["attempt-count"]


def test_3b_passes_with_node_processes(tmp_path):
    outcome, text = run([*challenges.argv("3b"), "--seed", "5"], tmp_path)
    assert outcome.exit_status == 0, text
    assert outcome.results["workload"]["lost-count"] == 0


def figures(outcome):
    """(servers msgs-per-op, stable-latency p50, max) of a run."""
    latencies = outcome.results["workload"]["stable-latencies"]
    return (outcome.results["net"]["servers"]["msgs-per-op"], latencies[0.5], latencies[1])


def test_3d_batch_mode_meets_its_targets(tmp_path, monkeypatch):
    monkeypatch.delenv(broadcast.MODE_VARIABLE, raising=False)   # the default mode
    outcome, text = run(part("3d", 11), tmp_path)
    assert outcome.exit_status == 0, text
    msgs_per_op, p50, worst = figures(outcome)
    # Both parts' published targets at once: 3e's messages (< 20), 3d's latency
    # (< 400 / < 600 ms), with room to spare. About 1.2 of the 3.3 msgs-per-op are the
    # star's gossip, about 2 the lin-kv store rounds that make a kill lose nothing.
    assert msgs_per_op <= 3.6 and p50 <= 350 and worst <= 550, figures(outcome)
    for part_name in ("3d", "3e"):
        checks, line = set_full.targets(outcome.results["workload"], outcome.results["net"],
                                        part_name)
        assert all(passed for *_, passed in checks), line


def test_3d_direct_mode_is_one_hop(tmp_path, monkeypatch):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, "direct")
    outcome, text = run(part("3d", 11), tmp_path)
    assert outcome.exit_status == 0, text
    msgs_per_op, p50, worst = figures(outcome)
    # One hop is 100 ms: nothing may take longer than one hop and a little processing.
    # 24 messages per value, plus 4 per lin-kv store round: about 14.5 per op.
    assert msgs_per_op <= 15.5 and p50 < 100 and worst <= 110, figures(outcome)


@pytest.mark.parametrize("mode", ["batch", "direct"])
def test_3d_loses_nothing_under_partitions(tmp_path, monkeypatch, mode):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, mode)
    for seed in (21, 22):
        outcome, text = run(part("3d", seed, "--nemesis", "partition"), tmp_path)
        assert outcome.exit_status == 0, text
        assert outcome.results["workload"]["lost-count"] == 0


# ---------------------------------------------------------------------------------------
# A lost value, explained


def test_a_value_stopped_after_one_hop_is_explained_with_its_trail(tmp_path):
    script = tmp_path / "no_relay.py"
    script.write_text(NO_RELAY)
    outcome, text = run(["test", "-w", "broadcast", "--bin", str(script), "--node-count", "5",
                         "--time-limit", "5", "--rate", "10", "--virtual-time", "--seed", "3"],
                        tmp_path)
    assert outcome.exit_status == 1, text
    result = outcome.results["workload"]
    assert result["valid?"] is False and result["lost-count"] > 0

    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as lines:
        journal = [json.loads(line) for line in lines]
    opts = {"nodes": [f"n{i}" for i in range(5)], "concurrency": 5}
    lines = set_full.explain(result, history, opts, journal=journal)

    value = result["lost"][0]
    ack = next(op for op in history if op["f"] == "broadcast" and op["type"] == "ok"
               and op["value"] == value)
    origin = opts["nodes"][ack["process"] % 5]
    neighbour = opts["nodes"][(ack["process"] % 5 + 1) % 5]
    others = [n for n in opts["nodes"] if n not in (origin, neighbour)]
    at = next(i for i, line in enumerate(lines) if line.startswith(f"value {value} was LOST"))
    story = lines[at:at + 12]
    assert f"acknowledged by {origin} in op {ack['index']}" in story[0]
    # Every node but the two holding it answered a final read without it.
    lacking = next(line for line in story if line.startswith("  final reads without it:"))
    assert sorted(re.findall(r"(n\d+) \(op \d+", lacking)) == others
    assert f"  reached 2 node(s): {origin} {neighbour}." in story
    assert f"  never reached: {' '.join(others)}." in story
    assert any(line.startswith(f"  last hop seen: {origin} -> {neighbour} relay at")
               and line.endswith("delivered.") for line in story)


# ---------------------------------------------------------------------------------------
# The workload's pieces


def test_each_node_gets_the_suggested_topology_once(tmp_path):
    outcome, text = run(["test", "-w", "broadcast", "--bin", os.path.join(ROOT, "broadcast.py"),
                         "--node-count", "7", "--time-limit", "2", "--rate", "10",
                         "--topology", "tree3", "--virtual-time", "--seed", "2"], tmp_path)
    assert outcome.exit_status == 0, text
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as lines:
        sends = [e for e in map(json.loads, lines)
                 if e["event"] == "send" and e["body"].get("type") == "topology"]
    nodes = [f"n{i}" for i in range(7)]
    assert sorted(e["dest"] for e in sends) == nodes
    assert all(e["body"]["topology"] == topology("tree3", nodes) for e in sends)


def test_generator_mixes_broadcasts_of_0_1_2_and_reads_half_and_half():
    generator = workload.generator({}, random.Random(4))
    ops = [generator.next(None) for _ in range(4000)]
    broadcasts = [op["value"] for op in ops if op["f"] == "broadcast"]
    reads = [op for op in ops if op["f"] == "read"]
    assert broadcasts == list(range(len(broadcasts)))
    assert all(op["value"] is None for op in reads)
    assert 0.46 < len(broadcasts) / len(ops) < 0.54


def test_every_client_thread_makes_one_final_read(tmp_path):
    outcome, text = run(["test", "-w", "broadcast", "--bin", os.path.join(ROOT, "broadcast.py"),
                         "--node-count", "3", "--concurrency", "2n", "--time-limit", "2",
                         "--rate", "20", "--virtual-time", "--seed", "6"], tmp_path)
    assert outcome.exit_status == 0, text
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    finals = [op for op in history if op.get("final?") and op["type"] == "invoke"]
    assert len(finals) == 6
    assert {op["process"] % 6 for op in finals} == set(range(6))
    assert all(op["f"] == "read" for op in finals)
