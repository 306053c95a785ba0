#!/usr/bin/env python3
"""Broken on purpose for txn-list-append: each node applies txns to its own lists only."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    db = {}

    @node.handler
    def txn(msg):
        done = []
        for f, k, v in msg.body["txn"]:
            if f == "r":
                done.append([f, k, list(db.get(k, []))])
            else:
                db.setdefault(k, []).append(v)
                done.append([f, k, v])
        return {"type": "txn_ok", "txn": done}


if __name__ == "__main__":
    run(serve)
