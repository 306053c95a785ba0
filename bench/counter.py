#!/usr/bin/env python3
"""Benchmark: counter.py on challenge 4's published command, per read mode, over many seeds.

Runs `-w g-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition` once per
seed for each COUNTER_MAX_STALENESS value asked for ("default" leaves it unset; 0 is the
latest-read mode) and reports, as median (min-max) over the seeds: validity, servers
msgs-per-op (seq-kv traffic is server traffic; each request and each reply is a message),
op latency p50 and max for adds and reads, and how stale the reads were: the share of :ok
non-final reads that missed an add acknowledged before the read was invoked, and by how
much at most. It also splits the seq-kv calls by type. Not a test: the figures depend on
the seeds and, in process mode, on the machine.

    python3 bench/counter.py [--runs 20] [--seed 1] [--max-staleness default,0]
                             [--latency MS] [--nemesis FAULTS] [--process] [--store DIR]

Virtual time (in-process nodes on the bench's clock) is the default: fast and replayable;
--process runs real node processes in real time (about 31 s per run). The published
command has no latency, so every call is free in virtual time: --latency 10 gives every
node <-> seq-kv message 10 ms and shows what each design costs in round trips.
"""

import argparse
import collections
import contextlib
import json
import os
import shlex
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import challenges, cli, edn  # noqa: E402
from glomers.main import run_test  # noqa: E402

TARGET = 1.0  # servers msgs-per-op the issue asks of the default


def command(latency, nemesis):
    """The published `test` arguments, with --latency and --nemesis overridden if asked."""
    argv = challenges.argv("4")
    if nemesis is not None:
        argv[argv.index("--nemesis") + 1] = nemesis
    if latency is not None:
        argv += ["--latency", str(latency)]
    return argv


@contextlib.contextmanager
def staleness_env(mode):
    """COUNTER_MAX_STALENESS set to `mode` ("default": unset) for the runs inside."""
    saved = os.environ.pop("COUNTER_MAX_STALENESS", None)
    if mode != "default":
        os.environ["COUNTER_MAX_STALENESS"] = mode
    try:
        yield
    finally:
        os.environ.pop("COUNTER_MAX_STALENESS", None)
        if saved is not None:
            os.environ["COUNTER_MAX_STALENESS"] = saved


def run_once(argv, seed, virtual, store):
    """One run: a dict of its figures."""
    argv = argv + ["--seed", str(seed), "--store", store, "--quiet"]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    results = outcome.results or {}
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    latencies = op_latencies(history)
    behind = read_lags(history)
    return {
        "valid": outcome.exit_status == 0,
        "mpo": float(results.get("net", {}).get("servers", {}).get("msgs-per-op", "nan")),
        "calls": seq_kv_calls(outcome.run_dir),
        "add p50": percentile(latencies["add"], 0.5), "add max": max(latencies["add"]),
        "read p50": percentile(latencies["read"], 0.5), "read max": max(latencies["read"]),
        "stale share": sum(lag > 0 for lag in behind) / len(behind),
        "stale max": max(behind),
    }


def seq_kv_calls(run_dir):
    """How many requests the nodes sent to seq-kv, by request type."""
    calls = collections.Counter()
    with open(os.path.join(run_dir, "journal.jsonl")) as journal:
        for line in journal:
            event = json.loads(line)
            if event["event"] == "send" and event["dest"] == "seq-kv":
                calls[event["body"].get("type")] += 1
    return calls


def client_ops(history):
    """(invocation, completion) pairs of the client ops, in invocation order."""
    open_ops, pairs = {}, []
    for op in history:
        if op["process"] == "nemesis":
            continue
        if op["type"] == "invoke":
            open_ops[op["process"]] = op
        elif op["process"] in open_ops:
            pairs.append((open_ops.pop(op["process"]), op))
    pairs.sort(key=lambda pair: pair[0]["index"])
    return pairs


