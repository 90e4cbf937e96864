//! `[[sources]]`: other teams' postmortem repositories, read as part of the archive. A
//! `path` source is a checkout read where it is, as its working tree is; a `git` source is
//! cloned once into `.hindsight-cache/sources/<team>.git`, fetched on every read, and its
//! postmortems folder at `rev` written out beside the clone from the repository's objects
//! (`<team>@<commit>/`).
//! Either way the workspace reads the files like its own, under the archive's `site.toml`;
//! what this module adds is where they are and which repository they belong to, for each
//! page's history and edit link, and ids kept apart between repositories (`namespace`,
//! once every file is read).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use rustc_hash::FxHashMap;

use super::front_matter::Document;
use super::history::{Git, Repo};
use crate::config::{Config, SourceRepo};
use crate::diagnostics::{Diagnostic, Rule};
use crate::model::{History, Origin, Postmortem};
use crate::text::slugify;

/// Where the clones and their written-out trees are kept, under the archive root.
pub const CACHE: &str = ".hindsight-cache/sources";

/// One source, ready to read.
pub struct Place {
    /// Its postmortems folder, as the workspace names files (relative to the folder it
    /// reads, or absolute when that is not the archive itself).
    pub folder: PathBuf,
    pub origin: Arc<Origin>,
    /// Its files' histories, keyed as the workspace keys the files.
    pub histories: HashMap<PathBuf, History>,
    /// A checkout people edit in place (`path`), which `serve` watches; a clone is only
    /// ever fetched.
    pub checkout: bool,
}

/// When a `git` source's copy is brought up to date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fetch {
    /// Before every read (`build`, `serve`): the archive shows what the teams pushed.
    Always,
    /// Only when there is no copy yet; otherwise read as last fetched (`check`, `search`,
    /// `diff`, `digest`: no network for what a reader of the archive does).
    #[default]
    IfMissing,
    /// Never (`--offline`): a source with no copy yet is an error at its entry.
    Never,
}

impl Fetch {
    /// What `build` and `serve` do: fetch, unless told `--offline`.
    pub fn of_offline_flag(offline: bool) -> Fetch {
        if offline { Fetch::Never } else { Fetch::Always }
    }
}

/// Finds every source: `archive` is the archive root, `relative` whether the workspace
/// reads from it (so paths may stay relative, as findings then print them), `history`
/// whether pages need each file's history. A source that cannot be had is an error at its
/// entry in `site.toml`; the others are still read.
/// `settings` is the text of `site.toml` the sources were read from, where a finding about
/// one points.
pub fn open(
    archive: &Path,
    relative: bool,
    config: &Config,
    history: bool,
    fetch: Fetch,
    settings: &str,
) -> (Vec<Place>, Vec<Diagnostic>) {
    let mut places = Vec::new();
    let mut problems = Vec::new();
    for (i, source) in config.sources.iter().enumerate() {
        let opened = match (&source.path, &source.git) {
            (Some(path), _) => checkout(archive, relative, source, path, history),
            (None, Some(url)) => clone(archive, relative, source, url, history, fetch),
            (None, None) => continue, // `site.toml` reported it already
        };
        match opened {
            Ok(place) => places.push(place),
            Err(e) => problems.push(problem(settings, config.spans.source(i, named(source)), source, &e)),
        }
    }
    (places, problems)
}

/// The setting a source is read from: its `path`, or its `git`.
fn named(source: &SourceRepo) -> &'static str {
    if source.path.is_some() { "path" } else { "git" }
}

/// The finding for a source that could not be read, at `at` in `site.toml` (`text`).
fn problem(text: &str, at: std::ops::Range<usize>, source: &SourceRepo, error: &anyhow::Error) -> Diagnostic {
    let message = format!("source `{}` cannot be read: {}", source.team, format!("{error:#}").trim_end());
    crate::diagnostics::Source::new(Path::new("site.toml"), text)
        .diagnostic(Rule::Io, at, message)
        .with_hint("check the `path` or `git` of this `[[sources]]` entry; `git` sources need the git command")
}

