"""`python3 -m glomers shrink RUN_DIR` or `shrink <test flags> --seed N`: search for the
smallest run that fails the same way (shrink.py), replay it into a run folder like any
other, and say how to replay it and what happened in it.

The shrunk run's folder holds, beside the usual files, shrink-plan.json (what the flags
cannot say: ops and faults left out, keyed random streams), shrink-steps.txt (the search,
step by step) and story.txt (the run in words). Exit status: the shrunk run's verdict (1
invalid, 2 unknown, 255 for a node crash); 254 for bad input: bad arguments, a folder that is
not a run of this bench, a run with node processes (it cannot be replayed), or a run that
does not fail (nothing to shrink); 130 after Ctrl-C, with the best run found so far
replayed and its command printed.
"""

import json
import os
import shlex
import sys

from . import cli, edn, node_programs, shrink_failure, shrink_story, store
from .shrink import DEFAULT_BUDGET, NothingToShrink, Shrinker, flag_nodes, needs_plan

# The options a run folder's test.json must hold to be replayed.
OPTION_KEYS = ("workload", "bin", "args", "nodes", "node_count", "concurrency",
               "consistency_models", "time_limit", "rate", "latency", "latency_dist",
               "nemesis", "nemesis_interval", "topology", "availability", "key_count",
               "max_txn_length", "max_writes_per_key", "seed", "linearizability_budget",
               "stricter")
# shrink's own flags, which may go with a run folder; any other flag may not.
_OWN = {"command", "target", "store", "quiet", "no_pictures", "budget", "keep"}
PLAN_FILE = "shrink-plan.json"
INTERRUPTED = 130


def main(ns, out=None):
    """The command; returns the exit status (raises cli.UsageError for bad arguments)."""
    out = out or sys.stdout
    base = _options(ns)
    from .main import load_workload, run_test
    workload = load_workload(base["workload"])
    budget = ns.budget or DEFAULT_BUDGET
    print(f"Shrinking {base['workload']} seed {base['seed']}: {len(base['nodes'])} node(s), "
          f"{base['time_limit']} s, rate {base['rate']:g}, {base['concurrency']} thread(s), "
          f"faults: {','.join(base['nemesis']) or 'none'}; replayed in virtual time, budget "
          f"{budget:g} s (Ctrl-C stops and keeps the best run so far)", file=out, flush=True)
    shrinker = Shrinker(base, workload, budget, ns.keep,
                        report=lambda line: print(line, file=out, flush=True))
    try:
        result = shrinker.run()
    except NothingToShrink as error:
        raise cli.UsageError(f"nothing to shrink: {error}") from None
    except ValueError as error:
        raise cli.UsageError(str(error)) from None
    why = {"done": "no smaller candidate fails", "budget": f"the {budget:g} s budget is spent",
           "Ctrl-C": "stopped by Ctrl-C"}[result.ended]
    print(f"\nShrunk in {result.runs} runs, {result.seconds:.1f} s ({why}):\n"
          f"  from {result.baseline.size()}\n  to   {result.best.size()}\n"
          f"  still {result.target}", file=out, flush=True)
    opts = _final_options(result, base, ns)
    plan = opts.get("plan")
    try:
        print("\nThe shrunk run, replayed into a run folder:", file=out, flush=True)
        outcome = run_test(opts, out=out)
    except KeyboardInterrupt:
        path = _write_plan(ns.store, plan, f"shrink-plan-{base['workload']}-seed"
                                           f"{base['seed']}.json") if plan else None
        print(f"\ninterrupted: the best run so far replays with\n  "
              f"{replay_command(opts, path)}", file=out)
        return INTERRUPTED
    path = _write_plan(outcome.run_dir, plan, PLAN_FILE) if plan else None
    command = replay_command(opts, path)
    _write_text(outcome.run_dir, "shrink-steps.txt", result.steps + ["", command])
    kept = _failures(outcome, workload)
    if result.target not in kept:
        print(f"\nWARNING: the replay fails with {shrink_failure.describe(kept)}, not "
              f"{result.target}: the search's runs and this one differ, a bench bug worth "
              "reporting", file=out)
    lines = _story(outcome, opts, workload, result)
    _write_text(outcome.run_dir, "story.txt", lines)
    print("\nStory (story.txt):", file=out)
    for line in lines:
        print(f"  {line}", file=out)
    print(f"\nReplay it byte for byte:\n  {command}", file=out)
    return INTERRUPTED if result.ended == "Ctrl-C" else outcome.exit_status


def _options(ns):
    """The run to shrink: from a run folder's test.json, or from the flags."""
    if ns.bin is None and len(ns.target) == 1:
        return _folder_options(ns)
    if ns.bin is None:
        raise cli.UsageError("shrink takes a run folder (RUN_DIR), or a test's flags with "
                             "--bin and --seed")
    if ns.seed is None:
        raise cli.UsageError("shrink needs --seed N: the seed of the failing run")
    if ns.seeds:
        raise cli.UsageError("shrink takes one failing --seed, not --seeds")
    ns.virtual_time = True             # shrinking replays runs in virtual time
    ns.args = list(ns.target)
    return {**cli.test_options(ns), "quiet": True}


