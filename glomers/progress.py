"""Progress lines while a run goes: elapsed / limit, ops so far, ok / fail / info, events.

Past the main phase the line names the phase instead of a time beyond the limit ("final
phase", "draining", "teardown"), and partition / heal lines stop after NEMESIS_LINES (a short
--nemesis-interval would otherwise print thousands; history.edn has every one), node problems
of one kind after PROBLEM_LINES (the report after the run lists and counts them).
"""

import sys
import time

NEMESIS_LINES = 20
PROBLEM_LINES = 3       # node problems of one kind shown as they happen; the report lists more


class Progress:
    """Prints at most one status line per wall-clock second, and notable events."""

    def __init__(self, clock, time_limit, quiet=False, stream=None):
        self.clock = clock                 # () -> seconds since the time origin
        self.time_limit = time_limit
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.counts = {"invoke": 0, "ok": 0, "fail": 0, "info": 0}
        self.phase = "main phase"
        self._last_print = time.monotonic()
        self._nemesis_lines = 0
        self._problem_lines = {}

    def op(self, op):
        """Count one history op (nemesis ops excluded)."""
        if op["process"] == "nemesis":
            return
        counts, kind = self.counts, op["type"]
        counts[kind] = counts.get(kind, 0) + 1
        if not self.quiet and time.monotonic() - self._last_print >= 1.0:
            self.status()

    def status(self):
        self._last_print = time.monotonic()
        c = self.counts
        now = self.clock()
        if self.phase == "main phase" and now <= self.time_limit:
            where = f"{now:6.1f} s / {self.time_limit} s"
        else:
            phase = "draining" if self.phase == "main phase" else self.phase
            where = f"{now:6.1f} s  {phase} (the {self.time_limit} s main phase is over)"
        self._print(f"{where}  ops {c['invoke']}  ok {c['ok']}  fail {c['fail']}  "
                    f"info {c['info']}")

    def note(self, text, kind=None):
        """An event worth a line of its own (recovery wait, a node problem of `kind`)."""
        if kind is not None:
            seen = self._problem_lines[kind] = self._problem_lines.get(kind, 0) + 1
            if seen == PROBLEM_LINES + 1:
                text = f"further {kind} problems are not shown as they happen (the report " \
                       "after the run counts them)"
            elif seen > PROBLEM_LINES:
                return
        self._print(f"{self.clock():6.1f} s  {text}")

    def nemesis(self, text):
        """A partition or heal line, up to NEMESIS_LINES of them."""
        self._nemesis_lines += 1
        if self._nemesis_lines <= NEMESIS_LINES:
            self.note(text)
        elif self._nemesis_lines == NEMESIS_LINES + 1:
            self.note("further partitions and heals are not shown (history.edn has them all)")

    def _print(self, text):
        if not self.quiet:
            print(text, file=self.stream, flush=True)
