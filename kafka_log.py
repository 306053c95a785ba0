#!/usr/bin/env python3
"""Challenges 5a-5c, a Kafka-style log: append-only logs per key, polls, committed offsets,
safe when nodes are killed (all memory lost) or paused.

Layout: every key has an owner node, a stable hash of the key over the sorted node ids. The
owner alone assigns that key's offsets, densely 0, 1, 2, ...; a `send` that arrives at
another node is forwarded to the owner (one request, one reply, never retried: a retry
could append the message twice). With one node (5a) the node owns every key.

Durability: before a node answers `send_ok` or `commit_offsets_ok`, it has appended the
entry or the commit as one line to its journal, a file of its own, and only then does the
entry become visible to polls and peers. A kill ends the process but not what it wrote, so
a restarted node (empty memory, a fresh `init`) reads the file back before it answers
anything, and every offset it ever gave out or showed is there again.

The file comes from the library's run_journal: "<dir>/glomers-kafka-<run id>-<node
id>.jsonl", dir from KAFKA_JOURNAL_DIR (default: glomers-journals in the temp directory).
A node cannot tell by itself whether it starts a run or restarts in one, and a file left by
an earlier run must never be taken for this one's; lin-kv, whose state lives exactly as long
as the run, names the run: one or two lin-kv calls per life and none per request.

Cost, measured (README): no message per request, so 5b stays at 0.52 server msgs-per-op
and no latency is added; about 25 us and 37 bytes of file per send. Nothing can delete the
files when a run ends (Maelstrom kills its nodes), so each life deletes those of runs
untouched for a day. Keeping the data in lin-kv instead costs a call per
acknowledged send or commit, since Maelstrom's clients wait for each reply and there is
nothing to batch: 1.63 msgs-per-op on 5b; batching at most one write per 10 ms gives 1.0
and a quarter fewer ops done. Copying to the other node before answering is no help: a
kill may take every node. The file survives a kill of the process, not a crash of the
machine (that would need fsync), and needs the nodes on one machine, as Maelstrom runs them.

Replication: the owner copies its entries to the other nodes in periodic batches, one
message per peer per tick, which also carry commits and cumulative acknowledgements;
anything unconfirmed is sent again after RETRANSMIT. Every node therefore holds, for every
key, a contiguous prefix of the owner's log, so `poll` and `list_committed_offsets` answer
locally and a poll starts exactly at the requested offset: it can never skip one. Each
message names the sender's life and the life it believes the receiver is in; a node that
sees a new life of a peer forgets what that peer had confirmed and sends it everything
again, and a new life says hello until each peer has answered it.

Lives: each life is named by its start time in microseconds (one clock for every process
on the machine, and the bench's virtual clock), taken LIFE_GAP after its `init`, so a
peer's messages from a dead life are dropped. (A reply meant for a killed life never
matches a request of the next one: the library numbers each process's requests from its
own start time.)
"""

import asyncio
import math
import os
import zlib

from maelstrom_node import ErrorCode, Node, RPCError, run, run_journal

TICK = 0.05              # seconds between replication batches
RETRANSMIT = 0.5         # resend what a peer has not acknowledged after this long
FORWARD_TIMEOUT = 1.0
LIFE_GAP = 0.001         # a life takes its name this long after its init


class Peer:
    """What one peer has been sent and has confirmed, per key: our entries and commits."""

    def __init__(self, life=None):
        self.life = life          # the peer's life we last heard from (None: not yet)
        self.aware = False        # the peer has named our current life
        self.reply_due = False    # it said hello: answer even with nothing to say
        self.hello_at = -math.inf  # when we last said hello
        self.acked = {}           # key -> the peer holds entries [0, n) of our log
        self.sent = {}            # key -> entries [0, n) went out (maybe not yet confirmed)
        self.commit_acked = {}    # key -> the peer's committed offset is at least this
        self.commit_sent = {}
        self.dirty = set()        # keys with new entries or commits since our last batch
        self.unacked = set()      # keys with something sent and not yet confirmed
        self.owed_acks = set()    # keys the peer sent us something for since our last batch
        self.waiting_since = None  # when the oldest unconfirmed progress went out


