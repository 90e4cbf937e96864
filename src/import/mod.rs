//! Existing postmortems in, as teams wrote them: plain Markdown with the title as an H1, the
//! metadata in a table or `**Key:** value` lines at the top (or nowhere), sections under
//! their own names, timelines in any form the build reads. Each file becomes a hindsight
//! postmortem: front matter from what the text says (every guess listed in a comment at
//! the top, with what a person still has to decide), headings renamed to the SRE-book
//! sections where the meaning is clear, the text itself kept whole.

pub mod external;

use std::ops::Range;
use std::path::PathBuf;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde_yaml_ng::{Mapping, Value};

use crate::config::Config;
use crate::ingest::front_matter::split;
use crate::ingest::timeline::{self, read_moment};
use crate::markdown::{Heading, Outline};
use crate::model::UNKNOWN;
use crate::text::slugify;

/// One converted file: its text, the file name it should get, and what was guessed.
#[derive(Debug)]
pub struct Imported {
    pub file_name: String,
    pub text: String,
    /// Fields taken from the text, each with where it came from.
    pub inferred: Vec<String>,
    /// What a person must still decide (a placeholder was written).
    pub decide: Vec<String>,
    /// Whether the file stated its date (else `date: unknown` was written).
    pub dated: bool,
    /// The timeline section's entries placed and left as written, when it has one.
    pub timeline: Option<(usize, usize)>,
    /// Links to its own headings that import renamed, rewritten.
    pub anchor_links: usize,
}

/// Section names of the SRE-book template and the headings that mean the same.
const SECTIONS: &[(&str, &[&str])] = &[
    ("Summary", &["summary", "overview", "executive summary", "tl;dr", "tldr", "incident summary", "description"]),
    ("Impact", &["impact", "customer impact", "user impact", "business impact"]),
    ("Root Causes", &["root cause", "root causes", "root cause analysis", "rca", "cause", "causes"]),
    ("Trigger", &["trigger"]),
    ("Resolution", &["resolution", "recovery", "remediation", "fix", "mitigation and resolution"]),
    ("Detection", &["detection", "how was it detected", "how we detected it"]),
    (
        "Action Items",
        &[
            "action items",
            "action item",
            "follow-ups",
            "follow ups",
            "followups",
            "next steps",
            "corrective actions",
            "remediation items",
        ],
    ),
    ("Lessons Learned", &["lessons learned", "lessons", "learnings", "what we learned", "lessons learnt"]),
    ("Supporting Information", &["supporting information", "references", "appendix", "links"]),
];

/// Metadata keys as teams write them, and the front matter key each fills.
const KEYS: &[(&str, &[&str])] = &[
    ("date", &["date", "incident date", "date of incident", "day"]),
    ("severity", &["severity", "sev", "severity level", "impact level", "level"]),
    ("status", &["status", "postmortem status", "document status", "state"]),
    ("authors", &["authors", "author", "owner", "owners", "written by", "postmortem owner"]),
    (
        "services",
        &[
            "services",
            "service",
            "systems",
            "system",
            "systems affected",
            "affected services",
            "affected systems",
            "components",
            "component",
        ],
    ),
    ("teams", &["team", "teams", "owning team"]),
    ("incident_commander", &["incident commander", "ic", "commander"]),
    ("started_at", &["started", "start", "start time", "began", "impact start", "incident start"]),
    ("detected_at", &["detected", "detection time", "detected at", "time detected"]),
    ("mitigated_at", &["mitigated", "mitigated at", "mitigation time"]),
    ("resolved_at", &["resolved", "resolved at", "resolution time", "end", "end time", "ended"]),
    ("duration", &["duration", "total duration", "length"]),
    ("summary", &["summary", "tl;dr", "tldr"]),
];

/// Words in a timeline entry that say which moment it is; the first entry that says so wins.
const MOMENTS: &[(&str, &[&str])] = &[
    (
        "started_at",
        &[
            "impact began",
            "impact started",
            "outage began",
            "outage started",
            "began failing",
            "started failing",
            "errors began",
            "errors started",
            "incident began",
            "incident started",
        ],
    ),
    ("detected_at", &["alert", "paged", "page fired", "detected", "noticed", "reported"]),
    ("mitigated_at", &["mitigated", "rolled back", "rollback complete", "workaround", "failover complete"]),
    ("resolved_at", &["resolved", "all clear", "fully recovered", "back to normal", "incident closed", "recovered"]),
];

/// The extensions import reads: Markdown and Quarto (whose `.qmd` is Markdown with front
/// matter of its own, kept like another tool's).
pub const EXTENSIONS: &[&str] = &["md", "markdown", "qmd"];

/// File names (without extension, any case) that a folder of postmortems keeps beside them.
const NOT_POSTMORTEMS: &[&str] =
    &["readme", "index", "_index", "summary", "contributing", "license", "changelog", "code_of_conduct", "security"];

