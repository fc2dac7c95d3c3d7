//! Test support: a real Yiyin server on a random port, on a fresh database of either backend, with a
//! clock the test controls.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use yiyin_domain::authz::Grant;
use yiyin_domain::calendar::{Calendar, parse_date};
use yiyin_domain::catalog::CatalogFile;
use yiyin_domain::roles::Role;
use yiyin_store::catalog::ImportMode;
use yiyin_store::testing::TestDb;
use yiyin_store::{Backend, Store, StoreOptions};
use yiyin_web::{AppState, FixedClock};

pub struct App {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    db: Option<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// 09:00 China Standard Time on a date.
pub fn at(date: &str) -> DateTime<Utc> {
    let d = parse_date(date).unwrap();
    Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap())
}

impl App {
    /// A server on a fresh database with the built-in organisation and the sample catalog of
    /// `tests/fixtures/catalog.toml` published on 2025-01-01; the clock reads `today`.
    pub async fn spawn(backend: Backend, today: &str) -> App {
        let db = TestDb::new(backend).await.expect("test database");
        let store = Store::connect(&db.url, StoreOptions::default())
            .await
            .expect("connect");
        store.init_organisation().await.unwrap();
        let file: CatalogFile = toml::from_str(include_str!("../fixtures/catalog.toml")).unwrap();
        store
            .import_catalog(
                &file,
                &ImportMode::Publish {
                    effective_on: parse_date("2025-01-01").unwrap(),
                    note: "首批公布".into(),
                },
                parse_date("2025-01-01").unwrap(),
                "tester",
            )
            .await
            .unwrap();
        let clock = Arc::new(FixedClock::new(at(today)));
        let state = AppState::load(store.clone(), Calendar::builtin(), clock.clone())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let server = tokio::spawn(async move {
            yiyin_web::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        App {
            base,
            client,
            store,
            clock,
            db: Some(db),
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Creates a staff account with one role and returns its bearer token.
    pub async fn staff(
        &self,
        login: &str,
        role: Role,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> String {
        let grant = Grant {
            role,
            jurisdiction: jurisdiction.into(),
            department: department.map(str::to_string),
            unit: None,
        };
        self.store
            .create_staff(
                login,
                &format!("测试{}", role.label()),
                "ceshi2025",
                &[grant],
            )
            .await
            .unwrap();
        self.token(login, "ceshi2025").await
    }

    /// Logs in and returns the bearer token.
    pub async fn token(&self, login: &str, password: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "login {login}");
        let body: serde_json::Value = r.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// A request with a bearer token and a JSON body; returns status and JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let client = reqwest::Client::new();
        let mut req = client.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await.unwrap();
        }
    }
}

/// Declares each test once per backend.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(yiyin_store::Backend::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(yiyin_store::Backend::Postgres).await; })*
        }
    };
}
