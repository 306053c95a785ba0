"""Checker for the unique-ids workload (spec §6.2): no id may be acknowledged twice.

Ids are counted with Clojure equality (1, 1.0 and "1" are three ids) and ordered with
Clojure's `compare`, which only orders ids of one kind: numbers with numbers, strings with
strings, vectors with vectors (shorter first). A mix makes `compare` throw, exactly as it
does in Maelstrom, where the result then becomes {valid? :unknown}.
"""

from functools import cmp_to_key

from glomers import edn
from glomers.checkers import evidence
from glomers.checkers.common import op_ref
from glomers.values import clj_key

DUPLICATES_SHOWN = 48


def _utf16(text):
    # Java orders strings by UTF-16 code units, which differs from code points above U+FFFF.
    return text.encode("utf-16-be", "surrogatepass")


def _kind(value):
    if value is True or value is False:
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "vector"
    return type(value).__name__


def clj_compare(a, b):
    """Clojure's `compare` on JSON values: -1, 0 or 1; TypeError where Clojure would throw."""
    if a is None or b is None:
        return 0 if a is b else (-1 if a is None else 1)
    kind_a, kind_b = _kind(a), _kind(b)
    if kind_a != kind_b or kind_a not in ("boolean", "number", "string", "vector"):
        raise TypeError(f"cannot compare {kind_a} {edn.dumps(a, width=None)} with "
                        f"{kind_b} {edn.dumps(b, width=None)}")
    if kind_a == "vector":
        if len(a) != len(b):
            return -1 if len(a) < len(b) else 1
        for x, y in zip(a, b):
            order = clj_compare(x, y)
            if order:
                return order
        return 0
    if kind_a == "string":
        a, b = _utf16(a), _utf16(b)
    return (a > b) - (a < b)


def _range(ids):
    """[smallest largest] by compare, skipping nils; a later id wins a tie, as in tesser."""
    low = high = None
    for value in ids:
        if value is None:
            continue
        if low is None or clj_compare(value, low) <= 0:
            low = value
        if high is None or clj_compare(value, high) >= 0:
            high = value
    return [low, high]


def _sorted_map(pairs):
    """(id, count) pairs as a Clojure sorted map: ordered by compare, compare-equal ids
    merged (first id kept, last count wins)."""
    ordered = sorted(pairs, key=cmp_to_key(lambda x, y: clj_compare(x[0], y[0])))
    merged = []
    for value, count in ordered:
        if merged and clj_compare(merged[-1][0], value) == 0:
            merged[-1] = (merged[-1][0], count)
        else:
            merged.append((value, count))
    return merged


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _acknowledged(history):
    """(count, first id seen, ops) per distinct acknowledged id, keyed by clj_key."""
    seen = {}
    for op in history:
        if op.get("f") == "generate" and op.get("type") == "ok":
            key = clj_key(op.get("value"))
            entry = seen.setdefault(key, [0, op.get("value"), []])
            entry[0] += 1
            entry[2].append(op)
    return seen


def check(history, opts=None):
    """{valid? attempted-count acknowledged-count duplicated-count duplicated range}."""
    generates = [op for op in history if op.get("f") == "generate"]
    # Which ids came back more than once (Clojure equality)?
    seen = _acknowledged(generates)
    duplicates = _sorted_map((value, count) for count, value, _ in seen.values() if count > 1)
    # Show at most 48 of them, the most repeated (ties: the greatest ids), sorted by id.
    shown = sorted(range(len(duplicates)), key=lambda i: (duplicates[i][1], i))
    shown = sorted(shown[::-1][:DUPLICATES_SHOWN])
    acks = [op.get("value") for op in generates if op.get("type") == "ok"]
    # First, as Maelstrom's compare fails first: ids that are objects cannot be ordered
    # (and, duplicated, could not key the map below).
    id_range = _range(acks)
    return {
        "valid?": not duplicates,
        "attempted-count": sum(1 for op in generates if op.get("type") == "invoke"),
        "acknowledged-count": len(acks),
        "duplicated-count": len(duplicates),
        "duplicated": edn.StringMap((_hashable(duplicates[i][0]), duplicates[i][1])
                                    for i in shown),
        "range": id_range,
    }


def explain(result, history, opts=None):
    """Plain-English lines: each duplicated id, how often, and which ops/nodes returned it."""
    if "error" in result:
        return [f"the unique-ids checker could not order the ids: "
                f"{result['error'].get('cause')}; Maelstrom needs ids of one kind (all "
                "numbers, all strings, or all vectors) and reports :unknown otherwise"]
    lines = []
    acked = result.get("acknowledged-count", 0)
    attempted = result.get("attempted-count", 0)
    if attempted and not acked:
        lines.append(f"none of the {attempted} generate requests got an ok reply")
    if result.get("valid?") is not False:
        return lines
    seen = _acknowledged(history)
    total = result.get("duplicated-count", 0)
    lines.append(f"{total} id(s) were handed out more than once")
    lines.extend(evidence.hint("duplicate-id"))
    for value, count in result.get("duplicated", {}).items():
        value = list(value) if isinstance(value, tuple) else value
        entry = seen.get(clj_key(value))
        ops = entry[2] if entry else []
        shown = edn.dumps(value, width=None)
        lines.append(evidence.case("duplicate-id", f"id {shown} was returned {count} times:",
                                   shown))
        for op in ops[:5]:
            lines.append(f"  {op_ref(op, opts)}")
        if len(ops) > 5:
            lines.append(f"  ... and {len(ops) - 5} more")
    if total > len(result.get("duplicated", {})):
        lines.append(f"(Maelstrom lists only the {DUPLICATES_SHOWN} most repeated ids of the "
                     f"{total}; history.edn holds every generate)")
    return lines
