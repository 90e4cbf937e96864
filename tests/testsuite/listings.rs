//! Long listings split into pages: every entry on exactly one page, each page linked to its
//! neighbours, and no page past the last.

use std::collections::{BTreeMap, BTreeSet};

use crate::site::{Site, attr_values, postmortem_links};

/// The example archive with two entries a page, so its listings have several.
fn two_a_page() -> Site {
    let site = Site::example();
    site.patched("site.toml", "site.toml", &[("timezone = \"UTC\"\n", "timezone = \"UTC\"\nper_page = 2\n")]);
    site.run(&["build", "--drafts", "--today", "2025-06-01"]).success();
    site
}

/// The pages of the listing at `first` (a path from the output root), in order, found by
/// following each page's `rel="next"` link.
fn walk(site: &Site, first: &str) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let mut at = first.to_string();
    loop {
        let html = site.read(&format!("{at}index.html"));
        let next = html.split("rel=\"next\" href=\"").nth(1).map(|rest| rest.split('"').next().unwrap().to_string());
        pages.push((at.clone(), html));
        match next {
            // Links are relative to the root: `../../tags/dns/page/2/`.
            Some(href) => at = href.trim_start_matches("../").to_string(),
            None => return pages,
        }
    }
}

#[test]
fn every_listing_holds_each_of_its_postmortems_on_exactly_one_page() {
    let site = two_a_page();
    let export: serde_json::Value = serde_json::from_str(&site.read("postmortems.json")).unwrap();
    let mut by_term: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for pm in export["postmortems"].as_array().unwrap() {
        let id = pm["id"].as_str().unwrap();
        let text = |key: &str| pm[key].as_str().unwrap().to_lowercase();
        let mut terms = vec![format!("years/{}", &text("date")[..4]), format!("severities/{}", text("severity"))];
        terms.push(format!("status/{}", text("status")));
        for key in ["services", "tags"] {
            terms.extend(pm[key].as_array().unwrap().iter().map(|t| format!("{key}/{}", t.as_str().unwrap())));
        }
        // `/postmortems/` lists them all.
        terms.push("postmortems".into());
        for term in terms {
            by_term.entry(term).or_default().insert(id.to_string());
        }
    }
    assert!(by_term.values().any(|ids| ids.len() > 4), "some listing needs three pages: {by_term:?}");
    for (term, ids) in &by_term {
        let pages = walk(&site, &format!("{term}/"));
        assert_eq!(pages.len(), ids.len().div_ceil(2), "{term}");
        let mut seen = Vec::new();
        for (n, (path, html)) in pages.iter().enumerate() {
            let list = html.split("<ol class=\"pm-list\">").nth(1).unwrap().split("</ol>").next().unwrap();
            let on_page: BTreeSet<String> = postmortem_links(list).into_iter().collect();
            assert!((1..=2).contains(&on_page.len()), "{path}: {on_page:?}");
            seen.extend(on_page);
            if term.starts_with("services/") {
                assert_eq!(
                    html.contains("<figure class=\"chart\">"),
                    n == 0,
                    "{path}: the chart on the first page only"
                );
            }
            if n > 0 {
                assert_eq!(path, &format!("{term}/page/{}/", n + 1));
                assert!(html.contains(&format!("(page {})", n + 1)), "{path}: the title says which page");
                assert!(html.contains("rel=\"prev\""), "{path}");
            }
            if pages.len() > 1 {
                assert!(html.contains(&format!("page {} of {}", n + 1, pages.len())), "{path}");
                assert!(attr_values(html, "aria-current").contains(&"page"), "{path}: the current page is marked");
            }
        }
        assert_eq!(seen.len(), ids.len(), "{term}: no postmortem twice");
        assert_eq!(&seen.into_iter().collect::<BTreeSet<_>>(), ids, "{term}");
        let past = site.public().join(format!("{term}/page/{}/index.html", pages.len() + 1));
        assert!(!past.exists(), "no page past the last: {}", past.display());
        assert!(!site.public().join(format!("{term}/page/1")).exists(), "page 1 is the listing itself");
    }
}

/// `(status, title)` of every row of an action-items table.
fn rows(html: &str) -> Vec<(String, String)> {
    html.split("<tr class=\"item-")
        .skip(1)
        .map(|row| {
            let status = row.split(['"', ' ']).next().unwrap().to_string();
            let cell = row.split("<td>").nth(1).unwrap();
            let cell = match cell.strip_prefix("<a href=") {
                Some(linked) => &linked[linked.find('>').unwrap() + 1..linked.find("</a>").unwrap()],
                None => &cell[..cell.find('<').unwrap_or(cell.len())],
            };
            let title = cell.replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
            (status, title.replace("&amp;", "&"))
        })
        .collect()
}

