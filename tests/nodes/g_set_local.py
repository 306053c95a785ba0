#!/usr/bin/env python3
"""Broken on purpose for g-set: each node keeps its own set and never shares it."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    elements = set()

    @node.handler
    def add(msg):
        elements.add(msg.body["element"])
        return {"type": "add_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "value": sorted(elements)}


if __name__ == "__main__":
    run(serve)
