//! One identity per person (一人一档) against a real server and a real OpenID Connect provider (npm's
//! `oidc-provider`, run by `tests/clients/oidc_provider.mjs`, installed by `scripts/test`), on both
//! databases: a citizen logs in through the provider (authorization code with PKCE, state and nonce)
//! and lands logged in on Yiyin, returned where she was going, and sees in 我的办件 the walk-in case
//! filed earlier under her ID number; an account that only typed that ID number at registration
//! sees nothing of it. A forged state, a callback from another browser, a replayed callback and a
//! replayed code are refused in Chinese and make no account. At intake, an ID number on record
//! under another name warns the clerk, who goes on only with a reason (recorded), and refuses an
//! unverified online applicant.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use yiyin_app::identity::ProviderConfig;
use yiyin_domain::party::SubjectId;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::server::Setup;
use yiyin_testkit::web::{COMPANY_ID, HANYIN, online};
use yiyin_testkit::{Api, on_both};

on_both!(
    a_citizen_logs_in_through_the_provider_and_sees_her_walk_in_case,
    forged_state_and_replayed_code_are_refused_and_make_no_account,
    another_name_under_an_id_number_is_flagged_at_intake,
    a_password_account_binds_its_identity_and_gets_the_walk_in_licence,
);

const ID: &str = "11010519491231002X";
const NAME: &str = "王芳";
const CLIENT_ID: &str = "yiyin-test";
const CLIENT_SECRET: &str = "a-test-client-secret-of-enough-length-2025";
/// What a callback that cannot be taken is told (`yiyin_app::identity::STALE_LOGIN`).
const STALE: &str = "统一身份认证登录请求无效、已使用或已过期";

/// The OpenID Connect provider process, ended when dropped.
struct Idp {
    port: u16,
    child: Option<Child>,
    /// The test user's ID number and name.
    user: (&'static str, &'static str),
}

impl Drop for Idp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Where `scripts/test` installed oidc-provider: under the build folder.
fn provider_module() -> String {
    yiyin_testkit::processes::oidc_provider_module()
}

