//! Rules over the model. `archive` holds the cross-file rules every command runs; the rest
//! are the rules `hindsight check` adds on top of the schema: is the postmortem complete
//! (sections, owned and dated action items), on time (overdue items, review deadlines),
//! linked correctly, and written factually and blamelessly. Each finding explains how to
//! fix it, so an author can act on it in seconds.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, ToSpan};

pub mod archive;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Rule};
use crate::ingest::front_matter::Document;
use crate::ingest::timeline::is_timeline;
use crate::markdown::{Block, Outline, Target, classify, find_anchor, resolve_asset, resolve_relative};
use crate::model::{ItemStatus, Postmortem, Status};
use crate::text::closest;

/// What rules need to know about the whole archive.
pub struct Context<'a> {
    pub config: &'a Config,
    /// The day date-dependent rules (overdue items, review deadlines) judge against.
    pub today: Date,
    /// Every postmortem id with the anchor ids of its page.
    pub anchors: HashMap<&'a str, HashSet<String>>,
    /// Source file -> postmortem id, for links written as paths to Markdown files.
    pub by_path: HashMap<&'a Path, &'a str>,
    /// Names of people in the archive's front matter, for the blame rule.
    pub people: Vec<String>,
    /// The tracker snapshot, for items whose ticket disagrees.
    pub tickets: Option<&'a crate::model::Tickets>,
    /// The files postmortems may link to (`ingest::asset_files`); `None` leaves such
    /// links unchecked.
    pub assets: Option<&'a std::collections::BTreeSet<std::path::PathBuf>>,
}

/// Ids the postmortem template adds to every page besides the body's headings.
const TEMPLATE_ANCHORS: &[&str] = &["main", "factor-list", "surprise-list", "tracked-action-items", "related"];

impl<'a> Context<'a> {
    pub fn new(config: &'a Config, today: Date, pms: &'a [Arc<Postmortem>], outlines: &[Outline]) -> Self {
        let anchors = pms
            .iter()
            .zip(outlines)
            .map(|(pm, o)| {
                let ids = o.headings.iter().map(|h| h.id.clone()).chain(TEMPLATE_ANCHORS.iter().map(|s| s.to_string()));
                (pm.id.as_str(), ids.collect())
            })
            .collect();
        let by_path = pms.iter().map(|p| (p.source.as_path(), p.id.as_str())).collect();
        let mut people: Vec<String> = pms
            .iter()
            .flat_map(|p| {
                let named = p.authors.iter().chain(&p.responders).chain(&p.incident_commander).chain(&p.scribe);
                named.chain(p.action_items.iter().filter_map(|a| a.owner.as_ref())).cloned().collect::<Vec<_>>()
            })
            .flat_map(|name| {
                let first = name.split_whitespace().next().unwrap_or("").to_string();
                [name, first]
            })
            .filter(|n| n.len() >= 3 && n.chars().next().is_some_and(char::is_uppercase))
            .collect();
        people.sort();
        people.dedup();
        Context { config, today, anchors, by_path, people, tickets: None, assets: None }
    }
}

/// Findings for one postmortem, positions in its file.
struct Report<'a> {
    doc: &'a Document,
    out: Vec<Diagnostic>,
}

impl Report<'_> {
    fn at(&mut self, rule: Rule, span: std::ops::Range<usize>, message: String, hint: &str) {
        self.out.push(self.doc.source().diagnostic(rule, span, message).with_hint(hint));
    }

    fn in_body(&mut self, rule: Rule, span: std::ops::Range<usize>, message: String, hint: &str) {
        let start = self.doc.body.start;
        self.at(rule, start + span.start..start + span.end, message, hint);
    }
}

pub fn postmortem(ctx: &Context, pm: &Postmortem, doc: &Document, outline: &Outline) -> Vec<Diagnostic> {
    let mut r = Report { doc, out: Vec::new() };
    sections(&mut r, ctx, pm, outline);
    action_items(&mut r, ctx, pm, doc);
    review_deadline(&mut r, ctx, pm, doc);
    timeline_range(&mut r, pm);
    links(&mut r, ctx, pm, outline);
    for block in &outline.blocks {
        let in_root_causes = block
            .section
            .and_then(|i| outline.headings.get(i))
            .is_some_and(|h| h.title.eq_ignore_ascii_case("root causes"));
        writing(&mut r, ctx, pm, block, in_root_causes);
        let in_lessons = block
            .section
            .and_then(|i| outline.headings.get(i))
            .is_some_and(|h| h.title.to_ascii_lowercase().starts_with("lessons"));
        if in_lessons {
            counterfactuals(&mut r, block);
        }
    }
    missing_factors(&mut r, ctx, pm, doc);
    tickets(&mut r, ctx, pm, doc);
    if let Some(tag) = pm.tags.iter().find(|t| t.eq_ignore_ascii_case("human-error")) {
        let span = doc.locate("tags", Some(tag));
        r.at(Rule::Blame, span, "\"human error\" given as a root cause".into(), HUMAN_ERROR_HINT);
    }
    r.out
}

