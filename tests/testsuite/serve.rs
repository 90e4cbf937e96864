//! `hindsight serve` on a free port, driven over raw HTTP so that request paths reach the
//! server exactly as written (no client-side normalisation of `..`).

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::site::{Site, attr_values};

const WAIT: Duration = Duration::from_secs(15);

pub struct Server {
    child: Child,
    pub addr: String,
    /// The line that says the server is ready.
    ready: String,
    _stdout: Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: String,
    body: String,
}

impl Server {
    pub fn start(site: &Site, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hindsight"))
            .arg("--root")
            .arg(site.root())
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let rx = lines_of(child.stdout.take().unwrap());
        let first = rx.recv_timeout(WAIT).expect("serve printed no URL");
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        Server { child, addr, ready: first, _stdout: rx }
    }

    fn request(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        http(&self.addr, path, headers)
    }

    fn get(&self, path: &str) -> Response {
        self.request(path, &[])
    }

    /// Subscribes to the reload events; returns once the subscription is live.
    fn events(&self) -> Receiver<String> {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(stream, "GET /__hindsight/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n", self.addr)
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains("200"), "{status}");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if let Some(name) = line.strip_prefix("event: ")
                    && tx.send(name.to_string()).is_err()
                {
                    break;
                }
            }
        });
        rx
    }
}

/// One GET on a connection of its own, written byte for byte as given.
fn http(addr: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {}\r\n", addr));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Response { status, headers: head.to_lowercase(), body: body.to_string() }
}

/// The lines a child process writes, as they come, read on a thread of their own.
fn lines_of(out: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_event(events: &Receiver<String>) -> String {
    events.recv_timeout(WAIT).expect("no event from the server")
}

#[test]
fn pages_have_types_redirects_etags_and_the_theme_404() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(home.headers.contains("content-type: text/html; charset=utf-8"));
    assert!(home.body.contains("<script src=\"/__hindsight/live.js\"></script>\n</body>"), "{}", home.body);
    assert!(home.body.contains("Search draft"), "drafts are included in serve");
    let css = server.get("/static/style.css");
    assert!(css.status == 200 && css.headers.contains("content-type: text/css"), "{}", css.headers);
    let page = server.get("/postmortems/checkout-outage/");
    assert!(page.body.contains("<h1>Checkout outage</h1>"));
    assert!(!page.body.contains("badge internal"), "an archive with no public postmortem marks none internal");
    let redirect = server.get("/postmortems/checkout-outage");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /postmortems/checkout-outage/"), "{}", redirect.headers);
    // Not the protocol-relative `//services/`, which the browser would take as a host.
    let doubled = server.get("//services");
    assert_eq!(doubled.status, 301);
    assert!(doubled.headers.contains("location: /services/\r\n"), "{}", doubled.headers);
    let missing = server.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("custom not-found page"));
    let etag = page.headers.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().to_string();
    assert_eq!(server.request("/postmortems/checkout-outage/", &[("If-None-Match", &etag)]).status, 304);
    assert!(server.get("/__hindsight/live.js").body.contains("EventSource"));
}

#[test]
fn nothing_outside_the_archive_is_ever_served() {
    let site = Site::fixture("good");
    let outside = site.root().parent().unwrap().join("secret.txt");
    std::fs::write(&outside, "TOP-SECRET-OUTSIDE").unwrap();
    std::os::unix::fs::symlink(&outside, site.root().join("theme/static/secret-link")).unwrap();
    let server = Server::start(&site, &[]);
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/static/..%2f..%2f..%2fsecret.txt",
        "/static/secret-link",
        "//secret.txt",
        "/..%5c..%5csecret.txt",
        "/site.toml",
        "/content/postmortems/checkout-outage.md",
        "/static/../../site.toml",
    ] {
        let r = server.get(path);
        assert!(r.status == 403 || r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.body.contains("TOP-SECRET") && !r.body.contains("severities ="), "{path} leaked: {}", r.body);
    }
    assert_eq!(server.get("/../secret.txt").status, 403);
}

