"""messages.svg: the Lamport diagram of a run's messages, from its journal.

What is drawn (the same in messages.svg and in the whole-run viewer, viewer.py):
- one vertical line (a lane) per node, per service, and per node's clients: every client
  connection talks to one node only, so a node's clients share one lane just left of it;
- one row per journal event (send, delivery, drop) in journal order: the vertical axis is
  EVENT ORDER, as in Maelstrom, not time (zero-latency client messages would otherwise be
  drawn flat, on top of each other); the left margin gives the test time every 25 rows;
- one arrow per message from its send to its delivery, coloured by message type (a request
  and its `_ok` reply share a hue, the reply lighter; errors are pink), with the body on
  hover (`<title>`) and a short label;
- a message a partition dropped: a dashed arrow ending in a red × at the receiver, at the
  moment it was discarded; a message neither delivered nor dropped (still queued at the
  end, or its receiver gone): a short dotted stub ending in "?";
- faults where and when they held: a sand band across the diagram while a partition held,
  each cut-off lane marked ⊘ with the nodes it could not hear; killed or paused nodes'
  lanes shaded;
- highlighted arrows (a yellow underlay) for messages the checker's evidence points at.

messages.svg holds the first PAGE_ROWS events (init left out), as Maelstrom's holds its
first 10,000; the whole run is in messages.html (viewer.py), whose script builds the same
`Table` from the embedded journal and draws with the same geometry, texts and classes.
"""

import bisect
import math
import os

from ..nemesis import node_sort_key
from ..net import is_client
from ..store import INIT_TYPES, JournalSummary
from . import faults as faults_module
from .svg import ERROR, FAULT_COLOURS, FONT, OTHER_FAULT, PALETTE, esc, num, preview, text_esc

PAGE_ROWS = 2000
ROW = 20
GUTTER = 70           # left margin for times
TOP = 74              # title, legend and lane labels above the first row
LABEL_CHARS = 48
TITLE_ITEMS, TITLE_CHARS = 60, 800
LANE_LABEL_EVERY = 100
TIME_LABEL_EVERY = 25
UNDELIVERED_ROWS = 2
SERVICES = ("lin-kv", "seq-kv", "lww-kv", "lin-tso")
RECV, DROP, NONE = 0, 1, 2        # how a message ended

STYLE = """
.m line,.m path{stroke-width:2.5;fill:none;marker-end:url(#a)}
.m text{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.m.r line,.m.r path{stroke-opacity:.55}
.m.x line{stroke-dasharray:6 3;marker-end:url(#x)}
.m.u line{stroke-dasharray:2 3;marker-end:url(#q)}
.m:hover line,.m:hover path{stroke-width:5}
.m:target line{stroke-width:6}
.m:target text{font-weight:bold}
.hl{stroke:#FFD700;stroke-width:11;stroke-opacity:.8;stroke-linecap:round}
.life{stroke:#ccc}
.lc{stroke:#ddd;stroke-dasharray:3 3}
.ln{text-anchor:middle;font-weight:bold}
.ln2{text-anchor:middle;fill:#aaa}
.tm{text-anchor:end;fill:#888;font-size:10px}
.cut{stroke:#b59f3b;stroke-width:3;stroke-dasharray:4 4}
.cutl{font-size:9px;fill:#7a6a1e;text-anchor:middle}
.fl{font-size:10px;fill:#6b5d1a}
.first{fill:#FFD700;stroke:#000;stroke-width:1}
"""

DEFS = ('<defs>'
        '<marker id="a" viewBox="0 0 12 8" refX="11" refY="4" markerWidth="12" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0 L12,4 L0,8 z" fill="#000"/></marker>'
        '<marker id="x" viewBox="0 0 12 12" refX="6" refY="6" markerWidth="14" '
        'markerHeight="14" markerUnits="userSpaceOnUse" orient="0">'
        '<path d="M1,1 L11,11 M11,1 L1,11" stroke="#d00" stroke-width="2.5"/></marker>'
        '<marker id="q" viewBox="0 0 12 12" refX="6" refY="6" markerWidth="14" '
        'markerHeight="14" markerUnits="userSpaceOnUse" orient="0">'
        '<text x="6" y="10" text-anchor="middle" font-size="12" fill="#555">?</text></marker>'
        '</defs>\n')

NOTES = (("× dropped by a partition", "#d00"), ("? never delivered", "#555"),
         ("error reply", ERROR), ("highlighted: named by the checker's evidence", "#b8860b"))


