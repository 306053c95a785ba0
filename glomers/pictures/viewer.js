// The whole-run message viewer of messages.html: draws one window of rows of the embedded
// journal table as SVG, the same geometry and classes as messages.py draws messages.svg.
// Navigation lives in the URL fragment, so every place in a run has a link:
//   #p3  page 3   ·   #t12.5  the page holding 12.5 s   ·   #m1234  message 1234
//   #v=17  only the messages carrying value 17 (a followed value, or a search)
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const RECV = 0, DROP = 1, NONE = 2;
  const ROW = D.row, TOP = D.top, GUTTER = D.gutter, PAGE = D.page;
  const svg = document.getElementById("diagram");
  const status = document.getElementById("status");
  const pageSelect = document.getElementById("page");
  const typeIndex = {};
  D.types.forEach(function (t, i) { typeIndex[t[0]] = i; });

  // The journal, one JSON event per line, turned into columns exactly as messages.py's
  // Table does: one entry per message in send order, init traffic left out, rows
  // numbering the kept events, each message ending in a delivery, a drop, or nothing.
  const times = [], ids = [], send = [], end = [], how = [], bodies = [], typeOf = [];
  const srcn = [], destn = [], srcLane = [], destLane = [];
  (function () {
    const column = {}, skipped = {};
    document.getElementById("journal").textContent.split("\n").forEach(function (line) {
      if (!line) return;
      const e = JSON.parse(line);
      if (e.event === "send") {
        let body = e.body;
        if (body === null || typeof body !== "object" || Array.isArray(body)) body = {body: body};
        const type = body.type === undefined || body.type === null ? "None" : String(body.type);
        if (type === "init" || type === "init_ok") { skipped[e.id] = true; return; }
        column[e.id] = ids.length;
        ids.push(e.id); bodies.push(body); typeOf.push(type);
        srcn.push(e.src); destn.push(e.dest);
        srcLane.push(D.endpoints[e.src]); destLane.push(D.endpoints[e.dest]);
        send.push(times.length); end.push(-1); how.push(NONE);
      } else {
        const i = column[e.id];
        if (i === undefined || how[i] !== NONE) return;
        end[i] = times.length;
        how[i] = e.event === "recv" ? RECV : DROP;
      }
      times.push(e.time);
    });
  })();
  const position = {};
  ids.forEach(function (id, i) { position[id] = i; });
  const nodeLanes = [];
  D.lanes.forEach(function (lane, i) { if (lane[1] === "node") nodeLanes.push(i); });

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function secs(ns) { return (ns / 1e9).toFixed(3) + " s"; }
  function baseType(name) { return name.endsWith("_ok") ? name.slice(0, -3) : name; }
  function bisect(list, value, after) {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (after ? list[mid] <= value : list[mid] < value) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // A view: the rows drawn and, per message, its rows in that view.
  function fullView() {
    return {times: times, msgs: ids.map(function (_, i) { return i; }),
            send: send, end: end, label: null};
  }
  function subsetView(indexes, label) {
    const events = [];
    indexes.forEach(function (i) {
      events.push([send[i], i, 0]);
      if (how[i] !== NONE) events.push([end[i], i, 1]);
    });
    events.sort(function (a, b) { return a[0] - b[0]; });
    const sendRows = {}, endRows = {}, rowTimes = [];
    events.forEach(function (e, row) {
      (e[2] === 0 ? sendRows : endRows)[e[1]] = row;
      rowTimes.push(times[e[0]]);
    });
    return {times: rowTimes, msgs: indexes, send: sendRows, end: endRows, label: label};
  }
  function sendRow(view, i) { return view.send[i]; }
  function endRow(view, i) { return how[i] === NONE ? -1 : view.end[i]; }
  function lastRow(view, i) {
    return how[i] === NONE ? view.send[i] + 2 : view.end[i];
  }

  // Does a body carry the value (a number, or a string)? As the broadcast checker's
  // explanation reads bodies: when a body holds any array or object, only what is inside
  // them counts (a bare number beside them is a counter or an ack, not a value).
  function inside(value, wanted) {
    if (value === null || value === undefined) return false;
    if (typeof value === "object") {
      for (const key in value) if (inside(value[key], wanted)) return true;
      return false;
    }
    return String(value) === wanted;
  }
  function carries(body, wanted) {
    const fields = [];
    let nested = false;
    for (const key in body) {
      if (key === "msg_id" || key === "in_reply_to" || key === "type") continue;
      fields.push(body[key]);
      if (body[key] !== null && typeof body[key] === "object") nested = true;
    }
    return fields.some(function (v) {
      return nested ? v !== null && typeof v === "object" && inside(v, wanted)
        : inside(v, wanted);
    });
  }

  function preview(value, chars) {
    const text = JSON.stringify(value);
    return text.length <= chars ? text : text.slice(0, chars - 1) + "…";
  }
  function describe(i) {
    const body = bodies[i], type = typeOf[i];
    const rest = {};
    let any = false;
    for (const k in body) {
      if (k !== "type" && k !== "msg_id" && k !== "in_reply_to") { rest[k] = body[k]; any = true; }
    }
    const restText = any ? preview(rest, 800) : "";
    const label = type === "error" ? "error " + body.code + " " + (body.text || "")
      : any ? type + " " + restText : type;
    let ids = "";
    ["msg_id", "in_reply_to"].forEach(function (k) { if (k in body) ids += ", " + k + " " + body[k]; });
    const sent = times[send[i]];
    let fate;
    if (how[i] === RECV) {
      const got = times[end[i]];
      fate = "sent " + secs(sent) + ", delivered " + secs(got) + " (" +
        Math.round((got - sent) / 1e6) + " ms)";
    } else if (how[i] === DROP) {
      fate = "sent " + secs(sent) + ", DROPPED at " + secs(times[end[i]]) + ": " +
        destn[i] + " was cut off from " + srcn[i] + " by a partition";
    } else {
      fate = "sent " + secs(sent) + ", never delivered (still queued when the test ended, " +
        "or its receiver had gone)";
    }
    const why = D.highlights[ids[i]];
    const hover = srcn[i] + " → " + destn[i] + "  message " + ids[i] + ids + "\n" +
      fate + "\n" + (why ? why + "\n" : "") + type + " " + restText;
    let cls = type === "error" ? "err" : "t" + typeIndex[baseType(type)];
    if (how[i] === NONE) cls += " u"; else if (how[i] === DROP) cls += " x";
    if ("in_reply_to" in body) cls += " r";
    return [label, cls, hover];
  }

  function label(text, x1, y1, x2, y2, top, bottom) {
    const ya = Math.max(y1, top), yb = Math.min(y2, bottom);
    if (yb < ya) return "";
    let xa = x1, xb = x2;
    if (y2 !== y1) {
      const slope = (x2 - x1) / (y2 - y1);
      xa = x1 + slope * (ya - y1); xb = x1 + slope * (yb - y1);
    }
    let chars = Math.min(48, Math.floor(Math.hypot(xb - xa, yb - ya) / 6.2));
    if (chars < 4) return "";
    if (text.length > chars) text = text.slice(0, chars - 1) + "…";
    const mx = (xa + xb) / 2, my = (ya + yb) / 2;
    let angle = Math.atan2(y2 - y1, x2 - x1) * 180 / Math.PI;
    if (angle > 90) angle -= 180; else if (angle < -90) angle += 180;
    return '<text x="' + mx.toFixed(0) + '" y="' + (my - 4).toFixed(0) +
      '" text-anchor="middle" transform="rotate(' + angle.toFixed(1) + " " + mx.toFixed(0) +
      " " + my.toFixed(0) + ')">' + esc(text) + "</text>";
  }

  function faultRows(view, f) {
    const first = bisect(view.times, f.start, false);
    if (f.end === null) return [first, view.times.length];
    if (f.end === f.start) return [first, first + 1];
    return [first, bisect(view.times, f.end, true)];
  }

  // The vertical axis: one row per event (Maelstrom's), or time at `scale` px per ms, in
  // which a message's slope shows its latency and a fan-out is drawn as one.
  function axis(view, start, stop, scale) {
    if (!scale) {
      return [function (row) { return TOP + (row - start + 0.5) * ROW; },
              TOP + (Math.max(stop - start, 1) + 1) * ROW];
    }
    const last = view.times.length - 1;
    const t0 = view.times[Math.min(start, last)] || 0;
    const y = function (row) {
      return TOP + ROW / 2 + ((view.times[Math.max(0, Math.min(row, last))] || 0) - t0) / 1e6 *
        scale;
    };
    return [y, y(stop - 1) + 3 * ROW];
  }

  function draw(view, start, stop) {
    const scale = parseFloat(document.getElementById("axis").value) || 0;
    const shape = axis(view, start, stop, scale), y = shape[0], height = shape[1];
    const out = [D.defs];
    D.faults.forEach(function (f) {
      const rows = faultRows(view, f);
      const lo = Math.max(rows[0], start), hi = Math.min(rows[1], stop);
      if (lo >= hi) return;
      const y0 = y(lo) - ROW / 2, y1 = y(hi) - ROW / 2;
      const title = "<title>" + esc(f.when + ": " + f.detail) + "</title>";
      if (f.kind === "kill" || f.kind === "pause") {
        const half = D.pitch * 0.35;
        f.lanes.forEach(function (x) {
          out.push('<rect x="' + (x - half) + '" y="' + y0 + '" width="' + 2 * half +
            '" height="' + (y1 - y0) + '" fill="' + f.colour + '" fill-opacity=".6">' +
            title + '</rect><text class="fl" x="' + x + '" y="' + (y0 + 11) +
            '" text-anchor="middle">' + esc(f.kind) + "</text>");
        });
        return;
      }
      out.push('<rect class="band" x="' + GUTTER + '" y="' + y0 + '" width="' +
        (D.width - GUTTER) + '" height="' + Math.max(y1 - y0, 2) + '" fill="' + f.colour +
        '" fill-opacity=".45">' + title + "</rect>");
      const text = f.when + (lo > rows[0] ? " (continued)" : "") + ": " + f.detail;
      out.push('<text class="fl" x="' + (GUTTER + 4) + '" y="' + (y0 + 11) + '">' +
        esc(text.slice(0, 220)) + title + "</text>");
      f.cut.forEach(function (c) {
        const x = c[0];
        const chars = Math.max(4, Math.floor(D.pitch / 5));
        let mark = "⊘ " + c[2];
        if (mark.length > chars) mark = mark.slice(0, chars - 1) + "…";
        out.push('<line class="cut" x1="' + x + '" y1="' + y0 + '" x2="' + x + '" y2="' + y1 +
          '"/><text class="cutl" x="' + x + '" y="' + (y0 + 24) + '"><title>' + esc(c[1]) +
          " drops messages from " + esc(c[2]) + "</title>" + esc(mark) + "</text>");
      });
    });
    D.lanes.forEach(function (lane) {
      const x = lane[2];
      out.push('<line class="' + (lane[1] === "client" ? "lc" : "life") + '" x1="' + x +
        '" y1="' + (TOP - 6) + '" x2="' + x + '" y2="' + height + '"/>');
      out.push('<text class="ln" x="' + x + '" y="' + (TOP - 10) + '"><title>' +
        esc(lane[3]) + "</title>" + esc(lane[0]) + "</text>");
    });
    let labelled = -Infinity;
    for (let row = start - (start % 25); row < Math.min(stop, view.times.length); row += 25) {
      if (row >= start && y(row) - labelled >= 14) {
        labelled = y(row);
        out.push('<text class="tm" x="' + (GUTTER - 6) + '" y="' + (y(row) + 4).toFixed(0) +
          '">' + secs(view.times[row]) + "</text>");
      }
    }
    const first = {};
    view.msgs.forEach(function (i) {
      const s = sendRow(view, i);
      if (s >= stop || lastRow(view, i) < start) return;
      const d = describe(i);
      let x1 = D.lanes[srcLane[i]][2], x2 = D.lanes[destLane[i]][2];
      const y1 = y(s);
      let y2;
      if (how[i] === NONE) {
        x2 = x2 !== x1 ? x1 + (x2 - x1) * 0.4 : x1 + 30;
        y2 = y1 + 2 * ROW;
      } else {
        y2 = y(endRow(view, i));
      }
      if (D.highlights[ids[i]] !== undefined) {
        out.push('<line class="hl" x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' +
          y2 + '"/>');
      }
      const head = '<g id="m' + ids[i] + '" class="m ' + d[1] + '"><title>' + esc(d[2]) +
        "</title>";
      if (x1 === x2) {
        out.push(head + '<path d="M' + x1 + "," + y1 + " C" + (x1 + 40) + "," + y1 + " " +
          (x1 + 40) + "," + y2 + " " + (x1 + 2) + "," + y2 + '"/></g>');
      } else {
        out.push(head + '<line x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 +
          '"/>' + label(d[0], x1, y1, x2, y2, TOP, height) + "</g>");
      }
      if (view.label !== null && how[i] === RECV && D.lanes[destLane[i]][1] === "node") {
        const known = first[destLane[i]];
        if (known === undefined || endRow(view, known) > endRow(view, i)) first[destLane[i]] = i;
      }
    });
    for (const lane in first) {
      const i = first[lane];
      out.push('<circle class="first" cx="' + D.lanes[lane][2] + '" cy="' + y(endRow(view, i)) +
        '" r="6"><title>' + esc(D.lanes[lane][0] + " first received " + view.label + " at " +
        secs(times[end[i]]) + " from " + srcn[i]) + "</title></circle>");
    }
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + D.width + " " + height);
    svg.innerHTML = out.join("\n");
    return first;
  }

  let view = fullView(), page = 0;

  function pages(v) { return Math.max(1, Math.ceil(v.times.length / PAGE)); }

  function pageSummary(v, p) {
    const start = p * PAGE, stop = Math.min(v.times.length, start + PAGE);
    const s = {sent: 0, dropped: 0, lost: 0, errors: 0, marked: 0, faults: {}};
    v.msgs.forEach(function (i) {
      const r = sendRow(v, i);
      if (r < start || r >= stop) return;
      s.sent++;
      if (how[i] === DROP) s.dropped++;
      if (how[i] === NONE) s.lost++;
      if (typeOf[i] === "error") s.errors++;
      if (D.highlights[ids[i]] !== undefined) s.marked++;
    });
    D.faults.forEach(function (f) {
      const rows = faultRows(v, f);
      if (rows[0] < stop && rows[1] > start) s.faults[f.kind] = true;
    });
    s.t0 = v.times.length ? v.times[Math.min(start, v.times.length - 1)] : 0;
    s.t1 = v.times.length ? v.times[Math.max(start, stop - 1)] : 0;
    return s;
  }

  function fillPages() {
    const count = pages(view);
    const rows = [];
    pageSelect.innerHTML = "";
    for (let p = 0; p < count; p++) {
      const s = pageSummary(view, p);
      const faults = Object.keys(s.faults).join(" ");
      const option = document.createElement("option");
      option.value = p;
      option.textContent = "page " + (p + 1) + ": " + secs(s.t0) + " – " + secs(s.t1) +
        (faults ? " · " + faults : "") + (s.dropped ? " · " + s.dropped + " dropped" : "") +
        (s.marked ? " · " + s.marked + " highlighted" : "");
      pageSelect.appendChild(option);
      rows.push('<tr' + (s.dropped || s.errors || s.marked ? ' class="hot"' : "") +
        '><td><a href="' + (view.label === null ? "#p" + (p + 1) : "#v=" +
        encodeURIComponent(view.label)) + '">page ' + (p + 1) + "</a></td><td>" +
        secs(s.t0) + " – " + secs(s.t1) + "</td><td>" + s.sent + "</td><td>" + s.dropped +
        "</td><td>" + s.lost + "</td><td>" + s.errors + "</td><td>" + esc(faults) +
        "</td><td>" + s.marked + "</td></tr>");
    }
    document.getElementById("pages").innerHTML = rows.join("");
  }

  function show(p, scrollTo) {
    page = Math.max(0, Math.min(p, pages(view) - 1));
    pageSelect.value = page;
    const start = page * PAGE, stop = Math.min(view.times.length, start + PAGE);
    const first = draw(view, start, stop);
    let text = (view.label === null ? "" : "only the " + view.msgs.length +
      " message(s) carrying " + view.label + " · ") + "page " + (page + 1) + " of " +
      pages(view) + ": events " + (start + 1) + "–" + Math.max(stop, start + 1) + " of " +
      view.times.length;
    if (view.label !== null) {
      const holders = {};
      view.msgs.forEach(function (i) {
        if (D.lanes[srcLane[i]][1] === "node") holders[srcLane[i]] = true;
      });
      for (const lane in first) holders[lane] = true;
      const missing = nodeLanes.filter(function (l) { return !holders[l]; })
        .map(function (l) { return D.lanes[l][0]; });
      text += " · reached " + (nodeLanes.length - missing.length) + " of " +
        nodeLanes.length + " node(s)" + (missing.length ? "; never reached: " +
        missing.join(" ") : "") + " · yellow dots: where each node first received it";
    }
    status.textContent = text;
    if (scrollTo !== undefined) {
      const target = document.getElementById("m" + scrollTo);
      if (target) {
        const box = target.getBBox();
        window.scrollTo(0, Math.max(0, box.y - 160));
        target.classList.add("flash");
      }
    } else {
      window.scrollTo(0, 0);
    }
  }

  function follow(value) {
    const given = D.values[value];
    let indexes;
    if (given) {
      indexes = given.map(function (id) { return position[id]; })
        .filter(function (i) { return i !== undefined; });
    } else {
      indexes = [];
      bodies.forEach(function (body, i) { if (carries(body, value)) indexes.push(i); });
    }
    view = indexes.length ? subsetView(indexes, value) : fullView();
    if (!indexes.length) status.textContent = "no message carries " + value;
    document.getElementById("value").value = indexes.length ? value : "";
    fillPages();
  }

  function route() {
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash.startsWith("v=")) {
      follow(hash.slice(2));
      show(0);
      return;
    }
    if (view.label !== null) { view = fullView(); fillPages(); }
    if (/^p\d+$/.test(hash)) { show(parseInt(hash.slice(1), 10) - 1); return; }
    if (/^t[\d.]+$/.test(hash)) {
      show(Math.floor(bisect(view.times, parseFloat(hash.slice(1)) * 1e9, false) / PAGE));
      return;
    }
    if (/^m\d+$/.test(hash)) {
      const i = position[parseInt(hash.slice(1), 10)];
      if (i !== undefined) { show(Math.floor(send[i] / PAGE), ids[i]); return; }
    }
    show(0);
  }

  pageSelect.addEventListener("change", function () {
    location.hash = view.label === null ? "p" + (parseInt(pageSelect.value, 10) + 1) : "";
    if (view.label !== null) show(parseInt(pageSelect.value, 10));
  });
  document.getElementById("axis").addEventListener("change", function () { show(page); });
  document.getElementById("prev").addEventListener("click", function () { show(page - 1); });
  document.getElementById("next").addEventListener("click", function () { show(page + 1); });
  document.getElementById("go").addEventListener("submit", function (event) {
    event.preventDefault();
    const t = document.getElementById("time").value.trim();
    const v = document.getElementById("value").value.trim();
    location.hash = v ? "v=" + encodeURIComponent(v) : t ? "t" + t : "p1";
  });
  document.getElementById("save").addEventListener("click", function () {
    const text = '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<svg xmlns="http://www.w3.org/2000/svg" width="' + D.width + '" height="' +
      svg.getAttribute("height") + '" style="font-family:Helvetica,Arial,sans-serif;' +
      'font-size:11px;background:#fff"><style>' + document.getElementById("style").textContent +
      "</style>" + svg.innerHTML + "</svg>";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], {type: "image/svg+xml"}));
    link.download = "messages-page-" + (page + 1) + ".svg";
    link.click();
  });
  window.addEventListener("hashchange", route);
  const asked = new URLSearchParams(location.search).get("axis");    // messages.html?axis=3
  if (asked !== null) document.getElementById("axis").value = asked;
  fillPages();
  route();
})();
