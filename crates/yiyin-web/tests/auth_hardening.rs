//! Authentication under attack, on both databases: logins, registrations, tracking and
//! verification are throttled per client address and per login (429 in Chinese with
//! `Retry-After`, on the API and on the pages); forty wrong passwords at once lock the account, and a
//! locked account reads as an unknown login; after logging in, only local paths are followed.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::form_page;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, Setup, on_both};
use yiyin_web::Limits;

on_both!(
    attempts_are_throttled_per_address_on_every_endpoint,
    attempts_are_throttled_per_login_from_any_address,
    forwarded_addresses_count_only_behind_a_trusted_proxy,
    concurrent_wrong_passwords_lock_the_account,
    only_local_paths_are_followed_after_login
);

/// Three attempts at once, then one a minute: what a test exhausts in a few requests.
fn low() -> Limits {
    Setup::tight_limits(3)
}

/// A request of `method` to `path` from the client address `from` (told by the trusted proxy).
fn from(app: &Api, from: &str, method: &str, path: &str) -> reqwest::RequestBuilder {
    let method = method.parse().expect("a method");
    app.plain
        .request(method, app.url(path))
        .header("x-forwarded-for", format!("203.0.113.9, {from}"))
}

/// Asserts a throttled answer: 429, `Retry-After` in seconds, and the Chinese message (JSON on the
/// API, a page elsewhere).
async fn assert_throttled(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status().as_u16(), 429, "{what}");
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{what}: Retry-After in seconds"));
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
    let api = resp.url().path().starts_with("/api/");
    let text = resp.text().await.unwrap();
    if api {
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["code"], "rate_limited", "{what}: {body}");
        assert_eq!(
            body["error"]["message"], "请求过于频繁，请稍后再试",
            "{what}"
        );
    } else {
        assert!(text.contains("请求过于频繁，请稍后再试"), "{what}: {text}");
        assert!(text.contains("<html"), "{what}: a page");
    }
}

/// Sends `attempt` (built afresh each time, `n` numbering it) until the burst of three is spent,
/// none of them throttled, then asserts the fourth is.
async fn exhaust(what: &str, attempt: impl Fn(usize) -> reqwest::RequestBuilder) {
    for n in 0..3 {
        let resp = attempt(n).send().await.unwrap();
        let status = resp.status().as_u16();
        assert!(status != 429 && status < 500, "{what} #{n}: {status}");
    }
    assert_throttled(attempt(3).send().await.unwrap(), what).await;
}

async fn attempts_are_throttled_per_address_on_every_endpoint(backend: Backend) {
    let app = Api::start(
        Setup::new(backend, "2025-03-03")
            .limits(low())
            .trust_forwarded_for(),
    )
    .await;
    // Each endpoint from an address of its own, each attempt on a login of its own: the address's
    // budget is what runs out.
    exhaust("API login", |n| {
        from(&app, "198.51.100.1", "POST", "/api/v1/session")
            .json(&json!({"login": format!("nobody{n}"), "password": "x"}))
    })
    .await;
    exhaust("API registration", |n| {
        from(&app, "198.51.100.2", "POST", "/api/v1/applicants").json(&json!({
            "kind": "person", "name": "张三", "id_number": format!("11010119900101{n:04}"),
            "phone": "13912345678", "password": "x"
        }))
    })
    .await;
    exhaust("API tracking", |n| {
        from(
            &app,
            "198.51.100.3",
            "GET",
            &format!("/api/v1/track?number=HY2025{n:06}&code=ABCDEF"),
        )
    })
    .await;
    exhaust("API verification", |n| {
        from(
            &app,
            "198.51.100.4",
            "GET",
            &format!("/api/v1/verify?number=X{n}"),
        )
    })
    .await;
    exhaust("API verification upload", |n| {
        from(&app, "198.51.100.5", "POST", "/api/v1/verify").body(format!("not a document {n}"))
    })
    .await;
    exhaust("login page", |n| {
        from(&app, "198.51.100.6", "POST", "/login")
            .form(&[("login", format!("nobody{n}")), ("password", "x".into())])
    })
    .await;
    exhaust("registration page", |n| {
        from(&app, "198.51.100.7", "POST", "/register")
            .form(&[("id_number", format!("11010119900101{n:04}"))])
    })
    .await;
    exhaust("tracking page", |n| {
        from(
            &app,
            "198.51.100.8",
            "GET",
            &format!("/track?number=HY2025{n:06}&code=ABCDEF"),
        )
    })
    .await;
    exhaust("verification page", |n| {
        from(&app, "198.51.100.9", "GET", &format!("/verify?number=X{n}"))
    })
    .await;
    // Another address is not held back by them; the portal itself is never throttled.
    let fresh = from(&app, "198.51.100.10", "POST", "/api/v1/session")
        .json(&json!({"login": "nobody", "password": "x"}));
    assert_eq!(fresh.send().await.unwrap().status().as_u16(), 422);
    for _ in 0..10 {
        let home = from(&app, "198.51.100.1", "GET", "/track").send().await;
        assert_eq!(home.unwrap().status().as_u16(), 200);
    }
    app.stop().await;
}

