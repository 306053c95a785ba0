"""The neighbour maps Maelstrom suggests to broadcast nodes in the `topology` message (§6.3).

`topology(name, nodes)` returns node id -> list of neighbour ids, computed from the test's
node list in order, with each list in the order Maelstrom sends it.
"""

import math

NAMES = ("grid", "line", "tree", "tree2", "tree3", "tree4", "total")

_BRANCHING = {"tree": 2, "tree2": 2, "tree3": 3, "tree4": 4}


def topology(name, nodes):
    """The suggested neighbours of every node for topology `name` (see NAMES)."""
    nodes = list(nodes)
    if name == "grid":
        return grid(nodes)
    if name == "line":
        return line(nodes)
    if name == "total":
        return total(nodes)
    if name in _BRANCHING:
        return tree(nodes, _BRANCHING[name])
    raise ValueError(f"unknown topology {name!r}; expected one of {', '.join(NAMES)}")


def grid(nodes):
    """A near-square grid filled row by row; neighbours below, above, right, left."""
    side = math.ceil(math.sqrt(len(nodes)))

    def at(row, col):
        # Rows can run past the last node (the bottom row may be short), so check the index.
        if row < 0 or not 0 <= col < side:
            return None
        index = row * side + col
        return nodes[index] if index < len(nodes) else None

    neighbours = {}
    for index, node in enumerate(nodes):
        row, col = divmod(index, side)
        around = [at(row + 1, col), at(row - 1, col), at(row, col + 1), at(row, col - 1)]
        neighbours[node] = [n for n in around if n is not None]
    return neighbours


def line(nodes):
    """A chain in node order; fewer than two nodes give an empty map."""
    if len(nodes) < 2:
        return {}
    neighbours = {nodes[0]: [nodes[1]]}
    for index in range(1, len(nodes) - 1):
        neighbours[nodes[index]] = [nodes[index - 1], nodes[index + 1]]
    neighbours[nodes[-1]] = [nodes[-2]]
    return neighbours


def tree(nodes, branching):
    """A tree laid out like a heap in node order: node k's children are b*k+1 .. b*k+b.

    Each node lists its parent first (if it has one), then its children.
    """
    neighbours = {}
    for index, node in enumerate(nodes):
        parent = [nodes[(index - 1) // branching]] if index > 0 else []
        first_child = branching * index + 1
        children = nodes[first_child:first_child + branching]
        neighbours[node] = parent + children
    return neighbours


def total(nodes):
    """Every node lists every other node, in node order."""
    return {node: [n for n in nodes if n != node] for node in nodes}
