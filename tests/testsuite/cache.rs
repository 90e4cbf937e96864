//! The build cache: a build that takes pages from it makes exactly the bytes a build
//! without it makes, after edits of every kind a page's key must notice, and it trusts
//! nothing it did not make itself.

use std::collections::BTreeMap;
use std::path::Path;

use crate::site::{Run, Site};

const INVENTORY: &str = "content/postmortems/2024-11-29-inventory-cache-stampede.md";
const CDN: &str = "content/postmortems/2025-03-12-cdn-purge-storm.md";
const MOBILE: &str = "content/postmortems/2025-07-15-mobile-api-feature-flag.md";
const SEARCH: &str = "content/postmortems/2024-06-30-search-indexer-memory-leak.md";
const AUTH: &str = "content/postmortems/2025-01-08-auth-token-clock-skew.md";

/// Every file under `dir` by its path relative to it.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// The names of the search index's files in the last build.
fn index_files(site: &Site) -> std::collections::BTreeSet<String> {
    tree(&site.public().join("search/index")).into_keys().collect()
}

/// How many pages the build took from the cache, from its summary line.
fn reused(run: &Run) -> usize {
    let summary = run.stdout.lines().find(|l| l.starts_with("built archive of")).expect("a build's summary line");
    match summary.split_once(" files unchanged, ") {
        Some((_, after)) => {
            assert!(after.contains("of them known from the build cache"), "the summary's wording changed: {summary}");
            after.split(' ').next().unwrap().parse().unwrap()
        }
        // None known from the cache: the summary says so by naming no such count.
        None => {
            assert!(!summary.contains("build cache"), "the summary's wording changed: {summary}");
            0
        }
    }
}

/// Builds into `public` (warm: the previous build's cache) and into a folder of its own
/// (cold), and fails on the first file that differs. Returns how many pages came from the
/// cache.
#[track_caller]
fn same_as_cold(site: &Site, step: &str, args: &[&str]) -> usize {
    let warm = site.run(&[&["build", "--drafts"], args].concat()).success();
    let fresh = site.root().join(format!("fresh-{step}"));
    let fresh_arg = fresh.to_string_lossy().into_owned();
    // The search index's runs are kept per archive, not per output: put them aside.
    let (runs, aside) = (site.root().join(".hindsight-cache/build/search"), site.root().join("runs-aside"));
    std::fs::rename(&runs, &aside).unwrap();
    let read = site.root().join(".hindsight-cache/build/read.bin");
    let read_aside = site.root().join("read-aside");
    std::fs::rename(&read, &read_aside).unwrap();
    let cold = site.run(&[&["build", "--drafts", "-o", &fresh_arg], args].concat()).success();
    std::fs::remove_dir_all(&runs).unwrap();
    std::fs::rename(&aside, &runs).unwrap();
    std::fs::rename(&read_aside, &read).unwrap();
    assert_eq!(warm.stderr, cold.stderr, "{step}: the same findings");
    let (warm_tree, cold_tree) = (tree(&site.public()), tree(&fresh));
    assert_eq!(warm_tree.keys().collect::<Vec<_>>(), cold_tree.keys().collect::<Vec<_>>(), "{step}: the same files");
    for (path, bytes) in &warm_tree {
        assert!(
            bytes == &cold_tree[path],
            "{step}: {path} differs from a cold build's:\n--- warm\n{}\n--- cold\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&cold_tree[path])
        );
    }
    std::fs::remove_dir_all(&fresh).unwrap();
    reused(&warm)
}

#[test]
fn a_warm_build_makes_the_bytes_a_cold_build_makes() {
    let site = Site::example();
    let today = ["--today", "2025-06-01"];
    site.run(&["build", "--drafts", "--today", "2025-06-01"]).success();
    let pages = same_as_cold(&site, "nothing", &today);
    assert!(pages > 50, "an unchanged archive's pages come from the cache: {pages}");

    let index_before = index_files(&site);
    // A body edit that links the file of a postmortem it shares nothing else with: only the
    // link ties the page to it.
    site.patched(
        SEARCH,
        SEARCH,
        &[("\n## Impact", "\nSee [the auth outage](2025-01-08-auth-token-clock-skew.md).\n\n## Impact")],
    );
    let after_body = same_as_cold(&site, "body", &today);
    // Its page, its JSON, and the JSON and CSV export files holding it (keyed by the file
    // as a whole): its listings show no body.
    assert_eq!(pages - after_body, 4, "only what shows the body is made again");
    // The search index files are named by their own content: the ones holding the words the
    // edit added get new names, the rest (metadata, most shards) keep theirs.
    let index_after = index_files(&site);
    let renamed = index_after.difference(&index_before).count();
    assert!(renamed > 0 && renamed * 3 < index_after.len(), "{renamed} of {} index files renamed", index_after.len());
    // The title of a postmortem that a later one lists as similar, and that lists pages show.
    site.patched(INVENTORY, INVENTORY, &[("title: \"Black Friday", "title: \"Holiday")]);
    same_as_cold(&site, "title", &today);
    // A tag, which moves it between term pages and changes who is similar to whom.
    site.patched(CDN, CDN, &[("tags: [automation, capacity]", "tags: [automation, capacity, cache-stampede]")]);
    same_as_cold(&site, "tag", &today);
    // An action item closed: the action item views and their counts.
    site.patched(MOBILE, MOBILE, &[("    status: todo", "    status: done")]);
    same_as_cold(&site, "action item", &today);
    // A date, which reorders every list the postmortem is in.
    site.patched(CDN, CDN, &[("date: 2025-03-12", "date: 2024-03-12")]);
    same_as_cold(&site, "date", &today);
    // A factor no longer shared: the others naming it lose an "also appeared in" link.
    site.patched(
        SEARCH,
        SEARCH,
        &[("\"No alert covered the condition that failed\"", "\"No alert watched index freshness\"")],
    );
    same_as_cold(&site, "factor", &today);
    // A new postmortem, and then one removed that another links to (the link is dropped).
    site.patched(
        CDN,
        "content/postmortems/2025-04-01-cdn-again.md",
        &[("title: \"CDN purge", "title: \"CDN purge again")],
    );
    same_as_cold(&site, "new", &today);
    site.remove(AUTH);
    same_as_cold(&site, "removed", &today);
    assert!(!site.read("postmortems/2024-06-30-search-indexer-memory-leak/index.html").contains("auth-token"));
    // Another day: overdue items.
    same_as_cold(&site, "today", &["--today", "2026-01-01"]);

    // Settings and theme are the stamp: a change to either makes every page again.
    site.patched("site.toml", "site.toml", &[("title = \"", "title = \"Renamed ")]);
    assert_eq!(same_as_cold(&site, "settings", &today), 0);
    site.write("theme/templates/404.html", "{% extends \"base.html\" %}{% block main %}lost{% endblock %}\n");
    assert_eq!(same_as_cold(&site, "theme", &today), 0);
    assert!(same_as_cold(&site, "again", &today) > 0);
}

