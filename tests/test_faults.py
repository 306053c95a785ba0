"""Kill, pause and partition faults on the bench, in virtual time (faults.md).

Each run takes a --seed; where a test needs a schedule of a given shape (a kill that hits a
node, a pause that outlasts the client timeout), it finds the first seed whose plan has it,
from the same plan the run follows, instead of hard-coding a seed that a change to the
schedule's draws would silently turn into a test of nothing.
"""

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout

import pytest

from glomers import cli, edn, explain, fault_schedule, main, nemesis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = os.path.join(ROOT, "tests", "nodes")


class Sink(io.StringIO):
    pass


def run(tmp_path, *flags, virtual=True):
    """Run a test in-process; (outcome, history, console text)."""
    argv = ["test", *flags, "--quiet", "--no-pictures", "--store", str(tmp_path / "store")]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    out = Sink()
    outcome = main.run_test(cli.test_options(ns), out=out)
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    return outcome, history, out.getvalue()


def nemesis_ops(history):
    return [op for op in history if op["process"] == "nemesis"]


def pairs(history):
    """(invocation, completion) of every nemesis op, checking each is a consecutive pair."""
    ops = nemesis_ops(history)
    assert len(ops) % 2 == 0
    found = list(zip(ops[::2], ops[1::2]))
    for invocation, completion in found:
        assert invocation["f"] == completion["f"]
        assert invocation["type"] == completion["type"] == "info"
        assert invocation["index"] < completion["index"]
    return found


def planned(seed, faults, node_count, interval, time_limit):
    return fault_schedule.plan(faults, [f"n{i}" for i in range(node_count)], interval,
                               time_limit, lambda purpose: fault_schedule.seeded(seed, purpose))


def first_seed(wanted, *plan_args):
    """The first seed from 1 whose plan satisfies `wanted(plan)`."""
    for seed in range(1, 500):
        if wanted(planned(seed, *plan_args)):
            return seed
    raise AssertionError("no seed below 500 has such a plan")


def lives(plan, limit, restart_time=0.0):
    """For a one-node test under kill: one entry per life of the node, True if it served
    requests for over a second. A thread that sent a request to the dead node waits 5 s
    before it sends another, so a life starts serving at most 5 s after its restart (which
    may itself take `restart_time`)."""
    served, up, free = [], True, 0.0
    for at, op in [*plan, (limit, None)]:
        ends = op is None or (op.f == "kill" and op.nodes)
        if ends and up:
            served.append(at - free > 1)
            up = op is None
        elif op is not None and op.f == "start" and not up:
            up, free = True, at + restart_time + 5
    return served


def journal(outcome):
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as f:
        return [json.loads(line) for line in f]


def intervals(history, start_f, stop_f):
    """node -> [(from ns, to ns or None)] while a kill (or pause) held it."""
    held, open_ = {}, {}
    for invocation, completion in pairs(history):
        if completion["f"] == start_f and isinstance(completion["value"], dict):
            for node, word in completion["value"].items():
                if word in ("killed", "paused"):
                    open_[node] = completion["time"]
        elif completion["f"] == stop_f:
            for node, since in list(open_.items()):
                held.setdefault(node, []).append((since, invocation["time"]))
                del open_[node]
    for node, since in open_.items():
        held.setdefault(node, []).append((since, None))
    return held


def inside(t, span):
    start, end = span
    return start < t and (end is None or t < end)


# ----- the schedule, as printed and as run -----------------------------------------------------

SCHEDULE_LINE = re.compile(r"^\s+(\d+\.\d{3}) s  (\S+) (\S+)\s+(.*)$")


