//! The search index of the deployed site: plain files a browser loads as scripts (so it
//! works from a static host and from `file://`), made from the same analysis as the
//! tantivy index: tantivy's tokenizer for the words as written, `search::analyzer` for
//! their stems. Shards are keyed by stem; the browser stems the query with the same
//! algorithm (theme/static/porter2.js, analyze.js), so any form of a word finds what the
//! CLI finds, including forms the archive never used.
//!
//! Files under `search/index/`:
//! - `manifest.js`: document count, each shard's first word, facet names, chunk size;
//! - `s<N>.js`: sorted stems with their postings (document, BM25 score);
//! - `facets.js`: each document's severity, year, status, services and tags;
//! - `m<N>.js`: title, date, severity, services and summary of 25 documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::markdown::plain_text;
use crate::model::Archive;
use crate::routes;
use crate::search::analyzer;

/// Field weights, as `hindsight search` boosts them: title, summary, body.
const WEIGHTS: [f64; 3] = [3.0, 2.0, 1.0];
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Scores are stored as integers in tenths.
const SCALE: f64 = 10.0;
/// A shard is closed once its text passes this many bytes.
const SHARD_BYTES: usize = 30_000;
/// Documents per metadata chunk: a result list touches few, small chunks.
pub const CHUNK: usize = 25;

/// One document's analysed fields: for each stem, its count per field. Stems are shared
/// (`Arc`) with the analyzer's cache, so ten thousand documents cost little memory.
struct Analysed {
    counts: Vec<(Arc<str>, [u32; 3])>,
    lengths: [u32; 3],
}

/// Splits and stems like the tantivy index; stems are cached per thread (archives repeat
/// their words), which makes the stemmer nearly free.
struct Analyzer {
    words: TextAnalyzer,
    stems: TextAnalyzer,
    cache: FxHashMap<String, Arc<str>>,
}

impl Analyzer {
    fn new() -> Analyzer {
        let words = TokenizerManager::default().get("default").expect("tantivy registers `default` by default");
        Analyzer { words, stems: analyzer(), cache: FxHashMap::default() }
    }

