use std::fs;

use crate::site::{Site, assert_contains};

const TODAY: &str = "2024-07-01";

/// One lint case per rule: `clean.md` with its title set from the name and these changes.
const CASES: &[(&str, &[(&str, &str)])] = &[
    ("action-item-due", &[("    due: 2024-08-01\n", "")]),
    ("action-item-owner", &[("    owner: Dana Reyes\n", "")]),
    (
        "blame",
        &[(
            "The deploy tool did not wait for health checks before shifting traffic.",
            "Human error. Dana forgot to wait for health checks.",
        )],
    ),
    (
        "blame-unnamed",
        &[(
            "The deploy tool did not wait for health checks before shifting traffic.",
            "Alex forgot to wait for health checks. DNS caused more errors, S3 failed to serve, Deploy caused none.",
        )],
    ),
    (
        "broken-link",
        &[
            ("(clean.md#resolution)", "(clean.md#resolutoin)"),
            ("see [impact](#impact).", "see [impact](#impacts) and [old](../gone/)."),
            ("[the summary](../clean/#summary)", "[the summary](missing.md)"),
        ],
    ),
    (
        "counterfactual",
        &[("Health checks were skipped.", "We should have waited for health checks; if only the tool had.")],
    ),
    ("duplicate-id", &[("status: reviewed\n", "status: reviewed\nid: clean\n")]),
    ("empty-section", &[("Traffic was at 30% of peak.\n", "")]),
    ("front-matter", &[("services: [api]", "services: [api")]),
    (
        "internal-marker",
        &[("Rolled back at 10:30; see", "Rolled back at 10:30 <!-- internal -->by Dana<!-- internal -->; see")],
    ),
    ("invalid-value", &[("date: 2024-06-03\n", "date: 2024-06-31\n")]),
    ("missing-factors", &[("severity: SEV-3\nstatus: reviewed", "severity: SEV-2\nstatus: reviewed")]),
    ("missing-section", &[("\n## Trigger\n\nRelease 1.2.3 at 10:00.\n", "")]),
    ("overdue-action-item", &[("    due: 2024-08-01", "    due: 2024-06-20")]),
    ("required", &[("services: [api]\n", "")]),
    (
        "review-deadline-sev2",
        &[
            ("severity: SEV-3\nstatus: reviewed", "severity: SEV-2\nstatus: draft"),
            ("resolved_at: 2024-06-03T11:00:00Z", "resolved_at: 2024-06-21T11:00:00Z"),
        ],
    ),
    ("review-deadline", &[("severity: SEV-3\nstatus: reviewed", "severity: SEV-1\nstatus: draft")]),
    ("ticket-mismatch", &[("    status: todo\n", "    status: todo\n    link: https://tickets.example/OPS-1\n")]),
    ("timeline-entry", &[("- 10:30 Rollback complete.", "- Rollback complete.")]),
    ("timeline-order", &[("- 10:30 Rollback complete.", "- 10:03 Rollback complete.")]),
    ("timeline-range", &[("- 11:00 Resolved.", "- **2024-06-05 11:00** Resolved.")]),
    ("timeline-time", &[("- 10:30 Rollback complete.", "- 10:61 Rollback complete.")]),
    ("timeline-zone", &[("- 10:30 Rollback complete.", "- 03:30 PDT Rollback complete.")]),
    ("timeline-ambiguous", &[("- 10:05 Alert fires.", "- 06/03/2024 10:05 Alert fires.")]),
    ("timestamp-order", &[("mitigated_at: 2024-06-03T10:30:00Z", "mitigated_at: 2024-06-03T10:01:00Z")]),
    (
        "unknown-factor-kind",
        &[(
            "tags: [deploy]\n",
            "tags: [deploy]\ncontributing_factors:\n  - statement: No canary stage\n    kind: chnage\n",
        )],
    ),
    ("unknown-key", &[("status: reviewed\n", "status: reviewed\nflavour: spicy\n")]),
    ("unknown-related", &[("status: reviewed\n", "status: reviewed\nrelated: [clean, unknown-tagg]\n")]),
    ("unknown-severity", &[("severity: SEV-3", "severity: SEV-9")]),
    ("unknown-tag", &[("tags: [deploy]", "tags: [deploy, cofig-change]")]),
    (
        "vague-claim",
        &[(
            "The API returned errors to 4% of requests for 60 minutes after a deploy.",
            "Latency increased and many users saw errors after a deploy.",
        )],
    ),
];

