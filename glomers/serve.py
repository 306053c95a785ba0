"""`python3 -m glomers serve [DIR] [--port N] [--host H]`: browse run folders.

A thin http.server layer over a folder of runs (default store/) and `explain`, with no
logic of its own the console lacks:

- `/`: every run folder under DIR, newest first, with its workload, time, node count,
  verdict (valid blue, invalid pink, unknown orange, incomplete grey, as Maelstrom's) and
  key figures (ops, ok-fraction, server msgs-per-op, latencies);
- `/run/<folder>`: the verdict with explain's plain-English evidence (every "op N" linked to
  its box in the timeline, every value to the messages carrying it), where the pictures
  show it, the pictures inline, and every file of the folder;
- `/files/<path>`: a file as it is (or a folder listing).

A run folder is any folder holding results.edn, a history, test.json, journal.jsonl or a
jepsen.log: ours, real Maelstrom store folders, and the oracle's. Paths are checked after
resolving symlinks: anything outside DIR, `..`, absolute or missing is a 404.
"""

import html
import http.server
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from . import cli, edn, explain
from .pictures import pointers

RUN_MARKERS = ("results.edn", "history.edn", "history.edn.gz", "test.json", "journal.jsonl",
               "jepsen.log", "jepsen.log.tail")
VERDICT_COLOURS = {"valid": "#6DB6FE", "invalid": "#FEB5DA", "unknown": "#FFAA26",
                   "incomplete": "#EAEAEA"}
TEXT_TYPES = {".txt", ".log", ".edn", ".json", ".jsonl", ".tail", ".stdout", ".stderr", ".md",
              ".clj", ".fressian"}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
                 ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".gif": "image/gif", ".gz": "application/gzip", ".zip": "application/zip"}
MAX_DEPTH = 4          # store/<workload>/<time>/ is depth 2; leave room for nesting
MAX_RUNS = 5000
PICTURES = (("messages.html", "Messages, the whole run (Lamport diagram, page by page)"),
            ("messages.svg", "Messages (first 2,000 events)"),
            ("timeline.html", "Timeline"),
            ("latency-raw.svg", "Latency"), ("latency-quantiles.svg", "Latency quantiles"),
            ("rate.svg", "Rate"), ("latency-raw.png", "Latency"),
            ("latency-quantiles.png", "Latency quantiles"), ("rate.png", "Rate"))
STYLE = """body{font-family:Helvetica,Arial,sans-serif;font-size:14px;margin:16px}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}th{background:#f4f4f4}.v{padding:2px 8px;border-radius:3px}
pre{background:#f8f8f8;padding:8px;white-space:pre-wrap;font-size:13px}
iframe,object{border:1px solid #ccc;display:block;margin:6px 0 18px}
.num{text-align:right;font-variant-numeric:tabular-nums}"""
STAMP = re.compile(r"(\d{8}T\d{6}(?:\.\d{3})?(?:[+-]\d{4})?)")


class NotFound(Exception):
    """The path names nothing inside DIR that may be served."""


def safe_path(root, relative):
    """The real path of `relative` inside root, or NotFound (.., absolute, missing, or a
    symlink leading outside)."""
    if "\x00" in relative or "\\" in relative:
        raise NotFound(relative)
    # An absolute path is taken part by part under root, so it cannot leave it.
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise NotFound(relative)
    target = root.joinpath(*parts) if parts else root
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        raise NotFound(relative) from None
    if real != root and root not in real.parents:
        raise NotFound(relative)
    return real


# ---------------------------------------------------------------------------------------
# Finding runs and their figures


def find_runs(root):
    """Every run folder under root (symlinked folders such as latest/ skipped, so each run
    is listed once), as paths relative to root."""
    found = []
    stack = [(root, 0)]
    while stack and len(found) < MAX_RUNS:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        names = {e.name for e in entries}
        if folder != root and any(marker in names for marker in RUN_MARKERS):
            found.append(folder.relative_to(root))
            continue
        if depth >= MAX_DEPTH:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                stack.append((Path(entry.path), depth + 1))
    return found


_cache = {}
_cache_lock = threading.Lock()


