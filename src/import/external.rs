//! Curated lists of other organisations' public postmortems in, as the community keeps
//! them: a Markdown list (the danluu/post-mortems README: `[Company](url). Summary.`
//! paragraphs under headings that are categories), icco/postmortems data files (front
//! matter plus a body), or a TSV table. Every source becomes the same [`Entry`], which is
//! written as one `content/external/` file. An entry is known by its canonical URL, so a
//! list read twice, or two lists naming the same postmortem, never make a second file.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::ingest::timeline::read_moment;
use crate::markdown::{options, plain_text};
use crate::text::slugify;

/// One public postmortem, with the fields of the icco data files the build reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    pub url: String,
    pub title: String,
    pub company: String,
    pub product: String,
    pub start_time: String,
    pub end_time: String,
    pub categories: Vec<String>,
    pub keywords: Vec<String>,
    /// Markdown, as the list wrote it.
    pub summary: String,
    pub archive_url: String,
    pub uuid: String,
    /// Markdown after the front matter (icco files keep their summary here).
    pub body: String,
    /// Where it was read: `list.md:42`.
    pub origin: String,
}

/// What a list held besides entries: sections left out by name and paragraphs that are
/// not entries, so the report can say what was not taken and where.
#[derive(Debug, Default, PartialEq)]
pub struct Skipped {
    /// Heading and the line it is on.
    pub sections: Vec<(String, usize)>,
    /// Lines of paragraphs inside a category that are not `[Company](url). Summary.`.
    pub paragraphs: Vec<usize>,
}

/// Sections of a list that link elsewhere but are not postmortems.
const NOT_ENTRIES: &[&str] = &[
    "table of contents",
    "contents",
    "contributors",
    "contributing",
    "analysis",
    "see also",
    "further reading",
    "license",
];

/// The `Uncategorized` section gives no category.
const NO_CATEGORY: &[&str] = &["uncategorized", "uncategorised", "other", "misc", "miscellaneous"];

/// Reads a danluu-style list. `name` is the file name for the origin of each entry.
pub fn read_list(name: &str, text: &str) -> (Vec<Entry>, Skipped) {
    let lines = LineIndex::new(text);
    let mut entries = Vec::new();
    let mut skipped = Skipped::default();
    // None before the first section heading; Some(None) in a section left out.
    let mut section: Option<Option<String>> = None;
    let mut parser = Parser::new_ext(text, options()).into_offset_iter().peekable();
    let mut depth = 0usize;
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let title = text_until(parser.by_ref(), |e| matches!(e, Event::End(TagEnd::Heading(_))));
                let title = title.trim();
                let lower = title.to_lowercase();
                section = if level == HeadingLevel::H1 {
                    None
                } else if NOT_ENTRIES.contains(&lower.as_str()) || lower.starts_with("other lists") {
                    skipped.sections.push((title.to_string(), lines.line(range.start)));
                    Some(None)
                } else {
                    Some(Some(title.to_string()))
                };
            }
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => depth -= 1,
            Event::Start(Tag::Paragraph) | Event::Start(Tag::Item)
                if depth == usize::from(matches!(event, Event::Start(Tag::Item))) =>
            {
                let Some(Some(heading)) = &section else { continue };
                let block = range.clone();
                if matches!(parser.peek(), Some((Event::Start(Tag::Paragraph), _))) {
                    parser.next();
                }
                let Some((first, inline)) = parser.peek().cloned() else { continue };
                let entry = match first {
                    Event::Start(Tag::Link { dest_url, .. }) if is_web(&dest_url) => {
                        let company = text_until(parser.by_ref(), |e| matches!(e, Event::End(TagEnd::Link)));
                        Some((company, dest_url.to_string(), inline.end))
                    }
                    _ => unlinked_name(&text[inline.start..block.end])
                        .map(|(name, at)| (name, String::new(), inline.start + at)),
                };
                match entry {
                    Some((company, url, summary_start)) => {
                        let summary = tidy_summary(&text[summary_start..block.end]);
                        let mut e = Entry {
                            title: title_for(&company, &summary),
                            start_time: date_in_text(&summary).or_else(|| date_in_url(&url)).unwrap_or_default(),
                            company: company.trim().to_string(),
                            url,
                            summary,
                            origin: format!("{name}:{}", lines.line(block.start)),
                            ..Entry::default()
                        };
                        let lower = heading.to_lowercase();
                        if !NO_CATEGORY.contains(&lower.as_str()) {
                            e.categories.push(slugify(heading));
                        }
                        entries.push(e);
                    }
                    None => skipped.paragraphs.push(lines.line(block.start)),
                }
            }
            _ => {}
        }
    }
    (entries, skipped)
}

