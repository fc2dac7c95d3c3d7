//! A real Yiyin server for tests and benchmarks: a fresh database of either backend, prepared as in
//! [`crate::app`], served on a random port. It can be restarted on its database (a new process, as
//! it were), and run without its background work so that a test runs sweeps and deliveries itself,
//! at the moments it chooses.

use std::sync::Arc;

use yiyin_app::{App, FixedClock};
use yiyin_store::{Backend, StoreOptions};

use crate::app::{app_on, prepare};
use crate::db::TestDb;
use crate::fixtures::at;

/// How a test server starts.
#[derive(Debug, Clone)]
pub struct Setup {
    pub backend: Backend,
    /// The clock's first date.
    pub today: String,
    pub options: StoreOptions,
    /// Whether the seals are made (documents are then sealed).
    pub sealed: bool,
    /// Whether the background sweeps and deliveries run beside the server.
    pub background: bool,
    /// The web layer's settings: by default limits on attempts that no test reaches by itself
    /// (tests log in many times from one address); a test of the limits lowers them.
    pub web: yiyin_web::WebConfig,
    /// A real-name provider (OpenID Connect); an empty `redirect_url` is the server's own callback.
    pub identity: Option<yiyin_app::identity::ProviderConfig>,
    /// The SMS gateway and the mail server notices go to (none by default).
    pub notify: yiyin_app::notifications::NotifyConfig,
    /// The data-sharing endpoints of shared materials (none by default).
    pub sharing: yiyin_app::sharing::DataSharing,
}

impl Setup {
    pub fn new(backend: Backend, today: &str) -> Self {
        Setup {
            backend,
            today: today.into(),
            options: StoreOptions::default(),
            sealed: false,
            background: true,
            identity: None,
            web: yiyin_web::WebConfig {
                limits: yiyin_web::Limits::generous(),
                trust_forwarded_for: false,
                demo_registry: None,
            },
            notify: Default::default(),
            sharing: Default::default(),
        }
    }

    /// With a real-name provider (its `redirect_url` left empty: the server's own callback).
    pub fn identity_provider(mut self, config: yiyin_app::identity::ProviderConfig) -> Self {
        self.identity = Some(config);
        self
    }

    /// Tight limits a test exhausts in a few requests: `burst` attempts at once from an address and
    /// two on a login, then one a minute each.
    pub fn tight_limits(burst: u32) -> yiyin_web::Limits {
        yiyin_web::Limits {
            per_address_per_minute: 1,
            per_address_burst: burst,
            per_login_per_minute: 1,
            per_login_burst: 2,
        }
    }

    /// With these limits on attempts.
    pub fn limits(mut self, limits: yiyin_web::Limits) -> Self {
        self.web.limits = limits;
        self
    }

    /// Behind a trusted proxy: the client's address is taken from `X-Forwarded-For`.
    pub fn trust_forwarded_for(mut self) -> Self {
        self.web.trust_forwarded_for = true;
        self
    }

    pub fn sealed(mut self) -> Self {
        self.sealed = true;
        self
    }

    /// Without the background work: sweeps and deliveries run only when the test calls them
    /// (`yiyin_app::workers::sweep_once`, `yiyin_app::delivery`).
    pub fn quiet(mut self) -> Self {
        self.background = false;
        self
    }

    /// Sends notices through this SMS gateway and mail server.
    pub fn notify(mut self, notify: yiyin_app::notifications::NotifyConfig) -> Self {
        self.notify = notify;
        self
    }

    /// Fetches shared materials through these endpoints.
    pub fn sharing(mut self, sharing: yiyin_app::sharing::DataSharing) -> Self {
        self.sharing = sharing;
        self
    }

    pub fn options(mut self, options: StoreOptions) -> Self {
        self.options = options;
        self
    }
}

