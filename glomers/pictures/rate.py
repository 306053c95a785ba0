"""rate.svg: completions per second over time, per :f and completion type.

As Jepsen's rate plot: client completions (the nemesis left out) counted into time buckets
by completion time, each adding 1/width, so the value is completions per second, plotted
at each bucket's middle on a linear scale, one series per (:f, completion type) that has
any. Jepsen's buckets are 10 s wide and it drops the last partial one; here they are as
wide as plot.bucket_seconds chooses and the last one is kept.
"""

import math
import os

from . import plot
from .svg import TYPE_COLOURS, esc


def rates(perf):
    """(bucket width s, {(f, type): {bucket start s: completions per second}})."""
    x0, x1 = perf.x_range
    width = plot.bucket_seconds(x1 - x0)
    found = {}
    for _, completion in perf.pairs:
        key = (str(completion.get("f")), str(completion.get("type")))
        start = math.floor((completion.get("time") or 0) / 1e9 / width) * width
        per = found.setdefault(key, {})
        per[start] = per.get(start, 0) + 1 / width
    return width, found


def render(history, workload="", perf=None):
    """The text of rate.svg."""
    perf = perf or plot.Perf(history)
    width, found = rates(perf)
    x_range = perf.x_range
    starts = [start for per in found.values() for start in per]
    top = max((v for per in found.values() for v in per.values()), default=1)
    frame = plot.Frame(f"{workload} rate ({width:g} s buckets)", x_range,
                       (0, plot.broaden(0, top * 1.05)[1]), False, "Throughput (hz)")
    frame.axes()
    frame.shade(perf)
    shapes = plot.shape_of({f for f, _ in found})
    out = []
    last = max(starts, default=0)
    for f, kind in sorted(found, key=lambda key: (key[0], ("ok", "info", "fail").index(key[1])
                                                  if key[1] in ("ok", "info", "fail") else 3)):
        colour = TYPE_COLOURS.get(kind, "#000")
        per = found[(f, kind)]
        points = [(start + width / 2, per.get(start, 0))
                  for start in _range(width, last)]
        coords = " ".join(f"{frame.x(x):.1f},{frame.y(v):.1f}" for x, v in points)
        out.append(f'<g class="series" data-series="{esc(f)} {esc(kind)}">'
                   f'<polyline points="{coords}" fill="none" stroke="{colour}"/>')
        for x, value in points:
            out.append(plot.marker(shapes[f], frame.x(x), frame.y(value), colour,
                                   f"{esc(f)} {kind}: {value:g}/s, {x - width / 2:g}–"
                                   f"{x + width / 2:g} s"))
        out.append("</g>")
        frame.legend_entries.append(("line", colour, shapes[f], f"{f} {kind}"))
    frame.parts.append("\n".join(out))
    frame.legend()
    return frame.document(None if found else "no client op completed")


def _range(width, last):
    """Bucket starts from 0 to `last`."""
    count = int(round(last / width)) + 1
    return [i * width for i in range(count)]


def write(run_dir, history, workload="", perf=None):
    """Write rate.svg into a run folder."""
    with open(os.path.join(run_dir, "rate.svg"), "w", encoding="utf-8") as out:
        out.write(render(history, workload, perf))
    return "rate.svg"
