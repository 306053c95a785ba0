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
import tempfile

from . import (console_log, hosts, in_process_host, node_programs, process_host, quote,
               shrink_plan, store)
from .fault_schedule import seeded
from .client import Connection, ErrorReply, Timeout
from .interpreter import Interpreter
from .net import InvalidMessage, Network, is_client, latency_sampler, parse_node_line
from .progress import Progress
from .services import make_services

INIT_TIMEOUT = 10.0
SETUP_TIMEOUT = 5.0
# Messages one node may send to nodes and services within one second of test time before the
# bench notes it (a note only: Maelstrom sets no limit, and replies to clients never count).
FLOOD_LIMIT = 20_000
PROBLEMS_PER_KIND = 10      # problems of one kind from one node listed; the rest counted


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


class Stalled(Exception):
    """The bench gave up the run: in virtual time a message loop never let the clock move."""


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
        self.longest_string = 0     # no node wrote a string longer than this (a bound)
        self.longest_strings = {}   # id(value) -> (value, its longest string), for reports
        self.unlisted = {}          # (node, kind) -> problems beyond PROBLEMS_PER_KIND
        self._problem_counts = {}
        self._flood_noted = set()
        self._stalled = None
        self._reader_left = False
        self._main = None
        self.net_journal_path = None    # journal.jsonl, once the run has opened it
        self.net_journal_summary = None  # its store.JournalSummary, kept as it is written
        self._exits_reported = set()    # nodes whose exit is already a problem
        self.plan = shrink_plan.from_opts(opts)     # a shrunk run's plan, None for others

    def rng(self, purpose):
        """An independent random stream per purpose, all derived from --seed."""
        return seeded(self.seed, purpose)

    def new_client_id(self):
        client_id = f"c{self._next_client}"
        self._next_client += 1
        return client_id

    def now(self):
        return self.net.loop.time() - self.net.origin

    def problem(self, node, kind, detail, line=None):
        """Record a node problem; past PROBLEMS_PER_KIND of one kind from one node, only
        count it (a node can repeat a mistake a million times)."""
        key = (node, kind)
        seen = self._problem_counts.get(key, 0) + 1
        self._problem_counts[key] = seen
        if seen > PROBLEMS_PER_KIND:
            self.unlisted[key] = self.unlisted.get(key, 0) + 1
            return
        if line is not None and len(line) > quote.VALUE_LIMIT:
            if kind == "stdout":        # refused, so not in the journal: keep it in the log
                self._keep_whole(node, detail, line)
            line = quote.clip(line, quote.VALUE_LIMIT)
        self.problems.append(Problem(round(self.now(), 3), node, kind, detail, line))
        self.progress.note(quote.clip(f"{node}: {detail}" + (f": {line}" if line else ""),
                                      300), kind)

    def _keep_whole(self, node, detail, line):
        """The node's log keeps a refused line whole, once."""
        host = self.hosts.get(node)
        if host is not None:
            host.log_bench(f"{detail}; the whole line ({len(line):,} characters): {line}")

    def on_note(self, node, kind, text):
        """Something a host noticed about its node (teardown, a full stdin)."""
        self.problem(node, kind, text)

    def on_stray(self, conn, message, awaited):
        """A client got a message no request was waiting for; name the first of each kind."""
        body = message.body
        in_reply_to = body.get("in_reply_to")
        late = awaited is None or (type(in_reply_to) is int and in_reply_to < awaited)
        if "in_reply_to" not in body:
            why = "a message without in_reply_to, so it cannot be matched to any request"
        elif late:
            why = (f"a reply to request {in_reply_to!r} that nobody was waiting for any more "
                   "(late or duplicate)")
        else:
            why = (f"a reply with in_reply_to {body.get('in_reply_to')!r} while request "
                   f"{awaited} was waiting (a wrong in_reply_to?)")
        key = (message.src, "in_reply_to" in body, late)
        if key in self._strays:
            return
        self._strays.add(key)
        kind = "late-reply" if late and "in_reply_to" in body else "reply"
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
        # Only a line longer than every string seen so far can be too long or hold a longer
        # string (and a line too long never counts: no string is ever that long).
        if len(line) > self.longest_string:
            if len(line) > hosts.STDOUT_LINE_LIMIT:      # in-process nodes come here whole
                self.on_oversize(node_id, len(line.encode()), line[:4096])
                return
            self.longest_string = max(self.longest_string, quote.longest_string_bound(line))
        try:
            src, dest, body = parse_node_line(line, node_id)
            if not is_client(dest):
                self._count_traffic(node_id, line)
            self.net.send(src, dest, body)
        except InvalidMessage as error:
            self.muted.add(node_id)
            # After a pause, a late reply to a closed client is the nemesis's doing, not a
            # fault of the node: a note, with the same consequence.
            why = self._after_pause(node_id, line)
            self.problem(node_id, "late-reply" if why else "stdout",
                         f"wrote a message Maelstrom refuses ({error}); Maelstrom stops "
                         f"reading this node's stdout from here on{why}", line)

    def _after_pause(self, node_id, line):
        """Why a node that was paused may write to a closed client: its late reply."""
        resumed = getattr(self.hosts.get(node_id), "resumed_at", None)
        if resumed is None or '"in_reply_to"' not in line:
            return ""
        return (f" (a late reply: the nemesis paused this node until {resumed:.3f} s, and "
                "the client it answers had timed out and closed; Maelstrom mutes a node the "
                "same way, faults.md §4.3)")

    def on_oversize(self, node_id, size, head):
        """A stdout line too long for the bench to hold: refused, with its size."""
        if node_id in self.muted:
            return
        self.muted.add(node_id)
        self.problem(node_id, "stdout", f"wrote a stdout line of {size:,} bytes, longer than "
                     f"the bench's limit of {hosts.STDOUT_LINE_LIMIT:,} (no Maelstrom message "
                     "comes near that size); the bench stops reading this node's stdout, as "
                     "Maelstrom does after a line it refuses. The line began", head[:200])

    def _count_traffic(self, node_id, line):
        # Only messages to nodes and services count: replies to the bench's own clients are
        # the workload, whatever the rate. Exceeding the limit is noted once, never punished.
        now = self.net.loop.time()
        start, count = self._sent_window.get(node_id, (now, 0))
        if now - start >= 1.0:
            start, count = now, 0
        self._sent_window[node_id] = (start, count + 1)
        if count + 1 > FLOOD_LIMIT and node_id not in self._flood_noted:
            self._flood_noted.add(node_id)
            self.problem(node_id, "flood", f"sent more than {FLOOD_LIMIT} messages within one "
                         "second of test time to nodes and services (replies to clients are "
                         "not counted); Maelstrom sets no limit, so this is a note, not a "
                         "fault (the last one below)", line)

    def _on_reader_gone(self, loop):
        """The console's reader went away (`| head`): stop the run; run() then raises
        BrokenPipeError once the nodes are down. Called from any thread."""
        self._reader_left = True
        loop.call_soon_threadsafe(self._main.cancel)

    def _on_stall(self, steps):
        """Virtual time cannot go on: abandon the run (the main task is cancelled)."""
        self._stalled = (f"in virtual time the clock did not move for {steps:,} loop steps: "
                         "node code keeps working without ever waiting (messages answered "
                         "with no delay in an endless loop, or a task that only yields), "
                         "which costs no virtual time, so the run could never end. Run it "
                         "without --virtual-time (a real clock moves on), or make the nodes "
                         "wait before they send again")
        self.net.halt()
        for host in self.hosts.values():
            host.halt()
        if self._main is not None:
            self._main.cancel()

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self):
        """Run the test; return the interpreter's history (raises Aborted, or Stalled)."""
        loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        opts = self.opts
        latency = latency_sampler(opts["latency"], opts["latency_dist"], self.rng("latency"))
        # The summary serves only the pictures: no per-event cost in a run without them.
        journal = store.JournalWriter(self.run_dir,
                                      summarize=opts.get("pictures", True) is not False)
        self.net_journal_path = journal.path
        self.net_journal_summary = journal.summary
        virtual = bool(opts.get("virtual_time"))
        if virtual:
            in_process_host.contain_node_code(loop)
            loop.on_stall(self._on_stall)
        record, log = journal.record, _net_logger(opts)
        if log is not None:
            def record(time_ns, event, message):
                journal.record(time_ns, event, message)
                log(time_ns, event, message)
        if self.plan is not None and self.plan.keyed_streams:
            self.net = self.plan.keyed_network(loop, opts, origin=loop.time(), record=record)
        else:
            self.net = Network(loop, latency, origin=loop.time(), record=record,
                               deliver_due_at_once=not virtual)
        self.progress = Progress(self.now, opts["time_limit"], quiet=self.quiet)
        self._start_services()
        stop_listening = console_log.when_reader_gone(lambda: self._on_reader_gone(loop))
        if console_log.reader_gone():       # gone before the run began: nothing to start
            stop_listening()
            journal.close()
            raise BrokenPipeError("the reader of the console went away")
        # The nodes' temporary files (the reference scripts' journals among them) go into
        # the run folder: inspectable with the run, and never piling up in the machine's
        # temp directory. In-process nodes find it through tempfile's module default.
        self.node_tmp = os.path.abspath(os.path.join(self.run_dir, "node-tmp"))
        os.makedirs(self.node_tmp, exist_ok=True)
        machine_tmp = tempfile.tempdir
        if virtual:
            tempfile.tempdir = self.node_tmp
        try:
            await self._start_nodes()
            await self._init_nodes()
            self.net.origin = loop.time()
            setup_clients = await self._setup_clients()
            self.interpreter = Interpreter(self)
            self.generator = self.workload.generator(opts, self.rng("generator"))
            if self.plan is not None:
                self.generator = self.plan.generator(self.generator)
            await self.interpreter.main_phase(self.generator, opts["time_limit"], opts["rate"],
                                              self.rng("stagger"))
            if getattr(self.workload, "FINAL_PHASE", False):
                self.progress.phase = "final phase"
                await self.interpreter.final_phase(getattr(self.workload, "FINAL_TIME_LIMIT",
                                                           None))
            self.interpreter.close_connections()
            for conn in setup_clients:
                conn.close()
        except asyncio.CancelledError:
            if self._reader_left:
                self._main.uncancel()
                self.net.halt()
                raise BrokenPipeError("the reader of the console went away") from None
            if self._stalled is None:
                raise
            self._main.uncancel()
            self.net.halt()
            raise Stalled(self._stalled) from None
        finally:
            self.progress.phase = "teardown"
            try:
                await self._teardown()
            finally:
                self.net.halt()         # timers still pending deliver nothing now
                journal.close()
                tempfile.tempdir = machine_tmp
                stop_listening()
        return self.interpreter.history

    def history_so_far(self):
        """The ops recorded before the run was cut short."""
        return self.interpreter.history if self.interpreter else []

    def _start_services(self):
        services = make_services(self.rng("services"))
        keyed_rng = self.plan.service_rng(self.seed) if self.plan is not None else None
        for name, service in services.items():
            def deliver(message, service=service):
                if keyed_rng is not None:       # a shrink plan: one stream per caller
                    service.rng = keyed_rng(service.name, message.src)
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
                # A restarted incarnation draws from a stream of its own, so a script
                # may rely on fresh randomness after a restart, as a process can.
                host = in_process_host.InProcessHost(
                    node_id, log_dir, self.on_line, opts["log_stderr"], opts["bin"],
                    self.rng(f"node/{node_id}"), on_note=self.on_note,
                    restart_rng=lambda life, node_id=node_id: self.rng(f"node/{node_id}/{life}"))
            else:
                host = process_host.ProcessHost(node_id, log_dir, self.on_line, opts["log_stderr"],
                                         [opts["bin"], *opts.get("args", [])],
                                         on_oversize=self.on_oversize, on_note=self.on_note,
                                         tmp_dir=self.node_tmp)
            self.hosts[node_id] = host
            self.net.register(node_id, host.deliver)
        for node_id, host in self.hosts.items():
            try:
                await host.start()
            except OSError as error:
                why = node_programs.start_problem(opts["bin"], error)
                self.problem(node_id, "crash", f"could not be started: {why}")
                raise Aborted(f"{node_id} could not be started: {why}") from None
            except hosts.NodeExit as error:
                self._exits_reported.add(node_id)
                self.problem(node_id, "crash", f"could not be started: {error}")
                raise Aborted(f"{node_id} could not be started: {error}") from None

    async def _on_every_node(self, kind, attempt):
        """Run `attempt(node_id)` on all nodes at once; it returns None, or why that node
        failed (a text, or (kind, text) to name another kind). Any failure is a problem and
        aborts the run, as in Maelstrom."""
        nodes = self.opts["nodes"]
        failures = [(n, why) for n, why in zip(nodes, await asyncio.gather(*map(attempt, nodes)))
                    if why]
        for node_id, why in failures:
            problem_kind, text = why if isinstance(why, tuple) else (kind, why)
            self.problem(node_id, problem_kind, text)
        if failures:
            why = failures[0][1]
            raise Aborted(why[1] if isinstance(why, tuple) else why)

    async def _unless_exited(self, node_id, request, doing="answering init"):
        """Await `request` (work that needs node_id), but if the node exits first, stop
        waiting: return ("crash", why), naming its exit and its last stderr line. Otherwise
        return the finished request (a future: its result, or the exception it raised)."""
        host = self.hosts[node_id]
        request = asyncio.ensure_future(request)
        exited = asyncio.ensure_future(host.exited.wait())
        try:
            await asyncio.wait({request, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if request.done():
            return request
        await asyncio.sleep(0.05 if not self.opts.get("virtual_time") else 0)
        if request.done():      # its last words may have been the reply
            return request
        request.cancel()
        await asyncio.gather(request, return_exceptions=True)
        tail = [line for line in host.stderr_tail if line.strip()]
        last = f"; its last stderr line: {quote.clip(tail[-1], 300)}" if tail else \
            "; it wrote nothing to stderr"
        return ("crash", f"{node_id} {host.exit_reason} before {doing}{last}")

    async def _init_nodes(self):
        """Each node gets init from a client of its own, closed right after (§1.4). A node
        that exits before answering is reported at once, not after the init timeout."""
        async def init(node_id):
            why = await self.init_node(node_id, "Maelstrom aborts the run: ")
            if isinstance(why, tuple):
                self._exits_reported.add(node_id)
            return why

        await self._on_every_node("init", init)

    async def init_node(self, node_id, consequence=""):
        """Send init to one node from a client of its own, closed right after; None, or why
        it failed (a text, or ("crash", text) if the node exited first). Also used for a
        restarted node, with the same node_id and node_ids."""
        nodes = self.opts["nodes"]
        conn = Connection(self.net, self.new_client_id(), node_id, self.on_stray)
        try:
            outcome = await self._unless_exited(node_id, conn.rpc(
                {"type": "init", "node_id": node_id, "node_ids": list(nodes)},
                timeout=INIT_TIMEOUT))
            if isinstance(outcome, tuple):
                return outcome
            reply = outcome.result()
            if reply.get("type") != "init_ok":
                return f"{node_id} answered init with {quote.clip(repr(reply), 300)}, not an init_ok"
        except Timeout:
            return (f"{node_id} did not answer init within {INIT_TIMEOUT:g} s "
                    f"({consequence}expected an init_ok with in_reply_to 1)")
        except ErrorReply as error:
            return f"{node_id} answered init with an error: {quote.clip(repr(error.body), 300)}"
        finally:
            conn.close()
        return None

    async def _setup_clients(self):
        """One client per node, open to the end; the workload's setup runs on each (§3)."""
        conns = {n: Connection(self.net, self.new_client_id(), n, self.on_stray)
                 for n in self.opts["nodes"]}
        setup = getattr(self.workload, "setup", None)

        async def run_setup(node_id):
            outcome = await self._unless_exited(
                node_id, setup(conns[node_id], self.opts, SETUP_TIMEOUT),
                "finishing the workload's setup")
            if isinstance(outcome, tuple):
                self._exits_reported.add(node_id)
                return outcome
            if outcome.exception() is not None:
                return f"{node_id} failed the workload's setup: {outcome.exception()}"
            return None

        if setup:
            await self._on_every_node("setup", run_setup)
        return list(conns.values())

    async def _teardown(self):
        # A node that exited before teardown is a crash: Maelstrom aborts the analysis.
        crashed = [host for host in self.hosts.values()
                   if host.exit_status is not None and host.node_id not in self._exits_reported]
        await asyncio.gather(*(host.stop() for host in self.hosts.values()),
                             return_exceptions=True)
        for host in crashed:
            when = host.exited_at - self.net.origin if host.exited_at else 0.0
            detail = getattr(host, "crash_text", None) or f"{host.exit_reason} during the run"
            self.problems.append(Problem(round(when, 3), host.node_id, "crash", detail, None))
        if crashed and self.aborted is None:
            self.aborted = f"{crashed[0].node_id} crashed ({crashed[0].exit_reason})"


def _net_logger(opts):
    """--log-net-send / --log-net-recv: one console line per message sent / delivered, as
    Maelstrom logs `:send` and `:recv` (long bodies cut)."""
    events = {e for e, flag in (("send", "log_net_send"), ("recv", "log_net_recv"))
              if opts.get(flag)}
    if not events:
        return None

    def log(time_ns, event, message):
        if event in events:
            print(quote.clip(f"{time_ns / 1e9:9.3f} s  :{event} "
                             f"{store.dumps_json(net_record(message))}"), flush=True)
    return log


def net_record(message):
    """A message as Maelstrom's log shows it: id, src, dest, body."""
    return {"id": message.id, "src": message.src, "dest": message.dest, "body": message.body}
