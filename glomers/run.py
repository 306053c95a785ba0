"""One test run, start to finish, in Maelstrom's order (spec §3).

Services and nodes start, each node gets `init` from its own client, the time origin is set,
one setup client per node runs the workload's setup, the main phase and (if the workload has
one) the final phase run, connections close, nodes are torn down and checked for crashes,
and the history is analysed. Node misbehaviour is recorded as a `Problem` with the node, the
time and the offending line, so the report can name it.
"""

import asyncio
import dataclasses
import json
import os
import random

from . import hosts
from .client import Connection, ErrorReply, Timeout
from .interpreter import Interpreter
from .net import InvalidMessage, Network, latency_sampler, parse_node_line
from .progress import Progress
from .services import make_services

INIT_TIMEOUT = 10.0
SETUP_TIMEOUT = 5.0
FLOOD_LIMIT = 20_000        # messages one node may send within one second of test time


@dataclasses.dataclass
class Problem:
    """Something a node did that Maelstrom would punish, with the evidence."""
    time: float                # seconds since the time origin (negative: during init)
    node: str
    kind: str      # stdout, init, crash, flood, setup, service, reply, late-reply (a note)
    detail: str
    line: str | None = None


class Aborted(Exception):
    """Maelstrom would abort this run before analysis (exit status 255)."""


