"""Details of the kafka checker's worst realtime lag (glomers/checkers/kafka_lag.py): which
ops tell that an offset exists and when, what each process tracks (assign, subscribe,
polls), how a poll's lag is measured, and which measurement is reported; and a property
test against a direct reading of the definition."""

from hypothesis import given, settings
from hypothesis import strategies as st

from glomers.checkers.kafka_clj import trie_order
from glomers.checkers.kafka_lag import worst_realtime_lag
from glomers.checkers.kafka_ops import History
from kafka_history import SECOND, H

NONE = {"time": 0.0, "lag": 0.0}


def lag(h):
    return worst_realtime_lag(History(h.ops))


def test_no_ops_or_no_times_means_no_lag():
    assert lag(H()) == NONE
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": []})
    for op in h.ops:
        del op["time"]
    assert worst_realtime_lag(History(h.ops)) == NONE


def test_a_history_without_polls_has_no_lag():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)
    assert lag(h) == NONE


def test_a_poll_that_sees_the_newest_offset_lags_nothing():
    h = H()
    h.send(0, "k", 1, 0)                  # t 0..1
    h.poll(1, {"k": [[0, 1]]})            # t 2..3
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 0.0}


def test_an_empty_poll_lags_from_when_offset_0_was_acked():
    h = H()
    h.send(0, "k", 1, 0)                  # acked at t = 1
    h.op("invoke", 1, "poll", [["poll"]], at=4.5)
    h.op("ok", 1, "poll", [["poll", {"k": []}]], at=6)
    assert lag(h) == {"time": 4.5, "process": 1, "key": "k", "lag": 3.5}


def test_the_lag_is_measured_from_the_offset_after_the_highest_one_seen():
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 at t = 1
    h.send(0, "k", 2, 1)                  # offset 1 at t = 3
    h.send(0, "k", 3, 2)                  # offset 2 at t = 5
    h.poll(1, {"k": [[0, 1]]})            # invoked t = 6: offset 1 known since 3
    assert lag(h) == {"time": 6.0, "process": 1, "key": "k", "lag": 3.0}
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)
    h.send(0, "k", 3, 2)
    h.poll(1, {"k": [[0, 1], [1, 2]]})    # offset 2 known since 5
    assert lag(h)["lag"] == 1.0


def test_offsets_become_known_in_runs_and_the_earliest_time_counts():
    h = H()
    h.poll(2, {"k": [[0, 1], [1, 2], [2, 3]]})   # offsets 0..2 known at t = 1
    h.send(0, "k", 6, 5)                          # offsets 3..5 known at t = 3
    h.poll(2, {"k": [[0, 1]]})                    # t = 5: lower offsets learn nothing new
    h.poll(1, {"k": [[0, 1], [1, 2]]})            # invoked t = 6: offset 2 since t = 1
    h.poll(3, {"k": [[0, 1], [1, 2], [2, 3]]})    # invoked t = 8: offset 3 since t = 3
    result = lag(h)
    assert result == {"time": 6.0, "process": 1, "key": "k", "lag": 5.0}
    h.poll(4, {"k": [[4, 5]]})                    # invoked t = 10: offset 5 since t = 3
    assert lag(h) == {"time": 10.0, "process": 4, "key": "k", "lag": 7.0}
    h.poll(5, {"k": [[5, 6]]})                    # offset 6 never known: no lag
    assert lag(h)["process"] == 4


def test_an_offset_the_poll_itself_reveals_later_does_not_make_a_negative_lag():
    h = H()
    h.send(0, "k", 1, 0)                           # offset 0 at t = 1
    h.op("invoke", 1, "poll", [["poll"]], at=2)
    h.op("ok", 0, "send", [["send", "k", [1, 2]]], at=3)  # (completion without invoke)
    h.op("ok", 1, "poll", [["poll", {"k": [[0, 1]]}]], at=4)
    # Offset 1 became known at t = 3, after the poll's invocation at t = 2.
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 0.0}


