//! Existing postmortems in, as teams wrote them: plain Markdown with the title as an H1, the
//! metadata in a table or `**Key:** value` lines at the top (or nowhere), sections under
//! their own names, timelines in any form the build reads. Each file becomes a hindsight
//! postmortem: front matter from what the text says (every guess listed in a comment at
//! the top, with what a person still has to decide), headings renamed to the SRE-book
//! sections where the meaning is clear, the text itself kept whole.

pub mod external;
mod folder;
mod words;

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

pub use folder::{EXTENSIONS, is_postmortem, linked_file, looks_like_a_postmortem, not_a_postmortem, rewrite_links};
use words::*;

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