/// What templates write where a postmortem has its facts.
const PLACEHOLDERS: &[&str] = &[
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

/// The top-level list items of the first section whose title `wanted` accepts (its
/// lowercase title, a parenthesis and colon aside), as plain text with whether each was a
/// ticked task (`- [x]`). Empty items (a template's `-`) are left out.
fn section_items(body: &str, wanted: impl Fn(&str) -> bool) -> Vec<(String, bool)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let (mut inside, mut level, mut depth) = (false, 0u8, 0usize);
    let mut heading: Option<String> = None;
    let mut item: Option<(String, bool)> = None;
    for event in Parser::new_ext(body, crate::markdown::options()) {
        match event {
            Event::Start(Tag::Heading { level: l, .. }) => {
                if inside && l as u8 <= level {
                    break;
                }
                heading = Some(String::new());
                level = if inside { level } else { l as u8 };
            }
            Event::End(TagEnd::Heading(l)) => {
                let title = heading.take().unwrap_or_default();
                let title = title.split('(').next().unwrap_or("").trim().trim_end_matches(':').trim().to_lowercase();
                if !inside && wanted(&title) {
                    inside = true;
                    level = l as u8;
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => heading.iter_mut().for_each(|h| h.push_str(&t)),
            Event::Start(Tag::List(_)) if inside => depth += 1,
            Event::End(TagEnd::List(_)) if inside => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) if inside && depth == 1 => item = Some((String::new(), false)),
            Event::TaskListMarker(done) if depth == 1 => item.iter_mut().for_each(|i| i.1 = done),
            Event::Text(t) | Event::Code(t) if depth == 1 => item.iter_mut().for_each(|i| i.0.push_str(&t)),
            Event::SoftBreak | Event::HardBreak if depth == 1 => item.iter_mut().for_each(|i| i.0.push(' ')),
            Event::End(TagEnd::Item) if inside && depth == 1 => {
                if let Some((text, done)) = item.take() {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !text.is_empty() {
                        out.push((text, done));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An action item from a list item's words: its title, and the owner when the line names
/// one (`Owner: Ana`, `(owner: @ana)`, a trailing `@ana`); done when ticked.
fn action_item(text: &str, done: bool) -> Value {
    let mut item = Mapping::new();
    let lower = text.to_lowercase();
    let (title, owner) = if let Some(at) = lower.find("owner:") {
        let owner = text[at + 6..].trim().trim_end_matches(')').trim();
        let title = text[..at].trim().trim_end_matches(['(', '-', '—', ',', ';']).trim();
        (title.to_string(), Some(owner.trim_start_matches('@').to_string()))
    } else if let Some((title, handle)) = text.rsplit_once(" @").filter(|(_, h)| !h.is_empty() && !h.contains(' ')) {
        (title.trim().trim_end_matches(['-', '—', ',']).trim().to_string(), Some(handle.to_string()))
    } else {
        (text.to_string(), None)
    };
    item.insert(Value::from("title"), Value::from(if title.is_empty() { text.to_string() } else { title }));
    if let Some(owner) = owner.filter(|o| !o.is_empty()) {
        item.insert(Value::from("owner"), Value::from(owner));
    }
    item.insert(Value::from("status"), Value::from(if done { "done" } else { "todo" }));
    Value::Mapping(item)
}

/// Lines that say how long until a moment, and the moment they give.
const STATS: &[(&str, &[&str])] = &[
    ("detected_at", &["time to detection", "time to detect"]),
    ("mitigated_at", &["time to mitigation", "time to mitigate"]),
    ("resolved_at", &["time to resolution", "time to resolve", "time to recovery", "total time to resolution"]),
];

/// The first `Key: value` line whose key is one of `names` (any case, in a list or bold),
/// with the line as written.
fn stat_line(body: &str, names: &[&str]) -> Option<(String, String)> {
    body.lines().find_map(|line| {
        let bare = line.trim().trim_start_matches(['-', '*', '+', '>', ' ']);
        let (key, value) = bare.split_once(':')?;
        let key = key.trim().trim_matches(['*', '_']).trim().to_lowercase();
        let value = value.trim().trim_start_matches(['*', '_', '~']).trim();
        let value = value.strip_prefix("approximately ").unwrap_or(value);
        names.contains(&key.as_str()).then(|| (bare.trim().to_string(), value.to_string()))
    })
}

/// Whether a file already is a hindsight postmortem (front matter with our required keys).
pub fn is_postmortem(text: &str) -> bool {
    split(std::path::Path::new(""), text.to_string()).is_ok_and(|doc| {
        let keys = doc.top_level_keys();
        ["severity", "services"].iter().all(|k| keys.iter().any(|(key, _)| key == k))
    })
}

/// Converts one file; `stem` is its file name without its extension. Nothing is made up:
/// what the file does not say is `unknown` (date, severity) and listed to decide.
pub fn convert(stem: &str, source: &str, config: &Config) -> Imported {
    let mut inferred = Vec::new();
    let mut decide = Vec::new();
    let (foreign, text) = foreign_front_matter(source);
    let text = text.as_str();
    let doc = Layout::read(text);
    let mut body = String::with_capacity(text.len() + 64);
    let mut renamed = Vec::new();
    let mut anchors: Vec<(String, String)> = Vec::new();
    let mut last = 0;
    for (i, h) in doc.headings.iter().enumerate() {
        body.push_str(&text[last..h.span.start]);
        last = h.span.end;
        if doc.title == Some(i) {
            continue; // the title is the page's H1; its words are in `title`
        }
        let written = h.title.trim();
        let level = if h.level == 1 { 2 } else { h.level };
        // Renamed only where no word of the author's goes: `Root cause` is `Root Causes`,
        // `Root cause analysis` stays as written (the section still counts as its meaning).
        let title = match section_name(written) {
            Some(name) if level == 2 && !name.eq_ignore_ascii_case(written) && same_words(written, name) => name,
            _ => written,
        };
        let line = format!("{} {title}\n", "#".repeat(usize::from(level)));
        if line.trim_end() != text[h.span.clone()].trim_end() {
            renamed.push(format!("`{}` -> `{}`", text[h.span.clone()].trim_end(), line.trim_end()));
        }
        if title != written {
            anchors.push((crate::markdown::loose_anchor(written), crate::markdown::loose_anchor(title)));
        }
        body.push_str(&line);
    }
    body.push_str(&text[last..]);
    // Links to a renamed heading (`[1](#Root-Cause)`, as GitHub matches them) follow it.
    let anchor_links = rewrite_links(&mut body, &mut |dest| {
        let wanted = crate::markdown::loose_anchor(dest.strip_prefix('#')?);
        anchors.iter().find(|(old, _)| *old == wanted).map(|(_, new)| format!("#{new}"))
    });

    let mut matter = Mapping::new();
    let set = |matter: &mut Mapping, key: &str, value: Value| {
        matter.insert(Value::from(key), value);
    };
    let mut meta = metadata(&text[doc.top.clone()]);
    // `**Date:** 2025-03-17` under a later heading states the day or the severity as
    // plainly as at the top (other keys there may be one of several incidents').
    for (key, value) in bold_keys(text).into_iter().filter(|(k, _)| k == "date" || k == "severity") {
        if !meta.iter().any(|(k, _)| *k == key) {
            meta.push((key, value));
        }
    }
    let get = |key: &str| meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let foreign_str = |key: &str| foreign.get(key).and_then(Value::as_str).map(str::to_string);

    // Title, and a date written in it (`# 20-10-2025 - Cloud provider outage`).
    let zone = config.time_zone();
    let (h1, h1_date) = match doc.title() {
        Some(h1) => match dated_title(h1, &zone) {
            Some((rest, date)) => (Some(rest), Some(date)),
            None => (Some(h1.to_string()), None),
        },
        None => (None, None),
    };
    let title = match (foreign_str("title"), h1) {
        (Some(t), _) => t,
        (None, Some(h1)) => {
            inferred
                .push(if h1_date.is_some() { "title (the H1, its date taken out)" } else { "title (the H1)" }.into());
            h1
        }
        (None, None) => {
            inferred.push("title (the file name)".to_string());
            decide.push("the title was made from the file name".to_string());
            humanise(stem)
        }
    };
    set(&mut matter, "title", Value::from(title.clone()));

    // Date: what the file says, in the order a reader would trust it; else unknown.
    let file_date = stem.get(..10).and_then(|d| d.parse::<Date>().ok());
    let meta_date = get("date").and_then(|v| read_moment(v, 0, &zone)).map(|(d, _)| d).filter(|d| d.year() > 0);
    let foreign_date = foreign_str("date").and_then(|d| d.get(..10).and_then(|d| d.parse::<Date>().ok()));
    let date = if let Some(d) = foreign_date {
        Some(d)
    } else if let Some(d) = meta_date {
        inferred.push("date (metadata)".into());
        Some(d)
    } else if let Some(d) = h1_date {
        inferred.push("date (the H1)".into());
        Some(d)
    } else if let Some(d) = date_line(text, &doc, &zone) {
        inferred.push("date (a line that is only a date, at the top)".into());
        Some(d)
    } else if let Some(d) = file_date {
        inferred.push("date (file name)".into());
        Some(d)
    } else {
        // Only entries that give their own day count: no day is assumed for the others.
        let (t, _) = timeline::parse(&body, None, timeline::Reading::of(config));
        match t.entries.iter().find(|e| e.dated) {
            Some(e) => {
                inferred.push(format!("date (the first dated timeline entry, {})", e.when));
                Some(e.day)
            }
            None => {
                decide.push("no date found in the file: `date: unknown` until someone knows it".into());
                None
            }
        }
    };
    set(&mut matter, "date", Value::from(date.map_or_else(|| UNKNOWN.to_string(), |d| d.to_string())));

    // Severity: metadata, another tool's front matter, or a `## Severity` section's words.
    let section = || section_words(&body, "severity").map(|w| (w, "the Severity section"));
    let severity = get("severity")
        .map(|s| (s.to_string(), "metadata"))
        .or_else(|| foreign_str("severity").map(|s| (s, "front matter")))
        .or_else(section);
    let known = severity.as_ref().and_then(|(s, _)| match_severity(s, config));
    let severity = match (known, severity) {
        (Some(s), Some((_, from))) => {
            inferred.push(format!("severity ({from})"));
            s
        }
        (_, written) => {
            let why = written
                .map_or("no severity given".to_string(), |(w, _)| format!("severity `{w}` matches none of the site's"));
            decide.push(format!("{why}: `severity: unknown` until someone decides"));
            UNKNOWN.to_string()
        }
    };
    set(&mut matter, "severity", Value::from(severity));

    // Services.
    let services: Vec<String> = get("services").map(split_list).unwrap_or_default();
    if services.is_empty() {
        decide.push("no services named: `unknown` is a placeholder".into());
        set(&mut matter, "services", Value::from(vec!["unknown"]));
    } else {
        inferred.push("services (metadata)".into());
        set(&mut matter, "services", Value::from(services));
    }

    // Status.
    let hugo_draft = foreign.get("draft").and_then(Value::as_bool);
    let status = match get("status").map(str::to_lowercase) {
        _ if hugo_draft == Some(true) => {
            inferred.push("status (`draft: true`)".into());
            "draft"
        }
        Some(s) => {
            inferred.push("status (metadata)".into());
            match_status(&s)
        }
        None => {
            inferred.push("status (an existing postmortem counts as reviewed)".into());
            "reviewed"
        }
    };
    set(&mut matter, "status", Value::from(status));

    for key in ["authors", "teams"] {
        if let Some(v) = get(key) {
            inferred.push(format!("{key} (metadata)"));
            set(&mut matter, key, Value::from(split_list(v)));
        }
    }
    if let Some(ic) = get("incident_commander") {
        inferred.push("incident_commander (metadata)".into());
        set(&mut matter, "incident_commander", Value::from(ic));
    }
    if let Some(summary) = get("summary").map(str::to_string).or_else(|| first_paragraph(&body, "Summary")) {
        inferred.push("summary (the first paragraph of the summary)".into());
        set(&mut matter, "summary", Value::from(summary));
    }

    // The four moments: metadata first, then the timeline's words.
    let (t, _) = timeline::parse(&body, date, timeline::Reading::of(config));
    let timeline = t.heading.map(|_| (t.entries.len(), t.unplaced));
    let mut moments: Vec<(&str, Timestamp)> = Vec::new();
    for (key, words) in MOMENTS {
        let year = date.map_or(0, |d| d.year());
        let from_meta =
            get(key).and_then(|v| read_moment(v, year, &t.tz)).filter(|(d, _)| d.year() > 0).and_then(|(_, at)| at);
        let from_timeline = || {
            t.entries.iter().filter(|e| !e.day_only).find(|e| {
                let lower = e.text.to_lowercase();
                words.iter().any(|w| lower.contains(w))
            })
        };
        if let Some(at) = from_meta {
            inferred.push(format!("{key} (metadata)"));
            moments.push((key, at));
        } else if let Some(e) = from_timeline() {
            inferred.push(format!("{key} (timeline entry {})", e.when));
            moments.push((key, e.at));
        }
    }
    if !moments.iter().any(|(k, _)| *k == "started_at")
        && let Some(first) = t.entries.iter().find(|e| !e.day_only)
        && moments.first().is_some_and(|(_, at)| first.at <= *at)
    {
        inferred.push(format!("started_at (the first timeline entry, {})", first.when));
        moments.insert(0, ("started_at", first.at));
    }
    if !moments.iter().any(|(k, _)| *k == "resolved_at")
        && let (Some((_, start)), Some(d)) = (moments.first(), get("duration").and_then(duration))
    {
        inferred.push("resolved_at (start plus the stated duration)".into());
        moments.push(("resolved_at", start.saturating_add(d).unwrap_or(*start)));
    }
    // `Time to detection: 5 minutes` (a Stats section's lines): the moment, from the start
    // the file gives; none without one.
    let start = moments.iter().find(|(k, _)| *k == "started_at").map(|(_, at)| *at);
    for (key, names) in STATS {
        if let Some(start) = start
            && !moments.iter().any(|(k, _)| k == key)
            && let Some((line, d)) = stat_line(&body, names).and_then(|(l, v)| Some((l, duration(&v)?)))
        {
            inferred.push(format!("{key} (started_at plus `{line}`)"));
            moments.push((key, start.saturating_add(d).unwrap_or(start)));
        }
    }
    moments.sort_by_key(|(k, _)| MOMENTS.iter().position(|(m, _)| m == k));
    // Keep only moments in order; one out of order is left for a person.
    let mut latest: Option<Timestamp> = None;
    for (key, at) in moments {
        if latest.is_some_and(|l| at < l) {
            decide.push(format!("{key} from the text ({at}) is earlier than the moment before it: left out"));
            continue;
        }
        latest = Some(at);
        set(&mut matter, key, Value::from(at.to_string()));
    }
    // Another tool's tags and categories are tags; its `draft` flag became the status.
    let mut tags: Vec<String> = Vec::new();
    for key in ["tags", "categories"] {
        if let Some(Value::Sequence(values)) = foreign.get(key) {
            for tag in values.iter().filter_map(Value::as_str) {
                if !tags.iter().any(|t| t == tag) {
                    tags.push(tag.to_string());
                }
            }
        }
    }
    if foreign.contains_key("categories") {
        inferred.push("tags (the front matter's categories)".into());
    }
    if !tags.is_empty() {
        set(&mut matter, "tags", Value::from(tags));
    }
    // The sections' lists, tracked: each contributing factor a statement, each action item
    // a title (and its owner where the line names one). The text stays in the body.
    let mut factors =
        section_items(&body, |t| ["contributing factors", "contributing factor", "contributing causes"].contains(&t));
    // A statement is a sentence: a longer item (or one past the hundredth) stays in the text only.
    let fits = factors.len();
    factors.retain(|(text, _)| text.chars().count() <= crate::ingest::convert::MAX_TITLE_CHARS);
    factors.truncate(crate::ingest::convert::MAX_TERMS);
    if factors.len() < fits {
        decide.push(format!(
            "{} contributing factors were too long to be statements: in the text only",
            fits - factors.len()
        ));
    }
    if !factors.is_empty() && !foreign.contains_key("contributing_factors") {
        inferred
            .push(format!("contributing_factors (the {} items of the Contributing Factors section)", factors.len()));
        let statements: Vec<Value> = factors.iter().map(|(text, _)| Value::from(text.clone())).collect();
        set(&mut matter, "contributing_factors", Value::Sequence(statements));
    }
    let items = section_items(&body, |t| section_name(t) == Some("Action Items"));
    if !items.is_empty() && !foreign.contains_key("action_items") {
        inferred.push(format!("action_items (the {} items of the Action Items section)", items.len()));
        let items: Vec<Value> = items.iter().map(|(text, done)| action_item(text, *done)).collect();
        set(&mut matter, "action_items", Value::Sequence(items));
    }
    // Keys of another tool's front matter that hindsight has no place for are kept as they were.
    for (k, v) in foreign.into_iter().filter(|(k, _)| !["draft", "categories"].contains(&k.as_str().unwrap_or(""))) {
        if !matter.contains_key(&k) {
            matter.insert(k, v);
        }
    }

    let mut note = String::from("<!-- hindsight import: the front matter above was made from this file.\n");
    if !inferred.is_empty() {
        note.push_str(&format!("Inferred: {}.\n", inferred.join("; ")));
    }
    if !renamed.is_empty() {
        note.push_str(&format!("Headings renamed: {}.\n", renamed.join("; ")));
    }
    if !decide.is_empty() {
        note.push_str(&format!("To decide: {}.\n", decide.join("; ")));
    }
    note.push_str("Delete this comment once checked. -->\n\n");
    let yaml = serde_yaml_ng::to_string(&matter).unwrap_or_default();
    let text = format!("---\n{yaml}---\n\n{note}{}\n", body.trim());
    let file_name = if file_date.is_some() {
        format!("{stem}.md")
    } else {
        let slug: String = slugify(&title).chars().take(60).collect();
        let slug = slug.trim_end_matches('-');
        date.map_or_else(|| format!("{slug}.md"), |date| format!("{date}-{slug}.md"))
    };
    Imported { file_name, text, inferred, decide, dated: date.is_some(), timeline, anchor_links }
}

/// Splits off another tool's front matter (YAML `---`, TOML `+++`) with gray_matter; its
/// keys are kept, and the ones hindsight knows are read.
fn foreign_front_matter(text: &str) -> (Mapping, String) {
    use gray_matter::Matter;
    use gray_matter::engine::{TOML, YAML};
    let parsed = if text.starts_with("---") {
        Matter::<YAML>::new().parse::<serde_json::Value>(text).ok()
    } else if text.starts_with("+++") {
        let mut m = Matter::<TOML>::new();
        m.delimiter = "+++".to_string();
        m.parse::<serde_json::Value>(text).ok()
    } else {
        None
    };
    match parsed {
        Some(gray_matter::ParsedEntity { data: Some(serde_json::Value::Object(map)), content, .. }) => {
            let mapping =
                map.into_iter().filter_map(|(k, v)| Some((Value::from(k), serde_yaml_ng::to_value(v).ok()?))).collect();
            (mapping, content)
        }
        _ => (Mapping::new(), text.to_string()),
    }
}

/// Whether two titles say the same words, but for case and a plural `s`.
fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase().trim_end_matches('s').to_string())
            .collect()
    };
    words(a) == words(b)
}

/// The SRE-book section a heading means, if it clearly means one.
fn section_name(title: &str) -> Option<&'static str> {
    let t = title.trim().trim_end_matches(':').to_lowercase();
    SECTIONS.iter().find(|(_, aliases)| aliases.contains(&t.as_str())).map(|(name, _)| *name)
}

/// The document's headings, which of them is its title, and the text before the first
/// section (where metadata is written).
struct Layout {
    headings: Vec<Heading>,
    /// Index of the title in `headings`: the first H1, unless it names a section (`# Summary`).
    title: Option<usize>,
    /// From the title (or the start) to the next heading.
    top: Range<usize>,
}

impl Layout {
    fn read(text: &str) -> Layout {
        let headings = Outline::parse(text).headings;
        // `# Metadata` and `# Title:` label what follows; under `# Title:` the title is the
        // next heading (`### Buildkite builds failing`).
        let label =
            |h: &Heading| ["metadata", "title"].contains(&h.title.trim().trim_end_matches(':').to_lowercase().as_str());
        let title = headings
            .iter()
            .position(|h| h.level == 1 && section_name(&h.title).is_none() && !label(h))
            .filter(|&i| headings[..i].iter().all(|h| h.level > 1 || label(h)))
            .or_else(|| {
                let first = headings
                    .first()
                    .filter(|h| h.level == 1 && h.title.trim().trim_end_matches(':').eq_ignore_ascii_case("title"))?;
                let next = headings.get(1)?;
                text[first.span.end..next.span.start].trim().is_empty().then_some(1)
            });
        let start = title.map_or(0, |i| headings[i].span.end);
        let end = headings.iter().map(|h| h.span.start).find(|&s| s >= start).unwrap_or(text.len());
        Layout { top: start..end.max(start), headings, title }
    }

    fn title(&self) -> Option<&str> {
        self.title.map(|i| self.headings[i].title.trim())
    }
}

/// `key: value` pairs from a metadata table (two columns, or a header row of keys) or
/// from `**Key:** value` lines, with keys mapped to front matter names.
fn metadata(top: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches(['*', '_']).trim().to_string()).collect()
    };
    let lines: Vec<&str> = top.lines().collect();
    let table: Vec<&str> = lines.iter().copied().filter(|l| l.trim_start().starts_with('|')).collect();
    let is_rule = |l: &str| l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
    if let [header, rule, first, ..] = table.as_slice()
        && is_rule(rule)
        && cells(header).iter().filter(|c| key_for(c).is_some()).count() >= 2
    {
        pairs.extend(cells(header).into_iter().zip(cells(first)));
    } else {
        for line in table.iter().filter(|l| !is_rule(l)) {
            if let [key, value, ..] = cells(line).as_slice() {
                pairs.push((key.clone(), value.clone()));
            }
        }
    }
    for line in lines.iter().filter(|l| !l.trim_start().starts_with('|')) {
        let line = line.trim().trim_start_matches(['-', '*', '+']).trim_start();
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim().trim_matches(['*', '_']).trim();
        let value = value.trim().trim_start_matches(['*', '_']).trim();
        if key.split_whitespace().count() <= 4 && !value.is_empty() {
            pairs.push((key.to_string(), value.to_string()));
        }
    }
    pairs.into_iter().filter_map(|(k, v)| Some((key_for(&k)?.to_string(), v))).filter(|(_, v)| !v.is_empty()).collect()
}

/// `**Key:** value` and `**Key**: value` lines anywhere in the text, keys mapped as in
/// `metadata`; the first of each key wins.
fn bold_keys(text: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = ["- ", "* ", "+ "].iter().find_map(|m| line.strip_prefix(m)).unwrap_or(line).trim_start();
        let Some(rest) = line.strip_prefix("**") else { continue };
        let Some((key, value)) = rest.split_once("**") else { continue };
        let (key, value) = match key.strip_suffix(':') {
            Some(key) => (key, value),
            None => (key, value.trim_start().strip_prefix(':').unwrap_or("")),
        };
        let value = value.trim();
        if let Some(k) = key_for(key).filter(|_| !value.is_empty())
            && !pairs.iter().any(|(have, _)| have == k)
        {
            pairs.push((k.to_string(), value.to_string()));
        }
    }
    pairs
}

