"""The network: latency rules, per-receiver order, partitions at dequeue, journal and stats."""

import asyncio
import random

import pytest

from glomers.net import InvalidMessage, Network, latency_sampler, parse_node_line
from glomers.virtual_time import run

pytestmark = pytest.mark.timeout(60)     # unit tests: a hang shows in a minute


def make_net(latency_ms=100, dist="constant", seed=1):
    loop = asyncio.get_running_loop()
    return Network(loop, latency_sampler(latency_ms, dist, random.Random(seed)), loop.time())


def collect(net, *ids):
    got = {i: [] for i in ids}
    for i in ids:
        net.register(i, lambda m, i=i: got[i].append((round(net.loop.time(), 6), m.src,
                                                       m.body)))
    return got


def test_node_to_node_pays_latency_and_client_traffic_does_not():
    async def scenario():
        net = make_net(100)
        got = collect(net, "n0", "n1", "c1", "seq-kv")
        net.send("n0", "n1", {"type": "a"})
        net.send("c1", "n0", {"type": "b"})
        net.send("n0", "seq-kv", {"type": "read"})
        await asyncio.sleep(1)
        return got
    got = run(scenario(), virtual=True)
    assert got["n1"] == [(0.1, "n0", {"type": "a"})]
    assert got["n0"] == [(0.0, "c1", {"type": "b"})]
    assert got["seq-kv"] == [(0.1, "n0", {"type": "read"})]     # services are not clients


def test_constant_latency_delivers_in_send_order_per_receiver():
    async def scenario():
        net = make_net(50)
        got = collect(net, "n0", "n1", "n2")
        for i in range(20):
            net.send("n0" if i % 2 else "n2", "n1", {"i": i})
            await asyncio.sleep(0.001)
        await asyncio.sleep(1)
        return [b["i"] for _, _, b in got["n1"]]
    assert run(scenario(), virtual=True) == list(range(20))


def test_slow_head_holds_back_a_faster_later_message():
    # Maelstrom's consumer takes the head and sleeps until its deadline; a message that
    # arrives meanwhile with an earlier deadline waits behind it.
    latencies = iter([300, 10])

    async def scenario():
        loop = asyncio.get_running_loop()
        net = Network(loop, lambda: next(latencies), loop.time())
        got = collect(net, "n0", "n1")
        net.send("n0", "n1", {"i": "slow"})
        await asyncio.sleep(0.05)
        net.send("n0", "n1", {"i": "fast"})
        await asyncio.sleep(1)
        return got["n1"]
    delivered = run(scenario(), virtual=True)
    assert [b["i"] for _, _, b in delivered] == ["slow", "fast"]
    assert delivered[1][0] == pytest.approx(0.3)


def test_partition_checked_when_the_receiver_takes_the_message():
    async def scenario():
        net = make_net(100)
        got = collect(net, "n0", "n1", "c0")
        net.send("n0", "n1", {"i": 1})        # taken at once: delivered despite the partition
        net.send("n0", "n1", {"i": 2})        # still queued behind it when the partition starts
        net.partition({"n1": {"n0"}})
        net.send("c0", "n1", {"i": 3})        # clients are never partitioned
        net.send("n1", "n0", {"i": 4})        # one direction only
        await asyncio.sleep(1)
        net.heal()
        net.send("n0", "n1", {"i": 5})
        await asyncio.sleep(1)
        return got, net
    got, net = run(scenario(), virtual=True)
    assert [b["i"] for _, _, b in got["n1"]] == [1, 3, 5]
    assert [b["i"] for _, _, b in got["n0"]] == [4]
    sends = sum(1 for _, e, _ in net.journal if e == "send")
    recvs = sum(1 for _, e, _ in net.journal if e == "recv")
    assert (sends, recvs) == (5, 4)                 # the dropped message has no recv


def test_uniform_and_exponential_latency_draws():
    rng = random.Random(7)
    uniform = latency_sampler(100, "uniform", rng)
    draws = [uniform() for _ in range(5000)]
    assert min(draws) >= 0 and max(draws) < 200 and all(isinstance(d, int) for d in draws)
    assert 90 < sum(draws) / len(draws) < 110
    exponential = latency_sampler(100, "exponential", rng)
    draws = [exponential() for _ in range(5000)]
    assert min(draws) >= 0 and 85 < sum(draws) / len(draws) < 115
    with pytest.raises(ValueError):
        latency_sampler(0, "uniform", rng)


