"""counter.py (challenge 4) against seq-kv as Maelstrom implements it, kills, and the workload.

Four levels: the script's nodes wired straight to the bench's seq-kv model (are reads as
fresh as promised, in both modes?), the restart harness (no acknowledged add lost, reads
never going back, across kills and restarts), whole bench runs of challenge 4 (20 seeds in
virtual time with partitions, the message budget, one run with real processes), and the
workload's generator. Deliberately broken counters show each check can fail: one that trusts
a single seq-kv read, one that forgets its count on a restart, one that overwrites its key.
"""

import asyncio
import collections
import json
import os
import random
import statistics
import subprocess
import sys
import types

import pytest

import counter
from maelstrom_node import ErrorCode, Node
from glomers import challenges, cli, edn, services
from glomers.main import run_test
from glomers.virtual_time import run as run_virtual
from glomers.workloads import g_counter
from restart_cluster import RestartCluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = ["n0", "n1", "n2"]

# What not to do: a read answered by one seq-kv read, which may come from an old state.
NAIVE_COUNTER = '''\
"""A counter that trusts a single seq-kv read (stale under seq-kv): a negative example."""
from maelstrom_node import SeqKV, run


def serve(node):
    kv = SeqKV(node)

    @node.handler
    async def add(msg):
        while True:
            total = await kv.read("counter", default=0)
            if await kv.cas("counter", total, total + msg.body["delta"], create=True):
                return {"type": "add_ok"}

    @node.handler
    async def read(msg):
        return {"type": "read_ok", "value": await kv.read("counter", default=0)}


if __name__ == "__main__":
    run(serve)
'''


def naive_serve():
    """serve() of the naive counter, loaded from its source text."""
    module = types.ModuleType("naive_counter")
    exec(NAIVE_COUNTER, module.__dict__)
    return module.serve


class AmnesiacCounter(counter.Counter):
    """Restart-unsafe: believes its key starts at [0, 0] and writes it blindly, so a
    restarted node overwrites what it had acknowledged before it died."""

    async def load_mine(self):
        self.mine = [0, 0]

    async def swap(self, delta):
        count, version = self.mine
        self.mine = [count + delta, version + 1]
        self.swapped_at = self.node.time()
        await self.kv.write(counter.key(self.node.node_id), self.mine)
        self.see(self.node.node_id, self.mine[0])


class BlindWriteCounter(counter.Counter):
    """Reads its key after a restart, as counter.py does, but then writes instead of
    compare-and-set, so a swap from before the restart landing late is overwritten."""

    async def swap(self, delta):
        count, version = self.mine
        new = [count + delta, version + 1]
        self.swapped_at = self.node.time()
        await self.kv.write(counter.key(self.node.node_id), new)
        self.mine = new
        self.see(self.node.node_id, new[0])


def serving(counter_class, max_staleness=counter.DEFAULT_MAX_STALENESS):
    """A serve(node) like counter.serve, with another Counter class."""
    return lambda node: counter.register(node, counter_class(node, max_staleness))


def with_staleness(max_staleness):
    return lambda node: counter.serve(node, max_staleness)


class Cluster:
    """Nodes of one script wired to the bench's seq-kv model, with no network in between.

    Each line a node writes is answered on the next loop turn: seq-kv requests by the
    service, client replies by resolving the waiting request. seq-kv draws its stale states
    from a seeded random source, so a run is replayable.
    """

    def __init__(self, serve, node_ids, seed):
        self.seq_kv = services.SeqKV("seq-kv", random.Random(seed))
        self.nodes = {}
        self.waiting = {}    # client msg_id -> future of the reply body
        self.next_msg_id = 0
        self.service_calls = collections.Counter()
        for node_id in node_ids:
            node = Node(write=self._route, log=lambda text: None)
            serve(node)
            self.nodes[node_id] = node

    def _route(self, line):
        msg = json.loads(line)
        loop = asyncio.get_running_loop()
        if msg["dest"] == "seq-kv":
            self.service_calls[msg["body"]["type"]] += 1
            reply = self.seq_kv.handle(msg["src"], msg["body"])
            reply["in_reply_to"] = msg["body"]["msg_id"]
            line = json.dumps({"src": "seq-kv", "dest": msg["src"], "body": reply})
            loop.call_soon(self.nodes[msg["src"]].feed, line)
        else:
            self.waiting.pop(msg["body"]["in_reply_to"]).set_result(msg["body"])

    async def request(self, node_id, body):
        """Send a client request to a node and return its reply body."""
        self.next_msg_id += 1
        reply = asyncio.get_running_loop().create_future()
        self.waiting[self.next_msg_id] = reply
        self.nodes[node_id].feed(json.dumps({"src": "c1", "dest": node_id, "body": {
            **body, "msg_id": self.next_msg_id}}))
        return await asyncio.wait_for(reply, 5)

    async def init(self):
        for node_id in self.nodes:
            await self.request(node_id, {"type": "init", "node_id": node_id,
                                         "node_ids": list(self.nodes)})


