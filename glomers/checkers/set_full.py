"""The broadcast and g-set workloads' checker: Jepsen's set-full, as Maelstrom runs it
(spec §6.3; workloads-more §1: g-set's ops are already adds, and its final reads carry no
`:final?` mark, which the checker never needs; only the explanation looks for them).

Maelstrom renames `:broadcast` to `:add` and hands the history to Jepsen's set-full checker in
its non-linearizable mode. The checker follows every broadcast value ("element") through the
client reads and keeps, per element, three ops: when it became known (the add's `:ok`, or the
first read that showed it), and the invocations of the last read that showed it and of the
last read that did not. Only those last-invoked reads decide the outcome, so the final reads
decide nearly everything:

- stable: the last read showing it began after the last read missing it;
- lost: known, and the last read missing it began after it was known and after the last
  read showing it;
- never-read: neither (no read began after it was known).

`valid?` is false if anything was lost, `:unknown` if nothing was stable, true otherwise. Stale
elements (stable, but missed by some read that began after they were known) never invalidate.

Beyond the verdict this module explains a result in plain words (`explain`) and judges the
efficiency targets of challenges 3d and 3e (`targets`), which Maelstrom itself never checks.
"""

import math

from glomers.edn import Keyword, dumps
from glomers.checkers import evidence
from glomers.checkers.common import listing, node_of, seconds
from glomers.values import clj_key, is_json_int

QUANTILES = (0, 0.5, 0.95, 0.99, 1)
WORST_STALE = 8

# The order Maelstrom's results.edn shows these keys in (Clojure hash order; cosmetic).
RESULT_KEYS = ("worst-stale", "duplicated-count", "valid?", "lost-count", "lost",
               "stable-count", "stale-count", "stale", "never-read-count",
               "stable-latencies", "attempt-count", "lost-latencies", "never-read",
               "duplicated")

# Published targets: msgs-per-op (server messages per client op), median and max stable
# latency in ms. Maelstrom reports these figures but never judges them.
TARGETS = {"3d": (30, 400, 600), "3e": (20, 1000, 2000)}


def check(history, opts=None):
    """Maelstrom's broadcast `:workload` result map for a history."""
    records = [_element_result(state) for state in _track(history)]
    by_outcome = {"stable": [], "lost": [], "never-read": []}
    for record in records:
        by_outcome[record["outcome"]].append(record)

    # Which stable elements were missed by a read that began after they were known?
    stale = [r for r in by_outcome["stable"] if r["stable-latency"] > 0]
    # Highest latency first; Jepsen reverses a stable ascending sort, so equal latencies
    # come out in reverse element order.
    worst = list(reversed(sorted(stale, key=lambda r: r["stable-latency"])))[:WORST_STALE]

    if by_outcome["lost"]:
        valid = False
    elif not by_outcome["stable"]:
        valid = Keyword("unknown")
    else:
        valid = True

    result = {
        "worst-stale": tuple(worst),
        # Jepsen only records values seen fewer than once in a read: never.
        "duplicated-count": 0,
        "valid?": valid,
        "lost-count": len(by_outcome["lost"]),
        "lost": tuple(r["element"] for r in by_outcome["lost"]),
        "stable-count": len(by_outcome["stable"]),
        "stale-count": len(stale),
        "stale": tuple(r["element"] for r in stale),
        "never-read-count": len(by_outcome["never-read"]),
        "stable-latencies": quantiles([r["stable-latency"] for r in by_outcome["stable"]]),
        "attempt-count": len(records),
        "lost-latencies": quantiles([r["lost-latency"] for r in by_outcome["lost"]]),
        "never-read": tuple(r["element"] for r in by_outcome["never-read"]),
        "duplicated": {},
    }
    # The latency maps are only present when there is something to measure.
    return {key: result[key] for key in RESULT_KEYS if result[key] is not None}


