//! `hindsight diff` as people and tools read it: a terminal summary (`human`), a Markdown
//! comment for a pull request with an annotation per file for the checks tab (`github`),
//! and one versioned JSON object (`json`). Every value is shown as the JSON export writes
//! it and every body change as a unified diff of the published text, so a reviewer sees
//! the bytes that would go out, not the file's.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostics::workflow_command;
use crate::model::diff::{Changed, Changes};
use crate::model::{Archive, Postmortem};
use crate::routes;
use crate::text::{escape_markdown as md, plural};

/// Bumped when a field of the JSON form changes meaning or disappears.
pub const JSON_VERSION: u32 = 1;

/// Body diff lines shown per postmortem in the terminal and the comment; JSON has all.
const DIFF_LINES: usize = 60;

/// The two builds compared and what differs between them.
pub struct Comparison<'a> {
    pub changes: Changes<'a>,
    /// The archive now (the working tree): its `base_url` and place in the repository.
    pub now: &'a Archive,
    /// Whether both are public builds.
    pub public: bool,
    /// What the reader named or the default picked (`origin/main`, `HEAD~3`).
    pub base: String,
    /// The commit that names, in full.
    pub base_commit: String,
}

impl Comparison<'_> {
    /// How each kind of difference is said, of one postmortem and of several: "becomes
    /// public" is what a public build is for.
    fn words(&self) -> [(&'static str, &'static str); 3] {
        if self.public {
            [
                ("becomes public", "become public"),
                ("changes", "change"),
                ("leaves the public archive", "leave the public archive"),
            ]
        } else {
            [("is added", "are added"), ("changes", "change"), ("is removed", "are removed")]
        }
    }

    fn build(&self) -> &'static str {
        if self.public { "public build" } else { "build" }
    }

    fn against(&self) -> String {
        format!("the {} at {} ({})", self.build(), self.base, short(&self.base_commit))
    }

    fn counts(&self) -> String {
        let c = &self.changes;
        let parts: Vec<String> = [c.added.len(), c.changed.len(), c.removed.len()]
            .into_iter()
            .zip(self.words())
            .filter(|(n, _)| *n > 0)
            .map(|(n, (one, many))| format!("{n} {}", if n == 1 { one } else { many }))
            .collect();
        if parts.is_empty() { "no difference".to_string() } else { parts.join(", ") }
    }

    fn url(&self, pm: &Postmortem) -> String {
        format!("{}{}", super::base_url(self.now), routes::postmortem(&pm.id))
    }

    /// The file as the repository names it (annotations are relative to its top).
    fn path(&self, pm: &Postmortem) -> String {
        self.now.repository_prefix.join(&pm.source).to_string_lossy().into_owned()
    }
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

/// A value as one line of JSON, `None` for a field the postmortem does not have.
fn value(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Bool(false) => None,
        v => Some(serde_json::to_string(v).unwrap_or_default()),
    }
}

/// A change as unified diff lines: each field's old and new value, then the body's hunks.
/// Cut after `limit` lines, saying how many more there were.
fn diff_lines(c: &Changed, limit: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for f in &c.fields {
        lines.extend(value(&f.old).map(|v| format!("- {}: {v}", f.field)));
        lines.extend(value(&f.new).map(|v| format!("+ {}: {v}", f.field)));
    }
    if c.body {
        lines.extend(body_diff(c).lines().map(str::to_string));
    }
    if lines.len() > limit {
        let more = lines.len() - limit;
        lines.truncate(limit);
        lines.push(format!("… {} more", plural(more, "line")));
    }
    lines
}

/// The published bodies' difference, hunks with one line of context.
fn body_diff(c: &Changed) -> String {
    let diff = similar::TextDiff::from_lines(&*c.old.body, &*c.new.body);
    diff.unified_diff().context_radius(1).to_string()
}

/// What changed, by name: `title, summary, body`.
fn what(c: &Changed) -> String {
    let mut names: Vec<&str> = c.fields.iter().map(|f| f.field.as_str()).collect();
    if c.body {
        names.push("body");
    }
    names.join(", ")
}

/// For the terminal: each postmortem on a line with its file, a change's diff indented.
pub fn human(cmp: &Comparison) -> String {
    let mut out = String::new();
    let [(added, _), (changed, _), (removed, _)] = cmp.words();
    let _ = writeln!(out, "{} of the working tree against {}: {}", capital(cmp.build()), cmp.against(), cmp.counts());
    let title = |pm: &Postmortem| serde_json::to_string(&pm.title).unwrap_or_default();
    for pm in &cmp.changes.added {
        let _ = writeln!(out, "\n+ {added}: {} ({}, {})", title(pm), pm.severity_shown(), pm.date_shown());
        let _ = writeln!(out, "    {} -> {}", pm.source.display(), cmp.url(pm));
    }
    for c in &cmp.changes.changed {
        let _ = writeln!(out, "\n~ {changed}: {} ({})", title(c.new), what(c));
        let _ = writeln!(out, "    {} -> {}", c.new.source.display(), cmp.url(c.new));
        for line in diff_lines(c, DIFF_LINES) {
            let _ = writeln!(out, "    {}", line.trim_end_matches('\n'));
        }
    }
    for pm in &cmp.changes.removed {
        let _ = writeln!(out, "\n- {removed}: {} ({}, {})", title(pm), pm.severity_shown(), pm.date_shown());
        let _ = writeln!(out, "    {} (at {}), was {}", pm.source.display(), short(&cmp.base_commit), cmp.url(pm));
    }
    out
}

