"""The kafka workload (challenges 5a-5c): send / poll / assign / crash ops and the final polls.

Spec §6.5, as Maelstrom 0.2.4 runs Jepsen 0.3.7's kafka test (no transactions, clients
crashed now and then, subscription by `assign` only):

- The base stream is Elle's list-append generator with one micro-op per op: a read or a write
  (50/50) on a key drawn from a pool of `key_count` slots with an exponential distribution;
  each key takes values 1, 2, 3, ... and after `max_writes_per_key` of them its slot gets a
  fresh key. Writes become `send`s, reads become `poll`s (the key is dropped).
- With probability 1/64 an op is replaced by an `assign` of its key (the op comes back
  later); 1/8 with `--kafka-generator 0.3.1`, as Jepsen 0.3.1 (Maelstrom 0.2.2 and 0.2.3)
  did, for comparisons with runs of those versions. With probability 1/3 such an assign
  also takes every key with acknowledged but not yet polled sends, and records them under
  `:unseen`.
- A crash stream rides alongside, one `crash` every U[0, 60/C) s, the first at the start.
- Keys are strings in the ops; the generator keeps them as integers internally.
- Final phase, per thread: crash, assign every key ever touched by an :ok op (integers,
  ascending, as Maelstrom records them) with seek-to-beginning, then polls every U[0, 0.4) s
  until this thread has polled up to every key's highest offset; clipped to 10 s.
"""

import weakref

from ..checkers import kafka as checker
from ..client import json_int, validate
from ..edn import Keyword as K
from .key_pool import DEFAULT_KEY_COUNT, KeyPool

NAME = "kafka"
IDEMPOTENT = frozenset({"assign"})
REUSABLE_CLIENT = False
FINAL_PHASE = True
FINAL_TIME_LIMIT = 10

# Jepsen version -> probability that an op is replaced by an assign. Maelstrom 0.2.4 pins
# Jepsen 0.3.7; runs of Maelstrom 0.2.2/0.2.3 (Jepsen 0.3.1) show about 1 op in 8 assigning.
ASSIGN_P = {"0.3.7": 1 / 64, "0.3.1": 1 / 8}
DEFAULT_GENERATOR = "0.3.7"
UNSEEN_P = 1 / 3
CRASH_INTERVAL = 30            # seconds, divided by the concurrency
FINAL_POLL_GAP = 0.4           # final polls are U[0, 0.4) s apart
POLL_MS = 1000

# Shared keyword instances (keywords are immutable): building one per op showed in profiles.
_OK, _INFO, _SEND, _POLL = K("ok"), K("info"), K("send"), K("poll")


def generator_words(opts):
    """Which Jepsen version's generator a run's options say it followed, in words."""
    version = opts.get("kafka_generator") or DEFAULT_GENERATOR
    share = round(1 / ASSIGN_P[version]) if version in ASSIGN_P else None
    if share is None:
        return f"an unknown generator {version!r}"
    return f"Jepsen {version}'s generator (1 op in {share} an assign)"


# -- generator ------------------------------------------------------------------------------

