"""Node hosts: how the bench runs a node and talks to it.

`ProcessHost` runs `--bin` as a subprocess over pipes, like Maelstrom (any language).
`InProcessHost` imports a script built on maelstrom_node.py and runs it on the bench's own
loop with injected I/O, so that under a virtual clock a whole test is deterministic.

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
import contextvars
import errno
import gc
import importlib.util
import io
import os
import shutil
import signal
import sys
import tempfile
import traceback
import warnings

from . import virtual_time

TAIL = 32   # Maelstrom keeps the last 32 stdout and stderr lines for crash reports
STDOUT_LINE_LIMIT = 64 << 20     # bytes; no message of any workload comes near this
STDERR_LINE_LIMIT = 1 << 20      # bytes of one stderr line kept in the log
STDIN_BACKLOG_LIMIT = 16 << 20   # bytes waiting for a node that does not read its stdin
STOP_GRACE = 1.0                 # seconds between SIGTERM and SIGKILL at teardown
KILL_WAIT = 2.0                  # seconds to wait for the group to vanish after SIGKILL
PIPE_GRACE = 1.0                 # seconds to wait for end of output once the group is gone
_CHUNK = 1 << 16
# The folder holding the maelstrom_node.py the bench itself ships: beside the glomers
# package, in a clone and in an installed copy alike.
LIBRARY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Process groups of node processes still running, for kill_all_now().
_live_groups = set()


def kill_all_now():
    """SIGKILL every node process group still running; synchronous, for the moments the
    event loop cannot run teardown any more (Ctrl-C pressed twice, SIGTERM, exit).
    Returns how many groups were signalled."""
    count = 0
    for pgid in list(_live_groups):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
            count += 1
        _live_groups.discard(pgid)
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


# ----- nodes as processes ---------------------------------------------------------------------

class ProcessHost(Host):
    """A node as a child process in its own session: stdin/stdout pipes, stderr to its log."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr, command, on_oversize=None,
                 on_note=None, tmp_dir=None):
        super().__init__(node_id, log_dir, on_line, echo_stderr, on_note)
        self.command = command
        self.tmp_dir = tmp_dir or tempfile.gettempdir()
        self.on_oversize = on_oversize or (lambda node_id, size, head: None)
        self.proc = None
        self._readers = []
        self._watcher = None
        self._stopping = False
        self._stdin_full = False

    async def start(self):
        """Launch the process (raises OSError if it cannot be started)."""
        proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=self.tmp_dir, limit=_CHUNK,
            start_new_session=True, env=node_environment(self.tmp_dir))
        self.proc = proc
        _live_groups.add(proc.pid)
        self._readers = [
            asyncio.create_task(_read_lines(
                proc.stdout, STDOUT_LINE_LIMIT, lambda raw: self._stdout_bytes(proc, raw),
                lambda size, head: self._stdout_too_long(proc, size, head), 4096)),
            asyncio.create_task(_read_lines(proc.stderr, STDERR_LINE_LIMIT,
                                            self._stderr_bytes, self._stderr_too_long,
                                            STDERR_LINE_LIMIT))]
        self._watcher = asyncio.create_task(self._watch_exit(proc))

    def _reading(self, proc):
        # Once teardown has begun, or the nemesis killed this process, the run is over for
        # it, as when Maelstrom kills it: what it still writes (maybe a line cut short by
        # the signal) is not read.
        return proc is self.proc and not self._stopping and self.state != "killed"

    def _stdout_bytes(self, proc, raw):
        if self._reading(proc):
            self._stdout(raw.decode("utf-8", errors="replace").rstrip("\r"))

    def _stdout_too_long(self, proc, size, head):
        if not self._reading(proc):
            return
        self.log_bench(f"refused a stdout line of {size:,} bytes, longer than the bench's "
                       f"limit of {STDOUT_LINE_LIMIT:,}; it began: {head[:200]!r}")
        self.on_oversize(self.node_id, size, head.decode("utf-8", errors="replace"))

    def _stderr_bytes(self, raw):
        self._stderr(raw.decode("utf-8", errors="replace").rstrip("\r"))

    def _stderr_too_long(self, size, head):
        self._stderr(head.decode("utf-8", errors="replace"),
                     f" [bench: this stderr line went on for {size - len(head):,} more bytes "
                     "without a newline; cut here]")

    async def _watch_exit(self, proc):
        status = await proc.wait()
        if self._reading(proc):         # not a kill by the nemesis, nor teardown
            self._mark_exited(status, describe_status(status))

    async def kill(self):
        """The nemesis kills the node: SIGKILL to its whole process group (so a wrapper
        script's child dies too), then a bounded wait for the group to vanish and its output
        pipes to end. What the process wrote but the bench had not read yet is lost."""
        self.state = "killed"
        proc = self.proc
        _signal_group(proc.pid, signal.SIGKILL)
        await _wait_gone(proc.pid, KILL_WAIT)
        _live_groups.discard(proc.pid)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._watcher), KILL_WAIT)
        await self._finish_reading()

    async def restart(self):
        """A new process from the same command after a kill (raises OSError if it cannot
        be started; the node then stays down)."""
        self._next_incarnation()
        self._stdin_full = False
        try:
            await self.start()
        except OSError:
            self.state = "killed"
            raise

    def pause(self):
        """SIGSTOP to the node's process group: it runs nothing until resume(); messages
        delivered meanwhile wait in its stdin pipe."""
        _signal_group(self.proc.pid, signal.SIGSTOP)
        self.state = "paused"

    def resume(self):
        """SIGCONT to the node's process group."""
        _signal_group(self.proc.pid, signal.SIGCONT)
        self.state = "running"

    def deliver(self, message):
        """Write one message to the node's stdin; a dead node's stdin swallows it, and so
        does one that stopped reading with STDIN_BACKLOG_LIMIT bytes already waiting."""
        if self.proc is None or self.proc.stdin.is_closing():
            return
        transport = self.proc.stdin.transport
        if transport.get_write_buffer_size() > STDIN_BACKLOG_LIMIT:
            if not self._stdin_full:
                self._stdin_full = True
                self.on_note(self.node_id, "stdin",
                             f"stopped reading its stdin: {STDIN_BACKLOG_LIMIT >> 20} MiB of "
                             "messages wait for it; the bench drops further messages to it")
            return
        try:
            self.proc.stdin.write(message.line().encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass

    async def stop(self):
        """Teardown: stop the node's whole process group (SIGTERM, then SIGKILL after
        STOP_GRACE), collect its last output within bounded waits, and say (as a note)
        what had to be forced. Maelstrom kills with SIGKILL at once; the short grace lets
        a node flush its logs and changes no verdict."""
        self._stopping = True
        if self.proc is None or self.state == "killed":   # gone already, its output read
            self.close_log()
            return
        pgid = self.proc.pid
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        if self.state == "paused":
            # A stopped process cannot act on SIGTERM: killed at once, as Maelstrom does.
            _signal_group(pgid, signal.SIGKILL)
            await _wait_gone(pgid, KILL_WAIT)
        elif not _group_gone(pgid):
            _signal_group(pgid, signal.SIGTERM)
            if not await _wait_gone(pgid, STOP_GRACE):
                stubborn = _describe_pids(_group_pids(pgid)) or f"process group {pgid}"
                _signal_group(pgid, signal.SIGKILL)
                gone = await _wait_gone(pgid, KILL_WAIT)
                text = (f"was still running {STOP_GRACE:g} s after SIGTERM ({stubborn}); "
                        "the bench killed its process group with SIGKILL")
                if not gone:
                    text += (f", and {_describe_pids(_group_pids(pgid)) or 'some of it'} "
                             f"still ran {KILL_WAIT:g} s later")
                self.on_note(self.node_id, "teardown", text)
        _live_groups.discard(pgid)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._watcher), KILL_WAIT)
        await self._finish_reading()
        self.close_log()

    async def _finish_reading(self):
        """Read what is left on stdout and stderr, but never wait for end of input longer
        than PIPE_GRACE: a process outside the group (one that called setsid) may hold the
        pipes open forever. Such holders are found, named and stopped."""
        _, pending = await asyncio.wait(self._readers, timeout=PIPE_GRACE)
        if not pending:
            return
        holders = _pipe_holders(self._pipe_inodes())
        for pid, _ in holders:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        what = _describe_pids(holders) or "a process the bench could not identify"
        self.on_note(self.node_id, "teardown",
                     f"its output pipes were still held open after its process group was "
                     f"gone, by {what} (a child that left the group)"
                     + ("; the bench killed it" if holders else "; the bench stopped reading"))
        _, pending = await asyncio.wait(pending, timeout=PIPE_GRACE)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        # asyncio.subprocess.Process has no public way to drop its pipes short of this.
        with contextlib.suppress(Exception):
            self.proc._transport.close()

    def _pipe_inodes(self):
        inodes = set()
        for stream in (self.proc.stdout, self.proc.stderr):
            transport = getattr(stream, "_transport", None)
            pipe = transport.get_extra_info("pipe") if transport else None
            with contextlib.suppress(OSError, ValueError, AttributeError):
                inodes.add(os.fstat(pipe.fileno()).st_ino)
        return inodes


