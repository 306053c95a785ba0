"""Details of the common checkers and helpers (glomers/checkers/common.py) a user sees: the
exact error messages, which ops each check counts, the shape of a crashed checker's error,
and every line of the stats and availability explanations, with the small helpers that
name ops, nodes and times in every checker's explanation."""

import pytest

from glomers import edn
from glomers.checkers import common
from glomers.edn import K, Symbol
from glomers.values import Float32

NODES = {"nodes": ["n0", "n1", "n2"], "concurrency": 6}


def op(index, type_, process, f, value=None, **extra):
    """An op `index` ms into the run."""
    return {"index": index, "time": index * 1_000_000, "type": type_, "process": process,
            "f": f, "value": value, **extra}


def calls(*rows):
    """An invocation and its completion per (process, f, outcome, extra) row."""
    history = []
    for process, f, outcome, extra in rows:
        history.append(op(len(history), "invoke", process, f))
        history.append(op(len(history), outcome, process, f, **extra))
    return history


# --- the helpers every explanation uses --------------------------------------------------

def test_seconds_of_an_op_or_of_nanoseconds_to_the_millisecond():
    assert common.seconds({"time": 3_120_400_000}) == "3.120 s"
    assert common.seconds(1_999_600_000) == "2.000 s"
    assert common.seconds({}) == "0.000 s"
    # Rounded to the nearest millisecond.
    assert common.seconds(1_000_500_001) == "1.001 s"
    assert common.seconds(1_000_499_999) == "1.000 s"


def test_a_process_talks_to_its_thread_s_node():
    # thread = process mod concurrency; thread t on nodes[t mod N].
    assert [common.node_of(p, NODES) for p in (0, 1, 2, 3, 4, 5, 6, 10)] == [
        "n0", "n1", "n2", "n0", "n1", "n2", "n0", "n1"]
    # With no concurrency given, one thread per node.
    assert common.node_of(4, {"nodes": ["n0", "n1", "n2"]}) == "n1"
    assert common.node_of(7, {"nodes": ["n0", "n1"], "concurrency": 3}) == "n1"
    # Five clients over two nodes: process 3 is thread 3, on n1; process 5 is thread 0.
    assert common.node_of(3, {"nodes": ["n0", "n1"], "concurrency": 5}) == "n1"
    assert common.node_of(5, {"nodes": ["n0", "n1"], "concurrency": 5}) == "n0"


def test_no_node_without_node_names_or_for_a_process_that_is_not_a_client():
    assert common.node_of(1, None) is None
    assert common.node_of(1, {}) is None
    assert common.node_of(1, {"nodes": []}) is None
    assert common.node_of("nemesis", NODES) is None
    assert common.node_of(True, NODES) is None
    assert common.node_of(None, NODES) is None


def test_a_listing_shows_ten_then_counts_the_rest():
    assert common.listing([1, 2, 3], str) == "1, 2, 3"
    assert common.listing(list(range(12)), lambda n: f"<{n}>") == (
        "<0>, <1>, <2>, <3>, <4>, <5>, <6>, <7>, <8>, <9> and 2 more")
    assert common.listing(list(range(10)), str) == "0, 1, 2, 3, 4, 5, 6, 7, 8, 9"
    assert common.listing(list(range(4)), str, limit=3) == "0, 1, 2 and 1 more"
    assert common.listing([], str) == ""


def test_an_op_reference_names_index_time_process_and_node():
    assert common.op_ref(op(5, "ok", 4, "read"), NODES) == "op 5 at 0.005 s (process 4 on n1)"
    assert common.op_ref(op(5, "ok", 4, "read")) == "op 5 at 0.005 s (process 4)"
    assert common.op_ref({}) == "op None at 0.000 s (process None)"
    assert common.op_node(op(0, "ok", 2, "read"), NODES) == "n2"
    assert common.op_node({}, NODES) is None


# --- merge_valid, guard, compose ------------------------------------------------------------

def test_an_unknown_valid_value_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"^None is not a known valid\? value$"):
        common.merge_valid([True, None])
    with pytest.raises(ValueError, match=r"^'maybe' is not a known valid\? value$"):
        common.merge_valid(["maybe"])
    # Order does not matter: the worst value wins wherever it stands.
    assert common.merge_valid([False, K("unknown")]) is False
    assert common.merge_valid([K("unknown"), True]) == K("unknown")
    assert common.merge_valid([False, True]) is False
    # The first of equally bad values stands: a keyword :unknown stays a keyword.
    assert edn.dumps(common.merge_valid([True, K("unknown"), "unknown"])) == ":unknown"


