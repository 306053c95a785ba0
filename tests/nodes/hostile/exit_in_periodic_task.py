#!/usr/bin/env python3
"""Hostile (virtual time): a periodic task calls sys.exit(2) after one second."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    def tick():
        if node.time() > 1.0:
            sys.exit(2)

    node.every(0.25, tick)

    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
