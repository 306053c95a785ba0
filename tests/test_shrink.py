"""`python3 -m glomers shrink`: planted bugs shrink to small runs that still fail the same
way and replay byte for byte; a correct node never shrinks into a failure; every workload
shrinks; bad input gets one clear line; Ctrl-C keeps the best run so far. Also the parts on
their own: delta debugging, failure names, plans (ops and faults left out, early ends), the
story's evidence. Every bench run is seeded and in virtual time.
"""

import dataclasses
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import pytest

from glomers import cli, edn, fault_schedule, main, shrink, shrink_failure, shrink_plan
from glomers.main import load_workload, run_test
from glomers.shrink_story import failed_checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLANTED = os.path.join(ROOT, "tests", "nodes", "shrink")
NODES = os.path.join(ROOT, "tests", "nodes")
MAX_NODES, MAX_OPS = 5, 50


def glomers(tmp_path, *args, store="store"):
    """`python3 -m glomers ARGS --store ...`: (exit status, stdout, stderr, newest folder)."""
    store = tmp_path / store
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", str(store)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    latest = store / "latest"
    return (proc.returncode, proc.stdout, proc.stderr,
            latest.resolve() if latest.exists() else None)


def options(*argv):
    """The options of a parsed `test` command (virtual time, quiet, no pictures)."""
    _, ns = cli.parse(["test", *argv, "--virtual-time", "--quiet", "--no-pictures",
                       "--store", tempfile.gettempdir()])
    return cli.test_options(ns)


def client_ops(history):
    return sum(1 for op in history if op["type"] == "invoke"
               and str(op["process"]) != "nemesis")


# ---------------------------------------------------------------------------------------
# Planted bugs shrink small, still fail the same way, and replay byte for byte

PLANTED_RUNS = {
    "broadcast under a partition": (
        "set-full :lost",
        ["-w", "broadcast", "--bin", os.path.join(PLANTED, "broadcast_tell_once.py"),
         "--node-count", "7", "--time-limit", "20", "--rate", "10", "--nemesis", "partition",
         "--seed", "1"]),
    "a counter forgets an add": (
        "counter: wrong final read",
        ["-w", "g-counter", "--bin", os.path.join(PLANTED, "counter_lost_update.py"),
         "--node-count", "6", "--time-limit", "20", "--rate", "10", "--latency", "20",
         "--seed", "1"]),
    "a txn exposes an intermediate write": (
        "Elle G1b",
        ["-w", "txn-rw-register", "--bin", os.path.join(PLANTED, "txn_slow_writes.py"),
         "--node-count", "5", "--concurrency", "2n", "--time-limit", "20", "--rate", "40",
         "--consistency-models", "read-committed", "--seed", "1", "--keep", "Elle G1b"]),
}


@pytest.mark.parametrize("name", sorted(PLANTED_RUNS))
def test_a_planted_bug_shrinks_small_and_the_replay_fails_the_same_way(tmp_path, name):
    target, argv = PLANTED_RUNS[name]
    status, out, err, run_dir = glomers(tmp_path, "shrink", *argv, "--quiet",
                                        "--no-pictures", "--budget", "300")
    assert status == 1, out + err
    assert f"still {target}" in out
    assert "WARNING" not in out and "Traceback" not in err
    test = json.loads((run_dir / "test.json").read_text())
    history = edn.read_history(str(run_dir / "history.edn"))
    results = json.loads((run_dir / "results.json").read_text())
    assert len(test["nodes"]) <= MAX_NODES
    assert client_ops(history) <= MAX_OPS
    assert target in shrink_failure.names(results, test["workload"])
    story = (run_dir / "story.txt").read_text()
    assert f"fails with {target}" in story and "Where the evidence is" in story
    assert (run_dir / "shrink-steps.txt").exists()
    # The command printed replays the shrunk run byte for byte.
    command = out.split("Replay it byte for byte:\n")[1].strip().splitlines()[0]
    argv = command.split()[3:]          # after "python3 -m glomers"
    assert argv[0] == "test" and "--seed" in argv
    status2, out2, err2, replay_dir = glomers(tmp_path, *argv, "--quiet", "--no-pictures",
                                              store="replay")
    assert status2 == 1, out2 + err2
    assert (replay_dir / "history.edn").read_bytes() == (run_dir / "history.edn").read_bytes()


