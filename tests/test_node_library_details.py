"""maelstrom_node promises the broader tests leave open: the default and per-client RPC
timeouts and their error text, where request ids start and wrap, the names failing and
unfinished tasks are logged under, and the exact text of a crash for a reply of the wrong
shape. (Found by mutation testing, tools/mutate.py: each was a change no test noticed.)"""

import asyncio
import functools
import json
import os
import subprocess
import sys
import random
import signal

import pytest

import maelstrom_node
from glomers.virtual_time import VirtualTimeLoop
from maelstrom_node import (KV, MSG_ID_LIMIT, MSG_IDS_PER_SECOND, TSO, ErrorCode, LinKV,
                            LWWKV, Node, RPCError, SeqKV)

INIT = ('{"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1",'
        '"node_ids":["n1","n2"],"msg_id":1}}')


class Harness:
    """An initialized node with its output and log lines collected; request ids from 1."""

    def __init__(self):
        self.out, self.logs = [], []
        self.node = Node(write=self.out.append, log=self.logs.append, first_msg_id=1)
        self.node.feed(INIT)
        self.out.clear()


def virtual(coro):
    """Run coro on the bench's virtual clock, where a timeout costs no real time."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coro)


async def seconds_until_error(awaitable):
    """(seconds on the loop's clock until awaitable raised RPCError, the error)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(RPCError) as caught:
        await awaitable
    return loop.time() - start, caught.value


# ----- timeouts --------------------------------------------------------------------------

def test_a_call_without_a_timeout_waits_one_second_and_says_for_whom_and_how_long():
    async def scenario():
        h = Harness()
        waited, error = await seconds_until_error(h.node.call("n2", {"type": "ping"}))
        assert waited == pytest.approx(1.0)
        assert error.code == ErrorCode.TIMEOUT
        assert error.text == "no reply from n2 within 1.0 s"
        waited, error = await seconds_until_error(
            h.node.call("n2", {"type": "ping"}, timeout=0.25))
        assert waited == pytest.approx(0.25)
        assert error.text == "no reply from n2 within 0.25 s"
    virtual(scenario())


CLIENTS = [(LinKV, lambda c: c.read("k")), (SeqKV, lambda c: c.read("k")),
           (LWWKV, lambda c: c.write("k", 1)), (TSO, lambda c: c.ts()),
           (functools.partial(KV, service="lin-kv"), lambda c: c.read("k"))]


@pytest.mark.parametrize("client, request_of", CLIENTS)
def test_a_service_client_waits_one_second_unless_told_otherwise(client, request_of):
    async def scenario():
        h = Harness()
        waited, error = await seconds_until_error(request_of(client(h.node)))
        assert (waited, error.code) == (pytest.approx(1.0), ErrorCode.TIMEOUT)
        waited, error = await seconds_until_error(request_of(client(h.node, timeout=0.3)))
        assert (waited, error.code) == (pytest.approx(0.3), ErrorCode.TIMEOUT)
    virtual(scenario())


def test_a_timed_out_call_leaves_nothing_waiting_for_its_reply():
    # Bounded memory: a node whose peer never answers must not keep one entry per request.
    async def scenario():
        h = Harness()
        for _ in range(3):
            await seconds_until_error(h.node.call("n2", {"type": "ping"}, timeout=0.1))
        assert h.node._pending == {}
    virtual(scenario())


def test_an_error_reply_without_text_raises_with_an_empty_text():
    async def scenario():
        h = Harness()
        task = asyncio.ensure_future(h.node.call("lin-kv", {"type": "read", "key": 1}))
        await asyncio.sleep(0)
        h.node.feed('{"src":"lin-kv","dest":"n1","body":{"type":"error","code":20,'
                    '"in_reply_to":1}}')
        _, error = await seconds_until_error(task)
        assert (error.code, error.text) == (ErrorCode.KEY_DOES_NOT_EXIST, "")
        assert str(error) == "key-does-not-exist (20)"
    virtual(scenario())


def test_a_reply_of_the_wrong_shape_is_a_crash_naming_the_service_request_and_reply():
    async def scenario():
        h = Harness()
        task = asyncio.ensure_future(LinKV(h.node).read("k"))
        await asyncio.sleep(0)
        h.node.feed('{"src":"lin-kv","dest":"n1","body":{"type":"write_ok","in_reply_to":1}}')
        _, error = await seconds_until_error(task)
        assert error.code == ErrorCode.CRASH
        assert error.text == ("lin-kv answered read with "
                              "{'in_reply_to': 1, 'type': 'write_ok'}")
    virtual(scenario())


# ----- where request ids start -----------------------------------------------------------

def first_ids(monkeypatch, seconds, seeds=range(300)):
    """The first request id of nodes started at `seconds` on the monotonic clock."""
    monkeypatch.setattr(maelstrom_node.time, "monotonic", lambda: seconds)
    ids = set()
    for seed in seeds:
        out = []
        node = Node(write=out.append, random=random.Random(seed))  # built outside a loop
        ids.add(node.rpc("n2", {"type": "ping"}, lambda msg: None))
    return ids


def test_ids_start_at_the_clock_plus_one_of_sixteen_random_steps(monkeypatch):
    tick = MSG_IDS_PER_SECOND * 3
    assert first_ids(monkeypatch, 3.0) == set(range(tick + 1, tick + 17))


def test_ids_wrap_to_the_bottom_leaving_room_for_2_to_the_32_requests(monkeypatch):
    wrap = MSG_ID_LIMIT - (1 << 32)
    ids = first_ids(monkeypatch, wrap / MSG_IDS_PER_SECOND + 2.0)
    # Two seconds past the wrap point, as two seconds past zero (a float clock: +-1 tick).
    tick = 2 * MSG_IDS_PER_SECOND
    assert min(ids) >= tick - 1 and max(ids) <= tick + 17
    assert max(first_ids(monkeypatch, wrap / MSG_IDS_PER_SECOND - 2.0)) < wrap


# ----- the names of failing and unfinished tasks ---------------------------------------

def test_a_failing_periodic_task_logs_its_failure_count_at_powers_of_two():
    async def scenario():
        h = Harness()
        calls = []

        def tick():
            calls.append(1)
            raise ValueError("tick")

        h.node.every(0.1, tick)
        await asyncio.sleep(1.05)
        await h.node.finish()
        assert len(calls) == 10
        counts = [line.split("(failure ")[1].split(";")[0] for line in h.logs]
        assert counts == ["1", "2", "4", "8"]
        assert all(line.startswith("periodic task tick failed") for line in h.logs)
    virtual(scenario())


def test_tasks_without_a_name_are_logged_as_task_and_named_ones_by_name():
    async def scenario():
        h = Harness()

        def broken(what):
            raise ValueError(what)

        async def gossip(what):
            raise ValueError(what)

        async def named():
            raise ValueError("named")

        h.node.every(0.1, functools.partial(broken, "periodic"))
        h.node.spawn(functools.partial(gossip, "background"))
        h.node.spawn(named)
        await asyncio.sleep(0.15)
        await h.node.finish()
        heads = sorted(line.splitlines()[0] for line in h.logs)
        assert heads == ["named failed:", "periodic task task failed (failure 1; "
                         "logged: 1, 2, 4, 8...):", "task failed:"]
    virtual(scenario())


def test_async_reply_callbacks_are_named_by_the_request_they_answer():
    async def scenario():
        h = Harness()
        never = asyncio.Event()

        async def waits(msg):
            await never.wait()

        async def fails(msg):
            raise ValueError("callback broke")

        h.node.rpc("n2", {"type": "ping"}, waits)
        h.node.rpc("n2", {"type": "ping"}, fails)
        h.node.feed('{"src":"n2","dest":"n1","body":{"type":"pong","in_reply_to":1}}')
        h.node.feed('{"src":"n2","dest":"n1","body":{"type":"pong","in_reply_to":2}}')
        await h.node.finish(grace=0.5)
        failed, abandoned = h.logs
        assert failed.startswith("callback for reply to 2 failed:")
        assert abandoned == ("end of input: abandoned 1 unfinished after 0.5 s: "
                             "['callback for reply to 1']")
    virtual(scenario())


def test_finish_returns_only_once_cancelled_tasks_have_cleaned_up():
    async def scenario():
        h = Harness()
        cleaned = []

        async def gossip():
            try:
                await asyncio.Event().wait()
            finally:
                cleaned.append("gossip")

        h.node.spawn(gossip)
        await asyncio.sleep(0.1)
        await h.node.finish()
        assert cleaned == ["gossip"]
    virtual(scenario())


# ----- texts of errors and of log lines --------------------------------------------------

def test_error_texts_and_their_str():
    assert str(RPCError(ErrorCode.CRASH, "")) == "crash (13)"
    assert str(RPCError(11, "down")) == "temporarily-unavailable (11): down"
    odd = RPCError("busy")
    assert (odd.code, odd.text) == (ErrorCode.CRASH, "error (code 'busy' is not an integer)")
    assert str(odd) == "crash (13): error (code 'busy' is not an integer)"


def test_a_message_shows_its_envelope():
    message = maelstrom_node.Message("c1", "n1", {"type": "echo"})
    assert repr(message) == "Message(src='c1', dest='n1', body={'type': 'echo'})"


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no str")


@pytest.mark.parametrize("error, text", [
    (ValueError("x" * 1000), "ValueError: " + "x" * 488),   # cut to 500 characters
    (Unprintable(), "Unprintable"),                          # str() fails: the type alone
])
def test_a_crash_reply_describes_the_exception_readably(error, text):
    async def scenario():
        h = Harness()

        @h.node.handler
        def echo(msg):
            raise error

        h.node.feed('{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":5}}')
        [line] = h.out
        assert json.loads(line)["body"] == {"type": "error", "code": 13, "text": text,
                                            "in_reply_to": 5}
    virtual(scenario())


# ----- the default writer and log, without run() ----------------------------------------

def test_without_injected_io_protocol_lines_go_to_stdout_and_log_lines_to_stderr(capfd):
    async def scenario():
        node = Node(random=random.Random(1))
        node.feed(INIT)
        node.log("a log line")
        await asyncio.sleep(0)   # the batch of protocol lines is written once per iteration
    virtual(scenario())
    out, err = capfd.readouterr()
    assert out == '{"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}\n'
    assert err == "a log line\n"


def test_finish_waits_one_second_at_most_for_a_task_that_ignores_its_cancellation():
    async def scenario():
        h = Harness()

        async def stubborn():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                await asyncio.sleep(10)   # ignores the first cancellation

        h.node.spawn(stubborn)
        await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await h.node.finish(grace=0)
        assert loop.time() - start == pytest.approx(1.0)
    virtual(scenario())


# ----- replies ---------------------------------------------------------------------------

@pytest.mark.parametrize("body, text", [
    ({"type": 7, "msg_id": 2}, "message body has no string type"),
    ({"type": "frob", "msg_id": 2}, "no handler for message type 'frob'"),
])
def test_requests_the_node_cannot_serve_are_told_why(body, text):
    async def scenario():
        h = Harness()
        h.node.feed(json.dumps({"src": "c1", "dest": "n1", "body": body}))
        [line] = h.out
        assert json.loads(line)["body"]["text"] == text
    virtual(scenario())


def test_a_reply_comes_from_the_node_whatever_the_request_was_addressed_to():
    async def scenario():
        h = Harness()
        h.node.handler("echo")(lambda msg: {"type": "echo_ok"})
        h.node.feed('{"src":"c1","dest":"n7","body":{"type":"echo","msg_id":3}}')
        [line] = h.out
        assert json.loads(line)["src"] == "n1"
    virtual(scenario())


def test_replying_to_a_message_without_msg_id_is_one_log_line_naming_it():
    h = Harness()
    h.node.reply(maelstrom_node.Message("c1", "n1", {"type": "x"}), {"type": "x_ok"})
    assert h.out == []
    assert h.logs == ["cannot reply to a message without msg_id: "
                      "Message(src='c1', dest='n1', body={'type': 'x'})"]


def test_a_crashing_handler_logs_the_request_and_its_whole_traceback():
    async def scenario():
        h = Harness()

        @h.node.handler
        def echo(msg):
            raise ValueError("boom")

        h.node.feed('{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2}}')
        [log] = h.logs
        assert log.startswith("handler for Message(src='c1', dest='n1', body={") and \
            "crashed:\nTraceback (most recent call last):\n  File " in log
        assert log.endswith("\nValueError: boom\n")
    virtual(scenario())


def test_a_body_that_cannot_be_sent_becomes_a_crash_reply_saying_which_and_why():
    async def scenario():
        h = Harness()
        h.node.handler("echo")(lambda msg: {"type": "echo_ok", "v": float("nan")})
        h.node.feed('{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2}}')
        [line] = h.out
        body = json.loads(line)["body"]
        assert body["code"] == 13
        assert body["text"].startswith("reply {'type': 'echo_ok', 'v': nan} cannot be sent: "
                                       "ValueError: ")
        assert "(code " not in body["text"]
    virtual(scenario())


def test_when_not_even_a_crash_reply_can_be_sent_the_log_line_gives_both_reasons():
    async def scenario():
        out, logs = [], []
        node = Node(write=out.append, log=logs.append)   # before init: src is the dest
        node.handler("echo")(lambda msg: {"type": "echo_ok", "v": float("nan")})
        node.feed('{"src":"c1","dest":NaN,"body":{"type":"echo","msg_id":2}}')
        [log] = logs
        assert "cannot be sent: ValueError: " in log
        assert log.endswith("; nor can a crash reply")
    virtual(scenario())


# ----- log lines for input that gets no reply ---------------------------------------------

LONG = "x" * 1000


@pytest.mark.parametrize("line, head", [
    ("{" + LONG, "ignored input that is not JSON (JSONDecodeError: "),
    ('{"body": 5, "pad": "' + LONG + '"}',
     "ignored input that is not an object with an object body: "),
    ('{"dest": "n1", "body": {"type": "echo"}, "pad": "' + LONG + '"}',
     "ignored message without a src to answer: "),
])
def test_input_that_gets_no_reply_is_logged_with_its_first_200_characters(line, head):
    async def scenario():
        h = Harness()
        h.node.feed(line)
        [log] = h.logs
        assert log.startswith(head) and log.endswith(repr(line[:200]))
        assert "None" not in log
    virtual(scenario())


def test_an_error_for_a_request_without_msg_id_is_logged_with_its_text():
    async def scenario():
        h = Harness()

        @h.node.handler
        def echo(msg):
            raise RPCError(11, "busy")

        h.node.feed('{"src":"c1","dest":"n1","body":{"type":"echo"}}')
        assert h.out == []
        assert h.logs == ["busy (no msg_id to reply to): "
                          "Message(src='c1', dest='n1', body={'type': 'echo'})"]
    virtual(scenario())


def test_a_node_uses_the_random_source_it_is_given_or_its_own():
    given = random.Random(3)
    assert Node(write=lambda line: None, random=given).random is given
    assert isinstance(Node(write=lambda line: None).random, random.Random)


# ----- a real process --------------------------------------------------------------------

def test_a_node_whose_stdin_cannot_be_read_says_why_and_exits():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(["sh", "-c", 'exec "$0" "$1" <&-', sys.executable,
                           os.path.join(root, "echo.py")],
                          capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": root})
    assert (done.returncode, done.stdout) == (0, b"")
    assert done.stderr.decode().splitlines() == [
        "stopped reading stdin: [Errno 9] Bad file descriptor"]


@pytest.mark.parametrize("after_init", [True, False])
def test_a_last_line_without_newline_exactly_at_the_limit_is_served(tmp_path, after_init):
    from test_node_library_hostile import INIT as HOSTILE_INIT, SMALL_LINES
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = tmp_path / "small_lines.py"
    script.write_text(SMALL_LINES)
    shell = '{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":2,"echo":"%s"}}'
    line = shell % ("e" * (100_000 - len(shell % "")))   # exactly the limit, in 2+ chunks
    data = (HOSTILE_INIT + "\n" if after_init else "") + line
    done = subprocess.run([sys.executable, str(script)], input=data.encode(),
                          capture_output=True, timeout=60, env={**os.environ, "PYTHONPATH": root})
    replies = [json.loads(out)["body"] for out in done.stdout.splitlines()]
    assert replies[-1] == {"type": "echo_ok", "echo": 100_000 - len(shell % ""),
                           "in_reply_to": 2}
    assert done.stderr == b""


def test_ctrl_c_ends_a_node_whose_stdin_is_still_open():
    # The stdin reader is blocked in os.read: it must not keep the process alive.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, os.path.join(root, "echo.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": root},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        proc.stdin.write((INIT + "\n").encode())
        proc.stdin.flush()
        assert b"init_ok" in proc.stdout.readline()     # running, and reading stdin
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def test_protocol_lines_reach_the_protocol_copy_of_stdout_whole_and_in_order(monkeypatch):
    # run() keeps the real stdout as a private fd; the node writes its lines there.
    read_end, write_end = os.pipe()
    monkeypatch.setattr(maelstrom_node, "_protocol_fd", write_end)
    try:
        node = maelstrom_node.Node(log=lambda text: None)
        node.send("n1", {"type": "a"})
        node.send("n2", {"type": "b"})
        assert os.read(read_end, 4096).decode() == \
            '{"src":null,"dest":"n1","body":{"type":"a"}}\n' \
            '{"src":null,"dest":"n2","body":{"type":"b"}}\n'
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_gone_reader_is_said_once_and_later_lines_are_dropped(monkeypatch):
    read_end, write_end = os.pipe()
    os.close(read_end)                                   # nobody will ever read
    monkeypatch.setattr(maelstrom_node, "_protocol_fd", write_end)
    logs = []
    try:
        node = maelstrom_node.Node(log=logs.append)
        node.send("n1", {"type": "a"})
        node.send("n1", {"type": "b"})                   # dropped, no error, no new line
        assert len(logs) == 1 and logs[0].startswith("cannot write to stdout (")
        assert logs[0].endswith("); dropping all further output")
    finally:
        os.close(write_end)
