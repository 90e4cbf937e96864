//! Nothing of an author's text is ever lost: every word of every postmortem body, minus
//! Markdown syntax, appears in the text of its rendered page (internal spans aside in
//! public builds), and every word of a curated external postmortem is on the external
//! page. Checked over every fixture site and the example archive.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::site::Site;

/// The words of a Markdown body as a reader sees them: text, inline code and code blocks;
/// not link targets, HTML comments or image alt text.
fn source_words(body: &str) -> Vec<String> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut text = String::new();
    let mut image = 0;
    for event in Parser::new_ext(body, options) {
        match event {
            Event::Start(Tag::Image { .. }) => image += 1,
            Event::End(TagEnd::Image) => image -= 1,
            Event::Text(t) | Event::Code(t) if image == 0 => {
                text.push_str(&t);
                text.push(' ');
            }
            _ => {}
        }
    }
    words(&text)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// The text of an HTML page: tags, scripts and styles removed, entities decoded.
fn page_words(html: &str) -> HashSet<String> {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let tag = &rest[open..];
        let skip_to = ["<script", "<style"].iter().find(|t| tag.starts_with(**t)).map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => tag.find(&close).map_or(tag.len(), |i| i + close.len()),
            None => tag.find('>').map_or(tag.len(), |i| i + 1),
        };
        rest = &tag[end..];
    }
    text.push_str(rest);
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    words(&decoded).into_iter().collect()
}

/// Front matter and body of a postmortem file; the page id from `id` or the file name.
fn split(path: &Path) -> (String, String) {
    let text = fs::read_to_string(path).unwrap();
    let fence = if text.starts_with("+++") { "+++" } else { "---" };
    let after = &text[fence.len()..];
    let end = after.find(&format!("\n{fence}")).expect("front matter closes");
    let front = &after[..end];
    let body = after[end + 1 + fence.len()..].to_string();
    let id = front
        .lines()
        .find_map(|l| l.strip_prefix("id:").or_else(|| l.strip_prefix("id =")))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| path.file_stem().unwrap().to_string_lossy().into_owned());
    (id, body)
}

/// The body with `<!-- internal -->...<!-- /internal -->` spans taken out.
fn without_internal(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(open) = rest.find("<!-- internal -->") {
        out.push_str(&rest[..open]);
        let close = rest[open..].find("<!-- /internal -->").expect("closed span");
        rest = &rest[open + close + "<!-- /internal -->".len()..];
    }
    out + rest
}

/// Builds `site` (with drafts), then checks every postmortem page and external entry
/// against its source; returns how many were checked.
pub fn check_site(site: &Site, public: bool) -> usize {
    let mut args = vec!["build", "--drafts"];
    if public {
        args.push("--public");
    }
    site.run(&args).success();
    let mut checked = 0;
    let mut lost = Vec::new();
    for entry in walkdir::WalkDir::new(site.root().join("content/postmortems")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let (id, body) = split(entry.path());
        let page = site.public().join(format!("postmortems/{id}/index.html"));
        let Ok(html) = fs::read_to_string(&page) else {
            assert!(public, "no page for {}", entry.path().display());
            continue;
        };
        let body = if public { without_internal(&body) } else { body };
        let seen = page_words(&html);
        let missing: Vec<String> = source_words(&body).into_iter().filter(|w| !seen.contains(w)).collect();
        if !missing.is_empty() {
            lost.push(format!("{}: {}", entry.path().display(), missing.join(" ")));
        }
        checked += 1;
    }
    checked += check_external(site, &mut lost);
    assert!(lost.is_empty(), "words of the source missing from the page:\n{}", lost.join("\n"));
    checked
}

/// Every curated external postmortem's title, summary and body are on its own page.
fn check_external(site: &Site, lost: &mut Vec<String>) -> usize {
    let dir = site.root().join("content/external");
    if !dir.is_dir() {
        return 0;
    }
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let stem = entry.path().file_stem().unwrap().to_string_lossy().to_lowercase();
        let page = site.public().join("external").join(&stem).join("index.html");
        let html = fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        let seen = page_words(&html);
        let text = fs::read_to_string(entry.path()).unwrap();
        let (_, body) = split(entry.path());
        let field = |key: &str| {
            let value = text.lines().find_map(|l| l.strip_prefix(key))?.trim();
            Some(serde_json::from_str::<String>(value).unwrap_or_else(|_| value.to_string()))
        };
        let written = [field("title:").unwrap_or_default(), field("summary:").unwrap_or_default(), body].join("\n\n");
        let missing: Vec<String> = source_words(&written).into_iter().filter(|w| !seen.contains(w)).collect();
        if !missing.is_empty() {
            lost.push(format!("{}: {}", entry.path().display(), missing.join(" ")));
        }
        checked += 1;
    }
    checked
}

#[test]
fn every_word_of_every_fixture_and_example_postmortem_reaches_its_page() {
    let mut checked = 0;
    for name in ["good", "public", "timelines"] {
        checked += check_site(&Site::fixture(name), false);
    }
    checked += check_site(&Site::example(), false);
    assert!(checked >= 21 + 41, "only {checked} pages and entries checked");
}

#[test]
fn public_pages_keep_every_word_outside_internal_spans() {
    let checked = check_site(&Site::fixture("public"), true);
    assert!(checked >= 2, "only {checked} public pages checked");
}

#[test]
fn the_check_itself_sees_a_lost_word() {
    let html = "<p>All <b>times</b> UTC &amp; more</p><script>var hidden = 1;</script>";
    let seen = page_words(html);
    assert!(source_words("All *times* UTC & more").iter().all(|w| seen.contains(w)));
    assert!(!seen.contains("hidden"), "script text is not page text");
    assert!(source_words("- 10:00 a\n  - nested words").iter().any(|w| !seen.contains(w)));
}
