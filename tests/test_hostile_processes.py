"""Hostile nodes as processes: the bench never hangs, never leaves a process behind, and
says what went wrong in one line a user can act on.

Each test runs the bench as a user would (a subprocess, a short --time-limit, a --seed) with
a generous timeout as the bound on hanging, then checks the exit status, the message, and
that every process the hostile node noted (tests/nodes/hostile/pids.py) is gone.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hostile import ROOT, TIMEOUT, bench, no_leftovers, node, recorded_pids  # noqa: F401

ECHO = ("test", "-w", "echo", "--node-count", "2", "--time-limit", "2", "--seed", "1")


@pytest.mark.parametrize("script, noted", [
    ("wrapper_no_exec.sh", {"wrapper", "echo_with_pid"}),
    ("forks_child_with_pipes.py", {"forks_child_with_pipes", "sleep child"}),
])
def test_a_nodes_children_are_stopped_with_it(tmp_path, no_leftovers, script, noted):
    # A launcher without exec, or a child holding the node's pipes: at teardown the whole
    # process group goes, and the run ends with its history and results.
    status, text, run_dir = bench(tmp_path, *ECHO, "--bin", node(script))
    assert status == 0, text
    assert "Everything looks good" in text
    for name in ("history.edn", "results.edn", "journal.jsonl"):
        assert os.path.exists(os.path.join(run_dir, name)), name
    assert {label for _, label in recorded_pids(tmp_path)} == noted


def test_a_child_that_left_the_group_is_found_named_and_stopped(tmp_path, no_leftovers):
    status, text, _ = bench(tmp_path, *ECHO, "--bin", node("escapes_group.py"))
    assert status == 0, text
    assert "output pipes were still held open" in text
    assert "(sleep)" in text and "the bench killed it" in text
    assert len(recorded_pids(tmp_path)) == 4


def test_a_node_ignoring_sigterm_is_killed_and_named(tmp_path, no_leftovers):
    status, text, run_dir = bench(tmp_path, *ECHO, "--bin", node("ignores_sigterm.py"))
    assert status == 0, text
    assert "was still running 1 s after SIGTERM" in text
    assert "killed its process group with SIGKILL" in text
    problems = json.load(open(os.path.join(run_dir, "test.json")))["problems"]
    assert {p["kind"] for p in problems} == {"teardown"}      # a note, not a fault
    assert "node problems listed above are real" not in text


def _interrupt(tmp_path, script, signum):
    """Start a long run, wait until its nodes run, send `signum` to the bench alone."""
    env = {**os.environ, "HOSTILE_PIDS": str(tmp_path / "pids")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "glomers", *ECHO[:-4], "--time-limit", "60", "--seed", "1",
         "--bin", node(script), "--store", str(tmp_path / "store")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while len(recorded_pids(tmp_path)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)                      # let init finish and the first ops go
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out


@pytest.mark.parametrize("script, signum, status, word", [
    ("ignores_sigterm.py", signal.SIGINT, 130, "interrupted"),
    ("ignores_sigterm.py", signal.SIGTERM, 143, "terminated (SIGTERM)"),
    ("wrapper_no_exec.sh", signal.SIGINT, 130, "interrupted"),
    ("forks_child_with_pipes.py", signal.SIGTERM, 143, "terminated (SIGTERM)"),
])
def test_ctrl_c_and_sigterm_stop_every_node_process(tmp_path, no_leftovers, script, signum,
                                                    status, word):
    code, out = _interrupt(tmp_path, script, signum)
    assert code == status, out
    assert "Traceback" not in out
    last = out.strip().splitlines()[-1]
    assert last.startswith(word) and "the nodes were stopped" in last
    run_dir = os.path.realpath(tmp_path / "store" / "latest")
    test = json.load(open(os.path.join(run_dir, "test.json")))
    assert "no verdict" in test["interrupted"]


@pytest.mark.parametrize("script, status, last_words", [
    ("syntax_error.py", 1, "SyntaxError"),
    ("missing_module.py", 1, "No module named 'maelstrom_node_that_does_not_exist'"),
    ("exit3_before_init.py", 3, "giving up before init"),
])
def test_a_node_dying_before_init_is_named_at_once(tmp_path, no_leftovers, script, status,
                                                    last_words):
    code, text, run_dir = bench(tmp_path, *ECHO, "--bin", node(script))
    assert code == 255, text
    reason = [line for line in text.splitlines()
              if line.startswith("Maelstrom would abort this run before analysis")]
    assert len(reason) == 1, text
    assert f"exited with status {status} before answering init" in reason[0]
    assert last_words in reason[0]
    assert "did not answer init" not in text          # not the 10 s timeout
    assert not os.path.exists(os.path.join(run_dir, "results.edn"))


def _make(tmp_path, name, content, mode=0o755):
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(mode)
    return str(path)


@pytest.mark.parametrize("make, message", [
    (lambda tmp: node("."), "is a directory, not a program"),
    (lambda tmp: node("missing_interpreter.py"),
     "its #! line names /nonexistent/bin/python3, which does not exist"),
    (lambda tmp: node("no_shebang.py"), "has no #! line"),
    (lambda tmp: node("not_executable.py"), "is not executable: chmod +x it"),
    (lambda tmp: node("crlf_shebang.py"), "Windows line endings"),
    (lambda tmp: _make(tmp, "env_missing.py", b"#!/usr/bin/env no-such-interpreter-x1\n"),
     "runs no-such-interpreter-x1 through env, but no-such-interpreter-x1 is not on PATH"),
    (lambda tmp: _make(tmp, "dangling", b"", 0o644) and str(tmp / "nowhere.py"),
     "no such file"),
])
def test_a_bin_that_cannot_run_gets_one_line_before_the_run(tmp_path, make, message):
    status, text, run_dir = bench(tmp_path, *ECHO, "--bin", make(tmp_path))
    assert status == 254, text
    assert message in text
    assert len(text.strip().splitlines()) == 1 and "Traceback" not in text
    assert run_dir is None                              # refused before any run began


def test_a_binary_the_system_refuses_is_explained_at_start(tmp_path, no_leftovers):
    # Not text and no known binary header: only exec can tell, so it fails at start (255).
    fake = _make(tmp_path, "fake-binary", bytes(range(256)) * 4)
    status, text, _ = bench(tmp_path, *ECHO, "--bin", fake)
    assert status == 255, text
    assert "Exec format error" in text and "could not be started" in text
    assert "Traceback" not in text


def test_a_node_dying_during_the_workload_setup_is_named_at_once(tmp_path, no_leftovers):
    status, text, _ = bench(tmp_path, "test", "-w", "broadcast", "--node-count", "2",
                            "--time-limit", "2", "--seed", "1",
                            "--bin", node("exit_after_init.py"))
    assert status == 255, text
    assert "n0 exited with status 5 before finishing the workload's setup" in text
    assert "done after init" in text
    assert len(recorded_pids(tmp_path)) == 2


def test_a_node_that_stops_reading_its_stdin_cannot_grow_the_bench(tmp_path, no_leftovers):
    # n1 sends n0 20 MB; n0 reads nothing: the bench holds at most 16 MiB for it.
    status, text, _ = bench(tmp_path, *ECHO[:-4], "--time-limit", "3", "--seed", "1",
                            "--bin", node("stops_reading_stdin.py"))
    assert status in (0, 1), text
    assert "n0" in text and "stopped reading its stdin: 16 MiB of messages wait for it" in text
    assert "not well-formed JSON" not in text      # nothing read after teardown began
    assert len(recorded_pids(tmp_path)) == 2