#[test]
fn the_action_items_page_lists_open_items_in_pages_and_the_closed_ones_in_their_views() {
    let site = two_a_page();
    let export: serde_json::Value = serde_json::from_str(&site.read("postmortems.json")).unwrap();
    let items: Vec<(String, String)> = export["postmortems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|pm| pm["action_items"].as_array().unwrap().iter())
        .map(|i| (i["status"].as_str().unwrap().to_string(), i["title"].as_str().unwrap().to_string()))
        .collect();
    let open: BTreeSet<&str> =
        items.iter().filter(|(s, _)| s == "todo" || s == "in-progress").map(|(_, t)| t.as_str()).collect();
    assert!(open.len() > 4 && open.len() < items.len(), "open and closed items in the example");

    let pages = walk(&site, "action-items/");
    assert_eq!(pages.len(), open.len().div_ceil(2));
    let listed: Vec<(String, String)> = pages.iter().flat_map(|(_, html)| rows(html)).collect();
    assert_eq!(listed.len(), open.len(), "{listed:?}");
    assert_eq!(listed.iter().map(|(_, t)| t.as_str()).collect::<BTreeSet<_>>(), open);
    assert!(pages[0].1.contains("closed ones are on their postmortems' pages and in the views by status"));
    assert!(pages[0].1.contains("Views by status"), "the views are linked from the first page");

    let done: Vec<(String, String)> =
        walk(&site, "action-items/status/done/").iter().flat_map(|(_, h)| rows(h)).collect();
    let expected = items.iter().filter(|(s, _)| s == "done").count();
    assert_eq!(done.len(), expected);
    assert!(done.iter().all(|(s, _)| s == "done"), "{done:?}");

    // An owner's and a service's pages list their open items only; all of them, in pages.
    let groups = |kind: &str| -> BTreeSet<String> {
        let html = site.read("action-items/index.html");
        let prefix = format!("href=\"../action-items/{kind}/");
        let url = |rest: &str| format!("action-items/{kind}/{}", &rest[..rest.find('"').unwrap()]);
        html.split(prefix.as_str()).skip(1).map(url).collect()
    };
    for kind in ["owner", "service"] {
        let views = groups(kind);
        assert!(views.len() > 1, "{kind}: {views:?}");
        let mut seen = BTreeSet::new();
        for view in views {
            let listed: Vec<_> = walk(&site, &view).iter().flat_map(|(_, h)| rows(h)).collect();
            assert!(listed.iter().all(|(s, _)| s == "todo" || s == "in-progress"), "{view}: {listed:?}");
            seen.extend(listed.into_iter().map(|(_, t)| t));
        }
        if kind == "owner" {
            assert_eq!(
                seen.iter().map(String::as_str).collect::<BTreeSet<_>>(),
                open,
                "every open item under its owner"
            );
        }
    }
}

#[test]
fn a_large_export_is_a_chain_of_files_each_naming_the_next() {
    let site = Site::fixture("good");
    // 1,001 postmortems: the export's files hold 500 each, so three files.
    for n in 0..1001 {
        site.write(
            &format!("content/postmortems/bulk-{n:04}.md"),
            format!("---\ntitle: \"Bulk {n}\"\ndate: 2020-01-01\nseverity: SEV-3\nstatus: reviewed\nservices: [api]\n---\n\nText.\n"),
        );
    }
    site.build().success();
    let (mut file, mut ids, mut files) = (Some("postmortems.json".to_string()), Vec::new(), Vec::new());
    while let Some(name) = file {
        let json: serde_json::Value = serde_json::from_str(&site.read(&name)).unwrap();
        assert_eq!(json["version"], 2);
        let listed = json["postmortems"].as_array().unwrap();
        assert!(listed.len() <= 500, "{name}: {}", listed.len());
        ids.extend(listed.iter().map(|p| p["id"].as_str().unwrap().to_string()));
        assert_eq!(json["count"].as_u64().unwrap() as usize, json_count(&site));
        files.push(name);
        file = json["next"].as_str().map(str::to_string);
    }
    assert_eq!(files, ["postmortems.json", "postmortems-2.json", "postmortems-3.json"]);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (json_count(&site), json_count(&site)), "each postmortem once");
    assert!(ids.contains(&"bulk-0000".to_string()) && ids.contains(&"bulk-1000".to_string()));
    assert!(!site.public().join("postmortems-4.json").exists(), "no file past the last");
}

/// Postmortems the build published: one folder each, with the page and its JSON (beside
/// them, `/postmortems/`'s own pages).
fn json_count(site: &Site) -> usize {
    let entries = std::fs::read_dir(site.public().join("postmortems")).unwrap();
    entries.filter(|e| e.as_ref().unwrap().path().join("index.json").is_file()).count()
}

#[test]
fn an_archive_of_drafts_alone_says_so_and_where_they_are() {
    let site = Site::fixture("good");
    let dir = site.root().join("fresh");
    let run = |args: &[&str]| {
        let mut all = vec!["--root", dir.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hindsight")).args(&all).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["init"]);
    run(&["new", "Queue stalled", "--service", "queue"]);
    run(&["build"]);
    let read = |rel: &str| std::fs::read_to_string(dir.join("public").join(rel)).unwrap();
    // `init`'s example is there to read, not a draft: the one `new` wrote is.
    let said = "No postmortem is published yet: 1 draft is left out of this build.";
    assert!(read("index.html").contains(said), "{}", read("index.html"));
    assert!(!read("index.html").contains("No postmortems yet"));
    // Where people trim a postmortem's address to: the list, which says the same.
    let list = read("postmortems/index.html");
    assert!(list.contains("<h1>All postmortems</h1>") && list.contains("1 draft is left out of this build"), "{list}");
    run(&["build", "--drafts"]);
    let page = read("postmortems/index.html");
    let list = page.split("<ol class=\"pm-list\">").nth(1).unwrap().split("</ol>").next().unwrap();
    assert_eq!(postmortem_links(list).len(), 1, "{page}");
    assert!(!page.contains("left out"), "{page}");
}
