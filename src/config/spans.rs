//! Where each setting stands in `site.toml`, kept from its one parse.

use std::ops::Range;

/// Where each key and value of `site.toml` stands, by its path (`["sources", "0", "git"]`),
/// kept from the one parse of it: a finding about a setting, in `parse` or later (a source
/// that cannot be read), points at it rather than at a guess. Quoted strings are inside
/// their quotes.
#[derive(Clone, Debug, Default)]
pub struct Spans(std::collections::HashMap<Vec<String>, (Range<usize>, Range<usize>)>);

impl Spans {
    pub(super) fn read(text: &str, table: &toml::de::DeTable) -> Spans {
        type Out = std::collections::HashMap<Vec<String>, (Range<usize>, Range<usize>)>;
        /// Records one entry (a table's key, or an array's index) and what lies under it.
        fn entry(
            text: &str,
            path: &mut Vec<String>,
            step: String,
            key: Range<usize>,
            value: &toml::Spanned<toml::de::DeValue>,
            out: &mut Out,
        ) {
            path.push(step);
            out.insert(path.clone(), (unquoted(text, key), unquoted(text, value.span())));
            match value.get_ref() {
                toml::de::DeValue::Table(table) => {
                    table.iter().for_each(|(k, v)| entry(text, path, k.get_ref().to_string(), k.span(), v, out))
                }
                toml::de::DeValue::Array(items) => {
                    items.iter().enumerate().for_each(|(i, v)| entry(text, path, i.to_string(), v.span(), v, out))
                }
                _ => {}
            }
            path.pop();
        }
        let mut out = Out::new();
        table.iter().for_each(|(k, v)| entry(text, &mut Vec::new(), k.get_ref().to_string(), k.span(), v, &mut out));
        Spans(out)
    }

    /// The key of the setting at `path`, as written.
    pub fn key(&self, path: &[&str]) -> Option<Range<usize>> {
        self.get(path).map(|(key, _)| key.clone())
    }

    /// The value of the setting at `path` (an array's element by its index).
    pub fn value(&self, path: &[&str]) -> Option<Range<usize>> {
        self.get(path).map(|(_, value)| value.clone())
    }

    /// `field` of `[[sources]]` entry `i`, or the entry where it has none: where a finding
    /// about a source points.
    pub fn source(&self, i: usize, field: &str) -> Range<usize> {
        let entry = ["sources", &i.to_string()];
        self.value(&[entry[0], entry[1], field]).or_else(|| self.value(&entry)).unwrap_or(0..0)
    }

    /// TOML reports a bad list element (`ignore`, `hide_fields`) at the whole list; when
    /// the message names the value (`` `password` cannot be hidden ``), the value inside
    /// `span` written so.
    pub(super) fn narrow(&self, text: &str, span: Range<usize>, message: &str) -> Range<usize> {
        let named = message.strip_prefix('`').and_then(|m| m.split_once('`')).map(|(value, _)| value);
        let inside = |(_, value): &&(Range<usize>, Range<usize>)| {
            span.start <= value.start && value.end <= span.end && text.get(value.clone()) == named
        };
        self.0
            .values()
            .filter(|v| named.is_some() && inside(v))
            .map(|(_, value)| value.clone())
            .min_by_key(|v| v.start)
            .unwrap_or(span)
    }

    fn get(&self, path: &[&str]) -> Option<&(Range<usize>, Range<usize>)> {
        self.0.get(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }
}

/// A quoted key or string's span without its quotes, where a finding names the words.
fn unquoted(text: &str, span: Range<usize>) -> Range<usize> {
    let quoted = text.get(span.clone()).filter(|s| s.len() >= 2 && (s.starts_with('"') || s.starts_with('\'')));
    if quoted.is_some() { span.start + 1..span.end - 1 } else { span }
}
