"""The lin-kv workload's checker: every key a linearizable compare-and-set register
(spec workloads-more §3.4-3.8), as Maelstrom asks Jepsen's `independent` checker and
Knossos.

1. Split by key. Each op's value is a `[key value]` pair; linearizability is local, so the
   history is linearizable exactly when each key's ops, values unwrapped, are.
2. Per key, search for a linearization (checkers/linearizable.py) and report it the way
   Knossos's WGL analysis does: `{:valid? true, :model #knossos.model.CASRegister{...}}`,
   or the op that cannot be linearized with `:previous-ok` and `:final-paths` (each path:
   the op linearized last and the register's value, then the failing op and why the
   register refuses it), or, where the search runs out of budget (Knossos would run for
   hours), `{:valid? :unknown, :cause :timeout, :reason ...}`.
3. Combine: `{:valid? <false beats :unknown beats true>, :results {key ...}, :failures
   [keys whose :valid? is false]}` (an :unknown key is not a failure, as in Jepsen).

`explain` says in words which read or cas went wrong, what the register could have held
instead, and which acknowledged write came last before it.
"""

from glomers.edn import Keyword, Record
from glomers.values import clj_key, is_json_int

from . import evidence, linearizable
from .common import UNKNOWN, datafy_exception, listing, merge_valid, node_of, seconds

REGISTER = "knossos.model.CASRegister"
INCONSISTENT = "knossos.model.Inconsistent"
FINAL_PATHS = 10


def _is_pair(value):
    return isinstance(value, (list, tuple)) and len(value) == 2


def _client(op):
    process = op.get("process")
    return isinstance(process, int) and not isinstance(process, bool)


def history_keys(history):
    """Every key of a client op's [key value] pair, in Jepsen's sorted order."""
    keys = {}
    for op in history:
        if _client(op) and _is_pair(op.get("value")):
            keys.setdefault(clj_key(op["value"][0]), op["value"][0])
    return [keys[k] for k in sorted(keys, key=_key_order)]


def _key_order(key):
    """Integers first, in order; then anything else by its text."""
    return (0, key[1], "") if key[0] == "i" else (1, 0, repr(key))


def subhistory(history, key):
    """The client ops on `key`, values unwrapped, original indices kept."""
    wanted = clj_key(key)
    return [{**op, "value": op["value"][1]} for op in history
            if _client(op) and _is_pair(op.get("value"))
            and clj_key(op["value"][0]) == wanted]


def check(history, opts=None, budget=None):
    """Maelstrom's lin-kv `:workload` result map for a history."""
    opts = opts or {}
    budget = budget or opts.get("linearizability_budget") or linearizable.DEFAULT_BUDGET
    results = {}
    for key in history_keys(history):
        results[key] = check_key(subhistory(history, key), budget)
    return {"valid?": merge_valid(r["valid?"] for r in results.values()),
            "results": results,
            "failures": [key for key, r in results.items() if r["valid?"] is False]}


def check_key(ops, budget=linearizable.DEFAULT_BUDGET):
    """One key's `{:linearizable ..., :timeline ..., :valid? ...}` (a crash in the search
    becomes an :unknown result with the error, as Jepsen's check-safe does)."""
    try:
        result = linearizability(ops, budget)
    except Exception as error:        # a checker bug must not hide the other keys
        result = {"valid?": UNKNOWN, "error": datafy_exception(error)}
    return {"linearizable": result, "timeline": {"valid?": True},
            "valid?": merge_valid([result["valid?"], True])}


def linearizability(ops, budget=linearizable.DEFAULT_BUDGET):
    """Knossos's `:linearizable` map (WGL shape) for one key's ops."""
    outcome = linearizable.check(ops, budget)
    if outcome.valid is True:
        return {"valid?": True, "model": _register(outcome.state),
                "final-paths": (), "configs": ()}
    if outcome.valid is False:
        failing = knossos_op(outcome.op)
        paths = tuple([{"op": knossos_op(before), "model": _register(value)},
                       {"op": failing, "model": _inconsistent(outcome.op, value)}]
                      for value, before in outcome.seen[:FINAL_PATHS])
        return {"valid?": False, "op": failing,
                "previous-ok": knossos_op(outcome.previous_ok),
                "final-paths": paths, "configs": ()}
    return {"valid?": UNKNOWN, "cause": Keyword("timeout"), "reason": outcome.reason,
            "steps": outcome.steps, "final-paths": (), "configs": ()}


def knossos_op(op):
    """An op as Knossos prints it: a plain map, process first, the completion's index (the
    invocation's for an op that never completed), value unwrapped."""
    if op is None:
        return None
    source = op.completion if op.completion is not None else op.invocation
    rendered = Record("", process=source.get("process"), type=source.get("type"),
                      f=source.get("f"), value=op.value, index=source.get("index"),
                      time=source.get("time"))
    rendered.update((k, v) for k, v in source.items() if k not in rendered)
    return rendered


def _register(value):
    return Record(REGISTER, value=value)


