//! Names this build of hindsight by a hash of its source (`src/`, `theme/`, the manifest
//! and lock file): the build cache trusts only what a binary of the same source made, and
//! two binaries of the same source, whoever compiled them, render alike.

use std::path::Path;

fn main() {
    // Read when the script runs, not compiled in: a build script compiled for one checkout
    // and reused for another (a shared target folder) would otherwise hash the first's
    // source and name its commit.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
    let root = Path::new(&manifest);
    let mut files: Vec<_> = ["src", "theme"]
        .iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name())
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .chain(["Cargo.toml", "Cargo.lock", "build.rs"].map(|f| root.join(f)))
        .collect();
    files.sort();
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    for file in &files {
        let name = file.strip_prefix(root).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(file).unwrap_or_default();
        for part in [name.as_bytes(), &bytes] {
            hash.update(&(part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    println!("cargo:rustc-env=HINDSIGHT_SOURCE_DIGEST={:032x}", hash.digest128());
    println!("cargo:rustc-env=HINDSIGHT_COMMIT={}", commit(root));
    for watched in ["src", "theme", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={watched}");
    }
}

/// ` (abc123def456 2026-12-06)`: the commit being built and its date, for `--version`;
/// empty outside a Git checkout (a crate downloaded from a registry). Cargo builds again
/// when `HEAD` moves.
fn commit(root: &Path) -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) else { return String::new() };
    let dir = Path::new(&dir);
    let head = dir.join("HEAD");
    println!("cargo:rerun-if-changed={}", head.display());
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        for moved in [dir.join(&branch), dir.join("packed-refs")] {
            if moved.exists() {
                println!("cargo:rerun-if-changed={}", moved.display());
            }
        }
    }
    match git(&["log", "-1", "--format=%h %cs", "--abbrev=12"]) {
        Some(line) if !line.is_empty() => format!(" ({line})"),
        _ => String::new(),
    }
}
