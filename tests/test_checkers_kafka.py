"""The kafka checker: tiny hand-written histories, one per anomaly class, and the real
Maelstrom kafka runs in oracle/."""

import functools
import re

import pytest

from glomers import edn, oracle_runs
from glomers.checkers import kafka
from glomers.checkers.kafka_clj import clj_first, hash_long, hash_string, map_order, trie_order


class H:
    """Builds a history: each call adds an invocation and its completion, 1 s apart."""

    def __init__(self):
        self.ops = []

    def _op(self, type_, process, f, value, **extra):
        op = {"index": len(self.ops), "time": len(self.ops) * 10**9, "type": type_,
              "process": process, "f": f, "value": value, **extra}
        self.ops.append(op)
        return op

    def send(self, process, key, msg, offset, type_="ok"):
        self._op("invoke", process, "send", [["send", key, msg]])
        done = [["send", key, [offset, msg]]] if type_ == "ok" else [["send", key, msg]]
        return self._op(type_, process, "send", done)

    def poll(self, process, msgs):
        self._op("invoke", process, "poll", [["poll"]])
        return self._op("ok", process, "poll", [["poll", msgs]])

    def assign(self, process, keys):
        self._op("invoke", process, "assign", keys)
        return self._op("ok", process, "assign", keys)


def check(h):
    return kafka.check(h.ops, {"nodes": ["n0", "n1"], "concurrency": 4})


def counts(result):
    return {k: v["count"] for k, v in result.items() if isinstance(v, dict) and "count" in v}


def clean_history():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(1, "9", 2, 1)
    h.poll(2, {"9": [[0, 1], [1, 2]]})
    return h


def test_clean_history_is_valid():
    result = check(clean_history())
    assert result["valid?"] is True
    assert result["error-types"] == () and result["bad-error-types"] == ()
    assert result["worst-realtime-lag"] == {"time": 4.0, "process": 2, "key": "9", "lag": 0.0}
    assert kafka.explain(result, clean_history().ops, {})[0].startswith("kafka: valid")


def test_unpolled_acknowledged_message_is_unseen():
    h = clean_history()
    h.send(0, "9", 3, 2)
    result = check(h)
    assert result["bad-error-types"] == ("unseen",)
    assert result["unseen"]["unseen"] == {"9": 1}
    assert result["unseen"]["messages"] == {"9": (3,)}
    assert isinstance(result["unseen"]["unseen"], edn.StringMap)


def test_unseen_quirk_counts_a_first_polled_key_at_the_last_step():
    # Jepsen counts a key met for the first time in the last :ok op, a poll, as unseen.
    h = H()
    h.send(0, "5", 1, None, type_="info")
    h.poll(1, {"5": [[0, 1]]})
    result = check(h)
    assert result["unseen"]["unseen"] == {"5": 1}


def test_lost_write_below_the_highest_polled_offset():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[1, 2]]})
    result = check(h)
    assert "lost-write" in result["bad-error-types"]
    (err,) = result["lost-write"]["errs"]
    assert (err["key"], err["value"], err["index"], err["max-read-index"]) == ("9", 1, 0, 1)
    assert err["writer"]["index"] == 1 and err["max-read"]["index"] == 5


def test_poll_skip_across_polls_of_one_process():
    h = H()
    for msg in (1, 2, 3):
        h.send(0, "9", msg, msg - 1)
    h.poll(1, {"9": [[0, 1]]})
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    assert result["bad-error-types"] == ("poll-skip",)
    (err,) = result["poll-skip"]["errs"]
    assert err["delta"] == 2 and err["skipped"] == (2,)
    assert [op["index"] for op in err["ops"]] == [7, 9]
    lines = kafka.explain(result, h.ops, {"nodes": ["n0", "n1"], "concurrency": 4})
    assert any("key '9'" in line and "process 1 (n1)" in line and "9.000 s" in line
               and "message 2 (offset 1, sent by process 0 (n0)" in line for line in lines)


def test_assign_forgets_keys_no_longer_assigned():
    h = H()
    for msg in (1, 2, 3):
        h.send(0, "9", msg, msg - 1)
    h.poll(1, {"9": [[0, 1]]})
    h.assign(1, ["8"])
    h.poll(1, {"9": [[2, 3]]})
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    assert "poll-skip" not in check(h)["error-types"]


def test_nonmonotonic_poll_repeating_the_last_message():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    h.poll(1, {"9": [[1, 2]]})
    result = check(h)
    assert result["bad-error-types"] == ("nonmonotonic-poll",)
    (err,) = result["nonmonotonic-poll"]["errs"]
    assert err["values"] == [2, 2] and err["delta"] == 0


