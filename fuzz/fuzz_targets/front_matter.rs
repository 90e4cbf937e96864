//! Front matter split and deserialised into both schemas, findings printed.
#![no_main]

use std::path::Path;

use hindsight::ingest::read;
use hindsight::ingest::schema::{EXTERNAL_KEYS, POSTMORTEM_KEYS, RawExternal, RawPostmortem};
use hindsight_fuzz::print_all;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rel = Path::new("content/postmortems/fuzz.md");
    let mut found = match read::<RawPostmortem>(rel, data.to_vec(), POSTMORTEM_KEYS) {
        Ok((_, warnings)) => warnings,
        Err(d) => vec![d],
    };
    if let Err(d) = read::<RawExternal>(rel, data.to_vec(), EXTERNAL_KEYS) {
        found.push(d);
    }
    print_all(&mut found);
});
