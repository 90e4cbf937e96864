//! Splits front matter from body while keeping byte offsets, deserializes it, and finds
//! where a key or value is written. Offsets are kept so that every later finding can name
//! the line and column in the file itself, not in the front matter block. (hindsight's own
//! splitter rather than gray_matter, which trims and rebuilds the text and loses them.)

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Rule, Source};

/// The front matter language, chosen by the opening fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

impl Format {
    fn fence(self) -> &'static str {
        match self {
            Format::Yaml => "---",
            Format::Toml => "+++",
        }
    }
}

/// One Markdown file with its front matter and body located inside its text.
#[derive(Debug)]
pub struct Document {
    /// Relative to the site root, for messages.
    pub path: PathBuf,
    /// Shared with the postmortem made from it, whose body is a range of it.
    pub text: std::sync::Arc<str>,
    pub format: Format,
    pub matter: Range<usize>,
    pub body: Range<usize>,
    /// Where the keys and list elements are, found once: rules locate a value for every
    /// action item, and scanning the front matter each time made that quadratic.
    index: OnceLock<Index>,
    lines: OnceLock<Vec<usize>>,
}

#[derive(Debug)]
struct Index {
    keys: Vec<(String, Range<usize>)>,
    /// For each key, the starts of its YAML block list's elements (empty if it is none).
    items: Vec<Vec<usize>>,
    /// Where each key stands in `keys` (TOML's `[[action_items]]` repeats one).
    by_key: HashMap<String, Vec<usize>>,
}

/// A document together with its deserialized front matter and the keys the schema lacks.
#[derive(Debug)]
pub struct Loaded<T> {
    pub doc: Document,
    pub raw: T,
    /// Keys outside the schema, kept so templates can still use them.
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Keys whose values could not be read (already reported): not "missing" as well.
    pub unreadable: Vec<String>,
}

impl Document {
    /// Forgets the key index and line table, which are found again when next asked for:
    /// a build keeps every document for rules across files, and at 100,000 documents
    /// these took 240 MB that only the few documents with such findings need again.
    pub fn shed(&mut self) {
        self.index = OnceLock::new();
        self.lines = OnceLock::new();
    }

    pub fn source(&self) -> Source<'_> {
        let lines = self.lines.get_or_init(|| crate::diagnostics::line_starts(&self.text));
        Source { path: &self.path, text: &self.text, lines: Some(lines) }
    }

    pub fn body(&self) -> &str {
        &self.text[self.body.clone()]
    }

    /// 1-based line in the file on which the body starts.
    pub fn body_line(&self) -> usize {
        self.text[..self.body.start].matches('\n').count() + 1
    }

    pub fn file_stem(&self) -> String {
        self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Top-level front matter keys with their byte spans in the file.
    pub fn top_level_keys(&self) -> &[(String, Range<usize>)] {
        &self.index().keys
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let keys = self.find_keys();
            let items = (0..keys.len())
                .map(|i| {
                    let block = keys[i].1.end..keys.get(i + 1).map_or(self.matter.end, |(_, next)| next.start);
                    yaml_list_items(&self.text, block)
                })
                .collect();
            let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, (key, _)) in keys.iter().enumerate() {
                by_key.entry(key.clone()).or_default().push(i);
            }
            Index { keys, items, by_key }
        })
    }

    fn find_keys(&self) -> Vec<(String, Range<usize>)> {
        let mut keys = Vec::new();
        let mut offset = self.matter.start;
        let mut in_table = false;
        for line in self.text[self.matter.clone()].split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let found = match self.format {
                Format::Yaml => {
                    let first = line.chars().next().unwrap_or(' ');
                    if first.is_whitespace() || first == '-' || first == '#' {
                        continue;
                    }
                    line.find(':').map(|colon| &line[..colon])
                }
                Format::Toml => {
                    let trimmed = line.trim_start();
                    if let Some(header) = trimmed.strip_prefix('[') {
                        in_table = true;
                        let name = header.trim_start_matches('[');
                        let end = name.find(['.', ']']).unwrap_or(name.len());
                        Some(&name[..end])
                    } else if in_table || trimmed.starts_with('#') {
                        continue;
                    } else {
                        trimmed.find('=').map(|eq| &trimmed[..eq])
                    }
                }
            };
            let Some(raw) = found else { continue };
            let key = raw.trim().trim_matches(['"', '\'']);
            if key.is_empty() {
                continue;
            }
            let at = start + line.find(key).unwrap_or(0);
            keys.push((key.to_string(), at..at + key.len()));
        }
        keys
    }

    /// Span of `needle` inside the value of top-level `key`, or of the key itself; falls
    /// back to the opening fence when the key is absent, so a finding always has a place.
    pub fn locate(&self, key: &str, needle: Option<&str>) -> Range<usize> {
        let Index { keys, by_key, .. } = self.index();
        let Some(&i) = by_key.get(key).and_then(|at| at.first()) else {
            let fence = self.text[..self.matter.start].trim_end_matches(['\r', '\n']);
            return fence.len() - 3..fence.len();
        };
        let span = keys[i].1.clone();
        let block_end = keys.get(i + 1).map_or(self.matter.end, |(_, next)| next.start);
        needle
            .filter(|n| !n.is_empty())
            .and_then(|n| self.text[span.end..block_end].find(n).map(|at| span.end + at..span.end + at + n.len()))
            .unwrap_or(span)
    }

    /// Like `locate`, inside the `index`-th element of the list under `key` (a YAML block
    /// list, or a TOML array of tables); falls back to `locate` for other layouts.
    pub fn locate_item(&self, key: &str, index: usize, needle: Option<&str>) -> Range<usize> {
        let Index { keys, items, by_key } = self.index();
        let block_end = |i: usize| keys.get(i + 1).map_or(self.matter.end, |(_, next)| next.start);
        let item = match by_key.get(key).map_or(&[][..], Vec::as_slice) {
            [] => None,
            &[only] => items[only]
                .get(index)
                .map(|&start| start..items[only].get(index + 1).copied().unwrap_or_else(|| block_end(only))),
            many => many.get(index).map(|&i| keys[i].1.start..block_end(i)),
        };
        let Some(item) = item else {
            return self.locate(key, needle);
        };
        let found = needle
            .filter(|n| !n.is_empty())
            .and_then(|n| self.text[item.clone()].find(n).map(|at| item.start + at..item.start + at + n.len()));
        found.unwrap_or(item.start..item.start + 1)
    }
}

