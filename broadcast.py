#!/usr/bin/env python3
"""Challenges 3a-3e, broadcast: every value broadcast to any node reaches every node, and no
acknowledged value is lost when nodes are killed (all their memory gone) or paused.

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

Kept before acknowledged. A kill can take every node at once, so no copy in a node's memory
is safe; lin-kv is, since services are never killed nor cut off. Each node owns one lin-kv
key, "broadcast-<node id>", holding {"node", "life", "since", "values"}: the values its
clients gave it, and which life of the node claimed the key (since when). A broadcast is
acknowledged only once a read of that key shows the value, and a value is shown to anyone
(read, gossiped) only once it is in its owner's key: set-full calls a value lost if any read
ever showed it and the last read lacks it, acknowledged or not. So every value a client
ever saw is in some key, and the keys only grow: every write is a compare-and-set from the
value just read to that value plus new values. Broadcasts arriving during a store round
share the next one.
Why a read and not the compare-and-set's reply: a new life numbers its requests from 1
again, so a reply meant for the previous life can answer a request of the new one. An empty
`cas_ok` cannot be told apart; a read's value names its key's node and only ever shows
values that are in the key.
Cost, per store round (about one per broadcast on 3d): a compare-and-set and a read, 4
server messages, and 2 lin-kv round trips before `broadcast_ok` (400 ms at 100 ms latency).
Measured on the 3d/3e command (bench/broadcast.py, virtual time, median of 5): batch mode
3.25 msgs-per-op (1.16 before), direct mode 14.56 (11.99); stable latency, which Maelstrom
counts from the acknowledgement, does not grow: batch p50 196 / max 445 ms (226 / 446
before), direct 64 / 99 ms (84 / 99).
Both published targets hold (3d: < 30, < 400 / < 600 ms; 3e: < 20, < 1 / < 2 s).

Lives. A node that starts reads its key and claims the next life number with a
compare-and-set, checked by a read as above (the claim carries the node's clock at start,
so a late reply cannot pass for it); a later life also reads every other node's
key (catch-up). Until then it answers neither reads nor broadcasts: they wait; gossip that
arrives meanwhile, even before `init`, is ignored, since its sender sends everything again
once it hears of the new life. Its own values come back from its key, and it says hello to
the peers it gossips with, again every resend period until they show they heard.

Links. Both modes carry values over a reliable link between two nodes (class Link): the
sender keeps the list of values it owes the peer and resends everything the peer has not
acknowledged; acknowledgements are cumulative counts that ride on the messages going the
other way anyway, and are only sent on their own when nothing has gone back for a while.
Counts belong to one life on each side: every message names the sender's life and the
receiver's life as the sender knows it. Values are taken from any message (all gossiped
values are kept already); counts only from a message between the current lives. When a
node hears a new life of a peer, it starts the link over with everything it answers for:
the hub sends all it holds, any other node its own values. So a restarted node gets all
from the hub, and a restarted hub gets every node's values back. A partition costs time,
never values; a pause is a long partition; a healthy network costs almost no messages
beyond the values themselves.
"""

import asyncio
import os

from maelstrom_node import ErrorCode, Node, RPCError, run

MODE_VARIABLE = "BROADCAST_MODE"

# batch mode: how often the hub sends each node what it lacks. A value needs two hops plus
# up to one period to reach everyone; each period costs one message per node.
FANOUT_PERIOD = 0.35

# How often every node looks for overdue resends, acknowledgements and hellos.
CHECK_PERIOD = 0.1

# mode -> (ACK_DELAY, RESEND_AFTER) in seconds. A node that received values acknowledges
# them on its next message to that peer, or on its own after ACK_DELAY; the sender resends
# what is still unacknowledged RESEND_AFTER its last send. RESEND_AFTER must exceed
# ACK_DELAY plus a round trip, or healthy links would resend. Long delays cost nothing in
# latency (the values already went out) and keep stand-alone acknowledgements rare.
TIMERS = {"batch": (2.0, 3.0), "direct": (2.5, 3.5)}

KV = "lin-kv"
# A lin-kv request unanswered this long is asked again; nothing is decided on a timeout.
KV_TIMEOUT = 2.0
# Wait after an error reply other than a timeout, so a failing service is not hammered.
KV_RETRY_PAUSE = 0.1


def key(node_id):
    """The lin-kv key holding the values node_id's clients gave it."""
    return f"broadcast-{node_id}"


