//! Stage 2: the archive as pages see it: postmortems newest first, every taxonomy with its
//! terms, durations computed once. Everything here is already valid: `ingest` made sure.
//! Nothing here reads files or knows about pages.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use jiff::tz::TimeZone;
use std::ops::Range;

use crate::config::{Config, HideField, Visibility};
use crate::text::slugify;
use rayon::prelude::*;

pub mod diff;
pub mod digest;
pub mod insights;
pub mod similar;

/// The word front matter gives for a date or severity nobody knows (`date: unknown`):
/// never a real value, counted apart everywhere.
pub const UNKNOWN: &str = "unknown";

pub fn is_unknown(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case(UNKNOWN)
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Postmortem {
    pub id: String,
    pub title: String,
    /// The day the incident began; `None` when the postmortem says `date: unknown`.
    pub date: Option<Date>,
    /// One of the site's severities; `None` when the postmortem says `severity: unknown`.
    pub severity: Option<String>,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub status: Status,
    pub visibility: Visibility,
    pub summary: Option<String>,
    pub authors: Vec<String>,
    pub responders: Vec<String>,
    pub incident_commander: Option<String>,
    pub scribe: Option<String>,
    pub teams: Vec<String>,
    pub started_at: Option<Timestamp>,
    pub detected_at: Option<Timestamp>,
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub action_items: Vec<ActionItem>,
    pub related: Vec<String>,
    pub external_url: Option<String>,
    /// Customers or requests affected, as written (`1,204 payments`).
    pub affected: Option<String>,
    /// What made the incident possible or worse, several by design: no single root cause.
    pub contributing_factors: Vec<Factor>,
    /// No customer impact, but worth learning from.
    pub near_miss: bool,
    /// What surprised the responders.
    pub surprises: Vec<String>,
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Its Git history, when the archive is a Git repository and the file is committed.
    pub history: Option<History>,
    #[serde(skip)]
    pub timeline: Timeline,
    #[serde(skip)]
    pub source: PathBuf,
    #[serde(skip)]
    pub body: Body,
    /// A hash of the file it was made from. With the build's settings and its history, the
    /// file is everything a postmortem is: what the build cache compares instead of fields.
    #[serde(skip)]
    pub fingerprint: u128,
    /// The `[[sources]]` repository it came from; `None` for the archive's own.
    #[serde(skip)]
    pub origin: Option<Arc<Origin>>,
}

/// A team's repository among the archive's `[[sources]]`, as its postmortems' pages link to
/// it: each page's history and edit link are its own repository's.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, Hash)]
pub struct Origin {
    pub team: String,
    /// Its folder as the archive reads it: every source path of its postmortems starts here.
    pub dir: PathBuf,
    /// The host's page of the repository, for edit links; `None` hides them.
    pub repository_url: Option<String>,
    /// The branch (or revision) the files were read at.
    pub branch: Option<String>,
    /// Where `dir` sits in its repository.
    pub repository_prefix: PathBuf,
}

/// A postmortem's Markdown body: a range of its file's text, shared with the file rather
/// than copied (bodies are most of an archive's memory), or a text of its own when a public
/// build removed internal spans from it.
#[derive(Clone, Debug, Default)]
pub struct Body {
    text: Arc<str>,
    range: std::ops::Range<usize>,
}

impl Body {
    /// `range` of `text`, which must fall on character boundaries.
    pub fn shared(text: Arc<str>, range: std::ops::Range<usize>) -> Body {
        debug_assert!(text.get(range.clone()).is_some());
        Body { text, range }
    }

    /// Where the body is in `file`, when it is a range of that very text (not a text of
    /// its own): what the build cache keeps instead of the body.
    pub fn range_in(&self, file: &Arc<str>) -> Option<std::ops::Range<usize>> {
        Arc::ptr_eq(&self.text, file).then(|| self.range.clone())
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        let range = 0..text.len();
        Body { text: text.into(), range }
    }
}

impl std::ops::Deref for Body {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text[self.range.clone()]
    }
}

/// A ticket of the team's tracker, as the snapshot a build reads gives it.
#[derive(Clone, Debug, Serialize)]
pub struct Ticket {
    /// Its address, without a trailing slash.
    pub url: Option<String>,
    /// Its key (`OPS-7`), matched against the end of an action item's link.
    pub key: Option<String>,
    pub state: String,
    pub open: bool,
}

