//! The one place the stages are wired. A `Workspace` is an archive opened for a command:
//! its `site.toml`, every content file read and checked on its own (and kept, so that
//! `serve` re-reads only what changed), what Git knows of it, and the theme. Commands ask
//! it for an `Archive` (the model, after the cross-file rules, the `check` rules when
//! asked, the site's rule settings and the public policy) and for every finding on the way.
//!
//! A new command asks the workspace; a new input source is read in `ingest` and kept here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Result, bail};
use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::ingest::cache::ReadCache;
use crate::ingest::front_matter::{Document, Loaded};
use crate::ingest::history::{Git, Repo};
use crate::ingest::schema::{EXTERNAL_KEYS, POSTMORTEM_KEYS, RawExternal, RawPostmortem};
use crate::ingest::{self, EXTERNAL, POSTMORTEMS, convert};
use crate::lint;
use crate::markdown::Outline;
use crate::model::{Archive, Contents, External, Origin, Postmortem};
use crate::output::Theme;
use crate::privacy::Audience;
use crate::text::slugify;

/// How to open an archive.
#[derive(Default)]
pub struct Options {
    pub audience: Audience,
    /// Read the Git history (pages show it; `check` and `search` have no use for it).
    pub history: bool,
    /// Read the archive as it was at this commit, branch or tag, from the repository's
    /// objects (`build --rev`); the working tree is not touched.
    pub rev: Option<String>,
    /// Read only `site.toml` and the theme (`new` needs no postmortem).
    pub skip_content: bool,
    /// Hold every file to every rule at its level (`check`); otherwise a file's body
    /// problems are warnings and never stop the archive (`diagnostics::Rule::about_a_body`).
    pub strict: bool,
    /// Keep each file's result in the build cache and take it from there while the file
    /// is unchanged (`build`; see `ingest::cache`).
    pub cache: bool,
    /// When `git` sources are fetched: by default only when there is no copy yet.
    pub fetch: ingest::sources::Fetch,
    /// Where reading reports how far it got (`build`'s bar).
    pub progress: crate::terminal::Progress,
}

/// What to make of the files when assembling the archive.
pub struct View {
    /// Keep postmortems with `status: draft`.
    pub drafts: bool,
    /// Also run the `check` rules (writing, links, deadlines).
    pub lint: bool,
    /// The day date-dependent rules and pages (overdue action items) judge against.
    pub today: jiff::civil::Date,
}

/// An assembled archive, or the reasons there is none.
pub struct Assembled {
    /// `None` when any finding is an error.
    pub archive: Option<Archive>,
    pub diagnostics: Vec<Diagnostic>,
    /// Markdown files read (postmortems and external).
    pub files: usize,
    /// Postmortems a public build left out.
    pub internal_left_out: usize,
}

impl Assembled {
    /// The archive, or its errors printed to standard error (warnings left out: a command
    /// that only reads the archive is not the place for them) and `ContentErrors` saying
    /// `after` (e.g. "; no digest was made").
    pub fn or_errors(mut self, root: &Path, after: &'static str) -> Result<Archive> {
        if let Some(archive) = self.archive {
            return Ok(archive);
        }
        self.diagnostics.retain(Diagnostic::is_error);
        Err(shown(root, &mut self.diagnostics, after))
    }
}

/// `errors` reported to the person at their positions, and `ContentErrors` saying `after`
/// (exit 1); an error writing them instead.
fn shown(root: &Path, errors: &mut [Diagnostic], after: &'static str) -> anyhow::Error {
    match crate::diagnostics::report(root, errors) {
        Ok(()) => crate::diagnostics::ContentErrors { count: errors.len(), after }.into(),
        Err(e) => e.into(),
    }
}

/// What a change to the files meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// None of the files the archive is made of.
    Nothing,
    /// Content files only: postmortems or external ones.
    Content,
    /// `site.toml` or the theme: everything was read again.
    Everything,
}

