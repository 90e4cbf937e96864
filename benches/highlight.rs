//! Where highlighting time goes: every fenced block of an archive highlighted on one thread,
//! on all threads, and through the per-build memo that `render` uses.
//!
//!     cargo bench --bench highlight -- DIR     (DIR: an archive, e.g. from gen_corpus.py)

use std::time::Instant;

use hindsight::output::Highlighter;
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use rayon::prelude::*;

fn blocks(root: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("content")).into_iter().filter_map(Result::ok) {
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let mut current: Option<(String, String)> = None;
        for event in Parser::new(&text) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                    current = Some((lang.to_string(), String::new()))
                }
                Event::Text(t) => {
                    if let Some((_, code)) = current.as_mut() {
                        code.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
                _ => {}
            }
        }
    }
    out
}

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench highlight -- ARCHIVE_DIR");
        return;
    };
    let blocks = blocks(std::path::Path::new(&dir));
    let lines: usize = blocks.iter().map(|(_, c)| c.lines().count()).sum();
    let distinct: std::collections::HashSet<_> = blocks.iter().collect();
    println!("{} blocks, {} distinct, {lines} lines", blocks.len(), distinct.len());

    // Each run uses a fresh highlighter so no memo carries over; the first block of each
    // language pays for compiling that grammar's regexes, as in a real build.
    let run = |name: &str, f: &dyn Fn(&Highlighter)| {
        let h = Highlighter::default();
        let t = Instant::now();
        f(&h);
        let s = t.elapsed().as_secs_f64();
        println!("{name:<28} {:>7.3} s  {:>9.0} lines/s", s, lines as f64 / s);
    };
    run("uncached, 1 thread", &|h| blocks.iter().for_each(|(l, c)| drop(h.uncached(l, c))));
    run("uncached, rayon", &|h| blocks.par_iter().for_each(|(l, c)| drop(h.uncached(l, c))));
    run("memoised, rayon", &|h| blocks.par_iter().for_each(|(l, c)| drop(h.block(l, c))));
}