/// Every ticket of the snapshot, found by an action item's link.
#[derive(Clone, Debug, Default)]
pub struct Tickets {
    by_url: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    tickets: Vec<Ticket>,
    /// A hash of the snapshot file: pages show ticket states, so it is part of the stamp.
    pub fingerprint: u128,
}

impl Tickets {
    pub fn new(tickets: Vec<Ticket>, fingerprint: u128) -> Tickets {
        let by_url = tickets.iter().enumerate().filter_map(|(i, t)| Some((t.url.clone()?, i))).collect();
        let by_key = tickets.iter().enumerate().filter_map(|(i, t)| Some((t.key.clone()?, i))).collect();
        Tickets { by_url, by_key, tickets, fingerprint }
    }

    /// The ticket an action item's `link` points to: the same address, or an address
    /// ending in the ticket's key (`…/browse/OPS-7`).
    pub fn find(&self, link: &str) -> Option<&Ticket> {
        let link = link.trim_end_matches('/');
        let at = self.by_url.get(link).or_else(|| self.by_key.get(link.rsplit('/').next()?))?;
        Some(&self.tickets[*at])
    }
}

/// One contributing factor: a short sentence, and maybe a kind of the site's vocabulary.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Factor {
    pub statement: String,
    pub kind: Option<String>,
}

impl Factor {
    /// What makes two factors the same factor: their statements with case and punctuation
    /// set aside ("No canary stage." and "no canary stage").
    pub fn slug(&self) -> String {
        slugify(&self.statement)
    }
}

/// Who wrote a postmortem and when, from the commits that touched its file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct History {
    pub first: Timestamp,
    pub last: Timestamp,
    pub revisions: usize,
    /// Distinct commit authors, in order of first commit.
    pub authors: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActionItem {
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub priority: Option<Priority>,
    pub status: ItemStatus,
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
    pub link: Option<String>,
}

/// A curated public postmortem of another organisation.
#[derive(Clone, Debug, Serialize)]
pub struct External {
    pub slug: String,
    pub title: String,
    /// `None` when the source did not record it: shown as "link unknown", never as a dead link.
    pub url: Option<String>,
    pub company: String,
    pub product: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub categories: Vec<String>,
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub archive_url: Option<String>,
    pub body: String,
}

/// The review workflow: Draft -> In Review -> Reviewed -> Closed.
#[derive(
    Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Draft,
    InReview,
    Reviewed,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Draft, Status::InReview, Status::Reviewed, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in-review",
            Status::Reviewed => "reviewed",
            Status::Closed => "closed",
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    #[default]
    Todo,
    InProgress,
    Done,
    Wontfix,
}

impl ItemStatus {
    /// Still to be done: todo or in progress.
    pub fn is_open(self) -> bool {
        matches!(self, ItemStatus::Todo | ItemStatus::InProgress)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Todo => "todo",
            ItemStatus::InProgress => "in-progress",
            ItemStatus::Done => "done",
            ItemStatus::Wontfix => "wontfix",
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ItemType {
    Mitigate,
    Prevent,
    Process,
    Other,
}

/// A parsed timeline; `zone` is what the section declared, for display.
/// Not shown to templates as it is (pages draw it from their own rows): serialized whole
/// for the build cache.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timeline {
    pub zone: String,
    #[serde(with = "jiff::fmt::serde::tz::required")]
    pub tz: TimeZone,
    /// Where the section's heading starts in the body, when there is a section.
    pub heading: Option<usize>,
    pub entries: Vec<Entry>,
    /// Entries of the section that are not drawn, shown only as written: their time could
    /// not be read, runs backwards, or has no day to stand on.
    #[serde(default)]
    pub unplaced: usize,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline { zone: "UTC".into(), tz: TimeZone::UTC, heading: None, entries: Vec::new(), unplaced: 0 }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The instant; for a day-level entry, the start of its day.
    pub at: Timestamp,
    /// The day in the section's zone.
    pub day: jiff::civil::Date,
    /// An entry with a date and no time (`2021-03-05: deploys frozen`), drawn as a day.
    pub day_only: bool,
    /// Whether the text gave the day (the entry, or a day heading or entry before it)
    /// rather than the postmortem's `date`.
    pub dated: bool,
    /// Time as written in the section's zone, for display.
    pub when: String,
    /// The rest of the item, still Markdown.
    pub text: String,
    /// Where the time is written, relative to the body.
    pub span: Range<usize>,
    /// Where the entry's list item or paragraph starts in the body, so the page can mark it.
    pub block: usize,
}

/// The three durations incident reviews track, each measured from the start of impact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    Detect,
    Mitigate,
    Resolve,
}