#[test]
fn an_edit_is_served_and_browsers_are_told_to_reload() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let before = server.get("/services/checkout/");
    assert!(before.body.contains(">Checkout outage</a>"));
    let events = server.events();
    let file = site.root().join("content/postmortems/checkout-outage.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("title: \"Checkout outage\"", "title: \"Checkout outage, revised\"")).unwrap();
    assert_eq!(next_event(&events), "reload");
    assert!(server.get("/postmortems/checkout-outage/").body.contains("<h1>Checkout outage, revised</h1>"));
    assert!(server.get("/services/checkout/").body.contains(">Checkout outage, revised</a>"));

    site.write(
        "content/postmortems/new-one.md",
        "---\ntitle: \"Brand new\"\ndate: 2025-01-01\nseverity: SEV-3\nservices: [checkout]\n---\nBody.\n",
    );
    assert_eq!(next_event(&events), "reload");
    assert_eq!(server.get("/postmortems/new-one/").status, 200);
    std::fs::remove_file(site.root().join("content/postmortems/new-one.md")).unwrap();
    assert_eq!(next_event(&events), "reload");
    assert_eq!(server.get("/postmortems/new-one/").status, 404);
}

#[test]
fn a_second_start_reads_only_the_files_changed_since_from_the_build_cache() {
    let site = Site::fixture("good");
    let files = walkdir::WalkDir::new(site.root().join("content/postmortems"))
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "md")))
        .count();
    let first = Server::start(&site, &[]);
    assert!(!first.ready.contains("build cache"), "{}", first.ready);
    drop(first);
    site.patched(
        "content/postmortems/checkout-outage.md",
        "content/postmortems/checkout-outage.md",
        &[("title: \"Checkout outage\"", "title: \"Checkout outage, edited while stopped\"")],
    );
    let second = Server::start(&site, &[]);
    let known = format!(", {} known from the build cache,", files - 1);
    assert!(second.ready.contains(&known), "expected {known:?} in {:?}", second.ready);
    // Pages of files from the cache have their bodies; the edited file is read anew.
    assert!(
        second.get("/postmortems/checkout-outage/").body.contains("<h1>Checkout outage, edited while stopped</h1>")
    );
    let db = second.get("/postmortems/db-failover/");
    assert!(db.status == 200 && db.body.contains("<h2 id=\"summary\""), "{}", db.body);
}

#[test]
fn pages_listing_an_edited_postmortem_as_similar_are_rendered_again() {
    let site = Site::fixture("good");
    let pm = |title: &str, date: &str| {
        format!("---\ntitle: \"{title}\"\ndate: {date}\nseverity: SEV-3\nservices: [cache]\n---\nBody.\n")
    };
    site.write("content/postmortems/cache-one.md", pm("Cache stampede", "2024-01-10"));
    site.write("content/postmortems/cache-two.md", pm("Cache stampede again", "2024-05-10"));
    let server = Server::start(&site, &[]);
    // Not related, only similar: the newer page lists the older one's title.
    let newer = server.get("/postmortems/cache-two/");
    assert!(newer.body.contains(">Cache stampede</a>"), "{}", newer.body);
    let events = server.events();
    site.write("content/postmortems/cache-one.md", pm("Cache eviction storm", "2024-01-10"));
    assert_eq!(next_event(&events), "reload");
    let newer = server.get("/postmortems/cache-two/");
    assert!(newer.body.contains(">Cache eviction storm</a>"), "stale similar list: {}", newer.body);
}

#[test]
fn pages_naming_a_factor_an_edited_postmortem_shares_are_rendered_again() {
    let site = Site::fixture("good");
    let pm = |title: &str, date: &str, service: &str| {
        format!(
            "---\ntitle: \"{title}\"\ndate: {date}\nseverity: SEV-3\nservices: [{service}]\ncontributing_factors: [\"No alert covered it\"]\n---\nBody.\n"
        )
    };
    site.write("content/postmortems/f-one.md", pm("Runner disk filled", "2024-01-10", "runners"));
    site.write("content/postmortems/f-two.md", pm("Queue backed up", "2024-05-10", "queues"));
    let server = Server::start(&site, &[]);
    // Nothing in common but the factor: the older page names the newer one under it.
    let older = server.get("/postmortems/f-one/");
    assert!(older.body.contains(">Queue backed up</a>"), "{}", older.body);
    let events = server.events();
    site.write("content/postmortems/f-two.md", pm("Queue stalled", "2024-05-10", "queues"));
    assert_eq!(next_event(&events), "reload");
    let older = server.get("/postmortems/f-one/");
    assert!(older.body.contains(">Queue stalled</a>"), "stale factor links: {}", older.body);
}

