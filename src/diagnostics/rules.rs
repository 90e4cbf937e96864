//! Every kind of finding has a stable id, a default level and a one-line description; the
//! README's rule table is this list. A site can switch switchable rules off or change their
//! level in `site.toml` (`[rules] vague-claim = "off"`); fixed rules guard what the archive
//! cannot be built without.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Diagnostic, Level};

/// A kind of finding. The variant is what code names; `id()` is what users see, type in
/// `site.toml` and look up in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    Io,
    Encoding,
    Config,
    Template,
    FrontMatter,
    Required,
    InvalidValue,
    UnknownSeverity,
    DuplicateId,
    SourceId,
    InternalMarker,
    UnknownKey,
    UnknownTag,
    UnknownFactorKind,
    UnknownRelated,
    TimestampOrder,
    TimelineTime,
    TimelineOrder,
    TimelineEntry,
    TimelineAmbiguous,
    TimelineZone,
    TimelineRange,
    MissingSection,
    EmptySection,
    ActionItemOwner,
    ActionItemDue,
    OverdueActionItem,
    ReviewDeadline,
    BrokenLink,
    VagueClaim,
    Blame,
    MissingFactors,
    Counterfactual,
    TicketMismatch,
}

impl Rule {
    /// Whether `build` and `serve` apply the rule. The registry lists theirs first, to
    /// `timeline-zone`; the rest (sections, action items, deadlines, links, writing) are
    /// `check`'s alone. Both commands' summaries count them, so "no warnings" says of what.
    pub fn in_build(self) -> bool {
        let place = |rule| Rule::ALL.iter().position(|r| *r == rule);
        place(self) <= place(Rule::TimelineZone)
    }
}

macro_rules! rules {
    ($($name:ident $id:literal $level:ident $switchable:literal $summary:literal;)*) => {
        impl Rule {
            /// Every rule, in the order the README documents them.
            pub const ALL: &[Rule] = &[$(Rule::$name),*];

            /// The stable id: `vague-claim`.
            pub fn id(self) -> &'static str {
                match self { $(Rule::$name => $id),* }
            }

            /// The level a finding has unless `site.toml` changes it.
            pub fn level(self) -> Level {
                match self { $(Rule::$name => Level::$level),* }
            }

            /// Whether `site.toml` may change its level or switch it off.
            pub fn switchable(self) -> bool {
                match self { $(Rule::$name => $switchable),* }
            }

            /// One line for the README's rule table.
            pub fn summary(self) -> &'static str {
                match self { $(Rule::$name => $summary),* }
            }
        }
    };
}

