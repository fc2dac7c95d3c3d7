//! The one gate of input, through a real server on both databases: a NUL, a bidi override, a
//! zero-width character or an over-long value — in a path, a query, a JSON body — is refused with
//! a Chinese `invalid_input` naming the field, never a server error, and nothing is stored; the
//! security headers are on every answer; a webhook may not point into an internal network.

use serde_json::{Value, json};
use yiyin_store::Backend;
use yiyin_store::findings::FindingFilter;
use yiyin_testkit::web::{HANYIN, intake_by};
use yiyin_testkit::{Api, on_both};

on_both!(
    bad_characters_are_refused_everywhere,
    security_headers_are_on_pages_and_answers,
    webhooks_to_internal_networks_are_refused
);

/// A long text of varied characters (so that a database cannot compress it below its index limit).
fn long_text(chars: usize) -> String {
    (0..chars)
        .map(|i| char::from_u32(0x4E00 + (i as u32 * 7919) % 20000).unwrap())
        .collect()
}

/// The bad values every probe is sent with, percent-encoded for a URL.
const BAD_IN_URL: [&str; 3] = ["%00", "a%E2%80%AEb", "x%01y"];

/// Asserts a refusal of bad input: 422, `invalid_input`, a Chinese message.
#[track_caller]
fn is_refusal(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 422, "{what}: {body}");
    assert_eq!(body["error"]["code"], "invalid_input", "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("「"), "{what}: {body}");
    assert!(!message.is_ascii(), "{what}: {body}");
}

async fn bad_characters_are_refused_everywhere(backend: Backend) {
    let app = Api::spawn_sealed_quiet(backend, "2025-03-03").await;

    // The anonymous probes: query values and path segments.
    for bad in BAD_IN_URL {
        for path in [
            format!("/api/v1/verify?number={bad}"),
            format!("/api/v1/track?number={bad}&code=123456"),
            format!("/api/v1/inspections?jurisdiction={bad}"),
            format!("/api/v1/jurisdictions/{bad}"),
        ] {
            let r = app.get_json(&path).await;
            is_refusal(r.status, &r.body, &path);
        }
        let (status, page) = app.get_text(&format!("/j/{bad}")).await;
        assert_eq!(status, 422, "/j/{bad}: {page}");
        assert!(page.contains("含有不允许的"), "/j/{bad}: {page}");
    }
    let over_long = format!("/api/v1/verify?number={}", "A".repeat(20_001));
    let r = app.get_json(&over_long).await;
    is_refusal(r.status, &r.body, "over-long query");

    // A login with a NUL or an override in its name or password.
    for (login, password) in [("a\u{0}", "x"), ("a", "p\u{0}"), ("\u{202E}admin", "x")] {
        let r = app
            .anonymous()
            .post(
                "/api/v1/session",
                json!({"login": login, "password": password}),
            )
            .await;
        is_refusal(r.status, &r.body, login);
    }

    // A case received with a bad applicant's name: nothing is stored.
    let desk = app.desk().await;
    let cases = app.store.case_count().await.unwrap();
    for name in [
        "汉阴\u{0}餐饮".to_string(),
        "汉阴\u{202E}餐饮".to_string(),
        "汉阴\u{200B}餐饮".to_string(),
        "汉阴\n餐饮".to_string(),
        "汉".repeat(101),
        long_text(30_000),
    ] {
        let r = app
            .by(&desk.clerk)
            .post("/api/v1/cases", intake_by(&name, &["M1"]))
            .await;
        is_refusal(r.status, &r.body, &name);
        assert!(
            r.body["error"]["details"][0]
                .as_str()
                .unwrap_or_default()
                .contains("name"),
            "{}",
            r.body
        );
    }
    // Anywhere in the body, by its path.
    let mut bad_material = intake_by("汉阴县月河餐饮有限公司", &["M1"]);
    bad_material["materials"] = json!(["M1", "M2\u{0}"]);
    let r = app
        .by(&desk.clerk)
        .post("/api/v1/cases", bad_material)
        .await;
    is_refusal(r.status, &r.body, "materials");
    assert_eq!(r.body["error"]["details"][0], "materials[1]", "{}", r.body);
    assert_eq!(app.store.case_count().await.unwrap(), cases);

    // A finding with a NUL in its summary, an over-long holder (beyond the index-row limit), a
    // zero-width name: refused, none stored.
    let market = app.supervisor("hy.shichang", "shichang").await;
    let finding = |holder_id: &str, holder: &str, summary: &str| {
        json!({"holder_id": holder_id, "holder": holder, "item_code": "HY-SC-001",
               "kind": "rectification", "summary": summary})
    };
    for (body, field) in [
        (
            finding("91350100M000100Y43", "月河餐饮", "整改\u{0}"),
            "summary",
        ),
        (finding(&long_text(3_000), "月河餐饮", "整改"), "holder_id"),
        (
            finding("91350100M000100Y43", "月河\u{200D}餐饮", "整改"),
            "holder",
        ),
        (
            finding("91350100M000100Y43", "月河餐饮", &long_text(6_000)),
            "summary",
        ),
    ] {
        let r = app
            .by(&market)
            .post("/api/v1/supervision/findings", body)
            .await;
        is_refusal(r.status, &r.body, field);
        assert_eq!(r.body["error"]["details"][0], field, "{}", r.body);
    }
    let stored = app.store.findings(&FindingFilter::default()).await.unwrap();
    assert!(stored.is_empty(), "{stored:?}");
    // A clean one still goes through.
    let r = app
        .by(&market)
        .post(
            "/api/v1/supervision/findings",
            finding("91350100M000100Y43", "月河餐饮", "一、后厨\n二、整改"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.stop().await;
}

async fn security_headers_are_on_pages_and_answers(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    for (path, token) in [("/", None), ("/api/v1/me", Some(desk.clerk.as_str()))] {
        let mut r = app.request("GET", path, token, None);
        if token.is_none() {
            r = r.header("accept", "text/html");
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        // Served over plain HTTP in the tests: no HSTS.
        assert!(!h.contains_key("strict-transport-security"), "{path}");
    }
    // An authenticated API answer is never cached.
    let r = app
        .request("GET", "/api/v1/me", Some(&desk.clerk), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    app.stop().await;
}

async fn webhooks_to_internal_networks_are_refused(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let head = app
        .staff("hy.head", yiyin_domain::roles::Role::BureauHead, HANYIN)
        .await;
    let hook = |url: &str| json!({"jurisdiction": HANYIN, "department": "shichang", "url": url});
    // The test server allows loopback only (its push receivers listen there).
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7:8080/hook",
        "http://192.168.1.1/",
        "http://[fd00::1]/hook",
        "http://[::ffff:169.254.169.254]/",
    ] {
        let r = app
            .by(&head)
            .put("/api/v1/supervision/webhooks", hook(url))
            .await;
        is_refusal(r.status, &r.body, url);
        assert_eq!(r.body["error"]["details"][0], "url", "{}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("内部网络"),
            "{}",
            r.body
        );
    }
    app.by(&head)
        .put(
            "/api/v1/supervision/webhooks",
            hook("http://127.0.0.1:9/yiyin"),
        )
        .await
        .expect(204);
    app.stop().await;
}
