"""maelstrom_node under hostile input and hostile handlers: every case ends in bounded work,
with an error reply where a reply is possible and one log line otherwise.

Literal JSON lines in, literal lines out (write and log injected), plus a few real
processes for what only a process has: end of input, a closed stdout, over-long lines.
"""

import asyncio
import functools
import json
import os
import subprocess
import sys

import pytest

from maelstrom_node import TSO, ErrorCode, LinKV, Node, RPCError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT}

INIT = ('{"id":0,"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1",'
        '"node_ids":["n0","n1"],"msg_id":1}}')
INIT_OK = '{"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}'


class Harness:
    """A node with collected output and log lines, initialised unless told otherwise."""

    def __init__(self, init=True):
        self.out, self.logs = [], []
        self.node = Node(write=self.out.append, log=self.logs.append, first_msg_id=1)
        if init:
            self.node.feed(INIT)
            assert self.out == [INIT_OK]
            self.out.clear()

    def handle(self, kind, fn):
        self.node.handler(kind)(fn)

    def feed(self, *lines):
        for line in lines:
            self.node.feed(line)

    def take(self):
        """Output and log lines since the last take."""
        taken = (list(self.out), list(self.logs))
        self.out.clear()
        self.logs.clear()
        return taken


def scenario(fn):
    """Run an async test body on a fresh event loop."""
    @functools.wraps(fn)
    def test(*args, **kwargs):
        asyncio.run(fn(*args, **kwargs))
    return test


def request(body_json, msg_id=2):
    return '{"src":"c1","dest":"n1","body":{%s,"msg_id":%s}}' % (body_json, msg_id)


def reply_to_node(src, body_json):
    """A reply from src to our first request (msg_id 1)."""
    return '{"src":"%s","dest":"n1","body":{%s,"in_reply_to":1}}' % (src, body_json)


def error_line(code, text, in_reply_to=2):
    return json.dumps({"src": "n1", "dest": "c1", "body": {
        "type": "error", "code": code, "text": text, "in_reply_to": in_reply_to}},
        separators=(",", ":"))


# ----- msg_id that no reply could carry -------------------------------------------------

@pytest.mark.parametrize("msg_id", ["NaN", "Infinity", "-Infinity", "1e400", "1.5", "2.0",
                                    '"2"', "true", "[2]", '{"a":2}'])
@scenario
async def test_a_request_whose_msg_id_is_not_an_integer_costs_one_log_line(msg_id):
    h = Harness()
    ran = []
    h.handle("echo", lambda msg: ran.append(1) or {"type": "echo_ok", "echo": msg.body["echo"]})
    h.feed(request('"type":"echo","echo":"x"', msg_id))
    out, logs = h.take()
    assert out == [] and ran == []
    assert len(logs) == 1 and "msg_id is not an integer" in logs[0]
    h.feed(request('"type":"echo","echo":"after"', 3))
    assert h.take() == (['{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":"after",'
                         '"in_reply_to":3}}'], [])


@scenario
async def test_a_huge_integer_msg_id_is_echoed_exactly():
    h = Harness()
    h.handle("echo", lambda msg: {"type": "echo_ok", "echo": msg.body["echo"]})
    big = "1" + "0" * 300
    h.feed(request('"type":"echo","echo":"x"', big))
    assert h.take() == (['{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":"x",'
                         '"in_reply_to":%s}}' % big], [])


# ----- a reply that cannot be sent ------------------------------------------------------

def circular():
    body = {"type": "x_ok"}
    body["self"] = body
    return body


def deep():
    body = []
    for _ in range(100_000):
        body = [body]
    return {"type": "x_ok", "v": body}


