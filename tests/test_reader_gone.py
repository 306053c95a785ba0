"""A reader of the console that goes away (`glomers ... | head`) ends the run at once, with
exit 141 and every node stopped, whichever line met the closed pipe: a progress line written
by a client's task, a header, the report. Without this a write failing inside a client's
task killed that task and left the run waiting for it forever (virtual time went on with
the nodes' timers)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BROKEN_PIPE = 141


def _read_then_leave(tmp_path, lines, *flags):
    """Start the bench with stdout and stderr on one pipe, read `lines` lines, close it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "glomers", *flags, "--store", str(tmp_path / "store")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = [proc.stdout.readline() for _ in range(lines)]
    proc.stdout.close()
    try:
        status = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return status, b"".join(seen).decode()


@pytest.mark.parametrize("lines", [2, 4, 6])
def test_a_reader_leaving_mid_run_in_virtual_time_ends_it_with_141(tmp_path, lines):
    # 5a's 20,000 ops take several seconds of wall time: the reader leaves while clients run.
    status, seen = _read_then_leave(tmp_path, lines, "challenge", "5a", "--virtual-time",
                                    "--seed", "1", "--no-pictures")
    assert status == BROKEN_PIPE, seen
    assert seen.startswith("== challenge 5a")


def test_a_reader_leaving_mid_run_stops_the_node_processes(tmp_path):
    status, seen = _read_then_leave(tmp_path, 6, "test", "-w", "broadcast", "--bin",
                                    os.path.join(ROOT, "broadcast.py"), "--node-count", "3",
                                    "--time-limit", "20", "--rate", "10", "--seed", "1",
                                    "--no-pictures")
    assert status == BROKEN_PIPE, seen
    # the log still has what the console was meant to show, and no node outlived the bench
    run_dir = os.path.realpath(tmp_path / "store" / "latest")
    assert "run folder:" in open(os.path.join(run_dir, "jepsen.log")).read()
    assert not _processes_working_in(run_dir)


def _processes_working_in(folder):
    """Ids of the processes whose working directory is inside `folder` (node processes
    work in their run folder's node-tmp)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(folder + os.sep):
            found.append(pid)
    return found
