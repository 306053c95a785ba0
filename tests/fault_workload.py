"""Test harness: a glomers workload (its generator, client and final phase) run against a
RestartCluster while a nemesis kills, pauses and partitions nodes, in virtual time.

The bench's own Interpreter drives the clients, so the history has Maelstrom's shape and
the bench's checkers can judge it. The nemesis has Jepsen's streams (spec faults.md §3):
kill/start, pause/resume and start-partition/stop-partition each alternate on their own,
from the main phase's start, gaps U[0, 2 * interval) apart; a kill or pause takes a target
spec drawn from the six of §3.2, and every start and resume is for all nodes. After the
main phase everything is healed, resumed and restarted, as Maelstrom's final phase does,
before any final ops.
"""

import asyncio
import random
import types

from glomers import nemesis as partitions
from glomers.interpreter import Interpreter

TARGET_SPECS = (None, "one", "minority-third", "minority", "majority", "all")


def targets(spec, nodes, rng):
    """The nodes a kill or pause spec resolves to (faults.md §3.2)."""
    shuffled = rng.sample(nodes, len(nodes))
    majority = len(nodes) // 2 + 1
    if spec is None:
        return shuffled[:rng.randint(1, len(nodes))]
    count = {"one": 1, "minority-third": (len(nodes) - 1) // 3, "minority": majority - 1,
             "majority": majority, "all": len(nodes)}[spec]
    return shuffled[:count]


class FaultTest:
    """What glomers.interpreter.Interpreter asks of a test, over a RestartCluster."""

    def __init__(self, cluster, workload, opts, seed):
        self.net = cluster.net
        self.workload = workload
        self.opts = {"nodes": cluster.node_ids, "nemesis": [], "nemesis_interval": 10,
                     **opts}
        self.seed = seed
        self.progress = types.SimpleNamespace(op=lambda op: None, note=lambda text: None,
                                              nemesis=lambda text: None)
        self.generator = None
        self._next_client = 1            # c0 is the cluster's own client

    def rng(self, purpose):
        return random.Random(f"{self.seed}/{purpose}")

    def new_client_id(self):
        self._next_client += 1
        return f"c{self._next_client}"

    def on_stray(self, conn, message, awaited):
        """Late replies are discarded, as Maelstrom's clients do."""

    def generator_update(self, completion):
        update = getattr(self.generator, "update", None)
        if update:
            update(completion)


async def nemesis(cluster, faults, interval, until, rng, events):
    """Run the fault streams named in `faults` until loop time `until`; note each step in
    `events` as (time, what, nodes). Each stream takes its first step at once."""
    loop = asyncio.get_running_loop()
    nodes = cluster.node_ids

    async def gap():
        await asyncio.sleep(rng.random() * 2 * interval)
        return loop.time() < until

    async def kills():
        while True:
            victims = targets(rng.choice(TARGET_SPECS), nodes, rng)
            for node_id in victims:
                cluster.kill(node_id)
            events.append((loop.time(), "kill", victims))
            if not await gap():
                return
            events.append((loop.time(), "start", nodes))
            for node_id in nodes:
                await cluster.restart(node_id)
            if not await gap():
                return

    async def pauses():
        while True:
            victims = targets(rng.choice(TARGET_SPECS), nodes, rng)
            for node_id in victims:
                cluster.pause(node_id)
            events.append((loop.time(), "pause", victims))
            if not await gap():
                return
            events.append((loop.time(), "resume", nodes))
            for node_id in nodes:
                cluster.resume(node_id)
            if not await gap():
                return

    async def cuts():
        while True:
            table = partitions.grudge(partitions.choose_spec(rng), nodes, rng)
            cluster.net.partition(table)
            events.append((loop.time(), "partition", sorted(table)))
            if not await gap():
                return
            cluster.net.heal()
            events.append((loop.time(), "heal", nodes))
            if not await gap():
                return

    streams = {"kill": kills, "pause": pauses, "partition": cuts}
    await asyncio.gather(*(streams[fault]() for fault in faults))


async def recover(cluster, events):
    """Heal, resume and restart everything, as Maelstrom does before its final phase."""
    loop = asyncio.get_running_loop()
    cluster.net.heal()
    for node_id in cluster.node_ids:
        cluster.resume(node_id)
        await cluster.restart(node_id)
    events.append((loop.time(), "recover", cluster.node_ids))


async def run_workload(cluster, workload, opts, seed, faults, seconds=20, interval=2.0,
                       rate=1000):
    """Start the cluster, run the workload's main phase beside the nemesis, recover, and
    run the workload's final phase if it has one. Returns (history, fault events, test)."""
    await cluster.start()
    loop = asyncio.get_running_loop()
    cluster.net.origin = loop.time()
    test = FaultTest(cluster, workload, opts, seed)
    interpreter = Interpreter(test)
    test.interpreter = interpreter
    test.generator = workload.generator(test.opts, test.rng("generator"))
    events = []
    faults_done = asyncio.ensure_future(nemesis(
        cluster, faults, interval, loop.time() + seconds, test.rng("nemesis"), events))
    await interpreter.main_phase(test.generator, seconds, rate, test.rng("stagger"))
    await faults_done
    await recover(cluster, events)
    if getattr(workload, "FINAL_PHASE", False):
        await interpreter.final_phase(getattr(workload, "FINAL_TIME_LIMIT", None))
    interpreter.close_connections()
    return interpreter.history, events, test


def run_part_under_faults(part, seed, faults, interval, bin_path=None):
    """A challenge part's published workload on the restart harness under `faults`, in
    virtual time: (opts, workload module, history, the network's counts, restarts, the
    cluster). The bench scripts for kafka and txn figures build on this."""
    from glomers import challenges, cli, in_process_host
    from glomers.main import load_workload
    from glomers.virtual_time import run as run_virtual
    from restart_cluster import RestartCluster
    _, ns = cli.parse(challenges.argv(part, bin_path) + ["--seed", str(seed),
                                                         "--virtual-time"])
    opts = cli.test_options(ns)
    workload = load_workload(opts["workload"])
    serve = in_process_host.load_script(opts["bin"], "_bench_fault_node").serve

    async def scenario():
        cluster = RestartCluster(serve, opts["nodes"], seed, latency_ms=opts["latency"],
                                 backlog="drop")
        history, _, _ = await run_workload(cluster, workload, opts, seed, faults,
                                           seconds=opts["time_limit"], interval=interval,
                                           rate=opts["rate"])
        return history, cluster
    history, cluster = run_virtual(scenario(), virtual=True)
    restarts = sum(cluster.incarnations.values()) - len(opts["nodes"])
    return opts, workload, history, cluster.net.stats(), restarts, cluster