impl Postmortem {
    pub fn duration(&self, span: Span) -> Option<SignedDuration> {
        let end = match span {
            Span::Detect => self.detected_at,
            Span::Mitigate => self.mitigated_at,
            Span::Resolve => self.resolved_at,
        }?;
        Some(end.duration_since(self.started_at?))
    }

    /// Clears one field a public build hides (`[public] hide_fields`).
    pub fn hide(&mut self, field: HideField) {
        match field {
            HideField::Authors => self.authors.clear(),
            HideField::Responders => self.responders.clear(),
            HideField::IncidentCommander => self.incident_commander = None,
            HideField::Scribe => self.scribe = None,
            HideField::Teams => self.teams.clear(),
            HideField::ExternalUrl => self.external_url = None,
            HideField::Affected => self.affected = None,
            HideField::ActionItemOwner => self.action_items.iter_mut().for_each(|a| a.owner = None),
            HideField::ActionItemLink => self.action_items.iter_mut().for_each(|a| a.link = None),
            HideField::HistoryAuthors => self.history.iter_mut().for_each(|h| h.authors.clear()),
            // Not a field of the postmortem: the archive's edit links (see `Audience::publish`).
            HideField::EditLink => {}
        }
    }

    /// The year of its date; `None` while the date is unknown.
    pub fn year(&self) -> Option<i16> {
        self.date.map(|d| d.year())
    }

    /// The severity's rank among the site's (0 the worst); `None` while it is unknown,
    /// which no rule or chart ranks.
    pub fn severity_rank(&self, config: &Config) -> Option<usize> {
        self.severity.as_deref().map(|s| config.severity_rank(s))
    }

    /// The date as people read it: `2024-03-12`, or `date unknown`.
    pub fn date_shown(&self) -> String {
        self.date.map_or_else(|| DATE_UNKNOWN.to_string(), |d| d.to_string())
    }

    /// The severity as people read it: `SEV-2`, or `severity not set`.
    pub fn severity_shown(&self) -> &str {
        self.severity.as_deref().unwrap_or(SEVERITY_UNSET)
    }
}

/// What pages, listings and messages say for an unknown date or severity.
pub const DATE_UNKNOWN: &str = "date unknown";
pub const SEVERITY_UNSET: &str = "severity not set";

