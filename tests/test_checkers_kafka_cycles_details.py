"""The kafka checker's cycle search (glomers/checkers/kafka_cycles.py) on small
hand-written histories: which cycles are found, how they are named and explained."""

import pytest

from glomers.checkers import kafka_cycles
from glomers.checkers.kafka_anomalies import KafkaAnalysisError
from glomers.checkers.kafka_ops import History, readers_of, writer_of
from glomers.edn import Keyword
from kafka_history import H, check


def history():
    """A builder whose history starts with a nemesis op, so that op indices and positions
    among client ops differ."""
    h = H()
    h.op("info", "nemesis", "start-partition", None)
    return h


def cycles_of(h):
    hist = History(h.ops)
    return kafka_cycles.cycles(hist, writer_of(hist), readers_of(hist))


def is_keyword(value, name):
    return type(value) is Keyword and value == name


def future_read(h, writer_type="ok"):
    """A poll returns message 1 of key 9 before its send is invoked."""
    poll = h.poll(1, {"9": [[0, 1]]})
    send = h.send(0, "9", 1, 0, type_=writer_type)
    return poll, send


def test_a_poll_of_a_message_not_yet_sent_is_a_realtime_cycle():
    h = history()
    poll, send = future_read(h)
    found = cycles_of(h)
    assert sorted(found) == ["G1c-realtime", "strong-PL-2-cycle-exists"]
    (exists,) = found["strong-PL-2-cycle-exists"]
    assert exists == {"type": "strong-PL-2-cycle-exists", "not": "strong-read-committed",
                      "subgraph": ["union", "ww", "wwp", "wr", "wrp", "realtime"],
                      "scc-size": 2, "scc": frozenset({poll["index"], send["index"]})}
    assert is_keyword(exists["type"], "strong-PL-2-cycle-exists")
    assert is_keyword(exists["not"], "strong-read-committed")
    assert all(type(s) is Keyword for s in exists["subgraph"])
    (cycle,) = found["G1c-realtime"]
    assert is_keyword(cycle["type"], "G1c-realtime")
    ops = cycle["cycle"]
    assert ops[0] is ops[-1] and {id(op) for op in ops[:-1]} == {id(poll), id(send)}
    assert len(ops) == 3
    steps = {str(step["type"]): step for step in cycle["steps"]}
    assert steps["wr"] == {"type": "wr", "key": "9", "value": 1, "a-mop-index": 0,
                           "b-mop-index": 0}
    assert is_keyword(steps["wr"]["type"], "wr")
    assert steps["realtime"] == {"type": "realtime", "a'": poll, "b": h.ops[send["index"] - 1]}
    assert is_keyword(steps["realtime"]["type"], "realtime")
    # Each step runs from one op of the cycle to the next.
    wr_at = [str(step["type"]) for step in cycle["steps"]].index("wr")
    assert ops[wr_at] is send and ops[wr_at + 1] is poll
    result = check(h)
    assert result["valid?"] is False and result["G1c-realtime"]["count"] == 1


def test_an_uncertain_send_read_from_the_future_is_a_cycle_too():
    h = history()
    future_read(h, writer_type="info")
    (cycle,) = cycles_of(h)["G1c-realtime"]
    (wr,) = [step for step in cycle["steps"] if step["type"] == "wr"]
    assert (wr["value"], wr["a-mop-index"], wr["b-mop-index"]) == (1, 0, 0)


def test_ops_other_than_sends_and_polls_take_no_part_in_real_time():
    h = history()
    poll = h.poll(1, {"9": [[0, 1]]})
    h.assign(2, ["9"])
    h.op("invoke", 3, "crash", None)
    h.op("info", 3, "crash", None)
    send = h.send(0, "9", 1, 0)
    found = cycles_of(h)
    (exists,) = found["strong-PL-2-cycle-exists"]
    assert exists["scc"] == {poll["index"], send["index"]}
    (cycle,) = found["G1c-realtime"]
    assert len(cycle["cycle"]) == 3


def txn_pair(h, first_process=0):
    """Two concurrent txns, each polling the message the other sent: a wr-only cycle.
    The second polls through empty poll micro-ops first."""
    h.op("invoke", first_process, "txn", [["send", "9", 1], ["poll"]])
    h.op("invoke", first_process + 1, "txn", [["poll"], ["poll"], ["send", "8", 2]])
    a = h.op("ok", first_process, "txn", [["send", "9", [0, 1]], ["poll", {"8": [[0, 2]]}]])
    b = h.op("ok", first_process + 1, "txn",
             [["poll"], ["poll", None], ["poll", {"9": [[0, 1]]}], ["send", "8", [0, 2]]])
    return a, b


