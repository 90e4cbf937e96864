//! The digest (`hindsight digest`) as Markdown for a chat channel, and from that as HTML
//! for a mailing list or as an Atom entry for a feed reader. Every text from the archive
//! is escaped for Markdown first, so a title cannot become a link or markup.

use std::fmt::Write;

use super::base_url;
use crate::model::Archive;
use crate::model::digest::{Change, Digest, ItemRef};
use crate::routes;
use crate::text::escape_markdown as md;

fn link(a: &Archive, i: usize) -> String {
    let pm = &a.postmortems[i];
    let (severity, date) = (pm.severity_shown(), pm.date_shown());
    format!("[{}]({}{}) ({severity}, {date})", md(&pm.title), base_url(a), routes::postmortem(&pm.id))
}

fn section(out: &mut String, title: &str, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {title}\n");
    for line in lines {
        let _ = writeln!(out, "- {line}");
    }
    out.push('\n');
}

fn changes(a: &Archive, list: &[Change]) -> Vec<String> {
    list.iter()
        .map(|c| match c.from {
            Some(from) => format!(
                "{}: {} → {}",
                link(a, c.postmortem),
                from.as_str(),
                a.postmortems[c.postmortem].status.as_str()
            ),
            None => link(a, c.postmortem),
        })
        .collect()
}

fn items(a: &Archive, list: &[ItemRef]) -> Vec<String> {
    list.iter()
        .map(|r| {
            let pm = &a.postmortems[r.postmortem];
            let item = &pm.action_items[r.item];
            let owner = item.owner.as_deref().map(|o| format!(", {}", md(o))).unwrap_or_default();
            let late = r.overdue_days.map(|d| format!(", {d} d overdue")).unwrap_or_default();
            format!("{}{owner}{late}, from {}", md(&item.title), link(a, r.postmortem))
        })
        .collect()
}

/// The digest as Markdown.
pub fn markdown(a: &Archive, d: &Digest) -> String {
    let mut out = format!("# {}: {} to {}\n\n", md(&a.config.title), d.since, d.today);
    if d.is_empty() {
        out.push_str("Nothing changed in these days.\n\n");
    }
    section(&mut out, "New postmortems", changes(a, &d.new));
    section(&mut out, "Updated", changes(a, &d.updated));
    section(&mut out, "Status changes", changes(a, &d.status_changes));
    section(&mut out, "Action items now overdue", items(a, &d.overdue));
    section(&mut out, "Action items closed", items(a, &d.closed));
    let on_this_day = d
        .anniversaries
        .iter()
        .map(|&(i, years)| format!("{} year{} ago: {}", years, if years == 1 { "" } else { "s" }, link(a, i)))
        .collect();
    section(&mut out, "On this day", on_this_day);
    if let Some(i) = d.featured {
        let pm = &a.postmortems[i];
        let summary = pm.summary.as_deref().map(|s| format!("\n\n{}", md(s))).unwrap_or_default();
        let _ = writeln!(out, "## Postmortem of the month\n\n{}{summary}\n", link(a, i));
    }
    if !d.compared {
        out.push_str("_Status changes and closed action items need the Git history from the start of the window, which this archive does not have._\n");
    }
    out
}

/// The digest as an HTML document, for email.
pub fn html(a: &Archive, d: &Digest) -> String {
    let body = super::html::summary(&markdown(a, d));
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} digest, {} to {}</title>\n</head>\n<body>\n{body}</body>\n</html>\n",
        super::escape(&a.config.title),
        d.since,
        d.today
    )
}

/// The digest as an Atom feed of one entry, identified by its window.
pub fn atom(a: &Archive, d: &Digest) -> String {
    let url = base_url(a);
    let title = super::escape(&format!("{} digest, {} to {}", a.config.title, d.since, d.today));
    let content = super::escape(&super::html::summary(&markdown(a, d)));
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{feed}</title>\n<id>{id}digest</id>\n<link href=\"{id}\"/>\n<updated>{day}T00:00:00Z</updated>\n<entry>\n<title>{title}</title>\n<id>{id}digest/{since}/{day}</id>\n<link href=\"{id}\"/>\n<updated>{day}T00:00:00Z</updated>\n<content type=\"html\">{content}</content>\n</entry>\n</feed>\n",
        feed = super::escape(&a.config.title),
        id = super::escape(&url),
        day = d.today,
        since = d.since,
    )
}
