#!/usr/bin/env python3
"""Correct for lin-kv: every read, write and cas goes to Maelstrom's lin-kv service."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    async def forward(msg):
        # The service's reply (or its error, re-raised as ours) goes back to the client.
        body = {k: v for k, v in msg.body.items() if k != "msg_id"}
        reply = await node.call("lin-kv", body, timeout=0.9)
        return {"type": reply["type"]}

    for kind in ("write", "cas"):
        node.handler(kind)(forward)

    @node.handler
    async def read(msg):
        reply = await node.call("lin-kv", {"type": "read", "key": msg.body["key"]}, timeout=0.9)
        return {"type": "read_ok", "value": reply["value"]}


if __name__ == "__main__":
    run(serve)
