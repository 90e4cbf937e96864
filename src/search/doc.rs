//! What search sees of the archive: one `Doc` per postmortem, ours and other companies'
//! alike, in one order. The tantivy index and the static index are both made from this
//! list, so a document's number, fields and values are the same in the CLI and the browser.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::markdown::plain_text;
use crate::model::{External, Postmortem};
use crate::routes;
use crate::search::query::{KeywordField, NAMED, name_keys};
use crate::search::words_of;

/// Whose postmortem a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Ours,
    External,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Ours => "ours",
            Origin::External => "external",
        }
    }
}

/// One searchable postmortem.
#[derive(Clone, Debug)]
pub struct Doc {
    /// A postmortem's id; for another company's, `external/<slug>`.
    pub id: String,
    pub origin: Origin,
    pub title: String,
    pub summary: String,
    /// The body's Markdown, read into plain text only when the document is indexed, so a
    /// whole archive's plain text is never in memory at once.
    markdown: Markdown,
    /// `YYYY-MM-DD`, or empty when an external one does not say.
    pub date: String,
    pub severity: String,
    pub status: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub teams: Vec<String>,
    pub authors: Vec<String>,
    pub company: String,
    /// The page: relative to the site root for ours, the company's own for another's (or
    /// the list of them when it has none).
    pub url: String,
}

/// Where a document's body is: a postmortem's is shared with the archive, not copied.
#[derive(Clone, Debug)]
enum Markdown {
    Postmortem(Arc<Postmortem>),
    Text(String),
}

impl Doc {
    fn ours(pm: &Arc<Postmortem>) -> Doc {
        Doc {
            id: pm.id.clone(),
            origin: Origin::Ours,
            title: pm.title.clone(),
            summary: pm.summary.clone().unwrap_or_default(),
            markdown: Markdown::Postmortem(pm.clone()),
            // Empty while unknown, as an external postmortem's severity is: no facet value.
            date: pm.date.map(|d| d.to_string()).unwrap_or_default(),
            severity: pm.severity.clone().unwrap_or_default(),
            status: pm.status.as_str().to_string(),
            services: pm.services.clone(),
            tags: pm.tags.clone(),
            teams: pm.teams.clone(),
            authors: pm.authors.clone(),
            company: String::new(),
            url: routes::postmortem(&pm.id),
        }
    }

    fn external(ext: &External) -> Doc {
        let date =
            ext.start_time.as_deref().and_then(|t| t.get(..10)).filter(|d| d.parse::<jiff::civil::Date>().is_ok());
        let mut tags = ext.categories.clone();
        tags.extend(ext.keywords.iter().filter(|k| !ext.categories.contains(k)).cloned());
        Doc {
            id: format!("external/{}", ext.slug),
            origin: Origin::External,
            title: ext.title.clone(),
            summary: ext.summary.clone().unwrap_or_default(),
            markdown: Markdown::Text(ext.body.clone()),
            date: date.unwrap_or_default().to_string(),
            severity: String::new(),
            status: String::new(),
            services: ext.product.iter().cloned().collect(),
            tags,
            teams: Vec::new(),
            authors: Vec::new(),
            company: ext.company.clone(),
            // Its own page, with the full text and the link to the original.
            url: routes::external_entry(&ext.slug),
        }
    }

    /// The year, from the date.
    pub fn year(&self) -> &str {
        self.date.get(..4).unwrap_or("")
    }

    /// The values of a keyword field as written (facets show these).
    pub fn values(&self, field: KeywordField) -> Vec<&str> {
        fn one(s: &str) -> Vec<&str> {
            if s.is_empty() { Vec::new() } else { vec![s] }
        }
        match field {
            KeywordField::Service => self.services.iter().map(String::as_str).collect(),
            KeywordField::Tag => self.tags.iter().map(String::as_str).collect(),
            KeywordField::Team => self.teams.iter().map(String::as_str).collect(),
            KeywordField::Author => self.authors.iter().map(String::as_str).collect(),
            KeywordField::Severity => one(&self.severity),
            KeywordField::Status => one(&self.status),
            KeywordField::Year => one(self.year()),
            KeywordField::Company => one(&self.company),
            KeywordField::Origin => vec![self.origin.as_str()],
        }
    }

    /// The keys a word with no field finds this document by (`query::name_keys` of each
    /// value of a `query::NAMED` field).
    pub fn names(&self) -> Vec<String> {
        NAMED.iter().flat_map(|&field| self.values(field)).flat_map(|v| name_keys(&words_of(v))).collect()
    }

    /// The body as plain text (`markdown::plain_text`).
    pub fn body(&self) -> String {
        match &self.markdown {
            Markdown::Postmortem(pm) => plain_text(&pm.body),
            Markdown::Text(text) => plain_text(text),
        }
    }

    /// The Markdown the body's plain text comes from.
    pub fn markdown(&self) -> &str {
        match &self.markdown {
            Markdown::Postmortem(pm) => &pm.body,
            Markdown::Text(text) => text,
        }
    }

    /// The text fields, in `TextField::ALL` order, with `body` from `Doc::body`.
    pub fn texts<'a>(&'a self, body: &'a str) -> [&'a str; 3] {
        [&self.title, &self.summary, body]
    }
}

/// The documents of an archive, numbered as both indexes number them: newest first, ours
/// before another's of the same day, then by id; undated ones last.
pub fn documents(postmortems: &[Arc<Postmortem>], external: &[External]) -> Vec<Doc> {
    let mut docs: Vec<Doc> = postmortems.par_iter().map(Doc::ours).collect();
    docs.extend(external.iter().map(Doc::external));
    docs.sort_by(|a, b| {
        (a.date.is_empty().cmp(&b.date.is_empty()))
            .then(b.date.cmp(&a.date))
            .then(a.origin.cmp(&b.origin))
            .then(a.id.cmp(&b.id))
    });
    docs
}