def _cached(key, stamp, make):
    """make() once per (key, stamp); stamp changes when the files do."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    value = make()
    with _cache_lock:
        if len(_cache) > 4000:
            _cache.clear()
        _cache[key] = (stamp, value)
    return value


def _stamp(folder, names):
    stamp = []
    for name in names:
        try:
            st = (folder / name).stat()
            stamp.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            stamp.append((name, None, None))
    return tuple(stamp)


def summary(folder):
    """A run's line in the index: time, workload, nodes, verdict and key figures."""
    names = ("results.edn", "test.json", "pictures.json", "jepsen.log", "jepsen.log.tail")
    return _cached(("summary", str(folder)), _stamp(folder, names), lambda: _summary(folder))


def _summary(folder):
    meta = _json(folder / "test.json")
    results = None
    if (folder / "results.edn").exists():
        try:
            results = edn.loads((folder / "results.edn").read_text(encoding="utf-8",
                                                                   errors="replace"))
        except (edn.EDNError, ValueError, RecursionError):
            results = "unreadable"
    head = _log_head(folder)
    match = STAMP.search(folder.name)
    time_text = match.group(1) if match else None
    try:
        mtime = max(p.stat().st_mtime for p in folder.iterdir())
    except (OSError, ValueError):
        mtime = 0
    workload = meta.get("workload") or _flag(head, "-w") or _flag(head, "--workload") or (
        folder.parent.name if folder.parent.name in cli.WORKLOADS else None)
    nodes = meta.get("node_count") or _flag(head, "--node-count")
    figures = {}
    if isinstance(results, dict):
        valid = results.get("valid?")
        verdict = "valid" if valid is True else "invalid" if valid is False else "unknown"
        stats = results.get("stats") or {}
        figures["ops"] = stats.get("count")
        figures["ok-fraction"] = (results.get("availability") or {}).get("ok-fraction")
        figures["msgs-per-op"] = ((results.get("net") or {}).get("servers") or {}).get(
            "msgs-per-op")
        stable = (results.get("workload") or {}).get("stable-latencies") \
            if isinstance(results.get("workload"), dict) else None
        if isinstance(stable, dict) and stable:
            figures["stable latency"] = f"{stable.get(0.5)} / {stable.get(1)} ms"
    else:
        verdict = "unknown" if results == "unreadable" else "incomplete"
    latency = _json(folder / "pictures.json").get("latency_ms")
    if latency:
        figures["op latency"] = f"{latency.get('0.5')} / {latency.get('0.99')} ms"
    return {"time": time_text, "mtime": mtime, "workload": workload, "nodes": nodes,
            "verdict": verdict, "figures": figures,
            "source": "bench" if meta else "maelstrom"}


def _json(path):
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _log_head(folder):
    for name in ("jepsen.log", "jepsen.log.tail"):
        try:
            with open(folder / name, encoding="utf-8", errors="replace") as f:
                return f.read(65536)
        except OSError:
            continue
    return ""


def _flag(text, flag):
    match = re.search(rf"(?:^|\s){re.escape(flag)}[ =](\S+)", text or "")
    if not match:
        return None
    value = match.group(1)
    return int(value) if value.isdigit() else value


def _when(info):
    """'2024-05-28 16:04:11 -0400' from a folder's start time, else its files' time."""
    match = re.fullmatch(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(?:\.\d{3})?([+-]\d{4})?",
                         info["time"] or "")
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        return f"{year}-{month}-{day} {hour}:{minute}:{second}" + (f" {zone}" if zone else "")
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info["mtime"])) + " (files)"


def _sort_key(entry):
    """Newest first: the start time in the folder name, else the folder's files' time."""
    _, info = entry
    stamp = info["time"]
    if stamp:
        digits = re.sub(r"\D", "", stamp[:19])
        return (1, digits, info["mtime"])
    return (0, "", info["mtime"])


# ---------------------------------------------------------------------------------------
# Pages


def _page(title, body):
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f'</title><style>{STYLE}</style></head><body>{body}</body></html>\n').encode()


def _verdict_badge(verdict):
    return (f'<span class="v verdict-{verdict}" style="background:'
            f'{VERDICT_COLOURS.get(verdict, "#EAEAEA")}">{verdict}</span>')


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _url(*parts):
    return "/".join(urllib.parse.quote(str(p)) for p in parts)


