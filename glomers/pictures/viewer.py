"""messages.html: the Lamport diagram of the WHOLE run, page by page, in one file.

Maelstrom draws the first 10,000 events and stops. A 25-node run sends about 50,000
messages, and drawing all of them as SVG in Python would cost a good part of the run's own
time, so this page embeds the run's journal.jsonl as it is, plus the lanes, colours and
faults, and a small script (viewer.js) draws one page of PAGE_ROWS events at a time with
the same geometry, texts and classes as messages.svg. Everything is in the file: it works
from disk, without a server.

The page lists every page with its time range and what it holds (faults, dropped and
undelivered messages, errors, highlighted messages), jumps to a time, follows one value
(only the messages carrying it, with a dot where each node first received it), and can
save the page on screen as an SVG file. Links: `#p3`, `#t12.5`, `#m1234`, `#v=17`.
"""

import functools
import json
import os
from urllib.parse import quote

from .messages import DEFS, GUTTER, NOTES, PAGE_ROWS, ROW, TOP
from .svg import FAULT_COLOURS, OTHER_FAULT, encode, esc
from .. import quote as quote_limits
from ..nemesis import node_sort_key

PAGE_STYLE = """body{margin:0;font-family:Helvetica,Arial,sans-serif;font-size:13px}
.bar{position:sticky;top:0;background:#f4f4f4;border-bottom:1px solid #ccc;z-index:1;
padding:4px 8px}.bar form{display:inline}.bar input{width:5em}
.lanes{position:relative;height:16px;font-size:11px;font-weight:bold;margin-left:-8px}
.lanes span{position:absolute;transform:translateX(-50%);top:0}
.flash line{stroke-width:7}.key span{margin-right:12px}
details{margin:6px 8px}table{border-collapse:collapse}
td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.hot{background:#FFF3B0}"""


@functools.lru_cache(maxsize=1)
def _script():
    with open(os.path.join(os.path.dirname(__file__), "viewer.js"), encoding="utf-8") as f:
        return f.read()


def data(diagram, workload, values=None):
    """The viewer's data besides the journal: lanes, message types, faults, highlights."""
    lanes = diagram.lanes
    faults = []
    for fault in diagram.faults:
        until = f"{fault.end / 1e9:.3f} s" if fault.end is not None else "the end"
        faults.append({
            "kind": fault.kind, "colour": FAULT_COLOURS.get(fault.kind, OTHER_FAULT),
            "start": fault.start, "end": fault.end,
            "when": f"{fault.kind} {fault.start / 1e9:.3f} s – {until}",
            "detail": fault.detail,
            "cut": [[lanes.x[r], r, " ".join(sorted(s, key=node_sort_key))]
                    for r, s in sorted(fault.grudge.items()) if s and r in lanes.x],
            "lanes": [lanes.x[n] for n in fault.nodes if n in lanes.x]})
    return {
        "workload": workload, "page": PAGE_ROWS, "row": ROW, "top": TOP, "gutter": GUTTER,
        "width": lanes.width, "pitch": lanes.pitch, "defs": DEFS,
        "lanes": [[label, kind, x, " ".join(members)]
                  for (label, kind, members), x in zip(lanes.lanes, lanes.lane_x)],
        "endpoints": lanes.index,
        "types": [[base, diagram.colours.hue[base], count]
                  for base, count in diagram.colours.counts.items()],
        "faults": faults,
        "highlights": {str(k): v for k, v in diagram.highlights.items()},
        "values": {str(k): list(v) for k, v in (values or {}).items()},
    }


def journal_lines(run_dir, journal):
    """The journal as JSON lines (bytes), one at a time: journal.jsonl as the run wrote it,
    else encoded from the events given. A line longer than quote.VALUE_LIMIT has its long
    strings cut, so the page (and the memory drawing it takes) stays small whatever a node
    sent; the run folder's journal keeps every body whole. "<" only occurs inside JSON
    strings, where \\u003c means the same: the script element can never be closed early."""
    path = os.path.join(run_dir, "journal.jsonl")
    if journal is None or os.path.exists(path):
        with open(path, "rb") as f:
            for line in f:
                if len(line) > quote_limits.VALUE_LIMIT:
                    line = (encode(quote_limits.clip_value(json.loads(line))) + "\n").encode()
                yield line.replace(b"<", b"\\u003c")
        return
    for event in journal:
        yield (encode(quote_limits.clip_value(event)) + "\n").encode().replace(b"<", b"\\u003c")


