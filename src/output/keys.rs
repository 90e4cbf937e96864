//! What each page is made from, as one hash: its key. A page whose key is the one the
//! previous build recorded for it would come out as the bytes that build wrote, so the
//! build links that file instead of rendering it again (the build cache, in
//! `commands/build.rs`).
//!
//! A key covers every value of the archive the page's view reads, through the postmortems'
//! fingerprints (a hash of each file, with its history); what every page shares (settings,
//! theme, the binary, the navigation) is the cache's stamp, not part of each key. A new
//! kind of page, or a view that starts reading something new, must say so here: the
//! integration test `a_warm_build_makes_the_bytes_a_cold_build_makes` compares a cached
//! build with a fresh one after edits of every kind.

use std::io::Write;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::Renderer;

use super::pages::link_resolver;
use crate::model::{Archive, Postmortem, Term, similar};
use crate::routes::{EXPORT_CHUNK, Page, Table};

/// A 128-bit hash fed field by field (and serde values as JSON); strings are length-prefixed
/// so that no two sequences of fields hash alike by running together.
#[derive(Default)]
pub struct Key(Xxh3);

impl Key {
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.num(s.len() as u128);
        self.0.update(s.as_bytes());
        self
    }

    pub fn num(&mut self, n: u128) -> &mut Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    /// A string that may be missing (hashed unlike any string).
    pub fn opt(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.num(1).str(s),
            None => self.num(0),
        }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.num(b.len() as u128);
        self.0.update(b);
        self
    }

    /// A serde value as its JSON.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        let mut out = JsonSink(self, 0);
        let _ = serde_json::to_writer(&mut out, value);
        let len = out.1;
        self.num(len as u128)
    }

    pub fn finish(&self) -> u128 {
        self.0.digest128()
    }
}

/// Feeds JSON straight into the hash, counting its bytes.
struct JsonSink<'a>(&'a mut Key, usize);

impl Write for JsonSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.0.update(buf);
        self.1 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What pages' keys are made of, computed once per archive.
pub struct Parts {
    /// Per postmortem: its file's fingerprint, path, id and history.
    own: Vec<u128>,
    /// Per postmortem: what a listing shows of it (its `Item`) and what finding similar
    /// ones and a service's numbers read. Listings key on this, so an edit of a body
    /// changes its own page, not every list it is in.
    card: Vec<u128>,
    /// Per taxonomy and term: its members' cards.
    terms: Vec<Vec<u128>>,
    /// Per taxonomy similar postmortems are found through, per term: the sums of its first
    /// members' cards, so any run of members has a sum in two lookups (set-like: members
    /// keep an order their contents decide).
    sums: Vec<Vec<Vec<u128>>>,
    /// Per action-item view, and last the main page: the items it lists.
    listed: Vec<u128>,
    /// Every view's name and counts (the main page links them all).
    groups: u128,
    /// The external postmortems, all of them (their pages are few and cheap).
    external: u128,
    /// Per recurring factor: its statement, kinds and members' cards.
    recurring: Vec<u128>,
}

/// What a listing shows of a postmortem (its `Item`) and what finding similar ones and a
/// service's numbers read, field by field (hashing the serialized `Item` cost a warm build
/// a tenth of its time). Settings it reads (severity ranks, badges) are in the stamp.
fn card(pm: &Postmortem) -> u128 {
    let mut k = Key::default();
    k.str(&pm.id).str(&pm.title).opt(pm.date.map(|d| d.to_string()).as_deref()).opt(pm.severity.as_deref());
    k.str(pm.status.as_str());
    k.num(pm.visibility as u128).opt(pm.summary.as_deref()).num(u128::from(pm.near_miss));
    k.num(pm.contributing_factors.len() as u128);
    for f in &pm.contributing_factors {
        k.str(&f.statement).opt(f.kind.as_deref());
    }
    for list in [&pm.services, &pm.tags] {
        k.num(list.len() as u128);
        list.iter().for_each(|s| {
            k.str(s);
        });
    }
    for at in [pm.started_at, pm.detected_at, pm.mitigated_at, pm.resolved_at] {
        k.num(at.map_or(0, |t| t.as_nanosecond() as u128 + 1));
    }
    k.finish()
}

