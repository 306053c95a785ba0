"""Details of the facts the kafka checker starts from (glomers/checkers/kafka_ops.py): which
ops count, what each op sent and polled, invocations, messages under Clojure equality, the
per-key version orders and inconsistent offsets, and who sent and who polled each message."""

from glomers.checkers.kafka_clj import clj_first
from glomers.checkers.kafka_ops import (History, VersionOrder, must_have_committed,
                                        readers_of, values_by_type, version_orders, vkey,
                                        writer_of)
from glomers.values import clj_key
from kafka_history import H


def test_messages_are_told_apart_by_clojure_equality():
    assert vkey(1) == 1 and type(vkey(1)) is int
    keys = {vkey(v) for v in (1, 1.0, True, "1", None, [1])}
    assert len(keys) == 6
    assert vkey(True) == clj_key(True) and vkey(2.0) == clj_key(2.0)
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 1.0, 1)
    h.send(0, "k", True, 2)
    hist = History(h.ops)
    assert [hist.writes[i]["k"][0][1] for i in (1, 3, 5)] == [1, clj_key(1.0), clj_key(True)]
    assert hist.original == {1: 1, clj_key(1.0): 1.0, clj_key(True): True}
    assert type(hist.original[clj_key(1.0)]) is float


def test_the_first_writing_of_a_message_is_the_original_kept():
    h = H()
    h.send(0, "k", [1, 2], 0)
    h.send(1, "k", (1, 2), 1)
    hist = History(h.ops)
    assert hist.original[clj_key([1, 2])] == [1, 2]


def test_only_ops_of_integer_processes_count():
    h = H()
    h.send(0, "k", 1, 0)
    h.op("info", "nemesis", "start-partition", None)
    h.op("info", True, "poll", [["poll", {"k": [[0, 1]]}]])
    h.op("info", None, "poll", [["poll", {"k": [[0, 1]]}]])
    h.op("info", 2.0, "poll", [["poll", {"k": [[0, 1]]}]])
    h.poll(3, {"k": [[0, 1]]})
    hist = History(h.ops)
    assert [op["process"] for op in hist.ops] == [0, 0, 3, 3]
    assert hist.completions == [1, 3]


def test_what_a_poll_returned_per_key_in_order():
    h = H()
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("ok", 1, "poll", [["poll", {"k": [[3, 30], [1, 10]], "j": [[0, "x"]]}],
                           ["poll", {"k": [[5, 50]]}], ["poll", {}], ["poll"],
                           ["send", "k", [9, 90]]])
    hist = History(h.ops)
    assert hist.reads[0] == {}                # the invocation's [:poll]: nothing yet
    assert hist.reads[1] == {"k": [(3, 30), (1, 10), (5, 50)], "j": [(0, clj_key("x"))]}
    assert hist.writes[1] is None             # a poll's value holds no sends
    assert hist.original[clj_key("x")] == "x"


def test_short_pairs_read_as_missing_offset_or_message():
    h = H()
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("ok", 1, "poll", [["poll", {"k": [[], [4]]}]])
    hist = History(h.ops)
    assert hist.reads[1] == {"k": [(None, clj_key(None)), (4, clj_key(None))]}


def test_ops_without_a_list_value_or_of_other_functions_send_and_poll_nothing():
    h = H()
    h.op("invoke", 1, "assign", ["k"])
    h.op("ok", 1, "assign", ["k"])
    h.op("invoke", 1, "poll", None)
    h.op("info", 1, "poll", None)
    h.op("invoke", 1, "send", "junk")
    h.op("info", 1, "send", "junk")
    hist = History(h.ops)
    assert hist.reads == [None] * 6 and hist.writes == [None] * 6
    h = H()
    h.op("ok", 1, "subscribe", [["poll", {"k": [[0, 1]]}], ["send", "k", [0, 1]]])
    hist = History(h.ops)
    assert hist.reads == [None] and hist.writes == [None]


def test_a_txn_both_sends_and_polls():
    h = H()
    h.op("invoke", 1, "txn", [["send", "k", 7], ["poll"]])
    h.op("ok", 1, "txn", [["send", "k", [2, 7]], ["poll", {"j": [[0, 8]]}]])
    hist = History(h.ops)
    assert hist.writes == [{"k": [(None, 7)]}, {"k": [(2, 7)]}]
    assert hist.reads == [{}, {"j": [(0, 8)]}]


