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
use std::io::Write;

use clap::Parser;

use cli::{Cli, Command};
use commands::{build, check, import as import_command, init, new, search as search_command, serve};

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
    match cli.command {
        Command::Build { output, drafts, public, today, rev, timings } => {
            let output = output.unwrap_or_else(|| cli.root.join("public"));
            let summary = build::build(&build::Options { root: cli.root, output, drafts, public, today, rev })?;
            if timings || terminal::verbosity() == terminal::Verbosity::Verbose {
                for (stage, took) in &summary.timings {
                    eprintln!("  {stage:<8} {:>8.1} ms", took.as_secs_f64() * 1000.0);
                }
            }
            if timings {
                eprintln!("  render by page kind (time on all threads), the ten costliest:");
                for (kind, took, count) in summary.kinds.iter().take(10) {
                    let ms = took.as_secs_f64() * 1000.0;
                    eprintln!("    {kind:<18} {ms:>8.1} ms  {count:>6} pages  {:>7.3} ms each", ms / *count as f64);
                }
            }
            if terminal::verbosity() > terminal::Verbosity::Quiet {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{summary}")?;
                out.flush()?;
            }
        }
        Command::Serve { bind, port, drafts, public } => {
            serve::serve(serve::Options { root: cli.root, bind, port, drafts, public })?
        }
        Command::Digest { since, today, format, public } => {
            let opts = commands::digest::Options { root: cli.root, since, today, format, public };
            commands::digest::digest(&opts, &mut std::io::stdout().lock())?
        }
        Command::Diff { base, public, format, fail_on_new } => {
            let opts = commands::diff::Options { root: cli.root, base, public, format, fail_on_new };
            return commands::diff::diff(&opts, &mut std::io::stdout().lock(), &mut std::io::stderr().lock());
        }
        Command::Check { format, today, deny_warnings, source, changed, files } => {
            let opts = check::Options { format, today, deny_warnings, source, changed, files };
            check::check(&cli.root, &opts)?
        }
        Command::Search { query, service, severity, tag, sort, json, limit } => {
            let filters = search::Filters { services: service, severities: severity, tags: tag };
            search_command::search(&cli.root, &query, filters, limit as usize, sort, json)?
        }
        Command::Import { paths, to, external, dry_run, force } => {
            let opts = import_command::Options { root: cli.root, paths, to, external, dry_run, force };
            import_command::import(&opts, &mut std::io::LineWriter::new(terminal::Above(std::io::stdout().lock())))?
        }
        Command::Schema { kind, write } => {
            commands::schema::schema(&cli.root, kind, write, &mut std::io::stdout().lock())?
        }
        Command::Completions { shell } => cli::completions(shell, &mut std::io::stdout().lock())?,
        Command::Man { command, out } => match out {
            Some(dir) => cli::write_pages(&dir)?,
            None => cli::page(command.as_deref(), &mut std::io::stdout().lock())?,
        },
        Command::Init { dir } => init::init(&dir.unwrap_or(cli.root), &mut std::io::stdout().lock())?,
        Command::New { title, services, severity } => {
            let path = new::create(&cli.root, &title, &services, severity.as_deref())?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", path.display())?;
        }
    }
    Ok(0)
}
