#!/usr/bin/env python3
"""Correct for g-set: each node sends its whole set to every other node twice a second."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    elements = set()

    @node.handler
    def add(msg):
        elements.add(msg.body["element"])
        return {"type": "add_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "value": sorted(elements)}

    @node.handler
    def replicate(msg):
        elements.update(msg.body["value"])

    def gossip():
        for peer in node.node_ids:
            if peer != node.node_id:
                node.send(peer, {"type": "replicate", "value": sorted(elements)})

    node.every(0.5, gossip)


if __name__ == "__main__":
    run(serve)
