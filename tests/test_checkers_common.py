"""Common checkers (stats, availability, exceptions, net, compose, guard) on tiny
hand-written histories and against the real Maelstrom results."""

import pytest

from glomers import edn, oracle_runs
from glomers.checkers import common
from glomers.edn import K
from glomers.values import Float32

UNKNOWN = K("unknown")


class History:
    """A tiny history builder: ops get consecutive indices and times 1 s apart."""

    def __init__(self):
        self.ops = []

    def add(self, process, kind, f, value=None, **extra):
        op = {"index": len(self.ops), "time": len(self.ops) * 1_000_000_000, "type": kind,
              "process": process, "f": f, "value": value}
        op.update(extra)
        self.ops.append(op)
        return op

    def call(self, process, f, outcome, value=None, **extra):
        self.add(process, "invoke", f, value)
        return self.add(process, outcome, f, value, **extra)


# --- merge_valid, compose, guard ----------------------------------------------------------

def test_merge_valid_priorities():
    assert common.merge_valid([]) is True
    assert common.merge_valid([True, True]) is True
    assert common.merge_valid([True, UNKNOWN]) == UNKNOWN
    assert common.merge_valid([UNKNOWN, False, True]) is False
    assert common.merge_valid([True, "unknown"]) == UNKNOWN
    with pytest.raises(ValueError):
        common.merge_valid([True, None])
    with pytest.raises(ValueError):
        common.merge_valid([1])


def test_compose_orders_checks_like_maelstrom_and_merges_validity():
    results = common.compose({"workload": {"valid?": True}, "net": {"valid?": True},
                              "stats": {"valid?": False}, "perf": common.perf(),
                              "timeline": common.timeline(), "exceptions": {"valid?": True},
                              "availability": {"valid?": UNKNOWN}})
    assert list(results) == ["perf", "timeline", "exceptions", "stats", "availability",
                             "net", "workload", "valid?"]
    assert results["valid?"] is False
    assert common.compose({"perf": common.perf(), "workload": {"valid?": True}})[
        "valid?"] is True


def test_guard_turns_a_crash_into_unknown_with_a_datafied_error():
    def crashing(history):
        raise ValueError("ids are not comparable")

    result = common.guard(crashing, [])
    assert result["valid?"] == UNKNOWN
    error = result["error"]
    assert error["cause"] == "ids are not comparable"
    assert error["via"][0]["type"] == "ValueError"
    assert any(frame[0] == "crashing" for frame in error["trace"])
    assert "ids are not comparable" in edn.dumps(result)
    assert common.guard(lambda x: {"valid?": True, "x": x}, 3) == {"valid?": True, "x": 3}


def test_perf_and_timeline_constants():
    assert edn.dumps(common.perf(), width=None) == (
        "{:latency-graph {:valid? true}, :rate-graph {:valid? true}, :valid? true}")
    assert common.timeline() == {"valid?": True}


# --- stats --------------------------------------------------------------------------------

def test_stats_of_an_empty_history_is_valid():
    result = common.stats([])
    assert result == {"valid?": True, "count": 0, "ok-count": 0, "fail-count": 0,
                      "info-count": 0, "by-f": {}}


def test_stats_counts_completions_per_f_sorted_by_f():
    h = History()
    h.call(0, "read", "ok")
    h.call(1, "broadcast", "ok")
    h.call(1, "broadcast", "info", error=K("net-timeout"))
    h.call(0, "read", "fail")
    h.add(0, "invoke", "read")  # never completed: not counted
    h.add("nemesis", "info", "start-partition", K("majority"))
    result = common.stats(h.ops)
    assert result["valid?"] is True
    assert (result["count"], result["ok-count"], result["fail-count"],
            result["info-count"]) == (4, 2, 1, 1)
    assert list(result["by-f"]) == ["broadcast", "read"]
    assert result["by-f"]["broadcast"] == {"valid?": True, "count": 2, "ok-count": 1,
                                           "fail-count": 0, "info-count": 1}


def test_stats_fails_when_some_f_never_succeeds_but_not_for_kafka_crash():
    h = History()
    h.call(0, "echo", "info", error=K("net-timeout"))
    assert common.stats(h.ops)["valid?"] is False
    assert common.stats(h.ops)["by-f"]["echo"]["valid?"] is False

    h = History()
    h.call(0, "send", "ok")
    h.call(1, "crash", "info")
    h.call(2, "debug-topic-partitions", "info")
    result = common.stats(h.ops)
    assert result["valid?"] is True
    assert result["by-f"]["crash"]["valid?"] is False


def test_stats_on_an_unknown_completion_type_is_unknown_under_guard():
    h = History()
    h.call(0, "read", "weird")
    assert common.guard(common.stats, h.ops)["valid?"] == UNKNOWN


def test_explain_stats_names_the_f_that_never_succeeded():
    h = History()
    h.call(0, "read", "info", error=K("net-timeout"))
    h.call(1, "read", "fail", error=K("not-supported"))
    h.call(2, "broadcast", "ok")
    lines = common.explain_stats(common.stats(h.ops))
    assert len(lines) == 1
    assert "no read operation ever succeeded" in lines[0]
    assert "1 failed" in lines[0] and "1 indeterminate" in lines[0]


# --- availability -------------------------------------------------------------------------

def test_availability_without_invocations_is_the_integer_one():
    result = common.availability([], "total")
    assert result == {"valid?": True, "ok-fraction": 1}
    assert edn.dumps(result, width=None) == "{:valid? true, :ok-fraction 1}"