def is_record(value, node_id):
    """A record of node_id: {"node": node_id, "life": int, "values": list}. Anything else is
    a reply meant for another request (another key, or a previous life of this node)."""
    return (isinstance(value, dict) and value.get("node") == node_id
            and type(value.get("life")) is int and isinstance(value.get("values"), list))


class Link:
    """What flows between this node and one peer, in both directions, between two lives.

    Outgoing: `out` is every value we owe the peer's life `peer_life`, in order; it has
    acknowledged holding out[:acked]. Incoming: we hold the first `received` values of that
    life's `out` list toward us. A gossip message carries a suffix of `out` starting at a
    position the peer already holds, so both counts only ever grow and any message received
    extends a prefix: no gaps, whatever was dropped.

    Hellos. Any message names our life and the peer's as we know it. We say something at
    once to a life of the peer we just heard of (it learns we know it, and gets what we owe
    it), and while the peer has not shown it knows our life (`unheard`) we say it again
    every resend period: a hello can be dropped like anything else.
    """

    __slots__ = ("peer", "peer_life", "out", "acked", "sent", "sent_at", "received",
                 "ack_owed_since", "unheard", "said_at", "in_use")

    def __init__(self, peer):
        self.peer = peer
        self.restart(None, [])
        self.unheard = False          # links we never use stay quiet
        self.said_at = 0.0
        self.in_use = False           # set by Broadcast.use once restarted or sent on

    def restart(self, peer_life, out):
        """Start over with a (new) life of the peer, owing it `out`."""
        self.peer_life = peer_life    # None: not heard from the peer in this life of ours
        self.out = list(out)
        self.acked = 0
        self.sent = 0                 # out[:sent] went out at least once
        self.sent_at = 0.0            # when values last went out on this link
        self.received = 0
        self.ack_owed_since = None    # when the peer sent values we have not acknowledged
        self.unheard = True
        self.said_at = None           # when we last said anything to this life; None: not yet

    def make_unheard(self):
        """The peer showed it does not know our life: say hello soon, and until it does."""
        if not self.unheard:
            self.unheard = True
            self.said_at = None

    def has_unsent(self):
        """Values queued for the peer that never went out."""
        return self.sent < len(self.out)

    def due(self, now, every, delay):
        """Something to say now: nothing said yet to this life of the peer, or it still does
        not know ours and we said nothing for `every` seconds (a hello); values went out
        and none came back acknowledged for `every` seconds (a resend); or we have owed an
        acknowledgement for `delay` seconds. One method, not three: every node asks it of
        its links ten times a second. A link never restarted nor sent on is never due:
        nothing was said on it, nothing is owed on it, its peer waits for nothing."""
        said_at = self.said_at
        if said_at is None or (self.unheard and now - said_at >= every):
            return True
        if self.acked < self.sent and now - self.sent_at >= every:
            return True
        owed = self.ack_owed_since
        return owed is not None and now - owed >= delay


