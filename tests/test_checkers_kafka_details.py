"""Details of the kafka checker's result (glomers/checkers/kafka.py): one small history per
error type Jepsen's analysis names, the verdict's allowed types, the result's keys,
`:info-txn-causes`, and how each error list is trimmed for printing."""

import pytest

from glomers.checkers import kafka
from glomers.edn import Keyword as K
from kafka_history import H

NONE = {"time": 0.0, "lag": 0.0}


def check(h):
    return kafka.check(h.ops, {})


def count(result, error_type):
    return result[error_type]["count"]


def clean():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(1, "k", 2, 1)
    h.poll(2, {"k": [[0, 1], [1, 2]]})
    return h


def test_a_clean_history_gives_every_key_in_maelstrom_s_order():
    result = check(clean())
    assert list(result) == ["valid?", "worst-realtime-lag", "bad-error-types", "error-types",
                            "info-txn-causes"]
    assert result["valid?"] is True
    assert result["bad-error-types"] == () and result["error-types"] == ()
    assert result["info-txn-causes"] == ()
    assert result["worst-realtime-lag"] == {"time": 4.0, "process": 2, "key": "k", "lag": 0.0}


def test_an_empty_history_is_valid_with_nothing_to_report():
    for ops in ([], [{"process": "nemesis", "type": "info", "f": "start", "value": None,
                      "time": 0, "index": 0}]):
        result = kafka.check(ops)
        assert result["valid?"] is True and result["error-types"] == ()
        assert result["worst-realtime-lag"] == NONE


def test_error_types_are_sorted_keywords_with_one_condensed_entry_each():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)
    h.send(0, "k", 3, 2)
    h.poll(1, {"k": [[2, 3]]})                 # messages 1 and 2 lost
    result = check(h)
    assert result["error-types"] == (K("lost-write"), K("unseen"))
    assert all(isinstance(t, K) for t in result["error-types"] + result["bad-error-types"])
    assert result["bad-error-types"] == (K("lost-write"), K("unseen"))
    assert list(result)[5:] == ["lost-write", "unseen"]
    assert count(result, "lost-write") == 2
    assert isinstance(result["lost-write"]["errs"], tuple)
    assert result["unseen"]["unseen"] == {"k": 2}
    assert result["valid?"] is False


def test_a_duplicate():
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": [[0, 1], [1, 1]]})
    result = check(h)
    assert count(result, "duplicate") == 1
    assert result["duplicate"]["errs"][0]["offsets"] == [0, 1]
    assert "duplicate" in result["bad-error-types"]


def test_internal_poll_skip_and_nonmonotonic_poll():
    h = H()
    for msg in (1, 2, 3):
        h.send(0, "k", msg, msg - 1)
    h.poll(1, {"k": [[1, 2], [0, 1], [2, 3]]})
    h.poll(2, {"k": [[0, 1], [2, 3]]})
    h.poll(3, {"k": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    assert count(result, "int-poll-skip") == 2
    assert count(result, "int-nonmonotonic-poll") == 1
    assert {"int-poll-skip", "int-nonmonotonic-poll"} <= set(result["bad-error-types"])


def test_internal_send_skip_is_allowed_and_internal_nonmonotonic_send_is_not():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1], ["send", "k", 3]])
    h.op("ok", 0, "send", [["send", "k", [0, 1]], ["send", "k", [2, 3]]])
    h.send(1, "k", 2, 1)
    h.poll(2, {"k": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    assert result["error-types"] == ("int-send-skip",) and result["valid?"] is True
    assert count(result, "int-send-skip") == 1
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 2], ["send", "k", 1]])
    h.op("ok", 0, "send", [["send", "k", [1, 2]], ["send", "k", [0, 1]]])
    h.poll(2, {"k": [[0, 1], [1, 2]]})
    result = check(h)
    assert count(result, "int-nonmonotonic-send") == 1
    assert result["bad-error-types"] == ("int-nonmonotonic-send",)


