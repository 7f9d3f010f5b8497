//! The desk through its engine, on SQLite always and on PostgreSQL whenever
//! `FRONTLINE_TEST_POSTGRES_URL` is set: every test here runs once per database.

mod announce;
mod bad_input;
mod harness;
mod kb_admin;
mod learned;
mod line2;
mod orgs;
mod outbox;
mod people;
mod races;
mod reports;
mod sla;
mod small_talk;
mod user_path;
mod workbench;

/// Defines `NAME_sqlite` and `NAME_postgres` tests from `async fn NAME(db: harness::Db)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::harness::Db::sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::harness::Db::postgres().await else {
                        eprintln!("FRONTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
                        return;
                    };
                    super::$name(db).await;
                }
            )+
        }
    };
}
