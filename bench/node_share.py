#!/usr/bin/env python3
"""Benchmark: how much of a virtual-time run is the node's own work.

For each single-node part, its published command runs as a user types it (`python3 -m
glomers challenge PART --virtual-time --seed S`, checking and pictures included); then
the requests its node received, read from the run's journal.jsonl, are fed in their order,
one at a time, to the same reference node alone, on a plain asyncio loop in a fresh
process with nothing else to do (what the node asks of lin-kv, seq-kv, lww-kv or lin-tso
is answered at once by the bench's own services). The node's CPU time there is a floor no
speed-up of the bench removes: with virtual time, the node's handlers run inside the
bench's process, on its clock. A bare loop stepping as often as the replay did is timed
too (the loop's share of the node's figure). Not in `make bench`; not a test.

    python3 bench/node_share.py [--parts 5a,6a] [--runs 3] [--seed 1]
"""

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench.speed import compile_tree, one_run  # noqa: E402
from glomers import challenges, services  # noqa: E402

DEFAULT_PARTS = "5a,6a"
MAX_STEPS = 1000      # loop steps a request may take before the replay moves on without it


def part_node(part):
    """(script path, node id) of a single-node part; SystemExit for any other part."""
    if part not in challenges.PARTS:
        raise SystemExit(f"no part {part!r}; the parts: {', '.join(challenges.PARTS)}")
    script, _, command = challenges.PARTS[part]
    args = shlex.split(command)
    count = args[args.index("--node-count") + 1] if "--node-count" in args else "1"
    if count != "1":
        raise SystemExit(f"part {part} runs {count} nodes: the node alone is measured only "
                         "for single-node parts (5a, 6a, ...)")
    return os.path.join(ROOT, script), "n0"


def requests_of(journal_path, node_id):
    """The lines the node read during the run, in order, without the services' replies
    (the replay's own services answer what the node asks this time)."""
    lines = []
    with open(journal_path, encoding="utf-8") as f:
        for text in f:
            event = json.loads(text)
            if event["event"] == "recv" and event["dest"] == node_id \
                    and event["src"] not in services.SERVICE_CLASSES:
                lines.append(json.dumps({"id": event["id"], "src": event["src"],
                                         "dest": node_id, "body": event["body"]}))
    return lines


def replay(script, node_id, lines):
    """(node CPU s, loop steps, requests unanswered) of feeding `lines` to the node alone."""
    import maelstrom_node
    spec = importlib.util.spec_from_file_location("_node_alone", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kinds = services.make_services(random.Random(1))
    answers, written = [], [0]

    markers = [f'"dest":"{name}"' for name in kinds]

    def write(line):
        # Only a line that may be to a service is decoded: the node's cost is the figure.
        message = json.loads(line) if any(m in line for m in markers) else {}
        service = kinds.get(message.get("dest"))
        if service is None:
            written[0] += 1
            return
        reply = service.handle(node_id, message["body"])
        if reply is not None:
            reply["in_reply_to"] = message["body"].get("msg_id")
            answers.append(json.dumps({"src": service.name, "dest": node_id, "body": reply}))

    async def main():
        node = maelstrom_node.Node(write=write, log=lambda text: None,
                                   random=random.Random(1))
        module.serve(node)
        steps = unanswered = 0
        started = time.process_time()
        for line in lines:
            want = written[0] + 1
            node.feed(line)
            for _ in range(MAX_STEPS):
                while answers:
                    node.feed(answers.pop(0))
                if written[0] >= want:
                    break
                steps += 1
                await asyncio.sleep(0)
            else:
                unanswered += 1
        return time.process_time() - started, steps, unanswered

    return asyncio.run(main())


def bare_loop(steps):
    """CPU seconds of `steps` empty steps of a plain asyncio loop."""
    async def main():
        started = time.process_time()
        for _ in range(steps):
            await asyncio.sleep(0)
        return time.process_time() - started
    return asyncio.run(main())


def replay_in_child(script, node_id, journal_path):
    """replay() in a fresh interpreter whose temporary files go to a directory of its own."""
    with tempfile.TemporaryDirectory(prefix="glomers-node-alone-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--replay", script, node_id,
                               journal_path], capture_output=True, text=True, cwd=tmp,
                              env={**os.environ, "TMPDIR": tmp})
    if proc.returncode != 0:
        raise SystemExit(f"the replay of {script} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(part, runs, seed):
    """Medians of the whole command (wall, CPU) and of the node alone, and the replay's
    counts, for one part."""
    script, node_id = part_node(part)
    whole, alone = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="glomers-node-share-") as store:
            times, _ = one_run(ROOT, part, seed, store, True)
            whole.append(times)
            found = replay_in_child(script, node_id,
                                    os.path.join(store, "latest", "journal.jsonl"))
        alone.append(found)
    return {"wall": statistics.median(w for w, _ in whole),
            "cpu": statistics.median(c for _, c in whole),
            "node": statistics.median(a["cpu"] for a in alone),
            "loop": statistics.median(a["loop"] for a in alone),
            "requests": alone[-1]["requests"], "unanswered": alone[-1]["unanswered"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=DEFAULT_PARTS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", nargs=3, metavar=("SCRIPT", "NODE", "JOURNAL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replay:
        script, node_id, journal_path = args.replay
        lines = requests_of(journal_path, node_id)
        cpu, steps, unanswered = replay(script, node_id, lines)
        print(json.dumps({"cpu": cpu, "loop": bare_loop(steps), "requests": len(lines),
                          "unanswered": unanswered}))
        return 0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    parts = [p for p in args.parts.split(",") if p]
    for part in parts:
        part_node(part)             # every part checked before the first run
    compile_tree(ROOT)
    print(f"virtual time, seed {args.seed}, median of {args.runs} run(s): the whole command "
          "against its node alone, fed the same requests")
    print(f"{'part':5} {'wall s':>7} {'CPU s':>6} {'requests':>9} {'node CPU s':>10} "
          f"{'of which loop':>13} {'node/wall':>9}")
    for part in parts:
        found = measure(part, args.runs, args.seed)
        note = f"  ({found['unanswered']} unanswered)" if found["unanswered"] else ""
        print(f"{part:5} {found['wall']:7.2f} {found['cpu']:6.2f} {found['requests']:9d} "
              f"{found['node']:10.2f} {found['loop']:13.2f} "
              f"{found['node'] / found['wall']:9.0%}{note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
