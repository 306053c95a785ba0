"""A run folder read and interpreted: ours (store/<workload>/<time>/) or real Maelstrom's.

Reads results.edn, history.edn (or the oracle's history.edn.gz), our test.json and
journal.jsonl, or Maelstrom's jepsen.log (or jepsen.log.tail), each through run_files, so
a damaged file becomes a problem naming it rather than an exception; works out the
workload and the test options (from test.json, else the command line or test map in the
log, else a guess from the history) and notices files that contradict each other.
`explain` and `oracle` both start here.
"""

import dataclasses
import functools
import importlib
import os
import re
import shlex
from pathlib import Path

from . import cli, edn, run_files
from .run_files import Unreadable

# Workload name -> the module under glomers/checkers holding check() and explain().
CHECKERS = {"echo": "echo", "unique-ids": "unique_ids", "broadcast": "set_full",
            "g-counter": "g_counter", "kafka": "kafka", "txn-rw-register": "txn_rw_register",
            "lin-kv": "lin_kv", "g-set": "set_full", "pn-counter": "g_counter",
            "txn-list-append": "list_append"}

# Files only the bench writes, files only Maelstrom writes, and the ones a run is read from.
BENCH_FILES = ("test.json", "journal.jsonl", "results.json")
MAELSTROM_FILES = ("jepsen.log", "jepsen.log.tail", "test.jepsen", "net-journal")
RUN_FILES = ("results.edn", "history.edn", "history.edn.gz", "history.txt", "node-logs",
             "messages.svg", "timeline.html") + BENCH_FILES + MAELSTROM_FILES
MAX_ENTRIES = 1000          # entries of a folder looked at
MAX_SEARCHED = 5000         # entries looked at when searching for runs beneath a folder
MAX_NODES = 10000           # a --node-count above this in a log is not believed


class NotARunFolder(Exception):
    """DIR is not a folder, or holds none of a run's files; str() says which."""

    def __init__(self, message, runs=(), more=0):
        super().__init__(message)
        self.runs = list(runs)   # run folders found beneath DIR, newest first
        self.more = more         # how many more were found and not listed


@dataclasses.dataclass
class Folder:
    """One run folder, read and interpreted."""

    dir: Path
    source: str                  # "bench", "maelstrom", or "unknown" (nothing says which)
    workload: str | None
    results: dict | None
    history: list | None
    history_error: str | None    # why there is no history to re-check
    opts: dict
    opts_from: str               # where the options came from, in words
    journal: list | None
    log: str | None
    meta: dict                   # the bench's test.json (aborted, problems), else {}
    problems: list = dataclasses.field(default_factory=list)     # [Unreadable]
    files: list = dataclasses.field(default_factory=list)        # names in the folder
    command: str | None = None   # the command line the log holds
    workloads: dict = dataclasses.field(default_factory=dict)    # where -> workload

    @property
    def damaged(self):
        """True when some file could not be read, or the files contradict each other."""
        return bool(self.problems)

    def has(self, name):
        """True when the folder holds an entry of that name."""
        return name in self.files


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
    """Read a run folder (symlinks such as store/latest followed) into a Folder.

    Raises NotARunFolder when `path` is not a folder or holds none of a run's files.
    Every other fault (a damaged or unreadable file, files from different runs) is kept
    in Folder.problems and what could be read is still used.
    """
    folder = Path(os.path.realpath(path))
    files = _entries(path)
    present = {name for name in RUN_FILES if os.path.lexists(folder / name)}
    if not present:
        runs, more = runs_beneath(path)
        raise NotARunFolder(f"{path} is not a run folder (it holds no results.edn, history, "
                            "test.json, jepsen.log or node-logs/)", runs, more)
    files = sorted(set(files) | present)
    problems = []

    def attempt(reader, *args):
        try:
            return reader(*args)
        except Unreadable as error:
            problems.append(error)
            return None

    results = attempt(run_files.read_results, str(folder / "results.edn"))
    history, history_error = None, "the folder has no history.edn"
    history_name = "history.edn"
    for name in ("history.edn", "history.edn.gz"):
        if name in present:
            history, history_name = attempt(run_files.read_history, str(folder / name)), name
            history_error = None if history is not None else f"{name} could not be read"
            break
    meta = _checked_meta(attempt(run_files.read_json, str(folder / "test.json"),
                                 run_files.LIMITS["test.json"]), problems)
    log, names = None, {"history": history_name, "log": "jepsen.log"}
    for name in ("jepsen.log", "jepsen.log.tail"):
        if name in present:
            log, names["log"] = attempt(run_files.read_log, str(folder / name)), name
            break
    journal = attempt(run_files.read_journal, str(folder / "journal.jsonl"))
    source = ("bench" if present & set(BENCH_FILES)
              else "maelstrom" if present & {*MAELSTROM_FILES, "results.edn", "history.edn.gz"}
              else "unknown")
    command = command_text(log)
    workloads = _workload_signals(meta, command, results, history, names, problems)
    workload = _one_workload(workloads, folder)
    if meta:
        opts, opts_from = _bench_options(meta), "test.json"
    else:
        opts, opts_from = infer_options(log, history)
    opts.setdefault("workload", workload)
    return Folder(folder, source, workload, results, history, history_error, opts,
                  opts_from, journal, log, meta, problems, files, command, workloads)


