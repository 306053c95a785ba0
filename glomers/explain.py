"""`python3 -m glomers explain DIR`: say in plain words why a run got its verdict.

DIR is a run folder, ours (store/latest) or real Maelstrom's: results.edn (the verdict as
written), history.edn or history.edn.gz, and for ours test.json and journal.jsonl, for
Maelstrom's jepsen.log (or the oracle's jepsen.log.tail). The verdict is re-derived from
the history with our checkers, so a failed check comes with its evidence (the lost values
and their ops, the duplicate ids, the bad final reads, the anomaly and its transactions)
even when Maelstrom's map only holds counts. A folder without results.edn gets what its
log says happened instead: which node crashed, and its last output.

Any folder content is explained as far as it can be: a damaged file is named with what is
wrong with it, and the rest is still read. Exit status: the verdict the folder holds (0
valid, 1 invalid, 2 unknown); 255 when the run has none because it was aborted, crashed
or stopped before its analysis (or the bench aborted it as Maelstrom would); 3 when a file
could not be read or the files contradict each other; 254 when DIR is not a run folder.
"""

import argparse
import json
import math
import sys

from . import cli, edn, explain_errors, explain_log, store
from .run_folder import NotARunFolder, checker_module, edn_text, load, node_logs
from .run_files import Unreadable
from .checkers import common
from .values import Float32

UNKNOWN = edn.Keyword("unknown")
DAMAGED = 3             # a file could not be read: no verdict can be trusted
NO_VERDICT = 255        # the run ended (aborted, crashed, stopped) before its analysis

WORKLOAD_MEANING = {
    "echo": "every reply must echo its request",
    "unique-ids": "no id may be handed out twice",
    "broadcast": "every acknowledged value must show up in the reads that follow",
    "g-counter": "the final reads must equal the sum of the adds",
    "kafka": "polls must see every sent message, in offset order, without gaps",
    "txn-rw-register": "transactions must show no anomaly the consistency models forbid",
}
GRAPHS = ("latency-raw.png", "latency-raw.svg", "latency-quantiles.png",
          "latency-quantiles.svg", "rate.png", "rate.svg")

# The figures compared with Maelstrom's and printed by --json, per workload.
FIGURES = {
    "echo": ("valid?", "errors"),
    "unique-ids": ("valid?", "attempted-count", "acknowledged-count", "duplicated-count"),
    "broadcast": ("valid?", "lost-count", "stable-count", "stale-count", "never-read-count",
                  "attempt-count", "stable-latencies", "lost-latencies"),
    "g-counter": ("valid?", "final-reads", "acceptable"),
    "kafka": ("valid?", "error-types"),
    "txn-rw-register": ("valid?", "anomaly-types"),
}
# Where a count is compared rather than the list itself.
COUNTED = {("echo", "errors")}

MARKS = {True: "✓", False: "✗"}
EVIDENCE_LINES = 40     # workload evidence shown per failed check (the rest is counted)
FILES_SHOWN = 20        # names listed on the Files line


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
            value = len(value) if isinstance(value, (list, tuple, set, frozenset)) else value
        shown[key] = _plain(value)
    return shown


def _plain(value):
    """A result value as plain JSON (keywords as strings, quantile keys as strings)."""
    if isinstance(value, Float32):
        return float(value)
    return store.to_json(value)


def json_valid(valid):
    """A valid? value for JSON: true, false or "unknown" (None when absent)."""
    return valid if valid in (True, False, None) else str(valid)[:40]


def _json_safe(value):
    """JSON the strict way: NaN and infinities (which EDN allows) become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------
# Guarding against results of any shape

class _Shape:
    """Runs describers over results.edn's content, whose shape nothing guarantees: a
    describer that trips over it becomes one problem naming the check, not a traceback."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, where, function, *args, default=None):
        try:
            return function(*args)
        except Exception as error:      # any shape of data; the problem names it
            self.folder.problems.append(Unreadable(
                "results.edn", f"{where} is not shaped as Maelstrom writes it "
                               f"({type(error).__name__}: {str(error)[:100]})"))
            return default


