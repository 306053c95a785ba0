"""The network's side of a kill (faults.md §4.1, §4.2): a killed node's queue stays, sends to
it succeed and wait undelivered; its restart gets an empty queue and the backlog is gone."""

import asyncio

from glomers.net import Network
from glomers.virtual_time import VirtualTimeLoop


def test_a_held_queue_takes_sends_delivers_nothing_and_reopens_empty():
    async def scenario():
        loop = asyncio.get_running_loop()
        net = Network(loop, lambda: 10, origin=loop.time())
        got = []
        net.register("n0", lambda m: got.append(("n0", m.body["k"])))
        net.register("n1", lambda m: got.append(("n1", m.body["k"])))
        net.send("n0", "n1", {"k": 1})          # taken by n1's consumer, due in 10 ms
        net.hold("n1")                          # n1 is killed before it arrives
        net.send("n0", "n1", {"k": 2})          # sends to a dead node still succeed
        net.send("n0", "n1", {"k": 3})
        await asyncio.sleep(1)
        assert got == []
        assert net.reopen("n1") == 2            # the backlog, dropped at the restart
        net.send("n0", "n1", {"k": 4})
        await asyncio.sleep(1)
        assert got == [("n1", 4)]
        events = [(event, m.body["k"]) for _, event, m in net.journal]
        assert [k for event, k in events if event == "send"] == [1, 2, 3, 4]
        assert [k for event, k in events if event == "recv"] == [4]
        assert net.stats()["servers"]["send-count"] == 4
        assert net.stats()["servers"]["recv-count"] == 1
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        runner.run(scenario())
