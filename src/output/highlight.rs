//! Fenced code highlighting with syntect. The page carries one short class per run of
//! text that has a colour (`hl-k` keyword, `hl-s` string, …), which the theme's `style.css`
//! colours with its own light and dark palette. Syntect's own HTML nests a span per scope
//! with every scope name as a class: the same look cost about half of a postmortem page's
//! bytes. Results are memoised per (language, code): postmortems quote the same commands
//! and configs again and again, and each distinct block is then highlighted once per build.
//! The memo holds at most `MEMO_BYTES` of code and HTML: an archive whose blocks are all
//! different gains nothing from it, and must not keep them all in memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use syntect::parsing::{BasicScopeStackOp, ParseState, Scope, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

/// What the memo may hold, in bytes of code and HTML; blocks met after that are
/// highlighted each time.
const MEMO_BYTES: usize = 32 << 20;

pub struct Highlighter {
    syntaxes: SyntaxSet,
    cache: RwLock<Memo>,
}

struct Memo {
    blocks: HashMap<(String, String), Arc<str>>,
    bytes: usize,
    limit: usize,
}

impl Default for Highlighter {
    fn default() -> Self {
        let memo = Memo { blocks: HashMap::new(), bytes: 0, limit: MEMO_BYTES };
        Highlighter { syntaxes: SyntaxSet::load_defaults_newlines(), cache: RwLock::new(memo) }
    }
}

impl Highlighter {
    /// HTML for a fenced block: `<pre><code>` with highlighted spans, or escaped text when
    /// the language is unknown (a wrong fence label must not lose the code).
    pub fn block(&self, lang: &str, code: &str) -> Arc<str> {
        let key = (lang.to_string(), code.to_string());
        if let Some(hit) = self.cache.read().unwrap_or_else(|e| e.into_inner()).blocks.get(&key) {
            return hit.clone();
        }
        let html: Arc<str> = self.uncached(lang, code).into();
        let mut memo = self.cache.write().unwrap_or_else(|e| e.into_inner());
        let size = key.0.len() + key.1.len() + html.len();
        if memo.bytes + size <= memo.limit && !memo.blocks.contains_key(&key) {
            memo.bytes += size;
            memo.blocks.insert(key, html.clone());
        }
        html
    }

    /// Highlights without the memo; public for the benchmark that measures the memo.
    pub fn uncached(&self, lang: &str, code: &str) -> String {
        let label = escape(lang);
        let plain = |class: String| format!("<pre class=\"code\"><code{class}>{}</code></pre>\n", escape(code));
        let Some(syntax) = (!lang.is_empty()).then(|| self.syntaxes.find_syntax_by_token(lang)).flatten() else {
            return plain(if lang.is_empty() { String::new() } else { format!(" class=\"language-{label}\"") });
        };
        let mut parser = ParseState::new(syntax);
        let mut runs = Runs::default();
        for line in LinesWithEndings::from(code) {
            let Ok(ops) = parser.parse_line(line, &self.syntaxes) else {
                return plain(format!(" class=\"language-{label}\""));
            };
            if runs.line(line, &ops).is_err() {
                return plain(format!(" class=\"language-{label}\""));
            }
        }
        format!(
            "<pre class=\"code hl-code\" data-lang=\"{label}\"><code class=\"language-{label}\">{}</code></pre>\n",
            runs.finish()
        )
    }
}

/// What a run of code looks like: its colour (a class suffix, `None` for the text colour)
/// and whether it is marked invalid.
#[derive(Clone, Copy, PartialEq, Default)]
struct Look {
    colour: Option<&'static str>,
    invalid: bool,
}

/// The HTML of one block as it is parsed: text goes out escaped, and a span opens only
/// where the look changes.
#[derive(Default)]
struct Runs {
    stack: ScopeStack,
    html: String,
    open: Look,
}

impl Runs {
    fn line(&mut self, line: &str, ops: &[(usize, syntect::parsing::ScopeStackOp)]) -> Result<(), ()> {
        let mut at = 0;
        for (i, op) in ops {
            if *i > at {
                self.text(&line[at..*i]);
                at = *i;
            }
            self.stack.apply_with_hook(op, |_: BasicScopeStackOp, _: &[Scope]| {}).map_err(|_| ())?;
        }
        self.text(&line[at..]);
        Ok(())
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let look = look(self.stack.as_slice());
        if look != self.open {
            if self.open != Look::default() {
                self.html.push_str("</span>");
            }
            if look != Look::default() {
                self.html.push_str("<span class=\"");
                let classes = [look.colour, look.invalid.then_some("i")];
                for (n, class) in classes.into_iter().flatten().enumerate() {
                    self.html.push_str(if n == 0 { "hl-" } else { " hl-" });
                    self.html.push_str(class);
                }
                self.html.push_str("\">");
            }
            self.open = look;
        }
        let _ = pulldown_cmark_escape::escape_html_body_text(&mut self.html, text);
    }

    fn finish(mut self) -> String {
        if self.open != Look::default() {
            self.html.push_str("</span>");
        }
        self.html
    }
}

