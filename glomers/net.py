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
  beyond Maelstrom, also a drop when the consumer discards a message for a partition;
- a killed node stays registered (faults.md §4.1): sends to it succeed and wait in its
  queue, which nothing consumes (`hold`); its restart gets a fresh, empty queue (`reopen`),
  so what waited is never delivered and has no recv event.
"""

import contextvars
import heapq
import json
import math

from .compact_json import compact_encoder

_encode = compact_encoder()
_encode_strict = compact_encoder(allow_nan=False)
_string = json.encoder.encode_basestring_ascii   # a str as the encoders above write it
_ENVELOPE = frozenset({"src", "dest", "body", "id"})
DUE_AT_ONCE = 256        # real time: most messages one receiver gets back to back


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
    """One message in flight: Maelstrom's record of id, src, dest and body.

    A body is never changed once sent, so the JSON text of the message is made once
    (`journal_tail`) and serves the journal's send and recv events and the line a node
    reads."""

    __slots__ = ("id", "src", "dest", "body", "traffic", "_tail")

    def __init__(self, id, src, dest, body, traffic="servers"):
        self.id, self.src, self.dest, self.body = id, src, dest, body
        self.traffic = traffic        # "clients" or "servers", the class :net counts it in
        self._tail = None

    def journal_tail(self):
        """`,"id":…,"src":…,"dest":…,"body":…}`: the message's JSON after the journal's
        time and event, compact, as the bench's JSON encoders write it. Raises ValueError
        for a body holding NaN or Infinity and TypeError for fields of the wrong type (no
        message parsed from a node has either: callers then encode it their own way)."""
        tail = self._tail
        if tail is None:
            if type(self.id) is not int or type(self.src) is not str \
                    or type(self.dest) is not str:
                raise TypeError("a message field of an unexpected type")
            tail = self._tail = (f',"id":{int.__repr__(self.id)},"src":{_string(self.src)},'
                                 f'"dest":{_string(self.dest)},"body":'
                                 f'{_encode_strict(self.body)}}}')
        return tail

    def line(self):
        """The JSON line a node receives on stdin, keys in Maelstrom's order."""
        try:
            return "{" + self.journal_tail()[1:]
        except (TypeError, ValueError):
            return _encode({"id": self.id, "src": self.src, "dest": self.dest,
                            "body": self.body})


class _Endpoint:
    """An inbound queue with its single consumer."""

    __slots__ = ("id", "deliver", "queue", "holding", "down")

    def __init__(self, id, deliver):
        self.id, self.deliver = id, deliver
        self.queue = []          # heap of (deadline, seq, message)
        self.holding = False     # the consumer has taken a message and waits for its deadline
        self.down = False        # a killed node: the consumer takes nothing more


