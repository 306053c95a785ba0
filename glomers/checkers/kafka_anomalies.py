"""The kafka checker's anomaly finders (spec §6.5 table), one function per question.

Each takes the decoded history (kafka_ops.History) and what it needs of the version
orders, and returns a list of Jepsen-shaped error maps (messages as the node wrote them,
ops as the history's op dicts). Dense indices come from the version orders; where an
index is unknown Jepsen assumes the step was +1, so nothing is reported.
"""

from glomers.edn import StringMap

from .kafka_clj import clj_first, clj_sorted, trie_order
from .kafka_ops import must_have_committed


class KafkaAnalysisError(Exception):
    """Jepsen's analysis throws here; Maelstrom then reports `:valid? :unknown`."""

    def __init__(self, message, data):
        super().__init__(message)
        self.data = data


def _delta(order, v1, v2):
    """Dense-index distance from v1 to v2, or (1, i1, i2) when either index is unknown."""
    by_value = order.by_value if order else {}
    i1, i2 = by_value.get(v1), by_value.get(v2)
    if i1 is None or i2 is None:
        return 1, i1, i2
    return i2 - i1, i1, i2


def g1a(hist, ok_reads_ops, failed_writes, writers):
    """Aborted reads: an :ok poll returned a message whose send definitely failed."""
    out = hist.original
    errors = []
    for i in ok_reads_ops:
        for key, pairs in hist.reads[i].items():
            failed = failed_writes.get(key, ())
            for _, value in pairs:
                if value in failed:
                    writer = writers.get(key, {}).get(value)
                    errors.append({"key": key, "value": out[value],
                                   "writer": hist.ops[writer] if writer is not None else None,
                                   "reader": hist.ops[i]})
    return errors


def precommitted_reads(hist):
    """A transaction that polled a message it sent itself (needs multi-mop txns)."""
    errors = []
    for i, (reads, writes) in enumerate(zip(hist.reads, hist.writes)):
        if not reads or not writes:
            continue
        op = hist.ops[i]
        for key, pairs in writes.items():
            polled = {value for _, value in reads.get(key, ())}
            bad = [value for _, value in pairs if value in polled]
            if bad:
                errors.append({"op": op, "key": key, "value": hist.original[bad[0]]})
                break
    return errors


def lost_writes(hist, orders, reads_by_type, writers, readers):
    """Acknowledged messages below the highest offset some :ok poll reached that no :ok
    poll ever returned."""
    errors = []
    ok_reads = reads_by_type.get("ok", {})
    for key, polled in ok_reads.items():
        order = orders.get(key)
        log = order.sets() if order else []
        first_index, last_index = {}, {}
        for index, values in enumerate(log):
            for value in values:
                first_index.setdefault(value, index)
                last_index[value] = index
        # The highest dense index that must have been read: the latest first appearance.
        bound = max((first_index[v] for v in polled if v in first_index), default=-1)
        if bound < 0:
            # Jepsen then takes element -1 of a vector, which throws.
            raise KafkaAnalysisError(
                f"lost-write analysis of key {key!r}: no :ok poll returned a message at a "
                f"known offset (Jepsen indexes element -1 and throws)",
                {"type": "index-out-of-bounds", "key": key})
        last_at = [[] for _ in range(bound + 1)]
        for value, index in last_index.items():
            if index <= bound:
                last_at[index].append(value)
        max_read_value = clj_first(last_at[bound]) if last_at[bound] else None
        max_read = (readers.get(key, {}).get(max_read_value) or [None])[0]
        for index in range(bound + 1):
            values = last_at[index]
            for value in sorted(values, key=trie_order) if len(values) > 1 else values:
                if value in polled:
                    continue
                writer = writers.get(key, {}).get(value)
                if writer is None:
                    raise KafkaAnalysisError(
                        f"no writer of key {key!r} value {hist.original[value]!r}",
                        {"type": "no-writer-of", "key": key, "value": hist.original[value]})
                if must_have_committed(hist, writer, ok_reads):
                    errors.append({"key": key, "value": hist.original[value],
                                   "index": first_index[value], "max-read-index": bound,
                                   "writer": hist.ops[writer],
                                   "max-read": hist.ops[max_read] if max_read is not None
                                   else None})
    return errors


