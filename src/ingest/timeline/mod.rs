//! The timeline section, as people write it: `## Timeline` or `## Timeline of events`
//! (or a name from `site.toml`), entries as bullets, numbered items or paragraphs that start
//! with a date or time in any common form, `### 2021-03-05` day headings giving the day to
//! the bare times after them, a zone stated once ("All times UTC.") or per entry. Parsed
//! into instants so the page can draw the timeline and mark impact, detection, mitigation
//! and resolution on it; the text itself is rendered as written.

mod stamp;

use std::ops::Range;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Zoned};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::config::DateOrder;
use crate::diagnostics::Rule;
use crate::model::{Entry, Timeline};
use stamp::zone_named;

/// A problem found while parsing, with its span relative to the body.
#[derive(Debug)]
pub struct Problem {
    pub span: Range<usize>,
    pub rule: Rule,
    pub message: String,
    pub hint: String,
}

/// Words a timeline section's title is made of (`Timeline`, `Incident timeline`, `Events/Timeline`,
/// `2. Timeline & Detection`), besides the site's own names (`timeline_headings`).
const NAMES: &[&str] = &["timeline", "chronology"];
const PHRASES: &[&str] = &["sequence of events"];

/// Whether a heading names the timeline: a short title with the word `timeline` or
/// `chronology` (`Timeline (all times PDT)`, `Incident timeline:`, `3. Timeline & Detection`),
/// or one of the site's own names; case does not matter.
pub fn is_timeline(title: &str, extra: &[String]) -> bool {
    let t = title.split('(').next().unwrap_or("").trim().trim_end_matches(':').trim();
    let t = t.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | ' '));
    let lower = t.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let named = words.len() <= 5 && words.iter().any(|w| NAMES.contains(w)) && !lower.contains("template");
    named || PHRASES.iter().any(|p| lower == *p) || extra.iter().any(|n| t.eq_ignore_ascii_case(n.trim()))
}

/// How to read timelines: the site's own section names and its order for numeric dates.
#[derive(Clone, Copy, Default)]
pub struct Reading<'a> {
    pub names: &'a [String],
    pub order: Option<DateOrder>,
}

impl<'a> Reading<'a> {
    pub fn of(config: &'a crate::config::Config) -> Reading<'a> {
        Reading { names: &config.timeline_headings, order: config.date_order }
    }
}

/// A block of the section that may be an entry, with its first line.
struct Candidate<'a> {
    kind: Kind,
    /// Where the block starts in the body (the list marker, the paragraph, the row).
    block: usize,
    /// Its first line after the list marker, and where that starts in the body.
    line: &'a str,
    line_start: usize,
    /// A heading's first line of text after it: the entry's words when the heading is
    /// only a time (`### 21:30`).
    after: &'a str,
    /// A row's table (where it starts): a table none of whose rows is dated holds other
    /// things than entries (`| Resolver | Peak CPU |`).
    table: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Item,
    Paragraph,
    /// A body row of a table (`| 2024-03-12 14:05 | Alert fires |`).
    Row,
    /// A heading inside the section: a day (`### 2021-03-05`) or an entry (`### 21:30`).
    Heading,
}

/// The timeline section: its heading and text (for the stated zone) and its candidate blocks.
struct Section<'a> {
    /// Where its heading starts in the body.
    at: usize,
    heading: String,
    text: &'a str,
    candidates: Vec<Candidate<'a>>,
}

