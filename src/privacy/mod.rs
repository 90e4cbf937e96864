//! The public build's policy, in one place: which postmortems the public sees, which
//! fields it never sees (`[public] hide_fields`), and which text (`<!-- internal -->`
//! spans) is removed before anything renders. Every output is made from an archive that
//! went through here, so no output format needs a policy of its own.

mod redact;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, HideField, Visibility};
use crate::diagnostics::{Diagnostic, Rule};
use crate::ingest::front_matter::Document;
use crate::model::{Contents, Postmortem};

/// Who a build is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Audience {
    /// The organisation: everything, internal spans outlined.
    #[default]
    Internal,
    /// Anyone: public postmortems only, without internal spans and hidden fields.
    Public,
}

/// How many drafts a page may say the build left out: none to the public, which has no
/// way to read them and need not learn that unpublished ones exist.
pub fn drafts_left_out(archive: &crate::model::Archive) -> usize {
    if archive.public { 0 } else { archive.drafts_left_out }
}

impl Audience {
    /// The audience a `--public` flag asks for.
    pub fn of_public_flag(public: bool) -> Audience {
        if public { Audience::Public } else { Audience::Internal }
    }

    /// Every postmortem as this audience reads it, before any rule or page does: for the
    /// public, every text without its internal spans. Ingest made the organisation's
    /// postmortem, the one the build cache keeps, so this is done on every public build. A
    /// public postmortem's title that was all internal is an error at the title (`docs`
    /// places it): its page would have none.
    pub fn read<'a>(
        self,
        config: &Config,
        postmortems: &mut [Arc<Postmortem>],
        docs: &(dyn Fn(&Path) -> Option<&'a Document> + Sync),
    ) -> Vec<Diagnostic> {
        if self == Audience::Internal {
            return Vec::new();
        }
        postmortems
            .par_iter_mut()
            .filter_map(|pm| {
                *pm = Arc::new(redact::postmortem(pm, config));
                // An internal postmortem is left out (`publish`): its title is not shown.
                if pm.visibility == Visibility::Internal || !pm.title.trim().is_empty() {
                    return None;
                }
                let message = "the title is all internal, so the public page would have none";
                let found = match docs(&pm.source) {
                    Some(doc) => doc.source().diagnostic(Rule::InternalMarker, doc.locate("title", None), message),
                    None => Diagnostic::file(Rule::InternalMarker, &pm.source, message),
                };
                Some(found.with_hint(
                    "keep part of the title outside `<!-- internal -->` spans, or make the postmortem `visibility: internal`",
                ))
            })
            .collect()
    }

    /// Keeps what this audience may see: for the public, public postmortems with hidden
    /// fields cleared and `related` links to left-out postmortems dropped (their ids would
    /// show on the page), raw HTML always sanitized, no ticket states (the internal
    /// tracker's), and no edit links (they name the internal repository and branch)
    /// unless `hide_fields` leaves `edit_link` out. Returns how many were left out.
    pub fn publish(self, contents: &mut Contents) -> usize {
        if self == Audience::Internal {
            return 0;
        }
        let Contents { config, postmortems, external, tickets, public, .. } = contents;
        *public = true;
        external.iter_mut().for_each(redact::external);
        *tickets = None;
        config.unsafe_html = false;
        if config.public.hide_fields.contains(&HideField::EditLink) {
            config.repository_url = None;
        }
        let before = postmortems.len();
        postmortems.retain(|p| p.visibility == Visibility::Public);
        let ids: HashSet<String> = postmortems.iter().map(|p| p.id.clone()).collect();
        let no_edit_links = config.public.hide_fields.contains(&HideField::EditLink);
        for pm in postmortems.iter_mut() {
            let pm = Arc::make_mut(pm);
            pm.related.retain(|id| ids.contains(id));
            // A source's own repository is as internal as the archive's.
            if let Some(origin) = pm.origin.as_mut().filter(|o| no_edit_links && o.repository_url.is_some()) {
                Arc::make_mut(origin).repository_url = None;
            }
            for &field in &config.public.hide_fields {
                pm.hide(field);
            }
        }
        before - postmortems.len()
    }
}
