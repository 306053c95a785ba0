"""Details of the txn-list-append explanation (glomers/checkers/list_append_explain.py): the
whole line of each anomaly, each kind of cycle step in words, how a txn is described (op,
process, node, time, micro-ops), values in Clojure's spelling, the count of cases not
shown, and the summary lines."""

from glomers.checkers import list_append as la
from glomers.checkers.list_append_explain import _text
from glomers.checkers.list_append_ops import INIT
from glomers.edn import Keyword as K
from glomers.edn import Symbol

from list_append_history import concurrent, history, op

NODES = {"nodes": ["n0", "n1"], "concurrency": 2}


def explained(h, opts):
    return la.explain(la.check(h, opts), h, opts)


def cases(lines):
    return [line for line in lines if not line.startswith(("hint:", "  ", "So "))]


# -- values and txns in words ---------------------------------------------------------------

def test_values_are_spelled_as_clojure_prints_them():
    assert _text(None) == "nil"
    assert _text(INIT) == "the empty list"
    assert _text(True) == "true" and _text(False) == "false"
    assert _text([1, [2, None], (True,)]) == "[1 [2 nil] [true]]"
    assert _text([]) == "[]"
    assert _text(Symbol("...")) == "..."
    assert _text(0) == "0" and _text("k") == "k"
    assert _text({"a": [1, None]}) == "{:a [1 nil]}"


def test_a_valid_result_counts_the_committed_txns_and_names_the_models():
    h = history((0, "ok", [("append", 1, 1)]), (1, "fail", [("append", 1, 2)]),
                (0, "info", [("append", 1, 3)]), (1, "ok", [("r", 1, [1])]))
    opts = {"consistency_models": ["read-committed", "serializable"]}
    assert la.explain({"valid?": True}, h, opts) == [
        "txn-list-append: no anomaly that read-committed, serializable forbids among 2 "
        "committed transactions."]
    assert la.explain({"valid?": True}, h, None) == [
        "txn-list-append: no anomaly that strict-serializable forbids among 2 committed "
        "transactions."]
    assert la.explain({"valid?": True}, h, {"consistency_models": []})[0].startswith(
        "txn-list-append: no anomaly that strict-serializable forbids")


def test_an_error_is_said_before_anything_else():
    result = {"valid?": K("unknown"), "error": "No transaction wrote 1 2", "not": {"x"}}
    assert la.explain(result, [], {}) == [
        "txn-list-append: the checker could not run: No transaction wrote 1 2"]


def test_a_txn_is_described_by_op_process_node_time_and_micro_ops():
    h = history((0, "ok", [("append", 1, 1)]), (3, "ok", [("r", 1, [1, 1]), ("r", 2, None)]))
    opts = {"consistency_models": ["read-uncommitted"], **NODES}
    assert cases(explained(h, opts)) == [
        "duplicate-elements: (op 3, process 3, n1, 3.000 s) [[r 1 [1 1]] [r 2 nil]] read key "
        "1 with 1 (2 times), but each element is appended once."]
    # Without the nodes named, no node is said.
    assert cases(explained(h, {"consistency_models": ["read-uncommitted"]})) == [
        "duplicate-elements: (op 3, process 3, 3.000 s) [[r 1 [1 1]] [r 2 nil]] read key "
        "1 with 1 (2 times), but each element is appended once."]


def test_several_duplicates_in_one_read():
    h = history((0, "ok", [("append", 1, True)]), (1, "ok", [("append", 1, 2)]),
                (2, "ok", [("r", 1, [True, 2, 2, True, 2])]))
    [line] = cases(explained(h, {"consistency_models": ["read-uncommitted"]}))
    # In Clojure's order of the elements (a boolean before a number).
    assert line.endswith("read key 1 with true (2 times), 2 (3 times), but each element is "
                         "appended once.")


# -- each anomaly's line -------------------------------------------------------------------