/// Finds the first timeline section and its top-level items, paragraphs, table rows and sub-headings.
fn section<'a>(body: &'a str, extra: &[String]) -> Option<Section<'a>> {
    let mut found: Option<(u8, Section)> = None;
    let mut heading: Option<(u8, usize, String)> = None;
    let (mut lists, mut other, mut tables) = (0usize, 0usize, 0usize);
    let (mut start, mut table) = (0, 0);
    for (event, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((*level as u8, range.start, String::new())),
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, at, title)) = heading.take() else { continue };
                match &mut found {
                    Some((open, section)) if level <= *open => {
                        section.text = &body[start..at];
                        return found.map(|(_, s)| s);
                    }
                    Some((_, section)) => {
                        let after = body[range.end..].lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
                        section.candidates.push(Candidate {
                            kind: Kind::Heading,
                            block: at,
                            line: title_line(body, at, range.end),
                            line_start: at + body[at..].len() - body[at..].trim_start_matches(['#', ' ']).len(),
                            after: if after.starts_with('#') { "" } else { after },
                            table: 0,
                        })
                    }
                    None if level <= 3 && is_timeline(&title, extra) => {
                        start = range.end;
                        found = Some((level, Section { at, heading: title, text: "", candidates: Vec::new() }));
                    }
                    None => {}
                }
            }
            _ => {}
        }
        // Depths are counted over the whole body: the heading may stand inside a quote
        // or a list, whose end then comes within the section.
        match &event {
            Event::Start(Tag::List(_)) => lists += 1,
            Event::End(TagEnd::List(_)) => lists -= 1,
            Event::Start(Tag::Table(_)) => {
                tables += 1;
                table = range.start;
            }
            Event::End(TagEnd::Table) => tables -= 1,
            Event::Start(Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) | Tag::HtmlBlock) => other += 1,
            Event::End(TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition | TagEnd::HtmlBlock) => other -= 1,
            _ => {}
        }
        let Some((_, section)) = found.as_mut() else { continue };
        let candidate = |kind, line_start: usize| {
            let line = body[line_start..range.end].split('\n').next().unwrap_or("");
            Candidate { kind, block: range.start, line, line_start, after: "", table }
        };
        match event {
            Event::Start(Tag::Item) if lists == 1 && other + tables == 0 => {
                let marker = body[range.clone()]
                    .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '*' | '+' | '.' | ')'));
                let task = marker.trim_start();
                let text = ["[ ]", "[x]", "[X]"].iter().find_map(|t| task.strip_prefix(t)).unwrap_or(task).trim_start();
                section.candidates.push(candidate(Kind::Item, range.end - text.len()));
            }
            Event::Start(Tag::Paragraph) if lists + other + tables == 0 => {
                section.candidates.push(candidate(Kind::Paragraph, range.start))
            }
            Event::Start(Tag::TableRow) if lists + other == 0 && tables == 1 => {
                section.candidates.push(candidate(Kind::Row, range.start))
            }
            _ => {}
        }
    }
    found.map(|(_, mut s)| {
        s.text = &body[start..];
        s
    })
}

/// The text of a heading line after its `#`s.
fn title_line(body: &str, start: usize, end: usize) -> &str {
    body[start..end].trim_start_matches(['#', ' ']).lines().next().unwrap_or("").trim_end_matches(['#', ' '])
}

/// The order numeric dates read in: as the section's own unambiguous dates say (a first
/// number above 12 is a day), else as the site says; `None` when neither decides.
fn date_order(read: &[(&Candidate, stamp::Stamp)], site: Option<DateOrder>) -> Option<DateOrder> {
    let mut said = read.iter().filter_map(|(_, s)| s.date.as_ref()?.order());
    match said.next() {
        Some(first) if said.all(|o| o == first) => Some(first),
        Some(_) => None, // the section reads both ways: each date as it must, the rest month first
        None => site,
    }
}

