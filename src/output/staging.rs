//! Stage 5: output. Everything is written into a fresh directory beside the target and
//! swapped into place only when the whole build succeeded, so a failed build leaves the
//! previous site exactly as it was and a reader never sees half a site.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A build's output, staged in a temporary directory until `commit`.
pub struct Output {
    staging: tempfile::TempDir,
    target: PathBuf,
}

impl Output {
    /// Prepares staging next to `target` (same file system, so the final rename is atomic).
    pub fn create(target: &Path) -> Result<Output> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let staging = tempfile::Builder::new()
            .prefix(".hindsight-staging-")
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a staging directory in {}", parent.display()))?;
        Ok(Output { staging, target: target.to_path_buf() })
    }

    /// Writes one file; `rel` uses `/` and must stay inside the output.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = Path::new(rel);
        if path.components().any(|c| !matches!(c, Component::Normal(_))) {
            bail!("refusing to write outside the output directory: {rel}");
        }
        let full = self.staging.path().join(path);
        if let Some(dir) = full.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        fs::write(&full, bytes).with_context(|| format!("cannot write {}", full.display()))
    }

    /// Replaces the target with the staged output: the old site is moved aside, the new one
    /// renamed into place, and only then the old one deleted.
    pub fn commit(self) -> Result<()> {
        let staged = self.staging.keep();
        let old = self.target.with_file_name(format!(
            ".hindsight-old-{}",
            staged.file_name().and_then(|n| n.to_str()).unwrap_or("x").trim_start_matches(".hindsight-staging-")
        ));
        let had_old = match fs::rename(&self.target, &old) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => {
                let _ = fs::remove_dir_all(&staged);
                return Err(e).with_context(|| format!("cannot move the previous {} aside", self.target.display()));
            }
        };
        if let Err(e) = fs::rename(&staged, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            let _ = fs::remove_dir_all(&staged);
            return Err(e).with_context(|| format!("cannot move the new site into {}", self.target.display()));
        }
        if had_old {
            fs::remove_dir_all(&old)
                .with_context(|| format!("built, but cannot remove the previous site at {}", old.display()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_discards() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("stale.html"), "old").unwrap();

        let out = Output::create(&target).unwrap();
        out.write("a/index.html", b"new").unwrap();
        assert!(out.write("../escape.html", b"x").is_err());
        drop(out);
        assert!(target.join("stale.html").exists(), "an abandoned build leaves the old site");

        let out = Output::create(&target).unwrap();
        out.write("a/index.html", b"new").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a/index.html")).unwrap(), "new");
        assert!(!target.join("stale.html").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["public"]);
    }
}
