"""Command line: Maelstrom's `test` flags and defaults, plus `challenge`, `explain`, `oracle`,
`serve`, `shrink`.

A bad flag or value prints one line naming it and exits 254, as Maelstrom does for bad
arguments; nothing here raises a traceback at the user. Everything that can be checked before
a run is: the --bin program (see node_programs.program_problem), the --store folder, the consistency
model names, and the bounds in LIMITS, past which a run could not end or would not fit in
memory (Maelstrom has no such bounds; no sensible test comes near them).
"""

import argparse
import math
import os
import random
import re
import signal
import sys

from . import node_programs, shrink_plan, store
from .checkers.elle_models import ALL_MODELS
from .fault_schedule import FAULTS

WORKLOADS = ("echo", "unique-ids", "broadcast", "g-counter", "kafka", "txn-rw-register",
             "lin-kv", "g-set", "pn-counter", "txn-list-append")
MAELSTROM_ONLY = ()
TOPOLOGIES = ("grid", "line", "tree", "tree2", "tree3", "tree4", "total")
BAD_ARGS = 254
KAFKA_GENERATORS = ("0.3.7", "0.3.1")     # Jepsen versions; the first is the default

# flag -> (lowest, highest, why the bound). Ops are held in memory for the checkers, so the
# planned op count (rate x time limit) is bounded too, by MAX_PLANNED_OPS.
LIMITS = {
    "--node-count": (1, 1000, "nodes"),
    "--concurrency": (1, 10_000, "client threads"),
    "--time-limit": (1, 86_400, "seconds (one day)"),
    "--rate": (0, 100_000, "ops per second"),
    "--latency": (0, 60_000, "ms (a minute; clients time out after 5 s)"),
    "--nemesis-interval": (0.1, 86_400, "seconds (shorter: partitions faster than any "
                                        "message)"),
    "--key-count": (1, 1000, "keys (Elle's key distribution overflows beyond ~1000)"),
    "--max-txn-length": (1, 1000, "micro-ops"),
    "--max-writes-per-key": (1, 1_000_000, "writes"),
    "--seeds": (1, 10_000, "runs"),
    "--jobs": (1, 1024, "runs at once"),
    "--linearizability-budget": (1, 10**9, "search steps per key"),
    "--budget": (1, 86_400, "seconds (one day)"),
}
MAX_PLANNED_OPS = 500_000


