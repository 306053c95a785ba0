"""Details of Elle's model and anomaly lattice (glomers/checkers/elle_models.py): names
(friendly and canonical), what finding an anomaly implies, which models a set of models
implies or is implied by, the anomalies a model prohibits, the :not / :also-not boundary,
clear errors for unknown models, and the worst-first order of the cycle search."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from glomers.checkers import elle_models as em

ROOT = Path(__file__).resolve().parent.parent

G0_FAMILY = {"G0", "G1c", "G1", "G0-process", "G1c-process", "G1-process", "G0-realtime",
             "G1c-realtime", "G1-realtime"}


def test_friendly_and_canonical_names_map_both_ways_and_pass_others_through():
    assert em.canonical("read-committed") == "PL-2"
    assert em.canonical("strict-serializable") == "PL-SS"
    assert em.canonical("strong-serializable") == "PL-SS"
    assert em.canonical("PL-2") == "PL-2"
    assert em.canonical("causal-cerone") == "causal-cerone"
    assert em.friendly("PL-2") == "read-committed"
    assert em.friendly("PL-3") == "serializable"
    assert em.friendly("PL-SS") == "strong-serializable"
    assert em.friendly("strong-session-PL-2") == "strong-session-read-committed"
    assert em.friendly("causal-cerone") == "causal-cerone"
    assert em.friendly("G0") == "G0"


def test_every_graph_names_each_node_as_a_key_with_no_repeated_successor():
    for graph in (em.IMPLIED, em.SEVERITY, em.STRONGER_THAN, em.FORBIDS):
        for node, succs in graph.items():
            assert isinstance(succs, list), node
            assert len(succs) == len(set(succs)), node
            assert all(succ in graph for succ in succs), node
    # Leaves are keys too, with nothing after them.
    assert em.IMPLIED["G2-realtime"] == [] and em.SEVERITY["G1c-realtime"] != []
    assert em.STRONGER_THAN["PL-1"] == [] and em.FORBIDS["G0"] == []


def test_model_graphs_use_canonical_names_only():
    for graph in (em.STRONGER_THAN, em.FORBIDS):
        for node, succs in graph.items():
            assert em.canonical(node) == node
            assert all(em.canonical(succ) == succ for succ in succs)
    # cursor-stability -> read-committed and PL-2 is one edge once canonical.
    assert em.STRONGER_THAN["PL-CS"] == ["PL-2"]
    # conflict-serializable and serializable are both PL-3: their edges merge.
    assert sorted(em.STRONGER_THAN["PL-3"]) == ["PL-2.99", "PL-3U", "PL-SI",
                                                "view-serializable"]


def test_implied_anomalies_follow_the_implication_graph_transitively():
    assert em.implied_anomalies(["G0"]) == G0_FAMILY
    assert em.implied_anomalies(["G1a"]) == {"G1a", "G1", "G1-process", "G1-realtime"}
    assert em.implied_anomalies(["G2-realtime"]) == {"G2-realtime"}
    assert em.implied_anomalies(["lost-update"]) >= {"lost-update", "write-skew", "G2-item",
                                                     "G2", "G2-realtime"}
    # Names the graph does not know imply only themselves.
    assert em.implied_anomalies(["empty-transaction-graph"]) == {"empty-transaction-graph"}
    assert em.implied_anomalies([]) == set()
    assert em.implied_anomalies(["G1a", "G1b"]) == {"G1a", "G1b", "G1", "G1-process",
                                                   "G1-realtime"}


def test_anomalies_implying_walk_the_graph_backwards():
    assert em.anomalies_implying(["G1"]) == {"G1", "G1a", "G1b", "G1c", "G0", "future-read",
                                             "incompatible-order", "dirty-update"}
    assert em.anomalies_implying(["G0"]) == {"G0"}
    assert em.anomalies_implying(["nonsense"]) == {"nonsense"}
    for anomaly in em.IMPLIED:
        for implied in em.implied_anomalies([anomaly]):
            assert anomaly in em.anomalies_implying([implied])


def test_implied_and_stronger_models_take_friendly_names_and_give_canonical_ones():
    assert em.implied_models(["read-committed"]) == {"PL-2", "PL-1"}
    assert em.implied_models(["PL-1"]) == {"PL-1"}
    assert em.implied_models(["read-uncommitted", "cursor-stability"]) == {
        "PL-1", "PL-2", "PL-CS"}
    strict = em.implied_models(["strict-serializable"])
    assert {"PL-SS", "PL-3", "PL-SI", "PL-2", "PL-1", "sequential", "causal",
            "monotonic-reads"} <= strict
    assert "strong-serializable" not in strict and "serializable" not in strict
    assert em.stronger_models(["strong-serializable"]) == {"PL-SS"}
    assert em.stronger_models(["PL-3"]) == {"PL-3", "PL-SS", "strong-session-serializable"}
    assert em.stronger_models(["read-uncommitted"]) >= {"PL-1", "PL-2", "PL-3", "PL-SS"}


def test_unknown_models_are_named_in_a_clear_error():
    with pytest.raises(em.UnknownModel, match=r"Unknown consistency model \['bogus'\]"):
        em.implied_models(["serializable", "bogus"])
    with pytest.raises(em.UnknownModel, match="read-committed,serializable"):
        em.stronger_models(["read-committed,serializable"])
    with pytest.raises(em.UnknownModel):
        em.prohibited_by(["G0"])
    assert issubclass(em.UnknownModel, ValueError)
    assert {"serializable", "PL-3", "causal-cerone", "strong-PL-2"} <= em.ALL_MODELS


def test_prohibited_by_matches_appendix_a():
    assert em.prohibited_by(["read-uncommitted"]) == {
        "G0", "PL-1-cycle-exists", "cyclic-versions", "duplicate-elements"}
    assert em.prohibited_by(["PL-2"]) == {
        "G0", "G1", "G1a", "G1b", "G1c", "PL-1-cycle-exists", "PL-2-cycle-exists",
        "cyclic-versions", "dirty-update", "duplicate-elements", "future-read",
        "incompatible-order"}
    serializable = em.prohibited_by(["serializable"])
    assert serializable == em.prohibited_by(["read-committed"]) | {
        "G-single", "G-single-item", "G-nonadjacent", "G-nonadjacent-item", "G2", "G2-item",
        "G-SI", "G-SIb", "G-MSR", "G-cursor", "G-monotonic", "G-update",
        "PL-2.99-cycle-exists", "PL-3-cycle-exists", "PL-SI-cycle-exists", "internal",
        "lost-update", "predicate-read-miss", "write-skew"}
    strict = em.prohibited_by(["strict-serializable"])
    assert serializable < strict
    assert {"G0-process", "G1c-realtime", "G-single-item-process", "G2-item-realtime",
            "PL-SS-cycle-exists", "strong-session-PL-1-cycle-exists"} <= strict
    # Several models prohibit the union of what each prohibits.
    assert em.prohibited_by(["read-uncommitted", "update-atomic"]) == (
        em.prohibited_by(["read-uncommitted"]) | em.prohibited_by(["update-atomic"]))
    assert em.prohibited_by([]) == set()


def test_impossible_models_are_those_forbidding_an_implied_anomaly_and_stronger():
    assert em.impossible_models(["G0"]) == em.stronger_models(["PL-1"]) | em.stronger_models(
        ["strong-session-PL-1"]) | em.stronger_models(["strong-PL-1"]) | em.stronger_models(
        ["PL-2"])
    assert "PL-1" in em.impossible_models(["G0"])
    assert "PL-1" not in em.impossible_models(["G1a"])
    assert "PL-2" in em.impossible_models(["G1a"])
    # G2-realtime breaks only strict serializability (and what is stronger: nothing).
    assert em.impossible_models(["G2-realtime"]) == {"PL-SS"}
    assert em.impossible_models(["empty-transaction-graph"]) == set()
    assert em.impossible_models([]) == set()


def test_boundary_names_the_weakest_ruled_out_models_in_friendly_sorted_form():
    assert em.boundary(["G0"])["not"] == ["read-uncommitted"]
    g1c = em.boundary(["G1c"])
    assert g1c["not"] == ["read-committed"]
    assert g1c["also-not"] == sorted(g1c["also-not"])
    assert {"serializable", "strong-serializable", "causal-cerone", "snapshot-isolation",
            "strong-read-committed"} <= set(g1c["also-not"])
    assert not {"PL-3", "PL-SS", "read-committed", "read-uncommitted"} & set(g1c["also-not"])
    assert em.boundary(["lost-update"])["not"] == ["cursor-stability", "update-atomic"]
    assert em.boundary(["G2-realtime"]) == {"not": ["strong-serializable"], "also-not": []}
    # The -process variant implies no plain G-single: consistent-view still holds.
    assert em.boundary(["G-single-item-process"])["not"] == [
        "strong-session-snapshot-isolation"]
    assert em.boundary([]) == {"not": [], "also-not": []}
    assert em.boundary(["empty-transaction-graph"]) == {"not": [], "also-not": []}
    # Both lists together are every ruled-out model, each once.
    both = em.boundary(["G0", "lost-update"])
    assert sorted(both["not"] + both["also-not"]) == sorted(
        em.friendly(m) for m in em.impossible_models(["G0", "lost-update"]))
    # update-atomic and cursor-stability imply read-uncommitted, ruled out by G0.
    assert both["not"] == ["read-uncommitted"]
    assert {"update-atomic", "cursor-stability"} <= set(both["also-not"])


def _longest_path_depths():
    """Each anomaly's depth by brute force: the longest chain of "implies or is worse than"
    edges leading to it."""
    preds = {}
    for graph in (em.IMPLIED, em.SEVERITY):
        for a, succs in graph.items():
            preds.setdefault(a, set())
            for b in succs:
                preds.setdefault(b, set()).add(a)
    depths = {}

    def depth(node):
        if node not in depths:
            depths[node] = max((depth(p) + 1 for p in preds[node]), default=0)
        return depths[node]

    for node in preds:
        depth(node)
    return depths


def test_depth_key_orders_by_longest_chain_of_worse_anomalies_then_name():
    depths = _longest_path_depths()
    for anomaly, depth in depths.items():
        assert em.depth_key(anomaly) == (depth, anomaly)
    assert em.depth_key("G0") == (0, "G0")
    assert em.depth_key("G1c") == (1, "G1c")
    assert em.depth_key("G1-realtime") > em.depth_key("G1c-realtime")
    assert em.depth_key("predicate-read-miss") == (0, "predicate-read-miss")
    assert em.depth_key("no-such-anomaly") == (0, "no-such-anomaly")
    # Anything worse comes first.
    for graph in (em.IMPLIED, em.SEVERITY):
        for a, succs in graph.items():
            for b in succs:
                assert em.depth_key(a) < em.depth_key(b)


anomaly_names = st.sampled_from(sorted(em.IMPLIED))
model_names = st.sampled_from(sorted(em.ALL_MODELS))


@settings(max_examples=60, deadline=None)
@given(st.lists(anomaly_names, max_size=3), st.lists(model_names, min_size=1, max_size=3))
def test_an_anomaly_is_prohibited_exactly_when_it_rules_a_model_out(anomalies, models):
    """The two directions of the lattice agree: the anomalies found are prohibited by the
    models iff those anomalies make one of the models impossible."""
    prohibited = bool(set(anomalies) & em.prohibited_by(models))
    ruled_out = bool(em.impossible_models(anomalies) & {em.canonical(m) for m in models})
    assert prohibited == ruled_out


@settings(max_examples=60, deadline=None)
@given(st.lists(anomaly_names, max_size=3))
def test_the_boundary_splits_the_ruled_out_models_at_the_weakest(anomalies):
    bounds = em.boundary(anomalies)
    impossible = em.impossible_models(anomalies)
    assert sorted(bounds["not"] + bounds["also-not"]) == sorted(em.friendly(m)
                                                               for m in impossible)
    weakest = {m for m in impossible
               if not (em.implied_models([m]) - {m}) & impossible}
    assert bounds["not"] == sorted(em.friendly(m) for m in weakest)


# What the lattice answers, as JSON: the graphs, and per anomaly and per model what
# implies, is implied, prohibits or is ruled out.
_ANSWERS = """
import json
from glomers.checkers import elle_models as em
graphs = {name: getattr(em, name) for name in
          ("IMPLIED", "SEVERITY", "STRONGER_THAN", "FORBIDS", "_IMPLIED_BY", "_WEAKER_THAN",
           "_FORBIDDEN_BY")}
