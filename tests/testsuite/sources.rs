//! `[[sources]]`: one archive from several teams' repositories, which the tests make: a
//! checkout beside the archive (`path`) and a repository cloned and fetched (`git`). Ids
//! that collide are namespaced and reported, each page's history and edit link are its own
//! repository's, `check` reports per repository, and a public build keeps their secrets.

use std::path::Path;

use crate::insights::git;
use crate::site::{Site, assert_contains};

fn pm(title: &str, date: &str, extra: &str, body: &str) -> String {
    format!(
        "---\ntitle: \"{title}\"\ndate: {date}\nseverity: SEV-2\nstatus: closed\nservices: [ledger]\nsummary: \"What happened to {title}.\"\n{extra}---\n\n{body}\n"
    )
}

fn commit(dir: &Path, author: &str, date: &str) {
    git(dir, &["add", "-A"], author, date);
    git(dir, &["commit", "-q", "-m", "postmortems"], author, date);
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const SOURCES: &str = r#"
[[sources]]
team = "payments"
path = "../payments"
repository_url = "https://git.example/acme/payments"

[[sources]]
team = "search"
git = "../search-repo"
rev = "main"
postmortems = "docs/postmortems"
"#;

/// The good fixture, a payments checkout beside it and a search repository to clone. Both
/// have a `ledger-lag`; payments has a `db-failover` as the archive does.
pub fn archive() -> Site {
    let site = Site::fixture("good");
    let top = site.root().parent().unwrap();
    let payments = top.join("payments");
    std::fs::create_dir_all(&payments).unwrap();
    git(&payments, &["init", "-q", "-b", "main"], "x", "2025-01-01T00:00:00Z");
    write(
        &payments,
        "content/postmortems/db-failover.md",
        &pm(
            "Payments DB failover",
            "2024-06-01",
            "visibility: public\nrelated: [ledger-lag]\n",
            "Public text.<!-- internal --> SRCCANARY-INTERNAL<!-- /internal -->",
        ),
    );
    write(&payments, "content/postmortems/ledger-lag.md", &pm("Payments ledger lag", "2024-07-01", "", "Body."));
    commit(&payments, "Pat", "2025-02-01T10:00:00Z");
    let search = top.join("search-repo");
    std::fs::create_dir_all(&search).unwrap();
    git(&search, &["init", "-q", "-b", "main"], "x", "2025-01-01T00:00:00Z");
    write(&search, "docs/postmortems/ledger-lag.md", &pm("Search ledger lag", "2024-08-01", "", "Body."));
    write(&search, "docs/postmortems/slow-queries.md", &pm("Slow queries", "2024-09-01", "", "Body."));
    commit(&search, "Sam", "2025-03-01T10:00:00Z");
    let config = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", config + SOURCES);
    site
}

#[test]
fn sources_build_into_one_archive_with_namespaced_ids_and_their_own_history() {
    let site = archive();
    let run = site.run(&["build", "--drafts"]).success();
    // Each renaming is reported where the file sets its id (its name: the front matter's start).
    assert_contains(
        &(run.findings() + &run.stderr),
        &[
            "../payments/content/postmortems/db-failover.md:1:1: warning[source-id]: id `db-failover` is also this archive's (content/postmortems/db/db-failover.md): this one's page is `postmortems/payments-db-failover/`",
            "../payments/content/postmortems/ledger-lag.md:1:1: warning[source-id]: id `ledger-lag` is also team search's",
            "/docs/postmortems/ledger-lag.md:1:1: warning[source-id]",
        ],
    );
    // The archive's own keeps its id; each source's page is there under its new one.
    assert!(!site.read("postmortems/db-failover/index.html").contains("From the payments team"));
    let payments = site.read("postmortems/payments-db-failover/index.html");
    assert_contains(
        &payments,
        &[
            "Payments DB failover",
            "From the payments team's repository.",
            "by Pat",
            "href=\"https://git.example/acme/payments/edit/main/content/postmortems/db-failover.md\"",
            // `related: [ledger-lag]` is payments' own ledger-lag, under its new id.
            "postmortems/payments-ledger-lag/",
        ],
    );
    let search = site.read("postmortems/search-ledger-lag/index.html");
    assert_contains(&search, &["Search ledger lag", "From the search team's repository.", "by Sam", "1 revision"]);
    assert!(!search.contains("Edit this page"), "no repository_url and no https URL: no edit link");
    assert_contains(
        &site.read("postmortems/slow-queries/index.html"),
        &["Slow queries", "First written <time datetime=\"2025-03-01"],
    );
    // The team is a facet: the teams page lists each source's postmortems.
    assert_contains(&site.read("teams/search/index.html"), &["Search ledger lag", "Slow queries"]);
    assert_contains(&site.read("teams/payments/index.html"), &["Payments DB failover", "Payments ledger lag"]);

    // The search repository moves on: the next build fetches it.
    let repo = site.root().parent().unwrap().join("search-repo");
    write(&repo, "docs/postmortems/new-one.md", &pm("Index rebuild stalled", "2024-10-01", "", "Body."));
    commit(&repo, "Sam", "2025-04-01T10:00:00Z");
    site.run(&["build", "--drafts"]).success();
    assert_contains(&site.read("postmortems/new-one/index.html"), &["Index rebuild stalled"]);
    // One written-out tree, the fetched commit's.
    let trees: Vec<String> = std::fs::read_dir(site.root().join(".hindsight-cache/sources"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("search@"))
        .collect();
    let head = std::process::Command::new("git").args(["rev-parse", "HEAD"]).current_dir(&repo).output().unwrap();
    assert_eq!(trees, [format!("search@{}", &String::from_utf8_lossy(&head.stdout)[..12])]);

    // Offline, the last fetch still builds, and says so.
    std::fs::rename(&repo, repo.with_extension("gone")).unwrap();
    let run = site.run(&["build", "--drafts"]).success();
    assert_contains(&run.stderr, &["note: source `search`: fetching", "as last fetched"]);
    assert_contains(&site.read("postmortems/new-one/index.html"), &["Index rebuild stalled"]);
}

#[test]
fn check_reports_per_repository_and_for_one_team() {
    let site = archive();
    let run = site.run(&["check", "--format", "json"]).success();
    assert_contains(
        &run.stderr,
        &[
            "  this archive: 3 postmortems,",
            "  payments (../payments): 2 postmortems, 0 errors,",
            "  search (.hindsight-cache/sources/search@",
        ],
    );
    let only = site.run(&["check", "--format", "json", "--source", "payments"]).success();
    assert!(
        only.stdout.lines().count() > 0 && only.stdout.lines().all(|l| l.contains("../payments/")),
        "{}",
        only.stdout
    );
    assert_contains(&only.stderr, &["checked 2 files against all 34 rules:"]);
    let unknown = site.run(&["check", "--source", "billing"]).failure(2);
    assert_contains(
        &unknown.stderr,
        &["--source billing: no `[[sources]]` team is called that (site.toml has: payments, search)"],
    );
}

#[test]
fn a_public_build_of_sources_keeps_their_internal_text_and_repositories_out() {
    let site = archive();
    site.run(&["build", "--public"]).success();
    let page = site.read("postmortems/payments-db-failover/index.html");
    assert_contains(&page, &["Payments DB failover", "Public text."]);
    for entry in
        walkdir::WalkDir::new(site.public()).into_iter().map(Result::unwrap).filter(|e| e.file_type().is_file())
    {
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for canary in ["SRCCANARY", "git.example/acme/payments", "Search ledger lag", "../payments", ".hindsight-cache"]
        {
            assert!(!text.contains(canary), "{canary} in {}", entry.path().display());
        }
    }
}

/// Only `build` and `serve` fetch; `check` and the others read a `git` source as last
/// fetched (cloning it only when there is no copy), and `--offline` fetches nothing.
#[test]
fn only_build_and_serve_fetch_and_offline_fetches_nothing() {
    let site = archive();
    let run = site.run(&["build", "--offline"]).failure(1);
    assert_contains(
        &run.findings(),
        &["error[io]: source `search` cannot be read: it has never been fetched, and --offline fetches nothing"],
    );
    site.run(&["check"]).success();
    assert!(site.root().join(".hindsight-cache/sources/search.git").is_dir(), "check clones what is not there");
    let repo = site.root().parent().unwrap().join("search-repo");
    write(&repo, "docs/postmortems/new-one.md", &pm("Index rebuild stalled", "2024-10-01", "oops: 1\n", "Body."));
    commit(&repo, "Sam", "2025-04-01T10:00:00Z");
    let unfetched = site.run(&["check", "--format", "json"]).success();
    assert!(!unfetched.stdout.contains("new-one.md"), "check does not fetch: {}", unfetched.stdout);
    let stalled = || crate::search::ids(&site.run(&["search", "--json", "stalled"]).success().stdout);
    assert!(stalled().is_empty(), "search does not fetch either");
    site.run(&["build", "--offline"]).success();
    assert!(!site.public().join("postmortems/new-one").exists(), "--offline builds the copy as last fetched");
    site.run(&["build"]).success();
    assert_contains(&site.read("postmortems/new-one/index.html"), &["Index rebuild stalled"]);
    assert_eq!(stalled(), ["new-one"], "what a build fetched is searchable: the index is made again");
    let fetched = site.run(&["check", "--format", "json"]).success();
    assert_contains(&fetched.stdout, &["new-one.md", "unknown-key"]);
}

#[test]
fn sources_that_cannot_be_read_are_errors_at_their_entry() {
    let site = Site::fixture("good");
    let config = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", format!("{config}\n[[sources]]\nteam = \"ops\"\npath = \"../nowhere\"\n"));
    let run = site.run(&["build"]).failure(1);
    assert_contains(
        &(run.findings() + &run.stderr),
        &[
            "site.toml:7:9: error[io]: source `ops` cannot be read:",
            "nowhere is not a folder",
            "help: check the `path` or `git`",
        ],
    );
    site.write(
        "site.toml",
        format!("{config}\n[[sources]]\nteam = \"ops\"\npath = \"a\"\ngit = \"b\"\n\n[[sources]]\nteam = \"Ops\"\ngit = \"../no-repo\"\n"),
    );
    let run = site.run(&["build"]).failure(1);
    assert_contains(
        &(run.findings() + &run.stderr),
        &[
            "site.toml:6:9: error[config]: source `ops` needs either `path` or `git`",
            "site.toml:11:9: error[config]: source team `Ops` is empty or taken",
        ],
    );
    site.write("site.toml", format!("{config}\n[[sources]]\nteam = \"ops\"\ngit = \"../no-repo\"\n"));
    let run = site.run(&["build"]).failure(1);
    assert_contains(
        &(run.findings() + &run.stderr),
        &["site.toml:7:8: error[io]: source `ops` cannot be read: git clone:"],
    );
}

/// `hindsight search` keeps its index while the archive's files are unchanged: a source
/// checkout's files are the archive's too, so an edit there is searchable at once.
#[test]
fn search_finds_an_edit_in_a_source_checkout() {
    let site = archive();
    site.run(&["search", "ledger"]).success();
    let payments = site.root().parent().unwrap().join("payments");
    write(&payments, "content/postmortems/ledger-lag.md", &pm("Payments ledger lag", "2024-07-01", "", "Zanzibar."));
    let run = site.run(&["search", "zanzibar"]).success();
    assert!(run.stdout.contains("Payments ledger lag"), "stale index: {}{}", run.stdout, run.stderr);
}
