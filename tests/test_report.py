"""The console verdict (glomers/report.py): the line per check with its mark and figures, the
evidence under a failure, node problems, the exit status, the run folder's evidence.txt.
(Cutting a failing check to one screen: test_report_one_screen.py.)"""

import os
import subprocess
import sys
import types

import pytest

from glomers import report
from glomers.checkers import evidence
from glomers.run import Problem
from glomers.values import Float32

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def workload(explain=None, name="echo"):
    """A workload whose checker explains with `explain` (a function of result, history,
    opts and maybe journal)."""
    explain = explain or (lambda result, history, opts: [f"workload says {result['valid?']}"])
    return types.SimpleNamespace(NAME=name, checker=types.SimpleNamespace(explain=explain))


def passing_results(**changes):
    results = {
        "stats": {"valid?": True, "count": 10, "ok-count": 8, "fail-count": 1, "info-count": 1},
        "availability": {"valid?": True, "ok-fraction": 0.8},
        "net": {"valid?": True, "servers": {"msgs-per-op": 2.5},
                "all": {"msgs-per-op": 4.25, "msg-count": 42}},
        "workload": {"valid?": True},
    }
    results.update(changes)
    return results


HISTORY = [
    {"type": "invoke", "process": 0, "f": "echo", "value": 1, "time": 0},
    {"type": "fail", "process": 0, "f": "echo", "value": 1, "time": 5, "error": "boom"},
]


def test_exit_status_and_verdict_line_per_verdict():
    assert [report.exit_status(v) for v in (True, False, "unknown", None)] == [0, 1, 2, 2]
    assert report.verdict_line(True) == "Everything looks good! ヽ(‘ー`)ノ"
    assert report.verdict_line(False) == "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"
    assert report.verdict_line("unknown") == report.verdict_line(None) == (
        "Errors occurred during analysis, but no anomalies found. ಠ~ಠ")


def test_a_passing_run_has_one_line_per_check_with_its_figures():
    lines = report.check_lines(passing_results(), HISTORY, {}, workload())
    assert lines == [
        "  ✓ stats         10 ops: 8 ok, 1 fail, 1 info",
        "  ✓ availability  ok-fraction 0.8 (not required)",
        "  ✓ net           server msgs-per-op 2.5, all msgs-per-op 4.25 (42 messages)",
        "  ✓ workload      echo",
        "      workload says True"]


def test_figures_are_written_as_maelstrom_writes_them():
    assert report.fmt(None) == "-"
    assert report.fmt(Float32(0.1)) == Float32(0.1).java_str()
    assert report.fmt(2 / 3) == "0.6667"
    assert report.fmt(7) == "7" and report.fmt("x") == "x"


def test_missing_checks_are_marked_unknown_with_empty_figures():
    crashed = {"error": {"cause": "boom"}}
    lines = report.check_lines({"availability": crashed, "workload": {"valid?": "unknown"}},
                               [], {}, workload())
    assert lines[0] == "  ? stats         0 ops: 0 ok, 0 fail, 0 info"
    at = lines.index("  ? availability  ok-fraction - (not required)")
    assert lines[at + 1] == "      the availability checker itself crashed: boom"
    assert "  ? net           server msgs-per-op -, all msgs-per-op - (0 messages)" in lines
    assert "  ? workload      echo" in lines


def test_a_failed_stats_check_says_which_kind_never_succeeded_and_hints():
    stats = {"valid?": False, "count": 2, "ok-count": 0, "fail-count": 1, "info-count": 0,
             "by-f": {"echo": {"valid?": False, "count": 1, "ok-count": 0, "fail-count": 1,
                               "info-count": 0}}}
    lines = report.check_lines(passing_results(stats=stats), HISTORY, {}, workload())
    assert lines[0] == "  ✗ stats         2 ops: 0 ok, 1 fail, 0 info"
    assert lines[1].startswith("      no echo operation ever succeeded: 1 completed, 1 failed")
    assert lines[2] == '        the most common error: "boom" (1 of them)'
    assert lines[3] == "      " + evidence.hint("stats")[0]


