//! A postmortem's own page: its view (times in the site's zone, the timeline drawn with
//! its phases, links as the site resolves them).

use super::*;

#[derive(Serialize)]
struct Moment {
    label: &'static str,
    at: String,
    iso: String,
}

#[derive(Serialize)]
struct Duration {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Row {
    when: String,
    iso: String,
    /// Time since impact began, e.g. `+1 h 05 min`.
    offset: Option<String>,
    marks: Vec<&'static str>,
    /// Position along the drawn bar, in percent.
    pos: f64,
    /// A moment from the front matter that no entry is at.
    synthetic: bool,
    day_only: bool,
    /// Where the entry's block starts in the body.
    #[serde(skip)]
    block: Option<usize>,
}

/// A stretch of the incident between two of its moments (impact began -> detected ->
/// mitigated -> resolved), drawn as a band over the timeline.
#[derive(Serialize)]
struct Phase {
    /// `detect`, `mitigate` or `resolve`: what the stretch ended with.
    kind: &'static str,
    /// `Impact → detected`: between which moments, so it is not read as "time to resolve"
    /// (which runs from impact).
    label: String,
    duration: String,
    /// Where it starts and how long it is along the drawn bar, in percent.
    left: f64,
    width: f64,
}

#[derive(Serialize)]
struct Related<'a> {
    id: &'a str,
    title: Option<&'a str>,
    url: Option<String>,
}

#[derive(Serialize)]
pub struct PostmortemView<'a> {
    pm: &'a Postmortem,
    item: Item<'a>,
    moments: Vec<Moment>,
    durations: Vec<Duration>,
    body_before: String,
    body_after: Option<String>,
    toc: Vec<TocEntry>,
    timeline_zone: String,
    timeline: Vec<Row>,
    phases: Vec<Phase>,
    related: Vec<Related<'a>>,
    similar: Vec<SimilarView<'a>>,
    factors: Vec<FactorView<'a>>,
    /// Each action item's ticket, in order, when the build read a tracker snapshot.
    tickets: Vec<Option<&'a crate::model::Ticket>>,
    /// "First written …, last updated …" and the edit link.
    edit_url: Option<String>,
    /// The team whose `[[sources]]` repository holds the file, unless `teams` are hidden.
    source_team: Option<&'a str>,
    /// The link destinations the body asked about, in order: what the page's key needs.
    #[serde(skip)]
    pub links: Vec<String>,
}

#[derive(Serialize)]
struct SimilarView<'a> {
    item: Item<'a>,
    shared_services: &'a [String],
    shared_tags: &'a [String],
}

const MARKS: [(&str, &str); 4] =
    [("impact", "Impact began"), ("detected", "Detected"), ("mitigated", "Mitigated"), ("resolved", "Resolved")];

/// What becomes of each link in `pm`'s body on the site.
pub fn link_resolver<'a>(pm: &'a Postmortem, archive: &'a Archive) -> impl Fn(&str) -> Link + 'a {
    // Authors link postmortems as files (`../2024-02-14-x.md`), which works in their editor
    // and on the Git host; on the site those links go to the page.
    // `#Impact` written as on GitHub becomes the page's `#impact` (`check` has made sure
    // it exists; same-page links are matched by `html::render` itself).
    let loose = |f: &str| f.chars().any(|c| c.is_ascii_uppercase() || c == '%');
    let fragment = move |f: Option<&str>| match f {
        Some(f) if loose(f) => format!("#{}", loose_anchor(f)),
        Some(f) => format!("#{f}"),
        None => String::new(),
    };
    move |dest: &str| match classify(dest, &archive.config.base_url) {
        Target::File { path, fragment: f } => match archive.from_source(&resolve_relative(&pm.source, &path)) {
            Some(to) => Link::To(format!("../../{}{}", routes::postmortem(&to.id), fragment(f))),
            None => Link::Unlink,
        },
        // A page this build leaves out (a draft, or internal in a public build) must not
        // be linked, nor its id shown.
        Target::Page { id, .. } if !archive.by_id.contains_key(id.as_str()) => Link::Unlink,
        Target::Page { fragment: Some(f), .. } if loose(f) => {
            Link::To(format!("{}{}", &dest[..dest.len() - f.len() - 1], fragment(Some(f))))
        }
        // A file the build copied (`Archive::published_assets`): where it is in the site.
        Target::Asset { path } => match resolve_asset(&pm.source, &path).filter(|p| archive.assets.contains(p)) {
            Some(file) => Link::To(format!("../../{}", routes::asset(&file))),
            None => Link::Keep,
        },
        _ => Link::Keep,
    }
}

