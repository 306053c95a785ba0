"""The broadcast / g-set checker's details as a user sees them: every line of an
explanation (verdict, latencies, each lost, missing-final, stale and never-read value with
the ops behind it, the patterns and the journal trails), the g-set wording and its unmarked
final reads, the checker's errors on broken histories, and the 3d/3e target lines."""

import pytest

from glomers.checkers import evidence, set_full
from glomers.edn import Keyword as K

MS = 1_000_000
THREE = {"nodes": ["n0", "n1", "n2"], "concurrency": 3}


def ops(*rows):
    """Ops from (time ms, type, process, f, value[, "final"]) rows, indices dense."""
    history = []
    for time_ms, type_, process, f, value, *final in rows:
        op = {"index": len(history), "time": time_ms * MS, "type": K(type_),
              "process": process, "f": K(f), "value": value}
        if final:
            op["final?"] = True
        history.append(op)
    return history


def kinds(lines):
    """(class name, kind, label) of each line: which lines are cases and hints."""
    return [(type(line).__name__, getattr(line, "kind", None), getattr(line, "label", None))
            for line in lines]


# Values 1 and 2 acknowledged by n0 and 3 never acknowledged (but read once) are lost;
# 4 is stable by Maelstrom's rule yet n1's final read lacks it; 5 is merely stale; 6 and 7
# were added after every read began.
BROADCAST = ops(
    (0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
    (2, "invoke", 0, "broadcast", 2), (3, "ok", 0, "broadcast", 2),
    (4, "invoke", 1, "broadcast", 3), (5, "info", 1, "broadcast", 3),
    (6, "invoke", 2, "broadcast", 4), (7, "ok", 2, "broadcast", 4),
    (8, "invoke", 0, "broadcast", 5), (9, "ok", 0, "broadcast", 5),
    (10, "invoke", 2, "read", None), (11, "ok", 2, "read", [3, 4]),
    (20, "invoke", 0, "read", None), (21, "ok", 0, "read", [1, 2, 3, 4, 5]),
    (30, "invoke", 1, "read", None, "final"), (31, "ok", 1, "read", [5], "final"),
    (32, "invoke", 2, "read", None, "final"), (33, "ok", 2, "read", [4, 5], "final"),
    (40, "invoke", 1, "broadcast", 6), (41, "info", 1, "broadcast", 6),
    (42, "invoke", 0, "broadcast", 7))


def test_the_result_of_a_history_with_every_outcome():
    result = set_full.check(BROADCAST, THREE)
    assert result["valid?"] is False
    assert (result["lost"], result["stale"], result["never-read"]) == ((1, 2, 3), (4, 5), (6, 7))
    assert (result["attempt-count"], result["stable-count"], result["lost-count"],
            result["stale-count"], result["never-read-count"]) == (7, 2, 3, 2, 2)
    # Latencies: 4 from its ack (7 ms) to just after n1's final read began (30 ms); 1 from
    # its ack (1 ms) to just after the last read showing it began (20 ms); 3 from the read
    # that first showed it (11 ms).
    assert result["stable-latencies"] == {0: 1, 0.5: 23, 0.95: 23, 0.99: 23, 1: 23}
    assert result["lost-latencies"] == {0: 9, 0.5: 17, 0.95: 19, 0.99: 19, 1: 19}
    worst = result["worst-stale"]
    assert [(r["element"], r["stable-latency"], r["known"]["index"], r["last-absent"]["index"])
            for r in worst] == [(4, 23, 7, 14), (5, 1, 9, 10)]
    assert [r["outcome"] for r in worst] == [K("stable"), K("stable")]


def test_every_line_of_a_broadcast_explanation():
    result = set_full.check(BROADCAST, THREE)
    lines = set_full.explain(result, BROADCAST, THREE)
    final_reads = "  final reads without it: n1 (op 15, 0.031 s), n2 (op 17, 0.033 s)."
    last_read = ("  last read without it: invoked as op 16 (invoke read by process 2 on n2 at "
                 "0.032 s).")
    later = ", yet a read that began later did not return it."
    assert lines == [
        "broadcast: INVALID, values were lost. 7 values broadcast: 2 stable, 3 lost, "
        "2 never read.",
        "stable-latencies (ms): min 1, median 23, p95 23, p99 23, max 23",
        "lost-latencies (ms): min 9, median 17, p95 19, p99 19, max 19",
        "3 values were LOST: acknowledged, then missing from the last reads (the last read "
        "without each began after the last read with it).",
        evidence.hint("lost")[0],
        "value 1 was LOST: acknowledged by n0 in op 1 (ok broadcast by process 0 on n0 at "
        "0.001 s)" + later, last_read, final_reads,
        "value 2 was LOST: acknowledged by n0 in op 3 (ok broadcast by process 0 on n0 at "
        "0.003 s)" + later, last_read, final_reads,
        "value 3 was LOST: never acknowledged, but seen by op 11 (ok read by process 2 on n2 "
        "at 0.011 s)" + later, last_read, final_reads,
        "1 more values are stable by Maelstrom's rule (the last read to begin had them), yet "
        "some final reads lacked them: Maelstrom does not count them lost, but they never "
        "reached every node.",
        evidence.hint("missing-final")[0],
        "value 4 is missing from final reads: acknowledged by n2 in op 7 (ok broadcast by "
        "process 2 on n2 at 0.007 s).",
        "  final reads without it: n1 (op 15, 0.031 s).",
        "1 of 2 stable values were stale (a read that began after they were known still "
        "missed them, but every final read had them: allowed, but slow).",
        "  value 5: 1 ms, known at op 9 (ok broadcast by process 0 on n0 at 0.009 s), still "
        "missing from the read invoked as op 10 (invoke read by process 2 on n2 at 0.010 s).",
        "2 values were never read after they were known (not an error): 6 (info), "
        "7 (no completion).",
    ]
    assert kinds(lines)[3:6] == [("str", None, None), ("Hint", "lost", None),
                                 ("Case", "lost", 1)]
    assert [k for k in kinds(lines) if k[0] != "str"] == [
        ("Hint", "lost", None), ("Case", "lost", 1), ("Case", "lost", 2), ("Case", "lost", 3),
        ("Hint", "missing-final", None), ("Case", "missing-final", 4),
        ("Case", "stale", 5)]


# g-set: 1 is lost (n0's final read lacks it after n1's had it), 2 is stable but missing
# from n0's final read. Process 2's read began before the last add: not a final read.
GSET_OPTS = {"nodes": ["n0", "n1"], "concurrency": 2, "workload": "g-set"}
GSET = ops(
    (0, "invoke", 0, "add", 1), (1, "ok", 0, "add", 1),
    (2, "invoke", 2, "read", None),
    (3, "invoke", 1, "add", 2), (4, "ok", 1, "add", 2),
    (5, "ok", 2, "read", []),
    (6, "invoke", 1, "read", None), (7, "ok", 1, "read", [1, 2]),
    (8, "invoke", 0, "read", None), (9, "ok", 0, "read", []),
    (10, "invoke", 1, "read", None), (11, "ok", 1, "read", [2]))


def test_every_line_of_a_g_set_explanation_says_elements_and_add():
    result = set_full.check(GSET, GSET_OPTS)
    lines = set_full.explain(result, GSET, GSET_OPTS)
    assert lines == [
        "g-set: INVALID, values were lost. 2 elements added: 1 stable, 1 lost, 0 never read.",
        "stable-latencies (ms): min 4, median 4, p95 4, p99 4, max 4",
        "lost-latencies (ms): min 5, median 5, p95 5, p99 5, max 5",
        "1 elements were LOST: acknowledged, then missing from the last reads (the last read "
        "without each began after the last read with it).",
        evidence.hint("lost")[0],
        "value 1 was LOST: acknowledged by n0 in op 1 (ok add by process 0 on n0 at 0.001 s), "
        "yet a read that began later did not return it.",
        "  last read without it: invoked as op 10 (invoke read by process 1 on n1 at "
        "0.010 s).",
        "  final reads without it: n0 (op 9, 0.009 s), n1 (op 11, 0.011 s).",
        "1 more elements are stable by Maelstrom's rule (the last read to begin had them), "
        "yet some final reads lacked them: Maelstrom does not count them lost, but they "
        "never reached every node.",
        evidence.hint("missing-final")[0],
        "value 2 is missing from final reads: acknowledged by n1 in op 4 (ok add by process 1 "
        "on n1 at 0.004 s).",
        "  final reads without it: n0 (op 9, 0.009 s).",
    ]


def test_g_set_final_reads_need_no_mark_and_broadcast_ones_do():
    # Read as broadcast, GSET's reads carry no :final? mark: no final read lacks anything.
    opts = dict(GSET_OPTS, workload="broadcast")
    result = set_full.check(GSET, opts)
    text = "\n".join(set_full.explain(result, GSET, opts))
    assert "final reads without it" not in text and "missing from final reads" not in text
    assert text.startswith("broadcast: INVALID, values were lost. 2 values broadcast:")
    assert "1 values were LOST" in text and "(ok broadcast by process 0 on n0" in text
    # Stale, not missing-final, once nothing marks the final reads.
    assert "1 of 1 stable values were stale" in text


def test_the_verdict_line_of_a_valid_and_of_an_unknown_run():
    valid = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                (2, "invoke", 1, "read", None), (3, "ok", 1, "read", [1]))
    assert set_full.explain(set_full.check(valid), valid) == [
        "broadcast: valid. 1 values broadcast: 1 stable, 0 lost, 0 never read.",
        "stable-latencies (ms): min 0, median 0, p95 0, p99 0, max 0"]
    unknown = ops((0, "invoke", 0, "add", 1), (1, "info", 0, "add", 1))
    assert set_full.explain(set_full.check(unknown), unknown, {"workload": "g-set"}) == [
        "g-set: unknown, no value was ever confirmed by a later read. 1 elements added: "
        "0 stable, 0 lost, 1 never read.",
        "1 values were never read after they were known (not an error): 1 (info)."]
    # A result that lacks the counts (an older run's) reads as zeros.
    assert set_full.explain({"valid?": True}, []) == [
        "broadcast: valid. 0 values broadcast: 0 stable, 0 lost, 0 never read."]


