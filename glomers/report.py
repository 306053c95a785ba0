"""The console verdict: each check passed or failed, and for each failure the evidence.

Maelstrom ends with a large Clojure map; this ends with lines a newcomer can act on: which
op, which node, what was sent and what came back, at what time, and for each failure class
a hint on what usually causes it. It fits one screen: of each failure class (checkers mark
their cases, see checkers/evidence.py) the first CASES_SHOWN cases are shown in full and the
rest counted, with the command that lists them all (`explain`). Every line is cut to a
readable length here (`quote.clip`), whatever a node sent or a checker quoted.
"""

import collections

from . import quote
from .checkers import common, evidence
from .values import Float32

VERDICT_LINES = {True: "Everything looks good! ヽ(‘ー`)ノ",
                 False: "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
                 "unknown": "Errors occurred during analysis, but no anomalies found. ಠ~ಠ"}
MARKS = {True: "✓", False: "✗", "unknown": "?"}
# Problem kinds worth a line that do not mean the node is broken.
NOTES = {"late-reply", "flood", "teardown"}
SUMMARY_LINES = 4           # explanation lines shown for a check that passed
CASES_SHOWN = 3             # cases of one failure class shown in full
WORKLOAD_LINES = 60         # lines of a failing check's explanation, at most
LABELS_SHOWN = 12           # names of the cases not shown, listed in their count
CASE_LINES = 12             # detail lines of one case shown (a cycle of 26 transactions...)


def exit_status(valid):
    """Maelstrom's exit status for a verdict: 0 valid, 1 invalid, 2 unknown."""
    return {True: 0, False: 1}.get(valid, 2)


def _mark(valid):
    return MARKS.get(valid if valid in (True, False) else "unknown", "?")


EVIDENCE_FILE = "evidence.txt"   # the run folder's copy of every check's whole evidence


def where_all(run_dir):
    """Where the evidence the console leaves out is: the run folder's evidence.txt."""
    return f"{run_dir}/{EVIDENCE_FILE}" if run_dir else f"{EVIDENCE_FILE} in the run folder"


def describe_problems(problems, hosts=None, unlisted=None, run_dir=None, whole=False):
    """Lines naming each node misbehaviour with its evidence and, once per kind, a hint:
    the first CASES_SHOWN of each kind in full (every one when `whole`), the rest (and
    `unlisted`, the problems of one (node, kind) the run only counted) in one count line
    per kind."""
    lines, shown, hidden = [], collections.Counter(), {}
    tail_shown = False
    for p in problems:
        if shown[p.kind] >= CASES_SHOWN and not whole:
            hidden.setdefault(p.kind, collections.Counter())[p.node] += 1
            continue
        shown[p.kind] += 1
        where = f"{p.node} at {p.time:.3f} s" if p.time >= 0 else f"{p.node} during setup"
        mark = "·" if p.kind in NOTES else "✗"
        lines.append(f"  {mark} {where}: {p.detail}")
        if p.line is not None:
            lines.append(f"      offending line: {quote.clip(p.line, 300)}")
        if p.kind == "crash" and hosts and p.node in hosts:
            tail = list(hosts[p.node].stderr_tail)[-10:]
            if tail and (whole or not tail_shown):
                tail_shown = True
                lines.append("      its last stderr lines:")
                lines.extend(f"        | {quote.clip(t, 200)}" for t in tail)
            elif tail:
                lines.append(f"      its last stderr lines: node-logs/{p.node}.log")
            else:
                lines.append("      it wrote nothing to stderr")
        if shown[p.kind] == 1:
            lines.extend(f"      {h}" for h in evidence.hint(p.kind) if p.kind in evidence.CLASSES)
    for (node, kind), count in (unlisted or {}).items():
        hidden.setdefault(kind, collections.Counter())[node] += count
    for kind, by_node in hidden.items():
        total = sum(by_node.values())
        nodes = ", ".join(f"{node} ({count:,})" for node, count in sorted(by_node.items()))
        where = ("test.json lists each node's first ten" if whole else
                 f"{where_all(run_dir)} and test.json list each node's first ten")
        lines.append(f"  … and {total:,} more {kind} problem(s) like those above, from "
                     f"{nodes}: {where}")
    return [quote.clip(line) for line in lines]


