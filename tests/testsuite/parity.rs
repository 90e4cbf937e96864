//! The browser finds what `hindsight search` finds: generated queries of every kind the
//! query language has, over the example archive and a synthetic archive of 1,000 more
//! postmortems, run by the CLI and by `search.js` in Chromium (tests/browser/parity.mjs);
//! the same documents for every query, in the same order for at least 98% of them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::rng::Rng;
use crate::site::Site;

/// Every word of the archive's Markdown files, in order (runs of letters and digits).
fn corpus_words(root: &Path) -> Vec<String> {
    let mut words = Vec::new();
    for dir in ["content/postmortems", "content/external"] {
        let files = walkdir::WalkDir::new(root.join(dir)).sort_by_file_name().into_iter().map(|e| e.unwrap());
        for file in files.filter(|e| e.file_type().is_file()).map(|e| e.into_path()) {
            let text = std::fs::read_to_string(file).unwrap();
            words.extend(text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string));
        }
    }
    words
}

const SERVICES: &[&str] =
    &["checkout", "payments", "dns", "search", "ledger", "auth", "cdn", "kafka", "email", "api-gateway"];
const TAGS: &[&str] =
    &["config-change", "database", "deploy", "dns", "network", "capacity", "retry-storm", "memory-leak"];
const TEAMS: &[&str] = &["Night Owls", "sre-core", "payments", "edge", "developer-experience"];
/// Names a bare word also finds: the synthetic services, tags and teams, and companies of
/// the example's other organisations (`Stack Exchange` by either word, `Status.io` as a
/// phrase).
const NAMES: &[&str] = &[
    "kafka",
    "ledger",
    "api-gateway",
    "gateway",
    "retry-storm",
    "storm",
    "owls",
    "\"night owls\"",
    "sre-core",
    "core",
    "developer-experience",
    "experience",
    "Twilio",
    "exchange",
    "\"stack exchange\"",
    "status.io",
    "spotify",
];
const AUTHORS: &[&str] = &["Lena Vogt", "Ivan Petrov", "Gus Moreau", "Ana Souza", "Kenji Mori"];
const STATUSES: &[&str] = &["draft", "in-review", "reviewed", "closed"];

/// Adds `n` postmortems made of the archive's own words to `site`.
fn add_synthetic(site: &Site, n: usize, words: &[String]) {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    // `min` to `min + spread` words in a row from the archive.
    let sentence = |rng: &mut Rng, min: usize, spread: usize| -> String {
        let len = min + rng.below(spread);
        let start = rng.below(words.len() - len);
        words[start..start + len].join(" ")
    };
    for i in 0..n {
        let title = sentence(&mut rng, 3, 6);
        let summary = sentence(&mut rng, 10, 30);
        let count = 1 + rng.below(6);
        let paragraphs: Vec<String> = (0..count).map(|_| sentence(&mut rng, 20, 120)).collect();
        let services: BTreeSet<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(SERVICES)).collect();
        let tags: BTreeSet<&str> = (0..rng.below(3)).map(|_| *rng.pick(TAGS)).collect();
        let authors: BTreeSet<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(AUTHORS)).collect();
        let teams: BTreeSet<&str> = (0..rng.below(3)).map(|_| *rng.pick(TEAMS)).collect();
        let list = |items: &BTreeSet<&str>| items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
        let text = format!(
            "---\ntitle: {title:?}\ndate: {}-{:02}-{:02}\nseverity: SEV-{}\nstatus: {}\nservices: [{}]\ntags: [{}]\nauthors: [{}]\nteams: [{}]\nsummary: {summary:?}\n---\n\n## Impact\n\n{}\n",
            2019 + rng.below(7),
            1 + rng.below(12),
            1 + rng.below(28),
            1 + rng.below(5),
            rng.pick(STATUSES),
            list(&services),
            list(&tags),
            list(&authors),
            list(&teams),
            paragraphs.join("\n\n## Root causes\n\n"),
        );
        site.write(&format!("content/postmortems/gen-{i:04}.md"), &text);
    }
}

/// A typo: one character removed, doubled, replaced or swapped with the next.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = 1 + rng.below(chars.len() - 2);
    match rng.below(4) {
        0 => {
            chars.remove(at);
        }
        1 => chars.insert(at, chars[at]),
        2 => chars[at] = if chars[at] == 'x' { 'q' } else { 'x' },
        _ => chars.swap(at, at + 1),
    }
    chars.into_iter().collect()
}

/// In random case: `DNS`, `Dns`, `dns`.
fn any_case(rng: &mut Rng, word: &str) -> String {
    match rng.below(3) {
        0 => word.to_uppercase(),
        1 => word.chars().enumerate().map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c }).collect(),
        _ => word.to_lowercase(),
    }
}

