"""`python3 -m glomers explain DIR`: say in plain words why a run got its verdict.

DIR is a run folder, ours (store/latest) or real Maelstrom's: results.edn (the verdict as
written), history.edn or history.edn.gz, and for ours test.json and journal.jsonl, for
Maelstrom's jepsen.log (or the oracle's jepsen.log.tail). The verdict is re-derived from
the history with our checkers, so a failed check comes with its evidence (the lost values
and their ops, the duplicate ids, the bad final reads, the anomaly and its transactions)
even when Maelstrom's map only holds counts. A folder without results.edn gets what its
log says happened instead: which node crashed, and its last output.
"""

import argparse
import json
import re

from . import cli, edn, store
from .run_folder import checker_module, load
from .checkers import common
from .values import Float32

UNKNOWN = edn.Keyword("unknown")

# What each sub-check of results.edn is for, in words.
CHECK_MEANING = {
    "perf": "latency and rate graphs (drawn with gnuplot; says nothing about your nodes)",
    "timeline": "timeline.html of every operation (always valid)",
    "exceptions": "client-side exceptions such as malformed replies (never fails a test)",
    "stats": "every kind of operation must succeed at least once",
    "availability": "the fraction of operations that succeeded, against --availability",
    "net": "message counts and messages per operation (always valid)",
    "workload": "the workload's own correctness check",
}
WORKLOAD_MEANING = {
    "echo": "every reply must echo its request",
    "unique-ids": "no id may be handed out twice",
    "broadcast": "every acknowledged value must show up in the reads that follow",
    "g-counter": "the final reads must equal the sum of the adds",
    "kafka": "polls must see every sent message, in offset order, without gaps",
    "txn-rw-register": "transactions must show no anomaly the consistency models forbid",
    "lin-kv": "every key must behave as one register, each op taking effect at one instant",
    "g-set": "every acknowledged element must show up in the reads that follow",
    "pn-counter": "the final reads must equal the sum of the adds",
    "txn-list-append": "transactions must show no anomaly the consistency models forbid",
}

# The figures compared with Maelstrom's and printed by --json, per workload.
FIGURES = {
    "echo": ("valid?", "errors"),
    "unique-ids": ("valid?", "attempted-count", "acknowledged-count", "duplicated-count"),
    "broadcast": ("valid?", "lost-count", "stable-count", "stale-count", "never-read-count",
                  "attempt-count", "stable-latencies", "lost-latencies"),
    "g-counter": ("valid?", "final-reads", "acceptable"),
    "kafka": ("valid?", "error-types"),
    "txn-rw-register": ("valid?", "anomaly-types"),
    "lin-kv": ("valid?", "failures"),
    "g-set": ("valid?", "lost-count", "stable-count", "stale-count", "never-read-count",
              "attempt-count", "stable-latencies", "lost-latencies"),
    "pn-counter": ("valid?", "final-reads", "acceptable"),
    "txn-list-append": ("valid?", "anomaly-types"),
}
# Where a count is compared rather than the list itself.
COUNTED = {("echo", "errors")}

MARKS = {True: "✓", False: "✗"}
EVIDENCE_LINES = 40     # workload evidence shown per failed check (the rest is counted)


# ---------------------------------------------------------------------------------------
# Re-checking a history


def recheck(history, opts, workload):
    """Our checkers on a history: {exceptions, stats, availability, workload} in
    Maelstrom's shapes (:net needs the message journal, which Maelstrom folders lack)."""
    client_ops = [op for op in history if op.get("process") != "nemesis"]
    checker = checker_module(workload)
    if checker is None:
        result = {"valid?": UNKNOWN, "error": {"cause": f"no checker for {workload!r} "
                                                         "in this checkout"}}
    else:
        try:
            result = checker.check(history, opts)
        except AssertionError as error:
            # In Maelstrom an assertion escapes every guard: the whole map becomes :unknown.
            result = {"valid?": UNKNOWN, "error": common.datafy_exception(error),
                      "whole-analysis": True}
        except Exception as error:   # a crashing checker is a verdict, as in check-safe
            result = {"valid?": UNKNOWN, "error": common.datafy_exception(error)}
    return {"exceptions": common.guard(common.exceptions, client_ops),
            "stats": common.guard(common.stats, client_ops),
            "availability": common.guard(common.availability, history,
                                         opts.get("availability")),
            "workload": result}


