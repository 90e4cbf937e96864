//! What the terminal gets: findings drawn by display width, colours only where they are
//! wanted (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`, a terminal or not), `--quiet` and `-v`,
//! and a progress bar only on a terminal. A pseudo-terminal comes from Python's `pty`.

use std::process::Command;

use crate::site::{Site, assert_contains};

const ESC: char = '\x1b';

/// What the outer environment may set that decides colours; each test sets its own.
const COLOUR_VARS: [&str; 4] = ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"];

/// A public postmortem whose line 8 has CJK, an emoji and a tab before an unclosed internal
/// span, and an escape sequence (clear screen) after it.
fn wide_site() -> Site {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/wide.md",
        "---\ntitle: \"決済の障害\"\ndate: 2024-03-12\nseverity: SEV-2\nservices: [checkout]\nvisibility: public\n---\n\
         支払い 🎉\t<!-- internal --> secret \x1b[2J\n",
    );
    site
}

/// Runs hindsight in `site` with the colour variables of the outer environment removed.
fn plain_env(site: &Site, args: &[&str]) -> Command {
    let mut cmd = site.command(args);
    for var in COLOUR_VARS {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn carets_stand_under_the_text_after_wide_characters_and_tabs() {
    let site = wide_site();
    let run: crate::site::Run = plain_env(&site, &["build", "--public"]).output().unwrap().into();
    let run = run.failure(1);
    assert_contains(&run.findings(), &["content/postmortems/wide.md:8:7: error[internal-marker]"]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("8 | ")).expect(&run.stderr);
    // 支払い is six columns wide, the emoji two, the tab four: the marker starts at column 14.
    assert_eq!(lines[at], "8 | 支払い 🎉    <!-- internal --> secret ␛[2J", "{}", run.stderr);
    assert_eq!(lines[at + 1], format!("  | {}{}", " ".repeat(13), "^".repeat(17)), "{}", run.stderr);
    assert!(!run.stderr.contains(ESC), "a file's escape sequence never reaches the terminal: {:?}", run.stderr);
}

#[test]
fn colours_follow_the_flag_then_no_color_then_clicolor_force() {
    let site = wide_site();
    let stderr = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = plain_env(&site, args);
        cmd.envs(env.iter().copied());
        String::from_utf8_lossy(&cmd.output().unwrap().stderr).into_owned()
    };
    let coloured = |s: &str| s.contains(&format!("{ESC}[1m{ESC}[91merror[internal-marker]"));
    let build = ["build", "--public"];
    assert!(!coloured(&stderr(&build, &[])), "piped: plain");
    assert!(coloured(&stderr(&build, &[("CLICOLOR_FORCE", "1")])), "CLICOLOR_FORCE colours a pipe");
    assert!(!coloured(&stderr(&build, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])), "NO_COLOR wins over it");
    let always = stderr(&["build", "--public", "--color", "always"], &[("NO_COLOR", "1")]);
    assert!(coloured(&always), "--color always is asked for by name");
    assert!(always.contains(&format!("{ESC}[1m{ESC}[91merror:{ESC}[0m 1 error in the archive")), "{always:?}");
    assert!(!coloured(&stderr(&["build", "--public", "--color", "never"], &[("CLICOLOR_FORCE", "1")])));
    // `check` prints its findings on standard output, and colours them by the same rules.
    let check = plain_env(&site, &["check", "--color", "always"]).output().unwrap();
    assert!(String::from_utf8_lossy(&check.stdout).contains(&format!("{ESC}[1m{ESC}[33mwarning[")));
}

/// Runs hindsight on a pseudo-terminal (standard output and error both): what a person at
/// a terminal sees, and how long it took.
fn on_terminal(site: &Site, args: &[&str], env: &[(&str, &str)]) -> (String, std::time::Duration) {
    const PTY: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
"#;
    let mut cmd = Command::new("python3");
    cmd.args(["-c", PTY, env!("CARGO_BIN_EXE_hindsight"), "--root"]).arg(site.root()).args(args);
    for var in COLOUR_VARS {
        cmd.env_remove(var);
    }
    cmd.env("TERM", "xterm-256color").envs(env.iter().copied());
    let started = std::time::Instant::now();
    let out = cmd.output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), started.elapsed())
}

