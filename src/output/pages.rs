//! What templates see: borrowed, display-ready views of the model (times in the site's
//! zone, durations in human units, URLs relative to the site root).

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};
use serde::Serialize;

use super::charts::{self, Bar};
use super::highlight::Highlighter;
use super::html::{self, Link, TimelineMarks, TocEntry};
use crate::config::Visibility;
use crate::markdown::{Target, classify, loose_anchor, resolve_asset, resolve_relative};
use crate::model::insights::{self, Durations, Insights, Month};
use crate::model::{
    Archive, External, ExternalGroup, GroupKind, Postmortem, Span, Taxonomy, TaxonomyKind, Term, format_duration,
};
use crate::routes::{self, Page};

/// A postmortem in a listing. Listings are remade when what `keys::card` hashes of a
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

#[derive(Serialize)]
pub struct TermView<'a> {
    /// Which taxonomy, without its other terms: a page of a listing costs its own entries.
    taxonomy: TaxonomyHead,
    term: &'a Term,
    items: Vec<Item<'a>>,
    pager: Pager,
    /// On the first page of a service or a factor kind.
    summary: Option<ServiceSummary>,
    /// On the first page of a factor kind: the services its incidents touched.
    services: Vec<Count>,
}

/// A name, how many postmortems have it, and its page.
#[derive(Serialize)]
pub struct Count {
    name: String,
    count: usize,
    url: Option<String>,
}

/// The services `members` touched, most often first, each with its count.
fn services_of(archive: &Archive, members: &[usize]) -> Vec<Count> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for &i in members {
        archive.postmortems[i].services.iter().for_each(|s| *counts.entry(s).or_default() += 1);
    }
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count {
            name: name.to_string(),
            count,
            url: Some(routes::term(TaxonomyKind::Services, name)),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    out.truncate(FEW_SERVICES);
    out
}

/// Services a factor's page names: the many it touched, not every one.
const FEW_SERVICES: usize = 20;

/// A service in numbers: incidents per month (a chart, and a table of the months that had
/// any) and its durations.
#[derive(Serialize)]
pub struct ServiceSummary {
    chart: String,
    months: Vec<Month>,
    severities: Vec<String>,
    durations: Durations,
}

impl<'a> TermView<'a> {
    pub fn new(archive: &'a Archive, page: Page, taxonomy: &'a Taxonomy, term: &'a Term) -> Self {
        let pager = Pager::new(archive, page, term.members.len());
        let factors = taxonomy.kind == TaxonomyKind::Factors;
        let items = term.members[pager.range.clone()]
            .iter()
            .map(|&i| {
                let pm = &archive.postmortems[i];
                let mut item = Item::new(pm, archive);
                if factors {
                    let of_kind = pm.contributing_factors.iter().filter(|f| f.kind.as_deref() == Some(&term.name));
                    item.factors = of_kind.map(|f| f.statement.as_str()).collect();
                }
                item
            })
            .collect();
        let first = page.part_number() == 0;
        let summarised = matches!(taxonomy.kind, TaxonomyKind::Services | TaxonomyKind::Factors);
        let summary = (summarised && first).then(|| ServiceSummary::new(archive, &term.name, &term.members));
        let services = if factors && first { services_of(archive, &term.members) } else { Vec::new() };
        let taxonomy = TaxonomyHead { key: taxonomy.kind.key(), title: taxonomy.title, singular: taxonomy.singular };
        TermView { taxonomy, term, items, pager, summary, services }
    }
}

#[derive(Serialize)]
struct TaxonomyHead {
    key: &'static str,
    title: &'static str,
    singular: &'static str,
}

/// How much of an external postmortem's summary the index shows: every entry is on that one
/// page, and the full text is a click away.
const EXTERNAL_SUMMARY_CHARS: usize = 240;

/// An external postmortem in a list: its own page, the source, and the summary (Markdown,
/// cut as a list's summaries are).
#[derive(Serialize)]
pub struct ExternalItem<'a> {
    #[serde(flatten)]
    external: &'a External,
    page: String,
    date: Option<&'a str>,
    categories: Vec<NamedLink<'a>>,
    summary_html: String,
}

