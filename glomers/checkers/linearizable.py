"""Is a single register's history linearizable? Wing & Gong's search, made fast.

The question: is there one order of the operations that (a) respects real time (an op that
completed before another was invoked comes first) and (b) a compare-and-set register
starting at nil accepts, op by op? Every :ok op must be in that order; an :info op (it
timed out or crashed) may be in it anywhere after its invocation, or not at all; a :fail op
never happened. This is Knossos's `cas-register` model as Maelstrom's lin-kv checks it
(spec workloads-more §3.5-3.7): a read of nil is always legal, a write always is, a cas
needs the register to hold its `from` value.

The search (`check`) is Wing & Gong's, as Lowe improved it and Porcupine runs it: walk the
history's invocations and :ok completions in order; linearize any op whose invocation comes
before the first completion still waiting, restart from the top; when that first waiting
completion is reached, the ops so far cannot be ordered this way: backtrack. A
configuration (which :ok ops are linearized, which :info ops have taken effect, the
register's value) is never explored twice. Three more prunings keep it fast:

- ops that can never constrain anything are dropped first: :fail ops, reads that returned
  nil and reads that crashed;
- :info ops of the same kind (same f and values) are interchangeable, so they take effect
  in invocation order: k such ops give k + 1 choices instead of 2^k;
- :info ops are tried after the :ok ones, and a configuration is skipped when an explored
  one with the same :ok ops and value had applied a subset of its :info ops (that one
  could do everything this one can, and failed).

The search runs within a step budget and answers :unknown with the reason when the budget
runs out, so a pathological history costs seconds, never hours, and the answer depends on
the history only, never on the machine's speed.
"""

from dataclasses import dataclass, field

from glomers.edn import Keyword, dumps
from glomers.values import clj_key

DEFAULT_BUDGET = 2_000_000      # search steps per key: a few seconds of CPU, ~100 MB at worst

NIL = 0                         # the state id of the register's initial value, nil
_WRITE, _CAS, _READ = 0, 1, 2
_WORD = (1 << 64) - 1
_BAD = -1


@dataclass
class Op:
    """One operation as the search sees it: invocation and completion joined.

    `value` is the completion's for :ok ops (what a read returned), the invocation's for
    :info ops. `call` and `ret` are positions in the history (`ret` None for :info, whose
    completion, if any, is only a note that the outcome is unknown).
    """

    f: str
    value: object
    process: object
    call: int
    ret: int | None
    invocation: dict
    completion: dict | None

    @property
    def ok(self):
        return self.ret is not None


@dataclass
class Outcome:
    """The search's answer for one history.

    valid: True, False or "unknown". For True, `state` is the register's final value.
    For False: `op` is the :ok op that cannot be linearized (the one with the latest
    completion among dead ends: every :ok op completed before it could be ordered),
    `seen` lists (value, op linearized just before or None) for each value the register
    could have held when `op` took effect, none of which `op` can follow;
    `previous_ok` is the last :ok op linearized before the dead end. For "unknown",
    `reason` says why.
    """

    valid: object
    state: object = None
    op: Op | None = None
    previous_ok: Op | None = None
    seen: list = field(default_factory=list)
    steps: int = 0
    reason: str | None = None
    dropped: int = 0


def pair_ops(history):
    """Join each client invocation to its completion (same process, next op of it).

    Returns a list of (invocation, completion or None) in invocation order. Ops of the
    nemesis (a non-integer process) are skipped, as Knossos skips them.
    """
    pending, pairs = {}, []
    for position, op in enumerate(history):
        process = op.get("process")
        if not isinstance(process, int) or isinstance(process, bool):
            continue
        if op.get("type") == "invoke":
            if process in pending:
                raise ValueError(f"process {process} invoked op {op.get('index')} while "
                                 f"op {pending[process][1].get('index')} was still open")
            pending[process] = (position, op)
            pairs.append([position, op, None, None])
        elif process in pending:
            call, invocation = pending.pop(process)
            for pair in reversed(pairs):
                if pair[1] is invocation:
                    pair[2], pair[3] = position, op
                    break
    return pairs


