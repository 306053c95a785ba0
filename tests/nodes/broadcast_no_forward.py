#!/usr/bin/env python3
"""Broken on purpose for broadcast: each node keeps the values it is sent and tells no one."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    values = set()

    @node.handler
    def broadcast(msg):
        values.add(msg.body["message"])
        return {"type": "broadcast_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}


if __name__ == "__main__":
    run(serve)
