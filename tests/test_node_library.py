"""maelstrom_node driven by literal JSON lines: init, handlers, replies, RPCs, timers,
service clients against a scripted fake service, bad input and end-of-input draining."""

import asyncio
import json
import random

import pytest

from maelstrom_node import (KV, TSO, ErrorCode, LinKV, LWWKV, Node, RPCError, SeqKV)

INIT = ('{"id":0,"src":"c0","dest":"n1","body":{"type":"init","node_id":"n1",'
        '"node_ids":["n0","n1","n2"],"msg_id":1}}')
INIT_OK = '{"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1}}'


class Harness:
    """A node whose output and log lines are collected in lists."""

    def __init__(self):
        self.out = []
        self.logs = []
        # Request ids from 1, so the expected lines can be written out literally.
        self.node = Node(write=self.out.append, log=self.logs.append,
                         random=random.Random(7), first_msg_id=1)

    def feed(self, *lines):
        for line in lines:
            self.node.feed(line)

    def take(self):
        """The output lines written since the last take, parsed."""
        lines, self.out[:] = list(self.out), []
        return [json.loads(line) for line in lines]


def request(body, src="c1"):
    return json.dumps({"src": src, "dest": "n1", "body": body})


def run(coro):
    return asyncio.run(coro)


# ----- init, handlers, replies -------------------------------------------------------

def test_init_is_answered_by_the_library_and_sets_ids():
    async def scenario():
        h = Harness()
        assert h.node.node_id is None
        h.feed(INIT)
        assert h.out == [INIT_OK]
        assert h.node.node_id == "n1"
        assert h.node.node_ids == ["n0", "n1", "n2"]
    run(scenario())


def test_reply_is_exactly_the_handler_body_plus_in_reply_to():
    async def scenario():
        h = Harness()

        @h.node.handler
        def echo(msg):
            return {"type": "echo_ok", "echo": msg.body["echo"]}

        h.feed(INIT)
        h.out.clear()
        # Maelstrom's delivery shape: extra top-level "id", msg_id last.
        h.feed('{"id":12,"src":"c3","dest":"n1","body":{"echo":"Please echo 35",'
               '"type":"echo","msg_id":4}}')
        assert h.out == ['{"src":"n1","dest":"c3","body":{"type":"echo_ok",'
                         '"echo":"Please echo 35","in_reply_to":4}}']
    run(scenario())


def test_handler_receives_the_message_and_none_means_no_reply():
    async def scenario():
        h = Harness()
        seen = []

        @h.node.handler("gossip")
        def on_gossip(msg):
            seen.append((msg.src, msg.dest, msg.body["values"], msg.id))

        h.feed(INIT)
        h.out.clear()
        h.feed('{"id":99,"src":"n0","dest":"n1","body":{"type":"gossip","values":[1,2]}}')
        assert seen == [("n0", "n1", [1, 2], 99)]
        assert h.out == []
    run(scenario())


def test_a_message_without_msg_id_gets_no_reply_even_if_the_handler_returns_one():
    async def scenario():
        h = Harness()
        h.node.handler("gossip")(lambda msg: {"type": "gossip_ok"})
        h.feed(INIT)
        h.out.clear()
        h.feed('{"src":"n0","dest":"n1","body":{"type":"gossip","values":[1]}}')
        assert h.out == [] and h.logs == []
    run(scenario())


def test_async_handler_replies_when_it_completes():
    async def scenario():
        h = Harness()
        release = asyncio.Event()

        @h.node.handler
        async def slow(msg):
            await release.wait()
            return {"type": "slow_ok"}

        h.feed(INIT)
        h.take()
        h.feed(request({"type": "slow", "msg_id": 8}))
        await asyncio.sleep(0)
        assert h.out == []
        release.set()
        await h.node.finish()
        assert h.take() == [{"src": "n1", "dest": "c1",
                             "body": {"type": "slow_ok", "in_reply_to": 8}}]
    run(scenario())


