"""`python3 -m glomers`: run a test, a challenge, many seeds, shrink a failing run, explain a
run folder, or compare our checkers with every real Maelstrom run (oracle).

Exit status: 0 valid, 1 invalid, 2 unknown (only ever with a verdict written), 254 bad
arguments, 255 when the run was aborted (a node crashed or could not start, or the bench gave
the run up) or the bench itself failed, 130 on Ctrl-C, 143 on SIGTERM and 141 when the
reader of its output went away, with the nodes stopped in every case.
"""

import contextlib
import dataclasses
import functools
import gc
import importlib
import io
import os
import shlex
import signal
import sys
import time
import traceback

from . import (challenges, cli, console_log, fault_schedule, fault_story, hosts, parallel,
               pictures, quote, report, store, virtual_time)
from .analysis import analyze
from .checkers import evidence
from .run import Aborted, Stalled, Test

ABORTED = 255
INTERRUPTED = 130
BROKEN_PIPE = 141
TERMINATED = 143


@dataclasses.dataclass
class Outcome:
    """What one run produced."""
    exit_status: int
    valid: object
    run_dir: str
    results: dict | None
    seed: int
    reason: str | None = None       # why the run was aborted, if it was


def load_workload(name):
    """The workload module for a Maelstrom workload name (e.g. "g-counter")."""
    return importlib.import_module(f"glomers.workloads.{name.replace('-', '_')}")


# Python's collector scans every container in the process each time the long-lived ones grow
# by a quarter; a run's history, node state and analysis are long-lived and grow all run,
# so those full scans cost about a tenth of a busy run. During a run a full collection
# waits for this many young (generation 1) collections, about 700,000 allocations: cyclic
# garbage is still collected, a little later.
FULL_COLLECTION_AFTER = 100


@contextlib.contextmanager
def _fewer_full_collections():
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, max(full, FULL_COLLECTION_AFTER))
    try:
        yield
    finally:
        gc.set_threshold(young, middle, full)


def run_test(opts, out=sys.stdout):
    """Run one test end to end; the console also goes to the run folder's jepsen.log."""
    with console_log.Tee(out) as tee, _fewer_full_collections():
        return _run_test(opts, tee)


def _run_test(opts, out):
    """Bench, analysis, run folder, console verdict, pictures."""
    workload = load_workload(opts["workload"])
    run_dir = store.new_run_dir(opts["store"], opts["workload"])
    store.link_latest(opts["store"], opts["workload"], run_dir)
    out.keep_in(run_dir)                                   # jepsen.log
    mode = "virtual time, in-process nodes" if opts["virtual_time"] else "real time, node processes"
    print(f"{opts['workload']}: {len(opts['nodes'])} node(s), {opts['time_limit']} s, "
          f"rate {opts['rate']:g}, concurrency {opts['concurrency']}, seed {opts['seed']}, "
          f"{mode}\nrun folder: {run_dir}", file=out, flush=True)
    if "kafka_generator" in opts:
        print(f"ops from {workload.generator_words(opts)}", file=out, flush=True)
    test = Test(opts, workload, run_dir, quiet=opts.get("quiet", False))
    history, aborted, stopped = [], None, None
    try:
        history = virtual_time.run(test.run(), virtual=opts["virtual_time"])
    except Aborted as error:
        aborted, stopped = str(error), "Maelstrom would abort this run before analysis"
        history = test.history_so_far()
    except Stalled as error:
        aborted, stopped = str(error), "The bench gave this run up before analysis"
        history = test.history_so_far()
    except BaseException as error:   # Ctrl-C, SIGTERM: keep what the run produced, then go
        _write_interrupted(run_dir, opts, test, error)
        raise
    aborted = aborted or test.aborted
    history_files = functools.partial(store.write_history, run_dir, history,
                                      _clipped(test, history))
    store.write_test(run_dir, opts, _test_extra(test, aborted))
    journal = store.Journal(test.net_journal_path, test.net_journal_summary) \
        if test.net_journal_path else None
    # The pictures are drawn, and the history files written, by a child on the second core
    # during the analysis; by this process when there is no child or it did not write them.
    drawing = pictures.start(run_dir, journal, history, opts, first=history_files)
    if drawing is None:
        history_files()
    with pictures.settled(drawing, history_files):
        return _analyse(test, opts, workload, run_dir, history, journal, drawing,
                        aborted, stopped, out)


