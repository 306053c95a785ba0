"""jepsen.log: what the console showed during a run, kept in its run folder.

Maelstrom writes its whole log to jepsen.log beside the results. The bench's console is
its report (stdout) plus progress lines and node problems (stderr); a `Tee` copies both,
as they are written, into the run folder's jepsen.log, so a run's own account of itself
stays with it (also for seed sweeps, whose console is silent).
"""

import os
import sys
import threading

# Whether the reader of the console went away (`glomers test ... | head`), and who wants to
# know. A write to a closed pipe raises wherever it happens (a client's task, a node's
# stderr reader, the nemesis); caught here, it can never leave a run stuck without the task
# that died: the run is told, stops, and the bench exits 141. jepsen.log keeps everything.
_gone = threading.Event()
_listeners = []


def reader_gone():
    """True once a console write found its reader gone."""
    return _gone.is_set()


def when_reader_gone(callback):
    """Call callback() (from any thread) when the reader goes away; returns a function that
    stops listening."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


def _reader_left(stream):
    if _gone.is_set():
        return
    _gone.set()
    try:        # later writes, Python's own flush at exit included, go nowhere quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    for callback in list(_listeners):
        callback()


def console_write(stream, text):
    """Write to the console unless its reader is gone (then note that, never raise)."""
    if _gone.is_set():
        return
    try:
        stream.write(text)
    except BrokenPipeError:
        _reader_left(stream)


def console_flush(stream):
    """Flush the console, as console_write."""
    if _gone.is_set():
        return
    try:
        stream.flush()
    except BrokenPipeError:
        _reader_left(stream)


class Tee:
    """A text stream writing to `out` and, once keep_in() names the folder, to jepsen.log.

    Used as a context manager: while it is open, sys.stderr is copied into the log too.
    """

    def __init__(self, out):
        self.out = out
        self.log = None
        self.pending = []                 # what was written before the folder was known
        self.lock = threading.Lock()      # node stderr readers may write from threads
        self._stderr = None

    def keep_in(self, run_dir):
        """Start the log in run_dir, with everything written so far."""
        self.log = open(os.path.join(run_dir, "jepsen.log"), "w", encoding="utf-8")
        self.log.write("".join(self.pending))
        self.pending = []

    def copy(self, text):
        """Write text to the log only."""
        with self.lock:
            if self.log is not None:
                self.log.write(text)
                self.log.flush()
            else:
                self.pending.append(text)

    def write(self, text):
        console_write(self.out, text)
        self.copy(text)
        return len(text)

    def flush(self):
        console_flush(self.out)

    def __enter__(self):
        self._stderr = sys.stderr
        sys.stderr = _Copy(self._stderr, self)
        return self

    def __exit__(self, *exc):
        sys.stderr = self._stderr
        if self.log is not None:
            self.log.close()
        return False


class _Copy:
    """A stream that writes to `stream` and copies into a Tee's log."""

    def __init__(self, stream, tee):
        self.stream, self.tee = stream, tee

    def write(self, text):
        console_write(self.stream, text)
        self.tee.copy(text)
        return len(text)

    def flush(self):
        console_flush(self.stream)

    def __getattr__(self, name):
        return getattr(self.stream, name)