def test_internal_line():
    h = history((0, "ok", [("append", 9, 6), ("r", 9, None)]), (1, "ok", [("r", 9, [6])]))
    assert cases(explained(h, {"consistency_models": ["serializable"]})) == [
        "internal: (op 1, process 0, 1.000 s) [[append 9 6] [r 9 nil]] read key 9 as nil, "
        "but its own earlier micro-ops imply [... 6]."]


def test_future_read_line():
    h = history((0, "ok", [("r", 1, [5]), ("append", 1, 5)]))
    assert cases(explained(h, {"consistency_models": ["read-committed"]})) == [
        "future-read: (op 1, process 0, 1.000 s) [[r 1 [5]] [append 1 5]] read 5 in key 1 "
        "before appending it itself.",
        "empty-transaction-graph: no dependency at all could be inferred between "
        "transactions (no transaction read another's append and none followed another in "
        "real time), so nothing was checked: Elle calls that :unknown."]


def test_g1a_and_dirty_update_lines():
    h = history((0, "fail", [("append", 1, 1)]), (1, "ok", [("append", 1, 2)]),
                (0, "ok", [("r", 1, [1, 2])]))
    assert cases(explained(h, {"consistency_models": ["read-committed"], **NODES})) == [
        "G1a: (op 5, process 0, n0, 5.000 s) [[r 1 [1 2]]] read 1 in key 1, appended by a "
        "failed transaction: (op 1, process 0, n0, 1.000 s) [[append 1 1]].",
        "dirty-update: key 1: [1 2] — a failed transaction's append ((op 1, process 0, n0, "
        "1.000 s) [[append 1 1]]) is followed by a committed one ((op 3, process 1, n1, "
        "3.000 s) [[append 1 2]])."]


def test_g1b_line():
    h = history((0, "ok", [("append", 1, 1), ("append", 1, 2)]), (1, "ok", [("r", 1, [1])]))
    assert cases(explained(h, {"consistency_models": ["read-committed"]})) == [
        "G1b: (op 3, process 1, 3.000 s) [[r 1 [1]]] read 1 in key 1, appended by a "
        "transaction that appended to the key again afterwards (an intermediate state): "
        "(op 1, process 0, 1.000 s) [[append 1 1] [append 1 2]]."]


def test_incompatible_order_line():
    h = history((0, "ok", [("append", "x", 1)]), (1, "ok", [("append", "x", 2)]),
                (2, "ok", [("r", "x", [1, 2])]), (3, "ok", [("r", "x", [2])]))
    assert "incompatible-order: key x was read as [2] and as [1 2]; neither is a prefix of " \
        "the other, so no single order of appends explains both." in \
        cases(explained(h, {"consistency_models": ["read-committed"]}))


def test_lost_update_line():
    h = history((0, "ok", [("append", 1, 1)]),
                (1, "ok", [("r", 1, [1]), ("append", 1, 2)]),
                (0, "ok", [("r", 1, [1]), ("append", 1, 3)]),
                (1, "ok", [("r", 1, [1, 2, 3])]))
    lines = cases(explained(h, {"consistency_models": ["serializable"], **NODES}))
    assert "lost-update: 2 transactions read key 1 as [1] and each appended to it: (op 3, " \
        "process 1, n1, 3.000 s) [[r 1 [1]] [append 1 2]]; (op 5, process 0, n0, 5.000 s) " \
        "[[r 1 [1]] [append 1 3]]." in lines


def test_at_most_three_cases_of_an_anomaly_then_a_count():
    h = history((0, "fail", [("append", 1, 1)]),
                *[(p, "ok", [("r", 1, [1])]) for p in range(1, 6)])
    lines = cases(explained(h, {"consistency_models": ["read-committed"]}))
    g1a = [line for line in lines if line.startswith("G1a")]
    assert [line.split(" s)")[0] for line in g1a[:3]] == [
        "G1a: (op 3, process 1, 3.000", "G1a: (op 5, process 2, 5.000",
        "G1a: (op 7, process 3, 7.000"]
    assert g1a[3:] == ["G1a: ... and 2 more."]


