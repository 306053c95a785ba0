"""`glomers explain`: reading run folders (ours and Maelstrom's), inferring options,
crash reports, and the plain-English and JSON explanations on real oracle runs."""

import io
import json
import pathlib

import pytest

from glomers import edn, explain, explain_log, oracle_runs, run_folder, store
from glomers.checkers import common, echo
from glomers.edn import Keyword as K


def _run(workload, fragment):
    found = [r for r in oracle_runs.runs(workload) if fragment in r.dir.name]
    if not found:
        pytest.skip("oracle/ is not on this machine")
    return found[0]


def _explain(path, as_json=False):
    out = io.StringIO()
    status = explain.main(str(path), as_json=as_json, out=out)
    return status, out.getvalue()


# --- options and logs, on hand-written text --------------------------------------------

def test_command_line_from_the_oracle_tail_and_from_a_test_map():
    tail = "# header\nCommand line:\nlein run test -w echo --bin ./e --node-count 1\n..."
    assert run_folder.command_line(tail) == ["-w", "echo", "--bin", "./e", "--node-count", "1"]
    log = ' :argv\n ("test"\n  "-w"\n  "kafka"\n  "--concurrency"\n  "2n")\n :nemesis nil'
    assert run_folder.command_line(log) == ["-w", "kafka", "--concurrency", "2n"]
    assert run_folder.command_line("no command here") is None


def test_options_from_a_command_line_follow_maelstrom_defaults():
    opts, source = run_folder.infer_options(
        "Command line:\nmaelstrom test -w kafka --bin x --node-count 2 --concurrency 2n "
        "--availability total --consistency-models read-committed\n", None)
    assert source == "the command line in the log"
    assert opts["nodes"] == ["n0", "n1"] and opts["concurrency"] == 4
    assert opts["availability"] == "total"
    assert opts["consistency_models"] == ["read-committed"]
    # Without --node-count Maelstrom names five nodes n1..n5.
    opts, _ = run_folder.infer_options("Command line:\nlein run test -w echo --bin x\n", None)
    assert opts["nodes"] == ["n1", "n2", "n3", "n4", "n5"] and opts["concurrency"] == 5


def test_concurrency_guess_stops_at_the_first_info():
    history = [{"process": p, "type": t} for p, t in
               [(0, "invoke"), (1, "invoke"), (2, "invoke"), (0, "ok"), (1, "info"),
                (4, "invoke")]]
    assert run_folder.guess_concurrency(history) == 3
    opts, source = run_folder.infer_options(None, history)
    assert opts == {"concurrency": 3} and "guess" in source


def test_crash_report_names_the_node_its_status_and_last_output():
    log = "\n".join([
        "2024-01-01 00:00:00,000{GMT}\tWARN\t[jepsen test runner] jepsen.core: Test crashed!",
        "clojure.lang.ExceptionInfo: Node n3 crashed with exit status 2. Before crashing, "
        "it wrote to STDOUT:",
        "",
        '{"src":"n3","dest":"c1","body":{"type":"init_ok","in_reply_to":1}}',
        "",
        "And to STDERR:",
        "",
        "panic: interface conversion: interface {} is float64, not int",
        "\tat slingshot.support$stack_trace.invoke(support.clj:201)",
    ])
    lines = explain_log.crash_report(log)
    assert "node n3 exited with status 2" in lines[0]
    assert any("init_ok" in line for line in lines)
    assert any("float64, not int" in line for line in lines)
    assert "no jepsen.log" in explain_log.crash_report(None)[0]


# --- our own bench folder ----------------------------------------------------------------

def _op(index, kind, process, f, value, t):
    return {"index": index, "time": t, "type": K(kind), "process": process, "f": K(f),
            "value": value}