def test_availability_names_the_requirement_and_explains_a_shortfall():
    opts = {"availability": 0.99}
    results = passing_results(availability={"valid?": False, "ok-fraction": 0.5})
    lines = report.check_lines(results, HISTORY, opts, workload())
    at = lines.index("  ✗ availability  ok-fraction 0.5 (required: 0.99)")
    assert lines[at + 1].startswith("      ok-fraction 0.5000: 0 of 1 invocations completed ok")
    assert "      " + evidence.hint("availability")[0] in lines
    passing = report.check_lines(passing_results(), HISTORY, opts, workload())
    assert "  ✓ availability  ok-fraction 0.8 (required: 0.99)" in passing


@pytest.mark.parametrize("error, said", [
    ({"cause": "division by zero", "message": "m"}, "division by zero"),
    ({"message": "no cause"}, "no cause"),
    ({"other": 1}, "{'other': 1}"),
    ("plain text", "plain text"),
])
def test_a_check_that_could_not_finish_says_why(error, said):
    results = passing_results(net={"error": error}, workload={"valid?": "unknown",
                                                              "error": error})
    lines = report.check_lines(results, HISTORY, {}, workload())
    assert f"      the net checker could not finish: {said}" in lines
    assert lines[-1] == f"      the checker could not finish: {said}"


def test_client_exceptions_are_counted_by_kind_with_an_example():
    def kind(n):
        return {"count": n, "example": {"process": n, "f": "echo", "time": 1_500_000_000 * n,
                                        "error": f"bad reply {n}"}}
    results = passing_results(exceptions={"exceptions": [kind(n) for n in (1, 2, 3, 4, 5)]})
    lines = report.check_lines(results, HISTORY, {}, workload(), run_dir="d")
    at = lines.index("  · exceptions    5 kind(s) of client exception (malformed replies or "
                     "errors)")
    assert lines[at + 1:at + 6] == [
        "      1 op(s) like process 1 echo at 1.500 s: bad reply 1",
        "      2 op(s) like process 2 echo at 3.000 s: bad reply 2",
        "      3 op(s) like process 3 echo at 4.500 s: bad reply 3",
        "      … and 2 more kind(s), all in d/evidence.txt",
        "      " + evidence.hint("exceptions")[0]]
    whole = report.check_lines(results, HISTORY, {}, workload(), whole=True)
    assert "      5 op(s) like process 5 echo at 7.500 s: bad reply 5" in whole
    assert not any("more kind(s)" in line for line in whole)
    few = passing_results(exceptions={"exceptions": [kind(n) for n in (1, 2, 3)]})
    assert not any("more kind(s)" in line for line in report.check_lines(few, HISTORY, {},
                                                                         workload()))


def test_an_exception_example_is_quoted_short():
    results = passing_results(exceptions={"exceptions": [{"count": 1, "example": {
        "process": 0, "f": "echo", "time": 0, "error": "x" * 1000}}]})
    line = next(l for l in report.check_lines(results, HISTORY, {}, workload())
                if "op(s) like" in l)
    assert "characters cut" in line and len(line) < 400


def test_a_passing_workload_shows_a_short_summary_without_hints():
    explanation = [*evidence.hint("lost"), "one", "two", "three", "four", "five"]
    lines = report.check_lines(passing_results(), HISTORY, {},
                               workload(lambda result, history, opts: explanation))
    assert lines[-5:] == ["  ✓ workload      echo", "      one", "      two", "      three",
                          "      four"]
    whole = report.check_lines(passing_results(), HISTORY, {},
                               workload(lambda result, history, opts: explanation), whole=True)
    assert whole[-6:] == ["      " + explanation[0], "      one", "      two", "      three",
                          "      four", "      five"]


def test_a_failing_workload_shows_its_evidence_cut_to_one_screen():
    explanation = [evidence.case("lost", f"value {v} was lost", v) for v in range(5)]
    results = passing_results(workload={"valid?": False})
    lines = report.check_lines(results, HISTORY, {},
                               workload(lambda result, history, opts: explanation), run_dir="d")
    assert lines[-5:] == ["  ✗ workload      echo", "      value 0 was lost",
                          "      value 1 was lost", "      value 2 was lost",
                          "      … and 2 more lost values not shown (3, 4): every one is in "
                          "d/evidence.txt"]
    given = report.check_lines(results, HISTORY, {}, workload(), explanation=["made before"])
    assert given[-1] == "      made before"