/// Human units for incident durations: "45 s", "12 min", "3 h 05 min", "2 d 4 h".
pub fn format_duration(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs < 0 {
        return format!("-{}", format_duration(SignedDuration::from_secs(-secs)));
    }
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match () {
        _ if secs < 60 => format!("{secs} s"),
        _ if secs < 3600 => format!("{mins} min"),
        _ if days == 0 => format!("{hours} h {mins:02} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// The ways postmortems are grouped. Serialized as the URL segment templates see as `key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxonomyKind {
    Services,
    Severities,
    Tags,
    /// The kinds of the contributing factors.
    Factors,
    Years,
    Status,
    Teams,
}

impl TaxonomyKind {
    /// In the order of `Archive::taxonomies` and the navigation.
    pub const ALL: [TaxonomyKind; 7] = [
        TaxonomyKind::Services,
        TaxonomyKind::Severities,
        TaxonomyKind::Tags,
        TaxonomyKind::Factors,
        TaxonomyKind::Years,
        TaxonomyKind::Status,
        TaxonomyKind::Teams,
    ];

    /// The URL segment: `services`.
    pub fn key(self) -> &'static str {
        match self {
            TaxonomyKind::Services => "services",
            TaxonomyKind::Severities => "severities",
            TaxonomyKind::Tags => "tags",
            TaxonomyKind::Factors => "factors",
            TaxonomyKind::Years => "years",
            TaxonomyKind::Status => "status",
            TaxonomyKind::Teams => "teams",
        }
    }

    pub fn from_key(key: &str) -> Option<TaxonomyKind> {
        TaxonomyKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// (plural, singular) for headings.
    fn titles(self) -> (&'static str, &'static str) {
        match self {
            TaxonomyKind::Services => ("Services", "Service"),
            TaxonomyKind::Severities => ("Severities", "Severity"),
            TaxonomyKind::Tags => ("Tags", "Tag"),
            TaxonomyKind::Factors => ("Factors", "Factor kind"),
            TaxonomyKind::Years => ("Years", "Year"),
            TaxonomyKind::Status => ("Status", "Status"),
            TaxonomyKind::Teams => ("Teams", "Team"),
        }
    }
}

/// One way of grouping postmortems (services, severities, ...), with its terms in display order.
#[derive(Debug, Serialize)]
pub struct Taxonomy {
    #[serde(rename = "key")]
    pub kind: TaxonomyKind,
    pub title: &'static str,
    pub singular: &'static str,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    /// The term whose name slugs to the same as `name` (`Config Change` finds `config-change`).
    pub fn term(&self, name: &str) -> Option<&Term> {
        self.term_index(name).map(|i| &self.terms[i])
    }

    /// Where that term is in `terms`.
    pub fn term_index(&self, name: &str) -> Option<usize> {
        let slug = slugify(name);
        self.terms.iter().position(|t| t.slug == slug)
    }
}

#[derive(Debug, Serialize)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Indices into `Archive::postmortems`, newest first.
    #[serde(skip)]
    pub members: Vec<usize>,
    pub count: usize,
}

pub struct Archive {
    pub config: Config,
    /// Published postmortems, newest first; shared with `serve`'s kept sources.
    pub postmortems: Vec<Arc<Postmortem>>,
    pub drafts_left_out: usize,
    pub external: Vec<External>,
    /// The external postmortems by company and by category, names that differ only in case
    /// or punctuation (GitHub, Github) as one, A to Z.
    pub external_companies: Vec<ExternalGroup>,
    pub external_categories: Vec<ExternalGroup>,
    pub taxonomies: Vec<Taxonomy>,
    /// The day "overdue" is judged against (the build date, or `--today`).
    pub today: Date,
    /// Every action item of every published postmortem: overdue first, then open, then closed.
    pub action_items: Vec<Tracked>,
    /// The action items by owner, status and service, for one page per view.
    pub action_groups: Vec<ActionGroup>,
    /// The Git branch the archive was built from, for "edit this page" links.
    pub branch: Option<String>,
    /// Where the archive sits in its repository (`docs/postmortems`), for the same links.
    pub repository_prefix: PathBuf,
    /// Postmortem id -> index into `postmortems`.
    pub by_id: rustc_hash::FxHashMap<String, usize>,
    /// Indices into `postmortems` in the order of their source paths' bytes, for links
    /// written as files: a sort, not a map of cloned paths, as `serve` makes it on every save.
    by_source: Vec<usize>,
    /// Contributing factors several postmortems name, most shared first.
    pub recurring: Vec<Recurring>,
    /// A factor's slug (`Factor::slug`) -> index into `recurring`.
    pub recurring_by_slug: rustc_hash::FxHashMap<String, usize>,
    /// Word sets for "similar incidents", built on first use.
    pub words: std::sync::OnceLock<similar::Words>,
    /// Some postmortems are internal and some public: only then is "internal" worth a badge
    /// (on an all-internal archive it would sit on every item and say nothing).
    pub mixed_visibility: bool,
    /// The tracker's tickets (`tracker_snapshot`), in internal builds that have one.
    pub tickets: Option<Arc<Tickets>>,
    /// Made by a public build (`Audience::publish`): what only public builds write (the
    /// VOID export) asks.
    pub public: bool,
    /// The files under `content/` a postmortem may link to; the build copies those a
    /// published text links (`Archive::published_assets`).
    pub assets: Arc<std::collections::BTreeSet<PathBuf>>,
}

/// A contributing factor that several postmortems name (the same statement, case and
/// punctuation aside): the cross-incident pattern a single review cannot see.
#[derive(Debug, Serialize)]
pub struct Recurring {
    /// The spelling most of them use.
    pub statement: String,
    pub slug: String,
    /// The kinds they give it, in the vocabulary's order.
    pub kinds: Vec<String>,
    /// Indices into `Archive::postmortems`, newest first.
    #[serde(skip)]
    pub members: Vec<usize>,
    pub count: usize,
}

/// Groups every postmortem's factors by slug and keeps those of two postmortems or more.
fn recurring_factors(config: &Config, pms: &[Arc<Postmortem>]) -> Vec<Recurring> {
    type Group<'a> = (Vec<usize>, BTreeMap<&'a str, usize>, Vec<&'a str>);
    let mut by_slug: rustc_hash::FxHashMap<String, Group> = Default::default();
    for (i, pm) in pms.iter().enumerate() {
        for factor in &pm.contributing_factors {
            let (members, spellings, kinds) = by_slug.entry(factor.slug()).or_default();
            if members.last() != Some(&i) {
                members.push(i);
            }
            *spellings.entry(factor.statement.as_str()).or_default() += 1;
            kinds.extend(factor.kind.as_deref().filter(|k| !kinds.contains(k)));
        }
    }
    let mut out: Vec<Recurring> = by_slug
        .into_iter()
        .filter(|(_, (members, _, _))| members.len() > 1)
        .map(|(slug, (members, spellings, mut kinds))| {
            let statement = spellings.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(s, _)| *s);
            kinds.sort_by_key(|k| config.factor_kinds.iter().position(|v| v == k));
            Recurring {
                statement: statement.unwrap_or_default().to_string(),
                slug,
                kinds: kinds.into_iter().map(String::from).collect(),
                count: members.len(),
                members,
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
    out
}

/// An action item, where it comes from, and where it stands.
#[derive(Debug, Serialize)]
pub struct Tracked {
    /// Index into `Archive::postmortems`.
    pub postmortem: usize,
    /// Index into that postmortem's `action_items`.
    pub item: usize,
    pub open: bool,
    /// Days past its due date, for open items that are late.
    pub overdue_days: Option<i32>,
}

/// External postmortems sharing a company or a category.
#[derive(Debug, Serialize)]
pub struct ExternalGroup {
    /// The spelling most entries use.
    pub name: String,
    pub slug: String,
    /// Indices into `Archive::external`, newest first.
    #[serde(skip)]
    pub members: Vec<usize>,
    pub count: usize,
}

/// Groups `(entry, name)` pairs by the name's slug, each named by its most used spelling.
fn external_groups<'a>(names: impl Iterator<Item = (usize, &'a str)>) -> Vec<ExternalGroup> {
    let mut by_slug: BTreeMap<String, (Vec<usize>, BTreeMap<&str, usize>)> = BTreeMap::new();
    for (i, name) in names {
        let (members, spellings) = by_slug.entry(slugify(name)).or_default();
        if members.last() != Some(&i) {
            members.push(i);
        }
        *spellings.entry(name).or_default() += 1;
    }
    by_slug
        .into_iter()
        .map(|(slug, (members, spellings))| {
            // Most used first; of equals, the first in byte order (capitals first: GitHub).
            let name = spellings.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))).map(|(n, _)| *n);
            ExternalGroup { name: name.unwrap_or_default().to_string(), slug, count: members.len(), members }
        })
        .collect()
}

