"""messages.svg and the whole-run viewer, drawn from tiny hand-written journals.

Each test builds a journal (and, for faults, a history) of a few events and reads the SVG
back as XML: the right arrows, a dropped message drawn as dropped at its receiver, a
partition band over exactly the rows it held, killed nodes' lanes shaded, text escaped.
"""

import asyncio
import json
import random
import re
import xml.etree.ElementTree as ET

from glomers.edn import Keyword as K, StringMap
from glomers.net import Network, latency_sampler
from glomers.pictures import messages, viewer
from glomers.pictures.messages import ROW, TOP, Diagram, Table
from glomers.virtual_time import run

SVG = "{http://www.w3.org/2000/svg}"


def event(kind, time, message_id, src, dest, body):
    return {"time": time, "event": kind, "id": message_id, "src": src, "dest": dest,
            "body": body}


def exchange(time, message_id, src, dest, body, end="recv", delay=0):
    """A send and (unless end is None) its recv or drop."""
    events = [event("send", time, message_id, src, dest, body)]
    if end:
        events.append(event(end, time + delay, message_id, src, dest, body))
    return events


def nemesis(index, time, f, value):
    return {"index": index, "time": time, "type": K("info"), "process": K("nemesis"),
            "f": K(f), "value": value}


def partition(start, stop, grudge, index=0):
    """The four history ops of one partition from `start` to `stop` (ns)."""
    table = StringMap({r: frozenset(s) for r, s in grudge.items()})
    return [nemesis(index, start, "start-partition", K("majority")),
            nemesis(index + 1, start, "start-partition", [K("isolated"), table]),
            nemesis(index + 2, stop, "stop-partition", None),
            nemesis(index + 3, stop, "stop-partition", K("network-healed"))]


def svg_of(journal, history=None, nodes=("n0", "n1"), highlights=None):
    diagram = Diagram(journal, history, nodes, highlights)
    text = diagram.svg(0, len(diagram.table.times), "test")
    return diagram, text, ET.fromstring(text.split("\n", 1)[1])


def arrows(root):
    return {g.get("id"): g for g in root.iter(SVG + "g")
            if (g.get("class") or "").startswith("m ")}


INIT = (exchange(0, 0, "c0", "n0", {"type": "init", "msg_id": 1, "node_id": "n0",
                                   "node_ids": ["n0", "n1"]})
        + exchange(0, 1, "n0", "c0", {"type": "init_ok", "in_reply_to": 1}))


def test_one_arrow_per_message_and_init_left_out():
    journal = INIT + exchange(10, 2, "c2", "n0", {"type": "broadcast", "message": 5, "msg_id": 1}) \
        + exchange(10, 3, "n0", "n1", {"type": "gossip", "values": [5]}, delay=100) \
        + exchange(10, 4, "n0", "c2", {"type": "broadcast_ok", "in_reply_to": 1})
    diagram, text, root = svg_of(journal)
    drawn = arrows(root)
    assert sorted(drawn) == ["m2", "m3", "m4"]
    assert len(diagram.table) == 3 and len(diagram.table.times) == 6
    # The reply is drawn as a reply, in its request's colour class.
    assert "r" in drawn["m4"].get("class").split()
    assert drawn["m2"].get("class").split()[1] == drawn["m4"].get("class").split()[1]
    # Hover text names both ends, the timing and the body.
    title = drawn["m3"].find(SVG + "title").text
    assert "n0 → n1" in title and "delivered" in title and '"values":[5]' in title


def test_lanes_put_each_nodes_clients_just_left_of_it_and_services_last():
    journal = exchange(0, 1, "c7", "n1", {"type": "read"}) \
        + exchange(0, 2, "c3", "n0", {"type": "read"}) \
        + exchange(0, 3, "c9", "n0", {"type": "read"}) \
        + exchange(0, 4, "n0", "lin-kv", {"type": "read", "key": "k"}, delay=5)
    lanes = Diagram(journal, None, ["n0", "n1"]).lanes
    assert [label for label, _, _ in lanes.lanes] == ["c3+1", "n0", "c7", "n1", "lin-kv"]
    assert lanes.x["c3"] == lanes.x["c9"] < lanes.x["n0"] < lanes.x["c7"] < lanes.x["n1"]


