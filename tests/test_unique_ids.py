"""unique_ids.py (challenge 2) across kills and restarts: an id is never handed out twice.

In virtual time on the restart harness (a killed node's memory is gone; its restart gets a
new init), with the restarted node's random stream the same as before or a fresh one, and
with real processes, where a restart is a new process. A node that counts from 1, which
passes Maelstrom as long as nodes never restart, shows the check can fail.
"""

import asyncio
import collections
import json
import os
import random
import subprocess
import sys
import types

import pytest

import unique_ids
from maelstrom_node import Node
from glomers.virtual_time import run as run_virtual
from restart_cluster import RestartCluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = ["n0", "n1", "n2"]

# Restart-unsafe: unique only as long as the node is never restarted (Maelstrom issue #93).
COUNTER_IDS = '''\
"""Ids from a counter that starts at 1 in every process: a negative example."""
from maelstrom_node import run


def serve(node):
    minted = 0

    @node.handler
    def generate(msg):
        nonlocal minted
        minted += 1
        return {"type": "generate_ok", "id": f"{node.node_id}-{minted}"}


if __name__ == "__main__":
    run(serve)
'''


def counter_ids_serve():
    module = types.ModuleType("counter_ids")
    exec(COUNTER_IDS, module.__dict__)
    return module.serve


def ids_under_kills(serve, seed, seconds=10, backlog="after-init", fresh_random=False):
    """Two clients per node asking for ids while a nemesis kills one or two nodes at a time
    and restarts them after 0 s to 3 s. Returns (the ids handed out, restarts)."""
    async def scenario():
        cluster = RestartCluster(serve, NODES, seed, backlog=backlog,
                                 fresh_random=fresh_random)
        await cluster.start()
        loop = asyncio.get_running_loop()
        rng = random.Random(seed)
        end = loop.time() + seconds
        ids = []

        async def client(node_id, crng):
            while loop.time() < end:
                reply = await cluster.request(node_id, {"type": "generate"})
                if reply is not None:
                    assert reply["type"] == "generate_ok", reply
                    ids.append(reply["id"])
                await asyncio.sleep(crng.uniform(0, 0.02))

        async def nemesis():
            while loop.time() < end:
                await asyncio.sleep(rng.uniform(0.2, 2))
                victims = rng.sample(NODES, rng.randint(1, 2))
                for node_id in victims:
                    cluster.kill(node_id)
                await asyncio.sleep(rng.choice([0, rng.uniform(0, 0.1), rng.uniform(0, 3)]))
                for node_id in victims:
                    await cluster.restart(node_id)

        await asyncio.gather(nemesis(), *(client(n, random.Random(f"{seed}/{n}/{k}"))
                                          for n in NODES for k in range(2)))
        return ids, sum(cluster.incarnations.values()) - len(NODES)
    return run_virtual(scenario(), virtual=True)


def repeated(ids):
    """The ids handed out more than once."""
    return sorted(i for i, n in collections.Counter(ids).items() if n > 1)


@pytest.mark.parametrize("fresh_random", [False, True])
@pytest.mark.parametrize("backlog", ["after-init", "before-init", "drop"])
def test_ids_never_repeat_across_kills_and_restarts(backlog, fresh_random):
    for seed in range(1, 4):
        ids, restarts = ids_under_kills(unique_ids.serve, seed, backlog=backlog,
                                        fresh_random=fresh_random)
        assert repeated(ids) == []
        assert restarts > 5 and len(ids) > 1000
        assert {i.split("-")[0] for i in ids} == set(NODES)


def test_ids_from_a_counter_repeat_after_a_restart():
    ids, _ = ids_under_kills(counter_ids_serve(), seed=1)
    assert {"n0-1", "n1-1", "n2-1"} <= set(repeated(ids))


def test_the_same_seed_hands_out_the_same_ids():
    # Virtual time must replay exactly: the ids use the virtual clock and the seeded stream.
    first, _ = ids_under_kills(unique_ids.serve, seed=7, seconds=5)
    second, _ = ids_under_kills(unique_ids.serve, seed=7, seconds=5)
    assert first == second


def test_a_restart_in_the_same_instant_as_the_kill_with_the_same_stream_gets_new_ids():
    # The hardest case the clock has to carry alone: the new life starts and mints at the
    # very instant the old one died, and draws the same random bits. The old life's
    # incarnation is the time of its first id, which came before the kill.
    async def scenario():
        cluster = RestartCluster(unique_ids.serve, NODES, seed=3)
        await cluster.start()
        await asyncio.sleep(1)
        before = [(await cluster.request("n0", {"type": "generate"}))["id"] for _ in range(3)]
        await asyncio.sleep(0.5)
        before.append((await cluster.request("n0", {"type": "generate"}))["id"])
        cluster.kill("n0")
        await cluster.restart("n0")
        after = [(await cluster.request("n0", {"type": "generate"}))["id"] for _ in range(3)]
        return before, after
    before, after = run_virtual(scenario(), virtual=True)
    assert not set(before) & set(after)
    # Same random bits in both lives: only the clock part differs.
    old, new = (i.split("-", 1)[1].rsplit("-", 2) for i in (before[0], after[0]))
    assert old[1] == new[1] and old[0] != new[0]


def test_a_generate_before_init_names_the_node_it_reached():
    async def scenario():
        out = []
        node = Node(write=out.append, log=lambda text: None)
        unique_ids.serve(node)
        node.feed(json.dumps({"src": "c1", "dest": "n2", "body": {"type": "generate",
                                                                  "msg_id": 1}}))
        return [json.loads(line)["body"] for line in out]
    [reply] = run_virtual(scenario(), virtual=True)
    assert reply["type"] == "generate_ok" and reply["id"].startswith("n2-")


def test_two_processes_of_the_same_node_never_share_an_id():
    # A restart as Maelstrom does it: a new process for the same node, with the same init.
    lines = [json.dumps({"src": "c0", "dest": "n0", "body": {
        "type": "init", "msg_id": 1, "node_id": "n0", "node_ids": NODES}})]
    lines += [json.dumps({"src": "c1", "dest": "n0", "body": {"type": "generate",
                                                              "msg_id": i}})
              for i in range(2, 502)]
    lives = []
    for _ in range(2):
        done = subprocess.run([os.path.join(ROOT, "unique_ids.py")],
                              input="\n".join(lines) + "\n", capture_output=True, text=True,
                              timeout=60, check=True)
        replies = [json.loads(line)["body"] for line in done.stdout.splitlines()]
        lives.append({r["id"] for r in replies if r["type"] == "generate_ok"})
    assert len(lives[0]) == len(lives[1]) == 500
    assert not lives[0] & lives[1]


def test_a_counter_process_repeats_its_ids_when_restarted(tmp_path):
    script = tmp_path / "counter_ids.py"
    script.write_text(COUNTER_IDS)
    lines = [json.dumps({"src": "c0", "dest": "n0", "body": {
        "type": "init", "msg_id": 1, "node_id": "n0", "node_ids": NODES}}),
        json.dumps({"src": "c1", "dest": "n0", "body": {"type": "generate", "msg_id": 2}})]
    env = {**os.environ, "PYTHONPATH": ROOT}
    ids = []
    for _ in range(2):
        done = subprocess.run([sys.executable, str(script)], input="\n".join(lines) + "\n",
                              capture_output=True, text=True, timeout=60, check=True,
                              env=env)
        ids += [json.loads(line)["body"].get("id") for line in done.stdout.splitlines()]
    assert repeated([i for i in ids if i]) == ["n0-1"]
