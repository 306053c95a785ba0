"""The search for a smaller run that fails the same way (`python3 -m glomers shrink`).

Every candidate is the failing run replayed in virtual time with something less: a shorter
time limit, fewer nodes, fewer client threads, a lower rate, fewer fault kinds, fewer and
shorter faults, fewer ops. A candidate replaces the best run so far when it still fails with
the failure being kept (shrink_failure.py) and is smaller: no more ops, nodes, faults,
threads, seconds of faults, time limit or rate, and less of one of them (a lower rate alone
does not count: it is only a means to fewer ops). The search is greedy, one dimension at a
time, and goes round again while a round shrank anything:

1. keyed random streams (shrink_plan.py), kept when the run still fails with them, so that
   what follows disturbs less;
2. time limit, nodes, client threads and rate: for each, the smallest of a few values below
   the current one that still fails (tried from the smallest up);
3. faults: no nemesis at all, then one fault kind fewer, then each fault of the schedule
   dropped, then each one that remains halved in length while that still fails;
4. ops: delta debugging (Zeller's ddmin) over the indices of the ops the generator made.

Nodes, threads and rate reshape the op stream: a candidate that changes them is tried with
the ops left out so far (the same indices still name the same generated ops) and, failing
that, with every op. A change of nodes or fault kinds also reshapes the fault schedule, so
faults left out are forgotten. The time limit and fault edits keep both (the schedule and
the op stream only lose their tail).

The search stops when a round changes nothing, when the time budget is spent (checked
before each candidate) or on Ctrl-C; the best run so far is the result in every case.
"""

import dataclasses
import math
import shutil
import tempfile
import time

from . import fault_schedule, shrink_failure, virtual_time
from .analysis import analyze
from .run import Aborted, Stalled, Test
from .shrink_plan import ENDED_BY, Plan, from_opts, ranges

DEFAULT_BUDGET = 120            # seconds
HALVINGS = 4                    # times each fault's length is halved at most


class NothingToShrink(Exception):
    """The run to shrink does not fail; the text says how it ended."""


@dataclasses.dataclass(frozen=True)
class Shape:
    """One candidate: the options shrink changes, and the plan."""
    nodes: tuple
    concurrency: int
    time_limit: int
    rate: float
    nemesis: tuple
    plan: Plan = Plan()

    def opts(self, base):
        """The run options of this candidate, from the original run's."""
        opts = {**base, "nodes": list(self.nodes), "node_count": len(self.nodes),
                "concurrency": self.concurrency, "time_limit": self.time_limit,
                "rate": self.rate, "nemesis": list(self.nemesis)}
        opts.pop("plan", None)
        if needs_plan(self):
            opts["plan"] = self.plan.to_json(opts)
        return opts


def needs_plan(shape):
    """True when flags alone cannot say what this candidate runs."""
    return not shape.plan.is_empty() or not flag_nodes(shape.nodes)


def flag_nodes(nodes):
    """True for node ids --node-count makes (n0..nK-1) or the default n1..n5."""
    nodes = list(nodes)
    return nodes == [f"n{i}" for i in range(len(nodes))] or nodes == [f"n{i}" for i in
                                                                       range(1, 6)]


def shape_of(opts):
    """The Shape of a run's options (with its plan, if it is a shrunk run)."""
    return Shape(tuple(opts["nodes"]), opts["concurrency"], opts["time_limit"], opts["rate"],
                 tuple(opts["nemesis"]), from_opts(opts) or Plan())


@dataclasses.dataclass
class Attempt:
    """One candidate run and how it ended."""
    shape: Shape
    failures: list              # failure names (shrink_failure), [] for a valid run
    ops: int = 0                # client invocations in the history
    faults: dict = dataclasses.field(default_factory=dict)    # start :f -> how many sent
    generated: int = 0          # main-phase ops the generator made
    aborted: str | None = None  # why the run ended without a verdict
    fault_seconds: float = 0.0  # how long the faults held, all together
    valid: object = None        # the verdict: True, False or "unknown"

    def measure(self):
        """The figures a smaller run has no more of (see `smaller_than`)."""
        shape = self.shape
        return (self.ops, len(shape.nodes), sum(self.faults.values()), shape.concurrency,
                round(self.fault_seconds, 6), shape.time_limit, shape.rate)

    def smaller_than(self, other):
        """True when this run has no more of anything than `other` (ops, nodes, faults,
        client threads, seconds of faults, time limit, rate), and less of something other
        than the rate: a lower rate alone is only a means to fewer ops."""
        mine, theirs = self.measure(), other.measure()
        return all(a <= b for a, b in zip(mine, theirs)) and mine[:-1] != theirs[:-1]

    def size(self):
        """'31 ops, 3 nodes, 1 partition, 5 s, rate 10, 3 threads'."""
        shape = self.shape
        faults = ", ".join(_count(n, _FAULT_WORDS[f]) for f, n in self.faults.items() if n) \
            or "no faults"
        return (f"{_count(self.ops, 'op')}, {_count(len(shape.nodes), 'node')}, {faults}, "
                f"{shape.time_limit} s, rate {shape.rate:g}, "
                f"{_count(shape.concurrency, 'thread')}")


