"""broadcast.py (challenges 3a-3e), the broadcast workload, and lost values explained.

Four levels: the reliable link of broadcast.py on literal messages (what goes out, what is
resent, what is acknowledged); whole bench runs of 3a-3d in virtual time, both modes, with
and without partitions, plus one real-process run of 3b; a deliberately broken node whose
lost values must be explained down to the journal trail; and the workload's own pieces
(topology per node, the 50/50 generator, one final read per client thread).
"""

import io
import json
import os
import random
import re

import pytest

import broadcast
from glomers import challenges, cli, edn
from glomers.checkers import set_full
from glomers.main import run_test
from glomers.topology import topology
from glomers.workloads import broadcast as workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What not to do: each node hands its clients' values to one neighbour, which keeps them.
NO_RELAY = '''\
"""A broadcast node that passes each value one hop and no further: a negative example."""
from maelstrom_node import run


def serve(node):
    values = set()

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        values.add(msg.body["message"])
        ring = node.node_ids
        neighbour = ring[(ring.index(node.node_id) + 1) % len(ring)]
        if neighbour != node.node_id:
            node.send(neighbour, {"type": "relay", "value": msg.body["message"]})
        return {"type": "broadcast_ok"}

    @node.handler
    def relay(msg):
        values.add(msg.body["value"])

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}


if __name__ == "__main__":
    run(serve)
'''


# ---------------------------------------------------------------------------------------
# The link, on literal messages


class FakeNode:
    """What Broadcast uses of a Node: ids, send and a clock the test moves by hand."""

    def __init__(self, node_id, node_ids):
        self.node_id, self.node_ids = node_id, node_ids
        self.now = 0.0
        self.sent = []

    def send(self, dest, body):
        self.sent.append((dest, body))

    def time(self):
        return self.now

    def take(self):
        sent, self.sent = self.sent, []
        return sent


NODES = ["n0", "n1", "n2", "n3"]


def gossip(start, messages, ack):
    return {"type": "gossip", "start": start, "messages": messages, "ack": ack}


def test_batch_peer_sends_its_clients_value_to_the_hub_at_once():
    node = FakeNode("n2", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.learn([7])
    assert node.take() == [("n0", gossip(0, [7], 0))]
    assert state.values == {7}


def test_batch_hub_batches_until_its_period_and_acknowledges_the_source():
    node = FakeNode("n0", NODES)
    hub = broadcast.Broadcast(node, "batch")
    hub.gossip("n1", 0, [5, 6], 0)
    hub.learn([9])                          # the hub's own client value waits too
    assert node.take() == []
    hub.fanout()
    assert sorted(node.take()) == [("n1", gossip(0, [9], 2)),       # ack of n1's two values
                                   ("n2", gossip(0, [5, 6, 9], 0)),
                                   ("n3", gossip(0, [5, 6, 9], 0))]
    hub.fanout()                            # nothing new, nothing owed: silence
    assert node.take() == []


def test_unacknowledged_values_are_resent_after_the_delay_and_only_then():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.learn([3])
    node.take()                             # suppose this message is dropped
    _, resend_after = broadcast.TIMERS["batch"]
    node.now = resend_after - 0.01
    state.check()
    assert node.take() == []
    node.now = resend_after
    state.check()
    assert node.take() == [("n0", gossip(0, [3], 0))]
    state.gossip("n0", 0, [], 1)            # the hub's ack arrives
    node.now += 10 * resend_after
    state.check()
    assert node.take() == []


def test_a_new_value_carries_the_unacknowledged_ones_along():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.learn([1])
    state.learn([2])
    assert node.take() == [("n0", gossip(0, [1], 0)), ("n0", gossip(0, [1, 2], 0))]


def test_received_values_are_acknowledged_alone_only_after_the_ack_delay():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.gossip("n0", 0, [4, 5], 0)
    assert state.values == {4, 5}
    ack_delay, _ = broadcast.TIMERS["batch"]
    node.now = ack_delay - 0.01
    state.check()
    assert node.take() == []
    node.now = ack_delay
    state.check()
    assert node.take() == [("n0", gossip(0, [], 2))]


def test_duplicates_are_ignored_but_acknowledged_again():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.gossip("n0", 0, [4, 5], 0)
    state.learn([8])                        # piggybacks the ack for 4 and 5
    assert node.take() == [("n0", gossip(0, [8], 2))]
    state.gossip("n0", 0, [4, 5], 1)        # our ack was lost: the hub resent
    assert state.links["n0"].received == 2
    node.now = broadcast.TIMERS["batch"][0]
    state.check()
    assert node.take() == [("n0", gossip(1, [], 2))]


def test_a_message_that_would_leave_a_gap_is_not_taken():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "batch")
    state.gossip("n0", 3, [10, 11], 0)      # positions 0-2 never arrived
    assert state.values == set()
    assert state.links["n0"].received == 0


