//! A fixture site copied into a temporary directory, and the real `hindsight` binary run on it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Site {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

/// The outcome of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Every finding printed, on either stream, one line each.
    pub fn findings(&self) -> String {
        findings(&self.stdout) + &findings(&self.stderr)
    }

    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn failure(self, code: i32) -> Self {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

impl Site {
    /// Copies `tests/fixtures/<name>` into a fresh temporary directory.
    pub fn fixture(name: &str) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name), &root);
        Site { _tmp: tmp, root }
    }

    /// The repository's example archive (`site.toml` and `content/`), copied.
    pub fn example() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("site");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_tree(&repo.join("content"), &root.join("content"));
        fs::copy(repo.join("site.toml"), root.join("site.toml")).unwrap();
        Site { _tmp: tmp, root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn remove(&self, rel: &str) -> &Self {
        fs::remove_file(self.root.join(rel)).unwrap();
        self
    }

    /// Writes `to` as a copy of `from` (both relative to the root) with each `(old, new)`
    /// replaced once, as mdBook's `change_file` does: small fixtures made from one clean
    /// file and a patch. Panics when `old` is not in the file, so a patch cannot go stale.
    #[track_caller]
    pub fn patched(&self, from: &str, to: &str, changes: &[(&str, &str)]) -> &Self {
        let mut text = fs::read_to_string(self.root.join(from)).unwrap();
        for (old, new) in changes {
            assert!(text.contains(old), "{from} has no {old:?}");
            text = text.replacen(old, new, 1);
        }
        self.write(to, text)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    /// Runs `hindsight --root <site> ARGS` from inside the site's parent directory.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// The command `run` runs, for a test that starts it and does not wait.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hindsight"));
        command.arg("--root").arg(&self.root).args(args).current_dir(self.root.parent().unwrap());
        command
    }

    /// Runs `hindsight ARGS` with the site as the working directory (no `--root`), so
    /// paths in the output are relative and stable for snapshots.
    pub fn run_inside(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_hindsight")).args(args).current_dir(&self.root).output().unwrap();
        Run::from(out)
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    pub fn public(&self) -> PathBuf {
        self.root.join("public")
    }

    /// A file of the built output, as text.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let path = self.public().join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// Staging and moved-aside folders a build left beside the output.
    pub fn leftovers(&self) -> Vec<String> {
        fs::read_dir(&self.root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".hindsight-staging-") || n.starts_with(".hindsight-old-"))
            .collect()
    }

    /// Every file under the output with its bytes, for before/after comparisons.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(self.public())
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().to_path_buf(), fs::read(e.path()).unwrap()))
            .collect();
        files.sort();
        files
    }
}

/// Copies the folder `src` to `dest`.
fn copy_tree(src: &Path, dest: &Path) {
    for entry in walkdir::WalkDir::new(src).into_iter().map(Result::unwrap) {
        let to = dest.join(entry.path().strip_prefix(src).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Values of `attr="..."` attributes in an HTML document.
pub fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Postmortem links (`postmortems/<id>/`) in a page, in order.
pub fn postmortem_links(html: &str) -> Vec<String> {
    attr_values(html, "href")
        .into_iter()
        .filter_map(|href| href.split("postmortems/").nth(1).map(|id| id.trim_end_matches('/').to_string()))
        .filter(|id| !id.is_empty())
        .collect()
}

/// The findings in human output as one line each, `path:line:col: level[rule]: message`
/// (from the title line and the ` --> ` line under it), so that a test names a finding's
/// position and message together. The rendering itself is pinned by `check_human`.
pub fn findings(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let mut found = String::new();
    for (title, next) in lines.iter().zip(lines.iter().skip(1)) {
        if (title.starts_with("error[") || title.starts_with("warning["))
            && let Some(at) = next.trim_start().strip_prefix("--> ")
        {
            found.push_str(&format!("{at}: {title}\n"));
        }
    }
    found
}

/// Asserts that `haystack` contains every needle, showing it all when one is missing.
#[track_caller]
pub fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(haystack.contains(needle), "expected {needle:?} in:\n{haystack}");
    }
}
