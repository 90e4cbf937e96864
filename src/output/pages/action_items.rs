//! `/action-items/` and its views by owner, status and service.

use super::*;

/// One row of the action items table.
#[derive(Serialize)]
struct ActionRow<'a> {
    title: &'a str,
    link: Option<&'a str>,
    owner: &'a str,
    due: Option<String>,
    priority: Option<crate::model::Priority>,
    status: &'static str,
    overdue_days: Option<i32>,
    /// The tracker's word for it, when the build read a snapshot.
    ticket: Option<&'a crate::model::Ticket>,
    postmortem: &'a str,
    postmortem_url: String,
    /// Severity and services, one string: rows are many, and each lookup a template
    /// makes costs time on every one.
    meta: String,
}

/// A link to one view of the action items.
#[derive(Serialize)]
struct ActionLink<'a> {
    name: &'a str,
    url: String,
    open: usize,
    total: usize,
    current: bool,
}

/// `/action-items/` and its views by owner, status and service.
#[derive(Serialize)]
pub struct ActionItemsView<'a> {
    heading: String,
    today: String,
    rows: Vec<ActionRow<'a>>,
    pager: Pager,
    open: usize,
    overdue: usize,
    /// Of the whole list: closed items are not on the main page, nor an owner's or a
    /// service's, but in the status views.
    total: usize,
    closed: usize,
    /// A status's view, the one kind that lists closed items.
    lists_closed: bool,
    by_status: Vec<ActionLink<'a>>,
    by_owner: Vec<ActionLink<'a>>,
    by_service: Vec<ActionLink<'a>>,
    by_tracker: Vec<ActionLink<'a>>,
    filtered: bool,
}

impl<'a> ActionItemsView<'a> {
    pub fn new(archive: &'a Archive, page: Page, group: Option<usize>) -> Self {
        let current = group.map(|g| &archive.action_groups[g]);
        // The main page is the open items, and so are an owner's and a service's views.
        // Counts come from the model: a page costs its own rows, not its whole list's.
        let (listed, open, overdue, total) = match current {
            Some(g) => (g.listed().len(), g.open, g.overdue, g.items.len()),
            None => {
                let open = archive.open_action_items();
                (open, open, archive.overdue_action_items(), archive.action_items.len())
            }
        };
        let pager = Pager::new(archive, page, listed);
        let rows: Vec<ActionRow> = pager
            .range
            .clone()
            .map(|k| current.map_or(k, |g| g.listed()[k]))
            .map(|t| {
                let tracked = &archive.action_items[t];
                let pm = &archive.postmortems[tracked.postmortem];
                let item = &pm.action_items[tracked.item];
                let more = match pm.services.len().saturating_sub(FEW) {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                ActionRow {
                    title: &item.title,
                    link: item.link.as_deref(),
                    owner: item.owner.as_deref().unwrap_or("unassigned"),
                    due: item.due.map(|d| d.to_string()),
                    priority: item.priority,
                    status: item.status.as_str(),
                    overdue_days: tracked.overdue_days,
                    ticket: archive.ticket(item),
                    postmortem: &pm.title,
                    postmortem_url: routes::postmortem(&pm.id),
                    meta: format!("{} · {}{more}", pm.severity_shown(), few(&pm.services).join(", ")),
                }
            })
            .collect();
        // Only the main page lists every view: on each view's own page, the list of all
        // owners and services would make the output grow with their square.
        let links = |kind: GroupKind| {
            archive
                .action_groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.kind == kind && current.is_none())
                .map(|(i, g)| ActionLink {
                    name: &g.name,
                    url: routes::action_group(g.kind, &g.slug),
                    open: g.open,
                    total: g.items.len(),
                    current: group == Some(i),
                })
                .collect::<Vec<_>>()
        };
        let heading = match current {
            Some(g) => format!("Action items: {} {}", g.kind.key(), g.name),
            None => "Action items".to_string(),
        };
        ActionItemsView {
            heading,
            today: archive.today.to_string(),
            open,
            overdue,
            total,
            closed: total - open,
            lists_closed: current.is_some_and(|g| matches!(g.kind, GroupKind::Status | GroupKind::Tracker)),
            rows,
            pager,
            by_status: links(GroupKind::Status),
            by_owner: links(GroupKind::Owner),
            by_service: links(GroupKind::Service),
            by_tracker: links(GroupKind::Tracker),
            filtered: current.is_some(),
        }
    }
}
