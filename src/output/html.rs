//! Markdown to HTML with the extensions postmortems use (tables, footnotes, strikethrough,
//! task lists), heading anchors, a table of contents, highlighted code, and the timeline's
//! entries marked where they stand, with a hole after its heading for the drawing. Every
//! word of the source reaches the page: the drawing adds to the text, never replaces it.

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd, html};
use serde::Serialize;

use super::highlight::{Highlighter, escape};
use crate::markdown::{HeadingIds, find_anchor, options};

/// The rendered body, split after the timeline's heading when there was one.
pub struct Rendered {
    pub before: String,
    /// Present when the timeline section existed: the HTML from its first block on.
    pub after: Option<String>,
    pub toc: Vec<TocEntry>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

const HOLE: &str = "\u{0}hindsight-section\u{0}";

/// What to do with a link: `link` in `render` decides for each destination.
#[derive(serde::Serialize)]
pub enum Link {
    Keep,
    /// Point it elsewhere (a Markdown file path becomes its page's URL).
    To(String),
    /// Keep the text, drop the link (it would lead nowhere on the published site).
    Unlink,
}

/// Where the timeline is in the body: its heading (the drawing goes after it) and the
/// entries, each marked on its own list item or paragraph.
#[derive(Default)]
pub struct TimelineMarks {
    /// Byte offset of the section's heading in the body.
    pub heading: Option<usize>,
    /// Byte offset of an entry's block, the attributes for its tag, and HTML put before its text.
    pub entries: HashMap<usize, (String, String)>,
}

/// Renders `md`, marking the timeline as `marks` says; `link` decides what each link becomes.
///
/// `javascript:`, `vbscript:` and `data:` links and images keep only their text, in every
/// build. Raw HTML in the body is passed through the sanitizer (no script, no event
/// handlers, no comments) unless `trusted_html` (`unsafe_html = true`, internal builds
/// only) says the authors may write any HTML.
pub fn render(
    md: &str,
    highlighter: &Highlighter,
    marks: &TimelineMarks,
    link: &dyn Fn(&str) -> Link,
    trusted_html: bool,
) -> Rendered {
    let mut events: Vec<Event> = Vec::new();
    let mut toc = Vec::new();
    let mut ids = HeadingIds::default();
    let mut parser = Parser::new_ext(md, options()).into_offset_iter();
    let mut unlinking = false;
    // Whether the author wrote HTML (the events this loop makes itself are safe).
    let mut raw_html = false;
    let is_raw = |e: &Event| matches!(e, Event::Html(_) | Event::InlineHtml(_)) && marker(e).is_none();
    // Same-page links, matched to the heading ids once all are known (a link may come first).
    let mut ids_seen: Vec<String> = Vec::new();
    let mut anchors: Vec<usize> = Vec::new();
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(tag @ (Tag::Item | Tag::Paragraph)) if marks.entries.contains_key(&range.start) => {
                let (attributes, before) = &marks.entries[&range.start];
                let name = if matches!(tag, Tag::Item) { "li" } else { "p" };
                events.push(Event::Html(format!("<{name} {attributes}>{before}").into()));
            }
            // A row keeps its own tag (the writer counts its cells for their alignment):
            // the marks open its first cell.
            Event::Start(Tag::TableRow) if marks.entries.contains_key(&range.start) => {
                let (attributes, before) = &marks.entries[&range.start];
                events.push(Event::Start(Tag::TableRow));
                if let Some((Event::Start(cell @ Tag::TableCell), _)) = parser.next() {
                    events.push(Event::Start(cell));
                    events.push(Event::Html(format!("<span {attributes}>{before}</span>").into()));
                }
            }
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                let inner: Vec<Event> = parser
                    .by_ref()
                    .map(|(e, _)| e)
                    .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                    .collect();
                raw_html |= inner.iter().any(is_raw);
                let title = plain_text(&inner);
                let id = ids.next(id.as_deref(), &title);
                ids_seen.push(id.clone());
                if level <= HeadingLevel::H3 && level >= HeadingLevel::H2 {
                    toc.push(TocEntry { level: level as u8, id: id.clone(), title: title.clone() });
                }
                events.push(Event::Start(Tag::Heading { level, id: Some(CowStr::from(id.clone())), classes, attrs }));
                if let Some((attributes, before)) = marks.entries.get(&range.start) {
                    events.push(Event::Html(format!("<span {attributes}>{before}</span>").into()));
                }
                events.extend(inner);
                events.push(Event::Html(
                    format!(
                        " <a class=\"anchor\" href=\"#{id}\" aria-label=\"Link to section: {}\">#</a>",
                        escape(&title)
                    )
                    .into(),
                ));
                events.push(Event::End(TagEnd::Heading(level)));
                if marks.heading == Some(range.start) {
                    events.push(Event::Html(HOLE.into()));
                }
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => match link(&dest_url) {
                Link::Keep => {
                    if dest_url.starts_with('#') {
                        anchors.push(events.len());
                    }
                    events.push(Event::Start(Tag::Link { link_type, dest_url, title, id }))
                }
                Link::To(to) => events.push(Event::Start(Tag::Link { link_type, dest_url: to.into(), title, id })),
                Link::Unlink => unlinking = true,
            },
            Event::End(TagEnd::Link) if unlinking => unlinking = false,
            // An image of the archive goes where the build copied it.
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = match link(&dest_url) {
                    Link::To(to) => to.into(),
                    _ => dest_url,
                };
                events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match &kind {
                    CodeBlockKind::Fenced(info) => info.split([' ', ',', '{']).next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let mut code = String::new();
                for (e, _) in parser.by_ref() {
                    match e {
                        Event::Text(t) => code.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                events.push(Event::Html(highlighter.block(&lang, &code).to_string().into()));
            }
            e => {
                raw_html |= is_raw(&e);
                events.push(e);
            }
        }
    }
    for i in anchors {
        if let Event::Start(Tag::Link { dest_url, .. }) = &mut events[i]
            && let Some(found) = find_anchor(&dest_url[1..], ids_seen.iter().map(String::as_str))
        {
            *dest_url = format!("#{found}").into();
        }
    }
    defuse(&mut events);
    mark_internal_spans(&mut events);
    let events = autolink(events);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    let (before, after) = match out.split_once(HOLE) {
        Some((b, a)) => (b.to_string(), Some(a.to_string())),
        None => (out, None),
    };
    if raw_html && !trusted_html {
        // Each half on its own: an element the author opened before the timeline is
        // closed at the hole rather than wrapping the drawing.
        return Rendered { before: sanitize(&before), after: after.as_deref().map(sanitize), toc };
    }
    Rendered { before, after, toc }
}

/// A link or image address a browser would run or inline rather than fetch. Browsers
/// ignore ASCII whitespace and control characters in the scheme (`java\tscript:`).
fn is_script_url(url: &str) -> bool {
    let start: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take("javascript:".len())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ["javascript:", "vbscript:", "data:"].iter().any(|scheme| start.starts_with(scheme))
}

/// Drops script links and images from `events` (their text stays).
fn defuse(events: &mut Vec<Event<'_>>) {
    let mut depth: Vec<bool> = Vec::new();
    events.retain(|event| match event {
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            let script = is_script_url(dest_url);
            depth.push(script);
            !script
        }
        Event::End(TagEnd::Link | TagEnd::Image) => depth.pop() != Some(true),
        _ => true,
    });
}

