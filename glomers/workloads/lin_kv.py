"""The lin-kv workload (Maelstrom's default): a linearizable key-value store of registers
(spec workloads-more §3).

Client threads are cut into groups of 2N (N = node count), each group working one key at
a time: keys 0, 1, 2, ..., a group taking the next unused key when its key has seen more
than 20 processes (every :info op gives its thread a fresh process, so a key's
indeterminate ops stay few enough to check). Threads 0..N-1, one per node, only read; every
other thread writes (a third of the time) or compare-and-sets (two thirds), values 0..4.
In groups after the first no thread id is below N, so those groups never read (Jepsen's
own quirk). So `--concurrency` must be a multiple of 2N; with N above 10 a key could never
take an op (Maelstrom then hangs), and the bench refuses both.

The client is reusable; a request times out after max(10 x --latency, 1000) ms. A read that
fails in any way is :fail; a write or cas that times out or meets an indefinite error is
:info. No final phase. Checked for linearizability per key (checkers/lin_kv.py).
"""

from ..checkers import lin_kv as checker
from ..client import ANY, validate
from ..edn import Keyword as K
from ..run import Aborted

NAME = "lin-kv"
IDEMPOTENT = frozenset({"read"})
REUSABLE_CLIENT = True
PROCESS_LIMIT = 20
VALUES = 5


class Generator:
    """Reads, writes and cas ops on each thread group's current key (module docstring)."""

    def __init__(self, opts, rng):
        self.rng = rng
        self.nodes = len(opts["nodes"])
        self.group_size = 2 * self.nodes
        concurrency = opts["concurrency"]
        if concurrency < self.group_size or concurrency % self.group_size:
            raise Aborted(
                f"lin-kv runs each key with 2 x {self.nodes} nodes = {self.group_size} "
                f"client threads, so --concurrency must be a multiple of {self.group_size} "
                f"(e.g. --concurrency 2n), not {concurrency}; Maelstrom's generator throws "
                "an AssertionError and the run ends without analysis")
        if self.group_size > PROCESS_LIMIT:
            raise Aborted(
                f"with {self.nodes} nodes each key starts with {self.group_size} processes, "
                f"more than the {PROCESS_LIMIT} one key may see, so no key would ever get an "
                "op: Maelstrom's lin-kv hangs with more than 10 nodes")
        groups = concurrency // self.group_size
        self.keys = list(range(groups))              # each group's current key
        self.next_key = groups
        self.seen = [set() for _ in range(groups)]   # processes seen on the current key

    def next(self, ctx):
        """The next op for the thread the interpreter picked (ctx.next_thread)."""
        thread = ctx.next_thread
        group = thread // self.group_size
        members = range(group * self.group_size, (group + 1) * self.group_size)
        current = {ctx.processes[t] for t in members}
        seen = self.seen[group] | current
        if len(seen) > PROCESS_LIMIT:
            # Too many crashed processes on this key: the group moves to a fresh one.
            self.keys[group], self.next_key = self.next_key, self.next_key + 1
            seen = current
        self.seen[group] = seen
        key = self.keys[group]
        if thread < self.nodes:
            return {"f": "read", "value": [key, None]}
        if self.rng.randrange(3) == 0:
            return {"f": "write", "value": [key, self.rng.randrange(VALUES)]}
        return {"f": "cas", "value": [key, [self.rng.randrange(VALUES),
                                            self.rng.randrange(VALUES)]]}


generator = Generator


def timeout(opts):
    """Seconds a request may take: max(10 x --latency, 1000) ms."""
    return max(10 * opts.get("latency", 0), 1000) / 1000


async def invoke(conn, op, opts):
    """One read, write or cas RPC; the completion keeps the [key value] pair."""
    key, value = op["value"]
    if op["f"] == "read":
        reply = await conn.rpc({"key": key, "type": "read"}, timeout(opts))
        validate(reply, "read_ok", {"value": ANY})
        return {**op, "type": K("ok"), "value": [key, reply["value"]]}
    if op["f"] == "write":
        reply = await conn.rpc({"key": key, "value": value, "type": "write"}, timeout(opts))
        validate(reply, "write_ok", {})
        return {**op, "type": K("ok")}
    reply = await conn.rpc({"key": key, "from": value[0], "to": value[1], "type": "cas"},
                           timeout(opts))
    validate(reply, "cas_ok", {})
    return {**op, "type": K("ok")}
