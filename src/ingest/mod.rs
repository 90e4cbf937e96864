//! Stage 1, reading: the archive's Markdown files found, read, split and deserialized
//! (`front_matter`, against the serde types of `schema`), then made into model values with
//! every problem reported at its place (`convert`, which parses the `timeline` too). Git
//! history (`history`) is read here as well. A new input format (another tool's export)
//! goes here: it ends in the same `schema` types or `model` values.

pub mod cache;
pub mod convert;
pub mod front_matter;
pub mod history;
pub mod schema;
pub mod sources;
pub mod timeline;
pub mod tracker;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::config::Ignore;
use crate::diagnostics::{Diagnostic, Rule, Source};
use front_matter::{Loaded, deserialize, deserialize_each, split};

/// Where postmortems and curated external postmortems live, relative to the root.
pub const POSTMORTEMS: &str = "content/postmortems";
pub const EXTERNAL: &str = "content/external";

/// Markdown files under `root/dir` that `ignore` does not skip, sorted by path so output
/// and messages are stable.
pub fn markdown_files(root: &Path, dir: &str, ignore: &Ignore) -> Result<Vec<PathBuf>, Diagnostic> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&base).sort_by_file_name() {
        let entry =
            entry.map_err(|e| Diagnostic::file(Rule::Io, Path::new(dir), format!("cannot read folder: {e}")))?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if entry.file_type().is_file() && is_content(rel, ignore) {
            files.push(rel.to_path_buf());
        }
    }
    Ok(files)
}

/// The files under `content/` other than Markdown (images, PDFs, logs), paths from the root:
/// what postmortems may link to and the build copies when a published text does. Hidden
/// files and folders are left out, and so are symbolic links, which could lead out of the
/// archive.
pub fn asset_files(root: &Path) -> std::collections::BTreeSet<PathBuf> {
    let hidden = |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
    walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_entry(|e| !hidden(e))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_none_or(|x| x != "md"))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

/// Whether a file (path from the root) is read as content: Markdown, not hidden, not
/// skipped by `ignore`. The same test for files on disk and in a commit (`--rev`).
pub fn is_content(rel: &Path, ignore: &Ignore) -> bool {
    let hidden = rel.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
    !hidden && rel.extension().is_some_and(|e| e == "md") && !ignore.skips(rel)
}

/// Loads one file: its text, front matter, the values that could not be read and the
/// warnings about unknown keys.
pub fn load_one<T: DeserializeOwned>(
    root: &Path,
    rel: &Path,
    known_keys: &[&str],
) -> Result<(Loaded<T>, Vec<Diagnostic>), Diagnostic> {
    read(rel, read_bytes(root, rel)?, known_keys)
}

/// The bytes of one file, or the finding that it cannot be read.
pub fn read_bytes(root: &Path, rel: &Path) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(root.join(rel)).map_err(|e| Diagnostic::file(Rule::Io, rel, format!("cannot read: {e}")))
}

/// Reads one file's bytes as `load_one` does, without the disk (the fuzz targets feed it).
pub fn read<T: DeserializeOwned>(
    rel: &Path,
    bytes: Vec<u8>,
    known_keys: &[&str],
) -> Result<(Loaded<T>, Vec<Diagnostic>), Diagnostic> {
    let text = String::from_utf8(bytes).map_err(|e| not_utf8(rel, e))?;
    let doc = split(rel, text)?;
    let (raw, mut warnings, unreadable) = deserialize_each::<T>(&doc)?;
    let unknown: Vec<_> = doc.top_level_keys().iter().filter(|(k, _)| !known_keys.contains(&k.as_str())).collect();
    for (key, span) in &unknown {
        let mut d =
            doc.source().diagnostic(Rule::UnknownKey, span.clone(), format!("unknown front matter key `{key}`"));
        d = match crate::text::closest(key, known_keys.iter().copied()) {
            Some(near) => {
                d.with_hint(format!("did you mean `{near}`? Unknown keys are kept for templates as `extra.{key}`"))
            }
            None => d.with_hint(format!(
                "unknown keys are kept for templates as `extra.{key}`; remove it if it is a mistake"
            )),
        };
        warnings.push(d);
    }
    let extra = if unknown.is_empty() {
        BTreeMap::new()
    } else {
        let all: BTreeMap<String, serde_json::Value> = deserialize(&doc).unwrap_or_default();
        all.into_iter().filter(|(k, _)| unknown.iter().any(|(u, _)| u == k)).collect()
    };
    Ok((Loaded { doc, raw, extra, unreadable }, warnings))
}

fn not_utf8(rel: &Path, e: std::string::FromUtf8Error) -> Diagnostic {
    let at = e.utf8_error().valid_up_to();
    let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
    let prefix_chars = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
    let src = Source::new(rel, &lossy);
    src.diagnostic(Rule::Encoding, prefix_chars..prefix_chars + 1, format!("file is not valid UTF-8 (byte {at})"))
        .with_hint("re-save the file as UTF-8 in your editor")
}
