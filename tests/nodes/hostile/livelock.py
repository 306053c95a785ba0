#!/usr/bin/env python3
"""Hostile (virtual time): on its first echo, starts a ping-pong with itself that never
waits, so with zero latency the virtual clock could never move again."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        node.send(node.node_id, {"type": "ping"})
        return {"type": "echo_ok", "echo": msg.body["echo"]}

    @node.handler
    def ping(msg):
        node.send(node.node_id, {"type": "ping"})


if __name__ == "__main__":
    run(serve)