def quantiles(latencies):
    """Jepsen's frequency distribution: {point: s[min(n-1, floor(n*p))]}, or None if empty."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    n = len(ordered)
    return {p: ordered[min(n - 1, math.floor(n * p))] for p in QUANTILES}


def _is_client_op(op):
    """Client ops have an integer process; the nemesis has the process "nemesis"."""
    return is_json_int(op.get("process"))


def _as_add(op):
    """The op as set-full sees it: Maelstrom renames :broadcast to :add."""
    if op.get("f") == "broadcast":
        return dict(op, f=Keyword("add"))
    return op


def _track(history):
    """Per-element state {element, known, last-present, last-absent}, sorted by element.

    The states `_track_each` computes, the way set-full's reduction walks the ops, found
    without its walk over every element at every read (hundreds of values times hundreds
    of elements, most of 3e's analysis): the reads are taken from the last invoked back,
    and each element's last read with it and last read without it is the first such read
    met. Histories outside what this assumes (a value added twice, which starts its
    tracking afresh; read invocations without a distinct index of 0 or more) take the
    walk itself.
    """
    keys = []               # element keys in the order their adds were invoked
    tracked = set()         # ... the same, as a set
    values = {}             # key -> the value as the add's invocation holds it
    known = {}              # key -> the first op that showed it known
    reads = []              # (invocation index, invocation, len(keys), keys shown,
                            #  keys missed or None, read op)
    invocations = {}        # invocation index -> its op (one op per index)
    pending = {}            # process -> its open invocation (to pair reads)
    # In history order, as _track_each goes: every error it raises is raised here, by the
    # same op and with the same words, before any state is built.
    for op in history:
        if not _is_client_op(op):
            continue
        op = _as_add(op)
        if op.get("type") == "invoke":
            pending[op["process"]] = op
        if op.get("f") == "add":
            key = _key(op.get("value"))
            if op["type"] == "invoke":
                if key in tracked:
                    return _track_each(history)
                tracked.add(key)
                keys.append(key)
                values[key] = op.get("value")
            elif op["type"] == "ok":
                if key not in tracked:
                    raise ValueError(f"add completion without invocation: {dumps(op, width=None)}")
                known.setdefault(key, op)
        elif op.get("f") == "read" and op.get("type") == "ok":
            invocation = pending.get(op["process"])
            if invocation is None:
                raise ValueError(f"read completion without invocation: {dumps(op, width=None)}")
            seen = _keys(op.get("value") or ())
            if not keys:
                continue            # nothing tracked yet: the read changes no state
            index = invocation["index"]
            if type(index) is not int or index < 0 or \
                    invocations.setdefault(index, invocation) is not invocation:
                return _track_each(history)
            showing = seen.intersection(tracked)
            if len(known) < len(keys):
                known.update(dict.fromkeys(showing.difference(known), op))
            shown = len(showing)
            missed = len(keys) - shown
            # A read misses few elements, nearly always the last few added before it
            # ended: kept, they spare the second pass the read's values; more are found
            # again there (memory stays a few keys per read).
            gone = _missed(keys, len(keys), seen, missed) if missed <= KEEP_MISSED else None
            reads.append((index, invocation, len(keys), shown, gone, op))
    position = {key: i for i, key in enumerate(keys)}
    present, absent = {}, {}
    unshown, unmissed = set(keys), set(keys)     # no read with / without them met yet
    reads.sort(key=lambda read: read[0], reverse=True)
    for _, invocation, count, shown, gone, op in reads:
        if not (unshown or unmissed):
            break
        seen = _keys(op.get("value") or ()) if unshown or gone is None else None
        for key in unshown.intersection(seen) if unshown else ():
            if position[key] < count:            # its add was invoked before the read ended
                present[key] = invocation
                unshown.discard(key)
        if gone is None:
            gone = _missed(keys, count, seen, count - shown)
        for key in gone:
            if key in unmissed:
                absent[key] = invocation
                unmissed.discard(key)
    elements = {key: {"element": values[key], "known": known.get(key),
                      "last-present": present.get(key), "last-absent": absent.get(key)}
                for key in keys}
    return [elements[key] for key in sorted(elements, key=lambda k: elements[k]["element"])]


KEEP_MISSED = 64


def _missed(keys, count, seen, missed):
    """The `missed` keys among keys[:count] not in `seen`, looked for from the last back,
    only as far as it takes."""
    found = []
    for i in range(count - 1, -1, -1) if missed else ():
        if keys[i] not in seen:
            found.append(keys[i])
            if len(found) == missed:
                break
    return found


def _key(value):
    """A key equal for two values exactly when their clj_keys are: an integer stands for
    itself (clj_key's other keys are tuples; bools and floats are not integers here)."""
    if type(value) is int:
        return value
    key = clj_key(value)
    return key[1] if key[0] == "i" else key      # an int subclass: the same integer


def _keys(values):
    """{_key(v) for v in values}; for a read of plain integers (nearly every read), the
    set of them, made without a Python step per value."""
    if set(map(type, values)) <= _INT_ONLY:
        return set(values)
    return {_key(v) for v in values}


_INT_ONLY = frozenset({int})


def _track_each(history):
    """Per-element state {element, known, last-present, last-absent}, sorted by element.

    Walks the client ops in history order, the way set-full's reduction does.
    """
    elements = {}           # clj_key(value) -> state
    pending = {}            # process -> its open invocation (to pair reads)
    for op in history:
        if not _is_client_op(op):
            continue
        op = _as_add(op)
        if op.get("type") == "invoke":
            pending[op["process"]] = op
        if op.get("f") == "add":
            key = clj_key(op.get("value"))
            if op["type"] == "invoke":
                # A new invocation of the same value starts its tracking afresh.
                elements[key] = {"element": op.get("value"), "known": None,
                                 "last-present": None, "last-absent": None}
            elif op["type"] == "ok":
                if key not in elements:
                    raise ValueError(f"add completion without invocation: {dumps(op, width=None)}")
                state = elements[key]
                state["known"] = state["known"] or op
        elif op.get("f") == "read" and op.get("type") == "ok":
            invocation = pending.get(op["process"])
            if invocation is None:
                raise ValueError(f"read completion without invocation: {dumps(op, width=None)}")
            seen = {clj_key(v) for v in (op.get("value") or ())}
            # Every element whose add was invoked so far, even after this read began.
            for key, state in elements.items():
                if key in seen:
                    state["known"] = state["known"] or op
                    if _index(state["last-present"]) < invocation["index"]:
                        state["last-present"] = invocation
                elif _index(state["last-absent"]) < invocation["index"]:
                    state["last-absent"] = invocation
    return [elements[key] for key in sorted(elements, key=lambda k: elements[k]["element"])]


def _index(op):
    """An op's history index, -1 for no op."""
    return -1 if op is None else op["index"]


def _latency_ms(since_op, until_time):
    """Whole milliseconds from since_op's time to until_time, never negative (truncated)."""
    return max(0, until_time - since_op["time"]) // 1_000_000


def _element_result(state):
    """Outcome and latencies of one element: set-full's per-element record."""
    known, present, absent = state["known"], state["last-present"], state["last-absent"]
    stable = present is not None and _index(absent) < present["index"]
    # The absent read must have begun after the element was known: a read concurrent with
    # the add may legitimately have missed it.
    lost = (known is not None and absent is not None
            and _index(present) < absent["index"] and known["index"] < absent["index"])
    stable_latency = lost_latency = None
    if stable:
        stable_latency = _latency_ms(known, absent["time"] + 1 if absent else 0)
    elif lost:
        lost_latency = _latency_ms(known, present["time"] + 1 if present else 0)
    outcome = "stable" if stable else "lost" if lost else "never-read"
    return {"element": state["element"], "outcome": Keyword(outcome),
            "stable-latency": stable_latency, "lost-latency": lost_latency,
            "known": known, "last-absent": absent}


# ---------------------------------------------------------------------------------------
# Plain-English explanation


def describe_op(op, opts):
    """'op 237 (ok read by process 14 on n4 at 13.171 s)'."""
    node = node_of(op.get("process"), opts)
    where = f" on {node}" if node else ""
    # set-full calls a broadcast an add; say it the way the user wrote it.
    f = _add_word(opts) if op["f"] == "add" else op["f"]
    return (f"op {op['index']} ({op['type']} {f} by process {op['process']}{where} "
            f"at {seconds(op['time'])})")



def explain(result, history, opts=None, journal=None):
    """Plain-English lines about a broadcast result: the verdict, every lost value, the rest.

    `journal` (optional) is the network's message journal; with it each lost value is
    followed through the cluster: which nodes it reached and where it stopped. Each value
    is an evidence.Case: "lost" (Maelstrom's :lost), "missing-final" (stable by Maelstrom's
    rule, yet some final reads lacked it: it is not reported as merely stale) or "stale".
    """
    opts = opts or {}
    lines = [_verdict_line(result, opts)]
    for name in ("stable-latencies", "lost-latencies"):
        if result.get(name):
            q = result[name]
            lines.append(f"{name} (ms): min {q[0]}, median {q[0.5]}, p95 {q[0.95]}, "
                         f"p99 {q[0.99]}, max {q[1]}")
    acks = {}
    for op in history:
        if _is_client_op(op) and op.get("type") == "ok" and op.get("f") in ("broadcast", "add"):
            acks.setdefault(clj_key(op.get("value")), op)
    final_reads = [(op, {clj_key(v) for v in (op.get("value") or ())})
                   for op in _final_reads(history, opts)]
    lost = list(result.get("lost", ()))
    missing = [v for v in result.get("stale", ()) if _lacked(v, final_reads)]
    # Each told value's story and trail through the network; a valid run tells none, and
    # tracking every element again and reading the whole journal cost more than the check.
    told = lost + missing
    trails = _trails(journal, told, opts) if journal is not None and told else {}
    states = {clj_key(s["element"]): s for s in _track(history)} if told else {}
    if lost:
        word = "elements" if opts.get("workload") == "g-set" else "values"
        lines.append(f"{len(lost)} {word} were LOST: acknowledged, then missing from the "
                     "last reads (the last read without each began after the last read with "
                     "it).")
        lines.extend(evidence.hint("lost"))
        lines.extend(_lost_pattern(lost, acks, opts, trails))
        for value in lost:
            lines.extend(_explain_value(value, states[clj_key(value)], acks, final_reads,
                                        trails, opts, "lost"))
    if missing:
        word = "elements" if opts.get("workload") == "g-set" else "values"
        lines.append(f"{len(missing)} more {word} are stable by Maelstrom's rule (the last "
                     "read to begin had them), yet some final reads lacked them: Maelstrom "
                     "does not count them lost, but they never reached every node.")
        lines.extend(evidence.hint("missing-final"))
        for value in missing:
            lines.extend(_explain_value(value, states[clj_key(value)], acks, final_reads,
                                        trails, opts, "missing-final"))
    lines.extend(_explain_stale(result, opts, set(map(clj_key, missing))))
    lines.extend(_explain_never_read(result, history))
    return lines


def _lacked(value, final_reads):
    """True if some final read lacks `value` (its key made once, for the first read)."""
    if not final_reads:
        return False
    key = clj_key(value)
    return any(key not in seen for _, seen in final_reads)


def _explain_value(value, state, acks, final_reads, trails, opts, kind):
    """The lines of one lost (or missing-final) value, with its trail when known."""
    key = clj_key(value)
    lacking = [op for op, seen in final_reads if key not in seen]
    lines = _explain_lost(value, state, acks.get(key), lacking, opts, kind)
    if key in trails:
        lines.extend(_describe_trail(value, trails[key], opts))
    return lines


def _add_word(opts):
    """What the workload calls adding an element: g-set adds, broadcast broadcasts."""
    return "add" if (opts or {}).get("workload") == "g-set" else "broadcast"


def _final_reads(history, opts):
    """The final phase's :ok reads: marked :final? (broadcast), or for g-set, whose final
    reads carry no mark, the reads invoked after the last add was."""
    if (opts or {}).get("workload") != "g-set":
        return [op for op in history if _is_client_op(op) and op.get("f") == "read"
                and op.get("type") == "ok" and op.get("final?")]
    last_add = max((op["index"] for op in history if _is_client_op(op)
                    and op.get("f") == "add" and op.get("type") == "invoke"), default=-1)
    invoked, reads = {}, []
    for op in history:
        if not _is_client_op(op):
            continue
        if op.get("type") == "invoke":
            invoked[op["process"]] = op
        elif op.get("f") == "read" and op.get("type") == "ok" \
                and invoked.get(op["process"], op)["index"] > last_add:
            reads.append(op)
    return reads


def _verdict_line(result, opts=None):
    """One line: the verdict and the counts behind it."""
    name = (opts or {}).get("workload") or "broadcast"
    done = "elements added" if name == "g-set" else "values broadcast"
    counts = (f"{result.get('attempt-count', 0)} {done}: "
              f"{result.get('stable-count', 0)} stable, {result.get('lost-count', 0)} lost, "
              f"{result.get('never-read-count', 0)} never read")
    valid = result.get("valid?")
    if valid is True:
        return f"{name}: valid. {counts}."
    if valid is False:
        return f"{name}: INVALID, values were lost. {counts}."
    return f"{name}: unknown, no value was ever confirmed by a later read. {counts}."


def _lost_pattern(lost, acks, opts, trails=None):
    """Lines on what the lost values share: the node that acknowledged them, and (with the
    journal) whether they never left it or every copy sent on was dropped."""
    lines = []
    nodes = [node_of(acks[clj_key(v)]["process"], opts) if clj_key(v) in acks else None
             for v in lost]
    if len(lost) >= 2 and None not in nodes:
        counts = {n: nodes.count(n) for n in sorted(set(nodes))}
        top, count = max(counts.items(), key=lambda item: item[1])
        if count == len(lost):
            lines.append(f"pattern: all {count} lost values were acknowledged by {top}, so "
                         f"look first at how {top} passes values on.")
        elif count * 2 > len(lost):
            lines.append(f"pattern: {count} of the {len(lost)} lost values were acknowledged "
                         f"by {top}.")
    fates = [_fate(trails[clj_key(v)]) for v in lost if clj_key(v) in (trails or {})]
    never_left = fates.count("never-left")
    dropped = fates.count("dropped")
    if never_left:
        lines.append(f"pattern: {never_left} of the {len(lost)} lost values never left the "
                     "node that acknowledged them: no message carried them to another node.")
    if dropped:
        lines.append(f"pattern: {dropped} of the {len(lost)} lost values were sent on, but "
                     "no copy reached some nodes (dropped by a partition or still queued) "
                     "and none was sent again.")
    return lines


def _fate(trail):
    """"never-left" when no message carried the value between nodes, "dropped" when some
    were sent but not all delivered and none delivered reached the missing nodes, else
    None."""
    events, _ = trail
    between = [e for e in events if not e["src"].startswith("c")]
    if not between:
        return "never-left"
    delivered = {e["id"] for e in between if e["event"] == "recv"}
    if any(e["event"] == "send" and e["id"] not in delivered for e in between):
        return "dropped"
    return None


def _explain_lost(value, state, ack, lacking, opts, kind="lost"):
    """Lines for one lost value: who acknowledged it, and which reads lacked it (the same
    for a value missing from final reads that Maelstrom counts stable)."""
    what = "was LOST" if kind == "lost" else "is missing from final reads"
    if ack is not None:
        node = node_of(ack["process"], opts) or "its node"
        first = f"value {value} {what}: acknowledged by {node} in {describe_op(ack, opts)}"
    else:
        first = (f"value {value} {what}: never acknowledged, but seen by "
                 f"{describe_op(state['known'], opts)}")
    if kind == "lost":
        lines = [evidence.case(kind, first + ", yet a read that began later did not return "
                               "it.", value),
                 f"  last read without it: invoked as "
                 f"{describe_op(state['last-absent'], opts)}."]
    else:
        lines = [evidence.case(kind, first + ".", value)]
    if lacking:
        shown = ", ".join(f"{node_of(op['process'], opts) or 'process ' + str(op['process'])} "
                          f"(op {op['index']}, {seconds(op['time'])})" for op in lacking)
        lines.append(f"  final reads without it: {shown}.")
    return lines


def _explain_stale(result, opts, missing=frozenset()):
    """Lines about stale values and the worst of them; values in `missing` (keys of values
    some final read lacked) were told apart already, and are not called merely stale."""
    count = result.get("stale-count", 0) - len(missing)
    if count <= 0:
        return []
    lines = [f"{count} of {result.get('stable-count', 0)} stable values were stale (a read "
             "that began after they were known still missed them, but every final read had "
             "them: allowed, but slow)."]
    for record in result.get("worst-stale", ()):
        if clj_key(record["element"]) in missing:
            continue
        lines.append(evidence.case(
            "stale", f"  value {record['element']}: {record['stable-latency']} ms, known at "
            f"{describe_op(record['known'], opts)}, still missing from the read invoked as "
            f"{describe_op(record['last-absent'], opts)}.", record["element"]))
    return lines


def _explain_never_read(result, history):
    """Lines about values no read began after (not an error; usually unacknowledged)."""
    values = list(result.get("never-read", ()))
    if not values:
        return []
    completions = {}
    for op in history:
        if _is_client_op(op) and op.get("f") in ("broadcast", "add") and op["type"] != "invoke":
            completions.setdefault(clj_key(op.get("value")), op["type"])
    shown = listing(values, lambda v: f"{v} ({completions.get(clj_key(v), 'no completion')})")
    return [f"{len(values)} values were never read after they were known (not an error): "
            f"{shown}."]


def _numbers_in(body):
    """The integers a message body may carry as broadcast values.

    Values travel in collections, so when the body has any array or object, only integers
    inside one count: a bare integer field beside them (a sequence number, an ack count)
    is not a value. A body with no collection at all (a single forwarded value) counts
    its top-level integers. msg_id and in_reply_to never count.
    """
    fields = [v for k, v in body.items() if k not in ("msg_id", "in_reply_to")]
    nested = [v for v in fields if isinstance(v, (dict, list, tuple))]
    found = [] if nested else [v for v in fields if is_json_int(v)]
    stack = nested
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif is_json_int(item):
            found.append(item)
    return found


def _trails(journal, values, opts):
    """For each value: the journal events of messages carrying it between servers or to a node."""
    wanted = {clj_key(v) for v in values}
    nodes = set(opts.get("nodes") or ())
    is_node = (lambda e: e in nodes) if nodes else (lambda e: e.startswith("n"))
    trails = {key: [] for key in wanted}
    for event in journal:
        src, dest = event["src"], event["dest"]
        server_to_server = not src.startswith("c") and not dest.startswith("c")
        if not (server_to_server or is_node(dest)):
            continue
        for number in set(_numbers_in(event.get("body") or {})):
            key = clj_key(number)
            if key in trails:
                trails[key].append(event)
    return {key: (events, is_node) for key, events in trails.items()}


def _describe_trail(value, trail, opts):
    """Where a value went: nodes that received it, nodes it never reached, the last hop."""
    events, is_node = trail
    reached = []
    for event in events:
        holders = [event["dest"]] if event["event"] == "recv" else []
        if not event["src"].startswith("c"):
            holders.append(event["src"])
        for endpoint in holders:
            if is_node(endpoint) and endpoint not in reached:
                reached.append(endpoint)
    if not events:
        return [f"  the journal shows no message carrying {value} to any node."]
    lines = [f"  reached {len(reached)} node(s): {' '.join(reached)}."]
    missing = [n for n in (opts.get("nodes") or ()) if n not in reached]
    if missing:
        lines.append(f"  never reached: {' '.join(missing)}.")
    last = events[-1]
    delivered = {e["id"] for e in events if e["event"] == "recv"}
    fate = "delivered" if last["id"] in delivered else "never delivered"
    lines.append(f"  last hop seen: {last['src']} -> {last['dest']} "
                 f"{last['body'].get('type')} at {seconds(last['time'])}, {fate}.")
    # Sends with no delivery: dropped by a partition, or still queued at the end.
    dropped = [e for e in events if e["event"] == "send" and e["id"] not in delivered]
    if dropped:
        shown = listing(dropped, lambda e: f"{e['src']} -> {e['dest']} at {seconds(e['time'])}",
                        limit=6)
        lines.append(f"  sent but never delivered (dropped by a partition or still "
                     f"queued): {shown}.")
    return lines


# ---------------------------------------------------------------------------------------
# Challenge targets


def targets(result, net_result, part):
    """Judge challenge 3d's or 3e's published numbers.

    Returns (checks, line): checks is a list of (name, value, limit, passed) for
    msgs-per-op (servers), median and max stable latency (ms); line reads like
    `msgs-per-op 1.31 < 20 ✓  median 290 ms < 1 s ✓  max 480 ms < 2 s ✓`.
    """
    mpo_limit, median_limit, max_limit = TARGETS[part]
    mpo = ((net_result or {}).get("servers") or {}).get("msgs-per-op")
    latencies = (result or {}).get("stable-latencies") or {}
    checks = [("msgs-per-op", mpo, mpo_limit),
              ("median", latencies.get(0.5), median_limit),
              ("max", latencies.get(1), max_limit)]
    checks = [(name, value, limit, value is not None and value < limit)
              for name, value, limit in checks]
    parts = []
    for name, value, limit, passed in checks:
        mark = "✓" if passed else "✗"
        if name == "msgs-per-op":
            shown = "n/a" if value is None else f"{value:.2f}"
            parts.append(f"{name} {shown} < {limit} {mark}")
        else:
            shown = "n/a" if value is None else f"{value} ms"
            parts.append(f"{name} {shown} < {_ms_text(limit)} {mark}")
    return checks, "  ".join(parts)


def _ms_text(ms):
    """400 -> '400 ms', 1000 -> '1 s'."""
    return f"{ms // 1000} s" if ms % 1000 == 0 else f"{ms} ms"
