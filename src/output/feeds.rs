//! Machine-readable outputs: the Atom feed, the sitemap, and the JSON export
//! (`/postmortems.json` and one `index.json` per postmortem) with a versioned schema.

use jiff::Timestamp;
use serde::Serialize;

use super::{base_url, escape as escape_html};
use crate::model::{ActionItem, Archive, Postmortem, Span};
use crate::routes;

/// Bumped when a field of the JSON export changes meaning or disappears.
pub const JSON_VERSION: u32 = 2;

/// How many postmortems the feed carries: readers want what is new, not the archive.
const FEED_ENTRIES: usize = 50;

/// One postmortem in the JSON export: its front matter, computed durations and URL.
#[derive(Serialize)]
pub struct Export<'a> {
    pub id: &'a str,
    pub url: String,
    pub title: &'a str,
    /// `null` while unknown.
    pub date: Option<String>,
    pub severity: Option<&'a str>,
    pub status: &'static str,
    pub visibility: crate::config::Visibility,
    pub services: &'a [String],
    pub tags: &'a [String],
    pub teams: &'a [String],
    pub summary: Option<&'a str>,
    pub authors: &'a [String],
    pub responders: &'a [String],
    pub incident_commander: Option<&'a str>,
    pub scribe: Option<&'a str>,
    pub started_at: Option<Timestamp>,
    pub detected_at: Option<Timestamp>,
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Seconds from the start of impact; absent when a timestamp is missing.
    pub time_to_detect_seconds: Option<i64>,
    pub time_to_mitigate_seconds: Option<i64>,
    pub time_to_resolve_seconds: Option<i64>,
    pub action_items: &'a [ActionItem],
    pub related: &'a [String],
    pub external_url: Option<&'a str>,
    pub affected: Option<&'a str>,
    pub contributing_factors: &'a [crate::model::Factor],
    pub near_miss: bool,
    pub surprises: &'a [String],
    /// First and last commit, revisions and authors, when the file is committed.
    pub history: Option<&'a crate::model::History>,
}

impl<'a> Export<'a> {
    pub fn new(pm: &'a Postmortem, base_url: &str) -> Self {
        let seconds = |span| pm.duration(span).map(|d| d.as_secs());
        Export {
            id: &pm.id,
            url: format!("{base_url}{}", routes::postmortem(&pm.id)),
            title: &pm.title,
            date: pm.date.map(|d| d.to_string()),
            severity: pm.severity.as_deref(),
            status: pm.status.as_str(),
            visibility: pm.visibility,
            services: &pm.services,
            tags: &pm.tags,
            teams: &pm.teams,
            summary: pm.summary.as_deref(),
            authors: &pm.authors,
            responders: &pm.responders,
            incident_commander: pm.incident_commander.as_deref(),
            scribe: pm.scribe.as_deref(),
            started_at: pm.started_at,
            detected_at: pm.detected_at,
            mitigated_at: pm.mitigated_at,
            resolved_at: pm.resolved_at,
            time_to_detect_seconds: seconds(Span::Detect),
            time_to_mitigate_seconds: seconds(Span::Mitigate),
            time_to_resolve_seconds: seconds(Span::Resolve),
            action_items: &pm.action_items,
            related: &pm.related,
            external_url: pm.external_url.as_deref(),
            affected: pm.affected.as_deref(),
            contributing_factors: &pm.contributing_factors,
            near_miss: pm.near_miss,
            surprises: &pm.surprises,
            history: pm.history.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct ExportHead<'a> {
    version: u32,
    title: &'a str,
    base_url: &'a str,
    /// Published postmortems in the whole export.
    count: usize,
    /// The export's next file, relative to this one; `None` in the last.
    next: Option<String>,
}

/// `/postmortems.json`, and for more than `EXPORT_CHUNK` postmortems `postmortems-2.json`
/// and on, each linking the next: every published postmortem, newest first, one per line.
pub fn export(archive: &Archive, part: usize) -> String {
    let base = base_url(archive);
    let page = routes::Page::Export(part);
    let next = (part + 1 < page.parts(archive)).then(|| page.part(part + 1).url(archive));
    let head = ExportHead {
        version: JSON_VERSION,
        title: &archive.config.title,
        base_url: &base,
        count: archive.postmortems.len(),
        next,
    };
    let mut out = serde_json::to_string(&head).unwrap_or_default();
    out.truncate(out.len() - 1);
    out.push_str(",\"postmortems\":[");
    let chunk = archive.postmortems.chunks(routes::EXPORT_CHUNK).nth(part).unwrap_or_default();
    for (i, pm) in chunk.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&serde_json::to_string(&Export::new(pm, &base)).unwrap_or_default());
    }
    out.push_str("\n]}\n");
    out
}

