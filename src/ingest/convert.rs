//! Front matter to model values, by the schema rules of the README: every violation is
//! reported at the offending value, so one run lists every problem. The site's rule
//! settings are applied afterwards, by the workspace, to what this returns.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;

use super::front_matter::{Document, Format, Loaded};
use super::schema::{RawExternal, RawPostmortem, Text, json_strings};
use super::timeline;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Rule};
use crate::markdown::internal as markers;
use crate::model::{ActionItem, External, Factor, Postmortem};
use crate::text::{closest, slugify};

/// Collects findings about one document.
struct Findings<'a> {
    doc: &'a Document,
    /// Keys whose values could not be read: reported once, as unreadable, not as missing.
    unreadable: &'a [String],
    /// The list element being checked, so positions land inside it.
    item: Option<usize>,
    out: Vec<Diagnostic>,
}

impl<'a> Findings<'a> {
    /// `key: value` or `key = value`, as the file's own front matter language writes it.
    fn example(&self, key: &str, yaml: &str, toml: &str) -> String {
        match self.doc.format {
            Format::Yaml => format!("`{key}: {yaml}`"),
            Format::Toml => format!("`{key} = {toml}`"),
        }
    }

    fn new<T>(loaded: &'a Loaded<T>) -> Self {
        Findings { doc: &loaded.doc, unreadable: &loaded.unreadable, item: None, out: Vec::new() }
    }

    /// Reports at the value `needle` of front matter `key` (or at the key).
    fn error(&mut self, rule: Rule, key: &str, needle: Option<&str>, message: String, hint: &str) {
        if rule == Rule::Required && self.item.is_none() && self.unreadable.iter().any(|k| k == key) {
            return;
        }
        let span = match self.item {
            Some(index) => self.doc.locate_item(key, index, needle),
            None => self.doc.locate(key, needle),
        };
        self.at(rule, span, message, hint);
    }

    /// Reports at a byte span of the file.
    fn at(&mut self, rule: Rule, span: std::ops::Range<usize>, message: String, hint: &str) {
        self.out.push(self.doc.source().diagnostic(rule, span, message).with_hint(hint));
    }

    fn date(&mut self, key: &str, value: Option<&Text>) -> Option<Date> {
        self.parse(key, value, "a valid date", "write a calendar date as YYYY-MM-DD, e.g. 2024-03-12")
    }

    fn timestamp(&mut self, key: &str, value: Option<&Text>) -> Option<Timestamp> {
        self.parse(
            key,
            value,
            "an RFC 3339 date-time with offset",
            "write it like 2024-03-12T14:02:00Z (or with an offset: 2024-03-12T15:02:00+01:00)",
        )
    }

    /// Parses `value` as `T`, reporting `is not {what}` at the value when it does not parse.
    fn parse<T: std::str::FromStr>(&mut self, key: &str, value: Option<&Text>, what: &str, hint: &str) -> Option<T> {
        let text = &value?.0;
        let parsed = text.parse().ok();
        if parsed.is_none() {
            self.error(Rule::InvalidValue, key, Some(text), format!("`{key}` is not {what}: `{text}`"), hint);
        }
        parsed
    }

    fn url(&mut self, key: &str, value: Option<&String>) -> Option<String> {
        let url = value.filter(|u| !u.trim().is_empty())?;
        if url.starts_with("https://") || url.starts_with("http://") {
            Some(url.clone())
        } else {
            self.error(
                Rule::InvalidValue,
                key,
                Some(url),
                format!("`{key}` is not an http(s) URL: `{url}`"),
                "give the full address, starting with https://",
            );
            None
        }
    }
}

