//! A database of its own for each test, on SQLite or PostgreSQL, shared by `tests/repo.rs` and
//! `tests/retention.rs`.
//!
//! A SQLite database is a file in a fresh temporary directory; a PostgreSQL one is a database
//! `test_<uuid>` created on `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards. When PostgreSQL
//! cannot be reached its tests are skipped with a message, except when `CI` is set: there they
//! fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use adapters_postgres::{ConnectOptions, SeaOrmRepo};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a behaviour gets: a migrated repository on a database of its own, and that database's
/// URL (to open more connections to it, as other instances would).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub repo: SeaOrmRepo,
    pub backend: Backend,
    pub url: String,
}

pub fn options() -> ConnectOptions {
    ConnectOptions {
        pool_size: 4,
        connect_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
    }
}

/// Set once PostgreSQL has been found unreachable, so later tests skip without waiting again.
static POSTGRES_UNREACHABLE: AtomicBool = AtomicBool::new(false);

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// `url` naming database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..path_start])
}

/// A database made for one test, and what it takes to remove it.
enum TestDb {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin: SeaOrmRepo, name: String },
}

impl TestDb {
    /// A fresh database, its URL and a migrated repository on it; `None` when the test must be
    /// skipped.
    async fn create(backend: Backend) -> Option<(Self, String, SeaOrmRepo)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}/chat.db?mode=rwc", dir.path().display());
                let repo = SeaOrmRepo::connect(&url, options())
                    .await
                    .expect("connects to SQLite");
                repo.migrate().await.expect("migrates");
                Some((TestDb::Sqlite { _dir: dir }, url, repo))
            }
            Backend::Postgres => {
                let admin = admin_postgres().await?;
                let name = format!("test_{}", Uuid::new_v4().simple());
                admin
                    .connection()
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("creates the test database");
                let url = with_database(&admin_url(), &name);
                let repo = SeaOrmRepo::connect(&url, options())
                    .await
                    .expect("connects to the test database");
                repo.migrate().await.expect("migrates");
                Some((TestDb::Postgres { admin, name }, url, repo))
            }
        }
    }

    /// Removes the database, best effort.
    async fn remove(self) {
        match self {
            TestDb::Sqlite { _dir } => drop(_dir),
            TestDb::Postgres { admin, name } => {
                let dropped = admin
                    .connection()
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
                if let Err(e) = dropped {
                    eprintln!("could not drop test database {name}: {e}");
                }
                let _ = admin.connection().close_by_ref().await;
            }
        }
    }
}

/// A connection to the PostgreSQL server's maintenance database, or `None` (after saying so
/// loudly) when it is unreachable outside CI.
pub async fn admin_postgres() -> Option<SeaOrmRepo> {
    if POSTGRES_UNREACHABLE.load(Ordering::Relaxed) {
        eprintln!("SKIPPED: PostgreSQL is unreachable (see above)");
        return None;
    }
    let url = admin_url();
    let admin_options = ConnectOptions {
        pool_size: 1,
        ..options()
    };
    match SeaOrmRepo::connect(&url, admin_options).await {
        Ok(admin) => Some(admin),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("PostgreSQL tests are required in CI, but PostgreSQL is unreachable: {e}")
        }
        Err(e) => {
            POSTGRES_UNREACHABLE.store(true, Ordering::Relaxed);
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 SKIPPED: PostgreSQL tests: {e}\n\
                 Start PostgreSQL or set TEST_DATABASE_URL (set CI to make this a failure).\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            None
        }
    }
}

/// Runs `behaviour` on a fresh database of `backend`, then removes the database, whether the
/// behaviour passed or panicked.
pub async fn run<F, Fut>(backend: Backend, behaviour: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((db, url, repo)) = TestDb::create(backend).await else {
        return;
    };
    let outcome = tokio::spawn(behaviour(Ctx {
        repo: repo.clone(),
        backend,
        url,
    }))
    .await;
    let _ = repo.connection().close_by_ref().await;
    db.remove().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the test task failed: {e}"),
        }
    }
}

/// Generates `sqlite::<name>` and `postgres::<name>` for each behaviour (`#[macro_use] mod
/// support;`).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::support::run(crate::support::Backend::Sqlite, super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::support::run(crate::support::Backend::Postgres, super::$name).await;
                }
            )*
        }
    };
}
