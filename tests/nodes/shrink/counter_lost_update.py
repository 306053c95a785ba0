#!/usr/bin/env python3
"""Planted bug for `shrink` (g-counter): one seq-kv key for the total, updated by a read
followed by a blind write. Two adds on different nodes whose read and write interleave (or
a stale seq-kv read) forget one of the adds."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import SeqKV, run

KEY = "total"


def serve(node):
    kv = SeqKV(node)

    @node.handler
    async def add(msg):
        total = await kv.read(KEY, 0)
        await kv.write(KEY, total + msg.body["delta"])      # not a compare-and-set
        return {"type": "add_ok"}

    @node.handler
    async def read(msg):
        return {"type": "read_ok", "value": await kv.read(KEY, 0)}


if __name__ == "__main__":
    run(serve)
