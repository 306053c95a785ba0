"""counter.py (challenge 4) against seq-kv as Maelstrom implements it, and the g-counter workload.

Three levels: the script's nodes wired straight to the bench's seq-kv model (is every read
the latest total?), whole bench runs of challenge 4 (virtual time with partitions, and one
run with real processes), and the workload's generator. A deliberately naive counter that
trusts one seq-kv read shows each check can fail.
"""

import asyncio
import collections
import json
import os
import random
import subprocess
import sys
import types

import pytest

import counter
from maelstrom_node import Node
from glomers import services
from glomers.workloads import g_counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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


def sequential_reads(serve, seed, ops=300):
    """Adds and reads one at a time on random nodes: (each read's value, the true total)."""
    async def scenario():
        cluster = Cluster(serve, ["n0", "n1", "n2"], seed)
        await cluster.init()
        rng = random.Random(seed)
        total, seen = 0, []
        for _ in range(ops):
            node_id = rng.choice(sorted(cluster.nodes))
            if rng.random() < 1 / 3:
                delta = rng.randint(0, 4)
                assert (await cluster.request(node_id, {"type": "add", "delta": delta}))[
                    "type"] == "add_ok"
                total += delta
            else:
                seen.append(((await cluster.request(node_id, {"type": "read"}))["value"],
                             total))
        return seen, cluster
    return asyncio.run(scenario())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_read_is_the_latest_total(seed):
    # Each op starts after the previous one finished, so "latest" is exact: the sum so far.
    seen, _ = sequential_reads(counter.serve, seed)
    assert [value for value, _ in seen] == [total for _, total in seen]


def test_a_single_seq_kv_read_is_stale():
    seen, _ = sequential_reads(naive_serve(), seed=1)
    stale = [(value, total) for value, total in seen if value != total]
    assert stale and all(value < total for value, total in stale)


def test_an_add_of_zero_calls_no_service_and_concurrent_adds_all_count():
    async def scenario():
        cluster = Cluster(counter.serve, ["n0", "n1", "n2"], seed=5)
        await cluster.init()
        await cluster.request("n0", {"type": "add", "delta": 0})
        assert sum(cluster.service_calls.values()) == 0
        # Many adds at once on every node: compare-and-set refusals must be retried.
        deltas = [1 + i % 4 for i in range(30)]
        await asyncio.gather(*(cluster.request(f"n{i % 3}", {"type": "add", "delta": d})
                               for i, d in enumerate(deltas)))
        assert cluster.service_calls["cas"] > len(deltas)   # some swaps were refused
        reads = [await cluster.request(n, {"type": "read"}) for n in sorted(cluster.nodes)]
        return [r["value"] for r in reads], sum(deltas)
    values, total = asyncio.run(scenario())
    assert values == [total] * 3


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


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_challenge_4_passes_with_partitions_in_virtual_time(tmp_path, seed):
    status, text, results, history = bench(tmp_path, "challenge", "4", "--virtual-time",
                                           "--seed", str(seed))
    assert status == 0, text
    workload = results["workload"]
    assert workload["valid?"] is True
    # Every add was acknowledged, so one total is acceptable and every node read exactly it.
    assert len(workload["final-reads"]) == 3
    assert all([value, value] in workload["acceptable"] for value in workload["final-reads"])
    assert results["stats"]["count"] > 1500
    assert ":start-partition" in history


def test_bounded_staleness_mode_stays_exact_at_the_end_and_skips_catch_ups(tmp_path,
                                                                          monkeypatch):
    # COUNTER_MAX_STALENESS trades latest reads for fewer seq-kv calls; final reads (after
    # 10 s of quiet) must still be exact, and fewer catch-up writes must be made.
    def sync_writes(results_dir):
        journal = os.path.join(results_dir, "latest", "journal.jsonl")
        return sum(1 for line in open(journal)
                   if '"event":"send"' in line and '"sync-' in line)
    status, text, results, _ = bench(tmp_path / "latest-reads", "challenge", "4",
                                     "--virtual-time", "--seed", "5")
    assert status == 0, text
    monkeypatch.setenv("COUNTER_MAX_STALENESS", "0.1")
    status, text, bounded, _ = bench(tmp_path / "bounded", "challenge", "4",
                                     "--virtual-time", "--seed", "5")
    assert status == 0, text
    assert bounded["workload"]["valid?"] is True
    assert sync_writes(tmp_path / "bounded" / "store") < \
        sync_writes(tmp_path / "latest-reads" / "store") / 2


def test_counter_passes_as_processes(tmp_path):
    status, text, results, history = bench(
        tmp_path, "test", "-w", "g-counter", "--bin", "counter.py", "--node-count", "3",
        "--rate", "100", "--time-limit", "5", "--nemesis", "partition",
        "--nemesis-interval", "2")
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
