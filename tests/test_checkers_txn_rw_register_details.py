"""Details of the txn-rw-register checker (glomers/checkers/txn_rw_register.py) on small
hand-built histories: external reads and writes, the version orders each source infers
(:info writes included in the initial state), the transaction graph and its edges, the
direct anomalies (internal, G1a, G1b, lost-update), the type check, which order graph the
models call for, Elle's result map and Maelstrom's wrapper, the stricter analysis, and the
explanation text. A property test compares the verdict with a brute-force search for a
serial order."""

import functools
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glomers.checkers import txn_rw_register as txn
from glomers.checkers.cycles import PROCESS, REALTIME, RW, WR, WW
from glomers.edn import Keyword as K
from glomers.edn import StringMap

from txn_history import history, types

RU = {"consistency_models": ["read-uncommitted"]}
RC = {"consistency_models": ["read-committed"]}
SER = {"consistency_models": ["serializable"]}
STRICT = {}


def found(h, opts=RU, **options):
    """Every anomaly name the analysis finds, reportable or not."""
    return sorted(txn.analyze(h, opts, **options)["anomalies"])


def version_orders(h, **options):
    """{key: {(v1, v2), ...}}: each key's inferred version-order edges, as written."""
    result = txn.analyze(h, RU, **options)
    raw_key = result["txns"].raw_key
    return {raw_key[k]: {pair for succ in vs.values() for pair in succ.values()}
            for k, vs in result["version-graphs"].items()}


def edges(h, opts=RU):
    """The transaction graph's edges as {(a index, b index, kind), ...}."""
    graph = txn.analyze(h, opts)["graph"]
    return {(a, b, kind) for a, b, kinds in graph.edges() for kind in kinds}


def case_line(lines, name):
    """The one explanation line about anomaly `name`."""
    (line,) = [line for line in lines if line.startswith(f"{name}: ")]
    return line


# A committed write and a read of it: gives the transaction graph an edge, so a history
# is not reported as an empty transaction graph.
EDGE = ((8, "ok", [["w", 99, 1]]), (9, "ok", [["r", 99, 1]]))


# ---------------------------------------------------------------------------------------
# What each transaction showed the world


def test_external_reads_are_first_mops_on_a_key_that_read():
    reads = txn.ext_reads([["r", 1, 3], ["r", 1, 4], ["w", 2, 5], ["r", 2, 5], ["r", 3, None]])
    assert reads == {txn.clj_key(1): 3, txn.clj_key(3): None}


def test_external_writes_are_last_writes_of_each_key():
    writes = txn.ext_writes([["w", 1, 1], ["r", 1, 1], ["w", 1, 2], ["r", 2, 7], ["w", 3, None]])
    assert writes == {txn.clj_key(1): 2, txn.clj_key(3): None}


def test_nemesis_ops_are_left_out_of_the_analysis():
    # The partition nemesis records lists that are not micro-ops; reading them as a txn
    # would fail, and their :info type must not count as a client's indeterminate txn.
    grudge = [K("isolated"), StringMap({"n0": frozenset({"n1"})})]
    nemesis = [{"type": "info", "process": K("nemesis"), "f": K("start-partition"),
                "value": K("majority")},
               {"type": "info", "process": K("nemesis"), "f": K("start-partition"),
                "value": grudge}]
    h = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, 1]]))
    h = h[:2] + nemesis + h[2:]
    for i, op in enumerate(h):
        op["index"] = i
    assert txn.client_ops(h) == [op for op in h if op["process"] != "nemesis"]
    assert txn.check(h, RU)["valid?"] is True
    assert txn.check(h, STRICT)["valid?"] is True


def test_a_completion_without_micro_ops_counts_as_an_empty_txn():
    h = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, 1]]))
    h.append({"index": 4, "time": 9, "type": "invoke", "process": 2, "f": "txn",
              "value": [["w", 1, 2]]})
    h.append({"index": 5, "time": 10, "type": "info", "process": 2, "f": "txn"})
    assert txn.check(h, RU)["valid?"] is True
    assert version_orders(h) == {1: {(None, 1)}}


def test_micro_ops_as_tuples_are_read_like_lists():
    as_lists = history((0, "ok", [["w", 1, 1], ["r", 2, 1]]),
                       (1, "ok", [["w", 2, 1], ["r", 1, 1]]))
    as_tuples = [dict(op, value=tuple(tuple(m) for m in op["value"])) for op in as_lists]
    assert types(txn.check(as_tuples, RC)) == types(txn.check(as_lists, RC)) == ["G1c"]


# ---------------------------------------------------------------------------------------
# Version orders


def test_initial_state_puts_nil_before_ok_and_info_external_writes_and_ok_reads():
    # An :info txn may have happened, so its external write is a version after nil; a
    # :fail txn's write did not happen, and what an :info/:fail txn "read" is unknown.
    h = history((0, "ok", [["w", 1, 1]]),
                (1, "info", [["w", 1, 2], ["w", 1, 3]]),
                (2, "fail", [["w", 1, 4]]),
                (3, "ok", [["r", 1, 1], ["w", 1, 5]]),
                (4, "info", [["w", 2, 7]]),
                (5, "ok", [["r", 3, 9]]),
                (6, "ok", [["r", 3, None], ["w", 4, None]]))
    assert version_orders(h) == {1: {(None, 1), (None, 3), (None, 5), (1, 5)},
                                 2: {(None, 7)}, 3: {(None, 9)}}
    assert txn.analyze(h, RU)["sources"] == ["initial-state", "wfr-keys"]


def test_an_info_write_alone_is_still_a_version():
    h = history((0, "info", [["w", "x", 1]]))
    assert version_orders(h) == {"x": {(None, 1)}}


def test_writes_follow_reads_orders_a_read_before_the_same_txns_write():
    h = history((0, "ok", [["w", 1, 1]]),
                (1, "ok", [["r", 1, 1], ["w", 1, 2]]),          # 1 < 2
                (2, "ok", [["r", 1, None], ["w", 1, 3]]),       # nil: nothing more
                (3, "ok", [["r", 1, 2], ["w", 1, None]]),       # a nil write: nothing
                (4, "ok", [["r", 1, 8], ["w", 1, 8]]),          # the same value: nothing
                (5, "info", [["r", 1, 3], ["w", 1, 4]]),        # not :ok: nothing
                (6, "ok", [["w", 2, 8], ["r", 2, 8], ["w", 2, 9]]),  # no external read
                # Keys skipped above do not end the txn: key 4 still counts.
                (7, "ok", [["r", 3, None], ["w", 3, 20], ["r", 5, 30], ["w", 5, 30],
                           ["r", 4, 21], ["w", 4, 22]]))
    assert version_orders(h) == {1: {(None, 1), (None, 2), (None, 3), (None, 4), (None, 8),
                                     (1, 2)},
                                 2: {(None, 9)}, 3: {(None, 20)}, 5: {(None, 30)},
                                 4: {(None, 21), (None, 22), (21, 22)}}


