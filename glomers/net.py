"""The network: endpoints, latency, per-receiver delivery order, partitions, the journal.

Follows Maelstrom's `net.clj` (spec §4, §8):
- every endpoint (node, client connection, service) has an inbound queue ordered by delivery
  deadline and ONE consumer: it takes the head, checks the partition table at that moment
  (a message from a sender the receiver currently drops is discarded), waits for the head's
  deadline, delivers, and takes the next head. So a message taken before a partition starts
  is still delivered, and with random latency a slow head delays earlier-deadline messages;
- messages to or from a client (an id starting with "c") have zero latency; all others,
  node<->service included, pay a latency drawn per message;
- the journal records a send for every accepted message and a recv for every delivery;
  beyond Maelstrom, also a drop when the consumer discards a message for a partition.
"""

import heapq
import json
import math


class InvalidMessage(Exception):
    """A node wrote something Maelstrom would refuse; the text says why."""


def is_client(endpoint_id):
    """Maelstrom's rule: an id starting with "c" is a client."""
    return endpoint_id.startswith("c")


def latency_sampler(mean_ms, dist, rng):
    """A function drawing one message latency in whole milliseconds, as Maelstrom does."""
    if dist == "constant":
        return lambda: mean_ms
    if mean_ms < 1:
        raise ValueError(f"--latency-dist {dist} needs --latency of at least 1 ms")
    if dist == "uniform":
        return lambda: int(rng.random() * 2 * mean_ms)
    if dist == "exponential":
        return lambda: int(-math.log(1.0 - rng.random()) * mean_ms)
    raise ValueError(f"unknown latency distribution {dist!r}")


class Message:
    """One message in flight: Maelstrom's record of id, src, dest and body."""

    __slots__ = ("id", "src", "dest", "body")

    def __init__(self, id, src, dest, body):
        self.id, self.src, self.dest, self.body = id, src, dest, body

    def line(self):
        """The JSON line a node receives on stdin, keys in Maelstrom's order."""
        return json.dumps({"id": self.id, "src": self.src, "dest": self.dest, "body": self.body},
                          separators=(",", ":"))


class _Endpoint:
    """An inbound queue with its single consumer."""

    __slots__ = ("id", "deliver", "queue", "holding")

    def __init__(self, id, deliver):
        self.id, self.deliver = id, deliver
        self.queue = []          # heap of (deadline, seq, message)
        self.holding = False     # the consumer has taken a message and waits for its deadline


class Network:
    """Routes messages between endpoints on one asyncio loop."""

    def __init__(self, loop, latency_ms, origin):
        self.loop = loop
        self.latency_ms = latency_ms      # () -> int
        self.origin = origin              # loop time of the test's time origin
        self.endpoints = {}
        self.grudge = {}                  # receiver -> set of senders it drops
        self.journal = []                 # (time_ns, "send" | "recv" | "drop", Message)
        self.next_id = 0
        self._seq = 0

    def now_ns(self):
        """Nanoseconds since the test's time origin."""
        return int((self.loop.time() - self.origin) * 1e9)

    def register(self, endpoint_id, deliver):
        """Add an endpoint; `deliver(message)` is called for each message it receives."""
        self.endpoints[endpoint_id] = _Endpoint(endpoint_id, deliver)

    def unregister(self, endpoint_id):
        """Remove an endpoint; messages queued for it are lost."""
        self.endpoints.pop(endpoint_id, None)

    def send(self, src, dest, body):
        """Accept a message (or raise InvalidMessage) and queue it for delivery."""
        if src not in self.endpoints or dest not in self.endpoints:
            unknown = dest if dest not in self.endpoints else src
            raise InvalidMessage(f"{unknown!r} is not a node, service or open client connection")
        message = Message(self.next_id, src, dest, body)
        self.next_id += 1
        delay = 0 if is_client(src) or is_client(dest) else self.latency_ms()
        self.journal.append((self.now_ns(), "send", message))
        endpoint = self.endpoints[dest]
        self._seq += 1
        heapq.heappush(endpoint.queue, (self.loop.time() + delay / 1000, self._seq, message))
        if not endpoint.holding:
            self._take_head(endpoint)
        return message

    def _take_head(self, endpoint):
        # The consumer takes the head; the partition table is consulted now, not at send time.
        while endpoint.queue:
            deadline, _, message = heapq.heappop(endpoint.queue)
            if message.src in self.grudge.get(endpoint.id, ()):
                self.journal.append((self.now_ns(), "drop", message))   # for the pictures
                continue
            endpoint.holding = True
            self.loop.call_at(deadline, self._deliver, endpoint, message)
            return

    def _deliver(self, endpoint, message):
        endpoint.holding = False
        if self.endpoints.get(endpoint.id) is not endpoint:
            return                                    # unregistered meanwhile: lost
        self.journal.append((self.now_ns(), "recv", message))
        endpoint.deliver(message)
        if not endpoint.holding:
            self._take_head(endpoint)

    def partition(self, grudge):
        """Start dropping: `grudge` maps a receiver to the senders it no longer hears."""
        self.grudge = {receiver: set(senders) for receiver, senders in grudge.items()}

    def heal(self):
        """Stop dropping anything."""
        self.grudge = {}

    def stats(self):
        """Send, recv and distinct-message counts for all, client and server traffic (§8)."""
        counts = {c: {"send-count": 0, "recv-count": 0, "msg-count": 0}
                  for c in ("all", "clients", "servers")}
        seen = {"all": set(), "clients": set(), "servers": set()}
        for _, event, message in self.journal:
            if event == "drop":
                continue                    # Maelstrom's :net counts sends and recvs only
            cls = "clients" if is_client(message.src) or is_client(message.dest) else "servers"
            for c in ("all", cls):
                counts[c][event + "-count"] += 1
                seen[c].add(message.id)
        for c in counts:
            counts[c]["msg-count"] = len(seen[c])
        return counts

    def journal_events(self):
        """The journal as dicts, in time order (the shape checkers' explain() reads)."""
        for time_ns, event, m in self.journal:
            yield {"time": time_ns, "event": event, "id": m.id, "src": m.src, "dest": m.dest,
                   "body": m.body}


def parse_node_line(line, node_id):
    """Validate one stdout line from a node as Maelstrom does (§1.7); return (src, dest, body).

    Raises InvalidMessage with a plain explanation of why Maelstrom would stop reading it.
    """
    stripped = line.strip()
    try:
        data = json.loads(stripped)
    except ValueError:
        raise InvalidMessage("this line is not well-formed JSON (was it meant for stderr?)")
    if not isinstance(data, dict):
        raise InvalidMessage("a message must be a JSON object with src, dest and body")
    extra = sorted(set(data) - {"src", "dest", "body", "id"})
    if extra:
        raise InvalidMessage(f"extra top-level key(s) {', '.join(extra)}: only src, dest, body "
                             "(and id) are allowed; put data inside body")
    missing = [k for k in ("src", "dest", "body") if k not in data]
    if missing:
        raise InvalidMessage(f"missing top-level key(s) {', '.join(missing)}")
    if not isinstance(data["src"], str) or not isinstance(data["dest"], str):
        raise InvalidMessage("src and dest must be strings")
    if "id" in data and not (isinstance(data["id"], int) and not isinstance(data["id"], bool)):
        raise InvalidMessage("id must be an integer")
    body = data["body"]
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidMessage("body must be a JSON object")
    return data["src"], data["dest"], body
