"""The interpreter (glomers/interpreter.py) against a stand-in workload, in virtual time: which
thread each op goes to (spec §5.1-§5.2), what an invocation records and what the client is
asked, connections renewed after :info, the stagger's time limit, generators that wait, the
draining of ops in flight, and the final phase's recovery wait, sleeps and clip (§5.4).
Whole runs of the bench are in test_interpreter.py."""

import asyncio
import random
import types

import pytest

from glomers import interpreter
from glomers.client import ErrorReply
from glomers.edn import Keyword
from glomers.interpreter import PENDING, Interpreter
from glomers.virtual_time import run as run_virtual


class Half:
    """A random source whose every draw is 0.5: each stagger gap is exactly 1/rate."""

    def random(self):
        return 0.5


class Net:
    def __init__(self):
        self.clients, self.closed = {}, []

    def register(self, client_id, deliver):
        self.clients[client_id] = deliver

    def unregister(self, client_id):
        self.closed.append(client_id)

    def now_ns(self):
        return round(asyncio.get_running_loop().time() * 1e9)


class Workload:
    """Answers every request after `seconds`, :ok unless `answer` says otherwise; remembers
    each request with the connection and options it came with."""
    NAME = "stand-in"
    IDEMPOTENT = {"read"}
    REUSABLE_CLIENT = False

    def __init__(self, seconds=0.0, answer=None, final=None):
        self.seconds, self.answer, self.final = seconds, answer, final
        self.requests = []

    async def invoke(self, conn, request, opts):
        self.requests.append((conn, request, opts))
        if self.seconds:
            await asyncio.sleep(self.seconds)
        if self.answer is not None:
            return self.answer(request)
        return {**request, "type": "ok"}

    def final_ops(self, ctx, thread):
        return self.final(ctx, thread) if self.final else []


class Ops:
    """A generator of `count` ops (then None) that checks it is asked by the interpreter and
    notes the thread it was told each op goes to."""

    def __init__(self, count, op=None):
        self.count, self.op = count, op or (lambda i: {"f": "write", "value": i})
        self.told = []

    def next(self, ctx):
        self.told.append(ctx.next_thread)
        if len(self.told) > self.count:
            return None
        return self.op(len(self.told) - 1)


class Bench:
    """The parts of a run the interpreter uses."""

    def __init__(self, workload, concurrency=2, nodes=("n0", "n1")):
        self.net = Net()
        self.workload = workload
        self.opts = {"nodes": list(nodes), "concurrency": concurrency, "nemesis": [],
                     "nemesis_interval": 10}
        self.progress = types.SimpleNamespace(op=lambda op: None, phase="main phase",
                                              note=self.notes_append)
        self.notes, self.updates, self.strays = [], [], []
        self._clients = 0

    def notes_append(self, text):
        self.notes.append(text)

    def rng(self, purpose):
        return random.Random(purpose)

    def new_client_id(self):
        self._clients += 1
        return f"c{self._clients}"

    def on_stray(self, conn, message, awaited):
        self.strays.append((conn.id, message.body))

    def generator_update(self, completion):
        self.updates.append(completion)


def main_phase(bench, generator, seconds, rate):
    """Run the main phase; (interpreter, seconds the phase took, its start in loop time)."""
    async def phase():
        loop = asyncio.get_running_loop()
        interp = Interpreter(bench)
        start = loop.time()
        await interp.main_phase(generator, seconds, rate, Half())
        return interp, loop.time() - start, start
    return run_virtual(phase(), virtual=True)


def invokes(history):
    return [op for op in history if op["type"] == "invoke"]


def rotation(concurrency, count):
    """Spec §5.2 for ops that complete at once: an index advances by one (mod C+1) at each
    op, which goes to the first free thread at or after it. A thread is picked before the
    wait for its op's time, so the thread of the op just sent is the one still busy."""
    index, busy, picks = 0, None, []
    for _ in range(count):
        order = [(index + step) % (concurrency + 1) for step in range(concurrency + 1)]
        busy = next(t for t in order if t < concurrency and t != busy)
        picks.append(busy)
        index = (index + 1) % (concurrency + 1)
    return picks


