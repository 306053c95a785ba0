"""`glomers explain`: reading run folders (ours and Maelstrom's), inferring options,
crash reports, and the plain-English and JSON explanations on real oracle runs."""

import io
import json

import pytest

from glomers import edn, explain, oracle_runs, run_folder, store
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
    lines = explain.crash_report(log)
    assert "node n3 exited with status 2" in lines[0]
    assert any("init_ok" in line for line in lines)
    assert any("float64, not int" in line for line in lines)
    assert "no jepsen.log" in explain.crash_report(None)[0]


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
    assert "our bench run of echo, 2 node(s)" in text and "options from test.json" in text
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
    assert run_folder._workload_from_results({"workload": {"final-reads": []}}) == "g-counter"
    assert run_folder._workload_from_history([{"f": "txn"}]) == "txn-rw-register"
    assert run_folder._workload_from_history([{"f": "nemesis"}]) is None
    assert edn.Keyword("kafka") == run_folder._workload_from_history([{"f": K("poll")}])
