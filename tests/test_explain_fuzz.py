"""`explain` on damaged copies of real run folders: every truncation of each small file,
random bytes, and random edits that keep most of the syntax (so that the files still
parse, with values of the wrong kind in the wrong place). Whatever the folder holds,
explain must answer: no exception, an exit status from its documented set, valid JSON
under --json, and for a damaged folder (exit 3) one stderr line naming a file of it.

Random choices come from seeded generators, so a failure replays exactly.
"""

import gzip
import io
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from glomers import explain, oracle_runs

ROOT = Path(__file__).resolve().parent.parent
SMALL_ECHO = "SuchitraShankar07__flyio-solns__20241028T132305.737+0530"
STATUSES = {0, 1, 2, explain.DAMAGED, 254, explain.NO_VERDICT}
FILES = ("results.edn", "history.edn", "history.edn.gz", "test.json", "journal.jsonl",
         "jepsen.log.tail", "jepsen.log", "history", "node-logs")
# Bytes that move EDN and JSON around without destroying all of it.
SYNTAX = b'[]{}()"\\#:;, \n0123456789-.eNM/niltruefalse\xff'


def _oracle_run(name):
    found = [r for r in oracle_runs.runs("echo") if r.dir.name == name]
    if not found:
        pytest.skip("oracle/ is not on this machine")
    return found[0].dir


@pytest.fixture(scope="module")
def maelstrom_run(tmp_path_factory):
    """A small real Maelstrom run, with its history both gzipped and plain."""
    folder = tmp_path_factory.mktemp("maelstrom") / "run"
    shutil.copytree(_oracle_run(SMALL_ECHO), folder)
    return folder


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """A small run of our bench (virtual time, fixed seed), as a user's store holds it
    (without its pictures, which explain only lists: fewer files to combine below)."""
    store = tmp_path_factory.mktemp("bench-store")
    subprocess.run([sys.executable, "-m", "glomers", "test", "-w", "echo", "--bin",
                    str(ROOT / "echo.py"), "--node-count", "1", "--time-limit", "2",
                    "--virtual-time", "--seed", "7", "--store", str(store), "--quiet",
                    "--no-pictures"],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)
    return next(path for path in (store / "echo").iterdir()
                if path.is_dir() and not path.is_symlink())


def _check(folder, json_too=True):
    """Explain a folder (in words, and as JSON when `json_too`); every answer must keep
    explain's promises."""
    for as_json in (False, True) if json_too else (False,):
        out, err = io.StringIO(), io.StringIO()
        status = explain.main(str(folder), as_json=as_json, out=out, err=err)
        assert status in STATUSES
        assert out.getvalue() and "Traceback" not in out.getvalue() + err.getvalue()
        if as_json:
            report = json.loads(out.getvalue(), parse_constant=_not_json)
            assert report["exit_status"] == status
        if status == explain.DAMAGED:
            lines = err.getvalue().splitlines()
            assert lines and all(line.startswith("glomers explain: ") for line in lines)
            assert any(name in lines[0] for name in FILES)
    return status


def _not_json(word):
    raise AssertionError(f"{word} in --json output")


def _variants(original, rng, count):
    """Damaged versions of a file: random bytes, then random syntax-keeping edits."""
    for _ in range(count):
        yield bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 300)))
    for _ in range(count * 3):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 4)):
            position = rng.randrange(len(data) + 1)
            choice = rng.random()
            if choice < 0.5 and data:
                data[min(position, len(data) - 1)] = rng.choice(SYNTAX)
            elif choice < 0.75:
                data[position:position] = bytes([rng.choice(SYNTAX)])
            else:
                del data[position:position + rng.randrange(1, 40)]
        yield bytes(data)


