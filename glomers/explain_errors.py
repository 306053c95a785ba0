"""The errors of a run's client operations, grouped by what went wrong.

Maelstrom records each failed or indeterminate operation with its own error text, and
those texts differ in details that do not matter (the msg_id, the echoed value): 107
malformed replies to `read` are one mistake, not 107. An error's class is what is left
once such details are set aside: for a malformed reply, the reason Maelstrom gives ("This
is malformed because: ..."); for an error reply, its code and text; for a keyword such as
:net-timeout, the keyword. Each class is shown once, with a count and its first op, and
the first example's message is quoted whole (it names the request, the expected shape and
what came back), never cut at its first line break.
"""

import dataclasses
import re
from collections import Counter

from . import edn
from .checkers import common
from .run_folder import edn_text

SHOWN_CLASSES = 5       # classes listed in full; the rest are counted
QUOTE_LINES = 40        # lines of one quoted message (real ones have about 20)
QUOTE_WIDTH = 300       # characters of one quoted line
LABEL_WIDTH = 160

# What a keyword error means (Maelstrom's client errors).
KEYWORD_MEANING = {
    "net-timeout": "no reply before the client's timeout: the node never answered, or "
                   "answered too late, or the request was lost to a partition or to a node "
                   "the nemesis killed or paused",
}
_MALFORMED = "Malformed RPC response"


@dataclasses.dataclass
class ErrorClass:
    """Operations that failed the same way."""

    key: tuple
    label: str                      # one line: what went wrong
    example: dict                   # the first op of the class
    message: str | None             # the example's full message, when the label cuts it
    count: int = 0
    by_f: Counter = dataclasses.field(default_factory=Counter)
    by_type: Counter = dataclasses.field(default_factory=Counter)


def _mask(text):
    """Text with its numbers set aside (msg_ids, offsets, echoed counters)."""
    return re.sub(r"\d+", "N", text)


def _message(op):
    """The op's full error message: the exception's cause, else the error as text."""
    exception = op.get("exception")
    if isinstance(exception, dict):
        cause = exception.get("cause")
        if not isinstance(cause, str):
            via = exception.get("via")
            first = via[0] if isinstance(via, (list, tuple)) and via else None
            cause = first.get("message") if isinstance(first, dict) else None
        if isinstance(cause, str):
            return cause
    error = op.get("error")
    if isinstance(error, str) and not isinstance(error, edn.Keyword):
        return re.sub(r"^indeterminate: ", "", error)
    if isinstance(error, (list, tuple)) and len(error) == 2 and isinstance(error[1], str):
        return error[1]
    return None


def _malformed_reason(message):
    """The "This is malformed because:" part of a malformed-reply message, on one line."""
    marker = "This is malformed because:"
    start = message.find(marker)
    if start < 0:
        return " ".join(message.split())[:LABEL_WIDTH * 4]
    start += len(marker)
    end = message.find("See doc/protocol.md", start)
    return " ".join(message[start:end if end >= 0 else None].split())[:LABEL_WIDTH * 4]


def classify(op):
    """(key, label, full message or None) of one failed or indeterminate op."""
    error, message = op.get("error"), _message(op)
    if message and _MALFORMED in message:
        reason = _malformed_reason(message)
        return (("malformed", _mask(reason)), f"malformed reply: {reason}", message)
    if isinstance(error, edn.Keyword):
        meaning = KEYWORD_MEANING.get(str(error))
        return (("keyword", str(error)), f":{error}" + (f" ({meaning})" if meaning else ""),
                None)
    if isinstance(error, (list, tuple)) and error and isinstance(error[0], (str, int)):
        text = edn_text(list(error), 10_000)
        return (("code", str(error[0]), _mask(text)), text, message if message and (
            "\n" in message or len(text) > LABEL_WIDTH) else None)
    if isinstance(error, str):
        return (("text", _mask(error)), error, error)
    if message:
        first = message.strip().splitlines()[0] if message.strip() else message
        return (("exception", _mask(first)), first, message)
    text = edn_text(error, 10_000)
    return (("other", _mask(text)), text, None)


