//! The store: SQLite or PostgreSQL through sqlx's `Any` driver, one code path for both.
//!
//! Why `Any` and not a `Store` trait with one implementation per database: every query here
//! is plain SQL that both databases accept (`$1` placeholders, `RETURNING`, `ON CONFLICT`), so
//! one implementation means one place to get each rule right. The price is `Any`'s narrow
//! type mapping — no booleans, no timestamps — so times are unix milliseconds (`BIGINT`) and
//! enums are their codes (`TEXT`), converted at this edge.
//!
//! SQLite runs with one connection: it has one writer anyway, and a single connection turns
//! "database is locked" races into an orderly queue. PostgreSQL gets a pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::domain::ChannelKind;
use crate::error::{CoreError, CoreResult};

mod announcements;
mod duty;
mod events;
mod macros;
mod orgs;
mod outbox;
mod people;
mod persons;
mod problems;
mod questions;
mod search;
mod staff;
mod threads;
mod tickets;
pub use crate::domain::{Person, Question, QuestionState};
pub use announcements::NewAnnouncement;
pub use macros::Macro;
pub use orgs::{OrgField, OrgMember};
pub use outbox::{LeasedChat, PARKED, PendingRow, ReleasedChat};
pub use people::{ERASED, Erased, PersonRecord, Pruned, identity};
pub use problems::Problem;
pub use questions::NewQuestion;
pub use search::search_terms;
pub use staff::StoredStaff;
pub use threads::ChatThread;
pub use tickets::{Holder, NewTicket};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The desk's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

pub(crate) fn corrupt(what: &str, value: &str) -> CoreError {
    CoreError::Corrupt(format!("{what} `{value}`"))
}

/// How long after a rating the person's next message is taken as its comment: long enough to
/// type one, short enough that a new question tomorrow is not swallowed as a comment.
pub const COMMENT_WINDOW_MS: i64 = 10 * 60 * 1000;

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and applies the migrations.
    ///
    /// # Errors
    /// [`CoreError::UnsupportedDatabase`] for another scheme; database errors otherwise.
    #[tracing::instrument(skip_all, fields(backend))]
    pub async fn connect(url: &str) -> CoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            let scheme = url.split(':').next().unwrap_or("").to_string();
            return Err(CoreError::UnsupportedDatabase(scheme));
        };
        tracing::Span::current().record("backend", backend.name());
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => {
                // sqlx takes no lock on SQLite: two processes opening a new file at once
                // both find a migration pending, and the second's fails on what the first
                // created. Each migration is one transaction, so running the migrator again
                // finds it applied and goes on.
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    match SQLITE_MIGRATIONS.run(&pool).await {
                        Ok(()) => break,
                        Err(sqlx::migrate::MigrateError::ExecuteMigration(e, version))
                            if attempt < 5 =>
                        {
                            tracing::debug!(error = %e, version, "migration raced another process; again");
                            tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            // sqlx holds an advisory lock while it migrates PostgreSQL.
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction: everything one inbound event changes is written in one.
    pub async fn begin(&self) -> CoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.pool.begin().await?)
    }

    /// Records an inbound update; `false` if it was seen before (a platform's redelivery).
    pub async fn mark_inbound(
        conn: &mut AnyConnection,
        channel: ChannelKind,
        update_id: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "INSERT INTO inbound_seen (channel, update_id, at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (channel, update_id) DO NOTHING",
        )
        .bind(channel.code())
        .bind(update_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
