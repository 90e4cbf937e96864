//! What changed in an archive over a window of days, for a mailing list or a chat channel:
//! new and updated postmortems, status changes, action items that became overdue or were
//! closed, anniversaries of past incidents, and a postmortem worth reading. Made from the
//! archive now and, when the Git history reaches back that far, as it was when the window
//! began (status changes and closed items need both).

use jiff::civil::Date;

use super::{Archive, Status};

/// One postmortem in the digest, by index into `Archive::postmortems`.
pub struct Change {
    pub postmortem: usize,
    /// For a status change: the status when the window began.
    pub from: Option<Status>,
}

/// An action item, by postmortem and item index.
pub struct ItemRef {
    pub postmortem: usize,
    pub item: usize,
    /// Days overdue, for items that became overdue.
    pub overdue_days: Option<i32>,
}

pub struct Digest {
    pub since: Date,
    pub today: Date,
    /// Whether the archive as it was at `since` was known (a Git commit that old).
    pub compared: bool,
    pub new: Vec<Change>,
    pub updated: Vec<Change>,
    pub status_changes: Vec<Change>,
    pub overdue: Vec<ItemRef>,
    pub closed: Vec<ItemRef>,
    /// Past incidents whose day of the year falls in the window, with how many years ago.
    pub anniversaries: Vec<(usize, i16)>,
    /// The most recent reviewed or closed postmortem of the two worst severities.
    pub featured: Option<usize>,
}

impl Digest {
    /// The digest of `now` between `since` and `today` (both included), `then` being the
    /// archive as it was at `since`, if known.
    pub fn new(now: &Archive, then: Option<&Archive>, since: Date, today: Date) -> Digest {
        let start = since.to_zoned(now.config.time_zone()).map(|z| z.timestamp()).ok();
        let in_window = |d: Date| d >= since && d <= today;
        let mut digest = Digest {
            since,
            today,
            compared: then.is_some(),
            new: Vec::new(),
            updated: Vec::new(),
            status_changes: Vec::new(),
            overdue: Vec::new(),
            closed: Vec::new(),
            anniversaries: Vec::new(),
            featured: None,
        };
        for (i, pm) in now.postmortems.iter().enumerate() {
            let before = then.and_then(|t| t.get(&pm.id));
            // New: not in the archive when the window began; without that archive, first
            // committed in the window, or without history, dated in it.
            let new = match (then, &pm.history) {
                (Some(_), _) => before.is_none(),
                (None, Some(h)) => start.is_some_and(|s| h.first >= s),
                (None, None) => pm.date.is_some_and(in_window),
            };
            if new {
                digest.new.push(Change { postmortem: i, from: None });
            } else if pm.history.as_ref().is_some_and(|h| start.is_some_and(|s| h.last >= s)) {
                digest.updated.push(Change { postmortem: i, from: None });
            }
            if let Some(before) = before.filter(|b| b.status != pm.status) {
                digest.status_changes.push(Change { postmortem: i, from: Some(before.status) });
            }
            for (k, item) in pm.action_items.iter().enumerate() {
                let due_in_window = item.due.is_some_and(|d| d >= since && d < today);
                if item.status.is_open() && due_in_window {
                    let days = item.due.map(|d| (today - d).get_days());
                    digest.overdue.push(ItemRef { postmortem: i, item: k, overdue_days: days });
                }
                let was_open = before.and_then(|b| b.action_items.iter().find(|o| o.title == item.title));
                if !item.status.is_open() && was_open.is_some_and(|o| o.status.is_open()) {
                    digest.closed.push(ItemRef { postmortem: i, item: k, overdue_days: None });
                }
            }
            // An unknown date has no anniversary.
            let Some(date) = pm.date else { continue };
            let years = today.year() - date.year();
            if years > 0 {
                let anniversary = date.with().year(today.year()).build().ok();
                let last_year = date.with().year(today.year() - 1).build().ok();
                if anniversary.is_some_and(in_window) || last_year.is_some_and(in_window) {
                    let ago = if anniversary.is_some_and(in_window) { years } else { years - 1 };
                    if ago > 0 {
                        digest.anniversaries.push((i, ago));
                    }
                }
            }
        }
        let reviewed = |i: &usize| {
            let pm = &now.postmortems[*i];
            matches!(pm.status, Status::Reviewed | Status::Closed)
                && pm.severity_rank(&now.config).is_some_and(|r| r < 2)
        };
        // Newest first already.
        digest.featured = (0..now.postmortems.len()).find(reviewed);
        digest
    }

    /// Whether there is anything to say.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty()
            && self.updated.is_empty()
            && self.status_changes.is_empty()
            && self.overdue.is_empty()
            && self.closed.is_empty()
            && self.anniversaries.is_empty()
    }
}
