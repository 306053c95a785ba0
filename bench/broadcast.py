#!/usr/bin/env python3
"""Benchmark: broadcast.py's two modes on the 3d/3e command, over several seeds, without
faults and under kill, pause and partition.

For each mode (batch, the default, and direct, the latency-first one) it runs the published
3d/3e command (25 nodes, rate 100, latency 100, 20 s) and reports servers msgs-per-op and
stable latency p50 / p95 / max as median, min and max over the runs; then it runs the same
command with `--nemesis partition` and counts the valid runs. Not a test: the figures
depend on the seeds and, in process mode, on the machine.

Then (--fault-runs, default 3 per set) the same setup on the restart harness of the tests
(tests/restart_cluster.py: the bench's network and services in virtual time, where nodes can
be killed, restarted and paused; tests/broadcast_faults.py drives clients and a nemesis,
one stream per fault striking every U(0, 2·interval) s) for each fault set: valid runs
(set-full, and every final read holding every value acknowledged or ever read), server
msgs-per-op, stable latency, broadcast acknowledgement latency, and how long a restarted
node takes to hold every value acknowledged before it started. The bench itself cannot kill
or pause nodes yet, hence the harness.

    python3 bench/broadcast.py [--runs 5] [--partition-runs 10] [--process | --both]
                               [--seed 1] [--store DIR] [--modes batch,direct]
                               [--fault-runs 3] [--fault-sets none,kill,pause,kill+partition]
                               [--nemesis-interval 5]

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
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import broadcast  # noqa: E402
import broadcast_faults  # noqa: E402
from broadcast import MODE_VARIABLE  # noqa: E402
from glomers import challenges, cli  # noqa: E402
from glomers.main import run_test  # noqa: E402
from glomers.virtual_time import run as run_virtual  # noqa: E402
from restart_cluster import RestartCluster  # noqa: E402

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


def fault_run_once(mode, faults, seed, interval):
    """One harness run of the 3d setup; a dict of its figures."""
    node_ids = [f"n{i}" for i in range(25)]

    async def scenario():
        states = {}

        def serve(node):
            states[node] = broadcast.Broadcast(node, mode)
            broadcast.register(node, states[node])
        cluster = RestartCluster(serve, node_ids, seed, latency_ms=100,
                                 latency_dist="constant", backlog="drop")
        run = await broadcast_faults.run_with_faults(
            cluster, seed, faults, seconds=20, rate=100, interval=interval,
            holdings=lambda n: states[cluster.nodes[n]].values)
        return run, cluster
    run, cluster = run_virtual(scenario(), virtual=True)
    result = broadcast_faults.judge(run)
    invoked = sum(1 for op in run.history if op["type"] == "invoke")
    started, acks = {}, []
    for op in run.history:
        if op["f"] == "broadcast" and op["type"] == "invoke":
            started[op["value"]] = op["time"]
        elif op["f"] == "broadcast" and op["type"] == "ok":
            acks.append((op["time"] - started[op["value"]]) // 1_000_000)
    latencies = result.get("stable-latencies") or {}
    caught = [t for t in run.catch_ups if t is not None]
    return {"valid": result["valid?"] is True and not broadcast_faults.missing_from_finals(run),
            "msgs-per-op": broadcast_faults.server_messages(cluster) / invoked,
            "p50": latencies.get(0.5), "max": latencies.get(1),
            "ack p50": int(statistics.median(acks)) if acks else None,
            "restarts": len(run.restarts), "not caught up": run.catch_ups.count(None),
            "catch-up max": int(max(caught) * 1000) if caught else None}


def bench_faults(mode, args):
    """Print one mode's figures on the restart harness, per fault set."""
    print(f"\n{mode} mode on the restart harness (25 nodes, rate 100, latency 100 ms "
          f"constant, 20 s, recovery 10 s, nemesis interval {args.nemesis_interval} s), "
          f"median (min-max) over {args.fault_runs} runs:", flush=True)
    for fault_set in args.fault_sets.split(","):
        faults = () if fault_set == "none" else tuple(fault_set.split("+"))
        rows = [fault_run_once(mode, faults, seed, args.nemesis_interval)
                for seed in range(args.seed, args.seed + args.fault_runs)]
        figures = []
        for name, unit in (("msgs-per-op", ""), ("p50", " ms"), ("max", " ms"),
                           ("ack p50", " ms"), ("restarts", ""), ("catch-up max", " ms")):
            values = [row[name] for row in rows if row[name] is not None]
            if values:
                figures.append(f"{name} {spread(values)}{unit}")
        lost_catch_ups = sum(row["not caught up"] for row in rows)
        print(f"  {fault_set:24} {sum(row['valid'] for row in rows)} of {len(rows)} valid; "
              + "; ".join(figures)
              + (f"; {lost_catch_ups} restarts never caught up" if lost_catch_ups else ""),
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
    parser.add_argument("--fault-runs", type=int, default=3,
                        help="harness runs per mode and fault set (default 3; 0: none)")
    parser.add_argument("--fault-sets", default="none,kill,pause,kill+partition",
                        help="comma-separated fault sets, faults joined by + "
                             "(default none,kill,pause,kill+partition)")
    parser.add_argument("--nemesis-interval", type=float, default=5.0,
                        help="harness nemesis interval in seconds (default 5)")
    args = parser.parse_args()
    clocks = [True, False] if args.both else [not args.process]
    with contextlib.ExitStack() as stack:
        store = args.store or stack.enter_context(tempfile.TemporaryDirectory())
        for virtual in clocks:
            for mode in args.modes.split(","):
                bench_mode(mode, args, virtual, store)
    if args.fault_runs:
        for mode in args.modes.split(","):
            bench_faults(mode, args)


if __name__ == "__main__":
    main()
