//! Findings about the user's files, reported the way compilers do: `path:line:col`, the
//! offending line, a caret under the offending text and a hint saying how to fix it.
//! Every stage collects these instead of failing fast, so one run reports every problem.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

mod exit;
mod report;
mod rules;

pub use exit::{ContentErrors, exit_code, is_broken_pipe};
pub use report::{Format, print, report, workflow_command};
pub use rules::{Rule, Setting, Settings};

/// How bad a finding is: errors stop `build`, warnings are only reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Level {
    Error,
    Warning,
}

/// One finding, already resolved to a position a person can jump to in an editor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: Rule,
    pub level: Level,
    /// Path relative to the site root, as the user would type it.
    pub path: PathBuf,
    /// 1-based line; 0 when the finding is about the file as a whole.
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
    /// Number of characters to underline (at least one caret is always drawn).
    pub width: u32,
    /// The offending source line, shown under the message: at most `SHOWN` characters
    /// of it around the column, so a finding on a 200 KB line does not copy the line.
    pub source_line: Option<Box<str>>,
    /// Characters of the line left out before `source_line` starts.
    pub source_skip: u32,
    pub message: String,
    pub hint: Option<Box<str>>,
}

impl Diagnostic {
    /// A finding about a whole file (unreadable, not UTF-8), with no source line to show.
    pub fn file(rule: Rule, path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            level: rule.level(),
            path: path.to_path_buf(),
            line: 0,
            col: 0,
            width: 0,
            source_line: None,
            source_skip: 0,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into().into_boxed_str());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl Diagnostic {
    /// The finding as rustc and cargo print theirs (annotate-snippets): the message, then
    /// ` --> path:line:col`, the line and carets measured in display width, so they stay
    /// under the text after tabs, CJK and emoji; ANSI colours when `color`. Control
    /// characters of the file (an escape sequence in a postmortem) are shown as symbols,
    /// never sent to the terminal.
    pub fn render(&self, color: bool) -> String {
        use annotate_snippets::{AnnotationKind, Level as Shown, Origin, Renderer, Snippet};
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        let level = match self.level {
            Level::Error => Shown::ERROR,
            Level::Warning => Shown::WARNING,
        };
        let path = self.path.to_string_lossy();
        let title = level.primary_title(self.message.as_str()).id(self.rule.id());
        // The shown window of the line, marked where it was cut, and where the column is in it.
        let window = self.source_line.as_deref().map(|shown| {
            let lead = if self.source_skip > 0 { "…" } else { "" };
            let chars = shown.chars().count();
            let trail = if chars == SHOWN { "…" } else { "" };
            let at = (self.col.saturating_sub(1 + self.source_skip) as usize).min(chars);
            let byte = |n: usize| lead.len() + shown.char_indices().nth(n).map_or(shown.len(), |(i, _)| i);
            let span = byte(at)..byte(at + self.width as usize);
            (format!("{lead}{shown}{trail}"), span, at + lead.chars().count() + 1)
        });
        let mut group = match &window {
            Some((text, span, _)) => title.element(
                Snippet::source(text.as_str())
                    .line_start(self.line as usize)
                    .path(path.as_ref())
                    .annotation(AnnotationKind::Primary.span(span.clone())),
            ),
            None if self.line == 0 => title.element(Origin::path(path.as_ref())),
            None => title.element(Origin::path(path.as_ref()).line(self.line as usize).char_column(self.col as usize)),
        };
        if let Some(hint) = &self.hint {
            group = group.element(Shown::HELP.message(hint.as_ref()));
        }
        let rendered = renderer.render(&[group]);
        match window {
            // The renderer counts columns from the window's start: say the line's own.
            Some((_, _, shown_col)) if self.source_skip > 0 => {
                fix_column(&rendered, &format!(":{}:{shown_col}", self.line), &format!(":{}:{}", self.line, self.col))
            }
            _ => rendered,
        }
    }
}

/// Replaces the position at the end of the ` --> path:line:col` line.
fn fix_column(rendered: &str, wrong: &str, right: &str) -> String {
    let Some(start) = rendered.find("-->") else { return rendered.to_string() };
    let end = rendered[start..].find('\n').map_or(rendered.len(), |i| start + i);
    match rendered[start..end].rfind(wrong) {
        Some(at) => format!("{}{right}{}", &rendered[..start + at], &rendered[start + at + wrong.len()..]),
        None => rendered.to_string(),
    }
}

/// Plain text, as a finding reads in a log.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

/// Most characters of a source line a finding shows.
const SHOWN: usize = 160;

/// A file's text with the knowledge needed to turn byte offsets into line and column.
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    /// Byte offsets where the text's lines start, when the caller keeps them: a file with
    /// thousands of findings would otherwise count its lines once for each.
    pub lines: Option<&'a [usize]>,
}

