//! Full-text search. A tantivy index of every valid postmortem (drafts included: it serves
//! the authors, through `hindsight search` and `serve`) and of other companies' postmortems
//! is kept in a build cache outside the published output and rebuilt only when the content
//! changed. The deployed site gets a static index of the same documents (`search::doc`),
//! made with the same analyzer (`output::search_index`), which the browser queries in the
//! same language (`search::query`) with the same scores.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::cmp::Reverse;

use anyhow::{Context, Result};
use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
    TokenizerManager,
};
use tantivy::{DocAddress, DocId, Index, IndexWriter, Score, SegmentReader, TantivyDocument, Term};

use crate::markdown::plain_text;
use crate::model::{External, Postmortem};

pub mod doc;
pub mod query;

pub use doc::{Doc, Origin, documents};
use query::{Item, KeywordField, TextField, Word};

/// The name of `analyzer()` in the index's schema.
pub const ANALYZER: &str = "hindsight_en";

/// The analysis of every text field, here, in the static index, and in the browser: words
/// as tantivy's simple tokenizer splits them (at most 40 bytes), lowercased, stemmed with
/// Snowball's English (Porter2) stemmer. The stemmer is rust-stemmers' rather than
/// tantivy's own (which follows Snowball's development branch) because the browser runs
/// the npm package `porter2`, which implements the same released algorithm; a test holds
/// the two equal over a large word list.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(Porter2)
        .build()
}

/// Bumped whenever the analysis, the schema or `Shown` changes, so an index made by another version is
/// rebuilt rather than read with the wrong stems.
const INDEX_FORMAT: &str = "5-names";

/// The Porter2 token filter over rust-stemmers.
#[derive(Clone, Copy)]
struct Porter2;

impl TokenFilter for Porter2 {
    type Tokenizer<T: Tokenizer> = Porter2Filter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> Porter2Filter<T> {
        Porter2Filter { inner }
    }
}

#[derive(Clone)]
struct Porter2Filter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for Porter2Filter<T> {
    type TokenStream<'a> = Porter2Stream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        Porter2Stream { tail: self.inner.token_stream(text), stemmer: Stemmer::create(Algorithm::English) }
    }
}

struct Porter2Stream<T> {
    tail: T,
    stemmer: Stemmer,
}

impl<T: TokenStream> TokenStream for Porter2Stream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        token.text = self.stemmer.stem(&token.text).into_owned();
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Where the index lives, relative to the archive root.
pub const CACHE_DIR: &str = ".hindsight-cache/search";

/// The index's fields.
struct Fields {
    text: [Field; 3],
    /// Every word of the text fields as written (lowercased), for `word*`.
    words: Field,
    keywords: [Field; KeywordField::ALL.len()],
    /// `Doc::names`: what a word with no field also matches.
    names: Field,
    /// The document's number in `doc::documents` order: ties rank by it.
    ord: Field,
    /// The result as `hindsight search --json` prints it, without score and snippet.
    hit: Field,
    /// Where the snippet comes from: the file of ours, the text itself of another's.
    source: Field,
    body: Field,
}

impl Fields {
    fn keyword(&self, field: KeywordField) -> Field {
        self.keywords[KeywordField::ALL.iter().position(|k| *k == field).unwrap_or(0)]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("default").set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        text: TextField::ALL.map(|f| b.add_text_field(f.name(), indexed.clone())),
        words: b.add_text_field("words", words),
        keywords: KeywordField::ALL.map(|k| b.add_text_field(k.name(), STRING)),
        names: b.add_text_field("names", STRING),
        ord: b.add_u64_field("ord", FAST),
        hit: b.add_text_field("hit", STORED),
        source: b.add_text_field("source", STORED),
        body: b.add_text_field("stored_body", STORED),
    };
    (b.build(), fields)
}

