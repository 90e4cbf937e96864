//! The preview server behind `hindsight serve`: the archive on a local HTTP server, rebuilt on save. Pages are
//! rendered from memory on first request and kept; a change to `content/`, `theme/` or
//! `site.toml` re-checks what changed, keeps the pages it cannot have touched, and tells
//! open browsers to reload (server-sent events). Only pages of the archive are served —
//! nothing is read from disk per request — so no URL can reach a file outside it.

mod state;

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::{Semaphore, broadcast};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::search::{self, Searcher, Sort};
use crate::workspace::Workspace;
use state::{Generation, HTML, Outcome, Served, State};

const LIVE_JS: &str = include_str!("live.js");
const EVENTS: &str = "/__hindsight/events";

/// How long a client may take to send a request's headers: a client that never finishes
/// them (slowloris) is dropped instead of holding a connection forever.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections served at once; more wait in the listen queue until one closes.
const MAX_CONNECTIONS: usize = 1024;

/// How the server was asked to run; the workspace says what it serves.
pub struct Options {
    /// The archive, canonical: changes are watched there.
    pub root: PathBuf,
    /// The archive as the user named it, for paths in messages.
    pub shown_root: PathBuf,
    /// Where it listens, e.g. `http://127.0.0.1:1111/`.
    pub url: String,
    /// The `--bind` address as given: a name there is a `Host` the server answers to.
    pub bind: String,
    pub drafts: bool,
    pub public: bool,
    /// When the command started, for "ready in".
    pub started: Instant,
}

/// A message to open browsers.
#[derive(Clone, Debug)]
enum Notice {
    Reload,
    Overlay(String),
}

struct Shared {
    state: State,
    notices: broadcast::Sender<Notice>,
    root: PathBuf,
    /// A public preview: the search API (which reads every postmortem) is off.
    public: bool,
    /// The `[[sources]]` checkouts' folders (those watched): their files are the index's too.
    checkouts: Vec<PathBuf>,
    /// The search index as open for the current generation, shared by every request.
    index: Mutex<Option<Arc<OpenIndex>>>,
    /// Searches run on at most one blocking thread per core; the rest wait their turn
    /// without a thread of their own.
    searches: Semaphore,
}

/// An open search index and the plain text of the bodies it was made from, by source
/// path: they give the snippets, so a search reads no file and parses no Markdown.
struct OpenIndex {
    generation: Weak<Generation>,
    searcher: Searcher,
    bodies: HashMap<PathBuf, String>,
}

impl Shared {
    /// The index for the current generation: the one already open, or (after a change) the
    /// index brought up to date and opened again, by one request while the others wait.
    fn index(&self) -> Result<Arc<OpenIndex>> {
        let current = Arc::downgrade(&self.state.current());
        let mut open = self.index.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(index) = open.as_ref().filter(|i| i.generation.ptr_eq(&current)) {
            return Ok(index.clone());
        }
        let corpus = self.state.search_corpus();
        search::refresh(&self.root, &self.checkouts, || Ok(&corpus))?;
        let bodies = corpus.docs.into_iter().zip(corpus.sources).filter_map(|(d, s)| Some((s?, d.body()))).collect();
        let index = Arc::new(OpenIndex { generation: current, searcher: Searcher::open(&self.root)?, bodies });
        *open = Some(index.clone());
        Ok(index)
    }
}

/// Takes the port first, so that a port in use is said before any work is done; returns
/// the listener and its URL.
pub fn bind(address: &str, port: u16) -> Result<(TcpListener, String)> {
    let listener = TcpListener::bind((address, port)).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "port {port} on {address} is already in use: stop the other server, or pass --port {} (or --port 0 for any free port)",
            port.wrapping_add(1)
        ),
        _ => anyhow::Error::new(e).context(format!("cannot listen on {address}:{port}")),
    })?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}/", display_addr(listener.local_addr()?));
    Ok((listener, url))
}

