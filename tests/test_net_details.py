"""The network's smaller promises: the line a node receives, the journal as dicts, halt and
unregister losing what was in flight, and the numbers a node's line may not carry. (Found
by mutation testing, tools/mutate.py: each was a change no test noticed.)"""

import asyncio
import contextvars
import json
import random

import pytest

from glomers.net import InvalidMessage, Message, Network, latency_sampler, parse_node_line
from glomers.virtual_time import run

pytestmark = pytest.mark.timeout(60)


def make_net():
    loop = asyncio.get_running_loop()
    return Network(loop, latency_sampler(100, "constant", random.Random(1)), loop.time())


def test_a_node_receives_id_src_dest_body_in_that_order_without_spaces():
    line = Message(7, "c1", "n0", {"type": "echo", "echo": "a b"}).line()
    assert line == '{"id":7,"src":"c1","dest":"n0","body":{"type":"echo","echo":"a b"}}'


def test_a_message_counts_as_server_traffic_unless_told_otherwise():
    assert Message(1, "n0", "n1", {}).traffic == "servers"


def test_the_kept_journal_reads_as_dicts_in_time_order():
    async def scenario():
        await asyncio.sleep(2.0)     # times count from the network's origin, not the loop's
        net = make_net()
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: None)
        await asyncio.sleep(0.5)
        net.send("n0", "n1", {"type": "a"})
        await asyncio.sleep(1000)
        net.send("n1", "n0", {"type": "b"})
        await asyncio.sleep(1)
        return list(net.journal_events())
    a = {"id": 0, "src": "n0", "dest": "n1", "body": {"type": "a"}}
    b = {"id": 1, "src": "n1", "dest": "n0", "body": {"type": "b"}}
    assert run(scenario(), virtual=True) == [
        {"time": 500_000_000, "event": "send", **a},
        {"time": 600_000_000, "event": "recv", **a},
        {"time": 1000_500_000_000, "event": "send", **b},
        {"time": 1000_600_000_000, "event": "recv", **b}]


@pytest.mark.parametrize("stop", ["halt", "unregister"])
def test_halt_and_unregister_lose_what_is_in_flight(stop):
    async def scenario():
        net = make_net()
        got = []
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: got.append(m.body))
        net.send("n0", "n1", {"type": "a"})
        net.halt() if stop == "halt" else net.unregister("n1")
        await asyncio.sleep(1)
        events = [event["event"] for event in net.journal_events()]
        return got, events
    assert run(scenario(), virtual=True) == ([], ["send"])


def test_unregistering_an_unknown_endpoint_is_harmless():
    async def scenario():
        net = make_net()
        net.unregister("n9")
        net.register("n0", lambda m: None)
        with pytest.raises(InvalidMessage):
            net.send("n0", "n9", {})
    run(scenario(), virtual=True)


NOT_JSON = ("is not a JSON number (Python's json module writes it, but Maelstrom's JSON "
            "parser refuses it; encode with allow_nan=False)")
HUGE = "1" + "0" * 45 + "e400"


@pytest.mark.parametrize("number, why", [
    ("NaN", "NaN " + NOT_JSON),
    ("Infinity", "Infinity " + NOT_JSON),
    ("-Infinity", "-Infinity " + NOT_JSON),
    (HUGE, f"the number {HUGE[:40]} does not fit a 64-bit float (the bench refuses it "
           "rather than turn it into Infinity)"),
])
def test_numbers_maelstrom_cannot_read_are_refused_with_the_reason(number, why):
    line = '{"src":"n0","dest":"c1","body":{"type":"x","v":%s}}' % number
    with pytest.raises(InvalidMessage) as refused:
        parse_node_line(line, "n0")
    assert str(refused.value) == f"this line is not valid JSON for Maelstrom: {why}"


def test_ordinary_floats_pass_as_floats():
    line = '{"src":"n0","dest":"c1","body":{"v":1.5,"w":-2e3,"big":1e308}}'
    assert parse_node_line(line, "n0") == ("n0", "c1", {"v": 1.5, "w": -2000.0, "big": 1e308})