def test_send_adds_no_msg_id():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        h.take()
        h.node.send("n2", {"type": "gossip", "values": [3]})
        assert h.out == ['{"src":"n1","dest":"n2","body":{"type":"gossip","values":[3]}}']
    run(scenario())


# ----- RPCs ----------------------------------------------------------------------------

def test_rpc_callback_gets_the_reply_once_and_strays_are_dropped_quietly():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        h.take()
        got = []
        body = {"type": "read"}
        first = h.node.rpc("n2", body, got.append)
        second = h.node.rpc("n0", body, got.append)
        assert (first, second) == (1, 2)
        assert body == {"type": "read"}  # the caller's dict is not modified
        assert h.take() == [
            {"src": "n1", "dest": "n2", "body": {"type": "read", "msg_id": 1}},
            {"src": "n1", "dest": "n0", "body": {"type": "read", "msg_id": 2}}]
        reply = '{"src":"n2","dest":"n1","body":{"type":"read_ok","value":5,"in_reply_to":1}}'
        h.feed(reply, reply)  # the duplicate finds nothing pending
        h.feed('{"src":"n0","dest":"n1","body":{"type":"read_ok","in_reply_to":77}}')
        h.feed('{"src":"n0","dest":"n1","body":{"type":"read_ok","in_reply_to":null}}')
        assert [(m.src, m.body["value"]) for m in got] == [("n2", 5)]
        assert h.out == [] and h.logs == []
    run(scenario())


def test_call_returns_the_reply_body():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        h.take()
        task = asyncio.create_task(h.node.call("n0", {"type": "ping"}, timeout=5))
        await asyncio.sleep(0)
        assert h.take() == [{"src": "n1", "dest": "n0",
                             "body": {"type": "ping", "msg_id": 1}}]
        h.feed('{"src":"n0","dest":"n1","body":{"type":"pong","in_reply_to":1}}')
        assert await task == {"type": "pong", "in_reply_to": 1}
    run(scenario())


def test_call_raises_on_an_error_reply():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        task = asyncio.create_task(h.node.call("lin-kv", {"type": "cas"}, timeout=5))
        await asyncio.sleep(0)
        h.feed('{"src":"lin-kv","dest":"n1","body":{"type":"error","code":22,'
               '"text":"current value 5 is not 4","in_reply_to":1}}')
        with pytest.raises(RPCError) as caught:
            await task
        assert caught.value.code == ErrorCode.PRECONDITION_FAILED
        assert caught.value.text == "current value 5 is not 4"
        assert caught.value.definite
    run(scenario())


def test_call_times_out_with_code_0_and_then_drops_the_late_reply():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        with pytest.raises(RPCError) as caught:
            await h.node.call("n2", {"type": "ping"}, timeout=0.01)
        assert caught.value.code == ErrorCode.TIMEOUT
        assert not caught.value.definite
        h.take()
        h.feed('{"src":"n2","dest":"n1","body":{"type":"pong","in_reply_to":1}}')
        assert h.out == [] and h.logs == []
    run(scenario())


def test_custom_error_codes_are_indefinite():
    error = RPCError(1234, "my own")
    assert error.code == 1234 and error.name == "unknown" and not error.definite
    assert error.body() == {"type": "error", "code": 1234, "text": "my own"}


def test_error_codes_say_which_are_definite():
    indefinite = {code for code in ErrorCode if not code.definite}
    assert indefinite == {ErrorCode.TIMEOUT, ErrorCode.CRASH}
    assert [int(c) for c in ErrorCode] == [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30]
    assert RPCError(ErrorCode.NOT_SUPPORTED).body() == {
        "type": "error", "code": 10, "text": "not-supported"}


# ----- errors raised by handlers -------------------------------------------------------

