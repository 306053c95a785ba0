#!/usr/bin/env python3
"""Broken on purpose, but only under --nemesis kill: ids are "<node id>-<counter>", the
counter starting at 1 in memory, so a restarted node hands out its first ids again
(Maelstrom issue #93's example)."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    count = {"n": 0}

    @node.handler
    def generate(msg):
        count["n"] += 1
        return {"type": "generate_ok", "id": f"{node.node_id}-{count['n']}"}


if __name__ == "__main__":
    run(serve)
