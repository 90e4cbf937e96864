//! One file of a team's own folder converted as `hindsight import` converts it: whatever
//! the file holds, the conversion ends, and the postmortem it writes is read by a build
//! with no error (import's promise: the folder builds as it is, unknowns marked unknown).
#![no_main]

use hindsight::config::Config;
use hindsight::diagnostics::{Level, Rule};
use hindsight::import::{convert, is_postmortem};
use hindsight::privacy::Audience;
use hindsight_fuzz::Site;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if is_postmortem(text) {
        return;
    }
    let imported = convert("2024-03-01-fuzz", text, &Config::default());
    let mut site = Site::shared(Audience::Internal).lock().unwrap();
    site.load(imported.text.as_bytes());
    let assembled = site.assemble(false);
    let errors: Vec<String> = assembled
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error && !matches!(d.rule, Rule::UnknownRelated | Rule::BrokenLink | Rule::InternalMarker))
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "the imported file does not build: {errors:?}\n{}", imported.text);
});
