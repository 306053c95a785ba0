"""The bench end to end, as a user runs it: our scripts pass; broken nodes fail, explained.

Each run is `python3 -m glomers ...` in a subprocess with its own store folder. Real-time
runs are kept short; runs that only need maelstrom_node.py scripts use --virtual-time.
"""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = os.path.join(ROOT, "tests", "nodes")


def bench(tmp_path, *args, timeout=120):
    """Run the bench; return (exit status, console text, run folder)."""
    store = str(tmp_path / "store")
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", store, "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    latest = os.path.join(store, "latest")
    return proc.returncode, proc.stdout + proc.stderr, os.path.realpath(latest)


def node(name):
    return os.path.join(NODES, name)


def test_echo_passes_in_process_mode_and_writes_a_run_folder(tmp_path):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin", "echo.py",
                                  "--node-count", "1", "--time-limit", "3", "--seed", "1")
    assert status == 0, text
    assert "Everything looks good" in text
    for name in ("results.edn", "results.json", "history.edn", "history.txt", "journal.jsonl",
                 "test.json", os.path.join("node-logs", "n0.log")):
        assert os.path.exists(os.path.join(run_dir, name)), name
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["valid?"] is True
    assert results["workload"]["valid?"] is True
    assert results["stats"]["count"] >= 5
    edn = open(os.path.join(run_dir, "results.edn")).read()
    assert edn.startswith("{:perf") and ":workload" in edn and ":valid? true" in edn


def test_unique_ids_passes_challenge_2_in_virtual_time(tmp_path):
    status, text, run_dir = bench(tmp_path, "challenge", "2", "--virtual-time", "--seed", "3")
    assert status == 0, text
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["workload"]["acknowledged-count"] > 25_000
    assert results["availability"]["ok-fraction"] == 1.0
    history = open(os.path.join(run_dir, "history.edn")).read()
    assert ":start-partition" in history


def test_unique_ids_passes_with_partitions_as_processes(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "unique-ids", "--bin", "unique_ids.py",
                            "--node-count", "3", "--time-limit", "4", "--rate", "300",
                            "--availability", "total", "--nemesis", "partition",
                            "--nemesis-interval", "1", "--seed", "5")
    assert status == 0, text


def test_wrong_echo_is_named_with_op_node_and_texts(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("wrong_echo.py"),
                            "--node-count", "1", "--time-limit", "10", "--rate", "5",
                            "--virtual-time", "--seed", "2")
    assert status == 1, text
    assert "Analysis invalid" in text
    assert "not what you sent" in text and "n0" in text


def test_duplicate_ids_are_listed(tmp_path):
    status, text, run_dir = bench(tmp_path, "test", "-w", "unique-ids", "--bin",
                                  node("duplicate_ids.py"), "--node-count", "3",
                                  "--time-limit", "5", "--rate", "50", "--virtual-time",
                                  "--seed", "6")
    assert status == 1, text
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["workload"]["duplicated-count"] > 0
    assert "duplicate" in text.lower()


def test_missing_in_reply_to_is_diagnosed(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("no_in_reply_to.py"),
                            "--node-count", "1", "--time-limit", "2", "--rate", "2", "--seed", "7")
    assert status == 1, text
    assert "without in_reply_to" in text
    assert "echo_ok" in text                       # the offending message is shown


def test_garbage_on_stdout_names_node_and_line(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("garbage_stdout.py"),
                            "--node-count", "1", "--time-limit", "3", "--rate", "5", "--seed", "8")
    # Maelstrom stops reading the node; the ops before still succeeded, so :stats passes
    # and the verdict stays valid, as Maelstrom's would: the bench says why it is not fine.
    assert status == 0, text
    assert "would call this run valid too" in text
    assert "not well-formed JSON" in text
    assert "DEBUG got request" in text


def test_extra_key_in_reply_is_explained(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("extra_key.py"),
                            "--node-count", "1", "--time-limit", "5", "--virtual-time",
                            "--seed", "9")
    assert status == 1, text                       # no echo ever succeeded: :stats fails
    assert "'debug'" in text


def test_crash_mid_run_aborts_like_maelstrom_with_last_stderr(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("crash_midrun.py"),
                            "--node-count", "1", "--time-limit", "3", "--rate", "5", "--seed", "10")
    assert status == 255, text
    assert "crashed" in text and "boom: this node gives up" in text


