#!/usr/bin/env python3
"""Broken on purpose for kafka: each node keeps its own logs and tells no one, so offsets
repeat across nodes and a poll on one node never sees what another node acknowledged."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    logs, committed = {}, {}

    @node.handler
    def send(msg):
        log = logs.setdefault(msg.body["key"], [])
        log.append(msg.body["msg"])
        return {"type": "send_ok", "offset": len(log) - 1}

    @node.handler
    def poll(msg):
        return {"type": "poll_ok", "msgs": {
            key: [[i, m] for i, m in enumerate(logs.get(key, []))][start:start + 10]
            for key, start in msg.body["offsets"].items()}}

    @node.handler
    def commit_offsets(msg):
        committed.update(msg.body["offsets"])
        return {"type": "commit_offsets_ok"}

    @node.handler
    def list_committed_offsets(msg):
        return {"type": "list_committed_offsets_ok",
                "offsets": {k: committed[k] for k in msg.body["keys"] if k in committed}}


if __name__ == "__main__":
    run(serve)