def _inconsistent(op, value):
    """Knossos's message for a read or cas the register refuses."""
    if op.f == "read":
        msg = f"can't read {clj_str(op.value)} from register {clj_str(value)}"
    else:
        msg = (f"can't CAS {clj_str(value)} from {clj_str(op.value[0])} to "
               f"{clj_str(op.value[1])}")
    return Record(INCONSISTENT, msg=msg)


def clj_str(value):
    """Clojure's `str` of a JSON value: nil is empty, collections print as EDN."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    from glomers.edn import dumps
    return dumps(value, width=None)


# ---------------------------------------------------------------------------------------
# Plain words


def explain(result, history, opts=None):
    """Plain-English lines for a lin-kv result: per key its verdict; for a key that is not
    linearizable, the op that breaks it, what the register could have held, and which
    acknowledged write came last before it."""
    opts = opts or {}
    results = result.get("results") or {}
    if "error" in result:
        return [f"lin-kv: the checker could not run: {result['error']}"]
    counts = {True: 0, False: 0, "unknown": 0}
    for r in results.values():
        counts[_verdict_key(r.get("valid?"))] += 1
    verdict = {True: "valid", False: "INVALID"}.get(result.get("valid?"), "unknown")
    lines = [f"lin-kv: {verdict}. {len(results)} key(s): {counts[True]} linearizable, "
             f"{counts[False]} not, {counts['unknown']} undecided."]
    if not results:
        lines.append("no client op touched any key, so there was nothing to check.")
    hinted = set()
    for key, r in results.items():
        lin = r.get("linearizable") or {}
        label = f"key {_text(key)}"
        if lin.get("valid?") is False:
            first, *rest = explain_violation(key, lin, subhistory(history, key), opts)
            lines.extend(_hint_once("lin-kv", hinted)
                         + [evidence.case("lin-kv", first, label)] + rest)
        elif lin.get("valid?") is True:
            ops = subhistory(history, key)
            oks = sum(1 for op in ops if op.get("type") == "ok")
            infos = sum(1 for op in ops if op.get("type") == "info")
            lines.append(evidence.case(
                "lin-kv-valid", f"key {_text(key)}: linearizable ({oks} acknowledged op(s), "
                f"{infos} indeterminate); final value {_text(_model_value(lin))}.", label))
        elif "error" in lin:
            lines.append(f"key {_text(key)}: the search crashed: {_error_text(lin['error'])}")
        else:
            lines.extend(_hint_once("lin-kv-undecided", hinted) + [evidence.case(
                "lin-kv-undecided", f"key {_text(key)}: undecided: {lin.get('reason')}. "
                "Maelstrom's Knossos has no such limit and may search for hours (issue #92).",
                label)])
    return lines


def _hint_once(kind, hinted):
    """The hint of a failure class the first time it is asked for."""
    if kind in hinted:
        return []
    hinted.add(kind)
    return evidence.hint(kind)


def _verdict_key(valid):
    return valid if valid in (True, False) else "unknown"


def _model_value(lin):
    model = lin.get("model")
    return model.get("value") if isinstance(model, dict) else None


def _error_text(error):
    return error.get("cause") if isinstance(error, dict) else error


def _text(value):
    """A value in a sentence: nil for None, EDN for the rest."""
    if value is None:
        return "nil"
    if is_json_int(value):
        return str(value)
    from glomers.edn import dumps
    return dumps(value, width=None)


def _held(values):
    shown = [("nil (nothing written yet)" if v is None else _text(v)) for v in values]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _who(op, opts):
    node = node_of(op.get("process"), opts)
    return node if node else f"process {op.get('process')}"


def explain_violation(key, lin, ops, opts):
    """The sentences for one key that is not linearizable."""
    bad = lin["op"]
    by_index = {op["index"]: op for op in ops}
    completion = by_index.get(bad["index"], bad)
    invocation = _invocation_of(ops, completion)
    held = [path[0]["model"].get("value") for path in lin.get("final-paths") or ()]
    k = _text(key)
    if bad["f"] == "read":
        want = bad["value"]
        head = (f"key {k}: read of key {k} at {_who(completion, opts)} returned "
                f"{_text(want)} at {seconds(completion)}")
    else:
        want = bad["value"][0]
        head = (f"key {k}: cas of key {k} at {_who(completion, opts)} from "
                f"{_text(bad['value'][0])} to {_text(bad['value'][1])} succeeded at "
                f"{seconds(completion)}")
    begun = invocation["index"] if invocation else completion["index"]
    # The write to name is the last one acknowledged before the op began that left another
    # value: one that wrote the value wanted explains nothing (an op ordered after it must
    # have overwritten it, and the ops that could have written the value are listed).
    last = _last_acknowledged_write(ops, begun, other_than=want)
    if last is not None:
        head += (f", but {_text(_written(last))} had been written and acknowledged at "
                 f"{seconds(last)} ({_describe(last, ops, opts)})")
        since = _writers_of(ops, want, after=last["index"], before=completion["index"])
        if not since:
            head += f" and nothing wrote {_text(want)} after it"
    else:
        since = _writers_of(ops, want, after=-1, before=completion["index"])
        if _last_acknowledged_write(ops, begun) is None:
            head += ", the first acknowledged op on the key"
        else:
            head += f", and every write acknowledged before it had written {_text(want)}"
        if not since:
            head += f", and nothing had written {_text(want)}"
    lines = [head + "."]
    if held:
        lines.append(f"  at any point where it could take effect the register held "
                     f"{_held(held)}, never {_text(want)}.")
    if since:
        lines.append(f"  ops that could have written {_text(want)} in between, but cannot "
                     f"be ordered so that it does: "
                     + listing(since, lambda op: _describe(op, ops, opts), limit=4) + ".")
    failed = _failed_writers_of(ops, want, before=completion["index"])
    if failed:
        lines.append(f"  a write of {_text(want)} was refused with a definite error, which "
                     "promises it never happened, so it cannot explain this: "
                     + listing(failed, lambda op: _failed_text(op, opts), limit=3)
                     + ". (If the node applied it anyway, that is the bug.)")
    if invocation is not None:
        lines.append(f"  the {bad['f']} ran from {seconds(invocation)} to "
                     f"{seconds(completion)} (process {completion.get('process')}, ops "
                     f"{invocation['index']}-{completion['index']}).")
    if lin.get("previous-ok") is None:
        lines.append("  (no acknowledged op on this key could come first: Maelstrom's "
                     "Knossos 0.3.10 then fails to draw linear.svg, issue #92; the verdict "
                     "stands.)")
    return lines


def _invocation_of(ops, completion):
    """The invocation of a completion: the same process's previous invoke."""
    found = None
    for op in ops:
        if op is completion or op.get("index") == completion.get("index"):
            return found
        if op.get("process") == completion.get("process") and op.get("type") == "invoke":
            found = op
    return None


