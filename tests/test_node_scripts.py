"""echo.py, unique_ids.py and small library scripts run as real processes: stdin as a
pipe, a regular file and a terminal; stray prints; bad bytes; draining at end of input."""

import json
import os
import pty
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT}


def init(node_id, node_ids):
    return json.dumps({"id": 0, "src": "c0", "dest": node_id, "body": {
        "type": "init", "node_id": node_id, "node_ids": node_ids, "msg_id": 1}})


def echo_requests(count):
    return [json.dumps({"src": f"c{i % 3 + 1}", "dest": "n0", "body": {
        "echo": f"Please echo {i}", "type": "echo", "msg_id": i + 1}}) for i in range(count)]


def run_script(argv, lines, **kwargs):
    """Pipe lines into a script; return (parsed stdout lines, stderr text)."""
    data = "".join(line + "\n" for line in lines).encode()
    done = subprocess.run(argv, input=data, capture_output=True, env=ENV, timeout=120,
                          check=True, **kwargs)
    return [json.loads(line) for line in done.stdout.decode().splitlines()], \
        done.stderr.decode()


def check_echo_replies(replies, count):
    assert replies[0]["body"] == {"type": "init_ok", "in_reply_to": 1}
    by_request = {(r["dest"], r["body"]["in_reply_to"]): r for r in replies[1:]}
    assert len(replies) == count + 1 and len(by_request) == count
    for i in range(count):
        reply = by_request[(f"c{i % 3 + 1}", i + 1)]
        assert reply == {"src": "n0", "dest": f"c{i % 3 + 1}", "body": {
            "type": "echo_ok", "echo": f"Please echo {i}", "in_reply_to": i + 1}}


def test_echo_over_a_pipe_answers_every_request():
    replies, _ = run_script([os.path.join(ROOT, "echo.py")],
                            [init("n0", ["n0"])] + echo_requests(3000))
    check_echo_replies(replies, 3000)


def test_echo_with_stdin_a_regular_file(tmp_path):
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join([init("n0", ["n0"])] + echo_requests(500)) + "\n")
    with open(path, "rb") as stdin:
        done = subprocess.run([os.path.join(ROOT, "echo.py")], stdin=stdin,
                              capture_output=True, env=ENV, timeout=60, check=True)
    check_echo_replies([json.loads(line) for line in done.stdout.splitlines()], 500)


def test_echo_with_stdin_a_terminal():
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([os.path.join(ROOT, "echo.py")], stdin=terminal,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    os.close(terminal)
    try:
        # Canonical terminal mode: typed lines, then Ctrl-D at the start of a line = EOF.
        for line in [init("n0", ["n0"])] + echo_requests(3):
            os.write(controller, line.encode() + b"\n")
        os.write(controller, b"\x04")
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(controller)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    check_echo_replies([json.loads(line) for line in out.splitlines()], 3)


def test_three_unique_ids_nodes_never_hand_out_the_same_id():
    nodes = ["n0", "n1", "n2"]
    per_node = 3000
    ids = []
    for node in nodes:
        lines = [init(node, nodes)] + [
            json.dumps({"src": f"c{i % 4}", "dest": node, "body": {
                "type": "generate", "msg_id": i + 1}}) for i in range(per_node)]
        replies, _ = run_script([os.path.join(ROOT, "unique_ids.py")], lines)
        assert len(replies) == per_node + 1
        for reply in replies[1:]:
            assert set(reply["body"]) == {"type", "id", "in_reply_to"}
            assert reply["body"]["type"] == "generate_ok"
            assert reply["src"] == node
        assert sorted(r["body"]["in_reply_to"] for r in replies[1:]) == \
            list(range(1, per_node + 1))
        ids += [r["body"]["id"] for r in replies[1:]]
    assert len(ids) == len(nodes) * per_node
    assert len(set(ids)) == len(ids)


STRAY_OUTPUT = """
import os
from maelstrom_node import run

def serve(node):
    print("debug: setting up")

    @node.handler
    def echo(msg):
        print("debug:", msg.body)
        os.write(1, b"raw bytes on fd 1\\n")
        return {"type": "echo_ok", "echo": msg.body["echo"]}

run(serve)
"""


def test_stray_prints_reach_stderr_not_the_protocol(tmp_path):
    script = tmp_path / "chatty.py"
    script.write_text(STRAY_OUTPUT)
    replies, stderr = run_script([sys.executable, str(script)],
                                 [init("n0", ["n0"])] + echo_requests(20))
    check_echo_replies(replies, 20)  # every stdout line parsed as JSON
    assert "debug: setting up" in stderr
    assert stderr.count("raw bytes on fd 1") == 20


SLOW_HANDLER = """
import asyncio
from maelstrom_node import run

def serve(node):
    @node.handler
    async def echo(msg):
        await asyncio.sleep(0.2)
        return {"type": "echo_ok", "echo": msg.body["echo"]}

run(serve)
"""


def test_replies_in_flight_at_end_of_input_are_written_before_exit(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text(SLOW_HANDLER)
    replies, _ = run_script([sys.executable, str(script)],
                            [init("n0", ["n0"])] + echo_requests(1000))
    check_echo_replies(replies, 1000)


def test_bad_bytes_and_a_last_line_without_newline_do_not_stop_the_node():
    data = (init("n0", ["n0"]).encode() + b"\n"
            + b"\xff\xfe not utf-8\n"
            + b"{not json}\n"
            + b"\n"
            + echo_requests(2)[0].encode() + b"\n"
            + echo_requests(2)[1].encode())  # no final newline
    done = subprocess.run([os.path.join(ROOT, "echo.py")], input=data, capture_output=True,
                          env=ENV, timeout=60, check=True)
    check_echo_replies([json.loads(line) for line in done.stdout.splitlines()], 2)
    assert done.stderr.decode().count("not JSON") == 2


@pytest.mark.parametrize("script", ["echo.py", "unique_ids.py"])
def test_scripts_are_executable_and_import_without_side_effects(script):
    path = os.path.join(ROOT, script)
    assert os.access(path, os.X_OK)
    with open(path) as f:
        assert f.readline() == "#!/usr/bin/env python3\n"
    code = textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("script", {path!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        from maelstrom_node import Node
        out = []
        node = Node(write=out.append, log=out.append)
        module.serve(node)
        assert out == [] and sys.stdout is sys.__stdout__
        print("imported")
    """)
    done = subprocess.run([sys.executable, "-c", code], input=b"", capture_output=True,
                          env=ENV, timeout=60, check=True)
    assert done.stdout == b"imported\n"