def test_the_models_the_history_is_not_are_said_last_in_order():
    h = concurrent((0, "ok", [("append", 1, 1), ("append", 2, 2)]),
                   (1, "ok", [("append", 1, 2), ("append", 2, 1)]))
    h += [op(4, "invoke", [("r", 1, None), ("r", 2, None)], 2),
          op(5, "ok", [("r", 1, [1, 2]), ("r", 2, [1, 2])], 2)]
    result = la.check(h, {"consistency_models": ["read-uncommitted"]})
    lines = la.explain(result, h, {"consistency_models": ["read-uncommitted"]})
    assert lines[-1] == "So the history is not " + ", ".join(
        sorted(str(m) for m in result["not"])) + "."
    assert lines[-1] == "So the history is not read-uncommitted."
    result = dict(result, **{"not": frozenset({K("serializable"), K("read-committed")})})
    assert la.explain(result, h, {})[-1] == \
        "So the history is not read-committed, serializable."
    assert not la.explain(dict(result, **{"not": frozenset()}), h, {})[-1].startswith("So ")


# -- cycles step by step ---------------------------------------------------------------------

def test_a_write_cycle_in_words():
    h = concurrent((0, "ok", [("append", 1, 1), ("append", 2, 2)]),
                   (1, "ok", [("append", 1, 2), ("append", 2, 1)]))
    h += [op(4, "invoke", [("r", 1, None), ("r", 2, None)], 2),
          op(5, "ok", [("r", 1, [1, 2]), ("r", 2, [1, 2])], 2)]
    lines = explained(h, {"consistency_models": ["read-uncommitted"], **NODES})
    start = lines.index("G0: a cycle of 2 transactions, so no order of them explains what "
                        "they saw:")
    assert lines[start + 1:start + 5] == [
        "  T1 (op 2, process 0, n0, 2.000 s) [[append 1 1] [append 2 2]]",
        "  T2 (op 3, process 1, n1, 3.000 s) [[append 1 2] [append 2 1]]",
        "  T1 -ww-> T2: T2 appended 2 to key 1 right after T1's 1",
        "  T2 -ww-> T1: T1 appended 2 to key 2 right after T2's 1"]


def test_a_stale_read_in_words():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, None)]))
    lines = explained(h, {})
    start = lines.index("G-single-item-realtime: a cycle of 2 transactions, so no order of "
                        "them explains what they saw:")
    assert lines[start + 1:start + 5] == [
        "  T1 (op 3, process 1, 3.000 s) [[r 1 nil]]",
        "  T2 (op 1, process 0, 1.000 s) [[append 1 1]]",
        "  T1 -rw-> T2: T1 read key 1 empty, missing T2's append of 1",
        "  T2 -realtime-> T1: T2 completed before T1 was invoked"]


def test_a_read_missing_a_later_append_and_a_process_step_in_words():
    h = history((0, "ok", [("append", 1, 1)]), (1, "ok", [("r", 1, [1])]),
                (2, "ok", [("append", 1, 2)]), (1, "ok", [("r", 1, [1, 2])]),
                (2, "ok", [("r", 1, [1])]))
    lines = explained(h, {"consistency_models": ["strong-session-serializable"]})
    start = lines.index("G-single-item-process: a cycle of 2 transactions, so no order of "
                        "them explains what they saw:")
    assert lines[start + 1:start + 5] == [
        "  T1 (op 9, process 2, 9.000 s) [[r 1 [1]]]",
        "  T2 (op 5, process 2, 5.000 s) [[append 1 2]]",
        "  T1 -rw-> T2: T1 read key 1 ending at 1, missing T2's append of 2",
        "  T2 -process-> T1: T2 ran before T1 on process 2"]


