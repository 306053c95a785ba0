#!/usr/bin/env python3
"""Challenges 6a-6c, totally available transactions: a replicated key/value store that
answers every txn at once and is read committed.

Each node runs a txn on its own copy of the data in one synchronous step (no `await`) and
answers immediately: no txn waits for a peer, so partitions cost nothing in availability.

Replication: the txns with writes form a numbered log per origin node, holding only each
txn's final write of each key. Every 100 ms a node sends each peer one `replicate` message
with the entries that peer has not acknowledged (new entries at once, old ones again after
a retransmit timeout, so a partition loses nothing) and the cumulative ack of the peer's
own log. A receiver applies entries in log order, each as a unit. Conflicting writes are
ordered by a Lamport timestamp (ties broken by node id) so that every node ends with the
same value for each key.

Why the checker can find nothing that read committed forbids:
- G1a (reading an aborted write): no txn ever fails.
- G1b (reading an intermediate write): a txn runs in one step and only its final writes
  leave the node, so no other txn can see a value that its writer later overwrote.
- G0, G1c and cyclic versions: Elle orders a key's versions only by "nil comes first" and
  "a txn that read v then wrote v2 puts v before v2"; so each edge it draws (wr, and ww
  from those orders) runs from a txn to one that had already seen its effects, here or
  through replication. A read only returns a value already installed on its node, so
  following the edges always moves forward in time and can never close a cycle.
"""

from maelstrom_node import Node, run

BATCH_INTERVAL = 0.1    # seconds between replication messages to a peer
RETRANSMIT_AFTER = 1.0  # seconds without an ack before unacknowledged entries go again


class Store:
    """The node's data, its replication log and what each peer has acknowledged."""

    def __init__(self, node):
        self.node = node
        self.values = {}        # key -> value
        self.stamps = {}        # key -> (lamport time, origin node) of the write it holds
        self.clock = 0          # Lamport clock: above every timestamp seen
        self.log = []           # our txns' final writes: entry seq i+1 is log[i] = [ts, writes]
        self.peers = {}         # peer -> Peer

    def peer(self, peer_id):
        """Replication state towards peer_id, created on first use."""
        if peer_id not in self.peers:
            self.peers[peer_id] = Peer()
        return self.peers[peer_id]

    def transact(self, txn):
        """Run the txn's mops in order on the local data; return the completed txn."""
        self.clock += 1
        stamp = (self.clock, self.node.node_id)
        done, writes = [], {}
        for f, k, v in txn:
            if f == "r":
                done.append([f, k, self.values.get(k)])
            else:
                self.values[k] = v
                self.stamps[k] = stamp
                writes[k] = v           # a later write of k in this txn replaces it
                done.append([f, k, v])
        if writes:
            # A list of pairs: JSON object keys would turn integer keys into strings.
            self.log.append([self.clock, [[k, v] for k, v in writes.items()]])
        return done

    def apply(self, origin, ts, writes):
        """Install a peer's txn: each key takes the write unless it holds a later one."""
        self.clock = max(self.clock, ts)
        stamp = (ts, origin)
        for k, v in writes:
            if stamp > self.stamps.get(k, (0, "")):
                self.values[k] = v
                self.stamps[k] = stamp

    def receive(self, origin, first, entries, ack):
        """A replicate message: apply the entries we lack, in order; note the peer's ack."""
        peer = self.peer(origin)
        # Entries, even ones we already have, call for an ack; a bare ack does not (no ping-pong).
        peer.ack_due = peer.ack_due or bool(entries)
        if ack > peer.acked:
            peer.acked = ack
            peer.resend_at = self.node.time() + RETRANSMIT_AFTER
        for seq, (ts, writes) in enumerate(entries, start=first):
            # Skip what we already have; after a gap (an earlier batch lost or overtaken)
            # nothing matches, and we wait for the sender to go back and resend.
            if seq == peer.applied + 1:
                self.apply(origin, ts, writes)
                peer.applied = seq

    def batch(self, peer_id):
        """The replicate message for a peer now, or None when there is nothing to say."""
        peer = self.peer(peer_id)
        now = self.node.time()
        if peer.acked < peer.sent and now >= peer.resend_at:
            peer.sent = peer.acked      # go back: resend everything not acknowledged
        if peer.sent == peer.acked:
            peer.resend_at = now + RETRANSMIT_AFTER
        first = peer.sent + 1
        entries = self.log[peer.sent:]
        if not entries and not peer.ack_due:
            return None
        peer.sent = len(self.log)
        peer.ack_due = False
        return {"type": "replicate", "first": first, "entries": entries, "ack": peer.applied}


class Peer:
    """Replication state towards one other node."""

    def __init__(self):
        self.sent = 0           # highest of our log's seqs sent to it
        self.acked = 0          # highest of our log's seqs it has acknowledged
        self.resend_at = 0.0    # when to resend if the ack has not caught up
        self.applied = 0        # highest of its log's seqs we have applied
        self.ack_due = False    # it sent us something since our last message to it


def serve(node: Node) -> None:
    """Register the txn and replicate handlers and start the replication timer."""
    store = Store(node)

    @node.handler
    def txn(msg):
        return {"type": "txn_ok", "txn": store.transact(msg.body["txn"])}

    @node.handler
    def replicate(msg):
        body = msg.body
        store.receive(msg.src, body["first"], body["entries"], body["ack"])

    def replicate_to_peers():
        for peer_id in node.node_ids:
            if peer_id != node.node_id:
                body = store.batch(peer_id)
                if body is not None:
                    node.send(peer_id, body)

    node.every(BATCH_INTERVAL, replicate_to_peers)


if __name__ == "__main__":
    run(serve)