/// A fingerprint of the archive's files (names, sizes, modification times) and of the
/// commits its `git` sources were fetched at: cheap to compute, so `hindsight search` can
/// tell in milliseconds whether the index is current. `checkouts` are the `[[sources]]`
/// checkouts' folders (`Config::checkout_folders`).
pub fn listing(root: &Path, checkouts: &[PathBuf]) -> String {
    use rayon::prelude::*;
    let own = [crate::ingest::POSTMORTEMS, crate::ingest::EXTERNAL, "site.toml"].map(PathBuf::from);
    let paths: Vec<PathBuf> = own
        .iter()
        .chain(checkouts)
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name().into_iter().filter_map(Result::ok))
        .map(|e| e.into_path())
        .collect();
    let stamps: Vec<_> =
        paths.par_iter().map(|p| std::fs::metadata(p).map(|m| (m.len(), m.modified().ok())).ok()).collect();
    // A `git` source's postmortems are written out once per fetched commit, in a folder
    // named after it: a fetch (by `build` or `serve`) changes the names, never the files.
    let mut fetched: Vec<std::ffi::OsString> = std::fs::read_dir(root.join(crate::ingest::sources::CACHE))
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    fetched.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    INDEX_FORMAT.hash(&mut hasher);
    paths.hash(&mut hasher);
    stamps.hash(&mut hasher);
    fetched.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// What a result shows of its document; the index stores it, as JSON, to print results.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Shown {
    pub id: String,
    /// `ours`, or `external` for another company's postmortem.
    pub origin: Origin,
    pub title: String,
    pub date: String,
    pub severity: String,
    /// Ours: `draft`, `in-review`, `reviewed` or `closed`, so a half-written postmortem
    /// is told from an agreed one; `None` for another company's.
    pub status: Option<String>,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// Ours: the page, relative to the site root; another's: its own address.
    pub url: String,
}

impl From<&Doc> for Shown {
    fn from(doc: &Doc) -> Shown {
        Shown {
            id: doc.id.clone(),
            origin: doc.origin,
            title: doc.title.clone(),
            date: doc.date.clone(),
            severity: doc.severity.clone(),
            status: (doc.origin != Origin::External).then(|| doc.status.clone()),
            services: doc.services.clone(),
            tags: doc.tags.clone(),
            url: doc.url.clone(),
        }
    }
}

/// The searchable documents of the archive: its valid postmortems (drafts included) and
/// other companies' postmortems.
pub struct Corpus {
    pub docs: Vec<Doc>,
    /// Each document's source file, for snippets of ours; `None` for another's.
    pub sources: Vec<Option<PathBuf>>,
}

impl Corpus {
    pub fn new(postmortems: &[Arc<Postmortem>], external: &[External]) -> Corpus {
        let sources: std::collections::HashMap<&str, &Path> =
            postmortems.iter().map(|p| (p.id.as_str(), p.source.as_path())).collect();
        let docs = documents(postmortems, external);
        let sources = docs
            .iter()
            .map(|d| (d.origin == Origin::Ours).then(|| sources.get(d.id.as_str()).map(|p| p.to_path_buf())).flatten())
            .collect();
        Corpus { docs, sources }
    }
}

/// Rebuilds the index in `dir` for `corpus`, stamped with `listing`.
pub fn build(dir: &Path, corpus: &Corpus, listing: &str) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    index.tokenizers().register(ANALYZER, analyzer());
    let mut writer: IndexWriter = index.writer_with_num_threads(2, 60_000_000)?;
    let mut words = index.tokenizers().get("default").context("tantivy's default tokenizer is missing")?;
    for (ord, (doc, source)) in corpus.docs.iter().zip(&corpus.sources).enumerate() {
        let mut d = TantivyDocument::default();
        let body = doc.body();
        for (field, text) in f.text.iter().zip(doc.texts(&body)) {
            d.add_text(*field, text);
            d.add_text(f.words, text);
        }
        for kind in KeywordField::ALL {
            let field = f.keyword(kind);
            for value in doc.values(kind) {
                d.add_text(field, value.to_lowercase());
                if kind == KeywordField::Author {
                    let mut stream = words.token_stream(value);
                    while let Some(token) = stream.next() {
                        d.add_text(field, &token.text);
                    }
                }
            }
        }
        for key in doc.names() {
            d.add_text(f.names, key);
        }
        d.add_u64(f.ord, ord as u64);
        d.add_text(f.hit, serde_json::to_string(&Shown::from(doc))?);
        match source {
            Some(path) => d.add_text(f.source, path.to_string_lossy()),
            None => d.add_text(f.body, &body),
        }
        writer.add_document(d)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    std::fs::write(dir.join("listing"), listing)?;
    Ok(())
}