def test_internal_poll_skip_and_backwards():
    h = H()
    for msg in (1, 2, 3):
        h.send(0, "9", msg, msg - 1)
    h.poll(1, {"9": [[0, 1], [2, 3]]})
    h.poll(2, {"9": [[1, 2], [0, 1], [2, 3]]})
    result = check(h)
    assert counts(result)["int-poll-skip"] == 2  # 1 -> 3 in both polls... and 2 -> 1 -> 3
    assert counts(result)["int-nonmonotonic-poll"] == 1
    skip = result["int-poll-skip"]["errs"][-1]
    assert skip["values"] == [1, 3] and skip["skipped"] == (2,)


def test_nonmonotonic_send():
    h = H()
    h.send(0, "9", 1, 1)
    h.send(0, "9", 2, 0)
    h.poll(1, {"9": [[0, 2], [1, 1]]})
    result = check(h)
    assert result["bad-error-types"] == ("nonmonotonic-send",)
    (err,) = result["nonmonotonic-send"]["errs"]
    assert err["values"] == [1, 2] and err["delta"] == -1


def test_inconsistent_offsets():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(1, "9", 2, 0)
    h.poll(2, {"9": [[0, 1]]})
    result = check(h)
    assert "inconsistent-offsets" in result["bad-error-types"]
    (err,) = result["inconsistent-offsets"]["errs"]
    assert (err["offset"], err["index"], err["values"]) == (0, 0, frozenset({1, 2}))


def test_duplicate_message_at_two_offsets():
    h = H()
    h.send(0, "9", 1, 0)
    h.poll(1, {"9": [[0, 1], [1, 1]]})
    result = check(h)
    assert "duplicate" in result["bad-error-types"]
    (err,) = result["duplicate"]["errs"]
    assert (err["value"], err["count"], err["offsets"]) == (1, 2, [0, 1])


def test_values_are_compared_with_clojure_equality():
    h = H()
    h.send(0, "9", 1, 0)
    h.send(0, "9", 1.0, 1)
    h.poll(1, {"9": [[0, 1], [1, 1.0]]})
    assert "duplicate" not in check(h)["error-types"]


def test_g1a_failed_send_visible():
    h = H()
    h.send(0, "9", 1, None, type_="fail")
    h.send(0, "9", 2, 1)
    h.poll(1, {"9": [[0, 1], [1, 2]]})
    result = check(h)
    assert "G1a" in result["bad-error-types"]
    (err,) = result["G1a"]["errs"]
    assert err["value"] == 1 and err["writer"]["type"] == "fail"


def test_read_from_the_future_is_a_realtime_cycle():
    h = H()
    h.poll(1, {"9": [[0, 1]]})
    h.send(0, "9", 1, 0)
    result = check(h)
    assert counts(result)["G1c-realtime"] == 1
    assert counts(result)["strong-PL-2-cycle-exists"] == 1
    (cycle,) = result["G1c-realtime"]["errs"]
    assert sorted(step["type"] for step in cycle["steps"]) == ["realtime", "wr"]
    assert result["valid?"] is False


def test_empty_transaction_graph():
    h = H()
    h.send(0, "9", 1, 0)
    result = check(h)
    assert result["empty-transaction-graph"] == {"count": 1, "errs": True}
    assert result["bad-error-types"] == ("empty-transaction-graph", "unseen")


def test_int_send_skip_is_allowed():
    h = H()
    h._op("invoke", 0, "send", [["send", "9", 1], ["send", "9", 3]])
    h._op("ok", 0, "send", [["send", "9", [0, 1]], ["send", "9", [2, 3]]])
    h.send(1, "9", 2, 1)
    h.poll(2, {"9": [[0, 1], [1, 2], [2, 3]]})
    result = check(h)
    assert result["error-types"] == ("int-send-skip",)
    assert result["valid?"] is True


def test_message_nobody_sent_makes_the_analysis_fail():
    h = clean_history()
    h.poll(3, {"9": [[2, 99]]})
    with pytest.raises(kafka.KafkaAnalysisError) as caught:
        check(h)
    assert caught.value.data["type"] == "no-writer-of-value" and caught.value.data["value"] == 99


def test_key_only_ever_polled_empty_makes_the_analysis_fail():
    # Jepsen's lost-write analysis indexes element -1 of a vector for such a key.
    h = clean_history()
    h.poll(3, {"8": []})
    with pytest.raises(kafka.KafkaAnalysisError):
        check(h)


