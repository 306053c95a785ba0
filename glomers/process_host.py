"""Nodes as processes: `ProcessHost` runs `--bin` over pipes in a process group of its own
(see hosts.py for what a hostile node cannot do to the bench)."""

import asyncio
import contextlib
import os
import signal
import tempfile


from . import hosts
from .hosts import STDERR_LINE_LIMIT, STDOUT_LINE_LIMIT, Host, describe_status

STDIN_BACKLOG_LIMIT = 16 << 20   # bytes waiting for a node that does not read its stdin
STOP_GRACE = 1.0                 # seconds between SIGTERM and SIGKILL at teardown
KILL_WAIT = 2.0                  # seconds to wait for the group to vanish after SIGKILL
PIPE_GRACE = 1.0                 # seconds to wait for end of output once the group is gone
_CHUNK = 1 << 16
LIBRARY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))




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
        self._unwritten = []         # lines delivered in this loop step, written together

    async def start(self):
        """Launch the process (raises OSError if it cannot be started)."""
        proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=self.tmp_dir, limit=_CHUNK,
            start_new_session=True, env=node_environment(self.tmp_dir))
        self.proc = proc
        hosts.live_groups.add(proc.pid)
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
        hosts.live_groups.discard(proc.pid)
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
        does one that stopped reading with STDIN_BACKLOG_LIMIT bytes already waiting.

        The lines delivered in one loop step (the network delivers messages already due
        back to back) go out together at its end, in order, with one system call."""
        if self.proc is None or self.proc.stdin.is_closing():
            return
        if self.proc.stdin.transport.get_write_buffer_size() > STDIN_BACKLOG_LIMIT:
            if not self._stdin_full:
                self._stdin_full = True
                self.on_note(self.node_id, "stdin",
                             f"stopped reading its stdin: {STDIN_BACKLOG_LIMIT >> 20} MiB of "
                             "messages wait for it; the bench drops further messages to it")
            return
        if not self._unwritten:
            asyncio.get_running_loop().call_soon(self._write_stdin, self.proc)
        self._unwritten.append(message.line().encode())

    def _write_stdin(self, proc):
        lines, self._unwritten = self._unwritten, []
        if proc is not self.proc or proc.stdin.is_closing():
            return                     # killed or torn down since: lost with its pipe
        lines.append(b"")
        try:
            proc.stdin.write(b"\n".join(lines))
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
        hosts.live_groups.discard(pgid)
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