def test_what_a_send_sent_with_its_offset_once_acked():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 5], ["send", "j", 6], ["send", "k", 7]])
    h.op("ok", 0, "send", [["send", "k", [3, 5]], ["poll", {"k": [[0, 1]]}],
                           ["send", "j", [4, 6]], ["send", "k", [8]], ["send", "k", []]])
    hist = History(h.ops)
    assert hist.writes[0] == {"k": [(None, 5), (None, 7)], "j": [(None, 6)]}
    assert hist.writes[1] == {"k": [(3, 5), (8, clj_key(None)), (None, clj_key(None))],
                              "j": [(4, 6)]}
    assert hist.reads[1] is None              # a send's value holds no polls


def test_each_completion_knows_its_invocation():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1]])          # 0
    h.op("invoke", 1, "poll", [["poll"]])                  # 1
    h.op("ok", 1, "poll", [["poll", {}]])                  # 2
    h.op("invoke", 1, "poll", [["poll"]])                  # 3
    h.op("info", 0, "send", [["send", "k", 1]])            # 4
    h.op("fail", 1, "poll", [["poll"]])                    # 5
    h.op("ok", 2, "poll", [["poll", {}]])                  # 6: never invoked
    h.op("invoke", 0, "poll", [["poll"]])                  # 7: never completed
    hist = History(h.ops)
    assert hist.invocation == [None, None, 1, None, 0, 3, None, None]
    assert hist.completions == [2, 4, 5, 6]


def test_a_version_order_enumerates_the_offsets_seen():
    order = VersionOrder({7: {70}, 2: {20}, 4: {41, 40}})
    assert order.offsets == [2, 4, 7]
    assert order.by_index == [20, clj_first({40, 41}), 70]
    assert order.by_value == {20: 0, clj_first({40, 41}): 1, 70: 2}
    assert order.sets() == [{20}, {40, 41}, {70}]
    assert order.log == {7: {70}, 2: {20}, 4: {41, 40}}


def test_a_message_at_several_offsets_stands_at_its_last():
    order = VersionOrder({0: {5}, 1: {6}, 3: {5}})
    assert order.by_value == {5: 2, 6: 1}


def test_values_by_type_gathers_completions_by_type_and_key():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, None, type_="info")
    h.send(0, "j", 3, None, type_="fail")
    h.send(0, "k", 4, 1)
    h.poll(1, {"k": [[0, 1]], "j": []})
    h.op("invoke", 1, "txn", [["send", "k", 9], ["poll"]])
    h.op("ok", 1, "txn", [["send", "k", [5, 9]], ["poll", {"j": [[0, 3]]}]])
    hist = History(h.ops)
    assert values_by_type(hist, hist.writes, ("send", "txn")) == {
        "ok": {"k": {1, 4, 9}}, "info": {"k": {2}}, "fail": {"j": {3}}}
    assert values_by_type(hist, hist.writes, ("send",)) == {
        "ok": {"k": {1, 4}}, "info": {"k": {2}}, "fail": {"j": {3}}}
    assert values_by_type(hist, hist.reads, ("poll", "txn")) == {
        "ok": {"k": {1}, "j": {3}}}
    assert values_by_type(hist, hist.reads, ("poll",)) == {"ok": {"k": {1}, "j": set()}}
    assert values_by_type(hist, hist.reads, ("send",)) == {}


def test_a_send_certainly_took_effect_if_ok_or_info_and_polled():
    h = H()
    h.send(0, "k", 1, 0)                           # 1: ok
    h.send(0, "k", 2, None, type_="info")          # 3: info, polled below
    h.send(0, "k", 3, None, type_="info")          # 5: info, never polled
    h.send(0, "k", 4, None, type_="fail")          # 7: fail, though polled
    h.op("invoke", 0, "send", [["send", "j", 2]])
    h.op("info", 0, "send", [["send", "j", 2]])    # 9: message 2, but of another key
    h.op("invoke", 0, "send", None)
    h.op("info", 0, "send", None)                  # 11: sent nothing readable
    hist = History(h.ops)
    ok_reads = {"k": {2, 4}}
    assert [must_have_committed(hist, i, ok_reads) for i in (1, 3, 5, 7, 9, 11)] == [
        True, True, False, False, False, False]
    assert must_have_committed(hist, 0, ok_reads) is False      # an invocation


def test_an_info_send_of_several_messages_took_effect_if_any_was_polled():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1], ["send", "j", 2]])
    h.op("info", 0, "send", [["send", "k", 1], ["send", "j", 2]])
    hist = History(h.ops)
    assert must_have_committed(hist, 1, {"j": {2}}) is True
    assert must_have_committed(hist, 1, {"j": {1}, "k": {2}}) is False


