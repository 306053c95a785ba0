"""Client threads, the stagger, the time limit, processes and the nemesis schedule (spec §5).

Runs use --virtual-time, so a 20-second test takes a moment and is exactly reproducible.
"""

import os

import pytest

from glomers import cli, main
from glomers.nemesis import SPECS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = os.path.join(ROOT, "tests", "nodes")


class Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def run(tmp_path, *flags):
    _, ns = cli.parse(["test", *flags, "--virtual-time", "--quiet", "--store",
                       str(tmp_path / "store")])
    opts = cli.test_options(ns)
    out = Sink()
    outcome = main.run_test(opts, out=out)
    history = [dict(op) for op in _read_history(outcome.run_dir)]
    return outcome, history, out.text


def _read_history(run_dir):
    from glomers import edn
    return edn.read_history(os.path.join(run_dir, "history.edn"))


def invocations(history):
    return [op for op in history if op["type"] == "invoke" and op["process"] != "nemesis"]


def test_rate_and_time_limit_are_respected(tmp_path):
    outcome, history, _ = run(tmp_path, "-w", "echo", "--bin", "echo.py", "--node-count", "2",
                              "--time-limit", "20", "--rate", "50", "--seed", "5")
    assert outcome.exit_status == 0
    ops = invocations(history)
    assert 850 < len(ops) < 1150                      # 50/s for 20 s, gaps U[0, 2/rate)
    times = [op["time"] for op in ops]
    assert times == sorted(times)
    assert max(b - a for a, b in zip(times, times[1:])) <= 2 / 50 * 1e9
    assert times[-1] < 20e9                          # nothing scheduled past the limit


def test_threads_are_bound_to_nodes_and_rotate(tmp_path):
    outcome, history, _ = run(tmp_path, "-w", "echo", "--bin", "echo.py", "--node-count", "3",
                              "--concurrency", "2n", "--time-limit", "5", "--rate", "30",
                              "--seed", "9")
    assert outcome.exit_status == 0
    processes = {op["process"] for op in invocations(history)}
    assert processes == set(range(6))                # six threads, no :info so no new ids
    # every reply came from the node the thread is bound to: thread t -> n(t mod 3)
    journal = os.path.join(outcome.run_dir, "journal.jsonl")
    import json
    pairs = set()
    for line in open(journal):
        event = json.loads(line)
        if event["event"] == "send" and event["src"].startswith("c") and \
                event["body"].get("type") == "echo":
            pairs.add((event["src"], event["dest"]))
    clients_per_node = {}
    for client, node_id in pairs:
        clients_per_node.setdefault(node_id, set()).add(client)
    assert all(len(c) == 2 for c in clients_per_node.values()) and len(clients_per_node) == 3


def test_info_completion_gives_the_thread_a_new_process(tmp_path):
    # silent_echo.py never answers: every op times out (:info)
    _, history, _ = run(tmp_path, "-w", "echo", "--bin", os.path.join(NODES, "silent_echo.py"),
                        "--node-count", "1", "--concurrency", "2", "--time-limit", "20",
                        "--rate", "2", "--seed", "8")
    ops = [op for op in history if op["process"] != "nemesis"]
    assert [op["type"] for op in ops if op["type"] != "invoke"] == ["info"] * (len(ops) // 2)
    assert all(op["error"] == "net-timeout" for op in ops if op["type"] == "info")
    # Thread t (of 2) runs as process t, then t + 2, t + 4, ...: one op per process, and the
    # next process of a thread only after its previous op completed :info.
    processes = [op["process"] for op in invocations(history)]
    assert len(processes) >= 4
    for thread in (0, 1):
        mine = [p for p in processes if p % 2 == thread]
        assert mine == list(range(thread, thread + 2 * len(mine), 2))
    completed = set()
    for op in ops:
        if op["type"] == "invoke":
            assert op["process"] < 2 or op["process"] - 2 in completed, op
        else:
            completed.add(op["process"])


def test_same_seed_same_history_in_virtual_time(tmp_path):
    flags = ("-w", "unique-ids", "--bin", "unique_ids.py", "--node-count", "3",
             "--time-limit", "5", "--rate", "200", "--nemesis", "partition",
             "--nemesis-interval", "1", "--seed", "42")
    first, _, _ = run(tmp_path / "a", *flags)
    second, _, _ = run(tmp_path / "b", *flags)
    read = lambda o: open(os.path.join(o.run_dir, "history.edn")).read()
    assert read(first) == read(second)
    other, _, _ = run(tmp_path / "c", *flags[:-1], "43")
    assert read(other) != read(first)


def test_nemesis_alternates_from_time_zero(tmp_path):
    outcome, history, _ = run(tmp_path, "-w", "unique-ids", "--bin", "unique_ids.py",
                              "--node-count", "5", "--time-limit", "30", "--rate", "10",
                              "--nemesis", "partition", "--nemesis-interval", "2",
                              "--seed", "11")
    nemesis = [op for op in history if op["process"] == "nemesis"]
    assert nemesis[0]["f"] == "start-partition" and nemesis[0]["time"] == 0
    # Each nemesis op is a pair of records at one instant: what it will do, what it did.
    pairs = list(zip(nemesis[::2], nemesis[1::2]))
    assert len(nemesis) % 2 == 0
    for invoked, done in pairs:
        assert invoked["f"] == done["f"] and invoked["time"] == done["time"]
        assert invoked["type"] == done["type"] == "info"
        if invoked["f"] == "start-partition":
            assert invoked["value"] in SPECS and done["value"][0] == "isolated"
        else:
            assert invoked["value"] is None and done["value"] == "network-healed"
    # Start and stop alternate from a start; the gaps are U[0, 2 * interval).
    kinds = [invoked["f"] for invoked, _ in pairs]
    assert kinds == [("start-partition", "stop-partition")[i % 2] for i in range(len(kinds))]
    times = [invoked["time"] for invoked, _ in pairs]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(kinds) >= 8                            # mean gap 2 s over 30 s
    assert all(0 <= gap < 4e9 for gap in gaps)
    assert all(op["time"] < 30e9 for op in nemesis)


@pytest.mark.parametrize("workload, script", [("broadcast", "broadcast.py"),
                                              ("g-counter", "counter.py")])
def test_final_phase_heals_waits_and_reads_once_per_thread(tmp_path, workload, script):
    outcome, history, _ = run(tmp_path, "-w", workload, "--bin", script, "--node-count", "3",
                              "--concurrency", "2n", "--time-limit", "5", "--rate", "20",
                              "--nemesis", "partition", "--seed", "4")
    finals = [op for op in invocations(history) if op.get("final?")]
    assert len(finals) == 6
    last_heal = max(op["time"] for op in history
                    if op["process"] == "nemesis" and op["f"] == "stop-partition")
    assert all(op["time"] >= last_heal + 10e9 for op in finals)