def test_the_broadcast_story_names_the_partition_and_the_dropped_message(tmp_path):
    target, argv = PLANTED_RUNS["broadcast under a partition"]
    status, out, err, run_dir = glomers(tmp_path, "shrink", *argv, "--quiet",
                                        "--no-pictures", "--budget", "300")
    assert status == 1, out + err
    story = (run_dir / "story.txt").read_text()
    assert "nemesis: partition" in story
    assert "DROPPED by the partition" in story
    assert "was LOST" in story


# ---------------------------------------------------------------------------------------
# A correct node never shrinks into a failure


def test_a_correct_node_has_nothing_to_shrink(tmp_path):
    status, out, err, _ = glomers(
        tmp_path, "shrink", "-w", "broadcast", "--bin", "broadcast.py", "--node-count", "5",
        "--time-limit", "10", "--rate", "10", "--nemesis", "partition", "--seed", "2",
        "--quiet")
    assert status == cli.BAD_ARGS, out + err
    assert "nothing to shrink" in err and "valid" in err
    assert "Shrunk" not in out


CORRECT = {
    "broadcast": ["-w", "broadcast", "--bin", "broadcast.py", "--node-count", "5",
                  "--time-limit", "10", "--rate", "20", "--nemesis", "partition,kill",
                  "--nemesis-interval", "2", "--latency", "20", "--seed", "3"],
    "g-counter": ["-w", "g-counter", "--bin", "counter.py", "--node-count", "4",
                  "--time-limit", "10", "--rate", "20", "--nemesis", "partition,pause",
                  "--nemesis-interval", "2", "--latency", "20", "--seed", "3"],
    "txn-rw-register": ["-w", "txn-rw-register", "--bin", "txn.py", "--node-count", "3",
                        "--concurrency", "2n", "--time-limit", "10", "--rate", "30",
                        "--consistency-models", "read-committed", "--nemesis",
                        "partition,kill", "--nemesis-interval", "2", "--seed", "3"],
}


@pytest.mark.parametrize("workload", sorted(CORRECT))
def test_every_kind_of_cut_leaves_a_correct_node_valid(tmp_path, workload):
    # The candidates a search would try: keyed streams, ops left out, faults dropped or
    # ended early, fewer nodes, threads, a shorter time limit. None may fail.
    base = {**options(*CORRECT[workload]), "store": str(tmp_path)}
    module = load_workload(workload)
    whole = shrink.shape_of(base)
    faults = shrink.faults_of(whole, base["nemesis_interval"], base["seed"])
    assert faults, "the schedule should hold faults to cut"
    keyed = shrink_plan.Plan(keyed_streams=True)
    shapes = [
        dataclasses.replace(whole, plan=keyed),
        dataclasses.replace(whole, plan=shrink_plan.Plan(
            keyed_streams=True, skip_ops=frozenset(range(0, 200, 3)))),
        dataclasses.replace(whole, plan=shrink_plan.Plan(
            drop_faults=frozenset(f.index for f in faults[::2]))),
        dataclasses.replace(whole, plan=shrink_plan.Plan(
            fault_ends=tuple((f.index, (f.start + f.end) / 2) for f in faults))),
        dataclasses.replace(whole, nodes=whole.nodes[:2], concurrency=2),
        dataclasses.replace(whole, time_limit=3, rate=5.0),
    ]
    for shape in shapes:
        found = shrink.attempt(base, module, shape, str(tmp_path))
        assert found.failures == [], (shape, found)
        assert found.valid is True


# ---------------------------------------------------------------------------------------
# Every workload shrinks