class KafkaLog:
    """A node's logs, committed offsets, journal and replication state."""

    def __init__(self, node):
        self.node = node
        self.logs = {}        # key -> list of messages; the offset is the index
        self.committed = {}   # key -> highest committed offset
        self.owners = {}      # key -> owner node id, memoised
        self._peers = None    # node id -> Peer, made once init has told us the cluster
        self.journal = None
        self.life = None
        self.ready = asyncio.Event()   # set once the journal is read back (or failed to be)
        self.failure = None   # why the journal could not be read back, if it could not

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

    async def start(self):
        """Begin this life: find the run, read our journal back, then accept requests."""
        await asyncio.sleep(LIFE_GAP)
        self.life = int(self.node.time() * 1_000_000)   # this life's name: see the docstring
        try:
            self.recover(await run_journal(self.node, "kafka", os.environ.get("KAFKA_JOURNAL_DIR")))
        except (OSError, ValueError, RPCError) as error:
            self.failure = f"cannot read the journal back: {error}"
            self.node.log(self.failure)
        self.ready.set()

    def recover(self, journal):
        """Take the journal, and our entries and commits from it; offer all of it to every
        peer (an earlier life may have died before sending some)."""
        self.journal = journal
        for record in journal.open():
            if "commits" in record:
                for key, offset in record["commits"].items():
                    self.commit(key, offset)
            else:
                self.apply_entries(record["key"], record["offset"], [record["msg"]])
        for peer_id in self.peers():
            self.forget(peer_id, None)

    async def until_serving(self):
        """Wait for the journal to be read back; refuse the request if it could not be."""
        await self.ready.wait()
        if self.failure:
            raise RPCError(ErrorCode.CRASH, self.failure)

    def serving(self):
        """Started, with the journal read back."""
        return self.ready.is_set() and self.failure is None

    def append(self, key, msg):
        """Give msg the next offset of key's log (we own the key), durably; return it."""
        log = self.logs.setdefault(key, [])
        self.journal.write({"key": key, "offset": len(log), "msg": msg})
        log.append(msg)
        for peer in self.peers().values():
            peer.dirty.add(key)
        return len(log) - 1

    def commit_durably(self, offsets):
        """Raise committed offsets, journaled first."""
        if any(offset > self.committed.get(key, -1) for key, offset in offsets.items()):
            self.journal.write({"commits": offsets})
        for key, offset in offsets.items():
            self.commit(key, offset)

    def apply_entries(self, key, start, msgs):
        """Place msgs at offsets start, start+1, ... in our copy of key's log.

        Only what extends our copy without a hole is taken: overlap is skipped, and a batch
        that starts beyond our end is dropped (a retransmission fills the hole first).
        """
        log = self.logs.setdefault(key, [])
        if start <= len(log) < start + len(msgs):
            log.extend(msgs[len(log) - start:])

    def commit(self, key, offset):
        """Raise key's committed offset (never lower it); tell the peers."""
        if offset > self.committed.get(key, -1):
            self.committed[key] = offset
            for peer in self.peers().values():
                peer.dirty.add(key)

    # -- replication -------------------------------------------------------------------------

    def batch_for(self, peer, now):
        """The body of our next replication message to a peer, or None if nothing is due."""
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
        # Until the peer names our life, every message is a hello, and one goes out every
        # RETRANSMIT even with nothing else to say.
        hello = not peer.aware
        if not (entries or commits or acks or peer.reply_due
                or (hello and now - peer.hello_at >= RETRANSMIT)):
            return None
        peer.reply_due = False
        if hello:
            peer.hello_at = now
        if (entries or commits) and not peer.unacked:
            peer.waiting_since = now
        peer.unacked.update(entries, commits)
        # An ack-only batch is itself never acknowledged, so the exchange ends.
        return {"type": "replicate", "life": self.life, "to_life": peer.life, "hello": hello,
                "entries": entries, "commits": commits, "acks": acks}

    def forget(self, peer_id, life):
        """Start over with a peer (a new life of it holds nothing of ours): everything we
        own or know of commits is due to it again."""
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
        peer.reply_due = peer.reply_due or body["hello"]
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
    """A request's {key: offset} map, refused unless it is one (a bad value must not reach
    the journal)."""
    if not (isinstance(offsets, dict)
            and all(type(offset) is int for offset in offsets.values())):
        raise RPCError(ErrorCode.MALFORMED_REQUEST, "offsets must map keys to integers")
    return offsets


def register(node: Node, state: KafkaLog) -> KafkaLog:
    """Register the client, forwarding and replication handlers, the start of the life and
    the replication ticker for `state`; return it."""

    @node.handler
    async def send(msg):
        key, value = msg.body["key"], msg.body["msg"]
        if not isinstance(key, str):
            raise RPCError(ErrorCode.MALFORMED_REQUEST, "key must be a string")
        await state.until_serving()
        owner = state.owner(key)
        if owner == node.node_id:
            return {"type": "send_ok", "offset": state.append(key, value)}
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
        await state.until_serving()
        if state.owner(key) != node.node_id:
            raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"not the owner of {key!r}")
        return {"type": "forward_send_ok", "offset": state.append(key, msg.body["msg"])}

    @node.handler
    async def poll(msg):
        offsets = checked_offsets(msg.body["offsets"])
        await state.until_serving()
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
        await state.until_serving()
        state.commit_durably(offsets)
        return {"type": "commit_offsets_ok"}

    @node.handler
    async def list_committed_offsets(msg):
        keys = msg.body["keys"]
        await state.until_serving()
        offsets = {k: state.committed[k] for k in keys if k in state.committed}
        return {"type": "list_committed_offsets_ok", "offsets": offsets}

    @node.handler
    def replicate(msg):
        # Before the journal is read back there is nothing to compare with: the peer's
        # retransmission brings the batch again.
        if state.serving():
            state.receive_batch(msg.src, msg.body, node.time())

    def tick():
        if not state.serving():
            return
        now = node.time()
        for peer_id, peer in state.peers().items():
            body = state.batch_for(peer, now)
            if body is not None:
                node.send(peer_id, body)

    node.spawn(state.start)
    node.every(TICK, tick)
    return state


def serve(node: Node) -> KafkaLog:
    """Register the handlers on a node."""
    return register(node, KafkaLog(node))


if __name__ == "__main__":
    run(serve)
