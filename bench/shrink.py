#!/usr/bin/env python3
"""Benchmark: how long `shrink` takes and how small a run it finds, per planted bug.

Each planted bug (tests/nodes/shrink/) starts from a failing run several times too big:
many nodes, a long time limit, a high rate. Per bug and seed: the size before and after, the
candidate runs the search made, and its wall-clock seconds (the search only: the final
replay into a run folder is not counted). Every run is seeded and in virtual time, so the
sizes replay exactly; the seconds depend on the machine.

    python3 bench/shrink.py [--seeds 3] [--budget 300]
"""

import argparse
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import cli, shrink  # noqa: E402
from glomers.main import load_workload  # noqa: E402

PLANTED = os.path.join(ROOT, "tests", "nodes", "shrink")
BUGS = {
    "broadcast tells once (partition)": (
        None, ["-w", "broadcast", "--bin", os.path.join(PLANTED, "broadcast_tell_once.py"),
               "--node-count", "10", "--time-limit", "60", "--rate", "50",
               "--nemesis", "partition", "--latency", "20"]),
    "counter forgets an add": (
        None, ["-w", "g-counter", "--bin", os.path.join(PLANTED, "counter_lost_update.py"),
               "--node-count", "10", "--time-limit", "60", "--rate", "50", "--latency", "20"]),
    "txn intermediate write": (
        "Elle G1b", ["-w", "txn-rw-register", "--bin",
                     os.path.join(PLANTED, "txn_slow_writes.py"), "--node-count", "5",
                     "--concurrency", "2n", "--time-limit", "60", "--rate", "50",
                     "--consistency-models", "read-committed"]),
    "kafka local logs": (
        None, ["-w", "kafka", "--bin", os.path.join(PLANTED, "kafka_local_log.py"),
               "--node-count", "5", "--concurrency", "2n", "--time-limit", "60",
               "--rate", "50"]),
}


def base_options(argv, seed, store):
    """The options of a `test` command line, in virtual time."""
    _, ns = cli.parse(["test", *argv, "--seed", str(seed), "--virtual-time", "--quiet",
                       "--no-pictures", "--store", store])
    return cli.test_options(ns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=300)
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="bench-shrink-")
    print(f"{'planted bug':34} {'seed':>4}  {'from':45}  {'to':45} {'runs':>5} {'seconds':>8}")
    for name, (keep, argv) in BUGS.items():
        seconds = []
        for seed in range(1, args.seeds + 1):
            base = base_options(argv, seed, store)
            workload = load_workload(base["workload"])
            try:
                result = shrink.Shrinker(base, workload, args.budget, keep,
                                         report=lambda line: None).run()
            except shrink.NothingToShrink:
                print(f"{name:34} {seed:>4}  (this seed does not fail)")
                continue
            seconds.append(result.seconds)
            ended = "" if result.ended == "done" else f" ({result.ended})"
            print(f"{name:34} {seed:>4}  {_short(result.baseline):45}  "
                  f"{_short(result.best):45} {result.runs:>5} {result.seconds:>8.1f}{ended}",
                  flush=True)
        if seconds:
            print(f"{'':34} median {statistics.median(seconds):.1f} s; "
                  f"still {result.target}", flush=True)


def _short(attempt):
    """'12 ops, 3 nodes, 1 partition, 5 s' (the size without rate and threads)."""
    return ", ".join(attempt.size().split(", ")[:-2])


if __name__ == "__main__":
    main()
