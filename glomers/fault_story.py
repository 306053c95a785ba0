"""What the faults did, in words: when each node was down or paused, which requests timed
out against such a node, and the failed checks a kill explains (faults.md §5, §8).

A pure function of a run's history (nemesis and client ops), its options (which node each
client process talks to), its results and, where the folder has one, its message journal:
the console prints it after the checks, `explain` after the verdict, for our runs and
Maelstrom's alike. A node is down from the completion of the kill that hit it (its value
says `:killed`) to the completion of the start that restarted it (`:started`), paused from
a `:paused` to a `:resumed` (or to a kill).
"""

import dataclasses

from . import edn
from .checkers.common import node_of
from .nemesis import node_sort_key
from .values import body_scalars, clj_key, is_json_int

OUTAGE_LINES = 12         # down / paused intervals listed; the rest are counted
EXAMPLES = 8              # values or ids quoted per line
SET_WORKLOADS = ("broadcast", "g-set")
COUNTER_WORKLOADS = ("g-counter", "pn-counter")
TIMEOUT_ERRORS = ("net-timeout", "indeterminate: Client read timeout")


@dataclasses.dataclass
class Outage:
    """One interval during which the nemesis had a node killed or paused."""
    node: str
    kind: str                       # "killed" or "paused"
    start: int                      # ns since the time origin
    end: int | None = None          # ns; None: to the end of the test
    failed_restart: str | None = None
    killed: bool = False            # a pause that ended because the node was killed

    def held(self, start, end):
        """True if the outage overlaps [start, end] (ns)."""
        return self.start <= end and (self.end is None or start <= self.end)


def _s(ns):
    return f"{ns / 1e9:.3f} s"


def outages(history):
    """Every kill and pause interval of a history, in start order."""
    found, open_ = [], {}          # (node, kind) -> its open Outage
    pending = {}
    for op in history or ():
        if str(op.get("process")) != "nemesis":
            continue
        f = str(op.get("f"))
        invocation = pending.pop(f, None)
        if invocation is None:
            pending[f] = op
            continue
        value, time = op.get("value"), op.get("time") or 0
        words = {str(n): str(w) for n, w in value.items()} if isinstance(value, dict) else {}
        if f in ("kill", "pause"):
            kind = "killed" if f == "kill" else "paused"
            for node, word in words.items():
                if word != kind:
                    continue
                if kind == "killed" and (node, "paused") in open_:    # killed while paused
                    paused = open_.pop((node, "paused"))
                    paused.end, paused.killed = time, True
                outage = Outage(node, kind, time)
                found.append(outage)
                open_[(node, kind)] = outage
        elif f in ("start", "resume"):
            kind = "killed" if f == "start" else "paused"
            if "exception" in op or "error" in op:
                for (node, open_kind), outage in open_.items():
                    if open_kind == kind:
                        outage.failed_restart = str(op.get("error"))
                continue
            for node, word in words.items():
                if word in ("started", "resumed") and (node, kind) in open_:
                    open_.pop((node, kind)).end = time
    return found


def outage_lines(found):
    """One line per outage, nodes hit by the same op together: "n3 was killed at 4.200 s
    and restarted at 6.100 s (1.900 s)"."""
    groups = {}
    for outage in found:
        key = (outage.kind, outage.start, outage.end, outage.failed_restart, outage.killed)
        groups.setdefault(key, []).append(outage.node)
    lines = []
    for (kind, start, end, failed, killed), nodes in list(groups.items())[:OUTAGE_LINES]:
        verb, back = ("killed", "restarted") if kind == "killed" else ("paused", "resumed")
        if killed:
            back = "killed"
        text = f"{' '.join(nodes)} {'was' if len(nodes) == 1 else 'were'} {verb} at {_s(start)}"
        if failed:
            text += f"; the restart after it failed ({failed})"
        elif end is None:
            text += f" and {'was' if len(nodes) == 1 else 'were'} still {verb} at the end"
        else:
            text += f" and {back} at {_s(end)} ({(end - start) / 1e9:.3f} s)"
        lines.append(text)
    if len(groups) > OUTAGE_LINES:
        lines.append(f"... and {len(groups) - OUTAGE_LINES} more kills and pauses "
                     "(history.edn has them all)")
    return lines


def _client_pairs(history):
    """(invocation, completion) of every client op."""
    waiting, pairs = {}, []
    for op in history or ():
        process = op.get("process")
        if str(process) == "nemesis":
            continue
        if str(op.get("type")) == "invoke":
            waiting[process] = op
        elif process in waiting:
            pairs.append((waiting.pop(process), op))
    return pairs


