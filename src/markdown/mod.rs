//! How hindsight reads a postmortem's Markdown body without rendering it: the extensions
//! every stage parses with, the heading ids the rendered page gives,
//! links and what they point to, prose blocks with their positions (for rules), and the
//! plain words (for search), and the `<!-- internal -->` spans a public build leaves out
//! (`internal`). Rendering to HTML is `output::html`.

pub mod internal;

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
    File { path: String, fragment: Option<&'a str> },
    /// A postmortem page: `../<id>/` from a postmortem page, or any `.../postmortems/<id>/`.
    Page { id: String, fragment: Option<&'a str> },
    /// Another file of the archive, relative to the linking file: an image, a PDF, a log
    /// (`img/graph.png`, `../../media/x.jpg`), which the build copies into the site.
    Asset { path: String },
    /// Anything else (taxonomy pages, static files).
    Other,
}

/// What `dest` points to. `base_url` is the site's own address: a link written as an
/// absolute URL to the site is one of its pages, not another site. The path is read as
/// a browser would follow it (`./../x/`, `..//x/`, `%2e%2e/x/`, `x.md?plain=1` all reach
/// `x`), so a link to a postmortem a build leaves out is known whatever its spelling.
pub fn classify<'a>(dest: &'a str, base_url: &str) -> Target<'a> {
    let (path, fragment) = dest.split_once('#').map_or((dest, None), |(p, f)| (p, Some(f)));
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let path = match own_site_path(path, base_url) {
        Some(local) => format!("/{local}"),
        None if path.contains(':') && !path.starts_with(['/', '.']) => return Target::External,
        None if path.starts_with("//") => return Target::External,
        None => path.to_string(),
    };
    if path.is_empty() {
        return fragment.map_or(Target::Other, Target::Anchor);
    }
    let path = normalize_path(&percent_encoding::percent_decode_str(&path).decode_utf8_lossy());
    if path.to_ascii_lowercase().ends_with(".md") {
        return Target::File { path, fragment };
    }
    // `<ann@example.com>` autolinks come without their `mailto:`.
    if path.contains('@') && !path.contains('/') {
        return Target::External;
    }
    let last = path.rsplit('/').next().unwrap_or("");
    let extension = last.rsplit_once('.').map(|(stem, e)| (stem, e.to_ascii_lowercase()));
    if !path.starts_with('/') && extension.is_some_and(|(stem, e)| !stem.is_empty() && e != "html" && e != "htm") {
        return Target::Asset { path };
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let id = match segments.iter().position(|s| *s == "postmortems") {
        Some(i) => segments.get(i + 1),
        None if segments.first() == Some(&"..") => segments.get(1).filter(|s| **s != ".."),
        None => None,
    };
    match id {
        Some(id) => Target::Page { id: id.to_string(), fragment },
        None => Target::Other,
    }
}

/// The path within the site of an absolute (or scheme-relative) URL to the site itself.
fn own_site_path<'a>(url: &'a str, base_url: &str) -> Option<&'a str> {
    let site = without_scheme(base_url)?.trim_end_matches('/');
    let rest = without_scheme(url)?;
    let head = rest.get(..site.len())?;
    let tail = &rest[site.len()..];
    (head.eq_ignore_ascii_case(site) && (tail.is_empty() || tail.starts_with('/')))
        .then(|| tail.trim_start_matches('/'))
}

fn without_scheme(url: &str) -> Option<&str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    ["https://", "http://", "//"].into_iter().find(|s| lower.starts_with(s)).map(|s| &url[s.len()..])
}

/// `path` with `.`, empty and resolvable `..` segments removed, as a browser resolves it.
fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." if out.last().is_some_and(|s| *s != "..") => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let trailing = if path.ends_with('/') && !out.is_empty() { "/" } else { "" };
    let leading = if path.starts_with('/') { "/" } else { "" };
    format!("{leading}{}{trailing}", out.join("/"))
}

/// Markdown extensions postmortems use; rendering and rules parse with the same set.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Markdown as the words a reader of its page sees: text, inline code and code blocks,
/// without markup. Raw HTML counts as a browser shows it: the text of its elements, and
/// not the content of `script` or `style`, attributes or comments (a search must not find
/// a page by words it does not show).
pub fn plain_text(md: &str) -> String {
    let (text, raw_html) = words(md, false);
    if !raw_html {
        return text;
    }
    // The same walk with Markdown's text escaped and the raw HTML as written, read by the
    // HTML parser the page's sanitizer uses, with no element allowed: what stays is text.
    static TEXT_ONLY: std::sync::LazyLock<ammonia::Builder<'static>> =
        std::sync::LazyLock::new(ammonia::Builder::empty);
    let html = words(md, true).0;
    let text = TEXT_ONLY.clean(&html).to_string();
    // Undo the serializer's escapes (it writes no others in text).
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", "\u{a0}").replace("&amp;", "&")
}

/// The words of `md` as `plain_text` gives them, and whether it has raw HTML; `as_html`
/// escapes the text and keeps the raw HTML in place.
fn words(md: &str, as_html: bool) -> (String, bool) {
    let mut out = String::with_capacity(md.len());
    let mut raw_html = false;
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) if as_html => {
                let _ = pulldown_cmark_escape::escape_html(&mut out, &t);
            }
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => {
                raw_html = true;
                if as_html {
                    out.push_str(&h);
                }
            }
            // Words run on across inline markup (`un**bold**ed`), not across blocks.
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image) => {}
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    (out, raw_html)
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

