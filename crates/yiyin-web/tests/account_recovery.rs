//! SMS one-time codes against the real test SMS gateway process (`tests/clients/sms_gateway.py`),
//! on both databases: registration asks the texted code and logs the new applicant in, back where
//! they were going; a wrong code is refused in Chinese, five wrong tries void it, an expired code is
//! refused; password recovery answers the same for an unknown login, texts the account's phone, and
//! the reset changes the password and logs the old sessions out (an audited event); a flood of code
//! requests is refused (one code a minute per phone; then the throttle's 429).

use serde_json::json;
use yiyin_app::Clock;
use yiyin_app::notifications::NotifyConfig;
use yiyin_store::Backend;
use yiyin_testkit::browser::{answered, form_page, new_browser, urlencoded};
use yiyin_testkit::processes::{Process, start_script};
use yiyin_testkit::server::Setup;
use yiyin_testkit::{Api, on_both};
use yiyin_web::Limits;

on_both!(
    registration_asks_the_texted_code_and_logs_in,
    recovery_codes_are_checked_and_the_reset_logs_out,
    a_flood_of_code_requests_is_refused
);

const PERSON: &str = "11010519491231002X";
const PHONE: &str = "13912345678";
const PASSWORD: &str = "Wangfang2025";

fn gateway() -> Process {
    start_script(
        &format!(
            "{}/tests/clients/sms_gateway.py",
            env!("CARGO_MANIFEST_DIR")
        ),
        &[],
    )
}

async fn server(backend: Backend, sms: &Process, limits: Option<Limits>) -> Api {
    let mut setup = Setup::new(backend, "2025-09-01")
        .quiet()
        .notify(NotifyConfig {
            sms_url: Some(format!("http://127.0.0.1:{}/", sms.port)),
            smtp: None,
        });
    if let Some(l) = limits {
        setup = setup.limits(l);
    }
    Api::start(setup).await
}

