//! `hindsight new`: start a postmortem from the SRE-book template (the theme's `new.md`),
//! so the easy path is the complete one.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use minijinja::context;

use crate::ingest::POSTMORTEMS;
use crate::text::slugify;
use crate::workspace::{Options, Workspace};

/// Start a postmortem from the template: content/postmortems/<today>-<title>.md.
#[derive(clap::Args)]
pub struct Args {
    /// The postmortem's title, e.g. "Checkout API outage".
    pub title: String,
    /// An affected service (repeat for several).
    #[arg(long = "service", required = true)]
    pub services: Vec<String>,
    /// Severity [default: the second of site.toml `severities`, SEV-2].
    #[arg(long)]
    pub severity: Option<String>,
}

/// Writes the file and prints its path.
pub fn run(root: &Path, args: Args) -> Result<u8> {
    let path = create(root, &args.title, &args.services, args.severity.as_deref())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", path.display())?;
    // Standard output is the path alone, for scripts (`$EDITOR $(hindsight new ...)`).
    crate::terminal::status(format_args!(
        "Next: write it (a draft: each `<!-- prompt -->` says what goes there), preview with \
         `hindsight serve`, and run `hindsight check {}` before you open a pull request.",
        path.display()
    ));
    Ok(0)
}

/// Writes `content/postmortems/<date>-<slug>.md` and returns its path; never overwrites.
fn create(root: &Path, title: &str, services: &[String], severity: Option<&str>) -> Result<PathBuf> {
    let ws = Workspace::open(root, Options { skip_content: true, ..Options::default() })?;
    let config = ws.settings_or_errors("; nothing was written")?;
    let severity = match severity {
        Some(s) => config.severity(s).map_err(anyhow::Error::msg)?.to_string(),
        None => config.severities.get(1).or(config.severities.first()).cloned().unwrap_or_default(),
    };
    if title.trim().is_empty() {
        bail!("the title is empty: give one, e.g. hindsight new \"Checkout API outage\" --service checkout");
    }
    let theme = ws.theme_or_errors("; nothing was written")?;
    let date = ws.today(None)?;
    let text = theme
        .render("new.md", context! { title, services => services.to_vec(), severity, date => date.to_string() })
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let text = with_schema(root, text);
    let rel = PathBuf::from(POSTMORTEMS).join(format!("{date}-{}.md", slugify(title)));
    let path = if root == Path::new(".") { rel } else { root.join(rel) };
    std::fs::create_dir_all(path.parent().unwrap_or(root))
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut file = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} already exists; edit it, or choose another title", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// `text` pointing editors at the archive's schema, where it keeps one (`hindsight schema
/// --write`), so they validate as the file is written; the path is from
/// `content/postmortems/`, where postmortems go.
pub(super) fn with_schema(root: &Path, text: String) -> String {
    match text.strip_prefix("---\n") {
        Some(rest) if root.join(super::schema::FRONT_MATTER).is_file() => {
            format!("---\n# yaml-language-server: $schema=../../{}\n{rest}", super::schema::FRONT_MATTER)
        }
        _ => text,
    }
}