def test_cyclic_versions_drop_the_source_and_name_the_key_values_and_sources():
    h = history((0, "ok", [["r", "k", 1], ["w", "k", 2]]),
                (1, "ok", [["r", "k", 2], ["w", "k", 1]]),
                (2, "ok", [["r", "j", 5], ["w", "j", 6]]))
    result = txn.analyze(h, RU)
    (case,) = result["anomalies"]["cyclic-versions"]
    assert case == {"key": "k", "scc": frozenset({1, 2}),
                    "sources": [K("initial-state"), K("wfr-keys")]}
    assert result["sources"] == ["initial-state"]
    # Without the dropped source no value follows another, on any key.
    assert version_orders(h) == {"k": {(None, 1), (None, 2)}, "j": {(None, 5), (None, 6)}}
    checked = txn.check(h, RU)
    assert checked["valid?"] is False and types(checked) == ["cyclic-versions"]


def test_value_keys_are_equal_exactly_when_clojure_says_the_values_are():
    import enum

    class Small(enum.IntEnum):
        ONE = 1

    values = [0, 1, -1, 2**70, True, False, None, 1.0, 0.0, "1", "a", K("a"), [1], (1,),
              [1, True], [], {"a": 1}, Small.ONE, [Small.ONE]]
    for a, b in itertools.product(values, repeat=2):
        assert (txn.value_key(a) == txn.value_key(b)) is (txn.clj_key(a) == txn.clj_key(b)), (
            a, b)
        if txn.value_key(a) == txn.value_key(b):
            assert hash(txn.value_key(a)) == hash(txn.value_key(b))


@pytest.mark.parametrize("first, other", [(1, True), (True, 1)])
def test_a_cyclic_versions_case_lists_values_in_clj_key_order(first, other):
    # 1 and true are different versions but Python-equal: the set keeps the first listed,
    # and the list is in clj_key order (booleans before integers) whatever the txn order.
    h = history((0, "ok", [["r", "k", first], ["w", "k", other]]),
                (1, "ok", [["r", "k", other], ["w", "k", first]]))
    (case,) = txn.analyze(h, RU)["anomalies"]["cyclic-versions"]
    assert [type(v) for v in case["scc"]] == [bool]


def test_a_version_diamond_is_acyclic_and_a_longer_cycle_with_a_tail_is_not():
    diamond = [(0, "ok", [["r", "a", 1], ["w", "a", 2]]),      # a: 1 < 2, 1 < 3,
               (1, "ok", [["r", "a", 1], ["w", "a", 3]]),      # 2 < 4, 3 < 4
               (2, "ok", [["r", "a", 2], ["w", "a", 4]]),
               (3, "ok", [["r", "a", 3], ["w", "a", 4]])]
    loop = [(4, "ok", [["r", "b", 1], ["w", "b", 2]]),         # b: 1 < 2 < 3 < 1, 3 < 5
            (5, "ok", [["r", "b", 2], ["w", "b", 3]]),
            (6, "ok", [["r", "b", 3], ["w", "b", 1]]),
            (7, "ok", [["r", "b", 3], ["w", "b", 5]])]
    result = txn.analyze(history(*diamond, *loop), RU)
    assert result["anomalies"]["cyclic-versions"] == [
        {"key": "b", "scc": frozenset({1, 2, 3}),
         "sources": [K("initial-state"), K("wfr-keys")]}]
    assert result["sources"] == ["initial-state"]
    result = txn.analyze(history(*diamond), RU)
    assert "cyclic-versions" not in result["anomalies"]
    assert result["sources"] == ["initial-state", "wfr-keys"]


def test_per_client_order_is_a_source_only_for_the_stricter_analysis():
    h = history((0, "ok", [["w", 1, 1]]),
                (0, "ok", [["r", 1, 2]]),                       # p0 sees 1, then 2
                (0, "ok", [["r", 1, 2]]),                       # the same again: nothing
                (0, "ok", [["r", 1, 3], ["w", 1, 11]]),         # sees 3 first, leaves 11
                (1, "ok", [["w", 1, 6]]),
                (1, "ok", [["r", 1, None], ["w", 1, 2]]),      # p1 first sees its write
                (1, "fail", [["w", 1, 7]]),                     # not :ok: nothing
                (1, "ok", [["w", 1, 3]]),
                (2, "ok", [["r", 1, 1], ["w", 1, 4]]),          # p2 leaves 1 at 4
                (2, "ok", [["w", 1, 5], ["r", 1, 5]]))          # and then sees 5
    base = {(None, 1), (None, 2), (None, 3), (None, 4), (None, 5), (None, 6), (None, 11),
            (1, 4), (3, 11)}
    assert version_orders(h) == {1: base}
    assert version_orders(h, sequential=True) == {1: base | {(1, 2), (6, 2), (2, 3), (4, 5)}}
    assert txn.analyze(h, RU, sequential=True)["sources"] == [
        "initial-state", "wfr-keys", "sequential-keys"]


def test_version_graphs_leave_per_client_order_out_unless_asked():
    h = history((0, "ok", [["w", "k", 1]]), (0, "ok", [["r", "k", 3]]), (2, "ok", [["w", "k", 3]]))
    _, cases, sources = txn.version_graphs(txn.Txns(h))
    assert sources == ["initial-state", "wfr-keys"] and cases == []
    assert txn.version_graphs(txn.Txns(h), sequential=True)[2] == [
        "initial-state", "wfr-keys", "sequential-keys"]


def test_a_client_that_reads_nil_after_a_value_makes_the_per_client_order_cyclic():
    h = history((1, "ok", [["r", 1, None], ["w", 1, 2]]),
                (1, "ok", [["r", 1, None]]),                    # 2, then nil again
                (1, "ok", [["w", 1, 3]]))
    assert version_orders(h, sequential=True) == {1: {(None, 2), (None, 3)}}
    result = txn.analyze(h, RU, sequential=True)
    assert result["sources"] == ["initial-state", "wfr-keys"]
    (case,) = result["anomalies"]["cyclic-versions"]
    assert case == {"key": 1, "scc": frozenset({None, 2}),
                    "sources": [K("initial-state"), K("wfr-keys"), K("sequential-keys")]}
    assert "cyclic-versions" not in txn.analyze(h, RU)["anomalies"]


def test_a_dropped_source_leaves_no_edge_behind():
    # p1 sees k go 2 -> 1 against wfr's 1 < 2, so the per-client source is cyclic and
    # dropped, including p0's edge 1 < 3, which starts from a value earlier sources use.
    h = history((0, "ok", [["w", "k", 1]]),
                (0, "ok", [["r", "k", 3]]),
                (2, "ok", [["w", "k", 3]]),
                (1, "ok", [["r", "k", 1], ["w", "k", 2]]),
                (1, "ok", [["r", "k", 1]]))
    base = {(None, 1), (None, 2), (None, 3), (1, 2)}
    assert version_orders(h) == {"k": base}
    assert version_orders(h, sequential=True) == {"k": base}
    result = txn.analyze(h, RU, sequential=True)
    assert result["sources"] == ["initial-state", "wfr-keys"]
    assert [case["scc"] for case in result["anomalies"]["cyclic-versions"]] == [
        frozenset({1, 2})]