/// Serves the workspace's archive until Ctrl-C.
pub fn run(listener: TcpListener, workspace: Workspace, opts: Options) -> Result<()> {
    let Options { root, shown_root, url, bind, drafts, public, started } = opts;
    let cached = match workspace.from_cache() {
        0 => String::new(),
        n => format!(", {n} known from the build cache"),
    };
    // `[[sources]]` checkouts are edited in place too; clones are only fetched.
    let checkouts = workspace.checkout_folders();
    let state = State::new(workspace, &shown_root, drafts)?;
    let (notices, _) = broadcast::channel(16);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let shared = Arc::new(Shared {
        state,
        notices,
        root: root.clone(),
        public,
        checkouts: checkouts.clone(),
        index: Mutex::default(),
        searches: Semaphore::new(cores),
    });
    let watching: String = checkouts.iter().map(|f| format!(", {}", f.display())).collect();
    let _watcher = watch(&root, checkouts, shared.clone())?;
    let kind = if public { "public archive" } else { "archive" };
    let drafts = if drafts { ", drafts included" } else { "" };
    let ready = format!(
        "serving the {kind} at {url} ({} postmortems{drafts}{cached}, ready in {} ms)\nwatching content/, theme/, site.toml{watching}; press Ctrl-C to stop",
        shared.state.current().archive().postmortems.len(),
        started.elapsed().as_millis()
    );

    let app = Router::new()
        .route(EVENTS, get(events))
        .route("/api/search", get(api_search))
        .route(
            "/__hindsight/live.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], LIVE_JS) }),
        )
        .fallback(get(page))
        .layer(middleware::from_fn_with_state(Arc::new(bind), check_host))
        .with_state(shared);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // Take over Ctrl-C before announcing the URL: whoever reacts to the announcement
        // may interrupt at once.
        let interrupted = interrupt()?;
        println!("{ready}");
        tokio::select! {
            served = accept(listener, app) => served.context("the server stopped"),
            _ = interrupted => {
                println!("stopped");
                Ok(())
            }
        }
    })?;
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT); the handler is installed when this is called.
#[cfg(unix)]
fn interrupt() -> Result<impl std::future::Future<Output = ()>> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        signal.recv().await;
    })
}

#[cfg(not(unix))]
fn interrupt() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Serves each connection as HTTP/1.1 with a deadline for its request headers, at most
/// `MAX_CONNECTIONS` at once (axum's own `serve` sets no deadline).
async fn accept(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return Ok(()) };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was taken: wait a
            // moment rather than spin, and go on serving.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
            // A connection's failure (a client gone, a deadline missed) is the client's.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(slot);
        });
    }
}

/// Refuses requests whose `Host` is not this machine: with DNS rebinding, a web page on
/// another site points its own name at 127.0.0.1 and could then read drafts and the
/// search API through the reader's browser. Allowed: `localhost`, an IP address, and the
/// name given to `--bind`.
async fn check_host(Extract(bind): Extract<Arc<String>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).map(|h| h.to_str().unwrap_or("\u{fffd}"));
    match host {
        Some(host) if !host_allowed(host, &bind) => {
            let why = format!(
                "this preview server answers only to localhost, an IP address or the name given to --bind, not to Host: {host}"
            );
            (StatusCode::FORBIDDEN, why).into_response()
        }
        _ => next.run(request).await,
    }
}

fn host_allowed(host: &str, bind: &str) -> bool {
    // Without its port: `name:1111`, `[::1]:1111`.
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':') => name,
        _ => host,
    };
    let literal = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    let lower = name.to_ascii_lowercase();
    lower == "localhost"
        || lower.ends_with(".localhost")
        || literal.parse::<IpAddr>().is_ok()
        || lower == bind.to_ascii_lowercase()
}

fn display_addr(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V6(v6) => format!("[{}]:{}", v6.ip(), v6.port()),
        SocketAddr::V4(v4) => v4.to_string(),
    }
}