impl Idp {
    /// A free port for the provider, before Yiyin (which must know the issuer) starts.
    fn reserve() -> Idp {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr")
            .port();
        Idp {
            port,
            child: None,
            user: (ID, NAME),
        }
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn config(&self) -> ProviderConfig {
        ProviderConfig {
            issuer: self.issuer(),
            client_id: CLIENT_ID.into(),
            client_secret: SecretString::from(CLIENT_SECRET),
            redirect_url: String::new(),
            name_claim: "name".into(),
            id_claim: "id_number".into(),
            scopes: vec!["profile".into()],
        }
    }

    /// Starts the provider with Yiyin's callback registered, and waits until it answers.
    async fn run(&mut self, yiyin: &str) {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/oidc_provider.mjs"
        );
        let child = Command::new("node")
            .arg(script)
            .env("OIDC_PROVIDER_MODULE", provider_module())
            .env("OIDC_PORT", self.port.to_string())
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URI", format!("{yiyin}/login/sso/callback"))
            .env("OIDC_SUB", "citizen-0001")
            .env("OIDC_NAME", self.user.1)
            .env("OIDC_ID_NUMBER", self.user.0)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        self.child = Some(child);
        let discovery = format!("{}/.well-known/openid-configuration", self.issuer());
        for _ in 0..100 {
            if let Ok(r) = reqwest::get(&discovery).await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the OpenID Connect provider did not start");
    }
}

/// A browser: keeps cookies, follows no redirect by itself.
fn browser() -> reqwest::Client {
    yiyin_testkit::browser::new_browser()
}

/// Follows the redirects from `url` through the provider until Yiyin's callback; returns its URL
/// (not yet visited).
async fn to_callback(browser: &reqwest::Client, app: &Api, url: &str) -> String {
    let mut url = reqwest::Url::parse(url).expect("url");
    for _ in 0..20 {
        if url.as_str().starts_with(&app.url("/login/sso/callback")) {
            return url.to_string();
        }
        let r = browser.get(url.clone()).send().await.expect("answers");
        assert!(
            r.status().is_redirection(),
            "{url}: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        let location = r.headers()["location"].to_str().expect("ascii").to_string();
        url = url.join(&location).expect("location");
    }
    panic!("no callback after 20 redirects");
}

/// Starts a login on Yiyin's login page's link, returning to `next`; the callback URL.
async fn login_at_provider(browser: &reqwest::Client, app: &Api, next: &str) -> String {
    to_callback(browser, app, &app.url(&format!("/login/sso?next={next}"))).await
}

/// The callback URL with one parameter replaced.
fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .expect("parameter")
}

/// A refused callback: a client error, in Chinese, with `phrase`.
async fn refused(r: reqwest::Response, phrase: &str) {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert!(status.is_client_error(), "{status}: {text}");
    assert!(text.contains(phrase), "{phrase} not in {text}");
}

async fn server_with_provider(backend: Backend) -> (Api, Idp) {
    provider_for(Setup::new(backend, "2025-03-03"), (ID, NAME)).await
}

/// A server as `setup` says with a provider whose test user is `user` (ID number, name).
async fn provider_for(setup: Setup, user: (&'static str, &'static str)) -> (Api, Idp) {
    let mut idp = Idp::reserve();
    idp.user = user;
    let app = Api::start(setup.identity_provider(idp.config())).await;
    idp.run(&app.base).await;
    (app, idp)
}

fn person() -> SubjectId {
    SubjectId::parse_any(ID).expect("id")
}

/// A walk-in case of 王芳 at the window; its number.
async fn walk_in(
    app: &Api,
    clerk: &str,
    name: &str,
    confirmation: Option<&str>,
) -> serde_json::Value {
    app.by(clerk)
        .post(
            "/api/v1/cases",
            json!({
                "jurisdiction": HANYIN,
                "item_code": "HY-SC-001",
                "applicant": {"kind": "person", "name": name, "id_number": ID, "phone": "13812345678"},
                "materials": ["M1", "M2"],
                "name_confirmation": confirmation,
            }),
        )
        .await
        .body
}

async fn a_citizen_logs_in_through_the_provider_and_sees_her_walk_in_case(backend: Backend) {
    let (app, _idp) = server_with_provider(backend).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let case = walk_in(&app, &clerk, NAME, None).await;
    let number = case["number"].as_str().expect("a case number").to_string();
    let case_id = case["id"].as_i64().unwrap();

    // Typing the ID number at registration gives nothing: not in 我的办件, not readable.
    let typed = app.register("person", NAME, ID, "Wangfang2025a").await;
    let (status, mine) = app.page_text(&typed, "/my").await;
    assert_eq!(status, 200);
    assert!(!mine.contains(&number), "{mine}");
    app.by(&typed)
        .get(&format!("/api/v1/cases/{case_id}"))
        .await
        .expect(403);

    // The login page offers the provider.
    let (_, login) = app.get_text("/login?next=/my/licences").await;
    assert!(login.contains("统一身份认证登录"), "{login}");

    // Through the provider, back where she was going, logged in.
    let b = browser();
    let callback = login_at_provider(&b, &app, "/my/licences").await;
    let landed = b.get(&callback).send().await.expect("answers");
    assert_eq!(landed.status().as_u16(), 303, "{:?}", landed.text().await);
    assert_eq!(landed.headers()["location"], "/my/licences");
    let my = b.get(app.url("/my")).send().await.expect("answers");
    assert_eq!(my.status().as_u16(), 200);
    let my = my.text().await.unwrap();
    assert!(my.contains(&number), "the walk-in case is hers: {my}");
    let seen = b
        .get(app.url(&format!("/my/cases/{case_id}")))
        .send()
        .await
        .expect("answers");
    assert_eq!(seen.status().as_u16(), 200);
    let account = b
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(account.contains("已实名核验"), "{account}");
    assert!(account.contains("110*************2X"), "{account}");

    // The account is bound to the verified identity, and the act recorded.
    let bound = app
        .store
        .account_of_verified_id(&person())
        .await
        .unwrap()
        .expect("an account bound to the identity");
    let a = app.store.account(bound).await.unwrap();
    assert_eq!(a.verified.as_ref().map(|v| v.name.as_str()), Some(NAME));
    let events = app.store.events_from(0, 10_000).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "identity_register" && e.actor_account == Some(bound)),
        "the registration through the provider is an event"
    );

    // The same callback again: refused in Chinese.
    refused(b.get(&callback).send().await.expect("answers"), STALE).await;

    // A second login finds the same account.
    let again = browser();
    let cb = login_at_provider(&again, &app, "").await;
    let landed = again.get(&cb).send().await.expect("answers");
    assert_eq!(landed.headers()["location"], "/my");
    assert_eq!(
        app.store.account_of_verified_id(&person()).await.unwrap(),
        Some(bound)
    );

    // The account that only typed the number still sees nothing of it.
    let (_, mine) = app.page_text(&typed, "/my").await;
    assert!(!mine.contains(&number), "{mine}");
    app.stop().await;
}