def test_without_node_names_the_explanation_names_processes():
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 1, "read", None, "final"), (5, "ok", 1, "read", [], "final"))
    lines = set_full.explain(set_full.check(history), history)
    assert lines[4:] == [
        "value 1 was LOST: acknowledged by its node in op 1 (ok broadcast by process 0 at "
        "0.001 s), yet a read that began later did not return it.",
        "  last read without it: invoked as op 4 (invoke read by process 1 at 0.004 s).",
        "  final reads without it: process 1 (op 5, 0.005 s)."]


def test_never_read_values_are_listed_ten_at_most_with_their_completion():
    rows = []
    for value in range(12):
        rows += [(value, "invoke", value, "broadcast", value),
                 (value, "fail" if value == 0 else "info", value, "broadcast", value)]
    history = ops(*rows)
    lines = set_full.explain(set_full.check(history), history)
    assert lines[-1] == ("12 values were never read after they were known (not an error): "
                         "0 (fail), 1 (info), 2 (info), 3 (info), 4 (info), 5 (info), 6 (info), "
                         "7 (info), 8 (info), 9 (info) and 2 more.")


def test_stale_values_are_listed_eight_worst_at_most():
    rows = []
    for value in range(10):
        rows += [(value, "invoke", 0, "broadcast", value),
                 (value, "ok", 0, "broadcast", value)]
    rows += [(100, "invoke", 1, "read", None), (101, "ok", 1, "read", []),
             (200, "invoke", 1, "read", None), (201, "ok", 1, "read", list(range(10)))]
    history = ops(*rows)
    lines = set_full.explain(set_full.check(history), history)
    assert lines[2] == ("10 of 10 stable values were stale (a read that began after they "
                        "were known still missed them, but every final read had them: "
                        "allowed, but slow).")
    assert [line.label for line in lines[3:]] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert lines[3].startswith("  value 0: 100 ms, known at op 1 ")


