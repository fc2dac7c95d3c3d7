//! Yiyin's store: persistence for SQLite (embedded, the default) and PostgreSQL (production), with one
//! schema and one code path. The backend is chosen once, by the URL given at start-up.
//!
//! Reading order: [`Store::connect`] (pools and pragmas), [`migrate`] (the schema, applied at start-up),
//! then one module per thing kept: [`org`], [`catalog`], [`calendar`], [`accounts`], [`cases`] (with
//! their documents) and [`events`] (the hash-chained log).
//!
//! The store persists; it never decides what the law allows. Where a write needs a rule (publishing a
//! catalog version), it loads what the rule needs, calls the domain, and saves the result in one
//! transaction.

pub mod accounts;
pub mod archive;
pub mod attachments;
pub mod blobs;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod crypto;
pub mod events;
pub mod group;
pub mod inspections;
pub mod licence_acts;
pub mod licences;
pub mod migrate;
pub mod org;
pub mod seals;
pub mod supervision;
pub mod testing;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(url.to_string()))
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// The store's one error type. Messages are Chinese; database details are kept for the logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库地址「{0}」无法识别：应以 sqlite: 或 postgres:// 开头")]
    BadUrl(String),
    #[error("数据库操作失败：{0}")]
    Database(#[from] sqlx::Error),
    #[error("数据冲突：{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("数据库中的数据损坏：{0}")]
    Corrupt(String),
    #[error("{0}")]
    Rejected(String),
    /// An action the law forbids, with the rule.
    #[error("{}", .0.message)]
    Refused(yiyin_domain::engine::Refusal),
    #[error(transparent)]
    Calendar(#[from] yiyin_domain::calendar::CalendarError),
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (someone else wrote first).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Durability of SQLite commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: every commit is on disk before it is acknowledged (the default).
    Full,
    /// `synchronous=NORMAL`: survives a crash of Yiyin but not of the machine; faster.
    Normal,
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub durability: Durability,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            durability: Durability::Full,
        }
    }
}

/// A connected, migrated store. Cheap to clone.
///
/// SQLite allows one writer at a time: writes go through a pool of one connection, so that they
/// queue in Yiyin instead of failing with `SQLITE_BUSY`; reads use the other pool. On PostgreSQL
/// both are the same pool.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    /// SQLite: the group commit of the one writer (see [`group`]).
    group: Option<std::sync::Arc<group::Group>>,
}

impl Store {
    /// Connects to `url` and runs the migrations.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let connect = AnyConnectOptions::from_str(url)?;
        let store = match backend {
            Backend::Sqlite => {
                let sync = match options.durability {
                    Durability::Full => "FULL",
                    Durability::Normal => "NORMAL",
                };
                let pool = |n: u32| {
                    AnyPoolOptions::new()
                        .max_connections(n)
                        .acquire_timeout(Duration::from_secs(30))
                        .after_connect(move |conn, _meta| {
                            Box::pin(async move {
                                conn.execute("PRAGMA foreign_keys = ON").await?;
                                conn.execute("PRAGMA busy_timeout = 10000").await?;
                                conn.execute(format!("PRAGMA synchronous = {sync}").as_str())
                                    .await?;
                                Ok(())
                            })
                        })
                };
                let write = pool(1).connect_with(connect.clone()).await?;
                write.execute("PRAGMA journal_mode = WAL").await?;
                let read = pool(options.max_connections.max(1))
                    .connect_with(connect)
                    .await?;
                Store {
                    backend,
                    read,
                    group: Some(group::Group::new(write.clone())),
                    write,
                }
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections.max(2))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(connect)
                    .await?;
                Store {
                    backend,
                    read: pool.clone(),
                    write: pool,
                    group: None,
                }
            }
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for writes (one connection on SQLite).
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// A write transaction for the busy paths (cases and their events): on SQLite a member of the
    /// group commit, on PostgreSQL a plain transaction.
    pub async fn begin_write(&self) -> Result<group::WriteTx> {
        group::WriteTx::begin(&self.write, self.group.as_ref()).await
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// The SQLite URL of a database file, created if missing.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Milliseconds since the Unix epoch, the form timestamps are kept in.
pub fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}
