"""The kafka checker's plain-English account (glomers/checkers/kafka_explain.py): what each
error type's lines say about small hand-written histories, and how they are grouped."""

from glomers.checkers import evidence, kafka, kafka_explain
from glomers.edn import Keyword as K
from kafka_history import H, check, explain

SKIP_HINT = ("  hint: a poll jumped over offsets it had not returned: return a key's messages "
             "from the requested offset on, with no gaps, and never serve a poll from a copy "
             "with holes in it.")
ORDER_HINT = ("  hint: a key's offsets must strictly increase in the order the log holds them: "
              "assign them in one place (the key's owner, or a compare-and-set on lin-kv) and "
              "never reuse one.")
LOST_HINT = ("  hint: acknowledged sends never came back from any poll: answer send_ok only "
             "after the message is stored where every node's polls will find it (its key's "
             "single owner, or a lin-kv log).")
CYCLE_HINT = ("  hint: consumers saw a key's messages in orders that contradict each other or "
              "real time: every node must serve one agreed log per key.")


def msg(m, offset, process, node, at, verb="acknowledged"):
    return (f"message {m} (offset {offset}, sent by process {process} ({node}), {verb} at "
            f"{at:.3f} s)")


def lines_of(h):
    return explain(h)


def cases(lines):
    return [line for line in lines if isinstance(line, evidence.Case)]


def three_sends(h, key="9"):
    for m in (1, 2, 3):
        h.send(0, key, m, m - 1)


# --- one explanation per error type ------------------------------------------------------

def test_a_poll_skip_names_both_polls_and_the_skipped_message():
    h = H()
    three_sends(h)
    h.poll(1, {"9": [[0, 1]]})
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka poll-skip: 1 case(s).", SKIP_HINT,
        "  key '9': process 1 (n1) polled offsets 2..2 at 9.000 s, but its previous poll "
        f"(completed 7.000 s) ended at 0; skipped {msg(2, 1, 0, 'n0', 3)}."]
    (case,) = cases(lines)
    assert (case.kind, case.label) == ("kafka-skip", "key '9'")
    assert type(lines[1]) is evidence.Hint and lines[1].kind == "kafka-skip"
    assert lines[3] == ("kafka: worst realtime lag 3.000 s: process 1 (n1) polling key '9' at "
                        "6.000 s was that far behind the newest message.")
    assert len(lines) == 4


def test_skips_and_backward_steps_inside_polls_share_one_hint_per_class():
    h = H()
    three_sends(h)
    h.poll(1, {"9": [[0, 1], [2, 3]]})
    h.poll(2, {"9": [[1, 2], [0, 1], [2, 3]]})
    lines = lines_of(h)
    assert lines[:7] == [
        "kafka int-nonmonotonic-poll: 1 case(s).", ORDER_HINT,
        f"  key '9': one poll by process 2 (n0) at 9.000 s returned {msg(2, 1, 0, 'n0', 3)} "
        f"and then {msg(1, 0, 0, 'n0', 1)}: it went back 1 message(s).",
        "kafka int-poll-skip: 2 case(s).", SKIP_HINT,
        f"  key '9': one poll by process 1 (n1) at 7.000 s went from {msg(1, 0, 0, 'n0', 1)} "
        f"straight to {msg(3, 2, 0, 'n0', 5)}, skipping {msg(2, 1, 0, 'n0', 3)}.",
        f"  key '9': one poll by process 2 (n0) at 9.000 s went from {msg(1, 0, 0, 'n0', 1)} "
        f"straight to {msg(3, 2, 0, 'n0', 5)}, skipping {msg(2, 1, 0, 'n0', 3)}."]
    assert [c.kind for c in cases(lines)] == ["kafka-order", "kafka-skip", "kafka-skip"]
    h = H()
    three_sends(h)
    h.poll(1, {"9": [[0, 1], [2, 3]]})
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    hints = [line for line in lines_of(h) if isinstance(line, evidence.Hint)]
    assert [hint.kind for hint in hints] == ["kafka-skip", "kafka-order"]