def _written(op):
    """The value a write or cas left in the register."""
    return op["value"] if op["f"] == "write" else op["value"][1]


_ANY = object()


def _last_acknowledged_write(ops, before, other_than=_ANY):
    """The write or cas acknowledged last before history position `before` (of those that
    left a value other than `other_than`, if given)."""
    last = None
    unwanted = clj_key(other_than) if other_than is not _ANY else None
    for op in ops:
        if op.get("index", 0) >= before:
            break
        if op.get("type") == "ok" and op.get("f") in ("write", "cas") \
                and (op["f"] == "write" or _is_pair(op.get("value"))) \
                and (unwanted is None or clj_key(_written(op)) != unwanted):
            last = op
    return last


def _writers_of(ops, value, after, before):
    """Completions of writes or cases that set `value`, not failed, that may have taken
    effect between positions `after` and `before`: invoked before `before`, and either
    acknowledged after `after` or indeterminate."""
    wanted = clj_key(value)
    invoked, found = {}, []
    for op in ops:
        if op.get("type") == "invoke":
            invoked[op.get("process")] = op
            continue
        start = invoked.pop(op.get("process"), None)
        if start is None or start["index"] >= before or op.get("type") == "fail":
            continue
        if op.get("f") not in ("write", "cas"):
            continue
        if op["f"] == "cas" and not _is_pair(op.get("value")):
            continue
        if clj_key(_written(op)) != wanted:
            continue
        if op.get("type") == "info" or op["index"] > after:
            found.append(op)
    return found


# A cas refused because the key was missing or held another value is the register working;
# only other definite refusals (e.g. "not the leader") may hide a write that happened.
_EXPECTED_REFUSALS = {"key-does-not-exist", "precondition-failed"}


def _failed_writers_of(ops, value, before):
    """:fail completions before position `before` of writes or cas ops setting `value`,
    cas ops refused for the register's own reasons excepted."""
    wanted = clj_key(value)
    found = []
    for op in ops:
        if op.get("type") != "fail" or op["index"] >= before:
            continue
        if op.get("f") == "cas" and (not _is_pair(op.get("value"))
                                     or _error_name(op) in _EXPECTED_REFUSALS):
            continue
        if op.get("f") in ("write", "cas") and clj_key(_written(op)) == wanted:
            found.append(op)
    return found


def _error_name(op):
    error = op.get("error")
    return str(error[0]) if isinstance(error, (list, tuple)) and error else error


def _failed_text(op, opts):
    name = _error_name(op)
    return (f"{op['f']} by {_who(op, opts)} failed at {seconds(op)}"
            + (f" ({name})" if name else ""))


def _describe(op, ops, opts):
    """'write of 5 by n2, process 7, 6.801-6.900 s' (or 'indeterminate from 6.8 s')."""
    start = _invocation_of(ops, op)
    what = (f"write of {_text(op['value'])}" if op["f"] == "write" else
            f"cas {_text(op['value'][0])}->{_text(op['value'][1])}")
    span = (f"{seconds(start)[:-2]}-{seconds(op)}" if start else seconds(op))
    if op.get("type") == "info":
        span = f"indeterminate, invoked at {seconds(start) if start else seconds(op)}"
    return f"{what} by {_who(op, opts)}, process {op.get('process')}, {span}"
