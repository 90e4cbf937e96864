//! Listings: every postmortem (`/postmortems/`), and by taxonomy: a term's postmortems
//! (with a service's numbers), the severities page, the factors index and a recurring
//! factor's page.

use super::*;

/// One page of `/postmortems/`: every postmortem, newest first.
#[derive(Serialize)]
pub struct PostmortemsView<'a> {
    total: usize,
    /// Drafts this build left out, said so that a list of none is not read as empty.
    drafts_left_out: usize,
    items: Vec<Item<'a>>,
    pager: Pager,
}

impl<'a> PostmortemsView<'a> {
    pub fn new(archive: &'a Archive, page: Page) -> Self {
        let pager = Pager::new(archive, page, archive.postmortems.len());
        let items = archive.postmortems[pager.range.clone()].iter().map(|pm| Item::new(pm, archive)).collect();
        let drafts_left_out = crate::privacy::drafts_left_out(archive);
        PostmortemsView { total: archive.postmortems.len(), drafts_left_out, items, pager }
    }
}

/// What `PostmortemsView` reads: the counts, and the cards of the page's postmortems.
pub(in crate::output) fn postmortems_key(k: &mut Key, a: &Archive, parts: &Parts, page: Page) {
    k.num(a.postmortems.len() as u128).num(crate::privacy::drafts_left_out(a) as u128);
    Pager::new(a, page, a.postmortems.len()).range.for_each(|i| {
        k.num(parts.card[i]);
    });
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
