#!/usr/bin/env python3
"""Broken on purpose: an echo node that answers nothing at all, init included, once a
previous life of it has run (it leaves a file named after its node id in $INIT_ONCE_DIR).
So its first start works and every restart by the nemesis fails its init."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import run


def serve(node):
    folder = os.environ["INIT_ONCE_DIR"]
    if os.listdir(folder):
        node.feed = lambda line: None       # deaf: a restart never gets its init_ok
        return

    @node.handler
    def echo(msg):
        open(os.path.join(folder, msg.dest), "a").close()
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
