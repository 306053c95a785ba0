"""A small library for Maelstrom nodes: the JSON line protocol on one asyncio event loop.

A script creates handlers, one per message type, on a `Node`; the node answers `init`
itself, routes replies to the requests that are waiting for them, turns exceptions into
Maelstrom error replies and never lets bad input or a stray `print` break the protocol.
Everything a node touches from the outside (output, log, clock, randomness) is injected,
so tests drive it with literal lines and the offline bench can host many nodes in one
process on a virtual clock.

Whatever arrives, the work it causes is bounded: a request is answered (with an error
reply if need be) or costs one log line; a reply that cannot be sent becomes a crash
reply, never another attempt at the same; end of input waits at most END_OF_INPUT_GRACE.
"""

import asyncio
import enum
import inspect
import json
import os
import random as _random
import reprlib
import sys
import threading
import time
import traceback

__all__ = ["ErrorCode", "RPCError", "Message", "Node", "run",
           "KV", "LinKV", "SeqKV", "LWWKV", "TSO", "Journal", "run_journal", "journal_dir",
           "sweep_journals"]


# value -> compact JSON text, as JSONEncoder(separators=(",", ":"), allow_nan=False) writes
# it (allow_nan=False because NaN is not JSON and one bad stdout line ends a Maelstrom node).
# Built once, on the C encoder where there is one: JSONEncoder.encode builds a new one per
# call, which costs about twice the encoding of a small body.
_TEMPLATE = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_MARKERS = {}          # the circular-reference check's containers in progress
_C_ENCODE = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    _MARKERS, _TEMPLATE.default, json.encoder.encode_basestring_ascii, None, ":", ",",
    False, False, False)


def _encode(value):
    if _C_ENCODE is None:
        return _TEMPLATE.encode(value)
    try:
        return "".join(_C_ENCODE(value, 0))
    except BaseException:
        _MARKERS.clear()    # an error leaves behind the containers it was inside
        raise


# At end of input, how long handlers still running may take to reply before the node exits.
END_OF_INPUT_GRACE = 5.0
# An input line longer than this is dropped (with a log line) instead of held in memory.
MAX_LINE_BYTES = 64 << 20

# msg_ids of a node's own requests start at MSG_IDS_PER_SECOND x (its clock at start) plus a
# few random ids, and stay below 2**53 (exact in every language's JSON numbers).
MSG_IDS_PER_SECOND = 16_000_000
MSG_ID_LIMIT = 1 << 53

# repr() for log lines and error texts: cuts long strings, deep nesting and big containers.
_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxlevel = 200, 200, 3


def _describe(error):
    """'Type: message' of an exception, cut to a readable length, even if its str() fails."""
    try:
        return f"{type(error).__name__}: {error}"[:500]
    except Exception:
        return type(error).__name__


class ErrorCode(enum.IntEnum):
    """Maelstrom's error codes.

    A definite error promises the request had no effect, so a client may record it as
    failed; an indefinite one (timeout, crash, any unknown code) means it may or may not
    have happened.
    """

    TIMEOUT = 0
    NODE_NOT_FOUND = 1
    NOT_SUPPORTED = 10
    TEMPORARILY_UNAVAILABLE = 11
    MALFORMED_REQUEST = 12
    CRASH = 13
    ABORT = 14
    KEY_DOES_NOT_EXIST = 20
    KEY_ALREADY_EXISTS = 21
    PRECONDITION_FAILED = 22
    TXN_CONFLICT = 30

    @property
    def definite(self):
        """True when the failed request certainly had no effect."""
        return self not in (ErrorCode.TIMEOUT, ErrorCode.CRASH)