def test_inconsistent_offsets_print_their_messages_as_a_sorted_set():
    h = H()
    h.send(0, "k", 2, 0)
    h.send(1, "k", 1.5, 0)
    h.poll(2, {"k": [[0, 2]]})
    result = check(h)
    (err,) = result["inconsistent-offsets"]["errs"]
    assert err["values"] == frozenset({1.5, 2}) and err["offset"] == 0
    assert "inconsistent-offsets" in result["bad-error-types"]


def test_inconsistent_offsets_of_messages_clojure_cannot_compare_fail_the_analysis():
    h = H()
    h.send(0, "k", 2, 0)
    h.send(1, "k", "two", 0)
    h.poll(2, {"k": [[0, 2]]})
    with pytest.raises(TypeError):
        check(h)


def test_a_precommitted_read():
    h = H()
    h.op("invoke", 0, "txn", [["send", "k", 1], ["poll"]])
    h.op("ok", 0, "txn", [["send", "k", [0, 1]], ["poll", {"k": [[0, 1]]}]])
    h.poll(1, {"k": [[0, 1]]})
    result = check(h)
    assert count(result, "precommitted-read") == 1
    assert "precommitted-read" in result["bad-error-types"]


def test_g1a_needs_a_failed_send_and_an_ok_poll():
    h = H()
    h.send(0, "k", 1, None, type_="fail")
    h.send(0, "k", 2, 1)
    h.poll(1, {"k": [[0, 1], [1, 2]]})
    result = check(h)
    assert count(result, "G1a") == 1
    assert result["G1a"]["errs"][0]["value"] == 1
    h = H()
    h.send(0, "k", 1, None, type_="fail")
    h.send(0, "k", 2, 1)
    h.poll(1, {"k": [[1, 2]]})
    h.poll(3, {"k": [[0, 1], [1, 2]]}, type_="info")   # an :info poll is no evidence
    assert "G1a" not in check(h)["error-types"]


def test_nonmonotonic_poll_and_poll_skip():
    h = H()
    for msg in (1, 2, 3):
        h.send(0, "k", msg, msg - 1)
    h.poll(1, {"k": [[0, 1], [1, 2]]})
    h.poll(1, {"k": [[1, 2]]})                 # back: nonmonotonic
    h.poll(2, {"k": [[0, 1]]})
    h.poll(2, {"k": [[2, 3]]})                 # skips 2
    result = check(h)
    assert count(result, "nonmonotonic-poll") == 1
    assert count(result, "poll-skip") == 1
    assert {"nonmonotonic-poll", "poll-skip"} <= set(result["bad-error-types"])


def test_a_nonmonotonic_send():
    h = H()
    h.send(0, "k", 1, 1)
    h.send(0, "k", 2, 0)
    h.poll(1, {"k": [[0, 2], [1, 1]]})
    result = check(h)
    assert result["bad-error-types"] == ("nonmonotonic-send",)
    assert count(result, "nonmonotonic-send") == 1


def test_lost_write_uses_ok_polls_only():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)
    h.poll(1, {"k": [[1, 2]]})
    result = check(h)
    assert count(result, "lost-write") == 1
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)
    h.poll(1, {"k": [[0, 1], [1, 2]]})
    h.poll(2, {"k": [[1, 2]]}, type_="info")
    assert "lost-write" not in check(h)["error-types"]


def test_a_cycle_is_found_and_is_not_allowed():
    h = H()
    h.poll(1, {"k": [[0, 1]]})
    h.send(0, "k", 1, 0)
    result = check(h)
    assert count(result, "G1c-realtime") == 1
    assert count(result, "strong-PL-2-cycle-exists") == 1
    assert result["valid?"] is False


def test_an_empty_transaction_graph():
    h = H()
    h.send(0, "k", 1, 0)
    result = check(h)
    assert result["empty-transaction-graph"] == {"count": 1, "errs": True}
    assert result["bad-error-types"] == ("empty-transaction-graph", "unseen")


