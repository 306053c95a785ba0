#!/usr/bin/env python3
"""Hostile (virtual time): answers two echoes, then sys.exit(4) in the handler."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    answered = [0]

    @node.handler
    def echo(msg):
        answered[0] += 1
        if answered[0] > 2:
            sys.exit(4)
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
