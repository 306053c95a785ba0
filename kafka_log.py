#!/usr/bin/env python3
"""Challenges 5a-5c, a Kafka-style log: append-only logs per key, polls, committed offsets,
kept safe when nodes are killed (all memory lost) or paused.

Layout: every key has an owner node, a stable hash of the key over the sorted node ids. The
owner alone assigns that key's offsets, densely 0, 1, 2, ...; a `send` that arrives at
another node is forwarded to the owner (one request, one reply, never retried: a retry
could append the message twice). With one node (5a) the node owns every key.

Durability: what a node acknowledges is first written to lin-kv, which is never killed and
never cut off by a partition. Each node keeps a journal there: records 0, 1, 2, ... under
the keys "kafka-<node id>-<i>", each written once by compare-and-set from nothing. A record
holds the new entries of the keys the node owns (offset of the first, messages) and the
commits the node received. Sends and commits wait in memory and go out together, at most
one record per FLUSH_INTERVAL seconds (KAFKA_FLUSH_INTERVAL, default 0.05); once lin-kv has
the record, the entries become visible (polls, replication) and every waiting request is
answered. So nothing a client was told, and nothing a poll ever returned, lives only in
memory, and offsets are assigned only when their record is built.

A restarted node (empty memory, a fresh `init`) reads its records back, 32 at a time, up to
the first empty slot, and answers no request before that. A record of a killed life still
in flight may land in the slot the new life tries next: the compare-and-set fails, the new
life reads the record that won, applies it (it continues the same log) and numbers its own
entries after it. A write that times out is settled by reading its slot.

Replication: the owner copies its durable entries to the other nodes in periodic batches,
one message per peer per tick, which also carry commits and cumulative acknowledgements;
anything unconfirmed is sent again after RETRANSMIT. Every node therefore holds, for every
key, a contiguous prefix of the owner's durable log, so `poll` and
`list_committed_offsets` answer locally and a poll starts exactly at the requested offset:
it can never skip one. Each message names the sender's life and the life it believes the
receiver is in; a node that sees a new life of a peer forgets what that peer had confirmed
and sends it everything again, and a new life says hello until each peer has answered it.

Lives: each life numbers its requests from its start time in microseconds (the same clock
for every process on the machine, and the bench's virtual clock), 1 ms after its `init`, and
that number names the life. So a reply meant for a killed life, arriving late, never matches
a request of the next one, and a peer's messages from a dead life are told apart and dropped.

Cost (bench/kafka.py, README): one lin-kv compare-and-set per flush per node, so at most
2 / FLUSH_INTERVAL messages a second per node whatever the load, and up to FLUSH_INTERVAL
of added latency per send and commit; a restart reads every record once.
"""

import asyncio
import math
import os
import zlib

from maelstrom_node import ErrorCode, LinKV, Node, RPCError, run

TICK = 0.05              # seconds between replication batches
RETRANSMIT = 0.5         # resend what a peer has not acknowledged after this long
FORWARD_TIMEOUT = 3.0    # a forwarded send waits for the owner's flush: keep it under 5 s
DEFAULT_FLUSH_INTERVAL = 0.05
RECOVERY_WINDOW = 32     # journal records read at once on restart
LIFE_GAP = 0.001         # a life starts numbering requests this long after its init


def flush_interval_from_env():
    """KAFKA_FLUSH_INTERVAL in seconds (default 0.05): a clear error for a bad value."""
    raw = os.environ.get("KAFKA_FLUSH_INTERVAL")
    if raw is None:
        return DEFAULT_FLUSH_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value < 2):
        raise ValueError(f"KAFKA_FLUSH_INTERVAL must be a number of seconds in [0, 2), "
                         f"not {raw!r}")
    return value


def begin_life(node):
    """Name this life after the clock and number its requests from that name.

    The library numbers requests from 1 in every process, so a reply to a request of a
    killed life could be taken for the reply to a new request. Lives start at least
    LIFE_GAP apart (a life waits that long before calling this), so starting each life at
    its start time in microseconds leaves every earlier life's numbers below, as long as a
    life sends fewer than a million requests a second. (The library has no public setter
    for its request counter.)
    """
    life = int(node.time() * 1_000_000)
    node._next_msg_id = max(node._next_msg_id, life)
    return life