/// The archive file a relative asset link in `from` names, while it stays inside the
/// archive's `content/` folder: `None` for one that leaves it (`../../site.toml`, past the
/// root) or names a hidden file (`.git/config`). What the build may copy into the site.
pub fn resolve_asset(from: &Path, link: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in from.parent()?.join(link).components() {
        match c {
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            std::path::Component::CurDir => {}
            std::path::Component::Normal(s) if !s.to_string_lossy().starts_with('.') => out.push(s),
            _ => return None,
        }
    }
    (out.starts_with("content") && out.components().count() > 1).then_some(out)
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
                Event::Start(Tag::Image { dest_url, .. }) => {
                    out.links.push((dest_url.to_string(), range));
                    mark_content(&mut out.headings)
                }
                Event::Start(Tag::CodeBlock(_) | Tag::Table(_)) => mark_content(&mut out.headings),
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
    fn plain_text_is_what_the_page_shows_of_raw_html() {
        let md = "Inline <script>window.hidden = 1</script> and <style>.gone {}</style> <b onclick=\"attr\">bold</b> \
                  <!-- note --> a &lt; b & c.\n\n<div title=\"tip\">\nshown in a block\n</div>\n\n<script>\nblockhidden()\n</script>\n";
        let text = plain_text(md);
        for seen in ["Inline", "bold", "a < b & c.", "shown in a block"] {
            assert!(text.contains(seen), "{seen:?} missing from {text:?}");
        }
        for unseen in ["window", "hidden", "gone", "onclick", "attr", "note", "tip", "blockhidden"] {
            assert!(!text.contains(unseen), "{unseen:?} in {text:?}");
        }
        assert_eq!(plain_text("No *HTML* at all: 1 < 2."), "No HTML at all: 1 < 2. ");
    }

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
        let c = |dest| classify(dest, "/");
        assert_eq!(c("https://x.test/a.md"), Target::External);
        assert_eq!(c("mailto:a@x.test"), Target::External);
        assert_eq!(c("#impact"), Target::Anchor("impact"));
        assert_eq!(c("../a.md#t"), Target::File { path: "../a.md".into(), fragment: Some("t") });
        assert_eq!(c("../db-failover/"), Target::Page { id: "db-failover".into(), fragment: None });
        assert_eq!(c("/archive/postmortems/x/index.html#s"), Target::Page { id: "x".into(), fragment: Some("s") });
        assert_eq!(c("../../services/api/"), Target::Other);
        assert_eq!(c("static/x.png"), Target::Asset { path: "static/x.png".into() });
        assert_eq!(c("../../media/a%20b.jpg"), Target::Asset { path: "../../media/a b.jpg".into() });
        assert_eq!(c("../x/index.html"), Target::Page { id: "x".into(), fragment: None });
        assert_eq!(c("ann+ops@example.com"), Target::External, "an email autolink");
    }

    #[test]
    fn links_are_classified_as_a_browser_follows_them() {
        let c = |dest| classify(dest, "https://pm.example.com/archive/");
        let page = |id: &str| Target::Page { id: id.into(), fragment: None };
        for dest in ["./../x/", "..//x/", "%2e%2e/x/", "%2E%2E/x/", "a/../../x/", "..\\x/", "../x/?ref=1"] {
            assert_eq!(c(dest), page("x"), "{dest}");
        }
        for dest in [
            "https://pm.example.com/archive/postmortems/x/",
            "HTTP://PM.example.com/archive/postmortems/x",
            "//pm.example.com/archive/postmortems/x/",
        ] {
            assert_eq!(c(dest), page("x"), "{dest}");
        }
        assert_eq!(c("https://pm.example.com.evil/archive/postmortems/x/"), Target::External);
        assert_eq!(c("x.md?plain=1"), Target::File { path: "x.md".into(), fragment: None });
        assert_eq!(c("./sub/../x%2Emd#a"), Target::File { path: "x.md".into(), fragment: Some("a") });
        assert_eq!(c("../../x/"), Target::Other, "above the postmortems folder");
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
    fn assets_resolve_inside_the_content_folder_only() {
        let from = Path::new("content/postmortems/2024/x.md");
        assert_eq!(resolve_asset(from, "img/a.png"), Some(PathBuf::from("content/postmortems/2024/img/a.png")));
        assert_eq!(resolve_asset(from, "../../media/b.jpg"), Some(PathBuf::from("content/media/b.jpg")));
        for escape in
            ["../../../site.toml", "../../../../../etc/passwd", "/etc/passwd", "../.git/config", ".hidden.png"]
        {
            assert_eq!(resolve_asset(from, escape), None, "{escape}");
        }
    }

    #[test]
    fn relative_links_resolve_against_the_linking_file() {
        let from = Path::new("content/postmortems/db/x.md");
        assert_eq!(resolve_relative(from, "../a.md"), PathBuf::from("content/postmortems/a.md"));
        assert_eq!(resolve_relative(from, "./b.md"), PathBuf::from("content/postmortems/db/b.md"));
    }
}
