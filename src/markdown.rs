//! How hindsight reads a postmortem's Markdown body without rendering it: the extensions
//! every stage parses with, the heading ids the rendered page gives,
//! links and what they point to, prose blocks with their positions (for rules), and the
//! plain words (for search). Rendering to HTML is `output::html`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::text::slugify;

/// What a link in a postmortem body points to, as far as the archive is concerned.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// Another site, a mail address: not ours to check.
    External,
    /// `#fragment` on the same page.
    Anchor(&'a str),
    /// A Markdown file of the archive, relative to the linking file (`../x.md#impact`).
    File { path: &'a str, fragment: Option<&'a str> },
    /// A postmortem page: `../<id>/` from a postmortem page, or any `.../postmortems/<id>/`.
    Page { id: &'a str, fragment: Option<&'a str> },
    /// Anything else (taxonomy pages, static files).
    Other,
}

pub fn classify(dest: &str) -> Target<'_> {
    if dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with("tel:") {
        return Target::External;
    }
    let (path, fragment) = dest.split_once('#').map_or((dest, None), |(p, f)| (p, Some(f)));
    if path.is_empty() {
        return fragment.map_or(Target::Other, Target::Anchor);
    }
    if path.ends_with(".md") {
        return Target::File { path, fragment };
    }
    let page = path.split("postmortems/").nth(1).or_else(|| path.strip_prefix("../").filter(|r| !r.starts_with("..")));
    match page.and_then(|rest| rest.split('/').next()).filter(|id| !id.is_empty()) {
        Some(id) => Target::Page { id, fragment },
        None => Target::Other,
    }
}

/// Markdown extensions postmortems use; rendering and rules parse with the same set.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Markdown as plain words: text, inline code and code blocks, without markup.
pub fn plain_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            // Words run on across inline markup (`un**bold**ed`), not across blocks.
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out
}

/// The heading id a `#fragment` means. Links are written as on GitHub, whose pages match
/// them loosely: `#References`, `#Root-Causes` and `#root%20causes` all mean `root-causes`.
/// An exact id wins, so explicit `{#Ids}` keep working.
pub fn find_anchor<'a>(fragment: &str, ids: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    if let Some(exact) = ids.clone().into_iter().find(|id| *id == fragment) {
        return Some(exact);
    }
    let loose = loose_anchor(fragment);
    ids.into_iter().find(|id| *id == loose || id.eq_ignore_ascii_case(fragment))
}

/// The id a heading would get for the text `fragment`: decoded, lowercase, dashes.
pub fn loose_anchor(fragment: &str) -> String {
    slugify(&percent_encoding::percent_decode_str(fragment).decode_utf8_lossy())
}

/// The file a relative link in `from` points to: `a/b.md` + `../c.md` -> `c.md`, resolved
/// on the path alone (links name files of the archive, which need not exist on disk).
pub fn resolve_relative(from: &Path, link: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in from.parent().unwrap_or(Path::new("")).join(link).components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Hands out heading ids the way the rendered page does: the slug of the title, made
/// unique with `-1`, `-2`, ... so links checked by rules match the page's anchors.
#[derive(Default)]
pub struct HeadingIds(HashMap<String, usize>);

impl HeadingIds {
    pub fn next(&mut self, explicit: Option<&str>, title: &str) -> String {
        let base = explicit.map_or_else(|| slugify(title), str::to_string);
        let n = self.0.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { base } else { format!("{base}-{}", *n - 1) }
    }
}

#[derive(Debug)]
pub struct Heading {
    pub level: u8,
    pub title: String,
    pub id: String,
    /// Byte range of the whole heading line in the body.
    pub span: Range<usize>,
    /// Whether anything other than sub-headings follows before the next heading of this
    /// level or higher.
    pub has_content: bool,
}

/// A run of prose (paragraph, list item, table cell) as plain text, with a map back to
/// the body for each piece.
#[derive(Debug, Default)]
pub struct Block {
    pub text: String,
    /// (offset in `text`, offset in the body, length) of each piece.
    pieces: Vec<(usize, usize, usize)>,
    /// Index into `Outline::headings` of the H2 section holding the block.
    pub section: Option<usize>,
}

impl Block {
    /// Body offset of a byte offset in `text`.
    pub fn body_offset(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|(start, _, _)| *start <= at).saturating_sub(1);
        self.pieces.get(i).map_or(0, |(start, body, len)| body + (at - start).min(*len))
    }
}

#[derive(Debug, Default)]
pub struct Outline {
    pub headings: Vec<Heading>,
    /// Link destinations with the span of the link in the body.
    pub links: Vec<(String, Range<usize>)>,
    pub blocks: Vec<Block>,
}

