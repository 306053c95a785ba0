"""A failing run is read in one screen, for every workload's failure classes: the verdict, the
first cases in full, the rest counted, one hint per class, and facts that match results.json.

Each case runs a node broken on purpose (tests/nodes/) through the bench as a user would.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from glomers.checkers import evidence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = os.path.join(ROOT, "tests", "nodes")
SCREEN = 100          # "about one screen": the bound for a failing 3b


def run(tmp_path, *args):
    """(exit status, console lines, results.json or None) of one run."""
    store = tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", str(store),
                           "--no-pictures"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    text = proc.stdout + proc.stderr
    results = store / "latest" / "results.json"
    return (proc.returncode, text.splitlines(),
            json.load(open(results)) if results.exists() else None)


def hint_text(kind):
    (line,) = evidence.hint(kind)
    return line


def node(name):
    return os.path.join(NODES, name)


def test_a_broadcast_node_that_never_forwards_fails_3b_in_one_screen(tmp_path):
    status, lines, results = run(tmp_path, "challenge", "3b", "--bin",
                                 node("broadcast_no_forward.py"), "--virtual-time", "--seed", "1")
    text = "\n".join(lines)
    assert status == 1
    assert len(lines) <= SCREEN, text
    workload = results["workload"]
    lost, stale = workload["lost-count"], workload["stale-count"]
    assert lost > 20 and stale > 0          # enough to have flooded the console before
    assert f"{lost} values were LOST: acknowledged, then missing from the last reads" in text
    assert hint_text("lost") in text
    assert (f"pattern: {lost} of the {lost} lost values never left the node that acknowledged "
            "them") in text
    shown = re.findall(r"value (\d+) was LOST", text)
    assert [int(v) for v in shown] == sorted(workload["lost"])[:3]
    assert f"… and {lost - 3} more lost values not shown" in text
    run_dir = os.path.realpath(tmp_path / "store" / "latest")
    assert f"every one is in {run_dir}/evidence.txt" in text
    whole = open(os.path.join(run_dir, "evidence.txt")).read()
    assert sorted(int(v) for v in re.findall(r"value (\d+) was LOST", whole)) == \
        sorted(workload["lost"])
    # Values Maelstrom counts stable that never left their node are not called stale.
    assert f"{stale} more values are stable by Maelstrom's rule" in text
    assert "were stale" not in text
    assert text.count("hint: ") == 2


def test_a_naive_forwarder_fails_3c_in_one_screen_and_says_copies_were_dropped(tmp_path):
    status, lines, results = run(tmp_path, "challenge", "3c", "--bin",
                                 node("broadcast_naive.py"), "--virtual-time", "--seed", "1")
    text = "\n".join(lines)
    assert status == 1 and len(lines) <= SCREEN, text
    lost = results["workload"]["lost-count"]
    assert f"pattern: {lost} of the {lost} lost values were sent on, but no copy reached " \
           "some nodes" in text
    assert hint_text("lost") in text


# (name, command line, exit status, failure classes hinted, a fact: f(results) -> text)
CASES = [
    ("echo", ["test", "-w", "echo", "--bin", node("wrong_echo.py"), "--node-count", "2",
              "--time-limit", "5", "--rate", "20", "--virtual-time"], 1, ["echo"],
     lambda r: "carried \"not what you sent\""),
    ("unique-ids", ["challenge", "2", "--bin", node("duplicate_ids.py"), "--time-limit", "2",
                    "--virtual-time"], 1, ["duplicate-id"],
     lambda r: f"{r['workload']['duplicated-count']} id(s) were handed out more than once"),
    ("g-counter", ["challenge", "4", "--bin", node("counter_local.py"), "--time-limit", "3",
                   "--virtual-time"], 1, ["counter-short"],
     lambda r: "acceptable final value(s): {0}..{1}".format(*r["workload"]["acceptable"][0])),
    ("kafka", ["challenge", "5b", "--bin", node("kafka_local.py"), "--time-limit", "2",
               "--virtual-time"], 1, ["kafka-offsets"],
     lambda r: f"kafka inconsistent-offsets: {r['workload']['inconsistent-offsets']['count']} "
               "case(s)"),
    ("txn-rw-register", ["test", "-w", "txn-rw-register", "--bin", node("txn_local.py"),
                         "--node-count", "2", "--concurrency", "2n", "--time-limit", "5",
                         "--rate", "200", "--consistency-models", "serializable",
                         "--virtual-time"], 1, ["txn-G2"],
     lambda r: "So the history is not " + ", ".join(sorted(r["workload"]["not"]))),
    ("lin-kv", ["test", "-w", "lin-kv", "--bin", node("lin_kv_local.py"), "--node-count", "3",
                "--concurrency", "2n", "--time-limit", "10", "--rate", "50", "--virtual-time"],
     1, ["lin-kv"], lambda r: "lin-kv: INVALID."),
    ("g-set", ["test", "-w", "g-set", "--bin", node("g_set_local.py"), "--time-limit", "10",
               "--rate", "10", "--virtual-time"], 1, ["lost"],
     lambda r: f"{r['workload']['lost-count']} elements were LOST"),
    ("pn-counter", ["test", "-w", "pn-counter", "--bin", node("pn_counter_grow_only.py"),
                    "--time-limit", "10", "--rate", "10", "--virtual-time"], 1, ["counter-over"],
     lambda r: "acceptable final value(s): {0}..{1}".format(*r["workload"]["acceptable"][0])),
    ("txn-list-append", ["test", "-w", "txn-list-append", "--bin", node("list_append_local.py"),
                         "--node-count", "2", "--time-limit", "5", "--rate", "100",
                         "--virtual-time"], 1, ["txn-G0"],
     lambda r: "G0: a cycle of"),
    ("stats", ["challenge", "3b", "--bin", node("broadcast_read_error.py"), "--time-limit", "5",
               "--virtual-time"], 1, ["stats"],
     lambda r: f"no read operation ever succeeded: {r['stats']['by-f']['read']['count']} "
               "completed"),
    ("availability", ["test", "-w", "broadcast", "--bin", node("broadcast_read_error.py"),
                      "--time-limit", "5", "--rate", "10", "--availability", "total",
                      "--virtual-time"], 1, ["availability"],
     lambda r: "ok-fraction {:.4f}:".format(r["availability"]["ok-fraction"])),
    ("targets", ["challenge", "3d", "--bin", node("broadcast_no_forward.py"), "--virtual-time"],
     1, ["targets-latency", "lost"], lambda r: "published targets of 3d"),
    ("stdout", ["test", "-w", "echo", "--bin", node("garbage_stdout.py"), "--node-count", "5",
                "--time-limit", "5"], 0, ["stdout"],
     lambda r: "further stdout problems are not shown as they happen"),
    ("crash", ["test", "-w", "echo", "--bin", node("crash_midrun.py"), "--node-count", "2",
               "--time-limit", "6"], 255, ["crash"],
     lambda r: "RuntimeError: boom: this node gives up"),
]


@pytest.mark.parametrize("name,argv,status,kinds,fact", CASES, ids=[c[0] for c in CASES])
def test_every_failure_class_fits_one_screen_with_its_hint(tmp_path, name, argv, status, kinds,
                                                           fact):
    got, lines, results = run(tmp_path, *argv, "--seed", "3")
    text = "\n".join(lines)
    assert got == status, text[-4000:]
    assert len(lines) <= SCREEN, text
    for kind in kinds:
        assert hint_text(kind) in text, kind
    assert fact(results) in text
    assert len(set(l.strip() for l in lines if l.strip().startswith("hint: "))) == \
        sum(1 for l in lines if l.strip().startswith("hint: ")), "a hint repeated"
