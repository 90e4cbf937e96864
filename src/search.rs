//! Full-text search. A tantivy index of every valid postmortem (drafts included: it serves
//! the authors, through `hindsight search` and `serve`) is kept in a build cache outside
//! the published output and rebuilt only when the content changed. The deployed site gets
//! a static index made with the same analyzer (`output::search_index`).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, TextFieldIndexing, TextOptions, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{Index, IndexWriter, TantivyDocument, Term};

use crate::markdown::plain_text;
use crate::model::Postmortem;
use crate::routes;

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

/// Bumped whenever the analysis or schema changes, so an index made by another version is
/// rebuilt rather than read with the wrong stems.
const INDEX_FORMAT: &str = "2-porter2";

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
    id: Field,
    title: Field,
    summary: Field,
    body: Field,
    date: Field,
    severity: Field,
    service: Field,
    tag: Field,
    status: Field,
    year: Field,
    author: Field,
    source: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let text = indexed.clone().set_stored();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        summary: b.add_text_field("summary", text.clone()),
        // Not stored: snippets are cut from the source file, which keeps the index small
        // and fast to build.
        body: b.add_text_field("body", indexed),
        source: b.add_text_field("source", STRING | STORED),
        date: b.add_text_field("date", STRING | STORED),
        severity: b.add_text_field("severity", STRING | STORED),
        service: b.add_text_field("service", STRING | STORED),
        tag: b.add_text_field("tag", STRING | STORED),
        status: b.add_text_field("status", STRING | STORED),
        year: b.add_text_field("year", STRING | STORED),
        author: b.add_text_field("author", TEXT | STORED),
    };
    (b.build(), fields)
}

/// A fingerprint of the archive's files (names, sizes, modification times): cheap to
/// compute, so `hindsight search` can tell in milliseconds whether the index is current.
pub fn listing(root: &Path) -> String {
    use rayon::prelude::*;
    let paths: Vec<PathBuf> = [crate::ingest::POSTMORTEMS, "site.toml"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name().into_iter().filter_map(Result::ok))
        .map(|e| e.into_path())
        .collect();
    let stamps: Vec<_> =
        paths.par_iter().map(|p| std::fs::metadata(p).map(|m| (m.len(), m.modified().ok())).ok()).collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    INDEX_FORMAT.hash(&mut hasher);
    paths.hash(&mut hasher);
    stamps.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Rebuilds the index in `dir` for `postmortems`, stamped with `listing`.
pub fn build(dir: &Path, postmortems: &[Arc<Postmortem>], listing: &str) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    index.tokenizers().register(ANALYZER, analyzer());
    let mut writer: IndexWriter = index.writer_with_num_threads(2, 60_000_000)?;
    for pm in postmortems {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &pm.id);
        doc.add_text(f.title, &pm.title);
        doc.add_text(f.summary, pm.summary.as_deref().unwrap_or(""));
        doc.add_text(f.body, plain_text(&pm.body));
        doc.add_text(f.source, pm.source.to_string_lossy());
        doc.add_text(f.date, pm.date.to_string());
        doc.add_text(f.severity, &pm.severity);
        doc.add_text(f.status, pm.status.as_str());
        doc.add_text(f.year, pm.year().to_string());
        pm.services.iter().for_each(|s| doc.add_text(f.service, s));
        pm.tags.iter().for_each(|t| doc.add_text(f.tag, t));
        pm.authors.iter().for_each(|a| doc.add_text(f.author, a));
        writer.add_document(doc)?;
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

/// Facet filters: every given value must match.
#[derive(Default)]
pub struct Filters {
    pub services: Vec<String>,
    pub severities: Vec<String>,
    pub tags: Vec<String>,
}

/// One result.
#[derive(Debug, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub date: String,
    pub severity: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub score: f32,
    /// A passage of the body around the matches; matches between `«` and `»`.
    pub snippet: String,
    /// The page, relative to the site root.
    pub url: String,
}

/// `word*` (outside quotes, with or without `field:`) becomes a regular expression on the
/// indexed terms, which tantivy's query language has no shorthand for.
fn expand_prefixes(query: &str) -> String {
    let mut out = Vec::new();
    let mut in_quotes = false;
    for word in query.split(' ') {
        let quotes = word.matches('"').count();
        let whole = !in_quotes && quotes == 0;
        if quotes % 2 == 1 {
            in_quotes = !in_quotes;
        }
        let Some(stem) = word.strip_suffix('*').filter(|w| whole && !w.is_empty() && !w.ends_with('*')) else {
            out.push(word.to_string());
            continue;
        };
        let (field, prefix) = match stem.split_once(':') {
            Some((f, p)) => (Some(f), p),
            None => (None, stem),
        };
        let (sign, prefix) = match prefix.strip_prefix(['-', '+']) {
            Some(rest) => (&prefix[..1], rest),
            None => ("", prefix),
        };
        let escaped: String = prefix
            .to_lowercase()
            .chars()
            .flat_map(|c| if c.is_alphanumeric() { vec![c] } else { vec!['\\', c] })
            .collect();
        out.push(match field {
            Some(f) => format!("{sign}{f}:/{escaped}.*/"),
            None => format!("{sign}(title:/{escaped}.*/ OR summary:/{escaped}.*/ OR body:/{escaped}.*/)"),
        });
    }
    out.join(" ")
}

