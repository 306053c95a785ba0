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
import sys

from . import cli, explain_errors, explain_log, store
from .explain_text import (Shape, first_line, is_partial, results_workload, sub_checks,
                           text_lines, unreadable)
from .recheck import figures, json_safe, json_valid, plain, recheck
from .run_folder import NotARunFolder, load, node_logs
from .checkers import set_full

DAMAGED = 3             # a file could not be read: no verdict can be trusted
NO_VERDICT = 255        # the run ended (aborted, crashed, stopped) before its analysis


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
    workload = results.get("workload") if isinstance(results.get("workload"), dict) else {}
    net = results.get("net") if isinstance(results.get("net"), dict) else None
    found = []
    for name in parts:
        checks, line = set_full.targets(workload, net, name)
        found.append((name, line, all(passed for *_, passed in checks)))
    return found


def analyse(folder):
    """Everything explain prints, as one JSON-ready dict (plus _-prefixed internals)."""
    shape = Shape(folder)
    report = {"dir": str(folder.dir), "source": folder.source,
              "kind": "incomplete" if is_partial(folder) else "run",
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
            "checks": {name: json_valid(value.get("valid?"))
                       for name, value in sub_checks(results)},
            "figures": shape(":workload", figures, results_workload(folder), workload,
                             default={}) if workload else {},
        }
        if workload is None and "error" in results:
            report["maelstrom"]["error"] = first_line(results)
    else:
        report["maelstrom"] = None
    if folder.source == "bench":
        report["log"] = explain_log.bench_report(folder)
    elif results is None and report["kind"] == "run" and not unreadable(folder, "results.edn"):
        report["log"] = explain_log.crash_report(folder.log)
    if report["kind"] == "incomplete":
        report["log"] = explain_log.partial_report(folder, node_logs(folder))
    if folder.history is not None and folder.workload:
        ours = recheck(folder.history, folder.opts, folder.workload)
        report["recheck"] = {
            "workload_valid": json_valid(ours["workload"].get("valid?")),
            "stats_valid": json_valid(ours["stats"].get("valid?")),
            "availability_valid": json_valid(ours["availability"].get("valid?")),
            "ok_fraction": plain(ours["availability"].get("ok-fraction")),
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


def exit_status(folder):
    """0, 1 or 2 for the verdict the folder holds; 255 without one (aborted, crashed,
    stopped before analysis); 3 when a file is damaged or the files disagree."""
    if folder.problems:
        return DAMAGED
    if folder.results is None or folder.meta.get("aborted"):
        return NO_VERDICT
    valid = folder.results.get("valid?")
    return {True: 0, False: 1}.get(valid, 2) if valid in (True, False) else 2




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
        _say(f"glomers explain: {folder.dir / problem.name}: {problem.what}", err)
    if as_json:
        shown = {key: value for key, value in report.items() if not key.startswith("_")}
        _say(json.dumps(json_safe(shown), indent=1, default=str), out)
    else:
        lines = report["_text"]
        if folder.problems:
            problems = ["Problems with this folder (explain exits 3):"] + \
                [f"  {p.name}: {p.what}" for p in folder.problems]
            lines = lines[:_header_length(lines)] + problems + lines[_header_length(lines):]
        for line in lines:
            _say(line, out)
    return report["exit_status"]


def _say(line, stream):
    """Print a line whatever it holds: text read from a damaged file can carry lone
    surrogates (from an EDN \\uD800, or a file name that is not UTF-8), which no
    encoder accepts; they are written as backslash escapes instead."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(line.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)


def _not_a_run(path, error, as_json, out, err):
    """DIR is no run folder: say so on stderr, and list the runs beneath it (newest
    first) as the answer, in words or as JSON."""
    _say(f"glomers explain: {error}", err)
    if as_json:
        print(json.dumps({"dir": str(path), "kind": "not-a-run", "problem": str(error),
                          "runs_beneath": error.runs, "more_runs": error.more,
                          "exit_status": cli.BAD_ARGS}, indent=1), file=out)
    elif error.runs:
        print("Run folders beneath it, newest first:", file=out)
        for run in error.runs:
            _say(f"  {run}", out)
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

