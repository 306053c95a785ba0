#!/usr/bin/env python3
"""Benchmark: how fast virtual time runs, in simulated seconds per wall second, per part.

Each part's published command runs as a user types it (`python3 -m glomers challenge PART
--virtual-time --seed S`, checking, run folder and pictures included), `--runs` times; the
figure is the part's time limit (its simulated main phase) over the median wall time of the
whole command, so 10 means a 20 s test done in 2 s. On a shared machine the wall time
mostly measures the load, so the CPU time the command used (its processes' user + system
time) is given too, as simulated seconds per CPU second. `--compare DIR` times another
checkout of the project beside this one (e.g. the main branch, for a before/after table)
with the same seed and checks that both write the same history.edn. Each tree's modules are
compiled first and the runs may use the .pyc files (even where PYTHONDONTWRITEBYTECODE is
set), so imports cost what they cost a user from the second run on. Not a test: the
figures depend on the machine and its load.

    python3 bench/speed.py [--parts 5a,6a,3e] [--runs 3] [--seed 1] [--tree DIR]
                           [--compare DIR] [--no-pictures]
"""

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PARTS = "5a,6a,3e"


def time_limit(tree, part):
    """The part's --time-limit as the checkout `tree` publishes it."""
    code = ("import shlex, sys; from glomers import challenges; "
            f"a = shlex.split(challenges.PARTS[{part!r}][2]); "
            "print(a[a.index('--time-limit') + 1])")
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True,
                         text=True, check=True).stdout
    return int(out)


def _environment():
    """The runs' environment: this one, with compiled modules allowed (see the docstring)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_tree(tree):
    """Compile the tree's modules once, as a user's first run would leave them."""
    for where in (["glomers"], ["-l", "."]):      # the package, and the node scripts
        subprocess.run([sys.executable, "-m", "compileall", "-q", *where], cwd=tree,
                       env=_environment(), capture_output=True, check=False)


def one_run(tree, part, seed, store, pictures):
    """Wall and CPU seconds of one published command, and the history it wrote."""
    argv = [sys.executable, "-m", "glomers", "challenge", part, "--virtual-time", "--seed",
            str(seed), "--store", store, "--quiet"] + ([] if pictures else ["--no-pictures"])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, capture_output=True, text=True, env=_environment())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(f"{shlex.join(argv)} in {tree} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}")
    with open(os.path.join(store, "latest", "history.edn"), "rb") as f:
        return (wall, cpu), f.read()


def measure(trees, parts, runs, seed, pictures):
    """[part -> (time limit, [(wall, cpu) seconds], history bytes)] per tree; the trees'
    runs alternate, so that a change in the machine's load falls on both alike."""
    figures = [{} for _ in trees]
    for tree in trees:
        compile_tree(tree)
    for part in parts:
        for _ in range(runs):
            for tree, found in zip(trees, figures):
                with tempfile.TemporaryDirectory(prefix="glomers-speed-") as store:
                    times, history = one_run(tree, part, seed, store, pictures)
                limit, all_times, _ = found.get(part, (time_limit(tree, part), [], None))
                found[part] = (limit, all_times + [times], history)
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default=DEFAULT_PARTS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tree", default=ROOT, help="checkout to time (default this one)")
    parser.add_argument("--compare", metavar="DIR",
                        help="also time this checkout (the 'before') and compare histories")
    parser.add_argument("--no-pictures", action="store_true")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    parts = [p for p in args.parts.split(",") if p]
    trees = [args.tree] + ([args.compare] if args.compare else [])
    after, *others = measure(trees, parts, args.runs, args.seed, not args.no_pictures)
    before = others[0] if others else None
    print(f"virtual time, seed {args.seed}, median of {args.runs} run(s), "
          f"{'no pictures' if args.no_pictures else 'pictures drawn'}; simulated s per wall s "
          "and per CPU s of the whole command (sim = the part's time limit)")
    columns = f"{'wall s':>7} {'sim/wall':>8} {'CPU s':>6} {'sim/CPU':>7}"
    print(f"{'part':6} {'limit':>5} " + (f"before: {columns}  after: " if before else "")
          + columns + ("  history" if before else ""))
    status = 0
    for part in parts:
        limit, runs, history = after[part]
        line = f"{part:6} {limit:5d} "
        if before:
            _, old_runs, old_history = before[part]
            line += "        " + _figures(limit, old_runs) + "         "
        line += _figures(limit, runs)
        if before:
            same = history == old_history
            status = status or (0 if same else 1)
            line += "  identical" if same else "  DIFFERENT"
        print(line, flush=True)
    return status


def _figures(limit, runs):
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    return f"{wall:7.2f} {limit / wall:8.1f} {cpu:6.2f} {limit / cpu:7.1f}"


if __name__ == "__main__":
    sys.exit(main())