def test_free_threads_are_taken_in_rotation_over_c_plus_one_slots():
    generator = Ops(12)
    interp, _, _ = main_phase(Bench(Workload(), concurrency=3), generator, 100, 1)
    expected = rotation(3, 12)
    assert expected[:10] == [0, 1, 2, 0, 1, 2, 0, 1, 0, 1]
    assert [op["process"] for op in invokes(interp.history)] == expected
    assert generator.told[:12] == expected


def test_a_busy_thread_is_passed_over():
    # Each op takes 1.5 s and one goes out per second: thread 0 is still busy at the third.
    interp, _, _ = main_phase(Bench(Workload(seconds=1.5), concurrency=3), Ops(4), 100, 1)
    assert [op["process"] for op in invokes(interp.history)] == [0, 1, 2, 0]


def test_history_indices_are_dense_and_invocations_carry_the_ops_own_keys():
    bench = Bench(Workload())
    generator = Ops(2, lambda i: {"f": "cas", "value": [i, 7], "key": i, "_sleep": 3})
    interp, _, _ = main_phase(bench, generator, 100, 1)
    assert [op["index"] for op in interp.history] == [0, 1, 2, 3]
    assert interp.history[0] == {"index": 0, "time": 0, "type": "invoke", "process": 0,
                                 "f": "cas", "value": [0, 7], "key": 0}
    assert isinstance(interp.history[0]["f"], Keyword)       # written :cas, not "cas"
    assert interp.history[2]["time"] == 1_000_000_000
    conn, request, opts = bench.workload.requests[0]
    assert request == {"process": 0, "f": "cas", "value": [0, 7], "key": 0}
    assert opts is bench.opts
    assert conn.node_id == "n0" and bench.workload.requests[1][0].node_id == "n1"
    assert bench.updates == [op for op in interp.history if op["type"] != "invoke"]


def test_a_non_reusable_client_gets_a_new_connection_only_after_an_info():
    answers = iter(["ok", "info", "ok", "ok"])

    def answer(request):
        return {**request, "type": next(answers)}
    bench = Bench(Workload(answer=answer), concurrency=1, nodes=("n0",))
    interp, _, _ = main_phase(bench, Ops(4), 100, 1)
    ids = [conn.id for conn, _, _ in bench.workload.requests]
    assert ids == ["c1", "c1", "c2", "c2"]
    assert bench.net.closed == ["c1"]
    assert [op["process"] for op in invokes(interp.history)] == [0, 0, 1, 1]


def test_a_reusable_client_keeps_its_connection_after_an_info():
    workload = Workload(answer=lambda request: {**request, "type": "info"})
    workload.REUSABLE_CLIENT = True
    bench = Bench(workload, concurrency=1, nodes=("n0",))
    interp, _, _ = main_phase(bench, Ops(3), 100, 1)
    assert [conn.id for conn, _, _ in workload.requests] == ["c1", "c1", "c1"]
    assert [op["process"] for op in invokes(interp.history)] == [0, 1, 2]
    interp.close_connections()
    assert bench.net.closed == ["c1"]


def test_a_reply_nobody_waits_for_is_reported_as_stray():
    bench = Bench(Workload(), concurrency=1, nodes=("n0",))
    main_phase(bench, Ops(1), 100, 1)
    bench.net.clients["c1"](types.SimpleNamespace(body={"type": "write_ok", "in_reply_to": 9}))
    assert bench.strays == [("c1", {"type": "write_ok", "in_reply_to": 9})]


class Refusing(Workload):
    async def invoke(self, conn, request, opts):
        raise ErrorReply({"type": "error", "code": 20, "text": "no such key"})


@pytest.mark.parametrize("as_exceptions", [False, True])
def test_an_error_from_the_client_becomes_a_completion(as_exceptions):
    workload = Refusing()
    if as_exceptions:
        workload.ERRORS_AS_EXCEPTIONS = True
    bench = Bench(workload, concurrency=1, nodes=("n0",))
    interp, _, _ = main_phase(bench, Ops(1, lambda i: {"f": "read", "value": None}), 100, 1)
    done = interp.history[1]
    if as_exceptions:
        assert done["type"] == "info" and done["error"].startswith("indeterminate: ")
        assert "exception" in done
    else:
        assert done["type"] == "fail" and done["error"] == ["key-does-not-exist", "no such key"]
        assert "exception" not in done


