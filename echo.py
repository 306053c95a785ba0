#!/usr/bin/env python3
"""Challenge 1, echo: answer every echo request with the payload it carried."""

from maelstrom_node import Node, run


def serve(node: Node) -> None:
    """Register the echo handler."""

    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