const HUMAN_ERROR_HINT: &str = "name the condition that let a reasonable action cause harm (a missing guard, a confusing tool), e.g. tag `missing-safeguard`";

fn sections(r: &mut Report, ctx: &Context, pm: &Postmortem, outline: &Outline) {
    let fence = r.doc.matter.end..r.doc.matter.end + 3;
    let timeline = |title: &str| is_timeline(title, &ctx.config.timeline_headings);
    for name in &ctx.config.recommended_sections {
        let holds = |title: &str| title.eq_ignore_ascii_case(name) || (timeline(name) && timeline(title));
        if !outline.sections().any(|h| holds(&h.title)) {
            r.at(
                Rule::MissingSection,
                fence.clone(),
                format!("missing recommended section `## {name}`"),
                "add the section, even if short; set `recommended_sections` in site.toml to change the list",
            );
        }
    }
    let empty: Vec<_> = outline.headings.iter().filter(|h| !h.has_content).collect();
    let at = |h: &crate::markdown::Heading| {
        let hashes = usize::from(h.level);
        h.span.start + hashes + 1..h.span.start + hashes + 1 + h.title.len()
    };
    // A draft's empty sections are the template still to fill in: said once, at the first.
    if pm.status == Status::Draft {
        if let Some(first) = empty.first() {
            let names: Vec<&str> = empty.iter().map(|h| h.title.as_str()).collect();
            let n = names.len();
            r.in_body(
                Rule::EmptySection,
                at(first),
                format!("{n} section{} still to write: {}", if n == 1 { "" } else { "s" }, names.join(", ")),
                "expected in a draft; once its status is past `draft`, each empty section is a finding of its own",
            );
        }
        return;
    }
    for h in empty {
        r.in_body(
            Rule::EmptySection,
            at(h),
            format!("section `{}` is empty", h.title),
            "write at least a sentence, or remove the heading",
        );
    }
}

fn action_items(r: &mut Report, ctx: &Context, pm: &Postmortem, doc: &Document) {
    for (i, item) in pm.action_items.iter().enumerate() {
        let at_title = doc.locate_item("action_items", i, Some(&item.title));
        if item.owner.as_deref().is_none_or(|o| o.trim().is_empty()) {
            r.at(
                Rule::ActionItemOwner,
                at_title.clone(),
                format!("action item `{}` has no owner", item.title),
                "add `owner:` naming the one person accountable for it",
            );
        }
        let Some(due) = item.due else {
            r.at(
                Rule::ActionItemDue,
                at_title,
                format!("action item `{}` has no due date", item.title),
                "add `due: YYYY-MM-DD`",
            );
            continue;
        };
        if matches!(item.status, ItemStatus::Todo | ItemStatus::InProgress) && due < ctx.today {
            let days = (ctx.today - due).get_days();
            r.at(
                Rule::OverdueActionItem,
                doc.locate_item("action_items", i, Some(&due.to_string())),
                format!(
                    "action item `{}` is overdue: due {due}, {days} day{} ago",
                    item.title,
                    if days == 1 { "" } else { "s" }
                ),
                "finish it and set `status: done`, move `due` with a reason, or set `status: wontfix`",
            );
        }
    }
}

/// Business days (Monday to Friday) after `from` up to and including `to`.
fn business_days_between(from: Date, to: Date) -> i64 {
    let mut n = 0;
    let mut day = from;
    while day < to {
        day = day.tomorrow().unwrap_or(to);
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            n += 1;
        }
    }
    n
}

fn review_deadline(r: &mut Report, ctx: &Context, pm: &Postmortem, doc: &Document) {
    let (Status::Draft, Some(resolved)) = (pm.status, pm.resolved_at) else {
        return;
    };
    let resolved = resolved.to_zoned(ctx.config.time_zone()).date();
    let Some(rank) = pm.severity_rank(ctx.config) else { return };
    let late = match rank {
        0 => resolved
            .checked_add(3.days())
            .is_ok_and(|deadline| ctx.today > deadline)
            .then(|| format!("{} calendar days", (ctx.today - resolved).get_days())),
        1 => (business_days_between(resolved, ctx.today) > 5)
            .then(|| format!("{} business days", business_days_between(resolved, ctx.today))),
        _ => None,
    };
    if let Some(late) = late {
        let limit = if rank == 0 { "3 calendar days" } else { "5 business days" };
        r.at(
            Rule::ReviewDeadline,
            doc.locate("status", None),
            format!("{} postmortem still `draft` {late} after it was resolved ({resolved}); the review is due within {limit}", pm.severity_shown()),
            "finish the draft and set `status: in-review`, then ask for reviewers",
        );
    }
}

