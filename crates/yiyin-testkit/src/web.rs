//! A client of a [`TestServer`]'s HTTP API, as the web tests and the benchmark drive it: staff
//! accounts with their bearer tokens, requests sent by one of them (or by nobody) answering a
//! [`Reply`] whose status a test asserts in one call, and the cases every suite needs — an
//! application for the sample catalog's HY-SC-001 and the steps that take it to its licence.

use std::sync::Arc;

use serde_json::{Value, json};
use yiyin_app::{FixedClock, Principal};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::Item;
use yiyin_domain::roles::Role;
use yiyin_store::{Backend, Store};

use crate::app::{PASSWORD, TOTP_SECRET, grant, new_staff};
use crate::db::TestDb;
use crate::server::{Setup, TestServer};

/// The jurisdiction of the sample catalog.
pub const HANYIN: &str = "hanyin";

/// The unified social credit code of the test company that applies for HY-SC-001.
pub const COMPANY_ID: &str = "91350100M000100Y43";
/// Its name.
pub const COMPANY: &str = "汉阴县月河餐饮有限公司";
/// The name the test builder of construction projects goes by, under the same credit code.
pub const BUILDER: &str = "汉阴县月河建设有限公司";

/// What the server answered: its status and its JSON (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Asserts the status (showing the body when it differs) and returns the JSON.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        self.body
    }

    /// Asserts an error answer of this status whose Chinese message says `phrase`.
    #[track_caller]
    pub fn refused(self, status: u16, phrase: &str) -> Value {
        let body = self.expect(status);
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(phrase), "«{phrase}» not in {body}");
        body
    }
}

/// A test server with HTTP clients: one keeping cookies (as a browser does, for the pages and the
/// session cookie), one without (for bearer tokens).
pub struct Api {
    pub base: String,
    /// Keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    /// Sends bearer tokens, keeps nothing.
    pub plain: reqwest::Client,
    pub store: Store,
    pub clock: Arc<FixedClock>,
    /// The server's application layer, to run its sweeps and deliveries at chosen moments.
    pub app: yiyin_app::App,
    server: TestServer,
}

impl Api {
    /// A server on a fresh database with the built-in organisation and the sample catalog
    /// published on 2025-01-01; the clock reads `today`.
    pub async fn spawn(backend: Backend, today: &str) -> Api {
        Self::start(Setup::new(backend, today)).await
    }

    /// The same, with the seals made: documents are sealed as they are issued.
    pub async fn spawn_sealed(backend: Backend, today: &str) -> Api {
        Self::start(Setup::new(backend, today).sealed()).await
    }

    /// A sealed server without the background work: the test runs sweeps and deliveries itself.
    pub async fn spawn_sealed_quiet(backend: Backend, today: &str) -> Api {
        Self::start(Setup::new(backend, today).sealed().quiet()).await
    }

    /// A server as `setup` says.
    pub async fn start(setup: Setup) -> Api {
        Self::around(
            TestServer::spawn(setup).await,
            crate::browser::new_browser(),
            reqwest::Client::new(),
        )
    }

    /// `n` servers on one database and one blob folder ([`TestServer::cluster`]); stop the first
    /// last (it drops the database).
    pub async fn cluster(setup: Setup, n: usize) -> Vec<Api> {
        TestServer::cluster(setup, n)
            .await
            .into_iter()
            .map(|s| Self::around(s, crate::browser::new_browser(), reqwest::Client::new()))
            .collect()
    }

    /// The same with the client for bearer tokens given (a benchmark's, with its own pool and
    /// headers).
    pub fn with_plain(mut self, plain: reqwest::Client) -> Api {
        self.plain = plain;
        self
    }

    fn around(server: TestServer, client: reqwest::Client, plain: reqwest::Client) -> Api {
        Api {
            base: server.base.clone(),
            client,
            plain,
            store: server.app.store.clone(),
            clock: server.clock.clone(),
            app: server.app.clone(),
            server,
        }
    }

    /// Creates a staff account with one role in a jurisdiction and returns its bearer token.
    pub async fn staff(&self, login: &str, role: Role, jurisdiction: &str) -> String {
        self.staff_with(login, grant(role, jurisdiction, None))
            .await
    }

    /// Creates a staff account with one grant, named 测试 and the role (never the login, which the
    /// public must not see), and returns its bearer token.
    pub async fn staff_with(&self, login: &str, grant: Grant) -> String {
        let name = format!("测试{}", grant.role.label());
        new_staff(&self.store, self.app.now(), login, name, vec![grant]).await;
        self.token(login, PASSWORD).await
    }

