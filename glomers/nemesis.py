"""The partition nemesis: which links a `start-partition` cuts, and when the next one comes.

A grudge maps each node (the receiver) to the set of nodes whose messages it drops; every
node of the test is a key, possibly with an empty set, exactly as Maelstrom records it in the
history (`[:isolated {"n1" #{"n3" "n2"}, ...}]`). Grudges only ever name test nodes: clients
and services are never cut off (spec §4.3). The four shapes and their small-cluster quirks
are those of spec §4.4.

Everything random is drawn from the rng passed in, always over lists in a fixed order (never
over a set), so a seed replays the same partitions.
"""

import re

SPECS = ("one", "minority-third", "majority", "majorities-ring")


def choose_spec(rng):
    """The spec of the next start-partition: uniform among the four."""
    return rng.choice(SPECS)


def next_gap(rng, interval):
    """Seconds until the next nemesis op: uniform in [0, 2 * interval), mean `interval`."""
    return rng.random() * 2 * interval


def grudge(spec, nodes, rng):
    """The grudge a start-partition with this spec imposes on `nodes` (in test order)."""
    nodes = list(nodes)
    if spec not in SPECS:
        raise ValueError(f"unknown partition spec {spec!r}; expected one of {', '.join(SPECS)}")
    if not nodes:
        return {}
    if spec == "one":
        loner = rng.choice(nodes)
        return complete_grudge(nodes, [[loner], [n for n in nodes if n != loner]])
    if spec == "majority":
        order = _shuffled(nodes, rng)
        half = len(order) // 2
        return complete_grudge(nodes, [order[:half], order[half:]])
    if spec == "minority-third":
        # The largest count strictly below a third: 0 for N <= 3, so then nothing is cut.
        third = max(0, (len(nodes) - 1) // 3)
        order = _shuffled(nodes, rng)
        return complete_grudge(nodes, [order[:third], order[third:]])
    # majorities-ring: an exact ring up to 5 nodes, a randomly grown one beyond.
    if len(nodes) <= 5:
        return _majorities_ring_exact(nodes, rng)
    return _majorities_ring_stochastic(nodes, rng)


def complete_grudge(nodes, components):
    """Every node drops every node outside its own component (cuts are two-way)."""
    component_of = {}
    for component in components:
        for node in component:
            component_of[node] = set(component)
    return {node: set(nodes) - component_of[node] for node in nodes}


def majority(count):
    """The smallest number of nodes strictly greater than half of `count`."""
    return count // 2 + 1


def _shuffled(nodes, rng):
    """A shuffled copy of a list."""
    order = list(nodes)
    rng.shuffle(order)
    return order


def _majorities_ring_exact(nodes, rng):
    """Up to 5 nodes: a random ring; each window of `majority` consecutive nodes belongs to its
    middle node, which drops everyone outside the window.

    With 5 nodes each node hears its two ring neighbours; with 4 it drops the node opposite;
    with 3 the result is one-directional (a drops b, b drops c, c drops a); with 1 or 2 the
    window covers everyone and nothing is cut.
    """
    ring = _shuffled(nodes, rng)
    size = majority(len(ring))
    owned = {}
    for start in range(len(ring)):
        window = [ring[(start + offset) % len(ring)] for offset in range(size)]
        owned[window[size // 2]] = set(nodes) - set(window)
    return {node: owned[node] for node in nodes}


def _majorities_ring_stochastic(nodes, rng):
    """More than 5 nodes: grow links until every node sees a majority (itself included).

    Each round takes a node of least degree (ties broken at random) and links it both ways to
    the first other least-connected node it is not yet linked to; every node then drops all
    nodes it is not linked to.
    """
    needed = majority(len(nodes))
    links = {node: {node} for node in nodes}
    while True:
        ranked = _rank_by_degree(links, rng)
        a = ranked[0]
        if len(links[a]) >= needed:
            break
        b = next(node for node in ranked if node not in links[a])
        links[a].add(b)
        links[b].add(a)
    return {node: set(nodes) - links[node] for node in nodes}


def _rank_by_degree(links, rng):
    """Nodes by ascending degree, each degree's nodes in a fresh random order."""
    by_degree = {}
    for node in sorted(links, key=node_sort_key):
        by_degree.setdefault(len(links[node]), []).append(node)
    ranked = []
    for degree in sorted(by_degree):
        ranked.extend(_shuffled(by_degree[degree], rng))
    return ranked


def node_sort_key(node):
    """Sort node ids naturally: n2 before n10."""
    match = re.fullmatch(r"(\D*)(\d+)", node)
    if match is None:
        return (node, -1, node)
    return (match.group(1), int(match.group(2)), node)


def describe(spec, grudge):
    """One plain-English line saying which links a grudge cuts, e.g. "n3 isolated from n0 n1"."""
    nodes = sorted(grudge, key=node_sort_key)
    cut = [(receiver, sender) for receiver in nodes for sender in grudge[receiver]]
    if not cut:
        return f"nothing cut ({spec} has no effect on {len(nodes)} node(s))"
    groups = _components(grudge)
    if groups is not None:
        small, large = sorted(groups, key=lambda group: (len(group), node_sort_key(group[0])))
        if len(small) == 1:
            return f"{small[0]} isolated from {' '.join(large)}"
        return f"{' '.join(small)} cut off from {' '.join(large)}"
    symmetric = all(receiver in grudge.get(sender, ()) for receiver, sender in cut)
    parts = []
    for receiver in nodes:
        heard = [n for n in nodes if n != receiver and n not in grudge[receiver]]
        dropped = sorted(grudge[receiver], key=node_sort_key)
        if symmetric:
            parts.append(f"{receiver} hears only {' '.join(heard) or 'itself'}")
        elif dropped:
            parts.append(f"{receiver} drops messages from {' '.join(dropped)}")
    return ("" if symmetric else "one-way cuts: ") + "; ".join(parts)


def _components(grudge):
    """The two groups if the grudge is a clean two-way split between them, else None."""
    nodes = sorted(grudge, key=node_sort_key)
    first = nodes[0]
    others = sorted(grudge[first], key=node_sort_key)
    mine = [n for n in nodes if n not in grudge[first]]
    if not others:
        return None
    for node in nodes:
        expected = set(others) if node in mine else set(mine)
        if set(grudge[node]) != expected:
            return None
    return [mine, others]
