#!/usr/bin/env python3
"""Challenge 4, grow-only counter: one seq-kv key per node, reads from a bounded-stale cache.

Layout: node n owns the seq-kv key "count-<n>", holding [count, version]: the sum of the
adds n has acknowledged (plus any whose reply was lost) and how many times n has swapped the
key. Only n writes its key, always by compare-and-set, and every swap bumps the version. The
total is the sum of every node's count. A node keeps, in memory, the highest count it has
seen under each key; that cache is all a read needs, as long as it is fresh enough.

- add d: compare-and-set our key from the [count, version] we know to [count + d, version +
  1], and acknowledge once seq-kv said yes. Adds that arrive while a swap is out go together
  in the next one. Nobody else writes our key, so the swap succeeds first time; an add of 0
  changes nothing and makes no call.
- read: answer from the cache if it counts every add acknowledged more than `max_staleness`
  seconds (COUNTER_MAX_STALENESS, default 1) before this read began. Otherwise refresh
  first: make sure our last swap was sent after that point (or swap now, with a new version
  and any adds waiting), then read every other node's key.

Why the refresh works under seq-kv, which answers each request from a random state between
the caller's last position and the newest one: a swap that changes the store is applied to
the newest state and moves the caller there, so it includes every add acknowledged before it
was sent (each add was applied before its acknowledgement), and the reads that follow come
from that state or a newer one. Reads never go backwards on a node: each key's count only
grows from one seq-kv state to the next and the cache keeps the highest count seen, so the
sum it answers only grows.

Surviving a kill (all memory lost, the restart gets a new init): every acknowledged add is
in seq-kv, which outlives nodes, before its add_ok is sent. The new process starts with no
cache and reads its own key before its first swap; seq-kv remembers each caller's position
by node id, so that read is at least as new as the old process's last swap. A swap of the
old process still in flight may land later: compare-and-set then refuses whichever of the
two comes second (ours is retried after reading our key again), so neither overwrites the
other. The new process answers no read before a refresh that follows a swap of its own,
which took it past every state the old process ever read, so its answers never drop below
the old ones. (A file per node would survive a kill
too, but a script gets no run id, so a file from an earlier run would be mistaken for this
one's; seq-kv is this run's own.)

Cost: one swap (2 messages, 1 round trip) per add of a non-zero delta, fewer when adds
batch; a refresh at most once per `max_staleness` per node that reads, 2 round trips (a
swap only if the node made none recently, then the other keys in parallel); reads from the
cache cost nothing and answer at once; a restart costs one read of our key. Measured on the
published command (bench/counter.py, 20 seeds): 0.67 server msgs-per-op, 0.53 of them the
adds' swaps.

COUNTER_MAX_STALENESS=0 makes every read the latest total: a read then always refreshes,
one swap and a read of each other key (3 calls on 3 nodes), measured 4.55 msgs-per-op. Any
value must stay below the 10 s Maelstrom waits before the final reads, so that those
refresh and are exact.
"""

import asyncio
import math
import os

from maelstrom_node import ErrorCode, Node, RPCError, SeqKV, run

DEFAULT_MAX_STALENESS = 1.0
# Refusals in a row before an add gives up. Only swaps from before a restart cause them, and
# each reload moves our seq-kv position forward, so a few always suffice.
SWAP_ATTEMPTS = 50


def key(node_id):
    """The seq-kv key a node owns."""
    return f"count-{node_id}"


