"""The vocabulary of the list-append analysis (Elle 0.2.2's list_append.clj): micro-ops,
version orders and the dependency graph between transactions.

A transaction is a list of micro-ops: ["append", k, v] adds v to the end of list k,
["r", k, vs] read list k as vs (None or [] before any append). Every value is appended to
a key at most once, so a read names the transactions whose appends it shows, in order:

- a key's version order is the distinct elements of its longest read (`AppendIndex`);
- wr: the appender of a read's last element -> the reader; ww: the appender of the element
  just before v -> the appender of v; rw: every txn that read the list ending just before v
  (empty, for v first) -> the appender of v. An append never read is taken to come after
  the last element ever read (`Dependencies`).
"""

from glomers.edn import Keyword, Symbol
from glomers.values import clj_key

from .cycles import PROCESS, REALTIME, RW, WR, WW, DepGraph

K = Keyword
INIT = K("elle.list-append/init")          # the empty list a key starts as
UNKNOWN_PREFIX = Symbol("...")             # marks what a txn cannot know of a list
# Elle combines the list-append graphs as ww, wr, rw: a step with several kinds is
# explained (and so named) by the first of these.
EXPLAIN_ORDER = (WW, WR, RW, PROCESS, REALTIME)
NEXT_VALUE = "value'"                      # a step's key for the element appended second


def micro_ops(op):
    """An op's transaction: its list of [f, k, v] micro-ops (none if not a list)."""
    value = op.get("value")
    return value if isinstance(value, (list, tuple)) else []


def read_mops(op):
    """The read micro-ops of an op: (index, mop, k, list or None)."""
    return [(i, mop, mop[1], mop[2]) for i, mop in enumerate(micro_ops(op)) if mop[0] == "r"]


def append_mops(op):
    """The append micro-ops of an op: (index, mop, k, element)."""
    return [(i, mop, mop[1], mop[2]) for i, mop in enumerate(micro_ops(op))
            if mop[0] == "append"]


def as_list(value):
    """A read's value as a list: nil (never appended) is the empty list."""
    return list(value) if isinstance(value, (list, tuple)) else []


def possible(ops):
    """Completions that may have taken effect: :ok and :info."""
    return [op for op in ops if op.get("type") in ("ok", "info")]


def sorted_values(ops):
    """[(key, [distinct non-empty lists read, shortest first])], keys in first-seen order;
    a key never read but appended exactly once (in all of `ops`) gets [[v]]. Pairs, not a
    dict keyed by the keys: a key is whatever a node returned (a list, an object), and 1,
    1.0 and true are three keys (Clojure equality, `clj_key`)."""
    values, raw_keys = {}, {}
    for op in ops:
        for _, _, k, v in read_mops(op):
            elements = as_list(v)
            if not elements:
                continue
            key = clj_key(k)
            raw_keys.setdefault(key, k)
            values.setdefault(key, {}).setdefault(clj_key(elements), elements)
    appends = {}
    for op in ops:
        for _, _, k, v in append_mops(op):
            key = clj_key(k)
            raw_keys.setdefault(key, k)
            appends[key] = None if key in appends else v
    for key, v in appends.items():
        if v is not None and key not in values:
            values[key] = {clj_key([v]): [v]}
    return [(raw_keys[key], sorted(seen.values(), key=len)) for key, seen in values.items()]


def is_prefix(a, b):
    """Is list a a prefix of list b (Clojure equality)?"""
    return len(a) <= len(b) and all(clj_key(x) == clj_key(y) for x, y in zip(a, b))


class AppendIndex:
    """Each key's version order (the distinct elements of its longest read) and the
    position of every element in it."""

    def __init__(self, sorted_vals):
        self.order, self.position = {}, {}
        for k, values in sorted_vals:
            key = clj_key(k)
            order, position = [], {}
            for element in values[-1]:
                if clj_key(element) not in position:
                    position[clj_key(element)] = len(order)
                    order.append(element)
            self.order[key], self.position[key] = order, position

    def previous(self, k, v):
        """The element appended just before v to k (INIT for the first); for an element
        never read, the last element ever read of k, after which it must have come."""
        key = clj_key(k)
        order = self.order.get(key, [])
        i = self.position.get(key, {}).get(clj_key(v))
        if i is None:
            return order[-1] if order else INIT
        return order[i - 1] if i > 0 else INIT


def write_index(ops):
    """(key, element) -> the completion that appended it (the last such, as Elle keeps)."""
    index = {}
    for op in ops:
        if op.get("type") == "invoke":
            continue
        for _, _, k, v in append_mops(op):
            index[(clj_key(k), clj_key(v))] = op
    return index


