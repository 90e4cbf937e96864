//! The date and time an entry starts with, in the forms postmortems are written in:
//! `2021-02-04 21:45`, `Feb 04, 2021, 21:45 (UTC)`, `October 12th, 2022 at 21:17`,
//! `1:22 pm`, `21:45 UTC`, `03/04/2021`. Each part is read with jiff's strptime, trying
//! a table of formats and keeping the one that reads furthest; only what strptime cannot
//! express (ordinal suffixes, the connector words, zone abbreviations) is handled here.

use std::ops::Range;

use jiff::civil::{Date, Time};
use jiff::fmt::strtime::BrokenDownTime;
use jiff::tz::{Offset, TimeZone};

use crate::config::DateOrder;

/// Date formats, tried in turn; the longest match wins, so `%B %d` only counts when no year
/// follows. Numeric dates (`03/04/2021`, `29-11-2024`, `4/21/23`) are read by `numeric_date`,
/// since which number is the month is decided for the whole timeline, not per format.
const DATES: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%B %d",
    "%b %d",
    "%b. %d",
    "%d %B",
    "%d %b",
];
const WEEKDAYS: &[&str] = &["%A, ", "%A ", "%a, ", "%a "];
const TIMES: &[&str] = &["%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p", "%H:%M:%S", "%H:%M", "%I %p", "%I%p"];
/// Words that say a time is approximate (`~12:34`, `approx. 12:34`): read past, the time stays.
const APPROXIMATE: &[&str] = &["approximately ", "approx. ", "approx ", "around ", "about ", "circa ", "ca. ", "~"];

/// What an entry's first line starts with.
#[derive(Debug, PartialEq)]
pub struct Stamp {
    /// `None` for a bare time, which takes its day from what came before.
    pub date: Option<DateRead>,
    /// `None` for a day-level entry (`2021-03-05: deploy frozen`).
    pub time: Option<Time>,
    /// Whether the time was written on a 12-hour clock with `am`: after an afternoon entry,
    /// it is the next morning.
    pub morning: bool,
    /// A zone written with the time: `UTC`, `(PST)`, `+02:00`, `Europe/Berlin`.
    pub zone: Option<(String, TimeZone)>,
    /// Where the date, time and zone are in the line (the span diagnostics point at),
    /// inside any emphasis or backticks around them.
    pub span: Range<usize>,
    /// Where the entry's own text begins, after closing emphasis and separators.
    pub rest: usize,
}

#[derive(Debug, PartialEq)]
pub struct DateRead {
    /// The year; `None` when the text gave none (`March 5`).
    pub year: Option<i16>,
    parts: Parts,
}

/// A date's month and day as the text gives them.
#[derive(Debug, PartialEq)]
enum Parts {
    /// From a month name or a year-first date: nothing to decide.
    Named { month: i8, day: i8 },
    /// The first and second number of `03/04/2021`: month and day in an order the timeline decides.
    Numeric(i8, i8),
}

impl DateRead {
    /// The date, completed with `year` when the text gave none, the numbers read in `order`
    /// (or the other way where only that is a real date); `None` when impossible.
    pub fn date(&self, year: i16, order: DateOrder) -> Option<Date> {
        let year = self.year.unwrap_or(year);
        match self.parts {
            Parts::Named { month, day } => Date::new(year, month, day).ok(),
            Parts::Numeric(a, b) => {
                let (first, second) = if order == DateOrder::MonthFirst { ((a, b), (b, a)) } else { ((b, a), (a, b)) };
                Date::new(year, first.0, first.1).or_else(|_| Date::new(year, second.0, second.1)).ok()
            }
        }
    }

