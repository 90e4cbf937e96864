// hindsight search: runs in the browser on the static index under search/index/, loaded
// as <script> files so it works on any static host and from file://. No framework.
(function () {
  "use strict";
  var me = document.currentScript;
  var root = me.getAttribute("data-root") || "./";
  var base = root + "search/index/";
  var FIELDS = ["severity", "service", "tag", "year", "status"];
  var LABELS = { severity: "Severity", service: "Service", tag: "Tag", year: "Year", status: "Status" };
  var SHOWN = 10;

  // --- loading index files as scripts -------------------------------------------------
  var waiting = {}, loaded = {};
  function load(key, file) {
    if (key in loaded) return Promise.resolve(loaded[key]);
    return new Promise(function (resolve, reject) {
      if (waiting[key]) { waiting[key].push(resolve); return; }
      waiting[key] = [resolve];
      var s = document.createElement("script");
      s.src = base + file;
      s.onerror = function () { reject(new Error("cannot load " + base + file)); };
      document.head.appendChild(s);
    });
  }
  function arrived(key, value) {
    loaded[key] = value;
    (waiting[key] || []).forEach(function (r) { r(value); });
    delete waiting[key];
  }
  window.hindsightIndex = {
    manifest: function (m) { arrived("manifest", m); },
    shard: function (n, entries) { arrived("s" + n, entries); },
    meta: function (n, rows) { arrived("m" + n, rows); },
    facets: function (f) {
      var out = {};
      Object.keys(f).forEach(function (field) {
        out[field] = f[field].split(";").map(function (ids) {
          return ids === "" ? [] : ids.split(",").map(function (h) { return parseInt(h, 16); });
        });
      });
      arrived("facets", out);
    }
  };

  // --- postings: base-64 varints, 5 bits per character, bit 6 = more ------------------
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var i = 0; i < 64; i++) VALUE[DIGITS.charAt(i)] = i;
  function decode(text) {
    var out = new Map(), at = 0, doc = 0;
    function next() {
      var v = 0, scale = 1, c;
      do { c = VALUE[text.charAt(at++)]; v += (c & 31) * scale; scale *= 32; } while (c & 32);
      return v;
    }
    while (at < text.length) { doc += next(); out.set(doc, next()); }
    return out;
  }

  // --- query ---------------------------------------------------------------------------
  // Stems as the index makes them (analyze.js, the same analysis as the CLI's).
  function stems(q) {
    return globalThis.hindsightAnalyze.stems(q);
  }
  function shardOf(manifest, word) {
    var s = manifest.shards, lo = 0, hi = s.length - 1, found = 0;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (s[mid] <= word) { found = mid; lo = mid + 1; } else hi = mid - 1; }
    return found;
  }
  // Postings of a stem, or of every indexed stem it starts (the word being typed).
  function postings(manifest, word, prefix) {
    var first = shardOf(manifest, word), last = first;
    if (prefix) while (last + 1 < manifest.shards.length && manifest.shards[last + 1].lastIndexOf(word, 0) === 0) last++;
    var loads = [];
    for (var n = first; n <= last; n++) loads.push(load("s" + n, "s" + n + ".js"));
    return Promise.all(loads).then(function (shards) {
      var merged = new Map();
      shards.forEach(function (entries) {
        Object.keys(entries).forEach(function (w) {
          if (prefix ? w.lastIndexOf(word, 0) !== 0 : w !== word) return;
          decode(entries[w]).forEach(function (score, doc) {
            if (!(merged.get(doc) >= score)) merged.set(doc, score);
          });
        });
      });
      return merged;
    });
  }
  // Every word must match (as the CLI's default); scores add up.
  function match(manifest, q) {
    var ws = stems(q);
    if (!ws.length) return Promise.resolve(null);
    var typing = !/\s$/.test(q);
    return Promise.all(ws.map(function (w, i) { return postings(manifest, w, typing && i === ws.length - 1); }))
      .then(function (lists) {
        lists.sort(function (a, b) { return a.size - b.size; });
        var result = new Map(lists[0]);
        for (var k = 1; k < lists.length; k++) {
          result.forEach(function (score, doc) {
            var other = lists[k].get(doc);
            if (other === undefined) result.delete(doc); else result.set(doc, score + other);
          });
        }
        return result;
      });
  }

  // --- page ----------------------------------------------------------------------------
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var facetBox = document.getElementById("facets");
  var status = document.getElementById("status");
  var list = document.getElementById("results");
  var selected = {};
  FIELDS.forEach(function (f) { selected[f] = new Set(); });
  var run = 0;

  function readUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    FIELDS.forEach(function (f) { selected[f] = new Set(params.getAll(f)); });
  }
  function writeUrl() {
    var params = new URLSearchParams();
    if (input.value) params.set("q", input.value);
    FIELDS.forEach(function (f) { selected[f].forEach(function (v) { params.append(f, v); }); });
    var query = params.toString();
    try { history.replaceState(null, "", location.pathname + (query ? "?" + query : "")); } catch (e) { /* file:// in some browsers */ }
  }
  function passes(facets, manifest, doc, skip) {
    return FIELDS.every(function (f) {
      if (f === skip || !selected[f].size || !facets[f]) return true;
      return facets[f][doc].some(function (id) { return selected[f].has(manifest.facets[f][id]); });
    });
  }
  function element(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function renderFacets(manifest, facets, matched) {
    facetBox.textContent = "";
    FIELDS.forEach(function (f) {
      var names = manifest.facets[f] || [];
      var counts = names.map(function () { return 0; });
      matched.forEach(function (_score, doc) {
        if (passes(facets, manifest, doc, f)) facets[f][doc].forEach(function (id) { counts[id]++; });
      });
      var order = names.map(function (_, id) { return id; }).filter(function (id) { return counts[id] || selected[f].has(names[id]); });
      if (!order.length) return;
      order.sort(function (a, b) { return counts[b] - counts[a] || (names[a] < names[b] ? -1 : 1); });
      var set = element("fieldset", { "class": "facet", "data-field": f });
      set.appendChild(element("legend", {}, LABELS[f]));
      order.forEach(function (id) {
        var label = element("label");
        var box = element("input", { type: "checkbox", name: f, value: names[id] });
        box.checked = selected[f].has(names[id]);
        box.addEventListener("change", function () {
          if (box.checked) selected[f].add(names[id]); else selected[f].delete(names[id]);
          update();
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + names[id] + " "));
        label.appendChild(element("span", { "class": "count" }, String(counts[id])));
        set.appendChild(label);
      });
      facetBox.appendChild(set);
    });
  }
  function renderResults(manifest, ranked, mine) {
    var shown = ranked.slice(0, SHOWN);
    var chunks = {};
    shown.forEach(function (r) { chunks[Math.floor(r[0] / manifest.chunk)] = true; });
    return Promise.all(Object.keys(chunks).map(function (c) { return load("m" + c, "m" + c + ".js"); })).then(function () {
      if (mine !== run) return;
      list.textContent = "";
      shown.forEach(function (r) {
        var row = loaded["m" + Math.floor(r[0] / manifest.chunk)][r[0] % manifest.chunk];
        var li = element("li", { "class": "pm", "data-id": row[0] });
        var line = element("div", { "class": "pm-line" });
        line.appendChild(element("span", { "class": "badge sev" }, row[3]));
        line.appendChild(document.createTextNode(" "));
        line.appendChild(element("a", { "class": "pm-title", href: root + manifest.page.replace("{id}", row[0]) }, row[1]));
        li.appendChild(line);
        li.appendChild(element("div", { "class": "pm-meta" }, row[2] + " · " + row[4]));
        if (row[5]) li.appendChild(element("p", { "class": "pm-summary" }, row[5]));
        list.appendChild(li);
      });
    });
  }
  function update() {
    var mine = ++run;
    writeUrl();
    var started = performance.now();
    return load("manifest", "manifest.js").then(function (manifest) {
      return Promise.all([match(manifest, input.value), load("facets", "facets.js")]).then(function (got) {
        if (mine !== run) return;
        var matched = got[0], facets = got[1];
        var filtering = FIELDS.some(function (f) { return selected[f].size; });
        if (!matched && !filtering) {
          facetBox.textContent = "";
          list.textContent = "";
          status.textContent = "Type to search " + manifest.docs + " postmortems.";
          document.body.setAttribute("data-search-done", String(mine));
          return;
        }
        if (!matched) {
          matched = new Map();
          for (var d = 0; d < manifest.docs; d++) matched.set(d, 0);
        }
        var ranked = [];
        matched.forEach(function (score, doc) { if (passes(facets, manifest, doc, null)) ranked.push([doc, score]); });
        ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
        renderFacets(manifest, facets, matched);
        status.textContent = ranked.length + (ranked.length === 1 ? " postmortem" : " postmortems") +
          (ranked.length > SHOWN ? ", best " + SHOWN + " shown" : "");
        return renderResults(manifest, ranked, mine).then(function () {
          document.body.setAttribute("data-search-ms", String(Math.round(performance.now() - started)));
          document.body.setAttribute("data-search-done", String(mine));
        });
      });
    }).catch(function (e) { status.textContent = "Search is unavailable: " + e.message; });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  input.addEventListener("input", update);
  readUrl();
  update();
})();