def test_stats_classify_client_and_server_traffic():
    async def scenario():
        net = make_net(10)
        collect(net, "n0", "n1", "c0", "lin-kv")
        net.send("c0", "n0", {})
        net.send("n0", "c0", {})
        net.send("n0", "n1", {})
        net.send("n0", "lin-kv", {})
        net.partition({"lin-kv": {"n0"}})     # (services are never in a real grudge)
        net.send("n1", "n0", {})
        await asyncio.sleep(1)
        return net.stats()
    stats = run(scenario(), virtual=True)
    assert stats["clients"] == {"send-count": 2, "recv-count": 2, "msg-count": 2}
    assert stats["servers"] == {"send-count": 3, "recv-count": 3, "msg-count": 3}
    assert stats["all"]["msg-count"] == 5


def test_unknown_endpoints_are_refused():
    async def scenario():
        net = make_net(0)
        collect(net, "n0")
        with pytest.raises(InvalidMessage, match="n9"):
            net.send("n0", "n9", {})
    run(scenario(), virtual=True)


@pytest.mark.parametrize("line, reason", [
    ("hello world", "not well-formed JSON"),
    ("[1, 2]", "JSON object"),
    ('{"src": "n0", "dest": "c1", "body": {}, "extra": 1}', "extra top-level key"),
    ('{"src": "n0", "body": {}}', "missing top-level key"),
    ('{"src": "n0", "dest": 3, "body": {}}', "must be strings"),
    ('{"src": "n0", "dest": "c1", "body": "text"}', "body must be a JSON object"),
    ('{"src": "n0", "dest": "c1", "body": {}, "id": "x"}', "id must be an integer"),
    ("", "not well-formed JSON"),
])
def test_node_lines_maelstrom_refuses(line, reason):
    with pytest.raises(InvalidMessage, match=reason):
        parse_node_line(line, "n0")


def test_node_line_accepted_with_null_body_and_id():
    assert parse_node_line('{"src":"n0","dest":"c1","body":null,"id":4}', "n0") == ("n0", "c1", {})


@pytest.mark.parametrize("at_once", [True, False], ids=["real-time", "virtual-time"])
def test_messages_already_due_go_back_to_back_in_real_time(at_once):
    # Real time: after one delivery the consumer hands over every message already due in
    # the same loop step (Maelstrom's thread does not wait between them), in order, still
    # consulting the partition table for each; virtual time keeps one per step.
    async def scenario():
        loop = asyncio.get_running_loop()
        net = Network(loop, lambda: 0, loop.time(), deliver_due_at_once=at_once)
        got, after_first_step = [], []

        def deliver(message):
            got.append(message.body["i"])
            if len(got) == 1:
                loop.call_soon(lambda: after_first_step.append(list(got)))
            if message.body["i"] == 3:
                net.partition({"n1": {"n2"}})      # from now on n1 drops what n2 sends
        net.register("n1", deliver)
        net.register("n0", lambda m: None)
        net.register("n2", lambda m: None)
        for i in range(6):
            net.send("n0" if i != 4 else "n2", "n1", {"i": i})
        await asyncio.sleep(0.05)
        return got, after_first_step, net.journal
    got, after_first_step, journal = asyncio.run(scenario())
    assert got == [0, 1, 2, 3, 5]                       # 4 came from n2: dropped at its turn
    assert [(e, m.body["i"]) for _, e, m in journal if e == "drop"] == [("drop", 4)]
    assert after_first_step == ([[0, 1, 2, 3, 5]] if at_once else [[0]])


def test_back_to_back_deliveries_are_bounded_per_step():
    from glomers import net as net_module

    async def scenario():
        loop = asyncio.get_running_loop()
        net = Network(loop, lambda: 0, loop.time(), deliver_due_at_once=True)
        got, first_step = [], []
        net.register("n1", lambda m: (got.append(m.body["i"]),
                                      len(got) == 1 and loop.call_soon(
                                          lambda: first_step.append(len(got)))))
        net.register("n0", lambda m: None)
        for i in range(net_module.DUE_AT_ONCE + 50):
            net.send("n0", "n1", {"i": i})
        await asyncio.sleep(0.05)
        return got, first_step
    got, first_step = asyncio.run(scenario())
    assert got == list(range(net_module.DUE_AT_ONCE + 50))
    assert first_step == [1 + net_module.DUE_AT_ONCE]
