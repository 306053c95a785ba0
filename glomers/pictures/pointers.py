"""From a check's evidence to places in the pictures: where to look, and what to highlight.

A failed check names values (a lost broadcast value, a duplicated id, a kafka message) and
ops (the acknowledgement, the read that missed it, the transactions of a cycle). This module
gathers them — from the workload result itself (every op map in it) and from the workload
checker's own explanation (every "op N" it names), never by re-deriving the verdict — and
says where each shows up:

- an op: its box in timeline.html (`#i<index>`), and its client request and reply in the
  message diagram, highlighted, with a link straight to them (`messages.html#m<id>`);
- a value: the viewer filtered to the messages carrying it (`messages.html#v=<value>`),
  which shows the value's path across the nodes and the nodes it never reached; for
  values the checker lost, the messages carrying them are highlighted too.

Valid runs get pointers only for what the checker still singles out (broadcast's worst
stale values), and those cost no scan of the journal.
"""

import bisect
import re
from urllib.parse import quote

from ..checkers.common import node_of
from ..checkers.set_full import _trails
from ..edn import is_op
from ..run_folder import checker_module
from ..values import clj_key

MAX_OPS = 12           # ops pointed at (and highlighted) per run
MAX_VALUES = 10        # values followed per run
OP_REF = re.compile(r"\bop (\d+)\b")