def _failed(op):
    return (isinstance(op, dict) and common.is_client_op(op)
            and op.get("type") in ("fail", "info")
            and (op.get("error") is not None or op.get("exception") is not None))


def group(history):
    """The error classes of a history's failed and indeterminate client ops, largest
    first (ties in order of first appearance)."""
    classes = {}
    for op in history or ():
        if not _failed(op):
            continue
        key, label, message = classify(op)
        found = classes.get(key)
        if found is None:
            found = classes[key] = ErrorClass(key, label, op, message)
        found.count += 1
        found.by_f[str(op.get("f"))[:40]] += 1
        found.by_type[str(op.get("type"))[:40]] += 1
    return sorted(classes.values(), key=lambda c: -c.count)


def group_results(results):
    """Error classes from results.edn's :exceptions (Maelstrom's groups by Java class,
    each with one example op), for a folder without a history."""
    exceptions = (results or {}).get("exceptions")
    groups = exceptions.get("exceptions") if isinstance(exceptions, dict) else None
    classes = {}
    for entry in groups if isinstance(groups, (list, tuple)) else ():
        example = entry.get("example") if isinstance(entry, dict) else None
        count = entry.get("count") if isinstance(entry, dict) else None
        if not isinstance(example, dict) or not isinstance(count, int):
            continue
        key, label, message = classify(example)
        found = classes.setdefault(key, ErrorClass(key, label, example, message))
        found.count += count
        found.by_f[str(example.get("f"))[:40]] += count
        found.by_type[str(example.get("type"))[:40]] += count
    return sorted(classes.values(), key=lambda c: -c.count)


def op_ref(op, opts):
    """common.op_ref, or just the op's index when its fields are not what a history holds
    (an example op in a damaged results.edn)."""
    try:
        return common.op_ref(op, opts)
    except (TypeError, ValueError, AttributeError):
        return f"op {edn_text(op.get('index'), 40)}"


def _quote(message):
    """A message quoted whole, line by line; only a hostile one is cut, and says so."""
    lines = message.rstrip().splitlines()
    shown = [f"| {line[:QUOTE_WIDTH]}" + ("…" if len(line) > QUOTE_WIDTH else "")
             for line in lines[:QUOTE_LINES]]
    if len(lines) > QUOTE_LINES:
        shown.append(f"| ... ({len(lines) - QUOTE_LINES} more lines)")
    return shown


def _kinds(counter):
    return ", ".join(f"{name} {count}" if len(counter) > 1 else name
                     for name, count in counter.most_common())


def lines(classes, opts, source="the history"):
    """The error classes in words: count, ops, label, first op, the message quoted."""
    if not classes:
        return []
    total = sum(c.count for c in classes)
    out = [f"Errors, by class ({len(classes)} class(es), {total} op(s); from {source}):"]
    for found in classes[:SHOWN_CLASSES]:
        label = found.label if len(found.label) <= LABEL_WIDTH else \
            found.label[:LABEL_WIDTH] + "…"
        label = " ".join(label.split())
        out.append(f"  {found.count} × {_kinds(found.by_f)} ({_kinds(found.by_type)}): {label}")
        quote = found.message and (found.message.strip() != found.label.strip()
                                   or "\n" in found.message or len(found.label) > LABEL_WIDTH)
        out.append(f"      first: {op_ref(found.example, opts)}"
                   + ("; its message, whole:" if quote else ""))
        if quote:
            out.extend("      " + line for line in _quote(found.message))
    rest = classes[SHOWN_CLASSES:]
    if rest:
        out.append(f"  ... and {len(rest)} more class(es), {sum(c.count for c in rest)} op(s)")
    return out


def as_json(classes):
    """The error classes as plain JSON."""
    return [{"label": c.label, "count": c.count, "by_f": dict(c.by_f),
             "by_type": dict(c.by_type), "first_op": c.example.get("index"),
             "message": c.message} for c in classes]
