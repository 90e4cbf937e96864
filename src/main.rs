use std::process::ExitCode;

fn main() -> ExitCode {
    match hindsight::run(std::env::args_os()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(hindsight::exit_code(&err))
        }
    }
}