def test_rpc_error_in_a_handler_becomes_that_error_reply():
    async def scenario():
        h = Harness()

        @h.node.handler
        def txn(msg):
            raise RPCError(ErrorCode.TXN_CONFLICT, "try again")

        h.feed(INIT)
        h.take()
        h.feed(request({"type": "txn", "msg_id": 3}))
        assert h.take() == [{"src": "n1", "dest": "c1", "body": {
            "type": "error", "code": 30, "text": "try again", "in_reply_to": 3}}]
    run(scenario())


@pytest.mark.parametrize("is_async", [False, True])
def test_a_crashing_handler_replies_crash_and_the_node_keeps_going(is_async):
    async def scenario():
        h = Harness()
        if is_async:
            async def add(msg):
                await asyncio.sleep(0)
                return {"type": "add_ok", "sum": msg.body["a"] + msg.body["b"]}
        else:
            def add(msg):
                return {"type": "add_ok", "sum": msg.body["a"] + msg.body["b"]}
        h.node.handler(add)
        h.feed(INIT)
        h.take()
        h.feed(request({"type": "add", "a": 1, "b": "x", "msg_id": 1}),
               request({"type": "add", "a": 1, "b": 2, "msg_id": 2}))
        await h.node.finish()
        replies = {m["body"]["in_reply_to"]: m["body"] for m in h.take()}
        assert replies[1]["type"] == "error" and replies[1]["code"] == 13
        assert "TypeError" in replies[1]["text"]
        assert replies[2] == {"type": "add_ok", "sum": 3, "in_reply_to": 2}
        assert any("Traceback" in line and "TypeError" in line for line in h.logs)
    run(scenario())


@pytest.mark.parametrize("result", [{"type": "x_ok", "v": {1, 2}},
                                    {"type": "x_ok", "v": float("nan")},
                                    "x_ok"])
def test_a_reply_that_is_not_a_json_object_becomes_a_crash_reply(result):
    async def scenario():
        h = Harness()
        h.node.handler("x")(lambda msg: result)
        h.feed(INIT)
        h.take()
        h.feed(request({"type": "x", "msg_id": 6}))
        [reply] = h.take()
        assert reply["body"]["code"] == 13 and reply["body"]["in_reply_to"] == 6
    run(scenario())


# ----- bad input -----------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "this is not json",
    '{"src":"c1","dest":"n1","body":',
    "[1,2,3]",
    '"a string"',
    '{"src":"c1","dest":"n1"}',
    '{"src":"c1","dest":"n1","body":"echo"}',
    '{"src":"c1","dest":"n1","body":[1]}',
    '{"src":"c1","dest":"n1","body":null}',
    '{"src":"c1","dest":"n1","body":{"echo":"no type and no msg_id"}}',
    '{"src":"c1","dest":"n1","body":{"type":"nope"}}',
    '{"dest":"n1","body":{"type":"echo","echo":"x","msg_id":1}}',
])
def test_input_that_cannot_be_answered_is_logged_and_ignored(line):
    async def scenario():
        h = Harness()
        h.node.handler("echo")(lambda msg: {"type": "echo_ok", "echo": msg.body["echo"]})
        h.feed(INIT)
        h.take()
        h.feed(line)
        assert h.out == []
        assert len(h.logs) == 1
        # ... and the node still answers afterwards.
        h.feed(request({"type": "echo", "echo": "still here", "msg_id": 2}))
        assert h.take()[0]["body"] == {"type": "echo_ok", "echo": "still here",
                                      "in_reply_to": 2}
    run(scenario())


