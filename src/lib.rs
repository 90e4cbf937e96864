//! hindsight turns a Git repository of incident postmortems (Markdown with front matter)
//! into a browsable static archive. The stages run one way, each a module:
//! `ingest` (files to checked model values) -> `model` (the archive) -> `lint` (rules over
//! it) -> `output` (pages, feeds, search index, staged write); `workspace` is the one place
//! that wires them, and each command in `commands` asks it for what it needs. ARCHITECTURE.md
//! at the repository root is the map.

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod fingerprint;
pub mod import;
pub mod ingest;
pub mod lint;
pub mod markdown;
pub mod model;
pub mod output;
pub mod privacy;
pub mod routes;
pub mod search;
pub mod server;
pub mod terminal;
pub mod text;
pub mod workspace;

use std::ffi::OsString;

use clap::Parser;

use cli::Cli;

/// Parses the command line and runs the command; returns the exit status for a success
/// (0, or 2 for a command line clap rejected after printing why).
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> anyhow::Result<u8> {
    let args: Vec<OsString> = args.into_iter().collect();
    if let Some(color) = cli::color_before_parsing(&args) {
        terminal::set_color(color);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            e.print()?;
            return Ok(if e.use_stderr() { 2 } else { 0 });
        }
    };
    terminal::configure(cli.color, cli.verbosity());
    cli.command.run(&cli.root)
}
