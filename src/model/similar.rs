//! "Has this happened before?": for a postmortem, the earlier postmortems most like it,
//! scored by shared services and tags, then by shared words in title and summary.

use super::{Archive, Postmortem, TaxonomyKind, Term};

/// How many similar postmortems a page lists.
pub const LIMIT: usize = 5;
/// Candidates from shared services and tags that get the (costlier) word comparison.
const CANDIDATES: usize = 25;
/// How many of a term's most recent past postmortems are considered.
const PER_TERM: usize = 1000;
const SERVICE_WEIGHT: u32 = 3;

thread_local! {
    static SCRATCH: std::cell::RefCell<(Vec<u32>, Vec<usize>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}
const TAG_WEIGHT: u32 = 2;

/// One similar postmortem and why.
pub struct Similar {
    /// Index into `Archive::postmortems`.
    pub index: usize,
    pub shared_services: Vec<String>,
    pub shared_tags: Vec<String>,
}

/// Every postmortem's meaningful words of title and summary (4+ letters, not a stop
/// word), as sorted hashes, made for each postmortem the first time it is compared: a
/// build that makes one page compares a few dozen, not the archive.
pub struct Words(Vec<std::sync::OnceLock<Vec<u64>>>);

impl Words {
    pub fn new(count: usize) -> Words {
        Words((0..count).map(|_| std::sync::OnceLock::new()).collect())
    }

    fn of<'a>(&'a self, pms: &[std::sync::Arc<Postmortem>], i: usize) -> &'a [u64] {
        const STOP: &[&str] =
            &["with", "from", "that", "this", "were", "when", "after", "into", "because", "minutes", "their", "than"];
        self.0[i].get_or_init(|| {
            let pm = &pms[i];
            let text = [pm.title.as_str(), pm.summary.as_deref().unwrap_or("")];
            let mut set: Vec<u64> = text
                .iter()
                .flat_map(|s| s.split(|c: char| !c.is_alphanumeric()))
                .map(str::to_lowercase)
                .filter(|w| w.chars().count() >= 4 && !STOP.contains(&w.as_str()))
                .map(|w| xxhash_rust::xxh3::xxh3_64(w.as_bytes()))
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        })
    }

    /// Shared words over all words of postmortems `a` and `b`.
    fn jaccard(&self, pms: &[std::sync::Arc<Postmortem>], a: usize, b: usize) -> f64 {
        let (x, y) = (self.of(pms, a), self.of(pms, b));
        let (mut i, mut j, mut shared) = (0, 0, 0);
        while i < x.len() && j < y.len() {
            match x[i].cmp(&y[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        let union = x.len() + y.len() - shared;
        if union == 0 { 0.0 } else { shared as f64 / union as f64 }
    }
}

/// The taxonomies similar postmortems share terms of: services, then tags.
pub const BY: [TaxonomyKind; 2] = [TaxonomyKind::Services, TaxonomyKind::Tags];

/// Where in `term`'s members the ones postmortem `index` is compared with are: the most
/// recent `PER_TERM` before it (postmortems are newest first, so the past comes after it).
/// Nothing else of the term counts, which is what lets a page's key (`output::keys`) stand
/// for its similar postmortems without finding them.
pub fn past(term: &Term, index: usize) -> std::ops::Range<usize> {
    let start = term.members.partition_point(|&m| m <= index);
    start..(start + PER_TERM).min(term.members.len())
}

/// Up to `LIMIT` earlier postmortems like postmortem `index`, most similar first.
pub fn similar(archive: &Archive, words: &Words, index: usize) -> Vec<Similar> {
    let pm = &archive.postmortems[index];
    // Postmortems are newest first: the past is what comes after `index`. Scores go into
    // a per-thread array indexed by postmortem (no hashing on this hot path), and only the
    // most recent `PER_TERM` past members of each term count.
    let candidates = SCRATCH.with_borrow_mut(|(scores, touched)| {
        scores.resize(archive.postmortems.len(), 0);
        for (kind, names, weight) in [(BY[0], &pm.services, SERVICE_WEIGHT), (BY[1], &pm.tags, TAG_WEIGHT)] {
            let tax = archive.taxonomy(kind);
            for name in names {
                let Some(term) = tax.term(name) else { continue };
                for &m in &term.members[past(term, index)] {
                    if scores[m] == 0 {
                        touched.push(m);
                    }
                    scores[m] += weight;
                }
            }
        }
        let found: Vec<(usize, u32)> = touched.iter().map(|&m| (m, scores[m])).collect();
        for m in touched.drain(..) {
            scores[m] = 0;
        }
        found
    });
    // Thousands may share a term; only the best `CANDIDATES` are wanted, in order, so they
    // are selected in linear time before the few are sorted.
    let mut candidates = candidates;
    let order = |a: &(usize, u32), b: &(usize, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if candidates.len() > CANDIDATES {
        candidates.select_nth_unstable_by(CANDIDATES - 1, order);
        candidates.truncate(CANDIDATES);
    }
    candidates.sort_by(order);
    let mut ranked: Vec<(usize, f64)> = candidates
        .into_iter()
        .map(|(m, score)| (m, f64::from(score) + 5.0 * words.jaccard(&archive.postmortems, index, m)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(LIMIT)
        .map(|(m, _)| {
            let other = &archive.postmortems[m];
            let shared = |a: &[String], b: &[String]| a.iter().filter(|x| b.contains(x)).cloned().collect();
            Similar {
                index: m,
                shared_services: shared(&pm.services, &other.services),
                shared_tags: shared(&pm.tags, &other.tags),
            }
        })
        .collect()
}