def test_the_printed_schedule_is_what_the_run_does(tmp_path):
    flags = ["-w", "echo", "--bin", "echo.py", "--node-count", "5", "--time-limit", "30",
             "--rate", "20", "--nemesis", "kill,pause,partition", "--nemesis-interval", "3",
             "--seed", "8"]
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main.main(["test", *flags, "--virtual-time", "--show-schedule"]) == 0
    lines = printed.getvalue().splitlines()
    assert "exact in virtual time" in lines[1]
    plan = [SCHEDULE_LINE.match(line).groups() for line in lines if SCHEDULE_LINE.match(line)]
    assert len(plan) >= 10 and {f for _, f, _, _ in plan} == {
        "kill", "start", "pause", "resume", "start-partition", "stop-partition"}
    assert "echo has no final phase" in lines[-1]
    outcome, history, _ = run(tmp_path, *flags)
    assert outcome.exit_status in (0, 1)
    done = pairs(history)
    assert [(f"{inv['time'] / 1e9:.3f}", inv["f"], fault_schedule.value_text(inv["value"]))
            for inv, _ in done] == [(at, f, value) for at, f, value, _ in plan]
    nodes = [f"n{i}" for i in range(5)]
    for (invocation, completion), (_, f, _, described) in zip(done, plan):
        value = completion["value"]
        if f in ("kill", "pause"):
            # the completion names exactly the nodes the schedule said the spec resolves to
            expected = [] if described.startswith("no node") else described.split()
            assert sorted(value) == sorted(expected)
        elif f in ("start", "resume"):
            assert invocation["value"] == "all" and sorted(value) == nodes


def show_schedule(*flags):
    """The lines `test --show-schedule` prints for these flags."""
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main.main(["test", *flags, "--show-schedule"]) == 0
    return printed.getvalue().splitlines()


def test_the_printed_schedule_says_what_each_op_will_do_in_words():
    def varied(plan):
        kinds = {op.f for _, op in plan}
        return (kinds >= {"kill", "start", "pause", "resume", "start-partition"}
                and any(op.f in ("kill", "pause") and not op.nodes for _, op in plan)
                and any(op.f == "start-partition" and not any(op.grudge.values())
                        for _, op in plan))
    faults = ["kill", "partition", "pause"]
    seed = first_seed(varied, faults, 3, 2, 8)
    lines = show_schedule("-w", "g-counter", "--bin", "counter.py", "--node-count", "3",
                          "--time-limit", "8", "--nemesis", ",".join(faults),
                          "--nemesis-interval", "2", "--seed", str(seed))
    assert lines[0] == (f"Fault schedule for seed {seed}: kill,partition,pause on 3 node(s), "
                        "one op per 2 s on average in each stream, 8 s main phase")
    assert lines[1] == ("(seconds from the start of the main phase, planned: with node "
                        "processes an op that takes time (a kill waits for the process to "
                        "die, a restart for init_ok, up to 10 s) delays the ops after it)")
    words = {"stop-partition": "heal the network", "start": "restart every killed node",
             "resume": "resume every paused node"}
    plan = planned(seed, faults, 3, 2, 8)
    assert len(lines) == len(plan) + 3
    for line, (at, op) in zip(lines[2:], plan):
        if op.f in words:
            said = words[op.f]
        elif op.f == "start-partition":
            said = nemesis.describe(op.value, op.grudge)
        else:
            said = " ".join(op.nodes) or f"no node (:{op.value} picks none of 3)"
        value = "nil" if op.value is None else f":{op.value}"
        assert line == f"  {at:9.3f} s  {op.f + ' ' + value:32} {said}"
    assert "  nothing cut (minority-third has no effect on 3 node(s))" in "\n".join(lines)
    assert lines[-1] == ("Then the final phase (g-counter has one): stop-partition nil, "
                         "resume :all, start :all, 10 s of recovery, the final reads.")


def test_the_printed_schedule_of_a_workload_without_a_final_phase_or_without_faults():
    flags = ["-w", "echo", "--bin", "echo.py", "--node-count", "3", "--time-limit", "5",
             "--seed", "4"]
    assert show_schedule(*flags) == [
        "No faults: --nemesis is not given, so the nemesis does nothing."]
    lines = show_schedule(*flags, "--nemesis", "pause", "--virtual-time")
    assert lines[1] == "(seconds from the start of the main phase, exact in virtual time)"
    assert lines[-1] == ("echo has no final phase: the test ends with whatever faults hold "
                         "at the time limit (nodes may be down or paused).")
    assert not any("no op falls" in line for line in lines)


def test_a_schedule_with_no_op_inside_the_time_limit_says_so():
    opts = {"nemesis": ["kill"], "nodes": ["n0", "n1"], "seed": 1, "nemesis_interval": 2,
            "time_limit": 0, "workload": "echo"}
    assert fault_schedule.schedule_lines(opts, False)[2] == (
        "  (no op falls inside the time limit)")