    /// A member of a department of 汉阴县 in `role`; returns the bearer token.
    pub async fn department_staff(&self, login: &str, role: Role, department: &str) -> String {
        self.staff_with(login, grant(role, HANYIN, Some(department)))
            .await
    }

    /// An observer (审批观察员) of a department of 汉阴县; returns the bearer token.
    pub async fn observer(&self, login: &str, department: &str) -> String {
        self.department_staff(login, Role::Observer, department)
            .await
    }

    /// A supervisor (监管部门人员) of a department of 汉阴县; returns the bearer token.
    pub async fn supervisor(&self, login: &str, department: &str) -> String {
        self.department_staff(login, Role::DepartmentSupervisor, department)
            .await
    }

    /// The bureau of 汉阴县 staffed for a case's steps: a window clerk, a reviewer and a section
    /// chief (`hy.clerk`, `hy.reviewer`, `hy.chief`).
    pub async fn desk(&self) -> Desk {
        Desk {
            clerk: self.staff("hy.clerk", Role::WindowClerk, HANYIN).await,
            reviewer: self.staff("hy.reviewer", Role::Reviewer, HANYIN).await,
            chief: self.staff("hy.chief", Role::SectionChief, HANYIN).await,
        }
    }

    /// The account behind a login, as the use cases take it (for what a test does beside the API).
    pub async fn principal(&self, login: &str) -> Principal {
        let account = self
            .store
            .account_by_login(login)
            .await
            .expect("the accounts")
            .unwrap_or_else(|| panic!("no account {login}"));
        Principal::new(account)
    }

    /// The audit chain's verification as the holder of `token` reads it (a discipline supervisor,
    /// say); asserts it is answered and that no link is broken.
    pub async fn unbroken_chain(&self, token: &str) -> Value {
        let chain = self.by(token).get("/api/v1/audit/chain").await.expect(200);
        assert!(chain["broken"].is_null(), "{chain}");
        chain
    }

    /// The database, for raw access (tampering).
    pub fn db(&self) -> &TestDb {
        self.server.db()
    }

    /// A fresh code of an authenticator with `secret` (each code is accepted once: the server's
    /// wall time moves on one step for each, its business time stays).
    pub fn totp_code(&self, secret: &str) -> String {
        yiyin_app::totp::code_at(secret, self.clock.next_code_time()).expect("a code")
    }

    /// Logs in and returns the bearer token (with the second factor when the server asks for it:
    /// a fresh code of [`TOTP_SECRET`]).
    pub async fn token(&self, login: &str, password: &str) -> String {
        let body = json!({"login": login, "password": password});
        let mut session = self.send("POST", "/api/v1/session", None, Some(body)).await;
        if session.status == 401 && session.body["error"]["code"] == "totp_required" {
            let code = self.totp_code(TOTP_SECRET);
            let body = json!({"login": login, "password": password, "totp": code});
            session = self.send("POST", "/api/v1/session", None, Some(body)).await;
        }
        assert_eq!(session.status, 200, "login {login}: {}", session.body);
        session.body["token"].as_str().expect("a token").to_string()
    }

    /// Logs in again each of `logins` (their sessions ended) and returns their tokens.
    pub async fn tokens<const N: usize>(&self, logins: [&str; N]) -> [String; N] {
        let mut tokens = Vec::with_capacity(N);
        for login in logins {
            tokens.push(self.token(login, PASSWORD).await);
        }
        tokens.try_into().expect("one token per login")
    }

    /// Registers an applicant's account through the API and returns its bearer token.
    pub async fn register(
        &self,
        kind: &str,
        name: &str,
        id_number: &str,
        password: &str,
    ) -> String {
        let body = json!({"kind": kind, "name": name, "id_number": id_number, "phone": "13912345678", "password": password});
        self.anonymous()
            .post("/api/v1/applicants", body)
            .await
            .expect(201);
        self.token(id_number, password).await
    }

    /// An applicant's account made directly by the application layer (phone 13912345678, no SMS
    /// code asked: for a server that texts, whose registration is not what the test is about);
    /// returns its bearer token.
    pub async fn seeded_applicant(
        &self,
        kind: &str,
        name: &str,
        id_number: &str,
        password: &str,
    ) -> String {
        self.app
            .create_applicant(&yiyin_app::accounts::Registration {
                kind: kind.into(),
                name: name.into(),
                id_number: id_number.into(),
                phone: "13912345678".into(),
                password: password.into(),
                code: String::new(),
            })
            .await
            .expect("the applicant's account");
        self.token(id_number, password).await
    }

    /// The test company ([`COMPANY`], [`COMPANY_ID`]) with an account of its own; returns its
    /// bearer token.
    pub async fn company(&self) -> String {
        self.register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
            .await
    }