async fn forged_state_and_replayed_code_are_refused_and_make_no_account(backend: Backend) {
    let (app, _idp) = server_with_provider(backend).await;
    let b = browser();
    let callback = login_at_provider(&b, &app, "/my").await;

    // A forged state, and the right callback in a browser that did not start the login.
    refused(
        b.get(with_param(&callback, "state", "forged-state"))
            .send()
            .await
            .expect("answers"),
        STALE,
    )
    .await;
    refused(
        browser().get(&callback).send().await.expect("answers"),
        STALE,
    )
    .await;
    // The provider's error comes back in Chinese too.
    refused(
        b.get(app.url("/login/sso/callback?error=access_denied&state=x"))
            .send()
            .await
            .expect("answers"),
        "取消登录授权",
    )
    .await;
    assert_eq!(
        app.store.account_of_verified_id(&person()).await.unwrap(),
        None,
        "nothing was made"
    );

    // The callback itself still works once.
    let landed = b.get(&callback).send().await.expect("answers");
    assert_eq!(landed.status().as_u16(), 303);
    let bound = app.store.account_of_verified_id(&person()).await.unwrap();
    assert!(bound.is_some());

    // Another login, its own state, with the code already used: the provider refuses it.
    let other = browser();
    let second = login_at_provider(&other, &app, "/my").await;
    let replayed = with_param(&second, "code", &param(&callback, "code"));
    refused(
        other.get(&replayed).send().await.expect("answers"),
        "授权码无效或已使用",
    )
    .await;
    // Its state is spent: the genuine callback after it is refused as well.
    refused(other.get(&second).send().await.expect("answers"), STALE).await;
    assert_eq!(
        app.store.account_of_verified_id(&person()).await.unwrap(),
        bound
    );
    app.stop().await;
}

async fn another_name_under_an_id_number_is_flagged_at_intake(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let first = walk_in(&app, &clerk, NAME, None).await;
    assert!(first["number"].is_string(), "{first}");

    // The window: warned, nothing kept, until the clerk confirms with a reason.
    let before = app.store.case_count().await.unwrap();
    let warned = app
        .by(&clerk)
        .post(
            "/api/v1/cases",
            json!({
                "jurisdiction": HANYIN, "item_code": "HY-SC-001",
                "applicant": {"kind": "person", "name": "王小芳", "id_number": ID},
                "materials": ["M1"],
            }),
        )
        .await
        .refused(422, "「王芳」");
    assert!(warned.to_string().contains("确认理由"), "{warned}");
    assert_eq!(app.store.case_count().await.unwrap(), before);
    let confirmed = walk_in(&app, &clerk, "王小芳", Some("核对户口簿，申请人已更名")).await;
    let id = confirmed["id"].as_i64().expect("received once confirmed");
    let events = app.store.case_events(id).await.unwrap();
    let e = events
        .iter()
        .find(|e| e.action == "applicant_name_confirmed")
        .expect("the confirmation is recorded");
    assert!(
        e.reason.contains("核对户口簿，申请人已更名"),
        "{}",
        e.reason
    );
    assert!(e.reason.contains("王芳"), "{}", e.reason);

    // The window's page: the warning beside a field for the reason; with one, received.
    let csrf = app.browser_login("hy.clerk").await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("key", "window-name-1"),
        ("j", HANYIN),
        ("item", "HY-SC-001"),
        ("kind", "person"),
        ("name", "王晓芳"),
        ("id_number", ID),
        ("phone", "13912345678"),
        ("materials", "M1"),
        ("outcome", "receive"),
    ];
    let (status, html, _) = answered(app.post_form("/work/intake", &fields).await).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("name=\"name_confirmation\""), "{html}");
    assert!(html.contains("已登记在"), "{html}");
    let before = app.store.case_count().await.unwrap();
    fields.push(("name_confirmation", "核对身份证件，原登记姓名有误"));
    let (status, html, _) = answered(app.post_form("/work/intake", &fields).await).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(app.store.case_count().await.unwrap(), before + 1);

    // Online: an unverified account under that number with another name is refused.
    let other = app.register("person", "冒名者", ID, "Maoming2025a").await;
    let before = app.store.case_count().await.unwrap();
    let refusal = app
        .by(&other)
        .post("/api/v1/cases", online(true))
        .await
        .refused(422, "不能网上申请");
    assert!(!refusal.to_string().contains("王芳"), "{refusal}");
    assert_eq!(app.store.case_count().await.unwrap(), before);
    app.stop().await;
}