/// Validates one postmortem. It is returned with its errors: whether it counts is decided
/// after the site's rule settings (which can make an error a warning) were applied.
///
/// The result is the organisation's postmortem, every text as written: `privacy` makes
/// the public's from it. Internal markers are checked here, for every build.
pub fn postmortem(config: &Config, loaded: &Loaded<RawPostmortem>) -> (Postmortem, Vec<Diagnostic>) {
    let Loaded { doc, raw, extra, .. } = loaded;
    let mut f = Findings::new(loaded);
    let title = raw.title.clone().filter(|t| !t.trim().is_empty());
    if title.is_none() {
        f.error(
            Rule::Required,
            "title",
            None,
            "missing `title`".into(),
            &format!("add {}", f.example("title", "\"Checkout API outage\"", "\"Checkout API outage\"")),
        );
    }
    let severity = match &raw.severity {
        None => {
            let list = config.severities.join(", ");
            f.error(
                Rule::Required,
                "severity",
                None,
                "missing `severity`".into(),
                &format!(
                    "add {} (one of {list})",
                    f.example("severity", &config.severities[0], &format!("\"{}\"", config.severities[0]))
                ),
            );
            None
        }
        Some(s) if crate::model::is_unknown(s) => Some(None),
        Some(s) if !config.severities.contains(s) => {
            let hint = match closest(s, config.severities.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`? Severities are {}", config.severities.join(", ")),
                None => format!(
                    "use one of {}, or `unknown` while nobody has decided (set `severities` in site.toml to change the list)",
                    config.severities.join(", ")
                ),
            };
            f.error(Rule::UnknownSeverity, "severity", Some(s), format!("unknown severity `{s}`"), &hint);
            None
        }
        Some(s) => Some(Some(s.clone())),
    };
    let services = raw.services.clone().unwrap_or_default();
    if services.iter().all(|s| s.trim().is_empty()) {
        f.error(
            Rule::Required,
            "services",
            None,
            "`services` is missing or empty".into(),
            &format!(
                "list the affected services: {}",
                f.example("services", "[checkout, payments]", "[\"checkout\", \"payments\"]")
            ),
        );
    }
    limits(&mut f, raw);
    if let Some(vocabulary) = &config.tags {
        for tag in raw.tags.iter().filter(|t| !vocabulary.contains(t)) {
            let hint = match closest(tag, vocabulary.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`? Or add it to `tags` in site.toml"),
                None => "use a tag from `tags` in site.toml, or add it there".to_string(),
            };
            f.error(Rule::UnknownTag, "tags", Some(tag), format!("tag `{tag}` is not in the site's vocabulary"), &hint);
        }
    }
    let id = match &raw.id {
        Some(id) if !is_slug(id) => {
            f.error(
                Rule::InvalidValue,
                "id",
                Some(id),
                format!("`id` must be a slug: `{id}`"),
                "use lowercase letters, digits and dashes, e.g. `2024-03-12-checkout-outage`",
            );
            None
        }
        Some(id) => Some(id.clone()),
        None => Some(slugify(&doc.file_stem())),
    };

    let stamps: Vec<(&str, Option<Timestamp>)> = [
        ("started_at", &raw.started_at),
        ("detected_at", &raw.detected_at),
        ("mitigated_at", &raw.mitigated_at),
        ("resolved_at", &raw.resolved_at),
    ]
    .into_iter()
    .map(|(key, v)| (key, f.timestamp(key, v.as_ref())))
    .collect();
    let present: Vec<(&str, Timestamp)> = stamps.iter().filter_map(|(k, t)| Some((*k, (*t)?))).collect();
    for pair in present.windows(2) {
        let ((a, ta), (b, tb)) = (pair[0], pair[1]);
        if tb < ta {
            f.error(Rule::TimestampOrder,
                b,
                None,
                format!("`{b}` ({tb}) is before `{a}` ({ta})"),
                "timestamps must run started_at <= detected_at <= mitigated_at <= resolved_at; check the date and the offset",
            );
        }
    }
    let started_at = stamps[0].1;
    // `date: unknown` says nobody knows the day; `started_at` still tells it when given.
    let from_start = |t: Timestamp| {
        raw.started_at
            .as_ref()
            .and_then(|s| s.0.get(..10)?.parse().ok())
            .unwrap_or(t.to_zoned(config.time_zone()).date())
    };
    let date = match (&raw.date, started_at) {
        (Some(d), start) if crate::model::is_unknown(&d.0) => Some(start.map(from_start)),
        (Some(d), _) => f.date("date", Some(d)).map(Some),
        (None, Some(t)) => Some(Some(from_start(t))),
        (None, None) => {
            f.error(
                Rule::Required,
                "date",
                None,
                "missing `date`".into(),
                &format!(
                    "add {} (the day the incident began), `started_at`, or `date: unknown` when nobody knows",
                    f.example("date", "2024-03-12", "2024-03-12")
                ),
            );
            None
        }
    };

    let mut action_items = Vec::new();
    for (i, item) in raw.action_items.iter().enumerate() {
        f.item = Some(i);
        if item.title.as_ref().is_none_or(|t| t.trim().is_empty()) {
            f.error(
                Rule::Required,
                "action_items",
                None,
                "action item without `title`".into(),
                "give every action item a `title` saying what will be done",
            );
        }
        let due = f.date("action_items", item.due.as_ref());
        let link = f.url("action_items", item.link.as_ref());
        action_items.push(ActionItem {
            title: item.title.clone().unwrap_or_default(),
            owner: item.owner.clone(),
            due,
            priority: item.priority,
            status: item.status,
            kind: item.kind,
            link,
        });
    }
    f.item = None;
    let contributing_factors = factors(&mut f, config, raw);
    let external_url = f.url("external_url", raw.external_url.as_ref());

    for p in markers::problems(doc.body()) {
        let span = doc.body.start + p.span.start..doc.body.start + p.span.end;
        f.at(Rule::InternalMarker, span, p.message.into(), p.hint);
    }
    if doc.text[doc.matter.clone()].contains('<') {
        for (key, item, needle, p) in front_matter_marker_problems(raw, loaded.extra.clone()) {
            f.item = item;
            f.error(Rule::InternalMarker, &key, Some(&needle), p.message.into(), p.hint);
        }
        f.item = None;
    }

    let (timeline, problems) = timeline::parse(doc.body(), date.flatten(), timeline::Reading::of(config));
    for p in problems {
        let span = doc.body.start + p.span.start..doc.body.start + p.span.end;
        f.at(p.rule, span, p.message, &p.hint);
    }

    let mut diagnostics = f.out;
    diagnostics.sort_by_key(|d| (d.line, d.col));
    // A title, severity, date or id that is missing or wrong is an error no setting turns
    // off, so such a postmortem is never published; it is still made, that value unknown
    // (the title its file's name), so the rules report the file's other findings at once
    // rather than after the first fix.
    let title = title.unwrap_or_else(|| doc.file_stem());
    let (severity, date) = (severity.flatten(), date.flatten());
    let id = id.unwrap_or_else(|| slugify(&doc.file_stem()));
    let pm = Postmortem {
        id,
        title,
        date,
        severity,
        services: raw.services.clone().unwrap_or_default(),
        tags: raw.tags.clone(),
        status: raw.status,
        visibility: raw.visibility.unwrap_or(config.default_visibility),
        summary: raw.summary.clone(),
        authors: raw.authors.clone(),
        responders: raw.responders.clone(),
        incident_commander: raw.incident_commander.clone(),
        scribe: raw.scribe.clone(),
        teams: raw.teams.clone(),
        started_at,
        detected_at: stamps[1].1,
        mitigated_at: stamps[2].1,
        resolved_at: stamps[3].1,
        action_items,
        related: raw.related.clone(),
        external_url,
        affected: raw.affected.clone(),
        contributing_factors,
        near_miss: raw.near_miss,
        surprises: raw.surprises.clone(),
        extra: extra.clone(),
        history: None,
        timeline,
        source: doc.path.clone(),
        body: crate::model::Body::shared(doc.text.clone(), doc.body.clone()),
        fingerprint: crate::fingerprint::of(doc.text.as_bytes()),
        origin: None,
    };
    (pm, diagnostics)
}

