//! One file's conversion, as the steps a reader takes: the headings renamed, then each
//! field of the front matter from what the text says, in the order a person would trust
//! the places it could come from, every guess written down. A new field that import can
//! find is one more step here.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_yaml_ng::{Mapping, Value};

use super::words::*;
use super::{Imported, Layout, MOMENTS, foreign_front_matter, rewrite_links, same_words, section_name};
use crate::config::Config;
use crate::ingest::timeline::{self, read_moment};
use crate::model::UNKNOWN;
use crate::text::slugify;

/// Converts one file; `stem` is its file name without its extension. Nothing is made up:
/// what the file does not say is `unknown` (date, severity) and listed to decide.
pub fn convert(stem: &str, source: &str, config: &Config) -> Imported {
    let (foreign, text) = foreign_front_matter(source);
    let layout = Layout::read(&text);
    let (body, renamed, anchor_links) = rename_headings(&text, &layout);
    let mut c = Conversion::new(config, &text, &layout, foreign, body);
    let (title, h1_date) = c.title(stem, &layout);
    let file_date = stem.get(..10).and_then(|d| d.parse::<Date>().ok());
    let date = c.date(&layout, h1_date, file_date);
    c.severity();
    c.services();
    c.status();
    c.people();
    let timeline = c.moments(date);
    c.tags();
    c.lists();
    c.keep_foreign();
    c.keep_buildable(stem);
    let text = c.write(&renamed);
    let file_name = if file_date.is_some() {
        format!("{stem}.md")
    } else {
        let slug: String = slugify(&title).chars().take(60).collect();
        let slug = slug.trim_end_matches('-');
        date.map_or_else(|| format!("{slug}.md"), |date| format!("{date}-{slug}.md"))
    };
    let Conversion { inferred, decide, .. } = c;
    Imported { file_name, text, inferred, decide, dated: date.is_some(), timeline, anchor_links }
}

/// The body with its title heading taken out (its words go to `title`), H1 sections made
/// H2, and section headings renamed to the SRE-book names where no word of the author's
/// goes; with what was renamed and how many links to renamed headings followed them.
fn rename_headings(text: &str, layout: &Layout) -> (String, Vec<String>, usize) {
    let mut body = String::with_capacity(text.len() + 64);
    let mut renamed = Vec::new();
    let mut anchors: Vec<(String, String)> = Vec::new();
    let mut last = 0;
    for (i, h) in layout.headings.iter().enumerate() {
        body.push_str(&text[last..h.span.start]);
        last = h.span.end;
        if layout.title == Some(i) {
            continue;
        }
        let written = h.title.trim();
        let level = if h.level == 1 { 2 } else { h.level };
        // `Root cause` is `Root Causes`; `Root cause analysis` stays as written (the
        // section still counts as its meaning).
        let title = match section_name(written) {
            Some(name) if level == 2 && !name.eq_ignore_ascii_case(written) && same_words(written, name) => name,
            _ => written,
        };
        let line = format!("{} {title}\n", "#".repeat(usize::from(level)));
        if line.trim_end() != text[h.span.clone()].trim_end() {
            renamed.push(format!("`{}` -> `{}`", text[h.span.clone()].trim_end(), line.trim_end()));
        }
        if title != written {
            anchors.push((crate::markdown::loose_anchor(written), crate::markdown::loose_anchor(title)));
        }
        body.push_str(&line);
    }
    body.push_str(&text[last..]);
    // Links to a renamed heading (`[1](#Root-Cause)`, as GitHub matches them) follow it.
    let anchor_links = rewrite_links(&mut body, &mut |dest| {
        let wanted = crate::markdown::loose_anchor(dest.strip_prefix('#')?);
        anchors.iter().find(|(old, _)| *old == wanted).map(|(_, new)| format!("#{new}"))
    });
    (body, renamed, anchor_links)
}