/// Whether the index in `dir` was built from the files as they are now.
pub fn is_current(dir: &Path, listing: &str) -> bool {
    std::fs::read_to_string(dir.join("listing")).is_ok_and(|stamp| stamp == listing)
}

/// Facet filters: every given value must match, in any case.
#[derive(Default)]
pub struct Filters {
    pub services: Vec<String>,
    pub severities: Vec<String>,
    pub tags: Vec<String>,
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    /// Best match first (BM25; ties newest first).
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// One result.
#[derive(Debug, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub shown: Shown,
    pub score: f32,
    /// A passage of the body around the matches; matches between `«` and `»`.
    pub snippet: String,
}

/// The results of one search: how many matched, and the best of them.
#[derive(Debug)]
pub struct Found {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// A score's rank, the same in the browser: the f32 score with its last 7 bits rounded
/// off, so the few ulps by which the order of additions moves a score do not reorder
/// results that tie; ties go to the lower document number.
pub fn rank(score: f32) -> u32 {
    (score.max(0.0).to_bits() + 0x40) >> 7
}

/// An open index, kept by `serve` between requests (opening one costs more than a query,
/// and each reader it would open starts threads); `hindsight search` opens one per run.
pub struct Searcher {
    fields: Fields,
    searcher: tantivy::Searcher,
}

impl Searcher {
    /// Opens the index of the archive at `root`, as `refresh` left it.
    pub fn open(root: &Path) -> Result<Searcher> {
        let dir = dir(root);
        let index =
            Index::open_in_dir(&dir).with_context(|| format!("cannot open the search index in {}", dir.display()))?;
        index.tokenizers().register(ANALYZER, analyzer());
        // Reloaded by opening a new `Searcher`, so no thread watches the files.
        let reader: tantivy::IndexReader =
            index.reader_builder().reload_policy(tantivy::ReloadPolicy::Manual).try_into()?;
        let (_, fields) = schema();
        Ok(Searcher { searcher: reader.searcher(), fields })
    }

    /// The best `limit` documents for `query` (the language of `search::query`) with
    /// `filters`; when nothing matched a query of bare words, words of five letters or
    /// more are retried with one typo allowed. `body` gives the plain text of one of our
    /// postmortems (`markdown::plain_text`) by its source path, for the snippet.
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
        sort: Sort,
        body: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Found> {
        let mut parsed = query::parse(query, &words_of)?;
        let plain = parsed.is_plain();
        for (field, values) in [
            (KeywordField::Service, &filters.services),
            (KeywordField::Severity, &filters.severities),
            (KeywordField::Tag, &filters.tags),
        ] {
            values.iter().for_each(|v| parsed.require(field, v));
        }
        let mut compiled = self.compile(&parsed, false)?;
        let mut found = self.collect(&*compiled, limit, sort)?;
        if found.0 == 0 && plain {
            compiled = self.compile(&parsed, true)?;
            found = self.collect(&*compiled, limit, sort)?;
        }
        let (total, best) = found;
        let (f, searcher) = (&self.fields, &self.searcher);
        let mut snippets = SnippetGenerator::create(searcher, &*compiled, f.text[2])?;
        snippets.set_max_num_chars(160);
        let mut hits = Vec::new();
        for (score, address) in best {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let shown: Shown = serde_json::from_str(&text(f.hit).unwrap_or_default())?;
            let plain = match text(f.source) {
                Some(path) => body(Path::new(&path)).unwrap_or_default(),
                None => text(f.body).unwrap_or_default(),
            };
            hits.push(Hit { shown, score, snippet: marked(&snippets.snippet(&plain)) });
        }
        Ok(Found { total, hits })
    }