def test_a_bench_folder_with_a_wrong_echo(tmp_path):
    history = [_op(0, "invoke", 0, "echo", "hi", 1_000_000_000),
               _op(1, "ok", 0, "echo", {"echo": "ho", "type": "echo_ok"}, 1_500_000_000),
               _op(2, "invoke", 1, "echo", "yo", 2_000_000_000),
               _op(3, "ok", 1, "echo", {"echo": "yo", "type": "echo_ok"}, 2_100_000_000)]
    opts = {"workload": "echo", "nodes": ["n0", "n1"], "node_count": 2, "concurrency": 2}
    results = common.compose({"perf": common.perf(), "timeline": common.timeline(),
                              "exceptions": common.exceptions(history),
                              "stats": common.stats(history),
                              "availability": common.availability(history),
                              "workload": echo.check(history)})
    store.write_history(str(tmp_path), history)
    store.write_results(str(tmp_path), results)
    store.write_test(str(tmp_path), opts, {"aborted": None, "problems": []})
    status, text = _explain(tmp_path)
    assert status == 1
    assert "our bench run of echo, 2 node(s)" in text and "Options: from test.json" in text
    assert "✗ workload" in text
    # The evidence names the reply, its node, time and both values.
    assert '"ho"' in text and '"hi"' in text and "n0" in text and "1.500 s" in text
    report = json.loads(_explain(tmp_path, as_json=True)[1])
    assert report["maelstrom"]["valid"] is False
    assert report["recheck"]["workload_valid"] is False
    assert report["recheck"]["figures"]["errors"] == 1


def test_a_bench_folder_without_results_says_why(tmp_path):
    store.write_history(str(tmp_path), [])
    store.write_test(str(tmp_path), {"workload": "echo"}, {
        "aborted": "n0 exited with status 1",
        "problems": [{"time": 2.5, "node": "n0", "kind": "crash", "detail": "exited (1)",
                      "line": None}]})
    status, text = _explain(tmp_path)
    assert status == 255
    assert "n0 exited with status 1" in text and "n0 at 2.500 s: exited (1)" in text


def test_not_a_folder(tmp_path):
    assert explain.main(str(tmp_path / "nope"), out=io.StringIO()) == 254


# --- real Maelstrom folders ----------------------------------------------------------------

def test_perf_unknown_is_blamed_on_gnuplot():
    status, text = _explain(_run("echo", "NavinShrinivas").dir)
    assert status == 2
    assert "gnuplot was missing" in text and "not your node's fault" in text
    assert "the same as Maelstrom's" in text


def test_stats_and_availability_failures_are_spelled_out():
    run = _run("txn-rw-register", "20240919T142314")
    status, text = _explain(run.dir)
    assert status == 1
    assert ":stats failed because no :txn ever succeeded" in text
    assert ":availability failed: ok-fraction 0.0 < required 1.0 (total)" in text
    assert "empty-transaction-graph" in text


def test_lost_broadcast_values_come_with_their_ops():
    run = _run("broadcast", "Garrett-Bodley__gossip-glomers__20240528T174423")
    status, text = _explain(run.dir)
    assert status == 1
    assert "91 lost" in text
    assert "value 1 was LOST: acknowledged by n3 in op 7" in text
    assert "more lines" in text          # the evidence is capped, and says so
    report = json.loads(_explain(run.dir, as_json=True)[1])
    assert report["maelstrom"]["figures"]["lost-count"] == 91
    assert report["recheck"]["figures"] == report["maelstrom"]["figures"]


def test_a_crashed_run_names_the_node_and_still_rechecks_the_history():
    run = _run("broadcast", "rtmor__gossip_glomers__20230618T130116")
    status, text = _explain(run.dir)
    assert status == 255
    assert "node n0 exited with status 2" in text
    assert "float64, not int" in text
    assert "no :broadcast, :read ever succeeded" in text
    report = json.loads(_explain(run.dir, as_json=True)[1])
    assert report["maelstrom"] is None
    assert report["recheck"]["workload_valid"] == "unknown"


def test_g_counter_bad_final_reads():
    runs = [r for r in oracle_runs.runs("g-counter")
            if r.results and r.results["valid?"] is False]
    if not runs:
        pytest.skip("oracle/ is not on this machine")
    status, text = _explain(runs[0].dir)
    assert status == 1
    expected = runs[0].results["workload"]["acceptable"]
    assert f"acceptable final value(s): {expected[0][0]}..{expected[0][1]}" in text
    assert " short" in text or " over" in text


def test_duplicate_ids_are_listed():
    run = _run("unique-ids", "Hacker-007")
    status, text = _explain(run.dir)
    assert status == 1
    assert "1 id(s) were handed out more than once" in text


