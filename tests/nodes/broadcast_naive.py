#!/usr/bin/env python3
"""Broken on purpose for broadcast under partitions: a new value is forwarded to every
other node once, fire-and-forget, so a message the partition drops is never sent again."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    values = set()

    def learn(value):
        if value not in values:
            values.add(value)
            for peer in node.node_ids:
                if peer != node.node_id:
                    node.send(peer, {"type": "gossip", "message": value})

    @node.handler
    def broadcast(msg):
        learn(msg.body["message"])
        return {"type": "broadcast_ok"}

    @node.handler
    def gossip(msg):
        learn(msg.body["message"])

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}


if __name__ == "__main__":
    run(serve)
