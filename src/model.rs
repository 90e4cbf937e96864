//! Stage 3: the archive as pages see it: postmortems newest first, every taxonomy with its
//! terms, durations computed once. Everything here is already valid; `check` made sure.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::{Config, Visibility};
use crate::schema::{ItemStatus, ItemType, Priority, Status};
use crate::timeline::Timeline;

#[derive(Clone, Debug, Serialize)]
pub struct Postmortem {
    pub id: String,
    pub title: String,
    pub date: Date,
    pub severity: String,
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
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Its Git history, when the archive is a Git repository and the file is committed.
    pub history: Option<History>,
    #[serde(skip)]
    pub timeline: Timeline,
    #[serde(skip)]
    pub source: PathBuf,
    #[serde(skip)]
    pub body: String,
}

/// Who wrote a postmortem and when, from the commits that touched its file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct History {
    pub first: Timestamp,
    pub last: Timestamp,
    pub revisions: usize,
    /// Distinct commit authors, in order of first commit.
    pub authors: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
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

    /// Leaves out the fields a public build hides (names from `[public] hide_fields`).
    pub fn hide(&mut self, fields: &[String]) {
        for field in fields {
            match field.as_str() {
                "authors" => self.authors.clear(),
                "responders" => self.responders.clear(),
                "incident_commander" => self.incident_commander = None,
                "scribe" => self.scribe = None,
                "teams" => self.teams.clear(),
                "external_url" => self.external_url = None,
                "action_items.owner" => self.action_items.iter_mut().for_each(|a| a.owner = None),
                "action_items.link" => self.action_items.iter_mut().for_each(|a| a.link = None),
                "history.authors" => self.history.iter_mut().for_each(|h| h.authors.clear()),
                _ => {}
            }
        }
    }

    pub fn year(&self) -> i16 {
        self.date.year()
    }
}

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

/// One way of grouping postmortems (services, severities, ...), with its terms in display order.
#[derive(Debug, Serialize)]
pub struct Taxonomy {
    /// URL segment and template key: `services`, `severities`, `tags`, `years`, `status`, `teams`.
    pub key: &'static str,
    pub title: &'static str,
    pub singular: &'static str,
    pub terms: Vec<Term>,
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
    pub taxonomies: Vec<Taxonomy>,
    /// The day "overdue" is judged against (the build date, or `--today`).
    pub today: Date,
    /// Every action item of every published postmortem: overdue first, then open, then closed.
    pub action_items: Vec<Tracked>,
    /// The action items by owner, status and service, for one page per view.
    pub action_groups: Vec<ActionGroup>,
    /// The Git branch the archive was built from, for "edit this page" links.
    pub branch: Option<String>,
    /// Word sets for "similar incidents", built on first use.
    pub words: std::sync::OnceLock<crate::similar::Words>,
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

/// The action items of one owner, status or service.
#[derive(Debug, Serialize)]
pub struct ActionGroup {
    /// `owner`, `status` or `service`: the URL segment under `/action-items/`.
    pub kind: &'static str,
    pub name: String,
    pub slug: String,
    /// Indices into `Archive::action_items`, in its order.
    pub items: Vec<usize>,
    pub open: usize,
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
        let taxonomies = build_taxonomies(&config, &postmortems);
        let action_items = track_action_items(&postmortems, today);
        let action_groups = group_action_items(&postmortems, &action_items);
        Archive {
            config,
            postmortems,
            drafts_left_out,
            external,
            taxonomies,
            today,
            action_items,
            action_groups,
            branch: None,
            words: Default::default(),
        }
    }

    pub fn words(&self) -> &crate::similar::Words {
        self.words.get_or_init(|| crate::similar::Words::new(&self.postmortems))
    }
}

