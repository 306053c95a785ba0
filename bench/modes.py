#!/usr/bin/env python3
"""Benchmark: process mode and virtual time side by side on every challenge part.

For each part with a script: one real-time run (nodes as processes, as Maelstrom runs them)
and several virtual-time runs (in-process, seeded), with the verdict, server msgs-per-op and
the wall-clock time each took. The two modes must agree on the verdict.

    python3 bench/modes.py [--parts 1,2,3b] [--seeds 3] [--no-process]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from glomers import challenges  # noqa: E402


def run(part, store, virtual, seed):
    """One challenge run; returns (exit status, results dict or None, wall seconds)."""
    argv = [sys.executable, "-m", "glomers", "challenge", part, "--quiet", "--store", store,
            "--seed", str(seed)] + (["--virtual-time"] if virtual else [])
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - start
    path = os.path.join(store, "latest", "results.json")
    results = json.load(open(path)) if os.path.exists(path) else None
    return proc.returncode, results, wall


def figure(results):
    if not results:
        return None
    return results.get("net", {}).get("servers", {}).get("msgs-per-op")


def fmt(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} [{min(values):.3f}..{max(values):.3f}]"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(challenges.available()))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-process", action="store_true")
    args = parser.parse_args()
    print(f"{'part':13} {'process: exit msgs/op wall':30} "
          f"{'virtual: exits  msgs/op median [min..max]  wall median':58}")
    disagree = 0
    with tempfile.TemporaryDirectory() as tmp:
        for part in args.parts.split(","):
            if args.no_process:
                p_text, p_status = "-", None
            else:
                p_status, p_results, p_wall = run(part, os.path.join(tmp, "p"), False, 1)
                p_figure = figure(p_results)
                shown = f"{p_figure:.3f}" if p_figure is not None else "-"
                p_text = f"{p_status}    {shown:>8}  {p_wall:6.1f} s"
            v = [run(part, os.path.join(tmp, "v"), True, seed) for seed in range(1, args.seeds + 1)]
            exits = "".join(str(status) for status, _, _ in v)
            v_text = (f"{exits:6} {fmt([figure(r) for _, r, _ in v]):28} "
                      f"{statistics.median(w for _, _, w in v):6.2f} s")
            agree = p_status is None or all(status == p_status for status, _, _ in v)
            disagree += not agree
            print(f"{part:13} {p_text:30} {v_text}{'' if agree else '   <- modes disagree'}",
                  flush=True)
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
