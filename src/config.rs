//! `site.toml`: the few settings an archive needs. Unknown keys are errors, because a typo in
//! a setting that silently does nothing is worse than a failed build.

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{self, Diagnostic, Rule, Settings};

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

/// Where each key and value of `site.toml` stands, by its path (`["sources", "0", "git"]`),
/// kept from the one parse of it: a finding about a setting, in `parse` or later (a source
/// that cannot be read), points at it rather than at a guess. Quoted strings are inside
/// their quotes.
#[derive(Clone, Debug, Default)]
pub struct Spans(std::collections::HashMap<Vec<String>, (Range<usize>, Range<usize>)>);

impl Spans {
    fn read(text: &str, table: &toml::de::DeTable) -> Spans {
        fn walk(
            text: &str,
            path: &mut Vec<String>,
            value: &toml::de::DeValue,
            out: &mut std::collections::HashMap<Vec<String>, (Range<usize>, Range<usize>)>,
        ) {
            let mut at = |path: &mut Vec<String>, step: String, key: Range<usize>, value: &toml::Spanned<_>| {
                path.push(step);
                out.insert(path.clone(), (unquoted(text, key), unquoted(text, value.span())));
                walk(text, path, value.get_ref(), out);
                path.pop();
            };
            match value {
                toml::de::DeValue::Table(table) => {
                    for (key, value) in table {
                        at(path, key.get_ref().to_string(), key.span(), value);
                    }
                }
                toml::de::DeValue::Array(items) => {
                    for (i, value) in items.iter().enumerate() {
                        at(path, i.to_string(), value.span(), value);
                    }
                }
                _ => {}
            }
        }
        let mut out = std::collections::HashMap::new();
        walk(text, &mut Vec::new(), &toml::de::DeValue::Table(table.clone()), &mut out);
        Spans(out)
    }

    /// The key of the setting at `path`, as written.
    pub fn key(&self, path: &[&str]) -> Option<Range<usize>> {
        self.get(path).map(|(key, _)| key.clone())
    }

    /// The value of the setting at `path` (an array's element by its index).
    pub fn value(&self, path: &[&str]) -> Option<Range<usize>> {
        self.get(path).map(|(_, value)| value.clone())
    }

    /// `field` of `[[sources]]` entry `i`, or the entry where it has none: where a finding
    /// about a source points.
    pub fn source(&self, i: usize, field: &str) -> Range<usize> {
        let entry = ["sources", &i.to_string()];
        self.value(&[entry[0], entry[1], field]).or_else(|| self.value(&entry)).unwrap_or(0..0)
    }

    /// TOML reports a bad list element (`ignore`, `hide_fields`) at the whole list; when
    /// the message names the value (`` `password` cannot be hidden ``), the value inside
    /// `span` written so.
    fn narrow(&self, text: &str, span: Range<usize>, message: &str) -> Range<usize> {
        let named = message.strip_prefix('`').and_then(|m| m.split_once('`')).map(|(value, _)| value);
        let inside = |(_, value): &&(Range<usize>, Range<usize>)| {
            span.start <= value.start && value.end <= span.end && text.get(value.clone()) == named
        };
        self.0
            .values()
            .filter(|v| named.is_some() && inside(v))
            .map(|(_, value)| value.clone())
            .min_by_key(|v| v.start)
            .unwrap_or(span)
    }