/// Whether an HTML event is exactly one internal marker, and if so (opens, stands as a
/// block): the internal build draws those itself, they are not HTML the author wrote.
fn marker(e: &Event) -> Option<(bool, bool)> {
    let (h, block) = match e {
        Event::Html(h) => (h.trim_end(), true),
        Event::InlineHtml(h) => (h.as_ref(), false),
        _ => return None,
    };
    crate::markdown::internal::markers(h).first().filter(|m| m.span == (0..h.len())).map(|m| (m.open, block))
}

/// HTML the body's author wrote, made safe for a page the whole company (or everyone) opens:
/// what Markdown produces and the theme's markup on it (classes, ids, `data-` attributes the
/// timeline uses, task list checkboxes, table alignment) stay; script, event handlers,
/// styles, forms, frames and comments go. ammonia parses it as a browser would.
fn sanitize(html: &str) -> String {
    static CLEANER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["input", "section"])
            .add_generic_attributes(["class", "id", "data-at", "data-lang", "aria-label", "aria-hidden"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .filter_style_properties(["text-align"].into())
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("input", "type") if value != "checkbox" => None,
                _ => Some(value.into()),
            })
            .link_rel(None);
        b
    });
    CLEANER.clean(html).to_string()
}

/// Markdown written in a list's one-line summary (links, code, emphasis) as HTML. The
/// summary is someone else's text: HTML in it is shown as text, never passed through.
pub fn summary(md: &str) -> String {
    let mut events = Parser::new_ext(md, options())
        .map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
            e => e,
        })
        .collect();
    defuse(&mut events);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// Bare `https://...` addresses in text become links, as GitHub shows them (reference
