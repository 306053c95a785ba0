"""The console verdict: each check passed or failed, and for each failure the evidence.

Maelstrom ends with a large Clojure map; this ends with lines a newcomer can act on: which
op, which node, what was sent and what came back, at what time. Every line is cut to a
readable length here (`quote.clip`), whatever a node sent or a checker quoted.
"""

from . import quote
from .checkers import common
from .values import Float32

VERDICT_LINES = {True: "Everything looks good! ヽ(‘ー`)ノ",
                 False: "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
                 "unknown": "Errors occurred during analysis, but no anomalies found. ಠ~ಠ"}
MARKS = {True: "✓", False: "✗", "unknown": "?"}
# Problem kinds worth a line that do not mean the node is broken.
NOTES = {"late-reply", "flood", "teardown"}
SUMMARY_LINES = 4           # explanation lines shown for a check that passed


def exit_status(valid):
    """Maelstrom's exit status for a verdict: 0 valid, 1 invalid, 2 unknown."""
    return {True: 0, False: 1}.get(valid, 2)


def _mark(valid):
    return MARKS.get(valid if valid in (True, False) else "unknown", "?")


def describe_problems(problems, hosts=None, unlisted=None):
    """Lines naming each node misbehaviour with its evidence; `unlisted` counts the
    problems of one (node, kind) beyond those listed."""
    lines = []
    for p in problems:
        where = f"{p.node} at {p.time:.3f} s" if p.time >= 0 else f"{p.node} during setup"
        mark = "·" if p.kind in NOTES else "✗"
        lines.append(f"  {mark} {where}: {p.detail}")
        if p.line is not None:
            lines.append(f"      offending line: {quote.clip(p.line, 300)}")
        if p.kind == "crash" and hosts and p.node in hosts:
            tail = list(hosts[p.node].stderr_tail)[-10:]
            if tail:
                lines.append("      its last stderr lines:")
                lines.extend(f"        | {quote.clip(t, 200)}" for t in tail)
            else:
                lines.append("      it wrote nothing to stderr")
    for (node, kind), count in sorted((unlisted or {}).items()):
        lines.append(f"  … and {count:,} more {kind} problem(s) from {node} like those above "
                     "(not listed)")
    return [quote.clip(line) for line in lines]


def check_lines(results, history, opts, workload, journal=None):
    """One line per check (✓ / ✗ / ?) with its figures, and the evidence under failures."""
    lines = []
    stats = results.get("stats", {})
    lines.append(f"  {_mark(stats.get('valid?'))} stats         "
                 f"{stats.get('count', 0)} ops: {stats.get('ok-count', 0)} ok, "
                 f"{stats.get('fail-count', 0)} fail, {stats.get('info-count', 0)} info")
    if stats.get("valid?") is not True:
        lines.extend("      " + l for l in common.explain_stats(stats))
    availability = results.get("availability", {})
    required = opts.get("availability")
    lines.append(f"  {_mark(availability.get('valid?'))} availability  ok-fraction "
                 f"{fmt(availability.get('ok-fraction'))}"
                 + (f" (required: {required})" if required is not None else " (not required)"))
    if availability.get("valid?") is not True:
        lines.extend("      " + l for l in common.explain_availability(availability, history,
                                                                        required))
    net = results.get("net", {})
    servers = net.get("servers", {})
    lines.append(f"  {_mark(net.get('valid?'))} net           server msgs-per-op "
                 f"{fmt(servers.get('msgs-per-op'))}, all msgs-per-op "
                 f"{fmt(net.get('all', {}).get('msgs-per-op'))} "
                 f"({net.get('all', {}).get('msg-count', 0)} messages)")
    exceptions = results.get("exceptions", {})
    if exceptions.get("exceptions"):
        lines.append(f"  · exceptions    {len(exceptions['exceptions'])} kind(s) of client "
                     "exception (malformed replies or errors)")
        for entry in exceptions["exceptions"][:5]:
            example = entry.get("example", {})
            lines.append(f"      {entry.get('count')} op(s) like process {example.get('process')}"
                         f" {example.get('f')} at {example.get('time', 0) / 1e9:.3f} s: "
                         f"{example.get('error')}")
    result = results.get("workload", {})
    lines.append(f"  {_mark(result.get('valid?'))} workload      {workload.NAME}")
    if "error" in result:
        lines.append(f"      the checker could not finish: {_error_text(result['error'])}")
    else:
        explain = workload.checker.explain
        try:
            if journal is not None and "journal" in explain.__code__.co_varnames:
                explanation = explain(result, history, opts, journal=journal)
            else:
                explanation = explain(result, history, opts)
        except Exception as error:   # an explanation must never hide the verdict
            explanation = [f"(could not explain: {error!r})"]
        shown = explanation if result.get("valid?") is not True else explanation[:SUMMARY_LINES]
        lines.extend("      " + l for l in shown)
    return [quote.clip(line) for line in lines]


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, Float32):
        return value.java_str()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _error_text(error):
    if isinstance(error, dict):
        return str(error.get("cause") or error.get("message") or error)
    return str(error)


def verdict_line(valid):
    key = valid if valid in (True, False) else "unknown"
    return VERDICT_LINES[key]