/// Reads an icco/postmortems data file: its front matter is ours already, its body the
/// summary. A file without a title gets one from its company and first sentence.
pub fn read_icco(name: &str, text: &str) -> Option<Entry> {
    use gray_matter::Matter;
    use gray_matter::engine::YAML;
    let parsed = Matter::<YAML>::new().parse::<serde_json::Value>(text).ok()?;
    let data = parsed.data?;
    let field = |key: &str| match data.get(key) {
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let list = |key: &str| match data.get(key) {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_str()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
        }
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        _ => Vec::new(),
    };
    data.get("url")?;
    let body = parsed.content.trim().to_string();
    let summary = field("summary");
    let company = field("company");
    let title = match field("title") {
        t if t.is_empty() => title_for(&company, if summary.is_empty() { &body } else { &summary }),
        t => t,
    };
    Some(Entry {
        url: field("url"),
        title,
        company,
        product: field("product"),
        start_time: field("start_time"),
        end_time: field("end_time"),
        categories: list("categories"),
        keywords: list("keywords"),
        summary,
        archive_url: field("archive_url"),
        uuid: field("uuid"),
        body,
        origin: name.to_string(),
    })
}

/// Reads a table with a header row (title, organization or company, date or start_time,
/// category or categories, url, summary), tab-separated.
pub fn read_tsv(name: &str, text: &str) -> Result<Vec<Entry>, String> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(b'\t').flexible(true).quoting(false).from_reader(text.as_bytes());
    let headers: Vec<String> =
        reader.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(|h| h.trim().to_lowercase()).collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let url = column(&["url", "link"]).ok_or_else(|| format!("{name}:1: no `url` column in the header row"))?;
    let title = column(&["title"]);
    let company = column(&["organization", "organisation", "company"]);
    let date = column(&["date", "start_time"]);
    let category = column(&["category", "categories"]);
    let summary = column(&["summary", "description"]);
    let mut entries = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{name}:{}: {e}", i + 2))?;
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim().to_string();
        let summary = cell(summary);
        let company = cell(company);
        let title = match cell(title) {
            t if t.is_empty() => title_for(&company, &summary),
            t => t,
        };
        entries.push(Entry {
            url: cell(Some(url)),
            title,
            company,
            start_time: cell(date),
            categories: cell(category).split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
            summary,
            origin: format!("{name}:{}", i + 2),
            ..Entry::default()
        });
    }
    Ok(entries)
}

/// What makes two entries the same postmortem: the canonical URL, or for an entry without
/// one its company and title.
pub fn identity(url: &str, company: &str, title: &str) -> String {
    if url.trim().is_empty() {
        return format!("no-url:{}:{}", slugify(company), slugify(title));
    }
    canonical_url(url)
}

/// One spelling for one address: `http`/`https` and `www.` alike, host case, default
/// port, trailing slash, fragment and `utm_*` tracking parameters ignored.
pub fn canonical_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return url.trim().to_string();
    };
    let host = parsed.host_str().unwrap_or("").trim_start_matches("www.");
    let mut out = format!("{host}{}", parsed.path().trim_end_matches('/'));
    let query: Vec<String> = parsed
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_"))
        .map(|(k, v)| if v.is_empty() { k.into_owned() } else { format!("{k}={v}") })
        .collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

/// The file an entry is written to: company and the first words of its title. Callers
/// add `-2`, `-3` when it is taken.
pub fn file_stem(entry: &Entry) -> String {
    let company = slugify(&entry.company);
    let title = slugify(entry.title.strip_prefix(&format!("{}: ", entry.company)).unwrap_or(&entry.title));
    let words: Vec<&str> = title.split('-').filter(|w| !w.is_empty()).take(6).collect();
    let stem = if title.starts_with(&company) || company == "-" {
        words.join("-")
    } else {
        format!("{company}-{}", words.join("-"))
    };
    let stem = stem.trim_matches('-');
    if stem.is_empty() { "external".to_string() } else { stem.to_string() }
}

