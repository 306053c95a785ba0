#!/usr/bin/env python3
"""Benchmark: kafka_log.py on the 5b/5c command (and 5a), over several seeds.

For each part it runs the published command and reports servers msgs-per-op (KV traffic
would count too; this design uses none), the availability ok-fraction and the stable
op latency (p50, max, over :ok sends and polls) as median, min and max over the runs, plus
how many runs were valid. Not a test: the figures depend on the seeds and, in process
mode, on the machine.

    python3 bench/kafka.py [--runs 5] [--seed 1] [--parts 5b,5a] [--process] [--store DIR]

Virtual time (in-process nodes on the bench's clock) is the default: fast and replayable.
"""

import argparse
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import challenges, cli, edn  # noqa: E402
from glomers.main import run_test  # noqa: E402


def op_latencies(history):
    """Milliseconds from invocation to :ok completion of every send and poll."""
    open_ops, latencies = {}, []
    for op in history:
        if op["f"] not in ("send", "poll"):
            continue
        if op["type"] == "invoke":
            open_ops[op["process"]] = op["time"]
        elif op["process"] in open_ops:
            start = open_ops.pop(op["process"])
            if op["type"] == "ok":
                latencies.append((op["time"] - start) / 1e6)
    return sorted(latencies)


def run_once(part, seed, virtual, store):
    """One run; returns (valid?, msgs-per-op, ok-fraction, p50 ms, max ms)."""
    argv = challenges.argv(part) + ["--seed", str(seed), "--store", store, "--quiet"]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    results = outcome.results or {}
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    latencies = op_latencies(history) or [0.0]
    return (outcome.exit_status == 0,
            float(results.get("net", {}).get("servers", {}).get("msgs-per-op", 0.0)),
            float(results.get("availability", {}).get("ok-fraction", 0.0)),
            statistics.median(latencies), latencies[-1])


def spread(values, digits):
    """'median (min-max)' of a list of numbers."""
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parts", default="5b,5a")
    parser.add_argument("--process", action="store_true", help="real node processes")
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    store = args.store or tempfile.mkdtemp(prefix="bench-kafka-")
    all_valid = True
    for part in args.parts.split(","):
        clock = "process mode (real time)" if args.process else "virtual time"
        print(f"\n{part}, {clock}: python3 -m glomers challenge {part}"
              f"{'' if args.process else ' --virtual-time'} --seed N", flush=True)
        rows = []
        for seed in range(args.seed, args.seed + args.runs):
            row = run_once(part, seed, not args.process, store)
            rows.append(row)
            print(f"  seed {seed}: {'valid' if row[0] else 'NOT VALID'}, msgs-per-op "
                  f"{row[1]:.3f}, ok-fraction {row[2]:.5f}, latency p50 {row[3]:.1f} ms, "
                  f"max {row[4]:.1f} ms", flush=True)
        valid = sum(r[0] for r in rows)
        all_valid &= valid == len(rows)
        print(f"  {part} over {len(rows)} runs, median (min-max): "
              f"msgs-per-op {spread([r[1] for r in rows], 3)}, "
              f"ok-fraction {spread([r[2] for r in rows], 5)}, "
              f"latency p50 {spread([r[3] for r in rows], 1)} ms, "
              f"max {spread([r[4] for r in rows], 1)} ms; valid {valid}/{len(rows)}")
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main())
