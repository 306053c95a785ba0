#!/usr/bin/env python3
"""Broken on purpose for g-counter: each node counts only the adds it was sent itself."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    total = {"value": 0}

    @node.handler
    def add(msg):
        total["value"] += msg.body["delta"]
        return {"type": "add_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "value": total["value"]}


if __name__ == "__main__":
    run(serve)