_FAULT_WORDS = {"start-partition": "partition", "kill": "kill", "pause": "pause"}


def _count(n, word):
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def attempt(base, workload, shape, scratch):
    """Run one candidate in virtual time (files in a scratch folder, removed after)."""
    opts = {**shape.opts(base), "virtual_time": True, "quiet": True, "pictures": False,
            "log_stderr": False, "log_net_send": False, "log_net_recv": False}
    # Always a plan, even an empty one (it changes nothing): its generator counts the ops.
    opts["plan"] = shape.plan.to_json(opts)
    run_dir = tempfile.mkdtemp(dir=scratch)
    try:
        test = Test(opts, workload, run_dir, quiet=True)
        try:
            history = virtual_time.run(test.run(), virtual=True)
        except (Aborted, Stalled) as error:
            crashed = shrink_failure.names({}, opts["workload"], test.problems)
            return Attempt(shape, crashed, aborted=str(error),
                           fault_seconds=fault_seconds(shape, base))
        results = analyze(history, opts, test.net.stats(), workload)
        failures = shrink_failure.names(results, opts["workload"], test.problems)
        ops = sum(1 for op in history if op["type"] == "invoke" and op["process"] != "nemesis")
        faults = {}
        for f in _nemesis_invocations(history):
            if f in ENDED_BY:
                faults[f] = faults.get(f, 0) + 1
        generated = getattr(test.generator, "generated", 0)
        return Attempt(shape, failures, ops, faults, generated, test.aborted,
                       fault_seconds(shape, base), _verdict(results.get("valid?")))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _verdict(valid):
    return valid if isinstance(valid, bool) else "unknown"


def fault_seconds(shape, base):
    """How long the candidate's faults hold in all, by its schedule."""
    return sum(f.end - f.start for f in faults_of(shape, base["nemesis_interval"], base["seed"])
               if f.index not in shape.plan.drop_faults)


def _nemesis_invocations(history):
    """The :f of every nemesis op sent (its invocation: the first of each pair)."""
    open_ = set()
    for op in history:
        if op["process"] != "nemesis":
            continue
        f = str(op["f"])
        if f in open_:
            open_.discard(f)
        else:
            open_.add(f)
            yield f


class _OutOfTime(Exception):
    """The time budget is spent."""


@dataclasses.dataclass
class Result:
    """What the search found."""
    baseline: Attempt
    best: Attempt
    target: str
    runs: int
    seconds: float
    ended: str                  # "done", "budget" or "Ctrl-C"
    steps: list                 # the progress lines, as printed


