//! Stage 3, output: every file of the site. Pages (`routes::Page`) render independently
//! through the theme's templates from display-ready views (`pages`), so `build` renders and
//! stores them in parallel without holding the whole site in memory; feeds and JSON
//! (`feeds`), the static search index (`search_index`) and the staged, all-or-nothing
//! write (`staging`) sit beside them. `site` is the stage as one step: it decides from the
//! build cache (`cache`) which pages to make, makes them and swaps the folder in. A new
//! output format is a module here.

mod cache;
mod charts;
pub mod diff;
pub mod digest;
mod exports;
mod feeds;
mod highlight;
pub mod html;
mod keys;
mod pages;
pub mod search_index;
pub mod site;
mod staging;
mod theme;

use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::Serde;
use minijinja::{Value, context};

use crate::diagnostics::Diagnostic;
use crate::model::similar;
use crate::model::{Archive, TaxonomyKind};
use crate::routes::{self, Page};
pub use highlight::{Highlighter, escape};
pub use keys::Key;
use pages::{TermView, postmortem_view};
pub use theme::Theme;

/// Renders pages of one archive. Theme and highlighter are shared so `serve` can make a
/// renderer for each new state of the archive without reloading them.
pub struct Renderer {
    archive: Arc<Archive>,
    theme: Arc<Theme>,
    highlighter: Arc<Highlighter>,
    /// What pages' keys are made of (`keys`), on first use.
    parts: std::sync::OnceLock<keys::Parts>,
    /// The static search index, made on first use.
    search_files: std::sync::OnceLock<std::collections::BTreeMap<String, String>>,
    /// Where its analysed runs are kept between builds, if anywhere.
    search_cache: Option<search_index::RunCache>,
    /// What every page's context shares (`site`, `nav`), converted to template
    /// values once per archive rather than once per page.
    shared: Value,
}

impl Renderer {
    pub fn new(archive: Arc<Archive>, theme: Arc<Theme>, highlighter: Arc<Highlighter>) -> Self {
        let nav: Vec<Value> = archive
            .taxonomies
            .iter()
            .filter(|t| !t.terms.is_empty())
            .map(|t| context! { key => t.kind.key(), title => t.title, url => routes::taxonomy(t.kind) })
            .chain(
                [("action-items", "Action items"), ("insights", "Insights"), ("external", "Public postmortems")]
                    .map(|(key, title)| context! { key, title, url => routes::named(key) }),
            )
            .chain(
                (!archive.config.reading_lists.is_empty())
                    .then(|| context! { key => "reading", title => "Reading lists", url => routes::READING }),
            )
            .collect();
        let shared = context! { site => ser(&archive.config), nav };
        let (search_files, parts) = Default::default();
        Renderer { archive, theme, highlighter, parts, search_files, search_cache: None, shared }
    }

    /// The files of the static search index, by output path, made once and kept (`serve`
    /// answers requests for them).
    pub fn search_files(&self) -> &std::collections::BTreeMap<String, String> {
        self.search_files.get_or_init(|| search_index::files(&self.archive, self.search_cache.as_ref()))
    }

    /// Makes the files of the static search index and hands each to `sink` as it is made:
    /// `build` writes them while pages are still being made rather than holding them all
    /// (180 MB at 100,000 postmortems).
    pub fn write_search_files(&self, sink: search_index::Sink) -> anyhow::Result<()> {
        search_index::write_files(&self.archive, self.search_cache.as_ref(), sink)
    }

