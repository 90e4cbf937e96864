use crate::site::{Site, assert_contains};

/// Builds the good fixture, adds `contents` at `rel`, builds again: the second build must
/// fail with exit 1 and leave the first build's output byte for byte. Returns its findings
/// (`site::findings`), then its whole standard error, where the hints are.
#[track_caller]
fn broken(rel: &str, contents: impl AsRef<[u8]>) -> String {
    let site = Site::fixture("good");
    site.build().success();
    let before = site.snapshot();
    site.write(rel, contents);
    let run = site.build().failure(1);
    assert_eq!(site.snapshot(), before, "a failed build must leave the previous output untouched");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    run.findings() + &run.stderr
}

const HEAD: &str = "---\ntitle: \"Bad\"\ndate: 2024-01-02\nservices: [api]\n";

#[test]
fn unknown_severity_points_at_the_value_with_a_suggestion() {
    let err = broken("content/postmortems/bad.md", format!("{HEAD}severity: SEV-l\n---\nbody\n"));
    assert_contains(
        &err,
        &[
            "content/postmortems/bad.md:5:11: error[unknown-severity]: unknown severity `SEV-l`",
            "5 | severity: SEV-l\n  |           ^^^^^\n",
            "help: did you mean `SEV-1`?",
            "1 error in the archive; nothing was written",
        ],
    );
}

#[test]
fn duplicate_ids_name_both_files() {
    let err = broken("content/postmortems/zzz.md", format!("{HEAD}severity: SEV-2\nid: checkout-outage\n---\n"));
    assert_contains(
        &err,
        &[
            "zzz.md:6:5: error[duplicate-id]: duplicate id `checkout-outage`: content/postmortems/checkout-outage.md has it too",
        ],
    );
}

#[test]
fn timestamps_out_of_order() {
    let err = broken(
        "content/postmortems/bad.md",
        format!(
            "{HEAD}severity: SEV-2\nstarted_at: 2024-01-02T10:00:00Z\ndetected_at: 2024-01-02T09:00:00+00:00\n---\n"
        ),
    );
    assert_contains(
        &err,
        &[
            "bad.md:7:1: error[timestamp-order]: `detected_at` (2024-01-02T09:00:00Z) is before `started_at` (2024-01-02T10:00:00Z)",
        ],
    );
}

#[test]
fn bad_dates_and_timestamps() {
    let err = broken(
        "content/postmortems/bad.md",
        "---\ntitle: x\ndate: 2024-13-45\nseverity: SEV-1\nservices: [a]\nresolved_at: yesterday\naction_items:\n  - title: t\n    due: soon\n---\n",
    );
    assert_contains(
        &err,
        &[
            "bad.md:3:7: error[invalid-value]: `date` is not a valid date: `2024-13-45`",
            "bad.md:6:14: error[invalid-value]: `resolved_at` is not an RFC 3339 date-time with offset: `yesterday`",
            "bad.md:9:10: error[invalid-value]: `action_items` is not a valid date: `soon`",
            "3 errors in the archive",
        ],
    );
}

#[test]
fn non_utf8_files_are_reported_with_position() {
    let mut bytes = b"---\ntitle: caf".to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(b"\n---\n");
    let err = broken("content/postmortems/latin1.md", bytes);
    assert_contains(
        &err,
        &["latin1.md:2:11: error[encoding]: file is not valid UTF-8 (byte 14)", "re-save the file as UTF-8"],
    );
}

#[test]
fn unclosed_front_matter_and_syntax_errors() {
    let err = broken("content/postmortems/open.md", "---\ntitle: x\n\n# Body\n");
    assert_contains(&err, &["open.md:1:1: error[front-matter]: front matter is never closed", "add a line `---`"]);
    let err = broken("content/postmortems/yaml.md", "---\ntitle: x\nservices: [a, b\nseverity: SEV-1\n---\n");
    assert_contains(&err, &["yaml.md:4:", "error[front-matter]: invalid front matter"]);
    let err = broken("content/postmortems/toml.md", "+++\ntitle = \"x\"\nservices = 3\n+++\n");
    assert_contains(
        &err,
        &[
            "toml.md:3:12: error[front-matter]: invalid front matter: invalid type: integer `3`, expected a list of strings, or one string",
        ],
    );
    let err = broken("content/postmortems/none.md", "# Just a body\n");
    assert_contains(&err, &["none.md:1:1: error[front-matter]: file does not start with front matter"]);
}

