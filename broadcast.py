#!/usr/bin/env python3
"""Challenges 3a-3e, broadcast: every value broadcast to any node reaches every node.

Reads answer from local state only. The suggested `topology` is acknowledged and ignored:
the script builds its own, in one of two modes chosen by the environment variable
BROADCAST_MODE.

- `batch` (default, fewest messages): a star. The first node in `node_ids` is the hub.
  Every other node sends each value it is given to the hub at once; the hub gathers what
  it learns and every FANOUT_PERIOD sends each node, in one message, the values that node
  lacks. Two hops of latency plus a wait of at most one period, and about one message per
  node per period however many values there are.
- `direct` (latency first): every node sends each value it is given straight to every other
  node. One hop of latency, one message per value per peer.

Both modes carry values over the same reliable link between two nodes (class Link): the
sender keeps the list of values it owes the peer and resends everything the peer has not
acknowledged; acknowledgements are cumulative counts that ride on the messages going the
other way anyway, and are only sent on their own when nothing has gone back for a while.
A partition therefore costs time, never values, and a healthy network costs almost no
messages beyond the values themselves.
"""

import os

from maelstrom_node import Node, run

MODE_VARIABLE = "BROADCAST_MODE"

# batch mode: how often the hub sends each node what it lacks. A value needs two hops plus
# up to one period to reach everyone; each period costs one message per node.
FANOUT_PERIOD = 0.35

# How often every node looks for overdue resends and acknowledgements.
CHECK_PERIOD = 0.1

# mode -> (ACK_DELAY, RESEND_AFTER) in seconds. A node that received values acknowledges
# them on its next message to that peer, or on its own after ACK_DELAY; the sender resends
# what is still unacknowledged RESEND_AFTER its last send. RESEND_AFTER must exceed
# ACK_DELAY plus a round trip, or healthy links would resend. Long delays cost nothing in
# latency (the values already went out) and keep stand-alone acknowledgements rare.
TIMERS = {"batch": (2.0, 3.0), "direct": (2.5, 3.5)}


class Link:
    """What flows between this node and one peer, in both directions.

    Outgoing: `out` is every value we owe the peer, in order; the peer has acknowledged
    holding out[:acked]. Incoming: we hold the first `received` values of the peer's own
    `out` list toward us. A gossip message carries a suffix of `out` starting at a position
    the peer already holds, so both counts only ever grow and any message received extends
    a prefix: no gaps, whatever was dropped.
    """

    __slots__ = ("peer", "out", "acked", "sent", "sent_at", "received", "ack_owed_since")

    def __init__(self, peer):
        self.peer = peer
        self.out = []
        self.acked = 0
        self.sent = 0                 # out[:sent] went out at least once
        self.sent_at = 0.0            # when values last went out on this link
        self.received = 0
        self.ack_owed_since = None    # when the peer sent values we have not acknowledged

    def has_unsent(self):
        """Values queued for the peer that never went out."""
        return self.sent < len(self.out)

    def resend_due(self, now, after):
        """Values went out, none came back acknowledged, and `after` seconds passed."""
        return self.acked < self.sent and now - self.sent_at >= after

    def ack_due(self, now, delay):
        """We owe the peer an acknowledgement and have held it for `delay` seconds."""
        return self.ack_owed_since is not None and now - self.ack_owed_since >= delay


class Broadcast:
    """One node's values, its links and its forwarding rule (see the module docstring)."""

    def __init__(self, node, mode):
        if mode not in TIMERS:
            raise ValueError(f"{MODE_VARIABLE} must be one of {', '.join(TIMERS)}, not {mode!r}")
        self.node = node
        self.mode = mode
        self.ack_delay, self.resend_after = TIMERS[mode]
        self.values = set()
        self._links = None

    @property
    def links(self):
        """peer id -> Link, made on first use (init has named us and our peers by then)."""
        if self._links is None:
            me = self.node.node_id
            self._links = {peer: Link(peer) for peer in self.node.node_ids if peer != me}
        return self._links

    @property
    def hub(self):
        """The batch-mode hub: the first node in init's list, the same on every node."""
        return self.node.node_ids[0]

    def targets(self, source):
        """The links on which a value learned from `source` (None: a client) goes out.

        Direct mode: a value's first node sends it to everyone, nobody relays. Batch mode:
        other nodes send their clients' values to the hub; the hub sends every value it
        learns to everyone but the node it came from.
        """
        if self.mode == "direct":
            return list(self.links.values()) if source is None else []
        if self.node.node_id == self.hub:
            return [link for peer, link in self.links.items() if peer != source]
        return [self.links[self.hub]] if source is None else []

    def learn(self, values, source=None):
        """Keep the values we did not have and queue them for their targets."""
        fresh = [v for v in values if v not in self.values]
        if not fresh:
            return
        self.values.update(fresh)
        targets = self.targets(source)
        for link in targets:
            link.out.extend(fresh)
        # Values leave at once, except at the hub, which gathers a whole period's worth.
        if not (self.mode == "batch" and self.node.node_id == self.hub):
            for link in targets:
                self.send(link)

    def send(self, link):
        """One gossip message: everything the peer has not acknowledged, plus our ack."""
        pending = link.out[link.acked:]
        self.node.send(link.peer, {"type": "gossip", "start": link.acked,
                                   "messages": pending, "ack": link.received})
        if pending:
            link.sent = len(link.out)
            link.sent_at = self.node.time()
        link.ack_owed_since = None

    def gossip(self, src, start, values, ack):
        """A peer's message: values from position `start` of its stream, and its ack of ours."""
        link = self.links.get(src)
        if link is None:
            return
        # The peer can only acknowledge what we sent; a count beyond it would be a bug there.
        link.acked = max(link.acked, min(ack, link.sent))
        if not values:
            return
        # Even a message of values we already hold needs an answer: our last ack was lost.
        if link.ack_owed_since is None:
            link.ack_owed_since = self.node.time()
        if start <= link.received:
            new = values[link.received - start:]
            link.received += len(new)
            self.learn(new, source=src)

    def fanout(self):
        """The hub's period: each node gets what it lacks, owed acks, and resends in one."""
        now = self.node.time()
        for link in self.links.values():
            if (link.has_unsent() or link.ack_owed_since is not None
                    or link.resend_due(now, self.resend_after)):
                self.send(link)

    def check(self):
        """Every node, often: resend what stayed unacknowledged, send overdue acks."""
        now = self.node.time()
        for link in self.links.values():
            if link.resend_due(now, self.resend_after) or link.ack_due(now, self.ack_delay):
                self.send(link)


def serve(node: Node, mode: str | None = None) -> None:
    """Register the broadcast handlers; `mode` defaults to $BROADCAST_MODE, else batch."""
    state = Broadcast(node, mode or os.environ.get(MODE_VARIABLE) or "batch")

    async def start_timers():
        # Spawned tasks start after init, once this node knows whether it is the hub.
        node.every(CHECK_PERIOD, state.check)
        if state.mode == "batch" and node.node_id == state.hub:
            node.every(FANOUT_PERIOD, state.fanout)

    node.spawn(start_timers)

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        state.learn([msg.body["message"]])
        return {"type": "broadcast_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": list(state.values)}

    @node.handler
    def gossip(msg):
        body = msg.body
        state.gossip(msg.src, body["start"], body["messages"], body["ack"])


if __name__ == "__main__":
    run(serve)