#[test]
fn a_broken_edit_shows_the_overlay_and_keeps_the_last_good_page() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let events = server.events();
    let file = site.root().join("content/postmortems/checkout-outage.md");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        good.replace("title: \"Checkout outage\"", "title: \"Checkout broke\"")
            .replace("severity: SEV-1", "severity: SEV-9"),
    )
    .unwrap();
    assert_eq!(next_event(&events), "overlay");
    let page = server.get("/postmortems/checkout-outage/");
    assert!(page.body.contains("<h1>Checkout outage</h1>"), "the last good page stays");
    assert!(page.body.contains("id=\"hindsight-overlay\""));
    assert!(page.body.contains("error[unknown-severity]: unknown severity `SEV-9`"), "{}", page.body);
    std::fs::write(&file, &good).unwrap();
    assert_eq!(next_event(&events), "reload");
    assert!(!server.get("/postmortems/checkout-outage/").body.contains("hindsight-overlay"));
}

#[test]
fn the_search_api_answers_from_the_index() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let r = server.get("/api/search?q=primaries&service=postgres");
    assert_eq!(r.status, 200);
    assert!(r.headers.contains("content-type: application/json"));
    let hits: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(hits[0]["id"], "db-failover");
    assert_eq!(hits[0]["status"], "reviewed", "as `hindsight search --json` says it");
    assert_eq!(hits.as_array().unwrap().len(), 1);
    let unknown = server.get("/api/search?q=servce%3Apostgres");
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("did you mean `service:`"), "{}", unknown.body);
    // A limit of 0 panicked a worker (500); it is taken as 1.
    let one = server.get("/api/search?q=primaries&limit=0");
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&one.body).unwrap().as_array().unwrap().len(), 1);
}

#[test]
fn requests_naming_another_host_are_refused() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let port = server.addr.rsplit(':').next().unwrap();
    // DNS rebinding: a page on evil.example points its own name at 127.0.0.1.
    for host in ["evil.example", &format!("evil.example:{port}"), "127.0.0.1.evil.example", "localhost.evil.example"] {
        for path in ["/", "/api/search?q=checkout", "/postmortems/db-failover/"] {
            let r = server.request(path, &[("Host", host)]);
            assert_eq!(r.status, 403, "{host} {path}");
            assert!(r.body.contains("--bind"), "{}", r.body);
        }
    }
    for host in
        [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}"), "app.localhost".into()]
    {
        assert_eq!(server.request("/", &[("Host", &host)]).status, 200, "{host}");
    }
}

#[test]
fn slow_clients_are_dropped_and_do_not_hold_up_others() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    // 500 clients that begin a request and never finish its headers.
    let slow: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut s = TcpStream::connect(&server.addr).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    assert_eq!(server.get("/").status, 200);
    // Answered while every slow client still holds its connection: the page did not wait
    // for the header deadline (5 s) to free the server of them.
    for s in &slow {
        s.set_nonblocking(true).unwrap();
        let held = matches!((&*s).read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        assert!(held, "a slow client was let go before the page was answered");
        s.set_nonblocking(false).unwrap();
    }
    // Each is closed once the deadline passes: waited for, up to a generous cap.
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut rest = Vec::new();
        assert!(s.read_to_end(&mut rest).is_ok(), "a slow client was still connected a minute after the deadline");
    }
}