def test_nemesis_ops_are_written_as_jepsen_writes_them(tmp_path):
    seed = first_seed(lambda p: any(op.f == "kill" and op.nodes for _, op in p),
                      ["kill"], 3, 2, 10)
    outcome, history, _ = run(tmp_path, "-w", "echo", "--bin", "echo.py", "--node-count", "3",
                              "--time-limit", "10", "--rate", "10", "--nemesis", "kill",
                              "--nemesis-interval", "2", "--seed", str(seed))
    edn_lines = open(os.path.join(outcome.run_dir, "history.edn")).read().splitlines()
    txt_lines = open(os.path.join(outcome.run_dir, "history.txt")).read().splitlines()
    kills = [line for line in edn_lines if ":f :kill" in line]
    assert re.fullmatch(r"\{:index \d+, :time \d+, :type :info, :process :nemesis, :f :kill, "
                        r":value (nil|:one|:minority-third|:minority|:majority|:all)\}", kills[0])
    assert re.fullmatch(r'\{:index \d+, :time \d+, :type :info, :process :nemesis, :f :kill, '
                        r':value \{("n\d" :killed(, )?)*\}\}', kills[1])
    starts = [line for line in txt_lines if "\t:start\t" in line]
    assert starts[0] == ":nemesis\t:info\t:start\t:all"
    assert re.fullmatch(r':nemesis\t:info\t:start\t\{"n0" :\S+, "n1" :\S+, "n2" :\S+\}',
                        starts[1])


def test_same_seed_same_history_and_journal_with_every_fault(tmp_path):
    flags = ("-w", "g-counter", "--bin", "counter.py", "--node-count", "3", "--time-limit",
             "15", "--rate", "30", "--nemesis", "kill,pause,partition", "--nemesis-interval",
             "2", "--seed", "21")
    first, history, _ = run(tmp_path / "a", *flags)
    second, _, _ = run(tmp_path / "b", *flags)
    assert {op["f"] for op in nemesis_ops(history)} >= {"kill", "start", "pause", "resume"}
    for name in ("history.edn", "journal.jsonl"):
        read = lambda o: open(os.path.join(o.run_dir, name)).read()
        assert read(first) == read(second), name
    other, _, _ = run(tmp_path / "c", *flags[:-1], "22")
    assert open(os.path.join(other.run_dir, "history.edn")).read() != \
        open(os.path.join(first.run_dir, "history.edn")).read()


def test_same_seed_same_history_across_processes_with_different_string_hashing(tmp_path):
    texts = set()
    for hash_seed in ("1", "2"):
        store = tmp_path / hash_seed
        subprocess.run(
            [sys.executable, "-m", "glomers", "test", "-w", "unique-ids", "--bin",
             "unique_ids.py", "--node-count", "5", "--time-limit", "10", "--rate", "50",
             "--nemesis", "kill,pause,partition", "--nemesis-interval", "1", "--seed", "4",
             "--virtual-time", "--quiet", "--no-pictures", "--store", str(store)],
            cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": hash_seed}, check=True,
            capture_output=True)
        texts.add(open(store / "unique-ids" / "latest" / "history.edn").read())
    assert len(texts) == 1 and ":f :kill" in texts.pop()


# ----- what a kill and a pause do to a node -----------------------------------------------------

def test_a_counter_that_restarts_at_one_hands_out_duplicates_under_kill(tmp_path):
    seed = first_seed(lambda p: sum(lives(p, 30)) >= 2, ["kill"], 1, 4, 30)
    flags = ("-w", "unique-ids", "--bin", os.path.join(NODES, "counter_ids.py"),
             "--node-count", "1", "--concurrency", "4", "--time-limit", "30", "--rate", "50",
             "--seed", str(seed))
    calm, _, _ = run(tmp_path / "calm", *flags)
    assert calm.exit_status == 0                     # no restart, no duplicate
    outcome, history, text = run(tmp_path / "kill", *flags, "--nemesis", "kill",
                                 "--nemesis-interval", "4")
    assert outcome.exit_status == 1, text
    assert re.search(r'id "n0-\d+" was returned [2-9] times', text)
    assert outcome.results["workload"]["duplicated-count"] > 0
    # The console and explain both tie the duplicates to the node's restart.
    told = re.compile(r'id "n0-\d+" was handed out by n0 at [\d.]+ s and again at [\d.]+ s, '
                      r'after n0 was killed at [\d.]+ s and restarted at [\d.]+ s')
    assert told.search(text), text
    assert re.search(r"Faults: n0 was killed at [\d.]+ s and restarted at", text)
    explained = io.StringIO()
    assert explain.main(outcome.run_dir, out=explained, err=io.StringIO()) == 1
    assert "Kills and pauses (from the nemesis ops in the history):" in explained.getvalue()
    assert told.search(explained.getvalue())


