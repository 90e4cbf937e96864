//! `hindsight digest` on a repository the test writes commit by commit: what is new,
//! updated, changed status, overdue, closed and a year or more old in the window.

use crate::insights::git;
use crate::site::{Site, assert_contains};

fn pm(title: &str, date: &str, severity: &str, status: &str, items: &str) -> String {
    format!(
        "---\ntitle: \"{title}\"\ndate: {date}\nseverity: {severity}\nstatus: {status}\nservices: [api]\nsummary: \"What happened to {title}.\"\n{items}---\n\nBody.\n"
    )
}

/// Two commits: the archive on 2025-01-01, and its changes on 2025-03-05.
fn repository() -> Site {
    let site = Site::fixture("good");
    let root = site.root();
    std::fs::remove_dir_all(root.join("content/postmortems")).unwrap();
    git(root, &["init", "-q", "-b", "main"], "x", "2025-01-01T00:00:00Z");
    let item = |status: &str| {
        format!("action_items:\n  - title: \"Fix it\"\n    owner: Ann\n    due: 2025-02-20\n    status: {status}\n")
    };
    site.write("content/postmortems/old.md", pm("Old outage", "2024-03-10", "SEV-1", "draft", &item("todo")));
    site.write("content/postmortems/steady.md", pm("Steady one", "2023-03-05", "SEV-3", "closed", ""));
    git(root, &["add", "-A"], "Ann", "2025-01-01T10:00:00Z");
    git(root, &["commit", "-q", "-m", "first"], "Ann", "2025-01-01T10:00:00Z");
    site.write("content/postmortems/old.md", pm("Old outage", "2024-03-10", "SEV-1", "reviewed", &item("done")));
    let later = "action_items:\n  - title: \"Later\"\n    due: 2025-03-08\n";
    site.write(
        "content/postmortems/fresh.md",
        pm("Queue `stuck` <b>x</b> [y](z)", "2025-03-01", "SEV-2", "in-review", later),
    );
    git(root, &["add", "-A"], "Bob", "2025-03-05T10:00:00Z");
    git(root, &["commit", "-q", "-m", "second"], "Bob", "2025-03-05T10:00:00Z");
    site
}

const WINDOW: [&str; 5] = ["digest", "--since", "2025-03-01", "--today", "2025-03-10"];

#[test]
fn the_digest_tells_what_changed_in_the_window() {
    let site = repository();
    let run = site.run(&WINDOW).success();
    let md = run.stdout;
    let section = |title: &str| {
        let start = md.find(&format!("## {title}\n")).unwrap_or_else(|| panic!("no {title}: {md}"));
        let rest = &md[start + 3..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let url = "https://example.test/archive/postmortems/";
    assert!(md.starts_with("# Fixture archive: 2025-03-01 to 2025-03-10\n"), "{md}");
    assert_contains(
        &section("New postmortems"),
        &[
            "Queue \\`stuck\\` \\<b\\>x\\</b\\> \\[y\\](z)](https://example.test/archive/postmortems/fresh/) (SEV-2, 2025-03-01)",
        ],
    );
    assert_contains(&section("Updated"), &[&format!("[Old outage]({url}old/)")]);
    assert_contains(
        &section("Status changes"),
        &[&format!("[Old outage]({url}old/) (SEV-1, 2024-03-10): draft → reviewed")],
    );
    assert_contains(&section("Action items now overdue"), &["Later, 2 d overdue, from [Queue"]);
    assert_contains(&section("Action items closed"), &["Fix it, Ann, from [Old outage]"]);
    assert_contains(
        &section("On this day"),
        &[&format!("1 year ago: [Old outage]({url}old/)"), &format!("2 years ago: [Steady one]({url}steady/)")],
    );
    assert_contains(&section("Postmortem of the month"), &["[Old outage]", "What happened to Old outage."]);
    assert!(!section("New postmortems").contains("Old outage") && !md.contains("need the Git history"), "{md}");
}

#[test]
fn the_digest_as_html_and_atom_keeps_titles_as_text() {
    let site = repository();
    let html = site.run(&[&WINDOW[..], &["--format", "html"]].concat()).success().stdout;
    assert_contains(
        &html,
        &["<!doctype html>", "<h2>New postmortems</h2>", "Queue `stuck` &lt;b&gt;x&lt;/b&gt; [y](z)</a>"],
    );
    assert!(!html.contains("<b>x</b>") && !html.contains("<code>"), "{html}");
    let atom = site.run(&[&WINDOW[..], &["--format", "atom"]].concat()).success().stdout;
    assert_contains(
        &atom,
        &[
            "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
            "<id>https://example.test/archive/digest/2025-03-01/2025-03-10</id>",
            "&lt;h2&gt;Status changes&lt;/h2&gt;",
        ],
    );
    assert!(!atom.contains("<b>"), "{atom}");
}

#[test]
fn a_public_digest_tells_only_what_the_public_sees_and_bad_windows_are_errors() {
    let site = repository();
    let run = site.run(&[&WINDOW[..], &["--public"]].concat()).success();
    assert!(
        run.stdout.contains("Nothing changed in these days.") && !run.stdout.contains("Old outage"),
        "{}",
        run.stdout
    );
    let bad = site.run(&["digest", "--since", "fortnight"]).failure(2);
    assert!(bad.stderr.contains("--since takes a span such as 30d"), "{}", bad.stderr);
}
