#!/usr/bin/env python3
"""Broken on purpose for txn-rw-register beyond read-uncommitted: each node applies
transactions to its own copy and never replicates, so nodes read each other's keys stale."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    values = {}

    @node.handler
    def txn(msg):
        done = []
        for f, k, v in msg.body["txn"]:
            if f == "r":
                done.append([f, k, values.get(k)])
            else:
                values[k] = v
                done.append([f, k, v])
        return {"type": "txn_ok", "txn": done}


if __name__ == "__main__":
    run(serve)
