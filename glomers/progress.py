"""Progress lines while a run goes: elapsed / limit, ops so far, ok / fail / info, events."""

import sys
import time


class Progress:
    """Prints at most one status line per wall-clock second, and notable events."""

    def __init__(self, clock, time_limit, quiet=False, stream=None):
        self.clock = clock                 # () -> seconds since the time origin
        self.time_limit = time_limit
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.counts = {"invoke": 0, "ok": 0, "fail": 0, "info": 0}
        self._last_print = time.monotonic()

    def op(self, op):
        """Count one history op (nemesis ops excluded)."""
        if op["process"] == "nemesis":
            return
        self.counts[op["type"]] = self.counts.get(op["type"], 0) + 1
        if not self.quiet and time.monotonic() - self._last_print >= 1.0:
            self.status()

    def status(self):
        self._last_print = time.monotonic()
        c = self.counts
        self._print(f"{self.clock():6.1f} s / {self.time_limit} s  ops {c['invoke']}  "
                    f"ok {c['ok']}  fail {c['fail']}  info {c['info']}")

    def note(self, text):
        """An event worth a line of its own (partition, heal, recovery wait, a node problem)."""
        self._print(f"{self.clock():6.1f} s  {text}")

    def _print(self, text):
        if not self.quiet:
            print(text, file=self.stream, flush=True)
