"""journal.jsonl as JournalWriter streams it: gathered in blocks, nothing lost whether the
run closes the writer or the process just ends, and its JournalSummary the same as one
read back from the file."""

import json
import os
import random
import subprocess
import sys

import pytest

from glomers import quote, store
from glomers.net import Message

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _events(count, seed=7):
    """(time_ns, event, Message) triples: sends with their recvs or drops, init traffic,
    bodies of every size (some over the report limit, whose recv the journal cuts) and
    odd ones (a body that is not an object, a non-string type, a float time)."""
    rng = random.Random(seed)
    nodes = ["n0", "n1", "n2", "c4", "lin-kv"]
    out = []
    for i in range(count):
        src, dest = rng.sample(nodes, 2)
        kind = rng.choice(["gossip", "read_ok", "init", "init_ok", 12, "big", "list"])
        if kind == "big":
            body = {"type": "big", "value": "x" * rng.choice([10, quote.VALUE_LIMIT * 2])}
        elif kind == "list":
            body = [1, 2, 3]
        else:
            body = {"type": kind, "msg_id": i, "values": list(range(rng.randrange(30)))}
        message = Message(i, src, dest, body)
        time_ns = i * 1000 if rng.random() < 0.95 else i * 1000 + 0.5
        out.append((time_ns, "send", message))
        out.append((time_ns + 10, rng.choice(["recv", "recv", "drop"]), message))
    return out


def _expected(events):
    """The journal's events as the file must hold them: a recv of a long send cut."""
    lines, big = [], set()
    for time_ns, event, message in events:
        body = message.body
        line = {"time": time_ns, "event": event, "id": message.id, "src": message.src,
                "dest": message.dest, "body": body}
        text = store.dumps_json(line)
        if event == "send" and len(text) > quote.VALUE_LIMIT:
            big.add(message.id)
        elif event == "recv" and message.id in big:
            big.discard(message.id)
            line["body"] = quote.clip_value(body)
        lines.append(json.loads(store.dumps_json(line)))
    return lines


@pytest.mark.parametrize("block", [1, 300, 1 << 18])
def test_the_journal_in_blocks_of_any_size_holds_every_event_in_order(tmp_path, monkeypatch,
                                                                       block):
    monkeypatch.setattr(store, "JOURNAL_BLOCK_CHARS", block)
    events = _events(400)
    writer = store.JournalWriter(str(tmp_path))
    for event in events:
        writer.record(*event)
    writer.close()
    journal = store.Journal(writer.path)
    assert list(journal) == _expected(events)
    with open(writer.path, encoding="utf-8") as f:
        assert all(line.startswith('{"time":') for line in f)


def test_the_summary_gathered_while_writing_is_the_one_read_back(tmp_path):
    events = _events(500, seed=3)
    writer = store.JournalWriter(str(tmp_path))
    half = len(events) // 2
    for event in events[:half]:
        writer.record(*event)
    early = writer.summary.rows         # read mid-run: what is counted so far stays right
    for event in events[half:]:
        writer.record(*event)
    writer.close()
    read_back = store.JournalSummary.of(store.Journal(writer.path))
    summary = writer.summary
    assert summary.pairs == read_back.pairs
    assert list(summary.counts.items()) == list(read_back.counts.items())
    assert summary.rows == read_back.rows > early > 0
    assert "init" not in summary.counts and summary.counts["12"] > 0


def test_events_after_close_are_not_written(tmp_path):
    events = _events(20)
    writer = store.JournalWriter(str(tmp_path))
    for event in events[:10]:
        writer.record(*event)
    writer.close()
    writer.record(*events[10])
    writer.close()                      # twice is harmless
    assert list(store.Journal(writer.path)) == _expected(events[:10])


@pytest.mark.parametrize("ending", ["return", "raise", "exit 3", "bench exit"])
def test_a_writer_never_closed_still_leaves_every_event_when_the_process_ends(tmp_path,
                                                                               ending):
    # A run cut short before its `finally` (or code that forgot close) must not lose the
    # block being gathered: it is written when the process ends.
    end = {"return": "", "raise": "raise RuntimeError('boom')", "exit 3": "sys.exit(3)",
           # the bench's own way out: exit functions, then os._exit
           "bench exit": "import atexit; atexit._run_exitfuncs(); os._exit(0)"}[ending]
    tests = os.path.join(ROOT, "tests")
    code = (f"import os, sys; sys.path[:0] = [{ROOT!r}, {tests!r}]\n"
            "from glomers import store\n"
            "from test_journal_writer import _events\n"
            f"writer = store.JournalWriter({str(tmp_path)!r})\n"
            "for event in _events(50):\n"
            "    writer.record(*event)\n"
            f"{end}\n")
    subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True,
                   timeout=60)
    assert list(store.Journal(str(tmp_path / "journal.jsonl"))) == _expected(_events(50))
