"""The pictures of a run as units of work, and pictures.json, the record of what was drawn.

A unit is what one process draws at a time: the two message pictures are one unit (they
share the diagram, the costliest thing to build), each other picture a unit of its own.
`Painter` draws units in any order and any share between processes; the record lists
files and errors in the order of UNITS whoever drew them, so it reads the same as when
one process draws everything.
"""

import dataclasses
import json
import os

from . import pointers

MESSAGE_FILES = ("messages.svg", "messages.html")
PLOTS = ("latency-raw", "latency-quantiles", "rate")
UNITS = ("messages", "timeline") + PLOTS
FILES = {"messages": MESSAGE_FILES, "timeline": ("timeline.html",),
         **{plot: (plot + ".svg",) for plot in PLOTS}}
EACH = 3              # values and ops pointed at one by one (the rest on one line)


@dataclasses.dataclass
class Drawn:
    """What draw() wrote."""
    files: list                 # file names written, in the order drawn
    errors: list                # (picture, one-line error) for pictures that failed
    where: list                 # lines saying where in the pictures to look (pointers)


def _one_line(error):
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def _attempt(files, errors, name, make):
    try:
        files.append(make())
    except Exception as error:         # a picture must never cost the run its verdict
        errors.append((name, _one_line(error)))


def focus_of(results, history, journal, opts, errors):
    """The evidence's pointers; none (and an error noted) if the data defeats them."""
    try:
        return pointers.Focus(results, history, journal, opts)
    except Exception as error:         # pointers are help, never a reason to fail
        errors.append(("pointers", _one_line(error)))
        return pointers.Focus(None, history, None, opts)


class Painter:
    """Draws units of one run's pictures in this process. The pointers are found at once
    (their errors come first in the record); the plots' shared measurements (plot.Perf)
    only when a plot or the record first needs them, so a process that draws no plot
    never pays for them."""

    def __init__(self, run_dir, journal, history, results, opts):
        self.run_dir, self.journal, self.opts = run_dir, journal, opts or {}
        self.history = history or []
        self.workload = self.opts.get("workload") or ""
        self.pointer_errors = []
        self.focus = focus_of(results, self.history, journal, self.opts, self.pointer_errors)
        self._perf = self._latency = None

    @property
    def perf(self):
        """The plots' measurements of the history (raises as the plots would)."""
        if self._perf is None:
            from . import plot
            self._perf = plot.Perf(self.history)
        return self._perf

    @property
    def measured(self):
        """True once this process has measured the history for the plots."""
        return self._perf is not None

    def latency(self):
        """pictures.json's op latency quantiles (measuring the history if not yet)."""
        if self._latency is None:
            self._latency = self.perf.latency_quantiles()
        return self._latency

    def unit(self, name, only=None):
        """Draw unit `name` (of its files, those in `only` unless it is None): the files
        written, in order, and the (picture, error) of those that failed."""
        # Imported where used: a run draws in its child process (child.py), so the bench
        # loads no drawing code unless it draws in the parent, and only what it draws.
        wanted = [f for f in FILES[name] if only is None or f in only]
        files, errors = [], []
        if not wanted:
            return files, errors
        run_dir, history, workload, focus = self.run_dir, self.history, self.workload, \
            self.focus
        if name == "messages":
            if self.journal is not None:
                from . import messages, viewer
                diagram = []
                _attempt(diagram, errors, "messages", lambda: messages.Diagram(
                    self.journal, history, self.opts.get("nodes") or (), focus.highlights))
                if diagram and "messages.svg" in wanted:
                    _attempt(files, errors, "messages.svg",
                             lambda: messages.write(run_dir, diagram[0], workload))
                if diagram and "messages.html" in wanted:
                    _attempt(files, errors, "messages.html",
                             lambda: viewer.write(run_dir, diagram[0], workload, self.journal,
                                                  focus.values))
        elif name == "timeline":
            from . import timeline
            _attempt(files, errors, "timeline.html",
                     lambda: timeline.write(run_dir, history, workload))
        else:
            from . import latency_quantiles, latency_raw, rate
            module = {"latency-raw": latency_raw, "latency-quantiles": latency_quantiles,
                      "rate": rate}[name]
            perf = self.perf
            _attempt(files, errors, wanted[0],
                     lambda: module.write(run_dir, history, workload, perf))
        return files, errors


def record(run_dir, drawn, latency, previous=None):
    """Write pictures.json, what serve's index shows without reading the history again:
    `drawn` merged into `previous` (what the folder's pictures.json held, read now if
    None), so a redraw of some pictures keeps the others."""
    path = os.path.join(run_dir, "pictures.json")
    if previous is None:
        previous = read_record(run_dir)
    files = list(dict.fromkeys(previous.get("files", []) + drawn.files))
    errors = [e for e in previous.get("errors", []) if e[0] not in drawn.files] + \
        [list(e) for e in drawn.errors]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"files": files, "errors": errors, "latency_ms": latency,
                   "where": drawn.where}, out, indent=1)


def read_record(run_dir):
    """pictures.json of `run_dir` as a dict; empty if there is none or it is unreadable."""
    try:
        with open(os.path.join(run_dir, "pictures.json"), encoding="utf-8") as f:
            value = json.load(f)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}
