//! `hindsight digest`: what changed in the last days, on standard output, for a mailing
//! list (`--format html`), a chat channel (`markdown`) or a feed reader (`atom`).

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};

use crate::model::digest::Digest;
use crate::output::digest as render;
use crate::privacy::Audience;
use crate::workspace::{Options as Read, View, Workspace};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum DigestFormat {
    Markdown,
    Html,
    Atom,
}

/// What changed in the last days, on standard output: new and updated postmortems,
/// status changes, action items that became overdue or were closed, anniversaries, and
/// a postmortem worth reading.
#[derive(clap::Args)]
pub struct Args {
    /// The window: a span back from today (30d, 2w, "1 month") or its first day.
    #[arg(long, default_value = "30d")]
    pub since: String,
    /// The window's last day (YYYY-MM-DD) [default: today].
    #[arg(long)]
    pub today: Option<String>,
    /// Markdown for a chat channel, HTML for email, or an Atom feed of one entry.
    #[arg(long, value_enum, default_value_t = DigestFormat::Markdown)]
    pub format: DigestFormat,
    /// Only what a public build shows.
    #[arg(long)]
    pub public: bool,
}

pub fn run(root: &Path, args: Args) -> Result<u8> {
    digest(root, &args, &mut std::io::stdout().lock())?;
    Ok(0)
}

fn digest(root: &Path, opts: &Args, out: &mut dyn Write) -> Result<()> {
    let audience = Audience::of_public_flag(opts.public);
    let read = || Read { audience, history: true, ..Read::default() };
    let ws = Workspace::open(root, read())?;
    let today = ws.today(opts.today.as_deref())?;
    let since = since(&opts.since, today)?;
    // Drafts are news inside the team; the public sees what a public build shows.
    let view = View { drafts: !opts.public, lint: false, today };
    let now = ws.archive(&view).or_errors(root, "; no digest was made")?;
    // The archive as it was when the window began, from the last commit before it.
    let then = ws.as_of(since, read())?.and_then(|old| old.archive(&view).archive);
    let digest = Digest::new(&now, then.as_ref(), since, today);
    let text = match opts.format {
        DigestFormat::Markdown => render::markdown(&now, &digest),
        DigestFormat::Html => render::html(&now, &digest),
        DigestFormat::Atom => render::atom(&now, &digest),
    };
    out.write_all(text.as_bytes())?;
    let base = &now.config.base_url;
    if !base.starts_with("https://") && !base.starts_with("http://") {
        crate::terminal::status(format_args!(
            "note: the links start with site.toml `base_url` (`{base}`), which names no site: pasted into a chat \
             or a mail they lead nowhere. Set it to the archive's address, e.g. base_url = \"https://postmortems.example.com/\""
        ));
    }
    Ok(())
}

/// The window's first day: `today` minus a span (`30d`, `2w`, `1 month`), or a date.
fn since(given: &str, today: jiff::civil::Date) -> Result<jiff::civil::Date> {
    if let Ok(date) = given.parse::<jiff::civil::Date>() {
        if date > today {
            bail!("--since {given} is after today ({today})");
        }
        return Ok(date);
    }
    match given.parse::<jiff::Span>().ok().and_then(|span| today.checked_sub(span).ok()) {
        Some(date) => Ok(date),
        None => bail!("--since takes a span such as 30d, 2w or \"1 month\", or a date like 2024-03-12, not `{given}`"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn since_takes_spans_and_dates() {
        let today = jiff::civil::date(2025, 3, 31);
        assert_eq!(super::since("30d", today).unwrap(), jiff::civil::date(2025, 3, 1));
        assert_eq!(super::since("2w", today).unwrap(), jiff::civil::date(2025, 3, 17));
        assert_eq!(super::since("1 month", today).unwrap(), jiff::civil::date(2025, 2, 28));
        assert_eq!(super::since("2025-01-01", today).unwrap(), jiff::civil::date(2025, 1, 1));
        assert!(super::since("2025-04-01", today).is_err());
        assert!(super::since("soon", today).unwrap_err().to_string().contains("not `soon`"));
    }
}