def test_txns_reading_each_others_sends_are_a_g1c_without_real_time():
    h = history()
    a, b = txn_pair(h)
    found = cycles_of(h)
    assert sorted(found) == ["G1c", "PL-2-cycle-exists"]
    (exists,) = found["PL-2-cycle-exists"]
    assert exists == {"type": "PL-2-cycle-exists", "not": "read-committed",
                      "subgraph": ["union", "ww", "wwp", "wr", "wrp"],
                      "scc-size": 2, "scc": frozenset({a["index"], b["index"]})}
    (cycle,) = found["G1c"]
    assert is_keyword(cycle["type"], "G1c")
    steps = {(step["key"], step["value"], step["a-mop-index"], step["b-mop-index"])
             for step in cycle["steps"]}
    assert steps == {("9", 1, 0, 2), ("8", 2, 3, 1)}
    assert all(is_keyword(step["type"], "wr") for step in cycle["steps"])


def test_a_wr_step_names_the_message_linking_the_two_ops():
    h = history()
    h.op("invoke", 0, "txn", [["send", "7", 5], ["send", "9", 1], ["poll"]])
    h.op("invoke", 1, "txn", [["poll"], ["send", "8", 2]])
    a = h.op("ok", 0, "txn", [["send", "7", [0, 5]], ["send", "9", [0, 1]],
                              ["poll", {"8": [[0, 2]]}]])
    h.op("ok", 1, "txn", [["poll", {"6": [], "9": [[0, 1]]}], ["send", "8", [0, 2]]])
    (cycle,) = cycles_of(h)["G1c"]
    first = cycle["steps"][[op is a for op in cycle["cycle"]].index(True)]
    assert (first["key"], first["value"], first["a-mop-index"], first["b-mop-index"]) == \
        ("9", 1, 1, 0)


def test_one_component_reports_its_smallest_wr_cycle():
    # A 2-txn wr cycle, then (after it, in real time) a 3-txn one; a poll of the first
    # group read from the second, so all five ops are one component.
    h = history()
    a_invoke = [["send", "9", 1], ["poll"]]
    h.op("invoke", 0, "txn", a_invoke)
    h.op("invoke", 1, "txn", [["poll"], ["send", "8", 2]])
    h.op("ok", 0, "txn", [["send", "9", [0, 1]], ["poll", {"8": [[0, 2]], "7": [[0, 3]]}]])
    h.op("ok", 1, "txn", [["poll", {"9": [[0, 1]]}], ["send", "8", [0, 2]]])
    for process, (sent_key, sent, polled_key, polled) in zip(
            (2, 3, 4), (("7", 3, "6", 5), ("5", 4, "7", 3), ("6", 5, "5", 4))):
        h.op("invoke", process, "txn", [["send", sent_key, sent], ["poll"]])
    for process, (sent_key, sent, polled_key, polled) in zip(
            (2, 3, 4), (("7", 3, "6", 5), ("5", 4, "7", 3), ("6", 5, "5", 4))):
        h.op("ok", process, "txn", [["send", sent_key, [0, sent]],
                                    ["poll", {polled_key: [[0, polled]]}]])
    found = cycles_of(h)
    (exists,) = found["PL-2-cycle-exists"]
    assert exists["scc-size"] == 2 and exists["scc"] == {3, 4}
    assert [len(c["cycle"]) for c in found["G1c"]] == [3]


def test_two_separate_cycles_are_reported_apart():
    h = history()
    future_read(h)
    h.poll(3, {"5": [[0, 4]]})
    h.send(2, "5", 4, 0)
    found = cycles_of(h)
    assert [e["scc-size"] for e in found["strong-PL-2-cycle-exists"]] == [2, 2]
    assert sorted(sorted(e["scc"]) for e in found["strong-PL-2-cycle-exists"]) == \
        [[2, 4], [6, 8]]
    assert len(found["G1c-realtime"]) == 2


def test_no_related_ops_is_an_empty_transaction_graph():
    h = history()
    h.send(0, "9", 1, 0)
    assert cycles_of(h) == {"empty-transaction-graph": True}
    h = history()
    h.op("invoke", 0, "send", [["send", "9", 1]])
    h.op("invoke", 1, "send", [["send", "9", 2]])
    h.op("ok", 0, "send", [["send", "9", [0, 1]]])
    h.op("ok", 1, "send", [["send", "9", [1, 2]]])
    assert cycles_of(h) == {"empty-transaction-graph": True}


def test_ops_in_real_time_order_without_a_cycle_have_no_anomaly():
    h = history()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1]]})
    h.send(0, "9", 2, 1)
    assert cycles_of(h) == {}


def test_a_poll_completing_before_the_send_it_read_is_no_cycle():
    # The wr edge runs back in index order, so the graph is built and searched.
    h = history()
    h.op("invoke", 0, "send", [["send", "9", 1]])
    h.poll(1, {"9": [[0, 1]]})
    h.op("ok", 0, "send", [["send", "9", [0, 1]]])
    hist = History(h.ops)
    assert not kafka_cycles._acyclic(hist, [(h.ops[-1]["index"], h.ops[-2]["index"])])
    assert cycles_of(h) == {}


def test_a_history_in_index_order_with_forward_wr_edges_needs_no_graph():
    h = history()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1]]})
    hist = History(h.ops)
    assert kafka_cycles._acyclic(hist, [(2, 4)])
    assert not kafka_cycles._acyclic(hist, [(2, 4), (4, 2)])


