#!/usr/bin/env python3
"""An echo node that reports on stderr: its command-line arguments when run as a process,
and a line per request."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        node.log(f"chatty echo of {msg.body['echo']!r}")
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    print(f"chatty argv {sys.argv[1:]!r}", file=sys.stderr, flush=True)
    run(serve)
