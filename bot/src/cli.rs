//! The command line: `frontline [--data-dir DIR] <command>`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::bench_cmd::{self, BenchCommand};
use crate::kb_cmd::{self, KbCommand};

#[derive(Debug, Parser)]
#[command(
    name = "frontline",
    version,
    about = "A support desk that lives in chat"
)]
pub struct Cli {
    /// Where Frontline keeps its database and search index.
    #[arg(
        long,
        global = true,
        env = "FRONTLINE_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The knowledge base: search it, evaluate it, benchmark it.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Load benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// Parses the arguments, runs the command, and turns any error into a message and exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = match cli.command {
        Command::Kb { command } => kb_cmd::run(command, &cli.data_dir),
        Command::Bench { command } => bench_cmd::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not a failure of ours.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FRONTLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