@pytest.mark.parametrize("body, code", [
    ({"msg_id": 5}, 12),                        # no type
    ({"type": 7, "msg_id": 5}, 12),             # type is not a string
    ({"type": "echo", "msg_id": 5}, 12),        # a field the handler needs is missing
    ({"type": "teleport", "msg_id": 5}, 10),    # nobody handles this type
])
def test_answerable_bad_requests_get_the_right_error_code(body, code):
    async def scenario():
        h = Harness()
        h.node.handler("echo")(lambda msg: {"type": "echo_ok", "echo": msg.body["echo"]})
        h.feed(INIT)
        h.take()
        h.feed(request(body))
        [reply] = h.take()
        assert reply["dest"] == "c1"
        assert reply["body"]["type"] == "error"
        assert reply["body"]["code"] == code
        assert reply["body"]["in_reply_to"] == 5
        assert set(reply) == {"src", "dest", "body"}
    run(scenario())


def test_blank_lines_are_skipped_silently():
    async def scenario():
        h = Harness()
        h.feed("", "   ", "\r")
        assert h.out == [] and h.logs == []
    run(scenario())


# ----- timers and background tasks -----------------------------------------------------

def test_periodic_and_background_tasks_start_at_init_and_stop_at_finish():
    async def scenario():
        h = Harness()
        ticks = []
        third_tick = asyncio.Event()
        started = []

        def tick():
            ticks.append(h.node.time())
            if len(ticks) == 3:
                third_tick.set()

        async def forever():
            started.append(h.node.node_id)
            await asyncio.Event().wait()

        h.node.every(0.001, tick)
        h.node.spawn(forever)
        for _ in range(5):
            await asyncio.sleep(0)
        assert ticks == [] and started == []  # nothing before init
        h.feed(INIT)
        await asyncio.wait_for(third_tick.wait(), timeout=10)
        assert started == ["n1"]
        assert ticks == sorted(ticks)
        await h.node.finish()
        count = len(ticks)
        await asyncio.sleep(0.01)
        assert len(ticks) == count  # stopped
    run(scenario())


def test_a_failing_periodic_task_is_logged_and_keeps_running():
    async def scenario():
        h = Harness()
        calls = []
        again = asyncio.Event()

        async def flaky():
            calls.append(1)
            if len(calls) == 2:
                again.set()
            raise ValueError("boom")

        h.node.every(0.001, flaky)
        h.feed(INIT)
        await asyncio.wait_for(again.wait(), timeout=10)
        await h.node.finish()
        assert any("ValueError: boom" in line for line in h.logs)
    run(scenario())


def test_tasks_spawned_after_init_start_immediately():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        ran = asyncio.Event()

        async def job():
            ran.set()

        h.node.spawn(job)
        await asyncio.wait_for(ran.wait(), timeout=10)
    run(scenario())


# ----- end of input --------------------------------------------------------------------

def test_finish_drains_in_flight_handlers_including_ones_waiting_on_a_call():
    async def scenario():
        h = Harness()

        @h.node.handler
        async def relay(msg):
            try:
                await h.node.call("n2", {"type": "ping"}, timeout=0.01)
            except RPCError as error:
                return {"type": "relay_ok", "outcome": error.name}

        h.feed(INIT)
        h.take()
        for i in range(1, 51):
            h.feed(request({"type": "relay", "msg_id": i}))
        await h.node.finish()  # nothing will ever answer the pings: each one times out
        replies = [m for m in h.take() if m["dest"] == "c1"]
        assert sorted(m["body"]["in_reply_to"] for m in replies) == list(range(1, 51))
        assert {m["body"]["outcome"] for m in replies} == {"timeout"}
    run(scenario())


# ----- service clients -----------------------------------------------------------------

