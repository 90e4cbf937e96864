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
//! - `f-<field>-*.js`: one keyword field's values and each document's (the manifest holds
//!   the facets' counts over the whole archive, so the page shows them before any of these
//!   loads; a word with no field loads those of `query::NAMED`, which it also matches);
//! - `m-*.js`: id, title, date, severity, services, summary and link of `CHUNK` documents.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::model::Archive;
use crate::routes;
use crate::search::query::{self, FIELD_NAMES, Field, KeywordField, TextField};
use crate::search::{Doc, documents, stem_of};

mod analysis;

pub use analysis::RunCache;
use analysis::*;

/// A shard is closed once its text passes this many bytes.
const SHARD_BYTES: usize = 24_000;

/// Documents per metadata chunk: the ten best results touch ten chunks at most, so a
/// chunk is small.
pub const CHUNK: usize = 10;

/// How many characters `push_varint` writes for `v`.
fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 32 {
        v >>= 5;
        n += 1;
    }
    n
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
    /// The keyword fields whose values a word with no field also matches (`query::NAMED`).
    named: Vec<&'static str>,
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
    /// Each other file's content hash, which completes its name (`s<N>-<hash>.js`): per
    /// kind of file (`s`, `p`, `w`, `m`, or a facet's whole name `f-<field>`), the hashes of
    /// its files in order, `HASH_LEN` hex digits each.
    hashes: BTreeMap<String, String>,
    hash_len: usize,
    /// First stem of each shard of postings (`s<N>`) and of their positions (`p<N>`).
    stems: Vec<String>,
    /// First word of each shard of words (`w<N>`).
    words: Vec<String>,
    /// The facets (keyword fields shown beside results), each with its values in the order
    /// they are listed and how many documents of the archive have each: what the page
    /// shows before a query, with no other file.
    facets: Vec<Facet>,
}

/// A keyword field's values and each one's count over the whole archive.
#[derive(Serialize)]
struct Facet {
    field: &'static str,
    values: Vec<String>,
    counts: Vec<usize>,
}

/// Hex digits of a file's content hash in its name.
const HASH_LEN: usize = 8;

/// The index's script files, each named by its own content: `<name>-<hash>.js`. A browser
/// holding one deploy's manifest never mixes in files of the next, and an edit renames
/// only the files whose content it changed (a metadata chunk, the shards of the words it
/// touched), so a deploy that syncs by content uploads those, not the whole index.
///
/// Each file goes to the sink as soon as it is made, so that no two are held at once: at
/// 100,000 postmortems the index is 180 MB.
struct Scripts<'a> {
    /// The manifest's `hashes`.
    hashes: BTreeMap<String, String>,
    sink: Sink<'a>,
}

/// Where the index's files go, by path under the output root.
pub type Sink<'a> = &'a mut dyn FnMut(String, String) -> anyhow::Result<()>;

