//! Stage 4: every page of the archive, rendered through the theme's templates. Pages are
//! independent jobs so `write` can render and store them in parallel without holding the
//! whole site in memory.

mod highlight;
mod markdown;
mod theme;
mod views;

use std::collections::HashMap;
use std::path::Path;

use minijinja::value::Serde;
use minijinja::{Value, context};

use crate::diagnostic::Diagnostic;
use crate::model::Archive;
pub use highlight::{Highlighter, escape};
pub use theme::Theme;
use views::{ExternalGroups, Item, TermView, postmortem_view};

/// One output page.
#[derive(Clone, Copy, Debug)]
pub enum Job {
    Home,
    Postmortem(usize),
    TaxonomyIndex(usize),
    Term(usize, usize),
    External,
    NotFound,
}

pub struct Renderer<'a> {
    archive: &'a Archive,
    theme: Theme,
    highlighter: Highlighter,
    by_id: HashMap<&'a str, usize>,
    /// Source file -> id of every published postmortem, to turn file links into page links.
    by_path: HashMap<&'a Path, &'a str>,
}

impl<'a> Renderer<'a> {
    pub fn new(archive: &'a Archive, theme: Theme) -> Self {
        Renderer {
            archive,
            theme,
            highlighter: Highlighter::default(),
            by_id: archive.index_of(),
            by_path: archive
                .postmortems
                .iter()
                .map(|p| (p.source.as_path(), p.id.as_str()))
                .collect(),
        }
    }

    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![Job::Home, Job::External, Job::NotFound];
        jobs.extend((0..self.archive.postmortems.len()).map(Job::Postmortem));
        for (t, tax) in self.archive.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyIndex(t));
            jobs.extend((0..tax.terms.len()).map(|i| Job::Term(t, i)));
        }
        jobs
    }

    /// Static files of the theme plus the generated highlighting stylesheet, by output path.
    pub fn static_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = self
            .theme
            .statics
            .iter()
            .map(|(n, b)| (format!("static/{n}"), b.clone()))
            .collect();
        if !self.theme.statics.contains_key("highlight.css") {
            files.push((
                "static/highlight.css".into(),
                Highlighter::css().into_bytes(),
            ));
        }
        files
    }

    /// Output path (relative, with `/`) and HTML of one page.
    pub fn render(&self, job: Job) -> Result<(String, String), Diagnostic> {
        let a = self.archive;
        let (path, template, ctx) = match job {
            Job::Home => {
                let recent: Vec<Item> = a
                    .postmortems
                    .iter()
                    .take(20)
                    .map(|p| Item::new(p, &a.config))
                    .collect();
                (
                    "index.html".to_string(),
                    "index.html",
                    context! { recent => ser(&recent), external_count => a.external.len(), taxonomies => ser(&a.taxonomies) },
                )
            }
            Job::Postmortem(i) => {
                let pm = &a.postmortems[i];
                let view = postmortem_view(pm, a, &self.by_id, &self.by_path, &self.highlighter);
                (
                    format!("postmortems/{}/index.html", pm.id),
                    "postmortem.html",
                    ser(&view),
                )
            }
            Job::TaxonomyIndex(t) => {
                let tax = &a.taxonomies[t];
                (
                    format!("{}/index.html", tax.key),
                    "taxonomy.html",
                    context! { taxonomy => ser(tax) },
                )
            }
            Job::Term(t, i) => {
                let tax = &a.taxonomies[t];
                let view = TermView::new(a, tax, &tax.terms[i]);
                (
                    format!("{}/{}/index.html", tax.key, tax.terms[i].slug),
                    "term.html",
                    ser(&view),
                )
            }
            Job::External => {
                let groups = ExternalGroups::new(&a.external);
                (
                    "external/index.html".to_string(),
                    "external.html",
                    ser(&groups),
                )
            }
            Job::NotFound => ("404.html".to_string(), "404.html", context! {}),
        };
        let depth = path.matches('/').count();
        let root = if job_is_404(job) {
            base_path(&a.config.base_url)
        } else if depth == 0 {
            "./".to_string()
        } else {
            "../".repeat(depth)
        };
        let nav: Vec<Value> = a
            .taxonomies
            .iter()
            .filter(|t| !t.terms.is_empty())
            .map(|t| context! { key => t.key, title => t.title })
            .collect();
        let full = context! {
            site => ser(&a.config),
            root,
            nav,
            total => a.postmortems.len(),
            ..ctx
        };
        let html = self.theme.render(template, full)?;
        Ok((path, html))
    }
}

/// Template values from serde types, converted once per page.
fn ser<T: serde::Serialize>(value: &T) -> Value {
    Value::from(Serde(value))
}

fn job_is_404(job: Job) -> bool {
    matches!(job, Job::NotFound)
}

/// The path part of `base_url`, ending in `/`: the 404 page is served at any depth, so its
/// links must be absolute.
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| {
        rest.find('/').map_or("/", |i| &rest[i..])
    });
    let path = if after_scheme.is_empty() {
        "/"
    } else {
        after_scheme
    };
    if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn base_path_of_urls() {
        assert_eq!(super::base_path("https://example.com"), "/");
        assert_eq!(super::base_path("https://example.com/pm"), "/pm/");
        assert_eq!(super::base_path("/"), "/");
    }
}
