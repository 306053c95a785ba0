#!/usr/bin/env python3
"""Challenges 6a-6c, totally available transactions: a replicated key/value store that
answers every txn at once, is read committed, and loses no committed txn when nodes are
killed (all memory lost) or paused.

Each node runs a txn on its own copy of the data in one synchronous step (no `await`) and
answers immediately: no txn waits for a peer, so partitions cost nothing in availability.

Durability: a txn with writes is appended as one line ([Lamport time, its final writes])
to the node's journal, a file of its own, before its writes are installed and before it is
answered. A kill ends the process but not what it wrote, so a restarted node (empty memory,
a fresh `init`) reads the file back and has every txn it ever committed, and its Lamport
clock past all of them. Reads need nothing: whatever a node shows is already journaled,
here or at the node that wrote it.

The file comes from the library's run_journal: "<dir>/glomers-txn-<run id>-<node
id>.jsonl", dir from TXN_JOURNAL_DIR (default: glomers-journals in the temp directory). A
node cannot tell by itself whether it starts a run or restarts in one, and a file left by an
earlier run must never be taken for this one's; lin-kv, whose state lives exactly as long as
the run and which no partition cuts off, names the run: one or two lin-kv calls per life,
none per txn.

Cost, measured (README): no message per txn and no added latency; about 15 us and 22 bytes
of file per txn with writes. Nothing can delete the files when a run ends (Maelstrom kills
its nodes), so each life deletes those of runs untouched for a day. Keeping
the txns in lin-kv instead costs a call per txn with writes, since each client waits for
its reply: 1.53 msgs-per-op on 6c against 0.020. Copying them to a peer before
answering would make a txn wait for the peer, which a partition forbids, and a kill may
take every node. The file survives a kill of the process, not a crash of the machine.

Replication: the txns with writes form a numbered log per origin node. Every 100 ms a node
sends each peer one `replicate` message with the entries that peer has not acknowledged
(new entries at once, old ones again after a retransmit timeout, so a partition loses
nothing) and the cumulative ack of the peer's own log. A receiver applies entries in log
order, each as a unit. Conflicting writes are ordered by a Lamport timestamp (ties broken
by node id) so that every node ends with the same value for each key. Each message names
the sender's life and the life it believes the receiver is in; a node that sees a new life
of a peer sends it its whole log again and keeps its own place in the peer's log (the new
life read that log back unchanged), and a new life says hello until each peer has
answered it. A life is named by its start time in microseconds, so that a message meant
for a killed life is never taken for the new one's (and the library numbers each
process's requests from its own start time, so neither is a late reply).

Why the checker can find nothing that read committed forbids:
- G1a (reading an aborted write): no txn ever fails.
- G1b (reading an intermediate write): a txn runs in one step and only its final writes
  leave the node, so no other txn can see a value that its writer later overwrote.
- G0, G1c and cyclic versions: Elle orders a key's versions only by "nil comes first" and
  "a txn that read v then wrote v2 puts v before v2"; so each edge it draws (wr, and ww
  from those orders) runs from a txn to one that had already seen its effects, here or
  through replication. Seeing an effect comes after causing it, so following the edges
  always moves forward in time and can never close a cycle, even across a restart.
"""

import asyncio
import os

from maelstrom_node import ErrorCode, Node, RPCError, run, run_journal

BATCH_INTERVAL = 0.1    # seconds between replication messages to a peer
RETRANSMIT_AFTER = 1.0  # seconds without an ack before unacknowledged entries go again
LIFE_GAP = 0.001        # a life takes its name this long after its init