class Dependencies:
    """The indexes behind the ww / wr / rw edges, over the possible completions."""

    def __init__(self, ops):
        self.ops = ops
        self.by_index = {op["index"]: op for op in ops}
        self.index = AppendIndex(sorted_values(ops))
        self.writers = write_index(ops)
        self.readers = {}       # (key, last element or INIT) -> ops that read that state
        for op in ops:
            for _, _, k, v in read_mops(op):
                if op.get("type") == "info" and v is None:
                    continue
                elements = as_list(v)
                last = clj_key(elements[-1]) if elements else INIT
                self.readers.setdefault((clj_key(k), last), []).append(op)

    def writer(self, k, element):
        return self.writers.get((clj_key(k), clj_key(element)))

    def wr(self, op, k, v):
        """Who appended the last element this read shows (None: nobody else)."""
        elements = as_list(v)
        if not elements:
            return None
        writer = self.writer(k, elements[-1])
        return writer if writer is not None and writer is not op else None

    def ww(self, op, k, v):
        """Who appended the element just before v (None: nobody else, or v is first)."""
        previous = self.index.previous(k, v)
        if previous is INIT:
            return None
        writer = self.writer(k, previous)
        return writer if writer is not None and writer is not op else None

    def rw(self, op, k, v):
        """Every other txn that read k as it was just before v was appended."""
        previous = self.index.previous(k, v)
        last = INIT if previous is INIT else clj_key(previous)
        return [r for r in self.readers.get((clj_key(k), last), ()) if r is not op]

    def graph(self):
        """The ww / wr / rw graph over op indices."""
        graph = DepGraph(EXPLAIN_ORDER)
        for op in self.ops:
            for _, mop, k, v in [(i, m, m[1], m[2]) for i, m in enumerate(micro_ops(op))]:
                if mop[0] == "r":
                    writer = self.wr(op, k, v)
                    if writer is not None:
                        graph.link(writer["index"], op["index"], WR)
                elif mop[0] == "append":
                    writer = self.ww(op, k, v)
                    if writer is not None:
                        graph.link(writer["index"], op["index"], WW)
                    for reader in self.rw(op, k, v):
                        graph.link(reader["index"], op["index"], RW)
        return graph

    def explain_step(self, a, b, kind, invocations):
        """Why b depends on a, in Elle's step shape."""
        if kind == WW:
            for i, mop, k, v in append_mops(b):
                if self.ww(b, k, v) is a:
                    previous = self.index.previous(k, v)
                    return {"type": K("ww"), "key": k, "value": previous, NEXT_VALUE: v,
                            "a-mop-index": _index_of(a, "append", k, previous),
                            "b-mop-index": i}
        if kind == WR:
            for i, mop, k, v in read_mops(b):
                if self.wr(b, k, v) is a:
                    last = as_list(v)[-1]
                    return {"type": K("wr"), "key": k, "value": last,
                            "a-mop-index": _index_of(a, "append", k, last),
                            "b-mop-index": i}
        if kind == RW:
            for i, mop, k, v in append_mops(b):
                if any(r is a for r in self.rw(b, k, v)):
                    previous = self.index.previous(k, v)
                    return {"type": K("rw"), "key": k, "value": previous, NEXT_VALUE: v,
                            "a-mop-index": _read_index_of(a, k, previous),
                            "b-mop-index": i}
        if kind == PROCESS:
            return {"type": K("process"), "process": a.get("process")}
        return {"type": K("realtime"), "a'": a, "b": invocations.get(b["index"])}


def _index_of(op, f, k, v):
    """The position of micro-op [f k v] in op's transaction, or None."""
    for i, (mf, mk, mv) in enumerate(micro_ops(op)):
        if mf == f and clj_key(mk) == clj_key(k) and clj_key(mv) == clj_key(v):
            return i
    return None


def _read_index_of(op, k, previous):
    """The read of k in `op` that ended at `previous` (or was empty, for INIT)."""
    for i, _, mk, v in read_mops(op):
        if clj_key(mk) != clj_key(k):
            continue
        elements = as_list(v)
        if previous is INIT and not elements:
            return i
        if previous is not INIT and elements and clj_key(elements[-1]) == clj_key(previous):
            return i
    return None


def invocations_of(ops):
    """Completion index -> its invocation (the same process's previous invoke)."""
    pending, found = {}, {}
    for op in ops:
        if op.get("type") == "invoke":
            pending[op.get("process")] = op
        elif op.get("process") in pending:
            found[op["index"]] = pending.pop(op.get("process"))
    return found