class RPCError(Exception):
    """An error reply, received or to be sent: Maelstrom's code and a text."""

    def __init__(self, code, text=""):
        text = text if isinstance(text, str) else "" if text is None else _short.repr(text)
        if not isinstance(code, int) or isinstance(code, bool):
            # Not one of Maelstrom's codes (missing, NaN, a string): a crash, which is
            # indefinite, claims nothing about the request's effect.
            text = f"{text or 'error'} (code {_short.repr(code)} is not an integer)"
            code = ErrorCode.CRASH
        try:
            code = ErrorCode(code)
        except ValueError:
            pass  # a custom code (1000+) stays a plain int, and is indefinite
        self.code, self.text = code, text
        super().__init__(f"{self.name} ({code}): {text}" if text else f"{self.name} ({code})")

    @property
    def name(self):
        """Maelstrom's name for the code, e.g. 'not-supported', or 'unknown'."""
        if isinstance(self.code, ErrorCode):
            return self.code.name.lower().replace("_", "-")
        return "unknown"

    @property
    def definite(self):
        """True when the failed request certainly had no effect."""
        return isinstance(self.code, ErrorCode) and self.code.definite

    def body(self):
        """The error reply body (in_reply_to is added by the reply)."""
        return {"type": "error", "code": int(self.code), "text": self.text or self.name}


class MissingField(RPCError, KeyError):
    """A field the handler read from a request that lacks it: still a KeyError to code that
    catches one (args is the key), and malformed-request (12) to the sender if uncaught."""

    def __init__(self, kind, key):
        super().__init__(ErrorCode.MALFORMED_REQUEST,
                         f"{kind} request has no field {_short.repr(key)}")
        self.args = (key,)


class Body(dict):
    """A request body: reading a field it lacks is the sender's fault, not a crash. (Nested
    objects are plain dicts: a key missing there is a crash, which claims less.)"""

    def __missing__(self, key):
        raise MissingField(self.get("type"), key)


class Message:
    """One envelope: src, dest, body (a dict) and Maelstrom's network id, if any."""

    __slots__ = ("src", "dest", "body", "id")

    def __init__(self, src, dest, body, id=None):
        self.src, self.dest, self.body, self.id = src, dest, body, id

    def __repr__(self):
        return (f"Message(src={_short.repr(self.src)}, dest={_short.repr(self.dest)}, "
                f"body={_short.repr(self.body)})")


# The process's real protocol stdout, once run() has moved fd 1 over to stderr.
_protocol_fd = None


def _protect_stdout():
    """Keep a private copy of stdout for protocol lines; send everything else to stderr."""
    global _protocol_fd
    if _protocol_fd is None:
        _protocol_fd = os.dup(1)
        os.dup2(2, 1)  # C extensions and subprocesses writing to fd 1 land on stderr too
        sys.stdout = sys.stderr
    return _protocol_fd


