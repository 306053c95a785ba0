"""The composed checker: Maelstrom's seven named checks over one history (spec §7)."""

from .checkers import common


def analyze(history, opts, net_counts, workload):
    """Results map in Maelstrom's order: perf, timeline, exceptions, stats, availability,
    net, workload, and the merged valid?."""
    client_ops = [op for op in history if op["process"] != "nemesis"]
    return common.compose({
        "perf": common.perf(),
        "timeline": common.timeline(),
        "exceptions": common.guard(common.exceptions, client_ops),
        "stats": common.guard(common.stats, client_ops),
        "availability": common.guard(common.availability, history, opts.get("availability")),
        "net": common.guard(common.net, net_counts, history),
        "workload": common.guard(workload.checker.check, history, opts),
    })
