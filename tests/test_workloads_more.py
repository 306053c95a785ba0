"""The lin-kv, g-set, pn-counter and txn-list-append workloads: generators, client
mappings, and whole runs on the bench (virtual time, fixed seeds) with correct and broken
nodes of our own."""

import asyncio
import json
import os
import random
import subprocess
import sys
from collections import Counter

import pytest

from glomers import edn
from glomers.client import ErrorReply, Timeout, complete
from glomers.run import Aborted
from glomers.workloads import g_set, lin_kv, pn_counter, txn_list_append

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = os.path.join(ROOT, "tests", "nodes")


class Ctx:
    """What a generator sees of the interpreter: the next thread and every process."""

    def __init__(self, concurrency):
        self.processes = list(range(concurrency))
        self.next_thread = 0


def opts(nodes=3, concurrency=None, **more):
    names = [f"n{i}" for i in range(nodes)]
    return {"nodes": names, "concurrency": concurrency or 2 * nodes, "latency": 0, **more}


# -- lin-kv generator ----------------------------------------------------------------------

def test_lin_kv_readers_are_the_first_n_threads_and_the_rest_write_or_cas():
    gen = lin_kv.Generator(opts(3), random.Random(1))
    ctx = Ctx(6)
    kinds = Counter()
    for i in range(600):
        ctx.next_thread = i % 6
        op = gen.next(ctx)
        assert op["value"][0] == 0                     # one group, one key, no crashes
        kinds[(ctx.next_thread < 3, op["f"])] += 1
        if op["f"] == "write":
            assert op["value"][1] in range(5)
        if op["f"] == "cas":
            assert all(v in range(5) for v in op["value"][1])
    assert set(kinds) == {(True, "read"), (False, "write"), (False, "cas")}
    # One writer op in three is a write, two are cas.
    assert 0.25 < kinds[(False, "write")] / 300 < 0.42


def test_lin_kv_groups_get_their_own_keys_and_later_groups_never_read():
    gen = lin_kv.Generator(opts(3, concurrency=12), random.Random(2))
    ctx = Ctx(12)
    seen = {}
    for thread in range(12):
        ctx.next_thread = thread
        op = gen.next(ctx)
        seen[thread] = (op["f"], op["value"][0])
    assert {seen[t][1] for t in range(6)} == {0} and {seen[t][1] for t in range(6, 12)} == {1}
    assert all(seen[t][0] != "read" for t in range(6, 12))


def test_lin_kv_moves_a_group_to_a_new_key_after_20_processes():
    gen = lin_kv.Generator(opts(3), random.Random(3))
    ctx = Ctx(6)
    keys = []
    for crash in range(40):
        ctx.next_thread = 4
        keys.append(gen.next(ctx)["value"][0])
        ctx.processes[4] += 6                     # the op crashed: a fresh process
    # 6 processes to start with; the 15th fresh one makes 21 > 20.
    assert keys[:15] == [0] * 15 and keys[15] == 1
    assert keys[15:30] == [1] * 15 and keys[30] == 2


def test_lin_kv_refuses_what_maelstrom_cannot_run():
    with pytest.raises(Aborted, match="multiple of 6"):
        lin_kv.Generator(opts(3, concurrency=3), random.Random(0))
    with pytest.raises(Aborted, match="multiple of 6"):
        lin_kv.Generator(opts(3, concurrency=9), random.Random(0))
    with pytest.raises(Aborted, match="more than 10 nodes"):
        lin_kv.Generator(opts(11), random.Random(0))


# -- clients -------------------------------------------------------------------------------