def base_type(type_name):
    """A request and its reply share a colour: "read_ok" -> "read"."""
    return type_name[:-3] if type_name.endswith("_ok") else type_name


class Table:
    """The journal as columns, one entry per message, in send order; init traffic left out.

    Rows number the kept events (send, recv, drop) from 0; `times[row]` is the event's
    time (ns). A message's end is RECV, DROP or NONE (never delivered); end_row is -1 for
    NONE.
    """

    def __init__(self, journal, rows=None):
        """rows: build only the first `rows` rows (reading on just far enough to know how
        the messages sent in them ended)."""
        self.times = []
        self.ids, self.srcs, self.dests, self.bodies, self.types = [], [], [], [], []
        self.send_rows, self.end_rows, self.ends = [], [], []
        skipped, late = set(), set()
        index = {}            # message id -> column index
        times, end_rows, ends = self.times, self.end_rows, self.ends
        pending = 0           # messages in the table not yet ended
        for event in journal or ():
            message_id = event["id"]
            if event["event"] == "send":
                body = event.get("body")
                if body.__class__ is not dict:
                    body = {"body": body}
                type_name = str(body.get("type"))
                if type_name in INIT_TYPES:
                    skipped.add(message_id)
                    continue
                if rows is not None and len(times) >= rows:
                    if not pending:
                        break
                    late.add(message_id)          # a row past the window: counted only
                    times.append(event["time"])
                    continue
                index[message_id] = len(self.ids)
                self.ids.append(message_id)
                self.srcs.append(event["src"])
                self.dests.append(event["dest"])
                self.bodies.append(body)
                self.types.append(type_name)
                self.send_rows.append(len(times))
                end_rows.append(-1)
                ends.append(NONE)
                pending += 1
            else:
                i = index.get(message_id)
                if i is None or ends[i] != NONE:
                    if message_id in late:
                        times.append(event["time"])
                    continue        # init traffic, or a second end (never expected)
                end_rows[i] = len(times)
                ends[i] = RECV if event["event"] == "recv" else DROP
                pending -= 1
            times.append(event["time"])

    def __len__(self):
        return len(self.ids)

    def last_row(self, i):
        """The last row message i's arrow reaches."""
        return self.end_rows[i] if self.ends[i] != NONE else self.send_rows[i] + UNDELIVERED_ROWS

    def row_at(self, ns, after=False):
        """The first row at or after time `ns` (after=True: the first row past it)."""
        return (bisect.bisect_right if after else bisect.bisect_left)(self.times, ns)



def overview(journal):
    """(the (src, dest) pairs, {type: count}, number of rows) of a whole journal, init left
    out: what the lanes, the legend and the headings need; the writer's summary when the
    journal carries one, else one light pass over it."""
    summary = getattr(journal, "summary", None) or JournalSummary.of(journal)
    return summary.pairs, summary.counts, summary.rows


class Lanes:
    """Lane order and x positions: per node its clients' lane then its own; services last;
    clients that talk to no node (if any) first."""

    def __init__(self, pairs, nodes=()):
        endpoints = {src for src, _ in pairs} | {dest for _, dest in pairs}
        client_node = {}
        for src, dest in sorted(pairs):
            if src[:1] == "c":
                if dest[:1] != "c":
                    client_node.setdefault(src, dest)
            elif dest[:1] == "c":
                client_node.setdefault(dest, src)
        nodes = list(nodes)
        services = sorted(n for n in endpoints if n in SERVICES)
        node_list = nodes + sorted((n for n in endpoints if not is_client(n)
                                    and n not in SERVICES and n not in nodes),
                                   key=node_sort_key)
        clients_of, loose = {}, []
        for client in sorted((n for n in endpoints if is_client(n)), key=node_sort_key):
            node = client_node.get(client)
            if node in node_list:
                clients_of.setdefault(node, []).append(client)
            else:
                loose.append(client)
        self.lanes = []             # (label, kind, members)
        for client in loose:
            self.lanes.append((client, "client", [client]))
        for node in node_list:
            if node in clients_of:
                members = clients_of[node]
                label = members[0] if len(members) == 1 else f"{members[0]}+{len(members) - 1}"
                self.lanes.append((label, "client", members))
            self.lanes.append((node, "node", [node]))
        for service in services:
            self.lanes.append((service, "service", [service]))
        units = [0.45 if kind == "client" else 1.0 for _, kind, _ in self.lanes] or [1.0]
        self.pitch = max(44.0, (1200 - GUTTER - 20) / sum(units))
        self.width = round(GUTTER + 20 + self.pitch * sum(units))
        self.x = {}                 # endpoint -> x
        self.index = {}             # endpoint -> lane number
        self.lane_x = []
        left = GUTTER + 10
        for number, ((label, kind, members), unit) in enumerate(zip(self.lanes, units)):
            x = left + unit * self.pitch / 2
            left += unit * self.pitch
            self.lane_x.append(round(x))        # whole pixels: arrows meet lanes exactly
            for member in members:
                self.x[member] = round(x)
                self.index[member] = number

    def nodes(self):
        """The node lanes' names, in order."""
        return [label for label, kind, _ in self.lanes if kind == "node"]