def test_a_message_dropped_by_a_partition_is_drawn_dropped_at_its_receiver():
    journal = INIT + exchange(100, 2, "n0", "n1", {"type": "gossip", "values": [1]},
                              end="drop", delay=50) \
        + exchange(200, 3, "n1", "n0", {"type": "gossip", "values": [2]}, delay=50)
    diagram, text, root = svg_of(journal)
    drawn = arrows(root)
    dropped, delivered = drawn["m2"], drawn["m3"]
    assert "x" in dropped.get("class").split() and "x" not in delivered.get("class").split()
    line = dropped.find(SVG + "line")
    # It ends at the receiver's lane, on the row of the drop event (row 1).
    assert float(line.get("x2")) == diagram.lanes.x["n1"]
    assert float(line.get("y2")) == TOP + 1.5 * ROW
    assert "DROPPED" in dropped.find(SVG + "title").text
    assert ".m.x line{stroke-dasharray" in text and 'marker id="x"' in text


def test_a_message_never_delivered_is_a_short_stub():
    journal = exchange(0, 1, "n0", "n1", {"type": "gossip"}, end=None)
    _, _, root = svg_of(journal)
    stub = arrows(root)["m1"]
    assert "u" in stub.get("class").split()
    assert "never delivered" in stub.find(SVG + "title").text


def test_a_partition_band_covers_exactly_the_rows_it_held():
    # Rows 0-1 before the partition (t=0), rows 2-5 during it (1..4 s), rows 6-7 after.
    journal = exchange(0, 1, "n0", "n1", {"type": "a"}) \
        + exchange(1_000_000_000, 2, "n0", "n1", {"type": "a"}, end="drop") \
        + exchange(3_000_000_000, 3, "n1", "n0", {"type": "a"}, end="drop") \
        + exchange(6_000_000_000, 4, "n0", "n1", {"type": "a"})
    history = partition(500_000_000, 5_000_000_000, {"n0": {"n1"}, "n1": {"n0"}})
    _, text, root = svg_of(journal, history)
    bands = [r for r in root.iter(SVG + "rect") if r.get("class") == "band"]
    assert len(bands) == 1
    y, height = float(bands[0].get("y")), float(bands[0].get("height"))
    assert ((y - TOP) / ROW, (y + height - TOP) / ROW) == (2, 6)
    # Each cut-off lane says whom it does not hear.
    assert "⊘ n1" in text and "⊘ n0" in text
    assert "n0 drops messages from n1" in text


def test_a_partition_still_holding_at_the_end_reaches_the_last_row():
    journal = exchange(0, 1, "n0", "n1", {"type": "a"}) \
        + exchange(2_000_000_000, 2, "n0", "n1", {"type": "a"}, end="drop")
    history = partition(1_000_000_000, None, {"n0": {"n1"}, "n1": {"n0"}})[:2]
    _, _, root = svg_of(journal, history)
    band = next(r for r in root.iter(SVG + "rect") if r.get("class") == "band")
    y, height = float(band.get("y")), float(band.get("height"))
    assert ((y - TOP) / ROW, (y + height - TOP) / ROW) == (2, 4)


def test_killed_nodes_lanes_are_shaded_while_down():
    journal = exchange(0, 1, "n0", "n1", {"type": "a"}) \
        + exchange(2_000_000_000, 2, "n1", "n0", {"type": "a"}) \
        + exchange(4_000_000_000, 3, "n1", "n0", {"type": "a"})
    history = [nemesis(0, 1_000_000_000, "kill", K("one")),
               nemesis(1, 1_000_000_000, "kill", StringMap({"n0": K("killed")})),
               nemesis(2, 3_000_000_000, "start", K("all")),
               nemesis(3, 3_000_000_000, "start", StringMap({"n0": K("started"),
                                                             "n1": K("already-running")}))]
    diagram, text, root = svg_of(journal, history)
    shaded = [r for r in root.iter(SVG + "rect")
              if r.get("fill") == "#E9A4A0" and r.get("fill-opacity")]     # not the legend
    assert len(shaded) == 1
    x, width = float(shaded[0].get("x")), float(shaded[0].get("width"))
    assert x < diagram.lanes.x["n0"] < x + width and not x < diagram.lanes.x["n1"] < x + width
    y, height = float(shaded[0].get("y")), float(shaded[0].get("height"))
    assert ((y - TOP) / ROW, (y + height - TOP) / ROW) == (2, 4)


def test_every_text_is_escaped():
    nasty = "</title><script>alert(1)</script> & <b>"
    journal = exchange(0, 1, "c1", "n0", {"type": "echo", "echo": nasty}) \
        + exchange(0, 2, "n0", "c1", {"type": "error", "code": 13, "text": nasty,
                                      "in_reply_to": 1})
    _, text, root = svg_of(journal)           # parses as XML, so nothing broke out
    assert "<script>" not in text
    drawn = arrows(root)
    assert nasty in drawn["m1"].find(SVG + "title").text
    assert "err" in drawn["m2"].get("class").split()


