//! Search in real headless Chromium: `tests/browser/search.mjs` drives Debian's Chromium
//! through playwright-core against the example archive, served by `hindsight serve` on
//! loopback and opened from file://, and compares its results with `hindsight search`.
//! Needs `chromium` and `npm ci --prefix tests/browser` (scripts/test installs both).

use std::path::Path;
use std::process::Command;

use crate::serve::Server;
use crate::site::Site;

/// Fails (never skips) when Chromium or playwright-core is missing.
pub fn require_chromium(browser_dir: &Path) {
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir() && Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Chromium and playwright-core: run scripts/test (it installs them), \
         or `apt-get install chromium` and `npm ci --prefix tests/browser`"
    );
}

#[test]
fn search_works_in_chromium_and_agrees_with_the_cli() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    require_chromium(&browser_dir);
    let site = Site::example();
    site.run(&["build", "--drafts"]).success();
    let server = Server::start(&site, &[]);
    let out = Command::new("node")
        .arg(browser_dir.join("search.mjs"))
        .env("HINDSIGHT_BIN", env!("CARGO_BIN_EXE_hindsight"))
        .env("HINDSIGHT_ROOT", site.root())
        .env("HINDSIGHT_OUT", site.public())
        .env("HINDSIGHT_URL", format!("http://{}/", server.addr))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}

/// Script an author (or anyone who can open a pull request) writes, in every place text
/// reaches a page: none of it may run in the public build, nor in the internal build
/// without `unsafe_html`.
const XSS: &[&str] = &[
    "<script>window.__xss = 1; alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)></svg>",
    "<details open ontoggle=alert(4)><summary>s</summary></details>",
    "<input autofocus onfocus=alert(5)>",
    "<iframe srcdoc=\"<script>parent.alert(6)</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(7)></style></mglyph></table></mtext></math>",
    "<a href=\"javascript:alert(8)\">a</a>",
    "[b](javascript:alert(9)) [c](JaVaScRiPt:alert(10)) <javascript:alert(11)> ![d](data:text/html,<script>alert(12)</script>)",
    "<object data=\"javascript:alert(13)\"></object><embed src=\"javascript:alert(14)\">",
    "<form action=\"javascript:alert(15)\"><button>go</button></form>",
    "<body onload=alert(16)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(17)\">",
    "<style>@import 'javascript:alert(18)';</style><div style=\"background:url(javascript:alert(19))\">x</div>",
    "\"><script>alert(20)</script>",
    "{{ 7*7 }}{% raw %}</script><script>alert(21)</script>",
];

#[test]
fn no_script_an_author_writes_runs_in_chromium() {
    let site = Site::fixture("public");
    let body: String = XSS.iter().map(|x| format!("{x}\n\n| cell |\n| --- |\n| {x} |\n\n")).collect();
    let one_line = XSS.join(" ").replace('"', "'");
    let yaml = |s: &str| serde_json::to_string(s).unwrap();
    // Titles and terms have length limits; each payload that fits goes in whole.
    let title = yaml(&[XSS[0], XSS[1], XSS[7]].join(" "));
    let terms = serde_json::to_string(&XSS.iter().filter(|x| x.chars().count() <= 100).collect::<Vec<_>>()).unwrap();
    site.write(
        "content/postmortems/xss.md",
        format!(
            "---\ntitle: {title}\ndate: 2024-01-02\nseverity: SEV-3\nvisibility: public\nstatus: closed\nservices: {terms}\ntags: {terms}\nteams: {terms}\nauthors: {terms}\nsummary: {t}\naction_items:\n  - title: {t}\n    owner: {t}\nnotes: {t}\n---\n\n## Summary\n\n{body}\n## Timeline\n\n- 2024-01-02 10:00 {one_line}\n",
            t = yaml(&one_line)
        ),
    );
    site.write(
        "content/external/xss.md",
        format!(
            "---\nurl: \"https://example.org/x\"\ntitle: {t}\ncompany: {t}\nsummary: {t}\n---\n\n{body}",
            t = yaml(&one_line)
        ),
    );
    let outs = [site.root().join("pub"), site.root().join("internal")];
    site.run(&["build", "--public", "--output", outs[0].to_str().unwrap()]).success();
    site.run(&["build", "--output", outs[1].to_str().unwrap()]).success();
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let out = Command::new("node")
        .arg(browser_dir.join("noscript.mjs"))
        .env("HINDSIGHT_OUTS", outs.clone().map(|p| p.display().to_string()).join(":"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" 0 failed") && !stdout.starts_with("0 passed"), "{stdout}");
    assert!(outs[0].join("postmortems/xss/index.html").exists());
}

