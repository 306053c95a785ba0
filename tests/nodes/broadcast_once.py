#!/usr/bin/env python3
"""Fragile on purpose: sends each new value straight to every other node once, with no
retry, so it is correct on a healthy network and loses values under a partition."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    values = set()

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        values.add(msg.body["message"])
        for other in node.node_ids:
            if other != node.node_id:
                node.send(other, {"type": "relay", "value": msg.body["message"]})
        return {"type": "broadcast_ok"}

    @node.handler
    def relay(msg):
        values.add(msg.body["value"])

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}


if __name__ == "__main__":
    run(serve)