#[test]
fn findings_point_into_files_whose_results_came_from_the_cache() {
    let site = Site::example();
    site.build().success();
    // A new file claims the id of one the cache holds; the later one by path is reported,
    // at its place in its file, which the build then reads again.
    site.patched(
        MOBILE,
        "content/postmortems/0000-copy.md",
        &[("date: 2025-07-15", "id: 2025-07-15-mobile-api-feature-flag\ndate: 2025-07-15")],
    );
    let warm = site.build().failure(1);
    std::fs::remove_dir_all(site.root().join(".hindsight-cache")).unwrap();
    let cold = site.build().failure(1);
    assert_eq!(warm.stderr, cold.stderr);
    assert!(warm.stderr.contains("2025-07-15-mobile-api-feature-flag.md:"), "{}", warm.stderr);
    assert!(warm.stderr.contains("duplicate id"), "{}", warm.stderr);
}

#[test]
fn the_cache_takes_files_from_another_folder_only_when_their_bytes_check_out() {
    let site = Site::example();
    site.build().success();
    let all = reused(&site.build().success());
    assert!(all > 0);
    let made = tree(&site.public());

    // Another folder in the output's place, as CI restores it with the cache (and without
    // the spare site beside it): its files are taken once their bytes hash as recorded.
    // One was changed (same length): it is made.
    let page = "postmortems/2024-06-30-search-indexer-memory-leak/index.html";
    let public = site.public();
    std::fs::rename(&public, site.root().join("other")).unwrap();
    std::fs::remove_dir_all(site.root().join(".hindsight-spare-public")).unwrap();
    for (path, bytes) in &made {
        let to = public.join(path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let bytes =
            if path == page { String::from_utf8_lossy(bytes).replacen("<h1", "<h2", 1).into() } else { bytes.clone() };
        std::fs::write(to, bytes).unwrap();
    }
    let run = site.build().success();
    assert_eq!(reused(&run), all - 1, "{}", run.stdout);
    assert!(tree(&site.public()) == made, "the changed file is made again");

    // A cache file that is not one: ignored, and replaced.
    let dir = site.root().join(".hindsight-cache/build");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pages-"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::write(&files[0], "garbage").unwrap();
    assert_eq!(reused(&site.build().success()), 0);
    assert!(reused(&site.build().success()) > 0);
}

#[test]
fn public_builds_take_nothing_internal_from_the_cache_whatever_was_built_before() {
    let site = Site::fixture("public");
    let leaks = |site: &Site| {
        crate::public::output_text(site).into_iter().filter(|(_, text)| text.contains("intcanary")).count()
    };
    // Internal and public builds taking turns in one folder, each with the caches of the
    // others: every public one is the bytes of a cold public build, with no canary.
    for round in 0..3 {
        site.build().success();
        assert!(leaks(&site) > 0, "the internal build shows internal text");
        site.run(&["build", "--public"]).success();
        assert_eq!(leaks(&site), 0, "round {round}");
        // The same edit in an internal span each time it comes round: cached and not.
        site.patched(
            "content/postmortems/public-one.md",
            "content/postmortems/public-one.md",
            &[(
                "PUBCANARY-BODY",
                &format!("PUBCANARY-BODY {round} <!-- internal -->INTCANARY-NEW-{round}<!-- /internal -->"),
            )],
        );
    }
    let warm = tree(&site.public());
    std::fs::remove_dir_all(site.root().join(".hindsight-cache")).unwrap();
    let fresh = site.root().join("fresh");
    site.run(&["build", "--public", "-o", &fresh.to_string_lossy()]).success();
    site.run(&["build", "--public"]).success();
    assert_eq!(leaks(&site), 0);
    assert!(tree(&site.public()) == tree(&fresh), "a cached public build is a cold one");
    assert!(warm != tree(&fresh), "the last edit is in the new build");
}
