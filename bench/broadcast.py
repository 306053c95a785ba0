#!/usr/bin/env python3
"""Benchmark: broadcast.py's two modes on the 3d/3e command, over several seeds.

For each mode (batch, the default, and direct, the latency-first one) it runs the published
3d/3e command (25 nodes, rate 100, latency 100, 20 s) and reports servers msgs-per-op and
stable latency p50 / p95 / max as median, min and max over the runs; then it runs the same
command with `--nemesis partition` and counts the valid runs. Not a test: the figures
depend on the seeds and, in process mode, on the machine.

    python3 bench/broadcast.py [--runs 5] [--partition-runs 10] [--process | --both]
                               [--seed 1] [--store DIR]

Virtual time (in-process nodes on the bench's clock) is the default: fast and replayable.
--process runs real node processes in real time, --both does one after the other.
"""

import argparse
import contextlib
import os
import shlex
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from broadcast import MODE_VARIABLE  # noqa: E402
from glomers import challenges, cli  # noqa: E402
from glomers.main import run_test  # noqa: E402

MODES = ("batch", "direct")


def run_once(mode, seed, virtual, store, partition):
    """One run of the 3d command; returns (valid?, msgs-per-op, {quantile: ms})."""
    argv = challenges.argv("3d")
    if partition:
        argv += ["--nemesis", "partition"]
    if virtual:
        argv.append("--virtual-time")
    argv += ["--seed", str(seed), "--store", store, "--quiet"]
    _, ns = cli.parse(argv)
    previous = os.environ.get(MODE_VARIABLE)
    os.environ[MODE_VARIABLE] = mode   # in-process nodes and child processes both read it
    try:
        with open(os.devnull, "w") as null:
            outcome = run_test(cli.test_options(ns), out=null)
    finally:
        if previous is None:
            os.environ.pop(MODE_VARIABLE, None)
        else:
            os.environ[MODE_VARIABLE] = previous
    results = outcome.results or {}
    mpo = results.get("net", {}).get("servers", {}).get("msgs-per-op")
    latencies = results.get("workload", {}).get("stable-latencies") or {}
    return outcome.exit_status == 0, mpo, latencies


def spread(values):
    """'median (min-max)' of a list of numbers."""
    fmt = (lambda v: f"{v:.2f}") if any(isinstance(v, float) for v in values) else str
    return (f"{fmt(statistics.median(values))} "
            f"({fmt(min(values))}-{fmt(max(values))})")


def bench_mode(mode, args, virtual, store):
    """Print one mode's figures and its partition validity count."""
    clock = "virtual time" if virtual else "process mode (real time)"
    print(f"\n{mode} mode, {clock}: BROADCAST_MODE={mode} python3 -m glomers "
          f"{shlex.join(challenges.argv('3d', 'broadcast.py'))}"
          f"{' --virtual-time' if virtual else ''} --seed N", flush=True)
    figures = {"msgs-per-op": [], "p50": [], "p95": [], "max": []}
    valid = 0
    for seed in range(args.seed, args.seed + args.runs):
        ok, mpo, lat = run_once(mode, seed, virtual, store, partition=False)
        valid += ok
        print(f"  seed {seed}: {'valid' if ok else 'NOT VALID'}, msgs-per-op {mpo:.3f}, "
              f"p50 {lat.get(0.5)} p95 {lat.get(0.95)} max {lat.get(1)} ms", flush=True)
        for name, value in (("msgs-per-op", mpo), ("p50", lat.get(0.5)),
                            ("p95", lat.get(0.95)), ("max", lat.get(1))):
            if value is not None:
                figures[name].append(value)
    if args.runs:
        print(f"  over {args.runs} runs ({valid} valid), median (min-max):")
        for name, values in figures.items():
            unit = "" if name == "msgs-per-op" else " ms"
            print(f"    {name:12} {spread(values) if values else 'n/a'}{unit}")
    partition_valid = 0
    for seed in range(args.seed, args.seed + args.partition_runs):
        ok, _, _ = run_once(mode, seed, virtual, store, partition=True)
        partition_valid += ok
        if not ok:
            print(f"  --nemesis partition seed {seed}: NOT VALID (run folders under {store})")
    print(f"  with --nemesis partition: {partition_valid} of {args.partition_runs} runs valid",
          flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per mode (default 5)")
    parser.add_argument("--partition-runs", type=int, default=10,
                        help="runs per mode with --nemesis partition (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    clock = parser.add_mutually_exclusive_group()
    clock.add_argument("--process", action="store_true",
                       help="real node processes in real time instead of virtual time")
    clock.add_argument("--both", action="store_true", help="virtual time, then process mode")
    parser.add_argument("--modes", default=",".join(MODES),
                        help="comma-separated modes to run (default batch,direct)")
    parser.add_argument("--store", help="keep run folders here (default: a temporary folder)")
    args = parser.parse_args()
    clocks = [True, False] if args.both else [not args.process]
    with contextlib.ExitStack() as stack:
        store = args.store or stack.enter_context(tempfile.TemporaryDirectory())
        for virtual in clocks:
            for mode in args.modes.split(","):
                bench_mode(mode, args, virtual, store)


if __name__ == "__main__":
    main()
