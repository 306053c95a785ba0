"""Plain-English account of a kafka checker result, for someone new to the workload.

Each line names the key, the messages and their offsets, the processes (and the node each
talked to), and the times (seconds since the test began) of the ops involved.
"""

from glomers.edn import dumps

from . import evidence
from .common import listing, node_of, seconds
from .kafka_ops import vkey

# At most this many lines per error type; the rest are summarised in one line.
PER_TYPE = 8

# Error type -> failure class (evidence.CLASSES), for the hint and the console's count.
KINDS = {"unseen": "kafka-lost", "lost-write": "kafka-lost",
         "poll-skip": "kafka-skip", "int-poll-skip": "kafka-skip", "int-send-skip": "kafka-skip",
         "nonmonotonic-poll": "kafka-order", "int-nonmonotonic-poll": "kafka-order",
         "nonmonotonic-send": "kafka-order", "int-nonmonotonic-send": "kafka-order",
         "duplicate": "kafka-duplicate", "inconsistent-offsets": "kafka-offsets",
         "empty-transaction-graph": "kafka-empty"}


def kind_of(error_type):
    """The failure class of a kafka error type (cycles and G1a: contradictory orders)."""
    return KINDS.get(error_type, "kafka-cycle")


def explain(result, history, opts=None):
    """Plain-English lines explaining a kafka `:workload` result."""
    opts = opts or {}
    if "error" in result and result.get("valid?") not in (True, False):
        return [f"kafka: the analysis could not finish, so the verdict is unknown: "
                f"{result['error']}"]
    facts = _Facts(history, opts)
    lines = []
    types = [str(t) for t in result.get("error-types", ())]
    for error_type in types:
        explain_one = _EXPLAINERS.get(error_type, _generic)
        entry = result.get(error_type)
        if error_type == "unseen":
            lines.extend(_unseen(entry, facts, _hint("kafka-lost", lines)))
            continue
        errs = _cases(entry)
        count = entry.get("count", len(errs)) if isinstance(entry, dict) else 1
        allowed = error_type not in [str(t) for t in result.get("bad-error-types", ())]
        head = f"kafka {error_type}: {count} case(s)" + (
            " (allowed: does not make the test fail)" if allowed else "")
        lines.append(head + ".")
        kind = kind_of(error_type)
        if not allowed:
            lines.extend(_hint(kind, lines))
        for err in errs[:PER_TYPE]:
            lines.append(evidence.case(kind, "  " + explain_one(err, facts, error_type),
                                       _label(err)))
        if count > min(len(errs), PER_TYPE):
            extra = count - min(len(errs), PER_TYPE)
            lines.append(evidence.more(kind, extra, f"  ... and {extra} more."))
    lag = result.get("worst-realtime-lag") or {}
    if "key" in lag:
        lines.append(f"kafka: worst realtime lag {lag['lag']:.3f} s: process "
                     f"{facts.who_process(lag['process'])} polling key {lag['key']!r} at "
                     f"{lag['time']:.3f} s was that far behind the newest message.")
    if result.get("valid?") is True:
        lines.insert(0, "kafka: valid: every acknowledged message was polled, at one offset, "
                        "in the same order by every consumer.")
    return lines


def _cases(entry):
    """The cases of one condensed error type ({"count", "errs"}): errs is a list of error
    maps, or for some types one value (empty-transaction-graph: True)."""
    if not isinstance(entry, dict) or "errs" not in entry:
        return [entry]
    errs = entry["errs"]
    return list(errs) if isinstance(errs, (list, tuple)) else [errs]