#[test]
fn a_terminal_gets_colours_unless_no_color_is_set() {
    let site = wide_site();
    let (shown, _) = on_terminal(&site, &["build", "--public"], &[]);
    assert!(shown.contains(&format!("{ESC}[91merror[internal-marker]")), "{shown:?}");
    let (shown, _) = on_terminal(&site, &["build", "--public"], &[("NO_COLOR", "1")]);
    assert!(shown.contains("error[internal-marker]") && !shown.contains(ESC), "{shown:?}");
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_only() {
    let site = Site::fixture("good");
    let body = "## Summary\n\nThe API returned 502 for 12 minutes.\n";
    for i in 0..3000 {
        site.write(
            &format!("content/postmortems/gen/p{i}.md"),
            format!("---\ntitle: \"Incident {i}\"\ndate: 2024-01-02\nseverity: SEV-3\nservices: [api]\n---\n\n{body}"),
        );
    }
    let bar = |s: &str| s.contains("rendering pages") || s.contains("reading postmortems");
    // Shown at once rather than after a second, so a quick build on a fast machine has it.
    let now = [("HINDSIGHT_PROGRESS_DELAY_MS", "0")];
    let (shown, _) = on_terminal(&site, &["build"], &now);
    assert!(bar(&shown) && shown.contains("built archive of"), "{shown:?}");
    assert!(shown.contains("/3003"), "the bar counts the files read of all there are: {shown:?}");
    let mut piped = plain_env(&site, &["build"]);
    let piped: crate::site::Run = piped.envs(now).output().unwrap().into();
    assert!(!bar(&piped.success().stderr), "a pipe never gets one");
    let (quiet, _) = on_terminal(&site, &["build", "--quiet"], &now);
    assert!(!bar(&quiet) && !quiet.contains("built archive"), "--quiet: no bar, no summary: {quiet:?}");
    // A build shorter than the delay does not flicker one (a delay no build here reaches).
    let later = [("HINDSIGHT_PROGRESS_DELAY_MS", "600000")];
    let (quick, _) = on_terminal(&Site::fixture("good"), &["build"], &later);
    assert!(!bar(&quick) && quick.contains("built archive of"), "{quick:?}");
}

#[test]
fn quiet_says_only_what_is_wrong_and_verbose_says_more() {
    let site = Site::fixture("good");
    let quiet = site.run(&["build", "--quiet"]).success();
    assert_eq!(quiet.stdout, "", "no summary");
    assert!(quiet.stderr.contains("warning[unknown-key]"), "findings stay: {}", quiet.stderr);
    assert!(!quiet.stderr.contains("note:"), "{}", quiet.stderr);
    let check = site.run(&["check", "-q"]).success();
    assert!(!check.stderr.contains("checked"), "{}", check.stderr);
    let verbose = site.run(&["build", "-v"]).success();
    assert_contains(&verbose.stderr, &["  read ", "  render ", "  commit "]);
    assert!(verbose.stdout.contains("built archive of"), "{}", verbose.stdout);
    site.run(&["build", "-q", "-v"]).failure(2);
}

#[test]
fn search_shows_an_escape_sequence_in_a_title_as_a_symbol() {
    let site = Site::fixture("good");
    site.write(
        "content/postmortems/esc.md",
        "---\ntitle: \"Ledger \\e[2J cleared\"\ndate: 2024-03-12\nseverity: SEV-2\nservices: [ledger]\n---\n\nThe ledger \\e was cleared.\n",
    );
    let run = site.run(&["search", "ledger", "--color", "always"]).success();
    assert!(run.stdout.contains("Ledger ␛[2J cleared"), "{}", run.stdout);
    assert!(!run.stdout.contains("\x1b[2J"), "{:?}", run.stdout);
    assert!(run.stdout.contains("\x1b[1m"), "our own bold stays: {:?}", run.stdout);
}

#[test]
fn help_and_usage_errors_follow_color_too() {
    let site = Site::fixture("good");
    let out = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = plain_env(&site, args);
        let out = cmd.envs(env.iter().copied()).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(out(&["--color", "always", "--help"], &[]).contains(ESC));
    assert!(!out(&["--help"], &[]).contains(ESC));
    assert!(!out(&["--color=never", "--help"], &[("CLICOLOR_FORCE", "1")]).contains(ESC));
    let usage = out(&["build", "--colr", "--color=always"], &[]);
    assert!(usage.contains(&format!("{ESC}[1m{ESC}[31merror:")), "{usage:?}");
}