def test_worst_realtime_lag_measures_a_stale_poll():
    h = H()
    h.assign(1, ["9"])
    h.send(0, "9", 1, 0)          # acknowledged at t = 3 s
    h.poll(1, {})                 # invoked at t = 4 s, sees nothing
    h.poll(1, {"9": [[0, 1]]})
    lag = check(h)["worst-realtime-lag"]
    assert lag == {"time": 4.0, "process": 1, "key": "9", "lag": 1.0}


def test_info_txn_causes_are_distinct_errors_of_info_ops():
    h = clean_history()
    for process in (5, 6):
        h._op("invoke", process, "poll", [["poll"]])
        h._op("info", process, "poll", [["poll"]], error=edn.K("net-timeout"))
    assert check(h)["info-txn-causes"] == ("net-timeout",)


def test_condense_keeps_the_largest_skips_and_smallest_backwards():
    errs = [{"delta": d} for d in (5, 2, 9, 3, 7, 4, 6, 8, 10, 11)]
    assert [e["delta"] for e in kafka.condense("poll-skip", errs)["errs"]] == list(range(4, 12))
    condensed = kafka.condense("nonmonotonic-poll", errs)
    assert condensed["count"] == 10 and [e["delta"] for e in condensed["errs"]] == list(
        range(2, 10))


def test_clojure_hash_order():
    assert hash_long(1) == 1392991556
    assert hash_string("a") == 1455541201
    # Clojure prints (set (range 1 9)) as #{7 1 4 6 3 2 5 8}.
    assert sorted(range(1, 9), key=trie_order) == [7, 1, 4, 6, 3, 2, 5, 8]
    assert clj_first({1, 2, 3, 4, 5, 6, 7, 8}) == 7


# --- The real runs ---------------------------------------------------------------------

KAFKA_RUNS = oracle_runs.runs("kafka")


@functools.lru_cache(maxsize=None)
def history_of(run):
    """A run's history, parsed once for all the tests below."""
    return run.history()

LOG_LINE = re.compile(r"jepsen\.util: (\d+)\t:(\w+)\t:([\w-]+)\t([^\t]*)")


def restore_final_phase(run, history):
    """Maelstrom 0.2.3 wrote the final phase's ops to history.edn as generated (integer keys,
    polls completing `[[:poll]]`) while its checker saw what jepsen.log shows (string keys,
    the polled messages); put the logged values back."""
    log = run.dir / "jepsen.log.tail"
    text = log.read_text() if log.exists() else ""
    start = text.find("Polling up to offsets")
    if start < 0:
        return history
    logged = {}
    for line in text[start:].splitlines():
        m = LOG_LINE.search(line)
        if m:
            logged.setdefault((int(m[1]), m[2], m[3]), []).append(m[4])
    restored = list(history)
    for (process, type_, f), values in logged.items():
        positions = [i for i, op in enumerate(history)
                     if (op["process"], op["type"], op["f"]) == (process, type_, f)]
        for i, value in zip(positions[-len(values):], values):
            restored[i] = dict(history[i], value=edn.loads(value))
    return restored


def test_printed_hash_maps_follow_the_trie_order():
    # Poll results with more than eight keys are printed by Clojure in hash order.
    checked = 0
    for run in KAFKA_RUNS:
        for op in history_of(run):
            if op["f"] == "poll" and op["type"] == "ok" and len(op["value"][0]) > 1:
                keys = list(op["value"][0][1])
                if len(keys) > 8:
                    assert map_order(keys) == keys
                    checked += 1
    if KAFKA_RUNS:
        assert checked > 0


