//! A build killed with SIGKILL at any moment leaves the previous site or the new one,
//! complete, and the next build removes whatever the killed one left beside it.

use std::time::{Duration, Instant};

use crate::site::Site;

/// The output's files with their bytes, or `None` when there is no output.
fn tree(site: &Site) -> Option<Vec<(std::path::PathBuf, Vec<u8>)>> {
    site.public().exists().then(|| site.snapshot())
}

/// The archive in one of two versions: the title of every postmortem says which, so each
/// build rewrites every page.
fn write_version(site: &Site, version: usize) {
    let body = "## Summary\n\nCheckout p99 latency grew from 300 ms to 1.2 s.\n\n## Timeline\n\n- 14:02 Deploy\n- 14:09 Alert\n";
    for n in 0..300 {
        site.write(
            &format!("content/postmortems/many/pm-{n}.md"),
            format!(
                "---\ntitle: \"Version {version} incident {n}\"\ndate: 2024-03-{day:02}\nseverity: SEV-{sev}\nstatus: closed\nservices: [svc-{s}]\ntags: [tag-{t}]\n---\n{body}",
                day = n % 28 + 1,
                sev = n % 3 + 1,
                s = n % 17,
                t = n % 23,
            ),
        );
    }
}

#[test]
fn a_build_killed_at_random_moments_leaves_a_complete_site_and_no_leftovers() {
    let site = Site::fixture("good");
    let build = ["build", "--today", "2026-01-15"];
    let mut versions = Vec::new();
    let mut took = Duration::ZERO;
    // Twice each: the second time from the build cache, bringing the spare site up to date,
    // which is how most builds run and what the kills must also hit.
    for round in 0..4 {
        write_version(&site, round % 2);
        let start = Instant::now();
        site.run(&build).success();
        if round < 2 {
            versions.push(tree(&site).unwrap());
        } else {
            took = took.max(start.elapsed());
            assert_eq!(tree(&site).unwrap(), versions[round % 2]);
        }
    }
    assert_ne!(versions[0], versions[1]);

    // Fresh delays each run, from a seed that is printed so a failure replays.
    let mut rng = crate::rng::Rng::printed("kill");
    let mut killed_while_running = 0;
    for trial in 0..10 {
        write_version(&site, trial % 2);
        let delay = took.mul_f64(rng.below(1000) as f64 / 1000.0 * 1.2);
        let mut child = site
            .command(&build)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_while_running += 1;
        }
        child.kill().unwrap(); // SIGKILL: nothing of the build runs after this
        child.wait().unwrap();
        let now = tree(&site);
        assert!(
            now.as_ref().is_some_and(|t| versions.contains(t)),
            "trial {trial}, killed after {delay:?}: the output is neither the old nor the new site ({} files)",
            now.map_or(0, |t| t.len())
        );
    }
    assert!(killed_while_running >= 3, "only {killed_while_running} of 10 kills hit a running build");

    write_version(&site, 0);
    site.run(&build).success();
    assert_eq!(tree(&site).unwrap(), versions[0]);
    assert_eq!(site.leftovers(), Vec::<String>::new(), "the next build removes what killed builds left");
}

/// Every output file's (inode, modification time, bytes), by path.
fn stamps(site: &Site) -> std::collections::BTreeMap<std::path::PathBuf, (u64, std::time::SystemTime, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    site.snapshot()
        .into_iter()
        .map(|(path, bytes)| {
            let meta = std::fs::metadata(site.public().join(&path)).unwrap();
            (path, (meta.ino(), meta.modified().unwrap(), bytes))
        })
        .collect()
}

#[test]
fn a_rebuild_keeps_the_files_that_came_out_the_same_and_rewrites_the_rest() {
    let site = Site::fixture("good");
    site.build().success();
    let before = stamps(&site);
    std::thread::sleep(Duration::from_millis(20));
    let run = site.build().success();
    assert!(run.stdout.contains(&format!("({} files unchanged", before.len())), "{}", run.stdout);
    assert_eq!(stamps(&site), before, "nothing changed, so every file is the one written before, untouched");

    // One postmortem's title changes: its page and what lists it are new; the others stay.
    site.patched(
        "content/postmortems/checkout-outage.md",
        "content/postmortems/checkout-outage.md",
        &[("title: \"Checkout outage", "title: \"Checkout outage, edited")],
    );
    site.build().success();
    let after = stamps(&site);
    let changed: Vec<_> = after.iter().filter(|(p, s)| before.get(*p) != Some(s)).map(|(p, _)| p.clone()).collect();
    let kept: Vec<_> = after.iter().filter(|(p, s)| before.get(*p) == Some(s)).map(|(p, _)| p.clone()).collect();
    assert!(changed.iter().any(|p| p.ends_with("postmortems/checkout-outage/index.html")), "{changed:?}");
    assert!(changed.iter().any(|p| p.ends_with("services/checkout/index.html")), "{changed:?}");
    assert!(kept.iter().any(|p| p.ends_with("static/style.css")), "{kept:?}");
    assert!(
        kept.iter().any(|p| p.ends_with("postmortems/db-failover/index.html")),
        "another postmortem kept: {kept:?}"
    );
    for path in &changed {
        let (_, _, bytes) = &after[path];
        assert!(before.get(path).is_none_or(|(_, _, old)| old != bytes), "{path:?} was rewritten with the same bytes");
    }
}