    fn get(&self, path: &[&str]) -> Option<&(Range<usize>, Range<usize>)> {
        self.0.get(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }
}

/// A quoted key or string's span without its quotes, where a finding names the words.
fn unquoted(text: &str, span: Range<usize>) -> Range<usize> {
    let quoted = text.get(span.clone()).filter(|s| s.len() >= 2 && (s.starts_with('"') || s.starts_with('\'')));
    if quoted.is_some() { span.start + 1..span.end - 1 } else { span }
}

/// One `[[sources]]` entry: a team's own postmortem repository, read as part of the archive
/// (under this archive's `site.toml`: its severities, tags and rules), so a large
/// organisation gets one archive without moving every team's files into one repository.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Source")] // as editors have known it
pub struct SourceRepo {
    /// The team whose repository it is: a `teams` term of each of its postmortems, and the
    /// prefix of an id another postmortem already has (`payments-db-outage`).
    pub team: String,
    /// A local checkout, relative to the archive root (or absolute).
    #[serde(default)]
    pub path: Option<String>,
    /// A repository to clone and fetch (a URL, or a path `git` understands) into
    /// `.hindsight-cache/sources/`, with the `git` command and its credentials.
    #[serde(default)]
    pub git: Option<String>,
    /// With `git`: the branch, tag or commit to build [default: the remote's default branch].
    #[serde(default)]
    pub rev: Option<String>,
    /// Where its postmortems are inside it.
    #[serde(default = "default_source_postmortems")]
    pub postmortems: String,
    /// Its repository on the Git host, for "Edit this page" links (default: a `git` URL
    /// that starts with `https://`, without `.git`).
    #[serde(default)]
    pub repository_url: Option<String>,
}

/// Where an archive keeps its postmortems (`ingest::POSTMORTEMS`, which this module, read
/// before `ingest`, cannot name): a team's repository made with `hindsight init` has them
/// there too.
fn default_source_postmortems() -> String {
    "content/postmortems".to_string()
}

impl SourceRepo {
    /// The team's name as it stands in paths and ids.
    pub fn slug(&self) -> String {
        crate::text::slugify(&self.team)
    }

    /// The host's page for the repository, for edit links.
    pub fn repository_url(&self) -> Option<String> {
        self.repository_url.clone().or_else(|| {
            let git = self.git.as_deref()?;
            git.starts_with("https://").then(|| git.trim_end_matches('/').trim_end_matches(".git").to_string())
        })
    }
}

/// `[tracker]`: fields of each entry of the snapshot, dotted for nested ones
/// (`fields.status.name`); empty for none.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Tracker {
    /// Where the list of tickets is (empty: the file is the list).
    pub list: String,
    /// The ticket's address, matched against an action item's `link`.
    pub url: String,
    /// The ticket's key (`OPS-7`), matched against the end of a `link`.
    pub key: String,
    pub state: String,
    /// The states that mean closed; any other is open.
    pub closed: Vec<String>,
}

impl Default for Tracker {
    fn default() -> Self {
        // `gh issue list --json number,state,url,title,closedAt`.
        Tracker {
            list: String::new(),
            url: "url".into(),
            key: String::new(),
            state: "state".into(),
            closed: vec!["CLOSED".into()],
        }
    }
}

/// One `[[reading_lists]]` entry: postmortems (internal or external) in the order to read
/// them. Ids keep their place in `site.toml`, so an unknown one is reported there.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadingList {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub ids: Vec<String>,
}

impl ReadingList {
    pub fn slug(&self) -> String {
        crate::text::slugify(&self.name)
    }
}

/// What a public build (`--public`) leaves out besides internal postmortems and spans.
#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Public {
    /// Front matter fields left out of every public page.
    #[schemars(schema_with = "hide_fields_schema")]
    pub hide_fields: Vec<HideField>,
}

/// A field `[public] hide_fields` may name. An unknown name is a config error at its
/// position, not a setting that silently hides nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum HideField {
    Authors,
    Responders,
    IncidentCommander,
    Scribe,
    Teams,
    ExternalUrl,
    /// Customer numbers a company may not publish.
    Affected,
    ActionItemOwner,
    ActionItemLink,
    HistoryAuthors,
    /// "Edit this page": the internal repository's address and branch.
    EditLink,
}

impl HideField {
    const ALL: [HideField; 11] = [
        HideField::Authors,
        HideField::Responders,
        HideField::IncidentCommander,
        HideField::Scribe,
        HideField::Teams,
        HideField::ExternalUrl,
        HideField::Affected,
        HideField::ActionItemOwner,
        HideField::ActionItemLink,
        HideField::HistoryAuthors,
        HideField::EditLink,
    ];

