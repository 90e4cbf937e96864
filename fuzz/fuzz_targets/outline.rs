//! A body's outline (sections, blocks, heading ids) and its HTML, sanitized and trusted.
#![no_main]

use hindsight::markdown::{Outline, plain_text};
use hindsight::output::Highlighter;
use hindsight::output::html::{Link, TimelineMarks, render, summary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let outline = Outline::parse(text);
    for block in &outline.blocks {
        for at in 0..=block.text.len() {
            assert!(block.body_offset(at) <= text.len(), "a block offset points past the body");
        }
    }
    let highlighter = Highlighter::default();
    let marks = TimelineMarks::default();
    let rendered = render(text, &highlighter, &marks, &|_| Link::Keep, false);
    assert!(!rendered.before.to_ascii_lowercase().contains("<script"), "a script survived the sanitizer");
    let _ = render(text, &highlighter, &marks, &|_| Link::Unlink, true);
    let _ = plain_text(text);
    let _ = summary(text);
});
