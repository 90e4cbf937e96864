//! One query, as `hindsight search`, `serve`'s `/api/search` and the search page read it,
//! run on a small index: an error is an answer, a panic is a finding.
#![no_main]

use std::sync::OnceLock;

use hindsight::privacy::Audience;
use hindsight::search::{self, Corpus, Filters, Searcher, Sort};
use hindsight_fuzz::Site;
use libfuzzer_sys::fuzz_target;

/// Beside the shared neighbour: names in every field a bare word also finds.
const POSTMORTEM: &str = "---
title: Kafka brokers fell over
date: 2024-03-02
severity: SEV-1
status: draft
services: [kafka, api-gateway]
teams: [Night Owls]
tags: [retry-storm]
authors: [Jane Doe]
---
## Summary
The leader election looped; failovers failed and p99.9 latency grew.
";

fn searcher() -> &'static (tempfile::TempDir, Searcher) {
    static SEARCHER: OnceLock<(tempfile::TempDir, Searcher)> = OnceLock::new();
    SEARCHER.get_or_init(|| {
        let mut site = Site::shared(Audience::Internal).lock().unwrap();
        site.load(POSTMORTEM.as_bytes());
        let archive = site.assemble(false).archive.expect("the fixed postmortems build");
        let root = tempfile::Builder::new().prefix("hindsight-fuzz-query-").tempdir().expect("temp dir");
        let corpus = Corpus::new(&archive.postmortems, &archive.external);
        search::build(&search::dir(root.path()), &corpus, "fuzz").expect("index");
        let searcher = Searcher::open(root.path()).expect("opens");
        (root, searcher)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let (_, searcher) = searcher();
    for sort in [Sort::Relevance, Sort::Date] {
        let _ = searcher.search(query, &Filters::default(), 10, sort, &|_| None);
    }
});