def one_screen(lines, run_dir=None, per_kind=CASES_SHOWN, limit=WORKLOAD_LINES):
    """A failing check's explanation cut to one screen: each failure class's first
    `per_kind` cases in full (a case is an evidence.Case line and the lines after it indented
    deeper), then one line counting the rest with their labels; hints once per class; at
    most `limit` lines in all, the last saying where the whole explanation is."""
    out, shown, hidden, hints = [], collections.Counter(), {}, set()
    skipping = None                 # the indentation of the case being left out
    within = None                   # (indentation, detail lines so far) of a case shown
    for line in lines:
        marked = isinstance(line, (evidence.Case, evidence.Hint, evidence.More))
        if skipping is not None and _indent(line) > skipping and not marked:
            continue
        skipping = None
        if within is not None and _indent(line) > within[0] and not marked:
            within[1] += 1
            if within[1] <= CASE_LINES:
                out.append(line)
            elif within[1] == CASE_LINES + 1:
                out.append(_Cut(within[0] + 2))
            else:
                out[-1].count += 1
            continue
        within = None
        if isinstance(line, evidence.More) and line.kind in hidden:
            hidden[line.kind].extend([None] * line.count)
        elif isinstance(line, evidence.Hint):
            if line.kind not in hints:
                hints.add(line.kind)
                out.append(line)
        elif isinstance(line, evidence.Case) and shown[line.kind] >= per_kind:
            skipping = _indent(line)
            if line.kind not in hidden:
                hidden[line.kind] = []
                out.append(_Count(line.kind, skipping))   # filled in once all are counted
            hidden[line.kind].append(line.label)
        else:
            if isinstance(line, evidence.Case):
                shown[line.kind] += 1
                within = [_indent(line), 0]
            out.append(line)
    where = where_all(run_dir)
    out = [_count_line(item, hidden[item.kind], where) if isinstance(item, _Count)
           else " " * item.indent + f"… {item.count} more line(s) of this case"
           if isinstance(item, _Cut) else item for item in out]
    if len(out) > limit:
        out = out[:limit - 1] + [f"… and {len(out) - limit + 1} more lines, all in {where}"]
    return out


def _indent(line):
    return len(line) - len(line.lstrip(" "))


class _Count:
    """Where the count of a class's cases not shown goes."""

    def __init__(self, kind, indent):
        self.kind, self.indent = kind, indent


class _Cut:
    """Where the detail lines of a long case are cut."""

    def __init__(self, indent):
        self.indent, self.count = indent, 1


def _count_line(item, labels, where):
    distinct = list(dict.fromkeys(str(label) for label in labels if label is not None))
    named = distinct[:LABELS_SHOWN]
    listed = ""
    if named:
        cut = len(distinct) > len(named) or None in labels
        listed = " (" + ", ".join(named) + (", …" if cut else "") + ")"
    return (" " * item.indent + f"… and {len(labels):,} more {evidence.noun(item.kind)} not "
            f"shown{listed}: every one is in {where}")


def workload_explanation(result, history, opts, workload, journal=None):
    """The workload checker's explanation of its result (never raises: an explanation must
    never hide the verdict)."""
    explain = workload.checker.explain
    try:
        if journal is not None and "journal" in explain.__code__.co_varnames:
            return explain(result, history, opts, journal=journal)
        return explain(result, history, opts)
    except Exception as error:
        return [f"(could not explain: {error!r})"]