class Shrinker:
    """The greedy search of the module docstring, for one failing run."""

    def __init__(self, base, workload, budget=DEFAULT_BUDGET, keep=None, report=print,
                 clock=time.monotonic):
        self.base, self.workload = base, workload
        self.budget, self.keep = budget, keep
        self._report, self._clock = report, clock
        self.runs = 0
        self.steps = []
        self.best = None
        self.target = None
        self._started = None
        self._scratch = None
        self._tried = set()         # keys of the shapes already run: never run one twice

    def run(self):
        """Search; return a Result (raises NothingToShrink, or ValueError for a bad keep)."""
        self._started = self._clock()
        self._scratch = tempfile.mkdtemp(prefix="glomers-shrink-")
        try:
            return self._search()
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def _search(self):
        baseline = self._attempt(shape_of(self.base))
        if not baseline.failures:
            how = f"aborted: {baseline.aborted}" if baseline.aborted else {
                True: "valid", "unknown": "unknown: a checker could not decide, which is no "
                "failure"}.get(baseline.valid, "no failure it can name")
            raise NothingToShrink(f"seed {self.base['seed']} does not fail in virtual time "
                                  f"({how}; {baseline.size()}): there is no failure to keep")
        if self.keep is not None and self.keep not in baseline.failures:
            raise ValueError(f"--keep {self.keep!r}: this run fails with "
                             f"{'; '.join(baseline.failures)}")
        self.target = self.keep or baseline.failures[0]
        self.best = baseline
        ended = "done"
        try:
            self._step(baseline, "the run to shrink")
            self._streams()
            while self._round():
                pass
        except _OutOfTime:
            ended = "budget"
        except KeyboardInterrupt:
            ended = "Ctrl-C"
        return Result(baseline, self.best, self.target, self.runs,
                      self._clock() - self._started, ended, self.steps)

    # -- candidates ----------------------------------------------------------------------

    def _attempt(self, shape):
        if self.best is not None and self._clock() - self._started >= self.budget:
            raise _OutOfTime()
        self.runs += 1
        self._tried.add(_key(shape))
        return attempt(self.base, self.workload, shape, self._scratch)

    def _try(self, shape, what, smaller=True):
        """Run a candidate; keep it (and say so) if it fails the same way and, unless
        `smaller` is False, is smaller than the best so far (Attempt.smaller_than)."""
        if _key(shape) in self._tried:
            return False
        found = self._attempt(shape)
        if self.target not in found.failures:
            return False
        if smaller and not found.smaller_than(self.best):
            return False
        self.best = found
        self._step(found, what)
        return True

    def _try_both(self, shape, what):
        """A candidate that reshapes the op stream: first with the ops left out so far
        (the same indices, mostly the same ops), then with every op."""
        if shape.plan.skip_ops and self._try(shape, what):
            return True
        return self._try(dataclasses.replace(shape, plan=dataclasses.replace(
            shape.plan, skip_ops=frozenset())), what)

    def _step(self, found, what):
        line = (f"{self._clock() - self._started:7.1f} s  {found.size()}: still "
                f"{self.target}  ({what}; run {self.runs})")
        self.steps.append(line)
        self._report(line)

    def _with(self, **changes):
        return dataclasses.replace(self.best.shape, **changes)

    def _plan(self, **changes):
        return dataclasses.replace(self.best.shape.plan, **changes)

    # -- dimensions ----------------------------------------------------------------------

    def _streams(self):
        # Not smaller, only steadier: kept whenever the run still fails with them.
        if not self.best.shape.plan.keyed_streams:
            self._try(self._with(plan=self._plan(keyed_streams=True)),
                      "latencies per link, services per caller", smaller=False)

    def _round(self):
        """One pass over every dimension; True if any shrank."""
        changed = False
        for dimension in (self._time_limit, self._nodes, self._threads, self._rate,
                          self._faults, self._ops):
            changed |= dimension()
        return changed

    def _time_limit(self):
        limit = self.best.shape.time_limit
        for shorter in smaller(limit):
            if self._try(self._with(time_limit=shorter), f"{shorter} s instead of {limit} s"):
                return True
        return False

    def _nodes(self):
        shape = self.best.shape
        count = len(shape.nodes)
        for fewer in smaller(count):
            threads = shape.concurrency
            if threads % count == 0:          # as many threads per node as before
                threads = threads // count * fewer
            # Other nodes reshape the fault schedule: its indices no longer hold.
            plan = Plan(keyed_streams=shape.plan.keyed_streams, skip_ops=shape.plan.skip_ops)
            if self._try_both(self._with(nodes=shape.nodes[:fewer], concurrency=threads,
                                         plan=plan), f"{fewer} of {count} nodes"):
                return True
        return False

    def _threads(self):
        shape = self.best.shape
        for fewer in smaller(shape.concurrency):
            if self._try_both(self._with(concurrency=fewer),
                              f"{fewer} of {shape.concurrency} client threads"):
                return True
        return False

    def _rate(self):
        # Whole rates only: a lower rate is a means to fewer ops, which the ops pass finds
        # more directly; 0.703125 ops/s would say nothing more than 1.
        rate = self.best.shape.rate
        for lower in smaller(math.ceil(rate)):
            if lower < rate and self._try_both(self._with(rate=float(lower)),
                                               f"rate {lower} instead of {rate:g}"):
                return True
        return False

    def _faults(self):
        shape = self.best.shape
        if not shape.nemesis:
            return False
        if self._try(self._with(nemesis=(), plan=self._plan(drop_faults=frozenset(),
                                                             fault_ends=())), "no nemesis"):
            return True
        changed = False
        for kind in shape.nemesis if len(shape.nemesis) > 1 else ():
            # One kind fewer reshapes the schedule: its indices no longer hold.
            fewer = tuple(k for k in self.best.shape.nemesis if k != kind)
            if self._try(self._with(nemesis=fewer, plan=self._plan(drop_faults=frozenset(),
                                                                   fault_ends=())),
                         f"--nemesis {','.join(fewer)}"):
                changed = True
        for fault in reversed(self._fault_list()):
            plan = self.best.shape.plan
            ends = tuple((i, end) for i, end in plan.fault_ends if i != fault.index)
            if self._try(self._with(plan=self._plan(drop_faults=plan.drop_faults | {fault.index},
                                                    fault_ends=ends)),
                         f"without the {fault.words()}"):
                changed = True
        for fault in self._fault_list():
            for _ in range(HALVINGS):
                length = fault.end - fault.start
                if length < 0.01:
                    break
                end = round(fault.start + length / 2, 3)
                ends = dict(self.best.shape.plan.fault_ends)
                ends[fault.index] = end
                if not self._try(self._with(plan=self._plan(fault_ends=tuple(sorted(
                        ends.items())))), f"the {fault.words()} ends at {end:.3f} s"):
                    break
                changed = True
                fault = dataclasses.replace(fault, end=end)
        return changed

    def _fault_list(self):
        shape = self.best.shape
        return [f for f in faults_of(shape, self.base["nemesis_interval"], self.base["seed"])
                if f.index not in shape.plan.drop_faults]

    def _ops(self):
        shape = self.best.shape
        every = range(self.best.generated)
        kept = [i for i in every if i not in shape.plan.skip_ops]

        def still_fails(subset):
            chosen = set(subset)
            skip = frozenset(i for i in every if i not in chosen)
            return self._try(self._with(plan=self._plan(skip_ops=skip)),
                             f"{len(skip)} of the {len(every)} generated ops left out")
        return len(ddmin(kept, still_fails)) < len(kept)


