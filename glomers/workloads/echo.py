"""The echo workload (challenge 1): each op sends a string and expects it back (spec §6.1)."""

from ..checkers import echo as checker
from ..client import ANY, validate
from ..edn import Keyword as K

NAME = "echo"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = False


class Generator:
    """Endless `echo` ops carrying "Please echo K", K uniform in 0..127."""

    def __init__(self, opts, rng):
        self.rng = rng

    def next(self, ctx):
        return {"f": "echo", "value": f"Please echo {self.rng.randint(0, 127)}"}


generator = Generator


async def invoke(conn, op, opts):
    """Send the echo; the completion's value is the whole reply body, as Maelstrom records."""
    reply = await conn.rpc({"echo": op["value"], "type": "echo"})
    validate(reply, "echo_ok", {"echo": ANY})
    return {**op, "type": K("ok"), "value": reply}