class Counter:
    """One node's side of the counter: its own key, the cache of everyone's counts."""

    def __init__(self, node: Node, max_staleness=DEFAULT_MAX_STALENESS):
        self.node = node
        self.kv = SeqKV(node)
        self.max_staleness = max_staleness
        self.mine = None             # [count, version] our key holds; None: read it first
        self.counts = {}             # node id -> highest count seen under its key
        self.fresh_as_of = -math.inf  # the cache counts every add acknowledged before this
        self.swapped_at = -math.inf  # when our last successful swap was sent
        self.adds = []               # (delta, future) for the next swap
        self.reads = []              # (started, future) for the next refresh
        self.round = None            # future set when the running round ends; None: idle

    def total(self):
        """The sum of the cache: every count seen, ours included."""
        return sum(self.counts.values())

    def fresh_for(self, started, since):
        """True if something that happened at `since` is recent enough for a read at `started`.

        Strict, so that with max_staleness 0 nothing is: a swap sent at the very instant a
        read began may have been sent just before it (virtual time has many such ties).
        """
        return started - since < self.max_staleness

    async def add(self, delta):
        """Add delta; returns once seq-kv holds it under our key."""
        if delta == 0:
            return
        done = asyncio.get_running_loop().create_future()
        self.adds.append((delta, done))
        await self.settle(done)

    async def read(self):
        """The total, counting every add acknowledged max_staleness before this call."""
        started = self.node.time()
        if self.fresh_for(started, self.fresh_as_of):
            return self.total()
        done = asyncio.get_running_loop().create_future()
        self.reads.append((started, done))
        return await self.settle(done)

    async def settle(self, done):
        """Run rounds, or wait for the one running, until `done` has its result.

        Rounds run one at a time, each inside a waiting handler, so there is no task of our
        own to outlive the node. Handlers take turns here without a lock: the flag is
        `self.round`, checked and set with no await in between.
        """
        while not done.done():
            if self.round is not None:
                await asyncio.wait([self.round])  # shared state changes meanwhile
                continue
            self.round = asyncio.get_running_loop().create_future()
            try:
                await self.run_round()
            finally:
                self.round.set_result(None)
                self.round = None
        return done.result()

    async def run_round(self):
        """Serve every add and read waiting now: at most one swap, then at most one refresh."""
        adds, self.adds = self.adds, []
        reads, self.reads = self.reads, []
        try:
            if self.mine is None:
                await self.load_mine()
            # A read needs a swap sent recently enough; adds always need one.
            if adds or any(not self.fresh_for(started, self.swapped_at) for started, _ in reads):
                await self.swap(sum(delta for delta, _ in adds))
            for _, done in adds:
                done.set_result(None)
            if reads:
                await self.refresh()
                for _, done in reads:
                    done.set_result(self.total())
        except Exception as error:  # each waiting handler answers with it
            for _, done in adds + reads:
                if not done.done():
                    done.set_exception(error)
        finally:  # cancelled (the node is stopping): nobody may wait for a round forever
            for _, done in adds + reads:
                if not done.done():
                    done.cancel()

    async def load_mine(self):
        """Learn what our key holds (after a start or restart, or an unanswered swap)."""
        value = await self.kv.read(key(self.node.node_id), default=None)
        self.mine = [0, 0] if value is None else value
        self.see(self.node.node_id, self.mine[0])

    async def swap(self, delta):
        """Compare-and-set our key to count + delta and a new version; retry on a refusal."""
        me = key(self.node.node_id)
        for _ in range(SWAP_ATTEMPTS):
            count, version = self.mine
            new = [count + delta, version + 1]
            sent = self.node.time()
            try:
                # create=True: the first swap of the run finds no key (from [0, 0]).
                swapped = await self.kv.cas(me, self.mine, new, create=True)
            except RPCError:
                self.mine = None  # the swap may or may not have landed: read it next time
                raise
            if swapped:
                self.mine = new
                self.swapped_at = max(self.swapped_at, sent)
                self.see(self.node.node_id, new[0])
                return
            # Refused: our key changed behind our back, which only a swap from before a
            # restart can do. Read it again; each request moves our seq-kv position forward.
            await self.load_mine()
        raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE,
                       f"{me} kept changing under {SWAP_ATTEMPTS} compare-and-sets")

    async def refresh(self):
        """Read every other node's key; they come from a state at least as new as our swap."""
        as_of = self.swapped_at
        others = [n for n in self.node.node_ids if n != self.node.node_id]
        values = await asyncio.gather(*(self.kv.read(key(n), default=None) for n in others))
        for node_id, value in zip(others, values):
            if value is not None:
                self.see(node_id, value[0])
        self.fresh_as_of = max(self.fresh_as_of, as_of)

    def see(self, node_id, count):
        """Keep the highest count seen under a key (seq-kv may answer from an older state)."""
        self.counts[node_id] = max(self.counts.get(node_id, 0), count)


def max_staleness_from_env():
    """COUNTER_MAX_STALENESS in seconds, or the default; a clear error for a bad value."""
    raw = os.environ.get("COUNTER_MAX_STALENESS")
    if raw is None:
        return DEFAULT_MAX_STALENESS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 <= value < math.inf):
        raise ValueError(f"COUNTER_MAX_STALENESS must be a number of seconds >= 0, "
                         f"not {raw!r}")
    return value


def serve(node: Node, max_staleness=None) -> None:
    """Register the add and read handlers (max_staleness: COUNTER_MAX_STALENESS by default)."""
    if max_staleness is None:
        max_staleness = max_staleness_from_env()
    register(node, Counter(node, max_staleness))


def register(node: Node, counter: Counter) -> None:
    """The add and read handlers, answered by `counter`."""
    def require_init():
        # A restarted node can get requests queued while it was down before its init.
        if node.node_id is None:
            raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, "not initialised yet")

    @node.handler
    async def add(msg):
        require_init()
        delta = msg.body["delta"]
        if type(delta) is not int or delta < 0:
            raise RPCError(ErrorCode.MALFORMED_REQUEST, f"delta must be a non-negative "
                                                        f"integer, not {delta!r}")
        await counter.add(delta)
        return {"type": "add_ok"}

    @node.handler
    async def read(msg):
        require_init()
        return {"type": "read_ok", "value": await counter.read()}


if __name__ == "__main__":
    run(serve)
