"""kafka_log.py (challenges 5a-5c): replication and the journal in isolation (what a new
life reads back, how it resyncs with a peer), whole runs on the bench with the published
commands, deliberately broken logs that the checker must catch, and kills, pauses and
partitions on the restart harness: nodes killed right after each acknowledgement, and the
kafka workload under every mix of faults, judged by the bench's own kafka checker, with a
write-behind journal (acknowledge first, write later) losing data where kafka_log.py does not.
"""

import asyncio
import io
import json
import os
import sys
import textwrap
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import kafka_log  # noqa: E402
import maelstrom_node  # noqa: E402
from fault_workload import run_workload  # noqa: E402
from glomers import challenges, cli  # noqa: E402
from glomers.main import run_test  # noqa: E402
from glomers.virtual_time import run as run_virtual  # noqa: E402
from restart_cluster import RestartCluster  # noqa: E402


@pytest.fixture(autouse=True)
def journal_dir(tmp_path, monkeypatch):
    """Every node journal of a test goes to its own temp dir (in-process and processes)."""
    monkeypatch.setenv("KAFKA_JOURNAL_DIR", str(tmp_path / "journals"))
    return tmp_path / "journals"


# -- replication between two nodes, driven by hand ------------------------------------------

class FakeNode:
    def __init__(self, node_id, node_ids):
        self.node_id, self.node_ids = node_id, node_ids


def make_log(node_id, directory, life=1):
    """A started KafkaLog of a two-node cluster, its journal a file in `directory`."""
    state = kafka_log.KafkaLog(FakeNode(node_id, ["n0", "n1"]))
    state.recover(maelstrom_node.Journal(str(directory / f"{node_id}.jsonl")))
    state.life = life
    return state


def settle(a, b, now):
    """Exchange batches until neither side has anything to say (at most five rounds)."""
    for _ in range(5):
        if not exchange(a, b, now):
            return
    raise AssertionError("the two nodes keep talking")


@pytest.fixture
def pair(tmp_path):
    a, b = make_log("n0", tmp_path), make_log("n1", tmp_path)
    settle(a, b, 0.0)                             # each has named the other's life
    return a, b


def owned_key(state):
    return next(k for k in map(str, range(100)) if state.owner(k) == state.node.node_id)


def deliver(src, dest, body, now):
    dest.receive_batch(src.node.node_id, json.loads(json.dumps(body)), now)


def exchange(a, b, now, drop_a_to_b=False):
    """One tick on each side: a's batch to b, then b's batch (acks included) to a.
    True if anything was sent."""
    sent = False
    for src, dest, dropped in ((a, b, drop_a_to_b), (b, a, False)):
        body = src.batch_for(src.peers()[dest.node.node_id], now)
        if body is not None:
            sent = True
            if not dropped:
                deliver(src, dest, body, now)
    return sent


def test_owner_is_stable_and_splits_keys(pair):
    a, b = pair
    owners = [a.owner(str(k)) for k in range(200)]
    assert owners == [b.owner(str(k)) for k in range(200)]
    assert 60 < owners.count("n0") < 140


def test_entries_and_commits_reach_the_other_node_as_a_prefix(pair):
    a, b = pair
    key = owned_key(a)
    for msg in (10, 11, 12):
        a.append(key, msg)
    a.commit_durably({key: 1})
    exchange(a, b, now=0.0)
    assert b.logs[key] == [10, 11, 12]
    assert b.committed[key] == 1
    assert not a.peers()["n1"].unacked            # b's acks came back
    assert a.batch_for(a.peers()["n1"], 0.1) is None  # and nothing more is due


def test_a_lost_batch_is_sent_again_and_nothing_skips_meanwhile(pair):
    a, b = pair
    key = owned_key(a)
    a.append(key, 1)
    exchange(a, b, now=0.0, drop_a_to_b=True)     # offset 0 is lost on the way
    a.append(key, 2)
    exchange(a, b, now=0.05)                      # offset 1 arrives alone: not applied
    assert b.logs.get(key, []) == []
    exchange(a, b, now=0.05 + kafka_log.RETRANSMIT)
    assert b.logs[key] == [1, 2]
    assert not a.peers()["n1"].unacked


def test_apply_entries_keeps_a_contiguous_prefix(pair):
    a, _ = pair
    a.apply_entries("k", 0, [5, 6])
    a.apply_entries("k", 1, [6, 7])               # overlap: only 7 is new
    a.apply_entries("k", 5, [9])                  # a hole: ignored
    assert a.logs["k"] == [5, 6, 7]


