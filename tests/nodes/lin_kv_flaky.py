#!/usr/bin/env python3
"""Correct for lin-kv but unreliable: proxies to lin-kv and drops one reply in ten, after
the write or cas may have taken effect, so clients record indeterminate (:info) ops."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    async def forward(msg):
        body = {k: v for k, v in msg.body.items() if k != "msg_id"}
        reply = await node.call("lin-kv", body, timeout=0.9)
        if msg.body["type"] != "read" and node.random.random() < 0.1:
            return None                 # the change stands, the client never hears of it
        reply.pop("in_reply_to", None)
        reply.pop("msg_id", None)
        return reply

    for kind in ("read", "write", "cas"):
        node.handler(kind)(forward)


if __name__ == "__main__":
    run(serve)
