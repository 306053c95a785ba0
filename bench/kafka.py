#!/usr/bin/env python3
"""Benchmark: kafka_log.py on the 5b/5c command (and 5a), over several seeds, with or
without node faults.

For each part it runs the published command and reports servers msgs-per-op (the lin-kv
calls for the run id count too), the availability ok-fraction and the stable op latency
(p50, max, over :ok sends and polls) as median, min and max over the runs, plus how many
runs were valid. Not a test: the figures depend on the seeds and, in process mode, on the
machine.

    python3 bench/kafka.py [--runs 5] [--seed 1] [--parts 5b,5a] [--process] [--store DIR]
                           [--faults kill,pause,partition] [--interval 10] [--bin PATH]

Virtual time (in-process nodes on the bench's clock) is the default: fast and replayable.
`--faults` runs the same workload, flags and checker on the restart harness of
tests/fault_workload.py instead (virtual time; the bench itself has no --nemesis kill or
pause yet), with those faults every U[0, 2 * interval) s and a restart of every node before
the final phase, and also reports the restarts. `--bin` measures another script, e.g. the
lin-kv journal of commit da6e180 (`git show da6e180:kafka_log.py > /tmp/kafka_linkv.py`,
with KAFKA_FLUSH_INTERVAL=0). Node journals go to a temporary directory, removed at the end.
"""

import argparse
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from glomers import challenges, cli, edn  # noqa: E402
from glomers.checkers import common  # noqa: E402
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


def summary(valid, msgs_per_op, history, restarts=0):
    """One run's row: (valid?, msgs-per-op, ok-fraction, p50 ms, max ms, restarts)."""
    latencies = op_latencies(history) or [0.0]
    ok_fraction = float(common.availability(history).get("ok-fraction", 0.0))
    return (valid, msgs_per_op, ok_fraction, statistics.median(latencies), latencies[-1],
            restarts)


def run_once(part, seed, virtual, store, bin_path=None):
    """One run of the published command."""
    argv = challenges.argv(part, bin_path) + ["--seed", str(seed), "--store", store, "--quiet"]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    results = outcome.results or {}
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    return summary(outcome.exit_status == 0,
                   float(results.get("net", {}).get("servers", {}).get("msgs-per-op", 0.0)),
                   history)


def run_with_faults(part, seed, faults, interval, bin_path=None):
    """One run of the part's workload on the restart harness, under `faults`."""
    from fault_workload import run_part_under_faults
    opts, workload, history, counts, restarts, _ = run_part_under_faults(
        part, seed, faults, interval, bin_path)
    valid = workload.checker.check(history, opts)["valid?"] is True
    msgs_per_op = float(common.net(counts, history)["servers"].get("msgs-per-op", 0.0))
    return summary(valid, msgs_per_op, history, restarts)


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
    parser.add_argument("--faults", default=None,
                        help="kill, pause, partition, comma-separated: the restart harness")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="with --faults: mean seconds between fault steps")
    parser.add_argument("--bin", default=None, help="another script to measure")
    args = parser.parse_args()
    faults = args.faults.split(",") if args.faults else None
    if faults and (args.process or not set(faults) <= {"kill", "pause", "partition"}):
        parser.error("--faults takes kill, pause and partition, in virtual time only")
    store = args.store or tempfile.mkdtemp(prefix="bench-kafka-")
    journals = tempfile.TemporaryDirectory(prefix="bench-kafka-journals-")
    os.environ["KAFKA_JOURNAL_DIR"] = journals.name
    all_valid = True
    for part in args.parts.split(","):
        if faults:
            title = (f"restart harness, faults {','.join(faults)} every "
                     f"U[0, {2 * args.interval:g}) s")
        else:
            clock = "process mode (real time)" if args.process else "virtual time"
            title = (f"{clock}: python3 -m glomers challenge {part}"
                     f"{'' if args.process else ' --virtual-time'} --seed N")
        print(f"\n{part}, {title}", flush=True)
        rows = []
        for seed in range(args.seed, args.seed + args.runs):
            if faults:
                row = run_with_faults(part, seed, faults, args.interval, args.bin)
            else:
                row = run_once(part, seed, not args.process, store, args.bin)
            rows.append(row)
            print(f"  seed {seed}: {'valid' if row[0] else 'NOT VALID'}, msgs-per-op "
                  f"{row[1]:.3f}, ok-fraction {row[2]:.5f}, latency p50 {row[3]:.1f} ms, "
                  f"max {row[4]:.1f} ms" + (f", {row[5]} restarts" if faults else ""),
                  flush=True)
        valid = sum(r[0] for r in rows)
        all_valid &= valid == len(rows)
        print(f"  {part} over {len(rows)} runs, median (min-max): "
              f"msgs-per-op {spread([r[1] for r in rows], 3)}, "
              f"ok-fraction {spread([r[2] for r in rows], 5)}, "
              f"latency p50 {spread([r[3] for r in rows], 1)} ms, "
              f"max {spread([r[4] for r in rows], 1)} ms; valid {valid}/{len(rows)}"
              + (f"; restarts {spread([r[5] for r in rows], 0)}" if faults else ""))
    journals.cleanup()
    return 0 if all_valid else 1


if __name__ == "__main__":
    sys.exit(main())