def _analyse(test, opts, workload, run_dir, history, journal, drawing, aborted, stopped,
             out):
    """Analysis, results, console verdict and pictures of a run that has ended."""
    print("", file=out)
    _print_problems(test, out, run_dir)
    if stopped:
        report.write_evidence(run_dir, _problem_lines(test, run_dir, whole=True), [])
        print(quote.clip(f"{stopped} (exit {ABORTED}): {aborted}", 2000), file=out)
        pictures.after_run(run_dir, journal, history, None, opts, out, drawing)
        return Outcome(ABORTED, None, run_dir, None, opts["seed"], aborted)
    results = analyze(history, opts, test.net.stats(), workload)
    shown = _clipped(test, results)
    store.write_results(run_dir, shown)
    if "workload" not in results:
        print(quote.clip(f"The whole analysis failed, as Maelstrom's does when a checker "
                         f"asserts: {results.get('error', {}).get('cause')}"), file=out)
        for line in report.stopped_hint(results.get("error", {})):
            print("  " + line, file=out)
        pictures.after_run(run_dir, journal, history, results, opts, out, drawing)
        print(report.verdict_line(results.get("valid?")), file=out)
        status = ABORTED if aborted else report.exit_status(results.get("valid?"))
        return Outcome(status, results.get("valid?"), run_dir, results, opts["seed"], aborted)
    print("Checks", file=out)
    shown_results = _clipped(test, results, quote.QUOTE_LIMIT)
    shown_history = _clipped(test, history, quote.QUOTE_LIMIT)
    explanation = report.workload_explanation(shown_results.get("workload", {}), shown_history,
                                              opts, workload, journal)
    for line in report.check_lines(shown_results, shown_history, opts, workload, journal,
                                   run_dir, explanation=explanation):
        print(line, file=out)
    report.write_evidence(run_dir, _problem_lines(test, run_dir, whole=True),
                          report.check_lines(shown_results, shown_history, opts, workload,
                                             journal, run_dir, whole=True,
                                             explanation=explanation))
    part = opts.get("challenge")
    if part in challenges.TARGETS:
        from .checkers import set_full
        checks, line = set_full.targets(results.get("workload", {}), results.get("net", {}),
                                        part)
        print(f"  published targets of {part} (Maelstrom does not judge these): {line}", file=out)
        if opts.get("overridden"):
            print("      (measured with flags that override the published command, which the "
                  "targets are for)", file=out)
        else:
            missed = {name for name, _, _, passed in checks if not passed}
            for kind in (["targets-messages"] if "msgs-per-op" in missed else []) + \
                    (["targets-latency"] if missed - {"msgs-per-op"} else []):
                print("".join(f"      {h}" for h in evidence.hint(kind)), file=out)
    for line in fault_story.story(_clipped(test, history, quote.QUOTE_LIMIT), opts, results,
                                  journal):
        print(quote.clip(f"  {line}"), file=out)
    if opts.get("stricter"):
        _report_stricter(workload, history, opts, run_dir, out)
    pictures.after_run(run_dir, journal, history, results, opts, out, drawing)
    valid = results.get("valid?")
    print(report.verdict_line(valid), file=out)
    if valid is True and not aborted and any(p.kind not in report.NOTES for p in test.problems):
        print("(Maelstrom would call this run valid too, but the node problems listed above "
              "are real: fix them before a longer or busier run fails.)", file=out)
    if aborted:
        print(quote.clip(f"But Maelstrom would abort this run at teardown (exit {ABORTED}, no "
                         f"results.edn; the checks above are the bench's own extra): "
                         f"{aborted}", 2000), file=out)
        return Outcome(ABORTED, valid, run_dir, results, opts["seed"], aborted)
    return Outcome(report.exit_status(valid), valid, run_dir, results, opts["seed"])


