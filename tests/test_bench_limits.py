"""The bench's limits and its output: bad input is refused before a run, a correct node is
never made invalid by the bench's own guards, and whatever a node writes (huge lines, NaN,
endless stderr) leaves a readable console, valid files and bounded memory."""

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from glomers import cli, edn, main, quote, report, run, store
from glomers.progress import NEMESIS_LINES, Progress
from hostile import ROOT, bench, no_leftovers, node, recorded_pids  # noqa: F401


# ----- refused before the run -----------------------------------------------------------------

@pytest.mark.parametrize("flags, words", [
    (["--concurrency", "99999999999"], "--concurrency: 99999999999 makes 99,999,999,999 "
                                       "client threads; the bench takes at most 10,000"),
    (["--concurrency", "20000n"], "20000n makes 100,000 client threads"),
    (["--node-count", "100000"], "--node-count: 100000 is out of range"),
    (["--rate", "1e308"], "--rate: 1e308 is out of range"),
    (["--rate", "nan"], "expected a finite number"),
    (["--rate", "inf"], "expected a finite number"),
    (["--time-limit", "1" + "0" * 40], "--time-limit: 1000000000000000000000000000000000000000"),
    (["--latency", "1000000000000"], "--latency: 1000000000000 is out of range"),
    (["--nemesis-interval", "1e-300"], "--nemesis-interval: 1e-300 is out of range"),
    (["--rate", "100000", "--time-limit", "60"], "plans 6,000,000 ops"),
    (["--key-count", "5000"], "--key-count: 5000 is out of range"),
    (["--max-txn-length", "1000000"], "--max-txn-length: 1000000 is out of range"),
    (["--seeds", "999999999"], "--seeds: 999999999 is out of range"),
    (["--consistency-models", "read-comitted"], "did you mean read-committed?"),
    (["--consistency-models", "read-committed,serializable"],
     "write 'read-committed , serializable'"),
    (["--consistency-models", "snapshot-isolation , bogus"], "unknown model 'bogus'"),
])
def test_a_value_that_would_make_the_run_unbounded_or_wrong_is_refused(tmp_path, flags, words):
    status, text, run_dir = bench(tmp_path, "test", "-w", "txn-rw-register", "--bin", "txn.py",
                                  "--virtual-time", "--seed", "1", *flags)
    assert status == 254, text
    assert words in text
    assert len(text.strip().splitlines()) == 1 and "Traceback" not in text
    assert run_dir is None


def test_an_unknown_model_lists_the_known_ones():
    _, ns = cli.parse(["test", "-w", "txn-rw-register", "--bin", "txn.py", "--virtual-time",
                       "--seed", "1", "--consistency-models", "bogus"])
    with pytest.raises(cli.UsageError) as error:
        cli.test_options(ns)
    assert "known: " in str(error.value)
    for model in ("read-committed", "serializable", "strict-serializable", "PL-2"):
        assert model in str(error.value).split("known: ")[1]


def test_models_separated_as_maelstrom_splits_them_are_accepted(tmp_path):
    _, ns = cli.parse(["test", "-w", "txn-rw-register", "--bin", "txn.py", "--virtual-time",
                       "--seed", "1", "--store", str(tmp_path), "--consistency-models",
                       "read-committed , serializable"])
    assert cli.test_options(ns)["consistency_models"] == ["read-committed", "serializable"]


@pytest.mark.parametrize("make_store, words", [
    (lambda tmp: (tmp / "a-file").write_text("x") and str(tmp / "a-file"),
     "is a file, not a folder"),
    (lambda tmp: (tmp / "a-file").write_text("x") and str(tmp / "a-file" / "sub"),
     "part of its path is a file"),
])
def test_a_store_that_cannot_hold_runs_is_refused(tmp_path, make_store, words):
    target = make_store(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "glomers", "test", "-w", "echo", "--bin",
                           "echo.py", "--virtual-time", "--seed", "1", "--store", target],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 254, text
    assert f"--store {target}: " in text and words in text
    assert len(text.strip().splitlines()) == 1


