"""A shrunk run told in words: the faults, the ops, the messages between them, and where
the checker's evidence is.

A pure function of the run's data (history, journal events, results, options) and of the
search's figures, so it is tested on hand-written histories and journals. One timeline,
in time order: each fault the nemesis sent, each client op (its request, then its reply),
and each message between nodes and services with what became of it (delivered, dropped by
a partition, or never delivered). Client requests and replies are the ops themselves, so
their messages are not listed again. A run with many messages lists those a partition
dropped and those the evidence names, and counts the rest per link and type.
"""

import json

from . import fault_schedule, quote, report
from .checkers.common import node_of
from .nemesis import describe as describe_grudge
from .nemesis import node_sort_key
from .net import is_client

MESSAGE_LINES = 60          # messages listed one by one; past that, summarised
OP_LINES = 80               # ops listed one by one; past that, the first and last ones


def story(history, journal, results, opts, workload, target, before, after, where=()):
    """The lines of the story. `journal` is an iterable of journal events (or None),
    `before` / `after` the sizes of the original and the shrunk run, `where` the pictures'
    pointers (pictures.json)."""
    lines = [f"The shrunk run: {after}; it fails with {target} (the original: {before}).",
             f"Nodes {' '.join(opts['nodes'])}; seed {opts['seed']}; times are seconds "
             "since the test began.", ""]
    finals = len(fault_schedule.final_ops(opts["nemesis"])) \
        if getattr(workload, "FINAL_PHASE", False) else 0
    events = _fault_events(history, finals) + _op_events(history, opts)
    messages = _messages(journal)
    listed, summary = _chosen(messages, results)
    events += [(m["time"], 2, _message_line(m)) for m in listed]
    events.sort(key=lambda e: (e[0], e[1]))
    lines.append("What happened:")
    lines.extend(_clipped_ops(events))
    if summary:
        lines.append(f"  ... and {sum(summary.values()):,} more messages, not listed: "
                     + ", ".join(f"{src}->{dest} {kind} x{count}" for (src, dest, kind), count
                                 in sorted(summary.items(), key=lambda i: -i[1])[:12]))
    lines += ["", f"Where the evidence is ({target}):"]
    lines.extend(failed_checks(report.check_lines(results, history, opts, workload, journal)))
    for line in where:
        lines.append(f"  {line}")
    return [quote.clip(line) for line in lines]


def failed_checks(check_lines):
    """The lines of the checks that did not pass, each with the details under it."""
    kept, keep = [], False
    for line in check_lines:
        head = line.lstrip()[:1]
        if line.startswith("  ") and not line.startswith("   ") and head in _MARKS:
            keep = head != report.MARKS[True]
        if keep:
            kept.append(line)
    return kept


_MARKS = set(report.MARKS.values())


def _s(ns):
    return f"{ns / 1e9:8.3f} s"


# -- faults --------------------------------------------------------------------------------

def _fault_events(history, finals=0):
    """(time, order, line) for each nemesis op that completed; the last `finals` are the
    final phase's."""
    events, pending = [], {}
    for op in history:
        if str(op.get("process")) != "nemesis":
            continue
        f = str(op.get("f"))
        if f not in pending:
            pending[f] = op
            continue
        invocation = pending.pop(f)
        events.append((op.get("time", 0), 0, f"{_s(op.get('time', 0))}  nemesis: "
                       f"{_fault_words(f, invocation.get('value'), op)}"))
    for at in range(max(len(events) - finals, 0), len(events)):
        time, order, line = events[at]
        events[at] = (time, order, line + "  (final phase)")
    return events


def _fault_words(f, spec, completion):
    value = completion.get("value")
    if "error" in completion:
        return f"{f} failed: {completion['error']}"
    if f == "start-partition" and isinstance(value, (list, tuple)) and len(value) == 2 \
            and isinstance(value[1], dict):
        grudge = {str(k): {str(n) for n in v} for k, v in value[1].items()}
        return f"partition ({spec}): {describe_grudge(str(spec), grudge)}"
    if f == "stop-partition":
        return "network healed"
    if isinstance(value, dict):
        done = {"kill": "killed", "pause": "paused", "start": "started",
                "resume": "resumed"}.get(f)
        hit = sorted((str(n) for n, word in value.items() if str(word) == done),
                     key=node_sort_key)
        return f"{f} ({spec}): " + (f"{done} {' '.join(hit)}" if hit else "no node affected")
    return f"{f} {spec}"