def node_environment(tmp_dir):
    """The bench's environment plus LIBRARY_DIR at the end of PYTHONPATH, so a Python node
    saved anywhere can `import maelstrom_node` (a maelstrom_node.py beside the script still
    wins: the script's folder comes first on sys.path), and TMPDIR set to `tmp_dir`, where
    the node's temporary files go (Python's tempfile, mktemp and most runtimes read it)."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths + [LIBRARY_DIR]),
            "TMPDIR": tmp_dir}


async def _read_lines(stream, limit, on_line, on_too_long, keep):
    """Hand each line of `stream` (bytes, without "\\n") to on_line; a line longer than
    `limit` bytes is never held whole: on_too_long(size, its first `keep` bytes) is called
    instead."""
    pending = bytearray()
    skipped = 0              # > 0 while discarding the rest of an over-long line
    head = b""
    while True:
        chunk = await stream.read(_CHUNK)
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if skipped:
                on_too_long(skipped + end - start, head)
                skipped = 0
            elif pending:
                pending += chunk[start:end]
                line = bytes(pending)
                pending.clear()
                on_line(line)
            else:
                on_line(chunk[start:end])
            start = end + 1
        rest = chunk[start:]
        if skipped:
            skipped += len(rest)
        else:
            pending += rest
            if len(pending) > limit:
                head = bytes(pending[:keep])
                skipped = len(pending)
                pending.clear()
    if skipped:
        on_too_long(skipped, head)
    elif pending:
        on_line(bytes(pending))


def _signal_group(pgid, signum):
    with contextlib.suppress(OSError):
        os.killpg(pgid, signum)


def _group_pids(pgid):
    """[(pid, command name)] of the live (not zombie) processes in a process group, read
    from /proc; None where /proc is not available."""
    if not os.path.isdir("/proc/self"):
        return None
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        name_end = stat.rfind(")")
        fields = stat[name_end + 2:].split()
        if len(fields) > 2 and fields[0] != "Z" and fields[2] == str(pgid):
            members.append((int(entry), stat[stat.find("(") + 1:name_end]))
    return members


def _group_gone(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    members = _group_pids(pgid)
    return members is not None and not members


async def _wait_gone(pgid, timeout):
    """Poll until the group has no live process, for at most `timeout` seconds of real time
    (teardown only runs in real time: a virtual clock has no node processes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not _group_gone(pgid):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _pipe_holders(inodes):
    """[(pid, command name)] of other processes holding any of these pipes open (Linux)."""
    if not inodes or not os.path.isdir("/proc/self/fd"):
        return []
    wanted = {f"pipe:[{inode}]" for inode in inodes}
    holders = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
            if any(os.readlink(f"/proc/{entry}/fd/{fd}") in wanted for fd in fds):
                with open(f"/proc/{entry}/comm") as f:
                    holders.append((int(entry), f.read().strip()))
        except OSError:
            continue
    return holders


def _describe_pids(pids):
    if not pids:
        return ""
    return ", ".join(f"pid {pid} ({name})" for pid, name in pids[:8]) + (
        f" and {len(pids) - 8} more" if len(pids) > 8 else "")


# ----- what is wrong with a --bin ------------------------------------------------------------

_BINARY_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                 b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_SHEBANG_EXAMPLE = "#!/usr/bin/env python3"


def program_problem(path, in_process=False):
    """Why `path` cannot be run as a node, in words with what to do; None if it looks
    runnable. Read only, never run: a missing file, a directory, a missing run bit, a #! line
    naming an interpreter that is not there, text with no #! line (the system would refuse
    it with "Exec format error"). With `in_process`, a script not built on maelstrom_node.py."""
    if not os.path.lexists(path):
        return "no such file"
    if not os.path.exists(path):
        return "a symbolic link to a file that does not exist"
    if os.path.isdir(path):
        return "is a directory, not a program: give the path of the node's script or binary"
    if in_process:
        if not uses_library(path):
            return ("does not use maelstrom_node.py, which --virtual-time needs (it hosts "
                    "scripts built on the library); run it without --virtual-time")
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if not os.access(path, os.X_OK):
        hint = "" if head.startswith(b"#!") else f", and give it a #! line ({_SHEBANG_EXAMPLE})"
        return f"is not executable: chmod +x it{hint}"
    if head.startswith(b"#!"):
        return _shebang_problem(head)
    if head.startswith(_BINARY_MAGIC) or b"\0" in head:
        return None          # a binary: whether this machine runs it is for exec to say
    return (f"has no #! line, so the system cannot run it (Exec format error): make its "
            f"first line name its interpreter, e.g. {_SHEBANG_EXAMPLE}")


def _shebang_problem(head):
    line = head[2:].split(b"\n", 1)[0]
    if line.endswith(b"\r"):
        return ("its #! line ends with a carriage return (Windows line endings), so the "
                "system looks for an interpreter whose name ends in \\r: convert the file "
                "to Unix line endings")
    words = line.decode(errors="replace").split()
    if not words:
        return f"its #! line names no interpreter: write one, e.g. {_SHEBANG_EXAMPLE}"
    interpreter = words[0]
    if not os.path.exists(interpreter):
        return (f"its #! line names {interpreter}, which does not exist: install it or fix "
                f"the #! line (e.g. {_SHEBANG_EXAMPLE})")
    if os.path.isdir(interpreter) or not os.access(interpreter, os.X_OK):
        return f"its #! line names {interpreter}, which is not an executable program"
    if os.path.basename(interpreter) == "env":
        names = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if names and shutil.which(names[0]) is None:
            return (f"its #! line runs {names[0]} through env, but {names[0]} is not on "
                    "PATH: install it or fix the #! line")
    return None


def start_problem(path, error):
    """An OSError from starting `path` as a process, explained (the checks above catch most
    of these before the run; the system can still refuse, e.g. a binary for another CPU)."""
    if error.errno == errno.ENOEXEC:
        return (f"{path} is not a program this machine can run (Exec format error): a script "
                f"needs a #! line such as {_SHEBANG_EXAMPLE}, a binary must be built for "
                "this system")
    if error.errno == errno.ENOENT and os.path.exists(path):
        return f"{path} names an interpreter on its #! line that does not exist"
    if error.errno == errno.EACCES:
        return (f"{path} could not be run (permission denied): it, or the interpreter on "
                "its #! line, is not executable")
    return f"{path} could not be started: {error.strerror or error}"


# ----- nodes in the bench's process -----------------------------------------------------------

class NodeExit(Exception):
    """Node code tried to end its process (SystemExit, KeyboardInterrupt or another
    BaseException) or could not start; the text names the script and the cause."""


# (host, incarnation) of the in-process node whose code is running: tasks and callbacks made
# by node code inherit it through their context, which is how the loop knows whose code
# raised, and whether that code belongs to a life the nemesis has ended.
_hosting = contextvars.ContextVar("glomers_in_process_host", default=None)


def contain_node_code(loop):
    """Make `loop` attribute every task and callback created by in-process node code to its
    host, and turn anything such code raises into that node's crash instead of letting it
    out of the bench's loop (where SystemExit would end the bench with the node's status)."""
    loop.set_task_factory(_task_factory)
    loop.wrap_callback = _wrap_callback


def _task_factory(loop, coro, context=None):
    owner = context.get(_hosting) if context is not None else _hosting.get()
    if owner is not None:
        host, life = owner
        coro = host._contained(coro, life)
    task = asyncio.Task(coro, loop=loop, context=context)
    if owner is not None:
        host._tasks.add(task)
        task.add_done_callback(host._tasks.discard)
    return task


def _is_task_step(callback):
    """True for the loop callbacks that advance a task (its step, its wake-up)."""
    return isinstance(getattr(callback, "__self__", None), asyncio.Task)


def _wrap_callback(callback, context):
    owner = context.get(_hosting) if context is not None else _hosting.get()
    if owner is None:
        return callback
    host, life = owner
    if context is None:
        context = contextvars.copy_context()

    def contained(*args):
        if host._ended(life):
            # A dead life's timers and callbacks die with it; its tasks still get to run
            # their cancellation (their output goes nowhere), so none is left pending.
            if not _is_task_step(callback):
                return
        elif host.state == "paused":
            host._frozen.append((callback, args, context))
            return
        try:
            callback(*args)
        except Exception as error:
            if not host._ended(life):
                host._stderr(_node_traceback(error))
        except BaseException as error:
            _reraise_if_user(error)
            if not host._ended(life):
                host._crash(error, "in a callback")
    return contained


def _reraise_if_user(error):
    """Ctrl-C or SIGTERM pressed while node code ran raises inside that code: it is the
    user's, not the node's, and must stop the bench."""
    if isinstance(error, (KeyboardInterrupt, virtual_time.Terminated)) \
            and virtual_time.user_interrupted():
        raise error


_BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


def _node_traceback(error):
    """The traceback of `error` from the node's first frame on: the bench's own frames
    (and importlib's) that led into node code are left out."""
    tb = error.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename.startswith(_BENCH_DIR)
                              or tb.tb_frame.f_code.co_filename.startswith("<frozen")):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