def _entries(path):
    """Names in the folder at `path` (at most MAX_ENTRIES), or NotARunFolder."""
    try:
        names = []
        with os.scandir(path) as entries:
            for entry in entries:
                names.append(entry.name)
                if len(names) >= MAX_ENTRIES:
                    break
        return sorted(names)
    except FileNotFoundError:
        if os.path.islink(path):
            raise NotARunFolder(f"{path} is a symlink to a folder that does not exist") \
                from None
        raise NotARunFolder(f"{path}: no such folder") from None
    except NotADirectoryError:
        parent = os.path.dirname(os.path.abspath(path))
        raise NotARunFolder(f"{path} is a file, not a run folder; the folder holding it is "
                            f"{parent}") from None
    except OSError as error:
        raise NotARunFolder(f"{path} {run_files._os_reason(error)}") from None
    except ValueError as error:
        raise NotARunFolder(f"{path}: {error}") from None


def runs_beneath(path, limit=10, depth=3):
    """([run folders beneath `path`, newest first, at most `limit`], how many more).

    Looks `depth` levels down (store/<workload>/<time>), never through symlinks (store's
    `latest` links would list runs twice) nor hidden folders (.git), and at no more than
    MAX_SEARCHED entries.
    """
    found, queue, seen = [], [(str(path), 0)], 0
    while queue and seen < MAX_SEARCHED:
        here, level = queue.pop(0)
        try:
            with os.scandir(here) as entries:
                subfolders = []
                for entry in entries:
                    seen += 1
                    if seen >= MAX_SEARCHED:
                        break
                    if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") \
                            and entry.name != "__pycache__":
                        subfolders.append(entry.path)
        except (OSError, ValueError):
            continue
        for sub in sorted(subfolders):
            try:
                mtime = os.stat(sub).st_mtime
            except OSError:
                continue
            if any(os.path.lexists(os.path.join(sub, name)) for name in RUN_FILES):
                found.append((mtime, sub))
            elif level + 1 < depth:
                queue.append((sub, level + 1))
    found.sort(reverse=True)
    return [sub for _, sub in found[:limit]], max(0, len(found) - limit)


