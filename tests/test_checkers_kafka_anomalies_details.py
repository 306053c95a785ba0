"""The kafka checker's anomaly finders (glomers/checkers/kafka_anomalies.py) on small
hand-written histories: which error each shape of history gives, and what the error names."""

import pytest

from glomers.checkers import kafka
from glomers.checkers.kafka_anomalies import (KafkaAnalysisError, condensed_unseen,
                                              internal_poll_cases, lost_writes, unseen)
from glomers.checkers.kafka_ops import (History, readers_of, values_by_type, version_orders,
                                        writer_of)
from kafka_history import H, check


def sends(h, key, msgs, process=0, first_offset=0):
    for n, msg in enumerate(msgs):
        h.send(process, key, msg, first_offset + n)


def errs(result, error_type):
    return list(result[error_type]["errs"]) if error_type in result else []


def lost(h):
    """lost_writes straight from a built history."""
    hist = History(h.ops)
    reads_by_type = values_by_type(hist, hist.reads, ("poll", "txn"))
    orders, _ = version_orders(hist, reads_by_type.get("ok", {}))
    return lost_writes(hist, orders, reads_by_type, writer_of(hist), readers_of(hist))


def _unseen_args(hist):
    """unseen's arguments for a decoded history: it, and its reads and writes by type."""
    return (hist, values_by_type(hist, hist.reads, ("poll", "txn")),
            values_by_type(hist, hist.writes, ("send", "txn")))


# --- G1a ---------------------------------------------------------------------------------

def test_g1a_names_the_failed_send_and_the_poll_that_saw_it():
    h = H()
    failed = h.send(0, "9", 1, None, type_="fail")
    h.send(0, "9", 2, 1)
    h.send(0, "8", 1, 0)
    reader = h.poll(1, {"9": [[0, 1], [1, 2]], "8": [[0, 1]]})
    (err,) = errs(check(h), "G1a")
    assert err == {"key": "9", "value": 1, "writer": failed, "reader": reader}


def test_g1a_only_for_ok_polls_and_failed_sends():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    assert "G1a" not in check(h)


# --- precommitted reads (multi-mop txns) ---------------------------------------------------

def test_a_txn_polling_its_own_send_is_a_precommitted_read_once_per_op():
    h = H()
    op = h.txn(0, [["send", "9", 1], ["send", "9", 2], ["send", "8", 5], ["poll"]],
               [["send", "9", [0, 1]], ["send", "9", [1, 2]], ["send", "8", [0, 5]],
                ["poll", {"9": [[0, 1], [1, 2]], "8": [[0, 5]]}]])
    h.txn(1, [["poll"]], [["poll", {"9": [[0, 1], [1, 2]], "8": [[0, 5]]}]])
    (err,) = errs(check(h), "precommitted-read")
    assert err == {"op": op, "key": "9", "value": 1}


def test_sends_and_polls_in_different_ops_are_not_precommitted():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(0, {"9": [[0, 1]]})
    assert "precommitted-read" not in check(h)



def test_a_txn_sending_to_one_key_and_polling_another_is_not_precommitted():
    h = H()
    h.send(1, "8", 5, 0)
    h.txn(0, [["send", "9", 1], ["poll"]], [["send", "9", [0, 1]], ["poll", {"8": [[0, 5]]}]])
    h.poll(1, {"9": [[0, 1]]})
    result = check(h)
    assert "precommitted-read" not in result and result["valid?"] is True

# --- lost writes ---------------------------------------------------------------------------

def test_lost_writes_are_every_acknowledged_message_below_the_highest_poll_in_log_order():
    h = H()
    w1 = h.send(0, "9", 1, 0)
    w2 = h.send(0, "9", 2, 1)
    h.send(0, "9", 3, 2)
    h.send(0, "9", 4, 3)          # above the highest polled offset: unseen, not lost
    first = h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[2, 3]]})
    result = check(h)
    assert [(e["value"], e["index"], e["max-read-index"]) for e in errs(result, "lost-write")] \
        == [(1, 0, 2), (2, 1, 2)]
    assert [e["writer"] for e in errs(result, "lost-write")] == [w1, w2]
    assert all(e["max-read"] is first for e in errs(result, "lost-write"))
    assert result["unseen"]["unseen"] == {"9": 3}


