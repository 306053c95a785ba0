#!/usr/bin/env python3
"""Benchmark: txn.py on the 6a-6c commands (default 6c: read committed, total availability,
partitions), over several seeds, with or without node faults.

For each part it reports, with median (min-max) over the runs: how many runs were valid,
the ok-fraction, the servers' messages per op (replication is batched, so this stays far
below 1; the lin-kv calls for the run id count too), the ops done, the :ok txn latency
(p50, max) and the largest replicate message in entries (it grows when a partition holds
entries back). Not a test: it only prints figures.

    python3 bench/txn.py [--runs 20] [--seed 1] [--parts 6c] [--process]
                         [--faults kill,pause,partition] [--interval 10] [--journal lin-kv]

Virtual time (in-process nodes on the bench's clock) is the default. `--faults` runs the
same workload, flags and checker on the restart harness of tests/fault_workload.py instead
(virtual time; the bench itself has no --nemesis kill or pause yet), with those faults
every U[0, 2 * interval) s, plus the part's own partitions, and reports the restarts.
`--journal lin-kv` measures the alternative to the file journal: each txn with writes is
written to lin-kv before it is answered (a variant script written to a temporary
directory; it measures the cost only and does not read lin-kv back after a restart).
Node journals go to a temporary directory, removed at the end.
"""

import argparse
import json
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

LINKV_JOURNAL = '''#!/usr/bin/env python3
"""txn.py with each txn's writes stored in lin-kv, under a key of their own, before the txn
is answered: what keeping the journal in the KV service costs. Written by bench/txn.py."""
import sys
sys.path.insert(0, {root!r})
import txn  # noqa: E402
from maelstrom_node import LinKV, run  # noqa: E402


def serve(node):
    store = txn.serve(node)
    kv = LinKV(node)
    stored = [0]

    @node.handler("txn")
    async def transact(msg):
        mops = msg.body["txn"]
        await store.ready.wait()
        logged = len(store.log)
        done = store.transact(mops)
        for entry in store.log[logged:]:
            stored[0] += 1
            await kv.write(f"txn-{{node.node_id}}-{{stored[0]}}", entry)
        return {{"type": "txn_ok", "txn": done}}
    return store


if __name__ == "__main__":
    run(serve)
'''


def txn_latencies(history):
    """Milliseconds from invocation to :ok completion of every txn."""
    open_ops, latencies = {}, []
    for op in history:
        if op["type"] == "invoke":
            open_ops[op["process"]] = op["time"]
        elif op["process"] in open_ops:
            start = open_ops.pop(op["process"])
            if op["type"] == "ok":
                latencies.append((op["time"] - start) / 1e6)
    return sorted(latencies) or [0.0]


def largest_batch(messages):
    """Entries in the largest replicate message among (body) dicts."""
    return max((len(body["entries"]) for body in messages
                if body.get("type") == "replicate"), default=0)


def row(valid, history, msgs_per_op, batch, restarts=0):
    """One run's figures."""
    latencies = txn_latencies(history)
    ops = sum(1 for op in history if op["type"] == "invoke")
    return {"valid": valid, "ok-fraction": float(common.availability(history)["ok-fraction"]),
            "msgs-per-op": msgs_per_op, "ops": ops, "p50": statistics.median(latencies),
            "max": latencies[-1], "batch": batch, "restarts": restarts}


def run_once(part, seed, virtual, store, bin_path):
    """One run of the published command."""
    argv = challenges.argv(part, bin_path) + ["--seed", str(seed), "--store", store, "--quiet"]
    if virtual:
        argv.append("--virtual-time")
    _, ns = cli.parse(argv)
    with open(os.devnull, "w") as null:
        outcome = run_test(cli.test_options(ns), out=null)
    results = outcome.results or {}
    history = edn.read_history(os.path.join(outcome.run_dir, "history.edn"))
    with open(os.path.join(outcome.run_dir, "journal.jsonl")) as f:
        batch = largest_batch(sent_bodies(f))
    return row(outcome.exit_status == 0, history,
               float(results.get("net", {}).get("servers", {}).get("msgs-per-op", 0.0)), batch)