def test_direct_mode_sends_a_clients_value_to_every_peer_and_relays_nothing():
    node = FakeNode("n1", NODES)
    state = broadcast.Broadcast(node, "direct")
    state.learn([1])
    assert sorted(node.take()) == [(p, gossip(0, [1], 0)) for p in ("n0", "n2", "n3")]
    state.gossip("n2", 0, [2], 0)
    assert state.values == {1, 2}
    assert node.take() == []


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="BROADCAST_MODE"):
        broadcast.Broadcast(FakeNode("n0", NODES), "fastest")


# ---------------------------------------------------------------------------------------
# Whole runs on the bench


def run(argv, tmp_path):
    """Run `python3 -m glomers` argv in this process; (outcome, console text)."""
    _, ns = cli.parse([*argv, "--store", str(tmp_path), "--quiet"])
    out = io.StringIO()
    outcome = run_test(cli.test_options(ns), out=out)
    return outcome, out.getvalue()


def part(name, seed, *extra):
    return [*challenges.argv(name), "--virtual-time", "--seed", str(seed), *extra]


@pytest.mark.parametrize("mode", ["batch", "direct"])
@pytest.mark.parametrize("name", ["3a", "3b", "3c"])
def test_small_parts_pass_in_virtual_time(tmp_path, monkeypatch, mode, name):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, mode)
    for seed in (1, 2, 3):
        outcome, text = run(part(name, seed), tmp_path)
        assert outcome.exit_status == 0, text
        workload_result = outcome.results["workload"]
        assert workload_result["lost-count"] == 0
        assert workload_result["stable-count"] == workload_result["attempt-count"]


def test_3b_passes_with_node_processes(tmp_path):
    outcome, text = run([*challenges.argv("3b"), "--seed", "5"], tmp_path)
    assert outcome.exit_status == 0, text
    assert outcome.results["workload"]["lost-count"] == 0


def figures(outcome):
    """(servers msgs-per-op, stable-latency p50, max) of a run."""
    latencies = outcome.results["workload"]["stable-latencies"]
    return (outcome.results["net"]["servers"]["msgs-per-op"], latencies[0.5], latencies[1])


def test_3d_batch_mode_meets_its_targets(tmp_path, monkeypatch):
    monkeypatch.delenv(broadcast.MODE_VARIABLE, raising=False)   # the default mode
    outcome, text = run(part("3d", 11), tmp_path)
    assert outcome.exit_status == 0, text
    msgs_per_op, p50, worst = figures(outcome)
    # The bar: fewer messages than any published 3e result, 3d's latency.
    assert msgs_per_op <= 1.5 and p50 <= 350 and worst <= 550, figures(outcome)
    checks, _ = set_full.targets(outcome.results["workload"], outcome.results["net"], "3e")
    assert all(passed for *_, passed in checks)


def test_3d_direct_mode_is_one_hop(tmp_path, monkeypatch):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, "direct")
    outcome, text = run(part("3d", 11), tmp_path)
    assert outcome.exit_status == 0, text
    msgs_per_op, p50, worst = figures(outcome)
    # One hop is 100 ms: nothing may take longer than one hop and a little processing.
    assert msgs_per_op <= 12.5 and p50 < 100 and worst <= 110, figures(outcome)