    /// Keeps the search index's analysed runs in `dir` between builds (`build` does).
    pub fn cache_search_in(&mut self, dir: PathBuf) {
        self.search_cache = Some(search_index::RunCache { dir });
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Every page of the archive.
    pub fn pages(&self) -> Vec<Page> {
        Page::all(&self.archive)
    }

    /// Static files of the theme, by output path.
    pub fn static_files(&self) -> Vec<(String, Vec<u8>)> {
        self.theme.statics.iter().map(|(n, b)| (format!("{}{n}", routes::STATIC), b.clone())).collect()
    }

    /// Output path (relative, with `/`) and HTML of one page.
    pub fn render(&self, page: Page) -> Result<(String, String), Diagnostic> {
        self.render_traced(page).map(|(path, html, _)| (path, html))
    }

    /// Output path and HTML of one page, and the link destinations its Markdown asked
    /// about (for its key).
    pub fn render_traced(&self, page: Page) -> Result<(String, String, Vec<String>), Diagnostic> {
        let a = &*self.archive;
        let mut links = Vec::new();
        let path = page.path(a);
        let (template, ctx) = match page {
            Page::Feed => return Ok((path, feeds::feed(a), links)),
            Page::Export(part) => return Ok((path, feeds::export(a, part), links)),
            Page::Table(table, part) => return Ok((path, exports::table(a, table, part), links)),
            Page::PostmortemJson(i) => return Ok((path, feeds::export_one(a, &a.postmortems[i]), links)),
            Page::Sitemap(part) => {
                let listed: Vec<Page> = self.pages().into_iter().filter(|p| p.in_sitemap()).collect();
                return Ok((path, sitemap_file(a, &listed, part, routes::SITEMAP_URLS), links));
            }
            Page::Home => ("index.html", ser(&pages::HomeView::new(a))),
            Page::Postmortems(_) => ("postmortems.html", ser(&pages::PostmortemsView::new(a, page))),
            Page::Postmortem(i) => {
                // Found for the page alone and not kept: its key stands for them without them.
                let similar = similar::similar(a, a.words(), i);
                let mut view = postmortem_view(i, a, &self.highlighter, &similar);
                links = std::mem::take(&mut view.links);
                ("postmortem.html", ser(&view))
            }
            Page::TaxonomyIndex(kind) => {
                let severities = (kind == TaxonomyKind::Severities).then(|| pages::severity_rows(a));
                let factors = (kind == TaxonomyKind::Factors).then(|| pages::FactorsIndex::new(a));
                let taxonomy = ser(a.taxonomy(kind));
                ("taxonomy.html", context! { taxonomy, severities => ser(&severities), factors => ser(&factors) })
            }
            Page::Term(kind, i, _) => {
                let tax = a.taxonomy(kind);
                let view = TermView::new(a, page, tax, &tax.terms[i]);
                ("term.html", ser(&view))
            }
            Page::Recurring(i, _) => ("factor.html", ser(&pages::RecurringView::new(a, page, i))),
            Page::ReadingLists => ("reading-lists.html", ser(&pages::ReadingListsView::new(a))),
            Page::ReadingList(i) => ("reading-list.html", ser(&pages::ReadingListView::new(a, i))),
            Page::External => ("external.html", ser(&pages::ExternalIndex::new(a))),
            Page::ExternalEntry(i) => ("external-entry.html", ser(&pages::ExternalPage::new(a, i))),
            Page::ExternalCategory(i, _) => {
                ("external-category.html", ser(&pages::ExternalCategoryView::new(a, page, i)))
            }
            Page::NotFound => ("404.html", context! {}),
            Page::ActionItems(group, _) => ("action-items.html", ser(&pages::ActionItemsView::new(a, page, group))),
            Page::Insights => ("insights.html", ser(&pages::InsightsView::new(a))),
            Page::Search => ("search.html", context! {}),
        };
        let depth = path.matches('/').count();
        let root = if page == Page::NotFound {
            base_path(&a.config.base_url)
        } else if depth == 0 {
            "./".to_string()
        } else {
            "../".repeat(depth)
        };
        // The page's own path (`current`) lets the header mark where the reader is.
        let full = minijinja::value::merge_maps([context! { root, current => &path }, ctx, self.shared.clone()]);
        let html = self.theme.render(template, full)?;
        Ok((path, html, links))
    }
}

/// File `part` of the sitemap of `listed` pages, at most `limit` URLs a file: the one
/// sitemap, or when there are more, their index (part 0) and the sitemaps (1, 2, ...).
fn sitemap_file(a: &Archive, listed: &[Page], part: usize, limit: usize) -> String {
    match part {
        0 if listed.len() > limit => {
            feeds::sitemap_index(a, (1..=listed.len().div_ceil(limit)).map(|k| Page::Sitemap(k).url(a)))
        }
        0 => feeds::sitemap(a, listed.iter().map(|p| p.url(a))),
        k => feeds::sitemap(a, listed.chunks(limit).nth(k - 1).unwrap_or_default().iter().map(|p| p.url(a))),
    }
}

/// Template values from serde types, converted once per page.
fn ser<T: serde::Serialize>(value: &T) -> Value {
    Value::from(Serde(value))
}

/// The archive's address with one trailing slash, which every absolute link (feeds,
/// exports, the digest, `diff`) puts a site-relative URL after.
pub(crate) fn base_url(a: &Archive) -> String {
    format!("{}/", a.config.base_url.trim_end_matches('/'))
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

    #[test]
    fn many_pages_make_a_sitemap_index_and_sitemaps_that_list_each_page_once() {
        use crate::model::Archive;
        use crate::routes::Page;
        let today = jiff::civil::date(2024, 1, 1);
        let a = Archive::new(Default::default(), false, today);
        let listed: Vec<Page> = Page::all(&a).into_iter().filter(|p| p.in_sitemap()).collect();
        assert!(listed.len() > 6, "{listed:?}");
        let one = super::sitemap_file(&a, &listed, 0, listed.len());
        assert!(one.contains("<urlset") && one.matches("<loc>").count() == listed.len(), "{one}");

        let files = listed.len().div_ceil(3);
        let index = super::sitemap_file(&a, &listed, 0, 3);
        assert!(index.contains("<sitemapindex"), "{index}");
        let named: Vec<&str> = index.split("<loc>").skip(1).map(|l| &l[..l.find("</loc>").unwrap()]).collect();
        assert_eq!(named.len(), files);
        let mut urls = Vec::new();
        for (k, name) in named.iter().enumerate() {
            assert!(name.ends_with(&format!("/sitemap-{}.xml", k + 1)), "{name}");
            assert_eq!(Page::at(&a, &format!("sitemap-{}.xml", k + 1)), None, "one sitemap suffices here");
            let file = super::sitemap_file(&a, &listed, k + 1, 3);
            assert!(file.contains("<urlset") && file.matches("<loc>").count() <= 3, "{file}");
            urls.extend(file.split("<loc>").skip(1).map(|l| l[..l.find("</loc>").unwrap()].to_string()));
        }
        let expected: Vec<String> =
            listed.iter().map(|p| format!("{}/{}", a.config.base_url.trim_end_matches('/'), p.url(&a))).collect();
        assert_eq!(urls, expected, "every page once, in order");
    }

    #[test]
    fn base_path_of_urls() {
        assert_eq!(super::base_path("https://example.com"), "/");
        assert_eq!(super::base_path("https://example.com/pm"), "/pm/");
        assert_eq!(super::base_path("/"), "/");
    }
}
