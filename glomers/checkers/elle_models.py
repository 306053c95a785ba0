"""Consistency models and anomalies as Elle 0.2.2 relates them (its consistency_model.clj).

Three directed graphs, written down as data:

- anomaly implication (`IMPLIED`): finding G0 also means G1c, G0-process...;
- model strength (`STRONGER_THAN`): a history that is serializable is also repeatable-read...
  (model names here are Elle's canonical ones, e.g. read-committed is PL-2);
- what each model forbids directly (`FORBIDS`).

From them: which anomalies a set of models prohibits (`prohibited_by`), which models a set of
anomalies rules out (`impossible_models`), the `:not` / `:also-not` boundary Maelstrom prints
(`boundary`), and the order Elle searches cycle anomalies in (`depth_key`).
"""

from functools import lru_cache


class UnknownModel(ValueError):
    """A --consistency-models name Elle does not know (Elle throws; Maelstrom then reports
    the workload as :unknown)."""


def _graph(pairs):
    graph = {}
    for a, succs in pairs:
        graph.setdefault(a, [])
        for b in succs.split():
            graph[a].append(b)
            graph.setdefault(b, [])
    return graph


# a -> anomalies that finding a also demonstrates.
IMPLIED = _graph([
    ("G0", "G1c G0-process"),
    ("G0-process", "G1c-process G0-realtime"),
    ("G0-realtime", "G1c-realtime"),
    ("G1a", "G1"), ("G1b", "G1"),
    ("G1c", "G1 G1c-process"),
    ("G1c-process", "G1c-realtime G1-process"),
    ("G1c-realtime", "G1-realtime"),
    ("G1", "G1-process"), ("G1-process", "G1-realtime"),
    ("G-single-item", "G-single G-single-item-process G-nonadjacent-item"),
    ("G-single-item-process",
     "G-single-process G-single-item-realtime G-nonadjacent-item-process"),
    ("G-single-item-realtime", "G-single-realtime G-nonadjacent-item-realtime"),
    ("G-single", "G-nonadjacent GSIb G-single-process"),
    ("G-single-process", "G-nonadjacent-process G-single-realtime"),
    ("G-single-realtime", "G-nonadjacent-realtime"),
    ("G-nonadjacent-item", "G-nonadjacent G2-item G-nonadjacent-item-process"),
    ("G-nonadjacent-item-process",
     "G-nonadjacent-process G2-item-process G-nonadjacent-item-realtime"),
    ("G-nonadjacent-item-realtime", "G2-item-realtime G-nonadjacent-realtime"),
    ("G-nonadjacent", "G2 G-nonadjacent-process"),
    ("G-nonadjacent-process", "G2-process G-nonadjacent-realtime"),
    ("G-nonadjacent-realtime", "G2-realtime"),
    ("G2", "G2-process"),
    ("G2-item", "G2 G2-item-process"),
    ("G2-item-process", "G2-process G2-item-realtime"),
    ("G2-item-realtime", "G2-realtime"),
    ("G2-process", "G2-realtime"),
    ("GSIa", "GSI"), ("GSIb", "GSI"),
    ("incompatible-order", "G1a"),
    ("future-read", "G1c"),
    ("dirty-update", "G1a"),
    ("lost-update", "write-skew G2-item"),
    ("write-skew", "G2"),
])

# Extra "worse than" edges Elle uses only to order its search (worst first).
SEVERITY = _graph([
    ("G0", "G1c"), ("G0-process", "G1c-process"), ("G0-realtime", "G1c-realtime"),
    ("G1c", "G-single G2-item"),
    ("G1c-process", "G-single-process G2-item-process"),
    ("G1c-realtime", "G-single-realtime G2-item-realtime"),
    ("G2", "G0-process"),
    ("G2-process", "G0-realtime"),
])

# Friendly model name -> Elle's canonical name.
CANONICAL = {
    "consistent-view": "PL-2+", "conflict-serializable": "PL-3",
    "cursor-stability": "PL-CS", "forward-consistent-view": "PL-FCV",
    "monotonic-snapshot-read": "PL-MSR", "monotonic-view": "PL-2L",
    "read-committed": "PL-2", "read-uncommitted": "PL-1", "repeatable-read": "PL-2.99",
    "serializable": "PL-3", "snapshot-isolation": "PL-SI", "strict-serializable": "PL-SS",
    "strong-serializable": "PL-SS", "update-serializable": "PL-3U",
    "strong-session-read-uncommitted": "strong-session-PL-1",
    "strong-session-read-committed": "strong-session-PL-2",
    "strong-read-uncommitted": "strong-PL-1", "strong-read-committed": "strong-PL-2",
}

