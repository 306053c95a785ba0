"""Pictures shared between the drawing child and the parent: whoever draws which unit, and
whatever happens to the child, the run folder ends with the same files, byte for byte, and
the same pictures.json and console lines as when one process draws everything.

Each test forks a real drawing child (pictures.start) over the tiny broadcast run of
test_pictures_run and steers who draws what: a wrapper around Painter.unit, installed
before the fork so both processes run it, logs each unit drawn with the pid that drew it
and, in one process or the other, waits for a signal file or never returns.
"""

import io
import json
import os
import signal
import time

import pytest

from glomers import pictures
from glomers.checkers import set_full
from glomers.pictures import units
from test_pictures_run import HISTORY, JOURNAL, OPTS

# The tiny run loses value 7: a failing verdict, whose message pictures are highlighted.
FAILING = {"workload": set_full.check(HISTORY, OPTS), "valid?": False}
PASSING = None           # no verdict: nothing highlighted, as an aborted run
PATIENCE = 120           # s: a hang guard, not a speed limit


def _wait_for(test, what):
    deadline = time.monotonic() + PATIENCE
    while not test():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


class Steer:
    """Painter.unit logged (pid, unit) to a file, with hooks run before a unit is drawn."""

    def __init__(self, tmp_path, monkeypatch):
        self.log = tmp_path / "drawn.log"
        self.log.write_text("")
        self.parent = os.getpid()
        self.before = {}            # (in_child, unit) -> function run before drawing it
        original = units.Painter.unit

        def unit(painter, name, only=None):
            hook = self.before.get((os.getpid() != self.parent, name))
            if hook is not None:
                hook()
            result = original(painter, name, only)
            if result != ([], []):          # a redraw of some files passes the others by
                with open(self.log, "a", encoding="utf-8") as out:
                    out.write(f"{os.getpid()} {name}\n")
            return result
        monkeypatch.setattr(units.Painter, "unit", unit)

    def drawn(self):
        """unit -> pids that drew it, in the order drawn."""
        found = {}
        for line in self.log.read_text().split("\n")[:-1]:    # whole lines only
            pid, name = line.split()
            found.setdefault(name, []).append(int(pid))
        return found


def _serial(tmp_path, results, journal=JOURNAL):
    """The folder and console of one process drawing everything (no child)."""
    folder = tmp_path / "serial"
    folder.mkdir()
    out = io.StringIO()
    pictures.after_run(str(folder), journal, HISTORY, results, OPTS, out)
    return folder, out.getvalue()


def _split(tmp_path, results, first=lambda: None, meanwhile=lambda child: None,
           journal=JOURNAL):
    """The folder and console of a run drawn by a child and this process; `meanwhile` runs
    as this process's analysis would, before after_run."""
    folder = tmp_path / "split"
    folder.mkdir()
    out = io.StringIO()
    child = pictures.start(str(folder), journal, HISTORY, OPTS, first=first)
    assert child is not None
    try:
        with pictures.settled(child, first):
            meanwhile(child)
            pictures.after_run(str(folder), journal, HISTORY, results, OPTS, out, child)
    finally:
        if child.code is None:          # the test failed: leave no child behind
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    return folder, out.getvalue(), child


def _same_folders(serial, split, drawn=units.FILES["messages"] + units.FILES["timeline"]):
    names = sorted(os.listdir(serial))
    assert names == sorted(os.listdir(split))
    assert set(drawn) < set(names)
    for name in names:
        assert (serial / name).read_bytes() == (split / name).read_bytes(), name


@pytest.mark.parametrize("results", [FAILING, PASSING], ids=["failing", "passing"])
def test_a_parent_that_draws_every_unit_draws_what_one_process_draws(tmp_path, monkeypatch,
                                                                     results):
    steer = Steer(tmp_path, monkeypatch)
    go = tmp_path / "go"
    # The child waits (in its `first` work) until the parent has drawn the last unit.
    steer.before[(False, "rate")] = lambda: go.write_text("")
    _, split_console, child = _split(
        tmp_path, results, first=lambda: _wait_for(go.exists, "the parent's last unit"))
    drawn = steer.drawn()
    serial, serial_console = _serial(tmp_path, results)
    assert child.code == pictures.DREW and child.finished == {}
    for name in units.UNITS:
        assert drawn[name][0] == os.getpid(), name
    _same_folders(serial, tmp_path / "split")
    assert split_console == serial_console and "Pictures: messages.svg" in split_console


@pytest.mark.parametrize("results", [FAILING, PASSING], ids=["failing", "passing"])
def test_a_child_that_draws_all_but_the_first_unit_gives_the_same_record(tmp_path,
                                                                         monkeypatch,
                                                                         results):
    steer = Steer(tmp_path, monkeypatch)
    go = tmp_path / "go"

    def parent_messages():
        # The parent holds the messages while the child takes and draws every other unit.
        go.write_text("")
        _wait_for(lambda: "rate" in steer.drawn(), "the child's last unit")

    steer.before[(False, "messages")] = parent_messages
    _, split_console, child = _split(
        tmp_path, results, first=lambda: _wait_for(go.exists, "the parent's first unit"))
    drawn = steer.drawn()
    serial, serial_console = _serial(tmp_path, results)
    assert child.code == pictures.DREW
    assert sorted(child.finished) == sorted(units.UNITS[1:])
    assert drawn["messages"][0] == os.getpid()
    assert all(drawn[name] == [child.pid] for name in units.UNITS[1:])
    # pictures.json's latency quantiles came from the child alone.
    assert child.finished["rate"][2] is not None
    _same_folders(serial, tmp_path / "split")
    assert split_console == serial_console


