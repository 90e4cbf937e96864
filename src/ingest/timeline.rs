//! The `## Timeline` section: a list whose items start with a time, in the zone the section
//! states ("All times UTC."). Parsed into instants so the page can draw it and mark impact,
//! detection, mitigation and resolution on it.

use std::ops::Range;

use jiff::Zoned;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::diagnostics::Rule;
use crate::model::{Entry, Timeline};

/// A problem found while parsing, with its span relative to the body.
#[derive(Debug)]
pub struct Problem {
    pub span: Range<usize>,
    pub rule: Rule,
    pub message: String,
    pub hint: String,
}

/// Parses the timeline section of `body`; `day` supplies the date for items that give only a time.
pub fn parse(body: &str, day: Date) -> (Timeline, Vec<Problem>) {
    let mut problems = Vec::new();
    let Some(section) = crate::markdown::find_section(body, "timeline") else {
        return (Timeline::default(), problems);
    };
    let text = &body[section.clone()];
    let (zone_name, zone) = declared_zone(text);
    let mut entries: Vec<Entry> = Vec::new();
    let mut day = day;
    let mut offset = section.start;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let Some(item) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) else {
            continue;
        };
        let item_start = line_start + 2;
        let bold = item.starts_with("**");
        let inner = item.trim_start_matches("**");
        let inner_start = item_start + (item.len() - inner.len());
        let (date, time, used) = match leading_time(inner) {
            Some(Ok(parsed)) => parsed,
            Some(Err(len)) => {
                problems.push(Problem {
                    span: inner_start..inner_start + len,
                    rule: Rule::TimelineTime,
                    message: format!("`{}` is not a valid date and time", &inner[..len]),
                    hint: "use a real calendar date and a 24-hour time: `**2024-03-12 14:05**` or `**14:05**`".into(),
                });
                continue;
            }
            None => {
                let end = item_start + item.trim_end().len().min(20);
                problems.push(Problem {
                    span: item_start..end,
                    rule: Rule::TimelineEntry,
                    message: "timeline entry does not start with a time".into(),
                    hint: "start it with `**YYYY-MM-DD HH:MM**` or `**HH:MM**`".into(),
                });
                continue;
            }
        };
        let time_span = inner_start..inner_start + used;
        day = date.unwrap_or(day);
        let Ok(at) = zone.to_timestamp(DateTime::from_parts(day, time)) else {
            continue;
        };
        let mut rest = &inner[used..];
        if bold {
            rest = rest.trim_start_matches("**");
        }
        let rest = rest.trim_start_matches([' ', ':', '-', '—', '–']).trim_end();
        if let Some(prev) = entries.last().filter(|prev| prev.at > at) {
            problems.push(Problem {
                span: time_span.clone(),
                rule: Rule::TimelineOrder,
                message: format!(
                    "timeline entry at {} is earlier than the one before it ({})",
                    &inner[..used],
                    prev.when
                ),
                hint: "keep entries in time order; after midnight give the full date, e.g. `**2024-03-13 00:10**`"
                    .into(),
            });
        }
        let zoned = Zoned::new(at, zone.clone());
        let after = inner[used..].trim_start_matches("**");
        let word = after.trim_start().split(|c: char| c.is_whitespace() || c == '*').next().unwrap_or("");
        if is_zone_marker(word) && !names_zone_of(word, &zoned) {
            // `after` and its trimmed form are suffixes of the item, so lengths give offsets.
            let at_word = inner_start + inner.len() - after.trim_start().len();
            problems.push(Problem {
                span: at_word..at_word + word.len(),
                rule: Rule::TimelineZone,
                message: format!("timeline entry in `{word}`, but the section says all times are {zone_name}"),
                hint: format!("give every time in {zone_name}, as the section states, so entries compare at a glance"),
            });
        }
        entries.push(Entry {
            at,
            when: zoned.strftime("%Y-%m-%d %H:%M").to_string(),
            text: rest.to_string(),
            span: time_span,
        });
    }
    (Timeline { zone: zone_name, tz: zone, entries }, problems)
}

/// The zone named after "All times" (e.g. `All times UTC.`, `All times are in Europe/Berlin`).
fn declared_zone(section: &str) -> (String, TimeZone) {
    let lower = section.to_ascii_lowercase();
    if let Some(at) = lower.find("all times") {
        let after = &section[at + "all times".len()..];
        for word in after.split_whitespace().take(4) {
            let word = word.trim_matches(|c: char| matches!(c, '.' | ',' | '(' | ')' | '*' | '`' | ':'));
            if let Some(zone) = zone_named(word) {
                return (word.to_string(), zone);
            }
        }
    }
    ("UTC".to_string(), TimeZone::UTC)
}

fn zone_named(word: &str) -> Option<TimeZone> {
    if word.eq_ignore_ascii_case("utc") || word.eq_ignore_ascii_case("gmt") || word == "Z" {
        return Some(TimeZone::UTC);
    }
    if let Some(offset) = word.strip_prefix("UTC").filter(|o| o.starts_with(['+', '-'])) {
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
        let seconds = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60);
        return jiff::tz::Offset::from_seconds(seconds).ok().map(TimeZone::fixed);
    }
    if word.contains('/') { TimeZone::get(word).ok() } else { None }
}

/// Common zone abbreviations; a closed list, because "IT" or "ALERT" after a time are words.
const ZONE_ABBREVIATIONS: &[&str] = &[
    "UTC", "GMT", "Z", "BST", "IST", "WET", "WEST", "CET", "CEST", "EET", "EEST", "MSK", "EST", "EDT", "CST", "CDT",
    "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST", "JST", "KST", "HKT", "SGT", "AEST", "AEDT", "ACST", "ACDT",
    "AWST", "NZST", "NZDT",
];