    /// The name `site.toml` uses: `action_items.owner`.
    pub fn name(self) -> &'static str {
        match self {
            HideField::Authors => "authors",
            HideField::Responders => "responders",
            HideField::IncidentCommander => "incident_commander",
            HideField::Scribe => "scribe",
            HideField::Teams => "teams",
            HideField::ExternalUrl => "external_url",
            HideField::Affected => "affected",
            HideField::ActionItemOwner => "action_items.owner",
            HideField::ActionItemLink => "action_items.link",
            HideField::HistoryAuthors => "history.authors",
            HideField::EditLink => "edit_link",
        }
    }
}

impl TryFrom<String> for HideField {
    type Error = String;
    fn try_from(name: String) -> Result<Self, String> {
        HideField::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = HideField::ALL.iter().map(|f| f.name()).collect();
            format!("`{name}` cannot be hidden; hide_fields takes {}", names.join(", "))
        })
    }
}

impl From<HideField> for &'static str {
    fn from(field: HideField) -> Self {
        field.name()
    }
}

/// `ignore = [...]`, compiled once; a bad glob is a config error at its value.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Ignore {
    patterns: Vec<String>,
    set: globset::GlobSet,
}

impl Ignore {
    /// Whether a Markdown file (path from the root) is not a postmortem: a folder's
    /// `README.md`, a `template.md`, a `_partial.md`, or a match of the site's globs.
    pub fn skips(&self, rel: &Path) -> bool {
        let name = rel.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        name == "readme.md" || name == "template.md" || name.starts_with('_') || self.set.is_match(rel)
    }
}

impl TryFrom<Vec<String>> for Ignore {
    type Error = String;
    fn try_from(patterns: Vec<String>) -> Result<Self, String> {
        let mut set = globset::GlobSetBuilder::new();
        for p in &patterns {
            set.add(globset::Glob::new(p).map_err(|e| format!("`{p}` is not a glob: {}", e.kind()))?);
        }
        let set = set.build().map_err(|e| e.to_string())?;
        Ok(Ignore { patterns, set })
    }
}

impl From<Ignore> for Vec<String> {
    fn from(ignore: Ignore) -> Self {
        ignore.patterns
    }
}

impl Default for Public {
    fn default() -> Self {
        use HideField::*;
        Public {
            hide_fields: vec![
                Responders,
                IncidentCommander,
                Scribe,
                ActionItemOwner,
                ActionItemLink,
                HistoryAuthors,
                EditLink,
            ],
        }
    }
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

/// `hide_fields`: names of `HideField`s.
fn hide_fields_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = HideField::ALL.iter().map(|f| f.name()).collect();
    schemars::json_schema!({ "type": "array", "items": { "enum": names } })
}

/// `[[sources]]` entries that cannot be read as meant: each names a team of its own, and
/// either a `path` or a `git` repository (`rev` only with `git`), and its postmortems folder
/// lies inside it.
fn source_problems(src: &diagnostics::Source, sources: &[SourceRepo], spans: &Spans) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let at = spans.source(i, "team");
        let mut problem = |message: String, hint: &str| {
            errors.push(src.diagnostic(Rule::Config, at.clone(), message).with_hint(hint));
        };
        let team = &source.team;
        if team.trim().is_empty() || sources[..i].iter().any(|s| s.slug() == source.slug()) {
            problem(format!("source team `{team}` is empty or taken"), "give each `[[sources]]` a `team` of its own");
        }
        match (&source.path, &source.git) {
            (Some(_), Some(_)) | (None, None) => problem(
                format!("source `{team}` needs either `path` or `git`"),
                "`path = \"../payments-postmortems\"` for a checkout beside the archive, or `git = \"https://...\"` with an optional `rev`",
            ),
            (Some(_), None) if source.rev.is_some() => problem(
                format!("source `{team}` has a `rev` but no `git`"),
                "a `path` source is read as its working tree is; check out the revision there, or use `git`",
            ),
            _ => {}
        }
        let folder = Path::new(&source.postmortems);
        if folder.is_absolute() || folder.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            problem(
                format!("source `{team}`: `postmortems = \"{}\"` leaves the source", source.postmortems),
                "name a folder inside the source, such as \"content/postmortems\" or \"docs/postmortems\"",
            );
        }
    }
    errors
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
