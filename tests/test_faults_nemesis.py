"""The nemesis thread (glomers/faults.py) against stand-in nodes: what each op does to a node in
each state and records (the table in faults.py's docstring), the lines it writes on the
console and in the node logs, failed restarts, and when ops go out.

The stand-ins keep only what the nemesis reads and calls: a host's state, incarnation and
exit, its kill / restart / pause / resume, the network's cuts and held queues. Runs of the
whole bench under faults are in test_faults.py.
"""

import asyncio
import errno
import random

import pytest

from glomers import hosts, node_programs, shrink_plan
from glomers.edn import Keyword
from glomers.fault_schedule import Op
from glomers.faults import Nemesis
from glomers.virtual_time import run as run_virtual

NOW = 12.5          # seconds since the run began, as the stand-in test tells it


class Host:
    """A node as the nemesis sees it; `kill` is a coroutine, as a process host's is."""

    def __init__(self, node_id, state):
        self.node_id = node_id
        self.state = "running" if state == "crashed" else state
        self.exit_status = 3 if state == "crashed" else None
        self.incarnation = 1
        self.resumed_at = None
        self.log = []
        self.fails_to_restart = None     # an exception restart() raises

    def log_bench(self, text):
        self.log.append(text)

    async def kill(self):
        self.state = "killed"

    async def restart(self):
        if self.fails_to_restart is not None:
            raise self.fails_to_restart
        self.incarnation += 1
        self.state = "running"

    def pause(self):
        self.state = "paused"

    def resume(self):
        self.state = "running"


class Net:
    def __init__(self):
        self.grudge, self.held = {}, set()

    def partition(self, table):
        self.grudge = {receiver: set(senders) for receiver, senders in table.items()}

    def heal(self):
        self.grudge = {}

    def hold(self, node_id):
        self.held.add(node_id)

    def reopen(self, node_id):
        self.held.discard(node_id)


class Bench:
    """The parts of a run the nemesis uses; `states` maps node -> running / paused / killed /
    crashed (exited by itself)."""

    def __init__(self, states, faults=("kill", "pause", "partition"), interval=1.0,
                 rng=None):
        self.opts = {"nemesis": list(faults), "nodes": list(states), "nemesis_interval": interval,
                     "bin": "/somewhere/node.py"}
        self.hosts = {node: Host(node, state) for node, state in states.items()}
        self.net = Net()
        self.muted = set()
        self.lines = []                 # what the console was told
        self.progress = type("Progress", (), {"nemesis": lambda _, text: self.lines.append(text)})()
        self.recorded = []
        self.init_answers = {}          # node -> what init_node returns for it
        self._rng = rng

    def rng(self, purpose):
        return self._rng(purpose) if self._rng else random.Random(f"1/{purpose}")

    def now(self):
        return NOW

    async def init_node(self, node_id):
        return self.init_answers.get(node_id)

    def nemesis(self):
        return Nemesis(self, self.recorded.append)


def execute(bench, op):
    """Run one op; its (invocation, completion)."""
    asyncio.run(bench.nemesis().execute(op))
    assert len(bench.recorded) == 2
    return bench.recorded[0], bench.recorded[1]


def targets(f):
    return ("n0",) if f in ("kill", "pause") else ()


# The table in faults.py's docstring: what each op says of a node in each state.
TABLE = {
    "kill": {"running": "killed", "paused": "killed", "killed": "not-running",
             "crashed": "not-running"},
    "start": {"running": "already-running", "paused": "already-running", "killed": "started",
              "crashed": "crashed"},
    "pause": {"running": "paused", "paused": "already-paused", "killed": "not-running",
              "crashed": "not-running"},
    "resume": {"running": "not-paused", "paused": "resumed", "killed": "not-paused",
               "crashed": "not-paused"},
}
AFTER = {"kill": {"running": "killed", "paused": "killed"}, "start": {"killed": "running"},
         "pause": {"running": "paused"}, "resume": {"paused": "running"}}