def op_latencies(history):
    """Milliseconds from invocation to :ok completion, by :f."""
    latencies = {"add": [0.0], "read": [0.0]}
    for invoke, done in client_ops(history):
        if done["type"] == "ok":
            latencies[invoke["f"]].append((done["time"] - invoke["time"]) / 1e6)
    return latencies


def read_lags(history):
    """For each :ok non-final read: how far it fell short of the adds acknowledged before it
    was invoked (0 when it counted them all)."""
    events = []  # (time, order, kind, value): acks before invocations at the same time
    for invoke, done in client_ops(history):
        if done["type"] != "ok":
            continue
        if invoke["f"] == "add":
            events.append((done["time"], 0, "ack", invoke["value"]))
        elif not invoke.get("final?"):
            events.append((invoke["time"], 1, "read", done["value"]))
    acked, lags = 0, []
    for _, _, kind, value in sorted(events, key=lambda e: e[:2]):
        if kind == "ack":
            acked += value
        else:
            lags.append(max(0, acked - value))
    return lags or [0]


def percentile(values, q):
    """The q-quantile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread(values, digits=3):
    """'median (min-max)' of a list of numbers."""
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="number of seeds (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--max-staleness", default="default,0",
                        help="comma-separated COUNTER_MAX_STALENESS values, 'default' for "
                             "unset (default: default,0)")
    parser.add_argument("--latency", type=int, help="--latency for the runs, in ms "
                                                    "(not in the published command)")
    parser.add_argument("--nemesis", help="--nemesis for the runs (published: partition)")
    parser.add_argument("--process", action="store_true",
                        help="real node processes in real time instead of virtual time")
    parser.add_argument("--store", help="keep run folders here (default: a temporary folder)")
    args = parser.parse_args()
    virtual = not args.process
    argv = command(args.latency, args.nemesis)
    clock = "virtual time" if virtual else "process mode (real time)"
    print(f"counter.py, {clock}: python3 -m glomers {shlex.join(argv)}"
          f"{' --virtual-time' if virtual else ''} --seed N", flush=True)
    with contextlib.ExitStack() as stack:
        store = args.store or stack.enter_context(tempfile.TemporaryDirectory())
        for mode in args.max_staleness.split(","):
            print(f"COUNTER_MAX_STALENESS={mode}:", flush=True)
            runs = []
            with staleness_env(mode):
                for seed in range(args.seed, args.seed + args.runs):
                    run = run_once(argv, seed, virtual, store)
                    runs.append(run)
                    shown = ", ".join(f"{kind} {n}" for kind, n in sorted(run["calls"].items()))
                    print(f"  seed {seed}: {'valid' if run['valid'] else 'NOT VALID'}, "
                          f"msgs-per-op {run['mpo']:.3f}; seq-kv calls: {shown}", flush=True)
            mpos = [run["mpo"] for run in runs]
            print(f"  valid in {sum(run['valid'] for run in runs)} of {len(runs)} runs")
            target = (f"; target for the default <= {TARGET}: "
                      f"{'met' if statistics.median(mpos) <= TARGET else 'NOT met'}"
                      if mode == "default" else "")
            print(f"  servers msgs-per-op, median (min-max): {spread(mpos)}{target}")
            for f in ("add", "read"):
                print(f"  {f} latency ms: p50 {spread([r[f + ' p50'] for r in runs], 1)}, "
                      f"max {spread([r[f + ' max'] for r in runs], 1)}")
            print(f"  reads missing an acknowledged add: share "
                  f"{spread([r['stale share'] for r in runs])}, by at most "
                  f"{spread([r['stale max'] for r in runs], 0)}")
            totals = collections.Counter()
            for run in runs:
                totals.update(run["calls"])
            per_run = ", ".join(f"{kind} {n / len(runs):.0f}"
                                for kind, n in sorted(totals.items()))
            print(f"  seq-kv calls per run (mean): {per_run}", flush=True)


if __name__ == "__main__":
    main()