def test_a_nonmonotonic_send_says_sent_and_how_far_back():
    h = H()
    h.send(0, "9", 1, 1)
    h.send(0, "9", 2, 0)
    h.poll(1, {"9": [[0, 2], [1, 1]]})
    assert lines_of(h)[:3] == [
        "kafka nonmonotonic-send: 1 case(s).", ORDER_HINT,
        f"  key '9': process 0 (n0) sent {msg(2, 0, 0, 'n0', 3)} at 3.000 s after it had sent "
        f"{msg(1, 1, 0, 'n0', 1)} at 1.000 s: the log order went back 1 message(s)."]


def test_a_nonmonotonic_poll_that_repeats_says_repeated():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    h.poll(1, {"9": [[1, 2]]})
    assert lines_of(h)[2] == (
        f"  key '9': process 1 (n1) polled {msg(2, 1, 0, 'n0', 3)} at 7.000 s after it had "
        f"polled {msg(2, 1, 0, 'n0', 3)} at 5.000 s: the log order repeated.")


def test_a_lost_write_names_the_poll_that_went_past_it():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[1, 2]]})
    lines = lines_of(h)
    assert lines[:5] == [
        "kafka lost-write: 1 case(s).", LOST_HINT,
        f"  key '9': {msg(1, 0, 0, 'n0', 1)} at dense index 0 was never returned by any poll, "
        "yet process 1 (n1) polled past it (up to dense index 1) at 5.000 s.",
        "kafka unseen: at the end (5.000 s) 1 acknowledged message(s) in 1 key(s) were never "
        "returned by any poll.",
        f"  key '9': 1 unseen: {msg(1, 0, 0, 'n0', 1)}."]
    # One hint for the class, though two error types of it are explained.
    assert [line.kind for line in lines if isinstance(line, evidence.Hint)] == ["kafka-lost"]
    assert [(c.kind, c.label) for c in cases(lines)] == [("kafka-lost", "key '9'")] * 2


def test_a_lost_write_without_a_poll_named_says_how_far_polls_reached():
    result = {"valid?": False, "error-types": (K("lost-write"),),
              "bad-error-types": (K("lost-write"),),
              "lost-write": {"count": 1, "errs": ({"key": "9", "value": 1, "index": 0,
                                                   "max-read-index": 1, "max-read": None},)}}
    assert kafka.explain(result, [], {})[2] == (
        "  key '9': message 1 at dense index 0 was never returned by any poll, yet polls "
        "reached dense index 1.")


def test_inconsistent_offsets_list_every_message_at_the_offset():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(1, "9", 2, 0)
    h.poll(2, {"9": [[0, 1]]})
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka inconsistent-offsets: 1 case(s).",
        "  hint: two different messages got the same offset of a key: allocate offsets with a "
        "compare-and-set on lin-kv, or at a single owner per key.",
        f"  key '9': offset 0 holds different messages: {msg(1, 0, 0, 'n0', 1)}; "
        f"{msg(2, 0, 1, 'n1', 3)}. An offset must name one message for every client."]
    assert cases(lines)[0].kind == "kafka-offsets"


def test_a_duplicate_names_its_offsets():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1], [1, 1]]})
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka duplicate: 1 case(s).",
        "  hint: one message sits at two offsets: a retried send appended it twice; do not "
        "retry a send whose outcome is unknown, or make the append idempotent.",
        "  key '9': message 1 appears 2 times, at offsets [0, 1]; each message must be "
        "stored once."]
    assert cases(lines)[0].kind == "kafka-duplicate"


def test_a_g1a_names_the_failed_send_and_the_poll():
    h = H()
    h.send(0, "9", 1, None, type_="fail")
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka G1a: 1 case(s).", CYCLE_HINT,
        "  key '9': process 1 (n1) polled message 1 at 5.000 s, but process 0 (n0)'s send "
        "failed definitely at 1.000 s: a failed send must never become visible."]
    result = check(h)
    result["G1a"]["errs"][0]["writer"] = None
    assert kafka.explain(result, h.ops, {})[2] == (
        "  key '9': process 1 polled message 1 at 5.000 s, but its send failed definitely: a "
        "failed send must never become visible.")


