#!/usr/bin/env python3
"""Broken on purpose: echoes the wrong text for every third request."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    count = {"n": 0}

    @node.handler
    def echo(msg):
        count["n"] += 1
        text = msg.body["echo"] if count["n"] % 3 else "not what you sent"
        return {"type": "echo_ok", "echo": text}


if __name__ == "__main__":
    run(serve)
