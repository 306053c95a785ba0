"""Reading one file of a run folder without trusting it.

A run folder may hold anything: a file cut short, binary garbage, a folder or a symlink
loop where a file should be, a file nobody may read, a FIFO that would block for ever, a
gzip stream that is corrupt or inflates without end, a file far too large to hold in
memory, EDN nested deep enough to exhaust the stack. Every reader here returns the
content, or None for an absent file, or raises `Unreadable` with one line naming the file
and what is wrong with it. Nothing else escapes, and no reader holds more than its size
limit (times a small factor once parsed) in memory.
"""

import errno
import gzip
import json
import math
import os
import re
import stat
import zlib

from . import edn

MB = 1 << 20
# Size limits, far above any real run (the largest history in oracle/ is 4 MB, the
# largest results.edn 33 KB) and low enough that the parsed data fits in memory.
LIMITS = {"results.edn": 8 * MB, "history.edn": 64 * MB, "test.json": 4 * MB,
          "journal.jsonl": 64 * MB}
LOG_HEAD = 256 * 1024        # of a log: its head holds the command line and test map,
LOG_TAIL = 1 * MB            # its tail the crash report or the analysis
MAX_DEPTH = 100              # EDN nesting; real results nest 11 deep, histories 7
CHUNK = 1 * MB               # history text parsed this much at a time

OP_TYPES = frozenset({"invoke", "ok", "fail", "info"})
JOURNAL_EVENTS = frozenset({"send", "recv", "drop"})   # drop: discarded by a partition


class Unreadable(Exception):
    """A file of a run folder that cannot be used; str() is one line for the user."""

    def __init__(self, name, what):
        super().__init__(f"{name}: {what}")
        self.name = name
        self.what = what


# ---------------------------------------------------------------------------------------
# Bytes


def _os_reason(error):
    """What an OSError means for a file the user gave us, in words."""
    if error.errno == errno.ELOOP:
        return "is a symlink loop"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    if error.errno == errno.EISDIR:
        return "is a folder, not a file"
    if error.errno == errno.ENOTDIR:
        return "is inside something that is not a folder"
    return f"cannot be read: {error.strerror or error}".rstrip()


def _kind(mode):
    for test, word in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return word
    return "not a regular file"