def test_log_net_send_and_recv_print_every_message(tmp_path):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin", "echo.py",
                                  "--node-count", "1", "--time-limit", "2", "--rate", "2",
                                  "--virtual-time", "--seed", "1", "--log-net-send",
                                  "--log-net-recv")
    assert status == 0, text
    sends = [l for l in text.splitlines() if " :send " in l]
    recvs = [l for l in text.splitlines() if " :recv " in l]
    journal = [json.loads(l) for l in open(os.path.join(run_dir, "journal.jsonl"))]
    assert len(sends) == sum(e["event"] == "send" for e in journal) > 4
    assert len(recvs) == sum(e["event"] == "recv" for e in journal)
    assert any('"type":"echo_ok"' in l for l in sends)
    only_send = bench(tmp_path / "s", "test", "-w", "echo", "--bin", "echo.py", "--node-count",
                      "1", "--time-limit", "1", "--virtual-time", "--seed", "1",
                      "--log-net-send")[1]
    assert " :send " in only_send and " :recv " not in only_send


# ----- the flood guard notes, never punishes ------------------------------------------------

class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def _run_in_process(tmp_path, monkeypatch, limit, *flags):
    monkeypatch.setattr(run, "FLOOD_LIMIT", limit)
    _, ns = cli.parse(["test", "-w", "echo", "--node-count", "1", "--virtual-time", "--quiet",
                       "--seed", "3", "--store", str(tmp_path), *flags])
    out = _Sink()
    outcome = main.run_test(cli.test_options(ns), out=out)
    return outcome, out.text


def test_replies_to_the_bench_never_count_as_a_flood(tmp_path, monkeypatch):
    # 400 replies a second against a limit of 50: replies to clients are the workload.
    outcome, text = _run_in_process(tmp_path, monkeypatch, 50, "--bin", "echo.py",
                                    "--rate", "400", "--time-limit", "2")
    assert outcome.exit_status == 0, text
    assert "flood" not in text and "Node problems" not in text


def test_many_node_messages_are_noted_but_change_no_verdict(tmp_path, monkeypatch):
    outcome, text = _run_in_process(tmp_path, monkeypatch, 50, "--bin",
                                    node("gossip_burst.py"), "--rate", "5", "--time-limit", "2")
    assert outcome.exit_status == 0, text
    assert "· n0" in text and "more than 50 messages within one second" in text
    assert "this is a note, not a fault" in text
    assert "node problems listed above are real" not in text
    assert outcome.results["availability"]["ok-fraction"] == 1.0


def test_a_mistake_repeated_is_listed_ten_times_and_counted(tmp_path):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin",
                                  node("bad_service_calls.py"), "--node-count", "1",
                                  "--time-limit", "2", "--rate", "50", "--virtual-time",
                                  "--seed", "1")
    # The console shows the first few (one screen) and counts the rest; evidence.txt and
    # test.json list the first ten.
    summary = text.split("Node problems\n", 1)[1]
    listed = [l for l in summary.splitlines() if 'ignored a request of type "bogus"' in l]
    assert len(listed) == report.CASES_SHOWN, text
    more = re.search(r"… and ([\d,]+) more service problem\(s\) like those above, from "
                     r"n0 \(([\d,]+)\)", text)
    assert more and int(more.group(1).replace(",", "")) > 50
    test = json.load(open(os.path.join(run_dir, "test.json")))
    unlisted = test["problems-not-listed"][0]["count"]
    assert int(more.group(1).replace(",", "")) == \
        unlisted + run.PROBLEMS_PER_KIND - report.CASES_SHOWN
    evidence = open(os.path.join(run_dir, "evidence.txt")).read()
    assert evidence.count('ignored a request of type "bogus"') == run.PROBLEMS_PER_KIND


# ----- what a node writes ----------------------------------------------------------------------

def _strict_json(text):
    def refuse(name):
        raise ValueError(f"{name} in a file the bench wrote")
    return json.loads(text, parse_constant=refuse)


def _check_files_are_valid(run_dir):
    for line in open(os.path.join(run_dir, "journal.jsonl")):
        _strict_json(line)
    for name in ("results.json", "test.json"):
        if os.path.exists(os.path.join(run_dir, name)):
            _strict_json(open(os.path.join(run_dir, name)).read())
    edn.read_history(os.path.join(run_dir, "history.edn"))
    if os.path.exists(os.path.join(run_dir, "results.edn")):
        edn.loads(open(os.path.join(run_dir, "results.edn")).read())


@pytest.mark.parametrize("token, words", [
    ("NaN", "NaN is not a JSON number"),
    ("-Infinity", "-Infinity is not a JSON number"),
    ("1e400", "the number 1e400 does not fit a 64-bit float"),
])
def test_a_number_json_cannot_carry_is_refused_and_no_file_holds_it(tmp_path, no_leftovers,
                                                                     token, words):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin",
                                  node("nan_reply.py"), "--node-count", "1", "--time-limit", "2",
                                  "--seed", "1", env={"NAN_TOKEN": token})
    assert status in (0, 1), text
    assert "wrote a message Maelstrom refuses" in text and words in text
    _check_files_are_valid(run_dir)
    assert token not in open(os.path.join(run_dir, "journal.jsonl")).read()
    assert len(recorded_pids(tmp_path)) == 1


