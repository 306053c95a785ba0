"""A run folder read and interpreted: ours (store/<workload>/<time>/) or real Maelstrom's.

Reads results.edn, history.edn (or the oracle's history.edn.gz), our test.json and
journal.jsonl, or Maelstrom's jepsen.log (or jepsen.log.tail); works out the workload and
the test options (from test.json, else the command line or test map in the log, else a
guess from the history). `explain` and `oracle` both start here.
"""

import dataclasses
import importlib
import json
import re
import shlex
from pathlib import Path

from . import cli, edn, store

# Workload name -> the module under glomers/checkers holding check() and explain().
CHECKERS = {"echo": "echo", "unique-ids": "unique_ids", "broadcast": "set_full",
            "g-counter": "g_counter", "kafka": "kafka", "txn-rw-register": "txn_rw_register",
            "lin-kv": "lin_kv", "g-set": "set_full", "pn-counter": "g_counter",
            "txn-list-append": "list_append"}

@dataclasses.dataclass
class Folder:
    """One run folder, read and interpreted."""

    dir: Path
    source: str                  # "bench" (has test.json) or "maelstrom"
    workload: str | None
    results: dict | None
    history: list | None
    history_error: str | None
    opts: dict
    opts_from: str               # where the options came from, in words
    journal: list | None
    log: str | None
    meta: dict                   # the bench's test.json (aborted, problems), else {}


def checker_module(workload):
    """The checker module of a workload, or None while it is not in this checkout."""
    name = CHECKERS.get(workload)
    if name is None:
        return None
    try:
        return importlib.import_module(f"glomers.checkers.{name}")
    except ImportError:
        return None


# ---------------------------------------------------------------------------------------
# Reading a folder


def load(path):
    """Read a run folder (symlinks such as store/latest followed) into a Folder."""
    folder = Path(path).resolve()
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: not a folder")
    results = _read_results(folder)
    history, history_error = _read_history(folder)
    meta = _read_json(folder / "test.json")
    log = _read_log(folder)
    journal = store.read_journal(str(folder)) if meta else None
    workload = (meta.get("workload") or _workload_from_log(log) or _workload_from_results(results)
                or _workload_from_history(history) or _workload_from_path(folder))
    if meta:
        opts, opts_from = _bench_options(meta), "test.json"
    else:
        opts, opts_from = infer_options(log, history)
    opts.setdefault("workload", workload)
    return Folder(folder, "bench" if meta else "maelstrom", workload, results, history,
                  history_error, opts, opts_from, journal, log, meta)


def _read_results(folder):
    path = folder / "results.edn"
    if not path.exists():
        return None
    return edn.loads(path.read_text(encoding="utf-8"))


def _read_history(folder):
    """(ops, None), or (None, why not)."""
    for name in ("history.edn", "history.edn.gz"):
        if (folder / name).exists():
            try:
                return edn.read_history(folder / name), None
            except (edn.EDNError, OSError, EOFError) as error:
                return None, f"{name} could not be read: {error}"
    return None, "the folder has no history.edn"


def _read_json(path):
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _read_log(folder):
    for name in ("jepsen.log", "jepsen.log.tail"):
        if (folder / name).exists():
            return (folder / name).read_text(encoding="utf-8", errors="replace")
    return None


def _bench_options(meta):
    opts = {key: meta.get(key) for key in ("workload", "nodes", "node_count", "concurrency",
                                           "availability", "consistency_models", "latency",
                                           "rate", "time_limit", "nemesis", "challenge")}
    return {key: value for key, value in opts.items() if value is not None}


# Result keys only one workload's checker writes.
_RESULT_SIGNS = (("lost-count", "broadcast"), ("final-reads", "g-counter"),
                 ("attempted-count", "unique-ids"), ("worst-realtime-lag", "kafka"),
                 ("anomaly-types", "txn-rw-register"), ("errors", "echo"),
                 ("failures", "lin-kv"))
