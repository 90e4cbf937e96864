//! The search index of the deployed site: plain files a browser loads as scripts (so it
//! works from a static host and from `file://`), holding what the tantivy index of
//! `hindsight search` holds, for the same documents (`search::documents`): per stem and
//! field, each document's term frequency and field-norm id, as tantivy quantizes it, so
//! `search.js` computes tantivy's BM25 scores; positions for phrases; the words as written
//! for `word*`; each document's field values for `field:value` and the facets.
//!
//! Every file but the manifest is named by a hash of its content (`s-<hash>.js`), so a
//! browser holding the manifest of one deploy never mixes in files of the next. Files
//! under `search/index/`:
//! - `manifest.js`: document count, query settings, the field-norm table, and each
//!   shard's first key and file;
//! - `s-*.js`: stems with their postings; `p-*.js`: the same stems' positions;
//! - `w-*.js`: every word as written (lowercased) with its stem;
//! - `f-*.js`: each document's values of every keyword field;
//! - `m-*.js`: id, title, date, severity, services, summary and link of 25 documents.

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::model::Archive;
use crate::routes;
use crate::search::query::{self, FIELD_NAMES, Field, KeywordField, TextField};
use crate::search::{Doc, documents, stem_of};

/// A shard is closed once its text passes this many bytes.
const SHARD_BYTES: usize = 24_000;
/// Documents per metadata chunk: a result list touches few, small chunks.
pub const CHUNK: usize = 25;

/// One field of one document, for one stem: how often, and where.
#[derive(Default)]
struct Occurrences {
    positions: Vec<u32>,
}

/// One document's analysed text fields.
struct Analysed {
    /// Per stem, its occurrences in each text field.
    stems: Vec<(Arc<str>, [Occurrences; 3])>,
    /// Tokens per field: tantivy's field norm.
    lengths: [u32; 3],
    words: Vec<Arc<str>>,
}

/// Splits and stems as the tantivy index does; stems are cached per worker (archives
/// repeat their words), which makes the stemmer nearly free.
struct Analyzer {
    words: TextAnalyzer,
    cache: FxHashMap<Arc<str>, Arc<str>>,
}

impl Analyzer {
    fn new() -> Analyzer {
        let words = TokenizerManager::default().get("default").expect("tantivy registers `default` by default");
        Analyzer { words, cache: FxHashMap::default() }
    }

    fn analyse(&mut self, texts: [&str; 3]) -> Analysed {
        let mut stems: FxHashMap<Arc<str>, [Occurrences; 3]> = FxHashMap::default();
        let mut lengths = [0; 3];
        let mut words = Vec::new();
        let Analyzer { words: tokenizer, cache } = self;
        for (f, text) in texts.iter().enumerate() {
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                let token = stream.token();
                let stem = match cache.get(token.text.as_str()) {
                    Some(stem) => stem.clone(),
                    None => {
                        // A word this worker has not met: the first document to use it
                        // lists it, so the union of the lists holds every word.
                        let word: Arc<str> = token.text.as_str().into();
                        let stem: Arc<str> = stem_of(&word).into();
                        cache.insert(word.clone(), stem.clone());
                        words.push(word);
                        stem
                    }
                };
                stems.entry(stem).or_default()[f].positions.push(token.position as u32);
                lengths[f] += 1;
            }
        }
        Analysed { stems: stems.into_iter().collect(), lengths, words }
    }
}

/// Base-64 varints: 5 payload bits per character, the sixth marks "more follows".
fn push_varint(out: &mut String, mut v: u64) {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    loop {
        let low = (v & 31) as usize;
        v >>= 5;
        if v == 0 {
            out.push(DIGITS[low] as char);
            return;
        }
        out.push(DIGITS[low | 32] as char);
    }
}

/// What `search.js` needs to read queries and score as `hindsight search` does.
#[derive(Serialize)]
struct Manifest {
    /// Where one of our postmortems' page is, `{id}` standing for its id.
    page: &'static str,
    docs: usize,
    chunk: usize,
    /// Query field names and the field each means, in `FIELD_NAMES` order.
    fields: Vec<(&'static str, &'static str)>,
    /// The site's severities, worst first: a result's badge is `sev-<place>`.
    severities: Vec<String>,
    /// Text fields in the order of the postings, with their boosts and average field norms.
    text: Vec<&'static str>,
    boosts: [f32; 3],
    average: [f32; 3],
    /// tantivy's field-norm id to field norm, as far as the postings use it.
    norms: Vec<u32>,
    expansions: usize,
    typo_min: usize,
    /// First stem and file of each shard of postings, and its positions' file.
    stems: Vec<(String, String, String)>,
    /// First word and file of each shard of words.
    words: Vec<(String, String)>,
    facets: String,
    meta: Vec<String>,
}