/// One postmortem file after loading and its own checks.
struct Checked {
    /// The file split, for rules that point into it: `None` when it could not be read or
    /// split; read again on first use when the result came from the build cache.
    doc: OnceLock<Option<Document>>,
    /// The id a file that made no postmortem claims (its `id`, else its name), if it could
    /// be split: links to it are not broken.
    claimed_id: Option<String>,
    /// `None` when the file could not be read as a postmortem (not UTF-8, no front matter,
    /// YAML that does not parse). A postmortem with errors is kept so the rules that read
    /// it still report on it.
    postmortem: Option<Arc<Postmortem>>,
    /// Findings about this file alone, with the site's rule settings applied.
    diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// The postmortem when it has no errors of its own: only these are published.
    fn valid(&self) -> Option<&Arc<Postmortem>> {
        self.postmortem.as_ref().filter(|_| !self.diagnostics.iter().any(Diagnostic::is_error))
    }
}

pub struct Workspace {
    /// Where the files are read: the archive, or a temporary export of it for `--rev`.
    root: PathBuf,
    /// The archive itself, which holds the build cache (`.hindsight-cache/`).
    cache_root: PathBuf,
    _export: Option<tempfile::TempDir>,
    /// For `--rev`: the postmortem files at that commit, by path, read from the repository's
    /// objects instead of written out with the rest of the export.
    blobs: Option<BTreeMap<PathBuf, Vec<u8>>>,
    options: Options,
    /// The local address `serve` publishes under, replacing `base_url`.
    base_url: Option<String>,
    config: Result<Config, Vec<Diagnostic>>,
    /// The text of `site.toml` as `config` was read from (empty without one).
    settings_text: String,
    postmortems: BTreeMap<PathBuf, Checked>,
    external: BTreeMap<PathBuf, (Option<External>, Vec<Diagnostic>)>,
    git: Git,
    theme: Result<Arc<Theme>, Vec<Diagnostic>>,
    /// How many postmortems the last full read took from the build cache.
    from_cache: usize,
    /// The tracker snapshot, when `site.toml` names one.
    tickets: Result<Option<Arc<crate::model::Tickets>>, Diagnostic>,
    /// The `[[sources]]` repositories read, and the findings for those that could not be.
    sources: Vec<SourceFolder>,
    source_problems: Vec<Diagnostic>,
    /// The files under `content/` postmortems may link to (`ingest::asset_files`).
    assets: Arc<std::collections::BTreeSet<PathBuf>>,
}

/// A `[[sources]]` repository's postmortems folder as read (files under it are its), and
/// whether it is a checkout that is edited in place.
struct SourceFolder {
    folder: PathBuf,
    origin: Arc<Origin>,
    checkout: bool,
}

impl Workspace {
    /// Opens the archive at `root`: reads `site.toml`, every content file and the theme.
    /// Errors in them are findings, kept for `archive`; what stops here is what no finding
    /// can describe (no `content/` folder, a `--rev` that names nothing, Git failing).
    pub fn open(root: &Path, options: Options) -> Result<Workspace> {
        if options.history {
            options.progress.stage("reading the Git history", 0);
        }
        let repo = if options.history || options.rev.is_some() { Repo::discover(root) } else { None };
        let (read_root, git, export, blobs) = match (&options.rev, repo) {
            (Some(rev), Some(repo)) => {
                let dir = tempfile::Builder::new().prefix("hindsight-rev-").tempdir()?;
                let blobs = repo.export(rev, dir.path())?;
                let git = Git::read(&repo, Some(rev), Path::new(POSTMORTEMS))?;
                (dir.path().to_path_buf(), git, Some(dir), Some(blobs))
            }
            (Some(_), None) => bail!("--rev needs a Git repository, and {} is not in one", root.display()),
            (None, Some(repo)) => (root.to_path_buf(), Git::read(&repo, None, Path::new(POSTMORTEMS))?, None, None),
            (None, None) => (root.to_path_buf(), Git::default(), None, None),
        };
        let mut ws = Workspace {
            root: read_root,
            cache_root: root.to_path_buf(),
            _export: export,
            blobs,
            options,
            base_url: None,
            config: Ok(Config::default()),
            settings_text: String::new(),
            postmortems: BTreeMap::new(),
            external: BTreeMap::new(),
            git,
            theme: Err(Vec::new()),
            from_cache: 0,
            tickets: Ok(None),
            sources: Vec::new(),
            source_problems: Vec::new(),
            assets: Default::default(),
        };
        ws.read_all()?;
        Ok(ws)
    }

