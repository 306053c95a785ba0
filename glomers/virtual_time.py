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


class _Clock:
    """Virtual seconds since the loop was made."""

    def __init__(self):
        self.now = 0.0


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
        self._clock.now += max(timeout, 0.0)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a virtual clock; use with `asyncio.Runner(loop_factory=...)`."""

    def __init__(self):
        self._virtual_clock = _Clock()
        super().__init__(_NonBlockingSelector(self._virtual_clock))
        self._clock_resolution = 1e-9

    def time(self):
        return self._virtual_clock.now


def run(coro, *, virtual):
    """Run `coro` to completion on a virtual-time loop, or on an ordinary one."""
    factory = VirtualTimeLoop if virtual else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)
