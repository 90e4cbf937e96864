//! Pages that sum up the whole archive and are made on every build: home, insights and
//! the reading lists.

use super::*;

/// The home page: what is open, the recent trend, the newest postmortems.
#[derive(Serialize)]
pub struct HomeView<'a> {
    /// How many postmortems: only the home page says, so a new one changes no other page
    /// that does not list it.
    total: usize,
    /// Drafts this build left out: an archive of drafts alone is not empty.
    drafts_left_out: usize,
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
            drafts_left_out: crate::privacy::drafts_left_out(archive),
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
