"""The shape of an explanation, so the console can keep a failing run to one screen, and
one line per failure class on what usually causes it and what to try.

A checker's explain() returns lines. The first line of each *case* (one lost value, one
duplicated id, one anomaly, one bad final read) is a `Case` carrying its failure class (its
`kind`); the lines after it that start with two spaces are that case's details. Before the
first case of a class the checker puts `hint(kind)`. The console (report.one_screen) shows
the first few cases of each class in full and counts the rest; `explain` prints them all.
When a checker itself lists only some cases, its `More` line counts the others.
Both are plain `str`s, so code that only prints lines needs to know nothing of this.
"""

# kind -> (what a case is called when counting the ones not shown, the hint)
CLASSES = {
    # broadcast and g-set (set-full)
    "lost": ("lost values", "values a node acknowledged never reached the others: forward "
             "each new value to the other nodes, and resend it until they acknowledge it "
             "(a partition drops messages)"),
    "missing-final": ("values missing from final reads", "the cause of lost values "
                      "(Maelstrom misses these only because the last read to begin was on a "
                      "node that had them): forward every value, resend until acknowledged"),
    "stale": ("stale values", None),
    # echo
    "echo": ("wrong echoes", 'answer each echo with {"type": "echo_ok", "echo": <the '
             "request's echo, unchanged>}; an error reply counts as a wrong echo (the "
             "node's log in node-logs/ has any traceback)"),
    # unique-ids
    "duplicate-id": ("duplicated ids", "ids must never repeat across nodes, requests or "
                     "restarts: build each from the node's id plus a counter (and a part "
                     "that differs per life of the node), not from the clock or random "
                     "numbers alone"),
    # g-counter and pn-counter
    "counter-short": ("final reads too low", "acknowledged adds are missing from the "
                      "final value: store each add durably (seq-kv) before answering "
                      "add_ok, and make a read see every node's adds; a seq-kv read may be "
                      "stale, so write before reading to catch up"),
    "counter-over": ("final reads too high", "the final value exceeds every possible sum "
                     "of the adds: an add was applied twice (a retried write or "
                     "compare-and-set), or a negative delta was dropped; keep a per-node "
                     "total and overwrite it rather than adding again"),
    "counter-incomplete": ("final reads that did not complete", "a final read timed out "
                           "or failed: after the test's quiet period every read must be "
                           "answered, so retry service calls that time out"),
    # kafka
    "kafka-lost": ("lost or unseen messages", "acknowledged sends never came back from "
                   "any poll: answer send_ok only after the message is stored where every "
                   "node's polls will find it (its key's single owner, or a lin-kv log)"),
    "kafka-skip": ("skips", "a poll jumped over offsets it had not returned: return a key's "
                   "messages from the requested offset on, with no gaps, and never serve a "
                   "poll from a copy with holes in it"),
    "kafka-order": ("offsets going backwards", "a key's offsets must strictly increase in "
                    "the order the log holds them: assign them in one place (the key's "
                    "owner, or a compare-and-set on lin-kv) and never reuse one"),
    "kafka-duplicate": ("duplicated messages", "one message sits at two offsets: a retried "
                        "send appended it twice; do not retry a send whose outcome is "
                        "unknown, or make the append idempotent"),
    "kafka-offsets": ("offsets holding two messages", "two different messages got the same "
                      "offset of a key: allocate offsets with a compare-and-set on lin-kv, "
                      "or at a single owner per key"),
    "kafka-cycle": ("contradictory orders", "consumers saw a key's messages in orders that "
                    "contradict each other or real time: every node must serve one agreed "
                    "log per key"),
    "kafka-empty": ("empty graphs", "no send or poll completed ok, so no order between "
                    "them could be checked: make requests succeed first (see stats above)"),
    # txn-rw-register and txn-list-append (Elle's anomaly families), in the order shown:
    # direct evidence (one transaction, one key) before cycles, cycles by strength
    "txn-internal": ("internal inconsistencies", "a transaction did not read its own "
                     "earlier write: reads inside a transaction must see its own writes"),
    "txn-order": ("incompatible version orders", "nodes hold a key's versions in orders "
                  "that cannot be merged: apply appends to a key in one agreed order"),
    "txn-G1a": ("aborted reads", "a read saw a write of a transaction that failed: a "
                "transaction answered with an error must leave no trace on any node"),
    "txn-G1b": ("intermediate reads", "a read saw a value its transaction later overwrote: "
                "replicate only each transaction's final write per key"),
    "txn-G0": ("write cycles", "nodes applied two transactions' writes in different orders: "
               "apply each transaction's writes together, in one order every node agrees "
               "on (e.g. timestamps with the node id breaking ties)"),
    "txn-G1c": ("circular information flow", "transactions saw each other's effects both "
                "ways round: apply other nodes' transactions whole and in one order, never "
                "half of one"),
    "txn-lost-update": ("lost updates", "two transactions read the same value and both "
                        "wrote over it: check the value has not changed before committing"),
    "txn-G2": ("anti-dependency cycles", "concurrent transactions each missed the other's "
               "writes, which the chosen model forbids: check every read against the "
               "writes that committed before it (a stronger design: one leader)"),
    "txn-empty": ("empty graphs", "no transaction completed ok, so nothing could be "
                  "checked: make txn requests succeed first (see stats above)"),
    "txn-other": ("anomalies", "see the transactions named: the edges between them say "
                  "which orders contradict"),
    # lin-kv
    "lin-kv": ("keys not linearizable", "a read or cas saw a state no single order of the "
               "acknowledged ops allows: serve each key from one place in one order (a "
               "leader with a replicated log), never from a node's own possibly stale copy"),
    "lin-kv-valid": ("linearizable keys", None),
    "lin-kv-undecided": ("undecided keys", "the search for an order ran out of budget: "
                         "raise --linearizability-budget, or use fewer concurrent clients "
                         "per key"),
    # the common checks
    "stats": ("operation kinds that never succeeded", "compare the reply's type (<f>_ok) "
              "and fields with docs/protocol.md, and look for errors in node-logs/"),
    "availability": ("failed or indeterminate kinds", "requests failed or timed out "
                     "where the test requires them to succeed: during a partition, answer "
                     "from what the node has instead of waiting on nodes it cannot reach"),
    "exceptions": ("client exceptions", "replies the client could not read: check each "
                   "reply's type and fields with docs/protocol.md"),
    "targets-messages": ("missed targets", "fewer messages: batch what each peer lacks "
                         "into one message per period, and send over fewer links"),
    "targets-latency": ("missed targets", "lower latency: fewer hops between the node that "
                        "gets a value and the others, and a shorter batching period"),
    # a check that stopped, as Maelstrom's does, on what a node returned
    "checker-stopped": ("checks that could not finish", "Maelstrom's checker stops here "
                        "too (verdict unknown: the test fails): return keys and messages as "
                        "the workload sent them, and ids of one kind (docs/protocol.md)"),
    # node problems
    "crash": ("crashes", "the node exited or could not start: its last stderr lines are "
              "above and all of them in node-logs/; a node must run until its stdin closes"),
    "stdout": ("refused lines", "stdout carries protocol lines only: one JSON object per "
               "line with src, dest and body, to a known node (print debugging to stderr)"),
    "reply": ("unmatched replies", "a reply must carry in_reply_to equal to the msg_id of "
              "the request it answers"),
    "init": ("init failures", "answer init with init_ok (in_reply_to its msg_id) before "
             "anything else"),
    "setup": ("setup failures", "answer the workload's setup request (broadcast: "
              "topology_ok) within the time Maelstrom gives it"),
    "service": ("bad service requests", "see docs/protocol.md for the lin-kv / seq-kv / "
                "lww-kv / lin-tso requests and their fields"),
    "stdin": ("nodes not reading", "keep reading stdin: do slow work in a task, not in the "
              "loop that reads input"),
    "late-reply": ("late replies", None),
    "flood": ("floods", None),
    "teardown": ("teardown notes", None),
}


