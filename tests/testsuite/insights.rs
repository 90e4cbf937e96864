//! Git history, `--rev`, insights numbers, the action items page, similar incidents, and
//! the feed and JSON export, each checked against values worked out by hand.

use std::path::Path;
use std::process::Command;

use crate::site::{Site, assert_contains};

/// Runs git in `dir` with a fixed author and date, so history is known exactly.
pub fn git(dir: &Path, args: &[&str], author: &str, date: &str) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", format!("{}@example.test", author.to_lowercase()))
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "ci@example.test")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

const PM: &str = "---\ntitle: \"TITLE\"\ndate: 2024-01-01\nseverity: SEV-2\nstatus: closed\nservices: [api]\n---\n\n## Summary\n\nText.\n";

fn json(site: &Site, rel: &str) -> serde_json::Value {
    serde_json::from_str(&site.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A repository with three commits by two authors, plus one uncommitted file.
fn repository() -> Site {
    let site = Site::fixture("good");
    let root = site.root();
    std::fs::remove_dir_all(root.join("content/postmortems")).unwrap();
    git(root, &["init", "-q", "-b", "main"], "x", "2024-01-01T00:00:00Z");
    site.write("content/postmortems/a.md", PM.replace("TITLE", "A first"));
    git(root, &["add", "-A"], "Alice", "2024-01-01T10:00:00Z");
    git(root, &["commit", "-q", "-m", "a"], "Alice", "2024-01-01T10:00:00Z");
    site.write("content/postmortems/a.md", PM.replace("TITLE", "A second"));
    site.write("content/postmortems/b.md", PM.replace("TITLE", "B"));
    git(root, &["add", "-A"], "Bob", "2024-02-01T10:00:00Z");
    git(root, &["commit", "-q", "-m", "b"], "Bob", "2024-02-01T10:00:00Z");
    site.write("content/postmortems/a.md", PM.replace("TITLE", "A third"));
    site.write("content/postmortems/c.md", PM.replace("TITLE", "C"));
    git(root, &["add", "-A"], "Alice", "2024-03-01T10:00:00Z");
    git(root, &["commit", "-q", "-m", "c"], "Alice", "2024-03-01T10:00:00Z");
    site.write("content/postmortems/uncommitted.md", PM.replace("TITLE", "U"));
    site
}

#[test]
fn history_comes_from_the_commits_that_touched_each_file() {
    let site = repository();
    let run = site.run(&["build"]).success();
    assert!(run.stderr.contains("note: 1 postmortem(s) not committed yet"), "{}", run.stderr);
    assert_eq!(run.stderr.matches("note:").count(), 1, "said once: {}", run.stderr);
    let a = json(&site, "postmortems/a/index.json");
    assert_eq!(a["history"]["first"], "2024-01-01T10:00:00Z");
    assert_eq!(a["history"]["last"], "2024-03-01T10:00:00Z");
    assert_eq!(a["history"]["revisions"], 3);
    assert_eq!(a["history"]["authors"], serde_json::json!(["Alice", "Bob"]));
    let b = json(&site, "postmortems/b/index.json");
    assert_eq!(
        (b["history"]["first"].as_str(), b["history"]["revisions"].as_u64()),
        (Some("2024-02-01T10:00:00Z"), Some(1))
    );
    assert!(json(&site, "postmortems/uncommitted/index.json")["history"].is_null());
    let page = site.read("postmortems/a/index.html");
    assert!(
        page.contains(
            "last updated <time datetime=\"2024-03-01T10:00:00Z\">2024-03-01</time>, 3 revisions by Alice, Bob."
        ),
        "{page}"
    );
}

#[test]
fn public_builds_leave_out_commit_authors_by_default() {
    let site = repository();
    let text = std::fs::read_to_string(site.root().join("content/postmortems/a.md")).unwrap();
    site.write("content/postmortems/a.md", text.replace("status: closed", "status: closed\nvisibility: public"));
    site.run(&["build", "--public"]).success();
    let a = json(&site, "postmortems/a/index.json");
    assert_eq!(a["history"]["revisions"], 3);
    assert_eq!(a["history"]["authors"], serde_json::json!([]));
    assert!(!site.read("postmortems/a/index.html").contains("Alice"));
}

#[test]
fn rev_builds_the_archive_as_it_was_without_touching_the_working_tree() {
    let site = repository();
    let out = site.root().parent().unwrap().join("old");
    let run = site.run(&["build", "--rev", "HEAD~1", "-o", out.to_str().unwrap()]).success();
    assert!(run.stdout.contains("2 postmortems"), "{}", run.stdout);
    let a: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("postmortems/a/index.json")).unwrap()).unwrap();
    assert_eq!(a["title"], "A second");
    assert_eq!(a["history"]["revisions"], 2, "history up to the revision built");
    assert!(!out.join("postmortems/c").exists(), "added after HEAD~1");
    assert!(!out.join("postmortems/uncommitted").exists());
    assert!(std::fs::read_to_string(site.root().join("content/postmortems/a.md")).unwrap().contains("A third"));
    let bad = site.run(&["build", "--rev", "no-such-branch"]).failure(2);
    assert!(bad.stderr.contains("`no-such-branch` names no commit"), "{}", bad.stderr);
}

