#!/usr/bin/env python3
"""Mutation testing of the core with mutmut, one module at a time (`make mutate`).

Each module is mutated in a scratch copy of the project (build/mutate/<module>/), and its
mutants are run only against the test files that exercise it, so a module takes minutes,
not the hours the full suite would cost per mutant. The score per module is printed:
killed mutants (a test failed or hung) over all mutants. A surviving mutant must either be
killed by a new test or be listed in docs/mutants.md with the reason it is equivalent
(no behaviour can tell it from the original); the driver exits 1 if a module scores under
90% or leaves a survivor that is neither.

    python3 tools/mutate.py                 every module
    python3 tools/mutate.py net checkers/g_counter      some of them
    python3 tools/mutate.py --list          the modules and their test files
    python3 tools/mutate.py --report        scores of the last runs, without running
    python3 tools/mutate.py --untraced net  only the process tests of the last run
    python3 tools/mutate.py --recheck net   the current tests against the last survivors

Survivors are named as mutmut names them; see one with
`cd build/mutate/<slug> && mutmut show <name>`. mutmut is a development dependency
(requirements-mutate.txt); this runs by hand, never in CI. It runs under `nice -n 19` with
MUTATE_WORKERS mutant workers (default 1), since the machine is shared.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "build" / "mutate"
EQUIVALENTS = ROOT / "docs" / "mutants.md"
THRESHOLD = 0.90
PER_TEST_SECONDS = 30
STOP_WAIT = 10      # seconds a stopped session gets to end its own children

# module (path under the project) -> the test files that exercise it.
MODULES = {
    "maelstrom_node.py": ["tests/test_node_library_details.py", "tests/test_node_library.py",
                          "tests/test_node_library_hostile.py",
                          "tests/test_msg_ids.py", "tests/test_compact_json.py",
                          "tests/test_node_library_journal.py"],
    "glomers/net.py": ["tests/test_net_details.py", "tests/test_net.py",
                       "tests/test_net_faults.py"],
    "glomers/faults.py": ["tests/test_faults_nemesis.py", "tests/test_faults.py"],
    "glomers/fault_schedule.py": ["tests/test_faults.py", "tests/test_nemesis.py"],
    "glomers/nemesis.py": ["tests/test_nemesis.py"],
    "glomers/interpreter.py": ["tests/test_interpreter_threads.py", "tests/test_interpreter.py"],
    "glomers/report.py": ["tests/test_report.py", "tests/test_report_one_screen.py"],
    "glomers/checkers/common.py": ["tests/test_checkers_common_details.py",
                                   "tests/test_checkers_common.py",
                                   "tests/test_checkers_echo_details.py",
                                   "tests/test_checkers_echo_unique_ids.py",
                                   "tests/test_checkers_unique_ids_details.py",
                                   "tests/test_checkers_g_counter_details.py",
                                   "tests/test_checkers_set_full_details.py",
                                   "tests/test_explain.py"],
    "glomers/checkers/evidence.py": ["tests/test_checkers_evidence_details.py",
                                     "tests/test_report_one_screen.py", "tests/test_report.py",
                                     "tests/test_checkers_echo_details.py",
                                     "tests/test_checkers_unique_ids_details.py",
                                     "tests/test_checkers_g_counter_details.py",
                                     "tests/test_checkers_set_full_details.py",
                                     "tests/test_checkers_kafka_explain_details.py",
                                     "tests/test_checkers_txn_rw_register_details.py",
                                     "tests/test_checkers_list_append_explain_details.py"],
    "glomers/checkers/echo.py": ["tests/test_checkers_echo_unique_ids.py",
                                 "tests/test_checkers_echo_details.py"],
    "glomers/checkers/unique_ids.py": ["tests/test_checkers_echo_unique_ids.py",
                                       "tests/test_checkers_unique_ids_details.py"],
    "glomers/checkers/g_counter.py": ["tests/test_checkers_edn_in_errors.py",
                                      "tests/test_checkers_g_counter.py",
                                      "tests/test_checkers_g_set_pn_counter.py",
                                      "tests/test_checkers_g_counter_details.py"],
    "glomers/checkers/set_full.py": ["tests/test_checkers_edn_in_errors.py",
                                     "tests/test_checkers_set_full_details.py",
                                     "tests/test_checkers_set_full.py",
                                     "tests/test_checkers_g_set_pn_counter.py",
                                     "tests/test_properties.py"],
    # tests/test_checkers_txn.py and the kafka tests reach it too, through minutes of oracle
    # histories per mutant; these files test it directly.
    "glomers/checkers/cycles.py": ["tests/test_checkers_cycles_details.py",
                                   "tests/test_checkers_cycles.py",
                                   "tests/test_checkers_list_append.py",
                                   "tests/test_properties.py"],
    # tests/test_workloads_more.py reaches these two through lin-kv bench runs; these files
    # test them directly, in about a second each.
    "glomers/checkers/linearizable.py": ["tests/test_checkers_linearizable_details.py",
                                         "tests/test_checkers_linearizable.py"],
    "glomers/checkers/lin_kv.py": ["tests/test_checkers_lin_kv_details.py",
                                   "tests/test_checkers_linearizable.py"],
}
# The kafka, txn and list-append checkers: each against the detail files that build small
# histories and test it directly, in seconds. The oracle files (tests/test_checkers_kafka.py,
# tests/test_checkers_txn.py) and the bench runs of tests/test_workloads_more.py and
# tests/test_explain.py reach them too, but at ~20 s per mutant.
_DETAILS = "tests/test_checkers_{}_details.py"
for _name, _files in {
        "kafka": ["kafka"],
        "kafka_anomalies": ["kafka_anomalies"],
        "kafka_clj": ["kafka_clj", "kafka_lag"],
        "kafka_cycles": ["kafka_cycles"],
        "kafka_explain": ["kafka_explain"],
        "kafka_lag": ["kafka_lag"],
        "kafka_ops": ["kafka_ops", "kafka", "kafka_lag"],
        "txn_rw_register": ["txn_rw_register"],
        "elle_models": ["elle_models", "elle_search"],
        "elle_search": ["elle_search"]}.items():
    MODULES[f"glomers/checkers/{_name}.py"] = [_DETAILS.format(f) for f in _files]
for _name in ("elle_models", "elle_search"):
    MODULES[f"glomers/checkers/{_name}.py"].append("tests/test_checkers_cycles.py")
for _name in ("kafka_explain", "txn_rw_register"):
    MODULES[f"glomers/checkers/{_name}.py"].append("tests/test_checkers_edn_in_errors.py")
for _name in ("list_append", "list_append_explain", "list_append_ops"):
    MODULES[f"glomers/checkers/{_name}.py"] = [
        _DETAILS.format(f"list_append_{part}") for part in ("check", "ops", "explain")] + [
        "tests/test_checkers_edn_in_errors.py", "tests/test_checkers_list_append.py"]

# Tests that exercise a module inside child processes (node scripts over pipes, the bench's
# command line). mutmut traces only the test process, so it finds no test for code that
# runs in a child; the driver runs these files once per such mutant with the mutant
# switched on by MUTANT_UNDER_TEST, which the children inherit.
# Fast, broad tests first: pytest stops at the first failure.
_SCRIPTS = "tests/test_node_scripts.py::test_"
_HOSTILE = "tests/test_node_library_hostile.py::test_"
PROCESS_TESTS = {
    "maelstrom_node.py": [
        "tests/test_node_library_details.py::test_a_node_whose_stdin_cannot_be_read_says_why_"
        "and_exits"] + [_SCRIPTS + name for name in (
        "echo_over_a_pipe_answers_every_request",
        "echo_with_stdin_a_regular_file",
        "echo_with_stdin_a_terminal",
        "stray_prints_reach_stderr_not_the_protocol",
        "bad_bytes_and_a_last_line_without_newline_do_not_stop_the_node",
        "replies_in_flight_at_end_of_input_are_written_before_exit",
        "scripts_are_executable_and_import_without_side_effects")] + [_HOSTILE + name for name in (
        "a_closed_stdout_costs_one_log_line_and_the_node_still_exits",
        "a_line_over_the_limit_is_dropped_with_one_log_line_and_the_next_one_served",
        "a_line_of_exactly_the_limit_is_served_however_the_reads_split_it",
        "invalid_utf8_inside_a_request_is_replaced_and_answered",
        "a_request_of_several_megabytes_is_answered_in_full",
        "a_process_with_a_handler_that_never_ends_exits_after_end_of_input")],
}

# What a scratch copy leaves out: outputs, caches and the real Maelstrom.
NOT_COPIED = shutil.ignore_patterns(".git", "build", "store", "mutants", "maelstrom",
                                    "__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def slug(module):
    """The scratch folder name of a module: glomers/checkers/kafka.py -> checkers.kafka."""
    return module.removeprefix("glomers/").removesuffix(".py").replace("/", ".")


def find_module(word):
    """The module a command-line word names (a path, or its slug), or exit with the list."""
    for module in MODULES:
        if word in (module, slug(module), module.removesuffix(".py")):
            return module
    sys.exit(f"unknown module {word!r}; known: {', '.join(slug(m) for m in MODULES)}")


def equivalents():
    """The mutant names docs/mutants.md lists as equivalent (the first `name` on a line)."""
    if not EQUIVALENTS.exists():
        return set()
    return set(re.findall(r"^- `([^`]+)`", EQUIVALENTS.read_text(encoding="utf-8"), re.M))


def prepare(module, tests):
    """A fresh scratch copy of the project configured to mutate `module` only."""
    work = SCRATCH / slug(module)
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(ROOT, work, ignore=NOT_COPIED)
    # The node scripts, the bench and oracle/ are read by tests from the copy mutmut runs in.
    also_copy = sorted(p.name for p in work.iterdir()
                       if p.name not in ("glomers", "maelstrom_node.py", "tests"))
    config = {
        "source_paths": ["glomers", "maelstrom_node.py"],
        "only_mutate": [module],
        "also_copy": also_copy,
        "pytest_add_cli_args_test_selection": tests,
        # A mutant that hangs is killed after 8x its tests' time (mutmut's 15x makes every
        # hang, and a changed timeout is a common mutant here, cost minutes).
        "timeout_multiplier": 8.0,
    }
    with open(work / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write("\n[tool.mutmut]\n")
        for key, value in config.items():
            f.write(f"{key} = {json.dumps(value)}\n")
    return work


def run(module, workers):
    """Run mutmut on one module in its scratch copy; mutmut's own output goes to a log."""
    work = prepare(module, MODULES[module])
    log = work / "mutmut.log"
    print(f"{module}: mutating, tests {' '.join(MODULES[module])} (log {log})", flush=True)
    with open(log, "w", encoding="utf-8") as out:
        run_session(["nice", "-n", "19", sys.executable, "-m", "mutmut", "run",
                     "--max-children", str(workers)],
                    cwd=work, stdout=out, stderr=subprocess.STDOUT)