/// Byte offsets where the lines of `text` start.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

impl<'a> Source<'a> {
    pub fn new(path: &'a Path, text: &'a str) -> Self {
        Source { path, text, lines: None }
    }

    /// Builds a diagnostic underlining `span` (byte offsets into the whole file).
    pub fn diagnostic(&self, rule: Rule, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        let start = floor_char_boundary(self.text, span.start.min(self.text.len()));
        let (line, line_start) = match self.lines {
            Some(starts) => {
                let n = starts.partition_point(|&s| s <= start);
                (n, starts[n - 1])
            }
            None => {
                let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
                (self.text.as_bytes()[..line_start].iter().filter(|&&b| b == b'\n').count() + 1, line_start)
            }
        };
        let line_end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        // Up to `SHOWN` characters, starting a little before the column.
        let col0 = self.text[line_start..start].chars().count();
        let skip = col0.saturating_sub(SHOWN / 4);
        let shown: String = line_text.chars().skip(skip).take(SHOWN).collect();
        let col = col0 + 1;
        let end = floor_char_boundary(self.text, span.end.clamp(start, line_end));
        let width = self.text[start..end].chars().count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Diagnostic {
            rule,
            level: rule.level(),
            path: self.path.to_path_buf(),
            line: count(line),
            col: count(col),
            width: count(width),
            source_line: Some(shown.into()),
            source_skip: count(skip),
            message: message.into(),
            hint: None,
        }
    }

    /// Byte offset of a 1-based line and column (columns in characters).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let mut offset = 0;
        for _ in 1..line {
            match self.text[offset..].find('\n') {
                Some(i) => offset += i + 1,
                None => return self.text.len(),
            }
        }
        let rest = &self.text[offset..];
        offset + rest.char_indices().nth(col.saturating_sub(1)).map_or(rest.len(), |(i, _)| i)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Prints all diagnostics, errors first within each file, files in path order.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.path, a.line, a.col, a.level).cmp(&(&b.path, b.line, b.col, b.level)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_points_at_the_span_with_multibyte_text_before_it() {
        let text = "---\ntitle: \"Café down\"\nseverity: SEV-9\n---\n";
        let src = Source::new(Path::new("a.md"), text);
        let at = text.find("SEV-9").unwrap();
        let d = src.diagnostic(Rule::UnknownSeverity, at..at + 5, "unknown severity");
        assert_eq!((d.line, d.col, d.width), (3, 11, 5));
        let shown = d.to_string();
        assert!(shown.starts_with("error[unknown-severity]: unknown severity\n --> a.md:3:11\n"), "{shown}");
        assert!(shown.contains("3 | severity: SEV-9\n  |           ^^^^^"), "{shown}");
    }

    #[test]
    fn offset_of_round_trips_with_diagnostic_positions() {
        let text = "ab\ncdé\nf";
        let src = Source::new(Path::new("x"), text);
        let off = src.offset_of(2, 3);
        assert_eq!(&text[off..off + 2], "é");
        let d = src.diagnostic(Rule::VagueClaim, off..off + 2, "m");
        assert_eq!((d.line, d.col, d.width), (2, 3, 1));
        assert_eq!(src.offset_of(9, 1), text.len());
    }
}