class _Facts:
    """Who sent each message, and at which offset, looked up from the history."""

    def __init__(self, history, opts):
        self.opts = opts
        self.history = history
        # Gathered on the first message named: a valid run's account names none.
        self._known = None

    def _gather(self):
        """(key, vkey) -> completed send op, and (key, vkey) -> offset acked or polled."""
        sent, offset = {}, {}
        for op in self.history:
            if op.get("type") == "invoke" or op.get("f") not in ("send", "poll") \
                    or not isinstance(op.get("value"), list):
                continue            # assign / crash values are key lists, not micro-ops
            for mop in op["value"]:
                if not isinstance(mop, list) or not mop:
                    continue
                if op.get("f") == "send" and mop[0] == "send":
                    message = mop[2][1] if isinstance(mop[2], list) else mop[2]
                    sent[(mop[1], vkey(message))] = op
                    if isinstance(mop[2], list):
                        offset.setdefault((mop[1], vkey(message)), mop[2][0])
                elif mop[0] == "poll" and len(mop) > 1 and op.get("type") == "ok":
                    for key, pairs in (mop[1] or {}).items():
                        for at, message in pairs:
                            offset.setdefault((key, vkey(message)), at)
        return sent, offset

    def node(self, process):
        """The node a client process talked to, when the test's options say."""
        return node_of(process, self.opts)

    def who_process(self, process):
        node = self.node(process)
        return f"{process} ({node})" if node else f"{process}"

    def who(self, op):
        return f"process {self.who_process(op['process'])}"

    def message(self, key, message):
        """'message 6 (offset 5, sent by process 1 (n0), acknowledged at 11.002 s)'."""
        if self._known is None:
            self._known = self._gather()
        sent, offsets = self._known
        offset = offsets.get((key, vkey(message)))
        parts = [f"offset {offset}"] if offset is not None else []
        send = sent.get((key, vkey(message)))
        if send is not None:
            verb = {"ok": "acknowledged", "info": "left uncertain",
                    "fail": "definitely failed"}.get(send["type"], send["type"])
            parts.append(f"sent by {self.who(send)}, {verb} at {seconds(send)}")
        return f"message {message!r}" + (f" ({', '.join(parts)})" if parts else "")



def _hint(kind, lines):
    """The hint of a failure class, indented, unless `lines` already have a line of that
    class (another error type of the same class came first)."""
    if any(getattr(line, "kind", None) == kind for line in lines):
        return []
    return [evidence.Hint("  " + hint, kind) for hint in evidence.hint(kind)]


def _label(err):
    """A short name for one error in the console's count: its key."""
    return f"key {err['key']!r}" if isinstance(err, dict) and "key" in err else None


def _poll_range(op, key):
    """'offsets 4..7' for what a poll returned under key."""
    for mop in op.get("value") or ():
        if mop[0] == "poll" and len(mop) > 1 and (mop[1] or {}).get(key):
            offsets = [pair[0] for pair in mop[1][key]]
            return f"offsets {offsets[0]}..{offsets[-1]}"
    return "nothing"


def _skip(err, facts, error_type):
    key = err["key"]
    skipped = ", ".join(facts.message(key, m) for m in err["skipped"])
    if "ops" in err:
        before, after = err["ops"]
        return (f"key {key!r}: {facts.who(after)} polled {_poll_range(after, key)} at "
                f"{seconds(after)}, but its previous poll (completed {seconds(before)}) ended at "
                f"{_poll_range(before, key).split('..')[-1]}; skipped {skipped}.")
    v1, v2 = err["values"]
    return (f"key {key!r}: one {err['op']['f']} by {facts.who(err['op'])} at "
            f"{seconds(err['op'])} went from {facts.message(key, v1)} straight to "
            f"{facts.message(key, v2)}, skipping {skipped}.")


def _backwards(err, facts, error_type):
    key = err["key"]
    v1, v2 = err["values"]
    what = "repeated" if err["delta"] == 0 else f"went back {-err['delta']} message(s)"
    if "ops" in err:
        before, after = err["ops"]
        verb = "sent" if error_type == "nonmonotonic-send" else "polled"
        return (f"key {key!r}: {facts.who(after)} {verb} {facts.message(key, v2)} at "
                f"{seconds(after)} after it had {verb} {facts.message(key, v1)} at "
                f"{seconds(before)}: the log order {what}.")
    return (f"key {key!r}: one {err['op']['f']} by {facts.who(err['op'])} at "
            f"{seconds(err['op'])} returned {facts.message(key, v1)} and then "
            f"{facts.message(key, v2)}: it {what}.")