def test_a_realtime_cycle_names_its_ops_and_steps():
    h = H()
    h.poll(1, {"9": [[0, 1]]})
    h.send(0, "9", 1, 0)
    lines = lines_of(h)
    assert lines[:5] == [
        "kafka G1c-realtime: 1 case(s).", CYCLE_HINT,
        "  send by process 0 (n0) at 3.000 s, poll by process 1 (n1) at 1.000 s form a cycle: "
        "message 1 of key '9' was sent by one op and polled by the next; process 1 (n1) "
        "completed at 1.000 s before process 0 (n0) invoked at 2.000 s. A poll returned a "
        "message before its send was even invoked.",
        "kafka strong-PL-2-cycle-exists: 1 case(s).",
        "  2 ops (indices 1, 3) depend on one another in a cycle, so the history is not "
        "strong-read-committed."]
    assert [(c.kind, c.label) for c in cases(lines)] == [("kafka-cycle", None)] * 2


def test_a_wr_only_cycle_is_not_blamed_on_real_time():
    h = H()
    h.op("invoke", 0, "txn", [["send", "9", 1], ["poll"]])
    h.op("invoke", 1, "txn", [["poll"], ["send", "8", 2]])
    h.op("ok", 0, "txn", [["send", "9", [0, 1]], ["poll", {"8": [[0, 2]]}]])
    h.op("ok", 1, "txn", [["poll", {"9": [[0, 1]]}], ["send", "8", [0, 2]]])
    lines = lines_of(h)
    (line,) = [line for line in cases(lines) if "form a cycle" in line]
    assert "before its send was even invoked" not in line
    assert ("Each op polled a message the op before it sent, round the circle: no order of "
            "them explains what they polled.") in line
    assert "message 1 of key '9' was sent by one op and polled by the next" in line
    assert "message 2 of key '8' was sent by one op and polled by the next" in line
    assert any(line.endswith("so the history is not read-committed.") for line in lines)


def test_a_cycle_of_many_ops_shows_the_first_ten_indices():
    err = {"scc-size": 12, "scc": frozenset(range(12)), "not": K("read-committed")}
    result = {"valid?": False, "error-types": (K("PL-2-cycle-exists"),),
              "bad-error-types": (K("PL-2-cycle-exists"),),
              "PL-2-cycle-exists": {"count": 1, "errs": (err,)}}
    assert kafka.explain(result, [], {})[2] == (
        "  12 ops (indices 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more) depend on one another in "
        "a cycle, so the history is not read-committed.")


def test_an_empty_graph_says_nothing_could_be_ordered():
    h = H()
    h.send(0, "9", 1, 0)
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka empty-transaction-graph: 1 case(s).",
        "  hint: no send or poll completed ok, so no order between them could be checked: "
        "make requests succeed first (see stats above).",
        "  no two sends or polls could be related: the history has no completed sends or "
        "polls to order."]
    assert cases(lines)[0].kind == "kafka-empty"


def test_an_unknown_error_type_is_shown_as_it_is():
    result = {"valid?": False, "error-types": (K("cycle-search-timeout"),),
              "bad-error-types": (K("cycle-search-timeout"),),
              "cycle-search-timeout": {"count": 1, "errs": ({"scc-size": 3},)}}
    assert kafka.explain(result, [], {}) == [
        "kafka cycle-search-timeout: 1 case(s).", CYCLE_HINT, "  {:scc-size 3}"]


def test_an_allowed_error_type_says_so_and_gets_no_hint():
    h = H()
    h.op("invoke", 0, "send", [["send", "9", 1], ["send", "9", 3]])
    h.op("ok", 0, "send", [["send", "9", [0, 1]], ["send", "9", [2, 3]]])
    h.send(1, "9", 2, 1)
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    lines = lines_of(h)
    assert lines[:3] == [
        "kafka: valid: every acknowledged message was polled, at one offset, in the same "
        "order by every consumer.",
        "kafka int-send-skip: 1 case(s) (allowed: does not make the test fail).",
        f"  key '9': one send by process 0 (n0) at 1.000 s went from {msg(1, 0, 0, 'n0', 1)} "
        f"straight to {msg(3, 2, 0, 'n0', 1)}, skipping {msg(2, 1, 1, 'n1', 3)}."]
    assert not any(isinstance(line, evidence.Hint) for line in lines)