fn track_action_items(pms: &[Arc<Postmortem>], today: Date) -> Vec<Tracked> {
    let mut items: Vec<Tracked> = pms
        .iter()
        .enumerate()
        .flat_map(|(p, pm)| {
            pm.action_items.iter().enumerate().map(move |(i, item)| {
                let open = matches!(item.status, ItemStatus::Todo | ItemStatus::InProgress);
                let overdue_days = item.due.filter(|due| open && *due < today).map(|due| (today - due).get_days());
                Tracked { postmortem: p, item: i, open, overdue_days }
            })
        })
        .collect();
    let due = |t: &Tracked| pms[t.postmortem].action_items[t.item].due;
    items.sort_by(|a, b| {
        let class = |t: &Tracked| {
            if t.overdue_days.is_some() {
                0
            } else if t.open {
                1
            } else {
                2
            }
        };
        let order = class(a).cmp(&class(b));
        match class(a) {
            // Open: soonest due first, undated last. Closed: most recent first.
            0 | 1 => order.then_with(|| (due(a).is_none(), due(a)).cmp(&(due(b).is_none(), due(b)))),
            _ => order.then_with(|| due(b).cmp(&due(a))),
        }
    });
    items
}

fn group_action_items(pms: &[Arc<Postmortem>], tracked: &[Tracked]) -> Vec<ActionGroup> {
    let mut groups: Vec<ActionGroup> = Vec::new();
    let mut index: HashMap<(&'static str, String), usize> = HashMap::new();
    for (t, tr) in tracked.iter().enumerate() {
        let pm = &pms[tr.postmortem];
        let item = &pm.action_items[tr.item];
        let owner = item.owner.clone().unwrap_or_else(|| "unassigned".into());
        let names = std::iter::once(("owner", owner))
            .chain(std::iter::once(("status", item.status.as_str().to_string())))
            .chain(pm.services.iter().map(|s| ("service", s.clone())));
        for (kind, name) in names {
            let slug = slugify(&name);
            let g = *index.entry((kind, slug.clone())).or_insert_with(|| {
                groups.push(ActionGroup { kind, name, slug, items: Vec::new(), open: 0 });
                groups.len() - 1
            });
            groups[g].items.push(t);
            groups[g].open += usize::from(tr.open);
        }
    }
    groups.sort_by(|a, b| (a.kind, a.name.to_lowercase()).cmp(&(b.kind, b.name.to_lowercase())));
    groups
}

/// Calls its second argument with each term a postmortem has in one taxonomy.
type TermsOf = dyn Fn(&Postmortem, &mut dyn FnMut(&str));

fn build_taxonomies(config: &Config, pms: &[Arc<Postmortem>]) -> Vec<Taxonomy> {
    let group = |key, title, singular, terms_of: &TermsOf, order: &dyn Fn(&str) -> (usize, String)| {
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
        Taxonomy { key, title, singular, terms }
    };
    let alphabetical = |s: &str| (0, s.to_lowercase());
    vec![
        group("services", "Services", "Service", &|p, add| p.services.iter().for_each(|s| add(s)), &alphabetical),
        group("severities", "Severities", "Severity", &|p, add| add(&p.severity), &|s| {
            (config.severity_rank(s), String::new())
        }),
        group("tags", "Tags", "Tag", &|p, add| p.tags.iter().for_each(|t| add(t)), &alphabetical),
        group("years", "Years", "Year", &|p, add| add(&p.year().to_string()), &|s| {
            (0, format!("{:>6}", 9999 - s.parse::<i32>().unwrap_or(0)))
        }),
        group("status", "Status", "Status", &|p, add| add(p.status.as_str()), &|s| {
            (Status::ALL.iter().position(|st| st.as_str() == s).unwrap_or(9), String::new())
        }),
        group("teams", "Teams", "Team", &|p, add| p.teams.iter().for_each(|t| add(t)), &alphabetical),
    ]
}

/// URL-safe lowercase form of a term: `Config Change` -> `config-change`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() { "-".to_string() } else { trimmed.to_string() }
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

    #[test]
    fn slugs_are_stable_and_safe() {
        assert_eq!(slugify("Config Change"), "config-change");
        assert_eq!(slugify("SEV-1"), "sev-1");
        assert_eq!(slugify("../etc"), "etc");
        assert_eq!(slugify(".."), "-");
        assert_eq!(slugify("??"), "-");
    }
}