def sequential_ops(serve, seed, ops=300, pause=0.0):
    """Adds and reads one at a time on random nodes, `pause` (up to) seconds apart, in
    virtual time: a list of (node, read value, true total, [(time, total) so far])."""
    async def scenario():
        cluster = Cluster(serve, NODES, seed)
        await cluster.init()
        rng = random.Random(seed)
        loop = asyncio.get_running_loop()
        total, totals, seen = 0, [(loop.time(), 0)], []
        for _ in range(ops):
            await asyncio.sleep(rng.uniform(0, pause))
            node_id = rng.choice(NODES)
            if rng.random() < 1 / 3:
                delta = rng.randint(0, 4)
                reply = await cluster.request(node_id, {"type": "add", "delta": delta})
                assert reply["type"] == "add_ok"
                total += delta
                totals.append((loop.time(), total))
            else:
                started = loop.time()
                reply = await cluster.request(node_id, {"type": "read"})
                seen.append((node_id, reply["value"], started, list(totals)))
        return seen
    return run_virtual(scenario(), virtual=True)


def total_before(totals, moment):
    """The total acknowledged strictly before `moment`."""
    return max([total for time, total in totals if time < moment], default=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_latest_mode_every_read_is_the_latest_total(seed):
    # Each op starts after the previous one finished, so "latest" is exact: the sum so far.
    seen = sequential_ops(with_staleness(0), seed)
    assert [value for _, value, _, totals in seen] == [totals[-1][1] for *_, totals in seen]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_default_mode_reads_are_at_most_max_staleness_old_and_never_go_back(seed):
    seen = sequential_ops(counter.serve, seed, ops=600, pause=0.05)
    staleness = counter.DEFAULT_MAX_STALENESS
    last = {}
    for node_id, value, started, totals in seen:
        assert total_before(totals, started - staleness) <= value <= totals[-1][1]
        assert value >= last.get(node_id, 0)
        last[node_id] = value
    # The cache really is used: many reads miss recent adds (that is the trade-off).
    assert sum(value < totals[-1][1] for _, value, _, totals in seen) > len(seen) / 4


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_refresh_never_lowers_a_count_even_when_seq_kv_answers_from_an_older_state(seed):
    # seq-kv keeps 32 states; a caller whose position fell further behind is answered from a
    # state found by wrapping around the ring, and two reads in a row can go from a newer
    # state to an older one. Here n0 swaps once, n1 then swaps 200 times, and n0 refreshes
    # (no swap of its own: its last one is recent enough), reading n1's key, again and again.
    async def scenario():
        counters = []

        def serve(node):
            counters.append(counter.Counter(node, max_staleness=100))
            counter.register(node, counters[-1])
        cluster = Cluster(serve, ["n0", "n1"], seed)
        await cluster.init()
        await cluster.request("n0", {"type": "add", "delta": 1})
        for _ in range(200):
            await cluster.request("n1", {"type": "add", "delta": 1})
        seen = []
        for _ in range(10):
            await counters[0].refresh()
            seen.append(counters[0].total())
        return seen
    seen = run_virtual(scenario(), virtual=True)
    assert seen == sorted(seen) and seen[-1] <= 201


def test_a_single_seq_kv_read_is_stale():
    seen = sequential_ops(naive_serve(), seed=1)
    stale = [(value, totals[-1][1]) for _, value, _, totals in seen if value != totals[-1][1]]
    assert stale and all(value < total for value, total in stale)


def test_an_add_of_zero_calls_no_service_and_concurrent_adds_share_one_swap():
    async def scenario():
        cluster = Cluster(with_staleness(0), NODES, seed=5)
        await cluster.init()
        await cluster.request("n0", {"type": "add", "delta": 0})
        assert sum(cluster.service_calls.values()) == 0
        # Many adds at once on every node: those waiting while a swap is out share the next.
        deltas = [1 + i % 4 for i in range(30)]
        await asyncio.gather(*(cluster.request(f"n{i % 3}", {"type": "add", "delta": d})
                               for i, d in enumerate(deltas)))
        assert cluster.service_calls["cas"] < len(deltas)
        reads = [await cluster.request(n, {"type": "read"}) for n in NODES]
        return [r["value"] for r in reads], sum(deltas)
    values, total = run_virtual(scenario(), virtual=True)
    assert values == [total] * 3


def test_a_request_before_init_is_refused_as_temporarily_unavailable():
    async def scenario():
        out = []
        node = Node(write=out.append, log=lambda text: None)
        counter.serve(node)
        for msg_id, body in ((1, {"type": "read"}), (2, {"type": "add", "delta": 1})):
            node.feed(json.dumps({"src": "c1", "dest": "n0", "body": {**body,
                                                                      "msg_id": msg_id}}))
        await asyncio.sleep(0.01)
        return [json.loads(line)["body"] for line in out]
    replies = run_virtual(scenario(), virtual=True)
    assert [(r["in_reply_to"], r["code"]) for r in replies] == \
        [(1, ErrorCode.TEMPORARILY_UNAVAILABLE), (2, ErrorCode.TEMPORARILY_UNAVAILABLE)]


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_bad_max_staleness_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("COUNTER_MAX_STALENESS", raw)
    with pytest.raises(ValueError, match="COUNTER_MAX_STALENESS must be a number"):
        counter.serve(Node(write=lambda line: None))


def test_max_staleness_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("COUNTER_MAX_STALENESS", raising=False)
    assert counter.max_staleness_from_env() == counter.DEFAULT_MAX_STALENESS
    monkeypatch.setenv("COUNTER_MAX_STALENESS", "0.25")
    assert counter.max_staleness_from_env() == 0.25


# ----- kills and restarts -------------------------------------------------------------------

Op = collections.namedtuple("Op", "node f value ok invoked completed")


async def run_with_kills(cluster, seed, seconds=30, max_staleness=1.0):
    """Two clients per node doing adds and reads while a nemesis kills one or two nodes at a
    time and restarts them after 0 s to 3 s; then everyone is restarted and, after a quiet
    spell longer than max_staleness, each node gets a final read. Returns (ops, finals).

    Times in the ops are (loop time, order of the event), so events at the same virtual
    instant keep the order they happened in."""
    await cluster.start()
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    end = loop.time() + seconds
    ops, order = [], iter(range(1 << 62))

    def now():
        return (loop.time(), next(order))

    async def client(node_id, crng):
        while loop.time() < end:
            if crng.random() < 1 / 3:
                body = {"type": "add", "delta": crng.randint(0, 4)}
            else:
                body = {"type": "read"}
            invoked = now()
            reply = await cluster.request(node_id, body)
            ok = reply is not None and reply["type"] == body["type"] + "_ok"
            value = body.get("delta", reply and reply.get("value"))
            ops.append(Op(node_id, body["type"], value, ok, invoked, now()))
            await asyncio.sleep(crng.uniform(0, 0.05))

    async def nemesis():
        while loop.time() < end:
            await asyncio.sleep(rng.uniform(0.2, 2))
            victims = rng.sample(cluster.node_ids, rng.randint(1, 2))
            for node_id in victims:
                cluster.kill(node_id)
            await asyncio.sleep(rng.choice([0, rng.uniform(0, 0.1), rng.uniform(0, 3)]))
            for node_id in victims:
                await cluster.restart(node_id)

    await asyncio.gather(nemesis(), *(client(n, random.Random(f"{seed}/{n}/{k}"))
                                      for n in cluster.node_ids for k in range(2)))
    for node_id in cluster.node_ids:
        await cluster.restart(node_id)
    await asyncio.sleep(max_staleness + 1)
    finals = {}
    for node_id in cluster.node_ids:
        reply = await cluster.request(node_id, {"type": "read"})
        finals[node_id] = reply["value"]
    return ops, finals


def violations(ops, finals, max_staleness):
    """Every way the run broke the counter's promises, in words (empty: none)."""
    found = []
    acked = sum(op.value for op in ops if op.f == "add" and op.ok)
    unsure = [op.value for op in ops if op.f == "add" and not op.ok and op.value]
    possible = {0}
    for delta in unsure:
        possible |= {s + delta for s in possible}
    for node_id, value in finals.items():
        if value - acked not in possible:
            found.append(f"final read on {node_id} is {value}: the acknowledged adds sum to "
                         f"{acked}, and no subset of the unacknowledged {unsure} makes up "
                         f"the difference")
    acks = sorted((op.completed, op.value) for op in ops if op.f == "add" and op.ok)
    last = {}
    for op in sorted((op for op in ops if op.f == "read" and op.ok),
                     key=lambda op: op.completed):
        if op.value < last.get(op.node, (0,))[0]:
            found.append(f"read on {op.node} went back from {last[op.node][0]} "
                         f"(at {last[op.node][1]:.3f} s) to {op.value} (at "
                         f"{op.completed[0]:.3f} s)")
        last[op.node] = (op.value, op.completed[0])
        # Every add acknowledged max_staleness before the read began (in latest mode: any
        # time before it) must be counted.
        bound = (op.invoked[0] - max_staleness, -1) if max_staleness else op.invoked
        due = sum(delta for completed, delta in acks if completed < bound)
        if op.value < due:
            found.append(f"read on {op.node} at {op.invoked[0]:.3f} s returned {op.value}, "
                         f"missing adds acknowledged before then (at least {due})")
    return found


def kills_run(serve, seed, max_staleness, latency_ms=20, backlog="after-init",
              fresh_random=False):
    async def scenario():
        cluster = RestartCluster(serve, NODES, seed, latency_ms=latency_ms, backlog=backlog,
                                 fresh_random=fresh_random)
        ops, finals = await run_with_kills(cluster, seed, max_staleness=max_staleness)
        return ops, finals, cluster
    return run_virtual(scenario(), virtual=True)


@pytest.mark.parametrize("backlog", ["after-init", "before-init", "drop"])
@pytest.mark.parametrize("max_staleness", [counter.DEFAULT_MAX_STALENESS, 0])
def test_no_acknowledged_add_is_lost_and_reads_never_go_back_across_kills(backlog,
                                                                          max_staleness):
    kills = 0
    for seed in range(1, 5):
        ops, finals, cluster = kills_run(with_staleness(max_staleness), seed, max_staleness,
                                         backlog=backlog)
        assert violations(ops, finals, max_staleness) == []
        kills += sum(cluster.incarnations.values()) - len(NODES)
        # The run was not trivial: adds were lost to kills, and reads were answered.
        assert any(op.f == "add" and not op.ok and op.value for op in ops)
        assert sum(op.f == "read" and op.ok for op in ops) > 200
    assert kills > 40


def test_an_amnesiac_counter_loses_acknowledged_adds_under_kills():
    ops, finals, _ = kills_run(serving(AmnesiacCounter), seed=1,
                               max_staleness=counter.DEFAULT_MAX_STALENESS)
    found = violations(ops, finals, counter.DEFAULT_MAX_STALENESS)
    assert any("final read" in line for line in found)
    assert any("went back" in line for line in found)


def late_swap_scenario(serve, old_lands_first):
    """n0's swap for an add of 2 is still on its way to seq-kv when n0 is killed; the new
    n0 takes an add of 4, reading its key (3, from an add before) before the old swap lands.
    The old swap then lands before or after the new one. Returns (final reads on n1, n2 and
    n0, seq-kv refusals)."""
    async def scenario():
        cluster = RestartCluster(serve, NODES, seed=1)
        await cluster.start()
        held = []
        send = cluster.net.send

        def hold_n0_swaps(src, dest, body):
            if src == "n0" and body.get("type") in ("cas", "write"):
                held.append((src, dest, body))
                return None
            return send(src, dest, body)
        assert (await cluster.request("n0", {"type": "add", "delta": 3}))["type"] == "add_ok"
        cluster.net.send = hold_n0_swaps
        old_add = asyncio.ensure_future(cluster.request("n0", {"type": "add", "delta": 2}))
        await asyncio.sleep(0.1)
        assert len(held) == 1 and not old_add.done()
        cluster.kill("n0")
        await cluster.restart("n0")
        new_add = asyncio.ensure_future(cluster.request("n0", {"type": "add", "delta": 4}))
        await asyncio.sleep(0.1)
        assert len(held) == 2 and not new_add.done()
        cluster.net.send = send
        for message in held if old_lands_first else held[::-1]:
            send(*message)
            await asyncio.sleep(0.1)
        assert (await new_add)["type"] == "add_ok"
        assert await old_add is None     # the old add was never acknowledged
        await asyncio.sleep(2)
        # n0 last: its own read starts with a swap of what it believes its key holds.
        finals = [(await cluster.request(n, {"type": "read"}))["value"]
                  for n in ("n1", "n2", "n0")]
        return finals, cluster.seq_kv_errors(ErrorCode.PRECONDITION_FAILED)
    return run_virtual(scenario(), virtual=True)


def test_a_late_swap_from_a_killed_node_landing_first_is_kept_and_ours_retried():
    finals, refusals = late_swap_scenario(counter.serve, old_lands_first=True)
    # 3 and 4 were acknowledged; 2 was not, but its swap landed first, so it counts too.
    assert finals == [9, 9, 9]
    assert refusals == 1                 # our swap, from the 3 it read; retried from 5


def test_a_late_swap_from_a_killed_node_landing_last_is_refused():
    finals, refusals = late_swap_scenario(counter.serve, old_lands_first=False)
    assert finals == [7, 7, 7]           # 3 + 4; the unacknowledged 2 never happened
    assert refusals == 1                 # the old swap, from the 3 that had become 7


def test_a_blind_write_lets_a_late_swap_overwrite_an_acknowledged_add():
    finals, _ = late_swap_scenario(serving(BlindWriteCounter), old_lands_first=False)
    # n1 and n2 read 3 + 2 from before the kill: the acknowledged 4 is lost. (n0 puts it
    # back with its next blind write, over whatever else may have landed meanwhile.)
    assert finals == [5, 5, 7]


# ----- whole runs on the bench ------------------------------------------------------------

def bench(tmp_path, *args, timeout=180):
    """Run `python3 -m glomers ...`; return (exit status, console text, results dict)."""
    store = str(tmp_path / "store")
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", store,
                           "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    results_path = os.path.join(store, "latest", "results.json")
    results = json.load(open(results_path)) if os.path.exists(results_path) else {}
    history = os.path.join(store, "latest", "history.edn")
    text = proc.stdout + proc.stderr
    return proc.returncode, text, results, open(history).read() if os.path.exists(history) \
        else ""


def run_challenge_4(tmp_path, seed):
    """The published command in virtual time, in this process: (exit status, results,
    history)."""
    argv = challenges.argv("4") + ["--virtual-time", "--seed", str(seed),
                                   "--store", str(tmp_path), "--quiet"]
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    return outcome.exit_status, outcome.results, history


def reads_going_back(history, nodes=NODES, concurrency=3):
    """:ok reads (final ones included) that returned less than an earlier read on the same
    node; process p is client thread p mod concurrency, bound to node (thread mod N)."""
    last, back = {}, []
    for op in history:
        if op["process"] == "nemesis" or op["f"] != "read" or op["type"] != "ok":
            continue
        node_id = nodes[(op["process"] % concurrency) % len(nodes)]
        if op["value"] < last.get(node_id, 0):
            back.append((node_id, last[node_id], op["value"], op["index"]))
        last[node_id] = max(last.get(node_id, 0), op["value"])
    return back


def test_challenge_4_over_20_seeds_is_valid_within_one_message_per_op(tmp_path):
    mpos = []
    for seed in range(1, 21):
        status, results, history = run_challenge_4(tmp_path, seed)
        assert status == 0, seed
        workload = results["workload"]
        assert workload["valid?"] is True
        # Every add was acknowledged, so one total is acceptable and every node read it.
        assert len(workload["final-reads"]) == 3
        assert all([value, value] in workload["acceptable"]
                   for value in workload["final-reads"])
        assert any(op["f"] == "start-partition" for op in history)
        assert reads_going_back(history) == [], seed
        mpos.append(float(results["net"]["servers"]["msgs-per-op"]))
    assert statistics.median(mpos) <= 1.0, mpos
    assert max(mpos) <= 1.0, mpos


def test_reads_going_back_is_found_in_a_history():
    def op(index, process, value):
        return {"index": index, "process": process, "type": "ok", "f": "read", "value": value}
    history = [op(0, 0, 5), op(1, 1, 9), op(2, 3, 4), op(3, 4, 9)]
    assert reads_going_back(history) == [("n0", 5, 4, 2)]


def test_latest_mode_reads_count_every_add_acknowledged_before_them(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNTER_MAX_STALENESS", "0")
    status, results, history = run_challenge_4(tmp_path, seed=5)
    assert status == 0
    acked, pending, short = 0, {}, []
    for op in history:
        if op["process"] == "nemesis":
            continue
        if op["type"] == "invoke":
            pending[op["process"]] = (op, acked)
            continue
        invoke, due = pending.pop(op["process"])
        if op["f"] == "add" and op["type"] == "ok":
            acked += invoke["value"]
        elif op["f"] == "read" and op["type"] == "ok" and op["value"] < due:
            short.append((op["index"], op["value"], due))
    assert short == []
    assert float(results["net"]["servers"]["msgs-per-op"]) > 3   # what latest reads cost


def test_counter_passes_as_processes(tmp_path):
    status, text, results, history = bench(
        tmp_path, "test", "-w", "g-counter", "--bin", "counter.py", "--node-count", "3",
        "--rate", "100", "--time-limit", "5", "--nemesis", "partition",
        "--nemesis-interval", "2", "--seed", "4")
    assert status == 0, text
    assert results["workload"]["valid?"] is True
    assert ":start-partition" in history


def test_naive_counter_fails_and_each_node_is_explained(tmp_path):
    script = tmp_path / "naive_counter.py"
    script.write_text(NAIVE_COUNTER)
    status, text, results, _ = bench(tmp_path, "challenge", "4", "--bin", str(script),
                                     "--virtual-time", "--seed", "1")
    assert status == 1, text
    workload = results["workload"]
    assert workload["valid?"] is False
    low = workload["acceptable"][0][0]
    stale = [value for value in workload["final-reads"] if value < low]
    assert stale
    # Each failing node gets a line: its final read, the acceptable range and how far off.
    for value in stale:
        assert any(f"read {value} at" in line and f"acceptable {low}.." in line
                   and f"{low - value} short" in line for line in text.splitlines()), text


# ----- the workload's generator -------------------------------------------------------------

def test_generator_mix_is_one_add_in_three_with_deltas_0_to_4():
    generator = g_counter.generator({}, random.Random(42))
    ops = [generator.next(None) for _ in range(30_000)]
    adds = [op["value"] for op in ops if op["f"] == "add"]
    reads = [op for op in ops if op["f"] == "read"]
    assert len(adds) + len(reads) == len(ops)
    assert all(op["value"] is None for op in reads)
    assert abs(len(adds) / len(ops) - 1 / 3) < 0.015
    counts = collections.Counter(adds)
    assert set(counts) == {0, 1, 2, 3, 4}
    assert all(abs(n / len(adds) - 0.2) < 0.02 for n in counts.values())


def test_final_phase_is_one_final_read_per_thread():
    assert list(g_counter.final_ops(None, 0)) == [{"f": "read", "value": None, "final?": True}]
    assert g_counter.FINAL_PHASE is True
    assert g_counter.ERRORS_AS_EXCEPTIONS is True
