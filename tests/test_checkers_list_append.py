"""The txn-list-append checker (Elle's list-append): tiny histories per anomaly, the spec's
examples, the model rules, the result shape and the explanation."""

import pytest

from glomers.checkers import list_append as la
from glomers.checkers.list_append_ops import INIT
from glomers.edn import Keyword as K
from glomers.edn import Symbol, dumps

RU = {"consistency_models": ["read-uncommitted"]}
RC = {"consistency_models": ["read-committed"]}
SER = {"consistency_models": ["serializable"]}
STRICT = {}


def history(*txns):
    """Ops from (process, type, mops): an invoke (reads nil) and its completion, one second
    apart, in the order given; a :fail or :info completion keeps the invocation's txn."""
    ops, t = [], 0
    for process, type_, mops in txns:
        invoked = [[K(f), k, None if f == "r" else v] for f, k, v in mops]
        done = [[K(f), k, v] for f, k, v in mops] if type_ == "ok" else invoked
        for kind, value in (("invoke", invoked), (type_, done)):
            t += 1_000_000_000
            ops.append({"index": len(ops), "time": t, "type": K(kind), "process": process,
                        "f": K("txn"), "value": value})
    return ops


def concurrent(*txns):
    """Like history, but every txn is invoked before any completes."""
    ops, t = [], 0
    for process, type_, mops in txns:
        t += 1
        ops.append({"index": len(ops), "time": t, "type": K("invoke"), "process": process,
                    "f": K("txn"), "value": [[K(f), k, None if f == "r" else v]
                                             for f, k, v in mops]})
    for process, type_, mops in txns:
        t += 1
        ops.append({"index": len(ops), "time": t, "type": K(type_), "process": process,
                    "f": K("txn"), "value": [[K(f), k, v] for f, k, v in mops]})
    return ops


def types(result):
    return [str(t) for t in result.get("anomaly-types", ())]


# -- the spec's examples (workloads-more §4.5) ----------------------------------------------

def test_a1_a_clean_history_is_just_valid():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]))
    assert la.check(h, STRICT) == {"valid?": True}


def test_a2_stale_read_is_g_single_realtime_but_serializable():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, None)]))
    result = la.check(h, STRICT)
    assert result["valid?"] is False
    assert types(result) == ["G-single-item-realtime"]
    [case] = result["anomalies"]["G-single-item-realtime"]
    assert [op["index"] for op in case["cycle"]] == [3, 1, 3]
    assert case["steps"][0] == {"type": "rw", "key": 1, "value": INIT, "value'": 1,
                                "a-mop-index": 0, "b-mop-index": 0}
    assert case["steps"][1]["type"] == "realtime"
    # Elle prints strict-serializable by its other friendly name.
    assert "strong-serializable" in result["also-not"] | result["not"]
    assert la.check(h, SER) == {"valid?": True}


def test_a3_echoing_the_txn_is_internal_with_an_unknown_prefix():
    h = history((0, "ok", [("append", 9, 6), ("r", 9, None)]))
    result = la.check(h, STRICT)
    assert types(result) == ["empty-transaction-graph", "internal"]
    [case] = result["anomalies"]["internal"]
    assert case["expected"] == [Symbol("..."), 6]
    assert "[... 6]" in dumps(case["expected"])
    assert result["valid?"] is False


def test_a4_reading_a_failed_append_is_g1a():
    h = history((0, "fail", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]))
    result = la.check(h, STRICT)
    assert types(result) == ["G1a", "empty-transaction-graph"]
    [case] = result["anomalies"]["G1a"]
    assert case["element"] == 1 and case["writer"]["index"] == 1 and case["op"]["index"] == 3
    assert result["not"] == frozenset({"read-committed"})


def test_a5_reads_that_no_one_order_explains_are_incompatible():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [1, 2])]), (3, "ok", [("r", 1, [2])]))
    result = la.check(h, STRICT)
    assert result["anomalies"]["incompatible-order"] == [{"key": 1, "values": [[2], [1, 2]]}]
    assert result["valid?"] is False


