#!/usr/bin/env python3
"""Ids from node.random alone ("<node id>-<64 random bits>"): unique across restarts only if
every incarnation draws fresh randomness, which the bench must give a restarted node."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def generate(msg):
        return {"type": "generate_ok", "id": f"{node.node_id}-{node.random.getrandbits(64):x}"}


if __name__ == "__main__":
    run(serve)