UNSENDABLE = {
    "a set": lambda: {"type": "x_ok", "v": {1, 2}},
    "NaN": lambda: {"type": "x_ok", "v": float("nan")},
    "infinity": lambda: {"type": "x_ok", "v": float("inf")},
    "an object": lambda: {"type": "x_ok", "v": object()},
    "a tuple key": lambda: {"type": "x_ok", (1, 2): 3},
    "circular": circular,
    "nested too deep": deep,
    "a string": lambda: "x_ok",
    "a list": lambda: [{"type": "x_ok"}],
    "an int": lambda: 7,
}


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("kind", sorted(UNSENDABLE))
@scenario
async def test_a_body_that_cannot_be_sent_becomes_one_crash_reply_and_one_log_line(
        kind, is_async):
    h = Harness()
    make = UNSENDABLE[kind]
    if is_async:
        async def x(msg):
            await asyncio.sleep(0)
            return make()
    else:
        def x(msg):
            return make()
    h.handle("x", x)
    h.feed(request('"type":"x"', 6))
    await h.node.finish()
    out, logs = h.take()
    [reply] = [json.loads(line) for line in out]
    assert reply["dest"] == "c1" and set(reply["body"]) == {"type", "code", "text",
                                                            "in_reply_to"}
    assert reply["body"]["code"] == 13 and reply["body"]["in_reply_to"] == 6
    assert "cannot be sent" in reply["body"]["text"] and len(reply["body"]["text"]) < 1000
    assert len(logs) == 1 and "cannot answer" in logs[0] and len(logs[0]) < 2000


@scenario
async def test_when_not_even_a_crash_reply_can_be_sent_one_log_line_says_so():
    h = Harness(init=False)  # before init the reply's src is the request's dest: NaN here
    h.handle("echo", lambda msg: {"type": "echo_ok", "echo": msg.body["echo"]})
    h.feed('{"src":"c1","dest":NaN,"body":{"type":"echo","echo":"x","msg_id":2}}')
    out, logs = h.take()
    assert out == []
    assert len(logs) == 1 and "nor can a crash reply" in logs[0]


# ----- RPCError built from anything -----------------------------------------------------

@pytest.mark.parametrize("code", [float("nan"), float("inf"), "x", "12", None, True, 1.5,
                                  [12], {"code": 12}])
@scenario
async def test_an_rpc_error_whose_code_is_not_an_integer_is_sent_as_a_crash(code):
    h = Harness()

    def x(msg):
        raise RPCError(code, "told")

    h.handle("x", x)
    h.feed(request('"type":"x"'))
    out, logs = h.take()
    assert logs == []
    [reply] = [json.loads(line) for line in out]
    assert reply["body"]["code"] == 13 and reply["body"]["in_reply_to"] == 2
    assert reply["body"]["text"].startswith("told (code ")
    assert reply["body"]["text"].endswith("is not an integer)")


@pytest.mark.parametrize("text, sent", [(None, "malformed-request"), (5, "5"),
                                        ({"a": [1]}, "{'a': [1]}"), ("", "malformed-request"),
                                        ("x" * 300, "x" * 300)])
@scenario
async def test_an_rpc_error_text_is_always_sent_as_a_string(text, sent):
    h = Harness()

    def x(msg):
        raise RPCError(12, text)

    h.handle("x", x)
    h.feed(request('"type":"x"'))
    assert h.take() == ([error_line(12, sent)], [])


def test_every_rpc_error_body_is_json_and_unknown_codes_are_indefinite():
    for code in [float("nan"), None, "22", True, False, 1.5, [], 10**40, -3, 1000, 22]:
        for text in [None, "", "t", 7, float("nan"), object(), {1, 2}]:
            error = RPCError(code, text)
            body = json.loads(json.dumps(error.body(), allow_nan=False))
            assert type(body["code"]) is int and isinstance(body["text"], str)
            assert error.definite == (code == 22)


# ----- error bodies received by call() and the service clients -------------------------

ERROR_BODIES = ['"type":"error"', '"type":"error","code":null', '"type":"error","code":"22"',
                '"type":"error","code":22.5', '"type":"error","code":true',
                '"type":"error","code":[22]', '"type":"error","code":NaN',
                '"type":"error","code":1e400', '"type":"error","code":13,"text":{"a":1}',
                '"type":"error","code":1234,"text":null']


@pytest.mark.parametrize("error_body", ERROR_BODIES)
@scenario
async def test_a_handler_awaiting_a_call_answers_its_client_whatever_the_error_body(
        error_body):
    h = Harness()

    async def relay(msg):
        await h.node.call("n0", {"type": "ping"}, timeout=30)
        return {"type": "relay_ok"}

    h.handle("relay", relay)
    h.feed(request('"type":"relay"', 9))
    await asyncio.sleep(0)
    assert h.take() == (['{"src":"n1","dest":"n0","body":{"type":"ping","msg_id":1}}'], [])
    h.feed(reply_to_node("n0", error_body))
    await asyncio.wait_for(h.node.finish(), 30)
    out, logs = h.take()
    [reply] = [json.loads(line) for line in out]
    assert reply["dest"] == "c1" and reply["body"]["in_reply_to"] == 9
    assert reply["body"]["type"] == "error" and type(reply["body"]["code"]) is int
    assert reply["body"]["code"] in (13, 1234) and isinstance(reply["body"]["text"], str)
    assert logs == []


