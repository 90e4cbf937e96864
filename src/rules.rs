//! Every kind of finding has a stable id, a default level and a one-line description; the
//! README's rule table is this list. A site can switch switchable rules off or change their
//! level in `site.toml` (`[rules] vague-claim = "off"`); fixed rules guard what the archive
//! cannot be built without.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Level};

#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub level: Level,
    /// Whether `site.toml` may change its level or switch it off.
    pub switchable: bool,
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident $id:literal $level:ident $switchable:literal $summary:literal;)*) => {
        $(pub const $name: &Rule = &Rule { id: $id, level: Level::$level, switchable: $switchable, summary: $summary };)*
        /// Every rule, in the order the README documents them.
        pub const ALL: &[&Rule] = &[$($name),*];
    };
}

rules! {
    IO "io" Error false "a file or folder cannot be read, or the output cannot be written";
    ENCODING "encoding" Error false "a file is not valid UTF-8";
    CONFIG "config" Error false "site.toml has an unknown key or a bad value";
    TEMPLATE "template" Error false "a theme template does not parse or fails to render";
    FRONT_MATTER "front-matter" Error false "front matter is missing, unclosed, not valid YAML/TOML, or a value has the wrong type";
    REQUIRED "required" Error false "a required key is missing (title, date, severity, services; action item title; external url)";
    INVALID_VALUE "invalid-value" Error false "a date, date-time, URL or id is malformed";
    UNKNOWN_SEVERITY "unknown-severity" Error false "severity is not one of site.toml `severities`";
    DUPLICATE_ID "duplicate-id" Error false "two postmortems have the same id";
    INTERNAL_MARKER "internal-marker" Error false "an `<!-- internal -->` span is unclosed, nested, or closed without being opened";
    UNKNOWN_KEY "unknown-key" Warning true "a front matter key outside the schema (kept as `extra`)";
    UNKNOWN_TAG "unknown-tag" Error true "a tag outside site.toml `tags`, when that vocabulary is set";
    UNKNOWN_RELATED "unknown-related" Error true "`related` names an id no postmortem has";
    TIMESTAMP_ORDER "timestamp-order" Error true "started_at <= detected_at <= mitigated_at <= resolved_at does not hold";
    TIMELINE_TIME "timeline-time" Error true "a timeline entry's date or time is impossible (25:99, 2024-02-30)";
    TIMELINE_ORDER "timeline-order" Error true "a timeline entry is earlier than the one before it";
    TIMELINE_ENTRY "timeline-entry" Warning true "a timeline item does not start with a time";
    TIMELINE_ZONE "timeline-zone" Warning true "a timeline entry names a time zone other than the section's";
    TIMELINE_RANGE "timeline-range" Warning true "a timeline entry lies more than a day outside started_at..resolved_at";
    MISSING_SECTION "missing-section" Warning true "a recommended section (site.toml `recommended_sections`) is missing";
    EMPTY_SECTION "empty-section" Warning true "a section has a heading but no content";
    ACTION_ITEM_OWNER "action-item-owner" Warning true "an action item has no owner";
    ACTION_ITEM_DUE "action-item-due" Warning true "an action item has no due date";
    OVERDUE_ACTION_ITEM "overdue-action-item" Warning true "an open action item's due date has passed";
    REVIEW_DEADLINE "review-deadline" Warning true "a SEV-1 still draft 3 days after resolution, or a SEV-2 5 business days after";
    BROKEN_LINK "broken-link" Error true "a link to a postmortem, file or anchor of this archive that does not exist";
    VAGUE_CLAIM "vague-claim" Warning true "a vague claim with no number in the sentence (\"latency increased\")";
    BLAME "blame" Warning true "blaming language: a person's name next to \"caused\", \"failed to\", \"forgot\"; \"human error\" as a cause";
}

/// What `site.toml` may set a rule to.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Off,
    Warning,
    Error,
}

/// The `[rules]` table of `site.toml`, validated against the registry.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Settings(pub BTreeMap<String, Setting>);

impl Settings {
    /// Problems with the table itself: unknown rule ids and fixed rules.
    pub fn problems(&self) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        for id in self.0.keys() {
            match find(id) {
                None => {
                    let hint = crate::load::closest(id, ALL.iter().map(|r| r.id))
                        .map(|near| format!("did you mean `{near}`?"));
                    out.push((id.clone(), format!("unknown rule `{id}`"), hint));
                }
                Some(rule) if !rule.switchable => {
                    out.push((
                        id.clone(),
                        format!("rule `{id}` cannot be changed"),
                        Some("it guards what the archive cannot be built without".into()),
                    ));
                }
                Some(_) => {}
            }
        }
        out
    }

    /// Applies the site's setting to a finding; `false` means the rule is off and the finding dropped.
    pub fn adjust(&self, d: &mut Diagnostic) -> bool {
        match self.0.get(d.rule) {
            Some(Setting::Off) => false,
            Some(Setting::Warning) => {
                d.level = Level::Warning;
                true
            }
            Some(Setting::Error) => {
                d.level = Level::Error;
                true
            }
            None => true,
        }
    }
}

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut ids: Vec<_> = ALL.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }

    #[test]
    fn settings_reject_unknown_and_fixed_rules() {
        let s: Settings =
            toml::from_str("vague-clam = \"off\"\nduplicate-id = \"warning\"\nblame = \"error\"\n").unwrap();
        let problems = s.problems();
        assert_eq!(problems.len(), 2);
        assert!(problems[1].1.contains("unknown rule `vague-clam`"));
        assert_eq!(problems[1].2.as_deref(), Some("did you mean `vague-claim`?"));
        assert!(problems[0].1.contains("cannot be changed"));
    }
}