#[test]
fn missing_required_keys_and_dangling_related() {
    let err = broken("content/postmortems/bad.md", "---\nrelated: [chekout-outage]\n---\n");
    assert_contains(
        &err,
        &[
            "bad.md:1:1: error[required]: missing `title`",
            "bad.md:1:1: error[required]: missing `severity`",
            "bad.md:1:1: error[required]: `services` is missing or empty",
            "bad.md:1:1: error[required]: missing `date`",
        ],
    );
    let err = broken("content/postmortems/rel.md", format!("{HEAD}severity: SEV-1\nrelated: [chekout-outage]\n---\n"));
    assert_contains(
        &err,
        &[
            "rel.md:6:11: error[unknown-related]: related postmortem `chekout-outage` does not exist",
            "did you mean `checkout-outage`?",
        ],
    );
}

/// One file's body never stops the archive: a timeline entry out of order or with a time
/// that is none is a warning in a build (the entry shown as written, off the drawing), and
/// an error for `check`, which a pull request runs on the files it changes.
#[test]
fn a_body_problem_warns_in_a_build_and_fails_check() {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/bad.md",
        format!("{HEAD}severity: SEV-1\nstatus: reviewed\n---\n\n## Timeline\n\n- 14:05 a\n- **13:59** b\n- 25:61 c\n- 14:30 d\n"),
    );
    let run = site.build().success();
    assert_contains(
        &run.findings(),
        &[
            "bad.md:12:5: warning[timeline-order]: timeline entry at 13:59 is earlier than the one before it (2024-01-02 14:05)",
            "bad.md:13:3: warning[timeline-time]: `25:61` is not a valid date and time",
        ],
    );
    let page = site.read("postmortems/bad/index.html");
    let placed: Vec<&str> = crate::site::attr_values(&page, "data-at");
    assert_eq!(
        placed,
        ["2024-01-02T14:05:00Z", "2024-01-02T14:30:00Z"],
        "only the readable entries in order are drawn"
    );
    assert_contains(&page, &["13:59", "25:61 c"]);
    let check = site.run_inside(&["check", "content/postmortems/bad.md"]).failure(1);
    assert_contains(
        &check.findings(),
        &["bad.md:12:5: error[timeline-order]: timeline entry at 13:59", "bad.md:13:3: error[timeline-time]"],
    );
}

#[test]
fn a_zone_line_that_names_no_zone_stops_neither_build_nor_check() {
    // `All times in UTC+1é1 (CET).` once ended every command with a panic (exit 101).
    let site = Site::fixture("good");
    let zone = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/timeline/zone-offset-not-ascii"),
    )
    .unwrap();
    site.write("content/postmortems/zone.md", format!("{HEAD}severity: SEV-2\n---\n{zone}"));
    site.build().success();
    let check = site.run(&["check"]);
    assert!(matches!(check.code, 0 | 1), "check must report, not crash (exit {}): {}", check.code, check.stderr);
}

#[test]
fn errors_in_several_files_are_all_reported_in_one_run() {
    let site = Site::fixture("good");
    site.write("content/postmortems/a.md", format!("{HEAD}severity: SEV-9\n---\n"));
    site.write("content/postmortems/b.md", "---\ntitle: x\n");
    site.write("content/external/c.md", "---\ntitle: no url\n---\n");
    let run = site.build().failure(1);
    assert_contains(
        &(run.findings() + &run.stderr),
        &["a.md:5:11: error", "b.md:1:1: error", "c.md:1:1: error[required]: missing `url`", "3 errors in the archive"],
    );
    assert!(!site.public().exists(), "nothing written on a first failed build");
}