def test_results_only_folder_cannot_be_rechecked():
    runs = [r for r in oracle_runs.runs("unique-ids") if r.results and not r.has_history
            and r.results["valid?"] is False and not r.results["stats"]["valid?"]]
    if not runs:
        pytest.skip("oracle/ is not on this machine")
    status, text = _explain(runs[0].dir)
    assert status == 1
    assert "no :generate ever succeeded" in text
    assert "Re-check: not possible" in text
    report = json.loads(_explain(runs[0].dir, as_json=True)[1])
    assert report["recheck"] is None and report["maelstrom"]["workload_valid"] is True


def test_efficient_broadcast_targets_are_judged():
    runs = [r for r in oracle_runs.runs("broadcast") if r.results and r.cmd
            and "--node-count 25" in r.cmd and "--latency 100" in r.cmd]
    if not runs:
        pytest.skip("oracle/ is not on this machine")
    folder = run_folder.load(runs[0].dir)
    found = explain.targets(folder)
    assert [part for part, _, _ in found] == ["3d", "3e"]
    mpo = runs[0].results["net"]["servers"]["msgs-per-op"]
    assert f"msgs-per-op {mpo:.2f}" in found[0][1]
    assert found[0][2] == (mpo < 30 and runs[0].results["workload"]["stable-latencies"][1] < 600
                           and runs[0].results["workload"]["stable-latencies"][0.5] < 400)


def test_workload_is_inferred_without_test_json():
    def from_history(history):
        groups = run_folder._workloads_in_history(history)
        return groups[0][0] if groups else None

    assert run_folder._workload_from_results({"workload": {"final-reads": []}})[0] == "g-counter"
    assert from_history([{"f": "txn"}]) == "txn-rw-register"
    assert from_history([{"f": "nemesis"}]) is None
    assert edn.Keyword("kafka") == from_history([{"f": K("poll")}])


def test_workloads_sharing_op_names_are_told_apart_by_their_values():
    def groups(history):
        return run_folder._workloads_in_history(history)

    assert groups([{"f": "add", "value": 1}, {"f": "add", "value": -2}]) == [("pn-counter",)]
    assert groups([{"f": "txn", "value": [["append", 1, 2]]}]) == [("txn-list-append",)]
    assert groups([{"f": "txn", "value": [["r", 1, None]]},
                   {"f": "txn", "value": [["w", 1, 2]]}]) == [("txn-rw-register",)]
    assert len(groups([{"f": "echo"}, {"f": "generate"}])) == 2
    signals = run_folder._workload_signals({"workload": "pn-counter"}, None,
                                           {"workload": {"final-reads": [3]}},
                                           [{"f": "add", "value": 2}], {"history": "h"}, [])
    assert run_folder._one_workload(signals, pathlib.Path("x")) == "pn-counter"


# --- a folder in any state: one line naming the file, exit 3, and the rest explained ------

SMALL_ECHO = "SuchitraShankar07__flyio-solns__20241028T132305.737+0530"


def _copy(run, tmp_path, name="run"):
    """A copy of an oracle run we may damage."""
    import shutil
    target = tmp_path / name
    shutil.copytree(run.dir, target)
    return target


