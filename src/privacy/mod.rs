//! The public build's policy, in one place: which postmortems the public sees, which
//! fields it never sees (`[public] hide_fields`), and which text (`<!-- internal -->`
//! spans) is removed before anything renders. Every output is made from an archive that
//! went through here, so no output format needs a policy of its own.

pub mod markers;

use std::collections::HashSet;
use std::sync::Arc;

use crate::config::{HideField, Visibility};
use crate::model::{Contents, External};

/// Who a build is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Audience {
    /// The organisation: everything, internal spans outlined.
    #[default]
    Internal,
    /// Anyone: public postmortems only, without internal spans and hidden fields.
    Public,
}

impl Audience {
    /// The audience a `--public` flag asks for.
    pub fn of_public_flag(public: bool) -> Audience {
        if public { Audience::Public } else { Audience::Internal }
    }

    /// `text` as this audience may read it. Used on every text of a postmortem while it is
    /// made (title, summary, action items, body), before anything else sees it.
    pub fn text(self, text: &str) -> String {
        match self {
            Audience::Internal => text.to_string(),
            Audience::Public => markers::remove(text),
        }
    }

    /// A postmortem's body, `range` of its file's `text`: shared with the file for the
    /// archive's own readers, a copy without the internal spans for the public.
    pub fn body(self, text: &std::sync::Arc<str>, range: std::ops::Range<usize>) -> crate::model::Body {
        match self {
            Audience::Internal => crate::model::Body::shared(text.clone(), range),
            Audience::Public => markers::remove(&text[range]).into(),
        }
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
        for ext in external.iter_mut() {
            redact_external(ext);
        }
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

/// A curated external postmortem's texts without the notes an archive's maintainers keep
/// in internal spans.
fn redact_external(ext: &mut External) {
    let text = |s: &mut String| *s = markers::remove(s);
    [&mut ext.title, &mut ext.company, &mut ext.body].into_iter().for_each(text);
    ext.product.iter_mut().chain(&mut ext.summary).chain(&mut ext.categories).chain(&mut ext.keywords).for_each(text);
}
