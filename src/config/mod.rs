//! `site.toml`: the few settings an archive needs. Unknown keys are errors, because a typo in
//! a setting that silently does nothing is worse than a failed build. The top-level keys
//! and the one parse are here; the tables in `tables.rs`; where each value stands in
//! `spans.rs`.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{self, Diagnostic, Rule, Settings};

mod spans;
mod tables;

pub use spans::Spans;
pub use tables::*;

/// Whether a postmortem may appear in a public build.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Visibility {
    #[default]
    Internal,
    Public,
}

/// Which number comes first in a numeric date like `03/04/2021`, for the timelines whose own
/// dates do not decide it (none has a number above 12 where the other order needs it).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// The archive's settings, with the defaults an archive without a `site.toml` gets.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[schemars(title = "hindsight site.toml")]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub title: String,
    /// Who the incidents happened to, as the VOID export names it (default: `title`).
    pub organisation: Option<String>,
    /// Absolute URL the archive is published under; used for feeds and canonical links.
    pub base_url: String,
    pub description: String,
    /// Ordered from worst to mildest; the order drives sorting and colours.
    pub severities: Vec<String>,
    /// What each severity means, shown on the severities page: `SEV-1 = "Core service down"`.
    /// The default severities have default meanings.
    pub severity_descriptions: std::collections::BTreeMap<String, String>,
    /// What the words teams write for a severity mean (`Critical = "SEV-1"`), for `import`.
    /// Unset words keep their default: critical, major or high, medium or moderate, minor or
    /// low are the first four severities.
    pub severity_words: std::collections::BTreeMap<String, String>,
    /// When set, postmortems may only use these tags, so root causes stay comparable.
    pub tags: Option<Vec<String>>,
    /// The kinds a contributing factor may have (`kind: change`), in the order the factors
    /// page lists them: a small shared vocabulary is what makes factors comparable across
    /// incidents, where free-form tags drift.
    pub factor_kinds: Vec<String>,
    pub default_visibility: Visibility,
    pub recommended_sections: Vec<String>,
    pub repository_url: Option<String>,
    /// IANA time zone used to display timestamps (they are stored with their own offset).
    pub timezone: String,
    /// Section titles that hold a timeline, besides `Timeline`, `Timeline of events`,
    /// `Incident timeline` and `Chronology`.
    pub timeline_headings: Vec<String>,
    /// How timeline dates like `03/04/2021` read when a file's own dates leave it open;
    /// unset, they read month first and `timeline-ambiguous` names both readings.
    pub date_order: Option<DateOrder>,
    /// Files under `content/` that are not postmortems, besides `README.md`, `template.md`
    /// and `_*.md`: globs against the path from the archive root.
    #[schemars(with = "Vec<String>")]
    pub ignore: Ignore,
    /// Per-rule overrides: `off`, `warning` or `error`.
    #[schemars(schema_with = "rules_schema")]
    pub rules: Settings,
    /// Raw HTML in bodies reaches internal pages unsanitized (script included): for archives
    /// whose authors are all trusted. Public builds sanitize whatever this says.
    pub unsafe_html: bool,
    /// Entries on one page of a listing (a term's postmortems, action items): a page of a
    /// large archive stays quick to load and to read on a phone.
    #[serde(deserialize_with = "at_least_one")]
    #[schemars(with = "std::num::NonZeroU32")]
    pub per_page: std::num::NonZeroUsize,
    pub public: Public,
    /// Curated paths through the archive ("Onboarding", "Our worst database incidents"),
    /// each a page at `/reading/<slug>/`.
    pub reading_lists: Vec<ReadingList>,
    /// A JSON export of the tracker's tickets (from the archive root), read at build time:
    /// each action item's ticket state is shown beside its own.
    pub tracker_snapshot: Option<String>,
    /// Where the snapshot keeps what it says, for exports other than `gh issue list`'s.
    pub tracker: Tracker,
    /// Other teams' postmortem repositories, built into this archive beside its own.
    pub sources: Vec<SourceRepo>,
    /// Where each setting stands in the text, for findings about it.
    #[serde(skip)]
    #[schemars(skip)]
    pub spans: Spans,
}
impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Postmortems".into(),
            organisation: None,
            base_url: "/".into(),
            description: String::new(),
            severities: (1..=5).map(|n| format!("SEV-{n}")).collect(),
            severity_descriptions: Default::default(),
            severity_words: Default::default(),
            tags: None,
            factor_kinds: DEFAULT_FACTOR_KINDS.map(String::from).to_vec(),
            default_visibility: Visibility::Internal,
            recommended_sections: [
                "Summary",
                "Impact",
                "Root Causes",
                "Trigger",
                "Resolution",
                "Detection",
                "Action Items",
                "Lessons Learned",
                "Timeline",
                "Supporting Information",
            ]
            .map(String::from)
            .to_vec(),
            repository_url: None,
            timezone: "UTC".into(),
            timeline_headings: Vec::new(),
            date_order: None,
            ignore: Ignore::default(),
            rules: Settings::default(),
            unsafe_html: false,
            per_page: std::num::NonZeroUsize::new(100).expect("100 is not zero"),
            public: Public::default(),
            reading_lists: Vec::new(),
            tracker_snapshot: None,
            tracker: Tracker::default(),
            sources: Vec::new(),
            spans: Spans::default(),
        }
    }
}

