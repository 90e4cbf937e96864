//! Search in real headless Chromium: `tests/browser/search.mjs` drives Debian's Chromium
//! through playwright-core against the example archive, served by `hindsight serve` on
//! loopback and opened from file://, and compares its results with `hindsight search`.
//! Needs `chromium` and `npm ci --prefix tests/browser` (scripts/test installs both).

use std::path::Path;
use std::process::Command;

use crate::serve::Server;
use crate::site::Site;

#[test]
fn search_works_in_chromium_and_agrees_with_the_cli() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir() && Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Chromium and playwright-core: run scripts/test (it installs them), \
         or `apt-get install chromium` and `npm ci --prefix tests/browser`"
    );
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