def test_a6_one_transaction_alone_is_unknown():
    h = history((0, "ok", [("append", 1, 1)]))
    assert la.check(h, STRICT) == {
        "valid?": K("unknown"), "anomaly-types": (K("empty-transaction-graph"),),
        "anomalies": {"empty-transaction-graph": True},
        "not": frozenset(), "also-not": frozenset()}


# -- inside one transaction ------------------------------------------------------------------

def test_internal_with_a_known_list():
    h = history((0, "ok", [("append", 1, 1)]), (2, "ok", [("append", 1, 3)]),
                (1, "ok", [("r", 1, [1]), ("append", 1, 2), ("r", 1, [1, 3])]))
    [case] = la.check(h, SER)["anomalies"]["internal"]
    assert case["expected"] == [1, 2]


def test_after_reading_nil_the_list_is_known_to_be_empty():
    h = history((0, "ok", [("append", 1, 5)]),
                (1, "ok", [("r", 1, None), ("append", 1, 1), ("r", 1, [5, 1])]))
    [case] = la.check(h, SER)["anomalies"]["internal"]
    assert case["expected"] == [1]


def test_a_read_ending_in_the_txns_own_appends_is_fine():
    h = history((0, "ok", [("append", 1, 1)]),
                (1, "ok", [("append", 1, 2), ("r", 1, [1, 2])]))
    assert "internal" not in la.check(h, SER).get("anomalies", {})


def test_future_read():
    h = history((0, "ok", [("r", 1, [1]), ("append", 1, 1)]))
    [case] = la.check(h, RC)["anomalies"]["future-read"]
    assert case["element"] == 1 and case["mop"] == [K("r"), 1, [1]]


# -- reads of other transactions -------------------------------------------------------------

def test_reading_an_intermediate_state_is_g1b():
    h = history((0, "ok", [("append", 1, 1), ("append", 1, 2)]), (1, "ok", [("r", 1, [1])]))
    result = la.check(h, RC)
    [case] = result["anomalies"]["G1b"]
    assert case["element"] == 1 and case["writer"]["index"] == 1
    assert result["valid?"] is False


def test_duplicate_elements_even_under_read_uncommitted():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1, 1])]))
    result = la.check(h, RU)
    [case] = result["anomalies"]["duplicate-elements"]
    assert case["duplicates"] == {1: 2}
    assert result["valid?"] is False


def test_a_failed_append_followed_by_a_committed_one_is_a_dirty_update():
    h = history((0, "fail", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [1, 2])]))
    result = la.check(h, RC)
    [case] = result["anomalies"]["dirty-update"]
    assert case["key"] == 1 and case["values"] == [1, 2]
    assert [op if isinstance(op, Symbol) else op["index"] for op in case["txns"]] == \
        [1, Symbol("..."), 3]
    assert "G1a" in types(result)


def test_lost_update_is_reported_from_serializable_on():
    h = history((0, "ok", [("append", 1, 1)]),
                (1, "ok", [("r", 1, [1]), ("append", 1, 2)]),
                (2, "ok", [("r", 1, [1]), ("append", 1, 3)]),
                (3, "ok", [("r", 1, [1, 2, 3])]))
    assert "lost-update" in types(la.check(h, SER))
    assert "lost-update" not in types(la.check(h, RC))


# -- cycles --------------------------------------------------------------------------------

def test_write_cycle_is_g0():
    h = concurrent((0, "ok", [("append", 1, 1), ("append", 2, 2)]),
                   (1, "ok", [("append", 1, 2), ("append", 2, 1)]))
    h += history((2, "ok", [("r", 1, [1, 2]), ("r", 2, [1, 2])]))
    for i, op in enumerate(h):
        op["index"] = i
    result = la.check(h, RU)
    assert types(result) == ["G0"]
    [case] = result["anomalies"]["G0"]
    assert {s["type"] for s in case["steps"]} == {"ww"}
    assert result["not"] == frozenset({"read-uncommitted"})