@pytest.mark.parametrize("f", list(TABLE))
@pytest.mark.parametrize("state", ["running", "paused", "killed", "crashed"])
def test_each_op_says_what_it_did_to_a_node_in_each_state(f, state):
    bench = Bench({"n0": state})
    invocation, completion = execute(bench, Op(f, "all", nodes=targets(f)))
    assert invocation == {"type": "info", "process": "nemesis", "f": f, "value": "all"}
    assert completion == {**invocation, "value": {"n0": TABLE[f][state]}}
    assert all(isinstance(word, Keyword) for word in completion["value"].values())
    host = bench.hosts["n0"]
    before = "running" if state == "crashed" else state
    assert host.state == AFTER[f].get(state, before)
    assert ("n0" in bench.net.held) == (f == "kill" and state in ("running", "paused"))


def test_a_kill_goes_on_past_a_node_that_is_not_running():
    bench = Bench({"n0": "crashed", "n1": "running", "n2": "killed", "n3": "paused"})
    _, completion = execute(bench, Op("kill", "all", nodes=("n0", "n1", "n2", "n3")))
    assert completion["value"] == {"n0": "not-running", "n1": "killed", "n2": "not-running",
                                   "n3": "killed"}
    assert bench.net.held == {"n1", "n3"}
    assert bench.lines == ["killed n1 n3"]


def test_completions_list_nodes_in_natural_order():
    nodes = [f"n{i}" for i in (10, 2, 0, 1, 11, 3)]
    bench = Bench(dict.fromkeys(nodes, "running"))
    _, completion = execute(bench, Op("kill", "all", nodes=tuple(nodes)))
    assert list(completion["value"]) == ["n0", "n1", "n2", "n3", "n10", "n11"]


def test_console_lines_name_the_nodes_each_op_changed():
    bench = Bench({"n0": "running", "n1": "running", "n2": "running"})
    nemesis = bench.nemesis()

    async def ops():
        await nemesis.execute(Op("kill", "majority", nodes=("n0", "n2")))
        await nemesis.execute(Op("start", "all"))
        await nemesis.execute(Op("pause", "one", nodes=("n1",)))
        await nemesis.execute(Op("pause", "all", nodes=("n0", "n1", "n2")))
        await nemesis.execute(Op("resume", "all"))
        await nemesis.execute(Op("resume", "all"))                   # nothing paused
        await nemesis.execute(Op("start", "all"))                    # nothing killed
    asyncio.run(ops())
    assert bench.lines == ["killed n0 n2", "restarted n0 n2", "paused n1", "paused n0 n2",
                           "resumed n0 n1 n2"]


def test_node_logs_mark_what_the_nemesis_did_and_when():
    bench = Bench({"n0": "running"})
    nemesis = bench.nemesis()

    async def ops():
        for op in (Op("kill", "one", nodes=("n0",)), Op("start", "all"),
                   Op("pause", "one", nodes=("n0",)), Op("resume", "all")):
            await nemesis.execute(op)
    asyncio.run(ops())
    assert bench.hosts["n0"].log == [
        "--- killed by the nemesis at 12.500 s (incarnation 1) ---",
        "--- restarted by the nemesis at 12.500 s (incarnation 2; the lines below are the "
        "new incarnation's) ---",
        "--- paused by the nemesis at 12.500 s ---",
        "--- resumed by the nemesis at 12.500 s ---"]
    assert bench.hosts["n0"].resumed_at == NOW


def test_a_restarted_node_is_heard_again():
    bench = Bench({"n0": "killed"})
    bench.net.held.add("n0")
    bench.muted.add("n0")
    execute(bench, Op("start", "all"))
    assert bench.net.held == set() and bench.muted == set()
    assert bench.hosts["n0"].incarnation == 2


def test_partitions_record_the_grudge_and_heals_say_so_only_after_a_cut():
    bench = Bench({"n0": "running", "n1": "running", "n2": "running"})
    nemesis = bench.nemesis()
    grudge = {"n2": {"n0", "n1"}, "n0": {"n2"}, "n1": {"n2"}}

    async def ops():
        await nemesis.execute(Op("stop-partition"))
        await nemesis.execute(Op("start-partition", "one", grudge=grudge))
        await nemesis.execute(Op("stop-partition"))
    asyncio.run(ops())
    values = [op["value"] for op in bench.recorded]
    assert values[:2] == [None, "network-healed"] and isinstance(values[1], Keyword)
    assert values[2] == "one"
    assert values[3] == ["isolated", {"n0": {"n2"}, "n1": {"n2"}, "n2": {"n0", "n1"}}]
    assert isinstance(values[3][0], Keyword) and list(values[3][1]) == ["n0", "n1", "n2"]
    assert values[5] == "network-healed"
    assert bench.net.grudge == {}
    assert bench.lines == ["partition (one): n2 isolated from n0 n1", "network healed"]


