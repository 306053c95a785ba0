"""Every challenge part passes on the bench: breadth in virtual time, real runs as processes.

Breadth: each part over several seeds in virtual time, partitions included where the part
has them. Parts at rate 1000 run a shorter main phase here (BREADTH_TIME_LIMIT); everything
else (nodes, rate, concurrency, latency, nemesis, final phase) is the published command.
Parts whose published commands are the same (3d and 3e, 5b and 5c) share one sweep.
`make test` runs BREADTH_SEEDS=3 seeds per part (three times as many for the cheap parts);
`make sweep` runs this file's sweeps alone over 20.

Depth: real-time runs of the published command with the nodes as processes, as Maelstrom
runs them: REAL_TIME_PARTS here (default 1, 3c and 4: echo, partitions, a KV service);
`make check` runs every part that way, and REAL_TIME_PARTS=all runs them all here.
"""

import os
import subprocess
import sys

import pytest

from glomers import challenges

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = challenges.available()
SEEDS = int(os.environ.get("BREADTH_SEEDS", "3"))
CHEAP = {"1", "3a", "3b", "3c", "4"}       # a fraction of a second per seed: run three times as many
BREADTH_TIME_LIMIT = {"2": 5, "5a": 5, "5b": 5, "5c": 5, "6a": 5, "6b": 5,
                      "6b-partition": 5, "6c": 5}
_real = os.environ.get("REAL_TIME_PARTS", "1,3c,4")
REAL_TIME_PARTS = PARTS if _real == "all" else [p for p in _real.split(",") if p in PARTS]


def _distinct_commands(parts):
    """The first part of each group with the same published flags (3d for 3d and 3e)."""
    seen, chosen = set(), []
    for part in parts:
        flags = challenges.PARTS[part][2]
        if flags not in seen:
            seen.add(flags)
            chosen.append(part)
    return chosen


SWEPT = _distinct_commands(PARTS)


def test_every_part_has_a_script():
    # Fails until every challenge's script exists: the suite must cover all of them.
    assert PARTS == list(challenges.PARTS), f"missing: {set(challenges.PARTS) - set(PARTS)}"


def breadth_argv(part):
    argv = challenges.argv(part)
    if part in BREADTH_TIME_LIMIT:
        at = argv.index("--time-limit")
        argv[at + 1] = str(BREADTH_TIME_LIMIT[part])
    return argv


def test_parts_sharing_a_sweep_share_their_command():
    # The sweep of 3d stands for 3e only while their published flags are the same.
    for part in PARTS:
        if part not in SWEPT:
            twin = [p for p in SWEPT if challenges.PARTS[p][2] == challenges.PARTS[part][2]]
            assert twin and challenges.PARTS[twin[0]][0] == challenges.PARTS[part][0], part


@pytest.mark.timeout(1500)          # a sweep under `make sweep` runs 20 seeds per part
@pytest.mark.parametrize("part", SWEPT)
def test_part_passes_over_many_seeds_in_virtual_time(tmp_path, part):
    seeds = SEEDS * 3 if part in CHEAP else SEEDS
    proc = subprocess.run(
        [sys.executable, "-m", "glomers", *breadth_argv(part), "--virtual-time",
         "--seeds", str(seeds), "--seed", "1000", "--store", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{seeds} of {seeds} seeds valid" in proc.stdout


@pytest.mark.parametrize("part", REAL_TIME_PARTS)
def test_part_passes_as_processes(tmp_path, part):
    proc = subprocess.run(
        [sys.executable, "-m", "glomers", "challenge", part, "--quiet", "--seed", "7",
         "--store", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    assert "Everything looks good" in proc.stdout
    if part in challenges.TARGETS:        # judged and shown; real-time figures are not asserted
        assert "published targets of " + part in proc.stdout


def test_makefile_runs_maelstrom_with_the_published_flags():
    # `make -n <target>` shows the command; it must carry exactly the part's flags.
    for part, (script, target, flags) in challenges.PARTS.items():
        proc = subprocess.run(["make", "-n", target, "MAELSTROM=maelstrom"], cwd=ROOT,
                              capture_output=True, text=True)
        command = [line for line in proc.stdout.splitlines() if " test " in line]
        assert command, f"make {target}: {proc.stdout} {proc.stderr}"
        words = command[-1].split()
        assert words[words.index("--bin") + 1] == f"./{script}"
        rest = [w for i, w in enumerate(words[2:], 2)
                if w != "--bin" and words[i - 1] != "--bin"]
        assert sorted(rest) == sorted(flags.split()), target


def test_maelstrom_target_without_maelstrom_says_how_to_get_it():
    proc = subprocess.run(["make", "echo", "MAELSTROM=/nonexistent/maelstrom"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "make maelstrom" in proc.stdout + proc.stderr