/// lists are often written that way). Text already in a link or an image is left alone.
fn autolink<'a>(events: Vec<Event<'a>>) -> Vec<Event<'a>> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut inside = 0usize;
    // A run of text events: the parser splits text at `_` and `*`, which URLs contain.
    let mut run: Vec<CowStr> = Vec::new();
    let flush = |run: &mut Vec<CowStr<'a>>, out: &mut Vec<Event<'a>>| {
        if !run.iter().any(|t| t.contains("http")) {
            out.extend(run.drain(..).map(Event::Text));
            return;
        }
        let text: String = run.drain(..).map(|t| t.to_string()).collect();
        for span in finder.spans(&text) {
            let part = span.as_str().to_string();
            if span.kind().is_some() && (part.starts_with("http://") || part.starts_with("https://")) {
                out.push(Event::Start(Tag::Link {
                    link_type: pulldown_cmark::LinkType::Autolink,
                    dest_url: part.clone().into(),
                    title: "".into(),
                    id: "".into(),
                }));
                out.push(Event::Text(part.into()));
                out.push(Event::End(TagEnd::Link));
            } else {
                out.push(Event::Text(part.into()));
            }
        }
    };
    for event in events {
        match event {
            Event::Text(t) if inside == 0 => run.push(t),
            e => {
                flush(&mut run, &mut out);
                match &e {
                    Event::Start(Tag::Link { .. } | Tag::Image { .. }) => inside += 1,
                    Event::End(TagEnd::Link | TagEnd::Image) => inside = inside.saturating_sub(1),
                    _ => {}
                }
                out.push(e);
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Makes internal spans visible to the authors reading the internal archive: a pair of
/// markers on their own lines wraps its blocks in a `div`, a pair within one paragraph or
/// cell wraps its text in a `span`; a pair across levels is flagged at both ends. (Public
/// builds never get here with markers: their text is removed before parsing.)
fn mark_internal_spans(events: &mut [Event]) {
    let found: Vec<(usize, bool, bool)> =
        events.iter().enumerate().filter_map(|(i, e)| marker(e).map(|(open, block)| (i, open, block))).collect();
    const TITLE: &str = "title=\"Left out of public builds\"";
    for pair in found.chunks(2) {
        let [(open, true, open_block), (close, false, close_block)] = *pair else {
            continue;
        };
        let (start, end) = match (open_block, close_block) {
            (true, true) => (format!("<div class=\"internal-span\" {TITLE}>\n"), "</div>\n".to_string()),
            (false, false) => (format!("<span class=\"internal-span\" {TITLE}>"), "</span>".to_string()),
            _ => (
                format!("<span class=\"internal-marker\" {TITLE}>internal ▼</span>"),
                format!("<span class=\"internal-marker\" {TITLE}>▲ internal</span>"),
            ),
        };
        events[open] = Event::Html(start.into());
        events[close] = Event::Html(end.into());
    }
}

fn plain_text(events: &[Event]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchors_and_a_toc() {
        let r = render(
            "## Impact\n\ntext\n\n### Impact\n\n## Root `Causes`\n",
            &Highlighter::default(),
            &TimelineMarks::default(),
            &|_| Link::Keep,
            false,
        );
        let ids: Vec<_> = r.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(ids, [(2, "impact"), (3, "impact-1"), (2, "root-causes")]);
        assert!(r.before.contains("<h2 id=\"impact\">Impact <a class=\"anchor\" href=\"#impact\""), "{}", r.before);
        assert!(r.after.is_none());
    }

    #[test]
    fn extensions_are_enabled() {
        let md = "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ note[^1]\n\n- [x] done\n\n[^1]: footnote\n";
        let html = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, false).before;
        for needle in ["<table>", "<del>old</del>", "type=\"checkbox\"", "footnote-definition"] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
    }

    #[test]
    fn the_timeline_is_kept_whole_and_its_entries_marked() {
        let md = "## Summary\n\ns\n\n## Timeline\n\n- 14:00 a\n  - nested\n\nAfter.\n\n**15:00** b\n\n### Sub\n\n## Lessons Learned\n\nl\n";
        let item = md.find("- 14:00").unwrap();
        let para = md.find("**15:00").unwrap();
        let marks = TimelineMarks {
            heading: md.find("## Timeline"),
            entries: HashMap::from([
                (item, ("class=\"entry mark-detected\"".to_string(), "<b>+5m</b> ".to_string())),
                (para, ("class=\"entry\"".to_string(), String::new())),
            ]),
        };
        let r = render(md, &Highlighter::default(), &marks, &|_| Link::Keep, false);
        assert!(r.before.ends_with("</h2>\n"), "{}", r.before);
        assert!(r.before.contains("id=\"timeline\""));
        let after = r.after.unwrap();
        assert!(
            after.contains("<li class=\"entry mark-detected\"><b>+5m</b> 14:00 a\n<ul>\n<li>nested</li>"),
            "{after}"
        );
        assert!(
            after.contains("<p>After.</p>") && after.contains("<p class=\"entry\"><strong>15:00</strong> b</p>"),
            "{after}"
        );
        assert!(r.toc.iter().any(|t| t.id == "sub"));
    }

    #[test]
    fn links_can_be_rewritten_or_dropped() {
        let rewrite = |dest: &str| match dest.strip_suffix(".md") {
            Some("gone") => Link::Unlink,
            Some(stem) => Link::To(format!("../{stem}/")),
            None => Link::Keep,
        };
        let md = "[a](x.md) [b](https://e.test/) [*c*](gone.md)\n";
        let html = render(md, &Highlighter::default(), &TimelineMarks::default(), &rewrite, false).before;
        assert!(html.contains("<a href=\"../x/\">a</a> <a href=\"https://e.test/\">b</a> <em>c</em></p>"), "{html}");
    }

    #[test]
    fn internal_spans_are_wrapped_for_authors() {
        let md =
            "a <!-- internal -->x<!-- /internal --> b\n\n<!-- internal -->\n\n## Secret\n\ny\n\n<!-- /internal -->\n";
        let html = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, false).before;
        assert!(
            html.contains("<p>a <span class=\"internal-span\" title=\"Left out of public builds\">x</span> b</p>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"internal-span\" title=\"Left out of public builds\">\n<h2 id=\"secret\">"),
            "{html}"
        );
        assert!(html.trim_end().ends_with("<p>y</p>\n</div>"), "{html}");
    }

    #[test]
    fn code_blocks_are_highlighted() {
        let html = render(
            "```python {.x}\nprint(1)\n```\n",
            &Highlighter::default(),
            &TimelineMarks::default(),
            &|_| Link::Keep,
            false,
        )
        .before;
        assert!(html.contains("data-lang=\"python\""), "{html}");
    }

    #[test]
    fn a_summary_keeps_markdown_and_shows_html_as_text() {
        let html = summary(
            "A bad `config` in [IMP](https://x.io) (<a href=\"https://w.org\">Interface</a>).\n\n<script>x</script>\n",
        );
        assert!(html.contains("<code>config</code>") && html.contains("<a href=\"https://x.io\">IMP</a>"), "{html}");
        assert!(html.contains("&lt;a href=") && html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<a href=\"https://w.org"), "{html}");
    }

    #[test]
    fn bare_addresses_become_links_and_github_fragments_find_their_heading() {
        let md = "See [refs](#References) and [two](#Root%20Causes).\n\n## References\n\n1. https://status.example.com/incidents/7_a_b, then www.example.com.\n2. [https://x.io](https://x.io) and `https://code.example`\n\n## Root Causes\n";
        let html = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, false).before;
        assert!(
            html.contains("<a href=\"#references\">refs</a>") && html.contains("<a href=\"#root-causes\">two</a>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"https://status.example.com/incidents/7_a_b\">https://status.example.com/incidents/7_a_b</a>, then www.example.com."), "{html}");
        assert!(
            html.contains("<a href=\"https://x.io\">https://x.io</a> and <code>https://code.example</code>"),
            "{html}"
        );
    }

    #[test]
    fn script_links_keep_only_their_text_in_every_build() {
        let md = "[a](javascript:alert(1)) [b](JavaScript:alert(1)) [c](java%0ascript:x) <javascript:alert(1)>\n\n![e](data:image/svg+xml,<svg/onload=alert(1)>) [f](vbscript:x) [ok](https://x.test/javascript:)\n\n## [h](javascript:alert(1))\n";
        for trusted in [false, true] {
            let html = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, trusted).before;
            // `java%0ascript:` is a relative path to a browser; `<javascript:...>` and a
            // destination with a tab stay text.
            assert_eq!(
                html,
                "<p>a b <a href=\"java%0ascript:x\">c</a> javascript:alert(1)</p>\n<p>e f <a href=\"https://x.test/javascript:\">ok</a></p>\n<h2 id=\"h\">h <a class=\"anchor\" href=\"#h\" aria-label=\"Link to section: h\">#</a></h2>\n"
            );
        }
        assert!(is_script_url(" JAVA\tSCRIPT:x") && is_script_url("data:text/html,x") && !is_script_url("javascript"));
        assert!(!is_script_url("/javascript:x") && !is_script_url("https://x/data:"));
    }

    #[test]
    fn raw_html_is_sanitized_unless_trusted() {
        let md = "<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> <a href=\"javascript:alert(1)\" onclick=\"x()\">l</a> <!-- note -->\n\n<details><summary>More</summary>\n\nHidden *words*\n\n</details>\n\n<iframe src=\"https://evil.test\"></iframe><style>body{display:none}</style>\n\n| a |\n|:-:|\n| <b>x</b> |\n\n- [x] done\n";
        let safe = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, false).before;
        for gone in ["<script", "onerror", "onclick", "javascript:", "<!--", "<iframe", "<style", "alert("] {
            assert!(!safe.contains(gone), "{gone} in {safe}");
        }
        for kept in [
            "<details>",
            "<summary>More</summary>",
            "<em>words</em>",
            "<img src=\"x\">",
            "style=\"text-align:center\"",
            "<b>x</b>",
            "type=\"checkbox\"",
            "checked",
        ] {
            assert!(safe.contains(kept), "{kept} missing in [{safe}]");
        }
        let trusted = render(md, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, true).before;
        assert!(trusted.contains("<script>alert(1)</script>") && trusted.contains("<!-- note -->"), "{trusted}");
        let plain = "Just **Markdown** with [a link](https://x.test/).\n";
        let r = render(plain, &Highlighter::default(), &TimelineMarks::default(), &|_| Link::Keep, false).before;
        assert_eq!(
            r, "<p>Just <strong>Markdown</strong> with <a href=\"https://x.test/\">a link</a>.</p>\n",
            "no raw HTML: not reparsed"
        );
    }
}
