"""The composed checker: Maelstrom's seven named checks over one history (spec §7)."""

from .checkers import common
from .edn import Keyword as K


def analyze(history, opts, net_counts, workload):
    """Results map in Maelstrom's order: perf, timeline, exceptions, stats, availability,
    net, workload, and the merged valid?.

    A checker that raises gets {valid? :unknown, error ...} in its own slot, as Jepsen's
    check-safe does; an assertion failure (a JVM Error in Maelstrom, e.g. Elle's type-sanity
    check) escapes that guard, and the whole results map becomes {valid? :unknown, error ...}.
    """
    try:
        workload_result = workload.checker.check(history, opts)
    except AssertionError as error:
        return {"valid?": K("unknown"), "error": common.datafy_exception(error)}
    except Exception as error:
        workload_result = {"valid?": K("unknown"), "error": common.datafy_exception(error)}
    client_ops = [op for op in history if op["process"] != "nemesis"]
    return common.compose({
        "perf": common.perf(),
        "timeline": common.timeline(),
        "exceptions": common.guard(common.exceptions, client_ops),
        "stats": common.guard(common.stats, client_ops),
        "availability": common.guard(common.availability, history, opts.get("availability")),
        "net": common.guard(common.net, net_counts, history),
        "workload": workload_result,
    })