class FakeConnection:
    """Answers each request with the next canned reply (or raises it)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests = []

    async def rpc(self, body, timeout=5.0):
        self.requests.append((body, timeout))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return {**reply, "in_reply_to": 1}


def invoke(workload, op, reply, options=None):
    conn = FakeConnection(reply)
    try:
        done = asyncio.run(workload.invoke(conn, op, options or opts()))
    except Exception as error:
        done = complete(op, error, workload.IDEMPOTENT,
                        getattr(workload, "ERRORS_AS_EXCEPTIONS", False))
    return done, conn.requests


def test_lin_kv_requests_and_completions():
    done, [(body, timeout)] = invoke(lin_kv, {"f": "read", "value": [3, None]},
                                     {"type": "read_ok", "value": 4})
    assert body == {"key": 3, "type": "read"} and timeout == 1.0
    assert done["type"] == "ok" and done["value"] == [3, 4]
    done, [(body, _)] = invoke(lin_kv, {"f": "cas", "value": [3, [1, 2]]}, {"type": "cas_ok"})
    assert body == {"key": 3, "from": 1, "to": 2, "type": "cas"}
    assert done["value"] == [3, [1, 2]] and done["type"] == "ok"
    _, [(body, timeout)] = invoke(lin_kv, {"f": "write", "value": [0, 2]},
                                  {"type": "write_ok"}, opts(latency=250))
    assert body == {"key": 0, "value": 2, "type": "write"} and timeout == 2.5


def test_lin_kv_reads_fail_where_writes_are_indeterminate():
    late = Timeout("no reply")
    read, _ = invoke(lin_kv, {"f": "read", "value": [0, None]}, late)
    write, _ = invoke(lin_kv, {"f": "write", "value": [0, 1]}, late)
    assert (read["type"], read["error"]) == ("fail", "net-timeout")
    assert (write["type"], write["error"]) == ("info", "net-timeout")
    crash = ErrorReply({"type": "error", "code": 13, "text": "boom"})
    assert invoke(lin_kv, {"f": "read", "value": [0, None]}, crash)[0]["type"] == "fail"
    assert invoke(lin_kv, {"f": "cas", "value": [0, [1, 2]]}, crash)[0]["type"] == "info"
    refused = ErrorReply({"type": "error", "code": 22, "text": "no"})
    done, _ = invoke(lin_kv, {"f": "cas", "value": [0, [1, 2]]}, refused)
    assert done["type"] == "fail" and done["error"] == ["precondition-failed", "no"]
    assert done["value"] == [0, [1, 2]]
    odd, _ = invoke(lin_kv, {"f": "write", "value": [0, 1]}, {"type": "read_ok"})
    assert odd["type"] == "info" and "exception" in odd


def test_g_set_and_pn_counter_clients_make_every_failure_indeterminate():
    done, [(body, _)] = invoke(g_set, {"f": "add", "value": 7}, {"type": "add_ok"})
    assert body == {"element": 7, "type": "add"} and done["type"] == "ok"
    done, _ = invoke(g_set, {"f": "read", "value": None}, {"type": "read_ok", "value": [1, 2]})
    assert done["value"] == [1, 2]
    wrong_key, _ = invoke(g_set, {"f": "read", "value": None},
                          {"type": "read_ok", "elements": [1]})
    assert wrong_key["type"] == "info" and "exception" in wrong_key
    refused = ErrorReply({"type": "error", "code": 11, "text": "busy"})
    for workload, op in ((g_set, {"f": "add", "value": 1}),
                         (pn_counter, {"f": "add", "value": -3})):
        done, _ = invoke(workload, op, refused)
        assert done["type"] == "info" and done["error"].startswith("indeterminate")
    done, [(body, _)] = invoke(pn_counter, {"f": "add", "value": -3}, {"type": "add_ok"})
    assert body == {"delta": -3, "type": "add"}
    not_int, _ = invoke(pn_counter, {"f": "read", "value": None},
                        {"type": "read_ok", "value": 1.0})
    assert not_int["type"] == "info"


def test_txn_list_append_reply_schema():
    op = {"f": "txn", "value": [[edn.Keyword("r"), 1, None], [edn.Keyword("append"), 1, 3]]}
    done, [(body, _)] = invoke(txn_list_append, op,
                               {"type": "txn_ok", "txn": [["r", 1, [2]], ["append", 1, 3]]})
    assert body == {"txn": [["r", 1, None], ["append", 1, 3]], "type": "txn"}
    assert done["value"] == [["r", 1, [2]], ["append", 1, 3]]
    for bad in ([["r", 1, 5]], [["w", 1, 3]], [["append", 1]], [["r", 1, [1], 2]]):
        done, _ = invoke(txn_list_append, op, {"type": "txn_ok", "txn": bad})
        assert done["type"] == "info" and "exception" in done, bad
    conflict = ErrorReply({"type": "error", "code": 30, "text": "conflict"})
    assert invoke(txn_list_append, op, conflict)[0]["type"] == "fail"


# -- other generators ----------------------------------------------------------------------

def test_g_set_adds_unique_increasing_elements_and_final_reads_are_unmarked():
    gen = g_set.Generator(opts(), random.Random(4))
    ops = [gen.next(None) for _ in range(200)]
    adds = [op["value"] for op in ops if op["f"] == "add"]
    assert adds == list(range(len(adds))) and 70 < len(adds) < 130
    assert list(g_set.final_ops(None, 0)) == [{"f": "read", "value": None}]


def test_pn_counter_deltas_span_minus_5_to_4_and_final_reads_are_marked():
    gen = pn_counter.Generator(opts(), random.Random(5))
    deltas = Counter(op["value"] for op in (gen.next(None) for _ in range(4000))
                     if op["f"] == "add")
    assert set(deltas) == set(range(-5, 5))
    assert list(pn_counter.final_ops(None, 0)) == [{"f": "read", "value": None,
                                                    "final?": True}]


def test_txn_list_append_generator_appends_each_value_once_per_key():
    gen = txn_list_append.Generator({"max_txn_length": 4}, random.Random(6))
    appended = Counter()
    for _ in range(2000):
        txn = gen.next(None)["value"]
        assert 1 <= len(txn) <= 4
        for f, k, v in txn:
            assert f in ("r", "append")
            if f == "append":
                appended[(k, v)] += 1
                assert 1 <= v <= 16
            else:
                assert v is None
    assert max(appended.values()) == 1 and len({k for k, _ in appended}) > 10


# -- whole runs on the bench ---------------------------------------------------------------

def bench(tmp_path, *args):
    store = str(tmp_path / "store")
    proc = subprocess.run([sys.executable, "-m", "glomers", "test", *args, "--virtual-time",
                           "--store", store, "--quiet"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr, os.path.realpath(
        os.path.join(store, "latest"))


def results(run_dir):
    return json.load(open(os.path.join(run_dir, "results.json")))


LIN_KV = ("-w", "lin-kv", "--node-count", "3", "--concurrency", "2n", "--time-limit", "10",
          "--rate", "50")


def test_lin_kv_proxy_to_the_lin_kv_service_is_linearizable(tmp_path):
    status, text, run_dir = bench(tmp_path, *LIN_KV, "--bin",
                                  os.path.join(NODES, "lin_kv_proxy.py"), "--seed", "1")
    assert status == 0, text
    workload = results(run_dir)["workload"]
    assert workload["valid?"] is True and workload["failures"] == []
    assert workload["results"]["0"]["linearizable"]["model"]["value"] in range(5)


def test_lin_kv_with_a_map_per_node_is_caught_and_explained(tmp_path):
    status, text, run_dir = bench(tmp_path, *LIN_KV, "--bin",
                                  os.path.join(NODES, "lin_kv_local.py"), "--seed", "1")
    assert status == 1, text
    assert results(run_dir)["workload"]["failures"] == [0]
    assert "read of key 0 at n" in text and "had been written and acknowledged" in text
    history = open(os.path.join(run_dir, "history.edn")).read()
    assert ":value [0 nil]" in history               # values recorded as [key value]


def test_lin_kv_crashed_ops_move_groups_to_new_keys_and_stay_checkable(tmp_path):
    status, text, run_dir = bench(tmp_path, "-w", "lin-kv", "--node-count", "3",
                                  "--concurrency", "4n", "--time-limit", "20", "--rate", "100",
                                  "--bin", os.path.join(NODES, "lin_kv_flaky.py"),
                                  "--seed", "2")
    assert status == 0, text
    workload = results(run_dir)["workload"]
    assert len(workload["results"]) > 2          # two groups, and crashes moved them on
    ops = edn.read_history(os.path.join(run_dir, "history.edn"))
    assert any(op["type"] == "info" for op in ops)
    # Groups after the first never read (Jepsen's reserve quirk).
    odd_keys = {op["value"][0] for op in ops if op["process"] % 12 >= 6}
    assert all(op["f"] != "read" for op in ops if op["value"][0] in odd_keys)


def test_lin_kv_default_concurrency_aborts_as_maelstrom_does(tmp_path):
    status, text, _ = bench(tmp_path, "-w", "lin-kv", "--node-count", "2", "--time-limit",
                            "2", "--bin", os.path.join(NODES, "lin_kv_proxy.py"), "--seed", "1")
    assert status == 255 and "must be a multiple of 4" in text


@pytest.mark.parametrize("workload,good,bad,evidence", [
    ("g-set", "g_set_gossip.py", "g_set_local.py", "was LOST"),
    ("pn-counter", "pn_counter_crdt.py", "pn_counter_grow_only.py", "over"),
    ("txn-list-append", "list_append_single_key.py", "list_append_local.py",
     "incompatible-order"),
])
def test_correct_and_broken_nodes(tmp_path, workload, good, bad, evidence):
    common = ("-w", workload, "--node-count", "3", "--time-limit", "10", "--rate", "20",
              "--seed", "3")
    status, text, run_dir = bench(tmp_path / "good", *common, "--bin", os.path.join(NODES, good))
    assert status == 0, text
    status, text, run_dir = bench(tmp_path / "bad", *common, "--bin", os.path.join(NODES, bad))
    assert status == 1, text
    assert evidence in text
    explained = subprocess.run([sys.executable, "-m", "glomers", "explain", run_dir], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
    assert evidence in explained.stdout, explained.stdout


def test_lin_kv_budget_flag_makes_an_undecided_key_unknown(tmp_path):
    status, text, run_dir = bench(tmp_path, *LIN_KV, "--bin",
                                  os.path.join(NODES, "lin_kv_proxy.py"), "--seed", "1",
                                  "--linearizability-budget", "5")
    assert status == 2, text
    lin = results(run_dir)["workload"]["results"]["0"]["linearizable"]
    assert lin["valid?"] == "unknown" and "budget of 5 steps" in lin["reason"]
    assert "undecided" in text