/// A checkout beside the archive, read as its working tree is.
fn checkout(archive: &Path, relative: bool, source: &SourceRepo, path: &str, history: bool) -> Result<Place> {
    let full = archive.join(path);
    if !full.is_dir() {
        bail!("{} is not a folder", full.display());
    }
    let dir = if relative { PathBuf::from(path) } else { full.clone() };
    let repo = Repo::discover(&full);
    let git = match (&repo, history) {
        (Some(repo), true) => Git::read(repo, None, Path::new(&source.postmortems))?,
        _ => Git { branch: repo.as_ref().and_then(Repo::branch), ..Git::default() },
    };
    Ok(place(source, dir, git, repo.map(|r| r.prefix().to_path_buf()).unwrap_or_default(), true))
}

/// A repository cloned into the cache, fetched, and its postmortems at `rev` written out.
fn clone(archive: &Path, relative: bool, source: &SourceRepo, url: &str, history: bool, fetch: Fetch) -> Result<Place> {
    let cache = archive.join(CACHE);
    let bare = cache.join(format!("{}.git", source.slug()));
    // A local repository named relative to the archive, as `path` sources are.
    let local = archive.join(url);
    let url = if local.exists() { local.to_string_lossy().into_owned() } else { url.to_string() };
    let url = url.as_str();
    match (bare.is_dir(), fetch) {
        (true, Fetch::Always) => {
            let fetched = git(
                &bare,
                &[
                    "fetch",
                    "--quiet",
                    "--prune",
                    "--force",
                    "--",
                    url,
                    "+refs/heads/*:refs/heads/*",
                    "+refs/tags/*:refs/tags/*",
                ],
            );
            if let Err(e) = fetched {
                // Offline, the last fetch still builds, and says so.
                crate::terminal::note(format_args!(
                    "source `{}`: fetching {url} failed, so its postmortems are as last fetched: {e:#}",
                    source.team
                ));
            }
        }
        // Read as last fetched.
        (true, _) => {}
        (false, Fetch::Never) => {
            bail!("it has never been fetched, and --offline fetches nothing: build once without --offline")
        }
        (false, _) => {
            std::fs::create_dir_all(&cache)?;
            let partial = cache.join(format!(".{}.git.partial", source.slug()));
            let _ = std::fs::remove_dir_all(&partial);
            git(&cache, &["clone", "--bare", "--quiet", "--", url, &partial.to_string_lossy()])?;
            std::fs::rename(&partial, &bare)?;
        }
    }
    let repo = Repo::open_bare(&bare)?;
    let rev = source.rev.as_deref().unwrap_or("HEAD");
    let commit = repo.resolve(rev).with_context(|| format!("in {url}"))?;
    let folder = Path::new(&source.postmortems);
    // One folder per commit, written once and renamed into place whole: a build reading it
    // never sees another build's half-written tree, and an unchanged source is not written.
    let name = format!("{}@{}", source.slug(), commit.get(..12).unwrap_or(&commit));
    let tree = cache.join(&name);
    if !tree.is_dir() {
        let partial = cache.join(format!(".{name}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial)?;
        repo.export_folder(&commit, folder, &partial)?;
        if std::fs::rename(&partial, &tree).is_err() && tree.is_dir() {
            let _ = std::fs::remove_dir_all(&partial); // another build wrote the same commit first
        }
    }
    // Older commits' trees are no longer read (best effort: a build may still hold one).
    let older = format!("{}@", source.slug());
    for entry in std::fs::read_dir(&cache)?.filter_map(Result::ok) {
        let other = entry.file_name().to_string_lossy().into_owned();
        if other.starts_with(&older) && other != name {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let mut git = if history { Git::read(&repo, Some(&commit), folder)? } else { Git::default() };
    git.branch = source.rev.clone().or_else(|| repo.branch());
    let dir = if relative { Path::new(CACHE).join(&name) } else { tree };
    Ok(place(source, dir, git, PathBuf::new(), false))
}

fn place(source: &SourceRepo, dir: PathBuf, git: Git, repository_prefix: PathBuf, checkout: bool) -> Place {
    let histories = git.histories.into_iter().map(|(rel, h)| (dir.join(rel), h)).collect();
    let origin = Origin {
        team: source.team.clone(),
        dir: dir.clone(),
        repository_url: source.repository_url(),
        branch: git.branch,
        repository_prefix,
    };
    Place { folder: dir.join(&source.postmortems), origin: Arc::new(origin), histories, checkout }
}

/// Runs `git ARGS` in `dir`, never asking for a password (a build must not hang on one).
fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        bail!("git {}: {}", args[0], String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Gives a `[[sources]]` postmortem whose id another postmortem of another repository has
/// the id `<team>-<id>`, and points its `related` ids at its own repository's postmortems by
/// their new ids, so teams that never coordinated ids still build one archive. The
/// archive's own postmortems keep their ids; ids repeated inside one repository are left
/// for the duplicate-id rule. Each renaming is reported where the file sets its id.
pub fn namespace<'a>(pms: &mut [Arc<Postmortem>], docs: &dyn Fn(&Path) -> Option<&'a Document>) -> Vec<Diagnostic> {
    let team = |pm: &Postmortem| pm.origin.as_ref().map(|o| o.team.clone());
    let mut by_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, pm) in pms.iter().enumerate() {
        by_id.entry(&pm.id).or_default().push(i);
    }
    let mut renamed: Vec<(usize, String)> = Vec::new();
    for members in by_id.values().filter(|m| m.len() > 1) {
        let first = team(&pms[members[0]]);
        if members.iter().all(|&i| team(&pms[i]) == first) {
            continue;
        }
        for &i in members.iter().filter(|&&i| pms[i].origin.is_some()) {
            let origin = pms[i].origin.as_ref().map(|o| slugify(&o.team)).unwrap_or_default();
            renamed.push((i, format!("{origin}-{}", pms[i].id)));
        }
    }
    renamed.sort();
    let mut out = Vec::new();
    // Per team, old id -> new id, for `related` inside the same repository.
    let mut new_ids: FxHashMap<String, FxHashMap<String, String>> = FxHashMap::default();
    for (i, new_id) in &renamed {
        let pm = &pms[*i];
        let other = by_id[pm.id.as_str()].iter().find(|&&j| j != *i && team(&pms[j]) != team(pm)).copied();
        if let (Some(doc), Some(other)) = (docs(&pm.source), other) {
            let span = doc.locate("id", Some(&pm.id));
            let message = format!(
                "id `{}` is also {}'s ({}): this one's page is `postmortems/{new_id}/`",
                pm.id,
                team(&pms[other]).map_or_else(|| "this archive".to_string(), |t| format!("team {t}")),
                pms[other].source.display()
            );
            let hint =
                "ids are unique per repository only; set an `id:` no other repository uses to keep the plain one";
            out.push(doc.source().diagnostic(Rule::SourceId, span, message).with_hint(hint));
        }
        new_ids.entry(team(pm).unwrap_or_default()).or_default().insert(pm.id.clone(), new_id.clone());
    }
    for (i, new_id) in renamed {
        Arc::make_mut(&mut pms[i]).id = new_id;
    }
    for pm in pms.iter_mut() {
        let Some(moved) = pm.origin.as_ref().and_then(|o| new_ids.get(&o.team)) else { continue };
        if pm.related.iter().any(|r| moved.contains_key(r)) {
            for r in &mut Arc::make_mut(pm).related {
                if let Some(new) = moved.get(r) {
                    r.clone_from(new);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_source_keeps_its_postmortems_where_an_archive_does_unless_told() {
        let config = crate::config::Config::parse("[[sources]]\nteam = \"Payments Team\"\npath = \"../p\"\n").unwrap();
        assert_eq!(config.sources[0].postmortems, super::super::POSTMORTEMS);
        assert_eq!(config.sources[0].slug(), "payments-team");
        let git = |url: &str| {
            let text = format!("[[sources]]\nteam = \"t\"\ngit = \"{url}\"\n");
            crate::config::Config::parse(&text).unwrap().sources[0].repository_url()
        };
        assert_eq!(git("https://git.example/acme/pm.git").as_deref(), Some("https://git.example/acme/pm"));
        assert_eq!(git("git@git.example:acme/pm.git"), None);
    }
}