/// A scope's own say on the colour, as the palette was designed over syntect's scope
/// names: a colour, "the colour around me" (punctuation, brackets), or nothing.
#[derive(Clone, Copy)]
enum Say {
    Colour(&'static str),
    Inherit,
    Nothing,
}

/// The look of text inside `scopes` (outermost first): each scope's say overrides what is
/// around it.
fn look(scopes: &[Scope]) -> Look {
    thread_local! {
        static ATOMS: RefCell<FxHashMap<Scope, Atoms>> = RefCell::default();
    }
    ATOMS.with_borrow_mut(|known| {
        let mut look = Look::default();
        let mut in_key = false;
        for scope in scopes {
            let atoms = *known.entry(*scope).or_insert_with(|| Atoms::of(&scope.build_string()));
            match atoms.say(in_key) {
                Say::Colour(c) => look.colour = Some(c),
                Say::Inherit | Say::Nothing => {}
            }
            look.invalid |= atoms.has("invalid");
            in_key |= atoms.has("key");
        }
        look
    })
}

/// The words of a scope's name that the palette looks at, as bits.
#[derive(Clone, Copy)]
struct Atoms(u32);

const WORDS: [&str; 21] = [
    "punctuation",
    "meta",
    "brackets",
    "entity",
    "tag",
    "name",
    "variable",
    "parameter",
    "other",
    "support",
    "type",
    "storage",
    "function",
    "option",
    "keyword",
    "constant",
    "numeric",
    "string",
    "comment",
    "invalid",
    "key",
];

impl Atoms {
    fn of(scope: &str) -> Atoms {
        Atoms(scope.split('.').filter_map(|a| WORDS.iter().position(|w| *w == a)).fold(0, |bits, i| bits | 1 << i))
    }

    fn has(self, word: &str) -> bool {
        WORDS.iter().position(|w| *w == word).is_some_and(|i| self.0 & 1 << i != 0)
    }

    /// The stylesheet this replaced, rule by rule: the most specific rule wins (two names
    /// over one), and of equals the later one.
    fn say(self, in_key: bool) -> Say {
        let has = |a| self.has(a);
        let both = |a, b| has(a) && has(b);
        if both("meta", "brackets") {
            Say::Inherit
        } else if both("entity", "tag") || both("name", "tag") || (in_key && has("string")) {
            Say::Colour("t")
        } else if both("variable", "parameter")
            || both("variable", "other")
            || both("support", "type")
            || both("storage", "type")
        {
            Say::Colour("v")
        } else if both("entity", "name") || both("support", "function") || both("variable", "function") {
            Say::Colour("f")
        } else if has("punctuation") {
            Say::Inherit
        } else if has("option") {
            Say::Colour("v")
        } else if has("keyword") || has("storage") {
            Say::Colour("k")
        } else if has("constant") || has("numeric") {
            Say::Colour("n")
        } else if has("string") {
            Say::Colour("s")
        } else if has("comment") {
            Say::Colour("c")
        } else {
            Say::Nothing
        }
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

    #[test]
    fn the_memo_stops_growing_at_its_limit() {
        let h = Highlighter::default();
        h.cache.write().unwrap().limit = 600;
        let blocks: Vec<Arc<str>> = (0..20).map(|n| h.block("rust", &format!("fn f{n}() {{}}\n"))).collect();
        let memo = h.cache.read().unwrap();
        assert!(memo.bytes <= 600 && memo.blocks.len() < 20 && !memo.blocks.is_empty(), "{}", memo.bytes);
        assert_eq!(memo.bytes, memo.blocks.iter().map(|((l, c), html)| l.len() + c.len() + html.len()).sum::<usize>());
        drop(memo);
        assert_eq!(&*h.block("rust", "fn f19() {}\n"), &*blocks[19], "past the limit, blocks are still highlighted");
    }

    #[test]
    fn one_flat_span_per_coloured_run() {
        let h = Highlighter::default();
        let json = h.uncached("json", "{\"p99_ms\": 1200, \"ok\": \"yes\"}\n");
        // A key is coloured as a name, the whole key with its quotes; values as what they are.
        assert!(json.contains(r#"<span class="hl-t">"p99_ms"</span>"#), "{json}");
        assert!(json.contains(r#"<span class="hl-n">1200</span>"#), "{json}");
        assert!(json.contains(r#"<span class="hl-s">"yes"</span>"#), "{json}");
        let bash = h.uncached("bash", "kubectl -n web get pods # why\n");
        assert!(bash.contains(r#"<span class="hl-f">kubectl</span>"#), "{bash}");
        assert!(bash.contains(r#"<span class="hl-v"> -n</span>"#), "{bash}");
        assert!(bash.contains(r#"<span class="hl-c"># why"#), "{bash}");
        for html in [&json, &bash] {
            let inner = &html[html.find("<code").unwrap()..];
            assert!(!inner.contains("<span class=\"hl-code"), "{html}");
            let (mut depth, mut max) = (0i32, 0);
            for piece in inner.split('<').skip(1) {
                depth += if piece.starts_with("span") {
                    1
                } else if piece.starts_with("/span") {
                    -1
                } else {
                    0
                };
                max = max.max(depth);
            }
            assert_eq!((depth, max), (0, 1), "spans never nest: {html}");
        }
    }
}
