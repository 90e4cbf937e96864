//! What hindsight gives the shell: completion scripts that bash loads and completes with,
//! manual pages that `man` renders without a warning, and a `--version` naming the commit.

use std::process::Command;

use crate::site::{Site, assert_contains};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hindsight"))
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}: {}", cmd, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_loads_the_completions_and_completes_commands_and_flags() {
    let script = stdout(bin().args(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hindsight.bash");
    std::fs::write(&file, script).unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "set -e; source {file}; complete -p hindsight >/dev/null; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _hindsight hindsight '{last}' '{prev}'; echo \"${{COMPREPLY[@]}}\"",
            file = file.display(),
            words = words.join(" "),
            cword = words.len() - 1,
            last = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        stdout(Command::new("bash").args(["--norc", "-c", &program]))
    };
    assert_contains(&complete("hindsight bu"), &["build"]);
    assert_contains(&complete("hindsight diff --fa"), &["--fail-on-new"]);
    assert_contains(&complete("hindsight check --format "), &["human", "github", "json"]);
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        assert_contains(&stdout(bin().args(["completions", shell])), &["hindsight", "diff", "--fail-on-new"]);
    }
}

#[test]
fn man_renders_every_page_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    stdout(bin().args(["man", "--out"]).arg(dir.path()));
    let mut pages: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    pages.sort();
    for command in ["", "-build", "-serve", "-check", "-diff", "-digest", "-search", "-import", "-init", "-new", "-man"]
    {
        assert!(pages.contains(&format!("hindsight{command}.1")), "no hindsight{command}.1 in {pages:?}");
    }
    for page in &pages {
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(dir.path().join(page))
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let (text, warnings) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && warnings.is_empty(), "{page}: {warnings}");
        assert_contains(&text, &["NAME", "SYNOPSIS", page.trim_end_matches(".1")]);
    }
    let diff = stdout(bin().args(["man", "diff"]));
    assert_eq!(diff, std::fs::read_to_string(dir.path().join("hindsight-diff.1")).unwrap());
    let site = Site::fixture("good");
    assert_contains(&site.run(&["man", "nope"]).failure(2).stderr, &["`nope` is no hindsight command; pages: build,"]);
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let version = stdout(bin().arg("--version"));
    let head = stdout(
        Command::new("git")
            .args(["log", "-1", "--format=%h %cs", "--abbrev=12"])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(version, format!("hindsight {} ({})\n", env!("CARGO_PKG_VERSION"), head.trim()));
}