/// A name and the page it links to.
#[derive(Serialize)]
struct NamedLink<'a> {
    name: &'a str,
    url: String,
}

impl<'a> ExternalItem<'a> {
    fn new(archive: &'a Archive, index: usize) -> Self {
        let e = &archive.external[index];
        let text = e.summary.as_deref().unwrap_or(e.body.trim());
        let categories = e
            .categories
            .iter()
            .map(|c| {
                let slug = crate::text::slugify(c);
                let name = archive.external_categories.iter().find(|g| g.slug == slug).map_or(c.as_str(), |g| &g.name);
                NamedLink { name, url: routes::external_category(&slug) }
            })
            .collect();
        ExternalItem {
            external: e,
            page: routes::external_entry(&e.slug),
            date: e.start_time.as_deref().map(|t| t.get(..10).unwrap_or(t)),
            categories,
            summary_html: if text.is_empty() {
                String::new()
            } else {
                html::summary(&cut(text, EXTERNAL_SUMMARY_CHARS))
            },
        }
    }
}

/// `/external/`: one list, by company A to Z, with a jump index of companies and categories.
#[derive(Serialize)]
pub struct ExternalIndex<'a> {
    count: usize,
    companies: Vec<(&'a ExternalGroup, Vec<ExternalItem<'a>>)>,
    categories: Vec<NamedLink<'a>>,
}

impl<'a> ExternalIndex<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        let companies = archive
            .external_companies
            .iter()
            .map(|g| (g, g.members.iter().map(|&i| ExternalItem::new(archive, i)).collect()))
            .collect();
        let categories = archive
            .external_categories
            .iter()
            .map(|g| NamedLink { name: &g.name, url: routes::external_category(&g.slug) })
            .collect();
        ExternalIndex { count: archive.external.len(), companies, categories }
    }
}

/// One external postmortem on its own page, its text in full.
#[derive(Serialize)]
pub struct ExternalPage<'a> {
    item: ExternalItem<'a>,
    /// Summary and body: icco files keep the summary in the body, so both are shown and
    /// neither is lost.
    text_html: String,
}

impl<'a> ExternalPage<'a> {
    pub fn new(archive: &'a Archive, index: usize) -> Self {
        let e = &archive.external[index];
        let text = [e.summary.as_deref().unwrap_or(""), e.body.trim()];
        let text_html = text.iter().filter(|t| !t.is_empty()).map(|t| html::summary(t)).collect();
        ExternalPage { item: ExternalItem::new(archive, index), text_html }
    }
}

/// One page of an external category.
#[derive(Serialize)]
pub struct ExternalCategoryView<'a> {
    category: &'a ExternalGroup,
    items: Vec<ExternalItem<'a>>,
    pager: Pager,
}

impl<'a> ExternalCategoryView<'a> {
    pub fn new(archive: &'a Archive, page: Page, index: usize) -> Self {
        let category = &archive.external_categories[index];
        let pager = Pager::new(archive, page, category.members.len());
        let items = category.members[pager.range.clone()].iter().map(|&i| ExternalItem::new(archive, i)).collect();
        ExternalCategoryView { category, items, pager }
    }
}

#[derive(Serialize)]
struct Moment {
    label: &'static str,
    at: String,
    iso: String,
}

#[derive(Serialize)]
struct Duration {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Row {
    when: String,
    iso: String,
    /// Time since impact began, e.g. `+1 h 05 min`.
    offset: Option<String>,
    marks: Vec<&'static str>,
    /// Position along the drawn bar, in percent.
    pos: f64,
    /// A moment from the front matter that no entry is at.
    synthetic: bool,
    day_only: bool,
    /// Where the entry's block starts in the body.
    #[serde(skip)]
    block: Option<usize>,
}

/// A stretch of the incident between two of its moments (impact began -> detected ->
/// mitigated -> resolved), drawn as a band over the timeline.
#[derive(Serialize)]
struct Phase {
    /// `detect`, `mitigate` or `resolve`: what the stretch ended with.
    kind: &'static str,
    /// `Impact → detected`: between which moments, so it is not read as "time to resolve"
    /// (which runs from impact).
    label: String,
    duration: String,
    /// Where it starts and how long it is along the drawn bar, in percent.
    left: f64,
    width: f64,
}

#[derive(Serialize)]
struct Related<'a> {
    id: &'a str,
    title: Option<&'a str>,
    url: Option<String>,
}

