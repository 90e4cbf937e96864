//! What templates see: borrowed, display-ready views of the model (times in the site's
//! zone, durations in human units, URLs relative to the site root).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::Serialize;

use super::charts::{self, Bar};
use super::highlight::Highlighter;
use super::html::{self, Link, TimelineMarks, TocEntry};
use super::keys::{Key, Parts};
use crate::config::Visibility;
use crate::markdown::{Target, classify, loose_anchor, resolve_asset, resolve_relative};
use crate::model::insights::{self, Durations, Insights, Month};
use crate::model::{
    Archive, External, ExternalGroup, GroupKind, Postmortem, Span, Taxonomy, TaxonomyKind, Term, format_duration,
};
use crate::routes::{self, Page};

mod action_items;
mod external;
mod postmortem;
mod summary;
mod term;

pub use action_items::*;
pub use external::*;
pub use postmortem::*;
pub use summary::*;
pub use term::*;

/// A postmortem in a listing. Listings are remade when what `card` (below) hashes of a
/// postmortem changes: a field read here must be hashed there.
#[derive(Serialize)]
pub struct Item<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// `None` while unknown: the templates say so, and count it as no value.
    pub date: Option<String>,
    pub severity: Option<&'a str>,
    pub severity_rank: Option<usize>,
    pub status: &'static str,
    /// The first few services; `services_more` says how many more the page itself lists.
    pub services: &'a [String],
    pub services_more: usize,
    pub tags: &'a [String],
    /// Cut to a few lines: a list shows it once for every term of the postmortem.
    pub summary: Option<String>,
    pub ttr: Option<String>,
    pub url: String,
    /// Shown with an "internal" badge, so authors see what a public build leaves out (when
    /// the archive has public postmortems too).
    pub internal: bool,
    pub near_miss: bool,
    /// On a factor kind's page: the postmortem's factors of that kind.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<&'a str>,
}

/// How many terms a list entry shows. A postmortem appears on the page of every one of its
/// terms: listing all of them there would make the output grow with their square.
const FEW: usize = 8;

/// How much of a summary a list entry shows, for the same reason.
const SUMMARY_CHARS: usize = 400;

fn few(terms: &[String]) -> &[String] {
    &terms[..terms.len().min(FEW)]
}

/// `text` cut after `chars` characters, at a word where there is one, with an ellipsis.
fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_string(),
        Some((at, _)) => {
            let head = &text[..at];
            let head = head.rfind(' ').filter(|&i| i > at / 2).map_or(head, |i| &head[..i]);
            format!("{}…", head.trim_end())
        }
    }
}

impl<'a> Item<'a> {
    pub fn new(pm: &'a Postmortem, archive: &Archive) -> Self {
        let config = &archive.config;
        Item {
            id: &pm.id,
            title: &pm.title,
            date: pm.date.map(|d| d.to_string()),
            severity: pm.severity.as_deref(),
            severity_rank: pm.severity_rank(config).map(|r| r + 1),
            status: pm.status.as_str(),
            services: few(&pm.services),
            services_more: pm.services.len().saturating_sub(FEW),
            tags: few(&pm.tags),
            summary: pm.summary.as_deref().map(|s| cut(s, SUMMARY_CHARS)),
            ttr: pm.duration(Span::Resolve).map(format_duration),
            url: routes::postmortem(&pm.id),
            internal: archive.mixed_visibility && pm.visibility == Visibility::Internal,
            near_miss: pm.near_miss,
            factors: Vec::new(),
        }
    }
}

/// What a listing shows of a postmortem (its `Item`) and what finding similar ones and a
/// service's numbers read, field by field (hashing the serialized `Item` cost a warm build
/// a tenth of its time). Settings it reads (severity ranks, badges) are in the stamp.
pub(in crate::output) fn card(pm: &Postmortem) -> u128 {
    let mut k = Key::default();
    k.str(&pm.id).str(&pm.title).opt(pm.date.map(|d| d.to_string()).as_deref()).opt(pm.severity.as_deref());
    k.str(pm.status.as_str());
    k.num(pm.visibility as u128).opt(pm.summary.as_deref()).num(u128::from(pm.near_miss));
    k.num(pm.contributing_factors.len() as u128);
    for f in &pm.contributing_factors {
        k.str(&f.statement).opt(f.kind.as_deref());
    }
    for list in [&pm.services, &pm.tags] {
        k.num(list.len() as u128);
        list.iter().for_each(|s| {
            k.str(s);
        });
    }
    for at in [pm.started_at, pm.detected_at, pm.mitigated_at, pm.resolved_at] {
        k.num(at.map_or(0, |t| t.as_nanosecond() as u128 + 1));
    }
    k.finish()
}

