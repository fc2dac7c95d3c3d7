//! A fresh database for one test: a SQLite file in the temporary folder, or a PostgreSQL database
//! made on the server of `YIYIN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! dropped after. Also raw access to it, as an intruder with the database's credentials would have,
//! for tests of tampering.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use sqlx::{Connection, Executor};
use yiyin_store::{Backend, Store, StoreOptions};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Whether this process has swept the databases left by dead test processes.
static SWEPT: AtomicBool = AtomicBool::new(false);

/// The process that made a test database or file, from its name (`yiyin_t_<pid>_…`).
fn maker(name: &str) -> Option<u32> {
    name.strip_prefix("yiyin_t_")?
        .split('_')
        .next()?
        .parse()
        .ok()
}

/// Whether a process made this test database and is gone: a test process killed before it could
/// drop its database leaves it behind. Only where `/proc` tells which processes live (Linux).
fn orphaned(name: &str) -> bool {
    let proc = std::path::Path::new("/proc");
    proc.join("self").exists()
        && maker(name)
            .is_some_and(|pid| pid != std::process::id() && !proc.join(pid.to_string()).exists())
}

/// Drops the PostgreSQL databases and removes the SQLite files that dead test processes left
/// (once per process): killed test runs would otherwise fill the server and the disk.
async fn sweep_orphans(conn: &mut sqlx::AnyConnection) {
    if SWEPT.swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'yiyin\\_t\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names.iter().filter(|n| orphaned(n)) {
        let _ = conn
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await;
    }
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if orphaned(&name) {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
}

/// The PostgreSQL server tests make their databases on.
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

    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let name = Self::unique("yiyin_t");
                let path = std::env::temp_dir().join(format!("{name}.sqlite"));
                TestDb {
                    backend,
                    url: yiyin_store::sqlite_url(&path),
                    name: path.display().to_string(),
                }
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let admin = postgres_admin_url();
                let name = Self::unique("yiyin_t");
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("PostgreSQL for the tests (YIYIN_TEST_POSTGRES_URL)");
                sweep_orphans(&mut conn).await;
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test database");
                conn.close().await.expect("close");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                TestDb {
                    backend,
                    url: format!("{base}/{name}"),
                    name,
                }
            }
        }
    }

    /// The same database, for another app server on it (only the first one's owner drops it).
    pub fn alias(&self) -> TestDb {
        TestDb {
            backend: self.backend,
            url: self.url.clone(),
            name: self.name.clone(),
        }
    }

    /// A folder of its own for the blobs of the installation on it.
    pub fn blob_dir(&self) -> std::path::PathBuf {
        let stem = self.name.rsplit('/').next().unwrap_or(&self.name);
        std::env::temp_dir().join(format!("{}-blobs", stem.trim_end_matches(".sqlite")))
    }

    /// A store on it (migrated).
    pub async fn store(&self, options: StoreOptions) -> Store {
        Store::connect(&self.url, options).await.expect("connect")
    }

    /// A raw connection, for what an intruder with the database's password could do.
    pub async fn raw(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("raw connection")
    }

    /// Runs statements behind Yiyin's back.
    pub async fn tamper(&self, sql: &str) {
        let mut conn = self.raw().await;
        conn.execute(sql).await.expect("tamper");
        conn.close().await.expect("close");
    }

    pub async fn drop_db(self) {
        let _ = std::fs::remove_dir_all(self.blob_dir());
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
                }
            }
            Backend::Postgres => {
                let mut conn = sqlx::AnyConnection::connect(&postgres_admin_url())
                    .await
                    .expect("admin connection");
                conn.execute(
                    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str(),
                )
                .await
                .expect("drop test database");
                conn.close().await.expect("close");
            }
        }
    }
}