class Journal:
    """This node's records in lin-kv: slots 0, 1, 2, ... under "<prefix>-<node id>-<i>",
    each written once. Slots fill in order, so the written ones are always a prefix."""

    def __init__(self, node, prefix):
        self.node = node
        self.prefix = prefix
        self.kv = LinKV(node)
        self.next = 0           # the first slot not known to be taken

    def key(self, slot):
        return f"{self.prefix}-{self.node.node_id}-{slot}"

    async def read(self, slot):
        """The record in a slot, or None if it is empty; asks again after a timeout."""
        while True:
            try:
                return await self.kv.read(self.key(slot), default=None)
            except RPCError as error:
                if error.definite:
                    raise

    async def recover(self):
        """Every record written so far, in order; append() then continues after them."""
        records = []
        while True:
            window = await asyncio.gather(*(self.read(self.next + i)
                                            for i in range(RECOVERY_WINDOW)))
            for record in window:
                if record is None:
                    return records
                records.append(record)
                self.next += 1

    async def append(self, record):
        """Write record (which has a unique "id") into the next slot.

        Returns None once it is there, or the record of an earlier life that took the slot
        first: the caller applies that one and builds its own again on top.
        """
        while True:
            try:
                if await self.kv.cas(self.key(self.next), None, record, create=True):
                    self.next += 1
                    return None
            except RPCError as error:
                if error.definite:
                    raise
            # Refused, or no answer (ours may still land): the slot's content decides.
            found = await self.read(self.next)
            if found is None:
                continue
            self.next += 1
            return None if found["id"] == record["id"] else found


class Peer:
    """What one peer has been sent and has confirmed, per key: our entries and commits."""

    def __init__(self, life=None):
        self.life = life          # the peer's life we last heard from (None: not yet)
        self.aware = False        # the peer has named our current life
        self.hello_due = False    # send a batch even if it carries nothing
        self.hello_at = -math.inf
        self.acked = {}           # key -> the peer holds entries [0, n) of our log
        self.sent = {}            # key -> entries [0, n) went out (maybe not yet confirmed)
        self.commit_acked = {}    # key -> the peer's committed offset is at least this
        self.commit_sent = {}
        self.dirty = set()        # keys with new entries or commits since our last batch
        self.unacked = set()      # keys with something sent and not yet confirmed
        self.owed_acks = set()    # keys the peer sent us something for since our last batch
        self.waiting_since = None  # when the oldest unconfirmed progress went out