impl Config {
    /// The JSON Schema of `site.toml` (draft-07, which TOML language servers read): every
    /// key with its description, no other key, as `parse` takes them.
    pub fn json_schema() -> serde_json::Value {
        let generator = schemars::generate::SchemaSettings::draft07().into_generator();
        generator.into_root_schema_for::<Config>().to_value()
    }

    /// The severity `given` names, as `site.toml` spells it (any case is accepted), or a
    /// message that lists the known ones and the nearest.
    pub fn severity(&self, given: &str) -> Result<&str, String> {
        if let Some(known) = self.severities.iter().find(|s| s.eq_ignore_ascii_case(given)) {
            return Ok(known);
        }
        let near = crate::text::closest(given, self.severities.iter().map(String::as_str));
        let hint = near.map(|n| format!(" (did you mean {n}?)")).unwrap_or_default();
        Err(format!("unknown severity `{given}`{hint}: use one of {}", self.severities.join(", ")))
    }

    /// The postmortems folders of `[[sources]]` checkouts (`path`), relative to the archive
    /// root or absolute: the archive's files that live outside it, which a cheap check of
    /// whether anything changed (`search`'s index) must look at too.
    pub fn checkout_folders(&self) -> Vec<std::path::PathBuf> {
        self.sources.iter().filter_map(|s| Some(Path::new(s.path.as_ref()?).join(&s.postmortems))).collect()
    }

    /// Reads `site.toml` under `root` (a missing file means all defaults), with its text:
    /// the one read of it, whose text later findings point into and caches are stamped with.
    pub fn load(root: &Path) -> Result<(Config, String), Vec<Diagnostic>> {
        let path = root.join("site.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Config::default(), String::new())),
            Err(e) => {
                return Err(vec![Diagnostic::file(Rule::Io, Path::new("site.toml"), format!("cannot read: {e}"))]);
            }
        };
        Self::parse(&text).map(|config| (config, text))
    }