def _explain_all(path, as_json=False):
    out, err = io.StringIO(), io.StringIO()
    status = explain.main(str(path), as_json=as_json, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def _damaged(path, file_name, what):
    """Explain a damaged folder: exit 3, one stderr line naming the file and its fault,
    the same in the text, and valid JSON saying so."""
    status, text, err = _explain_all(path)
    assert status == explain.DAMAGED
    line = next(line for line in err.splitlines() if file_name in line)
    assert line.startswith("glomers explain: ") and what in line
    assert f"{file_name}: " in text and what in text and "Traceback" not in text + err
    status, shown, _ = _explain_all(path, as_json=True)
    report = json.loads(shown)
    assert status == report["exit_status"] == explain.DAMAGED
    assert any(what in f"{p['file']}: {p['problem']}" for p in report["problems"]
               if file_name in p["file"])
    return text


def test_a_cut_off_results_edn_still_gets_its_history_rechecked(tmp_path):
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    text = (folder / "results.edn").read_text()
    (folder / "results.edn").write_text(text[:len(text) // 2])
    shown = _damaged(folder, "results.edn", "cut off")
    assert "Verdict: unknown, results.edn could not be read" in shown
    assert "Re-checked from the history with our checkers: workload VALID" in shown


@pytest.mark.parametrize("damage, name, what", [
    ("binary", "results.edn", "not UTF-8 text"),
    ("folder", "results.edn", "is a folder, not a file"),
    ("loop", "results.edn", "symlink loop"),
    ("dangling", "results.edn", "which does not exist"),
    ("empty", "results.edn", "is empty"),
    ("scalar", "results.edn", "not a results map"),
    ("no-valid", "results.edn", "no :valid?"),
    ("deep", "results.edn", "more than 100 deep"),
    ("huge-int", "results.edn", "cannot hold"),
    ("corrupt-gz", "history.edn.gz", "corrupt gzip data"),
    ("cut-gz", "history.edn.gz", "cut off"),
    ("not-gz", "history.edn.gz", "not gzip data"),
    ("scalars", "history.edn.gz", "op 1 is a number (1), not an op"),
    ("no-type", "history.edn.gz", "op 2 has no :type"),
    ("bad-type", "history.edn.gz", "op 1 has :type :done"),
    ("bad-time", "history.edn.gz", "op 1 has :time"),
])
def test_each_kind_of_damage_is_named(tmp_path, damage, name, what):
    import gzip
    import os
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    target = folder / name
    history = gzip.decompress((folder / "history.edn.gz").read_bytes()).decode()
    ops = history.splitlines()
    if damage in ("folder", "loop", "dangling"):
        target.unlink()
    if damage == "binary":
        target.write_bytes(bytes(range(256)) * 4)
    elif damage == "folder":
        target.mkdir()
    elif damage == "loop":
        os.symlink(name, target)
    elif damage == "dangling":
        os.symlink("nowhere.edn", target)
    elif damage == "empty":
        target.write_text("")
    elif damage == "scalar":
        target.write_text("42\n")
    elif damage == "no-valid":
        target.write_text("{:stats {:valid? true}}\n")
    elif damage == "deep":
        target.write_text("{:valid? true :x " + "[" * 5000 + "]" * 5000 + "}")
    elif damage == "huge-int":
        target.write_text("{:valid? true :x " + "9" * 5000 + "}")
    elif damage == "corrupt-gz":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "cut-gz":
        target.write_bytes(target.read_bytes()[:len(target.read_bytes()) // 2])
    elif damage == "not-gz":
        target.write_bytes(history.encode())
    else:
        lines = {"scalars": ["1", "2", "3"],
                 "no-type": [ops[0], ops[1].replace(":type :ok, ", "")],
                 "bad-type": [ops[0].replace(":type :invoke", ":type :done")],
                 "bad-time": [ops[0].replace(":time ", ":time -")]}[damage]
        target.write_bytes(gzip.compress("\n".join(lines).encode()))
    _damaged(folder, name, what)


def test_a_history_cut_mid_line_names_its_last_line(tmp_path):
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    import gzip
    history = gzip.decompress((folder / "history.edn.gz").read_bytes())
    (folder / "history.edn.gz").unlink()
    (folder / "history.edn").write_bytes(history[:-20])
    lines = history[:-20].decode().count("\n") + 1
    text = _damaged(folder, "history.edn", f"its last line ({lines}) is incomplete")
    # results.edn is still explained.
    assert "Verdict written by Maelstrom: VALID" in text
    assert "Re-check: not possible, history.edn could not be read" in text


def test_unreadable_and_special_files(tmp_path, monkeypatch):
    import os
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    (folder / "results.edn").unlink()
    os.mkfifo(folder / "results.edn")     # reading it would block for ever
    _damaged(folder, "results.edn", "is a named pipe, not a file")
    (folder / "results.edn").unlink()
    (folder / "results.edn").write_text("{:valid? true}")
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("results.edn"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    _damaged(folder, "results.edn", "permission denied")


def test_permission_denied_for_real(tmp_path):
    import os
    if os.geteuid() == 0:
        pytest.skip("root reads every file; the monkeypatched case covers it")
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    (folder / "results.edn").chmod(0)
    _damaged(folder, "results.edn", "permission denied")


def test_huge_files_are_refused_unread(tmp_path):
    import gzip
    import tracemalloc
    from glomers import run_files
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    with open(folder / "results.edn", "wb") as sparse:   # 10 GB, no disk used
        sparse.truncate(10 << 30)
    with gzip.open(folder / "history.edn.gz", "wb", compresslevel=1) as bomb:
        chunk = b" " * (1 << 20)
        for _ in range(run_files.LIMITS["history.edn"] // len(chunk) + 2):
            bomb.write(chunk)
    tracemalloc.start()
    try:
        text = _damaged(folder, "results.edn", "too large")
        assert "history.edn.gz: is too large" in text
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * run_files.LIMITS["history.edn"]


def test_a_log_of_any_size_is_read_by_head_and_tail(tmp_path):
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    log = (folder / "jepsen.log.tail").read_text()
    with open(folder / "jepsen.log.tail", "w") as out:
        out.write(log)
        out.write("x" * 100 + "\n" * 3_000_000)
        out.write(":argv (" + '"a"  ' * 60 + "\n")     # no closing bracket: no backtracking
    status, text, err = _explain_all(folder)
    assert status == 0 and err == ""
    assert "Command (from the log): lein run test -w echo" in text


def test_results_of_another_workload_are_flagged(tmp_path):
    broadcast = _run("broadcast", "Garrett-Bodley__gossip-glomers__20240528T174423")
    folder = _copy(broadcast, tmp_path)
    (folder / "results.edn").write_bytes((_run("echo", SMALL_ECHO).dir / "results.edn")
                                         .read_bytes())
    text = _damaged(folder, "results.edn", "results.edn: holds a verdict on echo, but the "
                                           "history holds broadcast ops")
    assert "the same as Maelstrom's" not in text
    assert "not compared: results.edn judges echo, the history is broadcast" in text
    assert "91 lost" in text          # the history is still re-checked as broadcast


def test_a_history_mixing_workloads_is_flagged(tmp_path):
    import gzip
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    history = gzip.decompress((folder / "history.edn.gz").read_bytes()).decode()
    extra = ('{:index 99, :time 99999999999, :type :invoke, :process 0, :f :broadcast, '
             ':value 1}\n')
    (folder / "history.edn.gz").write_bytes(gzip.compress((history + extra).encode()))
    _damaged(folder, "history.edn.gz", "history.edn.gz: mixes the ops of echo and broadcast "
                                       "runs")


def test_bad_test_json_and_journal_lines(tmp_path):
    folder = tmp_path / "bench"
    folder.mkdir()
    history = [_op(0, "invoke", 0, "echo", "hi", 1_000_000_000),
               _op(1, "ok", 0, "echo", {"echo": "hi", "type": "echo_ok"}, 1_500_000_000)]
    store.write_history(str(folder), history)
    store.write_test(str(folder), {"workload": "echo", "nodes": ["n0"], "concurrency": 1},
                     {"aborted": None, "problems": []})
    (folder / "journal.jsonl").write_text('{"time": 0, "event": "send", "id": 0, "src": "c0",'
                                          ' "dest": "n0", "body": {"type": "echo"}}\n'
                                          '{"time": NaN}\n')
    _damaged(folder, "journal.jsonl", "line 2 is not JSON (NaN is not a JSON value)")
    (folder / "journal.jsonl").unlink()
    text = (folder / "test.json").read_text()
    (folder / "test.json").write_text(text[:40])
    _damaged(folder, "test.json", "cut off")
    (folder / "test.json").write_text('{"workload": "echo", "nodes": "n0", "concurrency": -1}')
    shown = _damaged(folder, "test.json", "'nodes' is a string, not a list of node names")
    assert "'concurrency' is a number (-1), not a positive whole number" in shown


# --- what the folder is ---------------------------------------------------------------------

def test_a_folder_that_is_not_a_run_lists_the_runs_beneath_it_newest_first(tmp_path):
    import os
    root = tmp_path / "store"
    for number in range(14):
        run = root / ("echo" if number % 2 else "broadcast") / f"2024010{number:02d}"
        run.mkdir(parents=True)
        (run / "results.edn").write_text("{:valid? true}")
        os.utime(run, (1_000_000 + number, 1_000_000 + number))
    os.symlink(run, root / "latest")        # followed by no listing: no run twice
    status, text, err = _explain_all(root)
    assert status == 254
    assert "is not a run folder" in err and "a real Maelstrom run" not in text
    listed = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    assert listed[:2] == [str(root / "echo" / "202401013"), str(root / "broadcast" / "202401012")]
    assert len(listed) == 11 and listed[-1] == "... and 4 more"
    report = json.loads(_explain_all(root, as_json=True)[1])
    assert report["kind"] == "not-a-run" and len(report["runs_beneath"]) == 10
    assert report["more_runs"] == 4 and report["exit_status"] == 254
    empty = tmp_path / "empty"
    empty.mkdir()
    status, text, err = _explain_all(empty)
    assert status == 254 and "no run folders beneath it either" in text


def test_dir_itself_broken(tmp_path):
    import os
    os.symlink("loop", tmp_path / "loop")
    status, _, err = _explain_all(tmp_path / "loop")
    assert status == 254 and "symlink loop" in err
    (tmp_path / "file").write_text("x")
    status, _, err = _explain_all(tmp_path / "file")
    assert status == 254 and f"the folder holding it is {tmp_path}" in err


def test_an_interrupted_bench_run_is_called_what_it_is(tmp_path):
    logs = tmp_path / "run" / "node-logs"
    logs.mkdir(parents=True)
    (logs / "n0.log").write_text("starting\nTraceback (most recent call last):\nKeyError: 'x'\n")
    (logs / "n1.log").write_text("")
    status, text, _ = _explain_all(tmp_path / "run")
    assert status == explain.NO_VERDICT
    assert "a real Maelstrom run" not in text
    assert "an incomplete run folder: it holds only node-logs/" in text
    assert "stopped (Ctrl-C, or killed)" in text and "| KeyError: 'x'" in text
    assert "node-logs/n1.log is empty" in text


def _bench_folder(tmp_path, aborted=None, problems=(), extra_files=()):
    folder = tmp_path / "bench"
    folder.mkdir()
    history = [_op(0, "invoke", 0, "echo", "hi", 1_000_000_000),
               _op(1, "ok", 0, "echo", {"echo": "hi", "type": "echo_ok"}, 1_500_000_000)]
    results = common.compose({"perf": common.perf(), "timeline": common.timeline(),
                              "exceptions": common.exceptions(history),
                              "stats": common.stats(history),
                              "availability": common.availability(history),
                              "net": common.net({group: {"send-count": 2, "recv-count": 2,
                                                         "msg-count": 2}
                                                 for group in ("all", "clients", "servers")},
                                                history),
                              "workload": echo.check(history)})
    store.write_history(str(folder), history)
    store.write_results(str(folder), results)
    store.write_test(str(folder), {"workload": "echo", "nodes": ["n0"], "concurrency": 1,
                                   "seed": 3},
                     {"aborted": aborted, "problems": list(problems)})
    (folder / "node-logs").mkdir()
    (folder / "node-logs" / "n0.log").write_text("about to fail\nRuntimeError: boom\n")
    for name in extra_files:
        (folder / name).write_text("<svg/>")
    return folder


def test_a_bench_run_whose_node_crashed_says_so(tmp_path):
    folder = _bench_folder(tmp_path, aborted="n0 crashed with exit status 1", problems=[
        {"time": 1.084, "node": "n0", "kind": "crash",
         "detail": "exited with status 1 during the run", "line": None}])
    status, text, err = _explain_all(folder)
    assert status == explain.NO_VERDICT and err == ""
    assert "Verdict written by our bench: VALID" in text
    assert "the bench aborted the run, as Maelstrom would at teardown" in text
    assert "n0 crashed with exit status 1" in text
    assert "n0 at 1.084 s: exited with status 1 during the run" in text
    assert "| RuntimeError: boom" in text
    report = json.loads(_explain_all(folder, as_json=True)[1])
    assert report["exit_status"] == 255 and any("aborted" in line for line in report["log"])


def test_files_are_described_by_their_presence(tmp_path):
    folder = _bench_folder(tmp_path)
    status, text, _ = _explain_all(folder)
    assert status == 0
    assert "gnuplot" not in text and "timeline.html of every" not in text
    assert "latency and rate graphs (none in this folder)" in text
    assert "no timeline.html in this folder" in text
    assert "Files: history.edn, history.txt, node-logs/ (1 log(s)), results.edn" in text
    for name in ("timeline.html", "latency-raw.svg", "rate.svg", "messages.svg"):
        (folder / name).write_text("<svg/>")
    _, text, _ = _explain_all(folder)
    assert "latency and rate graphs: latency-raw.svg, rate.svg" in text
    assert "timeline.html of every operation" in text and "messages.svg draws them" in text


# --- real Maelstrom folders: the command, error classes, causes whole --------------------

def test_the_command_is_shown_and_a_wrong_workload_named():
    run = _run("echo", "pankajads__maelstrom_test__20240106T144812")
    status, text, _ = _explain_all(run.dir)
    assert status == 1
    assert ("Command (from the log): lein run test -w echo --bin ./challange_2.py "
            "--time-limit 30 --rate 1000") in text
    assert ("these are challenge 2's published flags, which test unique-ids, but this run "
            "used -w echo: the wrong workload?") in text
    report = json.loads(_explain_all(run.dir, as_json=True)[1])
    assert report["command"].startswith("lein run test -w echo")
    kafka = _run("kafka", "Shresth72__distributed_systems_jepsen__20240919T141959")
    _, text, _ = _explain_all(kafka.dir)
    assert "Maelstrom did not read 'node-count 2' as flags" in text
    _, text, _ = _explain_all(_run("echo", SMALL_ECHO).dir)
    assert "lein run test -w echo" in text and "(challenge 1's published command)" not in text


def test_unknown_options_are_said_plainly():
    for run in oracle_runs.runs():
        if run.dir.name.startswith("SuchitraShankar07__flyio-solns__20241106T004459"):
            break
    else:
        pytest.skip("oracle/ is not on this machine")
    status, text, _ = _explain_all(run.dir)
    assert "options from nothing" not in text and "no log, no history" not in text
    assert "Options: unknown, the folder has no jepsen.log" in text
    assert "Node names, --availability and the other flags are not known" in text


def test_malformed_replies_are_one_class_quoted_whole():
    run = _run("broadcast", "rtmor__gossip_glomers__20230618T131926")
    status, text, _ = _explain_all(run.dir)
    assert "107 × read (info): malformed reply: {:messages (not (sequential? {}))}" in text
    assert text.count("malformed reply") == 1          # one class, not one per msg_id
    quoted = text[text.index("its message, whole:"):]
    for line in ("| Malformed RPC response. Maelstrom sent node n0 the following request:",
                 "| {:in_reply_to 1, :messages {}, :type \"read_ok\"}",
                 "| {:messages (not (sequential? {}))}",
                 "| See doc/protocol.md for more guidance."):
        assert line in quoted
    report = json.loads(_explain_all(run.dir, as_json=True)[1])
    assert [(e["count"], e["by_f"]) for e in report["errors"]] == [(107, {"read": 107})]
    assert "\n\nThis is malformed because:" in report["errors"][0]["message"]


def test_error_classes_set_numbers_aside():
    from glomers import explain_errors
    ops = [{"index": i, "time": i, "type": K("info"), "process": 0, "f": K("poll"),
            "value": None, "error": [K("crash"), f"offset {i} of queue \"{i * 7}\" missing"]}
           for i in range(3)]
    ops += [{"index": 9, "time": 9, "type": K("fail"), "process": 1, "f": K("send"),
             "value": None, "error": K("net-timeout")}]
    classes = explain_errors.group(ops)
    assert [(c.count, dict(c.by_f)) for c in classes] == [(3, {"poll": 3}), (1, {"send": 1})]
    lines = explain_errors.lines(classes, {})
    assert lines[1] == '  3 × poll (info): [:crash "offset 0 of queue \\"0\\" missing"]'
    assert lines[2] == "      first: op 0 at 0.000 s (process 0)"
    assert "no reply before the client's timeout" in lines[3]


def test_every_oracle_run_reads_without_a_problem():
    # The real runs are intact: whatever explain says of them, it is never "damaged".
    runs = [r for r in oracle_runs.runs() if r.workload in ("echo", "g-counter")]
    if not runs:
        pytest.skip("oracle/ is not on this machine")
    for run in runs:
        folder = run_folder.load(run.dir)
        assert folder.problems == [], run
        assert explain.exit_status(folder) in (0, 1, 2, 255)


def test_hostile_text_costs_linear_time_and_prints(tmp_path):
    # Each of these once took quadratic time or crashed the printer: many :argv and
    # :nodes openings with no close, a malformed-reply message padded with blanks, a
    # ratio over zero, a lone surrogate, a file name that is not UTF-8.
    import gzip
    import os
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    (folder / "jepsen.log.tail").write_text(
        ' :argv ("x\n :argv (" ' * 20_000 + "\n :nodes [\n" * 20_000)
    ops = gzip.decompress((folder / "history.edn.gz").read_bytes()).decode().splitlines()
    message = "Malformed RPC response. This is malformed because:" + " " * 200_000 + "x"
    ops.append(f'{{:index 99, :time 99999999999, :type :info, :process 0, :f :echo, '
               f':value nil, :error "indeterminate: {message}"}}')
    (folder / "history.edn.gz").write_bytes(gzip.compress("\n".join(ops).encode()))
    results = (folder / "results.edn").read_text()
    assert ":timeline {:valid? true}" in results
    (folder / "results.edn").write_text(results.replace(
        ":timeline {:valid? true}", ':timeline {:valid? true, :error "\\uD800"}'))
    ops.append('{:index 100, :time 99999999999, :type :fail, :process 0, :f :echo, '
               ':value nil, :error "\\uD800 is no character"}')
    (folder / "history.edn.gz").write_bytes(gzip.compress("\n".join(ops).encode()))
    os.makedirs(os.fsencode(str(folder / "node-logs")) + b"/\xff.log")
    with open(os.fsencode(str(folder)) + b"/\xff-notes", "w") as notes:
        notes.write("a file name that is not UTF-8")
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")    # encodes as a terminal does
    status = explain.main(str(folder), out=out, err=io.StringIO())
    out.flush()
    text = out.buffer.getvalue().decode()
    assert status == 0
    assert "malformed reply: x" in text and "node-logs/ (1 log(s))" in text
    assert "\\ud800 is no character" in text and "\\udcff-notes" in text
    (folder / "results.edn").write_text("{:valid? true, :x 1/0}")
    _damaged(folder, "results.edn", "ZeroDivisionError")


def test_a_folder_of_many_files_is_listed_in_part(tmp_path):
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    for number in range(1500):
        (folder / f"extra-{number:04d}.txt").write_text("")
    status, text, err = _explain_all(folder)
    assert status == 0 and err == ""
    files = next(line for line in text.splitlines() if line.startswith("Files: "))
    assert files.endswith("+ more") and len(files) < 1000


def test_a_log_whose_command_contradicts_the_history_is_flagged(tmp_path):
    folder = _copy(_run("echo", SMALL_ECHO), tmp_path)
    log = (folder / "jepsen.log.tail").read_text()
    (folder / "jepsen.log.tail").write_text(log.replace("test -w echo", "test -w broadcast"))
    text = _damaged(folder, "jepsen.log.tail", "jepsen.log.tail: holds a command that runs "
                                               "-w broadcast, but the history holds echo ops")
    assert "Command (from the log): lein run test -w broadcast" in text


def test_a_whole_failed_analysis_on_a_made_up_element_says_what_to_try(tmp_path):
    # A read returned an element no client appended: Elle asserts, and so does the bench.
    history = [_op(0, "invoke", 0, "txn", [[K("r"), 9, None]], 1_000_000_000),
               _op(1, "ok", 0, "txn", [[K("r"), 9, [[1, 2]]]], 1_500_000_000)]
    results = {"valid?": K("unknown"),
               "error": {"via": [{"type": "java.lang.AssertionError"}],
                         "cause": "No transaction wrote 9 [1 2]"}}
    store.write_history(str(tmp_path), history)
    store.write_results(str(tmp_path), results)
    store.write_test(str(tmp_path), {"workload": "txn-list-append", "nodes": ["n0"],
                                     "node_count": 1, "concurrency": 1},
                     {"aborted": None, "problems": []})
    status, text = _explain(tmp_path)
    lines = text.splitlines()
    failed = next(i for i, line in enumerate(lines) if "the whole analysis failed" in line)
    assert "No transaction wrote 9 [1 2]" in lines[failed]
    assert lines[failed + 1].strip().startswith("hint: Maelstrom's checker stops here too")
    assert not any(line.strip().startswith("? error") for line in lines)
    report = json.loads(_explain(tmp_path, as_json=True)[1])
    assert "error" not in report["maelstrom"]["checks"]
    assert report["maelstrom"]["error"] == "No transaction wrote 9 [1 2]"