class UsageError(Exception):
    """A bad flag or value; the message is the one line shown to the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def _bounded(flag, value, text=None):
    low, high, unit = LIMITS[flag]
    if not low <= value <= high:
        shown = text if text is not None else f"{value:,}" if isinstance(value, int) else f"{value:g}"
        raise argparse.ArgumentTypeError(f"{shown[:40]} is out of range: the bench takes "
                                         f"{low:g} to {high:,} {unit}")
    return value


def _port(text):
    if not re.fullmatch(r"\d{1,5}", text) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return int(text)


def _positive_int(flag):
    def parse(text):
        if not re.fullmatch(r"\d+", text) or int(text) <= 0:
            raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
        return _bounded(flag, int(text) if len(text) < 30 else math.inf, text)
    return parse


def _non_negative_int(flag):
    def parse(text):
        if not re.fullmatch(r"\d+", text):
            raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
        return _bounded(flag, int(text) if len(text) < 30 else math.inf, text)
    return parse


def _number(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _non_negative_float(flag):
    def parse(text):
        value = _number(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {text!r}")
        return _bounded(flag, value, text)
    return parse


def _positive_float(flag):
    def parse(text):
        value = _number(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
        return _bounded(flag, value, text)
    return parse


def _concurrency(text):
    if not re.fullmatch(r"\d+n?", text) or int(text.rstrip("n")) <= 0:
        raise argparse.ArgumentTypeError(f"expected a count like 4 or 2n (2 per node), got {text!r}")
    if len(text) > 30:
        _bounded("--concurrency", math.inf, text)
    return text


def _availability(text):
    if text == "total":
        return "total"
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected 'total' or a fraction between 0 and 1, got {text!r}")
    return value


def _nemesis(text):
    """A set of faults, comma-separated (spaces around commas allowed), in sorted order."""
    faults = {f for f in re.split(r"\s*,\s*", text.strip()) if f}
    unknown = sorted(faults - set(FAULTS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown fault {unknown[0]!r}: Must be one of "
                                         f"{', '.join(FAULTS)}")
    return sorted(faults)


def add_test_flags(parser, with_workload=True):
    """Maelstrom's `test` flags with its defaults (spec §2.1), plus the bench's own."""
    if with_workload:
        parser.add_argument("-w", "--workload", default=None, metavar="NAME",
                            help=f"one of: {', '.join(WORKLOADS)} (default lin-kv, as in "
                                 "Maelstrom; it needs --concurrency 2n)")
        parser.add_argument("--bin", metavar="FILE", help="the node program (required)")
    parser.add_argument("--node-count", type=_positive_int("--node-count"), metavar="NUM",
                        help="nodes n0..n(NUM-1); default n1..n5")
    parser.add_argument("--time-limit", type=_positive_int("--time-limit"), default=60,
                        metavar="SECONDS")
    parser.add_argument("--rate", type=_non_negative_float("--rate"), default=5.0,
                        metavar="RATE",
                        help="client ops per second, all clients together (default 5)")
    parser.add_argument("--concurrency", type=_concurrency, default="1n", metavar="N[n]",
                        help="client threads; 2n means two per node (default 1n)")
    parser.add_argument("--latency", type=_non_negative_int("--latency"), default=0,
                        metavar="MILLIS")
    parser.add_argument("--latency-dist", choices=("constant", "uniform", "exponential"),
                        default="constant")
    parser.add_argument("--nemesis", type=_nemesis, default=[], metavar="FAULTS",
                        help="any of kill, partition, pause, comma-separated")
    parser.add_argument("--show-schedule", action="store_true",
                        help="print the nemesis's planned fault ops for this seed and exit")
    parser.add_argument("--nemesis-interval", type=_positive_float("--nemesis-interval"),
                        default=10.0, metavar="SECONDS")
    parser.add_argument("--topology", choices=TOPOLOGIES, default="grid")
    parser.add_argument("--availability", type=_availability, default=None,
                        metavar="total|FRACTION")
    parser.add_argument("--consistency-models", default="strict-serializable",
                        metavar="MODELS", help="txn: models, separated by ' , '")
    parser.add_argument("--key-count", type=_positive_int("--key-count"), default=None,
                        metavar="INT")
    parser.add_argument("--max-txn-length", type=_positive_int("--max-txn-length"), default=4,
                        metavar="INT")
    parser.add_argument("--max-writes-per-key", type=_positive_int("--max-writes-per-key"),
                        default=16, metavar="INT")
    parser.add_argument("--linearizability-budget",
                        type=_positive_int("--linearizability-budget"), default=None,
                        metavar="STEPS", help="lin-kv: search steps per key before the "
                        "check answers :unknown (default 2,000,000, about 3 s)")
    parser.add_argument("--log-stderr", action="store_true",
                        help="also print each node's stderr on the console")
    parser.add_argument("--log-net-send", action="store_true",
                        help="print every message as it is sent (:send)")
    parser.add_argument("--log-net-recv", action="store_true",
                        help="print every message as it is delivered (:recv)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for every random choice (printed on each run)")
    parser.add_argument("--virtual-time", action="store_true",
                        help="host maelstrom_node.py scripts in-process on a virtual clock: "
                             "fast, and the same seed gives the same history")
    parser.add_argument("--seeds", type=_positive_int("--seeds"), default=None, metavar="N",
                        help="run N seeds (from --seed on) and list the failing ones")
    parser.add_argument("--jobs", type=_positive_int("--jobs"), default=None, metavar="N",
                        help="run up to N seeds of --seeds, or parts of `challenge all`, at "
                             "once (default: the number of cores with --virtual-time, else "
                             "1); the same output and histories as one at a time")
    parser.add_argument("--store", default="store", metavar="DIR",
                        help="folder for run outputs (default ./store)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--no-pictures", action="store_true",
                        help="draw no pictures (messages.svg, timeline.html, plots); --seeds "
                             "draws them only for failing seeds anyway")
    parser.add_argument("--kafka-generator", choices=KAFKA_GENERATORS, default=None,
                        help="kafka: whose op generator: 0.3.7 (Maelstrom 0.2.4's Jepsen, "
                             "1 op in 64 an assign; the default) or 0.3.1 (Maelstrom "
                             "0.2.2/0.2.3's, 1 in 8), to compare with runs of those versions")
    parser.add_argument("--stricter", action="store_true",
                        help="txn-rw-register: also report what Maelstrom's inference misses "
                             "(e.g. blind-write G0); never changes the verdict")
    parser.add_argument("--plan", metavar="FILE", default=None,
                        help="replay a shrunk run: the shrink-plan.json `shrink` wrote (the "
                             "ops and faults it leaves out; needs --virtual-time)")


def program_name():
    """How the bench was called: `glomers` when installed as a command, else the module."""
    return "glomers" if os.path.basename(sys.argv[0] or "") == "glomers" else "python3 -m glomers"


def build_parser():
    parser = _Parser(prog=program_name(),
                     description="Offline Maelstrom test bench for Gossip Glomers nodes.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    test = commands.add_parser("test", help="run a Maelstrom test (Maelstrom's flags)")
    add_test_flags(test)
    test.add_argument("args", nargs="*", help="arguments passed to the node program")
    challenge = commands.add_parser(
        "challenge", help="run a challenge part's published command; any test flag given "
                          "overrides the published one",
        description="Run a Gossip Glomers part with its published flags and our script. Every "
                    "`test` flag is accepted and overrides the part's own (e.g. --nemesis "
                    "partition on 3d, --bin ./mine.py); the run says which it overrode.")
    challenge.add_argument("part", help="1, 2, 3a..3e, 4, 5a..5c, 6a, 6b, 6b-partition, 6c, or all")
    add_test_flags(challenge)
    # Only the flags given appear in the namespace, so that they, and only they, override.
    for action in _flags(challenge):
        action.default = argparse.SUPPRESS
    parser.challenge = challenge
    shrink = commands.add_parser(
        "shrink", help="find a smaller run that fails the same way (virtual time)",
        description="Shrink a failing run: give a run folder (RUN_DIR), or the test's flags "
                    "with the failing --seed.")
    shrink.add_argument("target", nargs="*", metavar="RUN_DIR | ARGS",
                        help="a failed run's folder; or, after the test's flags, arguments "
                             "for the node program")
    add_test_flags(shrink)
    shrink.add_argument("--budget", type=_positive_float("--budget"), default=None,
                        metavar="SECONDS", help="time the search may take (default 120 s); "
                        "Ctrl-C stops it early and keeps the best run so far")
    shrink.add_argument("--keep", metavar="FAILURE", default=None,
                        help="the failure to keep when the run fails in several ways "
                             "(default: the first listed, the workload's own)")
    explain = commands.add_parser("explain", help="explain a Maelstrom run folder")
    explain.add_argument("dir", help="a store folder (e.g. store/latest)")
    explain.add_argument("--json", action="store_true", help="one JSON object for scripts")
    commands.add_parser("oracle", help="re-check every real Maelstrom run in oracle/ "
                                       "and compare verdicts")
    serve = commands.add_parser("serve", help="browse run folders (ours or Maelstrom's) in "
                                              "a web browser")
    serve.add_argument("dir", nargs="?", default="store", help="folder of runs (default store)")
    serve.add_argument("--port", type=_port, default=8080, help="default 8080; 0: any free port")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine "
                                                           "only)")
    return parser


def _flags(parser):
    """A parser's optional flags (help excepted)."""
    return [action for action in parser._actions
            if action.option_strings and action.dest != "help"]