# Canonical -> the name printed in :not / :also-not. Where two friendly names share a
# canonical one, PL-3 prints as serializable (Elle says so) and PL-SS as
# strong-serializable (what Clojure's hash-map inversion yields; the oracle runs show it).
FRIENDLY = {canonical: friendly for friendly, canonical in CANONICAL.items()}
FRIENDLY["PL-3"] = "serializable"
FRIENDLY["PL-SS"] = "strong-serializable"


def canonical(model):
    """Elle's canonical name for a model."""
    return CANONICAL.get(model, model)


def friendly(model):
    """The name Elle prints for a canonical model."""
    return FRIENDLY.get(model, model)


def _canonical_graph(pairs):
    graph = {}
    for a, succs in pairs:
        a = canonical(a)
        graph.setdefault(a, [])
        for b in succs.split():
            b = canonical(b)
            if b not in graph[a]:
                graph[a].append(b)
            graph.setdefault(b, [])
    return graph


# a -> weaker models that any history satisfying a also satisfies.
STRONGER_THAN = _canonical_graph([
    ("causal-cerone", "read-atomic"),
    ("consistent-view", "cursor-stability monotonic-view"),
    ("conflict-serializable", "view-serializable"),
    ("cursor-stability", "read-committed PL-2"),
    ("forward-consistent-view", "consistent-view"),
    ("PL-2", "PL-1"),
    ("PL-3", "repeatable-read update-serializable"),
    ("update-serializable", "forward-consistent-view"),
    ("monotonic-atomic-view", "read-committed"),
    ("monotonic-view", "PL-2"),
    ("monotonic-snapshot-read", "PL-2"),
    ("parallel-snapshot-isolation", "causal-cerone update-atomic"),
    ("prefix", "causal-cerone"),
    ("read-atomic", "monotonic-atomic-view"),
    ("read-committed", "read-uncommitted"),
    ("repeatable-read", "cursor-stability monotonic-atomic-view"),
    ("update-atomic", "read-atomic"),
    ("serializable", "repeatable-read snapshot-isolation view-serializable"),
    ("session-serializable", "1SR"),
    ("snapshot-isolation", "forward-consistent-view monotonic-atomic-view "
                           "monotonic-snapshot-read parallel-snapshot-isolation prefix"),
    ("strict-serializable", "PL-3 serializable linearizable snapshot-isolation "
                            "strong-snapshot-isolation strong-session-serializable"),
    ("strong-session-PL-1", "PL-1"),
    ("strong-session-PL-2", "PL-2 strong-session-PL-1"),
    ("strong-PL-1", "strong-session-PL-1"),
    ("strong-PL-2", "strong-session-PL-2 strong-PL-1"),
    ("strong-session-serializable", "serializable strong-session-snapshot-isolation"),
    ("strong-session-snapshot-isolation", "snapshot-isolation strong-session-PL-2"),
    ("strong-serializable", "session-serializable"),
    ("strong-snapshot-isolation", "strong-session-snapshot-isolation strong-PL-2"),
    ("linearizable", "sequential"),
    ("sequential", "causal"),
    ("causal", "writes-follow-reads PRAM"),
    ("PRAM", "monotonic-reads monotonic-writes read-your-writes"),
])

# Canonical model -> anomalies it forbids directly (weaker models add theirs).
FORBIDS = _canonical_graph([
    ("causal-cerone", "internal G1a"),
    ("cursor-stability", "G1 G-cursor lost-update"),
    ("monotonic-view", "G1 G-monotonic"),
    ("monotonic-snapshot-read", "G1 G-MSR"),
    ("consistent-view", "G1 G-single"),
    ("forward-consistent-view", "G1 G-SIb"),
    ("parallel-snapshot-isolation", "internal G1a"),
    ("PL-3", "G1 G2 predicate-read-miss PL-3-cycle-exists"),
    ("PL-2", "G1 PL-2-cycle-exists"),
    ("PL-1", "G0 duplicate-elements cyclic-versions PL-1-cycle-exists"),
    ("prefix", "internal G1a"),
    ("serializable", "internal"),
    ("snapshot-isolation", "internal G1 G-SI G-nonadjacent PL-SI-cycle-exists"),
    ("read-atomic", "internal G1a future-read"),
    ("repeatable-read", "G1 G2-item PL-2.99-cycle-exists lost-update"),
    ("update-atomic", "lost-update"),
    ("strict-serializable", "G1 G1c-realtime G2-realtime PL-SS-cycle-exists"),
    ("strong-session-PL-1", "strong-session-PL-1-cycle-exists G0-process"),
    ("strong-session-PL-2", "strong-session-PL-2-cycle-exists G1c-process"),
    ("strong-PL-1", "strong-PL-1-cycle-exists G0-realtime"),
    ("strong-PL-2", "strong-PL-2-cycle-exists G1c-realtime"),
    ("strong-session-snapshot-isolation",
     "internal G1-process G-nonadjacent-process "
     "strong-session-snapshot-isolation-cycle-exists"),
    ("strong-snapshot-isolation",
     "internal G1-realtime G-nonadjacent-realtime strong-snapshot-isolation-cycle-exists"),
    ("strong-session-serializable",
     "G1-process G2-process strong-session-serializable-cycle-exists"),
    ("update-serializable", "G1 G-update"),
])

