//! hindsight turns a Git repository of incident postmortems (Markdown with front matter)
//! into a browsable static archive. The pipeline runs one way:
//! config -> load -> check -> model -> render -> write; each stage is a module.

pub mod build;
pub mod check;
pub mod config;
pub mod diagnostic;
pub mod history;
pub mod insights;
pub mod lint;
pub mod load;
pub mod model;
pub mod new;
pub mod outline;
pub mod redact;
pub mod render;
pub mod report;
pub mod rules;
pub mod schema;
pub mod search;
pub mod serve;
pub mod similar;
pub mod sources;
pub mod timeline;
pub mod write;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The content of the archive has errors; they were already printed with their positions.
#[derive(Debug, thiserror::Error)]
#[error("{count} error{s} in the archive{after}", s = if *count == 1 { "" } else { "s" })]
pub struct ContentErrors {
    pub count: usize,
    /// What the command did about it, e.g. "; nothing was written".
    pub after: &'static str,
}

/// Exit status for an error: 1 for content errors, 2 for usage and I/O errors.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<ContentErrors>().is_some() { 1 } else { 2 }
}

#[derive(Parser)]
#[command(name = "hindsight", version, about = "Static site generator for incident postmortem archives")]
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
        /// Print how long each stage took.
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
    /// Check every postmortem against every rule, without writing anything.
    Check {
        /// How to print findings.
        #[arg(long, value_enum, default_value_t = report::Format::Human)]
        format: report::Format,
        /// The day date-dependent rules judge against (YYYY-MM-DD) [default: today].
        #[arg(long)]
        today: Option<String>,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Search the archive (drafts included), ranked; the index is kept in .hindsight-cache/.
    Search {
        /// Words, "phrases", field:value (title, summary, body, service, severity, tag,
        /// status, year, author, id), AND / OR / -word, and word* for a prefix.
        query: String,
        /// Only postmortems of this service (repeatable).
        #[arg(long)]
        service: Vec<String>,
        /// Only this severity (repeatable).
        #[arg(long)]
        severity: Vec<String>,
        /// Only postmortems with this tag (repeatable).
        #[arg(long)]
        tag: Vec<String>,
        /// One JSON object per result.
        #[arg(long)]
        json: bool,
        /// How many results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
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
        Command::Build { output, drafts, public, today, rev, timings } => {
            let output = output.unwrap_or_else(|| cli.root.join("public"));
            let summary = build::build(&build::Options {
                root: cli.root,
                output,
                drafts,
                public,
                today: parse_today(today.as_deref())?,
                rev,
            })?;
            if timings {
                for (stage, took) in &summary.timings {
                    eprintln!("  {stage:<8} {:>8.1} ms", took.as_secs_f64() * 1000.0);
                }
            }
            println!("{summary}");
            Ok(())
        }
        Command::Serve { bind, port, drafts, public } => {
            serve::serve(serve::Options { root: cli.root, bind, port, drafts, public })
        }
        Command::Check { format, today, deny_warnings } => check(&cli.root, format, today.as_deref(), deny_warnings),
        Command::Search { query, service, severity, tag, json, limit } => {
            search::refresh(&cli.root)?;
            let filters = search::Filters { services: service, severities: severity, tags: tag };
            let hits = search::search(&cli.root, &query, &filters, limit)?;
            if hits.is_empty() && !json {
                eprintln!("no postmortem matches `{query}`");
            }
            search::print(&hits, json)
        }
        Command::New { title, services, severity } => {
            let path = new::create(&cli.root, &title, &services, severity.as_deref())?;
            println!("{}", path.display());
            Ok(())
        }
    }
}

/// `--today`, or the local date.
fn parse_today(today: Option<&str>) -> anyhow::Result<jiff::civil::Date> {
    match today {
        Some(t) => t.parse().map_err(|_| anyhow::anyhow!("--today must be a date like 2024-03-12, not `{t}`")),
        None => Ok(jiff::Zoned::now().date()),
    }
}

/// `hindsight check`: every rule over every postmortem, drafts included.
fn check(
    root: &std::path::Path,
    format: report::Format,
    today: Option<&str>,
    deny_warnings: bool,
) -> anyhow::Result<()> {
    let today = parse_today(today)?;
    let mut loaded = match sources::Sources::read(root, false, Default::default())? {
        Ok(sources) => sources.assemble(&sources::LoadOptions { drafts: true, lint: true, today }),
        Err(diagnostics) => sources::Assembled { archive: None, diagnostics, files: 0, internal_left_out: 0 },
    };
    if let Err(errors) = render::Theme::load(root) {
        loaded.diagnostics.extend(errors);
    }
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.diagnostics.len() - errors;
    report::print(&mut std::io::stdout().lock(), root, &mut loaded.diagnostics, format)?;
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    eprintln!("checked {}: {}, {}", plural(loaded.files, "file"), plural(errors, "error"), plural(warnings, "warning"));
    if errors > 0 || (deny_warnings && warnings > 0) {
        let count = errors + if deny_warnings { warnings } else { 0 };
        let after = if errors == 0 { " (warnings denied)" } else { "" };
        return Err(ContentErrors { count, after }.into());
    }
    Ok(())
}