    /// The order the date's own numbers decide: `13/04/2021` is day first.
    pub fn order(&self) -> Option<DateOrder> {
        match self.parts {
            Parts::Numeric(a, b) if a > 12 && b <= 12 => Some(DateOrder::DayFirst),
            Parts::Numeric(a, b) if b > 12 && a <= 12 => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }

    /// Whether the numbers read as two different real dates (`03/04/2021`), so that the
    /// order matters.
    pub fn ambiguous(&self) -> bool {
        matches!(self.parts, Parts::Numeric(a, b) if a != b && a <= 12 && b <= 12)
    }
}

/// Why a line that looks like it starts with a time could not be read.
#[derive(Debug, PartialEq)]
pub struct Invalid {
    pub span: Range<usize>,
}

/// Reads the stamp at the start of `line` (after list markers or a table row's `|`): a date,
/// a time, or both, in either order (`11:10 6th Nov 2023`), a range's end (`12:00 - 12:30`
/// starts at 12:00), and a zone. `None` when the line does not start with something dated,
/// `Err` when it looks like a date or time but is not one.
pub fn read(line: &str) -> Option<Result<Stamp, Invalid>> {
    let (norm, map) = normalise(line);
    let mut open = norm.len() - norm.trim_start_matches(['*', '_', '`', '[', ' ']).len();
    if let Some(word) = APPROXIMATE.iter().find(|w| starts_with_ignore_case(&norm[open..], w))
        && norm[open + word.len()..].trim_start().starts_with(|c: char| c.is_ascii_digit())
    {
        open += word.len();
        open += norm[open..].len() - norm[open..].trim_start().len();
    }
    let invalid = |at: usize, n: usize| Some(Err(Invalid { span: map[open]..map[at + n.max(shape(&norm[at..]))] }));
    let mut at = open + weekday(&norm[open..]);
    let mut date = None;
    match date_at(&norm[at..]) {
        Some(Ok((read, n))) => {
            date = Some(read);
            at += n;
            at += connector(&norm[at..]);
        }
        Some(Err(n)) => return invalid(at, n),
        None => {}
    }
    let mut morning = false;
    let time = match time_prefix(&norm[at..]) {
        Some((tm, n)) => {
            let Ok(time) = tm.to_time() else { return invalid(at, n) };
            morning = tm.meridiem() == Some(jiff::fmt::strtime::Meridiem::AM);
            at += n;
            at += redundant_pm(&norm[at..], time);
            at += range_end(&norm[at..]);
            Some(time)
        }
        None if shape(&norm[at..]) > 0 => return invalid(at, 0),
        None => None,
    };
    if date.is_none() && time.is_none() {
        return None;
    }
    let (zone, used) = zone_after(&norm[at..]);
    at += used;
    // A time first, then its day: `11:10 6th Nov 2023`, `12:45 PM PST Saturday Oct 30th`.
    if date.is_none() {
        let lead = norm[at..].len() - norm[at..].trim_start_matches([' ', ',']).len();
        let lead = lead + norm[at + lead..].strip_prefix("on ").map_or(0, |_| 3);
        let from = at + lead + weekday(&norm[at + lead..]);
        match date_at(&norm[from..]) {
            Some(Ok((read, n))) => {
                date = Some(read);
                at = from + n;
            }
            Some(Err(n)) => return invalid(from, n),
            None => {}
        }
    }
    let rest = norm[at..].trim_start_matches(['*', '_', '`', ']', ')', ' ', '\t', ':', '-', '—', '–', '|', ',', '~']);
    Some(Ok(Stamp { date, time, morning, zone, span: map[open]..map[at], rest: map[norm.len() - rest.len()] }))
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Length of a weekday (`Monday, `, `Sat `) at the start of `s`, or 0.
fn weekday(s: &str) -> usize {
    WEEKDAYS
        .iter()
        .filter(|f| may_start(f, s))
        .filter_map(|f| BrokenDownTime::parse_prefix(f, s).ok())
        .map(|(_, n)| n)
        .max()
        .unwrap_or(0)
}

/// The date `s` starts with and its length, `Err(length)` for one shaped like a date that
/// is none (`2024-02-30`, the year typed short in `11/03/202`).
fn date_at(s: &str) -> Option<Result<(DateRead, usize), usize>> {
    if let Some(found) = numeric_date(s) {
        return Some(found);
    }
    let (tm, n) = date_prefix(s)?;
    let (Some(month), Some(day)) = (tm.month(), tm.day()) else { return None };
    // `January 2020` is a month: a format's space matches no space at all, so `%B %d %Y`
    // would read it as January 20 in the year 20.
    if tm.year().is_some_and(|y| y < 1000) {
        return None;
    }
    if Date::new(tm.year().unwrap_or(2024), month, day).is_err() {
        return Some(Err(n));
    }
    Some(Ok((DateRead { year: tm.year(), parts: Parts::Named { month, day } }, n)))
}

/// `03/04/2021`, `29-11-2024`, `12.03.2024`, `4/21/23`: two numbers of one or two digits
/// and a year of two or four, with one separator throughout. A two-digit year is of this
/// century unless above 69; any other year length is a typo, reported.
fn numeric_date(s: &str) -> Option<Result<(DateRead, usize), usize>> {
    let digits = |from: usize| s[from..].bytes().take_while(u8::is_ascii_digit).count();
    let a = digits(0);
    let sep = *s.as_bytes().get(a)?;
    if !(1..=2).contains(&a) || !matches!(sep, b'/' | b'-' | b'.') {
        return None;
    }
    let b = digits(a + 1);
    if !(1..=2).contains(&b) || s.as_bytes().get(a + 1 + b) != Some(&sep) {
        return None;
    }
    let y = digits(a + b + 2);
    let n = a + b + 2 + y;
    if y == 0 || continues(&s[n..]) {
        return None;
    }
    let number = |from: usize, len: usize| s[from..from + len].parse::<i16>().ok();
    let (first, second) = (number(0, a)? as i8, number(a + 1, b)? as i8);
    let year = match (y, number(a + b + 2, y)) {
        (2, Some(yy)) => Some(if yy > 69 { 1900 + yy } else { 2000 + yy }),
        (4, Some(yyyy)) => Some(yyyy),
        _ => return Some(Err(n)),
    };
    let read = DateRead { year, parts: Parts::Numeric(first, second) };
    let real = [DateOrder::MonthFirst, DateOrder::DayFirst].iter().any(|&o| read.date(2024, o).is_some());
    Some(if real { Ok((read, n)) } else { Err(n) })
}

/// ` PM` after a 24-hour afternoon time (`13:55 PM`): said twice, read once.
fn redundant_pm(s: &str, time: Time) -> usize {
    let trimmed = s.trim_start_matches(' ');
    let pm = ["pm", "p.m."].iter().find(|p| starts_with_ignore_case(trimmed, p));
    match pm {
        Some(p) if time.hour() >= 12 && !trimmed[p.len()..].starts_with(|c: char| c.is_alphanumeric()) => {
            s.len() - trimmed.len() + p.len()
        }
        _ => 0,
    }
}

/// The end of a range after its start time (` - 12:30`, `–12:30 PM`, ` to 12:30`), whose
/// entry is placed at its start: the length to read past, or 0.
fn range_end(s: &str) -> usize {
    let after = s.trim_start_matches(' ');
    let Some(joined) = ["-", "–", "—", "to "].iter().find_map(|j| after.strip_prefix(j)) else { return 0 };
    let end = joined.trim_start_matches([' ', '~']);
    match time_prefix(end) {
        Some((tm, n)) if tm.to_time().is_ok() => s.len() - end.len() + n,
        _ => 0,
    }
}

/// The date `s` starts with: `2021-02-04` read directly, being how most timelines are
/// written (trying every format on every line was the costliest part of reading a
/// postmortem), anything else by `longest`. The direct reading is taken only where no
/// format could read further, which the tests check against `longest`.
fn date_prefix(s: &str) -> Option<(BrokenDownTime, usize)> {
    iso_date(s).or_else(|| longest(DATES, s))
}

fn iso_date(s: &str) -> Option<(BrokenDownTime, usize)> {
    let b = s.as_bytes();
    let shaped = b.len() >= 10 && b[4] == b'-' && b[7] == b'-';
    if !shaped || !(b[..4].iter().chain(&b[5..7]).chain(&b[8..10])).all(u8::is_ascii_digit) || continues(&s[10..]) {
        return None;
    }
    let mut tm = BrokenDownTime::default();
    tm.set_year(Some(number(&b[..4]))).ok()?;
    tm.set_month(Some(number(&b[5..7]) as i8)).ok()?;
    tm.set_day(Some(number(&b[8..10]) as i8)).ok()?;
    Some((tm, 10))
}

/// The time `s` starts with: a 24-hour `21:45` read directly (see `date_prefix`), anything
/// else (seconds, am/pm, one-digit hours) by `longest`.
fn time_prefix(s: &str) -> Option<(BrokenDownTime, usize)> {
    hh_mm(s).or_else(|| longest(TIMES, s))
}

fn hh_mm(s: &str) -> Option<(BrokenDownTime, usize)> {
    let b = s.as_bytes();
    let shaped = b.len() >= 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
    // What follows could make another format read further: `:SS`, ` pm`, `PM`.
    let after = s.get(5..)?.trim_start_matches(' ');
    if !shaped || continues(&s[5..]) || after.starts_with(['a', 'A', 'p', 'P']) {
        return None;
    }
    let mut tm = BrokenDownTime::default();
    tm.set_hour(Some(number(&b[..2]) as i8)).ok()?;
    tm.set_minute(Some(number(&b[3..5]) as i8)).ok()?;
    Some((tm, 5))
}

/// The value of a few ASCII digits.
fn number(digits: &[u8]) -> i16 {
    digits.iter().fold(0, |n, d| n * 10 + i16::from(d - b'0'))
}

/// The format of `formats` that reads furthest into `s`; the first of equals, so month
/// first wins for `03/04/2021` and day first only reads `13/04/2021`.
fn longest(formats: &[&str], s: &str) -> Option<(BrokenDownTime, usize)> {
    formats
        .iter()
        .filter(|f| may_start(f, s))
        .filter_map(|f| BrokenDownTime::parse_prefix(f, s).ok())
        .filter(|(_, n)| !continues(&s[*n..]))
        .fold(None, |best: Option<(BrokenDownTime, usize)>, (tm, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((tm, n)),
        })
}

/// Whether `format` could read the start of `s` at all: a number needs a digit first, a
/// month or weekday name a letter. Most lines of a timeline fail most formats, and a failed
/// strptime builds an error, so this keeps reading a timeline cheap
/// (strptime skips spaces before a number, and a year may have a sign).
fn may_start(format: &str, s: &str) -> bool {
    let Some(first) = s.trim_start_matches(|c: char| c.is_ascii_whitespace()).chars().next() else { return false };
    match format.as_bytes().get(1) {
        Some(b'Y') => first.is_ascii_digit() || first == '+' || first == '-',
        Some(b'm' | b'd' | b'H' | b'I') => first.is_ascii_digit(),
        Some(b'A' | b'a' | b'B' | b'b') => first.is_alphabetic(),
        _ => true,
    }
}

/// A date or time followed by more digits or a colon is not one we read (`10:40:61`,
/// `March 2021`, which `%B %d` would take as March 20).
fn continues(after: &str) -> bool {
    let digit = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
    digit(after) || after.strip_prefix(':').is_some_and(digit)
}

/// Length of something shaped like a time or ISO date, valid or not: `25:99`, `2024-02-30 10:00`.
fn shape(s: &str) -> usize {
    let token = |s: &str| s.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '-')).unwrap_or(s.len());
    let digits = |t: &str| t.bytes().filter(u8::is_ascii_digit).count();
    let first = token(s);
    let t = &s[..first];
    if t.contains(':') && !t.contains('-') && digits(t) >= 3 {
        return first;
    }
    if t.matches('-').count() != 2 || digits(t) < 8 || t.contains(':') {
        return 0;
    }
    let time = s[first..].strip_prefix([' ', 'T']).map_or(0, |rest| {
        let n = token(rest);
        if rest[..n].contains(':') { 1 + n } else { 0 }
    });
    first + time
}

