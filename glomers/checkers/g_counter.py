"""The g-counter and pn-counter workloads' checker (Maelstrom's pn-counter checker, spec
§6.4 and workloads-more §2; g-counter is pn-counter with negative deltas never drawn).

Only the final reads are judged. Every `:ok` add certainly happened; every `:info` add may or
may not have. So a final read is acceptable when it equals the sum of the `:ok` deltas plus
the deltas of some subset of the `:info` adds. Maelstrom keeps that set of integers as
disjoint ranges and reports them as inclusive `[lo hi]` pairs, lowest first.
"""

from glomers.checkers import evidence
from glomers.checkers.common import listing, node_of, seconds
from glomers.edn import dumps
from glomers.values import is_json_int


def check(history, opts=None):
    """Maelstrom's g-counter `:workload` result map for a history."""
    # What do the adds we know happened sum to?
    definite = sum(op["value"] for op in history if op.get("f") == "add"
                   and op.get("type") == "ok")
    # Each indeterminate add either happened or not: every subset sum is acceptable.
    acceptable = [[definite, definite]]
    for op in _indeterminate_adds(history):
        acceptable = _union(acceptable, [[lo + op["value"], hi + op["value"]]
                                         for lo, hi in acceptable])
    # Which final reads fall outside?
    reads = _final_reads(history)
    for op in reads:
        if not is_json_int(op.get("value")):
            # Maelstrom asserts the read is an integer; a failed assert crashes the checker.
            raise ValueError(f"final read is not an integer: {dumps(op, width=None)}")
    errors = tuple(op for op in reads if not _contains(acceptable, op["value"]))
    return {"valid?": not errors,
            "errors": errors or None,
            "final-reads": tuple(op["value"] for op in reads),
            "acceptable": tuple(acceptable)}


def _indeterminate_adds(history):
    """The `:info` add completions: adds that may or may not have happened."""
    return [op for op in history if op.get("f") == "add" and op.get("type") == "info"]


def _final_reads(history):
    """The `:ok` reads marked final, in history order."""
    return [op for op in history if op.get("final?") and op.get("type") == "ok"]


def _union(ranges, more):
    """Union of two lists of inclusive integer ranges, merged (adjacent ones too), sorted."""
    merged = []
    for lo, hi in sorted(ranges + more):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def _contains(ranges, value):
    """Is an integer inside one of the inclusive ranges?"""
    return any(lo <= value <= hi for lo, hi in ranges)


def explain(result, history, opts=None):
    """Plain-English lines: per node its final read against the acceptable range(s)."""
    opts = opts or {}
    acceptable = result.get("acceptable") or ()
    shown = ", ".join(f"{lo}..{hi}" for lo, hi in acceptable)
    verdict = "valid" if result.get("valid?") is True else "INVALID"
    name = opts.get("workload") or "g-counter"
    lines = [f"{name}: {verdict}. acceptable final value(s): {shown}."]
    invocations = {}
    for op in history:
        if op.get("type") == "invoke":
            invocations[op.get("process")] = op
        elif invocations.get(op.get("process"), {}).get("final?"):
            line = _final_read_line(op, acceptable, opts)
            kind = _final_read_kind(op, acceptable)
            if kind is None:
                lines.append(line)
            else:
                hinted = any(getattr(l, "kind", None) == kind for l in lines)
                lines.extend(([] if hinted else evidence.hint(kind))
                             + [evidence.case(kind, line, _who(op, opts))])
    maybe = _indeterminate_adds(history)
    if maybe:
        listed = listing(maybe, lambda op: f"{op['value']:+d} ({_who(op, opts)} at "
                                           f"{seconds(op['time'])})")
        lines.append(f"{len(maybe)} add(s) were indeterminate (timed out or failed; each "
                     f"may or may not count): {listed}.")
    else:
        lines.append("every add was acknowledged, so exactly one total is acceptable.")
    return lines


def _final_read_line(op, acceptable, opts):
    """'n1 read 1429 at 30.006 s; acceptable 1430..1430; 1 short' (or why it has no value)."""
    who = _who(op, opts)
    if op.get("type") != "ok":
        reason = op.get("error") or op.get("exception") or op.get("type")
        return f"{who}'s final read did not complete ({op['type']}: {reason}); not checked."
    value = op["value"]
    ranges = ", ".join(f"{lo}..{hi}" for lo, hi in acceptable)
    text = (f"{who} read {value} at {seconds(op['time'])} (op {op['index']}); "
            f"acceptable {ranges}; ")
    if _contains(acceptable, value):
        return text + "ok"
    # Name the distance to the nearest acceptable value, up or down.
    short, over = _distances(acceptable, value)
    if over is None or (short is not None and short <= over):
        return text + f"{short} short"
    return text + f"{over} over"


def _final_read_kind(op, acceptable):
    """The failure class of a final read: None when acceptable."""
    if op.get("type") != "ok":
        return "counter-incomplete"
    if not is_json_int(op.get("value")) or _contains(acceptable, op["value"]):
        return None
    short, over = _distances(acceptable, op["value"])
    return "counter-short" if over is None or (short is not None and short <= over) \
        else "counter-over"


def _distances(acceptable, value):
    """How far a value is below the nearest acceptable range above it, and above the
    nearest one below it (None where there is no such range)."""
    short = min((lo - value for lo, _ in acceptable if lo > value), default=None)
    over = min((value - hi for _, hi in acceptable if hi < value), default=None)
    return short, over


def _who(op, opts):
    """'n1' (or 'process 4' when the nodes are not known)."""
    return node_of(op.get("process"), opts) or f"process {op.get('process')}"