# ---------------------------------------------------------------------------------------
# Plain words


def _mark(valid):
    return MARKS.get(valid, "?") if valid in (True, False) else "?"


def _verdict_word(valid):
    return {True: "VALID", False: "INVALID"}.get(valid, "UNKNOWN") if valid in (True, False) \
        else "UNKNOWN"


def _present(folder, names):
    return [name for name in names if folder.has(name)]


def check_meaning(name, folder):
    """What a sub-check of results.edn is for, naming only files the folder holds."""
    if name == "perf":
        graphs = _present(folder, GRAPHS)
        return ("latency and rate graphs: " + ", ".join(graphs) if graphs
                else "latency and rate graphs (none in this folder)") + \
            "; says nothing about your nodes"
    if name == "timeline":
        return ("timeline.html of every operation" if folder.has("timeline.html")
                else "a timeline of every operation (no timeline.html in this folder)") + \
            "; always valid"
    if name == "exceptions":
        return "client-side exceptions such as malformed replies (never fails a test)"
    if name == "stats":
        return "every kind of operation must succeed at least once"
    if name == "availability":
        return "the fraction of operations that succeeded, against --availability"
    if name == "net":
        return "message counts and messages per operation (always valid)" + \
            ("; messages.svg draws them" if folder.has("messages.svg") else "")
    if name == "workload":
        return WORKLOAD_MEANING.get(folder.workload, "the workload's own correctness check")
    return ""


def describe_check(name, result, folder):
    """Why a sub-check of results.edn has its valid?, in words (no evidence)."""
    valid = result.get("valid?")
    if name == "perf" and valid is not True:
        if "gnuplot" in edn_text(result, 100_000):
            return (":perf is unknown because gnuplot was missing on the machine that ran "
                    "Maelstrom, so the graphs could not be drawn (not your node's fault)")
        return f":perf could not draw its graphs: {_first_line(result)}"
    if "error" in result and valid is not True:
        return f"the {name} checker itself crashed: {_first_line(result)}"
    if name == "stats":
        text = (f"{_count(result, 'count')} ops: {_count(result, 'ok-count')} ok, "
                f"{_count(result, 'fail-count')} fail, {_count(result, 'info-count')} info")
        by_f = result.get("by-f") or {}
        failed = [str(f) for f, r in by_f.items()
                  if isinstance(r, dict) and r.get("valid?") is False
                  and f not in common.STATS_EXEMPT_F]
        if failed:
            text += f"; :stats failed because no :{', :'.join(failed)} ever succeeded"
        return text
    if name == "availability":
        fraction = result.get("ok-fraction")
        required = folder.opts.get("availability")
        shown = fraction.java_str() if isinstance(fraction, Float32) else edn_text(fraction, 40)
        if valid is False:
            need = ("1.0 (total)" if required == "total" else required if required is not None
                    else "by --availability (the target is not recorded in this folder)")
            return f":availability failed: ok-fraction {shown} < required {need}"
        return f"ok-fraction {shown}" + (f" (required {required})" if required is not None
                                         else " (no target set)")
    if name == "net":
        servers, everything = result.get("servers") or {}, result.get("all") or {}
        return (f"{edn_text(everything.get('msg-count', 0), 20)} messages; msgs-per-op all "
                f"{_float_text(everything.get('msgs-per-op'))}, servers "
                f"{_float_text(servers.get('msgs-per-op'))}"
                + ("; messages.svg draws them" if folder.has("messages.svg") else ""))
    if name == "exceptions":
        groups = result.get("exceptions") or ()
        if not groups:
            return "no client exceptions"
        total = sum(g.get("count", 0) for g in groups if isinstance(g.get("count"), int))
        return (f"{total} op(s) ended in a client exception (never fails a test); grouped "
                "under Errors below")
    return check_meaning(name, folder)


def _count(result, key):
    return edn_text(result.get(key, 0), 20)


def _first_line(result):
    error = result.get("error")
    if isinstance(error, dict):
        error = error.get("cause") or error.get("message") or error
    text = error if isinstance(error, str) else edn_text(error, 400) if error else ""
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else "(no detail)"