def _exit_status(error):
    """The status a process would exit with after `error` escaped its main loop."""
    if isinstance(error, SystemExit):
        code = error.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 130 if isinstance(error, KeyboardInterrupt) else 1


def _describe_error(error):
    if isinstance(error, SystemExit):
        return f"sys.exit({error.code!r})" if error.code is not None else "sys.exit()"
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@contextlib.contextmanager
def _private_stdio():
    """Node code at import or in serve() must not touch the bench's own stdin and stdout:
    stdin reads as empty, and fd 1 and sys.stdout are put back if the code moved them
    (run() at module level does so before it fails)."""
    saved = {}
    for fd in (0, 1):
        with contextlib.suppress(OSError):
            saved[fd] = os.dup(fd)
    objects = sys.stdin, sys.stdout
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(devnull, 0)
        sys.stdin = io.StringIO()
        yield
    finally:
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
        os.close(devnull)
        sys.stdin, sys.stdout = objects


def uses_library(path):
    """True when a --bin file is Python text that mentions maelstrom_node (the library the
    in-process host needs); read without running it."""
    try:
        with open(path, "rb") as f:
            text = f.read(1 << 20)
    except OSError:
        return False
    return b"\0" not in text and b"maelstrom_node" in text


def load_script(path, module_name):
    """Import a node script by path as a fresh module; it must define serve(node)."""
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise NodeExit(f"{path} is not a Python file the bench can import; run it without "
                       "--virtual-time")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "serve", None)):
        raise NodeExit(f"{path} has no serve(node) function, which --virtual-time needs "
                       "(scripts built on maelstrom_node.py define one); run it without "
                       "--virtual-time")
    return module


