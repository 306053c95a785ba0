"""Broadcast under kill, pause and partition on the restart harness: clients, a nemesis, a
history the bench's set-full checker can judge, and what the nodes hold at the end.

Used by tests/test_broadcast.py (is anything lost?) and bench/broadcast.py (what do faults
cost?). The clients and the nemesis follow Maelstrom's broadcast workload and Jepsen's
combined nemesis in spirit (spec faults.md §3): one client per node, half broadcasts of
unique values and half reads, at a given total rate; for each fault a stream of its own
that strikes every U(0, 2·interval) seconds and undoes the damage after as long again
(a kill is undone by a restart, a pause by a resume, a partition by healing). Kills and
pauses pick nodes as Jepsen does: one of nil (a random non-empty subset), one,
minority-third, minority, majority, all. At the end the network heals, paused nodes resume,
killed nodes restart, and after `recovery` seconds every client makes one final read.
"""

import asyncio
import random

from glomers.checkers import set_full
from restart_cluster import RestartCluster

FAULTS = ("kill", "pause", "partition")
SPECS = ("nil", "one", "minority-third", "minority", "majority", "all")


def pick(rng, node_ids, spec):
    """The nodes a kill or pause with Jepsen's node spec `spec` strikes."""
    n = len(node_ids)
    majority = n // 2 + 1
    size = {"nil": rng.randint(1, n), "one": 1, "minority-third": (n - 1) // 3,
            "minority": majority - 1, "majority": majority, "all": n}[spec]
    return rng.sample(list(node_ids), size)


class Run:
    """One run's history (Jepsen-style ops: index, time in ns, process, type, f, value)."""

    def __init__(self, loop):
        self.loop = loop
        self.origin = loop.time()
        self.history = []
        self.restarts = []      # (node id, loop time of the restart)
        self.pauses = 0         # nodes paused (a node at a time)

    def op(self, process, type_, f, value, **extra):
        op = {"index": len(self.history), "time": int((self.loop.time() - self.origin) * 1e9),
              "process": process, "type": type_, "f": f, "value": value, **extra}
        self.history.append(op)
        return op

    def acked(self):
        """Values whose broadcast was acknowledged."""
        return {op["value"] for op in self.history
                if op["f"] == "broadcast" and op["type"] == "ok"}

    def known(self):
        """Values acknowledged or shown by any read: set-full holds a node to each."""
        known = self.acked()
        for op in self.history:
            if op["f"] == "read" and op["type"] == "ok":
                known |= set(op["value"])
        return known