    /// Serves pages under `url` instead of the configured `base_url` (`serve`).
    pub fn set_base_url(&mut self, url: String) {
        if let Ok(config) = &mut self.config {
            config.base_url = url.clone();
        }
        self.base_url = Some(url);
    }

    /// How many postmortems the last full read took from the build cache, for messages
    /// that say why a start was quick (or was not).
    pub fn from_cache(&self) -> usize {
        self.from_cache
    }

    /// Reads everything again: config, content and theme.
    fn read_all(&mut self) -> Result<()> {
        self.postmortems.clear();
        self.external.clear();
        self.theme = Theme::load(&self.root).map(Arc::new);
        let mut config = match Config::load(&self.root) {
            Ok((config, text)) => {
                self.settings_text = text;
                config
            }
            Err(errors) => {
                self.config = Err(errors);
                return Ok(());
            }
        };
        if let Some(url) = &self.base_url {
            config.base_url = url.clone();
        }
        if self.options.skip_content {
            self.config = Ok(config);
            return Ok(());
        }
        if !self.root.join("content").is_dir() {
            bail!(
                "no content/ folder in {}: run hindsight in an archive, pass --root DIR, or make one here with `hindsight init`",
                self.root.display()
            );
        }
        self.assets = Arc::new(ingest::asset_files(&self.root));
        let own = match &self.blobs {
            Some(blobs) => blobs.keys().filter(|rel| ingest::is_content(rel, &config.ignore)).cloned().collect(),
            None => {
                ingest::markdown_files(&self.root, POSTMORTEMS, &config.ignore).map_err(|d| anyhow::anyhow!("{d}"))?
            }
        };
        let mut files: Vec<(PathBuf, Option<Arc<Origin>>)> = own.into_iter().map(|rel| (rel, None)).collect();
        let relative = self.root == self.cache_root;
        let (places, problems) = ingest::sources::open(
            &self.cache_root,
            relative,
            &config,
            self.options.history,
            self.options.fetch,
            &self.settings_text,
        );
        self.source_problems = problems;
        self.sources.clear();
        for place in places {
            match ingest::markdown_files(&self.root, &place.folder.to_string_lossy(), &config.ignore) {
                Ok(found) => files.extend(found.into_iter().map(|rel| (rel, Some(place.origin.clone())))),
                Err(d) => self.source_problems.push(d),
            }
            self.git.histories.extend(place.histories);
            self.sources.push(SourceFolder { folder: place.folder, origin: place.origin, checkout: place.checkout });
        }
        let cache = self.options.cache.then(|| {
            let settings = self.settings_text.as_bytes();
            let stamp = crate::fingerprint::of(&[&crate::fingerprint::source().to_le_bytes()[..], settings].concat());
            ReadCache::open(&self.cache_root, stamp)
        });
        let progress = &self.options.progress;
        progress.stage("reading postmortems", files.len());
        let checked: Vec<(PathBuf, Checked)> = files
            .into_par_iter()
            .map(|(rel, origin)| {
                let checked = self.check_postmortem(&config, &rel, cache.as_ref(), origin.as_ref());
                progress.inc();
                (rel, checked)
            })
            .collect();
        // Only a result from the cache comes without its split file.
        self.from_cache = checked.iter().filter(|(_, c)| c.doc.get().is_none()).count();
        if let Some(Err(e)) = cache.map(ReadCache::save) {
            crate::terminal::note(format_args!(
                "cannot write the build cache in {}: {e}",
                self.cache_root.join(".hindsight-cache").display()
            ));
        }
        // Collected, not inserted one by one: the files come sorted, so the map is built
        // in one pass instead of with a path comparison per level for each of them.
        self.postmortems = checked.into_iter().collect();
        // A snapshot is the tracker's state today, not a revision's: read from the working
        // tree for `--rev` too, where it may not be (nothing to show, then, not an error).
        self.tickets = match &config.tracker_snapshot {
            Some(rel) if self.options.rev.is_some() && !self.cache_root.join(rel).is_file() => {
                crate::terminal::note(format_args!(
                    "the tracker snapshot {rel} is not in the working tree, so no ticket states are shown"
                ));
                Ok(None)
            }
            Some(rel) => ingest::tracker::read(&self.cache_root, rel, &config.tracker).map(|t| Some(Arc::new(t))),
            None => Ok(None),
        };
        for rel in ingest::markdown_files(&self.root, EXTERNAL, &config.ignore).map_err(|d| anyhow::anyhow!("{d}"))? {
            let checked = self.check_external(&config, &rel);
            self.external.insert(rel, checked);
        }
        self.config = Ok(config);
        Ok(())
    }

