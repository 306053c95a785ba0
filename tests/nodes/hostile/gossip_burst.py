#!/usr/bin/env python3
"""A correct echo node that also sends GOSSIP_BURST (default 100) messages to itself per
echo: many node-to-node messages, none of them wrong."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    burst = int(os.environ.get("GOSSIP_BURST", "100"))

    @node.handler
    def echo(msg):
        for _ in range(burst):
            node.send(node.node_id, {"type": "gossip"})
        return {"type": "echo_ok", "echo": msg.body["echo"]}

    @node.handler
    def gossip(msg):
        return None


if __name__ == "__main__":
    run(serve)