fn timeline_range(r: &mut Report, pm: &Postmortem) {
    let (Some(start), Some(end)) = (pm.started_at, pm.resolved_at) else {
        return;
    };
    let day = SignedDuration::from_hours(24);
    for e in &pm.timeline.entries {
        if e.at < start - day || e.at > end + day {
            r.in_body(
                Rule::TimelineRange,
                e.span.clone(),
                format!("timeline entry {} is more than a day outside the incident ({start} to {end})", e.when),
                "check the date of this entry (or of `started_at`/`resolved_at`); background events belong in Supporting Information",
            );
        }
    }
}

fn links(r: &mut Report, ctx: &Context, pm: &Postmortem, outline: &Outline) {
    for (dest, span) in &outline.links {
        let (id, fragment) = match classify(dest, &ctx.config.base_url) {
            Target::External | Target::Other => continue,
            Target::Asset { path } => {
                let Some(assets) = ctx.assets else { continue };
                let (msg, hint) = match resolve_asset(&pm.source, &path) {
                    None => (
                        format!("link to `{path}`, which is outside the archive's content/ folder"),
                        "keep images and other files under content/ (e.g. beside the postmortem) and link them relative to it",
                    ),
                    Some(file) if !assets.contains(&file) => (
                        format!("link to `{path}`, but there is no file at {}", file.display()),
                        "add the file, or fix the path: it is relative to this postmortem's file",
                    ),
                    Some(_) => continue,
                };
                r.in_body(Rule::BrokenLink, span.clone(), msg, hint);
                continue;
            }
            Target::Anchor(fragment) => (pm.id.as_str(), Some(fragment)),
            Target::File { path, fragment } => {
                let file = resolve_relative(&pm.source, &path);
                match ctx.by_path.get(file.as_path()) {
                    Some(id) => (*id, fragment),
                    None => {
                        let msg = format!("link to `{path}`, but there is no postmortem at {}", file.display());
                        r.in_body(
                            Rule::BrokenLink,
                            span.clone(),
                            msg,
                            "link to an existing file, relative to this one",
                        );
                        continue;
                    }
                }
            }
            Target::Page { id, fragment } => {
                let Some((id, _)) = ctx.anchors.get_key_value(id.as_str()) else {
                    let msg = format!("link to postmortem `{id}`, which does not exist");
                    let hint = match closest(&id, ctx.anchors.keys().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "link to the id of a postmortem in this archive".into(),
                    };
                    r.in_body(Rule::BrokenLink, span.clone(), msg, &hint);
                    continue;
                };
                (*id, fragment)
            }
        };
        let Some(fragment) = fragment else { continue };
        if ctx.anchors.get(id).is_none_or(|a| find_anchor(fragment, a.iter().map(String::as_str)).is_none()) {
            let known: Vec<&str> =
                ctx.anchors.get(id).map(|a| a.iter().map(String::as_str).collect()).unwrap_or_default();
            let hint = match closest(fragment, known) {
                Some(near) => format!("did you mean `#{near}`? Anchors are the heading text in lowercase with dashes"),
                None => "anchors are the heading text in lowercase with dashes, e.g. `#root-causes`".into(),
            };
            r.in_body(
                Rule::BrokenLink,
                span.clone(),
                format!("link to `#{fragment}`, which is not a heading of `{id}`"),
                &hint,
            );
        }
    }
}

/// Phrases that claim a change without measuring it.
const VAGUE: &[&str] = &[
    "latency increased",
    "latency went up",
    "latency spiked",
    "errors increased",
    "error rate increased",
    "errors spiked",
    "was slow",
    "were slow",
    "slower than usual",
    "degraded performance",
    "performance degraded",
    "many users",
    "many customers",
    "some users",
    "some customers",
    "a lot of",
    "lots of",
    "significant impact",
    "for a while",
];

const BLAME_VERBS: &[&str] = &["caused", "failed to", "forgot", "should have"];

