"""The broadcast workload (challenges 3a-3e): broadcast / read ops, topology setup, final reads.

Spec §6.3: each node gets the suggested `topology` once at setup; ops are a 50/50 mix of
`broadcast` of 0, 1, 2, ... and `read`; after the main phase every client thread makes one
final read. Checked by Jepsen's set-full checker.
"""

from ..checkers import set_full as checker
from ..client import validate
from ..edn import Keyword as K
from ..topology import topology

NAME = "broadcast"
IDEMPOTENT = frozenset({"read"})
REUSABLE_CLIENT = False
FINAL_PHASE = True


async def setup(conn, opts, timeout):
    """Send this node the suggested topology; a missing or malformed reply aborts the run."""
    reply = await conn.rpc({"type": "topology",
                            "topology": topology(opts["topology"], opts["nodes"])}, timeout)
    validate(reply, "topology_ok", {})


class Generator:
    """A 50/50 mix of broadcasts of 0, 1, 2, ... and reads."""

    def __init__(self, opts, rng):
        self.rng = rng
        self.next_value = 0

    def next(self, ctx):
        if self.rng.random() < 0.5:
            self.next_value += 1
            return {"f": "broadcast", "value": self.next_value - 1}
        return {"f": "read", "value": None}


generator = Generator


def final_ops(ctx, thread):
    """One final read per client thread."""
    yield {"f": "read", "value": None, "final?": True}


def _messages(value):
    """The read_ok schema: a list of anything; null is accepted as none."""
    return value is None or isinstance(value, list)


async def invoke(conn, op, opts):
    """One broadcast or read RPC; the completion as Maelstrom records it."""
    if op["f"] == "broadcast":
        reply = await conn.rpc({"type": "broadcast", "message": op["value"]})
        validate(reply, "broadcast_ok", {})
        return {**op, "type": K("ok")}
    reply = await conn.rpc({"type": "read"})
    validate(reply, "read_ok", {"messages": _messages})
    # Recorded as returned, order and duplicates kept; a null stays nil, as in Maelstrom.
    return {**op, "type": K("ok"), "value": reply["messages"]}