/// How long to wait after a change for more to arrive: editors save in several steps
/// (write a temporary file, rename it), and a `git checkout` touches many files.
const SETTLE: Duration = Duration::from_millis(20);

/// Watches the archive's sources (and the postmortems folders of `[[sources]]` checkouts,
/// named as the workspace names their files) and applies each batch of changes.
fn watch(root: &Path, checkouts: Vec<PathBuf>, shared: Arc<Shared>) -> Result<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads are events too on some platforms; rebuilding reads files, so only writes count.
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_) | EventKind::Other)
        {
            event.paths.into_iter().for_each(|p| drop(tx.send(p)));
        }
    })
    .context("cannot watch files")?;
    watcher.watch(&root.join("content"), RecursiveMode::Recursive).context("cannot watch content/")?;
    if root.join("theme").is_dir() {
        watcher.watch(&root.join("theme"), RecursiveMode::Recursive).context("cannot watch theme/")?;
    }
    watcher.watch(root, RecursiveMode::NonRecursive).context("cannot watch site.toml")?;
    for folder in checkouts.iter().map(|f| root.join(f)).filter(|f| f.is_dir()) {
        watcher
            .watch(&folder, RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while let Ok(more) = rx.recv_timeout(SETTLE) {
                batch.push(more);
            }
            let mut changed: Vec<PathBuf> = batch
                .into_iter()
                .filter_map(|p| match p.strip_prefix(&root) {
                    Ok(rel) => Some(rel.to_path_buf()),
                    Err(_) => checkouts.iter().any(|f| p.starts_with(f)).then_some(p), // an absolute `path`
                })
                .filter(|p| {
                    p.starts_with("content")
                        || p.starts_with("theme")
                        || p == Path::new("site.toml")
                        || checkouts.iter().any(|f| p.starts_with(f))
                })
                .collect();
            changed.sort();
            changed.dedup();
            if !changed.is_empty() {
                apply(&shared, &changed);
            }
        }
    });
    Ok(watcher)
}

fn apply(shared: &Shared, changed: &[PathBuf]) {
    let started = Instant::now();
    let notice = match shared.state.apply(changed) {
        Outcome::Unchanged => return,
        Outcome::Reload => Notice::Reload,
        Outcome::Overlay(html) => Notice::Overlay(html),
    };
    let what: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
    match &notice {
        Notice::Reload => println!("rebuilt in {} ms: {}", started.elapsed().as_millis(), what.join(", ")),
        Notice::Overlay(_) => println!("{} has errors; still serving the last good version", what.join(", ")),
    }
    let _ = shared.notices.send(notice);
}