/// The file's text: front matter with each value as a quoted string (JSON strings are
/// YAML), empty optional fields left out, the body after it.
pub fn write(entry: &Entry) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let list = |items: &[String]| serde_json::to_string(items).unwrap_or_default();
    let mut out = format!("---\n# imported from {}\n", entry.origin);
    out.push_str(&format!("url: {}\ntitle: {}\ncompany: {}\n", q(&entry.url), q(&entry.title), q(&entry.company)));
    for (key, value) in [("product", &entry.product), ("start_time", &entry.start_time), ("end_time", &entry.end_time)]
    {
        if !value.is_empty() {
            out.push_str(&format!("{key}: {}\n", q(value)));
        }
    }
    out.push_str(&format!("categories: {}\n", list(&entry.categories)));
    if !entry.keywords.is_empty() {
        out.push_str(&format!("keywords: {}\n", list(&entry.keywords)));
    }
    for (key, value) in [("summary", &entry.summary), ("archive_url", &entry.archive_url), ("uuid", &entry.uuid)] {
        if !value.is_empty() {
            out.push_str(&format!("{key}: {}\n", q(value)));
        }
    }
    out.push_str("---\n");
    if !entry.body.is_empty() {
        out.push('\n');
        out.push_str(&entry.body);
        out.push('\n');
    }
    out
}

/// Merges a second listing of the same postmortem into the first: its categories are
/// added, and a summary that says something else is kept in the body.
pub fn merge(into: &mut Entry, other: Entry) {
    for c in other.categories {
        if !into.categories.contains(&c) {
            into.categories.push(c);
        }
    }
    if !other.summary.is_empty() && other.summary != into.summary && !into.body.contains(&other.summary) {
        if !into.body.is_empty() {
            into.body.push_str("\n\n");
        }
        into.body.push_str(&other.summary);
    }
}

/// The text of the events up to the one `is_end` recognises (a heading's or a link's end).
fn text_until<'a>(events: impl Iterator<Item = (Event<'a>, Range<usize>)>, is_end: impl Fn(&Event) -> bool) -> String {
    events
        .map(|(e, _)| e)
        .take_while(|e| !is_end(e))
        .filter_map(|e| match e {
            Event::Text(t) | Event::Code(t) => Some(t.into_string()),
            _ => None,
        })
        .collect()
}

fn is_web(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// `Sun/Oracle. Sun famously...`: a short capitalised name before the first full stop.
fn unlinked_name(block: &str) -> Option<(String, usize)> {
    let dot = block.find(". ")?;
    let name = &block[..dot];
    let words = name.split_whitespace().count();
    let capital = name.chars().next().is_some_and(char::is_uppercase);
    (capital && (1..=4).contains(&words) && !name.contains(['[', '`', '*', '<']))
        .then(|| (name.trim().to_string(), dot + 1))
}

/// The summary as written, without the `. ` or ` - ` that tied it to the link.
fn tidy_summary(rest: &str) -> String {
    rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | ',' | '-' | '–' | '—'))
        .trim_end()
        .to_string()
}

/// `Company: first sentence of the summary`, cut at a word near 90 characters.
fn title_for(company: &str, summary: &str) -> String {
    let plain = plain_text(summary).split_whitespace().collect::<Vec<_>>().join(" ");
    // The first sentence, or more when it is as short as "Human error."
    let mut sentence = String::new();
    for part in plain.split_inclusive(". ") {
        sentence.push_str(part);
        if sentence.len() >= 30 {
            break;
        }
    }
    let sentence = sentence.trim().trim_end_matches('.');
    let mut short = String::new();
    for word in sentence.split(' ') {
        if short.len() + word.len() > 90 {
            short.push('…');
            break;
        }
        if !short.is_empty() {
            short.push(' ');
        }
        short.push_str(word);
    }
    match (company.trim(), short.is_empty()) {
        ("", _) => short,
        (c, true) => c.to_string(),
        (c, false) => format!("{c}: {short}"),
    }
}

