//! Where everything lives on the site: every page kind with its output path, and every URL
//! (relative to the site root, ending in `/` for pages). Templates call these (through the
//! theme's `*_url` functions), as do the JSON export, the feed, the sitemap, the search index
//! (its manifest hands `search.js` the postmortem URL pattern) and `serve`'s path lookup, so
//! a page moves by changing one function here.

use std::path::Path;

use crate::model::{Archive, GroupKind, TaxonomyKind};
use crate::text::{encode_path, slugify};

/// One output file of the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Home,
    /// One page of `/postmortems/`, every postmortem newest first (where people trim a
    /// postmortem's URL to): the page (0 is the first).
    Postmortems(usize),
    /// Index into `Archive::postmortems`.
    Postmortem(usize),
    PostmortemJson(usize),
    TaxonomyIndex(TaxonomyKind),
    /// One page of a term's listing: index into that taxonomy's `terms`, then the page
    /// (0 is the first).
    Term(TaxonomyKind, usize, usize),
    /// One page of a recurring factor's postmortems: index into `Archive::recurring`, then
    /// the page.
    Recurring(usize, usize),
    External,
    /// One external postmortem's own page: index into `Archive::external`.
    ExternalEntry(usize),
    /// One page of an external category's listing: index into `Archive::external_categories`.
    ExternalCategory(usize, usize),
    NotFound,
    Feed,
    /// `sitemap.xml`, and when the site has more pages than one sitemap may list, the
    /// sitemaps it indexes (`sitemap-1.xml`, ...): 0 is `sitemap.xml`.
    Sitemap(usize),
    /// One file of the JSON export: 0 is `postmortems.json`, 1 `postmortems-2.json`, ...
    Export(usize),
    /// One page of `/action-items/` (the open items), or of one view of them (an index
    /// into `Archive::action_groups`): the view, then the page (0 is the first).
    ActionItems(Option<usize>, usize),
    Insights,
    Search,
    /// `/reading/`: the site's reading lists, when it has any.
    ReadingLists,
    /// One reading list: index into `Config::reading_lists`.
    ReadingList(usize),
    /// One file of an open export (`postmortems.csv`, `action-items.csv`, `void.json`), then
    /// the part (0 is the first, `postmortems-2.csv` the second).
    Table(Table, usize),
}

/// The open exports: tables for spreadsheets and other tools, each split into numbered
/// files past `rows` entries so no file of a large archive is too large to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Postmortems,
    ActionItems,
    /// The incidents in the VOID's terms, for public builds only.
    Void,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Postmortems, Table::ActionItems, Table::Void];

    /// File name before the part number, and extension.
    fn name(self) -> (&'static str, &'static str) {
        match self {
            Table::Postmortems => ("postmortems", "csv"),
            Table::ActionItems => ("action-items", "csv"),
            Table::Void => ("void", "json"),
        }
    }

    /// Entries per file.
    pub fn rows(self) -> usize {
        match self {
            Table::Postmortems | Table::ActionItems => 10_000,
            Table::Void => 5_000,
        }
    }

    /// How many entries the whole table has.
    pub fn entries(self, a: &Archive) -> usize {
        match self {
            Table::Postmortems | Table::Void => a.postmortems.len(),
            Table::ActionItems => a.action_items.len(),
        }
    }

    fn exists(self, a: &Archive) -> bool {
        self != Table::Void || a.public
    }
}

/// Pages whose URL does not depend on the archive: the page, the name templates ask
/// `page_url` for, and its URL.
const FIXED: [(Page, &str, &str); 10] = [
    (Page::Home, "home", ""),
    (Page::Postmortems(0), "postmortems", POSTMORTEMS),
    (Page::External, "external", "external/"),
    (Page::ActionItems(None, 0), "action-items", ACTION_ITEMS),
    (Page::Insights, "insights", "insights/"),
    (Page::Search, "search", "search/"),
    (Page::NotFound, "not-found", "404.html"),
    (Page::Feed, "feed", "feed.xml"),
    (Page::Sitemap(0), "sitemap", "sitemap.xml"),
    (Page::Export(0), "export", "postmortems.json"),
];

