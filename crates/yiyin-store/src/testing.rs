//! Fresh databases for tests, on both backends: a temporary SQLite file, or a new uniquely named
//! database on the PostgreSQL server given by `YIYIN_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`). Call [`TestDb::drop_db`] at the end.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor};

use crate::{Backend, Result};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server tests use.
pub fn postgres_admin_url() -> String {
    std::env::var("YIYIN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A database made for one test.
#[derive(Debug)]
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    name: String,
}

impl TestDb {
    fn unique(prefix: &str) -> String {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        format!("{prefix}_{}_{n}_{nanos}", std::process::id())
    }

    pub async fn new(backend: Backend) -> Result<Self> {
        match backend {
            Backend::Sqlite => {
                let name = Self::unique("yiyin_t");
                let path = std::env::temp_dir().join(format!("{name}.sqlite"));
                Ok(TestDb {
                    backend,
                    url: crate::sqlite_url(&path),
                    name: path.display().to_string(),
                })
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin = postgres_admin_url();
                let name = Self::unique("yiyin_t");
                let mut conn = sqlx::AnyConnection::connect(&admin).await?;
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await?;
                conn.close().await?;
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                Ok(TestDb {
                    backend,
                    url: format!("{base}/{name}"),
                    name,
                })
            }
        }
    }

    /// Removes the database (call after closing every store on it).
    pub async fn drop_db(self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
                }
            }
            Backend::Postgres => {
                let mut conn = sqlx::AnyConnection::connect(&postgres_admin_url()).await?;
                conn.execute(
                    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str(),
                )
                .await?;
                conn.close().await?;
            }
        }
        Ok(())
    }
}
