"""g-set (set-full, final reads unmarked) and pn-counter (the g-counter checker with
negative deltas) on the spec's example histories (workloads-more §1.5, §2.5)."""

from glomers.checkers import g_counter, set_full
from glomers.edn import Keyword as K

GSET = {"workload": "g-set", "nodes": ["n0", "n1"], "concurrency": 2}
PN = {"workload": "pn-counter", "nodes": ["n0", "n1"], "concurrency": 2}
MS = 1_000_000


def ops(*rows):
    """Ops from (index, time ms, type, process, f, value) rows."""
    return [{"index": i, "time": int(t * MS), "type": K(type_), "process": p, "f": K(f),
             "value": v} for i, t, type_, p, f, v in rows]


def test_g1_a_read_after_the_add_makes_it_stable():
    h = ops((0, 1, "invoke", 0, "add", 0), (1, 2, "ok", 0, "add", 0),
            (2, 3, "invoke", 0, "read", None), (3, 4, "ok", 0, "read", [0]))
    result = set_full.check(h, GSET)
    assert result["valid?"] is True
    assert result["stable-count"] == 1 and result["stale-count"] == 0
    assert result["stable-latencies"] == {0: 0, 0.5: 0, 0.95: 0, 0.99: 0, 1: 0}


def test_g2_an_element_missing_from_a_later_final_read_is_lost():
    h = ops((0, 1, "invoke", 0, "add", 0), (1, 2, "ok", 0, "add", 0),
            (2, 3, "invoke", 1, "add", 1), (3, 4, "ok", 1, "add", 1),
            (4, 5, "invoke", 0, "read", None), (5, 5.5, "invoke", 1, "read", None),
            (6, 6, "ok", 0, "read", [0, 1]), (7, 7, "ok", 1, "read", [0]))
    result = set_full.check(h, GSET)
    assert result["valid?"] is False
    assert result["lost"] == (1,) and result["lost-count"] == 1
    assert result["lost-latencies"] == {0: 1, 0.5: 1, 0.95: 1, 0.99: 1, 1: 1}
    lines = set_full.explain(result, h, GSET)
    assert lines[0].startswith("g-set: INVALID") and "elements added" in lines[0]
    # g-set's final reads carry no :final? mark; the explanation still finds them.
    assert any("final reads without it: n1 (op 7" in line for line in lines)
    assert any("ok add by process 1 on n1" in line for line in lines)


def test_g3_a_stale_read_is_valid_and_counted():
    h = ops((0, 1, "invoke", 0, "add", 0), (1, 2, "ok", 0, "add", 0),
            (2, 3, "invoke", 1, "read", None), (3, 3.5, "ok", 1, "read", []),
            (4, 10, "invoke", 1, "read", None), (5, 11, "ok", 1, "read", [0]))
    result = set_full.check(h, GSET)
    assert result["valid?"] is True
    assert result["stale"] == (0,) and result["stale-count"] == 1
    assert result["worst-stale"][0]["stable-latency"] == 1


def test_g4_nothing_stable_is_unknown():
    h = ops((0, 1, "invoke", 0, "add", 0),
            (1, 2, "info", 0, "add", 0),
            (2, 3, "invoke", 1, "read", None), (3, 4, "ok", 1, "read", []))
    result = set_full.check(h, GSET)
    assert result["valid?"] == "unknown"
    assert result["never-read"] == (0,)


def test_g5_a_read_concurrent_with_the_add_makes_it_known():
    h = ops((0, 1, "invoke", 0, "add", 0), (1, 2, "invoke", 1, "read", None),
            (2, 3, "ok", 1, "read", [0]), (3, 4, "ok", 0, "add", 0))
    result = set_full.check(h, GSET)
    assert result["valid?"] is True and result["stable-count"] == 1


def counter(*rows):
    """Adds and reads from (process, f, value, type, final) rows, each invoked and
    completed in turn."""
    history = []
    for process, f, value, type_, final in rows:
        extra = {"final?": True} if final else {}
        history.append({"index": len(history), "time": len(history) * MS, "type": K("invoke"),
                        "process": process, "f": K(f), "value": value if f == "add" else None,
                        **extra})
        history.append({"index": len(history), "time": len(history) * MS, "type": K(type_),
                        "process": process, "f": K(f), "value": value, **extra})
    return history


def test_p1_definite_adds_up_and_down():
    h = counter((0, "add", 3, "ok", False), (1, "add", -5, "ok", False),
                (0, "read", -2, "ok", True), (1, "read", -2, "ok", True))
    assert g_counter.check(h, PN) == {"valid?": True, "errors": None,
                                      "final-reads": (-2, -2), "acceptable": ([-2, -2],)}


def test_p2_indeterminate_deltas_of_either_sign_widen_the_range():
    h = counter((0, "add", 4, "ok", False), (1, "add", -1, "info", False),
                (0, "add", 2, "info", False),
                (0, "read", 5, "ok", True), (1, "read", 3, "ok", True))
    result = g_counter.check(h, PN)
    assert result["acceptable"] == ([3, 6],) and result["valid?"] is True


def test_p3_a_read_in_the_gap_is_an_error():
    h = counter((0, "add", 4, "ok", False), (1, "add", -3, "info", False),
                (0, "read", 1, "ok", True), (1, "read", 3, "ok", True))
    result = g_counter.check(h, PN)
    assert result["acceptable"] == ([1, 1], [4, 4])
    assert result["valid?"] is False
    assert [op["value"] for op in result["errors"]] == [3]
    lines = g_counter.explain(result, h, PN)
    assert lines[0] == "pn-counter: INVALID. acceptable final value(s): 1..1, 4..4."
    assert any("-3 (n1 at" in line for line in lines)


def test_p4_non_final_reads_are_never_judged():
    h = counter((0, "add", 0, "ok", False), (1, "read", 7, "ok", False),
                (0, "read", 0, "ok", True))
    assert g_counter.check(h, PN)["valid?"] is True


def test_p5_an_indeterminate_zero_changes_nothing():
    h = counter((0, "add", 2, "ok", False), (1, "add", 0, "info", False),
                (0, "read", 2, "ok", True))
    result = g_counter.check(h, PN)
    assert result["acceptable"] == ([2, 2],) and result["valid?"] is True