    /// Takes in changed files (relative to the root): a content file is read and checked
    /// again (or forgotten when it is gone); `site.toml` or the theme reads everything again.
    pub fn reload(&mut self, changed: &[PathBuf]) -> Result<Change> {
        let snapshot = self.config.as_ref().ok().and_then(|c| c.tracker_snapshot.clone());
        let is_snapshot = |p: &PathBuf| snapshot.as_ref().is_some_and(|s| p == Path::new(s));
        if changed.iter().any(|p| p == Path::new("site.toml") || p.starts_with("theme") || is_snapshot(p)) {
            self.read_all()?;
            return Ok(Change::Everything);
        }
        let mut change = Change::Nothing;
        let Ok(config) = &self.config else {
            return Ok(change); // no content is read until site.toml is fixed
        };
        // An image or other file added, edited or removed: the pages that link it change.
        if changed.iter().any(|p| p.starts_with("content") && p.extension().is_none_or(|e| e != "md")) {
            self.assets = Arc::new(ingest::asset_files(&self.root));
            change = Change::Content;
        }
        for rel in changed.iter().filter(|p| p.extension().is_some_and(|e| e == "md") && !config.ignore.skips(p)) {
            let exists = self.root.join(rel).is_file();
            if rel.starts_with(POSTMORTEMS) {
                let checked = exists.then(|| self.check_postmortem(config, rel, None, None));
                replace(&mut self.postmortems, rel, checked);
            } else if rel.starts_with(EXTERNAL) {
                let checked = exists.then(|| self.check_external(config, rel));
                replace(&mut self.external, rel, checked);
            } else if let Some(source) = self.sources.iter().find(|s| rel.starts_with(&s.folder)) {
                let checked = exists.then(|| self.check_postmortem(config, rel, None, Some(&source.origin)));
                replace(&mut self.postmortems, rel, checked);
            } else {
                continue;
            }
            change = Change::Content;
        }
        Ok(change)
    }

    /// The site's rule settings, applied once to every finding before anything decides
    /// whether a file is valid.
    fn settle(&self, config: &Config, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        config.rules.apply(&mut diagnostics, self.options.strict);
        diagnostics
    }