    /// How many documents match, and the best `limit` with their scores.
    fn collect(&self, query: &dyn Query, limit: usize, sort: Sort) -> Result<(usize, Vec<(f32, DocAddress)>)> {
        // tantivy panics on a limit of 0.
        let top = TopDocs::with_limit(limit.max(1)).tweak_score(move |segment: &SegmentReader| {
            let ords = segment.fast_fields().u64("ord").ok().map(|c| c.first_or_default_col(0));
            move |doc: DocId, score: Score| {
                let ord = ords.as_ref().map_or(0, |c| c.get_val(doc));
                let key = if sort == Sort::Date { 0 } else { rank(score) };
                (key, Reverse(ord), score)
            }
        });
        let (total, best) = self.searcher.search(query, &(Count, top))?;
        Ok((total, best.into_iter().map(|((_, _, score), address)| (score, address)).collect()))
    }

    /// The tantivy query for `q`; with `typos`, each word of `TYPO_MIN_CHARS` or more
    /// matches the indexed stems one edit from its own and the words it begins (so a
    /// word cut short, `certificat`, finds `certificate`).
    fn compile(&self, q: &query::Query, typos: bool) -> Result<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for clause in &q.clauses {
            let mut any: Vec<Box<dyn Query>> =
                clause.any.iter().map(|item| self.item(item, typos)).collect::<Result<_>>()?;
            let one = if any.len() == 1 {
                any.remove(0)
            } else {
                Box::new(BooleanQuery::new(any.into_iter().map(|q| (Occur::Should, q)).collect()))
            };
            clauses.push((if clause.exclude { Occur::MustNot } else { Occur::Must }, one));
        }
        if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0))));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn item(&self, item: &Item, typos: bool) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        match item {
            Item::Keyword { field, value, prefix } => self.value(f.keyword(*field), value, *prefix),
            Item::Text { field: None, words, prefix } => {
                // Any text field, or a name (scored 0, so only the text's words rank).
                let named = self.value(f.names, &query::name_key(words), *prefix)?;
                let text = self.text_item(None, words, *prefix, typos)?;
                Ok(Box::new(BooleanQuery::new(vec![(Occur::Should, text), (Occur::Should, named)])))
            }
            Item::Text { field, words, prefix } => self.text_item(*field, words, *prefix, typos),
        }
    }

    /// Documents with a value of `field` equal to `value` (or, with `prefix`, starting
    /// with it), scored 0.
    fn value(&self, field: Field, value: &str, prefix: bool) -> Result<Box<dyn Query>> {
        let values = if prefix { self.terms_from(&[field], value, usize::MAX)? } else { vec![value.to_string()] };
        let any: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let term = TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic);
                (Occur::Should, Box::new(term) as Box<dyn Query>)
            })
            .collect();
        Ok(Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0)))
    }

    /// Documents with `words` in `field` (or any text field), scored by BM25.
    fn text_item(&self, field: Option<TextField>, words: &[Word], prefix: bool, typos: bool) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let fields: Vec<TextField> = field.map_or(TextField::ALL.to_vec(), |f| vec![f]);
        if words.len() > 1 {
            let first = words[0].position;
            let any = fields
                .iter()
                .map(|&tf| {
                    let terms = words
                        .iter()
                        .map(|w| (w.position - first, Term::from_field_text(self.text(tf), &w.stem)))
                        .collect();
                    let phrase = Box::new(PhraseQuery::new_with_offset(terms));
                    (Occur::Should, Box::new(BoostQuery::new(phrase, tf.boost())) as Box<dyn Query>)
                })
                .collect();
            return Ok(Box::new(BooleanQuery::new(any)));
        }
        let word = &words[0];
        let mut stems = std::collections::BTreeSet::new();
        let retried = typos && word.word.chars().count() >= query::TYPO_MIN_CHARS;
        if prefix || retried {
            let completions = self.terms_from(&[f.words], &word.word, query::MAX_EXPANSIONS)?;
            stems.extend(completions.iter().map(|w| stem_of(w)));
        }
        if retried {
            // One typo: the stems one edit away that share the first two letters
            // (the browser finds them in the shards of those two letters).
            let start: String = word.stem.chars().take(2).collect();
            let near = self.terms_from(&f.text, &start, usize::MAX)?;
            stems.extend(near.into_iter().filter(|t| query::within_one_edit(t, &word.stem)));
        } else if !prefix {
            stems.insert(word.stem.clone());
        }
        let any = stems
            .iter()
            .flat_map(|stem| {
                fields.iter().map(move |&tf| {
                    let term = TermQuery::new(Term::from_field_text(self.text(tf), stem), IndexRecordOption::WithFreqs);
                    (Occur::Should, Box::new(BoostQuery::new(Box::new(term), tf.boost())) as Box<dyn Query>)
                })
            })
            .collect();
        Ok(Box::new(BooleanQuery::new(any)))
    }

    fn text(&self, field: TextField) -> Field {
        self.fields.text[TextField::ALL.iter().position(|f| *f == field).unwrap_or(0)]
    }

    /// The first `limit` distinct terms of `fields` that start with `prefix`, sorted.
    fn terms_from(&self, fields: &[Field], prefix: &str, limit: usize) -> Result<Vec<String>> {
        let mut found = std::collections::BTreeSet::new();
        for segment in self.searcher.segment_readers() {
            for &field in fields {
                let index = segment.inverted_index(field)?;
                let mut stream = index.terms().range().ge(prefix.as_bytes()).into_stream()?;
                let mut taken = 0;
                while taken < limit && stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                    if !term.starts_with(prefix) {
                        break;
                    }
                    found.insert(term.to_string());
                    taken += 1;
                }
            }
        }
        Ok(found.into_iter().take(limit).collect())
    }
}

