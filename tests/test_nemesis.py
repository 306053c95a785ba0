"""Tests for glomers/nemesis.py: partition shapes, their randomness, their descriptions, and
what a partition does to a run (messages between cut nodes stop while it holds)."""

import gzip
import itertools
import json
import pathlib
import random
import re
import subprocess
import sys

import pytest

from glomers import edn, nemesis
from glomers.nemesis import SPECS, choose_spec, describe, grudge, next_gap

ORACLE = pathlib.Path(__file__).resolve().parent.parent / "oracle"
REPO = pathlib.Path(__file__).resolve().parent.parent
SIZES = (1, 2, 3, 4, 5, 25)


def ids(count):
    return [f"n{i}" for i in range(count)]


def cuts(g):
    """Every (receiver, sender) pair the grudge drops."""
    return {(receiver, sender) for receiver, senders in g.items() for sender in senders}


def is_symmetric(g):
    return all((sender, receiver) in cuts(g) for receiver, sender in cuts(g))


def heard(g, node):
    """Nodes whose messages `node` still receives, itself included."""
    return set(g) - g[node]


class OrderRng:
    """A stand-in rng that 'shuffles' into a given order and 'chooses' its first element."""

    def __init__(self, order):
        self.order = list(order)

    def shuffle(self, items):
        items[:] = [node for node in self.order if node in items]

    def choice(self, items):
        return next(node for node in self.order if node in items)


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("count", SIZES)
def test_every_grudge_keys_every_node_and_names_only_other_test_nodes(spec, count):
    nodes = ids(count)
    for seed in range(5):
        g = grudge(spec, nodes, random.Random(seed))
        assert list(g) == nodes
        for receiver, senders in g.items():
            assert receiver not in senders
            assert senders <= set(nodes)


@pytest.mark.parametrize("spec", SPECS)
def test_one_node_cluster_is_never_cut(spec):
    assert grudge(spec, ["n0"], random.Random(1)) == {"n0": set()}


@pytest.mark.parametrize("count", SIZES[1:])
def test_one_cuts_a_single_node_off_both_ways(count):
    nodes = ids(count)
    g = grudge("one", nodes, random.Random(count))
    loners = [node for node in nodes if len(g[node]) == count - 1]
    # With two nodes both are "the loner"; otherwise exactly one is.
    assert len(loners) == (2 if count == 2 else 1)
    loner = loners[0]
    assert all(g[node] == {loner} for node in nodes if node != loner)
    assert is_symmetric(g)