def test_commits_never_go_down_and_are_not_echoed_back(pair):
    a, b = pair
    a.commit_durably({"k": 4})
    a.commit_durably({"k": 2})
    assert a.committed["k"] == 4
    exchange(a, b, now=0.0)
    assert b.committed["k"] == 4
    echo = b.batch_for(b.peers()["n0"], 0.05)
    assert echo is None or echo["commits"] == {}


def test_the_journal_brings_back_sends_and_commits_and_cuts_a_torn_line(tmp_path):
    a = make_log("n0", tmp_path)
    key = owned_key(a)
    assert [a.append(key, m) for m in ("x", "y")] == [0, 1]
    a.commit_durably({key: 0, "other": 7})
    a.commit_durably({key: 0})                    # nothing new: nothing written
    with open(tmp_path / "n0.jsonl", "ab") as f:
        f.write(b'{"key":"')                      # a write cut short by a kill
    again = make_log("n0", tmp_path, life=2)
    assert again.logs == {key: ["x", "y"]}
    assert again.committed == {key: 0, "other": 7}
    assert again.append(key, "z") == 2            # offsets go on where they stopped
    assert make_log("n0", tmp_path, life=3).logs == {key: ["x", "y", "z"]}
    assert len(open(tmp_path / "n0.jsonl").read().splitlines()) == 4


def test_journals_of_runs_long_over_are_swept_and_nothing_else(tmp_path):
    old, fresh, txn_old, other = (tmp_path / name for name in (
        "glomers-kafka-aaa-n0.jsonl", "glomers-kafka-bbb-n0.jsonl",
        "glomers-txn-aaa-n0.jsonl", "notes.jsonl"))
    two_days_ago = time.time() - 2 * 86400
    for path in (old, fresh, txn_old, other):
        path.write_text("{}\n")
        if path is not fresh:
            os.utime(path, (two_days_ago, two_days_ago))
    maelstrom_node.sweep_journals(str(tmp_path), "glomers-kafka-")
    assert not old.exists() and fresh.exists() and txn_old.exists() and other.exists()
    maelstrom_node.sweep_journals(str(tmp_path / "missing"), "glomers-kafka-")    # nothing to do: fine


def test_a_new_life_sends_what_an_earlier_life_died_before_sending(tmp_path, pair):
    a, b = pair
    key = owned_key(a)
    a.append(key, "sent")
    settle(a, b, 0.1)
    a.append(key, "not yet sent")              # journaled and acknowledged, then a kill
    a = make_log("n0", tmp_path, life=2)
    settle(a, b, 0.2)
    assert b.logs[key] == ["sent", "not yet sent"]


def test_a_new_life_says_hello_and_gets_everything_again(tmp_path, pair):
    a, b = pair
    key_a, key_b = owned_key(a), owned_key(b)
    a.append(key_a, 1)
    b.append(key_b, 2)
    b.commit_durably({key_a: 0})
    settle(a, b, 0.1)
    assert a.logs == b.logs and a.committed == b.committed == {key_a: 0}
    # n0 is killed and restarts: its own key and nothing else.
    a = make_log("n0", tmp_path, life=2)
    assert a.logs == {key_a: [1]} and a.committed == {}
    hello = a.batch_for(a.peers()["n1"], 0.2)
    assert hello["hello"] and hello["to_life"] is None
    assert hello["entries"] == {key_a: [0, [1]]}  # all it owns, in case b lacks some
    assert a.batch_for(a.peers()["n1"], 0.3) is None   # again only after RETRANSMIT
    deliver(a, b, hello, 0.2)
    answer = b.batch_for(b.peers()["n0"], 0.25)
    assert answer["to_life"] == 2
    assert answer["entries"] == {key_b: [0, [2]]} and answer["commits"] == {key_a: 0}
    deliver(b, a, answer, 0.25)
    settle(a, b, 0.3)
    assert a.logs == b.logs and a.committed == b.committed
    # A batch from n0's dead life, arriving late, changes nothing.
    b.receive_batch("n0", {"life": 1, "to_life": 1, "hello": False, "acks": {},
                           "entries": {key_a: [0, ["ghost", 3]]}, "commits": {}}, 0.4)
    assert b.logs[key_a] == [1]


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
    # One lin-kv call for the run id, then nothing: the journal is a file.
    assert 0 < results["net"]["servers"]["msgs-per-op"] < 0.001


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


