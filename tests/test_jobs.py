"""Seed sweeps on several cores (--jobs), seed ranges replayed one seed at a time, and the
kafka generator flag, checked through the command line. Every run is seeded and in virtual
time; histories are compared byte for byte between runs made different ways."""

import json
import os
import re
import subprocess
import sys

import pytest

from glomers import parallel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KAFKA = ["test", "-w", "kafka", "--bin", os.path.join(ROOT, "kafka_log.py"), "--node-count",
         "1", "--concurrency", "2n", "--time-limit", "2", "--rate", "200", "--virtual-time",
         "--no-pictures"]


def glomers(store, *args):
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", str(store)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def sweep(store, *args):
    """A --seeds run: (exit status, [(seed, verdict, history bytes)], stdout)."""
    status, out, err = glomers(store, *KAFKA, *args)
    runs = []
    for seed, verdict, run_dir in re.findall(r"^seed (\d+): (\S+)\s+(\S+)$", out, re.M):
        with open(os.path.join(run_dir, "history.edn"), "rb") as f:
            runs.append((int(seed), verdict, f.read()))
    return status, runs, out + err


def test_a_parallel_sweep_gives_the_serial_sweeps_seeds_verdicts_and_histories(tmp_path):
    status1, serial, out1 = sweep(tmp_path / "a", "--seeds", "3", "--seed", "5000",
                                  "--jobs", "1")
    status2, both, out2 = sweep(tmp_path / "b", "--seeds", "3", "--seed", "5000",
                                "--jobs", "2")
    assert [seed for seed, _, _ in serial] == [5000, 5001, 5002], out1
    assert both == serial, out2
    assert status1 == status2 == 0
    assert len({history for _, _, history in serial}) == 3      # the seeds do differ
    # The store's latest run is the last seed's, as after a serial sweep.
    last = re.search(r"^seed 5002: \S+\s+(\S+)$", out2, re.M).group(1)
    assert os.path.realpath(tmp_path / "b" / "latest") == os.path.realpath(last)


def test_a_seed_from_a_range_replays_alone_to_the_same_history(tmp_path):
    _, runs, out = sweep(tmp_path / "sweep", "--seeds", "2", "--seed", "7000", "--jobs", "2")
    status, _, _ = glomers(tmp_path / "alone", *KAFKA, "--seed", "7001")
    assert status == 0
    alone = (tmp_path / "alone" / "latest" / "history.edn").read_bytes()
    assert runs[1][0] == 7001 and runs[1][2] == alone, out


def test_the_same_seed_twice_gives_the_same_bytes(tmp_path):
    histories = []
    for name in ("one", "two"):
        status, _, err = glomers(tmp_path / name, *KAFKA, "--seed", "42")
        assert status == 0, err
        histories.append((tmp_path / name / "latest" / "history.edn").read_bytes())
    assert histories[0] == histories[1] and len(histories[0]) > 10_000


def test_the_kafka_generator_flag_changes_the_ops_and_explain_names_it(tmp_path):
    counts = {}
    for version in ("0.3.7", "0.3.1"):
        store = tmp_path / version
        status, out, err = glomers(store, *KAFKA, "--seed", "3", "--kafka-generator", version)
        assert status == 0, err
        assert f"ops from Jepsen {version}'s generator" in out
        history = (store / "latest" / "history.edn").read_text()
        counts[version] = history.count(":f :assign") / history.count(":type :invoke")
        text = subprocess.run([sys.executable, "-m", "glomers", "explain",
                               str(store / "latest")], cwd=ROOT, capture_output=True,
                              text=True, timeout=300).stdout
        assert f"Jepsen {version}'s generator" in text
    assert counts["0.3.1"] > 3 * counts["0.3.7"]


@pytest.mark.parametrize("args, words", [
    (["test", "-w", "echo", "--bin", "echo.py", "--kafka-generator", "0.3.1"],
     "--kafka-generator is for the kafka workload"),
    (["challenge", "1", "--kafka-generator", "0.3.1"], "--kafka-generator is for the kafka"),
    (["test", "-w", "kafka", "--bin", "kafka_log.py", "--kafka-generator", "0.2"],
     "invalid choice"),
    (["challenge", "1", "--seeds", "2", "--jobs", "0"], "--jobs"),
])
def test_bad_flags_are_refused_with_a_line_naming_them(tmp_path, args, words):
    status, out, err = glomers(tmp_path, *args, "--seed", "1")
    assert status == 254 and words in err, err


def _square(x):
    if x == 3:
        raise ValueError("three")
    return x * x


def _slow_first(x):
    import time
    time.sleep(0.3 if x == 0 else 0)
    return x


def test_ordered_hands_results_back_in_the_items_order():
    assert list(parallel.ordered(_slow_first, range(5), 3)) == [0, 1, 2, 3, 4]
    assert list(parallel.ordered(_square, [1, 2], 1)) == [1, 4]


def test_a_consumer_that_stops_after_the_last_result_stops_no_run(monkeypatch):
    # run_challenges zips the parts with the results and never asks past the last one:
    # that is a normal end, not a reason to send SIGTERM to idle workers (one killed
    # while it held the pool's queue lock used to leave the shutdown waiting forever).
    import concurrent.futures
    exit_codes = []
    shutdown = concurrent.futures.ProcessPoolExecutor.shutdown

    def watched(self, *args, **kwargs):
        processes = list((self._processes or {}).values())
        shutdown(self, *args, **kwargs)
        exit_codes.extend(process.exitcode for process in processes)
    monkeypatch.setattr(concurrent.futures.ProcessPoolExecutor, "shutdown", watched)
    results = parallel.ordered(_square, [1, 2, 4], 2)
    assert [next(results) for _ in range(3)] == [1, 4, 16]
    results.close()
    assert exit_codes and all(code == 0 for code in exit_codes)


def test_ordered_raises_a_runs_error_at_its_turn():
    results = parallel.ordered(_square, [1, 2, 3, 4], 2)
    assert next(results) == 1 and next(results) == 4
    with pytest.raises(ValueError, match="three"):
        next(results)


def _normalized(text, store):
    """Console text without what differs between any two runs: run folders, timings and
    the --jobs flag itself (each part's header repeats the flags given)."""
    text = re.sub(re.escape(str(store)) + r"\S*", "RUN", text).replace("--jobs 3", "--jobs 1")
    return re.sub(r"\d+\.\d s", "T s", text)


def test_challenge_all_in_parallel_prints_what_the_serial_run_prints(tmp_path, monkeypatch,
                                                                     capsys):
    from glomers import challenges, main
    monkeypatch.setattr(challenges, "available", lambda: ["1", "3a", "3b"])
    outputs, histories = [], []
    for jobs in ("1", "3"):
        store = tmp_path / jobs
        status = main.main(["challenge", "all", "--virtual-time", "--seed", "11", "--quiet",
                            "--no-pictures", "--jobs", jobs, "--store", str(store)])
        assert status == 0
        outputs.append(_normalized(capsys.readouterr().out, store))
        folders = [p for workload in ("broadcast", "echo")
                   for p in (store / workload).iterdir() if not p.is_symlink()]
        histories.append(sorted((p / "history.edn").read_bytes() for p in folders))
        latest = json.loads((store / "latest" / "test.json").read_text())
        assert latest["challenge"] == "3b"          # the last part, as in a serial run
    assert outputs[0] == outputs[1]
    assert outputs[0].index("== challenge 1:") < outputs[0].index("== challenge 3a:") \
        < outputs[0].index("== challenge 3b:") < outputs[0].index("== summary")
    assert histories[0] == histories[1] and len(histories[0]) == 3
