//! Action items tracked across postmortems: each with its days overdue, and the groups
//! the action items page shows them by (owner, status, service).

use super::*;

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

pub(super) fn track_action_items(pms: &[Arc<Postmortem>], today: Date) -> Vec<Tracked> {
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

pub(super) fn group_action_items(pms: &[Arc<Postmortem>], tracked: &[Tracked]) -> Vec<ActionGroup> {
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