def test_info_ops_tell_that_offsets_exist_and_failed_or_invoked_ones_do_not():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", [3, 9]]])           # t 0 (no offset yet)
    h.op("info", 0, "send", [["send", "k", [0, 1]]])              # t 1: offset 0 exists
    h.op("invoke", 2, "send", [["send", "k", 2]])                 # t 2
    h.op("fail", 2, "send", [["send", "k", [1, 2]]])              # t 3: says nothing
    h.op("invoke", 3, "poll", [["poll"]])                         # t 4
    h.op("info", 3, "poll", [["poll", {"k": [[0, 1]]}]])          # t 5: no lag measured
    h.poll(1, {"k": []})                                          # invoked t = 6
    assert lag(h) == {"time": 6.0, "process": 1, "key": "k", "lag": 5.0}
    h.poll(4, {"k": [[0, 1]]})            # offset 1: known only from the :fail op
    assert lag(h)["process"] == 1


def test_an_info_poll_tells_offsets_exist():
    h = H()
    h.op("invoke", 3, "poll", [["poll"]])
    h.op("info", 3, "poll", [["poll", {"k": [[0, 1], [1, 2]]}]])   # t 1
    h.poll(1, {"k": [[0, 1]]})                                      # invoked t = 2
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}


def test_an_acked_offset_counts_as_at_least_zero_and_false_as_none():
    h = H()
    h.send(0, "k", 1, -3)                 # a negative ack still says offset 0 exists
    h.poll(1, {"k": []})                  # invoked t = 2
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 at t = 1
    h.poll(1, {"k": [[0, 1]]})            # invoked t = 2: offset 1 not known
    assert lag(h)["lag"] == 0.0
    h = H()
    h.send(0, "k", 1, False)
    h.send(0, "k", 2, None)
    h.poll(1, {"k": []})
    assert lag(h)["lag"] == 0.0


def test_a_send_of_several_messages_acks_up_to_its_highest_offset():
    h = H()
    h.op("invoke", 0, "send", [["send", "k", 1], ["send", "k", 2], ["send", "k", 3]])
    h.op("ok", 0, "send", [["send", "k", [2, 1]], ["send", "k", [4, 2]],
                           ["send", "k", [3, 3]]])                # t 1: offsets 0..4
    h.poll(1, {"k": [[0, 1], [3, 3]]})    # invoked t = 2: offset 4 since t = 1
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}
    h.poll(2, {"k": [[0, 1], [4, 2]]})
    assert lag(h)["process"] == 1


def test_a_polled_pair_without_an_offset_counts_as_an_empty_poll():
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 at t = 1
    h.poll(1, {"k": [[None, 1]]})         # invoked t = 2
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)                  # offset 1 at t = 3
    h.poll(1, {"k": [[None, 2], [0, 1]]})  # invoked t = 4: saw offset 0
    assert lag(h)["lag"] == 1.0


def test_a_process_keeps_its_highest_offset_across_polls():
    h = H()
    h.send(0, "k", 1, 0)
    h.send(0, "k", 2, 1)                  # offset 1 at t = 3
    h.poll(1, {"k": [[0, 1], [1, 2]]})
    h.poll(1, {"k": [[0, 1]]})            # a lower poll does not lower what it has seen
    assert lag(h)["lag"] == 0.0
    h.send(0, "k", 3, 2)                  # offset 2 at t = 9
    h.poll(1, {})                         # invoked t = 10, sees nothing: lags 1 s
    assert lag(h) == {"time": 10.0, "process": 1, "key": "k", "lag": 1.0}
    h.poll(2, {"j": [[0, 7]]})            # another process tracks only its own keys
    h.poll(2, {})
    assert lag(h)["process"] == 1