def test_a_message_polled_anywhere_is_not_lost():
    h = H()
    sends(h, "9", [1, 2])
    h.poll(1, {"9": [[0, 1]]})
    h.poll(2, {"9": [[1, 2]]})
    assert "lost-write" not in check(h)


def test_an_uncertain_or_failed_send_never_polled_is_not_lost():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.send(0, "9", 2, None, type_="fail")
    h.poll(3, {"9": [[0, 1]]})    # an :info poll puts 1 and 2 in the log
    h.ops[-1]["value"] = [["poll", {"9": [[0, 1], [1, 2]]}]]
    h.ops[-1]["type"] = "info"
    h.send(1, "9", 3, 2)
    h.poll(2, {"9": [[2, 3]]})
    assert lost(h) == []


def test_an_uncertain_send_some_ok_poll_returned_counts_as_committed():
    h = H()
    h.txn(0, [["send", "9", 1], ["send", "9", 2]], [["send", "9", 1], ["send", "9", 2]],
          type_="info")
    h.send(1, "9", 3, 2)
    h.poll(2, {"9": [[1, 2], [2, 3]]})
    h.op("invoke", 3, "poll", [["poll"]])
    h.op("info", 3, "poll", [["poll", {"9": [[0, 1]]}]])
    (err,) = lost(h)
    assert (err["value"], err["index"], err["max-read-index"]) == (1, 0, 2)


def test_lost_write_bound_is_the_first_index_of_a_polled_message():
    # 2 sits at offsets 1 and 3: the bound is its first dense index, 1, so 3 (index 2)
    # need not have been read, and the message standing at the bound is not at its last
    # index, so no poll is named as having read past.
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.send(0, "9", 3, 2)
    h.send(1, "9", 2, 3)
    h.poll(2, {"9": [[1, 2]]})
    (err,) = lost(h)
    assert (err["value"], err["index"], err["max-read-index"], err["max-read"]) == \
        (1, 0, 1, None)


def test_lost_write_counts_messages_by_their_last_index():
    # 1 sits at offsets 0 and 2; a poll reaching offset 1 need not have seen it.
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.send(1, "9", 1, 2)
    h.poll(2, {"9": [[1, 2]]})
    assert lost(h) == []


def test_lost_write_max_read_is_the_first_poll_of_the_bound_message():
    h = H()
    sends(h, "9", [1, 2])
    h.poll(1, {"9": [[1, 2]]})
    first = h.poll(2, {"9": [[1, 2]]})
    h.ops[-3]["value"] = [["poll", {"8": []}]]   # process 1's poll returned nothing of 9
    h.send(3, "8", 7, 0)
    h.poll(3, {"8": [[0, 7]]})
    (err,) = lost(h)
    assert err["max-read"] is first


def test_lost_write_with_a_polled_message_at_no_known_offset():
    h = H()
    sends(h, "9", [1, 2, 3])
    h.poll(1, {"9": [[None, 1], [2, 3]]})
    assert [e["value"] for e in lost(h)] == [2]


def test_a_message_in_the_log_that_nobody_sent_stops_the_lost_write_analysis():
    h = H()
    h.send(0, "9", 2, 1)
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("info", 1, "poll", [["poll", {"9": [[0, 7]]}]])
    h.poll(2, {"9": [[1, 2]]})
    with pytest.raises(KafkaAnalysisError) as caught:
        lost(h)
    assert caught.value.data == {"type": "no-writer-of", "key": "9", "value": 7}
    assert "no writer" in str(caught.value)


def test_a_key_polled_only_empty_stops_the_lost_write_analysis():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(1, {"8": []})
    with pytest.raises(KafkaAnalysisError) as caught:
        lost(h)
    assert caught.value.data == {"type": "index-out-of-bounds", "key": "8"}


