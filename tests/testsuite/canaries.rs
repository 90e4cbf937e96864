//! The public build's promise, tested as an attacker would: a unique canary in every place
//! internal text can stand (every front matter field, every Markdown construct, every
//! marker spelling, left-out postmortems and their links, comments, settings), then every
//! output byte of `build --public` searched for each of them. Public sentinels next to the
//! canaries make sure the pages that would leak were built at all.

use std::collections::BTreeSet;

use crate::site::Site;

/// The marker spellings a public build must accept, used in turn.
const MARKERS: &[(&str, &str)] = &[
    ("<!-- internal -->", "<!-- /internal -->"),
    ("<!--internal-->", "<!--/internal-->"),
    ("<!-- INTERNAL -->", "<!-- /Internal -->"),
    ("<!--   internal   -->", "<!--  /internal  -->"),
];

/// Hands out canaries: `plain` for text that is internal by where it stands, `span` for
/// text inside markers.
#[derive(Default)]
struct Canaries {
    all: Vec<String>,
    /// In HTML comments, scripts, styles and attributes the sanitizer drops: not even the
    /// internal build shows them (nor indexes them for search).
    comments: BTreeSet<String>,
}

impl Canaries {
    fn plain(&mut self) -> String {
        let name = format!("INTCANARY-{:02}", self.all.len() + 1);
        self.all.push(name.clone());
        name
    }

    fn comment(&mut self) -> String {
        let name = self.plain();
        self.comments.insert(name.clone());
        name
    }

    fn span(&mut self) -> String {
        let (open, close) = MARKERS[self.all.len() % MARKERS.len()];
        let name = self.plain();
        format!("{open}{name}{close}")
    }

    /// A canary that is an id or a file name: lowercase.
    fn id(&mut self) -> String {
        self.plain().to_lowercase()
    }
}

