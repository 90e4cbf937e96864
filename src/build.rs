//! `hindsight build`: runs the stages in order and reports every diagnostic before deciding
//! whether anything is written.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::ContentErrors;
use crate::check;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::lint;
use crate::load::{self, Document};
use crate::model::Archive;
use crate::outline::Outline;
use crate::render::{Renderer, Theme};
use crate::schema::{EXTERNAL_KEYS, POSTMORTEM_KEYS, RawExternal, RawPostmortem};
use crate::write::Output;

const NOTHING_WRITTEN: &str = "; nothing was written";

pub struct Options {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub public: bool,
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
            n => format!(
                ", {n} draft{} left out (use --drafts)",
                if n == 1 { "" } else { "s" }
            ),
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

/// Everything the content stages produce: a valid archive, or the reasons there is none.
pub struct Loaded {
    pub archive: Option<Archive>,
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files read (postmortems and external).
    pub files: usize,
    /// Postmortems a public build left out.
    pub internal_left_out: usize,
}

/// What the shared stages should do beyond loading and the schema rules.
pub struct LoadOptions {
    /// Keep postmortems with `status: draft` in the archive.
    pub drafts: bool,
    /// Also run the `check` rules (writing, links, deadlines), judging dates against this day.
    pub lint: Option<jiff::civil::Date>,
    /// Make the public archive: only `visibility: public` postmortems, internal spans and
    /// hidden fields removed.
    pub public: bool,
}

/// Loads and checks the archive under `root` (the stages shared by every command).
pub fn load_archive(
    root: &Path,
    opts: &LoadOptions,
    timings: &mut Vec<(&'static str, Duration)>,
) -> Result<Loaded> {
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<_>| {
        timings.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let config = match Config::load(root) {
        Ok(c) => c,
        Err(diagnostics) => {
            return Ok(Loaded {
                archive: None,
                diagnostics,
                files: 0,
                internal_left_out: 0,
            });
        }
    };
    if !root.join("content").is_dir() {
        bail!(
            "no content/ folder in {}: run hindsight in an archive or pass --root DIR",
            root.display()
        );
    }
    let pm_files =
        load::markdown_files(root, "content/postmortems").map_err(|d| anyhow::anyhow!("{d}"))?;
    let ext_files =
        load::markdown_files(root, "content/external").map_err(|d| anyhow::anyhow!("{d}"))?;
    let (pm_loaded, mut diagnostics) =
        load::load_all::<RawPostmortem>(root, &pm_files, POSTMORTEM_KEYS);
    let (ext_loaded, ext_diags) = load::load_all::<RawExternal>(root, &ext_files, EXTERNAL_KEYS);
    diagnostics.extend(ext_diags);
    diagnostics.retain_mut(|d| config.rules.adjust(d));
    let files = pm_files.len() + ext_files.len();
    lap("load", timings);

    let checked: Vec<_> = pm_loaded
        .par_iter()
        .map(|l| check::postmortem(&config, l, opts.public))
        .collect();
    let mut postmortems = Vec::with_capacity(checked.len());
    for (pm, diags) in checked {
        postmortems.extend(pm);
        diagnostics.extend(diags);
    }
    let docs: HashMap<&Path, &Document> = pm_loaded
        .iter()
        .map(|l| (l.doc.path.as_path(), &l.doc))
        .collect();
    let passed: std::collections::HashSet<&Path> =
        postmortems.iter().map(|p| p.source.as_path()).collect();
    let failed: Vec<String> = pm_loaded
        .iter()
        .filter(|l| !passed.contains(l.doc.path.as_path()))
        .map(|l| {
            l.raw
                .id
                .clone()
                .unwrap_or_else(|| crate::model::slugify(&l.doc.file_stem()))
        })
        .collect();
    diagnostics.extend(check::archive(&config, &postmortems, &docs, &failed));
    let mut external = Vec::with_capacity(ext_loaded.len());
    for l in ext_loaded {
        let (ext, diags) = check::external(&config, l);
        external.extend(ext);
        diagnostics.extend(diags);
    }
    if let Some(today) = opts.lint {
        let outlines: Vec<Outline> = postmortems
            .par_iter()
            .map(|p| Outline::parse(&p.body))
            .collect();
        let ctx = lint::Context::new(&config, today, &postmortems, &outlines);
        let found: Vec<Vec<Diagnostic>> = postmortems
            .par_iter()
            .zip(&outlines)
            .map(|(pm, outline)| lint::postmortem(&ctx, pm, docs[pm.source.as_path()], outline))
            .collect();
        diagnostics.extend(found.into_iter().flatten());
    }
    lap("check", timings);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Ok(Loaded {
            archive: None,
            diagnostics,
            files,
            internal_left_out: 0,
        });
    }
    let internal_left_out = if opts.public {
        publish(&config, &mut postmortems)
    } else {
        0
    };
    let archive = Archive::new(config, postmortems, external, opts.drafts);
    lap("model", timings);
    Ok(Loaded {
        files,
        internal_left_out,
        archive: Some(archive),
        diagnostics,
    })
}

/// Keeps what the public may see: public postmortems, with hidden fields cleared and
/// `related` links to postmortems the public build leaves out dropped (their ids would
/// show on the page). Internal spans were already removed by `check`.
fn publish(config: &Config, postmortems: &mut Vec<crate::model::Postmortem>) -> usize {
    let before = postmortems.len();
    postmortems.retain(|p| p.visibility == crate::config::Visibility::Public);
    let ids: std::collections::HashSet<String> = postmortems.iter().map(|p| p.id.clone()).collect();
    for pm in postmortems.iter_mut() {
        pm.related.retain(|id| ids.contains(id));
        pm.hide(&config.public.hide_fields);
    }
    before - postmortems.len()
}

/// Prints diagnostics to stderr, paths shown as the user would reach them from where they ran.
pub fn report(root: &Path, diagnostics: &mut [Diagnostic]) {
    let _ = crate::report::print(
        &mut std::io::stderr().lock(),
        root,
        diagnostics,
        crate::report::Format::Human,
    );
}

pub fn build(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    guard_output(&opts.root, &opts.output)?;
    let mut timings = Vec::new();
    let load = LoadOptions {
        drafts: opts.drafts,
        lint: None,
        public: opts.public,
    };
    let Loaded {
        archive,
        mut diagnostics,
        internal_left_out,
        ..
    } = load_archive(&opts.root, &load, &mut timings)?;
    let theme = Theme::load(&opts.root);
    if let Err(errors) = &theme {
        diagnostics.extend(errors.iter().cloned());
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    report(&opts.root, &mut diagnostics);
    let (Some(archive), Ok(theme), 0) = (archive, theme, errors) else {
        return Err(ContentErrors {
            count: errors,
            after: NOTHING_WRITTEN,
        }
        .into());
    };

    let clock = Instant::now();
    let renderer = Renderer::new(&archive, theme);
    let output = Output::create(&opts.output)?;
    let jobs = renderer.jobs();
    let results: Vec<Result<(), Diagnostic>> = jobs
        .par_iter()
        .map(|&job| {
            let (path, html) = renderer.render(job)?;
            output
                .write(&path, html.as_bytes())
                .map_err(|e| Diagnostic::file(crate::rules::IO, Path::new(&path), format!("{e:#}")))
        })
        .collect();
    let mut failures: Vec<Diagnostic> = results.into_iter().filter_map(Result::err).collect();
    failures.dedup();
    if !failures.is_empty() {
        failures.truncate(20);
        let count = failures.len();
        report(&opts.root, &mut failures);
        return Err(ContentErrors {
            count,
            after: NOTHING_WRITTEN,
        }
        .into());
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
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot open the archive folder {}", root.display()))?;
    let absolute = std::path::absolute(output)
        .with_context(|| format!("bad output path {}", output.display()))?;
    let parent = absolute.parent().and_then(|p| p.canonicalize().ok());
    let resolved = match (parent, absolute.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => absolute.clone(),
    };
    let protected = [
        root.clone(),
        root.join("content"),
        root.join("theme"),
        root.join("site.toml"),
    ];
    if protected
        .iter()
        .any(|p| p.starts_with(&resolved) || resolved.starts_with(p) && *p != root)
    {
        bail!(
            "refusing to use {} as the output folder: building replaces it, and it holds the archive's sources; choose e.g. -o public",
            output.display()
        );
    }
    Ok(())
}
