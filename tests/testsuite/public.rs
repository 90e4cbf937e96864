use std::fs;

use crate::site::{Site, assert_contains};

/// Every public canary of the `public` fixture; each must survive a public build.
const PUBLIC: &[&str] = &[
    "PUBCANARY-TITLE",
    "PUBCANARY-SUMMARY",
    "PUBCANARY-AUTHOR",
    "PUBCANARY-ACTION",
    "PUBCANARY-BODY",
    "PUBCANARY-CELL",
    "PUBCANARY-CODE",
    "PUBCANARY-TIMELINE",
    "PUBCANARY-TWO",
    "PUBCANARY-TWO-BODY",
    "PUBCANARY-EXTERNAL",
    "pubcanary-service",
    "pubcanary-tag",
    "pubcanary-team",
];

/// All output bytes, file by file, lowercased for canary search.
pub fn output_text(site: &Site) -> Vec<(String, String)> {
    walkdir::WalkDir::new(site.public())
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = fs::read(e.path()).unwrap();
            assert!(
                !bytes.starts_with(&[0x1f, 0x8b]),
                "{} is gzip: decompress it here before searching",
                e.path().display()
            );
            (e.path().display().to_string(), String::from_utf8_lossy(&bytes).to_lowercase())
        })
        .collect()
}

#[test]
fn a_public_build_contains_no_internal_canary_and_every_public_one() {
    let site = Site::fixture("public");
    // An internal build first, into the same folder: nothing of it may carry over.
    site.build().success();
    let run = site.run(&["build", "--public"]).success();
    assert!(run.stdout.contains("built public archive"), "{}", run.stdout);
    assert!(run.stdout.contains("2 postmortems, 2 internal left out"), "{}", run.stdout);
    let files = output_text(&site);
    assert!(files.len() > 15, "{} files", files.len());
    for (path, text) in &files {
        if let Some(at) = text.find("intcanary") {
            panic!("{path} leaks internal text: …{}…", &text[at.saturating_sub(80)..(at + 40).min(text.len())]);
        }
    }
    for canary in PUBLIC {
        let lower = canary.to_lowercase();
        assert!(files.iter().any(|(_, t)| t.contains(&lower)), "public canary {canary} missing");
    }
    assert!(!site.public().join("services/intcanary-service").exists());
    assert!(
        site.public().join("services/checkout/index.html").exists(),
        "a service shared with a public postmortem stays"
    );
    let page = site.read("postmortems/public-one/index.html");
    assert!(page.contains("See the internal one and its page."), "links to left-out postmortems keep only their text");
    assert!(!page.contains("badge internal"));
}

#[test]
fn the_internal_build_shows_everything_and_marks_what_the_public_will_not_see() {
    let site = Site::fixture("public");
    site.build().success();
    let all: String = output_text(&site).into_iter().map(|(_, t)| t).collect();
    for canary in [
        "INTCANARY-INLINE",
        "INTCANARY-BLOCK",
        "INTCANARY-CELL",
        "INTCANARY-RESPONDER",
        "INTCANARY-INTERNAL-BODY",
        "INTCANARY-TIMELINE-ENTRY",
    ] {
        assert!(all.contains(&canary.to_lowercase()), "{canary} missing from the internal build");
    }
    let page = site.read("postmortems/public-one/index.html");
    assert!(page.contains("<span class=\"internal-span\" title=\"Left out of public builds\">The root password was INTCANARY-INLINE.</span>"), "{page}");
    assert!(
        page.contains(
            "<div class=\"internal-span\" title=\"Left out of public builds\">\n<h2 id=\"internal-details\">"
        ),
        "{page}"
    );
    let internal = site.read("postmortems/intcanary-internal/index.html");
    assert!(internal.contains("<span class=\"badge internal\""), "{internal}");
    assert!(internal.contains("<h1>INTCANARY-INTERNAL-TITLE</h1>"), "{internal}");
    assert!(site.read("index.html").contains("<span class=\"badge internal\""));
}

#[test]
fn unpaired_markers_fail_the_build_at_the_marker() {
    let site = Site::fixture("public");
    site.run(&["build", "--public"]).success();
    let before = site.snapshot();
    let text = fs::read_to_string(site.root().join("content/postmortems/public-two.md")).unwrap();
    site.write(
        "content/postmortems/public-two.md",
        text.replace("PUBCANARY-TWO-BODY", "PUBCANARY-TWO-BODY <!-- internal --> secret"),
    );
    let run = site.run(&["build", "--public"]).failure(1);
    // One error: the postmortems that relate to the broken one do not fail with it.
    assert_contains(
        &(run.findings() + &run.stderr),
        &["public-two.md:13:79: error[internal-marker]: internal span is never closed", "1 error in the archive"],
    );
    assert_eq!(site.snapshot(), before);
}

#[test]
fn a_title_all_internal_stops_the_public_build_at_the_title_until_the_postmortem_is_internal() {
    let site = Site::fixture("public");
    let pm = "content/postmortems/public-two.md";
    let title = "title = \"Search slowness PUBCANARY-TWO\"";
    site.patched(pm, pm, &[(title, "title = \"<!-- internal -->INTCANARY-TITLE<!-- /internal -->\"")]);
    site.run(&["build"]).success();
    let run = site.run(&["build", "--public"]).failure(1);
    assert_contains(
        &run.findings(),
        &["public-two.md:2:1: error[internal-marker]: the title is all internal, so the public page would have none"],
    );
    // What the hint says to do.
    site.patched(pm, pm, &[("visibility = \"public\"", "visibility = \"internal\"")]);
    let run = site.run(&["build", "--public"]).success();
    assert!(run.stdout.contains("3 internal left out"), "{}", run.stdout);
    assert!(output_text(&site).iter().all(|(_, text)| !text.contains("intcanary")));
}

