//! hindsight where people already work: the pre-commit hook (`.pre-commit-hooks.yaml`) and
//! the GitHub Action (`action.yml`), each run as its host would run it.

use std::path::Path;
use std::process::Command;

use crate::site::{Site, assert_contains};

fn yaml(file: &str) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

/// Two postmortems with a finding each, named as a hook at the repository's top names them.
fn two_findings() -> Site {
    let site = Site::fixture("lint");
    let vague = [(
        "The API returned errors to 4% of requests for 60 minutes after a deploy.",
        "Latency increased and many users saw errors after a deploy.",
    )];
    site.patched("content/postmortems/clean.md", "content/postmortems/staged.md", &vague);
    site.patched("content/postmortems/clean.md", "content/postmortems/other.md", &vague);
    site
}

/// Every `cargo install` a reader or a workflow may run, in the files that tell them to.
fn install_commands() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> =
        ["README.md", "action.yml", ".pre-commit-hooks.yaml", "scripts/fuzz"].iter().map(|f| root.join(f)).collect();
    for dir in ["docs", "examples"] {
        let walk = walkdir::WalkDir::new(root.join(dir)).into_iter().filter_map(Result::ok);
        files.extend(
            walk.filter(|e| e.path().extension().is_some_and(|x| x == "md" || x == "yml")).map(|e| e.into_path()),
        );
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // A command runs to the end of its code span or line.
        for (at, _) in text.match_indices("cargo install ") {
            let end = text[at..].find(['`', '\n']).map_or(text.len(), |n| at + n);
            found.push((file.strip_prefix(root).unwrap().display().to_string(), text[at..end].to_string()));
        }
    }
    found
}

#[test]
fn every_install_command_builds_the_locked_dependencies() {
    let commands = install_commands();
    assert!(commands.iter().any(|(file, _)| file == "README.md"), "{commands:?}");
    let unlocked: Vec<_> = commands.iter().filter(|(_, c)| !c.contains("--locked")).collect();
    assert!(unlocked.is_empty(), "without --locked, cargo takes the newest dependencies: {unlocked:?}");
}

#[test]
fn the_pre_commit_hook_runs_check_on_the_staged_postmortems_only() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!((hook["id"].as_str(), hook["language"].as_str()), (Some("hindsight-check"), Some("rust")));
    // The same hook with the binary a person installed with the lock.
    let installed = &hooks[1];
    assert_eq!(installed["id"].as_str(), Some("hindsight-check-installed"));
    assert_eq!(installed["language"].as_str(), Some("system"));
    for key in ["entry", "files", "require_serial"] {
        assert_eq!(installed[key], hook[key], "{key}");
    }
    // pre-commit matches `files` with Python's `re.search`.
    let pattern = hook["files"].as_str().unwrap();
    let check =
        "import re, sys; p = re.compile(sys.argv[1]); print(' '.join(str(bool(p.search(f))) for f in sys.argv[2:]))";
    let paths = ["content/postmortems/a.md", "docs/pm/content/postmortems/b.md", "site.toml", "README.md", "src/x.rs"];
    let out = Command::new("python3").args(["-c", check, pattern]).args(paths).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "True True True False False");

    // As pre-commit runs it: the entry, then the staged file names, from the repository's top.
    let site = two_findings();
    let entry: Vec<&str> = hook["entry"].as_str().unwrap().split(' ').collect();
    assert_eq!(entry[0], "hindsight");
    let args: Vec<&str> = entry[1..]
        .iter()
        .copied()
        .chain(["--format", "json", "--today", "2024-07-01", "content/postmortems/staged.md"])
        .collect();
    let run = site.run_inside(&args);
    assert_contains(&run.stdout, &["content/postmortems/staged.md"]);
    assert!(!run.stdout.contains("other.md"), "{}", run.stdout);
    assert_contains(&run.stderr, &["checked 1 file: 0 errors, 2 warnings"]);
}

#[test]
fn the_action_runs_its_command_as_a_workflow_step_would() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let step = steps.iter().find(|s| s["id"].as_str() == Some("run")).unwrap();
    let script = step["run"].as_str().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_hindsight")).parent().unwrap();
    let site = two_findings();
    let outputs = site.root().parent().unwrap().join("github-output");
    let step = |command: &str, args: &str, output: &str| {
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        Command::new("bash")
            .args(["-e", "-c", script])
            .env("PATH", path)
            .env("COMMAND", command)
            .env("ROOT", site.root())
            .env("ARGS", args)
            .env("OUTPUT", output)
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .unwrap()
    };
    // check: findings as annotations, unless the workflow picked a format.
    let out = step("check", "--today 2024-07-01", "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_contains(&String::from_utf8_lossy(&out.stdout), &["::warning file=", "staged.md", "other.md"]);
    let out = step("check", "--format json", "");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with('{'));
    assert_contains(&std::fs::read_to_string(&outputs).unwrap(), &["version=hindsight "]);
    // build with arguments, and standard output into a file.
    let out_dir = site.root().parent().unwrap().join("out");
    let summary = site.root().parent().unwrap().join("summary.txt");
    let out = step("build", &format!("--drafts -o {}", out_dir.display()), summary.to_str().unwrap());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join("index.html").is_file());
    assert_contains(&std::fs::read_to_string(&summary).unwrap(), &["built archive of"]);
    // A failing command fails the step.
    assert!(!step("check", "--deny-warnings", "").status.success());
}