impl Outline {
    pub fn parse(body: &str) -> Outline {
        let mut out = Outline::default();
        let mut ids = HeadingIds::default();
        let mut heading: Option<(u8, Option<String>, Range<usize>, String)> = None;
        let mut block: Option<Block> = None;
        let mut depth = 0usize;
        let mut section = None;
        for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    heading = Some((heading_level(level), id.map(|i| i.to_string()), range, String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, explicit, span, title)) = heading.take() {
                        let id = ids.next(explicit.as_deref(), &title);
                        if level == 2 {
                            section = Some(out.headings.len());
                        }
                        out.headings.push(Heading { level, title, id, span, has_content: false });
                    }
                }
                Event::Text(t) | Event::Code(t) if heading.is_some() => {
                    if let Some((_, _, _, title)) = heading.as_mut() {
                        title.push_str(&t);
                    }
                }
                Event::Start(Tag::Paragraph | Tag::Item | Tag::TableCell) => {
                    if depth == 0 {
                        block = Some(Block { section, ..Block::default() });
                    }
                    depth += 1;
                    mark_content(&mut out.headings);
                }
                Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.blocks.extend(block.take());
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some(b) = block.as_mut() {
                        // Code spans include their backticks in `range`; find the text itself.
                        let start = range.start + body[range.clone()].find(&*t).unwrap_or(0);
                        b.pieces.push((b.text.len(), start, t.len()));
                        b.text.push_str(&t);
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(b) = block.as_mut() {
                        b.text.push(' ');
                    }
                }
                Event::Start(Tag::Link { dest_url, .. }) => out.links.push((dest_url.to_string(), range)),
                Event::Start(Tag::CodeBlock(_) | Tag::Table(_) | Tag::Image { .. }) => mark_content(&mut out.headings),
                Event::Html(h) | Event::InlineHtml(h) if !h.trim_start().starts_with("<!--") => {
                    mark_content(&mut out.headings)
                }
                Event::Rule => mark_content(&mut out.headings),
                _ => {}
            }
        }
        out
    }

    /// H2 headings, the sections of the SRE-book template.
    pub fn sections(&self) -> impl Iterator<Item = &Heading> {
        self.headings.iter().filter(|h| h.level == 2)
    }
}

/// Content belongs to the innermost open heading and to every enclosing one.
fn mark_content(headings: &mut [Heading]) {
    let mut level = u8::MAX;
    for h in headings.iter_mut().rev() {
        if h.level < level {
            h.has_content = true;
            level = h.level;
        }
        if level <= 1 {
            break;
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_ids_sections_and_emptiness() {
        let body = "## Summary\n\nText.\n\n## Lessons Learned\n\n### What went well\n\n## Lessons learned\n\n<!-- prompt -->\n\n## Timeline\n\n- 10:00 a\n";
        let o = Outline::parse(body);
        let got: Vec<_> = o.headings.iter().map(|h| (h.level, h.id.as_str(), h.has_content)).collect();
        assert_eq!(
            got,
            [
                (2, "summary", true),
                (2, "lessons-learned", false),
                (3, "what-went-well", false),
                (2, "lessons-learned-1", false),
                (2, "timeline", true)
            ]
        );
        assert_eq!(&body[o.headings[1].span.clone()], "## Lessons Learned\n");
    }

    #[test]
    fn blocks_map_back_to_the_body() {
        let body = "## Impact\n\nLatency **increased** for `many` users.\n";
        let o = Outline::parse(body);
        let b = &o.blocks[0];
        assert_eq!(b.text, "Latency increased for many users.");
        assert_eq!(b.section, Some(0));
        let at = b.text.find("many").unwrap();
        assert_eq!(&body[b.body_offset(at)..b.body_offset(at) + 4], "many");
        let at = b.text.find("users").unwrap();
        assert_eq!(&body[b.body_offset(at)..b.body_offset(at) + 5], "users");
    }

    #[test]
    fn links_are_classified() {
        assert_eq!(classify("https://x.test/a.md"), Target::External);
        assert_eq!(classify("#impact"), Target::Anchor("impact"));
        assert_eq!(classify("../a.md#t"), Target::File { path: "../a.md", fragment: Some("t") });
        assert_eq!(classify("../db-failover/"), Target::Page { id: "db-failover", fragment: None });
        assert_eq!(classify("/archive/postmortems/x/index.html#s"), Target::Page { id: "x", fragment: Some("s") });
        assert_eq!(classify("../../services/api/"), Target::Other);
        assert_eq!(classify("static/x.png"), Target::Other);
    }

    #[test]
    fn links_are_collected_with_spans() {
        let body = "See [the DNS one](2024-09-17-dns.md#timeline) and [x](#impact).\n";
        let o = Outline::parse(body);
        let dests: Vec<_> = o.links.iter().map(|(d, _)| d.as_str()).collect();
        assert_eq!(dests, ["2024-09-17-dns.md#timeline", "#impact"]);
        assert!(body[o.links[0].1.clone()].starts_with("[the DNS one]"));
    }

    #[test]
    fn relative_links_resolve_against_the_linking_file() {
        let from = Path::new("content/postmortems/db/x.md");
        assert_eq!(resolve_relative(from, "../a.md"), PathBuf::from("content/postmortems/a.md"));
        assert_eq!(resolve_relative(from, "./b.md"), PathBuf::from("content/postmortems/db/b.md"));
    }
}
