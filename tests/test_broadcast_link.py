"""broadcast.py's Link.due, the one question the periodic check and the hub's fan-out ask
of every link: is a hello, a resend or an acknowledgement due now?"""

import random

import broadcast
from broadcast import Link
from test_broadcast import FakeNode

EVERY, DELAY = 1.0, 0.25        # binary fractions: the boundaries compare exactly


def quiet_link():
    """A link never used: nothing owed in either direction, nothing to say."""
    return Link("n2")


def heard_link(now=0.0):
    """A link to a life of the peer that knows ours, last spoken to at `now`."""
    link = Link("n2")
    link.restart(1, [])
    link.unheard = False
    link.said_at = now
    return link


def test_a_quiet_link_is_never_due():
    link = quiet_link()
    assert not link.due(0.0, EVERY, DELAY)
    assert not link.due(1e6, EVERY, DELAY)


def test_a_life_just_heard_of_is_greeted_at_once():
    link = Link("n2")
    link.restart(3, [7, 8])
    assert link.said_at is None and link.due(0.0, EVERY, DELAY)


def test_a_peer_that_does_not_know_our_life_hears_again_every_period():
    link = heard_link(now=5.0)
    link.make_unheard()
    assert link.due(5.0, EVERY, DELAY)            # make_unheard: say it soon
    link.said_at = 5.0
    assert not link.due(5.0 + EVERY - 1e-9, EVERY, DELAY)
    assert link.due(5.0 + EVERY, EVERY, DELAY)
    link.unheard = False
    assert not link.due(100.0, EVERY, DELAY)      # it knows us now: no more hellos


def test_unacknowledged_values_go_again_after_a_period():
    link = heard_link()
    link.out = [1, 2, 3]
    link.sent, link.sent_at, link.acked = 3, 2.0, 1
    assert not link.due(2.0 + EVERY - 1e-9, EVERY, DELAY)
    assert link.due(2.0 + EVERY, EVERY, DELAY)
    link.acked = 3
    assert not link.due(100.0, EVERY, DELAY)      # all acknowledged: nothing to resend


def test_an_owed_acknowledgement_waits_its_delay_except_at_the_hub():
    link = heard_link()
    link.ack_owed_since = 4.0
    assert not link.due(4.0 + DELAY / 2, EVERY, DELAY)
    assert link.due(4.0 + DELAY, EVERY, DELAY)
    assert link.due(4.0, EVERY, 0)                # the hub's fan-out answers at once
    link.ack_owed_since = None
    assert not link.due(100.0, EVERY, 0)


def test_the_periodic_check_sends_on_due_links_only():
    sent = []

    class Ready:
        def is_set(self):
            return True

    class Node:
        def time(self):
            return 10.0

    state = broadcast.Broadcast.__new__(broadcast.Broadcast)
    state.ready, state.node = Ready(), Node()
    state.resend_after, state.ack_delay = EVERY, DELAY
    owed = heard_link()
    owed.ack_owed_since = 9.5          # due after DELAY, long before EVERY
    state._links = {"n1": quiet_link(), "n2": owed, "n3": heard_link(now=9.5)}
    state._used = None
    for link in (owed, state._links["n3"]):
        state.use(link)
    state.send = sent.append
    state.check()
    assert sent == [owed]


class AskingEveryLink(broadcast.Broadcast):
    """The reference: a periodic check that asks every link, used or not."""

    def used_links(self):
        return list(self.links.values())


NODES = ["n0", "n1", "n2", "n3", "n4"]


def random_steps(rng, count):
    """Steps a node may live through: values from its clients, gossip from any peer in
    any of its lives (to our life, an older one, or none), time passing, both periods."""
    steps = []
    for _ in range(count):
        kind = rng.choice(["learn", "gossip", "gossip", "tick", "check", "fanout"])
        if kind == "learn":
            steps.append(("learn", [rng.randrange(40)]))
        elif kind == "gossip":
            values = [rng.randrange(40) for _ in range(rng.randrange(3))]
            steps.append(("gossip", rng.choice(NODES), rng.randrange(1, 4),
                          rng.choice([None, 1, 1, 2]), rng.randrange(3), values,
                          rng.randrange(4)))
        elif kind == "tick":
            steps.append(("tick", rng.choice([0.05, 0.1, 0.3, 1.0, 2.5])))
        else:
            steps.append((kind,))
    return steps


def replay(cls, node_id, mode, steps):
    node = FakeNode(node_id, NODES)
    state = cls(node, mode)
    state.open(1, {"node": node_id, "life": 1, "values": []})
    for step in steps:
        if step[0] == "learn":
            state.learn(step[1])
        elif step[0] == "gossip":
            if step[1] != node_id:
                state.gossip(*step[1:])
        elif step[0] == "tick":
            node.now += step[1]
        elif step[0] == "check":
            state.check()
        elif step[0] == "fanout":
            state.fanout()
    return node.sent


def test_the_check_asks_only_used_links_and_sends_what_asking_every_link_would():
    # Skipping the links never restarted nor sent on must change nothing a node sends:
    # hub and other nodes, both modes, 300 random lives of 60 steps each.
    rng = random.Random(17)
    skipped = 0
    for trial in range(300):
        node_id = rng.choice(["n0", "n0", "n3"])      # n0 is the batch-mode hub
        mode = rng.choice(["batch", "direct"])
        steps = random_steps(rng, 60)
        assert replay(broadcast.Broadcast, node_id, mode, steps) == \
            replay(AskingEveryLink, node_id, mode, steps), (trial, node_id, mode)
        node = FakeNode(node_id, NODES)
        state = broadcast.Broadcast(node, mode)
        state.open(1, {"node": node_id, "life": 1, "values": []})
        skipped += len(state.links) - len(state.used_links())
    assert skipped > 0          # the shortcut was taken: some links were left unasked


def test_a_link_comes_into_use_when_restarted_or_sent_on_and_keeps_its_order():
    node = FakeNode("n3", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.open(1, {"node": "n3", "life": 1, "values": []})
    assert [link.peer for link in state.used_links()] == ["n0"]       # the hub only
    state.gossip("n2", 1, None, 0, [], 0)                             # a hello from n2
    assert [link.peer for link in state.used_links()] == ["n0", "n2"]
    state.send(state.links["n1"])
    assert [link.peer for link in state.used_links()] == ["n0", "n1", "n2"]
