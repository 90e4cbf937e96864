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
use crate::text::closest;

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