# -- ops -----------------------------------------------------------------------------------

def _op_events(history, opts):
    """(time, order, line) for each client invocation and completion."""
    events, open_ = [], {}
    for op in history:
        process = op.get("process")
        if str(process) == "nemesis":
            continue
        node = node_of(process, opts) or "?"
        if op.get("type") == "invoke":
            open_[process] = op
            events.append((op["time"], 1, f"{_s(op['time'])}  process {process} asks {node}: "
                           f"{op.get('f')} {_value(op.get('value'))}  (op {op.get('index')})"))
            continue
        invoked = open_.pop(process, None)
        took = f", {(op['time'] - invoked['time']) / 1e6:.1f} ms" if invoked else ""
        answer = _value(op.get("value")) if op.get("type") == "ok" else \
            _value(op.get("error") or op.get("exception", {}).get("cause") or "")
        events.append((op["time"], 1, f"{_s(op['time'])}  {node} answers process {process}: "
                       f"{op.get('type')} {op.get('f')} {answer}  (op {op.get('index')}"
                       f"{took})"))
    return events


def _value(value):
    if value is None:
        return ""
    try:
        text = json.dumps(_plain(value), separators=(",", ":"))
    except (TypeError, ValueError):
        text = str(value)
    return quote.clip(text, 120)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _clipped_ops(events):
    lines = [f"  {line}" for _, _, line in events]
    if len(lines) <= OP_LINES:
        return lines
    head, tail = OP_LINES * 2 // 3, OP_LINES // 3
    return lines[:head] + [f"  ... {len(lines) - head - tail:,} lines left out ..."] + \
        lines[-tail:]


# -- messages ------------------------------------------------------------------------------

def _messages(journal):
    """Every message between nodes and services, with its fate (delivered at / dropped)."""
    found = {}
    for event in journal or ():
        src, dest = event.get("src", ""), event.get("dest", "")
        if is_client(src) or is_client(dest):
            continue
        kind = event.get("event")
        if kind == "send":
            found[event["id"]] = {"time": event["time"], "src": src, "dest": dest,
                                  "body": event.get("body") or {}, "fate": None}
        elif event.get("id") in found and found[event["id"]]["fate"] is None:
            found[event["id"]]["fate"] = (kind, event["time"])
    return list(found.values())


def _message_line(m):
    body = {k: v for k, v in m["body"].items() if k not in ("type", "msg_id", "in_reply_to")}
    reply = f" (reply to {m['body']['in_reply_to']})" if "in_reply_to" in m["body"] else ""
    fate = m["fate"]
    if fate is None:
        ending = "never delivered"
    elif fate[0] == "drop":
        ending = f"DROPPED by the partition at {fate[1] / 1e9:.3f} s"
    else:
        ending = f"delivered at {fate[1] / 1e9:.3f} s"
    return (f"{_s(m['time'])}    {m['src']} -> {m['dest']}: {m['body'].get('type')}{reply} "
            f"{_value(body)}  [{ending}]")


def _chosen(messages, results):
    """The messages to list, and (src, dest, type) -> count for those summarised."""
    if len(messages) <= MESSAGE_LINES:
        return messages, {}
    named = _evidence_values(results)
    keep = [m for m in messages if m["fate"] is None or m["fate"][0] == "drop"
            or named & _values_in(m["body"])][:MESSAGE_LINES]
    kept = {id(m) for m in keep}
    summary = {}
    for m in messages:
        if id(m) not in kept:
            key = (m["src"], m["dest"], str(m["body"].get("type")))
            summary[key] = summary.get(key, 0) + 1
    return keep, summary


def _evidence_values(results):
    """Values a failed workload check names (lost elements, duplicated ids)."""
    result = (results or {}).get("workload") or {}
    found = set()
    for key in ("lost", "duplicated"):
        items = result.get(key) or ()
        for item in (items.keys() if isinstance(items, dict) else items):
            if isinstance(item, (int, str)) and not isinstance(item, bool):
                found.add(item)
    return found


def _values_in(body, depth=0):
    found = set()
    if depth > 4:
        return found
    items = body.values() if isinstance(body, dict) else body if isinstance(body, list) else ()
    for item in items:
        if isinstance(item, (int, str)) and not isinstance(item, bool):
            found.add(item)
        else:
            found |= _values_in(item, depth + 1)
    return found
