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
    let run = site.run(&["import", legacy.to_str().unwrap()]).success();
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
    // Action items import now tracks say whom and when they lack, as written.
    let writing = ["missing-section", "missing-factors", "review-deadline", "action-item-owner", "action-item-due"];
    assert!(rules.iter().all(|r| writing.contains(&r.as_str())), "only findings about the writing itself: {rules:?}");
    // Every page: all of its timeline's entries marked, and the times the text gives.
    assert_eq!(check_site(&site, false), 12);
    let pages = fs::read_dir(site.public().join("postmortems")).unwrap().map(|e| e.unwrap().path());
    for dir in pages.filter(|dir| dir.join("index.json").is_file()) {
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
    assert!(text.contains("severity: unknown\n"), "nothing made up: no SEV-5 nobody chose\n{text}");
    assert!(
        text.contains("To decide: no severity given: `severity: unknown` until someone decides; no services named"),
        "{text}"
    );
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
    let run = site.run(&["import", legacy]).success();
    assert!(run.stdout.contains("imported 0 of 12 files (12 unchanged, 0 skipped)"), "{}", run.stdout);
    site.write("content/postmortems/2022-04-21-queue-backlog.md", "edited by hand\n");
    let run = site.run(&["import", legacy, "--dry-run"]).success();
    assert!(run.stdout.contains("a different file is there, skipped (--force replaces it)"), "{}", run.stdout);
    let run = site.run(&["import", legacy, "--dry-run", "--force"]).success();
    assert!(run.stdout.contains("-edited by hand\n+---\n+title: Notification queue backlog"), "{}", run.stdout);
    assert_eq!(site_file(&site), "edited by hand\n", "a dry run writes nothing");
    site.run(&["import", legacy, "--force"]).success();
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
    assert!(workflow.contains(".hindsight-cache"), "CI keeps the build cache");
    let jobs: serde_yaml_ng::Value = serde_yaml_ng::from_str(&workflow).unwrap();
    let steps = jobs["jobs"]["public-diff"]["steps"].as_sequence().unwrap();
    let diff = steps.iter().find(|s| s["with"]["command"].as_str() == Some("diff")).expect("a diff step");
    assert!(diff["uses"].as_str().unwrap().ends_with("/hindsight@v1"));
    assert!(diff["with"]["args"].as_str().unwrap().starts_with("--public --format github "));
    assert_eq!(diff["with"]["output"].as_str(), Some("public-diff.md"));
    let built = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root", dir.to_str().unwrap(), "build", "--drafts"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    // The example is there to read, not counted: no build, check or digest sees it.
    assert!(
        String::from_utf8_lossy(&built.stdout).contains(": 0 postmortems,"),
        "{}",
        String::from_utf8_lossy(&built.stdout)
    );
    let example = fs::read_to_string(dir.join("content/postmortems/_example.md")).unwrap();
    assert!(example.contains("<!-- An example to read"), "{example}");
    // Complete: as a postmortem of the archive, it has no finding at all.
    fs::write(dir.join("content/postmortems/example.md"), &example).unwrap();
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root", dir.to_str().unwrap(), "check", "--deny-warnings", "--today", "2025-06-01"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(
        checked.status.success() && said.contains("0 errors, 0 warnings"),
        "{said}{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    fs::remove_file(dir.join("content/postmortems/example.md")).unwrap();
    fs::write(dir.join("site.toml"), "title = \"Ours\"\n").unwrap();
    let run = site.run(&["init", dir.to_str().unwrap()]).success();
    assert!(
        run.stdout.contains("kept     site.toml (it exists)") && run.stdout.contains("kept     content/postmortems/")
    );
    assert_eq!(fs::read_to_string(dir.join("site.toml")).unwrap(), "title = \"Ours\"\n");

    // What the builds left is ignored by Git; a `.gitignore` of theirs is never changed.
    let ignored = std::process::Command::new("git").args(["init", "-q"]).current_dir(&dir).status().unwrap();
    assert!(ignored.success());
    let status = std::process::Command::new("git").args(["status", "--porcelain"]).current_dir(&dir).output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains(".gitignore") && status.contains("content/"), "{status}");
    assert!(!status.contains("public") && !status.contains(".hindsight-"), "{status}");
    // The editors' schemas are the archive's own, committed with it.
    assert!(status.contains(".hindsight/"), "{status}");
    fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    let run = site.run(&["init", dir.to_str().unwrap()]).success();
    assert!(run.stdout.contains("note     .gitignore: add `/public/` and `/.hindsight-*`"), "{}", run.stdout);
    assert_eq!(fs::read_to_string(dir.join(".gitignore")).unwrap(), "target/\n");
}

