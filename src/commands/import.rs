//! `hindsight import PATH...`: existing postmortems (files or folders) converted into the
//! archive, each with a report of what was inferred and what a person must decide. Never
//! overwrites a different file without `--force`; running it twice changes nothing.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::import::{convert, is_postmortem};
use crate::workspace::{Options as WorkspaceOptions, Workspace};

pub struct Options {
    pub root: PathBuf,
    pub paths: Vec<PathBuf>,
    /// Folder the files go to, relative to the root.
    pub to: PathBuf,
    pub dry_run: bool,
    pub force: bool,
    pub today: Option<String>,
}

/// What happened to each file, for the closing line.
#[derive(Default)]
struct Tally {
    /// Written, or shown as a diff in a dry run.
    written: usize,
    unchanged: usize,
    skipped: usize,
    inferred: usize,
    decide: usize,
}

pub fn import(opts: &Options, out: &mut dyn Write) -> Result<()> {
    let ws = Workspace::open(&opts.root, WorkspaceOptions { skip_content: true, ..WorkspaceOptions::default() })?;
    let config = ws.config().map_err(|errors| anyhow::anyhow!("{}", errors[0]))?;
    let today = ws.today(opts.today.as_deref())?;
    let sources = sources(&opts.paths, config)?;
    if sources.is_empty() {
        bail!(
            "no Markdown files in {}",
            opts.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let dir = opts.root.join(&opts.to);
    let mut taken: HashSet<PathBuf> = HashSet::new();
    let mut tally = Tally::default();
    for source in &sources {
        let text = std::fs::read_to_string(source).with_context(|| format!("cannot read {}", source.display()))?;
        if is_postmortem(&text) {
            writeln!(out, "{}: already a hindsight postmortem, skipped", source.display())?;
            tally.skipped += 1;
            continue;
        }
        let stem = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let imported = convert(&stem, &text, config, today);
        let mut target = dir.join(&imported.file_name);
        let mut n = 2;
        while !taken.insert(target.clone()) {
            target = dir.join(imported.file_name.replace(".md", &format!("-{n}.md")));
            n += 1;
        }
        let existing = std::fs::read_to_string(&target).ok();
        let shown = target.strip_prefix(&opts.root).unwrap_or(&target).display().to_string();
        if existing.as_deref() == Some(imported.text.as_str()) {
            writeln!(out, "{} -> {shown}: unchanged", source.display())?;
            tally.unchanged += 1;
            continue;
        }
        if existing.is_some() && !opts.force {
            writeln!(out, "{} -> {shown}: a different file is there, skipped (--force replaces it)", source.display())?;
            tally.skipped += 1;
            continue;
        }
        tally.inferred += imported.inferred.len();
        tally.decide += imported.decide.len();
        let decide = if imported.decide.is_empty() {
            String::new()
        } else {
            format!("; to decide: {}", imported.decide.join("; "))
        };
        writeln!(out, "{} -> {shown}: {} fields inferred{decide}", source.display(), imported.inferred.len())?;
        if opts.dry_run {
            let old = existing.unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&old, &imported.text);
            write!(out, "{}", diff.unified_diff().header(&format!("a/{shown}"), &format!("b/{shown}")))?;
            tally.written += 1;
            continue;
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(&target, &imported.text).with_context(|| format!("cannot write {}", target.display()))?;
        tally.written += 1;
    }
    let verb = if opts.dry_run { "would import" } else { "imported" };
    writeln!(
        out,
        "{verb} {} of {} files ({} unchanged, {} skipped): {} fields inferred, {} to decide (listed in the comment at the top of each file)",
        tally.written,
        sources.len(),
        tally.unchanged,
        tally.skipped,
        tally.inferred,
        tally.decide
    )?;
    Ok(())
}

/// The Markdown files named, folders walked in name order; READMEs, templates and
/// `_partials` are left out as the build leaves them out.
fn sources(paths: &[PathBuf], config: &crate::config::Config) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            bail!("{} does not exist", path.display());
        }
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot read {}", path.display()))?;
            let p = entry.path();
            if entry.file_type().is_file() && p.extension().is_some_and(|e| e == "md") && !config.ignore.skips(p) {
                files.push(p.to_path_buf());
            }
        }
    }
    Ok(files)
}
