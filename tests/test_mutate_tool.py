"""tools/mutate_recheck.py, the pytest plugin behind `tools/mutate.py --recheck`: each
mutant's tests run in a forked child, with a verdict per mutant, and a session that is
stopped leaves no child behind."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"

SUBJECT = '''
import os, time

def test_subject():
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant == "breaks":
        assert False
    if mutant == "hangs":
        with open(os.environ["PID_FILE"], "w") as f:
            f.write(str(os.getpid()))
        time.sleep(600)
'''


def start_session(tmp_path, mutants, timeout=60):
    (tmp_path / "test_subject.py").write_text(SUBJECT)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"mutants": {m: ["test_subject.py"] for m in mutants},
                                "out": str(tmp_path / "out.json"), "timeout": timeout}))
    env = {**os.environ, "MUTATE_RECHECK_PLAN": str(plan), "PID_FILE": str(tmp_path / "pid"),
           "PYTHONPATH": str(TOOLS)}
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-p", "mutate_recheck", "test_subject.py"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:          # a zombie is not alive
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_each_mutant_gets_its_verdict(tmp_path):
    session = start_session(tmp_path, ["breaks", "harmless"])
    assert session.wait(timeout=120) == 0
    verdicts = json.loads((tmp_path / "out.json").read_text())
    assert verdicts == {"": "survived", "breaks": "killed", "harmless": "survived"}


def test_a_stopped_session_ends_the_mutant_run_it_forked(tmp_path):
    session = start_session(tmp_path, ["hangs"], timeout=600)
    pid_file, groups = tmp_path / "pid", [session.pid]
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()):
            assert time.monotonic() < deadline, "the mutant's test never started"
            assert session.poll() is None
            time.sleep(0.05)
        child = int(pid_file.read_text())
        groups.append(child)          # the forked child leads a group of its own
        assert alive(child)
        session.send_signal(signal.SIGTERM)
        assert session.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child)
    finally:
        for group in groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