/// Capitalised words before a blame verb that are not names: sentence openers and the
/// words a postmortem uses for its systems and its teams.
const NOT_NAMES: &[&str] = &[
    "The",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "We",
    "They",
    "He",
    "She",
    "I",
    "You",
    "Our",
    "Their",
    "A",
    "An",
    "Which",
    "What",
    "Nobody",
    "Nothing",
    "Someone",
    "Everyone",
    "No",
    "One",
    "Each",
    "Every",
    "Also",
    "Then",
    "Team",
    "Engineering",
    "Operations",
    "Support",
    "Monitoring",
];

fn writing(r: &mut Report, ctx: &Context, pm: &Postmortem, block: &Block, in_root_causes: bool) {
    // ASCII lowercasing keeps every byte offset (`İ` and `ẞ` change length when
    // lowercased fully); the phrases looked for are ASCII.
    let lower = block.text.to_ascii_lowercase();
    for sentence in sentences(&block.text) {
        let text = &lower[sentence.clone()];
        let has_number = text.bytes().any(|b| b.is_ascii_digit());
        for phrase in VAGUE.iter().filter(|_| !has_number) {
            for at in word_matches(text, phrase) {
                let start = block.body_offset(sentence.start + at);
                r.in_body(
                    Rule::VagueClaim,
                    start..start + phrase.len(),
                    format!("vague claim \"{}\" with no number in the sentence", &block.text[sentence.start + at..sentence.start + at + phrase.len()]),
                    "say how much and for how long, e.g. \"p99 latency grew from 300 ms to 1.2 s for 14 minutes\" or \"2,300 users (4%)\"",
                );
            }
        }
        let original = &block.text[sentence.clone()];
        let mut blamed: Vec<(usize, &str, &str)> = Vec::new();
        for name in &ctx.people {
            for at in word_matches(original, name) {
                let next: Vec<&str> = text[at + name.len()..].split_whitespace().take(4).collect();
                if blame_verb_follows(&next, 2) {
                    blamed.push((at, name, BLAME_HINT));
                }
            }
        }
        for (at, name) in unnamed_blame(original, ctx, pm) {
            blamed.push((at, name, UNNAMED_BLAME_HINT));
        }
        for (at, name, hint) in blamed {
            let start = block.body_offset(sentence.start + at);
            r.in_body(
                Rule::Blame,
                start..start + name.len(),
                format!("blaming language: \"{name}\" next to what went wrong"),
                hint,
            );
        }
        if in_root_causes {
            for at in word_matches(text, "human error") {
                let start = block.body_offset(sentence.start + at);
                r.in_body(
                    Rule::Blame,
                    start..start + "human error".len(),
                    "\"human error\" given as a root cause".into(),
                    HUMAN_ERROR_HINT,
                );
            }
        }
    }
}

/// Phrases that judge what happened against what did not ("should have", "could have
/// prevented"): hindsight bias, which stops a review at the person instead of at the
/// conditions that made the action reasonable then.
const COUNTERFACTUAL: &[&str] = &[
    "should have",
    "should not have",
    "shouldn't have",
    "shouldn\u{2019}t have",
    "ought to have",
    "could have prevented",
    "could have been prevented",
    "could have avoided",
    "could have been avoided",
    "would have prevented",
    "would have been prevented",
    "would have avoided",
    "if only",
];

fn counterfactuals(r: &mut Report, block: &Block) {
    let lower = block.text.to_ascii_lowercase();
    for phrase in COUNTERFACTUAL {
        for at in word_matches(&lower, phrase) {
            let start = block.body_offset(at);
            r.in_body(
                Rule::Counterfactual,
                start..start + phrase.len(),
                format!("counterfactual \"{}\" in Lessons Learned", &block.text[at..at + phrase.len()]),
                "say what happened and why it made sense at the time, e.g. \"the runbook did not mention the flag, so the restart looked safe\"",
            );
        }
    }
}

/// An action item the tracker says otherwise about: done here and open there, or the other
/// way round. One of the two is out of date.
fn tickets(r: &mut Report, ctx: &Context, pm: &Postmortem, doc: &Document) {
    let Some(tickets) = ctx.tickets else { return };
    for (i, item) in pm.action_items.iter().enumerate() {
        let Some(link) = item.link.as_deref() else { continue };
        let Some(ticket) = tickets.find(link) else { continue };
        if ticket.open != item.status.is_open() {
            r.at(
                Rule::TicketMismatch,
                doc.locate_item("action_items", i, Some(link)),
                format!("action item `{}` is {} but its ticket is {}", item.title, item.status.as_str(), ticket.state),
                if ticket.open {
                    "reopen the item (`status: in-progress`) or close the ticket"
                } else {
                    "set the item's `status: done` (or `wontfix`), or reopen the ticket"
                },
            );
        }
    }
}