/// A file being converted: what it says (its text, its body with headings renamed, the
/// metadata written at its top, another tool's front matter), and the front matter made
/// so far with the guesses behind it.
struct Conversion<'a> {
    config: &'a Config,
    text: &'a str,
    body: String,
    /// `Key: value` metadata (`words::metadata`), by hindsight's key.
    meta: Vec<(String, String)>,
    foreign: Mapping,
    zone: TimeZone,
    matter: Mapping,
    /// Fields taken from the text, each with where it came from.
    inferred: Vec<String>,
    /// What a person must still decide.
    decide: Vec<String>,
}

impl<'a> Conversion<'a> {
    fn new(config: &'a Config, text: &'a str, layout: &Layout, foreign: Mapping, body: String) -> Self {
        let mut meta = metadata(&text[layout.top.clone()]);
        // `**Date:** 2025-03-17` under a later heading states the day or the severity as
        // plainly as at the top (other keys there may be one of several incidents').
        for (key, value) in bold_keys(text).into_iter().filter(|(k, _)| k == "date" || k == "severity") {
            if !meta.iter().any(|(k, _)| *k == key) {
                meta.push((key, value));
            }
        }
        let (matter, inferred, decide) = Default::default();
        Conversion { config, text, body, meta, foreign, zone: config.time_zone(), matter, inferred, decide }
    }

    fn set(&mut self, key: &str, value: Value) {
        self.matter.insert(Value::from(key), value);
    }

