//! The ticket tracker's export (`site.toml` `tracker_snapshot`): the state of each ticket
//! an action item links to, read from a file a CI step wrote (`gh issue list --json
//! number,state,url,title,closedAt`, or a Jira search export mapped by `[tracker]`). No
//! network at build time: the snapshot is as fresh as the step that wrote it.

use std::path::Path;

use crate::config::Tracker;
use crate::diagnostics::{Diagnostic, Rule, Source};
use crate::model::{Ticket, Tickets};

/// Reads the snapshot at `rel` (from the archive root) with the field mapping `fields`.
pub fn read(root: &Path, rel: &str, fields: &Tracker) -> Result<Tickets, Diagnostic> {
    let path = Path::new(rel);
    let text = std::fs::read_to_string(root.join(path)).map_err(|e| {
        Diagnostic::file(Rule::Io, path, format!("cannot read the tracker snapshot: {e}")).with_hint(
            "write it before the build, e.g. `gh issue list --state all --json number,state,url,title,closedAt > tickets.json`",
        )
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        // serde_json counts lines and columns from 1; point at that byte.
        let at = text.split_inclusive('\n').take(e.line().saturating_sub(1)).map(str::len).sum::<usize>()
            + e.column().saturating_sub(1);
        let at = at.min(text.len());
        Source::new(path, &text)
            .diagnostic(Rule::Io, at..at, format!("the tracker snapshot is not JSON: {e}"))
            .with_hint("write it with `gh issue list --json ...` or your tracker's JSON export")
    })?;
    let list = if fields.list.is_empty() { Some(&value) } else { lookup(&value, &fields.list) };
    let Some(entries) = list.and_then(|l| l.as_array()) else {
        let message = format!("the tracker snapshot has no list of tickets at `{}`", display(&fields.list));
        return Err(Diagnostic::file(Rule::Io, path, message)
            .with_hint("set `[tracker] list` in site.toml to where the tickets are (e.g. \"issues\")"));
    };
    let text_at = |entry: &serde_json::Value, field: &str| -> Option<String> {
        if field.is_empty() {
            return None;
        }
        match lookup(entry, field)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let tickets = entries
        .iter()
        .filter_map(|entry| {
            let state = text_at(entry, &fields.state)?;
            let open = !fields.closed.iter().any(|c| c.eq_ignore_ascii_case(&state));
            Some(Ticket {
                url: text_at(entry, &fields.url).map(|u| u.trim_end_matches('/').to_string()),
                key: text_at(entry, &fields.key),
                state,
                open,
            })
        })
        .collect();
    Ok(Tickets::new(tickets, crate::fingerprint::of(text.as_bytes())))
}

/// The value at a dotted path (`fields.status.name`).
fn lookup<'v>(value: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn display(list: &str) -> &str {
    if list.is_empty() { "the top" } else { list }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gh_and_jira_exports_map_to_tickets() {
        let dir = tempfile::tempdir().unwrap();
        let gh = r#"[{"number": 12, "state": "CLOSED", "url": "https://github.com/o/r/issues/12/", "title": "x", "closedAt": null},
                     {"number": 13, "state": "OPEN", "url": "https://github.com/o/r/issues/13", "title": "y"}]"#;
        std::fs::write(dir.path().join("gh.json"), gh).unwrap();
        let tickets = read(dir.path(), "gh.json", &Tracker::default()).unwrap();
        let t = tickets.find("https://github.com/o/r/issues/12").unwrap();
        assert_eq!((t.state.as_str(), t.open), ("CLOSED", false));
        assert!(tickets.find("https://github.com/o/r/issues/13/").unwrap().open);
        assert!(tickets.find("https://github.com/o/r/issues/14").is_none());

        let jira = r#"{"issues": [{"key": "OPS-7", "fields": {"status": {"name": "Done"}}}]}"#;
        std::fs::write(dir.path().join("jira.json"), jira).unwrap();
        let fields = Tracker {
            list: "issues".into(),
            url: String::new(),
            key: "key".into(),
            state: "fields.status.name".into(),
            closed: vec!["Done".into()],
        };
        let tickets = read(dir.path(), "jira.json", &fields).unwrap();
        let t = tickets.find("https://acme.atlassian.net/browse/OPS-7").unwrap();
        assert!(!t.open && t.state == "Done");
        assert!(tickets.find("https://acme.atlassian.net/browse/OPS-77").is_none());

        std::fs::write(dir.path().join("bad.json"), "[\n  {\"state\": }\n]").unwrap();
        let e = read(dir.path(), "bad.json", &Tracker::default()).unwrap_err();
        assert_eq!((e.line, e.col), (2, 13), "{e}");
        let e = read(dir.path(), "jira.json", &Tracker::default()).unwrap_err();
        assert!(e.message.contains("no list of tickets"), "{e}");
    }
}