class Broadcast:
    """One node's values, its lin-kv record, its links and its forwarding rule (see the
    module docstring)."""

    def __init__(self, node, mode):
        if mode not in TIMERS:
            raise ValueError(f"{MODE_VARIABLE} must be one of {', '.join(TIMERS)}, not {mode!r}")
        self.node = node
        self.mode = mode
        self.ack_delay, self.resend_after = TIMERS[mode]
        self.values = set()       # every value here is in its owner's lin-kv key
        self.own = []             # the values in our key, in the order we learned them
        self.life = None          # this life's number, once claimed
        self.record = None        # our key's value, as last read
        self.ready = asyncio.Event()
        self.pending = {}         # value -> future resolved once our key holds it
        self.work = asyncio.Event()
        self._links = None
        self._used = None         # the links in use, in the order of `links`; None: stale

    @property
    def links(self):
        """peer id -> Link, made on first use (init has named us and our peers by then)."""
        if self._links is None:
            me = self.node.node_id
            self._links = {peer: Link(peer) for peer in self.node.node_ids if peer != me}
        return self._links

    def use(self, link):
        """Note that `link` was restarted or sent on: from now on it can be due."""
        if not link.in_use:
            link.in_use = True
            self._used = None

    def used_links(self):
        """The links restarted or sent on, in the order of `links`: the only ones check()
        needs to ask, as no other can be due. (A node other than the hub talks to one peer
        of its 24; asking all of them, ten times a second, was most of a 3e run's work.)"""
        if self._used is None:
            self._used = [link for link in self.links.values() if link.in_use]
        return self._used

    @property
    def hub(self):
        """The batch-mode hub: the first node in init's list, the same on every node."""
        return self.node.node_ids[0]

    @property
    def is_hub(self):
        return self.mode == "batch" and self.node.node_id == self.hub

    def targets(self, source):
        """The links on which a value learned from `source` goes out (None: our own key,
        which holds what our clients gave us; else the peer it came from).

        Direct mode: a value's first node sends it to everyone, nobody relays. Batch mode:
        other nodes send their clients' values to the hub; the hub sends every value it
        learns to everyone but the node it came from.
        """
        if self.is_hub:
            return [link for peer, link in self.links.items() if peer != source]
        if source is not None:
            return []
        if self.mode == "direct":
            return list(self.links.values())
        return [self.links[self.hub]]

    def owed(self, peer):
        """Everything we answer for toward `peer`, sent again when it starts a new life:
        the hub owes all it holds, any other node its own values."""
        if self.is_hub:
            return list(self.values)
        if self.mode == "batch" and peer != self.hub:
            return []
        return list(self.own)

    # ----- lives and lin-kv -----------------------------------------------------------

    async def begin(self):
        """Claim a life, catch up if this is not the first, then open to clients and peers."""
        life, record = await self.claim_life()
        others = await self.catch_up() if life > 1 else []
        self.open(life, record, others)

    def open(self, life, record, others=()):
        """Start life `life` with our key's `record` and other nodes' values `others`."""
        self.life = life
        self.record = record
        self.own = list(dict.fromkeys(record["values"]))
        self.values.update(self.own)
        self.values.update(others)
        # Every link starts with the peer unheard of: on its first word, restart() owes it
        # all we answer for. A hello to the peers we gossip with gets that going.
        for link in self.targets(None):
            link.restart(None, [])
            self.use(link)
        self.ready.set()

    async def claim_life(self):
        """Our key's record with the next life number in it, as a read shows it."""
        me = self.node.node_id
        since = self.node.time()
        while True:
            record = await self.read_record(me)
            life = (record["life"] if record else 0) + 1
            claim = {"node": me, "life": life, "since": since,
                     "values": record["values"] if record else []}
            await self.cas(record, claim)
            confirmed = await self.read_record(me)
            # Ours if it shows our claim: a `record` that was a late reply meant for our
            # previous life may have named its own life number, but not our start time.
            if (confirmed is not None and confirmed["life"] == life
                    and confirmed.get("since") == since):
                return life, confirmed

    async def catch_up(self):
        """Every value in the other nodes' keys."""
        me = self.node.node_id
        records = await asyncio.gather(*(self.read_record(peer) for peer in self.node.node_ids
                                         if peer != me))
        return [value for record in records if record for value in record["values"]]

    async def read_record(self, node_id):
        """node_id's record as lin-kv holds it, None if there is none, asked until a reply
        that is a record of node_id comes back."""
        while True:
            try:
                reply = await self.node.call(KV, {"type": "read", "key": key(node_id)},
                                             KV_TIMEOUT)
            except RPCError as error:
                if error.code == ErrorCode.KEY_DOES_NOT_EXIST:
                    return None
                if error.code != ErrorCode.TIMEOUT:
                    await asyncio.sleep(KV_RETRY_PAUSE)
                continue
            if reply.get("type") == "read_ok" and is_record(reply.get("value"), node_id):
                return reply["value"]

    async def cas(self, old, new):
        """Ask lin-kv to move our key from `old` (None: no key yet) to `new`. The reply is
        not believed either way: the read that follows tells what happened."""
        body = {"type": "cas", "key": key(self.node.node_id), "from": old, "to": new}
        if old is None:
            body["create_if_not_exists"] = True    # and refused if the key exists
        try:
            await self.node.call(KV, body, KV_TIMEOUT)
        except RPCError:
            pass

    async def keep(self, value):
        """Return once `value` is in our key (at once if we hold it: then it is in a key)."""
        if value in self.values:
            return
        future = self.pending.get(value)
        if future is None:
            future = self.pending[value] = asyncio.get_running_loop().create_future()
            self.work.set()
        await future

    async def writer(self):
        """Store waiting values, one round at a time; values arriving during a round share
        the next."""
        await self.ready.wait()
        while True:
            await self.work.wait()
            self.work.clear()
            while self.pending:
                await self.store_round()

    async def store_round(self):
        """Compare-and-set our key to add the waiting values, then read it: what the read
        shows is kept, learned and acknowledged; the rest waits for the next round."""
        me = self.node.node_id
        held = set(self.record["values"])
        new = [value for value in self.pending if value not in held]
        if new:
            await self.cas(self.record, {**self.record, "values": self.record["values"] + new})
        # Between the awaits, broadcasts may add to `pending`; none is removed but here.
        record = await self.read_record(me)
        if record is None:
            return                    # a late "no such key" meant for our previous life
        self.record = record
        self.learn(record["values"], source=None)
        for value in [value for value in self.pending if value in self.values]:
            future = self.pending.pop(value)
            if not future.done():         # its broadcast handler may have been cancelled
                future.set_result(None)

    # ----- gossip ---------------------------------------------------------------------

    def learn(self, values, source=None):
        """Keep the values we did not have and queue them for their targets."""
        fresh = [v for v in values if v not in self.values]
        if not fresh:
            return
        self.values.update(fresh)
        if source is None:
            self.own.extend(fresh)
        targets = self.targets(source)
        for link in targets:
            link.out.extend(fresh)
        # Values leave at once, except at the hub, which gathers a whole period's worth.
        if not self.is_hub:
            for link in targets:
                self.send(link)

    def send(self, link):
        """One gossip message: everything the peer has not acknowledged, plus our ack."""
        pending = link.out[link.acked:]
        self.node.send(link.peer, {"type": "gossip", "life": self.life,
                                   "peer_life": link.peer_life, "start": link.acked,
                                   "messages": pending, "ack": link.received})
        if pending:
            link.sent = len(link.out)
            link.sent_at = self.node.time()
        link.ack_owed_since = None
        link.said_at = self.node.time()
        self.use(link)

    def gossip(self, src, life, peer_life, start, values, ack):
        """A peer's message from its life `life` to our life `peer_life` (as it knows it):
        values from position `start` of its stream, and its ack of ours."""
        if not self.ready.is_set():
            return        # before our life is claimed: the peer will restart the link
        link = self.links.get(src)
        if link is None:
            return
        self.learn(values, source=src)
        if link.peer_life is None or life > link.peer_life:
            link.restart(life, self.owed(src))
            self.use(link)
        if life != link.peer_life:
            return        # from an earlier life of the peer: its values were all we needed
        if peer_life != self.life:
            link.make_unheard()       # it has not heard of our life: its counts are not ours
            return
        link.unheard = False
        # The peer can only acknowledge what we sent; a count beyond it would be a bug there.
        link.acked = max(link.acked, min(ack, link.sent))
        if not values:
            return
        # Even a message of values we already hold needs an answer: our last ack was lost.
        if link.ack_owed_since is None:
            link.ack_owed_since = self.node.time()
        if start <= link.received:
            link.received = max(link.received, start + len(values))

    def fanout(self):
        """The hub's period: each node gets what it lacks, owed acks, and resends in one."""
        if not self.ready.is_set():
            return
        now = self.node.time()
        for link in self.links.values():
            # An owed ack goes at once here (delay 0): the hub answers once a period.
            if link.has_unsent() or link.due(now, self.resend_after, 0):
                self.send(link)

    def check(self):
        """Every node, often: resend what stayed unacknowledged, send overdue acks, hello."""
        if not self.ready.is_set():
            return
        now = self.node.time()
        every, delay = self.resend_after, self.ack_delay
        for link in self.used_links():
            if link.due(now, every, delay):
                self.send(link)


def register(node: Node, state: Broadcast) -> None:
    """Register the broadcast handlers and timers of `state` on `node`."""
    async def start_timers():
        # Spawned tasks start after init, once this node knows whether it is the hub.
        node.every(CHECK_PERIOD, state.check)
        if state.is_hub:
            node.every(FANOUT_PERIOD, state.fanout)

    node.spawn(start_timers)
    node.spawn(state.begin)
    node.spawn(state.writer)

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    async def broadcast(msg):
        value = msg.body["message"]
        await state.ready.wait()
        await state.keep(value)
        return {"type": "broadcast_ok"}

    @node.handler
    async def read(msg):
        await state.ready.wait()
        return {"type": "read_ok", "messages": list(state.values)}

    @node.handler
    def gossip(msg):
        body = msg.body
        state.gossip(msg.src, body["life"], body["peer_life"], body["start"],
                     body["messages"], body["ack"])


def serve(node: Node, mode: str | None = None) -> None:
    """Register the broadcast handlers; `mode` defaults to $BROADCAST_MODE, else batch."""
    register(node, Broadcast(node, mode or os.environ.get(MODE_VARIABLE) or "batch"))


if __name__ == "__main__":
    run(serve)
