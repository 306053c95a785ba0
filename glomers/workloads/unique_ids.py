"""The unique-ids workload (challenge 2): `generate` ops, every acked id distinct (§6.2)."""

from ..checkers import unique_ids as checker
from ..client import ANY, validate
from ..edn import Keyword as K

NAME = "unique-ids"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = True


class Generator:
    """Endless `generate` ops."""

    def __init__(self, opts, rng):
        pass

    def next(self, ctx):
        return {"f": "generate", "value": None}


generator = Generator


async def invoke(conn, op, opts):
    """Ask for an id; the completion's value is the id."""
    reply = await conn.rpc({"type": "generate"})
    validate(reply, "generate_ok", {"id": ANY})
    return {**op, "type": K("ok"), "value": reply["id"]}
