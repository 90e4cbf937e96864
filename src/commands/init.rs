//! `hindsight init [DIR]`: an archive in an existing repository, ready to build: a commented
//! `site.toml`, `content/postmortems/` with a complete example to read (not counted),
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
const WORKFLOW_FILE: &str = ".github/workflows/postmortems.yml";

/// What the workflow's `uses:` lines say until someone names the hindsight action: the
/// repository hindsight was installed from is not something the binary knows.
const PLACEHOLDER: &str = "YOUR-ORG/hindsight@v1";

/// What a build leaves in the archive that is not the archive: the output, the build cache
/// and the spare site (see the README's `build`).
const IGNORED: &str = "/public/\n/.hindsight-*\n";
/// A complete postmortem of the example archive, for a team to read before writing its
/// first: under a name starting with `_`, so no build, check or digest counts it.
const EXAMPLE: &str = include_str!("../../content/postmortems/2025-03-12-cdn-purge-storm.md");
const EXAMPLE_FILE: &str = "_example.md";

/// Make an archive in DIR (default: the root): site.toml, a sample postmortem and a
/// GitHub Actions workflow. Never overwrites.
#[derive(clap::Args)]
pub struct Args {
    /// Folder to make the archive in [default: --root].
    pub dir: Option<PathBuf>,
    /// The hindsight action the workflow uses: the repository you install hindsight from
    /// and its version, OWNER/NAME@REF (e.g. acme/hindsight@v1).
    #[arg(long, value_name = "OWNER/NAME@REF", value_parser = action)]
    pub action: Option<String>,
}

/// An action reference as GitHub reads `uses:`: `owner/name@ref`, or `owner/name/path@ref`.
fn action(value: &str) -> std::result::Result<String, String> {
    let (path, rev) = value.split_once('@').unwrap_or((value, ""));
    let parts: Vec<&str> = path.split('/').collect();
    let named = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if parts.len() >= 2 && parts.iter().all(named) && !rev.is_empty() && !rev.contains(char::is_whitespace) {
        Ok(value.to_string())
    } else {
        Err("expected OWNER/NAME@REF, the repository hindsight is installed from and its version (e.g. acme/hindsight@v1)".into())
    }
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    init(args.dir.as_deref().unwrap_or(root), args.action.as_deref(), &mut std::io::stdout().lock())?;
    Ok(0)
}

/// What to do about the placeholder, when `workflow` still has it: the sentence the
/// workflow's first job fails with too.
fn placeholder_left(workflow: &str) -> Option<String> {
    let lines: Vec<String> = workflow
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            l.strip_prefix("- ")
                .unwrap_or(l)
                .strip_prefix("uses:")
                .is_some_and(|v| v.trim_start().starts_with("YOUR-ORG/"))
        })
        .map(|(n, _)| (n + 1).to_string())
        .collect();
    (!lines.is_empty()).then(|| {
        format!(
            "Replace {PLACEHOLDER} on lines {} of {WORKFLOW_FILE} with the repository you install hindsight from and its \
             version (OWNER/NAME@REF, e.g. acme/hindsight@v1): GitHub cannot run an action it cannot find.",
            lines.join(",")
        )
    })
}

/// Writes what is missing in `dir`, says what it wrote and kept, and what to do next.
fn init(dir: &Path, action: Option<&str>, out: &mut dyn Write) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_new(dir, "site.toml", SITE_TOML, out)?;
    let workflow = match action {
        Some(action) => WORKFLOW.replace(&format!("uses: {PLACEHOLDER}"), &format!("uses: {action}")),
        None => WORKFLOW.to_string(),
    };
    if write_new(dir, WORKFLOW_FILE, &workflow, out)? == Written::Kept && action.is_some() {
        writeln!(out, "note     --action changes no file that exists: edit the `uses:` lines of {WORKFLOW_FILE}")?;
    }
    let ignore = dir.join(".gitignore");
    match std::fs::read_to_string(&ignore) {
        Err(_) => {
            write_new(dir, ".gitignore", IGNORED, out)?;
        }
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
        let marked = EXAMPLE.replacen(
            "\n---\n",
            "\n---\n\n<!-- An example to read, from hindsight's example archive: a file whose name starts with `_` \
             is not a postmortem of this archive. Start yours with `hindsight new \"Title\" --service NAME`. -->\n",
            1,
        );
        write_new(dir, &format!("{POSTMORTEMS}/{EXAMPLE_FILE}"), &super::new::with_schema(dir, marked), out)?;
    }
    writeln!(
        out,
        "\nNext: `hindsight new \"Title\" --service NAME` to start a postmortem ({POSTMORTEMS}/{EXAMPLE_FILE} \
         shows a complete one), `hindsight import OLD-POSTMORTEMS/` to bring existing ones in, `hindsight serve` \
         to preview, `hindsight check` before you commit."
    )?;
    let written = std::fs::read_to_string(dir.join(WORKFLOW_FILE)).unwrap_or_default();
    if let Some(sentence) = placeholder_left(&written) {
        writeln!(
            out,
            "Before you push: {sentence} (`hindsight init --action OWNER/NAME@REF` writes it in a new archive.)"
        )?;
    }
    Ok(())
}

#[derive(PartialEq, Eq)]
enum Written {
    New,
    Kept,
}

fn write_new(dir: &Path, rel: &str, text: &str, out: &mut dyn Write) -> Result<Written> {
    let path = dir.join(rel);
    if path.exists() {
        writeln!(out, "kept     {rel} (it exists)")?;
        return Ok(Written::Kept);
    }
    std::fs::create_dir_all(path.parent().unwrap_or(dir))
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(out, "wrote    {rel}")?;
    Ok(Written::New)
}