class KafkaLog:
    """A node's durable logs and committed offsets, what waits to be written, and the
    replication state towards each peer."""

    def __init__(self, node, flush_interval=DEFAULT_FLUSH_INTERVAL):
        self.node = node
        self.flush_interval = flush_interval
        self.logs = {}        # key -> list of messages, durable; the offset is the index
        self.committed = {}   # key -> highest committed offset, durable here or at a peer
        self.owners = {}      # key -> owner node id, memoised
        self._peers = None    # node id -> Peer, made once init has told us the cluster
        self.journal = Journal(node, "kafka")
        self.life = None
        self.ready = asyncio.Event()   # set once the journal is read back
        self.sends = []       # (key, msg, future of its offset) waiting for the next record
        self.commits = []     # ({key: offset}, future) waiting for the next record
        self.wanted = asyncio.Event()  # something waits to be written
        self.flushed_at = -math.inf
        self.records = 0      # records this life has built (their ids)

    def peers(self):
        """One Peer per other node, in node id order."""
        if self._peers is None:
            self._peers = {p: Peer() for p in sorted(self.node.node_ids)
                           if p != self.node.node_id}
        return self._peers

    def owner(self, key):
        """The node that assigns offsets for key (crc32 is the same in every process)."""
        if key not in self.owners:
            ids = sorted(self.node.node_ids)
            self.owners[key] = ids[zlib.crc32(key.encode()) % len(ids)]
        return self.owners[key]

    # -- durable state ---------------------------------------------------------------------

    def apply_entries(self, key, start, msgs):
        """Place msgs at offsets start, start+1, ... in our copy of key's log.

        Only what extends our copy without a hole is taken: overlap is skipped, and a batch
        that starts beyond our end is dropped (a retransmission fills the hole first).
        """
        log = self.logs.setdefault(key, [])
        if start <= len(log) < start + len(msgs):
            log.extend(msgs[len(log) - start:])
            for peer in self.peers().values():
                peer.dirty.add(key)

    def commit(self, key, offset):
        """Raise key's committed offset (never lower it); tell the peers."""
        if offset > self.committed.get(key, -1):
            self.committed[key] = offset
            for peer in self.peers().values():
                peer.dirty.add(key)

    def apply_record(self, record):
        """A journal record's entries and commits, now durable."""
        for key, (start, msgs) in record["entries"].items():
            self.apply_entries(key, start, msgs)
        for key, offset in record["commits"].items():
            self.commit(key, offset)

    async def recover(self):
        """Start this life: read the journal back, then accept requests."""
        await asyncio.sleep(LIFE_GAP)
        self.life = begin_life(self.node)
        for record in await self.journal.recover():
            self.apply_record(record)
        self.ready.set()

    # -- writing -----------------------------------------------------------------------------

    async def submit_send(self, key, msg):
        """Append msg to key's log (we own key); return its offset once it is durable."""
        offset = asyncio.get_running_loop().create_future()
        self.sends.append((key, msg, offset))
        self.wanted.set()
        return await offset

    async def submit_commits(self, offsets):
        """Raise committed offsets; return once they are durable."""
        done = asyncio.get_running_loop().create_future()
        self.commits.append((offsets, done))
        self.wanted.set()
        await done

    def build_record(self, sends, commits):
        """The next record for these waiting sends and commits, and the sends' offsets."""
        self.records += 1
        entries, offsets, highest = {}, [], {}
        for key, msg, _ in sends:
            start, msgs = entries.setdefault(key, [len(self.logs.get(key, ())), []])
            offsets.append(start + len(msgs))
            msgs.append(msg)
        for batch, _ in commits:
            for key, offset in batch.items():
                highest[key] = max(highest.get(key, offset), offset)
        record = {"id": f"{self.life}-{self.records}", "entries": entries, "commits": highest}
        return record, offsets

    async def flush(self):
        """Write everything waiting as one record, then make it visible and answer."""
        sends, commits = self.sends, self.commits
        self.sends, self.commits = [], []
        try:
            while True:
                record, offsets = self.build_record(sends, commits)
                other = await self.journal.append(record)
                if other is None:
                    break
                self.apply_record(other)    # an earlier life's record came first
        except Exception as error:
            # Not known to be durable: the requests get an indefinite error. Should the
            # record have landed after all, the next append finds it and applies it.
            self.node.log(f"journal write failed: {error!r}")
            for future in [f for *_, f in sends] + [f for _, f in commits]:
                if not future.done():
                    future.set_exception(RPCError(ErrorCode.CRASH, f"journal: {error}"))
            return
        self.apply_record(record)
        for (*_, future), offset in zip(sends, offsets):
            if not future.done():
                future.set_result(offset)
        for _, future in commits:
            if not future.done():
                future.set_result(None)

    async def keep_flushing(self):
        """Recover, then write a record whenever something waits, at most one per interval."""
        await self.recover()
        while True:
            await self.wanted.wait()
            await asyncio.sleep(max(0.0, self.flushed_at + self.flush_interval
                                    - self.node.time()))
            self.wanted.clear()
            self.flushed_at = self.node.time()
            await self.flush()

    # -- replication -------------------------------------------------------------------------

    def batch_for(self, peer, now):
        """The body of our next replication message to a peer, or None if nothing is due."""
        if not peer.aware and now - peer.hello_at >= RETRANSMIT:
            peer.hello_due = True
        if peer.unacked and now - peer.waiting_since >= RETRANSMIT:
            # Nothing confirmed for too long: everything unconfirmed goes out again.
            for key in peer.unacked:
                peer.sent[key] = peer.acked.get(key, 0)
                peer.commit_sent[key] = peer.commit_acked.get(key, -1)
            peer.dirty |= peer.unacked
        entries, commits = {}, {}
        for key in sorted(peer.dirty):
            log = self.logs.get(key, ())
            start = peer.sent.get(key, 0)
            if start < len(log) and self.owner(key) == self.node.node_id:
                entries[key] = [start, log[start:]]
                peer.sent[key] = len(log)
            if self.committed.get(key, -1) > peer.commit_sent.get(key, -1):
                commits[key] = peer.commit_sent[key] = self.committed[key]
        acks = {k: [len(self.logs.get(k, ())), self.committed.get(k, -1)]
                for k in sorted(peer.owed_acks)}
        peer.dirty, peer.owed_acks = set(), set()
        if not (entries or commits or acks or peer.hello_due):
            return None
        if peer.hello_due:
            peer.hello_due, peer.hello_at = False, now
        if (entries or commits) and not peer.unacked:
            peer.waiting_since = now
        peer.unacked.update(entries, commits)
        # An ack-only batch is itself never acknowledged, so the exchange ends.
        return {"type": "replicate", "life": self.life, "to_life": peer.life,
                "entries": entries, "commits": commits, "acks": acks}

    def forget(self, peer_id, life):
        """A new life of a peer holds nothing of ours: start over with everything."""
        peer = self.peers()[peer_id] = Peer(life)
        peer.dirty = {k for k in self.logs if self.owner(k) == self.node.node_id}
        peer.dirty.update(self.committed)
        return peer

    def receive_batch(self, peer_id, body, now):
        """Apply a peer's batch: its entries, its commits, and its confirmations of ours."""
        peer = self.peers().get(peer_id)
        if peer is None:
            return
        life = body["life"]
        if peer.life is not None and life < peer.life:
            return                                   # sent by a life that has died since
        if peer.life is not None and life > peer.life:
            peer = self.forget(peer_id, life)
        peer.life = life
        peer.aware = body["to_life"] == self.life
        if not peer.aware:
            peer.hello_due = True                    # tell it which life it talks to
        for key, (start, msgs) in body["entries"].items():
            self.apply_entries(key, start, msgs)
            peer.owed_acks.add(key)
        for key, offset in body["commits"].items():
            # The sender holds this commit already: mark it so, so it is not echoed back.
            peer.commit_sent[key] = peer.commit_acked[key] = max(
                peer.commit_acked.get(key, -1), offset)
            self.commit(key, offset)
            peer.owed_acks.add(key)
        for key, (length, committed) in body["acks"].items():
            peer.acked[key] = max(peer.acked.get(key, 0), length)
            peer.commit_acked[key] = max(peer.commit_acked.get(key, -1), committed)
            if (peer.acked[key] >= peer.sent.get(key, 0)
                    and peer.commit_acked[key] >= peer.commit_sent.get(key, -1)):
                peer.unacked.discard(key)
            peer.waiting_since = now      # progress restarts the retransmission clock


