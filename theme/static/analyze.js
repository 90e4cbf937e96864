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
  // Every word with its position (long words dropped keep theirs counted, as tantivy's
  // positions do), its stem, and where it stands in the text (UTF-16 offsets).
  function tokens(text) {
    var out = [], position = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      if (encoder.encode(m[0]).length < 40) {
        var word = lower(m[0]);
        out.push({ position: position, word: word, stem: stem(word), start: m.index, end: m.index + m[0].length });
      }
      position++;
    }
    return out;
  }
  globalThis.hindsightAnalyze = {
    words: words,
    stem: stem,
    tokens: tokens,
    stems: function (text) { return words(text).map(stem); }
  };
})();
