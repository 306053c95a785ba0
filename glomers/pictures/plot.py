"""The frame Jepsen's perf plots share, as SVG: axes, ticks, fault shading, legend, points.

Jepsen draws latency-raw.png, latency-quantiles.png and rate.png with gnuplot (spec §4):
900×400, time in seconds on x from the moment the test's clock starts, the legend outside
on the right, one point shape per :f (open square, circle, triangle, ...), one colour per
completion type (ok blue, info orange, fail pink), and the nemesis shown as shaded
intervals with a thin line at each nemesis op. Here the same in SVG with the standard
library: each point carries a <title> with its op, so hovering says which op it is.

Unlike gnuplot's plots, the fault intervals are shaded over the whole height (not a strip
at the top), so a latency spike can be seen to sit inside a partition.
"""

import math

from . import faults as faults_module
from .svg import FAULT_COLOURS, FONT, OTHER_FAULT, esc, num

WIDTH, HEIGHT = 900, 400
LEFT, RIGHT, TOP, BOTTOM = 64, 700, 30, 350      # the plot area
SHAPES = ("square", "circle", "triangle", "diamond", "down", "cross", "plus", "star")
QUANTILE_COLOURS = {0.5: "#0072B2", 0.95: "#8E44AD", 0.99: "#E69F00", 1: "#D0021B"}


def broaden(low, high):
    """Jepsen's axis range: out to round numbers (a step of 10^round(log10(size/10)))."""
    if high <= low:
        return low - 1, high + 1
    step = 10 ** round(math.log10((high - low) / 10))
    lower = math.floor(low / step) * step
    upper = high if abs(high / step - round(high / step)) < 1e-3 else \
        math.ceil(high / step) * step
    return lower, upper


def nice_step(span, target=8):
    """A tick step of 1, 2 or 5 × 10^k giving about `target` ticks over `span`."""
    if span <= 0:
        return 1
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def bucket_seconds(duration):
    """Bucket width for the quantile and rate plots: Jepsen uses 30 s and 10 s, which leave
    one or two points for a 20 s test; here the widest of 0.5/1/2/5/10/30 s that still
    gives at least 15 buckets."""
    for width in (30, 10, 5, 2, 1):
        if duration / width >= 15:
            return width
    return 0.5


class Frame:
    """One plot: coordinates, axes, shading, legend, and the SVG document."""

    def __init__(self, title, x_range, y_range, log_y, y_label):
        self.title, self.log_y, self.y_label = title, log_y, y_label
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_range
        self.parts = []
        self.legend_entries = []

    def x(self, seconds):
        return LEFT + (seconds - self.x0) / (self.x1 - self.x0) * (RIGHT - LEFT)

    def y(self, value):
        if self.log_y:
            value = max(value, self.y0)
            frac = (math.log10(value) - math.log10(self.y0)) / \
                (math.log10(self.y1) - math.log10(self.y0))
        else:
            frac = (value - self.y0) / (self.y1 - self.y0)
        return BOTTOM - frac * (BOTTOM - TOP)

    def axes(self):
        out = [f'<rect x="{LEFT}" y="{TOP}" width="{RIGHT - LEFT}" height="{BOTTOM - TOP}" '
               f'fill="none" stroke="#000"/>']
        step = nice_step(self.x1 - self.x0)
        tick = math.ceil(self.x0 / step) * step
        while tick <= self.x1 + 1e-9:
            x = num(self.x(tick))
            out.append(f'<line x1="{x}" y1="{BOTTOM}" x2="{x}" y2="{BOTTOM - 5}" stroke="#000"/>'
                       f'<text x="{x}" y="{BOTTOM + 15}" text-anchor="middle">{tick:g}</text>')
            tick += step
        out.append(f'<text x="{(LEFT + RIGHT) // 2}" y="{BOTTOM + 34}" text-anchor="middle">'
                   f'Time (s)</text>')
        if self.log_y:
            for power in range(round(math.log10(self.y0)), round(math.log10(self.y1)) + 1):
                value = 10.0 ** power
                y = num(self.y(value))
                out.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + 6}" y2="{y}" stroke="#000"/>'
                           f'<text x="{LEFT - 4}" y="{y}" dy="4" text-anchor="end">'
                           f'{value:g}</text>')
                for minor in range(2, 10):
                    if value * minor < self.y1:
                        ym = num(self.y(value * minor))
                        out.append(f'<line x1="{LEFT}" y1="{ym}" x2="{LEFT + 3}" y2="{ym}" '
                                   f'stroke="#000"/>')
        else:
            step = nice_step(self.y1 - self.y0, 6)
            tick = math.ceil(self.y0 / step) * step
            while tick <= self.y1 + 1e-9:
                y = num(self.y(tick))
                out.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + 6}" y2="{y}" stroke="#000"/>'
                           f'<text x="{LEFT - 4}" y="{y}" dy="4" text-anchor="end">'
                           f'{tick:g}</text>')
                tick += step
        out.append(f'<text transform="rotate(-90)" x="{-(TOP + BOTTOM) // 2}" y="16" '
                   f'text-anchor="middle">{esc(self.y_label)}</text>')
        out.append(f'<text x="{(LEFT + RIGHT) // 2}" y="18" text-anchor="middle" '
                   f'style="font-size:14px">{esc(self.title)}</text>')
        self.parts.insert(0, "\n".join(out))

    def shade(self, perf):
        """Shade every fault interval and draw a line at each nemesis op; legend entries."""
        found = perf.faults
        out = []
        for fault in found:
            colour = FAULT_COLOURS.get(fault.kind, OTHER_FAULT)
            start = fault.start / 1e9
            end = fault.end / 1e9 if fault.end is not None else self.x1
            a, b = max(start, self.x0), min(end, self.x1)
            if b < a:
                continue
            until = f"{end:.3f} s" if fault.end is not None else "the end"
            out.append(f'<rect class="fault" x="{num(self.x(a))}" y="{TOP}" '
                       f'width="{num(max(self.x(b) - self.x(a), 1))}" height="{BOTTOM - TOP}" '
                       f'fill="{colour}" fill-opacity=".5"><title>{esc(fault.kind)} '
                       f'{start:.3f} s – {until}: {esc(fault.detail)}</title></rect>')
        for op in perf.nemesis:
            t = (op.get("time") or 0) / 1e9
            if self.x0 <= t <= self.x1:
                kind = faults_module.STARTS.get(str(op.get("f"))) or \
                    faults_module.STOPS.get(str(op.get("f")))
                colour = FAULT_COLOURS.get(kind, OTHER_FAULT)
                x = num(self.x(t))
                out.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{BOTTOM}" '
                           f'stroke="{colour}"/>')
        self.parts.append("\n".join(out))
        for kind in faults_module.kinds(found):
            self.legend_entries.append(("band", FAULT_COLOURS.get(kind, OTHER_FAULT), None, kind))

    def legend(self):
        out = []
        for n, (what, colour, shape, text) in enumerate(self.legend_entries[:22]):
            y = TOP + 8 + n * 15
            if what == "band":
                out.append(f'<rect x="{RIGHT + 12}" y="{y - 5}" width="16" height="10" '
                           f'fill="{colour}"/>')
            else:
                if what == "line":
                    out.append(f'<line x1="{RIGHT + 10}" y1="{y}" x2="{RIGHT + 30}" y2="{y}" '
                               f'stroke="{colour}" stroke-width="1.5"/>')
                out.append(marker(shape, RIGHT + 20, y, colour))
            out.append(f'<text x="{RIGHT + 36}" y="{y + 4}">{esc(text)}</text>')
        if len(self.legend_entries) > 22:
            out.append(f'<text x="{RIGHT + 12}" y="{TOP + 8 + 22 * 15}">… '
                       f'{len(self.legend_entries) - 22} more</text>')
        self.parts.append("\n".join(out))

    def document(self, empty_note=None):
        body = "\n".join(self.parts)
        if empty_note:
            body += (f'\n<text x="{(LEFT + RIGHT) // 2}" y="{(TOP + BOTTOM) // 2}" '
                     f'text-anchor="middle" fill="#888">{esc(empty_note)}</text>')
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
                f'viewBox="0 0 {WIDTH} {HEIGHT}" style="{FONT};font-size:11px;'
                f'background:#fff">\n<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>\n'
                f'{body}\n</svg>\n')


