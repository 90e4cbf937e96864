//! The end of stage 3, the write. Everything is written into a fresh directory beside the target and
//! swapped into place only when the whole build succeeded, so a failed build leaves the
//! previous site exactly as it was and a reader never sees half a site.
//!
//! A build can also die at any moment (kill -9, a full disk, a CI timeout). Builds of one
//! target take turns on a lock file beside it, `.hindsight-<name>.lock`, which also
//! journals every directory the build creates before it creates it. The next build, holding
//! the lock (so no other build is using them), removes what the journal lists, and restores
//! the previous site if the build died between moving it aside and moving the new one in. Nothing it did not journal is ever deleted. On Linux the swap is one
//! `renameat2(RENAME_EXCHANGE)`, so the target always holds a complete site.
//!
//! A file that comes out byte for byte as the previous site has it is not written again
//! but hard-linked from there: it keeps its inode and modification time, so a deploy that
//! syncs by time or content uploads only what changed, and the build writes less.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

const STAGING: &str = ".hindsight-staging-";
const OLD: &str = ".hindsight-old-";
/// The site before the current one, kept for the next build to update in place.
const SPARE: &str = ".hindsight-spare-";

/// A build's output, staged in a directory beside the target until `commit`.
pub struct Output {
    staging: PathBuf,
    target: PathBuf,
    /// Where the site this build replaces is kept for the next build to update in place.
    spare: PathBuf,
    journal: Journal,
    committed: bool,
    /// The site being replaced, when there is one.
    previous: Option<PathBuf>,
    /// Whether staging is the spare, the site of two builds ago, being brought up to date
    /// rather than filled from nothing.
    recycled: bool,
    /// Files linked from the previous site or left as they were, because they came out the same.
    unchanged: AtomicUsize,
    /// Every file this build put in staging (or found right there), by path.
    produced: Mutex<Vec<String>>,
    /// Folders of staging known to exist: most files share a folder with others, and
    /// making it again for each costs two system calls (`mkdir`, then a `stat` on EEXIST).
    folders: Mutex<std::collections::HashSet<PathBuf>>,
}