def _clipped(test, value, limit=quote.VALUE_LIMIT):
    """`value` with strings longer than `limit` cut, for reports; itself when no node wrote
    a string that long (the usual case: no need to walk the whole history)."""
    if test.longest_string <= limit:
        return value
    # The history and the results are clipped several times at two limits: their longest
    # string is found once (a walk over every op of a busy run).
    known = test.longest_strings.get(id(value))
    if known is None or known[0] is not value:
        known = test.longest_strings[id(value)] = (value, quote.longest_string(value))
    if known[1] <= limit:
        return value
    return quote.clip_value(value, limit)


def _test_extra(test, aborted):
    return {"aborted": aborted,
            "problems": [dataclasses.asdict(p) for p in test.problems],
            "problems-not-listed": [{"node": node, "kind": kind, "count": count}
                                    for (node, kind), count in sorted(test.unlisted.items())]}


def _print_problems(test, out, run_dir):
    if test.problems:
        print("Node problems", file=out)
        for line in _problem_lines(test, run_dir):
            print(line, file=out)


def _problem_lines(test, run_dir, whole=False):
    return report.describe_problems(test.problems, test.hosts, test.unlisted, run_dir, whole)


def _write_interrupted(run_dir, opts, test, error):
    """An interrupted run still leaves its history so far and a test.json saying why."""
    why = "SIGTERM" if isinstance(error, virtual_time.Terminated) else (
        "Ctrl-C" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}")
    try:
        history = test.history_so_far()
        store.write_history(run_dir, history, _clipped(test, history))
        store.write_test(run_dir, opts, {**_test_extra(test, None),
                                         "interrupted": f"stopped by {why}; no verdict"})
    except BaseException:     # a second interruption: the nodes matter more than the files
        pass


def _report_stricter(workload, history, opts, run_dir, out):
    """--stricter: the checker's analysis beyond Maelstrom, printed and saved apart."""
    stricter = getattr(workload.checker, "stricter", None)
    if stricter is None:
        print(f"  · --stricter has nothing to add for {workload.NAME}", file=out)
        return
    result = stricter(history, opts)
    store.write_json(run_dir, "stricter.json", result)
    print("  Beyond Maelstrom (--stricter; the verdict below is Maelstrom's, unchanged):",
          file=out)
    for line in workload.checker.explain_stricter(result, history, opts):
        print(f"      {line}", file=out)


def run_seeds(opts, count, replay_argv, out=sys.stdout, jobs=1):
    """Run `count` seeds from opts["seed"] on, up to `jobs` at once; list each seed's verdict
    in seed order and the failing ones with a command that replays each alone."""
    failures = []
    statuses = []
    last_dir = None
    seeds = range(opts["seed"], opts["seed"] + count)
    runs = parallel.ordered(_run_seed, [(opts, seed) for seed in seeds], jobs)
    for seed, (status, reason, run_dir) in zip(seeds, runs):
        statuses.append(status)
        last_dir = run_dir
        if status == 0:
            mark = "valid"
        elif status == ABORTED:
            mark = f"ABORTED (exit {ABORTED}): {quote.clip(reason or '', 300)}"
        else:
            mark = f"FAILED (exit {status})"
        print(f"seed {seed}: {mark}  {run_dir}", file=out, flush=True)
        if status != 0:
            failures.append(seed)
    if jobs > 1 and last_dir is not None:   # runs finish in any order: latest is the last seed
        store.link_latest(opts["store"], opts["workload"], last_dir)
    print(f"\n{count - len(failures)} of {count} seeds valid", file=out)
    for seed in failures:
        print(f"  replay seed {seed}: {cli.program_name()} "
              f"{shlex.join(_with_seed(replay_argv, seed))}", file=out)
    return worst_status(statuses)


def _run_seed(job):
    """One seed of a sweep, quietly (pictures only if it fails): (status, reason, run_dir)."""
    opts, seed = job
    outcome = run_test({**opts, "seed": seed, "quiet": True,
                        "pictures": opts.get("pictures", True) and "failing"}, out=_Null())
    return outcome.exit_status, outcome.reason, outcome.run_dir


# Exit statuses from best to worst: valid, unknown, invalid (Jepsen ranks a false verdict
# above an unknown one when it merges results), then anything that gave no verdict at all.
_SEVERITY = {0: 0, 2: 1, 1: 2}


def worst_status(statuses):
    """The exit status of several runs: the worst of them (0 when there are none)."""
    return max(statuses, key=lambda s: (_SEVERITY.get(s, 3), s), default=0)


