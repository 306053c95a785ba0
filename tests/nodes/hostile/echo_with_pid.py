#!/usr/bin/env python3
"""A correct echo node that notes its pid (see pids.py); the other hostile nodes wrap it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pids
    pids.record(label="echo_with_pid")
    run(serve)