/// The lint fixture (`clean.md` and a `site.toml`) with the cases named, or all of them.
fn lint_site(only: Option<&[&str]>) -> Site {
    let site = Site::fixture("lint");
    for (name, changes) in CASES.iter().filter(|(name, _)| only.is_none_or(|o| o.contains(name))) {
        let title = format!("title: \"{}{}\"", name[..1].to_uppercase(), name[1..].replace('-', " "));
        let mut all = vec![("title: \"Clean\"", title.as_str())];
        all.extend_from_slice(changes);
        site.patched("content/postmortems/clean.md", &format!("content/postmortems/{name}.md"), &all);
    }
    site
}

/// (file, line, col, rule) of every finding, from `--format json`.
fn findings(json_lines: &str) -> Vec<(String, u64, u64, String)> {
    json_lines
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let file = v["path"].as_str().unwrap().trim_start_matches("content/postmortems/").to_string();
            (file, v["line"].as_u64().unwrap(), v["col"].as_u64().unwrap(), v["rule"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn every_rule_fires_exactly_where_expected_and_nowhere_else() {
    let site = lint_site(None);
    let run = site.run_inside(&["check", "--format", "json", "--today", TODAY]).failure(1);
    let expected: &[(&str, u64, u64, &str)] = &[
        ("action-item-due.md", 14, 13, "action-item-due"),
        ("action-item-owner.md", 14, 13, "action-item-owner"),
        ("blame-unnamed.md", 31, 1, "blame"),
        ("blame.md", 31, 1, "blame"),
        ("blame.md", 31, 14, "blame"),
        ("broken-link.md", 39, 27, "broken-link"),
        ("broken-link.md", 47, 34, "broken-link"),
        ("broken-link.md", 47, 57, "broken-link"),
        ("broken-link.md", 74, 28, "broken-link"),
        ("counterfactual.md", 57, 4, "counterfactual"),
        ("counterfactual.md", 57, 42, "counterfactual"),
        ("duplicate-id.md", 6, 5, "duplicate-id"),
        ("empty-section.md", 59, 5, "empty-section"),
        ("front-matter.md", 7, 5, "front-matter"),
        ("internal-marker.md", 39, 46, "internal-marker"),
        ("invalid-value.md", 3, 7, "invalid-value"),
        ("missing-factors.md", 5, 9, "missing-factors"),
        ("missing-section.md", 19, 1, "missing-section"),
        ("overdue-action-item.md", 16, 10, "overdue-action-item"),
        ("required.md", 1, 1, "required"),
        ("review-deadline-sev2.md", 5, 1, "review-deadline"),
        ("review-deadline.md", 5, 1, "review-deadline"),
        ("ticket-mismatch.md", 19, 11, "ticket-mismatch"),
        ("timeline-ambiguous.md", 68, 3, "timeline-ambiguous"),
        ("timeline-entry.md", 69, 3, "timeline-entry"),
        ("timeline-order.md", 69, 3, "timeline-order"),
        ("timeline-range.md", 70, 5, "timeline-range"),
        ("timeline-time.md", 69, 3, "timeline-time"),
        ("timeline-zone.md", 69, 9, "timeline-zone"),
        ("timestamp-order.md", 11, 1, "timestamp-order"),
        ("unknown-factor-kind.md", 10, 11, "unknown-factor-kind"),
        ("unknown-key.md", 6, 1, "unknown-key"),
        ("unknown-related.md", 6, 18, "unknown-related"),
        ("unknown-severity.md", 4, 11, "unknown-severity"),
        ("unknown-tag.md", 7, 16, "unknown-tag"),
        ("vague-claim.md", 23, 1, "vague-claim"),
        ("vague-claim.md", 23, 23, "vague-claim"),
    ];
    let expected: Vec<_> = expected.iter().map(|(f, l, c, r)| (f.to_string(), *l, *c, r.to_string())).collect();
    assert_eq!(findings(&run.stdout), expected);
    // Every rule that can fire on postmortems is exercised by a fixture named after it.
    for rule in hindsight::diagnostics::Rule::ALL {
        let fixture = site.root().join(format!("content/postmortems/{}.md", rule.id()));
        // source-id needs `[[sources]]` repositories: tests/testsuite/sources.rs.
        let exempt = ["io", "encoding", "config", "template", "source-id"];
        assert!(fixture.exists() || exempt.contains(&rule.id()), "no fixture for rule {}", rule.id());
    }
    assert!(run.stderr.contains("checked 32 files against all 34 rules: 16 errors, 21 warnings"), "{}", run.stderr);
    // A build reports the rules it says it applies, each that fired here, and no other.
    let build = site.run(&["build", "--drafts", "--today", TODAY]).failure(1);
    let fired = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("error[").or_else(|| l.strip_prefix("warning[")))
            .filter_map(|l| l.split(']').next().map(str::to_string))
            .collect()
    };
    let by_check: std::collections::BTreeSet<String> = expected.iter().map(|f| f.3.clone()).collect();
    let in_build = |id: &String| hindsight::diagnostics::Rule::ALL.iter().any(|r| r.id() == id && r.in_build());
    let wanted: std::collections::BTreeSet<String> = by_check.into_iter().filter(in_build).collect();
    assert_eq!(fired(&build.stderr), wanted, "{}", build.stderr);
}

#[test]
fn the_clean_postmortem_has_no_findings() {
    let site = Site::fixture("lint");
    let run = site.run_inside(&["check", "--today", TODAY, "--deny-warnings"]).success();
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("checked 1 file against all 34 rules: 0 errors, 0 warnings"), "{}", run.stderr);
}