def test_a_crashed_checker_s_error_reads_like_clojure_s():
    class Broken(Exception):
        pass

    def inner():
        raise Broken("no order")

    def outer(history):
        inner()

    result = common.guard(outer, [])
    error = result["error"]
    assert error["cause"] == "no order"
    assert error["via"][0]["type"] == Symbol(f"{__name__}.{Broken.__qualname__}")
    assert error["via"][0]["message"] == "no order"
    # Innermost frame first, each [function invoke file line].
    names = [frame[0] for frame in error["trace"]]
    assert names.index(Symbol("inner")) < names.index(Symbol("outer"))
    top = error["trace"][0]
    assert top[:3] == [Symbol("inner"), Symbol("invoke"), "test_checkers_common_details.py"]
    assert isinstance(top[3], int)
    assert error["via"][0]["at"] == top


def test_an_exception_never_raised_has_no_trace_and_no_place():
    data = common.datafy_exception(KeyError("k"))
    assert data == {"via": [{"type": Symbol("KeyError"), "message": "'k'"}], "trace": [],
                    "cause": "'k'"}


def test_a_crash_in_generated_code_names_its_pseudo_file():
    code = compile("def generated(history):\n    raise ValueError('made')\n", "<generated>",
                   "exec")
    space = {}
    exec(code, space)
    error = common.guard(space["generated"], [])["error"]
    assert error["trace"][0] == [Symbol("generated"), Symbol("invoke"), "<generated>", 2]


def test_compose_puts_unknown_checks_after_maelstrom_s_own():
    results = common.compose({"extra": {"valid?": True}, "workload": {"valid?": K("unknown")},
                              "perf": {"valid?": True}})
    assert list(results) == ["perf", "workload", "extra", "valid?"]
    assert results["valid?"] == K("unknown")


# --- exceptions, stats, availability, net ----------------------------------------------------

def test_exception_classes_come_from_the_outermost_cause_only_when_it_is_a_map():
    history = [
        op(0, "info", 0, "read", exception={"via": [{"type": "A"}, {"type": "B"}]}),
        op(1, "info", 0, "read", exception={"via": ["not a map"]}),
        op(2, "info", 0, "read", exception={"via": []}),
        op(3, "info", 0, "read", exception="a string"),
        op(4, "info", 0, "read", exception={}),
    ]
    result = common.exceptions(history)
    # op 4's empty exception map is no exception; the rest group under "A" or no class.
    assert [(e["class"], e["count"], e["example"]["index"]) for e in result["exceptions"]] == [
        (None, 3, 1), ("A", 1, 0)]


def test_stats_count_client_completions_only():
    history = calls((0, "read", "ok", {}), (1, "read", "fail", {}))
    history.append(op(4, "info", "nemesis", "start-partition"))
    history.append(op(5, "invoke", 2, "read"))
    result = common.stats(history)
    assert (result["count"], result["ok-count"], result["fail-count"],
            result["info-count"]) == (2, 1, 1, 0)
    assert list(result["by-f"]) == ["read"]
    assert result["by-f"]["read"]["valid?"] is True


def test_stats_orders_kinds_by_name_and_names_an_unknown_completion():
    history = calls((0, K("write"), "ok", {}), (0, K("cas"), "ok", {}), (0, K("read"), "ok", {}))
    assert list(common.stats(history)["by-f"]) == [K("cas"), K("read"), K("write")]
    with pytest.raises(ValueError, match=r"^completion of unexpected type \['odd', 'weird'\]$"):
        common.stats(calls((0, "read", "weird", {}), (0, "read", "odd", {})))


def test_stats_is_invalid_only_for_kinds_that_never_succeeded():
    result = common.stats(calls((0, "read", "ok", {}), (1, "write", "info", {})))
    assert result["valid?"] is False
    assert result["by-f"]["write"] == {"valid?": False, "count": 1, "ok-count": 0,
                                       "fail-count": 0, "info-count": 1}


def test_availability_counts_every_invocation_and_judges_numbers_only():
    history = calls((0, "read", "ok", {}), (1, "read", "ok", {}), (2, "read", "fail", {}),
                    (3, "read", "ok", {}))
    assert common.availability(history, 0.75) == {"valid?": True, "ok-fraction": 0.75}
    assert common.availability(history, 1)["valid?"] is False
    assert common.availability(history, 0)["valid?"] is True
    with pytest.raises(ValueError, match=r"^don't know how to handle availability True$"):
        common.availability(history, True)
    with pytest.raises(ValueError, match=r"^don't know how to handle availability 'most'$"):
        common.availability(history, "most")


def test_net_counts_client_invocations_and_leaves_its_input_alone():
    counts = {group: {"send-count": 6, "recv-count": 6, "msg-count": 6}
              for group in ("all", "clients", "servers")}
    history = calls((0, "read", "ok", {}), (1, "read", "info", {}))
    history.append(op(4, "invoke", "nemesis", "start-partition"))
    history.append(op(5, "invoke", 2, "read"))
    history.append(op(6, "info", "nemesis", "start-partition"))
    result = common.net(counts, history)
    assert result["servers"]["msgs-per-op"] == 2.0
    assert isinstance(result["all"]["msgs-per-op"], Float32)
    assert "msgs-per-op" not in counts["all"] and "msgs-per-op" not in counts["servers"]


