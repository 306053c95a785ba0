"""latency-raw.svg: every completed client op's latency against its invocation time.

As Jepsen's latency-raw plot: one point per client invocation that completed, at x = the
invocation's time (s) and y = completion time − invocation time (ms) on a log scale, one
series per (:f, completion type), the sparse ones drawn last so they stay on top. Faults
are shaded. A latency of 0 (possible in virtual time, where a local answer takes no time)
is drawn on the bottom edge, at the axis minimum.
"""

import math
import os

from . import plot
from .svg import TYPE_COLOURS, esc

FLOOR_MS = 0.01
MAX_POINTS = 60_000     # beyond this, points are thinned evenly (the file stays small)


def series(perf):
    """{(f, type): [(x seconds, latency ms, invocation index)]} of the completed client ops."""
    found = {}
    for invocation, completion in perf.pairs:
        t0 = (invocation.get("time") or 0)
        latency = ((completion.get("time") or 0) - t0) / 1e6
        key = (str(invocation.get("f")), str(completion.get("type")))
        found.setdefault(key, []).append((t0 / 1e9, latency, invocation.get("index")))
    return found


def y_range(latencies):
    """Log axis from the power of ten below the smallest positive latency to the one above
    the largest."""
    positive = [v for v in latencies if v > 0]
    low = min(positive) if positive else 1
    high = max(positive) if positive else 1
    low = max(low, FLOOR_MS)
    return 10.0 ** math.floor(math.log10(low)), 10.0 ** max(math.ceil(math.log10(high)),
                                                             math.floor(math.log10(low)) + 1)


def render(history, workload="", perf=None):
    """The text of latency-raw.svg."""
    perf = perf or plot.Perf(history)
    found = series(perf)
    everything = [point for points in found.values() for point in points]
    zero = sum(1 for p in everything if p[1] <= 0)
    title = f"{workload} latency" + (f" ({zero} op(s) took 0 ms: on the bottom edge)"
                                     if zero else "")
    frame = plot.Frame(title, perf.x_range,
                       y_range([p[1] for p in everything]), True, "Latency (ms)")
    frame.axes()
    frame.shade(perf)
    shapes = plot.shape_of({f for f, _ in found})
    stride = max(1, math.ceil(len(everything) / MAX_POINTS))
    out = []
    for (f, kind), points in sorted(found.items(), key=lambda item: -len(item[1])):
        colour = TYPE_COLOURS.get(kind, "#000")
        label, shape = esc(f), shapes[f]
        out.append(f'<g class="series" data-series="{label} {esc(kind)}">')
        for x, latency, index in points[::stride]:
            out.append(plot.marker(shape, frame.x(x), frame.y(latency), colour,
                                   f"op {index}: {label} {kind}, {latency:.1f} ms at "
                                   f"{x:.3f} s"))
        out.append("</g>")
    frame.parts.append("\n".join(out))
    for f in sorted({f for f, _ in found}):
        for kind in ("ok", "info", "fail"):
            if (f, kind) in found:
                frame.legend_entries.append(("point", TYPE_COLOURS[kind], shapes[f],
                                             f"{f} {kind}"))
    frame.legend()
    return frame.document(None if found else "no client op completed")


def write(run_dir, history, workload="", perf=None):
    """Write latency-raw.svg into a run folder."""
    with open(os.path.join(run_dir, "latency-raw.svg"), "w", encoding="utf-8") as out:
        out.write(render(history, workload, perf))
    return "latency-raw.svg"
