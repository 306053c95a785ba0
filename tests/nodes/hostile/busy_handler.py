#!/usr/bin/env python3
"""Hostile (virtual time): its first echo handler spins forever without returning, so the
bench's loop (which runs it) is stuck until the user interrupts."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import pids
        pids.record(label="busy_handler")
        while True:
            pass


if __name__ == "__main__":
    run(serve)
