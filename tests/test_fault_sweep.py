"""Every reference script stays valid under kill, pause, and kill with partitions: several
seeds each in virtual time (faults.md §8 lists what each fault does to each workload).

The commands are the published parts' workloads and cluster shapes, without
`--availability total` (any request to a dead or paused node times out, which total
availability forbids) and with a short fault interval so that every run sees several faults.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = int(os.environ.get("FAULT_SWEEP_SEEDS", "4"))
FAULT_SETS = ("kill", "pause", "kill,partition")

SCRIPTS = [
    pytest.param("echo.py", "-w echo --node-count 3 --time-limit 10", id="echo"),
    pytest.param("unique_ids.py", "-w unique-ids --node-count 3 --time-limit 10 --rate 200",
                 id="unique_ids"),
    pytest.param("broadcast.py", "-w broadcast --node-count 5 --time-limit 20 --rate 10",
                 id="broadcast"),
    pytest.param("counter.py", "-w g-counter --node-count 3 --time-limit 20 --rate 100",
                 id="counter"),
    pytest.param("kafka_log.py", "-w kafka --node-count 2 --concurrency 2n --time-limit 10 "
                 "--rate 200", id="kafka_log"),
    pytest.param("txn.py", "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 10 "
                 "--rate 200 --consistency-models read-committed", id="txn"),
]


@pytest.mark.parametrize("faults", FAULT_SETS)
@pytest.mark.parametrize("script, flags", SCRIPTS)
def test_script_stays_valid_under_faults(tmp_path, script, flags, faults):
    proc = subprocess.run(
        [sys.executable, "-m", "glomers", "test", *flags.split(), "--bin", script,
         "--nemesis", faults, "--nemesis-interval", "2", "--virtual-time", "--no-pictures",
         "--seeds", str(SEEDS), "--seed", "500", "--store", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert f"{SEEDS} of {SEEDS} seeds valid" in proc.stdout, \
        proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0
