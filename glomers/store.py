"""The run folder, shaped like Maelstrom's `store/<workload>/<time>/` (spec §10).

results.edn (Maelstrom's keys), results.json (the same for scripts), history.edn and
history.txt, node-logs/, journal.jsonl (every send and delivery), test.json (the options and
the seed, enough to replay the run), and the `latest` links.
"""

import datetime
import json
import os

from . import edn


def new_run_dir(root, workload):
    """Create `root/<workload>/<yyyyMMddTHHmmss.SSS±hhmm>/` and return its path."""
    now = datetime.datetime.now().astimezone()
    stamp = now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}" + now.strftime("%z")
    path = os.path.join(root, workload, stamp)
    suffix = 1
    while os.path.exists(path):
        suffix += 1
        path = os.path.join(root, workload, f"{stamp}-{suffix}")
    os.makedirs(path)
    return path


def _link(target, link):
    tmp = link + ".tmp"
    try:
        if os.path.lexists(tmp):
            os.remove(tmp)
        os.symlink(os.path.relpath(target, os.path.dirname(link)), tmp)
        os.replace(tmp, link)
    except OSError:
        pass          # links are a convenience; a file system without them still works


def link_latest(root, workload, run_dir):
    """Point store/latest, store/current and store/<workload>/latest at this run."""
    for link in (os.path.join(root, "latest"), os.path.join(root, "current"),
                 os.path.join(root, workload, "latest")):
        _link(run_dir, link)


def to_json(value):
    """Results and histories as plain JSON (sets become sorted lists, keys strings)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(to_json(k)): to_json(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, float):
        return float(value)
    return value


def write_history(run_dir, history):
    with open(os.path.join(run_dir, "history.edn"), "w", encoding="utf-8") as out:
        for op in history:
            out.write(edn.dumps_op(op) + "\n")
    with open(os.path.join(run_dir, "history.txt"), "w", encoding="utf-8") as out:
        for op in history:
            out.write(edn.history_txt_line(op) + "\n")


def write_results(run_dir, results):
    with open(os.path.join(run_dir, "results.edn"), "w", encoding="utf-8") as out:
        out.write(edn.dumps(results) + "\n")
    with open(os.path.join(run_dir, "results.json"), "w", encoding="utf-8") as out:
        json.dump(to_json(results), out, indent=1)
        out.write("\n")


def write_journal(run_dir, events):
    with open(os.path.join(run_dir, "journal.jsonl"), "w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")


def read_journal(run_dir):
    """The journal of a bench run folder, or None (real Maelstrom folders have none)."""
    path = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write_json(run_dir, name, value):
    """Any extra result as JSON beside the others (e.g. stricter.json)."""
    with open(os.path.join(run_dir, name), "w", encoding="utf-8") as out:
        json.dump(to_json(value), out, indent=1)
        out.write("\n")


def write_test(run_dir, opts, extra):
    with open(os.path.join(run_dir, "test.json"), "w", encoding="utf-8") as out:
        json.dump({**to_json(opts), **to_json(extra)}, out, indent=1)
        out.write("\n")