def _float_text(value):
    if value is None:
        return "-"
    if isinstance(value, float) and math.isfinite(value):
        return Float32(value).java_str()
    return edn_text(value, 30)


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
        return [f"(could not explain: {error!r})"[:300]]


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
    workload = results.get("workload") if isinstance(results.get("workload"), dict) else {}
    net = results.get("net") if isinstance(results.get("net"), dict) else None
    found = []
    for name in parts:
        checks, line = set_full.targets(workload, net, name)
        found.append((name, line, all(passed for *_, passed in checks)))
    return found


def _results_workload(folder):
    """The workload results.edn judges, when it can be told."""
    return folder.workloads.get("results.edn") or folder.workload


def _checks(results):
    return [(name, value) for name, value in results.items() if isinstance(value, dict)]


def _is_partial(folder):
    """A folder with a run's leftovers but none of the files a verdict comes from."""
    return not any(folder.has(name) for name in (
        "results.edn", "history.edn", "history.edn.gz", "test.json", "jepsen.log",
        "jepsen.log.tail"))


def analyse(folder):
    """Everything explain prints, as one JSON-ready dict (plus _-prefixed internals)."""
    shape = _Shape(folder)
    report = {"dir": str(folder.dir), "source": folder.source,
              "kind": "incomplete" if _is_partial(folder) else "run",
              "workload": folder.workload, "workloads": dict(folder.workloads),
              "options": {k: store.to_json(v) for k, v in folder.opts.items()},
              "options_from": folder.opts_from, "command": folder.command,
              "command_notes": explain_log.command_notes(folder.command),
              "files": list(folder.files)}
    results = folder.results
    if results is not None:
        workload = results.get("workload") if isinstance(results.get("workload"), dict) else None
        report["maelstrom"] = {
            "valid": json_valid(results.get("valid?")),
            "workload_valid": json_valid(workload.get("valid?")) if workload else None,
            "checks": {name: json_valid(value.get("valid?")) for name, value in _checks(results)},
            "figures": shape(":workload", figures, _results_workload(folder), workload,
                             default={}) if workload else {},
        }
        if workload is None and "error" in results:
            report["maelstrom"]["error"] = _first_line(results)
    else:
        report["maelstrom"] = None
    if folder.source == "bench":
        report["log"] = explain_log.bench_report(folder)
    elif results is None and report["kind"] == "run" and not _unreadable(folder, "results.edn"):
        report["log"] = explain_log.crash_report(folder.log)
    if report["kind"] == "incomplete":
        report["log"] = explain_log.partial_report(folder, node_logs(folder))
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
        report["recheck_missing"] = (folder.history_error if folder.history is None
                                     else "the workload is unknown")
    classes = (explain_errors.group(folder.history) if folder.history is not None
               else shape(":exceptions", explain_errors.group_results, results, default=[]))
    report["_errors"] = classes
    report["errors"] = explain_errors.as_json(classes)
    report["targets"] = [{"part": part, "line": line, "met": met}
                         for part, line, met in shape("the 3d/3e figures", targets, folder,
                                                      default=[])]
    report["_text"] = text_lines(folder, report, shape)
    report["problems"] = [{"file": p.name, "problem": p.what} for p in folder.problems]
    report["exit_status"] = exit_status(folder)
    return report


def _unreadable(folder, name):
    return any(problem.name == name for problem in folder.problems)


def exit_status(folder):
    """0, 1 or 2 for the verdict the folder holds; 255 without one (aborted, crashed,
    stopped before analysis); 3 when a file is damaged or the files disagree."""
    if folder.problems:
        return DAMAGED
    if folder.results is None or folder.meta.get("aborted"):
        return NO_VERDICT
    valid = folder.results.get("valid?")
    return {True: 0, False: 1}.get(valid, 2) if valid in (True, False) else 2


