"""Elle's cycle anomaly search over a transaction graph, one strongly connected component
at a time (Elle 0.2.2 txn.clj: cycle-exists checks, then a worst-first typed search).

For each SCC of the whole graph:

1. "cycle exists" checks: for each model in a fixed list (PL-1, PL-2, PL-SI, PL-2.99, PL-3,
   then the strong-session and strong variants), is there a cycle in the subgraph of edges
   that model forbids cycles in? The first hit for a model marks every stronger model as
   settled, so at most a few `<model>-cycle-exists` cases come out.
2. The models with no such cycle rule out whole anomaly families (no ww cycle: no G0...);
   every other cycle anomaly is searched for in Elle's order (`elle_models.depth_key`). A
   found anomaly makes the anomalies it implies redundant.

All cases go into one map {anomaly name: [cases]}. Searches share a step budget per SCC;
when it runs out the SCC yields a `cycle-search-timeout` case plus some cycle, as Elle does
when its one-second search timeout fires (Maelstrom then drops the timeout case).
"""

from glomers.edn import Keyword

from . import elle_models
from .cycles import (PROCESS, REALTIME, RW, WR, WW, CYCLE_SPECS, Budget, BudgetExceeded,
                     DepGraph, any_cycle, classify, find_cycle, sequential_extension,
                     strongly_connected_components)

DEFAULT_BUDGET = 200_000

_K = Keyword
_ITEMS = {"ww": ["ww", "wwp"], "wr": ["wr", "wrp"], "rw": ["rw", "rwp"],
          "process": ["process"], "realtime": ["realtime"]}


def _union(*kinds):
    """(kinds, Elle's printed subgraph form) for a plain union of edge kinds."""
    printed = [_K("union")] + [_K(name) for kind in kinds for name in _ITEMS[kind]]
    return ("union", frozenset(kinds)), printed


def _extension(first, then):
    (_, a), pa = _union(*first)
    (_, b), pb = _union(*then)
    return ("extension", a, b), [_K("extension"), pa, pb]


# (canonical model, subgraph to test, printed subgraph), in Elle's order.
CYCLE_EXISTS = [
    ("PL-1", *_union(WW)),
    ("PL-2", *_union(WW, WR)),
    ("PL-SI", *_extension((WW, WR), (RW,))),
    ("PL-2.99", ("union", frozenset((WW, WR, RW))),
     [_K("union"), _K("ww"), _K("wwp"), _K("wr"), _K("wrp"), _K("rw")]),
    ("PL-3", *_union(WW, WR, RW)),
    ("strong-session-PL-1", *_union(WW, PROCESS)),
    ("strong-session-PL-2", *_union(WW, WR, PROCESS)),
    ("strong-session-snapshot-isolation", *_extension((WW, WR, PROCESS), (RW,))),
    ("strong-session-serializable", *_union(WW, WR, RW, PROCESS)),
    ("strong-PL-1", *_union(WW, REALTIME)),
    ("strong-PL-2", *_union(WW, WR, REALTIME)),
    ("strong-snapshot-isolation", *_extension((WW, WR, REALTIME), (RW,))),
    ("PL-SS", *_union(WW, WR, RW, REALTIME)),
]

SEARCH_ORDER = sorted(CYCLE_SPECS, key=elle_models.depth_key)


def _subgraph(graph, shape):
    if shape[0] == "union":
        return graph.project(shape[1])
    return sequential_extension(graph.project(shape[1]), graph.project(shape[2]))


def cycle_exists_cases(graph):
    """Elle's `<model>-cycle-exists` cases for one SCC: for each model not already settled,
    the smallest SCC of the subgraph that model must keep acyclic."""
    cases, settled = [], set()
    for model, shape, printed in CYCLE_EXISTS:
        if model in settled:
            continue
        sccs = sorted(strongly_connected_components(_subgraph(graph, shape)), key=len)
        if not sccs:
            continue
        cases.append({"type": _K(f"{model}-cycle-exists"),
                      "not": _K(elle_models.friendly(model)),
                      "subgraph": printed,
                      "scc-size": len(sccs[0]),
                      "scc": frozenset(sccs[0])})
        settled |= elle_models.stronger_models([model])
    return cases


def impossible_cycle_anomalies(exists_cases):
    """Cycle anomaly names that cannot be in an SCC, given its cycle-exists cases: those
    forbidden by some model whose subgraph had no cycle."""
    ruled_out = elle_models.stronger_models(
        [elle_models.canonical(str(case["not"])) for case in exists_cases])
    possible = [model for model, _, _ in CYCLE_EXISTS if model not in ruled_out]
    return set(CYCLE_SPECS) & elle_models.prohibited_by(possible)


def scc_cases(graph, budget_steps=DEFAULT_BUDGET):
    """Every case Elle reports for one SCC (given as its induced subgraph): cycle-exists
    cases and found cycles ({"type": name, "cycle": Cycle}), or on budget exhaustion a
    timeout case and a fallback cycle first."""
    exists = cycle_exists_cases(graph)
    redundant = impossible_cycle_anomalies(exists)
    searched, found = [], []
    budget = Budget(budget_steps)
    try:
        for name in SEARCH_ORDER:
            if name in redundant:
                continue
            searched.append(name)
            cycle = find_cycle(graph, CYCLE_SPECS[name], budget)
            if cycle is not None:
                found.append({"type": _K(classify(cycle.kinds)), "cycle": cycle})
                redundant |= elle_models.implied_anomalies([name])
    except BudgetExceeded:
        found_types = {str(case["type"]) for case in found}
        timeout = {"type": _K("cycle-search-timeout"),
                   "anomaly-spec-type": _K(searched[-1]),
                   "does-not-contain": [_K(t) for t in searched[:-1]
                                        if t not in found_types],
                   "scc-size": len(graph.out)}
        fallback = any_cycle(graph)
        head = [timeout]
        if fallback is not None:
            head.append({"type": _K(classify(fallback.kinds)), "cycle": fallback})
        return head + exists + found
    return exists + found


def cycle_anomalies(graph, budget_steps=DEFAULT_BUDGET):
    """{anomaly name: [cases]} over every SCC of a transaction graph."""
    anomalies = {}
    for component in strongly_connected_components(graph):
        for case in scc_cases(graph.select(component), budget_steps):
            anomalies.setdefault(str(case["type"]), []).append(case)
    return anomalies


def remove_redundant_cycle_exists(anomalies):
    """Drop `<model>-cycle-exists` entries for models that the other anomalies present
    already rule out (a specific cycle says more than "some cycle exists")."""
    others = [t for t in anomalies if not t.endswith("-cycle-exists")]
    ruled_out = elle_models.impossible_models(others)
    drop = {f"{model}-cycle-exists" for model, _, _ in CYCLE_EXISTS if model in ruled_out}
    return {t: cases for t, cases in anomalies.items() if t not in drop}


__all__ = ["DepGraph", "cycle_anomalies", "cycle_exists_cases", "scc_cases",
           "impossible_cycle_anomalies", "remove_redundant_cycle_exists", "SEARCH_ORDER"]