# Runs that never wrote a results.edn (a node crashed, or the analysis never finished) have
# no Maelstrom verdict to hold the checker to. Their entries are this checker's reading of
# each history, in results.edn's shape, so that any change in it is seen; the figures a
# direct reading of the history gives (unseen messages, :info causes) are checked against
# the history itself in every run below.
NO_LAG = {"time": 0.0, "lag": 0.0}
WITHOUT_RESULTS = {
    "Shresth72__distributed_systems_jepsen__20240919T141959.387+0530": {
        "valid?": False, "error-types": ("lost-write", "poll-skip", "unseen"),
        "bad-error-types": ("lost-write", "poll-skip", "unseen"),
        "lost-write": {"count": 45}, "poll-skip": {"count": 1306},
        "worst-realtime-lag": {"time": 3.510208624, "process": 6, "key": "0",
                               "lag": 2.821910832},
        "info-txn-causes": ("net-timeout",)},
    "danish45007__distributed_systems_challenges_by_fly.io__20240303T032859.037+0530": {
        "valid?": True, "error-types": (), "bad-error-types": (),
        "worst-realtime-lag": {"time": 0.023600095, "process": 2, "key": "6", "lag": 0.0},
        "info-txn-causes": ("net-timeout",)},
    # Three empty polls and no acknowledged send: nothing to order.
    "danish45007__distributed_systems_challenges_by_fly.io__20240303T033150.163+0530": {
        "valid?": False, "error-types": ("empty-transaction-graph",),
        "bad-error-types": ("empty-transaction-graph",),
        "empty-transaction-graph": {"count": 1}, "worst-realtime-lag": NO_LAG,
        "info-txn-causes": ("net-timeout",)},
    # Not one :ok op: no poll, so no transaction graph is built at all.
    "danish45007__distributed_systems_challenges_by_fly.io__20240303T033429.183+0530": {
        "valid?": True, "error-types": (), "bad-error-types": (), "worst-realtime-lag": NO_LAG,
        "info-txn-causes": ("net-timeout",)},
    "danish45007__distributed_systems_challenges_by_fly.io__20240303T033949.660+0530": {
        "valid?": True, "error-types": (), "bad-error-types": (),
        "worst-realtime-lag": {"time": 0.045369116, "process": 2, "key": "9", "lag": 0.0},
        "info-txn-causes": ()},
    "danish45007__distributed_systems_challenges_by_fly.io__20240303T034243.062+0530": {
        "valid?": True, "error-types": (), "bad-error-types": (),
        "worst-realtime-lag": {"time": 0.019496941, "process": 1, "key": "9", "lag": 0.0},
        "info-txn-causes": ()},
}


def direct_unseen(history):
    """{key: count} of acknowledged messages no :ok poll ever returned, read straight off
    the history's :ok sends and polls."""
    sent, polled = {}, {}
    for op in history:
        if op["type"] != "ok" or op["f"] not in ("send", "poll"):
            continue
        for mop in op["value"]:
            if mop[0] == "send":
                message = mop[2][1] if isinstance(mop[2], (list, tuple)) else mop[2]
                sent.setdefault(mop[1], set()).add(message)
            elif mop[0] == "poll":
                for key, pairs in mop[1].items():
                    polled.setdefault(key, set()).update(message for _, message in pairs)
    counts = {key: len(messages - polled.get(key, set())) for key, messages in sent.items()}
    return {key: count for key, count in counts.items() if count}


def direct_info_causes(history):
    """The distinct errors of :info sends and polls, in the order they first happen."""
    causes = []
    for op in history:
        if op["type"] == "info" and op["f"] in ("send", "poll") and op.get("error") not in causes:
            causes.append(op.get("error"))
    return tuple(causes)


@pytest.mark.parametrize("run", KAFKA_RUNS, ids=lambda run: run.dir.name[:60])
def test_oracle_run(run):
    history = restore_final_phase(run, history_of(run))
    result = kafka.check(history, {})
    unseen = direct_unseen(history)
    assert dict(result.get("unseen", {}).get("unseen", {})) == unseen
    assert ("unseen" in result["error-types"]) == bool(unseen)
    assert result["info-txn-causes"] == direct_info_causes(history)
    expected = (run.results or {}).get("workload") or WITHOUT_RESULTS[run.dir.name]
    assert result["valid?"] == expected["valid?"]
    assert result["error-types"] == tuple(expected["error-types"])
    assert result["bad-error-types"] == tuple(expected["bad-error-types"])
    assert result["worst-realtime-lag"] == dict(expected["worst-realtime-lag"])
    assert result["info-txn-causes"] == tuple(expected["info-txn-causes"])
    for error_type in expected["error-types"]:
        if error_type != "unseen":
            assert result[error_type]["count"] == expected[error_type]["count"]


def test_every_oracle_run_without_results_has_an_expected_reading():
    missing = {run.dir.name for run in KAFKA_RUNS if (run.results or {}).get("workload") is None}
    assert missing == set(WITHOUT_RESULTS) or not KAFKA_RUNS


def test_an_empty_graph_is_explained_as_nothing_checked_not_as_contradictory_orders():
    # A run where no send or poll succeeded (every node down) has no orders to contradict.
    from glomers.checkers import evidence, kafka_explain
    kind = kafka_explain.kind_of("empty-transaction-graph")
    hint = " ".join(evidence.hint(kind))
    assert "completed ok" in hint and "contradict" not in hint
    assert kafka_explain.kind_of("G1c") == "kafka-cycle"