# --- skips and nonmonotonic steps inside one poll ----------------------------------------

def test_inside_a_poll_a_step_of_one_is_fine_and_larger_steps_skip():
    h = H()
    sends(h, "9", [1, 2, 3, 4, 5])
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    skipping = h.poll(2, {"9": [[0, 1], [3, 4], [4, 5]]})
    result = check(h)
    (err,) = errs(result, "int-poll-skip")
    assert err == {"key": "9", "values": [1, 4], "delta": 3, "skipped": (2, 3), "op": skipping}
    assert "int-nonmonotonic-poll" not in result


@pytest.mark.parametrize("pairs,delta", [([[1, 2], [1, 2]], 0), ([[1, 2], [0, 1]], -1),
                                         ([[2, 3], [0, 1]], -2)])
def test_inside_a_poll_a_step_of_zero_or_back_is_nonmonotonic(pairs, delta):
    h = H()
    sends(h, "9", [1, 2, 3])
    op = h.poll(1, {"9": pairs})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    (err,) = errs(result, "int-nonmonotonic-poll")
    assert err == {"key": "9", "values": [pairs[0][1], pairs[1][1]], "delta": delta, "op": op}
    assert "int-poll-skip" not in result


def test_keys_named_in_a_polls_rebalance_log_are_not_checked_inside_it():
    h = H()
    sends(h, "9", [1, 2, 3])
    sends(h, "8", [1, 2, 3])
    h.poll(1, {"9": [[0, 1], [2, 3]], "8": [[0, 1], [2, 3]]},
           **{"rebalance-log": [{"keys": ["9"]}, {"time": 5}]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]], "8": [[0, 1], [1, 2], [2, 3]]})
    hist = History(h.ops)
    orders, _ = version_orders(hist, values_by_type(hist, hist.reads, ("poll",))["ok"])
    skips, backwards = internal_poll_cases(hist, orders)
    assert [e["key"] for e in skips] == ["8"] and backwards == []


def test_each_poll_is_checked_on_its_own_inside():
    h = H()
    sends(h, "9", [1, 2, 3])
    h.poll(1, {"9": [[0, 1]]})
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    assert "int-poll-skip" not in check(h)


# --- the same inside one multi-send txn ----------------------------------------------------

def test_inside_a_txn_sends_that_skip_or_go_back():
    h = H()
    skip = h.txn(0, [["send", "9", 1], ["send", "9", 4]],
                 [["send", "9", [0, 1]], ["send", "9", [3, 4]]])
    back = h.txn(1, [["send", "8", 2], ["send", "8", 1]],
                 [["send", "8", [1, 2]], ["send", "8", [0, 1]]])
    h.send(2, "9", 2, 1)
    h.send(2, "9", 3, 2)
    h.poll(3, {"9": [[0, 1], [1, 2], [2, 3], [3, 4]], "8": [[0, 1], [1, 2]]})
    result = check(h)
    assert errs(result, "int-send-skip") == [
        {"key": "9", "values": [1, 4], "delta": 3, "skipped": (2, 3), "op": skip}]
    assert errs(result, "int-nonmonotonic-send") == [
        {"key": "8", "values": [2, 1], "delta": -1, "op": back}]
    assert result["valid?"] is False
    assert result["bad-error-types"] == ("int-nonmonotonic-send",)



def test_inside_a_txn_sends_are_compared_after_other_ops_and_other_keys():
    h = H()
    h.poll(3, {})
    skip = h.txn(0, [["send", "8", 5], ["send", "9", 1], ["send", "9", 4]],
                 [["send", "8", [0, 5]], ["send", "9", [0, 1]], ["send", "9", [3, 4]]])
    h.send(2, "9", 2, 1)
    h.send(2, "9", 3, 2)
    h.poll(3, {"9": [[0, 1], [1, 2], [2, 3], [3, 4]], "8": [[0, 5]]})
    assert errs(check(h), "int-send-skip") == [
        {"key": "9", "values": [1, 4], "delta": 3, "skipped": (2, 3), "op": skip}]

