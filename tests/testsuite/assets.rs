//! Images and other files postmortems link to: copied into the site where a published text
//! links them, links and images pointed there, `check` reporting a missing one or one that
//! leaves `content/`, and a public build copying nothing only internal text or an internal
//! postmortem links (canaries in the files' bytes and names).

use crate::site::{Site, assert_contains};

const PM: &str = "---\ntitle: \"Graphs\"\ndate: 2024-01-02\nseverity: SEV-2\nstatus: reviewed\nservices: [api]\n---\n\n## Supporting Information\n\n![graph](img/graph.png)\n\nThe [report](../media/report%20v2.pdf) and ![gone](img/gone.png), [config](../../site.toml), ![link](img/link.png).\n";

fn site_with_files() -> Site {
    let site = Site::fixture("good");
    site.write("content/postmortems/graphs.md", PM);
    site.write("content/postmortems/img/graph.png", "PNG-GRAPH-1");
    site.write("content/media/report v2.pdf", "PDF-REPORT");
    std::os::unix::fs::symlink(site.root().join("site.toml"), site.root().join("content/postmortems/img/link.png"))
        .unwrap();
    site
}

#[test]
fn linked_files_are_copied_and_every_link_points_at_its_copy() {
    let site = site_with_files();
    site.build().success();
    let page = site.read("postmortems/graphs/index.html");
    assert_contains(
        &page,
        &["src=\"../../files/postmortems/img/graph.png\"", "href=\"../../files/media/report%20v2.pdf\""],
    );
    assert_eq!(site.read("files/postmortems/img/graph.png"), "PNG-GRAPH-1");
    assert_eq!(site.read("files/media/report v2.pdf"), "PDF-REPORT");
    // Nothing missing, outside content/ or behind a symbolic link is copied.
    let files: Vec<String> = walkdir::WalkDir::new(site.public().join("files"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(site.public()).unwrap().display().to_string())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let check = site.run_inside(&["check", "content/postmortems/graphs.md"]).failure(1);
    assert_contains(
        &check.findings(),
        &[
            "graphs.md:13:44: error[broken-link]: link to `img/gone.png`, but there is no file at content/postmortems/img/gone.png",
            "graphs.md:13:67: error[broken-link]: link to `../../site.toml`, which is outside the archive's content/ folder",
            "graphs.md:13:94: error[broken-link]: link to `img/link.png`, but there is no file at content/postmortems/img/link.png",
        ],
    );
    assert!(!check.findings().contains("graph.png`") && !check.findings().contains("report"), "{}", check.findings());
    // An edited file reaches the site on the next (warm) build; an unchanged one stays.
    site.write("content/postmortems/img/graph.png", "PNG-GRAPH-2");
    site.build().success();
    assert_eq!(site.read("files/postmortems/img/graph.png"), "PNG-GRAPH-2");
    site.build().success();
    assert_eq!(site.read("files/media/report v2.pdf"), "PDF-REPORT");
    // A file nothing links any more leaves the site.
    site.write("content/postmortems/graphs.md", PM.replace("![graph](img/graph.png)", "No graph."));
    site.build().success();
    assert!(!site.public().join("files/postmortems/img/graph.png").exists());
}

/// Canaries in the files' names and bytes: a public build copies only what public text of
/// a public postmortem links, and never a file outside `content/`.
#[test]
fn a_public_build_copies_only_files_its_published_text_links() {
    let site = Site::fixture("public");
    site.write("content/postmortems/pubcanary-graph.png", "PUBCANARY-FILE");
    site.write("content/postmortems/intcanary-span.png", "INTCANARY-FILE-SPAN");
    site.write("content/postmortems/intcanary-only.png", "INTCANARY-FILE-INTERNAL-POSTMORTEM");
    site.write("outside.txt", "INTCANARY-FILE-OUTSIDE");
    site.patched(
        "content/postmortems/public-two.md",
        "content/postmortems/public-two.md",
        &[(
            "PUBCANARY-TWO-BODY",
            "PUBCANARY-TWO-BODY\n\n![public](pubcanary-graph.png) <!-- internal -->![span](intcanary-span.png)<!-- /internal --> [out](../../outside.txt) [up](../../../outside.txt)",
        )],
    );
    site.patched(
        "content/postmortems/intcanary-internal.md",
        "content/postmortems/intcanary-internal.md",
        &[("INTCANARY-INTERNAL-BODY", "INTCANARY-INTERNAL-BODY ![x](intcanary-only.png)")],
    );
    site.build().success();
    assert!(site.public().join("files/postmortems/intcanary-only.png").exists(), "the internal build has them");
    site.run(&["build", "--public"]).success();
    let files = crate::public::output_text(&site);
    for (path, text) in &files {
        assert!(!text.contains("intcanary") && !path.contains("intcanary"), "{path} leaks");
    }
    assert!(files.iter().any(|(_, t)| t == "pubcanary-file"), "the public file is copied");
}
