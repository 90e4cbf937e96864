//! `hindsight schema front-matter|site [--write]`: JSON Schemas of a postmortem's front
//! matter and of `site.toml`, made from the serde types the build reads them with, for
//! editors to complete keys and flag a bad value before any build. `--write` keeps both in
//! `.hindsight/schema/`, where the files `init` and `new` write point.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::diagnostics;
use crate::diagnostics::ContentErrors;
use crate::ingest::schema::front_matter_json_schema;

/// Which schema.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Kind {
    /// A postmortem's front matter, narrowed by this archive's site.toml.
    FrontMatter,
    /// site.toml itself.
    Site,
}

/// Where `--write` puts the schemas, relative to the archive root; the `$schema` lines of
/// `init`'s and `new`'s files point here.
pub const FOLDER: &str = ".hindsight/schema";
pub const FRONT_MATTER: &str = ".hindsight/schema/front-matter.json";
pub const SITE: &str = ".hindsight/schema/site.json";

/// Prints one schema, or with `write` keeps both in `FOLDER` and says so.
pub fn schema(root: &Path, kind: Option<Kind>, write: bool, out: &mut dyn Write) -> Result<()> {
    let config = match Config::load(root) {
        Ok(config) => config,
        Err(mut errors) => {
            diagnostics::report(root, &mut errors)?;
            return Err(ContentErrors { count: errors.len(), after: "; no schema was made" }.into());
        }
    };
    let text = |kind: Kind| {
        let value = match kind {
            Kind::FrontMatter => front_matter_json_schema(&config),
            Kind::Site => Config::json_schema(),
        };
        serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
    };
    if !write {
        out.write_all(text(kind.unwrap_or(Kind::FrontMatter)).as_bytes())?;
        return Ok(());
    }
    std::fs::create_dir_all(root.join(FOLDER)).with_context(|| format!("cannot create {FOLDER}"))?;
    for (kind, rel) in [(Kind::FrontMatter, FRONT_MATTER), (Kind::Site, SITE)] {
        std::fs::write(root.join(rel), text(kind)).with_context(|| format!("cannot write {rel}"))?;
        writeln!(out, "wrote    {rel}")?;
    }
    Ok(())
}