def test_inside_a_txn_sends_at_unknown_offsets_are_not_compared():
    h = H()
    h.txn(0, [["send", "9", 1], ["send", "9", 3]], [["send", "9", 1], ["send", "9", 3]],
          type_="info")
    h.send(1, "9", 7, 0)
    h.poll(2, {"9": [[0, 7]]})
    result = check(h)
    assert "int-send-skip" not in result and "int-nonmonotonic-send" not in result


# --- skips and nonmonotonic steps across one process's polls --------------------------------

def across(*polls, setup=None):
    """A history of sends of 1..5 to key 9, then process 1's polls (with `setup(h)`
    between the first and the rest), then a full poll by process 2."""
    h = H()
    sends(h, "9", [1, 2, 3, 4, 5])
    ops = [h.poll(1, {"9": polls[0]})]
    if setup:
        setup(h)
    ops += [h.poll(1, {"9": pairs}) for pairs in polls[1:]]
    h.poll(2, {"9": [[n - 1, n] for n in range(1, 6)]})
    return h, ops


def test_the_next_poll_starting_right_after_the_last_is_fine():
    h, _ = across([[0, 1], [1, 2]], [[2, 3]], [[3, 4], [4, 5]])
    assert check(h)["error-types"] == ()


def test_the_next_poll_starting_past_the_next_message_is_a_poll_skip():
    h, ops = across([[0, 1], [1, 2]], [[4, 5]])
    (err,) = errs(check(h), "poll-skip")
    assert err == {"key": "9", "delta": 3, "skipped": (3, 4), "ops": ops}


@pytest.mark.parametrize("second,delta", [([[1, 2]], 0), ([[0, 1], [1, 2]], -1)])
def test_the_next_poll_at_or_before_the_last_is_nonmonotonic(second, delta):
    h, ops = across([[0, 1], [1, 2]], second)
    (err,) = errs(check(h), "nonmonotonic-poll")
    assert err == {"key": "9", "values": [2, second[0][1]], "delta": delta, "ops": ops}


def test_polls_of_different_processes_are_not_compared():
    h = H()
    sends(h, "9", [1, 2, 3])
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    h.poll(3, {"9": [[0, 1]]})
    assert check(h)["error-types"] == ()