class Colours:
    """One hue per base message type, in order of first appearance."""

    def __init__(self, type_counts):
        counts = {}
        for type_name, count in type_counts.items():
            base = base_type(type_name)
            counts[base] = counts.get(base, 0) + count
        self.counts = counts
        self.hue = {base: PALETTE[i % len(PALETTE)] for i, base in enumerate(counts)}
        self.cls = {base: f"t{i}" for i, base in enumerate(counts)}

    def style(self):
        rules = [f".{cls} line,.{cls} path{{stroke:{self.hue[base]}}}"
                 f".{cls} text{{fill:{self.hue[base]}}}" for base, cls in self.cls.items()]
        rules.append(f".err line,.err path{{stroke:{ERROR}}}.err text{{fill:{ERROR}}}")
        return STYLE + "\n".join(rules) + "\n"


def fault_rows(table, fault):
    """The rows [first, last) of a table during which a fault held."""
    first = table.row_at(fault.start)
    if fault.end is None:
        return first, len(table.times)
    if fault.end == fault.start:
        return first, first + 1
    return first, table.row_at(fault.end, after=True)


class Diagram:
    """Draws windows of a Table as SVG."""

    def __init__(self, journal, history=None, nodes=(), highlights=None, rows=PAGE_ROWS):
        """A diagram of a journal's first `rows` rows (None: all of them), with the lanes
        and colours of the whole run."""
        self.table = Table(journal, rows)
        pairs, counts, self.total_rows = overview(journal)
        self.total_messages = sum(counts.values())
        self.lanes = Lanes(pairs, nodes)
        self.colours = Colours(counts)
        self.faults = faults_module.faults(history)
        self.highlights = highlights or {}       # message id -> why it is highlighted

    def body(self, start, stop, heading):
        """The SVG elements for rows [start, stop) (no <svg> wrapper): (text, height)."""
        height = TOP + (max(stop - start, 1) + 1) * ROW
        out = [DEFS, self._faults(start, stop), self._lifelines(start, stop, height),
               self._arrows(start, stop, height), self._heading(heading)]
        return "".join(out), height

    def svg(self, start, stop, heading):
        """A standalone SVG document of rows [start, stop)."""
        body, height = self.body(start, stop, heading)
        width = self.lanes.width
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" style="{FONT};font-size:11px;'
                f'background:#fff">\n<style>{self.colours.style()}</style>\n{body}</svg>\n')

    def _y(self, row, start):
        return TOP + (row - start + 0.5) * ROW

    def _heading(self, heading):
        out = [f'<text x="8" y="16" style="font-size:13px;font-weight:bold">{esc(heading)}'
               f'</text>']
        x, y = 8, 34
        for base, count in sorted(self.colours.counts.items(), key=lambda item: -item[1]):
            text = f"{base} ({count})"
            if x + 24 + len(text) * 6 > self.lanes.width:
                break
            out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" '
                       f'stroke="{self.colours.hue[base]}" stroke-width="3"/>'
                       f'<text x="{x + 22}" y="{y}">{esc(text)}</text>')
            x += 30 + len(text) * 6
        x = 8
        for text, colour in NOTES:
            out.append(f'<text x="{x}" y="{y + 16}" fill="{colour}">{esc(text)}</text>')
            x += 20 + round(len(text) * 5.6)
        for kind in faults_module.kinds(self.faults):
            colour = FAULT_COLOURS.get(kind, OTHER_FAULT)
            out.append(f'<rect x="{x}" y="{y + 6}" width="14" height="12" fill="{colour}"/>'
                       f'<text x="{x + 18}" y="{y + 16}">{esc(kind)}</text>')
            x += 30 + len(kind) * 6
        return "".join(out) + "\n"

    def _lifelines(self, start, stop, height):
        lanes, times = self.lanes, self.table.times
        out = []
        for (label, kind, members), x in zip(lanes.lanes, lanes.lane_x):
            cls = "lc" if kind == "client" else "life"
            out.append(f'<line class="{cls}" x1="{num(x)}" y1="{TOP - 6}" x2="{num(x)}" '
                       f'y2="{height}"/>')
            hover = f"<title>{esc(' '.join(members))}</title>" if len(members) > 1 else ""
            out.append(f'<text class="ln" x="{num(x)}" y="{TOP - 10}">{hover}{esc(label)}</text>')
        # The lane names again every LANE_LABEL_EVERY rows, grey, to read them when scrolled.
        for row in range(start - start % LANE_LABEL_EVERY + LANE_LABEL_EVERY, stop,
                         LANE_LABEL_EVERY):
            y = num(self._y(row, start) - ROW / 2)
            for (label, kind, members), x in zip(lanes.lanes, lanes.lane_x):
                out.append(f'<text class="ln2" x="{num(x)}" y="{y}">{esc(label)}</text>')
        for row in range(start - start % TIME_LABEL_EVERY, min(stop, len(times)),
                         TIME_LABEL_EVERY):
            if row >= start:
                out.append(f'<text class="tm" x="{GUTTER - 6}" '
                           f'y="{num(self._y(row, start) + 4)}">{times[row] / 1e9:.3f} s</text>')
        return "\n".join(out) + "\n"

    def _faults(self, start, stop):
        out = []
        lanes = self.lanes
        for fault in self.faults:
            first, last = fault_rows(self.table, fault)
            lo, hi = max(first, start), min(last, stop)
            if lo >= hi:
                continue
            y0 = self._y(lo, start) - ROW / 2
            y1 = self._y(hi, start) - ROW / 2
            colour = FAULT_COLOURS.get(fault.kind, OTHER_FAULT)
            until = f"{fault.end / 1e9:.3f} s" if fault.end is not None else "the end"
            when = f"{fault.kind} {fault.start / 1e9:.3f} s – {until}"
            title = f"<title>{esc(when + ': ' + fault.detail)}</title>"
            if fault.kind in ("kill", "pause"):
                half = lanes.pitch * 0.35
                for node in fault.nodes:
                    x = lanes.x.get(node)
                    if x is not None:
                        out.append(f'<rect x="{num(x - half)}" y="{num(y0)}" '
                                   f'width="{num(2 * half)}" height="{num(y1 - y0)}" '
                                   f'fill="{colour}" fill-opacity=".6">{title}</rect>'
                                   f'<text class="fl" x="{num(x)}" y="{num(y0 + 11)}" '
                                   f'text-anchor="middle">{esc(fault.kind)}</text>')
                continue
            out.append(f'<rect class="band" x="{GUTTER}" y="{num(y0)}" '
                       f'width="{lanes.width - GUTTER}" height="{num(max(y1 - y0, 2))}" '
                       f'fill="{colour}" fill-opacity=".45">{title}</rect>')
            label = when + (" (continued)" if lo > first else "") + ": " + fault.detail
            out.append(f'<text class="fl" x="{GUTTER + 4}" y="{num(y0 + 11)}">'
                       f'{esc(label[:220])}{title}</text>')
            for receiver, senders in sorted(fault.grudge.items()):
                x = lanes.x.get(receiver)
                if not senders or x is None:
                    continue
                dropped = " ".join(sorted(senders, key=node_sort_key))
                out.append(f'<line class="cut" x1="{num(x)}" y1="{num(y0)}" x2="{num(x)}" '
                           f'y2="{num(y1)}"/>')
                chars = max(4, int(lanes.pitch / 5))
                text = "⊘ " + dropped
                text = text if len(text) <= chars else text[:chars - 1] + "…"
                out.append(f'<text class="cutl" x="{num(x)}" y="{num(y0 + 24)}">'
                           f'<title>{esc(receiver)} drops messages from {esc(dropped)}'
                           f'</title>{esc(text)}</text>')
        return "\n".join(out) + ("\n" if out else "")

    def describe(self, i):
        """(label, class, hover text) of message i; the same texts the viewer shows."""
        t = self.table
        body, type_name = t.bodies[i], t.types[i]
        rest = {k: v for k, v in body.items()
                if k != "type" and k != "msg_id" and k != "in_reply_to"}
        rest_text = preview(rest, TITLE_ITEMS, TITLE_CHARS) if rest else ""
        if type_name == "error":
            label = f"error {body.get('code')} {body.get('text', '')}"
        else:
            label = f"{type_name} {rest_text}" if rest else type_name
        ids = "".join(f", {k} {body[k]}" for k in ("msg_id", "in_reply_to") if k in body)
        sent, end = t.times[t.send_rows[i]], t.ends[i]
        if end == RECV:
            got = t.times[t.end_rows[i]]
            fate = (f"sent {sent / 1e9:.3f} s, delivered {got / 1e9:.3f} s "
                    f"({(got - sent) / 1e6:.0f} ms)")
        elif end == DROP:
            fate = (f"sent {sent / 1e9:.3f} s, DROPPED at {t.times[t.end_rows[i]] / 1e9:.3f} s:"
                    f" {t.dests[i]} was cut off from {t.srcs[i]} by a partition")
        else:
            fate = (f"sent {sent / 1e9:.3f} s, never delivered (still queued when the test "
                    f"ended, or its receiver had gone)")
        why = self.highlights.get(t.ids[i])
        hover = (f"{t.srcs[i]} → {t.dests[i]}  message {t.ids[i]}{ids}\n{fate}\n"
                 + (f"{why}\n" if why else "") + f"{type_name} {rest_text}")
        cls = "err" if type_name == "error" else self.colours.cls.get(base_type(type_name), "t0")
        cls += " u" if end == NONE else " x" if end == DROP else ""
        if "in_reply_to" in body:
            cls += " r"
        return label, cls, hover

    def _arrows(self, start, stop, height):
        t, x_of, highlights = self.table, self.lanes.x, self.highlights
        out = []
        append = out.append
        offset = TOP + (0.5 - start) * ROW
        for i in range(len(t)):
            send_row = t.send_rows[i]
            if send_row >= stop:
                break
            if t.last_row(i) < start:
                continue
            x1, x2 = x_of.get(t.srcs[i]), x_of.get(t.dests[i])
            if x1 is None or x2 is None:
                continue
            label, cls, hover = self.describe(i)
            y1 = offset + send_row * ROW
            if t.ends[i] == NONE:
                x2 = x1 + (x2 - x1) * 0.4 if x2 != x1 else x1 + 30
                y2 = y1 + UNDELIVERED_ROWS * ROW
            else:
                y2 = offset + t.end_rows[i] * ROW
            if t.ids[i] in highlights:
                append(f'<line class="hl" x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" '
                       f'y2="{y2:.0f}"/>')
            head = f'<g id="m{t.ids[i]}" class="m {cls}"><title>{text_esc(hover)}</title>'
            if x1 == x2:
                append(f'{head}<path d="M{x1:.0f},{y1:.0f} C{x1 + 40:.0f},{y1:.0f} '
                       f'{x1 + 40:.0f},{y2:.0f} {x1 + 2:.0f},{y2:.0f}"/></g>')
            else:
                append(f'{head}<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}"/>'
                       f'{_label(label, x1, y1, x2, y2, TOP, height)}</g>')
        return "\n".join(out) + "\n"


