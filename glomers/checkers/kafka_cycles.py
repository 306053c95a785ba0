"""The Elle part of the kafka checker: cycles among sends and polls (spec §6.5).

Edges: wr from the op that sent a message to every other op that polled it, plus realtime
order (a completed before b was invoked); no ww edges (Maelstrom never turns on ww-deps),
no rw edges. Elle's model is fixed to strict-serializable. A message polled that no op ever
tried to send makes the graph impossible to build: Jepsen throws, Maelstrom says
`:valid? :unknown`.

Without transactions a poll never sends, so wr edges all run from a send to a poll and a
cycle needs a realtime edge too: a poll that returned a message whose send had not been
invoked when the poll completed. Per strongly connected component Elle then reports one
`:strong-PL-2-cycle-exists` case (wr + realtime cannot be acyclic) and one `:G1c-realtime`
cycle. The general case (a txn both sending and polling: a wr-only cycle) gives
`:PL-2-cycle-exists` and `:G1c` instead. The cycle shown is a shortest one, which may not be
the one Elle's search happens to print.
"""

from glomers.edn import Keyword as K

from .cycles import (CYCLE_SPECS, REALTIME, WR, Budget, BudgetExceeded, DepGraph, any_cycle,
                     classify, find_cycle, realtime_graph, strongly_connected_components)
from .kafka_anomalies import KafkaAnalysisError
from .kafka_ops import vkey

# How many edge steps one component's cycle search may take (Elle: a 1 s timeout).
SEARCH_BUDGET = 2_000_000

_CASES = {
    # Elle's cycle-exists spec, the model it rules out, its subgraph, the cycle anomaly.
    "wr": ("PL-2-cycle-exists", "read-committed",
           ["union", "ww", "wwp", "wr", "wrp"], "G1c"),
    "wr+realtime": ("strong-PL-2-cycle-exists", "strong-read-committed",
                    ["union", "ww", "wwp", "wr", "wrp", "realtime"], "G1c-realtime"),
}


def cycles(hist, writers, readers):
    """Elle's anomaly map for the history: type name -> list of cases, plus
    "empty-transaction-graph": True when no op is related to any other."""
    wr_edges = []
    for key, by_value in readers.items():
        for value, polls in by_value.items():
            writer = writers.get(key, {}).get(value)
            if writer is None:
                raise KafkaAnalysisError(
                    f"no writer of value {hist.original[value]!r} in key {key!r}: some poll "
                    f"returned a message no op ever tried to send",
                    {"type": "no-writer-of-value", "key": key, "value": hist.original[value]})
            for poll in polls:
                wr_edges.append((hist.ops[writer]["index"], hist.ops[poll]["index"]))
    if wr_edges and _acyclic(hist, wr_edges):
        return {}
    graph = DepGraph()
    for a, b in wr_edges:
        graph.link(a, b, WR)
    ops = [op for op in hist.ops if op.get("f") in ("poll", "send", "txn")]
    realtime_graph(ops, graph)
    if not graph.out:
        return {"empty-transaction-graph": True}

    by_index = {op["index"]: i for i, op in enumerate(hist.ops)}
    anomalies = {}
    for component in strongly_connected_components(graph):
        sub = graph.select(component)
        wr_sccs = strongly_connected_components(sub, kinds={WR})
        case = "wr" if wr_sccs else "wr+realtime"
        exists_type, model, subgraph, cycle_type = _CASES[case]
        scc = min(wr_sccs, key=len) if wr_sccs else component
        anomalies.setdefault(exists_type, []).append(
            {"type": K(exists_type), "not": K(model), "subgraph": [K(s) for s in subgraph],
             "scc-size": len(scc), "scc": frozenset(scc)})
        try:
            found = find_cycle(sub, CYCLE_SPECS[cycle_type], Budget(SEARCH_BUDGET))
        except BudgetExceeded:
            anomalies.setdefault("cycle-search-timeout", []).append(
                {"type": K("cycle-search-timeout"), "anomaly-spec-type": K(cycle_type),
                 "does-not-contain": [], "scc-size": len(component)})
            found = any_cycle(sub)
        if found is not None:
            explained = _explain(hist, by_index, found)
            anomalies.setdefault(explained["type"], []).append(explained)
    return anomalies


def _acyclic(hist, wr_edges):
    """Whether the graph certainly has no cycle, without building it: when op indices
    grow along the history, every realtime edge runs from a lower index to a higher one
    (an op completed before the other was invoked, and so before it completed); if every
    wr edge does too, no path can come back. The usual valid run, where no poll returns a
    message before its send completes, then needs no graph at all."""
    previous = -1
    for op in hist.ops:
        index = op["index"]
        if type(index) is not int or index <= previous:
            return False
        previous = index
    return all(a < b for a, b in wr_edges)


def _explain(hist, by_index, cycle):
    """Elle's cycle explanation: the ops (first one repeated at the end), one step per
    edge, and the anomaly type named from the steps."""
    positions = [by_index[node] for node in cycle.nodes]
    steps = []
    for (a, b, kind), i, j in zip(cycle.steps(), positions, positions[1:] + positions[:1]):
        steps.append(_wr_step(hist, i, j) if kind == WR else _realtime_step(hist, i, j))
    return {"cycle": [hist.ops[i] for i in positions + positions[:1]],
            "steps": steps,
            "type": K(classify(cycle.kinds))}


def _wr_step(hist, a, b):
    """Why b depends on a: b polled a message that a sent."""
    sent = hist.writes[a] or {}
    for key, pairs in hist.reads[b].items():
        mine = {value for _, value in sent.get(key, ())}
        for _, value in pairs:
            if value in mine:
                return {"type": K("wr"), "key": key, "value": hist.original[value],
                        "a-mop-index": _mop_index(hist.ops[a], "send", key, value),
                        "b-mop-index": _mop_index(hist.ops[b], "poll", key, value)}
    raise ValueError("no wr relation between the ops of a wr step")


def _realtime_step(hist, a, b):
    """Why b follows a in real time: a completed before b's invocation."""
    return {"type": K(REALTIME), "a'": hist.ops[a], "b": hist.ops[hist.invocation[b]]}


def _mop_index(op, f, key, value):
    """Which micro-op of `op` sent (or polled) `value` under `key`."""
    for n, mop in enumerate(op["value"]):
        if mop[0] != f:
            continue
        if f == "send" and mop[1] == key:
            sent = mop[2][1] if isinstance(mop[2], list) else mop[2]
            if vkey(sent) == value:
                return n
        if f == "poll" and len(mop) > 1 and any(vkey(pair[1]) == value
                                                 for pair in (mop[1] or {}).get(key, ())):
            return n
    return None