def test_the_allowed_error_types_are_maelstrom_s():
    assert kafka.ALLOWED_ERROR_TYPES == {"int-send-skip", "G0", "G0-process", "G0-realtime",
                                         "PL-1-cycle-exists", "strong-PL-1-cycle-exists"}


@pytest.mark.parametrize("allowed", sorted(kafka.ALLOWED_ERROR_TYPES))
def test_only_errors_outside_the_allowed_set_invalidate(monkeypatch, allowed):
    found = {allowed: [{"steps": [1], "delta": 2}]}
    monkeypatch.setattr(kafka, "analyze", lambda hist: found)
    result = check(clean())
    assert result["valid?"] is True and result["bad-error-types"] == ()
    assert result["error-types"] == (K(allowed),)
    found["G1c"] = [{"steps": [1, 2]}]
    result = check(clean())
    assert result["valid?"] is False and result["bad-error-types"] == (K("G1c"),)


def test_info_txn_causes_are_the_distinct_errors_of_info_sends_and_polls_in_order():
    h = clean()
    h.send(3, "k", 9, None, type_="info")["error"] = K("net-timeout")
    h.poll(4, {}, type_="info")["error"] = [1, "crash"]
    h.poll(5, {}, type_="info")["error"] = K("net-timeout")
    h.poll(6, {}, type_="info")["error"] = [1.0, "crash"]   # not the same under Clojure's =
    h.op("invoke", 7, "txn", [["poll"]])
    h.op("info", 7, "txn", [["poll"]], error="txn")
    h.send(8, "k", 10, None, type_="info")                  # no :error: nil
    h.op("invoke", 9, "assign", ["k"])
    h.op("info", 9, "assign", ["k"], error="assign")       # not a send or poll
    h.send(3, "k", 11, None, type_="fail")["error"] = "failed"
    result = check(h)
    assert result["info-txn-causes"] == (K("net-timeout"), [1, "crash"], [1.0, "crash"],
                                         "txn", None)
    assert type(result["info-txn-causes"][2][0]) is float


# --- condense -----------------------------------------------------------------------------

def deltas(condensed):
    return [e["delta"] for e in condensed["errs"]]


DELTAS = [5, 2, 9, 3, 7, 4, 6, 8, 10, 11, 1]


@pytest.mark.parametrize("error_type", ["int-nonmonotonic-poll", "int-nonmonotonic-send",
                                        "nonmonotonic-poll", "nonmonotonic-send"])
def test_backwards_errors_keep_the_eight_smallest_deltas(error_type):
    condensed = kafka.condense(error_type, [{"delta": d} for d in DELTAS])
    assert condensed["count"] == 11 and deltas(condensed) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert isinstance(condensed["errs"], tuple)