# --- grouping, counting, the verdict ------------------------------------------------------

def test_a_valid_result_says_so_first_and_gives_the_lag():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1]]})
    assert lines_of(h) == [
        "kafka: valid: every acknowledged message was polled, at one offset, in the same "
        "order by every consumer.",
        "kafka: worst realtime lag 0.000 s: process 1 (n1) polling key '9' at 2.000 s was that "
        "far behind the newest message."]


def test_no_lag_line_without_a_key():
    result = {"valid?": True, "error-types": (), "bad-error-types": (),
              "worst-realtime-lag": {"time": 0, "lag": 0}}
    assert kafka.explain(result, [], {}) == [
        "kafka: valid: every acknowledged message was polled, at one offset, in the same "
        "order by every consumer."]
    assert kafka.explain({"valid?": False}, [], {}) == []


def test_an_unknown_verdict_gives_the_analysis_error_alone():
    result = {"valid?": K("unknown"), "error": "no writer of value 99"}
    assert kafka.explain(result, [], {}) == [
        "kafka: the analysis could not finish, so the verdict is unknown: no writer of value 99"]
    result = {"valid?": True, "error": "ignored", "error-types": ()}
    assert kafka.explain(result, [], {})[0].startswith("kafka: valid")
    assert kafka.explain({"valid?": K("unknown"), "error-types": ()}, [], {}) == []
    assert kafka.explain({"valid?": False, "error": "x", "error-types": ()}, [], None) == []


def skips(n):
    return [{"key": str(k), "delta": 2, "skipped": (), "values": [1, 3],
             "op": {"f": "poll", "process": 1, "time": 0}} for k in range(n)]


def skip_result(n, count=None):
    return {"valid?": False, "error-types": (K("int-poll-skip"),),
            "bad-error-types": (K("int-poll-skip"),),
            "int-poll-skip": {"count": n if count is None else count, "errs": tuple(skips(n))}}


def test_eight_cases_per_type_then_a_count_of_the_rest():
    lines = kafka.explain(skip_result(11), [], {})
    assert len(cases(lines)) == 8
    assert [c.label for c in cases(lines)] == [f"key '{k}'" for k in range(8)]
    assert lines[-1] == "  ... and 3 more." and lines[-1].count == 3
    assert lines[-1].kind == "kafka-skip" and isinstance(lines[-1], evidence.More)
    lines = kafka.explain(skip_result(8), [], {})
    assert len(cases(lines)) == 8 and not isinstance(lines[-1], evidence.More)
    # Condensed errors: the count says how many there were, errs keeps only some.
    lines = kafka.explain(skip_result(5, count=9), [], {})
    assert lines[0] == "kafka int-poll-skip: 9 case(s)."
    assert len(cases(lines)) == 5 and lines[-1] == "  ... and 4 more."


def test_errors_without_a_count_count_their_length_and_a_bare_value_counts_one():
    result = skip_result(2)
    result["int-poll-skip"] = {"errs": tuple(skips(3))}
    assert kafka.explain(result, [], {})[0] == "kafka int-poll-skip: 3 case(s)."
    result = {"valid?": False, "error-types": (K("empty-transaction-graph"),),
              "bad-error-types": (K("empty-transaction-graph"),),
              "empty-transaction-graph": True}
    lines = kafka.explain(result, [], {})
    assert lines[0] == "kafka empty-transaction-graph: 1 case(s)."
    assert lines[2].startswith("  no two sends or polls could be related")


def test_unseen_shows_three_messages_per_key_and_eight_keys():
    h = H()
    for key in range(10):
        for m in range(1, 6 if key == 0 else 2):
            h.send(0, str(key), m, m - 1)
    h.poll(1, {})
    lines = lines_of(h)
    assert lines[0] == ("kafka unseen: at the end (29.000 s) 14 acknowledged message(s) in 10 "
                        "key(s) were never returned by any poll.")
    assert lines[1] == LOST_HINT
    assert lines[2] == (f"  key '0': 5 unseen: {msg(1, 0, 0, 'n0', 1)}, "
                        f"{msg(2, 1, 0, 'n0', 3)}, {msg(3, 2, 0, 'n0', 5)} and 2 more.")
    assert lines[3] == f"  key '1': 1 unseen: {msg(1, 0, 0, 'n0', 11)}."
    assert [c.label for c in cases(lines)] == [f"key '{k}'" for k in range(8)]
    assert all(c.kind == "kafka-lost" for c in cases(lines))
    assert lines[10] == "  ... and 2 more key(s)." and lines[10].count == 2
    assert lines[10].kind == "kafka-lost"
    assert len(lines) == 11