class InProcessHost(Host):
    """A maelstrom_node.py script hosted on the bench's loop, with injected I/O and random.

    Node code runs only inside `_calling` (start, feed) or in tasks and callbacks it made
    (see contain_node_code), so whatever it raises lands in `_crash`: the traceback goes to
    the node's log, the node is stopped, and its exit is reported like a process's.

    Each incarnation imports the script afresh (new module globals) and gets its own random
    source, `restart_rng(incarnation)`, so a restarted node does not replay its first
    life's random choices."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr, path, rng, on_note=None,
                 restart_rng=None):
        super().__init__(node_id, log_dir, on_line, echo_stderr, on_note)
        self.path = path
        self.rng = rng
        self.restart_rng = restart_rng
        self.node = None
        self.crash_text = None       # what stopped the node, naming the script and the error
        self._tasks = set()
        self._stopped = False
        self._frozen = []            # (callback, args, context) held while paused
        self._inbox = []             # lines delivered while paused, fed at resume

    @property
    def script(self):
        return os.path.basename(self.path)

    async def start(self):
        """Import the script and call serve(node); raises NodeExit if it cannot start."""
        with _private_stdio(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = self._calling(load_script, "at import", self.path,
                                   f"_bench_node_{self.node_id}", fatal=True)
            library = sys.modules.get("maelstrom_node")
            if self.exit_status is None and library is None:
                self.crash_text = (f"{self.path} does not use maelstrom_node.py; run it "
                                   "without --virtual-time")
                self._mark_exited(1, f"exited: {self.crash_text}")
            if self.exit_status is None:
                life = self.incarnation
                self.node = library.Node(write=lambda line: self._stdout_of(life, line),
                                         log=self._stderr, random=self.rng)
                self._calling(module.serve, "in serve()", self.node, fatal=True)
            if self.exit_status is not None:
                gc.collect()     # warnings about what failed code left behind come now
        for warning in caught:
            self._stderr(f"{warning.category.__name__}: {warning.message}")
        if self.exit_status is not None:
            raise NodeExit(self.crash_text)

    def _calling(self, fn, where, *args, fatal=False):
        """fn(*args) as this node's code: what it raises becomes this node's crash (an
        Exception only if `fatal`; otherwise it is logged, as a process's read loop would)."""
        token = _hosting.set((self, self.incarnation))
        try:
            return fn(*args)
        except NodeExit as error:
            self._stderr(str(error))
            self.crash_text = str(error)
            self._mark_exited(1, f"exited: {error}")
        except Exception as error:
            if fatal:
                self._crash(error, where)
            else:
                self._stderr(_node_traceback(error))
        except BaseException as error:
            _reraise_if_user(error)
            self._crash(error, where)
        finally:
            _hosting.reset(token)
        return None

    async def _contained(self, coro, life):
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not self._ended(life):
                self._stderr("task exception was never retrieved:\n" + _node_traceback(error))
        except BaseException as error:
            _reraise_if_user(error)
            if not self._ended(life):
                self._crash(error, "in a task")

    def _ended(self, life):
        """True when code of incarnation `life` must not act any more: the nemesis killed
        it (a later life may run), or the whole node was halted."""
        return life != self.incarnation or self.state == "killed" or self._stopped

    def _crash(self, error, where):
        """Node code raised something that would end its process: log the traceback, stop
        the node, and record the exit (status as the process would have had)."""
        if self.exit_status is not None:
            return
        self._stderr(_node_traceback(error))
        text = f"{self.script} raised {_describe_error(error)} {where}"
        if where == "at import" and "event loop" in str(error):
            text += (" (--virtual-time imports the script: code that runs at import, such "
                     "as run(serve), belongs under `if __name__ == \"__main__\":`)")
        self.crash_text = f"{text}; the traceback is in node-logs/{self.node_id}.log"
        self.log_bench(f"the node is stopped: {text}")
        self._mark_exited(_exit_status(error), f"exited: {text}")
        self.halt()

    def _stdout_of(self, life, line):
        if self.exit_status is None and not self._ended(life):
            self._stdout(line)

    def deliver(self, message):
        if self.node is None or self.exit_status is not None or self._stopped:
            return
        if self.state == "paused":
            self._inbox.append(message.line())
            return
        self._calling(self.node.feed, "while handling a message", message.line())

    def halt(self):
        """Stop running node code now: cancel the node's tasks, drop its output."""
        self._stopped = True
        self._end_life()

    def _end_life(self):
        """Cancel the node's tasks; held callbacks are dropped, except task steps, which
        must run for a cancelled task to finish."""
        if self.node is not None:
            with contextlib.suppress(BaseException):
                self.node.stop()
        for task in list(self._tasks):
            task.cancel()
        frozen, self._frozen = self._frozen, []
        self._inbox = []
        loop = asyncio.get_running_loop()
        for callback, args, context in frozen:
            if _is_task_step(callback):
                loop.call_soon(callback, *args, context=context)

    def kill(self):
        """The nemesis kills the node: its object is dropped with all its memory, its tasks
        are cancelled, and nothing this life still does reaches the network."""
        self.state = "killed"
        self._end_life()
        self.node = None

    async def restart(self):
        """A fresh node from the script after a kill, with a fresh random source; raises
        NodeExit if it cannot start (that is then a crash of the node)."""
        self._next_incarnation()
        if self.restart_rng is not None:
            self.rng = self.restart_rng(self.incarnation)
        await self.start()

    def pause(self):
        """Freeze the node: its callbacks and timers are held, messages wait for resume."""
        self.state = "paused"

    def resume(self):
        """Run what was held, overdue timers first, then the messages delivered meanwhile,
        in order (as a process continued by SIGCONT finds them in its stdin)."""
        self.state = "running"
        loop = asyncio.get_running_loop()
        frozen, self._frozen = self._frozen, []
        for callback, args, context in frozen:
            loop.call_soon(callback, *args, context=context)
        if self._inbox:
            lines, self._inbox = self._inbox, []
            loop.call_soon(self._feed_held, lines, context=contextvars.Context())

    def _feed_held(self, lines):
        for at, line in enumerate(lines):
            if self.node is None or self.exit_status is not None or self._stopped \
                    or self.state == "killed":
                return
            if self.state == "paused":      # paused again before they were all read
                self._inbox[:0] = lines[at:]
                return
            self._calling(self.node.feed, "while handling a message", line)

    async def stop(self):
        """Teardown: cancel the node's work at once, as Maelstrom kills a process."""
        self.halt()
        self.close_log()