def test_a_source_without_cycles_is_kept_with_every_edge():
    h = history((0, "ok", [["w", "k", 1]]),
                (0, "ok", [["r", "k", 3]]),
                (2, "ok", [["w", "k", 3]]))
    assert version_orders(h, sequential=True) == {"k": {(None, 1), (None, 3), (1, 3)}}
    result = txn.analyze(h, RU, sequential=True)
    assert result["sources"] == ["initial-state", "wfr-keys", "sequential-keys"]
    assert "cyclic-versions" not in result["anomalies"]


# ---------------------------------------------------------------------------------------
# The transaction graph


def test_wr_ww_and_rw_edges_follow_the_version_order():
    h = history((0, "ok", [["w", 1, 1]]),                      # op 1
                (1, "ok", [["r", 1, 1], ["w", 1, 2]]),         # op 3
                (2, "ok", [["r", 1, 1]]),                      # op 5
                (3, "ok", [["r", 1, None]]),                   # op 7
                (4, "info", [["w", 1, 3]]),                    # op 9: no edges
                (5, "fail", [["w", 1, 4]]),                    # op 11: no edges
                (6, "ok", [["r", 1, 3]]))                      # op 13: nobody's write
    assert edges(h) == {(1, 3, WR), (1, 5, WR), (1, 3, WW), (5, 3, RW), (7, 1, RW),
                        (7, 3, RW)}


def test_a_nil_write_is_a_version_before_every_other():
    h = history((0, "ok", [["w", 1, None]]), (1, "ok", [["w", 1, 5]]), (2, "ok", [["r", 1, 5]]))
    assert edges(h) == {(1, 3, WW), (3, 5, WR)}


def test_two_writers_of_a_value_someone_read_is_an_error_naming_them():
    h = history((0, "ok", [["w", "k", 1]]), (1, "ok", [["w", "k", 1]]),
                (2, "ok", [["r", "j", 7], ["r", "k", 1]]))
    with pytest.raises(txn.DuplicateWriter) as error:
        txn.check(h, RU)
    assert str(error.value) == 'Key "k" had value 1 written by more than one op: [1, 3]'
    # Unread, the same two writes are no problem.
    unread = history((0, "ok", [["w", "k", 1]]), (1, "ok", [["w", "k", 1]]),
                     (2, "ok", [["w", "j", 1]]), (3, "ok", [["r", "j", 1]]))
    assert txn.check(unread, RU)["valid?"] is True


def test_a_single_writer_of_a_read_value_is_no_error():
    h = history((0, "ok", [["w", "k", 1]]), (1, "fail", [["w", "k", 1]]),
                (2, "ok", [["r", "k", 1]]))
    assert txn.check(h, RU)["valid?"] is True


def test_clojure_equality_keeps_a_read_of_1_0_apart_from_a_write_of_1():
    h = history((0, "ok", [["w", 1, 1], ["w", 1, 2]]), (1, "ok", [["r", 1, 1.0]]), *EDGE)
    assert edges(h) == {(5, 7, WR)}
    assert found(h, RC) == []


def test_an_empty_transaction_graph_is_an_anomaly_of_its_own():
    h = history((0, "info", [["w", 1, 1]]), (1, "info", [["r", 1, None]]))
    for opts in (RU, RC, SER, STRICT):
        assert txn.analyze(h, opts)["anomalies"] == {"empty-transaction-graph": True}
        result = txn.check(h, opts)
        assert result["valid?"] is False
        assert result["anomalies"] == {"empty-transaction-graph": True}
    # One edge is enough.
    assert txn.check(history(*EDGE), RU)["valid?"] is True


# ---------------------------------------------------------------------------------------
# Anomalies that need no cycle


def internal(h):
    return [(case["op"]["index"], list(case["mop"]), case["expected"])
            for case in txn.internal_cases(h)]


def test_internal_reads_disagreeing_with_the_txn_itself():
    h = history((0, "ok", [["w", 1, 1], ["r", 1, 2]]),                     # own write
                (1, "ok", [["r", 1, 3], ["r", 1, 4]]),                     # own read
                (2, "ok", [["w", 1, 1], ["r", 1, 1.0]]),                   # 1 is not 1.0
                (3, "ok", [["r", 1, None], ["r", 1, 5]]),                  # nil: unknown
                (4, "ok", [["w", 1, False], ["r", 1, True]]),              # false: unknown
                (5, "ok", [["w", 1, 6], ["r", 2, 7], ["r", 1, 6]]),        # fine
                (6, "ok", [["w", 1, 1], ["r", 1, 2], ["r", 1, 3]]),        # one case
                (7, "info", [["w", 1, 1], ["r", 1, 2]]),
                (8, "fail", [["w", 1, 1], ["r", 1, 2]]))
    cases = internal(h)
    assert cases == [(1, ["r", 1, 2], 1), (3, ["r", 1, 4], 3), (5, ["r", 1, 1.0], 1),
                     (13, ["r", 1, 2], 1)]
    assert "internal" in found(h)
    assert internal(history((0, "ok", [["w", 1, 1], ["r", 1, 1], ["r", 1, 1]]))) == []


def test_internal_fails_serializable_but_not_read_committed():
    h = history((0, "ok", [["w", 1, 1], ["r", 1, 2]]), (1, "ok", [["w", 1, 2]]), *EDGE)
    ser = txn.check(h, SER)
    assert types(ser) == ["internal"]
    assert ser["anomalies"]["internal"][0]["expected"] == 1
    assert txn.check(h, RC)["valid?"] is True


def test_g1a_is_a_read_of_a_write_only_a_failed_txn_made():
    h = history((0, "fail", [["w", 1, 4], ["w", 1, 5]]),
                (1, "ok", [["r", 1, 4], ["r", 2, 1]]),
                (3, "info", [["w", 3, 3]]), (4, "ok", [["r", 3, 3]]),
                (5, "ok", [["w", 6, 1], ["r", 2, 1], ["r", 1, 4]]), *EDGE)
    cases, g1b = txn.bad_read_cases(txn.client_ops(h), {op["index"]: op for op in h})
    assert [(c["op"]["index"], list(c["mop"]), c["writer"]["index"]) for c in cases] == [
        (3, ["r", 1, 4], 1), (9, ["r", 1, 4], 1)]
    assert g1b == cases        # 4 was also overwritten within the failed txn: G1b too
    assert "G1a" in found(h)
    assert "G1a" in types(txn.check(h, RC))
    assert txn.check(h, RU)["valid?"] is True


