//! The query language, read once into clauses that both searches evaluate: tantivy's here
//! (`search::Searcher`) and the browser's (`theme/static/search.js`, which reads queries
//! by the same rules; the browser tests hold the two equal over generated queries).
//!
//! - Words must all match (in title, summary or body); `OR` between two words (or phrases,
//!   or `field:value`s) lets either match; `AND` may be written and changes nothing.
//! - A word or phrase with no field also matches a [`NAMED`] field's value, whole or by
//!   one of its words (`kafka` finds `services: [kafka]`, `gateway` finds `api-gateway`),
//!   scored 0: people type a system's name first, and a title that says it still ranks
//!   above a postmortem that only lists it.
//! - `"a phrase"` matches the words next to each other in one field; a word the analyzer
//!   splits (`config-change`, `p99.9`) is a phrase too.
//! - `-word` (or `-"phrase"`, `-field:value`) leaves out what matches it.
//! - `word*` matches every word that starts with `word` (the first [`MAX_EXPANSIONS`]).
//! - `field:value`: `title:`, `summary:`, `body:` match words in one field; `service:`,
//!   `tag:`, `team:`, `severity:`, `status:`, `year:`, `author:`, `company:` and `origin:`
//!   (`ours` or `external`) match a whole value, in any case (an author also by one word of
//!   the name); `services:`, `tags:`, `teams:`, `authors:` are the front matter's names for
//!   the same.
//!
//! Whitespace is ASCII whitespace, so the browser splits exactly where this does.

use std::fmt;

/// A field that holds text: words are stemmed and scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextField {
    Title,
    Summary,
    Body,
}

impl TextField {
    pub const ALL: [TextField; 3] = [TextField::Title, TextField::Summary, TextField::Body];

    /// How much a match here weighs against one in the body.
    pub fn boost(self) -> f32 {
        match self {
            TextField::Title => 3.0,
            TextField::Summary => 2.0,
            TextField::Body => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TextField::Title => "title",
            TextField::Summary => "summary",
            TextField::Body => "body",
        }
    }
}

/// A field that holds whole values: matched in any case, not scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeywordField {
    Service,
    Tag,
    Team,
    Severity,
    Status,
    Year,
    Author,
    Company,
    Origin,
}

impl KeywordField {
    pub const ALL: [KeywordField; 9] = [
        KeywordField::Service,
        KeywordField::Tag,
        KeywordField::Team,
        KeywordField::Severity,
        KeywordField::Status,
        KeywordField::Year,
        KeywordField::Author,
        KeywordField::Company,
        KeywordField::Origin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KeywordField::Service => "service",
            KeywordField::Tag => "tag",
            KeywordField::Team => "team",
            KeywordField::Severity => "severity",
            KeywordField::Status => "status",
            KeywordField::Year => "year",
            KeywordField::Author => "author",
            KeywordField::Company => "company",
            KeywordField::Origin => "origin",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Text(TextField),
    Keyword(KeywordField),
}

/// Every name a query may put before `:`, with the field it means. The static index's
/// manifest hands this table to the browser, so both read the same names.
pub const FIELD_NAMES: [(&str, Field); 16] = [
    ("title", Field::Text(TextField::Title)),
    ("summary", Field::Text(TextField::Summary)),
    ("body", Field::Text(TextField::Body)),
    ("service", Field::Keyword(KeywordField::Service)),
    ("services", Field::Keyword(KeywordField::Service)),
    ("tag", Field::Keyword(KeywordField::Tag)),
    ("tags", Field::Keyword(KeywordField::Tag)),
    ("team", Field::Keyword(KeywordField::Team)),
    ("teams", Field::Keyword(KeywordField::Team)),
    ("severity", Field::Keyword(KeywordField::Severity)),
    ("status", Field::Keyword(KeywordField::Status)),
    ("year", Field::Keyword(KeywordField::Year)),
    ("author", Field::Keyword(KeywordField::Author)),
    ("authors", Field::Keyword(KeywordField::Author)),
    ("company", Field::Keyword(KeywordField::Company)),
    ("origin", Field::Keyword(KeywordField::Origin)),
];

/// The fields whose values a word with no field also matches: the names of systems,
/// causes, teams and companies, which a reader types as they are written in front matter.
pub const NAMED: [KeywordField; 4] =
    [KeywordField::Service, KeywordField::Tag, KeywordField::Team, KeywordField::Company];

/// The keys a value of a [`NAMED`] field is found by: its words joined by one space (so
/// `Config-Change`, `config change` and `"config change"` are one), and each word alone.
/// `words` are the value's, as `analyze` gives them.
pub fn name_keys(words: &[Word]) -> Vec<String> {
    let mut keys: Vec<String> = words.iter().map(|w| w.word.clone()).collect();
    if words.len() > 1 {
        keys.push(name_key(words));
    }
    keys
}

/// The key a word or phrase of a query looks a name up by (see [`name_keys`]).
pub fn name_key(words: &[Word]) -> String {
    words.iter().map(|w| w.word.as_str()).collect::<Vec<_>>().join(" ")
}

/// A prefix matches at most this many words (the first in sorted order), so `a*` stays fast.
pub const MAX_EXPANSIONS: usize = 64;

/// Words this long or longer (in characters) are retried with one typo allowed.
pub const TYPO_MIN_CHARS: usize = 5;

/// A word of the query as the analyzer gives it: its position (a phrase's words must stand
/// at the same distances in the text), the word lowercased, and its stem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub position: usize,
    pub word: String,
    pub stem: String,
}