def given_flags(parser, ns):
    """The flags given on a `challenge` command line, as (dest, flag, value) in the order
    the parser declares them."""
    return [(action.dest, max(action.option_strings, key=len), getattr(ns, action.dest))
            for action in _flags(parser) if hasattr(ns, action.dest)]


def derived_options(ns):
    """What follows from the flags as Maelstrom reads them: node ids (n0.. with
    --node-count, else n1..n5), client threads (Kn = K per node), and the consistency
    models (split only on a comma with spaces around it)."""
    nodes = ([f"n{i}" for i in range(ns.node_count)] if ns.node_count
             else [f"n{i}" for i in range(1, 6)])
    count = int(ns.concurrency.rstrip("n"))
    return {"nodes": nodes, "node_count": len(nodes),
            "concurrency": count * len(nodes) if ns.concurrency.endswith("n") else count,
            "consistency_models": split_models(ns.consistency_models)}


def split_models(text):
    """Maelstrom's split of --consistency-models: only on a comma with spaces around it."""
    return [m for m in re.split(r"\s+,\s+", text.strip()) if m]


def check_models(models):
    """Refuse a model name Elle does not know (Maelstrom finds out only after the whole
    test, in the checker); a name with a comma gets the hint about Maelstrom's split."""
    for model in models:
        if model in ALL_MODELS:
            continue
        if "," in model:
            raise UsageError(f"--consistency-models {model!r}: Maelstrom splits models only on "
                             "a comma with spaces around it, so this is one unknown name; "
                             f"write {' , '.join(p.strip() for p in model.split(','))!r}")
        close = [m for m in sorted(ALL_MODELS) if _near(model, m)]
        hint = f" (did you mean {' or '.join(close[:3])}?)" if close else ""
        raise UsageError(f"--consistency-models: unknown model {model!r}{hint}; known: "
                         f"{', '.join(sorted(ALL_MODELS, key=str.lower))}")


