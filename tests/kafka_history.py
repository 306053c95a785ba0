"""A builder of small hand-written kafka histories for the checker's detail tests."""

from glomers.checkers import kafka

OPTS = {"nodes": ["n0", "n1"], "concurrency": 4}


class H:
    """Builds a history: each call adds an invocation and its completion, 1 s apart
    (`begin` / `end` split an op in two so ops can overlap)."""

    def __init__(self):
        self.ops = []

    def op(self, type_, process, f, value, **extra):
        """Appends one op (index and time from its position) and returns it."""
        op = {"index": len(self.ops), "time": len(self.ops) * 10**9, "type": type_,
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