def index_page(root):
    runs = [(relative, summary(root / relative)) for relative in find_runs(root)]
    runs.sort(key=_sort_key, reverse=True)
    rows = []
    for relative, info in runs:
        figures = " · ".join(f"{name} {_fmt(value)}" for name, value in info["figures"].items()
                             if value is not None)
        link = "/run/" + _url(*relative.parts) + "/"
        rows.append(f'<tr class="run"><td><a href="{link}">{html.escape(_when(info))}'
                    f'</a></td><td>{html.escape(str(info["workload"] or "?"))}</td>'
                    f'<td class="num">{_fmt(info["nodes"])}</td>'
                    f'<td>{_verdict_badge(info["verdict"])}</td><td>{figures}</td>'
                    f'<td><a href="{link}">{html.escape(str(relative))}</a> '
                    f'({info["source"]})</td></tr>')
    body = (f"<h1>Runs in {html.escape(str(root))}</h1><p>{len(runs)} run(s), newest first."
            f"</p><table><tr><th>time</th><th>workload</th><th>nodes</th><th>verdict</th>"
            f"<th>key figures</th><th>folder</th></tr>{''.join(rows)}</table>")
    return _page("runs", body)


def _linked(line, base, files):
    """One explain line, escaped, with ops linked to the timeline and values to the
    messages carrying them."""
    text = html.escape(line)
    if "timeline.html" in files:
        text = re.sub(r"\bop (\d+)\b",
                      lambda m: f'<a href="{base}/timeline.html#i{m.group(1)}">op {m.group(1)}</a>',
                      text)
    if "messages.html" in files:
        text = re.sub(r"\b(value|id) (-?\d+)\b",
                      lambda m: f'{m.group(1)} <a href="{base}/messages.html#v={m.group(2)}">'
                                f'{m.group(2)}</a>', text)
    return text


def run_page(root, folder, relative):
    """A run's page, remade only when its files change (explain re-checks the history)."""
    names = ("results.edn", "history.edn", "history.edn.gz", "journal.jsonl", "test.json",
             "pictures.json", "jepsen.log", "jepsen.log.tail")
    return _cached(("run", str(folder)), _stamp(folder, names),
                   lambda: _run_page(folder, relative))


def _run_page(folder, relative):
    loaded = explain.load(folder)
    report = explain.analyse(loaded)
    lines = explain.text_lines(loaded, report)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())[:2000]
    base = "/files/" + _url(*relative.parts) if relative.parts else "/files"
    info = summary(folder)
    where = pointers.Focus(loaded.results, loaded.history, loaded.journal,
                           {**loaded.opts, "workload": loaded.workload}).lines(files)
    out = [f'<p><a href="/">all runs</a></p><h1>{html.escape(str(loaded.workload or "run"))}: '
           f'{html.escape(str(relative))} {_verdict_badge(info["verdict"])}</h1>',
           "<h2>Verdict and evidence</h2><pre>"
           + "\n".join(_linked(line, base, files) for line in lines) + "</pre>"]
    if where:
        out.append("<h2>Where to look</h2><ul>")
        for line in where:
            linked = re.sub(r"((?:messages|timeline)\.html#[^\s,)]+)",
                            lambda m: f'<a href="{base}/{m.group(1)}">{m.group(1)}</a>',
                            html.escape(line))
            out.append(f"<li>{linked}</li>")
        out.append("</ul>")
    out.append("<h2>Pictures</h2>")
    shown = [(name, title) for name, title in PICTURES if name in files]
    if not shown:
        out.append("<p>This folder holds no pictures. A bench run folder can be drawn with "
                   f"<code>python3 -m glomers.pictures {html.escape(str(folder))}</code>.</p>")
    for name, title in shown:
        src = f"{base}/{_url(name)}"
        out.append(f'<h3><a href="{src}">{html.escape(title)}</a> ({html.escape(name)})</h3>')
        if name.endswith(".html"):
            out.append(f'<iframe class="picture" src="{src}" width="100%" height="700" '
                       f'title="{html.escape(name)}"></iframe>')
        elif name.endswith(".svg") and name != "messages.svg":
            out.append(f'<object class="picture" type="image/svg+xml" data="{src}" '
                       f'width="900" height="400">{html.escape(name)}</object>')
        elif name == "messages.svg":
            out.append(f'<iframe class="picture" src="{src}" width="100%" height="500" '
                       f'title="messages.svg"></iframe>')
        else:
            out.append(f'<img class="picture" src="{src}" alt="{html.escape(name)}">')
    out.append("<h2>Files</h2><table>")
    for name in files:
        size = (folder / name).stat().st_size
        out.append(f'<tr><td><a href="{base}/{_url(*name.split("/"))}">{html.escape(name)}'
                   f'</a></td><td class="num">{size:,} bytes</td></tr>')
    out.append("</table>")
    return _page(str(relative), "".join(out))


