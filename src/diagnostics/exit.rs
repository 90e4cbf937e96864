//! What a command's failure means to the shell that ran it: the exit status policy, in one
//! place. 1 is for errors in the archive's content (already shown with their positions), 2
//! for everything else (usage, I/O, Git), so a CI step can tell "fix the postmortem" from
//! "fix the pipeline".

/// The content of the archive has errors; they were already printed with their positions.
#[derive(Debug, thiserror::Error)]
#[error("{count} error{s} in the archive{after}", s = if *count == 1 { "" } else { "s" })]
pub struct ContentErrors {
    pub count: usize,
    /// What the command did about it, e.g. "; nothing was written".
    pub after: &'static str,
}

/// Exit status for an error: 1 for errors in the archive's content, 2 for everything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<ContentErrors>().is_some() { 1 } else { 2 }
}

/// Whether the error is only that the reader of our output went away
/// (`hindsight search --json | head -1`): not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}