/// The view of postmortem `index`, given its `similar` ones.
pub fn postmortem_view<'a>(
    index: usize,
    archive: &'a Archive,
    hl: &Highlighter,
    similar: &'a [crate::model::similar::Similar],
) -> PostmortemView<'a> {
    let pm = &*archive.postmortems[index];
    let tz = archive.config.time_zone();
    let stamps = [pm.started_at, pm.detected_at, pm.mitigated_at, pm.resolved_at];
    let moments = MARKS
        .iter()
        .zip(stamps)
        .filter_map(|((_, label), t)| Some(Moment { label, at: show(t?, &tz), iso: t?.to_string() }))
        .collect();
    let durations =
        [("Time to detect", Span::Detect), ("Time to mitigate", Span::Mitigate), ("Time to resolve", Span::Resolve)]
            .into_iter()
            .filter_map(|(label, span)| Some(Duration { label, value: format_duration(pm.duration(span)?) }))
            .collect();
    let resolve = link_resolver(pm, archive);
    // The destinations asked about, for the page's key (`keys`).
    let asked = std::cell::RefCell::new(Vec::new());
    let link = |dest: &str| {
        asked.borrow_mut().push(dest.to_string());
        resolve(dest)
    };
    let (timeline, phases) = timeline_rows(pm, stamps);
    let rendered = html::render(&pm.body, hl, &timeline_marks(pm, &timeline), &link, archive.config.unsafe_html);
    let related = pm
        .related
        .iter()
        .map(|id| {
            let found = archive.get(id);
            Related { id, title: found.map(|p| p.title.as_str()), url: found.map(|p| routes::postmortem(&p.id)) }
        })
        .collect();
    PostmortemView {
        pm,
        item: Item::new(pm, archive),
        moments,
        durations,
        body_before: rendered.before,
        body_after: rendered.after,
        toc: rendered.toc,
        timeline_zone: pm.timeline.zone.clone(),
        timeline,
        phases,
        related,
        factors: factor_views(archive, index),
        tickets: pm.action_items.iter().map(|item| archive.ticket(item)).collect(),
        similar: similar
            .iter()
            .map(|s| SimilarView {
                item: Item::new(&archive.postmortems[s.index], archive),
                shared_services: &s.shared_services,
                shared_tags: &s.shared_tags,
            })
            .collect(),
        edit_url: match &pm.origin {
            // A `[[sources]]` postmortem is edited in its own repository.
            Some(o) => o.repository_url.as_ref().map(|repo| {
                let path = pm.source.strip_prefix(&o.dir).unwrap_or(&pm.source);
                routes::edit_url(repo, o.branch.as_deref().unwrap_or("main"), &o.repository_prefix, path)
            }),
            None => archive.config.repository_url.as_ref().map(|repo| {
                let branch = archive.branch.as_deref().unwrap_or("main");
                routes::edit_url(repo, branch, &archive.repository_prefix, &pm.source)
            }),
        },
        source_team: pm.origin.as_ref().map(|o| o.team.as_str()).filter(|t| pm.teams.iter().any(|x| x == t)),
        links: asked.into_inner(),
    }
}

/// What the page of postmortem `i` is made from, beside the view that reads it (a field
/// `postmortem_view` starts reading is hashed here): its own file (fingerprint, path, id,
/// history), its related postmortems' cards, what its similar ones are found among, the
/// others naming its factors, and where each link of its body (`links`) points now.
pub(in crate::output) fn postmortem_key(k: &mut Key, a: &Archive, parts: &Parts, i: usize, links: &[String]) {
    k.num(parts.own[i]);
    let pm = &a.postmortems[i];
    for id in &pm.related {
        k.str(id).num(a.by_id.get(id).map_or(0, |&r| parts.card[r]));
    }
    // What the similar postmortems are found among, rather than themselves:
    // finding them costs more than the rest of the key.
    for ((b, &by), names) in crate::model::similar::BY.iter().enumerate().zip([&pm.services, &pm.tags]) {
        let tax = a.taxonomy(by);
        for t in names.iter().filter_map(|name| tax.term_index(name)) {
            let (term, sums) = (&tax.terms[t], &parts.sums[b][t]);
            let past = crate::model::similar::past(term, i);
            k.str(&term.slug).num(sums[past.end].wrapping_sub(sums[past.start]));
        }
    }
    // "Also in": the other postmortems naming each factor.
    for f in &pm.contributing_factors {
        k.num(a.recurring_of(f).map_or(0, |r| parts.recurring[r]));
    }
    let resolve = link_resolver(pm, a);
    for dest in links {
        k.str(dest).json(&resolve(dest));
    }
}