FAILING = {
    "echo": ["--bin", os.path.join(NODES, "wrong_echo.py"), "--node-count", "3"],
    "unique-ids": ["--bin", os.path.join(NODES, "duplicate_ids.py"), "--node-count", "3",
                   "--rate", "20"],
    "broadcast": ["--bin", os.path.join(PLANTED, "broadcast_tell_once.py"),
                  "--node-count", "5", "--nemesis", "partition", "--rate", "10"],
    "g-counter": ["--bin", os.path.join(PLANTED, "counter_lost_update.py"),
                  "--node-count", "3", "--latency", "20", "--rate", "10"],
    "pn-counter": ["--bin", os.path.join(NODES, "pn_counter_grow_only.py"),
                   "--node-count", "3", "--rate", "10", "--nemesis", "pause",
                   "--nemesis-interval", "3"],
    "g-set": ["--bin", os.path.join(NODES, "g_set_local.py"), "--node-count", "3",
              "--rate", "10"],
    "kafka": ["--bin", os.path.join(PLANTED, "kafka_local_log.py"), "--node-count", "2",
              "--concurrency", "2n", "--rate", "20"],
    "lin-kv": ["--bin", os.path.join(NODES, "lin_kv_local.py"), "--node-count", "3",
               "--concurrency", "2n", "--rate", "20"],
    "txn-rw-register": ["--bin", os.path.join(PLANTED, "txn_slow_writes.py"),
                        "--node-count", "2", "--concurrency", "2n", "--rate", "20",
                        "--consistency-models", "read-committed"],
    "txn-list-append": ["--bin", os.path.join(NODES, "list_append_local.py"),
                        "--node-count", "3", "--concurrency", "2n", "--rate", "20"],
}


def test_every_workload_has_a_failing_case_here():
    assert set(FAILING) == set(cli.WORKLOADS)


@pytest.mark.parametrize("workload", sorted(FAILING))
def test_every_workload_shrinks_and_keeps_its_failure(tmp_path, workload):
    base = {**options("-w", workload, *FAILING[workload], "--time-limit", "10",
                      "--seed", "2"), "store": str(tmp_path)}
    lines = []
    result = shrink.Shrinker(base, load_workload(workload), budget=300,
                             report=lines.append).run()
    assert result.ended == "done"
    assert result.target in result.best.failures
    assert result.best.smaller_than(result.baseline)
    assert result.best.ops <= MAX_OPS and len(result.best.shape.nodes) <= MAX_NODES
    # Each step said what it kept, and the last one is the result.
    assert len(lines) >= 2 and lines[0].endswith("(the run to shrink; run 1)")
    assert result.best.size() in lines[-1]
    # The best run, replayed as a test, fails the same way.
    opts = {**result.best.shape.opts(base), "store": str(tmp_path), "quiet": True,
            "pictures": False}
    opts["plan"] = result.best.shape.plan.to_json(opts)
    outcome = run_test(opts, out=io.StringIO())
    assert result.target in shrink_failure.names(outcome.results, workload)


# ---------------------------------------------------------------------------------------
# Bad input


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    status, out, err, _ = glomers(tmp_path, "shrink", str(tmp_path / "empty"))
    assert status == cli.BAD_ARGS
    assert "not a run folder of this bench" in err and "Traceback" not in err


def test_a_valid_run_folder_is_refused(tmp_path):
    status, out, err, run_dir = glomers(
        tmp_path, "test", "-w", "echo", "--bin", "echo.py", "--node-count", "1",
        "--time-limit", "2", "--virtual-time", "--seed", "1", "--quiet", "--no-pictures")
    assert status == 0, out + err
    status, out, err, _ = glomers(tmp_path, "shrink", str(run_dir))
    assert status == cli.BAD_ARGS
    assert "the run is valid" in err and "Traceback" not in err


def test_a_run_with_node_processes_is_refused_with_the_command_to_use(tmp_path):
    status, out, err, run_dir = glomers(
        tmp_path, "test", "-w", "echo", "--bin", os.path.join(NODES, "wrong_echo.py"),
        "--node-count", "1", "--time-limit", "1", "--seed", "4", "--quiet", "--no-pictures")
    assert status == 1, out + err
    status, out, err, _ = glomers(tmp_path, "shrink", str(run_dir))
    assert status == cli.BAD_ARGS
    assert "node processes" in err and "Traceback" not in err
    suggested = re.search(r"python3 -m glomers (shrink .*--seed 4)", err)
    assert suggested, err
    # The suggested command shrinks it.
    status, out, err, _ = glomers(tmp_path, *suggested.group(1).split(), "--quiet",
                                  "--no-pictures", store="shrunk")
    assert status == 1, out + err
    assert "still echo: wrong reply" in out


