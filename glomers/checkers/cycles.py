"""Dependency graphs between transactions, and the search for cycles in them (Elle's core).

A transactional checker relates the operations of a history by edges of a few kinds: ww
(b overwrote a's write), wr (b read a's write), rw (b overwrote the version a read), process
(the same client ran a, then b) and realtime (a completed before b was invoked). A cycle in
that graph is an anomaly, named by the kinds of edges it needs (Adya's G0, G1c, G-single,
G2-item..., with -process / -realtime suffixes). This module provides, with no knowledge of
any workload:

- `DepGraph`, a directed graph over hashable nodes (op indices) whose edges carry kinds;
- `strongly_connected_components`, an iterative Tarjan (a cycle lies inside one SCC);
- `sequential_extension`, the graph A ∪ (A;B) Elle uses to ask whether a snapshot-isolation
  cycle exists;
- `CycleSpec` and `find_cycle`, a breadth-first search for a shortest simple cycle whose
  edge kinds satisfy a spec (allowed kinds, how many rw edges, whether rw edges may be
  adjacent, kinds that must appear), the way Elle's cycle-anomaly specs describe anomalies;
- `classify`, Elle's naming of a cycle from its edge kinds;
- `CYCLE_SPECS`, Elle's item-level anomaly specs with their process / realtime variants;
- `process_graph` and `realtime_graph`, the two order graphs built from a history.

Each edge of a cycle is counted as one kind: the first of `EXPLAIN_ORDER` that the edge
carries, because that is how Elle explains (and so names) a step whose edge has several
kinds. Searches run in a step budget (`Budget`) instead of Elle's wall-clock timeout, so a
result never depends on the machine's speed.
"""

from collections import deque
from dataclasses import dataclass, field

WW, WR, RW, PROCESS, REALTIME = "ww", "wr", "rw", "process", "realtime"
ALL_KINDS = frozenset((WW, WR, RW, PROCESS, REALTIME))

# The order in which Elle's combined explainer tries to justify a step: for rw-register the
# wr explainer, then ww, then rw, then the extra order graph (process or realtime); a graph
# built for another workload may give its own (list-append combines ww, wr, rw).
EXPLAIN_ORDER = (WR, WW, RW, PROCESS, REALTIME)


class DepGraph:
    """A directed graph over hashable nodes whose edges carry a set of kinds; `explain_order`
    decides which kind a step with several counts as (see `kind`)."""

    def __init__(self, explain_order=EXPLAIN_ORDER):
        self.out = {}
        self.explain_order = explain_order

    def add_node(self, node):
        """Make sure `node` is a vertex (with or without edges)."""
        self.out.setdefault(node, {})

    def link(self, a, b, kind, allow_self=False):
        """Add an edge a -> b of `kind`. A self-edge only adds the vertex (Elle removes
        them from transaction graphs but keeps the vertex) unless `allow_self`."""
        out = self.out
        succ = out.get(a)
        if succ is None:
            succ = out[a] = {}
        if b not in out:
            out[b] = {}
        if a == b and not allow_self:
            return
        kinds = succ.get(b)
        if kinds is None:
            succ[b] = {kind}
        else:
            kinds.add(kind)

    def nodes(self):
        """Every vertex, in insertion order."""
        return self.out.keys()

    def successors(self, node):
        """The nodes `node` has an edge to."""
        return self.out.get(node, {}).keys()

    def kinds(self, a, b):
        """The kinds of the edge a -> b (empty if there is none)."""
        return self.out.get(a, {}).get(b, set())

    def kind(self, a, b):
        """The single kind a step a -> b counts as: the first of the explain order it has."""
        kinds = self.kinds(a, b)
        for kind in self.explain_order:
            if kind in kinds:
                return kind
        return next(iter(kinds)) if kinds else None

    def edges(self):
        """Every edge as (a, b, kinds)."""
        for a, succ in self.out.items():
            for b, kinds in succ.items():
                yield a, b, kinds

    def edge_count(self):
        """How many (a, b) pairs are linked."""
        return sum(len(succ) for succ in self.out.values())

    def union(self, other):
        """Add every edge (and vertex) of `other` to this graph; returns self."""
        for node in other.nodes():
            self.add_node(node)
        for a, b, kinds in other.edges():
            for kind in kinds:
                self.link(a, b, kind)
        return self

    def project(self, kinds):
        """A new graph keeping only edges that carry one of `kinds`, labelled with those."""
        kinds = frozenset(kinds)
        graph = DepGraph(self.explain_order)
        for a, b, edge_kinds in self.edges():
            for kind in edge_kinds & kinds:
                graph.link(a, b, kind)
        return graph

    def select(self, nodes):
        """The subgraph induced by `nodes`."""
        keep = set(nodes)
        graph = DepGraph(self.explain_order)
        for a in nodes:
            graph.add_node(a)
            for b, kinds in self.out.get(a, {}).items():
                if b in keep:
                    graph.out[a][b] = set(kinds)
        return graph


