#!/usr/bin/env python3
"""Correct for pn-counter: a PN-counter CRDT (per-node increments and decrements, merged
by max), whole state gossiped to every other node twice a second."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    ups, downs = {}, {}

    @node.handler
    def add(msg):
        delta = msg.body["delta"]
        counts = ups if delta >= 0 else downs
        counts[node.node_id] = counts.get(node.node_id, 0) + abs(delta)
        return {"type": "add_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "value": sum(ups.values()) - sum(downs.values())}

    @node.handler
    def merge(msg):
        for mine, theirs in ((ups, msg.body["ups"]), (downs, msg.body["downs"])):
            for node_id, count in theirs.items():
                mine[node_id] = max(mine.get(node_id, 0), count)

    def gossip():
        for peer in node.node_ids:
            if peer != node.node_id:
                node.send(peer, {"type": "merge", "ups": ups, "downs": downs})

    node.every(0.5, gossip)


if __name__ == "__main__":
    run(serve)