#[derive(Serialize)]
struct One<'a> {
    version: u32,
    #[serde(flatten)]
    postmortem: Export<'a>,
}

/// `/postmortems/<id>/index.json`.
pub fn export_one(archive: &Archive, pm: &Postmortem) -> String {
    let one = One { version: JSON_VERSION, postmortem: Export::new(pm, &base_url(archive)) };
    serde_json::to_string(&one).unwrap_or_default() + "\n"
}

/// When a postmortem last changed, as far as the archive knows: its last commit, else
/// the end of the incident, else its day; `None` when it knows none of them.
fn updated(pm: &Postmortem) -> Option<Timestamp> {
    let day = || pm.date?.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp());
    pm.history.as_ref().map(|h| h.last).or(pm.resolved_at).or(pm.started_at).or_else(day)
}

/// `/feed.xml`: an Atom feed of the most recent postmortems.
pub fn feed(archive: &Archive) -> String {
    let base = base_url(archive);
    let title = xml(&archive.config.title);
    // A feed is in time order: a postmortem with no time the archive knows is not in it.
    let entries: Vec<(&std::sync::Arc<Postmortem>, Timestamp)> =
        archive.postmortems.iter().filter_map(|p| Some((p, updated(p)?))).take(FEED_ENTRIES).collect();
    let feed_updated = entries.iter().map(|(_, t)| *t).max().unwrap_or_default();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>{title}</title>\n  <id>{base}</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{base}\"/>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}feed.xml\"/>\n  <updated>{feed_updated}</updated>\n  <author><name>{title}</name></author>\n  <generator>hindsight</generator>\n"
    );
    for (pm, updated) in entries {
        let url = format!("{base}{}", routes::postmortem(&pm.id));
        let published = pm.started_at.unwrap_or(updated);
        out.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{url}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n    <published>{published}</published>\n    <updated>{}</updated>\n",
            xml(&format!("[{}] {}", pm.severity_shown(), pm.title)),
            updated
        ));
        for author in &pm.authors {
            out.push_str(&format!("    <author><name>{}</name></author>\n", xml(author)));
        }
        for term in pm.services.iter().chain(&pm.tags) {
            out.push_str(&format!("    <category term=\"{}\"/>\n", xml(term)));
        }
        if let Some(summary) = &pm.summary {
            out.push_str(&format!("    <summary>{}</summary>\n", xml(summary)));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// `/sitemap.xml`: every page, absolute URLs.
/// `/sitemap.xml` of a site with more pages than one sitemap may list: the sitemaps'
/// index, which search engines read as they read one sitemap.
pub fn sitemap_index(archive: &Archive, sitemaps: impl Iterator<Item = String>) -> String {
    let base = base_url(archive);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in sitemaps {
        out.push_str(&format!("  <sitemap><loc>{}</loc></sitemap>\n", xml(&format!("{base}{url}"))));
    }
    out.push_str("</sitemapindex>\n");
    out
}

pub fn sitemap(archive: &Archive, urls: impl Iterator<Item = String>) -> String {
    let base = base_url(archive);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        let loc = format!("{base}{url}");
        out.push_str(&format!("  <url><loc>{}</loc></url>\n", xml(&loc)));
    }
    out.push_str("</urlset>\n");
    out
}

/// Text as XML 1.0 allows it: escaped, and without the control characters it forbids
/// (`\u{1}`, `\v`, form feed...), which would make the whole feed unreadable.
fn xml(s: &str) -> String {
    let allowed = |c: &char| match *c {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => false,
        _ => true,
    };
    escape_html(&s.chars().filter(allowed).collect::<String>())
}