def test_g1b_is_a_read_of_another_txns_overwritten_write():
    h = history((0, "ok", [["r", 8, None], ["w", 1, 1], ["w", 1, 2]]),
                (1, "ok", [["r", 1, 1]]),
                (2, "ok", [["w", 2, 1], ["r", 2, 1], ["w", 2, 2]]),    # its own: fine
                (3, "info", [["w", 3, 1], ["w", 3, 2]]), (4, "ok", [["r", 3, 1]]),
                (5, "ok", [["w", 4, None], ["w", 4, 1]]), (6, "ok", [["r", 4, None]]),
                (7, "ok", [["w", 5, False], ["w", 5, 1]]), (8, "ok", [["r", 5, False]]),
                (9, "ok", [["w", 6, 1], ["w", 7, 1]]), (10, "ok", [["r", 6, 1]]), *EDGE)
    g1a, cases = txn.bad_read_cases(txn.client_ops(h), {op["index"]: op for op in h})
    assert [(c["op"]["index"], list(c["mop"]), c["writer"]["index"]) for c in cases] == [
        (3, ["r", 1, 1], 1), (9, ["r", 3, 1], 7)]
    assert g1a == []
    assert types(txn.check(h, RC)) == ["G1b"]


def test_lost_updates_are_txns_that_read_one_version_and_wrote_the_key():
    h = history((0, "ok", [["r", 1, None], ["w", 1, 1]]),
                (1, "ok", [["r", 1, None], ["w", 1, 2], ["w", 1, 3]]),  # counted once
                (2, "ok", [["r", 2, 5], ["w", 2, 6]]),
                (3, "ok", [["r", 2, 5], ["w", 2, 7]]),
                (4, "ok", [["r", 2, 5.0], ["w", 2, 8]]),    # another version
                (5, "info", [["r", 2, 5], ["w", 2, 9]]),
                (6, "ok", [["r", 3, 1], ["w", 4, 1]]),      # wrote another key
                (7, "ok", [["r", 3, 1], ["w", 3, 2]]),      # alone on key 3
                # Blind writes first: the later read is what the last write is based on.
                (8, "ok", [["w", 5, 1], ["r", 5, 1], ["w", 5, 2]]),
                (9, "ok", [["w", 5, 3], ["r", 5, 1], ["w", 5, 4]]),
                (10, "ok", [["w", 6, 3]]), (11, "ok", [["w", 6, 4]]))
    cases = txn.lost_update_cases(h)
    assert [(c["key"], c["value"], [op["index"] for op in c["txns"]]) for c in cases] == [
        (1, None, [1, 3]), (2, 5, [5, 7]), (5, 1, [17, 19])]
    ser = txn.check(h, SER)
    assert "lost-update" in types(ser) and ser["valid?"] is False
    assert "lost-update" not in types(txn.check(h, RC))


# ---------------------------------------------------------------------------------------
# The type check


@pytest.mark.parametrize("keys, named", [
    ((1, "1"), ["Long", "String"]),
    ((1, True), ["Boolean", "Long"]),
    ((1, 1.5), ["Double", "Long"]),
    ((1, 2**63), ["BigInt", "Long"]),
    ((1, -2**63 - 1), ["BigInt", "Long"]),
    ((1, None), ["Long", "nil"]),
    (((1,), 1), ["Long", "Vector"]),
    (({"a": 1}, 1), ["Long", "Map"]),
    ((frozenset({1}), 1), ["Long", "frozenset"]),
])
def test_keys_of_two_types_fail_the_sanity_check_naming_them(keys, named):
    ops = [{"index": i, "type": "ok", "process": 0, "value": [["r", k, None]]}
           for i, k in enumerate(keys)]
    with pytest.raises(txn.TypeSanityError) as error:
        txn.assert_type_sanity(ops)
    assert str(error.value) == ("History includes a mix of different types for transaction "
                                f"keys: {named}")
    assert isinstance(error.value, AssertionError)


@pytest.mark.parametrize("keys", [(1, 2**63 - 1, -2**63), ([1], (1,)), ("a", K("b"))])
def test_keys_of_one_type_pass_the_sanity_check(keys):
    ops = [{"index": i, "type": "ok", "process": 0, "value": [["w", k, 1]]}
           for i, k in enumerate(keys)]
    txn.assert_type_sanity(ops)


def test_the_check_runs_the_sanity_check():
    h = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", "1", None]]))
    with pytest.raises(AssertionError):
        txn.check(h, RU)


# ---------------------------------------------------------------------------------------
# Models, order graphs, the result map


def test_the_comma_rule_of_consistency_models():
    assert txn.parse_consistency_models("read-committed , serializable") == [
        "read-committed", "serializable"]
    assert txn.parse_consistency_models("a  ,\tb , c") == ["a", "b", "c"]
    assert txn.parse_consistency_models("read-committed,serializable") == [
        "read-committed,serializable"]
    assert txn.parse_consistency_models("a ,b") == ["a ,b"]


STALE = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, None]]))


def test_realtime_edges_only_when_a_realtime_anomaly_is_reportable():
    assert (1, 3, REALTIME) in edges(STALE, STRICT)
    assert all(kind in (RW, WR, WW) for _, _, kind in edges(STALE, SER))
    assert types(txn.check(STALE, STRICT)) == ["G-single-item-realtime"]
    assert found(STALE, SER) == []
    # An extra anomaly to report brings the realtime graph with it.
    extra = dict(RU, anomalies=["G-single-item-realtime"])
    assert types(txn.check(STALE, extra)) == ["G-single-item-realtime"]
    # Only G0-realtime makes the order matter under strong read-uncommitted.
    weak = {"consistency_models": ["strong-read-uncommitted"]}
    assert "G-single-item-realtime" in found(STALE, weak)
    assert txn.check(STALE, weak)["valid?"] is True


def test_the_default_models_are_strict_serializable():
    assert txn.prohibited_anomaly_types({}) == txn.prohibited_anomaly_types(
        {"consistency_models": ["strict-serializable"]})
    assert txn.prohibited_anomaly_types({"consistency_models": None, "anomalies": None}) == \
        txn.prohibited_anomaly_types({})
    assert txn.check(STALE, {"consistency_models": []})["valid?"] is False


def test_extra_anomalies_are_prohibited_with_what_implies_them():
    prohibited = txn.prohibited_anomaly_types(dict(RU, anomalies=["G1"]))
    assert {"G1", "G1a", "G1b", "G1c", "G0"} <= prohibited
    assert "G1a" not in txn.prohibited_anomaly_types(RU)
    assert txn.reportable_anomaly_types(RU) == txn.prohibited_anomaly_types(RU) | {
        "empty-transaction-graph", "cycle-search-timeout"}


SAME_PROCESS_STALE = history((0, "ok", [["w", 1, 1]]), (0, "ok", [["r", 1, None]]))
FUTURE_READ = history((0, "ok", [["r", "x", 1], ["w", "x", 2]]), (0, "ok", [["w", "x", 1]]))


