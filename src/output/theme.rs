//! The default theme, compiled into the binary, and a site's own `theme/` folder laid over
//! it file by file: `theme/templates/x.html` replaces the built-in `x.html`, and
//! `theme/static/y` replaces or adds `/static/y`.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::Environment;

use crate::diagnostics::{Diagnostic, Rule, Source};
use crate::model::TaxonomyKind;
use crate::routes;

macro_rules! builtin {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../theme/", $dir, "/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &[u8])] = builtin!("templates":
    "base.html", "macros.html", "index.html", "postmortems.html", "postmortem.html", "taxonomy.html", "term.html", "factor.html", "reading-lists.html", "reading-list.html",
    "external.html", "external-entry.html", "external-category.html", "404.html", "new.md", "action-items.html", "insights.html", "search.html",
);
const STATIC: &[(&str, &[u8])] =
    builtin!("static": "style.css", "favicon.svg", "search.js", "porter2.js", "analyze.js");

/// Templates ready to render and the static files to copy, after overrides.
pub struct Theme {
    pub env: Environment<'static>,
    pub statics: BTreeMap<String, Vec<u8>>,
    /// Template name -> (path shown in messages, source), to locate render errors.
    sources: BTreeMap<String, (String, String)>,
}

impl Theme {
    /// A hash of every template: pages made with other templates are not the same pages.
    pub fn fingerprint(&self) -> u128 {
        let mut k = super::keys::Key::default();
        for (name, (_, source)) in &self.sources {
            k.str(name).str(source);
        }
        k.finish()
    }
}

impl Theme {
    pub fn load(root: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut templates: BTreeMap<String, (String, Vec<u8>)> = TEMPLATES
            .iter()
            .map(|(n, b)| (n.to_string(), (format!("(built-in theme)/templates/{n}"), b.to_vec())))
            .collect();
        templates
            .extend(overrides(root, "theme/templates", &mut errors).map(|(name, shown, bytes)| (name, (shown, bytes))));
        let mut statics: BTreeMap<String, Vec<u8>> = STATIC.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
        statics.extend(overrides(root, "theme/static", &mut errors).map(|(name, _, bytes)| (name, bytes)));

        let mut env = Environment::new();
        env.add_filter("slug", |s: &str| crate::text::slugify(s));
        add_url_functions(&mut env);
        env.set_formatter(html_formatter);
        // Files end in a newline; generated ones (pages, new postmortems) should too.
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().keep_trailing_newline(true).build() {
            env.set_syntax(syntax);
        }
        let mut sources = BTreeMap::new();
        for (name, (shown, bytes)) in templates {
            let Ok(source) = String::from_utf8(bytes) else {
                errors.push(Diagnostic::file(Rule::Template, Path::new(&shown), "template is not valid UTF-8"));
                continue;
            };
            if let Err(e) = env.add_template_owned(name.clone(), source.clone()) {
                errors.push(template_error(&shown, &source, &e));
            }
            sources.insert(name, (shown, source));
        }
        if errors.is_empty() { Ok(Theme { env, statics, sources }) } else { Err(errors) }
    }

    /// Renders template `name`, turning failures into a diagnostic at the template's line.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, Diagnostic> {
        let result = self.env.get_template(name).and_then(|t| t.render(ctx));
        result.map_err(|e| {
            let failing = e.name().unwrap_or(name);
            match self.sources.get(failing) {
                Some((shown, source)) => template_error(shown, source, &e),
                None => Diagnostic::file(Rule::Template, Path::new(name), e.to_string()),
            }
        })
    }
}

/// URLs for templates, from `routes` (relative to the site root; prefix `root`):
/// `postmortem_url(id)`, `taxonomy_url("services")`, `term_url("tags", name)`,
/// `page_url("insights")`. Unknown names are template errors, not dead links.
fn add_url_functions(env: &mut Environment<'static>) {
    use minijinja::{Error, ErrorKind};
    let unknown = |what: &str, name: &str| Error::new(ErrorKind::InvalidOperation, format!("no {what} `{name}`"));
    let kind = move |key: &str| TaxonomyKind::from_key(key).ok_or_else(|| unknown("taxonomy", key));
    env.add_function("postmortem_url", |id: &str| routes::postmortem(id));
    env.add_function("taxonomy_url", move |key: &str| kind(key).map(routes::taxonomy));
    env.add_function("term_url", move |key: &str, name: &str| kind(key).map(|k| routes::term(k, name)));
    env.add_function("recurring_url", |slug: &str| routes::recurring(slug));
    env.add_function("page_url", move |name: &str| routes::named(name).ok_or_else(|| unknown("page", name)));
}

/// Escapes like the default formatter, minus `/`: minijinja writes it as `&#x2f;`, which
/// is valid but turns every URL in the output into noise for readers and tools.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let plain = matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && !value.is_undefined()
        && !value.is_none();
    if !plain {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = match value.as_str() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(value.to_string()),
    };
    pulldown_cmark_escape::escape_html(pulldown_cmark_escape::FmtWriter(out), &text)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

/// Files under `root/dir` as (name relative to dir, path for messages, bytes).
fn overrides(root: &Path, dir: &str, errors: &mut Vec<Diagnostic>) -> impl Iterator<Item = (String, String, Vec<u8>)> {
    let base = root.join(dir);
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&base).sort_by_file_name().into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.path().strip_prefix(&base).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
        let shown = format!("{dir}/{name}");
        match std::fs::read(entry.path()) {
            Ok(bytes) => found.push((name, shown, bytes)),
            Err(e) => errors.push(Diagnostic::file(Rule::Io, Path::new(&shown), format!("cannot read: {e}"))),
        }
    }
    found.into_iter()
}

/// A template error located in the template file, for syntax and render errors alike.
pub fn template_error(shown: &str, source: &str, e: &minijinja::Error) -> Diagnostic {
    let path = Path::new(shown);
    let mut detail = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        detail.push_str(&format!(": {c}"));
        cause = c.source();
    }
    let d = match (e.line(), e.range()) {
        (_, Some(range)) => Source::new(path, source).diagnostic(Rule::Template, range, detail),
        (Some(line), None) => {
            let src = Source::new(path, source);
            let at = src.offset_of(line, 1);
            src.diagnostic(Rule::Template, at..at, detail)
        }
        _ => Diagnostic::file(Rule::Template, path, detail),
    };
    d.with_hint("fix the template; the built-in templates in the hindsight repository's theme/ folder show the variables available")
}