# The keys of test.json explain relies on, with what each must be.
def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _is_names(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_META_KEYS = {
    "workload": (lambda v: isinstance(v, str), "a workload name"),
    "nodes": (_is_names, "a list of node names"),
    "node_count": (_is_count, "a positive whole number"),
    "concurrency": (_is_count, "a positive whole number"),
    "availability": (lambda v: v is None or v == "total" or (_is_number(v) and v <= 1),
                     'null, "total" or a fraction'),
    "consistency_models": (_is_names, "a list of model names"),
    "latency": (_is_number, "a number"),
    "rate": (_is_number, "a number"),
    "time_limit": (_is_number, "a number"),
    "nemesis": (_is_names, "a list of faults"),
    "challenge": (lambda v: v is None or isinstance(v, str), "a part name"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "virtual_time": (lambda v: isinstance(v, bool), "true or false"),
    "aborted": (lambda v: v is None or isinstance(v, str), "null or a reason"),
    "problems": (lambda v: isinstance(v, list) and all(isinstance(p, dict) for p in v),
                 "a list of problem records"),
}


def _checked_meta(meta, problems):
    """test.json with every key explain relies on checked; a bad one is dropped and
    recorded as a problem."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        problems.append(Unreadable("test.json", f"holds {run_files.describe_value(meta)}, "
                                                "not the run's options (a JSON object)"))
        return {}
    checked = dict(meta)
    for key, (good, what) in _META_KEYS.items():
        if key in checked and not good(checked[key]):
            problems.append(Unreadable("test.json", f"{key!r} is "
                                       f"{run_files.describe_value(checked[key])}, not {what}"))
            del checked[key]
    if not checked:
        problems.append(Unreadable("test.json", "holds none of the run's options"))
    return checked or {"workload": None}


def _bench_options(meta):
    opts = {key: meta.get(key) for key in ("workload", "nodes", "node_count", "concurrency",
                                           "availability", "consistency_models", "latency",
                                           "rate", "time_limit", "nemesis", "challenge")}
    return {key: value for key, value in opts.items() if value is not None}


# ---------------------------------------------------------------------------------------
# Which workload, and do the files agree on it?

# Which workloads a result key or an op can come from. Some are shared: g-counter and
# pn-counter write the same result keys, g-set and broadcast too, and the two txn workloads.
_RESULT_SIGNS = (("lost-count", ("broadcast", "g-set")),
                 ("final-reads", ("g-counter", "pn-counter")),
                 ("attempted-count", ("unique-ids",)), ("worst-realtime-lag", ("kafka",)),
                 ("anomaly-types", ("txn-rw-register", "txn-list-append")),
                 ("errors", ("echo",)), ("failures", ("lin-kv",)))
_HISTORY_SIGNS = {"echo": ("echo",), "generate": ("unique-ids",), "broadcast": ("broadcast",),
                  "add": ("g-counter", "pn-counter", "g-set"), "send": ("kafka",),
                  "poll": ("kafka",), "txn": ("txn-rw-register", "txn-list-append"),
                  "cas": ("lin-kv",), "write": ("lin-kv",)}


def _workload_signals(meta, command, results, history, names, problems):
    """{where: workloads} as each file tells it: "test.json" and "log" name one workload,
    "results.edn" and "history" the workloads they could come from (a tuple, best guess
    first). A problem is added for every contradiction. `names` gives the file names of
    the log and the history, for the problems to name."""
    signals = {}
    if isinstance(meta.get("workload"), str):
        signals["test.json"] = (meta["workload"][:60],)
    argv = command_words(command)
    if argv and _flag(argv, "-w", "--workload"):
        signals["log"] = (_flag(argv, "-w", "--workload")[:60],)
    if _workload_from_results(results):
        signals["results.edn"] = _workload_from_results(results)
    in_history = _workloads_in_history(history)
    if len(in_history) > 1:
        problems.append(Unreadable(names["history"], "mixes the ops of "
                                   + " and ".join(w[0] for w in in_history) + " runs"))
    if in_history:
        signals["history"] = in_history[0]
    told = {"test.json": "names the workload", "log": "holds a command that runs -w",
            "results.edn": "holds a verdict on"}
    theirs = signals.get("history")
    for where, workloads in signals.items():
        if where != "history" and theirs and not set(workloads) & set(theirs):
            problems.append(Unreadable(names.get(where, where),
                                       f"{told[where]} {workloads[0]}, but the history holds "
                                       f"{theirs[0]} ops: they are not from the same run"))
    if "history" not in signals and signals.get("results.edn") and signals.get("test.json") \
            and not set(signals["results.edn"]) & set(signals["test.json"]):
        problems.append(Unreadable("results.edn", f"holds a verdict on "
                                   f"{signals['results.edn'][0]}, but test.json names "
                                   f"{signals['test.json'][0]}"))
    return signals


def _one_workload(signals, folder):
    """The run's workload: the first named one the data allows, else the data's best guess."""
    allowed = None
    for where in ("history", "results.edn"):
        if where in signals:
            allowed = set(signals[where]) if allowed is None else allowed & set(signals[where])
    for where in ("test.json", "log"):
        if where in signals and (allowed is None or signals[where][0] in allowed):
            return signals[where][0]
    for where in ("history", "results.edn"):
        if where in signals:
            return next((w for w in signals[where] if allowed is None or w in allowed),
                        signals[where][0])
    return _workload_from_path(folder)


def _workload_from_results(results):
    workload = (results or {}).get("workload")
    if not isinstance(workload, dict):
        return None
    return next((names for key, names in _RESULT_SIGNS if key in workload), None)


def _op_workloads(op):
    """The workloads an op can come from, narrowed by its value where that tells."""
    f, value = op.get("f"), op.get("value")
    names = _HISTORY_SIGNS.get(f)
    if f == "add" and isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return ("pn-counter",)
    if f == "read" and op.get("type") == "ok" and isinstance(value, int) \
            and not isinstance(value, bool):
        return ("g-counter", "pn-counter")     # other workloads read lists or [key value]
    if f == "txn" and isinstance(value, (list, tuple)):
        kinds = {mop[0] for mop in value if isinstance(mop, (list, tuple)) and mop}
        if "append" in kinds:
            return ("txn-list-append",)
        if "w" in kinds:
            return ("txn-rw-register",)
    return names


def _workloads_in_history(history):
    """Groups of workloads the history's ops can come from (each a tuple, best guess
    first): one group when the ops agree, several when they cannot be from one run."""
    groups = []
    for op in history or ():
        if not isinstance(op, dict):
            continue
        names = _op_workloads(op)
        if not names:
            continue
        for index, group in enumerate(groups):
            common = tuple(w for w in group if w in names)
            if common:
                groups[index] = common
                break
        else:
            groups.append(tuple(names))
    return groups


def _workload_from_path(folder):
    # Maelstrom's layout is store/<workload>/<start time>/.
    return folder.parent.name if folder.parent.name in CHECKERS else None


# ---------------------------------------------------------------------------------------
# The command line and options of a Maelstrom run


def command_text(log):
    """The command line a Maelstrom log holds, as written, or None.

    jepsen.log has a "Command line:" line (the oracle's tails start with it); failing that,
    the test map's :argv list is joined back into a command.
    """
    if not log:
        return None
    match = re.search(r"^Command line:[ \t]*\n(.+)$", log, re.MULTILINE)
    if match:
        return match.group(1).strip()[:2000]
    # Only the first :argv is tried: trying the pattern at every one of thousands of
    # :argv in a hostile log would take quadratic time.
    start = log.find(":argv")
    match = start >= 0 and re.compile(
        r':argv\s*[\(\[]((?:\s*"(?:[^"\\]|\\.)*")*)\s*[\)\]]').match(log, start)
    if match:
        words = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
        return ("maelstrom " + " ".join(shlex.quote(_unquote(word)) for word in words))[:2000]
    return None


def _unquote(word):
    return re.sub(r"\\(.)", r"\1", word)


def command_words(command):
    """The `test` arguments of a command line (what follows the word `test`), or None."""
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:                  # an unbalanced quote
        words = command.split()
    return words[words.index("test") + 1:] if "test" in words else words


def command_line(log):
    """The `test` arguments of a Maelstrom run from its log, or None."""
    return command_words(command_text(log))


def _flag(words, *names):
    for position, word in enumerate(words):
        if word in names and position + 1 < len(words):
            return words[position + 1]
        for name in names:
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


@functools.lru_cache(maxsize=1)
def _test_parser():
    parser = cli._Parser(add_help=False)
    cli.add_test_flags(parser)
    return parser


def parse_command(argv):
    """(namespace, words Maelstrom did not read as flags) for `test` arguments, or
    (None, []) when they are not a command the bench's parser understands."""
    try:
        ns, unread = _test_parser().parse_known_args(argv)
    except (cli.UsageError, SystemExit):
        return None, []
    if ns.node_count and ns.node_count > MAX_NODES:
        return None, []
    return ns, unread


def infer_options(log, history):
    """(options, where they came from) for a Maelstrom folder: its command line, else the
    test map in its log, else Maelstrom's defaults with concurrency guessed from the history."""
    argv = command_line(log)
    if argv is not None:
        ns, _ = parse_command(argv)
        if ns is not None:
            try:
                derived = cli.derived_options(ns)
            except (ValueError, AttributeError):
                derived = None
            if derived is not None:
                return ({"workload": ns.workload, **derived,
                         "availability": ns.availability, "latency": ns.latency,
                         "rate": ns.rate, "time_limit": ns.time_limit,
                         "nemesis": ns.nemesis},
                        "the command line in the log")
    opts = {}
    first = re.search(r"^ :nodes \[", log or "", re.MULTILINE)   # the first only, as above
    nodes = first and re.compile(r"\[([^\]]*)\]").match(log, first.end() - 1)
    if nodes:
        opts["nodes"] = re.findall(r'"([^"]+)"', nodes.group(1))[:MAX_NODES]
        opts["node_count"] = len(opts["nodes"])
    concurrency = re.search(r"^ :concurrency (\d{1,9})\b", log or "", re.MULTILINE)
    if concurrency:
        opts["concurrency"] = int(concurrency.group(1))
    if opts:
        return opts, "the test map in the log"
    concurrency = guess_concurrency(history)
    if concurrency:
        return {"concurrency": concurrency}, "a guess from the history (no log)"
    return {}, "unknown"


def guess_concurrency(history):
    """Client threads, from the history: a thread's process is replaced (by process +
    concurrency) only after an :info, so every process seen before the first :info is an
    original thread."""
    seen = set()
    for op in history or ():
        process = op.get("process")
        if not isinstance(process, int) or isinstance(process, bool):
            continue
        if op.get("type") == "info":
            break
        seen.add(process)
    return max(seen) + 1 if seen and max(seen) < 1_000_000 else None


def node_logs(folder):
    """The node log files of a folder's node-logs/, sorted (at most MAX_ENTRIES)."""
    logs = folder.dir / "node-logs"
    try:
        with os.scandir(logs) as entries:
            names = []
            for entry in entries:
                if entry.name.endswith(".log"):
                    names.append(entry.name)
                if len(names) >= MAX_ENTRIES:
                    break
    except (OSError, ValueError):
        return []
    return sorted(names, key=lambda name: (len(name), name))


def edn_text(value, limit=200):
    """A value as one line of EDN, cut to `limit` characters."""
    try:
        text = edn.dumps(value, width=None)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