def test_assign_keeps_what_was_seen_of_kept_keys_and_starts_new_ones_empty():
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 of k at t = 1
    h.send(0, "j", 1, 0)                  # offset 0 of j at t = 3
    h.poll(1, {"k": [[0, 1]]})            # t 4..5
    h.assign(1, ["k", "j"])               # t 6..7: j starts at -1, k stays at 0
    h.poll(1, {})                         # invoked t = 8: j lags 5 s, k nothing
    assert lag(h) == {"time": 8.0, "process": 1, "key": "j", "lag": 5.0}
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": [[0, 1]]})
    h.assign(1, ["k"])
    h.poll(1, {})
    assert lag(h)["lag"] == 0.0
    h.assign(1, [])                       # nothing tracked, nothing polled: no measure
    h.poll(1, {})
    assert lag(h)["lag"] == 0.0


def test_an_assign_drops_keys_and_subscribe_forgets_everything():
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 of k at t = 1
    h.assign(1, ["k"])
    h.assign(1, ["j"])                    # k no longer tracked
    h.poll(1, {})                         # j never written: lag 0
    assert lag(h) == {"time": 6.0, "process": 1, "key": "j", "lag": 0.0}
    h = H()
    h.send(0, "k", 1, 0)
    h.assign(1, ["k"])
    h.op("invoke", 1, "subscribe", ["k"])
    h.op("ok", 1, "subscribe", ["k"])
    h.poll(1, {})
    assert lag(h) == NONE
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 1, "subscribe", ["k"])
    h.op("ok", 1, "subscribe", ["k"])
    h.poll(1, {"k": []})
    assert lag(h)["lag"] == 3.0


def test_only_ok_assigns_change_what_is_tracked():
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 1, "assign", ["k"])
    h.op("fail", 1, "assign", ["k"])
    h.poll(1, {})
    assert lag(h) == NONE
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 1, "assign", None)
    h.op("ok", 1, "assign", None)         # assigned nothing
    h.poll(1, {})
    assert lag(h) == NONE


def test_only_ok_polls_with_an_invocation_are_measured():
    h = H()
    h.send(0, "k", 1, 0)
    h.op("ok", 1, "poll", [["poll", {"k": []}]])     # no invocation
    assert lag(h) == NONE
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": []}, type_="info")
    assert lag(h) == NONE
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 1, "poll", [["poll"]])
    h.op("ok", 1, "poll", [["poll", {"k": []}]])
    h.op("ok", 1, "poll", [["poll", {"k": []}]])     # a second completion: none left
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}


def test_a_txn_poll_is_measured_like_a_poll():
    h = H()
    h.send(0, "k", 1, 0)
    h.op("invoke", 1, "txn", [["poll"]])
    h.op("ok", 1, "txn", [["poll", {"k": []}], ["send", "j", [0, 5]]])
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}


def test_the_first_worst_measurement_is_reported():
    h = H()
    h.send(0, "k", 1, 0)                  # offset 0 at t = 1
    h.poll(1, {"k": []})                  # invoked t = 2: 1 s
    h.poll(2, {"k": []})                  # invoked t = 4: 3 s
    h.op("invoke", 3, "poll", [["poll"]], at=4)
    h.op("ok", 3, "poll", [["poll", {"k": []}]], at=6)   # also 3 s, later: not reported
    h.poll(1, {"k": [[0, 1]]})            # 0 s
    assert lag(h) == {"time": 4.0, "process": 2, "key": "k", "lag": 3.0}


def test_equal_lags_report_the_first_key_in_insertion_order_up_to_eight_keys():
    h = H()
    keys = ["8", "3", "5"]
    h.op("invoke", 0, "send", [["send", k, 1] for k in keys])
    h.op("ok", 0, "send", [["send", k, [0, 1]] for k in keys])
    h.assign(1, keys)
    h.poll(1, {})
    assert lag(h)["key"] == "8"
    h = H()
    h.op("invoke", 0, "send", [["send", k, 1] for k in keys])
    h.op("ok", 0, "send", [["send", k, [0, 1]] for k in keys])
    h.poll(1, {k: [] for k in reversed(keys)})
    assert lag(h)["key"] == "5"


