#!/usr/bin/env python3
"""Planted bug for `shrink` (broadcast): a node tells every other node about a new value
once, fire and forget. On a healthy network that is enough; a message a partition drops is
never sent again, so the value is lost on the far side."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    seen = set()

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        value = msg.body["message"]
        if value not in seen:
            seen.add(value)
            for peer in node.node_ids:
                if peer != node.node_id:
                    node.send(peer, {"type": "tell", "value": value})    # once, no ack
        return {"type": "broadcast_ok"}

    @node.handler
    def tell(msg):
        seen.add(msg.body["value"])

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(seen)}


if __name__ == "__main__":
    run(serve)
