"""The node library's journals (maelstrom_node.Journal, run_journal, sweep_journals): what a
node writes to survive a kill of its process, read back whole after a torn write, named per
run so that no earlier run's file is taken for this one's, and swept when long untouched."""

import asyncio
import json
import os
import time

import pytest

import maelstrom_node
from maelstrom_node import ErrorCode, Journal, RPCError


def test_a_new_journal_reads_back_nothing_and_creates_its_folders(tmp_path):
    path = tmp_path / "a" / "b" / "n0.jsonl"
    journal = Journal(str(path))
    assert journal.open() == []
    assert path.exists() and path.read_bytes() == b""
    assert journal.size == 0


def test_records_come_back_in_order_one_json_line_each(tmp_path):
    path = tmp_path / "n0.jsonl"
    journal = Journal(str(path))
    journal.open()
    records = [{"k": 1}, ["x", None, 2.5], "text with \n newline", {"nested": {"é": [1]}}]
    for record in records:
        journal.write(record)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(records) + 1
    assert [json.loads(line) for line in lines[:-1]] == records
    assert journal.size == path.stat().st_size
    assert Journal(str(path)).open() == records


def test_a_torn_last_line_is_cut_and_the_next_record_starts_clean(tmp_path):
    path = tmp_path / "n0.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}\n{"c":')      # killed in the middle of a write
    journal = Journal(str(path))
    assert journal.open() == [{"a": 1}, {"b": 2}]
    assert path.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert journal.size == len(b'{"a":1}\n{"b":2}\n')
    journal.write({"d": 4})
    assert Journal(str(path)).open() == [{"a": 1}, {"b": 2}, {"d": 4}]


def test_a_file_of_only_a_torn_line_reads_back_empty(tmp_path):
    path = tmp_path / "n0.jsonl"
    path.write_bytes(b'{"half')
    assert Journal(str(path)).open() == []
    assert path.read_bytes() == b""


def test_each_write_reaches_the_file_before_it_returns(tmp_path):
    path = tmp_path / "n0.jsonl"
    journal = Journal(str(path))
    journal.open()
    for n in range(3):
        journal.write({"n": n})
        # Another reader (a later life of the process) sees it at once: nothing buffered.
        assert path.read_bytes().splitlines()[-1] == json.dumps({"n": n}, separators=(",", ":")
                                                                  ).encode()
        assert journal.size == path.stat().st_size


class ShortWrites:
    """A file that takes at most `step` bytes per write, like a pipe or a full disk might."""

    def __init__(self, file, step):
        self.file, self.step = file, step

    def write(self, data):
        return self.file.write(bytes(data[:self.step]))

    def tell(self):
        return self.file.tell()

    def truncate(self, size):
        return self.file.truncate(size)


def test_a_write_the_system_takes_in_pieces_is_written_whole(tmp_path):
    path = tmp_path / "n0.jsonl"
    journal = Journal(str(path))
    journal.open()
    journal.file = ShortWrites(journal.file, 3)
    record = {"value": "x" * 50, "n": 7}
    journal.write(record)
    journal.write([1])
    assert Journal(str(path)).open() == [record, [1]]


class FailingAfter:
    """A file whose writes fail with an OSError after `budget` bytes."""

    def __init__(self, file, budget):
        self.file, self.budget = file, budget

    def write(self, data):
        if self.budget <= 0:
            raise OSError(28, "No space left on device")
        taken = bytes(data[:self.budget])
        self.budget -= len(taken)
        return self.file.write(taken)

    def tell(self):
        return self.file.tell()

    def truncate(self, size):
        return self.file.truncate(size)


def test_a_failed_write_is_a_crash_error_and_leaves_no_torn_line(tmp_path):
    path = tmp_path / "n0.jsonl"
    journal = Journal(str(path))
    journal.open()
    journal.write({"kept": 1})
    journal.file = FailingAfter(journal.file, 5)
    with pytest.raises(RPCError) as raised:
        journal.write({"lost": "a record longer than five bytes"})
    assert raised.value.code == ErrorCode.CRASH and not raised.value.definite
    assert raised.value.text == f"journal {path}: [Errno 28] No space left on device"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert path.read_bytes() == b'{"kept":1}\n'
    journal.file = journal.file.file        # the disk has room again
    journal.write({"next": 2})
    assert Journal(str(path)).open() == [{"kept": 1}, {"next": 2}]


def test_journal_dir_is_in_the_temp_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)       # tempfile caches its choice
    assert maelstrom_node.journal_dir() == os.path.join(str(tmp_path), "glomers-journals")


# ---- the run id, kept in lin-kv ------------------------------------------------------------

class FakeServices:
    """Stands for a node's call() to lin-kv: answers from a list of scripted replies, each a
    reply body or an RPCError to raise, and records every request."""

    def __init__(self, node_id, replies):
        self.node_id, self.replies, self.requests = node_id, list(replies), []

    async def call(self, service, body, timeout):
        self.requests.append((service, dict(body)))
        reply = self.replies.pop(0)
        if isinstance(reply, RPCError):
            raise reply
        return reply


def run_journal(node, name, directory):
    return asyncio.run(maelstrom_node.run_journal(node, name, str(directory)))


