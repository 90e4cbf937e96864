//! Charts drawn at build time: no JavaScript, colours from the page's CSS (so they follow
//! dark mode and print), text as HTML at the page's own size, a visible title with its unit,
//! and the numbers readable beside every bar.
//!
//! Bar charts are tables whose cells hold a bar and its number: the chart and its table are
//! one thing, so screen readers and copy-paste get the numbers too. The monthly chart is an
//! SVG stretched to the column's width (bars only), with its axis labels in HTML.

use std::fmt::Write;

use super::escape;
use crate::model::format_duration;
use crate::model::insights::Month;

/// One row of a bar chart.
pub struct Bar {
    pub label: String,
    /// A CSS class for the bar's colour (`sev-1`), or empty for the default.
    pub class: String,
    /// Sets the bar's length.
    pub value: i64,
    /// Drawn as a lighter extension beyond `value`: the p90 beyond the median.
    pub upper: Option<i64>,
    /// The numbers in words, shown after the bar.
    pub text: String,
}

/// A table of bars: `caption` is the visible title, `unit` says what the bars measure,
/// `key` names the first column for screen readers.
pub fn bars(rows: &[Bar], caption: &str, unit: &str, key: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let max = rows.iter().map(|r| r.upper.unwrap_or(r.value).max(r.value)).max().unwrap_or(0).max(1) as f64;
    let percent = |v: i64| (v.max(0) as f64 / max * 1000.0).round() / 10.0;
    let mut html = format!(
        "<table class=\"bar-chart\">\n<caption>{} <span class=\"unit\">{}</span></caption>\n<thead class=\"visually-hidden\"><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        escape(caption),
        escape(unit),
        escape(key),
        escape(unit)
    );
    for row in rows {
        let width = percent(row.value);
        let upper = row.upper.map(|u| ((percent(u) - width).max(0.0) * 10.0).round() / 10.0);
        let _ = write!(
            html,
            "<tr><th scope=\"row\">{}</th><td><span class=\"track\"><span class=\"bars\"><span class=\"fill {class}\" style=\"width: {width}%\"></span>",
            escape(&row.label),
            class = escape(&row.class),
        );
        if let Some(upper) = upper.filter(|u| *u > 0.0) {
            let _ = write!(html, "<span class=\"upper {}\" style=\"width: {upper}%\"></span>", escape(&row.class));
        }
        let _ = writeln!(html, "</span><span class=\"value\">{}</span></span></td></tr>", escape(&row.text));
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

/// Incidents per month, one bar per month stacked by severity (worst at the bottom), the
/// full width of the column, with a legend.
pub fn months(months: &[Month], severities: &[String], title: &str) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months.iter().map(|m| m.total).max().unwrap_or(0).max(1);
    let busiest = months.iter().max_by_key(|m| m.total).map_or("", |m| m.month.as_str());
    let total: usize = months.iter().map(|m| m.total).sum();
    let (first, last) = (&months[0].month, &months[months.len() - 1].month);
    let mut html = format!(
        "<figure class=\"chart\">\n<figcaption>{} <span class=\"unit\">incidents per month</span></figcaption>\n<div class=\"plot\">\n<div class=\"y-axis\" aria-hidden=\"true\"><span>{max}</span><span>0</span></div>\n",
        escape(title)
    );
    // Ten units a month, two of them a gap, a hundred high: stretched to the column.
    let _ = writeln!(
        html,
        "<svg viewBox=\"0 0 {} 100\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{total} incidents from {first} to {last}; the busiest month, {busiest}, had {max}\">",
        months.len() * 10
    );
    for (i, m) in months.iter().enumerate() {
        let mut y = 100.0;
        for (s, &count) in m.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let h = count as f64 * 100.0 / max as f64;
            y -= h;
            let _ = writeln!(
                html,
                "<rect class=\"sev-{}\" x=\"{}\" y=\"{y:.2}\" width=\"8\" height=\"{h:.2}\"><title>{}: {count} {}</title></rect>",
                s + 1,
                i * 10 + 1,
                m.month,
                escape(&severities[s])
            );
        }
        if m.unset > 0 {
            let h = m.unset as f64 * 100.0 / max as f64;
            y -= h;
            let _ = writeln!(
                html,
                "<rect class=\"sev-unset\" x=\"{}\" y=\"{y:.2}\" width=\"8\" height=\"{h:.2}\"><title>{}: {} {}</title></rect>",
                i * 10 + 1,
                m.month,
                m.unset,
                crate::model::SEVERITY_UNSET
            );
        }
    }
    html.push_str("</svg>\n<div class=\"x-axis\" aria-hidden=\"true\">");
    // The first and last month, and the Januaries between (every other one when there are
    // many years) that are not crowding either end.
    let n = months.len();
    let at = |i: usize| (i as f64 * 1000.0 / n as f64).round() / 10.0;
    let _ = write!(html, "<span style=\"left: 0%\">{first}</span>");
    let step = if months.iter().filter(|m| m.month.ends_with("-01")).count() > 12 { 2 } else { 1 };
    for (i, m) in months.iter().enumerate() {
        let year: usize = m.month[..4].parse().unwrap_or(0);
        if m.month.ends_with("-01") && year.is_multiple_of(step) && at(i) >= 8.0 && at(i) <= 88.0 && i + 1 < n {
            let _ = write!(html, "<span style=\"left: {}%\">{}</span>", at(i), &m.month[..4]);
        }
    }
    if n > 1 {
        let _ = write!(html, "<span style=\"right: 0\">{last}</span>");
    }
    html.push_str("</div>\n</div>\n<p class=\"legend\">");
    for (s, name) in severities.iter().enumerate() {
        if months.iter().any(|m| m.counts.get(s).is_some_and(|c| *c > 0)) {
            let _ = write!(html, "<span class=\"key sev-{}\">{}</span> ", s + 1, escape(name));
        }
    }
    if months.iter().any(|m| m.unset > 0) {
        let _ = write!(html, "<span class=\"key sev-unset\">{}</span> ", crate::model::SEVERITY_UNSET);
    }
    html.push_str("</p>\n</figure>\n");
    html
}