/// Postmortems per file of the JSON export, and URLs per sitemap: a large archive gets
/// several files, each well under what a static host, a crawler (50,000 URLs) or a
/// script reading it whole handles well.
pub const EXPORT_CHUNK: usize = 500;
pub const SITEMAP_URLS: usize = 20_000;

const ACTION_ITEMS: &str = "action-items/";
const POSTMORTEMS: &str = "postmortems/";

/// Where the static search index's files go.
pub const SEARCH_INDEX: &str = "search/index/";
/// Where the theme's static files go.
pub const STATIC: &str = "static/";
/// The postmortem URL with `{id}` in place of the id, for `search.js`.
pub const POSTMORTEM_PATTERN: &str = "postmortems/{id}/";

/// Where the files postmortems link to go: `content/postmortems/img/a b.png` is
/// `files/postmortems/img/a%20b.png` (the output path without the encoding).
pub const FILES: &str = "files/";

/// The URL of a file of the archive (`Archive::published_assets`) in the site, and
/// `asset_path` its output path.
pub fn asset(source: &Path) -> String {
    format!("{FILES}{}", crate::text::encode_path(&asset_rel(source)))
}

pub fn asset_path(source: &Path) -> String {
    format!("{FILES}{}", asset_rel(source))
}

fn asset_rel(source: &Path) -> String {
    let rel = source.strip_prefix("content").unwrap_or(source);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The URL of a fixed page by name, for templates: `home`, `insights`, `action-items`, ...
pub fn named(name: &str) -> Option<&'static str> {
    FIXED.iter().find(|(_, n, _)| *n == name).map(|(_, _, url)| *url)
}

pub fn postmortem(id: &str) -> String {
    POSTMORTEM_PATTERN.replace("{id}", id)
}

pub fn taxonomy(kind: TaxonomyKind) -> String {
    format!("{}/", kind.key())
}

/// A term's page: `Config Change` in tags is `tags/config-change/`.
pub fn term(kind: TaxonomyKind, name: &str) -> String {
    format!("{}/{}/", kind.key(), slugify(name))
}

/// The page of a factor several postmortems name: beside the factor kinds' pages, under a
/// name `config` keeps kinds from taking.
pub fn recurring(slug: &str) -> String {
    format!("{}/{}/{slug}/", TaxonomyKind::Factors.key(), crate::config::RECURRING)
}

/// Where the reading lists are: `reading/`, and `reading/<slug>/` for one.
pub const READING: &str = "reading/";

pub fn external_entry(slug: &str) -> String {
    format!("external/{slug}/")
}

pub fn external_category(slug: &str) -> String {
    format!("external/category/{slug}/")
}

pub fn action_group(kind: GroupKind, slug: &str) -> String {
    format!("action-items/{}/{slug}/", kind.key())
}

/// Page `part` (0 is the first) of the listing at `url`: `tags/dns/page/2/` for the second.
pub fn part(url: &str, part: usize) -> String {
    if part == 0 { url.to_string() } else { format!("{url}page/{}/", part + 1) }
}

/// How many sitemap files `urls` pages take: one, or an index and the sitemaps it lists.
fn sitemaps(urls: usize) -> usize {
    if urls <= SITEMAP_URLS { 1 } else { 1 + urls.div_ceil(SITEMAP_URLS) }
}

/// How many pages a listing of `count` entries takes; an empty listing still has its page.
pub fn parts(count: usize, per_page: usize) -> usize {
    count.div_ceil(per_page).max(1)
}

/// The file that serves a URL: pages are `index.html` in their folder.
pub fn file(url: &str) -> String {
    if url.is_empty() || url.ends_with('/') { format!("{url}index.html") } else { url.to_string() }
}

