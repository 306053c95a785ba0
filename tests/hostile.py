"""Helpers for the hostile-node tests: run the bench as a user would, and check afterwards
that it left no process behind.

The hostile nodes in tests/nodes/hostile/ note every pid they start in the file named by
$HOSTILE_PIDS (see pids.py there); `left_running` reads it back. A zombie counts as gone:
it no longer runs, and whether it is reaped is up to its new parent (often init).
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = os.path.join(ROOT, "tests", "nodes", "hostile")
TIMEOUT = 180      # generous: a bound on hanging, not a speed requirement


def node(name):
    """The path of a hostile node script."""
    return os.path.join(HOSTILE, name)


def bench(tmp_path, *args, env=None, quiet=True, timeout=TIMEOUT):
    """Run `python3 -m glomers ARGS --store tmp/store`; return (exit status, console text,
    run folder or None). Hostile nodes note their pids in tmp/pids."""
    store = str(tmp_path / "store")
    environment = {**os.environ, "HOSTILE_PIDS": str(tmp_path / "pids"), **(env or {})}
    command = [sys.executable, "-m", "glomers", *args, "--store", store]
    if quiet:
        command.append("--quiet")
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=environment, stdin=subprocess.DEVNULL)
    latest = os.path.join(store, "latest")
    run_dir = os.path.realpath(latest) if os.path.exists(latest) else None
    return proc.returncode, proc.stdout + proc.stderr, run_dir


def recorded_pids(tmp_path):
    """[(pid, label)] noted by hostile nodes during the test."""
    path = tmp_path / "pids"
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text().splitlines():
        pid, _, label = line.partition(" ")
        pairs.append((int(pid), label))
    return pairs


def running(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
        return state != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def left_running(tmp_path):
    """The recorded processes still running: the bench must leave none."""
    return [(pid, label) for pid, label in recorded_pids(tmp_path) if running(pid)]


def kill_leftovers(tmp_path):
    """Clean up after a failed test, so one failure does not leave processes around."""
    for pid, _ in left_running(tmp_path):
        try:
            os.kill(pid, 9)
        except OSError:
            pass


@pytest.fixture
def no_leftovers(tmp_path):
    """Fail the test if a noted process survives it, and clean up either way (import this
    fixture into a test module to use it)."""
    yield
    survivors = left_running(tmp_path)
    kill_leftovers(tmp_path)
    assert survivors == [], f"processes left running: {survivors}"
