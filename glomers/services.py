"""Maelstrom's built-in services (lin-kv, seq-kv, lww-kv, lin-tso) as seeded state machines.

The network core hands each request that reaches a service to `Service.handle(src, body)` and
sends back what it returns, adding `in_reply_to` itself. Behaviour follows what Maelstrom's
code does, which is weaker than its documentation in two places (spec §9):

- seq-kv keeps the last 32 states and answers from a random state between the caller's last
  position and the newest one, so reads are stale but never go backwards for one caller;
- lww-kv keeps 2 replicas that never converge, and its cas ignores create_if_not_exists.

Keys and values are compared with Clojure equality (`values.clj_key`): `1`, `1.0`, `true` and
`"1"` are four different keys. A request whose type the service does not know gets no reply
at all (Maelstrom's service thread throws); the service notes why in `problems`.
"""

import collections
import json
import random

from glomers import edn
from glomers.compact_json import compact_encoder
from glomers.values import clj_key

KEY_DOES_NOT_EXIST = 20
PRECONDITION_FAILED = 22

SEQ_KV_WINDOW = 32
LWW_KV_REPLICAS = 2

_MISSING_KEY = {"type": "error", "code": KEY_DOES_NOT_EXIST, "text": "key does not exist"}


def _edn_map_keys(value):
    """The value with every JSON object turned into an edn.StringMap, so its keys print as strings."""
    if isinstance(value, dict):
        return edn.StringMap((k, _edn_map_keys(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_edn_map_keys(item) for item in value]
    return value


def pr_str(value):
    """A JSON value printed as Clojure's pr-str prints it: `5`, `"a"`, `nil`, `[1 2]`, `{"k" 1}`."""
    return edn.dumps(_edn_map_keys(value), width=None)


def _clj_str(value):
    """A JSON value printed as Clojure's str prints it: like pr_str, but a bare string is
    unquoted and nil is empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return pr_str(value)


def _truthy(value):
    """Clojure truthiness: everything except nil and false, so `0` and `""` count as true."""
    return value is not None and value is not False


_text = compact_encoder(allow_nan=False)


def _same(a, b):
    """Clojure equality of two values decoded from a message's JSON, mostly without keying
    them (a compare-and-set of a long list would key it three times). For such values
    (lists, never tuples; no NaN) Python's `==` is looser than Clojure's (`1 == 1.0 ==
    True`) and never stricter, so unequal in Python is unequal; equal in Python and
    written alike in JSON is the same value. Only the rest (`1` against `1.0`, a map in
    another key order) is compared by key."""
    if a != b:
        return False
    if _text(a) == _text(b):
        return True
    return clj_key(a) == clj_key(b)


def _mismatch(current, expected_text):
    """The code-22 error body for a cas whose `from` differs from the stored value."""
    text = f"current value {pr_str(current)} is not {expected_text}"
    return {"type": "error", "code": PRECONDITION_FAILED, "text": text}


# A KV state is a dict clj_key(key) -> (key, value). States are never mutated: a step returns
# a new dict when the request changes the store and the very same object when it does not
# (seq-kv relies on that to tell reads and no-op writes from real changes).

def kv_step(state, body):
    """Apply one read/write/cas request to a KV state; return (state after, reply body)."""
    kind = body["type"]
    key = body.get("key")
    slot = clj_key(key)
    if kind == "read":
        if slot not in state:
            return state, dict(_MISSING_KEY)
        return state, {"type": "read_ok", "value": state[slot][1]}
    if kind == "write":
        return _kv_put(state, slot, key, body.get("value")), {"type": "write_ok"}
    if kind != "cas":
        raise ValueError(f"a KV store has no request type {kind!r}")
    # cas: a missing key is created only when create_if_not_exists is truthy, whatever `from` is.
    if slot not in state:
        if _truthy(body.get("create_if_not_exists")):
            return _kv_put(state, slot, key, body.get("to")), {"type": "cas_ok"}
        return state, dict(_MISSING_KEY)
    current = state[slot][1]
    if not _same(current, body.get("from")):
        return state, _mismatch(current, pr_str(body.get("from")))
    return _kv_put(state, slot, key, body.get("to")), {"type": "cas_ok"}


def _kv_put(state, slot, key, value):
    """State with key set to value; the same object if the key already held an equal value."""
    if slot in state and _same(state[slot][1], value):
        return state
    changed = dict(state)
    changed[slot] = (key, value)
    return changed


# An lww-kv replica is a pair (clock, entries): a Lamport clock and a dict
# clj_key(key) -> (timestamp, key, value). Like KV states, replicas are never mutated.

def lww_step(replica, body):
    """Apply one read/write/cas request to an lww-kv replica; return (replica after, reply body)."""
    entries = replica[1]
    kind = body["type"]
    key = body.get("key")
    slot = clj_key(key)
    if kind == "read":
        if slot not in entries:
            return replica, dict(_MISSING_KEY)
        return replica, {"type": "read_ok", "value": entries[slot][2]}
    if kind == "write":
        return _lww_put(replica, slot, key, body.get("value")), {"type": "write_ok"}
    if kind != "cas":
        raise ValueError(f"lww-kv has no request type {kind!r}")
    # lww-kv's cas has no create_if_not_exists, and prints `from` with str, not pr-str.
    if slot not in entries:
        return replica, dict(_MISSING_KEY)
    current = entries[slot][2]
    if not _same(current, body.get("from")):
        return replica, _mismatch(current, _clj_str(body.get("from")))
    return _lww_put(replica, slot, key, body.get("to")), {"type": "cas_ok"}


def _lww_put(replica, slot, key, value):
    """Replica with the value stored under the current clock, and the clock ticked."""
    clock, entries = replica
    changed = dict(entries)
    changed[slot] = (clock, key, value)
    return clock + 1, changed


class Service:
    """A service endpoint: `handle` returns the reply body, or None when Maelstrom would not reply."""

    request_types = ()

    def __init__(self, name, rng):
        self.name = name
        self.rng = rng
        self.problems = []  # one line per request that got no reply, for the bench's log

    def handle(self, src, body):
        """Serve one request from `src`; the reply body without in_reply_to, or None."""
        body = {} if body is None else body
        kind = body.get("type")
        if not isinstance(kind, str) or kind not in self.request_types:
            what = "with no type" if kind is None else f"of type {json.dumps(kind)}"
            known = ", ".join(self.request_types)
            self.problems.append(
                f"{self.name} ignored a request {what} from {src} (it only answers {known}); "
                f"the sender gets no reply and will time out")
            return None
        return self.serve(src, body)

    def serve(self, src, body):
        """Answer a request whose type this service knows."""
        raise NotImplementedError


class LinKV(Service):
    """lin-kv: one map, every request applied to the newest state in arrival order."""

    request_types = ("read", "write", "cas")

    def __init__(self, name, rng):
        super().__init__(name, rng)
        self.state = {}

    def serve(self, src, body):
        self.state, reply = kv_step(self.state, body)
        return reply


class SeqKV(Service):
    """seq-kv: sequentially consistent, answering from a random recent state (spec §9.4)."""

    request_types = ("read", "write", "cas")

    def __init__(self, name, rng):
        super().__init__(name, rng)
        # states[-1] is the newest state, whose logical index is `newest`; the deque keeps
        # the last SEQ_KV_WINDOW states, so states[-1 - k] has logical index newest - k.
        self.states = collections.deque([{}], maxlen=SEQ_KV_WINDOW)
        self.newest = 0
        self.positions = {}  # sender id -> logical index of the last state it was served from

    def state_at(self, index):
        """The state Maelstrom's ring buffer returns for a logical index.

        Within the window that is the state itself. An index that fell out of the window wraps
        around the ring and lands on a newer state: newest - ((newest - index) mod length).
        """
        back = (self.newest - index) % len(self.states)
        return self.states[-1 - back]

    def serve(self, src, body):
        position = self.positions.get(src, 0)
        index = self.rng.randint(position, self.newest)
        stale = self.state_at(index)
        after, reply = kv_step(stale, body)
        if after is stale:
            # Reads, failed cas and writes of a value already there leave the state equal, so
            # answering from the old state cannot break the total order: the reply stands.
            self.positions[src] = index
            return reply
        # A change must not be made in the past: re-run on the newest state and append the
        # result, even if the re-run now fails (a cas that succeeded on the old state).
        after, reply = kv_step(self.states[-1], body)
        self.states.append(after)
        self.newest += 1
        self.positions[src] = self.newest
        return reply


class LwwKV(Service):
    """lww-kv: two replicas that never converge; each request goes to a random one (§9.5)."""

    request_types = ("read", "write", "cas")

    def __init__(self, name, rng):
        super().__init__(name, rng)
        self.replicas = [(0, {}) for _ in range(LWW_KV_REPLICAS)]

    def serve(self, src, body):
        # Maelstrom picks a random source and destination and merges one replica into the
        # other, but then rebuilds the replica list from the unmerged copy, so the merge has
        # no effect. Only its two random draws remain; they are kept to draw the same stream.
        self.rng.randrange(len(self.replicas))
        self.rng.randrange(len(self.replicas))
        chosen = self.rng.randrange(len(self.replicas))
        self.replicas[chosen], reply = lww_step(self.replicas[chosen], body)
        return reply


class LinTSO(Service):
    """lin-tso: hands out 0, 1, 2, ... one number per `ts` request."""

    request_types = ("ts",)

    def __init__(self, name, rng):
        super().__init__(name, rng)
        self.next_ts = 0

    def serve(self, src, body):
        ts = self.next_ts
        self.next_ts += 1
        return {"type": "ts_ok", "ts": ts}


SERVICE_CLASSES = {"lin-kv": LinKV, "lin-tso": LinTSO, "lww-kv": LwwKV, "seq-kv": SeqKV}


def make_services(rng):
    """The four services every Maelstrom test starts, each with its own stream from `rng`."""
    return {name: cls(name, random.Random(rng.getrandbits(64)))
            for name, cls in sorted(SERVICE_CLASSES.items())}
