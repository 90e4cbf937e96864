//! `hindsight diff --public`: what a branch and its uncommitted edits would publish,
//! against the merge base with main or a named BASE, in every format, and never a byte of
//! what stays internal.

use crate::insights::git;
use crate::site::{Site, assert_contains};

const LEAVING: &str = "---\ntitle: \"Leaving PUBCANARY-LEAVING\"\ndate: 2021-06-01\nseverity: SEV-3\nstatus: closed\nvisibility: public\nservices: [api]\n---\n\nBody.\n";

fn commit(site: &Site, message: &str, date: &str) {
    git(site.root(), &["add", "-A"], "Ann", date);
    git(site.root(), &["commit", "-q", "-m", message], "Ann", date);
}

/// main: the public fixture and a public postmortem that the branch will make internal;
/// main later gains a postmortem of its own. The branch `pr` edits in a commit and in the
/// working tree, some edits public and some only inside internal spans.
fn repository() -> Site {
    let site = Site::fixture("public");
    git(site.root(), &["init", "-q", "-b", "main"], "x", "2025-01-01T00:00:00Z");
    site.write("content/postmortems/leaving.md", LEAVING);
    commit(&site, "archive", "2025-01-01T10:00:00Z");
    git(site.root(), &["checkout", "-q", "-b", "pr"], "x", "2025-01-02T00:00:00Z");
    site.patched(
        "content/postmortems/public-two.md",
        "content/postmortems/public-two.md",
        &[("Search slowness", "Search latency"), ("PUBCANARY-TWO-BODY", "PUBCANARY-TWO-BODY\n\nPUBCANARY-NEW-LINE")],
    );
    // Only internal text and hidden fields change: the public build is the same.
    site.patched(
        "content/postmortems/public-one.md",
        "content/postmortems/public-one.md",
        &[
            ("- INTCANARY-LIST", "- INTCANARY-LIST\n- INTCANARY-NEW-SECRET"),
            ("INTCANARY-COMMANDER", "INTCANARY-NEW-COMMANDER"),
            ("owner: INTCANARY-OWNER", "owner: INTCANARY-NEW-OWNER"),
            ("because INTCANARY-SUMMARY", "because INTCANARY-NEW-SUMMARY"),
        ],
    );
    commit(&site, "edits", "2025-01-02T10:00:00Z");
    git(site.root(), &["checkout", "-q", "main"], "x", "2025-01-03T00:00:00Z");
    site.patched("content/postmortems/leaving.md", "content/postmortems/main-only.md", &[("Leaving", "Main only")]);
    commit(&site, "main moves on", "2025-01-03T10:00:00Z");
    git(site.root(), &["checkout", "-q", "pr"], "x", "2025-01-04T00:00:00Z");
    // Uncommitted: one becomes public, one leaves, an internal one changes.
    site.patched(
        "content/postmortems/public-two.md",
        "content/postmortems/newly-public.md",
        &[("Search latency PUBCANARY-TWO", "Newly public PUBCANARY-NEW <b>x</b> [y](z)"), ("2023-05-01", "2024-06-01")],
    );
    site.patched("content/postmortems/leaving.md", "content/postmortems/leaving.md", &[("public", "internal")]);
    site.patched(
        "content/postmortems/intcanary-internal.md",
        "content/postmortems/intcanary-internal.md",
        &[("INTCANARY-INTERNAL-BODY", "INTCANARY-INTERNAL-EDIT")],
    );
    site
}

