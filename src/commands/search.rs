//! `hindsight search`: the tantivy index, refreshed from the workspace when the files
//! changed, queried and printed for a person or as JSON lines.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::search::{self, Filters, Found, Sort};
use crate::text::printable;
use crate::workspace::{Options, Workspace};

/// Search the archive (drafts included) and other companies' postmortems, ranked; the
/// index is kept in .hindsight-cache/.
#[derive(clap::Args)]
#[command(allow_hyphen_values = true)]
pub struct Args {
    /// Words (also found in service, tag, team and company names), "phrases", field:value
    /// (title, summary, body; service, tag, team, severity, status, year, author, company,
    /// origin), OR, -word, and word* for a prefix.
    #[arg(allow_hyphen_values = true)]
    pub query: String,
    /// Only postmortems of this service (repeatable; any case).
    #[arg(long)]
    pub service: Vec<String>,
    /// Only this severity (repeatable; one of site.toml's severities).
    #[arg(long)]
    pub severity: Vec<String>,
    /// Only postmortems with this tag (repeatable; any case).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Best match first, or newest first.
    #[arg(long, value_enum, default_value_t)]
    pub sort: Sort,
    /// One JSON object per result.
    #[arg(long)]
    pub json: bool,
    /// How many results (1 to 100000).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    let Args { query, service, severity, tag, sort, json, limit } = args;
    let query = query.as_str();
    let mut filters = Filters { services: service, severities: severity, tags: tag };
    let (mut indexed, mut external) = (0, 0);
    let settings = Workspace::open(root, Options { skip_content: true, ..Options::default() })?;
    let config = settings.settings_or_errors(", so the archive cannot be searched")?;
    for given in &mut filters.severities {
        *given = config.severity(given).map_err(anyhow::Error::msg)?.to_string();
    }
    let rebuilt = search::refresh(root, &config.checkout_folders(), || {
        let ws = Workspace::open(root, Options::default())?;
        let corpus = ws.search_corpus();
        let broken = ws.valid_postmortems().1;
        if broken > 0 {
            crate::terminal::note(format_args!(
                "{broken} postmortem(s) have errors and are not searchable; `hindsight check` shows why"
            ));
        }
        indexed = corpus.sources.iter().filter(|s| s.is_some()).count();
        external = corpus.docs.len() - indexed;
        Ok(corpus)
    })?;
    if rebuilt {
        crate::terminal::status(format_args!(
            "indexed {indexed} postmortems and {external} of other companies (the index is kept in {})",
            search::CACHE_DIR
        ));
    }
    let found = search::search(root, query, &filters, limit as usize, sort)?;
    if found.total == 0 && !json {
        crate::terminal::status(format_args!("no postmortem matches `{query}`"));
    }
    print(&found, json)?;
    Ok(0)
}

/// Prints hits for a person (a terminal gets bold matches) or as JSON lines.
fn print(found: &Found, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        for hit in &found.hits {
            writeln!(out, "{}", serde_json::to_string(hit)?)?;
        }
        return Ok(out.flush()?);
    }
    let bold = crate::terminal::stdout_colors();
    for (i, hit) in found.hits.iter().enumerate() {
        // The archive's text made printable first, so only our own bold reaches the terminal.
        let snippet = printable(&hit.snippet);
        let snippet =
            if bold { snippet.replace('«', "\x1b[1m").replace('»', "\x1b[0m") } else { snippet.into_owned() };
        let shown = &hit.shown;
        let whose = if shown.origin == search::Origin::External { shown.url.as_str() } else { shown.id.as_str() };
        let status = shown.status.as_deref().unwrap_or_default();
        let meta = [shown.date.as_str(), &shown.severity, status, &shown.services.join(", "), whose]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        writeln!(out, "{}. {}\n   {}", i + 1, printable(&shown.title), printable(&meta))?;
        if !snippet.is_empty() {
            writeln!(out, "   {snippet}")?;
        }
    }
    if found.total > found.hits.len() {
        writeln!(out, "{} of {} shown; --limit shows more", found.hits.len(), found.total)?;
    }
    Ok(out.flush()?)
}
