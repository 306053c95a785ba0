"""The txn-list-append workload: transactions over lists, Maelstrom's Datomic tutorial
(spec workloads-more §4).

Each op is one `txn` request of 1..--max-txn-length micro-ops: `["r", k, null]` asks for
list k, `["append", k, v]` adds v to its end. Keys come from Elle's exponential pool of
--key-count active keys; each key is appended 1, 2, ..., --max-writes-per-key and then
retired for a fresh one, so every (key, element) pair is appended at most once and a read
names its writers in order. The completion records the txn as the node returned it (the
reply is trusted, not compared with the request). The client is reusable; a timeout or an
indefinite error is :info, a definite one :fail. No final phase. Checked by Elle's
list-append analysis (checkers/list_append.py).
"""

from ..checkers import list_append as checker
from ..client import validate
from ..edn import Keyword as K
from .txn_rw_register import Generator as _RegisterTxns

NAME = "txn-list-append"
IDEMPOTENT = frozenset()
REUSABLE_CLIENT = True


class Generator(_RegisterTxns):
    """Elle's list-append txns: the rw-register stream with every write an append."""

    WRITE = "append"


generator = Generator


def _mop(value):
    """One returned mop: exactly [f, k, v], f "r" (v a list or null) or "append"."""
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)):
        return False
    if value[0] == "r":
        return value[2] is None or isinstance(value[2], list)
    return value[0] == "append"


def _txn(value):
    return isinstance(value, list) and all(_mop(mop) for mop in value)


async def invoke(conn, op, opts):
    """Send the txn; the completion's value is the txn the node sent back, f as keywords."""
    request = [[str(f), k, v] for f, k, v in op["value"]]
    reply = await conn.rpc({"txn": request, "type": "txn"})
    validate(reply, "txn_ok", {"txn": _txn})
    return {**op, "type": K("ok"), "value": [[K(f), k, v] for f, k, v in reply["txn"]]}