@pytest.mark.parametrize("error_body", ERROR_BODIES)
@scenario
async def test_every_error_body_becomes_an_indefinite_rpc_error(error_body):
    h = Harness()
    task = asyncio.create_task(h.node.call("n0", {"type": "ping"}, timeout=30))
    await asyncio.sleep(0)
    h.feed(reply_to_node("n0", error_body))
    with pytest.raises(RPCError) as caught:
        await task
    assert not caught.value.definite
    assert isinstance(caught.value.text, str)


@pytest.mark.parametrize("reply", [
    '"type":"read_ok"',                        # no value
    '"type":"write_ok","value":1',             # the wrong reply type
    '"value":1',                               # no type
    '"type":"error","code":"20"',              # a code that is not an integer
])
@scenario
async def test_a_kv_read_answered_with_the_wrong_shape_is_a_crash(reply):
    h = Harness()
    task = asyncio.create_task(LinKV(h.node, timeout=30).read("k", default=0))
    await asyncio.sleep(0)
    h.feed(reply_to_node("lin-kv", reply))
    with pytest.raises(RPCError) as caught:
        await task
    assert caught.value.code == ErrorCode.CRASH and not caught.value.definite


@pytest.mark.parametrize("reply", ['"type":"ts_ok"', '"type":"ts_ok","ts":"3"',
                                   '"type":"ts_ok","ts":true', '"type":"ts_ok","ts":3.0',
                                   '"type":"ts_ok","ts":null', '"type":"read_ok","ts":3'])
@scenario
async def test_a_tso_reply_without_an_integer_ts_is_a_crash(reply):
    h = Harness()
    task = asyncio.create_task(TSO(h.node, timeout=30).ts())
    await asyncio.sleep(0)
    h.feed(reply_to_node("lin-tso", reply))
    with pytest.raises(RPCError) as caught:
        await task
    assert caught.value.code == ErrorCode.CRASH and "lin-tso answered ts" in caught.value.text


@scenario
async def test_a_kv_write_and_cas_accept_only_their_own_ok():
    h = Harness()
    kv = LinKV(h.node, timeout=30)
    write = asyncio.create_task(kv.write("k", 1))
    cas = asyncio.create_task(kv.cas("k", 1, 2))
    await asyncio.sleep(0)
    h.feed('{"src":"lin-kv","dest":"n1","body":{"type":"write_ok","in_reply_to":1}}',
           '{"src":"lin-kv","dest":"n1","body":{"type":"write_ok","in_reply_to":2}}')
    assert await write is None
    with pytest.raises(RPCError) as caught:
        await cas
    assert caught.value.code == ErrorCode.CRASH


# ----- replies that match nothing, and callbacks that fail ------------------------------

@scenario
async def test_strange_replies_reach_no_callback_and_a_failing_callback_costs_one_line():
    h = Harness()
    got = []

    def callback(msg):
        got.append(msg.body["n"])
        raise ValueError("callback broke")

    h.node.rpc("n0", {"type": "ping"}, callback)
    h.take()
    for in_reply_to in ["true", "1.0", '"1"', "[1]", "null", "NaN", "99"]:
        h.feed('{"src":"n0","dest":"n1","body":{"type":"pong","n":0,"in_reply_to":%s}}'
               % in_reply_to)
    assert got == [] and h.take() == ([], [])
    reply = '{"src":"n0","dest":"n1","body":{"type":"pong","n":%d,"in_reply_to":1}}'
    h.feed(reply % 1, reply % 2)  # the second is a duplicate
    assert got == [1]
    out, logs = h.take()
    assert out == [] and len(logs) == 1 and "ValueError: callback broke" in logs[0]


@scenario
async def test_a_failing_async_callback_costs_one_log_line():
    h = Harness()

    async def callback(msg):
        raise ValueError("async callback broke")

    h.node.rpc("n0", {"type": "ping"}, callback)
    h.feed('{"src":"n0","dest":"n1","body":{"type":"pong","in_reply_to":1}}')
    await h.node.finish()
    out, logs = h.take()
    assert len(logs) == 1 and "async callback broke" in logs[0]


# ----- a missing field is a KeyError to Python, malformed-request to the sender ---------

