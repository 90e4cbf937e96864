use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::site::{Site, assert_contains, attr_values, postmortem_links};

fn built() -> Site {
    let site = Site::fixture("good");
    site.build().success();
    site
}

#[test]
fn every_page_kind_is_written() {
    let site = built();
    for page in [
        "index.html",
        "404.html",
        "postmortems/checkout-outage/index.html",
        "postmortems/db-failover/index.html",
        "services/index.html",
        "services/checkout/index.html",
        "severities/sev-1/index.html",
        "tags/config-change/index.html",
        "years/2023/index.html",
        "status/closed/index.html",
        "teams/checkout/index.html",
        "external/index.html",
        "static/style.css",
    ] {
        assert!(site.public().join(page).is_file(), "{page} missing");
    }
    let leftovers = site.leftovers();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
}

#[test]
fn every_internal_link_and_anchor_resolves() {
    let site = built();
    let public = site.public();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&public).into_iter().map(Result::unwrap) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "html") || path.ends_with("404.html") {
            continue;
        }
        let html = fs::read_to_string(path).unwrap();
        assert!(!html.contains("__hindsight"), "{}: the live-reload script is for serve only", path.display());
        let ids: HashSet<&str> = attr_values(&html, "id").into_iter().collect();
        for link in attr_values(&html, "href").into_iter().chain(attr_values(&html, "src")) {
            assert!(!link.is_empty(), "empty link in {}", path.display());
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:") {
                continue;
            }
            if let Some(anchor) = link.strip_prefix('#') {
                assert!(ids.contains(anchor), "{}: no element with id {anchor}", path.display());
                continue;
            }
            let target = resolve(path.parent().unwrap(), link.split('#').next().unwrap());
            assert!(target.is_file(), "{}: link {link} points to missing {}", path.display(), target.display());
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} links checked");
}

fn resolve(dir: &Path, link: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                path.pop();
            }
            p => path.push(p),
        }
    }
    if link.ends_with('/') || link.is_empty() || link == "./" { path.join("index.html") } else { path }
}

#[test]
fn taxonomy_pages_list_exactly_their_postmortems_newest_first() {
    let site = built();
    let cases: [(&str, &[&str]); 9] = [
        ("services/payments/index.html", &["checkout-outage", "db-failover"]),
        ("services/checkout/index.html", &["checkout-outage"]),
        ("services/postgres/index.html", &["db-failover"]),
        ("severities/sev-2/index.html", &["db-failover"]),
        ("tags/deploy/index.html", &["checkout-outage", "db-failover"]),
        ("years/2024/index.html", &["checkout-outage"]),
        ("years/2023/index.html", &["db-failover"]),
        ("status/reviewed/index.html", &["db-failover"]),
        ("index.html", &["checkout-outage", "db-failover"]),
    ];
    for (page, expected) in cases {
        let html = site.read(page);
        let main = html.split("<main").nth(1).unwrap();
        assert_eq!(postmortem_links(main), expected, "{page}");
    }
    let services = site.read("services/index.html");
    assert!(
        services.contains(">payments</a> <span class=\"count\" aria-label=\"2 postmortems\">2</span>"),
        "{services}"
    );
    assert!(!site.public().join("services/search").exists(), "a draft's service has no page");
}

