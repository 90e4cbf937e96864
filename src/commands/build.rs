//! `hindsight build`: asks the workspace for the archive, reports every finding, and only
//! when there is no error renders every page into a staged output swapped in at the end.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::diagnostics::{self, ContentErrors, Rule};
use crate::ingest::sources::Fetch;
use crate::output::site::{Site, Unpublished};
use crate::privacy::Audience;
use crate::routes;
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
    /// Read `git` sources as last fetched instead of fetching them first.
    #[arg(long)]
    pub offline: bool,
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
            "built {kind} of {} pages in {}: {} postmortems{drafts}{internal}, {} external, {} warning{} \
             (of the {} rules a build applies; `check` applies all {}) in {:.2} s",
            self.pages,
            self.output.display(),
            self.postmortems,
            self.external,
            self.warnings,
            if self.warnings == 1 { "" } else { "s" },
            Rule::ALL.iter().filter(|r| r.in_build()).count(),
            Rule::ALL.len(),
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
            fetch: Fetch::of_offline_flag(opts.offline),
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
    let settings = ws.settings_text().to_string();
    // The files' texts are not needed to render: free them before the pages take memory.
    drop(ws);

    let archive = Arc::new(archive);
    let site = Site::open(root, &output_folder, archive.clone(), theme, &settings, &(opts.drafts, opts.public))?;
    let published = match site.publish(&assets, &progress) {
        Ok(published) => published,
        Err(Unpublished::Io(e)) => return Err(e),
        Err(Unpublished::Pages { mut findings, failed }) => {
            let _ = diagnostics::report(root, &mut findings);
            return Err(ContentErrors { count: failed, after: PAGES_FAILED }.into());
        }
    };
    timings.extend(published.timings);
    progress.finish();
    Ok(Summary {
        pages: published.pages,
        postmortems: archive.postmortems.len(),
        drafts_left_out: archive.drafts_left_out,
        internal_left_out: opts.public.then_some(internal_left_out),
        external: archive.external.len(),
        warnings,
        output: output_folder.clone(),
        unchanged: published.unchanged,
        reused: published.reused,
        elapsed: started.elapsed(),
        timings,
        kinds: published.kinds,
    })
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