#[derive(Serialize)]
pub struct PostmortemView<'a> {
    pm: &'a Postmortem,
    item: Item<'a>,
    moments: Vec<Moment>,
    durations: Vec<Duration>,
    body_before: String,
    body_after: Option<String>,
    toc: Vec<TocEntry>,
    timeline_zone: String,
    timeline: Vec<Row>,
    phases: Vec<Phase>,
    related: Vec<Related<'a>>,
    similar: Vec<SimilarView<'a>>,
    factors: Vec<FactorView<'a>>,
    /// Each action item's ticket, in order, when the build read a tracker snapshot.
    tickets: Vec<Option<&'a crate::model::Ticket>>,
    /// "First written …, last updated …" and the edit link.
    edit_url: Option<String>,
    /// The team whose `[[sources]]` repository holds the file, unless `teams` are hidden.
    source_team: Option<&'a str>,
    /// The link destinations the body asked about, in order: what the page's key needs.
    #[serde(skip)]
    pub links: Vec<String>,
}

#[derive(Serialize)]
struct SimilarView<'a> {
    item: Item<'a>,
    shared_services: &'a [String],
    shared_tags: &'a [String],
}

const MARKS: [(&str, &str); 4] =
    [("impact", "Impact began"), ("detected", "Detected"), ("mitigated", "Mitigated"), ("resolved", "Resolved")];

/// What becomes of each link in `pm`'s body on the site.
pub fn link_resolver<'a>(pm: &'a Postmortem, archive: &'a Archive) -> impl Fn(&str) -> Link + 'a {
    // Authors link postmortems as files (`../2024-02-14-x.md`), which works in their editor
    // and on the Git host; on the site those links go to the page.
    // `#Impact` written as on GitHub becomes the page's `#impact` (`check` has made sure
    // it exists; same-page links are matched by `html::render` itself).
    let loose = |f: &str| f.chars().any(|c| c.is_ascii_uppercase() || c == '%');
    let fragment = move |f: Option<&str>| match f {
        Some(f) if loose(f) => format!("#{}", loose_anchor(f)),
        Some(f) => format!("#{f}"),
        None => String::new(),
    };
    move |dest: &str| match classify(dest, &archive.config.base_url) {
        Target::File { path, fragment: f } => match archive.from_source(&resolve_relative(&pm.source, &path)) {
            Some(to) => Link::To(format!("../../{}{}", routes::postmortem(&to.id), fragment(f))),
            None => Link::Unlink,
        },
        // A page this build leaves out (a draft, or internal in a public build) must not
        // be linked, nor its id shown.
        Target::Page { id, .. } if !archive.by_id.contains_key(id.as_str()) => Link::Unlink,
        Target::Page { fragment: Some(f), .. } if loose(f) => {
            Link::To(format!("{}{}", &dest[..dest.len() - f.len() - 1], fragment(Some(f))))
        }
        // A file the build copied (`Archive::published_assets`): where it is in the site.
        Target::Asset { path } => match resolve_asset(&pm.source, &path).filter(|p| archive.assets.contains(p)) {
            Some(file) => Link::To(format!("../../{}", routes::asset(&file))),
            None => Link::Keep,
        },
        _ => Link::Keep,
    }
}

