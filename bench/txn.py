#!/usr/bin/env python3
"""Benchmark: txn.py under challenge 6c (read committed, total availability, partitions).

Runs the published 6c command on the offline bench for several seeds (virtual time by
default, so a 20 s test takes seconds and each seed replays exactly) and reports, with
median / min / max over the runs: the verdict, the ok-fraction, the servers' messages per
op (replication is batched, so this should stay far below 1) and the largest replicate
message in entries (it grows when a partition holds entries back). Not a test: it only
prints figures.

    python3 bench/txn.py [--runs 20] [--seed 1] [--process]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(seed, virtual, store):
    """One 6c run; returns its results map and the largest replicate batch it sent."""
    argv = [sys.executable, "-m", "glomers", "challenge", "6c", "--seed", str(seed),
            "--store", store, "--quiet"]
    if virtual:
        argv.append("--virtual-time")
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = os.path.realpath(os.path.join(store, "latest"))
    with open(os.path.join(run_dir, "results.json")) as f:
        results = json.load(f)
    largest = 0
    with open(os.path.join(run_dir, "journal.jsonl")) as f:
        for line in f:
            event = json.loads(line)
            if event["event"] == "send" and event["body"].get("type") == "replicate":
                largest = max(largest, len(event["body"]["entries"]))
    return results, largest


def spread(values):
    """'median (min .., max ..)' of a list of numbers."""
    def show(x):
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.4g}"
    return f"{show(statistics.median(values))} (min {show(min(values))}, " \
        f"max {show(max(values))})"


def main():
    """Run the seeds one after the other and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--process", action="store_true",
                        help="run the nodes as processes in real time (20 s per run)")
    args = parser.parse_args()

    valid, ok_fractions, server_mpo, ops, largest = 0, [], [], [], []
    with tempfile.TemporaryDirectory() as store:
        for seed in range(args.seed, args.seed + args.runs):
            results, batch = run_once(seed, not args.process, store)
            valid += results["valid?"] is True
            ok_fractions.append(results["availability"]["ok-fraction"])
            server_mpo.append(results["net"]["servers"]["msgs-per-op"])
            ops.append(results["stats"]["count"])
            largest.append(batch)
            print(f"seed {seed}: valid? {results['valid?']}, "
                  f"anomalies {list(results['workload'].get('anomaly-types', []))}, "
                  f"ok-fraction {ok_fractions[-1]}, server msgs-per-op {server_mpo[-1]:.4f}",
                  flush=True)
    mode = "nodes as processes, real time" if args.process else "virtual time"
    print(f"\ntxn.py, challenge 6c, {args.runs} runs ({mode}, seeds {args.seed}.."
          f"{args.seed + args.runs - 1})")
    print(f"  valid runs               {valid} of {args.runs}")
    print(f"  ok-fraction              {spread(ok_fractions)}")
    print(f"  server msgs-per-op       {spread(server_mpo)}")
    print(f"  ops per run              {spread(ops)}")
    print(f"  largest replicate batch  {spread(largest)} entries")


if __name__ == "__main__":
    main()