/// The file `name-<hash>.js` holding `hindsightIndex.<call>("name-<hash>", payload)`.
fn addressed(files: &mut BTreeMap<String, String>, prefix: &str, call: &str, payload: &str) -> String {
    let mut hasher = FxHasher::default();
    hasher.write(payload.as_bytes());
    let name = format!("{prefix}-{:016x}.js", hasher.finish());
    files.insert(format!("{}{name}", routes::SEARCH_INDEX), format!("hindsightIndex.{call}({name:?},{payload});\n"));
    name
}

/// Groups sorted `(key, text)` entries into shards of about `SHARD_BYTES`.
fn shards<T>(entries: Vec<(String, T)>, size: impl Fn(&str, &T) -> usize) -> Vec<Vec<(String, T)>> {
    let mut out: Vec<Vec<(String, T)>> = Vec::new();
    let mut shard = Vec::new();
    let mut bytes = 0;
    for (key, value) in entries {
        bytes += size(&key, &value);
        shard.push((key, value));
        if bytes >= SHARD_BYTES {
            out.push(std::mem::take(&mut shard));
            bytes = 0;
        }
    }
    if !shard.is_empty() {
        out.push(shard);
    }
    out
}

/// Every file of the static index, by path under the output root.
pub fn files(archive: &Archive) -> BTreeMap<String, String> {
    let docs = documents(&archive.postmortems, &archive.external);
    let n = docs.len();
    let per_worker: Vec<Vec<(usize, Analysed)>> = docs
        .par_iter()
        .enumerate()
        .fold(
            || (Analyzer::new(), Vec::new()),
            |(mut analyzer, mut done), (d, doc)| {
                done.push((d, analyzer.analyse(doc.texts())));
                (analyzer, done)
            },
        )
        .map(|(_, done)| done)
        .collect();
    let mut analysed: Vec<Option<Analysed>> = (0..n).map(|_| None).collect();
    for (d, a) in per_worker.into_iter().flatten() {
        analysed[d] = Some(a);
    }
    let analysed: Vec<Analysed> = analysed.into_iter().flatten().collect();

    let mut totals = [0u64; 3];
    let mut postings: FxHashMap<&str, Vec<(usize, &[Occurrences; 3])>> = FxHashMap::default();
    let mut words: rustc_hash::FxHashSet<&str> = Default::default();
    for (d, a) in analysed.iter().enumerate() {
        for (total, length) in totals.iter_mut().zip(a.lengths) {
            *total += u64::from(length);
        }
        for (stem, occurrences) in &a.stems {
            postings.entry(stem).or_default().push((d, occurrences));
        }
        words.extend(a.words.iter().map(|w| &**w));
    }
    let norm_ids: Vec<[u8; 3]> = analysed.iter().map(|a| a.lengths.map(FieldNormReader::fieldnorm_to_id)).collect();

    // Postings: per document, the gap from the last, a mask of the fields it occurs in,
    // then per field its frequency and field-norm id; positions apart, same order.
    let mut encoded: Vec<(String, (String, String))> = postings
        .par_iter()
        .map(|(stem, list)| {
            let (mut post, mut pos) = (String::new(), String::new());
            let mut last = 0;
            for (d, occurrences) in list {
                push_varint(&mut post, (d - last) as u64);
                last = *d;
                let mask = (0..3).filter(|&f| !occurrences[f].positions.is_empty()).fold(0, |m, f| m | 1 << f);
                push_varint(&mut post, mask);
                for (f, occ) in occurrences.iter().enumerate().filter(|(_, o)| !o.positions.is_empty()) {
                    push_varint(&mut post, occ.positions.len() as u64);
                    push_varint(&mut post, u64::from(norm_ids[*d][f]));
                    let mut at = 0;
                    for &p in &occ.positions {
                        push_varint(&mut pos, u64::from(p - at));
                        at = p;
                    }
                }
            }
            (stem.to_string(), (post, pos))
        })
        .collect();
    encoded.sort_unstable_by(|a, b| a.0.cmp(&b.0));

    let mut files = BTreeMap::new();
    let mut stems = Vec::new();
    for shard in shards(encoded, |k, (post, _)| k.len() + post.len() + 6) {
        let first = shard[0].0.clone();
        let (post, pos): (BTreeMap<&str, &str>, BTreeMap<&str, &str>) =
            shard.iter().map(|(k, (a, b))| ((k.as_str(), a.as_str()), (k.as_str(), b.as_str()))).unzip();
        let s = addressed(&mut files, "s", "shard", &serde_json::to_string(&post).unwrap_or_default());
        let p = addressed(&mut files, "p", "positions", &serde_json::to_string(&pos).unwrap_or_default());
        stems.push((first, s, p));
    }

    // Words as written, each with its stem ("" when the same).
    let mut word_list: Vec<(String, String)> = words
        .into_iter()
        .map(|w| {
            let stem = stem_of(w);
            let stem = if stem == w { String::new() } else { stem };
            (w.to_string(), stem)
        })
        .collect();
    word_list.sort_unstable();
    let mut word_files = Vec::new();
    for shard in shards(word_list, |k, v| k.len() + v.len() + 6) {
        let first = shard[0].0.clone();
        let map: BTreeMap<&str, &str> = shard.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        word_files.push((first, addressed(&mut files, "w", "words", &serde_json::to_string(&map).unwrap_or_default())));
    }

    let facets = addressed(&mut files, "f", "facets", &facets(&docs, &archive.config.severities));
    let meta = docs
        .chunks(CHUNK)
        .map(|chunk| {
            let rows: Vec<_> = chunk
                .iter()
                .map(|d| {
                    // Ours link by the manifest's pattern; another's by its own address.
                    let url = if d.origin == crate::search::Origin::Ours { "" } else { d.url.as_str() };
                    (&d.id, &d.title, &d.date, &d.severity, d.services.join(", "), &d.summary, url)
                })
                .collect();
            addressed(&mut files, "m", "meta", &serde_json::to_string(&rows).unwrap_or_default())
        })
        .collect();
    let max_norm = norm_ids.iter().flatten().copied().max().unwrap_or(0);
    let manifest = Manifest {
        page: routes::POSTMORTEM_PATTERN,
        docs: n,
        chunk: CHUNK,
        fields: FIELD_NAMES
            .iter()
            .map(|(name, field)| {
                let canonical = match field {
                    Field::Text(t) => t.name(),
                    Field::Keyword(k) => k.name(),
                };
                (*name, canonical)
            })
            .collect(),
        text: TextField::ALL.map(TextField::name).to_vec(),
        boosts: TextField::ALL.map(TextField::boost),
        average: totals.map(|t| t as f32 / n.max(1) as f32),
        norms: (0..=max_norm).map(FieldNormReader::id_to_fieldnorm).collect(),
        expansions: query::MAX_EXPANSIONS,
        typo_min: query::TYPO_MIN_CHARS,
        severities: archive.config.severities.clone(),
        stems,
        words: word_files,
        facets,
        meta,
    };
    files.insert(
        format!("{}manifest.js", routes::SEARCH_INDEX),
        format!("hindsightIndex.manifest({});\n", serde_json::to_string(&manifest).unwrap_or_default()),
    );
    files
}