    fn check_postmortem(
        &self,
        config: &Config,
        rel: &Path,
        cache: Option<&ReadCache>,
        origin: Option<&Arc<Origin>>,
    ) -> Checked {
        let with_history = |mut pm: Postmortem| {
            pm.history = self.git.histories.get(rel).cloned();
            // A source's postmortems are its team's, whatever `teams` lists.
            if let Some(origin) = origin {
                if !pm.teams.contains(&origin.team) {
                    pm.teams.insert(0, origin.team.clone());
                }
                pm.origin = Some(origin.clone());
            }
            Arc::new(pm)
        };
        let failed =
            |d| Checked { doc: OnceLock::from(None), claimed_id: None, postmortem: None, diagnostics: vec![d] };
        let bytes = match self.read_bytes(rel) {
            Ok(bytes) => bytes,
            Err(d) => return failed(d),
        };
        let hash = crate::fingerprint::of(&bytes);
        let text = || std::str::from_utf8(&bytes).ok().map(Arc::<str>::from);
        if let Some((pm, diagnostics)) = cache.and_then(|cache| cache.get(rel, hash, text)) {
            return Checked { doc: OnceLock::new(), claimed_id: None, postmortem: Some(with_history(pm)), diagnostics };
        }
        match ingest::read::<RawPostmortem>(rel, bytes, POSTMORTEM_KEYS) {
            Ok((loaded, mut diagnostics)) => {
                let (pm, found) = convert::postmortem(config, &loaded);
                diagnostics.extend(found);
                let diagnostics = self.settle(config, diagnostics);
                if let Some(cache) = cache
                    && !diagnostics.iter().any(Diagnostic::is_error)
                {
                    cache.put(rel, hash, &loaded.doc.text, &pm, &diagnostics);
                }
                let claimed_id = Some(loaded.raw.id.clone().unwrap_or_else(|| slugify(&loaded.doc.file_stem())));
                let Loaded { mut doc, .. } = loaded;
                doc.shed();
                Checked { doc: OnceLock::from(Some(doc)), claimed_id, postmortem: Some(with_history(pm)), diagnostics }
            }
            Err(d) => failed(d),
        }
    }

    /// A postmortem file's bytes: from the commit for `--rev`, else from disk.
    fn read_bytes(&self, rel: &Path) -> Result<Vec<u8>, Diagnostic> {
        match self.blobs.as_ref().and_then(|b| b.get(rel)) {
            Some(bytes) => Ok(bytes.clone()),
            None => ingest::read_bytes(&self.root, rel),
        }
    }