def test_polls_of_different_keys_are_not_compared():
    h = H()
    sends(h, "9", [1, 2, 3])
    sends(h, "8", [1, 2, 3])
    h.poll(1, {"9": [[0, 1]]})
    h.poll(1, {"8": [[2, 3]]})
    h.poll(1, {"9": [[1, 2], [2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]], "8": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    assert "poll-skip" not in result and "nonmonotonic-poll" not in result


def test_an_empty_poll_result_of_a_key_compares_with_nothing_and_is_remembered():
    # An :ok poll that returned the key with no messages has no last message: the next
    # poll of that key is compared with nothing.
    h, _ = across([[0, 1]], [], [[3, 4]])
    result = check(h)
    assert "poll-skip" not in result and "nonmonotonic-poll" not in result
    h, _ = across([[0, 1]], [], [[0, 1]])
    assert "nonmonotonic-poll" not in check(h)


def test_a_poll_that_returned_nothing_of_a_key_keeps_the_last_one_that_did():
    h, ops = across([[0, 1]], [[4, 5]], setup=lambda h: h.poll(1, {}))
    assert [e["ops"] for e in errs(check(h), "poll-skip")] == [ops]


def test_an_uncertain_poll_is_compared_but_not_remembered():
    def uncertain(h):
        h.poll(1, {"9": [[1, 2]]}, type_="info")
    h, (first, last) = across([[0, 1]], [[2, 3]], setup=uncertain)
    (err,) = errs(check(h), "poll-skip")
    assert err["ops"] == [first, last] and err["skipped"] == (2,)


@pytest.mark.parametrize("type_,f,keys,forgets", [
    ("ok", "assign", ["8"], True), ("info", "assign", ["8"], True),
    ("ok", "subscribe", ["8"], True), ("ok", "assign", ["8", "9"], False),
    ("fail", "assign", ["8"], False), ("ok", "assign", [], True)])
def test_an_assign_forgets_the_last_poll_of_keys_no_longer_assigned(type_, f, keys, forgets):
    h, _ = across([[0, 1]], [[3, 4]], setup=lambda h: h.assign(1, keys, type_=type_, f=f))
    assert ("poll-skip" in check(h)) is not forgets


def test_an_assign_with_no_value_forgets_every_key():
    def assign(h):
        h.op("invoke", 1, "assign", None)
        h.op("ok", 1, "assign", None)
    h, _ = across([[0, 1]], [[3, 4]], setup=assign)
    assert "poll-skip" not in check(h)


def test_the_assign_invocation_alone_forgets_nothing():
    def invoke_only(h):
        h.op("invoke", 1, "assign", ["8"])
    h, _ = across([[0, 1]], [[3, 4]], setup=invoke_only)
    assert "poll-skip" in check(h)


def test_poll_skips_in_txns_too():
    h = H()
    sends(h, "9", [1, 2, 3])
    h.txn(1, [["poll"]], [["poll", {"9": [[0, 1]]}]])
    h.txn(1, [["poll"]], [["poll", {"9": [[2, 3]]}]])
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    assert [e["delta"] for e in errs(check(h), "poll-skip")] == [2]


# --- nonmonotonic sends across one process's sends ----------------------------------------

def two_sends(first_type="ok", middle=None, second_offset=0, process2=0):
    h = H()
    first = h.send(0, "9", 1, 1, type_=first_type)
    if middle:
        middle(h)
    second = h.send(process2, "9", 2, second_offset)
    if first_type != "ok":
        h.ops[first["index"]]["value"] = [["send", "9", 1]]
    h.poll(3, {"9": [[0, 2], [1, 1]]} if second_offset == 0 else {"9": [[1, 1], [2, 2]]})
    return h, [first, second]


def test_a_later_send_landing_before_an_earlier_one_is_nonmonotonic():
    h, ops = two_sends()
    (err,) = errs(check(h), "nonmonotonic-send")
    assert err == {"key": "9", "values": [1, 2], "delta": -1, "ops": ops}


def test_a_later_send_landing_after_is_fine():
    h, _ = two_sends(second_offset=2)
    assert "nonmonotonic-send" not in check(h)


def test_an_uncertain_send_whose_message_was_polled_counts_for_send_order():
    h, _ = two_sends(first_type="info")
    assert [e["delta"] for e in errs(check(h), "nonmonotonic-send")] == [-1]


def test_sends_of_different_processes_are_not_compared():
    h, _ = two_sends(process2=1)
    assert "nonmonotonic-send" not in check(h)


def test_a_failed_send_between_is_not_remembered():
    h, ops = two_sends(middle=lambda h: h.send(0, "9", 5, None, type_="fail"))
    assert [e["ops"] for e in errs(check(h), "nonmonotonic-send")] == [ops]


def test_an_uncertain_send_between_replaces_the_last_send_and_is_not_ordered():
    h, _ = two_sends(middle=lambda h: h.send(0, "9", 5, None, type_="info"))
    assert "nonmonotonic-send" not in check(h)


@pytest.mark.parametrize("type_,keys,forgets", [("ok", ["8"], True), ("info", ["8"], True),
                                                ("ok", ["9"], False), ("fail", ["8"], False)])
def test_an_assign_forgets_the_last_send_of_keys_no_longer_assigned(type_, keys, forgets):
    h, _ = two_sends(middle=lambda h: h.assign(0, keys, type_=type_))
    assert ("nonmonotonic-send" in check(h)) is not forgets


def test_sends_with_no_known_offset_are_not_compared():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.send(0, "9", 2, None, type_="info")
    h.send(1, "8", 1, 0)
    h.poll(2, {"8": [[0, 1]]})
    assert "nonmonotonic-send" not in check(h)
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.send(0, "9", 2, 0)
    h.poll(2, {"9": [[0, 2]]})
    assert "nonmonotonic-send" not in check(h)


# --- duplicates ------------------------------------------------------------------------------

def test_a_message_at_several_offsets_is_one_duplicate_naming_them_all():
    h = H()
    sends(h, "9", [1, 2, 1, 3, 1])
    h.send(0, "8", 1, 0)
    h.poll(1, {"9": [[n, m] for n, m in enumerate([1, 2, 1, 3, 1])], "8": [[0, 1]]})
    (err,) = errs(check(h), "duplicate")
    assert err == {"key": "9", "value": 1, "count": 3, "offsets": [0, 2, 4]}


# --- unseen ----------------------------------------------------------------------------------

def test_unseen_counts_per_key_and_shows_the_32_smallest():
    h = H()
    msgs = list(range(40, 0, -1))
    sends(h, "9", msgs)
    sends(h, "8", [1, 2])
    sends(h, "7", [1])
    h.poll(1, {"8": [[0, 1], [1, 2]]})
    result = check(h)["unseen"]
    assert result["unseen"] == {"9": 40, "7": 1}
    assert list(result["unseen"]) == ["7", "9"]
    assert result["messages"]["9"] == tuple(range(1, 33))
    assert result["messages"]["7"] == (1,)
    assert result["time"] == h.ops[-1]["time"]


def test_unseen_is_as_of_the_last_ok_op():
    h = H()
    sends(h, "9", [1, 2])
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    h.send(0, "9", 3, None, type_="info")
    h.poll(1, {}, type_="info")
    assert "unseen" not in check(h)
    assert unseen(*_unseen_args(History(h.ops)))["time"] == h.ops[5]["time"]


def test_no_ok_op_means_no_unseen():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    assert unseen(*_unseen_args(History(h.ops))) is None
    assert condensed_unseen(History(h.ops), None) is None


def test_a_key_first_met_in_the_last_op_a_poll_counts_its_messages_as_unseen():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "5", 1, None, type_="info")
    h.send(0, "5", 2, None, type_="info")
    h.poll(1, {"9": [[0, 1]], "5": [[0, 1], [1, 2]]})
    assert check(h)["unseen"]["unseen"] == {"5": 2}
    h.send(0, "4", 1, 0)
    h.poll(1, {"4": [[0, 1]]})
    assert "unseen" not in check(h)


def test_a_key_sent_and_polled_in_the_last_op_is_not_counted_as_fresh():
    h = H()
    h.txn(0, [["send", "9", 1], ["poll"]],
          [["send", "9", [0, 1]], ["poll", {"9": [[0, 1]]}]])
    h.txn(1, [["poll"]], [["poll", {"9": [[0, 1]]}]])
    h.ops[-1]["value"] = [["poll", {"9": [[0, 1]]}]]
    hist = History(h.ops[:2])
    assert condensed_unseen(hist, unseen(*_unseen_args(hist))) is None


def test_unseen_counts_ok_sends_only():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, None, type_="fail")
    h.poll(1, {})
    assert check(h)["unseen"]["unseen"] == {"9": 1}



