"""A builder of small kafka histories for the kafka checker's detail tests: ops in the
shape Maelstrom's history holds them (time in nanoseconds, integer processes)."""

SECOND = 10**9


class Hist:
    """Ops added one at a time; each op is one second after the last unless `at` (seconds)
    says when."""

    def __init__(self):
        self.ops = []

    def op(self, type_, process, f, value, at=None, **extra):
        """Append one op and return it."""
        if at is None:
            at = self.ops[-1]["time"] / SECOND + 1 if self.ops else 0
        op = {"index": len(self.ops), "time": int(at * SECOND), "type": type_,
              "process": process, "f": f, "value": value, **extra}
        self.ops.append(op)
        return op

    def send(self, process, key, msg, offset, type_="ok"):
        """A send's invocation and completion (acked at `offset` if :ok)."""
        self.op("invoke", process, "send", [["send", key, msg]])
        done = [["send", key, [offset, msg]]] if type_ == "ok" else [["send", key, msg]]
        return self.op(type_, process, "send", done)

    def poll(self, process, msgs, type_="ok"):
        """A poll's invocation and completion returning {key: [[offset, msg], ...]}."""
        self.op("invoke", process, "poll", [["poll"]])
        return self.op(type_, process, "poll", [["poll", msgs]])

    def assign(self, process, keys):
        """An assign's invocation and completion."""
        self.op("invoke", process, "assign", keys)
        return self.op("ok", process, "assign", keys)
