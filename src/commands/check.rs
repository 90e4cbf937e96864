//! `hindsight check`: every rule over every postmortem, drafts included, nothing written.
//! With `[[sources]]`, the summary says how each repository fares, and `--source TEAM`
//! keeps one team's findings (for that team's own pull requests).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::diagnostics::ContentErrors;
use crate::diagnostics::{self, Diagnostic, Format};
use crate::terminal;
use crate::text::plural;
use crate::workspace::{self, View, Workspace};

/// Check every postmortem against every rule, without writing anything.
#[derive(clap::Args)]
pub struct Args {
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The day date-dependent rules judge against (YYYY-MM-DD) [default: today].
    #[arg(long)]
    pub today: Option<String>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Only the findings in this `[[sources]]` team's files (the whole archive is still
    /// read, so ids and `related` are checked across repositories).
    #[arg(long, value_name = "TEAM")]
    pub source: Option<String>,
    /// Only the findings in the files changed since BASE (a commit, branch or tag;
    /// without one, where the branch left the default branch), committed or not: what
    /// a pull request is held to, while old files never block it.
    #[arg(long, value_name = "BASE", num_args = 0..=1, default_missing_value = "", conflicts_with = "files")]
    pub changed: Option<String>,
    /// Only the findings in these files (as a pre-commit hook passes the staged ones);
    /// the whole archive is still read.
    pub files: Vec<PathBuf>,
}

pub fn run(root: &Path, opts: Args) -> Result<u8> {
    let ws = Workspace::open(root, workspace::Options { strict: true, ..workspace::Options::default() })?;
    let today = ws.today(opts.today.as_deref())?;
    let mut found = ws.archive(&View { drafts: true, lint: true, today });
    // Each repository's folder, the archive's own first (`None`: whatever no source holds).
    let mut groups: Vec<(String, Option<&Path>)> = vec![("this archive".into(), None)];
    groups.extend(ws.origins().map(|o| (format!("{} ({})", o.team, o.dir.display()), Some(o.dir.as_path()))));
    let group_of =
        |path: &Path| groups.iter().rposition(|(_, dir)| dir.is_some_and(|d| path.starts_with(d))).unwrap_or(0);
    // Per repository, while every finding is there and paths are still the archive's.
    let whole = opts.source.is_none() && opts.files.is_empty();
    let per_group: Vec<(usize, (usize, usize))> = if whole && groups.len() > 1 {
        let tally = |i: usize| {
            let mine = found.diagnostics.iter().filter(|d| group_of(&d.path) == i);
            (ws.postmortem_files().filter(|p| group_of(p) == i).count(), count(mine))
        };
        (0..groups.len()).map(tally).collect()
    } else {
        Vec::new()
    };
    let mut files = found.files;
    if let Some(team) = &opts.source {
        let Some(at) = ws.origins().position(|o| &o.team == team) else {
            let teams: Vec<&str> = ws.origins().map(|o| o.team.as_str()).collect();
            bail!("--source {team}: no `[[sources]]` team is called that (site.toml has: {})", teams.join(", "));
        };
        found.diagnostics.retain(|d| group_of(&d.path) == at + 1);
        files = ws.postmortem_files().filter(|p| group_of(p) == at + 1).count();
    }
    let named: Vec<PathBuf> = match &opts.changed {
        Some(base) => changed(root, base)?,
        None => opts.files.clone(),
    };
    if opts.changed.is_some() || !named.is_empty() {
        // Compared as the file system names them: a hook's paths are from the repository's
        // top (or wherever it runs), findings' from the archive root.
        let named: Vec<PathBuf> = named.iter().filter_map(|f| f.canonicalize().ok()).collect();
        let wanted = |path: &Path| root.join(path).canonicalize().is_ok_and(|p| named.contains(&p));
        found.diagnostics.retain(|d| wanted(&d.path));
        files = named.len();
    }
    let (errors, warnings) = count(&found.diagnostics);
    let mut out = std::io::stdout().lock();
    diagnostics::print(&mut out, root, &mut found.diagnostics, opts.format, terminal::stdout_colors())?;
    out.flush()?;
    terminal::status(format_args!(
        "checked {} against all {} rules: {}, {}",
        plural(files, "file"),
        diagnostics::Rule::ALL.len(),
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    for ((name, _), (files, (errors, warnings))) in groups.iter().zip(per_group) {
        terminal::status(format_args!(
            "  {name}: {}, {}, {}",
            plural(files, "postmortem"),
            plural(errors, "error"),
            plural(warnings, "warning")
        ));
    }
    if errors > 0 || (opts.deny_warnings && warnings > 0) {
        let count = errors + if opts.deny_warnings { warnings } else { 0 };
        let after = if errors == 0 { " (warnings denied)" } else { "" };
        return Err(ContentErrors { count, after }.into());
    }
    Ok(0)
}

/// Errors and warnings among `found`.
fn count<'a>(found: impl IntoIterator<Item = &'a Diagnostic>) -> (usize, usize) {
    found.into_iter().fold((0, 0), |(e, w), d| if d.is_error() { (e + 1, w) } else { (e, w + 1) })
}

/// The archive's files changed since `base` (`""`: where the branch left the default
/// branch), as paths to compare with the findings'.
fn changed(root: &Path, base: &str) -> Result<Vec<PathBuf>> {
    let repo = crate::ingest::history::Repo::discover(root).with_context(|| {
        format!("check --changed compares with a commit, and {} is not in a Git repository", root.display())
    })?;
    let base = if base.is_empty() { repo.default_base()?.1 } else { repo.resolve(base)? };
    let archive_file = |rel: &PathBuf| rel.extension().is_some_and(|e| e == "md") || rel == Path::new("site.toml");
    Ok(repo.changed_since(&base)?.into_iter().filter(archive_file).map(|rel| root.join(rel)).collect())
}