def _near(a, b):
    """True when two names differ by at most two single-letter edits."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = row
    return previous[-1] <= 2


def check_bounds(derived, ns):
    """Bounds that depend on more than one flag (client threads, planned op count)."""
    if derived["concurrency"] > LIMITS["--concurrency"][1]:
        raise UsageError(f"argument --concurrency: {ns.concurrency} makes "
                         f"{derived['concurrency']:,} client threads; the bench takes at most "
                         f"{LIMITS['--concurrency'][1]:,}")
    planned = ns.rate * ns.time_limit
    if planned > MAX_PLANNED_OPS:
        raise UsageError(f"--rate {ns.rate:g} for --time-limit {ns.time_limit} plans "
                         f"{planned:,.0f} ops; the bench holds every op in memory and takes at "
                         f"most {MAX_PLANNED_OPS:,} (lower the rate or the time limit)")


# What each workload is for, to list for someone who did not give -w.
WORKLOAD_USES = {"echo": "part 1", "unique-ids": "part 2", "broadcast": "parts 3a-3e",
                 "g-counter": "part 4", "kafka": "parts 5a-5c", "txn-rw-register": "parts 6a-6c",
                 "lin-kv": "Maelstrom's default", "g-set": "Maelstrom's tutorial",
                 "pn-counter": "Maelstrom's tutorial", "txn-list-append": "Maelstrom's tutorial"}


def default_workload_note(threads, node_count):
    """What a run without -w says first: Maelstrom's default workload, and the others."""
    listed = ", ".join(f"{name} ({use})" for name, use in WORKLOAD_USES.items())
    note = ("-w/--workload was not given, so this runs Maelstrom's default workload, lin-kv "
            "(a linearizable key-value store: read / write / cas requests). Workloads: "
            f"{listed}. To run a Gossip Glomers part with its own flags: {program_name()} "
            "challenge PART.")
    if threads % (2 * node_count):
        note += (f" lin-kv needs client threads in multiples of twice the node count "
                 f"(--concurrency 2n); with {threads} Maelstrom runs the test and then aborts "
                 "it before analysis, and so does the bench.")
    return note