#[test]
fn insights_numbers_match_hand_computed_ones() {
    let site = Site::fixture("good");
    site.run(&["build", "--today", "2024-06-01"]).success();
    let html = site.read("insights/index.html");
    // checkout-outage: detected after 7 min 30 s, resolved after 26 h 38 min (95,880 s).
    // db-failover: detected after 30 min, resolved after 3 h. Both are on `payments`.
    assert_contains(
        &html,
        &[
            "<tr><th scope=\"row\">SEV-1</th><td>1</td><td>0</td><td>7 min <span class=\"n\">(n=1)</span></td><td>7 min</td><td>1 d 2 h <span class=\"n\">(n=1)</span></td><td>1 d 2 h</td></tr>",
            "<tr><th scope=\"row\">SEV-2</th><td>1</td><td>0</td><td>30 min <span class=\"n\">(n=1)</span></td><td>30 min</td><td>3 h 00 min <span class=\"n\">(n=1)</span></td><td>3 h 00 min</td></tr>",
            // median of 450 s and 1,800 s is 1,125 s; of 95,880 s and 10,800 s is 53,340 s; p90 is the larger.
            "<tr><th scope=\"row\">payments</th><td>2</td><td>0</td><td>18 min <span class=\"n\">(n=2)</span></td><td>30 min</td><td>14 h 49 min <span class=\"n\">(n=2)</span></td><td>1 d 2 h</td></tr>",
            "<tr><th scope=\"row\">2023</th><td>1</td>",
            "<tr><th scope=\"row\">2024-03</th><td>1</td><td>0</td><td>0</td><td>1</td></tr>",
            "<tr><th scope=\"row\">(no team)</th><td>1</td><td>1</td></tr>",
            "<figure class=\"chart\">",
            // The bar charts are tables: median and p90 as a bar, the numbers beside it.
            "<th scope=\"row\">SEV-1</th><td><span class=\"track\"><span class=\"bars\"><span class=\"fill sev-1\"",
            "1 d 2 h · p90 1 d 2 h · 1 resolved",
        ],
    );
    assert!(html.contains("<tr><th scope=\"row\">2023-07</th><td>0</td><td>1</td><td>0</td><td>1</td></tr>"));
    let payments = site.read("services/payments/index.html");
    assert!(payments.contains("<figure class=\"chart\">"), "service pages have their own chart");
    assert_contains(
        &payments,
        &[
            "<tr><th scope=\"row\">2023-07</th><td>0</td><td>1</td><td>0</td><td>1</td></tr>",
            "<tr><th scope=\"row\">2024-03</th><td>1</td>",
        ],
    );
    assert!(!payments.contains("<th scope=\"row\">2023-08</th>"), "only months with incidents in the table");
}

