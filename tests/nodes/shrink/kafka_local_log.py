#!/usr/bin/env python3
"""Planted bug for `shrink` (kafka): each node keeps its own logs and never tells the
others, so a message sent through one node is missing from a poll through another."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    logs = {}           # key -> [msg, ...]; a message's offset is its index
    committed = {}

    @node.handler
    def send(msg):
        log = logs.setdefault(msg.body["key"], [])
        log.append(msg.body["msg"])
        return {"type": "send_ok", "offset": len(log) - 1}

    @node.handler
    def poll(msg):
        found = {}
        for key, start in msg.body["offsets"].items():
            log = logs.get(key, [])
            found[key] = [[offset, log[offset]] for offset in range(start, len(log))]
        return {"type": "poll_ok", "msgs": found}

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