    /// The split file of a checked postmortem, read again if the build cache gave its result.
    fn doc<'a>(&self, rel: &Path, checked: &'a Checked) -> Option<&'a Document> {
        let again = || self.read_bytes(rel).ok().and_then(|b| String::from_utf8(b).ok());
        checked.doc.get_or_init(|| again().and_then(|text| ingest::front_matter::split(rel, text).ok())).as_ref()
    }

    fn check_external(&self, config: &Config, rel: &Path) -> (Option<External>, Vec<Diagnostic>) {
        match ingest::load_one::<RawExternal>(&self.root, rel, EXTERNAL_KEYS) {
            Ok((loaded, mut diagnostics)) => {
                let (ext, found) = convert::external(loaded);
                diagnostics.extend(found);
                let diagnostics = self.settle(config, diagnostics);
                let valid = !diagnostics.iter().any(Diagnostic::is_error);
                (ext.filter(|_| valid), diagnostics)
            }
            Err(d) => (None, vec![d]),
        }
    }

    /// The temporary folder `--rev` read the archive from, for a caller that still needs
    /// its files once the workspace is gone (a build copying images).
    pub fn take_export(&mut self) -> Option<tempfile::TempDir> {
        self._export.take()
    }

    /// Where the files are read from (a temporary folder for `--rev`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The config, or its errors.
    pub fn config(&self) -> Result<&Config, &[Diagnostic]> {
        self.config.as_ref().map_err(Vec::as_slice)
    }

    /// The text of `site.toml` as read, for what is stamped with the settings as written
    /// (some, such as the timeline's headings, shape the model itself).
    pub fn settings_text(&self) -> &str {
        &self.settings_text
    }

    pub fn theme(&self) -> Result<&Arc<Theme>, &[Diagnostic]> {
        self.theme.as_ref().map_err(Vec::as_slice)
    }

    /// The settings, or every error of `site.toml` shown at its position and
    /// `ContentErrors` saying `after` (exit 1, as for any error in the archive): for commands
    /// that need the settings whatever the postmortems say.
    pub fn settings_or_errors(&self, after: &'static str) -> Result<&Config> {
        self.config().map_err(|errors| shown(&self.root, &mut errors.to_vec(), after))
    }

    /// The theme, or its errors shown as `settings_or_errors` shows those of the settings.
    pub fn theme_or_errors(&self, after: &'static str) -> Result<&Arc<Theme>> {
        self.theme().map_err(|errors| shown(&self.root, &mut errors.to_vec(), after))
    }

    /// `--today`, or today's date in the archive's time zone (UTC while `site.toml` has
    /// errors): the day deadlines, overdue action items and new postmortems' file names are
    /// judged by, the same for every command.
    pub fn today(&self, given: Option<&str>) -> Result<jiff::civil::Date> {
        match given {
            Some(t) => t.parse().map_err(|_| anyhow::anyhow!("--today must be a date like 2024-03-12, not `{t}`")),
            None => {
                let zone = self.config.as_ref().map_or(jiff::tz::TimeZone::UTC, Config::time_zone);
                Ok(jiff::Timestamp::now().to_zoned(zone).date())
            }
        }
    }

    /// The archive as it was at the last commit before `day` began (in the archive's time
    /// zone), read with `options`; `None` outside Git or when no commit is that old.
    pub fn as_of(&self, day: jiff::civil::Date, options: Options) -> Result<Option<Workspace>> {
        let Some(repo) = Repo::discover(&self.cache_root) else { return Ok(None) };
        let zone = self.config.as_ref().map_or(jiff::tz::TimeZone::UTC, Config::time_zone);
        let start = day.to_zoned(zone)?.timestamp();
        let Some(rev) = repo.commit_before(start) else { return Ok(None) };
        Workspace::open(&self.cache_root, Options { rev: Some(rev), ..options }).map(Some)
    }

    /// The `[[sources]]` repositories that were read.
    pub fn origins(&self) -> impl Iterator<Item = &Origin> {
        self.sources.iter().map(|s| &*s.origin)
    }

    /// The postmortems folders of `[[sources]]` checkouts, which `serve` watches beside
    /// `content/` (as files are named: relative to the root, or absolute).
    pub fn checkout_folders(&self) -> Vec<PathBuf> {
        self.sources.iter().filter(|s| s.checkout).map(|s| s.folder.clone()).collect()
    }

    /// Every postmortem file read, as findings name them.
    pub fn postmortem_files(&self) -> impl Iterator<Item = &Path> {
        self.postmortems.keys().map(PathBuf::as_path)
    }

    pub fn git(&self) -> &Git {
        &self.git
    }

    /// The postmortems that passed their own checks, and how many did not.
    pub fn valid_postmortems(&self) -> (Vec<Arc<Postmortem>>, usize) {
        let valid: Vec<_> = self.postmortems.values().filter_map(|c| c.valid().cloned()).collect();
        let broken = self.postmortems.len() - valid.len();
        (valid, broken)
    }

    /// What `hindsight search` and `serve`'s search API search: the valid postmortems
    /// (drafts included) and the valid external ones.
    pub fn search_corpus(&self) -> crate::search::Corpus {
        let external: Vec<External> = self.external.values().filter_map(|(e, _)| e.clone()).collect();
        crate::search::Corpus::new(&self.valid_postmortems().0, &external)
    }

    /// Runs the rules that need every postmortem, the `check` rules if asked, applies the
    /// public policy, and builds the model; every finding of config, files and theme is in
    /// the result.
    pub fn archive(&self, view: &View) -> Assembled {
        let files = self.postmortems.len() + self.external.len();
        let theme_errors = self.theme.as_ref().err().into_iter().flatten().cloned();
        let config = match &self.config {
            Ok(config) => config,
            Err(errors) => {
                let diagnostics = errors.iter().cloned().chain(theme_errors).collect();
                return Assembled { archive: None, diagnostics, files, internal_left_out: 0 };
            }
        };
        let mut diagnostics: Vec<Diagnostic> = self
            .postmortems
            .values()
            .flat_map(|c| c.diagnostics.iter().cloned())
            .chain(self.external.values().flat_map(|(_, d)| d.iter().cloned()))
            .chain(theme_errors)
            .chain(self.tickets.as_ref().err().cloned())
            .chain(self.source_problems.iter().cloned())
            .collect();
        // The rules read every postmortem complete enough to read, errors or not, so one
        // error in a file does not hide its other findings.
        let mut readable: Vec<Arc<Postmortem>> =
            self.postmortems.values().filter_map(|c| c.postmortem.clone()).collect();
        let docs = |path: &Path| -> Option<&Document> { self.doc(path, self.postmortems.get(path)?) };
        // A postmortem too broken to read still exists: links to it are not the problem.
        let failed: Vec<String> =
            self.postmortems.values().filter(|c| c.postmortem.is_none()).filter_map(|c| c.claimed_id.clone()).collect();
        let mut found = self.options.audience.read(config, &mut readable, &docs);
        if !self.sources.is_empty() {
            found.extend(ingest::sources::namespace(&mut readable, &docs));
        }
        found.extend(lint::archive::archive(&readable, &docs, &failed));
        // Reading lists may name external postmortems too, by file name.
        let external = self.external.keys().filter_map(|p| Some(slugify(&p.file_stem()?.to_string_lossy())));
        let ids = readable.iter().map(|p| p.id.clone()).chain(failed.iter().cloned()).chain(external).collect();
        found.extend(lint::archive::reading_lists(config, &self.settings_text, &ids));
        if view.lint {
            let outlines: Vec<Outline> = readable.par_iter().map(|p| Outline::parse(&p.body)).collect();
            let mut ctx = lint::Context::new(config, view.today, &readable, &outlines);
            ctx.tickets = self.tickets.as_ref().ok().and_then(|t| t.as_deref());
            ctx.assets = Some(&self.assets);
            let per_file: Vec<Vec<Diagnostic>> = readable
                .par_iter()
                .zip(&outlines)
                .filter_map(|(pm, outline)| Some(lint::postmortem(&ctx, pm, docs(&pm.source)?, outline)))
                .collect();
            found.extend(per_file.into_iter().flatten());
        }
        diagnostics.extend(self.settle(config, found));
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Assembled { archive: None, diagnostics, files, internal_left_out: 0 };
        }
        // No file has an error here, so every readable postmortem is a valid one.
        let mut contents = Contents {
            config: config.clone(),
            postmortems: readable,
            external: self.external.values().filter_map(|(e, _)| e.clone()).collect(),
            tickets: self.tickets.as_ref().ok().cloned().flatten(),
            branch: self.git.branch.clone(),
            repository_prefix: self.git.prefix.clone(),
            assets: self.assets.clone(),
            public: false,
        };
        let internal_left_out = self.options.audience.publish(&mut contents);
        let archive = Archive::new(contents, view.drafts, view.today);
        Assembled { archive: Some(archive), diagnostics, files, internal_left_out }
    }
}