class Store:
    """The node's data, its journal, its replication log and what each peer has
    acknowledged."""

    def __init__(self, node):
        self.node = node
        self.values = {}        # key -> value
        self.stamps = {}        # key -> (lamport time, origin node) of the write it holds
        self.clock = 0          # Lamport clock: above every timestamp seen
        self.log = []           # our txns' final writes: entry seq i+1 is log[i] = [ts, writes]
        self.peers = {}         # peer -> Peer
        self.journal = None
        self.life = None
        self.ready = asyncio.Event()   # set once the journal is read back (or failed to be)
        self.failure = None     # why the journal could not be read back, if it could not

    def peer(self, peer_id):
        """Replication state towards peer_id, created on first use."""
        if peer_id not in self.peers:
            self.peers[peer_id] = Peer()
        return self.peers[peer_id]

    async def start(self):
        """Begin this life: find the run, read our journal back, then accept txns."""
        await asyncio.sleep(LIFE_GAP)
        self.life = int(self.node.time() * 1_000_000)   # this life's name: see the docstring
        try:
            self.recover(await run_journal(self.node, "txn", os.environ.get("TXN_JOURNAL_DIR")))
        except (OSError, ValueError, RPCError) as error:
            self.failure = f"cannot read the journal back: {error}"
            self.node.log(self.failure)
        self.ready.set()

    def serving(self):
        """Started, with the journal read back."""
        return self.ready.is_set() and self.failure is None

    def recover(self, journal):
        """Take the journal, and our own txns from it."""
        self.journal = journal
        for entry in journal.open():
            self.install(entry)

    def install(self, entry):
        """One of our txns, journaled: into the log and the data."""
        self.log.append(entry)
        self.apply(self.node.node_id, *entry)

    def transact(self, txn):
        """Run the txn's mops in order on the local data; return the completed txn."""
        done, writes = [], {}
        for f, k, v in txn:
            if f == "r":
                done.append([f, k, writes[k] if k in writes else self.values.get(k)])
            else:
                writes[k] = v           # a later write of k in this txn replaces it
                done.append([f, k, v])
        if writes:
            # A list of pairs: JSON object keys would turn integer keys into strings.
            entry = [self.clock + 1, [[k, v] for k, v in writes.items()]]
            self.journal.write(entry)   # durable first; if it fails, nothing has changed
            self.install(entry)
        return done

    def apply(self, origin, ts, writes):
        """Install a txn: each key takes the write unless it holds a later one."""
        self.clock = max(self.clock, ts)
        stamp = (ts, origin)
        for k, v in writes:
            if stamp > self.stamps.get(k, (0, "")):
                self.values[k] = v
                self.stamps[k] = stamp

    def receive(self, origin, body):
        """A replicate message: apply the entries we lack, in order; note the peer's ack."""
        peer = self.peer(origin)
        life = body["life"]
        if peer.life is not None and life < peer.life:
            return                      # sent by a life that has died since
        if peer.life is not None and life > peer.life:
            # A new life of the peer: it lost our entries, but its own log is the same.
            peer = self.peers[origin] = Peer(applied=peer.applied)
        peer.life = life
        peer.aware = body["to_life"] == self.life
        entries = body["entries"]
        # Entries, even ones we already have, call for an ack, and so does a hello (the
        # peer waits to hear us name its life); a bare ack does not (no ping-pong).
        peer.ack_due = peer.ack_due or bool(entries) or body["hello"]
        if body["ack"] > peer.acked:
            peer.acked = body["ack"]
            peer.resend_at = self.node.time() + RETRANSMIT_AFTER
        for seq, (ts, writes) in enumerate(entries, start=body["first"]):
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
        # Until the peer names our life, every message is a hello, and one goes out every
        # RETRANSMIT_AFTER even with nothing else to say.
        hello = not peer.aware
        first = peer.sent + 1
        entries = self.log[peer.sent:]
        if not (entries or peer.ack_due or (hello and now >= peer.hello_at + RETRANSMIT_AFTER)):
            return None
        peer.sent = len(self.log)
        peer.ack_due = False
        if hello:
            peer.hello_at = now
        return {"type": "replicate", "life": self.life, "to_life": peer.life, "hello": hello,
                "first": first, "entries": entries, "ack": peer.applied}


class Peer:
    """Replication state towards one other node."""

    def __init__(self, applied=0):
        self.sent = 0           # highest of our log's seqs sent to it
        self.acked = 0          # highest of our log's seqs it has acknowledged
        self.resend_at = 0.0    # when to resend if the ack has not caught up
        self.applied = applied  # highest of its log's seqs we have applied
        self.ack_due = False    # it sent us entries or a hello since our last message
        self.life = None        # its life we last heard from (None: not yet)
        self.aware = False      # it has named our current life
        self.hello_at = -RETRANSMIT_AFTER  # when we last said hello


def register(node: Node, store: Store) -> Store:
    """Register the txn and replicate handlers, the start of the life and the replication
    timer for `store`; return it."""

    @node.handler
    async def txn(msg):
        mops = msg.body["txn"]
        if not store.ready.is_set():
            await store.ready.wait()
        if store.failure:
            raise RPCError(ErrorCode.CRASH, store.failure)
        return {"type": "txn_ok", "txn": store.transact(mops)}

    @node.handler
    def replicate(msg):
        # Before the journal is read back our log is not known: the peer sends again.
        if store.serving():
            store.receive(msg.src, msg.body)

    def replicate_to_peers():
        if not store.serving():
            return
        for peer_id in node.node_ids:
            if peer_id != node.node_id:
                body = store.batch(peer_id)
                if body is not None:
                    node.send(peer_id, body)

    node.spawn(store.start)
    node.every(BATCH_INTERVAL, replicate_to_peers)
    return store


def serve(node: Node) -> Store:
    """Register the handlers on a node."""
    return register(node, Store(node))


if __name__ == "__main__":
    run(serve)
