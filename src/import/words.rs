//! Values read from the author's own words: `**Key:** value` lines and metadata tables,
//! severities, statuses and durations as teams write them, stats lines, dated titles and
//! date lines, and the items of a section.

use jiff::SignedDuration;
use jiff::civil::Date;
use serde_yaml_ng::Value;

use super::*;
use crate::ingest::timeline::read_moment;

/// Metadata keys as teams write them, and the front matter key each fills.
pub(super) const KEYS: &[(&str, &[&str])] = &[
    ("date", &["date", "incident date", "date of incident", "day"]),
    ("severity", &["severity", "sev", "severity level", "impact level", "level"]),
    ("status", &["status", "postmortem status", "document status", "state"]),
    ("authors", &["authors", "author", "owner", "owners", "written by", "postmortem owner"]),
    (
        "services",
        &[
            "services",
            "service",
            "systems",
            "system",
            "systems affected",
            "affected services",
            "affected systems",
            "components",
            "component",
        ],
    ),
    ("teams", &["team", "teams", "owning team"]),
    ("incident_commander", &["incident commander", "ic", "commander"]),
    ("started_at", &["started", "start", "start time", "began", "impact start", "incident start"]),
    ("detected_at", &["detected", "detection time", "detected at", "time detected"]),
    ("mitigated_at", &["mitigated", "mitigated at", "mitigation time"]),
    ("resolved_at", &["resolved", "resolved at", "resolution time", "end", "end time", "ended"]),
    ("duration", &["duration", "total duration", "length"]),
    ("summary", &["summary", "tl;dr", "tldr"]),
];

