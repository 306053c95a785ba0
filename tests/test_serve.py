"""`python3 -m glomers serve`: the index, a run page, real Maelstrom folders, safe paths.

The store holds one seeded virtual-time bench run and a copy of one real Maelstrom run
from oracle/; the server runs in a thread on a free port.
"""

import http.client
import os
import shutil
import subprocess
import sys
import threading

import pytest

from glomers import serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.path.join(ROOT, "oracle", "broadcast",
                      "Garrett-Bodley__gossip-glomers__20240528T160411.408-0400")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve") / "store"
    proc = subprocess.run([sys.executable, "-m", "glomers", "test", "-w", "broadcast",
                           "--bin", "broadcast.py", "--node-count", "3", "--time-limit", "3",
                           "--rate", "10", "--nemesis", "partition", "--nemesis-interval", "1",
                           "--virtual-time", "--seed", "5", "--store", str(root), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.copytree(ORACLE, root / "maelstrom" / "broadcast" / "20240528T160411.408-0400")
    (root.parent / "secret.txt").write_text("not for the browser")
    os.symlink(root.parent / "secret.txt", root / "leak.txt")
    os.symlink(root.parent, root / "outside")
    return root


@pytest.fixture(scope="module")
def server(store):
    httpd = serve.make_server(str(store), "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(port, path):
    """(status, content type, body text) for a raw path (no client-side normalising)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode("utf-8", errors="replace")
    connection.close()
    return response.status, response.getheader("Content-Type"), body


@pytest.mark.parametrize("path", [
    "/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/..%2fsecret.txt",
    "/files//etc/passwd", "/files/%2Fetc%2Fpasswd", "/files/leak.txt",
    "/files/outside/secret.txt", "/run/../", "/run/outside/", "/files/missing.txt",
    "/files/broadcast/nothing/here", "/elsewhere", "/files/a%00b", "/run/", "/run/broadcast/",
])
def test_paths_outside_the_store_or_missing_are_404(server, path):
    status, kind, body = get(server, path)
    assert status == 404, (path, body[:200])
    assert "not for the browser" not in body


def test_the_index_lists_runs_newest_first_with_verdict_and_figures(server, store):
    status, kind, body = get(server, "/")
    assert status == 200 and kind.startswith("text/html")
    rows = [line for line in body.split("<tr") if 'class="run"' in line]
    assert len(rows) == 2          # each run once: latest/ and current are symlinks
    bench_row = next(row for row in rows if "(bench)" in row)
    maelstrom_row = next(row for row in rows if "(maelstrom)" in row)
    assert rows.index(bench_row) < rows.index(maelstrom_row)        # 2026 before 2024
    assert "verdict-valid" in bench_row and ">broadcast<" in bench_row
    assert "msgs-per-op" in bench_row and "op latency" in bench_row and "ok-fraction" in bench_row
    assert ">1<" in maelstrom_row                       # --node-count 1, from its log
    assert "verdict-" in maelstrom_row


def test_a_run_page_shows_evidence_pictures_and_every_file(server, store):
    run = next(p for p in (store / "broadcast").iterdir() if not p.is_symlink())
    status, _, body = get(server, f"/run/broadcast/{run.name.replace('+', '%2B')}/")
    assert status == 200
    assert "Verdict written by our bench: VALID" in body
    for name in ("messages.html", "messages.svg", "timeline.html", "latency-raw.svg",
                 "latency-quantiles.svg", "rate.svg"):
        assert f'/{name}"' in body, name
    assert "node-logs/n0.log" in body and "journal.jsonl" in body and "jepsen.log" in body
    status, kind, svg = get(server, f"/files/broadcast/latest/messages.svg")
    assert status == 200 and kind == "image/svg+xml" and svg.count('class="m ') > 0
    status, kind, text = get(server, f"/files/broadcast/latest/results.edn")
    assert status == 200 and kind.startswith("text/plain") and ":valid? true" in text


def test_a_real_maelstrom_folder_is_explained_and_listed(server):
    status, _, body = get(server, "/run/maelstrom/broadcast/20240528T160411.408-0400/")
    assert status == 200
    assert "a real Maelstrom run of broadcast" in body
    assert "Verdict written by Maelstrom" in body
    assert "holds no pictures" in body
    assert "history.edn.gz" in body and "jepsen.log.tail" in body


def test_serve_refuses_a_missing_folder_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "glomers", "serve", str(tmp_path / "none")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 254
    assert "no such folder" in proc.stderr and "Traceback" not in proc.stderr