def _lost(err, facts, error_type):
    key = err["key"]
    reader = err.get("max-read")
    seen = (f"{facts.who(reader)} polled past it (up to dense index "
            f"{err['max-read-index']}) at {seconds(reader)}") if reader else \
        f"polls reached dense index {err['max-read-index']}"
    return (f"key {key!r}: {facts.message(key, err['value'])} at dense index "
            f"{err['index']} was never returned by any poll, yet {seen}.")


def _duplicate(err, facts, error_type):
    return (f"key {err['key']!r}: message {err['value']!r} appears {err['count']} times, at "
            f"offsets {list(err['offsets'])}; each message must be stored once.")


def _inconsistent(err, facts, error_type):
    key = err["key"]
    held = "; ".join(facts.message(key, m) for m in sorted(err["values"], key=repr))
    return (f"key {key!r}: offset {err['offset']} holds different messages: {held}. "
            f"An offset must name one message for every client.")


def _g1a(err, facts, error_type):
    key, reader = err["key"], err["reader"]
    writer = err.get("writer")
    failed = f"{facts.who(writer)}'s send failed definitely at {seconds(writer)}" if writer \
        else "its send failed definitely"
    return (f"key {key!r}: {facts.who(reader)} polled message {err['value']!r} at "
            f"{seconds(reader)}, but {failed}: a failed send must never become visible.")


def _cycle(err, facts, error_type):
    parts = []
    for step in err.get("steps", ()):
        if step["type"] == "wr":
            parts.append(f"message {step['value']!r} of key {step['key']!r} was sent by one "
                         f"op and polled by the next")
        else:
            before = step["a'"]
            parts.append(f"{facts.who(before)} completed at {seconds(before)} before "
                         f"{facts.who(step['b'])} invoked at {seconds(step['b'])}")
    ops = ", ".join(f"{op['f']} by {facts.who(op)} at {seconds(op)}"
                    for op in err.get("cycle", ())[:-1])
    why = ("A poll returned a message before its send was even invoked."
           if any(step["type"] != "wr" for step in err.get("steps", ())) else
           "Each op polled a message the op before it sent, round the circle: no order of "
           "them explains what they polled.")
    return f"{ops} form a cycle: {'; '.join(parts)}. {why}"


def _cycle_exists(err, facts, error_type):
    return (f"{err['scc-size']} ops (indices {listing(sorted(err['scc']), str)}) depend on "
            f"one another in a cycle, so the history is not {err['not']}.")


def _generic(err, facts, error_type):
    if err is True:
        return ("no two sends or polls could be related: the history has no completed "
                "sends or polls to order.")
    return dumps(err, width=None)


def _unseen(entry, facts, hint):
    counts = entry["unseen"]
    total = sum(counts.values())
    lines = [f"kafka unseen: at the end ({seconds(entry['time'])}) {total} acknowledged "
             f"message(s) in {len(counts)} key(s) were never returned by any poll."]
    lines.extend(hint)
    for key in list(counts)[:PER_TYPE]:
        shown = ", ".join(facts.message(key, m) for m in list(entry["messages"][key])[:3])
        more = f" and {counts[key] - 3} more" if counts[key] > 3 else ""
        lines.append(evidence.case("kafka-lost", f"  key {key!r}: {counts[key]} unseen: "
                                   f"{shown}{more}.", f"key {key!r}"))
    if len(counts) > PER_TYPE:
        extra = len(counts) - PER_TYPE
        lines.append(evidence.more("kafka-lost", extra, f"  ... and {extra} more key(s)."))
    return lines


_EXPLAINERS = {
    "poll-skip": _skip, "int-poll-skip": _skip, "int-send-skip": _skip,
    "nonmonotonic-poll": _backwards, "int-nonmonotonic-poll": _backwards,
    "nonmonotonic-send": _backwards, "int-nonmonotonic-send": _backwards,
    "lost-write": _lost, "duplicate": _duplicate, "inconsistent-offsets": _inconsistent,
    "G1a": _g1a, "G1c-realtime": _cycle, "G1c": _cycle,
    "strong-PL-2-cycle-exists": _cycle_exists, "PL-2-cycle-exists": _cycle_exists,
}
