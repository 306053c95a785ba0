"""The txn-rw-register workload (challenges 6a-6c): transactions of reads and writes (§6.6).

Each op is one `txn` request holding 1..--max-txn-length micro-ops ("mops") `[f, k, v]`:
`["r", k, None]` asks the node to fill in k's value, `["w", k, v]` sets k to v. Keys come
from Elle's exponential pool of --key-count active keys; each key is written 1, 2, ...,
--max-writes-per-key and then retired for a fresh one, so every (key, value) pair is written
at most once and a read names its writer. The completion records the txn as the node
returned it. Checked by Elle's rw-register analysis (checkers/txn_rw_register.py).
"""

from ..checkers import txn_rw_register as checker
from ..client import validate
from ..edn import Keyword as K
from .key_pool import DEFAULT_KEY_COUNT, KeyPool

NAME = "txn-rw-register"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = True

# Shared keyword instances (keywords are immutable): one per mop showed in profiles.
_READ, _OK = K("r"), K("ok")
_REPLY_F = {"r": _READ, "w": K("w")}    # a validated reply mop's f -> its keyword


class Generator:
    """Endless txns: length uniform in 1..max-txn-length, each mop a read or a write at 1/2.

    WRITE names the writing micro-op (txn-list-append's generator appends instead).
    """

    WRITE = "w"

    def __init__(self, opts, rng):
        self.rng = rng
        self.max_length = opts.get("max_txn_length") or 4
        key_count = opts.get("key_count") or DEFAULT_KEY_COUNT
        self.pool = KeyPool(rng, key_count, opts.get("max_writes_per_key") or 16)

    def next(self, ctx):
        rng, pool = self.rng, self.pool
        length = rng.randint(1, self.max_length)
        write = K(self.WRITE)
        txn = []
        while len(txn) < length:
            f = "r" if rng.random() < 0.5 else "w"
            k = pool.key()
            if f == "r":
                txn.append([_READ, k, None])
            elif pool.exhausted(k):
                # As Elle does: retire the key, then draw the whole mop again.
                pool.retire(k)
            else:
                txn.append([write, k, pool.take_value(k)])
        return {"f": "txn", "value": txn}


generator = Generator


def _txn(value):
    """A returned txn: a list of mops, each exactly [f, k, v] with f "r" or "w" (Maelstrom's
    reply schema). A plain loop rather than all() over a helper: this runs for every reply."""
    if not isinstance(value, list):
        return False
    for mop in value:
        if not (isinstance(mop, list) and len(mop) == 3 and mop[0] in ("r", "w")
                and isinstance(mop[0], str)):
            return False
    return True


async def invoke(conn, op, opts):
    """Send the txn; the completion's value is the txn the node sent back, f as keywords."""
    request = [[str(f), k, v] for f, k, v in op["value"]]
    reply = await conn.rpc({"txn": request, "type": "txn"})
    validate(reply, "txn_ok", {"txn": _txn})
    return {**op, "type": _OK, "value": [[_REPLY_F[f], k, v] for f, k, v in reply["txn"]]}
