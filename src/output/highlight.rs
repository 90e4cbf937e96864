//! Fenced code highlighting with syntect, emitting CSS classes (scope names) that the theme's
//! `style.css` colours with its own light and dark palette. Highlighting dominates build time, so results are memoised per
//! (language, code): postmortems quote the same commands and configs again and again, and
//! each distinct block is then highlighted once per build.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

pub struct Highlighter {
    syntaxes: SyntaxSet,
    cache: RwLock<HashMap<(String, String), Arc<str>>>,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter { syntaxes: SyntaxSet::load_defaults_newlines(), cache: RwLock::default() }
    }
}

impl Highlighter {
    /// HTML for a fenced block: `<pre><code>` with highlighted spans, or escaped text when
    /// the language is unknown (a wrong fence label must not lose the code).
    pub fn block(&self, lang: &str, code: &str) -> Arc<str> {
        let key = (lang.to_string(), code.to_string());
        if let Some(hit) = self.cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return hit.clone();
        }
        let html: Arc<str> = self.uncached(lang, code).into();
        self.cache.write().unwrap_or_else(|e| e.into_inner()).insert(key, html.clone());
        html
    }

    /// Highlights without the memo; public for the benchmark that measures the memo.
    pub fn uncached(&self, lang: &str, code: &str) -> String {
        let label = escape(lang);
        let Some(syntax) = (!lang.is_empty()).then(|| self.syntaxes.find_syntax_by_token(lang)).flatten() else {
            let class = if lang.is_empty() { String::new() } else { format!(" class=\"language-{label}\"") };
            return format!("<pre class=\"code\"><code{class}>{}</code></pre>\n", escape(code));
        };
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &self.syntaxes, STYLE);
        for line in LinesWithEndings::from(code) {
            if generator.parse_html_for_line_which_includes_newline(line).is_err() {
                return format!("<pre class=\"code\"><code class=\"language-{label}\">{}</code></pre>\n", escape(code));
            }
        }
        format!(
            "<pre class=\"code hl-code\" data-lang=\"{label}\"><code class=\"language-{label}\">{}</code></pre>\n",
            generator.finalize()
        )
    }
}

/// Minimal HTML escaping for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_and_unknown_ones_stay_readable() {
        let h = Highlighter::default();
        let rust = h.block("rust", "fn main() {}\n");
        assert!(rust.contains("hl-"), "{rust}");
        assert!(rust.contains("main"));
        let plain = h.block("nosuchlang", "a < b\n");
        assert!(plain.contains("a &lt; b"), "{plain}");
        assert!(!plain.contains("hl-"));
        assert!(Arc::ptr_eq(&rust, &h.block("rust", "fn main() {}\n")), "second lookup is cached");
    }
}
