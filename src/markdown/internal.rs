//! `<!-- internal -->` ... `<!-- /internal -->` spans: text a public build must never
//! contain. Markers are found textually, anywhere (prose, tables, code blocks, front matter
//! strings), so nothing inside them can reach a page, an index or a feed through a path
//! the Markdown parser treats differently. A marker that does not pair up is an error:
//! guessing where an internal span ends could leak it.

use std::borrow::Cow;
use std::ops::Range;

/// A marker and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub span: Range<usize>,
    pub open: bool,
}

/// Characters a marker may have been typed or pasted with that make it no longer a
/// marker while it still reads as one: zero-width and other invisible format characters.
fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Dashes an editor or a paste may put where `-` was meant (`<!–- internal -->`).
fn dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}')
}

/// Words that, first in a comment, say the author meant to hide what follows.
const MEANT: &[&str] = &["internal", "private", "confidential", "redact", "secret"];

/// Things written like internal markers that are not the exact form
/// (`<!--- internal --->`, `<!-- internal: reason -->`, `<!-- begin internal -->`,
/// `<!-- private -->`, a zero-width space or an en dash inside): a public build would
/// publish what their author meant to hide, so each is an error.
pub fn near_misses(text: &str) -> Vec<Problem> {
    let exact: Vec<Range<usize>> = markers(text).into_iter().map(|m| m.span).collect();
    let mut out = Vec::new();
    for (at, _) in text.match_indices('<') {
        let rest = &text[at + 1..];
        let mut chars = rest.char_indices().skip_while(|(_, c)| invisible(*c) || *c == ' ');
        if chars.next().map(|(_, c)| c) != Some('!') {
            continue;
        }
        // The comment-like thing ends at the next `>`, within a line's reach.
        let Some(len) = rest
            .char_indices()
            .take(200)
            .find(|(_, c)| *c == '>' || *c == '\n')
            .filter(|(_, c)| *c == '>')
            .map(|(i, _)| i)
        else {
            continue;
        };
        let span = at..at + 1 + len + 1;
        if exact.contains(&span) {
            continue;
        }
        let inner: String = text[at + 1..span.end - 1]
            .chars()
            .filter(|c| !invisible(*c))
            .map(|c| if dash(c) { '-' } else { c.to_ascii_lowercase() })
            .collect();
        let words = inner.trim_matches(|c: char| c == '!' || c == '-' || c == '/' || c.is_whitespace());
        let words =
            ["begin", "start", "end", "stop"].iter().find_map(|w| words.strip_prefix(w)).map_or(words, |rest| {
                rest.trim_start_matches(|c: char| c == '-' || c == '_' || c.is_whitespace() || c == ':')
            });
        if MEANT.iter().any(|m| words.starts_with(m)) {
            out.push(Problem {
                span,
                message: "this looks like an internal marker but is not one, so a public build would publish what it hides",
                hint: "write the markers exactly as `<!-- internal -->` and `<!-- /internal -->` (no reason inside, no other dashes or words)",
            });
        }
    }
    out
}

/// Every marker problem of `text`: unpaired markers and near misses.
pub fn problems(text: &str) -> Vec<Problem> {
    let mut out = near_misses(text);
    out.extend(spans(text).err());
    out.sort_by_key(|p| p.span.start);
    out
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

/// `text` without its internal spans (borrowed when it has none), and nothing at all when
/// its markers do not pair up: guessing where a span ends could leak it.
pub fn remove(text: &str) -> Cow<'_, str> {
    let Ok(spans) = spans(text) else {
        return Cow::Borrowed("");
    };
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for span in spans {
        out.push_str(&text[from..span.start]);
        from = span.end;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
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
    fn near_misses_are_found_and_exact_markers_and_ordinary_comments_are_not() {
        let misses = [
            "<!--- internal --->",
            "<!-- internal: legal asked -->",
            "<!-- begin internal -->",
            "<!-- END INTERNAL -->",
            "<!-- private -->",
            "<!-- inter\u{200B}nal -->",
            "<!--\u{200B}internal-->",
            "<!\u{2013}- internal -->",
            "<!-- internal \u{2014}>",
            "<!-- /internal --->",
            "< !-- confidential -->",
            "<!-- internal-only -->",
        ];
        for miss in misses {
            let text = format!("a {miss} b");
            let found = near_misses(&text);
            assert_eq!(found.len(), 1, "{miss:?}: {found:?}");
            assert_eq!(&text[found[0].span.clone()], miss);
        }
        for fine in [
            "<!-- internal -->x<!-- /internal -->",
            "<!--INTERNAL-->x<!--  /Internal  -->",
            "<!-- TODO ask legal about internal numbers -->",
            "<!-- note -->",
            "a < b and c > d",
            "<!DOCTYPE html>",
        ] {
            assert_eq!(near_misses(fine), [], "{fine}");
        }
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
