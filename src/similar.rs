//! "Has this happened before?": for a postmortem, the earlier postmortems most like it,
//! scored by shared services and tags, then by shared words in title and summary.

use std::collections::{HashMap, HashSet};

use crate::model::{Archive, Postmortem, slugify};

/// How many similar postmortems a page lists.
pub const LIMIT: usize = 5;
/// Candidates from shared services and tags that get the (costlier) word comparison.
const CANDIDATES: usize = 25;
const SERVICE_WEIGHT: u32 = 3;
const TAG_WEIGHT: u32 = 2;

/// One similar postmortem and why.
pub struct Similar {
    /// Index into `Archive::postmortems`.
    pub index: usize,
    pub shared_services: Vec<String>,
    pub shared_tags: Vec<String>,
}

/// Words of title and summary that carry meaning (4+ letters, not a stop word).
fn words(pm: &Postmortem) -> HashSet<String> {
    const STOP: &[&str] =
        &["with", "from", "that", "this", "were", "when", "after", "into", "because", "minutes", "their", "than"];
    pm.title
        .split(|c: char| !c.is_alphanumeric())
        .chain(pm.summary.as_deref().unwrap_or("").split(|c: char| !c.is_alphanumeric()))
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 4 && !STOP.contains(&w.as_str()))
        .collect()
}

/// Up to `LIMIT` earlier postmortems like postmortem `index`, most similar first.
pub fn similar(archive: &Archive, index: usize) -> Vec<Similar> {
    let pm = &archive.postmortems[index];
    // Postmortems are newest first: the past is what comes after `index`.
    let mut scores: HashMap<usize, u32> = HashMap::new();
    for (key, names, weight) in [("services", &pm.services, SERVICE_WEIGHT), ("tags", &pm.tags, TAG_WEIGHT)] {
        let Some(tax) = archive.taxonomies.iter().find(|t| t.key == key) else { continue };
        for name in names {
            let slug = slugify(name);
            let Some(term) = tax.terms.iter().find(|t| t.slug == slug) else { continue };
            let past = term.members.partition_point(|&m| m <= index);
            for &m in &term.members[past..] {
                *scores.entry(m).or_default() += weight;
            }
        }
    }
    let mut candidates: Vec<(usize, u32)> = scores.into_iter().collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    candidates.truncate(CANDIDATES);
    let mine = words(pm);
    let mut ranked: Vec<(usize, f64)> = candidates
        .into_iter()
        .map(|(m, score)| {
            let theirs = words(&archive.postmortems[m]);
            let union = mine.union(&theirs).count().max(1);
            let jaccard = mine.intersection(&theirs).count() as f64 / union as f64;
            (m, f64::from(score) + 5.0 * jaccard)
        })
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
