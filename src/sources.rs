//! The archive's files, each loaded and checked on its own and kept, so that a change
//! (in `serve`) re-reads and re-checks only the files that changed; the rules that need
//! every postmortem and the model are then assembled from what is kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, bail};
use rayon::prelude::*;

use crate::check;
use crate::config::{Config, Visibility};
use crate::diagnostic::Diagnostic;
use crate::lint;
use crate::load::{self, Document, Loaded};
use crate::model::{Archive, External, History, Postmortem, slugify};
use crate::outline::Outline;
use crate::schema::{EXTERNAL_KEYS, POSTMORTEM_KEYS, RawExternal, RawPostmortem};

/// One postmortem file after loading and its own checks.
pub struct Checked {
    /// `None` when the file could not be read or split.
    pub loaded: Option<Loaded<RawPostmortem>>,
    /// `None` when the file has errors.
    pub postmortem: Option<Arc<Postmortem>>,
    /// Findings about this file alone, with the site's rule settings applied.
    pub diagnostics: Vec<Diagnostic>,
}

/// Every content file of an archive, checked one by one.
pub struct Sources {
    pub root: PathBuf,
    pub config: Config,
    /// Whether internal spans were removed (a public build).
    pub public: bool,
    pub postmortems: BTreeMap<PathBuf, Checked>,
    pub external: BTreeMap<PathBuf, (Option<External>, Vec<Diagnostic>)>,
    /// Git history of the postmortem files and the branch, when there is a repository.
    pub git: Git,
}

/// What the repository knows about the archive.
#[derive(Default)]
pub struct Git {
    /// Whether the archive is in a Git repository at all.
    pub in_repo: bool,
    pub histories: HashMap<PathBuf, History>,
    pub branch: Option<String>,
}

impl Git {
    /// The history up to `rev` and the branch to link edits to (`rev` itself when given).
    pub fn read(repo: &crate::history::Repo, rev: Option<&str>) -> Result<Git> {
        let branch = match rev {
            Some(rev) => Some(rev.to_string()),
            None => repo.branch(),
        };
        Ok(Git { in_repo: true, histories: repo.histories(rev.unwrap_or("HEAD"))?, branch })
    }
}

/// What to assemble beyond the schema rules.
pub struct LoadOptions {
    /// Keep postmortems with `status: draft` in the archive.
    pub drafts: bool,
    /// Also run the `check` rules (writing, links, deadlines).
    pub lint: bool,
    /// The day date-dependent rules and pages (overdue action items) judge against.
    pub today: jiff::civil::Date,
}

/// An assembled archive, or the reasons there is none.
pub struct Assembled {
    pub archive: Option<Archive>,
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files read (postmortems and external).
    pub files: usize,
    /// Postmortems a public build left out.
    pub internal_left_out: usize,
}

const POSTMORTEMS: &str = "content/postmortems";
const EXTERNAL: &str = "content/external";

impl Sources {
    /// Reads `site.toml` and every content file. `Ok(Err(_))` carries config errors.
    pub fn read(root: &Path, public: bool, git: Git) -> Result<Result<Sources, Vec<Diagnostic>>> {
        let config = match Config::load(root) {
            Ok(c) => c,
            Err(diagnostics) => return Ok(Err(diagnostics)),
        };
        if !root.join("content").is_dir() {
            bail!("no content/ folder in {}: run hindsight in an archive or pass --root DIR", root.display());
        }
        let mut sources = Sources {
            root: root.to_path_buf(),
            config,
            public,
            git,
            postmortems: BTreeMap::new(),
            external: BTreeMap::new(),
        };
        let pm_files = load::markdown_files(root, POSTMORTEMS).map_err(|d| anyhow::anyhow!("{d}"))?;
        let checked: Vec<(PathBuf, Checked)> =
            pm_files.into_par_iter().map(|rel| (rel.clone(), sources.check_postmortem(&rel))).collect();
        sources.postmortems.extend(checked);
        for rel in load::markdown_files(root, EXTERNAL).map_err(|d| anyhow::anyhow!("{d}"))? {
            let checked = sources.check_external(&rel);
            sources.external.insert(rel, checked);
        }
        Ok(Ok(sources))
    }

    /// Re-reads one content file after a change (or forgets it when it is gone). Returns
    /// false for paths that are not content files.
    pub fn reload(&mut self, rel: &Path) -> bool {
        if rel.extension().is_none_or(|e| e != "md") {
            return false;
        }
        let exists = self.root.join(rel).is_file();
        if rel.starts_with(POSTMORTEMS) {
            let checked = exists.then(|| self.check_postmortem(rel));
            replace(&mut self.postmortems, rel, checked);
        } else if rel.starts_with(EXTERNAL) {
            let checked = exists.then(|| self.check_external(rel));
            replace(&mut self.external, rel, checked);
        } else {
            return false;
        }
        true
    }