/// A reviewed SEV-1 or SEV-2 (the two worst of the site's severities) should say what
/// made it possible: the factors are what later incidents are compared by.
fn missing_factors(r: &mut Report, ctx: &Context, pm: &Postmortem, doc: &Document) {
    let reviewed = matches!(pm.status, Status::Reviewed | Status::Closed);
    if reviewed && pm.severity_rank(ctx.config).is_some_and(|r| r < 2) && pm.contributing_factors.is_empty() {
        r.at(
            Rule::MissingFactors,
            doc.locate("status", Some(pm.status.as_str())),
            format!("{} postmortem is {} but names no contributing factors", pm.severity_shown(), pm.status.as_str()),
            "add `contributing_factors:` with a `statement` (and a `kind` such as change or detection-gap) for each condition that made the incident possible or worse",
        );
    }
}

/// A capitalised word the front matter does not name, right before a blame verb
/// (`Alex forgot`, `Sam failed to`): a person named in the text but not in the people
/// fields. Words that name systems are left alone: all capitals, digits or inner
/// capitals (`DNS`, `S3`, `PostgreSQL`), the postmortem's services, tags and title, and
/// any word the body also writes in lowercase (`Redis` ... `redis`).
fn unnamed_blame<'t>(sentence: &'t str, ctx: &Context, pm: &Postmortem) -> Vec<(usize, &'t str)> {
    let words: Vec<(usize, &str)> = sentence
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - sentence.as_ptr() as usize, w))
        .collect();
    let mut out = Vec::new();
    for (i, &(at, word)) in words.iter().enumerate() {
        let mut chars = word.chars();
        let person_like = chars.next().is_some_and(char::is_uppercase)
            && word.chars().count() >= 2
            && chars.all(|c| c.is_lowercase());
        if !person_like
            || NOT_NAMES.contains(&word)
            || ctx.people.iter().any(|p| p.split_whitespace().any(|n| n == word))
        {
            continue;
        }
        let next: Vec<String> = words[i + 1..].iter().take(3).map(|(_, w)| w.to_lowercase()).collect();
        if !blame_verb_follows(&next.iter().map(String::as_str).collect::<Vec<_>>(), 0) {
            continue;
        }
        let lower = word.to_lowercase();
        let system = pm.services.iter().chain(&pm.tags).any(|s| s.to_lowercase().contains(&lower))
            || !word_matches(&pm.title, word).is_empty()
            || !word_matches(&pm.body, &lower).is_empty();
        if !system {
            out.push((at, word));
        }
    }
    out
}

/// Whether `next` (the lowercase words after a name) starts with a blame verb, after at
/// most `skip` words (`Dana then forgot`).
fn blame_verb_follows(next: &[&str], skip: usize) -> bool {
    BLAME_VERBS.iter().any(|verb| {
        let verb: Vec<&str> = verb.split(' ').collect();
        (0..=skip).any(|k| next.len() >= k + verb.len() && next[k..k + verb.len()] == verb[..])
    })
}

const BLAME_HINT: &str = "describe what the system allowed, not who slipped: \"the deploy tool accepted an empty target\" rather than \"Dana forgot the target\"";
const UNNAMED_BLAME_HINT: &str = "describe what the system allowed, not who slipped: \"the deploy tool accepted an empty target\" rather than \"Dana forgot the target\"; if the word names a system, list it in `services` or set the rule to \"off\" in site.toml";

/// Byte ranges of the sentences of `text`.
fn sentences(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'!' | b'?' | b';') && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()) {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push(start..text.len());
    }
    out
}

/// Offsets where `word` occurs in `text` on word boundaries.
fn word_matches(text: &str, word: &str) -> Vec<usize> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '-');
    text.match_indices(word)
        .filter(|(at, _)| boundary(text[..*at].chars().next_back()) && boundary(text[at + word.len()..].chars().next()))
        .map(|(at, _)| at)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        let fri = jiff::civil::date(2024, 3, 8);
        assert_eq!(business_days_between(fri, jiff::civil::date(2024, 3, 11)), 1);
        assert_eq!(business_days_between(fri, jiff::civil::date(2024, 3, 15)), 5);
        assert_eq!(business_days_between(fri, jiff::civil::date(2024, 3, 18)), 6);
    }

    #[test]
    fn sentences_and_word_boundaries() {
        let text = "Latency increased. It grew 4x! Many users; x";
        let s: Vec<&str> = sentences(text).into_iter().map(|r| text[r].trim()).collect();
        assert_eq!(s, ["Latency increased.", "It grew 4x!", "Many users;", "x"]);
        assert_eq!(word_matches("so many users, many-users", "many users"), [3]);
    }
}