class Test:
    """Everything one run needs: options, network, nodes, clients, history, problems."""

    def __init__(self, opts, workload, run_dir, quiet=False):
        self.opts = opts
        self.workload = workload
        self.run_dir = run_dir
        self.seed = opts["seed"]
        self.problems = []
        self.muted = set()          # nodes whose stdout Maelstrom would stop reading
        self._sent_window = {}      # node -> (window start, count) for flood detection
        self._next_client = 0
        self._strays = set()        # (node, kind) of stray replies already reported
        self.generator = None
        self.quiet = quiet
        self.net = None
        self.hosts = {}
        self.aborted = None
        self.interpreter = None

    def rng(self, purpose):
        """An independent random stream per purpose, all derived from --seed."""
        return random.Random(f"{self.seed}/{purpose}")

    def new_client_id(self):
        client_id = f"c{self._next_client}"
        self._next_client += 1
        return client_id

    def now(self):
        return self.net.loop.time() - self.net.origin

    def problem(self, node, kind, detail, line=None):
        self.problems.append(Problem(round(self.now(), 3), node, kind, detail, line))
        self.progress.note(f"{node}: {detail}" + (f": {line[:200]}" if line else ""))

    def on_stray(self, conn, message, awaited):
        """A client got a message no request was waiting for; name the first of each kind."""
        body = message.body
        if "in_reply_to" not in body:
            why = "a message without in_reply_to, so it cannot be matched to any request"
        elif awaited is None:
            why = (f"a reply to request {body.get('in_reply_to')!r} that nobody was waiting "
                   "for any more (late or duplicate)")
        else:
            why = (f"a reply with in_reply_to {body.get('in_reply_to')!r} while request "
                   f"{awaited} was waiting (a wrong in_reply_to?)")
        key = (message.src, "in_reply_to" in body, awaited is None)
        if key in self._strays:
            return
        self._strays.add(key)
        kind = "late-reply" if awaited is None and "in_reply_to" in body else "reply"
        self.problem(message.src, kind, f"sent client {conn.id} {why}; Maelstrom "
                     "discards such messages (further ones like it are not listed)",
                     json.dumps(body))

    def generator_update(self, completion):
        update = getattr(self.generator, "update", None)
        if update:
            update(completion)

    # -- node output --------------------------------------------------------------------------

    def on_line(self, node_id, line):
        """A line a node wrote to stdout: validate, route, or mute the node as Maelstrom does."""
        if node_id in self.muted:
            return
        if self._flooding(node_id):
            self.muted.add(node_id)
            self.problem(node_id, "flood", f"sent more than {FLOOD_LIMIT} messages within one "
                         "second; the bench stops reading it (the last one below)", line)
            return
        try:
            src, dest, body = parse_node_line(line, node_id)
            self.net.send(src, dest, body)
        except InvalidMessage as error:
            self.muted.add(node_id)
            self.problem(node_id, "stdout", f"wrote a message Maelstrom refuses ({error}); "
                         "Maelstrom stops reading this node's stdout from here on", line)

    def _flooding(self, node_id):
        now = self.net.loop.time()
        start, count = self._sent_window.get(node_id, (now, 0))
        if now - start >= 1.0:
            start, count = now, 0
        self._sent_window[node_id] = (start, count + 1)
        return count + 1 > FLOOD_LIMIT

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self):
        """Run the test; return the interpreter's history (raises Aborted)."""
        loop = asyncio.get_running_loop()
        opts = self.opts
        latency = latency_sampler(opts["latency"], opts["latency_dist"], self.rng("latency"))
        self.net = Network(loop, latency, origin=loop.time())
        self.progress = Progress(self.now, opts["time_limit"], quiet=self.quiet)
        self._start_services()
        try:
            await self._start_nodes()
            await self._init_nodes()
            self.net.origin = loop.time()
            setup_clients = await self._setup_clients()
            self.interpreter = Interpreter(self)
            self.generator = self.workload.generator(opts, self.rng("generator"))
            await self.interpreter.main_phase(self.generator, opts["time_limit"], opts["rate"],
                                              self.rng("stagger"))
            if getattr(self.workload, "FINAL_PHASE", False):
                await self.interpreter.final_phase(getattr(self.workload, "FINAL_TIME_LIMIT",
                                                           None))
            self.interpreter.close_connections()
            for conn in setup_clients:
                conn.close()
        finally:
            await self._teardown()
        return self.interpreter.history

    def _start_services(self):
        services = make_services(self.rng("services"))
        for name, service in services.items():
            def deliver(message, service=service):
                reply = service.handle(message.src, message.body)
                if reply is None:
                    reason = service.problems[-1] if service.problems else "no reply"
                    self.problem(message.src, "service", reason, json.dumps(message.body))
                    return
                reply = {**reply, "in_reply_to": message.body.get("msg_id")}
                try:
                    self.net.send(service.name, message.src, reply)
                except InvalidMessage:
                    pass
            self.net.register(name, deliver)

    async def _start_nodes(self):
        opts = self.opts
        log_dir = os.path.join(self.run_dir, "node-logs")
        os.makedirs(log_dir, exist_ok=True)
        for node_id in opts["nodes"]:
            if opts.get("virtual_time"):
                host = hosts.InProcessHost(node_id, log_dir, self.on_line, opts["log_stderr"],
                                           opts["bin"], self.rng(f"node/{node_id}"))
            else:
                host = hosts.ProcessHost(node_id, log_dir, self.on_line, opts["log_stderr"],
                                         [opts["bin"], *opts.get("args", [])])
            self.hosts[node_id] = host
            self.net.register(node_id, host.deliver)
        for node_id, host in self.hosts.items():
            try:
                await host.start()
            except (OSError, ImportError, SyntaxError) as error:
                self.problem(node_id, "crash", f"could not be started: {error}")
                raise Aborted(f"{node_id} could not be started: {error}") from None

    async def _on_every_node(self, kind, attempt):
        """Run `attempt(node_id)` on all nodes at once; it returns None, or why that node
        failed. Any failure is a problem of `kind` and aborts the run, as in Maelstrom."""
        nodes = self.opts["nodes"]
        failures = [(n, why) for n, why in zip(nodes, await asyncio.gather(*map(attempt, nodes)))
                    if why]
        for node_id, why in failures:
            self.problem(node_id, kind, why)
        if failures:
            raise Aborted(failures[0][1])

    async def _init_nodes(self):
        """Each node gets init from a client of its own, closed right after (§1.4)."""
        nodes = self.opts["nodes"]

        async def init(node_id):
            conn = Connection(self.net, self.new_client_id(), node_id, self.on_stray)
            try:
                reply = await conn.rpc({"type": "init", "node_id": node_id,
                                        "node_ids": list(nodes)}, timeout=INIT_TIMEOUT)
                if reply.get("type") != "init_ok":
                    return f"{node_id} answered init with {reply!r}, not an init_ok"
            except Timeout:
                return (f"{node_id} did not answer init within {INIT_TIMEOUT:g} s "
                        "(Maelstrom aborts the run: expected an init_ok with in_reply_to 1)")
            except ErrorReply as error:
                return f"{node_id} answered init with an error: {error.body!r}"
            finally:
                conn.close()
            return None

        await self._on_every_node("init", init)

    async def _setup_clients(self):
        """One client per node, open to the end; the workload's setup runs on each (§3)."""
        conns = {n: Connection(self.net, self.new_client_id(), n, self.on_stray)
                 for n in self.opts["nodes"]}
        setup = getattr(self.workload, "setup", None)

        async def run_setup(node_id):
            try:
                await setup(conns[node_id], self.opts, SETUP_TIMEOUT)
            except Exception as error:
                return f"{node_id} failed the workload's setup: {error}"
            return None

        if setup:
            await self._on_every_node("setup", run_setup)
        return list(conns.values())

    async def _teardown(self):
        # A node that exited before teardown is a crash: Maelstrom aborts the analysis.
        crashed = []
        for node_id, host in self.hosts.items():
            if host.exit_status is not None:
                crashed.append(host)
            await host.stop()
        for host in crashed:
            when = host.exited_at - self.net.origin if host.exited_at else 0.0
            self.problems.append(Problem(round(when, 3), host.node_id, "crash",
                                         f"exited with status {host.exit_status} during the run",
                                         None))
        if crashed and self.aborted is None:
            self.aborted = (f"{crashed[0].node_id} crashed with exit status "
                            f"{crashed[0].exit_status}")

