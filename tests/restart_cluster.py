"""Test harness: one script's nodes on the bench's network and services, in virtual time, where
any node can be killed and restarted.

A kill is what issue 15 asks of the bench (spec faults.md §4): the node object is stopped
and dropped, so all its memory is gone and nothing it would still do reaches the network; the
network keeps its endpoint, so messages sent to it meanwhile queue up. A restart builds a new
`Node` from the script, sends it a fresh `init` (same node_id and node_ids), and then hands it
the queued messages before the init, after it, or not at all (`backlog`), because Maelstrom's
pull request and our bench may differ there. The services (the bench's own seq-kv and the
others) keep their state. Each incarnation gets the same random stream as the first, or a
fresh one (`fresh_random`), since the bench may do either.

A pause freezes a node without losing anything: messages to it wait until `resume`, and
what it writes meanwhile is held back and sent at `resume` (an in-process node's timers keep
running, so a timeout it set fires during the pause rather than just after it; what the
others see is the same: silence, then a burst). Partitions are the network's own
(`cluster.net.partition(grudge)`, `cluster.net.heal()`); services are never cut off.

Clients are one endpoint, "c0"; a request that gets no reply within its timeout returns None.
Other client connections (the bench's own, glomers.client.Connection) may share the network;
a message a node sends to one that has closed is dropped and kept in `undeliverable`.
"""

import asyncio
import json
import random

from glomers.net import InvalidMessage, Network, latency_sampler
from glomers.services import make_services
from maelstrom_node import Node

BACKLOG_MODES = ("before-init", "after-init", "drop")


class RestartCluster:
    """Nodes of one script that can be killed and restarted; run it on a virtual-time loop."""

    def __init__(self, serve, node_ids, seed, latency_ms=0, backlog="after-init",
                 fresh_random=False):
        if backlog not in BACKLOG_MODES:
            raise ValueError(f"backlog must be one of {BACKLOG_MODES}, not {backlog!r}")
        loop = asyncio.get_running_loop()
        self.serve = serve
        self.node_ids = list(node_ids)
        self.seed = seed
        self.backlog_mode = backlog
        self.fresh_random = fresh_random
        dist = "uniform" if latency_ms else "constant"
        self.net = Network(loop, latency_sampler(latency_ms, dist, random.Random(seed)),
                           loop.time())
        self.services = make_services(random.Random(f"{seed}/services"))
        for name, service in self.services.items():
            self.net.register(name, lambda message, service=service: self._serve(service,
                                                                                message))
        self.nodes = {}        # node id -> the live Node, or None while it is down
        self.backlog = {}      # node id -> messages that reached it while it was down
        self.incarnations = {}  # node id -> how many times it has been started
        self.paused = {}       # node id -> (messages to it, lines from it) held while paused
        self.undeliverable = []  # messages nodes sent to closed client connections
        self.logs = []
        self.waiting = {}      # client msg_id -> future of the reply body
        self.next_msg_id = 0
        self.net.register("c0", self._to_client)
        for node_id in self.node_ids:
            self.net.register(node_id, lambda message, node_id=node_id: self._to_node(
                node_id, message))

    # ----- plumbing --------------------------------------------------------------------

    def _serve(self, service, message):
        reply = service.handle(message.src, message.body)
        if reply is not None:
            self.net.send(service.name, message.src,
                          {**reply, "in_reply_to": message.body.get("msg_id")})

    def _to_node(self, node_id, message):
        node = self.nodes.get(node_id)
        if node is None:
            self.backlog.setdefault(node_id, []).append(message)
        elif node_id in self.paused:
            self.paused[node_id][0].append(message)
        else:
            node.feed(message.line())

    def _to_client(self, message):
        waiting = self.waiting.pop(message.body.get("in_reply_to"), None)
        if waiting is not None and not waiting.done():
            waiting.set_result(message.body)

    def _output(self, node_id, incarnation, line):
        if not self.alive(node_id) or self.incarnations[node_id] != incarnation:
            return  # a killed incarnation: a dead process writes nothing
        if node_id in self.paused:
            self.paused[node_id][1].append(line)
            return
        msg = json.loads(line)
        try:
            self.net.send(msg["src"], msg["dest"], msg["body"])
        except InvalidMessage:
            self.undeliverable.append(msg)

    # ----- clients ---------------------------------------------------------------------

    async def request(self, node_id, body, timeout=5.0):
        """Send a client request; return the reply body, or None after `timeout` seconds."""
        self.next_msg_id += 1
        msg_id = self.next_msg_id
        reply = asyncio.get_running_loop().create_future()
        self.waiting[msg_id] = reply
        self.net.send("c0", node_id, {**body, "msg_id": msg_id})
        try:
            return await asyncio.wait_for(reply, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self.waiting.pop(msg_id, None)

    # ----- lifecycle -------------------------------------------------------------------

    async def start(self):
        """Start every node and init it."""
        for node_id in self.node_ids:
            await self.restart(node_id)

    def alive(self, node_id):
        return self.nodes.get(node_id) is not None

    def kill(self, node_id):
        """Stop the node at once and forget it; messages to it queue up from now on."""
        node = self.nodes.get(node_id)
        if node is None:
            return
        node.stop()
        self.nodes[node_id] = None
        self.backlog[node_id] = []
        self.paused.pop(node_id, None)   # a paused process dies with what it held

    def pause(self, node_id):
        """Freeze a live node: hold messages to it and lines from it until resume."""
        if self.alive(node_id) and node_id not in self.paused:
            self.paused[node_id] = ([], [])

    def resume(self, node_id):
        """Unfreeze a paused node: send what it wrote, then deliver what waited for it."""
        held = self.paused.pop(node_id, None)
        if held is None:
            return
        inbound, outbound = held
        incarnation = self.incarnations[node_id]
        for line in outbound:
            self._output(node_id, incarnation, line)
        for message in inbound:
            self.nodes[node_id].feed(message.line())

    async def restart(self, node_id):
        """A new incarnation from the script, with a fresh init and the queued messages."""
        if self.alive(node_id):
            return
        n = self.incarnations.get(node_id, 0) + 1
        self.incarnations[node_id] = n
        stream = f"{self.seed}/node/{node_id}" + (f"/{n}" if self.fresh_random else "")
        node = Node(write=lambda line: self._output(node_id, n, line), log=self.logs.append,
                    random=random.Random(stream))
        self.serve(node)
        self.nodes[node_id] = node
        queued = self.backlog.pop(node_id, [])
        # init straight from a client (client messages have no latency), the queue around it
        self.next_msg_id += 1
        msg_id = self.next_msg_id
        reply = asyncio.get_running_loop().create_future()
        self.waiting[msg_id] = reply
        init = json.dumps({"src": "c0", "dest": node_id, "body": {
            "type": "init", "node_id": node_id, "node_ids": self.node_ids, "msg_id": msg_id}})
        lines = [message.line() for message in queued] if self.backlog_mode != "drop" else []
        lines.insert(len(lines) if self.backlog_mode == "before-init" else 0, init)
        for line in lines:
            node.feed(line)
        body = await asyncio.wait_for(reply, 10.0)
        assert body["type"] == "init_ok", body

    def seq_kv_errors(self, code):
        """How many seq-kv replies carried error `code` so far."""
        return sum(1 for _, event, m in self.net.journal
                   if event == "send" and m.src == "seq-kv" and m.body.get("code") == code)