def orders_of(h, ok_reads=None):
    hist = History(h.ops)
    if ok_reads is None:
        ok_reads = values_by_type(hist, hist.reads, ("poll", "txn")).get("ok", {})
    orders, errors = version_orders(hist, ok_reads)
    return {key: order.log for key, order in orders.items()}, errors


def test_version_orders_take_acked_offsets_of_sends_that_took_effect():
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 0, "send", [["send", "k", 2]])
    h.op("info", 0, "send", [["send", "k", [1, 2]]])   # took effect: polled below
    h.op("invoke", 0, "send", [["send", "k", 3]])
    h.op("info", 0, "send", [["send", "k", [2, 3]]])   # not polled: unknown
    h.op("invoke", 0, "send", [["send", "k", 4]])
    h.op("fail", 0, "send", [["send", "k", [3, 4]]])   # failed
    h.op("invoke", 3, "poll", [["poll"]])
    h.op("ok", 3, "poll", [["poll", {"j": [[0, 2]]}]])  # message 2 polled, of key j
    h.op("invoke", 4, "poll", [["poll"]])
    h.op("info", 4, "poll", [["poll", {"k": [[5, 9]]}]])  # any poll's pairs count
    logs, errors = orders_of(h)
    assert logs == {"k": {0: {1}, 5: {9}}, "j": {0: {2}}}
    assert errors == []
    logs, _ = orders_of(h, {"k": {2}})
    assert logs["k"] == {0: {1}, 1: {2}, 5: {9}}


def test_version_orders_skip_offsets_that_are_missing_or_not_offsets():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", m] for m in range(1, 7)])
    h.op("ok", 0, "send", [["send", "k", [None, 1]], ["send", "k", [False, 2]],
                           ["send", "k", ["3", 3]], ["send", "k", [-1, 4]],
                           ["send", "k", [2.0, 5]], ["send", "k", [0, 6]]])
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("ok", 1, "poll", [["poll", {"k": [[None, 7], [-2, 8], [1, 9]]}]])
    logs, errors = orders_of(h)
    assert logs == {"k": {0: {6}, 1: {9}}}
    assert errors == []


def test_version_orders_ignore_other_functions():
    h = H()
    h.op("invoke", 1, "txn", [["poll"]])
    h.op("ok", 1, "txn", [["poll", {"k": [[0, 1]]}], ["send", "k", [1, 2]]])
    logs, _ = orders_of(h)
    assert logs == {"k": {0: {1}, 1: {2}}}
    hist = History(h.ops)
    hist.ops[1] = dict(hist.ops[1], f="subscribe")    # same decoded facts, other function
    orders, _ = version_orders(hist, {"k": {1}})
    assert orders == {}


def test_an_offset_holding_two_messages_is_an_inconsistent_offset():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(1, "k", 2, 3)
    h.send(2, "k", 3, 3)
    h.poll(3, {"k": [[0, 1]], "j": [[5, "a"], [7, "b"], [7, "c"], [7, "b"]]})
    logs, errors = orders_of(h)
    assert logs["k"] == {0: {1}, 3: {2, 3}}
    assert errors == [
        {"key": "k", "offset": 3, "index": 1, "values": {2, 3}},
        {"key": "j", "offset": 7, "index": 1,
         "values": {clj_key("b"), clj_key("c")}}]


def test_writer_of_is_the_last_completed_op_that_sent_a_message():
    h = H()
    h.send(0, "k", 1, 0)                          # 1
    h.send(1, "k", 1, None, type_="info")         # 3: the same message again
    h.send(1, "j", 2, None, type_="fail")         # 5
    h.op("invoke", 2, "send", [["send", "k", 3]])  # 6: never completed
    h.poll(3, {"k": [[0, 1]]})
    assert writer_of(History(h.ops)) == {"k": {1: 3}, "j": {2: 5}}


def test_readers_of_lists_each_completed_poll_once_per_pair():
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": [[0, 1], [0, 1]]})            # 3
    h.poll(2, {"k": [[0, 1]], "j": []})           # 5
    h.poll(3, {"k": []}, type_="info")            # 7: no pair
    h.op("invoke", 4, "txn", [["poll"]])
    h.op("ok", 4, "txn", [["poll", {"k": [[0, 1]]}]])   # 9
    assert readers_of(History(h.ops)) == {"k": {1: [3, 3, 5, 9]}, "j": {}}


def test_version_orders_go_on_past_ops_of_other_functions():
    h = H()
    h.assign(1, ["k"])
    h.op("info", "nemesis", "start-partition", None)
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": [[0, 1], [1, 2]]})
    logs, _ = orders_of(h)
    assert logs == {"k": {0: {1}, 1: {2}}}
