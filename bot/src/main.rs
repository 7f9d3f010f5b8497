//! The `frontline` binary: a thin entry point; everything lives in the library.

fn main() -> std::process::ExitCode {
    frontline_bot::cli::run()
}
