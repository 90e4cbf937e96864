//! Other companies' postmortems: the index by company, one entry's page, a category.

use super::*;

/// How much of an external postmortem's summary the index shows: every entry is on that one
/// page, and the full text is a click away.
const EXTERNAL_SUMMARY_CHARS: usize = 240;

/// An external postmortem in a list: its own page, the source, and the summary (Markdown,
/// cut as a list's summaries are).
#[derive(Serialize)]
pub struct ExternalItem<'a> {
    #[serde(flatten)]
    external: &'a External,
    page: String,
    date: Option<&'a str>,
    categories: Vec<NamedLink<'a>>,
    summary_html: String,
}

/// A name and the page it links to.
#[derive(Serialize)]
struct NamedLink<'a> {
    name: &'a str,
    url: String,
}

impl<'a> ExternalItem<'a> {
    pub(super) fn new(archive: &'a Archive, index: usize) -> Self {
        let e = &archive.external[index];
        let text = e.summary.as_deref().unwrap_or(e.body.trim());
        let categories = e
            .categories
            .iter()
            .map(|c| {
                let slug = crate::text::slugify(c);
                let name = archive.external_categories.iter().find(|g| g.slug == slug).map_or(c.as_str(), |g| &g.name);
                NamedLink { name, url: routes::external_category(&slug) }
            })
            .collect();
        ExternalItem {
            external: e,
            page: routes::external_entry(&e.slug),
            date: e.start_time.as_deref().map(|t| t.get(..10).unwrap_or(t)),
            categories,
            summary_html: if text.is_empty() {
                String::new()
            } else {
                html::summary(&cut(text, EXTERNAL_SUMMARY_CHARS))
            },
        }
    }
}

/// `/external/`: one list, by company A to Z, with a jump index of companies and categories.
#[derive(Serialize)]
pub struct ExternalIndex<'a> {
    count: usize,
    companies: Vec<(&'a ExternalGroup, Vec<ExternalItem<'a>>)>,
    categories: Vec<NamedLink<'a>>,
}

impl<'a> ExternalIndex<'a> {
    pub fn new(archive: &'a Archive) -> Self {
        let companies = archive
            .external_companies
            .iter()
            .map(|g| (g, g.members.iter().map(|&i| ExternalItem::new(archive, i)).collect()))
            .collect();
        let categories = archive
            .external_categories
            .iter()
            .map(|g| NamedLink { name: &g.name, url: routes::external_category(&g.slug) })
            .collect();
        ExternalIndex { count: archive.external.len(), companies, categories }
    }
}

/// One external postmortem on its own page, its text in full.
#[derive(Serialize)]
pub struct ExternalPage<'a> {
    item: ExternalItem<'a>,
    /// Summary and body: icco files keep the summary in the body, so both are shown and
    /// neither is lost.
    text_html: String,
}

impl<'a> ExternalPage<'a> {
    pub fn new(archive: &'a Archive, index: usize) -> Self {
        let e = &archive.external[index];
        let text = [e.summary.as_deref().unwrap_or(""), e.body.trim()];
        let text_html = text.iter().filter(|t| !t.is_empty()).map(|t| html::summary(t)).collect();
        ExternalPage { item: ExternalItem::new(archive, index), text_html }
    }
}

/// One page of an external category.
#[derive(Serialize)]
pub struct ExternalCategoryView<'a> {
    category: &'a ExternalGroup,
    items: Vec<ExternalItem<'a>>,
    pager: Pager,
}

impl<'a> ExternalCategoryView<'a> {
    pub fn new(archive: &'a Archive, page: Page, index: usize) -> Self {
        let category = &archive.external_categories[index];
        let pager = Pager::new(archive, page, category.members.len());
        let items = category.members[pager.range.clone()].iter().map(|&i| ExternalItem::new(archive, i)).collect();
        ExternalCategoryView { category, items, pager }
    }
}