def _int_key(key):
    """A key as the generator tracks it: an int (Jepsen's parse-long), or as is if not one."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _key_order(item):
    """Sort (key, value) pairs: integer keys ascending, then any non-integer keys."""
    return (isinstance(item[0], str), item[0])


def max_offsets(op, kinds=("send", "poll")):
    """Jepsen's op->max-offsets: key (int) -> highest offset an :ok op sent or polled.

    `kinds` picks the send micro-ops, the poll micro-ops or both. A polled key with no
    pairs counts as -1, so it is still "touched".
    """
    offsets = {}
    _offsets_into(op, offsets if "send" in kinds else {}, offsets if "poll" in kinds else {})
    return offsets


def _sent_and_polled(op):
    """(max_offsets(op, ("send",)), max_offsets(op, ("poll",))) in one walk of op's value:
    the generator needs both after every :ok op."""
    sent, polled = {}, {}
    _offsets_into(op, sent, polled)
    return sent, polled


def _offsets_into(op, sent, polled):
    """One walk of an :ok send or poll op's micro-ops: each key's highest offset sent goes
    into `sent`, polled into `polled` (the same dict for both: max_offsets of both kinds)."""
    if op.get("type") != "ok" or op.get("f") not in ("send", "poll"):
        return
    for mop in op.get("value") or ():
        kind = mop[0]
        if kind == "send":
            if isinstance(mop[2], list) and mop[2][0] is not None:
                key = _int_key(mop[1])
                sent[key] = max(sent.get(key, 0), mop[2][0])
        elif kind == "poll" and len(mop) > 1:
            for key, pairs in (mop[1] or {}).items():
                key = _int_key(key)
                high = max((p[0] for p in pairs if p[0] is not None), default=-1)
                polled[key] = max(polled.get(key, -1), high)


class Generator:
    """The main-phase op stream (see the module docstring)."""

    def __init__(self, opts, rng):
        self.rng = rng
        self.pool = KeyPool(rng, opts.get("key_count") or DEFAULT_KEY_COUNT,
                            opts.get("max_writes_per_key") or 16)
        self.crash_gap = 2 * CRASH_INTERVAL / opts["concurrency"]
        self.held = None          # a base op displaced by an assign, offered again next
        self.sent = {}            # key -> highest offset sent and not yet polled
        self.polled = {}          # key -> highest offset polled, for keys still in `sent`
        self.crash_due = None     # when the next crash may go; None: at the first call
        self.assign_p = ASSIGN_P[opts.get("kafka_generator") or DEFAULT_GENERATOR]

    def next(self, ctx):
        now = ctx.net.loop.time()
        if self.crash_due is None or self.crash_due <= now:
            self.crash_due = now + self.rng.random() * self.crash_gap
            return {"f": "crash", "value": None}
        if self.held is None:
            self.held = self._base_op()
        f, key, value = self.held
        if self.rng.random() < self.assign_p:
            return self._assign(key)
        self.held = None
        if f == "w":
            return {"f": "send", "value": [[_SEND, str(key), value]]}
        return {"f": "poll", "value": [[_POLL]]}

    def _base_op(self):
        """Elle's wr-txns with one micro-op: (f, key, value); a spent key gets a fresh one."""
        while True:
            f = "r" if self.rng.random() < 0.5 else "w"
            key = self.pool.key()
            if f == "r":
                return f, key, None
            if self.pool.exhausted(key):
                self.pool.retire(key)
                continue
            return f, key, self.pool.take_value(key)

    def _assign(self, key):
        keys = [key]
        op = {"f": "assign"}
        if self.rng.random() < UNSEEN_P and self.sent:
            keys += [k for k in self.sent if k != key]
            op["unseen"] = {k: {"polled": self.polled.get(k, -1), "sent": s}
                            for k, s in sorted(self.sent.items(), key=_key_order)}
        op["value"] = [str(k) for k in keys]
        return op

    def update(self, completion):
        """Track sent-but-unpolled offsets from :ok completions (Jepsen's PollUnseen)."""
        if completion.get("type") != "ok":
            return
        sends, polls = _sent_and_polled(completion)
        if not sends and not polls:
            return
        sent, polled = self.sent, self.polled
        touched = []
        for key, offset in sends.items():
            sent[key] = max(sent.get(key, -1), offset)
            touched.append(key)
        for key, offset in polls.items():
            polled[key] = max(polled.get(key, -1), offset)
            touched.append(key)
        # Only the keys this completion touched can have caught up: every other key was
        # checked when it last changed.
        for key in touched:
            if polled.get(key, -1) >= sent.get(key, -1):
                sent.pop(key, None)
                polled.pop(key, None)


generator = Generator


# -- final phase ----------------------------------------------------------------------------

_targets = weakref.WeakKeyDictionary()     # interpreter -> its one snapshot of the targets


def target_offsets(history):
    """Key (int) -> highest offset of any :ok send or poll in the history."""
    targets = {}
    for op in history:
        for key, offset in max_offsets(op).items():
            targets[key] = max(targets.get(key, -1), offset)
    return dict(sorted(targets.items(), key=_key_order))