fn key_for(written: &str) -> Option<&'static str> {
    let k = written.trim().trim_end_matches(':').to_lowercase();
    KEYS.iter().find(|(_, aliases)| aliases.contains(&k.as_str())).map(|(key, _)| *key)
}

/// `SEV1`, `Sev-2`, `P1`, `S3`, `Severity 2`, `2`, `critical`: the site severity it means.
/// Words go by `severity_words` first, so a team whose "High" is its worst says so once.
fn match_severity(written: &str, config: &Config) -> Option<String> {
    let severities = &config.severities;
    let lower = written.trim().to_lowercase();
    if let Some(exact) = severities.iter().find(|s| s.to_lowercase() == lower) {
        return Some(exact.clone());
    }
    let word = lower.split_whitespace().next().unwrap_or("");
    let said = |w: &str| config.severity_words.iter().find(|(k, _)| k.to_lowercase() == w).map(|(_, v)| v.clone());
    if let Some(meant) = said(&lower).or_else(|| said(word)) {
        return Some(meant);
    }
    let digits: String = lower.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    let rank = match digits.parse::<usize>() {
        Ok(n) => n,
        Err(_) => match word {
            "critical" | "sev-1" => 1,
            "major" | "high" => 2,
            "medium" | "moderate" => 3,
            "minor" | "low" => 4,
            _ => return None,
        },
    };
    let with_number =
        severities.iter().find(|s| s.trim_start_matches(|c: char| !c.is_ascii_digit()) == rank.to_string());
    with_number.or_else(|| severities.get(rank.checked_sub(1)?)).cloned()
}