async fn a_password_account_binds_its_identity_and_gets_the_walk_in_licence(backend: Backend) {
    let company = "汉阴县月河餐饮有限公司";
    let setup = Setup::new(backend, "2025-03-03").sealed();
    let (app, _idp) = provider_for(setup, (COMPANY_ID, company)).await;
    // A licence granted on a walk-in application of the company.
    let (case_id, _, _) = app.licensed_case().await;
    let holder = SubjectId::parse_any(COMPANY_ID).unwrap();
    let licence = app.store.licences_of_holder(&holder).await.unwrap()[0]
        .identifier
        .clone();
    let number = app.store.case(case_id).await.unwrap().number;

    // The company's password account, before binding: neither the case nor the licence.
    app.register("organisation", company, COMPANY_ID, "Yuehe2025ab")
        .await;
    let b = browser();
    let csrf = app
        .log_in_on(&b, json!({"login": COMPANY_ID, "password": "Yuehe2025ab"}))
        .await;
    let text = |path: &str| {
        let b = b.clone();
        let url = app.url(path);
        async move {
            let r = b.get(url).send().await.expect("answers");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    assert!(!text("/my").await.1.contains(&number));
    assert!(!text("/my/licences").await.1.contains(&licence));
    let (_, account) = text("/account").await;
    assert!(account.contains("通过统一身份认证核验身份"), "{account}");
    let path = format!("/api/v1/cases/{case_id}");
    assert_eq!(text(&path).await.0, 403);

    // Binding without the form's token is refused; with it, through the provider.
    let start = |csrf: String| {
        b.post(app.url("/account/identity"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}"))
            .send()
    };
    let r = start("wrong".into()).await.expect("answers");
    assert_eq!(r.status().as_u16(), 403);
    let r = start(csrf).await.expect("answers");
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let callback = to_callback(&b, &app, &to).await;
    let bound = b.get(&callback).send().await.expect("answers");
    assert_eq!(bound.status().as_u16(), 303);
    let back = bound.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with("/account"), "{back}");
    let (_, account) = text("/account").await;
    assert!(account.contains("已实名核验"), "{account}");

    // Now the walk-in case and its licence are the account's, the sealed documents downloadable.
    assert!(text("/my").await.1.contains(&number));
    assert!(text("/my/licences").await.1.contains(&licence));
    assert_eq!(text(&format!("/my/licences/{licence}")).await.0, 200);
    let (status, view) = text(&path).await;
    assert_eq!(status, 200, "{view}");
    let view: serde_json::Value = serde_json::from_str(&view).unwrap();
    let docs = view["documents"].as_array().expect("documents");
    assert!(!docs.is_empty());
    for d in docs {
        let pdf = b
            .get(app.url(&format!("/cases/{case_id}/documents/{}/pdf", d["id"])))
            .send()
            .await
            .expect("answers");
        assert_eq!(pdf.status().as_u16(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    }
    let events = app.store.events_from(0, 10_000).await.unwrap();
    assert!(events.iter().any(|e| e.action == "identity_bind"));
    app.stop().await;
}
