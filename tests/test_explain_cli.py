"""`python3 -m glomers explain` as a user runs it: exit statuses, stderr, --json."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from glomers import oracle_runs

ROOT = Path(__file__).resolve().parent.parent


def _explain(*args):
    done = subprocess.run([sys.executable, "-m", "glomers", "explain", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout, done.stderr


def _run(workload, fragment):
    found = [r for r in oracle_runs.runs(workload) if fragment in r.dir.name]
    if not found:
        pytest.skip("oracle/ is not on this machine")
    return found[0].dir


@pytest.mark.parametrize("workload, fragment, status", [
    ("echo", "SuchitraShankar07__flyio-solns__20241028T132305", 0),
    ("unique-ids", "Hacker-007", 1),
    ("echo", "NavinShrinivas", 2),
    ("broadcast", "rtmor__gossip_glomers__20230618T130116", 255),
])
def test_the_exit_status_is_the_verdict_the_folder_holds(workload, fragment, status):
    folder = _run(workload, fragment)
    code, out, err = _explain(folder)
    assert code == status and err == "" and "Traceback" not in out
    code, out, err = _explain(folder, "--json")
    assert code == status and json.loads(out)["exit_status"] == status


def test_a_damaged_folder_exits_3_with_one_line_per_damaged_file(tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(_run("echo", "SuchitraShankar07__flyio-solns__20241028T132305"), folder)
    text = (folder / "results.edn").read_text()
    (folder / "results.edn").write_text(text[:100])
    (folder / "history.edn.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    code, out, err = _explain(folder)
    assert code == 3
    assert err.splitlines() == [
        f"glomers explain: {folder}/results.edn: is cut off or unbalanced (unclosed '{{' "
        "at end of input)",
        f"glomers explain: {folder}/history.edn.gz: is cut off: the compressed data ends early"]
    assert "Problems with this folder (explain exits 3):" in out
    assert "Command (from the log): lein run test -w echo" in out    # the rest is explained
    code, out, err = _explain("--json", folder)
    report = json.loads(out)
    assert code == 3 and report["exit_status"] == 3 and len(err.splitlines()) == 2
    assert [p["file"] for p in report["problems"]] == ["results.edn", "history.edn.gz"]


def test_not_a_run_folder_exits_254_and_lists_the_runs_beneath(tmp_path):
    code, out, err = _explain(tmp_path / "nowhere")
    assert code == 254 and out == "" and "no such folder" in err
    code, out, err = _explain(ROOT / "oracle" / "g-counter")
    assert code == 254 and "is not a run folder" in err
    assert out.startswith("Run folders beneath it, newest first:")
    assert len(out.splitlines()) == 1 + 9           # nine g-counter runs, all listed
    code, out, err = _explain("--json", ROOT / "oracle" / "g-counter")
    report = json.loads(out)
    assert code == 254 and report["kind"] == "not-a-run" and len(report["runs_beneath"]) == 9


def test_no_dir_is_a_usage_error():
    code, out, err = _explain()
    assert code == 254 and "dir" in err and "Traceback" not in err