_HISTORY_SIGNS = {"echo": "echo", "generate": "unique-ids", "broadcast": "broadcast",
                  "add": "g-counter", "send": "kafka", "poll": "kafka", "txn": "txn-rw-register",
                  "cas": "lin-kv", "write": "lin-kv"}


def _workload_from_results(results):
    workload = (results or {}).get("workload")
    if not isinstance(workload, dict):
        return None
    return next((name for key, name in _RESULT_SIGNS if key in workload), None)


def _workload_from_history(history):
    found = None
    for op in history or ():
        if op.get("f") in _HISTORY_SIGNS:
            found = found or _HISTORY_SIGNS[op["f"]]
        # Workloads that share an f: a set read, a negative delta, an append.
        value = op.get("value")
        if op.get("f") == "read" and isinstance(value, list) and found == "g-counter":
            return "g-set"
        if op.get("f") == "add" and isinstance(value, int) and value < 0:
            return "pn-counter"
        if op.get("f") == "txn" and any(mop[:1] == ["append"] for mop in value or ()):
            return "txn-list-append"
    return found


def _workload_from_path(folder):
    # Maelstrom's layout is store/<workload>/<start time>/.
    return folder.parent.name if folder.parent.name in CHECKERS else None


def _workload_from_log(log):
    argv = command_line(log)
    if argv and "-w" in argv[:-1]:
        return argv[argv.index("-w") + 1]
    return None


def command_line(log):
    """The `test` arguments of a Maelstrom run from its log, or None.

    jepsen.log prints the test map with its :argv; the oracle's tails start with a
    "Command line:" line instead.
    """
    if not log:
        return None
    match = re.search(r"^Command line:\s*\n(.+)$", log, re.MULTILINE)
    if match:
        words = shlex.split(match.group(1))
        return words[words.index("test") + 1:] if "test" in words else words
    match = re.search(r":argv\s*\n?\s*[\(\[]((?:\s*\"(?:[^\"\\]|\\.)*\"\s*)*)[\)\]]", log)
    if match:
        words = [json.loads(f'"{w}"') for w in re.findall(r'"((?:[^"\\]|\\.)*)"',
                                                          match.group(1))]
        return words[1:] if words[:1] == ["test"] else words
    return None


def infer_options(log, history):
    """(options, where they came from) for a Maelstrom folder: its command line, else the
    test map in its log, else Maelstrom's defaults with concurrency guessed from the history."""
    argv = command_line(log)
    if argv is not None:
        parser = cli._Parser(add_help=False)
        cli.add_test_flags(parser)
        try:
            ns, _ = parser.parse_known_args(argv)
        except cli.UsageError:
            ns = None
        if ns is not None:
            return ({"workload": ns.workload, **cli.derived_options(ns),
                     "availability": ns.availability, "latency": ns.latency, "rate": ns.rate,
                     "time_limit": ns.time_limit, "nemesis": ns.nemesis},
                    "the command line in the log")
    opts = {}
    nodes = re.search(r"^ :nodes \[([^\]]*)\]", log or "", re.MULTILINE)
    if nodes:
        opts["nodes"] = re.findall(r'"([^"]+)"', nodes.group(1))
        opts["node_count"] = len(opts["nodes"])
    concurrency = re.search(r"^ :concurrency (\d+)", log or "", re.MULTILINE)
    if concurrency:
        opts["concurrency"] = int(concurrency.group(1))
    if opts:
        return opts, "the test map in the log"
    concurrency = guess_concurrency(history)
    if concurrency:
        return {"concurrency": concurrency}, "a guess from the history (no log)"
    return {}, "nothing (no log, no history)"


def guess_concurrency(history):
    """Client threads, from the history: a thread's process is replaced (by process +
    concurrency) only after an :info, so every process seen before the first :info is an
    original thread."""
    seen = set()
    for op in history or ():
        process = op.get("process")
        if not isinstance(process, int):
            continue
        if op.get("type") == "info":
            break
        seen.add(process)
    return max(seen) + 1 if seen else None
