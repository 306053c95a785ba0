#!/usr/bin/env python3
"""Challenges 5a-5c, a Kafka-style log: append-only logs per key, polls, committed offsets.

Design (no KV service): every key has an owner node, a stable hash of the key over the
sorted node ids. The owner alone assigns offsets, densely 0, 1, 2, ...; a `send` that
arrives at another node is forwarded to the owner (one request, one reply). The owner
copies new entries to the other nodes in periodic batches, one message per peer per tick,
which also carry committed offsets and cumulative acknowledgements; anything not
acknowledged in time is sent again. Every node therefore holds, for every key, a contiguous
prefix of the owner's log, so `poll` and `list_committed_offsets` answer from local state:
a poll starts exactly at the requested offset and can never skip one.

With one node (5a) the node owns every key and nothing is ever sent between nodes.
"""

import zlib

from maelstrom_node import ErrorCode, Node, RPCError, run

TICK = 0.05          # seconds between replication batches
RETRANSMIT = 0.5     # resend what a peer has not acknowledged after this long
FORWARD_TIMEOUT = 1.0


class Peer:
    """What one peer has been sent and has confirmed, per key: our entries and commits."""

    def __init__(self):
        self.acked = {}           # key -> the peer holds entries [0, n) of our log
        self.sent = {}            # key -> entries [0, n) went out (maybe not yet confirmed)
        self.commit_acked = {}    # key -> the peer's committed offset is at least this
        self.commit_sent = {}
        self.dirty = set()        # keys with new entries or commits since our last batch
        self.unacked = set()      # keys with something sent and not yet confirmed
        self.owed_acks = set()    # keys the peer sent us something for since our last batch
        self.waiting_since = None  # when the oldest unconfirmed progress went out


class KafkaLog:
    """A node's logs, committed offsets and replication state."""

    def __init__(self, node):
        self.node = node
        self.logs = {}        # key -> list of messages; the offset is the index
        self.committed = {}   # key -> highest committed offset
        self.owners = {}      # key -> owner node id, memoised
        self._peers = None    # node id -> Peer, made once init has told us the cluster

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

    def append(self, key, msg):
        """Give msg the next offset of key's log (we own the key); return the offset."""
        log = self.logs.setdefault(key, [])
        log.append(msg)
        for peer in self.peers().values():
            peer.dirty.add(key)
        return len(log) - 1

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
        if not (entries or commits or acks):
            return None
        if (entries or commits) and not peer.unacked:
            peer.waiting_since = now
        peer.unacked.update(entries, commits)
        # An ack-only batch is itself never acknowledged, so the exchange ends.
        return {"type": "replicate", "entries": entries, "commits": commits, "acks": acks}

    def receive_batch(self, peer, body, now):
        """Apply a peer's batch: its entries, its commits, and its confirmations of ours."""
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


def serve(node: Node) -> KafkaLog:
    """Register the client, forwarding and replication handlers and the ticker.

    Returns the node's state, so a test can wrap a handler around it.
    """
    state = KafkaLog(node)

    @node.handler
    async def send(msg):
        key, value = msg.body["key"], msg.body["msg"]
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
    def forward_send(msg):
        key = msg.body["key"]
        if state.owner(key) != node.node_id:
            raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, f"not the owner of {key!r}")
        return {"type": "forward_send_ok", "offset": state.append(key, msg.body["msg"])}

    @node.handler
    def poll(msg):
        msgs = {}
        for key, start in msg.body["offsets"].items():
            log = state.logs.get(key, ())
            start = max(start, 0)
            if start < len(log):
                msgs[key] = [[offset, log[offset]] for offset in range(start, len(log))]
        return {"type": "poll_ok", "msgs": msgs}

    @node.handler
    def commit_offsets(msg):
        for key, offset in msg.body["offsets"].items():
            state.commit(key, offset)
        return {"type": "commit_offsets_ok"}

    @node.handler
    def list_committed_offsets(msg):
        offsets = {k: state.committed[k] for k in msg.body["keys"] if k in state.committed}
        return {"type": "list_committed_offsets_ok", "offsets": offsets}

    @node.handler
    def replicate(msg):
        peer = state.peers().get(msg.src)
        if peer is not None:
            state.receive_batch(peer, msg.body, node.time())

    def tick():
        now = node.time()
        for peer_id, peer in state.peers().items():
            body = state.batch_for(peer, now)
            if body is not None:
                node.send(peer_id, body)

    node.every(TICK, tick)
    return state


if __name__ == "__main__":
    run(serve)
