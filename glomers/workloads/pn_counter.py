"""The pn-counter workload: a counter that goes up and down, Maelstrom's CRDT tutorial
(spec workloads-more §2).

Ops are a 50/50 mix of `add` with a delta uniform in -5..4 (zero included) and `read`,
whose reply must carry an integer `value`. After the main phase each client thread makes
one final read marked `:final?`. Every failure is an :info op with an exception, as for
g-counter, which is this workload with the negative deltas drawn again. Only the final
reads are judged, by the g-counter checker (checkers/g_counter.py): each must equal the
sum of the acknowledged deltas plus those of some subset of the indeterminate ones.
"""

from ..checkers import g_counter as checker
from ..client import json_int, validate
from ..edn import Keyword as K

NAME = "pn-counter"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = False
ERRORS_AS_EXCEPTIONS = True
FINAL_PHASE = True


class Generator:
    """Reads and adds at 50/50; a delta is uniform in -5..4."""

    def __init__(self, opts, rng):
        self.rng = rng

    def next(self, ctx):
        if self.rng.random() < 0.5:
            return {"f": "read", "value": None}
        return {"f": "add", "value": self.rng.randint(-5, 4)}


generator = Generator


def final_ops(ctx, thread):
    """One final read per client thread."""
    yield {"f": "read", "value": None, "final?": True}


async def invoke(conn, op, opts):
    """One add (`delta`, answered by add_ok) or read (its integer value becomes the op's)."""
    if op["f"] == "add":
        reply = await conn.rpc({"delta": op["value"], "type": "add"})
        validate(reply, "add_ok", {})
        return {**op, "type": K("ok")}
    reply = await conn.rpc({"type": "read"})
    validate(reply, "read_ok", {"value": json_int})
    return {**op, "type": K("ok"), "value": reply["value"]}