/// One row of a strip plot: its label, its dots' colour (`sev-1`), and its durations.
pub struct Strip {
    pub label: String,
    pub class: String,
    pub seconds: Vec<i64>,
}

/// The strip plot's axis, log scale: one minute to thirty days (shorter and longer
/// durations sit at its ends), in this many columns.
const STRIP_FROM: f64 = 60.0;
const STRIP_TO: f64 = 30.0 * 86_400.0;
const STRIP_COLUMNS: usize = 60;
/// A column's width in the plot's units: its height is 24, about what a phone shows at
/// the column's full width.
const STRIP_COLUMN: usize = 6;
/// Where the axis is labelled.
const STRIP_TICKS: [(f64, &str); 6] = [
    (60.0, "1 min"),
    (600.0, "10 min"),
    (3600.0, "1 h"),
    (6.0 * 3600.0, "6 h"),
    (86_400.0, "1 d"),
    (7.0 * 86_400.0, "7 d"),
];

/// Where `seconds` falls on the strip plot's axis, from 0 to 1.
fn strip_at(seconds: f64) -> f64 {
    let clamped = seconds.clamp(STRIP_FROM, STRIP_TO);
    (clamped.ln() - STRIP_FROM.ln()) / (STRIP_TO.ln() - STRIP_FROM.ln())
}

