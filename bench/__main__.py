"""`make bench`: every benchmark in turn, each printing its own figures.

    python3 -m bench            all of them
    python3 -m bench modes txn  only those named (file names without .py)

It says first how long the whole will take: each benchmark's last duration on this machine
(kept in store/bench-times.json), or else an estimate for an idle 2-core machine. Ctrl-C
stops the benchmark running and every process it started, and skips the rest, with no
traceback (exit 130).
"""

import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORDER = ["speed", "echo_throughput", "modes", "broadcast", "counter", "kafka", "txn",
         "linearizability", "faults", "shrink"]
TIMES = os.path.join(ROOT, "store", "bench-times.json")
INTERRUPTED = 130

# Seconds each takes with its defaults on an idle 2-core machine, from the per-run figures
# in the README (e.g. modes: every part once as processes, about 7 minutes, and three
# virtual-time seeds of each, about 3).
ESTIMATES = {"speed": 240, "echo_throughput": 20, "modes": 600, "broadcast": 150,
             "counter": 60, "kafka": 70, "txn": 150, "linearizability": 120, "faults": 300,
             "shrink": 240}


def _minutes(seconds):
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _load_times():
    try:
        with open(TIMES, encoding="utf-8") as f:
            times = json.load(f)
        return times if isinstance(times, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_times(times):
    try:
        os.makedirs(os.path.dirname(TIMES), exist_ok=True)
        with open(TIMES, "w", encoding="utf-8") as f:
            json.dump(times, f, indent=1)
    except OSError:
        pass        # the figures matter, the estimate for next time does not


def _expected(name, times):
    """(seconds, where the figure comes from) for one benchmark."""
    if isinstance(times.get(name), (int, float)):
        return times[name], "last run here"
    return ESTIMATES.get(name, 60), "estimate"


def _stop(proc):
    """Stop a benchmark and everything it started (its own process group)."""
    for signum, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, signum)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def main(names):
    chosen = names or [n for n in ORDER if os.path.exists(os.path.join(HERE, n + ".py"))]
    for name in chosen:
        if not os.path.exists(os.path.join(HERE, name + ".py")):
            print(f"no benchmark named {name!r} (have: {', '.join(ORDER)})", file=sys.stderr)
            return 2
    times = _load_times()
    total = sum(_expected(name, times)[0] for name in chosen)
    print(f"{len(chosen)} benchmark(s): {', '.join(chosen)}; about {_minutes(total)} in all "
          "(the last run here where known, else an estimate for an idle 2-core machine; "
          "longer under load). Ctrl-C stops them.", flush=True)
    status = 0
    for name in chosen:
        seconds, source = _expected(name, times)
        print(f"\n===== bench/{name}.py (about {_minutes(seconds)}, {source})", flush=True)
        started = time.monotonic()
        # Its own session: Ctrl-C reaches only this process, which then stops the whole
        # group quietly instead of every child printing a KeyboardInterrupt traceback.
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, name + ".py")], cwd=ROOT,
                                start_new_session=True)
        try:
            returncode = proc.wait()
        except KeyboardInterrupt:
            _stop(proc)
            rest = chosen[chosen.index(name) + 1:]
            print(f"\ninterrupted: bench/{name}.py stopped"
                  + (f"; not run: {', '.join(rest)}" if rest else ""), file=sys.stderr)
            return INTERRUPTED
        took = time.monotonic() - started
        print(f"===== bench/{name}.py took {_minutes(took)}", flush=True)
        if returncode == 0:
            times[name] = round(took)
            _save_times(times)
        status = max(status, returncode)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:        # between benchmarks, or while reading the times
        print("\ninterrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)