def test_process_edges_only_when_a_process_anomaly_is_reportable():
    session = {"consistency_models": ["strong-session-serializable"]}
    assert (1, 3, PROCESS) in edges(SAME_PROCESS_STALE, session)
    assert types(txn.check(SAME_PROCESS_STALE, session)) == ["G-single-item-process"]
    assert found(SAME_PROCESS_STALE, SER) == []
    # Only G0-process makes the order matter under strong-session read-uncommitted.
    weak = {"consistency_models": ["strong-session-read-uncommitted"]}
    assert (1, 3, PROCESS) in edges(FUTURE_READ, weak)
    assert txn.check(FUTURE_READ, weak)["valid?"] is False
    assert txn.check(FUTURE_READ, RU)["valid?"] is True
    assert found(FUTURE_READ, RU) == []
    # G-single-item is one of the cycle names whose -process form calls for the order.
    extra = dict(RU, anomalies=["G-single-item-process"])
    assert types(txn.check(SAME_PROCESS_STALE, extra)) == ["G-single-item-process"]


def test_order_graph_picks_realtime_then_process_then_none():
    assert txn.order_graph(STALE, STRICT).kinds(1, 3) == {REALTIME}
    session = {"consistency_models": ["strong-session-serializable"]}
    assert txn.order_graph(SAME_PROCESS_STALE, session).kinds(1, 3) == {PROCESS}
    assert txn.order_graph(STALE, session).kinds(1, 3) == set()
    assert txn.order_graph(STALE, SER) is None


def test_elle_result_shapes():
    assert txn.elle_result(RU, {}) == {"valid?": True}
    # Anomalies only a stronger model prohibits are not reported.
    assert txn.elle_result(RU, {"G1a": [1]}) == {"valid?": True}
    # Reported but prohibited by no model: unknown.
    unknown = txn.elle_result(RU, {"empty-transaction-graph": True})
    assert unknown == {"valid?": K("unknown"), "anomaly-types": (K("empty-transaction-graph"),),
                       "anomalies": {"empty-transaction-graph": True},
                       "not": frozenset(), "also-not": frozenset()}
    bad = txn.elle_result(RC, {"G1b": [1], "G1a": [2], "internal": [3]})
    assert bad["valid?"] is False
    assert bad["anomaly-types"] == (K("G1a"), K("G1b"))
    assert list(bad["anomalies"]) == ["G1a", "G1b"] and bad["anomalies"]["G1b"] == [1]
    # The boundary counts every anomaly found, reported or not (internal: serializable).
    assert bad["not"] == frozenset({K("read-committed")})
    assert K("serializable") in bad["also-not"] and K("read-uncommitted") not in bad["also-not"]
    assert all(isinstance(m, K) for m in bad["also-not"])


def test_elle_result_drops_cycle_exists_a_specific_anomaly_implies():
    result = txn.elle_result(RU, {"G0": [1], "PL-1-cycle-exists": [2]})
    assert result["anomaly-types"] == (K("G0"),)
    kept = txn.elle_result(RU, {"PL-1-cycle-exists": [2]})
    assert kept["anomaly-types"] == (K("PL-1-cycle-exists"),) and kept["valid?"] is False


G1C = history((0, "ok", [["w", 1, 1], ["r", 2, 1]]), (1, "ok", [["w", 2, 1], ["r", 1, 1]]))


def test_a_search_out_of_budget_reports_a_timeout_and_some_cycle():
    result = txn.analyze(G1C, RC, budget_steps=0)["anomalies"]
    assert {"G1c", "cycle-search-timeout"} <= set(result)
    assert "cycle-search-timeout" not in txn.analyze(G1C, RC)["anomalies"]


def test_maelstrom_drops_search_timeouts(monkeypatch):
    monkeypatch.setattr(txn, "analyze", functools.partial(txn.analyze, budget_steps=0))
    result = txn.check(G1C, RC)
    assert result["valid?"] is False and types(result) == ["G1c"]
    assert list(result["anomalies"]) == ["G1c"]
    # Under read-uncommitted the cycle is not prohibited: only the timeout was reported,
    # Elle says unknown, and Maelstrom, forgetting the timeout, says valid.
    assert txn.elle_result(RU, txn.analyze(G1C, RU)["anomalies"])["valid?"] == K("unknown")
    clean = txn.check(G1C, RU)
    assert clean["valid?"] is True and clean["anomaly-types"] == () and clean["anomalies"] == {}


def test_a_clean_history_has_maelstroms_shape():
    h = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, 1], ["w", 1, 2]]),
                (0, "ok", [["r", 1, 2]]))
    for opts in (RU, RC, SER, STRICT, None):
        assert txn.check(h, opts) == {"valid?": True, "anomaly-types": (), "anomalies": None}


# ---------------------------------------------------------------------------------------
# Cycle cases: their ops and steps


def test_a_wr_cycle_case_lists_its_ops_and_steps():
    h = history((0, "ok", [["r", 3, None], ["w", 1, 1], ["r", 2, 1]]),
                (1, "ok", [["r", 3, None], ["w", 2, 1], ["r", 1, 1]]))
    (case,) = txn.check(h, RC)["anomalies"]["G1c"]
    assert [op["index"] for op in case["cycle"]] == [1, 3, 1]
    assert case["type"] == K("G1c")
    assert case["steps"] == [
        {"type": K("wr"), "key": 1, "value": 1, "a-mop-index": 1, "b-mop-index": 2},
        {"type": K("wr"), "key": 2, "value": 1, "a-mop-index": 1, "b-mop-index": 2}]


def test_a_wr_step_names_the_key_the_reader_read():
    # The writer also wrote key 1, which the reader read as nil: only key 2 links them.
    h = history((0, "ok", [["w", 1, 5], ["w", 2, 6], ["r", 3, 1]]),
                (1, "ok", [["r", 1, None], ["r", 2, 6], ["w", 3, 1]]))
    (case,) = txn.check(h, RC)["anomalies"]["G1c"]
    by_writer = {step["key"]: step for step in case["steps"]}
    assert by_writer[2] == {"type": K("wr"), "key": 2, "value": 6,
                            "a-mop-index": 1, "b-mop-index": 1}
    assert by_writer[3]["value"] == 1


# Both also write "z" = nil (a key with no version graph) and "w" (two unordered values),
# neither of which links them.
G0 = history((0, "ok", [["w", "z", None], ["w", "w", 5], ["w", "x", 1], ["w", "y", 2]]),
             (1, "ok", [["w", "z", None], ["w", "w", 6], ["w", "y", 1], ["w", "x", 2]]),
             (2, "ok", [["r", "x", 1], ["w", "x", 2]]),
             (3, "ok", [["r", "y", 1], ["w", "y", 2]]))


def test_a_ww_cycle_case_names_both_versions():
    result = txn.check(G0, RU)
    assert types(result) == ["G0"] and result["not"] == {K("read-uncommitted")}
    (case,) = result["anomalies"]["G0"]
    steps = {step["key"]: step for step in case["steps"]}
    assert steps == {
        "x": {"type": K("ww"), "key": "x", "value": 1, "value'": 2,
              "a-mop-index": 2, "b-mop-index": 3},
        "y": {"type": K("ww"), "key": "y", "value": 1, "value'": 2,
              "a-mop-index": 2, "b-mop-index": 3}}
    assert [op["index"] for op in case["cycle"]] in ([1, 3, 1], [3, 1, 3])



