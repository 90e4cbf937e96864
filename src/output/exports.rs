//! The open exports: every postmortem and every action item as CSV (RFC 4180, one row
//! each, for spreadsheets and BI tools), and for public builds the incidents in the terms
//! of the VOID (the Verica Open Incident Database), ready to contribute. Each carries a
//! version: columns and fields are only ever added; `version` changes when one changes
//! meaning or disappears.

use serde::Serialize;

use super::base_url;
use crate::model::{Archive, Postmortem, Span};
use crate::routes::{self, Page, Table};

pub const CSV_VERSION: u32 = 1;
pub const VOID_VERSION: u32 = 1;

/// Several values in one cell (services, tags), as spreadsheets split them.
const JOIN: &str = "; ";

/// File `part` of `table`.
pub fn table(a: &Archive, table: Table, part: usize) -> String {
    let rows = table.rows();
    let range = |len: usize| (part * rows).min(len)..((part + 1) * rows).min(len);
    match table {
        Table::Postmortems => postmortems(a, &a.postmortems[range(a.postmortems.len())]),
        Table::ActionItems => action_items(a, range(a.action_items.len())),
        Table::Void => void(a, part, &a.postmortems[range(a.postmortems.len())]),
    }
}

fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(header);
    for row in rows {
        let cells: Vec<std::borrow::Cow<str>> = row.iter().map(|cell| inert(cell)).collect();
        let _ = w.write_record(cells.iter().map(|cell| cell.as_bytes()));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A cell a spreadsheet shows as text instead of running it as a formula: one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` in front, as OWASP's
/// advice on CSV injection says. Every cell is someone's text (a `[[sources]]` team's,
/// an import's), so every one is treated so; a plain number (`-3`) is no formula and stays.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_formula && cell.parse::<f64>().is_err() { format!("'{cell}").into() } else { cell.into() }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn seconds(pm: &Postmortem, span: Span) -> String {
    opt(pm.duration(span).map(|d| d.as_secs()))
}

fn kinds(pm: &Postmortem) -> Vec<&str> {
    let mut kinds: Vec<&str> = Vec::new();
    for kind in pm.contributing_factors.iter().filter_map(|f| f.kind.as_deref()) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    kinds
}

const POSTMORTEM_COLUMNS: &[&str] = &[
    "version",
    "id",
    "url",
    "title",
    "date",
    "severity",
    "status",
    "visibility",
    "near_miss",
    "services",
    "tags",
    "teams",
    "summary",
    "authors",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "time_to_detect_seconds",
    "time_to_mitigate_seconds",
    "time_to_resolve_seconds",
    "affected",
    "contributing_factor_kinds",
    "contributing_factors",
    "action_items",
    "open_action_items",
];

fn postmortems(a: &Archive, pms: &[std::sync::Arc<Postmortem>]) -> String {
    let base = base_url(a);
    let rows = pms.iter().map(|pm| {
        let stamp = |t: Option<jiff::Timestamp>| opt(t);
        let open = pm.action_items.iter().filter(|i| i.status.is_open()).count();
        vec![
            CSV_VERSION.to_string(),
            pm.id.clone(),
            format!("{base}{}", routes::postmortem(&pm.id)),
            pm.title.clone(),
            // Empty while unknown: a reader's tool sees no value, not a made-up one.
            pm.date.map(|d| d.to_string()).unwrap_or_default(),
            pm.severity.clone().unwrap_or_default(),
            pm.status.as_str().to_string(),
            serde_plain(&pm.visibility),
            pm.near_miss.to_string(),
            pm.services.join(JOIN),
            pm.tags.join(JOIN),
            pm.teams.join(JOIN),
            pm.summary.clone().unwrap_or_default(),
            pm.authors.join(JOIN),
            stamp(pm.started_at),
            stamp(pm.detected_at),
            stamp(pm.mitigated_at),
            stamp(pm.resolved_at),
            seconds(pm, Span::Detect),
            seconds(pm, Span::Mitigate),
            seconds(pm, Span::Resolve),
            pm.affected.clone().unwrap_or_default(),
            kinds(pm).join(JOIN),
            pm.contributing_factors.iter().map(|f| f.statement.as_str()).collect::<Vec<_>>().join(JOIN),
            pm.action_items.len().to_string(),
            open.to_string(),
        ]
    });
    csv(POSTMORTEM_COLUMNS, rows)
}

/// A unit enum as the word serde gives it (`public`).
fn serde_plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

const ITEM_COLUMNS: &[&str] = &[
    "version",
    "postmortem_id",
    "postmortem_url",
    "postmortem_title",
    "title",
    "owner",
    "due",
    "priority",
    "status",
    "type",
    "link",
    "open",
    "overdue_days",
];

fn action_items(a: &Archive, range: std::ops::Range<usize>) -> String {
    let base = base_url(a);
    let rows = a.action_items[range].iter().map(|t| {
        let pm = &a.postmortems[t.postmortem];
        let item = &pm.action_items[t.item];
        vec![
            CSV_VERSION.to_string(),
            pm.id.clone(),
            format!("{base}{}", routes::postmortem(&pm.id)),
            pm.title.clone(),
            item.title.clone(),
            item.owner.clone().unwrap_or_default(),
            opt(item.due),
            item.priority.map(|p| format!("{p:?}")).unwrap_or_default(),
            item.status.as_str().to_string(),
            item.kind.map(|k| serde_plain(&k)).unwrap_or_default(),
            item.link.clone().unwrap_or_default(),
            t.open.to_string(),
            opt(t.overdue_days),
        ]
    });
    csv(ITEM_COLUMNS, rows)
}

/// One incident as the VOID records it.
#[derive(Serialize)]
struct VoidIncident<'a> {
    organisation: &'a str,
    title: &'a str,
    date: Option<String>,
    /// From the start of impact to resolution, when both are known.
    duration_seconds: Option<i64>,
    severity: Option<&'a str>,
    near_miss: bool,
    /// `contributing factors` when the postmortem names any, `root cause` when it only has
    /// tags, else `none`.
    analysis_type: &'static str,
    contributing_factor_kinds: Vec<&'a str>,
    url: String,
}

#[derive(Serialize)]
struct VoidFile<'a> {
    version: u32,
    organisation: &'a str,
    count: usize,
    next: Option<String>,
    incidents: Vec<VoidIncident<'a>>,
}

fn void(a: &Archive, part: usize, pms: &[std::sync::Arc<Postmortem>]) -> String {
    let base = base_url(a);
    let organisation = a.config.organisation.as_deref().unwrap_or(&a.config.title);
    let page = Page::Table(Table::Void, part);
    let incidents = pms
        .iter()
        .map(|pm| VoidIncident {
            organisation,
            title: &pm.title,
            date: pm.date.map(|d| d.to_string()),
            duration_seconds: pm.duration(Span::Resolve).map(|d| d.as_secs()),
            severity: pm.severity.as_deref(),
            near_miss: pm.near_miss,
            analysis_type: match (pm.contributing_factors.is_empty(), pm.tags.is_empty()) {
                (false, _) => "contributing factors",
                (true, false) => "root cause",
                (true, true) => "none",
            },
            contributing_factor_kinds: kinds(pm),
            url: format!("{base}{}", routes::postmortem(&pm.id)),
        })
        .collect();
    let file = VoidFile {
        version: VOID_VERSION,
        organisation,
        count: a.postmortems.len(),
        next: (part + 1 < page.parts(a)).then(|| page.part(part + 1).url(a)),
        incidents,
    };
    serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::ingest::{convert, read, schema};

    #[test]
    fn cells_that_start_a_formula_are_text_and_numbers_stay_numbers() {
        for (cell, shown) in [
            ("=1+1", "'=1+1"),
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-3", "-3"),
            ("+1.5", "+1.5"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(inert(cell), shown, "{cell:?}");
        }
    }

    /// An archive of `n` postmortems, public as a public build would hold them.
    fn archive(n: usize) -> Archive {
        let text = "---\ntitle: X\ndate: 2024-01-02\nseverity: SEV-2\nservices: [api]\n---\n";
        let path = Path::new("content/postmortems/x.md");
        let (loaded, _) = read::<schema::RawPostmortem>(path, text.into(), schema::POSTMORTEM_KEYS).unwrap();
        let pm = convert::postmortem(&Config::default(), &loaded).0;
        let pms = (0..n)
            .map(|i| {
                let mut pm = pm.clone();
                pm.id = format!("pm-{i}");
                Arc::new(pm)
            })
            .collect();
        let mut a = Archive::new(
            crate::model::Contents { postmortems: pms, ..Default::default() },
            true,
            jiff::civil::date(2024, 6, 1),
        );
        a.public = true;
        a
    }

    #[test]
    fn long_tables_continue_in_numbered_files_each_naming_the_next() {
        let a = archive(Table::Postmortems.rows() + 1);
        let page = Page::Table(Table::Postmortems, 0);
        assert_eq!(page.parts(&a), 2);
        assert_eq!(Page::at(&a, "postmortems-2.csv"), Some(Page::Table(Table::Postmortems, 1)));
        assert_eq!(Page::at(&a, "postmortems-3.csv"), None);
        assert_eq!(Page::at(&a, "postmortems-02.csv"), None);
        assert_eq!(table(&a, Table::Postmortems, 1).lines().count(), 2, "the header and the last row");
        let first: serde_json::Value = serde_json::from_str(&table(&a, Table::Void, 0)).unwrap();
        assert_eq!(first["next"], "void-2.json");
        assert_eq!(first["incidents"].as_array().unwrap().len(), Table::Void.rows());
        let last: serde_json::Value = serde_json::from_str(&table(&a, Table::Void, 2)).unwrap();
        assert_eq!((last["next"].clone(), last["count"].as_u64()), (serde_json::Value::Null, Some(10_001)));
        assert!(Page::all(&a).contains(&Page::Table(Table::Void, 2)));
        let mut internal = archive(1);
        internal.public = false;
        assert!(!Page::all(&internal).iter().any(|p| matches!(p, Page::Table(Table::Void, _))));
        assert_eq!(Page::at(&internal, "void.json"), None);
    }
}
