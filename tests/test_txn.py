"""txn.py (challenges 6a-6c) and the txn-rw-register workload's generator and client.

The store is tested directly (two stores wired by a hand-driven network that can drop and
replay messages, and restarted from their journals), then through literal protocol lines,
then on the bench: every published 6a-6c command passes; a store that lets other txns see
its intermediate writes fails read committed with G1b named and explained. Last, kills,
pauses and partitions on the restart harness: nodes killed right after each txn_ok, and the
workload under every mix of faults, judged by the bench's Elle checker, by the final values
(no committed txn lost, nodes converged) and by availability (every txn sent to a running
node answered), with a write-behind journal losing committed txns where txn.py does not.
"""

import asyncio
import json
import math
import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

import maelstrom_node
from maelstrom_node import ErrorCode, Node, RPCError
from glomers.client import MalformedReply
from glomers.edn import Keyword
from glomers.workloads import txn_rw_register as workload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import txn  # noqa: E402  (the script at the repository root)
from fault_workload import run_workload  # noqa: E402
from glomers.virtual_time import run as run_virtual  # noqa: E402
from restart_cluster import RestartCluster  # noqa: E402


# ----- the store -------------------------------------------------------------------------

class FakeNode:
    """What a Store needs from its node: an id and a clock the test moves by hand."""

    def __init__(self, node_id):
        self.node_id = node_id
        self.now = 0.0

    def time(self):
        return self.now


def make_store(node_id, directory, life=1):
    """A started Store on a hand-driven node, its journal a file in `directory`."""
    store = txn.Store(FakeNode(node_id))
    store.recover(maelstrom_node.Journal(str(directory / f"{node_id}.jsonl")))
    store.life = life
    return store


@pytest.fixture
def pair(tmp_path):
    return make_store("n0", tmp_path), make_store("n1", tmp_path)


def deliver(src, dest, body):
    """One replicate message from src to dest, through JSON as on the wire."""
    dest.receive(src.node.node_id, json.loads(json.dumps(body)))


def exchange(a, b, deliver_it=True):
    """One replication tick in both directions at the stores' current time."""
    for src, dest in ((a, b), (b, a)):
        body = src.batch(dest.node.node_id)
        if body is not None and deliver_it:
            deliver(src, dest, body)


def advance(a, b, seconds):
    a.node.now += seconds
    b.node.now += seconds


def test_txn_fills_reads_in_order_and_sees_its_own_writes(pair):
    store, _ = pair
    done = store.transact([["r", 1, None], ["w", 1, 6], ["r", 1, None], ["w", 2, 9]])
    assert done == [["r", 1, None], ["w", 1, 6], ["r", 1, 6], ["w", 2, 9]]
    assert store.transact([["r", 2, None], ["r", 3, None]]) == [["r", 2, 9], ["r", 3, None]]


def test_only_a_txns_final_write_of_each_key_is_logged(pair):
    store, _ = pair
    store.transact([["w", 1, 1], ["w", 2, 1], ["w", 1, 2]])
    store.transact([["r", 1, None]])            # read-only: nothing to replicate
    assert len(store.log) == 1
    assert sorted(store.log[0][1]) == [[1, 2], [2, 1]]


def test_a_replicated_txn_arrives_whole_and_in_order(pair):
    a, b = pair
    a.transact([["w", 1, 1], ["w", 2, 1]])
    a.transact([["w", 1, 2]])
    exchange(a, b)
    assert b.values == {1: 2, 2: 1}
    assert b.transact([["r", 1, None], ["r", 2, None]]) == [["r", 1, 2], ["r", 2, 1]]


def test_partitioned_writes_arrive_after_the_heal_and_both_nodes_converge(pair):
    a, b = pair
    rng = random.Random(7)
    written = {}
    for tick in range(100):
        for store in (a, b):
            for _ in range(3):
                k = rng.randint(0, 4)
                written[k] = written.get(k, 0) + 1
                store.transact([["r", k, None], ["w", k, f"{store.node.node_id}:{written[k]}"]])
        # ticks 20-59 are a partition: every message in both directions is lost
        exchange(a, b, deliver_it=not 20 <= tick < 60)
        advance(a, b, txn.BATCH_INTERVAL)
    for _ in range(int(2 * txn.RETRANSMIT_AFTER / txn.BATCH_INTERVAL) + 2):
        exchange(a, b)
        advance(a, b, txn.BATCH_INTERVAL)
    assert a.values == b.values
    assert a.peer("n1").applied == len(b.log) and b.peer("n0").applied == len(a.log)
    assert a.peer("n1").acked == len(a.log) and b.peer("n0").acked == len(b.log)