impl Parts {
    pub fn new(a: &Archive) -> Parts {
        let own: Vec<u128> = a
            .postmortems
            .par_iter()
            .map(|pm| {
                let source = pm.source.to_string_lossy();
                Key::default().num(pm.fingerprint).str(&source).str(&pm.id).json(&pm.history).json(&pm.origin).finish()
            })
            .collect();
        let card: Vec<u128> = a.postmortems.par_iter().map(|pm| card(pm)).collect();
        let terms = a
            .taxonomies
            .iter()
            .map(|t| {
                let members = |term: &Term| {
                    let mut k = Key::default();
                    term.members.iter().for_each(|&m| {
                        k.num(card[m]);
                    });
                    k.finish()
                };
                t.terms.iter().map(members).collect()
            })
            .collect();
        let sums = similar::BY
            .iter()
            .map(|&kind| {
                let sums = |t: &Term| {
                    let mut sum = 0u128;
                    let mut out = vec![0];
                    out.extend(t.members.iter().map(|&m| {
                        sum = sum.wrapping_add(card[m]);
                        sum
                    }));
                    out
                };
                a.taxonomy(kind).terms.iter().map(sums).collect()
            })
            .collect();
        // Each item once: the views list most items several times.
        let item: Vec<u128> = a
            .action_items
            .par_iter()
            .map(|t| {
                let item = &a.postmortems[t.postmortem].action_items[t.item];
                let mut k = Key::default();
                k.num(card[t.postmortem]).str(&item.title).opt(item.owner.as_deref()).opt(item.link.as_deref());
                k.opt(item.due.map(|d| d.to_string()).as_deref()).str(item.status.as_str());
                k.num(item.priority.map_or(0, |p| p as u128 + 1)).num(item.kind.map_or(0, |t| t as u128 + 1));
                k.num(t.overdue_days.map_or(0, |d| d as u128 + 1)).finish()
            })
            .collect();
        let items = |listed: &[usize]| {
            let mut k = Key::default();
            listed.iter().for_each(|&t| {
                k.num(item[t]);
            });
            k.finish()
        };
        let main: Vec<usize> = (0..a.open_action_items()).collect();
        let listed = a.action_groups.iter().map(|g| items(g.listed())).chain([items(&main)]).collect();
        let mut groups = Key::default();
        groups.str(&a.today.to_string()).num(a.action_items.len() as u128).num(main.len() as u128);
        for g in &a.action_groups {
            groups.json(&g.kind).str(&g.slug).str(&g.name).num(g.open as u128).num(g.overdue as u128);
            groups.num(g.items.len() as u128);
        }
        let external = Key::default().json(&a.external).finish();
        let recurring = a
            .recurring
            .iter()
            .map(|r| {
                let mut k = Key::default();
                k.str(&r.statement).json(&r.kinds);
                r.members.iter().for_each(|&m| {
                    k.num(card[m]);
                });
                k.finish()
            })
            .collect();
        Parts { own, card, terms, sums, listed, groups: groups.finish(), external, recurring }
    }
}