/// One thing to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Words in `field` (or any text field): one word, or several as a phrase; with
    /// `prefix`, every word that starts with the one given.
    Text { field: Option<TextField>, words: Vec<Word>, prefix: bool },
    /// A whole value (lowercased), or every value starting with it.
    Keyword { field: KeywordField, value: String, prefix: bool },
}

/// Items joined by `OR`: one must match. An excluded clause must not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub exclude: bool,
    pub any: Vec<Item>,
}

/// Every clause must hold. No clause (an empty query) matches every document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

impl Query {
    /// Bare words only: the query the typo retry applies to.
    pub fn is_plain(&self) -> bool {
        !self.clauses.is_empty()
            && self.clauses.iter().all(|c| {
                !c.exclude
                    && c.any.len() == 1
                    && matches!(&c.any[0], Item::Text { field: None, words, prefix: false } if words.len() == 1)
            })
    }

    /// Adds `value` of `field` as a clause every result must match (a facet filter).
    pub fn require(&mut self, field: KeywordField, value: &str) {
        let item = Item::Keyword { field, value: value.to_lowercase(), prefix: false };
        self.clauses.push(Clause { exclude: false, any: vec![item] });
    }
}

/// A query that cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// One token of the query as written.
#[derive(Debug)]
struct Token<'a> {
    exclude: bool,
    field: Option<&'a str>,
    quoted: bool,
    text: &'a str,
    star: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Splits the query into tokens: `-`, then `name:`, then a `"quoted"` text (to the next
/// quote, or the end) or a bare one (to the next whitespace, trailing `*`s cut off).
fn tokens(query: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = query;
    loop {
        rest = rest.trim_start_matches(is_space);
        if rest.is_empty() {
            return out;
        }
        let mut exclude = false;
        if let Some(after) = rest.strip_prefix(['-', '+']).filter(|a| a.starts_with(|c: char| !is_space(c))) {
            exclude = rest.starts_with('-');
            rest = after;
        }
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let mut field = None;
        if letters > 0 && rest[letters..].starts_with(':') && rest[letters + 1..].starts_with(|c: char| !is_space(c)) {
            field = Some(&rest[..letters]);
            rest = &rest[letters + 1..];
        }
        if let Some(inner) = rest.strip_prefix('"') {
            let end = inner.find('"').unwrap_or(inner.len());
            out.push(Token { exclude, field, quoted: true, text: &inner[..end], star: false });
            rest = inner.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(is_space).unwrap_or(rest.len());
            let word = &rest[..end];
            let text = word.trim_end_matches('*');
            out.push(Token { exclude, field, quoted: false, text, star: text.len() < word.len() });
            rest = &rest[end..];
        }
    }
}

/// Reads `query`; `analyze` gives the words of a text as the index has them. An unknown `name:` that is near a field's name is an error that suggests it;
/// any other (`https://…`, `10:30`) is text.
pub fn parse(query: &str, analyze: &dyn Fn(&str) -> Vec<Word>) -> Result<Query, QueryError> {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut join = false;
    for token in tokens(query) {
        if !token.exclude && token.field.is_none() && !token.quoted && !token.star {
            match token.text {
                "OR" => {
                    join = true;
                    continue;
                }
                "AND" => continue,
                _ => {}
            }
        }
        let field = match token.field {
            None => None,
            Some(name) => match FIELD_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                Some((_, field)) => Some(*field),
                None => {
                    if let Some(near) = crate::text::closest(name, FIELD_NAMES.iter().map(|(n, _)| *n)) {
                        let names: Vec<&str> = FIELD_NAMES.iter().map(|(n, _)| *n).collect();
                        return Err(QueryError {
                            message: format!(
                                "unknown field `{name}:` in the query; did you mean `{near}:`? The fields are {}",
                                names.join(", ")
                            ),
                        });
                    }
                    None
                }
            },
        };
        let text = match (token.field, field) {
            // Not a field after all: the name and colon are text.
            (Some(name), None) => &query[offset_of(query, name)..offset_of(query, token.text) + token.text.len()],
            _ => token.text,
        };
        let item = match field {
            Some(Field::Keyword(field)) => {
                let value = text.trim_matches(is_space).to_lowercase();
                if value.is_empty() { None } else { Some(Item::Keyword { field, value, prefix: token.star }) }
            }
            Some(Field::Text(f)) => text_item(Some(f), text, token.star, analyze),
            None => text_item(None, text, token.star, analyze),
        };
        let Some(item) = item else {
            join = false;
            continue;
        };
        match clauses.last_mut() {
            Some(last) if join && !last.exclude && !token.exclude => last.any.push(item),
            _ => clauses.push(Clause { exclude: token.exclude, any: vec![item] }),
        }
        join = false;
    }
    Ok(Query { clauses })
}