@pytest.mark.parametrize("error_type", ["int-poll-skip", "int-send-skip", "poll-skip"])
def test_skips_keep_the_eight_largest_deltas(error_type):
    condensed = kafka.condense(error_type, [{"delta": d} for d in DELTAS])
    assert condensed["count"] == 11 and deltas(condensed) == [4, 5, 6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize("error_type", ["G0", "G0-process", "G0-realtime", "G1c",
                                        "G1c-process", "G1c-realtime"])
def test_cycles_keep_the_eight_shortest(error_type):
    errs = [{"steps": [None] * n} for n in DELTAS]
    condensed = kafka.condense(error_type, errs)
    assert condensed["count"] == 11
    assert [len(e["steps"]) for e in condensed["errs"]] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_duplicates_keep_the_32_with_fewest_copies():
    errs = [{"count": n} for n in range(40, 0, -1)]
    condensed = kafka.condense("duplicate", errs)
    assert condensed["count"] == 40
    assert [e["count"] for e in condensed["errs"]] == list(range(1, 33))


def test_inconsistent_offsets_keep_the_32_with_fewest_messages():
    errs = [{"values": set(range(n))} for n in range(40, 0, -1)]
    condensed = kafka.condense("inconsistent-offsets", errs)
    assert condensed["count"] == 40
    assert [len(e["values"]) for e in condensed["errs"]] == list(range(1, 33))


def test_other_error_types_are_kept_whole_in_their_order():
    errs = [{"delta": d} for d in DELTAS] * 4
    condensed = kafka.condense("lost-write", errs)
    assert condensed == {"count": 44, "errs": tuple(errs)}
    assert kafka.condense("G1a", tuple(errs[:3])) == {"count": 3, "errs": tuple(errs[:3])}


def test_the_count_of_an_error_is_its_size_or_one():
    assert kafka.condense("x", {"a": 1, "b": 2}) == {"count": 2, "errs": {"a": 1, "b": 2}}
    assert kafka.condense("x", {1, 2, 3})["count"] == 3
    assert kafka.condense("x", frozenset({1, 2, 3, 4}))["count"] == 4
    assert kafka.condense("x", (1, 2)) == {"count": 2, "errs": (1, 2)}
    assert kafka.condense("empty-transaction-graph", True) == {"count": 1, "errs": True}


def test_unseen_is_kept_in_its_printed_shape():
    printed = {"time": 5, "unseen": {"k": 1}, "messages": {"k": (3,)}}
    assert kafka.condense("unseen", printed) is printed


# --- txn ops and odd completions ------------------------------------------------------------

def test_a_txn_poll_is_evidence_like_a_poll():
    h = H()
    h.send(0, "k", 1, None, type_="fail")
    h.send(0, "k", 2, 0)
    h.send(0, "k", 3, 1)
    h.op("invoke", 1, "txn", [["poll"]])
    h.op("ok", 1, "txn", [["poll", {"k": [[1, 3], [2, 1]]}]])
    result = check(h)
    assert count(result, "G1a") == 1                  # failed message 1, polled by a txn
    assert count(result, "lost-write") == 1           # message 2, below the txn's poll


def test_a_failed_txn_send_polled_is_g1a():
    h = H()
    h.op("invoke", 0, "txn", [["send", "k", 1]])
    h.op("fail", 0, "txn", [["send", "k", 1]])
    h.poll(1, {"k": [[0, 1]]})
    result = check(h)
    assert count(result, "G1a") == 1 and result["G1a"]["errs"][0]["value"] == 1


def test_an_info_send_some_ok_poll_returned_is_in_the_version_order():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 2]])
    h.op("info", 0, "send", [["send", "k", [1, 2]]])  # took effect at offset 1
    h.send(1, "k", 1, 0)
    h.send(1, "k", 3, 1)                              # offset 1 again
    h.poll(2, {"k": [[0, 1]]})
    h.poll(3, {"k": [[0, 1], [1, 3]]})
    h.op("invoke", 3, "poll", [["poll"]])
    h.op("ok", 3, "poll", [["poll", {"k": [[5, 2]]}]])
    result = check(h)
    (err,) = result["inconsistent-offsets"]["errs"]
    assert err["offset"] == 1 and err["values"] == frozenset({2, 3})


def test_an_ok_poll_without_a_readable_value_polled_nothing():
    h = clean()
    h.op("invoke", 3, "poll", [["poll"]])
    h.op("ok", 3, "poll", None)
    result = check(h)
    assert result["valid?"] is True and result["error-types"] == ()


def test_a_lone_op_orders_nothing():
    # A graph without edges is Elle's empty transaction graph (spec: workloads-more.md).
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1]])
    result = check(h)
    assert result["error-types"] == ("empty-transaction-graph",)
    assert result["valid?"] is False


def test_info_sends_without_any_ok_poll_took_effect_nowhere():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1]])
    h.op("info", 0, "send", [["send", "k", [0, 1]]])
    h.send(1, "k", 2, 0)
    result = check(h)
    assert result["error-types"] == ("empty-transaction-graph", "unseen")
    assert "inconsistent-offsets" not in result       # the :info send is not in the order
    assert result["unseen"]["unseen"] == {"k": 1}