    fn analyse(&mut self, fields: [&str; 3]) -> Analysed {
        let mut counts: FxHashMap<Arc<str>, [u32; 3]> = FxHashMap::default();
        let mut lengths = [0; 3];
        let Analyzer { words, stems, cache } = self;
        for (f, text) in fields.iter().enumerate() {
            let mut stream = words.token_stream(text);
            while stream.advance() {
                let word = stream.token().text.as_str();
                let stem = match cache.get(word) {
                    Some(stem) => stem.clone(),
                    None => {
                        let mut s = stems.token_stream(word);
                        let stem: Arc<str> = if s.advance() { s.token().text.as_str().into() } else { word.into() };
                        cache.insert(word.to_string(), stem.clone());
                        stem
                    }
                };
                counts.entry(stem).or_default()[f] += 1;
                lengths[f] += 1;
            }
        }
        Analysed { counts: counts.into_iter().collect(), lengths }
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

#[derive(Serialize)]
struct Manifest<'a> {
    /// Where a postmortem's page is, `{id}` standing for its id.
    page: &'static str,
    docs: usize,
    chunk: usize,
    /// First stem of each shard.
    shards: Vec<&'a str>,
    facets: BTreeMap<&'static str, Vec<String>>,
}

/// Every file of the static index, by path under the output root.
pub fn files(archive: &Archive) -> BTreeMap<String, String> {
    let pms = &archive.postmortems;
    // One analyzer (and stem cache) per worker.
    let per_worker: Vec<Vec<(usize, Analysed)>> = pms
        .par_iter()
        .enumerate()
        .fold(
            || (Analyzer::new(), Vec::new()),
            |(mut analyzer, mut done), (d, pm)| {
                let body = plain_text(&pm.body);
                done.push((d, analyzer.analyse([&pm.title, pm.summary.as_deref().unwrap_or(""), &body])));
                (analyzer, done)
            },
        )
        .map(|(_, done)| done)
        .collect();
    let n = pms.len();
    let mut analysed: Vec<Option<&Analysed>> = vec![None; n];
    for done in &per_worker {
        for (d, a) in done {
            analysed[*d] = Some(a);
        }
    }
    let analysed: Vec<&Analysed> = analysed.into_iter().flatten().collect();
    let mut postings: FxHashMap<&str, Vec<(usize, [u32; 3])>> = FxHashMap::default();
    let mut total = [0f64; 3];
    for (d, a) in analysed.iter().enumerate() {
        for (sum, length) in total.iter_mut().zip(a.lengths) {
            *sum += f64::from(length);
        }
        for (stem, counts) in &a.counts {
            postings.entry(stem).or_default().push((d, *counts));
        }
    }
    let avg = total.map(|t| (t / n.max(1) as f64).max(1.0));
    // Encoded postings of each stem: BM25 over the three fields, as the CLI weighs them.
    let encoded: FxHashMap<&str, String> = postings
        .par_iter()
        .map(|(stem, list)| {
            let idf = (1.0 + (n as f64 - list.len() as f64 + 0.5) / (list.len() as f64 + 0.5)).ln();
            let mut out = String::new();
            let mut last = 0;
            for (d, counts) in list {
                let lengths = analysed[*d].lengths;
                let score: f64 = (0..3)
                    .filter(|&f| counts[f] > 0)
                    .map(|f| {
                        let tf = f64::from(counts[f]);
                        let norm = K1 * (1.0 - B + B * f64::from(lengths[f]) / avg[f]);
                        WEIGHTS[f] * idf * tf * (K1 + 1.0) / (tf + norm)
                    })
                    .sum();
                push_varint(&mut out, (d - last) as u64);
                push_varint(&mut out, ((score * SCALE).round() as u64).max(1));
                last = *d;
            }
            (*stem, out)
        })
        .collect();

    let mut files = BTreeMap::new();
    let mut firsts: Vec<&str> = Vec::new();
    let mut shard: Vec<(&str, &str)> = Vec::new();
    let mut size = 0;
    let flush = |shard: &mut Vec<(&str, &str)>, files: &mut BTreeMap<String, String>| {
        if shard.is_empty() {
            return;
        }
        let entries: BTreeMap<&str, &str> = shard.drain(..).collect();
        let json = serde_json::to_string(&entries).unwrap_or_default();
        let n = files.len();
        files.insert(format!("{}s{n}.js", routes::SEARCH_INDEX), format!("hindsightIndex.shard({n},{json});\n"));
    };
    let mut stems: Vec<(&str, &String)> = encoded.iter().map(|(stem, postings)| (*stem, postings)).collect();
    stems.sort_unstable();
    for (stem, postings) in stems {
        if shard.is_empty() {
            firsts.push(stem);
        }
        size += stem.len() + postings.len() + 6;
        shard.push((stem, postings));
        if size > SHARD_BYTES {
            flush(&mut shard, &mut files);
            size = 0;
        }
    }
    flush(&mut shard, &mut files);

    // Facets: a value table per field, and each document's value indices.
    let mut facets: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut per_doc: BTreeMap<&'static str, Vec<Vec<usize>>> = BTreeMap::new();
    let values = |pm: &crate::model::Postmortem| -> [(&'static str, Vec<String>); 5] {
        [
            ("severity", vec![pm.severity.clone()]),
            ("year", vec![pm.year().to_string()]),
            ("status", vec![pm.status.as_str().to_string()]),
            ("service", pm.services.clone()),
            ("tag", pm.tags.clone()),
        ]
    };
    let mut index: HashMap<(&'static str, String), usize> = HashMap::new();
    for pm in pms {
        for (field, names) in values(pm) {
            let ids = names
                .into_iter()
                .map(|name| {
                    *index.entry((field, name.clone())).or_insert_with(|| {
                        let table = facets.entry(field).or_default();
                        table.push(name);
                        table.len() - 1
                    })
                })
                .collect::<BTreeSet<_>>();
            per_doc.entry(field).or_default().push(ids.into_iter().collect());
        }
    }
    let encoded_facets: BTreeMap<&str, String> = per_doc
        .iter()
        .map(|(field, docs)| {
            let text = docs
                .iter()
                .map(|ids| ids.iter().map(|i| format!("{i:x}")).collect::<Vec<_>>().join(","))
                .collect::<Vec<_>>()
                .join(";");
            (*field, text)
        })
        .collect();
    files.insert(
        format!("{}facets.js", routes::SEARCH_INDEX),
        format!("hindsightIndex.facets({});\n", serde_json::to_string(&encoded_facets).unwrap_or_default()),
    );

    for (c, chunk) in pms.chunks(CHUNK).enumerate() {
        let rows: Vec<[String; 6]> = chunk
            .iter()
            .map(|pm| {
                let summary = pm.summary.clone().unwrap_or_default();
                [
                    pm.id.clone(),
                    pm.title.clone(),
                    pm.date.to_string(),
                    pm.severity.clone(),
                    pm.services.join(", "),
                    summary,
                ]
            })
            .collect();
        files.insert(
            format!("{}m{c}.js", routes::SEARCH_INDEX),
            format!("hindsightIndex.meta({c},{});\n", serde_json::to_string(&rows).unwrap_or_default()),
        );
    }
    let manifest = Manifest { page: routes::POSTMORTEM_PATTERN, docs: n, chunk: CHUNK, shards: firsts, facets };
    files.insert(
        format!("{}manifest.js", routes::SEARCH_INDEX),
        format!("hindsightIndex.manifest({});\n", serde_json::to_string(&manifest).unwrap_or_default()),
    );
    files
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
    fn words_map_to_the_stems_the_cli_uses() {
        let mut a = Analyzer::new();
        let analysed = a.analyse(["Failovers failed", "", "the failover failing"]);
        let stems = &a.cache;
        assert_eq!(stems["failovers"], stems["failover"]);
        assert_eq!(stems["failed"], stems["failing"]);
        assert_eq!(analysed.lengths, [2, 0, 3]);
        let failov = analysed.counts.iter().find(|(s, _)| **s == *stems["failover"]).unwrap().1;
        assert_eq!(failov, [1, 0, 1]);
    }
}
