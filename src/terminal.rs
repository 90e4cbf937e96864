//! What a person at a terminal gets besides a command's output: colours, how much is said
//! (`--quiet`, `-v`) and a progress bar for long work. Decided once, from the command line
//! (`--color`) and the environment (`NO_COLOR`, `CLICOLOR_FORCE`, whether the stream is a
//! terminal), so that a command piped into a file or a CI log gets plain text and no bar.

use std::fmt::Display;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set (or `CLICOLOR_FORCE`
/// asks for colours anyway).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// How much a command says on standard error beyond its findings and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Verbosity {
    /// `--quiet`: findings and errors only; no notes, summaries or progress.
    Quiet,
    Normal,
    /// `-v`: also how long each stage of a build took.
    Verbose,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Sets the process's colours and verbosity; called once, before the command runs.
pub fn configure(color: ColorWhen, verbosity: Verbosity) {
    set_color(color);
    VERBOSITY.store(verbosity as u8, Ordering::Relaxed);
}

/// Sets the colours alone: clap's help and usage errors, printed before the command line
/// is parsed, follow them too (clap asks anstream, which reads this global).
pub fn set_color(color: ColorWhen) {
    ColorChoice::write_global(match color {
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    });
}

pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether what goes to standard error may carry colours.
pub fn stderr_colors() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != ColorChoice::Never
}

/// Whether what goes to standard output may carry colours (`check` prints findings there).
pub fn stdout_colors() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
}

/// `text` in `style` when standard error takes colours, else as it is.
fn paint(style: Style, text: &str) -> String {
    if stderr_colors() { format!("{style}{text}{style:#}") } else { text.to_string() }
}

/// The label of an error that ends a command, as the findings' `error` is drawn.
pub fn error_label() -> String {
    paint(Style::new().bold().fg_color(Some(AnsiColor::BrightRed.into())), "error:")
}

/// A note on standard error (what the command could not do and why that is fine), left out
/// with `--quiet`.
pub fn note(message: impl Display) {
    if verbosity() > Verbosity::Quiet {
        let label = paint(Style::new().bold().fg_color(Some(AnsiColor::BrightGreen.into())), "note:");
        suspend(|| eprintln!("{label} {message}"));
    }
}

/// A line on standard error saying what a command did ("checked 12 files: …"), left out
/// with `--quiet`.
pub fn status(message: impl Display) {
    if verbosity() > Verbosity::Quiet {
        suspend(|| eprintln!("{message}"));
    }
}

/// The bar being drawn, so that notes and findings printed meanwhile go above it instead
/// of through it.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `print` with the progress bar, if one is drawn, taken off the screen.
pub fn suspend<R>(print: impl FnOnce() -> R) -> R {
    let shown = SHOWN.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match shown {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// A writer for a command's output whose lines go above the progress bar, not through it,
/// when both reach the same terminal (`import` lists each file as it goes).
pub struct Above<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for Above<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        suspend(|| self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// How long work runs before it earns a progress bar: shorter work would only flicker.
/// `HINDSIGHT_PROGRESS_DELAY_MS` changes it (0: at once).
fn delay() -> Duration {
    let ms = std::env::var("HINDSIGHT_PROGRESS_DELAY_MS").ok().and_then(|v| v.parse().ok());
    Duration::from_millis(ms.unwrap_or(1000))
}

/// Whether a bar is drawn: only for a person watching a terminal who did not ask for
/// quiet, and only once the work has run for `delay`.
fn draws(stderr_is_terminal: bool, verbosity: Verbosity, running: Duration, delay: Duration) -> bool {
    stderr_is_terminal && verbosity > Verbosity::Quiet && running >= delay
}

/// A progress bar on standard error for a build or an import, in stages ("reading
/// postmortems", "rendering pages"). Cheap to clone and to advance from many threads; it
/// draws nothing until the work has run a second, and never when standard error is not a
/// terminal or with `--quiet`.
#[derive(Clone, Default)]
pub struct Progress {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    bar: ProgressBar,
    /// Dropped when the work ends, which wakes the thread waiting to show the bar.
    done: Mutex<Option<mpsc::Sender<()>>>,
}

impl Progress {
    /// A bar for the work starting now, or none at all when it could never be drawn.
    pub fn start() -> Progress {
        use std::io::IsTerminal;
        let delay = delay();
        if !draws(std::io::stderr().is_terminal(), verbosity(), delay, delay) {
            return Progress::default();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let (done, waiting) = mpsc::channel::<()>();
        let inner = Arc::new(Inner { bar, done: Mutex::new(Some(done)) });
        let weak = Arc::downgrade(&inner);
        std::thread::spawn(move || {
            if waiting.recv_timeout(delay) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let Some(inner) = weak.upgrade() else { return };
            // Under the lock `finish` takes: a bar is never shown after it was finished.
            let running = inner.done.lock().unwrap_or_else(PoisonError::into_inner);
            if running.is_some() {
                inner.bar.set_draw_target(ProgressDrawTarget::stderr());
                inner.bar.enable_steady_tick(Duration::from_millis(100));
                *SHOWN.lock().unwrap_or_else(PoisonError::into_inner) = Some(inner.bar.clone());
            }
        });
        Progress { inner: Some(inner) }
    }

    /// A new stage of `total` steps (0: a stage without steps to count, shown spinning).
    pub fn stage(&self, what: &'static str, total: usize) {
        let Some(inner) = &self.inner else { return };
        let template =
            if total == 0 { "{spinner} {msg} {elapsed}" } else { "{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}" };
        if let Ok(style) = ProgressStyle::with_template(template) {
            inner.bar.set_style(style.progress_chars("=> "));
        }
        inner.bar.set_message(what);
        inner.bar.set_length(total as u64);
        inner.bar.set_position(0);
    }

    /// One step of the stage done.
    pub fn inc(&self) {
        if let Some(inner) = &self.inner {
            inner.bar.inc(1);
        }
    }

    /// Takes the bar off the screen for good, before the command's last words.
    pub fn finish(&self) {
        if let Some(inner) = &self.inner {
            inner.finish();
        }
    }
}

impl Inner {
    fn finish(&self) {
        let mut running = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        if running.take().is_some() {
            self.bar.finish_and_clear();
            SHOWN.lock().unwrap_or_else(PoisonError::into_inner).take();
        }
    }
}

impl Drop for Inner {
    /// A command that fails part way still leaves a clean line behind.
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_drawn_only_on_a_terminal_without_quiet_after_a_second() {
        let (second, long) = (Duration::from_secs(1), Duration::from_millis(1500));
        assert!(draws(true, Verbosity::Normal, long, second));
        assert!(draws(true, Verbosity::Verbose, second, second));
        assert!(!draws(false, Verbosity::Normal, long, second), "piped or in CI: no bar");
        assert!(!draws(true, Verbosity::Quiet, long, second), "--quiet: no bar");
        assert!(!draws(true, Verbosity::Normal, Duration::from_millis(999), second), "short work: no flicker");
        assert!(draws(true, Verbosity::Normal, Duration::ZERO, Duration::ZERO), "a delay of 0 shows it at once");
    }
}
