#!/usr/bin/env python3
"""Broken on purpose: every node counts from 0 without its node id, so ids collide."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    count = {"n": 0}

    @node.handler
    def generate(msg):
        count["n"] += 1
        return {"type": "generate_ok", "id": count["n"]}


if __name__ == "__main__":
    run(serve)