fn capital(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// For a pull request comment: a heading, the counts, and a section per kind of
/// difference; every text from the archive escaped, diffs in fences no line can close.
pub fn markdown(cmp: &Comparison) -> String {
    let mut out = String::new();
    let [(added, _), (changed, _), (removed, _)] = cmp.words();
    let _ = writeln!(out, "### hindsight: what this change does to the {}\n", cmp.build());
    let _ = writeln!(out, "Compared with {}: **{}**.", md(&cmp.against()), md(&cmp.counts()));
    let link = |pm: &Postmortem| {
        let (severity, date) = (md(pm.severity_shown()), pm.date_shown());
        format!("[{}]({}) ({severity}, {date}), {}", md(&pm.title), cmp.url(pm), md(&cmp.path(pm)))
    };
    if !cmp.changes.added.is_empty() {
        let _ = writeln!(out, "\n#### {}\n", capital(added));
        for pm in &cmp.changes.added {
            let _ = writeln!(out, "- {}", link(pm));
        }
    }
    if !cmp.changes.changed.is_empty() {
        let _ = writeln!(out, "\n#### {}\n", capital(changed));
        for c in &cmp.changes.changed {
            let lines = diff_lines(c, DIFF_LINES);
            let fence = fence(&lines);
            let _ = writeln!(out, "- {}: {}", link(c.new), md(&what(c)));
            let _ = writeln!(out, "  <details><summary>The difference</summary>\n\n  {fence}diff");
            for line in lines {
                let _ = writeln!(out, "  {}", line.trim_end_matches('\n'));
            }
            let _ = writeln!(out, "  {fence}\n  </details>");
        }
    }
    if !cmp.changes.removed.is_empty() {
        let _ = writeln!(out, "\n#### {}\n", capital(removed));
        for pm in &cmp.changes.removed {
            let _ = writeln!(out, "- {}", link(pm));
        }
    }
    out
}

/// A fence of backticks longer than any run of them in `lines`, so none closes it early.
fn fence(lines: &[String]) -> String {
    let longest = lines.iter().flat_map(|l| l.split(|c| c != '`').map(str::len)).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// One workflow command per postmortem, for the pull request's checks and files: a
/// warning where something becomes public, notices for the rest.
pub fn annotations(cmp: &Comparison) -> String {
    let [(added, _), (changed, _), (removed, _)] = cmp.words();
    let mut out = String::new();
    let mut note = |kind: &str, pm: &Postmortem, title: &str, message: String| {
        let props = [("file", cmp.path(pm)), ("line", "1".to_string()), ("title", capital(title))];
        out.push_str(&workflow_command(kind, &props, &message));
        out.push('\n');
    };
    let kind = if cmp.public { "warning" } else { "notice" };
    for pm in &cmp.changes.added {
        note(kind, pm, added, format!("{:?} {added} at {}", pm.title, cmp.url(pm)));
    }
    for c in &cmp.changes.changed {
        note("notice", c.new, changed, format!("{:?}: {} {changed} at {}", c.new.title, what(c), cmp.url(c.new)));
    }
    for pm in &cmp.changes.removed {
        note("notice", pm, removed, format!("{:?} {removed}: {} will not be found", pm.title, cmp.url(pm)));
    }
    out
}

#[derive(Serialize)]
struct Entry<'a> {
    id: &'a str,
    title: &'a str,
    /// `null` while unknown, as in every export.
    severity: Option<&'a str>,
    date: Option<String>,
    /// The file, relative to the archive.
    path: &'a Path,
    url: String,
}

#[derive(Serialize)]
struct Field<'a> {
    field: &'a str,
    old: &'a Value,
    new: &'a Value,
}

#[derive(Serialize)]
struct ChangedEntry<'a> {
    #[serde(flatten)]
    entry: Entry<'a>,
    fields: Vec<Field<'a>>,
    /// The published bodies' unified diff, when they differ.
    body_diff: Option<String>,
}

#[derive(Serialize)]
struct Json<'a> {
    version: u32,
    audience: &'static str,
    base: &'a str,
    base_commit: &'a str,
    added: Vec<Entry<'a>>,
    changed: Vec<ChangedEntry<'a>>,
    removed: Vec<Entry<'a>>,
}

/// One JSON object: what was compared, and every difference in full.
pub fn json<'a>(cmp: &'a Comparison<'a>) -> String {
    let entry = |pm: &'a Postmortem| Entry {
        id: &pm.id,
        title: &pm.title,
        severity: pm.severity.as_deref(),
        date: pm.date.map(|d| d.to_string()),
        path: &pm.source,
        url: cmp.url(pm),
    };
    let changed = cmp
        .changes
        .changed
        .iter()
        .map(|c| ChangedEntry {
            entry: entry(c.new),
            fields: c.fields.iter().map(|f| Field { field: &f.field, old: &f.old, new: &f.new }).collect(),
            body_diff: c.body.then(|| body_diff(c)),
        })
        .collect();
    let json = Json {
        version: JSON_VERSION,
        audience: if cmp.public { "public" } else { "internal" },
        base: &cmp.base,
        base_commit: &cmp.base_commit,
        added: cmp.changes.added.iter().map(|&p| entry(p)).collect(),
        changed,
        removed: cmp.changes.removed.iter().map(|&p| entry(p)).collect(),
    };
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_fence_is_longer_than_any_run_of_backticks_inside() {
        assert_eq!(super::fence(&["plain".into()]), "```");
        assert_eq!(super::fence(&["+ ```rust".into(), "- ````".into()]), "`````");
    }
}
