//! Texts as the public reads them: internal spans taken out of every text a postmortem
//! or a curated external postmortem shows, and what was all internal left out (a list
//! element, an owner, a summary, an action item).

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::config::Config;
use crate::ingest::timeline;
use crate::markdown::internal::remove;
use crate::model::{ActionItem, External, Factor, Postmortem};

/// `pm` as the public reads it. Every field is named here, so a field added to
/// `Postmortem` does not compile until someone decides whether the public may read it as
/// written; the title may come out blank, which the caller reports.
pub fn postmortem(pm: &Postmortem, config: &Config) -> Postmortem {
    let Postmortem {
        id,
        title,
        date,
        severity,
        services,
        tags,
        status,
        visibility,
        summary,
        authors,
        responders,
        incident_commander,
        scribe,
        teams,
        started_at,
        detected_at,
        mitigated_at,
        resolved_at,
        action_items,
        related,
        external_url,
        affected,
        contributing_factors,
        near_miss,
        surprises,
        extra,
        history,
        timeline,
        source,
        body,
        fingerprint,
        origin,
    } = pm;
    // The body's timeline is drawn again only from a body that lost internal text.
    let shown = remove(body);
    let (body, timeline) = if std::ptr::eq(&*shown, &**body) {
        (body.clone(), timeline.clone())
    } else {
        let timeline = timeline::parse(&shown, *date, timeline::Reading::of(config)).0;
        (shown.into_owned().into(), timeline)
    };
    Postmortem {
        // Slugs, dates, a severity of the site's list and enums: no text an author wrote
        // freely, so no internal span can be in them (ingest rejects one that has).
        id: id.clone(),
        date: *date,
        severity: severity.clone(),
        status: *status,
        visibility: *visibility,
        started_at: *started_at,
        detected_at: *detected_at,
        mitigated_at: *mitigated_at,
        resolved_at: *resolved_at,
        near_miss: *near_miss,
        // What `[public] hide_fields` decides on, in `publish`.
        history: history.clone(),
        source: source.clone(),
        fingerprint: *fingerprint,
        origin: origin.clone(),
        title: remove(title).into_owned(),
        summary: shown_some(summary),
        services: shown_list(services),
        tags: shown_list(tags),
        authors: shown_list(authors),
        responders: shown_list(responders),
        incident_commander: shown_some(incident_commander),
        scribe: shown_some(scribe),
        teams: shown_list(teams),
        related: shown_list(related),
        external_url: shown_some(external_url),
        affected: shown_some(affected),
        surprises: shown_list(surprises),
        // An action item whose title is all internal is an internal action item.
        action_items: action_items
            .iter()
            .filter_map(|item| {
                let title = remove(&item.title);
                (!title.trim().is_empty()).then(|| ActionItem {
                    title: title.into_owned(),
                    owner: shown_some(&item.owner),
                    link: shown_some(&item.link),
                    ..item.clone()
                })
            })
            .collect(),
        // A kind is one of the site's own words, not the author's text.
        contributing_factors: contributing_factors
            .iter()
            .filter_map(|factor| {
                let statement = remove(&factor.statement);
                let statement = statement.trim();
                (!statement.is_empty()).then(|| Factor { statement: statement.to_string(), kind: factor.kind.clone() })
            })
            .collect(),
        extra: shown_extra(extra),
        body,
        timeline,
    }
}

/// A curated external postmortem's texts without the notes an archive's maintainers keep
/// in internal spans.
pub fn external(ext: &mut External) {
    let text = |s: &mut String| *s = remove(s).into_owned();
    [&mut ext.title, &mut ext.company, &mut ext.body].into_iter().for_each(text);
    ext.product.iter_mut().chain(&mut ext.summary).chain(&mut ext.categories).chain(&mut ext.keywords).for_each(text);
}

/// A text, or nothing when it was blank or all internal.
fn shown_some(value: &Option<String>) -> Option<String> {
    value.as_deref().map(remove).filter(|s| !s.trim().is_empty()).map(Cow::into_owned)
}

/// The elements that are not blank once their internal spans are gone.
fn shown_list(list: &[String]) -> Vec<String> {
    list.iter().map(|s| remove(s)).filter(|s| !s.trim().is_empty()).map(Cow::into_owned).collect()
}

/// The values of unknown keys without internal spans in their keys and texts, at any
/// depth; an entry whose key was all internal, and a list text that was, are left out.
fn shown_extra(extra: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, serde_json::Value> {
    let mut all = serde_json::Value::Object(extra.clone().into_iter().collect());
    json(&mut all);
    match all {
        serde_json::Value::Object(map) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

fn json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => *s = remove(s).into_owned(),
        Value::Array(items) => {
            items.iter_mut().for_each(json);
            items.retain(|v| !v.as_str().is_some_and(|s| s.trim().is_empty()));
        }
        Value::Object(map) => {
            *map = std::mem::take(map)
                .into_iter()
                .filter_map(|(key, mut v)| {
                    let key = remove(&key).into_owned();
                    json(&mut v);
                    (!key.trim().is_empty()).then_some((key, v))
                })
                .collect();
        }
        _ => {}
    }
}
