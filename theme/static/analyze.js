// hindsight's text analysis in the browser, the same as the index's (`search::analyzer` in
// src/search.rs): words are runs of letters and digits (Unicode Alphabetic or Number);
// words of 40 bytes or more in UTF-8 are dropped; each character is lowercased on its own
// (no final-sigma rule, as tantivy's LowerCaser); the word is stemmed with Porter2
// (porter2.js, loaded first). tests/testsuite/browser.rs holds the two equal over a large
// word list, so a form the archive never used finds what the CLI finds.
(function () {
  "use strict";
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var encoder = new TextEncoder();
  function lower(word) {
    var out = "";
    for (var c of word) out += c.toLowerCase();
    return out;
  }
  function words(text) {
    return (text.match(WORD) || [])
      .filter(function (w) { return encoder.encode(w).length < 40; })
      .map(lower);
  }
  function stem(word) {
    return globalThis.hindsightPorter2.stem(word);
  }
  globalThis.hindsightAnalyze = {
    words: words,
    stem: stem,
    stems: function (text) { return words(text).map(stem); }
  };
})();