def test_no_init_ok_aborts_with_the_reason(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("no_init_ok.py"),
                            "--node-count", "1", "--time-limit", "3", "--seed", "11")
    assert status == 255, text
    assert "did not answer init" in text


def test_flood_is_named_but_never_changes_the_verdict(tmp_path):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin", node("flood.py"),
                                  "--node-count", "1", "--time-limit", "1", "--virtual-time",
                                  "--seed", "12")
    assert "more than 20000 messages within one second" in text, text
    # Maelstrom sets no limit: the flood is a note, the node keeps being read, its echoes
    # succeed and the run is valid, with every message counted.
    assert status == 0, text
    assert "this is a note, not a fault" in text
    results = json.load(open(os.path.join(run_dir, "results.json")))
    assert results["stats"]["valid?"] is True and results["stats"]["ok-count"] > 0
    assert results["net"]["servers"]["send-count"] > 20000


@pytest.mark.parametrize("args, message", [
    (["test", "-w", "echo"], "expected a --bin"),
    (["test", "-w", "nope", "--bin", "echo.py"], "unknown workload"),
    (["test", "-w", "echo", "--bin", "echo.py", "--rate", "fast"], "--rate"),
    (["test", "-w", "echo", "--bin", "echo.py", "--concurrency", "x2"], "--concurrency"),
    (["test", "-w", "echo", "--bin", "echo.py", "--nemesis", "crash"], "unknown fault"),
    (["test", "-w", "echo", "--bin", "missing.py"], "no such file"),
    (["test", "-w", "echo", "--bin", "echo.py", "--latency-dist", "uniform"], "at least 1"),
    (["challenge", "9z"], "unknown challenge part"),
])
def test_bad_flags_get_one_clear_line(tmp_path, args, message):
    status, text, _ = bench(tmp_path, *args, "--seed", "1")
    assert status == 254
    assert message in text
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1


def test_stricter_reports_beyond_maelstrom_without_changing_the_verdict(tmp_path):
    args = ("test", "-w", "txn-rw-register", "--bin", "txn.py", "--node-count", "2",
            "--concurrency", "2n", "--time-limit", "3", "--rate", "200",
            "--consistency-models", "read-committed", "--virtual-time", "--seed", "4")
    status, text, run_dir = bench(tmp_path / "plain", *args)
    strict_status, strict_text, strict_dir = bench(tmp_path / "strict", *args, "--stricter")
    assert status == strict_status == 0, strict_text
    assert "Beyond Maelstrom" in strict_text and "Beyond Maelstrom" not in text
    stricter = json.load(open(os.path.join(strict_dir, "stricter.json")))
    assert stricter["missed-by-maelstrom"] == [] and "assumption" in stricter
    assert open(os.path.join(run_dir, "results.edn")).read() == \
        open(os.path.join(strict_dir, "results.edn")).read()


def test_message_to_an_unknown_node_is_named(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "echo", "--bin", node("unknown_dest.py"),
                            "--node-count", "2", "--time-limit", "3", "--virtual-time",
                            "--seed", "13")
    assert "'n9' is not a node, service or open client connection" in text, text
    assert status == 1, text       # both nodes are cut off before their first reply: :stats
    assert '"dest": "n9"' in text or '"dest":"n9"' in text        # the offending line


def _default_sigint():
    """In the child: Ctrl-C's default handling, even when this suite runs with SIGINT
    ignored (a background job, nohup), which children would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_nodes_and_says_so(tmp_path):
    # The run gets its own process group, nodes included, as a terminal's Ctrl-C reaches
    # them all. SIGINT is sent once the run reports progress, so the nodes are up.
    proc = subprocess.Popen([sys.executable, "-m", "glomers", "test", "-w", "echo", "--bin",
                             "echo.py", "--node-count", "2", "--time-limit", "60", "--seed",
                             "14", "--store", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=_default_sigint)
    lines = queue.Queue()

    def read():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)                             # end of output: the run has ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen = []
    try:
        while not re.search(r"s / 60 s\s+ops \d+\s+ok [1-9]", seen[-1] if seen else ""):
            line = lines.get(timeout=120)
            if line is None:
                pytest.fail("the run ended before any op succeeded:\n" + "".join(seen))
            seen.append(line)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=10)
    while not lines.empty():
        seen.append(lines.get() or "")
    out = "".join(seen)
    assert proc.returncode == 130, out
    assert "interrupted" in out and "Traceback" not in out
    with pytest.raises(ProcessLookupError):         # no node of the run is left running
        os.killpg(proc.pid, 0)
