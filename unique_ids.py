#!/usr/bin/env python3
"""Challenge 2, unique ids: every node mints ids on its own, with no coordination.

An id is "<node id>-<incarnation>-<counter>", e.g. "n1-12.0731-5f3a09c1-42": the node, which
life of that node minted it, and a counter that starts at 1 in each life. Node ids are
distinct and a counter never repeats within one life, so ids collide only if two lives of
the same node had the same incarnation. No other node is asked, so a node keeps answering
however the network is partitioned.

The incarnation is what a process can know about itself that a later process of the same
node cannot repeat, read when the node mints its first id:

- the node's clock (`node.time()`). For a real process that is the machine's monotonic
  clock, which all processes share and which never goes back; Maelstrom runs every node on
  one machine and restarts a killed node only after the kill, so a later life reads a later
  time than any earlier life ever minted at. Under the bench's virtual time the clock is the
  virtual one, and the same holds: a restart comes after the kill.
- 32 bits from `node.random`: seeded from os.urandom in a real process, so two lives differ
  even if their clocks tied; under the bench the stream is seeded so that a run replays
  exactly (each life of a node draws from a stream of its own), and the clock still
  decides.

A counter alone (ids "n1-1", "n1-2", ...) passes Maelstrom only because Maelstrom never
restarted nodes: after a restart the counter starts again at 1 and hands out "n1-1" twice.
Storing the counter in a file would survive a kill, but a script gets no run id, so a file
left by an earlier run, or by another node sharing the directory, would be mistaken for its
own. The incarnation costs nothing per id: no message, no disk.
"""

from maelstrom_node import Node, run


def serve(node: Node) -> None:
    """Register the generate handler; the incarnation and the counter live in this closure."""
    incarnation = None
    minted = 0

    @node.handler
    def generate(msg):
        nonlocal incarnation, minted
        if incarnation is None:
            incarnation = f"{node.time()!r}-{node.random.getrandbits(32):08x}"
        minted += 1
        # msg.dest is this node's id, also on a request that reaches a restarted node
        # before its init.
        node_id = node.node_id or msg.dest
        return {"type": "generate_ok", "id": f"{node_id}-{incarnation}-{minted}"}


if __name__ == "__main__":
    run(serve)