def test_a_partition_drop_is_journaled_when_the_consumer_takes_the_message():
    async def scenario():
        await asyncio.sleep(1.0)
        net = make_net()
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: None)
        net.partition({"n1": ["n0"]})
        await asyncio.sleep(0.25)
        net.send("n0", "n1", {"type": "a"})
        await asyncio.sleep(1)
        return list(net.journal_events())
    send, drop = run(scenario(), virtual=True)
    assert drop == {**send, "event": "drop"} and drop["time"] == 250_000_000


def test_a_dropped_message_does_not_hold_back_the_ones_queued_behind_it():
    async def scenario():
        net = make_net()
        got = []
        for node in ("n0", "n2"):
            net.register(node, lambda m: None)
        net.register("n1", lambda m: got.append(m.body["i"]))
        net.send("n2", "n1", {"i": 1})          # taken by n1's consumer at once
        net.send("n0", "n1", {"i": 2})          # queued behind it ...
        net.send("n2", "n1", {"i": 3})
        net.partition({"n1": ["n0"]})            # ... and dropped when taken
        await asyncio.sleep(1)
        return got
    assert run(scenario(), virtual=True) == [1, 3]


def test_deliveries_raise_nothing_and_run_outside_the_senders_context():
    sender = contextvars.ContextVar("sender", default="bench")

    async def scenario():
        errors = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: errors.append(ctx))
        net = make_net()
        seen = []
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: seen.append(sender.get()))
        sender.set("n0's handler")
        for _ in range(3):
            net.send("n0", "n1", {})
            await asyncio.sleep(0.5)
        return seen, errors
    assert run(scenario(), virtual=True) == (["bench"] * 3, [])


@pytest.mark.parametrize("line, explanation", [
    ("[" * 100_000, "this line nests JSON deeper than the bench can read"),
    ('{"v": %s}' % ("9" * 5000), "this line cannot be read: Exceeds the limit"),
    ("hello", "this line is not well-formed JSON (was it meant for stderr?)"),
    ("[1, 2]", "a message must be a JSON object with src, dest and body"),
    ('{"src": "n0", "dest": "c1", "body": {}, "x": 1, "a": 2}',
     "extra top-level key(s) a, x: only src, dest, body (and id) are allowed; "
     "put data inside body"),
    ('{"body": {}}', "missing top-level key(s) src, dest"),
    ('{"src": "n0", "dest": 3, "body": {}}', "src and dest must be strings"),
    ('{"src": "n0", "dest": "c1", "body": {}, "id": true}', "id must be an integer"),
    ('{"src": "n0", "dest": "c1", "body": [1]}', "body must be a JSON object"),
])
def test_a_refused_line_is_explained_in_full(line, explanation):
    with pytest.raises(InvalidMessage) as refused:
        parse_node_line(line, "n0")
    # Python's own words for too many digits may change: for that one, their beginning.
    assert str(refused.value) == explanation or (
        "Exceeds" in explanation and str(refused.value).startswith(explanation))


@pytest.mark.parametrize("src, dest", [("n9", "n0"), ("n0", "n9")])
def test_a_send_to_or_from_an_unknown_endpoint_names_it(src, dest):
    async def scenario():
        net = make_net()
        net.register("n0", lambda m: None)
        with pytest.raises(InvalidMessage) as refused:
            net.send(src, dest, {})
        assert str(refused.value) == "'n9' is not a node, service or open client connection"
    run(scenario(), virtual=True)


def test_messages_with_the_same_deadline_arrive_in_send_order():
    async def scenario():
        net = make_net()
        got = []
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: got.append(m.body["i"]))
        for i in range(5):
            net.send("n0", "n1", {"i": i})
        await asyncio.sleep(1)
        return got
    assert run(scenario(), virtual=True) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("mean_ms, dist, error", [
    (0, "uniform", "--latency-dist uniform needs --latency of at least 1 ms"),
    (0, "exponential", "--latency-dist exponential needs --latency of at least 1 ms"),
    (5, "normal", "unknown latency distribution 'normal'"),
])
def test_latency_settings_the_bench_refuses(mean_ms, dist, error):
    with pytest.raises(ValueError) as refused:
        latency_sampler(mean_ms, dist, random.Random(1))
    assert str(refused.value) == error