/// What joins a date and a time: `, `, ` at `, `T`, ` - `, `@`, or plain space.
fn connector(s: &str) -> usize {
    let trimmed = s.trim_start_matches([',', ' ', '\t', 'T', '@', '-', '–', '~']);
    let trimmed = trimmed.strip_prefix("at ").map(str::trim_start).unwrap_or(trimmed);
    // Only a connector when a time follows; otherwise the date stands alone.
    if time_prefix(trimmed).is_some() || shape(trimmed) > 0 { s.len() - trimmed.len() } else { 0 }
}

/// A zone word right after the time, with the bytes it takes (`(UTC)`, ` PST`, `Z`).
fn zone_after(s: &str) -> (Option<(String, TimeZone)>, usize) {
    let paren = s.trim_start().starts_with('(');
    let lead = s.len() - s.trim_start_matches([' ', '(']).len();
    let word_len = s[lead..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | ':' | '/' | '_')))
        .unwrap_or(s.len() - lead);
    let word = s[lead..lead + word_len].trim_end_matches(':');
    match zone_named(word) {
        Some(zone) => {
            let end = lead + word.len();
            (Some((word.to_string(), zone)), if paren && s[end..].starts_with(')') { end + 1 } else { end })
        }
        None => (None, 0),
    }
}

