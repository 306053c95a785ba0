#!/usr/bin/env python3
"""Hostile (virtual time): after init, a background task yields forever without ever
waiting for time, so a virtual clock could never move again."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


def serve(node):
    async def spin():
        while True:
            await asyncio.sleep(0)

    node.spawn(spin)

    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