def test_availability_fraction_is_float32_and_judged_against_the_target():
    h = History()
    h.call(0, "read", "ok")
    h.call(1, "read", "ok")
    h.call(2, "read", "info", error=K("net-timeout"))
    result = common.availability(h.ops)
    assert result["valid?"] is True
    assert isinstance(result["ok-fraction"], Float32)
    assert edn.dumps(result["ok-fraction"]) == "0.6666667"
    assert common.availability(h.ops, "total")["valid?"] is False
    assert common.availability(h.ops, 0.6)["valid?"] is True
    assert common.availability(h.ops, 0.7)["valid?"] is False
    all_ok = History()
    all_ok.call(0, "read", "ok")
    assert common.availability(all_ok.ops, "total") == {"valid?": True, "ok-fraction": 1.0}
    with pytest.raises(ValueError):
        common.availability(h.ops, "most")


def test_explain_availability_gives_fraction_target_and_what_went_wrong():
    h = History()
    h.call(0, "read", "ok")
    h.call(1, "read", "info", error=K("net-timeout"))
    h.call(2, "read", "info", error=K("net-timeout"))
    h.call(3, "broadcast", "fail", error=[K("temporarily-unavailable"), "try again"])
    result = common.availability(h.ops, "total")
    lines = common.explain_availability(result, h.ops, "total")
    assert lines[0].startswith("ok-fraction 0.2500: 1 of 4 invocations completed ok")
    assert "every operation" in lines[0]
    assert "2 read operation(s) indeterminate" in lines[1]
    assert any("1 broadcast operation(s) failed" in line for line in lines)
    assert any(":net-timeout: 2 time(s)" in line for line in lines)
    assert common.explain_availability(common.availability(h.ops), h.ops, None) == []


# --- exceptions ---------------------------------------------------------------------------

def _exception(cls, message):
    return {"via": [{"type": edn.Symbol(cls), "message": message}], "cause": message}


def test_exceptions_group_by_class_largest_first_with_the_first_example():
    h = History()
    assert common.exceptions(h.ops) == {"valid?": True}
    h.call(0, "read", "ok")
    first = h.call(1, "read", "info", exception=_exception("java.net.Timeout", "a"))
    h.call(2, "read", "info", exception=_exception("clojure.lang.ExceptionInfo", "b"))
    h.call(3, "read", "info", exception=_exception("clojure.lang.ExceptionInfo", "c"))
    h.call(4, "read", "fail", exception=_exception("java.net.Timeout", "not info"))
    result = common.exceptions(h.ops)
    assert result["valid?"] is True
    assert [(e["class"], e["count"]) for e in result["exceptions"]] == [
        ("clojure.lang.ExceptionInfo", 2), ("java.net.Timeout", 1)]
    assert result["exceptions"][1]["example"] is first
    assert "#jepsen.history.Op{:index 3" in edn.dumps(result)


# --- net ----------------------------------------------------------------------------------

def _counts(all_count, client_count, server_count):
    def group(n):
        return {"send-count": n, "recv-count": n, "msg-count": n}
    return {"all": group(all_count), "clients": group(client_count),
            "servers": group(server_count)}


def test_net_adds_msgs_per_op_for_all_and_servers_only():
    h = History()
    for process in range(48):
        h.call(process, "echo", "ok")
    h.add("nemesis", "info", "start-partition")
    h.add("nemesis", "info", "start-partition")
    result = common.net(_counts(98, 98, 0), h.ops)
    assert edn.dumps(result, width=None) == (
        "{:all {:send-count 98, :recv-count 98, :msg-count 98, :msgs-per-op 2.0416667}, "
        ":clients {:send-count 98, :recv-count 98, :msg-count 98}, "
        ":servers {:send-count 0, :recv-count 0, :msg-count 0, :msgs-per-op 0.0}, "
        ":valid? true}")


def test_net_without_client_invocations_has_no_msgs_per_op():
    result = common.net(_counts(4, 4, 0), [])
    assert "msgs-per-op" not in result["all"] and "msgs-per-op" not in result["servers"]
    assert result["valid?"] is True


# --- against real Maelstrom runs ----------------------------------------------------------

RUNS = [run for run in oracle_runs.runs() if run.results is not None]
needs_oracle = pytest.mark.skipif(not RUNS, reason="oracle/ is not on this machine")


@needs_oracle
@pytest.mark.parametrize("run", RUNS, ids=lambda run: f"{run.workload}/{run.dir.name}")
def test_compose_rebuilds_every_real_results_map(run):
    parts = {name: value for name, value in run.results.items() if name != "valid?"}
    rebuilt = common.compose(parts)
    assert rebuilt["valid?"] == run.results["valid?"]
    assert edn.dumps(rebuilt) == edn.dumps(run.results)


RECHECKED = [run for run in RUNS if run.workload in ("echo", "unique-ids", "g-counter")
             and run.has_history and "stats" in run.results]


@needs_oracle
@pytest.mark.parametrize("run", RECHECKED, ids=lambda run: f"{run.workload}/{run.dir.name}")
def test_stats_availability_and_exceptions_match_real_runs(run):
    history = run.history()
    client_ops = [op for op in history if op["process"] != "nemesis"]
    assert common.stats(client_ops) == run.results["stats"]
    availability = common.availability(history, run.availability)
    assert edn.dumps(availability) == edn.dumps(run.results["availability"])
    assert edn.dumps(common.exceptions(client_ops)) == edn.dumps(run.results["exceptions"])