def test_without_an_ok_poll_every_acknowledged_message_is_unseen():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    assert check(h)["unseen"]["unseen"] == {"9": 2}


def test_without_an_ok_send_only_a_fresh_key_of_the_last_poll_is_unseen():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.poll(1, {"9": [[0, 1]]})
    assert check(h)["unseen"]["unseen"] == {"9": 1}
    # Polled by an earlier :ok poll, the key is no longer fresh in the last one.
    h.poll(1, {"9": [[0, 1]]})
    assert "unseen" not in check(h)

def test_the_analysis_error_carries_its_data():
    error = KafkaAnalysisError("boom", {"type": "x"})
    assert str(error) == "boom" and error.data == {"type": "x"}
    assert kafka.KafkaAnalysisError is KafkaAnalysisError


# --- more edges, each telling a mistake apart ------------------------------------------------

def test_a_message_at_exactly_two_offsets_is_a_duplicate():
    h = H()
    sends(h, "9", [1, 2, 1])
    h.poll(1, {"9": [[0, 1], [1, 2], [2, 1]]})
    (err,) = errs(check(h), "duplicate")
    assert (err["value"], err["count"], err["offsets"]) == (1, 2, [0, 2])


def test_no_ok_poll_means_no_lost_write():
    h = H()
    sends(h, "9", [1, 2])
    h.poll(1, {"9": [[0, 1]]}, type_="info")
    assert lost(h) == []