def test_a_ww_step_of_string_values_names_the_values_as_written():
    # Not ints, so each value's key (a tuple) differs from the value itself.
    h = history((0, "ok", [["w", "x", "a"], ["w", "y", "b"]]),
                (1, "ok", [["w", "y", "a"], ["w", "x", "b"]]),
                (2, "ok", [["r", "x", "a"], ["w", "x", "b"]]),
                (3, "ok", [["r", "y", "a"], ["w", "y", "b"]]))
    (case,) = txn.check(h, RU)["anomalies"]["G0"]
    steps = {step["key"]: step for step in case["steps"]}
    assert steps == {
        key: {"type": K("ww"), "key": key, "value": "a", "value'": "b",
              "a-mop-index": 0, "b-mop-index": 1} for key in ("x", "y")}

def test_rw_realtime_and_process_steps():
    (case,) = txn.check(STALE, STRICT)["anomalies"]["G-single-item-realtime"]
    assert [op["index"] for op in case["cycle"]] == [3, 1, 3]
    rw, realtime = case["steps"]
    assert rw == {"type": K("rw"), "key": 1, "value": None, "value'": 1,
                  "a-mop-index": 0, "b-mop-index": 0}
    # The realtime step names the earlier txn's completion and the later one's invocation.
    assert realtime == {"type": K("realtime"), "a'": STALE[1], "b": STALE[2]}
    session = {"consistency_models": ["strong-session-serializable"]}
    (case,) = txn.check(SAME_PROCESS_STALE, session)["anomalies"]["G-single-item-process"]
    assert case["steps"][1] == {"type": K("process"), "process": 0}


def test_a_realtime_step_after_a_lost_invocation_names_the_right_one():
    # Process 1's first txn never completed (no completion recorded); its second one is
    # the stale read, invoked after the write completed.
    h = [{"index": 0, "time": 1, "type": "invoke", "process": 0, "f": "txn",
          "value": [["w", 1, 1]]},
         {"index": 1, "time": 2, "type": "invoke", "process": 1, "f": "txn",
          "value": [["r", 1, None]]},
         {"index": 2, "time": 3, "type": "ok", "process": 0, "f": "txn",
          "value": [["w", 1, 1]]},
         {"index": 3, "time": 4, "type": "info", "process": 1, "f": "txn",
          "value": [["r", 1, None]]},
         {"index": 4, "time": 5, "type": "invoke", "process": 1, "f": "txn",
          "value": [["r", 1, None]]},
         {"index": 5, "time": 6, "type": "ok", "process": 1, "f": "txn",
          "value": [["r", 1, None]]}]
    (case,) = txn.check(h, STRICT)["anomalies"]["G-single-item-realtime"]
    assert case["steps"][1]["b"] is h[4]
    assert txn.analyze(h, STRICT)["txns"].invocation == {2: h[0], 3: h[1], 5: h[4]}


def test_cycle_exists_cases_pass_through_unchanged():
    weak = {"consistency_models": ["strong-session-read-uncommitted"]}
    result = txn.check(FUTURE_READ, weak)
    (case,) = result["anomalies"]["strong-session-PL-1-cycle-exists"]
    assert case["scc"] == frozenset({1, 3}) and case["scc-size"] == 2
    assert case["not"] == K("strong-session-read-uncommitted")


# ---------------------------------------------------------------------------------------
# The stricter analysis


BLIND = history((0, "ok", [["w", "x", 1], ["w", "y", 1]]),
                (1, "ok", [["w", "x", 2], ["w", "y", 2]]),
                (2, "ok", [["r", "x", 1]]), (3, "ok", [["r", "y", 2]]),
                (2, "ok", [["r", "x", 2]]), (3, "ok", [["r", "y", 1]]))


def test_stricter_finds_the_blind_write_g0_maelstrom_misses():
    assert txn.check(BLIND, RU)["valid?"] is True
    extra = txn.stricter(BLIND, RU)
    assert extra["assumption"] == txn.STRICTER_ASSUMPTION
    assert extra["anomaly-types"] == extra["missed-by-maelstrom"] == (K("G0"),)
    (case,) = extra["anomalies"]["G0"]
    assert {op["index"] for op in case["cycle"]} == {1, 3}
    assert list(extra["anomalies"]) == ["G0"]


def test_stricter_leaves_out_what_maelstrom_reports_too():
    renamed = {"x": "a", "y": "b"}
    h = G0 + [dict(op, index=op["index"] + len(G0), process=op["process"] + 10,
                   value=[[f, renamed[k], v] for f, k, v in op["value"]]) for op in BLIND]
    extra = txn.stricter(h, RU)
    assert "G0" in extra["anomaly-types"]
    assert extra["missed-by-maelstrom"] == () and extra["anomalies"] == {}
    clean = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, 1]]),
                    (1, "ok", [["r", 1, 1], ["w", 1, 2]]))
    assert txn.stricter(clean, RU)["missed-by-maelstrom"] == ()
    assert txn.stricter(clean)["anomaly-types"] == ()


def test_stricter_compares_with_maelstrom_under_the_same_models():
    # Two blind writes: no dependency at all under read-uncommitted, which Maelstrom
    # reports as well; under strict serializability realtime order would link them.
    h = history((0, "ok", [["w", "x", 1]]), (1, "ok", [["w", "x", 2]]))
    extra = txn.stricter(h, RU)
    assert extra["anomaly-types"] == (K("empty-transaction-graph"),)
    assert extra["missed-by-maelstrom"] == ()
    assert txn.stricter(h)["anomaly-types"] == ()


def test_stricter_leaves_out_search_timeouts(monkeypatch):
    monkeypatch.setattr(txn, "analyze", functools.partial(txn.analyze, budget_steps=0))
    extra = txn.stricter(BLIND, RU)
    assert "cycle-search-timeout" not in extra["anomaly-types"]
    assert extra["missed-by-maelstrom"] == (K("G0"),)


# ---------------------------------------------------------------------------------------
# Explanations


def test_explaining_a_valid_result_counts_committed_ops_and_names_the_models():
    h = history((0, "ok", [["w", 1, 1]]), (1, "ok", [["r", 1, 1]]), (2, "fail", [["w", 1, 2]]))
    assert txn.explain(txn.check(h, RC), h, RC) == [
        ("txn-rw-register: no prohibited anomaly among 2 committed ops (models: "
         "read-committed).")]
    assert txn.explain(txn.check(h), h, None) == [
        ("txn-rw-register: no prohibited anomaly among 2 committed ops (models: "
         "strict-serializable).")]
    two = {"consistency_models": ["read-committed", "serializable"]}
    assert "(models: read-committed, serializable)" in txn.explain({"valid?": True}, h, two)[0]


def test_explaining_a_checker_error():
    result = {"valid?": K("unknown"), "error": "Key 1 had value 1 written by more than one op"}
    assert txn.explain(result, [], RU) == [
        ("txn-rw-register: the checker could not run: Key 1 had value 1 written by more "
         "than one op")]