#[test]
fn durations_and_times_are_computed_from_front_matter() {
    let site = built();
    let html = site.read("postmortems/checkout-outage/index.html");
    for expected in [
        "<dt>Time to detect</dt><dd>7 min</dd>",
        "<dt>Time to mitigate</dt><dd>1 h 08 min</dd>",
        "<dt>Time to resolve</dt><dd>1 d 2 h</dd>",
        "<time datetime=\"2024-03-12T14:02:00Z\">2024-03-12 14:02 UTC</time>",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    let db = site.read("postmortems/db-failover/index.html");
    assert!(db.contains("<dt>Time to detect</dt><dd>30 min</dd>"));
    assert!(!db.contains("Time to mitigate"), "no mitigated_at, no duration");
}

#[test]
fn timeline_is_drawn_with_marks_in_the_declared_zone() {
    let site = built();
    let html = site.read("postmortems/checkout-outage/index.html");
    let timeline = html
        .split("<figure class=\"timeline-drawn\">")
        .nth(1)
        .unwrap()
        .split("<h2 id=\"supporting-information\"")
        .next()
        .unwrap();
    // The drawing (a bar with impact, detection, mitigation from the front matter, which
    // no entry is at, and resolution), then the author's list with each entry marked in
    // place: offsets from impact, the marks on the entries at the same minute.
    insta::assert_snapshot!("checkout_timeline", timeline);
    assert_eq!(timeline.matches("<li class=\"entry").count(), 4);
    assert_eq!(timeline.matches("class=\"dot").count(), 5, "4 entries and the mitigation");
    // Phases between the moments, each labelled with its ends and its length.
    assert_eq!(timeline.matches("<span class=\"phase phase-").count(), 3);
    assert!(timeline.contains("Mitigated → resolved <strong>1 d 1 h</strong>"), "15:10 to 16:40 the next day");
    assert!(html.contains("<h2 id=\"timeline\">"));
    let db = site.read("postmortems/db-failover/index.html");
    assert!(db.contains("title=\"impact began 2023-07-01 02:00\""), "{db}");
    assert!(db.contains("Detected → resolved <strong>2 h 30 min</strong>"), "no mitigated_at: one phase less");
    assert!(
        db.contains("<li class=\"entry mark-impact\" data-at=\"2023-07-01T00:00:00Z\">"),
        "Berlin summer time is UTC+2"
    );
}

#[test]
fn postmortem_page_has_card_action_items_related_and_highlighting() {
    let site = built();
    let html = site.read("postmortems/checkout-outage/index.html");
    assert_eq!(html.matches("<h1").count(), 1);
    for expected in [
        "<main id=\"main\">",
        "<nav aria-label=\"Browse the archive\">",
        // Who was involved, on one line.
        "<div class=\"people\"><dt>People</dt><dd>written by Amara · incident commander Dana</dd></div>",
        "href=\"../../severities/sev-1/\">SEV-1</a>",
        "href=\"../../tags/config-change/\">config-change</a>",
        "<a href=\"https://tickets.example.test/EDGE-1\">Canary config pushes</a>",
        "<td>Chen</td><td><span class=\"prio prio-P1\">P1</span></td><td><time datetime=\"2024-04-01\">2024-04-01</time></td>",
        "<a href=\"../../postmortems/db-failover/\">Database failover</a>",
        "data-lang=\"sql\"",
        "<a href=\"#summary\">Summary</a>",
    ] {
        assert!(html.contains(expected), "missing {expected}");
    }
    assert!(!site.public().join("static/highlight.css").exists(), "code colours are in style.css");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::fixture("good");
    let run = site.build().success();
    assert!(run.stdout.contains("2 postmortems, 1 draft left out (use --drafts)"), "{}", run.stdout);
    assert!(!site.public().join("postmortems/search-draft").exists());
    assert!(!site.read("index.html").contains("Search draft"));

    let run = site.run(&["build", "--drafts"]).success();
    assert!(run.stdout.contains("3 postmortems, 2 external, 1 warning"), "{}", run.stdout);
    assert!(site.read("postmortems/search-draft/index.html").contains("Search draft"));
    assert!(site.read("status/draft/index.html").contains("search-draft"));
}

#[test]
fn theme_files_of_the_site_replace_the_built_in_ones() {
    let site = built();
    assert!(site.read("404.html").contains("custom not-found page"));
    assert_eq!(site.read("static/extra.css"), "/* fixture extra stylesheet */\n");
    assert!(site.read("static/style.css").contains("hindsight default theme"), "files not overridden stay built-in");
    assert!(
        site.read("404.html").contains("href=\"/archive/static/style.css\""),
        "404 links are absolute under base_url"
    );
}

#[test]
fn external_postmortems_link_out_or_say_the_link_is_unknown() {
    let site = built();
    let html = site.read("external/index.html");
    assert_contains(
        &html,
        &[
            "<a class=\"pm-title\" href=\"../external/acme-outage/\">ACME outage</a>",
            "<a href=\"https://acme.example.test/postmortem\" rel=\"external noopener\" aria-label=\"Original of ACME outage\">original</a>",
            "href=\"../external/unknown-link/\">Mystery outage</a> <span class=\"badge unknown\">link unknown</span>",
            "<li><a href=\"../external/category/dns/\">dns</a></li>",
            "<li><a href=\"#company-mystery-corp\">Mystery Corp</a></li>",
            "<h2 id=\"company-mystery-corp\" class=\"company\">Mystery Corp",
        ],
    );
    assert!(!html.contains("href=\"\""));
    let acme = site.read("external/acme-outage/index.html");
    assert_contains(
        &acme,
        &[
            "<h1>ACME outage</h1>",
            "href=\"https://acme.example.test/postmortem\"",
            "href=\"https://archive.example.test/acme\"",
        ],
    );
    assert!(site.read("external/category/dns/index.html").contains("ACME outage"));
}

#[test]
fn customers_or_requests_affected_join_the_key_numbers_as_written() {
    let site = Site::fixture("good");
    let pm = "content/postmortems/checkout-outage.md";
    site.patched(pm, pm, &[("incident_commander: Dana\n", "incident_commander: Dana\naffected: 1204\n")]);
    let db = "content/postmortems/db/db-failover.md";
    site.patched(db, db, &[("+++\n", "+++\naffected = \"3% of reads\"\n")]);
    site.build().success();
    let html = site.read("postmortems/checkout-outage/index.html");
    let strip = html.split("<dl class=\"strip\">").nth(1).unwrap().split("</dl>").next().unwrap();
    assert!(strip.contains("<div class=\"affected\"><dt>Affected</dt><dd>1204</dd></div>"), "{strip}");
    assert!(site.read("postmortems/db-failover/index.html").contains("<dd>3% of reads</dd>"));
    let export: serde_json::Value = serde_json::from_str(&site.read("postmortems/checkout-outage/index.json")).unwrap();
    assert_eq!(export["affected"], "1204");
}

#[test]
fn timings_name_the_stages_and_the_costliest_page_kinds() {
    let site = Site::fixture("good");
    let run = site.run(&["build", "--timings"]).success();
    for stage in ["read", "model", "render", "commit"] {
        assert!(run.stderr.contains(&format!("  {stage} ")), "{}", run.stderr);
    }
    let kinds: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| !l.contains("render by page kind"))
        .skip(1)
        .filter_map(|l| l.split("  ").find(|w| !w.is_empty()))
        .collect();
    assert_eq!(kinds.len(), 10, "the ten costliest: {}", run.stderr);
    assert!(kinds.contains(&"postmortem") && kinds.contains(&"term listing"), "{kinds:?}");
    let postmortems = run.stderr.lines().find(|l| l.trim_start().starts_with("postmortem ")).unwrap();
    assert!(postmortems.contains(" 2 pages"), "two postmortems: {postmortems}");
}