    fn check_postmortem(&self, rel: &Path) -> Checked {
        match load::load_one::<RawPostmortem>(&self.root, rel, POSTMORTEM_KEYS) {
            Ok((loaded, mut diagnostics)) => {
                let (mut pm, found) = check::postmortem(&self.config, &loaded, self.public);
                if let Some(pm) = pm.as_mut() {
                    pm.history = self.git.histories.get(rel).cloned();
                }
                diagnostics.extend(found);
                diagnostics.retain_mut(|d| self.config.rules.adjust(d));
                Checked { loaded: Some(loaded), postmortem: pm.map(Arc::new), diagnostics }
            }
            Err(d) => Checked { loaded: None, postmortem: None, diagnostics: vec![d] },
        }
    }

    fn check_external(&self, rel: &Path) -> (Option<External>, Vec<Diagnostic>) {
        match load::load_one::<RawExternal>(&self.root, rel, EXTERNAL_KEYS) {
            Ok((loaded, mut diagnostics)) => {
                let (ext, found) = check::external(&self.config, loaded);
                diagnostics.extend(found);
                diagnostics.retain_mut(|d| self.config.rules.adjust(d));
                (ext, diagnostics)
            }
            Err(d) => (None, vec![d]),
        }
    }

    /// Runs the rules that need every postmortem, the `check` rules if asked, and builds
    /// the model.
    pub fn assemble(&self, opts: &LoadOptions) -> Assembled {
        let files = self.postmortems.len() + self.external.len();
        let mut diagnostics: Vec<Diagnostic> = self
            .postmortems
            .values()
            .flat_map(|c| c.diagnostics.iter().cloned())
            .chain(self.external.values().flat_map(|(_, d)| d.iter().cloned()))
            .collect();
        let mut postmortems: Vec<Arc<Postmortem>> =
            self.postmortems.values().filter_map(|c| c.postmortem.clone()).collect();
        let docs = |path: &Path| -> Option<&Document> { self.postmortems.get(path)?.loaded.as_ref().map(|l| &l.doc) };
        // A postmortem with errors of its own still exists: links to it are not the problem.
        let failed: Vec<String> = self
            .postmortems
            .values()
            .filter(|c| c.postmortem.is_none())
            .filter_map(|c| c.loaded.as_ref())
            .map(|l| l.raw.id.clone().unwrap_or_else(|| slugify(&l.doc.file_stem())))
            .collect();
        diagnostics.extend(check::archive(&self.config, &postmortems, &docs, &failed));
        if opts.lint {
            let outlines: Vec<Outline> = postmortems.par_iter().map(|p| Outline::parse(&p.body)).collect();
            let ctx = lint::Context::new(&self.config, opts.today, &postmortems, &outlines);
            let found: Vec<Vec<Diagnostic>> = postmortems
                .par_iter()
                .zip(&outlines)
                .filter_map(|(pm, outline)| Some(lint::postmortem(&ctx, pm, docs(&pm.source)?, outline)))
                .collect();
            diagnostics.extend(found.into_iter().flatten());
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Assembled { archive: None, diagnostics, files, internal_left_out: 0 };
        }
        let internal_left_out = if self.public { publish(&self.config, &mut postmortems) } else { 0 };
        let external = self.external.values().filter_map(|(e, _)| e.clone()).collect();
        let mut archive = Archive::new(self.config.clone(), postmortems, external, opts.drafts, opts.today);
        archive.branch = self.git.branch.clone();
        Assembled { archive: Some(archive), diagnostics, files, internal_left_out }
    }
}

fn replace<V>(map: &mut BTreeMap<PathBuf, V>, rel: &Path, value: Option<V>) {
    match value {
        Some(v) => map.insert(rel.to_path_buf(), v),
        None => map.remove(rel),
    };
}

/// Keeps what the public may see: public postmortems, with hidden fields cleared and
/// `related` links to postmortems the public build leaves out dropped (their ids would
/// show on the page). Internal spans were already removed by `check`.
fn publish(config: &Config, postmortems: &mut Vec<Arc<Postmortem>>) -> usize {
    let before = postmortems.len();
    postmortems.retain(|p| p.visibility == Visibility::Public);
    let ids: HashSet<String> = postmortems.iter().map(|p| p.id.clone()).collect();
    for pm in postmortems.iter_mut() {
        let pm = Arc::make_mut(pm);
        pm.related.retain(|id| ids.contains(id));
        pm.hide(&config.public.hide_fields);
    }
    before - postmortems.len()
}
