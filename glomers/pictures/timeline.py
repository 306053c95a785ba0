"""timeline.html: every operation as a bar from its invocation to its completion.

As Jepsen's timeline: one column per process (the nemesis first, then client processes in
order; a client that crashed continues as a new process, so a new column), one row per
history event (16 px), so the vertical axis is history order, not time. A box spans its
invocation to its completion and is coloured by how it completed: ok blue, fail pink,
info orange. An :info op never provably ended, so its box runs to the bottom, as does an
invocation that never completed (grey, dashed). Hover a box for its op: duration, error,
time, the invoked and the returned value.

Beyond Jepsen: the text is escaped, sizes carry units, faults are shaded across the page
while they held, and both the invocation's and the completion's history index are link
targets (`timeline.html#i280`), since evidence names either.
"""

import os

from . import faults as faults_module
from .svg import FAULT_COLOURS, OTHER_FAULT, TIMELINE_COLOURS, esc, preview, text_esc

ROW = 16
PITCH = 106
WIDTH = 100
MAX_OPS = 40_000
TEXT_CHARS = 60
HOVER_ITEMS, HOVER_CHARS = 80, 1200

STYLE = f"""body{{font-family:Helvetica,Arial,sans-serif;font-size:11px;margin:8px}}
h1{{font-size:16px;margin:4px 0}}
.ops{{position:relative;margin-top:8px}}
.op{{position:absolute;width:{WIDTH - 4}px;padding:2px;border-radius:2px;overflow:hidden;
color:#000;text-decoration:none;box-shadow:0 1px 2px rgba(0,0,0,.25);box-sizing:border-box}}
.op.ok{{background:{TIMELINE_COLOURS['ok']}}}.op.fail{{background:{TIMELINE_COLOURS['fail']}}}
.op.info{{background:{TIMELINE_COLOURS['info']}}}
.op.open{{background:#eee;border:1px dashed #999}}
.op:target,i:target+.op{{box-shadow:0 0 0 4px #000,0 0 14px 6px #FFD700;z-index:2}}
.op:hover{{z-index:3;overflow:visible;min-height:fit-content}}
i{{position:absolute;width:1px;height:1px}}
.fault{{position:absolute;left:0;opacity:.5}}
.head{{position:absolute;top:-14px;width:{WIDTH}px;font-weight:bold}}
.key span{{display:inline-block;padding:1px 6px;margin-right:6px;border-radius:2px}}"""


def _process_key(process):
    # Jepsen sorts the nemesis before the numbered client processes.
    return (0, 0, "") if str(process) == "nemesis" else (
        (1, process, "") if isinstance(process, int) else (2, 0, str(process)))


def pairs(history):
    """(invocation, completion or None) for every op, in invocation order. Nemesis ops are
    recorded twice, both :info: the first is the invocation."""
    open_ops, found = {}, []
    for op in history:
        process = op.get("process")
        kind = str(op.get("type"))
        key = (str(process), str(op.get("f"))) if str(process) == "nemesis" else process
        if kind == "invoke" or (str(process) == "nemesis" and key not in open_ops):
            entry = [op, None]
            open_ops[key] = entry
            found.append(entry)
        else:
            entry = open_ops.pop(key, None)
            if entry is not None:
                entry[1] = op
    return found


