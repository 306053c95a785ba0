"""Pictures of a run: what Maelstrom and Jepsen draw, drawn from a run folder's data.

Each picture is a pure function of the run's data (journal, history, results, options) to
SVG or HTML text, one module per picture:

| file                  | module               | shows                                          |
|-----------------------|----------------------|------------------------------------------------|
| messages.svg          | messages.py          | Lamport diagram of the first 2,000 events      |
| messages.html         | viewer.py            | the same, for the whole run, page by page      |
| timeline.html         | timeline.py          | every op as a bar, per process                 |
| latency-raw.svg       | latency_raw.py       | each op's latency over time                    |
| latency-quantiles.svg | latency_quantiles.py | latency quantiles over time                    |
| rate.svg              | rate.py              | completions per second over time               |
| pictures.json         | units.py             | what was drawn, op latency quantiles, pointers |

`pointers.py` turns a check's evidence into places in these pictures and picks the
messages to highlight. A picture that fails is reported, never raised: drawing can never
change a verdict. `python3 -m glomers.pictures DIR` draws (or redraws) an existing folder.

A run draws in two steps, so the drawing costs the run little time on a machine with a
core to spare: `start` forks a child (child.py) that writes the history files (handed over
by the bench) and draws while the run is analysed; `after_run` draws the pictures the child
has not begun by then, waits for it, draws any it began but did not finish, redraws the
message pictures with highlights when a check failed, and tells the console where to look;
`settled` makes sure the history files were written, by the parent if the child did not.
Both processes draw by units (units.py), and pictures.json lists the same files and errors
in the same order whichever process drew what. Without fork (or in seed sweeps, which draw
failing seeds only) the parent writes the history first and `after_run` draws everything
itself.
"""

import json
import os

from .child import DREW, FIRST_ONLY, Child, settled, start
from .units import EACH, MESSAGE_FILES, Drawn, Painter, UNITS, focus_of, read_record, record

__all__ = ["DREW", "FIRST_ONLY", "MESSAGE_FILES", "Child", "Drawn", "after_run", "draw",
           "settled", "start"]

CONSOLE_LINES = 12


def draw(run_dir, journal, history, results=None, opts=None, only=None):
    """Write the pictures of a run into run_dir (`only`: just these files); return a Drawn."""
    painter = Painter(run_dir, journal, history, results, opts)
    files, errors = [], list(painter.pointer_errors)
    for name in UNITS:
        unit_files, unit_errors = painter.unit(name, only)
        files += unit_files
        errors += unit_errors
    drawn = Drawn(files, errors, painter.focus.lines(files, EACH))
    record(run_dir, drawn, painter.latency())
    return drawn


def after_run(run_dir, journal, history, results, opts, out, child=None):
    """The end of a bench run: finish the pictures (unless opts["pictures"] is False, or
    is "failing" and the run passed) and tell the console where to look."""
    wanted = opts.get("pictures", True)
    valid = (results or {}).get("valid?")
    if wanted is False or (wanted == "failing" and valid is True):
        if child is not None:
            child.wait()
        return None
    try:
        # The pointers are found while the child may still be drawing (they read the
        # journal, not the pictures), then this process draws its share.
        pointer_errors = []
        focus = focus_of(results, history, journal, opts, pointer_errors) \
            if child is not None else None
        if child is not None:
            child.finish(run_dir, journal, history, opts)
            recorded = read_record(run_dir)
            if focus.highlights and valid is not True:
                # They were drawn before the verdict: draw the messages again, highlighted.
                drawn = draw(run_dir, journal, history, results, opts, only=MESSAGE_FILES)
            else:
                drawn = Drawn([], [], [])
            files = list(dict.fromkeys(recorded.get("files", []) + drawn.files))
            # The pointers' errors are those of the verdict's pointers (the child drew
            # before the verdict), first, as a single draw lists them.
            unit_errors = [tuple(e) for e in recorded.get("errors", [])
                           if e[0] not in drawn.files] + drawn.errors
            drawn = Drawn(files, pointer_errors + [e for e in unit_errors
                                                   if e[0] != "pointers"],
                          focus.lines(files, EACH))
            _update_record(run_dir, drawn)
        else:
            drawn = draw(run_dir, journal, history, results, opts)
    except Exception as error:         # the verdict comes first, whatever happens here
        print(f"Pictures could not be drawn (the verdict is unaffected): {error}", file=out)
        return None
    print(f"Pictures: {' '.join(drawn.files)} (browse runs: python3 -m glomers serve "
          f"{opts.get('store', 'store')})", file=out)
    for line in drawn.where[:CONSOLE_LINES]:
        print(f"  {line}", file=out)
    for name, error in drawn.errors:
        print(f"  could not draw {name} (the verdict is unaffected): {error}", file=out)
    return drawn


def _update_record(run_dir, drawn):
    """pictures.json with the errors and pointers known once the verdict is."""
    path = os.path.join(run_dir, "pictures.json")
    recorded = read_record(run_dir)
    recorded["errors"] = [list(error) for error in drawn.errors]
    recorded["where"] = drawn.where
    with open(path, "w", encoding="utf-8") as out:
        json.dump(recorded, out, indent=1)