def test_explaining_a_wr_cycle_with_nodes_and_times():
    opts = dict(RC, nodes=["n0", "n1"], concurrency=2)
    lines = txn.explain(txn.check(G1C, opts), G1C, opts)
    assert case_line(lines, "G1c") == (
        "G1c: a cycle of 2 transactions: "
        "T1 (op 1, process 0, n0, 2.000 s) [[w 1 1] [r 2 1]] wr-> T2 on key 1 value 1; "
        "T2 (op 3, process 1, n1, 4.000 s) [[w 2 1] [r 1 1]] wr-> T1 on key 2 value 1. "
        "The last edge (wr: T2 wrote what the next read T1) closes the cycle, so no serial "
        "order of these transactions explains what they saw.")
    assert lines[-1] == "So the history is not read-committed."
    plain = txn.explain(txn.check(G1C, RC), G1C, RC)
    assert "T1 (op 1, process 0, 2.000 s) [[w 1 1] [r 2 1]]" in case_line(plain, "G1c")


def test_explaining_ww_rw_realtime_and_process_steps():
    lines = txn.explain(txn.check(G0, RU), G0, RU)
    text = case_line(lines, "G0")
    assert "ww-> T2 on key " in text and " value 1 then 2" in text
    assert "(ww: T2 wrote a version the next overwrote T1)" in text
    lines = txn.explain(txn.check(STALE, STRICT), STALE, STRICT)
    assert case_line(lines, "G-single-item-realtime") == (
        "G-single-item-realtime: a cycle of 2 transactions: "
        "T1 (op 3, process 1, 4.000 s) [[r 1 nil]] rw-> T2 on key 1 value nil then 1; "
        "T2 (op 1, process 0, 2.000 s) [[w 1 1]] realtime-> T1 completed before the next "
        "was invoked. The last edge (realtime: T2 precedes T1) closes the cycle, so no "
        "serial order of these transactions explains what they saw.")
    assert lines[-1] == "So the history is not strong-snapshot-isolation."
    session = {"consistency_models": ["strong-session-serializable"]}
    lines = txn.explain(txn.check(SAME_PROCESS_STALE, session), SAME_PROCESS_STALE, session)
    assert "[[w 1 1]] process-> T1 same process 0. The last edge (process: T2 precedes T1)" \
        in case_line(lines, "G-single-item-process")


def test_explaining_a_cycle_of_three():
    # T1 -rw-> T2 -rw-> T3 -wr-> T1: each names the next, and the closing edge is the last.
    h = history((0, "ok", [["r", "a", None], ["r", "c", 1]]),
                (1, "ok", [["r", "b", None], ["w", "a", 1]]),
                (2, "ok", [["w", "b", 1], ["w", "c", 1]]))
    lines = txn.explain(txn.check(h, SER), h, SER)
    assert case_line(lines, "G2-item") == (
        'G2-item: a cycle of 3 transactions: T1 (op 1, process 0, 2.000 s) [[r "a" nil] '
        '[r "c" 1]] rw-> T2 on key "a" value nil then 1; T2 (op 3, process 1, 4.000 s) '
        '[[r "b" nil] [w "a" 1]] rw-> T3 on key "b" value nil then 1; T3 (op 5, process 2, '
        '6.000 s) [[w "b" 1] [w "c" 1]] wr-> T1 on key "c" value 1. The last edge (wr: T3 '
        "wrote what the next read T1) closes the cycle, so no serial order of these "
        "transactions explains what they saw.")
    assert lines[-1] == "So the history is not repeatable-read."


def test_explaining_several_models_ruled_out():
    h = history((0, "ok", [["w", "a", 1], ["w", "c", 1]]),
                (1, "ok", [["r", "a", 1], ["w", "b", 1]]),
                (2, "ok", [["r", "b", 1], ["r", "c", None]]))
    lines = txn.explain(txn.check(h, SER), h, SER)
    assert lines[-1] == "So the history is not consistent-view, repeatable-read."


def test_explaining_an_rw_closing_edge():
    # T1 read k=nil and T2 overwrote it; T2 read j=nil and T1 overwrote it (write skew):
    # whichever txn the cycle starts from, the closing edge is rw.
    h = history((0, "ok", [["r", "k", None], ["w", "j", 1]]),
                (1, "ok", [["r", "j", None], ["w", "k", 1]]))
    lines = txn.explain(txn.check(h, SER), h, SER)
    text = case_line(lines, "G2-item")
    assert "(rw: T2 read a version the next overwrote T1)" in text
    assert '[[r "k" nil] [w "j" 1]]' in text


def test_explaining_values_as_edn():
    h = history((0, "ok", [["w", "k", True], ["w", "k", "s"], ["r", "j", False]]),
                (1, "ok", [["r", "k", True]]),
                (8, "ok", [["w", "e", 1]]), (9, "ok", [["r", "e", 1]]))
    lines = txn.explain(txn.check(h, RC), h, RC)
    assert case_line(lines, "G1b") == (
        'G1b: (op 3, process 1, 4.000 s) [[r "k" true]] read "k" = true, written only by '
        'an intermediate (later overwritten) write of another transaction: (op 1, process 0, '
        '2.000 s) [[w "k" true] [w "k" "s"] [r "j" false]].')


NODES = {"nodes": ["n0", "n1"], "concurrency": 2}


def test_explaining_direct_anomalies():
    h = history((0, "fail", [["w", 1, 5]]), (1, "ok", [["r", 1, 5]]), *EDGE)
    opts = dict(RC, **NODES)
    lines = txn.explain(txn.check(h, opts), h, opts)
    assert case_line(lines, "G1a") == (
        "G1a: (op 3, process 1, n1, 4.000 s) [[r 1 5]] read 1 = 5, written only by a failed "
        "transaction: (op 1, process 0, n0, 2.000 s) [[w 1 5]].")
    h = history((0, "ok", [["w", 1, 1], ["r", 1, 2]]), *EDGE)
    opts = dict(SER, **NODES)
    lines = txn.explain(txn.check(h, opts), h, opts)
    assert case_line(lines, "internal") == (
        "internal: (op 1, process 0, n0, 2.000 s) [[w 1 1] [r 1 2]] read 1 = 2 but its own "
        "earlier mops imply 1.")
    h = history((0, "ok", [["w", 1, 5]]), (0, "ok", [["r", 1, 5], ["w", 1, 6]]),
                (1, "ok", [["r", 1, 5], ["w", 1, 7]]))
    lines = txn.explain(txn.check(h, opts), h, opts)
    assert case_line(lines, "lost-update") == (
        "lost-update: 2 transactions read key 1 = 5 and each wrote it, so one update "
        "overwrote the other unseen: (op 3, process 0, n0, 4.000 s) [[r 1 5] [w 1 6]]; "
        "(op 5, process 1, n1, 6.000 s) [[r 1 5] [w 1 7]].")