def prepare(history):
    """The ops that can matter, and how many were dropped as carrying no information.

    :fail ops never happened. A read that returned nil is legal in any state and changes
    nothing; so is a read whose outcome is unknown. An invocation with no completion is an
    :info op, as Knossos treats it.
    """
    ops, dropped = [], 0
    for call, invocation, ret, completion in pair_ops(history):
        kind = completion.get("type") if completion is not None else "info"
        f = invocation.get("f")
        if kind == "fail":
            dropped += 1
            continue
        if kind == "ok":
            value = completion.get("value")
        else:
            value, ret = invocation.get("value"), None
        if f == "read" and (value is None or ret is None):
            dropped += 1
            continue
        # Errors name the f and value as history.edn spells them: an f is a keyword there
        # (`:append`) even where the history holds it as a plain string.
        if f not in ("read", "write", "cas"):
            name = Keyword(f) if isinstance(f, str) else f
            raise ValueError(f"op {invocation.get('index')}: a cas-register has no "
                             f"{dumps(name, width=None)} (only :read, :write and :cas)")
        if f == "cas" and not (isinstance(value, (list, tuple)) and len(value) == 2):
            raise ValueError(f"op {invocation.get('index')}: cas value "
                             f"{dumps(value, width=None)} is not [from to]")
        ops.append(Op(str(f), value, invocation.get("process"), call, ret, invocation,
                      completion))
    return ops, dropped


class _States:
    """Register values interned as small ints (Clojure equality), nil being 0."""

    def __init__(self):
        self.ids = {clj_key(None): NIL}
        self.values = [None]

    def id(self, value):
        key = clj_key(value)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.values)
            self.values.append(value)
        return found


def check(history, budget=DEFAULT_BUDGET):
    """Search one register's history (ops of one key, values unwrapped); an Outcome."""
    ops, dropped = prepare(history)
    outcome = _Search(ops, budget).run()
    outcome.dropped = dropped
    return outcome