#[test]
fn bad_site_config_and_templates() {
    let err = broken("site.toml", "title = \"x\"\nseverites = [\"SEV-1\"]\n");
    assert_contains(&err, &["site.toml:2:1: error[config]: unknown field `severites`"]);
    let err = broken("site.toml", "title = \"x\"\nper_page = 0\n");
    assert_contains(&err, &["site.toml:2:12: error[config]: `per_page = 0`: a page holds at least one entry"]);
    let err = broken(
        "theme/templates/term.html",
        "{% extends \"base.html\" %}\n{% block main %}{{ term.name }\n{% endblock %}\n",
    );
    assert_contains(&err, &["theme/templates/term.html:2:", "error[template]: "]);
}

#[test]
fn output_folder_that_would_destroy_sources_is_refused() {
    let site = Site::fixture("good");
    let root = site.root().to_str().unwrap().to_string();
    for out in [root.clone(), format!("{root}/content"), site.root().parent().unwrap().to_str().unwrap().to_string()] {
        let run = site.run(&["build", "-o", &out]).failure(2);
        assert!(run.stderr.contains("refusing to use"), "{}", run.stderr);
    }
    assert!(site.root().join("content/postmortems/checkout-outage.md").exists());
}

#[test]
fn usage_errors_exit_2() {
    let site = Site::fixture("good");
    site.run(&["build", "--no-such-flag"]).failure(2);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root", "/nonexistent/archive", "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/archive"));
}

