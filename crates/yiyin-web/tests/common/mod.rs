//! Test support: a real Yiyin server (`yiyin_testkit::TestServer`) on a fresh database of either
//! backend, with a clock the test controls, and an HTTP client with its cookies.

#![allow(dead_code)]

use std::sync::Arc;

use yiyin_app::accounts::NewStaff;
use yiyin_app::{FixedClock, Principal};
use yiyin_domain::authz::Grant;
use yiyin_domain::roles::Role;
use yiyin_store::{Backend, Store};
use yiyin_testkit::{PASSWORD, Setup, TestServer};

pub struct App {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    /// The server's application layer, to run its sweeps and deliveries at chosen moments.
    pub app: yiyin_app::App,
    server: TestServer,
}

impl App {
    /// A server on a fresh database with the built-in organisation and the sample catalog
    /// published on 2025-01-01; the clock reads `today`.
    pub async fn spawn(backend: Backend, today: &str) -> App {
        Self::around(TestServer::spawn(Setup::new(backend, today)).await)
    }

    /// The same, with the seals made with `PASSPHRASE`: documents are sealed as they are issued.
    pub async fn spawn_sealed(backend: Backend, today: &str) -> App {
        Self::around(TestServer::spawn(Setup::new(backend, today).sealed()).await)
    }

    /// A sealed server without the background work: the test runs sweeps and deliveries itself.
    pub async fn spawn_sealed_quiet(backend: Backend, today: &str) -> App {
        Self::around(TestServer::spawn(Setup::new(backend, today).sealed().quiet()).await)
    }

    fn around(server: TestServer) -> App {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        App {
            base: server.base.clone(),
            client,
            store: server.app.store.clone(),
            clock: server.clock.clone(),
            app: server.app.clone(),
            server,
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
        yiyin_app::accounts::create_staff(
            &self.store,
            &NewStaff {
                login: login.into(),
                name: format!("测试{}", role.label()),
                password: PASSWORD.into(),
                grants: vec![grant],
            },
            self.app.now(),
        )
        .await
        .unwrap();
        self.token(login, PASSWORD).await
    }

    /// The account behind a login, as the use cases take it (for what a test does beside the API).
    pub async fn principal(&self, login: &str) -> Principal {
        let account = self
            .store
            .account_by_login(login)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {login}"));
        Principal::new(account)
    }

    /// The database, for raw access (tampering).
    pub fn db(&self) -> &yiyin_testkit::TestDb {
        self.server.db()
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

    /// Restarts Yiyin on the same database (new state, new port, same clock); sessions, like
    /// everything stored, survive.
    pub async fn restart(self) -> App {
        let server = self.server.restart().await;
        App {
            base: server.base.clone(),
            client: self.client,
            store: server.app.store.clone(),
            clock: server.clock.clone(),
            app: server.app.clone(),
            server,
        }
    }

    /// Stops the server and drops the database.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// An application for HY-SC-001 (食品经营许可, five years, supervised by 市场监管) by the test company.
pub fn intake(materials: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "jurisdiction": "hanyin",
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": "91350100M000100Y43"},
        "materials": materials,
    })
}

/// Takes an application at the window through to the licence; returns (case id, the case's last
/// view, the clerk's token).
pub async fn licensed_case(app: &App) -> (i64, serde_json::Value, String) {
    licensed_case_filed_by(app, None).await
}

/// The same, for an application filed online by an applicant's account (`filer`'s token).
pub async fn licensed_case_filed_by(
    app: &App,
    filer: Option<&str>,
) -> (i64, serde_json::Value, String) {
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let reviewer = app
        .staff("hy.reviewer", Role::Reviewer, "hanyin", None)
        .await;
    let chief = app
        .staff("hy.chief", Role::SectionChief, "hanyin", None)
        .await;
    let (s, case) = match filer {
        None => {
            app.call(
                "POST",
                "/api/v1/cases",
                Some(&clerk),
                Some(intake(&["M1", "M2"])),
            )
            .await
        }
        Some(token) => {
            app.call(
                "POST",
                "/api/v1/cases",
                Some(token),
                Some(
                    serde_json::json!({"jurisdiction": "hanyin", "item_code": "HY-SC-001", "materials": ["M1", "M2"], "attested": true}),
                ),
            )
            .await
        }
    };
    assert_eq!(s, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    let act = |t: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.call(
                "POST",
                &format!("/api/v1/cases/{id}/actions"),
                Some(&t),
                Some(body),
            )
            .await
        }
    };
    act(clerk.clone(), serde_json::json!({"action": "accept"})).await;
    act(reviewer.clone(), serde_json::json!({"action": "complete_step", "kind": "review", "staff": ["李娜"], "opinion": "符合条件"})).await;
    act(
        chief.clone(),
        serde_json::json!({"action": "decide", "approve": true, "reason": "符合条件"}),
    )
    .await;
    let (s, c) = act(
        clerk.clone(),
        serde_json::json!({"action": "issue_certificate"}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    (id, c, clerk)
}