def _label(label, x1, y1, x2, y2, top_y, bottom_y):
    """The arrow's label, centred on the part of the arrow inside the window, above it."""
    ya = y1 if y1 > top_y else top_y
    yb = y2 if y2 < bottom_y else bottom_y
    if yb < ya:
        return ""
    if y2 != y1:
        slope = (x2 - x1) / (y2 - y1)
        xa, xb = x1 + slope * (ya - y1), x1 + slope * (yb - y1)
    else:
        xa, xb = x1, x2
    chars = int(math.hypot(xb - xa, yb - ya) / 6.2)
    if chars < 4:
        return ""
    if chars > LABEL_CHARS:
        chars = LABEL_CHARS
    if len(label) > chars:
        label = label[:chars - 1] + "…"
    mx, my = (xa + xb) / 2, (ya + yb) / 2
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return (f'<text x="{mx:.0f}" y="{my - 4:.0f}" text-anchor="middle" '
            f'transform="rotate({angle:.1f} {mx:.0f} {my:.0f})">{text_esc(label)}</text>')


def write(run_dir, diagram, workload):
    """Write messages.svg: the first PAGE_ROWS rows, as Maelstrom's shows its first
    events; the heading says how much of the run that is."""
    t = diagram.table
    rows = diagram.total_rows
    stop = min(len(t.times), PAGE_ROWS)
    span = f"{t.times[stop - 1] / 1e9:.3f} s" if stop else "0 s"
    heading = (f"{workload} messages: all {rows:,} events" if rows <= PAGE_ROWS else
               f"{workload} messages: the first {stop:,} of {rows:,} events (to {span}); "
               f"the whole run is in messages.html")
    with open(os.path.join(run_dir, "messages.svg"), "w", encoding="utf-8") as out:
        out.write(diagram.svg(0, stop, heading))
    return "messages.svg"