async def run_with_faults(cluster: RestartCluster, seed, faults, seconds=30, rate=20,
                          interval=1.0, recovery=10, holdings=None):
    """Clients and one nemesis stream per fault in `faults` on a started-or-not cluster for
    `seconds`, then recovery and final reads. Returns the Run; run.finals maps node -> the
    set its final read returned (None: no answer). With `holdings` (node id -> the values
    its live incarnation holds), run.catch_ups lists, per restart, the seconds until the
    new life held every value acknowledged before it started (None: not by the end; lives
    killed before they caught up are left out)."""
    unknown = set(faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"faults must be among {FAULTS}, not {sorted(unknown)}")
    if not cluster.nodes:
        await cluster.start()
    loop = asyncio.get_running_loop()
    run = Run(loop)
    rng = random.Random(f"{seed}/nemesis")
    end = loop.time() + seconds
    values = iter(range(1 << 62))
    node_ids = cluster.node_ids

    async def client(process, node_id):
        crng = random.Random(f"{seed}/client/{process}")
        due = loop.time()
        while True:
            # Ops are due U(0, 2·mean) apart whatever they take, so the total rate is `rate`
            # (a client still behind starts its next op at once).
            due += crng.uniform(0, 2 * len(node_ids) / rate)
            if due >= end:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            if crng.random() < 0.5:
                value = next(values)
                run.op(process, "invoke", "broadcast", value)
                reply = await cluster.request(node_id, {"type": "broadcast", "message": value})
                ok = reply is not None and reply.get("type") == "broadcast_ok"
                run.op(process, "ok" if ok else "info", "broadcast", value)
            else:
                await read(process, node_id)

    async def read(process, node_id, **extra):
        run.op(process, "invoke", "read", None, **extra)
        reply = await cluster.request(node_id, {"type": "read"})
        if reply is not None and reply.get("type") == "read_ok":
            run.op(process, "ok", "read", sorted(reply["messages"]), **extra)
            return set(reply["messages"])
        run.op(process, "fail", "read", None, **extra)
        return None

    async def restart(node_id):
        if not cluster.alive(node_id):
            due = run.acked()
            await cluster.restart(node_id)
            run.restarts.append((node_id, loop.time()))
            if holdings is not None:
                watching.append((node_id, cluster.incarnations[node_id], loop.time(), due))

    watching, run.catch_ups = [], []

    async def watch():
        # Every 10 ms: which new lives now hold what was acknowledged before they began?
        while True:
            await asyncio.sleep(0.01)
            for entry in list(watching):
                node_id, life, started, due = entry
                if cluster.incarnations[node_id] != life or not cluster.alive(node_id):
                    pass                            # killed again before it caught up
                elif due <= holdings(node_id):
                    run.catch_ups.append(loop.time() - started)
                else:
                    continue
                watching.remove(entry)

    async def gap():
        await asyncio.sleep(rng.uniform(0, 2 * interval))

    async def kills():
        while loop.time() < end:
            await gap()
            chosen = pick(rng, node_ids, rng.choice(SPECS))
            for node_id in chosen:
                cluster.kill(node_id)
            await gap()
            for node_id in node_ids:
                await restart(node_id)

    async def pauses():
        while loop.time() < end:
            await gap()
            chosen = pick(rng, node_ids, rng.choice(SPECS))
            for node_id in chosen:
                if cluster.alive(node_id):
                    cluster.pause(node_id)
                    run.pauses += 1
            await gap()
            for node_id in node_ids:
                cluster.resume(node_id)

    async def partitions():
        while loop.time() < end:
            await gap()
            shuffled = rng.sample(list(node_ids), len(node_ids))
            cut = rng.randint(1, len(node_ids) - 1)
            sides = (set(shuffled[:cut]), set(shuffled[cut:]))
            cluster.net.partition({n: sides[n in sides[0]] for n in node_ids})
            await gap()
            cluster.net.heal()

    streams = {"kill": kills, "pause": pauses, "partition": partitions}
    watcher = asyncio.ensure_future(watch())
    await asyncio.gather(*(streams[f]() for f in faults),
                         *(client(p, node_ids[p % len(node_ids)])
                           for p in range(len(node_ids))))
    cluster.net.heal()
    for node_id in node_ids:
        cluster.resume(node_id)
        await restart(node_id)
    await asyncio.sleep(recovery)
    finals = await asyncio.gather(*(read(p, node_ids[p % len(node_ids)], **{"final?": True})
                                    for p in range(len(node_ids))))
    run.finals = dict(zip(node_ids, finals))
    watcher.cancel()
    run.catch_ups.extend(None for _ in watching)
    return run


def missing_from_finals(run):
    """node -> the values its final read lacks, among those acknowledged or ever read."""
    known = run.known()
    return {node_id: sorted(known - (held or set()))
            for node_id, held in run.finals.items() if held is None or known - held}


def judge(run):
    """set-full's result map for the run's history (Maelstrom's broadcast checker)."""
    return set_full.check(run.history)


def server_messages(cluster):
    """Messages sent between nodes and between nodes and services (Maelstrom's servers)."""
    return sum(1 for _, event, m in cluster.net.journal
               if event == "send" and not m.src.startswith("c") and not m.dest.startswith("c"))
