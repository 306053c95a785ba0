"""Pictures as a run makes them: pointers from evidence, jepsen.log, --no-pictures, sweeps.

The pointer tests use a tiny hand-written broadcast history and journal with one lost
value; the others run the bench (virtual time, seeded) as a user does.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from glomers.checkers import set_full, unique_ids
from glomers.edn import Keyword as K
from glomers.pictures import draw, pointers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PICTURES = ("messages.svg", "messages.html", "timeline.html", "latency-raw.svg",
            "latency-quantiles.svg", "rate.svg")
MS = 1_000_000
OPTS = {"workload": "broadcast", "nodes": ["n0", "n1"], "concurrency": 2}


def op(index, ms, kind, process, f, value=None):
    return {"index": index, "time": ms * MS, "type": K(kind), "process": process, "f": K(f),
            "value": value}


def message(kind, ms, message_id, src, dest, body):
    return {"time": ms * MS, "event": kind, "id": message_id, "src": src, "dest": dest,
            "body": body}


# Value 7 is acknowledged by n0, whose gossip to n1 a partition drops; n1's read misses it.
HISTORY = [op(0, 0, "invoke", 0, "broadcast", 7), op(1, 1, "ok", 0, "broadcast", 7),
           op(2, 100, "invoke", 1, "read"), op(3, 101, "ok", 1, "read", [])]
JOURNAL = [
    message("send", 0, 10, "c2", "n0", {"type": "broadcast", "message": 7, "msg_id": 1}),
    message("recv", 0, 10, "c2", "n0", {"type": "broadcast", "message": 7, "msg_id": 1}),
    message("send", 1, 11, "n0", "n1", {"type": "gossip", "values": [7]}),
    message("send", 1, 12, "n0", "c2", {"type": "broadcast_ok", "in_reply_to": 1}),
    message("recv", 1, 12, "n0", "c2", {"type": "broadcast_ok", "in_reply_to": 1}),
    message("drop", 50, 11, "n0", "n1", {"type": "gossip", "values": [7]}),
    message("send", 100, 13, "c3", "n1", {"type": "read", "msg_id": 1}),
    message("recv", 100, 13, "c3", "n1", {"type": "read", "msg_id": 1}),
    message("send", 101, 14, "n1", "c3", {"type": "read_ok", "messages": [], "in_reply_to": 1}),
    message("recv", 101, 14, "n1", "c3", {"type": "read_ok", "messages": [], "in_reply_to": 1}),
]


def test_a_lost_value_points_at_its_messages_and_the_ops_of_the_evidence():
    results = {"workload": set_full.check(HISTORY, OPTS)}
    assert results["workload"]["lost"] == (7,)
    focus = pointers.Focus(results, HISTORY, JOURNAL, OPTS)
    assert focus.values == {"7": [10, 11]}                 # the request and the gossip
    assert "carries lost value 7" in focus.highlights[11]
    # The acknowledgement (op 1) and the read that missed it (op 2), linked to their
    # client request and reply.
    named = [o["index"] for o, _ in focus.ops]
    assert 1 in named and 2 in named
    assert focus.links[1] == (10, 12) and focus.links[2] == (13, 14)
    lines = focus.lines(PICTURES)
    assert lines[0] == ("lost value 7: messages.html#v=7 (2 message(s) carry it, "
                        "highlighted: its path across the nodes)")
    assert any(line.startswith("op 2 (invoke read by process 1 at 0.100 s): "
                               "timeline.html#i2, messages.html#m13 (reply #m14)")
               for line in lines)


def test_a_duplicated_id_points_at_the_replies_that_carried_it():
    history = [op(0, 0, "invoke", 0, "generate"), op(1, 1, "ok", 0, "generate", 5),
               op(2, 2, "invoke", 1, "generate"), op(3, 3, "ok", 1, "generate", 5)]
    journal = [message("send", 1, 1, "n0", "c2", {"type": "generate_ok", "id": 5,
                                                   "in_reply_to": 1}),
               message("send", 3, 2, "n1", "c3", {"type": "generate_ok", "id": 5,
                                                   "in_reply_to": 1}),
               message("send", 3, 3, "n1", "c3", {"type": "generate_ok", "id": 6,
                                                   "in_reply_to": 2})]
    results = {"workload": unique_ids.check(history, {})}
    focus = pointers.Focus(results, history, journal, {**OPTS, "workload": "unique-ids"})
    assert focus.values == {"5": [1, 2]}
    assert focus.lines(PICTURES)[0].startswith("duplicated id 5: messages.html#v=5")


def test_a_passing_run_points_only_at_its_worst_case():
    results = {"workload": {"valid?": True, "worst-stale": (
        {"element": 3, "stable-latency": 40, "known": HISTORY[1], "last-absent": HISTORY[2]},
        {"element": 4, "stable-latency": 30, "known": HISTORY[1], "last-absent": HISTORY[2]})}}
    focus = pointers.Focus(results, HISTORY, JOURNAL, OPTS)
    assert focus.values == {} and [v for v, _ in focus.searches] == ["3"]
    assert len(focus.ops) == 2


def _journal_file(tmp_path, events, lines=()):
    """`events` as journal.jsonl, as JournalWriter writes them, then any raw `lines`."""
    from glomers import store
    store.write_journal(str(tmp_path), events)
    with open(tmp_path / "journal.jsonl", "a", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in lines)
    return store.Journal(str(tmp_path / "journal.jsonl"))


def test_a_journal_read_from_a_time_on_is_the_journal_dropped_while_earlier(tmp_path):
    import itertools
    # Times out of order, a time that is not an integer and lines in other shapes: the
    # prefix is only a shortcut, every line still counts by its decoded time.
    events = [message("send", ms, i, "n0", "n1", {"type": "gossip"})
              for i, ms in enumerate([5, 1, 9, 3, 9, 12])]
    odd = ['{"event":"send","time":7000000,"id":90,"src":"n0","dest":"n1","body":{}}',
           '{"time":7500000.5,"event":"send","id":91,"src":"n0","dest":"n1","body":{}}',
           '{"time":-1,"event":"send","id":92,"src":"n0","dest":"n1","body":{}}',
           '{"time":8000000}']
    journal = _journal_file(tmp_path, events, odd)
    read = list(journal)
    assert [e.get("id") for e in read] == [0, 1, 2, 3, 4, 5, 90, 91, 92, None]
    for start in (0, 1 * MS, 4 * MS, 5 * MS, 5 * MS + 1, 9 * MS, 11 * MS, 12 * MS,
                  7 * MS, 7_500_000, 7_500_001, 8 * MS, 8 * MS + 1, -5):
        expected = list(itertools.dropwhile(lambda e, s=start: e["time"] < s, read))
        assert list(journal.from_time(start)) == expected, start


def test_pointers_read_the_same_from_a_journal_file_as_from_its_events(tmp_path):
    # A passing run's worst case late in the run: the ops are found after a skip.
    early = [message("send", ms, 100 + ms, "n0", "n1", {"type": "gossip", "values": [7]})
             for ms in range(0, 100, 10)]
    journal = early + JOURNAL[6:]
    results = {"workload": {"valid?": True, "worst-stale": (
        {"element": 7, "stable-latency": 40, "known": HISTORY[3],
         "last-absent": HISTORY[2]},)}}
    from_events = pointers.Focus(results, HISTORY, journal, OPTS)
    from_file = pointers.Focus(results, HISTORY, _journal_file(tmp_path, journal), OPTS)
    assert from_events.links == {2: (13, 14), 3: (13, 14)}
    assert from_file.links == from_events.links
    assert from_file.highlights == from_events.highlights
    assert from_file.lines(PICTURES) == from_events.lines(PICTURES)


def test_draw_writes_every_picture_and_never_raises(tmp_path):
    results = {"workload": set_full.check(HISTORY, OPTS)}
    drawn = draw(str(tmp_path), JOURNAL, HISTORY, results, OPTS)
    assert drawn.files == list(PICTURES) and drawn.errors == []
    recorded = json.loads((tmp_path / "pictures.json").read_text())
    assert recorded["files"] == list(PICTURES) and recorded["where"] == drawn.where
    # A journal the diagram cannot read costs only that picture, not the run.
    broken = draw(str(tmp_path), [{"event": "send"}], HISTORY, results, OPTS)
    assert [name for name, _ in broken.errors] == ["pointers", "messages"]
    assert "timeline.html" in broken.files


# ---------------------------------------------------------------------------------------
# As the bench runs them


def bench(tmp_path, *args):
    store = str(tmp_path / "store")
    proc = subprocess.run([sys.executable, "-m", "glomers", *args, "--store", store],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc, store


def run_folders(store, workload="broadcast"):
    folder = os.path.join(store, workload)
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name != "latest")


RUN = ["test", "-w", "broadcast", "--bin", "broadcast.py", "--node-count", "3",
       "--time-limit", "4", "--rate", "10", "--nemesis", "partition", "--nemesis-interval", "1",
       "--virtual-time", "--seed", "4"]


def test_a_run_draws_its_pictures_and_keeps_its_console_in_jepsen_log(tmp_path):
    proc, store = bench(tmp_path, *RUN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir, = run_folders(store)
    for name in PICTURES + ("jepsen.log", "pictures.json"):
        assert os.path.getsize(os.path.join(run_dir, name)) > 0, name
    assert "Pictures: messages.svg messages.html timeline.html" in proc.stdout
    root = ET.parse(os.path.join(run_dir, "messages.svg")).getroot()
    assert any(r.get("class") == "band" for r in root.iter("{http://www.w3.org/2000/svg}rect"))
    log = open(os.path.join(run_dir, "jepsen.log"), encoding="utf-8").read()
    # Every line the console showed (its report and its progress lines) is in the log.
    for line in (proc.stdout + proc.stderr).splitlines():
        assert line in log, line
    assert log.rstrip().endswith("Everything looks good! ヽ(‘ー`)ノ")


def test_no_pictures_draws_none_but_keeps_the_log(tmp_path):
    proc, store = bench(tmp_path, *RUN, "--no-pictures", "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir, = run_folders(store)
    assert not any(os.path.exists(os.path.join(run_dir, name)) for name in PICTURES)
    assert "Pictures:" not in proc.stdout
    assert "Everything looks good" in open(os.path.join(run_dir, "jepsen.log")).read()


def test_a_seed_sweep_draws_only_the_failing_seeds(tmp_path):
    proc, store = bench(tmp_path, "test", "-w", "broadcast", "--bin", "broadcast.py",
                        "--node-count", "2", "--time-limit", "2", "--rate", "10",
                        "--virtual-time", "--seed", "1", "--seeds", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for run_dir in run_folders(store):
        assert not os.path.exists(os.path.join(run_dir, "messages.svg"))
    lossy = tmp_path / "no_gossip.py"
    lossy.write_text(NO_GOSSIP)
    proc, store = bench(tmp_path / "b", "test", "-w", "broadcast", "--bin", str(lossy),
                        "--node-count", "2", "--time-limit", "2", "--rate", "10",
                        "--virtual-time", "--seed", "1", "--seeds", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    folders = run_folders(store)
    assert len(folders) == 2
    for run_dir in folders:
        for name in PICTURES:
            assert os.path.exists(os.path.join(run_dir, name)), (run_dir, name)
        where = json.load(open(os.path.join(run_dir, "pictures.json")))["where"]
        assert any(line.startswith("lost value ") for line in where)


NO_GOSSIP = '''\
"""Keeps each value to itself: every value another node is asked for is lost."""
import sys
sys.path.insert(0, %r)
from maelstrom_node import run


def serve(node):
    values = set()

    @node.handler
    def topology(msg):
        return {"type": "topology_ok"}

    @node.handler
    def broadcast(msg):
        values.add(msg.body["message"])
        return {"type": "broadcast_ok"}

    @node.handler
    def read(msg):
        return {"type": "read_ok", "messages": sorted(values)}


if __name__ == "__main__":
    run(serve)
''' % ROOT


def test_the_diagram_of_a_run_is_the_diagram_of_its_journal_read_back(tmp_path):
    # The run draws with the summary its journal writer kept (pairs, counts per type,
    # rows, init left out); drawn again from journal.jsonl alone, the diagram is the same.
    from glomers import store as store_module
    from glomers.edn import read_history
    from glomers.pictures import messages
    proc, store = bench(tmp_path, *RUN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir, = run_folders(store)
    journal = store_module.Journal(os.path.join(run_dir, "journal.jsonl"))
    assert journal.summary is None
    summary = store_module.JournalSummary.of(journal)
    assert summary.counts["gossip"] > 0 and "init" not in summary.counts
    assert any(event["event"] == "drop" for event in journal)     # a partition cut traffic
    history = read_history(os.path.join(run_dir, "history.edn"))
    again = tmp_path / "again"
    again.mkdir()
    messages.write(str(again), messages.Diagram(journal, history, ["n0", "n1", "n2"]),
                   "broadcast")
    with open(os.path.join(run_dir, "messages.svg"), encoding="utf-8") as drawn, \
            open(again / "messages.svg", encoding="utf-8") as redrawn:
        assert drawn.read() == redrawn.read()


# ---------------------------------------------------------------------------------------
# The history files: written by the drawing child, or by the parent when the child did not.


def test_the_history_files_are_the_same_whoever_writes_them(tmp_path):
    drawn, store = bench(tmp_path / "drawn", *RUN, "--quiet")
    plain, plain_store = bench(tmp_path / "plain", *RUN, "--quiet", "--no-pictures")
    assert drawn.returncode == plain.returncode == 0, drawn.stderr + plain.stderr
    (with_child,), (without,) = run_folders(store), run_folders(plain_store)
    for name in ("history.edn", "history.txt"):
        text = open(os.path.join(with_child, name), encoding="utf-8").read()
        assert text.count("\n") > 20
        assert text == open(os.path.join(without, name), encoding="utf-8").read(), name


def _writer(path, fail_in_child=False):
    """A `first` that appends this process's pid to `path` (and fails in a child if told)."""
    parent = os.getpid()

    def first():
        if fail_in_child and os.getpid() != parent:
            raise OSError("disk full")
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
    return first