#[test]
fn the_severities_page_lists_every_severity_worst_first_with_its_meaning() {
    let site = Site::fixture("good");
    site.patched(
        "site.toml",
        "site.toml",
        &[(
            "severities = [\"SEV-1\", \"SEV-2\", \"SEV-3\"]",
            "severities = [\"SEV-1\", \"SEV-2\", \"SEV-3\"]\nseverity_descriptions = { SEV-3 = \"Someone noticed.\" }",
        )],
    );
    site.build().success();
    let html = site.read("severities/index.html");
    let rows: Vec<&str> = html.split("<li class=\"sev-").skip(1).collect();
    assert_eq!(rows.len(), 3, "SEV-3 too, with no postmortem: {html}");
    assert!(
        rows[0].starts_with(
            "1\"><span class=\"badge sev sev-1\">SEV-1</span> <a href=\"../severities/sev-1/\">1 postmortem</a>"
        ),
        "{}",
        rows[0]
    );
    assert!(rows[2].contains("no postmortems") && rows[2].contains("<p>Someone noticed.</p>"), "{}", rows[2]);
    assert!(!rows[0].contains("<p>"), "a custom list of severities gets no default meanings");

    let default = Site::fixture("good");
    default.patched("site.toml", "site.toml", &[("severities = [\"SEV-1\", \"SEV-2\", \"SEV-3\"]\n", "")]);
    default.build().success();
    assert!(
        default
            .read("severities/index.html")
            .contains("<p>Critical: a core service down or data lost for many customers.</p>")
    );

    let err = default
        .patched("site.toml", "site.toml", &[("title", "severity_descriptions = { SEV-9 = \"x\" }\ntitle")])
        .build()
        .failure(1);
    assert!(
        err.findings().contains("site.toml:1:27: error[config]: `SEV-9` is not one of `severities`"),
        "{}",
        err.stderr
    );
    // What import reads a word as must be one of them too.
    let err = default
        .patched(
            "site.toml",
            "site.toml",
            &[("severity_descriptions = { SEV-9 = \"x\" }", "severity_words = { High = \"SEV-9\" }")],
        )
        .build()
        .failure(1);
    assert!(
        err.findings().contains("site.toml:1:28: error[config]: `SEV-9` is not one of `severities`"),
        "{}",
        err.stderr
    );
}