def _timed_out(op):
    return str(op.get("type")) in ("info", "fail") and str(op.get("error")) in TIMEOUT_ERRORS


def timeout_lines(history, opts, found):
    """How many client requests timed out against a node that was killed or paused."""
    against, elsewhere = {}, 0
    for invocation, completion in _client_pairs(history):
        if not _timed_out(completion):
            continue
        node = node_of(invocation.get("process"), opts)
        hit = next((o for o in found if o.node == node
                    and o.held(invocation.get("time") or 0, completion.get("time") or 0)), None)
        if hit is None:
            elsewhere += 1
        else:
            key = (hit.kind, node)
            against[key] = against.get(key, 0) + 1
    if not against:
        return []
    parts = []
    for kind in ("killed", "paused"):
        nodes = sorted((node for k, node in against if k == kind), key=node_sort_key)
        if nodes:
            count = sum(against[(kind, node)] for node in nodes)
            each = ", ".join(f"{node} {against[(kind, node)]}" for node in nodes)
            parts.append(f"{count} while it was {kind} ({each})")
    line = (f"{sum(against.values())} client request(s) timed out against a node the nemesis "
            f"had taken down: {'; '.join(parts)}")
    if elsewhere:
        line += f" ({elsewhere} other timeout(s) came while their node was up)"
    return [line]


def _first_kill_after(found, node, ns):
    return next((o for o in found if o.node == node and o.kind == "killed" and o.start >= ns),
                None)


def _when(outage):
    text = f"{outage.node} was killed at {_s(outage.start)}"
    if outage.end is not None:
        text += f" and restarted at {_s(outage.end)}"
    return text


def _numbers(body):
    return {clj_key(item) for item in body_scalars(body) if is_json_int(item)}


def _acknowledged(history, opts, f_names):
    """[(node, ok completion)] of the client ops of these :f that completed ok."""
    return [(node_of(c.get("process"), opts), c) for invocation, c in _client_pairs(history)
            if str(c.get("type")) == "ok" and str(c.get("f")) in f_names]


def _spread(journal, wanted, nodes):
    """For each (acknowledging node, value key) in `wanted`: when that node first sent the
    value to another node or a service, and [(ns, node)] of every delivery of it to a node;
    plus whether a service ever received it (then it outlived any kill). One pass over the
    journal, whatever its size."""
    first_sent, held, stored = {}, {}, set()
    keys = {key for _, key in wanted}
    for event in journal:
        kind, src, dest = event.get("event"), event.get("src"), str(event.get("dest"))
        if dest.startswith("c") or src == dest:
            continue
        carried = _numbers(event.get("body")) & keys
        for key in carried:
            if kind == "send" and (src, key) in wanted:
                first_sent.setdefault((src, key), event.get("time", 0))
            elif kind == "recv":
                if dest in nodes:
                    held.setdefault(key, []).append((event.get("time", 0), dest))
                else:
                    stored.add(key)
    return first_sent, held, stored


def _all_holders_killed(key, node, acked_at, held, found):
    """The kills that took every node holding the value after it got it, or None."""
    holders = {node: acked_at}
    for at, holder in held.get(key, ()):
        holders.setdefault(holder, at)
    kills = [_first_kill_after(found, holder, since) for holder, since in holders.items()]
    return None if None in kills else kills


def lost_value_lines(history, opts, result, found, journal):
    """Set workloads: the lost values kills explain. A value is lost to a kill when the node
    that acknowledged it was killed before passing it on, or when every node it reached was
    killed after getting it (and no service stored it)."""
    lost = {clj_key(v): v for v in result.get("lost") or ()}
    if not lost:
        return []
    acked = [(node, op) for node, op in _acknowledged(history, opts, ("broadcast", "add"))
             if clj_key(op.get("value")) in lost]
    if journal is None:
        return _lost_without_journal(acked, found)
    wanted = {(node, clj_key(op.get("value"))) for node, op in acked}
    first_sent, held, stored = _spread(journal, wanted, set(opts.get("nodes") or ()))
    unsent, everywhere = {}, []    # id(kill) -> (kill, [values]); [(value, kills)]
    for node, op in acked:
        key, at = clj_key(op.get("value")), op.get("time") or 0
        kill = _first_kill_after(found, node, at)
        if kill is not None and first_sent.get((node, key), kill.start) >= kill.start:
            unsent.setdefault(id(kill), (kill, []))[1].append(op.get("value"))
        elif key not in stored:
            kills = _all_holders_killed(key, node, at, held, found)
            if kills:
                everywhere.append((op.get("value"), kills))
    lines = [f"{_when(kill)}; the {len(values)} value(s) it had acknowledged but not yet "
             f"passed on were lost: {_examples(values)}" for kill, values in unsent.values()]
    if everywhere:
        value, kills = everywhere[0]
        where = ", ".join(f"{k.node} killed at {_s(k.start)}" for k in kills)
        lines.append(f"{len(everywhere)} lost value(s) had been passed on, but every node "
                     f"holding them was killed before they spread further: "
                     f"{_examples([v for v, _ in everywhere])} (value {_edn(value)}: {where})")
    if lines:
        lines.append("A value a node acknowledges must reach a node or store that outlives a "
                     "kill, or it dies with the memory of the nodes that had it.")
    return lines