impl Output {
    /// Takes the target's lock (waiting for another build of it), cleans up after builds
    /// that died, and prepares staging next to `target` (same file system, so the swap is
    /// a rename): the spare site kept by the last build when it is the folder `spare` says
    /// (device, inode), to be brought up to date; otherwise a new, empty folder.
    pub fn create(target: &Path, spare: Option<(u64, u64)>) -> Result<Output> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("site").to_string();
        let mut journal = Journal::lock(&parent, &name, target)?;
        journal.recover(target)?;
        let spare_path = parent.join(format!("{SPARE}{name}"));
        let staging = journal.fresh(STAGING)?;
        // Taken under its journaled staging name, so a build that dies leaves nothing of it.
        let found = fs::symlink_metadata(&spare_path).is_ok();
        let recycled =
            found && spare.is_some() && identity(&spare_path) == spare && fs::rename(&spare_path, &staging).is_ok();
        if found && !recycled {
            // A spare the cache does not describe: journaled for removal, never restored.
            let stale = journal.fresh(STAGING)?;
            fs::rename(&spare_path, &stale).with_context(|| format!("cannot remove {}", spare_path.display()))?;
        }
        if !recycled {
            fs::create_dir(&staging)
                .with_context(|| format!("cannot create a staging directory in {}", parent.display()))?;
        }
        let previous = fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()).then(|| target.to_path_buf());
        Ok(Output {
            staging,
            target: target.to_path_buf(),
            spare: spare_path,
            journal,
            committed: false,
            previous,
            recycled,
            unchanged: 0.into(),
            produced: Mutex::default(),
            folders: Mutex::default(),
        })
    }

    /// How many files so far were the previous site's, unchanged.
    pub fn unchanged(&self) -> usize {
        self.unchanged.load(Ordering::Relaxed)
    }

    /// Whether staging started as the spare site (see `create`).
    pub fn recycled(&self) -> bool {
        self.recycled
    }

    /// Every file of the staged site so far.
    pub fn produced(&self) -> Vec<String> {
        self.produced.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn record(&self, rel: &str) {
        self.produced.lock().unwrap_or_else(|e| e.into_inner()).push(rel.to_string());
    }

    /// The path of `rel` in staging with its folder made, and what the spare had there
    /// removed (never followed: a link is removed as a link).
    fn place(&self, rel: &str) -> Result<PathBuf> {
        let path = Path::new(rel);
        if path.components().any(|c| !matches!(c, Component::Normal(_))) {
            bail!("refusing to write outside the output directory: {rel}");
        }
        let full = self.staging.join(path);
        if let Some(dir) = full.parent() {
            let folders = || self.folders.lock().unwrap_or_else(|e| e.into_inner());
            if !folders().contains(dir) {
                fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                folders().insert(dir.to_path_buf());
            }
        }
        if self.recycled {
            match fs::symlink_metadata(&full) {
                Ok(m) if m.is_dir() => remove_tree(&full),
                Ok(_) => fs::remove_file(&full),
                Err(_) => Ok(()),
            }
            .with_context(|| format!("cannot replace {}", full.display()))?;
        }
        Ok(full)
    }

    /// Writes one file; `rel` uses `/` and must stay inside the output.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let full = self.place(rel)?;
        self.record(rel);
        if let Some(old) = self.previous.as_ref().map(|p| p.join(rel))
            && same_file_contents(&old, bytes)
            && fs::hard_link(&old, &full).is_ok()
        {
            self.unchanged.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        fs::write(&full, bytes).with_context(|| format!("cannot write {}", full.display()))
    }

    /// Takes the previous site's file at `rel` as it is, when it is a plain file of `len`
    /// bytes (the build cache knows it holds what this build would write there) and, when
    /// `hash` is given, its bytes hash to it; `false` when it cannot, and the file must be made.
    pub fn keep(&self, rel: &str, len: u64, hash: Option<u128>) -> bool {
        let Some(old) = self.previous.as_ref().map(|p| p.join(rel)) else { return false };
        let sized = fs::symlink_metadata(&old).is_ok_and(|m| m.is_file() && m.len() == len);
        let plain =
            sized && hash.is_none_or(|hash| fs::read(&old).is_ok_and(|bytes| crate::fingerprint::of(&bytes) == hash));
        let kept = plain && self.place(rel).is_ok_and(|full| fs::hard_link(&old, &full).is_ok());
        if kept {
            self.record(rel);
            self.unchanged.fetch_add(1, Ordering::Relaxed);
        }
        kept
    }

    /// Leaves the spare's file at `rel` as it is: the build cache knows it holds what this
    /// build would write there. Only for a recycled staging.
    pub fn leave(&self, rel: &str) {
        debug_assert!(self.recycled);
        self.record(rel);
        self.unchanged.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes the spare's files (`had`, all of them) that this build did not produce, and
    /// the folders that leaves empty.
    pub fn remove_others(&self, had: &[String]) -> Result<()> {
        use rayon::prelude::*;
        let produced: std::collections::HashSet<String> = self.produced().into_iter().collect();
        let others: Vec<&String> = had.iter().filter(|r| !produced.contains(*r)).collect();
        others.par_iter().try_for_each(|rel| {
            let path = Path::new(rel);
            if path.components().any(|c| !matches!(c, Component::Normal(_))) {
                return Ok(());
            }
            let full = self.staging.join(path);
            match fs::remove_file(&full) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot remove {}", full.display()));
                }
                _ => {}
            }
            // Emptied folders go too (a folder with anything left in it stays; of two
            // removing the last files of one folder, one removes it).
            for dir in full.ancestors().skip(1).take_while(|d| *d != self.staging) {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
            }
            Ok(())
        })
    }

    /// The previous site's folder as (device, inode), when there is one: the build cache
    /// trusts only the folder its own build made.
    pub fn previous_identity(&self) -> Option<(u64, u64)> {
        identity(self.previous.as_deref()?)
    }

    /// Puts the staged output in the target's place. The previous site is deleted, or with
    /// `keep_spare` kept beside it as the spare the next build updates in place; returns
    /// the spare's (device, inode) when there is one.
    pub fn commit(mut self, keep_spare: bool) -> Result<Option<(u64, u64)>> {
        self.committed = true;
        let replaced = self.swap(exchange);
        // The old site, where the swap left it, becomes the spare (unless the next build
        // could not know what it holds); whatever the journal still lists goes.
        let spare = match &replaced {
            Ok(Some(old)) if keep_spare && fs::rename(old, &self.spare).is_ok() => identity(&self.spare),
            _ => None,
        };
        let cleaned = self.journal.recover(&self.target);
        replaced?;
        cleaned
            .with_context(|| format!("built, but cannot remove the previous site beside {}", self.target.display()))?;
        Ok(spare)
    }

    /// Swaps in one step when `exchange` can; otherwise moves the old site aside (journaled,
    /// so a death between the two renames is undone by the next build) and the new one in.
    /// Returns where the old site now is, when there was one.
    fn swap(&mut self, exchange: fn(&Path, &Path) -> io::Result<bool>) -> Result<Option<PathBuf>> {
        let moved = |e: io::Error| {
            anyhow::Error::new(e).context(format!("cannot move the new site into {}", self.target.display()))
        };
        if fs::symlink_metadata(&self.target).is_err() {
            return fs::rename(&self.staging, &self.target).map(|()| None).map_err(moved);
        }
        // After the exchange the staging path holds the old site, which the journal lists
        // for `commit` to remove.
        if exchange(&self.staging, &self.target).map_err(moved)? {
            return Ok(Some(self.staging.clone()));
        }
        let old = self.journal.fresh(OLD)?;
        fs::rename(&self.target, &old)
            .with_context(|| format!("cannot move the previous {} aside", self.target.display()))?;
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(moved(e));
        }
        Ok(Some(old))
    }
}

