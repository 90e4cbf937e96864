// hindsight search in the browser, on the static index under search/index/ (loaded as
// <script> files, so it works on any static host and from file://). It reads queries as
// `hindsight search` does (src/search/query.rs) and scores as its tantivy index does
// (BM25 over title, summary and body in 32-bit floats, from the term frequencies and
// field norms the index stores), so both find the same postmortems in the same order;
// tests/browser/parity.mjs holds them equal over generated queries. No framework.
(function () {
  "use strict";
  var me = document.currentScript;
  var root = me.getAttribute("data-root") || "./";
  var base = root + "search/index/";
  var f32 = Math.fround;

  // --- loading index files as scripts ---------------------------------------------------
  // Each file calls hindsightIndex.<kind>(its name, payload); a failed load rejects every
  // query waiting for that file, and the next query tries again.
  var waiting = {}, loaded = {};
  function load(file) {
    if (file in loaded) return Promise.resolve(loaded[file]);
    return new Promise(function (resolve, reject) {
      if (waiting[file]) { waiting[file].push([resolve, reject]); return; }
      waiting[file] = [[resolve, reject]];
      var s = document.createElement("script");
      s.src = base + file;
      s.onerror = function () {
        var all = waiting[file] || [];
        delete waiting[file];
        s.remove();
        all.forEach(function (w) { w[1](new Error("cannot load " + base + file)); });
      };
      document.head.appendChild(s);
    });
  }
  function arrived(file, value) {
    loaded[file] = value;
    (waiting[file] || []).forEach(function (w) { w[0](value); });
    delete waiting[file];
  }
  window.hindsightIndex = {
    manifest: function (m) { arrived("manifest.js", m); },
    shard: arrived, positions: arrived, words: arrived, meta: arrived,
    facets: function (name, f) {
      var out = {};
      Object.keys(f).forEach(function (field) {
        out[field] = {
          values: f[field].values,
          lower: f[field].values.map(function (v) { return v.toLowerCase(); }),
          docs: f[field].docs.split(";").map(function (ids) {
            return ids === "" ? [] : ids.split(",").map(function (h) { return parseInt(h, 16); });
          })
        };
      });
      arrived(name, out);
    }
  };

  // --- base-64 varints: 5 bits per character, bit 6 = more ------------------------------
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var i = 0; i < 64; i++) VALUE[DIGITS.charAt(i)] = i;
  function reader(text) {
    var at = 0;
    return {
      more: function () { return at < text.length; },
      next: function () {
        var v = 0, scale = 1, c;
        do { c = VALUE[text.charAt(at++)]; v += (c & 31) * scale; scale *= 32; } while (c & 32);
        return v;
      }
    };
  }
  function own(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  // --- the index ------------------------------------------------------------------------
  function Index(manifest) {
    this.m = manifest;
    this.n = manifest.docs;
    this.postings = {};
    var k1 = f32(1.2);
    // tantivy's BM25 length normalisation per field and field-norm id.
    this.cache = manifest.average.map(function (avg) {
      return manifest.norms.map(function (norm) {
        return f32(k1 * f32(f32(1 - 0.75) + f32(f32(0.75 * f32(norm)) / f32(avg))));
      });
    });
  }
  // An index file by name (`s3`, `f-tag`), completed with its content hash: the manifest
  // has each kind's hashes (`s`, or a facet's whole name) one after another.
  Index.prototype.file = function (name) {
    var k = /^([a-z]+)(\d+)$/.exec(name), kind = k ? k[1] : name, n = k ? Number(k[2]) : 0;
    return name + "-" + this.m.hashes[kind].substr(n * this.m.hash_len, this.m.hash_len) + ".js";
  };
  // The shard (of `list`, sorted first keys) where `key` would be.
  function shardOf(list, key) {
    var lo = 0, hi = list.length - 1, found = 0;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (list[mid] <= key) { found = mid; lo = mid + 1; } else hi = mid - 1; }
    return found;
  }
  // The shards of `list` whose keys may start with `prefix`.
  function shardsFrom(list, prefix) {
    var first = shardOf(list, prefix), out = [first];
    for (var s = first + 1; s < list.length && list[s].lastIndexOf(prefix, 0) === 0; s++) out.push(s);
    return out;
  }
  // A stem's postings: {doc, fields: [tf, field-norm id] per text field, or null}.
  Index.prototype.stem = function (stem) {
    var self = this;
    if (own(self.postings, stem)) return Promise.resolve(self.postings[stem]);
    return load(self.file("s" + shardOf(self.m.stems, stem))).then(function (entries) {
      var list = [];
      if (own(entries, stem)) {
        var r = reader(entries[stem]), doc = 0;
        while (r.more()) {
          doc += r.next();
          var mask = r.next(), fields = [null, null, null];
          for (var f = 0; f < 3; f++) if (mask & (1 << f)) fields[f] = [r.next(), r.next()];
          list.push({ doc: doc, fields: fields });
        }
      }
      self.postings[stem] = list;
      return list;
    });
  };
  // A stem's positions: per posting, per text field, a sorted array (or null).
  Index.prototype.positions = function (stem) {
    var self = this;
    var file = self.file("p" + shardOf(self.m.stems, stem));
    return Promise.all([self.stem(stem), load(file)]).then(function (got) {
      var list = got[0], entries = got[1];
      if (!own(entries, stem)) return [];
      var r = reader(entries[stem]);
      return list.map(function (p) {
        return p.fields.map(function (tf) {
          if (!tf) return null;
          var at = 0, out = [];
          for (var k = 0; k < tf[0]; k++) { at += r.next(); out.push(at); }
          return out;
        });
      });
    });
  };
  // The stems of the first `limit` words (sorted) that start with `prefix`.
  Index.prototype.completions = function (prefix, limit) {
    var self = this, list = this.m.words;
    if (!list.length) return Promise.resolve([]);
    return Promise.all(shardsFrom(list, prefix).map(function (s) { return load(self.file("w" + s)); })).then(function (shards) {
      var words = [];
      shards.forEach(function (entries) {
        Object.keys(entries).forEach(function (w) {
          if (w.lastIndexOf(prefix, 0) === 0) words.push([w, entries[w] || w]);
        });
      });
      words.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      return words.slice(0, limit).map(function (w) { return w[1]; });
    });
  };
  // Every indexed stem that starts with `prefix`.
  Index.prototype.stemsFrom = function (prefix) {
    var self = this, list = this.m.stems;
    if (!list.length) return Promise.resolve([]);
    return Promise.all(shardsFrom(list, prefix).map(function (s) { return load(self.file("s" + s)); })).then(function (shards) {
      var out = [];
      shards.forEach(function (entries) {
        Object.keys(entries).forEach(function (w) { if (w.lastIndexOf(prefix, 0) === 0) out.push(w); });
      });
      return out;
    });
  };
  // A keyword field's values and each document's (one file per field, loaded when a
  // query or the facets' counts need it); the facets' fields, merged into one object.
  Index.prototype.values = function (field) { return load(this.file("f-" + field)); };
  Index.prototype.facets = function () {
    var self = this;
    return Promise.all(self.m.facets.map(function (f) { return self.values(f.field); })).then(function (files) {
      return Object.assign.apply(null, [{}].concat(files));
    });
  };

  // --- scoring: tantivy's BM25, in 32-bit floats ----------------------------------------
  function idf(df, n) {
    return f32(Math.log(f32(1 + f32(f32(f32(n - df) + 0.5) / f32(df + 0.5)))));
  }
  Index.prototype.weight = function (idfValue, field) {
    var w = f32(idfValue * f32(1 + f32(1.2)));
    var boost = this.m.boosts[field];
    return boost === 1 ? w : f32(w * boost);
  };
  Index.prototype.score = function (weight, field, tf, normId) {
    return f32(weight * f32(tf / f32(tf + this.cache[field][normId])));
  };
  function add(scores, doc, s) {
    var had = scores.get(doc);
    scores.set(doc, had === undefined ? s : f32(had + s));
  }
  // Documents with any of `stems` in any of `fields`, each with its summed score.
  Index.prototype.terms = function (stems, fields) {
    var self = this;
    return Promise.all(stems.map(function (s) { return self.stem(s); })).then(function (lists) {
      var scores = new Map();
      lists.forEach(function (list) {
        fields.forEach(function (f) {
          var df = 0;
          list.forEach(function (p) { if (p.fields[f]) df++; });
          if (!df) return;
          var w = self.weight(idf(df, self.n), f);
          list.forEach(function (p) {
            var tf = p.fields[f];
            if (tf) add(scores, p.doc, self.score(w, f, tf[0], tf[1]));
          });
        });
      });
      return scores;
    });
  };
  // Documents with the words next to each other in one of `fields`, scored as tantivy
  // scores a phrase: the phrase's count as frequency, the words' idfs summed.
  Index.prototype.phrase = function (words, fields) {
    var self = this;
    var offsets = words.map(function (w) { return w.position - words[0].position; });
    return Promise.all(words.map(function (w) { return Promise.all([self.stem(w.stem), self.positions(w.stem)]); })).then(function (got) {
      var scores = new Map();
      fields.forEach(function (f) {
        var idfSum = 0;
        var byDoc = got.map(function (g) {
          var m = new Map(), df = 0;
          g[0].forEach(function (p, k) { if (p.fields[f]) { df++; m.set(p.doc, [p.fields[f], g[1][k][f]]); } });
          idfSum = f32(idfSum + idf(df, self.n));
          return m;
        });
        var w = self.weight(idfSum, f);
        byDoc[0].forEach(function (first, doc) {
          var all = byDoc.map(function (m) { return m.get(doc); });
          if (all.some(function (o) { return !o; })) return;
          var sets = all.map(function (o) { return new Set(o[1]); });
          var count = 0;
          first[1].forEach(function (p) {
            if (offsets.every(function (off, k) { return sets[k].has(p + off); })) count++;
          });
          if (count) add(scores, doc, self.score(w, f, count, first[0][1]));
        });
      });
      return scores;
    });
  };
  // Documents with a value of `field` equal to `value` (or starting with it), score 0; an
  // author also by one word of the name.
  Index.prototype.keyword = function (field, value, prefix) {
    return this.values(field).then(function (facets) {
      var facet = facets[field], scores = new Map();
      if (!facet) return scores;
      var hits = facet.lower.map(function (v) {
        var names = [v];
        if (field === "author") names = names.concat(globalThis.hindsightAnalyze.words(v));
        return names.some(function (name) { return prefix ? name.lastIndexOf(value, 0) === 0 : name === value; });
      });
      facet.docs.forEach(function (ids, doc) {
        if (ids.some(function (id) { return hits[id]; })) scores.set(doc, 0);
      });
      return scores;
    });
  };

  // The documents a word or phrase with no field finds by name: a value of a `named`
  // field (service, tag, team, company) whose words are the query's, or one of whose words
  // is the query's one word (query::name_keys); with `prefix`, a key that starts with it.
  // Score 0, as a `field:value`.
  Index.prototype.named = function (words, prefix) {
    var self = this;
    if (!self.names) {
      self.names = Promise.all(self.m.named.map(function (f) { return self.values(f); })).then(function (files) {
        var names = new Map();
        files.forEach(function (file, k) {
          var facet = file[self.m.named[k]];
          if (!facet) return;
          var keys = facet.values.map(function (v) {
            var w = globalThis.hindsightAnalyze.words(v);
            return w.length > 1 ? w.concat([w.join(" ")]) : w;
          });
          facet.docs.forEach(function (ids, doc) {
            ids.forEach(function (id) {
              keys[id].forEach(function (key) {
                if (!names.has(key)) names.set(key, new Set());
                names.get(key).add(doc);
              });
            });
          });
        });
        return names;
      });
      // A file that failed to load is tried again by the next query.
      self.names.catch(function () { self.names = null; });
    }
    var key = words.map(function (w) { return w.word; }).join(" ");
    return self.names.then(function (names) {
      var scores = new Map();
      names.forEach(function (docs, name) {
        if (prefix ? name.lastIndexOf(key, 0) === 0 : name === key) docs.forEach(function (doc) { scores.set(doc, 0); });
      });
      return scores;
    });
  };

  // --- the query language (src/search/query.rs) ----------------------------------------
  function isSpace(c) { return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\x0b" || c === "\x0c"; }
  function tokens(q) {
    var out = [], at = 0;
    for (;;) {
      while (at < q.length && isSpace(q[at])) at++;
      if (at >= q.length) return out;
      var exclude = false;
      if ((q[at] === "-" || q[at] === "+") && at + 1 < q.length && !isSpace(q[at + 1])) { exclude = q[at] === "-"; at++; }
      var letters = 0;
      while (at + letters < q.length && /[A-Za-z]/.test(q[at + letters])) letters++;
      var field = null, fieldAt = at;
      if (letters > 0 && q[at + letters] === ":" && at + letters + 1 < q.length && !isSpace(q[at + letters + 1])) {
        field = q.slice(at, at + letters);
        at += letters + 1;
      }
      if (q[at] === '"') {
        var close = q.indexOf('"', at + 1);
        var end = close < 0 ? q.length : close;
        out.push({ exclude: exclude, field: field, fieldAt: fieldAt, quoted: true, text: q.slice(at + 1, end), textAt: at + 1, star: false });
        at = close < 0 ? q.length : close + 1;
      } else {
        var stop = at;
        while (stop < q.length && !isSpace(q[stop])) stop++;
        var word = q.slice(at, stop), text = word.replace(/\*+$/, "");
        out.push({ exclude: exclude, field: field, fieldAt: fieldAt, quoted: false, text: text, textAt: at, star: text.length < word.length });
        at = stop;
      }
    }
  }
  // Optimal string alignment distance, for "did you mean".
  function distance(a, b) {
    var d = [], x, y;
    for (x = 0; x <= a.length; x++) { d.push([x]); for (y = 1; y <= b.length; y++) d[x].push(x ? 0 : y); }
    for (x = 1; x <= a.length; x++) for (y = 1; y <= b.length; y++) {
      var cost = a[x - 1] === b[y - 1] ? 0 : 1;
      d[x][y] = Math.min(d[x - 1][y] + 1, d[x][y - 1] + 1, d[x - 1][y - 1] + cost);
      if (x > 1 && y > 1 && a[x - 1] === b[y - 2] && a[x - 2] === b[y - 1]) d[x][y] = Math.min(d[x][y], d[x - 2][y - 2] + 1);
    }
    return d[a.length][b.length];
  }
  // `fields`: [name, field] pairs in the order the CLI lists them, which "did you mean"
  // follows; `textFields`: the fields whose words are scored.
  function parse(q, fields, textFields) {
    var names = fields.map(function (f) { return f[0]; });
    var clauses = [], join = false;
    var analyze = globalThis.hindsightAnalyze.tokens;
    var list = tokens(q);
    for (var t = 0; t < list.length; t++) {
      var tok = list[t];
      if (!tok.exclude && tok.field === null && !tok.quoted && !tok.star) {
        if (tok.text === "OR") { join = true; continue; }
        if (tok.text === "AND") continue;
      }
      var field = null, text = tok.text;
      if (tok.field !== null) {
        var at = names.map(function (n) { return n.toLowerCase(); }).indexOf(tok.field.toLowerCase());
        if (at >= 0) field = fields[at][1];
        else {
          var best = null, bestD = Infinity;
          names.forEach(function (n) {
            var dd = distance(tok.field.toLowerCase(), n);
            if (dd <= Math.max(Math.floor(n.length / 3), 1) && dd < bestD) { best = n; bestD = dd; }
          });
          if (best) throw new Error("unknown field `" + tok.field + ":` in the query; did you mean `" + best + ":`?");
          text = q.slice(tok.fieldAt, tok.textAt + tok.text.length);
        }
      }
      var item = null;
      if (field !== null && textFields.indexOf(field) < 0) {
        var value = text.replace(/^[ \t\n\r\x0b\x0c]+|[ \t\n\r\x0b\x0c]+$/g, "").toLowerCase();
        if (value) item = { keyword: field, value: value, prefix: tok.star };
      } else {
        var words = analyze(text);
        if (words.length) item = { field: field === null ? null : textFields.indexOf(field), words: words, prefix: tok.star && words.length === 1 };
      }
      if (!item) { join = false; continue; }
      var last = clauses[clauses.length - 1];
      if (join && last && !last.exclude && !tok.exclude) last.any.push(item);
      else clauses.push({ exclude: tok.exclude, any: [item] });
      join = false;
    }
    return clauses;
  }
  // Bare words only: the query the typo retry applies to.
  function isPlain(clauses) {
    return clauses.length > 0 && clauses.every(function (c) {
      var it = c.any[0];
      return !c.exclude && c.any.length === 1 && it.words && it.field === null && !it.prefix && it.words.length === 1;
    });
  }
  // Whether two words are at most one edit apart (query::within_one_edit).
  function oneEdit(a, b) {
    a = Array.from(a); b = Array.from(b);
    var s = a.length <= b.length ? a : b, l = a.length <= b.length ? b : a;
    if (l.length - s.length > 1) return false;
    var i = 0;
    while (i < s.length && s[i] === l[i]) i++;
    if (i === s.length) return true;
    var rest = function (x, from) { return x.slice(from).join("\u0000"); };
    if (s.length === l.length) {
      var swapped = i + 1 < s.length && s[i] === l[i + 1] && s[i + 1] === l[i] && rest(s, i + 2) === rest(l, i + 2);
      return swapped || rest(s, i + 1) === rest(l, i + 1);
    }
    return rest(s, i) === rest(l, i + 1);
  }

  // --- evaluation -------------------------------------------------------------------------
  Index.prototype.item = function (item, typos, matched) {
    var self = this;
    if (item.keyword) return self.keyword(item.keyword, item.value, item.prefix);
    if (item.field !== null) return self.text(item, [item.field], typos, matched);
    // Any text field, or a name.
    return Promise.all([self.text(item, [0, 1, 2], typos, matched), self.named(item.words, item.prefix)]).then(function (two) {
      two[1].forEach(function (_, doc) { add(two[0], doc, 0); });
      return two[0];
    });
  };
  // Documents with the item's words in `fields`, scored.
  Index.prototype.text = function (item, fields, typos, matched) {
    var self = this;
    if (item.words.length > 1) {
      item.words.forEach(function (w) { matched.add(w.stem); });
      return self.phrase(item.words, fields);
    }
    var w = item.words[0];
    var long = typos && Array.from(w.word).length >= self.m.typo_min;
    var wanted = [];
    if (item.prefix || long) wanted.push(self.completions(w.word, self.m.expansions));
    if (long) {
      var start = Array.from(w.stem).slice(0, 2).join("");
      wanted.push(self.stemsFrom(start).then(function (all) { return all.filter(function (s) { return oneEdit(s, w.stem); }); }));
    } else if (!item.prefix) wanted.push(Promise.resolve([w.stem]));
    return Promise.all(wanted).then(function (lists) {
      var stems = Array.from(new Set([].concat.apply([], lists)));
      stems.forEach(function (s) { matched.add(s); });
      return self.terms(stems, fields);
    });
  };
  // Every document matching `clauses`, with scores; `matched` collects the stems looked for.
  Index.prototype.evaluate = function (clauses, typos, matched) {
    var self = this;
    return Promise.all(clauses.map(function (c) {
      return Promise.all(c.any.map(function (item) { return self.item(item, typos, c.exclude ? new Set() : matched); }))
        .then(function (maps) {
          var union = new Map();
          maps.forEach(function (m) { m.forEach(function (s, doc) { add(union, doc, s); }); });
          return union;
        });
    })).then(function (sets) {
      var must = [], not = [];
      sets.forEach(function (s, k) { (clauses[k].exclude ? not : must).push(s); });
      var result;
      if (!must.length) { result = new Map(); for (var d = 0; d < self.n; d++) result.set(d, 0); }
      else {
        must.sort(function (a, b) { return a.size - b.size; });
        result = new Map(must[0]);
        for (var k = 1; k < must.length; k++) {
          result.forEach(function (s, doc) {
            var other = must[k].get(doc);
            if (other === undefined) result.delete(doc); else result.set(doc, f32(s + other));
          });
        }
      }
      not.forEach(function (s) { s.forEach(function (_, doc) { result.delete(doc); }); });
      return result;
    });
  };
  var view = new DataView(new ArrayBuffer(4));
  // The score's rank, as `search::rank` computes it: f32 bits with the last 7 rounded off.
  function rank(score) {
    view.setFloat32(0, Math.max(score, 0));
    return Math.floor((view.getUint32(0) + 0x40) / 128);
  }
  // Runs a query with facet filters ({field: Set of values}): every matching document as
  // [number, score, rank], best first (or newest first), and the stems to mark.
  Index.prototype.search = function (q, filters, sort) {
    var self = this;
    var clauses = parse(q, self.m.fields, self.m.text);
    var plain = isPlain(clauses);
    Object.keys(filters || {}).forEach(function (field) {
      var values = Array.from(filters[field]);
      if (values.length) clauses.push({ exclude: false, any: values.map(function (v) { return { keyword: field, value: v.toLowerCase(), prefix: false }; }) });
    });
    var matched = new Set();
    return self.evaluate(clauses, false, matched).then(function (found) {
      if (found.size || !plain) return found;
      return self.evaluate(clauses, true, matched);
    }).then(function (found) {
      var ranked = [];
      found.forEach(function (score, doc) { ranked.push([doc, score, sort === "date" ? 0 : rank(score)]); });
      ranked.sort(function (a, b) { return b[2] - a[2] || a[0] - b[0]; });
      return { ranked: ranked, stems: matched };
    });
  };
  // A document's row: id, title, date, severity, services, summary, link of another's.
  Index.prototype.rows = function (docs) {
    var m = this.m;
    var chunks = Array.from(new Set(docs.map(function (d) { return Math.floor(d / m.chunk); })));
    var self = this;
    return Promise.all(chunks.map(function (c) { return load(self.file("m" + c)); })).then(function () {
      return docs.map(function (d) { return loaded[self.file("m" + Math.floor(d / m.chunk))][d % m.chunk]; });
    });
  };

  var index = null;
  function open() {
    return load("manifest.js").then(function (m) { return index || (index = new Index(m)); });
  }
  // For tests and other scripts: every matching document's id, in order.
  window.hindsightSearch = {
    ids: function (q, sort) {
      return open().then(function (ix) {
        return ix.search(q, {}, sort).then(function (r) {
          return ix.rows(r.ranked.map(function (x) { return x[0]; }));
        }).then(function (rows) { return rows.map(function (row) { return row[0]; }); });
      });
    }
  };

  // --- page -----------------------------------------------------------------------------
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("q");
  var sortBox = document.getElementById("sort");
  var facetBox = document.getElementById("facets");
  var status = document.getElementById("status");
  var list = document.getElementById("results");
  var more = document.getElementById("more");
  var FACETS = ["origin", "severity", "service", "tag", "year", "status"];
  var LABELS = { origin: "Whose", severity: "Severity", service: "Service", tag: "Tag", year: "Year", status: "Status" };
  var SHOWN = 10;
  var selected = {};
  FACETS.forEach(function (f) { selected[f] = new Set(); });
  var run = 0, shown = SHOWN, current = null;

  function readUrl() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    sortBox.value = params.get("sort") === "date" ? "date" : "relevance";
    FACETS.forEach(function (f) { selected[f] = new Set(params.getAll(f)); });
  }
  function writeUrl() {
    var params = new URLSearchParams();
    if (input.value) params.set("q", input.value);
    if (sortBox.value === "date") params.set("sort", "date");
    FACETS.forEach(function (f) { selected[f].forEach(function (v) { params.append(f, v); }); });
    var query = params.toString();
    try { history.replaceState(null, "", location.pathname + (query ? "?" + query : "")); } catch (e) { /* file:// in some browsers */ }
  }
  function element(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function passes(facets, doc, skip) {
    return FACETS.every(function (f) {
      if (f === skip || !selected[f].size || !facets[f]) return true;
      return facets[f].docs[doc].some(function (id) { return selected[f].has(facets[f].values[id]); });
    });
  }
  // Each facet's counts over the matched documents, each counted as if its own facet's
  // choices were not made (so ticking a second value shows what it would add).
  function counted(facets, matched) {
    return FACETS.filter(function (f) { return facets[f]; }).map(function (f) {
      var facet = facets[f];
      var counts = facet.values.map(function () { return 0; });
      matched.forEach(function (doc) {
        if (passes(facets, doc, f)) facet.docs[doc].forEach(function (id) { counts[id]++; });
      });
      return { field: f, values: facet.values, counts: counts };
    });
  }
  // Facets as [{field, values, counts}]: from the manifest before a query, else counted.
  function renderFacets(list) {
    facetBox.textContent = "";
    FACETS.forEach(function (f) {
      var facet = list.filter(function (x) { return x.field === f; })[0];
      if (!facet) return;
      var counts = facet.counts;
      var order = facet.values.map(function (_, id) { return id; })
        .filter(function (id) { return counts[id] || selected[f].has(facet.values[id]); });
      if (!order.length || (f === "origin" && facet.values.length < 2)) return;
      // Severity, year, status and origin keep the index's order (severity worst first);
      // services and tags go by count.
      if (f === "service" || f === "tag") {
        order.sort(function (a, b) { return counts[b] - counts[a] || (facet.values[a] < facet.values[b] ? -1 : 1); });
      }
      var set = element("fieldset", { "class": "facet", "data-field": f });
      set.appendChild(element("legend", {}, LABELS[f]));
      order.forEach(function (id) {
        var name = facet.values[id];
        var label = element("label");
        var box = element("input", { type: "checkbox", name: f, value: name });
        box.checked = selected[f].has(name);
        box.addEventListener("change", function () {
          if (box.checked) selected[f].add(name); else selected[f].delete(name);
          update(false);
        });
        label.appendChild(box);
        var shownName = f === "origin" ? (name === "ours" ? "Our postmortems" : "Other companies'") : name;
        label.appendChild(document.createTextNode(" " + shownName + " "));
        label.appendChild(element("span", { "class": "count" }, String(counts[id])));
        set.appendChild(label);
      });
      facetBox.appendChild(set);
    });
  }
  // The summary with the words of the query marked.
  function marked(text, stems) {
    var p = element("p", { "class": "pm-summary" }), at = 0;
    globalThis.hindsightAnalyze.tokens(text).forEach(function (t) {
      if (!stems.has(t.stem)) return;
      p.appendChild(document.createTextNode(text.slice(at, t.start)));
      p.appendChild(element("mark", {}, text.slice(t.start, t.end)));
      at = t.end;
    });
    p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }
  function renderResults(ix, found, mine) {
    var ranked = found.ranked;
    return ix.rows(ranked.slice(0, shown).map(function (r) { return r[0]; })).then(function (rows) {
      if (mine !== run) return;
      list.textContent = "";
      rows.forEach(function (row) {
        var external = row[6] !== "";
        var li = element("li", { "class": "pm", "data-id": row[0] });
        var line = element("div", { "class": "pm-line" });
        if (external) line.appendChild(element("span", { "class": "badge external" }, "other company"));
        else line.appendChild(element("span", { "class": "badge sev sev-" + (ix.m.severities.indexOf(row[3]) + 1) }, row[3]));
        line.appendChild(document.createTextNode(" "));
        // Another company's links to its own page here (full text, and the original's link).
        var href = root + (external ? row[6] : ix.m.page.replace("{id}", row[0]));
        line.appendChild(element("a", { "class": "pm-title", href: href }, row[1]));
        li.appendChild(line);
        li.appendChild(element("div", { "class": "pm-meta" }, [row[2], row[4]].filter(Boolean).join(" · ")));
        if (row[5]) li.appendChild(marked(row[5], found.stems));
        list.appendChild(li);
      });
      var left = ranked.length - shown;
      more.hidden = left <= 0;
      more.textContent = "Show " + Math.min(SHOWN, left) + " more";
      status.textContent = ranked.length + (ranked.length === 1 ? " postmortem" : " postmortems") +
        (left > 0 ? ", " + shown + " shown" : "");
    });
  }
  // The page says when a query's results are shown (`data-results-*`) and when its
  // facets are counted too (`data-search-*`), for tests and benches/search_browser.mjs.
  function mark(what, mine, started) {
    if (started) {
      document.body.setAttribute("data-" + what + "-ms", String(Math.round(performance.now() - started)));
      document.body.setAttribute("data-" + what + "-at", String(performance.now()));
    }
    document.body.setAttribute("data-" + what + "-done", String(mine));
  }
  function done(mine, started) { mark("search", mine, started); }
  // Runs the search; while the last word is being typed, it counts as a prefix.
  function update(typing) {
    var mine = ++run;
    shown = SHOWN;
    writeUrl();
    var started = performance.now();
    return open().then(function (ix) {
      var q = input.value;
      if (typing && /[^\s*"]$/.test(q)) q += "*";
      var empty = !q.trim() && FACETS.every(function (f) { return !selected[f].size; });
      if (empty) {
        // Before a query: the whole archive's counts, from the manifest alone.
        current = null;
        renderFacets(ix.m.facets);
        list.textContent = "";
        more.hidden = true;
        status.textContent = ix.m.docs + " postmortems: type to search, or choose a filter.";
        mark("results", mine, started);
        done(mine, started);
        return;
      }
      var find = function (query) { return ix.search(query, selected, sortBox.value); };
      // A last word being typed that starts no word at all may be a typo: then the query
      // as typed, which corrects typos as Enter would.
      return find(q).then(function (found) {
        return found.ranked.length || q === input.value ? found : find(input.value);
      }).then(function (found) {
        if (mine !== run) return;
        current = { ix: ix, found: found };
        return renderResults(ix, found, mine);
      }).then(function () {
        if (mine !== run) return;
        // Results first; the facets' per-document values (tens of KB on a large archive)
        // are loaded once results are on screen.
        mark("results", mine, started);
        return ix.facets().then(function (facets) {
          if (mine !== run) return;
          renderFacets(counted(facets, current.found.ranked.map(function (r) { return r[0]; })));
          done(mine, started);
        });
      });
    }).catch(function (e) {
      if (mine !== run) return;
      status.textContent = /^unknown field/.test(e.message) ? e.message : "Search is unavailable: " + e.message;
      list.textContent = "";
      more.hidden = true;
      done(mine, 0);
    });
  }
  more.addEventListener("click", function () {
    if (!current) return;
    shown += SHOWN;
    var mine = run;
    renderResults(current.ix, current.found, mine).then(function () { done(mine, 0); });
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); update(false); });
  input.addEventListener("input", function () { update(true); });
  sortBox.addEventListener("change", function () { update(false); });
  readUrl();
  update(false);
})();