/// The codes the gateway texted to a phone, oldest first (waiting up to 5 s for `at_least`).
async fn codes_to(sms: &Process, phone: &str, at_least: usize) -> Vec<String> {
    for _ in 0..50 {
        let codes: Vec<String> = sms
            .lines()
            .into_iter()
            .filter(|l| l["to"] == phone && l["sent"] == true)
            .map(|l| {
                let text = l["text"].as_str().expect("text").to_string();
                let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
                assert_eq!(
                    text,
                    format!("【一印】您的验证码为{code}，10分钟内有效。如非本人操作，请忽略。")
                );
                code
            })
            .collect();
        if codes.len() >= at_least {
            return codes;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no code texted to {phone}");
}

/// A browser that has opened a visitor's form page; returns it with the form token.
async fn visitor(api: &Api, path: &str) -> (reqwest::Client, String) {
    let browser = new_browser();
    let (_, token) = form_page(&browser, &api.url(path)).await;
    (browser, token)
}

async fn post(
    api: &Api,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let r = browser
        .post(api.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(urlencoded(fields))
        .send()
        .await
        .unwrap();
    answered(r).await
}

fn advance(api: &Api, seconds: i64) {
    api.clock
        .set(api.clock.now() + chrono::Duration::seconds(seconds));
}

async fn registration_asks_the_texted_code_and_logs_in(backend: Backend) {
    let sms = gateway();
    let api = server(backend, &sms, None).await;

    // The API registers by the same rule: refused without the texted code, nothing kept; the code
    // asked for through the API registers the account.
    let company = json!({"kind": "organisation", "name": "汉阴县某某商店", "id_number": "916100002205253740",
        "phone": "13712345678", "password": PASSWORD});
    let refused = api
        .anonymous()
        .post("/api/v1/applicants", company.clone())
        .await
        .expect(422);
    assert_eq!(refused["error"]["details"][0], "code", "{refused}");
    api.anonymous()
        .post("/api/v1/applicants/code", json!({"phone": "1371234567"}))
        .await
        .expect(422);
    api.anonymous()
        .post("/api/v1/applicants/code", json!({"phone": "13712345678"}))
        .await
        .expect(204);
    let code = codes_to(&sms, "13712345678", 1).await.remove(0);
    let mut wrong = company.clone();
    wrong["code"] = json!(if code == "000000" { "111111" } else { "000000" });
    api.anonymous()
        .post("/api/v1/applicants", wrong)
        .await
        .expect(422);
    let mut right = company;
    right["code"] = json!(code);
    api.anonymous()
        .post("/api/v1/applicants", right)
        .await
        .expect(201);
    api.token("916100002205253740", PASSWORD).await;
    let (browser, csrf) = visitor(&api, "/register?next=/messages").await;
    let form = |code: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "person".to_string()),
            ("name", "王芳".to_string()),
            ("id_number", PERSON.to_string()),
            ("phone", PHONE.to_string()),
            ("password", PASSWORD.to_string()),
            ("password2", PASSWORD.to_string()),
            ("code", code.to_string()),
            ("next", "/messages".to_string()),
        ]
    };
    let fields = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let send = |path: &'static str, v: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        let api = &api;
        async move {
            let f = fields(&v);
            let r = browser
                .post(api.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(urlencoded(&f))
                .send()
                .await
                .unwrap();
            answered(r).await
        }
    };
    // Without a code (none was asked for): refused in Chinese, nobody registered.
    let (status, page, _) = send("/register", form("123456")).await;
    assert_eq!(status, 422);
    assert!(page.contains("验证码无效或已失效，请重新获取"), "{page}");
    assert!(api.store.account_by_login(PERSON).await.unwrap().is_none());

    // 获取验证码: the code arrives at the gateway.
    let (status, page, _) = send("/register/code", form("")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("验证码已发送到您的手机"), "{page}");
    let code = codes_to(&sms, PHONE, 1).await.remove(0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, page, _) = send("/register", form(wrong)).await;
    assert_eq!(status, 422);
    assert!(page.contains("验证码错误，还可尝试4次"), "{page}");

    // The right code: registered, logged in, and back where she was going.
    let right: &'static str = Box::leak(code.into_boxed_str());
    let (status, _, location) = send("/register", form(right)).await;
    assert_eq!((status, location.as_str()), (303, "/messages"));
    let (status, _, _) = answered(browser.get(api.url("/my")).send().await.unwrap()).await;
    assert_eq!(status, 200, "the new applicant is logged in");
    // The code is spent.
    let (browser2, csrf2) = visitor(&api, "/register").await;
    let (status, page, _) = post(
        &api,
        &browser2,
        "/register",
        &[
            ("csrf", csrf2.as_str()),
            ("kind", "person"),
            ("name", "某人"),
            ("id_number", "110105194912310046"),
            ("phone", PHONE),
            ("password", PASSWORD),
            ("password2", PASSWORD),
            ("code", right),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("验证码无效或已失效"), "{page}");
    api.stop().await;
}

async fn recovery_codes_are_checked_and_the_reset_logs_out(backend: Backend) {
    let sms = gateway();
    let api = server(backend, &sms, None).await;
    let old = api
        .seeded_applicant("person", "王芳", PERSON, PASSWORD)
        .await;
    let (browser, csrf) = visitor(&api, "/password/forgot").await;
    let login_page = api.get("/login").await.text().await.unwrap();
    assert!(login_page.contains("href=\"/password/forgot\">忘记密码</a>"));

    // An unknown login and a known one get the same answer; only the known one is texted.
    let (s1, _, l1) = post(
        &api,
        &browser,
        "/password/forgot",
        &[("csrf", &csrf), ("login", "110105194912310046")],
    )
    .await;
    let notice_unknown = answered(browser.get(api.url(&l1)).send().await.unwrap())
        .await
        .1;
    let (s2, _, l2) = post(
        &api,
        &browser,
        "/password/forgot",
        &[("csrf", &csrf), ("login", PERSON)],
    )
    .await;
    let notice_known = answered(browser.get(api.url(&l2)).send().await.unwrap())
        .await
        .1;
    assert_eq!((s1, l1.as_str()), (s2, l2.as_str()));
    assert_eq!((s1, l1.as_str()), (303, "/password/reset"));
    let told = "如该账号存在且登记了手机号码，验证码已发送到该手机";
    assert!(notice_unknown.contains(told), "{notice_unknown}");
    assert!(notice_known.contains(told), "{notice_known}");
    let code = codes_to(&sms, PHONE, 1).await.remove(0);
    assert_eq!(sms.lines().len(), 1, "nothing texted for the unknown login");

    let reset = |code: String, password: &'static str| {
        let browser = browser.clone();
        let csrf = csrf.clone();
        let api = &api;
        async move {
            post(
                api,
                &browser,
                "/password/reset",
                &[
                    ("csrf", csrf.as_str()),
                    ("phone", PHONE),
                    ("code", code.as_str()),
                    ("password", password),
                    ("password2", password),
                ],
            )
            .await
        }
    };
    let wrong = if code == "000000" { "111111" } else { "000000" }.to_string();
    // Four wrong tries are told how many are left; the fifth voids the code, right or not.
    for left in (1..=4).rev() {
        let (status, page, _) = reset(wrong.clone(), "Xinmima2026").await;
        assert_eq!(status, 422);
        assert!(
            page.contains(&format!("验证码错误，还可尝试{left}次")),
            "{page}"
        );
    }
    let (_, page, _) = reset(wrong.clone(), "Xinmima2026").await;
    assert!(
        page.contains("验证码错误次数过多，已作废，请重新获取"),
        "{page}"
    );
    let (status, page, _) = reset(code.clone(), "Xinmima2026").await;
    assert_eq!(status, 422);
    assert!(page.contains("已作废"), "{page}");

    // A new code after the minute; once it has run out it is refused.
    advance(&api, 61);
    post(
        &api,
        &browser,
        "/password/forgot",
        &[("csrf", &csrf), ("login", PHONE)],
    )
    .await;
    let code = codes_to(&sms, PHONE, 2).await.remove(1);
    advance(&api, 10 * 60);
    let (_, page, _) = reset(code, "Xinmima2026").await;
    assert!(
        page.contains("验证码已过期（有效期10分钟），请重新获取"),
        "{page}"
    );

    // A fresh code: a weak password is refused by the password rules, then the reset holds.
    advance(&api, 61);
    post(
        &api,
        &browser,
        "/password/forgot",
        &[("csrf", &csrf), ("login", PERSON)],
    )
    .await;
    let code = codes_to(&sms, PHONE, 3).await.remove(2);
    let (status, _, _) = reset(code.clone(), "short").await;
    assert_eq!(status, 422);
    let (status, _, location) = reset(code.clone(), "Xinmima2026").await;
    assert_eq!((status, location.as_str()), (303, "/login"));
    // The old session is logged out; the old password no longer opens one; the new one does.
    api.by(&old).get("/api/v1/me").await.expect(401);
    let r = api
        .anonymous()
        .post(
            "/api/v1/session",
            json!({"login": PERSON, "password": PASSWORD}),
        )
        .await;
    r.refused(422, "账号或密码错误");
    api.token(PERSON, "Xinmima2026").await;
    // An audited event, by the applicant herself.
    let events = api.store.events_from(0, 100_000).await.unwrap();
    let recovered: Vec<_> = events
        .iter()
        .filter(|e| e.action == "password_recover")
        .collect();
    assert!(!recovered.is_empty(), "the reset is in the event log");
    assert!(
        recovered
            .iter()
            .all(|e| e.reason == "王芳凭短信验证码重设密码")
    );
    // The code is spent.
    let (status, page, _) = reset(code, "Another2026x").await;
    assert_eq!(status, 422);
    assert!(page.contains("验证码无效或已失效"), "{page}");
    api.stop().await;
}

async fn a_flood_of_code_requests_is_refused(backend: Backend) {
    let sms = gateway();
    let limits = Limits {
        per_login_per_minute: 2,
        per_login_burst: 2,
        ..Limits::generous()
    };
    let api = server(backend, &sms, Some(limits)).await;
    let (browser, csrf) = visitor(&api, "/register").await;
    let fields = [("csrf", csrf.as_str()), ("phone", PHONE)];
    let ask = || post(&api, &browser, "/register/code", &fields);
    let (status, _, _) = ask().await;
    assert_eq!(status, 200);
    // Within the minute: one code a minute per phone.
    let (status, page, _) = ask().await;
    assert_eq!(status, 422);
    assert!(page.contains("验证码发送过于频繁，请60秒后再试"), "{page}");
    // Then the throttle, before any work.
    let (status, page, _) = ask().await;
    assert_eq!(status, 429);
    assert!(page.contains("请求过于频繁，请稍后再试"), "{page}");
    assert_eq!(codes_to(&sms, PHONE, 1).await.len(), 1);
    api.stop().await;
}