/// How action items are grouped into views. Serialized as the URL segment under
/// `/action-items/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    Owner,
    Service,
    Status,
    /// Items whose ticket says otherwise (one group, "out of sync").
    Tracker,
}

impl GroupKind {
    pub const ALL: [GroupKind; 4] = [GroupKind::Owner, GroupKind::Service, GroupKind::Status, GroupKind::Tracker];

    pub fn key(self) -> &'static str {
        match self {
            GroupKind::Owner => "owner",
            GroupKind::Status => "status",
            GroupKind::Service => "service",
            GroupKind::Tracker => "tracker",
        }
    }

    pub fn from_key(key: &str) -> Option<GroupKind> {
        GroupKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The action items of one owner, status or service.
#[derive(Debug, Serialize)]
pub struct ActionGroup {
    pub kind: GroupKind,
    pub name: String,
    pub slug: String,
    /// Indices into `Archive::action_items`, in its order.
    pub items: Vec<usize>,
    pub open: usize,
    pub overdue: usize,
}

impl ActionGroup {
    /// What the group's pages list: all of a status's items, but only an owner's or a
    /// service's open ones. Closed items are history, on their postmortems' pages and
    /// under their status; listing them again per owner and per service would make most
    /// of a large archive's output (items open first, so this is a prefix).
    pub fn listed(&self) -> &[usize] {
        match self.kind {
            GroupKind::Status | GroupKind::Tracker => &self.items,
            GroupKind::Owner | GroupKind::Service => &self.items[..self.open],
        }
    }
}

impl Archive {
    pub fn new(
        config: Config,
        mut postmortems: Vec<Arc<Postmortem>>,
        mut external: Vec<External>,
        include_drafts: bool,
        today: Date,
    ) -> Archive {
        let before = postmortems.len();
        if !include_drafts {
            postmortems.retain(|p| p.status != Status::Draft);
        }
        let drafts_left_out = before - postmortems.len();
        postmortems.sort_by(|a, b| (b.date, b.started_at, &a.id).cmp(&(a.date, a.started_at, &b.id)));
        external.sort_by(|a, b| (&b.start_time, &a.title).cmp(&(&a.start_time, &b.title)));
        // Each its own page: two files of one name in different folders get `-2`, `-3`.
        let mut taken = std::collections::HashSet::new();
        for e in &mut external {
            let base = e.slug.clone();
            let mut n = 1;
            while !taken.insert(e.slug.clone()) {
                n += 1;
                e.slug = format!("{base}-{n}");
            }
        }
        let external_companies = external_groups(external.iter().enumerate().map(|(i, e)| (i, e.company.as_str())));
        let external_categories = external_groups(
            external.iter().enumerate().flat_map(|(i, e)| e.categories.iter().map(move |c| (i, c.as_str()))),
        );
        // Side by side: `serve` makes all of this again on every save.
        let (((taxonomies, recurring), (by_id, by_source)), (action_items, action_groups)) = rayon::join(
            || {
                rayon::join(
                    || (build_taxonomies(&config, &postmortems), recurring_factors(&config, &postmortems)),
                    || {
                        let by_id = postmortems.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
                        let mut by_source: Vec<usize> = (0..postmortems.len()).collect();
                        by_source.sort_unstable_by(|&a, &b| {
                            postmortems[a].source.as_os_str().cmp(postmortems[b].source.as_os_str())
                        });
                        (by_id, by_source)
                    },
                )
            },
            || {
                let tracked = track_action_items(&postmortems, today);
                let groups = group_action_items(&postmortems, &tracked);
                (tracked, groups)
            },
        );
        let internal = postmortems.iter().filter(|p| p.visibility == Visibility::Internal).count();
        let recurring_by_slug = recurring.iter().enumerate().map(|(i, r)| (r.slug.clone(), i)).collect();
        Archive {
            mixed_visibility: internal > 0 && internal < postmortems.len(),
            config,
            postmortems,
            drafts_left_out,
            external,
            external_companies,
            external_categories,
            taxonomies,
            today,
            action_items,
            action_groups,
            branch: None,
            repository_prefix: PathBuf::new(),
            by_id,
            by_source,
            recurring,
            recurring_by_slug,
            words: Default::default(),
            public: false,
            tickets: None,
            assets: Default::default(),
        }
    }

    /// The files of `assets` that the archive's postmortems link to, from the text they
    /// publish: what a build copies into the site. A public archive's bodies have lost
    /// their internal spans and its internal postmortems are gone, so a file only they
    /// link stays out. Nothing is read when the archive has no such files.
    pub fn published_assets(&self) -> std::collections::BTreeSet<PathBuf> {
        use pulldown_cmark::{Event, Parser, Tag};
        if self.assets.is_empty() {
            return Default::default();
        }
        let linked = |pm: &Arc<Postmortem>| -> Vec<PathBuf> {
            Parser::new_ext(&pm.body, crate::markdown::options())
                .filter_map(|e| match e {
                    Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => Some(dest_url),
                    _ => None,
                })
                .filter_map(|dest| match crate::markdown::classify(&dest, &self.config.base_url) {
                    crate::markdown::Target::Asset { path } => crate::markdown::resolve_asset(&pm.source, &path),
                    _ => None,
                })
                .filter(|p| self.assets.contains(p))
                .collect()
        };
        self.postmortems.par_iter().flat_map_iter(linked).collect()
    }

    pub fn words(&self) -> &similar::Words {
        self.words.get_or_init(|| similar::Words::new(self.postmortems.len()))
    }

    /// How many action items are open: they come first in `action_items`.
    pub fn open_action_items(&self) -> usize {
        self.action_items.partition_point(|t| t.open)
    }

    /// How many action items are overdue: they come before the other open ones.
    pub fn overdue_action_items(&self) -> usize {
        self.action_items.partition_point(|t| t.overdue_days.is_some())
    }

    pub fn taxonomy(&self, kind: TaxonomyKind) -> &Taxonomy {
        &self.taxonomies[kind as usize]
    }

    /// Shows each action item's ticket state, and adds the "out of sync" view: items open
    /// whose ticket is closed, and closed ones whose ticket is open.
    pub fn set_tickets(&mut self, tickets: Arc<Tickets>) {
        let disagree = |t: &Tracked| {
            let item = &self.postmortems[t.postmortem].action_items[t.item];
            item.link.as_deref().and_then(|l| tickets.find(l)).is_some_and(|ticket| ticket.open != t.open)
        };
        let items: Vec<usize> = (0..self.action_items.len()).filter(|&i| disagree(&self.action_items[i])).collect();
        let open = items.iter().filter(|&&i| self.action_items[i].open).count();
        let overdue = items.iter().filter(|&&i| self.action_items[i].overdue_days.is_some()).count();
        self.action_groups.push(ActionGroup {
            kind: GroupKind::Tracker,
            name: "out of sync".into(),
            slug: "out-of-sync".into(),
            items,
            open,
            overdue,
        });
        self.tickets = Some(tickets);
    }

    /// The ticket an action item links to, when the build read a tracker snapshot.
    pub fn ticket(&self, item: &ActionItem) -> Option<&Ticket> {
        self.tickets.as_ref()?.find(item.link.as_deref()?)
    }

    /// The recurring factor `factor` is one of, if others name it too.
    pub fn recurring_of(&self, factor: &Factor) -> Option<usize> {
        if self.recurring.is_empty() {
            return None;
        }
        self.recurring_by_slug.get(&factor.slug()).copied()
    }

    /// The postmortem with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Postmortem>> {
        self.by_id.get(id).map(|&i| &self.postmortems[i])
    }

    /// The postmortem read from this file (relative to the root, as `source` is).
    pub fn from_source(&self, path: &std::path::Path) -> Option<&Arc<Postmortem>> {
        let key = path.as_os_str();
        let at = self.by_source.binary_search_by(|&i| self.postmortems[i].source.as_os_str().cmp(key)).ok()?;
        Some(&self.postmortems[self.by_source[at]])
    }
}

