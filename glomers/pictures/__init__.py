"""Pictures of a run: what Maelstrom and Jepsen draw, drawn from a run folder's data.

Each picture is a pure function of the run's data (journal, history, results, options) to
SVG or HTML text, one module per picture:

| file                    | module               | shows                                        |
|-------------------------|----------------------|----------------------------------------------|
| messages.svg            | messages.py          | Lamport diagram of the first 2,000 events    |
| messages.html           | viewer.py            | the same, for the whole run, page by page    |
| timeline.html           | timeline.py          | every op as a bar, per process               |
| latency-raw.svg         | latency_raw.py       | each op's latency over time                  |
| latency-quantiles.svg   | latency_quantiles.py | latency quantiles over time                  |
| rate.svg                | rate.py              | completions per second over time             |
| pictures.json           | (here)               | what was drawn, op latency quantiles, pointers|

`draw` writes them all into a run folder and returns what it wrote; a picture that fails
is reported, never raised, so drawing can never change a verdict. `pointers.py` turns a
failed check's evidence into places in these pictures. `python3 -m glomers.pictures DIR`
draws (or redraws) them for an existing bench run folder.
"""

import dataclasses
import json
import os
import traceback

from . import (latency_quantiles, latency_raw, messages, plot, pointers, rate, timeline,
               viewer)


@dataclasses.dataclass
class Drawn:
    """What draw() wrote."""
    files: list                 # file names written, in the order drawn
    errors: list                # (picture, one-line error) for pictures that failed
    where: list                 # lines saying where in the pictures to look (pointers)


def draw(run_dir, journal, history, results=None, opts=None):
    """Write every picture of a run into run_dir; return a Drawn."""
    opts = opts or {}
    workload = opts.get("workload") or ""
    history = history or []
    files, errors = [], []
    focus = pointers.Focus(results, history, journal, opts)

    def attempt(name, make):
        try:
            files.append(make())
        except Exception as error:     # a picture must never cost the run its verdict
            errors.append((name, f"{type(error).__name__}: {error}".splitlines()[0][:300]))
            traceback.clear_frames(error.__traceback__)

    if journal is not None:
        table = messages.Table(journal)
        diagram = messages.Diagram(table, history, opts.get("nodes") or (), focus.highlights)
        attempt("messages.svg", lambda: messages.write(run_dir, diagram, workload))
        attempt("messages.html", lambda: viewer.write(run_dir, diagram, workload,
                                                     focus.values))
    attempt("timeline.html", lambda: timeline.write(run_dir, history, workload))
    perf = plot.Perf(history)
    for module in (latency_raw, latency_quantiles, rate):
        attempt(module.__name__.rsplit(".", 1)[-1],
                lambda module=module: module.write(run_dir, history, workload, perf))
    drawn = Drawn(files, errors, focus.lines(files))
    # What serve's index shows without reading the history again.
    with open(os.path.join(run_dir, "pictures.json"), "w", encoding="utf-8") as out:
        json.dump({"files": files, "errors": [list(e) for e in errors],
                   "latency_ms": perf.latency_quantiles(), "where": drawn.where}, out, indent=1)
    return drawn


def after_run(run_dir, journal, history, results, opts, out):
    """The end of a bench run: draw its pictures (unless opts["pictures"] is False, or is
    "failing" and the run passed, as in seed sweeps) and tell the console where to look."""
    wanted = opts.get("pictures", True)
    if wanted is False or (wanted == "failing" and (results or {}).get("valid?") is True):
        return None
    drawn = draw(run_dir, journal, history, results, opts)
    print(f"Pictures: {' '.join(drawn.files)} (browse runs: python3 -m glomers serve "
          f"{opts.get('store', 'store')})", file=out)
    for line in drawn.where:
        print(f"  {line}", file=out)
    for name, error in drawn.errors:
        print(f"  could not draw {name} (the verdict is unaffected): {error}", file=out)
    return drawn