# ---------------------------------------------------------------------------------------
# Lost values followed through the network's journal

def event(time_ms, kind, id_, src, dest, body):
    return {"time": time_ms * MS, "event": kind, "id": id_, "src": src, "dest": dest,
            "body": body}


# 1, 2 and 3 are acknowledged by n0 (processes 0 and 3) and lost: n1's final read lacks them.
LOST_THREE = ops(
    (0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
    (2, "invoke", 0, "broadcast", 2), (3, "ok", 0, "broadcast", 2),
    (4, "invoke", 3, "broadcast", 3), (5, "ok", 3, "broadcast", 3),
    (6, "invoke", 0, "read", None), (7, "ok", 0, "read", [1, 2, 3]),
    (8, "invoke", 1, "read", None, "final"), (9, "ok", 1, "read", [], "final"))

# 1 never leaves n0; 2 is sent to n1 and dropped; 3 reaches every node.
JOURNAL = [
    event(0, "recv", 1, "c1", "n0", {"type": "broadcast", "message": 1, "msg_id": 1}),
    event(1, "recv", 2, "c1", "n0", {"type": "broadcast", "message": 2, "msg_id": 2}),
    event(2, "send", 3, "n0", "n1", {"type": "gossip", "values": [2]}),
    event(4, "recv", 4, "c4", "n0", {"type": "broadcast", "message": 3, "msg_id": 3}),
    event(5, "send", 5, "n0", "n1", {"type": "gossip", "values": [3]}),
    event(6, "recv", 5, "n0", "n1", {"type": "gossip", "values": [3]}),
    event(7, "send", 6, "n1", "n2", {"type": "gossip", "values": [3]}),
    event(8, "recv", 6, "n1", "n2", {"type": "gossip", "values": [3]}),
    # Replies to clients never count as carrying a value to a node.
    event(9, "send", 7, "n1", "c2", {"type": "read_ok", "messages": [1, 2, 3]}),
]


def test_the_journal_tells_what_became_of_each_lost_value():
    result = set_full.check(LOST_THREE, THREE)
    lines = set_full.explain(result, LOST_THREE, THREE, journal=JOURNAL)
    assert lines[4:7] == [
        "pattern: all 3 lost values were acknowledged by n0, so look first at how n0 passes "
        "values on.",
        "pattern: 1 of the 3 lost values never left the node that acknowledged them: no "
        "message carried them to another node.",
        "pattern: 1 of the 3 lost values were sent on, but no copy reached some nodes "
        "(dropped by a partition or still queued) and none was sent again."]
    final = "  final reads without it: n1 (op 9, 0.009 s)."
    last = "  last read without it: invoked as op 8 (invoke read by process 1 on n1 at 0.008 s)."
    assert lines[7:] == [
        "value 1 was LOST: acknowledged by n0 in op 1 (ok broadcast by process 0 on n0 at "
        "0.001 s), yet a read that began later did not return it.", last, final,
        "  reached 1 node(s): n0.",
        "  never reached: n1 n2.",
        "  last hop seen: c1 -> n0 broadcast at 0.000 s, delivered.",
        "value 2 was LOST: acknowledged by n0 in op 3 (ok broadcast by process 0 on n0 at "
        "0.003 s), yet a read that began later did not return it.", last, final,
        "  reached 1 node(s): n0.",
        "  never reached: n1 n2.",
        "  last hop seen: n0 -> n1 gossip at 0.002 s, never delivered.",
        "  sent but never delivered (dropped by a partition or still queued): n0 -> n1 at "
        "0.002 s.",
        "value 3 was LOST: acknowledged by n0 in op 5 (ok broadcast by process 3 on n0 at "
        "0.005 s), yet a read that began later did not return it.", last, final,
        "  reached 3 node(s): n0 n1 n2.",
        "  last hop seen: n1 -> n2 gossip at 0.008 s, delivered.",
    ]


def test_a_value_no_message_carried_and_a_majority_pattern():
    # 1 and 2 acknowledged by n0, 3 by n1; the journal carries none of them.
    history = ops(
        (0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
        (2, "invoke", 0, "broadcast", 2), (3, "ok", 0, "broadcast", 2),
        (4, "invoke", 1, "broadcast", 3), (5, "ok", 1, "broadcast", 3),
        (6, "invoke", 0, "read", None), (7, "ok", 0, "read", [1, 2, 3]),
        (8, "invoke", 2, "read", None, "final"), (9, "ok", 2, "read", [], "final"))
    lines = set_full.explain(set_full.check(history, THREE), history, THREE, journal=[])
    assert lines[4:6] == [
        "pattern: 2 of the 3 lost values were acknowledged by n0.",
        "pattern: 3 of the 3 lost values never left the node that acknowledged them: no "
        "message carried them to another node."]
    assert lines.count("  the journal shows no message carrying 1 to any node.") == 1
    assert "  the journal shows no message carrying 3 to any node." in lines
    assert not any(line.startswith(("  reached", "  never reached")) for line in lines)


def test_a_missing_final_value_is_followed_through_the_journal_too():
    result = set_full.check(BROADCAST, THREE)
    journal = [event(7, "send", 1, "n2", "n1", {"type": "gossip", "values": [4]})]
    lines = set_full.explain(result, BROADCAST, THREE, journal=journal)
    at = lines.index("  final reads without it: n1 (op 15, 0.031 s).")
    assert lines[at + 1:at + 5] == [
        "  reached 1 node(s): n2.",
        "  never reached: n0 n1.",
        "  last hop seen: n2 -> n1 gossip at 0.007 s, never delivered.",
        "  sent but never delivered (dropped by a partition or still queued): n2 -> n1 at "
        "0.007 s."]


def test_without_node_names_a_trail_counts_endpoints_named_n_as_nodes():
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 1, "read", None, "final"), (5, "ok", 1, "read", [], "final"))
    journal = [
        event(0, "recv", 1, "c1", "n0", {"type": "broadcast", "message": 1}),
        # A service is not a node: it holds no copy a read could return.
        event(1, "send", 2, "n0", "lin-kv", {"type": "write", "key": "k", "value": [1]}),
        event(2, "recv", 2, "n0", "lin-kv", {"type": "write", "key": "k", "value": [1]}),
        event(3, "send", 3, "n0", "n7", {"type": "gossip", "values": [1]}),
    ]
    lines = set_full.explain(set_full.check(history), history, {}, journal=journal)
    tail = lines[lines.index("  reached 1 node(s): n0."):]
    assert tail == [
        "  reached 1 node(s): n0.",
        "  last hop seen: n0 -> n7 gossip at 0.003 s, never delivered.",
        "  sent but never delivered (dropped by a partition or still queued): n0 -> n7 at "
        "0.003 s."]