class FakeKV:
    """A scripted single-copy key-value service answering the node's requests."""

    def __init__(self, harness, name):
        self.harness, self.name, self.data, self.seen = harness, name, {}, []
        self.next_ts = 0
        harness.node._write = self.write

    def write(self, line):
        msg = json.loads(line)
        if msg["dest"] != self.name:
            self.harness.out.append(line)
            return
        self.seen.append(msg["body"])
        reply = self.answer(msg["body"])
        reply["in_reply_to"] = msg["body"]["msg_id"]
        line = json.dumps({"src": self.name, "dest": msg["src"], "body": reply})
        # Delivered later, like the network would.
        asyncio.get_running_loop().call_soon(self.harness.node.feed, line)

    def answer(self, body):
        key = json.dumps(body.get("key"))
        missing = {"type": "error", "code": 20, "text": "key does not exist"}
        if body["type"] == "ts":
            self.next_ts += 1
            return {"type": "ts_ok", "ts": self.next_ts - 1}
        if body["type"] == "read":
            return {"type": "read_ok", "value": self.data[key]} if key in self.data else missing
        if body["type"] == "write":
            self.data[key] = body["value"]
            return {"type": "write_ok"}
        if key not in self.data:
            if not body.get("create_if_not_exists"):
                return missing
        elif self.data[key] != body["from"]:
            return {"type": "error", "code": 22,
                    "text": f"current value {self.data[key]} is not {body['from']}"}
        self.data[key] = body["to"]
        return {"type": "cas_ok"}


def test_kv_client_read_write_cas_against_a_fake_service():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        fake = FakeKV(h, "lin-kv")
        kv = LinKV(h.node)
        with pytest.raises(RPCError) as caught:
            await kv.read("counter")
        assert caught.value.code == ErrorCode.KEY_DOES_NOT_EXIST
        assert await kv.read("counter", default=0) == 0
        assert await kv.read("counter", default=None) is None
        with pytest.raises(RPCError) as caught:
            await kv.cas("counter", 0, 1)
        assert caught.value.code == ErrorCode.KEY_DOES_NOT_EXIST
        assert await kv.cas("counter", 0, 1, create=True) is True
        assert await kv.cas("counter", 0, 2) is False
        assert await kv.cas("counter", 1, 2) is True
        await kv.write(7, [1, "a"])
        assert await kv.read(7) == [1, "a"]
        assert await kv.read("counter") == 2
        assert fake.seen[:5] == [
            {"type": "read", "key": "counter", "msg_id": 1},
            {"type": "read", "key": "counter", "msg_id": 2},
            {"type": "read", "key": "counter", "msg_id": 3},
            {"type": "cas", "key": "counter", "from": 0, "to": 1, "msg_id": 4},
            {"type": "cas", "key": "counter", "from": 0, "to": 1,
             "create_if_not_exists": True, "msg_id": 5}]
        assert fake.seen[7] == {"type": "write", "key": 7, "value": [1, "a"], "msg_id": 8}
    run(scenario())


@pytest.mark.parametrize("client, service", [(SeqKV, "seq-kv"), (LWWKV, "lww-kv"),
                                             (LinKV, "lin-kv")])
def test_each_kv_client_talks_to_its_service(client, service):
    async def scenario():
        h = Harness()
        h.feed(INIT)
        fake = FakeKV(h, service)
        await client(h.node).write("k", 1)
        assert fake.data == {'"k"': 1}
        assert await KV(h.node, service).read("k") == 1
    run(scenario())


def test_kv_client_times_out_when_the_service_is_silent():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        with pytest.raises(RPCError) as caught:
            await SeqKV(h.node, timeout=0.01).read("k")
        assert caught.value.code == ErrorCode.TIMEOUT
    run(scenario())


def test_tso_client_returns_the_oracle_timestamps():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        fake = FakeKV(h, "lin-tso")
        tso = TSO(h.node)
        assert [await tso.ts() for _ in range(3)] == [0, 1, 2]
        assert fake.seen[0] == {"type": "ts", "msg_id": 1}
    run(scenario())


def test_concurrent_calls_each_get_their_own_reply():
    async def scenario():
        h = Harness()
        h.feed(INIT)
        FakeKV(h, "lin-kv")
        kv = LinKV(h.node)
        await asyncio.gather(*(kv.write(i, i * i) for i in range(20)))
        values = await asyncio.gather(*(kv.read(i) for i in range(20)))
        assert values == [i * i for i in range(20)]
    run(scenario())
