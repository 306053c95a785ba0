"""A shrink plan: what a shrunk run leaves out of the run its seed would give.

`python3 -m glomers shrink` searches for a smaller failing run; most of what it changes is a
flag (fewer nodes, a shorter time limit, a lower rate, fewer client threads, no nemesis),
and the rest is this plan, which `test --plan FILE` reads back:

- skip-ops: indices (0, 1, 2, ... in the order the workload's generator made them) of
  main-phase ops that are not sent. The generator still makes them and the stagger still
  waits their turn, so every other op keeps its value and, at low load, its time;
- drop-faults / fault-ends: a fault is a start op of the nemesis's schedule (start-partition,
  kill, pause; by its index in the schedule) with the stop that ends it (stop-partition,
  start, resume). A dropped fault sends neither; a fault with an end sends its stop at that
  time (seconds after the main phase began) and not where the schedule had it. Every other
  op of the schedule keeps its time and target;
- keyed-streams: message latencies drawn from a random stream per link (src -> dest), and
  seq-kv's and lww-kv's choices from a stream per service and caller, instead of one stream
  each for the whole run; so a message more or less on one link leaves every other link's
  latencies alone. Off, the run draws exactly as a run without a plan;
- nodes: the node ids when they are not n0..n(K-1) (a shrunk n1..n5 run keeps n1..n3).

Nothing here changes a run without a plan: `Test` consults the plan only when the options
carry one. A plan names the options it was made for; a command that differs is refused,
since the indices would then point at other ops.
"""

import collections
import dataclasses
import heapq
import json

from .fault_schedule import Op, seeded
from .interpreter import PENDING, SKIP
from .net import Network, latency_sampler

FORMAT = "glomers shrink plan"
VERSION = 1
# Fault start op -> the op that ends it (faults.md: each kind strictly alternates).
ENDED_BY = {"start-partition": "stop-partition", "kill": "start", "pause": "resume"}
# The options a plan's indices depend on; a replay must match each one.
MADE_FOR = ("workload", "nodes", "concurrency", "time_limit", "rate", "latency",
            "latency_dist", "nemesis", "nemesis_interval", "topology", "key_count",
            "max_txn_length", "max_writes_per_key", "seed")


class PlanError(ValueError):
    """A plan file that cannot be used; the text says why, in one line."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """The shrink dimensions that flags cannot express (see the module docstring)."""
    skip_ops: frozenset = frozenset()
    drop_faults: frozenset = frozenset()
    fault_ends: tuple = ()              # ((start index, end seconds), ...), sorted
    keyed_streams: bool = False

    def is_empty(self):
        """True when the plan changes nothing a run without it would do."""
        return not (self.skip_ops or self.drop_faults or self.fault_ends or self.keyed_streams)

    # -- the hooks a run consults --------------------------------------------------------

    def generator(self, generator):
        """The workload's generator with the skipped ops replaced by SKIP."""
        return SkippingGenerator(generator, self.skip_ops)

    def fault_schedule(self, schedule):
        """The nemesis's schedule with dropped faults left out and shortened ones ended."""
        return PlannedSchedule(schedule, self.drop_faults, dict(self.fault_ends))

    def keyed_network(self, loop, opts, origin, record):
        """The run's network with latencies drawn per link (for keyed streams)."""
        return KeyedNetwork(loop, _LinkLatency(opts), origin=origin, record=record)

    def service_rng(self, seed):
        """A function (service name, caller) -> its random stream, or None when the streams
        are not keyed (the services then keep the run's own streams)."""
        if not self.keyed_streams:
            return None
        streams = {}

        def rng(name, src):
            key = (name, src)
            if key not in streams:
                streams[key] = seeded(seed, f"services/{name}/{src}")
            return streams[key]
        return rng

    # -- the file ------------------------------------------------------------------------

    def to_json(self, opts, notes=None):
        """The plan file's contents for a run with these options."""
        made_for = {key: opts.get(key) for key in MADE_FOR}
        return {"format": FORMAT, "version": VERSION, "made-for": made_for,
                "keyed-streams": self.keyed_streams,
                "skip-ops": ranges(self.skip_ops),
                "drop-faults": sorted(self.drop_faults),
                "fault-ends": [[index, end] for index, end in self.fault_ends],
                **({"notes": notes} if notes else {})}


def from_json(data):
    """The Plan in a plan file's contents (raises PlanError)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanError(f"not a shrink plan (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise PlanError(f"plan version {data.get('version')!r}; this bench reads {VERSION}")
    try:
        skip = frozenset(i for first, last in data.get("skip-ops", []) for i in
                         range(_index(first), _index(last) + 1))
        drop = frozenset(_index(i) for i in data.get("drop-faults", []))
        ends = tuple(sorted((_index(i), _seconds(end)) for i, end in data.get("fault-ends", [])))
    except (TypeError, ValueError) as error:
        raise PlanError(f"a malformed entry: {error}") from None
    keyed = data.get("keyed-streams", False)
    if not isinstance(keyed, bool):
        raise PlanError("keyed-streams must be true or false")
    return Plan(skip, drop, ends, keyed)


def _index(value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not an index (a whole number of 0 or more)")
    return value


def _seconds(value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1e6:
        raise ValueError(f"{value!r} is not a time in seconds")
    return float(value)


def ranges(indices):
    """Sorted indices as inclusive [first, last] runs: {1, 2, 3, 7} -> [[1, 3], [7, 7]]."""
    found = []
    for index in sorted(indices):
        if found and found[-1][1] == index - 1:
            found[-1][1] = index
        else:
            found.append([index, index])
    return found


def load(path):
    """The contents of a plan file (raises PlanError, naming the file)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as error:
        raise PlanError(f"{path}: {error.strerror or error}") from None
    except ValueError as error:
        raise PlanError(f"{path}: not JSON ({error})") from None
    from_json(data)
    return data


