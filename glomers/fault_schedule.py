"""The nemesis's plan: which fault op comes when, and which nodes it hits (faults.md §2-§3).

As Maelstrom composes Jepsen's packages, the plan has up to two independent streams:

- partition: start-partition (one of four shapes, see nemesis.py) and stop-partition,
  strictly alternating;
- db (kill and pause): kill(spec) and start(:all) alternate, and so do pause(spec) and
  resume(:all); with both faults on, each next db op comes from one of the two pairs chosen
  at random, each pair keeping its own alternation. A spec is drawn uniformly from
  NODE_SPECS and resolved to nodes by the sizes of faults.md §3.2.

Each stream is staggered on its own: its first op is due when the main phase begins, each
next one a gap U[0, 2·interval) after the previous op of that stream went out. The streams
merge by earliest due time (an exact tie, as at time 0, broken at random) and run one op at
a time on the single nemesis thread; none goes out at or after the time limit.

Every random choice (gaps, specs, the nodes a spec resolves to, partition shapes) comes from
its stream's own random source, drawn in a fixed order, so the plan is a function of the
seed and the options: `plan()` lists it before the run. A run follows it exactly while each
op takes no time, as in virtual time (a restart waits only for init_ok, answered at once);
an op that takes time delays the ops after it, never changes what they do.
"""

import dataclasses
import random

from .nemesis import choose_spec, grudge, majority, next_gap, node_sort_key
from .nemesis import describe as describe_grudge

FAULTS = ("kill", "partition", "pause")
# The node specs a kill or pause draws from (Jepsen's list without :primaries, which
# Maelstrom's nodes do not have); None is Jepsen's nil: a random non-empty subset.
NODE_SPECS = (None, "one", "minority-third", "minority", "majority", "all")
STOPS = {"kill": "start", "pause": "resume"}


@dataclasses.dataclass(frozen=True)
class Op:
    """One planned nemesis op: its :f, its invocation value, and what it will hit."""
    f: str
    value: object = None        # a spec name, "all", or None (history: a keyword or nil)
    nodes: tuple = ()           # kill, pause: the nodes the spec resolved to
    grudge: dict | None = None  # start-partition: receiver -> senders it drops


def resolve(spec, nodes, rng):
    """The nodes a kill or pause spec hits (faults.md §3.2), in natural order; may be none."""
    nodes = list(nodes)
    if spec is None:
        chosen = rng.sample(nodes, rng.randint(1, len(nodes)))
    elif spec == "one":
        chosen = [rng.choice(nodes)]
    elif spec == "all":
        chosen = nodes
    else:
        count = {"minority-third": (len(nodes) - 1) // 3, "minority": majority(len(nodes)) - 1,
                 "majority": majority(len(nodes))}[spec]
        order = list(nodes)
        rng.shuffle(order)
        chosen = order[:count]
    return tuple(sorted(chosen, key=node_sort_key))


def _partition_ops(nodes, rng):
    while True:
        spec = choose_spec(rng)
        yield Op("start-partition", spec, grudge=grudge(spec, nodes, rng))
        yield Op("stop-partition")


def _db_ops(faults, nodes, rng):
    kinds = [kind for kind in ("kill", "pause") if kind in faults]
    started = dict.fromkeys(kinds, False)
    while True:
        kind = kinds[0] if len(kinds) == 1 else rng.choice(kinds)
        if started[kind]:
            yield Op(STOPS[kind], "all")
        else:
            spec = rng.choice(NODE_SPECS)
            yield Op(kind, spec, nodes=resolve(spec, nodes, rng))
        started[kind] = not started[kind]


class _Stream:
    """One staggered stream of ops: the next op is due at `due` seconds."""

    def __init__(self, ops, rng, interval):
        self._ops, self._rng, self._interval = ops, rng, interval
        self.due = 0.0

    def take(self, at):
        """The next op, going out at `at` seconds; the one after is due a gap later."""
        op = next(self._ops)
        self.due = at + next_gap(self._rng, self._interval)
        return op


