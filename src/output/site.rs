//! Stage 3 as one step: a `Site` is the output folder being replaced. It owns what decides
//! which pages need making (the cache stamp and the previous build's page cache), the
//! staged folder the pages, the search index, the theme's files and the published assets
//! go into, and the swap that puts it in place. `build` opens one, publishes it, and
//! reports what it did; nothing of the cache's identities or the staging leaks out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use super::cache::{self, PageCache};
use super::staging::{self, Output};
use super::{Key, Renderer, Theme};
use crate::diagnostics::Diagnostic;
use crate::model::Archive;
use crate::routes::Page;
use crate::terminal::{self, Progress};

/// The output folder of one build, staged until `publish` swaps it in.
pub struct Site {
    root: PathBuf,
    folder: PathBuf,
    renderer: Renderer,
    previous: PageCache,
    output: Output,
}

/// What publishing did.
pub struct Published {
    pub pages: usize,
    /// Files the previous site already had byte for byte, kept as they were.
    pub unchanged: usize,
    /// Pages of those the build cache knew to be the same, so they were not made at all.
    pub reused: usize,
    /// Making the files, then swapping the folder in.
    pub timings: [(&'static str, Duration); 2],
    /// Time spent making each kind of page (rendering and writing, summed over threads) and
    /// how many there were, most costly first: where a faster build must look.
    pub kinds: Vec<(&'static str, Duration, usize)>,
}

/// Why nothing was published.
pub enum Unpublished {
    /// Templates failed: every distinct finding once, and how many pages failed (the
    /// user's to fix).
    Pages { findings: Vec<Diagnostic>, failed: usize },
    /// The output could not be written (the machine's).
    Io(anyhow::Error),
}

impl From<anyhow::Error> for Unpublished {
    fn from(e: anyhow::Error) -> Self {
        Unpublished::Io(e)
    }
}

impl Site {
    /// Stages a new site for `folder` (taking the build's lock). The previous build's
    /// pages are trusted only if the binary, the settings as written (`settings`: some,
    /// like the timeline's headings, shape the model itself), the theme and the build's
    /// `options` are all as they were.
    pub fn open(
        root: &Path,
        folder: &Path,
        archive: Arc<Archive>,
        theme: Arc<Theme>,
        settings: &str,
        options: &impl serde::Serialize,
    ) -> Result<Site> {
        let mut renderer = Renderer::new(archive, theme, Default::default());
        renderer.cache_search_in(root.join(cache::SEARCH_RUNS));
        let mut stamp = Key::default();
        stamp.num(crate::fingerprint::source()).bytes(settings.as_bytes()).num(renderer.stamp()).json(options);
        let mut previous = PageCache::load(root, folder, stamp.finish());
        let output = Output::create(folder, previous.spare_folder())?;
        previous.found_output(output.previous_identity());
        Ok(Site { root: root.to_path_buf(), folder: folder.to_path_buf(), renderer, previous, output })
    }

    /// Makes every page, the search index, the theme's files and `assets` (output path,
    /// source file), then swaps the folder in and records the build cache. Nothing is
    /// swapped in unless every file was made.
    pub fn publish(self, assets: &[(String, PathBuf)], progress: &Progress) -> Result<Published, Unpublished> {
        let Site { root, folder, renderer, previous, output } = self;
        let clock = Instant::now();
        let pages = renderer.pages();
        progress.stage("rendering pages", pages.len());
        let reused = AtomicUsize::new(0);
        let kinds = Mutex::new(HashMap::<&'static str, (Duration, usize)>::new());
        let spent = |kind: &'static str, took: Duration| {
            let mut kinds = kinds.lock().unwrap_or_else(|e| e.into_inner());
            let entry = kinds.entry(kind).or_default();
            entry.0 += took;
            entry.1 += 1;
        };
        // The static search index is made beside the pages: its merging steps run on one
        // thread, which the page jobs keep the other core busy through.
        let made = Making { renderer: &renderer, output: &output, previous: &previous, reused: &reused };
        let (results, search) = rayon::join(
            || -> Vec<Result<Option<(String, cache::Entry)>, Unpublished>> {
                pages
                    .par_iter()
                    .map(|&page| {
                        let clock = Instant::now();
                        let entry = made.page(page);
                        spent(page.kind(), clock.elapsed());
                        progress.inc();
                        entry
                    })
                    .collect()
            },
            || -> Result<()> {
                let clock = Instant::now();
                let written = renderer.write_search_files(&mut |path, text| output.write(&path, text.as_bytes()));
                spent("search index", clock.elapsed());
                written
            },
        );
        let (mut findings, mut entries) = (Vec::new(), HashMap::new());
        for result in results {
            match result {
                Ok(entry) => entries.extend(entry),
                Err(Unpublished::Pages { findings: f, .. }) => findings.extend(f),
                Err(Unpublished::Io(e)) => return Err(Unpublished::Io(e.context("nothing was written"))),
            }
        }
        if !findings.is_empty() {
            // One broken template fails every page that uses it: each distinct finding is
            // shown once, and the count says how many pages failed.
            let failed = findings.len();
            findings.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
            findings.dedup();
            return Err(Unpublished::Pages { findings, failed });
        }
        search?;
        for (path, bytes) in &renderer.static_files() {
            output.write(path, bytes)?;
        }
        for (path, source) in assets {
            let bytes = std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?;
            output.write(path, &bytes)?;
        }
        if output.recycled() {
            output.remove_others(previous.spare_files())?;
        }
        let rendered = clock.elapsed();
        let unchanged = output.unchanged();
        let clock = Instant::now();
        let files = output.produced();
        progress.stage("replacing the output folder", 0);
        // The replaced site is kept to be updated next time only when the cache knows it.
        let spare = output.commit(previous.made_here)?;
        let committed = clock.elapsed();
        if let Some(made) = staging::identity(&folder)
            && let Err(e) = previous.save(&root, &folder, made, entries, files, spare)
        {
            terminal::note(format_args!(
                "cannot write the build cache in {}: {e}",
                root.join(".hindsight-cache").display()
            ));
        }
        let mut kinds: Vec<_> =
            kinds.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|(k, (d, n))| (k, d, n)).collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        Ok(Published {
            pages: pages.len(),
            unchanged,
            reused: reused.into_inner(),
            timings: [("render", rendered), ("commit", committed)],
            kinds,
        })
    }
}

/// What making one page needs, shared by the page jobs.
struct Making<'a> {
    renderer: &'a Renderer,
    output: &'a Output,
    previous: &'a PageCache,
    reused: &'a AtomicUsize,
}

impl Making<'_> {
    /// Makes one page, unless the previous build made it from the same values (its key,
    /// from the build cache): then its file is taken from the previous site. Returns what
    /// the cache records of it (`None` for pages that are always made).
    fn page(&self, page: Page) -> Result<Option<(String, cache::Entry)>, Unpublished> {
        let Making { renderer, output, previous, reused } = self;
        let path = page.path(renderer.archive());
        // The spare site (two builds ago), being updated in place, may already have it.
        if output.recycled()
            && let Some(entry) = previous.spare_get(&path)
            && renderer.key(page, &entry.links) == Some(entry.key)
        {
            output.leave(&path);
            reused.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((path, entry.clone())));
        }
        if let Some(entry) = previous.get(&path)
            && renderer.key(page, &entry.links) == Some(entry.key)
            && output.keep(&path, entry.len, (!previous.made_here).then_some(entry.hash))
        {
            reused.fetch_add(1, Ordering::Relaxed);
            return Ok(Some((path, entry.clone())));
        }
        let (path, html, links) =
            renderer.render_traced(page).map_err(|d| Unpublished::Pages { findings: vec![d], failed: 1 })?;
        output.write(&path, html.as_bytes())?;
        let (len, hash) = (html.len() as u64, crate::fingerprint::of(html.as_bytes()));
        Ok(renderer.key(page, &links).map(|key| (path, cache::Entry { key, len, hash, links })))
    }
}