rules! {
    Io "io" Error false "a file or folder cannot be read, or the output cannot be written";
    Encoding "encoding" Error false "a file is not valid UTF-8";
    Config "config" Error false "site.toml has an unknown key or a bad value";
    Template "template" Error false "a theme template does not parse or fails to render";
    FrontMatter "front-matter" Error false "front matter is missing, unclosed, not valid YAML/TOML, or a value has the wrong type";
    Required "required" Error false "a required key is missing (title, date, severity, services; action item title; external url)";
    InvalidValue "invalid-value" Error false "a date, date-time, URL or id is malformed";
    UnknownSeverity "unknown-severity" Error false "severity is not one of site.toml `severities`";
    DuplicateId "duplicate-id" Error false "two postmortems have the same id";
    SourceId "source-id" Warning true "a `[[sources]]` postmortem has an id a postmortem of another repository has, so its page takes the team's name as a prefix";
    InternalMarker "internal-marker" Error false "an `<!-- internal -->` span is unclosed, nested or closed without being opened, or a marker is misspelt";
    UnknownKey "unknown-key" Warning true "a front matter key outside the schema (kept as `extra`)";
    UnknownTag "unknown-tag" Error true "a tag outside site.toml `tags`, when that vocabulary is set";
    UnknownFactorKind "unknown-factor-kind" Error true "a contributing factor's `kind` outside site.toml `factor_kinds`";
    UnknownRelated "unknown-related" Error true "`related` names an id no postmortem has";
    TimestampOrder "timestamp-order" Error true "started_at <= detected_at <= mitigated_at <= resolved_at does not hold";
    TimelineTime "timeline-time" Error true "a timeline entry's date or time is impossible (25:99, 2024-02-30)";
    TimelineOrder "timeline-order" Error true "a timeline entry is earlier than the one before it";
    TimelineEntry "timeline-entry" Warning true "a timeline list item does not start with a date or time";
    TimelineAmbiguous "timeline-ambiguous" Warning true "a timeline date like 03/04/2021 reads two ways";
    TimelineZone "timeline-zone" Warning true "a timeline entry names a time zone other than the section's";
    TimelineRange "timeline-range" Warning true "a timeline entry lies more than a day outside started_at..resolved_at";
    MissingSection "missing-section" Warning true "a recommended section (site.toml `recommended_sections`) is missing";
    EmptySection "empty-section" Warning true "a section has a heading but no content (in a draft, one finding names them all: the template still to fill in)";
    ActionItemOwner "action-item-owner" Warning true "an action item has no owner";
    ActionItemDue "action-item-due" Warning true "an action item has no due date";
    OverdueActionItem "overdue-action-item" Warning true "an open action item's due date has passed";
    ReviewDeadline "review-deadline" Warning true "a SEV-1 still draft 3 days after resolution, or a SEV-2 5 business days after";
    BrokenLink "broken-link" Error true "a link to a postmortem, file or anchor of this archive that does not exist";
    VagueClaim "vague-claim" Warning true "a vague claim with no number in the sentence (\"latency increased\")";
    Blame "blame" Warning true "blaming language: a person's name next to \"caused\", \"failed to\", \"forgot\"; \"human error\" as a cause";
    MissingFactors "missing-factors" Warning true "a reviewed or closed postmortem of the two worst severities names no `contributing_factors`";
    TicketMismatch "ticket-mismatch" Warning true "an action item's status disagrees with its ticket's in `tracker_snapshot` (item todo, ticket closed)";
    Counterfactual "counterfactual" Warning true "counterfactual language in Lessons Learned (\"should have\", \"could have prevented\")";
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
            match Rule::find(id) {
                None => {
                    let hint = crate::text::closest(id, Rule::ALL.iter().map(|r| r.id()))
                        .map(|near| format!("did you mean `{near}`?"));
                    out.push((id.clone(), format!("unknown rule `{id}`"), hint));
                }
                Some(rule) if !rule.switchable() => {
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

    /// Applies the site's settings to findings: re-levels them, and drops those of rules
    /// switched off. Every finding passes through here once, in the workspace, before
    /// anything decides whether a file is valid.
    /// Unless `strict` (`check`), a finding about a file's body is at most a warning
    /// (`Rule::about_a_body`).
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>, strict: bool) {
        if !self.0.is_empty() {
            diagnostics.retain_mut(|d| self.adjust(d));
        }
        if !strict {
            for d in diagnostics.iter_mut().filter(|d| d.rule.about_a_body()) {
                d.level = Level::Warning;
            }
        }
    }

    fn adjust(&self, d: &mut Diagnostic) -> bool {
        match self.0.get(d.rule.id()) {
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

impl Rule {
    /// Whether the rule is about what one file's body says, where an old file may say
    /// anything: a build (or a preview) shows the text as written and reports the finding
    /// as a warning, so that no file's body ever stops the archive; `check` holds the files
    /// it checks to it at its level. The rules about front matter, ids and internal spans
    /// stop a build: the pages and the public boundary are made from them.
    pub fn about_a_body(self) -> bool {
        matches!(self, Rule::TimelineTime | Rule::TimelineOrder)
    }

    /// The rule with this id, as `site.toml` names it.
    pub fn find(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut ids: Vec<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
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