/// Byte offsets where the `- ` items of a YAML block list within `block` start.
fn yaml_list_items(text: &str, block: Range<usize>) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = block.start;
    for line in text[block.clone()].split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.starts_with("- ") || trimmed.trim_end() == "-" {
            starts.push((line.len() - trimmed.len(), offset + line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    let Some(indent) = starts.iter().map(|(indent, _)| *indent).min() else {
        return Vec::new();
    };
    starts.into_iter().filter(|(i, _)| *i == indent).map(|(_, at)| at).collect()
}

/// Splits front matter from body; the fence on the first line selects YAML or TOML.
pub fn split(rel: &Path, text: String) -> Result<Document, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let first = text[start..first_end].trim_end();
    let source = Source::new(rel, &text);
    let format = match first {
        "---" => Format::Yaml,
        "+++" => Format::Toml,
        _ => {
            return Err(source
                .diagnostic(Rule::FrontMatter, start..first_end, "file does not start with front matter")
                .with_hint("begin the file with a line `---`, then keys such as `title: ...`, then a closing `---`"));
        }
    };
    let matter_start = (first_end + 1).min(text.len());
    let mut offset = matter_start;
    for line in text[matter_start..].split_inclusive('\n') {
        if line.trim_end() == format.fence() {
            let body_start = offset + line.len();
            let matter = matter_start..offset;
            let body = body_start..text.len();
            return Ok(Document {
                path: rel.to_path_buf(),
                text: text.into(),
                format,
                matter,
                body,
                index: OnceLock::new(),
                lines: OnceLock::new(),
            });
        }
        offset += line.len();
    }
    let fence = format.fence();
    Err(source
        .diagnostic(Rule::FrontMatter, start..first_end, "front matter is never closed")
        .with_hint(format!("add a line `{fence}` after the last front matter key")))
}

/// Deserializes the front matter, mapping parser positions back into the file.
pub fn deserialize<T: DeserializeOwned>(doc: &Document) -> Result<T, Diagnostic> {
    parse(doc.format, &doc.text[doc.matter.clone()]).map_err(|(span, message)| invalid(doc, span, message))
}

/// Deserializes the front matter as far as it can be read: a value of the wrong type is
/// reported, its key left out, and the rest read again, so one mistake does not hide the
/// file's other findings. Returns the errors and the keys left out; only front matter
/// that is not YAML or TOML at all is an `Err`.
pub fn deserialize_each<T: DeserializeOwned>(doc: &Document) -> Result<(T, Vec<Diagnostic>, Vec<String>), Diagnostic> {
    let first = match deserialize(doc) {
        Ok(v) => return Ok((v, Vec::new(), Vec::new())),
        Err(d) => d,
    };
    let readable = match doc.format {
        Format::Yaml => parse::<serde_yaml_ng::Value>(doc.format, &doc.text[doc.matter.clone()]).is_ok(),
        Format::Toml => parse::<toml::Table>(doc.format, &doc.text[doc.matter.clone()]).is_ok(),
    };
    if !readable {
        return Err(first);
    }
    let keys = doc.top_level_keys();
    let mut matter = doc.text[doc.matter.clone()].to_string();
    let mut errors = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    loop {
        let (span, message) = match parse(doc.format, &matter) {
            Ok(v) => return Ok((v, errors, dropped)),
            Err(e) => e,
        };
        let at = doc.matter.start + span.start;
        let Some(i) = keys.iter().rposition(|(_, k)| k.start <= at) else {
            return Err(first);
        };
        if dropped.contains(&keys[i].0) {
            return Err(first);
        }
        errors.push(invalid(doc, span, message));
        dropped.push(keys[i].0.clone());
        // Blank the key's lines with spaces: later positions stay where they were.
        let line_start = doc.text[..keys[i].1.start].rfind('\n').map_or(0, |n| n + 1).max(doc.matter.start);
        let end = keys.get(i + 1).map_or(doc.matter.end, |(_, next)| {
            doc.text[..next.start].rfind('\n').map_or(next.start, |n| n + 1).max(line_start)
        });
        let blank: String = doc.text[line_start..end]
            .chars()
            .map(|c| if c == '\n' { c.to_string() } else { " ".repeat(c.len_utf8()) })
            .collect();
        matter.replace_range(line_start - doc.matter.start..end - doc.matter.start, &blank);
    }
}

/// Deepest nesting of YAML flow lists and maps (`[[[...]]]`) read. The YAML parser takes
/// time growing with the square of the depth (100,000 `[` ran for minutes); no front
/// matter needs more than a few levels.
const MAX_FLOW_DEPTH: usize = 64;

/// Most `[` and `{` a front matter may hold, quoted or not: telling quotes from apostrophes
/// takes a YAML parser, so this bounds the parser's time even where `too_deep` is misled.
const MAX_BRACKETS: usize = 10_000;

/// Where YAML flow collections nest deeper than `MAX_FLOW_DEPTH`, or hold more than
/// `MAX_BRACKETS` brackets, if they do, and which. Brackets in quoted strings and comments
/// do not count towards the depth.
fn too_deep(matter: &str) -> Option<(usize, String)> {
    let (mut depth, mut brackets, mut quote) = (0usize, 0usize, None);
    let mut prev = '\n';
    let mut chars = matter.char_indices();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '[' | '{') {
            brackets += 1;
            if brackets > MAX_BRACKETS {
                return Some((i, format!("more than {MAX_BRACKETS} `[` and `{{`")));
            }
        }
        let (after_space, opens) =
            (prev.is_whitespace(), prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':'));
        prev = c;
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(_), _) => {}
            // A quote opens a scalar only where one starts (`it's` is plain text), and `#`
            // starts a comment only after a space (`a#b` is plain text too).
            (None, '"' | '\'') if opens => quote = Some(c),
            (None, '#') if after_space => {
                chars.by_ref().take_while(|(_, c)| *c != '\n').for_each(drop);
                prev = '\n';
            }
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some((i, format!("lists or maps nest more than {MAX_FLOW_DEPTH} levels deep")));
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Front matter text into `T`, or the span (within `matter`) and message of the error.
fn parse<T: DeserializeOwned>(format: Format, matter: &str) -> Result<T, (Range<usize>, String)> {
    match format {
        Format::Yaml => {
            if let Some((at, what)) = too_deep(matter) {
                return Err((at..at + 1, what));
            }
            let input = if matter.trim().is_empty() { "{}" } else { matter };
            serde_yaml_ng::from_str(input).map_err(|e| {
                let at = e.location().map_or(0, |l| l.index());
                let text = e.to_string();
                let message = text.find(" at line ").map_or(text.clone(), |i| text[..i].to_string());
                (at..at + 1, message)
            })
        }
        Format::Toml => toml::from_str(matter).map_err(|e| (e.span().unwrap_or(0..0), e.message().to_string())),
    }
}