@pytest.mark.parametrize("results", [FAILING, PASSING], ids=["failing", "passing"])
def test_a_child_killed_mid_drawing_leaves_the_parent_to_draw_what_it_took(tmp_path,
                                                                          monkeypatch,
                                                                          results):
    steer = Steer(tmp_path, monkeypatch)
    stuck = tmp_path / "stuck"

    def child_timeline():
        # A picture half written, then the child hangs until it is killed.
        (tmp_path / "split" / "timeline.html").write_text("<html>half")
        stuck.write_text("")
        while True:
            time.sleep(1)

    def kill(child):
        _wait_for(stuck.exists, "the child to take the timeline")
        os.kill(child.pid, signal.SIGKILL)

    steer.before[(True, "timeline")] = child_timeline
    _, split_console, child = _split(tmp_path, results, meanwhile=kill)
    drawn = steer.drawn()
    serial, serial_console = _serial(tmp_path, results)
    assert child.code == -1
    assert list(child.finished) == ["messages"] and drawn["messages"][0] == child.pid
    assert drawn["timeline"] == [os.getpid()]       # redrawn whole by the parent
    _same_folders(serial, tmp_path / "split")
    assert split_console == serial_console


def test_a_child_that_failed_its_first_work_leaves_every_unit_to_the_parent(tmp_path,
                                                                            monkeypatch):
    steer = Steer(tmp_path, monkeypatch)
    written = tmp_path / "history-files"
    parent = os.getpid()

    def first():
        if os.getpid() != parent:
            raise OSError("disk full")
        written.write_text("by the parent")

    _, split_console, child = _split(tmp_path, FAILING, first=first)
    drawn = steer.drawn()
    serial, serial_console = _serial(tmp_path, FAILING)
    assert child.code == 1 and not child.did_first and written.exists()
    assert sorted(drawn) == sorted(units.UNITS)
    assert all(pids[0] == os.getpid() for pids in drawn.values())
    _same_folders(serial, tmp_path / "split")
    assert split_console == serial_console


@pytest.mark.parametrize("results", [FAILING, PASSING], ids=["failing", "passing"])
@pytest.mark.parametrize("who", ["parent", "child"])
def test_a_picture_that_fails_is_recorded_in_its_place_whoever_drew_it(tmp_path, monkeypatch,
                                                                       who, results):
    # A journal the diagram cannot read: the message pictures fail, the others are drawn;
    # with a verdict, its pointers (which read the journal) fail too, and come first.
    steer = Steer(tmp_path, monkeypatch)
    broken = [{"event": "send"}]
    go = tmp_path / "go"
    if who == "parent":             # the parent takes the messages, the child the rest
        def parent_messages():
            go.write_text("")
            _wait_for(lambda: "rate" in steer.drawn(), "the child's last unit")
        steer.before[(False, "messages")] = parent_messages
        steps = {"first": lambda: _wait_for(go.exists, "the parent's first unit")}
    else:                           # the child draws everything before the parent comes
        steps = {"meanwhile": lambda child: child.wait()}
    _, split_console, child = _split(tmp_path, results, journal=broken, **steps)
    drawn = steer.drawn()
    serial, serial_console = _serial(tmp_path, results, journal=broken)
    assert drawn["messages"] == [os.getpid() if who == "parent" else child.pid]
    recorded = json.loads((tmp_path / "split" / "pictures.json").read_text())
    assert [name for name, _ in recorded["errors"]] == \
        (["pointers", "messages"] if results else ["messages"])
    assert "timeline.html" in recorded["files"] and "messages.svg" not in recorded["files"]
    _same_folders(serial, tmp_path / "split", drawn=units.FILES["timeline"])
    assert split_console == serial_console and "could not draw messages" in split_console


def test_a_child_that_drew_everything_keeps_the_record_if_the_parent_is_stopped(tmp_path):
    # Its analysis interrupted, the parent never reaches after_run: the pictures.json the
    # child wrote is the one a whole draw writes (its `where` from no verdict).
    child = pictures.start(str(tmp_path), JOURNAL, HISTORY, OPTS)
    with pytest.raises(KeyboardInterrupt):
        with pictures.settled(child, lambda: None):
            child.wait()                # the child has drawn everything, then Ctrl-C
            raise KeyboardInterrupt
    assert child.code == pictures.DREW and sorted(child.finished) == sorted(units.UNITS)
    kept = (tmp_path / "pictures.json").read_bytes()
    again = tmp_path / "again"
    again.mkdir()
    pictures.draw(str(again), JOURNAL, HISTORY, None, OPTS)
    assert kept == (again / "pictures.json").read_bytes()