#[test]
fn external_companies_and_categories_group_across_spellings_and_untitled_entries_say_whose() {
    let site = Site::fixture("good");
    let entry = |company: &str, category: &str, extra: &str| {
        format!(
            "---\nurl: \"https://x.example.test/\"\ncompany: \"{company}\"\ncategories: [\"{category}\"]\n{extra}---\nBody.\n"
        )
    };
    site.write("content/external/a.md", entry("GitHub", "DNS", "title: \"A\"\n"));
    site.write("content/external/b.md", entry("Github", "dns", "title: \"B\"\n"));
    // icco names files by UUID and records when it fetched the source and when that was published.
    let icco = "start_time: \"2021-03-04T05:06:07Z\"\nsource_fetched_at: \"2024-01-01T00:00:00Z\"\nsource_published_at: \"2021-03-05\"\n";
    site.write("content/external/0b9c79f2-1111-4222-8333-944445555666.md", entry("GitHub", "DNS", icco));
    let run = site.build().success();
    assert!(!run.stdout.contains("source_") && !run.stderr.contains("source_"), "{}{}", run.stdout, run.stderr);
    let html = site.read("external/index.html");
    assert_eq!(html.matches("id=\"company-github\"").count(), 1, "one group, one id: {html}");
    assert!(html.contains(
        "<h2 id=\"company-github\" class=\"company\">GitHub <span class=\"count\" aria-label=\"3 postmortems\">3</span>"
    ));
    assert!(html.contains(">GitHub incident of 2021-03-04</a>"), "untitled: whose and when, not the UUID");
    assert_eq!(html.matches(">A</a>").count(), 1, "each entry listed once");
    let dns = site.read("external/category/dns/index.html");
    assert!(dns.contains("<h1>Public postmortems: DNS</h1>"), "the most used spelling");
    assert!(dns.contains(">A</a>") && dns.contains(">B</a>") && dns.contains("GitHub incident of 2021-03-04"));
}

#[test]
fn unknown_keys_warn_with_position_and_reach_templates_as_extra() {
    let site = Site::fixture("good");
    site.write("theme/templates/postmortem.html", "{{ pm.extra.flavour or 'none' }}|{{ pm.title }}");
    let run = site.build().success();
    assert!(
        run.findings().contains("checkout-outage.md:17:1: warning[unknown-key]: unknown front matter key `flavour`"),
        "{}",
        run.stderr
    );
    assert_eq!(site.read("postmortems/checkout-outage/index.html"), "spicy|Checkout outage");
    assert_eq!(site.read("postmortems/db-failover/index.html"), "none|Database failover");
}

#[test]
fn the_example_archive_builds_without_warnings() {
    let site = Site::example();
    let run = site.run(&["build", "--drafts"]).success();
    assert!(run.stdout.contains("14 postmortems, 41 external, 0 warnings"), "{}", run.stdout);
}

#[test]
fn readmes_templates_partials_and_ignored_globs_are_not_postmortems() {
    let site = Site::fixture("good");
    let not_postmortems = [
        "content/postmortems/README.md",
        "content/postmortems/template.md",
        "content/postmortems/_snippet.md",
        "content/postmortems/old/notes.md",
        "content/external/Readme.md",
    ];
    for rel in not_postmortems {
        site.write(rel, "# Not a postmortem\n\nNo front matter here.\n");
    }
    let run = site.build();
    assert_eq!(run.code, 1, "the old/ folder is not ignored yet:\n{}", run.stderr);
    assert!(run.stderr.contains("old/notes.md") && !run.stderr.contains("README.md"), "{}", run.stderr);
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap_or_default();
    site.write("site.toml", format!("ignore = [\"content/postmortems/old/**\"]\n{toml}"));
    let run = site.build().success();
    assert!(run.stdout.contains("2 postmortems"), "{}", run.stdout);
}
