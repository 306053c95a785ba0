"""The two tiers of the suite: every id in slow_tests.txt names a collected test, and the
marker reaches exactly those tests, so `make test` (not slow) and `make test-all` (all)
split the suite as the list says."""

import os
import subprocess
import sys

from conftest import is_listed, slow_test_ids

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collected(*args):
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:xdist", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if line.startswith("tests/")]


def test_every_slow_id_names_a_test_and_only_those_are_marked():
    # `-m slow` collects exactly the tests the marker reached; `make test`'s `-m "not slow"`
    # is its complement by pytest's own rule.
    marked = _collected("-m", "slow")
    listed = set(slow_test_ids())
    named = {i for i in listed if any(is_listed(t, {i}) for t in marked)}
    assert named == listed, f"ids in slow_tests.txt that name no test: {listed - named}"
    assert all(is_listed(t, listed) for t in marked)
    assert len(marked) >= len(listed)


def test_is_listed_matches_a_function_and_its_parameters_only():
    listed = {"tests/a.py::test_x", "tests/b.py::test_y[2]"}
    assert is_listed("tests/a.py::test_x", listed)
    assert is_listed("tests/a.py::test_x[1-foo]", listed)
    assert not is_listed("tests/a.py::test_x_more", listed)
    assert is_listed("tests/b.py::test_y[2]", listed)
    assert not is_listed("tests/b.py::test_y[3]", listed)