def _folder_options(ns):
    _, fresh = cli.parse(["shrink"])
    for name, value in vars(ns).items():
        if name not in _OWN and value != getattr(fresh, name, value):
            flag = "--" + name.replace("_", "-")
            raise cli.UsageError(f"{flag} has no place beside a run folder: its test.json "
                                 "gives the run's options")
    path = os.path.join(ns.target[0], "test.json")
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as error:
        raise cli.UsageError(f"{ns.target[0]}: not a run folder of this bench ({path}: "
                             f"{error.strerror or error})") from None
    except ValueError:
        raise cli.UsageError(f"{path} is not JSON; the folder cannot be replayed") from None
    if not isinstance(meta, dict):
        raise cli.UsageError(f"{path} does not hold a run's options")
    if meta.get("interrupted"):
        raise cli.UsageError(f"{ns.target[0]}: the run was {meta['interrupted']}; shrink "
                             "needs a run that ended with a verdict")
    missing = [key for key in OPTION_KEYS if key not in meta]
    if missing:
        raise cli.UsageError(f"{path} lacks {', '.join(missing)}: not a run of this bench "
                             "(a real Maelstrom folder cannot be replayed)")
    if meta.get("virtual_time") is not True:
        raise cli.UsageError(
            f"{ns.target[0]}: a run with node processes (no --virtual-time), which no replay "
            "can repeat; shrink a seed that fails in virtual time: python3 -m glomers "
            f"{shlex.join(_shrink_argv(meta))}")
    if _verdict(ns.target[0]) is True:
        raise cli.UsageError(f"{ns.target[0]}: the run is valid (results.json); shrink "
                             "needs a failing run")
    opts = {key: meta[key] for key in OPTION_KEYS}
    if "plan" in meta:
        opts["plan"] = meta["plan"]
    problem = node_programs.program_problem(opts["bin"], in_process=True)
    if problem:
        raise cli.UsageError(f"the run's --bin {opts['bin']}: {problem}")
    problem = store.check_writable(ns.store)
    if problem:
        raise cli.UsageError(f"--store {ns.store}: {problem}")
    return {**opts, "virtual_time": True, "store": ns.store, "quiet": True,
            "pictures": True, "log_stderr": False, "log_net_send": False,
            "log_net_recv": False, "show_schedule": False}


def _verdict(run_dir):
    """The valid? of a run folder's results.json; None when there is none (an aborted run)."""
    try:
        with open(os.path.join(run_dir, "results.json"), encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError):
        return None
    return results.get("valid?") if isinstance(results, dict) else None


def _shrink_argv(meta):
    """`shrink` arguments for a process-mode run's options, in virtual time."""
    argv = replay_argv({**meta, "args": []}, None)[1:]
    argv = [a for a in argv if a != "--virtual-time"]
    return ["shrink", *argv, *(["--", *meta["args"]] if meta.get("args") else [])]


def _final_options(result, base, ns):
    shape = result.best.shape
    opts = {**shape.opts(base), "store": ns.store, "quiet": ns.quiet,
            "pictures": not ns.no_pictures, "virtual_time": True}
    if needs_plan(shape):
        opts["plan"] = shape.plan.to_json(opts, notes={
            "fails": result.target, "shrunk-from": _origin(base)})
    return opts


def _origin(base):
    """The command of the run first shrunk: a shrunk run's plan remembers its own."""
    notes = (base.get("plan") or {}).get("notes") or {}
    if notes.get("shrunk-from"):
        return notes["shrunk-from"]
    return replay_command({**base, "plan": None}, None)


def _failures(outcome, workload):
    found = shrink_failure.names(outcome.results, workload.NAME)
    if outcome.reason and "crash" in outcome.reason:
        found.append(shrink_failure.CRASH)
    return found


def _story(outcome, opts, workload, result):
    run_dir = outcome.run_dir
    history = edn.read_history(os.path.join(run_dir, "history.edn"))
    journal = store.Journal(os.path.join(run_dir, "journal.jsonl"))
    try:
        with open(os.path.join(run_dir, "pictures.json"), encoding="utf-8") as f:
            where = json.load(f).get("where") or []
    except (OSError, ValueError):
        where = []
    return shrink_story.story(history, journal, outcome.results or {}, opts, workload,
                              result.target, result.baseline.size(), result.best.size(),
                              where)


def _write_plan(folder, plan, name):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(plan, f, indent=1)
        f.write("\n")
    return path


def _write_text(folder, name, lines):
    with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def replay_command(opts, plan_path):
    """The `python3 -m glomers test ...` command that replays a run with these options."""
    return "python3 -m glomers " + shlex.join(replay_argv(opts, plan_path))


def replay_argv(opts, plan_path):
    """The `test` arguments of replay_command: every option that differs from its default,
    the seed, --virtual-time, and --plan when the run has one."""
    argv = ["test", "-w", opts["workload"], "--bin", opts["bin"]]
    nodes = list(opts["nodes"])
    if nodes == [f"n{i}" for i in range(len(nodes))]:
        argv += ["--node-count", str(len(nodes))]
    elif flag_nodes(nodes) is False and plan_path is None:
        raise ValueError(f"nodes {nodes} need a plan file")
    argv += ["--time-limit", str(opts["time_limit"]), "--rate", _number(opts["rate"]),
             "--concurrency", str(opts["concurrency"])]
    defaults = (("latency", 0), ("latency_dist", "constant"), ("nemesis_interval", 10.0),
                ("topology", "grid"), ("availability", None), ("key_count", None),
                ("max_txn_length", 4), ("max_writes_per_key", 16),
                ("linearizability_budget", None))
    if opts["nemesis"]:
        argv += ["--nemesis", ",".join(opts["nemesis"])]
    for key, default in defaults:
        if opts.get(key) != default:
            argv += ["--" + key.replace("_", "-"), _number(opts[key])]
    if opts.get("consistency_models", ["strict-serializable"]) != ["strict-serializable"]:
        argv += ["--consistency-models", " , ".join(opts["consistency_models"])]
    if opts.get("stricter"):
        argv.append("--stricter")
    argv += ["--seed", str(opts["seed"]), "--virtual-time"]
    if plan_path is not None:
        argv += ["--plan", plan_path]
    if opts.get("args"):
        argv += ["--", *opts["args"]]
    return argv


def _number(value):
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)
