//! `date: unknown` and `severity: unknown`, what `import` writes when a file does not say:
//! shown as unknown on every page and listing, counted apart from real values in charts,
//! insights, exports and feeds, never as a real date or severity.

use crate::site::{Site, assert_contains};

const UNKNOWN: &str = "---\ntitle: \"Nobody knows when\"\ndate: unknown\nseverity: Unknown\nstatus: reviewed\nservices: [api]\n---\n\n## Summary\n\nSomething happened.\n\n## Timeline\n\n- 14:05 a bare time, no day to stand on\n- 2023-05-06 10:00 a dated entry\n";

#[test]
fn unknown_date_and_severity_are_never_counted_as_real_values() {
    let site = Site::fixture("good");
    site.write("content/postmortems/nobody-knows.md", UNKNOWN);
    site.build().success();
    let page = site.read("postmortems/nobody-knows/index.html");
    assert_contains(&page, &["severity not set", "date unknown", "badge sev sev-unset"]);
    // The bare time has no day: left off the drawing; the dated entry is placed.
    assert_eq!(crate::site::attr_values(&page, "data-at"), ["2023-05-06T10:00:00Z"]);
    let home = site.read("index.html");
    assert_contains(&home, &["Nobody knows when", "date unknown"]);
    // In no year and no severity listing.
    for listing in ["years/index.html", "severities/index.html"] {
        let html = site.read(listing);
        assert!(!html.contains("unknown"), "{listing} lists an unknown value:\n{html}");
    }
    let insights = site.read("insights/index.html");
    assert_contains(&insights, &["1 postmortem has no known date and is in no month.", "1 has no severity set"]);
    // Exports: an empty field, `null`; never a made-up value.
    let csv = site.read("postmortems.csv");
    let row = csv.lines().find(|l| l.contains("nobody-knows")).expect("a CSV row");
    assert!(row.contains("Nobody knows when,,,reviewed"), "{row}");
    let json: serde_json::Value = serde_json::from_str(&site.read("postmortems/nobody-knows/index.json")).unwrap();
    assert_eq!((&json["date"], &json["severity"]), (&serde_json::Value::Null, &serde_json::Value::Null), "{json}");
    let feed = site.read("feed.xml");
    assert!(!feed.contains("Nobody knows when"), "a postmortem with no known time is in no time-ordered feed");
    // Check ranks no unknown severity (no missing-factors warning for a reviewed one).
    let check = site.run_inside(&["check", "--format", "json", "content/postmortems/nobody-knows.md"]);
    assert!(!check.stdout.contains("missing-factors") && !check.stdout.contains("required"), "{}", check.stdout);
}

#[test]
fn a_missing_date_or_severity_is_still_an_error() {
    let site = Site::fixture("good");
    site.write("content/postmortems/forgot.md", "---\ntitle: Forgot\nservices: [api]\n---\n\nText.\n");
    let run = site.build().failure(1);
    assert_contains(
        &run.findings(),
        &["forgot.md:1:1: error[required]: missing `severity`", "forgot.md:1:1: error[required]: missing `date`"],
    );
    assert_contains(&run.stderr, &["or `date: unknown` when nobody knows"]);
}