def test_the_first_node_creates_the_run_id_with_random_bits(tmp_path):
    node = FakeServices("n3", [{"type": "cas_ok"}])
    journal = run_journal(node, "kafka", tmp_path)
    service, body = node.requests[0]
    assert service == "lin-kv" and len(node.requests) == 1
    assert body["type"] == "cas" and body["key"] == "kafka-run" and body["from"] is None
    assert body["create_if_not_exists"] is True
    run_id = body["to"]
    assert len(run_id) == 16 and int(run_id, 16) >= 0
    assert journal.path == os.path.join(str(tmp_path), f"glomers-kafka-{run_id}-n3.jsonl")
    assert journal.file is None                # named, not yet opened
    other = FakeServices("n3", [{"type": "cas_ok"}])
    run_journal(other, "kafka", tmp_path)
    assert other.requests[0][1]["to"] != run_id       # not a seeded, repeatable stream


def test_a_later_node_reads_the_run_id_another_created(tmp_path):
    refused = RPCError(ErrorCode.PRECONDITION_FAILED, "expected nil, found abc")
    node = FakeServices("n1", [refused, {"type": "read_ok", "value": "abc"}])
    journal = run_journal(node, "txn", tmp_path)
    assert [body["type"] for _, body in node.requests] == ["cas", "read"]
    assert node.requests[1] == ("lin-kv", {"type": "read", "key": "txn-run"})
    assert journal.path == os.path.join(str(tmp_path), "glomers-txn-abc-n1.jsonl")


def test_timeouts_are_retried_and_a_key_gone_missing_means_try_again(tmp_path):
    timeout = RPCError(ErrorCode.TIMEOUT, "no answer")
    refused = RPCError(ErrorCode.PRECONDITION_FAILED, "taken")
    missing = RPCError(ErrorCode.KEY_DOES_NOT_EXIST, "gone")
    node = FakeServices("n0", [timeout, refused, missing, refused, timeout,
                               {"type": "cas_ok"}])
    journal = run_journal(node, "kafka", tmp_path)
    created = node.requests[-1][1]["to"]
    assert journal.path.endswith(f"glomers-kafka-{created}-n0.jsonl")
    assert len(node.requests) == 6


def test_a_definite_error_is_raised_at_once(tmp_path):
    node = FakeServices("n0", [RPCError(ErrorCode.NOT_SUPPORTED, "no lin-kv here")])
    with pytest.raises(RPCError) as raised:
        run_journal(node, "kafka", tmp_path)
    assert raised.value.code == ErrorCode.NOT_SUPPORTED and len(node.requests) == 1


def test_ten_timeouts_in_a_row_give_up_with_a_timeout(tmp_path):
    attempts = maelstrom_node.RUN_ID_ATTEMPTS
    assert attempts == 10
    node = FakeServices("n0", [RPCError(ErrorCode.TIMEOUT, "no answer")] * attempts)
    with pytest.raises(RPCError) as raised:
        run_journal(node, "kafka", tmp_path)
    assert raised.value.code == ErrorCode.TIMEOUT
    assert str(raised.value).endswith(f"lin-kv did not answer {attempts} times")
    assert len(node.requests) == attempts
    # One answer on the last attempt is enough.
    node = FakeServices("n0", [RPCError(ErrorCode.TIMEOUT, "x")] * (attempts - 1)
                        + [{"type": "cas_ok"}])
    run_journal(node, "kafka", tmp_path)


def test_the_default_directory_is_journal_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(maelstrom_node, "journal_dir", lambda: str(tmp_path / "default"))
    node = FakeServices("n0", [{"type": "cas_ok"}])
    journal = asyncio.run(maelstrom_node.run_journal(node, "kafka"))
    assert os.path.dirname(journal.path) == str(tmp_path / "default")


# ---- sweeping journals of runs long over ---------------------------------------------------

def aged(path, seconds):
    path.write_text("{}\n")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_run_journal_sweeps_only_its_own_names_old_journals(tmp_path):
    day = maelstrom_node.JOURNAL_MAX_AGE
    assert day == 86400
    old = aged(tmp_path / "glomers-kafka-aaa-n0.jsonl", day + 60)
    young = aged(tmp_path / "glomers-kafka-bbb-n0.jsonl", day - 60)
    other_name = aged(tmp_path / "glomers-txn-aaa-n0.jsonl", day + 60)
    not_journal = aged(tmp_path / "glomers-kafka-aaa-n0.txt", day + 60)
    run_journal(FakeServices("n0", [{"type": "cas_ok"}]), "kafka", tmp_path)
    assert not old.exists()
    assert young.exists() and other_name.exists() and not_journal.exists()


def test_sweeping_a_missing_folder_or_a_file_removed_meanwhile_is_quiet(tmp_path, monkeypatch):
    maelstrom_node.sweep_journals(str(tmp_path / "missing"), "glomers-kafka-")
    old = aged(tmp_path / "glomers-kafka-aaa-n0.jsonl", 2 * 86400)
    also_old = aged(tmp_path / "glomers-kafka-ccc-n0.jsonl", 2 * 86400)
    removed = []
    real_remove = os.remove

    def remove(path):
        removed.append(path)
        if path == str(old):
            real_remove(path)
            raise FileNotFoundError(path)      # another node was first
        real_remove(path)

    monkeypatch.setattr(os, "remove", remove)
    maelstrom_node.sweep_journals(str(tmp_path), "glomers-kafka-")
    assert sorted(removed) == sorted([str(old), str(also_old)])
    assert not also_old.exists()