/// The first full date the summary gives ("On January 28th, 2016 GitHub..."): the day
/// of the incident. A month without a year is not a date here.
fn date_in_text(summary: &str) -> Option<String> {
    const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let plain = plain_text(summary);
    plain.match_indices(|c: char| c.is_ascii_uppercase()).find_map(|(at, _)| {
        let rest = &plain[at..];
        if !MONTHS.iter().any(|m| rest.starts_with(m)) {
            return None;
        }
        let (date, _) = read_moment(rest, 0, &jiff::tz::TimeZone::UTC)?;
        (date.year() >= 1900).then(|| date.to_string())
    })
}

/// `/2016/01/28/`, `/2014-07-19-` in a blog address: the day it was written.
fn date_in_url(url: &str) -> Option<String> {
    let digits: Vec<&str> = url.split(['/', '-', '_', '.']).collect();
    digits.windows(3).find_map(|w| {
        let (y, m, d) = (w[0].parse::<i16>().ok()?, w[1].parse::<i8>().ok()?, w[2].parse::<i8>().ok()?);
        let ok = (1970..=2100).contains(&y) && w[1].len() == 2 && w[2].len() == 2;
        ok.then(|| jiff::civil::Date::new(y, m, d).ok()).flatten().map(|d| d.to_string())
    })
}

/// Byte offset to 1-based line number.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    fn line(&self, at: usize) -> usize {
        self.0.partition_point(|&start| start <= at)
    }
}

/// Reads the three formats by their look: a `.tsv` is a table, a Markdown file with a
/// `url` in its front matter an icco file, any other Markdown file a list.
pub fn read(name: &str, text: &str) -> Result<(Vec<Entry>, Skipped), String> {
    if name.ends_with(".tsv") {
        return read_tsv(name, text).map(|entries| (entries, Skipped::default()));
    }
    if text.starts_with("---") {
        return match read_icco(name, text) {
            Some(entry) => Ok((vec![entry], Skipped::default())),
            None => Err(format!("{name}: front matter without `url`; not an icco/postmortems file or a list")),
        };
    }
    Ok(read_list(name, text))
}

