//! What `serve` keeps between requests: the checked sources, the current archive with its
//! renderer, and the pages rendered so far (pages render on first request). A change swaps
//! in a new generation that keeps every rendered page whose key (`output::keys`, what the
//! build cache compares) is unchanged: what a page depends on is stated there only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::diagnostics::{self, Diagnostic, Rule};
use crate::model::Archive;
use crate::output::{Highlighter, Renderer, Theme, escape};
use crate::routes::{self, Page};
use crate::workspace::{Change, View, Workspace};

/// A response body ready to send.
pub struct Served {
    pub body: Vec<u8>,
    pub content_type: &'static str,
}

/// A page as rendered, with the link destinations its Markdown asked about: with the page,
/// what its key is made of.
#[derive(Clone)]
struct Rendered {
    served: Arc<Served>,
    links: Vec<String>,
}

/// One state of the archive and the pages rendered from it.
pub struct Generation {
    renderer: Renderer,
    statics: Arc<HashMap<String, Arc<Served>>>,
    pages: Mutex<HashMap<String, Rendered>>,
    /// The files published texts link to, by their path in the site: read when asked (an
    /// image may be large, and is served as it is on disk now).
    assets: HashMap<String, PathBuf>,
}

impl Generation {
    /// The page at `path` (relative, e.g. `postmortems/x/index.html`), rendered on first use;
    /// `None` when there is no such page.
    pub fn page(&self, path: &str) -> Option<Result<Arc<Served>, Diagnostic>> {
        if let Some(page) = self.statics.get(path) {
            return Some(Ok(page.clone()));
        }
        if let Some(page) = lock(&self.pages).get(path) {
            return Some(Ok(page.served.clone()));
        }
        if let Some(file) = self.assets.get(path) {
            let body = std::fs::read(file).ok()?;
            return Some(Ok(Arc::new(Served { body, content_type: content_type(path) })));
        }
        if path.starts_with(routes::SEARCH_INDEX) {
            let text = self.renderer.search_files().get(path)?;
            return Some(Ok(Arc::new(Served { body: text.clone().into_bytes(), content_type: content_type(path) })));
        }
        let page = Page::at(self.renderer.archive(), path)?;
        Some(self.renderer.render_traced(page).map(|(path, html, links)| {
            let served = Arc::new(Served { content_type: content_type(&path), body: html.into_bytes() });
            lock(&self.pages).insert(path, Rendered { served: served.clone(), links });
            served
        }))
    }

    pub fn not_found(&self) -> Option<Arc<Served>> {
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
        "txt" | "md" | "log" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
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
    workspace: Workspace,
    /// The last theme that loaded: a broken edit keeps it.
    theme: Arc<Theme>,
}

pub struct State {
    /// The root as the user gave it, for paths in messages.
    shown_root: PathBuf,
    drafts: bool,
    highlighter: Arc<Highlighter>,
    inputs: Mutex<Inputs>,
    current: RwLock<Arc<Generation>>,
    overlay: RwLock<Option<String>>,
}

impl State {
    /// Starts from an opened workspace. Errors in the content do not stop the server: it
    /// starts with what is valid and shows the errors until they are fixed; a broken
    /// `site.toml` or theme does, since no page can be made without them.
    pub fn new(workspace: Workspace, shown_root: &Path, drafts: bool) -> anyhow::Result<State> {
        let fatal = |errors: &[Diagnostic]| {
            let shown = errors.iter().map(|d| d.to_string()).collect::<String>();
            anyhow::anyhow!("the archive cannot be served until these are fixed:\n{shown}")
        };
        let config = workspace.config().map_err(fatal)?.clone();
        let theme = workspace.theme().map_err(fatal)?.clone();
        let highlighter = Arc::new(Highlighter::default());
        let assembled = workspace.archive(&View { drafts, lint: false, today: today() });
        let mut diagnostics = assembled.diagnostics;
        let archive = assembled
            .archive
            .unwrap_or_else(|| Archive::new(crate::model::Contents { config, ..Default::default() }, drafts, today()));
        let renderer = Renderer::new(Arc::new(archive), theme.clone(), highlighter.clone());
        let assets = assets(&renderer, workspace.root());
        let generation =
            Generation { statics: Arc::new(statics(&renderer)), renderer, pages: Mutex::default(), assets };
        let overlay = print(shown_root, &mut diagnostics);
        Ok(State {
            shown_root: shown_root.to_path_buf(),
            drafts,
            highlighter,
            inputs: Mutex::new(Inputs { workspace, theme }),
            current: RwLock::new(Arc::new(generation)),
            overlay: RwLock::new(overlay),
        })
    }

