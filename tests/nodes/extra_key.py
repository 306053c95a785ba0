#!/usr/bin/env python3
"""Broken on purpose: its echo_ok carries an extra key Maelstrom's schema rejects."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"], "debug": "hello"}


if __name__ == "__main__":
    run(serve)