def nine_keys_history(assign_again=None):
    keys = [str(n) for n in range(9)]
    h = H()
    h.op("invoke", 0, "send", [["send", k, 1] for k in keys])
    h.op("ok", 0, "send", [["send", k, [0, 1]] for k in keys])
    return h, keys


def test_equal_lags_over_more_than_eight_keys_report_the_first_in_hash_order():
    h, keys = nine_keys_history()
    h.assign(1, keys)
    h.poll(1, {})
    first = min(keys, key=trie_order)
    assert first != keys[0]
    assert lag(h)["key"] == first
    h, keys = nine_keys_history()
    h.poll(1, {k: [] for k in keys})
    assert lag(h)["key"] == first


def test_a_map_that_grew_past_eight_keys_stays_in_hash_order_until_reassigned():
    h, keys = nine_keys_history()
    h.poll(1, {k: [] for k in keys})      # nine keys: a hash map
    h.send(2, "0", 2, 1)                  # every key lags alike again, later
    for k in keys[1:]:
        h.send(2, k, 2, 1)
    h.poll(1, {})
    assert lag(h)["key"] == min(keys, key=trie_order)
    # An assign of two keys builds a small map again, in the assigned order.
    h, keys = nine_keys_history()
    h.assign(1, keys)
    h.assign(1, ["7", "0"])
    h.poll(1, {})
    assert lag(h)["key"] == "7"
    # Grown from an assign of eight by a poll of a ninth.
    h, keys = nine_keys_history()
    h.assign(1, keys[:8])
    h.poll(1, {"8": []})
    assert lag(h)["key"] == min(keys, key=trie_order)


def test_a_key_nobody_wrote_lags_nothing_beside_one_that_lags():
    h = H()
    h.send(0, "k", 1, 0)
    h.assign(1, ["nobody", "k"])
    h.poll(1, {})
    assert lag(h)["key"] == "k"


# --- Against a direct reading of the definition -----------------------------------------

def direct_worst_lag(ops):
    """Jepsen's worst realtime lag read straight off the definition, in O(n^2): for every
    :ok poll with an invocation and every key its process tracks, how long before the
    invocation the first :ok/:info op showed the offset after the highest one seen."""
    def max_offsets(op):
        if op["type"] not in ("ok", "info"):
            return {}
        out = {}
        for mop in op["value"]:
            if mop[0] == "poll" and len(mop) > 1:
                for key, pairs in mop[1].items():
                    out[key] = max([p[0] for p in pairs], default=-1)
            elif mop[0] == "send":
                out[mop[1]] = max(out.get(mop[1], 0), mop[2][0])
        return out

    def known_since(key, offset):
        for op in ops:
            if max_offsets(op).get(key, -1) >= offset:
                return op["time"]
        return None

    worst, tracked, invoked = None, {}, {}
    for op in ops:
        process = op["process"]
        if op["type"] == "invoke":
            invoked[process] = op["time"]
            continue
        if op["f"] == "assign":
            old = tracked.get(process, {})
            tracked[process] = {k: old.get(k, -1) for k in op["value"]}
            continue
        start = invoked.pop(process)
        if op["f"] != "poll" or op["type"] != "ok":
            continue
        seen = tracked.setdefault(process, {})
        for key, offset in max_offsets(op).items():
            seen[key] = max(seen.get(key, offset), offset)
        for key in sorted(seen, key=trie_order) if len(seen) > 8 else seen:
            since = known_since(key, seen[key] + 1)
            measured = 0 if since is None else max(0, start - since)
            if worst is None or measured > worst[3]:
                worst = (start, process, key, measured)
    if worst is None:
        return NONE
    return {"time": worst[0] / 1e9, "process": worst[1], "key": worst[2],
            "lag": worst[3] / 1e9}


KEYS = ["a", "b", "c"]


