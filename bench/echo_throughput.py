#!/usr/bin/env python3
"""Benchmark: how many echo requests per second echo.py answers through a pipe.

Pipes N echo requests (after an init) through `echo.py` and, in the same run, through a
minimal raw loop (read a line, json.loads, json.dumps the reply, write) that marks the floor
of Python's own overhead. Reports the median rate of several runs of each and checks that
every request got its reply. Not a test: numbers depend on the machine.

    python3 bench/echo_throughput.py [--requests 50000] [--runs 5]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The floor: no library, no error handling, one reply per line, as tight as plain Python gets.
RAW_LOOP = r"""
import json, sys
out = sys.stdout
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    out.write(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}) + "\n")
"""


def requests(count):
    """The input: Maelstrom's init line, then `count` echo requests from five clients."""
    lines = [json.dumps({"id": 0, "src": "c0", "dest": "n0", "body": {
        "type": "init", "node_id": "n0", "node_ids": ["n0"], "msg_id": 1}})]
    for i in range(count):
        client = i % 5 + 1
        lines.append(json.dumps({"id": i + 1, "src": f"c{client}", "dest": "n0", "body": {
            "echo": f"Please echo {i % 128}", "type": "echo", "msg_id": i // 5 + 1}}))
    return "\n".join(lines) + "\n"


def measure(argv, data, expected):
    """Seconds to answer the whole input (fed through a pipe), and how many replies were lost."""
    start = time.perf_counter()
    done = subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, check=True)
    elapsed = time.perf_counter() - start
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    answered = {(r["dest"], r["body"]["in_reply_to"]) for r in replies}
    return elapsed, expected - len(answered)


def main():
    """Run both programs alternately, print median rates and lost replies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    programs = {"raw json loop": [sys.executable, "-c", RAW_LOOP],
                "echo.py": [sys.executable, os.path.join(ROOT, "echo.py")]}
    results = {name: [] for name in programs}
    lost = {name: 0 for name in programs}
    data = requests(args.requests).encode()
    for _ in range(args.runs):
        # Alternate the two so a noisy moment on the machine hurts both alike.
        for name, argv in programs.items():
            elapsed, missing = measure(argv, data, args.requests + 1)
            results[name].append((args.requests + 1) / elapsed)
            lost[name] += missing
    for name, rates in results.items():
        print(f"{name:14} median {statistics.median(rates):9.0f} msgs/s"
              f"  (runs: {', '.join(f'{r:.0f}' for r in rates)})  lost replies: {lost[name]}")
    ratio = statistics.median(results["echo.py"]) / statistics.median(results["raw json loop"])
    print(f"echo.py / raw loop = {ratio:.2f} (target >= 0.50)")
    return 0 if lost["echo.py"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
