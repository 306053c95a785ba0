"""The kafka workload's checker (challenge 5; Jepsen's kafka analysis as Maelstrom runs it,
spec §6.5 "Checker", Jepsen 0.3.7 / Elle 0.2.2 behaviour).

Settings Maelstrom fixes: subscription by `assign` only, no transactions, no ww-deps, so the
allowed error types are just int-send-skip and the G0 / PL-1 cycle kinds. The pieces:

- kafka_ops:       what each op sent and polled, senders and pollers, per-key version orders;
- kafka_anomalies: one finder per error class (skips, nonmonotonic polls and sends,
                   duplicates, G1a, lost writes, unseen, precommitted reads);
- kafka_lag:       worst realtime lag;
- kafka_cycles:    Elle cycles over wr + realtime edges;
- kafka_explain:   the plain-English account of a result.

`check` raises (KafkaAnalysisError, TypeError) exactly where Jepsen's analysis throws; the
caller's guard then reports `:valid? :unknown`, as Maelstrom does.
"""

from glomers.edn import Keyword as K
from glomers.values import clj_key

from . import kafka_anomalies as anomalies
from .kafka_anomalies import KafkaAnalysisError
from .kafka_clj import clj_sorted
from .kafka_cycles import cycles
from .kafka_explain import explain
from .kafka_lag import worst_realtime_lag
from .kafka_ops import History, readers_of, values_by_type, version_orders, writer_of

# Error types that do not invalidate a Maelstrom kafka test (assign mode, no ww-deps).
ALLOWED_ERROR_TYPES = frozenset({"int-send-skip", "G0", "G0-process", "G0-realtime",
                                 "PL-1-cycle-exists", "strong-PL-1-cycle-exists"})

__all__ = ["check", "explain", "analyze", "KafkaAnalysisError", "ALLOWED_ERROR_TYPES"]


def check(history, opts=None):
    """Maelstrom's kafka `:workload` result map for a history."""
    hist = History(history)
    errors = analyze(hist)
    bad = tuple(K(t) for t in sorted(errors) if t not in ALLOWED_ERROR_TYPES)
    result = {"valid?": not bad,
              "worst-realtime-lag": worst_realtime_lag(hist),
              "bad-error-types": bad,
              "error-types": tuple(K(t) for t in sorted(errors)),
              "info-txn-causes": _info_txn_causes(history)}
    for error_type in sorted(errors):
        result[error_type] = condense(error_type, errors[error_type])
    return result


def analyze(hist):
    """Every error Jepsen's analysis finds in a kafka_ops.History: error type -> list of
    error maps (for "unseen" the printed map; for "empty-transaction-graph" True)."""
    reads_by_type = values_by_type(hist, hist.reads, ("poll", "txn"))
    writes_by_type = values_by_type(hist, hist.writes, ("send", "txn"))
    ok_reads = reads_by_type.get("ok", {})
    orders, inconsistent = version_orders(hist, ok_reads)
    writers, readers = writer_of(hist), readers_of(hist)
    ok_polls = [i for i in hist.completions if hist.reads[i] and hist.ops[i]["type"] == "ok"]

    poll_skip, nonmonotonic_poll = anomalies.poll_cases(hist, orders)
    int_poll_skip, int_nonmonotonic_poll = anomalies.internal_poll_cases(hist, orders)
    int_send_skip, int_nonmonotonic_send = anomalies.internal_send_cases(hist, orders)
    found = {
        "duplicate": anomalies.duplicates(hist, orders),
        "int-poll-skip": int_poll_skip,
        "int-nonmonotonic-poll": int_nonmonotonic_poll,
        "int-nonmonotonic-send": int_nonmonotonic_send,
        "int-send-skip": int_send_skip,
        "inconsistent-offsets": [dict(e, values=_sorted_set(hist, e["values"]))
                                 for e in inconsistent],
        "precommitted-read": anomalies.precommitted_reads(hist),
        "G1a": anomalies.g1a(hist, ok_polls, writes_by_type.get("fail", {}), writers),
        "lost-write": anomalies.lost_writes(hist, orders, reads_by_type, writers, readers),
        "nonmonotonic-poll": nonmonotonic_poll,
        "nonmonotonic-send": anomalies.nonmonotonic_sends(hist, orders),
        "poll-skip": poll_skip,
        "unseen": anomalies.condensed_unseen(
            hist, anomalies.unseen(hist, reads_by_type, writes_by_type)),
    }
    errors = {name: errs for name, errs in found.items() if errs}
    errors.update(cycles(hist, writers, readers) if hist.ops and "type" in hist.ops[0] else {})
    return errors


def _sorted_set(hist, values):
    """An inconsistent offset's messages as Jepsen's sorted set (raises across types)."""
    return frozenset(clj_sorted([hist.original[v] for v in values]))


def _info_txn_causes(history):
    """Distinct :error values of :info sends and polls, in history order."""
    seen, causes = set(), []
    for op in history:
        if op.get("type") == "info" and op.get("f") in ("txn", "send", "poll"):
            error = op.get("error")
            if clj_key(error) not in seen:
                seen.add(clj_key(error))
                causes.append(error)
    return tuple(causes)


# How Jepsen trims each error list for printing: (keep, sort key).
_FIRST_8_BY_DELTA = ("first", 8, lambda e: e["delta"])
_LAST_8_BY_DELTA = ("last", 8, lambda e: e["delta"])
_SHORTEST_8_CYCLES = ("first", 8, lambda e: len(e["steps"]))
_TRIM = {
    "duplicate": ("first", 32, lambda e: e["count"]),
    "inconsistent-offsets": ("first", 32, lambda e: len(e["values"])),
    "int-nonmonotonic-poll": _FIRST_8_BY_DELTA, "int-nonmonotonic-send": _FIRST_8_BY_DELTA,
    "nonmonotonic-poll": _FIRST_8_BY_DELTA, "nonmonotonic-send": _FIRST_8_BY_DELTA,
    "int-poll-skip": _LAST_8_BY_DELTA, "int-send-skip": _LAST_8_BY_DELTA,
    "poll-skip": _LAST_8_BY_DELTA,
    **{name: _SHORTEST_8_CYCLES for name in ("G0", "G0-process", "G0-realtime",
                                               "G1c", "G1c-process", "G1c-realtime")},
}


def condense(error_type, errs):
    """One error type as Maelstrom prints it: {"count", "errs"} with the most telling
    errors kept (unseen is already in its printed shape)."""
    if error_type == "unseen":
        return errs
    count = len(errs) if isinstance(errs, (list, tuple, dict, set, frozenset)) else 1
    if error_type in _TRIM:
        end, n, key = _TRIM[error_type]
        ordered = sorted(errs, key=key)
        errs = ordered[:n] if end == "first" else ordered[-n:]
    return {"count": count, "errs": tuple(errs) if isinstance(errs, list) else errs}
