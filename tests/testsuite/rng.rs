//! The one random generator of the tests (xorshift): small, and seeded so that a failure
//! replays. A test that wants fresh randomness on each run takes `Rng::printed`, which says
//! its seed; `HINDSIGHT_TEST_SEED` gives it back.

pub struct Rng(u64);

impl Rng {
    /// A fixed sequence (xorshift never leaves 0, so 0 is taken as 1).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// `HINDSIGHT_TEST_SEED`, else one from the clock; printed either way under `test`.
    pub fn printed(test: &str) -> Rng {
        let seed = std::env::var("HINDSIGHT_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        });
        eprintln!("{test}: seed {seed} (HINDSIGHT_TEST_SEED={seed} replays it)");
        Rng::new(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
