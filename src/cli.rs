//! The command line: what each command takes, with the help text users see, and what the
//! shell learns of it: completion scripts and manual pages, made from the same definitions
//! so they cannot fall out of step with it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, Subcommand};

use crate::diagnostics::Format;
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

#[derive(Subcommand)]
pub enum Command {
    /// Build the static archive.
    Build {
        /// Output folder, replaced as a whole when the build succeeds [default: ROOT/public].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Include postmortems whose status is `draft`.
        #[arg(long)]
        drafts: bool,
        /// Build the public archive: only `visibility: public` postmortems, without
        /// internal spans and the fields of `[public] hide_fields`.
        #[arg(long)]
        public: bool,
        /// The day action items are judged overdue against (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
        /// Build the archive as it was at this commit, branch or tag, from the repository's
        /// objects (the working tree is not touched).
        #[arg(long)]
        rev: Option<String>,
        /// Print how long each stage took, and the ten costliest page kinds.
        #[arg(long)]
        timings: bool,
    },
    /// Serve the archive locally, rebuilding and reloading the browser on every save.
    Serve {
        /// Address to listen on; loopback by default so the preview is not on the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Include drafts (the default in serve; --drafts=false to leave them out).
        #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
        drafts: bool,
        /// Serve the public archive (see build --public).
        #[arg(long)]
        public: bool,
    },
    /// What changed in the last days, on standard output: new and updated postmortems,
    /// status changes, action items that became overdue or were closed, anniversaries, and
    /// a postmortem worth reading.
    Digest {
        /// The window: a span back from today (30d, 2w, "1 month") or its first day.
        #[arg(long, default_value = "30d")]
        since: String,
        /// The window's last day (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
        /// Markdown for a chat channel, HTML for email, or an Atom feed of one entry.
        #[arg(long, value_enum, default_value_t = crate::commands::digest::DigestFormat::Markdown)]
        format: crate::commands::digest::DigestFormat,
        /// Only what a public build shows.
        #[arg(long)]
        public: bool,
    },
    /// What a change would publish: the archive of the working tree against the archive at
    /// BASE, per postmortem what appears, changes or goes (exit 0 unless --fail-on-new).
    Diff {
        /// A commit, branch or tag [default: the merge base of HEAD and the default branch:
        /// origin/HEAD, else main or master].
        base: Option<String>,
        /// Compare the public builds: what becomes public, changes in public, or leaves.
        #[arg(long)]
        public: bool,
        /// `github`: a Markdown comment on standard output for the pull request, and one
        /// annotation per postmortem on standard error, which the runner reads.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 1 when a postmortem would be published that was not published at BASE.
        #[arg(long)]
        fail_on_new: bool,
    },
    /// Check every postmortem against every rule, without writing anything.
    Check {
        /// How to print findings.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// The day date-dependent rules judge against (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Only the findings in this `[[sources]]` team's files (the whole archive is still
        /// read, so ids and `related` are checked across repositories).
        #[arg(long, value_name = "TEAM")]
        source: Option<String>,
        /// Only the findings in the files changed since BASE (a commit, branch or tag;
        /// without one, where the branch left the default branch), committed or not: what
        /// a pull request is held to, while old files never block it.
        #[arg(long, value_name = "BASE", num_args = 0..=1, default_missing_value = "", conflicts_with = "files")]
        changed: Option<String>,
        /// Only the findings in these files (as a pre-commit hook passes the staged ones);
        /// the whole archive is still read.
        files: Vec<PathBuf>,
    },
    /// Search the archive (drafts included) and other companies' postmortems, ranked; the
    /// index is kept in .hindsight-cache/.
    #[command(allow_hyphen_values = true)]
    Search {
        /// Words, "phrases", field:value (title, summary, body; service, tag, severity,
        /// status, year, author, company, origin), OR, -word, and word* for a prefix.
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Only postmortems of this service (repeatable; any case).
        #[arg(long)]
        service: Vec<String>,
        /// Only this severity (repeatable; one of site.toml's severities).
        #[arg(long)]
        severity: Vec<String>,
        /// Only postmortems with this tag (repeatable; any case).
        #[arg(long)]
        tag: Vec<String>,
        /// Best match first, or newest first.
        #[arg(long, value_enum, default_value_t)]
        sort: crate::search::Sort,
        /// One JSON object per result.
        #[arg(long)]
        json: bool,
        /// How many results (1 to 100000).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
    /// Convert existing postmortems (Markdown files or folders of them) into the archive.
    Import {
        /// Files or folders to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Folder to write to, relative to the root [default: content/postmortems, or
        /// content/external with --external].
        #[arg(long)]
        to: Option<PathBuf>,
        /// The paths are curated lists of other organisations' public postmortems: a
        /// Markdown list (`[Company](url). Summary.` under category headings, as in
        /// danluu/post-mortems), icco/postmortems data files, or a TSV table.
        #[arg(long)]
        external: bool,
        /// Print what would be written, as a diff, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace files that exist and differ.
        #[arg(long)]
        force: bool,
    },
    /// Make an archive in DIR (default: the root): site.toml, a sample postmortem and a
    /// GitHub Actions workflow. Never overwrites.
    Init {
        /// Folder to make the archive in [default: --root].
        dir: Option<PathBuf>,
    },
    /// Print the JSON Schema of a postmortem's front matter (narrowed by site.toml) or of
    /// site.toml, for editors; --write keeps both in .hindsight/schema/.
    Schema {
        /// Which schema [default: front-matter].
        #[arg(value_enum)]
        kind: Option<crate::commands::schema::Kind>,
        /// Write both into .hindsight/schema/ (where `init` and `new` point files) instead.
        #[arg(long, conflicts_with = "kind")]
        write: bool,
    },
    /// Print a completion script for a shell, e.g. `hindsight completions bash >
    /// ~/.local/share/bash-completion/completions/hindsight`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff) of hindsight or of one command, or write them all.
    Man {
        /// A command's page (`hindsight-build(1)`) [default: hindsight(1)].
        command: Option<String>,
        /// Write every page into this folder instead (`hindsight.1`, `hindsight-build.1`, …),
        /// e.g. `hindsight man --out ~/.local/share/man/man1`.
        #[arg(long, conflicts_with = "command")]
        out: Option<PathBuf>,
    },
    /// Start a postmortem from the template: content/postmortems/<today>-<title>.md.
    New {
        /// The postmortem's title, e.g. "Checkout API outage".
        title: String,
        /// An affected service (repeat for several).
        #[arg(long = "service", required = true)]
        services: Vec<String>,
        /// Severity [default: the second of site.toml `severities`, SEV-2].
        #[arg(long)]
        severity: Option<String>,
    },
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
