//! What `serve` keeps between requests: the checked sources, the current archive with its
//! renderer, and the pages rendered so far (pages render on first request). A change swaps
//! in a new generation that keeps every rendered page the change cannot have touched.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::diagnostic::Diagnostic;
use crate::model::Archive;
use crate::render::{Highlighter, Renderer, Theme, escape};
use crate::report;
use crate::sources::{Git, LoadOptions, Sources};

/// A response body ready to send.
pub struct Page {
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

/// One state of the archive and the pages rendered from it.
pub struct Generation {
    renderer: Renderer,
    statics: Arc<HashMap<String, Arc<Page>>>,
    pages: Mutex<HashMap<String, Arc<Page>>>,
}

impl Generation {
    /// The page at `path` (relative, e.g. `postmortems/x/index.html`), rendered on first use;
    /// `None` when there is no such page.
    pub fn page(&self, path: &str) -> Option<Result<Arc<Page>, Diagnostic>> {
        if let Some(page) = self.statics.get(path) {
            return Some(Ok(page.clone()));
        }
        if let Some(page) = lock(&self.pages).get(path) {
            return Some(Ok(page.clone()));
        }
        if path.starts_with("search/index/") {
            let text = self.renderer.search_files().get(path)?;
            return Some(Ok(Arc::new(Page { body: text.clone().into_bytes(), content_type: content_type(path) })));
        }
        let job = self.renderer.job_for(path)?;
        Some(self.renderer.render(job).map(|(path, html)| {
            let page = Arc::new(Page { content_type: content_type(&path), body: html.into_bytes() });
            lock(&self.pages).insert(path, page.clone());
            page
        }))
    }

    pub fn not_found(&self) -> Option<Arc<Page>> {
        self.page("404.html").and_then(Result::ok)
    }

    pub fn archive(&self) -> &Archive {
        self.renderer.archive()
    }
}

pub const HTML: &str = "text/html; charset=utf-8";

/// Content type by file extension, for theme static files.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => HTML,
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a change did.
pub enum Outcome {
    /// Nothing served changed (a file outside the content, say).
    Unchanged,
    /// New pages: browsers should reload.
    Reload,
    /// The change broke the build: the overlay to show; the last good pages stay.
    Overlay(String),
}

struct Inputs {
    sources: Sources,
    theme: Arc<Theme>,
}

pub struct State {
    root: PathBuf,
    /// The root as the user gave it, for paths in messages.
    shown_root: PathBuf,
    drafts: bool,
    public: bool,
    base_url: String,
    highlighter: Arc<Highlighter>,
    inputs: Mutex<Inputs>,
    current: RwLock<Arc<Generation>>,
    overlay: RwLock<Option<String>>,
}

impl State {
    /// Loads the archive. Errors in the content do not stop the server: it starts with what
    /// is valid and shows the errors until they are fixed.
    pub fn new(root: &Path, shown_root: &Path, drafts: bool, public: bool, base_url: String) -> anyhow::Result<State> {
        let sources = read_sources(root, public, &base_url)?;
        let theme = Arc::new(Theme::load(root).map_err(|e| anyhow::anyhow!("{}", e[0]))?);
        let highlighter = Arc::new(Highlighter::default());
        let assembled = sources.assemble(&LoadOptions { drafts, lint: false, today: today() });
        let mut diagnostics = assembled.diagnostics;
        let archive = assembled
            .archive
            .unwrap_or_else(|| Archive::new(sources.config.clone(), Vec::new(), Vec::new(), drafts, today()));
        let renderer = Renderer::new(Arc::new(archive), theme.clone(), highlighter.clone());
        let generation = Generation { statics: Arc::new(statics(&renderer)), renderer, pages: Mutex::default() };
        let overlay = print(shown_root, &mut diagnostics);
        Ok(State {
            root: root.to_path_buf(),
            shown_root: shown_root.to_path_buf(),
            drafts,
            public,
            base_url,
            highlighter,
            inputs: Mutex::new(Inputs { sources, theme }),
            current: RwLock::new(Arc::new(generation)),
            overlay: RwLock::new(overlay),
        })
    }