/// Common zone abbreviations with their offsets in minutes, and the generic US names that
/// follow daylight saving. A closed list, because "IT" or "ALERT" after a time are words.
const ABBREVIATIONS: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("Z", 0),
    ("WET", 0),
    ("BST", 60),
    ("WEST", 60),
    ("CET", 60),
    ("CEST", 120),
    ("EET", 120),
    ("EEST", 180),
    ("MSK", 180),
    ("IST", 330),
    ("SGT", 480),
    ("HKT", 480),
    ("AWST", 480),
    ("JST", 540),
    ("KST", 540),
    ("ACST", 570),
    ("AEST", 600),
    ("ACDT", 630),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
    ("HST", -600),
    ("AKST", -540),
    ("AKDT", -480),
    ("PST", -480),
    ("PDT", -420),
    ("MST", -420),
    ("MDT", -360),
    ("CST", -360),
    ("CDT", -300),
    ("EST", -300),
    ("EDT", -240),
];
const GENERIC: &[(&str, &str)] =
    &[("PT", "America/Los_Angeles"), ("MT", "America/Denver"), ("CT", "America/Chicago"), ("ET", "America/New_York")];

/// The zone a word names: an abbreviation, `UTC+02:00`, `+0200`, or an IANA name.
pub fn zone_named(word: &str) -> Option<TimeZone> {
    if let Some((_, minutes)) =
        ABBREVIATIONS.iter().find(|(name, _)| word.eq_ignore_ascii_case(name) && word.len() > 1 || *name == word)
    {
        return fixed(minutes * 60);
    }
    if let Some((_, iana)) = GENERIC.iter().find(|(name, _)| *name == word) {
        return TimeZone::get(iana).ok();
    }
    let offset = word.strip_prefix("UTC").or_else(|| word.strip_prefix("GMT")).unwrap_or(word);
    let (sign, digits) = match offset.split_at_checked(1) {
        Some(("+", d)) => (1, d),
        Some(("-", d)) => (-1, d),
        _ => return if word.contains('/') { TimeZone::get(word).ok() } else { None },
    };
    let (h, m) = match digits.split_once(':') {
        Some(parts) => parts,
        // Four bytes may be fewer characters (`1é1`): split only where a character ends.
        None if digits.len() == 4 => digits.split_at_checked(2)?,
        None => (digits, "0"),
    };
    // Unsigned: `--5` is not an offset (a signed parse read it as -5 and multiplied on).
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    if h <= 14 && m < 60 { fixed(sign * (h * 3600 + m * 60) as i32) } else { None }
}