def test_circular_information_flow_is_g1c():
    h = concurrent((0, "ok", [("append", 1, 1), ("r", 2, [1])]),
                   (1, "ok", [("append", 2, 1), ("r", 1, [1])]))
    result = la.check(h, RC)
    assert types(result) == ["G1c"]
    assert {s["type"] for s in result["anomalies"]["G1c"][0]["steps"]} == {"wr"}
    assert la.check(h, RU) == {"valid?": True}


def test_write_skew_is_g2_item_under_serializable():
    h = concurrent((0, "ok", [("r", 1, None), ("append", 2, 1)]),
                   (1, "ok", [("r", 2, None), ("append", 1, 1)]))
    h += history((2, "ok", [("r", 1, [1]), ("r", 2, [1])]))
    for i, op in enumerate(h):
        op["index"] = i
    result = la.check(h, SER)
    assert types(result) == ["G2-item"]
    assert [s["type"] for s in result["anomalies"]["G2-item"][0]["steps"]] == ["rw", "rw"]
    assert la.check(h, RC) == {"valid?": True}


def test_an_unread_append_comes_after_the_last_element_read():
    # T3's append of 3 was never read; it must follow 2, so T2 (which read [1 2]) -rw-> T3,
    # and T3 read T2's... nothing. Realtime puts T3 before T2: a cycle.
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]))
    h += history((2, "ok", [("append", 1, 3)]), (3, "ok", [("r", 1, [1, 2])]))
    for i, op in enumerate(h):
        op["index"] = i
    result = la.check(h, STRICT)
    assert any(t.startswith("G-single") for t in types(result)), types(result)


# -- refusals ------------------------------------------------------------------------------

def test_an_element_no_one_appended_trips_elles_assertion():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1, 99])]))
    with pytest.raises(AssertionError, match="No transaction wrote 1 99"):
        la.check(h, STRICT)


def test_two_invocations_appending_one_value_are_refused():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("append", 1, 1)]))
    with pytest.raises(ValueError, match="appended to key 1 multiple times"):
        la.check(h, STRICT)


def test_info_transactions_count_as_possible_writers():
    h = history((0, "info", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]),
                (2, "ok", [("r", 1, [1])]))
    assert la.check(h, RC) == {"valid?": True}


# -- explanation ---------------------------------------------------------------------------

def test_a_cycle_is_explained_step_by_step():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, None)]))
    opts = {"nodes": ["n0", "n1"], "concurrency": 2}
    lines = la.explain(la.check(h, opts), h, opts)
    text = "\n".join(lines)
    assert "G-single-item-realtime: a cycle of 2 transactions" in text
    assert "T1 read key 1 empty, missing T2's append of 1" in text
    assert "T2 completed before T1 was invoked" in text
    assert "(op 3, process 1, n1, 4.000 s) [[r 1 nil]]" in text


def test_a_valid_result_is_one_line():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]))
    [line] = la.explain(la.check(h, {}), h, {})
    assert "no anomaly that strict-serializable forbids" in line


def test_a_step_that_is_both_ww_and_wr_counts_as_ww_as_elle_explains_it():
    # T2 read T1's append of 1 to key 1 and appended 2 after it (ww and wr); T1 appended to
    # key 2 after T2 did (ww). Elle's list-append explains ww first, so this is G0, which
    # read-uncommitted forbids; counted as wr it would be G1c, which it allows.
    h = concurrent((0, "ok", [("append", 1, 1), ("append", 2, 2)]),
                   (1, "ok", [("r", 1, [1]), ("append", 1, 2), ("append", 2, 1)]))
    h += history((2, "ok", [("r", 2, [1, 2])]))
    for i, op in enumerate(h):
        op["index"] = i
    result = la.check(h, RU)
    assert types(result) == ["G0"]
    assert [s["type"] for s in result["anomalies"]["G0"][0]["steps"]] == ["ww", "ww"]
