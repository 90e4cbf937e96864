//! Charts as SVG drawn at build time: no JavaScript, colours from the page's CSS (so they
//! follow dark mode and print), a title and description for screen readers, and the
//! numbers always in a table beside them.

use std::fmt::Write;

use super::escape;
use crate::model::insights::Month;

/// Incidents per month, one bar per month stacked by severity (worst at the bottom).
pub fn months(months: &[Month], severities: &[String], title: &str, height: u32) -> String {
    if months.is_empty() {
        return String::new();
    }
    let bar = if months.len() > 60 { 4 } else { 8 };
    let (left, bottom, top) = (28u32, 16u32, 6u32);
    let plot = height - bottom - top;
    let width = left + months.len() as u32 * bar + 4;
    let max = months.iter().map(|m| m.total).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" preserveAspectRatio=\"xMinYMin meet\">\n<title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{} incidents from {} to {}; busiest month {} with {}. The table below has every number.</desc>\n",
        escape(title),
        months.iter().map(|m| m.total).sum::<usize>(),
        months[0].month,
        months[months.len() - 1].month,
        months.iter().max_by_key(|m| m.total).map(|m| m.month.as_str()).unwrap_or(""),
        max,
    );
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{}\" x2=\"{width}\" y2=\"{}\"/>",
        top + plot,
        top + plot
    );
    let _ = writeln!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>", left - 4, top + 8);
    let _ = writeln!(svg, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>", left - 4, top + plot);
    for (i, m) in months.iter().enumerate() {
        let x = left + i as u32 * bar;
        let mut y = top + plot;
        for (s, count) in m.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let h = (*count as u32 * plot).div_ceil(max as u32);
            y -= h;
            let _ = writeln!(
                svg,
                "<rect class=\"sev-{}\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\"><title>{}: {count} {}</title></rect>",
                s + 1,
                bar - 1,
                m.month,
                escape(&severities[s])
            );
        }
        if m.month.ends_with("-01") || i == 0 {
            let _ = writeln!(svg, "<text x=\"{x}\" y=\"{}\">{}</text>", height - 3, &m.month[..4]);
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// Horizontal bars: label, value (for length) and the value in words.
pub fn bars(rows: &[(String, i64, String)], title: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let (label_w, bar_w, row_h) = (130u32, 260u32, 18u32);
    let width = label_w + bar_w + 90;
    let height = rows.len() as u32 * row_h + 4;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
        escape(title),
        escape(title)
    );
    for (i, (label, value, words)) in rows.iter().enumerate() {
        let y = i as u32 * row_h;
        let w = ((*value).max(0) as u64 * bar_w as u64 / max as u64) as u32;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"bar\" x=\"{label_w}\" y=\"{}\" width=\"{}\" height=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            label_w - 6,
            y + 13,
            escape(label),
            y + 3,
            w.max(1),
            row_h - 6,
            label_w + w + 6,
            y + 13,
            escape(words)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_bars_stack_by_severity_with_text_alternatives() {
        let months = vec![
            Month { month: "2024-01".into(), counts: vec![1, 2], total: 3 },
            Month { month: "2024-02".into(), counts: vec![0, 0], total: 0 },
        ];
        let svg = months_chart(&months);
        assert!(svg.contains("<title id=\"chart-title\">Incidents</title>"));
        assert!(svg.contains("3 incidents from 2024-01 to 2024-02; busiest month 2024-01 with 3"));
        assert_eq!(svg.matches("<rect").count(), 2, "zero counts draw nothing");
        assert!(svg.contains("class=\"sev-2\"") && svg.contains("<title>2024-01: 2 SEV-2</title>"));
    }

    fn months_chart(months: &[Month]) -> String {
        super::months(months, &["SEV-1".into(), "SEV-2".into()], "Incidents", 120)
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = bars(&[("a".into(), 10, "10 min".into()), ("b".into(), 5, "5 min".into())], "TTR");
        assert!(svg.contains("width=\"260\"") && svg.contains("width=\"130\""), "{svg}");
    }
}