fn rev_parse(site: &Site, rev: &str) -> String {
    let out = std::process::Command::new("git").args(["rev-parse", rev]).current_dir(site.root()).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn a_branch_shows_what_becomes_public_changes_and_leaves_against_the_merge_base() {
    let site = repository();
    let run = site.run(&["diff", "--public"]).success();
    let out = &run.stdout;
    let base = rev_parse(&site, "main~1");
    assert!(out.starts_with(&format!(
        "Public build of the working tree against the public build at main ({}): 1 becomes public, 1 changes, 1 leaves the public archive\n",
        &base[..10]
    )), "{out}");
    assert_contains(
        out,
        &[
            "+ becomes public: \"Newly public PUBCANARY-NEW <b>x</b> [y](z)\" (SEV-3, 2024-06-01)",
            "content/postmortems/newly-public.md -> /postmortems/newly-public/",
            "~ changes: \"Search latency PUBCANARY-TWO\" (title, body)",
            "- title: \"Search slowness PUBCANARY-TWO\"",
            "+ title: \"Search latency PUBCANARY-TWO\"",
            "+PUBCANARY-NEW-LINE",
            "- leaves the public archive: \"Leaving PUBCANARY-LEAVING\" (SEV-3, 2021-06-01)",
        ],
    );
    // public-one changed only inside internal spans; main-only came after the merge base.
    for absent in ["public-one", "Checkout outage", "Main only", "INTCANARY"] {
        assert!(!out.contains(absent), "{absent} in:\n{out}");
    }
    site.run(&["diff", "--public", "--fail-on-new"]).failure(1);
}

#[test]
fn json_and_github_formats_carry_the_same_differences_and_no_internal_byte() {
    let site = repository();
    let json = site.run(&["diff", "--public", "--format", "json"]).success().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids = |k: &str| v[k].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect::<Vec<_>>();
    assert_eq!(
        (ids("added"), ids("changed"), ids("removed")),
        (vec!["newly-public"], vec!["public-two"], vec!["leaving"])
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["audience"], "public");
    assert_eq!(v["base"], "main");
    assert_eq!(v["base_commit"], rev_parse(&site, "main~1"));
    let changed = &v["changed"][0];
    assert_eq!(changed["fields"][0]["field"], "title");
    assert_eq!(changed["fields"][0]["old"], "Search slowness PUBCANARY-TWO");
    assert_contains(changed["body_diff"].as_str().unwrap(), &["+PUBCANARY-NEW-LINE"]);
    assert_eq!(changed["path"], "content/postmortems/public-two.md");

    let github = site.run(&["diff", "--public", "--format", "github"]).success();
    assert!(
        github.stdout.starts_with("### hindsight: what this change does to the public build\n"),
        "{}",
        github.stdout
    );
    assert_contains(
        &github.stdout,
        &[
            "#### Becomes public",
            "- [Newly public PUBCANARY-NEW \\<b\\>x\\</b\\> \\[y\\](z)](/postmortems/newly-public/) (SEV-3, 2024-06-01), content/postmortems/newly-public.md\n",
            "#### Leaves the public archive",
            "```diff\n  - title: \"Search slowness PUBCANARY-TWO\"",
        ],
    );
    assert_contains(
        &github.stderr,
        &[
            "::warning file=content/postmortems/newly-public.md,line=1,title=Becomes public::",
            "::notice file=content/postmortems/public-two.md,line=1,title=Changes::",
        ],
    );
    for text in [&json, &github.stdout, &github.stderr] {
        assert!(!text.contains("INTCANARY") && !text.contains("public-one"), "{text}");
    }
}

#[test]
fn a_named_base_and_the_internal_build_compare_what_they_name() {
    let site = repository();
    // Against main's tip, main's newer postmortem is one the branch does not have.
    let out = site.run(&["diff", "--public", "main"]).success().stdout;
    assert_contains(&out, &["- leaves the public archive: \"Main only PUBCANARY-LEAVING\""]);
    // The internal build sees the internal edits, and every postmortem the branch adds.
    let out = site.run(&["diff", "main~1"]).success().stdout;
    assert!(out.starts_with("Build of the working tree against the build at main~1"), "{out}");
    assert_contains(
        &out,
        &[
            "~ changes: \"Checkout outage PUBCANARY-TITLE\" (action_items, incident_commander, summary, body)",
            "+- INTCANARY-NEW-SECRET",
            "~ changes: \"INTCANARY-INTERNAL-TITLE\" (body)",
            "~ changes: \"Leaving PUBCANARY-LEAVING\" (visibility)",
            "+ is added: \"Newly public",
        ],
    );
}

#[test]
fn before_the_archive_existed_everything_is_new_and_mistakes_are_explained() {
    let site = Site::fixture("public");
    git(site.root(), &["init", "-q", "-b", "main"], "x", "2025-01-01T00:00:00Z");
    site.run(&["diff", "--public"]).failure(2);
    let not_yet = site.run(&["diff", "--public"]);
    assert_contains(&not_yet.stderr, &["no commit yet: pass a BASE"]);
    std::fs::rename(site.root().join("content"), site.root().join("later")).unwrap();
    commit(&site, "site.toml alone", "2025-01-01T10:00:00Z");
    std::fs::rename(site.root().join("later"), site.root().join("content")).unwrap();
    let out = site.run(&["diff", "--public"]).success().stdout;
    assert_contains(&out, &[": 2 become public\n", "+ becomes public: \"Checkout outage PUBCANARY-TITLE\""]);
    assert!(!out.contains("INTCANARY"), "{out}");

    site.run(&["diff", "--public", "no-such-branch"]).failure(2);
    assert_contains(&site.run(&["diff", "no-such-branch"]).stderr, &["`no-such-branch` names no commit"]);

    // A base whose archive does not build says so, and how to see why.
    site.write("content/postmortems/broken.md", "---\ntitle: [unclosed\n---\n");
    commit(&site, "broken", "2025-01-02T10:00:00Z");
    site.remove("content/postmortems/broken.md");
    let broken = site.run(&["diff", "--public", "HEAD"]).failure(2);
    assert_contains(&broken.stderr, &["the archive at HEAD has errors", "hindsight build --rev HEAD"]);

    let outside = Site::fixture("public");
    let run = outside.run(&["diff"]).failure(2);
    assert_contains(&run.stderr, &["is not in a Git repository"]);
}