    /// The metadata's value of `key`.
    fn get(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn foreign_str(&self, key: &str) -> Option<String> {
        self.foreign.get(key).and_then(Value::as_str).map(str::to_string)
    }

    /// The title: another tool's, the H1 (with a date written in it taken out, `# 20-10-2025
    /// - Cloud provider outage`, and returned), or the file name.
    fn title(&mut self, stem: &str, layout: &Layout) -> (String, Option<Date>) {
        let (h1, h1_date) = match layout.title() {
            Some(h1) => match dated_title(h1, &self.zone) {
                Some((rest, date)) => (Some(rest), Some(date)),
                None => (Some(h1.to_string()), None),
            },
            None => (None, None),
        };
        let title = match (self.foreign_str("title"), h1) {
            (Some(t), _) => t,
            (None, Some(h1)) => {
                let from = if h1_date.is_some() { "title (the H1, its date taken out)" } else { "title (the H1)" };
                self.inferred.push(from.into());
                h1
            }
            (None, None) => {
                self.inferred.push("title (the file name)".to_string());
                self.decide.push("the title was made from the file name".to_string());
                humanise(stem)
            }
        };
        self.set("title", Value::from(title.clone()));
        (title, h1_date)
    }

    /// The day: what the file says, in the order a reader would trust it; else unknown.
    fn date(&mut self, layout: &Layout, h1_date: Option<Date>, file_date: Option<Date>) -> Option<Date> {
        let zone = &self.zone;
        let meta_date = self.get("date").and_then(|v| read_moment(v, 0, zone)).map(|(d, _)| d).filter(|d| d.year() > 0);
        let foreign_date = self.foreign_str("date").and_then(|d| d.get(..10).and_then(|d| d.parse::<Date>().ok()));
        let found = [
            (foreign_date, None),
            (meta_date, Some("date (metadata)")),
            (h1_date, Some("date (the H1)")),
            (date_line(self.text, layout, zone), Some("date (a line that is only a date, at the top)")),
            (file_date, Some("date (file name)")),
        ]
        .into_iter()
        .find_map(|(date, from)| Some((date?, from)));
        let date = match found {
            Some((date, from)) => {
                self.inferred.extend(from.map(String::from));
                Some(date)
            }
            // Only entries that give their own day count: no day is assumed for the others.
            None => {
                let (t, _) = timeline::parse(&self.body, None, timeline::Reading::of(self.config));
                match t.entries.iter().find(|e| e.dated) {
                    Some(e) => {
                        self.inferred.push(format!("date (the first dated timeline entry, {})", e.when));
                        Some(e.day)
                    }
                    None => {
                        self.decide.push("no date found in the file: `date: unknown` until someone knows it".into());
                        None
                    }
                }
            }
        };
        self.set("date", Value::from(date.map_or_else(|| UNKNOWN.to_string(), |d| d.to_string())));
        date
    }

    /// The severity: metadata, another tool's front matter, or a `## Severity` section's
    /// words, as the site's severities name it; else unknown.
    fn severity(&mut self) {
        let severity = self
            .get("severity")
            .map(|s| (s.to_string(), "metadata"))
            .or_else(|| self.foreign_str("severity").map(|s| (s, "front matter")))
            .or_else(|| section_words(&self.body, "severity").map(|w| (w, "the Severity section")));
        let known = severity.as_ref().and_then(|(s, _)| match_severity(s, self.config));
        let severity = match (known, severity) {
            (Some(s), Some((_, from))) => {
                self.inferred.push(format!("severity ({from})"));
                s
            }
            (_, written) => {
                let why = written.map_or("no severity given".to_string(), |(w, _)| {
                    format!("severity `{w}` matches none of the site's")
                });
                self.decide.push(format!("{why}: `severity: unknown` until someone decides"));
                UNKNOWN.to_string()
            }
        };
        self.set("severity", Value::from(severity));
    }

    fn services(&mut self) {
        let services: Vec<String> = self.get("services").map(split_list).unwrap_or_default();
        if services.is_empty() {
            self.decide.push("no services named: `unknown` is a placeholder".into());
            self.set("services", Value::from(vec!["unknown"]));
        } else {
            self.inferred.push("services (metadata)".into());
            self.set("services", Value::from(services));
        }
    }

    /// The status: another tool's `draft` flag, the metadata's, or reviewed (an existing
    /// postmortem was written up).
    fn status(&mut self) {
        let hugo_draft = self.foreign.get("draft").and_then(Value::as_bool);
        let (status, from) = match self.get("status").map(str::to_lowercase) {
            _ if hugo_draft == Some(true) => ("draft", "status (`draft: true`)"),
            Some(s) => (match_status(&s), "status (metadata)"),
            None => ("reviewed", "status (an existing postmortem counts as reviewed)"),
        };
        self.inferred.push(from.into());
        self.set("status", Value::from(status));
    }

    /// Authors, teams, the incident commander and the summary, where the file names them.
    fn people(&mut self) {
        for key in ["authors", "teams"] {
            if let Some(v) = self.get(key).map(split_list) {
                self.inferred.push(format!("{key} (metadata)"));
                self.set(key, Value::from(v));
            }
        }
        if let Some(ic) = self.get("incident_commander").map(str::to_string) {
            self.inferred.push("incident_commander (metadata)".into());
            self.set("incident_commander", Value::from(ic));
        }
        let summary = self.get("summary").map(str::to_string).or_else(|| first_paragraph(&self.body, "Summary"));
        if let Some(summary) = summary {
            self.inferred.push("summary (the first paragraph of the summary)".into());
            self.set("summary", Value::from(summary));
        }
    }

    /// The four moments: metadata first, then the timeline's words, a stated duration or
    /// a Stats section's lines; only moments in order are kept. Returns the timeline
    /// section's entries placed and left as written, when it has one.
    fn moments(&mut self, date: Option<Date>) -> Option<(usize, usize)> {
        let (t, _) = timeline::parse(&self.body, date, timeline::Reading::of(self.config));
        let mut moments: Vec<(&str, Timestamp)> = Vec::new();
        for (key, words) in MOMENTS {
            let year = date.map_or(0, |d| d.year());
            let from_meta = self
                .get(key)
                .and_then(|v| read_moment(v, year, &t.tz))
                .filter(|(d, _)| d.year() > 0)
                .and_then(|(_, at)| at);
            let from_timeline = || {
                t.entries.iter().filter(|e| !e.day_only).find(|e| {
                    let lower = e.text.to_lowercase();
                    words.iter().any(|w| lower.contains(w))
                })
            };
            if let Some(at) = from_meta {
                self.inferred.push(format!("{key} (metadata)"));
                moments.push((key, at));
            } else if let Some(e) = from_timeline() {
                self.inferred.push(format!("{key} (timeline entry {})", e.when));
                moments.push((key, e.at));
            }
        }
        if !moments.iter().any(|(k, _)| *k == "started_at")
            && let Some(first) = t.entries.iter().find(|e| !e.day_only)
            && moments.first().is_some_and(|(_, at)| first.at <= *at)
        {
            self.inferred.push(format!("started_at (the first timeline entry, {})", first.when));
            moments.insert(0, ("started_at", first.at));
        }
        if !moments.iter().any(|(k, _)| *k == "resolved_at")
            && let (Some((_, start)), Some(d)) = (moments.first(), self.get("duration").and_then(duration))
        {
            self.inferred.push("resolved_at (start plus the stated duration)".into());
            moments.push(("resolved_at", start.saturating_add(d).unwrap_or(*start)));
        }
        self.stats(&mut moments);
        moments.sort_by_key(|(k, _)| MOMENTS.iter().position(|(m, _)| m == k));
        let mut latest: Option<Timestamp> = None;
        for (key, at) in moments {
            if latest.is_some_and(|l| at < l) {
                self.decide.push(format!("{key} from the text ({at}) is earlier than the moment before it: left out"));
                continue;
            }
            latest = Some(at);
            self.set(key, Value::from(at.to_string()));
        }
        t.heading.map(|_| (t.entries.len(), t.unplaced))
    }

    /// `Time to detection: 5 minutes` (a Stats section's lines): the moment, from the start
    /// the file gives; none without one.
    fn stats(&mut self, moments: &mut Vec<(&str, Timestamp)>) {
        let Some(start) = moments.iter().find(|(k, _)| *k == "started_at").map(|(_, at)| *at) else { return };
        for (key, names) in STATS {
            let stated = || stat_line(&self.body, names).and_then(|(l, v)| Some((l, duration(&v)?)));
            if !moments.iter().any(|(k, _)| k == key)
                && let Some((line, d)) = stated()
            {
                self.inferred.push(format!("{key} (started_at plus `{line}`)"));
                moments.push((key, start.saturating_add(d).unwrap_or(start)));
            }
        }
    }

    /// Another tool's tags and categories are tags.
    fn tags(&mut self) {
        let mut tags: Vec<String> = Vec::new();
        for key in ["tags", "categories"] {
            if let Some(Value::Sequence(values)) = self.foreign.get(key) {
                for tag in values.iter().filter_map(Value::as_str) {
                    if !tags.iter().any(|t| t == tag) {
                        tags.push(tag.to_string());
                    }
                }
            }
        }
        if self.foreign.contains_key("categories") {
            self.inferred.push("tags (the front matter's categories)".into());
        }
        if !tags.is_empty() {
            self.set("tags", Value::from(tags));
        }
    }

    /// The sections' lists, tracked: each contributing factor a statement, each action item
    /// a title (and its owner where the line names one). The text stays in the body.
    fn lists(&mut self) {
        let mut factors = section_items(&self.body, |t| {
            ["contributing factors", "contributing factor", "contributing causes"].contains(&t)
        });
        // A statement is a sentence: a longer item (or one past the hundredth) stays in the
        // text only.
        let fits = factors.len();
        factors.retain(|(text, _)| text.chars().count() <= crate::ingest::convert::MAX_TITLE_CHARS);
        factors.truncate(crate::ingest::convert::MAX_TERMS);
        if factors.len() < fits {
            self.decide.push(format!(
                "{} contributing factors were too long to be statements: in the text only",
                fits - factors.len()
            ));
        }
        if !factors.is_empty() && !self.foreign.contains_key("contributing_factors") {
            self.inferred.push(format!(
                "contributing_factors (the {} items of the Contributing Factors section)",
                factors.len()
            ));
            let statements: Vec<Value> = factors.iter().map(|(text, _)| Value::from(text.clone())).collect();
            self.set("contributing_factors", Value::Sequence(statements));
        }
        let items = section_items(&self.body, |t| section_name(t) == Some("Action Items"));
        if !items.is_empty() && !self.foreign.contains_key("action_items") {
            self.inferred.push(format!("action_items (the {} items of the Action Items section)", items.len()));
            let items: Vec<Value> = items.iter().map(|(text, done)| action_item(text, *done)).collect();
            self.set("action_items", Value::Sequence(items));
        }
    }

    /// Keys of another tool's front matter that hindsight has no place for are kept as
    /// they were (its `draft` flag became the status, its categories tags).
    fn keep_foreign(&mut self) {
        let foreign = std::mem::take(&mut self.foreign);
        for (k, v) in foreign.into_iter().filter(|(k, _)| !["draft", "categories"].contains(&k.as_str().unwrap_or("")))
        {
            if !self.matter.contains_key(&k) {
                self.matter.insert(k, v);
            }
        }
    }

    /// Takes out of the front matter every value the build refuses (another tool's key of
    /// the same name in another shape, a cell too long for a name), each moved to the
    /// comment with the build's reason and the value as the file had it: the file builds,
    /// and no word is lost. What a postmortem cannot be without becomes unknown.
    fn keep_buildable(&mut self, stem: &str) {
        // A value the build cannot read may hide another's error: read again until clean.
        for _ in 0..4 {
            let refused = refused(self.config, self.write(&[]));
            if refused.is_empty() {
                return;
            }
            for (key, why) in refused {
                let Some(value) = self.matter.remove(key.as_str()) else { continue };
                let written = serde_json::to_string(&value).unwrap_or_default();
                self.decide.push(format!("`{key}` left out ({why}); the file had {written}"));
                let placeholder = match key.as_str() {
                    "title" => Value::from(humanise(stem)),
                    "date" | "severity" => Value::from(UNKNOWN),
                    "services" => Value::from(vec![UNKNOWN]),
                    _ => continue,
                };
                self.set(&key, placeholder);
            }
        }
    }

    /// The file: the front matter, a comment listing every guess and what to decide, and
    /// the body.
    fn write(&self, renamed: &[String]) -> String {
        let mut note = String::from("hindsight import: the front matter above was made from this file.\n");
        if !self.inferred.is_empty() {
            note.push_str(&format!("Inferred: {}.\n", self.inferred.join("; ")));
        }
        if !renamed.is_empty() {
            note.push_str(&format!("Headings renamed: {}.\n", renamed.join("; ")));
        }
        if !self.decide.is_empty() {
            note.push_str(&format!("To decide: {}.\n", self.decide.join("; ")));
        }
        note.push_str("Delete this comment once checked.");
        // The comment quotes the file's words: none of them may end it early.
        let note = format!("<!-- {} -->\n\n", note.replace("-->", "--&gt;"));
        let yaml = serde_yaml_ng::to_string(&self.matter).unwrap_or_default();
        format!("---\n{yaml}---\n\n{note}{}\n", self.body.trim())
    }
}

/// The front matter keys whose values a build of `text` refuses, each with the first
/// reason: errors found where the key's value stands (the body's are the author's).
fn refused(config: &Config, text: String) -> Vec<(String, String)> {
    use crate::ingest::{convert, schema};
    let rel = std::path::Path::new("imported.md");
    let (doc, errors) =
        match crate::ingest::read::<schema::RawPostmortem>(rel, text.clone().into_bytes(), schema::POSTMORTEM_KEYS) {
            Ok((loaded, mut found)) => {
                found.extend(convert::postmortem(config, &loaded).1);
                (loaded.doc, found)
            }
            Err(d) => match crate::ingest::front_matter::split(rel, text) {
                Ok(doc) => (doc, vec![d]),
                Err(_) => return Vec::new(),
            },
        };
    let text = &doc.text;
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let keys: Vec<(usize, &str)> =
        doc.top_level_keys().iter().map(|(k, span)| (line_of(span.start), k.as_str())).collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for d in errors.iter().filter(|d| d.is_error() && (d.line as usize) < doc.body_line()) {
        let Some((_, key)) = keys.iter().rev().find(|(line, _)| *line <= d.line as usize) else { continue };
        if !out.iter().any(|(k, _)| k == key) {
            out.push((key.to_string(), d.message.clone()));
        }
    }
    out
}
