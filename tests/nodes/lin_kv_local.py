#!/usr/bin/env python3
"""Broken on purpose for lin-kv: each node keeps its own map and never tells the others."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import ErrorCode, RPCError, run


def serve(node):
    data = {}

    @node.handler
    def read(msg):
        if msg.body["key"] not in data:
            raise RPCError(ErrorCode.KEY_DOES_NOT_EXIST, "not found")
        return {"type": "read_ok", "value": data[msg.body["key"]]}

    @node.handler
    def write(msg):
        data[msg.body["key"]] = msg.body["value"]
        return {"type": "write_ok"}

    @node.handler
    def cas(msg):
        key = msg.body["key"]
        if key not in data:
            raise RPCError(ErrorCode.KEY_DOES_NOT_EXIST, "not found")
        if data[key] != msg.body["from"]:
            raise RPCError(ErrorCode.PRECONDITION_FAILED, f"expected {msg.body['from']}")
        data[key] = msg.body["to"]
        return {"type": "cas_ok"}


if __name__ == "__main__":
    run(serve)
