"""Checker for the echo workload (spec §6.1): every definite reply must echo its request.

Invocations are paired with their completions per process, as knossos's `pairs` does:
an :ok or :fail completes the process's open invocation, while an :info completion stands
alone and leaves its invocation unpaired. So timeouts are forgiven, but a definite error
counts against the node: its value is the request string, which has no "echo" field.
"""

from glomers import edn
from glomers.checkers import evidence
from glomers.checkers.common import op_node, op_ref, seconds
from glomers.values import clj_equal, clj_key

EXPECTED = "Expected a message with :echo"
RECEIVED = "But received"


def pairs(history):
    """[invocation, completion] for every :ok/:fail completion, in completion order."""
    open_invocations = {}
    paired = []
    for op in history:
        kind = op.get("type")
        process = op.get("process")
        if kind == "invoke":
            if process in open_invocations:
                raise ValueError(f"process {process} invoked op {op.get('index')} while "
                                 f"op {open_invocations[process].get('index')} was open")
            open_invocations[process] = op
        elif kind in ("ok", "fail"):
            if process not in open_invocations:
                raise ValueError(f"op {op.get('index')} completes nothing: process "
                                 f"{process} had no open invocation")
            paired.append([open_invocations.pop(process), op])
    return paired


def _echoed(completion):
    """The completion's "echo" field; None when its value is not a reply body."""
    value = completion.get("value")
    return value.get("echo") if isinstance(value, dict) else None


def check(history, opts=None):
    """{valid?, errors}: one error per paired reply whose echo differs from the request."""
    errors = tuple(
        [EXPECTED, invocation.get("value"), RECEIVED, completion.get("value")]
        for invocation, completion in pairs(history)
        if not clj_equal(invocation.get("value"), _echoed(completion)))
    return {"valid?": not errors, "errors": errors}


def explain(result, history, opts=None):
    """One plain-English line per echo error: which reply, from where, and what it held."""
    if "error" in result:
        return [f"the echo checker could not run: {result['error'].get('cause')}"]
    lines = evidence.hint("echo") if result.get("errors") else []
    completions = {}
    for invocation, completion in pairs(history):
        completions.setdefault(_key(invocation, completion), []).append(
            (invocation, completion))
    for _, sent, _, received in result.get("errors", ()):
        found = completions.get(_key({"value": sent}, {"value": received}))
        invocation, completion = found.pop(0) if found else ({}, {})
        node = op_node(completion, opts) or "the node"
        who = f"process {completion.get('process')}" if completion else "a client"
        when = f" at {seconds(completion)}" if completion else ""
        label = f"op {completion.get('index')}" if completion else None
        if completion.get("type") == "fail":
            lines.append(evidence.case("echo", f"{node} answered {who}{when} with an error "
                         f"{edn.dumps(completion.get('error'), width=None)} instead of "
                         f"echoing {edn.dumps(sent, width=None)} ({op_ref(completion, opts)}"
                         "); a definite error counts as a wrong echo", label))
        elif isinstance(received, dict) and "echo" in received:
            lines.append(evidence.case(
                "echo", f"echo reply from {node}{when} to {who} carried "
                f"{edn.dumps(received['echo'], width=None)}, expected "
                f"{edn.dumps(sent, width=None)}"
                + (f" ({op_ref(completion, opts)})" if completion else ""), label))
        else:
            lines.append(evidence.case(
                "echo", f"reply from {node}{when} to {who} had no echo field: "
                f"{edn.dumps(received, width=None)}, expected {edn.dumps(sent, width=None)}"
                + (f" ({op_ref(completion, opts)})" if completion else ""), label))
    return lines


def _key(invocation, completion):
    """Find an error's ops again: errors carry values, not indices."""
    try:
        return clj_key(invocation.get("value")), clj_key(completion.get("value"))
    except TypeError:
        return repr(invocation.get("value")), repr(completion.get("value"))