def test_the_explanation_gets_the_journal_when_the_checker_takes_one():
    seen = []

    def with_journal(result, history, opts, journal=None):
        seen.append(journal)
        return ["explained"]
    assert report.workload_explanation({}, [], {}, workload(with_journal), journal="J") == [
        "explained"]
    assert report.workload_explanation({}, [], {}, workload(with_journal)) == ["explained"]
    assert seen == ["J", None]
    # A checker without the parameter is called without it.
    assert report.workload_explanation({"valid?": True}, [], {}, workload(), journal="J") == [
        "workload says True"]


def test_an_explanation_that_raises_never_hides_the_verdict():
    def broken(result, history, opts):
        raise ZeroDivisionError("no")
    assert report.workload_explanation({}, [], {}, workload(broken)) == [
        "(could not explain: ZeroDivisionError('no'))"]


def test_console_lines_are_cut_to_a_readable_length():
    results = passing_results(workload={"valid?": False})
    lines = report.check_lines(results, HISTORY, {},
                               workload(lambda result, history, opts: ["y" * 5000]))
    assert len(lines[-1]) < 1100 and "characters cut" in lines[-1]


def host(tail):
    return types.SimpleNamespace(stderr_tail=list(tail))


def test_node_problems_say_where_when_and_what_with_the_offending_line():
    problems = [Problem(-1, "n0", "init", "did not answer init"),
                Problem(2.25, "n1", "stdout", "wrote a line that is not JSON", "z" * 500),
                Problem(3.5, "n2", "late-reply", "answered after the timeout")]
    lines = report.describe_problems(problems)
    assert lines[0] == "  ✗ n0 during setup: did not answer init"
    assert lines[1:3] == ["      " + evidence.hint("init")[0],
                          "  ✗ n1 at 2.250 s: wrote a line that is not JSON"]
    assert lines[3].startswith("      offending line: zzz") and "characters cut" in lines[3]
    assert len(lines[3]) < 350
    assert lines[4] == "      " + evidence.hint("stdout")[0]
    assert lines[5:] == ["  · n2 at 3.500 s: answered after the timeout"]


def test_a_crash_shows_the_first_crashed_nodes_stderr_and_points_to_the_others_logs():
    problems = [Problem(1.0, "n0", "crash", "exited with status 1"),
                Problem(2.0, "n1", "crash", "exited with status 1"),
                Problem(3.0, "n2", "crash", "exited with status 1")]
    hosts = {"n0": host([f"line {i}" for i in range(15)]), "n1": host(["boom"]),
             "n2": host([])}
    lines = report.describe_problems(problems, hosts)
    assert lines[:13] == ["  ✗ n0 at 1.000 s: exited with status 1",
                          "      its last stderr lines:",
                          *[f"        | line {i}" for i in range(5, 15)],
                          "      " + evidence.hint("crash")[0]]
    assert lines[13:] == ["  ✗ n1 at 2.000 s: exited with status 1",
                          "      its last stderr lines: node-logs/n1.log",
                          "  ✗ n2 at 3.000 s: exited with status 1",
                          "      it wrote nothing to stderr"]
    whole = report.describe_problems(problems, hosts, whole=True)
    assert "        | boom" in whole
    assert report.describe_problems(problems[:1], {"n0": host(["x" * 500])})[2].endswith(
        "characters cut]… " + "x" * 40)