fn show(t: Timestamp, tz: &TimeZone) -> String {
    Zoned::new(t, tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// Timeline entries with impact/detection/mitigation/resolution marked on the entry at the
/// same minute, or added as rows of their own when no entry matches; and the phases
/// between those moments, placed on the same bar.
fn timeline_rows(pm: &Postmortem, stamps: [Option<Timestamp>; 4]) -> (Vec<Row>, Vec<Phase>) {
    let zone = &pm.timeline.tz;
    let mut rows: Vec<(Timestamp, Row)> = pm
        .timeline
        .entries
        .iter()
        .map(|e| {
            (
                e.at,
                Row {
                    when: e.when.clone(),
                    iso: if e.day_only { e.day.to_string() } else { e.at.to_string() },
                    offset: None,
                    marks: vec![],
                    pos: 0.0,
                    synthetic: false,
                    day_only: e.day_only,
                    block: Some(e.block),
                },
            )
        })
        .collect();
    if rows.is_empty() {
        return (Vec::new(), Vec::new());
    }
    for ((mark, _), stamp) in MARKS.iter().zip(stamps) {
        let Some(t) = stamp else { continue };
        let same_minute = |(at, row): &&mut (Timestamp, Row)| {
            !row.day_only && at.duration_since(t).abs() < SignedDuration::from_secs(60)
        };
        match rows.iter_mut().find(same_minute) {
            Some((_, row)) => row.marks.push(mark),
            None => {
                let when = Zoned::new(t, zone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
                let row = Row {
                    when,
                    iso: t.to_string(),
                    offset: None,
                    marks: vec![mark],
                    pos: 0.0,
                    synthetic: true,
                    day_only: false,
                    block: None,
                };
                rows.push((t, row));
            }
        }
    }
    rows.sort_by_key(|(t, _)| *t);
    let first = rows[0].0;
    let span = rows[rows.len() - 1].0.duration_since(first).as_secs_f64();
    let origin = pm.started_at.unwrap_or(first);
    let pos = |t: Timestamp| {
        if span > 0.0 { (t.duration_since(first).as_secs_f64() / span * 1000.0).round() / 10.0 } else { 0.0 }
    };
    // Each known moment after impact ends a phase that began at the moment before it.
    let known: Vec<(usize, Timestamp)> = stamps.iter().enumerate().filter_map(|(i, t)| Some((i, (*t)?))).collect();
    let phases = known
        .windows(2)
        .filter(|w| w[0].1 <= w[1].1)
        .map(|w| Phase {
            kind: ["", "detect", "mitigate", "resolve"][w[1].0],
            label: format!(
                "{} → {}",
                ["Impact", "Detected", "Mitigated"][w[0].0],
                ["", "detected", "mitigated", "resolved"][w[1].0]
            ),
            duration: format_duration(w[1].1.duration_since(w[0].1)),
            left: pos(w[0].1),
            width: ((pos(w[1].1) - pos(w[0].1)) * 10.0).round() / 10.0,
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(t, mut row)| {
            row.pos = pos(t);
            let d = t.duration_since(origin);
            row.offset = Some(if d.is_negative() { format_duration(d) } else { format!("+{}", format_duration(d)) });
            row
        })
        .collect();
    (rows, phases)
}

/// The timeline's entries marked in the body where the author wrote them: the list item or
/// paragraph gets classes for its marks and its instant (`data-at`), and its offset and
/// mark labels go before the text.
fn timeline_marks(pm: &Postmortem, rows: &[Row]) -> TimelineMarks {
    let entries = rows
        .iter()
        .filter_map(|row| {
            let mut class = String::from("entry");
            let mut before = String::from("<span class=\"entry-meta\">");
            if row.day_only {
                class.push_str(" day");
            } else if let Some(offset) = &row.offset {
                before.push_str(&format!("<span class=\"offset\">{offset}</span>"));
            }
            for mark in &row.marks {
                let label = MARKS.iter().find(|(m, _)| m == mark).map_or("", |(_, label)| label);
                class.push_str(&format!(" mark-{mark}"));
                before.push_str(&format!(" <strong class=\"mark\">{label}</strong>"));
            }
            before.push_str("</span> ");
            Some((row.block?, (format!("class=\"{class}\" data-at=\"{}\"", row.iso), before)))
        })
        .collect();
    TimelineMarks { heading: pm.timeline.heading, entries }
}

/// A factor on its postmortem's page, and where else it appeared.
#[derive(Serialize)]
struct FactorView<'a> {
    statement: &'a str,
    kind: Option<&'a str>,
    /// Other postmortems naming it, newest first, a few of them.
    also: Vec<Item<'a>>,
    /// How many more there are, all on the recurring factor's page (`recurring_url`).
    more: usize,
    recurring_url: Option<String>,
}

/// Other postmortems a factor's entry links: the rest are on the factor's own page.
const ALSO: usize = 5;

fn factor_views<'a>(archive: &'a Archive, index: usize) -> Vec<FactorView<'a>> {
    let pm = &archive.postmortems[index];
    pm.contributing_factors
        .iter()
        .map(|f| {
            let recurring = archive.recurring_of(f).map(|r| &archive.recurring[r]);
            let others: Vec<usize> =
                recurring.map_or_else(Vec::new, |r| r.members.iter().copied().filter(|&m| m != index).collect());
            FactorView {
                statement: &f.statement,
                kind: f.kind.as_deref(),
                also: others.iter().take(ALSO).map(|&m| Item::new(&archive.postmortems[m], archive)).collect(),
                more: others.len().saturating_sub(ALSO),
                recurring_url: recurring.map(|r| routes::recurring(&r.slug)),
            }
        })
        .collect()
}