ALL_MODELS = frozenset(STRONGER_THAN) | frozenset(CANONICAL) | frozenset(CANONICAL.values())


def _reverse(graph):
    reverse = {node: [] for node in graph}
    for a, succs in graph.items():
        for b in succs:
            reverse[b].append(a)
    return reverse


_IMPLIED_BY = _reverse(IMPLIED)
_WEAKER_THAN = _reverse(STRONGER_THAN)
_FORBIDDEN_BY = _reverse(FORBIDS)


def _reach(graph, starts):
    """Every node reachable from `starts` (the starts included)."""
    seen, todo = set(), list(starts)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def _validate(models):
    unknown = [m for m in models if m not in ALL_MODELS]
    if unknown:
        raise UnknownModel(f"Unknown consistency model {unknown}")
    return [canonical(m) for m in models]


def implied_anomalies(anomalies):
    """The anomalies given plus every anomaly they imply."""
    return _reach(IMPLIED, anomalies)


def anomalies_implying(anomalies):
    """The anomalies given plus every anomaly that implies one of them."""
    return _reach(_IMPLIED_BY, anomalies)


def implied_models(models):
    """Canonical names of the models given and every weaker model they imply."""
    return _reach(STRONGER_THAN, _validate(models))


def stronger_models(models):
    """Canonical names of the models given and every stronger model (if these fail, so do
    those)."""
    return _reach(_WEAKER_THAN, _validate(models))


def prohibited_by(models):
    """Anomalies that cannot occur if all of `models` hold (friendly or canonical names)."""
    direct = set()
    for model in implied_models(models):
        direct.update(FORBIDS.get(model, ()))
    return anomalies_implying(direct)


def impossible_models(anomalies):
    """Canonical models ruled out by finding `anomalies`."""
    models = set()
    for anomaly in implied_anomalies(anomalies):
        models.update(_FORBIDDEN_BY.get(anomaly, ()))
    return stronger_models(models)


def _weakest(models):
    """The models of the set that no other model of the set is weaker than."""
    models = set(models)
    for model in list(models):
        others = models - {model}
        if others & _reach(STRONGER_THAN, [model]):
            models.discard(model)
    return models


def boundary(anomalies):
    """{"not": weakest ruled-out models, "also-not": the other ruled-out ones}, friendly
    names, each a sorted list."""
    impossible = impossible_models(anomalies)
    weakest = _weakest(impossible)
    return {"not": sorted(friendly(m) for m in weakest),
            "also-not": sorted(friendly(m) for m in impossible - weakest)}


@lru_cache(maxsize=None)
def _depths():
    merged = {}
    for graph in (IMPLIED, SEVERITY):
        for a, succs in graph.items():
            merged.setdefault(a, set()).update(succs)
            for b in succs:
                merged.setdefault(b, set())
    indegree = {node: 0 for node in merged}
    for succs in merged.values():
        for b in succs:
            indegree[b] += 1
    depths, layer, depth = {}, [n for n, d in indegree.items() if d == 0], 0
    while layer:
        following = []
        for node in layer:
            depths[node] = depth
            for b in merged[node]:
                indegree[b] -= 1
                if indegree[b] == 0:
                    following.append(b)
        layer, depth = following, depth + 1
    for model, anomalies in FORBIDS.items():
        if model in _FORBIDDEN_BY and not _FORBIDDEN_BY[model]:
            for anomaly in anomalies:
                depths.setdefault(anomaly, 0)
    return depths


def depth_key(anomaly):
    """Sort key putting anomalies in Elle's search order: fewer implying anomalies first,
    then by name."""
    return (_depths().get(anomaly, 0), anomaly)