/// The view of postmortem `index`, given its `similar` ones.
pub fn postmortem_view<'a>(
    index: usize,
    archive: &'a Archive,
    hl: &Highlighter,
    similar: &'a [crate::model::similar::Similar],
) -> PostmortemView<'a> {
    let pm = &*archive.postmortems[index];
    let tz = archive.config.time_zone();
    let stamps = [pm.started_at, pm.detected_at, pm.mitigated_at, pm.resolved_at];
    let moments = MARKS
        .iter()
        .zip(stamps)
        .filter_map(|((_, label), t)| Some(Moment { label, at: show(t?, &tz), iso: t?.to_string() }))
        .collect();
    let durations =
        [("Time to detect", Span::Detect), ("Time to mitigate", Span::Mitigate), ("Time to resolve", Span::Resolve)]
            .into_iter()
            .filter_map(|(label, span)| Some(Duration { label, value: format_duration(pm.duration(span)?) }))
            .collect();
    let resolve = link_resolver(pm, archive);
    // The destinations asked about, for the page's key (`keys`).
    let asked = std::cell::RefCell::new(Vec::new());
    let link = |dest: &str| {
        asked.borrow_mut().push(dest.to_string());
        resolve(dest)
    };
    let (timeline, phases) = timeline_rows(pm, stamps);
    let rendered = html::render(&pm.body, hl, &timeline_marks(pm, &timeline), &link, archive.config.unsafe_html);
    let related = pm
        .related
        .iter()
        .map(|id| {
            let found = archive.get(id);
            Related { id, title: found.map(|p| p.title.as_str()), url: found.map(|p| routes::postmortem(&p.id)) }
        })
        .collect();
    PostmortemView {
        pm,
        item: Item::new(pm, archive),
        moments,
        durations,
        body_before: rendered.before,
        body_after: rendered.after,
        toc: rendered.toc,
        timeline_zone: pm.timeline.zone.clone(),
        timeline,
        phases,
        related,
        factors: factor_views(archive, index),
        tickets: pm.action_items.iter().map(|item| archive.ticket(item)).collect(),
        similar: similar
            .iter()
            .map(|s| SimilarView {
                item: Item::new(&archive.postmortems[s.index], archive),
                shared_services: &s.shared_services,
                shared_tags: &s.shared_tags,
            })
            .collect(),
        edit_url: match &pm.origin {
            // A `[[sources]]` postmortem is edited in its own repository.
            Some(o) => o.repository_url.as_ref().map(|repo| {
                let path = pm.source.strip_prefix(&o.dir).unwrap_or(&pm.source);
                routes::edit_url(repo, o.branch.as_deref().unwrap_or("main"), &o.repository_prefix, path)
            }),
            None => archive.config.repository_url.as_ref().map(|repo| {
                let branch = archive.branch.as_deref().unwrap_or("main");
                routes::edit_url(repo, branch, &archive.repository_prefix, &pm.source)
            }),
        },
        source_team: pm.origin.as_ref().map(|o| o.team.as_str()).filter(|t| pm.teams.iter().any(|x| x == t)),
        links: asked.into_inner(),
    }
}