/// The contributing factors: a statement each, of a kind the site's vocabulary has.
fn factors(f: &mut Findings, config: &Config, raw: &RawPostmortem) -> Vec<Factor> {
    const KEY: &str = "contributing_factors";
    if raw.contributing_factors.len() > MAX_TERMS {
        let n = raw.contributing_factors.len();
        f.error(
            Rule::InvalidValue,
            KEY,
            None,
            format!("`{KEY}` lists {n} factors; at most {MAX_TERMS} are allowed"),
            "keep the factors that changed the outcome; group the rest into one statement",
        );
    }
    let mut found = Vec::new();
    for (i, factor) in raw.contributing_factors.iter().enumerate() {
        f.item = Some(i);
        let statement = factor.statement.as_deref().unwrap_or_default();
        if statement.trim().is_empty() {
            f.error(
                Rule::Required,
                KEY,
                None,
                "contributing factor without `statement`".into(),
                "say in one sentence what made the incident possible or worse, e.g. `statement: \"Deploys shifted traffic before health checks passed\"`",
            );
            continue;
        }
        let chars = statement.chars().count();
        if chars > MAX_TITLE_CHARS {
            f.error(
                Rule::InvalidValue,
                KEY,
                None,
                format!("a contributing factor's statement is {chars} characters long; at most {MAX_TITLE_CHARS} fit"),
                "keep it to one sentence and explain it in the body",
            );
        }
        let kind = factor.kind.as_deref().and_then(|kind| {
            let slug = slugify(kind);
            let known = config.factor_kinds.iter().find(|k| slugify(k) == slug);
            if known.is_none() {
                let hint = match closest(kind, config.factor_kinds.iter().map(String::as_str)) {
                    Some(near) => format!("did you mean `{near}`? Or add it to `factor_kinds` in site.toml"),
                    None => format!(
                        "use one of {} (or add it to `factor_kinds` in site.toml)",
                        config.factor_kinds.join(", ")
                    ),
                };
                f.error(
                    Rule::UnknownFactorKind,
                    KEY,
                    Some(kind),
                    format!("factor kind `{kind}` is not in the site's vocabulary"),
                    &hint,
                );
            }
            known.cloned()
        });
        found.push(Factor { statement: statement.trim().to_string(), kind });
    }
    f.item = None;
    found
}