fn track_action_items(pms: &[Arc<Postmortem>], today: Date) -> Vec<Tracked> {
    let mut items: Vec<Tracked> = pms
        .iter()
        .enumerate()
        .flat_map(|(p, pm)| {
            pm.action_items.iter().enumerate().map(move |(i, item)| {
                let open = item.status.is_open();
                let overdue_days = item.due.filter(|due| open && *due < today).map(|due| (today - due).get_days());
                Tracked { postmortem: p, item: i, open, overdue_days }
            })
        })
        .collect();
    // Overdue, then open (soonest due first, undated last), then closed (most recent
    // first). Keys are made once per item: comparing through the postmortems costs a
    // large archive more than the sort itself.
    items.sort_by_cached_key(|t| {
        let due = pms[t.postmortem].action_items[t.item].due;
        match (t.overdue_days.is_some(), t.open) {
            (true, _) => (0, due.is_none(), due, std::cmp::Reverse(None)),
            (false, true) => (1, due.is_none(), due, std::cmp::Reverse(None)),
            (false, false) => (2, false, None, std::cmp::Reverse(due)),
        }
    });
    items
}

fn group_action_items(pms: &[Arc<Postmortem>], tracked: &[Tracked]) -> Vec<ActionGroup> {
    let mut groups: Vec<ActionGroup> = Vec::new();
    // By slug (`Ann` and `ann` are one owner), and by name as written, which saves slugging
    // the same names again for every item: `serve` does this on every save.
    let mut by_slug: HashMap<(GroupKind, String), usize> = HashMap::new();
    let mut by_name: rustc_hash::FxHashMap<(GroupKind, &str), usize> = Default::default();
    for (t, tr) in tracked.iter().enumerate() {
        let pm = &pms[tr.postmortem];
        let item = &pm.action_items[tr.item];
        let names = std::iter::once((GroupKind::Owner, item.owner.as_deref().unwrap_or("unassigned")))
            .chain(std::iter::once((GroupKind::Status, item.status.as_str())))
            .chain(pm.services.iter().map(|s| (GroupKind::Service, s.as_str())));
        for (kind, name) in names {
            let g = *by_name.entry((kind, name)).or_insert_with(|| {
                let slug = slugify(name);
                *by_slug.entry((kind, slug.clone())).or_insert_with(|| {
                    let name = name.to_string();
                    groups.push(ActionGroup { kind, name, slug, items: Vec::new(), open: 0, overdue: 0 });
                    groups.len() - 1
                })
            });
            groups[g].items.push(t);
            groups[g].open += usize::from(tr.open);
            groups[g].overdue += usize::from(tr.overdue_days.is_some());
        }
    }
    groups.sort_by_cached_key(|g| (g.kind, g.name.to_lowercase()));
    groups
}