def checked_offsets(offsets):
    """A request's {key: offset} map, refused unless it is one: a bad value must not
    reach the journal, where it would break every record after it."""
    if not (isinstance(offsets, dict)
            and all(type(offset) is int for offset in offsets.values())):
        raise RPCError(ErrorCode.MALFORMED_REQUEST, "offsets must map keys to integers")
    return offsets


def register(node: Node, state: KafkaLog) -> KafkaLog:
    """Register the client, forwarding and replication handlers, the journal writer and
    the replication ticker for `state`; return it."""

    @node.handler
    async def send(msg):
        key, value = msg.body["key"], msg.body["msg"]
        if not isinstance(key, str):
            raise RPCError(ErrorCode.MALFORMED_REQUEST, "key must be a string")
        await state.ready.wait()
        owner = state.owner(key)
        if owner == node.node_id:
            return {"type": "send_ok", "offset": await state.submit_send(key, value)}
        # A timeout here is indefinite (the owner may have appended), so it is not retried:
        # a retry could append the message twice.
        reply = await node.call(owner, {"type": "forward_send", "key": key, "msg": value},
                                timeout=FORWARD_TIMEOUT)
        offset = reply["offset"]
        state.apply_entries(key, offset, [value])   # no-op unless it extends our prefix
        return {"type": "send_ok", "offset": offset}

    @node.handler
    async def forward_send(msg):
        key = msg.body["key"]
        await state.ready.wait()
        if state.owner(key) != node.node_id:
            raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"not the owner of {key!r}")
        return {"type": "forward_send_ok",
                "offset": await state.submit_send(key, msg.body["msg"])}

    @node.handler
    async def poll(msg):
        offsets = checked_offsets(msg.body["offsets"])
        await state.ready.wait()
        msgs = {}
        for key, start in offsets.items():
            log = state.logs.get(key, ())
            start = max(start, 0)
            if start < len(log):
                msgs[key] = [[offset, log[offset]] for offset in range(start, len(log))]
        return {"type": "poll_ok", "msgs": msgs}

    @node.handler
    async def commit_offsets(msg):
        offsets = checked_offsets(msg.body["offsets"])
        await state.ready.wait()
        await state.submit_commits(offsets)
        return {"type": "commit_offsets_ok"}

    @node.handler
    async def list_committed_offsets(msg):
        keys = msg.body["keys"]
        await state.ready.wait()
        offsets = {k: state.committed[k] for k in keys if k in state.committed}
        return {"type": "list_committed_offsets_ok", "offsets": offsets}

    @node.handler
    def replicate(msg):
        # Before the journal is read back we hold nothing to compare with: the peer's
        # retransmission brings the batch again.
        if state.ready.is_set():
            state.receive_batch(msg.src, msg.body, node.time())

    def tick():
        if not state.ready.is_set():
            return
        now = node.time()
        for peer_id, peer in state.peers().items():
            body = state.batch_for(peer, now)
            if body is not None:
                node.send(peer_id, body)

    node.spawn(state.keep_flushing)
    node.every(TICK, tick)
    return state


def serve(node: Node) -> KafkaLog:
    """Register the handlers on a node, with the flush interval from the environment."""
    return register(node, KafkaLog(node, flush_interval_from_env()))


if __name__ == "__main__":
    run(serve)