/// The byte offset of `part` (a slice of `whole`) in `whole`.
fn offset_of(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

fn text_item(field: Option<TextField>, text: &str, star: bool, analyze: &dyn Fn(&str) -> Vec<Word>) -> Option<Item> {
    let words = analyze(text);
    if words.is_empty() {
        return None;
    }
    // A prefix is one word; `p99-lat*` is read as the phrase it analyses to.
    let prefix = star && words.len() == 1;
    Some(Item::Text { field, words, prefix })
}

/// Whether `a` and `b` are at most one edit apart: one character inserted, removed,
/// replaced, or two neighbours swapped.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let start = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if start == short.len() {
        return true;
    }
    if short.len() == long.len() {
        let swapped = start + 1 < short.len()
            && short[start] == long[start + 1]
            && short[start + 1] == long[start]
            && short[start + 2..] == long[start + 2..];
        swapped || short[start + 1..] == long[start + 1..]
    } else {
        short[start..] == long[start + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words as written, their stems the word itself.
    fn words(text: &str) -> Vec<Word> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .enumerate()
            .map(|(position, w)| Word { position, word: w.to_lowercase(), stem: w.to_lowercase() })
            .collect()
    }

    fn text(stems: &[&str]) -> Item {
        Item::Text { field: None, words: words(&stems.join(" ")), prefix: false }
    }

    fn clause(exclude: bool, any: Vec<Item>) -> Clause {
        Clause { exclude, any }
    }

    #[test]
    fn words_phrases_or_and_exclusion() {
        let q = parse("dns OR kafka \"leader election\" -Config AND x", &words).unwrap();
        assert_eq!(
            q.clauses,
            [
                clause(false, vec![text(&["dns"]), text(&["kafka"])]),
                clause(false, vec![text(&["leader", "election"])]),
                clause(true, vec![text(&["config"])]),
                clause(false, vec![text(&["x"])]),
            ]
        );
        assert!(!q.is_plain());
        assert!(parse("database failover", &words).unwrap().is_plain());
        assert!(!parse("config-change", &words).unwrap().is_plain(), "a split word is a phrase");
    }

    #[test]
    fn fields_aliases_case_and_prefixes() {
        let q = parse("Tags:Config-Change services:DNS* title:Fail* -year:2024", &words).unwrap();
        assert_eq!(
            q.clauses,
            [
                clause(
                    false,
                    vec![Item::Keyword { field: KeywordField::Tag, value: "config-change".into(), prefix: false }]
                ),
                clause(false, vec![Item::Keyword { field: KeywordField::Service, value: "dns".into(), prefix: true }]),
                clause(false, vec![Item::Text { field: Some(TextField::Title), words: words("fail"), prefix: true }]),
                clause(true, vec![Item::Keyword { field: KeywordField::Year, value: "2024".into(), prefix: false }]),
            ]
        );
        let author = parse("author:\"Jane Doe\"", &words).unwrap();
        assert_eq!(
            author.clauses[0].any,
            [Item::Keyword { field: KeywordField::Author, value: "jane doe".into(), prefix: false }]
        );
    }

    #[test]
    fn a_near_field_name_is_an_error_and_anything_else_is_text() {
        let e = parse("servce:dns", &words).unwrap_err();
        assert!(e.message.contains("did you mean `service:`"), "{e}");
        let q = parse("https://status.example.com 10:30", &words).unwrap();
        assert_eq!(q.clauses[0].any, [text(&["https", "status", "example", "com"])]);
        assert_eq!(q.clauses[1].any, [text(&["10", "30"])]);
    }

    #[test]
    fn stray_operators_and_empty_tokens_are_ignored() {
        let q = parse("OR - \"\" * a OR OR b OR", &words).unwrap();
        assert_eq!(q.clauses, [clause(false, vec![text(&["a"]), text(&["b"])])]);
        // A leading dash without `--`: the CLI passes the query through as it is.
        let q = parse("-dns", &words).unwrap();
        assert_eq!(q.clauses, [clause(true, vec![text(&["dns"])])]);
        // An excluded item never joins an OR.
        let q = parse("a OR -b", &words).unwrap();
        assert_eq!(q.clauses.len(), 2);
    }

    #[test]
    fn one_edit() {
        for (a, b) in [("failov", "failovr"), ("databas", "databs"), ("abcd", "abdc"), ("same", "same"), ("ab", "b")] {
            assert!(within_one_edit(a, b), "{a} {b}");
            assert!(within_one_edit(b, a), "{b} {a}");
        }
        for (a, b) in [("abcd", "badc"), ("abc", "abcde"), ("kitten", "sitting"), ("abcd", "bcda")] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
    }
}
