"""The run folder, shaped like Maelstrom's `store/<workload>/<time>/` (spec §10).

results.edn (Maelstrom's keys), results.json (the same for scripts), history.edn and
history.txt, node-logs/, journal.jsonl (every send and delivery, written as the run goes),
test.json (the options and the seed, enough to replay the run), and the `latest` links.

Every file is valid JSON or EDN: a float JSON cannot carry (NaN, Infinity) is written as a
string, never as a bare NaN. Long strings are cut as `quote` says, except in history.edn and
the journal's send events, which keep what the node sent whole (once).
"""

import collections
import datetime
import json
import math
import os
import tempfile
import weakref

from . import edn, quote
from .compact_json import compact_encoder
from .net import Message

_encode_compact = compact_encoder(allow_nan=False)
_EVENT_TEXT = {event: f'"event":"{event}"' for event in ("send", "recv", "drop")}


def new_run_dir(root, workload):
    """Create `root/<workload>/<yyyyMMddTHHmmss.SSS±hhmm>/` and return its path."""
    now = datetime.datetime.now().astimezone()
    stamp = now.strftime("%Y%m%dT%H%M%S.") + f"{now.microsecond // 1000:03d}" + now.strftime("%z")
    os.makedirs(os.path.join(root, workload), exist_ok=True)
    path = os.path.join(root, workload, stamp)
    suffix = 1
    while True:
        try:
            os.mkdir(path)      # atomic: runs started at once in parallel never share one
            return path
        except FileExistsError:
            suffix += 1
            path = os.path.join(root, workload, f"{stamp}-{suffix}")


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