def _sorted_nodes(nodes):
    try:
        return sorted(nodes)
    except TypeError:
        return list(nodes)


def strongly_connected_components(graph, kinds=None):
    """The SCCs of `graph` that hold a cycle (more than one node, or one node with a
    self-edge), each a sorted list of nodes, in the
    order Tarjan's algorithm closes them. With `kinds`, only edges carrying one of those
    kinds count. Iterative, so deep graphs do not hit Python's recursion limit."""
    if kinds is None:
        def succ(node):
            return graph.out[node].keys()
    else:
        kinds = frozenset(kinds)

        def succ(node):
            return [b for b, k in graph.out[node].items() if not k.isdisjoint(kinds)]

    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in graph.nodes():
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(succ(root)))]
        while work:
            node, successors = work[-1]
            descended = False
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(succ(nxt))))
                    descended = True
                    break
                if nxt in on_stack and index[nxt] < low[node]:
                    low[node] = index[nxt]
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.out[node]:
                    result.append(_sorted_nodes(component))
    return result


def sequential_extension(a, b, kind="ext"):
    """A ∪ (A;B): graph `a` plus an edge x -> z (labelled `kind`) wherever x -> y in `a`
    and y -> z in `b`. A cycle here is a cycle of A-edges in which every B-edge directly
    follows an A-edge (Elle's snapshot-isolation cycle test)."""
    graph = DepGraph(a.explain_order).union(a)
    for x, y, _ in list(a.edges()):
        for z in b.successors(y):
            graph.link(x, z, kind, allow_self=True)
    return graph


class BudgetExceeded(Exception):
    """A cycle search used up its step budget (the analogue of Elle's search timeout)."""


@dataclass
class Budget:
    """How many edge steps searches may still take; shared by the searches of one SCC."""

    steps: int

    def spend(self, n=1):
        """Use `n` steps, raising BudgetExceeded when none are left."""
        self.steps -= n
        if self.steps < 0:
            raise BudgetExceeded()


@dataclass(frozen=True)
class CycleSpec:
    """What a cycle must look like, in terms of the kinds of its steps.

    kinds:        kinds usable as steps (besides rw, which `rw` governs);
    rw:           (min, max) number of rw steps, max None for unbounded;
    nonadjacent:  no two rw steps in a row (counting the last-to-first step);
    required:     groups of kinds; each group must appear at least once;
    expect:       if set, `classify` of the cycle must give exactly this name.
    """

    kinds: frozenset
    rw: tuple = (0, 0)
    nonadjacent: bool = False
    required: tuple = ()
    expect: str = None

    def allowed(self):
        """Every kind a step of such a cycle may have."""
        allowed = set(self.kinds)
        if self.rw[1] is None or self.rw[1] > 0:
            allowed.add(RW)
        for group in self.required:
            allowed |= group
        return frozenset(allowed)


@dataclass
class Cycle:
    """A cycle: nodes[0] -> nodes[1] -> ... -> nodes[0], with the kind of each step."""

    nodes: list
    kinds: list = field(default_factory=list)

    def steps(self):
        """(a, b, kind) for each step, the last one closing the cycle."""
        n = len(self.nodes)
        return [(self.nodes[i], self.nodes[(i + 1) % n], self.kinds[i]) for i in range(n)]


