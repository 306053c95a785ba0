"""fault_story.py on tiny hand-written histories and journals: the outages it reads from the
nemesis ops, and the failures it ties to them, in the words a reader gets."""

from glomers import fault_story
from glomers.edn import Keyword as K
from glomers.edn import StringMap

S = 1_000_000_000
OPTS = {"nodes": ["n0", "n1"], "concurrency": 2}


class History:
    """Builds a history with dense indices; times in seconds."""

    def __init__(self):
        self.ops = []

    def add(self, time, type_, process, f, value, **extra):
        self.ops.append({"index": len(self.ops), "time": int(time * S), "type": K(type_),
                         "process": process, "f": K(f), "value": value, **extra})
        return self

    def nemesis(self, time, f, value, done, duration=0.0, **extra):
        self.add(time, "info", K("nemesis"), f, value)
        return self.add(time + duration, "info", K("nemesis"), f, done, **extra)

    def op(self, start, end, process, f, value, type_="ok", result=None, **extra):
        self.add(start, "invoke", process, f, value)
        return self.add(end, type_, process, f, value if result is None else result, **extra)


def words(**nodes):
    return StringMap({node: K(word) for node, word in nodes.items()})


def send(time, src, dest, body, event="send", id_=0):
    return {"time": int(time * S), "event": event, "id": id_, "src": src, "dest": dest,
            "body": body}


def test_outages_follow_the_completions_of_kills_pauses_restarts_and_resumes():
    h = History()
    h.nemesis(1, "kill", K("one"), words(n1="killed"))
    h.nemesis(2, "pause", None, words(n0="paused", n1="not-running"))
    h.nemesis(3, "start", K("all"), words(n0="already-running", n1="started"), duration=0.5)
    h.nemesis(4, "kill", K("all"), words(n0="killed", n1="killed"))
    h.nemesis(5, "resume", K("all"), words(n0="not-paused", n1="not-paused"))
    found = fault_story.outages(h.ops)
    assert [(o.node, o.kind, o.start / S, o.end and o.end / S, o.killed) for o in found] == [
        ("n1", "killed", 1, 3.5, False),
        ("n0", "paused", 2, 4, True),          # killed while paused
        ("n0", "killed", 4, None, False),
        ("n1", "killed", 4, None, False),
    ]
    assert fault_story.outage_lines(found) == [
        "n1 was killed at 1.000 s and restarted at 3.500 s (2.500 s)",
        "n0 was paused at 2.000 s and killed at 4.000 s (2.000 s)",
        "n0 n1 were killed at 4.000 s and were still killed at the end",
    ]


def test_a_failed_restart_is_told():
    h = History()
    h.nemesis(1, "kill", K("one"), words(n0="killed"))
    h.nemesis(2, "start", K("all"), K("all"), duration=10,
              error="indeterminate: n0 did not answer init within 10 s")
    [line] = fault_story.outage_lines(fault_story.outages(h.ops))
    assert line == ("n0 was killed at 1.000 s; the restart after it failed (indeterminate: n0 "
                    "did not answer init within 10 s)")


def test_timeouts_are_counted_against_the_node_that_was_down():
    h = History()
    h.op(0.5, 5.5, 0, "echo", "a", type_="info", error=K("net-timeout"))   # n0, up
    h.nemesis(1, "kill", K("one"), words(n1="killed"))
    h.op(1.5, 6.5, 1, "echo", "b", type_="info", error=K("net-timeout"))   # n1, down
    h.op(1.6, 6.6, 3, "read", None, type_="fail", error=K("net-timeout"))  # n1 again
    h.op(1.7, 1.8, 2, "echo", "c")                                          # n0, fine
    h.nemesis(7, "start", K("all"), words(n0="already-running", n1="started"))
    found = fault_story.outages(h.ops)
    assert fault_story.timeout_lines(h.ops, OPTS, found) == [
        "2 client request(s) timed out against a node the nemesis had taken down: 2 while it "
        "was killed (n1 2) (1 other timeout(s) came while their node was up)"]


