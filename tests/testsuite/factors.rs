//! Contributing factors across incidents: the factor kinds' pages, the recurring factors'
//! pages, "this factor also appeared in" on each postmortem, near misses and surprises,
//! and the findings about them.

use crate::site::{Site, assert_contains};

/// A postmortem of the good fixture's shape with its own factors and front matter lines.
fn pm(title: &str, date: &str, service: &str, extra: &str) -> String {
    format!(
        "---\ntitle: \"{title}\"\ndate: {date}\nseverity: SEV-2\nstatus: reviewed\nservices: [{service}]\n{extra}---\n\n## Summary\n\nText.\n"
    )
}

/// Three postmortems name one factor, spelled three ways; two name another kind.
fn site() -> Site {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/disk.md",
        pm(
            "Runner disk filled",
            "2024-01-10",
            "ci",
            "near_miss: true\nsurprises: [\"The prune job had been gone for a month\"]\ncontributing_factors:\n  - statement: No alert covered the condition that failed\n    kind: detection-gap\n  - statement: A prune job was removed with an image upgrade\n    kind: change\n",
        ),
    );
    site.write(
        "content/postmortems/queue.md",
        pm(
            "Queue backed up",
            "2024-05-10",
            "queues",
            "contributing_factors:\n  - statement: \"No alert covered the condition that failed.\"\n    kind: detection-gap\n  - Consumers retried in place\n",
        ),
    );
    site.write(
        "content/postmortems/cert.md",
        pm(
            "Certificate expired",
            "2024-09-01",
            "edge",
            "contributing_factors:\n  - statement: \"no alert covered the condition that failed\"\n  - statement: A certificate lived outside the renewal automation\n    kind: process\n",
        ),
    );
    site.build().success();
    site
}

const SHARED: &str = "factors/recurring/no-alert-covered-the-condition-that-failed/index.html";

#[test]
fn the_factors_page_lists_every_kind_and_the_recurring_factors() {
    let site = site();
    let index = site.read("factors/index.html");
    assert_contains(
        &index,
        &[
            "<a href=\"../factors/detection-gap/\">detection-gap</a> <span class=\"count\" aria-label=\"2 postmortems\">2</span>",
            "<a href=\"../factors/change/\">change</a> <span class=\"count\" aria-label=\"1 postmortem\">1</span>",
            "capacity <span class=\"muted\">no postmortems</span>",
            "2 factors have no kind.",
            // The spelling most use, counted once per postmortem, its kinds beside it.
            "<a href=\"../factors/recurring/no-alert-covered-the-condition-that-failed/\">No alert covered the condition that failed</a> <span class=\"count\" aria-label=\"3 postmortems\">3</span> <span class=\"muted\">detection-gap</span>",
        ],
    );
    assert!(!index.contains("Consumers retried in place"), "a factor one postmortem names does not recur");
    // The header leads there, as to the other groupings.
    assert!(site.read("index.html").contains("href=\"./factors/\""));
}

#[test]
fn a_kind_lists_its_postmortems_with_their_factors_of_that_kind_and_the_services_touched() {
    let site = site();
    let kind = site.read("factors/detection-gap/index.html");
    assert_contains(
        &kind,
        &[
            "<h1>Factor kind: detection-gap</h1>",
            "<li>No alert covered the condition that failed.</li>",
            "<li>No alert covered the condition that failed</li>",
            "Across services: <a class=\"term\" href=\"../../services/ci/\">ci</a>",
            "Incidents with detection-gap, by severity",
        ],
    );
    assert!(!kind.contains("A prune job"), "factors of other kinds stay on their own pages");
    assert!(kind.find(">Queue backed up<").unwrap() < kind.find(">Runner disk filled<").unwrap(), "newest first");
}

#[test]
fn a_recurring_factor_has_a_page_and_each_postmortem_links_the_others() {
    let site = site();
    let shared = site.read(SHARED);
    assert_contains(
        &shared,
        &[
            "<h1>No alert covered the condition that failed</h1>",
            "Named in 3 postmortems, from <time datetime=\"2024-01-10\">2024-01-10</time> to <time datetime=\"2024-09-01\">2024-09-01</time>",
            ">Runner disk filled</a>",
            ">Queue backed up</a>",
            ">Certificate expired</a>",
        ],
    );
    let disk = site.read("postmortems/disk/index.html");
    assert_contains(
        &disk,
        &[
            "<h2 id=\"factor-list\">Contributing factors</h2>",
            "This factor also appeared in <a href=\"../../postmortems/cert/\">Certificate expired</a>",
            "<a href=\"../../postmortems/queue/\">Queue backed up</a>",
            "<a href=\"../../factors/recurring/no-alert-covered-the-condition-that-failed/\">see them together</a>",
            "<a class=\"badge factor-kind\" href=\"../../factors/change/\">change</a>",
            "<span class=\"badge near-miss\" title=\"No customer impact\">near miss</span>",
            "<h2 id=\"surprise-list\">What surprised us</h2>",
            "<li>The prune job had been gone for a month</li>",
        ],
    );
    assert_eq!(disk.matches("This factor also appeared in").count(), 1, "only the shared factor");
    // Listings show the near miss too; the JSON export carries all three fields.
    assert!(site.read("services/ci/index.html").contains("near miss</span>"));
    let json: serde_json::Value = serde_json::from_str(&site.read("postmortems/disk/index.json")).unwrap();
    let pm = &json;
    assert_eq!(pm["near_miss"], true);
    assert_eq!(pm["contributing_factors"][1]["kind"], "change");
    assert_eq!(pm["surprises"][0], "The prune job had been gone for a month");
}

#[test]
fn a_factor_one_postmortem_names_has_no_page_and_drafts_do_not_count() {
    let site = site();
    site.patched(
        "content/postmortems/cert.md",
        "content/postmortems/cert.md",
        &[("status: reviewed", "status: draft")],
    );
    site.patched(
        "content/postmortems/queue.md",
        "content/postmortems/queue.md",
        &[("status: reviewed", "status: draft")],
    );
    site.build().success();
    assert!(!site.public().join(SHARED).exists(), "one published postmortem names it");
    assert!(!site.read("postmortems/disk/index.html").contains("also appeared in"));
    site.run(&["build", "--drafts"]).success();
    assert!(site.public().join(SHARED).exists());
}

#[test]
fn a_kind_outside_the_vocabulary_and_a_factor_without_a_statement_are_errors_at_their_value() {
    let site = Site::fixture("good");
    site.write(
        "site.toml",
        "title = \"x\"\nseverities = [\"SEV-1\", \"SEV-2\", \"SEV-3\"]\nfactor_kinds = [\"change\", \"vendor\"]\n",
    );
    site.write(
        "content/postmortems/bad.md",
        pm(
            "Bad factors",
            "2024-01-10",
            "ci",
            "contributing_factors:\n  - statement: Deploys skip the canary\n    kind: chnage\n  - kind: vendor\n",
        ),
    );
    let run = site.build().failure(1);
    assert_contains(
        &(run.findings() + &run.stderr),
        &[
            "bad.md:9:11: error[unknown-factor-kind]: factor kind `chnage` is not in the site's vocabulary",
            "did you mean `change`? Or add it to `factor_kinds` in site.toml",
            "bad.md:10:3: error[required]: contributing factor without `statement`",
        ],
    );
}