def figures(workload, result):
    """The figures of a workload result that Maelstrom's and ours must share, as JSON."""
    shown = {}
    for key in FIGURES.get(workload, ("valid?",)):
        if key not in result:
            continue
        value = result[key]
        if (workload, key) in COUNTED:
            value = len(value or ())
        shown[key] = _plain(value)
    return shown


def _plain(value):
    """A result value as plain JSON (keywords as strings, quantile keys as strings)."""
    if isinstance(value, Float32):
        return float(value)
    return store.to_json(value)


def json_valid(valid):
    """A valid? value for JSON: true, false or "unknown" (None when absent)."""
    return valid if valid in (True, False, None) else str(valid)


# ---------------------------------------------------------------------------------------
# Plain words


def _mark(valid):
    return MARKS.get(valid, "?") if valid in (True, False) else "?"


def _verdict_word(valid):
    return {True: "VALID", False: "INVALID"}.get(valid, "UNKNOWN") if valid in (True, False) \
        else "UNKNOWN"


def describe_check(name, result, folder):
    """Why a sub-check of results.edn has its valid?, in words (no evidence)."""
    valid = result.get("valid?")
    if name == "perf" and valid is not True:
        if "gnuplot" in repr(result):
            return (":perf is unknown because gnuplot was missing on the machine that ran "
                    "Maelstrom, so the graphs could not be drawn (not your node's fault)")
        return f":perf could not draw its graphs: {_first_line(result)}"
    if "error" in result and valid is not True:
        return f"the {name} checker itself crashed: {_first_line(result)}"
    if name == "stats":
        text = (f"{result.get('count', 0)} ops: {result.get('ok-count', 0)} ok, "
                f"{result.get('fail-count', 0)} fail, {result.get('info-count', 0)} info")
        failed = [str(f) for f, r in (result.get("by-f") or {}).items()
                  if r.get("valid?") is False and f not in common.STATS_EXEMPT_F]
        if failed:
            text += f"; :stats failed because no :{', :'.join(failed)} ever succeeded"
        return text
    if name == "availability":
        fraction = result.get("ok-fraction")
        required = folder.opts.get("availability")
        shown = fraction.java_str() if isinstance(fraction, Float32) else fraction
        if valid is False:
            need = ("1.0 (total)" if required == "total" else required if required is not None
                    else "by --availability (the target is not recorded in this folder)")
            return f":availability failed: ok-fraction {shown} < required {need}"
        return f"ok-fraction {shown}" + (f" (required {required})" if required is not None
                                         else " (no target set)")
    if name == "net":
        servers, everything = result.get("servers", {}), result.get("all", {})
        return (f"{everything.get('msg-count', 0)} messages; msgs-per-op all "
                f"{_float_text(everything.get('msgs-per-op'))}, servers "
                f"{_float_text(servers.get('msgs-per-op'))}")
    if name == "exceptions":
        groups = result.get("exceptions") or ()
        if not groups:
            return "no client exceptions"
        example = groups[0].get("example") or {}
        return (f"{sum(g.get('count', 0) for g in groups)} op(s) ended in a client "
                f"exception, mostly {groups[0].get('class')} ({groups[0].get('count')}), e.g. "
                f"{common.op_ref(example, folder.opts)}: "
                f"{edn.dumps(example.get('error'), width=None)[:160]}")
    if name == "workload":
        return WORKLOAD_MEANING.get(folder.workload, "")
    return CHECK_MEANING.get(name, "")


def _first_line(result):
    error = result.get("error")
    if isinstance(error, dict):
        error = error.get("cause") or error.get("message") or error
    return str(error).strip().splitlines()[0][:200] if error else "(no detail)"