def _ops_in(value, found, depth=0):
    """Every op map inside a result, depth-first (results are small)."""
    if depth > 8:
        return
    if isinstance(value, dict):
        if is_op(value):
            found.append(value)
            return
        for item in value.values():
            _ops_in(item, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _ops_in(item, found, depth + 1)


def _explanation(workload, result, history, opts, journal):
    """The workload checker's explanation lines, as the console shows them."""
    checker = checker_module(workload)
    explain = getattr(checker, "explain", None)
    if explain is None:
        return []
    try:
        if journal is not None and "journal" in explain.__code__.co_varnames:
            return explain(result, history, opts, journal=journal)
        return explain(result, history, opts)
    except Exception:          # no pointers is better than no verdict
        return []


class Focus:
    """The values and ops a run's evidence names, with the messages that carry them."""

    def __init__(self, results, history, journal, opts):
        self.opts = opts or {}
        self.history = history or []
        self.journal = journal
        self.values = {}         # value text -> message ids carrying it (precomputed)
        self.searches = []       # (value text, why) followed by the viewer's own search
        self.ops = []            # (op, why)
        self.highlights = {}     # message id -> why
        self.links = {}          # op index -> (request id, reply id)
        result = (results or {}).get("workload")
        if not isinstance(result, dict):
            return
        workload = self.opts.get("workload")
        failed = result.get("valid?") is not True
        self._values(workload, result, failed)
        self._ops(workload, result, failed)

    # -- what the evidence names ---------------------------------------------------------

    def _values(self, workload, result, failed):
        if workload == "broadcast":
            lost = list(result.get("lost") or ())[:MAX_VALUES]
            if lost and self.journal is not None:
                trails = _trails(self.journal, lost, self.opts)
                for value in lost:
                    events = trails.get(clj_key(value), ([], None))[0]
                    ids = sorted({e["id"] for e in events})
                    self.values[str(value)] = ids
                    for message_id in ids:
                        self.highlights.setdefault(message_id, f"carries lost value {value}")
            for record in list(result.get("worst-stale") or ())[:3 if failed else 1]:
                element = record.get("element") if isinstance(record, dict) else None
                if element is not None:
                    self.searches.append((str(element), f"stale value {element} "
                                          f"({record.get('stable-latency')} ms late)"))
        elif failed and workload == "unique-ids":
            duplicated = list((result.get("duplicated") or {}).keys())[:MAX_VALUES]
            self._carrying([d for d in duplicated if isinstance(d, (int, str))],
                           "duplicated id")
        elif failed and workload == "kafka":
            values = []
            for name in result.get("error-types") or ():
                entry = result.get(name)
                errs = entry.get("errs") if isinstance(entry, dict) else None
                for err in (errs if isinstance(errs, (list, tuple)) else [])[:2]:
                    if isinstance(err, dict):
                        for key in ("value", "skipped", "values"):
                            item = err.get(key)
                            values.extend(item if isinstance(item, (list, tuple)) else [item])
            self._carrying([v for v in values if isinstance(v, int)][:MAX_VALUES],
                           "kafka message")

    def _carrying(self, values, why):
        """Precompute the messages whose body holds each value anywhere."""
        if not values or self.journal is None:
            return
        wanted = {str(v): v for v in values}
        found = {text: set() for text in wanted}
        for event in self.journal:
            if event["event"] != "send":
                continue
            for item in _scalars(event.get("body")):
                text = str(item)
                if text in found and item == wanted[text]:
                    found[text].add(event["id"])
        for text, ids in found.items():
            self.values[text] = sorted(ids)
            for message_id in ids:
                self.highlights.setdefault(message_id, f"carries {why} {text}")

    def _ops(self, workload, result, failed):
        named = []
        _ops_in(result, named)
        indexes = [op.get("index") for op in named]
        if failed:
            lines = _explanation(workload, result, self.history, self.opts, self.journal)
            indexes += [int(m.group(1)) for line in lines for m in OP_REF.finditer(str(line))]
        # A passing check singles out only its worst case: point at that one.
        limit = MAX_OPS if failed else 2
        by_index = {op.get("index"): op for op in self.history}
        seen = set()
        for index in indexes:
            op = by_index.get(index)     # the history's op: its own :f, not a checker's
            if op is None or index in seen:
                continue
            seen.add(index)
            self.ops.append((op, "named by the " + ("failed" if failed else "passing")
                             + " check"))
            if len(self.ops) >= limit:
                break
        if self.ops and self.journal is not None:
            self._link_ops()

    def _link_ops(self):
        """Each named op's client request and reply in the journal: the first request of
        the op's kind from a client to the op's node at or after its invocation, and the
        reply to it."""
        invocation_of = {}
        open_ops = {}
        for op in self.history:
            process = op.get("process")
            if str(op.get("type")) == "invoke":
                open_ops[process] = op
                invocation_of[op.get("index")] = op
            elif process in open_ops:
                invocation_of[op.get("index")] = open_ops.pop(process)
        requests = {}        # node -> [(time, id, type, client, msg_id)]
        replies = {}         # (client, in_reply_to) -> id
        for event in self.journal:
            if event["event"] != "send":
                continue
            src, dest, body = event["src"], event["dest"], event.get("body") or {}
            if src[:1] == "c" and dest[:1] != "c":
                requests.setdefault(dest, []).append((event["time"], event["id"],
                                                      body.get("type"), src,
                                                      body.get("msg_id")))
            elif dest[:1] == "c" and "in_reply_to" in body:
                replies.setdefault((dest, body.get("in_reply_to")), event["id"])
        for op, why in self.ops:
            invocation = invocation_of.get(op.get("index"))
            node = node_of(op.get("process"), self.opts)
            if invocation is None or node is None:
                continue
            sent = requests.get(node, [])
            start = bisect.bisect_left(sent, ((invocation.get("time") or 0), -1))
            f = str(invocation.get("f"))
            for time, message_id, kind, client, msg_id in sent[start:start + 200]:
                if kind == f:
                    reply = replies.get((client, msg_id))
                    self.links[op.get("index")] = (message_id, reply)
                    note = f"op {invocation.get('index')} ({f} by process {op.get('process')})"
                    self.highlights.setdefault(message_id, f"request of {note}, {why}")
                    if reply is not None:
                        self.highlights.setdefault(reply, f"reply to {note}, {why}")
                    break

    # -- words ---------------------------------------------------------------------------

    def lines(self, files=()):
        """Where to look, one line per value and per op (empty when nothing is named)."""
        files = set(files)
        viewer = "messages.html" in files
        timeline = "timeline.html" in files
        out = []
        for value, ids in self.values.items():
            where = f"messages.html#v={quote(value)}" if viewer else "the journal"
            out.append(f"value {value}: {where} ({len(ids)} message(s) carry it, "
                       f"highlighted; its path across the nodes)")
        for value, why in self.searches:
            if viewer:
                out.append(f"{why}: messages.html#v={quote(value)}")
        for op, why in self.ops:
            index = op.get("index")
            parts = [f"timeline.html#i{index}"] if timeline else []
            request, reply = self.links.get(index, (None, None))
            if viewer and request is not None:
                parts.append(f"messages.html#m{request}"
                             + (f" (reply #m{reply})" if reply is not None else ""))
            if parts:
                out.append(f"op {index} ({op.get('type')} {op.get('f')} by process "
                           f"{op.get('process')} at {(op.get('time') or 0) / 1e9:.3f} s): "
                           + ", ".join(parts))
        return out


def _scalars(value):
    """Every number and string inside a message body (keys msg_id / in_reply_to skipped)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k not in ("msg_id", "in_reply_to"))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (int, str)) and not isinstance(item, bool):
            yield item