def _key(shape):
    """A shape with its skipped ops as runs of indices: what `_tried` keeps of it, in
    memory that grows with the runs of indices, not with every index (ddmin cuts runs)."""
    skip = tuple(tuple(r) for r in ranges(shape.plan.skip_ops))
    return dataclasses.replace(shape, plan=dataclasses.replace(shape.plan, skip_ops=skip))


def smaller(n):
    """A few whole numbers below n, smallest first: what a dimension tries."""
    return sorted({v for v in (1, 2, 3, n // 8, n // 4, n // 2, n * 3 // 4, n - 1)
                   if 1 <= v < n})


def ddmin(items, still_fails):
    """Zeller's delta debugging: a smaller sublist of `items` for which `still_fails`
    holds (it holds for `items` itself), 1-minimal when the search runs to the end."""
    items = list(items)
    if items and still_fails([]):
        return []
    chunks = 2
    while len(items) >= 2:
        size = -(-len(items) // chunks)
        parts = [items[i:i + size] for i in range(0, len(items), size)]
        for part in parts:                      # one part alone?
            if still_fails(part):
                items, chunks = part, 2
                break
        else:
            for at in range(len(parts) if len(parts) > 2 else 0):   # all but one part?
                rest = [i for j, p in enumerate(parts) if j != at for i in p]
                if still_fails(rest):
                    items, chunks = rest, max(chunks - 1, 2)
                    break
            else:
                if chunks >= len(items):
                    break
                chunks = min(len(items), chunks * 2)
    return items


@dataclasses.dataclass(frozen=True)
class Fault:
    """One fault of a schedule: its start op's index, start and end (seconds after the
    main phase began; the end is the time limit when nothing ends it sooner)."""
    index: int
    op: object
    start: float
    end: float

    def words(self):
        """'partition at 1.234 s (n1 isolated from n2 n3)'."""
        what = _FAULT_WORDS[self.op.f]
        return f"{what} at {self.start:.3f} s"


def faults_of(shape, interval, seed):
    """The faults of a candidate's schedule, with the plan's ends applied."""
    planned = fault_schedule.plan(list(shape.nemesis), list(shape.nodes), interval,
                                  shape.time_limit,
                                  lambda purpose: fault_schedule.seeded(seed, purpose))
    ends = dict(shape.plan.fault_ends)
    found = []
    for index, (at, op) in enumerate(planned):
        stop = ENDED_BY.get(op.f)
        if stop is None:
            continue
        end = next((later for later, after in planned[index + 1:] if after.f == stop),
                   float(shape.time_limit))
        found.append(Fault(index, op, at, min(ends.get(index, end), end)))
    return found