    /// Parses and validates the text of a `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let src = diagnostics::Source::new(Path::new("site.toml"), text);
        let unreadable = |e: toml::de::Error, spans: &Spans| {
            let span = spans.narrow(text, e.span().unwrap_or(0..0), e.message());
            vec![
                src.diagnostic(Rule::Config, span, e.message().to_string())
                    .with_hint("see the `site.toml` section of the README for the accepted keys"),
            ]
        };
        let table = toml::de::DeTable::parse(text).map_err(|e| unreadable(e, &Spans::default()))?;
        let spans = Spans::read(text, table.get_ref());
        let mut config = Config::deserialize(toml::de::Deserializer::from(table)).map_err(|e| unreadable(e, &spans))?;
        let at =
            |span: Option<Range<usize>>, message: String| src.diagnostic(Rule::Config, span.unwrap_or(0..0), message);
        let mut errors = Vec::new();
        if config.severities.is_empty() {
            errors.push(
                at(spans.key(&["severities"]), "`severities` is empty".into())
                    .with_hint("list at least one, worst first: severities = [\"SEV-1\", \"SEV-2\"]"),
            );
        }
        if jiff::tz::TimeZone::get(&config.timezone).is_err() {
            errors.push(
                at(spans.key(&["timezone"]), format!("unknown time zone `{}`", config.timezone))
                    .with_hint("use an IANA name such as \"UTC\" or \"Europe/Berlin\""),
            );
        }
        let table = "severity_descriptions";
        let described = config.severity_descriptions.keys().map(|k| (k, spans.key(&[table, k]), "describe"));
        let table = "severity_words";
        let meant = config.severity_words.iter().map(|(w, v)| (v, spans.value(&[table, w]), "map the word to"));
        for (name, span, verb) in described.chain(meant) {
            if !config.severities.contains(name) {
                errors.push(
                    at(span, format!("`{name}` is not one of `severities`"))
                        .with_hint(format!("{verb} one of {}", config.severities.join(", "))),
                );
            }
        }
        for (i, kind) in config.factor_kinds.iter().enumerate() {
            let slug = crate::text::slugify(kind);
            if slug == RECURRING
                || kind.trim().is_empty()
                || config.factor_kinds.iter().filter(|k| crate::text::slugify(k) == slug).count() > 1
            {
                errors.push(
                    at(spans.value(&["factor_kinds", &i.to_string()]), format!("`{kind}` cannot be a factor kind"))
                        .with_hint(format!("name each kind once, not empty and not `{RECURRING}` (the page of recurring factors has that name)")),
                );
            }
        }
        for (i, list) in config.reading_lists.iter().enumerate() {
            let taken = config.reading_lists[..i].iter().any(|l| l.slug() == list.slug());
            if list.name.trim().is_empty() || taken {
                errors.push(
                    at(
                        spans.value(&["reading_lists", &i.to_string(), "name"]),
                        format!("reading list name `{}` is empty or taken", list.name),
                    )
                    .with_hint("give each `[[reading_lists]]` its own `name`; it names the list's page"),
                );
            }
        }
        errors.extend(source_problems(&src, &config.sources, &spans));
        for (id, message, hint) in config.rules.problems() {
            let mut d = at(spans.key(&["rules", &id]), message);
            if let Some(hint) = hint {
                d = d.with_hint(hint);
            }
            errors.push(d);
        }
        config.spans = spans;
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }

    /// The display time zone; validated in `parse`, so this cannot fail for a loaded config.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// What a severity means: as `severity_descriptions` says, or for the default severities
    /// their default meaning.
    pub fn severity_description(&self, severity: &str) -> Option<&str> {
        if let Some(text) = self.severity_descriptions.get(severity) {
            return Some(text);
        }
        let defaults = Config::default().severities;
        let at = defaults.iter().position(|s| s == severity).filter(|_| self.severities == defaults)?;
        DEFAULT_SEVERITY_MEANINGS.get(at).copied()
    }

    /// Rank of a severity (0 is worst); unknown severities sort last.
    pub fn severity_rank(&self, severity: &str) -> usize {
        self.severities.iter().position(|s| s == severity).unwrap_or(usize::MAX)
    }
}

/// `[rules]`: each rule `site.toml` may change, to `off`, `warning` or `error`; no other key.
fn rules_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let setting = serde_json::json!({ "enum": ["off", "warning", "error"] });
    let rules: serde_json::Map<String, serde_json::Value> = Rule::ALL
        .iter()
        .filter(|r| r.switchable())
        .map(|r| (r.id().to_string(), serde_json::json!({ "description": r.summary(), "enum": setting["enum"] })))
        .collect();
    schemars::json_schema!({ "type": "object", "properties": rules, "additionalProperties": false })
}
fn at_least_one<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::num::NonZeroUsize, D::Error> {
    let n = i64::deserialize(d)?;
    usize::try_from(n).ok().and_then(std::num::NonZeroUsize::new).ok_or_else(|| {
        serde::de::Error::custom(format!("`per_page = {n}`: a page holds at least one entry; the default is 100"))
    })
}

/// Contributing factor kinds an archive starts with: the kinds learning-from-incidents
/// reviews most often name.
pub const DEFAULT_FACTOR_KINDS: [&str; 6] =
    ["change", "capacity", "dependency", "detection-gap", "process", "knowledge"];

/// The page of the factors shared by several postmortems sits beside the kinds' pages
/// (`factors/recurring/`), so no kind may take its name.
pub const RECURRING: &str = "recurring";