# -- kills, pauses and partitions on the restart harness ------------------------------------

NODES = ["n0", "n1"]


class WriteBehindLog(kafka_log.KafkaLog):
    """What not to do: acknowledge at once and journal on the next replication tick, so a
    kill in between loses what was acknowledged."""

    def __init__(self, node):
        super().__init__(node)
        self.unwritten = []

    def append(self, key, msg):
        log = self.logs.setdefault(key, [])
        self.unwritten.append({"key": key, "offset": len(log), "msg": msg})
        log.append(msg)
        for peer in self.peers().values():
            peer.dirty.add(key)
        return len(log) - 1

    def commit_durably(self, offsets):
        self.unwritten.append({"commits": offsets})
        for key, offset in offsets.items():
            self.commit(key, offset)

    def batch_for(self, peer, now):
        for record in self.unwritten:
            self.journal.write(record)
        self.unwritten = []
        return super().batch_for(peer, now)


def write_behind_serve(node):
    return kafka_log.register(node, WriteBehindLog(node))


def key_owned_by(node_id):
    state = kafka_log.KafkaLog(FakeNode(node_id, NODES))
    return owned_key(state)


def kill_after_each_ack(serve, victims_of, backlog="drop", rounds=12):
    """Send to a key n0 owns, alternately through n0 and n1, commit each offset where it
    was acknowledged, and kill and restart the nodes `victims_of(entry)` right after every
    acknowledgement. Returns (what was acknowledged, per node the final log of the key as
    polled from 0 and its committed offset as listed)."""
    key = key_owned_by("n0")

    async def scenario():
        cluster = RestartCluster(serve, NODES, seed=3, latency_ms=5, backlog=backlog)
        await cluster.start()
        acked, committed = [], {}
        for i in range(rounds):
            entry = NODES[i % 2]
            reply = await cluster.request(entry, {"type": "send", "key": key, "msg": i})
            assert reply and reply["type"] == "send_ok", reply
            acked.append([reply["offset"], i])
            reply = await cluster.request(entry, {"type": "commit_offsets",
                                                  "offsets": {key: reply["offset"]}})
            assert reply and reply["type"] == "commit_offsets_ok", reply
            committed[entry] = acked[-1][0]
            for node_id in victims_of(entry):
                cluster.kill(node_id)
            for node_id in victims_of(entry):
                await cluster.restart(node_id)
        await asyncio.sleep(2 * kafka_log.RETRANSMIT)
        finals = {}
        for node_id in NODES:
            polled = await cluster.request(node_id, {"type": "poll", "offsets": {key: 0}})
            listed = await cluster.request(node_id, {"type": "list_committed_offsets",
                                                     "keys": [key]})
            finals[node_id] = (polled["msgs"].get(key, []), listed["offsets"].get(key))
        return acked, committed, finals
    return run_virtual(scenario(), virtual=True)


VICTIMS = {"the node that acknowledged": lambda entry: [entry],
           "the owner": lambda entry: ["n0"],
           "both nodes": lambda entry: NODES}


@pytest.mark.parametrize("victims", list(VICTIMS))
@pytest.mark.parametrize("backlog", ["drop", "after-init"])
def test_nothing_acknowledged_is_lost_when_nodes_die_right_after_the_ack(victims, backlog):
    acked, committed, finals = kill_after_each_ack(kafka_log.serve, VICTIMS[victims], backlog)
    for node_id, (log, listed) in finals.items():
        assert log == acked, node_id
        assert listed == acked[-1][0], node_id    # the highest commit, made on either node


def test_a_write_behind_journal_loses_acknowledged_sends_and_commits():
    acked, committed, finals = kill_after_each_ack(write_behind_serve, VICTIMS["both nodes"])
    for node_id, (log, listed) in finals.items():
        assert log != acked and len(log) < len(acked)
        assert listed is None or listed < committed[node_id]


def committed_by_node(history, concurrency, nodes):
    """node -> key -> the highest offset an :ok poll committed through that node."""
    found = {}
    for op in history:
        if op["type"] == "ok" and op["f"] == "poll":
            node = nodes[(op["process"] % concurrency) % len(nodes)]
            for key, pairs in (op["value"][0][1] or {}).items():
                if pairs:
                    mine = found.setdefault(node, {})
                    mine[key] = max(mine.get(key, -1), max(p[0] for p in pairs))
    return found


