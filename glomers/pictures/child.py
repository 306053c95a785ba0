"""The drawing child: a run's pictures drawn on the second core while the run is analysed.

`start` forks a child before the analysis. The child first does the work the parent hands
it (the history files), then draws. The units of drawing (units.UNITS) are shared, so
neither process idles while the other still has pictures to draw: a pipe holds one byte
per unit, written and its writing end closed before the fork, and whoever reads a byte
draws that unit (a one-byte read goes to exactly one reader; reads never block, so an
emptied pipe says at once that nothing is left). The child takes units until none is
left; the parent takes those still there once its analysis is done (`Child.finish`), then
waits for the child.

The child notes each unit it finished (files, errors, latency quantiles) in an unnamed
temporary file. Once it has ended, the parent reads the notes, draws any unit the child
took but did not finish (it failed, or was killed), and writes pictures.json for both,
the same as one process drawing everything writes. A child that drew every unit writes
that pictures.json itself too, so a run whose analysis is interrupted keeps it.
"""

import contextlib
import gc
import json
import os
import signal
import tempfile

from .units import EACH, UNITS, Drawn, Painter, read_record, record

# The drawing child's exit codes: it did its `first` work and drew; it did `first` but did
# not finish drawing. Any other end (another code, a signal) leaves `first` to the parent.
DREW, FIRST_ONLY = 0, 3


class Child:
    """The drawing child `start` forked: its pid, the units both processes take, and,
    once reaped, its exit code and the units it finished."""

    def __init__(self, pid, units, notes, previous):
        self.pid = pid
        self.code = None        # None until reaped; -1 if a signal ended it (or it was lost)
        self.finished = {}      # once reaped: unit -> (files, errors, latency or None)
        self._units = units     # the pipe's reading end (None once closed)
        self._notes = notes     # the child's notes, an unnamed temporary file
        self._previous = previous       # pictures.json as it was before the drawing

    def wait(self):
        """Reap the child (once) and read its notes; True if it drew."""
        if self.code is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
            except ChildProcessError:
                self.code = -1
            os.close(self._units)
            self._units = None
            self.finished = self._read_notes()
        return self.code == DREW

    @property
    def did_first(self):
        """True once reaped if the child did its `first` work."""
        return self.code in (DREW, FIRST_ONLY)

    def take(self):
        """The next unit nobody has taken yet, or None when there is none left."""
        if self._units is None:
            return None
        try:
            byte = os.read(self._units, 1)
        except BlockingIOError:     # the pipe is empty (and some process still holds its
            return None             # writing end: one forked while `start` filled it)
        return UNITS[byte[0]] if byte else None

    def draw_share(self, run_dir, journal, history, opts):
        """In the child: draw units until none is left, noting each one finished."""
        painter = Painter(run_dir, journal, history, None, opts)
        finished = {}
        with _run_frozen():
            while (name := self.take()) is not None:
                files, errors = painter.unit(name)
                finished[name] = files, errors
                latency = painter.latency() if painter.measured else None
                _write_all(self._notes.fileno(),
                           (json.dumps([name, files, errors, latency]) + "\n").encode())
            if len(finished) == len(UNITS):
                _record(run_dir, painter, finished, painter.latency(), self._previous)

    def finish(self, run_dir, journal, history, opts):
        """In the parent, once its analysis is done: draw the units still untaken, wait for
        the child, draw the units it took but did not finish, and write pictures.json."""
        painter = Painter(run_dir, journal, history, None, opts)
        drawn = {}
        with _run_frozen():
            while (name := self.take()) is not None:
                drawn[name] = painter.unit(name)
            self.wait()
            for name in UNITS:
                if name not in drawn and name not in self.finished:
                    drawn[name] = painter.unit(name)
        latencies = [note[2] for note in self.finished.values() if note[2] is not None]
        latency = painter.latency() if painter.measured or not latencies else latencies[0]
        drawn.update((name, note[:2]) for name, note in self.finished.items())
        _record(run_dir, painter, drawn, latency, self._previous)

    def _read_notes(self):
        """The units the child noted as finished; a note cut short by its end is left out
        (that unit is drawn again)."""
        try:
            with self._notes:
                self._notes.seek(0)
                text = self._notes.read().decode("utf-8", "replace")
        except OSError:             # no notes: the parent draws the child's units again
            return {}
        finished = {}
        for line in text.split("\n"):
            try:
                name, files, errors, latency = json.loads(line)
            except (ValueError, TypeError):
                continue
            if name in UNITS:
                finished[name] = files, [tuple(error) for error in errors], latency
        return finished


@contextlib.contextmanager
def _run_frozen():
    """Draw with the run's objects (the history, the journal's summary, the analysis) left
    out of garbage collection: they live on until the process ends, and a full collection
    that walked them all, as the drawing's allocations set one off, cost a busy run's parent
    about half a second. Drawing makes hardly any cyclic garbage of its own."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def _record(run_dir, painter, drawn, latency, previous):
    """pictures.json for the units `drawn` (unit -> (files, errors)), in UNITS' order."""
    files, errors = [], list(painter.pointer_errors)
    for name in UNITS:
        files += drawn[name][0]
        errors += drawn[name][1]
    record(run_dir, Drawn(files, errors, painter.focus.lines(files, EACH)), latency, previous)


def start(run_dir, journal, history, opts, first=None):
    """Start drawing in a child process while the parent analyses the run; return the
    Child, or None (drawing off, only for failing seeds, or no fork on this system).
    The child calls `first()` before it draws: work the parent hands to the second core
    (the history files); `settled` makes sure it was done."""
    if opts.get("pictures", True) is not True or not hasattr(os, "fork"):
        return None
    try:
        units, filling = os.pipe()
    except OSError:
        return None
    try:
        try:
            os.write(filling, bytes(range(len(UNITS))))
        finally:
            os.close(filling)
        os.set_blocking(units, False)
        notes = tempfile.TemporaryFile()
    except OSError:
        os.close(units)
        return None
    child = Child(None, units, notes, read_record(run_dir))
    try:
        pid = os.fork()
    except OSError:
        os.close(units)
        notes.close()
        return None
    if pid == 0:
        status = 1
        try:
            if first is not None:
                first()
            status = FIRST_ONLY
            child.draw_share(run_dir, journal, history, opts)
            status = DREW
        finally:
            os._exit(status)        # never run the parent's code, never flush its buffers
    child.pid = pid
    return child


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