@pytest.mark.parametrize("is_async", [False, True])
@scenario
async def test_a_handler_can_catch_a_missing_field_as_a_key_error(is_async):
    h = Harness()
    caught = []

    def answer(msg):
        try:
            value = msg.body["x"]
        except KeyError as error:
            caught.append(error.args)
            value = "default"
        try:
            msg.body["y"]
        except LookupError:
            pass
        return {"type": "opt_ok", "x": value, "z": msg.body.get("z", 0)}

    if is_async:
        async def opt(msg):
            await asyncio.sleep(0)
            return answer(msg)
    else:
        opt = answer
    h.handle("opt", opt)
    h.feed(request('"type":"opt"'))
    await h.node.finish()
    assert h.take() == (['{"src":"n1","dest":"c1","body":{"type":"opt_ok","x":"default",'
                         '"z":0,"in_reply_to":2}}'], [])
    assert caught == [("x",)]


@pytest.mark.parametrize("is_async", [False, True])
@scenario
async def test_an_uncaught_missing_field_is_malformed_request_naming_it(is_async):
    h = Harness()
    if is_async:
        async def add(msg):
            return {"type": "add_ok", "sum": msg.body["a"] + msg.body["b"]}
    else:
        def add(msg):
            return {"type": "add_ok", "sum": msg.body["a"] + msg.body["b"]}
    h.handle("add", add)
    h.feed(request('"type":"add","a":1'))
    await h.node.finish()
    assert h.take() == ([error_line(12, "add request has no field 'b'")], [])


@scenario
async def test_a_missing_nested_field_is_a_plain_key_error_and_a_crash():
    h = Harness()
    h.handle("nested", lambda msg: {"type": "nested_ok", "b": msg.body["a"]["b"]})
    h.feed(request('"type":"nested","a":{}'))
    out, logs = h.take()
    assert out == [error_line(13, "KeyError: 'b'")]
    assert len(logs) == 1 and "Traceback" in logs[0]


# ----- init -----------------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    '"node_id":5,"node_ids":["n1"]',
    '"node_id":null,"node_ids":["n1"]',
    '"node_id":true,"node_ids":["n1"]',
    '"node_id":["n1"],"node_ids":["n1"]',
    '"node_id":"n1","node_ids":"n1"',
    '"node_id":"n1","node_ids":null',
    '"node_id":"n1","node_ids":{"n1":1}',
    '"node_id":"n1","node_ids":["n1",2]',
    '"node_id":"n1","node_ids":[null]',
])
@scenario
async def test_an_init_with_ids_of_the_wrong_type_is_refused_and_the_node_stays_new(fields):
    h = Harness(init=False)
    started = []

    async def job():
        started.append(1)

    h.node.spawn(job)
    h.feed('{"src":"c0","dest":"n1","body":{"type":"init",%s,"msg_id":1}}' % fields)
    await asyncio.sleep(0)
    assert h.take() == (['{"src":"n1","dest":"c0","body":{"type":"error","code":12,"text":'
                         '"init needs a string node_id and a list of string node_ids",'
                         '"in_reply_to":1}}'], [])
    assert h.node.node_id is None and h.node.node_ids == [] and started == []
    h.feed(INIT)
    await asyncio.sleep(0)
    assert h.take() == ([INIT_OK], []) and h.node.node_id == "n1" and started == [1]


@scenario
async def test_an_init_without_node_id_names_the_missing_field():
    h = Harness(init=False)
    h.feed('{"src":"c0","dest":"n1","body":{"type":"init","node_ids":["n1"],"msg_id":1}}')
    assert h.take() == (['{"src":"n1","dest":"c0","body":{"type":"error","code":12,"text":'
                         '"init request has no field \'node_id\'","in_reply_to":1}}'], [])
    assert h.node.node_id is None


# ----- input that cannot be parsed ------------------------------------------------------

@pytest.mark.parametrize("line", [
    '{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"v":' + "[" * 100_000
    + "]" * 100_000 + "}}",
    "[" * 1_000_000,
    '{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"v":' + "9" * 5000 + "}}",
])
@scenario
async def test_input_nested_too_deep_or_with_too_many_digits_costs_one_short_log_line(line):
    h = Harness()
    h.feed(line)
    out, logs = h.take()
    assert out == [] and len(logs) == 1
    assert logs[0].startswith("ignored input that is not JSON") and len(logs[0]) < 1000


