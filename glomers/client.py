"""Client connections and how a reply becomes an op completion (spec §1.5, §1.6).

A `Connection` is one Maelstrom client id `cK` bound to a node: it numbers its requests
1, 2, 3, ..., waits for the reply whose in_reply_to matches (discarding anything else), and
raises `Timeout`, `ErrorReply` or `MalformedReply`. `complete` maps those outcomes to
Maelstrom's :ok / :fail / :info rules.
"""

import asyncio

from .edn import Keyword as K
from .values import is_json_int

ERROR_NAMES = {0: "timeout", 1: "node-not-found", 10: "not-supported",
               11: "temporarily-unavailable", 12: "malformed-request", 13: "crash",
               14: "abort", 20: "key-does-not-exist", 21: "key-already-exists",
               22: "precondition-failed", 30: "txn-conflict"}
DEFINITE = {1, 10, 11, 12, 14, 20, 21, 22, 30}
DEFAULT_TIMEOUT = 5.0


class Timeout(Exception):
    """No matching reply before the deadline."""


class ErrorReply(Exception):
    """The node answered with an error body."""

    def __init__(self, body):
        code = body.get("code")
        self.body = body
        self.code = code
        self.name = ERROR_NAMES.get(code, "unknown") if is_json_int(code) else "unknown"
        self.definite = code in DEFINITE if is_json_int(code) else False
        self.text = body.get("text")
        super().__init__(f"error {code} ({self.name}): {self.text}")


class MalformedReply(Exception):
    """The reply does not match the workload's reply schema."""


ANY = object()


def json_int(value):
    return is_json_int(value)


def list_of(check):
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


_IMPLIED = frozenset({"type", "in_reply_to", "msg_id"})


def validate(body, type_name, fields):
    """Check a reply body against a closed schema; raise MalformedReply naming the problem.

    `fields` maps each required key to ANY or a predicate. `type`, `in_reply_to` (integer)
    and an optional integer `msg_id` are implied; any other key is rejected, as Maelstrom does.
    """
    if body.get("type") != type_name:
        raise MalformedReply(f"expected type {type_name!r}, got {body.get('type')!r}")
    for key, check in fields.items():
        if key not in body:
            raise MalformedReply(f"missing key {key!r}")
        if check is not ANY and not check(body[key]):
            raise MalformedReply(f"key {key!r} has the wrong type: {body[key]!r}")
    if not is_json_int(body.get("in_reply_to")):
        raise MalformedReply("in_reply_to must be an integer")
    if "msg_id" in body and not is_json_int(body["msg_id"]):
        raise MalformedReply("msg_id, when present, must be an integer")
    for key in body:            # a plain loop, not any(): every reply passes through here
        if key not in fields and key not in _IMPLIED:
            extra = sorted(set(body) - set(fields) - _IMPLIED)
            raise MalformedReply(f"unexpected key(s) {', '.join(map(repr, extra))}: "
                                 f"Maelstrom's reply schema for {type_name} is closed")


def _expire(future, node_id, timeout):
    if not future.done():
        future.set_exception(Timeout(f"no reply from {node_id} within {timeout:g} s"))


class Connection:
    """One client connection `cK` to a node."""

    def __init__(self, net, client_id, node_id, on_stray=None):
        self.net = net
        self.id = client_id
        self.node_id = node_id
        self.on_stray = on_stray    # told of each message no request was waiting for
        self.next_msg_id = 1
        self._waiting = None    # (msg_id, future)
        self.last_request = None
        net.register(client_id, self._receive)

    def _receive(self, message):
        waiting = self._waiting
        body = message.body
        if waiting and body.get("in_reply_to") == waiting[0] \
                and is_json_int(body.get("in_reply_to")) and not waiting[1].done():
            waiting[1].set_result(body)
        elif self.on_stray is not None:
            # stale, duplicate or unsolicited: Maelstrom discards it silently; we say so
            self.on_stray(self, message, waiting[0] if waiting else None)

    async def rpc(self, body, timeout=DEFAULT_TIMEOUT):
        """Send a request to the node; return the reply body or raise Timeout / ErrorReply."""
        msg_id = self.next_msg_id
        self.next_msg_id += 1
        request = {**body, "msg_id": msg_id}
        self.last_request = request
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting = (msg_id, future)
        # A plain timer rather than asyncio.wait_for: this is the bench's hottest path.
        timer = loop.call_later(timeout, _expire, future, self.node_id, timeout)
        self.net.send(self.id, self.node_id, request)
        try:
            reply = await future
        finally:
            timer.cancel()
            self._waiting = None
        if reply.get("type") == "error":
            raise ErrorReply(reply)
        return reply

    def close(self):
        self.net.unregister(self.id)


def exception_map(error):
    """Maelstrom's datafied exception for an op that failed by exception."""
    return {"via": [{"type": K("clojure.lang.ExceptionInfo" if not isinstance(error, MalformedReply)
                               else "java.lang.IllegalArgumentException"),
                     "message": str(error)}],
            "cause": str(error)}


def complete(op, error, idempotent, errors_as_exceptions=False):
    """The completion of `op` after `error` (Timeout / ErrorReply / MalformedReply / other)."""
    done = {**op}
    if errors_as_exceptions or not isinstance(error, (Timeout, ErrorReply)):
        message = "Client read timeout" if isinstance(error, Timeout) else str(error)
        done.update(type=K("info"), exception=exception_map(error),
                    error=f"indeterminate: {message}")
        return done
    if isinstance(error, Timeout):
        done.update(type=K("fail") if op["f"] in idempotent else K("info"),
                    error=K("net-timeout"))
        return done
    definite = error.definite or op["f"] in idempotent
    done.update(type=K("fail") if definite else K("info"), error=[K(error.name), error.text])
    return done