fn public_postmortem(c: &mut Canaries, hidden: &str) -> String {
    let front = format!(
        r#"---
title: "Canary page PUBLIC-TITLE {}"
date: 2024-05-01
severity: SEV-2
status: closed
visibility: public
services: [checkout, "{}", "db{}"]
tags: [config-change, "{}"]
teams: [sre, "{}"]
authors: [Ann, "{}"]
responders: [{}]
incident_commander: {}
scribe: {}
summary: "Public summary PUBLIC-SUMMARY {}"
external_url: "https://status.example.com/{}"
related: [public-one, {hidden}]
started_at: 2024-05-01T10:00:00Z
resolved_at: 2024-05-01T10:20:00Z
action_items:
  - title: "Fix PUBLIC-ACTION {}"
    owner: {}
    link: "https://jira.example/{}"
    due: 2024-06-01
  - title: "{}"
    owner: Bob
    due: 2024-06-01
contributing_factors:
  - statement: "Public factor PUBLIC-FACTOR {}"
    kind: change
  - statement: "{}"
    kind: process
  - "Shared factor PUBLIC-SHARED"
surprises: ["Public surprise PUBLIC-SURPRISE {}", "{}"]
near_miss: true
runbook: "https://wiki.example/{}"
notes: [a, "{}"]
"oncall {}": primary
escalation: {{ "{}": pager, level: two }}
---
"#,
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.span(),
        c.span(),
        c.span(),
        c.plain(),
        c.plain(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
    );
    let (open, close) = MARKERS[0];
    let (open2, close2) = MARKERS[2];
    let body = format!(
        r#"
## Summary

Public body PUBLIC-BODY. {}

{open}
Block paragraph {}.
{close}

| Host | Role |
| --- | --- |
| web | {} |

```text
code PUBLIC-CODE {}
```

Inline code `{}` here.

## Impact {}

[link text {}](https://example.com/) and [link](https://example.com/{}).

![alt {}](https://example.com/x.png)

A footnote[^1].

[^1]: Note {}

> Quote {}

- item
  - nested {}

{open2}
### Secret heading {{#{}}}

<div class="x">{}</div>
{close2}

<!-- TODO {} ask legal -->

<!--
{} multi-line note
-->

Text with <!-- {} inline --> an inline comment, and <span title="{}">raw HTML</span>.

Links: [a](./../{hidden}/) [b](..//{hidden}/) [c](%2e%2e/{hidden}/) [d]({hidden}.md?x=1)
[e](https://pm.example.com/postmortems/{hidden}/) [f][ref] [g](../{hidden}/index.html#impact)

[ref]: ../{hidden}/#impact

Inline <script>window.{} = 1;</script> and <style>.{} {{ color: red }}</style> and <b onclick="{}" data-note="{}">bold</b>.

<script>
var {} = "block";
</script>

<style>
.{} {{ display: none }}
</style>

<div data-note="{}" onmouseover="{}">block text</div>

## Timeline

- 2024-05-01 10:00 Start PUBLIC-TIMELINE
- 10:05 {}Paged
{open}
- 10:10 {} entry
{close}
- 10:20 Resolved
"#,
        c.span(),
        c.plain(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.span(),
        c.id(),
        c.plain(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.span(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.comment(),
        c.span(),
        c.plain(),
    );
    front + &body
}

fn internal_postmortem(c: &mut Canaries, visibility: &str, status: &str) -> String {
    format!(
        r#"---
title: "{}"
date: 2024-04-01
severity: SEV-1
status: {status}
{visibility}
services: [checkout, {}]
tags: [{}]
teams: [{}]
authors: [{}]
summary: "{}"
action_items:
  - title: "{}"
    owner: {}
contributing_factors:
  - "Shared factor PUBLIC-SHARED"
  - statement: "{}"
    kind: change
ticket: "{}"
---

## Summary

{}
"#,
        c.plain(),
        c.id(),
        c.id(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.plain(),
        c.plain(),
    )
}

#[test]
fn no_internal_canary_reaches_any_output_byte_of_a_public_build() {
    let site = Site::fixture("public");
    let mut c = Canaries::default();
    let hidden = c.id();
    site.write(
        &format!("content/postmortems/{hidden}.md"),
        internal_postmortem(&mut c, "visibility: internal", "closed"),
    );
    site.write("content/postmortems/canary-default.md", internal_postmortem(&mut c, "", "closed"));
    site.write("content/postmortems/canary-draft.md", internal_postmortem(&mut c, "visibility: public", "draft"));
    site.write("content/postmortems/canary-public.md", public_postmortem(&mut c, &hidden));
    let toml = format!(
        "+++\ntitle = \"TOML page PUBLIC-TOML {}\"\ndate = 2024-05-02\nseverity = \"SEV-3\"\nstatus = \"closed\"\nvisibility = \"public\"\nservices = [\"search\", \"{}\"]\n+++\n\nBody {}.\n",
        c.span(),
        c.span(),
        c.span(),
    );
    site.write("content/postmortems/canary-toml.md", toml);
    site.write(
        "content/external/canary-external.md",
        format!("---\nurl: \"https://example.org/pm\"\ntitle: \"External PUBLIC-EXTERNAL {}\"\ncompany: Example\nsummary: \"Summary {}\"\n---\n\nBody {}\n", c.span(), c.span(), c.span()),
    );
    site.write(
        "site.toml",
        format!(
            "title = \"Canaries\"\nbase_url = \"https://pm.example.com/\"\ndefault_visibility = \"internal\"\nrepository_url = \"https://git.example/{}/postmortems\"\n",
            c.id()
        ),
    );
    assert!(c.all.len() >= 60, "only {} canaries", c.all.len());

    // The internal build shows every canary but those in comments, so each one stands
    // where a public build would have to leave it out.
    site.run(&["build", "--drafts"]).success();
    let internal = crate::public::output_text(&site);
    let missing: BTreeSet<String> = c
        .all
        .iter()
        .filter(|name| !internal.iter().any(|(_, text)| text.contains(&name.to_lowercase())))
        .cloned()
        .collect();
    assert_eq!(missing, c.comments, "canaries the internal build does not show");
    // Internal postmortems share a factor with the public one, which only they make recurring.
    let shared = "factors/recurring/shared-factor-public-shared/index.html";
    assert!(internal.iter().any(|(p, _)| p.ends_with(shared)), "the internal build has the recurring factor");

    let run = site.run(&["build", "--public"]).success();
    assert!(run.stdout.contains("built public archive"), "{}", run.stdout);
    let files = crate::public::output_text(&site);
    let mut leaks = Vec::new();
    for (path, text) in &files {
        for name in &c.all {
            if let Some(at) = text.find(&name.to_lowercase()) {
                let around = &text[text.floor_char_boundary(at.saturating_sub(60))..text.ceil_char_boundary(at + 40)];
                leaks.push(format!("{name} in {path}: …{around}…"));
            }
        }
        if !text.contains("intcanary") {
            continue;
        }
        if !c.all.iter().any(|name| text.contains(&name.to_lowercase())) {
            leaks.push(format!("{path} has an internal canary"));
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    for sentinel in [
        "public-title",
        "public-summary",
        "public-body",
        "public-code",
        "public-action",
        "public-timeline",
        "public-toml",
        "public-external",
        "public-factor",
        "public-surprise",
        "public-shared",
    ] {
        assert!(files.iter().any(|(_, t)| t.contains(sentinel)), "{sentinel} missing: the page was not built");
    }
    assert!(
        !files.iter().any(|(p, _)| p.ends_with(shared)),
        "a factor only the public one names recurs with left-out ones"
    );
    let kinds: BTreeSet<&str> = files.iter().filter_map(|(p, _)| p.rsplit('.').next()).collect();
    for kind in ["html", "xml", "json", "js", "css", "csv"] {
        assert!(kinds.contains(kind), "no .{kind} output was searched: {kinds:?}");
    }
}
