"""Realtime lag of kafka polls (Jepsen's `realtime-lag`, spec §6.5 `:worst-realtime-lag`).

For each key, the history tells when each offset was first known to exist (an :ok/:info op
acked or returned it or a later one). A process's :ok poll, for every key it tracks, lags by
how long before the poll's invocation the offset after the highest one it has seen already
existed (zero if that offset is not known to exist yet). Only the worst lag is reported: the
first measurement with the maximum, in Jepsen's order (history order, then the process's
key map in Clojure's iteration order).
"""

from bisect import bisect_right

from .kafka_clj import trie_order


def _max_offsets(hist, i):
    """Highest offset per key this :ok/:info op acked or polled (Jepsen's op->max-offsets):
    -1 for a key polled empty, and an acked offset counts as at least 0."""
    op = hist.ops[i]
    if op["type"] not in ("ok", "info"):
        return {}
    offsets = {}
    if op["f"] in ("poll", "txn"):
        for key, pairs in (hist.reads[i] or {}).items():
            known = [o for o, _ in pairs if o is not None]
            offsets[key] = max(known, default=-1)
    if op["f"] in ("send", "txn"):
        for key, pairs in (hist.writes[i] or {}).items():
            for offset, _ in pairs:
                if offset is not None and offset is not False:
                    offsets[key] = max(offsets.get(key, 0), offset)
    return offsets


class _Existence:
    """When each offset of one key was first known to exist: contiguous runs of offsets
    that became known at the same time."""

    def __init__(self):
        self.starts, self.times, self.known = [], [], 0

    def learn(self, offset, time):
        """Offsets up to `offset` exist as of `time`."""
        if offset >= self.known:
            self.starts.append(self.known)
            self.times.append(time)
            self.known = offset + 1

    def since(self, offset):
        """Time offset was first known to exist, or None if never."""
        if offset < 0 or offset >= self.known:
            return None
        return self.times[bisect_right(self.starts, offset) - 1]


def worst_realtime_lag(hist):
    """Jepsen's worst-realtime-lag, times in seconds: {"time", "process", "key", "lag"},
    or {"time": 0.0, "lag": 0.0} when no poll was measured."""
    none = {"time": 0.0, "lag": 0.0}
    first = hist.ops[0] if hist.ops else None
    if first is None or first.get("time") is None:
        return none
    # Each :ok/:info op's highest offsets, found once: they say when offsets came to exist
    # and, for an :ok poll, how far its process has read.
    maxima, existence = {}, {}
    for i in hist.completions:
        if not (hist.reads[i] or hist.writes[i]):
            continue        # acked and polled nothing
        offsets = maxima[i] = _max_offsets(hist, i)
        for key, offset in offsets.items():
            known = existence.get(key)
            if known is None:
                known = existence[key] = _Existence()
            known.learn(offset, hist.ops[i]["time"])

    # process -> (key -> highest offset seen, whether Clojure holds it as a hash map)
    tracked = {}
    worst = None
    for i in hist.completions:
        op = hist.ops[i]
        if op["type"] != "ok":
            continue
        process = op["process"]
        if op["f"] == "assign":
            old, _ = tracked.get(process, ({}, False))
            offsets = {key: old.get(key, -1) for key in op.get("value") or ()}
            tracked[process] = (offsets, len(offsets) > 8)
        elif op["f"] == "subscribe":
            tracked[process] = ({}, False)
        elif op["f"] in ("poll", "txn"):
            invocation = hist.invocation[i]
            if invocation is None:
                continue
            # The process's map is updated in place: no one else holds it.
            offsets, hashed = tracked.get(process, ({}, False))
            for key, offset in maxima.get(i, {}).items():
                offsets[key] = max(offsets.get(key, offset), offset)
            hashed = hashed or len(offsets) > 8
            tracked[process] = (offsets, hashed)
            worst = _worse(worst, hist.ops[invocation]["time"], process, offsets, hashed,
                           existence)
    if worst is None:
        return none
    time, process, key, lag = worst
    return {"time": time / 1e9, "process": process, "key": key, "lag": lag / 1e9}


def _worse(worst, invoked, process, offsets, hashed, existence):
    """The new worst (time, process, key, lag) after one poll's measurements."""
    lags = {}
    for key, offset in offsets.items():
        known = existence.get(key)
        since = known.since(offset + 1) if known is not None else None
        lags[key] = 0 if since is None else max(0, invoked - since)
    if not lags:
        return worst
    top = max(lags.values())
    if worst is not None and top <= worst[3]:
        return worst
    order = sorted(lags, key=trie_order) if hashed else list(lags)
    key = next(k for k in order if lags[k] == top)
    return (invoked, process, key, top)