def test_problems_past_the_first_three_of_a_kind_are_counted_per_node():
    problems = [Problem(float(i), f"n{i % 2}", "stdout", "refused") for i in range(6)]
    lines = report.describe_problems(problems, run_dir="store/echo/1")
    assert lines[-1] == ("  … and 3 more stdout problem(s) like those above, from n0 (1), "
                         "n1 (2): store/echo/1/evidence.txt and test.json list each node's "
                         "first ten")
    big = report.describe_problems(problems[:3], unlisted={("n5", "stdout"): 12_345})
    assert big[-1] == ("  … and 12,345 more stdout problem(s) like those above, from n5 "
                       "(12,345): evidence.txt in the run folder and test.json list each "
                       "node's first ten")
    whole = report.describe_problems(problems, unlisted={("n5", "stdout"): 2}, whole=True)
    assert whole[-1] == ("  … and 2 more stdout problem(s) like those above, from n5 (2): "
                         "test.json lists each node's first ten")


def test_the_evidence_file_holds_node_problems_then_checks(tmp_path):
    report.write_evidence(tmp_path, ["  ✗ n0 crashed"], ["  ✗ workload", "      lost 3"])
    assert (tmp_path / "evidence.txt").read_text(encoding="utf-8") == (
        "Node problems\n  ✗ n0 crashed\nChecks\n  ✗ workload\n      lost 3\n")
    report.write_evidence(tmp_path, [], ["  ✓ stats"])
    assert (tmp_path / "evidence.txt").read_text(encoding="utf-8") == "Checks\n  ✓ stats\n"
    report.write_evidence(tmp_path, ["  · n1 late"], [])
    assert (tmp_path / "evidence.txt").read_text(encoding="utf-8") == (
        "Node problems\n  · n1 late\n")


def test_a_verdict_that_is_not_a_boolean_is_marked_unknown():
    results = passing_results(stats={"valid?": {"odd": "map"}}, workload={"valid?": None})
    lines = report.check_lines(results, HISTORY, {}, workload())
    assert lines[0].startswith("  ? stats ") and "  ? workload      echo" in lines


def test_results_without_availability_or_workload_still_give_every_line():
    lines = report.check_lines({"stats": {"valid?": True}}, HISTORY, {}, workload())
    assert "  ? availability  ok-fraction - (not required)" in lines
    assert lines[-2] == "  ? workload      echo"


def test_a_long_availability_explanation_is_cut_to_twelve_lines():
    history = [{"type": kind, "process": 0, "f": f"f{i}", "value": None, "time": 0}
               for i in range(20) for kind in ("invoke", "fail")]
    results = passing_results(availability={"valid?": False, "ok-fraction": 0.0})
    lines = report.check_lines(results, history, {"availability": "total"}, workload())
    at = lines.index("  ✗ availability  ok-fraction 0 (required: total)")
    assert lines[at + 1] == ("      ok-fraction 0.0000: 0 of 20 invocations completed ok; the "
                             "test required every operation to succeed")
    assert lines[at + 12].startswith("      … and ") and lines[at + 12].endswith(
        "more lines, all in evidence.txt in the run folder")
    assert lines[at + 13].startswith("  ✓ net ")


def test_an_exception_without_an_example_or_time_still_gets_its_line():
    results = passing_results(exceptions={"exceptions": [
        {"count": 2}, {"count": 1, "example": {"process": 4, "f": "read",
                                               "time": 10 ** 15, "error": "e"}}]})
    lines = report.check_lines(results, HISTORY, {}, workload())
    assert "      2 op(s) like process None None at 0.000 s: None" in lines
    assert "      1 op(s) like process 4 read at 1000000.000 s: e" in lines


def test_the_workload_explanation_is_made_from_the_runs_history_options_and_journal():
    seen = []

    def explain(result, history, opts, journal=None):
        seen.append((result, history, opts, journal))
        return ["explained"]
    results = passing_results(workload={"valid?": True, "x": 1})
    report.check_lines(results, HISTORY, {"o": 2}, workload(explain), journal="J")
    assert seen == [({"valid?": True, "x": 1}, HISTORY, {"o": 2}, "J")]
    seen.clear()
    plain = []
    report.workload_explanation({"valid?": 3}, HISTORY, {"o": 4},
                                workload(lambda r, h, o: plain.append((r, h, o)) or []))
    assert plain == [({"valid?": 3}, HISTORY, {"o": 4})]


