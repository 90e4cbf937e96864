//! Small text helpers every stage shares: slugs for URLs, typo suggestions for messages,
//! plurals for summaries, and percent-encoding for links into other tools. A leaf module:
//! it imports nothing from the crate, so anything may use it.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// URL-safe lowercase form of a term: `Config Change` -> `config-change`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        return "-".to_string();
    }
    if trimmed.len() <= MAX_SLUG {
        return trimmed.to_string();
    }
    // A file name holds 255 bytes: a longer slug is cut, and a hash of the whole keeps
    // two long names that start alike apart.
    let mut cut = MAX_SLUG - 17;
    while !trimmed.is_char_boundary(cut) {
        cut -= 1;
    }
    let hash = trimmed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{}-{hash:016x}", trimmed[..cut].trim_end_matches('-'))
}

/// The longest slug, in bytes: with `.html` or `index.html` beside it, a file or folder
/// name stays well under the 255 bytes file systems allow.
const MAX_SLUG: usize = 120;

/// The candidate nearest to `word` when it is near enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `text` as Markdown shows it literally, on one line: characters Markdown would read as
/// markup (and `<`, which it would pass through as HTML) escaped, so a title written in a
/// postmortem cannot become a link or markup in a chat message or a pull request comment.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|' | '~' | '&') {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

/// Archive text as a terminal may show it: control characters (an escape sequence in a
/// title) as the symbols that stand for them (`␛`), so text from a file cannot move the
/// cursor or clear the screen; line breaks and tabs kept.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(control) {
        return text.into();
    }
    let symbol = |c: char| match c as u32 {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    };
    text.chars().map(|c| if control(c) { symbol(c) } else { c }).collect::<String>().into()
}

/// Characters a path segment of a URL must not carry as they are.
const SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>').add(b'?').add(b'`').add(b'{').add(b'}');

/// A `/`-separated path (a file in a repository, a branch) as it may stand in a URL:
/// every segment percent-encoded, the slashes kept.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(|s| utf8_percent_encode(s, SEGMENT).to_string()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_print_as_their_symbols() {
        assert_eq!(printable("a\x1b[2Jb\x07\x7f\u{9b}"), "a␛[2Jb␇␡\u{fffd}");
        assert!(matches!(printable("line\n\tnext"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn slugs_are_stable_and_safe() {
        assert_eq!(slugify("Config Change"), "config-change");
        assert_eq!(slugify("SEV-1"), "sev-1");
        assert_eq!(slugify("../etc"), "etc");
        assert_eq!(slugify(".."), "-");
        assert_eq!(slugify("??"), "-");
    }

    #[test]
    fn typo_suggestions_are_close_only() {
        let keys = ["severity", "services", "title"];
        assert_eq!(closest("sevrity", keys), Some("severity"));
        assert_eq!(closest("flavour", keys), None);
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(encode_path("docs/post mortems/a#1?.md"), "docs/post%20mortems/a%231%3F.md");
        assert_eq!(encode_path("café/x.md"), "caf%C3%A9/x.md");
        assert_eq!(plural(1, "file"), "1 file");
        assert_eq!(plural(0, "error"), "0 errors");
    }

    #[test]
    fn long_slugs_are_cut_and_stay_distinct() {
        let a = slugify(&format!("{} a", "ü".repeat(200)));
        let b = slugify(&format!("{} b", "ü".repeat(200)));
        assert!(a.len() <= MAX_SLUG && b.len() <= MAX_SLUG, "{}", a.len());
        assert_ne!(a, b);
        assert_eq!(a, slugify(&format!("{} a", "Ü".repeat(200))));
        assert_eq!(slugify("Config Change"), "config-change");
    }
}
