"""Our checkers on a run's history, in Maelstrom's shapes, and the figures compared.

`explain` re-derives a folder's verdict with these; `oracle` holds them against every real
Maelstrom run. The figures are the part of a workload's result both must agree on, as
plain JSON.
"""

import math

from . import edn, store
from .run_folder import checker_module
from .checkers import common
from .values import Float32

UNKNOWN = edn.Keyword("unknown")

# The figures compared with Maelstrom's and printed by --json, per workload.
FIGURES = {
    "echo": ("valid?", "errors"),
    "unique-ids": ("valid?", "attempted-count", "acknowledged-count", "duplicated-count"),
    "broadcast": ("valid?", "lost-count", "stable-count", "stale-count", "never-read-count",
                  "attempt-count", "stable-latencies", "lost-latencies"),
    "g-counter": ("valid?", "final-reads", "acceptable"),
    "kafka": ("valid?", "error-types"),
    "txn-rw-register": ("valid?", "anomaly-types"),
    "lin-kv": ("valid?", "failures"),
    "g-set": ("valid?", "lost-count", "stable-count", "stale-count", "never-read-count",
              "attempt-count", "stable-latencies", "lost-latencies"),
    "pn-counter": ("valid?", "final-reads", "acceptable"),
    "txn-list-append": ("valid?", "anomaly-types"),
}
# Where a count is compared rather than the list itself.
COUNTED = {("echo", "errors")}


def recheck(history, opts, workload):
    """Our checkers on a history: {exceptions, stats, availability, workload} in
    Maelstrom's shapes (:net needs the message journal, which Maelstrom folders lack)."""
    client_ops = [op for op in history if op.get("process") != "nemesis"]
    checker = checker_module(workload)
    if checker is None:
        result = {"valid?": UNKNOWN, "error": {"cause": f"no checker for {workload!r} "
                                                         "in this checkout"}}
    else:
        try:
            result = checker.check(history, opts)
        except AssertionError as error:
            # In Maelstrom an assertion escapes every guard: the whole map becomes :unknown.
            result = {"valid?": UNKNOWN, "error": common.datafy_exception(error),
                      "whole-analysis": True}
        except Exception as error:   # a crashing checker is a verdict, as in check-safe
            result = {"valid?": UNKNOWN, "error": common.datafy_exception(error)}
    return {"exceptions": common.guard(common.exceptions, client_ops),
            "stats": common.guard(common.stats, client_ops),
            "availability": common.guard(common.availability, history,
                                         opts.get("availability")),
            "workload": result}


def figures(workload, result):
    """The figures of a workload result that Maelstrom's and ours must share, as JSON."""
    shown = {}
    for key in FIGURES.get(workload, ("valid?",)):
        if key not in result:
            continue
        value = result[key]
        if (workload, key) in COUNTED:
            value = len(value) if isinstance(value, (list, tuple, set, frozenset)) else value
        shown[key] = plain(value)
    return shown


def plain(value):
    """A result value as plain JSON (keywords as strings, quantile keys as strings)."""
    if isinstance(value, Float32):
        return float(value)
    return store.to_json(value)


def json_valid(valid):
    """A valid? value for JSON: true, false or "unknown" (None when absent)."""
    return valid if valid in (True, False, None) else str(valid)[:40]


def json_safe(value):
    """JSON the strict way: NaN and infinities (which EDN allows) become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------