@st.composite
def histories(draw):
    """Sends of one message acked at a drawn offset, polls of drawn offsets per key, and
    assigns, by up to three processes, each invocation completed before the next op."""
    h = H()
    for _ in range(draw(st.integers(1, 12))):
        process = draw(st.integers(0, 2))
        kind = draw(st.sampled_from(["send", "poll", "assign"]))
        # Some invocations at the same instant as the op before them.
        at = h.ops[-1]["time"] / SECOND + draw(st.integers(0, 3)) if h.ops else 0
        if kind == "send":
            key = draw(st.sampled_from(KEYS))
            h.op("invoke", process, "send", [["send", key, 1]], at=at)
            h.op(draw(st.sampled_from(["ok", "info"])), process, "send",
                 [["send", key, [draw(st.integers(0, 6)), 1]]])
        elif kind == "poll":
            polled = {key: [[o, 1] for o in sorted(draw(st.sets(st.integers(0, 6),
                                                                max_size=3)))]
                      for key in draw(st.lists(st.sampled_from(KEYS), unique=True))}
            h.op("invoke", process, "poll", [["poll"]], at=at)
            h.op("ok", process, "poll", [["poll", polled]])
        else:
            keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
            h.op("invoke", process, "assign", keys, at=at)
            h.op("ok", process, "assign", keys)
    return h


@settings(max_examples=100, deadline=None)
@given(histories())
def test_worst_lag_matches_a_direct_reading(h):
    assert lag(h) == direct_worst_lag(h.ops)


def equal_lag_history(keys):
    """Every key acked at offset 0 at t = 1, so an empty poll lags alike on all of them."""
    h = H()
    h.op("invoke", 0, "send", [["send", k, 1] for k in keys])
    h.op("ok", 0, "send", [["send", k, [0, 1]] for k in keys])
    return h


# Eight keys whose insertion order starts with the last one in hash order.
EIGHT = sorted((str(n) for n in range(8)), key=trie_order, reverse=True)


def test_eight_keys_are_still_a_small_map_in_insertion_order():
    h = equal_lag_history(EIGHT)
    h.assign(1, EIGHT)
    h.poll(1, {})
    assert lag(h)["key"] == EIGHT[0]
    h = equal_lag_history(EIGHT)
    h.poll(1, {k: [] for k in EIGHT})
    assert lag(h)["key"] == EIGHT[0]


def test_subscribe_starts_a_small_map_again():
    h = equal_lag_history(EIGHT)
    h.op("invoke", 1, "subscribe", EIGHT)
    h.op("ok", 1, "subscribe", EIGHT)
    h.poll(1, {k: [] for k in EIGHT[:2]})
    assert lag(h)["key"] == EIGHT[0]


def test_a_poll_without_an_invocation_does_not_stop_the_measuring():
    h = H()
    h.send(0, "k", 1, 0)                              # offset 0 at t = 1
    h.op("ok", 2, "poll", [["poll", {"k": []}]])      # t = 2, no invocation
    h.poll(1, {"k": []})                              # invoked t = 3
    assert lag(h) == {"time": 3.0, "process": 1, "key": "k", "lag": 2.0}


def test_a_txn_s_acked_sends_tell_that_offsets_exist():
    h = H()
    h.op("invoke", 0, "txn", [["send", "k", 1]])
    h.op("ok", 0, "txn", [["send", "k", [0, 1]]])     # offset 0 at t = 1
    h.poll(1, {"k": []})                              # invoked t = 2
    assert lag(h) == {"time": 2.0, "process": 1, "key": "k", "lag": 1.0}


def test_only_the_first_op_s_time_decides_whether_times_are_known():
    h = H()
    h.op("ok", 1, "poll", [["poll", {"k": []}]])
    assert lag(h) == NONE                             # a lone op: no invocation
    h = H()
    h.send(0, "k", 1, 0)
    h.poll(1, {"k": []})
    del h.ops[0]["time"]                              # a history without times from the start
    assert lag(h) == NONE