def test_store_writers_keep_json_valid_whatever_the_floats():
    assert _strict_json(store.dumps_json({"a": float("nan"), "b": [float("inf")]})) == \
        {"a": "NaN", "b": ["Infinity"]}


def test_huge_replies_leave_a_small_console_folder_and_memory(tmp_path):
    # Five wrong echo replies of 10 MB each: the console quotes them cut, the run folder
    # keeps each whole once in the journal (and in history.edn, which the checkers re-read),
    # and the bench's peak memory stays a small multiple of what it must hold.
    def peak(*args, env=None):
        proc = subprocess.Popen(
            [sys.executable, "-m", "glomers", "test", "-w", "echo", "--node-count", "1",
             "--time-limit", "3", "--virtual-time", "--seed", "1", "--quiet", *args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        return os.waitstatus_to_exitcode(status), out.decode(), usage.ru_maxrss * 1024

    base_status, _, base = peak("--bin", "echo.py", "--store", str(tmp_path / "base"))
    status, text, huge = peak("--bin", node("huge_wrong_echo.py"), "--store",
                              str(tmp_path / "huge"), env={"HUGE_COUNT": "5", "HUGE_MB": "10"})
    total = 5 * 10_000_000
    assert base_status == 0 and status == 1, text
    assert "…[9,999,700 characters cut]…" in text
    assert len(text) < 20_000 and max(map(len, text.splitlines())) <= quote.LINE_LIMIT
    assert huge - base < 3 * total, (huge, base)
    run_dir = os.path.realpath(tmp_path / "huge" / "latest")
    sizes = {name: os.path.getsize(os.path.join(run_dir, name)) for name in
             ("journal.jsonl", "history.edn", "history.txt", "results.edn", "results.json",
              "test.json")}
    assert sum(sizes.values()) < 2 * total + 1_000_000, sizes
    assert max(sizes["history.txt"], sizes["results.edn"], sizes["results.json"]) < 200_000
    whole = "x" * 10_000_000
    events = [json.loads(line) for line in open(os.path.join(run_dir, "journal.jsonl"))]
    carrying = [e["event"] for e in events if e["body"].get("echo", "").startswith("xxxx")]
    assert carrying.count("send") == carrying.count("recv") == 5
    assert [e["body"]["echo"] == whole for e in events
            if e["body"].get("echo", "").startswith("xxxx")].count(True) == 5
    _check_files_are_valid(run_dir)


def test_a_stdout_line_above_the_limit_is_called_too_long_with_its_size(tmp_path,
                                                                        no_leftovers):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin",
                                  node("long_stdout_line.py"), "--node-count", "1",
                                  "--time-limit", "2", "--seed", "1")
    assert status in (0, 1), text
    assert "wrote a stdout line of 70,000,08" in text
    assert "longer than the bench's limit of 67,108,864" in text
    assert "not well-formed JSON" not in text
    log = open(os.path.join(run_dir, "node-logs", "n0.log")).read()
    assert "refused a stdout line of 70,000,08" in log
    assert len(recorded_pids(tmp_path)) == 1


def test_stderr_without_newlines_is_cut_with_a_marker(tmp_path, no_leftovers):
    status, text, run_dir = bench(tmp_path, "test", "-w", "echo", "--bin",
                                  node("stderr_no_newline.py"), "--node-count", "1",
                                  "--time-limit", "2", "--seed", "1")
    assert status == 0, text
    log = open(os.path.join(run_dir, "node-logs", "n0.log")).read()
    assert "[bench: this stderr line went on for 7,951,424 more bytes without a newline; " \
           "cut here]" in log
    assert "stderr_no_newline: after the long line" in log
    assert len(log) < 2 * (1 << 20)
    assert len(recorded_pids(tmp_path)) == 1


# ----- progress lines ---------------------------------------------------------------------------

def _progress(now, phase):
    lines = []

    class Stream:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass
    progress = Progress(lambda: now, 20, stream=Stream())
    progress.phase = phase
    return progress, lines


@pytest.mark.parametrize("now, phase, expected", [
    (12.0, "main phase", "12.0 s / 20 s"),
    (21.5, "main phase", "21.5 s  draining (the 20 s main phase is over)"),
    (30.0, "final phase", "30.0 s  final phase (the 20 s main phase is over)"),
])
def test_progress_never_shows_a_time_beyond_the_limit_as_progress(now, phase, expected):
    progress, lines = _progress(now, phase)
    progress.status()
    assert expected in "".join(lines)
    if now > 20:
        assert "/ 20 s" not in "".join(lines)


def test_partition_lines_stop_after_a_few():
    progress, lines = _progress(1.0, "main phase")
    for i in range(100):
        progress.nemesis(f"partition {i}")
    lines = "".join(lines).splitlines()
    assert len(lines) == NEMESIS_LINES + 1
    assert "partition 19" in lines[-2] and "not shown (history.edn has them all)" in lines[-1]


def test_network_healed_is_said_once_per_heal(tmp_path):
    status, text, _ = bench(tmp_path, "test", "-w", "broadcast", "--bin", "broadcast.py",
                            "--node-count", "3", "--time-limit", "3", "--rate", "5",
                            "--nemesis", "partition", "--nemesis-interval", "1",
                            "--virtual-time", "--seed", "2", quiet=False)
    assert status == 0, text
    events = [m.group(1) for m in (re.match(r"\s*[\d.]+ s  (partition|network healed)", l)
                                    for l in text.splitlines()) if m]
    assert events and events[0].startswith("partition")
    for before, after in zip(events, events[1:]):
        assert not (before == after == "network healed"), events


# ----- quoting ------------------------------------------------------------------------------------

def test_clip_cuts_in_the_middle_and_says_how_much():
    assert quote.clip("short") == "short"
    cut = quote.clip("a" * 600 + "b" * 600, 500)
    assert cut.startswith("a" * 400) and cut.endswith("b" * 100)
    assert "…[700 characters cut]…" in cut


def test_clip_value_keeps_types_and_identity_when_nothing_is_cut():
    value = {"k": [edn.Keyword("ok"), ("t", 1)], "s": frozenset({"x"})}
    assert quote.clip_value(value, 10) is value
    long = edn.StringMap({"a": ["y" * 50, 3]})
    clipped = quote.clip_value(long, 10)
    assert type(clipped) is edn.StringMap and clipped["a"][1] == 3
    assert "characters cut" in clipped["a"][0] and long["a"][0] == "y" * 50


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=())),   # lone surrogates too
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(value=_json_values, ensure_ascii=st.booleans(), spaced=st.booleans(),
       pad=st.integers(0, 400))