/// Searches the index in `dir`. Words of five letters or more that find nothing are
/// retried with one typo allowed.
/// An open index, kept by `serve` between requests (opening one costs more than a query,
/// and each reader it would open starts threads); `hindsight search` opens one per run.
pub struct Searcher {
    index: Index,
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
        Ok(Searcher { searcher: reader.searcher(), index, fields })
    }

    /// The best `limit` postmortems for `query` (tantivy's query language, `word*`, one
    /// typo allowed when nothing matched) with `filters`; `body` gives a hit's body as
    /// plain text (`markdown::plain_text`) by its source path, for the snippet.
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
        body: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Vec<Hit>> {
        // tantivy panics on a limit of 0; callers check theirs, this keeps it that way.
        let limit = limit.max(1);
        let (index, f, searcher) = (&self.index, &self.fields, &self.searcher);
        let mut parser = QueryParser::for_index(index, vec![f.title, f.summary, f.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.summary, 2.0);
        parser.allow_regexes();
        let parsed = if query.trim().is_empty() {
            Box::new(tantivy::query::AllQuery) as Box<dyn Query>
        } else {
            match parser.parse_query(&expand_prefixes(query)) {
                Ok(q) => q,
                Err(e) => bail!(
                    "cannot read the query `{query}`: {e}. Words, \"phrases\", field:value, AND, OR, -word and word* are understood"
                ),
            }
        };
        let with_filters = |q: Box<dyn Query>| -> Box<dyn Query> {
            let mut clauses = vec![(Occur::Must, q)];
            for (field, values) in
                [(f.service, &filters.services), (f.severity, &filters.severities), (f.tag, &filters.tags)]
            {
                for v in values {
                    clauses.push((
                        Occur::Must,
                        Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic)),
                    ));
                }
            }
            Box::new(BooleanQuery::new(clauses))
        };
        let mut query_used = with_filters(parsed.box_clone());
        let mut found = searcher.search(&*query_used, &TopDocs::with_limit(limit).order_by_score())?;
        if found.is_empty() && is_plain(query) {
            query_used = with_filters(fuzzy(index, f, query)?);
            found = searcher.search(&*query_used, &TopDocs::with_limit(limit).order_by_score())?;
        }
        let mut snippets = SnippetGenerator::create(searcher, &*query_used, f.body)?;
        snippets.set_max_num_chars(160);
        let mut hits = Vec::new();
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let all = |field| doc.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>();
            let plain = body(Path::new(&text(f.source))).unwrap_or_default();
            let snippet = snippets.snippet(&plain);
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
            let id = text(f.id);
            hits.push(Hit {
                url: routes::postmortem(&id),
                id,
                title: text(f.title),
                date: text(f.date),
                severity: text(f.severity),
                services: all(f.service),
                tags: all(f.tag),
                score,
                snippet: marked.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
        Ok(hits)
    }
}

/// Searches the archive at `root` once, reading each hit's body from its file.
pub fn search(root: &Path, query: &str, filters: &Filters, limit: usize) -> Result<Vec<Hit>> {
    let from_file = |source: &Path| {
        let md = std::fs::read_to_string(root.join(source)).ok()?;
        crate::ingest::front_matter::split(Path::new(""), md).ok().map(|doc| plain_text(doc.body()))
    };
    Searcher::open(root)?.search(query, filters, limit, &from_file)
}

/// A query of bare words only (no syntax), which the typo retry applies to.
fn is_plain(query: &str) -> bool {
    query.split_whitespace().all(|w| w.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// Every word must match in title, summary or body; words of 5+ letters within one edit.
fn fuzzy(index: &Index, f: &Fields, query: &str) -> Result<Box<dyn Query>> {
    let mut analyzer = index.tokenizers().get(ANALYZER).context("the English analyzer is missing")?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in query.split_whitespace() {
        let mut stream = analyzer.token_stream(word);
        let mut stems = Vec::new();
        while let Some(token) = stream.next() {
            stems.push(token.text.clone());
        }
        for stem in stems {
            let per_field: Vec<(Occur, Box<dyn Query>)> = [f.title, f.summary, f.body]
                .into_iter()
                .map(|field| {
                    let term = Term::from_field_text(field, &stem);
                    let q: Box<dyn Query> = if word.chars().count() >= 5 {
                        Box::new(FuzzyTermQuery::new(term, 1, true))
                    } else {
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                    };
                    (Occur::Should, q)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(per_field))));
        }
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// Makes sure the index of the archive at `root` is current, asking `postmortems` for the
/// archive only when it is not; returns whether it was rebuilt.
pub fn refresh(root: &Path, postmortems: impl FnOnce() -> Result<Vec<Arc<Postmortem>>>) -> Result<bool> {
    let dir = dir(root);
    let stamp = listing(root);
    if is_current(&dir, &stamp) {
        return Ok(false);
    }
    build(&dir, &postmortems()?, &stamp)?;
    Ok(true)
}

/// The index directory of an archive.
pub fn dir(root: &Path) -> PathBuf {
    root.join(CACHE_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_regexes_outside_quotes() {
        assert_eq!(expand_prefixes("fail*"), "(title:/fail.*/ OR summary:/fail.*/ OR body:/fail.*/)");
        assert_eq!(
            expand_prefixes("title:Check* -dns*"),
            "title:/check.*/ -(title:/dns.*/ OR summary:/dns.*/ OR body:/dns.*/)"
        );
        assert_eq!(expand_prefixes("\"big bad wo\"* x"), "\"big bad wo\"* x");
    }

    #[test]
    fn plain_text_drops_markup_but_keeps_code() {
        use crate::markdown::plain_text;
        let text = plain_text("## Impact\n\n**p99** grew, see [docs](x).\n\n```sh\nkubectl rollout undo\n```\n");
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Impact", "p99", "grew,", "see", "docs.", "kubectl", "rollout", "undo"]);
    }
}