def fault_run(serve, seed, faults, backlog="drop", seconds=10, rate=500):
    """The kafka workload under `faults` on the restart harness; returns (checker result,
    fault events, committed offsets each node lists at the end, what its :ok polls
    committed through it)."""
    from glomers.workloads import kafka as workload
    opts = {"concurrency": 4}

    async def scenario():
        cluster = RestartCluster(serve, NODES, seed, latency_ms=5, backlog=backlog)
        history, events, _ = await run_workload(cluster, workload, opts, seed, faults,
                                                seconds=seconds, interval=0.75, rate=rate)
        await asyncio.sleep(1)
        keys = sorted({k for op in history if op["f"] == "send" for _, k, _ in op["value"]})
        listed = {}
        for node_id in NODES:
            reply = await cluster.request(node_id, {"type": "list_committed_offsets",
                                                    "keys": keys})
            listed[node_id] = reply["offsets"]
        return history, events, listed
    history, events, listed = run_virtual(scenario(), virtual=True)
    return (workload.checker.check(history), events, listed,
            committed_by_node(history, opts["concurrency"], NODES))


FAULTS = [["kill"], ["pause"], ["kill", "partition"], ["pause", "partition"],
          ["kill", "pause", "partition"]]


@pytest.mark.parametrize("faults", FAULTS, ids=",".join)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_workload_stays_valid_under_faults(faults, seed):
    result, events, listed, committed = fault_run(kafka_log.serve, seed, faults)
    assert result["valid?"] is True, {k: v for k, v in result.items() if k != "info-txn-causes"}
    assert result["error-types"] == ()
    assert set(faults) <= {what for _, what, _ in events}     # every fault happened
    highest = {}
    for offsets in committed.values():
        for key, offset in offsets.items():
            highest[key] = max(highest.get(key, -1), offset)
    for node_id in NODES:
        # Every commit acknowledged anywhere is listed by every node once all are up.
        assert all(listed[node_id].get(key, -1) >= offset for key, offset in highest.items())


@pytest.mark.parametrize("backlog", ["before-init", "after-init"])
def test_the_workload_stays_valid_when_queued_messages_reach_the_new_life(backlog):
    result, *_ = fault_run(kafka_log.serve, 3, ["kill", "partition"], backlog=backlog)
    assert result["valid?"] is True and result["error-types"] == ()


def test_a_write_behind_journal_fails_the_checker_under_kills():
    bad = set()
    for seed in (1, 2, 3):
        result, *_ = fault_run(write_behind_serve, seed, ["kill"])
        bad |= set(result["bad-error-types"])
    assert bad & {"unseen", "lost-write", "inconsistent-offsets", "duplicate",
                  "nonmonotonic-poll", "poll-skip"}


def test_a_reply_meant_for_a_killed_life_is_never_taken_for_the_new_lifes():
    # n1's first life forwards a send to n0 and is killed while the reply is on its way;
    # its second life forwards another send, and only then does the old reply arrive. Both
    # lives numbered their requests the same way (run id, then the forward) if each began
    # at 1, so the old reply would answer the new forward with the old message's offset.
    key = key_owned_by("n0")

    async def scenario():
        cluster = RestartCluster(kafka_log.serve, NODES, seed=5)
        await cluster.start()
        send, held = cluster.net.send, []

        def hold_forward_replies(src, dest, body):
            if body.get("type") == "forward_send_ok":
                held.append((src, dest, body))
                return None
            return send(src, dest, body)
        cluster.net.send = hold_forward_replies
        old = asyncio.ensure_future(cluster.request("n1", {"type": "send", "key": key,
                                                           "msg": "old"}))
        await asyncio.sleep(0.1)
        cluster.kill("n1")
        await cluster.restart("n1")
        new = asyncio.ensure_future(cluster.request("n1", {"type": "send", "key": key,
                                                           "msg": "new"}))
        await asyncio.sleep(0.1)
        cluster.net.send = send
        for message in held:           # the killed life's reply first, then the new one's
            send(*message)
        replies = await asyncio.gather(old, new)
        polled = await cluster.request("n0", {"type": "poll", "offsets": {key: 0}})
        return replies, polled["msgs"][key]
    (old, new), log = run_virtual(scenario(), virtual=True)
    assert old is None                  # its node died before answering
    assert new["type"] == "send_ok" and log[new["offset"]] == [new["offset"], "new"]
    assert log == [[0, "old"], [1, "new"]]