#[test]
fn binding_beyond_this_machine_warns_what_it_exposes() {
    let site = Site::fixture("good");
    let mut child = site
        .command(&["serve", "--bind", "0.0.0.0", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(child.stderr.take().unwrap());
    let warning = loop {
        let line = rx.recv_timeout(WAIT).expect("no warning on stderr");
        if line.starts_with("warning:") {
            break line;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    for part in ["0.0.0.0", "every network", "/api/search", "--bind 127.0.0.1"] {
        assert!(warning.contains(part), "{part} not in {warning}");
    }
}

#[test]
fn concurrent_searches_share_one_index_on_a_few_threads() {
    let site = Site::example();
    let server = Server::start(&site, &[]);
    let queries = ["database", "dns+OR+kafka", "%22leader+election%22", "certificate", "failover", "latency"];
    // The first requests meet no index: they must not build it at the same time.
    let answers: Vec<(usize, Response)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..48)
            .map(|i| {
                let addr = server.addr.as_str();
                scope.spawn(move || {
                    (i % queries.len(), http(addr, &format!("/api/search?q={}", queries[i % queries.len()]), &[]))
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for (q, r) in &answers {
        assert_eq!(r.status, 200, "{}: {}", queries[*q], r.body);
        let first = answers.iter().find(|(other, _)| other == q).unwrap();
        assert_eq!(r.body, first.1.body, "the same query answered differently");
    }
    let cli = site.run(&["search", "certificate", "--json", "--limit", "20"]).success();
    let ids =
        |lines: Vec<serde_json::Value>| lines.iter().map(|h| h["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let from_cli = ids(cli.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect());
    let from_api = ids(serde_json::from_str(&answers.iter().find(|(q, _)| *q == 3).unwrap().1.body).unwrap());
    assert!(!from_cli.is_empty());
    assert_eq!(from_api, from_cli);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let threads: usize = status.lines().find_map(|l| l.strip_prefix("Threads:")).unwrap().trim().parse().unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert!(threads <= 16 + 2 * cores, "{threads} threads after 48 concurrent searches");
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    let run = site.run(&["serve", "--port", &port]).failure(2);
    assert!(run.stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")), "{}", run.stderr);
    assert!(run.stderr.contains("--port"), "{}", run.stderr);
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let site = Site::fixture("good");
    let mut server = Server::start(&site, &[]);
    let pid = server.child.id().to_string();
    // The shell's own `kill`, so the test needs no procps.
    let kill = format!("kill -INT {pid}");
    assert!(Command::new("sh").args(["-c", &kill]).status().unwrap().success());
    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "serve did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

/// Every page reachable from the home page, by following links.
fn crawl(server: &Server) -> Vec<(String, String)> {
    let mut seen = BTreeSet::from(["/".to_string()]);
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        let r = server.get(&path);
        assert_eq!(r.status, 200, "{path}");
        for link in attr_values(&r.body, "href").into_iter().chain(attr_values(&r.body, "src")) {
            if link.contains("://") || link.starts_with('#') || link.starts_with("mailto:") {
                continue;
            }
            let link = link.split('#').next().unwrap();
            let mut parts: Vec<&str> = if link.starts_with('/') {
                vec![]
            } else {
                path.trim_end_matches(|c| c != '/').split('/').filter(|s| !s.is_empty()).collect()
            };
            for seg in link.split('/') {
                match seg {
                    "" | "." => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            let mut target = format!("/{}", parts.join("/"));
            if link.ends_with('/') && !target.ends_with('/') {
                target.push('/');
            }
            if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
        pages.push((path, r.body.to_lowercase()));
    }
    pages
}

#[test]
fn serve_public_leaks_nothing_after_an_incremental_rebuild() {
    let site = Site::fixture("public");
    let server = Server::start(&site, &["--public"]);
    let events = server.events();
    let file = site.root().join("content/postmortems/public-two.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "PUBCANARY-TWO-BODY",
            "PUBCANARY-TWO-BODY PUBCANARY-EDITED <!-- internal -->INTCANARY-EDITED<!-- /internal -->",
        ),
    )
    .unwrap();
    assert_eq!(next_event(&events), "reload");
    let pages = crawl(&server);
    assert!(pages.len() > 15, "{} pages", pages.len());
    // The search index is loaded by script, not linked: fetch every file of it.
    let manifest = server.get("/search/index/manifest.js").body;
    let json = &manifest[manifest.find('(').unwrap() + 1..manifest.rfind(')').unwrap()];
    let m: serde_json::Value = serde_json::from_str(json).unwrap();
    let count = |key: &str| m[key].as_array().unwrap().len();
    let chunks = m["docs"].as_u64().unwrap().div_ceil(m["chunk"].as_u64().unwrap()) as usize;
    let mut names: Vec<String> = ["origin", "severity", "service", "tag", "year", "status", "author", "company"]
        .map(|f| format!("f-{f}"))
        .into();
    names.extend((0..count("stems")).flat_map(|n| [format!("s{n}"), format!("p{n}")]));
    names.extend((0..count("words")).map(|n| format!("w{n}")));
    names.extend((0..chunks).map(|n| format!("m{n}")));
    let mut index = vec![manifest.to_lowercase()];
    let len = m["hash_len"].as_u64().unwrap() as usize;
    for name in names {
        let (kind, n) = match name.find(|c: char| c.is_ascii_digit()) {
            Some(at) => (&name[..at], name[at..].parse::<usize>().unwrap()),
            None => (name.as_str(), 0),
        };
        let hash = &m["hashes"][kind].as_str().unwrap()[n * len..(n + 1) * len];
        let file = server.get(&format!("/search/index/{name}-{hash}.js"));
        assert_eq!(file.status, 200, "{name}");
        index.push(file.body.to_lowercase());
    }
    assert!(index.iter().all(|f| !f.contains("intcanary")), "the search index leaks internal text");
    assert!(index.iter().any(|f| f.contains("pubcanary")), "the search index has the public text");
    let api = server.get("/api/search?q=INTCANARY-INTERNAL-BODY");
    assert_eq!(api.status, 404, "the API's index holds internal postmortems");
    assert!(!api.body.to_lowercase().contains("intcanary"));
    for (path, body) in &pages {
        assert!(!body.contains("intcanary"), "{path} leaks internal text");
    }
    assert!(pages.iter().any(|(_, b)| b.contains("pubcanary-edited")), "the edit is served");
    for canary in ["pubcanary-title", "pubcanary-cell", "pubcanary-tag", "pubcanary-external"] {
        assert!(pages.iter().any(|(_, b)| b.contains(canary)), "{canary} missing");
    }
}

#[test]
fn an_edit_in_a_source_checkout_reloads_its_page() {
    let site = crate::sources::archive();
    let server = Server::start(&site, &[]);
    let events = server.events();
    let file = site.root().parent().unwrap().join("payments/content/postmortems/ledger-lag.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("Payments ledger lag", "Payments ledger lag, revised")).unwrap();
    assert_eq!(next_event(&events), "reload");
    let page = server.get("/postmortems/payments-ledger-lag/");
    assert!(page.body.contains("<h1>Payments ledger lag, revised</h1>"), "{}", page.body);
}

/// A file a postmortem links is served from where the build copies it, read as it is on
/// disk; an edit reloads the page; a file nothing published links is not served.
#[test]
fn linked_files_are_served_and_an_edited_one_reloads() {
    let site = Site::fixture("good");
    site.write("content/postmortems/img/graph.png", "PNG-ONE");
    site.write("content/postmortems/img/unlinked.png", "PNG-UNLINKED");
    let file = site.root().join("content/postmortems/checkout-outage.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n![graph](img/graph.png)\n")).unwrap();
    let server = Server::start(&site, &[]);
    let image = server.get("/files/postmortems/img/graph.png");
    assert_eq!((image.status, image.body.as_str()), (200, "PNG-ONE"));
    assert!(image.headers.to_lowercase().contains("content-type: image/png"), "{}", image.headers);
    assert_eq!(server.get("/files/postmortems/img/unlinked.png").status, 404);
    assert!(server.get("/postmortems/checkout-outage/").body.contains("src=\"../../files/postmortems/img/graph.png\""));
    let events = server.events();
    site.write("content/postmortems/img/graph.png", "PNG-TWO");
    assert_eq!(next_event(&events), "reload");
    assert_eq!(server.get("/files/postmortems/img/graph.png").body, "PNG-TWO");
}

/// Every page `serve` keeps across an edit is one it would render the same: after edits of
/// every kind, each page a running server gives (all rendered before the edits, so all
/// were candidates for keeping) is the page a server started afresh gives. What a page
/// depends on is stated once, in its key; a view reading something its key does not cover
/// fails here.
#[test]
fn after_edits_every_kept_page_is_the_page_a_fresh_start_serves() {
    let site = Site::fixture("good");
    let server = Server::start(&site, &[]);
    let events = server.events();
    let edits: [(&str, &str, &str); 4] = [
        ("content/postmortems/checkout-outage.md", "title: \"Checkout outage\"", "title: \"Checkout went down\""),
        ("content/postmortems/checkout-outage.md", "severity: SEV-1", "severity: SEV-2"),
        ("content/postmortems/db/db-failover.md", "## Summary\n", "## Summary\n\nA sentence added to the body.\n"),
        ("content/postmortems/db/db-failover.md", "services = [", "services = [\"search\", "),
    ];
    for (file, from, to) in edits {
        crawl(&server);
        let text = std::fs::read_to_string(site.root().join(file)).unwrap();
        assert!(text.contains(from), "{file} has no {from:?}");
        site.write(file, text.replacen(from, to, 1));
        assert_eq!(next_event(&events), "reload", "{file}: {to}");
    }
    let fresh = Server::start(&site, &[]);
    let (warm, cold) = (crawl(&server), crawl(&fresh));
    let local = |pages: Vec<(String, String)>, addr: &str| -> Vec<(String, String)> {
        pages.into_iter().map(|(path, body)| (path, body.replace(addr, "ADDR"))).collect()
    };
    let (warm, cold) = (local(warm, &server.addr), local(cold, &fresh.addr));
    assert_eq!(warm.len(), cold.len(), "the same pages");
    for ((path, a), (_, b)) in warm.iter().zip(&cold) {
        assert!(a == b, "{path} kept stale across the edits");
    }
}