@pytest.mark.parametrize("count", SIZES[1:])
def test_majority_splits_floor_half_from_the_rest(count):
    nodes = ids(count)
    g = grudge("majority", nodes, random.Random(count))
    sides = {frozenset(heard(g, node)) for node in nodes}
    assert sorted(len(side) for side in sides) == [count // 2, count - count // 2]
    assert is_symmetric(g)
    assert all(g[node] == set(nodes) - heard(g, node) for node in nodes)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_minority_third_cuts_nothing_up_to_three_nodes(count):
    g = grudge("minority-third", ids(count), random.Random(7))
    assert cuts(g) == set()
    assert list(g) == ids(count)


@pytest.mark.parametrize("count, minority", [(4, 1), (5, 1), (6, 1), (7, 2), (25, 8)])
def test_minority_third_splits_off_just_under_a_third(count, minority):
    nodes = ids(count)
    g = grudge("minority-third", nodes, random.Random(count))
    sides = {frozenset(heard(g, node)) for node in nodes}
    assert sorted(len(side) for side in sides) == [minority, count - minority]
    assert is_symmetric(g)


@pytest.mark.parametrize("count", [1, 2])
def test_majorities_ring_cuts_nothing_for_one_or_two_nodes(count):
    g = grudge("majorities-ring", ids(count), random.Random(3))
    assert cuts(g) == set() and list(g) == ids(count)


def test_majorities_ring_of_three_is_a_one_way_cycle():
    for seed in range(10):
        g = grudge("majorities-ring", ids(3), random.Random(seed))
        assert all(len(senders) == 1 for senders in g.values())
        assert not any((sender, receiver) in cuts(g) for receiver, sender in cuts(g))
        # Following "a drops b" from any node visits all three nodes.
        node, seen = "n0", []
        for _ in range(3):
            seen.append(node)
            (node,) = g[node]
        assert sorted(seen) == ids(3) and node == "n0"


def test_majorities_ring_of_four_cuts_each_node_from_the_one_opposite():
    for seed in range(10):
        g = grudge("majorities-ring", ids(4), random.Random(seed))
        assert all(len(senders) == 1 for senders in g.values())
        assert is_symmetric(g)
        assert all(len(heard(g, node)) == 3 for node in g)


def test_majorities_ring_of_five_leaves_each_node_its_two_ring_neighbours():
    for seed in range(10):
        g = grudge("majorities-ring", ids(5), random.Random(seed))
        assert is_symmetric(g)
        neighbours = {node: heard(g, node) - {node} for node in g}
        assert all(len(around) == 2 for around in neighbours.values())
        # The "hears" links form one cycle through all five nodes.
        previous, node, walk = None, "n0", []
        for _ in range(5):
            walk.append(node)
            previous, node = node, next(n for n in sorted(neighbours[node]) if n != previous)
        assert sorted(walk) == ids(5) and node == "n0"


def test_majorities_ring_of_25_gives_every_node_a_majority_but_not_everyone():
    for seed in range(10):
        g = grudge("majorities-ring", ids(25), random.Random(seed))
        assert is_symmetric(g)
        assert all(len(heard(g, node)) >= 13 for node in g)
        assert cuts(g)
        # The growth stops as soon as the least-connected node reaches a majority, so some
        # node sits exactly at the bound.
        assert min(len(heard(g, node)) for node in g) == 13


def test_majorities_ring_of_six_uses_the_grown_ring():
    g = grudge("majorities-ring", ids(6), random.Random(0))
    assert is_symmetric(g)
    assert all(len(heard(g, node)) >= 4 for node in g)


def test_same_seed_same_partitions_and_different_seeds_differ():
    def run(seed):
        rng = random.Random(seed)
        out = []
        for _ in range(20):
            spec = choose_spec(rng)
            out.append((spec, grudge(spec, ids(25), rng), next_gap(rng, 10)))
        return out

    assert run(42) == run(42)
    assert run(42) != run(43)


def test_grudges_do_not_depend_on_string_hashing():
    # Set iteration order of strings changes with PYTHONHASHSEED; the grudges must not.
    script = (
        "import json, random; from glomers.nemesis import grudge\n"
        "rng = random.Random(5)\n"
        "nodes = ['n%d' % i for i in range(25)]\n"
        "out = [{k: sorted(v) for k, v in grudge(s, nodes, rng).items()}\n"
        "       for s in ['majorities-ring', 'majority', 'one', 'minority-third'] * 3]\n"
        "print(json.dumps(out))\n")
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
            env={"PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}, check=True)
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())


def test_choose_spec_picks_all_four_about_evenly():
    rng = random.Random(9)
    counts = {spec: 0 for spec in SPECS}
    for _ in range(4000):
        counts[choose_spec(rng)] += 1
    assert all(850 < count < 1150 for count in counts.values())


def test_gaps_are_uniform_on_zero_to_twice_the_interval():
    rng = random.Random(11)
    gaps = [next_gap(rng, 10.0) for _ in range(20000)]
    assert all(0 <= gap < 20.0 for gap in gaps)
    assert 9.8 < sum(gaps) / len(gaps) < 10.2
    assert min(gaps) < 0.05 and max(gaps) > 19.95
    # Each quarter of the range gets about a quarter of the gaps.
    quarters = [sum(1 for gap in gaps if q * 5 <= gap < (q + 1) * 5) for q in range(4)]
    assert all(4700 < count < 5300 for count in quarters)


def test_gap_stays_below_twice_the_interval_at_the_top_of_the_range():
    class TopRng:
        def random(self):
            return 1 - 2 ** -53

    assert next_gap(TopRng(), 10.0) < 20.0
    assert next_gap(TopRng(), 3.0) < 6.0


def test_unknown_spec_is_refused():
    with pytest.raises(ValueError, match="primaries"):
        grudge("primaries", ids(5), random.Random(0))


def test_shapes_follow_the_shuffled_order():
    order = ["n3", "n0", "n4", "n1", "n2"]
    assert grudge("one", ids(5), OrderRng(order))["n3"] == {"n0", "n1", "n2", "n4"}
    majority = grudge("majority", ids(5), OrderRng(order))
    assert majority["n3"] == {"n4", "n1", "n2"} and majority["n4"] == {"n3", "n0"}
    ring = grudge("majorities-ring", ids(5), OrderRng(order))
    assert ring["n0"] == {"n1", "n2"}  # n0 sits between n3 and n4 on the ring


def _oracle_grudges():
    """Every distinct grudge recorded by a real Maelstrom run in the oracle histories."""
    pattern = re.compile(r":f :start-partition, :value \[:isolated \{(.*?)\}\]")
    entry = re.compile(r'"([^"]+)" #\{([^}]*)\}')
    found = {}
    for path in sorted(ORACLE.glob("*/*/history.edn.gz")):
        with gzip.open(path, "rt") as history:
            text = history.read()
        for match in pattern.finditer(text):
            g = {receiver: frozenset(re.findall(r'"([^"]+)"', senders))
                 for receiver, senders in entry.findall(match.group(1))}
            found[tuple(sorted(g.items()))] = g
    return list(found.values())


@pytest.mark.skipif(not ORACLE.is_dir(), reason="oracle runs not present on this machine")
def test_every_grudge_real_maelstrom_recorded_is_one_this_module_can_produce():
    observed = _oracle_grudges()
    assert len(observed) >= 10
    for g in observed:
        nodes = sorted(g, key=nemesis.node_sort_key)
        producible = any(
            {k: frozenset(v) for k, v in grudge(spec, nodes, OrderRng(order)).items()} == g
            for spec in SPECS for order in itertools.permutations(nodes))
        assert producible, g


def test_describe_a_single_isolated_node():
    g = grudge("one", ids(5), OrderRng(["n3", "n0", "n1", "n2", "n4"]))
    assert describe("one", g) == "n3 isolated from n0 n1 n2 n4"


def test_describe_a_split():
    g = nemesis.complete_grudge(ids(5), [["n4", "n1"], ["n0", "n2", "n3"]])
    assert describe("majority", g) == "n1 n4 cut off from n0 n2 n3"


def test_describe_the_one_way_ring_of_three():
    g = {"n0": {"n1"}, "n1": {"n2"}, "n2": {"n0"}}
    assert describe("majorities-ring", g) == (
        "one-way cuts: n0 drops messages from n1; "
        "n1 drops messages from n2; n2 drops messages from n0")


def test_describe_the_ring_of_five():
    g = grudge("majorities-ring", ids(5), OrderRng(ids(5)))
    assert describe("majorities-ring", g) == (
        "n0 hears only n1 n4; n1 hears only n0 n2; "
        "n2 hears only n1 n3; n3 hears only n2 n4; n4 hears only n0 n3")


def test_describe_a_no_op_and_sorts_numerically():
    assert describe("minority-third", {"n0": set(), "n1": set(), "n2": set()}) == (
        "nothing cut (minority-third has no effect on 3 node(s))")
    g = nemesis.complete_grudge(ids(12), [["n10"], ids(10) + ["n11"]])
    assert describe("one", g) == "n10 isolated from " + " ".join(ids(10) + ["n11"])


def test_describe_lists_the_larger_side_of_a_split_numerically():
    g = nemesis.complete_grudge(ids(12), [["n0"], ids(12)[1:]])
    assert describe("one", g) == "n0 isolated from " + " ".join(ids(12)[1:])


def test_describe_lists_receivers_and_what_they_hear_numerically():
    g = grudge("majorities-ring", ids(12), random.Random(1))
    parts = describe("majorities-ring", g).split("; ")
    receivers = [part.split(" hears only ")[0] for part in parts]
    assert receivers == ids(12)
    for part in parts:
        receiver, hears = part.split(" hears only ")
        assert hears.split() == [n for n in ids(12) if n != receiver and n not in g[receiver]]


def test_describe_one_way_cuts_lists_the_dropped_senders_numerically():
    g = {"n0": {"n2", "n10"}, "n2": set(), "n10": set()}
    assert describe("x", g) == "one-way cuts: n0 drops messages from n2 n10"


def test_describe_a_grudge_naming_a_sender_it_has_no_entry_for():
    # A history written elsewhere may key only some nodes; the description must not fail.
    assert describe("x", {"n0": {"n2"}, "n1": set()}) == (
        "one-way cuts: n0 drops messages from n2")


def test_describe_a_node_cut_off_from_everyone_hears_only_itself():
    g = {node: set(ids(3)) - {node} for node in ids(3)}
    assert describe("x", g) == (
        "n0 hears only itself; n1 hears only itself; n2 hears only itself")


def test_ring_of_three_drops_the_next_node_along_the_shuffled_ring():
    # Spec 4.4: on the ring a, b, c: a drops b, b drops c, c drops a.
    g = grudge("majorities-ring", ids(3), OrderRng(["n2", "n0", "n1"]))
    assert g == {"n2": {"n0"}, "n0": {"n1"}, "n1": {"n2"}}


def test_grown_rings_draw_over_nodes_in_natural_order():
    # The shape a seed gives depends on the nodes' natural order, not on how their numbers
    # are spelled: n2 before n10 exactly as n02 before n10.
    padded = [f"n{i:02d}" for i in range(12)]
    plain = dict(zip(padded, ids(12)))
    for seed in range(5):
        g = grudge("majorities-ring", padded, random.Random(seed))
        renamed = {plain[r]: {plain[s] for s in senders} for r, senders in g.items()}
        assert renamed == grudge("majorities-ring", ids(12), random.Random(seed))


def test_the_unknown_spec_error_names_every_known_spec():
    with pytest.raises(ValueError) as refused:
        grudge("primaries", ids(5), random.Random(0))
    assert str(refused.value).endswith("expected one of " + ", ".join(SPECS))


def test_a_name_without_a_number_sorts_before_the_numbered_ones_of_its_prefix():
    assert sorted(["n10", "n0", "n", "n2", "m"], key=nemesis.node_sort_key) == [
        "m", "n", "n0", "n2", "n10"]


# ---------------------------------------------------------------------------------------
# What a partition does to a run: the journal and the verdict show the cut.


def bench_run(tmp_path, *flags):
    """Run `python3 -m glomers test` (seeded, virtual time); (exit status, results, history,
    journal events, console text)."""
    store = tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "glomers", "test", *flags, "--virtual-time",
                           "--quiet", "--store", str(store)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    run_dir = (store / "latest").resolve()
    results = json.loads((run_dir / "results.json").read_text())
    history = edn.read_history(str(run_dir / "history.edn"))
    with open(run_dir / "journal.jsonl") as lines:
        journal = [json.loads(line) for line in lines]
    return proc.returncode, results, history, journal, proc.stdout + proc.stderr


def partition_windows(history):
    """[(from ns, to ns, grudge)]: from the completed start-partition (the cut is in place)
    to the next stop-partition's invocation (still in place), or to the end of the run."""
    nemesis_ops = [op for op in history if op["process"] == "nemesis"]
    windows, start = [], None
    for op in nemesis_ops:
        value = op.get("value")
        if op["f"] == "start-partition" and isinstance(value, list):
            _, table = value
            start = (op["time"], {receiver: set(senders) for receiver, senders in table.items()})
        elif op["f"] == "stop-partition" and start is not None:
            windows.append((start[0], op["time"], start[1]))
            start = None
    if start is not None:
        windows.append((start[0], float("inf"), start[1]))
    return windows


def between_nodes(journal, event):
    return [e for e in journal if e["event"] == event and e["src"].startswith("n")
            and e["dest"].startswith("n")]


BROADCAST_5 = ("-w", "broadcast", "--node-count", "5", "--time-limit", "10", "--rate", "10",
               "--nemesis-interval", "1")


def test_no_message_crosses_a_cut_while_the_partition_holds(tmp_path):
    # broadcast.py keeps retrying, so nodes go on sending across every cut.
    status, _, history, journal, text = bench_run(
        tmp_path, *BROADCAST_5, "--bin", "broadcast.py", "--nemesis", "partition", "--seed", "3")
    assert status == 0, text
    windows = partition_windows(history)
    assert len(windows) >= 3 and any(any(g.values()) for _, _, g in windows)
    delivered_at = {e["id"]: e["time"] for e in between_nodes(journal, "recv")}
    cut_sends, crossed, kept = 0, [], 0
    for start, end, cut in windows:
        for e in between_nodes(journal, "send"):
            if not start < e["time"] < end:
                continue
            if e["src"] in cut[e["dest"]]:
                cut_sends += 1
                if e["id"] in delivered_at and delivered_at[e["id"]] < end:
                    crossed.append(e)
            elif e["id"] in delivered_at and delivered_at[e["id"]] < end:
                kept += 1
    assert cut_sends > 10                       # the nodes did try to talk across the cut
    assert crossed == [], f"{len(crossed)} of {cut_sends} crossed a cut, e.g. {crossed[:3]}"
    assert kept > 10                            # the links not cut kept delivering


def test_a_node_that_never_retries_loses_values_only_under_partitions(tmp_path):
    node = str(REPO / "tests" / "nodes" / "broadcast_once.py")
    status, results, _, _, text = bench_run(tmp_path / "healthy", *BROADCAST_5, "--bin", node,
                                            "--seed", "1")
    assert status == 0, text
    assert results["workload"]["lost-count"] == 0

    status, results, history, _, text = bench_run(tmp_path / "cut", *BROADCAST_5, "--bin", node,
                                                  "--nemesis", "partition", "--seed", "1")
    assert status == 1, text
    lost = results["workload"]["lost"]
    assert results["workload"]["lost-count"] == len(lost) > 0
    # Each lost value was acknowledged while some partition held: the cut dropped its relays.
    windows = partition_windows(history)
    acked_at = {op["value"]: op["time"] for op in history
                if op["f"] == "broadcast" and op["type"] == "ok"}
    for value in lost:
        assert any(start <= acked_at[value] <= end and any(cut.values())
                   for start, end, cut in windows), value


# ----- the kill / pause / partition schedule (fault_schedule.py) ------------------------------

from glomers import fault_schedule  # noqa: E402
from glomers.fault_schedule import NODE_SPECS, Op, Schedule, final_ops, plan, resolve  # noqa: E402


class Script:
    """A random source answering from lists: random() returns the next value, choice()
    picks the item at the next index, shuffle() reverses, sample() and randint() take the
    next values. Running out raises, so a test knows every draw the schedule made."""

    def __init__(self, randoms=(), choices=(), ints=()):
        self.randoms, self.choices, self.ints = list(randoms), list(choices), list(ints)

    def random(self):
        return self.randoms.pop(0)

    def choice(self, items):
        return list(items)[self.choices.pop(0)]

    def shuffle(self, items):
        items.reverse()

    def randint(self, low, high):
        value = self.ints.pop(0)
        assert low <= value <= high
        return value

    def sample(self, items, count):
        return list(items)[:count]


def scripted(**streams):
    """rng_for(purpose) answering each nemesis purpose from its own Script (default: none)."""
    return lambda purpose: streams.get(purpose.replace("nemesis/", "").replace("-", "_"),
                                       Script())


@pytest.mark.parametrize("count, sizes", [
    # nil spans 1..N; then one, minority-third, minority, majority, all (faults.md §3.2)
    (1, ((1, 1), 1, 0, 0, 1, 1)),
    (2, ((1, 2), 1, 0, 1, 2, 2)),
    (3, ((1, 3), 1, 0, 1, 2, 3)),
    (4, ((1, 4), 1, 1, 2, 3, 4)),
    (5, ((1, 5), 1, 1, 2, 3, 5)),
    (25, ((1, 25), 1, 8, 12, 13, 25)),
])
def test_node_specs_resolve_to_the_sizes_of_the_spec(count, sizes):
    nodes = ids(count)
    for spec, size in zip(NODE_SPECS, sizes):
        seen = set()
        for seed in range(60):
            chosen = resolve(spec, nodes, random.Random(seed))
            assert set(chosen) <= set(nodes) and len(set(chosen)) == len(chosen)
            assert list(chosen) == sorted(chosen, key=nemesis.node_sort_key)
            seen.add(len(chosen))
        if spec is None:
            assert min(seen) >= size[0] and max(seen) <= size[1]
            assert len(seen) == min(count, 5) or count > 5
        else:
            assert seen == {size}, (spec, seen)


def test_resolution_follows_the_shuffle():
    nodes = ids(5)
    assert resolve("majority", nodes, Script()) == ("n2", "n3", "n4")   # reversed, first 3
    assert resolve("minority", nodes, Script()) == ("n3", "n4")
    assert resolve("minority-third", nodes, Script()) == ("n4",)
    assert resolve("one", nodes, Script(choices=[3])) == ("n3",)
    assert resolve(None, nodes, Script(ints=[2])) == ("n0", "n1")
    assert resolve("all", nodes, Script()) == tuple(nodes)


def test_kill_alone_alternates_kill_and_start_with_staggered_gaps():
    # Specs by index into NODE_SPECS: 2 = minority-third (nobody on 3 nodes), 1 = one.
    rng_for = scripted(db=Script(choices=[2, 1, 1]),
                       db_gaps=Script(randoms=[0.1, 0.5, 0.9, 0.75]))
    assert plan(["kill"], ids(3), 10, 40, rng_for) == [
        (0.0, Op("kill", "minority-third", ())),
        (2.0, Op("start", "all")),
        (12.0, Op("kill", "one", ("n1",))),
        (30.0, Op("start", "all")),
    ]                                  # the next would be due at 30 + 15 = 45 s, past 40


def test_kill_and_pause_each_keep_their_own_alternation():
    # Before each op the db stream picks kill (0) or pause (1); a kill or pause then draws
    # its spec (5 = all, 4 = majority).
    rng_for = scripted(db=Script(choices=[0, 5, 1, 4, 0, 1, 0, 5, 1, 4]),
                       db_gaps=Script(randoms=[0.05] * 6))
    planned = plan(["kill", "pause"], ids(3), 10, 6, rng_for)
    assert [(round(at, 6), op) for at, op in planned] == [
        (0.0, Op("kill", "all", ("n0", "n1", "n2"))),
        (1.0, Op("pause", "majority", ("n1", "n2"))),
        (2.0, Op("start", "all")),
        (3.0, Op("resume", "all")),
        (4.0, Op("kill", "all", ("n0", "n1", "n2"))),
        (5.0, Op("pause", "majority", ("n1", "n2"))),
    ]


def test_partition_and_kill_streams_are_staggered_apart_and_merged_by_time():
    g = nemesis.complete_grudge(ids(3), [["n2"], ["n0", "n1"]])
    rng_for = scripted(partition=Script(choices=[0, 2]),      # spec "one", loner n2
                       partition_gaps=Script(randoms=[0.3, 0.05]),
                       db=Script(choices=[1, 0]),             # kill :one -> n0
                       db_gaps=Script(randoms=[0.2, 0.6]),
                       ties=Script(choices=[1]))              # at 0 s the db op goes first
    assert plan(["kill", "partition"], ids(3), 10, 6.5, rng_for) == [
        (0.0, Op("kill", "one", ("n0",))),
        (0.0, Op("start-partition", "one", grudge=g)),
        (4.0, Op("start", "all")),
        (6.0, Op("stop-partition")),
    ]                                  # the next start-partition would be due at 7 s


def test_a_schedule_goes_on_from_when_an_op_went_out():
    # An op that went out late (the one before it took time) moves only its own stream.
    schedule = Schedule(["kill"], ids(3), 10,
                        scripted(db=Script(choices=[1, 0]),
                                 db_gaps=Script(randoms=[0.1, 0.1])))
    stream = schedule.next_stream()
    assert stream.take(0.0) == Op("kill", "one", ("n0",)) and stream.due == 2.0
    assert stream.take(7.5) == Op("start", "all") and stream.due == 9.5


@pytest.mark.parametrize("faults, expected", [
    (["partition"], ["stop-partition"]),
    (["kill"], ["start"]),
    (["pause"], ["resume"]),
    (["kill", "partition", "pause"], ["stop-partition", "resume", "start"]),
    ([], []),
])
def test_final_ops_heal_then_resume_then_restart(faults, expected):
    assert [op.f for op in final_ops(faults)] == expected


def test_the_plan_is_a_function_of_the_seed_and_options():
    def listing(seed, faults=("kill", "pause", "partition")):
        return plan(list(faults), ids(5), 2, 60,
                    lambda purpose: fault_schedule.seeded(seed, purpose))
    assert listing(3) == listing(3)
    assert listing(3) != listing(4)
    ops = listing(3)
    assert all(at < 60 for at, _ in ops) and [at for at, _ in ops] == sorted(at for at, _ in ops)
    assert ops[0][0] == ops[1][0] == 0.0          # both streams begin at once
    # Partition ops alone follow the same partition stream whether or not kill is on.
    partition_only = [op for _, op in listing(3, ("partition",))]
    assert [op for _, op in ops if "partition" in op.f] == partition_only
