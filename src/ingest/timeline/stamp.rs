//! The date and time an entry starts with, in the forms postmortems are written in:
//! `2021-02-04 21:45`, `Feb 04, 2021, 21:45 (UTC)`, `October 12th, 2022 at 21:17`,
//! `1:22 pm`, `21:45 UTC`, `03/04/2021`. Each part is read with jiff's strptime, trying
//! a table of formats and keeping the one that reads furthest; only what strptime cannot
//! express (ordinal suffixes, the connector words, zone abbreviations) is handled here.

use std::ops::Range;

use jiff::civil::{Date, Time};
use jiff::fmt::strtime::BrokenDownTime;
use jiff::tz::{Offset, TimeZone};

/// Date formats, tried in turn; the longest match wins, so `%B %d` only counts when no year follows.
const DATES: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B, %Y",
    "%B %d",
    "%b %d",
    "%d %B",
    "%d %b",
    "%m/%d/%Y",
    "%d/%m/%Y",
];
const WEEKDAYS: &[&str] = &["%A, ", "%A ", "%a, ", "%a "];
const TIMES: &[&str] = &["%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p", "%H:%M:%S", "%H:%M", "%I %p", "%I%p"];

/// What an entry's first line starts with.
#[derive(Debug, PartialEq)]
pub struct Stamp {
    /// `None` for a bare time, which takes its day from what came before.
    pub date: Option<DateRead>,
    /// `None` for a day-level entry (`2021-03-05: deploy frozen`).
    pub time: Option<Time>,
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
    /// The month and day; the year is `None` when the text gave none (`March 5`).
    pub year: Option<i16>,
    pub month: i8,
    pub day: i8,
    /// The other reading of a date like `03/04/2021` (day first), when both are real dates.
    pub other_reading: Option<(i8, i8)>,
}

impl DateRead {
    /// The date, completed with `year` when the text gave none; `None` when impossible.
    pub fn date(&self, year: i16) -> Option<Date> {
        Date::new(self.year.unwrap_or(year), self.month, self.day).ok()
    }
}

/// Why a line that looks like it starts with a time could not be read.
#[derive(Debug, PartialEq)]
pub struct Invalid {
    pub span: Range<usize>,
}

/// Reads the stamp at the start of `line` (after list markers); `None` when the line does
/// not start with something dated, `Err` when it looks like a date or time but is not one.
pub fn read(line: &str) -> Option<Result<Stamp, Invalid>> {
    let open = line.len() - line.trim_start_matches(['*', '_', '`', '[']).len();
    let (norm, map) = normalise(&line[open..]);
    let invalid = |at: usize, n: usize| Some(Err(Invalid { span: open..open + map[at + n.max(shape(&norm[at..]))] }));
    let mut at = WEEKDAYS
        .iter()
        .filter(|f| may_start(f, &norm))
        .filter_map(|f| BrokenDownTime::parse_prefix(f, &norm).ok())
        .map(|(_, n)| n)
        .max()
        .unwrap_or(0);
    let mut date = None;
    if let Some((tm, n)) = date_prefix(&norm[at..]) {
        let (Some(month), Some(day)) = (tm.month(), tm.day()) else { return None };
        let year = tm.year();
        if Date::new(year.unwrap_or(2024), month, day).is_err() {
            return invalid(at, n);
        }
        // `03/04/2021`: month first unless that is impossible, and the other reading named.
        let written = &norm[at..at + n];
        let slashed = written.contains('/') && written.find('/') != Some(4); // not `2021/03/04`
        let other_reading = (slashed && month != day && day <= 12).then_some((day, month));
        date = Some(DateRead { year, month, day, other_reading });
        at += n;
        at += connector(&norm[at..]);
    }
    let time = match time_prefix(&norm[at..]) {
        Some((tm, n)) => {
            let Ok(time) = tm.to_time() else { return invalid(at, n) };
            at += n;
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
    let rest = norm[at..].trim_start_matches(['*', '_', '`', ']', ')', ' ', '\t', ':', '-', '—', '–', '|', ',']);
    Some(Ok(Stamp { date, time, zone, span: open..open + map[at], rest: open + map[norm.len() - rest.len()] }))
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
    let trimmed = s.trim_start_matches([',', ' ', '\t', 'T', '@', '-', '–']);
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
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    // Unsigned: `--5` is not an offset (a signed parse read it as -5 and multiplied on).
    // Unsigned: `--5` is not an offset (a signed parse read it as -5 and multiplied on).
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    if h <= 14 && m < 60 { fixed(sign * (h * 3600 + m * 60) as i32) } else { None }
}

fn fixed(seconds: i32) -> Option<TimeZone> {
    Offset::from_seconds(seconds).ok().map(TimeZone::fixed)
}

/// The line with ordinal suffixes (`12th`) taken out, so strptime can read it, and a map
/// from each byte offset of the result back to the line.
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
        let c = head[i..].chars().next().unwrap_or(' ');
        for _ in 0..c.len_utf8() {
            map.push(i);
        }
        out.push(c);
        i += c.len_utf8();
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
}