def sent_bodies(lines):
    """The bodies of the sends in a run's journal.jsonl."""
    for line in lines:
        event = json.loads(line)
        if event["event"] == "send":
            yield event["body"]


def run_with_faults(part, seed, faults, interval, bin_path):
    """One run of the part's workload on the restart harness, under `faults`."""
    from fault_workload import run_part_under_faults
    opts, workload, history, counts, restarts, cluster = run_part_under_faults(
        part, seed, faults, interval, bin_path)
    batch = largest_batch([m.body for _, event, m in cluster.net.journal if event == "send"])
    valid = workload.checker.check(history, opts)["valid?"] is True
    msgs_per_op = float(common.net(counts, history)["servers"].get("msgs-per-op", 0.0))
    return row(valid, history, msgs_per_op, batch, restarts)


def partitions_of(part):
    """["partition"] if the part's published command has --nemesis partition, else []."""
    return ["partition"] if "--nemesis partition" in challenges.PARTS[part][2] else []


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
    parser.add_argument("--parts", default="6c")
    parser.add_argument("--process", action="store_true",
                        help="run the nodes as processes in real time (20 s per run)")
    parser.add_argument("--faults", default=None,
                        help="kill, pause, partition, comma-separated: the restart harness")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="with --faults: mean seconds between fault steps")
    parser.add_argument("--journal", choices=("file", "lin-kv"), default="file")
    args = parser.parse_args()
    faults = args.faults.split(",") if args.faults else None
    if faults and (args.process or not set(faults) <= {"kill", "pause", "partition"}):
        parser.error("--faults takes kill, pause and partition, in virtual time only")

    with tempfile.TemporaryDirectory(prefix="bench-txn-") as scratch:
        os.environ["TXN_JOURNAL_DIR"] = os.path.join(scratch, "journals")
        bin_path = None
        if args.journal == "lin-kv":
            bin_path = os.path.join(scratch, "txn_linkv_journal.py")
            with open(bin_path, "w") as f:
                f.write(LINKV_JOURNAL.format(root=ROOT))
            os.chmod(bin_path, 0o755)
        for part in args.parts.split(","):
            rows = []
            if faults:      # the part's own partitions stay on
                faults = sorted(set(faults) | set(partitions_of(part)))
            for seed in range(args.seed, args.seed + args.runs):
                if faults:
                    r = run_with_faults(part, seed, faults, args.interval, bin_path)
                else:
                    r = run_once(part, seed, not args.process, os.path.join(scratch, "store"),
                                 bin_path)
                rows.append(r)
                print(f"{part} seed {seed}: {'valid' if r['valid'] else 'NOT VALID'}, "
                      f"ok-fraction {r['ok-fraction']:.5f}, server msgs-per-op "
                      f"{r['msgs-per-op']:.4f}, ops {r['ops']}, latency p50 {r['p50']:.1f} "
                      f"ms, max {r['max']:.1f} ms"
                      + (f", {r['restarts']} restarts" if faults else ""), flush=True)
            if faults:
                mode = (f"restart harness, faults {','.join(faults)} every "
                        f"U[0, {2 * args.interval:g}) s")
            else:
                mode = "nodes as processes, real time" if args.process else "virtual time"
            print(f"\ntxn.py ({args.journal} journal), challenge {part}, {args.runs} runs "
                  f"({mode}, seeds {args.seed}..{args.seed + args.runs - 1})")
            print(f"  valid runs               {sum(r['valid'] for r in rows)} of {len(rows)}")
            for name, key, unit in (("ok-fraction", "ok-fraction", ""),
                                    ("server msgs-per-op", "msgs-per-op", ""),
                                    ("ops per run", "ops", ""),
                                    ("latency p50", "p50", " ms"), ("latency max", "max", " ms"),
                                    ("largest replicate batch", "batch", " entries"),
                                    *((("restarts", "restarts", ""),) if faults else ())):
                print(f"  {name:<24} {spread([r[key] for r in rows])}{unit}")


if __name__ == "__main__":
    main()