/// Where one page of a listing sits among its pages: "101–200 of 4,012", and links to the
/// first, last, neighbouring and previous/next pages (not to every page, which would make a
/// large listing's output grow with the square of its length).
#[derive(Serialize)]
pub struct Pager {
    /// 1-based.
    number: usize,
    count: usize,
    first: usize,
    last: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    /// Page links in order; `None` where pages are skipped.
    links: Vec<Option<PagerLink>>,
    /// The entries of this page, as indices into the whole listing.
    #[serde(skip)]
    range: std::ops::Range<usize>,
}

#[derive(Serialize)]
struct PagerLink {
    number: usize,
    url: String,
    current: bool,
}

/// Pages shown either side of the current one.
const PAGER_WINDOW: usize = 2;

impl Pager {
    pub fn new(archive: &Archive, page: Page, total: usize) -> Self {
        let per_page = archive.config.per_page.get();
        let (part, count) = (page.part_number(), page.parts(archive));
        let range = (part * per_page).min(total)..((part + 1) * per_page).min(total);
        let url = |p: usize| page.part(p).url(archive);
        // The first, the last and the window around this one, in order: only the pages
        // shown are visited, so a long listing's pages do not each walk all of them.
        let window = part.saturating_sub(PAGER_WINDOW)..=(part + PAGER_WINDOW).min(count - 1);
        let mut shown: Vec<usize> = std::iter::once(0).chain(window).chain(std::iter::once(count - 1)).collect();
        shown.dedup();
        let mut links: Vec<Option<PagerLink>> = Vec::new();
        for (i, &p) in shown.iter().enumerate() {
            if i > 0 && p > shown[i - 1] + 1 {
                links.push(None);
            }
            links.push(Some(PagerLink { number: p + 1, url: url(p), current: p == part }));
        }
        Pager {
            number: part + 1,
            count,
            first: range.start + 1,
            last: range.end,
            total,
            prev: (part > 0).then(|| url(part - 1)),
            next: (part + 1 < count).then(|| url(part + 1)),
            links,
            range,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::card;
    use crate::config::Config;
    use crate::ingest::{convert, read, schema};
    use crate::model::Postmortem;

    const FRONT: &str = "title: Checkout down\ndate: 2024-01-02\nseverity: SEV-2\nstatus: closed\n\
        visibility: internal\nservices: [checkout]\ntags: [deploy]\nsummary: p99 grew to 1.2 s\n\
        started_at: 2024-01-02T10:00:00Z\ndetected_at: 2024-01-02T10:05:00Z\n\
        mitigated_at: 2024-01-02T10:30:00Z\nresolved_at: 2024-01-02T11:00:00Z";

    fn pm(front: &str, body: &str) -> Postmortem {
        let text = format!("---\n{front}\n---\n{body}");
        let path = Path::new("content/postmortems/checkout-down.md");
        let (loaded, _) = read::<schema::RawPostmortem>(path, text.into_bytes(), schema::POSTMORTEM_KEYS).unwrap();
        convert::postmortem(&Config::default(), &loaded).0
    }

    #[test]
    fn a_card_changes_with_what_listings_show_and_not_with_the_body() {
        let base = card(&pm(FRONT, "## Summary\n\nA deploy.\n"));
        assert_eq!(card(&pm(FRONT, "## Summary\n\nA deploy, and more text.\n")), base);
        for (old, new) in [
            ("title: Checkout down", "title: Checkout slow"),
            ("date: 2024-01-02", "date: 2024-01-03"),
            ("severity: SEV-2", "severity: SEV-1"),
            ("status: closed", "status: reviewed"),
            ("visibility: internal", "visibility: public"),
            ("services: [checkout]", "services: [checkout, cart]"),
            ("tags: [deploy]", "tags: [config]"),
            ("summary: p99 grew to 1.2 s", "summary: p99 grew to 1.3 s"),
            ("started_at: 2024-01-02T10:00:00Z", "started_at: 2024-01-02T09:00:00Z"),
            ("detected_at: 2024-01-02T10:05:00Z", "detected_at: 2024-01-02T10:06:00Z"),
            ("mitigated_at: 2024-01-02T10:30:00Z", "mitigated_at: 2024-01-02T10:31:00Z"),
            ("resolved_at: 2024-01-02T11:00:00Z", "resolved_at: 2024-01-02T12:00:00Z"),
            ("status: closed", "status: closed\nnear_miss: true"),
            ("status: closed", "status: closed\ncontributing_factors: [No canary]"),
            ("title: Checkout down", "id: other-id\ntitle: Checkout down"),
        ] {
            assert!(FRONT.contains(old), "{old}");
            assert_ne!(card(&pm(&FRONT.replace(old, new), "")), base, "{new}");
        }
    }
}