def classify(kinds):
    """Elle's name for a cycle whose steps have these kinds (in cycle order): by its rw
    steps (one: G-single-item; several: G2-item if two are adjacent, else
    G-nonadjacent-item), else G1c if it has a wr step, else G0; then "-realtime" if any
    realtime step, else "-process" if any process step."""
    kinds = list(kinds)
    rw = kinds.count(RW)
    if rw == 1:
        base = "G-single-item"
    elif rw > 1:
        adjacent = any(kinds[i] == RW and kinds[i - 1] == RW for i in range(len(kinds)))
        base = "G2-item" if adjacent else "G-nonadjacent-item"
    elif WR in kinds:
        base = "G1c"
    elif WW in kinds:
        base = "G0"
    else:
        raise ValueError(f"cannot classify a cycle of {kinds}")
    if REALTIME in kinds:
        return base + "-realtime"
    if PROCESS in kinds:
        return base + "-process"
    return base


def _spec(kinds, rw=(0, 0), nonadjacent=False, required=(), expect=None):
    return CycleSpec(frozenset(kinds), rw, nonadjacent, tuple(frozenset(g) for g in required),
                     expect)


def _variants(name, spec):
    """The spec itself plus its -process and -realtime variants: the variant kind becomes
    usable and required, and a named expectation gains the suffix."""
    out = {name: spec}
    for kind in (PROCESS, REALTIME):
        out[f"{name}-{kind}"] = CycleSpec(
            spec.kinds | {kind}, spec.rw, spec.nonadjacent,
            spec.required + (frozenset({kind}),),
            f"{spec.expect}-{kind}" if spec.expect else None)
    return out


# Elle's item-level cycle anomaly specs (no predicate edges exist in a register history, so
# G-single, G-nonadjacent and G2 proper never match and are left out).
CYCLE_SPECS = {}
for _name, _s in (
        ("G0", _spec({WW})),
        ("G1c", _spec({WW, WR}, required=[{WR}])),
        ("G-single-item", _spec({WW, WR}, rw=(1, 1), expect="G-single-item")),
        ("G-nonadjacent-item", _spec({WW, WR}, rw=(2, None), nonadjacent=True,
                                     expect="G-nonadjacent-item")),
        ("G2-item", _spec({WW, WR}, rw=(2, None), expect="G2-item"))):
    CYCLE_SPECS.update(_variants(_name, _s))


def find_cycle(graph, spec, budget=None):
    """A shortest simple cycle of `graph` matching `spec`, as a Cycle, or None.

    Works one SCC of the allowed-kinds subgraph at a time. Every matching cycle contains an
    "anchor" step (an rw step if the spec needs one, else a step of the first required
    group, else any step), so for each anchor edge a -> b it searches breadth-first from b
    back to a over states (node, rw steps so far, first/last step was rw, required groups
    seen, two adjacent rw seen), keeping the path simple. Raises BudgetExceeded if
    `budget` runs out."""
    allowed = spec.allowed()
    sub = DepGraph()
    for a in graph.nodes():
        sub.add_node(a)
        for b in graph.successors(a):
            if graph.kind(a, b) in allowed:
                sub.link(a, b, graph.kind(a, b))
    if spec.rw[0] > 0:
        anchor = frozenset({RW})
    elif spec.required:
        anchor = spec.required[0]
    else:
        anchor = None
    for component in strongly_connected_components(sub):
        members = set(component)
        for a in component:
            for b in sub.successors(a):
                if b not in members:
                    continue
                kind = sub.kind(a, b)
                if anchor is not None and kind not in anchor:
                    continue
                cycle = _search_from_edge(sub, members, spec, a, b, kind, budget)
                if cycle is not None:
                    return cycle
                if anchor is None:
                    break
            if anchor is None:
                break
    return None


def _step_state(spec, state, kind):
    """The search state after one more step of `kind`, or None if the spec forbids it."""
    rw_count, first_rw, last_rw, seen, adjacent = state
    is_rw = kind == RW
    if is_rw:
        if spec.rw[1] is not None and rw_count + 1 > spec.rw[1]:
            return None
        if spec.nonadjacent and last_rw:
            return None
    for bit, group in enumerate(spec.required):
        if kind in group:
            seen |= 1 << bit
    return (min(rw_count + is_rw, 2), first_rw, is_rw,
            seen, adjacent or (is_rw and last_rw))


