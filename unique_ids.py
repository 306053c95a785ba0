#!/usr/bin/env python3
"""Challenge 2, unique ids: every node mints ids on its own, with no coordination.

An id is "<node id>-<counter>", e.g. "n1-42". Node ids are distinct and each node's counter
only grows, so no two ids collide, and a node keeps answering however the network is
partitioned. (Maelstrom never restarts a node, so the counter may live in memory.)
"""

from maelstrom_node import Node, run


def serve(node: Node) -> None:
    """Register the generate handler; the counter lives in this closure."""
    minted = 0

    @node.handler
    def generate(msg):
        nonlocal minted
        minted += 1
        return {"type": "generate_ok", "id": f"{node.node_id}-{minted}"}


if __name__ == "__main__":
    run(serve)