async fn attempts_are_throttled_per_login_from_any_address(backend: Backend) {
    let app = Api::start(
        Setup::new(backend, "2025-03-03")
            .limits(low())
            .trust_forwarded_for(),
    )
    .await;
    // Two attempts on one login from two addresses; the third, from a third address, is throttled
    // (however the login is spelt), while another login still gets an answer.
    let attempt = |addr: &str, login: &str| {
        from(&app, addr, "POST", "/api/v1/session")
            .json(&json!({"login": login, "password": "wrong"}))
    };
    for (addr, login) in [("192.0.2.1", "hy.target"), ("192.0.2.2", " HY.Target ")] {
        let resp = attempt(addr, login).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 422);
    }
    assert_throttled(
        attempt("192.0.2.3", "hy.target").send().await.unwrap(),
        "a third try on one login",
    )
    .await;
    let other = attempt("192.0.2.3", "hy.other").send().await.unwrap();
    assert_eq!(other.status().as_u16(), 422);
    // The same on the login page, and for a case number tracked.
    for addr in ["192.0.2.4", "192.0.2.5"] {
        let page = from(&app, addr, "POST", "/login").form(&[("login", "hy.page")]);
        assert_ne!(page.send().await.unwrap().status().as_u16(), 429);
    }
    let page = from(&app, "192.0.2.6", "POST", "/login").form(&[("login", "hy.page")]);
    assert_throttled(page.send().await.unwrap(), "the login page, per login").await;
    let track = |addr: &str, code: &str| {
        from(
            &app,
            addr,
            "GET",
            &format!("/api/v1/track?number=HY2025000001&code={code}"),
        )
    };
    for (addr, code) in [("192.0.2.7", "AAAAAA"), ("192.0.2.8", "BBBBBB")] {
        assert_ne!(
            track(addr, code).send().await.unwrap().status().as_u16(),
            429
        );
    }
    assert_throttled(
        track("192.0.2.9", "CCCCCC").send().await.unwrap(),
        "guessing one case's code",
    )
    .await;
    app.stop().await;
}

async fn forwarded_addresses_count_only_behind_a_trusted_proxy(backend: Backend) {
    // Without a trusted proxy, a made-up X-Forwarded-For changes nothing: the peer is counted.
    let app = Api::start(Setup::new(backend, "2025-03-03").limits(low())).await;
    exhaust("API login with forged addresses", |n| {
        from(&app, &format!("198.51.100.{n}"), "POST", "/api/v1/session")
            .json(&json!({"login": format!("nobody{n}"), "password": "x"}))
    })
    .await;
    app.stop().await;
}

async fn concurrent_wrong_passwords_lock_the_account(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.staff("hy.target", Role::WindowClerk, HANYIN).await;
    let login = |login: &str, password: &str| {
        app.request(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"login": login, "password": password})),
        )
        .send()
    };
    let unknown: Value = login("hy.nobody", "wrong")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["error"]["code"], "login_failed", "{unknown}");

    // Forty wrong passwords at once: every one is counted, so the account ends up locked.
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let req = app.request(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"login": "hy.target", "password": "wrong2025"})),
        );
        attempts.spawn(async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        });
    }
    while let Some(done) = attempts.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["message"], unknown["error"]["message"]);
    }
    let locked = app.store.credentials("hy.target").await.unwrap().unwrap();
    assert!(
        locked.locked_until > app.app.now().timestamp_millis(),
        "the account is locked"
    );

    // The right password is refused while locked, in the very words an unknown login gets.
    let refused: Value = login("hy.target", PASSWORD)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["error"], unknown["error"], "{refused} vs {unknown}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("账号或密码错误"), "{message}");
    assert!(
        !message.contains("已锁定"),
        "never says it is locked: {message}"
    );
    app.stop().await;
}

/// The login page's form token (its cookie is kept by the client).
async fn form_token(app: &Api, path: &str) -> (String, String) {
    let (html, token) = form_page(&app.client, &app.url(path)).await;
    (token, html)
}

async fn only_local_paths_are_followed_after_login(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    // The form does not carry a foreign `next` along.
    let (_, html) = form_token(&app, "/login?next=/%5Cevil.example/").await;
    assert!(!html.contains("evil.example"), "{html}");

    let cases = [
        ("/\\evil.example/", "/work"),
        ("//evil.example/", "/work"),
        ("https://evil.example/", "/work"),
        ("/work\r\nSet-Cookie: x=1", "/work"),
        ("/\tevil.example", "/work"),
        ("evil.example", "/work"),
        ("/work/queue", "/work/queue"),
    ];
    for (next, home) in cases {
        let (csrf, _) = form_token(&app, "/login").await;
        let resp = app
            .client
            .post(app.url("/login"))
            .form(&[
                ("login", "hy.clerk"),
                ("password", PASSWORD),
                ("next", next),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 303, "{next:?}");
        assert_eq!(resp.headers()["location"], home, "{next:?}");
        assert!(resp.headers().get("set-cookie").is_some(), "{next:?}");
    }
    app.stop().await;
}
