//! Rules every command runs because they need every postmortem at once: ids are unique,
//! and `related` and the reading lists of `site.toml` name postmortems that exist.

use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Rule};
use crate::ingest::front_matter::Document;
use crate::model::Postmortem;
use crate::text::{closest, slugify};

/// Rules that need every postmortem at once: unique ids and `related` links that resolve.
/// `docs` finds a postmortem's document by its source path (only to place findings);
/// `other_ids` are the ids of files that failed their own checks.
pub fn archive<'a>(
    pms: &[Arc<Postmortem>],
    docs: &dyn Fn(&Path) -> Option<&'a Document>,
    other_ids: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Every id, with the first file that has it; `serve` makes this again on every save.
    let mut seen: FxHashMap<&str, &Path> = FxHashMap::default();
    seen.reserve(pms.len() + other_ids.len());
    for pm in pms {
        if let Some(first) = seen.insert(&pm.id, &pm.source)
            && let Some(doc) = docs(&pm.source)
        {
            let span = doc.locate("id", Some(&pm.id));
            let d = doc.source().diagnostic(
                Rule::DuplicateId,
                span,
                format!("duplicate id `{}`: {} has it too", pm.id, first.display()),
            );
            out.push(d.with_hint(
                "ids must be unique; set a distinct `id:` in one of the two files (the id defaults to the file name)",
            ));
            seen.insert(&pm.id, first);
        }
    }
    // A postmortem with errors of its own still exists: links to it are not the problem.
    for id in other_ids {
        seen.entry(id).or_insert(Path::new(""));
    }
    for pm in pms {
        for rel in pm.related.iter().filter(|r| !seen.contains_key(r.as_str())) {
            let Some(doc) = docs(&pm.source) else { break };
            let span = doc.locate("related", Some(rel));
            let hint = match closest(rel, seen.keys().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "list ids of postmortems in this archive (a postmortem's id is its `id` or its file name)"
                    .to_string(),
            };
            out.push(
                doc.source()
                    .diagnostic(Rule::UnknownRelated, span, format!("related postmortem `{rel}` does not exist"))
                    .with_hint(hint),
            );
        }
    }
    out
}

/// Gives a `[[sources]]` postmortem whose id another postmortem of another repository has
/// the id `<team>-<id>`, and points its `related` ids at its own repository's postmortems by
/// their new ids, so teams that never coordinated ids still build one archive. The
/// archive's own postmortems keep their ids; ids repeated inside one repository are left
/// for the duplicate-id rule. Each renaming is reported where the file sets its id.
pub fn namespace<'a>(pms: &mut [Arc<Postmortem>], docs: &dyn Fn(&Path) -> Option<&'a Document>) -> Vec<Diagnostic> {
    let team = |pm: &Postmortem| pm.origin.as_ref().map(|o| o.team.clone());
    let mut by_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, pm) in pms.iter().enumerate() {
        by_id.entry(&pm.id).or_default().push(i);
    }
    let mut renamed: Vec<(usize, String)> = Vec::new();
    for members in by_id.values().filter(|m| m.len() > 1) {
        let first = team(&pms[members[0]]);
        if members.iter().all(|&i| team(&pms[i]) == first) {
            continue;
        }
        for &i in members.iter().filter(|&&i| pms[i].origin.is_some()) {
            let origin = pms[i].origin.as_ref().map(|o| slugify(&o.team)).unwrap_or_default();
            renamed.push((i, format!("{origin}-{}", pms[i].id)));
        }
    }
    renamed.sort();
    let mut out = Vec::new();
    // Per team, old id -> new id, for `related` inside the same repository.
    let mut new_ids: FxHashMap<String, FxHashMap<String, String>> = FxHashMap::default();
    for (i, new_id) in &renamed {
        let pm = &pms[*i];
        let other = by_id[pm.id.as_str()].iter().find(|&&j| j != *i && team(&pms[j]) != team(pm)).copied();
        if let (Some(doc), Some(other)) = (docs(&pm.source), other) {
            let span = doc.locate("id", Some(&pm.id));
            let message = format!(
                "id `{}` is also {}'s ({}): this one's page is `postmortems/{new_id}/`",
                pm.id,
                team(&pms[other]).map_or_else(|| "this archive".to_string(), |t| format!("team {t}")),
                pms[other].source.display()
            );
            let hint =
                "ids are unique per repository only; set an `id:` no other repository uses to keep the plain one";
            out.push(doc.source().diagnostic(Rule::SourceId, span, message).with_hint(hint));
        }
        new_ids.entry(team(pm).unwrap_or_default()).or_default().insert(pm.id.clone(), new_id.clone());
    }
    for (i, new_id) in renamed {
        Arc::make_mut(&mut pms[i]).id = new_id;
    }
    for pm in pms.iter_mut() {
        let Some(moved) = pm.origin.as_ref().and_then(|o| new_ids.get(&o.team)) else { continue };
        if pm.related.iter().any(|r| moved.contains_key(r)) {
            for r in &mut Arc::make_mut(pm).related {
                if let Some(new) = moved.get(r) {
                    r.clone_from(new);
                }
            }
        }
    }
    out
}

/// Reading list ids that name none of `ids` (postmortems, drafts and files that failed
/// their own checks included, and external postmortems' file names), reported where
/// `site.toml` (`settings`) writes them.
pub fn reading_lists(config: &Config, settings: &str, ids: &HashSet<String>) -> Vec<Diagnostic> {
    let source = crate::diagnostics::Source::new(Path::new("site.toml"), settings);
    let mut out = Vec::new();
    for (l, list) in config.reading_lists.iter().enumerate() {
        for (i, id) in list.ids.iter().enumerate().filter(|(_, id)| !ids.contains(*id)) {
            let hint = match closest(id, ids.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "list postmortem ids (the `id`, or the file name) or external postmortems' file names".into(),
            };
            let span = config.spans.value(&["reading_lists", &l.to_string(), "ids", &i.to_string()]).unwrap_or(0..0);
            let message = format!("reading list entry `{id}` is no postmortem of this archive");
            out.push(source.diagnostic(Rule::Config, span, message).with_hint(hint));
        }
    }
    out
}
