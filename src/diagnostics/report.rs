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

/// Sorts, makes paths relative to where the user ran the command, and prints.
pub fn print(out: &mut dyn Write, root: &Path, diagnostics: &mut [Diagnostic], format: Format) -> io::Result<()> {
    super::sort(diagnostics);
    for d in diagnostics.iter_mut() {
        if root != Path::new(".") {
            d.path = root.join(&d.path);
        }
        match format {
            Format::Human => writeln!(out, "{d}")?,
            Format::Github => writeln!(out, "{}", github(d))?,
            Format::Json => writeln!(out, "{}", json(d))?,
        }
    }
    Ok(())
}

/// A workflow command: `::error file=…,line=…,col=…,title=rule::message`.
fn github(d: &Diagnostic) -> String {
    let kind = match d.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut props = format!("file={}", escape_property(&d.path.to_string_lossy()));
    if d.line > 0 {
        props.push_str(&format!(",line={},col={}", d.line, d.col));
        if d.width > 1 {
            props.push_str(&format!(",endColumn={}", d.col + d.width));
        }
    }
    props.push_str(&format!(",title={}", escape_property(d.rule.id())));
    let mut message = d.message.clone();
    if let Some(hint) = &d.hint {
        message.push_str(&format!("\nhelp: {hint}"));
    }
    format!("::{kind} {props}::{}", escape_data(&message))
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
