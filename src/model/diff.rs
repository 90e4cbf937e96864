//! What one build of an archive would publish that another did not: postmortems that
//! appear, change or disappear between two archives, and for a change, which fields and
//! whether the body. Made from archives that already went through the privacy policy, so
//! for public builds it is exactly what the public would gain, see change, or lose
//! (`hindsight diff --public`). History is left out: every commit changes it, and it says
//! nothing about what the text reveals.

use serde_json::Value;

use super::{Archive, Postmortem};

/// One field whose value differs, as the JSON export would write each side.
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A postmortem published by both archives whose published values differ.
pub struct Changed<'a> {
    pub old: &'a Postmortem,
    pub new: &'a Postmortem,
    /// Front matter fields whose values differ, by name.
    pub fields: Vec<FieldChange>,
    /// Whether the Markdown body (as published: without internal spans in public builds)
    /// differs.
    pub body: bool,
}

/// The difference between two archives' published postmortems, each list in its archive's
/// order (newest first).
pub struct Changes<'a> {
    /// Published now, not before: for a public build, what becomes public.
    pub added: Vec<&'a Postmortem>,
    pub changed: Vec<Changed<'a>>,
    /// Published before, not now.
    pub removed: Vec<&'a Postmortem>,
}

impl<'a> Changes<'a> {
    /// What `new` publishes that `old` did not, by postmortem id; `old` is `None` when
    /// there was no archive to compare with (everything is added).
    pub fn between(old: Option<&'a Archive>, new: &'a Archive) -> Changes<'a> {
        let old_by_id = |id: &str| old.and_then(|a| a.by_id.get(id).map(|&i| &*a.postmortems[i]));
        let mut changes = Changes { added: Vec::new(), changed: Vec::new(), removed: Vec::new() };
        for pm in &new.postmortems {
            match old_by_id(&pm.id) {
                None => changes.added.push(pm),
                Some(before) => {
                    let fields = fields(before, pm);
                    let body = *before.body != *pm.body;
                    if body || !fields.is_empty() {
                        changes.changed.push(Changed { old: before, new: pm, fields, body });
                    }
                }
            }
        }
        if let Some(old) = old {
            changes.removed = old.postmortems.iter().filter(|p| !new.by_id.contains_key(&p.id)).map(|p| &**p).collect();
        }
        changes
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The fields whose serialized values differ, in name order; history and the file's fingerprint
/// are not the postmortem's content.
fn fields(old: &Postmortem, new: &Postmortem) -> Vec<FieldChange> {
    let as_map = |pm: &Postmortem| match serde_json::to_value(pm) {
        Ok(Value::Object(mut map)) => {
            map.remove("history");
            map
        }
        _ => serde_json::Map::new(),
    };
    let (mut old, new) = (as_map(old), as_map(new));
    new.into_iter()
        .filter_map(|(field, new)| {
            let old = old.remove(&field).unwrap_or(Value::Null);
            (old != new).then_some(FieldChange { field, old, new })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pm(id: &str, title: &str, body: &str) -> Arc<Postmortem> {
        Arc::new(Postmortem {
            id: id.into(),
            title: title.into(),
            date: Some(jiff::civil::date(2024, 1, 2)),
            severity: Some("SEV-2".into()),
            services: vec!["api".into()],
            tags: Vec::new(),
            status: Default::default(),
            visibility: Default::default(),
            summary: None,
            authors: Vec::new(),
            responders: Vec::new(),
            incident_commander: None,
            scribe: None,
            teams: Vec::new(),
            started_at: None,
            detected_at: None,
            mitigated_at: None,
            resolved_at: None,
            action_items: Vec::new(),
            related: Vec::new(),
            external_url: None,
            affected: None,
            contributing_factors: Vec::new(),
            near_miss: false,
            surprises: Vec::new(),
            extra: Default::default(),
            history: None,
            timeline: Default::default(),
            source: format!("content/postmortems/{id}.md").into(),
            body: crate::model::Body::from(body.to_string()),
            fingerprint: 0,
            origin: None,
        })
    }

    fn archive(pms: Vec<Arc<Postmortem>>) -> Archive {
        Archive::new(
            crate::model::Contents { postmortems: pms, ..Default::default() },
            true,
            jiff::civil::date(2025, 1, 1),
        )
    }

    #[test]
    fn added_changed_and_removed_postmortems_by_id() {
        let old = archive(vec![pm("a", "A", "same"), pm("b", "B", "body"), pm("gone", "G", ""), pm("c", "C", "x")]);
        let mut new_b = pm("b", "B2", "body, longer");
        Arc::make_mut(&mut new_b).history = Some(crate::model::History {
            first: Default::default(),
            last: Default::default(),
            revisions: 3,
            authors: vec![],
        });
        let new = archive(vec![pm("a", "A", "same"), new_b, pm("c", "C", "y"), pm("new", "N", "")]);
        let changes = Changes::between(Some(&old), &new);
        assert_eq!(changes.added.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["new"]);
        assert_eq!(changes.removed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["gone"]);
        let changed: Vec<_> = changes
            .changed
            .iter()
            .map(|c| (c.new.id.as_str(), c.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), c.body))
            .collect();
        // History alone (b's) is no change; c changed only its body.
        assert_eq!(changed, [("b", vec!["title"], true), ("c", vec![], true)]);
        assert_eq!(changes.changed[0].fields[0].old, Value::from("B"));
        assert_eq!(changes.changed[0].fields[0].new, Value::from("B2"));
    }

    #[test]
    fn without_an_old_archive_everything_is_added() {
        let new = archive(vec![pm("a", "A", ""), pm("b", "B", "")]);
        let changes = Changes::between(None, &new);
        assert_eq!(changes.added.len(), 2);
        assert!(changes.changed.is_empty() && changes.removed.is_empty());
        assert!(Changes::between(Some(&new), &new).is_empty());
    }
}