def test_the_whole_evidence_of_a_failing_workload_is_not_cut():
    explanation = [evidence.case("lost", f"value {v} was lost", v) for v in range(5)]
    lines = report.check_lines(passing_results(workload={"valid?": False}), HISTORY, {},
                               workload(lambda result, history, opts: explanation), whole=True)
    assert lines[-5:] == [f"      value {v} was lost" for v in range(5)]


def test_problems_at_the_start_of_the_run_are_not_during_setup():
    lines = report.describe_problems([Problem(0.0, "n0", "stdout", "a"),
                                      Problem(0.5, "n1", "stdout", "b")])
    assert lines[0] == "  ✗ n0 at 0.000 s: a"
    assert "  ✗ n1 at 0.500 s: b" in lines


def test_a_stderr_line_just_over_two_hundred_characters_is_cut():
    problems = [Problem(1.0, "n0", "crash", "exited")]
    lines = report.describe_problems(problems, {"n0": host(["y" * 201])})
    assert "characters cut" in lines[2]
    lines = report.describe_problems(problems, {"n0": host(["y" * 200])})
    assert lines[2] == "        | " + "y" * 200


def test_counted_problems_add_up_with_the_ones_the_run_only_counted():
    problems = [Problem(float(i), "n0", "stdout", "refused") for i in range(4)]
    lines = report.describe_problems(problems, unlisted={("n0", "stdout"): 7})
    assert lines[-1].startswith("  … and 8 more stdout problem(s) like those above, from n0 (8)")


def test_the_count_of_cases_left_out_keeps_their_indentation_and_names_only_labels():
    lines = ["  " + evidence.case("lost", "value was lost")] * 2
    lines = [evidence.Case(line, "lost") for line in lines]
    out = report.one_screen(lines, "d", per_kind=1)
    assert out == ["  value was lost",
                   "  … and 1 more lost values not shown: every one is in d/evidence.txt"]


def test_a_case_of_another_class_inside_one_left_out_is_still_shown():
    lines = [evidence.case("lost", "lost 1", 1), evidence.case("lost", "lost 2", 2),
             evidence.Case("  stale read 1", "stale")]
    out = report.one_screen(lines, "d", per_kind=1)
    assert out[0] == "lost 1" and "  stale read 1" in out


def test_lines_after_a_case_at_its_own_indentation_are_not_its_details():
    lines = [evidence.case("lost", "lost 1", 1)] + [f"summary {i}" for i in range(15)]
    out = report.one_screen(lines, "d")
    assert out == lines


def test_an_explanation_exactly_at_the_limit_is_kept_whole():
    plain = [f"line {i}" for i in range(50)]
    assert report.one_screen(plain, "d", limit=50) == plain


def test_the_evidence_file_is_utf8_whatever_the_locale(tmp_path):
    # Under an ASCII locale (C, with Python's UTF-8 mode and locale coercion off) a file
    # opened without an encoding could not hold the marks.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONCOERCECLOCALE": "0", "PYTHONIOENCODING": "utf-8"}
    subprocess.run([sys.executable, "-c", "import sys; from glomers import report; "
                    "report.write_evidence(sys.argv[1], ['  \\u2717 n0 crashed'], [])",
                    str(tmp_path)], env=env, check=True, cwd=ROOT)
    assert (tmp_path / "evidence.txt").read_text(encoding="utf-8") == (
        "Node problems\n  ✗ n0 crashed\n")


def test_an_offending_line_just_over_three_hundred_characters_is_cut():
    lines = report.describe_problems([Problem(1.0, "n0", "stdout", "bad", "q" * 301)])
    assert "characters cut" in lines[1]
    lines = report.describe_problems([Problem(1.0, "n0", "stdout", "bad", "q" * 300)])
    assert lines[1] == "      offending line: " + "q" * 300


def test_only_a_crash_shows_stderr():
    lines = report.describe_problems([Problem(1.0, "n0", "stdout", "bad")],
                                     {"n0": host(["some stderr"])})
    assert not any("last stderr lines" in line or "some stderr" in line
                   or "nothing to stderr" in line for line in lines)
