//! The operator's commands: `frontline backup FILE`, `frontline person show|forget
//! CHANNEL:ID`. They need the database only (no index, no platform).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use frontline_core::{Backend, Store};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Everything the desk keeps of a person: identities, name, tickets, counts.
    Show {
        /// The person's identity, such as telegram:123456 or discord:987.
        who: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Erase a person: identities, name and message texts go ("[erased]"); their tickets
    /// stay as numbers for the reports. Audited.
    Forget {
        /// The person's identity, such as telegram:123456.
        who: String,
    },
}

async fn store(config: &Config, data_dir: &Path) -> anyhow::Result<Store> {
    Store::connect(&config.database_url(data_dir))
        .await
        .context("opening the database")
}

fn identity(who: &str) -> anyhow::Result<(frontline_core::ChannelKind, String)> {
    frontline_core::store::identity(who).with_context(|| {
        format!("`{who}` is not an identity: write CHANNEL:ID, such as telegram:123456")
    })
}

/// Runs a `person` command.
///
/// # Errors
/// A bad identity, nobody known by it, or a database failure.
pub async fn person(command: PersonCommand, config: Config, data_dir: &Path) -> anyhow::Result<()> {
    let store = store(&config, data_dir).await?;
    match command {
        PersonCommand::Show { who, json } => {
            let (channel, id) = identity(&who)?;
            // (SQLite's pool has one connection: held only where it is used.)
            let mut conn = store.pool().acquire().await?;
            let Some(r) = Store::person_record(&mut conn, channel, &id).await? else {
                bail!("nobody is known as {who}");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(());
            }
            println!("person {} · {} · language {}", r.person, r.display, r.lang);
            println!("identities: {}", r.identities.join(", "));
            if let Some(reason) = &r.blocked {
                println!("blocked: {reason}");
            }
            println!(
                "questions logged: {} · messages in tickets: {}",
                r.questions, r.messages
            );
            if r.tickets.is_empty() {
                println!("tickets: none");
            }
            for (id, status, subject) in &r.tickets {
                println!("{id} {status} · {subject}");
            }
        }
        PersonCommand::Forget { who } => {
            let (channel, id) = identity(&who)?;
            let now = chrono::Utc::now().timestamp_millis();
            let mut tx = store.begin().await?;
            let Some(e) = Store::forget(
                &mut tx,
                channel,
                &id,
                &frontline_core::domain::Actor::Tool("cli".into()),
                now,
            )
            .await?
            else {
                bail!("nobody is known as {who}");
            };
            tx.commit().await?;
            println!(
                "{who} is erased: {} identities, {} messages, {} questions, {} queued messages \
                 dropped; {} tickets stay as numbers",
                e.identities, e.messages, e.questions, e.outbox, e.tickets
            );
        }
    }
    Ok(())
}

/// `frontline backup FILE`: an online, consistent copy of the SQLite database (the desk
/// may keep running); on PostgreSQL, how to use pg_dump instead.
///
/// # Errors
/// FILE exists, the database is PostgreSQL, or the copy fails.
pub async fn backup(file: PathBuf, config: Config, data_dir: &Path) -> anyhow::Result<()> {
    let url = config.database_url(data_dir);
    let store = store(&config, data_dir).await?;
    if store.backend() == Backend::Postgres {
        bail!(
            "the database is PostgreSQL: back it up with its own tools, for example\n  \
             pg_dump --format=custom --file {} \"$DATABASE_URL\"\n\
             and restore into an empty database with\n  \
             pg_restore --dbname \"$DATABASE_URL\" {}",
            file.display(),
            file.display()
        );
    }
    if file.exists() {
        bail!("{} exists: give a new file name", file.display());
    }
    let target = file.to_str().context("the backup path is not UTF-8")?;
    // VACUUM INTO writes a consistent snapshot of the live database in one transaction,
    // compacted, while the desk keeps writing (WAL mode).
    sqlx::query(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .execute(store.pool())
        .await
        .with_context(|| format!("writing {}", file.display()))?;
    let bytes = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {url} to {} ({bytes} bytes); to restore, stop the desk and copy it to \
         DATA_DIR/frontline.db",
        file.display()
    );
    Ok(())
}