fn match_status(written: &str) -> &'static str {
    match written.trim() {
        s if s.contains("draft") || s.contains("wip") || s.contains("progress") => "draft",
        s if s.contains("in review") || s == "review" || s.contains("pending") => "in-review",
        s if s.contains("closed") || s.contains("complete") || s.contains("done") || s.contains("final") => "closed",
        _ => "reviewed",
    }
}

/// `checkout, api-gateway`, `checkout and search`, `[checkout](link)`: the names in a value.
fn split_list(value: &str) -> Vec<String> {
    crate::markdown::plain_text(value)
        .split([',', ';'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().trim_matches(['`', '*', '.']).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `47 minutes`, `1h 20m`, `2 hours`, `1:20`: a duration.
fn duration(value: &str) -> Option<SignedDuration> {
    if let Some((h, m)) = value.trim().split_once(':')
        && let (Ok(h), Ok(m)) = (h.parse::<i64>(), m.trim().parse::<i64>())
    {
        return Some(SignedDuration::from_mins(h * 60 + m));
    }
    let mut total = 0i64;
    let mut number: Option<i64> = None;
    for token in value.to_lowercase().split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()) {
        let split = token.find(|c: char| !c.is_ascii_digit()).unwrap_or(token.len());
        let (digits, unit) = token.split_at(split);
        if !digits.is_empty() {
            number = digits.parse().ok();
        }
        let Some(n) = number else { continue };
        let minutes = match unit {
            u if u.starts_with('h') => 60,
            u if u.starts_with("m") => 1,
            u if u.starts_with('d') => 1440,
            _ => continue,
        };
        total += n * minutes;
        number = None;
    }
    (total > 0).then(|| SignedDuration::from_mins(total))
}

/// The first line of words under a section titled `name` (any level, any case), as plain
/// text: `## Severity` then `**Critical**` says `Critical`.
fn section_words(body: &str, name: &str) -> Option<String> {
    let mut lines = body.lines().skip_while(|l| {
        !(l.starts_with('#') && l.trim_start_matches('#').trim().trim_end_matches(':').eq_ignore_ascii_case(name))
    });
    lines.next()?;
    let line = lines.map(str::trim).find(|l| !l.is_empty())?;
    let words = crate::markdown::plain_text(line);
    (!line.starts_with('#') && !words.trim().is_empty()).then(|| words.trim().to_string())
}

/// A line that is only a date (`Monday, Nov. 13, 2017`, `_2024-03-12_`) before the second
/// section: where a document states its day without a key.
fn date_line(text: &str, doc: &Layout, zone: &jiff::tz::TimeZone) -> Option<Date> {
    let from = doc.top.start;
    let end = doc.headings.iter().map(|h| h.span.start).filter(|&s| s > from).nth(1).unwrap_or(text.len());
    text[from..end].lines().find_map(|line| {
        let line = line.trim().trim_matches(['*', '_']).trim();
        let n = crate::ingest::timeline::stamp_length(line)?;
        let (date, at) = read_moment(line, 0, zone)?;
        (n == line.len() && at.is_none() && date.year() > 0).then_some(date)
    })
}

/// A title that starts or ends with a date (`20-10-2025 - Cloud provider outage`,
/// `Outage on 2024-03-12`): the title without it, and the date.
fn dated_title(title: &str, zone: &jiff::tz::TimeZone) -> Option<(String, Date)> {
    let separators: &[char] = &[' ', '-', '–', '—', ':', ',', '|'];
    if let Some(s) = crate::ingest::timeline::stamp_length(title) {
        let (date, _) = read_moment(&title[..s], 0, zone)?;
        let rest = title[s..].trim_start_matches(separators).trim();
        return (date.year() > 0 && !rest.is_empty()).then(|| (rest.to_string(), date));
    }
    let (head, tail) = title.rsplit_once(' ')?;
    let (date, _) = read_moment(tail, 0, zone)?;
    let head = head.trim_end_matches(separators).trim();
    let head = head.strip_suffix(" on").unwrap_or(head).trim();
    (date.year() > 0 && tail.len() >= 8 && !head.is_empty()).then(|| (head.to_string(), date))
}

/// The first paragraph under the section `name`, as plain text, when it is short enough
/// to be a summary.
fn first_paragraph(body: &str, name: &str) -> Option<String> {
    let start = body
        .lines()
        .position(|l| l.trim_start_matches('#').trim().eq_ignore_ascii_case(name) && l.starts_with("## "))?;
    let para: Vec<&str> =
        body.lines().skip(start + 1).skip_while(|l| l.trim().is_empty()).take_while(|l| !l.trim().is_empty()).collect();
    let text = crate::markdown::plain_text(&para.join("\n")).split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty() && text.len() <= 400 && !para.first()?.starts_with(['#', '|', '-', '*'])).then_some(text)
}

fn humanise(stem: &str) -> String {
    let words = stem.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-').replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_else(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_as_teams_write_them() {
        let mut config = Config::default();
        for (written, want) in [
            ("Sev 1", "SEV-1"),
            ("SEV2", "SEV-2"),
            ("P3", "SEV-3"),
            ("critical", "SEV-1"),
            ("Minor", "SEV-4"),
            ("sev-5", "SEV-5"),
        ] {
            assert_eq!(match_severity(written, &config).as_deref(), Some(want), "{written}");
        }
        assert_eq!(match_severity("bad", &config), None);
        assert_eq!(match_severity("9", &config), None);
        // A team's own words win over the defaults, whole or by their first word.
        config.severity_words.insert("High".into(), "SEV-1".into());
        config.severity_words.insert("blocker".into(), "SEV-1".into());
        assert_eq!(match_severity("high", &config).as_deref(), Some("SEV-1"));
        assert_eq!(match_severity("Blocker (all regions)", &config).as_deref(), Some("SEV-1"));
        assert_eq!(match_severity("Major", &config).as_deref(), Some("SEV-2"));
    }

    #[test]
    fn durations_as_teams_write_them() {
        let mins = |s: &str| duration(s).map(|d| d.as_mins());
        assert_eq!(
            (mins("47 minutes"), mins("1h 20m"), mins("2 hours"), mins("1:20")),
            (Some(47), Some(80), Some(120), Some(80))
        );
        assert_eq!(mins("unknown"), None);
    }

    #[test]
    fn metadata_from_tables_and_key_lines() {
        let two_columns = metadata("| Field | Value |\n|---|---|\n| **Date** | 2021-02-04 |\n| Systems | a, b |\n");
        assert_eq!(two_columns, [("date".into(), "2021-02-04".into()), ("services".into(), "a, b".into())]);
        let header = metadata("| Date | Severity | Other |\n|---|---|---|\n| 2020-09-25 | SEV-2 | x |\n");
        assert_eq!(header, [("date".into(), "2020-09-25".into()), ("severity".into(), "SEV-2".into())]);
        let lines = metadata("**Date:** 2021-03-05\n- **Team**: payments\nSeverity: P2\nNot: a key we know\n");
        let keys: Vec<&str> = lines.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["date", "teams", "severity"]);
    }

    #[test]
    fn sections_map_where_the_meaning_is_clear() {
        assert_eq!(section_name("Root cause analysis"), Some("Root Causes"));
        assert_eq!(section_name("Follow-ups:"), Some("Action Items"));
        assert_eq!(section_name("What happened next"), None);
    }

    #[test]
    fn bold_keys_anywhere_and_dates_in_titles() {
        let text =
            "# Outage\n\n## Incident Summary\n**Date:** 2025-03-17  \n- **Severity**: High\n**Duration:** 5 min\n";
        assert_eq!(
            bold_keys(text),
            [
                ("date".into(), "2025-03-17".into()),
                ("severity".into(), "High".into()),
                ("duration".into(), "5 min".into())
            ]
        );
        let utc = jiff::tz::TimeZone::UTC;
        let (rest, date) = dated_title("20-10-2025 - Cloud provider outage", &utc).unwrap();
        assert_eq!((rest.as_str(), date.to_string().as_str()), ("Cloud provider outage", "2025-10-20"));
        let (rest, date) = dated_title("Database outage on 2024-03-12", &utc).unwrap();
        assert_eq!((rest.as_str(), date.to_string().as_str()), ("Database outage", "2024-03-12"));
        assert!(dated_title("Outage in March", &utc).is_none() && dated_title("2024-03-12", &utc).is_none());
        assert!(dated_title("January 2020 - Plex outage", &utc).is_none(), "a month is no day");
    }
}