    /// The test builder ([`BUILDER`], [`COMPANY_ID`]) with an account of its own; returns its
    /// bearer token.
    pub async fn builder(&self) -> String {
        self.register("organisation", BUILDER, COMPANY_ID, "jianshe2025a")
            .await
    }

    /// A window application for HY-SC-001 of the company's branch `n` (第n分店), under the
    /// company's credit code, the clerk confirming the other name; the new case's id.
    pub async fn branch_case(&self, clerk: &str, n: usize) -> i64 {
        let name = format!("{COMPANY}第{n}分店");
        let mut intake = intake_by(&name, &["M1", "M2"]);
        intake["name_confirmation"] = json!("分店以总公司统一社会信用代码申请，已核对营业执照");
        let case = self
            .by(clerk)
            .post("/api/v1/cases", intake)
            .await
            .expect(201);
        case["id"].as_i64().expect("the case's id")
    }

    /// Applies online for HY-SC-001 as the holder of `token`, attested; the new case's id.
    pub async fn apply_online(&self, token: &str) -> i64 {
        let case = self
            .by(token)
            .post("/api/v1/cases", online(true))
            .await
            .expect(201);
        case["id"].as_i64().expect("the case's id")
    }

    /// Another applicant, 某公司, with an account of its own; returns its bearer token.
    pub async fn other_company(&self) -> String {
        self.register(
            "organisation",
            "某公司",
            "916100002205253740",
            "gongsi2025a",
        )
        .await
    }

    /// A request with a bearer token (or none) and a JSON body (or none), not yet sent.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::RequestBuilder {
        let method = method.parse().expect("an HTTP method");
        let mut req = self.plain.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req
    }

    /// Sends such a request; returns status and JSON.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let r = self
            .request(method, path, token, body)
            .send()
            .await
            .expect("the server answers");
        let status = r.status().as_u16();
        Reply {
            status,
            body: r.json().await.unwrap_or(Value::Null),
        }
    }

    /// Requests by the holder of `token`.
    pub fn by<'a>(&'a self, token: &'a str) -> By<'a> {
        By {
            api: self,
            token: Some(token),
        }
    }

    /// Requests by nobody (no token, no cookie).
    pub fn anonymous(&self) -> By<'_> {
        By {
            api: self,
            token: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET with the cookie client.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn get_json(&self, path: &str) -> Reply {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        Reply {
            status,
            body: r.json().await.unwrap_or(Value::Null),
        }
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.expect("a text body"))
    }

    /// A page (or any download) as the holder of `token` gets it: status and body.
    pub async fn page(&self, token: &str, path: &str) -> (u16, Vec<u8>) {
        let r = self
            .request("GET", path, Some(token), None)
            .send()
            .await
            .expect("the server answers");
        let status = r.status().as_u16();
        (status, r.bytes().await.expect("a body").to_vec())
    }

    /// The same, as text.
    pub async fn page_text(&self, token: &str, path: &str) -> (u16, String) {
        let (status, bytes) = self.page(token, path).await;
        (status, String::from_utf8(bytes).expect("UTF-8"))
    }

    /// Receives an application for HY-SC-001 at the window; returns the case's view.
    pub async fn receive(&self, clerk: &str, materials: &[&str]) -> Value {
        self.by(clerk)
            .post("/api/v1/cases", intake(materials))
            .await
            .expect(201)
    }

    /// Receives an application for HY-SC-001 with both materials at the window; returns its id.
    pub async fn received(&self, clerk: &str) -> i64 {
        self.receive(clerk, &["M1", "M2"]).await["id"]
            .as_i64()
            .expect("the case's id")
    }

    /// Publishes today a new version of HY-SC-001 as `change` makes it, with `note` (see
    /// [`crate::app::publish_variant`]).
    pub async fn publish_variant(&self, note: &str, change: impl FnOnce(&mut Item)) {
        crate::app::publish_variant(&self.store, self.app.today(), note, change).await;
    }

    /// An action on a case by the holder of `token`.
    pub async fn act(&self, token: &str, id: i64, action: Value) -> Reply {
        self.by(token).post(&actions(id), action).await
    }

    /// The licence a case issued (its latest version).
    pub async fn licence_of(&self, case: i64) -> yiyin_store::licences::Licence {
        self.store
            .licence_of_case(case)
            .await
            .expect("the store answers")
            .unwrap_or_else(|| panic!("case {case} issued no licence"))
    }

    /// The events of a case with this action, as the holder of `token` reads the case.
    pub async fn events_of(&self, token: &str, id: i64, action: &str) -> Vec<Value> {
        let c = self.case_view(token, id).await;
        c["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["action"] == action)
            .cloned()
            .collect()
    }

    /// How many events of a case have this action, as the holder of `token` reads the case.
    pub async fn event_count(&self, token: &str, id: i64, action: &str) -> usize {
        self.events_of(token, id, action).await.len()
    }

    /// Takes an application at the window through to the licence with the staff of [`Api::desk`];
    /// returns (case id, the case's last view, the clerk's token).
    pub async fn licensed_case(&self) -> (i64, Value, String) {
        self.licensed_case_filed_by(None).await
    }

    /// The same, for an application filed online by an applicant's account (`filer`'s token).
    pub async fn licensed_case_filed_by(&self, filer: Option<&str>) -> (i64, Value, String) {
        let desk = self.desk().await;
        let case = match filer {
            None => self.receive(&desk.clerk, &["M1", "M2"]).await,
            Some(token) => self
                .by(token)
                .post("/api/v1/cases", online(true))
                .await
                .expect(201),
        };
        let id = case["id"].as_i64().expect("the case's id");
        let mut last = Value::Null;
        for (token, action) in desk.licensing(approve("符合条件")) {
            last = self.act(token, id, action).await.expect(200);
        }
        (id, last, desk.clerk)
    }

    /// Restarts Yiyin on the same database (new state, new port, same clock); sessions, like
    /// everything stored, survive.
    pub async fn restart(self) -> Api {
        let server = self.server.restart().await;
        Self::around(server, self.client, self.plain)
    }

    /// Stops the server and drops the database.
    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// Requests sent by one account (or by nobody).
#[derive(Clone, Copy)]
pub struct By<'a> {
    api: &'a Api,
    token: Option<&'a str>,
}