def _float_text(value):
    if value is None:
        return "-"
    return Float32(value).java_str() if isinstance(value, float) else str(value)


def crash_report(log):
    """Lines saying what a log shows went wrong: the crash exception, the node that
    crashed with its exit status and its last stdout/stderr lines."""
    if not log:
        return ["no results.edn and no jepsen.log: nothing says how the run ended"]
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if "Test crashed!" in line), None)
    if start is None:
        problems = [line for line in lines if re.search(r"\b(WARN|ERROR)\b", line)
                    or line.startswith("Error")]
        if problems:
            return ["the log has no 'Test crashed!' line; its last warnings or errors:"] + \
                [f"  | {line[:200]}" for line in problems[-5:]]
        return ["the log ends without an analysis or a crash report; the last lines:"] + \
            [f"  | {line[:200]}" for line in lines[-5:]]
    body = []
    for line in lines[start + 1:]:
        if line.startswith("\tat ") or re.match(r"^\d{4}-\d\d-\d\d ", line):
            break
        body.append(line)
    text = "\n".join(body)
    node = re.search(r"Node (\S+) crashed with exit status (-?\d+)", text)
    out = []
    if node:
        out.append(f"node {node.group(1)} exited with status {node.group(2)} during the run, "
                   "so Maelstrom aborted at teardown and wrote no results.edn")
        for label, section in _sections(body):
            cause = next((line for line in section if _CAUSE.search(line)), None)
            if cause is not None and cause not in section[-6:]:
                out.append(f"its {label} says: {cause.strip()[:200]}")
            if section:
                out.append(f"its last {label} lines:")
                out.extend(f"  | {line[:200]}" for line in section[-6:])
    else:
        out.append("the test crashed before analysis:")
        out.extend(f"  | {line[:200]}" for line in body[:8] if line.strip())
    return out


# A line of a node's output that usually names why it died (Go panic, Python traceback...).
_CAUSE = re.compile(r"panic|error|exception|traceback", re.IGNORECASE)


def bench_abort_report(meta):
    """Lines saying why one of our bench runs has no results.edn (from its test.json)."""
    lines = [f"the bench aborted the run, as Maelstrom would: {meta.get('aborted')}"
             if meta.get("aborted") else "the run left no results.edn and no abort reason"]
    for problem in meta.get("problems") or ():
        lines.append(f"{problem.get('node')} at {problem.get('time', 0):.3f} s: "
                     f"{problem.get('detail')}")
        if problem.get("line"):
            lines.append(f"  | {str(problem['line'])[:200]}")
    return lines


def _sections(body):
    """The STDOUT and STDERR sections of Maelstrom's node-crash message."""
    sections, current = {"stdout": [], "stderr": []}, None
    for line in body:
        if "wrote to STDOUT" in line:
            current = "stdout"
        elif line.strip() == "And to STDERR:":
            current = "stderr"
        elif current and line.strip():
            sections[current].append(line)
    return sections.items()


def workload_lines(folder, result):
    """The workload checker's own explanation of our re-checked result."""
    checker = checker_module(folder.workload)
    if checker is None or not hasattr(checker, "explain"):
        return [f"no checker for {folder.workload} in this checkout yet"]
    if "error" in result:
        return [f"our checker could not finish: {_first_line(result)}"]
    try:
        if folder.journal is not None and "journal" in checker.explain.__code__.co_varnames:
            return checker.explain(result, folder.history, folder.opts, journal=folder.journal)
        return checker.explain(result, folder.history, folder.opts)
    except Exception as error:   # an explanation must never hide the verdict
        return [f"(could not explain: {error!r})"]


def targets(folder):
    """[(part, line, passed)] for challenge 3d/3e when the run used their command."""
    opts, results = folder.opts, folder.results or {}
    part = opts.get("challenge")
    if part in ("3d", "3e"):
        parts = [part]
    elif (folder.workload == "broadcast" and opts.get("node_count") == 25
          and opts.get("latency") == 100):
        parts = ["3d", "3e"]   # the two parts share one command
    else:
        return []
    from .checkers import set_full
    workload = results.get("workload") or {}
    found = []
    for name in parts:
        checks, line = set_full.targets(workload, results.get("net"), name)
        found.append((name, line, all(passed for *_, passed in checks)))
    return found


