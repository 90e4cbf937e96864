//! The hash caches compare files, pages and builds by. A postmortem's fingerprint and the
//! read cache's key for its file must be this same hash of the same bytes, so there is one
//! of it (xxh3, 128 bits: fast on whole files, and collisions are not a concern for a cache
//! keyed by files a person wrote).

/// The fingerprint of some bytes.
pub fn of(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Which hindsight this is: a hash of the source it was built from (`build.rs`). The build
/// caches trust only what the same source made, as any change to it may change the output,
/// whatever the version number says.
pub fn source() -> u128 {
    u128::from_str_radix(env!("HINDSIGHT_SOURCE_DIGEST"), 16).unwrap_or_default()
}
