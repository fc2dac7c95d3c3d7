//! The application layer on a fresh database, as the use-case tests drive it: the built-in
//! organisation, the sample catalog published on 2025-01-01, optionally the seals, a clock that
//! stands still until the test moves it, and principals for every role.

use std::future::Future;
use std::sync::Arc;

use chrono::NaiveDate;

use secrecy::SecretString;
use yiyin_app::accounts::{NewStaff, Registration};
use yiyin_app::catalog::ImportMode;
use yiyin_app::{App, FixedClock, Keyring, Principal};
use yiyin_blobs::BlobStore;
use yiyin_domain::authz::Grant;
use yiyin_domain::calendar::Calendar;
use yiyin_domain::catalog::{Item, Publication};
use yiyin_domain::roles::Role;
use yiyin_store::accounts::Account;
use yiyin_store::{Backend, Store, StoreOptions};

use crate::db::TestDb;
use crate::fixtures::{at, catalog, date, sample_item};

/// The seal passphrase of sealed test setups.
pub const PASSPHRASE: &str = "ceshi-kouling-2026";

/// The password of every test account (meets the staff password policy).
pub const PASSWORD: &str = "Ceshi-Mima25";

/// The TOTP secret of every test account holding a role that needs the second factor (enrolled
/// when the account is made); the code at an instant is `yiyin_app::totp::code_at(TOTP_SECRET, t)`.
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Prepares a fresh database the way an installation starts: the organisation, the sample catalog
/// published on 2025-01-01, and (with a passphrase) the seals, made on `today`.
pub async fn prepare(db: &TestDb, options: StoreOptions, today: &str, sealed: bool) -> Store {
    let store = db.store(options).await;
    yiyin_app::admin::init_organisation(&store)
        .await
        .expect("organisation");
    let first = date("2025-01-01");
    yiyin_app::catalog::import_catalog(
        &store,
        &catalog(),
        &ImportMode::Publish {
            effective_on: first,
            note: "首批公布".into(),
        },
        first,
        "tester",
    )
    .await
    .expect("the sample catalog");
    if sealed {
        yiyin_app::seals::ensure_seals(&store, &passphrase(), date(today))
            .await
            .expect("seals");
    }
    store
}

/// Publishes in 汉阴县 a new version of the sample catalog's HY-SC-001 as `change` makes it (under
/// another code, another item), effective and decided on `on`, with `note`.
pub async fn publish_variant(
    store: &Store,
    on: NaiveDate,
    note: &str,
    change: impl FnOnce(&mut Item),
) {
    let mut item = sample_item("HY-SC-001");
    change(&mut item);
    let p = Publication {
        effective_on: on,
        today: on,
        note,
        by: "test",
    };
    yiyin_app::catalog::publish_item(store, crate::web::HANYIN, item, p)
        .await
        .unwrap_or_else(|e| panic!("publish: {e}"));
}

pub fn passphrase() -> SecretString {
    SecretString::from(PASSPHRASE)
}

/// The application over a prepared store, its files in a folder of its own.
pub async fn app_on(
    db: &TestDb,
    store: Store,
    clock: Arc<FixedClock>,
    sealed: bool,
    public_url: &str,
) -> App {
    let keyring = if sealed {
        Keyring::open(&store, &passphrase()).await.expect("keyring")
    } else {
        Keyring::default()
    };
    let blobs = BlobStore::local(db.blob_dir()).expect("blob folder");
    let app = App::new(
        store,
        Calendar::builtin(),
        clock,
        blobs,
        keyring,
        public_url,
    )
    .await
    .expect("application")
    // The tests' push receivers listen on 127.0.0.1: loopback is allowed explicitly, as an
    // administrator would allow an internal network with `--webhook-allow`.
    .allow_webhook_networks(vec!["127.0.0.0/8".parse().expect("network")]);
    // A sealed application keeps its seals in line with the organisation, as a server does.
    if sealed {
        app.with_seal_passphrase(passphrase())
    } else {
        app
    }
}

/// One role in a jurisdiction (limited to `department` when given).
pub fn grant(role: Role, jurisdiction: &str, department: Option<&str>) -> Grant {
    Grant {
        role,
        jurisdiction: jurisdiction.into(),
        department: department.map(str::to_string),
        unit: None,
    }
}

