"""Our checkers against real Maelstrom runs: a handful per workload, valid and invalid, must
agree on every compared figure; the comparison must catch a difference; every documented
difference must still be one."""

import copy
import io

import pytest

from glomers import oracle, oracle_runs
from glomers.edn import Keyword as K

PER_WORKLOAD = 2     # smallest runs of each verdict, to keep the suite light


def _sample():
    chosen = []
    for workload in ("echo", "unique-ids", "broadcast", "g-counter", "kafka",
                     "txn-rw-register"):
        runs = [r for r in oracle_runs.runs(workload) if r.results and r.has_history]
        runs.sort(key=lambda r: r.manifest.get("history_bytes", 0))
        for verdict in (True, False, K("unknown")):
            same = [r for r in runs if r.results.get("valid?") == verdict
                    and (workload, r.dir.name) not in {k[:2] for k in oracle.KNOWN_DIFFERENCES}]
            chosen += same[:PER_WORKLOAD]
    return chosen


SAMPLE = _sample()
needs_oracle = pytest.mark.skipif(not SAMPLE, reason="oracle/ is not on this machine")


@needs_oracle
def test_the_sample_covers_every_workload_and_both_verdicts():
    assert {r.workload for r in SAMPLE} == {"echo", "unique-ids", "broadcast", "g-counter",
                                            "kafka", "txn-rw-register"}
    assert any(r.results["valid?"] is False for r in SAMPLE)
    assert any(r.results["valid?"] is True for r in SAMPLE)


@needs_oracle
@pytest.mark.parametrize("run", SAMPLE, ids=lambda r: f"{r.workload}/{r.dir.name[-30:]}")
def test_our_figures_match_maelstrom(run):
    outcome = oracle.compare(run)
    assert outcome.status == "compared"
    # Workload verdict and figures, stats and availability were all compared.
    assert outcome.compared >= 2 + len(oracle.STATS_FIGURES)
    assert outcome.differences == []
    assert outcome.recheck_valid == run.results["workload"]["valid?"]


@needs_oracle
def test_a_changed_figure_is_an_undocumented_disagreement(monkeypatch):
    run = next(r for r in SAMPLE if r.workload == "broadcast")
    tampered = copy.deepcopy(run.results)
    tampered["workload"]["lost-count"] += 1
    tampered["stats"]["ok-count"] -= 1
    fake = oracle_runs.Run(run.workload, run.dir, run.manifest)
    fake.__dict__["results"] = tampered
    outcome = oracle.compare(fake)
    names = [name for name, _, _ in outcome.differences]
    assert names == ["workload lost-count", "stats ok-count"]
    assert len(outcome.undocumented) == 2
    lines = oracle.table([outcome])
    assert any("UNDOCUMENTED" in line for line in lines)
    assert lines[2].split()[:5] == ["broadcast", "1", "1", "0", "1"]
    # main() fails on it.
    monkeypatch.setattr(oracle_runs, "runs", lambda workload=None: [fake])
    assert oracle.main(out=io.StringIO()) == 1


@needs_oracle
def test_every_documented_difference_is_still_real():
    by_run = {}
    for workload, name, figure in oracle.KNOWN_DIFFERENCES:
        by_run.setdefault((workload, name), set()).add(figure)
    for (workload, name), figures in by_run.items():
        run = next(r for r in oracle_runs.runs(workload) if r.dir.name == name)
        outcome = oracle.compare(run)
        assert {d[0] for d in outcome.differences} == figures
        assert outcome.undocumented == []


@needs_oracle
def test_runs_without_results_or_history_are_counted_not_compared():
    crashed = next(r for r in oracle_runs.runs("broadcast") if r.results is None)
    assert oracle.compare(crashed).status == "no-results"
    results_only = next(r for r in oracle_runs.runs("unique-ids") if not r.has_history)
    outcome = oracle.compare(results_only)
    assert outcome.status == "no-history" and outcome.differences == []
    row = oracle.table([oracle.compare(crashed)])[2].split()
    assert row == ["broadcast", "1", "0", "0", "0", "1", "0"]
