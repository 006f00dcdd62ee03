(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var videos = DATA.videos, PAGE = 50, page = 0, sortKey = "rank", sortDir = 1, openRow = null;
  var tbody = document.querySelector("#videos tbody");
  var filter = document.getElementById("filter"), recFilter = document.getElementById("recfilter");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function value(v, key) {
    if (key.indexOf("sub.") === 0) return v.subscores[key.slice(4)];
    return v[key];
  }
  function compare(a, b) {
    var x = value(a, sortKey), y = value(b, sortKey);
    if (x === null || x === undefined) return 1;          // missing values always last
    if (y === null || y === undefined) return -1;
    if (typeof x === "number" && typeof y === "number") return sortDir * (x - y);
    return sortDir * String(x).localeCompare(String(y));
  }
  function matches(v) {
    var q = filter.value.trim().toLowerCase(), rec = recFilter.value;
    if (rec === "failed" && v.status === "ok") return false;
    if (rec && rec !== "failed" && (v.recommendation !== rec || v.status !== "ok")) return false;
    if (!q) return true;
    var hay = [v.name, v.creator, v.caption].concat(v.reasons.map(function (r) { return r.text; }));
    return hay.join(" ").toLowerCase().indexOf(q) >= 0;
  }
  function fmt(x) { return (x === null || x === undefined) ? "–" : (typeof x === "number" ? x.toFixed(0) : x); }

  function render() {
    var rows = videos.filter(matches).sort(compare);
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    tbody.textContent = "";
    openRow = null;
    rows.slice(page * PAGE, (page + 1) * PAGE).forEach(function (v) {
      var tr = el("tr", {"class": "row" + (v.status === "ok" ? "" : " failed"), "tabindex": "0"});
      tr.appendChild(el("td", {"class": "num"}, v.rank === null ? "–" : v.rank));
      tr.appendChild(el("td", {"title": v.path}, v.name + (v.duplicate_of ? " (duplicate)" : "")));
      tr.appendChild(el("td", null, v.creator || ""));
      tr.appendChild(el("td", {"class": "num"}, fmt(v.score)));
      DATA.subscores.forEach(function (s) { tr.appendChild(el("td", {"class": "num"}, fmt(v.subscores[s]))); });
      var rec = el("td");
      rec.appendChild(el("span", {"class": "rec rec-" + v.recommendation},
        v.status === "ok" ? v.recommendation.replace(/_/g, " ") : "failed: " + (v.error ? v.error.code : "")));
      (v.gates || []).forEach(function (g) {
        rec.appendChild(document.createTextNode(" "));
        rec.appendChild(el("span", {"class": "badge gate", "title": "gated: ranked after every video that passes"},
          "gated: " + g.replace(/_/g, " ")));
      });
      tr.appendChild(rec);
      tr.addEventListener("click", function () { toggle(tr, v); });
      tr.addEventListener("keydown", function (e) { if (e.key === "Enter") toggle(tr, v); });
      tbody.appendChild(tr);
    });
    document.getElementById("pageinfo").textContent =
      rows.length + " videos · page " + (page + 1) + " of " + pages;
    document.getElementById("prev").disabled = page === 0;
    document.getElementById("next").disabled = page >= pages - 1;
  }

  function toggle(tr, v) {
    if (openRow) { var was = openRow.previousSibling; openRow.remove(); openRow = null; if (was === tr) return; }
    var detail = el("tr", {"class": "detail"}), td = el("td", {"colspan": String(5 + DATA.subscores.length)});
    td.appendChild(details(v));
    detail.appendChild(td);
    tr.after(detail);
    openRow = detail;
  }

  function details(v) {
    var box = el("div", {"class": "detail-grid"}), left = el("div"), right = el("div");
    if (v.status !== "ok") {
      left.appendChild(el("p", {"class": "failed"}, v.error ? v.error.code + ": " + v.error.message : "failed"));
      box.appendChild(left);
      return box;
    }
    if (v.caption) left.appendChild(el("p", null, "Caption: " + v.caption));
    if (v.media.filmstrip) left.appendChild(el("img", {"class": "strip", "src": v.media.filmstrip, "alt": "hook filmstrip"}));
    if (v.media.safezone) left.appendChild(el("img", {"class": "safezone", "src": v.media.safezone,
      "alt": "TikTok safe zone over a hook frame",
      "title": "shaded: what the TikTok app covers (top bar, caption/CTA block, buttons, margins)"}));
    if (v.media.preview) {
      var vid = el("video", {"class": "preview", "src": v.media.preview, "controls": "", "muted": "", "loop": "",
                             "preload": "metadata"});
      left.appendChild(vid);
    }
    var bars = el("div", {"class": "bars"});
    DATA.subscores.forEach(function (s) {
      var row = el("div", {"class": "sb"}), track = el("i"), fill = el("b");
      fill.style.width = (v.subscores[s] || 0) + "%";
      track.appendChild(fill);
      row.setAttribute("data-sub", s);
      row.appendChild(el("span", null, DATA.labels[s])); row.appendChild(track); row.appendChild(el("em", null, fmt(v.subscores[s])));
      if (v.percentiles[s]) row.appendChild(el("small", {"class": "pct"}, v.percentiles[s]));
      bars.appendChild(row);
    });
    if (v.percentiles.score) left.appendChild(el("p", {"class": "hint pct-score"}, "score " + v.percentiles.score));
    left.appendChild(bars);
    var list = el("ul", {"class": "reasons"});
    v.reasons.forEach(function (r) {
      var li = el("li", {"class": r.sign === "+" ? "rpos" : "rneg"});
      li.appendChild(el("b", {"class": "mark"}, r.sign === "+" ? "+" : "\u2212"));
      li.appendChild(document.createTextNode(" " + r.text));
      if (r.impact) li.appendChild(el("small", null, " (" + (r.impact > 0 ? "+" : "") + r.impact.toFixed(1) + " pts)"));
      list.appendChild(li);
    });
    left.appendChild(list);
    if (v.below_above) left.appendChild(el("p", {"class": "below"}, v.below_above));
    if (v.rights && v.rights.length) {
      var rights = el("p", {"class": "rights"});
      rights.appendChild(el("b", null, "Rights \u2014 check before requesting:"));
      rights.appendChild(document.createTextNode(" " + v.rights.join("; ")));
      left.appendChild(rights);
    }
    if (v.not_measured && v.not_measured.length)
      left.appendChild(el("p", {"class": "hint nm"}, "Not measured \u2014 " + v.not_measured.join("; ")));
    if (v.fixes && v.fixes.length) {
      var fixes = el("div", {"class": "fixes"}), items = el("ul");
      fixes.appendChild(el("h4", null, "What to ask the creator to fix (estimated by re-scoring)"));
      v.fixes.forEach(function (f) { items.appendChild(el("li", null, f.text)); });
      fixes.appendChild(items);
      left.appendChild(fixes);
    }
    right.appendChild(el("h4", null, "Timeline"));
    right.appendChild(timeline(v));
    var table = el("table", {"class": "evidence"});
    Object.keys(v.evidence).forEach(function (k) {
      var x = v.evidence[k];
      if (x === null || x === undefined || (Array.isArray(x) && !x.length)) return;
      var tr = el("tr");
      tr.appendChild(el("td", null, k));
      tr.appendChild(el("td", null, Array.isArray(x) ? x.join(", ") : (typeof x === "number" ? +x.toFixed(3) : x)));
      table.appendChild(tr);
    });
    right.appendChild(table);
    box.appendChild(left); box.appendChild(right);
    return box;
  }

  // lanes from the data: the analyzers' declared event kinds, labels and colours
  var ALL_LANES = DATA.timeline || [];
  function timeline(v) {
    // one lane per declared kind this video has events of, in the declared order
    var LANES = ALL_LANES.filter(function (k) { return v.events.some(function (e) { return e.kind === k.kind; }); });
    var KINDS = LANES.map(function (k) { return k.kind; });
    var width = 560, left = 80, lane = 16, height = KINDS.length * lane + 22;
    var dur = v.duration || Math.max.apply(null, [1].concat(v.events.map(function (e) { return e.end || e.t; })));
    var x = function (t) { return left + (width - left - 8) * Math.min(t, dur) / dur; };
    var root = svg("svg", {"class": "timeline", "viewBox": "0 0 " + width + " " + height, "role": "img"});
    LANES.forEach(function (k, i) {
      var y = 4 + i * lane;
      root.appendChild(svg("line", {"class": "lane", "x1": left, "x2": width - 8, "y1": y + 6, "y2": y + 6}));
      var label = svg("text", {"x": 4, "y": y + 10}); label.textContent = k.label; root.appendChild(label);
    });
    v.events.forEach(function (e) {
      var i = KINDS.indexOf(e.kind); if (i < 0) return;
      var y = 4 + i * lane, w = e.end !== null && e.end !== undefined ? Math.max(2, x(e.end) - x(e.t)) : 2;
      var mark = svg("rect", {"class": "ev ev-" + e.kind, "fill": LANES[i].colour, "x": x(e.t), "y": y,
                              "width": w, "height": 12, "rx": 2});
      var title = svg("title", {}); title.textContent = e.label + " @ " + e.t.toFixed(1) + " s";
      mark.appendChild(title); root.appendChild(mark);
    });
    for (var s = 0; s <= dur; s += Math.max(1, Math.round(dur / 10))) {
      var tick = svg("text", {"x": x(s) - 3, "y": height - 4}); tick.textContent = s + "s"; root.appendChild(tick);
    }
    return root;
  }

  document.querySelectorAll("#videos th").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.dataset.key;
      sortDir = (key === sortKey) ? -sortDir : (key === "rank" || key === "name" || key === "creator" ? 1 : -1);
      sortKey = key;
      document.querySelectorAll("#videos th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
      render();
    });
  });
  filter.addEventListener("input", function () { page = 0; render(); });
  recFilter.addEventListener("change", function () { page = 0; render(); });
  document.getElementById("prev").addEventListener("click", function () { page -= 1; render(); });
  document.getElementById("next").addEventListener("click", function () { page += 1; render(); });
  render();
})();
