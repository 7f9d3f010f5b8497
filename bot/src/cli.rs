//! The command line: `frontline [--data-dir DIR] [--config FILE] [<command>]`.
//!
//! With no command, Frontline runs on its embedded defaults: the console channel when no bot
//! token is configured.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use frontline_core::SystemClock;

use crate::app::App;
use crate::bench_cmd::{self, BenchCommand};
use crate::config::{self, Config, ProcessEnv};
use crate::console::{self, ConsoleOptions};
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

    /// The configuration file (default: ./frontline.toml or DATA_DIR/frontline.toml, if present).
    #[arg(long, global = true, env = "FRONTLINE_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Talk to the desk from a terminal, or run a script of `NAME: text` lines from stdin.
    Console {
        /// A name that acts as an agent (repeatable).
        #[arg(long = "agent", value_name = "NAME")]
        agents: Vec<String>,
        /// A name that acts as an admin (repeatable).
        #[arg(long = "admin", value_name = "NAME")]
        admins: Vec<String>,
        /// Run on a simulated clock starting at this local time of the desk (YYYY-MM-DDTHH:MM,
        /// in the [sla] time zone); it moves only with `!wait 2d`, `!wait 3h`, `!wait 30m` or
        /// `!at YYYY-MM-DDTHH:MM` lines, which then run the scheduler.
        #[arg(long, value_name = "YYYY-MM-DDTHH:MM", value_parser = parse_local)]
        clock: Option<chrono::NaiveDateTime>,
    },
    /// Run the desk on its chat platforms (Telegram, Discord or both), with the outbox and the scheduler.
    Serve,
    /// The knowledge base: search, evaluate, import, export.
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Check a configuration file and name each problem with its key.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Reports: tickets, billable hours, deflection.
    Report {
        #[command(subcommand)]
        command: crate::report_cmd::ReportCommand,
    },
    /// Load benchmarks that print figures.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// An online, consistent copy of the SQLite database to FILE (PostgreSQL: says how to
    /// use pg_dump).
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
    /// A person's data: show it, or erase it.
    Person {
        #[command(subcommand)]
        command: crate::ops_cmd::PersonCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate a configuration file (default: --config, or the default file).
    Check {
        /// The file to check.
        file: Option<PathBuf>,
    },
}

/// Parses the arguments, runs the command, and turns any error into a message and exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result = match runtime() {
        Ok(rt) => rt.block_on(dispatch(cli)),
        Err(e) => Err(anyhow::Error::new(e).context("starting the async runtime")),
    };
    match result {
        Ok(code) => code,
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

fn config_path(cli_path: Option<&Path>, data_dir: &Path) -> Option<PathBuf> {
    cli_path
        .map(Path::to_path_buf)
        .or_else(|| config::default_path(data_dir))
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let path = config_path(cli.config.as_deref(), &cli.data_dir);
    Config::load(path.as_deref(), &ProcessEnv).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the configuration has problems:\n  {}", list.join("\n  "))
    })
}

async fn dispatch(mut cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.take() {
        Some(Command::Kb { command }) if command.needs_desk() => {
            let config = load_config(&cli)?;
            let app = App::start(config, &cli.data_dir, Arc::new(SystemClock)).await?;
            kb_cmd::run_desk(command, &app).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Kb { command }) => {
            tokio::task::spawn_blocking(move || kb_cmd::run_files(command))
                .await
                .context("knowledge-base task")??;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench { command }) => {
            bench_cmd::run(command).await.map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Report { command }) => {
            let config = load_config(&cli)?;
            crate::report_cmd::run(command, config, &cli.data_dir).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Config {
            command: ConfigCommand::Check { file },
        }) => {
            let path = file.or_else(|| config_path(cli.config.as_deref(), &cli.data_dir));
            let Some(path) = path else {
                bail!("no configuration file: give one (frontline config check FILE) or --config");
            };
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            match Config::parse(&text) {
                Ok(_) => {
                    println!("{}: ok", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    for p in &problems {
                        println!("{}: {p}", path.display());
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(Command::Console {
            agents,
            admins,
            clock,
        }) => {
            let options = ConsoleOptions {
                agents,
                admins,
                clock,
                manual: frontline_core::ManualClock::default(),
            };
            run_console(&cli, &options).await
        }
        Some(Command::Serve) => serve(&cli).await,
        Some(Command::Backup { file }) => {
            let config = load_config(&cli)?;
            crate::ops_cmd::backup(file, config, &cli.data_dir).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Person { command }) => {
            let config = load_config(&cli)?;
            crate::ops_cmd::person(command, config, &cli.data_dir).await?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let config = load_config(&cli)?;
            if config.has_bot_token() {
                return serve(&cli).await;
            }
            run_console(&cli, &ConsoleOptions::default()).await
        }
    }
}

async fn serve(cli: &Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(cli)?;
    let app = App::start(config, &cli.data_dir, Arc::new(SystemClock)).await?;
    crate::serve::run(&app).await?;
    Ok(ExitCode::SUCCESS)
}

async fn run_console(cli: &Cli, options: &ConsoleOptions) -> anyhow::Result<ExitCode> {
    let mut config = load_config(cli)?;
    // Names given on the command line act as staff in this console session.
    for (names, role) in [
        (&options.agents, config::Role::Agent),
        (&options.admins, config::Role::Admin),
    ] {
        for name in names {
            config.staff.push(config::Staff {
                name: name.clone(),
                role,
                console: Some(name.clone()),
                telegram: None,
                discord: None,
                discord_role: None,
                lines: vec![2, 3, 4],
            });
        }
    }
    let clock: Arc<dyn frontline_core::Clock> = match options.clock {
        Some(_) => Arc::new(options.manual.clone()),
        None => Arc::new(SystemClock),
    };
    let app = App::start_with(config, &cli.data_dir, clock, true).await?;
    if let Some(start) = options.clock {
        options
            .manual
            .set(app.engine.config().sla.calendar.at_local(start));
    }
    let interactive = std::io::stdin().is_terminal();
    // The help centre beside the console when a person runs it (a script is over before a
    // browser could look).
    let (_stop_web, stop_rx) = tokio::sync::watch::channel(false);
    if interactive && let Some(web) = crate::web::start(&app, None).await? {
        println!("Help centre: {}", web.url);
        tokio::spawn(crate::web::serve(web.listener, web.site, stop_rx));
    }
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    console::run(&app, options, stdin, interactive).await?;
    Ok(ExitCode::SUCCESS)
}

/// A local date and time: `2026-12-07T09:00` (seconds allowed).
pub fn parse_local(s: &str) -> Result<chrono::NaiveDateTime, String> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .ok_or_else(|| format!("`{s}` is not a local time: write YYYY-MM-DDTHH:MM"))
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FRONTLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The async runtime. Worker threads default to the number of cores; `FRONTLINE_THREADS=1`
/// runs everything on one thread.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    match std::env::var("FRONTLINE_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(1) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(n) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n.max(1))
            .enable_all()
            .build(),
        None => tokio::runtime::Runtime::new(),
    }
}