/// Each keyword field: its values as written, in the order facets list them (severities
/// worst first, statuses in workflow order, years newest first, the rest by name), and per
/// document the indices of its values (hexadecimal, `,` between values, `;` between
/// documents).
fn facets(docs: &[Doc], severities: &[String]) -> String {
    #[derive(Serialize)]
    struct Facet<'a> {
        values: Vec<&'a str>,
        docs: String,
    }
    let mut out: BTreeMap<&str, Facet> = BTreeMap::new();
    for field in KeywordField::ALL {
        let mut values: Vec<&str> = docs.iter().flat_map(|d| d.values(field)).collect();
        values.sort_unstable();
        values.dedup();
        let place = |v: &str| -> (usize, String) {
            match field {
                KeywordField::Severity => (severities.iter().position(|s| s == v).unwrap_or(usize::MAX), v.to_string()),
                KeywordField::Status => (
                    crate::model::Status::ALL.iter().position(|s| s.as_str() == v).unwrap_or(usize::MAX),
                    v.to_string(),
                ),
                KeywordField::Year => (usize::MAX - v.parse::<usize>().unwrap_or(0), v.to_string()),
                KeywordField::Origin => (usize::from(v != "ours"), v.to_string()),
                _ => (0, v.to_string()),
            }
        };
        values.sort_by_cached_key(|v| place(v));
        let index: FxHashMap<&str, usize> = values.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let per_doc: Vec<String> = docs
            .iter()
            .map(|d| {
                let mut ids: Vec<usize> = d.values(field).into_iter().map(|v| index[v]).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.iter().map(|i| format!("{i:x}")).collect::<Vec<_>>().join(",")
            })
            .collect();
        out.insert(field.name(), Facet { values, docs: per_doc.join(";") });
    }
    serde_json::to_string(&out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_use_five_bits_per_character() {
        let mut s = String::new();
        for v in [0, 31, 32, 1000] {
            push_varint(&mut s, v);
        }
        assert_eq!(s, "AfgBof");
    }

    #[test]
    fn words_map_to_the_stems_the_cli_uses_with_positions() {
        let mut a = Analyzer::new();
        let analysed = a.analyse(["Failovers failed", "", "the failover failing"]);
        assert_eq!(analysed.lengths, [2, 0, 3]);
        let failov = &analysed.stems.iter().find(|(s, _)| &**s == "failov").unwrap().1;
        assert_eq!(failov[0].positions, [0]);
        assert!(failov[1].positions.is_empty());
        assert_eq!(failov[2].positions, [1]);
        let fail = &analysed.stems.iter().find(|(s, _)| &**s == "fail").unwrap().1;
        assert_eq!((fail[0].positions.as_slice(), fail[2].positions.as_slice()), (&[1][..], &[2][..]));
    }
}