def test_undelivered_sends_are_listed_six_at_most():
    journal = [event(t, "send", t, "n0", "n1", {"type": "gossip", "values": [1]})
               for t in range(8)]
    lines = set_full.explain(set_full.check(LOST_THREE, THREE), LOST_THREE, THREE,
                             journal=journal)
    assert ("  sent but never delivered (dropped by a partition or still queued): "
            "n0 -> n1 at 0.000 s, n0 -> n1 at 0.001 s, n0 -> n1 at 0.002 s, n0 -> n1 at "
            "0.003 s, n0 -> n1 at 0.004 s, n0 -> n1 at 0.005 s and 2 more.") in lines


# ---------------------------------------------------------------------------------------
# Broken histories


def test_a_completion_without_its_invocation_is_an_error_naming_the_op():
    add = {"index": 0, "time": 0, "type": "ok", "process": 0, "f": "broadcast", "value": 1}
    with pytest.raises(ValueError, match=r"^add completion without invocation: "
                       r"#jepsen.history.Op\{:index 0, .*:type :ok, .*:f :add"):
        set_full.check([add])
    read = {"index": 0, "time": 0, "type": "ok", "process": 0, "f": "read", "value": []}
    with pytest.raises(ValueError, match=r"^read completion without invocation: "
                       r"#jepsen.history.Op\{:index 0, .*:f :read, :value \[\]\}$"):
        set_full.check([read])