def _lost_without_journal(acked, found):
    """With no journal (a Maelstrom folder): lost values acknowledged by a node later killed."""
    by_kill = {}
    for node, op in acked:
        kill = _first_kill_after(found, node, op.get("time") or 0)
        if kill is not None:
            by_kill.setdefault(id(kill), (kill, []))[1].append(op.get("value"))
    return [f"{_when(kill)}; {len(values)} lost value(s) had been acknowledged by it before "
            f"the kill: {_examples(values)}" for kill, values in by_kill.values()]


def duplicate_id_lines(history, opts, result, found):
    """unique-ids: duplicates handed out by one node before and after its restart."""
    duplicated = {clj_key(v) for v in (result.get("duplicated") or {})}
    if not duplicated:
        return []
    seen = {}
    for node, op in _acknowledged(history, opts, ("generate",)):
        key = clj_key(op.get("value"))
        if key in duplicated:
            seen.setdefault(key, []).append((node, op))
    lines, across = [], 0
    for key, ops in seen.items():
        for (node_a, a), (node_b, b) in zip(ops, ops[1:]):
            outage = _first_kill_after(found, node_a, a.get("time") or 0)
            if node_a == node_b and outage is not None and outage.end is not None \
                    and outage.end <= (b.get("time") or 0):
                across += 1
                if across <= EXAMPLES:
                    lines.append(f"id {_edn(a.get('value'))} was handed out by {node_a} at "
                                 f"{_s(a.get('time') or 0)} and again at "
                                 f"{_s(b.get('time') or 0)}, after {_when(outage)}")
                break
    if across:
        lines.append(f"{across} duplicated id(s) came from one node before and after its "
                     "restart: ids must not repeat across a node's lives (a counter in memory "
                     "starts again)")
    return lines


def acknowledged_before_kill_lines(history, opts, found, f_names, what):
    """Other workloads: how many ops each killed node had acknowledged before its kill."""
    lines = []
    acked = _acknowledged(history, opts, f_names)
    for outage in (o for o in found if o.kind == "killed"):
        count = sum(1 for node, op in acked if node == outage.node
                    and (op.get("time") or 0) <= outage.start)
        if count:
            lines.append(f"{_when(outage)}; it had acknowledged {count} {what} before: what it "
                         "kept only in memory went with it")
    return lines[:OUTAGE_LINES]


def story(history, opts, results=None, journal=None):
    """Lines telling the faults and their effects; [] when no node was killed or paused.
    Whatever the folder holds, this never raises: an explanation must not hide a verdict."""
    try:
        return _story(history, opts, results, journal)
    except Exception as error:      # any shape of history or results
        return [f"(the faults' effects could not be told: {error!r})"[:300]]


def _story(history, opts, results, journal):
    found = outages(history)
    if not found:
        return []
    lines = ["Faults: " + line for line in outage_lines(found)[:1]]
    lines += ["        " + line for line in outage_lines(found)[1:]]
    lines += timeout_lines(history, opts, found)
    result = (results or {}).get("workload") or {}
    if result.get("valid?") is False:
        workload = opts.get("workload")
        if workload in SET_WORKLOADS:
            lines += lost_value_lines(history, opts, result, found, journal)
        elif workload == "unique-ids":
            lines += duplicate_id_lines(history, opts, result, found)
        elif workload in COUNTER_WORKLOADS:
            lines += acknowledged_before_kill_lines(history, opts, found, ("add",), "add(s)")
        else:
            lines += acknowledged_before_kill_lines(
                history, opts, found, _ok_fs(history), "op(s)")
    return lines


def _ok_fs(history):
    return {str(op.get("f")) for op in history or () if str(op.get("type")) == "ok"}


def _examples(values):
    shown = ", ".join(_edn(v) for v in values[:EXAMPLES])
    return shown + (f", ... ({len(values)} in all)" if len(values) > EXAMPLES else "")


def _edn(value):
    return edn.dumps(value, width=None)