fn show(t: Timestamp, tz: &TimeZone) -> String {
    Zoned::new(t, tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Timeline entries with impact/detection/mitigation/resolution marked on the entry at the
/// same minute, or added as rows of their own when no entry matches; and the phases
/// between those moments, placed on the same bar.
fn timeline_rows(pm: &Postmortem, stamps: [Option<Timestamp>; 4]) -> (Vec<Row>, Vec<Phase>) {
    let zone = &pm.timeline.tz;
    let mut rows: Vec<(Timestamp, Row)> = pm
        .timeline
        .entries
        .iter()
        .map(|e| {
            (
                e.at,
                Row {
                    when: e.when.clone(),
                    iso: if e.day_only { e.day.to_string() } else { e.at.to_string() },
                    offset: None,
                    marks: vec![],
                    pos: 0.0,
                    synthetic: false,
                    day_only: e.day_only,
                    block: Some(e.block),
                },
            )
        })
        .collect();
    if rows.is_empty() {
        return (Vec::new(), Vec::new());
    }
    for ((mark, _), stamp) in MARKS.iter().zip(stamps) {
        let Some(t) = stamp else { continue };
        let same_minute = |(at, row): &&mut (Timestamp, Row)| {
            !row.day_only && at.duration_since(t).abs() < SignedDuration::from_secs(60)
        };
        match rows.iter_mut().find(same_minute) {
            Some((_, row)) => row.marks.push(mark),
            None => {
                let when = Zoned::new(t, zone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
                let row = Row {
                    when,
                    iso: t.to_string(),
                    offset: None,
                    marks: vec![mark],
                    pos: 0.0,
                    synthetic: true,
                    day_only: false,
                    block: None,
                };
                rows.push((t, row));
            }
        }
    }
    rows.sort_by_key(|(t, _)| *t);
    let first = rows[0].0;
    let span = rows[rows.len() - 1].0.duration_since(first).as_secs_f64();
    let origin = pm.started_at.unwrap_or(first);
    let pos = |t: Timestamp| {
        if span > 0.0 { (t.duration_since(first).as_secs_f64() / span * 1000.0).round() / 10.0 } else { 0.0 }
    };
    // Each known moment after impact ends a phase that began at the moment before it.
    let known: Vec<(usize, Timestamp)> = stamps.iter().enumerate().filter_map(|(i, t)| Some((i, (*t)?))).collect();
    let phases = known
        .windows(2)
        .filter(|w| w[0].1 <= w[1].1)
        .map(|w| Phase {
            kind: ["", "detect", "mitigate", "resolve"][w[1].0],
            label: format!(
                "{} → {}",
                ["Impact", "Detected", "Mitigated"][w[0].0],
                ["", "detected", "mitigated", "resolved"][w[1].0]
            ),
            duration: format_duration(w[1].1.duration_since(w[0].1)),
            left: pos(w[0].1),
            width: ((pos(w[1].1) - pos(w[0].1)) * 10.0).round() / 10.0,
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(t, mut row)| {
            row.pos = pos(t);
            let d = t.duration_since(origin);
            row.offset = Some(if d.is_negative() { format_duration(d) } else { format!("+{}", format_duration(d)) });
            row
        })
        .collect();
    (rows, phases)
}

/// The timeline's entries marked in the body where the author wrote them: the list item or
/// paragraph gets classes for its marks and its instant (`data-at`), and its offset and
/// mark labels go before the text.
fn timeline_marks(pm: &Postmortem, rows: &[Row]) -> TimelineMarks {
    let entries = rows
        .iter()
        .filter_map(|row| {
            let mut class = String::from("entry");
            let mut before = String::from("<span class=\"entry-meta\">");
            if row.day_only {
                class.push_str(" day");
            } else if let Some(offset) = &row.offset {
                before.push_str(&format!("<span class=\"offset\">{offset}</span>"));
            }
            for mark in &row.marks {
                let label = MARKS.iter().find(|(m, _)| m == mark).map_or("", |(_, label)| label);
                class.push_str(&format!(" mark-{mark}"));
                before.push_str(&format!(" <strong class=\"mark\">{label}</strong>"));
            }
            before.push_str("</span> ");
            Some((row.block?, (format!("class=\"{class}\" data-at=\"{}\"", row.iso), before)))
        })
        .collect();
    TimelineMarks { heading: pm.timeline.heading, entries }
}

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

/// A severity on the severities page: its colour (rank), meaning and count, worst first,
/// those no postmortem has yet included (their meaning still helps an author choose).
#[derive(Serialize)]
pub struct SeverityRow<'a> {
    name: &'a str,
    rank: usize,
    count: usize,
    description: Option<&'a str>,
    url: Option<String>,
}

pub fn severity_rows(archive: &Archive) -> Vec<SeverityRow<'_>> {
    let terms = &archive.taxonomy(TaxonomyKind::Severities).terms;
    archive
        .config
        .severities
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let term = terms.iter().find(|t| &t.name == name);
            SeverityRow {
                name,
                rank: i + 1,
                count: term.map_or(0, |t| t.count),
                description: archive.config.severity_description(name),
                url: term.map(|t| routes::term(TaxonomyKind::Severities, &t.name)),
            }
        })
        .collect()
}

