//! `tracker_snapshot`: ticket states beside action items, the "out of sync" view, the
//! `ticket-mismatch` warning, and nothing of the tracker in public builds.

use crate::site::{Site, assert_contains};

/// The good fixture (its checkout item, done, links EDGE-1) with a Jira-style snapshot.
fn site(edge_state: &str) -> Site {
    let site = Site::fixture("good");
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    let mapping = "[tracker]\nlist = \"issues\"\nurl = \"\"\nkey = \"key\"\nstate = \"fields.status.name\"\nclosed = [\"Done\"]\n";
    site.write("site.toml", format!("tracker_snapshot = \"export/jira.json\"\n{toml}\n{mapping}"));
    site.write(
        "export/jira.json",
        format!(
            "{{\"issues\": [{{\"key\": \"EDGE-1\", \"fields\": {{\"status\": {{\"name\": \"{edge_state}\"}}}}}}]}}"
        ),
    );
    site
}

#[test]
fn a_ticket_that_agrees_is_shown_and_one_that_does_not_is_out_of_sync() {
    let agrees = site("Done");
    agrees.run(&["build", "--today", "2024-06-01"]).success();
    assert!(
        agrees.read("postmortems/checkout-outage/index.html").contains("<small class=\"ticket\">ticket Done</small>")
    );
    let view = agrees.read("action-items/tracker/out-of-sync/index.html");
    assert!(view.contains("<p>None.</p>"), "{view}");
    agrees.run(&["check", "--today", "2024-06-01", "--format", "json"]).success();

    let reopened = site("In Progress");
    reopened.run(&["build", "--today", "2024-06-01"]).success();
    let view = reopened.read("action-items/tracker/out-of-sync/index.html");
    assert_contains(&view, &["Canary config pushes", "<small class=\"ticket out-of-sync\">ticket In Progress</small>"]);
    assert!(reopened.read("action-items/index.html").contains("Against the tracker"));
    let check = reopened.run(&["check", "--today", "2024-06-01", "--format", "json"]).success();
    let finding = check.stdout.lines().find(|l| l.contains("ticket-mismatch")).expect("a ticket-mismatch warning");
    assert!(finding.contains("is done but its ticket is In Progress"), "{finding}");
}

#[test]
fn public_builds_show_no_ticket_and_a_broken_snapshot_is_an_error_at_its_place() {
    let site = site("Done");
    site.run(&["build", "--public"]).success();
    assert!(!site.public().join("action-items/tracker").exists());
    assert!(!crate::public::output_text(&site).iter().any(|(_, t)| t.contains("class=\"ticket")));
    site.write("export/jira.json", "{\"issues\": [\n  {\"key\": }\n]}");
    let run = site.build().failure(1);
    assert!(run.findings().contains("jira.json:2:11: error[io]: the tracker snapshot is not JSON"), "{}", run.stderr);
}

#[test]
fn a_revision_is_built_and_compared_with_today_s_ticket_states() {
    let site = site("In Progress");
    let git = |args: &[&str]| crate::insights::git(site.root(), args, "Ann", "2024-06-01T10:00:00Z");
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "archive"]);
    // The tracker moved on since the commit; the working tree's snapshot says so.
    site.write(
        "export/jira.json",
        "{\"issues\": [{\"key\": \"EDGE-1\", \"fields\": {\"status\": {\"name\": \"Done\"}}}]}",
    );
    site.run(&["build", "--rev", "HEAD", "--today", "2024-06-01"]).success();
    assert!(
        site.read("postmortems/checkout-outage/index.html").contains("<small class=\"ticket\">ticket Done</small>"),
        "today's state, not the commit's"
    );
    site.run(&["diff", "--public", "main"]).success();
    site.run(&["digest", "--since", "2024-06-02", "--today", "2024-06-03"]).success();
    site.remove("export/jira.json");
    let run = site.run(&["build", "--rev", "HEAD", "--today", "2024-06-01"]).success();
    assert!(run.stderr.contains("the tracker snapshot export/jira.json is not in the working tree"), "{}", run.stderr);
    assert!(!site.read("postmortems/checkout-outage/index.html").contains("class=\"ticket"));
}