def run_session(command, **popen):
    """Run `command` in a session of its own to the end; if the driver is stopped first
    (Ctrl-C, SIGTERM), stop the session: SIGTERM, then SIGKILL after STOP_WAIT seconds."""
    proc = subprocess.Popen(command, start_new_session=True, **popen)
    try:
        return proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def pytest_in_copy(work, tests, mutant, timeout):
    """Exit status of pytest on `tests` in the mutated copy with `mutant` on (None: hung).

    Each test gets PER_TEST_SECONDS (a mutant that hangs a node process fails its test
    then, instead of after the test's own minute); whatever the run started is ended."""
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen(["nice", "-n", "19", sys.executable, "-m", "pytest", "-x", "-q",
                             "-p", "no:cacheprovider", f"--timeout={PER_TEST_SECONDS}",
                             *tests],
                            cwd=work / "mutants", env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # its session: pytest and the nodes it ran
        except ProcessLookupError:
            pass
        proc.wait()


def process_pass(module, recheck=False):
    """Run the module's process tests against each mutant mutmut found no test for; with
    `recheck`, run the current test files against every survivor not listed as equivalent
    (the module's files, plus the process tests for a mutant mutmut could not trace)."""
    statuses = results(module)
    if not statuses:
        return
    work = SCRATCH / slug(module)
    untraced = read_verdicts(work / "process.json")
    record = work / ("recheck.json" if recheck else "process.json")
    verdicts = read_verdicts(record)
    process_tests = PROCESS_TESTS.get(module, [])
    if recheck:
        shutil.rmtree(work / "mutants" / "tests")
        shutil.copytree(ROOT / "tests", work / "mutants" / "tests", ignore=NOT_COPIED)
        listed = equivalents()
        chosen = {name: MODULES[module] + (process_tests if name in untraced else [])
                  for name, status in statuses.items()
                  if name not in listed and (status in ("survived", "suspicious") or (
                      status == "no tests" and not process_tests))}
    else:
        chosen = {name: process_tests for name, status in statuses.items()
                  if status == "no tests" and process_tests}
    if not chosen:
        return
    if recheck:
        recheck_in_one_session(module, work, chosen, verdicts, record)
        # A process test may give its children an environment it copied at import, before
        # the fork switched the mutant on: an untraced survivor gets a pytest of its own.
        chosen = {name: tests for name, tests in chosen.items()
                  if name in untraced and verdicts.get(name) == "survived"}
        if not chosen:
            return
    started = time.monotonic()
    if pytest_in_copy(work, sorted({t for tests in chosen.values() for t in tests}), "",
                      timeout=600) != 0:
        print(f"{module}: the tests fail without a mutant; pass skipped")
        return
    timeout = max(60.0, 3 * (time.monotonic() - started))
    print(f"{module}: {len(chosen)} mutants against their tests", flush=True)
    for name in sorted(chosen):
        code = pytest_in_copy(work, chosen[name], name, timeout)
        verdicts[name] = "timeout" if code is None else "survived" if code == 0 else "killed"
        record.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")


def recheck_in_one_session(module, work, chosen, verdicts, record):
    """Run each chosen survivor's tests in a child forked from one pytest session that
    collected them all (tools/mutate_recheck.py): a recheck of hundreds of survivors takes
    minutes instead of the hours one pytest per survivor costs in start-up."""
    plan, out = work / "recheck-plan.json", work / "recheck-run.json"
    out.unlink(missing_ok=True)
    plan.write_text(json.dumps({"mutants": chosen, "out": str(out), "timeout": 600}),
                    encoding="utf-8")
    files = list(dict.fromkeys(t.split("::")[0] for tests in chosen.values() for t in tests))
    env = {**os.environ, "MUTATE_RECHECK_PLAN": str(plan), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "tools"),
                                                      os.environ.get("PYTHONPATH")]))}
    print(f"{module}: {len(chosen)} mutants against their tests", flush=True)
    run_session(["nice", "-n", "19", sys.executable, "-m", "pytest", "-q",
                 "-p", "no:cacheprovider", "-p", "mutate_recheck",
                 # Plain asserts: a failing one then costs nothing, where pytest's diff of
                 # two long lists can take seconds (and most mutants fail one).
                 "--assert=plain", f"--timeout={PER_TEST_SECONDS}", *files],
                cwd=work / "mutants", env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    found = read_verdicts(out)
    if found.pop("", None) != "survived":
        print(f"{module}: the tests fail without a mutant; recheck skipped")
        return
    verdicts.update(found)
    record.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")


def read_verdicts(path):
    """{mutant name: status} the driver recorded in `path` ({} if none)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def results(module):
    """{mutant name: status} from the last run of `module`, or None if it never ran."""
    metas = list((SCRATCH / slug(module) / "mutants").rglob("*.meta"))
    if not metas:
        return None
    from mutmut.stats import status_by_exit_code  # a dev dependency, imported only here
    statuses = {}
    for meta in metas:
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            statuses[name] = status_by_exit_code[code]
    # The driver's own passes come after mutmut's verdicts: the process tests, then a recheck.
    for record in ("process.json", "recheck.json"):
        statuses.update(read_verdicts(SCRATCH / slug(module) / record))
    return statuses


def report(modules):
    """Print the score of each module; True when every module passes."""
    listed = equivalents()
    ok = True
    print(f"{'module':<34} {'mutants':>7} {'killed':>7} {'score':>6} {'equiv':>5} {'open':>5}")
    for module in modules:
        statuses = results(module)
        if statuses is None:
            print(f"{module:<34} not run")
            ok = False
            continue
        total = len(statuses)
        killed = sum(1 for s in statuses.values() if s in KILLED)
        survivors = sorted(n for n, s in statuses.items() if s not in KILLED)
        equivalent = [n for n in survivors if n in listed]
        unexplained = [n for n in survivors if n not in listed]
        score = killed / total if total else 1.0
        print(f"{module:<34} {total:>7} {killed:>7} {score:>6.1%} {len(equivalent):>5} "
              f"{len(unexplained):>5}")
        for name in unexplained:
            print(f"    {statuses[name]:<10} {name}")
        ok = ok and score >= THRESHOLD and not unexplained
    return ok


def main(argv=None):
    """Parse the command line, run the chosen modules and print their scores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all)")
    parser.add_argument("--list", action="store_true", help="list modules and their tests")
    parser.add_argument("--report", action="store_true", help="scores of the last runs only")
    parser.add_argument("--untraced", action="store_true",
                        help="only run the process tests on the last run's untraced mutants")
    parser.add_argument("--recheck", action="store_true",
                        help="run the current tests against the last run's survivors")
    args = parser.parse_args(argv)
    # A stop by SIGTERM unwinds like Ctrl-C, so the sessions this started are ended too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    modules = [find_module(word) for word in args.modules] or list(MODULES)
    if args.list:
        for module in modules:
            print(f"{slug(module):<28} {' '.join(MODULES[module])}")
        return 0
    if not args.report:
        if shutil.which("nice") is None:
            sys.exit("tools/mutate.py needs `nice` (coreutils)")
        try:
            import mutmut  # noqa: F401  (only to fail early with a clear message)
        except ImportError:
            sys.exit("mutmut is not installed: pip install -r requirements-mutate.txt")
        workers = int(os.environ.get("MUTATE_WORKERS", "1"))
        for module in modules:
            if not (args.untraced or args.recheck):
                run(module, workers)
            process_pass(module, recheck=args.recheck)
    return 0 if report(modules) else 1


if __name__ == "__main__":
    sys.exit(main())
