"""Nodes in the bench's process: `InProcessHost` hosts a script built on maelstrom_node.py
on the bench's loop with injected I/O (see hosts.py for what a hostile node cannot do)."""

import asyncio
import contextlib
import contextvars
import gc
import importlib.machinery
import importlib.util
import io
import os
import sys
import traceback
import warnings

from . import virtual_time

from .hosts import Host, NodeExit



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
        host._tasks.add(task)         # _contained takes it out as it ends
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


# path -> ((mtime_ns, size), code): a script is compiled once however many nodes (and
# lives) run it; each still gets fresh module globals.
_compiled = {}
_COMPILED_LIMIT = 64


def _code_of(path):
    stat = os.stat(path)
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _compiled.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    if len(_compiled) >= _COMPILED_LIMIT:
        _compiled.clear()
    _compiled[path] = (stamp, code)
    return code


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
    if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
        exec(_code_of(path), module.__dict__)
    else:
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
        # The task leaves the node's set from inside, as it ends (a done callback would
        # cost a loop step per message); one cancelled before it ever ran never gets here,
        # and the next _end_life drops it once done.
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
        finally:
            self._tasks.discard(asyncio.current_task())

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
        self._tasks = {task for task in self._tasks if not task.done()}
        for task in self._tasks:
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