def test_a_mean_latency_of_one_millisecond_is_allowed():
    sample = latency_sampler(1, "uniform", random.Random(1))
    assert {sample() for _ in range(100)} == {0, 1}


def test_messages_are_numbered_from_0_in_send_order():
    async def scenario():
        net = make_net()
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: None)
        return [net.send("n0", "n1", {}).id for _ in range(4)]
    assert run(scenario(), virtual=True) == [0, 1, 2, 3]


def test_the_journal_text_of_a_message_is_its_compact_json_after_time_and_event():
    message = Message(7, "c1", "n0", {"type": "echo", "echo": "é"})
    assert message.journal_tail() == \
        ',"id":7,"src":"c1","dest":"n0","body":{"type":"echo","echo":"\\u00e9"}}'
    assert message.journal_tail() == message.journal_tail()


@pytest.mark.parametrize("fields", [("7", "c1", "n0"), (True, "c1", "n0"), (7, 1, "n0"),
                                    (7, "c1", None)])
def test_fields_of_the_wrong_type_have_no_journal_text_but_still_a_line(fields):
    message = Message(*fields, {"a": 1})
    with pytest.raises(TypeError) as refused:
        message.journal_tail()
    assert str(refused.value) == "a message field of an unexpected type"
    id_, src, dest = (json.dumps(field) for field in fields)
    assert message.line() == f'{{"id":{id_},"src":{src},"dest":{dest},"body":{{"a":1}}}}'


def test_a_body_holding_nan_has_no_journal_text_but_still_a_line():
    message = Message(1, "n0", "n1", {"x": float("nan")})
    with pytest.raises(ValueError):
        message.journal_tail()
    assert message.line() == '{"id":1,"src":"n0","dest":"n1","body":{"x":NaN}}'


def test_a_line_with_an_id_but_no_body_is_refused_for_its_missing_body():
    with pytest.raises(InvalidMessage) as refused:
        parse_node_line('{"id": 1, "src": "n0", "dest": "n1"}', "n0")
    assert str(refused.value) == "missing top-level key(s) body"


def test_a_client_message_is_numbered_addressed_and_sent_without_latency():
    async def scenario():
        net = make_net()
        got = []
        net.register("n0", lambda m: got.append((m.id, m.src, m.dest, m.traffic)))
        net.register("c1", lambda m: None)
        net.send("n0", "n0", {})
        net.send("c1", "n0", {})
        await asyncio.sleep(1)
        return got, [(t, e) for t, e, m in net.journal]
    got, events = run(scenario(), virtual=True)
    assert got == [(0, "n0", "n0", "servers"), (1, "c1", "n0", "clients")]
    assert events == [(0, "send"), (0, "send"), (100_000_000, "recv"), (100_000_000, "recv")]


def _near(times_ns, expected_ns):
    """Journal times equal up to float rounding (10 ns; a clock off by one part in a
    billion is 1000 ns off after 1000 s)."""
    return len(times_ns) == len(expected_ns) and all(
        abs(t - e) <= 10 for t, e in zip(times_ns, expected_ns))


def test_a_queued_message_waits_its_own_latency_from_its_send():
    async def scenario():
        await asyncio.sleep(1000)          # times count from the network's origin
        net = make_net()
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: None)
        net.send("n0", "n1", {})            # taken at once, due at 100 ms
        await asyncio.sleep(0.05)
        net.send("n0", "n1", {})            # queued behind it, due at 150 ms
        await asyncio.sleep(1)
        return [t for t, event, m in net.journal if event == "recv"]
    assert _near(run(scenario(), virtual=True), [100_000_000, 150_000_000])