def analyse(folder):
    """Everything explain prints, as one JSON-ready dict."""
    report = {"dir": str(folder.dir), "source": folder.source, "workload": folder.workload,
              "options": {k: store.to_json(v) for k, v in folder.opts.items()},
              "options_from": folder.opts_from}
    results = folder.results
    if results is not None:
        workload = results.get("workload") if isinstance(results.get("workload"), dict) else None
        report["maelstrom"] = {
            "valid": json_valid(results.get("valid?")),
            "workload_valid": json_valid(workload.get("valid?")) if workload else None,
            "checks": {name: json_valid(value.get("valid?")) for name, value in results.items()
                       if isinstance(value, dict)},
            "figures": figures(folder.workload, workload) if workload else {},
        }
        if workload is None and "error" in results:
            report["maelstrom"]["error"] = _first_line(results)
    else:
        report["maelstrom"] = None
        report["log"] = (bench_abort_report(folder.meta) if folder.source == "bench"
                         else crash_report(folder.log))
    if folder.history is not None and folder.workload:
        ours = recheck(folder.history, folder.opts, folder.workload)
        report["recheck"] = {
            "workload_valid": json_valid(ours["workload"].get("valid?")),
            "stats_valid": json_valid(ours["stats"].get("valid?")),
            "availability_valid": json_valid(ours["availability"].get("valid?")),
            "ok_fraction": _plain(ours["availability"].get("ok-fraction")),
            "figures": figures(folder.workload, ours["workload"]),
        }
        report["_recheck_results"] = ours
    else:
        report["recheck"] = None
        report["recheck_missing"] = folder.history_error or "the workload is unknown"
    report["targets"] = [{"part": part, "line": line, "met": met}
                         for part, line, met in targets(folder)]
    return report


def text_lines(folder, report):
    """The plain-English explanation of a folder."""
    opts = folder.opts
    lines = [f"{folder.dir}",
             f"{'our bench' if folder.source == 'bench' else 'a real Maelstrom'} run of "
             f"{folder.workload or 'an unknown workload'}"
             + (f", {len(opts['nodes'])} node(s)" if opts.get("nodes") else "")
             + (f", concurrency {opts['concurrency']}" if opts.get("concurrency") else "")
             + f" (options from {folder.opts_from})"]
    ours = report.get("_recheck_results")
    results = folder.results
    if results is None:
        lines.append("Verdict: none. The folder has no results.edn, so the analysis never "
                     "ran or never finished.")
        lines.extend("  " + line for line in report["log"])
    else:
        valid = results.get("valid?")
        writer = "our bench" if folder.source == "bench" else "Maelstrom"
        lines.append(f"Verdict written by {writer}: {_verdict_word(valid)} (results.edn "
                     f":valid? {edn.dumps(valid)})")
        if not isinstance(results.get("workload"), dict):
            lines.append(f"  the whole analysis failed, so there are no sub-checks: "
                         f"{_first_line(results)}")
        for name, result in results.items():
            if not isinstance(result, dict):
                continue
            lines.append(f"  {_mark(result.get('valid?'))} {name:<13}"
                         f"{describe_check(name, result, folder)}")
            lines.extend(_evidence(name, result, folder, ours))
    lines.extend(_recheck_lines(folder, report, ours))
    for part, line, met in targets(folder):
        lines.append(f"challenge {part} targets (Maelstrom does not judge these): {line}"
                     f" -> {'met' if met else 'NOT met'}")
    return lines


