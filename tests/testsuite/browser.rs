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