def _with_seed(argv, seed):
    cleaned, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--seeds", "--seed", "--jobs"):
            skip = True
            continue
        if arg.startswith(("--seeds=", "--seed=", "--jobs=")):
            continue
        cleaned.append(arg)
    return cleaned + ["--seed", str(seed)]


class _Null:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def main(argv=None):
    """The command line; returns the exit status. Nodes are stopped whatever happens."""
    argv = list(sys.argv[1:] if argv is None else argv)
    previous = _on_sigterm(virtual_time.raise_terminated)
    try:
        status = _main(argv)
        # A reader that left while the report was printed: the folder is whole, but the
        # console was not, which the status says as for a reader that left earlier.
        return BROKEN_PIPE if console_log.reader_gone() else status
    except KeyboardInterrupt:
        hosts.kill_all_now()
        print("\ninterrupted: the nodes were stopped; no verdict for this run", file=sys.stderr)
        return INTERRUPTED
    except virtual_time.Terminated:
        hosts.kill_all_now()
        print("\nterminated (SIGTERM): the nodes were stopped; no verdict for this run",
              file=sys.stderr)
        return TERMINATED
    except BrokenPipeError:  # the reader of our output went away (`| head`): stop quietly
        hosts.kill_all_now()
        quiet = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(quiet, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
        return BROKEN_PIPE
    except Exception:        # a bench bug must not read as a verdict (1 would mean invalid)
        traceback.print_exc()
        print(f"glomers: the bench itself failed (exit {ABORTED}); the traceback above is "
              "for its authors", file=sys.stderr)
        return ABORTED
    finally:
        hosts.kill_all_now()
        _on_sigterm(previous)


def _on_sigterm(handler):
    try:
        return signal.signal(signal.SIGTERM, handler) if handler is not None else None
    except ValueError:        # not the main thread (a test calling main() from a thread)
        return None


def _main(argv):
    try:
        parser, ns = cli.parse(argv)
        if ns.command == "explain":
            from . import explain
            return explain.main(ns.dir, as_json=ns.json)
        if ns.command == "oracle":
            from . import oracle
            return oracle.main()
        if ns.command == "serve":
            from . import serve
            return serve.main(ns.dir, host=ns.host, port=ns.port)
        if ns.command == "challenge":
            return run_challenges(parser, ns)
        if ns.command == "shrink":
            from . import shrink_command
            return shrink_command.main(ns)
        defaulted = ns.workload is None
        opts = cli.test_options(ns)
    except cli.UsageError as error:
        print(f"glomers: {error} (see {cli.program_name()} --help)", file=sys.stderr)
        return cli.BAD_ARGS
    if defaulted:
        print(cli.default_workload_note(opts["concurrency"], opts["node_count"]), flush=True)
    if opts["show_schedule"]:          # the faults a run with this seed will inject
        workload = load_workload(opts["workload"])
        print("\n".join(fault_schedule.schedule_lines(opts, getattr(workload, "FINAL_PHASE",
                                                                        False))))
        return 0
    if ns_seeds(ns):
        return run_seeds(opts, ns_seeds(ns), argv, jobs=ns_jobs(ns))
    return run_test(opts).exit_status


def run_challenges(parser, ns):
    """`challenge PART`: the published command against our script; every `test` flag given
    overrides the part's own (--bin: the program; --nemesis partition on 3d, ...)."""
    parts = challenges.available() if ns.part == "all" else [ns.part.lower()]
    for part in parts:
        if part not in challenges.PARTS:
            raise cli.UsageError(f"unknown challenge part {part!r}; expected one of "
                                 f"{', '.join(challenges.PARTS)} or all")
    if not parts:
        raise cli.UsageError(challenges.missing_scripts_text("all"))
    given = cli.given_flags(parser.challenge, ns)
    if not any(dest == "bin" for dest, _, _ in given):
        for part in parts:
            if not os.path.exists(challenges.script_path(part)):
                raise cli.UsageError(challenges.missing_scripts_text(part))
    if len(parts) > 1 and any(dest == "kafka_generator" for dest, _, _ in given):
        if not any(challenges.is_kafka(part) for part in parts):
            raise cli.UsageError("--kafka-generator is for the kafka parts (5a-5c)")
    runs = []
    for part in parts:
        published = challenges.argv(part)
        before = parser.parse_args(published)
        sub = parser.parse_args(published)
        # With several parts, --kafka-generator goes to the kafka ones only.
        mine = [(dest, flag, value) for dest, flag, value in given
                if dest != "kafka_generator" or len(parts) == 1 or challenges.is_kafka(part)]
        for dest, _, value in mine:
            setattr(sub, dest, value)
        opts = {**cli.test_options(sub), "challenge": part,
                "overridden": any(d not in challenges.BENCH_ONLY | {"bin"} for d, _, _ in mine)}
        head = f"== challenge {part}: {shlex.join(published[1:])}\n"
        overrides = challenges.describe_overrides(part, mine, before)
        if overrides:
            head += f"   {overrides}\n"
        replay = ["challenge", part, *challenges.flag_tokens(mine)]
        runs.append((part, head, opts, replay))
    seeds, jobs = ns_seeds(ns), ns_jobs(ns)
    if seeds or jobs <= 1 or len(runs) <= 1:
        # One part at a time, printed as it goes (a sweep's seeds run `jobs` at once).
        done = (("", "", *_run_part(run, seeds, jobs, sys.stdout)) for run in runs)
    else:
        # Parts at once, each printed whole in the serial order when its turn comes (its
        # progress lines, on stderr, then come in one go).
        done = parallel.ordered(_run_part_captured, runs, jobs)
    summary = []
    for (part, _, opts, _), (text, errors, status, figures, took, run_dir) in zip(runs, done):
        sys.stdout.write(text)
        sys.stderr.write(errors)
        if text and run_dir:       # made in a worker: the latest links follow the serial order
            store.link_latest(opts["store"], opts["workload"], run_dir)
        summary.append((part, status, figures, took))
        if len(parts) > 1:
            print(f"== {part}: {_status_word(status)} in {took:.1f} s\n", flush=True)
    if len(summary) > 1:
        print("== summary")
        for part, status, figures, took in summary:
            print(f"  {part:13} {_status_word(status):8} {took:6.1f} s  {figures}")
    return worst_status(status for _, status, _, _ in summary)


def _run_part(run, seeds, jobs, out):
    """One challenge part, printing to `out` as it goes: (status, figures, seconds taken,
    its run folder or None for a sweep)."""
    part, head, opts, replay = run
    print(head, end="", file=out, flush=True)
    started = time.monotonic()
    if seeds:
        status, outcome = run_seeds(opts, seeds, replay, out=out, jobs=jobs), None
    else:
        outcome = run_test(opts, out=out)
        status = outcome.exit_status
    return (status, _figures(outcome), time.monotonic() - started,
            outcome.run_dir if outcome else None)


def _run_part_captured(run):
    """One challenge part in a worker process, its stdout and stderr captured:
    (stdout, stderr, status, figures, seconds taken, run folder)."""
    out, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(errors):
        result = _run_part(run, None, 1, out)
    return (out.getvalue(), errors.getvalue(), *result)


def ns_seeds(ns):
    """--seeds N of a command line, None when not given."""
    return getattr(ns, "seeds", None)


def ns_jobs(ns):
    """--jobs N of a command line; else the number of cores in virtual time, and 1 with
    node processes, whose real-time runs would otherwise slow each other down (latencies
    and timeouts are what such a run measures)."""
    given = getattr(ns, "jobs", None)
    if given:
        return given
    return parallel.default_jobs() if getattr(ns, "virtual_time", False) else 1


def _status_word(status):
    return {0: "valid", 1: "INVALID", 2: "unknown", ABORTED: "ABORTED"}.get(status, str(status))


def _figures(outcome):
    """The figures a reader compares across parts: ops, ok-fraction, server msgs-per-op."""
    results = outcome.results if outcome else None
    if not results or "stats" not in results:
        return ""
    msgs = results.get("net", {}).get("servers", {}).get("msgs-per-op")
    ok = results.get("availability", {}).get("ok-fraction")
    return (f"{results['stats'].get('count', 0):6} ops  ok-fraction {report.fmt(ok):10}  "
            f"server msgs-per-op {report.fmt(msgs):11}  {outcome.run_dir}")
