"""`python3 -m glomers`: run a test, a challenge, many seeds, explain a run folder, or
compare our checkers with every real Maelstrom run (oracle)."""

import dataclasses
import importlib
import shlex
import sys

from . import challenges, cli, console_log, pictures, report, store, virtual_time
from .analysis import analyze
from .run import Aborted, Test

ABORTED = 255


@dataclasses.dataclass
class Outcome:
    """What one run produced."""
    exit_status: int
    valid: object
    run_dir: str
    results: dict | None
    seed: int


def load_workload(name):
    """The workload module for a Maelstrom workload name (e.g. "g-counter")."""
    return importlib.import_module(f"glomers.workloads.{name.replace('-', '_')}")


def run_test(opts, out=sys.stdout):
    """Run one test end to end; the console also goes to the run folder's jepsen.log."""
    with console_log.Tee(out) as tee:
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
    test = Test(opts, workload, run_dir, quiet=opts.get("quiet", False))
    history, aborted = [], None
    try:
        history = virtual_time.run(test.run(), virtual=opts["virtual_time"])
    except Aborted as error:
        aborted = str(error)
    aborted = aborted or test.aborted
    journal = list(test.net.journal_events()) if test.net else []
    store.write_history(run_dir, history)
    store.write_journal(run_dir, journal)
    store.write_test(run_dir, opts, {"aborted": aborted,
                                     "problems": [dataclasses.asdict(p) for p in test.problems]})
    drawing = pictures.start(run_dir, journal, history, opts)   # drawn during the analysis
    print("", file=out)
    if test.problems:
        print("Node problems", file=out)
        for line in report.describe_problems(test.problems, test.hosts):
            print(line, file=out)
    if aborted and not history:
        print(f"Maelstrom would abort this run before analysis (exit {ABORTED}): {aborted}",
              file=out)
        pictures.after_run(run_dir, journal, history, None, opts, out, drawing)
        return Outcome(ABORTED, None, run_dir, None, opts["seed"])
    results = analyze(history, opts, test.net.stats(), workload)
    store.write_results(run_dir, results)
    if "workload" not in results:
        print(f"The whole analysis failed, as Maelstrom's does when a checker asserts: "
              f"{results.get('error', {}).get('cause')}", file=out)
        pictures.after_run(run_dir, journal, history, results, opts, out, drawing)
        print(report.verdict_line(results.get("valid?")), file=out)
        return Outcome(report.exit_status(results.get("valid?")), results.get("valid?"),
                       run_dir, results, opts["seed"])
    print("Checks", file=out)
    for line in report.check_lines(results, history, opts, workload, journal):
        print(line, file=out)
    part = opts.get("challenge")
    if part in challenges.TARGETS:
        from .checkers import set_full
        _, line = set_full.targets(results.get("workload", {}), results.get("net", {}), part)
        print(f"  published targets of {part} (Maelstrom does not judge these): {line}", file=out)
    if opts.get("stricter"):
        _report_stricter(workload, history, opts, run_dir, out)
    pictures.after_run(run_dir, journal, history, results, opts, out, drawing)
    valid = results.get("valid?")
    print(report.verdict_line(valid), file=out)
    if valid is True and not aborted and any(p.kind not in report.NOTES for p in test.problems):
        print("(Maelstrom would call this run valid too, but the node problems listed above "
              "are real: fix them before a longer or busier run fails.)", file=out)
    if aborted:
        print(f"But Maelstrom would abort this run at teardown (exit {ABORTED}), with no "
              f"results.edn: {aborted}", file=out)
        return Outcome(ABORTED, valid, run_dir, results, opts["seed"])
    return Outcome(report.exit_status(valid), valid, run_dir, results, opts["seed"])


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


def run_seeds(opts, count, replay_argv, out=sys.stdout):
    """Run `count` seeds from opts["seed"] on; list the failing ones with a replay command."""
    failures = []
    statuses = []
    for seed in range(opts["seed"], opts["seed"] + count):
        outcome = run_test({**opts, "seed": seed, "quiet": True,   # pictures: failing seeds
                            "pictures": opts.get("pictures", True) and "failing"}, out=_Null())
        statuses.append(outcome.exit_status)
        mark = "valid" if outcome.exit_status == 0 else f"FAILED (exit {outcome.exit_status})"
        print(f"seed {seed}: {mark}  {outcome.run_dir}", file=out, flush=True)
        if outcome.exit_status != 0:
            failures.append(seed)
    print(f"\n{count - len(failures)} of {count} seeds valid", file=out)
    for seed in failures:
        print(f"  replay seed {seed}: python3 -m glomers "
              f"{shlex.join(_with_seed(replay_argv, seed))}", file=out)
    return max(statuses, key=lambda s: (s != 0, s)) if failures else 0


def _with_seed(argv, seed):
    cleaned, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--seeds", "--seed"):
            skip = True
            continue
        if arg.startswith("--seeds=") or arg.startswith("--seed="):
            continue
        cleaned.append(arg)
    return cleaned + ["--seed", str(seed)]


class _Null:
    def write(self, text):
        return len(text)

    def flush(self):
        pass


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("\ninterrupted: the nodes were stopped; no verdict for this run", file=sys.stderr)
        return 130


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
        opts = cli.test_options(ns)
    except cli.UsageError as error:
        print(f"glomers: {error} (see python3 -m glomers --help)", file=sys.stderr)
        return cli.BAD_ARGS
    if ns.seeds:
        return run_seeds(opts, ns.seeds, argv)
    return run_test(opts).exit_status


def run_challenges(parser, ns):
    """`challenge PART`: the published command against our script (or --bin)."""
    parts = challenges.available() if ns.part == "all" else [ns.part.lower()]
    for part in parts:
        if part not in challenges.PARTS:
            raise cli.UsageError(f"unknown challenge part {part!r}; expected one of "
                                 f"{', '.join(challenges.PARTS)} or all")
    summary = []
    for part in parts:
        argv = challenges.argv(part, ns.bin)
        for flag, on in (("--virtual-time", ns.virtual_time), ("--quiet", ns.quiet),
                         ("--log-stderr", ns.log_stderr), ("--no-pictures", ns.no_pictures)):
            if on:
                argv.append(flag)
        argv += ["--store", ns.store] + (["--seed", str(ns.seed)] if ns.seed is not None else [])
        sub = parser.parse_args(argv)
        opts = {**cli.test_options(sub), "challenge": part}
        print(f"== challenge {part}: {' '.join(argv[1:])}", flush=True)
        if ns.seeds:
            summary.append((part, run_seeds(opts, ns.seeds, argv), None))
        else:
            outcome = run_test(opts)
            summary.append((part, outcome.exit_status, outcome))
    if len(summary) > 1:
        print("\n== summary")
        for part, status, outcome in summary:
            print(f"  {part:13} {_status_word(status):8} {_figures(outcome)}")
    return max(status for _, status, _ in summary)


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
