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

import itertools
import re
from urllib.parse import quote

from ..checkers.common import node_of
from ..checkers.set_full import _trails
from ..edn import is_op
from ..values import body_scalars, clj_key

MAX_OPS = 12           # ops pointed at (and highlighted) per run
MAX_VALUES = 10        # values followed per run
SCAN = 10000           # journal events searched after an op's invocation for its request
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
    # Imported here: only a failed check is explained, and run_folder brings the reading
    # of whole run folders with it.
    from ..run_folder import checker_module
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


def _events_from(journal, start):
    """The journal's events from the first at or after `start` on (all of them for None):
    the ones before it can start no search."""
    if start is None:
        return iter(journal)
    from_time = getattr(journal, "from_time", None)
    if from_time is not None:
        return from_time(start)
    return itertools.dropwhile(lambda event: event["time"] < start, journal)


class Focus:
    """The values and ops a run's evidence names, with the messages that carry them."""

    def __init__(self, results, history, journal, opts):
        self.opts = opts or {}
        self.history = history or []
        self.journal = journal
        self.values = {}         # value text -> message ids carrying it (precomputed)
        self.whys = {}           # value text -> what it is ("lost value", "duplicated id")
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
                    self.whys[str(value)] = "lost value"
                    for message_id in ids:
                        self.highlights.setdefault(message_id, f"carries lost value {value}")
            for record in list(result.get("worst-stale") or ())[:1]:
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
            message_id = event["id"]
            for item in body_scalars(event.get("body")):
                text = str(item)
                if text in found and item == wanted[text]:
                    found[text].add(message_id)
        for text, ids in found.items():
            self.values[text] = sorted(ids)
            self.whys[text] = why
            for message_id in ids:
                self.highlights.setdefault(message_id, f"carries {why} {text}")

    def _ops(self, workload, result, failed):
        named = []
        _ops_in(result, named)
        indexes = [op.get("index") for op in named]
        if failed:
            # The ops of the explanation first, in its order: they tell the failure.
            lines = _explanation(workload, result, self.history, self.opts, self.journal)
            indexes = [int(m.group(1)) for line in lines
                       for m in OP_REF.finditer(str(line))] + indexes
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
        the op's kind from a client to the op's node sent at or after its invocation (within
        SCAN events), and the first reply to it (within SCAN events of the request). One
        pass over the journal, which may be read lazily from disk: memory stays small."""
        invocation_of = {}
        open_ops = {}
        for op in self.history:
            process = op.get("process")
            if str(op.get("type")) == "invoke":
                open_ops[process] = op
                invocation_of[op.get("index")] = op
            elif process in open_ops:
                invocation_of[op.get("index")] = open_ops.pop(process)
        waiting = []          # (invocation time, op, why, node, f) not yet reached
        for op, why in self.ops:
            invocation = invocation_of.get(op.get("index"))
            node = node_of(op.get("process"), self.opts)
            if invocation is not None and node is not None:
                waiting.append((invocation.get("time") or 0, op, why, node,
                                str(invocation.get("f")), invocation.get("index")))
        waiting.sort(key=lambda w: w[0])
        requests, replies = [], []    # searches under way: [events left, ...]
        for event in _events_from(self.journal, waiting[0][0] if waiting else None):
            while waiting and event["time"] >= waiting[0][0]:
                requests.append([SCAN, *waiting.pop(0)[1:]])
            if not (requests or replies):
                if not waiting:
                    break
                continue
            if event["event"] == "send":
                body = event.get("body") or {}
                for search in requests:
                    _, op, why, node, f, index = search
                    if event["dest"] == node and event["src"][:1] == "c" \
                            and body.get("type") == f:
                        search[0] = 0
                        self.links[op.get("index")] = (event["id"], None)
                        note = f"op {index} ({f} by process {op.get('process')})"
                        self.highlights.setdefault(event["id"], f"request of {note}, {why}")
                        replies.append([SCAN, op, note, why, event["src"],
                                        body.get("msg_id")])
                for search in replies:
                    _, op, note, why, client, msg_id = search
                    if event["dest"] == client and body.get("in_reply_to") == msg_id:
                        search[0] = 0
                        request_id = self.links[op.get("index")][0]
                        self.links[op.get("index")] = (request_id, event["id"])
                        self.highlights.setdefault(event["id"], f"reply to {note}, {why}")
            for searches in (requests, replies):
                for search in searches:
                    search[0] -= 1
                searches[:] = [search for search in searches if search[0] > 0]

    # -- words ---------------------------------------------------------------------------

    def lines(self, files=(), each=None):
        """Where to look: a line per value and per op; with `each`, only that many of
        each kind, then one line for the rest (the console's short form)."""
        files = set(files)
        viewer = "messages.html" in files
        timeline = "timeline.html" in files
        values = [(value, len(ids), self.whys.get(value, "value"))
                  for value, ids in self.values.items()]
        out = []
        for value, count, why in values[:each]:
            where = f"messages.html#v={quote(value)}" if viewer else "its messages (no journal)"
            path = ": its path across the nodes" if why == "lost value" else ""
            out.append(f"{why} {value}: {where} ({count} message(s) carry it, "
                       f"highlighted{path})")
        if each is not None and len(values) > each:
            rest = " ".join(value for value, _, _ in values[each:])
            out.append(f"... and {len(values) - each} more: {rest} (messages.html#v=<value>)")
        for value, why in self.searches:
            if viewer:
                out.append(f"{why}: messages.html#v={quote(value)}")
        ops = [(op, self._op_places(op, viewer, timeline)) for op, _ in self.ops]
        ops = [(op, places) for op, places in ops if places]
        for op, places in ops[:each]:
            out.append(f"op {op.get('index')} ({op.get('type')} {op.get('f')} by process "
                       f"{op.get('process')} at {(op.get('time') or 0) / 1e9:.3f} s): "
                       + ", ".join(places))
        if each is not None and len(ops) > each:
            rest = " ".join(str(op.get("index")) for op, _ in ops[each:])
            out.append(f"... and ops {rest}: timeline.html#i<op>; their messages are "
                       f"highlighted in messages.html")
        return out

    def _op_places(self, op, viewer, timeline):
        index = op.get("index")
        places = [f"timeline.html#i{index}"] if timeline else []
        request, reply = self.links.get(index, (None, None))
        if viewer and request is not None:
            places.append(f"messages.html#m{request}"
                          + (f" (reply #m{reply})" if reply is not None else ""))
        return places