/// Most terms one postmortem may list under one key. Each term's page lists the postmortem,
/// and every action item of it is listed on each of its services' action item pages: more
/// than this makes the output grow with the square of the file instead of with its size.
pub const MAX_TERMS: usize = 100;
/// Longest term (a service, tag or team name) and title, in characters: they are labels
/// repeated on many pages, and their slugs name files.
pub const MAX_TERM_CHARS: usize = 100;
pub const MAX_TITLE_CHARS: usize = 300;

/// Values too large to be meant: errors at the value, before they multiply in the output.
fn limits(f: &mut Findings, raw: &RawPostmortem) {
    if let Some(title) = &raw.title
        && title.chars().count() > MAX_TITLE_CHARS
    {
        f.error(
            Rule::InvalidValue,
            "title",
            None,
            format!("`title` is {} characters long; at most {MAX_TITLE_CHARS} fit a title", title.chars().count()),
            "keep the title to one line and move the rest to `summary` or the body",
        );
    }
    let lists =
        [("services", raw.services.as_deref().unwrap_or_default()), ("tags", &raw.tags[..]), ("teams", &raw.teams[..])];
    for (key, list) in lists {
        if list.len() > MAX_TERMS {
            f.error(
                Rule::InvalidValue,
                key,
                None,
                format!("`{key}` lists {} entries; at most {MAX_TERMS} are allowed", list.len()),
                "list what the incident touched directly; name a group (e.g. `edge-fleet`) for many at once",
            );
        }
        for term in list.iter().filter(|t| t.chars().count() > MAX_TERM_CHARS) {
            f.error(
                Rule::InvalidValue,
                key,
                Some(term),
                format!(
                    "an entry of `{key}` is {} characters long; at most {MAX_TERM_CHARS} are allowed",
                    term.chars().count()
                ),
                "use the short name people search for; describe it in the body",
            );
        }
    }
}

/// Marker problems inside front matter texts, with where each stands.
fn front_matter_marker_problems(
    raw: &RawPostmortem,
    extra: BTreeMap<String, serde_json::Value>,
) -> Vec<(String, Option<usize>, String, markers::Problem)> {
    let mut found = Vec::new();
    let mut look = |key: String, item: Option<usize>, s: &str| {
        for p in markers::problems(s) {
            found.push((key.clone(), item, s[p.span.clone()].to_string(), p));
        }
    };
    raw.clone().visit_strings(&mut |place, s| look(place.key.to_string(), place.item, s));
    for (key, value) in &extra {
        look(key.clone(), None, key);
        json_strings(value, &mut |s| look(key.clone(), None, s));
    }
    found
}

fn is_slug(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Validates one curated external postmortem. Its texts are someone else's published
/// words, but an archive's maintainers may still add notes in internal spans, which
/// `privacy` takes out for the public, as in a postmortem.
pub fn external(loaded: Loaded<RawExternal>) -> (Option<External>, Vec<Diagnostic>) {
    let mut f = Findings::new(&loaded);
    for p in markers::problems(&loaded.doc.text) {
        f.at(Rule::InternalMarker, p.span, p.message.into(), p.hint);
    }
    if loaded.raw.url.is_none() {
        f.error(
            Rule::Required,
            "url",
            None,
            "missing `url`".into(),
            "add `url: \"https://...\"` (use `url: \"\"` when the address is unknown)",
        );
    }
    let url = f.url("url", loaded.raw.url.as_ref());
    let archive_url = f.url("archive_url", loaded.raw.archive_url.as_ref());
    let out = f.out;
    if out.iter().any(Diagnostic::is_error) {
        return (None, out);
    }
    let Loaded { doc, raw, .. } = loaded;
    let nonempty = |v: Option<Text>| v.map(|t| t.0).filter(|t| !t.is_empty());
    let company = raw.company.filter(|c| !c.is_empty()).unwrap_or_else(|| "Unknown".into());
    let start_time = nonempty(raw.start_time);
    // Without a title, say whose incident and when: icco names its files by UUID, which
    // tells a reader nothing.
    let title = raw.title.filter(|t| !t.is_empty()).unwrap_or_else(|| match &start_time {
        Some(t) => format!("{company} incident of {}", t.get(..10).unwrap_or(t)),
        None => format!("{company} incident"),
    });
    let ext = External {
        slug: slugify(&doc.file_stem()),
        title,
        url,
        company,
        product: raw.product.filter(|p| !p.is_empty()),
        start_time,
        end_time: nonempty(raw.end_time),
        categories: raw.categories,
        keywords: raw.keywords,
        summary: raw.summary.filter(|s| !s.is_empty()),
        archive_url,
        body: doc.body().to_string(),
    };
    (Some(ext), out)
}
