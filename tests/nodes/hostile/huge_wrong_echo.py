#!/usr/bin/env python3
"""Hostile: answers the first HUGE_COUNT echo requests with a wrong echo of HUGE_MB megabytes
(defaults 25 and 10), the rest correctly. Output size must not blow up the bench."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    left = [int(os.environ.get("HUGE_COUNT", "25"))]
    size = int(float(os.environ.get("HUGE_MB", "10")) * 1_000_000)

    @node.handler
    def echo(msg):
        if left[0] > 0:
            left[0] -= 1
            return {"type": "echo_ok", "echo": "x" * size}
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
