"""How a run fails, as names a shrunk run must keep: "fails the same way" means the same
checker reports the same kind of failure.

Each name says which check failed and how, read from the results map:

| check        | names                                                                   |
|--------------|-------------------------------------------------------------------------|
| set-full     | `set-full :lost` (broadcast, g-set: an element read once, then gone)     |
| counter      | `counter: wrong final read` (g-counter, pn-counter)                      |
| unique-ids   | `unique-ids: duplicate ids`                                              |
| kafka        | `kafka :<error type>` per bad error type (`kafka :lost-write`, ...)      |
| Elle         | `Elle <anomaly>` per anomaly type (`Elle G1c`, `Elle G-single`, ...)     |
| lin-kv       | `lin-kv: not linearizable`                                               |
| echo         | `echo: wrong reply`                                                      |
| stats        | `stats: no <f> ever ok`                                                  |
| availability | `availability: below target`                                             |
| any workload | `<workload>: invalid` for a checker whose result shape is none above     |
| the nodes    | `node crash` (a node exited or could not be restarted)                   |

An unknown verdict (a checker that could not decide) is no failure: a run that is only
unknown has nothing to keep, since fewer ops make any checker undecided sooner or later.

The results shapes are recognised by their keys, not by workload name, so a workload added
later that reuses a checker is covered; one with a checker of its own gets the generic names.
"""

from .checkers.common import STATS_EXEMPT_F

CRASH = "node crash"


def names(results, workload_name="workload", problems=()):
    """Every failure name of a run, workload check first; [] for a valid run."""
    found = []
    results = results or {}
    workload = results.get("workload")
    if isinstance(workload, dict) and workload.get("valid?") is False:
        found.extend(_workload_names(workload, workload_name))
    stats = results.get("stats")
    if isinstance(stats, dict) and stats.get("valid?") is False:
        for f, counts in (stats.get("by-f") or {}).items():
            if isinstance(counts, dict) and counts.get("valid?") is False \
                    and str(f) not in STATS_EXEMPT_F:
                found.append(f"stats: no {f} ever ok")
    availability = results.get("availability")
    if isinstance(availability, dict) and availability.get("valid?") is False:
        found.append("availability: below target")
    if any(getattr(p, "kind", None) == "crash" for p in problems):
        found.append(CRASH)
    return found


def _workload_names(result, workload_name):
    name = _checker_name(result, workload_name)
    if "lost-count" in result:
        return ["set-full :lost"] if result.get("lost-count") else ["set-full: invalid"]
    if "final-reads" in result:
        return ["counter: wrong final read"]
    if "duplicated-count" in result:
        return ["unique-ids: duplicate ids"]
    if "bad-error-types" in result:
        return [f"kafka :{t}" for t in result.get("bad-error-types") or ()] or ["kafka: invalid"]
    if "anomaly-types" in result:
        return [f"Elle {t}" for t in result.get("anomaly-types") or ()] or ["Elle: invalid"]
    if "failures" in result:
        return ["lin-kv: not linearizable"]
    if "errors" in result:
        return ["echo: wrong reply"]
    return [f"{name}: invalid"]


_CHECKER_KEYS = (("lost-count", "set-full"), ("final-reads", "counter"),
                 ("duplicated-count", "unique-ids"), ("bad-error-types", "kafka"),
                 ("anomaly-types", "Elle"), ("failures", "lin-kv"), ("errors", "echo"))


def _checker_name(result, workload_name):
    """The checker a result map comes from, by its keys; else the workload's name."""
    return next((name for key, name in _CHECKER_KEYS if key in result), workload_name)


def describe(names_found):
    """The names as one phrase: "set-full :lost" or "Elle G1c and Elle G-single"."""
    return " and ".join(names_found) if names_found else "valid"
