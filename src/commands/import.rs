//! `hindsight import PATH...`: existing postmortems (files or folders) converted into the
//! archive, each with a report of what was inferred and what a person must decide. Never
//! overwrites a different file without `--force`; running it twice changes nothing.
//! `--external`: curated lists of other organisations' postmortems into `content/external/`,
//! one file per postmortem, none twice.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::import::external::{self, Entry};
use crate::import::{
    EXTENSIONS, convert, is_postmortem, linked_file, looks_like_a_postmortem, not_a_postmortem, rewrite_links,
};
use crate::terminal::{self, Progress};
use crate::text::plural;
use crate::workspace::{Options as WorkspaceOptions, Workspace};

/// Convert existing postmortems (Markdown files or folders of them) into the archive.
#[derive(clap::Args)]
pub struct Args {
    /// Files or folders to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Folder to write to, relative to the root [default: content/postmortems, or
    /// content/external with --external].
    #[arg(long)]
    pub to: Option<PathBuf>,
    /// The paths are curated lists of other organisations' public postmortems: a
    /// Markdown list (`[Company](url). Summary.` under category headings, as in
    /// danluu/post-mortems), icco/postmortems data files, or a TSV table.
    #[arg(long)]
    pub external: bool,
    /// Print what would be written, as a diff, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace files that exist and differ.
    #[arg(long)]
    pub force: bool,
}

/// Imports, printing each file's fate above the progress bar as it goes.
pub fn run(root: &Path, args: Args) -> Result<u8> {
    let mut out = std::io::LineWriter::new(crate::terminal::Above(std::io::stdout().lock()));
    import(root, &args, &mut out)?;
    Ok(0)
}

/// What happened to the files, for the scorecard that closes the run.
#[derive(Default)]
struct Tally {
    seen: usize,
    /// Written, or shown as a diff in a dry run.
    written: usize,
    unchanged: usize,
    skipped: usize,
    /// Files of the folder that are not postmortems (templates, indexes), skipped.
    not_postmortems: usize,
    dated: usize,
    undated: usize,
    /// Timelines read, those with an entry placed, and their entries placed and not.
    timelines: usize,
    placed_timelines: usize,
    entries_placed: usize,
    entries_unplaced: usize,
    /// Links to files of the import rewritten to their new names or copies.
    links: usize,
    /// Images and other files the postmortems link to, copied beside them, and those
    /// linked that are not in the folder (or are symbolic links).
    files: usize,
    missing: usize,
    inferred: usize,
    decide: usize,
}

impl Tally {
    fn count(&mut self, imported: &crate::import::Imported) {
        self.inferred += imported.inferred.len();
        self.links += imported.anchor_links;
        self.decide += imported.decide.len();
        if imported.dated {
            self.dated += 1;
        } else {
            self.undated += 1;
        }
        if let Some((placed, unplaced)) = imported.timeline {
            self.timelines += 1;
            self.placed_timelines += usize::from(placed > 0);
            self.entries_placed += placed;
            self.entries_unplaced += unplaced;
        }
    }

    fn scorecard(&self, dry_run: bool, out: &mut dyn Write) -> std::io::Result<()> {
        let verb = if dry_run { "would import" } else { "imported" };
        writeln!(
            out,
            "{verb} {} of {} files ({} unchanged, {} skipped): {} fields inferred, {} to decide (listed in the comment at the top of each file)",
            self.written, self.seen, self.unchanged, self.skipped, self.inferred, self.decide
        )?;
        writeln!(
            out,
            "  skipped: {} not postmortems (templates, indexes, READMEs), {} for other reasons",
            self.not_postmortems,
            self.skipped - self.not_postmortems
        )?;
        writeln!(out, "  dates: {} from the files, {} unknown (`date: unknown`)", self.dated, self.undated)?;
        writeln!(
            out,
            "  timelines: {} of {} placed; {} entries placed, {} left as written",
            self.placed_timelines, self.timelines, self.entries_placed, self.entries_unplaced
        )?;
        writeln!(out, "  links rewritten to renamed or copied files: {}", self.links)?;
        writeln!(out, "  files the postmortems link to: {} copied, {} missing", self.files, self.missing)
    }
}