/// The top-level list items of the first section whose title `wanted` accepts (its
/// lowercase title, a parenthesis and colon aside), as plain text with whether each was a
/// ticked task (`- [x]`). Empty items (a template's `-`) are left out.
pub(super) fn section_items(body: &str, wanted: impl Fn(&str) -> bool) -> Vec<(String, bool)> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let (mut inside, mut level, mut depth) = (false, 0u8, 0usize);
    let mut heading: Option<String> = None;
    let mut item: Option<(String, bool)> = None;
    for event in Parser::new_ext(body, crate::markdown::options()) {
        match event {
            Event::Start(Tag::Heading { level: l, .. }) => {
                if inside && l as u8 <= level {
                    break;
                }
                heading = Some(String::new());
                level = if inside { level } else { l as u8 };
            }
            Event::End(TagEnd::Heading(l)) => {
                let title = heading.take().unwrap_or_default();
                let title = title.split('(').next().unwrap_or("").trim().trim_end_matches(':').trim().to_lowercase();
                if !inside && wanted(&title) {
                    inside = true;
                    level = l as u8;
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => heading.iter_mut().for_each(|h| h.push_str(&t)),
            Event::Start(Tag::List(_)) if inside => depth += 1,
            Event::End(TagEnd::List(_)) if inside => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) if inside && depth == 1 => item = Some((String::new(), false)),
            Event::TaskListMarker(done) if depth == 1 => item.iter_mut().for_each(|i| i.1 = done),
            Event::Text(t) | Event::Code(t) if depth == 1 => item.iter_mut().for_each(|i| i.0.push_str(&t)),
            Event::SoftBreak | Event::HardBreak if depth == 1 => item.iter_mut().for_each(|i| i.0.push(' ')),
            Event::End(TagEnd::Item) if inside && depth == 1 => {
                if let Some((text, done)) = item.take() {
                    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !text.is_empty() {
                        out.push((text, done));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// An action item from a list item's words: its title, and the owner when the line names
/// one (`Owner: Ana`, `(owner: @ana)`, a trailing `@ana`); done when ticked.
pub(super) fn action_item(text: &str, done: bool) -> Value {
    let mut item = Mapping::new();
    // ASCII lowercasing keeps every byte offset, so `at` is one in `text` too.
    let lower = text.to_ascii_lowercase();
    let (title, owner) = if let Some(at) = lower.find("owner:") {
        let owner = text[at + 6..].trim().trim_end_matches(')').trim();
        let title = text[..at].trim().trim_end_matches(['(', '-', '—', ',', ';']).trim();
        (title.to_string(), Some(owner.trim_start_matches('@').to_string()))
    } else if let Some((title, handle)) = text.rsplit_once(" @").filter(|(_, h)| !h.is_empty() && !h.contains(' ')) {
        (title.trim().trim_end_matches(['-', '—', ',']).trim().to_string(), Some(handle.to_string()))
    } else {
        (text.to_string(), None)
    };
    item.insert(Value::from("title"), Value::from(if title.is_empty() { text.to_string() } else { title }));
    if let Some(owner) = owner.filter(|o| !o.is_empty()) {
        item.insert(Value::from("owner"), Value::from(owner));
    }
    item.insert(Value::from("status"), Value::from(if done { "done" } else { "todo" }));
    Value::Mapping(item)
}

/// Lines that say how long until a moment, and the moment they give.
pub(super) const STATS: &[(&str, &[&str])] = &[
    ("detected_at", &["time to detection", "time to detect"]),
    ("mitigated_at", &["time to mitigation", "time to mitigate"]),
    ("resolved_at", &["time to resolution", "time to resolve", "time to recovery", "total time to resolution"]),
];

/// The first `Key: value` line whose key is one of `names` (any case, in a list or bold),
/// with the line as written.
pub(super) fn stat_line(body: &str, names: &[&str]) -> Option<(String, String)> {
    body.lines().find_map(|line| {
        let bare = line.trim().trim_start_matches(['-', '*', '+', '>', ' ']);
        let (key, value) = bare.split_once(':')?;
        let key = key.trim().trim_matches(['*', '_']).trim().to_lowercase();
        let value = value.trim().trim_start_matches(['*', '_', '~']).trim();
        let value = value.strip_prefix("approximately ").unwrap_or(value);
        names.contains(&key.as_str()).then(|| (bare.trim().to_string(), value.to_string()))
    })
}

/// `key: value` pairs from a metadata table (two columns, or a header row of keys) or
/// from `**Key:** value` lines, with keys mapped to front matter names.
pub(super) fn metadata(top: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches(['*', '_']).trim().to_string()).collect()
    };
    let lines: Vec<&str> = top.lines().collect();
    let table: Vec<&str> = lines.iter().copied().filter(|l| l.trim_start().starts_with('|')).collect();
    let is_rule = |l: &str| l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
    if let [header, rule, first, ..] = table.as_slice()
        && is_rule(rule)
        && cells(header).iter().filter(|c| key_for(c).is_some()).count() >= 2
    {
        pairs.extend(cells(header).into_iter().zip(cells(first)));
    } else {
        for line in table.iter().filter(|l| !is_rule(l)) {
            if let [key, value, ..] = cells(line).as_slice() {
                pairs.push((key.clone(), value.clone()));
            }
        }
    }
    for line in lines.iter().filter(|l| !l.trim_start().starts_with('|')) {
        let line = line.trim().trim_start_matches(['-', '*', '+']).trim_start();
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim().trim_matches(['*', '_']).trim();
        let value = value.trim().trim_start_matches(['*', '_']).trim();
        if key.split_whitespace().count() <= 4 && !value.is_empty() {
            pairs.push((key.to_string(), value.to_string()));
        }
    }
    pairs.into_iter().filter_map(|(k, v)| Some((key_for(&k)?.to_string(), v))).filter(|(_, v)| !v.is_empty()).collect()
}

/// `**Key:** value` and `**Key**: value` lines anywhere in the text, keys mapped as in
/// `metadata`; the first of each key wins.
pub(super) fn bold_keys(text: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = ["- ", "* ", "+ "].iter().find_map(|m| line.strip_prefix(m)).unwrap_or(line).trim_start();
        let Some(rest) = line.strip_prefix("**") else { continue };
        let Some((key, value)) = rest.split_once("**") else { continue };
        let (key, value) = match key.strip_suffix(':') {
            Some(key) => (key, value),
            None => (key, value.trim_start().strip_prefix(':').unwrap_or("")),
        };
        let value = value.trim();
        if let Some(k) = key_for(key).filter(|_| !value.is_empty())
            && !pairs.iter().any(|(have, _)| have == k)
        {
            pairs.push((k.to_string(), value.to_string()));
        }
    }
    pairs
}

pub(super) fn key_for(written: &str) -> Option<&'static str> {
    let k = written.trim().trim_end_matches(':').to_lowercase();
    KEYS.iter().find(|(_, aliases)| aliases.contains(&k.as_str())).map(|(key, _)| *key)
}

/// `SEV1`, `Sev-2`, `P1`, `S3`, `Severity 2`, `2`, `critical`: the site severity it means.
/// Words go by `severity_words` first, so a team whose "High" is its worst says so once.
pub(super) fn match_severity(written: &str, config: &Config) -> Option<String> {
    let severities = &config.severities;
    let lower = written.trim().to_lowercase();
    if let Some(exact) = severities.iter().find(|s| s.to_lowercase() == lower) {
        return Some(exact.clone());
    }
    let word = lower.split_whitespace().next().unwrap_or("");
    let said = |w: &str| config.severity_words.iter().find(|(k, _)| k.to_lowercase() == w).map(|(_, v)| v.clone());
    if let Some(meant) = said(&lower).or_else(|| said(word)) {
        return Some(meant);
    }
    let digits: String = lower.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    let rank = match digits.parse::<usize>() {
        Ok(n) => n,
        Err(_) => match word {
            "critical" | "sev-1" => 1,
            "major" | "high" => 2,
            "medium" | "moderate" => 3,
            "minor" | "low" => 4,
            _ => return None,
        },
    };
    let with_number =
        severities.iter().find(|s| s.trim_start_matches(|c: char| !c.is_ascii_digit()) == rank.to_string());
    with_number.or_else(|| severities.get(rank.checked_sub(1)?)).cloned()
}

pub(super) fn match_status(written: &str) -> &'static str {
    match written.trim() {
        s if s.contains("draft") || s.contains("wip") || s.contains("progress") => "draft",
        s if s.contains("in review") || s == "review" || s.contains("pending") => "in-review",
        s if s.contains("closed") || s.contains("complete") || s.contains("done") || s.contains("final") => "closed",
        _ => "reviewed",
    }
}

/// `checkout, api-gateway`, `checkout and search`, `[checkout](link)`: the names in a value.
pub(super) fn split_list(value: &str) -> Vec<String> {
    crate::markdown::plain_text(value)
        .split([',', ';'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().trim_matches(['`', '*', '.']).trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// `47 minutes`, `1h 20m`, `2 hours`, `1:20`: a duration.
pub(super) fn duration(value: &str) -> Option<SignedDuration> {
    if let Some((h, m)) = value.trim().split_once(':')
        && let (Ok(h), Ok(m)) = (h.parse::<i64>(), m.trim().parse::<i64>())
    {
        return Some(SignedDuration::from_mins(h * 60 + m));
    }
    let mut total = 0i64;
    let mut number: Option<i64> = None;
    for token in value.to_lowercase().split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()) {
        let split = token.find(|c: char| !c.is_ascii_digit()).unwrap_or(token.len());
        let (digits, unit) = token.split_at(split);
        if !digits.is_empty() {
            number = digits.parse().ok();
        }
        let Some(n) = number else { continue };
        let minutes = match unit {
            u if u.starts_with('h') => 60,
            u if u.starts_with("m") => 1,
            u if u.starts_with('d') => 1440,
            _ => continue,
        };
        total += n * minutes;
        number = None;
    }
    (total > 0).then(|| SignedDuration::from_mins(total))
}

/// The first line of words under a section titled `name` (any level, any case), as plain
/// text: `## Severity` then `**Critical**` says `Critical`.
pub(super) fn section_words(body: &str, name: &str) -> Option<String> {
    let mut lines = body.lines().skip_while(|l| {
        !(l.starts_with('#') && l.trim_start_matches('#').trim().trim_end_matches(':').eq_ignore_ascii_case(name))
    });
    lines.next()?;
    let line = lines.map(str::trim).find(|l| !l.is_empty())?;
    let words = crate::markdown::plain_text(line);
    (!line.starts_with('#') && !words.trim().is_empty()).then(|| words.trim().to_string())
}

/// A line that is only a date (`Monday, Nov. 13, 2017`, `_2024-03-12_`) before the second
/// section: where a document states its day without a key.
pub(super) fn date_line(text: &str, doc: &Layout, zone: &jiff::tz::TimeZone) -> Option<Date> {
    let from = doc.top.start;
    let end = doc.headings.iter().map(|h| h.span.start).filter(|&s| s > from).nth(1).unwrap_or(text.len());
    text[from..end].lines().find_map(|line| {
        let line = line.trim().trim_matches(['*', '_']).trim();
        let n = crate::ingest::timeline::stamp_length(line)?;
        let (date, at) = read_moment(line, 0, zone)?;
        (n == line.len() && at.is_none() && date.year() > 0).then_some(date)
    })
}

/// A title that starts or ends with a date (`20-10-2025 - Cloud provider outage`,
/// `Outage on 2024-03-12`): the title without it, and the date.
pub(super) fn dated_title(title: &str, zone: &jiff::tz::TimeZone) -> Option<(String, Date)> {
    let separators: &[char] = &[' ', '-', '–', '—', ':', ',', '|'];
    if let Some(s) = crate::ingest::timeline::stamp_length(title) {
        let (date, _) = read_moment(&title[..s], 0, zone)?;
        let rest = title[s..].trim_start_matches(separators).trim();
        return (date.year() > 0 && !rest.is_empty()).then(|| (rest.to_string(), date));
    }
    let (head, tail) = title.rsplit_once(' ')?;
    let (date, _) = read_moment(tail, 0, zone)?;
    let head = head.trim_end_matches(separators).trim();
    let head = head.strip_suffix(" on").unwrap_or(head).trim();
    (date.year() > 0 && tail.len() >= 8 && !head.is_empty()).then(|| (head.to_string(), date))
}

/// The first paragraph under the section `name`, as plain text, when it is short enough
/// to be a summary.
pub(super) fn first_paragraph(body: &str, name: &str) -> Option<String> {
    let start = body
        .lines()
        .position(|l| l.trim_start_matches('#').trim().eq_ignore_ascii_case(name) && l.starts_with("## "))?;
    let para: Vec<&str> =
        body.lines().skip(start + 1).skip_while(|l| l.trim().is_empty()).take_while(|l| !l.trim().is_empty()).collect();
    let text = crate::markdown::plain_text(&para.join("\n")).split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty() && text.len() <= 400 && !para.first()?.starts_with(['#', '|', '-', '*'])).then_some(text)
}

pub(super) fn humanise(stem: &str) -> String {
    let words = stem.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-').replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_else(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_is_found_after_letters_that_change_length_when_lowercased() {
        // `ẞ` is 3 bytes and lowercases to the 2 of `ß`: an offset found in the lowercased
        // text fell inside a character of the original.
        let item = action_item("ẞẞẞ Rotate the key Owner: ana", false);
        assert_eq!(item["title"], Value::from("ẞẞẞ Rotate the key"));
        assert_eq!(item["owner"], Value::from("ana"));
    }
}