def test_highlighted_messages_get_an_underlay_and_say_why():
    journal = exchange(0, 1, "n0", "n1", {"type": "a"}) + exchange(0, 2, "n0", "n1", {"type": "b"})
    _, _, root = svg_of(journal, highlights={2: "carries lost value 7"})
    underlays = [l for l in root.iter(SVG + "line") if l.get("class") == "hl"]
    assert len(underlays) == 1
    assert "carries lost value 7" in arrows(root)["m2"].find(SVG + "title").text


def test_messages_svg_holds_the_first_page_and_says_where_the_rest_is(tmp_path):
    journal = []
    for i in range(messages.PAGE_ROWS):              # twice as many rows as one page
        journal += exchange(i, i, "n0", "n1", {"type": "a"})
    diagram = Diagram(journal, None, ["n0", "n1"])
    messages.write(str(tmp_path), diagram, "broadcast")
    root = ET.parse(tmp_path / "messages.svg").getroot()
    assert len(arrows(root)) == messages.PAGE_ROWS // 2
    heading = next(t for t in root.iter(SVG + "text") if "events" in (t.text or ""))
    assert f"first 2,000 of {2 * messages.PAGE_ROWS:,} events" in heading.text
    assert "messages.html" in heading.text


def test_table_stops_reading_once_the_first_window_has_ended():
    journal = exchange(0, 1, "n0", "n1", {"type": "a"}, delay=10) \
        + exchange(1, 2, "n0", "n1", {"type": "b"}, delay=10) \
        + exchange(2, 3, "n0", "n1", {"type": "c"})
    # Rows: send1 send2 recv1 recv2 ...: a two-row window still learns how 1 and 2 ended.
    journal.sort(key=lambda e: e["time"])
    table = Table(journal, rows=2)
    assert table.ids == [1, 2] and table.ends == [messages.RECV, messages.RECV]
    assert Table(journal).ids == [1, 2, 3]


def test_the_network_journals_a_drop_where_the_partition_discards_a_message():
    async def scenario():
        loop = asyncio.get_running_loop()
        net = Network(loop, latency_sampler(10, "constant", random.Random(1)), loop.time())
        for endpoint in ("n0", "n1"):
            net.register(endpoint, lambda message: None)
        net.partition({"n1": {"n0"}, "n0": set()})
        net.send("n0", "n1", {"type": "a"})
        net.send("n1", "n0", {"type": "b"})
        await asyncio.sleep(1)
        return net
    net = run(scenario(), virtual=True)
    kinds = [(e["event"], e["body"]["type"]) for e in net.journal_events()]
    assert ("drop", "a") in kinds and ("recv", "b") in kinds and ("recv", "a") not in kinds
    # Maelstrom's :net stats count sends and deliveries only.
    assert net.stats()["all"] == {"send-count": 2, "recv-count": 1, "msg-count": 2}


def test_the_viewer_embeds_the_journal_so_no_body_can_close_its_script(tmp_path):
    nasty = "</script><script>alert(1)</script>"
    journal = exchange(0, 1, "c1", "n0", {"type": "echo", "echo": nasty}) \
        + exchange(5, 2, "n0", "n1", {"type": "gossip"}, end="drop")
    history = partition(1, 10, {"n1": {"n0"}, "n0": set()})
    diagram = Diagram(journal, history, ["n0", "n1"], {2: "why"})
    viewer.write(str(tmp_path), diagram, "echo", journal, {"7": [2]})
    text = (tmp_path / "messages.html").read_text()
    assert text.count("</script>") == 3           # data, journal, code: nothing else
    embedded = re.search(r'<script type="text/plain" id="journal">(.*?)</script>', text,
                         re.S).group(1)
    lines = [json.loads(line) for line in embedded.splitlines() if line]
    assert [e["event"] for e in lines] == ["send", "recv", "send", "drop"]
    assert lines[0]["body"]["echo"] == nasty
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>',
                                text, re.S).group(1))
    assert data["highlights"] == {"2": "why"} and data["values"] == {"7": [2]}
    assert data["faults"][0]["kind"] == "partition"
    assert data["faults"][0]["cut"] == [[diagram.lanes.x["n1"], "n1", "n0"]]
    assert data["endpoints"] == diagram.lanes.index
