"""When each fault held, from the nemesis ops of a history: partitions, kills, pauses.

Jepsen records every nemesis op twice, both `:info` with process `:nemesis`: an invocation
(value: what was asked, e.g. `:majority`) and a completion (value: what happened, e.g.
`[:isolated {"n1" #{"n2"}}]` or `{"n2" :killed}`). A fault holds from the completion of
its start op to the completion of its stop op:

| kind      | starts on          | ends on           | completion value says      |
|-----------|--------------------|-------------------|----------------------------|
| partition | :start-partition   | :stop-partition   | who drops whom (a grudge)  |
| kill      | :kill              | :start            | the nodes killed           |
| pause     | :pause             | :resume           | the nodes paused           |

A start with no stop holds to the end of the run. Any other nemesis op is kept as a
moment (`end` equal to `start`), so a picture can still mark it.
"""

import dataclasses

from ..nemesis import describe, node_sort_key

STARTS = {"start-partition": "partition", "kill": "kill", "pause": "pause"}
STOPS = {"stop-partition": "partition", "start": "kill", "resume": "pause"}
# Completion words for nodes a kill or pause did not touch.
_UNTOUCHED = ("not-running", "not-paused", "already-running", "already-paused")


@dataclasses.dataclass
class Fault:
    """One fault interval."""
    kind: str                     # partition, kill, pause, or another nemesis :f
    start: int                    # ns since the time origin (completion of the start op)
    end: int | None               # ns (completion of the stop op); None: held to the end
    start_index: int              # history index of the start op's completion
    end_index: int | None
    grudge: dict                  # partition: receiver -> senders it drops
    nodes: tuple                  # kill/pause: the nodes affected; partition: nodes cut
    detail: str                   # one line in words

    def held_at(self, ns):
        """True if the fault held at `ns`."""
        return self.start <= ns and (self.end is None or ns <= self.end)


def _f(op):
    return str(op.get("f"))


def _grudge(value):
    """The grudge map of a start-partition completion, or {}."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[1], dict):
        return {str(r): {str(s) for s in (senders or ())} for r, senders in value[1].items()}
    return {}


def _touched(value):
    """Nodes a kill/pause completion names as affected."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(n) for n, word in value.items()
                         if str(word) not in _UNTOUCHED), key=node_sort_key))


def faults(history):
    """Every fault interval of a history, in start order."""
    pending = {}        # :f -> its invocation, waiting for the completion
    open_faults = {}    # kind -> faults started and not yet stopped
    found = []
    for op in history or ():
        if str(op.get("process")) != "nemesis":
            continue
        f = _f(op)
        invocation = pending.pop(f, None)
        if invocation is None:
            pending[f] = op
            continue
        value, time, index = op.get("value"), op.get("time") or 0, op.get("index")
        if f in STARTS:
            kind = STARTS[f]
            if kind == "partition":
                grudge = _grudge(value)
                cut = tuple(sorted((n for n, s in grudge.items() if s), key=node_sort_key))
                detail = describe(str(invocation.get("value")), grudge) if grudge else str(value)
                fault = Fault(kind, time, None, index, None, grudge, cut, detail)
            else:
                nodes = _touched(value)
                fault = Fault(kind, time, None, index, None, {}, nodes,
                              f"{kind}: {' '.join(nodes) or 'no node'}")
            found.append(fault)
            open_faults.setdefault(kind, []).append(fault)
        elif f in STOPS:
            for fault in open_faults.pop(STOPS[f], ()):
                fault.end, fault.end_index = time, index
        else:
            found.append(Fault(f, time, time, index, index, {}, (), f"{f} {value}"))
    return found


def kinds(found):
    """The fault kinds present, in a fixed order (partition, kill, pause, others)."""
    order = ["partition", "kill", "pause"]
    present = {fault.kind for fault in found}
    return [k for k in order if k in present] + sorted(present - set(order))