pub struct TestServer {
    pub base: String,
    /// The server's application, to run its sweeps at a moment the test chooses.
    pub app: App,
    pub clock: Arc<FixedClock>,
    setup: Setup,
    db: Option<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// A server on a fresh database.
    pub async fn spawn(setup: Setup) -> TestServer {
        let db = TestDb::new(setup.backend).await;
        prepare(&db, setup.options.clone(), &setup.today, setup.sealed)
            .await
            .close()
            .await;
        let clock = Arc::new(FixedClock::new(at(&setup.today)));
        Self::serve_on(db, clock, setup).await
    }

    /// `n` servers on one fresh database and one shared blob folder, as several app servers behind
    /// a load balancer, started at the same moment, with one clock: the organisation and the
    /// sample catalog prepared, the seals not made (a sealed server makes what it finds missing
    /// when its seals are refreshed, as `yiyin serve` does at start). The first owns the database
    /// and drops it when stopped; stop the others first.
    pub async fn cluster(setup: Setup, n: usize) -> Vec<TestServer> {
        let db = TestDb::new(setup.backend).await;
        prepare(&db, setup.options.clone(), &setup.today, false)
            .await
            .close()
            .await;
        let clock = Arc::new(FixedClock::new(at(&setup.today)));
        let starting: Vec<_> = (0..n)
            .map(|_| tokio::spawn(Self::serve_on(db.alias(), clock.clone(), setup.clone())))
            .collect();
        let mut servers = Vec::new();
        for (i, s) in starting.into_iter().enumerate() {
            let mut server = s.await.expect("a server starts");
            if i > 0 {
                server.db = None;
            }
            servers.push(server);
        }
        drop(db);
        servers
    }

    async fn serve_on(db: TestDb, clock: Arc<FixedClock>, setup: Setup) -> TestServer {
        let store = db.store(setup.options.clone()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let notifier =
            yiyin_app::notifications::Notifier::new(&setup.notify).expect("notification channels");
        let app = app_on(&db, store, clock.clone(), setup.sealed, &base)
            .await
            .with_notifier(notifier)
            .with_data_sharing(setup.sharing.clone());
        let app = match setup.identity.clone() {
            Some(mut config) => {
                if config.redirect_url.is_empty() {
                    config.redirect_url = format!("{base}/login/sso/callback");
                }
                let provider =
                    yiyin_app::identity::Provider::new(config).expect("provider settings");
                app.with_identity_provider(provider)
            }
            None => app,
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let served = app.clone();
        let background = setup.background;
        let web = setup.web.clone();
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if background {
                yiyin_web::serve(listener, served, web, shutdown)
                    .await
                    .expect("server");
            } else {
                let router = yiyin_web::router_with(served, web);
                axum::serve(
                    listener,
                    router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown)
                .await
                .expect("server");
            }
        });
        TestServer {
            base,
            app,
            clock,
            setup,
            db: Some(db),
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Stops the server and starts another on the same database, as a restart of Yiyin does: the
    /// same seals (opened again with the passphrase), the same clock, a new port and a new
    /// application. Whatever the old server held in memory is gone.
    pub async fn restart(mut self) -> TestServer {
        self.halt().await;
        let db = self.db.take().expect("the database of a running server");
        Self::serve_on(db, self.clock.clone(), self.setup.clone()).await
    }

    /// The database's URL (it outlives restarts).
    pub fn database_url(&self) -> &str {
        self.db.as_ref().map_or("", |db| db.url.as_str())
    }

    /// The database, for raw access.
    pub fn db(&self) -> &TestDb {
        self.db.as_ref().expect("the database of a running server")
    }

    /// Stops serving and closes the store; the database is kept.
    async fn halt(&mut self) {
        use std::time::Duration;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // A test's checks are done by now: a server or a pool that does not wind down in time is
        // reported and left behind rather than hanging the suite (a clean-clone run once hung
        // here on SQLite; see the stop-25 note).
        if let Some(s) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(30), s)
                .await
                .is_err()
        {
            eprintln!("warning: the test server did not stop within 30 s; left behind");
        }
        if tokio::time::timeout(Duration::from_secs(30), self.app.store.close())
            .await
            .is_err()
        {
            eprintln!("warning: the store's connections were not all returned within 30 s");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        self.halt().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
    }
}