@pytest.mark.parametrize("mode", ["batch", "direct"])
def test_3d_loses_nothing_under_partitions(tmp_path, monkeypatch, mode):
    monkeypatch.setenv(broadcast.MODE_VARIABLE, mode)
    for seed in (21, 22):
        outcome, text = run(part("3d", seed, "--nemesis", "partition"), tmp_path)
        assert outcome.exit_status == 0, text
        assert outcome.results["workload"]["lost-count"] == 0


# ---------------------------------------------------------------------------------------
# A lost value, explained


def test_a_value_stopped_after_one_hop_is_explained_with_its_trail(tmp_path):
    script = tmp_path / "no_relay.py"
    script.write_text(NO_RELAY)
    outcome, text = run(["test", "-w", "broadcast", "--bin", str(script), "--node-count", "5",
                         "--time-limit", "5", "--rate", "10", "--virtual-time", "--seed", "3"],
                        tmp_path)
    assert outcome.exit_status == 1, text
    result = outcome.results["workload"]
    assert result["valid?"] is False and result["lost-count"] > 0

    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as lines:
        journal = [json.loads(line) for line in lines]
    opts = {"nodes": [f"n{i}" for i in range(5)], "concurrency": 5}
    lines = set_full.explain(result, history, opts, journal=journal)

    value = result["lost"][0]
    ack = next(op for op in history if op["f"] == "broadcast" and op["type"] == "ok"
               and op["value"] == value)
    origin = opts["nodes"][ack["process"] % 5]
    neighbour = opts["nodes"][(ack["process"] % 5 + 1) % 5]
    others = [n for n in opts["nodes"] if n not in (origin, neighbour)]
    at = next(i for i, line in enumerate(lines) if line.startswith(f"value {value} was LOST"))
    story = lines[at:at + 12]
    assert f"acknowledged by {origin} in op {ack['index']}" in story[0]
    # Every node but the two holding it answered a final read without it.
    lacking = next(line for line in story if line.startswith("  final reads without it:"))
    assert sorted(re.findall(r"(n\d+) \(op \d+", lacking)) == others
    assert f"  reached 2 node(s): {origin} {neighbour}." in story
    assert f"  never reached: {' '.join(others)}." in story
    assert any(line.startswith(f"  last hop seen: {origin} -> {neighbour} relay at")
               and line.endswith("delivered.") for line in story)


# ---------------------------------------------------------------------------------------
# The workload's pieces


def test_each_node_gets_the_suggested_topology_once(tmp_path):
    outcome, text = run(["test", "-w", "broadcast", "--bin", os.path.join(ROOT, "broadcast.py"),
                         "--node-count", "7", "--time-limit", "2", "--rate", "10",
                         "--topology", "tree3", "--virtual-time", "--seed", "2"], tmp_path)
    assert outcome.exit_status == 0, text
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as lines:
        sends = [e for e in map(json.loads, lines)
                 if e["event"] == "send" and e["body"].get("type") == "topology"]
    nodes = [f"n{i}" for i in range(7)]
    assert sorted(e["dest"] for e in sends) == nodes
    assert all(e["body"]["topology"] == topology("tree3", nodes) for e in sends)


def test_generator_mixes_broadcasts_of_0_1_2_and_reads_half_and_half():
    generator = workload.generator({}, random.Random(4))
    ops = [generator.next(None) for _ in range(4000)]
    broadcasts = [op["value"] for op in ops if op["f"] == "broadcast"]
    reads = [op for op in ops if op["f"] == "read"]
    assert broadcasts == list(range(len(broadcasts)))
    assert all(op["value"] is None for op in reads)
    assert 0.46 < len(broadcasts) / len(ops) < 0.54


def test_every_client_thread_makes_one_final_read(tmp_path):
    outcome, text = run(["test", "-w", "broadcast", "--bin", os.path.join(ROOT, "broadcast.py"),
                         "--node-count", "3", "--concurrency", "2n", "--time-limit", "2",
                         "--rate", "20", "--virtual-time", "--seed", "6"], tmp_path)
    assert outcome.exit_status == 0, text
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    finals = [op for op in history if op.get("final?") and op["type"] == "invoke"]
    assert len(finals) == 6
    assert {op["process"] % 6 for op in finals} == set(range(6))
    assert all(op["f"] == "read" for op in finals)