# ---------------------------------------------------------------------------------------
# Targets


def test_target_lines_of_3d_and_without_figures():
    result = {"stable-latencies": {0: 0, 0.5: 290, 0.95: 400, 0.99: 470, 1: 480}}
    _, line = set_full.targets(result, {"servers": {"msgs-per-op": 31.004}}, "3d")
    assert line == "msgs-per-op 31.00 < 30 ✗  median 290 ms < 400 ms ✓  max 480 ms < 600 ms ✓"
    checks, line = set_full.targets(None, None, "3e")
    assert line == "msgs-per-op n/a < 20 ✗  median n/a < 1 s ✗  max n/a < 2 s ✗"
    assert checks == [("msgs-per-op", None, 20, False), ("median", None, 1000, False),
                      ("max", None, 2000, False)]


# ---------------------------------------------------------------------------------------
# More of the same, each on the one fact it pins


def test_latencies_count_from_one_nanosecond_after_the_deciding_read_began():
    # Stable: known at 1.000002 ms, missed by a read invoked at 3 ms: (3 ms + 1 ns) - known
    # is 1.999999 ms, one whole ms. Lost: known at 0.000002 ms, last shown by a read invoked
    # at 2 ms: 1.999999 ms again.
    def op(index, time_ns, type_, process, f, value, final=False):
        extra = {"final?": True} if final else {}
        return {"index": index, "time": time_ns, "type": K(type_), "process": process,
                "f": K(f), "value": value, **extra}

    history = [op(0, 0, "invoke", 0, "broadcast", 1), op(1, 2, "ok", 0, "broadcast", 1),
               op(2, 1_000_000, "invoke", 0, "broadcast", 2),
               op(3, 1_000_002, "ok", 0, "broadcast", 2),
               op(4, 2_000_000, "invoke", 1, "read", None), op(5, 2_500_000, "ok", 1, "read", [1]),
               op(6, 3_000_000, "invoke", 1, "read", None), op(7, 3_500_000, "ok", 1, "read", []),
               op(8, 4_000_000, "invoke", 1, "read", None), op(9, 4_500_000, "ok", 1, "read", [2])]
    result = set_full.check(history)
    assert result["lost"] == (1,) and result["stale"] == (2,)
    assert result["stable-latencies"][1] == 1
    assert result["lost-latencies"][1] == 1


