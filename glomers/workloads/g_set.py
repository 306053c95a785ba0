"""The g-set workload: a grow-only set, Maelstrom's CRDT tutorial (spec workloads-more §1).

Ops are a 50/50 mix of `add` of 0, 1, 2, ... (one global sequence, so every element is
unique) and `read`, whose reply carries the whole set under `value` (not `elements`, as
Maelstrom's docs say). After the main phase each client thread makes one final read, with
no `:final?` mark. As for g-counter, every failure (a timeout, even a definite error, a
malformed reply) is an :info op with an exception, and the client is replaced. Checked by
Jepsen's set-full, as broadcast is (checkers/set_full.py).
"""

from ..checkers import set_full as checker
from ..client import validate
from ..edn import Keyword as K

NAME = "g-set"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = False
ERRORS_AS_EXCEPTIONS = True
FINAL_PHASE = True


class Generator:
    """A 50/50 mix of adds of 0, 1, 2, ... and reads."""

    def __init__(self, opts, rng):
        self.rng = rng
        self.next_element = 0

    def next(self, ctx):
        if self.rng.random() < 0.5:
            self.next_element += 1
            return {"f": "add", "value": self.next_element - 1}
        return {"f": "read", "value": None}


generator = Generator


def final_ops(ctx, thread):
    """One final read per client thread, unmarked (Maelstrom's g-set sets no :final?)."""
    yield {"f": "read", "value": None}


def _elements(value):
    """The read_ok schema: a list of anything; null is accepted as the empty set."""
    return value is None or isinstance(value, list)


async def invoke(conn, op, opts):
    """One add (`element`, answered by add_ok) or read (the set becomes the op's value)."""
    if op["f"] == "add":
        reply = await conn.rpc({"element": op["value"], "type": "add"})
        validate(reply, "add_ok", {})
        return {**op, "type": K("ok")}
    reply = await conn.rpc({"type": "read"})
    validate(reply, "read_ok", {"value": _elements})
    return {**op, "type": K("ok"), "value": reply["value"]}
