#!/usr/bin/env python3
"""Hostile (virtual time): calls run(serve) at module level, not under __main__, so
importing it would start a node that reads the bench's own stdin."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


run(serve)