def _writers(path):
    return [int(line) for line in open(path, encoding="utf-8").read().split()]


def test_the_child_does_the_first_work_once_and_the_parent_leaves_it(tmp_path):
    from glomers import pictures
    path = tmp_path / "written"
    first = _writer(path)
    child = pictures.start(str(tmp_path), None, HISTORY, OPTS, first=first)
    with pictures.settled(child, first):
        pass
    assert _writers(path) == [child.pid] and child.code == pictures.DREW
    assert os.path.exists(tmp_path / "timeline.html")


def test_the_parent_does_the_first_work_when_the_child_could_not(tmp_path):
    from glomers import pictures
    path = tmp_path / "written"
    first = _writer(path, fail_in_child=True)
    child = pictures.start(str(tmp_path), None, HISTORY, OPTS, first=first)
    with pictures.settled(child, first):
        pass
    assert _writers(path) == [os.getpid()] and not child.did_first
    assert not os.path.exists(tmp_path / "timeline.html")    # it failed before drawing


def test_an_interrupted_parent_stops_the_child_and_still_has_the_first_work_done(tmp_path):
    import signal
    import time
    from glomers import pictures
    path = tmp_path / "written"
    started = tmp_path / "started"
    parent = os.getpid()

    def first():                   # the child's never ends unless stopped
        if os.getpid() != parent:
            started.write_text("yes")
            while True:
                time.sleep(0.01)
        path.write_text(f"{os.getpid()}\n")

    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)   # the child's default: die
    try:
        child = pictures.start(str(tmp_path), None, HISTORY, OPTS, first=first)
        try:
            with pictures.settled(child, first):
                while not started.exists():
                    time.sleep(0.01)
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert child.code == -1                         # stopped by the signal
    assert _writers(path) == [os.getpid()]