def test_a_restarted_node_gets_fresh_randomness(tmp_path):
    outcome, history, text = run(tmp_path, "-w", "unique-ids", "--bin",
                                 os.path.join(NODES, "random_ids.py"), "--node-count", "3",
                                 "--time-limit", "20", "--rate", "100", "--nemesis", "kill",
                                 "--nemesis-interval", "1", "--seed", "2")
    restarts = [c for _, c in pairs(history) if c["f"] == "start"
                and "started" in c["value"].values()]
    assert len(restarts) >= 3
    assert outcome.exit_status == 0, text


def test_a_killed_node_hears_and_says_nothing_and_its_backlog_is_dropped(tmp_path):
    outcome, history, _ = run(tmp_path, "-w", "broadcast", "--bin", "broadcast.py",
                              "--node-count", "5", "--time-limit", "20", "--rate", "20",
                              "--latency", "5", "--nemesis", "kill", "--nemesis-interval",
                              "2", "--seed", "3")
    down = intervals(history, "kill", "start")
    assert down
    events = journal(outcome)
    received = {e["id"] for e in events if e["event"] == "recv"}
    lost = 0
    for e in events:
        for span in down.get(e["dest"] if e["event"] == "recv" else e["src"], ()):
            assert not inside(e["time"], span), e      # no delivery to it, nothing from it
        if e["event"] == "send":
            for span in down.get(e["dest"], ()):
                if inside(e["time"], span):
                    assert e["id"] not in received     # never delivered, even after restart
                    lost += 1
    assert lost > 0


def test_a_paused_node_is_silent_then_answers_what_came_meanwhile(tmp_path):
    seed = first_seed(lambda p: any(a.f == "pause" and a.nodes and b.f == "resume"
                                    and 0.5 < tb - ta < 4 for (ta, a), (tb, b) in zip(p, p[1:])),
                      ["pause"], 1, 2, 20)
    outcome, history, _ = run(tmp_path, "-w", "echo", "--bin", "echo.py", "--node-count", "1",
                              "--concurrency", "5", "--time-limit", "20", "--rate", "20",
                              "--nemesis", "pause",
                              "--nemesis-interval", "2", "--seed", str(seed))
    paused = [span for span in intervals(history, "pause", "resume")["n0"]
              if span[1] is not None and 0.5e9 < span[1] - span[0] < 4e9]
    assert paused
    events = journal(outcome)
    for span in paused:
        assert not any(e["event"] == "send" and e["src"] == "n0" and inside(e["time"], span)
                       for e in events)
        held = [e for e in events if e["event"] == "recv" and e["dest"] == "n0"
                and inside(e["time"], span)]
        assert held                  # delivered into its stdin, as Maelstrom journals them
        answered = [e for e in events if e["event"] == "send" and e["src"] == "n0"
                    and e["time"] >= span[1]]
        in_reply_to = [e["body"].get("in_reply_to") for e in answered[:len(held)]]
        assert in_reply_to == [e["body"]["msg_id"] for e in held]   # in order, at resume
    # Shorter than the 5 s client timeout: the clients still waited, the ops were slow
    slow = [op for op in history if op["type"] == "ok" and op["process"] != "nemesis"]
    assert slow


def test_a_late_reply_after_a_long_pause_mutes_the_node_as_in_maelstrom(tmp_path):
    seed = first_seed(lambda p: any(a.f == "pause" and a.nodes and b.f == "resume"
                                    and tb - ta > 7 for (ta, a), (tb, b) in zip(p, p[1:])),
                      ["pause"], 1, 4, 30)
    outcome, history, text = run(tmp_path, "-w", "echo", "--bin", "echo.py", "--node-count",
                                 "1", "--time-limit", "30", "--rate", "10", "--nemesis",
                                 "pause", "--nemesis-interval", "4", "--seed", str(seed))
    problems = json.load(open(os.path.join(outcome.run_dir, "test.json")))["problems"]
    muted = [p for p in problems if p["kind"] == "late-reply" and p["node"] == "n0"
             and "stops reading this node's stdout" in p["detail"]]
    assert muted and "is not a node, service or open client connection" in muted[0]["detail"]
    assert "the nemesis paused this node until" in muted[0]["detail"]