def render(history, workload=""):
    """The text of timeline.html for a history."""
    history = history or []
    found = pairs(history)
    shown = found[:MAX_OPS]
    processes = sorted({str(inv.get("process")) if str(inv.get("process")) == "nemesis"
                        else inv.get("process") for inv, _ in shown}, key=_process_key)
    column = {p: i for i, p in enumerate(processes)}
    rows = len(history)
    bottom = (rows + 1) * ROW
    faults = faults_module.faults(history)
    out = [f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(workload)} '
           f'timeline</title><style>{STYLE}</style></head><body>',
           f"<h1>{esc(workload)} timeline: {len(found):,} operations</h1>",
           '<p class="key"><span style="background:#6DB6FE">ok</span>'
           '<span style="background:#FEB5DA">fail</span>'
           '<span style="background:#FFAA26">info (indeterminate; runs to the bottom)</span>'
           '<span style="background:#eee;border:1px dashed #999">never completed</span>'
           + "".join(f'<span style="background:{FAULT_COLOURS.get(k, OTHER_FAULT)}">{esc(k)}'
                     f'</span>' for k in faults_module.kinds(faults))
           + " One column per process, one 16 px row per history event (not time). Hover "
             "a box for its op; timeline.html#i&lt;index&gt; links to an op.</p>"]
    if len(found) > MAX_OPS:
        out.append(f"<p>Showing the first {MAX_OPS:,} of {len(found):,} operations.</p>")
    width = max(1, len(processes)) * PITCH
    out.append(f'<div class="ops" style="width:{width}px;height:{bottom + ROW}px;'
               f'margin-top:24px">')
    out.extend(_faults(faults, width, rows))
    for p, i in column.items():
        out.append(f'<div class="head" style="left:{i * PITCH}px">{esc(p)}</div>')
    append = out.append
    for invocation, completion in shown:
        process = invocation.get("process")
        nemesis = str(process) == "nemesis"
        left = column["nemesis" if nemesis else process] * PITCH
        start = invocation.get("index", 0)
        top = start * ROW
        value = invocation.get("value")
        short, long = _texts(value)
        f = invocation.get("f")
        text = f"{process} {f} {short}" if value is not None else f"{process} {f}"
        t0 = (invocation.get("time") or 0)
        if completion is None:
            kind, end, ident = "open", rows + 1, start
            hover = (f"never completed\nTime: {t0 / 1e9:.3f} s\n"
                     f"Op {start}: invoke {f} {long}")
        else:
            kind = str(completion.get("type"))
            ident = completion.get("index", start)
            end = rows + 1 if kind == "info" and not nemesis else ident + 1
            t1 = (completion.get("time") or 0)
            error = completion.get("error")
            returned = completion.get("value")
            same = returned is value or returned == value
            r_short, r_long = (short, long) if same else _texts(returned)
            if not same and returned is not None:
                text += f"\n{r_short}"
            hover = ("" if nemesis else f"Dur: {(t1 - t0) / 1e6:.0f} ms\n") + \
                (f"Err: {_texts(error)[1]}\n" if error is not None else "") + \
                (f"Time: {t0 / 1e9:.3f} s – {t1 / 1e9:.3f} s\n"
                 f"Op {start}: invoke {f} {long}\nOp {ident}: {kind} {f} {r_long}")
            if ident != start:
                append(f'<i id="i{start}" style="left:{left}px;top:{top}px"></i>')
        height = max(ROW, (end - start) * ROW)
        append(f'<a class="op {kind}" id="i{ident}" href="#i{ident}" title="{esc(hover)}" '
               f'style="left:{left}px;top:{top}px;height:{height}px">'
               f'{text_esc(text).replace(chr(10), "<br>")}</a>')
    out.append("</div></body></html>\n")
    return "\n".join(out)


def _texts(value):
    """(box text, hover text) of a value, from one encoding."""
    if value is None:
        return "", "nil"
    long = preview(value, HOVER_ITEMS, HOVER_CHARS)
    return (long if len(long) <= TEXT_CHARS else long[:TEXT_CHARS - 1] + "…"), long


def _faults(faults, width, rows):
    """Bands behind the boxes, from a fault's start row to its stop row."""
    out = []
    for fault in faults:
        top = (fault.start_index or 0) * ROW
        end = fault.end_index + 1 if fault.end_index is not None else rows + 1
        colour = FAULT_COLOURS.get(fault.kind, OTHER_FAULT)
        until = f"{fault.end / 1e9:.3f} s" if fault.end is not None else "the end"
        out.append(f'<div class="fault" title="{esc(fault.kind)} {fault.start / 1e9:.3f} s – '
                   f'{until}: {esc(fault.detail)}" style="top:{top}px;'
                   f'height:{max(ROW, (end - (fault.start_index or 0)) * ROW)}px;'
                   f'width:{width}px;background:{colour}"></div>')
    return out


def write(run_dir, history, workload=""):
    """Write timeline.html into a run folder."""
    with open(os.path.join(run_dir, "timeline.html"), "w", encoding="utf-8") as out:
        out.write(render(history, workload))
    return "timeline.html"
