"""A pytest plugin for `tools/mutate.py --recheck`: collect the tests once, then run each
mutant's tests in a child forked from the collected session.

Starting pytest once per survivor costs seconds of start-up and collection each (minutes per
hundred survivors on a loaded machine); a fork costs milliseconds and still isolates every
mutant (a cache or global a mutant disturbs dies with its child). The driver loads this with
`-p mutate_recheck` and passes, in MUTATE_RECHECK_PLAN, a JSON file holding
{"mutants": {name: [test files or node ids]}, "out": verdicts file, "timeout": seconds
for the run with no mutant}.
The verdicts file gets {name: "killed" | "survived" | "timeout"}, plus "" for the run with
no mutant, which must pass for the others to mean anything.
"""

import json
import os
import signal
import time

from _pytest.runner import runtestprotocol


def _run_child(items, mutant):
    """In the forked child: run `items` with `mutant` on, exit 1 at the first failure."""
    os.setpgid(0, 0)           # its own group: node processes a test starts die with it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ["MUTANT_UNDER_TEST"] = mutant
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    code = 0
    try:
        for item in items:
            if any(report.failed for report in runtestprotocol(item, log=False, nextitem=None)):
                code = 1
                break
    except BaseException:      # a mutant may break anything, pytest itself included
        code = 1
    os._exit(code)


def _verdict(items, mutant, timeout):
    """Fork, run the mutant's tests in the child, and name what became of it."""
    pid = os.fork()
    if pid == 0:
        _run_child(items, mutant)
    try:
        os.setpgid(pid, pid)      # as the child does: whichever runs first, the group exists
    except OSError:
        pass
    deadline = time.monotonic() + timeout
    finished = False
    try:
        # Wait without reaping (WNOWAIT): until reaped, the child's pid, and so its group's
        # id, cannot be reused, so the group is surely its own when it is ended.
        while not finished and time.monotonic() < deadline:
            finished = os.waitid(os.P_PID, pid,
                                 os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
            if not finished:
                time.sleep(0.02)
    finally:
        # The child if it hung, and whatever it left; also when the session is stopped.
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        status = os.waitpid(pid, 0)[1]
    if not finished:
        return "timeout"
    return "survived" if os.waitstatus_to_exitcode(status) == 0 else "killed"


def _stopped(signum, frame):
    raise SystemExit(128 + signum)


class Recheck:
    """Replaces pytest's run loop with one forked run per mutant."""

    def __init__(self, plan):
        self.plan = plan

    def pytest_runtestloop(self, session):
        """Run the plan: first with no mutant (which must pass; its time sets the timeout
        per mutant, three times as long, at least a minute), then each mutant. The verdicts
        file is rewritten after each one."""
        out = self.plan["out"]
        # Stopped by the driver: end through the `finally` that ends the forked child's group
        # (in a group of its own, a signal to the session's group does not reach it).
        signal.signal(signal.SIGTERM, _stopped)

        def chosen(prefixes):
            return [item for item in session.items if any(
                item.nodeid == p or item.nodeid.startswith((p + "::", p + "[")) for p in prefixes)]

        every = sorted({p for prefixes in self.plan["mutants"].values() for p in prefixes})
        started = time.monotonic()
        verdicts = {"": _verdict(chosen(every), "", self.plan["timeout"])}
        timeout = max(60.0, 3 * (time.monotonic() - started))
        for name, prefixes in sorted(self.plan["mutants"].items()):
            if verdicts[""] != "survived":
                break
            verdicts[name] = _verdict(chosen(prefixes), name, timeout)
            with open(out, "w", encoding="utf-8") as f:
                json.dump(verdicts, f, indent=1)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(verdicts, f, indent=1)
        return True


def pytest_configure(config):
    """Take over the run when the driver passed a plan."""
    path = os.environ.get("MUTATE_RECHECK_PLAN")
    if path:
        with open(path, encoding="utf-8") as f:
            config.pluginmanager.register(Recheck(json.load(f)), "mutate-recheck")