fn import(root: &Path, opts: &Args, out: &mut dyn Write) -> Result<()> {
    let ws = Workspace::open(root, WorkspaceOptions { skip_content: true, ..WorkspaceOptions::default() })?;
    let config = ws.settings_or_errors("; nothing was imported")?;
    let (sources, unnamed) = sources(&opts.paths, config, opts.external)?;
    if sources.is_empty() {
        let kinds =
            if opts.external { "Markdown or TSV files" } else { "Markdown (.md, .markdown) or Quarto (.qmd) files" };
        let paths: Vec<String> = opts.paths.iter().map(|p| p.display().to_string()).collect();
        bail!("no {kinds} in {}", paths.join(", "));
    }
    if opts.external {
        let to = opts.to.clone().unwrap_or_else(|| crate::ingest::EXTERNAL.into());
        let files: Vec<PathBuf> = sources.into_iter().map(|s| s.file).collect();
        return import_external(root, opts, &files, &to, out);
    }
    let to = opts.to.clone().unwrap_or_else(|| crate::ingest::POSTMORTEMS.into());
    let dir = root.join(to);
    let mut taken: HashSet<String> = HashSet::new();
    let mut tally = Tally::default();
    let progress = Progress::start();
    progress.stage("importing", sources.len());
    // First every file converted and named, so that links between them can follow.
    let mut converted = Vec::new();
    for Source { folder, file: source, named } in &sources {
        progress.inc();
        tally.seen += 1;
        let text = std::fs::read_to_string(source).with_context(|| format!("cannot read {}", source.display()))?;
        if is_postmortem(&text) {
            writeln!(out, "{}: already a hindsight postmortem, skipped", source.display())?;
            tally.skipped += 1;
            continue;
        }
        let stem = source.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let imported = convert(&stem, &text, config);
        if let Some(why) = not_a_postmortem(&stem, &text, imported.dated).filter(|_| !named) {
            writeln!(out, "{}: skipped: {why} (name the file itself to import it anyway)", source.display())?;
            tally.skipped += 1;
            tally.not_postmortems += 1;
            continue;
        }
        let base = imported.file_name.strip_suffix(".md").unwrap_or(&imported.file_name);
        let name = unused_name(base, |n| taken.contains(n));
        taken.insert(name.clone());
        converted.push((folder, source, imported, name));
    }
    // Each source as a link from its folder names it.
    let renamed: HashMap<PathBuf, String> = converted
        .iter()
        .filter_map(|(folder, source, _, name)| {
            Some((folder.join(source.strip_prefix(folder).ok()?), format!("{name}.md")))
        })
        .collect();
    let mut copies: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut missing = 0;
    for (folder, source, mut imported, name) in converted {
        // Links to files import renames follow them; images and other files it copies
        // into the postmortems folder, where they are found as the folder kept them.
        let mut relink = |dest: &str| -> Option<String> {
            let (file, fragment) = linked_file(folder, source, dest)?;
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            if let Some(name) = renamed.get(&file) {
                return Some(format!("{name}{fragment}"));
            }
            if file.extension().is_some_and(|e| EXTENSIONS.iter().any(|x| e == *x)) {
                return None; // a postmortem import did not take in
            }
            if !std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()) {
                missing += 1; // `check` reports it where it is linked
                return None;
            }
            let rel = file.strip_prefix(folder).ok()?.to_path_buf();
            copies.push((file, dir.join(&rel)));
            let written = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            Some(format!("{}{fragment}", crate::text::encode_path(&written)))
        };
        let rewritten = rewrite_links(&mut imported.text, &mut relink);
        tally.links += rewritten;
        let target = dir.join(format!("{name}.md"));
        let existing = std::fs::read_to_string(&target).ok();
        let shown = target.strip_prefix(root).unwrap_or(&target).display().to_string();
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
        tally.count(&imported);
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
    progress.finish();
    tally.missing = missing;
    copies.sort();
    copies.dedup();
    for (from, to) in &copies {
        let same = std::fs::read(to).ok().is_some_and(|have| std::fs::read(from).is_ok_and(|new| new == have));
        if same {
            continue;
        }
        if to.exists() && !opts.force {
            writeln!(
                out,
                "{} -> {}: a different file is there, skipped (--force replaces it)",
                from.display(),
                to.display()
            )?;
            continue;
        }
        tally.files += 1;
        if !opts.dry_run {
            std::fs::create_dir_all(to.parent().unwrap_or(&dir))
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::copy(from, to).with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        }
    }
    for file in &unnamed {
        terminal::note(format_args!(
            "{} reads like a postmortem but has no extension: rename it to .md to import it",
            file.display()
        ));
    }
    tally.scorecard(opts.dry_run, out)?;
    Ok(())
}

/// A file to import and the folder it was found in: its links may lead anywhere inside
/// that folder and no further.
struct Source {
    folder: PathBuf,
    file: PathBuf,
    /// Named on the command line rather than found in a folder: a person who names a
    /// README that holds a postmortem wants it imported, not skipped as an index.
    named: bool,
}