/// "Edit this page" on the Git host: the file's path in the repository (the archive may
/// sit in a folder of a larger one), every segment percent-encoded.
pub fn edit_url(repository_url: &str, branch: &str, prefix: &Path, source: &Path) -> String {
    let path = prefix.join(source).to_string_lossy().replace('\\', "/");
    format!("{}/edit/{}/{}", repository_url.trim_end_matches('/'), encode_path(branch), encode_path(&path))
}

impl Page {
    /// Every page of the archive.
    pub fn all(a: &Archive) -> Vec<Page> {
        let mut pages: Vec<Page> = FIXED.iter().map(|(p, _, _)| *p).collect();
        let mut listing = |first: Page, from: usize| pages.extend((from..first.parts(a)).map(|p| first.part(p)));
        // The first pages of `/action-items/` and `/postmortems/` are fixed pages.
        listing(Page::ActionItems(None, 0), 1);
        listing(Page::Postmortems(0), 1);
        (0..a.action_groups.len()).for_each(|g| listing(Page::ActionItems(Some(g), 0), 0));
        listing(Page::Export(0), 1);
        for table in Table::ALL.into_iter().filter(|t| t.exists(a)) {
            listing(Page::Table(table, 0), 0);
        }
        for kind in TaxonomyKind::ALL {
            (0..a.taxonomy(kind).terms.len()).for_each(|i| listing(Page::Term(kind, i, 0), 0));
        }
        (0..a.recurring.len()).for_each(|i| listing(Page::Recurring(i, 0), 0));
        (0..a.external_categories.len()).for_each(|i| listing(Page::ExternalCategory(i, 0), 0));
        pages.extend((0..a.external.len()).map(Page::ExternalEntry));
        pages.extend((0..a.postmortems.len()).flat_map(|i| [Page::Postmortem(i), Page::PostmortemJson(i)]));
        pages.extend(TaxonomyKind::ALL.map(Page::TaxonomyIndex));
        if !a.config.reading_lists.is_empty() {
            pages.push(Page::ReadingLists);
            pages.extend((0..a.config.reading_lists.len()).map(Page::ReadingList));
        }
        let sitemaps = sitemaps(pages.iter().filter(|p| p.in_sitemap()).count());
        pages.extend((1..sitemaps).map(Page::Sitemap));
        pages
    }

    /// How many pages the listing this page is one of has (1 for a page that is no listing).
    pub fn parts(self, a: &Archive) -> usize {
        let per_page = a.config.per_page.get();
        match self {
            Page::Term(kind, i, _) => parts(a.taxonomy(kind).terms[i].count, per_page),
            Page::Recurring(i, _) => parts(a.recurring[i].count, per_page),
            Page::ActionItems(None, _) => parts(a.open_action_items(), per_page),
            Page::Postmortems(_) => parts(a.postmortems.len(), per_page),
            Page::ActionItems(Some(g), _) => parts(a.action_groups[g].listed().len(), per_page),
            Page::ExternalCategory(i, _) => parts(a.external_categories[i].count, per_page),
            Page::Export(_) => parts(a.postmortems.len(), EXPORT_CHUNK),
            Page::Table(table, _) => parts(table.entries(a), table.rows()),
            Page::Sitemap(_) => sitemaps(Page::all(a).iter().filter(|p| p.in_sitemap()).count()),
            _ => 1,
        }
    }

    /// Whether the page is one a search engine should know: an HTML page of its own.
    pub fn in_sitemap(self) -> bool {
        !matches!(
            self,
            Page::NotFound
                | Page::Feed
                | Page::Sitemap(_)
                | Page::Export(_)
                | Page::PostmortemJson(_)
                | Page::Table(..)
        )
    }

    /// Which page of its listing this is (0 for the first, and for a page that is no listing).
    pub fn part_number(self) -> usize {
        match self {
            Page::Term(_, _, p)
            | Page::Postmortems(p)
            | Page::Recurring(_, p)
            | Page::ActionItems(_, p)
            | Page::ExternalCategory(_, p)
            | Page::Export(p)
            | Page::Table(_, p)
            | Page::Sitemap(p) => p,
            _ => 0,
        }
    }