models = sorted(em.ALL_MODELS)
anomalies = sorted(em.IMPLIED)
print(json.dumps({
    "graphs": graphs,
    "implied": {a: sorted(em.implied_anomalies([a])) for a in anomalies},
    "implying": {a: sorted(em.anomalies_implying([a])) for a in anomalies},
    "boundary": {a: em.boundary([a]) for a in anomalies},
    "weaker": {m: sorted(em.implied_models([m])) for m in models},
    "stronger": {m: sorted(em.stronger_models([m])) for m in models},
    "prohibited": {m: sorted(em.prohibited_by([m])) for m in models},
    "order": sorted(anomalies, key=em.depth_key),
}, sort_keys=True))
"""


def test_a_fresh_interpreter_builds_the_same_lattice():
    """The graphs are built when the module is first imported: a fresh interpreter gets
    the lattice these tests check, in every answer."""
    fresh = subprocess.run([sys.executable, "-c", _ANSWERS], cwd=ROOT, capture_output=True,
                           text=True, timeout=120, check=True).stdout
    here = {}
    exec(_ANSWERS, {"print": lambda text: here.setdefault("out", text)})
    assert json.loads(fresh) == json.loads(here["out"])
    answers = json.loads(fresh)
    assert answers["implied"]["G0"] == sorted(G0_FAMILY)
    assert answers["prohibited"]["read-uncommitted"] == [
        "G0", "PL-1-cycle-exists", "cyclic-versions", "duplicate-elements"]
    assert answers["boundary"]["G1c"]["not"] == ["read-committed"]
    assert answers["graphs"]["STRONGER_THAN"]["PL-CS"] == ["PL-2"]