def render(diagram, workload, lines, values=None):
    """messages.html as UTF-8 byte chunks; `lines`: the journal's lines (journal_lines)."""
    payload = encode(data(diagram, workload, values)).replace("<", "\\u003c")
    lanes = "".join(f'<span style="left:{x}px">{esc(label)}</span>'
                    for (label, _, _), x in zip(diagram.lanes.lanes, diagram.lanes.lane_x))
    key = "".join(f'<span style="color:{diagram.colours.hue[base]}">━ {esc(base)} ({count})'
                  f'</span>' for base, count in sorted(diagram.colours.counts.items(),
                                                       key=lambda item: -item[1]))
    key += "".join(f'<span style="color:{colour}">{esc(text)}</span>' for text, colour in NOTES)
    key += "".join(f'<span style="background:{FAULT_COLOURS.get(k, OTHER_FAULT)}">{esc(k)}</span>'
                   for k in sorted({f.kind for f in diagram.faults}))
    followed = "".join(f'<li><a href="#v={esc(quote(str(v)))}">{esc(v)}</a></li>' for v in (values or {}))
    rows = diagram.total_rows
    head = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(workload)} messages</title>
<style>{PAGE_STYLE}</style><style id="style">{diagram.colours.style()}</style></head>
<body>
<div class="bar" style="width:{diagram.lanes.width - 16}px">
<b>{esc(workload)}: {diagram.total_messages:,} messages, {rows:,} events</b>
<button id="prev">◀</button> <select id="page"></select> <button id="next">▶</button>
<form id="go">time <input id="time" placeholder="s"> or value <input id="value">
<button>go</button></form> <select id="axis" title="the vertical axis">
<option value="0">rows: events in order</option><option value="1">rows: time, 1 px/ms</option>
<option value="3">rows: time, 3 px/ms</option><option value="10">rows: time, 10 px/ms</option>
<option value="50">rows: time, 50 px/ms</option></select>
<button id="save">save page as SVG</button>
<div id="status"></div>
<div class="key">{key}</div>
<div class="lanes">{lanes}</div>
</div>
<details><summary>What this shows, every page, values to follow</summary>
<p>One lane per node, per service, and per node's clients (the dashed lane just left of
the node). One row per network event (send, delivery, drop) in the order the network saw
them: the vertical axis is event order, not time (times are in the left margin), unless
"rows: time" is chosen, which draws each message's latency as its slope. Hover an
arrow for its body. A dashed arrow ending in a red × was dropped by a partition; a dotted
stub ending in ? was never delivered. Sand bands are partitions, each cut-off lane marked
⊘ with the nodes it could not hear; shaded lanes are killed or paused nodes. Highlighted
arrows carry what the checker's evidence names. A value typed above shows only the
messages carrying it. Links: #p3 (page 3), #t12.5 (the page at 12.5 s), #m1234 (message
1234), #v=17 (value 17); messages.html?axis=3#t12.5 opens with time as the axis.</p>
{f"<p>Values the checker's evidence names:</p><ul>{followed}</ul>" if followed else ""}
<table><tr><th>page</th><th>time</th><th>sent</th><th>dropped</th><th>never delivered</th>
<th>errors</th><th>faults</th><th>highlighted</th></tr><tbody id="pages"></tbody></table>
</details>
<svg id="diagram" xmlns="http://www.w3.org/2000/svg" width="{diagram.lanes.width}"
 height="100" style="font-family:Helvetica,Arial,sans-serif;font-size:11px;display:block">
</svg>
<script type="application/json" id="data">{payload}</script>
<script type="text/plain" id="journal">"""
    tail = f"""</script>
<script>{_script()}</script>
</body></html>
"""
    yield head.encode("utf-8")
    yield from lines
    yield tail.encode("utf-8")


def write(run_dir, diagram, workload, journal=None, values=None):
    """Write messages.html into a run folder (the journal from journal.jsonl if the folder
    has it, else from `journal`)."""
    with open(os.path.join(run_dir, "messages.html"), "wb") as out:
        out.writelines(render(diagram, workload, journal_lines(run_dir, journal), values))
    return "messages.html"