def test_a_partition_that_cuts_nothing_is_described_with_its_spec():
    bench = Bench({"n0": "running", "n1": "running"})
    execute(bench, Op("start-partition", "minority-third", grudge={"n0": set(), "n1": set()}))
    assert bench.lines == ["partition (minority-third): nothing cut (minority-third has no "
                           "effect on 2 node(s))"]


@pytest.mark.parametrize("failure, why", [
    (OSError(errno.ENOEXEC, "Exec format error"),
     "n0 could not be restarted: " + node_programs.start_problem(
         "/somewhere/node.py", OSError(errno.ENOEXEC, "Exec format error"))),
    (hosts.NodeExit("node.py raised sys.exit(4)"),
     "n0 crashed as it restarted: node.py raised sys.exit(4)"),
])
def test_a_node_that_cannot_be_restarted_fails_the_start_and_says_why(failure, why):
    bench = Bench({"n0": "killed", "n1": "running"})
    bench.hosts["n0"].fails_to_restart = failure
    invocation, completion = execute(bench, Op("start", "all"))
    assert completion["value"] == "all" and completion["error"] == f"indeterminate: {why}"
    assert completion["exception"]
    assert bench.lines == ["restarted n0", f"start failed: {why}"]


@pytest.mark.parametrize("answer, why", [
    ("n0 did not answer init within 10 s", "n0 did not answer init within 10 s"),
    (("crash", "n0 exited with status 1 while answering init"),
     "n0 exited with status 1 while answering init"),
])
def test_a_restart_whose_init_fails_names_each_failure(answer, why):
    bench = Bench({"n0": "killed", "n1": "killed"})
    bench.init_answers = {"n0": answer, "n1": "n1 answered init with an error"}
    _, completion = execute(bench, Op("start", "all"))
    assert completion["error"] == f"indeterminate: {why}; n1 answered init with an error"


class Gaps:
    """A random source whose every draw is 0.5: each gap is exactly the interval, and the
    first of tied streams is taken."""

    def random(self):
        return 0.5

    def choice(self, items):
        return list(items)[0]

    def shuffle(self, items):
        pass


def main_phase(bench, begin, seconds):
    """Run the nemesis's main phase from loop time `begin` for `seconds`, in virtual time;
    [(seconds after the phase began, :f)] of the invocations it recorded."""
    out = []

    async def phase():
        loop = asyncio.get_running_loop()
        await asyncio.sleep(begin)
        start = loop.time()
        nemesis = Nemesis(bench, lambda op: out.append((loop.time() - start, op)))
        await nemesis.run(start, start + seconds)
    run_virtual(phase(), virtual=True)
    return [(round(at, 6), op["f"]) for at, op in out[::2]]


def test_ops_go_out_each_gap_after_the_last_and_none_at_the_time_limit():
    bench = Bench({"n0": "running", "n1": "running"}, faults=["partition"], interval=2.0,
                  rng=lambda purpose: Gaps())
    assert main_phase(bench, begin=7.0, seconds=6) == [
        (0.0, "start-partition"), (2.0, "stop-partition"), (4.0, "start-partition")]


def test_a_shrink_plan_leaves_its_dropped_faults_out():
    def sent(plan):
        bench = Bench({"n0": "running", "n1": "running"}, faults=["partition"], interval=2.0,
                      rng=lambda purpose: Gaps())
        if plan is not None:
            bench.plan = plan
        return main_phase(bench, begin=3.0, seconds=9)
    assert sent(None) == [(0.0, "start-partition"), (2.0, "stop-partition"),
                          (4.0, "start-partition"), (6.0, "stop-partition"),
                          (8.0, "start-partition")]
    assert sent(shrink_plan.Plan(drop_faults=frozenset({2}))) == [
        (0.0, "start-partition"), (2.0, "stop-partition"), (8.0, "start-partition")]