def open_file(path, name=None):
    """(binary file, size) of a regular file, None when nothing is there; else Unreadable.

    A FIFO or a device is refused before it is opened, since reading one can block for
    ever; O_NONBLOCK guards against a FIFO swapped in between the check and the open.
    """
    name = name or os.path.basename(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:
                target = "?"
            raise Unreadable(name, f"is a symlink to {target!r}, which does not exist") from None
        return None
    except OSError as error:
        raise Unreadable(name, _os_reason(error)) from None
    except ValueError as error:     # a NUL in the path
        raise Unreadable(name, f"cannot be opened: {error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable(name, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(name, f"is {_kind(info.st_mode)}, not a file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise Unreadable(name, _os_reason(error)) from None
    return os.fdopen(fd, "rb"), info.st_size


def _too_large(name, limit):
    return Unreadable(name, f"is too large to explain (over {limit // MB} MB; real runs "
                            "stay far below that)")


def read_bytes(path, limit, name=None):
    """The bytes of a file (None when absent), refusing one larger than `limit`."""
    name = name or os.path.basename(path)
    opened = open_file(path, name)
    if opened is None:
        return None
    file, size = opened
    with file:
        if size > limit:
            raise _too_large(name, limit)
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise Unreadable(name, _os_reason(error)) from None
    if len(data) > limit:               # it grew while we looked
        raise _too_large(name, limit)
    return data


def read_gzip(path, limit, name=None):
    """The inflated bytes of a gzip file (None when absent), at most `limit` of them."""
    name = name or os.path.basename(path)
    opened = open_file(path, name)
    if opened is None:
        return None
    file, size = opened
    with file:
        if size > limit:
            raise _too_large(name, limit)
        try:
            with gzip.GzipFile(fileobj=file) as inflated:
                data = inflated.read(limit + 1)
        except EOFError:
            raise Unreadable(name, "is cut off: the compressed data ends early") from None
        except gzip.BadGzipFile as error:
            what = "is not gzip data" if "Not a gzipped file" in str(error) else \
                "is corrupt gzip data"
            raise Unreadable(name, f"{what} ({error})") from None
        except zlib.error as error:
            raise Unreadable(name, f"is corrupt gzip data ({error})") from None
        except OSError as error:
            raise Unreadable(name, _os_reason(error)) from None
    if len(data) > limit:
        raise _too_large(name, limit)
    return data


def decode(data, name):
    """UTF-8 text, or Unreadable naming the line of the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise Unreadable(name, f"is not UTF-8 text (binary data? byte 0x{data[error.start]:02x} "
                               f"on line {line})") from None


def read_log(path, name=None):
    """A log's text (None when absent): all of it, or its head and tail with a marker
    between. Logs are read leniently: a byte that is not UTF-8 becomes U+FFFD."""
    name = name or os.path.basename(path)
    opened = open_file(path, name)
    if opened is None:
        return None
    file, size = opened
    with file:
        try:
            if size <= LOG_HEAD + LOG_TAIL:
                data = file.read(LOG_HEAD + LOG_TAIL)
                return data.decode("utf-8", errors="replace")
            head = file.read(LOG_HEAD)
            file.seek(size - LOG_TAIL)
            tail = file.read(LOG_TAIL)
        except OSError as error:
            raise Unreadable(name, _os_reason(error)) from None
    skipped = size - len(head) - len(tail)
    return (head.decode("utf-8", errors="replace").rsplit("\n", 1)[0]
            + f"\n... ({skipped} bytes of the log skipped) ...\n"
            + tail.decode("utf-8", errors="replace").split("\n", 1)[-1])


def tail_lines(path, count, limit=64 * 1024):
    """The last `count` lines of a text file (a node log), read leniently; [] when it
    cannot be read."""
    try:
        opened = open_file(path)
    except Unreadable:
        return []
    if opened is None:
        return []
    file, size = opened
    with file:
        try:
            file.seek(max(0, size - limit))
            data = file.read(limit)
        except OSError:
            return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > limit and lines:
        lines = lines[1:]               # the first line is probably cut
    return lines[-count:]


# ---------------------------------------------------------------------------------------
# EDN and JSON

# A string, a character literal, a comment, or a bracket: enough to measure nesting.
_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|\\.|;[^\n]*|[\[({]|[\])}]', re.DOTALL)


def check_nesting(text, name, first_line=1):
    """Refuse EDN nested deeper than MAX_DEPTH before parsing it: printing and comparing
    parsed values recurses, and `[[[[...` costs memory per bracket."""
    depth = 0
    for match in _NESTING.finditer(text):
        char = match.group()[0]
        if char in "[({":
            depth += 1
            if depth > MAX_DEPTH:
                line = first_line + text.count("\n", 0, match.start())
                raise Unreadable(name, f"nests collections more than {MAX_DEPTH} deep "
                                       f"(line {line})")
        elif char in "])}":
            depth = max(0, depth - 1)


def _edn_problem(error, text, first_line):
    """An EDN reader error in words, with the line it happened on when known."""
    message = str(error)
    offset = re.search(r"at offset (\d+)", message)
    if "end of input" in message:
        return f"is cut off or unbalanced ({message})"
    if offset:
        line = first_line + text.count("\n", 0, int(offset.group(1)))
        message = re.sub(r" at offset \d+", "", message)
        return f"is not valid EDN at line {line}: {message[:200]}"
    return f"is not valid EDN: {message[:200]}"


def parse_edn(text, name, first_line=1):
    """Every EDN form in `text`; Unreadable when the text is not EDN we can hold."""
    check_nesting(text, name, first_line)
    try:
        return edn.load_all(text)
    except edn.EDNError as error:
        raise Unreadable(name, _edn_problem(error, text, first_line)) from None
    except (ValueError, RecursionError, ArithmeticError) as error:
        # Python's own limits: an integer of more than 4300 digits, a ratio over 0.
        raise Unreadable(name, f"holds a value this reader cannot hold "
                               f"({type(error).__name__}: {str(error)[:120]})") from None


def describe_value(value):
    """What kind of EDN value something is, in words, for 'X is not a map but ...'."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"[:60]
    if isinstance(value, edn.Keyword):
        return f"a keyword (:{value})"[:60]
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    return type(value).__name__


def read_results(path, name="results.edn"):
    """The results map of a results.edn (None when absent)."""
    data = read_bytes(path, LIMITS["results.edn"], name)
    if data is None:
        return None
    text = decode(data, name)
    if not text.strip():
        raise Unreadable(name, "is empty")
    forms = parse_edn(text, name)
    if len(forms) != 1:
        raise Unreadable(name, f"holds {len(forms)} EDN forms, not one results map")
    results = forms[0]
    if not isinstance(results, dict):
        raise Unreadable(name, f"holds {describe_value(results)}, not a results map")
    valid = results.get("valid?", _MISSING)
    if valid is _MISSING:
        raise Unreadable(name, "has no :valid? key, so it holds no verdict")
    if not (valid is True or valid is False or valid == "unknown"):
        raise Unreadable(name, f":valid? is {describe_value(valid)}, not true, false "
                               "or :unknown")
    return results


_MISSING = object()


def read_history(path, name=None):
    """The ops of a history.edn or history.edn.gz (None when absent), each checked to be
    an op: a map with :type (invoke, ok, fail or info), :process, :f and an integer :time."""
    name = name or os.path.basename(path)
    limit = LIMITS["history.edn"]
    data = (read_gzip if name.endswith(".gz") else read_bytes)(path, limit, name)
    if data is None:
        return None
    text = decode(data, name)
    ops = []
    # Parsed a chunk of whole lines at a time, so that a bad line is found (and reported
    # with its number) before the rest of a large file is held in memory.
    line, start = 1, 0
    while start < len(text):
        end = text.find("\n", start + CHUNK)
        end = len(text) if end < 0 else end + 1
        try:
            forms = parse_edn(text[start:end], name, line)
        except Unreadable as error:
            if "cut off or unbalanced" not in error.what:
                raise
            # A form open at the end of the chunk: Jepsen writes one op per line, but
            # accept ops spread over lines as long as the rest of the file closes them.
            forms, end = _parse_rest(text[start:], name, line), len(text)
        for op in forms:
            check_op(op, name, len(ops) + 1)
            ops.append(op)
        line += text.count("\n", start, end)
        start = end
    return ops


def _parse_rest(text, name, first_line):
    """Every form of `text`, or Unreadable naming the first line that does not parse."""
    try:
        return parse_edn(text, name, first_line)
    except Unreadable as error:
        if "cut off or unbalanced" not in error.what:
            raise
    lines = text.splitlines()
    last = max((i for i, line in enumerate(lines) if line.strip()), default=0)
    for number, line in enumerate(lines[:last], first_line):
        parse_edn(line, name, number)
    raise Unreadable(name, f"is cut off: its last line ({first_line + last}) is incomplete")


def check_op(op, name, position):
    """Unreadable unless `op` has the fields every checker relies on."""
    where = f"op {position}"
    if not isinstance(op, dict):
        raise Unreadable(name, f"{where} is {describe_value(op)}, not an op (a map)")
    for key in ("type", "process", "f", "time"):
        if key not in op:
            raise Unreadable(name, f"{where} has no :{key}")
    if not isinstance(op["type"], str) or op["type"] not in OP_TYPES:
        raise Unreadable(name, f"{where} has :type {_short(op['type'])}, not :invoke, :ok, "
                               ":fail or :info")
    process = op["process"]
    if isinstance(process, bool) or not isinstance(process, (int, str)):
        raise Unreadable(name, f"{where} has :process {_short(process)}, not a number or "
                               "a keyword")
    if not isinstance(op["f"], str):
        raise Unreadable(name, f"{where} has :f {_short(op['f'])}, not a keyword")
    for key in ("time", "index"):
        value = op.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Unreadable(name, f"{where} has :{key} {_short(value)}, not a whole number "
                                   "of 0 or more")


def _short(value):
    try:
        return edn.dumps(value, width=None)[:60]
    except (TypeError, ValueError, RecursionError):
        return describe_value(value)


def read_json(path, limit, name=None):
    """A JSON document (None when absent)."""
    name = name or os.path.basename(path)
    data = read_bytes(path, limit, name)
    if data is None:
        return None
    text = decode(data, name)
    check_nesting(text, name)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        # Ending inside a string, or where a value should follow, is a cut-off file.
        cut = error.msg.startswith("Unterminated string") or error.pos >= len(text.rstrip())
        what = "is cut off" if cut else "is not valid JSON"
        raise Unreadable(name, f"{what} (line {error.lineno}: {error.msg})") from None
    except (ValueError, RecursionError) as error:
        raise Unreadable(name, f"is not valid JSON ({str(error)[:120]})") from None


def _no_constant(word):
    # NaN and Infinity are not JSON; Python's reader would accept them.
    raise ValueError(f"{word} is not a JSON value")


def read_journal(path, name="journal.jsonl"):
    """The bench's message journal (None when absent): one event a line, each a map with
    time, event (send or recv), id, src, dest and body."""
    data = read_bytes(path, LIMITS["journal.jsonl"], name)
    if data is None:
        return None
    text = decode(data, name)
    events = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.count("[") + line.count("{") > MAX_DEPTH:     # only then can it nest deep
            check_nesting(line, name, number)
        try:
            event = json.loads(line, parse_constant=_no_constant)
        except (ValueError, RecursionError) as error:
            raise Unreadable(name, f"line {number} is not JSON ({str(error)[:100]})") from None
        problem = _journal_problem(event)
        if problem:
            raise Unreadable(name, f"line {number} {problem}")
        events.append(event)
    return events


def _journal_problem(event):
    if not isinstance(event, dict):
        return "is not a journal event (a JSON object)"
    for key, kind in (("time", (int, float)), ("id", int), ("src", str), ("dest", str),
                      ("body", dict)):
        value = event.get(key)
        if isinstance(value, bool) or not isinstance(value, kind):
            return f"has no valid {key!r}"
    if event.get("event") not in JOURNAL_EVENTS:
        return "has an 'event' that is not send, recv or drop"
    if isinstance(event["time"], float) and not math.isfinite(event["time"]):
        return "has a 'time' that is not a number"
    return None
