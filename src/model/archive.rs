//! The archive as pages see it: postmortems newest first with their indexes (by id, by
//! file), taxonomies, tracked action items, factors several postmortems name, and the
//! external postmortems grouped by company and category.

use super::*;

/// What an archive is made of: everything the workspace read, as the build's audience may
/// see it (`privacy` decides).
#[derive(Default)]
pub struct Contents {
    pub config: Config,
    pub postmortems: Vec<Arc<Postmortem>>,
    pub external: Vec<External>,
    /// The tracker's tickets (`tracker_snapshot`).
    pub tickets: Option<Arc<Tickets>>,
    /// The Git branch the archive was built from, for "edit this page" links.
    pub branch: Option<String>,
    /// Where the archive sits in its repository, for the same links.
    pub repository_prefix: PathBuf,
    /// The files under `content/` a postmortem may link to.
    pub assets: Arc<std::collections::BTreeSet<PathBuf>>,
    /// Made for the public.
    pub public: bool,
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
pub(super) fn recurring_factors(config: &Config, pms: &[Arc<Postmortem>]) -> Vec<Recurring> {
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
pub(super) fn external_groups<'a>(names: impl Iterator<Item = (usize, &'a str)>) -> Vec<ExternalGroup> {
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

impl Archive {
    pub fn new(contents: Contents, include_drafts: bool, today: Date) -> Archive {
        let Contents { config, mut postmortems, mut external, tickets, branch, repository_prefix, assets, public } =
            contents;
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
        let mut archive = Archive {
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
            branch,
            repository_prefix,
            by_id,
            by_source,
            recurring,
            recurring_by_slug,
            words: Default::default(),
            public,
            tickets: None,
            assets,
        };
        if let Some(tickets) = tickets {
            archive.set_tickets(tickets);
        }
        archive
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
    fn set_tickets(&mut self, tickets: Arc<Tickets>) {
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