    /// Page `p` of the listing this page is one of.
    pub fn part(self, p: usize) -> Page {
        match self {
            Page::Term(kind, i, _) => Page::Term(kind, i, p),
            Page::Recurring(i, _) => Page::Recurring(i, p),
            Page::ActionItems(group, _) => Page::ActionItems(group, p),
            Page::Postmortems(_) => Page::Postmortems(p),
            Page::ExternalCategory(i, _) => Page::ExternalCategory(i, p),
            Page::Export(_) => Page::Export(p),
            Page::Table(table, _) => Page::Table(table, p),
            Page::Sitemap(_) => Page::Sitemap(p),
            other => other,
        }
    }

    /// The page's URL, relative to the site root.
    pub fn url(self, a: &Archive) -> String {
        match self {
            Page::Postmortem(i) => postmortem(&a.postmortems[i].id),
            Page::PostmortemJson(i) => format!("{}index.json", postmortem(&a.postmortems[i].id)),
            Page::TaxonomyIndex(kind) => taxonomy(kind),
            Page::Term(kind, i, p) => part(&format!("{}/{}/", kind.key(), a.taxonomy(kind).terms[i].slug), p),
            Page::Recurring(i, p) => part(&recurring(&a.recurring[i].slug), p),
            Page::ActionItems(Some(g), p) => part(&action_group(a.action_groups[g].kind, &a.action_groups[g].slug), p),
            Page::ActionItems(None, p) if p > 0 => part(ACTION_ITEMS, p),
            Page::Postmortems(p) if p > 0 => part(POSTMORTEMS, p),
            Page::ExternalEntry(i) => external_entry(&a.external[i].slug),
            Page::ExternalCategory(i, p) => part(&external_category(&a.external_categories[i].slug), p),
            Page::Export(p) if p > 0 => format!("postmortems-{}.json", p + 1),
            Page::Sitemap(p) if p > 0 => format!("sitemap-{p}.xml"),
            Page::ReadingLists => READING.to_string(),
            Page::ReadingList(i) => format!("{READING}{}/", a.config.reading_lists[i].slug()),
            Page::Table(table, p) => {
                let (stem, ext) = table.name();
                if p == 0 { format!("{stem}.{ext}") } else { format!("{stem}-{}.{ext}", p + 1) }
            }
            fixed => FIXED.iter().find(|(p, _, _)| *p == fixed).map(|(_, _, url)| url.to_string()).unwrap_or_default(),
        }
    }

