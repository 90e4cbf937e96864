//! `<!-- internal -->` ... `<!-- /internal -->` spans: text a public build must never
//! contain. Markers are found textually, anywhere (prose, tables, code blocks, front matter
//! strings), so nothing inside them can reach a page, an index or a feed through a path
//! the Markdown parser treats differently. A marker that does not pair up is an error:
//! guessing where an internal span ends could leak it.

use std::ops::Range;

/// A marker and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub span: Range<usize>,
    pub open: bool,
}

/// A marker problem: its span and a message.
#[derive(Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Range<usize>,
    pub message: &'static str,
    pub hint: &'static str,
}

/// Every internal marker in `text`, in order: HTML comments whose content is `internal` or
/// `/internal` (any case, any surrounding spaces).
pub fn markers(text: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("<!--").map(|i| from + i) {
        let Some(end) = text[at + 4..].find("-->").map(|i| at + 4 + i + 3) else {
            break;
        };
        let inner = text[at + 4..end - 3].trim();
        if inner.eq_ignore_ascii_case("internal") {
            out.push(Marker { span: at..end, open: true });
        } else if inner.eq_ignore_ascii_case("/internal") {
            out.push(Marker { span: at..end, open: false });
        }
        from = end;
    }
    out
}

/// Pairs markers into spans (from the opening marker's start to the closing marker's end),
/// or says which marker is wrong.
pub fn spans(text: &str) -> Result<Vec<Range<usize>>, Problem> {
    let mut spans = Vec::new();
    let mut open: Option<Range<usize>> = None;
    for m in markers(text) {
        match (&open, m.open) {
            (None, true) => open = Some(m.span),
            (Some(start), false) => {
                spans.push(start.start..m.span.end);
                open = None;
            }
            (Some(_), true) => {
                return Err(Problem {
                    span: m.span,
                    message: "internal span opened inside another one",
                    hint: "internal spans cannot nest: close the first with `<!-- /internal -->` before opening another",
                });
            }
            (None, false) => {
                return Err(Problem {
                    span: m.span,
                    message: "`<!-- /internal -->` closes no internal span",
                    hint: "add `<!-- internal -->` where the internal text starts, or remove this marker",
                });
            }
        }
    }
    match open {
        Some(span) => Err(Problem {
            span,
            message: "internal span is never closed",
            hint: "add `<!-- /internal -->` where the internal text ends; until then a public build cannot tell what to leave out",
        }),
        None => Ok(spans),
    }
}

/// `text` without its internal spans. Call only on text whose markers `spans` accepted.
pub fn remove(text: &str) -> String {
    let Ok(spans) = spans(text) else {
        return String::new();
    };
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for span in spans {
        out.push_str(&text[from..span.start]);
        from = span.end;
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_removed_wherever_they_are() {
        let text = "a <!-- internal -->SECRET<!--/INTERNAL--> b\n<!--internal-->\n```\nkey\n```\n<!-- /internal -->\nc <!-- note --> d";
        assert_eq!(remove(text), "a  b\n\nc <!-- note --> d");
    }

    #[test]
    fn unpaired_markers_are_errors_at_the_marker() {
        let unclosed = "x <!-- internal --> y";
        assert_eq!(spans(unclosed).unwrap_err().span, 2..19);
        let nested = "<!-- internal --> a <!-- internal --> b <!-- /internal -->";
        assert_eq!(spans(nested).unwrap_err().span, 20..37);
        let stray = "a <!-- /internal -->";
        assert!(spans(stray).unwrap_err().message.contains("closes no"));
        assert_eq!(remove(unclosed), "", "never a partial text when markers are wrong");
    }
}