def test_conflicts_keep_the_later_lamport_stamp_on_both_nodes(pair):
    a, b = pair
    a.transact([["w", 1, "a1"]])
    exchange(a, b)
    b.transact([["r", 1, None], ["w", 1, "b1"]])   # b saw a1, so b1 must win everywhere
    a.transact([["w", 2, "a2"]])
    b.transact([["w", 2, "b2"]])                    # concurrent, equal clocks: n1 > n0
    exchange(a, b)
    assert a.values == b.values == {1: "b1", 2: "b2"}


def test_duplicate_batches_apply_once_and_gaps_wait_for_the_retransmission(pair):
    a, b = pair
    exchange(a, b)                              # hellos: each names the other's life
    a.transact([["w", 1, 1]])
    first = a.batch("n1")
    a.transact([["w", 1, 2]])
    second = a.batch("n1")
    deliver(a, b, second)                       # overtook `first`
    assert b.values == {} and b.peer("n0").applied == 0
    deliver(a, b, first)
    deliver(a, b, first)                        # a duplicate
    assert b.values == {1: 1} and b.peer("n0").applied == 1
    assert a.batch("n1") is None            # nothing new, and the resend time is not up
    a.node.now += txn.RETRANSMIT_AFTER
    again = a.batch("n1")
    assert again["first"] == 1 and len(again["entries"]) == 2
    deliver(a, b, again)
    assert b.values == {1: 2}


def test_entries_call_for_an_ack_but_a_bare_ack_does_not(pair):
    a, b = pair
    exchange(a, b)
    exchange(a, b)                              # the hellos are answered
    assert a.batch("n1") is None and b.batch("n0") is None
    a.transact([["w", 1, 1]])
    exchange(a, b)                              # a -> b carries the entry; b acks at once
    assert a.peer("n1").acked == 1
    assert a.batch("n1") is None and b.batch("n0") is None


def test_a_new_life_says_hello_until_answered_and_then_gets_everything_again(tmp_path):
    a, b = make_store("n0", tmp_path), make_store("n1", tmp_path)
    a.transact([["w", 1, "a"]])
    b.transact([["w", 2, "b"]])
    exchange(a, b)
    exchange(a, b)
    assert a.values == b.values == {1: "a", 2: "b"}
    # n1 is killed and restarts: it has its own txn back from its journal, not n0's.
    b = make_store("n1", tmp_path, life=2)
    assert b.values == {2: "b"} and b.clock == 1
    hello = b.batch("n0")
    assert hello["hello"] and hello["to_life"] is None
    assert b.batch("n0") is None                # once per RETRANSMIT_AFTER until answered
    b.node.now += txn.RETRANSMIT_AFTER
    hello = b.batch("n0")
    assert hello["hello"]
    deliver(b, a, hello)
    # n0 forgets what n1 had acknowledged, keeps its place in n1's log, resends everything.
    answer = a.batch("n1")
    assert answer["to_life"] == 2 and answer["entries"] == [[1, [[1, "a"]]]]
    assert answer["ack"] == 1
    deliver(a, b, answer)
    assert b.values == {1: "a", 2: "b"}
    exchange(a, b)
    assert b.batch("n0") is None and a.batch("n1") is None
    # A message from n1's dead life, arriving late, changes nothing.
    a.receive("n1", {"life": 1, "to_life": 1, "hello": False, "first": 2,
                     "entries": [[9, [[1, "ghost"]]]], "ack": 0})
    assert a.values == {1: "a", 2: "b"}


def test_the_journal_brings_back_every_written_txn_and_cuts_a_torn_line(tmp_path):
    a = make_store("n0", tmp_path)
    a.transact([["w", 1, 1], ["w", 2, 1]])
    a.transact([["r", 1, None]])
    a.transact([["w", 1, 2]])
    with open(tmp_path / "n0.jsonl", "ab") as f:
        f.write(b'[4,[[1,')                     # a write cut short by a kill
    again = make_store("n0", tmp_path, life=2)
    assert again.values == {1: 2, 2: 1} and again.log == a.log and again.clock == 2
    again.transact([["w", 3, 1]])
    assert make_store("n0", tmp_path, life=3).values == {1: 2, 2: 1, 3: 1}