def test_exactly_three_unseen_messages_and_eight_keys_need_no_more():
    h = H()
    for key in range(8):
        for m in range(1, 4):
            h.send(0, str(key), m, m - 1)
    h.poll(1, {})
    lines = lines_of(h)
    assert lines[2].endswith(f"{msg(3, 2, 0, 'n0', 5)}.")
    assert len(lines) == 10 and not isinstance(lines[-1], evidence.More)


# --- what is said about each message ------------------------------------------------------

def test_messages_sent_uncertain_or_failed_are_said_so():
    h = H()
    h.send(0, "9", 1, None, type_="info")
    h.send(0, "9", 2, None, type_="fail")
    h.send(1, "9", 3, 2)
    facts = kafka_explain._Facts(h.ops, {})
    assert facts.message("9", 1) == "message 1 (sent by process 0, left uncertain at 1.000 s)"
    assert facts.message("9", 2) == ("message 2 (sent by process 0, definitely failed at "
                                     "3.000 s)")
    assert facts.message("9", 3) == ("message 3 (offset 2, sent by process 1, acknowledged "
                                     "at 5.000 s)")
    assert facts.message("9", 4) == "message 4"
    assert facts.message("8", 3) == "message 3"


def test_offsets_come_from_the_first_ack_or_ok_poll_and_values_compare_as_clojure_does():
    h = H()
    h.poll(1, {"9": [[4, 1]]}, type_="info")
    h.poll(1, {"9": [[5, 1], [6, 1.0]]})
    h.send(0, "9", 1, 7)
    h.poll(1, {"8": [[0, "a"]]})
    h.op("invoke", 2, "send", [["send", "7", 1]])
    facts = kafka_explain._Facts(h.ops, {"nodes": ["n0", "n1"]})
    assert facts.message("9", 1) == ("message 1 (offset 5, sent by process 0 (n0), "
                                     "acknowledged at 5.000 s)")
    assert facts.message("9", 1.0) == "message 1.0 (offset 6)"
    assert facts.message("8", "a") == "message 'a' (offset 0)"
    assert facts.message("7", 1) == "message 1"


def test_ops_other_than_sends_and_polls_are_not_read_as_micro_ops():
    h = H()
    h.assign(1, ["9", "8"])
    h.op("invoke", 2, "crash", None)
    h.op("info", 2, "crash", None)
    h.op("ok", 3, "send", [[], "junk", ["send", "9", [3, 4]]])
    h.op("ok", 3, "txn", [["send", "8", [1, 2]], ["poll", {"8": [[1, 2]]}]])
    h.op("ok", 3, "poll", [["poll"], ["poll", None], ["poll", {"6": [[2, 6]]}],
                           ["send", "5", [0, 9]]])
    facts = kafka_explain._Facts(h.ops, {})
    assert facts.message("9", 4) == "message 4 (offset 3, sent by process 3, acknowledged at " \
        "4.000 s)"
    assert facts.message("8", 2) == "message 2"
    assert facts.message("6", 6) == "message 6 (offset 2)"
    assert facts.message("5", 9) == "message 9"


def test_a_poll_range_of_a_key_not_polled_is_nothing():
    op = {"value": [["poll", {"8": [[0, 1]]}], ["send", "9", [0, 1]], ["poll", None],
                    ["poll", {"9": [[3, 1], [5, 2]]}]]}
    assert kafka_explain._poll_range(op, "9") == "offsets 3..5"
    op["value"].insert(0, ["poll"])
    assert kafka_explain._poll_range(op, "9") == "offsets 3..5"
    assert kafka_explain._poll_range(op, "7") == "nothing"
    assert kafka_explain._poll_range({"value": None}, "9") == "nothing"