def _lengths(size, every_up_to=1500, samples=100, ends=16):
    """Every length of a small file; for a larger one, evenly spread lengths plus both ends."""
    if size <= every_up_to:
        return range(size)
    spread = {size * i // samples for i in range(samples)}
    return sorted(spread | set(range(min(ends, size))) | set(range(max(0, size - ends), size)))


@pytest.mark.parametrize("name", ["results.edn", "history.edn.gz", "history.edn",
                                  "jepsen.log.tail"])
def test_every_truncation_of_a_real_maelstrom_run(maelstrom_run, tmp_path, name):
    folder = tmp_path / "run"
    shutil.copytree(maelstrom_run, folder)
    if name == "history.edn":
        (folder / name).write_bytes(gzip.decompress((folder / "history.edn.gz").read_bytes()))
        (folder / "history.edn.gz").unlink()
    original = (folder / name).read_bytes()
    statuses = set()
    for length in _lengths(len(original)):
        (folder / name).write_bytes(original[:length])
        statuses.add(_check(folder, json_too=length % 8 == 0))
    (folder / name).write_bytes(original)
    assert _check(folder) == 0
    if name != "jepsen.log.tail":
        assert explain.DAMAGED in statuses      # the cuts were noticed


@pytest.mark.parametrize("name", ["results.edn", "test.json", "journal.jsonl", "history.edn"])
def test_every_truncation_of_a_bench_run(bench_run, tmp_path, name):
    folder = tmp_path / "run"
    shutil.copytree(bench_run, folder)
    original = (folder / name).read_bytes()
    statuses = set()
    # The real Maelstrom run above is cut at every length; here a spread of lengths.
    for length in _lengths(len(original), every_up_to=0, samples=80):
        (folder / name).write_bytes(original[:length])
        statuses.add(_check(folder, json_too=length % 8 == 0))
    assert explain.DAMAGED in statuses


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", ["results.edn", "history.edn.gz", "jepsen.log.tail"])
def test_random_damage_to_a_real_maelstrom_run(maelstrom_run, tmp_path, name, seed):
    rng = random.Random(f"{name}/{seed}")
    folder = tmp_path / "run"
    shutil.copytree(maelstrom_run, folder)
    original = (folder / name).read_bytes()
    if name.endswith(".gz"):
        original = gzip.decompress(original)
    for data in _variants(original, rng, 15):
        (folder / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        _check(folder)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", ["results.edn", "test.json", "journal.jsonl", "history.edn"])
def test_random_damage_to_a_bench_run(bench_run, tmp_path, name, seed):
    rng = random.Random(f"bench/{name}/{seed}")
    folder = tmp_path / "run"
    shutil.copytree(bench_run, folder)
    original = (folder / name).read_bytes()
    for data in _variants(original, rng, 10):
        (folder / name).write_bytes(data)
        _check(folder)


@pytest.mark.parametrize("workload, fragment", [
    ("broadcast", "Garrett-Bodley__gossip-glomers__20240528T174423"),
    ("broadcast", "rtmor__gossip_glomers__20230618T131926"),
    ("txn-rw-register", "20240919T142314"),
    ("g-counter", "20240228T022643"),
])
def test_random_edits_of_failing_runs_results(tmp_path, workload, fragment):
    # Failing runs' results.edn hold the richest shapes (latency maps, exception
    # examples, anomalies): edits that keep the EDN readable reach the describers.
    found = [r for r in oracle_runs.runs(workload) if fragment in r.dir.name]
    if not found:
        pytest.skip("oracle/ is not on this machine")
    folder = tmp_path / "run"
    shutil.copytree(found[0].dir, folder)
    (folder / "history.edn.gz").unlink()        # results alone: the describers' shapes
    original = (folder / "results.edn").read_bytes()
    rng = random.Random(fragment)
    for data in _variants(original, rng, 5):
        (folder / "results.edn").write_bytes(data)
        _check(folder)


def test_missing_files_in_every_combination(maelstrom_run, bench_run, tmp_path):
    for source in (maelstrom_run, bench_run):
        names = sorted(path.name for path in source.iterdir())
        for mask in range(1 << len(names)):
            folder = tmp_path / f"{source.name}-{mask}"
            folder.mkdir()
            (folder / "notes.txt").write_text("not a run file")
            for position, name in enumerate(names):
                if mask >> position & 1:
                    target = source / name
                    (shutil.copytree if target.is_dir() else shutil.copy)(target, folder / name)
            kept = {name for position, name in enumerate(names) if mask >> position & 1}
            status = _check(folder)
            if not kept & RUN_MARKERS:
                assert status == 254

RUN_MARKERS = {"results.edn", "history.edn", "history.edn.gz", "history.txt", "node-logs",
               "test.json", "journal.jsonl", "results.json", "jepsen.log", "jepsen.log.tail"}


def _paths(value, path=(), found=None):
    """Every (path, value) of a parsed EDN tree: map entries and list items."""
    found = [] if found is None else found
    found.append(path)
    if isinstance(value, dict):
        for key, item in value.items():
            _paths(item, path + (key,), found)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _paths(item, path + (position,), found)
    return found


def _replaced(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    return [(_replaced(item, rest, new) if position == head else item)
            for position, item in enumerate(value)]


@pytest.mark.parametrize("workload, fragment", [
    ("broadcast", "Garrett-Bodley__gossip-glomers__20240528T174423"),
    ("echo", "NavinShrinivas"),
    ("unique-ids", "Hacker-007"),
    ("kafka", "single-node-kafka-style-log_results"),
    ("txn-rw-register", "20240919T142314"),
])
def test_results_of_any_shape(tmp_path, workload, fragment):
    # results.edn that parses but holds a value of another kind somewhere: the
    # describers must name the odd spot (exit 3) or cope, never raise.
    from glomers import edn
    from glomers.edn import Keyword as K
    found = [r for r in oracle_runs.runs(workload) if fragment in r.dir.name and r.results]
    if not found:
        pytest.skip("oracle/ is not on this machine")
    folder = tmp_path / "run"
    shutil.copytree(found[0].dir, folder)
    history = folder / "history.edn.gz"
    if history.exists() and history.stat().st_size > 50_000:
        history.unlink()        # re-checking a large history 40 times is all time, no shape
    original = found[0].results
    rng = random.Random(fragment)
    odd = [None, 0, -1, 2 ** 70, 1e308, float("nan"), "x", K("unknown"), [], {}, [None],
           {K("valid?"): 3}, [[1, 2], [3]], {"k": [K("a")]}, True]
    for _ in range(40):
        changed = original
        for _ in range(rng.randrange(1, 4)):
            paths = [path for path in _paths(changed) if path and path != ("valid?",)]
            changed = _replaced(changed, rng.choice(paths), rng.choice(odd))
        (folder / "results.edn").write_text(edn.dumps(changed))
        _check(folder, json_too=rng.random() < 0.3)
