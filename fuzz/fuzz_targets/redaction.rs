//! The public build's promise: text between internal markers reaches no output byte.
//! Each `@@` in the input becomes an internal span holding a canary; when the public build
//! succeeds, no page, feed, JSON or search file may contain any canary, in any case.
#![no_main]

use hindsight::privacy::Audience;
use hindsight_fuzz::Site;
use libfuzzer_sys::fuzz_target;

const CANARY: &str = "zqcanaryzq";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.to_ascii_lowercase().contains(CANARY) {
        return; // a canary the input wrote itself is not a secret
    }
    let file = text.replace("@@", &format!("<!-- internal -->{CANARY}<!-- /internal -->"));
    let mut site = Site::shared(Audience::Public).lock().unwrap();
    site.load(file.as_bytes());
    let Some(archive) = site.assemble(false).archive else { return };
    for (path, bytes) in site.outputs(archive) {
        let lower = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert!(!lower.contains(CANARY), "internal text reached {path}");
    }
});
