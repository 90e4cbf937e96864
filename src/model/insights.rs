//! Numbers about the whole archive: incidents per month by severity, time to detect and
//! to resolve by service, severity and year, root-cause tags year over year, and open
//! action items per team. Computed from the model, so public builds count only public
//! postmortems.

use std::collections::{BTreeMap, HashMap};

use jiff::SignedDuration;
use serde::Serialize;

use super::{Archive, Postmortem, Span, TaxonomyKind, format_duration};

/// Median and 90th percentile of a set of durations, in seconds and in words.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub median_seconds: i64,
    pub p90_seconds: i64,
    pub median: String,
    pub p90: String,
}

impl Spread {
    /// Median (mean of the middle two for an even count) and nearest-rank 90th percentile.
    pub fn of(mut seconds: Vec<i64>) -> Option<Spread> {
        if seconds.is_empty() {
            return None;
        }
        seconds.sort_unstable();
        let n = seconds.len();
        let median = if n % 2 == 1 { seconds[n / 2] } else { (seconds[n / 2 - 1] + seconds[n / 2]) / 2 };
        let p90 = seconds[(n * 9).div_ceil(10) - 1];
        let words = |s: i64| format_duration(SignedDuration::from_secs(s));
        Some(Spread { count: n, median_seconds: median, p90_seconds: p90, median: words(median), p90: words(p90) })
    }
}

/// Time to detect and to resolve for one group of postmortems.
#[derive(Debug, Serialize)]
pub struct Durations {
    pub name: String,
    pub incidents: usize,
    pub detect: Option<Spread>,
    pub resolve: Option<Spread>,
}

#[derive(Debug, Serialize)]
pub struct Month {
    /// `2024-03`
    pub month: String,
    /// Incidents per severity, in the order of `Insights::severities`.
    pub counts: Vec<usize>,
    pub total: usize,
}

#[derive(Debug, Serialize)]
pub struct TagTrend {
    pub tag: String,
    pub total: usize,
    pub this_year: usize,
    pub last_year: usize,
    /// this_year - last_year
    pub change: i64,
}

#[derive(Debug, Serialize)]
pub struct TeamItems {
    pub team: String,
    pub open: usize,
    pub overdue: usize,
}

#[derive(Debug, Serialize)]
pub struct Insights {
    pub severities: Vec<String>,
    pub months: Vec<Month>,
    pub by_service: Vec<Durations>,
    pub by_severity: Vec<Durations>,
    pub by_year: Vec<Durations>,
    /// The latest year with incidents, and the one before, for the tag comparison.
    pub this_year: Option<i16>,
    pub tags: Vec<TagTrend>,
    pub teams: Vec<TeamItems>,
}

pub fn durations<'a>(name: String, pms: impl Iterator<Item = &'a Postmortem>) -> Durations {
    let pms: Vec<&Postmortem> = pms.collect();
    let spread = |span| Spread::of(pms.iter().filter_map(|p| p.duration(span)).map(|d| d.as_secs()).collect());
    Durations { name, incidents: pms.len(), detect: spread(Span::Detect), resolve: spread(Span::Resolve) }
}

/// Longest run of months without an incident shown month by month; a longer one is one
/// row, so a date typed centuries off cannot make the chart (and the page) grow with it.
const GAP_MONTHS: i64 = 12;

/// Incidents per month from the first month with one to the last, gaps included (a gap
/// longer than `GAP_MONTHS` as one row named by its first and last month).
pub fn months<'a>(pms: impl Iterator<Item = &'a Postmortem>, severities: &[String]) -> Vec<Month> {
    let mut counts: BTreeMap<(i16, i8), Vec<usize>> = BTreeMap::new();
    for pm in pms {
        let row = counts.entry((pm.date.year(), pm.date.month())).or_insert_with(|| vec![0; severities.len()]);
        if let Some(s) = severities.iter().position(|s| *s == pm.severity) {
            row[s] += 1;
        }
    }
    let index = |(year, month): (i16, i8)| i64::from(year) * 12 + i64::from(month) - 1;
    let name = |i: i64| format!("{}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1);
    let empty = |month: String| Month { month, total: 0, counts: vec![0; severities.len()] };
    let mut out = Vec::new();
    let mut next: Option<i64> = None;
    for (key, row) in counts {
        let at = index(key);
        let from = next.unwrap_or(at);
        if at - from > GAP_MONTHS {
            out.push(empty(format!("{} – {}", name(from), name(at - 1))));
        } else {
            out.extend((from..at).map(|i| empty(name(i))));
        }
        out.push(Month { month: name(at), total: row.iter().sum(), counts: row });
        next = Some(at + 1);
    }
    out
}

impl Insights {
    pub fn new(archive: &Archive) -> Insights {
        let severities = archive.config.severities.clone();
        let group = |kind| -> Vec<Durations> {
            let terms = &archive.taxonomy(kind).terms;
            terms
                .iter()
                .map(|term| durations(term.name.clone(), term.members.iter().map(|&i| &*archive.postmortems[i])))
                .collect()
        };
        let mut by_year = group(TaxonomyKind::Years);
        by_year.sort_by(|a, b| a.name.cmp(&b.name));
        let this_year = archive.postmortems.iter().map(|p| p.year()).max();
        let mut tags: Vec<TagTrend> = archive
            .taxonomy(TaxonomyKind::Tags)
            .terms
            .iter()
            .map(|term| {
                let in_year =
                    |y: Option<i16>| term.members.iter().filter(|&&i| Some(archive.postmortems[i].year()) == y).count();
                let (this, last) = (in_year(this_year), in_year(this_year.map(|y| y - 1)));
                TagTrend {
                    tag: term.name.clone(),
                    total: term.count,
                    this_year: this,
                    last_year: last,
                    change: this as i64 - last as i64,
                }
            })
            .collect();
        tags.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.tag.cmp(&b.tag)));
        tags.truncate(10);
        let mut teams: HashMap<String, TeamItems> = HashMap::new();
        for tracked in archive.action_items.iter().filter(|t| t.open) {
            let pm = &archive.postmortems[tracked.postmortem];
            let names: Vec<String> = if pm.teams.is_empty() { vec!["(no team)".into()] } else { pm.teams.clone() };
            for team in names {
                let entry = teams.entry(team.clone()).or_insert(TeamItems { team, open: 0, overdue: 0 });
                entry.open += 1;
                entry.overdue += usize::from(tracked.overdue_days.is_some());
            }
        }
        let mut teams: Vec<TeamItems> = teams.into_values().collect();
        teams.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.team.cmp(&b.team)));
        Insights {
            months: months(archive.postmortems.iter().map(|p| &**p), &severities),
            severities,
            by_service: group(TaxonomyKind::Services),
            by_severity: group(TaxonomyKind::Severities),
            by_year,
            this_year,
            tags,
            teams,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_uses_the_middle_and_nearest_rank() {
        let s = Spread::of(vec![600, 60, 300, 120]).unwrap();
        assert_eq!((s.count, s.median_seconds, s.p90_seconds), (4, 210, 600));
        let s = Spread::of((1..=10).map(|m| m * 60).collect()).unwrap();
        assert_eq!((s.median_seconds, s.p90_seconds), (330, 540));
        assert_eq!(s.median, "5 min");
        assert!(Spread::of(Vec::new()).is_none());
    }
}
