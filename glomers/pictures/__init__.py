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
| pictures.json         | (here)               | what was drawn, op latency quantiles, pointers |

`pointers.py` turns a check's evidence into places in these pictures and picks the
messages to highlight. A picture that fails is reported, never raised: drawing can never
change a verdict. `python3 -m glomers.pictures DIR` draws (or redraws) an existing folder.

A run draws in two steps, so the drawing costs the run almost no time on a machine with a
core to spare: `start` forks a child that writes the history files (handed over by the
bench) and draws everything while the run is analysed, and `after_run` waits for it,
redraws the message pictures with highlights when a check failed, and tells the console
where to look; `settled` makes sure the history files were written, by the parent if the
child did not. Without fork (or in seed sweeps, which draw failing seeds only) the parent
writes the history first and `after_run` draws everything itself.
"""

import contextlib
import dataclasses
import json
import os
import signal

from . import pointers

MESSAGE_FILES = ("messages.svg", "messages.html")
EACH = 3              # console: values and ops pointed at one by one (the rest on one line)
CONSOLE_LINES = 12


@dataclasses.dataclass
class Drawn:
    """What draw() wrote."""
    files: list                 # file names written, in the order drawn
    errors: list                # (picture, one-line error) for pictures that failed
    where: list                 # lines saying where in the pictures to look (pointers)


def _attempt(files, errors, name, make):
    try:
        files.append(make())
    except Exception as error:         # a picture must never cost the run its verdict
        errors.append((name, f"{type(error).__name__}: {error}".splitlines()[0][:300]))


def _focus(results, history, journal, opts, errors):
    """The evidence's pointers; none (and an error noted) if the data defeats them."""
    try:
        return pointers.Focus(results, history, journal, opts)
    except Exception as error:         # pointers are help, never a reason to fail
        errors.append(("pointers", f"{type(error).__name__}: {error}".splitlines()[0][:300]))
        return pointers.Focus(None, history, None, opts)


def draw(run_dir, journal, history, results=None, opts=None, only=None):
    """Write the pictures of a run into run_dir (`only`: just these files); return a Drawn."""
    # Imported here: a run draws in its child process (`start`), so the bench itself never
    # loads the drawing code unless it draws in the parent.
    from . import latency_quantiles, latency_raw, messages, plot, rate, timeline, viewer
    opts = opts or {}
    workload = opts.get("workload") or ""
    history = history or []
    files, errors = [], []
    focus = _focus(results, history, journal, opts, errors)

    def wanted(name):
        return only is None or name in only

    if journal is not None and (wanted("messages.svg") or wanted("messages.html")):
        diagram = []
        _attempt(diagram, errors, "messages", lambda: messages.Diagram(
            journal, history, opts.get("nodes") or (), focus.highlights))
        if diagram:
            if wanted("messages.svg"):
                _attempt(files, errors, "messages.svg",
                         lambda: messages.write(run_dir, diagram[0], workload))
            if wanted("messages.html"):
                _attempt(files, errors, "messages.html",
                         lambda: viewer.write(run_dir, diagram[0], workload, journal,
                                              focus.values))
    if wanted("timeline.html"):
        _attempt(files, errors, "timeline.html",
                 lambda: timeline.write(run_dir, history, workload))
    perf = plot.Perf(history)
    for module in (latency_raw, latency_quantiles, rate):
        name = module.__name__.rsplit(".", 1)[-1].replace("_", "-") + ".svg"
        if wanted(name):
            _attempt(files, errors, name,
                     lambda module=module: module.write(run_dir, history, workload, perf))
    drawn = Drawn(files, errors, focus.lines(files, EACH))
    _record(run_dir, drawn, perf)
    return drawn


def _record(run_dir, drawn, perf):
    """pictures.json: what serve's index shows without reading the history again."""
    path = os.path.join(run_dir, "pictures.json")
    previous = _read(path)
    files = list(dict.fromkeys(previous.get("files", []) + drawn.files))
    errors = [e for e in previous.get("errors", []) if e[0] not in drawn.files] + \
        [list(e) for e in drawn.errors]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"files": files, "errors": errors, "latency_ms": perf.latency_quantiles(),
                   "where": drawn.where}, out, indent=1)


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


# The drawing child's exit codes: it did its `first` work and drew; it did `first` but did
# not finish drawing. Any other end (another code, a signal) leaves `first` to the parent.
DREW, FIRST_ONLY = 0, 3


class Child:
    """The drawing child `start` forked: its pid and, once reaped, its exit code."""

    def __init__(self, pid):
        self.pid = pid
        self.code = None        # None until reaped; -1 if a signal ended it (or it was lost)

    def wait(self):
        """Reap the child (once); True if it drew."""
        if self.code is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
            except ChildProcessError:
                self.code = -1
        return self.code == DREW

    @property
    def did_first(self):
        """True once reaped if the child did its `first` work."""
        return self.code in (DREW, FIRST_ONLY)


def start(run_dir, journal, history, opts, first=None):
    """Start drawing in a child process while the parent analyses the run; return the
    Child, or None (drawing off, only for failing seeds, or no fork on this system).
    The child calls `first()` before it draws: work the parent hands to the second core
    (the history files); `settled` makes sure it was done."""
    if opts.get("pictures", True) is not True or not hasattr(os, "fork"):
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        status = 1
        try:
            if first is not None:
                first()
            status = FIRST_ONLY
            draw(run_dir, journal, history, None, opts)
            status = DREW
        finally:
            os._exit(status)        # never run the parent's code, never flush its buffers
    return Child(pid)


@contextlib.contextmanager
def settled(child, first):
    """Around the parent's work while `child` draws: on the way out, however it ends, the
    child is reaped and `first` done, by this process when the child did not do it. When
    the parent's work raised (Ctrl-C, SIGTERM, a bench bug) the child is stopped first,
    its pictures left as they are, as a Ctrl-C'd run leaves them."""
    if child is None:
        yield
        return
    try:
        yield
    except BaseException:
        try:
            if child.code is None:
                os.kill(child.pid, signal.SIGTERM)
                child.wait()
            if not child.did_first:
                first()
        except BaseException:      # a second interruption: stopping matters more now
            pass
        raise
    child.wait()
    if not child.did_first:
        first()


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
        # journal, not the pictures).
        focus = _focus(results, history, journal, opts, []) if child is not None else None
        if child is not None and child.wait():
            recorded = _read(os.path.join(run_dir, "pictures.json"))
            if focus.highlights and valid is not True:
                # The child drew before the verdict: draw the messages again, highlighted.
                drawn = draw(run_dir, journal, history, results, opts, only=MESSAGE_FILES)
            else:
                drawn = Drawn([], [], [])
            files = list(dict.fromkeys(recorded.get("files", []) + drawn.files))
            drawn = Drawn(files, [tuple(e) for e in recorded.get("errors", [])
                                  if e[0] not in drawn.files] + drawn.errors,
                          focus.lines(files, EACH))
            _update_where(run_dir, drawn.where)
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


def _update_where(run_dir, where):
    path = os.path.join(run_dir, "pictures.json")
    recorded = _read(path)
    recorded["where"] = where
    with open(path, "w", encoding="utf-8") as out:
        json.dump(recorded, out, indent=1)
