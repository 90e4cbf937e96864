//! What the archive-wide features cost on a large archive: the insights page, the service
//! pages' charts, the action item views, similar incidents for every postmortem, and the
//! Git history read.
//!
//!     cargo bench --bench insights -- DIR

use std::sync::Arc;
use std::time::Instant;

use hindsight::ingest::history::{Git, Repo};
use hindsight::model::TaxonomyKind;
use hindsight::output::Renderer;
use hindsight::routes::Page;
use hindsight::workspace::{Options, View, Workspace};
use rayon::prelude::*;

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench insights -- ARCHIVE_DIR");
        return;
    };
    let root = std::path::Path::new(&dir);
    let t = Instant::now();
    let git = Repo::discover(root)
        .map(|repo| Git::read(&repo, None, std::path::Path::new(hindsight::ingest::POSTMORTEMS)).expect("history"))
        .unwrap_or_default();
    println!("git history: {} files in {:.0} ms", git.histories.len(), t.elapsed().as_secs_f64() * 1000.0);
    let ws = Workspace::open(root, Options { history: true, ..Options::default() }).expect("read");
    let today = jiff::civil::date(2026, 1, 1);
    let archive = ws.archive(&View { drafts: true, lint: false, today }).archive.expect("valid archive");
    let theme = ws.theme().expect("theme").clone();
    let renderer = Renderer::new(Arc::new(archive), theme, Default::default());
    let jobs = renderer.pages();
    let time = |name: &str, pick: &dyn Fn(&Page) -> bool| {
        let chosen: Vec<Page> = jobs.iter().copied().filter(|j| pick(j)).collect();
        let t = Instant::now();
        chosen.par_iter().for_each(|&j| drop(renderer.render(j).expect("render")));
        println!("{name:<34} {:>4} pages {:>7.1} ms", chosen.len(), t.elapsed().as_secs_f64() * 1000.0);
    };
    time("insights page", &|j| matches!(j, Page::Insights));
    time("service pages (with charts)", &|j| matches!(j, Page::Term(TaxonomyKind::Services, _, _)));
    time("action item pages", &|j| matches!(j, Page::ActionItems(_, _)));
    time("feed, sitemap, JSON export", &|j| matches!(j, Page::Feed | Page::Sitemap(_) | Page::Export(_)));
    let t = Instant::now();
    let files = hindsight::output::search_index::files(renderer.archive(), None);
    let bytes: usize = files.values().map(String::len).sum();
    println!(
        "{:<34} {:>4} files {:>7.1} ms ({} KB)",
        "static search index",
        files.len(),
        t.elapsed().as_secs_f64() * 1000.0,
        bytes / 1024
    );
    let n = renderer.archive().postmortems.len();
    let t = Instant::now();
    (0..n)
        .into_par_iter()
        .for_each(|i| drop(hindsight::model::similar::similar(renderer.archive(), renderer.archive().words(), i)));
    println!("{:<34} {n:>4} pages {:>7.1} ms", "similar incidents (all)", t.elapsed().as_secs_f64() * 1000.0);
}