#[test]
fn a_page_that_cannot_be_written_is_an_io_error_and_nothing_is_replaced() {
    let site = Site::fixture("good");
    site.build().success();
    let before = site.snapshot();
    // A valid id, but a folder name longer than file systems allow (255 bytes).
    let id = "x".repeat(300);
    site.write("content/postmortems/long.md", format!("{HEAD}severity: SEV-2\nstatus: closed\nid: {id}\n---\nbody\n"));
    let run = site.build().failure(2);
    assert_contains(&run.stderr, &["nothing was written", "cannot"]);
    assert_eq!(site.snapshot(), before, "a failed build must leave the previous output untouched");
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let site = Site::fixture("good");
    let body = "Checkout latency grew from 300 ms to 1.2 s while the payments queue backed up.\n".repeat(3);
    for n in 0..400 {
        let pm = format!("{HEAD}severity: SEV-3\ntitle: \"Checkout incident {n}\"\n---\n{body}");
        site.write(&format!("content/postmortems/many/pm-{n}.md"), pm.replacen("title: \"Bad\"\n", "", 1));
    }
    // Like `hindsight search checkout --json | head -1`: far more output than a pipe holds.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["--root"])
        .arg(site.root())
        .args(["search", "checkout", "--json", "--limit", "400"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"id\":"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error") && !stderr.contains("panicked"), "{stderr}");
}

/// Total bytes of the output folder.
fn output_size(site: &Site) -> u64 {
    walkdir::WalkDir::new(site.public())
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

/// Output bytes of the good fixture with one more postmortem whose front matter `make(n)` writes.
fn output_with(make: &dyn Fn(usize) -> String, n: usize) -> u64 {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/many.md",
        format!("{HEAD}severity: SEV-2\nstatus: closed\n{}---\n\nBody.\n", make(n)),
    );
    site.build().success();
    output_size(&site)
}

#[test]
fn output_grows_linearly_with_services_and_owners_in_one_file() {
    let services = |n: usize| {
        format!(
            "tags: [{}]\nteams: [{}]\n",
            (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>().join(", "),
            (0..n).map(|i| format!("team{i}")).collect::<Vec<_>>().join(", ")
        )
    };
    let owners = |n: usize| {
        let items: String =
            (0..n).map(|i| format!("  - title: Fix {i}\n    owner: owner-{i}\n    due: 2030-01-01\n")).collect();
        format!("action_items:\n{items}")
    };
    for (what, make) in [("terms", &services as &dyn Fn(usize) -> String), ("owners", &owners)] {
        let base = output_with(make, 0);
        let (one, two) = (output_with(make, 50) - base, output_with(make, 100) - base);
        // Twice the entries may cost a little more than twice the bytes (longer names), not four times.
        assert!(two < one * 5 / 2, "{what}: 50 added {one} bytes, 100 added {two}");
    }
}

#[test]
fn absurd_values_are_errors_at_the_value() {
    let services: Vec<String> = (0..2000).map(|i| format!("s{i}")).collect();
    let long = "x".repeat(150);
    let err = broken(
        "content/postmortems/bad.md",
        format!(
            "---\ntitle: \"{}\"\ndate: 2024-01-02\nseverity: SEV-2\nservices: [{}]\ntags: [ok, {long}]\n---\n",
            "T".repeat(400),
            services.join(", ")
        ),
    );
    assert_contains(
        &err,
        &[
            "bad.md:2:1: error[invalid-value]: `title` is 400 characters long; at most 300 fit a title",
            "bad.md:5:1: error[invalid-value]: `services` lists 2000 entries; at most 100 are allowed",
            "bad.md:6:12: error[invalid-value]: an entry of `tags` is 150 characters long; at most 100 are allowed",
        ],
    );
}

#[test]
fn deeply_nested_yaml_is_refused_quickly_and_shown_briefly() {
    let started = std::time::Instant::now();
    let err = broken(
        "content/postmortems/bad.md",
        format!("{HEAD}severity: SEV-2\nx: {}{}\n---\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    assert_contains(
        &err,
        &["bad.md:6:68: error[front-matter]: invalid front matter: lists or maps nest more than 64 levels deep"],
    );
    assert!(err.lines().all(|l| l.chars().count() < 300), "a finding shows a window of a long line:\n{err}");
}

#[test]
fn twenty_thousand_action_items_are_checked_in_linear_time() {
    let site = Site::fixture("good");
    let items: String =
        (0..20_000).map(|i| format!("  - title: Fix {i}\n    owner: o{}\n    due: 2020-01-01\n", i % 7)).collect();
    site.write(
        "content/postmortems/many.md",
        format!("{HEAD}severity: SEV-2\nstatus: closed\naction_items:\n{items}---\n\nBody.\n"),
    );
    let started = std::time::Instant::now();
    let run = site.run(&["check"]).success();
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let out = run.findings();
    let overdue = out.lines().filter(|l| l.contains("many.md:") && l.contains("warning[overdue-action-item]")).count();
    assert_eq!(overdue, 20_000, "every item is reported");
    assert!(
        out.contains("many.md:60007:10: warning[overdue-action-item]: action item `Fix 19999`"),
        "the last one at its own line"
    );
}

/// Found by the `lint` fuzz target: a date typed centuries off (8929) made the insights
/// chart one bar per month in between, 8.8 MB for two postmortems.
#[test]
fn a_date_centuries_away_does_not_grow_the_insights_page() {
    let site = Site::fixture("good");
    site.build().success();
    let before = output_size(&site);
    site.write(
        "content/postmortems/far.md",
        "---\ntitle: Far\ndate: 8929-01-08\nseverity: SEV-3\nstatus: closed\nservices: [api]\n---\nbody\n",
    );
    site.run(&["build", "--today", "2026-01-15"]).success();
    let insights = site.read("insights/index.html");
    assert!(insights.len() < 200_000, "insights page is {} bytes", insights.len());
    assert!(output_size(&site) < before * 2, "{} bytes after, {before} before", output_size(&site));
    assert!(insights.contains(" – 8928-12"), "the months between are one row");
}

/// A command that needs only the settings shows every error of `site.toml` at its position
/// and exits 1, as `build` does: not the first error alone with the exit status of a crash.
#[test]
fn every_command_shows_every_settings_error_and_exits_1() {
    let site = Site::fixture("good");
    let settings = [("severities = [\"SEV-1\", \"SEV-2\", \"SEV-3\"]", "severities = []\ntimezone = \"Mars/Olympus\"")];
    site.patched("site.toml", "site.toml", &settings);
    let commands: [&[&str]; 5] = [
        &["search", "dns"],
        &["new", "Disk full", "--service", "api"],
        &["import", "content"],
        &["schema"],
        &["build"],
    ];
    for args in commands {
        let run = site.run(args).failure(1);
        assert_contains(
            &run.stderr,
            &["error[config]: `severities` is empty", "error[config]: unknown time zone `Mars/Olympus`", "2 errors"],
        );
    }
}
