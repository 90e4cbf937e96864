//! `hindsight search`: the tantivy index, refreshed from the workspace when the files
//! changed, queried and printed for a person or as JSON lines.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Result;

use crate::search::{self, Filters, Hit};
use crate::workspace::{Options, Workspace};

pub fn search(root: &Path, query: &str, filters: &Filters, limit: usize, json: bool) -> Result<()> {
    let mut indexed = 0;
    let rebuilt = search::refresh(root, || {
        let ws = Workspace::open(root, Options::default())?;
        if let Err(errors) = ws.config() {
            anyhow::bail!("site.toml has errors, so the archive cannot be indexed:\n{}", errors[0]);
        }
        let (valid, broken) = ws.valid_postmortems();
        if broken > 0 {
            eprintln!("note: {broken} postmortem(s) have errors and are not searchable; `hindsight check` shows why");
        }
        indexed = valid.len();
        Ok(valid)
    })?;
    if rebuilt {
        eprintln!("indexed {indexed} postmortems (the index is kept in {})", search::CACHE_DIR);
    }
    let hits = search::search(root, query, filters, limit)?;
    if hits.is_empty() && !json {
        eprintln!("no postmortem matches `{query}`");
    }
    print(&hits, json)
}

/// Prints hits for a person (a terminal gets bold matches) or as JSON lines.
fn print(hits: &[Hit], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        for hit in hits {
            writeln!(out, "{}", serde_json::to_string(hit)?)?;
        }
        return Ok(out.flush()?);
    }
    let bold = std::io::stdout().is_terminal();
    for (i, hit) in hits.iter().enumerate() {
        let snippet =
            if bold { hit.snippet.replace('«', "\x1b[1m").replace('»', "\x1b[0m") } else { hit.snippet.clone() };
        let meta = [hit.date.as_str(), &hit.severity, &hit.services.join(", "), &hit.id].join(" · ");
        writeln!(out, "{}. {}\n   {meta}", i + 1, hit.title)?;
        if !snippet.is_empty() {
            writeln!(out, "   {snippet}")?;
        }
    }
    Ok(out.flush()?)
}