@scenario
async def test_numbers_json_cannot_carry_make_a_crash_reply():
    h = Harness()
    h.handle("echo", lambda msg: {"type": "echo_ok", "echo": msg.body["echo"]})
    h.feed(request('"type":"echo","echo":1e400'))
    out, logs = h.take()
    [reply] = [json.loads(line) for line in out]
    assert reply["body"]["code"] == 13 and "Out of range float values" in reply["body"]["text"]
    assert len(logs) == 1


@scenario
async def test_log_lines_stay_short_whatever_the_size_of_the_input():
    h = Harness()
    h.handle("boom", lambda msg: 1 / 0)
    payload = json.dumps("x" * 1_000_000)
    for line in [
        '{"src":"c1","dest":"n1","body":{"type":"nope","v":%s}}' % payload,
        '{"src":"c1","dest":"n1","body":{"type":"echo","v":%s,"msg_id":1.5}}' % payload,
        '{"src":[%s],"dest":"n1","body":{"type":"echo","v":1}}' % payload,
        '{"src":"c1","dest":"n1","body":{"type":%s,"msg_id":3}}' % payload,
        '{"src":"c1","dest":"n1","body":{"type":"boom","v":%s}}' % payload,
    ]:
        h.feed(line)
    out, logs = h.take()
    assert len(logs) == 5
    assert all(len(line) < 5000 for line in logs + out)


# ----- periodic tasks, end of input -----------------------------------------------------

@scenario
async def test_a_periodic_task_that_always_fails_is_logged_at_powers_of_two():
    h = Harness()
    failures = []
    enough = asyncio.Event()

    def tick():
        failures.append(1)
        if len(failures) == 40:
            enough.set()
        raise ValueError("tick")

    h.node.every(0.0001, tick)
    await asyncio.wait_for(enough.wait(), 60)
    await h.node.finish()
    logged = [line for line in h.logs if "periodic task tick failed" in line]
    assert len(failures) >= 40
    assert len(logged) == len(failures).bit_length()  # the 1st, 2nd, 4th, ... 32nd
    assert all("ValueError: tick" in line for line in logged)


@scenario
async def test_finish_gives_up_on_handlers_that_never_end_and_says_which():
    h = Harness()
    release = asyncio.Event()

    async def hang(msg):
        await asyncio.Event().wait()

    async def stubborn(msg):  # ignores cancellation, still must not hold up finish()
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if release.is_set():
                    raise

    async def quick(msg):
        await asyncio.sleep(0.01)
        return {"type": "quick_ok"}

    h.handle("hang", hang)
    h.handle("stubborn", stubborn)
    h.handle("quick", quick)
    h.feed(request('"type":"hang"', 2), request('"type":"stubborn"', 3),
           request('"type":"quick"', 4))
    await asyncio.wait_for(h.node.finish(grace=0.2), 60)
    out, logs = h.take()
    assert out == ['{"src":"n1","dest":"c1","body":{"type":"quick_ok","in_reply_to":4}}']
    assert len(logs) == 1 and logs[0].startswith("end of input: abandoned 2 unfinished")
    assert "'hang'" in logs[0] and "'stubborn'" in logs[0]
    release.set()  # asyncio.run() cancels it again on the way out


# ----- real processes -------------------------------------------------------------------

def run_process(argv, data, timeout=60):
    """Run argv with data on stdin (then closed); (returncode, stdout, stderr).

    Fails the test, after killing the process by its pid, if it does not exit in time."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV)
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{argv} did not exit within {timeout} s after end of input")
    return proc.returncode, out.decode(), err.decode()


NEVER_ENDING = """
import asyncio
from maelstrom_node import run

def serve(node):
    @node.handler
    async def hang(msg):
        await asyncio.Event().wait()

    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}

