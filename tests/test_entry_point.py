"""`python3 -m glomers` ends without the interpreter's teardown: the status, the console
and the exit handlers must come through as with a normal exit."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The entry point as `-m` runs it, with an exit handler registered before it, and a last
# console line left unflushed in a buffer (stdout is a pipe here, so block-buffered).
LAUNCH = """
import atexit, runpy, sys
atexit.register(lambda: print("exit handler ran", file=sys.stderr, flush=True))
sys.argv = ["glomers", *sys.argv[1:]]
print("printed before the bench", end="")
runpy.run_module("glomers", run_name="__main__", alter_sys=True)
"""


def launch(*args):
    return subprocess.run([sys.executable, "-c", LAUNCH, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_run_exits_with_its_status_its_whole_console_and_the_exit_handlers(tmp_path):
    proc = launch("test", "-w", "echo", "--bin", "echo.py", "--node-count", "1",
                  "--time-limit", "1", "--virtual-time", "--seed", "1", "--no-pictures",
                  "--store", str(tmp_path / "store"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("printed before the bench")
    assert "Everything looks good!" in proc.stdout
    assert proc.stderr.endswith("exit handler ran\n")


def test_a_usage_error_keeps_its_status_and_message():
    proc = launch("test", "--no-such-flag")
    assert proc.returncode == 254, proc.returncode
    assert "no-such-flag" in proc.stderr
    assert proc.stdout == "printed before the bench"
    assert proc.stderr.endswith("exit handler ran\n")