def test_explaining_version_cycles_and_an_empty_graph():
    h = history((0, "ok", [["r", "k", 10], ["w", "k", 9]]),
                (1, "ok", [["r", "k", 9], ["w", "k", 10]]))
    lines = txn.explain(txn.check(h, RU), h, RU)
    assert case_line(lines, "cyclic-versions") == (
        'cyclic-versions: key "k": the inferred version order of values [10, 9] is circular '
        "(sources ['initial-state', 'wfr-keys']).")
    h = history((0, "info", [["w", 1, 1]]))
    lines = txn.explain(txn.check(h, RU), h, RU)
    assert case_line(lines, "empty-transaction-graph") == (
        "empty-transaction-graph: no dependency at all could be inferred between committed "
        "transactions (for example no transaction completed :ok), so nothing was checked; "
        "Maelstrom counts this as a failure.")
    assert not any(line.startswith("So the history") for line in lines)


def cycle_exists(size):
    return {"type": K("PL-1-cycle-exists"), "not": K("read-uncommitted"),
            "subgraph": [K("union"), K("ww"), K("wwp")], "scc-size": size,
            "scc": frozenset(range(size, 0, -1))}


def test_explaining_cycle_exists_cases():
    result = {"valid?": False, "anomalies": {"PL-1-cycle-exists": [cycle_exists(10)]}}
    lines = txn.explain(result, [], RU)
    assert case_line(lines, "PL-1-cycle-exists") == (
        "PL-1-cycle-exists: 10 transactions (ops [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) form a "
        "cycle using only ww / wwp edges, which read-uncommitted forbids.")
    result = {"valid?": False, "anomalies": {"PL-1-cycle-exists": [cycle_exists(11)]}}
    assert case_line(txn.explain(result, [], RU), "PL-1-cycle-exists").startswith(
        "PL-1-cycle-exists: 11 transactions (ops [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]...) form")
    other = dict(cycle_exists(2), subgraph=K("custom"))
    result = {"valid?": False, "anomalies": {"PL-1-cycle-exists": [other]}}
    assert "using only custom edges" in case_line(txn.explain(result, [], RU),
                                                  "PL-1-cycle-exists")


def test_explaining_an_anomaly_of_no_known_shape_shows_it_whole():
    result = {"valid?": False, "anomalies": {"G-weird": [{"a": 1}]}}
    assert case_line(txn.explain(result, [], RU), "G-weird") == "G-weird: {:a 1}"


def test_explaining_lists_five_cases_of_a_kind_and_counts_the_rest():
    h = history((0, "fail", [["w", 1, 5]]), *[(p, "ok", [["r", 1, 5]]) for p in range(1, 8)],
                *EDGE)
    result = txn.check(h, RC)
    lines = txn.explain(result, h, RC)
    assert sum(1 for line in lines if line.startswith("G1a: (op")) == 5
    assert "G1a: ... and 2 more." in lines


def test_explaining_the_stricter_analysis():
    extra = txn.stricter(BLIND, RU)
    lines = txn.explain_stricter(extra, BLIND, dict(RU, nodes=["n0", "n1"], concurrency=4))
    assert lines[0] == (
        "assumption: each client sees every key's versions in the order they were installed "
        "(per-key sequential consistency as one client observes it): if a client's txn last "
        "left key k at v1 and its next txn touching k first saw v2, then v1 was installed "
        "before v2")
    assert lines[1].startswith("G0: a cycle of 2 transactions: ") and len(lines) == 2
    assert "process 0, n0, " in lines[1] and "process 1, n1, " in lines[1]
    nothing = txn.stricter(G1C, RC)
    assert txn.explain_stricter(nothing, G1C, None) == [
        lines[0], "nothing beyond what Maelstrom's inference reports."]
    h = history((0, "fail", [["w", 1, 5]]), (1, "ok", [["r", 1, 5]]), *EDGE)
    six = {"assumption": "a", "missed-by-maelstrom": ("G1a",),
           "anomalies": {"G1a": txn.check(h, RC)["anomalies"]["G1a"] * 6,
                         "empty-transaction-graph": True}}
    lines = txn.explain_stricter(six, h, None)
    assert sum(1 for line in lines if line.startswith("G1a: ")) == 5
    assert lines[-1].startswith("empty-transaction-graph: no dependency")


# ---------------------------------------------------------------------------------------
# Property: no anomaly in a history some serial order explains


def serializable(txns):
    """Brute force: some order of the :ok txns in which each read sees the latest write
    before it (nil if none), its own txn's included."""
    for order in itertools.permutations(txns):
        state, ok = {}, True
        for mops in order:
            for f, k, v in mops:
                if f == "w":
                    state[k] = v
                elif state.get(k) != v:
                    ok = False
                    break
            if not ok:
                break
        if ok:
            return True
    return False


@st.composite
def small_histories(draw):
    """2 to 4 :ok txns over keys 0 and 1 with unique write values per key; reads see nil
    or a value some txn wrote."""
    count = draw(st.integers(2, 4))
    shapes = [draw(st.lists(st.tuples(st.sampled_from("rw"), st.integers(0, 1)),
                            min_size=1, max_size=3)) for _ in range(count)]
    written = {0: [], 1: []}
    txns = []
    for shape in shapes:
        mops = []
        for f, k in shape:
            if f == "w":
                written[k].append(len(written[k]) + 1)
                mops.append(["w", k, written[k][-1]])
            else:
                mops.append(["r", k, None])
        txns.append(mops)
    for mops in txns:
        for mop in mops:
            if mop[0] == "r":
                mop[2] = draw(st.sampled_from([None] + written[mop[1]]))
    return txns


@given(small_histories())
def test_a_history_with_a_serial_order_has_no_anomaly_but_perhaps_an_empty_graph(txns):
    h = history(*[(p, "ok", mops) for p, mops in enumerate(txns)])
    if serializable(txns):
        assert set(found(h, SER)) <= {"empty-transaction-graph"}
        assert set(types(txn.check(h, SER))) <= {"empty-transaction-graph"}


def test_acyclic_peels_every_value_of_a_dag_and_stops_at_a_cycle():
    acyclic = txn._acyclic
    assert acyclic({})
    assert acyclic({1: {}, 2: {}})
    assert acyclic({1: {2: (1, 2)}, 2: {3: (2, 3)}})                      # a chain
    assert acyclic({1: {2: (1, 2), 3: (1, 3)}, 2: {4: (2, 4)}, 3: {4: (3, 4)}})   # diamond
    assert not acyclic({1: {1: (1, 1)}})                                  # a loop
    assert not acyclic({1: {2: (1, 2)}, 2: {1: (2, 1)}})
    assert not acyclic({0: {1: (0, 1)}, 1: {2: (1, 2)}, 2: {3: (2, 3)}, 3: {1: (3, 1)}})


def test_version_cycles_are_sought_only_in_the_keys_named():
    cyclic = {1: {2: (1, 2)}, 2: {1: (2, 1)}}
    assert txn._version_cycles({"x": cyclic, "y": {1: {}}}, {"y"}) == []
    assert txn._version_cycles({"x": cyclic}, {"x"}) == [("x", [1, 2])]
