#!/usr/bin/env python3
"""Benchmark: counter.py on challenge 4's published command, over many seeds.

Runs `-w g-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition` once per
seed and reports how many runs were valid and the servers msgs-per-op (seq-kv traffic is
server traffic; each request and each reply is a message) as median, min and max. It also
splits the seq-kv calls by type, and prints the floor any design whose reads return the
latest total must pay on the same ops: 2 calls per read (a catch-up write, then the read)
and 1 per add of a non-zero delta. Not a test: the figures depend on the seeds and, in
process mode, on the machine.

    python3 bench/counter.py [--runs 20] [--seed 1] [--process] [--store DIR]

Virtual time (in-process nodes on the bench's clock) is the default: fast and replayable;
--process runs real node processes in real time (about 31 s per run).
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

TARGET = 3.0  # servers msgs-per-op the issue asks for


def run_once(seed, virtual, store):
    """One run of the published command: (valid?, msgs-per-op, seq-kv calls by type, floor)."""
    argv = challenges.argv("4")
    if virtual:
        argv.append("--virtual-time")
    argv += ["--seed", str(seed), "--store", store, "--quiet"]
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    results = outcome.results or {}
    mpo = results.get("net", {}).get("servers", {}).get("msgs-per-op")
    return outcome.exit_status == 0, mpo, seq_kv_calls(outcome.run_dir), \
        strict_floor(outcome.run_dir)


def seq_kv_calls(run_dir):
    """How many requests the nodes sent to seq-kv, by request type."""
    calls = collections.Counter()
    with open(os.path.join(run_dir, "journal.jsonl")) as journal:
        for line in journal:
            event = json.loads(line)
            if event["event"] == "send" and event["dest"] == "seq-kv":
                calls[event["body"].get("type")] += 1
    return calls


def strict_floor(run_dir):
    """Servers msgs-per-op if every read cost exactly 2 calls and every non-zero add 1."""
    history = edn.read_history(os.path.join(run_dir, "history.edn"))
    invokes = [op for op in history if op["type"] == "invoke" and op["process"] != "nemesis"]
    reads = sum(op["f"] == "read" for op in invokes)
    adds = sum(op["f"] == "add" and op["value"] != 0 for op in invokes)
    return 2 * (2 * reads + adds) / len(invokes)


def spread(values):
    """'median (min-max)' of a list of numbers."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="number of seeds (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--process", action="store_true",
                        help="real node processes in real time instead of virtual time")
    parser.add_argument("--store", help="keep run folders here (default: a temporary folder)")
    args = parser.parse_args()
    virtual = not args.process
    clock = "virtual time" if virtual else "process mode (real time)"
    print(f"counter.py, {clock}: python3 -m glomers {shlex.join(challenges.argv('4'))}"
          f"{' --virtual-time' if virtual else ''} --seed N", flush=True)
    valid, mpos, floors, totals = 0, [], [], collections.Counter()
    with contextlib.ExitStack() as stack:
        store = args.store or stack.enter_context(tempfile.TemporaryDirectory())
        for seed in range(args.seed, args.seed + args.runs):
            ok, mpo, calls, floor = run_once(seed, virtual, store)
            valid += ok
            mpos.append(mpo)
            floors.append(floor)
            totals.update(calls)
            shown = ", ".join(f"{kind} {n}" for kind, n in sorted(calls.items()))
            print(f"  seed {seed}: {'valid' if ok else 'NOT VALID'}, msgs-per-op {mpo:.3f} "
                  f"(strict-read floor {floor:.3f}); seq-kv calls: {shown}", flush=True)
    print(f"valid in {valid} of {args.runs} runs")
    print(f"servers msgs-per-op, median (min-max): {spread(mpos)}; target <= {TARGET}: "
          f"{'met' if statistics.median(mpos) <= TARGET else 'NOT met'}")
    print(f"floor for reads that return the latest total: {spread(floors)}")
    per_run = ", ".join(f"{kind} {n / args.runs:.0f}" for kind, n in sorted(totals.items()))
    print(f"seq-kv calls per run (mean): {per_run}")


if __name__ == "__main__":
    main()