impl Renderer {
    /// The page's key, or `None` for the few pages that are always made (they sum up the
    /// whole archive, and cost little). `links` are the link destinations the page's
    /// Markdown asked about when it was last made: what they resolve to now is part of it.
    pub fn key(&self, page: Page, links: &[String]) -> Option<u128> {
        let a = &*self.archive;
        let parts = self.parts.get_or_init(|| Parts::new(a));
        let mut k = Key::default();
        k.str(&page.path(a));
        match page {
            Page::Postmortem(i) => {
                k.num(parts.own[i]);
                let pm = &a.postmortems[i];
                for id in &pm.related {
                    k.str(id).num(a.by_id.get(id).map_or(0, |&r| parts.card[r]));
                }
                // What the similar postmortems are found among, rather than themselves:
                // finding them costs more than the rest of the key.
                for ((b, &by), names) in similar::BY.iter().enumerate().zip([&pm.services, &pm.tags]) {
                    let tax = a.taxonomy(by);
                    for t in names.iter().filter_map(|name| tax.term_index(name)) {
                        let (term, sums) = (&tax.terms[t], &parts.sums[b][t]);
                        let past = similar::past(term, i);
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
            Page::PostmortemJson(i) => {
                k.num(parts.own[i]);
            }
            Page::Term(kind, t, _) => {
                k.num(parts.terms[kind as usize][t]);
            }
            Page::Recurring(r, _) => {
                k.num(parts.recurring[r]);
            }
            Page::ActionItems(group, _) => {
                k.num(parts.groups).num(parts.listed[group.unwrap_or(a.action_groups.len())]);
            }
            Page::Export(part) => {
                k.num(a.postmortems.len() as u128);
                let chunk = part * EXPORT_CHUNK..((part + 1) * EXPORT_CHUNK).min(a.postmortems.len());
                chunk.for_each(|i| {
                    k.num(parts.own[i]);
                });
            }
            Page::External | Page::ExternalEntry(_) | Page::ExternalCategory(..) => {
                k.num(parts.external);
            }
            // A row is a postmortem's own values (its action items' statuses among them).
            Page::Table(table @ (Table::Postmortems | Table::Void), part) => {
                k.num(a.postmortems.len() as u128);
                let rows = table.rows();
                let chunk = part * rows..((part + 1) * rows).min(a.postmortems.len());
                chunk.for_each(|i| {
                    k.num(parts.own[i]);
                });
            }
            // Overdue days change with the day: made every time, as the action items' page.
            // Few, and each shows postmortems from anywhere in the archive.
            Page::ReadingLists
            | Page::ReadingList(_)
            | Page::Home
            | Page::Table(Table::ActionItems, _)
            | Page::TaxonomyIndex(_)
            | Page::Insights
            | Page::Feed
            | Page::Sitemap(_)
            | Page::Search
            | Page::NotFound => return None,
        }
        Some(k.finish())
    }

    /// What every page shares (theme, settings, navigation, Git branch), hashed: with the
    /// binary and the build's options, the cache's stamp.
    pub fn stamp(&self) -> u128 {
        let a = &*self.archive;
        let mut k = Key::default();
        k.num(self.theme.fingerprint()).json(&a.config).json(&self.shared).json(&a.mixed_visibility);
        k.json(&a.branch).json(&a.repository_prefix).num(a.tickets.as_ref().map_or(0, |t| t.fingerprint)).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::card;
    use crate::config::Config;
    use crate::ingest::{convert, read, schema};
    use crate::model::Postmortem;
    use crate::privacy::Audience;

    const FRONT: &str = "title: Checkout down\ndate: 2024-01-02\nseverity: SEV-2\nstatus: closed\n\
        visibility: internal\nservices: [checkout]\ntags: [deploy]\nsummary: p99 grew to 1.2 s\n\
        started_at: 2024-01-02T10:00:00Z\ndetected_at: 2024-01-02T10:05:00Z\n\
        mitigated_at: 2024-01-02T10:30:00Z\nresolved_at: 2024-01-02T11:00:00Z";

    fn pm(front: &str, body: &str) -> Postmortem {
        let text = format!("---\n{front}\n---\n{body}");
        let path = Path::new("content/postmortems/checkout-down.md");
        let (loaded, _) = read::<schema::RawPostmortem>(path, text.into_bytes(), schema::POSTMORTEM_KEYS).unwrap();
        convert::postmortem(&Config::default(), &loaded, Audience::Internal).0.unwrap()
    }

    #[test]
    fn a_card_changes_with_what_listings_show_and_not_with_the_body() {
        let base = card(&pm(FRONT, "## Summary\n\nA deploy.\n"));
        assert_eq!(card(&pm(FRONT, "## Summary\n\nA deploy, and more text.\n")), base);
        for (old, new) in [
            ("title: Checkout down", "title: Checkout slow"),
            ("date: 2024-01-02", "date: 2024-01-03"),
            ("severity: SEV-2", "severity: SEV-1"),
            ("status: closed", "status: reviewed"),
            ("visibility: internal", "visibility: public"),
            ("services: [checkout]", "services: [checkout, cart]"),
            ("tags: [deploy]", "tags: [config]"),
            ("summary: p99 grew to 1.2 s", "summary: p99 grew to 1.3 s"),
            ("started_at: 2024-01-02T10:00:00Z", "started_at: 2024-01-02T09:00:00Z"),
            ("detected_at: 2024-01-02T10:05:00Z", "detected_at: 2024-01-02T10:06:00Z"),
            ("mitigated_at: 2024-01-02T10:30:00Z", "mitigated_at: 2024-01-02T10:31:00Z"),
            ("resolved_at: 2024-01-02T11:00:00Z", "resolved_at: 2024-01-02T12:00:00Z"),
            ("status: closed", "status: closed\nnear_miss: true"),
            ("status: closed", "status: closed\ncontributing_factors: [No canary]"),
            ("title: Checkout down", "id: other-id\ntitle: Checkout down"),
        ] {
            assert!(FRONT.contains(old), "{old}");
            assert_ne!(card(&pm(&FRONT.replace(old, new), "")), base, "{new}");
        }
    }
}
