//! `hindsight diff [--public] [BASE]`: what a change would publish. Builds the archive of
//! the working tree and the archive at BASE (default: where the branch left the default
//! branch) in memory, for the same audience, and says per postmortem what appears, what
//! changes and what goes, for a terminal, a pull request, or another tool.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::diagnostics::Format;
use crate::ingest::history::Repo;
use crate::model::changes::Changes;
use crate::output::changes::{self as render, Comparison};
use crate::privacy::Audience;
use crate::workspace::{Options as Read, View, Workspace};

pub struct Options {
    pub root: PathBuf,
    /// A commit, branch or tag; `None` for the merge base with the default branch.
    pub base: Option<String>,
    pub public: bool,
    pub format: Format,
    /// Exit 1 when a postmortem would be published that was not before.
    pub fail_on_new: bool,
}

/// Prints the comparison to `out` (and, for `github`, annotations to `notes`); returns the
/// exit status: 1 with `fail_on_new` when something is added, else 0.
pub fn diff(opts: &Options, out: &mut dyn Write, notes: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover(&opts.root).with_context(|| {
        format!("diff compares with a commit, and {} is not in a Git repository", opts.root.display())
    })?;
    let (base, base_commit) = match &opts.base {
        Some(rev) => (rev.clone(), repo.resolve(rev)?),
        None => repo.default_base()?,
    };
    let audience = Audience::of_public_flag(opts.public);
    let read = |rev: Option<String>| Read { audience, rev, ..Read::default() };
    let ws = Workspace::open(&opts.root, read(None))?;
    // Drafts are never published, so they are no part of what a change publishes.
    let view = View { drafts: false, lint: false, today: ws.today(None)? };
    let now = ws.archive(&view).or_errors(&opts.root, "; nothing was compared")?;
    // Before the archive existed, everything in it is new.
    let then = if repo.has_archive(&base_commit)? {
        let old = Workspace::open(&opts.root, read(Some(base_commit.clone())))?;
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