    /// The documents of the search index.
    pub fn search_corpus(&self) -> crate::search::Corpus {
        lock(&self.inputs).workspace.search_corpus()
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
        let mut errors = Vec::new();
        let change = inputs.workspace.reload(changed).unwrap_or_else(|e| {
            errors.push(Diagnostic::file(Rule::Io, Path::new("."), format!("{e:#}")));
            Change::Everything
        });
        let full = match change {
            Change::Nothing => return Outcome::Unchanged,
            Change::Content => false,
            Change::Everything => true,
        };
        if let Ok(theme) = inputs.workspace.theme() {
            inputs.theme = theme.clone();
        }
        let assembled = inputs.workspace.archive(&View { drafts: self.drafts, lint: false, today: today() });
        errors.extend(assembled.diagnostics);
        let overlay = print(&self.shown_root, &mut errors);
        *self.overlay.write().unwrap_or_else(|e| e.into_inner()) = overlay.clone();
        let (Some(archive), None) = (assembled.archive, &overlay) else {
            return Outcome::Overlay(overlay.unwrap_or_default());
        };
        let old = self.current();
        let renderer = Renderer::new(Arc::new(archive), inputs.theme.clone(), self.highlighter.clone());
        // A file added or removed changes where the pages linking it point.
        let files_changed = changed.iter().any(|p| p.extension().is_none_or(|e| e != "md"));
        let (statics, pages) = if full {
            (Arc::new(statics(&renderer)), HashMap::new())
        } else if files_changed {
            (old.statics.clone(), HashMap::new())
        } else {
            (old.statics.clone(), unchanged_pages(&old, &renderer))
        };
        let assets = assets(&renderer, inputs.workspace.root());
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(Generation { renderer, statics, pages: Mutex::new(pages), assets });
        Outcome::Reload
    }
}

/// Serve judges deadlines against the day it rebuilds, which may change while it runs.
fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

fn assets(renderer: &Renderer, root: &Path) -> HashMap<String, PathBuf> {
    let published = renderer.archive().published_assets();
    published.into_iter().map(|file| (routes::asset_path(&file), root.join(file))).collect()
}

fn statics(renderer: &Renderer) -> HashMap<String, Arc<Served>> {
    renderer
        .static_files()
        .into_iter()
        .map(|(path, body)| {
            let page = Served { content_type: content_type(&path), body };
            (path, Arc::new(page))
        })
        .collect()
}

/// The rendered pages the new archive would render the same: those whose key is the one
/// the old archive gives them, when what every page shares (the stamp: settings, theme,
/// navigation) is unchanged too. The keys are the build cache's, so `serve` and a warm
/// build agree on what a page depends on by construction.
fn unchanged_pages(old: &Generation, new: &Renderer) -> HashMap<String, Rendered> {
    if old.renderer.stamp() != new.stamp() {
        return HashMap::new();
    }
    let (before, after) = (old.archive(), new.archive());
    let same = |path: &str, links: &[String]| {
        let (Some(was), Some(now)) = (Page::at(before, path), Page::at(after, path)) else { return false };
        old.renderer.key(was, links).is_some_and(|key| new.key(now, links) == Some(key))
    };
    lock(&old.pages)
        .iter()
        .filter(|(path, kept)| same(path, &kept.links))
        .map(|(p, k)| (p.clone(), k.clone()))
        .collect()
}

/// Prints diagnostics to the terminal; returns the overlay HTML when any is an error.
fn print(root: &Path, diagnostics: &mut [Diagnostic]) -> Option<String> {
    // Drawn once, coloured for the terminal when it takes colours; the overlay gets it plain.
    let mut text = Vec::new();
    let color = crate::terminal::stderr_colors();
    let _ = diagnostics::print(&mut text, root, diagnostics, diagnostics::Format::Human, color);
    let text = String::from_utf8_lossy(&text).into_owned();
    eprint!("{text}");
    let text = anstream::adapter::strip_str(&text).to_string();
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors > 0).then(|| {
        format!(
            "<div id=\"hindsight-overlay\" role=\"alert\" style=\"position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:70vh;overflow:auto;z-index:2147483647;background:#2a0d0d;color:#ffe1e1;border:2px solid #ff6b6b;border-radius:6px;padding:1rem;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap\"><strong>hindsight: {errors} error{} — the pages show the last good version until this is fixed</strong>\n\n{}</div>",
            if errors == 1 { "" } else { "s" },
            escape(&text)
        )
    })
}