def test_options(ns):
    """Turn parsed `test` flags into the options dict the bench and checkers read."""
    if ns.workload is None:
        ns.workload = "lin-kv"
    if ns.workload in MAELSTROM_ONLY:
        raise UsageError(f"workload {ns.workload!r} is Maelstrom's but not a Gossip Glomers "
                         f"one; this bench runs: {', '.join(WORKLOADS)}")
    if ns.workload not in WORKLOADS:
        raise UsageError(f"unknown workload {ns.workload!r}; expected one of: {', '.join(WORKLOADS)}")
    if not ns.bin:
        raise UsageError("expected a --bin PATH_TO_BINARY to test")
    problem = node_programs.program_problem(ns.bin, in_process=ns.virtual_time)
    if problem:
        raise UsageError(f"--bin {ns.bin}: {problem}")
    if ns.kafka_generator is not None and ns.workload != "kafka":
        raise UsageError(f"--kafka-generator is for the kafka workload, not {ns.workload}")
    if ns.latency_dist != "constant" and ns.latency < 1:
        raise UsageError(f"--latency-dist {ns.latency_dist} needs --latency of at least 1")
    derived = derived_options(ns)
    check_models(derived["consistency_models"])
    check_bounds(derived, ns)
    if "pause" in ns.nemesis and not ns.virtual_time and not hasattr(signal, "SIGSTOP"):
        raise UsageError("--nemesis pause needs POSIX signals (SIGSTOP), which this system "
                         "lacks; use --virtual-time")
    problem = store.check_writable(ns.store)
    if problem:
        raise UsageError(f"--store {ns.store}: {problem}")
    opts = {
        "workload": ns.workload, "bin": os.path.abspath(ns.bin), "args": list(ns.args),
        **derived, "time_limit": ns.time_limit,
        "rate": ns.rate, "latency": ns.latency,
        "latency_dist": ns.latency_dist, "nemesis": ns.nemesis,
        "nemesis_interval": ns.nemesis_interval, "topology": ns.topology,
        "availability": ns.availability,
        "key_count": ns.key_count, "max_txn_length": ns.max_txn_length,
        "max_writes_per_key": ns.max_writes_per_key, "log_stderr": ns.log_stderr,
        "log_net_send": ns.log_net_send, "log_net_recv": ns.log_net_recv,
        "seed": ns.seed if ns.seed is not None else random.SystemRandom().randrange(1 << 31),
        "virtual_time": ns.virtual_time, "store": ns.store, "quiet": ns.quiet,
        "stricter": ns.stricter, "linearizability_budget": ns.linearizability_budget,
        "pictures": not ns.no_pictures, "show_schedule": ns.show_schedule,
        **({"kafka_generator": ns.kafka_generator or KAFKA_GENERATORS[0]}
           if ns.workload == "kafka" else {}),
    }
    return _with_plan(opts, ns) if ns.plan is not None else opts


def _with_plan(opts, ns):
    """--plan: the shrunk run's plan applied to the options (shrink_plan.py)."""
    if not ns.virtual_time:
        raise UsageError(f"--plan {ns.plan}: a plan replays a shrunk run in virtual time; "
                         "add --virtual-time")
    if getattr(ns, "seeds", None):
        raise UsageError(f"--plan {ns.plan}: a plan replays one seed; drop --seeds")
    try:
        return shrink_plan.apply(opts, shrink_plan.load(ns.plan), ns.node_count is not None)
    except shrink_plan.PlanError as error:
        raise UsageError(f"--plan {ns.plan}: {error}") from None


def parse(argv):
    """Parse argv; raise UsageError with one line for anything wrong."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.print_help(sys.stderr)
        raise UsageError("expected a command: test, challenge, shrink, explain, oracle or "
                         "serve")
    return parser, ns
