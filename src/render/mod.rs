//! Stage 4: every page of the archive, rendered through the theme's templates. Pages are
//! independent jobs so `write` can render and store them in parallel without holding the
//! whole site in memory.

mod charts;
mod data;
mod highlight;
mod markdown;
mod theme;
mod views;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

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
    Feed,
    Sitemap,
    Export,
    PostmortemJson(usize),
    /// `/action-items/`, or one view of it (an index into `Archive::action_groups`).
    ActionItems(Option<usize>),
    Insights,
    Search,
}

/// Renders pages of one archive. Theme and highlighter are shared so `serve` can make a
/// renderer for each new state of the archive without reloading them.
pub struct Renderer {
    archive: Arc<Archive>,
    theme: Arc<Theme>,
    highlighter: Arc<Highlighter>,
    by_id: HashMap<String, usize>,
    /// Source file -> id of every published postmortem, to turn file links into page links.
    by_path: HashMap<PathBuf, String>,
    /// The static search index, made on first use.
    search_files: std::sync::OnceLock<std::collections::BTreeMap<String, String>>,
}

impl Renderer {
    pub fn new(archive: Arc<Archive>, theme: Arc<Theme>, highlighter: Arc<Highlighter>) -> Self {
        let by_id = archive.postmortems.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
        let by_path = archive.postmortems.iter().map(|p| (p.source.clone(), p.id.clone())).collect();
        Renderer { archive, theme, highlighter, by_id, by_path, search_files: Default::default() }
    }

    /// The files of the static search index, by output path.
    pub fn search_files(&self) -> &std::collections::BTreeMap<String, String> {
        self.search_files.get_or_init(|| crate::search::static_index::files(&self.archive))
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Output path of a page (relative, with `/`).
    pub fn path(&self, job: Job) -> String {
        let a = &self.archive;
        match job {
            Job::Home => "index.html".into(),
            Job::Postmortem(i) => format!("postmortems/{}/index.html", a.postmortems[i].id),
            Job::TaxonomyIndex(t) => format!("{}/index.html", a.taxonomies[t].key),
            Job::Term(t, i) => format!("{}/{}/index.html", a.taxonomies[t].key, a.taxonomies[t].terms[i].slug),
            Job::External => "external/index.html".into(),
            Job::NotFound => "404.html".into(),
            Job::Feed => "feed.xml".into(),
            Job::Sitemap => "sitemap.xml".into(),
            Job::Export => "postmortems.json".into(),
            Job::PostmortemJson(i) => format!("postmortems/{}/index.json", a.postmortems[i].id),
            Job::ActionItems(None) => "action-items/index.html".into(),
            Job::Insights => "insights/index.html".into(),
            Job::Search => "search/index.html".into(),
            Job::ActionItems(Some(g)) => {
                format!("action-items/{}/{}/index.html", a.action_groups[g].kind, a.action_groups[g].slug)
            }
        }
    }

    /// The page at an output path, the inverse of `path`.
    pub fn job_for(&self, path: &str) -> Option<Job> {
        let a = &self.archive;
        match path {
            "404.html" => return Some(Job::NotFound),
            "feed.xml" => return Some(Job::Feed),
            "sitemap.xml" => return Some(Job::Sitemap),
            "postmortems.json" => return Some(Job::Export),
            _ => {}
        }
        if let Some(id) = path.strip_prefix("postmortems/").and_then(|p| p.strip_suffix("/index.json")) {
            return self.by_id.get(id).map(|&i| Job::PostmortemJson(i));
        }
        let dir = path.strip_suffix("index.html")?.trim_end_matches('/');
        let job = match dir.split('/').collect::<Vec<_>>().as_slice() {
            [""] => Job::Home,
            ["external"] => Job::External,
            ["action-items"] => Job::ActionItems(None),
            ["insights"] => Job::Insights,
            ["search"] => Job::Search,
            ["action-items", kind, slug] => {
                Job::ActionItems(Some(a.action_groups.iter().position(|g| g.kind == *kind && g.slug == *slug)?))
            }
            ["postmortems", id] => Job::Postmortem(*self.by_id.get(*id)?),
            [key] => Job::TaxonomyIndex(a.taxonomies.iter().position(|t| t.key == *key)?),
            [key, slug] => {
                let t = a.taxonomies.iter().position(|t| t.key == *key)?;
                Job::Term(t, a.taxonomies[t].terms.iter().position(|term| term.slug == *slug)?)
            }
            _ => return None,
        };
        Some(job)
    }

    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![
            Job::Home,
            Job::External,
            Job::NotFound,
            Job::Feed,
            Job::Sitemap,
            Job::Export,
            Job::ActionItems(None),
            Job::Insights,
            Job::Search,
        ];
        jobs.extend((0..self.archive.action_groups.len()).map(|g| Job::ActionItems(Some(g))));
        jobs.extend((0..self.archive.postmortems.len()).flat_map(|i| [Job::Postmortem(i), Job::PostmortemJson(i)]));
        for (t, tax) in self.archive.taxonomies.iter().enumerate() {
            jobs.push(Job::TaxonomyIndex(t));
            jobs.extend((0..tax.terms.len()).map(|i| Job::Term(t, i)));
        }
        jobs
    }