def _header(folder, report):
    opts = folder.opts
    what = {"bench": "our bench run", "maelstrom": "a real Maelstrom run"}.get(
        folder.source, "a run folder")
    nodes = opts.get("nodes")
    line = (f"{what} of {folder.workload or 'an unknown workload'}"
            + (f", {len(nodes)} node(s)" if nodes else "")
            + (f", concurrency {opts['concurrency']}" if opts.get("concurrency") else ""))
    if folder.source == "unknown":
        line += " (no test.json or jepsen.log says which tool wrote it)"
    lines = [str(folder.dir), line]
    if folder.command:
        lines.append(f"Command (from the log): {folder.command}")
        lines.extend("  " + note for note in report["command_notes"])
    elif folder.opts_from == "test.json":
        seed = folder.meta.get("seed")
        lines.append("Options: from test.json" + (f" (seed {seed}" + (
            ", virtual time)" if folder.meta.get("virtual_time") else ")")
            if seed is not None else ""))
    elif folder.opts_from == "the test map in the log":
        lines.append("Options: from the test map in the log (it does not hold the command "
                     "line)")
    else:
        source = "jepsen.log" if folder.source == "maelstrom" else "jepsen.log or test.json"
        if folder.log:
            source = "a command line or test map in the log"
        guessed = (f"; concurrency {opts['concurrency']} is guessed from the history"
                   if opts.get("concurrency") else "")
        lines.append(f"Options: unknown, the folder has no {source}{guessed}. Node names, "
                     "--availability and the other flags are not known, so evidence names "
                     "no nodes and availability is judged without a target.")
    names = [name + ("/" if (folder.dir / name).is_dir() else "")
             for name in folder.files[:FILES_SHOWN]]
    more = len(folder.files) - FILES_SHOWN
    logs = node_logs(folder) if folder.has("node-logs") else []
    names = [f"{name} ({len(logs)} log(s))" if name == "node-logs/" else name
             for name in names]
    lines.append("Files: " + ", ".join(names) + (f" and {more} more" if more > 0 else ""))
    return lines


def text_lines(folder, report, shape=None):
    """The plain-English explanation of a folder."""
    shape = shape or _Shape(folder)
    lines = _header(folder, report)
    ours = report.get("_recheck_results")
    results = folder.results
    if report["kind"] == "incomplete":
        lines.append("Verdict: none.")
        lines.extend("  " + line for line in report["log"])
        return lines
    if results is None:
        if _unreadable(folder, "results.edn"):
            lines.append("Verdict: unknown, results.edn could not be read (see Problems); "
                         "the history is re-checked below instead.")
        else:
            lines.append("Verdict: none. The folder has no results.edn, so the analysis "
                         "never ran or never finished.")
        lines.extend("  " + line for line in report.get("log") or
                     ["nothing in the folder says why (test.json records no abort)"])
    else:
        valid = results.get("valid?")
        writer = "our bench" if folder.source == "bench" else "Maelstrom"
        lines.append(f"Verdict written by {writer}: {_verdict_word(valid)} (results.edn "
                     f":valid? {edn_text(valid, 40)})")
        if not isinstance(results.get("workload"), dict):
            lines.append(f"  the whole analysis failed, so there are no sub-checks: "
                         f"{_first_line(results)}")
        for name, result in _checks(results):
            name = str(name)[:40]
            described = shape(f":{name}", describe_check, name, result, folder,
                              default="(not described: see Problems)")
            lines.append(f"  {_mark(result.get('valid?'))} {name:<13}{described}")
            lines.extend(shape(f":{name}", _evidence, name, result, folder, ours, default=[]))
        if report.get("log"):
            lines.append("But:" if folder.meta.get("aborted") else "Also:")
            lines.extend("  " + line for line in report["log"])
    errors = report.get("_errors") or []
    if errors:
        source = "the history" if folder.history is not None else "results.edn's examples"
        lines.extend(explain_errors.lines(errors, folder.opts, source))
    lines.extend(_recheck_lines(folder, report, ours))
    for part, line, met in [(t["part"], t["line"], t["met"]) for t in report["targets"]]:
        lines.append(f"challenge {part} targets (Maelstrom does not judge these): {line}"
                     f" -> {'met' if met else 'NOT met'}")
    return lines


