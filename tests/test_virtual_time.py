"""Virtual time: the loop's clock, replay by seed across processes, and --seeds."""

import asyncio
import os
import subprocess
import sys

import pytest

from glomers.virtual_time import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_clock_jumps_to_each_timer_in_order():
    async def scenario():
        loop = asyncio.get_running_loop()
        seen = []

        async def sleeper(delay):
            await asyncio.sleep(delay)
            seen.append((delay, loop.time()))

        await asyncio.gather(*(sleeper(d) for d in (3, 1, 2, 100)))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.get_running_loop().create_future(), 5)
        return seen, loop.time()

    seen, end = run(scenario(), virtual=True)
    assert seen == [(1, 1.0), (2, 2.0), (3, 3.0), (100, 100.0)]
    assert end == 105.0


def test_waiting_on_nothing_is_reported_not_hung():
    async def scenario():
        await asyncio.get_running_loop().create_future()
    with pytest.raises(RuntimeError, match="wait forever"):
        run(scenario(), virtual=True)


def _history(tmp_path, name, seed, hash_seed):
    store = tmp_path / name
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    subprocess.run([sys.executable, "-m", "glomers", "challenge", "3c", "--virtual-time",
                    "--quiet", "--seed", str(seed), "--store", str(store)],
                   cwd=ROOT, env=env, check=False, capture_output=True, timeout=300)
    return (store / "latest" / "history.edn").read_bytes()


@pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "broadcast.py")),
                    reason="broadcast.py not written yet")
def test_same_seed_same_history_across_processes(tmp_path):
    # Different hash seeds: nothing in the bench or the script may depend on set order.
    first = _history(tmp_path, "a", 7, 1)
    second = _history(tmp_path, "b", 7, 2)
    assert first == second
    assert _history(tmp_path, "c", 8, 1) != first


def test_seeds_lists_failures_with_replay_commands(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "glomers", "test", "-w", "echo", "--bin",
         os.path.join("tests", "nodes", "wrong_echo.py"), "--node-count", "1",
         "--time-limit", "2", "--virtual-time", "--seeds", "3", "--seed", "10",
         "--store", str(tmp_path / "s")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    for seed in (10, 11, 12):
        assert f"seed {seed}: FAILED" in proc.stdout
        assert f"--seed {seed}" in proc.stdout
    assert "0 of 3 seeds valid" in proc.stdout
    assert "--seeds" not in proc.stdout.split("replay seed 10:")[1].splitlines()[0]


@pytest.mark.parametrize("script", ["echo.py", "unique_ids.py", "broadcast.py", "counter.py",
                                    "kafka_log.py", "txn.py"])
def test_scripts_use_the_nodes_clock_and_random_only(script):
    # Under --virtual-time the clock and the random source must come from the node, or a
    # run could not be replayed from its seed.
    import ast
    tree = ast.parse(open(os.path.join(ROOT, script)).read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"time", "random", "datetime", "threading", "secrets"}, imported


def test_a_run_defers_full_collections_and_restores_the_collector(tmp_path, monkeypatch):
    # Full collections scan the whole, growing history: during a run they wait for
    # FULL_COLLECTION_AFTER young collections; afterwards the collector is as it was.
    import gc

    from glomers import main
    seen = []
    analyze = main.analyze

    def watching(*args, **kwargs):
        seen.append(gc.get_threshold())
        return analyze(*args, **kwargs)
    monkeypatch.setattr(main, "analyze", watching)
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], 7)
    try:
        status = main.main(["test", "-w", "echo", "--bin", os.path.join(ROOT, "echo.py"),
                            "--node-count", "1", "--time-limit", "1", "--virtual-time",
                            "--seed", "3", "--quiet", "--no-pictures", "--store", str(tmp_path)])
        assert status == 0
        assert seen and seen[0][2] == main.FULL_COLLECTION_AFTER
        assert gc.get_threshold()[2] == 7
    finally:
        gc.set_threshold(*before)


def test_a_script_is_compiled_once_but_each_node_gets_fresh_globals(tmp_path):
    from glomers import in_process_host
    script = tmp_path / "counting_node.py"
    script.write_text("COUNT = []\n\ndef serve(node):\n    COUNT.append(node)\n")
    first = in_process_host.load_script(str(script), "_test_node_a")
    second = in_process_host.load_script(str(script), "_test_node_b")
    first.serve("x")
    assert first.COUNT == ["x"] and second.COUNT == []      # separate module state
    assert first.__file__ == str(script) and second.__name__ == "_test_node_b"
    assert first.serve.__code__ is second.serve.__code__    # one compilation
    # An edited script is compiled again (a longer file: a new size, whatever the clock).
    script.write_text("COUNT = ['edited']\n\ndef serve(node):\n    COUNT.append(node)\n")
    assert in_process_host.load_script(str(script), "_test_node_c").COUNT == ["edited"]
    script.write_text("def serve(node):\n    return (\n")
    with pytest.raises(SyntaxError):
        in_process_host.load_script(str(script), "_test_node_d")


def test_an_in_process_node_keeps_no_finished_task(tmp_path):
    # Each message runs in a task of the node's; the host tracks the live ones (to cancel
    # them when the node is killed) and must let go of each as it ends.
    from glomers import in_process_host
    from glomers.net import Message

    async def scenario():
        in_process_host.contain_node_code(asyncio.get_running_loop())
        lines = []
        script = tmp_path / "async_echo.py"
        script.write_text("import asyncio\n\nimport maelstrom_node\n\n\ndef serve(node):\n"
                          "    @node.handler\n    async def echo(msg):\n"
                          "        await asyncio.sleep(0.001)\n"
                          "        return {'type': 'echo_ok', 'echo': msg.body['echo']}\n")
        host = in_process_host.InProcessHost(
            "n0", str(tmp_path), lambda node_id, line: lines.append(line), False,
            str(script), __import__("random").Random(1))
        await host.start()
        host.deliver(Message(0, "c0", "n0", {"type": "init", "msg_id": 1, "node_id": "n0",
                                             "node_ids": ["n0"]}))
        for i in range(200):
            host.deliver(Message(i + 1, "c1", "n0", {"type": "echo", "echo": i,
                                                     "msg_id": i + 2}))
        await asyncio.sleep(1)
        live = len(host._tasks)
        await host.stop()
        return lines, live
    lines, live = run(scenario(), virtual=True)
    assert len([line for line in lines if '"echo_ok"' in line]) == 200
    assert live <= 2          # the node's own background work at most, no finished task
