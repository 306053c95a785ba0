"""timeline.html, the perf plots and fault intervals, drawn from tiny hand-written histories."""

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, strategies as st

from glomers.edn import Keyword as K, StringMap, Symbol
from glomers.pictures import faults, latency_quantiles, latency_raw, plot, rate, svg, timeline

SVG = "{http://www.w3.org/2000/svg}"
MS = 1_000_000


class History:
    """Builds a history: ops get dense indexes in the order they are added."""

    def __init__(self):
        self.ops = []

    def op(self, time_ms, kind, process, f, value=None, **extra):
        self.ops.append({"index": len(self.ops), "time": int(time_ms * MS), "type": K(kind),
                         "process": process if isinstance(process, int) else K(process),
                         "f": K(f), "value": value, **extra})
        return self

    def nemesis(self, time_ms, f, invoked, completed):
        return self.op(time_ms, "info", "nemesis", f, invoked).op(time_ms, "info", "nemesis", f,
                                                                   completed)


def small_history():
    h = History()
    h.op(0, "invoke", 0, "broadcast", 1).op(5, "ok", 0, "broadcast", 1)
    h.op(10, "invoke", 1, "read").op(12, "ok", 1, "read", [1])
    h.nemesis(1000, "start-partition", K("one"),
              [K("isolated"), StringMap({"n0": frozenset({"n1"}), "n1": frozenset({"n0"})})])
    h.op(1500, "invoke", 0, "read").op(2500, "fail", 0, "read", None, error=K("net-timeout"))
    h.op(1600, "invoke", 1, "broadcast", 2).op(2600, "info", 1, "broadcast", 2,
                                                 error=K("net-timeout"))
    h.nemesis(3000, "stop-partition", None, K("network-healed"))
    h.op(3100, "invoke", 2, "read")            # never completes
    return h.ops


# ---------------------------------------------------------------------------------------
# Fault intervals


