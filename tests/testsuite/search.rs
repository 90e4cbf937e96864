use crate::site::{Site, assert_contains};

/// The `id` of each line `search --json` printed.
pub fn ids(json_lines: &str) -> Vec<String> {
    json_lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect()
}

fn search(site: &Site, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    ids(&site.run(&all).success().stdout)
}

fn site() -> Site {
    let site = Site::fixture("good");
    let pm = |title: &str, body: &str| {
        format!(
            "---\ntitle: \"{title}\"\ndate: 2024-06-01\nseverity: SEV-3\nstatus: closed\nservices: [zoo]\n---\n\n{body}\n"
        )
    };
    site.write(
        "content/postmortems/rank-body.md",
        pm("Aquarium pump stopped", "The zebrafish tank pump stopped for 2 hours."),
    );
    site.write("content/postmortems/rank-title.md", pm("Zebrafish feeder outage", "The feeder skipped 3 meals."));
    site
}

#[test]
fn finds_by_word_stem_prefix_and_typo() {
    let site = site();
    assert_eq!(search(&site, &["checkout"]), ["checkout-outage"]);
    assert_eq!(search(&site, &["failovers"]), ["db-failover"], "failovers and failover share the stem failov");
    assert_eq!(search(&site, &["partitioned"]), ["db-failover"], "the timeline says Partition");
    assert_eq!(search(&site, &["failo*"]), ["db-failover"]);
    assert_eq!(search(&site, &["failovr"]), ["db-failover"], "one typo in a word of 5+ letters");
    assert!(search(&site, &["qwertyuiop"]).is_empty());
}

#[test]
fn filters_and_field_queries() {
    let site = site();
    assert_eq!(search(&site, &["--service", "postgres", "primaries OR checkout"]), ["db-failover"]);
    assert_eq!(search(&site, &["--severity", "SEV-1", "down"]), ["checkout-outage"]);
    assert_eq!(search(&site, &["--tag", "database", "primaries"]), ["db-failover"]);
    assert_eq!(search(&site, &["service:payments AND severity:SEV-2"]), ["db-failover"]);
    assert_eq!(search(&site, &["title:zebrafish"]), ["rank-title"]);
    assert_eq!(search(&site, &["zebrafish -feeder"]), ["rank-body"]);
    let drafts = search(&site, &["Not finished"]);
    assert_eq!(drafts, ["search-draft"], "drafts are searchable: search serves the authors");
}

#[test]
fn prefixes_complete_words_whose_stem_is_shorter_and_a_cut_word_still_finds() {
    let site = site();
    site.write(
        "content/postmortems/cert.md",
        "---\ntitle: \"Memory and certificates\"\ndate: 2024-06-02\nseverity: SEV-3\nservices: [zoo]\n---\n\nThe certificate expired; memory grew.\n",
    );
    // memory -> memori, certificate -> certif: the stems are shorter than the prefixes.
    assert_eq!(search(&site, &["memory*"]), ["cert"]);
    assert_eq!(search(&site, &["certificat*"]), ["cert"]);
    assert_eq!(search(&site, &["failover*"]), ["db-failover"]);
    assert_eq!(search(&site, &["certificat"]), ["cert"], "a word cut short is retried as a prefix");
}

#[test]
fn field_values_in_any_case_front_matter_names_and_did_you_mean() {
    let site = site();
    assert_eq!(search(&site, &["severity:sev-2 service:PAYMENTS"]), ["db-failover"]);
    assert_eq!(search(&site, &["tag:Config-Change"]), ["checkout-outage"]);
    assert_eq!(search(&site, &["tags:deploy services:payments", "--sort", "date"]), ["checkout-outage", "db-failover"]);
    assert_eq!(search(&site, &["authors:amara"]), ["checkout-outage"]);
    assert_eq!(search(&site, &["--service", "Postgres", "primaries"]), ["db-failover"]);
    let run = site.run(&["search", "tgs:deploy"]).failure(2);
    assert!(run.stderr.contains("did you mean `tags:`?"), "{}", run.stderr);
    // Not near a field: text, as written.
    let url = site.run(&["search", "https://acme.example.test"]).success();
    assert!(!url.stderr.contains("field"), "{}", url.stderr);
}

#[test]
fn a_query_may_start_with_a_dash_and_severities_are_checked() {
    let site = site();
    let all = search(&site, &[""]);
    let without = search(&site, &["-zebrafish"]);
    assert_eq!(without.len(), all.len() - 2, "{without:?}");
    assert!(!without.iter().any(|id| id.starts_with("rank-")));
    let run = site.run(&["search", "--severity", "SEV-9", "pump"]).failure(2);
    assert!(run.stderr.contains("unknown severity `SEV-9`"), "{}", run.stderr);
    assert_eq!(search(&site, &["--severity", "sev-3", "pump"]), ["rank-body"], "any case");
}

#[test]
fn other_companies_postmortems_are_searchable() {
    let site = site();
    let json = site.run(&["search", "--json", "acme"]).success().stdout;
    let hit: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(hit["id"], "external/acme-outage");
    assert_eq!(hit["origin"], "external");
    assert_eq!(hit["url"], "external/acme-outage/", "its own page, which links the original");
    assert_eq!(search(&site, &["origin:external company:acme"]), ["external/acme-outage"]);
    assert!(!search(&site, &["origin:ours"]).iter().any(|id| id.starts_with("external/")));
}

