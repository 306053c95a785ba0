#!/usr/bin/env python3
"""Hostile (virtual time): schedules a plain loop callback that raises a BaseException
subclass half a second after init."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from maelstrom_node import run


class Bail(BaseException):
    """Not an Exception: no ordinary handler catches it."""


def serve(node):
    def bail():
        raise Bail("bailing out of a loop callback")

    async def later():
        asyncio.get_running_loop().call_later(0.5, bail)

    node.spawn(later)

    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
