//! The module order ARCHITECTURE.md states is the one the code keeps: each top-level module
//! of `src/` uses only modules before it in that list (so there is no cycle), and none
//! reaches back up to an item of the crate root (`lib.rs` declares modules and `run`, and
//! holds nothing a stage could depend on). Read from the source text, as a newcomer would.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The list after "each lists only modules above it in this order:" in ARCHITECTURE.md.
fn stated_order(root: &Path) -> Vec<String> {
    let map = fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let start = map.lines().position(|l| l.starts_with("`text` ·")).expect("ARCHITECTURE.md states the module order");
    let list: Vec<&str> = map.lines().skip(start).take_while(|l| !l.trim().is_empty()).collect();
    list.join(" ").split('·').map(|m| m.trim().trim_matches('`').to_string()).collect()
}

/// Text without comments, so a doc comment naming `crate::x` is no use of it.
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The first name of every `crate::` path: `crate::a::b` and each top-level name of
/// `crate::{a, b::{c, d}}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        names.push(ident(group[start..i].trim()));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.push(ident(group[start..i].trim()));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

#[test]
fn modules_use_only_modules_before_them_and_nothing_of_the_crate_root() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let order = stated_order(root);
    let src = root.join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: Vec<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").and_then(|m| m.strip_suffix(';')))
        .map(str::to_string)
        .collect();
    let mut sorted_order = order.clone();
    sorted_order.sort();
    let mut sorted_declared = declared.clone();
    sorted_declared.sort();
    assert_eq!(sorted_order, sorted_declared, "ARCHITECTURE.md's order lists exactly the modules lib.rs declares");

    let rank: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let mut wrong = Vec::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if path.extension().is_none_or(|e| e != "rs") || top == "lib" || top == "main" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for used in crate_paths(&code(&text)) {
            match rank.get(used.as_str()) {
                None => wrong.push(format!("{}: uses `crate::{used}`, an item of the crate root", rel.display())),
                Some(&r) if r > rank[top.as_str()] => {
                    wrong.push(format!("{}: `{top}` uses `{used}`, which comes after it", rel.display()))
                }
                Some(_) => {}
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "against the order in ARCHITECTURE.md:\n{}", wrong.join("\n"));
}

#[test]
fn the_reader_of_crate_paths_sees_groups_and_ignores_comments() {
    let text = "use crate::{a, b::{c, d}, e};\n// crate::f\nlet x = crate::g::h(); crate::ContentErrors";
    assert_eq!(crate_paths(&code(text)), ["a", "b", "e", "g", "ContentErrors"]);
}
