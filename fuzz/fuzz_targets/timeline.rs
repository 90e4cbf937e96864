//! The timeline section read as entries, and single moments read as stamps.
#![no_main]

use hindsight::ingest::timeline::{parse, read_moment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let extra = vec!["Chronology".to_string()];
    let _ = parse(text, jiff::civil::date(2024, 2, 29), &extra);
    for line in text.lines().take(64) {
        let _ = read_moment(line, 2024, &jiff::tz::TimeZone::UTC);
    }
});
