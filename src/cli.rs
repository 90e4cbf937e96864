//! The command line: what each command takes, with the help text users see, and what the
//! shell learns of it: completion scripts and manual pages, made from the same definitions
//! so they cannot fall out of step with it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, Subcommand};

use crate::commands;
use crate::terminal::{ColorWhen, Verbosity};

/// `--version`: the release, and the commit it was built from when the build could ask
/// Git (`build.rs`), so a bug report names the exact code.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("HINDSIGHT_COMMIT"));

#[derive(Parser)]
#[command(
    name = "hindsight",
    version = VERSION,
    about = "Static site generator for incident postmortem archives"
)]
pub struct Cli {
    /// The archive: the folder holding site.toml and content/.
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,
    /// When to colour findings and messages: `auto` colours a terminal unless NO_COLOR is
    /// set (CLICOLOR_FORCE colours anything).
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorWhen,
    /// Say only what is wrong: findings and errors, no notes, summaries or progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: how long each stage of a build took.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Each command's arguments are its own, in `commands/<name>.rs`, with its help text.
#[derive(Subcommand)]
pub enum Command {
    Build(commands::build::Args),
    Serve(commands::serve::Args),
    Digest(commands::digest::Args),
    Diff(commands::diff::Args),
    Check(commands::check::Args),
    Search(commands::search::Args),
    Import(commands::import::Args),
    Init(commands::init::Args),
    Schema(commands::schema::Args),
    /// Print a completion script for a shell, e.g. `hindsight completions bash >
    /// ~/.local/share/bash-completion/completions/hindsight`.
    Completions {
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of hindsight or of one command, or write them all.
    Man {
        /// A command's page (`hindsight-build(1)`) [default: hindsight(1)].
        command: Option<String>,
        /// Write every page into this folder instead (`hindsight.1`, `hindsight-build.1`, …),
        /// e.g. `hindsight man --out ~/.local/share/man/man1`.
        #[arg(long, conflicts_with = "command")]
        out: Option<PathBuf>,
    },
    New(commands::new::Args),
}

impl Command {
    /// Runs the command on the archive at `root`; the exit status of a success.
    pub fn run(self, root: &Path) -> Result<u8> {
        match self {
            Command::Build(args) => commands::build::run(root, args),
            Command::Serve(args) => commands::serve::run(root, args),
            Command::Digest(args) => commands::digest::run(root, args),
            Command::Diff(args) => commands::diff::run(root, args),
            Command::Check(args) => commands::check::run(root, args),
            Command::Search(args) => commands::search::run(root, args),
            Command::Import(args) => commands::import::run(root, args),
            Command::Init(args) => commands::init::run(root, args),
            Command::Schema(args) => commands::schema::run(root, args),
            Command::New(args) => commands::new::run(root, args),
            Command::Completions { shell } => completions(shell, &mut std::io::stdout().lock()).map(|()| 0),
            Command::Man { out: Some(dir), .. } => write_pages(&dir).map(|()| 0),
            Command::Man { command, out: None } => page(command.as_deref(), &mut std::io::stdout().lock()).map(|()| 0),
        }
    }
}

impl Cli {
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// `--color WHEN` (or `--color=WHEN`) read ahead of clap, so that `--help` and a usage
/// error, which clap prints while parsing, are coloured as asked.
pub fn color_before_parsing(args: &[std::ffi::OsString]) -> Option<ColorWhen> {
    use clap::ValueEnum;
    let args: Vec<&str> = args.iter().map_while(|a| a.to_str()).take_while(|a| *a != "--").collect();
    let value = args.iter().enumerate().rev().find_map(|(i, a)| match a.strip_prefix("--color") {
        Some("") => args.get(i + 1).copied(),
        Some(rest) => rest.strip_prefix('='),
        None => None,
    })?;
    ColorWhen::from_str(value, true).ok()
}

/// The completion script for `shell`. Made in memory first: the generator panics on a
/// closed pipe, and our own write reports it as one.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut <Cli as CommandFactory>::command(), "hindsight", &mut script);
    out.write_all(&script)?;
    Ok(())
}

/// `hindsight(1)`, or a command's page (`hindsight-build(1)`).
pub fn page(command: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let cli = <Cli as CommandFactory>::command();
    let cmd = match command {
        None => cli,
        Some(name) => match cli.find_subcommand(name) {
            Some(sub) => named(sub.clone()),
            None => {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                bail!("`{name}` is no hindsight command; pages: {}", names.join(", "))
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut roff)?;
    out.write_all(&roff)?;
    Ok(())
}

/// Every page into `dir`: `hindsight.1` and one `hindsight-<command>.1` per command.
pub fn write_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    let cli = <Cli as CommandFactory>::command();
    let pages = std::iter::once(cli.clone()).chain(cli.get_subcommands().cloned().map(named));
    for cmd in pages {
        let path = dir.join(format!("{}.1", cmd.get_name()));
        let mut roff = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut roff)?;
        std::fs::write(&path, roff).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// A command named as its page is (`hindsight-build`), so the page's title and synopsis
/// say `hindsight-build` rather than a bare `build`.
fn named(sub: clap::Command) -> clap::Command {
    let name = format!("hindsight-{}", sub.get_name());
    sub.name(name)
}