class Case(str):
    """The first line of one case of failure class `kind`; `label` names it briefly
    ("value 12", "id 7") in the count of cases not shown."""

    def __new__(cls, text, kind, label=None):
        line = super().__new__(cls, text)
        line.kind, line.label = kind, label
        return line


class Hint(str):
    """The line saying what usually causes failure class `kind` and what to try."""

    def __new__(cls, text, kind):
        line = super().__new__(cls, text)
        line.kind = kind
        return line


class More(str):
    """A line saying `count` more cases of class `kind` exist than the explanation lists;
    the console folds it into its own count when it left cases out too."""

    def __new__(cls, text, kind, count):
        line = super().__new__(cls, text)
        line.kind, line.count = kind, count
        return line


def more(kind, count, text):
    """A More line."""
    return More(text, kind, count)


def case(kind, text, label=None):
    """A Case line (kind must be one of CLASSES)."""
    if kind not in CLASSES:
        raise KeyError(f"no failure class {kind!r}")
    return Case(text, kind, label)


def hint(kind):
    """The hint line of a failure class, as a one-item list (empty when it has none), to
    put before the class's first case."""
    text = CLASSES[kind][1]
    return [Hint(f"hint: {text}.", kind)] if text else []


def noun(kind):
    """What cases of this class are called, plural ("lost values")."""
    return CLASSES[kind][0] if kind in CLASSES else "cases"


def txn_kind(anomaly):
    """The failure class of an Elle anomaly name (G1c-realtime -> txn-G1c, G-single-item ->
    txn-G2, ...)."""
    name = str(anomaly)
    for suffix in ("-process", "-realtime"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name in ("G0", "G1a", "G1b", "G1c", "internal", "lost-update"):
        return f"txn-{name}"
    if name.startswith(("G-single", "G-nonadjacent", "G2", "GSI")) or name == "write-skew":
        return "txn-G2"
    if name in ("dirty-update",):
        return "txn-G1a"
    if name == "future-read":
        return "txn-G1c"
    if name in ("incompatible-order", "cyclic-versions", "duplicate-elements"):
        return "txn-order"
    if name == "empty-transaction-graph":
        return "txn-empty"
    return "txn-other"


def anomaly_lines(anomalies, case_lines, listed):
    """Elle's anomalies ({name: [case, ...]}) as lines: per name its first `listed` cases
    (`case_lines(name, case)` gives each one's lines, the first becoming a Case), a hint
    before the first case of each failure class, and a More line for the rest."""
    lines, hinted = [], set()
    order = list(CLASSES)
    # Direct evidence first (a read no order of appends explains), then the cycles, the
    # most basic first: a write cycle (G0) says more than the G2 it implies.
    for name, cases in sorted(anomalies.items(), key=lambda item: order.index(txn_kind(item[0]))):
        cases = cases if isinstance(cases, list) else [cases]
        kind = txn_kind(name)
        if kind not in hinted:
            hinted.add(kind)
            lines.extend(hint(kind))
        for one in cases[:listed]:
            first, *rest = case_lines(name, one)
            lines.append(case(kind, first, str(name)))
            lines.extend(rest)
        if len(cases) > listed:
            lines.append(more(kind, len(cases) - listed,
                              f"{name}: ... and {len(cases) - listed} more."))
    return lines
