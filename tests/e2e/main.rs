//! End-to-end tests of the `frontline` binary, run as a user would run it.

mod kb_cli;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `frontline` with `args` and the data dir `data`, with a clean environment for the
/// variables Frontline reads.
pub fn frontline(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FRONTLINE_DATA_DIR")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the frontline binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