def _last_completion(history, thread, concurrency):
    for op in reversed(history):
        process = op.get("process")
        if isinstance(process, int) and process % concurrency == thread \
                and op.get("type") != "invoke":
            return op
    return None


def final_ops(ctx, thread):
    """Crash, assign every key from the start, then poll until this thread has caught up."""
    if ctx not in _targets:       # one snapshot for all threads, taken as the phase begins
        _targets[ctx] = target_offsets(ctx.history)
    snapshot = _targets[ctx]
    remaining = dict(snapshot)
    if not remaining:
        return
    concurrency = ctx.opts["concurrency"]
    loop = ctx.net.loop
    rng = ctx.test.rng(f"final-polls/{thread}")
    yield {"f": "crash", "value": None}
    yield {"f": "assign", "value": list(snapshot), "seek-to-beginning?": True}
    # Polls are staggered: each is due U[0, 0.4) s after the previous one was due, or at
    # once if that moment has passed. (Jepsen would restart crash-assign-poll after 10000 s;
    # the 10 s clip always comes first.)
    due = loop.time()
    while remaining:
        now = loop.time()
        due = max(due, now)
        yield {"f": "poll", "value": [[K("poll")]], "poll-ms": POLL_MS, "_sleep": due - now}
        due += rng.random() * FINAL_POLL_GAP
        done = _last_completion(ctx.history, thread, concurrency)
        for key, seen in max_offsets(done or {}).items():
            if remaining.get(key, -1) <= seen:
                remaining.pop(key, None)


# -- client ---------------------------------------------------------------------------------

_positions = weakref.WeakKeyDictionary()   # connection -> key -> next offset to poll


def _offset_map(value):
    return isinstance(value, dict) and all(json_int(v) for v in value.values())


def _pairs_map(value):
    return isinstance(value, dict) and all(
        isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 and json_int(p[0])
                                        for p in pairs)
        for pairs in value.values())


async def invoke(conn, op, opts):
    """Run one op on this connection's client, as Maelstrom's kafka client does."""
    # get, then set when missing: WeakKeyDictionary.setdefault makes a callback weakref
    # on every call.
    positions = _positions.get(conn)
    if positions is None:
        positions = _positions[conn] = {}
    f = op["f"]
    if f == "crash":
        return {**op, "type": _INFO}
    if f == "assign":
        keys = [str(k) for k in op["value"]]
        if op.get("seek-to-beginning?"):
            fresh = {k: 0 for k in keys}
        else:
            reply = await conn.rpc({"type": "list_committed_offsets", "keys": keys})
            validate(reply, "list_committed_offsets_ok", {"offsets": _offset_map})
            committed = reply["offsets"]
            fresh = {k: positions[k] if k in positions else committed.get(k, 0) for k in keys}
        positions.clear()
        positions.update(fresh)
        return {**op, "type": _OK}
    if f == "send":
        [[_, key, msg]] = op["value"]
        reply = await conn.rpc({"type": "send", "key": key, "msg": msg})
        validate(reply, "send_ok", {"offset": json_int})
        return {**op, "type": _OK, "value": [[_SEND, key, [reply["offset"], msg]]]}
    reply = await conn.rpc({"type": "poll", "offsets": dict(positions)})
    validate(reply, "poll_ok", {"msgs": _pairs_map})
    msgs = reply["msgs"]
    highest = {}
    for key, pairs in msgs.items():
        if pairs:
            top = highest[key] = max([p[0] for p in pairs])
            positions[key] = max(positions.get(key, 0), top + 1)
        else:
            positions[key] = max(positions.get(key, 0), 0)
    if highest:
        # Committing the highest offset polled, not +1; a failure here fails the whole op.
        reply = await conn.rpc({"type": "commit_offsets", "offsets": highest})
        validate(reply, "commit_offsets_ok", {})
    return {**op, "type": _OK, "value": [[_POLL, msgs]]}
