"""Suite-wide rules: every bench run is seeded, and property tests are reproducible.

- A bench run (`python3 -m glomers test|challenge ...` in a subprocess, or the same parsed
  in this process) without `--seed` fails its test: a failure found on CI must be
  replayable from the seed the run printed, so no test may leave the seed to chance.
- Hypothesis runs derandomized (the examples depend only on the test's code) with no
  example database and no deadline, so CI on a busy 2-core machine sees the same examples
  every time. HYPOTHESIS_PROFILE=explore draws fresh random examples, many more of them,
  for a hunt by hand.
- pytest-xdist's workers ignore SIGINT, and a process started with SIGINT ignored keeps it
  ignored, so every bench run a test starts would shrug off the Ctrl-C some tests press.
  Python's own handler is put back here; each child then starts with SIGINT at its default.
"""

import os
import signal
import subprocess

import pytest
from hypothesis import HealthCheck, settings

from glomers import cli

settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          max_examples=200, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", derandomize=False, database=None, deadline=None,
                          max_examples=5000, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

BENCH_COMMANDS = ("test", "challenge", "shrink")


def unseeded_bench_command(argv):
    """The bench command of `argv` if it runs the bench without --seed, else None.

    `argv` is a subprocess's argument list; only `... -m glomers test|challenge ...` counts.
    """
    words = [str(word) for word in argv] if isinstance(argv, (list, tuple)) else []
    for at in range(len(words) - 2):
        if words[at] == "-m" and words[at + 1] == "glomers":
            command = words[at + 2]
            rest = words[at + 3:]
            seeded = any(w == "--seed" or w.startswith("--seed=") for w in rest)
            if command == "shrink" and "--bin" not in rest:
                seeded = True       # `shrink RUN_DIR` replays the folder's own seed
            return command if command in BENCH_COMMANDS and not seeded else None
    return None


class _SeededPopen(subprocess.Popen):
    """subprocess.Popen that refuses to start an unseeded bench run."""

    def __init__(self, args, *rest, **kwargs):
        command = unseeded_bench_command(args)
        if command is not None:
            pytest.fail(f"`glomers {command}` started without --seed: every bench run in a "
                        f"test takes --seed so that a failure can be replayed ({args})",
                        pytrace=False)
        super().__init__(args, *rest, **kwargs)


@pytest.fixture(autouse=True)
def every_bench_run_is_seeded(monkeypatch):
    """Fail a test that starts a bench run (subprocess or in-process) without --seed."""
    monkeypatch.setattr(subprocess, "Popen", _SeededPopen)
    parse_options = cli.test_options

    def seeded_test_options(ns):
        if getattr(ns, "seed", None) is None:
            pytest.fail("a bench run was parsed without --seed: every bench run in a test "
                        "takes --seed so that a failure can be replayed", pytrace=False)
        return parse_options(ns)

    monkeypatch.setattr(cli, "test_options", seeded_test_options)


SLOW_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slow_tests.txt")


def slow_test_ids():
    """The ids in slow_tests.txt: a test's id, or a function's id for all its parameters."""
    with open(SLOW_LIST, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def is_listed(nodeid, listed):
    """Whether a test id is one of `listed` or a parametrization of one of them."""
    return nodeid in listed or nodeid.split("[", 1)[0] in listed


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: among the slowest tests (slow_tests.txt); "
                                       "`make test` leaves them out, `make test-all` runs them")


def pytest_collection_modifyitems(config, items):
    listed = set(slow_test_ids())
    for item in items:
        if is_listed(item.nodeid, listed):
            item.add_marker(pytest.mark.slow)