def check_writable(root):
    """None if run folders can be made under `root` (creating it if need be), else why not,
    in one line."""
    if os.path.exists(root) and not os.path.isdir(root):
        return "is a file, not a folder"
    try:
        os.makedirs(root, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        if isinstance(error, (NotADirectoryError, FileExistsError)):
            return "cannot be made: part of its path is a file, not a folder"
        return f"cannot be written: {error.strerror or error}"
    return None


def to_json(value):
    """Results and histories as plain JSON (sets become sorted lists, keys strings, floats
    JSON cannot carry become the strings "NaN", "Infinity", "-Infinity")."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(to_json(k)): to_json(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else _non_finite(value)
    return value


def _non_finite(value):
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def dumps_json(value):
    """Compact JSON of a JSON-shaped value; never NaN or Infinity, even if one slipped in."""
    try:
        return _encode_compact(value)
    except ValueError:
        return _encode_compact(to_json(value))


HISTORY_BLOCK_CHARS = 1 << 20   # history.edn text gathered before each write


def write_history(run_dir, history, clipped=None):
    """history.edn whole (the checkers re-read it); history.txt, for reading, from
    `clipped` (the history with long strings cut) when given."""
    with open(os.path.join(run_dir, "history.edn"), "w", encoding="utf-8") as edn_out, \
            open(os.path.join(run_dir, "history.txt"), "w", encoding="utf-8") as txt_out:
        if clipped is None or clipped is history:
            # Lines gathered into blocks of about a megabyte: a busy run's 80,000 lines
            # take a few dozen writes, and a history of huge values is still never held
            # as text all at once.
            edn_lines, txt_lines, size = [], [], 0
            for op in history:
                edn_line, txt_line = edn.history_lines(op)     # each value printed once
                edn_lines.append(edn_line)
                txt_lines.append(txt_line)
                size += len(edn_line)
                if size >= HISTORY_BLOCK_CHARS:
                    _write_lines(edn_out, edn_lines)
                    _write_lines(txt_out, txt_lines)
                    size = 0
            _write_lines(edn_out, edn_lines)
            _write_lines(txt_out, txt_lines)
        else:
            for op in history:
                edn_out.write(edn.dumps_op(op) + "\n")
            for op in clipped:
                txt_out.write(edn.history_txt_line(op) + "\n")


def _write_lines(out, lines):
    """Write `lines`, each ended by a newline, and empty the list."""
    if lines:
        out.write("\n".join(lines) + "\n")
        lines.clear()


def write_results(run_dir, results):
    """results.edn and results.json (pass results with long strings already cut)."""
    with open(os.path.join(run_dir, "results.edn"), "w", encoding="utf-8") as out:
        out.write(edn.dumps(results) + "\n")
    _write_json_file(os.path.join(run_dir, "results.json"), results)


INIT_TYPES = ("init", "init_ok")


class JournalSummary:
    """What the message diagram needs of a whole journal before drawing any of it: the
    (src, dest) pairs, the count of messages per body type and the number of events, init
    traffic left out. Gathered event by event, by JournalWriter as it writes (so drawing
    need not read the journal twice) or from a journal read back (`of`)."""

    def __init__(self):
        self._pairs = set()
        self._counts = collections.Counter()
        self._rows = 0
        self._init = set()       # ids of init messages, whose recv is left out too
        # (src, dest, type) -> sends not yet counted in the three above: one dict update
        # per send instead of three (`add` runs once per event of a run); folded in, in
        # the order they first came, whenever pairs, counts or rows is read.
        self._sends = {}

    @property
    def pairs(self):
        """The (src, dest) pairs of the messages sent."""
        self._fold()
        return self._pairs

    @property
    def counts(self):
        """A Counter of messages sent per body type (str of its "type")."""
        self._fold()
        return self._counts

    @property
    def rows(self):
        """The number of events."""
        self._fold()
        return self._rows

    def _fold(self):
        sends = self._sends
        if sends:
            pairs, counts = self._pairs, self._counts
            for (src, dest, type_name), count in sends.items():
                pairs.add((src, dest))
                counts[type_name] += count
                self._rows += count
            sends.clear()

    def add(self, event, message):
        """Count one event ("send", "recv" or "drop") of a message (id, src, dest, body)."""
        if event == "send":
            body = message.body
            if body.__class__ is dict:
                type_name = body.get("type")
                if type_name.__class__ is not str:      # a str is what str() would give
                    type_name = str(type_name)
            else:
                type_name = "None"
            if type_name in INIT_TYPES:
                self._init.add(message.id)
                return
            key = (message.src, message.dest, type_name)
            sends = self._sends
            sends[key] = sends.get(key, 0) + 1
        elif message.id not in self._init:
            self._rows += 1

    @classmethod
    def of(cls, events):
        """The summary of journal events read back (dicts as journal.jsonl holds them)."""
        summary = cls()
        for event in events or ():
            summary.add(event["event"], Message(event["id"], event.get("src"),
                                                event.get("dest"), event.get("body")))
        return summary


JOURNAL_BLOCK_CHARS = 1 << 18   # journal text gathered before each write


class JournalWriter:
    """journal.jsonl written as the run goes, so memory does not grow with the message
    count. A send event holds the body whole; its recv event, the same body, holds it with
    long strings cut when it is big (its send event, by message id, has it whole).
    With `summarize`, `summary` is the JournalSummary of what was written (for the
    pictures; None without).

    Events are gathered into blocks of about JOURNAL_BLOCK_CHARS characters, each written
    at once (one write per event cost more than making the event's line). `close` writes
    the last block; so does the exit of the process, if the run never got to close it (an
    interrupted or crashed run keeps every event recorded)."""

    def __init__(self, run_dir, summarize=True):
        self.path = os.path.join(run_dir, "journal.jsonl")
        self._out = open(self.path, "w", encoding="utf-8")
        self._big = set()        # ids of messages whose send event was long
        self.summary = JournalSummary() if summarize else None
        self._add = self.summary.add if summarize else None
        self._lines = []         # the block being gathered; None once closed
        self._size = 0           # its characters
        self._finalizer = weakref.finalize(self, _write_and_close, self._out, self._lines)

    def record(self, time_ns, event, message):
        """Write one journal event (the Network's `record` callback)."""
        lines = self._lines
        if lines is None:
            return
        if self._add is not None:
            self._add(event, message)
        big = self._big
        if big and event == "recv" and message.id in big:
            big.discard(message.id)
            line = dumps_json({"time": time_ns, "event": event, "id": message.id,
                               "src": message.src, "dest": message.dest,
                               "body": quote.clip_value(message.body)}) + "\n"
        else:
            line = None
            text = _EVENT_TEXT.get(event)
            if text is not None and time_ns.__class__ is int:
                try:
                    # The text dumps_json would write, around the message's JSON made once.
                    line = f'{{"time":{time_ns},{text}{message.journal_tail()}\n'
                except (TypeError, ValueError):
                    pass
            if line is None:
                line = dumps_json({"time": time_ns, "event": event, "id": message.id,
                                   "src": message.src, "dest": message.dest,
                                   "body": message.body}) + "\n"
        size = len(line)
        if size > quote.VALUE_LIMIT + 1 and event == "send":
            big.add(message.id)
        lines.append(line)
        size += self._size
        if size >= JOURNAL_BLOCK_CHARS:
            self._out.write("".join(lines))
            lines.clear()
            size = 0
        self._size = size

    def close(self):
        """Write what is left and close the file; later events are not recorded."""
        self._lines = None
        self._finalizer()


def _write_and_close(out, lines):
    """The last block of a JournalWriter, then its file closed (at close, or at exit)."""
    try:
        if lines:
            out.write("".join(lines))
            lines.clear()
    finally:
        out.close()


class Journal:
    """journal.jsonl read back lazily, event by event, each time it is iterated; `summary`
    is its JournalSummary when the writer's is at hand (None: read it to know)."""

    def __init__(self, path, summary=None):
        self.path = path
        self.summary = summary

    def __iter__(self):
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def from_time(self, start):
        """The events from the first one whose time is at or after `start` on, as
        `dropwhile` over this journal would give them; the lines before it are skipped
        without decoding them whole (a pointer into the last seconds of a run would
        otherwise decode the whole journal to find it)."""
        skip = len(_TIME_PREFIX)
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                # JournalWriter's lines begin with the time, an integer: read it off that
                # prefix, inline (this loop runs once per event); decode any other line.
                end = line.find(",", skip) if line.startswith(_TIME_PREFIX) else -1
                digits = line[skip:end] if end > 0 else ""
                if digits.isascii() and digits.isdigit():
                    at = int(digits)
                else:
                    at = json.loads(line)["time"]
                if at >= start:
                    yield json.loads(line)
                    break
            for line in f:
                yield json.loads(line)


_TIME_PREFIX = '{"time":'


def write_journal(run_dir, events):
    """journal.jsonl from a list of events (the streaming JournalWriter is the usual way)."""
    with open(os.path.join(run_dir, "journal.jsonl"), "w", encoding="utf-8") as out:
        for event in events:
            out.write(dumps_json(event) + "\n")


def read_journal(run_dir):
    """The journal of a bench run folder, or None (real Maelstrom folders have none)."""
    path = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write_json(run_dir, name, value):
    """Any extra result as JSON beside the others (e.g. stricter.json)."""
    _write_json_file(os.path.join(run_dir, name), quote.clip_value(value))


def write_test(run_dir, opts, extra):
    """test.json: the options, the seed and what happened to the nodes."""
    _write_json_file(os.path.join(run_dir, "test.json"),
                     quote.clip_value({**to_json(opts), **to_json(extra)}))


def _write_json_file(path, value):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(to_json(value), out, indent=1, allow_nan=False)
        out.write("\n")