def test_the_last_queued_message_dropped_is_journaled_at_the_time_it_is_taken():
    async def scenario():
        await asyncio.sleep(1000)
        net = make_net()
        for node in ("n0", "n1", "n2"):
            net.register(node, lambda m: None)
        await asyncio.sleep(1000.25)
        net.send("n2", "n1", {"i": 1})      # taken at once, due 100 ms later
        net.send("n0", "n1", {"i": 2})      # queued; dropped when taken at 100 ms
        net.partition({"n1": ["n0"]})
        await asyncio.sleep(1)
        return [(event, m.body["i"]) for t, event, m in net.journal], \
            [t for t, event, m in net.journal]
    events, times = run(scenario(), virtual=True)
    assert events == [("send", 1), ("send", 2), ("recv", 1), ("drop", 2)]
    assert _near(times, [1_000_250_000_000] * 2 + [1_000_350_000_000] * 2)


def test_a_message_dropped_at_send_is_journaled_at_its_send_time():
    async def scenario():
        await asyncio.sleep(1000)
        net = make_net()
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: None)
        net.partition({"n1": ["n0"]})
        await asyncio.sleep(1000.25)
        net.send("n0", "n1", {})
        return [event for t, event, m in net.journal], [t for t, event, m in net.journal]
    events, times = run(scenario(), virtual=True)
    assert events == ["send", "drop"]
    assert _near(times, [1_000_250_000_000] * 2)


def test_queued_deliveries_run_outside_the_senders_context_too():
    sender = contextvars.ContextVar("sender", default="bench")

    async def scenario():
        net = make_net()
        seen = []
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: seen.append(sender.get()))
        sender.set("n0's handler")
        for _ in range(3):
            net.send("n0", "n1", {})        # the second and third wait in the queue
        await asyncio.sleep(1)
        return seen
    assert run(scenario(), virtual=True) == ["bench"] * 3


def test_sends_to_a_killed_node_wait_in_its_queue_until_it_restarts():
    async def scenario():
        net = make_net()
        got = []
        net.register("n0", lambda m: None)
        net.register("n1", lambda m: got.append(m.body["i"]))
        net.hold("n1")
        net.send("n0", "n1", {"i": 1})
        net.send("n0", "n1", {"i": 2})
        await asyncio.sleep(1)
        return got, net.reopen("n1")
    assert run(scenario(), virtual=True) == ([], 2)


def test_each_delivery_runs_in_a_fresh_context_whatever_the_last_one_set():
    mark = contextvars.ContextVar("mark", default="fresh")

    async def scenario():
        net = make_net()
        seen = []

        def deliver(message):
            seen.append(mark.get())
            mark.set("set by a delivery")
        net.register("n0", lambda m: None)
        net.register("n1", deliver)
        for _ in range(3):
            net.send("n0", "n1", {})        # the second and third wait in the queue
        await asyncio.sleep(1)
        return seen
    assert run(scenario(), virtual=True) == ["fresh"] * 3


def _deliveries(latencies_ms, plan):
    """The bodies n1 receives, in order, when n0 sends at the planned times (ms) with the
    given latencies; a body with "echo" makes n1's delivery send that body to itself."""
    async def scenario():
        loop = asyncio.get_running_loop()
        delays = iter(latencies_ms)
        net = Network(loop, lambda: next(delays), loop.time())
        got = []

        def deliver(message):
            got.append(message.body["i"])
            if "echo" in message.body:
                net.send("n0", "n1", {"i": message.body["echo"]})
        net.register("n0", lambda m: None)
        net.register("n1", deliver)
        start = loop.time()
        for at_ms, body in plan:
            await asyncio.sleep(start + at_ms / 1000 - loop.time())
            net.send("n0", "n1", body)
        await asyncio.sleep(1)
        return got
    return run(scenario(), virtual=True)


def test_a_message_taken_from_the_queue_holds_the_consumer_until_delivered():
    # m0 due at 100; m1 (sent at 50) waits, taken at 100, due at 150; m2 (sent at 120,
    # no latency) must wait for the consumer to deliver m1.
    assert _deliveries([100, 100, 0], [(0, {"i": 0}), (50, {"i": 1}), (120, {"i": 2})]) == \
        [0, 1, 2]