/// Words that name a zone or offset: `UTC`, `PST`, `CEST`, `UTC+02:00`, `+0200`.
fn is_zone_marker(word: &str) -> bool {
    let b = word.as_bytes();
    ZONE_ABBREVIATIONS.contains(&word)
        || ["UTC+", "UTC-", "GMT+", "GMT-"].iter().any(|p| word.starts_with(p))
        || (b.len() >= 5 && matches!(b[0], b'+' | b'-') && b[1..].iter().all(|c| c.is_ascii_digit() || *c == b':'))
}

/// Whether a zone word means the zone `at` is in at that instant (by abbreviation or offset).
fn names_zone_of(word: &str, at: &Zoned) -> bool {
    if word.eq_ignore_ascii_case(&at.strftime("%Z").to_string()) {
        return true;
    }
    let offset = match word {
        "UTC" | "GMT" | "Z" => Some(0),
        _ => {
            let rest = word.trim_start_matches("UTC").trim_start_matches("GMT");
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
            let (h, m) = digits.split_at(digits.len().min(2));
            h.parse::<i32>().ok().map(|h| sign * (h * 3600 + m.parse::<i32>().unwrap_or(0) * 60))
        }
    };
    offset == Some(at.offset().seconds())
}

/// Length of the date part (with its separator) and of the whole of a prefix shaped like
/// `[YYYY-MM-DD ]H:MM[:SS]`, whether or not its numbers make a real date and time.
fn time_shape(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let digits = |at: usize, n: usize| b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit);
    let date_len = if digits(0, 4)
        && b.get(4) == Some(&b'-')
        && digits(5, 2)
        && b.get(7) == Some(&b'-')
        && digits(8, 2)
        && matches!(b.get(10), Some(b' ' | b'T'))
    {
        11
    } else {
        0
    };
    let hour = if digits(date_len, 2) {
        2
    } else if digits(date_len, 1) {
        1
    } else {
        return None;
    };
    let minutes = date_len + hour + 1;
    if b.get(date_len + hour) != Some(&b':') || !digits(minutes, 2) {
        return None;
    }
    let end = minutes + 2;
    let end = if b.get(end) == Some(&b':') && digits(end + 1, 2) { end + 3 } else { end };
    Some((date_len, end))
}

/// A time read from the start of an item: its date if it gave one, and the bytes it used.
type Leading = (Option<Date>, Time, usize);

/// The time at the start of a timeline item: `None` when the item does not start with
/// something shaped like a time, `Err(len)` when it does but is not a valid date and time.
fn leading_time(s: &str) -> Option<Result<Leading, usize>> {
    let (date_len, len) = time_shape(s)?;
    let date = match date_len {
        0 => Ok(None),
        _ => s[..10].parse::<Date>().map(Some),
    };
    let mut parts = s[date_len..len].split(':').map(|p| p.parse::<i8>().unwrap_or(-1));
    let (h, m, sec) = (parts.next().unwrap_or(-1), parts.next().unwrap_or(-1), parts.next().unwrap_or(0));
    Some(match (date, Time::new(h, m, sec, 0)) {
        (Ok(date), Ok(time)) => Ok((date, time, len)),
        _ => Err(len),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Date = jiff::civil::date(2024, 3, 12);

    #[test]
    fn parses_full_and_short_times_in_the_declared_zone() {
        let body = "## Summary\n\nx\n\n## Timeline\n\nAll times are in UTC+02:00.\n\n- **2024-03-12 14:05** Alert fires\n- 14:20 — Rollback started\n- **2024-03-13 00:10**: Resolved\n\n## Lessons\n- 01:00 not in timeline\n";
        let (t, problems) = parse(body, DAY);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t.zone, "UTC+02:00");
        let at: Vec<String> = t.entries.iter().map(|e| e.at.to_string()).collect();
        assert_eq!(at, ["2024-03-12T12:05:00Z", "2024-03-12T12:20:00Z", "2024-03-12T22:10:00Z"]);
        assert_eq!(t.entries[1].text, "Rollback started");
        assert_eq!(t.entries[2].text, "Resolved");
    }

    #[test]
    fn out_of_order_entries_are_errors_at_the_time() {
        let body = "## Timeline\n\n- 14:05 a\n- 13:59:30 b\n- 9:00 c\n";
        let (t, problems) = parse(body, DAY);
        assert_eq!(t.entries.len(), 3);
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["13:59:30", "9:00"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineOrder));
    }

    #[test]
    fn items_without_time_warn_and_iana_zones_apply() {
        let body = "## Timeline\nAll times Europe/Berlin.\n- 10:00 a\n- someone noticed\n```\n## Timeline\n```\n";
        let (t, problems) = parse(body, DAY);
        assert_eq!(t.entries[0].at.to_string(), "2024-03-12T09:00:00Z");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule, Rule::TimelineEntry);
    }

    #[test]
    fn entries_in_another_zone_warn() {
        let body = "## Timeline\nAll times Europe/Berlin.\n- 10:00 CET a\n- **10:05 UTC** b\n- 10:06 +01:00 c\n- 10:07 PST d\n- 10:08 IT e\n";
        let (t, problems) = parse(body, jiff::civil::date(2024, 1, 10));
        assert_eq!(t.entries.len(), 5);
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["UTC", "PST"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineZone));
        assert_eq!(&body[t.entries[1].span.clone()], "10:05");
    }

    #[test]
    fn impossible_times_are_errors_at_the_time() {
        let body = "## Timeline\n- 25:99 a\n- **2024-02-30 10:00** b\n- 10:00:61 c\n- 10:00 d\n";
        let (t, problems) = parse(body, DAY);
        assert_eq!(t.entries.len(), 1);
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["25:99", "2024-02-30 10:00", "10:00:61"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineTime));
    }
}
