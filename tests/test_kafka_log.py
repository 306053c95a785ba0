"""kafka_log.py (challenges 5a-5c): replication logic in isolation, then whole runs on the
bench with the published commands, and deliberately broken logs that the checker must catch.
"""

import io
import os
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import kafka_log  # noqa: E402
from glomers import challenges, cli  # noqa: E402
from glomers.main import run_test  # noqa: E402


# -- replication between two nodes, driven by hand ------------------------------------------

class FakeNode:
    def __init__(self, node_id, node_ids):
        self.node_id, self.node_ids = node_id, node_ids


def pair():
    ids = ["n0", "n1"]
    return kafka_log.KafkaLog(FakeNode("n0", ids)), kafka_log.KafkaLog(FakeNode("n1", ids))


def owned_key(state):
    return next(k for k in map(str, range(100)) if state.owner(k) == state.node.node_id)


def exchange(a, b, now, drop_a_to_b=False):
    """One tick on each side: a's batch to b, then b's batch (acks included) to a."""
    body = a.batch_for(a.peers()["n1"], now)
    if body is not None and not drop_a_to_b:
        b.receive_batch(b.peers()["n0"], body, now)
    body = b.batch_for(b.peers()["n0"], now)
    if body is not None:
        a.receive_batch(a.peers()["n1"], body, now)


def test_owner_is_stable_and_splits_keys():
    a, b = pair()
    owners = [a.owner(str(k)) for k in range(200)]
    assert owners == [b.owner(str(k)) for k in range(200)]
    assert 60 < owners.count("n0") < 140


def test_entries_and_commits_reach_the_other_node_as_a_prefix():
    a, b = pair()
    key = owned_key(a)
    for msg in (10, 11, 12):
        a.append(key, msg)
    a.commit(key, 1)
    exchange(a, b, now=0.0)
    assert b.logs[key] == [10, 11, 12]
    assert b.committed[key] == 1
    assert not a.peers()["n1"].unacked            # b's acks came back
    assert a.batch_for(a.peers()["n1"], 0.1) is None  # and nothing more is due


def test_a_lost_batch_is_sent_again_and_nothing_skips_meanwhile():
    a, b = pair()
    key = owned_key(a)
    a.append(key, 1)
    exchange(a, b, now=0.0, drop_a_to_b=True)     # offset 0 is lost on the way
    a.append(key, 2)
    exchange(a, b, now=0.05)                      # offset 1 arrives alone: not applied
    assert b.logs.get(key, []) == []
    exchange(a, b, now=0.05 + kafka_log.RETRANSMIT)
    assert b.logs[key] == [1, 2]
    assert not a.peers()["n1"].unacked


def test_apply_entries_keeps_a_contiguous_prefix():
    a, _ = pair()
    a.apply_entries("k", 0, [5, 6])
    a.apply_entries("k", 1, [6, 7])               # overlap: only 7 is new
    a.apply_entries("k", 5, [9])                  # a hole: ignored
    assert a.logs["k"] == [5, 6, 7]


def test_commits_never_go_down_and_are_not_echoed_back():
    a, b = pair()
    a.commit("k", 4)
    a.commit("k", 2)
    assert a.committed["k"] == 4
    exchange(a, b, now=0.0)
    assert b.committed["k"] == 4
    echo = b.batch_for(b.peers()["n0"], 0.05)
    assert echo is None or echo["commits"] == {}


# -- whole runs on the bench ----------------------------------------------------------------

def bench(tmp_path, part, seed, *extra, bin_path=None, virtual=True):
    """Run a part's published command (plus extra flags); return (exit status, results)."""
    argv = challenges.argv(part, bin_path) + ["--seed", str(seed), "--store",
                                              str(tmp_path / "store"), "--quiet", *extra]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    outcome = run_test(cli.test_options(ns), out=io.StringIO())
    return outcome.exit_status, outcome.results


def test_5a_passes(tmp_path):
    status, results = bench(tmp_path, "5a", 1)
    assert status == 0, results
    assert results["net"]["servers"]["msgs-per-op"] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_5b_passes_efficiently(tmp_path, seed):
    status, results = bench(tmp_path, "5b", seed)
    assert status == 0, results
    assert results["workload"]["error-types"] == ()
    assert results["net"]["servers"]["msgs-per-op"] <= 1.0
    assert results["availability"]["ok-fraction"] >= 0.999


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_5b_passes_short_runs(tmp_path, seed):
    status, results = bench(tmp_path, "5b", seed, "--time-limit", "5")
    assert status == 0, results


def test_5b_passes_with_node_processes(tmp_path):
    status, results = bench(tmp_path, "5b", 1, virtual=False)
    assert status == 0, results


# Broken logs built on kafka_log.py: each wraps one handler around the real state.
SKIPPING_POLL = """
    @node.handler
    def poll(msg):
        # Drops the second pair of any answer with three or more: a skipped offset.
        msgs = {}
        for key, start in msg.body["offsets"].items():
            log = state.logs.get(key, [])
            pairs = [[o, log[o]] for o in range(max(start, 0), len(log))]
            if len(pairs) >= 3:
                del pairs[1]
            if pairs:
                msgs[key] = pairs
        return {"type": "poll_ok", "msgs": msgs}
"""

LOSING_SEND = """
    count = [0]

    @node.handler
    def send(msg):
        # Every 20th send is acknowledged but never stored: its offset goes to the next one.
        count[0] += 1
        log = state.logs.setdefault(msg.body["key"], [])
        if count[0] % 20 == 0:
            return {"type": "send_ok", "offset": len(log)}
        return {"type": "send_ok", "offset": state.append(msg.body["key"], msg.body["msg"])}
"""


def broken_script(tmp_path, handler_code):
    path = tmp_path / "broken_kafka.py"
    path.write_text(f"import sys\nsys.path.insert(0, {ROOT!r})\nimport kafka_log\n"
                    f"from maelstrom_node import run\n\n\ndef serve(node):\n"
                    f"    state = kafka_log.serve(node)\n"
                    f"{textwrap.indent(textwrap.dedent(handler_code), '    ')}\n"
                    f"    return state\n\n\nif __name__ == '__main__':\n    run(serve)\n")
    return str(path)


@pytest.mark.parametrize("code, expected", [(SKIPPING_POLL, {"int-poll-skip"}),
                                            (LOSING_SEND, {"inconsistent-offsets"})])
def test_a_broken_log_is_caught(tmp_path, code, expected):
    status, results = bench(tmp_path, "5a", 1, "--time-limit", "5",
                            bin_path=broken_script(tmp_path, code))
    assert status == 1, results
    assert results["workload"]["valid?"] is False
    assert expected <= set(results["workload"]["bad-error-types"])