def _closes(spec, state, kinds):
    """Whether a path ending in `state` with step kinds `kinds` is a matching cycle."""
    rw_count, first_rw, last_rw, seen, adjacent = state
    if rw_count < spec.rw[0]:
        return False
    if seen != (1 << len(spec.required)) - 1:
        return False
    if spec.nonadjacent and first_rw and last_rw:
        return False
    return spec.expect is None or classify(kinds) == spec.expect


def _search_from_edge(sub, members, spec, a, b, kind, budget):
    start = _step_state(spec, (0, kind == RW, False, 0, False), kind)
    if start is None:
        return None
    # parents: (node, state) -> (previous key, kind of the step into node)
    parents = {(b, start): None}
    queue = deque([(b, start)])
    while queue:
        key = queue.popleft()
        node, state = key
        for nxt in sub.successors(node):
            if nxt not in members:
                continue
            if budget is not None:
                budget.spend()
            step = sub.kind(node, nxt)
            new_state = _step_state(spec, state, step)
            if new_state is None:
                continue
            if nxt == a:
                nodes, kinds = _path(parents, key, a, kind)
                kinds.append(step)
                if _closes(spec, new_state, kinds):
                    return Cycle(nodes, kinds)
                continue
            new_key = (nxt, new_state)
            if new_key in parents or _on_path(parents, key, nxt):
                continue
            parents[new_key] = (key, step)
            queue.append(new_key)
    return None


def _path(parents, key, a, first_kind):
    """Nodes a, b, ..., key's node and the kinds of the steps between them."""
    nodes, kinds = [], []
    while key is not None:
        nodes.append(key[0])
        link = parents[key]
        if link is None:
            break
        key, step = link
        kinds.append(step)
    nodes.append(a)
    kinds.append(first_kind)
    nodes.reverse()
    kinds.reverse()
    return nodes, kinds


def _on_path(parents, key, node):
    while key is not None:
        if key[0] == node:
            return True
        link = parents[key]
        key = link[0] if link else None
    return False


def any_cycle(graph):
    """Some cycle of a graph that has one (the first SCC, searched from its first node),
    ignoring kinds; used as Elle's fallback cycle when a search runs out of budget."""
    for component in strongly_connected_components(graph):
        members = set(component)
        start = component[0]
        parents = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in graph.successors(node):
                if nxt not in members:
                    continue
                if nxt == start:
                    nodes = [node]
                    while parents[nodes[-1]] is not None:
                        nodes.append(parents[nodes[-1]])
                    nodes.reverse()
                    return Cycle(nodes, [graph.kind(x, y) for x, y in
                                         zip(nodes, nodes[1:] + nodes[:1])])
                if nxt not in parents:
                    parents[nxt] = node
                    queue.append(nxt)
    return None


def process_graph(history):
    """Process order: an edge from each :ok op to the next :ok op of the same process
    (nodes are op indices). Other completions are not ordered."""
    graph = DepGraph()
    last = {}
    for op in history:
        if op.get("type") != "ok" or op.get("process") == "nemesis":
            continue
        process = op["process"]
        if process in last:
            graph.link(last[process], op["index"], PROCESS)
        last[process] = op["index"]
    return graph


def realtime_graph(history, graph=None):
    """Realtime order, transitively reduced the way Elle does it: when an op is invoked,
    every :ok op that completed before and is not already implied by a later such :ok gets
    an edge to the new op's completion (whatever its type). Nodes are op indices. With
    `graph`, the edges are added to it (the same as a union, without a second graph)."""
    graph = DepGraph() if graph is None else graph
    completion = _completions(history)
    incoming = {}
    frontier = []  # ok ops completed so far that no later ok op is known to follow
    for op in history:
        if op.get("process") == "nemesis":
            continue
        if op["type"] == "invoke":
            done = completion.get(op["index"])
            if done is not None:
                for before in frontier:
                    graph.link(before, done, REALTIME)
                    incoming.setdefault(done, set()).add(before)
        elif op["type"] == "ok":
            implied = incoming.get(op["index"], ())
            frontier = [x for x in frontier if x not in implied]
            frontier.append(op["index"])
    return graph


def _completions(history):
    """Map invocation index -> completion index, pairing by process."""
    pending, pairs = {}, {}
    for op in history:
        process = op.get("process")
        if process == "nemesis":
            continue
        if op["type"] == "invoke":
            pending[process] = op["index"]
        elif process in pending:
            pairs[pending.pop(process)] = op["index"]
    return pairs
