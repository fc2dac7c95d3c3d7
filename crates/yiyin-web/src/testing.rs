//! A real Yiyin server for tests and benchmarks: a fresh database of either backend, the built-in
//! organisation, a catalog, a clock the caller controls, and a random port. It can be restarted on
//! its database (a new process, as it were), and run without its background work so that a test
//! runs sweeps and deliveries itself, at the moments it chooses.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use yiyin_domain::calendar::{Calendar, parse_date};
use yiyin_domain::catalog::CatalogFile;
use yiyin_store::catalog::ImportMode;
use yiyin_store::testing::TestDb;
use yiyin_store::{Backend, Store, StoreOptions};

use crate::state::{AppState, FixedClock};

/// 09:00 China Standard Time on a date.
pub fn at(date: &str) -> DateTime<Utc> {
    let d = parse_date(date).expect("valid date");
    Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).expect("valid time"))
}

pub struct TestServer {
    pub base: String,
    /// The server's state, to run its background sweeps at a moment the test chooses.
    pub state: AppState,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    db: Option<TestDb>,
    options: StoreOptions,
    passphrase: Option<String>,
    /// Whether the background sweeps and deliveries run beside the server.
    background: bool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// A server on a fresh database with `catalog` published on 2025-01-01; the clock reads `today`.
    pub async fn spawn(
        backend: Backend,
        today: &str,
        catalog: &CatalogFile,
        options: StoreOptions,
    ) -> TestServer {
        Self::spawn_with(backend, today, catalog, options, None).await
    }

    /// The same, with the seals made and loaded with `passphrase` (documents are then sealed).
    pub async fn spawn_with(
        backend: Backend,
        today: &str,
        catalog: &CatalogFile,
        options: StoreOptions,
        passphrase: Option<&str>,
    ) -> TestServer {
        Self::spawn_full(backend, today, catalog, options, passphrase, true).await
    }

    /// The same, without the background work: sweeps and deliveries run only when the test calls
    /// them (`background::sweep_once`, `delivery::deliver_once`).
    pub async fn spawn_quiet(
        backend: Backend,
        today: &str,
        catalog: &CatalogFile,
        options: StoreOptions,
        passphrase: Option<&str>,
    ) -> TestServer {
        Self::spawn_full(backend, today, catalog, options, passphrase, false).await
    }

    async fn spawn_full(
        backend: Backend,
        today: &str,
        catalog: &CatalogFile,
        options: StoreOptions,
        passphrase: Option<&str>,
        background: bool,
    ) -> TestServer {
        let db = TestDb::new(backend).await.expect("test database");
        let store = Store::connect(&db.url, options.clone())
            .await
            .expect("connect");
        store.init_organisation().await.expect("organisation");
        let first = parse_date("2025-01-01").expect("date");
        store
            .import_catalog(
                catalog,
                &ImportMode::Publish {
                    effective_on: first,
                    note: "首批公布".into(),
                },
                first,
                "tester",
            )
            .await
            .expect("catalog");
        if let Some(p) = passphrase {
            store
                .ensure_seals(p, parse_date(today).expect("date"))
                .await
                .expect("seals");
        }
        let clock = Arc::new(FixedClock::new(at(today)));
        Self::serve_on(
            db,
            store,
            clock,
            options,
            passphrase.map(str::to_string),
            background,
        )
        .await
    }

    /// Serves a connected store on a random port.
    async fn serve_on(
        db: TestDb,
        store: Store,
        clock: Arc<FixedClock>,
        options: StoreOptions,
        passphrase: Option<String>,
        background: bool,
    ) -> TestServer {
        let blobs = yiyin_store::blobs::BlobStore::new(
            std::env::temp_dir().join(format!("yiyin-blobs-{}", std::process::id())),
        );
        let keyring = match &passphrase {
            Some(p) => store.keyring(p).await.expect("keyring"),
            None => yiyin_store::seals::Keyring::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::load(
            store.clone(),
            Calendar::builtin(),
            clock.clone(),
            blobs,
            keyring,
            &base,
        )
        .await
        .expect("state");
        let (tx, rx) = tokio::sync::oneshot::channel();
        let served = state.clone();
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if background {
                crate::serve(listener, served, shutdown)
                    .await
                    .expect("server");
            } else {
                axum::serve(listener, crate::router(served))
                    .with_graceful_shutdown(shutdown)
                    .await
                    .expect("server");
            }
        });
        TestServer {
            base,
            state,
            store,
            clock,
            db: Some(db),
            options,
            passphrase,
            background,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Stops the server and starts another on the same database, as a restart of Yiyin does: the
    /// same seals (opened again with the passphrase), the same clock, a new port and new state.
    /// Whatever the old server held in memory is gone.
    pub async fn restart(mut self) -> TestServer {
        self.halt().await;
        let db = self.db.take().expect("the database of a running server");
        let store = Store::connect(&db.url, self.options.clone())
            .await
            .expect("reconnect");
        Self::serve_on(
            db,
            store,
            self.clock.clone(),
            self.options.clone(),
            self.passphrase.take(),
            self.background,
        )
        .await
    }

    /// The database's URL (it outlives restarts).
    pub fn database_url(&self) -> &str {
        self.db.as_ref().map_or("", |db| db.url.as_str())
    }

    /// Stops serving and closes the store; the database is kept.
    async fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        self.store.close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        self.halt().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await.expect("drop database");
        }
    }
}
