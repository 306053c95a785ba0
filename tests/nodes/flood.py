#!/usr/bin/env python3
"""Broken on purpose: answers each echo and then floods its own node id with messages."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        for _ in range(30_000):
            node.send(node.node_id, {"type": "noise"})
        return {"type": "echo_ok", "echo": msg.body["echo"]}

    @node.handler
    def noise(msg):
        return None


if __name__ == "__main__":
    run(serve)