/// A snippet with its matches between `«` and `»`, on one line.
fn marked(snippet: &tantivy::snippet::Snippet) -> String {
    let mut marked = String::new();
    let fragment = snippet.fragment();
    let mut at = 0;
    for range in snippet.highlighted() {
        marked.push_str(&fragment[at..range.start]);
        marked.push('«');
        marked.push_str(&fragment[range.clone()]);
        marked.push('»');
        at = range.end;
    }
    marked.push_str(&fragment[at..]);
    marked.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The words of a text as the index has them: positions, words lowercased, stems.
pub fn words_of(text: &str) -> Vec<Word> {
    // Made once per thread: indexing reads every service, tag, team and company this way
    // (`Doc::names`), and a tokenizer manager registers all of tantivy's analyzers.
    thread_local! {
        static WORDS: std::cell::RefCell<TextAnalyzer> = std::cell::RefCell::new(
            TokenizerManager::default().get("default").expect("tantivy registers `default` by default"),
        );
    }
    WORDS.with_borrow_mut(|words| {
        let mut stream = words.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(Word { position: token.position, word: token.text.clone(), stem: stem_of(&token.text) });
        }
        out
    })
}

/// The stem of one lowercased word, as `analyzer()` makes it.
pub fn stem_of(word: &str) -> String {
    Stemmer::create(Algorithm::English).stem(word).into_owned()
}

/// Searches the archive at `root` once, reading each hit's body from its file.
pub fn search(root: &Path, query: &str, filters: &Filters, limit: usize, sort: Sort) -> Result<Found> {
    let from_file = |source: &Path| {
        let md = std::fs::read_to_string(root.join(source)).ok()?;
        crate::ingest::front_matter::split(Path::new(""), md).ok().map(|doc| plain_text(doc.body()))
    };
    Searcher::open(root)?.search(query, filters, limit, sort, &from_file)
}

/// Makes sure the index of the archive at `root` is current, asking for the corpus only
/// when it is not; returns whether it was rebuilt.
pub fn refresh<C: std::borrow::Borrow<Corpus>>(
    root: &Path,
    checkouts: &[PathBuf],
    corpus: impl FnOnce() -> Result<C>,
) -> Result<bool> {
    let dir = dir(root);
    let stamp = listing(root, checkouts);
    if is_current(&dir, &stamp) {
        return Ok(false);
    }
    build(&dir, corpus()?.borrow(), &stamp)?;
    Ok(true)
}

/// The index directory of an archive.
pub fn dir(root: &Path) -> PathBuf {
    root.join(CACHE_DIR)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_text_drops_markup_but_keeps_code() {
        use crate::markdown::plain_text;
        let text = plain_text("## Impact\n\n**p99** grew, see [docs](x).\n\n```sh\nkubectl rollout undo\n```\n");
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Impact", "p99", "grew,", "see", "docs.", "kubectl", "rollout", "undo"]);
    }
}
