"""Node hosts: how the bench runs a node and talks to it.

`ProcessHost` runs `--bin` as a subprocess over pipes, like Maelstrom (any language).
`InProcessHost` imports a script built on maelstrom_node.py and runs it on the bench's own
loop with injected I/O, so that under a virtual clock a whole test is deterministic.

Both hand every stdout line to `on_line(node_id, line)`, keep the node's stderr in
`node-logs/<id>.log` plus its last lines for crash reports, and report an exit during the run.
"""

import asyncio
import collections
import importlib.util
import os
import sys
import tempfile

TAIL = 32   # Maelstrom keeps the last 32 stdout and stderr lines for crash reports


class Host:
    """What both hosts share: identity, logs, the tails kept for diagnosis."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr):
        self.node_id = node_id
        self.on_line = on_line
        self.echo_stderr = echo_stderr
        self.stdout_tail = collections.deque(maxlen=TAIL)
        self.stderr_tail = collections.deque(maxlen=TAIL)
        self.exit_status = None      # set if the node exits before teardown
        self.exited_at = None        # loop time of that exit
        self.log_path = os.path.join(log_dir, f"{node_id}.log")
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")

    def _stderr(self, text):
        self.stderr_tail.append(text)
        self._log.write(text + "\n")
        self._log.flush()
        if self.echo_stderr:
            print(f"{self.node_id} stderr: {text}", file=sys.stderr)

    def _stdout(self, line):
        self.stdout_tail.append(line)
        self.on_line(self.node_id, line)

    def close_log(self):
        self._log.close()


class ProcessHost(Host):
    """A node as a child process: stdin/stdout pipes, stderr to its log."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr, command):
        super().__init__(node_id, log_dir, on_line, echo_stderr)
        self.command = command
        self.proc = None
        self._tasks = []

    async def start(self):
        """Launch the process (raises OSError if it cannot be started)."""
        self.proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=tempfile.gettempdir(), limit=1 << 26)
        self._tasks = [asyncio.create_task(self._read_stdout()),
                       asyncio.create_task(self._read_stderr()),
                       asyncio.create_task(self._watch_exit())]

    async def _read_stdout(self):
        while True:
            try:
                raw = await self.proc.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                self._stderr("[bench] a stdout line longer than 64 MiB was cut")
                continue
            if not raw:
                return
            self._stdout(raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    async def _read_stderr(self):
        while True:
            try:
                raw = await self.proc.stderr.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue
            if not raw:
                return
            self._stderr(raw.decode("utf-8", errors="replace").rstrip("\r\n"))

    async def _watch_exit(self):
        status = await self.proc.wait()
        if self.exit_status is None and not getattr(self, "_stopping", False):
            self.exit_status = status
            self.exited_at = asyncio.get_running_loop().time()

    def deliver(self, message):
        """Write one message to the node's stdin; a dead node's stdin swallows it."""
        if self.proc is None or self.proc.stdin.is_closing():
            return
        try:
            self.proc.stdin.write(message.line().encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            pass

    async def stop(self):
        """Teardown: kill the node (Maelstrom sends SIGKILL) and collect its last output."""
        self._stopping = True
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        await self.proc.wait()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.close_log()


def load_script(path, module_name):
    """Import a node script by path as a fresh module; it must define serve(node)."""
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file the bench can import")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "serve", None)):
        raise ImportError(f"{path} has no serve(node) function, which in-process mode needs "
                          "(scripts built on maelstrom_node.py define one)")
    return module


class InProcessHost(Host):
    """A maelstrom_node.py script hosted on the bench's loop, with injected I/O and random."""

    def __init__(self, node_id, log_dir, on_line, echo_stderr, path, rng):
        super().__init__(node_id, log_dir, on_line, echo_stderr)
        self.path = path
        self.rng = rng
        self.node = None

    async def start(self):
        module = load_script(self.path, f"_bench_node_{self.node_id}")
        library = sys.modules.get("maelstrom_node")
        if library is None:
            raise ImportError(f"{self.path} does not use maelstrom_node.py; run it without "
                              "--virtual-time")
        self.node = library.Node(write=self._stdout, log=self._stderr, random=self.rng)
        module.serve(self.node)

    def deliver(self, message):
        if self.node is None or self.exit_status is not None:
            return
        try:
            self.node.feed(message.line())
        except Exception as error:   # the library should never let this escape: a crash
            self._stderr(f"[bench] node raised out of feed(): {error!r}")
            self.exit_status = 1
            self.exited_at = asyncio.get_running_loop().time()

    async def stop(self):
        """Teardown: cancel the node's work at once, as Maelstrom kills a process."""
        if self.node is not None:
            self.node.stop()
        self.close_log()