/// The entries once each: a postmortem listed twice (under two categories, say) is merged
/// into its first listing. Returns how many were merged.
pub fn dedup(entries: Vec<Entry>) -> (Vec<Entry>, usize) {
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut merged = 0;
    for entry in entries {
        let key = identity(&entry.url, &entry.company, &entry.title);
        match index.get(&key) {
            Some(&at) => {
                merge(&mut kept[at], entry);
                merged += 1;
            }
            None => {
                index.insert(key, kept.len());
                kept.push(entry);
            }
        }
    }
    (kept, merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "A List of Post-mortems!\n===\n\n## Table of Contents\n\n**[Config Errors](#config-errors)**\n\n\
## Config Errors\n\n[Cloudflare](https://blog.cloudflare.com/todays-outage-post-mortem-82515/). A bad config (router rule) caused all of their edge routers to crash, taking down all of Cloudflare.\n\n\
[Google](https://status.cloud.google.com/incident/compute/17007#5659118702428160) A bug in `config` roll-out. Errors for 22 minutes.\n\n\
Some prose that is not an entry, which is reported.\n\n\
## Hardware/Power Failures\n\n[GitHub](https://github.com/blog/2106-january-28th-incident-report). On January 28th, 2016 GitHub lost power in March.\n\n\
Sun/Oracle. Sun famously didn't include ECC. Data corruption followed.\n\n\
- [Etsy](http://codeascraft.com/2012/01/23/solr/): multicast without configured switches.\n\n\
## Uncategorized\n\n[Allegro](http://allegro.tech/x.html). The [Allegro](http://allegro.pl) platform failed.\n\n\
## Other lists of postmortems\n\n[Awesome](https://github.com/x/y). A list.\n";

    #[test]
    fn a_list_reads_as_entries_with_categories_and_reports_the_rest() {
        let (entries, skipped) = read_list("README.md", LIST);
        let got: Vec<(&str, &str, &[String])> =
            entries.iter().map(|e| (e.company.as_str(), e.url.as_str(), e.categories.as_slice())).collect();
        assert_eq!(got.len(), 6, "{got:?}");
        assert_eq!(
            got[0],
            (
                "Cloudflare",
                "https://blog.cloudflare.com/todays-outage-post-mortem-82515/",
                &["config-errors".to_string()][..]
            )
        );
        assert_eq!(entries[1].summary, "A bug in `config` roll-out. Errors for 22 minutes.");
        assert_eq!(entries[2].categories, ["hardware-power-failures"]);
        assert_eq!(entries[2].start_time, "2016-01-28", "the date the summary gives");
        assert_eq!((entries[3].company.as_str(), entries[3].url.as_str()), ("Sun/Oracle", ""));
        assert_eq!(entries[3].summary, "Sun famously didn't include ECC. Data corruption followed.");
        assert_eq!(entries[4].summary, "multicast without configured switches.");
        assert_eq!(entries[4].start_time, "2012-01-23");
        assert!(entries[5].categories.is_empty());
        assert_eq!(entries[5].summary, "The [Allegro](http://allegro.pl) platform failed.");
        assert_eq!(
            entries[0].title,
            "Cloudflare: A bad config (router rule) caused all of their edge routers to crash, taking down all of…"
        );
        assert_eq!(entries[0].origin, "README.md:10");
        assert_eq!(
            skipped.sections,
            [("Table of Contents".to_string(), 4), ("Other lists of postmortems".to_string(), 28)]
        );
        assert_eq!(skipped.paragraphs, [14]);
    }

    #[test]
    fn urls_are_one_spelling() {
        let a = canonical_url("http://www.Example.com:80/blog/post/?utm_source=x#part");
        assert_eq!(a, "example.com/blog/post");
        assert_eq!(canonical_url("https://example.com/blog/post"), a);
        assert_ne!(canonical_url("https://example.com/issues?id=2"), canonical_url("https://example.com/issues?id=3"));
        assert_eq!(identity("", "Sun/Oracle", "Sun/Oracle: x"), identity("", "sun/oracle", "Sun/Oracle: x"));
    }

    #[test]
    fn an_icco_file_keeps_its_body_and_gets_a_title() {
        let text = "---\n\nuuid: \"0149\"\nurl: \"http://example.com/boot\"\nstart_time: \"\"\ncategories:\n- postmortem\ncompany: \"CCP Games\"\nproduct: \"\"\n\n---\n\nA typo deleted *boot.ini*. More.\n";
        let e = read_icco("0149.md", text).unwrap();
        assert_eq!(e.title, "CCP Games: A typo deleted boot.ini. More", "a short first sentence takes the next");
        assert_eq!(e.body, "A typo deleted *boot.ini*. More.");
        assert_eq!((e.uuid.as_str(), e.categories.as_slice()), ("0149", &["postmortem".to_string()][..]));
        let written = write(&e);
        assert!(
            written.contains("uuid: \"0149\"\n") && written.ends_with("---\n\nA typo deleted *boot.ini*. More.\n"),
            "{written}"
        );
    }

    #[test]
    fn a_table_reads_by_its_header() {
        let tsv = "title\torganization\tdate\tcategory\turl\tsummary\nBBC Online Outage\tBBC\t2014-07-19\tdatabase\thttp://bbc.co.uk/x\tOverloaded \"db\".\nNo link\tAcme\t\t\t\tLost.\n";
        let entries = read_tsv("list.tsv", tsv).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].summary, "Overloaded \"db\".");
        assert_eq!((entries[1].url.as_str(), entries[1].origin.as_str()), ("", "list.tsv:3"));
    }

    #[test]
    fn repeats_merge_their_categories() {
        let (entries, _) =
            read_list("l.md", "## A\n\n[X](https://x.io/a). One.\n\n## B\n\n[X](http://x.io/a/). Two.\n");
        let (entries, merged) = dedup(entries);
        assert_eq!((entries.len(), merged), (1, 1));
        assert_eq!(entries[0].categories, ["a", "b"]);
        assert_eq!(entries[0].body, "Two.");
    }

    #[test]
    fn file_names_come_from_company_and_title() {
        let e = Entry {
            company: "Google Cloud".into(),
            title: "Google Cloud: A bad config (autogenerated) removed all".into(),
            ..Entry::default()
        };
        assert_eq!(file_stem(&e), "google-cloud-a-bad-config-autogenerated-removed-all");
    }
}