fn replace<V>(map: &mut BTreeMap<PathBuf, V>, rel: &Path, value: Option<V>) {
    match value {
        Some(v) => map.insert(rel.to_path_buf(), v),
        None => map.remove(rel),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Renderer;
    use crate::routes::Page;

    #[test]
    fn the_example_archive_opens_and_every_page_is_found_at_its_path() {
        let site = Path::new(env!("CARGO_MANIFEST_DIR"));
        let ws = Workspace::open(site, Options::default()).unwrap();
        let view = View { drafts: true, lint: false, today: jiff::civil::date(2025, 1, 1) };
        let mut archive = ws.archive(&view).archive.unwrap();
        // Two a page, so listings have several pages.
        archive.config.per_page = std::num::NonZeroUsize::new(2).unwrap();
        let r = Renderer::new(Arc::new(archive), ws.theme().unwrap().clone(), Default::default());
        let a = r.archive();
        let pages = r.pages();
        for page in &pages {
            assert_eq!(Page::at(a, &page.path(a)), Some(*page));
        }
        assert!(pages.contains(&Page::at(a, "years/2024/page/3/index.html").unwrap()));
        assert!(pages.contains(&Page::at(a, "action-items/page/2/index.html").unwrap()));
        assert!(pages.contains(&Page::at(a, "postmortems/page/2/index.html").unwrap()));
        for missing in [
            "postmortems/nope/index.html",
            "static/style.css",
            "years/2024/page/1/index.html",
            "years/2024/page/02/index.html",
            "years/2024/page/9/index.html",
            "postmortems/page/99/index.html",
            "postmortems/page/1/index.html",
        ] {
            assert!(Page::at(a, missing).is_none(), "{missing}");
        }
    }
}