/// The home page: what is open, the recent trend, the newest postmortems.
#[derive(Serialize)]
pub struct HomeView<'a> {
    /// How many postmortems: only the home page says, so a new one changes no other page
    /// that does not list it.
    total: usize,
    recent: Vec<Item<'a>>,
    taxonomies: &'a [Taxonomy],
    external_count: usize,
    open: usize,
    overdue: usize,
    months_chart: String,
}

/// Months the home page's chart covers.
const HOME_MONTHS: usize = 24;

impl<'a> HomeView<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        let severities = &archive.config.severities;
        let mut months = insights::months(archive.postmortems.iter().map(|p| &**p), severities);
        months.drain(..months.len().saturating_sub(HOME_MONTHS));
        HomeView {
            total: archive.postmortems.len(),
            recent: archive.postmortems.iter().take(20).map(|p| Item::new(p, archive)).collect(),
            taxonomies: &archive.taxonomies,
            external_count: archive.external.len(),
            open: archive.open_action_items(),
            overdue: archive.action_items.iter().filter(|t| t.overdue_days.is_some()).count(),
            months_chart: charts::months(&months, severities, "Incidents per month, by severity"),
        }
    }
}

/// `/insights/`: the numbers and their charts.
#[derive(Serialize)]
pub struct InsightsView {
    insights: Insights,
    months_chart: String,
    detect_histogram_chart: String,
    resolve_histogram_chart: String,
    resolve_strips_chart: String,
    resolve_by_severity_chart: String,
    resolve_by_service_chart: String,
    per_year_chart: String,
}

/// Bars of time to resolve: the median, the p90 beyond it, and how many incidents count.
fn resolve_bars<'a>(groups: impl Iterator<Item = &'a Durations>, class: impl Fn(&str) -> String) -> Vec<Bar> {
    groups
        .filter_map(|g| {
            let r = g.resolve.as_ref()?;
            Some(Bar {
                label: g.name.clone(),
                class: class(&g.name),
                value: r.median_seconds,
                upper: Some(r.p90_seconds),
                text: format!("{} · p90 {} · {} resolved", r.median, r.p90, r.count),
            })
        })
        .collect()
}

const RESOLVE_UNIT: &str = "median (bar) and p90 (lighter), from the start of impact";

impl InsightsView {
    pub fn new(archive: &Archive) -> Self {
        let insights = Insights::new(archive);
        let months_chart = charts::months(&insights.months, &insights.severities, "Incidents per month, by severity");
        let severity = |name: &str| format!("sev-{}", archive.config.severity_rank(name).saturating_add(1));
        let resolve_by_severity_chart = charts::bars(
            &resolve_bars(insights.by_severity.iter(), severity),
            "Time to resolve by severity",
            RESOLVE_UNIT,
            "Severity",
        );
        // The services with most incidents, slowest first.
        let mut busiest: Vec<&Durations> = insights.by_service.iter().collect();
        busiest.sort_by(|a, b| b.incidents.cmp(&a.incidents).then_with(|| a.name.cmp(&b.name)));
        let mut by_service = resolve_bars(busiest.into_iter().take(15), |_| String::new());
        by_service.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
        let resolve_by_service_chart = charts::bars(
            &by_service,
            "Time to resolve, the 15 services with most incidents, slowest first",
            RESOLVE_UNIT,
            "Service",
        );
        let per_year: Vec<Bar> = insights
            .by_year
            .iter()
            .map(|y| Bar {
                label: y.name.clone(),
                class: String::new(),
                value: y.incidents as i64,
                upper: None,
                text: y.incidents.to_string(),
            })
            .collect();
        let per_year_chart = charts::bars(&per_year, "Incidents per year", "incidents", "Year");
        let histogram = |bins: &[insights::Bin], caption: &str| {
            let bars: Vec<Bar> = bins
                .iter()
                .map(|b| Bar {
                    label: b.label.to_string(),
                    class: String::new(),
                    value: b.count as i64,
                    upper: None,
                    text: b.count.to_string(),
                })
                .collect();
            charts::bars(&bars, caption, "incidents per bin; each bin about three times the one before", "Duration")
        };
        let detect_histogram_chart = histogram(&insights.detect_histogram, "Time to detect");
        let resolve_histogram_chart = histogram(&insights.resolve_histogram, "Time to resolve");
        let strips: Vec<charts::Strip> = archive
            .taxonomy(TaxonomyKind::Severities)
            .terms
            .iter()
            .map(|t| charts::Strip {
                label: t.name.clone(),
                class: severity(&t.name),
                seconds: insights::seconds(t.members.iter().map(|&i| &*archive.postmortems[i]), Span::Resolve),
            })
            .collect();
        let resolve_strips_chart = charts::strips(&strips, "Time to resolve of every incident, by severity");
        InsightsView {
            insights,
            months_chart,
            detect_histogram_chart,
            resolve_histogram_chart,
            resolve_strips_chart,
            resolve_by_severity_chart,
            resolve_by_service_chart,
            per_year_chart,
        }
    }
}

