//! `hindsight build`: asks the workspace for the archive, reports every finding, and only
//! when there is no error renders every page into a staged output swapped in at the end.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::diagnostics::ContentErrors;
use crate::diagnostics::{self, Diagnostic};
use crate::output::cache::{self, PageCache};
use crate::output::staging::{self, Output};
use crate::output::{Key, Renderer};
use crate::privacy::Audience;
use crate::routes::{self, Page};
use crate::terminal::{self, Progress};
use crate::workspace::{self, Assembled, View, Workspace};

const NOTHING_WRITTEN: &str = "; nothing was written";
const PAGES_FAILED: &str = " (pages that failed to render); nothing was written";

/// Build the static archive.
#[derive(clap::Args)]
pub struct Args {
    /// Output folder, replaced as a whole when the build succeeds [default: ROOT/public].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Include postmortems whose status is `draft`.
    #[arg(long)]
    pub drafts: bool,
    /// Build the public archive: only `visibility: public` postmortems, without
    /// internal spans and the fields of `[public] hide_fields`.
    #[arg(long)]
    pub public: bool,
    /// The day action items are judged overdue against (YYYY-MM-DD) [default: today].
    #[arg(long)]
    pub today: Option<String>,
    /// Build the archive as it was at this commit, branch or tag, from the repository's
    /// objects (the working tree is not touched).
    #[arg(long)]
    pub rev: Option<String>,
    /// Print how long each stage took, and the ten costliest page kinds.
    #[arg(long)]
    pub timings: bool,
}

/// Builds, then tells the person how it went: the summary line, and with `--timings` (or
/// `-v`) where the time went.
pub fn run(root: &Path, args: Args) -> Result<u8> {
    let summary = build(root, &args)?;
    if args.timings || terminal::verbosity() == terminal::Verbosity::Verbose {
        for (stage, took) in &summary.timings {
            eprintln!("  {stage:<8} {:>8.1} ms", took.as_secs_f64() * 1000.0);
        }
    }
    if args.timings {
        eprintln!("  render by page kind (time on all threads), the ten costliest:");
        for (kind, took, count) in summary.kinds.iter().take(10) {
            let ms = took.as_secs_f64() * 1000.0;
            eprintln!("    {kind:<18} {ms:>8.1} ms  {count:>6} pages  {:>7.3} ms each", ms / *count as f64);
        }
    }
    if terminal::verbosity() > terminal::Verbosity::Quiet {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{summary}")?;
        out.flush()?;
    }
    Ok(0)
}

/// What a build did, printed as its last line.
pub struct Summary {
    pub pages: usize,
    pub postmortems: usize,
    pub drafts_left_out: usize,
    /// Set for public builds: internal postmortems left out.
    pub internal_left_out: Option<usize>,
    pub external: usize,
    pub warnings: usize,
    pub output: PathBuf,
    /// Files the previous site already had byte for byte, kept as they were (and when).
    pub unchanged: usize,
    /// Pages of those the build cache knew to be the same, so they were not made at all.
    pub reused: usize,
    pub elapsed: Duration,
    pub timings: Vec<(&'static str, Duration)>,
    /// Time spent making each kind of page (rendering and writing, summed over threads) and
    /// how many there were, most costly first: where a faster build must look.
    pub kinds: Vec<(&'static str, Duration, usize)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let drafts = match self.drafts_left_out {
            0 => String::new(),
            n => format!(", {n} draft{} left out (use --drafts)", if n == 1 { "" } else { "s" }),
        };
        let (kind, internal) = match self.internal_left_out {
            Some(n) => ("public archive", format!(", {n} internal left out")),
            None => ("archive", String::new()),
        };
        write!(
            f,
            "built {kind} of {} pages in {}: {} postmortems{drafts}{internal}, {} external, {} warning{} in {:.2} s",
            self.pages,
            self.output.display(),
            self.postmortems,
            self.external,
            self.warnings,
            if self.warnings == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64()
        )?;
        match (self.unchanged, self.reused) {
            (0, _) => {}
            (n, 0) => write!(f, " ({n} files unchanged)")?,
            (n, r) => write!(f, " ({n} files unchanged, {r} of them known from the build cache)")?,
        }
        Ok(())
    }
}

