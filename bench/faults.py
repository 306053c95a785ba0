#!/usr/bin/env python3
"""Benchmark: what kills cost each challenge part (virtual time, medians over seeds).

For each part: its published command, then the same with `kill` added to its --nemesis set
(`--availability total` dropped: any request to a dead node breaks it), at
--nemesis-interval 5. Per run: the verdict, server msgs-per-op, the fraction of ops that
completed ok (the rest timed out against a dead node, mostly), the op latency median and 99th
percentile (ok ops, invocation to completion; 0 in parts without --latency, since virtual
time costs nothing else) and, for broadcast, the stable-latency median; each figure is the
median over the seeds. Every run is seeded and in virtual time,
so the table replays exactly.

    python3 bench/faults.py [--parts 1,2,3b] [--seeds 3] [--interval 5]
"""

import argparse
import os
import shlex
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import challenges, cli, edn, main  # noqa: E402


class _Null:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def argv(part, kill, interval, store, seed):
    """The part's published flags, with kill added to its nemesis when asked."""
    words = shlex.split(challenges.PARTS[part][2])
    if kill:
        if "--availability" in words:
            at = words.index("--availability")
            del words[at:at + 2]
        faults = ["kill"]
        if "--nemesis" in words:
            at = words.index("--nemesis")
            faults.append(words.pop(at + 1))
            words.pop(at)
        words += ["--nemesis", ",".join(faults), "--nemesis-interval", str(interval)]
    return ["test", *words, "--bin", challenges.script_path(part), "--virtual-time",
            "--quiet", "--no-pictures", "--store", store, "--seed", str(seed)]


def latencies(history):
    """Milliseconds from invocation to ok completion of every client op."""
    started, found = {}, []
    for op in history:
        if op["process"] == "nemesis":
            continue
        if op["type"] == "invoke":
            started[op["process"]] = op["time"]
        elif op["type"] == "ok" and op["process"] in started:
            found.append((op["time"] - started.pop(op["process"])) / 1e6)
        else:
            started.pop(op["process"], None)
    return found


def one_run(args):
    """(exit status, msgs-per-op, ok-fraction, latency p50 ms, p99 ms, stable-latency
    median ms)."""
    _, ns = cli.parse(args)
    outcome = main.run_test(cli.test_options(ns), out=_Null())
    results = outcome.results or {}
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    times = sorted(latencies(history))
    p50 = statistics.median(times) if times else None
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else None
    stable = (results.get("workload") or {}).get("stable-latencies", {}).get(0.5)
    msgs = (results.get("net") or {}).get("servers", {}).get("msgs-per-op")
    ok = (results.get("availability") or {}).get("ok-fraction")
    return outcome.exit_status, msgs, ok, p50, p99, stable


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def main_():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(challenges.available()))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0)
    args = parser.parse_args()
    print(f"kill at --nemesis-interval {args.interval:g}; medians over {args.seeds} seed(s); "
          "exits per seed (0 valid, 1 invalid); latencies in ms")
    print(f"{'part':13} {'faults':8} {'exits':6} {'msgs/op':>8} {'ok':>6} {'p50':>8} "
          f"{'p99':>8} {'stable p50':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts.split(","):
            for kill in (False, True):
                runs = [one_run(argv(part, kill, args.interval, tmp, seed))
                        for seed in range(1, args.seeds + 1)]
                exits = "".join(str(run[0]) for run in runs)
                msgs, ok, p50, p99, stable = (median(run[i] for run in runs)
                                              for i in range(1, 6))
                print(f"{part:13} {'+kill' if kill else 'as is':8} {exits:6} "
                      f"{fmt(msgs, 3):>8} {fmt(ok, 3):>6} {fmt(p50):>8} {fmt(p99):>8} "
                      f"{fmt(stable, 0):>10}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
