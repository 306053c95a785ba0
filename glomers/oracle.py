"""`python3 -m glomers oracle` (make oracle): hold our checkers against every real run.

Each run in oracle/ that kept both results.edn and a history is re-checked with our
checkers, and the figures Maelstrom wrote are compared with ours: the workload's verdict and
figures (recheck.FIGURES), and the :stats and :availability verdicts and counts. :net is not
compared (it needs the message journal, which Maelstrom folders do not keep).

A table per workload follows, with every disagreement and its reason. A disagreement is
"documented" when KNOWN_DIFFERENCES lists it with the reason our checker is right to
differ (an older Maelstrom or Jepsen whose checker worked differently). Exit 0 when every
disagreement is documented, 1 otherwise, 254 when there is no run to compare (an installed
copy without the oracle folder).
"""

import dataclasses
import json
import sys
import time

from . import recheck, run_folder, oracle_runs
from .values import Float32

_SOUSA_KAFKA = "SousaGLucas__gossip-glomers-challenges__single-node-kafka-style-log_results"
_SOUSA_REASON = (
    "this run's final phase is not what Maelstrom 0.2.3 (Jepsen 0.3.1, the release of its "
    "date) produces: its assign ops carry integer keys and its final polls completed :ok "
    "with the request unchanged ([[:poll]], no messages), while that release's client "
    "always records [:poll msgs]. So no poll after 20.008 s returned anything, and "
    "Jepsen's unseen fold (the same in 0.3.1 and 0.3.7) leaves the messages sent after "
    "the last real poll unseen: \"497\" 6 and \"498\" 14 15 16. Maelstrom reported no "
    ":unseen; the build that ran it evidently differed from the released code, which "
    "our checker follows.")

# (workload, run folder name, compared figure) -> why ours differs from Maelstrom's there.
KNOWN_DIFFERENCES = {
    ("kafka", _SOUSA_KAFKA, "workload valid?"): _SOUSA_REASON,
    ("kafka", _SOUSA_KAFKA, "workload error-types"): _SOUSA_REASON,
}

NO_RUNS = 254          # like a bad argument: nothing was compared, so no verdict either way
STATS_FIGURES = ("valid?", "count", "ok-count", "fail-count", "info-count")


@dataclasses.dataclass
class Outcome:
    """One oracle run, compared: what was compared and where it differed."""

    run: oracle_runs.Run
    status: str                       # "compared", "no-history", "no-results"
                                      # (a damaged run is "compared", with differences)
    compared: int = 0
    differences: list = dataclasses.field(default_factory=list)   # (figure, theirs, ours)
    recheck_valid: object = None

    @property
    def undocumented(self):
        """Differences with no reason in KNOWN_DIFFERENCES."""
        return [d for d in self.differences if self.reason(d[0]) is None]

    def reason(self, figure):
        """The documented reason for a difference on `figure`, or None."""
        return KNOWN_DIFFERENCES.get((self.run.workload, self.run.dir.name, figure))


def comparable(maelstrom, ours):
    """Pairs (figure, Maelstrom's value, ours) to compare, all as plain JSON."""
    pairs = []
    workload = maelstrom.get("workload")
    if isinstance(workload, dict):
        theirs = recheck.figures(ours["workload_name"], workload)
        mine = recheck.figures(ours["workload_name"], ours["workload"])
        pairs += [(f"workload {key}", theirs.get(key), mine.get(key)) for key in theirs]
    else:
        # The whole analysis failed in Maelstrom (an assertion escaped every guard).
        pairs.append(("whole-analysis failure", True, bool(ours["workload"].get("whole-analysis"))))
    for key in STATS_FIGURES:
        if "stats" in maelstrom:
            pairs.append((f"stats {key}", recheck.plain(maelstrom["stats"].get(key)),
                          recheck.plain(ours["stats"].get(key))))
    if "availability" in maelstrom:
        theirs, mine = maelstrom["availability"], ours["availability"]
        pairs.append(("availability valid?", theirs.get("valid?"), mine.get("valid?")))
        pairs.append(("availability ok-fraction", _fraction(theirs.get("ok-fraction")),
                      _fraction(mine.get("ok-fraction"))))
    return pairs


def _fraction(value):
    # results.edn prints a 32-bit float; read back as a double it must be rounded again.
    return None if value is None else Float32(value).java_str()


def compare(run):
    """Re-check one oracle run and compare it with its results.edn."""
    if not run.has_history:
        return Outcome(run, "no-history")
    folder = run_folder.load(run.dir)
    if folder.problems or folder.history is None:
        # A damaged oracle run is a disagreement no reason documents: it must be fixed.
        return Outcome(run, "compared", compared=1, differences=[
            (f"unreadable {problem.name}", problem.what, None) for problem in folder.problems])
    ours = recheck.recheck(folder.history, folder.opts, folder.workload)
    outcome = Outcome(run, "compared" if run.results is not None else "no-results",
                      recheck_valid=ours["workload"].get("valid?"))
    if run.results is None:
        return outcome
    pairs = comparable(run.results, {**ours, "workload_name": folder.workload})
    outcome.compared = len(pairs)
    outcome.differences = [(name, theirs, mine) for name, theirs, mine in pairs
                           if theirs != mine]
    return outcome


def table(outcomes):
    """Lines: one row per workload, then every disagreement with its reason."""
    workloads = sorted({o.run.workload for o in outcomes})
    header = (f"{'workload':<16}{'runs':>5}{'compared':>10}{'agreeing':>10}"
              f"{'disagreeing':>13}{'no results':>12}{'no history':>12}")
    lines = [header, "-" * len(header)]
    for workload in workloads:
        mine = [o for o in outcomes if o.run.workload == workload]
        compared = [o for o in mine if o.status == "compared"]
        disagreeing = [o for o in compared if o.differences]
        lines.append(f"{workload:<16}{len(mine):>5}{len(compared):>10}"
                     f"{len(compared) - len(disagreeing):>10}{len(disagreeing):>13}"
                     f"{sum(o.status == 'no-results' for o in mine):>12}"
                     f"{sum(o.status == 'no-history' for o in mine):>12}")
    disagreements = [o for o in outcomes if o.differences]
    if disagreements:
        lines.append("")
        lines.append("Disagreements")
    for o in disagreements:
        lines.append(f"  {o.run.workload}/{o.run.dir.name}")
        said = None
        for name, theirs, mine in o.differences:
            reason = o.reason(name)
            lines.append(f"    {name}: Maelstrom {json.dumps(theirs)}, ours {json.dumps(mine)}")
            if reason is None:
                lines.append("      UNDOCUMENTED")
            elif reason != said:
                lines.append(f"      documented: {reason}")
            said = reason
    return lines


def main(out=None):
    """Compare every oracle run, print the table; 0 when every disagreement is documented."""
    out = out or sys.stdout
    runs = oracle_runs.runs()
    if not runs:
        print(f"no oracle runs found in {oracle_runs.oracle_dir()}: the real Maelstrom runs "
              "ship in a clone of the repository (oracle/), not in an installed copy; run "
              "this from a clone, or set GLOMERS_ORACLE to a folder of runs", file=out)
        return NO_RUNS
    started = time.monotonic()
    outcomes = [compare(run) for run in runs]
    for line in table(outcomes):
        print(line, file=out)
    undocumented = sum(len(o.undocumented) for o in outcomes)
    print(f"\n{len(outcomes)} runs in {time.monotonic() - started:.1f} s; "
          f"{undocumented} undocumented disagreement(s)", file=out)
    return 1 if undocumented else 0


if __name__ == "__main__":
    raise SystemExit(main())