def _evidence(name, result, folder, ours):
    """The evidence under a failed sub-check, re-derived from the history where needed."""
    if result.get("valid?") is True:
        return []
    if name == "stats" and "error" not in result:
        return ["      " + line for line in common.explain_stats(result)]
    if folder.history is None:
        if name in ("workload", "availability"):
            return ["      (no history in this folder, so no evidence can be re-derived)"]
        return []
    if name == "availability":
        # Its tally of error messages is left out: the Errors section groups them by class.
        return ["      " + line for line in common.explain_availability(
            result, folder.history, folder.opts.get("availability"))
            if not line.startswith("  error ")]
    if name == "workload" and ours is not None and _comparable(folder):
        return ["      " + line for line in _capped(workload_lines(folder, ours["workload"]))]
    return []


def _comparable(folder):
    """True when results.edn and the history are about the same workload."""
    return _results_workload(folder) == folder.workload


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
    if maelstrom is None or not _comparable(folder):
        if maelstrom is None:
            lines[0] += (" (results.edn could not be read, so there is nothing to compare "
                         "with)" if _unreadable(folder, "results.edn")
                         else " (the run never got this far)")
        else:
            lines[0] += (f" (not compared: results.edn judges {_results_workload(folder)}, "
                         f"the history is {folder.workload})")
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
            lines.append(f"  {key}: {writer} {_json_text(theirs[key])}, "
                         f"ours {_json_text(mine[key])}")
        if verdict is not True:
            lines.append("  what our checker found:")
            lines.extend("    " + line
                         for line in _capped(workload_lines(folder, ours["workload"])))
    elif theirs:
        lines[0] += f"; the same as {writer}'s ({len(mine)} figures compared)"
    return lines


def _json_text(value):
    text = json.dumps(_json_safe(value))
    return text if len(text) <= 300 else text[:300] + "…"


# ---------------------------------------------------------------------------------------
# The command


def main(path, as_json=False, out=None, err=None):
    """Print the explanation of one run folder; exit status as in the module docstring."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        folder = load(path)
    except NotARunFolder as error:
        return _not_a_run(path, error, as_json, out, err)
    report = analyse(folder)
    for problem in folder.problems:
        print(f"glomers explain: {folder.dir / problem.name}: {problem.what}", file=err)
    if as_json:
        shown = {key: value for key, value in report.items() if not key.startswith("_")}
        print(json.dumps(_json_safe(shown), indent=1, default=str), file=out)
    else:
        lines = report["_text"]
        if folder.problems:
            problems = ["Problems with this folder (explain exits 3):"] + \
                [f"  {p.name}: {p.what}" for p in folder.problems]
            lines = lines[:_header_length(lines)] + problems + lines[_header_length(lines):]
        for line in lines:
            print(line, file=out)
    return report["exit_status"]


def _not_a_run(path, error, as_json, out, err):
    """DIR is no run folder: say so on stderr, and list the runs beneath it (newest
    first) as the answer, in words or as JSON."""
    print(f"glomers explain: {error}", file=err)
    if as_json:
        print(json.dumps({"dir": str(path), "kind": "not-a-run", "problem": str(error),
                          "runs_beneath": error.runs, "more_runs": error.more,
                          "exit_status": cli.BAD_ARGS}, indent=1), file=out)
    elif error.runs:
        print("Run folders beneath it, newest first:", file=out)
        for run in error.runs:
            print(f"  {run}", file=out)
        if error.more:
            print(f"  ... and {error.more} more", file=out)
    elif "not a run folder" in str(error):
        print("There are no run folders beneath it either.", file=out)
    return cli.BAD_ARGS


def _header_length(lines):
    return next((i for i, line in enumerate(lines) if line.startswith("Files: ")), 0) + 1


def _argv_main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m glomers.explain")
    parser.add_argument("dir")
    parser.add_argument("--json", action="store_true")
    ns = parser.parse_args(argv)
    return main(ns.dir, as_json=ns.json)


if __name__ == "__main__":
    raise SystemExit(_argv_main())
