//! `hindsight build`: runs the stages in order and reports every diagnostic before deciding
//! whether anything is written.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::ContentErrors;
use crate::diagnostic::Diagnostic;
use crate::history;
use crate::render::{Renderer, Theme};
use crate::sources::{Assembled, Git, LoadOptions, Sources};
use crate::write::Output;

const NOTHING_WRITTEN: &str = "; nothing was written";

pub struct Options {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub public: bool,
    /// The build date: what the action items page calls overdue.
    pub today: jiff::civil::Date,
    /// Build the archive as it was at this commit, branch or tag (`--rev`).
    pub rev: Option<String>,
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
    pub elapsed: Duration,
    pub timings: Vec<(&'static str, Duration)>,
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
        )
    }
}

/// Where to read the archive from and what Git knows of it: the working tree and HEAD's
/// history, or for `--rev` the files of that commit (written to a temporary folder, which
/// the caller keeps alive) and the history up to it.
fn git_sources(opts: &Options) -> Result<(PathBuf, Git, Option<tempfile::TempDir>)> {
    let repo = history::Repo::discover(&opts.root);
    match (&opts.rev, repo) {
        (Some(rev), Some(repo)) => {
            let dir = tempfile::Builder::new().prefix("hindsight-rev-").tempdir()?;
            repo.export(rev, dir.path())?;
            let git = Git::read(&repo, Some(rev))?;
            Ok((dir.path().to_path_buf(), git, Some(dir)))
        }
        (Some(_), None) => bail!("--rev needs a Git repository, and {} is not in one", opts.root.display()),
        (None, Some(repo)) => {
            let git = Git::read(&repo, None)?;
            Ok((opts.root.clone(), git, None))
        }
        (None, None) => {
            eprintln!("note: {} is not in a Git repository, so pages show no history", opts.root.display());
            Ok((opts.root.clone(), Git::default(), None))
        }
    }
}

/// Prints diagnostics to stderr, paths shown as the user would reach them from where they ran.
pub fn report(root: &Path, diagnostics: &mut [Diagnostic]) {
    let _ = crate::report::print(&mut std::io::stderr().lock(), root, diagnostics, crate::report::Format::Human);
}

pub fn build(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    guard_output(&opts.root, &opts.output)?;
    let mut timings = Vec::new();
    let clock = Instant::now();
    let (read_root, git, _export) = git_sources(opts)?;
    timings.push(("git", clock.elapsed()));
    let clock = Instant::now();
    let in_repo = git.in_repo;
    let sources = match Sources::read(&read_root, opts.public, git)? {
        Ok(sources) => sources,
        Err(mut diagnostics) => {
            let count = diagnostics.len();
            report(&opts.root, &mut diagnostics);
            return Err(ContentErrors { count, after: NOTHING_WRITTEN }.into());
        }
    };
    timings.push(("load+check", clock.elapsed()));
    let clock = Instant::now();
    let load = LoadOptions { drafts: opts.drafts, lint: false, today: opts.today };
    let Assembled { archive, mut diagnostics, internal_left_out, .. } = sources.assemble(&load);
    drop(sources);
    timings.push(("model", clock.elapsed()));
    let theme = Theme::load(&read_root);
    if let Err(errors) = &theme {
        diagnostics.extend(errors.iter().cloned());
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    report(&opts.root, &mut diagnostics);
    let (Some(archive), Ok(theme), 0) = (archive, theme, errors) else {
        return Err(ContentErrors { count: errors, after: NOTHING_WRITTEN }.into());
    };
    let uncommitted = archive.postmortems.iter().filter(|p| p.history.is_none()).count();
    if in_repo && uncommitted > 0 {
        eprintln!("note: {uncommitted} postmortem(s) not committed yet, so their pages show no history");
    }

    let clock = Instant::now();
    let archive = std::sync::Arc::new(archive);
    let renderer = Renderer::new(archive.clone(), theme.into(), Default::default());
    let output = Output::create(&opts.output)?;
    let jobs = renderer.jobs();
    // The static search index is made beside the pages: its merging steps run on one
    // thread, which the page jobs keep the other core busy through.
    let (results, _) = rayon::join(
        || -> Vec<Result<(), Diagnostic>> {
            jobs.par_iter()
                .map(|&job| {
                    let (path, html) = renderer.render(job)?;
                    output
                        .write(&path, html.as_bytes())
                        .map_err(|e| Diagnostic::file(crate::rules::IO, Path::new(&path), format!("{e:#}")))
                })
                .collect()
        },
        || renderer.search_files(),
    );
    let mut failures: Vec<Diagnostic> = results.into_iter().filter_map(Result::err).collect();
    failures.dedup();
    if !failures.is_empty() {
        failures.truncate(20);
        let count = failures.len();
        report(&opts.root, &mut failures);
        return Err(ContentErrors { count, after: NOTHING_WRITTEN }.into());
    }
    for (path, text) in renderer.search_files() {
        output.write(path, text.as_bytes())?;
    }
    let statics = renderer.static_files();
    for (path, bytes) in &statics {
        output.write(path, bytes)?;
    }
    timings.push(("render", clock.elapsed()));
    let clock = Instant::now();
    output.commit()?;
    timings.push(("commit", clock.elapsed()));
    Ok(Summary {
        pages: jobs.len(),
        postmortems: archive.postmortems.len(),
        drafts_left_out: archive.drafts_left_out,
        internal_left_out: opts.public.then_some(internal_left_out),
        external: archive.external.len(),
        warnings,
        output: opts.output.clone(),
        elapsed: started.elapsed(),
        timings,
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
