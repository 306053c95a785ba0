"""The plain-English explanation of a run folder, line by line.

The header (what the folder is, the command or options, the files it holds), the verdict
with one line per sub-check and the evidence under each failure, the bench's own record,
the errors by class, and the re-check against the written verdict. Files are named only
when the folder holds them. Describers read results.edn, whose shape nothing guarantees,
through `Shape`, which turns a describer tripping over it into a problem naming the check.
"""

import json
import math
import os

from . import explain_errors, fault_story
from .recheck import json_safe
from .report import stopped_hint
from .run_folder import MAX_ENTRIES, checker_module, edn_text, node_logs
from .run_files import Unreadable
from .checkers import common
from .values import Float32

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
GRAPHS = ("latency-raw.png", "latency-raw.svg", "latency-quantiles.png",
          "latency-quantiles.svg", "rate.png", "rate.svg")

MARKS = {True: "✓", False: "✗"}
EVIDENCE_LINES = 40     # workload evidence shown per failed check (the rest is counted)
FILES_SHOWN = 20        # names listed on the Files line


class Shape:
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


def kafka_generator(folder):
    """For a kafka run of ours, whose op generator it followed, in words (test.json says;
    a folder without the note predates the choice and followed Jepsen 0.3.7's)."""
    if folder.workload != "kafka" or folder.source != "bench":
        return None
    from .workloads import kafka
    return kafka.generator_words({"kafka_generator": folder.meta.get("kafka_generator")})


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
        meaning = WORKLOAD_MEANING.get(folder.workload, "the workload's own correctness check")
        generator = kafka_generator(folder)
        return meaning + (f"; ops from {generator}" if generator else "")
    return ""


def describe_check(name, result, folder):
    """Why a sub-check of results.edn has its valid?, in words (no evidence)."""
    valid = result.get("valid?")
    if name == "perf" and valid is not True:
        if "gnuplot" in edn_text(result, 100_000):
            return (":perf is unknown because gnuplot was missing on the machine that ran "
                    "Maelstrom, so the graphs could not be drawn (not your node's fault)")
        return f":perf could not draw its graphs: {first_line(result)}"
    if "error" in result and valid is not True:
        return f"the {name} checker itself crashed: {first_line(result)}"
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


def first_line(result):
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
        return [f"our checker could not finish: {first_line(result)}",
                *stopped_hint(result["error"])]
    try:
        if folder.journal is not None and "journal" in checker.explain.__code__.co_varnames:
            return checker.explain(result, folder.history, folder.opts, journal=folder.journal)
        return checker.explain(result, folder.history, folder.opts)
    except Exception as error:   # an explanation must never hide the verdict
        return [f"(could not explain: {error!r})"[:300]]



def results_workload(folder):
    """The workload results.edn judges, when it can be told."""
    candidates = folder.workloads.get("results.edn") or ()
    return folder.workload if folder.workload in candidates or not candidates else candidates[0]


def sub_checks(results):
    """The named checks of a results map (the :error of a whole failed analysis is none)."""
    return [(name, value) for name, value in results.items()
            if isinstance(value, dict) and str(name) != "error"]


def is_partial(folder):
    """A folder with a run's leftovers but none of the files a verdict comes from."""
    return not any(folder.has(name) for name in (
        "results.edn", "history.edn", "history.edn.gz", "test.json", "jepsen.log",
        "jepsen.log.tail"))


def unreadable(folder, name):
    return any(problem.name == name for problem in folder.problems)


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
    names = [name + ("/" if os.path.isdir(folder.dir / name) else "")
             for name in folder.files[:FILES_SHOWN]]
    more = len(folder.files) - FILES_SHOWN
    logs = node_logs(folder) if folder.has("node-logs") else []
    names = [f"{name} ({len(logs)} log(s))" if name == "node-logs/" else name
             for name in names]
    # A folder is listed up to MAX_ENTRIES names: past that, the count is a floor.
    plus = "+" if len(folder.files) >= MAX_ENTRIES else ""
    lines.append("Files: " + ", ".join(names) + (f" and {more}{plus} more" if more > 0 else ""))
    return lines


def text_lines(folder, report, shape=None):
    """The plain-English explanation of a folder."""
    shape = shape or Shape(folder)
    lines = _header(folder, report)
    ours = report.get("_recheck_results")
    results = folder.results
    if report["kind"] == "incomplete":
        lines.append("Verdict: none.")
        lines.extend("  " + line for line in report["log"])
        return lines
    if results is None:
        if unreadable(folder, "results.edn"):
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
                         f"{first_line(results)}")
            lines.extend("  " + hint for hint in stopped_hint(results.get("error")))
        for name, result in sub_checks(results):
            name = str(name)[:40]
            described = shape(f":{name}", describe_check, name, result, folder,
                              default="(not described: see Problems)")
            lines.append(f"  {_mark(result.get('valid?'))} {name:<13}{described}")
            lines.extend(shape(f":{name}", _evidence, name, result, folder, ours, default=[]))
        if report.get("log"):
            lines.append("But:" if folder.meta.get("aborted") else "Also:")
            lines.extend("  " + line for line in report["log"])
    story_results = ours if ours is not None else results
    story = fault_story.story(folder.history, {**folder.opts, "workload": folder.workload},
                              story_results if isinstance(story_results, dict) else None,
                              folder.journal)
    if story:
        lines.append("Kills and pauses (from the nemesis ops in the history):")
        lines.extend("  " + line for line in story)
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
    return results_workload(folder) == folder.workload


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
                         "with)" if unreadable(folder, "results.edn")
                         else " (the run never got this far)")
        else:
            lines[0] += (f" (not compared: results.edn judges {results_workload(folder)}, "
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
    text = json.dumps(json_safe(value))
    return text if len(text) <= 300 else text[:300] + "…"