def _evidence(name, result, folder, ours):
    """The evidence under a failed sub-check, re-derived from the history where needed."""
    if result.get("valid?") is True:
        return []
    if name == "stats" and "error" not in result:
        return ["      " + line for line in common.explain_stats(result) + _stats_errors(
            result, folder.history)]
    if folder.history is None:
        if name in ("workload", "availability"):
            return ["      (no history in this folder, so no evidence can be re-derived)"]
        return []
    if name == "availability":
        return ["      " + line for line in common.explain_availability(
            result, folder.history, folder.opts.get("availability"))]
    if name == "workload" and ours is not None:
        return ["      " + line for line in _capped(workload_lines(folder, ours["workload"]))]
    return []


def _stats_errors(result, history):
    """The commonest errors of the operation kinds that never succeeded, from the history."""
    failed = {str(f) for f, r in (result.get("by-f") or {}).items()
              if r.get("valid?") is False and f not in common.STATS_EXEMPT_F}
    counts = {}
    for op in history or ():
        if str(op.get("f")) in failed and op.get("type") in ("fail", "info"):
            error = edn.dumps(op.get("error"), width=None)[:160]
            counts[(str(op["f"]), error)] = counts.get((str(op["f"]), error), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:3]
    return [f"  {f} error {error}: {count} time(s)" for (f, error), count in ranked]


def _capped(lines):
    """At most EVIDENCE_LINES lines, then how many were left out."""
    if len(lines) <= EVIDENCE_LINES:
        return lines
    return lines[:EVIDENCE_LINES] + [f"... and {len(lines) - EVIDENCE_LINES} more lines"]


def _recheck_lines(folder, report, ours):
    if ours is None:
        return [f"Re-check: not possible, {report.get('recheck_missing')}."]
    verdict = ours["workload"].get("valid?")
    lines = [f"Re-checked from the history with our checkers: workload "
             f"{_verdict_word(verdict)}"]
    maelstrom = report.get("maelstrom")
    if maelstrom is None:
        lines[0] += " (the run never got this far)"
        if verdict is not True:
            lines.extend("  " + line for line in _capped(workload_lines(folder, ours["workload"])))
        for name in ("stats", "availability"):
            if ours[name].get("valid?") is not True:
                lines.append(f"  {_mark(ours[name].get('valid?'))} {name:<13}"
                             f"{describe_check(name, ours[name], folder)}")
        return lines
    theirs, mine = maelstrom.get("figures") or {}, report["recheck"]["figures"]
    differ = [key for key in mine if key in theirs and mine[key] != theirs[key]]
    writer = "the bench" if folder.source == "bench" else "Maelstrom"
    if differ:
        lines[0] += f"; it DIFFERS from {writer}'s on " + ", ".join(differ)
        for key in differ:
            lines.append(f"  {key}: {writer} {json.dumps(theirs[key])}, "
                         f"ours {json.dumps(mine[key])}")
        if verdict is not True:
            lines.append("  what our checker found:")
            lines.extend("    " + line
                         for line in _capped(workload_lines(folder, ours["workload"])))
    elif theirs:
        lines[0] += f"; the same as {writer}'s ({len(mine)} figures compared)"
    return lines


def main(path, as_json=False, out=None):
    """Print the explanation of one run folder; exit status as the run's verdict."""
    import sys
    out = out or sys.stdout
    try:
        folder = load(path)
    except (FileNotFoundError, edn.EDNError) as error:
        print(f"glomers explain: {error}", file=sys.stderr)
        return cli.BAD_ARGS
    report = analyse(folder)
    if as_json:
        shown = {key: value for key, value in report.items() if not key.startswith("_")}
        print(json.dumps(shown, indent=1), file=out)
    else:
        for line in text_lines(folder, report):
            print(line, file=out)
    valid = (folder.results or {}).get("valid?") if folder.results else None
    if valid is None:
        return 255 if folder.results is None else 2
    return {True: 0, False: 1}.get(valid, 2) if valid in (True, False) else 2


def _argv_main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m glomers.explain")
    parser.add_argument("dir")
    parser.add_argument("--json", action="store_true")
    ns = parser.parse_args(argv)
    return main(ns.dir, as_json=ns.json)


if __name__ == "__main__":
    raise SystemExit(_argv_main())