async fn events(
    Extract(shared): Extract<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(shared.notices.subscribe()).filter_map(|notice| {
        let event = match notice.ok()? {
            Notice::Reload => Event::default().event("reload").data("reload"),
            Notice::Overlay(html) => Event::default().event("overlay").data(html),
        };
        Some(Ok(event))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `GET /api/search?q=…&service=…&severity=…&tag=…&limit=…`: the CLI's search (the
/// tantivy index, drafts included) as a JSON array.
async fn api_search(Extract(shared): Extract<Arc<Shared>>, uri: Uri) -> Response {
    if shared.public {
        // Its index holds internal postmortems and snippets come from the files as written.
        let why = "the search API is not available in a public preview; the search page is";
        return (StatusCode::NOT_FOUND, why).into_response();
    }
    let mut query = String::new();
    let mut filters = search::Filters::default();
    let mut limit = 20;
    let mut sort = Sort::Relevance;
    for pair in uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned();
        match key {
            "q" => query = value,
            "service" => filters.services.push(value),
            "severity" => filters.severities.push(value),
            "tag" => filters.tags.push(value),
            "limit" => limit = value.parse().unwrap_or(limit).clamp(1, 1000),
            "sort" => sort = if value == "date" { Sort::Date } else { Sort::Relevance },
            _ => {}
        }
    }
    let turns = shared.clone();
    let Ok(_turn) = turns.searches.acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let found = tokio::task::spawn_blocking(move || {
        let index = shared.index()?;
        let body = |source: &Path| index.bodies.get(source).cloned();
        index.searcher.search(&query, &filters, limit, sort, &body)
    })
    .await;
    match found {
        Ok(Ok(found)) => {
            ([(header::CONTENT_TYPE, "application/json")], serde_json::to_string(&found.hits).unwrap_or_default())
                .into_response()
        }
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, format!("{e:#}")).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Maps a request path to a page path, refusing anything that tries to leave the site.
fn resolve(uri: &Uri) -> Result<String, StatusCode> {
    let raw = uri.path();
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut parts = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" => {}
            "." | ".." => return Err(StatusCode::FORBIDDEN),
            s if s.contains(['\\', '\0']) || s.contains(':') => return Err(StatusCode::FORBIDDEN),
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if decoded.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Ok(path)
}

async fn page(Extract(shared): Extract<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let path = match resolve(&uri) {
        Ok(path) => path,
        Err(status) => {
            return (status, status.canonical_reason().unwrap_or("refused")).into_response();
        }
    };
    let generation = shared.state.current();
    let found = match generation.page(&path) {
        Some(found) => found,
        None if !path.ends_with("index.html") && generation.page(&format!("{path}/index.html")).is_some() => {
            // From the cleaned path: `//services` must not become the protocol-relative
            // `//services/`, which a browser reads as another host.
            let to = format!("/{}/", crate::text::encode_path(&path));
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, to)]).into_response();
        }
        None => {
            let body = generation.not_found().map(|p| p.body.clone()).unwrap_or_else(|| b"not found".to_vec());
            return respond(&shared, StatusCode::NOT_FOUND, HTML, body, &headers);
        }
    };
    match found {
        Ok(page) => {
            let Served { body, content_type } = &*page;
            respond(&shared, StatusCode::OK, content_type, body.clone(), &headers)
        }
        Err(diagnostic) => {
            eprintln!("{}", diagnostic.render(crate::terminal::stderr_colors()));
            (StatusCode::INTERNAL_SERVER_ERROR, diagnostic.to_string()).into_response()
        }
    }
}

/// Adds the live-reload script (and the error overlay, when there are errors) to HTML,
/// then answers with an ETag so unchanged pages cost a 304.
fn respond(
    shared: &Shared,
    status: StatusCode,
    content_type: &'static str,
    mut body: Vec<u8>,
    headers: &HeaderMap,
) -> Response {
    if content_type == HTML {
        let mut inject = String::from("<script src=\"/__hindsight/live.js\"></script>\n");
        if let Some(overlay) = shared.state.overlay() {
            inject.push_str(&overlay);
        }
        let at = find_last(&body, b"</body>").unwrap_or(body.len());
        body.splice(at..at, inject.into_bytes());
    }
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    let etag = format!("\"{:016x}\"", hasher.finish());
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if matches && status == StatusCode::OK {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(body));
        *r.status_mut() = status;
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(path: &str) -> Result<String, StatusCode> {
        resolve(&path.parse::<Uri>().unwrap())
    }

    #[test]
    fn paths_map_to_pages_and_traversal_is_refused() {
        assert_eq!(resolved("/").unwrap(), "index.html");
        assert_eq!(resolved("/postmortems/x/").unwrap(), "postmortems/x/index.html");
        assert_eq!(resolved("/static/style.css").unwrap(), "static/style.css");
        assert_eq!(resolved("//etc/passwd").unwrap(), "etc/passwd");
        for bad in [
            "/../site.toml",
            "/%2e%2e/site.toml",
            "/static/..%2f..%2fsite.toml",
            "/a/%2E%2E/b",
            "/..%5csite.toml",
            "/C:/x",
        ] {
            assert_eq!(resolved(bad), Err(StatusCode::FORBIDDEN), "{bad}");
        }
    }
}
