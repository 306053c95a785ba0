"""Client threads, the rate stagger, the nemesis thread and the test's phases (spec §5).

Threads 0..C-1 are bound to nodes[t mod N]; thread t starts as process t and becomes process
t + C after an op completes :info (with a fresh connection for non-reusable clients). Ops are
pulled from the workload's generator whenever a thread is free, spaced by a global stagger of
U[0, 2/rate) seconds, and stop at --time-limit after the first op. The nemesis thread runs
the fault schedule beside them (faults.py). Workloads with a final phase then get: heal,
resume and restart (for the faults enabled), 10 s of quiet, and the final ops of each thread.
"""

import asyncio

from .client import Connection, complete
from .edn import Keyword as K
from .faults import Nemesis

PENDING = object()      # a generator's answer when it has no op yet but is not exhausted
SKIP = object()         # an op a shrink plan leaves out: its turn passes, nothing is sent
RECOVERY_SECONDS = 10


class Interpreter:
    """Runs the workload's ops on C client threads and records the history."""

    def __init__(self, test):
        self.test = test
        self.net = test.net
        self.workload = test.workload
        self.opts = test.opts
        self.nodes = test.opts["nodes"]
        self.concurrency = test.opts["concurrency"]
        self.history = []
        self.processes = list(range(self.concurrency))
        self.connections = [None] * self.concurrency
        self.replace = [False] * self.concurrency    # connection to renew before next op
        self.busy = [False] * self.concurrency
        self.rotation = 0
        self.changed = asyncio.Event()     # set whenever a thread frees or an op completes
        self.in_flight = set()
        self.next_thread = None     # the free thread the generator's next op will go to
        self.nemesis = Nemesis(test, self.record) if self.opts["nemesis"] else None

    # -- history ---------------------------------------------------------------------------

    def record(self, op):
        """Append an op with the next index and the current relative time; return it."""
        op = {"index": len(self.history), "time": self.net.now_ns(), **op}
        self.history.append(op)
        self.test.progress.op(op)
        return op

    # -- threads -----------------------------------------------------------------------------

    def _connection(self, thread):
        # A non-reusable client replaced after an :info is closed only now, when the thread
        # issues its next op, as Maelstrom does: a late reply in between is just discarded.
        conn = self.connections[thread]
        if conn is not None and self.replace[thread]:
            conn.close()
            conn = None
            self.replace[thread] = False
        if conn is None:
            conn = Connection(self.net, self.test.new_client_id(),
                              self.nodes[thread % len(self.nodes)], self.test.on_stray)
            self.connections[thread] = conn
        return conn

    async def _free_thread(self):
        """Wait for a free thread; the choice rotates as Jepsen's interpreter does."""
        while True:
            slots = self.concurrency + 1          # the nemesis holds the last slot
            for step in range(slots):
                thread = (self.rotation + step) % slots
                if thread < self.concurrency and not self.busy[thread]:
                    self.rotation = (self.rotation + 1) % slots
                    return thread
            await self._wait_change()

    async def _wait_change(self):
        self.changed.clear()
        await self.changed.wait()

    def _launch(self, thread, op):
        self.busy[thread] = True
        task = asyncio.get_running_loop().create_task(self._execute(thread, op))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)

    async def _execute(self, thread, op):
        workload = self.workload
        conn = self._connection(thread)
        invocation = self.record({"type": K("invoke"), "process": self.processes[thread],
                                  "f": K(op["f"]), "value": op.get("value"),
                                  **{k: v for k, v in op.items()
                                     if k not in ("f", "value") and not k.startswith("_")}})
        request = {k: v for k, v in invocation.items() if k not in ("index", "time", "type")}
        try:
            done = await workload.invoke(conn, request, self.opts)
        except Exception as error:        # every failure becomes a completion, never a crash
            done = complete(request, error, workload.IDEMPOTENT,
                            getattr(workload, "ERRORS_AS_EXCEPTIONS", False))
        completion = self.record(done)
        if completion["type"] == "info":
            self.processes[thread] += self.concurrency
            if not workload.REUSABLE_CLIENT:
                self.replace[thread] = True
        self.test.generator_update(completion)
        self.busy[thread] = False
        self.changed.set()

    async def drain(self):
        """Wait for every op in flight to complete."""
        while self.in_flight:
            await asyncio.gather(*list(self.in_flight), return_exceptions=True)

    # -- phases ------------------------------------------------------------------------------

    async def main_phase(self, generator, time_limit, rate, rng):
        """Dispatch staggered ops until the time limit; run the nemesis beside them."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        limit_at = start + time_limit
        nemesis = None
        if self.nemesis is not None:
            nemesis = loop.create_task(self.nemesis.run(start, limit_at))
        if rate <= 0:
            await asyncio.sleep(time_limit)
        else:
            next_time = start
            while True:
                thread = await self._free_thread()
                self.next_thread = thread
                op = generator.next(self)
                while op is PENDING:
                    await self._wait_change()
                    op = generator.next(self)
                if op is None:
                    break
                at = max(next_time, loop.time())
                if at >= limit_at:
                    break
                if at > loop.time():
                    await asyncio.sleep(at - loop.time())
                if op is not SKIP:
                    self._launch(thread, op)
                next_time = at + rng.random() * 2 / rate
        if nemesis:
            await nemesis
        self.test.progress.phase = "draining"
        await self.drain()

    async def final_phase(self, time_limit=None):
        """Heal, resume, restart; wait 10 s; then each thread runs its final ops (optionally
        clipped)."""
        loop = asyncio.get_running_loop()
        if self.nemesis is not None:
            await self.nemesis.final_phase()
        self.test.progress.note("waiting for recovery (10 s)")
        await asyncio.sleep(RECOVERY_SECONDS)
        clip_at = loop.time() + time_limit if time_limit else None
        await asyncio.gather(*(self._final_thread(t, clip_at) for t in range(self.concurrency)))

    async def _final_thread(self, thread, clip_at):
        loop = asyncio.get_running_loop()
        ops = self.workload.final_ops(self, thread)
        for op in ops:
            delay = op.get("_sleep", 0)
            if delay:
                await asyncio.sleep(delay)
            if clip_at is not None and loop.time() >= clip_at:
                return
            self.busy[thread] = True
            await self._execute(thread, op)

    def close_connections(self):
        """End of the test: every client connection closes."""
        for conn in self.connections:
            if conn is not None:
                conn.close()
