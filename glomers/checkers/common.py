"""The checkers every Maelstrom test runs besides its workload's (spec §7, §8).

Each is a pure function of the history (or of the network counts) returning Maelstrom's
result map, keys spelled like its keywords. `compose` assembles the seven results in the
order results.edn prints them; `guard` turns a crashing checker into an :unknown result as
Jepsen's check-safe does. The explain_* functions put a failed result into plain words.
"""

import traceback
from collections import Counter

from glomers import edn
from glomers.edn import Keyword, Symbol
from glomers.values import Float32

UNKNOWN = Keyword("unknown")
CHECK_ORDER = ("perf", "timeline", "exceptions", "stats", "availability", "net", "workload")
# Kafka ops that may never succeed without failing :stats; Maelstrom wraps every
# workload's stats checker with this exemption.
STATS_EXEMPT_F = frozenset({"crash", "debug-topic-partitions"})
_PRIORITY = {True: 0, UNKNOWN: 1, False: 2}


def _priority(valid):
    """A valid? value's weight (false > :unknown > true); anything else is an error."""
    if valid is True or valid is False:
        return _PRIORITY[valid]
    if valid == UNKNOWN:
        return _PRIORITY[UNKNOWN]
    raise ValueError(f"{valid!r} is not a known valid? value")


def merge_valid(valids):
    """The dominant valid? value: false beats :unknown beats true (true when empty)."""
    merged = True
    for valid in valids:
        if _priority(valid) > _priority(merged):
            merged = valid
    return merged


def perf():
    """:perf as Maelstrom reports it when its graphs render (the bench draws none)."""
    return {"latency-graph": {"valid?": True}, "rate-graph": {"valid?": True}, "valid?": True}


def timeline():
    """:timeline, which only renders timeline.html and is always valid."""
    return {"valid?": True}


def is_client_op(op):
    """True for an op of a client process (an int), not the nemesis."""
    return isinstance(op.get("process"), int)


def exceptions(history):
    """:exceptions: client :info ops carrying an exception, grouped by exception class.

    Never invalid; groups are sorted by size, largest first, each with one example op.
    """
    groups = {}
    for op in history:
        if op.get("type") != "info" or not op.get("exception"):
            continue
        groups.setdefault(_exception_class(op["exception"]), []).append(op)
    if not groups:
        return {"valid?": True}
    ordered = sorted(groups.items(), key=lambda item: len(item[1]), reverse=True)
    return {"valid?": True,
            "exceptions": tuple({"count": len(ops), "class": cls, "example": ops[0]}
                                for cls, ops in ordered)}


def _exception_class(exception):
    """The class of the outermost exception of a datafied exception map (or None)."""
    via = exception.get("via") if isinstance(exception, dict) else None
    return via[0].get("type") if via and isinstance(via[0], dict) else None


def _tally(ops):
    counts = Counter(op["type"] for op in ops)
    unexpected = set(counts) - {"ok", "fail", "info"}
    if unexpected:
        raise ValueError(f"completion of unexpected type {sorted(unexpected)}")
    return {"valid?": counts["ok"] > 0,
            "count": counts["ok"] + counts["fail"] + counts["info"],
            "ok-count": counts["ok"],
            "fail-count": counts["fail"],
            "info-count": counts["info"]}


def stats(history):
    """:stats: ok/fail/info counts of client completions, overall and per f.

    Question answered: did every kind of operation succeed at least once? An f with no
    :ok at all fails the test (crash and debug-topic-partitions excepted).
    """
    completions = [op for op in history if is_client_op(op) and op["type"] != "invoke"]
    by_f = {}
    for op in completions:
        by_f.setdefault(op["f"], []).append(op)
    result = _tally(completions)
    result["by-f"] = {f: _tally(by_f[f]) for f in sorted(by_f, key=str)}
    result["valid?"] = merge_valid(
        r["valid?"] for f, r in result["by-f"].items() if f not in STATS_EXEMPT_F)
    return result


def availability(history, expected=None):
    """:availability: the fraction of invocations that completed :ok, against the target.

    `expected` is the --availability option: None (no target), "total", or a number.
    The fraction is a 32-bit float, or the integer 1 when nothing was invoked.
    """
    invoked = sum(1 for op in history if op.get("type") == "invoke")
    ok = sum(1 for op in history if op.get("type") == "ok")
    fraction = 1 if invoked == 0 else Float32(ok / invoked)
    if expected is None:
        valid = True
    elif expected == "total":
        valid = fraction == 1
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
        valid = expected <= fraction
    else:
        raise ValueError(f"don't know how to handle availability {expected!r}")
    return {"valid?": valid, "ok-fraction": fraction}


def net(counts, history):
    """:net: message counts of the journal, plus messages per client invocation.

    `counts` maps "all", "clients" and "servers" to their send-count, recv-count and
    msg-count. msgs-per-op (a 32-bit float) is added to all and servers, never clients,
    and only when there was at least one client invocation.
    """
    result = {group: dict(counts[group]) for group in ("all", "clients", "servers")}
    op_count = sum(1 for op in history
                   if op.get("type") == "invoke" and op.get("process") != "nemesis")
    if op_count:
        for group in ("all", "servers"):
            result[group]["msgs-per-op"] = Float32(result[group]["msg-count"] / op_count)
    result["valid?"] = True
    return result