/// The files named, and those of folders walked in name order: Markdown and Quarto files
/// (TSV tables too for lists). READMEs, templates and `_partials` are left out as the build
/// leaves them out, and Git's own folder; files without an extension that read like a
/// postmortem are returned apart, to be named.
fn sources(paths: &[PathBuf], config: &crate::config::Config, tables: bool) -> Result<(Vec<Source>, Vec<PathBuf>)> {
    let (mut files, mut unnamed) = (Vec::new(), Vec::new());
    for path in paths {
        if path.is_file() {
            let folder = path.parent().unwrap_or(Path::new("")).to_path_buf();
            files.push(Source { folder, file: path.clone(), named: true });
            continue;
        }
        if !path.is_dir() {
            bail!("{} does not exist", path.display());
        }
        let walk = walkdir::WalkDir::new(path).sort_by_file_name().into_iter();
        for entry in walk.filter_entry(|e| e.file_name() != ".git") {
            let entry = entry.with_context(|| format!("cannot read {}", path.display()))?;
            let p = entry.path();
            if !entry.file_type().is_file() || config.ignore.skips(p) {
                continue;
            }
            let source = || Source { folder: path.clone(), file: p.to_path_buf(), named: false };
            match p.extension().and_then(|e| e.to_str()) {
                Some("tsv") if tables => files.push(source()),
                Some("md") => files.push(source()),
                Some(e) if !tables && EXTENSIONS.contains(&e) => files.push(source()),
                None if !tables && std::fs::read_to_string(p).is_ok_and(|t| looks_like_a_postmortem(&t)) => {
                    unnamed.push(p.to_path_buf())
                }
                _ => {}
            }
        }
    }
    Ok((files, unnamed))
}

/// Reads every list, merges a postmortem listed twice, leaves out what the folder has
/// already (by canonical URL), and writes the rest under names nothing else has.
fn import_external(root: &Path, opts: &Args, sources: &[PathBuf], to: &Path, out: &mut dyn Write) -> Result<()> {
    let dir = root.join(to);
    let mut read = Vec::new();
    let progress = Progress::start();
    progress.stage("reading lists", sources.len());
    for source in sources {
        progress.inc();
        let text = std::fs::read_to_string(source).with_context(|| format!("cannot read {}", source.display()))?;
        let name = source.display().to_string();
        let (entries, skipped) = external::read(&name, &text).map_err(anyhow::Error::msg)?;
        for (heading, line) in &skipped.sections {
            writeln!(out, "{name}:{line}: section \"{heading}\" left out: it lists other things than postmortems")?;
        }
        for line in &skipped.paragraphs {
            writeln!(out, "{name}:{line}: not an entry (`[Company](url). Summary.`), left out")?;
        }
        read.extend(entries);
    }
    let listed = read.len();
    let (entries, merged) = external::dedup(read);
    let (mut have, mut taken) = existing(&dir)?;
    let mut written = 0;
    progress.stage("importing", entries.len());
    for entry in entries {
        progress.inc();
        let key = external::identity(&entry.url, &entry.company, &entry.title);
        if let Some(file) = have.get(&key) {
            writeln!(out, "{}: already in {}, skipped", entry.origin, to.join(format!("{file}.md")).display())?;
            continue;
        }
        let name = unused_name(&external::file_stem(&entry), |n| taken.contains(n));
        let target = dir.join(format!("{name}.md"));
        let shown = target.strip_prefix(root).unwrap_or(&target).display().to_string();
        writeln!(out, "{} -> {shown}", entry.origin)?;
        if !opts.dry_run {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::write(&target, external::write(&entry))
                .with_context(|| format!("cannot write {}", target.display()))?;
        }
        have.insert(key, name.clone());
        taken.insert(name);
        written += 1;
    }
    progress.finish();
    let verb = if opts.dry_run { "would write" } else { "wrote" };
    writeln!(
        out,
        "{verb} {} to {} ({} listed, {} listed twice and merged, {} there already)",
        plural(written, "file"),
        to.display(),
        listed,
        merged,
        listed - merged - written
    )?;
    Ok(())
}

/// What the folder has: each file's identity with its name (to skip what was imported
/// before) and the names in use.
fn existing(dir: &Path) -> Result<(HashMap<String, String>, HashSet<String>)> {
    let mut have = HashMap::new();
    let mut taken = HashSet::new();
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Ok((have, taken));
    };
    for item in listing {
        let path = item.with_context(|| format!("cannot read {}", dir.display()))?.path();
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else { continue };
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if let Some(Entry { url, company, title, .. }) = external::read_icco(&stem, &text) {
            have.insert(external::identity(&url, &company, &title), stem.clone());
        }
        taken.insert(stem);
    }
    Ok((have, taken))
}

/// `stem`, or `stem-2`, `stem-3`... the first that `taken` does not hold.
fn unused_name(stem: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = stem.to_string();
    let mut n = 2;
    while taken(&name) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    name
}
