"""The g-counter workload (challenge 4): add / read ops, one final read per thread (§6.4).

Unlike the other workloads, every failure (timeout, even a definite error) is recorded as an
:info op with an exception, as Maelstrom's counter client does.
"""

from ..checkers import g_counter as checker
from ..client import json_int, validate
from ..edn import Keyword as K

NAME = "g-counter"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = False
ERRORS_AS_EXCEPTIONS = True
FINAL_PHASE = True


class Generator:
    """Adds of 0..4 and reads: a 50/50 draw of add (delta -5..4) or read, negative adds redrawn.

    So one op in three is an add and deltas are uniform over 0..4, zero included.
    """

    def __init__(self, opts, rng):
        self.rng = rng

    def next(self, ctx):
        """The next add or read; a negative add is thrown away and the coin tossed again."""
        while True:
            if self.rng.random() < 0.5:
                return {"f": "read", "value": None}
            delta = self.rng.randint(-5, 4)
            if delta >= 0:
                return {"f": "add", "value": delta}


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
