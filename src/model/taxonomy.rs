//! Taxonomies (services, tags, severities, years, ...): each term with its members, in the
//! order listings show them.

use super::*;

/// Calls its second argument with each term a postmortem has in one taxonomy.
type TermsOf = dyn Fn(&Postmortem, &mut dyn FnMut(&str)) + Sync;

type TermOrder<'a> = dyn Fn(&str) -> (usize, String) + Sync + 'a;

/// The ways postmortems are grouped. Serialized as the URL segment templates see as `key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxonomyKind {
    Services,
    Severities,
    Tags,
    /// The kinds of the contributing factors.
    Factors,
    Years,
    Status,
    Teams,
}

impl TaxonomyKind {
    /// In the order of `Archive::taxonomies` and the navigation.
    pub const ALL: [TaxonomyKind; 7] = [
        TaxonomyKind::Services,
        TaxonomyKind::Severities,
        TaxonomyKind::Tags,
        TaxonomyKind::Factors,
        TaxonomyKind::Years,
        TaxonomyKind::Status,
        TaxonomyKind::Teams,
    ];

    /// The URL segment: `services`.
    pub fn key(self) -> &'static str {
        match self {
            TaxonomyKind::Services => "services",
            TaxonomyKind::Severities => "severities",
            TaxonomyKind::Tags => "tags",
            TaxonomyKind::Factors => "factors",
            TaxonomyKind::Years => "years",
            TaxonomyKind::Status => "status",
            TaxonomyKind::Teams => "teams",
        }
    }

    pub fn from_key(key: &str) -> Option<TaxonomyKind> {
        TaxonomyKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// (plural, singular) for headings.
    fn titles(self) -> (&'static str, &'static str) {
        match self {
            TaxonomyKind::Services => ("Services", "Service"),
            TaxonomyKind::Severities => ("Severities", "Severity"),
            TaxonomyKind::Tags => ("Tags", "Tag"),
            TaxonomyKind::Factors => ("Factors", "Factor kind"),
            TaxonomyKind::Years => ("Years", "Year"),
            TaxonomyKind::Status => ("Status", "Status"),
            TaxonomyKind::Teams => ("Teams", "Team"),
        }
    }
}

/// One way of grouping postmortems (services, severities, ...), with its terms in display order.
#[derive(Debug, Serialize)]
pub struct Taxonomy {
    #[serde(rename = "key")]
    pub kind: TaxonomyKind,
    pub title: &'static str,
    pub singular: &'static str,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    /// The term whose name slugs to the same as `name` (`Config Change` finds `config-change`).
    pub fn term(&self, name: &str) -> Option<&Term> {
        self.term_index(name).map(|i| &self.terms[i])
    }

    /// Where that term is in `terms`.
    pub fn term_index(&self, name: &str) -> Option<usize> {
        let slug = slugify(name);
        self.terms.iter().position(|t| t.slug == slug)
    }
}

#[derive(Debug, Serialize)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Indices into `Archive::postmortems`, newest first.
    #[serde(skip)]
    pub members: Vec<usize>,
    pub count: usize,
}

pub(super) fn build_taxonomies(config: &Config, pms: &[Arc<Postmortem>]) -> Vec<Taxonomy> {
    let group = |(kind, terms_of, order): (TaxonomyKind, &TermsOf, &TermOrder<'_>)| {
        // Keyed by slug: `Config Change` and `config-change` are one term with one page,
        // shown under the first spelling met (postmortems are newest first). Spellings
        // seen before skip the slugging: serve rebuilds this on every save.
        let mut terms: Vec<Term> = Vec::new();
        let mut by_slug: HashMap<String, usize> = HashMap::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, pm) in pms.iter().enumerate() {
            terms_of(pm, &mut |name| {
                let t = match by_name.get(name) {
                    Some(&t) => t,
                    None => {
                        let slug = slugify(name);
                        let t = *by_slug.entry(slug.clone()).or_insert_with(|| {
                            terms.push(Term { name: name.to_string(), slug, members: Vec::new(), count: 0 });
                            terms.len() - 1
                        });
                        by_name.insert(name.to_string(), t);
                        t
                    }
                };
                let members = &mut terms[t].members;
                if members.last() != Some(&i) {
                    members.push(i);
                }
            });
        }
        for term in &mut terms {
            term.count = term.members.len();
        }
        terms.sort_by_cached_key(|t| order(&t.name));
        let (title, singular) = kind.titles();
        Taxonomy { kind, title, singular, terms }
    };
    let alphabetical = |s: &str| (0, s.to_lowercase());
    let factor_kind = |s: &str| (config.factor_kinds.iter().position(|k| k == s).unwrap_or(usize::MAX), String::new());
    let kinds: [(TaxonomyKind, &TermsOf, &TermOrder<'_>); 7] = [
        (TaxonomyKind::Services, &|p, add| p.services.iter().for_each(|s| add(s)), &alphabetical),
        (TaxonomyKind::Severities, &|p, add| p.severity.iter().for_each(|s| add(s)), &|s| {
            (config.severity_rank(s), String::new())
        }),
        (TaxonomyKind::Tags, &|p, add| p.tags.iter().for_each(|t| add(t)), &alphabetical),
        (
            TaxonomyKind::Factors,
            &|p, add| p.contributing_factors.iter().filter_map(|f| f.kind.as_deref()).for_each(add),
            &factor_kind,
        ),
        (TaxonomyKind::Years, &|p, add| p.year().iter().for_each(|y| add(&y.to_string())), &|s| {
            (0, format!("{:>6}", 9999 - s.parse::<i32>().unwrap_or(0)))
        }),
        (TaxonomyKind::Status, &|p, add| add(p.status.as_str()), &|s| {
            (Status::ALL.iter().position(|st| st.as_str() == s).unwrap_or(9), String::new())
        }),
        (TaxonomyKind::Teams, &|p, add| p.teams.iter().for_each(|t| add(t)), &alphabetical),
    ];
    // Each kind on its own: they share nothing, and `serve` waits for all of them.
    kinds.into_par_iter().map(group).collect()
}