def broadcast_run():
    h = History()
    h.op(0.1, 0.2, 1, "broadcast", 7)          # n1 acknowledges 7, keeps it to itself
    h.op(0.3, 0.4, 1, "broadcast", 8)          # n1 passes 8 to n0, which is killed later
    h.op(0.5, 0.6, 1, "broadcast", 9)          # n1 stores 9 in lin-kv, which outlives kills
    h.nemesis(1, "kill", K("one"), words(n1="killed"))
    h.nemesis(2, "start", K("all"), words(n0="already-running", n1="started"))
    h.nemesis(3, "kill", K("one"), words(n0="killed"))
    journal = [send(0.45, "n1", "n0", {"type": "gossip", "values": [8], "msg_id": 7}),
               send(0.46, "n1", "n0", {"type": "gossip", "values": [8]}, event="recv"),
               send(0.55, "n1", "lin-kv", {"type": "write", "key": "v", "value": [9]}),
               send(0.55, "n1", "lin-kv", {"type": "write", "key": "v", "value": [9]},
                    event="recv")]
    return h.ops, journal


def test_lost_values_are_tied_to_the_kill_that_lost_them():
    history, journal = broadcast_run()
    result = {"valid?": False, "lost": (7, 8, 9)}
    found = fault_story.outages(history)
    lines = fault_story.lost_value_lines(history, {**OPTS, "workload": "broadcast"}, result,
                                         found, journal)
    assert lines[0] == ("n1 was killed at 1.000 s and restarted at 2.000 s; the 1 value(s) it "
                        "had acknowledged but not yet passed on were lost: 7")
    assert lines[1] == ("1 lost value(s) had been passed on, but every node holding them was "
                        "killed before they spread further: 8 (value 8: n1 killed at 1.000 s, "
                        "n0 killed at 3.000 s)")
    assert len(lines) == 3 and "9" not in lines[1].split(":")[1]   # 9 outlived the kills


def test_without_a_journal_lost_values_are_tied_to_the_kill_of_their_node():
    history, _ = broadcast_run()
    lines = fault_story.lost_value_lines(history, OPTS, {"lost": (7, 8)},
                                         fault_story.outages(history), None)
    assert lines == ["n1 was killed at 1.000 s and restarted at 2.000 s; 2 lost value(s) had "
                     "been acknowledged by it before the kill: 7, 8"]


def test_a_duplicate_id_across_a_restart_is_named():
    h = History()
    h.op(0.1, 0.2, 0, "generate", None, result="n0-1")
    h.nemesis(1, "kill", K("one"), words(n0="killed"))
    h.nemesis(2, "start", K("all"), words(n0="started", n1="already-running"))
    h.op(2.5, 2.6, 2, "generate", None, result="n0-1")
    story = fault_story.story(h.ops, {**OPTS, "workload": "unique-ids"},
                              {"workload": {"valid?": False, "duplicated": {"n0-1": 2}}})
    assert story[0] == "Faults: n0 was killed at 1.000 s and restarted at 2.000 s (1.000 s)"
    assert story[1] == ('id "n0-1" was handed out by n0 at 0.200 s and again at 2.600 s, after '
                        "n0 was killed at 1.000 s and restarted at 2.000 s")
    assert story[2].startswith("1 duplicated id(s) came from one node before and after")


def test_counter_adds_acknowledged_before_a_kill_are_counted():
    h = History()
    h.op(0.1, 0.2, 1, "add", 3)
    h.op(0.3, 0.4, 1, "add", 4)
    h.op(0.5, 0.6, 0, "add", 5)
    h.nemesis(1, "kill", K("one"), words(n1="killed"))
    story = fault_story.story(h.ops, {**OPTS, "workload": "g-counter"},
                              {"workload": {"valid?": False}})
    assert story[-1] == ("n1 was killed at 1.000 s; it had acknowledged 2 add(s) before: what "
                         "it kept only in memory went with it")


def test_nothing_to_tell_without_kills_or_pauses_and_never_a_traceback():
    h = History()
    h.nemesis(1, "start-partition", K("one"), [K("isolated"), StringMap({"n0": {"n1"}})])
    assert fault_story.story(h.ops, OPTS) == []
    odd = [{"process": K("nemesis"), "f": K("kill"), "value": K("one"), "time": "soon"},
           {"process": K("nemesis"), "f": K("kill"), "value": {"n0": K("killed")},
            "time": "later"}]
    [line] = fault_story.story(odd, OPTS)
    assert line.startswith("(the faults' effects could not be told")
