//! Printing findings for people (`human`), for GitHub pull request annotations (`github`)
//! and for other tools (`json`, one object per line).

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::{Diagnostic, Level};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Github,
    Json,
}

/// Sorts, makes paths relative to where the user ran the command, and prints; `color`
/// (for `human`) when `out` is a terminal that takes colours (`terminal::stderr_colors`).
pub fn print(
    out: &mut dyn Write,
    root: &Path,
    diagnostics: &mut [Diagnostic],
    format: Format,
    color: bool,
) -> io::Result<()> {
    super::sort(diagnostics);
    for d in diagnostics.iter_mut() {
        if root != Path::new(".") {
            d.path = root.join(&d.path);
        }
        match format {
            Format::Human => writeln!(out, "{}\n", d.render(color))?,
            Format::Github => writeln!(out, "{}", github(d))?,
            Format::Json => writeln!(out, "{}", json(d))?,
        }
    }
    Ok(())
}

/// Prints findings for the person running the command: on standard error, coloured when
/// it takes colours, above the progress bar if one is drawn.
pub fn report(root: &Path, diagnostics: &mut [Diagnostic]) -> io::Result<()> {
    let color = crate::terminal::stderr_colors();
    crate::terminal::suspend(|| print(&mut io::stderr().lock(), root, diagnostics, Format::Human, color))
}

/// A workflow command: `::error file=…,line=…,col=…,title=rule::message`.
fn github(d: &Diagnostic) -> String {
    let kind = match d.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut props = vec![("file", d.path.to_string_lossy().into_owned())];
    if d.line > 0 {
        props.push(("line", d.line.to_string()));
        props.push(("col", d.col.to_string()));
        if d.width > 1 {
            props.push(("endColumn", (d.col + d.width).to_string()));
        }
    }
    props.push(("title", d.rule.id().to_string()));
    let mut message = d.message.clone();
    if let Some(hint) = &d.hint {
        message.push_str(&format!("\nhelp: {hint}"));
    }
    workflow_command(kind, &props, &message)
}

/// A GitHub Actions workflow command (`::warning file=…,title=…::message`), every value
/// escaped as the runner reads it, so a file name or message cannot end it early.
pub fn workflow_command(kind: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    format!("::{kind} {}::{}", props.join(","), escape_data(message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Serialize)]
struct Finding<'a> {
    path: String,
    line: u32,
    col: u32,
    width: u32,
    level: &'static str,
    rule: &'a str,
    message: &'a str,
    hint: Option<&'a str>,
}

fn json(d: &Diagnostic) -> String {
    let finding = Finding {
        path: d.path.to_string_lossy().into_owned(),
        line: d.line,
        col: d.col,
        width: d.width,
        level: match d.level {
            Level::Error => "error",
            Level::Warning => "warning",
        },
        rule: d.rule.id(),
        message: &d.message,
        hint: d.hint.as_deref(),
    };
    serde_json::to_string(&finding).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_escape_what_the_format_reserves() {
        let src = crate::diagnostics::Source::new(Path::new("a,b.md"), "x: 100%\n");
        let d = src.diagnostic(crate::diagnostics::Rule::VagueClaim, 3..7, "50% done: a\nb").with_hint("h");
        assert_eq!(
            github(&d),
            "::warning file=a%2Cb.md,line=1,col=4,endColumn=8,title=vague-claim::50%25 done: a%0Ab%0Ahelp: h"
        );
    }

    #[test]
    fn json_lines_carry_every_field() {
        let d = Diagnostic::file(crate::diagnostics::Rule::Io, Path::new("x.md"), "cannot read");
        assert_eq!(
            json(&d),
            r#"{"path":"x.md","line":0,"col":0,"width":0,"level":"error","rule":"io","message":"cannot read","hint":null}"#
        );
    }
}