def test_two_lost_values_from_one_node_make_a_pattern():
    history = ops(
        (0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
        (2, "invoke", 0, "broadcast", 2), (3, "ok", 0, "broadcast", 2),
        (4, "invoke", 0, "read", None), (5, "ok", 0, "read", [1, 2]),
        (6, "invoke", 1, "read", None, "final"), (7, "ok", 1, "read", [], "final"))
    lines = set_full.explain(set_full.check(history, THREE), history, THREE)
    assert lines[4] == ("pattern: all 2 lost values were acknowledged by n0, so look first "
                        "at how n0 passes values on.")


def test_the_dropped_pattern_counts_values_with_an_undelivered_copy_only():
    # No copy of 1 or 2 arrived; 3's every copy arrived.
    journal = [
        event(1, "send", 1, "n0", "n1", {"type": "gossip", "values": [1]}),
        event(2, "send", 2, "n0", "n2", {"type": "gossip", "values": [2]}),
        event(3, "send", 3, "n0", "n1", {"type": "gossip", "values": [2]}),
        event(5, "send", 4, "n0", "n1", {"type": "gossip", "values": [3]}),
        event(6, "recv", 4, "n0", "n1", {"type": "gossip", "values": [3]}),
    ]
    lines = set_full.explain(set_full.check(LOST_THREE, THREE), LOST_THREE, THREE,
                             journal=journal)
    assert lines[5] == ("pattern: 2 of the 3 lost values were sent on, but no copy reached "
                        "some nodes (dropped by a partition or still queued) and none was "
                        "sent again.")
    assert not any("never left" in line for line in lines)


def test_a_reply_naming_the_value_as_its_in_reply_to_does_not_carry_it():
    journal = [
        event(0, "recv", 1, "c1", "n0", {"type": "broadcast", "message": 1, "msg_id": 1}),
        event(1, "send", 2, "n1", "n0", {"type": "gossip_ok", "in_reply_to": 1}),
        event(2, "recv", 2, "n1", "n0", {"type": "gossip_ok", "in_reply_to": 1}),
    ]
    lines = set_full.explain(set_full.check(LOST_THREE, THREE), LOST_THREE, THREE,
                             journal=journal)
    at = lines.index("value 1 was LOST: acknowledged by n0 in op 1 (ok broadcast by process 0 "
                     "on n0 at 0.001 s), yet a read that began later did not return it.")
    assert lines[at + 3:at + 6] == ["  reached 1 node(s): n0.", "  never reached: n1 n2.",
                                    "  last hop seen: c1 -> n0 broadcast at 0.000 s, "
                                    "delivered."]


def test_the_nodes_named_in_the_options_are_the_nodes_of_a_trail():
    # Nodes need not be called n...: with their names given, only they count.
    opts = {"nodes": ["a", "b"], "concurrency": 2}
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 1, "read", None, "final"), (5, "ok", 1, "read", [], "final"))
    journal = [event(0, "recv", 1, "c1", "a", {"type": "broadcast", "message": 1}),
               event(1, "send", 2, "a", "nx", {"type": "gossip", "values": [1]}),
               event(2, "recv", 2, "a", "nx", {"type": "gossip", "values": [1]})]
    lines = set_full.explain(set_full.check(history, opts), history, opts, journal=journal)
    assert lines[-3:] == ["  reached 1 node(s): a.", "  never reached: b.",
                          "  last hop seen: a -> nx gossip at 0.002 s, delivered."]


def test_messages_to_a_service_are_part_of_a_trail_and_client_replies_are_not():
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 1, "read", None, "final"), (5, "ok", 1, "read", [], "final"))
    journal = [
        event(0, "recv", 1, "c1", "n0", {"type": "broadcast", "message": 1}),
        event(1, "send", 2, "n0", "c1", {"type": "read_ok", "messages": [1]}),
        event(2, "send", 3, "n0", "lin-kv", {"type": "write", "key": "k", "value": [1]}),
    ]
    lines = set_full.explain(set_full.check(history, THREE), history, THREE, journal=journal)
    assert lines[-4:] == [
        "  reached 1 node(s): n0.",
        "  never reached: n1 n2.",
        "  last hop seen: n0 -> lin-kv write at 0.002 s, never delivered.",
        "  sent but never delivered (dropped by a partition or still queued): n0 -> lin-kv "
        "at 0.002 s."]


def test_a_missing_final_value_never_acknowledged_names_the_read_that_showed_it():
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "info", 0, "broadcast", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 1, "read", None, "final"), (5, "ok", 1, "read", [], "final"),
                  (6, "invoke", 2, "read", None, "final"), (7, "ok", 2, "read", [1], "final"))
    lines = set_full.explain(set_full.check(history, THREE), history, THREE)
    assert lines[4:6] == [
        "value 1 is missing from final reads: never acknowledged, but seen by op 3 (ok read "
        "by process 0 on n0 at 0.003 s).",
        "  final reads without it: n1 (op 5, 0.005 s)."]