class Network:
    """Routes messages between endpoints on one asyncio loop.

    `record(time_ns, "send" | "recv" | "drop", message)` receives every journal event as it happens
    (the bench streams them to journal.jsonl, so memory does not grow with the message
    count); without it the events are kept in `journal`."""

    def __init__(self, loop, latency_ms, origin, record=None, deliver_due_at_once=False):
        self.loop = loop
        # Real time: after a delivery, messages already due go at once, one after another,
        # as Maelstrom's consumer thread delivers them, instead of one per loop step (which
        # capped a flood). Virtual time keeps one per step: the order its seeds replay.
        self.deliver_due_at_once = deliver_due_at_once
        self.latency_ms = latency_ms      # () -> int
        self.origin = origin              # loop time of the test's time origin
        self.endpoints = {}
        self.grudge = {}                  # receiver -> set of senders it drops
        self.journal = []       # (time_ns, "send" | "recv" | "drop", Message) without record
        self._record = record or (lambda t, event, m: self.journal.append((t, event, m)))
        # [send-count, recv-count] per class of traffic (spec §8)
        self.counts = {"clients": [0, 0], "servers": [0, 0]}
        self.next_id = 0
        self._seq = 0
        self.halted = False

    def now_ns(self):
        """Nanoseconds since the test's time origin."""
        return int((self.loop.time() - self.origin) * 1e9)

    def register(self, endpoint_id, deliver):
        """Add an endpoint; `deliver(message)` is called for each message it receives."""
        self.endpoints[endpoint_id] = _Endpoint(endpoint_id, deliver)

    def unregister(self, endpoint_id):
        """Remove an endpoint; messages queued for it are lost."""
        self.endpoints.pop(endpoint_id, None)

    def hold(self, endpoint_id):
        """A node was killed: its queue stays, so sends to it succeed and wait, but the
        consumer takes nothing more; a message it had already taken is lost at its deadline
        (as a line written into a dead process's stdin is)."""
        self.endpoints[endpoint_id].down = True

    def reopen(self, endpoint_id):
        """A killed node restarts: it gets a fresh, empty queue. The messages that waited in
        the old one are dropped (no recv event); returns how many there were."""
        old = self.endpoints[endpoint_id]
        self.endpoints[endpoint_id] = _Endpoint(endpoint_id, old.deliver)
        return len(old.queue)

    def send(self, src, dest, body):
        """Accept a message (or raise InvalidMessage) and queue it for delivery."""
        endpoints = self.endpoints
        endpoint = endpoints.get(dest)
        if endpoint is None or src not in endpoints:
            unknown = dest if endpoint is None else src
            raise InvalidMessage(f"{unknown!r} is not a node, service or open client connection")
        if is_client(src) or is_client(dest):
            message = Message(self.next_id, src, dest, body, "clients")
            counts = self.counts["clients"]
            delay = 0
        else:
            message = Message(self.next_id, src, dest, body, "servers")
            counts = self.counts["servers"]
            delay = self.latency_ms()
        self.next_id += 1
        counts[0] += 1
        now = self.loop.time()
        self._record(int((now - self.origin) * 1e9), "send", message)
        self._seq += 1
        if not endpoint.holding and not endpoint.queue and not endpoint.down:
            # The consumer is idle: it takes this message at once (what _take_head does
            # with a queue of one).
            if src in self.grudge.get(dest, ()):
                self._record(int((now - self.origin) * 1e9), "drop", message)
            else:
                endpoint.holding = True
                self.loop.call_at(now + delay / 1000, self._deliver, endpoint, message,
                                  context=contextvars.Context())
            return message
        heapq.heappush(endpoint.queue, (now + delay / 1000, self._seq, message))
        if not endpoint.holding:
            self._take_head(endpoint)
        return message

    def _take_head(self, endpoint):
        # The consumer takes the head; the partition table is consulted now, not at send time.
        while endpoint.queue and not endpoint.down:
            deadline, _, message = heapq.heappop(endpoint.queue)
            if message.src in self.grudge.get(endpoint.id, ()):
                self._record(self.now_ns(), "drop", message)   # for the pictures, not :net
                continue
            endpoint.holding = True
            # A fresh context: the delivery is the bench's work, even when node code sent it.
            self.loop.call_at(deadline, self._deliver, endpoint, message,
                              context=contextvars.Context())
            return

    def _deliver(self, endpoint, message):
        endpoint.holding = False
        if self.halted or endpoint.down or self.endpoints.get(endpoint.id) is not endpoint:
            return                           # unregistered or killed meanwhile: lost
        self.counts[message.traffic][1] += 1
        self._record(int((self.loop.time() - self.origin) * 1e9), "recv", message)
        endpoint.deliver(message)
        if self.deliver_due_at_once:
            self._deliver_due(endpoint)
        if not endpoint.holding and endpoint.queue:
            self._take_head(endpoint)

    def _deliver_due(self, endpoint):
        """Deliver, one after another, the head messages whose deadline has passed (at most
        DUE_AT_ONCE, so one busy receiver cannot hold up the loop); the partition table is
        consulted for each as the consumer takes it."""
        queue = endpoint.queue
        for _ in range(DUE_AT_ONCE):
            if not queue or endpoint.holding or self.halted or endpoint.down \
                    or self.endpoints.get(endpoint.id) is not endpoint:
                return
            now = self.loop.time()
            if queue[0][0] > now:
                return
            _, _, message = heapq.heappop(queue)
            if message.src in self.grudge.get(endpoint.id, ()):
                self._record(self.now_ns(), "drop", message)
                continue
            self.counts[message.traffic][1] += 1
            self._record(int((now - self.origin) * 1e9), "recv", message)
            endpoint.deliver(message)

    def halt(self):
        """Deliver nothing more (the run is being abandoned)."""
        self.halted = True

    def partition(self, grudge):
        """Start dropping: `grudge` maps a receiver to the senders it no longer hears."""
        self.grudge = {receiver: set(senders) for receiver, senders in grudge.items()}

    def heal(self):
        """Stop dropping anything."""
        self.grudge = {}

    def stats(self):
        """Send, recv and distinct-message counts for all, client and server traffic (§8).
        Every message is journaled once when sent, so its distinct count is the send count."""
        counts = {c: {"send-count": sent, "recv-count": received, "msg-count": sent}
                  for c, (sent, received) in self.counts.items()}
        counts["all"] = {k: counts["clients"][k] + counts["servers"][k]
                         for k in ("send-count", "recv-count", "msg-count")}
        return {c: counts[c] for c in ("all", "clients", "servers")}

    def journal_events(self):
        """The kept journal as dicts, in time order (the shape checkers' explain() reads)."""
        for time_ns, event, m in self.journal:
            yield journal_event(time_ns, event, m)