/// Parses the timeline section of `body`; `day` supplies the date for times before any
/// date is given (`None` when the postmortem's date is unknown: such times stay unplaced).
///
/// What cannot be placed (a time that is no time, an entry earlier than the one before)
/// is left as written, counted in `unplaced` and reported; it never stops a build.
pub fn parse(body: &str, day: Option<Date>, reading: Reading) -> (Timeline, Vec<Problem>) {
    let mut problems = Vec::new();
    let Some(section) = section(body, reading.names) else {
        return (Timeline::default(), problems);
    };
    let stated = stated_zone(&section.heading, section.text);
    let stamps: Vec<_> = section.candidates.iter().map(|c| stamp::read(c.line)).collect();
    let dated_tables: Vec<usize> = section
        .candidates
        .iter()
        .zip(&stamps)
        .filter(|(c, s)| c.kind == Kind::Row && s.is_some())
        .map(|(c, _)| c.table)
        .collect();
    let mut read: Vec<(&Candidate, stamp::Stamp)> = Vec::new();
    let mut unplaced = 0;
    for (c, stamp) in section.candidates.iter().zip(stamps) {
        if c.kind == Kind::Row && !dated_tables.contains(&c.table) {
            continue;
        }
        match stamp {
            Some(Ok(s)) => read.push((c, s)),
            Some(Err(bad)) => {
                unplaced += 1;
                problems.push(Problem {
                    span: c.line_start + bad.span.start..c.line_start + bad.span.end,
                    rule: Rule::TimelineTime,
                    message: format!("`{}` is not a valid date and time", &c.line[bad.span]),
                    hint: "use a real calendar date and time: `**2024-03-12 14:05**`, `**14:05**` or `Mar 12, 2024 2:05 pm`; the entry is shown as written, off the drawing"
                        .into(),
                })
            }
            None if matches!(c.kind, Kind::Item | Kind::Row) => {
                unplaced += 1;
                problems.push(Problem {
                    span: c.line_start..c.line_start + c.line.trim_end().len().min(20),
                    rule: Rule::TimelineEntry,
                    message: "timeline entry does not start with a time".into(),
                    hint: "start it with a date and time, `**YYYY-MM-DD HH:MM**`, or a time, `**HH:MM**`".into(),
                })
            }
            None => {}
        }
    }
    // Without a stated zone, the first zone an entry names holds for the others.
    let (zone_name, zone) = stated
        .or_else(|| read.iter().find_map(|(_, s)| s.zone.clone()))
        .unwrap_or_else(|| ("UTC".to_string(), TimeZone::UTC));
    let decided = date_order(&read, reading.order);
    let order = decided.unwrap_or(DateOrder::MonthFirst);
    let mut entries: Vec<Entry> = Vec::new();
    let mut day = day;
    let mut dated = false;
    for (c, s) in read {
        let span = c.line_start + s.span.start..c.line_start + s.span.end;
        let written = &c.line[s.span.clone()];
        let year = day.map(|d| d.year());
        let date = match &s.date {
            None => None,
            Some(d) => match d.year.or(year).and_then(|y| d.date(y, order)) {
                Some(date) => Some(date),
                None if d.year.is_none() && year.is_none() => {
                    unplaced += 1; // `March 5` with no year known: nothing to place it in
                    continue;
                }
                None => {
                    unplaced += 1;
                    problems.push(Problem {
                        span,
                        rule: Rule::TimelineTime,
                        message: format!("`{written}` is not a real date in {}", year.unwrap_or_default()),
                        hint: "give the year: `**2024-02-29 10:00**`".into(),
                    });
                    continue;
                }
            },
        };
        if let (Some(d), Some(date), None) = (&s.date, date, decided)
            && d.ambiguous()
            && let Some(other) = d.date(date.year(), DateOrder::DayFirst).filter(|o| *o != date)
        {
            problems.push(Problem {
                span: span.clone(),
                rule: Rule::TimelineAmbiguous,
                message: format!(
                    "`{written}` is read as {} (month first), but could be {}",
                    date.strftime("%-d %B %Y"),
                    other.strftime("%-d %B %Y")
                ),
                hint: format!(
                    "write the date as {date} (or {other}) so no reader has to guess, or set `date_order` in site.toml"
                ),
            });
        }
        let rest = c.line[s.rest..].trim_end().trim_end_matches(['|', ' ']);
        if c.kind != Kind::Item && c.kind != Kind::Row && s.time.is_none() {
            // A date heading or a paragraph that is only a date starts a new day.
            if let Some(date) = date.filter(|_| rest.is_empty() || c.kind == Kind::Heading) {
                day = Some(date);
                dated = true;
                continue;
            }
        }
        let text = if c.kind == Kind::Heading && rest.is_empty() { c.after } else { rest };
        let Some(mut on) = date.or(day) else {
            unplaced += 1; // a bare time, and no day known to put it on
            continue;
        };
        let entry_zone = s.zone.as_ref().map_or(&zone, |(_, z)| z);
        let at = |on: Date| entry_zone.to_timestamp(on.to_datetime(s.time.unwrap_or(jiff::civil::Time::midnight())));
        let Ok(mut at_) = at(on) else { continue };
        // A bare time well before the previous entry is past midnight: more than twelve
        // hours before it, or a morning time on a 12-hour clock after an afternoon.
        if date.is_none()
            && let Some(prev) = entries.last().filter(|p| !p.day_only)
            && (prev.at.duration_since(at_) > SignedDuration::from_hours(12)
                || (s.morning && prev.at > at_ && Zoned::new(prev.at, zone.clone()).hour() >= 12))
            && let Some(next) = on.tomorrow().ok()
            && let Ok(t) = at(next)
        {
            on = next;
            at_ = t;
        }
        let zoned = Zoned::new(at_, zone.clone());
        let day_only = s.time.is_none();
        if let Some(prev) = entries.last() {
            let earlier = if day_only || prev.day_only { zoned.date() < prev.day } else { at_ < prev.at };
            if earlier {
                unplaced += 1;
                problems.push(Problem {
                    span: span.clone(),
                    rule: Rule::TimelineOrder,
                    message: format!("timeline entry at {written} is earlier than the one before it ({})", prev.when),
                    hint: "keep entries in time order; give the full date where the day changes, e.g. `**2024-03-13 00:10**`; the entry is shown as written, off the drawing"
                        .into(),
                });
                continue;
            }
        }
        if let Some((word, other)) = &s.zone
            && other.to_offset(at_) != zone.to_offset(at_)
        {
            let at_word = span.start + written.rfind(word.as_str()).unwrap_or(0);
            problems.push(Problem {
                span: at_word..at_word + word.len(),
                rule: Rule::TimelineZone,
                message: format!("timeline entry in `{word}`, but the section says all times are {zone_name}"),
                hint: format!("give every time in {zone_name}, as the section states, so entries compare at a glance"),
            });
        }
        day = Some(on);
        dated |= date.is_some();
        entries.push(Entry {
            at: at_,
            day: zoned.date(),
            day_only,
            dated,
            when: if day_only { zoned.date().to_string() } else { zoned.strftime("%Y-%m-%d %H:%M").to_string() },
            text: text.to_string(),
            span,
            block: c.block,
        });
    }
    (Timeline { zone: zone_name, tz: zone, heading: Some(section.at), entries, unplaced }, problems)
}