class Schedule:
    """The merged streams for a set of faults. `rng_for(purpose)` gives a seeded random
    source per purpose (the run's own: "nemesis/partition", "nemesis/db", "nemesis/ties")."""

    def __init__(self, faults, nodes, interval, rng_for):
        self.streams = []
        if "partition" in faults:
            self.streams.append(_Stream(_partition_ops(nodes, rng_for("nemesis/partition")),
                                        rng_for("nemesis/partition-gaps"), interval))
        if "kill" in faults or "pause" in faults:
            self.streams.append(_Stream(_db_ops(faults, nodes, rng_for("nemesis/db")),
                                        rng_for("nemesis/db-gaps"), interval))
        self._ties = rng_for("nemesis/ties")

    def next_stream(self):
        """The stream whose op is due first (an exact tie broken at random), or None."""
        if not self.streams:
            return None
        first = min(stream.due for stream in self.streams)
        tied = [stream for stream in self.streams if stream.due == first]
        return tied[0] if len(tied) == 1 else self._ties.choice(tied)


def final_ops(faults):
    """The final phase's nemesis ops, in Maelstrom's order, for the faults enabled (§3.6)."""
    ops = []
    if "partition" in faults:
        ops.append(Op("stop-partition"))
    if "pause" in faults:
        ops.append(Op("resume", "all"))
    if "kill" in faults:
        ops.append(Op("start", "all"))
    return ops


def plan(faults, nodes, interval, time_limit, rng_for):
    """[(seconds after the main phase began, Op)]: the main phase's nemesis ops when each
    goes out as soon as it is due."""
    schedule = Schedule(faults, nodes, interval, rng_for)
    planned = []
    while True:
        stream = schedule.next_stream()
        if stream is None or stream.due >= time_limit:
            return planned
        at = stream.due
        planned.append((at, stream.take(at)))


def value_text(value):
    """An invocation value as history.txt prints it: :majority, :all, nil."""
    return "nil" if value is None else f":{value}"


def describe(op, node_count):
    """What a planned op will do, in words."""
    if op.f == "start-partition":
        return describe_grudge(op.value, op.grudge)
    if op.f == "stop-partition":
        return "heal the network"
    if op.f in ("kill", "pause"):
        if not op.nodes:
            return f"no node ({value_text(op.value)} picks none of {node_count})"
        return " ".join(op.nodes)
    return {"start": "restart every killed node", "resume": "resume every paused node"}[op.f]


def schedule_lines(opts, final_phase):
    """The plan as lines of text, for --show-schedule."""
    faults = opts["nemesis"]
    if not faults:
        return ["No faults: --nemesis is not given, so the nemesis does nothing."]
    nodes = opts["nodes"]
    seed = opts["seed"]
    planned = plan(faults, nodes, opts["nemesis_interval"], opts["time_limit"],
                   lambda purpose: seeded(seed, purpose))
    timing = ("exact in virtual time" if opts.get("virtual_time") else
              "planned: with node processes an op that takes time (a kill waits for the "
              "process to die, a restart for init_ok, up to 10 s) delays the ops after it")
    lines = [f"Fault schedule for seed {seed}: {','.join(faults)} on {len(nodes)} node(s), "
             f"one op per {opts['nemesis_interval']:g} s on average in each stream, "
             f"{opts['time_limit']} s main phase",
             f"(seconds from the start of the main phase, {timing})"]
    for at, op in planned:
        what = f"{op.f} {value_text(op.value)}"
        lines.append(f"  {at:9.3f} s  {what:32} {describe(op, len(nodes))}")
    if not planned:
        lines.append("  (no op falls inside the time limit)")
    finals = final_ops(faults)
    if final_phase:
        lines.append(f"Then the final phase ({opts['workload']} has one): "
                     + ", ".join(f"{op.f} {value_text(op.value)}" for op in finals)
                     + ", 10 s of recovery, the final reads.")
    else:
        lines.append(f"{opts['workload']} has no final phase: the test ends with whatever "
                     "faults hold at the time limit (nodes may be down or paused).")
    return lines


def seeded(seed, purpose):
    """The run's random source for one purpose: the same for the same seed and purpose."""
    return random.Random(f"{seed}/{purpose}")