/// A staff account with the test password, its second factor enrolled with [`TOTP_SECRET`] when a
/// role needs it.
pub async fn new_staff(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    login: &str,
    name: String,
    grants: Vec<Grant>,
) -> Account {
    let staff = NewStaff {
        login: login.into(),
        name,
        password: PASSWORD.into(),
        grants,
    };
    let by = yiyin_domain::party::Actor::cli("测试");
    let account = yiyin_app::accounts::create_staff(store, &staff, &by, None, now)
        .await
        .expect("staff account");
    if yiyin_app::totp::needs_second_factor(&account.grants) {
        yiyin_app::totp::enrol(store, &account, TOTP_SECRET, &by, now)
            .await
            .expect("second factor");
    }
    account
}

/// The application on a fresh database, with a clock the test moves.
#[derive(Debug, Clone)]
pub struct TestApp {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub backend: Backend,
    /// The database's URL, for raw access (tampering) through [`TestDb`]-like connections.
    pub url: String,
}

impl std::ops::Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl TestApp {
    /// The application on `db`, its clock at 09:00 on `today`.
    pub async fn on(db: &TestDb, today: &str, sealed: bool) -> TestApp {
        let store = prepare(db, StoreOptions::default(), today, sealed).await;
        let clock = Arc::new(FixedClock::new(at(today)));
        let app = app_on(db, store, clock.clone(), sealed, "http://127.0.0.1:8080").await;
        TestApp {
            app,
            clock,
            backend: db.backend,
            url: db.url.clone(),
        }
    }

    /// A fresh code of an authenticator with `secret` (each code is accepted once: the wall time
    /// moves on one step for each, the business time stays).
    pub fn totp_code(&self, secret: &str) -> String {
        yiyin_app::totp::code_at(secret, self.clock.next_code_time()).expect("a code")
    }

    /// Moves the clock to 09:00 on a date.
    pub fn set_today(&self, day: &str) {
        self.clock.set(at(day));
    }

    /// Moves the clock to an instant.
    pub fn set_now(&self, now: chrono::DateTime<chrono::Utc>) {
        self.clock.set(now);
    }

    /// A staff account with one role (limited to `department` when given).
    pub async fn staff(
        &self,
        login: &str,
        role: Role,
        jurisdiction: &str,
        department: Option<&str>,
    ) -> Principal {
        let grants = vec![grant(role, jurisdiction, department)];
        self.staff_with(login, grants).await
    }

    /// A staff account with several grants, named 测试`login`.
    pub async fn staff_with(&self, login: &str, grants: Vec<Grant>) -> Principal {
        let name = format!("测试{login}");
        Principal::new(new_staff(&self.app.store, self.app.now(), login, name, grants).await)
    }

    /// A registered applicant (a person when `id_number` is a citizen ID number, an organisation
    /// when it is a unified social credit code).
    pub async fn applicant(&self, id_number: &str, name: &str) -> Principal {
        let kind =
            if id_number.len() == 18 && id_number.chars().take(17).all(|c| c.is_ascii_digit()) {
                "person"
            } else {
                "organisation"
            };
        let account = self
            .app
            .create_applicant(&Registration {
                kind: kind.into(),
                name: name.into(),
                id_number: id_number.into(),
                phone: "13800000000".into(),
                password: PASSWORD.into(),
                code: String::new(),
            })
            .await
            .expect("registration");
        Principal::new(account)
    }

    /// The actions of a case's events, oldest first.
    pub async fn actions(&self, case_id: i64) -> Vec<String> {
        let events = self.app.store.case_events(case_id).await.expect("events");
        events.into_iter().map(|e| e.action).collect()
    }

    /// The titles of a case's documents, in the order they were issued.
    pub async fn document_titles(&self, case_id: i64) -> Vec<String> {
        let documents = self
            .app
            .store
            .case_documents(case_id)
            .await
            .expect("documents");
        documents.into_iter().map(|d| d.record.title).collect()
    }

    /// How many events of the whole chain record `action`.
    pub async fn logged(&self, action: &str) -> usize {
        let events = self.app.store.events_from(1, 10_000).await.expect("events");
        events.iter().filter(|e| e.action == action).count()
    }

    /// A raw connection to the database, for what an intruder with its password could do.
    pub async fn tamper(&self, sql: &str) {
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("raw connection");
        conn.execute(sql).await.expect("tamper");
        conn.close().await.expect("close");
    }
}

/// Runs `body` on a fresh unsealed application on `backend` (clock at 2025-03-03), dropping the
/// database after.
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, false, body).await;
}

/// The same with the seals made: documents are sealed as they are issued.
pub async fn run_sealed<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, true, body).await;
}

async fn run_with<F, Fut>(backend: Backend, sealed: bool, body: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = TestDb::new(backend).await;
    let t = TestApp::on(&db, "2025-03-03", sealed).await;
    let store = t.app.store.clone();
    body(t).await;
    store.close().await;
    db.drop_db().await;
}