def apply(opts, data, node_count_given):
    """The options of a `test --plan` run: the plan's nodes (unless --node-count says
    otherwise), the plan itself under opts["plan"]; raises PlanError when the command is
    not the one the plan was made for."""
    made_for = data.get("made-for")
    if not isinstance(made_for, dict):
        raise PlanError("the plan does not say which run it was made for (made-for)")
    nodes = made_for.get("nodes")
    if not (isinstance(nodes, list) and nodes and all(isinstance(n, str) for n in nodes)):
        raise PlanError("made-for.nodes must be a list of node ids")
    if node_count_given and nodes != opts["nodes"]:
        raise PlanError(f"the plan was made for nodes {' '.join(nodes)}, the command has "
                        f"{' '.join(opts['nodes'])}")
    opts = {**opts, "nodes": list(nodes), "node_count": len(nodes), "plan": data}
    for key in MADE_FOR:
        if _as_json(opts.get(key)) != made_for.get(key):
            flag = "--" + key.replace("_", "-")
            raise PlanError(f"the plan was made for {flag} {made_for.get(key)!r}, the command "
                            f"has {opts.get(key)!r}: replay it with the command shrink "
                            "printed (a plan's op and fault indices fit only that run)")
    return opts


def _as_json(value):
    return json.loads(json.dumps(value))


def from_opts(opts):
    """The Plan of a run's options, or None for a run without one."""
    data = opts.get("plan")
    return None if data is None else from_json(data)


# -- the ops -------------------------------------------------------------------------------

class SkippingGenerator:
    """A workload generator whose ops at the skipped indices come out as SKIP; counts the
    ops it made (`generated`)."""

    def __init__(self, generator, skip):
        self._generator = generator
        self._skip = skip
        self.generated = 0

    def next(self, ctx):
        """The inner generator's next op, or SKIP in its place."""
        op = self._generator.next(ctx)
        if op is None or op is PENDING:
            return op
        index = self.generated
        self.generated += 1
        return SKIP if index in self._skip else op

    def update(self, completion):
        """Completions reach the inner generator as without a plan."""
        update = getattr(self._generator, "update", None)
        if update is not None:
            update(completion)


# -- the faults ----------------------------------------------------------------------------

class PlannedSchedule:
    """The seeded schedule, taken op by op exactly as without a plan (so every op keeps its
    time), with dropped faults taken but not sent and shortened faults ended early."""

    def __init__(self, schedule, drop, ends):
        self._schedule = schedule
        self._drop, self._ends = drop, ends
        self._taken = 0
        self._unsent = collections.Counter()    # stop :f -> how many next ones to leave out
        self._early = []                        # heap of (due, order, Op): early stops
        self._order = 0

    def next_stream(self):
        """The stream whose op comes next: an early stop when it is due first. The seeded
        schedule is asked only when one of its own ops comes next, so that its tie-breaking
        draws stay where a run without a plan makes them."""
        streams = self._schedule.streams
        if self._early and (not streams or self._early[0][0] <= min(s.due for s in streams)):
            return _EarlyStops(self._early)
        stream = self._schedule.next_stream()
        return None if stream is None else _PlannedStream(self, stream)

    def take(self, stream, at):
        """The next op of a seeded stream as sent: None for an op left out."""
        op = stream.take(at)
        index = self._taken
        self._taken += 1
        if op.f in self._unsent and self._unsent[op.f] > 0:
            self._unsent[op.f] -= 1
            return None
        stop = ENDED_BY.get(op.f)
        if stop is None:
            return op
        if index in self._drop:
            self._unsent[stop] += 1
            return None
        if index in self._ends:
            self._unsent[stop] += 1
            self._order += 1
            heapq.heappush(self._early, (self._ends[index], self._order,
                                         Op(stop, None if stop == "stop-partition" else "all")))
        return op


class _PlannedStream:
    def __init__(self, planned, stream):
        self._planned, self._stream = planned, stream
        self.due = stream.due

    def take(self, at):
        return self._planned.take(self._stream, at)


class _EarlyStops:
    def __init__(self, heap):
        self._heap = heap
        self.due = heap[0][0]

    def take(self, at):
        return heapq.heappop(self._heap)[2]


# -- keyed streams -------------------------------------------------------------------------

class _LinkLatency:
    """Latency per link, each link drawing from its own stream of the seed."""

    def __init__(self, opts):
        self._opts = opts
        self._samplers = {}

    def __call__(self, src, dest):
        sampler = self._samplers.get((src, dest))
        if sampler is None:
            opts = self._opts
            sampler = latency_sampler(opts["latency"], opts["latency_dist"],
                                      seeded(opts["seed"], f"latency/{src}->{dest}"))
            self._samplers[(src, dest)] = sampler
        return sampler()


class KeyedNetwork(Network):
    """The network with each message's latency drawn from its link's own stream."""

    def __init__(self, loop, link_latency, origin, record=None):
        super().__init__(loop, self._latency, origin=origin, record=record)
        self._link_latency = link_latency
        self._link = None

    def send(self, src, dest, body):
        """As Network.send; the latency drawn comes from the (src, dest) stream."""
        self._link = (src, dest)
        return super().send(src, dest, body)

    def _latency(self):
        return self._link_latency(*self._link)