/// A danluu-style list: ten categories of twenty, every tenth entry from Google with the
/// same first sentence (so the same file name), one entry with no link.
fn long_list(scheme: &str) -> String {
    let mut list =
        String::from("A List of Post-mortems!\n===\n\n## Table of Contents\n\n**[Category 0](#category-0)**\n\n");
    for c in 0..10 {
        list.push_str(&format!("## Category {c}\n\n"));
        for i in 0..20 {
            let n = c * 20 + i;
            let entry = match n {
                199 => {
                    "Sun/Oracle. Sun left ECC out of two generations of servers, and data was corrupted.".to_string()
                }
                n if n % 10 == 0 => format!(
                    "[Google]({scheme}status.example.com/incident/{n}#update). A bad config took down most Google services. Incident {n}."
                ),
                n => {
                    format!("[Company {n}]({scheme}blog{n}.example.org/post-mortem/). Word{n} failed, with `code{n}`.")
                }
            };
            list.push_str(&entry);
            list.push_str("\n\n");
        }
    }
    list + "## Contributors\n\n[Someone](https://example.org/someone). Thanks.\n"
}

#[test]
fn a_list_of_200_with_20_from_one_company_makes_200_files_and_never_twice() {
    let site = Site::fixture("import");
    site.write("lists/long.md", long_list("https://"));
    let run = site.run_inside(&["import", "--external", "lists/long.md"]).success();
    assert!(
        run.stdout
            .contains("wrote 200 files to content/external (200 listed, 0 listed twice and merged, 0 there already)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("lists/long.md:4: section \"Table of Contents\" left out"), "{}", run.stdout);
    let names: Vec<String> = fs::read_dir(site.root().join("content/external"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 200);
    assert_eq!(names.iter().filter(|n| n.starts_with("google-a-bad-config")).count(), 20, "{names:?}");
    // The same list again, and written with http:// and www.: nothing new.
    let again = site.run_inside(&["import", "--external", "lists/long.md"]).success();
    assert!(
        again
            .stdout
            .contains("wrote 0 files to content/external (200 listed, 0 listed twice and merged, 200 there already)"),
        "{}",
        again.stdout
    );
    site.write("lists/long-http.md", long_list("http://www."));
    let respelled = site.run_inside(&["import", "--external", "lists/long-http.md"]).success();
    assert!(respelled.stdout.contains("wrote 0 files"), "{}", respelled.stdout);
    assert_eq!(check_site(&site, false), 200, "every word of every entry is on the page");
    let page = site.read("external/index.html");
    assert!(page.contains("200 curated public postmortems"), "{page}");
    assert!(
        page.contains("Incident 180.") && page.contains("<code>code37</code>") && page.contains("Sun left ECC out")
    );
    assert!(page.contains("Sun/Oracle: Sun left ECC out of two generations of servers, and data was corrupted</a> <span class=\"badge unknown\">link unknown</span>"), "an entry without a link is kept");
}

#[test]
fn icco_files_and_tables_join_the_same_folder_without_repeats_or_collisions() {
    let site = Site::fixture("import");
    let run = site.run_inside(&["import", "--external", "lists/icco", "lists/examples.tsv", "--dry-run"]).success();
    assert!(
        run.stdout
            .contains("would write 5 files to content/external (6 listed, 1 listed twice and merged, 0 there already)"),
        "{}",
        run.stdout
    );
    assert!(!site.root().join("content/external").exists(), "a dry run writes nothing");
    let run = site.run_inside(&["import", "--external", "lists/icco", "lists/examples.tsv"]).success();
    assert!(run.stdout.contains("wrote 5 files"), "{}", run.stdout);
    // Two rows titled "Outage" from two companies: two files (the old script wrote one).
    for name in ["alpha-outage.md", "beta-outage.md", "gamma-lost-report.md", "telco-a-fire-in-an-exchange-sent.md"] {
        assert!(site.root().join("content/external").join(name).exists(), "{name}: {}", run.stdout);
    }
    let icco = fs::read_to_string(site.root().join("content/external/example-storage-a-command-meant-to-remove-a.md"))
        .unwrap();
    assert!(icco.contains("categories: [\"postmortem\",\"automation\"]\nuuid: \"0b9c79f2-"), "{icco}");
    assert!(
        icco.contains("\nA command meant to remove a few servers was issued with a typo")
            && icco.contains("A typo in a playbook command removed too many servers."),
        "the table's other summary is kept: {icco}"
    );
    site.build().success();
    let page = site.read("external/index.html");
    assert!(page.contains("<strong>full restart</strong>") && page.contains("link unknown"), "{page}");
    assert_eq!(check_site(&site, false), 5, "every word of every entry is on the page");
}

/// A folder as teams keep it (`tests/fixtures/import/styles`, one small file per style):
/// day-first table timelines, one heading per entry, a date in the H1, a Severity section,
/// Quarto and `.markdown` files, links between files that import renames, an index, a
/// template and a file without an extension beside them, a file that states no day, and
/// one written from a template with a placeholder left in.
#[test]
fn a_folder_as_teams_keep_it_comes_in_whole_and_nothing_is_made_up() {
    let site = Site::fixture("import");
    let styles = site.root().join("styles");
    let run = site.run(&["import", styles.to_str().unwrap()]).success();
    for line in [
        "imported 6 of 9 files (0 unchanged, 3 skipped)",
        "  skipped: 3 not postmortems (templates, indexes, READMEs), 0 for other reasons",
        "  dates: 5 from the files, 1 unknown (`date: unknown`)",
        "  timelines: 5 of 6 placed; 12 entries placed, 3 left as written",
        "  links rewritten to renamed or copied files: 4",
        "  files the postmortems link to: 2 copied, 1 missing",
    ] {
        assert!(run.stdout.contains(line), "{line:?} missing:\n{}", run.stdout);
    }
    assert!(
        run.stdout.contains("Postmortem notes.md: skipped: a template: it has placeholders (YYYY-MM-DD, ISSUE NAME) and no date of its own (name the file itself to import it anyway)")
    );
    assert!(
        run.stderr.contains("2022-10-31-Phone-Incident reads like a postmortem but has no extension"),
        "{}",
        run.stderr
    );
    let read = |name: &str| fs::read_to_string(site.root().join("content/postmortems").join(name)).unwrap();
    // Day first, decided by the file's own 29-11-2021; the Severity section's word.
    let disk = read("2021-11-29-disk-full-on-the-log-shipper.md");
    for line in [
        "date: 2021-11-29",
        "severity: SEV-2",
        "started_at: 2021-11-29T13:03:00Z",
        "## Root Causes",
        "([why](#root-causes))",
        "## Contributing Factors",
        // The lists tracked, the text kept; a stats line gives a moment from the start.
        "contributing_factors:\n- The retention job had been paused for a migration.\n",
        "- title: Alert at 80% disk, not 95%\n  owner: Ana Silva\n  status: done\n",
        "- title: Resume the retention job after migrations\n  owner: ops-bot\n  status: todo\n",
        "- [x] Alert at 80% disk, not 95% (owner: Ana Silva)",
        "mitigated_at: 2021-11-29T13:33:00Z",
    ] {
        assert!(disk.contains(line), "{line} missing:\n{disk}");
    }
    // The H1's date taken out of the title; 07:05 AM after 18:41 is the next morning.
    let dns = read("2025-10-20-resolver-outage.md");
    for line in ["title: Resolver outage", "severity: SEV-1", "resolved_at: 2025-10-21T07:05:00Z"] {
        assert!(dns.contains(line), "{line} missing:\n{dns}");
    }
    // Quarto's own front matter is read like another tool's.
    assert!(read("2023-08-14-quota-service-rejected-writes.md").contains("title: Quota service rejected writes"));
    // A postmortem written from a template, a placeholder left in: imported, dated by its
    // first row that gives a day, the placeholder rows kept as written.
    let ingress = read("2022-06-02-ingress-502-errors.md");
    assert!(ingress.contains("| 2022-05-?? HH:mm | Errors first noticed"), "{ingress}");
    // No day in the file: nothing dated, no instant built on a day nobody wrote.
    let unknown = read("payments-retried-twice.md");
    assert!(unknown.contains("date: unknown\nseverity: unknown\n") && !unknown.contains("started_at"), "{unknown}");
    // Links to renamed files follow them, in reference definitions and inline, fragments kept.
    let cache = read("2021-07-12-cache-stampede-after-the-disk-incident.md");
    assert!(cache.contains("[PM2021-001]: 2021-11-29-disk-full-on-the-log-shipper.md\n"), "{cache}");
    assert!(cache.contains("](<2021-11-29-disk-full-on-the-log-shipper.md#timeline>)"), "{cache}");
    // Images come along where the postmortems find them; a path from the top too.
    assert!(site.root().join("content/postmortems/img/disk.png").is_file());
    assert!(read("2025-10-20-resolver-outage.md").contains("![logo](assets/logo.png)"));
    assert!(site.root().join("content/postmortems/assets/logo.png").is_file());
    // The one image the folder did not have is the only broken link.
    let check = site.run_inside(&["check", "--format", "json"]);
    let broken: Vec<&str> = check.stdout.lines().filter(|l| l.contains("broken-link")).collect();
    assert!(broken.len() == 1 && broken[0].contains("img/missing.png"), "{}", check.stdout);
    assert_eq!(check_site(&site, false), 6, "every word of every imported body is on its page");
    // Importing again changes nothing.
    let again = site.run(&["import", styles.to_str().unwrap()]).success();
    assert!(again.stdout.contains("imported 0 of 9 files (6 unchanged, 3 skipped)"), "{}", again.stdout);
    // A file named by itself is what the person wants imported, an index or not.
    let named = site.run(&["import", "--dry-run", styles.join("index.md").to_str().unwrap()]).success();
    assert!(named.stdout.contains("would import 1 of 1 files (0 unchanged, 0 skipped)"), "{}", named.stdout);
}

#[test]
fn a_value_the_build_would_refuse_moves_to_the_comment_and_the_file_builds() {
    let site = Site::fixture("import");
    // Another tool's keys of hindsight's names in other shapes, and a Services cell too
    // long for a name; a `-->` that must not end import's comment.
    let cell = format!("the payments gateway {}", "shared by every region ".repeat(5));
    site.write(
        "odd/2024-03-01-broker-restarts.md",
        format!(
            "---\ntitle: \"Broker restarts\"\nstarted_at: sometime after lunch\nrelated: 5\nvisibility: \"se-->cret\"\n---\n\n\
             | Date | Severity | Services |\n|---|---|---|\n| 2024-03-01 | SEV-2 | {cell} |\n\n## Timeline\n\n- 14:00 Brokers restarted.\n"
        ),
    );
    site.run(&["import", site.root().join("odd").to_str().unwrap()]).success();
    let file = fs::read_to_string(site.root().join("content/postmortems/2024-03-01-broker-restarts.md")).unwrap();
    let (front, rest) = file.trim_start_matches("---\n").split_once("---\n").unwrap();
    for left in ["started_at", "related", "visibility"] {
        assert!(!front.contains(&format!("{left}:")), "{left} stays out of the front matter:\n{file}");
    }
    assert!(front.contains("services:\n- unknown\n"), "a postmortem has services: unknown until decided\n{file}");
    let comment = rest.split("-->").next().unwrap();
    for kept in [
        "`started_at` left out (`started_at` is not an RFC 3339 date-time with offset: `sometime after lunch`); the file had \"sometime after lunch\"",
        "`related` left out (",
        "the file had 5",
        "the file had \"se--&gt;cret\"",
        &format!("the file had [\"{}\"]", cell.trim()),
    ] {
        assert!(comment.contains(kept), "{kept:?} missing from the comment:\n{file}");
    }
    // `check_site` builds (and fails on any error) and finds every word of the body.
    assert_eq!(check_site(&site, false), 1, "every word of the body is on its page");
}

#[test]
fn each_command_says_the_next_step_where_a_person_is() {
    let site = Site::fixture("good");
    let dir = site.root().join("fresh");
    fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--root", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        std::process::Command::new(env!("CARGO_BIN_EXE_hindsight")).args(&all).output().unwrap()
    };
    // No archive yet: build and check say how to make one.
    for command in ["build", "check"] {
        let out = run(&[command]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("make one here with `hindsight init`"), "{command}");
    }
    assert!(run(&["init"]).status.success());
    // `new`: the path alone on standard output, what to do with it on standard error.
    let out = run(&["new", "Queue stalled", "--service", "queue"]);
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(path.ends_with("-queue-stalled.md") && !path.contains(' '), "{path}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("`hindsight serve`") && said.contains(&format!("`hindsight check {path}`")), "{said}");
    // A digest's links are only as good as `base_url`: `/` is said to lead nowhere.
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git").args(args).current_dir(&dir).output().unwrap().status.success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "start"]);
    let note = "which names no site";
    assert!(String::from_utf8_lossy(&run(&["digest"]).stderr).contains(note));
    let settings = fs::read_to_string(dir.join("site.toml")).unwrap();
    fs::write(dir.join("site.toml"), settings.replace("base_url = \"/\"", "base_url = \"https://pm.example.com/\""))
        .unwrap();
    let out = run(&["digest"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(note), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("](https://pm.example.com/postmortems/"));
}
