//! One postmortem read, checked by every `check` rule, its findings printed, and the
//! internal archive rendered when it has no error.
#![no_main]

use hindsight::privacy::Audience;
use hindsight_fuzz::{Site, print_all};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut site = Site::shared(Audience::Internal).lock().unwrap();
    site.load(data);
    let mut assembled = site.assemble(true);
    print_all(&mut assembled.diagnostics);
    let assembled = site.assemble(false);
    if let Some(archive) = assembled.archive {
        let _ = site.outputs(archive);
    }
});
