"""`make bench` (python3 -m bench): says how long it will take, and Ctrl-C stops it and every
process it started, without a traceback."""

import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_announces_its_duration_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-m", "bench", "echo_throughput"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    first = proc.stdout.readline()
    assert first.startswith("1 benchmark(s): echo_throughput; about "), first
    assert "Ctrl-C stops them" in first
    while "===== bench/echo_throughput.py (about " not in proc.stdout.readline():
        pass
    time.sleep(1.0)                 # the benchmark is under way
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "interrupted: bench/echo_throughput.py stopped" in err
    assert "Traceback" not in out + err
    # Nothing it started is left running.
    script = os.path.join(ROOT, "bench", "echo_throughput.py").encode()
    assert not [pid for pid in os.listdir("/proc") if pid.isdigit() and _cmdline_has(pid, script)]


def test_bench_refuses_an_unknown_name():
    proc = subprocess.run([sys.executable, "-m", "bench", "nonesuch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no benchmark named 'nonesuch'" in proc.stderr


def _cmdline_has(pid, text):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return text in f.read()
    except OSError:
        return False