impl Scripts<'_> {
    /// `name`'s file calls `hindsightIndex.<call>(its file name, payload)`. Files of one
    /// kind must come in order (`s0`, `s1`, ...).
    fn add(&mut self, name: String, call: &'static str, payload: String) -> anyhow::Result<()> {
        let hash = xxhash_rust::xxh3::xxh3_64(payload.as_bytes()) >> (64 - 4 * HASH_LEN);
        let hash = format!("{hash:0width$x}", width = HASH_LEN);
        let kind = name.trim_end_matches(|c: char| c.is_ascii_digit());
        self.hashes.entry(kind.to_string()).or_default().push_str(&hash);
        let file = format!("{name}-{hash}.js");
        (self.sink)(format!("{}{file}", routes::SEARCH_INDEX), format!("hindsightIndex.{call}({file:?},{payload});\n"))
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Groups sorted `(key, text)` entries into shards of about `SHARD_BYTES`.
fn shards<K: AsRef<str>, T>(entries: Vec<(K, T)>, size: impl Fn(&str, &T) -> usize) -> Vec<Vec<(K, T)>> {
    let mut out: Vec<Vec<(K, T)>> = Vec::new();
    let mut shard = Vec::new();
    let mut bytes = 0;
    for (key, value) in entries {
        bytes += size(key.as_ref(), &value);
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
pub fn files(archive: &Archive, cache: Option<&RunCache>) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let kept = write_files(archive, cache, &mut |path, text| {
        files.insert(path, text);
        Ok(())
    });
    debug_assert!(kept.is_ok(), "keeping files in a map cannot fail");
    files
}

/// Makes every file of the static index and hands each to `sink` as it is made; the runs'
/// analyses come from `cache` where it has them.
pub fn write_files(archive: &Archive, cache: Option<&RunCache>, sink: Sink) -> anyhow::Result<()> {
    let docs = documents(&archive.postmortems, &archive.external);
    let n = docs.len();
    // Runs of consecutive documents, each analysed by one worker.
    let runs = runs(&docs);
    let analyse = |docs: &[Doc]| {
        let mut analyzer = Analyzer::new();
        for (i, doc) in docs.iter().enumerate() {
            let body = doc.body();
            analyzer.analyse(i as u32, doc.texts(&body));
        }
        analyzer.part
    };
    let (names, parts): (Vec<String>, Vec<Part>) = runs
        .par_iter()
        .map(|run| {
            let docs = &docs[run.clone()];
            match cache {
                Some(cache) => cache.part(docs, || analyse(docs)),
                None => (String::new(), analyse(docs)),
            }
        })
        .unzip();
    if let Some(cache) = cache {
        cache.keep_only(&names);
    }
    let mut totals = [0u64; 3];
    // Each stem's (part, local number), parts in document order.
    let mut postings: FxHashMap<&str, Vec<(usize, usize)>> = FxHashMap::default();
    let mut words: rustc_hash::FxHashSet<&str> = Default::default();
    for (p, part) in parts.iter().enumerate() {
        for (total, t) in totals.iter_mut().zip(part.totals) {
            *total += t;
        }
        for (id, stem) in part.stems.iter().enumerate() {
            postings.entry(stem).or_default().push((p, id));
        }
        words.extend(part.words.iter().map(|w| &**w));
    }
    // The norm ids the browser looks up: those of the postings.
    let max_norm = parts.iter().map(|p| p.max_norm).max().unwrap_or(0);

    // Words as written, each with its stem ("" when the same).
    let mut word_list: Vec<(String, String)> = words
        .into_iter()
        .map(|w| {
            let stem = stem_of(w);
            let stem = if stem == w { String::new() } else { stem };
            (w.to_string(), stem)
        })
        .collect();

    // Each stem's runs joined (only the gap before each run's first document is new), a
    // few shards at a time, each handed on when made: every stem's joined postings beside
    // the runs they come from were the build's peak of memory at 100,000 postmortems.
    // Shards end where they would if the postings were joined first: their lengths are
    // summed without joining them.
    let joined = |list: &[(usize, usize)], mut out: Option<(&mut String, &mut String)>| {
        let (mut last, mut length) = (0, 0);
        for &(p, id) in list {
            let (run, base) = (&parts[p].postings[id], runs[p].start as u32);
            let gap = u64::from(base + run.first - last);
            length += varint_len(gap) + run.post.len();
            if let Some((post, pos)) = out.as_mut() {
                push_varint(post, gap);
                post.push_str(&run.post);
                pos.push_str(&run.pos);
            }
            last = base + run.last;
        }
        length
    };
    let mut by_stem: Vec<(&str, Vec<(usize, usize)>)> = postings.into_iter().collect();
    by_stem.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut scripts = Scripts { hashes: BTreeMap::new(), sink };
    let mut stems = Vec::new();
    let stem_shards = shards(by_stem, |k, list| k.len() + joined(list, None) + 6);
    let per_batch = rayon::current_num_threads() * 2;
    for (batch, few) in stem_shards.chunks(per_batch).enumerate() {
        let made: Vec<(String, String)> = few
            .par_iter()
            .map(|shard| {
                let texts: Vec<(String, String)> = shard
                    .iter()
                    .map(|(_, list)| {
                        let (mut post, mut pos) = (String::new(), String::new());
                        joined(list, Some((&mut post, &mut pos)));
                        (post, pos)
                    })
                    .collect();
                let post: BTreeMap<&str, &str> =
                    shard.iter().zip(&texts).map(|((k, _), (a, _))| (*k, a.as_str())).collect();
                let pos: BTreeMap<&str, &str> =
                    shard.iter().zip(&texts).map(|((k, _), (_, b))| (*k, b.as_str())).collect();
                (json(&post), json(&pos))
            })
            .collect();
        for (i, (post, pos)) in made.into_iter().enumerate() {
            let n = batch * per_batch + i;
            stems.push(stem_shards[n][0].0.to_string());
            scripts.add(format!("s{n}"), "shard", post)?;
            scripts.add(format!("p{n}"), "positions", pos)?;
        }
    }
    drop(stem_shards);
    drop(parts);

    word_list.sort_unstable();
    let mut word_firsts = Vec::new();
    for (n, shard) in shards(word_list, |k, v| k.len() + v.len() + 6).into_iter().enumerate() {
        word_firsts.push(shard[0].0.clone());
        let map: BTreeMap<&str, &str> = shard.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        scripts.add(format!("w{n}"), "words", json(&map))?;
    }

    // The keyword fields are independent of each other: each is made on its own worker.
    let fields: Vec<_> =
        KeywordField::ALL.par_iter().map(|&field| (field, values(&docs, field, &archive.config.severities))).collect();
    let mut facets = Vec::new();
    for (field, (values, per_doc)) in fields {
        if !matches!(field, KeywordField::Author | KeywordField::Company | KeywordField::Team) {
            let mut counts = vec![0; values.len()];
            for id in per_doc.iter().flatten() {
                counts[*id] += 1;
            }
            facets.push(Facet { field: field.name(), values: values.iter().map(|v| v.to_string()).collect(), counts });
        }
        let mut docs = String::new();
        for (d, ids) in per_doc.iter().enumerate() {
            if d > 0 {
                docs.push(';');
            }
            for (k, id) in ids.iter().enumerate() {
                if k > 0 {
                    docs.push(',');
                }
                let _ = std::fmt::Write::write_fmt(&mut docs, format_args!("{id:x}"));
            }
        }
        let payload = serde_json::json!({ field.name(): { "values": values, "docs": docs }});
        scripts.add(format!("f-{}", field.name()), "facets", json(&payload))?;
    }
    for (n, chunk) in docs.chunks(CHUNK).enumerate() {
        let rows: Vec<_> = chunk
            .iter()
            .map(|d| {
                // Ours link by the manifest's pattern; another's by its own address.
                let url = if d.origin == crate::search::Origin::Ours { "" } else { d.url.as_str() };
                (&d.id, &d.title, &d.date, &d.severity, d.services.join(", "), &d.summary, url)
            })
            .collect();
        scripts.add(format!("m{n}"), "meta", json(&rows))?;
    }
    let Scripts { hashes, sink } = scripts;
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
        named: query::NAMED.map(KeywordField::name).to_vec(),
        text: TextField::ALL.map(TextField::name).to_vec(),
        boosts: TextField::ALL.map(TextField::boost),
        average: totals.map(|t| t as f32 / n.max(1) as f32),
        norms: (0..=max_norm).map(FieldNormReader::id_to_fieldnorm).collect(),
        expansions: query::MAX_EXPANSIONS,
        typo_min: query::TYPO_MIN_CHARS,
        severities: archive.config.severities.clone(),
        hashes,
        hash_len: HASH_LEN,
        stems,
        words: word_firsts,
        facets,
    };
    sink(format!("{}manifest.js", routes::SEARCH_INDEX), format!("hindsightIndex.manifest({});\n", json(&manifest)))
}

/// A keyword field's values as written, in the order facets list them (severities worst
/// first, statuses in workflow order, years newest first, the rest by name), and each
/// document's values as indices into them. The file writes the indices in hexadecimal,
/// `,` between values and `;` between documents.
fn values<'a>(docs: &'a [Doc], field: KeywordField, severities: &[String]) -> (Vec<&'a str>, Vec<Vec<usize>>) {
    let mut values: Vec<&str> = docs.iter().flat_map(|d| d.values(field)).collect();
    values.sort_unstable();
    values.dedup();
    let place = |v: &str| -> (usize, String) {
        match field {
            KeywordField::Severity => (severities.iter().position(|s| s == v).unwrap_or(usize::MAX), v.to_string()),
            KeywordField::Status => {
                (crate::model::Status::ALL.iter().position(|s| s.as_str() == v).unwrap_or(usize::MAX), v.to_string())
            }
            KeywordField::Year => (usize::MAX - v.parse::<usize>().unwrap_or(0), v.to_string()),
            KeywordField::Origin => (usize::from(v != "ours"), v.to_string()),
            _ => (0, v.to_string()),
        }
    };
    values.sort_by_cached_key(|v| place(v));
    let index: FxHashMap<&str, usize> = values.iter().enumerate().map(|(i, v)| (*v, i)).collect();
    let per_doc = docs
        .iter()
        .map(|d| {
            let mut ids: Vec<usize> = d.values(field).into_iter().map(|v| index[v]).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    (values, per_doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_end_where_they_ended_when_a_document_comes_or_goes() {
        let pms: Vec<_> = (0..2000).map(|i| format!("pm-{i:04}")).collect();
        let docs = |ids: &[String]| -> Vec<Doc> {
            let external: Vec<crate::model::External> = ids
                .iter()
                .map(|id| crate::model::External {
                    slug: id.clone(),
                    title: id.clone(),
                    url: None,
                    company: "C".into(),
                    product: None,
                    start_time: None,
                    end_time: None,
                    categories: vec![],
                    keywords: vec![],
                    summary: None,
                    archive_url: None,
                    body: String::new(),
                })
                .collect();
            documents(&[], &external)
        };
        let before = docs(&pms);
        let ends = |docs: &[Doc], runs: Vec<std::ops::Range<usize>>| -> Vec<String> {
            runs.iter().map(|r| docs[r.end - 1].id.clone()).collect()
        };
        let old = ends(&before, runs(&before));
        assert!(old.len() > 2000 / RUN / 2 && old.len() < 2000 / RUN * 2, "{}", old.len());
        let mut fewer = pms.clone();
        fewer.remove(1000);
        let after = docs(&fewer);
        let new = ends(&after, runs(&after));
        let moved = new.iter().filter(|e| !old.contains(e)).count() + old.iter().filter(|e| !new.contains(e)).count();
        assert!(moved <= 2, "{moved} run ends moved");
    }

    #[test]
    fn varints_use_five_bits_per_character() {
        let mut s = String::new();
        for v in [0, 31, 32, 1000] {
            push_varint(&mut s, v);
        }
        assert_eq!(s, "AfgBof");
        for v in [0, 31, 32, 1023, 1024, 1 << 40, u64::MAX] {
            let mut one = String::new();
            push_varint(&mut one, v);
            assert_eq!(varint_len(v), one.len(), "{v}");
        }
    }

    #[test]
    fn words_map_to_the_stems_the_cli_uses_with_positions() {
        let mut a = Analyzer::new();
        a.analyse(7, ["Failovers failed", "", "the failover failing"]);
        let postings = |part: &Part, stem: &str| {
            let p = &part.postings[part.stems.iter().position(|s| &**s == stem).unwrap()];
            (p.first, p.last, p.post.clone(), p.pos.clone())
        };
        assert_eq!(a.part.totals, [2, 0, 3]);
        // Fields title and body (mask 0b101), each once, with norm ids 2 and 3; positions
        // per field from 0: the title's 0, the body's 1.
        assert_eq!(postings(&a.part, "failov"), (7, 7, "FBCBD".into(), "AB".into()));
        assert_eq!(postings(&a.part, "fail"), (7, 7, "FBCBD".into(), "BC".into()));
        assert_eq!(a.part.words.len(), 5, "each word once: failovers failed the failover failing");
        // A later document adds its gap from the last one before its own fields.
        a.analyse(9, ["failover", "", ""]);
        assert_eq!(postings(&a.part, "failov"), (7, 9, "FBCBDCBBB".into(), "ABA".into()));
    }
}
