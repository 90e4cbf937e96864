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
    /// Of `incidents`, those without customer impact (`near_miss`).
    pub near_misses: usize,
    pub detect: Option<Spread>,
    pub resolve: Option<Spread>,
}

#[derive(Debug, Serialize)]
pub struct Month {
    /// `2024-03`
    pub month: String,
    /// Incidents per severity, in the order of `Insights::severities`.
    pub counts: Vec<usize>,
    /// Incidents whose severity is unknown: in `total`, in no severity's count.
    pub unset: usize,
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
    /// Postmortems with customer impact, and without (`near_miss`): counted side by side,
    /// as learning from a near miss is as real as from an outage.
    pub incidents: usize,
    pub near_misses: usize,
    pub detect_histogram: Vec<Bin>,
    pub resolve_histogram: Vec<Bin>,
    pub severities: Vec<String>,
    pub months: Vec<Month>,
    /// Postmortems whose date is unknown, so no month or year has them; and those whose
    /// severity is unknown, counted apart in every month.
    pub undated: usize,
    pub unset_severity: usize,
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
    let near_misses = pms.iter().filter(|p| p.near_miss).count();
    Durations { name, incidents: pms.len(), near_misses, detect: spread(Span::Detect), resolve: spread(Span::Resolve) }
}

/// Where the bins of a duration histogram end, in seconds: each about three times the
/// last, so a log scale, where minutes and days both have room (incident durations span
/// four orders of magnitude, and a linear axis crushes all but the longest).
const BIN_ENDS: [(i64, &str); 9] = [
    (60, "under 1 min"),
    (300, "1–5 min"),
    (900, "5–15 min"),
    (3600, "15 min–1 h"),
    (4 * 3600, "1–4 h"),
    (12 * 3600, "4–12 h"),
    (86_400, "12–24 h"),
    (3 * 86_400, "1–3 d"),
    (7 * 86_400, "3–7 d"),
];
const LAST_BIN: &str = "7 d or more";

/// One bin of a histogram.
#[derive(Debug, Serialize, PartialEq)]
pub struct Bin {
    pub label: &'static str,
    pub count: usize,
}

/// How many durations fall into each log-scale bin, from the first bin with any to the
/// last with any: empty bins between them stay, so the shape is honest.
pub fn histogram(seconds: impl Iterator<Item = i64>) -> Vec<Bin> {
    let labels: Vec<&'static str> = BIN_ENDS.iter().map(|(_, l)| *l).chain([LAST_BIN]).collect();
    let mut counts = vec![0; labels.len()];
    for s in seconds {
        counts[BIN_ENDS.partition_point(|(end, _)| *end <= s)] += 1;
    }
    let (Some(first), Some(last)) = (counts.iter().position(|&c| c > 0), counts.iter().rposition(|&c| c > 0)) else {
        return Vec::new();
    };
    (first..=last).map(|i| Bin { label: labels[i], count: counts[i] }).collect()
}

/// Every postmortem's duration of `span`, in seconds.
pub fn seconds<'a>(pms: impl Iterator<Item = &'a Postmortem>, span: Span) -> Vec<i64> {
    pms.filter_map(|p| p.duration(span)).map(|d| d.as_secs()).collect()
}

/// Longest run of months without an incident shown month by month; a longer one is one
/// row, so a date typed centuries off cannot make the chart (and the page) grow with it.
const GAP_MONTHS: i64 = 12;

/// Incidents per month from the first month with one to the last, gaps included (a gap
/// longer than `GAP_MONTHS` as one row named by its first and last month). A postmortem
/// whose date is unknown is in no month.
pub fn months<'a>(pms: impl Iterator<Item = &'a Postmortem>, severities: &[String]) -> Vec<Month> {
    let mut counts: BTreeMap<(i16, i8), (Vec<usize>, usize)> = BTreeMap::new();
    for pm in pms {
        let Some(date) = pm.date else { continue };
        let (row, unset) = counts.entry((date.year(), date.month())).or_insert_with(|| (vec![0; severities.len()], 0));
        match severities.iter().position(|s| Some(s) == pm.severity.as_ref()) {
            Some(s) => row[s] += 1,
            None => *unset += 1,
        }
    }
    let index = |(year, month): (i16, i8)| i64::from(year) * 12 + i64::from(month) - 1;
    let name = |i: i64| format!("{}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1);
    let empty = |month: String| Month { month, total: 0, unset: 0, counts: vec![0; severities.len()] };
    let mut out = Vec::new();
    let mut next: Option<i64> = None;
    for (key, (row, unset)) in counts {
        let at = index(key);
        let from = next.unwrap_or(at);
        if at - from > GAP_MONTHS {
            out.push(empty(format!("{} – {}", name(from), name(at - 1))));
        } else {
            out.extend((from..at).map(|i| empty(name(i))));
        }
        out.push(Month { month: name(at), total: row.iter().sum::<usize>() + unset, unset, counts: row });
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
        let this_year = archive.postmortems.iter().filter_map(|p| p.year()).max();
        let mut tags: Vec<TagTrend> = archive
            .taxonomy(TaxonomyKind::Tags)
            .terms
            .iter()
            .map(|term| {
                let in_year =
                    |y: Option<i16>| term.members.iter().filter(|&&i| archive.postmortems[i].year() == y).count();
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
        let all = || archive.postmortems.iter().map(|p| &**p);
        let near_misses = all().filter(|p| p.near_miss).count();
        Insights {
            incidents: archive.postmortems.len() - near_misses,
            near_misses,
            detect_histogram: histogram(seconds(all(), Span::Detect).into_iter()),
            resolve_histogram: histogram(seconds(all(), Span::Resolve).into_iter()),
            months: months(all(), &severities),
            undated: all().filter(|p| p.date.is_none()).count(),
            unset_severity: all().filter(|p| p.severity.is_none()).count(),
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

    #[test]
    fn histogram_bins_grow_threefold_and_keep_the_empty_bins_between() {
        let bins = histogram([30, 59, 60, 4000, 3600 * 24 * 30].into_iter());
        let shown: Vec<(&str, usize)> = bins.iter().map(|b| (b.label, b.count)).collect();
        assert_eq!(
            shown,
            [
                ("under 1 min", 2),
                ("1–5 min", 1),
                ("5–15 min", 0),
                ("15 min–1 h", 0),
                ("1–4 h", 1),
                ("4–12 h", 0),
                ("12–24 h", 0),
                ("1–3 d", 0),
                ("3–7 d", 0),
                ("7 d or more", 1)
            ]
        );
        assert_eq!(histogram([400, 500].into_iter()), [Bin { label: "5–15 min", count: 2 }]);
        assert!(histogram(std::iter::empty()).is_empty());
    }
}