def _skip_or_backwards(order, key, v1, v2, hist):
    """Compare two successive messages of a key: ('skip', delta, skipped),
    ('nonmonotonic', delta) or None."""
    delta, i1, i2 = _delta(order, v1, v2)
    if delta > 1:
        return "skip", delta, tuple(hist.original[order.by_index[i]]
                                    for i in range(i1 + 1, i2))
    if delta < 1:
        return "nonmonotonic", delta, None
    return None


def internal_poll_cases(hist, orders):
    """Inside one poll, consecutive messages of a key that skip known messages or go back.
    Returns (skips, nonmonotonics)."""
    found = {"skip": [], "nonmonotonic": []}
    for i, reads in enumerate(hist.reads):
        if not reads:
            continue
        op = hist.ops[i]
        rebalanced = {k for entry in op.get("rebalance-log") or () for k in entry.get("keys", ())}
        for key, pairs in reads.items():
            # One message alone is never out of step.
            if len(pairs) < 2 or key in rebalanced:
                continue
            order = orders.get(key)
            previous = None
            for n, (_, value) in enumerate(pairs):
                if n:
                    step = _skip_or_backwards(order, key, previous, value, hist)
                    if step:
                        error = {"key": key,
                                 "values": [hist.original[previous], hist.original[value]],
                                 "delta": step[1]}
                        if step[0] == "skip":
                            error["skipped"] = step[2]
                        error["op"] = op
                        found[step[0]].append(error)
                previous = value
    return found["skip"], found["nonmonotonic"]


def internal_send_cases(hist, orders):
    """Inside one send txn, consecutive sends to a key that skip or go back in the log.
    Returns (skips, nonmonotonics); needs multi-send txns."""
    found = {"skip": [], "nonmonotonic": []}
    for i in hist.completions:
        writes = hist.writes[i]
        if not writes:
            continue
        for key, pairs in writes.items():
            if len(pairs) < 2:
                continue
            order = orders.get(key)
            for (_, v1), (_, v2) in zip(pairs, pairs[1:]):
                step = _skip_or_backwards(order, key, v1, v2, hist)
                if step:
                    error = {"key": key, "values": [hist.original[v1], hist.original[v2]],
                             "delta": step[1]}
                    if step[0] == "skip":
                        error["skipped"] = step[2]
                    error["op"] = hist.ops[i]
                    found[step[0]].append(error)
    return found["skip"], found["nonmonotonic"]


def _reassigned(last, op):
    """After an :ok/:info assign, a process remembers only the keys still assigned."""
    keys = set(op.get("value") or ())
    return {k: v for k, v in last.items() if k in keys}


def poll_cases(hist, orders):
    """Per process, across successive :ok polls of a key: did the next poll start past the
    next message (skip) or at/before the last one (nonmonotonic)? Returns (skips,
    nonmonotonics)."""
    skips, backwards = [], []
    for positions in hist.by_process.values():
        last_reads = {}  # key -> position of the last :ok poll that returned the key
        for i in positions:
            op = hist.ops[i]
            if op["f"] in ("assign", "subscribe"):
                if op["type"] not in ("invoke", "fail"):
                    last_reads = _reassigned(last_reads, op)
                continue
            if op["f"] not in ("poll", "txn") or not hist.reads[i]:
                continue
            for key, pairs in hist.reads[i].items():
                last = last_reads.get(key)
                if last is None:
                    continue
                last_pairs = hist.reads[last][key]
                v = last_pairs[-1][1] if last_pairs else _NOTHING
                v2 = pairs[0][1] if pairs else _NOTHING
                step = _skip_or_backwards(orders.get(key), key, v, v2, hist)
                if step and step[0] == "skip":
                    skips.append({"key": key, "delta": step[1], "skipped": step[2],
                                  "ops": [hist.ops[last], op]})
                elif step:
                    backwards.append({"key": key,
                                      "values": [hist.original.get(v), hist.original.get(v2)],
                                      "delta": step[1], "ops": [hist.ops[last], op]})
            if op["type"] == "ok":
                for key in hist.reads[i]:
                    last_reads[key] = i
    return skips, backwards