def test_a_failed_run_folder_shrinks(tmp_path):
    status, out, err, run_dir = glomers(
        tmp_path, "test", "-w", "g-set", "--bin", os.path.join(NODES, "g_set_local.py"),
        "--node-count", "3", "--time-limit", "5", "--rate", "10", "--virtual-time",
        "--seed", "5", "--quiet", "--no-pictures")
    assert status == 1, out + err
    status, out, err, shrunk = glomers(tmp_path, "shrink", str(run_dir), "--quiet",
                                       "--no-pictures")
    assert status == 1, out + err
    assert "still set-full :lost" in out
    assert shrunk != run_dir and (shrunk / shrink_plan_file()).exists()
    # A shrunk run's folder shrinks again (its plan goes with it): nothing smaller fails.
    status, out, err, _ = glomers(tmp_path, "shrink", str(shrunk), "--quiet",
                                  "--no-pictures", store="again")
    assert status == 1, out + err
    assert "still set-full :lost" in out


def shrink_plan_file():
    from glomers.shrink_command import PLAN_FILE
    return PLAN_FILE


@pytest.mark.parametrize("args, expected", [
    (["-w", "echo", "--bin", "echo.py"], "shrink needs --seed"),
    (["-w", "echo", "--bin", "echo.py", "--seed", "1", "--seeds", "3"], "one failing --seed"),
    (["-w", "echo", "--bin", os.path.join(NODES, "wrong_echo.py"), "--seed", "2",
      "--node-count", "3", "--time-limit", "10", "--keep", "Elle G0"],
     "--keep 'Elle G0': this run fails with echo: wrong reply"),
    (["/no/such/folder"], "not a run folder"),
    (["/no/such/folder", "--rate", "3"], "--rate has no place beside a run folder"),
    ([], "shrink takes a run folder"),
])
def test_bad_arguments_get_one_line(tmp_path, capsys, args, expected):
    # In this process: the first case has no --seed, which a subprocess here may not lack.
    status = main.main(["shrink", *args, "--store", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert status == cli.BAD_ARGS, err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_plan_is_refused_for_another_command(tmp_path):
    plan = shrink_plan.Plan(skip_ops=frozenset({1})).to_json(
        options("-w", "echo", "--bin", "echo.py", "--node-count", "1", "--seed", "1"))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    status, out, err, _ = glomers(tmp_path, "test", "-w", "echo", "--bin", "echo.py",
                                  "--node-count", "1", "--seed", "2", "--virtual-time",
                                  "--plan", str(path))
    assert status == cli.BAD_ARGS and "made for --seed 1" in err
    status, out, err, _ = glomers(tmp_path, "test", "-w", "echo", "--bin", "echo.py",
                                  "--node-count", "1", "--seed", "1", "--plan", str(path))
    assert status == cli.BAD_ARGS and "add --virtual-time" in err
    path.write_text("{}")
    status, out, err, _ = glomers(tmp_path, "test", "-w", "echo", "--bin", "echo.py",
                                  "--seed", "1", "--virtual-time", "--plan", str(path))
    assert status == cli.BAD_ARGS and "not a shrink plan" in err


# ---------------------------------------------------------------------------------------
# Ctrl-C keeps the best run so far


def test_ctrl_c_keeps_the_best_run_so_far(tmp_path):
    store = tmp_path / "store"
    # A run of thousands of ops: the search is still in its second run when Ctrl-C comes.
    proc = subprocess.Popen(
        [sys.executable, "-m", "glomers", "shrink", "-w", "g-counter", "--bin",
         os.path.join(PLANTED, "counter_lost_update.py"), "--node-count", "5",
         "--time-limit", "100", "--rate", "50", "--latency", "20", "--seed", "1",
         "--store", str(store), "--quiet", "--no-pictures"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "(the run to shrink; run 1)" in line:
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=600)
    out = "".join(seen) + out
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert "stopped by Ctrl-C" in out
    assert "Replay it byte for byte:" in out
    latest = (store / "latest").resolve()
    assert (latest / "history.edn").exists() and (latest / "story.txt").exists()


# ---------------------------------------------------------------------------------------
# The parts


def test_ddmin_finds_a_one_minimal_subset():
    calls = []

    def still_fails(subset):
        calls.append(list(subset))
        return {3, 17, 18} <= set(subset)
    assert shrink.ddmin(range(40), still_fails) == [3, 17, 18]
    assert len(calls) < 120


def test_ddmin_can_drop_everything():
    assert shrink.ddmin(range(10), lambda subset: True) == []


def test_smaller_counts_down_from_n():
    assert shrink.smaller(1) == []
    assert shrink.smaller(2) == [1]
    assert shrink.smaller(20) == [1, 2, 3, 5, 10, 15, 19]


def test_a_candidate_is_smaller_only_with_less_of_something_but_the_rate():
    shape = shrink.Shape(("n0", "n1"), 2, 10, 10.0, ())
    big = shrink.Attempt(shape, ["x"], ops=20)
    assert shrink.Attempt(shape, ["x"], ops=19).smaller_than(big)
    assert not shrink.Attempt(shape, ["x"], ops=21).smaller_than(big)
    slower = dataclasses.replace(shape, rate=5.0)
    assert not shrink.Attempt(slower, ["x"], ops=20).smaller_than(big)
    fewer = dataclasses.replace(shape, nodes=("n0",), concurrency=1)
    assert shrink.Attempt(fewer, ["x"], ops=20).smaller_than(big)


def test_failure_names_follow_the_checker_not_the_workload():
    assert shrink_failure.names({"workload": {"valid?": False, "lost-count": 2}}) == \
        ["set-full :lost"]
    assert shrink_failure.names({"workload": {"valid?": False,
                                              "anomaly-types": ["G1b", "G1c"]}}) == \
        ["Elle G1b", "Elle G1c"]
    assert shrink_failure.names({"workload": {"valid?": False,
                                              "bad-error-types": ["lost-write"]}}) == \
        ["kafka :lost-write"]
    assert shrink_failure.names({"workload": {"valid?": False, "something": 1}},
                                "new-workload") == ["new-workload: invalid"]


def test_an_unknown_verdict_is_no_failure():
    results = {"workload": {"valid?": "unknown", "lost-count": 0},
               "stats": {"valid?": True}, "availability": {"valid?": True}}
    assert shrink_failure.names(results) == []


def test_a_stats_failure_names_the_op_kind():
    results = {"workload": {"valid?": True},
               "stats": {"valid?": False, "by-f": {"add": {"valid?": False},
                                                   "read": {"valid?": True}}}}
    assert shrink_failure.names(results) == ["stats: no add ever ok"]


def test_a_plan_file_round_trips():
    plan = shrink_plan.Plan(skip_ops=frozenset({1, 2, 3, 7}), drop_faults=frozenset({4}),
                            fault_ends=((0, 1.5),), keyed_streams=True)
    data = json.loads(json.dumps(plan.to_json({"seed": 1})))
    assert data["skip-ops"] == [[1, 3], [7, 7]]
    assert shrink_plan.from_json(data) == plan


@pytest.mark.parametrize("data, expected", [
    ({"format": "x"}, "not a shrink plan"),
    ({"format": shrink_plan.FORMAT, "version": 99}, "plan version 99"),
    ({"format": shrink_plan.FORMAT, "version": 1, "skip-ops": [[-1, 2]]}, "not an index"),
    ({"format": shrink_plan.FORMAT, "version": 1, "fault-ends": [[0, "soon"]]},
     "not a time"),
    ({"format": shrink_plan.FORMAT, "version": 1, "keyed-streams": "yes"}, "true or false"),
])
def test_a_malformed_plan_names_its_problem(data, expected):
    with pytest.raises(shrink_plan.PlanError, match=expected):
        shrink_plan.from_json(data)


def _sent(schedule, limit):
    """(seconds, :f) of every op a schedule sends before `limit`, each op taking no time."""
    sent = []
    while True:
        stream = schedule.next_stream()
        if stream is None or stream.due >= limit:
            return sent
        at = stream.due
        op = stream.take(at)
        if op is not None:
            sent.append((round(at, 6), op.f))


def _schedule(seed=7):
    return fault_schedule.Schedule(["kill", "partition", "pause"], ["n0", "n1", "n2"], 2.0,
                                   lambda purpose: fault_schedule.seeded(seed, purpose))


def test_an_empty_plan_sends_the_schedule_unchanged():
    assert _sent(shrink_plan.Plan().fault_schedule(_schedule()), 60) == _sent(_schedule(), 60)


def test_a_dropped_fault_takes_its_stop_with_it_and_leaves_the_rest_in_place():
    whole = [(round(at, 6), op.f) for at, op in fault_schedule.plan(
        ["kill", "partition", "pause"], ["n0", "n1", "n2"], 2.0, 60,
        lambda purpose: fault_schedule.seeded(7, purpose))]
    start = next(i for i, (_, f) in enumerate(whole) if f == "start-partition")
    stop = next(i for i, (_, f) in enumerate(whole) if i > start and f == "stop-partition")
    plan = shrink_plan.Plan(drop_faults=frozenset({start}))
    sent = _sent(plan.fault_schedule(_schedule()), 60)
    assert sent == [op for i, op in enumerate(whole) if i not in (start, stop)]


def test_a_fault_ended_early_sends_its_stop_then_and_not_later():
    whole = [(round(at, 6), op.f) for at, op in fault_schedule.plan(
        ["kill", "partition", "pause"], ["n0", "n1", "n2"], 2.0, 60,
        lambda purpose: fault_schedule.seeded(7, purpose))]
    start = next(i for i, (_, f) in enumerate(whole) if f == "kill")
    stop = next(i for i, (_, f) in enumerate(whole) if i > start and f == "start")
    end = round((whole[start][0] + whole[stop][0]) / 2, 3)
    plan = shrink_plan.Plan(fault_ends=((start, end),))
    sent = _sent(plan.fault_schedule(_schedule()), 60)
    expected = sorted([op for i, op in enumerate(whole) if i != stop] + [(end, "start")],
                      key=lambda op: op[0])
    assert sent == expected


def test_an_empty_plan_replays_a_run_with_faults_byte_for_byte(tmp_path):
    opts = {**options("-w", "broadcast", "--bin", "broadcast.py", "--node-count", "4",
                      "--time-limit", "10", "--rate", "20", "--nemesis",
                      "partition,kill,pause", "--nemesis-interval", "1", "--latency", "30",
                      "--latency-dist", "exponential", "--seed", "9"),
            "store": str(tmp_path)}
    plain = run_test(opts, out=io.StringIO())
    planned = run_test({**opts, "plan": shrink_plan.Plan().to_json(opts)}, out=io.StringIO())
    assert open(os.path.join(plain.run_dir, "history.edn"), "rb").read() == \
        open(os.path.join(planned.run_dir, "history.edn"), "rb").read()


def test_left_out_ops_leave_the_other_ops_values_alone(tmp_path):
    opts = {**options("-w", "g-counter", "--bin", "counter.py", "--node-count", "2",
                      "--time-limit", "5", "--rate", "10", "--seed", "4"),
            "store": str(tmp_path)}
    whole = run_test(opts, out=io.StringIO())
    cut = run_test({**opts, "plan": shrink_plan.Plan(
        skip_ops=frozenset(range(0, 60, 2))).to_json(opts)}, out=io.StringIO())

    def main_phase_ops(outcome):
        history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
        return [(str(op["f"]), op["value"]) for op in history if op["type"] == "invoke"
                and op["time"] < opts["time_limit"] * 1e9]
    kept, every = main_phase_ops(cut), main_phase_ops(whole)
    assert 10 < len(kept) < len(every)
    assert kept == every[1::2]


def test_the_story_keeps_failed_checks_with_their_details():
    lines = ["  ✓ stats         3 ops", "      detail of stats", "  ✗ workload      broadcast",
             "      value 0 was LOST", "  ? net           odd", "  ✓ availability  ok"]
    assert failed_checks(lines) == ["  ✗ workload      broadcast", "      value 0 was LOST",
                                    "  ? net           odd"]


def test_a_shrunk_run_with_the_default_node_ids_shrinks_again_and_remembers_its_origin(
        tmp_path):
    # n1..n5 cut to n1..nK: no flag names those nodes, only the plan does.
    status, out, err, shrunk = glomers(
        tmp_path, "shrink", "-w", "g-set", "--bin", os.path.join(NODES, "g_set_local.py"),
        "--time-limit", "5", "--rate", "10", "--seed", "5", "--quiet", "--no-pictures")
    assert status == 1, out + err
    plan = json.loads((shrunk / shrink_plan_file()).read_text())
    assert plan["made-for"]["nodes"][0] == "n1" and "--node-count" not in out.split(
        "Replay it byte for byte:")[1]
    origin = plan["notes"]["shrunk-from"]
    assert "--time-limit 5 --rate 10" in origin
    status, out, err, again = glomers(tmp_path, "shrink", str(shrunk), "--quiet",
                                      "--no-pictures", store="again")
    assert status == 1, out + err
    assert json.loads((again / shrink_plan_file()).read_text())["notes"]["shrunk-from"] == \
        origin