#[test]
fn hidden_fields_are_configurable() {
    let site = Site::fixture("public");
    site.write("site.toml", "default_visibility = \"internal\"\n[public]\nhide_fields = [\"authors\", \"affected\"]\n");
    let pm = "content/postmortems/public-one.md";
    site.patched(pm, pm, &[("---\n", "---\naffected: \"PUBCANARY-AFFECTED customers\"\n")]);
    site.run(&["build"]).success();
    assert!(site.read("postmortems/public-one/index.html").contains("PUBCANARY-AFFECTED"), "shown internally");
    site.run(&["build", "--public"]).success();
    let page = site.read("postmortems/public-one/index.html");
    assert!(!page.contains("PUBCANARY-AUTHOR"));
    assert!(!page.contains("PUBCANARY-AFFECTED") && !site.read("postmortems.json").contains("PUBCANARY-AFFECTED"));
    assert!(page.contains("INTCANARY-RESPONDER"), "only the listed fields are hidden");
    site.write("site.toml", "[public]\nhide_fields = [\"password\"]\n");
    let run = site.run(&["build", "--public"]).failure(1);
    assert!(run.findings().contains("site.toml:2:17: error[config]: `password` cannot be hidden"), "{}", run.stderr);
}

#[test]
fn near_miss_markers_are_errors_in_check_and_every_build() {
    let site = Site::fixture("public");
    site.run(&["build", "--public"]).success();
    let before = site.snapshot();
    let misses = [
        "<!--- internal --->",
        "<!-- internal: legal asked -->",
        "<!-- begin internal -->",
        "<!-- private -->",
        "<!-- inter\u{200B}nal -->",
        "<!\u{2013}- internal -->",
    ];
    let body: String = misses.iter().map(|m| format!("{m} INTCANARY-NEAR\n\n")).collect();
    site.write(
        "content/postmortems/near.md",
        format!("---\ntitle: Near\ndate: 2024-01-02\nseverity: SEV-3\nvisibility: public\nservices: [\"a <!-- Internal —> b\"]\n\"pager <!-- private --> x\": y\n---\n\n{body}"),
    );
    for args in [&["check"][..], &["build"], &["build", "--public"]] {
        let run = site.run(args).failure(1);
        let out = run.stdout + &run.stderr;
        for line in [6, 7, 10, 12, 14, 16, 18, 20] {
            assert!(out.contains(&format!("near.md:{line}:")), "{args:?}: line {line}\n{out}");
        }
        assert_contains(
            &out,
            &[
                "error[internal-marker]: this looks like an internal marker but is not one",
                "write the markers exactly as `<!-- internal -->`",
            ],
        );
    }
    assert_eq!(site.snapshot(), before, "a failed build leaves the output as it was");
}

#[test]
fn raw_html_is_sanitized_unless_an_internal_build_trusts_it() {
    let site = Site::fixture("public");
    let text = fs::read_to_string(site.root().join("content/postmortems/public-two.md")).unwrap();
    site.write(
        "content/postmortems/public-two.md",
        text + "\n<img src=x onerror=alert(1)> [x](javascript:alert(2)) <!-- TODO ask legal -->\n",
    );
    for args in [&["build"][..], &["build", "--public"]] {
        site.run(args).success();
        let page = site.read("postmortems/public-two/index.html");
        assert!(page.contains("<img src=\"x\"> x "), "{page}");
        for gone in ["onerror", "javascript:", "ask legal"] {
            assert!(!page.contains(gone), "{args:?}: {gone}");
        }
    }
    site.write("site.toml", "default_visibility = \"internal\"\nunsafe_html = true\n");
    site.build().success();
    let page = site.read("postmortems/public-two/index.html");
    assert!(page.contains("onerror=alert(1)") && page.contains("<!-- TODO ask legal -->"), "trusted: {page}");
    assert!(!page.contains("javascript:"), "script links go in every build");
    site.run(&["build", "--public"]).success();
    assert!(!site.read("postmortems/public-two/index.html").contains("onerror"), "never trusted in public");
}

#[test]
fn the_public_never_learns_how_many_drafts_were_left_out() {
    let site = Site::fixture("public");
    let pm = "content/postmortems/public-two.md";
    let status = fs::read_to_string(site.root().join(pm)).unwrap();
    let line = status.lines().find(|l| l.starts_with("status")).unwrap().to_string();
    site.patched(pm, pm, &[(line.as_str(), "status = \"draft\"")]);
    // The team's own build says so, on the pages a reader lands on.
    site.run(&["build"]).success();
    let said = "draft is left out of this build";
    assert!(site.read("postmortems/index.html").contains(said));
    let run = site.run(&["build", "--public"]).success();
    assert!(run.stdout.contains("1 draft left out"), "the author's terminal is told: {}", run.stdout);
    let told: Vec<String> =
        output_text(&site).into_iter().filter(|(_, t)| t.contains("left out of this build")).map(|(p, _)| p).collect();
    assert!(told.is_empty(), "{told:?}");
}