def test_a_lost_write_names_its_key():
    h = H()
    sends(h, "9", [1, 2])
    sends(h, "8", [1, 2])
    h.poll(1, {"8": [[1, 2]], "9": [[0, 1], [1, 2]]})
    assert [(e["key"], e["value"]) for e in lost(h)] == [("8", 1)]


def test_lost_writes_at_one_offset_in_clojure_set_order():
    # 7 and 1 were both acknowledged at offset 0 (Clojure's set order puts 7 first); a poll
    # past them returned 5 and only one of them, or neither.
    for polled, lost_values in (([], [7, 1]), ([[0, 7]], [1]), ([[0, 1]], [7])):
        h = H()
        h.send(0, "9", 1, 0)
        h.send(1, "9", 7, 0)
        h.send(0, "9", 5, 1)
        h.poll(2, {"9": polled + [[1, 5]]})
        assert [e["value"] for e in lost(h)] == lost_values


def test_a_key_nobody_sent_to_stops_the_lost_write_analysis():
    h = H()
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("info", 1, "poll", [["poll", {"5": [[0, 7]]}]])
    h.poll(2, {"5": [[1, 8]]})
    with pytest.raises(KafkaAnalysisError) as caught:
        lost(h)
    assert caught.value.data == {"type": "no-writer-of", "key": "5", "value": 7}


def test_the_empty_key_error_says_why():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(1, {"8": []})
    with pytest.raises(KafkaAnalysisError, match="lost-write analysis of key '8'"):
        lost(h)


def test_a_subscribe_forgets_the_last_send_of_keys_no_longer_subscribed():
    h, _ = two_sends(middle=lambda h: h.assign(0, ["8"], f="subscribe"))
    assert "nonmonotonic-send" not in check(h)


def test_sends_in_txns_are_compared_across_ops():
    h = H()
    first = h.txn(0, [["send", "9", 1]], [["send", "9", [1, 1]]])
    second = h.txn(0, [["send", "9", 2]], [["send", "9", [0, 2]]])
    h.poll(1, {"9": [[0, 2], [1, 1]]})
    assert [e["ops"] for e in errs(check(h), "nonmonotonic-send")] == [[first, second]]


def test_a_poll_or_an_empty_send_between_two_sends_changes_nothing():
    def between(h):
        h.poll(0, {})
        h.op("invoke", 0, "send", None)
        h.op("ok", 0, "send", None)
    h, ops = two_sends(middle=between)
    assert [e["ops"] for e in errs(check(h), "nonmonotonic-send")] == [ops]


def test_a_poll_without_a_value_between_two_polls_changes_nothing():
    def between(h):
        h.op("invoke", 1, "poll", None)
        h.op("ok", 1, "poll", None)
        h.send(1, "8", 1, 0)
    h, ops = across([[0, 1]], [[3, 4]], setup=between)
    assert [e["ops"] for e in errs(check(h), "poll-skip")] == [ops]


def test_a_key_polled_for_the_first_time_does_not_hide_the_others():
    h = H()
    sends(h, "9", [1, 2, 3])
    sends(h, "8", [1])
    h.poll(1, {"9": [[0, 1]]})
    h.poll(1, {"8": [[0, 1]], "9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    assert [e["key"] for e in errs(check(h), "poll-skip")] == ["9"]