/// What SEV-1 to SEV-5 mean when an archive keeps the default severities.
const DEFAULT_SEVERITY_MEANINGS: [&str; 5] = [
    "Critical: a core service down or data lost for many customers.",
    "Major: a core feature broken for many customers, or down for some.",
    "Minor: a feature degraded for some customers; a workaround exists.",
    "Low: little or no customer impact; internal tools or redundancy affected.",
    "Cosmetic, or a near miss worth learning from: no customer impact.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_reported_at_its_line_and_column() {
        let errs = Config::parse("title = \"x\"\n  sevrities = []\n").unwrap_err();
        assert_eq!((errs[0].line, errs[0].col), (2, 3), "{}", errs[0]);
        assert!(errs[0].message.contains("sevrities"), "{}", errs[0]);
    }

    #[test]
    fn defaults_fill_what_is_missing() {
        let c = Config::parse("title = \"Acme\"\n").unwrap();
        assert_eq!(c.severities.len(), 5);
        assert_eq!(c.severity_rank("SEV-1"), 0);
        assert_eq!(c.severity_rank("SEV-9"), usize::MAX);
    }

    #[test]
    fn ignore_skips_readmes_templates_partials_and_the_sites_globs() {
        let c = Config::parse("ignore = [\"content/postmortems/old/**\", \"**/*.tmpl.md\"]\n").unwrap();
        for skipped in ["a/README.md", "a/Template.md", "a/_draft.md", "content/postmortems/old/x.md", "b/y.tmpl.md"] {
            assert!(c.ignore.skips(Path::new(skipped)), "{skipped}");
        }
        assert!(!c.ignore.skips(Path::new("content/postmortems/2024-01-01-x.md")));
        let errs = Config::parse("title = \"x\"\nignore = [\"ok/*\", \"a[\"]\n").unwrap_err();
        assert_eq!((errs[0].line, errs[0].col), (2, 20), "{}", errs[0]);
        assert!(errs[0].message.contains("not a glob"), "{}", errs[0]);
    }

    #[test]
    fn factor_kinds_are_named_once_and_leave_recurring_free() {
        assert_eq!(Config::default().factor_kinds.len(), 6);
        let c = Config::parse("factor_kinds = [\"change\", \"vendor\"]\n").unwrap();
        assert_eq!(c.factor_kinds, ["change", "vendor"]);
        let errs =
            Config::parse("title = \"x\"\nfactor_kinds = [\"change\", \"Recurring\", \"Change\"]\n").unwrap_err();
        let at: Vec<(u32, u32)> = errs.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(at, [(2, 18), (2, 28), (2, 41)], "{errs:?}");
        assert!(errs[1].hint.as_deref().unwrap_or("").contains("recurring"), "{:?}", errs[1]);
    }

    #[test]
    fn findings_point_at_the_setting_even_where_its_words_stand_earlier() {
        let text = "title = \"SEV-9, a and no-such-rule\"\n\
                    # severity_words and severity_descriptions name SEV-9 below\n\
                    [severity_descriptions]\n\
                    \"SEV-9\" = \"x\"\n\
                    [severity_words]\n\
                    Critical = \"SEV-9\"\n\
                    [rules]\n\
                    no-such-rule = \"off\"\n\
                    [[sources]]\n\
                    team = \"a\"\n\
                    [[sources]]\n\
                    team = \"a\"\n\
                    path = \"x\"\n";
        let errs = Config::parse(text).unwrap_err();
        let mut at: Vec<(u32, u32, &str)> =
            errs.iter().map(|e| (e.line, e.col, e.message.split(' ').next().unwrap_or(""))).collect();
        at.sort();
        assert_eq!(
            at,
            [(4, 2, "`SEV-9`"), (6, 13, "`SEV-9`"), (8, 1, "unknown"), (10, 9, "source"), (12, 9, "source")],
            "{errs:?}"
        );
    }

    #[test]
    fn bad_time_zone_is_an_error() {
        let errs = Config::parse("timezone = \"Mars/Olympus\"\n").unwrap_err();
        assert_eq!(errs[0].line, 1);
        assert!(errs[0].message.contains("Mars/Olympus"));
    }
}
