"""Hostile scripts under --virtual-time, where node code runs inside the bench's own process.

Whatever a script raises (SystemExit, KeyboardInterrupt, any BaseException) at import, in
serve(), in a handler, a task or a loop callback never escapes the bench: the node is a
crashed node, the bench exits 255 with one line naming the script and the exception, and
the traceback is in that node's log. Exit 0, 1 or 2 only ever comes with a verdict written.
"""

import os

import pytest

from hostile import bench, node

# Frames of the bench's own code (glomers/...py) must never show in what a node's crash prints.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.path.join(ROOT, "glomers") + os.sep

VIRTUAL = ("test", "-w", "echo", "--node-count", "2", "--time-limit", "3", "--virtual-time")
ABORT_LINES = ("Maelstrom would abort this run before", "The bench gave this run up",
               "But Maelstrom would abort")


def _reason(text):
    lines = [line for line in text.splitlines() if line.startswith(ABORT_LINES)]
    assert len(lines) == 1, text
    return lines[0]


def _check_log(run_dir, node_id, exception):
    log = open(os.path.join(run_dir, "node-logs", f"{node_id}.log")).read()
    assert "Traceback (most recent call last)" in log and exception in log
    assert BENCH_DIR not in log                   # the node's frames, not the bench's


@pytest.mark.parametrize("script, words", [
    ("exit0_in_serve.py", "raised sys.exit(0) in serve()"),
    ("name_error_at_import.py", "raised NameError: name 'echo_handler' is not defined at import"),
    ("value_error_in_serve.py", "raised ValueError: serve refuses to start in serve()"),
    ("run_at_module_level.py", "belongs under `if __name__ == \"__main__\":`"),
])
def test_a_script_that_cannot_start_is_a_crash_named_in_one_line(tmp_path, script, words):
    status, text, run_dir = bench(tmp_path, *VIRTUAL, "--seed", "1", "--bin", node(script))
    assert status == 255, text
    reason = _reason(text)
    assert f"n0 could not be started: {script} " in reason and words in reason
    assert f"the traceback is in node-logs/n0.log" in reason
    assert "glomers/" not in text                  # no bench traceback on the console
    _check_log(run_dir, "n0", words.split()[1].rstrip(":") if "raised" in words else "Error")
    assert not os.path.exists(os.path.join(run_dir, "results.edn"))


def test_run_at_module_level_does_not_take_the_bench_stdout(tmp_path):
    # run(serve) at import moves fd 1 to stderr before it fails; the bench puts it back,
    # so the verdict still reaches stdout.
    import subprocess
    import sys
    from hostile import ROOT
    proc = subprocess.run([sys.executable, "-m", "glomers", *VIRTUAL, "--seed", "1", "--bin",
                           node("run_at_module_level.py"), "--store", str(tmp_path), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 255
    assert "Maelstrom would abort this run before analysis" in proc.stdout
    # Warnings the failed run() leaves behind go to the node's log, not raw to the console.
    assert "Enable tracemalloc" not in proc.stdout + proc.stderr
    assert BENCH_DIR not in proc.stdout + proc.stderr


@pytest.mark.parametrize("script, words, exception", [
    ("exit4_in_handler.py", "raised sys.exit(4) while handling a message", "SystemExit: 4"),
    ("keyboard_interrupt_in_task.py", "raised KeyboardInterrupt in a task", "KeyboardInterrupt"),
    ("base_exception_in_callback.py", "raised Bail: bailing out of a loop callback in a callback",
     "Bail"),
    ("exit_in_periodic_task.py", "raised sys.exit(2) in a task", "SystemExit: 2"),
])
def test_a_node_that_exits_mid_run_is_a_crash(tmp_path, script, words, exception):
    status, text, run_dir = bench(tmp_path, *VIRTUAL, "--seed", "1", "--bin", node(script))
    assert status == 255, text
    assert f"{script} {words}" in _reason(text) and "crashed" in _reason(text)
    assert f"✗ n0 at " in text and f"the traceback is in node-logs/n0.log" in text
    _check_log(run_dir, "n0", exception)
    assert os.path.exists(os.path.join(run_dir, "history.edn"))


def test_a_crash_under_seeds_fails_every_seed_with_its_reason(tmp_path):
    status, text, _ = bench(tmp_path, *VIRTUAL, "--seed", "5", "--seeds", "2", "--bin",
                            node("exit0_in_serve.py"))
    assert status == 255, text
    for seed in (5, 6):
        line = next(l for l in text.splitlines() if l.startswith(f"seed {seed}:"))
        assert "ABORTED (exit 255)" in line and "exit0_in_serve.py raised sys.exit(0)" in line
    assert "0 of 2 seeds valid" in text


def test_a_program_without_the_library_is_sent_to_process_mode(tmp_path):
    nodes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nodes")
    status, text, run_dir = bench(tmp_path, *VIRTUAL, "--seed", "1", "--bin",
                                  os.path.join(nodes, "crash_midrun.py"))
    assert status == 254, text
    assert "does not use maelstrom_node.py" in text and "run it without --virtual-time" in text
    assert len(text.strip().splitlines()) == 1 and run_dir is None


def test_a_script_that_only_mentions_the_library_fails_at_start(tmp_path):
    # It reads stdin at module level: the bench gives it an empty stdin, never its own.
    status, text, _ = bench(tmp_path, *VIRTUAL, "--seed", "1", "--bin",
                            node("reads_stdin_no_serve.py"))
    assert status == 255, text
    assert "has no serve(node) function" in text and "without --virtual-time" in text


@pytest.mark.parametrize("script", ["livelock.py", "yield_forever.py"])
def test_work_that_never_waits_cannot_freeze_the_virtual_clock(tmp_path, script):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--node-count", "1",
                                  "--time-limit", "2", "--virtual-time", "--seed", "1",
                                  "--bin", node(script))
    assert status == 255, text
    assert "the clock did not move for 100,000 loop steps" in _reason(text)
    assert "without --virtual-time" in _reason(text)
    assert os.path.exists(os.path.join(run_dir, "history.edn"))


@pytest.mark.parametrize("signum, status, word", [
    ("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated (SIGTERM)")])
def test_a_handler_that_never_returns_still_yields_to_ctrl_c(tmp_path, signum, status, word):
    # The first signal cannot be acted on while node code spins; the second lands inside
    # that code and must stop the bench, not pass for the node's own crash.
    import signal
    import subprocess
    import sys
    import time
    from hostile import ROOT, TIMEOUT, recorded_pids
    proc = subprocess.Popen(
        [sys.executable, "-m", "glomers", "test", "-w", "echo", "--node-count", "1",
         "--time-limit", "5", "--virtual-time", "--seed", "1", "--store", str(tmp_path),
         "--bin", node("busy_handler.py")],
        cwd=ROOT, env={**os.environ, "HOSTILE_PIDS": str(tmp_path / "pids")},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not recorded_pids(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(2):
            time.sleep(0.5)
            proc.send_signal(getattr(signal, signum))
        out, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, out
    assert "Traceback" not in out
    assert out.strip().splitlines()[-1].startswith(word)
