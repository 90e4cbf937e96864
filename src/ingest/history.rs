//! The archive's Git history: for each postmortem, when it was first written and last
//! changed, how many commits touched it and who wrote them — and the archive as it was at
//! any commit, read from the repository's objects (`build --rev`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use git2::{DiffOptions, Oid, Repository, Sort};
use jiff::Timestamp;
use rayon::prelude::*;

use crate::model::History;

/// The repository holding an archive, and where the archive sits in it.
pub struct Repo {
    repo: Repository,
    /// The archive root relative to the repository's top (empty when they are the same).
    prefix: PathBuf,
}

impl Repo {
    /// The repository `root` belongs to, if any.
    pub fn discover(root: &Path) -> Option<Repo> {
        let root = root.canonicalize().ok()?;
        let repo = Repository::discover(&root).ok()?;
        let top = repo.workdir()?.canonicalize().ok()?;
        let prefix = root.strip_prefix(&top).ok()?.to_path_buf();
        Some(Repo { repo, prefix })
    }

    /// The archive root relative to the repository's top (empty when they are the same).
    pub fn prefix(&self) -> &Path {
        &self.prefix
    }

    /// The checked-out branch, for "edit this page" links.
    pub fn branch(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        if head.is_branch() { head.shorthand().ok().map(str::to_string) } else { None }
    }

