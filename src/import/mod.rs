//! Existing postmortems in, as teams wrote them: plain Markdown with the title as an H1, the
//! metadata in a table or `**Key:** value` lines at the top (or nowhere), sections under
//! their own names, timelines in any form the build reads. Each file becomes a hindsight
//! postmortem: front matter from what the text says (every guess listed in a comment at
//! the top, with what a person still has to decide), headings renamed to the SRE-book
//! sections where the meaning is clear, the text itself kept whole.

mod convert;
pub mod external;
mod folder;
mod words;

use std::ops::Range;
use std::path::PathBuf;

use serde_yaml_ng::{Mapping, Value};

use crate::config::Config;
use crate::ingest::front_matter::split;
use crate::markdown::{Heading, Outline};

pub use convert::convert;
pub use folder::{EXTENSIONS, is_postmortem, linked_file, looks_like_a_postmortem, not_a_postmortem, rewrite_links};

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
    use super::words::*;
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