impl By<'_> {
    pub async fn get(self, path: &str) -> Reply {
        self.api.send("GET", path, self.token, None).await
    }

    pub async fn post(self, path: &str, body: Value) -> Reply {
        self.api.send("POST", path, self.token, Some(body)).await
    }

    /// A POST without a body.
    pub async fn post_empty(self, path: &str) -> Reply {
        self.api.send("POST", path, self.token, None).await
    }

    pub async fn put(self, path: &str, body: Value) -> Reply {
        self.api.send("PUT", path, self.token, Some(body)).await
    }
}

/// The tokens of the bureau's staff who take a case through its steps.
#[derive(Debug, Clone)]
pub struct Desk {
    pub clerk: String,
    pub reviewer: String,
    pub chief: String,
}

impl Desk {
    /// The steps from a received HY-SC-001 application to `decision`, each with the token of the
    /// one whose duty it is: accept, review, decide.
    pub fn deciding(&self, decision: Value) -> Vec<(&str, Value)> {
        vec![
            (self.clerk.as_str(), json!({"action": "accept"})),
            (self.reviewer.as_str(), review("符合条件")),
            (self.chief.as_str(), decision),
        ]
    }

    /// The same, then the certificate issued at the window.
    pub fn licensing(&self, decision: Value) -> Vec<(&str, Value)> {
        let mut steps = self.deciding(decision);
        steps.push((self.clerk.as_str(), json!({"action": "issue_certificate"})));
        steps
    }
}

/// The path of a case's actions.
pub fn actions(id: i64) -> String {
    format!("/api/v1/cases/{id}/actions")
}

/// An application at the window for HY-SC-001 (食品经营许可, five years, supervised by 市场监管) by
/// the test company.
pub fn intake(materials: &[&str]) -> Value {
    intake_by("汉阴县月河餐饮有限公司", materials)
}

/// The same by a company of another name (with the same credit code).
pub fn intake_by(name: &str, materials: &[&str]) -> Value {
    json!({
        "jurisdiction": HANYIN,
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": name, "id_number": COMPANY_ID},
        "materials": materials,
    })
}

/// An online application for HY-SC-001 by the applicant's own account, attested (Art. 31) or not.
pub fn online(attested: bool) -> Value {
    json!({"jurisdiction": HANYIN, "item_code": "HY-SC-001", "materials": ["M1", "M2"], "attested": attested})
}

/// The review step, with its opinion.
pub fn review(opinion: &str) -> Value {
    json!({"action": "complete_step", "kind": "review", "staff": ["李娜"], "opinion": opinion})
}

/// The decision to grant, with its reason.
pub fn approve(reason: &str) -> Value {
    json!({"action": "decide", "approve": true, "reason": reason})
}

/// The decision to deny, with its reason.
pub fn deny(reason: &str) -> Value {
    json!({"action": "decide", "approve": false, "reason": reason})
}
