//! `hindsight init [DIR]`: an archive in an existing repository, ready to build: a commented
//! `site.toml`, `content/postmortems/` with a sample postmortem from the theme's template,
//! the JSON Schemas editors check both with, the GitHub Actions workflow and a `.gitignore`
//! for what builds leave. Files that exist
//! are kept, never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::ingest::POSTMORTEMS;

const SITE_TOML: &str = r#"#:schema ./.hindsight/schema/site.json
# hindsight settings; every key is optional (see the README's site.toml section).
title = "Postmortems"
# The address the archive is published at, for feeds and links.
base_url = "/"
# Severities, worst first.
severities = ["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-5"]
# The zone times are shown in.
timezone = "UTC"
# Whether a postmortem without `visibility` may appear in `build --public`.
default_visibility = "internal"
# Set to the repository's web address to get "Edit this page" links.
# repository_url = "https://github.com/YOUR-ORG/postmortems"
# Files under content/ that are not postmortems (README.md, template.md and _*.md never are).
# ignore = ["content/postmortems/archive/**"]

[rules]
# Switch a rule off or change its level, e.g.:
# vague-claim = "off"
"#;

const WORKFLOW: &str = include_str!("../../examples/github-actions/postmortems.yml");

/// What a build leaves in the archive that is not the archive: the output, the build cache
/// and the spare site (see the README's `build`).
const IGNORED: &str = "/public/\n/.hindsight-*\n";
const SAMPLE_TITLE: &str = "Example: checkout errors after a config push";

/// Make an archive in DIR (default: the root): site.toml, a sample postmortem and a
/// GitHub Actions workflow. Never overwrites.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to make the archive in [default: --root].
    pub dir: Option<PathBuf>,
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    init(args.dir.as_deref().unwrap_or(root), &mut std::io::stdout().lock())?;
    Ok(0)
}

/// Writes what is missing in `dir`, says what it wrote and kept, and what to do next.
fn init(dir: &Path, out: &mut dyn Write) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_new(dir, "site.toml", SITE_TOML, out)?;
    write_new(dir, ".github/workflows/postmortems.yml", WORKFLOW, out)?;
    let ignore = dir.join(".gitignore");
    match std::fs::read_to_string(&ignore) {
        Err(_) => write_new(dir, ".gitignore", IGNORED, out)?,
        // Theirs is kept as it is; what it lacks is said, for them to add.
        Ok(theirs) if !theirs.contains(".hindsight-") => writeln!(
            out,
            "note     .gitignore: add `/public/` and `/.hindsight-*` (the output, build cache and spare site)"
        )?,
        Ok(_) => writeln!(out, "kept     .gitignore (it exists)")?,
    }
    // Before the sample, which then points at it. Made from the settings above; kept when
    // there (`hindsight schema --write` makes them again after site.toml changes).
    if [super::schema::FRONT_MATTER, super::schema::SITE].iter().all(|rel| !dir.join(rel).exists()) {
        super::schema::schema(dir, None, true, out)?;
    } else {
        writeln!(out, "kept     {}/ (it exists)", super::schema::FOLDER)?;
    }
    let folder = dir.join(POSTMORTEMS);
    let has_postmortems = std::fs::read_dir(&folder).is_ok_and(|mut d| d.next().is_some());
    if has_postmortems {
        writeln!(out, "kept     {POSTMORTEMS}/ (it has files already)")?;
    } else {
        let path = super::new::create(dir, SAMPLE_TITLE, &["checkout".to_string()], None)?;
        writeln!(out, "wrote    {}", path.strip_prefix(dir).unwrap_or(&path).display())?;
    }
    writeln!(
        out,
        "\nNext: `hindsight import OLD-POSTMORTEMS/` to bring existing postmortems in, \
         `hindsight serve` to preview, `hindsight check` before you commit."
    )?;
    Ok(())
}

fn write_new(dir: &Path, rel: &str, text: &str, out: &mut dyn Write) -> Result<()> {
    let path = dir.join(rel);
    if path.exists() {
        writeln!(out, "kept     {rel} (it exists)")?;
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().unwrap_or(dir))
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(out, "wrote    {rel}")?;
    Ok(())
}
