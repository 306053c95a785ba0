"""Node hosts: how the bench runs a node and talks to it.

`ProcessHost` (process_host.py) runs `--bin` as a subprocess over pipes, like Maelstrom (any
language). `InProcessHost` (in_process_host.py) imports a script built on maelstrom_node.py
and runs it on the bench's own loop with injected I/O, so that under a virtual clock a whole
test is deterministic. node_programs.py says what is wrong with a --bin before or when it
starts. This module holds what they share: the Host base and the limits.

Both hand every stdout line to `on_line(node_id, line)`, keep the node's stderr in
`node-logs/<id>.log` plus its last lines for crash reports, and report an exit during the run
(`exited` is set at once, so a node that dies before answering init is named at once).

What a hostile node cannot do to the bench:
- outlive it: a node process leads its own process group (session), and teardown signals
  the whole group, SIGTERM then SIGKILL, so a wrapper script's child or a forked helper goes
  too; `kill_all_now()` does the same synchronously when the bench itself is interrupted;
- hang it: no wait on a process or a pipe is unbounded; a process that left the group but
  still holds the node's output pipes is found and stopped, and named;
- drown it: a stdout line is read up to `STDOUT_LINE_LIMIT` (longer: refused, with its size),
  a stderr line up to `STDERR_LINE_LIMIT` (longer: cut, the cut marked in the log), and at
  most `STDIN_BACKLOG_LIMIT` bytes wait for a node that stopped reading its stdin;
- stop it from the inside (in-process): whatever node code raises (SystemExit, KeyboardInterrupt,
  any BaseException) at import, in serve(), in a handler, a task or a callback is caught and
  makes that node a crashed node, as the same exit would in a process.

The nemesis's node faults (faults.md §4) are host operations, one implementation per host:
`kill()` ends the node without a word (SIGKILL to the process group; in-process, the node
object is dropped and its tasks cancelled, and nothing a dead incarnation still does reaches
the network), `restart()` starts a new incarnation from the same --bin (the caller sends it
init), `pause()` / `resume()` stop and continue it (SIGSTOP / SIGCONT; in-process, its
callbacks and timers are held and the messages delivered to it wait, until resume). A node
killed by the nemesis has no exit status: only a node that exits by itself is a crash.
"""

import asyncio
import collections
import contextlib
import os
import signal
import sys


TAIL = 32   # Maelstrom keeps the last 32 stdout and stderr lines for crash reports
STDOUT_LINE_LIMIT = 64 << 20     # bytes; no message of any workload comes near this
STDERR_LINE_LIMIT = 1 << 20      # bytes of one stderr line kept in the log
# The folder holding the maelstrom_node.py the bench itself ships: beside the glomers
# package, in a clone and in an installed copy alike.
# Process groups of node processes still running, for kill_all_now().
live_groups = set()


def kill_all_now():
    """SIGKILL every node process group still running; synchronous, for the moments the
    event loop cannot run teardown any more (Ctrl-C pressed twice, SIGTERM, exit).
    Returns how many groups were signalled."""
    count = 0
    for pgid in list(live_groups):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
            count += 1
        live_groups.discard(pgid)
    return count


def describe_status(status):
    """A process exit status in words: "exited with status 3", "was killed by SIGKILL"."""
    if status is None:
        return "exited"
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"was killed by {name}"
    return f"exited with status {status}"


class Host:
    """What both hosts share: identity, logs, the tails kept for diagnosis."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr, on_note=None):
        self.node_id = node_id
        self.on_line = on_line
        self.on_note = on_note or (lambda node_id, kind, text: None)
        self.echo_stderr = echo_stderr
        self.stdout_tail = collections.deque(maxlen=TAIL)
        self.stderr_tail = collections.deque(maxlen=TAIL)
        self.state = "running"       # or "paused" / "killed", by the nemesis
        self.incarnation = 1         # 2 after the first restart, and so on
        self.resumed_at = None       # seconds: when the nemesis last resumed it
        self.exit_status = None      # set if the node exits by itself before teardown
        self.exit_reason = None      # the exit in words, naming the cause where known
        self.exited_at = None        # loop time of that exit
        self.exited = asyncio.Event()
        self.log_path = os.path.join(log_dir, f"{node_id}.log")
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")

    def _stderr(self, text, marker=""):
        """Log stderr text (line by line); a line longer than STDERR_LINE_LIMIT is cut, the
        cut marked. `marker` is appended to a line the reader already cut."""
        for line in text.split("\n") if "\n" in text else (text,):
            if len(line) > STDERR_LINE_LIMIT:
                line = (line[:STDERR_LINE_LIMIT] + f" [bench: this stderr line went on for "
                        f"{len(line) - STDERR_LINE_LIMIT:,} more characters; cut here]")
            line += marker
            self.stderr_tail.append(line[:2000])
            if not self._log.closed:
                self._log.write(line + "\n")
            if self.echo_stderr:
                print(f"{self.node_id} stderr: {line[:2000]}", file=sys.stderr)
        if not self._log.closed:
            self._log.flush()

    def _stdout(self, line):
        self.stdout_tail.append(line[:2000])
        self.on_line(self.node_id, line)

    def log_bench(self, text):
        """A line of the bench's own in the node's log, marked as such."""
        if not self._log.closed:
            self._log.write(f"[bench] {text}\n")
            self._log.flush()

    def _mark_exited(self, status, reason):
        if self.exit_status is None:
            self.exit_status = status
            self.exit_reason = reason
            self.exited_at = asyncio.get_running_loop().time()
            self.exited.set()

    def halt(self):
        """Stop running node code at once, where the host can (in-process only)."""

    def _next_incarnation(self):
        """A restart after a kill: a new life, running, with no exit yet."""
        self.incarnation += 1
        self.state = "running"
        self.exited = asyncio.Event()

    def close_log(self):
        self._log.close()


class NodeExit(Exception):
    """Node code tried to end its process (SystemExit, KeyboardInterrupt or another
    BaseException) or could not start; the text names the script and the cause."""
