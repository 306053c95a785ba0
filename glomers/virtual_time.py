"""An asyncio event loop whose clock is virtual: time jumps to the next timer instead of sleeping.

asyncio already is a discrete-event core: a queue of ready callbacks and a heap of timers. The
only thing that ties it to the wall clock is the selector, which blocks until the next timer is
due. Here the selector never blocks: when nothing is ready it advances the virtual clock by
exactly the time the loop wanted to wait. Everything on the loop (the bench's network,
clients and nemesis, and in-process nodes using `asyncio.sleep` or `loop.time()`) then runs
in virtual time, deterministically, as fast as the CPU allows.
"""

import asyncio
import selectors
import signal
import threading


STALL_STEPS = 100_000    # loop steps without the clock moving before a run is deemed stuck


class _Clock:
    """Virtual seconds since the loop was made, and how many loop steps ran since it last
    moved."""

    def __init__(self):
        self.now = 0.0
        self.still = 0
        self.on_stall = None


class _NonBlockingSelector(selectors.DefaultSelector):
    """Turns every wait into a clock jump.

    Nothing in a virtual-time run does real I/O (nodes are in-process, files are written
    synchronously), so the real file descriptors (only the loop's own wake-up pipe) are
    never polled: that saves a system call per loop iteration.
    """

    def __init__(self, clock):
        super().__init__()
        self._clock = clock

    def select(self, timeout=None):
        if timeout is None:
            raise RuntimeError(
                "virtual time: nothing is scheduled and nothing is ready; the simulation "
                "would wait forever (a task awaits something that can never happen)")
        clock = self._clock
        if timeout > 0:
            clock.now += timeout
            clock.still = 0
        else:
            clock.still += 1
            if clock.still == STALL_STEPS and clock.on_stall is not None:
                clock.on_stall(clock.still)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a virtual clock; use with `asyncio.Runner(loop_factory=...)`.

    `wrap_callback(callback, context)`, when set, may replace each callback scheduled on
    the loop (the in-process host uses it to contain what node code raises)."""

    wrap_callback = None

    def __init__(self):
        self._virtual_clock = _Clock()
        super().__init__(_NonBlockingSelector(self._virtual_clock))
        self._clock_resolution = 1e-9

    def time(self):
        return self._virtual_clock.now

    def on_stall(self, handler):
        """Call handler(steps) once the loop has run STALL_STEPS steps without the clock
        moving: work that never waits for time (a message loop with no delay, a task that
        only yields) would keep a virtual-time run from ever ending."""
        self._virtual_clock.on_stall = handler

    def call_soon(self, callback, *args, context=None):
        if self.wrap_callback is not None:
            callback = self.wrap_callback(callback, context)
        return super().call_soon(callback, *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        if self.wrap_callback is not None:
            callback = self.wrap_callback(callback, context)
        return super().call_at(when, callback, *args, context=context)


class Terminated(SystemExit):
    """SIGTERM asked the bench to stop. A SystemExit (status 143), so that no `except
    Exception` swallows it and asyncio lets it out of any callback, as it does Ctrl-C."""

    def __init__(self):
        super().__init__(143)


def raise_terminated(signum, frame):
    """A SIGTERM handler for when no event loop runs: stop where we are."""
    raise Terminated()


# Signals the user sent during the current run: an interrupt raised inside node code that
# follows one of these is the user's, never the node's own doing.
_received = []


def user_interrupted():
    """True once Ctrl-C or SIGTERM reached the bench during the current run."""
    return bool(_received)


def run(coro, *, virtual):
    """Run `coro` to completion on a virtual-time loop, or on an ordinary one.

    Ctrl-C (asyncio.Runner's own handling) and SIGTERM both cancel the task, so its
    `finally` blocks (node teardown) run before KeyboardInterrupt or Terminated is raised;
    a second one raises at once, wherever the bench is."""
    factory = VirtualTimeLoop if virtual else None
    _received.clear()

    async def main():
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        runner_on_sigint = signal.getsignal(signal.SIGINT)

        def on_sigint(signum, frame):
            _received.append(signum)
            if callable(runner_on_sigint):
                runner_on_sigint(signum, frame)

        def on_sigterm(signum, frame):
            _received.append(signum)
            if task.done() or _received.count(signum) > 1:
                raise Terminated()
            task.cancel()
            loop.call_soon_threadsafe(lambda: None)
        previous = {signum: _install(signum, handler) for signum, handler in
                    ((signal.SIGTERM, on_sigterm), (signal.SIGINT, on_sigint))}
        try:
            return await coro
        finally:
            for signum, handler in previous.items():
                _install(signum, handler)

    with asyncio.Runner(loop_factory=factory) as runner:
        try:
            return runner.run(main())
        except asyncio.CancelledError:
            if signal.SIGTERM in _received:
                raise Terminated() from None
            raise


def _install(signum, handler):
    """signal.signal where allowed (only the main thread may); returns the old handler."""
    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signum, handler)