def test_g_set_final_reads_begin_after_the_last_add_was_invoked():
    # n1's read began after add 2 was invoked but before it completed: a final read. A
    # nemesis op between the reads changes nothing.
    history = ops((0, "invoke", 0, "add", 1), (1, "ok", 0, "add", 1),
                  (2, "invoke", 0, "read", None), (3, "ok", 0, "read", [1]),
                  (4, "invoke", 0, "add", 2),
                  (5, "invoke", 1, "read", None), (6, "ok", 1, "read", []),
                  (7, "ok", 0, "add", 2))
    history.insert(6, {"index": 6, "time": 5 * MS, "type": K("info"), "process": "nemesis",
                       "f": K("start-partition"), "value": None})
    for index, op in enumerate(history):
        op["index"] = index
    lines = set_full.explain(set_full.check(history, GSET_OPTS), history, GSET_OPTS)
    assert "  final reads without it: n1 (op 7, 0.006 s)." in lines


def test_a_g_set_history_of_reads_alone_is_explained():
    history = ops((0, "invoke", 0, "read", None), (1, "ok", 0, "read", []))
    assert set_full.explain(set_full.check(history, GSET_OPTS), history, GSET_OPTS) == [
        "g-set: unknown, no value was ever confirmed by a later read. 0 elements added: "
        "0 stable, 0 lost, 0 never read."]


def test_elements_are_ordered_by_value_across_integers_and_floats():
    history = ops((0, "invoke", 0, "add", 2), (1, "info", 0, "add", 2),
                  (2, "invoke", 0, "add", 1.5), (3, "info", 0, "add", 1.5),
                  (4, "invoke", 0, "add", 1), (5, "info", 0, "add", 1))
    assert set_full.check(history)["never-read"] == (1, 1.5, 2)


# ---------------------------------------------------------------------------------------
# Tracking by set operations (_track) against the walk over every element (_track_each),
# on the histories its shortcut hands back to the walk or must treat as the walk does.


def _both(history):
    outcomes = []
    for track in (set_full._track, set_full._track_each):
        try:
            outcomes.append(track(history))
        except Exception as error:
            outcomes.append((type(error), str(error)))
    return outcomes


def _reads_of(values, invocation_index):
    """An add of each value, then a read invoked at `invocation_index` that saw them."""
    history = ops(*[row for i, value in enumerate(values)
                    for row in ((i, "invoke", 0, "broadcast", value),
                                (i, "ok", 0, "broadcast", value))])
    history.append({"index": invocation_index, "time": 50 * MS, "type": K("invoke"),
                    "process": 1, "f": K("read"), "value": None})
    history.append({"index": len(history), "time": 51 * MS, "type": K("ok"), "process": 1,
                    "f": K("read"), "value": list(values)})
    return history


def test_a_read_invoked_at_a_negative_index_never_counts_as_last():
    history = _reads_of([1, 2], -1)
    fast, walk = _both(history)
    assert fast == walk
    assert [state["last-present"] for state in fast] == [None, None]


def test_an_integer_of_a_subclass_is_the_same_element_as_the_plain_integer():
    class Big(int):
        pass

    history = _reads_of([Big(2)], 5)
    history[-1]["value"] = [2]                    # the read saw the plain integer
    fast, walk = _both(history)
    assert fast == walk
    assert fast[0]["last-present"]["index"] == 5


def test_a_read_before_any_add_needs_no_index():
    history = [{"time": 0, "type": K("invoke"), "process": 1, "f": K("read")},
               {"index": 1, "time": 1, "type": K("ok"), "process": 1, "f": K("read"),
                "value": [1]}] + ops((2, "invoke", 0, "broadcast", 1))[:1]
    history[-1]["index"] = 2
    assert _both(history) == [[{"element": 1, "known": None, "last-present": None,
                                "last-absent": None}]] * 2
    # Once something is tracked, a read whose invocation has no index fails as the walk does.
    assert _both(list(reversed(history[2:])) + history[:2])[0][0] is KeyError


