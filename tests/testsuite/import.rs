//! `import` and `init` on real-world styles: twelve postmortems written six ways (a metadata
//! table, `**Key:** value` lines, no metadata, Google-Docs-style H1 sections, a one-row
//! table, another tool's front matter) come in and build without errors.

use std::fs;

use crate::nothing_lost::check_site;
use crate::site::Site;

const TODAY: &str = "2026-11-22";

fn imported() -> Site {
    let site = Site::fixture("import");
    let legacy = site.root().join("legacy");
    let run = site.run(&["import", legacy.to_str().unwrap(), "--today", TODAY]).success();
    assert!(run.stdout.contains("imported 12 of 12 files (0 unchanged, 0 skipped)"), "{}", run.stdout);
    site
}

#[test]
fn every_style_imports_and_builds_with_its_timeline_and_durations() {
    let site = imported();
    let check = site.run(&["check", "--today", TODAY, "--format", "json"]).success();
    let rules: Vec<String> = check
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["rule"].as_str().unwrap().to_string())
        .collect();
    let writing = ["missing-section", "review-deadline"];
    assert!(rules.iter().all(|r| writing.contains(&r.as_str())), "only findings about the writing itself: {rules:?}");
    // Every page: all of its timeline's entries marked, and the times the text gives.
    assert_eq!(check_site(&site, false), 12);
    for entry in fs::read_dir(site.public().join("postmortems")).unwrap() {
        let dir = entry.unwrap().path();
        let html = fs::read_to_string(dir.join("index.html")).unwrap();
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let source = fs::read_to_string(site.root().join(format!("content/postmortems/{id}.md"))).unwrap();
        let section = source.split("imeline").nth(1).unwrap().split("\n#").take(3).collect::<String>();
        let timed = section.lines().filter(|l| l.contains(':') && l.chars().any(|c| c.is_ascii_digit())).count();
        let entries = html.matches("class=\"entry").count();
        assert!(entries >= 3 && entries + 1 >= timed, "{id}: {entries} entries marked, {timed} timed lines");
        assert!(html.contains("<dt>Time to detect</dt>") && html.contains("<dt>Time to resolve</dt>"), "{id}");
    }
    let page = site.read("postmortems/2025-11-30-billing-job-charged-some-customers-twice/index.html");
    assert!(page.contains("<dt>Time to resolve</dt><dd>20 h 08 min</dd>"), "1:22 pm to 9:30 am the next day");
}

#[test]
fn what_was_guessed_and_what_to_decide_are_written_down() {
    let site = imported();
    let text = fs::read_to_string(site.root().join("content/postmortems/2022-09-02-dns-ttl.md")).unwrap();
    assert!(
        text.starts_with("---\ntitle: DNS TTL change broke internal service discovery\ndate: 2022-09-02\n"),
        "{text}"
    );
    assert!(text.contains("To decide: no severity given: SEV-5 is a placeholder; no services named"), "{text}");
    let table = fs::read_to_string(
        site.root()
            .join("content/postmortems/2021-02-04-primary-database-failover-left-writes-failing-for-34-minutes.md"),
    )
    .unwrap();
    for line in [
        "severity: SEV-1",
        "- orders-db",
        "- Priya Raman",
        "status: closed",
        "started_at: 2021-02-04T21:45:00Z",
        "resolved_at: 2021-02-04T22:19:00Z",
    ] {
        assert!(table.contains(line), "{line} missing:\n{table}");
    }
    assert!(table.contains("Headings renamed: `## Root cause` -> `## Root Causes`.\n"), "case alone is no rename");
    assert!(table.contains("| **Related issues** | INC-2291, INC-2293 |"), "the metadata table is kept");
    let hugo =
        fs::read_to_string(site.root().join("content/postmortems/2024-02-20-unreleased-feature-shown-to-all-users.md"))
            .unwrap();
    assert!(hugo.contains("tags:\n- incidents\n") && !hugo.contains("categories:"), "{hugo}");
}

#[test]
fn importing_again_changes_nothing_and_never_overwrites_without_force() {
    let site = imported();
    let legacy = site.root().join("legacy");
    let legacy = legacy.to_str().unwrap();
    let before = fs::read_to_string(site.root().join("content/postmortems/2022-04-21-queue-backlog.md")).unwrap();
    let run = site.run(&["import", legacy, "--today", TODAY]).success();
    assert!(run.stdout.contains("imported 0 of 12 files (12 unchanged, 0 skipped)"), "{}", run.stdout);
    site.write("content/postmortems/2022-04-21-queue-backlog.md", "edited by hand\n");
    let run = site.run(&["import", legacy, "--today", TODAY, "--dry-run"]).success();
    assert!(run.stdout.contains("a different file is there, skipped (--force replaces it)"), "{}", run.stdout);
    let run = site.run(&["import", legacy, "--today", TODAY, "--dry-run", "--force"]).success();
    assert!(run.stdout.contains("-edited by hand\n+---\n+title: Notification queue backlog"), "{}", run.stdout);
    assert_eq!(site_file(&site), "edited by hand\n", "a dry run writes nothing");
    site.run(&["import", legacy, "--today", TODAY, "--force"]).success();
    assert_eq!(site_file(&site), before);
    let run = site.run(&["import", site.root().join("content/postmortems").to_str().unwrap()]).success();
    assert!(run.stdout.contains("already a hindsight postmortem, skipped"), "{}", run.stdout);
}

fn site_file(site: &Site) -> String {
    fs::read_to_string(site.root().join("content/postmortems/2022-04-21-queue-backlog.md")).unwrap()
}

#[test]
fn init_makes_an_archive_that_builds_and_never_overwrites() {
    let site = Site::fixture("import");
    let dir = site.root().join("fresh");
    let run = site.run(&["init", dir.to_str().unwrap()]).success();
    for wrote in ["wrote    site.toml", "wrote    .github/workflows/postmortems.yml", "wrote    content/postmortems/"] {
        assert!(run.stdout.contains(wrote), "{wrote}:\n{}", run.stdout);
    }
    let workflow = fs::read_to_string(dir.join(".github/workflows/postmortems.yml")).unwrap();
    assert!(workflow.contains("fetch-depth: 0"));
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root", dir.to_str().unwrap(), "build", "--drafts"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    assert!(String::from_utf8_lossy(&built.stdout).contains("1 postmortem"));
    fs::write(dir.join("site.toml"), "title = \"Ours\"\n").unwrap();
    let run = site.run(&["init", dir.to_str().unwrap()]).success();
    assert!(
        run.stdout.contains("kept     site.toml (it exists)") && run.stdout.contains("kept     content/postmortems/")
    );
    assert_eq!(fs::read_to_string(dir.join("site.toml")).unwrap(), "title = \"Ours\"\n");
}
