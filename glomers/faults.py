"""The nemesis thread: it runs the fault schedule against the nodes and records each op.

Every op is recorded as Jepsen records it (faults.md §3.1, §7.1): an invocation and a
completion, both `:type :info` with `:process :nemesis` and the same `:f`; the completion's
value says what happened, per node for kill / start / pause / resume:

| :f      | a node that was running | paused      | killed        | crashed by itself |
|---------|-------------------------|-------------|---------------|-------------------|
| kill    | :killed                 | :killed     | :not-running  | :not-running      |
| start   | :already-running        | :already-running | :started | :crashed          |
| pause   | :paused                 | :already-paused | :not-running | :not-running    |
| resume  | :not-paused             | :resumed    | :not-paused   | :not-paused       |

(Maelstrom's exact keywords are unknown; no checker reads them.) Only nodes the nemesis
killed are restarted: a node that crashed by itself stays down, for teardown to report.

A restart replaces the node's queue with an empty one (what waited is dropped), starts a new
incarnation, and sends it init from a fresh client, waiting up to 10 s. An op that fails
(a restart whose init is not answered) completes with its invocation value, `:exception` and
`:error "indeterminate: ..."`, and the test goes on (§4.6).
"""

import asyncio

from . import fault_schedule, hosts, node_programs
from .client import exception_map
from .edn import Keyword as K
from .edn import StringMap
from .nemesis import describe as describe_grudge
from .nemesis import node_sort_key


class NemesisFailure(Exception):
    """A nemesis op that could not do all it should; the text says why."""


class Nemesis:
    """The single nemesis thread of a test: main-phase schedule and final ops."""

    def __init__(self, test, record):
        self.test = test
        self.record = record           # op dict -> the recorded op
        self.faults = test.opts["nemesis"]
        self.nodes = test.opts["nodes"]
        schedule = fault_schedule.Schedule(self.faults, self.nodes,
                                           test.opts["nemesis_interval"], test.rng)
        plan = getattr(test, "plan", None)      # a shrink plan may leave faults out
        self.schedule = schedule if plan is None else plan.fault_schedule(schedule)

    async def run(self, start, limit_at):
        """Main phase: each op goes out when due (or when the previous one is done, if that
        is later), one at a time, until the time limit."""
        loop = asyncio.get_running_loop()
        while True:
            stream = self.schedule.next_stream()
            if stream is None:
                return
            at = max(start + stream.due, loop.time())
            if at >= limit_at:
                return
            if at > loop.time():
                await asyncio.sleep(at - loop.time())
            op = stream.take(at - start)
            if op is not None:          # None: an op a shrink plan leaves out
                await self.execute(op)

    async def final_phase(self):
        """The final phase's heal, resume and restart, one after the other (§3.6)."""
        for op in fault_schedule.final_ops(self.faults):
            await self.execute(op)

    async def execute(self, op):
        """Record the invocation, do the op, record its completion."""
        invocation = {"type": K("info"), "process": K("nemesis"), "f": K(op.f),
                      "value": None if op.value is None else K(op.value)}
        self.record(invocation)
        try:
            value = await getattr(self, "_" + op.f.replace("-", "_"))(op)
        except NemesisFailure as error:
            self.record({**invocation, "exception": exception_map(error),
                         "error": f"indeterminate: {error}"})
            self.test.progress.nemesis(f"{op.f} failed: {error}")
            return
        self.record({**invocation, "value": value})

    # -- partitions ---------------------------------------------------------------------

    async def _start_partition(self, op):
        table = op.grudge
        self.test.net.partition(table)
        self.test.progress.nemesis(f"partition ({op.value}): {describe_grudge(op.value, table)}")
        return [K("isolated"), StringMap({r: frozenset(s) for r, s in sorted(table.items())})]

    async def _stop_partition(self, op):
        was_cut = any(self.test.net.grudge.values())
        self.test.net.heal()
        if was_cut:
            self.test.progress.nemesis("network healed")
        return K("network-healed")

    # -- kill and restart -----------------------------------------------------------------

    def _host(self, node_id):
        return self.test.hosts[node_id]

    @staticmethod
    def _crashed(host):
        return host.exit_status is not None

    def _note(self, node_id, what, detail=""):
        """A marker line in the node's log: what the nemesis did to it, and when."""
        self._host(node_id).log_bench(f"--- {what} at {self.test.now():.3f} s"
                                      + (f" ({detail})" if detail else "") + " ---")

    async def _kill(self, op):
        words, killed = {}, []
        for node_id in op.nodes:
            host = self._host(node_id)
            if host.state == "killed" or self._crashed(host):
                words[node_id] = "not-running"
                continue
            self.test.net.hold(node_id)
            self._note(node_id, "killed by the nemesis", f"incarnation {host.incarnation}")
            killed.append(host)
            words[node_id] = "killed"
        await asyncio.gather(*(_maybe_await(host.kill()) for host in killed))
        if killed:
            self.test.progress.nemesis("killed " + " ".join(h.node_id for h in killed))
        return _word_map(words)

    async def _start(self, op):
        words, down = {}, []
        for node_id in self.nodes:
            host = self._host(node_id)
            if self._crashed(host):
                words[node_id] = "crashed"
            elif host.state == "killed":
                down.append(node_id)
                words[node_id] = "started"
            else:
                words[node_id] = "already-running"
        failures = [why for why in await asyncio.gather(*map(self._restart, down)) if why]
        if down:
            self.test.progress.nemesis("restarted " + " ".join(down))
        if failures:
            raise NemesisFailure("; ".join(failures))
        return _word_map(words)

    async def _restart(self, node_id):
        """Restart one killed node and init it; None, or why it failed."""
        test, host = self.test, self._host(node_id)
        test.net.reopen(node_id)
        test.muted.discard(node_id)    # the new process gets a new stdout reader
        self._note(node_id, "restarted by the nemesis", f"incarnation {host.incarnation + 1}; "
                   "the lines below are the new incarnation's")
        try:
            await host.restart()
        except OSError as error:
            why = node_programs.start_problem(test.opts["bin"], error)
            return f"{node_id} could not be restarted: {why}"
        except hosts.NodeExit as error:
            return f"{node_id} crashed as it restarted: {error}"
        why = await test.init_node(node_id)
        if why is None:
            return None
        return why[1] if isinstance(why, tuple) else why

    # -- pause and resume -----------------------------------------------------------------

    async def _pause(self, op):
        words, paused = {}, []
        for node_id in op.nodes:
            host = self._host(node_id)
            if host.state == "killed" or self._crashed(host):
                words[node_id] = "not-running"
            elif host.state == "paused":
                words[node_id] = "already-paused"
            else:
                host.pause()
                self._note(node_id, "paused by the nemesis")
                paused.append(node_id)
                words[node_id] = "paused"
        if paused:
            self.test.progress.nemesis("paused " + " ".join(paused))
        return _word_map(words)

    async def _resume(self, op):
        words, resumed = {}, []
        for node_id in self.nodes:
            host = self._host(node_id)
            if host.state == "paused" and not self._crashed(host):
                host.resume()
                host.resumed_at = self.test.now()
                self._note(node_id, "resumed by the nemesis")
                resumed.append(node_id)
                words[node_id] = "resumed"
            else:
                words[node_id] = "not-paused"
        if resumed:
            self.test.progress.nemesis("resumed " + " ".join(resumed))
        return _word_map(words)


async def _maybe_await(result):
    if asyncio.iscoroutine(result):
        await result


def _word_map(words):
    """node -> keyword, in natural node order, as a completion value."""
    return StringMap({node: K(words[node]) for node in sorted(words, key=node_sort_key)})