def test_the_string_bound_of_a_line_holds_every_string_it_decodes_to(value, ensure_ascii,
                                                                     spaced, pad):
    # Any JSON a node may write: compact or spaced, escaped or raw, long or short.
    line = json.dumps({"body": value, "pad": [0] * pad}, ensure_ascii=ensure_ascii,
                      separators=(", ", ": ") if spaced else (",", ":"))
    decoded = json.loads(line)
    keys = []
    stack = [decoded]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    assert quote.longest_string_bound(line) >= max([quote.longest_string(decoded),
                                                     *map(len, keys)])


def test_the_string_bound_of_a_long_line_of_short_strings_is_small():
    line = json.dumps({"src": "n1", "dest": "c1", "body": {"type": "read_ok",
                                                           "messages": list(range(2000))}})
    assert quote.longest_string_bound(line) == len("messages")     # a key is a string too
    escaped = json.dumps({"src": "n1", "body": {"text": 'say "hi"', "n": list(range(200))}})
    assert quote.longest_string_bound(escaped) == len(escaped)


def test_every_line_above_the_limit_is_refused_not_only_the_longest_so_far(tmp_path,
                                                                         monkeypatch):
    # A second node's too-long line, shorter than the first node's, is refused too.
    monkeypatch.setattr(run.hosts, "STDOUT_LINE_LIMIT", 100)
    test = run.Test({"seed": 1}, None, str(tmp_path))
    refused = []
    monkeypatch.setattr(test, "on_oversize", lambda node, size, head: refused.append(
        (node, size)))
    test.on_line("n0", '{"src":"n0","dest":"c1","body":{"echo":"' + "x" * 500 + '"}}')
    test.on_line("n1", '{"src":"n1","dest":"c1","body":{"echo":"' + "y" * 200 + '"}}')
    assert [node for node, _ in refused] == ["n0", "n1"]
    assert test.longest_string == 0         # neither line's strings count
