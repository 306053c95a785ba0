#!/usr/bin/env python3
"""Hostile (virtual time): a correct echo node that also sends seq-kv a request type it does
not know on every echo, a mistake repeated many times in one run."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        node.rpc("seq-kv", {"type": "bogus"}, lambda reply: None)
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