def test_op_indices_out_of_history_order_get_the_full_search():
    # With indices reversed the wr edge of a future read runs forward and the realtime
    # edge back: only the graph finds the cycle.
    h = history()
    future_read(h)
    for op, index in zip(h.ops, reversed(range(len(h.ops)))):
        op["index"] = index
    assert sorted(cycles_of(h)) == ["G1c-realtime", "strong-PL-2-cycle-exists"]
    h = history()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1]]})
    h.ops[2]["index"] = "two"
    assert not kafka_cycles._acyclic(History(h.ops), [(2, 4)])
    assert cycles_of(h) == {}


def test_the_index_order_shortcut_agrees_with_the_full_search(monkeypatch):
    def overlapping(h):
        h.op("invoke", 0, "send", [["send", "9", 1]])
        h.poll(1, {"9": [[0, 1]]})
        h.op("ok", 0, "send", [["send", "9", [0, 1]]])

    def sequential(h):
        h.send(0, "9", 1, 0)
        h.poll(1, {"9": [[0, 1]]})
        h.send(0, "9", 2, 1)
        h.poll(2, {"9": [[0, 1], [1, 2]]})

    builders = [overlapping, sequential, future_read, lambda h: h.send(0, "9", 1, 0)]
    quick = []
    for build in builders:
        h = history()
        build(h)
        quick.append(cycles_of(h))
    monkeypatch.setattr(kafka_cycles, "_acyclic", lambda hist, edges: False)
    for build, found in zip(builders, quick):
        h = history()
        build(h)
        assert cycles_of(h) == found
    assert quick[1] == {} and quick[3] == {"empty-transaction-graph": True}


def test_a_polled_message_nobody_sent_stops_the_analysis():
    h = history()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1], [1, 99]]})
    with pytest.raises(KafkaAnalysisError) as caught:
        cycles_of(h)
    assert caught.value.data == {"type": "no-writer-of-value", "key": "9", "value": 99}
    assert "99" in str(caught.value) and "'9'" in str(caught.value)


def test_a_search_out_of_budget_reports_a_timeout_and_some_cycle(monkeypatch):
    monkeypatch.setattr(kafka_cycles, "SEARCH_BUDGET", 0)
    h = history()
    poll, send = future_read(h)
    found = cycles_of(h)
    (timeout,) = found["cycle-search-timeout"]
    assert timeout == {"type": "cycle-search-timeout", "anomaly-spec-type": "G1c-realtime",
                       "does-not-contain": [], "scc-size": 2}
    assert is_keyword(timeout["type"], "cycle-search-timeout")
    assert is_keyword(timeout["anomaly-spec-type"], "G1c-realtime")
    (cycle,) = found["G1c-realtime"]
    assert {id(op) for op in cycle["cycle"]} == {id(poll), id(send)}


def test_a_budget_big_enough_for_a_long_cycle():
    # A chain of 60 txns each reading the previous one's message, the first reading the
    # last's: one wr cycle of 60 steps is found within the budget.
    h = history()
    n = 60
    for p in range(n):
        h.op("invoke", p, "txn", [["send", str(p), p], ["poll"]])
    for p in range(n):
        prev = (p - 1) % n
        h.op("ok", p, "txn", [["send", str(p), [0, p]], ["poll", {str(prev): [[0, prev]]}]])
    found = cycles_of(h)
    assert "cycle-search-timeout" not in found
    assert [len(c["cycle"]) for c in found["G1c"]] == [n + 1]


def test_one_component_reports_its_smallest_wr_cycle_even_when_it_comes_later():
    # The same, the other way round: the 3-txn cycle first (lower op indices), the 2-txn
    # one after it, and a poll of the first group read a message of the second.
    h = history()
    triple = (("7", 3, "6", 5), ("5", 4, "7", 3), ("6", 5, "5", 4))
    for process, (sent_key, sent, _, _) in zip((2, 3, 4), triple):
        h.op("invoke", process, "txn", [["send", sent_key, sent], ["poll"]])
    for process, (sent_key, sent, polled_key, polled) in zip((2, 3, 4), triple):
        polls = {polled_key: [[0, polled]]}
        if process == 2:
            polls["9"] = [[0, 1]]
        h.op("ok", process, "txn", [["send", sent_key, [0, sent]], ["poll", polls]])
    h.op("invoke", 0, "txn", [["send", "9", 1], ["poll"]])
    h.op("invoke", 1, "txn", [["poll"], ["send", "8", 2]])
    a = h.op("ok", 0, "txn", [["send", "9", [0, 1]], ["poll", {"8": [[0, 2]]}]])
    b = h.op("ok", 1, "txn", [["poll", {"9": [[0, 1]]}], ["send", "8", [0, 2]]])
    (exists,) = cycles_of(h)["PL-2-cycle-exists"]
    assert exists["scc-size"] == 2 and exists["scc"] == {a["index"], b["index"]}


def test_a_polled_key_nobody_sent_to_stops_the_analysis():
    h = history()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1]], "5": [[0, 3]]})
    with pytest.raises(KafkaAnalysisError) as caught:
        cycles_of(h)
    assert caught.value.data == {"type": "no-writer-of-value", "key": "5", "value": 3}