#[test]
fn durations_are_shown_as_distributions_and_near_misses_beside_incidents() {
    let site = Site::fixture("good");
    // A near miss found by a drill: detected after 2 min, resolved after 40 min.
    site.write(
        "content/postmortems/drill.md",
        "---\ntitle: \"Drill\"\ndate: 2024-04-01\nseverity: SEV-2\nstatus: closed\nnear_miss: true\nservices: [payments]\nstarted_at: 2024-04-01T10:00:00Z\ndetected_at: 2024-04-01T10:02:00Z\nresolved_at: 2024-04-01T10:40:00Z\n---\n",
    );
    site.run(&["build", "--today", "2024-06-01"]).success();
    let html = site.read("insights/index.html");
    assert_contains(
        &html,
        &[
            "2 incidents and 1 near miss",
            "a mean is pulled by the few and describes none",
            // Detected after 2 min, 7 min 30 s and 30 min: one in each bin; resolved after
            // 40 min, 3 h and 26 h 38 min, with the empty bins between kept.
            "<caption>Time to detect <span class=\"unit\">",
            "<th scope=\"row\">1–5 min</th><td><span class=\"track\"><span class=\"bars\"><span class=\"fill \" style=\"width: 100%\"></span></span><span class=\"value\">1</span>",
            "<th scope=\"row\">12–24 h</th><td><span class=\"track\"><span class=\"bars\"><span class=\"fill \" style=\"width: 0%\"></span></span><span class=\"value\">0</span>",
            "<th scope=\"row\">1–3 d</th>",
            // Every incident a dot, by severity, with its row in words.
            "aria-label=\"SEV-2: 2 incidents, from 40 min to 3 h 00 min, median 1 h 50 min\"",
            "<title>1 × 40 min</title>",
            "<tr><th scope=\"row\">SEV-2</th><td>1</td><td>1</td>",
        ],
    );
    assert!(html.contains("<th scope=\"row\">5–15 min</th>"), "detect: 7 min 30 s");
    assert!(!html.contains("mean time"), "no lone mean anywhere");
}

#[test]
fn action_items_page_puts_overdue_first_and_has_a_page_per_view() {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/items.md",
        "---\ntitle: \"Items\"\ndate: 2024-05-01\nseverity: SEV-3\nstatus: reviewed\nservices: [search]\nteams: [discovery]\naction_items:\n  - title: \"Later\"\n    owner: Ann\n    due: 2024-09-01\n  - title: \"Closed\"\n    owner: Ann\n    due: 2024-01-01\n    status: done\n  - title: \"Undated\"\n---\n",
    );
    site.run(&["build", "--today", "2024-06-01"]).success();
    let html = site.read("action-items/index.html");
    let order: Vec<usize> = ["Fence the old primary", "Later", "Undated"]
        .iter()
        .map(|t| html.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "overdue, open by due date, undated: {order:?}");
    assert!(!html.contains("Canary config pushes") && !html.contains(">Closed<"), "closed items have their views");
    assert!(site.read("action-items/status/done/index.html").contains("Closed"));
    assert!(html.contains("305 d overdue"), "2023-08-01 to 2024-06-01");
    let ann = site.read("action-items/owner/ann/index.html");
    assert!(ann.contains("Later") && !ann.contains("Fence the old primary"));
    // An owner's view is their open work; the closed item is counted and found elsewhere.
    assert!(!ann.contains(">Closed<"), "closed items are not listed per owner");
    assert!(ann.contains("The 1 closed one is on its postmortem's page and in the views by status."), "{ann}");
    assert!(site.read("action-items/status/todo/index.html").contains("Undated"));
    assert!(site.read("action-items/service/search/index.html").contains("Later"));
    assert!(site.read("action-items/owner/unassigned/index.html").contains("Undated"));
}

#[test]
fn home_shows_open_and_overdue_items_and_the_recent_months() {
    let site = Site::fixture("good");
    site.run(&["build", "--today", "2024-06-01"]).success();
    let home = site.read("index.html");
    // One open item, due 2023-08-01: overdue on 2024-06-01, not on 2023-07-15.
    assert_contains(
        &home,
        &["<span class=\"count\">1</span> open</a>", "<span class=\"count overdue-count\">1</span> overdue</a>"],
    );
    assert!(home.contains("<figure class=\"chart\">") && home.contains("<title>2024-03: 1 SEV-1</title>"), "{home}");
    site.run(&["build", "--today", "2023-07-15"]).success();
    assert!(site.read("index.html").contains("<span class=\"count\">0</span> overdue</a>"));
}

#[test]
fn similar_past_incidents_share_services_or_tags() {
    let site = Site::fixture("good");
    site.run(&["build"]).success();
    let newer = site.read("postmortems/checkout-outage/index.html");
    let section = newer.split("id=\"similar\"").nth(1).expect("a similar section");
    assert!(section.contains("Database failover"), "shares `payments`: {section}");
    assert!(section.contains("payments"));
    assert!(!site.read("postmortems/db-failover/index.html").contains("id=\"similar\""), "only the past counts");
}

