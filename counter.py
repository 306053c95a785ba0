#!/usr/bin/env python3
"""Challenge 4, grow-only counter: the count lives in seq-kv, never in a node.

Layout: one key, "counter", holds the total. A node remembers the last total it saw
(`known`), which is only a guess to compare-and-set from, never an answer in itself.

- add d: compare-and-set "counter" from `known` to `known + d`. A refused swap means the
  guess was old: read a new guess and try again. An add of 0 changes nothing, so it needs
  no call at all.
- read: force this node onto seq-kv's newest state, then read "counter" (see `latest`).

Why the read needs a write first: seq-kv answers every request from a random state between
the caller's last position and the newest one, and moves a caller to the newest state only
when its request changes the store. A plain read can therefore miss adds that other nodes
finished long ago, and a node that only reads never moves forward. The catch-up is a write
of a value never written before, to a key only this node writes ("sync-<node id>"): such a
write always changes the store, so seq-kv applies it to the newest state and moves this
node there. The read that follows is answered from that state or a newer one, so it counts
every add acknowledged before this read began: the value is the latest, not a stale one.

The price is two seq-kv calls per read. Reads are two ops in three, so that alone is about
2.7 messages per op. A cheaper read would have to give up "latest", or make every add wait
until the other nodes have heard of it, which a partition stalls.

COUNTER_MAX_STALENESS=<seconds> (default 0) trades that guarantee for messages: a read then
catches up only when this node's last catch-up is older than that, so it counts every add
acknowledged more than that long before it. Final reads, after 10 s of quiet, stay exact.
"""

import os

from maelstrom_node import ErrorCode, Node, RPCError, SeqKV, run

COUNTER = "counter"


class Counter:
    """One node's view of the shared counter: a CAS guess and a catch-up sequence."""

    def __init__(self, node: Node, max_staleness=0.0):
        self.node = node
        self.kv = SeqKV(node)
        self.known = 0      # last total seen; compare-and-set starts from it
        self.catch_ups = 0  # values written to this node's sync key, so each one is new
        self.max_staleness = max_staleness
        self.caught_up_at = float("-inf")

    async def latest(self):
        """The newest total: catch up to seq-kv's newest state, then read from there."""
        started = self.node.time()
        if started - self.caught_up_at >= self.max_staleness:
            self.catch_ups += 1
            await self.kv.write(f"sync-{self.node.node_id}", self.catch_ups)
            self.caught_up_at = started
        total = await self.kv.read(COUNTER, default=0)
        # Another read or add on this node may have seen a newer total while we waited.
        self.known = max(self.known, total)
        return total

    async def add(self, delta):
        """Add delta to the shared total; returns once seq-kv has applied it."""
        if delta == 0:
            return
        while True:
            guess = self.known
            # create=True: the first add of the test finds no key and creates it.
            if await self.kv.cas(COUNTER, guess, guess + delta, create=True):
                # A swap that changes the store runs on the newest state, so the new total
                # is the newest one (unless another add on this node raced past it).
                self.known = max(self.known, guess + delta)
                return
            # The guess was old. A plain read may be old too, but every refusal moves this
            # node's seq-kv position forward (to the newest state when the swap was re-run
            # there), so a few rounds at most bring the guess up to date.
            self.known = max(self.known, await self.kv.read(COUNTER, default=0))


def serve(node: Node) -> None:
    """Register the add and read handlers."""
    counter = Counter(node, float(os.environ.get("COUNTER_MAX_STALENESS", "0")))

    @node.handler
    async def add(msg):
        delta = msg.body["delta"]
        if type(delta) is not int or delta < 0:
            raise RPCError(ErrorCode.MALFORMED_REQUEST, f"delta must be a non-negative "
                                                        f"integer, not {delta!r}")
        await counter.add(delta)
        return {"type": "add_ok"}

    @node.handler
    async def read(msg):
        return {"type": "read_ok", "value": await counter.latest()}


if __name__ == "__main__":
    run(serve)
