#!/usr/bin/env python3
"""Broken on purpose: accepts broadcasts but answers every read with an error, so no read
ever succeeds (Maelstrom's stats check fails) and availability falls."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import ErrorCode, RPCError, run


def serve(node):
    @node.handler
    def broadcast(msg):
        return {"type": "broadcast_ok"}

    @node.handler
    def read(msg):
        raise RPCError(ErrorCode.TEMPORARILY_UNAVAILABLE, "reads are not implemented")

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}


if __name__ == "__main__":
    run(serve)