fn child<'a, 'input>(node: roxmltree::Node<'a, 'input>, name: &str) -> Option<roxmltree::Node<'a, 'input>> {
    node.children().find(|c| c.tag_name().name() == name)
}

#[test]
fn the_feed_is_valid_atom_and_the_export_round_trips() {
    let site = Site::fixture("good");
    site.run(&["build"]).success();
    let feed = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&feed).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2005/Atom"));
    for required in ["id", "title", "updated", "author"] {
        assert!(child(root, required).is_some(), "feed lacks {required}");
    }
    let entries: Vec<_> = root.children().filter(|c| c.tag_name().name() == "entry").collect();
    assert_eq!(entries.len(), 2);
    for e in &entries {
        for required in ["id", "title", "updated", "link"] {
            assert!(child(*e, required).is_some(), "entry lacks {required}");
        }
        for date in ["updated", "published"] {
            let text = child(*e, date).and_then(|n| n.text()).unwrap();
            assert!(text.parse::<jiff::Timestamp>().is_ok(), "{date} is not RFC 3339: {text}");
        }
    }
    assert_eq!(
        child(entries[0], "id").unwrap().text(),
        Some("https://example.test/archive/postmortems/checkout-outage/")
    );

    let all = json(&site, "postmortems.json");
    assert_eq!(all["version"], 2);
    assert_eq!(
        (all["count"].as_u64(), &all["next"]),
        (Some(all["postmortems"].as_array().unwrap().len() as u64), &serde_json::Value::Null)
    );
    let pm = &all["postmortems"][0];
    assert_eq!(pm["id"], "checkout-outage");
    assert_eq!(pm["services"], serde_json::json!(["checkout", "payments"]));
    assert_eq!(pm["started_at"], "2024-03-12T14:02:00Z");
    assert_eq!(pm["time_to_detect_seconds"], 450);
    assert_eq!(pm["action_items"][0]["due"], "2024-04-01");
    assert_eq!(pm["action_items"][0]["type"], "prevent");
    let mut one = json(&site, "postmortems/checkout-outage/index.json");
    assert_eq!(one.as_object_mut().unwrap().remove("version"), Some(serde_json::json!(2)));
    assert_eq!(&one, pm, "the per-postmortem file is the same object");
    let sitemap = site.read("sitemap.xml");
    roxmltree::Document::parse(&sitemap).expect("well-formed sitemap");
    assert!(sitemap.contains("<loc>https://example.test/archive/postmortems/db-failover/</loc>"));
}

#[test]
fn edit_links_name_the_file_where_it_sits_in_a_larger_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let archive = repo.join("docs/post mortems");
    std::fs::create_dir_all(archive.join("content/postmortems")).unwrap();
    std::fs::write(archive.join("site.toml"), "repository_url = \"https://git.example/acme/ops\"\n").unwrap();
    std::fs::write(archive.join("content/postmortems/db #1.md"), PM.replace("TITLE", "Db")).unwrap();
    git(repo, &["init", "-q", "-b", "main"], "x", "2024-01-01T00:00:00Z");
    git(repo, &["add", "-A"], "Alice", "2024-01-01T10:00:00Z");
    git(repo, &["commit", "-q", "-m", "a"], "Alice", "2024-01-01T10:00:00Z");
    let out = Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root", "docs/post mortems", "build"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(archive.join("public/postmortems/db-1/index.html")).unwrap();
    let edit = "https://git.example/acme/ops/edit/main/docs/post%20mortems/content/postmortems/db%20%231.md";
    assert_contains(&page, &[&format!("href=\"{edit}\"")]);
}

#[test]
fn control_characters_do_not_break_the_feed() {
    let site = Site::fixture("good");
    site.patched(
        "content/postmortems/checkout-outage.md",
        "content/postmortems/checkout-outage.md",
        &[("title: \"Checkout outage\"", "title: \"Vertical\\vtab \\u0001 and \\fform feed\"")],
    );
    site.run(&["build"]).success();
    let feed = site.read("feed.xml");
    roxmltree::Document::parse(&feed).unwrap_or_else(|e| panic!("not well-formed: {e}\n{feed}"));
    assert!(feed.contains("Verticaltab  and form feed"), "{feed}");
}