def test_the_final_phase_heals_resumes_restarts_then_waits(tmp_path):
    outcome, history, text = run(tmp_path, "-w", "g-counter", "--bin", "counter.py",
                                 "--node-count", "3", "--time-limit", "20", "--rate", "20",
                                 "--nemesis", "kill,pause,partition", "--nemesis-interval",
                                 "3", "--seed", "6")
    assert outcome.exit_status == 0, text
    done = pairs(history)
    finals = [op for op in history if op.get("final?") and op["type"] == "invoke"]
    last = [inv for inv, _ in done if inv["time"] >= 20e9]
    assert [inv["f"] for inv in last] == ["stop-partition", "resume", "start"]
    assert all(op["time"] >= done[-1][1]["time"] + 10e9 for op in finals)
    assert all(c["f"] != "start" or "killed" not in c["value"].values() for _, c in done)


def test_without_a_final_phase_the_test_ends_with_the_faults_in_place(tmp_path):
    seed = first_seed(lambda p: p and p[-1][1].f == "kill" and p[-1][1].nodes,
                      ["kill"], 3, 2, 10)
    outcome, history, text = run(tmp_path, "-w", "unique-ids", "--bin", "unique_ids.py",
                                 "--node-count", "3", "--time-limit", "10", "--rate", "20",
                                 "--nemesis", "kill", "--nemesis-interval", "2",
                                 "--seed", str(seed))
    assert pairs(history)[-1][0]["f"] == "kill"
    assert outcome.exit_status == 0, text            # a killed node is no crash


def test_a_node_that_crashes_by_itself_is_still_a_crash_under_kill(tmp_path):
    outcome, _, text = run(tmp_path, "-w", "echo", "--bin",
                           os.path.join(NODES, "hostile", "exit4_in_handler.py"),
                           "--node-count", "1", "--concurrency", "3", "--time-limit", "20",
                           "--rate", "20", "--nemesis", "kill", "--nemesis-interval", "2",
                           "--seed", "1")
    assert outcome.exit_status == 255, text
    assert "exit4_in_handler.py raised sys.exit(4)" in text


def test_a_restart_whose_init_fails_is_a_failed_nemesis_op(tmp_path, monkeypatch):
    (tmp_path / "lives").mkdir()
    monkeypatch.setenv("INIT_ONCE_DIR", str(tmp_path / "lives"))
    seed = first_seed(lambda p: True in lives(p, 30)[:-1], ["kill"], 1, 4, 30)
    outcome, history, text = run(tmp_path, "-w", "echo", "--bin",
                                 os.path.join(NODES, "init_once.py"), "--node-count", "1",
                                 "--time-limit", "30", "--rate", "10", "--nemesis", "kill",
                                 "--nemesis-interval", "4", "--seed", str(seed))
    failed = [(i, c) for i, c in pairs(history) if c["f"] == "start" and "exception" in c]
    assert failed, text
    invocation, completion = failed[0]
    assert completion["value"] == "all" and completion["time"] - invocation["time"] == 10e9
    assert completion["error"].startswith("indeterminate: n0 did not answer init within 10 s")
    assert completion["exception"]["cause"] in completion["error"]
    assert outcome.exit_status in (0, 1), text       # a verdict: the test went on
    assert os.path.exists(os.path.join(outcome.run_dir, "results.edn"))


@pytest.mark.parametrize("text, faults", [
    ("kill", ["kill"]), ("partition, pause", ["partition", "pause"]),
    ("kill,pause,partition,kill", ["kill", "partition", "pause"]),
])
def test_nemesis_takes_any_set_of_the_three_faults(text, faults):
    _, ns = cli.parse(["test", "-w", "echo", "--bin", "echo.py", "--nemesis", text])
    assert sorted(ns.nemesis) == sorted(faults)


def test_an_unknown_fault_is_refused_with_jepsens_words(capsys):
    assert main.main(["test", "-w", "echo", "--bin", "echo.py", "--nemesis", "kill,crash"]) \
        == cli.BAD_ARGS
    assert "Must be one of kill, partition, pause" in capsys.readouterr().err
