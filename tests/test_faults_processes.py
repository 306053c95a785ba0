"""Kill and pause with the nodes as real processes: SIGKILL to the process group and a new
process from --bin, SIGSTOP / SIGCONT (faults.md §4). Short runs, each with a --seed whose
plan has the schedule the test needs (see test_faults.first_seed)."""

import json
import os
import re

from hostile import bench, no_leftovers, node, recorded_pids  # noqa: F401
from test_faults import NODES, first_seed, lives, pairs, planned

from glomers import edn


def history_of(run_dir):
    return edn.read_history(os.path.join(run_dir, "history.edn"))


def test_a_counter_that_restarts_at_one_hands_out_duplicates_under_kill(tmp_path):
    seed = first_seed(lambda p: sum(lives(p, 12, restart_time=1.0)) >= 2, ["kill"], 1, 3, 12)
    status, text, run_dir = bench(
        tmp_path, "test", "-w", "unique-ids", "--bin", os.path.join(NODES, "counter_ids.py"),
        "--node-count", "1", "--concurrency", "3", "--time-limit", "12", "--rate", "30",
        "--nemesis", "kill", "--nemesis-interval", "3", "--seed", str(seed), "--no-pictures")
    assert status == 1, text
    assert re.search(r'id "n0-\d+" was returned [2-9] times', text)
    starts = [c for _, c in pairs(history_of(run_dir)) if c["f"] == "start"]
    assert any(c["value"].get("n0") == "started" for c in starts)
    log = open(os.path.join(run_dir, "node-logs", "n0.log")).read()
    assert "--- killed by the nemesis at" in log and "--- restarted by the nemesis at" in log


def test_a_kill_ends_the_whole_process_group_of_a_wrapped_node(tmp_path, no_leftovers):
    # The node runs as the wrapper's child (no exec). Teardown only stops the last
    # incarnation; every earlier one is gone only if each kill took its whole group.
    seed = first_seed(lambda p: sum(1 for _, op in p if op.f == "start") >= 2,
                      ["kill"], 2, 1, 6)
    status, text, run_dir = bench(
        tmp_path, "test", "-w", "echo", "--bin", node("wrapper_no_exec.sh"), "--node-count",
        "2", "--time-limit", "6", "--rate", "10", "--nemesis", "kill", "--nemesis-interval",
        "1", "--seed", str(seed), "--no-pictures")
    assert status in (0, 1), text
    restarted = sum(list(c["value"].values()).count("started")
                    for _, c in pairs(history_of(run_dir)) if c["f"] == "start")
    assert restarted >= 1
    labels = [label for _, label in recorded_pids(tmp_path)]
    assert labels.count("wrapper") == 2 + restarted       # one per incarnation


def test_a_node_paused_at_the_end_is_killed_at_teardown_without_a_fuss(tmp_path):
    seed = first_seed(lambda p: p and p[-1][1].f == "pause" and p[-1][1].nodes,
                      ["pause"], 2, 1, 5)
    status, text, run_dir = bench(
        tmp_path, "test", "-w", "echo", "--bin", "echo.py", "--node-count", "2",
        "--time-limit", "5", "--rate", "10", "--nemesis", "pause", "--nemesis-interval", "1",
        "--seed", str(seed), "--no-pictures")
    assert status in (0, 1), text                   # not a crash (255)
    assert pairs(history_of(run_dir))[-1][1]["f"] == "pause"
    problems = json.load(open(os.path.join(run_dir, "test.json")))["problems"]
    assert not [p for p in problems if p["kind"] in ("teardown", "crash")], problems


def test_the_schedule_of_a_process_run_is_the_planned_one(tmp_path):
    seed = 5
    plan = planned(seed, ["kill", "partition"], 3, 1, 5)
    status, text, run_dir = bench(
        tmp_path, "test", "-w", "echo", "--bin", "echo.py", "--node-count", "3",
        "--time-limit", "5", "--rate", "10", "--nemesis", "kill,partition",
        "--nemesis-interval", "1", "--seed", str(seed), "--no-pictures")
    assert status in (0, 1), text
    done = pairs(history_of(run_dir))
    # The same ops with the same targets; only the times may slip (a kill waits for the
    # process to die, a restart for init_ok), never earlier than planned.
    assert [inv["f"] for inv, _ in done] == [op.f for _, op in plan][:len(done)]
    assert len(done) >= len(plan) - 2
    for (invocation, completion), (at, op) in zip(done, plan):
        assert invocation["time"] >= at * 1e9 - 1e6
        if op.f == "kill":
            assert sorted(completion["value"]) == list(op.nodes)
