#!/usr/bin/env python3
"""Planted bug for `shrink` (txn-rw-register): one node applies a txn's micro-ops one at a
time, waiting a little after each write (a slow disk), so a txn running meanwhile on the
same node can read a value the first one overwrites later: an intermediate read (G1b)."""
import asyncio
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run

WRITE_SECONDS = 0.05


def serve(node):
    data = {}

    @node.handler
    async def txn(msg):
        done = []
        for f, k, v in msg.body["txn"]:
            if f == "r":
                done.append([f, k, data.get(k)])
            else:
                data[k] = v
                done.append([f, k, v])
                await asyncio.sleep(WRITE_SECONDS)   # other txns run here and see v
        return {"type": "txn_ok", "txn": done}


if __name__ == "__main__":
    run(serve)