# --- explanations ---------------------------------------------------------------------------

def test_every_line_of_a_stats_explanation():
    history = calls((0, "read", "ok", {}),
                    (1, "write", "info", {"error": K("net-timeout")}),
                    (1, "write", "fail", {"error": [K("not-supported"), "no"]}),
                    (1, "write", "fail", {"error": [K("not-supported"), "no"]}),
                    (1, "write", "ok", {}),
                    (2, "cas", "fail", {}),
                    (3, "crash", "info", {"error": K("crashed")}))
    # The ok write above makes write valid; drop it to see write fail.
    history = [o for o in history if not (o["f"] == "write" and o["type"] == "ok")]
    history.append(op(30, "info", "nemesis", "write", error=K("not-a-client")))
    result = common.stats(history)
    assert common.explain_stats(result, history) == [
        "no cas operation ever succeeded: 1 completed, 1 failed (definite errors), 0 "
        "indeterminate (timeouts, crashes, malformed replies); Maelstrom fails a test where "
        "any kind of operation never gets an ok",
        "no write operation ever succeeded: 3 completed, 2 failed (definite errors), 1 "
        "indeterminate (timeouts, crashes, malformed replies); Maelstrom fails a test where "
        "any kind of operation never gets an ok",
        '  the most common error: [:not-supported "no"] (2 of them)']
    # Without the history, no errors.
    assert len(common.explain_stats(result)) == 2


def test_a_stats_explanation_names_the_commonest_error_of_any_completion_on_one_line():
    long_error = [K("crash"), "x" * 90]
    history = calls((0, "read", "info", {"error": long_error}),
                    (0, "read", "info", {"error": long_error}),
                    (0, "read", "fail", {"error": K("abort")}))
    lines = common.explain_stats(common.stats(history), history)
    assert lines[1] == f'  the most common error: [:crash "{"x" * 90}"] (2 of them)'
    # A result with no per-f counts (none were kept) explains nothing.
    assert common.explain_stats({"valid?": False}) == []


def test_a_crashed_check_is_explained_by_its_cause():
    crashed = {"valid?": K("unknown"), "error": {"cause": "bad op"}}
    assert common.explain_stats(crashed) == ["the stats checker itself crashed: bad op"]
    assert common.explain_availability(crashed, []) == [
        "the availability checker itself crashed: bad op"]


def test_every_line_of_an_availability_explanation():
    history = calls((0, "read", "ok", {}),
                    (1, "read", "info", {"error": K("net-timeout")}),
                    (1, "read", "info", {"error": K("net-timeout")}),
                    (2, "write", "fail", {"error": 1}),
                    (2, "write", "fail", {"error": 2}),
                    (2, "write", "fail", {"error": 3}),
                    (2, "write", "fail", {"error": 4}),
                    (2, "write", "fail", {"error": 5}),
                    (2, "write", "fail", {}))
    history.append(op(40, "invoke", 3, "read"))
    history.append(op(41, "invoke", 4, "read"))
    history.append(op(42, "info", "nemesis", "read", error=K("nemesis-error")))
    result = common.availability(history, 0.5)
    assert common.explain_availability(result, history, 0.5) == [
        "ok-fraction 0.0909: 1 of 11 invocations completed ok; the test required at least "
        "0.5 of operations to succeed",
        "6 write operation(s) failed (definite error)",
        "2 read operation(s) indeterminate (timeout, crash or malformed reply)",
        "  error :net-timeout: 2 time(s)",
        "  error 1: 1 time(s)",
        "  error 2: 1 time(s)",
        "  error 3: 1 time(s)",
        "  error 4: 1 time(s)",
        "2 invocation(s) never completed before the test ended"]
    total = common.availability(history, "total")
    assert common.explain_availability(total, history, "total")[0] == (
        "ok-fraction 0.0909: 1 of 11 invocations completed ok; the test required every "
        "operation to succeed")


def test_one_pending_invocation_is_told():
    history = calls((0, "read", "ok", {}), (1, "read", "fail", {}))
    history.append(op(4, "invoke", 2, "read"))
    lines = common.explain_availability(common.availability(history, "total"), history,
                                        "total")
    assert lines[-1] == "1 invocation(s) never completed before the test ended"


def test_an_availability_explanation_with_nothing_pending_says_nothing_of_it():
    history = calls((0, "read", "ok", {}), (1, "read", "fail", {}))
    lines = common.explain_availability(common.availability(history, "total"), history,
                                        "total")
    assert lines == ["ok-fraction 0.5000: 1 of 2 invocations completed ok; the test required "
                     "every operation to succeed",
                     "1 read operation(s) failed (definite error)"]
    assert edn.dumps(common.availability(history, "total")["ok-fraction"]) == "0.5"