def test_kinds_of_error_types():
    assert {t: kafka_explain.kind_of(t) for t in (
        "unseen", "lost-write", "poll-skip", "int-poll-skip", "int-send-skip",
        "nonmonotonic-poll", "int-nonmonotonic-poll", "nonmonotonic-send",
        "int-nonmonotonic-send", "duplicate", "inconsistent-offsets",
        "empty-transaction-graph", "G1a", "G1c-realtime")} == {
        "unseen": "kafka-lost", "lost-write": "kafka-lost", "poll-skip": "kafka-skip",
        "int-poll-skip": "kafka-skip", "int-send-skip": "kafka-skip",
        "nonmonotonic-poll": "kafka-order", "int-nonmonotonic-poll": "kafka-order",
        "nonmonotonic-send": "kafka-order", "int-nonmonotonic-send": "kafka-order",
        "duplicate": "kafka-duplicate", "inconsistent-offsets": "kafka-offsets",
        "empty-transaction-graph": "kafka-empty", "G1a": "kafka-cycle",
        "G1c-realtime": "kafka-cycle"}


def test_a_cycle_without_its_ops_or_steps_is_still_explained():
    result = {"valid?": False, "error-types": (K("G1c"),), "bad-error-types": (K("G1c"),),
              "G1c": {"count": 1, "errs": ({"type": K("G1c")},)}}
    line = kafka.explain(result, [], {})[2]
    assert line.startswith("   form a cycle: . Each op polled a message")


def test_messages_of_different_types_at_one_offset_are_listed_in_a_stable_order():
    # (The checker itself stops on such a set, as Jepsen does; a result read from
    # elsewhere may still hold one.)
    h = H()
    h.send(0, "9", 10, 0)
    h.send(1, "9", "a", 0)
    h.send(1, "9", 9, 0)
    err = {"key": "9", "offset": 0, "index": 0, "values": frozenset({10, "a", 9})}
    result = {"valid?": False, "error-types": (K("inconsistent-offsets"),),
              "bad-error-types": (K("inconsistent-offsets"),),
              "inconsistent-offsets": {"count": 1, "errs": (err,)}}
    line = explain(h, result)[2]
    assert line.startswith("  key '9': offset 0 holds different messages: message 'a' (")
    assert "message 10 (offset 0, sent by process 0 (n0), acknowledged at 1.000 s); message 9" \
        in line


def test_a_skip_over_several_messages_lists_them_all():
    h = H()
    for m in (1, 2, 3, 4):
        h.send(0, "9", m, m - 1)
    h.poll(1, {"9": [[0, 1], [3, 4]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3], [3, 4]]})
    (line,) = cases(lines_of(h))
    assert line.endswith(f"skipping {msg(2, 1, 0, 'n0', 3)}, {msg(3, 2, 0, 'n0', 5)}.")


def test_four_unseen_messages_show_three_and_one_more():
    h = H()
    for m in (1, 2, 3, 4):
        h.send(0, "9", m, m - 1)
    h.poll(1, {})
    assert lines_of(h)[2].endswith(f"{msg(3, 2, 0, 'n0', 5)} and 1 more.")


def test_every_error_type_listed_is_explained_whatever_the_order():
    result = {"valid?": False, "error-types": (K("unseen"), K("int-poll-skip")),
              "bad-error-types": (K("unseen"), K("int-poll-skip")),
              "unseen": {"time": 0, "unseen": {"9": 1}, "messages": {"9": (1,)}},
              "int-poll-skip": {"count": 1, "errs": tuple(skips(1))}}
    lines = kafka.explain(result, [], {})
    assert lines[3] == "kafka int-poll-skip: 1 case(s)."


def test_a_result_without_bad_error_types_counts_every_type_as_allowed():
    result = skip_result(1)
    del result["bad-error-types"]
    assert kafka.explain(result, [], {})[0] == (
        "kafka int-poll-skip: 1 case(s) (allowed: does not make the test fail).")


def test_a_send_completed_with_another_type_is_named_by_it():
    h = H()
    h.send(0, "9", 1, None, type_="timeout")
    facts = kafka_explain._Facts(h.ops, {})
    assert facts.message("9", 1) == "message 1 (sent by process 0, timeout at 1.000 s)"
