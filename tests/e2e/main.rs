//! End-to-end tests of the `frontline` binary, run as a user would run it.

mod config_cli;
mod console;
mod discord;
mod faults;
mod kb_cli;
mod ops_cli;
mod telegram;
mod web;

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

/// Runs `frontline` with `stdin` piped in (not a terminal: the console runs it as a script).
pub fn frontline_with_input(data: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FRONTLINE_DATA_DIR")
        .env_remove("DATABASE_URL")
        .env_remove("FRONTLINE_TELEGRAM_TOKEN")
        .env_remove("FRONTLINE_DISCORD_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the frontline binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("script written");
    child.wait_with_output().expect("the frontline binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