    pub fn current(&self) -> Arc<Generation> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn overlay(&self) -> Option<String> {
        self.overlay.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Applies changed files (relative to the root): re-reads what changed, re-checks, and
    /// swaps in a new generation, or keeps the last good one and returns the errors.
    pub fn apply(&self, changed: &[PathBuf]) -> Outcome {
        let mut inputs = lock(&self.inputs);
        let full = changed.iter().any(|p| p == Path::new("site.toml") || p.starts_with("theme"));
        let mut errors = Vec::new();
        if full {
            match read_sources(&self.root, self.public, &self.base_url) {
                Ok(sources) => inputs.sources = sources,
                Err(e) => errors.push(Diagnostic::file(crate::rules::CONFIG, Path::new("site.toml"), format!("{e:#}"))),
            }
            match Theme::load(&self.root) {
                Ok(theme) => inputs.theme = Arc::new(theme),
                Err(found) => errors.extend(found),
            }
        } else {
            let touched = changed.iter().filter(|p| inputs.sources.reload(p)).count();
            if touched == 0 {
                return Outcome::Unchanged;
            }
        }
        let assembled = inputs.sources.assemble(&LoadOptions { drafts: self.drafts, lint: false, today: today() });
        errors.extend(assembled.diagnostics);
        let overlay = print(&self.shown_root, &mut errors);
        *self.overlay.write().unwrap_or_else(|e| e.into_inner()) = overlay.clone();
        let (Some(archive), None) = (assembled.archive, &overlay) else {
            return Outcome::Overlay(overlay.unwrap_or_default());
        };
        let old = self.current();
        let renderer = Renderer::new(Arc::new(archive), inputs.theme.clone(), self.highlighter.clone());
        let (statics, pages) = if full {
            (Arc::new(statics(&renderer)), HashMap::new())
        } else {
            (old.statics.clone(), unaffected_pages(&old, &renderer, changed))
        };
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Generation { renderer, statics, pages: Mutex::new(pages) });
        Outcome::Reload
    }
}

/// Serve judges deadlines against the day it rebuilds, which may change while it runs.
fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

fn read_sources(root: &Path, public: bool, base_url: &str) -> anyhow::Result<Sources> {
    let git = crate::history::Repo::discover(root).and_then(|repo| Git::read(&repo, None).ok()).unwrap_or_default();
    let mut sources = match Sources::read(root, public, git)? {
        Ok(sources) => sources,
        Err(mut errors) => {
            let shown = errors.iter_mut().map(|d| d.to_string()).collect::<String>();
            anyhow::bail!("site.toml has errors:\n{shown}");
        }
    };
    // Pages served locally link under the local address, not the deployed one.
    sources.config.base_url = base_url.to_string();
    Ok(sources)
}

fn statics(renderer: &Renderer) -> HashMap<String, Arc<Page>> {
    renderer
        .static_files()
        .into_iter()
        .map(|(path, body)| {
            let page = Page { content_type: content_type(&path), body };
            (path, Arc::new(page))
        })
        .collect()
}

/// Rendered postmortem pages the change cannot have touched: every page shows the archive's
/// navigation and size, so only when those are unchanged, and only pages of postmortems
/// that are neither the changed ones nor relate to them. Listings are rendered again.
fn unaffected_pages(old: &Generation, new: &Renderer, changed: &[PathBuf]) -> HashMap<String, Arc<Page>> {
    let (before, after) = (old.archive(), new.archive());
    let ids = |a: &Archive| a.postmortems.iter().map(|p| p.id.clone()).collect::<HashSet<_>>();
    let nav = |a: &Archive| a.taxonomies.iter().map(|t| t.terms.is_empty()).collect::<Vec<_>>();
    if before.postmortems.len() != after.postmortems.len() || ids(before) != ids(after) || nav(before) != nav(after) {
        return HashMap::new();
    }
    let touched: HashSet<&str> = before
        .postmortems
        .iter()
        .chain(&after.postmortems)
        .filter(|p| changed.contains(&p.source))
        .map(|p| p.id.as_str())
        .collect();
    let affected: HashSet<&str> = after
        .postmortems
        .iter()
        .filter(|p| touched.contains(p.id.as_str()) || p.related.iter().any(|r| touched.contains(r.as_str())))
        .map(|p| p.id.as_str())
        .collect();
    lock(&old.pages)
        .iter()
        .filter(|(path, _)| {
            path.strip_prefix("postmortems/")
                .and_then(|rest| rest.strip_suffix("/index.html"))
                .is_some_and(|id| !affected.contains(id))
        })
        .map(|(path, page)| (path.clone(), page.clone()))
        .collect()
}

/// Prints diagnostics to the terminal; returns the overlay HTML when any is an error.
fn print(root: &Path, diagnostics: &mut [Diagnostic]) -> Option<String> {
    let mut text = Vec::new();
    let _ = report::print(&mut text, root, diagnostics, report::Format::Human);
    let text = String::from_utf8_lossy(&text).into_owned();
    eprint!("{text}");
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors > 0).then(|| {
        format!(
            "<div id=\"hindsight-overlay\" role=\"alert\" style=\"position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:70vh;overflow:auto;z-index:2147483647;background:#2a0d0d;color:#ffe1e1;border:2px solid #ff6b6b;border-radius:6px;padding:1rem;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap\"><strong>hindsight: {errors} error{} — the pages show the last good version until this is fixed</strong>\n\n{}</div>",
            if errors == 1 { "" } else { "s" },
            escape(&text)
        )
    })
}
