//! What a team's folder holds: which files are postmortems (by extension, by name, by
//! a template's placeholders), and links between them and to the files they show.

use super::*;

/// The extensions import reads: Markdown and Quarto (whose `.qmd` is Markdown with front
/// matter of its own, kept like another tool's).
pub const EXTENSIONS: &[&str] = &["md", "markdown", "qmd"];

/// File names (without extension, any case) that a folder of postmortems keeps beside them.
pub(super) const NOT_POSTMORTEMS: &[&str] =
    &["readme", "index", "_index", "summary", "contributing", "license", "changelog", "code_of_conduct", "security"];

/// What templates write where a postmortem has its facts.
pub(super) const PLACEHOLDERS: &[&str] = &[
    "YYYY-MM-DD",
    "yyyy-mm-dd",
    "20xx-",
    "HH:mm",
    "HH:MM",
    "ISSUE NAME",
    "INCIDENT NAME",
    "[Incident Title]",
    "[Incident Name]",
    "{incident_title}",
    "<Your name",
    "[Time]",
];

/// Why a file of the folder is not a postmortem, if it is not: an index, a README, a
/// template (by name, or by its placeholders). `None` for a postmortem. A file that has
/// placeholders but states a day of its own (`dated`) is a postmortem written from the
/// template with one left in (`# ISSUE NAME` over a real timeline, `2022-06-02 HH:mm`
/// rows): skipping it would lose a real incident.
pub fn not_a_postmortem(stem: &str, text: &str, dated: bool) -> Option<String> {
    let lower = stem.to_lowercase();
    if NOT_POSTMORTEMS.contains(&lower.as_str()) {
        return Some(format!("`{stem}` is the folder's {lower}, not a postmortem"));
    }
    if lower.contains("template") || lower.starts_with('_') {
        return Some(format!("`{stem}` is named as a template or partial"));
    }
    let found: Vec<&str> = PLACEHOLDERS.iter().copied().filter(|p| text.contains(p)).collect();
    (!found.is_empty() && !dated)
        .then(|| format!("a template: it has placeholders ({}) and no date of its own", found.join(", ")))
}

/// Whether a file without an extension reads like a postmortem (a heading and a timeline
/// or a root cause): import names it, so a person can give it one.
pub fn looks_like_a_postmortem(text: &str) -> bool {
    let lower = text.to_lowercase();
    let headed = lower.starts_with('#') || lower.contains("\n#");
    headed && ["timeline", "root cause", "incident"].iter().any(|w| lower.contains(w))
}

/// Rewrites the links and images of `text` that `relink` has a new destination for (a
/// file import renamed, an image it copies beside the postmortems), in reference
/// definitions (`[PM-9]: PM2019-009%20-%20IP%20starvation.md`) and inline alike. `relink`
/// is handed each destination as written. Returns how many were rewritten.
pub fn rewrite_links(text: &mut String, relink: &mut dyn FnMut(&str) -> Option<String>) -> usize {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut find = |span: Range<usize>, dest: &str, text: &str| {
        if let Some(at) = text[span.clone()].rfind(dest)
            && let Some(new) = relink(dest).filter(|new| new != dest)
        {
            edits.push((span.start + at..span.start + at + dest.len(), new));
        }
    };
    let parser = Parser::new_ext(text, crate::markdown::options());
    for (_, def) in parser.reference_definitions().iter() {
        find(def.span.clone(), &def.dest, text);
    }
    for (event, span) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event {
            find(span, &dest_url, text);
        }
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    edits.dedup_by_key(|(r, _)| r.start);
    for (range, new) in &edits {
        text.replace_range(range.clone(), new);
    }
    edits.len()
}

/// What a link written in `from` (a file of the folder being imported, `folder`) names
/// there: another file of the folder, with the fragment it asks for. A path from the
/// root (`/assets/images/x.png`, as a Jekyll or GitHub Pages site writes it) is from the
/// folder's top. `None` for a link elsewhere (another site, a path that leaves the folder).
pub fn linked_file(folder: &std::path::Path, from: &std::path::Path, dest: &str) -> Option<(PathBuf, Option<String>)> {
    let (path, fragment) = dest.split_once('#').map_or((dest, None), |(p, f)| (p, Some(f.to_string())));
    if path.is_empty() || path.contains(':') || path.starts_with("//") {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let (from, decoded) = match decoded.strip_prefix('/') {
        Some(rooted) => (PathBuf::from("content/top"), rooted.to_string()),
        None => (PathBuf::from("content").join(from.strip_prefix(folder).ok()?), decoded.to_string()),
    };
    let rel = crate::markdown::resolve_asset(&from, &decoded)?;
    Some((folder.join(rel.strip_prefix("content").ok()?), fragment))
}

/// Whether a file already is a hindsight postmortem (front matter with our required keys).
pub fn is_postmortem(text: &str) -> bool {
    split(std::path::Path::new(""), text.to_string()).is_ok_and(|doc| {
        let keys = doc.top_level_keys();
        ["severity", "services"].iter().all(|k| keys.iter().any(|(key, _)| key == k))
    })
}