# Stands for "no message" (an empty poll); never a key of by_value.
_NOTHING = object()


def nonmonotonic_sends(hist, orders):
    """Per process, across successive :ok/:info sends to a key: did a later send land at
    or before an earlier one in the log?"""
    errors = []
    for positions in hist.by_process.values():
        last_sends = {}
        for i in positions:
            op = hist.ops[i]
            if op["type"] not in ("ok", "info"):
                continue
            if op["f"] in ("assign", "subscribe"):
                last_sends = _reassigned(last_sends, op)
                continue
            if op["f"] not in ("send", "txn") or not hist.writes[i]:
                continue
            for key, pairs in hist.writes[i].items():
                last = last_sends.get(key)
                if last is not None:
                    v, v2 = hist.writes[last][key][-1][1], pairs[0][1]
                    delta = _delta(orders.get(key), v, v2)[0]
                    if delta < 1:
                        errors.append({"key": key,
                                       "values": [hist.original[v], hist.original[v2]],
                                       "delta": delta, "ops": [hist.ops[last], op]})
            for key in hist.writes[i]:
                last_sends[key] = i
    return errors


def duplicates(hist, orders):
    """The same message at two or more offsets of one key."""
    errors = []
    for key, order in orders.items():
        offsets_of = {}
        for offset in order.offsets:
            for value in order.log[offset]:
                offsets_of.setdefault(value, []).append(offset)
        for value, offsets in offsets_of.items():
            if len(offsets) > 1:
                errors.append({"key": key, "value": hist.original[value],
                               "count": len(offsets), "offsets": offsets})
    return errors


def unseen(hist, reads_by_type, writes_by_type):
    """At the end of the history, the acknowledged messages no :ok poll has returned:
    {"time", "unseen": key -> count, "messages": key -> set} or None without :ok ops.

    Jepsen folds over :ok sends and polls keeping sent-minus-polled per key; a key first
    met in a poll (never acknowledged before) counts that poll's messages as unseen for
    that one step, so the quirk survives only when the last op is such a poll. The fold's
    end state is the :ok messages by key (values_by_type), with the last op's fresh keys."""
    counted = (i for i in reversed(hist.completions) if _ok_send_or_poll(hist.ops[i]))
    last = next(counted, None)
    if last is None:
        return None
    sent, polled = writes_by_type.get("ok", {}), reads_by_type.get("ok", {})
    writes, reads = hist.writes[last] or {}, hist.reads[last] or {}
    fresh = {k for k in reads if k not in writes}
    for i in counted:     # the ops before the last, latest first
        if not fresh:
            break
        fresh.difference_update(hist.writes[i] or (), hist.reads[i] or ())
    messages = {}
    for key in sent.keys() | polled.keys():
        if key in fresh:
            messages[key] = set(polled[key])
        else:
            messages[key] = sent.get(key, set()) - polled.get(key, set())
    return {"time": hist.ops[last]["time"], "messages": messages}


def _ok_send_or_poll(op):
    """Does Jepsen's unseen fold count this op?"""
    return op["type"] == "ok" and op["f"] in ("poll", "send", "txn")


def condensed_unseen(hist, result):
    """The :unseen error as Maelstrom prints it (None when nothing is unseen): positive
    counts by key, and per key the 32 smallest unseen messages."""
    if result is None:
        return None
    keys = clj_sorted([k for k, values in result["messages"].items() if values])
    if not keys:
        return None
    counts = StringMap((k, len(result["messages"][k])) for k in keys)
    shown = StringMap((k, tuple(clj_sorted([hist.original[v] for v in
                                             result["messages"][k]])[:32])) for k in keys)
    return {"time": result["time"], "unseen": counts, "messages": shown}
