"""A builder of small hand-written kafka histories for the checker's detail tests."""

from glomers.checkers import kafka

OPTS = {"nodes": ["n0", "n1"], "concurrency": 4}


SECOND = 10**9


class H:
    """Builds a history in the shape Maelstrom's holds it (time in nanoseconds, integer
    processes): each call adds an invocation and its completion, each op one second after
    the last unless `at` (seconds) says when."""

    def __init__(self):
        self.ops = []

    def op(self, type_, process, f, value, at=None, **extra):
        """Appends one op and returns it."""
        if at is None:
            at = self.ops[-1]["time"] / SECOND + 1 if self.ops else 0
        op = {"index": len(self.ops), "time": int(at * SECOND), "type": type_,
              "process": process, "f": f, "value": value, **extra}
        self.ops.append(op)
        return op

    def send(self, process, key, msg, offset, type_="ok"):
        """A send of msg to key, acknowledged at offset when type_ is ok."""
        self.op("invoke", process, "send", [["send", key, msg]])
        done = [["send", key, [offset, msg]]] if type_ == "ok" else [["send", key, msg]]
        return self.op(type_, process, "send", done)

    def poll(self, process, msgs, type_="ok", **extra):
        """A poll that returned msgs ({key: [[offset, msg], ...]})."""
        self.op("invoke", process, "poll", [["poll"]])
        return self.op(type_, process, "poll", [["poll", msgs]], **extra)

    def txn(self, process, invoked, done, type_="ok"):
        """A multi-micro-op txn (invocation and completion values given)."""
        self.op("invoke", process, "txn", invoked)
        return self.op(type_, process, "txn", done)

    def assign(self, process, keys, type_="ok", f="assign"):
        """An assign (or subscribe) of keys completing with type_."""
        self.op("invoke", process, f, keys)
        return self.op(type_, process, f, keys)


def check(h):
    """The kafka checker's result for a built history."""
    return kafka.check(h.ops, OPTS)


def explain(h, result=None):
    """The kafka checker's plain-English lines for a built history."""
    return kafka.explain(result if result is not None else check(h), h.ops, OPTS)
