#!/usr/bin/env python3
"""Benchmark: the most messages per second the bench routes between node processes, next
to what a raw pipe loop moves on the same machine in the same run.

The flood: a broadcast test (process mode, real time) on nodes that each keep `--tokens`
messages in flight per peer, answering every `token` with another to a random peer, so the
bench's router is never idle; the figure is the server messages delivered over the time
limit. The raw pipe loops: one Python process writes lines into `cat`-like children and
reads them back (with and without a JSON decode and encode per line, the least a router
does with a message), with `--nodes` children, each line written once and read once.
Not a test: the figures depend on the machine and its load.

    python3 bench/flood.py [--nodes 5] [--time-limit 10] [--tokens 20] [--lines 200000]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLOOD_NODE = r'''#!/usr/bin/env python3
"""A broadcast node that floods: every token it gets goes on to a random peer."""
import random, sys
sys.path.insert(0, {root!r})
from maelstrom_node import run

TOKENS = {tokens}


def serve(node):
    values = []

    @node.handler
    def topology(msg):
        for peer in node.node_ids:
            if peer != node.node_id:
                for _ in range(TOKENS):
                    node.send(peer, {{"type": "token"}})
        return {{"type": "topology_ok"}}

    @node.handler
    def broadcast(msg):
        values.append(msg.body["message"])
        return {{"type": "broadcast_ok"}}

    @node.handler
    def read(msg):
        return {{"type": "read_ok", "messages": values}}

    @node.handler
    def token(msg):
        peers = [p for p in node.node_ids if p != node.node_id]
        node.send(random.choice(peers), {{"type": "token"}})


if __name__ == "__main__":
    run(serve)
'''

ECHO_CHILD = "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n"


def flood(nodes, time_limit, tokens, store):
    """Server messages delivered per second by the bench under the flood."""
    with tempfile.TemporaryDirectory(prefix="glomers-flood-") as folder:
        script = os.path.join(folder, "flood_node.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(FLOOD_NODE.format(root=ROOT, tokens=tokens))
        os.chmod(script, 0o755)
        argv = [sys.executable, "-m", "glomers", "test", "-w", "broadcast", "--bin", script,
                "--node-count", str(nodes), "--time-limit", str(time_limit), "--rate", "1",
                "--seed", "1", "--store", store, "--quiet", "--no-pictures"]
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
    with open(os.path.join(store, "latest", "results.json"), encoding="utf-8") as f:
        net = json.load(f)["net"]["servers"]
    return net["recv-count"] / time_limit, net["recv-count"], wall


def pipe_loop(children, lines, decode):
    """Lines per second through `children` echo processes, written by one thread and read
    back by another (decoded and re-encoded as JSON on the way when `decode`)."""
    procs = [subprocess.Popen([sys.executable, "-c", ECHO_CHILD], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, bufsize=1)
             for _ in range(children)]
    line = json.dumps({"src": "n1", "dest": "n2", "body": {"type": "token", "msg_id": 1}})
    per_child = lines // children

    def write(proc):
        out = proc.stdin
        for _ in range(per_child):
            out.write((json.dumps(json.loads(line)) if decode else line) + "\n")
        out.close()

    started = time.perf_counter()
    writers = [threading.Thread(target=write, args=(p,)) for p in procs]
    for thread in writers:
        thread.start()
    got = 0
    for proc in procs:
        for received in proc.stdout:
            if decode:
                json.dumps(json.loads(received))
            got += 1
    elapsed = time.perf_counter() - started
    for thread in writers:
        thread.join()
    for proc in procs:
        proc.wait()
    assert got == per_child * children, (got, per_child * children)
    return got / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--time-limit", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="glomers-flood-store-") as store:
        rate, count, wall = flood(args.nodes, args.time_limit, args.tokens, store)
    raw = pipe_loop(args.nodes, args.lines, decode=False)
    parsed = pipe_loop(args.nodes, args.lines, decode=True)
    print(f"{os.cpu_count()} core(s); {args.nodes} nodes, {args.tokens} tokens per peer")
    print(f"bench router, process mode: {rate:10,.0f} msgs/s  ({count:,} server messages "
          f"delivered in the {args.time_limit} s limit; {wall:.1f} s wall for the run)")
    print(f"raw pipe loop, lines only:  {raw:10,.0f} msgs/s")
    print(f"raw pipe loop, JSON parsed: {parsed:10,.0f} msgs/s  (decode + encode per line)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