def check_lines(results, history, opts, workload, journal=None, run_dir=None, whole=False,
                explanation=None):
    """One line per check (✓ / ✗ / ?) with its figures, and the evidence under failures,
    cut to one screen (`one_screen`) unless `whole` (the run folder's evidence.txt).
    `explanation`: the workload's, when already made (workload_explanation)."""
    cut = (lambda lines, limit=WORKLOAD_LINES: list(lines)) if whole else \
        (lambda lines, limit=WORKLOAD_LINES: one_screen(lines, run_dir, limit=limit))
    lines = []
    stats = results.get("stats", {})
    lines.append(f"  {_mark(stats.get('valid?'))} stats         "
                 f"{stats.get('count', 0)} ops: {stats.get('ok-count', 0)} ok, "
                 f"{stats.get('fail-count', 0)} fail, {stats.get('info-count', 0)} info")
    if stats.get("valid?") is not True:
        lines.extend("      " + l for l in common.explain_stats(stats, history)
                     + evidence.hint("stats"))
    availability = results.get("availability", {})
    required = opts.get("availability")
    lines.append(f"  {_mark(availability.get('valid?'))} availability  ok-fraction "
                 f"{fmt(availability.get('ok-fraction'))}"
                 + (f" (required: {required})" if required is not None else " (not required)"))
    if availability and availability.get("valid?") is not True:   # missing: nothing to explain
        lines.extend("      " + l for l in cut(
            common.explain_availability(availability, history, required)
            + evidence.hint("availability"), 12))
    net = results.get("net", {})
    servers = net.get("servers", {})
    lines.append(f"  {_mark(net.get('valid?'))} net           server msgs-per-op "
                 f"{fmt(servers.get('msgs-per-op'))}, all msgs-per-op "
                 f"{fmt(net.get('all', {}).get('msgs-per-op'))} "
                 f"({net.get('all', {}).get('msg-count', 0)} messages)")
    if "error" in net:
        lines.append(f"      the net checker could not finish: {_error_text(net['error'])}")
    exceptions = results.get("exceptions", {})
    if exceptions.get("exceptions"):
        lines.append(f"  · exceptions    {len(exceptions['exceptions'])} kind(s) of client "
                     "exception (malformed replies or errors)")
        for entry in exceptions["exceptions"][:None if whole else CASES_SHOWN]:
            example = entry.get("example", {})
            lines.append(f"      {entry.get('count')} op(s) like process {example.get('process')}"
                         f" {example.get('f')} at {example.get('time', 0) / 1e9:.3f} s: "
                         f"{quote.clip(str(example.get('error')), quote.QUOTE_LIMIT)}")
        if len(exceptions["exceptions"]) > CASES_SHOWN and not whole:
            lines.append(f"      … and {len(exceptions['exceptions']) - CASES_SHOWN} more "
                         f"kind(s), all in {where_all(run_dir)}")
        lines.extend("      " + h for h in evidence.hint("exceptions"))
    result = results.get("workload", {})
    lines.append(f"  {_mark(result.get('valid?'))} workload      {workload.NAME}")
    if "error" in result:
        lines.append(f"      the checker could not finish: {_error_text(result['error'])}")
        lines.extend("      " + h for h in stopped_hint(result["error"]))
    else:
        if explanation is None:
            explanation = workload_explanation(result, history, opts, workload, journal)
        if result.get("valid?") is not True or whole:
            shown = cut(explanation)
        else:
            shown = [l for l in explanation if not isinstance(l, evidence.Hint)][:SUMMARY_LINES]
        lines.extend("      " + l for l in shown)
    return [quote.clip(line) for line in lines]


def write_evidence(run_dir, problem_lines, check_lines_whole):
    """The run folder's evidence.txt: every node problem and every check's whole evidence,
    what the console cut to one screen."""
    text = "\n".join((["Node problems", *problem_lines] if problem_lines else [])
                     + (["Checks", *check_lines_whole] if check_lines_whole else [])) + "\n"
    with open(f"{run_dir}/{EVIDENCE_FILE}", "w", encoding="utf-8") as f:
        f.write(text)


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, Float32):
        return value.java_str()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# What Maelstrom's own checkers throw on values a node returned, as the bench words it:
# ids or messages of kinds Clojure cannot order, a message or an element no client sent,
# keys of several types (Elle's type sanity).
_STOPPED_ON_NODE_VALUES = ("cannot compare", "no writer of value", "No transaction wrote",
                           "History includes a mix of")


def stopped_hint(error):
    """The hint for an analysis that stopped, where Maelstrom's stops too, on values a node
    returned; [] for any other error (a bench bug gets no advice for the node)."""
    text = _error_text(error)
    return evidence.hint("checker-stopped") if any(
        words in text for words in _STOPPED_ON_NODE_VALUES) else []


def _error_text(error):
    if isinstance(error, dict):
        return str(error.get("cause") or error.get("message") or error)
    return str(error)


def verdict_line(valid):
    key = valid if valid in (True, False) else "unknown"
    return VERDICT_LINES[key]
