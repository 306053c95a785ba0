#!/usr/bin/env python3
"""Broken on purpose for pn-counter: a grow-only counter that drops negative deltas."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    ups = {}

    @node.handler
    def add(msg):
        if msg.body["delta"] > 0:
            ups[node.node_id] = ups.get(node.node_id, 0) + msg.body["delta"]
        return {"type": "add_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "value": sum(ups.values())}

    @node.handler
    def merge(msg):
        for node_id, count in msg.body["ups"].items():
            ups[node_id] = max(ups.get(node_id, 0), count)

    def gossip():
        for peer in node.node_ids:
            if peer != node.node_id:
                node.send(peer, {"type": "merge", "ups": ups})

    node.every(0.5, gossip)


if __name__ == "__main__":
    run(serve)