def test_two_reads_invoked_under_one_index_keep_the_first_to_complete():
    # Process 1's and process 2's reads both showed 1 and were both given index 3: the
    # walk keeps the first to complete (a later read must have a higher index to win).
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1))
    first = {"index": 3, "time": 2 * MS, "type": K("invoke"), "process": 1, "f": K("read"),
             "value": None}
    second = dict(first, process=2, time=3 * MS)
    history += [first, second,
                {"index": 4, "time": 4 * MS, "type": K("ok"), "process": 1, "f": K("read"),
                 "value": [1]},
                {"index": 5, "time": 5 * MS, "type": K("ok"), "process": 2, "f": K("read"),
                 "value": [1]}]
    fast, walk = _both(history)
    assert fast == walk
    assert fast[0]["last-present"] is first and fast[0]["last-absent"] is None


def test_two_reads_invoked_under_one_index_that_both_missed_keep_the_first_too():
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1))
    first = {"index": 3, "time": 2 * MS, "type": K("invoke"), "process": 1, "f": K("read"),
             "value": None}
    second = dict(first, process=2, time=3 * MS)
    history += [first, second,
                {"index": 4, "time": 4 * MS, "type": K("ok"), "process": 1, "f": K("read"),
                 "value": []},
                {"index": 5, "time": 5 * MS, "type": K("ok"), "process": 2, "f": K("read"),
                 "value": []}]
    fast, walk = _both(history)
    assert fast == walk
    assert fast[0]["last-absent"] is first and fast[0]["last-present"] is None


def test_the_walk_names_a_read_completion_without_invocation_as_the_shortcut_does():
    # A value added twice hands the history to the walk, which then meets the stray read.
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "invoke", 1, "broadcast", 1),
                  (2, "ok", 2, "read", [1]))
    with pytest.raises(ValueError) as raised:
        set_full._track(history)
    assert str(raised.value) == ("read completion without invocation: #jepsen.history.Op{"
                                 ":index 2, :time "
                                 "2000000, :type :ok, :process 2, :f :read, :value [1]}")


def assert_tracked_without_walk(monkeypatch, history):
    """_track gives the walk's states for `history` without taking the walk."""
    expected = set_full._track_each(history)

    def walk(history):
        raise AssertionError("the walk was taken")
    monkeypatch.setattr(set_full, "_track_each", walk)
    assert set_full._track(history) == expected


def test_an_ordinary_history_is_tracked_by_set_operations_without_the_walk(monkeypatch):
    # Adds, then reads that miss some elements and later show them: the shortcut's case.
    # Forcing the walk would give the same states, only slower, so the walk is forbidden.
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 1, "read", None), (3, "ok", 1, "read", [1]),
                  (4, "invoke", 0, "broadcast", 2), (5, "ok", 0, "broadcast", 2),
                  (6, "invoke", 0, "broadcast", 3), (7, "ok", 0, "broadcast", 3),
                  (8, "invoke", 1, "read", None), (9, "ok", 1, "read", [1, 3]),
                  (10, "invoke", 2, "read", None), (11, "ok", 2, "read", [3, 2, 1]),
                  (12, "invoke", 1, "read", None), (13, "ok", 1, "read", [1, 2, 3]))
    assert_tracked_without_walk(monkeypatch, history)


def test_a_read_invoked_first_in_the_history_keeps_the_set_operations_path(monkeypatch):
    # A read invoked at index 0, before any add, that ends after an add was invoked: its
    # index is a valid one, so the shortcut keeps it (the walk would give the same states,
    # only slower, for the whole history).
    history = ops((0, "invoke", 1, "read", None), (1, "invoke", 0, "broadcast", 1),
                  (2, "ok", 0, "broadcast", 1), (3, "ok", 1, "read", [1]),
                  (4, "invoke", 0, "broadcast", 2), (5, "ok", 0, "broadcast", 2),
                  (6, "invoke", 1, "read", None), (7, "ok", 1, "read", [2]))
    assert_tracked_without_walk(monkeypatch, history)


def test_a_read_answered_twice_for_one_invocation_is_tracked_as_the_walk_tracks_it():
    # Two completions of one read invocation, with the same values: both count as that
    # invocation's read, and the two reads, alike but for their own ops, are ordered
    # without comparing the ops themselves.
    history = ops((0, "invoke", 0, "broadcast", 1), (1, "ok", 0, "broadcast", 1),
                  (2, "invoke", 0, "broadcast", 2), (3, "ok", 0, "broadcast", 2),
                  (4, "invoke", 1, "read", None), (5, "ok", 1, "read", [1]),
                  (6, "ok", 1, "read", [1]))
    states = set_full._track(history)
    assert states == set_full._track_each(history)
    assert [(s["element"], s["last-present"], s["last-absent"]) for s in states] == [
        (1, history[4], None), (2, None, history[4])]