def journal_event(time_ns, event, message):
    """One journal event as a dict, as journal.jsonl holds it."""
    return {"time": time_ns, "event": event, "id": message.id, "src": message.src,
            "dest": message.dest, "body": message.body}


class _NotANumber(ValueError):
    """A number JSON cannot carry (NaN, Infinity) or no 64-bit float can hold (1e400)."""


def _refuse_constant(name):
    raise _NotANumber(f"{name} is not a JSON number (Python's json module writes it, but "
                      "Maelstrom's JSON parser refuses it; encode with allow_nan=False)")


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise _NotANumber(f"the number {text[:40]} does not fit a 64-bit float (the bench "
                          "refuses it rather than turn it into Infinity)")
    return value


def parse_node_line(line, node_id):
    """Validate one stdout line from a node as Maelstrom does (§1.7); return (src, dest, body).

    Raises InvalidMessage with a plain explanation of why Maelstrom would stop reading it.
    """
    stripped = line.strip()
    try:
        data = _decoder.decode(stripped)
    except RecursionError:
        raise InvalidMessage("this line nests JSON deeper than the bench can read") from None
    except _NotANumber as error:
        raise InvalidMessage(f"this line is not valid JSON for Maelstrom: {error}") from None
    except ValueError as error:
        if not isinstance(error, json.JSONDecodeError):    # e.g. an integer of 5,000 digits
            raise InvalidMessage(f"this line cannot be read: {error}") from None
        raise InvalidMessage("this line is not well-formed JSON (was it meant for "
                             "stderr?)") from None
    if not isinstance(data, dict):
        raise InvalidMessage("a message must be a JSON object with src, dest and body")
    if not data.keys() <= _ENVELOPE:
        extra = sorted(set(data) - _ENVELOPE)
        raise InvalidMessage(f"extra top-level key(s) {', '.join(extra)}: only src, dest, body "
                             "(and id) are allowed; put data inside body")
    if len(data) < 3 or ("id" in data and len(data) < 4):
        missing = [k for k in ("src", "dest", "body") if k not in data]
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


# Built once: json.loads with options would build a decoder per line.
_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