/// A few findings of each kind, enough to pin the three output formats.
fn small_site() -> Site {
    lint_site(Some(&["vague-claim", "unknown-severity", "overdue-action-item"]))
}

#[test]
fn output_formats() {
    let site = small_site();
    let human = site.run_inside(&["check", "--today", TODAY]).failure(1);
    insta::assert_snapshot!("check_human", human.stdout);
    let github = site.run_inside(&["check", "--format", "github", "--today", TODAY]).failure(1);
    insta::assert_snapshot!("check_github", github.stdout);
    let json = site.run_inside(&["check", "--format", "json", "--today", TODAY]).failure(1);
    insta::assert_snapshot!("check_json", json.stdout);
    assert!(human.stderr.contains("checked 4 files against all 34 rules: 1 error, 3 warnings"), "{}", human.stderr);
}

#[test]
fn warnings_pass_unless_denied_and_today_moves_deadlines() {
    let site = small_site();
    site.remove("content/postmortems/unknown-severity.md");
    site.run_inside(&["check", "--today", TODAY]).success();
    let denied = site.run_inside(&["check", "--today", TODAY, "--deny-warnings"]).failure(1);
    assert!(denied.stderr.contains("(warnings denied)"), "{}", denied.stderr);
    let before_due = site.run_inside(&["check", "--today", "2024-06-19", "--format", "json"]).success();
    assert!(!before_due.stdout.contains("overdue-action-item"), "{}", before_due.stdout);
    site.run_inside(&["check", "--today", "yesterday"]).failure(2);
}