def test_no_op_goes_out_at_or_after_the_time_limit_and_ops_in_flight_complete():
    # One op per second, each taking 2.5 s: ops at 0, 1, 2 (3 is the limit); the phase ends
    # when the last one completes.
    interp, took, _ = main_phase(Bench(Workload(seconds=2.5), concurrency=3), Ops(100), 3, 1)
    times = [op["time"] for op in invokes(interp.history)]
    assert times == [0, 1_000_000_000, 2_000_000_000]
    assert len(interp.history) == 6 and took == 4.5


def test_the_status_line_says_draining_while_ops_in_flight_complete():
    phases = []

    class Watching(Workload):
        async def invoke(self, conn, request, opts):
            done = await super().invoke(conn, request, opts)
            phases.append(bench.progress.phase)
            return done
    bench = Bench(Watching(seconds=2.5), concurrency=3)
    main_phase(bench, Ops(100), 3, 1)
    assert phases == ["main phase", "draining", "draining"]


def test_an_exhausted_generator_ends_the_phase_after_its_ops_complete():
    interp, took, _ = main_phase(Bench(Workload(seconds=5)), Ops(2), 100, 1)
    assert [op["type"] for op in interp.history] == ["invoke", "invoke", "ok", "ok"]
    assert took == 6


def test_with_no_rate_the_phase_sends_nothing_and_lasts_the_time_limit():
    generator = Ops(5)
    interp, took, _ = main_phase(Bench(Workload()), generator, 7, 0)
    assert interp.history == [] and generator.told == [] and took == 7


def test_a_slow_rate_still_sends_ops():
    interp, _, _ = main_phase(Bench(Workload()), Ops(100), 10, 0.5)
    assert [op["time"] for op in invokes(interp.history)] == [
        0, 2_000_000_000, 4_000_000_000, 6_000_000_000, 8_000_000_000]


class OneAtATime:
    """A generator with no next op while one is in flight (it says so with PENDING)."""

    def __init__(self, count):
        self.count, self.sent = count, 0

    def next(self, ctx):
        if self.sent == self.count:
            return None
        if any(ctx.busy):
            return PENDING
        self.sent += 1
        return {"f": "write", "value": self.sent}


def test_a_generator_that_waits_gets_asked_again_when_an_op_completes():
    bench = Bench(Workload(seconds=3), concurrency=2)
    interp, took, _ = main_phase(bench, OneAtATime(3), 100, 10)
    assert [op["type"] for op in interp.history] == ["invoke", "ok"] * 3
    assert [op["time"] for op in invokes(interp.history)] == [0, 3_000_000_000, 6_000_000_000]


def final_phase(bench, clip=None):
    """Run a final phase; (interpreter, invocation times in seconds after it began)."""
    async def phase():
        loop = asyncio.get_running_loop()
        interp = Interpreter(bench)
        start = loop.time()
        await interp.final_phase(clip)
        return interp, [round(op["time"] / 1e9 - start, 6) for op in invokes(interp.history)]
    return run_virtual(phase(), virtual=True)


def reads(sleeps):
    """Final ops for each thread: a read after each of `sleeps` seconds (0: no sleep)."""
    def final(ctx, thread):
        assert isinstance(ctx, Interpreter)
        return [{"f": "read", "value": None, "final?": True, "thread": thread,
                 **({"_sleep": s} if s else {})} for s in sleeps]
    return final


def test_the_final_phase_waits_for_recovery_then_runs_each_threads_ops():
    bench = Bench(Workload(final=reads([0, 2, 0])), concurrency=2)
    interp, times = final_phase(bench)
    assert bench.notes == ["waiting for recovery (10 s)"]
    assert times == [10, 10, 12, 12, 12, 12]
    done = invokes(interp.history)
    assert sorted((op["process"], op["thread"]) for op in done) == [(0, 0)] * 3 + [(1, 1)] * 3


def test_the_final_phase_clip_leaves_out_ops_due_at_or_after_it():
    bench = Bench(Workload(final=reads([1, 2, 2])), concurrency=1)
    _, times = final_phase(bench, clip=5)
    assert times == [11, 13]          # the third would go out at 15, the clip


def test_recovery_lasts_ten_seconds():
    assert interpreter.RECOVERY_SECONDS == 10