def marker(shape, x, y, colour, title=None):
    """An open point marker of a shape, centred at (x, y)."""
    hover = f"<title>{title}</title>" if title else ""
    style = f'fill="none" stroke="{colour}"'
    x, y = round(x, 1), round(y, 1)
    if shape == "circle":
        return f'<circle cx="{x}" cy="{y}" r="3" {style}>{hover}</circle>'
    if shape == "square":
        return f'<rect x="{x - 3}" y="{y - 3}" width="6" height="6" {style}>{hover}</rect>'
    return f'<path d="{_PATHS.get(shape, _triangle)(x, y)}" {style}>{hover}</path>'


def _triangle(x, y):
    return f"M{x},{y - 3.5}l3.5,6h-7z"


# Each path made only for the shape asked: a plot of 20,000 points draws one per point.
_PATHS = {"triangle": _triangle,
          "down": lambda x, y: f"M{x},{y + 3.5}l3.5,-6h-7z",
          "diamond": lambda x, y: f"M{x},{y - 4}l4,4l-4,4l-4,-4z",
          "cross": lambda x, y: f"M{x - 3},{y - 3}l6,6m0,-6l-6,6",
          "plus": lambda x, y: f"M{x - 4},{y}h8m-4,-4v8",
          "star": lambda x, y: f"M{x - 4},{y}h8m-4,-4v8m-3,-7l6,6m0,-6l-6,6"}


def shape_of(fs):
    """Point shape per :f, by sorted name, as Jepsen assigns gnuplot point types."""
    return {f: SHAPES[i % len(SHAPES)] for i, f in enumerate(sorted(fs))}


class Perf:
    """What the three plots share, computed once: completed client ops, faults, x range."""

    def __init__(self, history):
        history = history or []
        self.pairs = client_pairs(history)
        self.faults = faults_module.faults(history)
        self.nemesis = [op for op in history if str(op.get("process")) == "nemesis"]
        self.x_range = time_range(history)

    def latency_quantiles(self):
        """Op latency quantiles (ms) over the whole run: {"0.5": ..., "0.99": ..., "1": ...}."""
        latencies = sorted(((c.get("time") or 0) - (i.get("time") or 0)) / 1e6
                           for i, c in self.pairs)
        if not latencies:
            return {}
        n = len(latencies)
        return {str(q): round(latencies[min(n - 1, math.floor(n * q))], 1)
                for q in (0.5, 0.95, 0.99, 1)}


def client_pairs(history):
    """(invocation, completion) of every client op that completed, in invocation order."""
    open_ops, pairs = {}, []
    for op in history or ():
        process = op.get("process")
        if str(process) == "nemesis":
            continue
        if str(op.get("type")) == "invoke":
            open_ops[process] = op
        else:
            invocation = open_ops.pop(process, None)
            if invocation is not None:
                pairs.append((invocation, op))
    return pairs


def time_range(history):
    """The x range of a history's plots: 0 to its last op, broadened."""
    last = max(((op.get("time") or 0) for op in history or ()), default=0) / 1e9
    return broaden(0, max(last, 0.001))
