//! `hindsight check`: every rule over every postmortem, drafts included, nothing written.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::ContentErrors;
use crate::diagnostics::{self, Format};
use crate::text::plural;
use crate::workspace::{Options, View, Workspace};

pub fn check(root: &Path, format: Format, today: Option<&str>, deny_warnings: bool) -> Result<()> {
    let ws = Workspace::open(root, Options::default())?;
    let today = ws.today(today)?;
    let mut found = ws.archive(&View { drafts: true, lint: true, today });
    let errors = found.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = found.diagnostics.len() - errors;
    let mut out = std::io::stdout().lock();
    diagnostics::print(&mut out, root, &mut found.diagnostics, format)?;
    out.flush()?;
    eprintln!("checked {}: {}, {}", plural(found.files, "file"), plural(errors, "error"), plural(warnings, "warning"));
    if errors > 0 || (deny_warnings && warnings > 0) {
        let count = errors + if deny_warnings { warnings } else { 0 };
        let after = if errors == 0 { " (warnings denied)" } else { "" };
        return Err(ContentErrors { count, after }.into());
    }
    Ok(())
}
