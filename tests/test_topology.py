"""Tests for glomers/topology.py: the suggested broadcast neighbour maps (spec §6.3)."""

import pytest

from glomers.topology import NAMES, topology

pytestmark = pytest.mark.timeout(60)     # unit tests: a hang shows in a minute


def ids(count, first=0):
    return [f"n{i}" for i in range(first, first + count)]


def edges(neighbours):
    return {(a, b) for a, around in neighbours.items() for b in around}


def test_grid_matches_the_spec_example_for_five_nodes_named_from_one():
    assert topology("grid", ids(5, first=1)) == {
        "n1": ["n4", "n2"],
        "n2": ["n5", "n3", "n1"],
        "n3": ["n2"],
        "n4": ["n1", "n5"],
        "n5": ["n2", "n4"],
    }


def test_grid_of_25_lists_below_above_right_left():
    grid = topology("grid", ids(25))
    assert grid["n0"] == ["n5", "n1"]
    assert grid["n6"] == ["n11", "n1", "n7", "n5"]
    assert grid["n24"] == ["n19", "n23"]
    assert grid["n4"] == ["n9", "n3"]


def test_grid_of_one_node_has_no_neighbours():
    assert topology("grid", ["n0"]) == {"n0": []}


def test_grid_with_a_short_last_row_skips_missing_cells():
    # 7 nodes, side 3: the last row holds only n6.
    grid = topology("grid", ids(7))
    assert grid["n3"] == ["n6", "n0", "n4"]
    assert grid["n4"] == ["n1", "n5", "n3"]
    assert grid["n6"] == ["n3"]


def test_line_chains_nodes_in_order():
    assert topology("line", ids(4)) == {
        "n0": ["n1"], "n1": ["n0", "n2"], "n2": ["n1", "n3"], "n3": ["n2"]}
    assert topology("line", ids(2)) == {"n0": ["n1"], "n1": ["n0"]}


def test_line_of_fewer_than_two_nodes_is_empty():
    assert topology("line", ["n0"]) == {}
    assert topology("line", []) == {}


def test_binary_tree_lists_parent_then_children():
    assert topology("tree", ids(6)) == {
        "n0": ["n1", "n2"],
        "n1": ["n0", "n3", "n4"],
        "n2": ["n0", "n5"],
        "n3": ["n1"], "n4": ["n1"], "n5": ["n2"],
    }


def test_tree_is_tree2():
    assert topology("tree", ids(25)) == topology("tree2", ids(25))


def test_tree3_and_tree4_branch_wider():
    tree3 = topology("tree3", ids(13))
    assert tree3["n0"] == ["n1", "n2", "n3"]
    assert tree3["n1"] == ["n0", "n4", "n5", "n6"]
    assert tree3["n12"] == ["n3"]
    tree4 = topology("tree4", ids(25))
    assert tree4["n0"] == ["n1", "n2", "n3", "n4"]
    assert tree4["n5"] == ["n1", "n21", "n22", "n23", "n24"]
    assert tree4["n24"] == ["n5"]


def test_tree_of_one_node_is_a_lone_root():
    assert topology("tree4", ["n0"]) == {"n0": []}


@pytest.mark.parametrize("name", ["tree", "tree3", "tree4"])
@pytest.mark.parametrize("count", [1, 2, 5, 25, 30])
def test_trees_connect_every_node_with_n_minus_one_links(name, count):
    tree = topology(name, ids(count))
    assert len(edges(tree)) == 2 * (count - 1)
    reached, frontier = {"n0"}, ["n0"]
    while frontier:
        for neighbour in tree[frontier.pop()]:
            if neighbour not in reached:
                reached.add(neighbour)
                frontier.append(neighbour)
    assert reached == set(ids(count))


def test_total_lists_every_other_node_in_order():
    assert topology("total", ids(3)) == {
        "n0": ["n1", "n2"], "n1": ["n0", "n2"], "n2": ["n0", "n1"]}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("count", [2, 3, 5, 10, 25])
def test_every_topology_is_symmetric_covers_all_nodes_and_has_no_self_links(name, count):
    neighbours = topology(name, ids(count))
    assert set(neighbours) == set(ids(count))
    links = edges(neighbours)
    assert all((b, a) in links for a, b in links)
    assert all(a != b for a, b in links)
    assert all(len(around) == len(set(around)) for around in neighbours.values())


@pytest.mark.parametrize("count", range(1, 40))
def test_grid_nodes_have_at_most_four_neighbours(count):
    assert max(len(around) for around in topology("grid", ids(count)).values()) <= 4


def test_unknown_topology_is_refused():
    with pytest.raises(ValueError, match="ring"):
        topology("ring", ids(3))
