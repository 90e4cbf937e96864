//! Reading lists: `[[reading_lists]]` pages in the order written, with this archive's
//! postmortems and external ones, what a build leaves out skipped, and unknown ids
//! reported in `site.toml`.

use crate::site::{Site, assert_contains};

const LISTS: &str = "\n[[reading_lists]]\nname = \"Onboarding\"\ndescription = \"Start here.\"\nids = [\"db-failover\", \"outside\", \"checkout-outage\", \"search-draft\"]\n\n[[reading_lists]]\nname = \"Empty for now\"\nids = []\n";

fn site() -> Site {
    let site = Site::fixture("good");
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", toml + LISTS);
    site.write(
        "content/external/outside.md",
        "---\nurl: \"https://example.org/pm\"\ntitle: \"Their outage\"\ncompany: Example\n---\n",
    );
    site
}

#[test]
fn a_reading_list_shows_its_entries_in_the_order_written() {
    let site = site();
    site.build().success();
    let page = site.read("reading/onboarding/index.html");
    assert_contains(&page, &["<h1>Onboarding</h1>", "<p class=\"lede\">Start here.</p>", "<li class=\"ext\">"]);
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} missing: {page}"));
    assert!(
        at(">Database failover<") < at(">Their outage<") && at(">Their outage<") < at(">Checkout outage<"),
        "in order"
    );
    assert!(!page.contains("search-draft"), "drafts are left out of a build without --drafts");
    let index = site.read("reading/index.html");
    assert_contains(
        &index,
        &[
            "<a href=\"../reading/onboarding/\">Onboarding</a> <span class=\"count\" aria-label=\"3 postmortems\">3</span>",
            "<a href=\"../reading/empty-for-now/\">Empty for now</a>",
        ],
    );
    assert!(site.read("reading/empty-for-now/index.html").contains("Nothing on this list is in this build."));
    assert!(site.read("index.html").contains(">Reading lists</a>"), "the header links them");
}

#[test]
fn a_public_build_lists_only_what_it_publishes() {
    let site = site();
    site.patched(
        "content/postmortems/checkout-outage.md",
        "content/postmortems/checkout-outage.md",
        &[("status: closed", "status: closed\nvisibility: public")],
    );
    site.run(&["build", "--public"]).success();
    let page = site.read("reading/onboarding/index.html");
    assert!(page.contains(">Checkout outage<") && page.contains(">Their outage<"), "{page}");
    assert!(!page.contains("Database failover") && !page.contains("db-failover"), "internal ones leave no trace");
}

#[test]
fn an_unknown_id_is_an_error_in_site_toml_with_the_nearest_id() {
    let site = site();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", toml.replace("\"outside\"", "\"outsde\""));
    let run = site.build().failure(1);
    let line = toml.lines().position(|l| l.starts_with("ids = [\"db-failover\"")).unwrap() + 1;
    assert_contains(
        &(run.findings() + &run.stderr),
        &[
            &format!(
                "site.toml:{line}:24: error[config]: reading list entry `outsde` is no postmortem of this archive"
            ),
            "did you mean `outside`?",
        ],
    );
}