fn build(root: &Path, opts: &Args) -> Result<Summary> {
    let started = Instant::now();
    let output_folder = opts.output.clone().unwrap_or_else(|| root.join("public"));
    guard_output(root, &output_folder)?;
    let mut timings = Vec::new();
    let clock = Instant::now();
    let audience = Audience::of_public_flag(opts.public);
    let progress = Progress::start();
    let mut ws = Workspace::open(
        root,
        workspace::Options {
            audience,
            history: true,
            rev: opts.rev.clone(),
            skip_content: false,
            cache: true,
            strict: false,
            progress: progress.clone(),
        },
    )?;
    timings.push(("read", clock.elapsed()));
    if !ws.git().in_repo {
        terminal::note(format_args!("{} is not in a Git repository, so pages show no history", root.display()));
    }
    let today = ws.today(opts.today.as_deref())?;
    let clock = Instant::now();
    let Assembled { archive, mut diagnostics, internal_left_out, .. } =
        ws.archive(&View { drafts: opts.drafts, lint: false, today });
    timings.push(("model", clock.elapsed()));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let _ = diagnostics::report(root, &mut diagnostics);
    let (Some(archive), Ok(theme)) = (archive, ws.theme().cloned()) else {
        return Err(ContentErrors { count: errors, after: NOTHING_WRITTEN }.into());
    };
    let uncommitted = archive.postmortems.iter().filter(|p| p.history.is_none()).count();
    if ws.git().in_repo && uncommitted > 0 {
        terminal::note(format_args!("{uncommitted} postmortem(s) not committed yet, so their pages show no history"));
    }
    // The files published texts link to, copied as they are (`--rev` reads them from its
    // export of the commit, kept until they are written).
    let assets: Vec<(String, PathBuf)> =
        archive.published_assets().into_iter().map(|file| (routes::asset_path(&file), ws.root().join(&file))).collect();
    let _export = ws.take_export();
    // The settings as written stamp the page cache: some (the timeline's headings) shape
    // the model itself.
    let settings = ws.settings_text().to_string();
    // The files' texts are not needed to render: free them before the pages take memory.
    drop(ws);

    let clock = Instant::now();
    let archive = Arc::new(archive);
    let mut renderer = Renderer::new(archive.clone(), theme, Default::default());
    renderer.cache_search_in(root.join(cache::SEARCH_RUNS));
    let mut stamp = Key::default();
    stamp
        .num(crate::fingerprint::source())
        .bytes(settings.as_bytes())
        .num(renderer.stamp())
        .json(&(opts.drafts, opts.public));
    let mut previous = PageCache::load(root, &output_folder, stamp.finish());
    let output = Output::create(&output_folder, previous.spare_folder())?;
    previous.found_output(output.previous_identity());
    let pages = renderer.pages();
    progress.stage("rendering pages", pages.len());
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let kinds = std::sync::Mutex::new(std::collections::HashMap::<&'static str, (Duration, usize)>::new());
    let spent = |kind: &'static str, took: Duration| {
        let mut kinds = kinds.lock().unwrap_or_else(|e| e.into_inner());
        let entry = kinds.entry(kind).or_default();
        entry.0 += took;
        entry.1 += 1;
    };
    // The static search index is made beside the pages: its merging steps run on one
    // thread, which the page jobs keep the other core busy through.
    let (results, search) = rayon::join(
        || -> Vec<Result<Option<(String, cache::Entry)>, Failure>> {
            pages
                .par_iter()
                .map(|&page| {
                    let clock = Instant::now();
                    let made = make(&renderer, &output, &previous, page, &reused);
                    spent(page.kind(), clock.elapsed());
                    progress.inc();
                    made
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
    let (mut broken, mut unwritten, mut entries) = (Vec::new(), Vec::new(), HashMap::new());
    for result in results {
        match result {
            Ok(entry) => entries.extend(entry),
            Err(Failure::Render(d)) => broken.push(d),
            Err(Failure::Write(e)) => unwritten.push(e),
        }
    }
    if let Some(first) = unwritten.into_iter().next() {
        return Err(first.context(NOTHING_WRITTEN.trim_start_matches("; ")));
    }
    if !broken.is_empty() {
        // One broken template fails every page that uses it: each distinct finding is
        // shown once, and the count says how many pages failed.
        let count = broken.len();
        broken.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        broken.dedup();
        let _ = diagnostics::report(root, &mut broken);
        return Err(ContentErrors { count, after: PAGES_FAILED }.into());
    }
    search?;
    for (path, bytes) in &renderer.static_files() {
        output.write(path, bytes)?;
    }
    for (path, source) in &assets {
        let bytes = std::fs::read(source).with_context(|| format!("cannot read {}", source.display()))?;
        output.write(path, &bytes)?;
    }
    if output.recycled() {
        output.remove_others(previous.spare_files())?;
    }
    timings.push(("render", clock.elapsed()));
    let unchanged = output.unchanged();
    let clock = Instant::now();
    let files = output.produced();
    progress.stage("replacing the output folder", 0);
    // The replaced site is kept to be updated next time only when the cache knows it.
    let spare = output.commit(previous.made_here)?;
    timings.push(("commit", clock.elapsed()));
    if let Some(made) = staging::identity(&output_folder)
        && let Err(e) = previous.save(root, &output_folder, made, entries, files, spare)
    {
        terminal::note(format_args!(
            "cannot write the build cache in {}: {e}",
            root.join(".hindsight-cache").display()
        ));
    }
    progress.finish();
    Ok(Summary {
        pages: pages.len(),
        postmortems: archive.postmortems.len(),
        drafts_left_out: archive.drafts_left_out,
        internal_left_out: opts.public.then_some(internal_left_out),
        external: archive.external.len(),
        warnings,
        output: output_folder.clone(),
        unchanged,
        reused: reused.into_inner(),
        elapsed: started.elapsed(),
        timings,
        kinds: {
            let mut kinds: Vec<_> = kinds
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .into_iter()
                .map(|(k, (d, n))| (k, d, n))
                .collect();
            kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            kinds
        },
    })
}

/// Makes one page, unless the previous build made it from the same values (its key, from
/// the build cache): then its file is taken from the previous site. Returns what the cache
/// records of it (`None` for pages that are always made).
fn make(
    renderer: &Renderer,
    output: &Output,
    previous: &PageCache,
    page: Page,
    reused: &std::sync::atomic::AtomicUsize,
) -> Result<Option<(String, cache::Entry)>, Failure> {
    let a = renderer.archive();
    let path = page.path(a);
    // The spare site (two builds ago), being updated in place, may already have it.
    if output.recycled()
        && let Some(entry) = previous.spare_get(&path)
        && renderer.key(page, &entry.links) == Some(entry.key)
    {
        output.leave(&path);
        reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Ok(Some((path, entry.clone())));
    }
    if let Some(entry) = previous.get(&path)
        && renderer.key(page, &entry.links) == Some(entry.key)
        && output.keep(&path, entry.len, (!previous.made_here).then_some(entry.hash))
    {
        reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Ok(Some((path, entry.clone())));
    }
    let (path, html, links) = renderer.render_traced(page).map_err(Failure::Render)?;
    output.write(&path, html.as_bytes()).map_err(Failure::Write)?;
    let (len, hash) = (html.len() as u64, crate::fingerprint::of(html.as_bytes()));
    Ok(renderer.key(page, &links).map(|key| (path, cache::Entry { key, len, hash, links })))
}

/// Why a page could not be made.
enum Failure {
    /// A template failed: the user's to fix (exit 1).
    Render(Diagnostic),
    /// The output could not be written: the machine's (exit 2).
    Write(anyhow::Error),
}

/// Refuses output folders whose replacement would destroy the archive itself.
fn guard_output(root: &Path, output: &Path) -> Result<()> {
    let root = root.canonicalize().with_context(|| format!("cannot open the archive folder {}", root.display()))?;
    let absolute = std::path::absolute(output).with_context(|| format!("bad output path {}", output.display()))?;
    let parent = absolute.parent().and_then(|p| p.canonicalize().ok());
    let resolved = match (parent, absolute.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => absolute.clone(),
    };
    let protected = [root.clone(), root.join("content"), root.join("theme"), root.join("site.toml")];
    if protected.iter().any(|p| p.starts_with(&resolved) || resolved.starts_with(p) && *p != root) {
        bail!(
            "refusing to use {} as the output folder: building replaces it, and it holds the archive's sources; choose e.g. -o public",
            output.display()
        );
    }
    Ok(())
}