def test_circular_information_flow_in_words():
    h = concurrent((0, "ok", [("append", 1, 1), ("r", 2, [1])]),
                   (1, "ok", [("append", 2, 1), ("r", 1, [1])]))
    lines = explained(h, {"consistency_models": ["read-committed"]})
    start = lines.index("G1c: a cycle of 2 transactions, so no order of them explains what "
                        "they saw:")
    assert lines[start + 1:start + 5] == [
        "  T1 (op 2, process 0, 2.000 s) [[append 1 1] [r 2 [1]]]",
        "  T2 (op 3, process 1, 3.000 s) [[append 2 1] [r 1 [1]]]",
        "  T1 -wr-> T2: T2 read T1's append of 1 to key 1",
        "  T2 -wr-> T1: T1 read T2's append of 1 to key 2"]


# -- the other cases -------------------------------------------------------------------------

def test_timeouts_cycle_exists_and_unknown_cases_in_words():
    result = {"valid?": False, "anomalies": {
        "cycle-search-timeout": [{"type": K("cycle-search-timeout"),
                                  "anomaly-spec-type": K("G1c"), "scc-size": 7}],
        "PL-2-cycle-exists": [{"type": K("PL-2-cycle-exists"), "not": K("read-committed"),
                               "scc-size": 4}],
        "weird": [{"a": 1}]}}
    lines = cases(la.explain(result, [], {}))
    assert "cycle-search-timeout: the search for G1c in a group of 7 transactions ran out " \
        "of budget." in lines
    assert "PL-2-cycle-exists: 4 transactions form a cycle, which read-committed " \
        "forbids." in lines
    assert "weird: {:a 1}" in lines
    assert len(lines) == 3


def test_an_anomaly_name_may_be_a_keyword():
    h = history((0, "ok", [("append", 9, 6), ("r", 9, None)]), (1, "ok", [("r", 9, [6])]))
    result = la.check(h, {"consistency_models": ["serializable"]})
    result["anomalies"] = {K(name): found for name, found in result["anomalies"].items()}
    assert cases(la.explain(result, h, {}))[0].startswith("internal: (op 1, process 0,")


def test_a_cycle_of_three_in_words_each_step_to_the_next():
    h = concurrent((0, "ok", [("append", 1, 1), ("r", 3, [1])]),
                   (1, "ok", [("append", 2, 1), ("r", 1, [1])]),
                   (2, "ok", [("append", 3, 1), ("r", 2, [1])]))
    lines = explained(h, {"consistency_models": ["read-committed"]})
    start = lines.index("G1c: a cycle of 3 transactions, so no order of them explains what "
                        "they saw:")
    assert lines[start + 1:start + 7] == [
        "  T1 (op 3, process 0, 3.000 s) [[append 1 1] [r 3 [1]]]",
        "  T2 (op 4, process 1, 4.000 s) [[append 2 1] [r 1 [1]]]",
        "  T3 (op 5, process 2, 5.000 s) [[append 3 1] [r 2 [1]]]",
        "  T1 -wr-> T2: T2 read T1's append of 1 to key 1",
        "  T2 -wr-> T3: T3 read T2's append of 1 to key 2",
        "  T3 -wr-> T1: T1 read T3's append of 1 to key 3"]


def test_internal_and_future_read_lines_name_the_node():
    h = history((1, "ok", [("append", 9, 5)]), (0, "ok", [("append", 9, 6), ("r", 9, [5])]),
                (3, "ok", [("r", 9, [5, 6])]), (2, "ok", [("r", 4, [8]), ("append", 4, 8)]))
    lines = cases(explained(h, {"consistency_models": ["serializable"], **NODES}))
    assert "internal: (op 3, process 0, n0, 3.000 s) [[append 9 6] [r 9 [5]]] read key 9 " \
        "as [5], but its own earlier micro-ops imply [... 6]." in lines
    assert "future-read: (op 7, process 2, n0, 7.000 s) [[r 4 [8]] [append 4 8]] read 8 in " \
        "key 4 before appending it itself." in lines
