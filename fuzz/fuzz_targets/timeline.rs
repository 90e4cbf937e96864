//! The timeline section read as entries, and single moments read as stamps.
#![no_main]

use hindsight::config::DateOrder;
use hindsight::ingest::timeline::{Reading, parse, read_moment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let extra = vec!["Chronology".to_string()];
    let day_first = Reading { names: &extra, order: Some(DateOrder::DayFirst) };
    let _ = parse(text, Some(jiff::civil::date(2024, 2, 29)), day_first);
    let _ = parse(text, None, Reading::default());
    for line in text.lines().take(64) {
        let _ = read_moment(line, 2024, &jiff::tz::TimeZone::UTC);
    }
});
