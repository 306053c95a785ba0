#!/usr/bin/env python3
"""Broken on purpose: unique ids that alternate between numbers and strings, which the
unique-ids checker cannot compare, so the verdict is unknown rather than valid or not."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    count = {"n": 0}

    @node.handler
    def generate(msg):
        count["n"] += 1
        unique = f"{node.node_id}-{count['n']}"
        return {"type": "generate_ok", "id": unique if count["n"] % 2 else count["n"] * 1000}


if __name__ == "__main__":
    run(serve)