class Node:
    """A Maelstrom node: handlers by message type, replies, RPCs, timers."""

    def __init__(self, *, write=None, log=None, random=None, first_msg_id=None):
        self.node_id = None
        self.node_ids = []
        self.random = random if random is not None else _random.Random()
        self._write = write if write is not None else self._write_stdout
        self._log = log if log is not None else self._log_stderr
        self._handlers = {}
        self._pending = {}      # msg_id of our request -> callback for its reply
        self._next_msg_id = (first_msg_id if first_msg_id is not None
                             else self._first_msg_id()) - 1
        self._inflight = {}     # handler and callback tasks -> what they serve (for finish)
        self._starters = []     # background coroutine functions, started after init
        self._background = {}   # their tasks -> names
        self._initialized = False
        self._out = []          # protocol lines not yet written (default writer only)

    def _first_msg_id(self):
        """Where this process's request ids begin: never where an earlier process of the
        same node left off, with no memory shared between the two.

        A node restarted after a crash would otherwise number its requests 1, 2, ... again,
        and a reply to its previous life's request 1, still in flight, would be taken for
        the answer to its new request 1. So ids start at the node's clock when it starts
        (the event loop's clock: the machine's monotonic clock, shared by all processes and
        never going back; the virtual clock under the bench), counted in 1/16 µs: a later
        life starts past every id an earlier one used unless that one sent more than 16
        requests per µs of its life. A few random ids on top separate lives that start
        within one tick of a coarse clock. Ids stay below 2**53; the clock wraps there
        after about 17 years without a reboot."""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:      # built before its loop runs: the loop will use this clock
            now = time.monotonic()
        start = int(now * MSG_IDS_PER_SECOND) + self.random.getrandbits(4)
        return start % (MSG_ID_LIMIT - (1 << 32)) + 1

    # ----- registration ------------------------------------------------------------

    def handler(self, fn_or_type):
        """Decorator: handle messages whose type is the function's name (or the given str).

        The handler receives the Message and returns the reply body, or None for no reply.
        An `async def` handler runs as a task; a plain one runs inline.
        """
        if isinstance(fn_or_type, str):
            def register(fn):
                self._handlers[fn_or_type] = fn
                return fn
            return register
        self._handlers[fn_or_type.__name__] = fn_or_type
        return fn_or_type

    def every(self, seconds, fn):
        """Run fn() (sync or async) every `seconds`, from init until the end of input."""
        async def repeat():
            failures = 0
            while True:
                await asyncio.sleep(seconds)
                try:
                    result = fn()
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    failures += 1
                    if failures & (failures - 1) == 0:  # the 1st, 2nd, 4th...: the log stays small
                        self.log(f"periodic task {name} failed (failure {failures}; "
                                 f"logged: 1, 2, 4, 8...):\n{traceback.format_exc()}")
        name = getattr(fn, "__name__", "task")
        repeat.__name__ = name
        self.spawn(repeat)

    def spawn(self, coro_fn):
        """Run the coroutine function coro_fn() as a background task once init has happened."""
        self._starters.append(coro_fn)
        if self._initialized:
            self._start(coro_fn)

    # ----- sending -----------------------------------------------------------------

    def send(self, dest, body):
        """Fire and forget: one message to dest, no msg_id, no reply expected."""
        self._write(_encode({"src": self.node_id, "dest": dest, "body": body}))

    def reply(self, msg, body):
        """Answer msg with body plus in_reply_to (no msg_id of our own)."""
        msg_id = msg.body.get("msg_id")
        if msg_id is None:
            self.log(f"cannot reply to a message without msg_id: {msg!r}")
            return
        src = self.node_id if self.node_id is not None else msg.dest
        self._write(_encode({"src": src, "dest": msg.src,
                             "body": {**body, "in_reply_to": msg_id}}))

    def rpc(self, dest, body, callback):
        """Send a request with a fresh msg_id; callback(reply_msg) runs when its reply arrives."""
        self._next_msg_id += 1
        msg_id = self._next_msg_id
        # Registered before sending: on the bench the reply may be delivered synchronously.
        self._pending[msg_id] = callback
        try:
            self.send(dest, {**body, "msg_id": msg_id})
        except Exception:
            del self._pending[msg_id]
            raise
        return msg_id

    async def call(self, dest, body, timeout=1.0):
        """Send a request and return the reply body.

        Raises RPCError with the reply's code on an error reply, and with code 0 (timeout)
        when no reply comes within `timeout` seconds; a reply arriving later is dropped.
        """
        loop = asyncio.get_running_loop()
        reply = loop.create_future()

        def deliver(msg):
            if not reply.done():
                reply.set_result(msg)

        msg_id = self.rpc(dest, body, deliver)

        def expire():
            if not reply.done():
                reply.set_exception(RPCError(
                    ErrorCode.TIMEOUT, f"no reply from {dest} within {timeout} s"))

        timer = loop.call_later(timeout, expire)
        try:
            msg = await reply  # other handlers run here; shared state may change meanwhile
        finally:
            timer.cancel()
            self._pending.pop(msg_id, None)
        if msg.body.get("type") == "error":
            raise RPCError(msg.body.get("code"), msg.body.get("text") or "")
        return msg.body

    # ----- clock and log -----------------------------------------------------------

    def time(self):
        """Seconds on the running event loop's clock (virtual under the bench)."""
        return asyncio.get_running_loop().time()

    def log(self, text):
        """One line on stderr (or the injected log)."""
        self._log(text)

    # ----- input -------------------------------------------------------------------

    def feed(self, line):
        """Handle one input line; must be called on the running event loop."""
        if not line or line.isspace():
            return
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
            return self.log(f"ignored input that is not JSON ({_describe(error)}): "
                            f"{line[:200]!r}")
        body = raw.get("body") if isinstance(raw, dict) else None
        if not isinstance(body, dict):
            return self.log(f"ignored input that is not an object with an object body: "
                            f"{line[:200]!r}")
        msg = Message(raw.get("src"), raw.get("dest"), body, raw.get("id"))
        if "in_reply_to" in body:
            self._route_reply(msg)
        elif not isinstance(msg.src, str):
            self.log(f"ignored message without a src to answer: {line[:200]!r}")
        else:
            self._dispatch(msg)

    async def finish(self, grace=END_OF_INPUT_GRACE):
        """End of input: give in-flight handlers up to `grace` seconds to reply, then stop
        every task of the node (periodic ones too), logging the requests abandoned."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._inflight and loop.time() < deadline:  # handlers may start callbacks
            await asyncio.wait(list(self._inflight), timeout=deadline - loop.time())
        if self._inflight:
            self.log(f"end of input: abandoned {len(self._inflight)} unfinished after {grace} s:"
                     f" {_short.repr(list(self._inflight.values()))}")
        tasks = [*self._inflight, *self._background]
        self.stop()
        if tasks:  # bounded too: a task may ignore its cancellation
            await asyncio.wait(tasks, timeout=1.0)
        if self._out:
            self._flush()

    def stop(self):
        """Teardown without draining: cancel in-flight and periodic work at once.

        The bench's in-process host calls this where Maelstrom would kill the process.
        """
        for task in (*self._inflight, *self._background):
            task.cancel()

    def run(self):
        """Process entry point: serve stdin/stdout until end of input, then finish."""
        _protect_stdout()
        # Not asyncio.run(): its teardown waits without a bound for tasks to end.
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve_stdin())
        except KeyboardInterrupt:
            pass
        finally:
            if self._out:
                self._flush()
            loop.close()

    # ----- internals ---------------------------------------------------------------

    def _route_reply(self, msg):
        """Give a reply to the request waiting for it; late and duplicate replies are dropped."""
        in_reply_to = msg.body["in_reply_to"]
        if type(in_reply_to) is not int:
            return
        callback = self._pending.pop(in_reply_to, None)
        if callback is None:
            return
        try:
            result = callback(msg)
            if inspect.isawaitable(result):
                name = f"callback for reply to {in_reply_to}"
                self._task(self._guard(result, name), self._inflight, name)
        except Exception:
            self.log(f"callback for reply {msg!r} failed:\n{traceback.format_exc()}")

    def _dispatch(self, msg):
        """Run the handler for a request and answer with its result or its error."""
        msg_id = msg.body.get("msg_id")
        if msg_id is not None and type(msg_id) is not int:
            # Maelstrom's msg_ids are integers, and in_reply_to must echo one: the sender
            # could not match any reply, so the request is not run.
            return self.log(f"ignored request whose msg_id is not an integer: {msg!r}")
        kind = msg.body.get("type")
        try:
            if not isinstance(kind, str):
                raise RPCError(ErrorCode.MALFORMED_REQUEST, "message body has no string type")
            handler = self._init if kind == "init" else self._handlers.get(kind)
            if handler is None:
                raise RPCError(ErrorCode.NOT_SUPPORTED,
                               f"no handler for message type {_short.repr(kind)}")
            msg.body = Body(msg.body)
            result = handler(msg)
            if type(result) is not dict and inspect.isawaitable(result):
                return self._task(self._await_handler(msg, result), self._inflight, msg)
            self._answer(msg, result)
        except Exception as error:
            self._answer(msg, error=error)

    async def _await_handler(self, msg, result):
        try:
            self._answer(msg, await result)
        except Exception as error:
            self._answer(msg, error=error)

    def _answer(self, msg, body=None, error=None):
        """Answer msg with the handler's body or the error it raised (an RPCError as itself,
        anything else a crash) in bounded work: a body that cannot be sent becomes one crash
        reply, and a request without msg_id costs at most a log line."""
        if error is not None:
            if not isinstance(error, RPCError):
                self.log(f"handler for {msg!r} crashed:\n"
                         + "".join(traceback.format_exception(error)))
                error = RPCError(ErrorCode.CRASH, _describe(error))
            body = error.body()
        if body is None:
            return
        if msg.body.get("msg_id") is None:
            if isinstance(body, dict) and body.get("type") == "error":
                self.log(f"{body.get('text')} (no msg_id to reply to): {msg!r}")
            return
        try:
            return self.reply(msg, body)
        except Exception as error:  # not a dict, or not JSON: NaN, a set, circular, too deep
            problem = f"reply {_short.repr(body)} cannot be sent: {_describe(error)}"
        try:
            self.reply(msg, RPCError(ErrorCode.CRASH, problem).body())
        except Exception:  # the envelope itself is not JSON (a dest as src, before init)
            problem += "; nor can a crash reply"
        self.log(f"cannot answer {msg!r}: {problem}")

    def _init(self, msg):
        """Built-in init: learn our id and the cluster, start timers, answer init_ok."""
        node_id, node_ids = msg.body["node_id"], msg.body["node_ids"]
        if not isinstance(node_id, str) or not isinstance(node_ids, list) \
                or not all(isinstance(other, str) for other in node_ids):
            raise RPCError(ErrorCode.MALFORMED_REQUEST,
                           "init needs a string node_id and a list of string node_ids")
        self.node_id, self.node_ids = node_id, node_ids
        if not self._initialized:
            self._initialized = True
            for coro_fn in self._starters:
                self._start(coro_fn)
        return {"type": "init_ok"}

    def _start(self, coro_fn):
        name = getattr(coro_fn, "__name__", "task")
        self._task(self._guard(coro_fn(), name), self._background, name)

    @staticmethod
    def _task(coro, tasks, what):
        """Run coro as a task, listed in `tasks` with `what` it does until it ends."""
        task = asyncio.get_running_loop().create_task(coro)
        tasks[task] = what
        task.add_done_callback(tasks.pop)

    async def _guard(self, awaitable, name):
        try:
            await awaitable
        except Exception:
            self.log(f"{name} failed:\n{traceback.format_exc()}")

    def _log_stderr(self, text):
        try:
            print(text, file=sys.stderr)
        except (OSError, ValueError):  # stderr is closed: there is nowhere left to say it
            pass

    def _write_stdout(self, line):
        """Buffer a protocol line; one write per loop iteration carries the whole batch."""
        self._out.append(line)
        if len(self._out) == 1:
            try:
                asyncio.get_running_loop().call_soon(self._flush)
            except RuntimeError:  # no loop running: nothing would flush later
                self._flush()

    def _flush(self):
        data = memoryview(("\n".join(self._out) + "\n").encode())
        self._out.clear()
        fd = 1 if _protocol_fd is None else _protocol_fd
        try:
            while data:
                data = data[os.write(fd, data):]
        except OSError as error:  # the reader is gone: say so once, then write nothing more
            self.log(f"cannot write to stdout ({error}); dropping all further output")
            self._write = lambda line: None

    async def _serve_stdin(self):
        """Feed stdin to the loop, batch by batch, until end of input; then finish."""
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        # The reader runs at most a few batches ahead of the node: memory stays bounded
        # however fast the input comes.
        room = threading.Semaphore(8)
        reader = threading.Thread(target=self._read_stdin, args=(loop, ended, room),
                                  name="stdin", daemon=True)
        reader.start()
        await ended
        await self.finish()

    def _read_stdin(self, loop, ended, room):
        """Reader thread: os.read works on pipes, regular files and terminals alike
        (the loop's own pipe readers refuse regular files). It only hands whole lines to
        the loop, one batch per chunk, drops lines above MAX_LINE_BYTES and touches no
        node state."""
        def hand(lines):
            room.acquire()
            loop.call_soon_threadsafe(self._feed_bytes, lines, room.release)

        partial, size = [], 0  # the line not yet ended: its chunks, its length so far
        try:
            try:
                while chunk := os.read(0, 1 << 16):
                    cut = chunk.rfind(b"\n") + 1
                    if not cut:
                        size += len(chunk)
                        if size <= MAX_LINE_BYTES:
                            partial.append(chunk)
                        elif partial:
                            partial = []
                            loop.call_soon_threadsafe(self.log, "dropped an input line longer "
                                                      f"than {MAX_LINE_BYTES} bytes")
                        continue
                    lines = chunk[:cut]
                    if size > MAX_LINE_BYTES:  # this chunk ends the dropped line
                        lines = lines[lines.find(b"\n") + 1:]
                    elif partial:
                        lines = b"".join(partial) + lines
                    partial, size = [chunk[cut:]], len(chunk) - cut
                    hand(lines)
            except OSError as error:
                loop.call_soon_threadsafe(self.log, f"stopped reading stdin: {error}")
            if size and size <= MAX_LINE_BYTES:
                hand(b"".join(partial))
            loop.call_soon_threadsafe(ended.set_result, None)
        except RuntimeError:  # the loop has closed (Ctrl-C): nobody is left to take lines
            pass

    def _feed_bytes(self, data, done):
        """Feed a batch of complete lines (bytes) to the node, one by one; then call done()."""
        try:
            # Only "\n" ends a line: JSON strings may hold raw U+2028 and friends.
            lines = data.decode().split("\n")
        except UnicodeDecodeError:
            lines = [line.decode(errors="replace") for line in data.split(b"\n")]
        try:
            for line in lines:
                try:
                    self.feed(line)
                except Exception:  # feed() handles everything; this is a last net
                    self.log(f"input line {line[:200]!r} failed:\n{traceback.format_exc()}")
        finally:
            done()


def run(setup):
    """Process entry point for a script: protect stdout, register handlers, serve stdin."""
    _protect_stdout()
    node = Node()
    setup(node)
    node.run()


class _Service:
    """Client of one Maelstrom service: a reply of the wrong shape (not `<type>_ok`, or
    without the field asked for) raises a crash (13, indefinite) instead of passing on."""

    def __init__(self, node, service, timeout=1.0):
        self.node, self.service, self.timeout = node, service, timeout

    async def _call(self, body, field=None, valid=lambda value: True):
        reply = await self.node.call(self.service, body, self.timeout)
        if reply.get("type") != body["type"] + "_ok" or (
                field is not None and (field not in reply or not valid(reply[field]))):
            raise RPCError(ErrorCode.CRASH, f"{self.service} answered {body['type']} with "
                                            f"{_short.repr(reply)}")
        return reply


class KV(_Service):
    """Client of a Maelstrom key-value service ("lin-kv", "seq-kv" or "lww-kv").

    A missing key is RPCError code 20 (KEY_DOES_NOT_EXIST) unless read() has a default;
    a compare-and-set whose `from_` does not match returns False.
    """

    _RAISE = object()

    async def read(self, key, default=_RAISE):
        """The value under key; `default` if the key is missing and a default was given."""
        try:
            body = await self._call({"type": "read", "key": key}, "value")
        except RPCError as error:
            if error.code == ErrorCode.KEY_DOES_NOT_EXIST and default is not KV._RAISE:
                return default
            raise
        return body["value"]

    async def write(self, key, value):
        """Store value under key (creates the key)."""
        await self._call({"type": "write", "key": key, "value": value})

    async def cas(self, key, from_, to, create=False):
        """Set key to `to` if it holds `from_`; False if it holds something else.

        With create=True a missing key is created holding `to` (lin-kv and seq-kv only;
        lww-kv ignores the flag and answers code 20).
        """
        body = {"type": "cas", "key": key, "from": from_, "to": to}
        if create:
            body["create_if_not_exists"] = True
        try:
            await self._call(body)
        except RPCError as error:
            if error.code == ErrorCode.PRECONDITION_FAILED:
                return False
            raise
        return True


class LinKV(KV):
    """The linearizable key-value service."""

    def __init__(self, node, timeout=1.0):
        super().__init__(node, "lin-kv", timeout)


class SeqKV(KV):
    """The sequentially consistent key-value service (reads may be stale)."""

    def __init__(self, node, timeout=1.0):
        super().__init__(node, "seq-kv", timeout)


class LWWKV(KV):
    """The last-write-wins key-value service (eventually consistent, may lose writes)."""

    def __init__(self, node, timeout=1.0):
        super().__init__(node, "lww-kv", timeout)


class TSO(_Service):
    """Client of the lin-tso timestamp oracle: strictly increasing integers."""

    def __init__(self, node, timeout=1.0):
        super().__init__(node, "lin-tso", timeout)

    async def ts(self):
        """A fresh timestamp."""
        body = await self._call({"type": "ts"}, "ts", lambda ts: type(ts) is int)
        return body["ts"]


# ---- Journals: what a node writes to survive a kill of its process ---------------------------

JOURNAL_MAX_AGE = 86400   # seconds: a journal untouched this long belongs to a run long over
RUN_ID_ATTEMPTS = 10      # lin-kv timeouts in a row before run_journal gives up


class Journal:
    """One JSON record per line, appended to a file that outlives the process."""

    def __init__(self, path):
        self.path = path
        self.file = None
        self.size = 0

    def open(self):
        """Read back every complete record, cut a torn last line, open for appending."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "a+b") as f:
            f.seek(0)
            data = f.read()
            self.size = data.rfind(b"\n") + 1
            if self.size < len(data):
                f.truncate(self.size)     # a write cut short by a kill: never acknowledged
        self.file = open(self.path, "ab", buffering=0)
        return [json.loads(line) for line in data[:self.size].splitlines()]

    def write(self, record):
        """Append one record. Once this returns, killing the process cannot lose it: the
        operating system holds the bytes (a machine crash would need fsync)."""
        line = memoryview((_encode(record) + "\n").encode())
        try:
            while line:
                line = line[self.file.write(line):]
        except OSError as error:
            self.file.truncate(self.size)   # no torn line for the next record to follow
            raise RPCError(ErrorCode.CRASH, f"journal {self.path}: {error}") from None
        self.size = self.file.tell()


def journal_dir():
    """Where journals go by default: "glomers-journals" in the temp directory (TMPDIR)."""
    import tempfile      # only for nodes that keep journals
    return os.path.join(tempfile.gettempdir(), "glomers-journals")


async def run_journal(node, name, directory=None):
    """This node's Journal for this run, named "<directory>/glomers-<name>-<run id>-<node
    id>.jsonl" (directory: journal_dir() when None); not yet opened.

    A node cannot tell by itself whether it starts a run or restarts in one, and a file an
    earlier run left must never be taken for this one's. lin-kv can tell: its state lives
    exactly as long as the run. The first node to ask creates the key "<name>-run" holding 64
    random bits from the operating system (a seeded stream could repeat across runs); every
    later life reads it. Raises RPCError when lin-kv does not answer RUN_ID_ATTEMPTS times
    in a row (no Maelstrom around: better to refuse requests than to hang).

    Nothing can delete the files when a run ends (Maelstrom kills its nodes), so this also
    deletes this name's journals untouched for JOURNAL_MAX_AGE seconds."""
    directory = directory or journal_dir()
    run = await _run_id(node, f"{name}-run")
    sweep_journals(directory, f"glomers-{name}-")
    return Journal(os.path.join(directory, f"glomers-{name}-{run}-{node.node_id}.jsonl"))


async def _run_id(node, key):
    kv = LinKV(node)
    mine = os.urandom(8).hex()
    for _ in range(RUN_ID_ATTEMPTS):
        try:
            if await kv.cas(key, None, mine, create=True):
                return mine
            found = await kv.read(key, default=None)
            if found is not None:
                return found
        except RPCError as error:
            if error.definite:
                raise
    raise RPCError(ErrorCode.TIMEOUT, f"lin-kv did not answer {RUN_ID_ATTEMPTS} times")


def sweep_journals(directory, prefix):
    """Remove the journals named `prefix`... untouched for JOURNAL_MAX_AGE seconds (a run's
    own journals are written to while it lasts). Housekeeping: never raises."""
    cutoff = time.time() - JOURNAL_MAX_AGE
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(".jsonl"):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.remove(entry.path)
            except OSError:
                pass    # another node removed it first