/// A date, and an instant when a time is given too, read from a value like `2021-02-04
/// 21:45 UTC`, `Feb 4, 2021 at 9:40 pm` or `March 5` (in `year`), in `zone` unless it names
/// its own. For metadata outside the timeline (`import` reads `Detected: ...` lines).
pub fn read_moment(text: &str, year: i16, zone: &TimeZone) -> Option<(Date, Option<jiff::Timestamp>)> {
    let s = stamp::read(text.trim()).and_then(Result::ok)?;
    let read = s.date.as_ref()?;
    let date = read.date(read.year.unwrap_or(year), read.order().unwrap_or(DateOrder::MonthFirst))?;
    let zone = s.zone.as_ref().map_or(zone, |(_, z)| z);
    let at = s.time.and_then(|t| zone.to_timestamp(date.to_datetime(t)).ok());
    Some((date, at))
}

/// How long the date (and time) at the start of `text` is, when it starts with a date:
/// what `import` takes out of a title like `20-10-2025 - Cloud provider outage`.
pub fn stamp_length(text: &str) -> Option<usize> {
    let s = stamp::read(text).and_then(Result::ok)?;
    s.date.as_ref()?;
    Some(s.span.end)
}

/// The zone the section states: after "All times" (`All times UTC.`, `All times are in
/// Europe/Berlin`), or in the heading's parentheses (`Timeline (PDT)`).
fn stated_zone(heading: &str, text: &str) -> Option<(String, TimeZone)> {
    let words = |s: &str| -> Option<(String, TimeZone)> {
        s.split_whitespace().take(5).find_map(|w| {
            let w = w.trim_matches(|c: char| matches!(c, '.' | ',' | '(' | ')' | '*' | '_' | '`' | ':' | ';'));
            zone_named(w).map(|z| (w.to_string(), z))
        })
    };
    for s in [heading, text] {
        let lower = s.to_ascii_lowercase();
        if let Some(at) =
            lower.find("all times").or_else(|| lower.find("times are in")).or_else(|| lower.find("times in"))
            && let Some(found) = words(s[at..].split_once(' ').map_or("", |(_, rest)| rest))
        {
            return Some(found);
        }
    }
    heading.split_once('(').and_then(|(_, inside)| words(inside))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Date = jiff::civil::date(2024, 3, 12);

    #[test]
    fn parses_full_and_short_times_in_the_declared_zone() {
        let body = "## Summary\n\nx\n\n## Timeline\n\nAll times are in UTC+02:00.\n\n- **2024-03-12 14:05** Alert fires\n- 14:20 — Rollback started\n- **2024-03-13 00:10**: Resolved\n\n## Lessons\n- 01:00 not in timeline\n";
        let (t, problems) = parse(body, Some(DAY), Reading::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t.zone, "UTC+02:00");
        let at: Vec<String> = t.entries.iter().map(|e| e.at.to_string()).collect();
        assert_eq!(at, ["2024-03-12T12:05:00Z", "2024-03-12T12:20:00Z", "2024-03-12T22:10:00Z"]);
        assert_eq!(t.entries[1].text, "Rollback started");
        assert_eq!(t.entries[2].text, "Resolved");
    }

    /// Found by the `timeline` fuzz target: the quote's end came after the heading, and
    /// the depth counted from there went below zero.
    #[test]
    fn a_timeline_heading_inside_a_quote_is_read_without_underflow() {
        for body in [
            "> ## Timeline\n\n- 14:05 a\n",
            "- ## Timeline\n\n  - 14:05 a\n\n- 15:00 b\n",
            ">>> ## Timeline\n\nAll times UTC\n```-",
        ] {
            let _ = parse(body, Some(DAY), Reading::default());
        }
    }

    #[test]
    fn out_of_order_entries_are_reported_at_the_time_and_left_off_the_drawing() {
        let body = "## Timeline\n\n- 14:05 a\n- 13:59:30 b\n- 9:00 c\n";
        let (t, problems) = parse(body, Some(DAY), Reading::default());
        assert_eq!((t.entries.len(), t.unplaced), (1, 2));
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["13:59:30", "9:00"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineOrder));
    }

    #[test]
    fn items_without_time_warn_and_iana_zones_apply() {
        let body = "## Timeline\nAll times Europe/Berlin.\n- 10:00 a\n- someone noticed\n```\n## Timeline\n```\n";
        let (t, problems) = parse(body, Some(DAY), Reading::default());
        assert_eq!(t.entries[0].at.to_string(), "2024-03-12T09:00:00Z");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule, Rule::TimelineEntry);
    }

    /// Found by the `timeline` fuzz target: `--18419279` read as the offset -18419279 h.
    #[test]
    fn a_doubled_sign_is_not_a_zone_offset() {
        for word in ["--18419279", "+-5", "UTC--3", "-+0200"] {
            assert!(stamp::zone_named(word).is_none(), "{word}");
        }
        assert!(stamp::zone_named("UTC-03:00").is_some());
    }

    #[test]
    fn entries_in_another_zone_warn() {
        let body = "## Timeline\nAll times Europe/Berlin.\n- 10:00 CET a\n- **10:05 UTC** b\n- 11:06 +01:00 c\n- 10:07 PST d\n- 20:08 IT e\n";
        let (t, problems) = parse(body, Some(jiff::civil::date(2024, 1, 10)), Reading::default());
        assert_eq!(t.entries.len(), 5);
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["UTC", "PST"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineZone));
        assert_eq!(&body[t.entries[1].span.clone()], "10:05 UTC");
        assert_eq!(t.entries[1].at.to_string(), "2024-01-10T10:05:00Z", "the entry's own zone applies");
    }

    /// Entries as real postmortems write them, each read to the instant it means.
    #[test]
    fn reads_the_forms_people_write() {
        let body = "# Title\n\n## Timeline of events\n\nAll times UTC.\n\n\
            - **2021-02-04 21:45**: a\n\n\
            **Feb 04, 2021, 21:46 (UTC):** b\n\n\
            + Feb 5, 2021 12:24 UTC c\n\n\
            Then we waited.\n\n\
            1. February 5th, 2021 at 13:17 d\n\
            2. 1:22 pm e\n   - nested 23:59 note\n\
            3. 21:45 UTC f\n\n\
            | t | x |\n|---|---|\n| 22:00 | table |\n\n\
            * `22:40` - g\n\n\
            ### 2021-02-06\n\n- 10:40 h\n\n\
            ### Sunday, February 7, 2021\n\n- 9:00 am i\n\n\
            - 2021-02-08: freeze j\n- 23:50 k\n- 00:10 l\n\n\
            ## Next\n\n- 23:00 not in the timeline\n";
        let (t, problems) = parse(body, Some(jiff::civil::date(2021, 2, 4)), Reading::default());
        assert!(problems.is_empty(), "{problems:?}");
        let got: Vec<(String, &str)> = t.entries.iter().map(|e| (e.at.to_string(), e.text.as_str())).collect();
        let want = [
            ("2021-02-04T21:45:00Z", "a"),
            ("2021-02-04T21:46:00Z", "b"),
            ("2021-02-05T12:24:00Z", "c"),
            ("2021-02-05T13:17:00Z", "d"),
            ("2021-02-05T13:22:00Z", "e"),
            ("2021-02-05T21:45:00Z", "f"),
            ("2021-02-05T22:00:00Z", "table"),
            ("2021-02-05T22:40:00Z", "g"),
            ("2021-02-06T10:40:00Z", "h"),
            ("2021-02-07T09:00:00Z", "i"),
            ("2021-02-08T00:00:00Z", "freeze j"),
            ("2021-02-08T23:50:00Z", "k"),
            ("2021-02-09T00:10:00Z", "l"),
        ];
        let want: Vec<(String, &str)> = want.iter().map(|(a, b)| (a.to_string(), *b)).collect();
        assert_eq!(got, want);
        let day = &t.entries[10];
        assert!(day.day_only && day.when == "2021-02-08", "{day:?}");
        assert!(!t.entries[9].day_only);
        assert!(body[t.entries[4].block..].starts_with("2. 1:22 pm"));
        assert!(body[t.entries[1].block..].starts_with("**Feb 04"));
    }

    #[test]
    fn the_zone_comes_from_the_heading_the_entries_or_the_site_names() {
        let (t, _) = parse("## Timeline (all times PDT)\n\n- 10:00 a\n", Some(DAY), Reading::default());
        assert_eq!((t.zone.as_str(), t.entries[0].at.to_string().as_str()), ("PDT", "2024-03-12T17:00:00Z"));
        let (t, problems) =
            parse("## Incident Timeline:\n\n- 10:00 (CET) a\n- 10:05 b\n", Some(DAY), Reading::default());
        assert_eq!(t.zone, "CET");
        assert_eq!(t.entries[1].at.to_string(), "2024-03-12T09:05:00Z");
        assert!(problems.is_empty(), "{problems:?}");
        let (t, _) =
            parse("## Outage log\n\n- 10:00 a\n", Some(DAY), Reading { names: &["outage log".into()], order: None });
        assert_eq!(t.entries.len(), 1);
        let (t, _) = parse("## Outage log\n\n- 10:00 a\n", Some(DAY), Reading::default());
        assert!(t.entries.is_empty());
    }

    #[test]
    fn slashed_dates_that_read_two_ways_warn_with_both_readings() {
        let body = "## Timeline\n- 03/04/2021 10:00 a\n- 13/04/2021 10:00 b\n- 04/20/2021 c\n";
        let (t, problems) = parse(body, Some(DAY), Reading::default());
        let days: Vec<String> = t.entries.iter().map(|e| e.day.to_string()).collect();
        assert_eq!(days, ["2021-03-04", "2021-04-13", "2021-04-20"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].rule, Rule::TimelineAmbiguous);
        assert_eq!(&body[problems[0].span.clone()], "03/04/2021 10:00");
        assert!(problems[0].message.contains("4 March 2021") && problems[0].message.contains("3 April 2021"));
    }

    #[test]
    fn impossible_times_are_errors_at_the_time() {
        let body = "## Timeline\n- 25:99 a\n- **2024-02-30 10:00** b\n- 10:00:61 c\n- 10:00 d\n";
        let (t, problems) = parse(body, Some(DAY), Reading::default());
        assert_eq!(t.entries.len(), 1);
        let at: Vec<&str> = problems.iter().map(|p| &body[p.span.clone()]).collect();
        assert_eq!(at, ["25:99", "2024-02-30 10:00", "10:00:61"]);
        assert!(problems.iter().all(|p| p.rule == Rule::TimelineTime));
    }

    fn placed(body: &str, day: Option<Date>, order: Option<DateOrder>) -> (Vec<String>, usize, Vec<Rule>) {
        let (t, problems) = parse(body, day, Reading { names: &[], order });
        let at = t.entries.iter().map(|e| format!("{} {}", e.when, e.text)).collect();
        (at, t.unplaced, problems.iter().map(|p| p.rule).collect())
    }

    /// Tables, one heading per entry, and a row's cells that spell the date in parts.
    #[test]
    fn table_rows_and_headings_are_entries() {
        let body = "## Timeline\n\nAll times in CET.\n\n| Time | Event |\n| :--- | --- |\n\
            | 2020-06-09 11:00 | Maintenance started |\n| 2020-06-09 12:20 | Attachments removed |\n\
            | Pre-existing | Reports came in |\n\n| Resolver | Peak CPU |\n|---|---|\n| dns-a | 99% |\n\n## Next\n";
        let (at, unplaced, rules) = placed(body, None, None);
        assert_eq!(at, ["2020-06-09 11:00 Maintenance started", "2020-06-09 12:20 Attachments removed"]);
        assert_eq!((unplaced, rules), (1, vec![Rule::TimelineEntry]));
        let body = "## Timeline (all times PT )\n\n| Day | Date (2021) | Time (PT) | Event |\n|---|---|---|---|\n\
            | Sun | Oct 31 | 21:33 | User posts\n| Sun | Oct 31 | 21:34 | Troubleshooting starts\n";
        let (at, _, rules) = placed(body, Some(jiff::civil::date(2021, 10, 31)), None);
        assert_eq!(at, ["2021-10-31 21:33 User posts", "2021-10-31 21:34 Troubleshooting starts"], "{rules:?}");
        let body = "## Timeline\n\n### 2018-02-28 21:21\n\nAlert fired.\n\n### 21:30\nRolled back.\n\n\
            ### 10:05 PM ###\n\nAll clear.\n\n### March 1, 2018\n\n- 09:00 review\n";
        let (at, _, _) = placed(body, None, None);
        assert_eq!(
            at,
            [
                "2018-02-28 21:21 Alert fired.",
                "2018-02-28 21:30 Rolled back.",
                "2018-02-28 22:05 All clear.",
                "2018-03-01 09:00 review"
            ]
        );
    }

    /// Numeric dates with any separator read in the order the timeline's own dates decide,
    /// else the site's, else month first with the ambiguity named.
    #[test]
    fn numeric_dates_read_in_the_order_the_file_decides() {
        let body = "## Timeline\n- 16-10-2024 11:58 merged\n- 24-10-2024 02:00 released\n- 04-11-2024 09:00 noticed\n";
        let (at, _, rules) = placed(body, None, None);
        assert_eq!(at, ["2024-10-16 11:58 merged", "2024-10-24 02:00 released", "2024-11-04 09:00 noticed"]);
        assert!(rules.is_empty(), "{rules:?}");
        let body = "## Timeline\n- 07-27-2023 2:14 pm approved\n- 07-29-2023 11:51 am access\n- 4/30/23 done\n";
        let (at, _, rules) = placed(body, None, None);
        assert_eq!(at, ["2023-07-27 14:14 approved", "2023-07-29 11:51 access"]);
        assert_eq!(rules, [Rule::TimelineOrder], "4/30/23 runs backwards: shown as written, off the drawing");
        let ambiguous = "## Timeline\n- 08-01-2026 expired\n- 11.01.2026 10:00 failing\n";
        let (at, _, rules) = placed(ambiguous, None, Some(DateOrder::DayFirst));
        assert_eq!(
            (at, rules),
            (vec!["2026-01-08 expired".to_string(), "2026-01-11 10:00 failing".to_string()], vec![])
        );
        let (at, _, rules) = placed(ambiguous, None, None);
        assert_eq!(at, ["2026-08-01 expired", "2026-11-01 10:00 failing"]);
        assert_eq!(rules, [Rule::TimelineAmbiguous, Rule::TimelineAmbiguous]);
    }

    /// Twelve-hour times across noon and midnight, approximate times, ranges, a time before
    /// its day, and a year typed short.
    #[test]
    fn times_as_people_write_them() {
        let body = "## Timeline (all times PST) Saturday Oct 30th 2021\n\n\
            - 18:41 paged\n- 07:05 AM back to sleep\n- ~08:10 coffee\n- approx. 09:00 - 09:30 review\n\
            - 12:45 PM PST Saturday Oct 30th: next wave\n- 13:55 PM PST Saturday Oct 30th: alarms\n\
            - 11:10 6th Nov 2023 - merged\n- 11/03/202 - released\n";
        let (at, unplaced, rules) = placed(body, Some(jiff::civil::date(2021, 10, 28)), None);
        assert_eq!(
            at,
            [
                "2021-10-28 18:41 paged",
                "2021-10-29 07:05 back to sleep",
                "2021-10-29 08:10 coffee",
                "2021-10-29 09:00 review",
                "2021-10-30 12:45 next wave",
                "2021-10-30 13:55 alarms",
                "2023-11-06 11:10 merged",
            ]
        );
        assert_eq!((unplaced, rules), (1, vec![Rule::TimelineTime]));
    }

    /// With no day known (an imported file that states none), bare times are left unplaced
    /// rather than put on a day nobody wrote.
    #[test]
    fn bare_times_without_a_known_day_stay_unplaced() {
        let (at, unplaced, rules) = placed("## Timeline\n- 14:05 alert\n- 14:20 rollback\n", None, None);
        assert!(at.is_empty() && rules.is_empty());
        assert_eq!(unplaced, 2);
        let (at, unplaced, _) =
            placed("## 2. Timeline & Detection\n- 2024-03-12: frozen\n- 14:20 rollback\n", None, None);
        assert_eq!((at, unplaced), (vec!["2024-03-12 frozen".to_string(), "2024-03-12 14:20 rollback".to_string()], 0));
    }
}
