use std::process::ExitCode;

// Builds allocate and free millions of small strings across threads; glibc's allocator
// fragments under that pattern (a 10k build spent 17% of its time in malloc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match hindsight::run(std::env::args_os()) {
        Ok(code) => ExitCode::from(code),
        // The reader of our output went away (`| head`): nothing more to say to anyone.
        Err(err) if hindsight::diagnostics::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{} {err}", hindsight::terminal::error_label());
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(hindsight::diagnostics::exit_code(&err))
        }
    }
}
