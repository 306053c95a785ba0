"""bench/node_share.py: the node alone, fed the requests a run's journal holds."""

import json
import os
import tempfile

import pytest

from bench import node_share

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _journal(tmp_path, bodies, node_id="n0"):
    """A journal.jsonl in which client c1 sends `bodies` to the node, with noise around
    them: the node's own sends, a service's reply to it and a message to another node."""
    events, ident = [], 0
    for body in bodies:
        ident += 1
        message = {"id": ident, "src": "c1", "dest": node_id, "body": body}
        events += [{"time": ident, "event": "send", **message},
                   {"time": ident, "event": "recv", **message}]
    noise = [{"id": 90, "src": "lin-kv", "dest": node_id, "body": {"type": "cas_ok",
                                                                   "in_reply_to": 9}},
             {"id": 91, "src": "c1", "dest": "n1", "body": {"type": "echo", "echo": 1}},
             {"id": 92, "src": node_id, "dest": "c1", "body": {"type": "echo_ok"}}]
    events += [{"time": 99, "event": "recv", **message} for message in noise]
    path = tmp_path / "journal.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return str(path)


KAFKA = [{"type": "init", "node_id": "n0", "node_ids": ["n0"], "msg_id": 1},
         {"type": "send", "key": "k", "msg": 5, "msg_id": 2},
         {"type": "send", "key": "k", "msg": 6, "msg_id": 3},
         {"type": "poll", "offsets": {"k": 0}, "msg_id": 4},
         {"type": "commit_offsets", "offsets": {"k": 1}, "msg_id": 5},
         {"type": "list_committed_offsets", "keys": ["k"], "msg_id": 6}]


def test_the_requests_are_the_clients_lines_to_the_node_in_order(tmp_path):
    lines = node_share.requests_of(_journal(tmp_path, KAFKA), "n0")
    assert [json.loads(line)["body"] for line in lines] == KAFKA
    assert all(json.loads(line)["src"] == "c1" for line in lines)


def test_the_reference_kafka_node_alone_answers_every_request(tmp_path, monkeypatch):
    # kafka_log.py claims its run in lin-kv before it serves: the replay's services answer.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))    # where its journal goes
    lines = node_share.requests_of(_journal(tmp_path, KAFKA), "n0")
    cpu, steps, unanswered = node_share.replay(os.path.join(ROOT, "kafka_log.py"), "n0",
                                               lines)
    assert unanswered == 0 and cpu > 0 and steps >= len(lines)


def test_a_node_that_never_answers_is_counted_not_waited_for(tmp_path):
    bodies = [KAFKA[0]] + [{"type": "echo", "echo": i, "msg_id": i + 2} for i in range(3)]
    lines = node_share.requests_of(_journal(tmp_path, bodies), "n0")
    _, steps, unanswered = node_share.replay(
        os.path.join(ROOT, "tests", "nodes", "silent_echo.py"), "n0", lines)
    assert unanswered == 3 and steps >= 3 * node_share.MAX_STEPS


@pytest.mark.parametrize("part, words", [("3e", "runs 25 nodes"), ("9z", "no part '9z'")])
def test_only_single_node_parts_are_measured(part, words):
    with pytest.raises(SystemExit, match=words):
        node_share.part_node(part)
    assert node_share.part_node("6a") == (os.path.join(ROOT, "txn.py"), "n0")
