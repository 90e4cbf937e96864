//! hindsight turns a Git repository of incident postmortems (Markdown with front matter)
//! into a browsable static archive. The pipeline runs one way:
//! config -> load -> check -> model -> render -> write; each stage is a module.

pub mod build;
pub mod check;
pub mod config;
pub mod diagnostic;
pub mod load;
pub mod model;
pub mod outline;
pub mod render;
pub mod rules;
pub mod schema;
pub mod timeline;
pub mod write;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The content of the archive has errors; they were already printed with their positions.
#[derive(Debug, thiserror::Error)]
#[error("{count} error{s} in the archive; nothing was written", s = if *count == 1 { "" } else { "s" })]
pub struct ContentErrors {
    pub count: usize,
}

/// Exit status for an error: 1 for content errors, 2 for usage and I/O errors.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<ContentErrors>().is_some() {
        1
    } else {
        2
    }
}

#[derive(Parser)]
#[command(
    name = "hindsight",
    version,
    about = "Static site generator for incident postmortem archives"
)]
struct Cli {
    /// The archive: the folder holding site.toml and content/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the static archive.
    Build {
        /// Output folder, replaced as a whole when the build succeeds [default: ROOT/public].
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Include postmortems whose status is `draft`.
        #[arg(long)]
        drafts: bool,
        /// Print how long each stage took.
        #[arg(long)]
        timings: bool,
    },
}

/// Parses the command line and runs the command.
pub fn run<I: IntoIterator<Item = OsString>>(args: I) -> anyhow::Result<()> {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            e.print()?;
            return Ok(());
        }
        Err(e) => {
            e.print()?;
            std::process::exit(2);
        }
    };
    match cli.command {
        Command::Build {
            output,
            drafts,
            timings,
        } => {
            let output = output.unwrap_or_else(|| cli.root.join("public"));
            let summary = build::build(&build::Options {
                root: cli.root,
                output,
                drafts,
            })?;
            if timings {
                for (stage, took) in &summary.timings {
                    eprintln!("  {stage:<8} {:>8.1} ms", took.as_secs_f64() * 1000.0);
                }
            }
            println!("{summary}");
            Ok(())
        }
    }
}