    /// Static files of the theme plus the generated highlighting stylesheet, by output path.
    pub fn static_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> =
            self.theme.statics.iter().map(|(n, b)| (format!("static/{n}"), b.clone())).collect();
        if !self.theme.statics.contains_key("highlight.css") {
            files.push(("static/highlight.css".into(), Highlighter::css().into_bytes()));
        }
        files
    }

    /// Output path (relative, with `/`) and HTML of one page.
    pub fn render(&self, job: Job) -> Result<(String, String), Diagnostic> {
        let a = &*self.archive;
        let path = self.path(job);
        let (template, ctx) = match job {
            Job::Feed => return Ok((path, data::feed(a))),
            Job::Export => return Ok((path, data::export(a))),
            Job::PostmortemJson(i) => return Ok((path, data::export_one(a, &a.postmortems[i]))),
            Job::Sitemap => {
                let pages = self.jobs().into_iter().map(|j| self.path(j)).filter(|p| p.ends_with("index.html"));
                return Ok((path, data::sitemap(a, pages)));
            }
            Job::Home => {
                let recent: Vec<Item> = a.postmortems.iter().take(20).map(|p| Item::new(p, &a.config)).collect();
                (
                    "index.html",
                    context! { recent => ser(&recent), external_count => a.external.len(), taxonomies => ser(&a.taxonomies) },
                )
            }
            Job::Postmortem(i) => {
                let view = postmortem_view(i, a, &self.by_id, &self.by_path, &self.highlighter);
                ("postmortem.html", ser(&view))
            }
            Job::TaxonomyIndex(t) => {
                let tax = &a.taxonomies[t];
                ("taxonomy.html", context! { taxonomy => ser(tax) })
            }
            Job::Term(t, i) => {
                let tax = &a.taxonomies[t];
                let view = TermView::new(a, tax, &tax.terms[i]);
                ("term.html", ser(&view))
            }
            Job::External => {
                let groups = ExternalGroups::new(&a.external);
                ("external.html", ser(&groups))
            }
            Job::NotFound => ("404.html", context! {}),
            Job::ActionItems(group) => ("action-items.html", ser(&views::ActionItemsView::new(a, group))),
            Job::Insights => ("insights.html", ser(&views::InsightsView::new(a))),
            Job::Search => ("search.html", context! {}),
        };
        let depth = path.matches('/').count();
        let root = if matches!(job, Job::NotFound) {
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

/// The path part of `base_url`, ending in `/`: the 404 page is served at any depth, so its
/// links must be absolute.
fn base_path(base_url: &str) -> String {
    let after_scheme =
        base_url.split_once("://").map_or(base_url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    let path = if after_scheme.is_empty() { "/" } else { after_scheme };
    if path.ends_with('/') { path.to_string() } else { format!("{path}/") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_for_inverts_path() {
        let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let sources = crate::sources::Sources::read(site, false, Default::default()).unwrap().unwrap();
        let archive = sources
            .assemble(&crate::sources::LoadOptions { drafts: true, lint: false, today: jiff::civil::date(2025, 1, 1) })
            .archive
            .unwrap();
        let theme = Theme::load(site).unwrap();
        let r = Renderer::new(Arc::new(archive), Arc::new(theme), Default::default());
        for job in r.jobs() {
            let path = r.path(job);
            assert_eq!(r.job_for(&path).map(|j| r.path(j)), Some(path));
        }
        assert!(r.job_for("postmortems/nope/index.html").is_none());
        assert!(r.job_for("static/style.css").is_none());
    }

    #[test]
    fn base_path_of_urls() {
        assert_eq!(super::base_path("https://example.com"), "/");
        assert_eq!(super::base_path("https://example.com/pm"), "/pm/");
        assert_eq!(super::base_path("/"), "/");
    }
}