fn fixed(seconds: i32) -> Option<TimeZone> {
    Offset::from_seconds(seconds).ok().map(TimeZone::fixed)
}

/// The line with ordinal suffixes (`12th`) taken out, cell bars and runs of white space
/// made single spaces, so strptime can read it, and a map from each byte offset of the
/// result back to the line.
fn normalise(line: &str) -> (String, Vec<usize>) {
    let mut cut = line.len().min(96);
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &line[..cut];
    let mut out = String::with_capacity(head.len());
    let mut map = Vec::with_capacity(head.len() + 1);
    let b = head.as_bytes();
    let mut i = 0;
    while i < head.len() {
        let ordinal = i > 0
            && b[i - 1].is_ascii_digit()
            && ["st", "nd", "rd", "th"].iter().any(|s| {
                head[i..].len() >= 2 && head.is_char_boundary(i + 2) && head[i..i + 2].eq_ignore_ascii_case(s)
            })
            && !b.get(i + 2).is_some_and(u8::is_ascii_alphanumeric);
        if ordinal {
            i += 2;
            continue;
        }
        let original = head[i..].chars().next().unwrap_or(' ');
        // A table row's cells read as one line; runs of spaces as one (strptime's formats
        // have single spaces).
        let c = if original == '|' || original.is_whitespace() { ' ' } else { original };
        if c == ' ' && out.ends_with(' ') {
            i += original.len_utf8();
            continue;
        }
        for _ in 0..c.len_utf8() {
            map.push(i);
        }
        out.push(c);
        i += original.len_utf8();
    }
    map.push(i);
    (out, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct readings must agree with the format table wherever they answer at all.
    #[test]
    fn direct_readings_agree_with_the_format_table() {
        let lines = [
            "2019-12-25 03:17 Impact begins",
            "2019-12-25T03:17:00Z deploy",
            "2024-02-30 10:00",
            "2024-13-01 10:00",
            "2024-1-05 10:00",
            "2024-01-0510:00",
            "2024-01-05: frozen",
            "2024-01-05",
            "03:17 pm alert",
            "03:17PM",
            "03:17 Alert fires",
            "03:17 paged",
            "03:17:45 restart",
            "03:17:4x",
            "23:59 done",
            "24:00 midnight",
            "12:60 late",
            "3:17 short",
            "031:17",
            "00:00",
            "12:30",
            "12:30, then",
        ];
        for line in lines {
            let table = longest(DATES, line).map(|(tm, n)| (tm.year(), tm.month(), tm.day(), n));
            let read = date_prefix(line).map(|(tm, n)| (tm.year(), tm.month(), tm.day(), n));
            assert_eq!(read, table, "date of {line:?}");
            let table = longest(TIMES, line).map(|(tm, n)| (tm.to_time().ok(), n));
            let read = time_prefix(line).map(|(tm, n)| (tm.to_time().ok(), n));
            assert_eq!(read, table, "time of {line:?}");
        }
        // The common forms are read directly, not by the table.
        assert!(iso_date("2019-12-25 03:17 Impact begins").is_some() && hh_mm("03:17 deploy started").is_some());
        assert!(iso_date("2024-1-05 10:00").is_none() && hh_mm("03:17 pm alert").is_none());
    }

    #[test]
    fn offsets_of_four_bytes_that_are_not_four_characters_are_no_zone() {
        // Found by the `timeline` fuzz target: the split fell inside `é` and panicked.
        for word in ["UTC+1é1", "+é11", "GMT-ß1", "UTC+1é"] {
            assert!(zone_named(word).is_none(), "{word}");
        }
        assert_eq!(zone_named("UTC+0130"), fixed(5400));
    }
}