    /// What kind of page this is, for `build --timings`.
    pub fn kind(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Postmortems(_) => "postmortem listing",
            Page::Postmortem(_) => "postmortem",
            Page::PostmortemJson(_) => "postmortem JSON",
            Page::TaxonomyIndex(_) => "taxonomy index",
            Page::Term(..) => "term listing",
            Page::Recurring(..) => "recurring factor",
            Page::External => "external index",
            Page::ExternalEntry(_) => "external entry",
            Page::ExternalCategory(..) => "external category",
            Page::NotFound => "404",
            Page::Feed => "feed",
            Page::Sitemap(_) => "sitemap",
            Page::Export(_) => "JSON export",
            Page::ActionItems(..) => "action items",
            Page::Insights => "insights",
            Page::Search => "search page",
            Page::ReadingLists | Page::ReadingList(_) => "reading list",
            Page::Table(Table::Void, _) => "VOID export",
            Page::Table(..) => "CSV export",
        }
    }

    /// Output path (relative, with `/`).
    pub fn path(self, a: &Archive) -> String {
        file(&self.url(a))
    }

    /// The page at an output path, the inverse of `path`.
    pub fn at(a: &Archive, path: &str) -> Option<Page> {
        if let Some((page, _, _)) = FIXED.iter().find(|(_, _, url)| file(url) == path) {
            return Some(*page);
        }
        if let Some(id) = path.strip_prefix("postmortems/").and_then(|p| p.strip_suffix("/index.json")) {
            return a.by_id.get(id).map(|&i| Page::PostmortemJson(i));
        }
        // `postmortems-2.json`, `sitemap-1.xml`: numbered as written, never `-02`.
        let numbered = |prefix: &str, suffix: &str, first: usize| {
            let n = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
            n.parse::<usize>().ok().filter(|&k| k >= first && k.to_string() == n)
        };
        for table in Table::ALL.into_iter().filter(|t| t.exists(a)) {
            let (stem, ext) = table.name();
            let part = if path == format!("{stem}.{ext}") {
                Some(0)
            } else {
                numbered(&format!("{stem}-"), &format!(".{ext}"), 2).map(|n| n - 1)
            };
            if let Some(p) = part.filter(|&p| p < Page::Table(table, 0).parts(a)) {
                return Some(Page::Table(table, p));
            }
        }
        let file = numbered("postmortems-", ".json", 2)
            .map(|n| Page::Export(n - 1))
            .or_else(|| numbered("sitemap-", ".xml", 1).map(Page::Sitemap));
        if let Some(page) = file {
            return (page.part_number() < page.parts(a)).then_some(page);
        }
        let dir = path.strip_suffix("/index.html")?;
        let mut segments: Vec<&str> = dir.split('/').collect();
        // `…/page/N/` is page N of the listing at `…/`; the first page has no such URL.
        let mut p = 0;
        if let [.., "page", n] = segments.as_slice() {
            p = n.parse::<usize>().ok().filter(|&k| k >= 2 && k.to_string() == *n)? - 1;
            segments.truncate(segments.len() - 2);
        }
        let page = match segments.as_slice() {
            ["action-items"] => Page::ActionItems(None, p),
            ["postmortems"] => Page::Postmortems(p),
            ["action-items", kind, slug] => {
                let kind = GroupKind::from_key(kind)?;
                Page::ActionItems(Some(a.action_groups.iter().position(|g| g.kind == kind && g.slug == *slug)?), p)
            }
            ["postmortems", id] if p == 0 => Page::Postmortem(*a.by_id.get(*id)?),
            ["external", "category", slug] => {
                Page::ExternalCategory(a.external_categories.iter().position(|c| c.slug == *slug)?, p)
            }
            ["factors", crate::config::RECURRING, slug] => Page::Recurring(*a.recurring_by_slug.get(*slug)?, p),
            ["reading"] if p == 0 && !a.config.reading_lists.is_empty() => Page::ReadingLists,
            ["reading", slug] if p == 0 => {
                Page::ReadingList(a.config.reading_lists.iter().position(|l| l.slug() == *slug)?)
            }
            ["external", slug] if p == 0 => Page::ExternalEntry(a.external.iter().position(|e| e.slug == *slug)?),
            [key] if p == 0 => Page::TaxonomyIndex(TaxonomyKind::from_key(key)?),
            [key, slug] => {
                let kind = TaxonomyKind::from_key(key)?;
                Page::Term(kind, a.taxonomy(kind).terms.iter().position(|term| term.slug == *slug)?, p)
            }
            _ => return None,
        };
        // Only pages the listing has: `page/9/` of a three-page listing is not one.
        (p < page.parts(a)).then_some(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_links_name_the_file_in_the_repository() {
        let url = edit_url(
            "https://git.example/acme/ops/",
            "main",
            Path::new("docs/postmortems"),
            Path::new("content/postmortems/2024 db #1.md"),
        );
        assert_eq!(
            url,
            "https://git.example/acme/ops/edit/main/docs/postmortems/content/postmortems/2024%20db%20%231.md"
        );
        assert_eq!(file("x/"), "x/index.html");
        assert_eq!(file(""), "index.html");
        assert_eq!(file("feed.xml"), "feed.xml");
        assert_eq!(term(TaxonomyKind::Tags, "Config Change"), "tags/config-change/");
    }
}
