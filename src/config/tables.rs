//! The tables and typed values of `site.toml` beside the top-level keys: `[[sources]]`,
//! `[tracker]`, `[[reading_lists]]`, `[public]` and its `hide_fields`, and `ignore`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Spans;
use crate::diagnostics::{self, Diagnostic, Rule};

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

/// `hide_fields`: names of `HideField`s.
fn hide_fields_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = HideField::ALL.iter().map(|f| f.name()).collect();
    schemars::json_schema!({ "type": "array", "items": { "enum": names } })
}

/// `[[sources]]` entries that cannot be read as meant: each names a team of its own, and
/// either a `path` or a `git` repository (`rev` only with `git`), and its postmortems folder
/// lies inside it.
pub(super) fn source_problems(src: &diagnostics::Source, sources: &[SourceRepo], spans: &Spans) -> Vec<Diagnostic> {
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
