"""A newcomer's path, as the README describes it: a node written anywhere runs under the bench
(both modes) and as Maelstrom would start it; a crash says so first; `challenge` takes any
`test` flag; `test` without -w says what it runs; a bare copy of the repository is enough."""

import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


def clean_env():
    """The environment without PYTHONPATH: nothing makes maelstrom_node importable but what
    the README says."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def readme_node():
    """The README's example node, exactly as printed there."""
    text = open(README, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    (node,) = [b for b in blocks if "from maelstrom_node import" in b and "run(serve)" in b]
    return node


def save_node(folder, source, name="my_node.py"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source)
    path.chmod(0o755)
    return path


def bench(tmp_path, *args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store",
                           str(tmp_path / "store")], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_readme_node_saved_elsewhere_runs_under_the_bench_in_both_modes(tmp_path):
    node = save_node(tmp_path / "home" / "me", readme_node())
    for mode in ([], ["--virtual-time"]):
        status, text = bench(tmp_path, "test", "-w", "echo", "--bin", str(node),
                             "--node-count", "2", "--time-limit", "3", "--seed", "4", *mode)
        assert status == 0, text
        assert "Everything looks good" in text


def run_as_maelstrom_would(node, env):
    """Start the node as a plain process, as Maelstrom does, and send init and one echo."""
    lines = [{"src": "c0", "dest": "n1", "body": {"type": "init", "msg_id": 1, "node_id": "n1",
                                                     "node_ids": ["n1"]}},
             {"src": "c1", "dest": "n1", "body": {"type": "echo", "msg_id": 2, "echo": "hi"}}]
    return subprocess.run([str(node)], input="".join(json.dumps(m) + "\n" for m in lines),
                          cwd=str(node.parent), env=env, capture_output=True, text=True,
                          timeout=60)


def test_readme_node_runs_as_maelstrom_starts_it_by_the_readme_s_two_ways(tmp_path):
    source = readme_node()
    # Not set up: the node cannot find the library (which is why the README says what to do).
    alone = run_as_maelstrom_would(save_node(tmp_path / "alone", source), clean_env())
    assert "ModuleNotFoundError" in alone.stderr
    # Way 1: maelstrom_node.py copied beside the script.
    beside = save_node(tmp_path / "beside", source)
    shutil.copy(os.path.join(ROOT, "maelstrom_node.py"), beside.parent)
    # Way 2: PYTHONPATH naming the clone.
    via_path = save_node(tmp_path / "via-path", source)
    for node, env in ((beside, clean_env()), (via_path, {**clean_env(), "PYTHONPATH": ROOT})):
        proc = run_as_maelstrom_would(node, env)
        replies = [json.loads(line)["body"] for line in proc.stdout.splitlines()]
        assert [r["type"] for r in replies] == ["init_ok", "echo_ok"], proc.stderr
        assert replies[1]["echo"] == "hi" and replies[1]["in_reply_to"] == 2


def test_a_node_that_fails_to_import_is_reported_by_its_crash_first(tmp_path):
    node = save_node(tmp_path / "elsewhere", "#!/usr/bin/env python3\nimport no_such_module_x\n")
    status, text = bench(tmp_path, "test", "-w", "echo", "--bin", str(node), "--node-count",
                         "1", "--time-limit", "3", "--seed", "1")
    assert status == 255, text
    problems = text.split("Node problems\n", 1)[1].splitlines()
    assert "exited with status 1 before answering init" in problems[0]
    assert "ModuleNotFoundError: No module named 'no_such_module_x'" in problems[0]
    assert "did not answer init within" not in text


def test_challenge_takes_any_test_flag_and_says_which_it_overrode(tmp_path):
    status, text = bench(tmp_path, "challenge", "3d", "--nemesis", "partition",
                         "--virtual-time", "--seed", "2", "--no-pictures")
    assert status == 0, text[-3000:]
    assert "== challenge 3d: -w broadcast --node-count 25 --time-limit 20 --rate 100 " \
           "--latency 100 --bin" in text
    assert ("   overriding --nemesis partition (not in the published command; Maelstrom's "
            "default: none); bench options --seed 2 --virtual-time --store ") in text
    assert re.search(r"partition \([a-z-]+\): n\d+ .*cut off from", text), "no partition happened"
    assert "measured with flags that override the published command" in text
    run_dir = os.path.realpath(tmp_path / "store" / "latest")
    test = json.load(open(os.path.join(run_dir, "test.json")))
    assert test["nemesis"] == ["partition"] and test["node_count"] == 25


def test_challenge_overrides_a_published_value_and_refuses_a_bad_one(tmp_path):
    status, text = bench(tmp_path, "challenge", "3b", "--rate", "4", "--time-limit", "2",
                         "--virtual-time", "--seed", "1", "--no-pictures")
    assert status == 0, text
    assert "overriding --time-limit 2 (published: 20), --rate 4 (published: 10)" in text
    assert "broadcast: 5 node(s), 2 s, rate 4," in text
    status, text = bench(tmp_path, "challenge", "3b", "--rate", "fast", "--seed", "1")
    assert status == 254
    assert "argument --rate: expected a number, got 'fast'" in text


def test_test_without_a_workload_says_it_runs_lin_kv_and_lists_the_others(tmp_path):
    status, text = bench(tmp_path, "test", "--bin", "echo.py", "--virtual-time",
                         "--time-limit", "1", "--seed", "1", "--no-pictures")
    first = text.splitlines()[0]
    assert first.startswith("-w/--workload was not given, so this runs Maelstrom's default "
                            "workload, lin-kv")
    for name in ("echo (part 1)", "broadcast (parts 3a-3e)", "txn-rw-register (parts 6a-6c)",
                 "g-set", "pn-counter", "txn-list-append"):
        assert name in first
    assert "lin-kv needs client threads in multiples of twice the node count" in first
    assert status == 255            # as Maelstrom: lin-kv with --concurrency 1n aborts


def repository_files():
    """The files a clone holds: git's list when this is a checkout, else the tree."""
    proc = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return [name for name in proc.stdout.decode().split("\0")
            if name and os.path.exists(os.path.join(ROOT, name))]


def test_a_bare_copy_of_the_repository_holds_everything_its_docs_and_oracle_need(tmp_path):
    clone = tmp_path / "clone"
    for name in repository_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), clone / name)
    # Every relative link in the README and docs/ resolves inside the copy.
    docs = [clone / "README.md", *sorted((clone / "docs").glob("*.md")),
            clone / "oracle" / "README.md"]
    for doc in docs:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if re.match(r"[a-z]+://", target):
                continue
            path = (doc.parent / target).resolve()
            assert str(path).startswith(str(clone)), f"{doc.name} links outside: {target}"
            assert path.exists(), f"{doc.name} links to a missing {target}"
    # Nothing points beside the repository (to the notes the project was built from).
    beside = "../" + "shared"
    for name in repository_files():
        if name.endswith((".md", ".py", "Makefile")):
            assert beside not in open(os.path.join(ROOT, name), encoding="utf-8").read(), name
    # make oracle agrees there, with nothing beside it.
    proc = subprocess.run(["make", "oracle", f"PYTHON={sys.executable}"], cwd=clone,
                          env=clean_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(r"\n(\d+) runs in [\d.]+ s; 0 undocumented disagreement\(s\)", proc.stdout)
    runs = int(re.search(r"\n(\d+) runs in", proc.stdout).group(1))
    assert runs == len(json.load(open(clone / "oracle" / "manifest.json")))


def test_challenge_all_names_each_part_with_its_verdict_and_time(tmp_path, monkeypatch, capsys):
    # make check's view, without the runs: each part is announced, then given its verdict
    # and time, then the summary table.
    from glomers import challenges, main

    ran = []

    def fake_run_test(opts, out=None):
        ran.append(opts["challenge"])
        status = 1 if opts["challenge"] == "3c" else 0
        return main.Outcome(status, status == 0, str(tmp_path / opts["challenge"]), None, 1)

    monkeypatch.setattr(main, "run_test", fake_run_test)
    status = main.main(["challenge", "all", "--quiet", "--seed", "1", "--store", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1 and ran == challenges.available()
    for part in ran:
        assert f"== challenge {part}: " in out
        word = "INVALID" if part == "3c" else "valid"
        assert re.search(rf"^== {re.escape(part)}: {word} in \d+\.\d s$", out, re.M), part
        assert re.search(rf"^  {re.escape(part)} +{word} +\d+\.\d s", out, re.M), part