#[test]
fn rules_are_switched_and_re_levelled_in_site_toml() {
    let site = small_site();
    site.remove("content/postmortems/unknown-severity.md");
    site.write("site.toml", "[rules]\nvague-claim = \"off\"\noverdue-action-item = \"error\"\n");
    let run = site.run_inside(&["check", "--format", "json", "--today", TODAY]).failure(1);
    let rules: Vec<String> = findings(&run.stdout).into_iter().map(|f| f.3).collect();
    assert_eq!(rules, ["overdue-action-item"]);
    assert!(run.stdout.contains("\"level\":\"error\""));

    site.write("site.toml", "[rules]\nduplicate-id = \"off\"\nvague-clam = \"off\"\n");
    let run = site.run_inside(&["check"]).failure(1);
    assert_contains(
        &(run.findings() + &run.stdout),
        &[
            "site.toml:2:1: error[config]: rule `duplicate-id` cannot be changed",
            "unknown rule `vague-clam`",
            "did you mean `vague-claim`?",
        ],
    );
}

#[test]
fn new_writes_the_template_that_check_accepts_but_for_empty_sections() {
    let site = Site::fixture("lint");
    fs::remove_dir_all(site.root().join("content/postmortems")).unwrap();
    let before = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let run = site
        .run_inside(&[
            "new",
            "Checkout API: 5xx spike",
            "--service",
            "checkout",
            "--service",
            "payments",
            "--severity",
            "SEV-2",
        ])
        .success();
    // `new` dates the file in the archive's zone (UTC here), not the machine's.
    let rel = run.stdout.trim().to_string();
    let days = [before, jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()];
    assert!(
        days.iter().any(|d| rel == format!("content/postmortems/{d}-checkout-api-5xx-spike.md")),
        "{rel} is not dated {days:?}"
    );
    let text = fs::read_to_string(site.root().join(&rel)).unwrap();
    assert!(text.contains("title: \"Checkout API: 5xx spike\"\n"), "{text}");
    assert!(
        text.contains("services: [\"checkout\",\"payments\"]")
            || text.contains("services: [\"checkout\", \"payments\"]"),
        "{text}"
    );

    // A draft's untouched sections are expected: one finding names them all.
    let check = site.run_inside(&["check", "--format", "json"]).success();
    let rules: Vec<String> = findings(&check.stdout).into_iter().map(|f| f.3).collect();
    assert_eq!(rules, ["empty-section"], "{}", check.stdout);
    let sections = "Summary, Impact, Root Causes, Trigger, Resolution, Detection, Action Items";
    assert!(check.stdout.contains(&format!("sections still to write: {sections}")), "{}", check.stdout);
    // Past draft, each is a finding of its own.
    let reviewed = text.replace("status: draft", "status: in-review");
    fs::write(site.root().join(&rel), &reviewed).unwrap();
    let check = site.run_inside(&["check", "--format", "json"]).success();
    let empty = findings(&check.stdout).into_iter().filter(|f| f.3 == "empty-section").count();
    assert!(empty >= 7, "{}", check.stdout);
    fs::write(site.root().join(&rel), &text).unwrap();

    let again = site.run_inside(&["new", "Checkout API: 5xx spike", "--service", "checkout"]).failure(2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(fs::read_to_string(site.root().join(&rel)).unwrap(), text, "never overwritten");
    let bad = site.run_inside(&["new", "X", "--service", "a", "--severity", "SEV-7"]).failure(2);
    assert!(bad.stderr.contains("unknown severity `SEV-7`"), "{}", bad.stderr);
}

#[test]
fn the_template_is_a_theme_file_a_site_can_replace() {
    let site = Site::fixture("lint");
    site.write("theme/templates/new.md", "---\ntitle: {{ title|tojson }}\n---\nCustom {{ services|join(\",\") }}\n");
    let run = site.run_inside(&["new", "Custom one", "--service", "api"]).success();
    let text = fs::read_to_string(site.root().join(run.stdout.trim())).unwrap();
    assert_eq!(text, "---\ntitle: \"Custom one\"\n---\nCustom api\n");
}

#[test]
fn the_example_archive_passes_check() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .arg("--root")
        .arg(repo)
        .args(["check", "--today", "2025-11-21", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let rules: std::collections::BTreeSet<String> = findings(&stdout).into_iter().map(|f| f.3).collect();
    assert!(rules.iter().all(|r| r == "overdue-action-item" || r == "action-item-owner"), "{rules:?}");
}

#[test]
fn readme_documents_every_rule() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for rule in hindsight::diagnostics::Rule::ALL {
        assert!(readme.contains(&format!("| `{}` |", rule.id())), "README lacks rule {}", rule.id());
    }
}

#[test]
fn one_error_in_a_file_hides_none_of_its_other_findings() {
    let site = Site::fixture("lint");
    site.patched(
        "content/postmortems/clean.md",
        "content/postmortems/many.md",
        &[
            ("title: \"Clean\"", "title: \"Many\""),
            ("tags: [deploy]", "tags: {deploy: yes}"),
            (
                "authors: [Dana Reyes]",
                "authors: [Dana Reyes]\nrelated: [clean, unknown-tagg]\nservices: 7\nowner: {a: b}",
            ),
            ("services: [api]\n", ""),
            ("- 10:30 Rollback complete.", "- 10:03 Rollback complete."),
            (
                "The API returned errors to 4% of requests for 60 minutes after a deploy.",
                "Latency increased and many users saw errors after a deploy.",
            ),
        ],
    );
    let run = site.run_inside(&["check", "--format", "json", "--today", TODAY]).failure(1);
    // Three values of the wrong type: each reported, none also "missing", the rest read.
    let rules: Vec<(u64, String)> = findings(&run.stdout).into_iter().map(|(_, line, _, rule)| (line, rule)).collect();
    assert_eq!(
        rules,
        [
            (6, "front-matter".to_string()),
            (8, "unknown-related".to_string()),
            (9, "front-matter".to_string()),
            (10, "unknown-key".to_string()),
            (25, "vague-claim".to_string()),
            (25, "vague-claim".to_string()),
            (71, "timeline-order".to_string()),
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn a_value_a_postmortem_cannot_be_without_hides_none_of_its_other_findings() {
    // Each breaks what a page cannot be made without; the same two warnings and the
    // timeline's error come with it.
    let cases: &[(&str, (&str, &str), &str)] = &[
        ("severity-unknown", ("severity: SEV-3", "severity: sev3"), "unknown-severity"),
        ("severity-missing", ("severity: SEV-3\n", ""), "required"),
        ("date-impossible", ("date: 2024-06-03", "date: 2024-02-30"), "invalid-value"),
        ("title-missing", ("title: \"Clean\"\n", ""), "required"),
        ("id-not-a-slug", ("status: reviewed", "status: reviewed\nid: Not A Slug"), "invalid-value"),
    ];
    for (name, (from, to), error) in cases {
        let site = Site::fixture("lint");
        site.patched(
            "content/postmortems/clean.md",
            &format!("content/postmortems/{name}.md"),
            &[
                (*from, *to),
                ("- 10:30 Rollback complete.", "- 10:03 Rollback complete."),
                (
                    "The API returned errors to 4% of requests for 60 minutes after a deploy.",
                    "Latency increased and many users saw errors after a deploy.",
                ),
            ],
        );
        let run = site.run_inside(&["check", "--format", "json", "--today", TODAY]).failure(1);
        let mut rules: Vec<String> =
            findings(&run.stdout).into_iter().filter(|(f, ..)| f.contains(name)).map(|(.., rule)| rule).collect();
        rules.sort();
        let mut expected = vec![error.to_string(), "timeline-order".into(), "vague-claim".into(), "vague-claim".into()];
        expected.sort();
        assert_eq!(rules, expected, "{name}:\n{}", run.stdout);
        // Never published, so never shown with a value it did not have.
        site.run(&["build", "--drafts"]).failure(1);
    }
}

#[test]
fn fragments_written_as_on_github_are_not_broken_and_point_at_the_heading() {
    let site = Site::fixture("lint");
    site.patched(
        "content/postmortems/clean.md",
        "content/postmortems/github-style.md",
        &[
            ("title: \"Clean\"", "title: \"GitHub style\""),
            ("(clean.md#resolution)", "(clean.md#Resolution)"),
            (
                "see [impact](#impact).",
                "see [impact](#Impact), [lessons](#Lessons-Learned) and [wrong](#what%20went%20wrong).",
            ),
            ("[the summary](../clean/#summary)", "[the summary](../clean/#Summary)"),
        ],
    );
    let run = site.run_inside(&["check", "--today", TODAY]).success();
    assert!(
        run.stderr.contains("checked 2 files against all 34 rules: 0 errors, 0 warnings"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    site.run_inside(&["build", "--today", TODAY]).success();
    let page = site.read("postmortems/github-style/index.html");
    assert_contains(
        &page,
        &[
            "href=\"../../postmortems/clean/#resolution\"",
            "href=\"#impact\"",
            "href=\"#lessons-learned\"",
            "href=\"#what-went-wrong\"",
            "href=\"../clean/#summary\"",
        ],
    );
}

#[test]
fn letters_that_change_length_when_lowercased_do_not_panic() {
    let site = Site::fixture("lint");
    site.patched(
        "content/postmortems/clean.md",
        "content/postmortems/clean.md",
        &[(
            "The API returned errors to 4% of requests for 60 minutes after a deploy.",
            "İİİ latency increased— ẞẞ. İ ẞ latency increased ẞ.",
        )],
    );
    let run = site.run_inside(&["check", "--format", "json", "--today", TODAY]).success();
    let found = findings(&run.stdout);
    let cols: Vec<u64> = found.iter().filter(|f| f.3 == "vague-claim").map(|f| f.2).collect();
    assert_eq!(cols, [5, 32], "columns count characters: {}", run.stdout);
}

/// A pull request is held to the rules for the files it changes, committed or not; an old
/// file's problem (here a timeline running backwards) does not block it.
#[test]
fn changed_checks_only_what_the_branch_changed() {
    use crate::insights::git;
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/old.md",
        "---\ntitle: Old\ndate: 2020-01-02\nseverity: SEV-3\nservices: [api]\n---\n\n## Timeline\n\n- 14:05 a\n- 13:59 b\n",
    );
    let day = "2025-01-01T10:00:00Z";
    git(site.root(), &["init", "-q", "-b", "main"], "x", day);
    git(site.root(), &["add", "-A"], "Ann", day);
    git(site.root(), &["commit", "-q", "-m", "archive"], "Ann", day);
    git(site.root(), &["checkout", "-q", "-b", "pr"], "x", day);
    site.run_inside(&["check", "--changed"]).success();
    site.write(
        "content/postmortems/new.md",
        "---\ntitle: New\ndate: 2024-01-02\nseverity: SEV-3\nservices: [api]\n---\n\n## Timeline\n\n- 10:05 a\n- 10:01 b\n",
    );
    let run = site.run_inside(&["check", "--changed", "main", "--format", "json"]).failure(1);
    let files: Vec<String> = findings(&run.stdout).into_iter().map(|(path, ..)| path).collect();
    assert!(!files.is_empty() && files.iter().all(|p| p.ends_with("new.md")), "{}", run.stdout);
    assert!(run.stdout.contains("timeline-order"), "{}", run.stdout);
    // The whole archive is held to the rules by a plain check, old files included.
    let all = site.run_inside(&["check", "--format", "json"]).failure(1);
    assert!(all.stdout.contains("old.md"), "{}", all.stdout);
}
