//! What the archive-wide features cost on a large archive: the insights page, the service
//! pages' charts, the action item views, similar incidents for every postmortem, and the
//! Git history read.
//!
//!     cargo bench --bench insights -- DIR

use std::sync::Arc;
use std::time::Instant;

use hindsight::render::{Job, Renderer, Theme};
use hindsight::sources::{Git, LoadOptions, Sources};
use rayon::prelude::*;

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench insights -- ARCHIVE_DIR");
        return;
    };
    let root = std::path::Path::new(&dir);
    let t = Instant::now();
    let git = match hindsight::history::Repo::discover(root) {
        Some(repo) => Git { in_repo: true, histories: repo.histories("HEAD").expect("history"), branch: repo.branch() },
        None => Git::default(),
    };
    println!("git history: {} files in {:.0} ms", git.histories.len(), t.elapsed().as_secs_f64() * 1000.0);
    let sources = Sources::read(root, false, git).expect("read").expect("config");
    let today = jiff::civil::date(2026, 1, 1);
    let archive = sources.assemble(&LoadOptions { drafts: true, lint: false, today }).archive.expect("valid archive");
    let theme = Arc::new(Theme::load(root).expect("theme"));
    let renderer = Renderer::new(Arc::new(archive), theme, Default::default());
    let jobs = renderer.jobs();
    let time = |name: &str, pick: &dyn Fn(&Job) -> bool| {
        let chosen: Vec<Job> = jobs.iter().copied().filter(|j| pick(j)).collect();
        let t = Instant::now();
        chosen.par_iter().for_each(|&j| drop(renderer.render(j).expect("render")));
        println!("{name:<34} {:>4} pages {:>7.1} ms", chosen.len(), t.elapsed().as_secs_f64() * 1000.0);
    };
    time("insights page", &|j| matches!(j, Job::Insights));
    let services = renderer.archive().taxonomies.iter().position(|t| t.key == "services");
    time("service pages (with charts)", &|j| matches!(j, Job::Term(t, _) if Some(*t) == services));
    time("action item pages", &|j| matches!(j, Job::ActionItems(_)));
    time("feed, sitemap, JSON export", &|j| matches!(j, Job::Feed | Job::Sitemap | Job::Export));
    let n = renderer.archive().postmortems.len();
    let t = Instant::now();
    (0..n)
        .into_par_iter()
        .for_each(|i| drop(hindsight::similar::similar(renderer.archive(), renderer.archive().words(), i)));
    println!("{:<34} {n:>4} pages {:>7.1} ms", "similar incidents (all)", t.elapsed().as_secs_f64() * 1000.0);
}
