//! What each page is made from, as one hash: its key. A page whose key is the one the
//! previous build recorded for it would come out as the bytes that build wrote, so the
//! build links that file instead of rendering it again (the build cache, `cache`, used by
//! `site`).
//!
//! A key covers every value of the archive the page's view reads, through the postmortems'
//! fingerprints (a hash of each file, with its history); what every page shares (settings,
//! theme, the binary, the navigation) is the cache's stamp, not part of each key. A new
//! kind of page, or a view that starts reading something new, must say so in its key (here,
//! or beside the view in `pages/`: `card`, `postmortem_key`): the
//! integration test `a_warm_build_makes_the_bytes_a_cold_build_makes` compares a cached
//! build with a fresh one after edits of every kind.

use std::io::Write;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::Renderer;

use crate::model::{Archive, Term, similar};
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
    pub(super) own: Vec<u128>,
    /// Per postmortem: what a listing shows of it (its `Item`) and what finding similar
    /// ones and a service's numbers read. Listings key on this, so an edit of a body
    /// changes its own page, not every list it is in.
    pub(super) card: Vec<u128>,
    /// Per taxonomy and term: its members' cards.
    pub(super) terms: Vec<Vec<u128>>,
    /// Per taxonomy similar postmortems are found through, per term: the sums of its first
    /// members' cards, so any run of members has a sum in two lookups (set-like: members
    /// keep an order their contents decide).
    pub(super) sums: Vec<Vec<Vec<u128>>>,
    /// Per action-item view, and last the main page: the items it lists.
    pub(super) listed: Vec<u128>,
    /// Every view's name and counts (the main page links them all).
    pub(super) groups: u128,
    /// The external postmortems, all of them (their pages are few and cheap).
    pub(super) external: u128,
    /// Per recurring factor: its statement, kinds and members' cards.
    pub(super) recurring: Vec<u128>,
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
        let card: Vec<u128> = a.postmortems.par_iter().map(|pm| super::pages::card(pm)).collect();
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
            Page::Postmortem(i) => super::pages::postmortem_key(&mut k, a, parts, i, links),
            Page::Postmortems(_) => super::pages::postmortems_key(&mut k, a, parts, page),
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