class _Search:
    """The search over one prepared history (see the module docstring)."""

    def __init__(self, ops, budget):
        self.budget = budget
        self.states = _States()
        oks = sorted((op for op in ops if op.ok), key=lambda op: op.ret)
        infos = sorted((op for op in ops if not op.ok), key=lambda op: op.call)
        self.oks = oks
        # Transitions: (kind, argument, result) per op, values interned.
        self.moves = {id(op): self._move(op) for op in ops}
        # The :ok ops as a doubly linked list of entries, history order: entry 2i is op
        # i's invocation, 2i + 1 its completion; HEAD sits before the first.
        entries = sorted(range(2 * len(oks)),
                         key=lambda e: oks[e // 2].call if e % 2 == 0 else oks[e // 2].ret)
        self.head = len(entries)
        chain = [self.head] + entries + [None]
        self.nxt = [None] * (len(entries) + 1)
        self.prv = [None] * (len(entries) + 1)
        for a, b in zip(chain, chain[1:]):
            self.nxt[a] = b
            if b is not None:
                self.prv[b] = a
        # :info ops grouped by kind (same f and same value), each kind in invocation order.
        kinds = {}
        for op in infos:
            kinds.setdefault((op.f, clj_key(op.value)), []).append(op)
        self.kinds = list(kinds.values())

    def _move(self, op):
        ids = self.states.id
        if op.f == "write":
            return _WRITE, None, ids(op.value)
        if op.f == "cas":
            return _CAS, ids(op.value[0]), ids(op.value[1])
        return _READ, ids(op.value), None

    def _unlink(self, entry):
        nxt, prv = self.nxt, self.prv
        for e in (entry, entry + 1):
            nxt[prv[e]] = nxt[e]
            if nxt[e] is not None:
                prv[nxt[e]] = prv[e]

    def _relink(self, entry):
        nxt, prv = self.nxt, self.prv
        for e in (entry + 1, entry):
            nxt[prv[e]] = e
            if nxt[e] is not None:
                prv[nxt[e]] = e

    def run(self):
        oks, kinds, nxt = self.oks, self.kinds, self.nxt
        moves = [self.moves[id(op)] for op in oks]
        # Per kind of :info op: (invocation position, bit, move) in invocation order. The
        # :info ops that took effect are a bit mask (memo key); `counts` says how many of
        # each kind, always the first ones of the kind.
        groups, bit = [], 0
        for group in kinds:
            groups.append([(op.call, 1 << (bit + j), self.moves[id(op)])
                           for j, op in enumerate(group)])
            bit += len(group)
        sizes = [len(group) for group in groups]
        counts = [0] * len(groups)
        # Which :ok ops are linearized: bit i of `window` is op base + i, and every op below
        # `base` (a multiple of 64) is linearized. The window stays a few words long
        # however long the history, so memo keys are cheap to build and hash.
        remaining = len(oks)
        head = self.head
        base, window, state, applied = 0, 0, NIL, 0
        seen = {(base, window, state, applied)}
        finished = {}           # (base, window, state) -> minimal masks of explored dead ends
        stack = []              # (entry, state, base, window) before an :ok move,
        #                         (-1 - kind, state, stop) before an :info one
        illegal = {}            # op number -> {state: op linearized just before, or None}
        best = None             # (op number, last :ok op linearized) of the deepest dead end
        steps = 0
        if not remaining:
            return Outcome(True, state=None, steps=0)
        entry, kind, stop, limit = nxt[head], None, None, None
        while True:
            steps += 1
            if steps > self.budget:
                return self._gave_up(steps)
            if kind is None:
                if entry % 2 == 0:
                    # An invocation: linearize the op here if the register allows it.
                    i = entry >> 1
                    f, arg, result = moves[i]
                    if f == _WRITE:
                        after = result
                    elif state == arg:
                        after = result if f == _CAS else state
                    else:
                        after = _BAD
                        where = illegal.setdefault(i, {})
                        if state not in where:
                            where[state] = self._last_op(stack, counts)
                    if after != _BAD:
                        low, more = base, window | (1 << (i - base))
                        while more & _WORD == _WORD:
                            low, more = low + 64, more >> 64
                        key = (low, more, after, applied)
                        if key not in seen and not (
                                applied and _dominated(finished.get(key[:3]), applied)):
                            seen.add(key)
                            stack.append((entry, state, base, window))
                            base, window, state = low, more, after
                            remaining -= 1
                            if not remaining:
                                return self._valid(state, steps)
                            self._unlink(entry)
                            entry = nxt[head]
                            continue
                    entry = nxt[entry]
                    continue
                # The first completion still waiting: only :info ops invoked before it
                # may still take effect here.
                stop, kind, limit = entry, 0, oks[entry >> 1].ret
            while kind < len(groups):
                k = kind
                kind += 1
                n = counts[k]
                if n == sizes[k]:
                    continue
                call, mask, (f, arg, result) = groups[k][n]
                if call > limit:
                    continue
                if f == _WRITE:
                    after = result
                elif state == arg:
                    after = result
                else:
                    continue
                more = applied | mask
                key = (base, window, after, more)
                if key in seen or _dominated(finished.get(key[:3]), more):
                    continue
                seen.add(key)
                stack.append((-1 - k, state, stop))
                state, applied = after, more
                counts[k] = n + 1
                entry, kind = nxt[head], None
                break
            else:
                # Dead end: every move from here was tried.
                _keep_minimal(finished, (base, window, state), applied)
                i = stop >> 1
                if best is None or i > best[0]:
                    best = (i, self._last_ok(stack))
                if not stack:
                    return self._invalid(best, illegal, steps)
                move = stack.pop()
                if move[0] >= 0:
                    entry, state, base, window = move
                    self._relink(entry)
                    remaining += 1
                    entry, kind = nxt[entry], None
                else:
                    k = -1 - move[0]
                    state, stop = move[1], move[2]
                    limit = oks[stop >> 1].ret
                    counts[k] -= 1
                    applied &= ~groups[k][counts[k]][1]
                    kind = k + 1

    def _last_op(self, stack, counts):
        """The op linearized most recently on this path, or None."""
        if not stack:
            return None
        move = stack[-1]
        if move[0] >= 0:
            return self.oks[move[0] >> 1]
        k = -1 - move[0]
        return self.kinds[k][counts[k] - 1]

    def _last_ok(self, stack):
        """The :ok op linearized most recently on this path, or None."""
        for move in reversed(stack):
            if move[0] >= 0:
                return self.oks[move[0] >> 1]
        return None

    def _valid(self, state, steps):
        return Outcome(True, state=self.states.values[state], steps=steps)

    def _gave_up(self, steps):
        infos = sum(len(group) for group in self.kinds)
        return Outcome("unknown", steps=steps, reason=(
            f"the search used its whole budget of {self.budget:,} steps without an answer "
            f"({len(self.oks)} acknowledged ops and {infos} indeterminate ones on this key; "
            "each indeterminate write or cas may have taken effect at any later point, "
            "which multiplies the orders to try)"))

    def _invalid(self, best, illegal, steps):
        i, previous_ok = best
        values = self.states.values
        seen = [(values[state], before) for state, before in illegal.get(i, {}).items()]
        return Outcome(False, op=self.oks[i], previous_ok=previous_ok, seen=seen, steps=steps)


def _dominated(explored, applied):
    """Did an explored dead end with the same :ok ops and value have a subset of these
    :info ops applied? Then it could do everything this configuration can (its unapplied
    ops of each kind come earlier), and it failed, so this one fails too."""
    if explored:
        for other in explored:
            if not other & ~applied:
                return True
    return False


def _keep_minimal(finished, key, applied):
    """Record an explored dead end, keeping only masks no other one is a subset of."""
    explored = finished.get(key)
    if explored is None:
        finished[key] = [applied]
        return
    if not applied:
        finished[key] = [0]
        return
    explored[:] = [other for other in explored if applied & ~other]
    explored.append(applied)
