"""broadcast.py's Link.due, the one question the periodic check and the hub's fan-out ask
of every link: is a hello, a resend or an acknowledgement due now?"""

import broadcast
from broadcast import Link

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
    state.send = sent.append
    state.check()
    assert sent == [owed]
