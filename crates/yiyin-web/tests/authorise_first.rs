//! Validation after authorisation, never before, against a real server on both databases: a
//! request whose body, path or query is malformed is told 401 when nobody is logged in and 403 when
//! the caller's roles may not use the endpoint (or the form's CSRF token is not the session's) —
//! never 400/422, which would answer a stranger about the input; a caller who may use it is told
//! what is wrong with the input (422).

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    api_answers_who_may_ask_before_what_was_asked,
    page_forms_answer_who_may_send_before_what_was_sent
);

/// A malformed request: method, path, raw JSON body (`None`: no body).
type Probe = (&'static str, &'static str, Option<&'static str>);

/// Requests to authenticated endpoints whose body, path or query cannot be read.
const MALFORMED: [Probe; 10] = [
    ("POST", "/api/v1/supervision/findings", Some("{not json")),
    ("POST", "/api/v1/supervision/findings", Some("{\"j\": 3}")),
    ("POST", "/api/v1/inspections/abc/results", Some("{}")),
    ("POST", "/api/v1/inspections", Some("[1, 2")),
    ("POST", "/api/v1/pushes/acknowledge", Some("{\"ids\": []}")),
    ("GET", "/api/v1/supervision/inbox?all=maybe", None),
    ("PUT", "/api/v1/supervision/webhooks", Some("{\"url\": 7}")),
    ("POST", "/api/v1/licence-acts/xyz/decision", Some("{}")),
    (
        "POST",
        "/api/v1/credit-records/1/repair",
        Some("{\"reason\": []}"),
    ),
    ("GET", "/api/v1/supervision/overview?jurisdiction=", None),
];

/// Requests that any logged-in user may make, malformed.
const MALFORMED_FOR_ANYONE: [Probe; 4] = [
    ("POST", "/api/v1/cases/abc/actions", Some("{\"action\": ")),
    ("GET", "/api/v1/cases/abc", None),
    ("GET", "/api/v1/cases?state=bogus&limit=x", None),
    ("PUT", "/api/v1/me/password", Some("{\"old\": 1")),
];

async fn send(app: &Api, token: Option<&str>, (method, path, body): Probe) -> (u16, Value) {
    let mut req = app.request(method, path, token, None);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let r = req.send().await.expect("the server answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn api_answers_who_may_ask_before_what_was_asked(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    for probe in MALFORMED.iter().chain(&MALFORMED_FOR_ANYONE) {
        let (status, body) = send(&app, None, *probe).await;
        assert_eq!(status, 401, "anonymous {probe:?}: {body}");
    }
    // A window clerk may use none of the supervision endpoints: refused before the input is read.
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    for probe in MALFORMED {
        let (status, body) = send(&app, Some(&clerk), probe).await;
        assert_eq!(status, 403, "clerk {probe:?}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("无权") && m.contains("您的岗位没有此项职责")),
            "clerk {probe:?}: {body}"
        );
    }
    let applicant = app
        .register("person", "张三", "11010519491231002X", "Zs-2025-safe!")
        .await;
    let (status, body) = send(&app, Some(&applicant), MALFORMED[0]).await;
    assert_eq!(status, 403, "applicant: {body}");
    // The audit log is the auditors'.
    let (status, _) = send(&app, Some(&clerk), ("GET", "/api/v1/audit/chain", None)).await;
    assert_eq!(status, 403);
    // Those who may supervise are told what is wrong with their input.
    let market = app.supervisor("hy.shichang", "shichang").await;
    for probe in &MALFORMED[..6] {
        let (status, body) = send(&app, Some(&market), *probe).await;
        assert!(
            status == 422 || status == 400,
            "supervisor {probe:?}: {status} {body}"
        );
    }
    // Anyone logged in is told what is wrong with a request every account may make.
    for probe in MALFORMED_FOR_ANYONE {
        let (status, body) = send(&app, Some(&clerk), probe).await;
        assert!(
            status == 422 || status == 400,
            "clerk {probe:?}: {status} {body}"
        );
    }
    app.stop().await;
}

/// Logs `login` in on the cookie client, as a browser does; returns the session's CSRF token.
async fn browser_login(app: &Api, login: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let session: Value = r.json().await.unwrap();
    session["csrf_token"].as_str().unwrap().to_string()
}

/// Posts a form (`body` urlencoded as sent) with the browser; returns status and page.
async fn post_form(app: &Api, path: &str, body: String) -> (u16, String) {
    let r = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn page_forms_answer_who_may_send_before_what_was_sent(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    // A NUL in a field is refused by the input rule (422) — but only to those who may send it.
    let bad = |csrf: &str| format!("csrf={csrf}&j=hanyin&d=shichang&summary=%00&found_on=x");
    let anonymous = post_form(&app, "/supervision/findings", bad("x")).await;
    assert_eq!(anonymous.0, 303, "anonymous: sent to the login page");

    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let csrf = browser_login(&app, "hy.clerk").await;
    for path in [
        "/supervision/findings",
        "/supervision/inspections/1/results",
        "/admin/users/hanyin",
    ] {
        let (status, page) = post_form(&app, path, bad(&csrf)).await;
        assert_eq!(status, 403, "clerk {path}: {page}");
        assert!(page.contains("您的岗位没有此项职责"), "clerk {path}");
    }
    // A form without the session's token is refused as forged before its fields are judged.
    app.supervisor("hy.shichang", "shichang").await;
    let csrf = browser_login(&app, "hy.shichang").await;
    let (status, page) = post_form(&app, "/supervision/findings", bad("forged")).await;
    assert_eq!(status, 403, "forged: {page}");
    assert!(page.contains("防伪令牌不符"), "forged");
    let (status, page) = post_form(&app, "/account/password", bad("forged")).await;
    assert_eq!(status, 403, "forged password form: {page}");
    // With the token, the supervisor is told what is wrong with the input.
    let (status, page) = post_form(&app, "/supervision/findings", bad(&csrf)).await;
    assert_eq!(status, 422, "supervisor: {page}");
    app.stop().await;
}
