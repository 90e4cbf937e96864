//! `hindsight schema front-matter|site [--write]`: JSON Schemas of a postmortem's front
//! matter and of `site.toml`, made from the serde types the build reads them with, for
//! editors to complete keys and flag a bad value before any build. `--write` keeps both in
//! `.hindsight/schema/`, where the files `init` and `new` write point.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::ingest::schema::front_matter_json_schema;
use crate::workspace::{Options, Workspace};

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

/// Print the JSON Schema of a postmortem's front matter (narrowed by site.toml) or of
/// site.toml, for editors; --write keeps both in .hindsight/schema/.
#[derive(clap::Args)]
pub struct Args {
    /// Which schema [default: front-matter].
    #[arg(value_enum)]
    pub kind: Option<Kind>,
    /// Write both into .hindsight/schema/ (where `init` and `new` point files) instead.
    #[arg(long, conflicts_with = "kind")]
    pub write: bool,
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    schema(root, args.kind, args.write, &mut std::io::stdout().lock())?;
    Ok(0)
}

/// Prints one schema, or with `write` keeps both in `FOLDER` and says so.
pub(super) fn schema(root: &Path, kind: Option<Kind>, write: bool, out: &mut dyn Write) -> Result<()> {
    let ws = Workspace::open(root, Options { skip_content: true, ..Options::default() })?;
    let config = ws.settings_or_errors("; no schema was made")?;
    let text = |kind: Kind| {
        let value = match kind {
            Kind::FrontMatter => front_matter_json_schema(config),
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
