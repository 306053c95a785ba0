#!/usr/bin/env python3
"""Benchmark: how long the lin-kv linearizability check takes, and where it gives up.

Part 1, Maelstrom's own histories: the lin-kv workload with 5 nodes, 30 s, rate 200 and
concurrency 2n, 4n, ... 10n, run on the bench in virtual time against
tests/nodes/lin_kv_flaky.py (a correct proxy to the lin-kv service that drops one write or
cas reply in ten, so every key also carries indeterminate ops, the expensive kind). Each
history is then checked again in this process, timed (CPU seconds, median of --repeat),
next to its size: ops, keys, acknowledged and indeterminate ops, the largest key.

Part 2, where it gives :unknown: Maelstrom's generator keeps 2N = 10 threads on a key
however large --concurrency is (more threads make more keys, not busier ones), so part 1
never gets near the search budget. Part 2 widens one key instead: W writes all
concurrent with W reads of random values, then a read of a value nobody wrote. Proving
that invalid means trying a large share of the W! x W! orders; the table shows the steps
and time as W grows, and the first W whose answer is :unknown at the default budget.

    python3 bench/linearizability.py [--seed 1] [--repeat 3] [--widths 4-11]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import edn                                   # noqa: E402
from glomers.checkers import lin_kv, linearizable         # noqa: E402
from glomers.edn import Keyword as K                      # noqa: E402

NODE = os.path.join(ROOT, "tests", "nodes", "lin_kv_flaky.py")


def lin_kv_history(concurrency, seed, store):
    """Run lin-kv once on the bench; its history."""
    argv = [sys.executable, "-m", "glomers", "test", "-w", "lin-kv", "--bin", NODE,
            "--node-count", "5", "--concurrency", concurrency, "--time-limit", "30",
            "--rate", "200", "--virtual-time", "--seed", str(seed), "--store", store,
            "--quiet"]
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return edn.read_history(os.path.join(os.path.realpath(os.path.join(store, "latest")),
                                         "history.edn"))


def timed(check, repeat):
    """(result, median CPU seconds) of `check()` run `repeat` times."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = check()
        times.append(time.process_time() - start)
    return result, statistics.median(times)


def part1(seed, repeat):
    print("Part 1: lin-kv histories, 5 nodes, 30 s, rate 200 (tests/nodes/lin_kv_flaky.py)")
    print(f"{'concurrency':>11} {'ops':>6} {'keys':>5} {'ok':>6} {'info':>5} "
          f"{'largest key':>11} {'check (s)':>9} {'ops/s':>7}  verdict")
    with tempfile.TemporaryDirectory() as store:
        for n in (2, 4, 6, 8, 10):
            history = lin_kv_history(f"{n}n", seed, store)
            client = [op for op in history if op.get("process") != "nemesis"]
            done = [op for op in client if op["type"] != "invoke"]
            keys = lin_kv.history_keys(history)
            largest = max(len(lin_kv.subhistory(history, k)) for k in keys)
            result, seconds = timed(lambda: lin_kv.check(history), repeat)
            print(f"{f'{n}n':>11} {len(client):>6} {len(keys):>5} "
                  f"{sum(op['type'] == 'ok' for op in done):>6} "
                  f"{sum(op['type'] == 'info' for op in done):>5} {largest:>11} "
                  f"{seconds:>9.2f} {len(client) / max(seconds, 1e-9):>7.0f}  "
                  f"{result['valid?']}")


def wide_history(width, seed):
    """W concurrent writes and W concurrent reads of random values, then a read of 9."""
    rng = random.Random(seed)
    rows = [("invoke", 100 + i, "write", rng.randrange(5)) for i in range(width)]
    rows += [("invoke", i, "read", None) for i in range(width)]
    rows += [("ok", i, "read", rng.randrange(5)) for i in range(width)]
    rows += [("ok", 100 + i, "write", rows[i][3]) for i in range(width)]
    rows += [("invoke", 0, "read", None), ("ok", 0, "read", 9)]
    return [{"index": i, "time": i, "type": K(t), "process": p, "f": K(f), "value": v}
            for i, (t, p, f, v) in enumerate(rows)]


def part2(widths, seed, repeat):
    budget = linearizable.DEFAULT_BUDGET
    print(f"\nPart 2: one key, W concurrent writes and W concurrent reads, then an impossible "
          f"read (budget {budget:,} steps)")
    print(f"{'W':>3} {'ops':>5} {'steps':>10} {'check (s)':>9}  verdict")
    first_unknown = None
    for width in widths:
        history = wide_history(width, seed)
        outcome, seconds = timed(lambda: linearizable.check(history), repeat)
        print(f"{width:>3} {len(history):>5} {outcome.steps:>10,} {seconds:>9.2f}  "
              f"{outcome.valid}")
        if outcome.valid == "unknown" and first_unknown is None:
            first_unknown = width
    if first_unknown is None:
        print("no width tried reached the budget")
    else:
        print(f"first :unknown at W = {first_unknown} ({2 * first_unknown} concurrent ops on "
              "one key)")


def _widths(text):
    low, _, high = text.partition("-")
    return range(int(low), int(high or low) + 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timings per check (median)")
    parser.add_argument("--widths", type=_widths, default=_widths("4-11"))
    args = parser.parse_args()
    part1(args.seed, args.repeat)
    part2(args.widths, args.seed, args.repeat)


if __name__ == "__main__":
    main()