def test_faults_pair_starts_and_stops_by_kind():
    h = History()
    h.nemesis(1000, "start-partition", K("majority"),
              [K("isolated"), StringMap({"n0": frozenset({"n1"}), "n1": frozenset({"n0"}),
                                         "n2": frozenset()})])
    h.nemesis(2000, "kill", K("one"), StringMap({"n2": K("killed")}))
    h.nemesis(3000, "stop-partition", None, K("network-healed"))
    h.nemesis(4000, "pause", K("one"), StringMap({"n1": K("paused"), "n2": K("not-running")}))
    h.nemesis(5000, "start", K("all"), StringMap({"n2": K("started")}))
    h.nemesis(6000, "bump-clock", 5, 5)
    found = faults.faults(h.ops)
    kinds = [(f.kind, f.start // MS, None if f.end is None else f.end // MS) for f in found]
    assert kinds == [("partition", 1000, 3000), ("kill", 2000, 5000), ("pause", 4000, None),
                     ("bump-clock", 6000, 6000)]
    partition, kill, pause, _ = found
    assert partition.grudge == {"n0": {"n1"}, "n1": {"n0"}, "n2": set()}
    assert partition.nodes == ("n0", "n1")
    assert kill.nodes == ("n2",) and pause.nodes == ("n1",)     # not-running is untouched
    assert (partition.start_index, partition.end_index) == (1, 5)
    assert faults.kinds(found) == ["partition", "kill", "pause", "bump-clock"]


# ---------------------------------------------------------------------------------------
# timeline.html


def boxes(text):
    return re.findall(r'<a class="op (\w+)" id="i(\d+)" href="#i\d+" title="([^"]*)" '
                      r'style="left:(\d+)px;top:(\d+)px;height:(\d+)px">', text)


def test_timeline_draws_every_op_once_coloured_by_how_it_completed():
    ops = small_history()
    text = timeline.render(ops, "broadcast")
    found = boxes(text)
    kinds = sorted(kind for kind, *_ in found)
    assert kinds == ["fail", "info", "info", "info", "ok", "ok", "open"]
    by_id = {int(ident): (kind, title, int(left), int(top), int(height))
             for kind, ident, title, left, top, height in found}
    # The ok broadcast spans its invocation (row 0) to its completion (row 1).
    kind, title, left, top, height = by_id[1]
    assert (kind, top, height) == ("ok", 0, 2 * timeline.ROW)
    assert "Dur: 5 ms" in title
    # The :info op never provably ended: its box runs to the bottom of the history.
    info = by_id[9]
    assert info[0] == "info" and info[3] + info[4] == (len(ops) + 1) * timeline.ROW
    # The nemesis has the first column; client processes follow in order.
    assert by_id[5][2] == 0 and by_id[1][2] == timeline.PITCH


def test_timeline_links_both_the_invocation_and_the_completion_index():
    text = timeline.render(small_history())
    assert 'id="i0"' in text and 'id="i1"' in text        # invocation anchor, completion box
    assert 'id="i12"' in text                             # never completed: its invocation


def test_timeline_shades_faults_and_escapes_values():
    h = History()
    h.op(0, "invoke", 0, "echo", "<b>&</b>").op(1, "ok", 0, "echo", "<b>&</b>")
    h.nemesis(2, "start-partition", K("one"), [K("isolated"), StringMap({"n0": frozenset()})])
    text = timeline.render(h.ops)
    assert "<b>" not in text.split("<body>", 1)[1]
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in text
    band = re.search(r'<div class="fault" title="partition[^"]*" style="top:(\d+)px;'
                     r'height:(\d+)px', text)
    assert band and int(band.group(1)) == 3 * timeline.ROW      # from the start's completion


# ---------------------------------------------------------------------------------------
# The perf plots


def parse(text):
    return ET.fromstring(text.split("\n", 1)[1])


def series_points(root):
    """{series name: number of point markers}."""
    found = {}
    for group in root.iter(SVG + "g"):
        if group.get("class") == "series":
            found[group.get("data-series")] = sum(
                1 for child in group if child.tag != SVG + "polyline")
    return found


def test_latency_raw_has_one_point_per_completed_op_per_f_and_type():
    root = parse(latency_raw.render(small_history(), "broadcast"))
    assert series_points(root) == {"broadcast ok": 1, "read ok": 1, "read fail": 1,
                                   "broadcast info": 1}
    titles = [t.text for t in root.iter(SVG + "title")]
    assert any(t.startswith("op 2: read ok, 2.0 ms at 0.010 s") for t in titles)


def test_plots_shade_faults_where_they_held():
    ops = small_history()
    for module in (latency_raw, latency_quantiles, rate):
        root = parse(module.render(ops))
        perf = plot.Perf(ops)
        frame = plot.Frame("", perf.x_range, (1, 10), True, "")
        shaded = [r for r in root.iter(SVG + "rect") if r.get("class") == "fault"]
        assert len(shaded) == 1, module.__name__
        x, width = float(shaded[0].get("x")), float(shaded[0].get("width"))
        assert x == pytest.approx(frame.x(1.0), abs=0.1)
        assert x + width == pytest.approx(frame.x(3.0), abs=0.2)


def test_quantiles_follow_jepsens_rule():
    ordered = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert [latency_quantiles.quantile(ordered, q) for q in (0.5, 0.95, 0.99, 1)] == \
        [6, 10, 10, 10]
    h = History()
    for i in range(20):             # 20 reads over 2 s, latencies 1..20 ms
        h.op(i * 100, "invoke", 0, "read").op(i * 100 + i + 1, "ok", 0, "read", [])
    width, grouped = latency_quantiles.buckets(plot.Perf(h.ops))
    assert width == 0.5
    assert grouped["read"][0] == [1.0, 2.0, 3.0, 4.0, 5.0]      # invoked in [0, 0.5) s


def test_rate_counts_completions_per_second_per_bucket():
    h = History()
    for i in range(30):                  # 30 ok reads completing in the first second
        h.op(i * 30, "invoke", 0, "read").op(i * 30 + 1, "ok", 0, "read", [])
    h.op(15_000, "invoke", 0, "read").op(15_001, "ok", 0, "read", [])
    width, found = rate.rates(plot.Perf(h.ops))
    assert width == 1
    per = found[("read", "ok")]
    assert per[0] == pytest.approx(30) and per[15] == pytest.approx(1)
    assert sum(per.values()) * width == pytest.approx(31)


def test_an_empty_history_still_draws_a_plot_saying_so():
    for module in (latency_raw, latency_quantiles, rate):
        root = parse(module.render([]))
        assert any("no client op completed" in (t.text or "") for t in root.iter(SVG + "text"))


def test_axis_ranges_broaden_to_round_numbers():
    assert plot.broaden(0.01, 59.8) == (0, 60)
    assert plot.broaden(0, 30.1) == (0, 31)
    assert plot.broaden(5, 5) == (4, 6)
    assert plot.bucket_seconds(20) == 1 and plot.bucket_seconds(300) == 10
    low, high = latency_raw.y_range([0, 0.5, 230])
    assert (low, high) == (0.1, 1000)
    assert math.log10(high) == 3


# ---------------------------------------------------------------------------------------
# Value previews (the timeline's box and hover texts)

_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.text(max_size=4), st.text(max_size=4).map(K),
                    st.text(max_size=4).map(Symbol))
_KEYS = st.one_of(st.text(max_size=3), st.text(max_size=3).map(K), st.integers(),
                  st.booleans(), st.none(), st.floats(allow_nan=False))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.lists(inner, max_size=5).map(tuple),
    st.dictionaries(_KEYS, inner, max_size=5), st.dictionaries(_KEYS, inner, max_size=5).map(
        StringMap), st.frozensets(st.integers(), max_size=5)), max_leaves=40)


@given(_VALUES, st.integers(min_value=1, max_value=4))
def test_a_value_encoded_as_it_is_reads_as_its_cut_copy(value, items):
    # The preview's shortcut: a value that cutting would leave alone is encoded without
    # the copy, and must read exactly as the copy does.
    if svg._plain(value, items):
        assert svg.encode(value) == svg.encode(svg._shrink(value, items))


def test_the_values_kafka_and_txn_ops_carry_take_the_shortcut():
    items = timeline.HOVER_ITEMS
    for value in ([[K("send"), "k1", 5]], [[K("send"), "k1", [4, 5]]], [[K("poll")]],
                  [[K("poll"), {"k1": [0, 5]}]], {"k1": [[0, 5], [1, 6]]},
                  [[K("r"), 1, None], [K("w"), 2, 3]], ([K("r"), 1, [1, 2]],)):
        assert svg._plain(value, items), value
        assert svg.preview(value, items, 10_000) == svg.encode(svg._shrink(value, items))
    # What cutting changes, it is left to: long lists, deep nesting (a poll's offsets are
    # cut to "[…]"), sets, odd keys.
    for value in ([[0] * (items + 1)], [[K("poll"), {"k1": [[0, 5], [1, 6]]}]], [{1, 2}],
                  {True: 1}, [StringMap({"a": 1})], {None: [1]}):
        assert not svg._plain(value, items), value