run(serve)
"""


def test_a_process_with_a_handler_that_never_ends_exits_after_end_of_input(tmp_path):
    script = tmp_path / "never_ending.py"
    script.write_text(NEVER_ENDING)
    data = (INIT + "\n" + request('"type":"hang"', 2) + "\n"
            + request('"type":"echo","echo":"hi"', 3) + "\n").encode()
    code, out, err = run_process([sys.executable, str(script)], data)
    assert code == 0
    assert out.splitlines() == [INIT_OK, '{"src":"n1","dest":"c1","body":{"type":"echo_ok",'
                                '"echo":"hi","in_reply_to":3}}']
    assert "end of input: abandoned 1 unfinished after 5.0 s" in err and "'hang'" in err


def test_a_closed_stdout_costs_one_log_line_and_the_node_still_exits():
    proc = subprocess.Popen([os.path.join(ROOT, "echo.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    proc.stdout.close()  # the reader is gone before the node writes anything
    lines = [INIT] + [request('"type":"echo","echo":"x"', i) for i in range(2, 5000)]
    try:
        _, err = proc.communicate(("\n".join(lines) + "\n").encode(), timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("echo.py did not exit after end of input with its stdout closed")
    assert proc.returncode == 0
    assert err.decode().splitlines() == [
        "cannot write to stdout ([Errno 32] Broken pipe); dropping all further output"]


SMALL_LINES = """
import maelstrom_node
from maelstrom_node import run

maelstrom_node.MAX_LINE_BYTES = 100_000  # as 64 MiB, without 64 MiB of test input

def serve(node):
    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": len(msg.body["echo"])}

run(serve)
"""


def test_a_line_over_the_limit_is_dropped_with_one_log_line_and_the_next_one_served(
        tmp_path):
    script = tmp_path / "small_lines.py"
    script.write_text(SMALL_LINES)
    lines = [INIT,
             request('"type":"echo","echo":"%s"' % ("a" * 90_000), 2),   # under the limit
             request('"type":"echo","echo":"%s"' % ("b" * 500_000), 3),  # over: dropped
             request('"type":"echo","echo":"c"', 4),
             request('"type":"echo","echo":"%s"' % ("d" * 500_000), 5)]  # over, no newline
    code, out, err = run_process([sys.executable, str(script)], "\n".join(lines).encode())
    assert code == 0
    assert out.splitlines() == [
        INIT_OK,
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":90000,"in_reply_to":2}}',
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":1,"in_reply_to":4}}']
    assert err.splitlines() == ["dropped an input line longer than 100000 bytes"] * 2


def test_a_line_of_exactly_the_limit_is_served_however_the_reads_split_it(tmp_path):
    # A regular file is read in whole 64 KiB chunks, so the split is known: the first line
    # fills one chunk, the next has exactly the limit's bytes and its newline starts a new
    # chunk. The limit is counted before that newline arrives: not over it, so served.
    chunk, limit = 1 << 16, 2 << 16
    script = tmp_path / "two_chunk_lines.py"
    script.write_text(SMALL_LINES.replace("100_000", str(limit)))
    first = INIT + " " * (chunk - 1 - len(INIT))
    empty = request('"type":"echo","echo":""', 2)
    exact = request('"type":"echo","echo":"%s"' % ("e" * (limit - len(empty))), 2)
    after = request('"type":"echo","echo":"f"', 3)
    data = "\n".join([first, exact, after]) + "\n"
    assert len(first) + 1 == chunk and len(exact) == limit
    path = tmp_path / "stdin.jsonl"
    path.write_text(data)
    with open(path, "rb") as stdin:
        done = subprocess.run([sys.executable, str(script)], stdin=stdin, capture_output=True,
                              env=ENV, timeout=60)
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.decode().splitlines() == [
        INIT_OK,
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":%d,"in_reply_to":2}}'
        % (limit - len(empty)),
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":1,"in_reply_to":3}}']


def test_invalid_utf8_inside_a_request_is_replaced_and_answered():
    data = (INIT.encode() + b"\n" + b'{"src":"c1","dest":"n1","body":{"type":"echo",'
            b'"echo":"a\xffb\xc3(","msg_id":2}}\n')
    code, out, err = run_process([os.path.join(ROOT, "echo.py")], data)
    assert code == 0 and err == ""
    assert out.splitlines() == [INIT_OK, '{"src":"n1","dest":"c1","body":{"type":"echo_ok",'
                                '"echo":"a\\ufffdb\\ufffd(","in_reply_to":2}}']


def test_a_request_of_several_megabytes_is_answered_in_full():
    payload = "y" * 3_000_000  # many reads of the pipe for one line
    data = (INIT + "\n" + request('"type":"echo","echo":"%s"' % payload, 2) + "\n").encode()
    code, out, err = run_process([os.path.join(ROOT, "echo.py")], data)
    assert code == 0 and err == ""
    assert out.splitlines() == [INIT_OK, '{"src":"n1","dest":"c1","body":{"type":"echo_ok",'
                                '"echo":"%s","in_reply_to":2}}' % payload]