/// `n` queries of every class, from `words` (the archive's, in order).
fn queries(seed: u64, n: usize, words: &[String]) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let long: Vec<&String> =
        words.iter().filter(|w| w.chars().count() >= 6 && w.chars().all(char::is_alphabetic)).collect();
    let mut out = Vec::new();
    while out.len() < n {
        let w = rng.pick(words).clone();
        let l = rng.pick(&long).to_string();
        let at = rng.below(words.len() - 3);
        let name = *rng.pick(NAMES);
        let name = any_case(&mut rng, name);
        let q = match out.len() % 20 {
            0 => any_case(&mut rng, &w),
            1 => format!("{w} {}", rng.pick(words)),
            // Forms the archive may never use.
            2 => format!("{l}{}", rng.pick(&["s", "es", "ed", "ing", "ers", "ly"])),
            3 => typo(&mut rng, &l),
            4 => format!("\"{} {}\"", words[at], words[at + 1]),
            5 => format!("\"{} {} {}\"", words[at], words[at + 1], words[at + 2]),
            6 => {
                let (name, service) = (*rng.pick(&["service", "services", "Service"]), *rng.pick(SERVICES));
                format!("{name}:{}", any_case(&mut rng, service))
            }
            7 => {
                let (name, tag) = (*rng.pick(&["tag", "tags"]), *rng.pick(TAGS));
                format!("{name}:{} {w}", any_case(&mut rng, tag))
            }
            8 => format!("{w} OR {}", rng.pick(words)),
            9 => format!("{w} -{}", rng.pick(words)),
            10 => format!("year:{} -{w}", 2019 + rng.below(7)),
            11 => format!("{}*", &l[..3 + rng.below(3)]),
            12 => format!("title:{l}"),
            // A word cut short, without a star.
            13 => l[..l.len() - 1 - rng.below(2)].to_string(),
            14 => {
                let severity = format!("sev-{}", 1 + rng.below(5));
                let severity = any_case(&mut rng, &severity);
                let other = rng.pick(&[
                    "author:lena",
                    "authors:\"ivan petrov\"",
                    "status:closed",
                    "origin:external",
                    "company:github",
                ]);
                format!("severity:{severity} {other}")
            }
            // Names a bare word finds in services, tags, teams and companies.
            15 => name,
            16 => format!("{name} OR {}", rng.pick(NAMES)),
            17 => format!("{}*", name.trim_start_matches('"').chars().take(3 + rng.below(3)).collect::<String>()),
            18 => {
                let team = *rng.pick(TEAMS);
                let team = any_case(&mut rng, team);
                format!("{}:\"{team}\" -{}", rng.pick(&["team", "teams"]), rng.pick(NAMES))
            }
            _ => format!("{w} AND {} OR {}*", rng.pick(words), &l[..4]),
        };
        out.push(q);
    }
    out
}

/// The CLI's answer: every id in order, or the error.
fn cli(site: &Site, query: &str) -> Result<Vec<String>, String> {
    let run = site.run(&["search", "--json", "--limit", "100000", query]);
    if run.code != 0 {
        return Err(run.stderr);
    }
    Ok(crate::search::ids(&run.stdout))
}

/// The browser's answers, from Chromium on the built site.
fn browser(site: &Site, queries: &[String]) -> Vec<Result<Vec<String>, String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    crate::browser::require_chromium(&dir);
    let file = site.root().join("queries.json");
    std::fs::write(&file, serde_json::to_string(queries).unwrap()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("parity.mjs"))
        .env("HINDSIGHT_OUT", site.public())
        .env("HINDSIGHT_QUERIES", &file)
        .output()
        .expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    answers
        .into_iter()
        .map(|a| match a.get("error") {
            Some(e) => Err(e.as_str().unwrap_or("").to_string()),
            None => Ok(a["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()),
        })
        .collect()
}

/// Runs `queries` both ways; returns how many differ in order, printing every difference,
/// and fails on any difference in the set of documents.
fn compare(name: &str, site: &Site, queries: &[String]) -> usize {
    site.run(&["build", "--drafts"]).success();
    let expected: Vec<_> = queries.iter().map(|q| cli(site, q)).collect();
    let got = browser(site, queries);
    let (mut reordered, mut different, mut matched) = (0, Vec::new(), 0);
    for ((q, e), g) in queries.iter().zip(&expected).zip(&got) {
        match (e, g) {
            (Ok(e), Ok(g)) if e == g => matched += usize::from(!e.is_empty()),
            (Ok(e), Ok(g)) if e.iter().collect::<BTreeSet<_>>() == g.iter().collect::<BTreeSet<_>>() => {
                reordered += 1;
                println!("{name}: order differs for {q:?}:\n  cli     {e:?}\n  browser {g:?}");
            }
            (Err(_), Err(g)) => assert!(g.contains("unknown field"), "{q:?}: {g}"),
            _ => different.push(format!("{q:?}:\n  cli     {e:?}\n  browser {g:?}")),
        }
    }
    println!(
        "{name}: {} queries, {matched} with results, {} identical, {reordered} in another order, {} different sets",
        queries.len(),
        queries.len() - reordered - different.len(),
        different.len()
    );
    assert!(
        different.is_empty(),
        "{name}: the browser and the CLI found different documents:\n{}",
        different.join("\n")
    );
    assert!(matched * 2 > queries.len(), "{name}: most generated queries should find something ({matched})");
    reordered
}

#[test]
fn the_browser_finds_what_the_cli_finds_in_the_same_order() {
    let example = Site::example();
    let words = corpus_words(example.root());
    let small = queries(1, 200, &words);
    let reordered_small = compare("example", &example, &small);

    let synthetic = Site::example();
    add_synthetic(&synthetic, 1000, &words);
    let big = queries(2, 200, &corpus_words(synthetic.root()));
    let reordered_big = compare("synthetic 1k", &synthetic, &big);

    let total = small.len() + big.len();
    let reordered = reordered_small + reordered_big;
    assert!(reordered * 50 <= total, "{reordered} of {total} queries came out in another order (at most 2% may)");
}