#[test]
fn a_bare_word_finds_a_service_tag_team_or_company_by_name_below_a_title_that_says_it() {
    let site = site();
    let pm = |id: &str, title: &str, names: &str| {
        let text = format!(
            "---\ntitle: \"{title}\"\ndate: 2024-05-0{}\nseverity: SEV-3\n{names}\n---\n\nThe queue stalled.\n",
            id.len() % 9 + 1
        );
        site.write(&format!("content/postmortems/{id}.md"), &text);
    };
    pm("only-listed", "Queue stalled", "services: [Kafka, api-gateway]\nteams: [Night Owls]\ntags: [retry-storm]");
    pm("in-title", "Kafka brokers fell over", "services: [zoo]");
    // Newer than `in-title`: were names scored like the title, it would come first.
    assert_eq!(search(&site, &["kafka"]), ["in-title", "only-listed"], "a title match ranks first");
    // ACME's summary says DNS (and its category is `dns`): a scored match, above a name.
    assert_eq!(search(&site, &["dns OR kafka"]), ["in-title", "external/acme-outage", "only-listed"]);
    assert_eq!(search(&site, &["gateway"]), ["only-listed"], "one word of a value");
    assert_eq!(search(&site, &["api-gateway"]), ["only-listed"], "a whole value");
    assert_eq!(search(&site, &["\"retry storm\""]), ["only-listed"], "a phrase finds the whole value");
    assert_eq!(search(&site, &["owls"]), ["only-listed"], "a team");
    assert_eq!(search(&site, &["team:\"night owls\""]), ["only-listed"], "a team by `team:`");
    assert_eq!(search(&site, &["kaf*"]), ["in-title", "only-listed"], "a prefix");
    assert!(!search(&site, &["-kafka"]).iter().any(|id| id == "only-listed" || id == "in-title"));
    assert_eq!(search(&site, &["title:kafka"]), ["in-title"], "a field's word is not a name");
    // Another company's postmortem by its company; `Mystery Corp` by one word.
    assert!(search(&site, &["mystery"]).contains(&"external/unknown-link".to_string()));
}

#[test]
fn a_title_match_ranks_above_a_body_match() {
    let site = site();
    assert_eq!(search(&site, &["zebrafish"]), ["rank-title", "rank-body"]);
}

#[test]
fn human_output_has_a_snippet_and_json_has_every_field() {
    let site = site();
    let run = site.run(&["search", "pump"]).success();
    assert!(
        run.stdout.starts_with("1. Aquarium pump stopped\n   2024-06-01 · SEV-3 · closed · zoo · rank-body\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("The zebrafish tank «pump» stopped"), "{}", run.stdout);
    let json = site.run(&["search", "--json", "pump"]).success().stdout;
    let hit: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    for field in ["id", "title", "date", "severity", "status", "services", "tags", "score", "snippet", "url"] {
        assert!(hit.get(field).is_some(), "{field} missing: {hit}");
    }
    assert_eq!(hit["url"], "postmortems/rank-body/");
}

#[test]
fn every_hit_says_whether_it_is_a_draft() {
    let site = site();
    let run = site.run(&["search", "service:search OR pump"]).success();
    assert_contains(&run.stdout, &["2024-05-01 · SEV-3 · draft · search · search-draft", "· closed · zoo · rank-body"]);
    let json = site.run(&["search", "--json", "service:search OR pump OR acme"]).success().stdout;
    let status: std::collections::BTreeMap<String, serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|hit| (hit["id"].as_str().unwrap().to_string(), hit["status"].clone()))
        .collect();
    assert_eq!(status["search-draft"], "draft");
    assert_eq!(status["rank-body"], "closed");
    assert_eq!(status["external/acme-outage"], serde_json::Value::Null, "another company's has none");
}

#[test]
fn the_index_is_rebuilt_only_when_content_changes() {
    let site = site();
    let indexed = |run: &crate::site::Run| run.stderr.contains("indexed 5 postmortems");
    assert!(indexed(&site.run(&["search", "pump"]).success()), "the first search builds the index");
    let again = site.run(&["search", "pump"]).success();
    assert!(!again.stderr.contains("indexed"), "unchanged content, same index: {}", again.stderr);
    site.write(
        "content/postmortems/new.md",
        "---\ntitle: \"Kiwi outage\"\ndate: 2024-07-01\nseverity: SEV-3\nservices: [zoo]\n---\n\nBody.\n",
    );
    let changed = site.run(&["search", "kiwi"]).success();
    assert!(changed.stderr.contains("indexed 6 postmortems"), "a new file, a new index: {}", changed.stderr);
    assert_eq!(search(&site, &["kiwi"]), ["new"]);
    assert!(!site.public().exists(), "search writes no site");
}

#[test]
fn a_bad_query_is_a_clear_error() {
    let site = site();
    let run = site.run(&["search", "servce:zoo"]).failure(2);
    assert!(run.stderr.contains("unknown field `servce:` in the query; did you mean `service:`?"), "{}", run.stderr);
}

#[test]
fn a_limit_of_zero_is_a_clear_error_not_a_panic() {
    let site = site();
    let run = site.run(&["search", "checkout", "--limit", "0"]).failure(2);
    assert!(run.stderr.contains("--limit") && run.stderr.contains("1..=100000"), "{}", run.stderr);
}