/// Every incident's duration as a dot on a log axis, one row per group (severity): how
/// far durations spread within a severity, and how much the severities overlap. Durations
/// that round to one column share a dot sized by how many, so the chart stays the same
/// size however large the archive; each row has its median marked and its numbers in words.
pub fn strips(rows: &[Strip], caption: &str) -> String {
    let rows: Vec<&Strip> = rows.iter().filter(|r| !r.seconds.is_empty()).collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<figure class=\"chart strips\">\n<figcaption>{} <span class=\"unit\">one dot per incident (larger: several), log scale; the line is the median</span></figcaption>\n",
        escape(caption)
    );
    for row in rows {
        let mut sorted = row.seconds.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        let median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2 };
        let words = |s: i64| format_duration(jiff::SignedDuration::from_secs(s));
        let summary = format!(
            "{}: {n} incident{}, from {} to {}, median {}",
            row.label,
            if n == 1 { "" } else { "s" },
            words(sorted[0]),
            words(sorted[n - 1]),
            words(median)
        );
        let _ = write!(
            html,
            "<div class=\"strip-row\"><span class=\"strip-label\">{}</span><svg viewBox=\"0 0 {} 24\" role=\"img\" aria-label=\"{}\">",
            escape(&row.label),
            STRIP_COLUMNS * STRIP_COLUMN,
            escape(&summary)
        );
        // Each column's count and the shortest and longest duration in it.
        let mut columns: Vec<Option<(usize, i64, i64)>> = vec![None; STRIP_COLUMNS];
        for &s in &sorted {
            let col = ((strip_at(s as f64) * STRIP_COLUMNS as f64) as usize).min(STRIP_COLUMNS - 1);
            let cell = columns[col].get_or_insert((0, s, s));
            cell.0 += 1;
            cell.2 = s;
        }
        let _ = write!(
            html,
            "<rect class=\"median\" x=\"{:.1}\" y=\"1\" width=\"2\" height=\"22\"><title>median {}</title></rect>",
            strip_at(median as f64) * (STRIP_COLUMNS * STRIP_COLUMN) as f64 - 1.0,
            words(median)
        );
        for (col, cell) in columns.iter().enumerate() {
            let Some((count, lo, hi)) = *cell else { continue };
            let r = (2.5 + 1.5 * ((count - 1) as f64).sqrt()).min(9.0);
            let (lo, hi) = (words(lo), words(hi));
            let range = if lo == hi { lo } else { format!("{lo} to {hi}") };
            let _ = write!(
                html,
                "<circle class=\"{}\" cx=\"{}\" cy=\"12\" r=\"{r:.1}\"><title>{count} × {}</title></circle>",
                escape(&row.class),
                col * STRIP_COLUMN + STRIP_COLUMN / 2,
                escape(&range)
            );
        }
        let _ = writeln!(html, "</svg><span class=\"value\">median {}</span></div>", words(median));
    }
    html.push_str("<div class=\"strip-row\" aria-hidden=\"true\"><span></span><div class=\"x-axis\">");
    for (s, label) in STRIP_TICKS {
        let _ = write!(html, "<span style=\"left: {:.1}%\">{label}</span>", strip_at(s) * 100.0);
    }
    html.push_str("</div><span></span></div>\n</figure>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_bars_stack_by_severity_with_text_alternatives() {
        // 2023-12 to 2025-12: 25 months, incidents in the first only.
        let months: Vec<Month> = (0..25)
            .map(|i| {
                let counts = if i == 0 { vec![1, 2] } else { vec![0, 0] };
                let unset = usize::from(i == 0);
                Month {
                    month: format!("{}-{:02}", 2023 + (i + 11) / 12, (i + 11) % 12 + 1),
                    total: counts.iter().sum::<usize>() + unset,
                    unset,
                    counts,
                }
            })
            .collect();
        let html = super::months(&months, &["SEV-1".into(), "SEV-2".into()], "Incidents");
        assert!(html.contains("<figcaption>Incidents <span class=\"unit\">incidents per month</span>"));
        assert!(html.contains("4 incidents from 2023-12 to 2025-12; the busiest month, 2023-12, had 4"));
        assert_eq!(html.matches("<rect").count(), 3, "zero counts draw nothing");
        // An incident of unknown severity is drawn apart, never as one of the severities.
        assert!(
            html.contains("<rect class=\"sev-unset\"") && html.contains("<title>2023-12: 1 severity not set</title>")
        );
        assert!(html.contains("class=\"sev-2\"") && html.contains("<title>2023-12: 2 SEV-2</title>"));
        // January 2024 would crowd the first label; January 2025 is halfway.
        let axis = "<span style=\"left: 0%\">2023-12</span><span style=\"left: 52%\">2025</span><span style=\"right: 0\">2025-12</span>";
        assert!(html.contains(axis), "{html}");
        assert!(html.contains("<span class=\"key sev-1\">SEV-1</span> <span class=\"key sev-2\">SEV-2</span> <span class=\"key sev-unset\">severity not set</span>"));
    }

    #[test]
    fn strips_share_dots_between_close_durations_and_say_every_row_in_words() {
        let rows = [
            Strip { label: "SEV-1".into(), class: "sev-1".into(), seconds: vec![700, 710, 720, 7200] },
            Strip { label: "SEV-2".into(), class: "sev-2".into(), seconds: vec![30, 40 * 86_400] },
            Strip { label: "SEV-3".into(), class: "sev-3".into(), seconds: vec![] },
        ];
        let html = strips(&rows, "Time to resolve by severity");
        assert!(html.contains("aria-label=\"SEV-1: 4 incidents, from 11 min to 2 h 00 min, median 11 min\""), "{html}");
        // Three durations a few seconds apart are one dot of three.
        assert!(html.contains("r=\"4.6\"><title>3 × 11 min to 12 min</title>"), "{html}");
        assert_eq!(html.matches("<circle class=\"sev-1\"").count(), 2);
        // Beyond the axis, at its ends; an empty row is left out.
        assert!(html.contains("cx=\"3\" cy=\"12\" r=\"2.5\"><title>1 × 30 s</title>"), "{html}");
        assert!(html.contains("cx=\"357\""), "{html}");
        assert!(!html.contains("SEV-3"));
        // Many incidents draw no more dots than there are columns.
        let many =
            [Strip { label: "x".into(), class: String::new(), seconds: (0..100_000).map(|i| 60 + i * 25).collect() }];
        assert!(strips(&many, "x").matches("<circle").count() <= STRIP_COLUMNS);
        assert_eq!(strips(&rows[2..], "x"), "");
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_show_it() {
        let row = |label: &str, value, upper| Bar {
            label: label.into(),
            class: String::new(),
            value,
            upper,
            text: format!("{value} min"),
        };
        let html = bars(&[row("a", 10, Some(20)), row("b", 5, None)], "TTR", "minutes", "Service");
        assert!(html.contains("<caption>TTR <span class=\"unit\">minutes</span></caption>"), "{html}");
        assert!(html.contains("<th scope=\"row\">a</th>"));
        assert!(html.contains("style=\"width: 50%\"></span><span class=\"upper \" style=\"width: 50%\">"), "{html}");
        assert!(
            html.contains("style=\"width: 25%\"></span></span><span class=\"value\">5 min</span></span>"),
            "{html}"
        );
    }
}
