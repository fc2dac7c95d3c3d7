//! Yiyin's store: persistence for SQLite (embedded, the default) and PostgreSQL (production), with one
//! schema and one code path. The backend is chosen once, by the URL given at start-up.
//!
//! The store persists; it never decides what the law allows, composes a document or signs anything.
//! Reads are methods of [`Store`]; every write goes through [`Store::begin_write`], whose
//! [`WriteTx`] carries the write methods of each module, so that the application layer writes one
//! use case in one transaction (on SQLite, a member of the group commit of the one writer; there is
//! no other way to write).
//!
//! Reading order: [`error`] (what can go wrong, in data terms), [`rows`] (typed columns, records and
//! statements), this module (pools and pragmas), [`group`] (the write path), [`migrate`] (the schema,
//! checksummed), then one module per thing kept, each depending only on those above: [`events`]
//! (the hash-chained log), [`org`], [`calendar`], [`catalog`], [`accounts`], [`cases`],
//! [`documents`], [`attachments`], [`licences`], [`licence_acts`], [`pushes`], [`notifications`],
//! [`outbox`] (the lease a worker sends under), [`findings`], [`verifications`], [`credit`],
//! [`inspections`], [`seals`], [`archive`], [`monitoring`], [`ratings`].

pub mod account_security;
pub mod accounts;
pub mod agency;
pub mod archive;
pub mod attachments;
pub mod bundles;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod credit;
pub mod delegations;
pub mod deliveries;
pub mod documents;
pub mod drawing_reviews;
pub mod error;
pub mod events;
pub mod findings;
pub mod form_drafts;
pub mod group;
pub mod identities;
pub mod inspections;
pub mod joint_visits;
pub mod licence_acts;
pub mod licences;
pub mod migrate;
pub mod monitoring;
pub mod notifications;
pub mod open311;
pub mod org;
pub mod outbox;
pub mod paging;
pub mod pending_uploads;
pub mod pools;
pub mod portal;
pub mod projects;
pub mod pushes;
pub mod ratings;
pub mod redress;
pub mod rows;
pub mod seals;
pub mod settings;
pub mod shared_materials;
pub mod simulation;
pub mod sms_codes;
pub mod statistics;
pub mod ticket_attachments;
pub mod ticket_kpis;
pub mod tickets;
pub mod transition;
pub mod verifications;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use error::{Conflict, Missing, Result, StoreError};
pub use group::WriteTx;

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
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

/// SQLite: how much of the database file each connection reads through a memory mapping (the
/// mapped pages are the operating system's file cache, shared by every connection).
const MMAP_SIZE: u64 = 256 * 1024 * 1024;

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
                                // The group commit's savepoints journal to memory, not to a
                                // temporary file each; and pages are read through a mapping of
                                // the file, not a read call each: in WAL mode every commit
                                // empties the other connections' page caches.
                                conn.execute("PRAGMA temp_store = MEMORY").await?;
                                conn.execute(format!("PRAGMA mmap_size = {MMAP_SIZE}").as_str())
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
                    // Yiyin's statements read and write a few rows by index; PostgreSQL's JIT
                    // compiles a statement to machine code whenever the planner's estimate is
                    // high (as it is for a table grown within one transaction, before it is
                    // analysed), which costs more than such a statement runs.
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute("SET jit = off").await?;
                            Ok(())
                        })
                    })
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
    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The one way to write: on SQLite a member of the group commit, on PostgreSQL a plain
    /// transaction. Call [`WriteTx::commit`] to keep what was written.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        group::WriteTx::begin(&self.write, self.group.as_ref()).await
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        rows::sql!("SELECT 1").run(&self.read).await
    }

    /// SQLite: moves the write-ahead log into the database file (after a bulk load); PostgreSQL:
    /// nothing.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            self.begin_write().await?.commit().await?;
            rows::sql!("PRAGMA wal_checkpoint(TRUNCATE)")
                .run(&self.write)
                .await?;
        }
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