def listing_page(root, folder, relative):
    entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    base = "/files/" + _url(*relative.parts) if relative.parts else "/files"
    rows = [f'<li><a href="{base}/{_url(p.name)}{"/" if p.is_dir() else ""}">'
            f'{html.escape(p.name)}{"/" if p.is_dir() else ""}</a></li>' for p in entries]
    return _page(str(relative), f'<p><a href="/">all runs</a></p><h1>{html.escape(str(relative))}'
                                f'</h1><ul>{"".join(rows)}</ul>')


# ---------------------------------------------------------------------------------------
# The server


class Handler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD only; everything under the root it was given."""

    root = None
    server_version = "glomers-serve"

    def do_HEAD(self):
        self._respond(head=True)

    def do_GET(self):
        self._respond(head=False)

    def _respond(self, head):
        path = urllib.parse.urlsplit(self.path).path
        relative = urllib.parse.unquote(path)
        try:
            if relative in ("", "/"):
                self._send(200, "text/html; charset=utf-8", index_page(self.root), head)
            elif relative.startswith("/run/"):
                rest = relative[len("/run/"):]
                folder = safe_path(self.root, rest)
                if not folder.is_dir() or not any((folder / m).exists() for m in RUN_MARKERS):
                    raise NotFound(rest)
                self._send(200, "text/html; charset=utf-8",
                           run_page(self.root, folder, folder.relative_to(self.root)), head)
            elif relative.startswith("/files/") or relative == "/files":
                rest = relative[len("/files/"):]
                target = safe_path(self.root, rest)
                if target.is_dir():
                    self._send(200, "text/html; charset=utf-8",
                               listing_page(self.root, target, target.relative_to(self.root)),
                               head)
                else:
                    self._file(target, head)
            else:
                raise NotFound(relative)
        except NotFound:
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as error:      # one bad folder must not stop the server
            message = f"500: {type(error).__name__}: {error}\n".encode("utf-8", "replace")
            self._send(500, "text/plain; charset=utf-8", message, head)

    def _file(self, target, head):
        suffix = target.suffix.lower()
        kind = CONTENT_TYPES.get(suffix) or ("text/plain; charset=utf-8" if suffix in TEXT_TYPES
                                              or not suffix else "application/octet-stream")
        size = target.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if not head:
            with open(target, "rb") as f:
                while chunk := f.read(1 << 16):
                    self.wfile.write(chunk)

    def _send(self, status, kind, body, head):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass                    # the console shows the address, not every request


def make_server(directory, host="127.0.0.1", port=8080):
    """A ThreadingHTTPServer over `directory` (not yet serving)."""
    root = Path(directory).resolve(strict=True)
    handler = type("RunsHandler", (Handler,), {"root": root})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(directory="store", host="127.0.0.1", port=8080):
    """Serve until interrupted; print the address first."""
    if not os.path.isdir(directory):
        print(f"glomers serve: {directory}: no such folder", file=sys.stderr)
        return cli.BAD_ARGS
    try:
        server = make_server(directory, host, port)
    except OSError as error:
        print(f"glomers serve: cannot listen on {host}:{port}: {error.strerror or error}",
              file=sys.stderr)
        return cli.BAD_ARGS
    address = server.server_address
    print(f"Serving {os.path.abspath(directory)} at http://{address[0]}:{address[1]}/ "
          f"(Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