impl ServiceSummary {
    /// The numbers of the postmortems `members`, which `name` has in common.
    fn new(archive: &Archive, name: &str, members: &[usize]) -> Self {
        let pms = || members.iter().map(|&i| &*archive.postmortems[i]);
        let severities = &archive.config.severities;
        let mut months = insights::months(pms(), severities);
        let chart = charts::months(&months, severities, &format!("Incidents with {name}, by severity"));
        months.retain(|m| m.total > 0);
        ServiceSummary {
            chart,
            months,
            severities: severities.clone(),
            durations: insights::durations(name.to_string(), pms()),
        }
    }
}

/// A factor on its postmortem's page, and where else it appeared.
#[derive(Serialize)]
struct FactorView<'a> {
    statement: &'a str,
    kind: Option<&'a str>,
    /// Other postmortems naming it, newest first, a few of them.
    also: Vec<Item<'a>>,
    /// How many more there are, all on the recurring factor's page (`recurring_url`).
    more: usize,
    recurring_url: Option<String>,
}

/// Other postmortems a factor's entry links: the rest are on the factor's own page.
const ALSO: usize = 5;

fn factor_views<'a>(archive: &'a Archive, index: usize) -> Vec<FactorView<'a>> {
    let pm = &archive.postmortems[index];
    pm.contributing_factors
        .iter()
        .map(|f| {
            let recurring = archive.recurring_of(f).map(|r| &archive.recurring[r]);
            let others: Vec<usize> =
                recurring.map_or_else(Vec::new, |r| r.members.iter().copied().filter(|&m| m != index).collect());
            FactorView {
                statement: &f.statement,
                kind: f.kind.as_deref(),
                also: others.iter().take(ALSO).map(|&m| Item::new(&archive.postmortems[m], archive)).collect(),
                more: others.len().saturating_sub(ALSO),
                recurring_url: recurring.map(|r| routes::recurring(&r.slug)),
            }
        })
        .collect()
}

/// A reading list's entry: one of this archive's postmortems, or an external one, which
/// the list template (`pm_list`) tells apart by its `external`.
#[derive(Serialize)]
#[serde(untagged)]
enum Reading<'a> {
    Postmortem(Item<'a>),
    External { external: ExternalItem<'a> },
}

/// A reading list, its entries in the order `site.toml` gives them: ids the build leaves
/// out (a draft, an internal postmortem in a public build) are skipped.
#[derive(Serialize)]
pub struct ReadingListView<'a> {
    name: &'a str,
    description: Option<&'a str>,
    entries: Vec<Reading<'a>>,
}

