#!/usr/bin/env python3
"""Broken on purpose: gossips to a node that does not exist (n9) after each echo."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        node.send("n9", {"type": "gossip"})
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
