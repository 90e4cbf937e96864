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
    assert_contains(&run.stderr, &["checked 1 file against all 34 rules: 0 errors, 2 warnings"]);
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

/// The workflow `init` wrote into `dir`, and its first job's check run as a runner runs it
/// in a checkout of the archive: its exit status and what it printed.
fn workflow_check(dir: &Path) -> (serde_yaml_ng::Value, bool, String) {
    let text = std::fs::read_to_string(dir.join(".github/workflows/postmortems.yml")).unwrap();
    let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let steps = workflow["jobs"]["action"]["steps"].as_sequence().unwrap();
    let script = steps.iter().find_map(|s| s["run"].as_str()).unwrap().to_string();
    let out = Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(dir)
        .env("WORKFLOW_REF", "acme/postmortems/.github/workflows/postmortems.yml@refs/heads/main")
        .output()
        .unwrap();
    (workflow, out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_workflow_init_writes_names_the_action_or_fails_saying_which_lines_to_change() {
    let site = Site::fixture("good");
    let plain = site.root().join("plain");
    let run = site.run(&["init", plain.to_str().unwrap()]).success();
    let (workflow, ok, printed) = workflow_check(&plain);
    // Every job that uses the action waits for the check.
    let jobs = workflow["jobs"].as_mapping().unwrap();
    for (name, job) in jobs.iter().filter(|(name, _)| name.as_str() != Some("action")) {
        assert_eq!(job["needs"].as_str(), Some("action"), "{name:?}");
    }
    // The sentence `init` says is the one the job fails with.
    let sentence = "Replace YOUR-ORG/hindsight@v1 on lines ";
    let said = run.stdout.lines().find_map(|l| l.split_once(sentence)).map(|(_, rest)| rest).unwrap();
    let said = said.split(" (`hindsight init --action").next().unwrap();
    assert!(!ok, "{printed}");
    let error = format!("::error file=.github/workflows/postmortems.yml::{sentence}{said}");
    assert!(printed.contains(&error), "{error}\n{printed}");
    let file = plain.join(".github/workflows/postmortems.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("uses: YOUR-ORG/hindsight@v1"))
        .map(|(n, _)| (n + 1).to_string())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(said.starts_with(&format!("{} of .github/workflows/postmortems.yml", lines.join(","))), "{said}");
    // Replaced by hand: the check passes.
    std::fs::write(&file, text.replace("YOUR-ORG/hindsight@v1", "acme/hindsight@v1")).unwrap();
    assert!(workflow_check(&plain).1);

    // Named at init: every use of the action says it, and nothing is left to do.
    let named = site.root().join("named");
    let run = site.run(&["init", "--action", "acme/hindsight@v2", named.to_str().unwrap()]).success();
    assert!(!run.stdout.contains("Replace"), "{}", run.stdout);
    let (workflow, ok, printed) = workflow_check(&named);
    assert!(ok, "{printed}");
    let uses: Vec<&str> = workflow["jobs"]
        .as_mapping()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_sequence().unwrap())
        .filter_map(|step| step["uses"].as_str())
        .filter(|u| u.contains("hindsight"))
        .collect();
    assert_eq!(uses, ["acme/hindsight@v2"; 3]);
    let bad = site.run(&["init", "--action", "hindsight", named.to_str().unwrap()]).failure(2);
    assert!(bad.stderr.contains("expected OWNER/NAME@REF"), "{}", bad.stderr);
}
