"""What a person sees: serve and the pictures in a real browser (headless Chromium).

A seeded virtual-time run with partitions makes a small store; `python3 -m glomers serve`
serves it on a free port; Chromium loads the index, the run page and each picture, and the
test reads the DOM the browser built (scripts run) and takes screenshots. Skipped only when
Chromium is not installed (`apt-get install -y chromium`; .ci/run installs it).
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed "
                                "(apt-get install -y chromium); .ci/run installs it")


def browser(tmp_path, url, screenshot=None, size="1300,1600"):
    """Load url headless; return the DOM after its scripts ran (and take a screenshot)."""
    profile = tmp_path / f"profile-{len(os.listdir(tmp_path))}"
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
             f"--window-size={size}", "--hide-scrollbars"]
    if screenshot:
        subprocess.run(flags + [f"--screenshot={screenshot}", url], capture_output=True,
                       timeout=180)
    proc = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True,
                          timeout=180)
    return proc.stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    store = base / "store"
    proc = subprocess.run([sys.executable, "-m", "glomers", "challenge", "3c", "--virtual-time",
                           "--seed", "1", "--store", str(store), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    server = subprocess.Popen([sys.executable, "-m", "glomers", "serve", str(store), "--port",
                               "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        address = re.search(r"http://[\d.]+:\d+/", line).group(0)
        yield address, store, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_index_lists_the_run_with_its_verdict(served, tmp_path):
    address, store, base = served
    shot = base / "index.png"
    dom = browser(tmp_path, address, screenshot=shot, size="1300,500")
    row = next(r for r in dom.split("<tr") if 'class="run"' in r)
    assert ">broadcast<" in row and 'class="v verdict-valid"' in row and ">valid<" in row
    assert "msgs-per-op" in row
    assert shot.stat().st_size > 5000


def test_a_run_page_shows_the_verdict_the_evidence_and_every_picture(served, tmp_path):
    address, store, base = served
    run = next(p for p in (store / "broadcast").iterdir() if not p.is_symlink())
    shot = base / "run.png"
    dom = browser(tmp_path, f"{address}run/broadcast/{run.name.replace('+', '%2B')}/",
                  screenshot=shot, size="1300,2600")
    assert "verdict-valid" in dom and "Verdict written by our bench: VALID" in dom
    assert re.search(r'<iframe class="picture" src="[^"]*/messages\.html"', dom)
    assert re.search(r'<iframe class="picture" src="[^"]*/timeline\.html"', dom)
    for plot in ("latency-raw.svg", "latency-quantiles.svg", "rate.svg"):
        assert re.search(rf'<object class="picture" type="image/svg\+xml" data="[^"]*/{plot}"',
                         dom), plot
    assert shot.stat().st_size > 50_000          # text, a diagram and plots, not a blank page


def test_the_whole_run_diagram_draws_arrows_drops_and_the_partition(served, tmp_path):
    address, store, base = served
    page = f"{address}files/broadcast/latest/messages.html"
    shot = base / "messages-html.png"
    dom = browser(tmp_path, page + "#p1", screenshot=shot)
    arrows = re.findall(r'<g id="m\d+" class="m ([^"]*)"', dom)
    assert len(arrows) > 100
    assert any("x" in cls.split() for cls in arrows)            # dropped by the partition
    assert '<rect class="band"' in dom and "⊘ " in dom
    assert re.search(r'<option value="0">page 1: [\d.]+ s – [\d.]+ s · partition', dom)
    # Following one value: only its messages, with the nodes that first got it.
    followed = browser(tmp_path, page + "#v=4")
    assert "message(s) carrying 4" in followed
    assert 0 < len(re.findall(r'<g id="m\d+"', followed)) < len(arrows)
    assert '<circle class="first"' in followed


def test_messages_svg_timeline_and_plots_are_not_empty(served, tmp_path):
    address, store, base = served
    files = f"{address}files/broadcast/latest/"
    shot = base / "messages-svg.png"
    svg = browser(tmp_path, files + "messages.svg", screenshot=shot)
    assert svg.count('class="m ') > 100 and 'class="band"' in svg
    assert shot.stat().st_size > 50_000
    timeline = browser(tmp_path, files + "timeline.html")
    assert len(re.findall(r'<a class="op (ok|fail|info|open)"', timeline)) > 100
    for plot in ("latency-raw.svg", "latency-quantiles.svg", "rate.svg"):
        dom = browser(tmp_path, files + plot, screenshot=base / plot.replace(".svg", ".png"),
                      size="900,400")
        assert dom.count('class="series"') >= 2, plot
        assert 'class="fault"' in dom, plot