def test_a_message_sent_by_a_delivery_does_not_let_two_be_in_flight():
    # m0 (due 100) sends m2 to n1 when delivered, with no latency: m2 is taken before m1
    # (due 150), then m1; m3 (sent at 120, no latency) waits for m1.
    assert _deliveries([100, 100, 0, 0], [(0, {"i": 0, "echo": 2}), (50, {"i": 1}),
                                          (120, {"i": 3})]) == [0, 2, 1, 3]


# ---------------------------------------------------------------------------------------
# Real time: messages already due go back to back (Network(deliver_due_at_once=True)),
# driven here by a clock that stands still, so every time and order is exact.

class _StillLoop:
    """The two things the network asks of a loop: the time, and timers (kept, run by hand)."""

    def __init__(self, now):
        self.now, self.timers, self.scheduled = now, [], 0

    def time(self):
        return self.now

    def call_at(self, when, callback, *args, context=None):
        self.timers.append((when, callback, args))
        self.scheduled += 1

    def run_due(self):
        while any(when <= self.now for when, _, _ in self.timers):
            due = min((t for t in self.timers if t[0] <= self.now), key=lambda t: t[0])
            self.timers.remove(due)
            due[1](*due[2])


def _still_net(latencies, on_deliver=None):
    loop = _StillLoop(10.0)
    net = Network(loop, iter(latencies).__next__, origin=4.0, deliver_due_at_once=True)
    got = []

    def deliver(message):
        got.append(message.body["i"])
        if on_deliver is not None:
            on_deliver(net, message.body["i"])
    net.register("n1", deliver)
    net.register("n0", lambda m: None)
    net.register("n2", lambda m: None)
    return loop, net, got


def test_due_messages_are_delivered_at_once_counted_and_journaled():
    # The third message is due 5 s later: it waits for its own timer.
    loop, net, got = _still_net([0, 0, 0, 5000])
    for i in range(4):
        net.send("n0", "n1", {"i": i})
    loop.run_due()
    assert got == [0, 1, 2]
    # One timer for the first message, one for the message not yet due: the two due
    # behind the first went in the same step, without timers of their own.
    assert loop.scheduled == 2
    assert net.stats()["servers"]["recv-count"] == 3
    assert [(t, e, m.body["i"]) for t, e, m in net.journal if e == "recv"] == \
        [(6_000_000_000, "recv", i) for i in range(3)]
    loop.now = 15.0
    loop.run_due()
    assert got == [0, 1, 2, 3] and net.stats()["servers"]["recv-count"] == 4


def test_a_due_message_from_a_cut_sender_is_dropped_and_journaled_at_its_turn():
    loop, net, got = _still_net([0, 0, 0])
    net.partition({"n1": {"n2"}})
    net.send("n0", "n1", {"i": 0})
    net.send("n2", "n1", {"i": 1})
    net.send("n0", "n1", {"i": 2})
    loop.run_due()
    assert got == [0, 2]
    assert [(t, e, m.body["i"]) for t, e, m in net.journal if e == "drop"] == \
        [(6_000_000_000, "drop", 1)]


@pytest.mark.parametrize("stop", ["halt", "hold", "unregister"])
def test_nothing_more_is_delivered_once_the_receiver_or_the_network_stops(stop):
    def on_deliver(net, i):
        if i == 0:
            {"halt": net.halt, "hold": lambda: net.hold("n1"),
             "unregister": lambda: net.unregister("n1")}[stop]()
    loop, net, got = _still_net([0, 0, 0], on_deliver)
    for i in range(3):
        net.send("n0", "n1", {"i": i})
    loop.run_due()
    assert got == [0]


def test_a_message_the_consumer_took_meanwhile_keeps_its_place():
    # Delivering message 0 makes n0 send again to n1: the consumer takes the queue's head
    # (message 1) for its timer, so the back-to-back run stops; order is kept.
    def on_deliver(net, i):
        if i == 0:
            net.send("n0", "n1", {"i": 3})
    loop, net, got = _still_net([0, 0, 0, 0], on_deliver)
    for i in range(3):
        net.send("n0", "n1", {"i": i})
    loop.run_due()
    assert got == [0, 1, 2, 3]