    fn commit(&self, rev: &str) -> Result<git2::Commit<'_>> {
        let object = self
            .repo
            .revparse_single(rev)
            .with_context(|| format!("`{rev}` names no commit, branch or tag of this repository"))?;
        object.peel_to_commit().with_context(|| format!("`{rev}` is not a commit"))
    }

    /// A repository without a working tree (a `[[sources]]` clone), read from its objects.
    pub fn open_bare(path: &Path) -> Result<Repo> {
        let repo = Repository::open_bare(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Repo { repo, prefix: PathBuf::new() })
    }

    /// History of every file under `folder` (relative to the archive root) as of `rev`
    /// (default `HEAD`), keyed by path relative to the archive root. Commits are read in
    /// parallel.
    pub fn histories(&self, rev: &str, folder: &Path) -> Result<HashMap<PathBuf, History>> {
        let start = match self.commit(rev) {
            Ok(c) => c.id(),
            Err(_) if rev == "HEAD" => return Ok(HashMap::new()), // a repository without commits
            Err(e) => return Err(e),
        };
        let mut walk = self.repo.revwalk()?;
        walk.push(start)?;
        walk.set_sorting(Sort::TIME | Sort::REVERSE)?;
        let commits: Vec<Oid> = walk.collect::<Result<_, _>>()?;
        let path = self.repo.path().to_path_buf();
        let scope = self.prefix.join(folder);
        let threads = rayon::current_num_threads().max(1);
        let chunk = commits.len().div_ceil(threads).max(1);
        // Each thread opens the repository itself: a `Repository` cannot be shared.
        let touched: Vec<Vec<(PathBuf, i64, String)>> = commits
            .par_chunks(chunk)
            .map(|chunk| -> Result<Vec<(PathBuf, i64, String)>> {
                let repo = Repository::open(&path)?;
                let mut out = Vec::new();
                for oid in chunk {
                    let commit = repo.find_commit(*oid)?;
                    let tree = commit.tree()?;
                    let parent = match commit.parent(0) {
                        Ok(p) => Some(p.tree()?),
                        Err(_) => None,
                    };
                    let mut opts = DiffOptions::new();
                    opts.pathspec(&scope);
                    let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts))?;
                    let author = commit.author().name().unwrap_or("unknown").to_string();
                    let time = commit.time().seconds();
                    for delta in diff.deltas() {
                        if let Some(p) = delta.new_file().path().filter(|_| delta.status() != git2::Delta::Deleted) {
                            out.push((p.to_path_buf(), time, author.clone()));
                        }
                    }
                }
                Ok(out)
            })
            .collect::<Result<_>>()?;
        let mut histories: HashMap<PathBuf, History> = HashMap::new();
        // Chunks are in commit order (oldest first), so first and last fall out in order.
        for (path, time, author) in touched.into_iter().flatten() {
            let Ok(rel) = path.strip_prefix(&self.prefix) else { continue };
            let at = Timestamp::from_second(time).unwrap_or_default();
            let h = histories.entry(rel.to_path_buf()).or_insert(History {
                first: at,
                last: at,
                revisions: 0,
                authors: Vec::new(),
            });
            h.first = h.first.min(at);
            h.last = h.last.max(at);
            h.revisions += 1;
            if !h.authors.contains(&author) {
                h.authors.push(author);
            }
        }
        Ok(histories)
    }

    /// The newest commit on `HEAD` made before `time`: the archive as it was then (`digest`).
    pub fn commit_before(&self, time: Timestamp) -> Option<String> {
        let mut walk = self.repo.revwalk().ok()?;
        walk.push_head().ok()?;
        walk.set_sorting(Sort::TIME).ok()?;
        let seconds = time.as_second();
        walk.filter_map(Result::ok)
            .filter_map(|oid| self.repo.find_commit(oid).ok())
            .find(|c| c.time().seconds() < seconds)
            .map(|c| c.id().to_string())
    }

    /// The commit `rev` names, as a full hash: what a comparison says it compared against.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        Ok(self.commit(rev)?.id().to_string())
    }

    /// Where a pull request's changes start: the merge base of `HEAD` and the default
    /// branch (the remote's `HEAD`, else `main` or `master`, remote before local), with the
    /// branch's name. On the default branch itself this is `HEAD`.
    pub fn default_base(&self) -> Result<(String, String)> {
        let head = self.commit("HEAD").context("the repository has no commit yet: pass a BASE to compare with")?;
        let remote_head = self.repo.find_reference("refs/remotes/origin/HEAD").ok().and_then(|r| {
            r.symbolic_target().ok().flatten().map(|t| t.trim_start_matches("refs/remotes/").to_string())
        });
        let candidates =
            remote_head.into_iter().chain(["origin/main", "origin/master", "main", "master"].map(String::from));
        for name in candidates {
            if let Ok(branch) = self.commit(&name) {
                let base = self.repo.merge_base(head.id(), branch.id()).with_context(|| {
                    format!("HEAD and `{name}` have no commit in common: pass a BASE to compare with")
                })?;
                return Ok((name, base.to_string()));
            }
        }
        bail!("found no default branch (origin/HEAD, main or master): pass a BASE to compare with")
    }

    /// The archive's files that differ from `rev` in the working tree (committed since, or
    /// edited or added and not yet committed), relative to the archive root; deleted ones
    /// left out. What `check --changed` holds to the rules.
    pub fn changed_since(&self, rev: &str) -> Result<Vec<PathBuf>> {
        let tree = self.commit(rev)?.tree()?;
        let mut options = DiffOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true);
        let diff = self.repo.diff_tree_to_workdir_with_index(Some(&tree), Some(&mut options))?;
        Ok(diff
            .deltas()
            .filter(|d| d.status() != git2::Delta::Deleted)
            .filter_map(|d| d.new_file().path()?.strip_prefix(&self.prefix).ok().map(Path::to_path_buf))
            .collect())
    }

    /// Whether the archive (its `content/` folder) existed at `rev`: before it did, a
    /// comparison starts from nothing.
    pub fn has_archive(&self, rev: &str) -> Result<bool> {
        let tree = self.commit(rev)?.tree()?;
        Ok(tree.get_path(&self.prefix.join("content")).is_ok_and(|e| e.kind() == Some(git2::ObjectType::Tree)))
    }

    /// Writes the archive's files (`site.toml`, `content/`, `theme/`) as they were at
    /// `rev` into `dest`, from the repository's objects (the working tree is not touched),
    /// except the postmortems, which it returns by path: writing ten thousand files only to
    /// read each back once took most of a `diff`'s time.
    pub fn export(&self, rev: &str, dest: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
        let mut postmortems = BTreeMap::new();
        let wanted = [Path::new("site.toml"), Path::new("content"), Path::new("theme")];
        self.walk_tree(rev, &wanted, &mut |rel, bytes| {
            if rel.starts_with(super::POSTMORTEMS) {
                postmortems.insert(rel.to_path_buf(), bytes.to_vec());
                return Ok(());
            }
            write(dest, rel, bytes)
        })?;
        if postmortems.is_empty() && !dest.join("content").is_dir() {
            bail!("there is no content/ folder in the archive at `{rev}`");
        }
        std::fs::create_dir_all(dest.join("content"))?;
        Ok(postmortems)
    }

    /// Writes the files under `folder` as they were at `rev` into `dest` (`dest/folder/...`),
    /// as `export` does: how a `[[sources]]` repository's postmortems are read.
    pub fn export_folder(&self, rev: &str, folder: &Path, dest: &Path) -> Result<()> {
        self.walk_tree(rev, &[folder], &mut |rel, bytes| write(dest, rel, bytes))
    }

    /// Hands every file of the archive's tree at `rev` that is one of `wanted` (paths
    /// relative to the archive root) or inside one to `visit`, stopping at its first error.
    fn walk_tree(&self, rev: &str, wanted: &[&Path], visit: &mut dyn FnMut(&Path, &[u8]) -> Result<()>) -> Result<()> {
        let commit = self.commit(rev)?;
        let tree = commit.tree()?;
        let root = if self.prefix.as_os_str().is_empty() {
            tree
        } else {
            let entry =
                tree.get_path(&self.prefix).with_context(|| format!("the archive folder did not exist at `{rev}`"))?;
            self.repo.find_tree(entry.id())?
        };
        let mut failure = None;
        root.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let rel = Path::new(dir).join(entry.name().unwrap_or(""));
            if entry.kind() == Some(git2::ObjectType::Tree) {
                // Only folders on the way to a wanted path, or inside one, are walked.
                let on_the_way = wanted.iter().any(|w| w.starts_with(&rel) || rel.starts_with(w));
                return if on_the_way { git2::TreeWalkResult::Ok } else { git2::TreeWalkResult::Skip };
            }
            if entry.kind() == Some(git2::ObjectType::Blob) && wanted.iter().any(|w| rel.starts_with(w)) {
                let visited =
                    self.repo.find_blob(entry.id()).map_err(anyhow::Error::from).and_then(|b| visit(&rel, b.content()));
                if let Err(e) = visited {
                    failure = Some(e);
                    return git2::TreeWalkResult::Abort;
                }
            }
            git2::TreeWalkResult::Ok
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Writes one file of a tree under `dest`.
fn write(dest: &Path, rel: &Path, bytes: &[u8]) -> Result<()> {
    let path = dest.join(rel);
    std::fs::create_dir_all(path.parent().unwrap_or(dest))?;
    std::fs::write(&path, bytes)?;
    Ok(())
}

/// What the repository knows about the archive.
#[derive(Default)]
pub struct Git {
    /// Whether the archive is in a Git repository at all.
    pub in_repo: bool,
    pub histories: HashMap<PathBuf, History>,
    pub branch: Option<String>,
    /// Where the archive sits in the repository, for links to its files on the Git host.
    pub prefix: PathBuf,
}

impl Git {
    /// The history of the files under `folder` up to `rev` and the branch to link edits to
    /// (`rev` itself when given).
    pub fn read(repo: &Repo, rev: Option<&str>, folder: &Path) -> Result<Git> {
        let branch = match rev {
            Some(rev) => Some(rev.to_string()),
            None => repo.branch(),
        };
        let histories = repo.histories(rev.unwrap_or("HEAD"), folder)?;
        Ok(Git { in_repo: true, histories, branch, prefix: repo.prefix().to_path_buf() })
    }
}