impl<'a> ReadingListView<'a> {
    pub fn new(archive: &'a Archive, index: usize) -> Self {
        let list = &archive.config.reading_lists[index];
        let entries = list
            .ids
            .iter()
            .filter_map(|id| {
                let id = id.get_ref();
                if let Some(pm) = archive.get(id) {
                    return Some(Reading::Postmortem(Item::new(pm, archive)));
                }
                let e = archive.external.iter().position(|e| &e.slug == id)?;
                Some(Reading::External { external: ExternalItem::new(archive, e) })
            })
            .collect();
        ReadingListView { name: &list.name, description: list.description.as_deref(), entries }
    }
}

/// `/reading/`: every reading list, with how many entries it has in this build.
#[derive(Serialize)]
pub struct ReadingListsView<'a> {
    lists: Vec<ReadingListsEntry<'a>>,
}

#[derive(Serialize)]
struct ReadingListsEntry<'a> {
    name: &'a str,
    description: Option<&'a str>,
    url: String,
    count: usize,
}

impl<'a> ReadingListsView<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        let lists = (0..archive.config.reading_lists.len())
            .map(|i| {
                let view = ReadingListView::new(archive, i);
                ReadingListsEntry {
                    name: view.name,
                    description: view.description,
                    url: Page::ReadingList(i).url(archive),
                    count: view.entries.len(),
                }
            })
            .collect();
        ReadingListsView { lists }
    }
}

/// `/factors/`: the site's factor kinds (those no postmortem has yet too: the vocabulary
/// helps an author choose) and the factors several postmortems name.
#[derive(Serialize)]
pub struct FactorsIndex<'a> {
    kinds: Vec<Count>,
    /// Factors without a kind, which no kind's page lists.
    unkinded: usize,
    recurring: &'a [crate::model::Recurring],
    /// How many recurring factors the index leaves to the postmortems' pages.
    recurring_more: usize,
}

/// Recurring factors the index lists: the most shared, enough for any archive's themes.
const RECURRING_LISTED: usize = 200;

impl<'a> FactorsIndex<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        let terms = &archive.taxonomy(TaxonomyKind::Factors).terms;
        let kinds = archive
            .config
            .factor_kinds
            .iter()
            .map(|name| {
                let term = terms.iter().find(|t| &t.name == name);
                Count {
                    name: name.clone(),
                    count: term.map_or(0, |t| t.count),
                    url: term.map(|t| routes::term(TaxonomyKind::Factors, &t.name)),
                }
            })
            .collect();
        let all = archive.postmortems.iter().flat_map(|p| &p.contributing_factors);
        let listed = archive.recurring.len().min(RECURRING_LISTED);
        FactorsIndex {
            kinds,
            unkinded: all.filter(|f| f.kind.is_none()).count(),
            recurring: &archive.recurring[..listed],
            recurring_more: archive.recurring.len() - listed,
        }
    }
}

/// `/factors/recurring/<slug>/`: one factor several postmortems name, and them.
#[derive(Serialize)]
pub struct RecurringView<'a> {
    factor: &'a crate::model::Recurring,
    kinds: Vec<Count>,
    items: Vec<Item<'a>>,
    pager: Pager,
    services: Vec<Count>,
    first_seen: String,
    last_seen: String,
}

impl<'a> RecurringView<'a> {
    pub fn new(archive: &'a Archive, page: Page, index: usize) -> Self {
        let factor = &archive.recurring[index];
        let pager = Pager::new(archive, page, factor.members.len());
        let items =
            factor.members[pager.range.clone()].iter().map(|&i| Item::new(&archive.postmortems[i], archive)).collect();
        // Postmortems of unknown date are in the factor's list, not in when it was seen.
        let dates = || factor.members.iter().filter_map(|&i| archive.postmortems[i].date);
        let date = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string()).unwrap_or_default();
        let kinds = factor
            .kinds
            .iter()
            .map(|k| Count { name: k.clone(), count: 0, url: Some(routes::term(TaxonomyKind::Factors, k)) })
            .collect();
        RecurringView {
            factor,
            kinds,
            items,
            pager,
            services: services_of(archive, &factor.members),
            first_seen: date(dates().min()),
            last_seen: date(dates().max()),
        }
    }
}