def test_a_failed_journal_write_changes_nothing_and_leaves_no_torn_line(tmp_path):
    store = make_store("n0", tmp_path)
    store.transact([["w", 1, 1]])

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(bytes(data[:3]))    # part of the line, then the disk is full
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

    store.journal.file = FullDisk(store.journal.file)
    with pytest.raises(RPCError) as raised:
        store.transact([["w", 1, 2], ["w", 2, 2]])
    assert raised.value.code == ErrorCode.CRASH and "No space" in raised.value.text
    assert store.values == {1: 1} and len(store.log) == 1
    assert make_store("n0", tmp_path, life=2).values == {1: 1}


def txn_lines(setup, lines_in, kv_replies=True, settle=txn.BATCH_INTERVAL * 1.5):
    """Feed literal lines to a node in virtual time, answering its lin-kv requests (or
    not); return what it wrote once `settle` seconds have passed after the last line."""
    out = []

    async def scenario():
        node = Node(write=out.append, log=lambda text: None)
        setup(node)
        answered = 0

        async def answer_kv():
            nonlocal answered
            while True:
                await asyncio.sleep(0.001)
                for line in out[answered:]:
                    msg = json.loads(line)
                    answered += 1
                    if msg["dest"] == "lin-kv" and kv_replies:
                        node.feed(json.dumps({"src": "lin-kv", "dest": msg["src"], "body": {
                            "type": "cas_ok", "in_reply_to": msg["body"]["msg_id"]}}))
        helper = asyncio.ensure_future(answer_kv())
        for line in lines_in:
            node.feed(line)
            await asyncio.sleep(0.01)
        await asyncio.sleep(settle)
        helper.cancel()
        node.stop()

    run_virtual(scenario(), virtual=True)
    return [json.loads(line) for line in out]


def test_txn_and_replicate_on_literal_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("TXN_JOURNAL_DIR", str(tmp_path))
    out = txn_lines(txn.serve, [
        '{"src":"c1","dest":"n0","body":{"type":"init","node_id":"n0",'
        '"node_ids":["n0","n1"],"msg_id":1}}',
        '{"src":"c2","dest":"n0","body":{"type":"txn","msg_id":3,'
        '"txn":[["r",1,null],["w",1,6],["w",2,9]]}}',
        '{"src":"n1","dest":"n0","body":{"type":"replicate","life":5,"to_life":null,'
        '"hello":true,"first":1,"entries":[[5,[[1,7]]]],"ack":0}}',
        '{"src":"c2","dest":"n0","body":{"type":"txn","msg_id":4,'
        '"txn":[["r",1,null],["r",2,null]]}}'])
    # init at once; then the run id from lin-kv
    assert out[0] == {"src": "n0", "dest": "c1", "body": {"type": "init_ok", "in_reply_to": 1}}
    cas = out[1]["body"]
    assert out[1]["dest"] == "lin-kv" and cas["type"] == "cas" and cas["key"] == "txn-run"
    assert cas["create_if_not_exists"] is True
    rest = [m for m in out[2:] if m["dest"] != "lin-kv"]
    life = rest[-1]["body"]["life"]
    assert rest == [
        {"src": "n0", "dest": "c2", "body": {"type": "txn_ok", "in_reply_to": 3,
                                             "txn": [["r", 1, None], ["w", 1, 6], ["w", 2, 9]]}},
        {"src": "n0", "dest": "c2", "body": {"type": "txn_ok", "in_reply_to": 4,
                                             "txn": [["r", 1, 7], ["r", 2, 9]]}},
        {"src": "n0", "dest": "n1", "body": {"type": "replicate", "life": life, "to_life": 5,
                                             "hello": True, "first": 1,
                                             "entries": [[1, [[1, 6], [2, 9]]]], "ack": 1}},
    ]
    # the life is named by its start time in microseconds: LIFE_GAP after init, here at 0
    assert life == round(txn.LIFE_GAP * 1_000_000), life
    journal = [f for f in os.listdir(tmp_path) if f.startswith("glomers-txn-")]
    assert len(journal) == 1 and journal[0].endswith("-n0.jsonl")
    assert open(tmp_path / journal[0]).read() == "[1,[[1,6],[2,9]]]\n"