/// Endings that make forms the archive never used from the words it did.
const SUFFIXES: &[&str] = &[
    "s", "es", "ed", "ing", "er", "ers", "ly", "ness", "ment", "ments", "ation", "ations", "ize", "ized", "izing",
    "ful", "less", "able", "ity", "ive", "ous", "al", "ally", "ist", "ists", "logist", "ings", "edly",
];

/// Lines that test the splitting, lowercasing and length rules rather than the stemmer.
const TRICKY: &[&str] = &[
    "Failover's FAILOVERS, p99-latency (k8s) v1.2.3 2024-03-12T14:02Z",
    "İstanbul ΣΊΣΥΦΟΣ ΟΔΟΣ Straße naïvely Café CAFÉS résumé",
    "ＡＢＣ full-width, 𝐀𝐁𝐂 mathematical, ①② circled, Ⅻ roman, ٣٤ arabic digits",
    "日本語のテキスト 한국어 текст العربية हिन्दी",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklm abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
    "ééééééééééééééééééé éééééééééééééééééééé",
    "emoji 🔥 split🔥words tab\there under_score dot.ted",
];

/// The browser's analysis (theme/static/porter2.js and analyze.js) gives the CLI index's
/// stems for every word of the repository's own texts and the forms made from them.
#[test]
fn the_browser_stems_every_word_as_the_cli_index_does() {
    use std::collections::BTreeSet;
    use std::io::Write;
    use tantivy::tokenizer::TokenStream;

    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        repo.join("tests/browser/node_modules/porter2").is_dir(),
        "the stemmer test needs porter2: run scripts/test, or `npm ci --prefix tests/browser`"
    );
    let vendored = Command::new(repo.join("scripts/vendor-porter2")).arg("--check").output().expect("bash runs");
    assert!(vendored.status.success(), "{}", String::from_utf8_lossy(&vendored.stderr));

    let mut words = BTreeSet::new();
    let texts = walkdir::WalkDir::new(repo.join("content"))
        .into_iter()
        .chain(walkdir::WalkDir::new(repo.join("tests/fixtures")))
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .chain([repo.join("README.md"), repo.join("ARCHITECTURE.md")]);
    for path in texts {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        words.extend(text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase));
    }
    let bases: Vec<String> = words.iter().filter(|w| w.chars().all(char::is_alphabetic)).cloned().collect();
    for suffix in SUFFIXES {
        words.extend(bases.iter().map(|b| format!("{b}{suffix}")));
    }
    assert!(words.len() >= 50_000, "only {} words", words.len());
    let lines: Vec<&str> = words.iter().map(String::as_str).chain(TRICKY.iter().copied()).collect();

    let mut analyzer = hindsight::search::analyzer();
    let expected: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut stream = analyzer.token_stream(line);
            let mut stems = Vec::new();
            while stream.advance() {
                stems.push(stream.token().text.clone());
            }
            stems.join(" ")
        })
        .collect();
    let mut node = Command::new("node")
        .arg(repo.join("tests/browser/stems.mjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = lines.join("\n") + "\n";
    let mut stdin = node.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = node.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(got.len(), lines.len());
    let differ: Vec<String> = lines
        .iter()
        .zip(expected.iter().zip(&got))
        .filter(|(_, (e, g))| e != g)
        .map(|(l, (e, g))| format!("{l:?}: CLI {e:?}, browser {g:?}"))
        .collect();
    assert!(differ.is_empty(), "{} of {} lines differ:\n{}", differ.len(), lines.len(), differ.join("\n"));
    println!("{} words and {} tricky lines analysed alike", words.len(), TRICKY.len());
}

/// Every page kind of the example archive, light and dark, through axe-core and the
/// design's own checks, and on a phone through the layout checks (`tests/browser/pages.mjs`).
#[test]
fn every_page_kind_passes_axe_and_the_design_checks() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    require_chromium(&browser_dir);
    assert!(
        browser_dir.join("node_modules/axe-core").is_dir(),
        "run `npm ci --prefix tests/browser` (scripts/test does)"
    );
    let site = Site::example();
    // Three a page, so the listings' later pages and their page links are checked too.
    site.patched("site.toml", "site.toml", &[("timezone = \"UTC\"\n", "timezone = \"UTC\"\nper_page = 3\n")]);
    site.run(&["build", "--drafts"]).success();
    let out = Command::new("node")
        .arg(browser_dir.join("pages.mjs"))
        .env("HINDSIGHT_OUT", site.public())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(" passed, 0 failed") && stdout.contains("ok - dark: postmortems/"), "{stdout}");
    assert!(stdout.contains("ok - dark: years/2024/page/2/"), "{stdout}");
    for factors in ["factors/", "factors/change/", "factors/recurring/", "reading/onboarding/"] {
        assert!(stdout.contains(&format!("ok - dark: {factors}")), "{factors} checked: {stdout}");
    }
}
