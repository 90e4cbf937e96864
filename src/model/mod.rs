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

mod archive;
pub mod diff;
pub mod digest;
pub mod insights;
pub mod similar;
mod taxonomy;
mod tracking;

pub use archive::*;
pub use taxonomy::*;
pub use tracking::*;

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