def test_a_node_that_lin_kv_never_answers_refuses_txns_instead_of_hanging():
    out = txn_lines(txn.serve, [
        '{"src":"c1","dest":"n0","body":{"type":"init","node_id":"n0",'
        '"node_ids":["n0"],"msg_id":1}}',
        '{"src":"c2","dest":"n0","body":{"type":"txn","msg_id":2,"txn":[["r",1,null]]}}'],
        kv_replies=False, settle=maelstrom_node.RUN_ID_ATTEMPTS + 1)
    asked = [m for m in out if m["dest"] == "lin-kv"]
    reply = [m["body"] for m in out if m["dest"] == "c2"]
    assert len(asked) == maelstrom_node.RUN_ID_ATTEMPTS
    assert len(reply) == 1 and reply[0]["code"] == ErrorCode.CRASH
    assert "lin-kv did not answer" in reply[0]["text"]


def test_a_node_whose_journal_cannot_be_read_refuses_txns_with_the_reason(tmp_path,
                                                                         monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("TXN_JOURNAL_DIR", str(blocker / "sub"))
    out = txn_lines(txn.serve, [
        '{"src":"c1","dest":"n0","body":{"type":"init","node_id":"n0",'
        '"node_ids":["n0"],"msg_id":1}}',
        '{"src":"c2","dest":"n0","body":{"type":"txn","msg_id":2,"txn":[["r",1,null]]}}'])
    reply = [m["body"] for m in out if m["dest"] == "c2"]
    assert len(reply) == 1 and reply[0]["code"] == ErrorCode.CRASH
    assert "cannot read the journal back" in reply[0]["text"]


# ----- the workload's generator and client -----------------------------------------------

def generated(count, seed=1, **opts):
    options = {"max_txn_length": 4, "key_count": None, "max_writes_per_key": 16, **opts}
    gen = workload.generator(options, random.Random(seed))
    return gen, [gen.next(None) for _ in range(count)]


def test_txns_have_lengths_1_to_max_and_mops_in_maelstroms_shape():
    _, ops = generated(3000, max_txn_length=3)
    assert {len(op["value"]) for op in ops} == {1, 2, 3}
    mops = [mop for op in ops for mop in op["value"]]
    assert {op["f"] for op in ops} == {"txn"}
    assert all(type(f) is Keyword and f in ("r", "w") for f, _, _ in mops)
    assert all(v is None for f, _, v in mops if f == "r")
    reads = sum(f == "r" for f, _, _ in mops)
    assert 0.45 < reads / len(mops) < 0.55


def test_write_values_count_up_per_key_and_never_repeat():
    _, ops = generated(5000, max_writes_per_key=5)
    seen = {}
    for op in ops:
        for f, k, v in op["value"]:
            if f == "w":
                assert v == seen.get(k, 0) + 1, (k, v)    # 1, 2, 3, ... in order
                seen[k] = v
    assert max(seen.values()) == 5
    assert len(seen) > 100                  # keys were retired and replaced


def test_a_used_up_key_is_retired_for_the_largest_active_key_plus_one():
    gen = workload.generator({"max_txn_length": 4, "key_count": 3, "max_writes_per_key": 2},
                             random.Random(1))
    pool, events = gen.pool, []
    draw, retire = pool.key, pool.retire
    pool.key = lambda: events.append(("draw", draw())) or events[-1][1]
    pool.retire = lambda k: (events.append(("retire", k, max(pool.active) + 1)), retire(k))
    ops = [gen.next(None) for _ in range(3000)]
    writes = {}
    for op in ops:
        for f, k, v in op["value"]:
            if f == "w":
                writes[k] = writes.get(k, 0) + 1
                assert v == writes[k]
    active, retired, drawn = [0, 1, 2], set(), set()
    for event in events:
        if event[0] == "draw":
            assert event[1] in active           # only active keys are drawn
            drawn.add(event[1])
        else:
            _, k, fresh = event
            assert writes[k] == 2               # retired only once used up ...
            assert fresh == max(active) + 1     # ... for one above every active key
            active[active.index(k)] = fresh
            retired.add(k)
    assert active == pool.active and len(retired) > 100
    assert not retired & set(active)
    assert sorted(drawn) == list(range(len(drawn)))     # keys 0, 1, 2, 3, ... no gaps


def test_key_slots_follow_the_exponential_distribution():
    pool = workload.KeyPool(random.Random(3), 10, 16)
    draws = [pool.key() for _ in range(40_000)]
    share = [draws.count(k) / len(draws) for k in range(10)]
    for slot in range(10):
        expected = 2 ** (slot + 1) / (2 ** 11 - 2)
        assert abs(share[slot] - expected) < 0.01 + expected * 0.1, (slot, share[slot])


class FakeConnection:
    """Answers every rpc with a fixed reply body and remembers the request."""

    def __init__(self, reply):
        self.reply = reply
        self.request = None

    async def rpc(self, body, timeout=None):
        self.request = body
        return {**self.reply, "in_reply_to": 1}


def invoke(reply):
    op = {"process": 0, "f": Keyword("txn"),
          "value": [[Keyword("r"), 1, None], [Keyword("w"), 1, 6]]}
    conn = FakeConnection(reply)
    return conn, asyncio.run(workload.invoke(conn, op, {}))


def test_the_completion_records_the_txn_the_node_returned():
    conn, done = invoke({"type": "txn_ok", "txn": [["r", 1, 3], ["w", 1, 6], ["r", 2, None]]})
    assert conn.request == {"type": "txn", "txn": [["r", 1, None], ["w", 1, 6]]}
    assert done["type"] == "ok"
    assert done["value"] == [["r", 1, 3], ["w", 1, 6], ["r", 2, None]]
    assert all(type(f) is Keyword for f, _, _ in done["value"])


@pytest.mark.parametrize("reply", [
    {"type": "txn_ok", "txn": [["r", 1, 3], ["w", 1]]},           # a 2-element mop
    {"type": "txn_ok", "txn": [["read", 1, 3]]},                  # f is not r or w
    {"type": "txn_ok", "txn": {"1": 3}},                          # not a list of mops
    {"type": "txn_ok", "txn": [], "extra": 1},                    # the schema is closed
    {"type": "txn_okay", "txn": []},
])
def test_malformed_replies_are_rejected(reply):
    with pytest.raises(MalformedReply):
        invoke(reply)


# ----- on the bench ----------------------------------------------------------------------

LEAKY_STORE = '''
"""A broken store: it pauses after each write, so other txns see intermediate values."""
import asyncio
from maelstrom_node import run


def serve(node):
    values = {}

    @node.handler
    async def txn(msg):
        done = []
        for f, k, v in msg.body["txn"]:
            if f == "r":
                done.append([f, k, values.get(k)])
            else:
                values[k] = v
                done.append([f, k, v])
                await asyncio.sleep(0.002)
        return {"type": "txn_ok", "txn": done}


if __name__ == "__main__":
    run(serve)
'''


def bench(tmp_path, *args):
    """Run the bench; return (exit status, console text, results map)."""
    store = str(tmp_path / "store")
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", store],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    text = proc.stdout + proc.stderr
    path = os.path.join(store, "latest", "results.json")
    results = json.load(open(path)) if os.path.exists(path) else None
    history = open(os.path.join(store, "latest", "history.edn")).read() \
        if os.path.exists(path) else ""
    return proc.returncode, text, results, history


@pytest.mark.parametrize("part", ["6a", "6b", "6b-partition", "6c"])
def test_every_published_command_passes_in_virtual_time(tmp_path, part):
    status, text, results, history = bench(tmp_path, "challenge", part, "--virtual-time",
                                           "--seed", "11", "--quiet")
    assert status == 0, text
    assert results["workload"]["valid?"] is True
    assert results["availability"]["ok-fraction"] == 1.0
    assert results["stats"]["count"] > 10_000
    assert results["net"]["servers"]["msgs-per-op"] <= 0.2
    assert (":start-partition" in history) == ("partition" in part or part == "6c")


C_FLAGS = ["-w", "txn-rw-register", "--bin", os.path.join(ROOT, "txn.py"), "--node-count", "2",
           "--concurrency", "2n", "--rate", "1000", "--consistency-models", "read-committed",
           "--availability", "total", "--nemesis", "partition", "--nemesis-interval", "1"]


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_6c_with_frequent_partitions_on_more_seeds(tmp_path, seed):
    status, text, results, _ = bench(tmp_path, "test", *C_FLAGS, "--time-limit", "6",
                                     "--virtual-time", "--seed", str(seed), "--quiet")
    assert status == 0, text
    assert results["availability"]["ok-fraction"] == 1.0


def test_6c_passes_with_the_nodes_as_processes(tmp_path):
    status, text, results, history = bench(tmp_path, "test", *C_FLAGS, "--time-limit", "4",
                                           "--seed", "6", "--quiet")
    assert status == 0, text
    assert results["availability"]["ok-fraction"] == 1.0
    assert ":start-partition" in history


def test_a_store_exposing_intermediate_writes_fails_read_committed_with_g1b(tmp_path):
    leaky = tmp_path / "leaky_txn.py"
    leaky.write_text(LEAKY_STORE)
    status, text, results, _ = bench(
        tmp_path, "test", "-w", "txn-rw-register", "--bin", str(leaky), "--node-count", "1",
        "--concurrency", "2n", "--rate", "1000", "--time-limit", "3",
        "--consistency-models", "read-committed", "--availability", "total",
        "--virtual-time", "--seed", "5")
    assert status == 1, text
    assert results["workload"]["valid?"] is False
    assert "G1b" in results["workload"]["anomaly-types"]
    g1b = [line for line in text.splitlines() if line.strip().startswith("G1b:")]
    assert g1b and "intermediate" in g1b[0] and "n0" in g1b[0]


# ----- kills, pauses and partitions on the restart harness ---------------------------------

NODES = ["n0", "n1"]


class WriteBehindStore(txn.Store):
    """What not to do: answer at once and journal on the next replication tick, so a kill
    in between loses a committed txn."""

    def __init__(self, node):
        super().__init__(node)
        self.unwritten = []

    def transact(self, mops):
        done, writes = [], {}
        for f, k, v in mops:
            if f == "r":
                done.append([f, k, writes[k] if k in writes else self.values.get(k)])
            else:
                writes[k] = v
                done.append([f, k, v])
        if writes:
            entry = [self.clock + 1, [[k, v] for k, v in writes.items()]]
            self.unwritten.append(entry)
            self.install(entry)
        return done

    def batch(self, peer_id):
        for entry in self.unwritten:
            self.journal.write(entry)
        self.unwritten = []
        return super().batch(peer_id)


def write_behind_serve(node):
    return txn.register(node, WriteBehindStore(node))


@pytest.fixture(autouse=True)
def journal_dir(tmp_path, monkeypatch):
    """Every node journal of a test goes to its own temp dir (in-process and processes)."""
    monkeypatch.setenv("TXN_JOURNAL_DIR", str(tmp_path / "journals"))


async def read_all(cluster, node_id, keys):
    """Every key's value at a node, by one read-only txn."""
    reply = await cluster.request(node_id, {"type": "txn",
                                            "txn": [["r", k, None] for k in keys]})
    assert reply and reply["type"] == "txn_ok", reply
    return {k: v for _, k, v in reply["txn"]}


def kill_after_each_txn(serve, victims_of, backlog="drop", rounds=12):
    """Txn i writes key i at n0 or n1 in turn; right after each txn_ok the nodes
    `victims_of(entry)` are killed and restarted. Returns each node's final values."""
    async def scenario():
        cluster = RestartCluster(serve, NODES, seed=4, latency_ms=5, backlog=backlog)
        await cluster.start()
        for i in range(rounds):
            entry = NODES[i % 2]
            reply = await cluster.request(entry, {"type": "txn", "txn": [["w", i, i]]})
            assert reply and reply["type"] == "txn_ok", reply
            for node_id in victims_of(entry):
                cluster.kill(node_id)
            for node_id in victims_of(entry):
                await cluster.restart(node_id)
        await asyncio.sleep(3 * txn.RETRANSMIT_AFTER)
        return {n: await read_all(cluster, n, list(range(rounds))) for n in NODES}
    return run_virtual(scenario(), virtual=True)


VICTIMS = {"the node that answered": lambda entry: [entry], "both nodes": lambda entry: NODES}


@pytest.mark.parametrize("victims", list(VICTIMS))
@pytest.mark.parametrize("backlog", ["drop", "after-init"])
def test_no_committed_txn_is_lost_when_nodes_die_right_after_the_reply(victims, backlog):
    finals = kill_after_each_txn(txn.serve, VICTIMS[victims], backlog)
    assert finals == {n: {i: i for i in range(12)} for n in NODES}


def test_a_write_behind_journal_loses_committed_txns():
    finals = kill_after_each_txn(write_behind_serve, VICTIMS["both nodes"])
    assert all(None in values.values() for values in finals.values())


def txn_pairs(history):
    """(invocation, completion) of every client txn, in completion order."""
    open_ops, pairs = {}, []
    for op in history:
        if op["type"] == "invoke":
            open_ops[op["process"]] = op
        elif op["process"] in open_ops:
            pairs.append((open_ops.pop(op["process"]), op))
    return pairs


def lost_or_diverged(pairs, finals, node_of):
    """Every way the final values break "no committed txn is lost", in words.

    A write by a node's txn is superseded there by any later txn of that node writing the
    same key (its Lamport stamp is higher), so if T, invoked after W completed on W's node,
    wrote k, the final value of k cannot be W's. And a key some txn wrote and was told ok
    cannot end up with no value."""
    found = []
    values = list(finals.values())
    if any(v != values[0] for v in values):
        found.append("the nodes did not converge")
    writers = {}        # (k, v) -> (node, completion time)
    acked_writes = {}   # k -> [(node, invocation time)] of :ok txns writing k
    for invocation, completion in pairs:
        node = node_of(invocation["process"])
        for f, k, v in invocation["value"]:
            if f == "w":
                writers[(k, v)] = (node, completion["time"])
                if completion["type"] == "ok":
                    acked_writes.setdefault(k, []).append((node, invocation["time"]))
    for k, acked in acked_writes.items():
        for node_id, final in finals.items():
            if final.get(k) is None:
                found.append(f"{node_id}: key {k} has no value, though {len(acked)} "
                             "acknowledged txn(s) wrote it")
                continue
            if (k, final[k]) not in writers:
                found.append(f"{node_id}: key {k} holds {final[k]}, which no txn wrote")
                continue
            node, completed = writers[(k, final[k])]
            later = [t for n, t in acked if n == node and t > completed]
            if later:
                found.append(f"{node_id}: key {k} holds {final[k]}, written on {node}, "
                             f"though a txn on {node} invoked after that one completed "
                             "wrote it again")
    return found


def down_or_paused(events, origin, node_id):
    """The (from, to) nanosecond intervals in which a node was killed or paused."""
    intervals, since = [], {}
    for time, what, nodes in events:
        t = int((time - origin) * 1e9)
        if what in ("kill", "pause") and node_id in nodes:
            since.setdefault(what, t)
        ends = {"start": "kill", "resume": "pause", "recover": None}
        if what in ends:
            for kind in ([ends[what]] if ends[what] else ["kill", "pause"]):
                if kind in since:
                    intervals.append((since.pop(kind), t))
    return intervals


def txn_fault_run(serve, seed, faults, model="read-committed", backlog="drop", seconds=10,
                  rate=500):
    """The txn-rw-register workload under `faults` on the restart harness, then a read of
    every key on every node. Returns (Elle's verdict, durability findings, txns that did
    not complete ok although their node was up and running throughout, fault events)."""
    from glomers.workloads import txn_rw_register as workload
    opts = {"concurrency": 4, "max_txn_length": 4, "max_writes_per_key": 16}

    async def scenario():
        cluster = RestartCluster(serve, NODES, seed, latency_ms=5, backlog=backlog)
        history, events, _ = await run_workload(cluster, workload, opts, seed, faults,
                                                seconds=seconds, interval=0.75, rate=rate)
        await asyncio.sleep(3 * txn.RETRANSMIT_AFTER)
        keys = sorted({k for op in history for f, k, _ in op["value"] if f == "w"})
        finals = {n: await read_all(cluster, n, keys) for n in NODES}
        return history, events, finals, cluster.net.origin
    history, events, finals, origin = run_virtual(scenario(), virtual=True)

    def node_of(process):
        return NODES[(process % opts["concurrency"]) % len(NODES)]
    pairs = txn_pairs(history)
    verdict = workload.checker.check(history, {"consistency_models": [model]})
    findings = lost_or_diverged(pairs, finals, node_of)
    excused = {n: down_or_paused(events, origin, n) for n in NODES}
    unanswered = [completion for invocation, completion in pairs
                  if completion["type"] != "ok"
                  and not any(a < completion["time"] and invocation["time"] < b
                              for a, b in excused[node_of(invocation["process"])])]
    # Not trivial: a client whose node is down waits out its 5 s timeout, so runs with many
    # kills do far fewer txns than the rate asks for, but still hundreds.
    assert sum(completion["type"] == "ok" for _, completion in pairs) > 100
    return verdict, findings, unanswered, events


@pytest.mark.parametrize("faults", [["partition"], ["kill"], ["pause"], ["kill", "partition"],
                                    ["pause", "partition"], ["kill", "pause", "partition"]],
                         ids=",".join)
@pytest.mark.parametrize("seed", [1, 2])
def test_read_committed_total_and_durable_under_faults(faults, seed):
    verdict, findings, unanswered, events = txn_fault_run(txn.serve, seed, faults)
    assert verdict["valid?"] is True, verdict.get("anomaly-types")
    assert findings == []
    assert unanswered == []                 # every txn to a running node was answered
    assert set(faults) <= {what for _, what, _ in events}


@pytest.mark.parametrize("backlog", ["before-init", "after-init"])
def test_read_uncommitted_under_kills_with_queued_messages_reaching_the_new_life(backlog):
    verdict, findings, unanswered, _ = txn_fault_run(txn.serve, 3, ["kill", "partition"],
                                                     model="read-uncommitted",
                                                     backlog=backlog)
    assert verdict["valid?"] is True and findings == [] and unanswered == []


def test_a_reply_meant_for_a_killed_life_is_never_taken_for_the_new_lifes():
    # n0's first life creates the run id in lin-kv and is killed before the reply comes;
    # n1 then reads that id. n0's second life asks to create the key too (refused), and the
    # first life's reply arrives first. Had both lives numbered their requests from 1, the
    # second would take that cas_ok for its own, journal under an id of its own making, and
    # its next life, reading the real id, would find none of its txns.
    async def scenario():
        cluster = RestartCluster(txn.serve, NODES, seed=5)
        send, held = cluster.net.send, []

        def hold_run_id_replies(src, dest, body):
            if src == "lin-kv" and dest == "n0":
                held.append((src, dest, body))
                return None
            return send(src, dest, body)
        cluster.net.send = hold_run_id_replies
        await cluster.restart("n0")
        await asyncio.sleep(0.1)
        cluster.kill("n0")
        await cluster.restart("n1")
        await cluster.restart("n0")
        await asyncio.sleep(0.1)
        cluster.net.send = send
        for message in held:           # the killed life's reply first
            send(*message)
        reply = await cluster.request("n0", {"type": "txn", "txn": [["w", 1, 10]]})
        assert reply["type"] == "txn_ok"
        cluster.kill("n0")
        await cluster.restart("n0")
        return await read_all(cluster, "n0", [1])
    assert run_virtual(scenario(), virtual=True) == {1: 10}


def test_a_write_behind_journal_loses_committed_txns_under_kills():
    findings = []
    for seed in (1, 2):
        findings += txn_fault_run(write_behind_serve, seed, ["kill"])[1]
    assert any("acknowledged" in line or "again" in line for line in findings), findings


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1, exclude_max=True), st.just(1 - 2 ** -53),
                          st.just(0.0), st.just(0.5)), min_size=1, max_size=20),
       st.integers(1, 12))
def test_a_key_is_drawn_from_the_slot_elles_floor_of_a_logarithm_picks(draws, count):
    # The pool truncates where Elle floors (the same for the positive quotients it sees)
    # and clamps a rounding past the end to the last slot.
    class Draws:
        def __init__(self):
            self.left = list(draws)

        def random(self):
            return self.left.pop(0)

    pool = workload.KeyPool(Draws(), count, 16)
    pool.active = [100 + i for i in range(count)]
    for r in draws:
        x = r * pool.scale + 2
        slot = min(int(math.floor(math.log(x) / math.log(2) - 1)), count - 1)
        assert pool.key() == 100 + slot
