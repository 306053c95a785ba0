"""The facts every kafka analysis starts from (spec §6.5 "Checker"): what each op sent and
polled, who sent and who polled each message, and the per-key version orders.

A message is identified by its key and its value under Clojure equality: `vkey(v)` is the
plain int for a JSON integer (the usual case, and the fast one) and `clj_key(v)` otherwise,
so 1, 1.0, true and "1" stay four different messages. `History.original` maps a vkey back
to the value as the node wrote it, for reports.

Jepsen picks "the first element" of a Clojure hash set in two places (the message standing
for an offset that holds several, and the reader shown for a lost write); `clj_first`
reproduces that choice for integer and string messages (see kafka_clj.py).
"""

from glomers.values import clj_key

from .kafka_clj import clj_first


def vkey(value):
    """A hashable key for a message, equal exactly when Clojure's `=` says so."""
    return value if type(value) is int else clj_key(value)


class VersionOrder:
    """One key's log as the history shows it.

    `log` maps each offset seen to the set of messages seen there (offsets may be sparse);
    `offsets` lists those offsets in order. The dense index enumerates them: `by_index[i]`
    is one message standing for the i-th offset and `by_value[m]` the last dense index
    where m stands.
    """

    def __init__(self, log):
        self.log = log
        self.offsets = sorted(log)
        self.by_index = [clj_first(log[offset]) for offset in self.offsets]
        self.by_value = {}
        for index, value in enumerate(self.by_index):
            self.by_value[value] = index

    def sets(self):
        """The message sets in offset order (Jepsen's log without its holes)."""
        return [self.log[offset] for offset in self.offsets]


class History:
    """A kafka history (client ops only) with per-op sends and polls decoded once."""

    def __init__(self, history):
        # Jepsen's kafka analysis sees client ops only: integer processes.
        self.ops = [op for op in history if type(op.get("process")) is int]
        self.original = {}
        # Per position in self.ops: {key: [(offset or None, vkey), ...]} or None.
        self.reads, self.writes = [], []
        for op in self.ops:
            f, value = op.get("f"), op.get("value")
            decodable = isinstance(value, list)
            self.reads.append(self._reads(value) if decodable and f in ("poll", "txn")
                              else None)
            self.writes.append(self._writes(value) if decodable and f in ("send", "txn")
                               else None)
        # Positions of every non-invoke op, and of each process's ops, in history order;
        # the position of each completion's invocation.
        self.completions, self.by_process, self.invocation = self._pairs()

    def _remember(self, value):
        """The vkey of a message, remembering the message as first written."""
        key = vkey(value)
        if key not in self.original:
            self.original[key] = value
        return key

    def _reads(self, mops):
        """What a poll returned: key -> [(offset, message)] in the order returned."""
        reads = {}
        for mop in mops:
            # An invocation's `[:poll]` has nothing polled yet.
            if mop[0] != "poll" or len(mop) < 2 or not mop[1]:
                continue
            for key, pairs in mop[1].items():
                into = reads.get(key)
                if into is None:
                    into = reads[key] = []
                for pair in pairs:
                    offset = pair[0] if len(pair) > 0 else None
                    into.append((offset, self._remember(pair[1] if len(pair) > 1 else None)))
        return reads

    def _writes(self, mops):
        """What a send sent: key -> [(offset or None, message)]; offset known once acked."""
        writes = {}
        for mop in mops:
            if mop[0] != "send":
                continue
            key, sent = mop[1], mop[2]
            if isinstance(sent, list):
                # A completed send carries [offset message].
                pair = (sent[0] if sent else None, sent[1] if len(sent) > 1 else None)
            else:
                pair = (None, sent)
            into = writes.get(key)
            if into is None:
                into = writes[key] = []
            into.append((pair[0], self._remember(pair[1])))
        return writes

    def _pairs(self):
        """Completions, ops by process, and the position of each completion's invocation
        (same process, most recent invoke), in one pass."""
        completions, by_process = [], {}
        pending, invocation = {}, [None] * len(self.ops)
        for i, op in enumerate(self.ops):
            process = op["process"]
            positions = by_process.get(process)
            if positions is None:
                by_process[process] = [i]
            else:
                positions.append(i)
            if op["type"] == "invoke":
                pending[process] = i
            else:
                completions.append(i)
                invocation[i] = pending.pop(process, None)
        return completions, by_process, invocation


def values_by_type(hist, per_op, fs):
    """type -> key -> set of messages, over completions whose f is in `fs`
    (Jepsen's reads-by-type / writes-by-type)."""
    result = {}
    for i in hist.completions:
        op, by_key_now = hist.ops[i], per_op[i]
        if op["f"] not in fs or by_key_now is None:
            continue
        by_key = result.get(op["type"])
        if by_key is None:
            by_key = result[op["type"]] = {}
        for key, pairs in by_key_now.items():
            values = by_key.get(key)
            if values is None:
                values = by_key[key] = set()
            for _, value in pairs:
                values.add(value)
    return result


def must_have_committed(hist, i, ok_reads):
    """Did send op i certainly take effect? Yes if :ok, or :info with a message some :ok
    poll returned."""
    op = hist.ops[i]
    if op["type"] == "ok":
        return True
    if op["type"] != "info" or not hist.writes[i]:
        return False
    return any(value in ok_reads.get(key, ())
               for key, pairs in hist.writes[i].items() for _, value in pairs)


def version_orders(hist, ok_reads):
    """key -> VersionOrder, and the inconsistent-offsets errors (an offset with >= 2
    messages), as Jepsen 0.3.7 builds them: acked offsets of sends that certainly took
    effect, and every pair any poll returned (completed or not)."""
    logs = {}

    def add(key, pairs):
        for offset, value in pairs:
            # Jepsen skips a missing offset; its offset maps hold no negative offsets.
            if offset is None or offset is False or not isinstance(offset, int) or offset < 0:
                continue
            log = logs.get(key)
            if log is None:
                log = logs[key] = {}
            if offset in log:
                log[offset].add(value)
            else:
                log[offset] = {value}

    for i, (writes, reads) in enumerate(zip(hist.writes, hist.reads)):
        if not (writes or reads) or hist.ops[i].get("f") not in ("poll", "send", "txn"):
            continue
        if writes and must_have_committed(hist, i, ok_reads):
            for key, pairs in writes.items():
                add(key, pairs)
        if reads:
            for key, pairs in reads.items():
                add(key, pairs)

    orders, errors = {}, []
    for key, log in logs.items():
        order = orders[key] = VersionOrder(log)
        for index, offset in enumerate(order.offsets):
            if len(log[offset]) >= 2:
                errors.append({"key": key, "offset": offset, "index": index,
                               "values": log[offset]})
    return orders, errors


def writer_of(hist):
    """key -> message -> the last completed op that tried to send it."""
    writers = {}
    for i in hist.completions:
        writes = hist.writes[i]
        if not writes:
            continue
        for key, pairs in writes.items():
            by_value = writers.get(key)
            if by_value is None:
                by_value = writers[key] = {}
            for _, value in pairs:
                by_value[value] = i
    return writers


def readers_of(hist):
    """key -> message -> positions of the completed ops that polled it (once per pair)."""
    readers = {}
    for i in hist.completions:
        reads = hist.reads[i]
        if not reads:
            continue
        for key, pairs in reads.items():
            by_value = readers.get(key)
            if by_value is None:
                by_value = readers[key] = {}
            for _, value in pairs:
                if value in by_value:
                    by_value[value].append(i)
                else:
                    by_value[value] = [i]
    return readers
