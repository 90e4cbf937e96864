//! `hindsight diff [--public] [BASE]`: what a change would publish. Builds the archive of
//! the working tree and the archive at BASE (default: where the branch left the default
//! branch) in memory, for the same audience, and says per postmortem what appears, what
//! changes and what goes, for a terminal, a pull request, or another tool.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::diagnostics::Format;
use crate::ingest::history::Repo;
use crate::model::diff::Changes;
use crate::output::diff::{self as render, Comparison};
use crate::privacy::Audience;
use crate::workspace::{Options as Read, View, Workspace};

/// What a change would publish: the archive of the working tree against the archive at
/// BASE, per postmortem what appears, changes or goes (exit 0 unless --fail-on-new).
#[derive(clap::Args)]
pub struct Args {
    /// A commit, branch or tag [default: the merge base of HEAD and the default branch:
    /// origin/HEAD, else main or master].
    pub base: Option<String>,
    /// Compare the public builds: what becomes public, changes in public, or leaves.
    #[arg(long)]
    pub public: bool,
    /// `github`: a Markdown comment on standard output for the pull request, and one
    /// annotation per postmortem on standard error, which the runner reads.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a postmortem would be published that was not published at BASE.
    #[arg(long)]
    pub fail_on_new: bool,
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    diff(root, &args, &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
}

/// Prints the comparison to `out` (and, for `github`, annotations to `notes`); returns the
/// exit status: 1 with `fail_on_new` when something is added, else 0.
fn diff(root: &Path, opts: &Args, out: &mut dyn Write, notes: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover(root)
        .with_context(|| format!("diff compares with a commit, and {} is not in a Git repository", root.display()))?;
    let (base, base_commit) = match &opts.base {
        Some(rev) => (rev.clone(), repo.resolve(rev)?),
        None => repo.default_base()?,
    };
    let audience = Audience::of_public_flag(opts.public);
    let read = |rev: Option<String>| Read { audience, rev, ..Read::default() };
    let ws = Workspace::open(root, read(None))?;
    // Drafts are never published, so they are no part of what a change publishes.
    let view = View { drafts: false, lint: false, today: ws.today(None)? };
    let now = ws.archive(&view).or_errors(root, "; nothing was compared")?;
    // Before the archive existed, everything in it is new.
    let then = if repo.has_archive(&base_commit)? {
        let old = Workspace::open(root, read(Some(base_commit.clone())))?;
        let archive = old.archive(&view).archive.with_context(|| {
            format!(
                "the archive at {base} has errors, so its {} cannot be made to compare with \
                 (`hindsight build --rev {base}` shows them); name another BASE",
                if opts.public { "public build" } else { "build" }
            )
        })?;
        Some(archive)
    } else {
        None
    };
    let changes = Changes::between(then.as_ref(), &now);
    let added = !changes.added.is_empty();
    let cmp = Comparison { changes, now: &now, public: opts.public, base, base_commit };
    match opts.format {
        Format::Human => out.write_all(crate::text::printable(&render::human(&cmp)).as_bytes())?,
        Format::Github => {
            notes.write_all(render::annotations(&cmp).as_bytes())?;
            out.write_all(render::markdown(&cmp).as_bytes())?;
        }
        Format::Json => out.write_all(render::json(&cmp).as_bytes())?,
    }
    out.flush()?;
    Ok(u8::from(opts.fail_on_new && added))
}