impl Drop for Output {
    /// An abandoned build leaves the old site and removes its staging.
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.journal.recover(&self.target);
        }
    }
}

/// Removes a folder and everything in it, like `fs::remove_dir_all` (links are removed,
/// never followed), with the folders side by side emptied at once: removing the previous
/// site is one unlink per file, and a site's files are spread over thousands of folders.
fn remove_tree(path: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    let entries = fs::read_dir(path)?.collect::<io::Result<Vec<_>>>()?;
    entries.par_iter().try_for_each(|entry| match entry.file_type()?.is_dir() {
        true => remove_tree(&entry.path()),
        false => fs::remove_file(entry.path()),
    })?;
    fs::remove_dir(path)
}

/// A folder as (device, inode), where the platform says.
pub fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::symlink_metadata(path).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether `path` is a plain file (not a link to one) holding exactly `bytes`.
fn same_file_contents(path: &Path, bytes: &[u8]) -> bool {
    let plain = fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    plain && fs::read(path).is_ok_and(|old| old == bytes)
}

/// Exchanges two paths atomically; `Ok(false)` when the file system or kernel cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The lock file of one target, listing the directories made for it and not yet removed.
struct Journal {
    file: File,
    parent: PathBuf,
    prefix: String,
}

impl Journal {
    fn lock(parent: &Path, name: &str, target: &Path) -> Result<Journal> {
        let path = parent.join(format!(".hindsight-{name}.lock"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                crate::terminal::note(format_args!("waiting for another build of {} to finish", target.display()));
                file.lock().with_context(|| format!("cannot lock {}", path.display()))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        Ok(Journal { file, parent: parent.to_path_buf(), prefix: format!("{name}-") })
    }

    /// A new directory name for `kind`, journaled before anything is made under it.
    fn fresh(&mut self, kind: &str) -> Result<PathBuf> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let name = format!("{kind}{}{}-{}", self.prefix, std::process::id(), nanos.as_nanos());
        self.file.seek(io::SeekFrom::End(0))?;
        writeln!(self.file, "{name}")?;
        self.file.sync_data().context("cannot record the staging directory in the lock file")?;
        Ok(self.parent.join(name))
    }

    /// Undoes what a build that died (or failed) left: a site moved aside while the target
    /// is missing goes back; every other journaled directory is removed.
    fn recover(&mut self, target: &Path) -> Result<()> {
        let mut text = String::new();
        self.file.rewind()?;
        self.file.read_to_string(&mut text)?;
        let ours = |line: &&str| {
            [STAGING, OLD].iter().any(|k| line.strip_prefix(k).is_some_and(|rest| rest.starts_with(&self.prefix)))
                && !line.contains(['/', '\\'])
        };
        let listed: Vec<&str> = text.lines().filter(ours).collect();
        // A site moved aside is put back before anything is deleted.
        for name in listed.iter().filter(|n| n.starts_with(OLD)) {
            let path = self.parent.join(name);
            if fs::symlink_metadata(target).is_err() && path.is_dir() {
                fs::rename(&path, target).with_context(|| format!("cannot restore {}", target.display()))?;
            }
        }
        for name in listed {
            let path = self.parent.join(name);
            let removed = match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => remove_tree(&path),
                Ok(_) => fs::remove_file(&path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            };
            removed.with_context(|| format!("cannot remove {}", path.display()))?;
        }
        self.file.set_len(0)?;
        self.file.sync_data()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    #[test]
    fn removing_a_tree_removes_links_and_never_what_they_point_to() {
        let dir = tempfile::tempdir().unwrap();
        let (tree, outside) = (dir.path().join("tree"), dir.path().join("outside"));
        fs::create_dir_all(tree.join("a/b")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("keep.txt"), "mine").unwrap();
        fs::write(tree.join("a/b/page.html"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, tree.join("a/link")).unwrap();
        std::os::unix::fs::symlink(outside.join("keep.txt"), tree.join("file-link")).unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
        assert_eq!(fs::read_to_string(outside.join("keep.txt")).unwrap(), "mine");
    }

    #[test]
    fn commit_replaces_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("stale.html"), "old").unwrap();

        let out = Output::create(&target, None).unwrap();
        out.write("a/index.html", b"new").unwrap();
        assert!(out.write("../escape.html", b"x").is_err());
        drop(out);
        assert!(target.join("stale.html").exists(), "an abandoned build leaves the old site");
        assert_eq!(leftovers(dir.path()), [".hindsight-public.lock", "public"]);

        let out = Output::create(&target, None).unwrap();
        out.write("a/index.html", b"new").unwrap();
        out.commit(false).unwrap();
        assert_eq!(fs::read_to_string(target.join("a/index.html")).unwrap(), "new");
        assert!(!target.join("stale.html").exists());
        assert_eq!(leftovers(dir.path()), [".hindsight-public.lock", "public"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_that_come_out_the_same_are_linked_from_the_previous_site_but_never_through_a_symlink() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("same.html"), "same").unwrap();
        fs::write(target.join("changed.html"), "before").unwrap();
        fs::write(dir.path().join("outside"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), target.join("link.html")).unwrap();
        let inode = |p: &Path| fs::symlink_metadata(p).unwrap().ino();
        let same = inode(&target.join("same.html"));

        let out = Output::create(&target, None).unwrap();
        for (name, bytes) in [("same.html", "same"), ("changed.html", "after"), ("link.html", "secret")] {
            out.write(name, bytes.as_bytes()).unwrap();
        }
        assert_eq!(out.unchanged(), 1);
        out.commit(false).unwrap();
        assert_eq!(inode(&target.join("same.html")), same, "the same file, linked");
        assert_eq!(fs::read_to_string(target.join("changed.html")).unwrap(), "after");
        let link = fs::symlink_metadata(target.join("link.html")).unwrap();
        assert!(link.is_file() && fs::read_to_string(target.join("link.html")).unwrap() == "secret");
        assert_eq!(
            fs::read_to_string(dir.path().join("outside")).unwrap(),
            "secret",
            "what a link pointed at is untouched"
        );
    }

    #[test]
    fn the_site_before_is_kept_as_the_spare_and_brought_up_to_date_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let read = |name: &str| fs::read_to_string(target.join(name)).ok();
        let build = |spare, files: &[(&str, &str)], keep| {
            let out = Output::create(&target, spare).unwrap();
            for (name, text) in files {
                out.write(name, text.as_bytes()).unwrap();
            }
            out.commit(keep).unwrap()
        };
        assert_eq!(build(None, &[("a.html", "1"), ("b/b.html", "1"), ("c/c.html", "1")], true), None, "no site before");
        let spare = build(None, &[("a.html", "2"), ("b/b.html", "1")], true);
        assert!(spare.is_some());
        assert!(leftovers(dir.path()).contains(&".hindsight-spare-public".to_string()));

        // The spare holds the first site: b is right there, a is made, c is not this site's.
        let out = Output::create(&target, spare).unwrap();
        assert!(out.recycled());
        out.leave("b/b.html");
        out.write("a.html", b"3").unwrap();
        out.remove_others(&["a.html".into(), "b/b.html".into(), "c/c.html".into()]).unwrap();
        assert_eq!(out.unchanged(), 1);
        let next = out.commit(true).unwrap();
        assert_eq!((read("a.html"), read("b/b.html")), (Some("3".into()), Some("1".into())));
        assert!(!target.join("c").exists(), "an emptied folder goes too");

        // A spare that is not the folder the cache describes is removed, never used.
        let out = Output::create(&target, Some((0, 0))).unwrap();
        assert!(!out.recycled());
        out.write("a.html", b"4").unwrap();
        out.commit(false).unwrap();
        assert_eq!(leftovers(dir.path()), [".hindsight-public.lock", "public"]);
        assert_eq!(leftovers(&target), ["a.html"]);
        assert!(next.is_some());

        // A build that dies while bringing the spare up to date loses the spare, not the site.
        let spare = build(None, &[("a.html", "5")], true);
        let mut out = Output::create(&target, spare).unwrap();
        assert!(out.recycled());
        out.write("a.html", b"half").unwrap();
        out.committed = true; // killed
        drop(out);
        let out = Output::create(&target, spare).unwrap();
        assert!(!out.recycled());
        drop(out);
        assert_eq!(read("a.html"), Some("5".into()));
        assert_eq!(leftovers(dir.path()), [".hindsight-public.lock", "public"]);
    }

    #[test]
    fn the_two_rename_swap_works_where_exchange_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("old.html"), "old").unwrap();
        let mut out = Output::create(&target, None).unwrap();
        out.write("new.html", b"new").unwrap();
        out.swap(|_, _| Ok(false)).unwrap();
        out.committed = true;
        out.journal.recover(&target).unwrap();
        assert_eq!(leftovers(&target), ["new.html"]);
        assert_eq!(leftovers(dir.path()), [".hindsight-site.lock", "site"]);
    }

    /// A build killed between moving the old site aside and moving the new one in: the
    /// next build finds no site, puts the old one back and removes the half-made staging.
    #[test]
    fn the_next_build_restores_a_site_moved_aside_and_removes_what_was_journaled() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("index.html"), "old").unwrap();
        let mut out = Output::create(&target, None).unwrap();
        out.write("index.html", b"half").unwrap();
        let old = out.journal.fresh(OLD).unwrap();
        fs::rename(&target, &old).unwrap();
        // A folder of the same shape the journal does not list is the user's, not ours.
        let theirs = dir.path().join(".hindsight-staging-public-keep");
        fs::create_dir(&theirs).unwrap();
        out.committed = true; // killed: nothing is cleaned up, the lock goes with the process
        drop(out);

        let next = Output::create(&target, None).unwrap();
        assert_eq!(fs::read_to_string(target.join("index.html")).unwrap(), "old");
        drop(next);
        assert_eq!(leftovers(dir.path()), [".hindsight-public.lock", ".hindsight-staging-public-keep", "public"]);
    }
}