/// Calls its second argument with each term a postmortem has in one taxonomy.
type TermsOf = dyn Fn(&Postmortem, &mut dyn FnMut(&str)) + Sync;
type TermOrder<'a> = dyn Fn(&str) -> (usize, String) + Sync + 'a;

fn build_taxonomies(config: &Config, pms: &[Arc<Postmortem>]) -> Vec<Taxonomy> {
    let group = |(kind, terms_of, order): (TaxonomyKind, &TermsOf, &TermOrder<'_>)| {
        // Keyed by slug: `Config Change` and `config-change` are one term with one page,
        // shown under the first spelling met (postmortems are newest first). Spellings
        // seen before skip the slugging: serve rebuilds this on every save.
        let mut terms: Vec<Term> = Vec::new();
        let mut by_slug: HashMap<String, usize> = HashMap::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, pm) in pms.iter().enumerate() {
            terms_of(pm, &mut |name| {
                let t = match by_name.get(name) {
                    Some(&t) => t,
                    None => {
                        let slug = slugify(name);
                        let t = *by_slug.entry(slug.clone()).or_insert_with(|| {
                            terms.push(Term { name: name.to_string(), slug, members: Vec::new(), count: 0 });
                            terms.len() - 1
                        });
                        by_name.insert(name.to_string(), t);
                        t
                    }
                };
                let members = &mut terms[t].members;
                if members.last() != Some(&i) {
                    members.push(i);
                }
            });
        }
        for term in &mut terms {
            term.count = term.members.len();
        }
        terms.sort_by_cached_key(|t| order(&t.name));
        let (title, singular) = kind.titles();
        Taxonomy { kind, title, singular, terms }
    };
    let alphabetical = |s: &str| (0, s.to_lowercase());
    let factor_kind = |s: &str| (config.factor_kinds.iter().position(|k| k == s).unwrap_or(usize::MAX), String::new());
    let kinds: [(TaxonomyKind, &TermsOf, &TermOrder<'_>); 7] = [
        (TaxonomyKind::Services, &|p, add| p.services.iter().for_each(|s| add(s)), &alphabetical),
        (TaxonomyKind::Severities, &|p, add| p.severity.iter().for_each(|s| add(s)), &|s| {
            (config.severity_rank(s), String::new())
        }),
        (TaxonomyKind::Tags, &|p, add| p.tags.iter().for_each(|t| add(t)), &alphabetical),
        (
            TaxonomyKind::Factors,
            &|p, add| p.contributing_factors.iter().filter_map(|f| f.kind.as_deref()).for_each(add),
            &factor_kind,
        ),
        (TaxonomyKind::Years, &|p, add| p.year().iter().for_each(|y| add(&y.to_string())), &|s| {
            (0, format!("{:>6}", 9999 - s.parse::<i32>().unwrap_or(0)))
        }),
        (TaxonomyKind::Status, &|p, add| add(p.status.as_str()), &|s| {
            (Status::ALL.iter().position(|st| st.as_str() == s).unwrap_or(9), String::new())
        }),
        (TaxonomyKind::Teams, &|p, add| p.teams.iter().for_each(|t| add(t)), &alphabetical),
    ];
    // Each kind on its own: they share nothing, and `serve` waits for all of them.
    kinds.into_par_iter().map(group).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_incident_review() {
        let f = |s| format_duration(SignedDuration::from_secs(s));
        assert_eq!(f(42), "42 s");
        assert_eq!(f(12 * 60 + 59), "12 min");
        assert_eq!(f(3 * 3600 + 5 * 60), "3 h 05 min");
        assert_eq!(f(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
        assert_eq!(f(-90), "-1 min");
    }
}
