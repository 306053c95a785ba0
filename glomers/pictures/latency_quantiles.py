"""latency-quantiles.svg: latency quantiles over time, per :f.

As Jepsen's latency-quantiles plot: the completed client ops of each :f, whatever their
completion type, grouped into time buckets by invocation time and plotted at each bucket's
middle; quantiles 0.5, 0.95, 0.99 and 1 (the q-quantile of n sorted latencies is element
min(n − 1, ⌊n·q⌋)), one colour per quantile and one point shape per :f, on a log scale.
Jepsen's buckets are 30 s wide, which leaves a 20 s test one point; here they are as wide
as plot.bucket_seconds chooses (2 s for a 20 s test and its 10 s of final reads).
"""

import math
import os

from . import plot
from .latency_raw import series, y_range
from .svg import esc

QUANTILES = (0.5, 0.95, 0.99, 1)


def quantile(ordered, q):
    """Jepsen's q-quantile of an ascending list."""
    return ordered[min(len(ordered) - 1, math.floor(len(ordered) * q))]


def buckets(perf):
    """(bucket width s, {f: {bucket start s: sorted latencies}})."""
    x0, x1 = perf.x_range
    width = plot.bucket_seconds(x1 - x0)
    grouped = {}
    for (f, _), points in series(perf).items():
        for x, latency, _ in points:
            start = math.floor(x / width) * width
            grouped.setdefault(f, {}).setdefault(start, []).append(latency)
    for per_f in grouped.values():
        for start in per_f:
            per_f[start].sort()
    return width, grouped


def render(history, workload="", perf=None):
    """The text of latency-quantiles.svg."""
    perf = perf or plot.Perf(history)
    width, grouped = buckets(perf)
    latencies = [v for per_f in grouped.values() for values in per_f.values() for v in values]
    zero = " (every op took 0 ms: on the bottom edge)" if latencies and max(latencies) <= 0 \
        else ""
    frame = plot.Frame(f"{workload} latency quantiles ({width:g} s buckets){zero}",
                       perf.x_range, y_range(latencies), True, "Latency (ms)")
    frame.axes()
    frame.shade(perf)
    shapes = plot.shape_of(grouped)
    out = []
    for f in sorted(grouped):
        for q in QUANTILES:
            colour = plot.QUANTILE_COLOURS[q]
            points = [(start + width / 2, quantile(values, q), len(values))
                      for start, values in sorted(grouped[f].items())]
            coords = " ".join(f"{frame.x(x):.1f},{frame.y(v):.1f}" for x, v, _ in points)
            out.append(f'<g class="series" data-series="{esc(f)} {q:g}">'
                       f'<polyline points="{coords}" fill="none" stroke="{colour}"/>')
            for x, value, count in points:
                out.append(plot.marker(shapes[f], frame.x(x), frame.y(value), colour,
                                       f"{esc(f)} {q:g} quantile, {value:.1f} ms over {count} "
                                       f"op(s) invoked {x - width / 2:g}–{x + width / 2:g} s"))
            out.append("</g>")
            frame.legend_entries.append(("line", colour, shapes[f], f"{f} {q:g}"))
    frame.parts.append("\n".join(out))
    frame.legend()
    return frame.document(None if grouped else "no client op completed")


def write(run_dir, history, workload="", perf=None):
    """Write latency-quantiles.svg into a run folder."""
    with open(os.path.join(run_dir, "latency-quantiles.svg"), "w", encoding="utf-8") as out:
        out.write(render(history, workload, perf))
    return "latency-quantiles.svg"
