"""An asyncio event loop whose clock is virtual: time jumps to the next timer instead of sleeping.

asyncio already is a discrete-event core: a queue of ready callbacks and a heap of timers. The
only thing that ties it to the wall clock is the selector, which blocks until the next timer is
due. Here nothing ever blocks: when nothing is ready the virtual clock advances by exactly the
time the loop wanted to wait. Everything on the loop (the bench's network, clients and nemesis,
and in-process nodes using `asyncio.sleep` or `loop.time()`) then runs in virtual time,
deterministically, as fast as the CPU allows.

The loop is a lean scheduler of its own on asyncio's BaseEventLoop (futures, tasks,
`call_soon`, `call_at`, `run_until_complete`, the Runner all work unchanged) rather than the
general selector loop: no selector, no self-pipe, no debug bookkeeping per callback, and
timers that compare in C. Its scheduling order is asyncio's, step for step (the same ready
queue, the same heap operations on the same comparisons, the same purge of cancelled timers,
the same clock arithmetic), so a seed replays the same history it did on asyncio's own loop.
"""

import asyncio
import contextvars
import heapq
import signal
import threading


STALL_STEPS = 100_000    # loop steps without the clock moving before a run is deemed stuck
_MAX_WAIT = 24 * 3600    # asyncio's longest select timeout: the largest single clock jump
_PURGE_MIN = 100         # asyncio's rule for dropping cancelled timers from the heap:
_PURGE_FRACTION = 0.5    # more than _PURGE_MIN timers of which more than half are cancelled


class _Handle:
    """A callback on the ready queue (what call_soon returns)."""

    __slots__ = ("callback", "args", "context", "_cancelled", "__weakref__")

    def __init__(self, callback, args, context):
        self.callback, self.args, self.context = callback, args, context
        self._cancelled = False

    def cancel(self):
        self._cancelled = True
        self.callback = self.args = None

    def cancelled(self):
        return self._cancelled

    def __repr__(self):
        return f"<{type(self).__name__} {self.callback!r}{' cancelled' if self._cancelled else ''}>"


class _Timer(float):
    """A callback due at a time (what call_at returns). It IS its due time, as a float, so the
    heap compares timers in C; equal times compare as neither earlier nor later, exactly as
    asyncio's TimerHandle does, which keeps the heap's order (and so the run) asyncio's."""

    __slots__ = ("callback", "args", "context", "_cancelled", "_scheduled", "_loop",
                 "__weakref__")

    def when(self):
        return float(self)

    def cancel(self):
        if not self._cancelled:
            self._cancelled = True
            if self._scheduled:
                self._loop._timer_cancelled_count += 1
            self.callback = self.args = None

    def cancelled(self):
        return self._cancelled

    def __repr__(self):
        return (f"<Timer when={float(self)} {self.callback!r}"
                f"{' cancelled' if self._cancelled else ''}>")


_new_timer = float.__new__
_copy_context = contextvars.copy_context


class VirtualTimeLoop(asyncio.BaseEventLoop):
    """An event loop on a virtual clock; use with `asyncio.Runner(loop_factory=...)`.

    `wrap_callback(callback, context)`, when set, may replace each callback scheduled on
    the loop (in_process_host.contain_node_code uses it)."""

    wrap_callback = None

    def __init__(self):
        super().__init__()
        self._now = 0.0
        self._clock_resolution = 1e-9
        self._still = 0              # loop steps since the clock last moved
        self._on_stall = None

    def time(self):
        return self._now

    def on_stall(self, handler):
        """Call handler(steps) once the loop has run STALL_STEPS steps without the clock
        moving: work that never waits for time (a message loop with no delay, a task that
        only yields) would keep a virtual-time run from ever ending."""
        self._on_stall = handler

    # ----- scheduling ------------------------------------------------------------------

    def call_soon(self, callback, *args, context=None):
        if context is None:
            context = _copy_context()
        if self.wrap_callback is not None:
            callback = self.wrap_callback(callback, context)
        handle = _Handle(callback, args, context)
        self._ready.append(handle)
        return handle

    call_soon_threadsafe = call_soon    # nothing ever blocks, so no wake-up is needed

    def call_at(self, when, callback, *args, context=None):
        if context is None:
            context = _copy_context()
        if self.wrap_callback is not None:
            callback = self.wrap_callback(callback, context)
        timer = _new_timer(_Timer, when)
        timer.callback, timer.args, timer.context = callback, args, context
        timer._cancelled = False
        timer._scheduled = True
        timer._loop = self
        heapq.heappush(self._scheduled, timer)
        return timer

    def call_later(self, delay, callback, *args, context=None):
        return self.call_at(self._now + delay, callback, *args, context=context)

    # ----- one step --------------------------------------------------------------------

    def _run_once(self):
        # asyncio's BaseEventLoop._run_once, with the selector's wait replaced by a clock
        # jump, repeated here until stop() is called: run_forever would only call it again,
        # and one call for the whole run keeps the names below local (a step is often a
        # single timer, so its fixed cost counts).
        ready = self._ready
        popleft, append = ready.popleft, ready.append
        pop = heapq.heappop
        resolution = self._clock_resolution
        while True:
            scheduled = self._scheduled
            count = len(scheduled)
            cancelled = self._timer_cancelled_count
            # (A purge needs more than _PURGE_MIN * _PURGE_FRACTION cancelled timers: the
            # first test spares the division on almost every step.)
            if cancelled > _PURGE_MIN * _PURGE_FRACTION and count > _PURGE_MIN \
                    and cancelled / count > _PURGE_FRACTION:
                live = []
                for timer in scheduled:
                    if timer._cancelled:
                        timer._scheduled = False
                    else:
                        live.append(timer)
                heapq.heapify(live)
                self._scheduled = scheduled = live
                self._timer_cancelled_count = 0
            else:
                while scheduled and scheduled[0]._cancelled:
                    self._timer_cancelled_count -= 1
                    pop(scheduled)._scheduled = False

            if ready or self._stopping:
                self._still += 1
                if self._still == STALL_STEPS and self._on_stall is not None:
                    self._on_stall(self._still)
            elif scheduled:
                wait = scheduled[0] - self._now
                if wait > 0:
                    self._now += wait if wait < _MAX_WAIT else _MAX_WAIT
                    self._still = 0
                else:
                    self._still += 1
                    if self._still == STALL_STEPS and self._on_stall is not None:
                        self._on_stall(self._still)
            else:
                raise RuntimeError(
                    "virtual time: nothing is scheduled and nothing is ready; the simulation "
                    "would wait forever (a task awaits something that can never happen)")

            end = self._now + resolution
            while scheduled and scheduled[0] < end:
                timer = pop(scheduled)
                timer._scheduled = False
                append(timer)

            for _ in range(len(ready)):
                handle = popleft()
                if handle._cancelled:
                    continue
                try:
                    handle.context.run(handle.callback, *handle.args)
                except BaseException as error:
                    self._failed(handle, error)
            handle = None        # break the cycle an exception's traceback would hold
            if self._stopping:
                return

    def _failed(self, handle, error):
        """As asyncio does: SystemExit and KeyboardInterrupt propagate, anything else goes
        to the exception handler."""
        if isinstance(error, (SystemExit, KeyboardInterrupt)):
            raise error
        self.call_exception_handler({
            "message": f"Exception in callback {handle.callback!r}", "exception": error,
            "handle": handle})

    # ----- what BaseEventLoop leaves to subclasses -------------------------------------

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


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