fn invalid(doc: &Document, span: Range<usize>, message: String) -> Diagnostic {
    let span = doc.matter.start + span.start..doc.matter.start + span.end;
    let span = widen_to_token(&doc.text, span);
    doc.source().diagnostic(Rule::FrontMatter, span, format!("invalid front matter: {message}")).with_hint(
        match doc.format {
            Format::Yaml => {
                "check the YAML syntax and the value's type under \"Front matter\" in the README (lists are `[a, b]` or `- a` lines)"
            }
            Format::Toml => {
                "check the TOML syntax and the value's type under \"Front matter\" in the README (strings need quotes)"
            }
        },
    )
}

/// Parsers often point at one character; underline the whole word so the caret reads well.
fn widen_to_token(text: &str, span: Range<usize>) -> Range<usize> {
    if span.end > span.start + 1 || span.start >= text.len() {
        return span;
    }
    let rest = &text[span.start..];
    let len = rest.find(|c: char| c.is_whitespace() || c == ',' || c == ']').unwrap_or(rest.len());
    span.start..span.start + len.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        split(Path::new("p.md"), text.to_string()).unwrap()
    }

    #[test]
    fn body_line_and_offsets_survive_crlf_and_bom() {
        let d = doc("\u{feff}---\r\ntitle: x\r\n---\r\n# Body\r\n");
        assert_eq!(&d.text[d.matter.clone()], "title: x\r\n");
        assert_eq!(d.body(), "# Body\r\n");
        assert_eq!(d.body_line(), 4);
    }

    #[test]
    fn locate_finds_values_in_their_key_block() {
        let d = doc("---\ntitle: t\nservices:\n  - api\n  - checkout\ntags: [api]\n---\n");
        let span = d.locate("services", Some("checkout"));
        assert_eq!(&d.text[span], "checkout");
        let span = d.locate("tags", Some("api"));
        assert_eq!(d.source().diagnostic(Rule::Io, span, "").line, 6);
        assert_eq!(&d.text[d.locate("missing", None)], "---");
    }

    #[test]
    fn locate_item_finds_values_inside_the_right_list_element() {
        let d = doc(
            "---\naction_items:\n  - title: a\n    due: 2024-01-01\n  - title: b\n    due: 2024-01-01\nrelated: []\n---\n",
        );
        let line = |span| d.source().diagnostic(Rule::Io, span, "").line;
        assert_eq!(line(d.locate_item("action_items", 1, Some("2024-01-01"))), 6);
        assert_eq!(line(d.locate_item("action_items", 0, Some("2024-01-01"))), 4);
        assert_eq!(line(d.locate_item("action_items", 1, Some("absent"))), 5);
        let t =
            doc("+++\ntitle = \"t\"\n[[action_items]]\ndue = 2024-01-01\n[[action_items]]\ndue = 2024-01-01\n+++\n");
        assert_eq!(t.source().diagnostic(Rule::Io, t.locate_item("action_items", 1, Some("2024-01-01")), "").line, 6);
    }

    #[test]
    fn toml_keys_inside_tables_are_not_top_level() {
        let d = doc("+++\ntitle = \"t\"\n[[action_items]]\ntitle = \"x\"\n+++\n");
        let keys: Vec<_> = d.top_level_keys().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["title", "action_items"]);
    }

    #[test]
    fn unclosed_front_matter_points_at_the_opening_fence() {
        let err = split(Path::new("p.md"), "---\ntitle: x\n# Body\n".into()).unwrap_err();
        assert_eq!((err.line, err.col), (1, 1));
        assert!(err.message.contains("never closed"));
    }

    #[test]
    fn yaml_type_errors_point_into_the_file() {
        let d = doc("---\ntitle: t\nservices: {a: 1}\n---\n");
        let err = deserialize::<crate::ingest::schema::RawPostmortem>(&d).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("services"), "{err}");
    }

    #[test]
    fn toml_dates_deserialize_as_text() {
        let d = doc("+++\ntitle = \"t\"\ndate = 2024-03-12\nstarted_at = 2024-03-12T14:02:00Z\n+++\n");
        let raw: crate::ingest::schema::RawPostmortem = deserialize(&d).unwrap();
        assert_eq!(raw.date.unwrap().0, "2024-03-12");
        assert_eq!(raw.started_at.unwrap().0, "2024-03-12T14:02:00Z");
    }

    #[test]
    fn deep_flow_nesting_is_found_behind_apostrophes_hashes_and_quotes() {
        let deep = "[".repeat(100);
        for matter in
            [format!("x: {deep}"), format!("x: it's {deep}"), format!("x: a#{deep}"), format!("x: [\"a\\\"\", {deep}")]
        {
            assert!(too_deep(&matter).is_some_and(|(_, what)| what.contains("64 levels")), "{matter:.20}");
        }
        // A stray quote in plain text can hide the depth; the bracket count still holds.
        let hidden = format!("x: a 'b {}", "[".repeat(20_000));
        assert!(too_deep(&hidden).is_some_and(|(_, what)| what.contains("10000")), "{hidden:.20}");
        for fine in ["x: \"[[[[\" # [[[[\ny: [a, {b: c}]", "title: \"It's [down]\""] {
            assert_eq!(too_deep(fine), None, "{fine}");
        }
    }
}