def datafy_exception(error):
    """An exception as a map shaped like Clojure's datafied Throwable (:via :trace :cause)."""
    frames = [[Symbol(frame.name), Symbol("invoke"), frame.filename.rsplit("/", 1)[-1],
               frame.lineno] for frame in reversed(traceback.extract_tb(error.__traceback__))]
    cls = type(error)
    kind = Symbol(cls.__name__ if cls.__module__ == "builtins"
                  else f"{cls.__module__}.{cls.__qualname__}")
    via = {"type": kind, "message": str(error)}
    if frames:
        via["at"] = frames[0]
    return {"via": [via], "trace": frames, "cause": str(error)}


def guard(check, *args):
    """`check(*args)`, or {valid? :unknown, error ...} if it raises, like check-safe."""
    try:
        return check(*args)
    except Exception as error:  # any checker failure is reported, never fatal
        return {"valid?": UNKNOWN, "error": datafy_exception(error)}


def compose(results):
    """The full results map: the named results in Maelstrom's order, then the merged valid?."""
    ordered = {name: results[name] for name in CHECK_ORDER if name in results}
    ordered.update((name, result) for name, result in results.items() if name not in ordered)
    ordered["valid?"] = merge_valid(result.get("valid?") for result in ordered.values())
    return ordered


# ---------------------------------------------------------------------------------------
# Plain-English explanations


def seconds(op_or_ns):
    """A time in seconds with three decimals, e.g. "3.120 s", from an op or nanoseconds."""
    ns = op_or_ns.get("time", 0) if isinstance(op_or_ns, dict) else op_or_ns
    return f"{ns / 1e9:.3f} s"


def node_of(process, opts):
    """The node a client process talks to: thread = process mod concurrency, and thread t
    is bound to nodes[t mod N] (spec §5.1); None when opts do not name the nodes."""
    nodes = (opts or {}).get("nodes")
    if not nodes or not isinstance(process, int) or isinstance(process, bool):
        return None
    concurrency = opts.get("concurrency") or len(nodes)
    return nodes[(process % concurrency) % len(nodes)]


def listing(items, describe, limit=10):
    """The first `limit` items described and comma-joined, then "and N more" if cut."""
    shown = ", ".join(describe(item) for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def op_node(op, opts):
    """The node a client op went to, when opts names the nodes (else None)."""
    return node_of(op.get("process"), opts)


def op_ref(op, opts=None):
    """A short, exact reference to an op: index, time, process and node."""
    node = op_node(op, opts)
    where = f"process {op.get('process')}" + (f" on {node}" if node else "")
    return f"op {op.get('index')} at {seconds(op)} ({where})"


def _edn(value):
    return edn.dumps(value, width=None)


def explain_stats(result, history=None):
    """Why :stats failed: the operation kinds that never once completed :ok, each with the
    error its completions most often carried (when the history is given)."""
    if "error" in result:
        return [f"the stats checker itself crashed: {result['error'].get('cause')}"]
    lines = []
    for f, counts in result.get("by-f", {}).items():
        if counts.get("valid?") is not False or f in STATS_EXEMPT_F:
            continue
        lines.append(f"no {f} operation ever succeeded: {counts['count']} completed, "
                     f"{counts['fail-count']} failed (definite errors), "
                     f"{counts['info-count']} indeterminate (timeouts, crashes, "
                     "malformed replies); Maelstrom fails a test where any kind of "
                     "operation never gets an ok")
        errors = Counter(_edn(op["error"]) for op in history or ()
                         if is_client_op(op) and op.get("f") == f
                         and op.get("type") in ("fail", "info") and op.get("error") is not None)
        if errors:
            error, count = errors.most_common(1)[0]
            lines.append(f"  the most common error: {error} ({count} of them)")
    return lines


def explain_availability(result, history, expected=None):
    """Why :availability failed: ok-fraction against the target, and what the rest became."""
    if "error" in result:
        return [f"the availability checker itself crashed: {result['error'].get('cause')}"]
    if result.get("valid?") is True:
        return []
    invoked = sum(1 for op in history if op.get("type") == "invoke")
    ok = sum(1 for op in history if op.get("type") == "ok")
    target = "every operation to succeed" if expected == "total" else \
        f"at least {expected} of operations to succeed"
    fraction = result.get("ok-fraction")
    lines = [f"ok-fraction {float(fraction):.4f}: {ok} of {invoked} invocations completed ok; "
             f"the test required {target}"]
    not_ok = Counter((op.get("f"), op.get("type")) for op in history
                     if is_client_op(op) and op.get("type") in ("fail", "info"))
    for (f, kind), count in sorted(not_ok.items(), key=lambda item: -item[1]):
        meaning = "failed (definite error)" if kind == "fail" else \
            "indeterminate (timeout, crash or malformed reply)"
        lines.append(f"{count} {f} operation(s) {meaning}")
    errors = Counter(_edn(op["error"]) for op in history
                     if is_client_op(op) and op.get("type") in ("fail", "info")
                     and op.get("error") is not None)
    for error, count in errors.most_common(5):
        lines.append(f"  error {error}: {count} time(s)")
    pending = invoked - sum(1 for op in history
                            if op.get("type") in ("ok", "fail", "info") and is_client_op(op))
    if pending > 0:
        lines.append(f"{pending} invocation(s) never completed before the test ended")
    return lines
