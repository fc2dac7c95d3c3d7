//! Notifications against real processes, on both databases: a real SMTP server (PyPI's aiosmtpd,
//! `tests/clients/smtp_sink.py`) and a test SMS gateway speaking Yiyin's contract
//! (`tests/clients/sms_gateway.py`: dedups by key, can fail the first N requests). A supplement
//! notice reaches the applicant's message centre (API, page, the header's unread count) and arrives
//! as an e-mail; a gateway failure is retried with back-off and the SMS arrives exactly once; an
//! outbox row committed before a crash — and one sent but never marked — is sent after the restart
//! under the same key, once; SMS turned off sends none; the staff are told of a due date near;
//! messages are the account's own; a text whose retries are spent is kept, shown to the system
//! administrator (masked, without its text) and sent again by them, once. The sender is driven by the test
//! (`App::send_notifications_once` and the fixed clock), never by the background loop.

use serde_json::{Value, json};
use yiyin_app::notifications::{LEASE_MS, NotifyConfig, SmtpConfig, retry_policy};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_store::outbox::Outbox;
use yiyin_testkit::processes::{Process, start_script};
use yiyin_testkit::server::Setup;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, on_both};

on_both!(
    supplement_notice_reaches_the_inbox_and_the_mailbox,
    sms_is_retried_and_arrives_once_across_crashes,
    sms_off_sends_no_sms,
    staff_are_told_of_deadlines_near,
    a_dead_notice_is_kept_and_sent_again_by_the_system_administrator
);

const PERSON: &str = "11010519491231002X";
const PASSWORD: &str = "Wangfang2025";
const EMAIL: &str = "wangfang@example.com";

// ---------------------------------------------------------------------------------------------
// The outside systems: real processes, ended when dropped.

/// Starts `tests/clients/{script}` on a free port, waiting for its "ready".
fn start(script: &str, extra: &[&str]) -> Process {
    let path = format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    start_script(&path, extra)
}

struct Outside {
    smtp: Process,
    sms: Process,
}

impl Outside {
    fn start(fail_first: usize) -> Outside {
        let n = fail_first.to_string();
        Outside {
            smtp: start("smtp_sink.py", &[]),
            sms: start("sms_gateway.py", &["--fail-first", &n]),
        }
    }

    fn config(&self) -> NotifyConfig {
        NotifyConfig {
            sms_url: Some(format!("http://127.0.0.1:{}/", self.sms.port)),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port: self.smtp.port,
                security: "none".into(),
                username: None,
                password: None,
                from: "一印审批平台 <noreply@yiyin.test>".into(),
            }),
        }
    }

    /// The texts the gateway took (sent once per key), and every request it saw.
    fn texts(&self) -> (Vec<Value>, Vec<Value>) {
        let all = self.sms.lines();
        let sent = all.iter().filter(|l| l["sent"] == true).cloned().collect();
        (sent, all)
    }
}

// ---------------------------------------------------------------------------------------------
// The applicant and the case.

async fn server(backend: Backend, outside: &Outside) -> Api {
    Api::start(
        Setup::new(backend, "2025-09-01")
            .quiet()
            .notify(outside.config()),
    )
    .await
}

/// 王芳's account (phone 13912345678; made directly: registering with the texted code is
/// `account_recovery.rs`'s) with e-mail on; returns her token.
async fn applicant(api: &Api, sms: bool) -> String {
    let token = api
        .seeded_applicant("person", "王芳", PERSON, PASSWORD)
        .await;
    let set = api
        .by(&token)
        .put(
            "/api/v1/me/notifications",
            json!({"email": EMAIL, "sms": sms, "email_enabled": true}),
        )
        .await
        .expect(200);
    assert_eq!(set["email"], EMAIL);
    token
}

/// Her online application for HY-SC-001 without M2, and the clerk's supplement notice for M2;
/// returns (case id, clerk's token).
async fn supplement_noticed(api: &Api, token: &str) -> (i64, String) {
    let desk = api.desk().await;
    let id = apply(api, token).await;
    api.act(
        &desk.clerk,
        id,
        json!({"action": "notify_supplement", "missing": ["M2"]}),
    )
    .await
    .expect(200);
    (id, desk.clerk)
}

/// Her online application for HY-SC-001 without M2; returns its id.
async fn apply(api: &Api, token: &str) -> i64 {
    let case = api
        .by(token)
        .post(
            "/api/v1/cases",
            json!({"jurisdiction": HANYIN, "item_code": "HY-SC-001", "materials": ["M1"], "attested": true}),
        )
        .await
        .expect(201);
    case["id"].as_i64().expect("id")
}

/// The ids of the account's messages (only the unread ones when `unread`).
async fn inbox_ids(api: &Api, token: &str, unread: bool) -> Vec<i64> {
    let path = if unread {
        "/api/v1/messages?unread=true"
    } else {
        "/api/v1/messages"
    };
    let inbox = api.by(token).get(path).await.expect(200);
    inbox["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect()
}

/// Sends until nothing is due (at most a few rounds).
async fn drain(api: &Api) -> usize {
    let mut sent = 0;
    for _ in 0..5 {
        let n = api.app.send_notifications_once().await;
        sent += n;
        if n == 0 {
            break;
        }
    }
    sent
}

fn later(api: &Api, ms: i64) {
    api.clock
        .set(api.app.now() + chrono::Duration::milliseconds(ms));
}

// ---------------------------------------------------------------------------------------------

async fn supplement_notice_reaches_the_inbox_and_the_mailbox(backend: Backend) {
    let outside = Outside::start(0);
    let api = server(backend, &outside).await;
    let token = applicant(&api, true).await;
    // An address that is not one is refused, and changes nothing.
    api.by(&token)
        .put(
            "/api/v1/me/notifications",
            json!({"email": "不是邮箱", "sms": true, "email_enabled": true}),
        )
        .await
        .refused(422, "不是有效的电子邮件地址");
    api.by(&token)
        .put(
            "/api/v1/me/notifications",
            json!({"email": "", "sms": true, "email_enabled": true}),
        )
        .await
        .refused(422, "须填写电子邮件地址");
    let kept = api
        .by(&token)
        .get("/api/v1/me/notifications")
        .await
        .expect(200);
    assert_eq!(kept["email"], EMAIL);

    let (id, clerk) = supplement_noticed(&api, &token).await;
    // The window was told of the online application in its message centre (not by text or
    // e-mail: the outbox holds the applicant's notices only).
    let told = api.by(&clerk).get("/api/v1/messages").await.expect(200);
    let told = told["messages"].as_array().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("网上申请待处理"),
        "{told:?}"
    );
    assert_eq!(told[0]["link"], format!("/work/cases/{id}"));

    // In the message centre at once (written with the event), before anything is sent.
    let inbox = api.by(&token).get("/api/v1/messages").await.expect(200);
    let subjects: Vec<&str> = inbox["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        subjects,
        vec!["补正告知：食品经营许可", "收件通知：食品经营许可"],
        "{inbox}"
    );
    assert_eq!(inbox["unread"], 2);
    let notice = &inbox["messages"][0];
    let body = notice["body"].as_str().unwrap_or_default();
    assert!(body.contains("M2"), "{body}");
    assert_eq!(notice["link"], format!("/my/cases/{id}"));
    assert_eq!(notice["case_id"], id);

    // Sent: the e-mail arrives at the SMTP server, decoded as a mail client shows it.
    assert!(drain(&api).await >= 4);
    let mails = outside.smtp.lines();
    let mail = mails
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("补正告知"))
        })
        .unwrap_or_else(|| panic!("no supplement notice among {mails:?}"));
    assert_eq!(mail["to"], json!([EMAIL]));
    assert_eq!(mail["from"], "noreply@yiyin.test");
    let text = mail["body"].as_str().unwrap_or_default();
    assert!(text.contains("M2"), "{text}");
    assert!(text.contains(&format!("/my/cases/{id}")), "{text}");
    assert_eq!(mails.len(), 2, "receipt and supplement notice: {mails:?}");
    // And as a text message, to her phone.
    let (texts, _) = outside.texts();
    assert!(
        texts.iter().any(
            |t| t["to"] == "13912345678" && t["text"].as_str().unwrap_or("").contains("需补正")
        ),
        "{texts:?}"
    );
    // Nothing is sent twice.
    assert_eq!(drain(&api).await, 0);
    assert_eq!(outside.smtp.lines().len(), 2);

    // Read: the count falls; reading again changes nothing; another account's is not found.
    let message = notice["id"].as_i64().expect("message id");
    api.by(&token)
        .post_empty(&format!("/api/v1/messages/{message}/read"))
        .await
        .expect(204);
    api.by(&token)
        .post_empty(&format!("/api/v1/messages/{message}/read"))
        .await
        .expect(204);
    let inbox = api
        .by(&token)
        .get("/api/v1/messages?unread=true")
        .await
        .expect(200);
    assert_eq!(inbox["unread"], 1);
    assert_eq!(inbox["messages"].as_array().map(Vec::len), Some(1));
    api.by(&clerk)
        .post_empty(&format!("/api/v1/messages/{message}/read"))
        .await
        .refused(404, "没有这条消息");
    // The clerk's own message centre holds only the window's notice, none of hers.
    let clerks = api.by(&clerk).get("/api/v1/messages").await.expect(200);
    let subjects: Vec<&str> = clerks["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 1, "{clerks}");
    assert!(subjects[0].starts_with("网上申请待处理"), "{clerks}");
    api.anonymous().get("/api/v1/messages").await.expect(401);

    // The message centre's page and the header's count.
    let csrf = api
        .browser_login_with(json!({"login": PERSON, "password": PASSWORD}))
        .await;
    let (_, page) = api.get_text("/messages").await;
    assert!(page.contains("消息中心"), "{page}");
    assert!(page.contains("收件通知：食品经营许可"), "{page}");
    assert!(
        page.contains("未读 <strong id=\"unread-count\">1</strong>"),
        "{page}"
    );
    assert!(page.contains("aria-label=\"未读 1 条\""), "{page}");
    let (_, account) = api.get_text("/account").await;
    assert!(
        account.contains(EMAIL) && account.contains("通知方式"),
        "{account}"
    );
    // The page's forms: a bad address is refused beside its field and changes nothing; a good one
    // with SMS off is kept.
    async fn save_email(api: &Api, csrf: &str, email: &str) -> reqwest::Response {
        let fields = [("csrf", csrf), ("email", email), ("email_enabled", "on")];
        api.post_form("/account/notifications", &fields).await
    }
    let refused = save_email(&api, &csrf, "wang@").await;
    assert_eq!(refused.status(), 422);
    let text = refused.text().await.expect("text");
    assert!(text.contains("不是有效的电子邮件地址"), "{text}");
    let kept = api
        .by(&token)
        .get("/api/v1/me/notifications")
        .await
        .expect(200);
    assert_eq!(
        kept,
        json!({"email": EMAIL, "sms": true, "email_enabled": true})
    );
    let saved = save_email(&api, &csrf, "wf@example.org").await;
    assert_eq!(saved.status(), 303);
    let kept = api
        .by(&token)
        .get("/api/v1/me/notifications")
        .await
        .expect(200);
    assert_eq!(
        kept,
        json!({"email": "wf@example.org", "sms": false, "email_enabled": true})
    );
    // A form without the session's token is refused.
    let forged = api
        .post_form("/account/notifications", &[("csrf", "x"), ("email", "")])
        .await;
    assert_eq!(forged.status(), 403);
    // Opening a message from the centre marks it read and goes to its page.
    let receipt = inbox_ids(&api, &token, true).await;
    assert_eq!(receipt.len(), 1);
    let opened = api
        .post_form(
            &format!("/messages/{}/read", receipt[0]),
            &[("csrf", csrf.as_str()), ("open", "1")],
        )
        .await;
    assert_eq!(opened.status(), 303);
    assert_eq!(
        opened.headers()["location"].to_str().unwrap(),
        format!("/my/cases/{id}")
    );
    assert!(inbox_ids(&api, &token, true).await.is_empty());
    // The API is documented.
    let doc = api.get_json("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/messages",
        "/api/v1/messages/{id}/read",
        "/api/v1/me/notifications",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    api.stop().await;
}

async fn sms_is_retried_and_arrives_once_across_crashes(backend: Backend) {
    // The gateway is down for the first two requests.
    let outside = Outside::start(2);
    let api = server(backend, &outside).await;
    let token = applicant(&api, true).await;
    let (id, _) = supplement_noticed(&api, &token).await;
    let sms_rows = |rows: Vec<yiyin_store::notifications::OutboxRow>| -> Vec<_> {
        rows.into_iter().filter(|r| r.channel == "sms").collect()
    };
    assert_eq!(
        sms_rows(api.store.outbox_of_case(id).await.unwrap()).len(),
        2
    );

    // Round 1: both texts fail (503) and wait out their back-off; nothing is sent before it.
    api.app.send_notifications_once().await;
    let rows = sms_rows(api.store.outbox_of_case(id).await.unwrap());
    assert!(
        rows.iter().all(|r| r.sent_at.is_none() && r.attempts == 1),
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|r| r.last_error.contains("503")),
        "{rows:?}"
    );
    api.app.send_notifications_once().await;
    assert_eq!(
        outside.texts().1.len(),
        2,
        "nothing retried before its time"
    );
    // After the back-off they go, once each.
    later(&api, 31_000);
    drain(&api).await;
    let rows = sms_rows(api.store.outbox_of_case(id).await.unwrap());
    assert!(
        rows.iter().all(|r| r.sent_at.is_some() && r.attempts == 2),
        "{rows:?}"
    );
    let (sent, _) = outside.texts();
    assert_eq!(sent.len(), 2, "{sent:?}");

    // A notice committed, then the server stops before sending it: sent after the restart.
    let second = apply(&api, &token).await;
    let waiting: Vec<_> = sms_rows(api.store.outbox_of_case(second).await.unwrap());
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].kind, "receipt");
    assert!(waiting[0].sent_at.is_none());
    let api = api.restart().await;
    drain(&api).await;
    let (sent, _) = outside.texts();
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent[2]["text"].as_str().unwrap_or("").contains("已收件"),
        "{sent:?}"
    );

    // A notice sent but never marked (the server died between the gateway's answer and its
    // write): claimed, sent under its key, then a restart. Sent again under the same key once the
    // lease ran out: the gateway takes the repeat and does not text it twice.
    let third = apply(&api, &token).await;
    let row = sms_rows(api.store.outbox_of_case(third).await.unwrap())
        .into_iter()
        .next()
        .expect("a text waiting");
    let mut tx = api.store.begin_write().await.unwrap();
    let lease = tx
        .claim_lease(
            Outbox::Notices,
            row.id,
            api.app.now().timestamp_millis(),
            LEASE_MS,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(lease.is_some());
    // The rest (its e-mail) goes; the leased text is left to its holder.
    drain(&api).await;
    api.app
        .send_sms(&row.address, &row.body, &row.idempotency_key)
        .await
        .expect("the gateway takes it");
    let api = api.restart().await;
    // Still leased: not sent again yet.
    assert_eq!(api.app.send_notifications_once().await, 0);
    later(&api, LEASE_MS + 1);
    drain(&api).await;
    let (sent, all) = outside.texts();
    let of_key: Vec<_> = all
        .iter()
        .filter(|l| l["key"] == row.idempotency_key.as_str() && l["status"] == 200)
        .collect();
    assert_eq!(of_key.len(), 2, "sent twice under one key: {of_key:?}");
    let texted: Vec<_> = sent
        .iter()
        .filter(|l| l["key"] == row.idempotency_key.as_str())
        .collect();
    assert_eq!(texted.len(), 1, "texted once: {texted:?}");
    let row = api.store.outbox_row(row.id).await.unwrap().expect("row");
    assert!(row.sent_at.is_some());
    // Every key texted exactly once.
    let mut keys: Vec<&str> = sent.iter().filter_map(|l| l["key"].as_str()).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), n);
    api.stop().await;
}

async fn sms_off_sends_no_sms(backend: Backend) {
    let outside = Outside::start(0);
    let api = server(backend, &outside).await;
    let token = applicant(&api, false).await;
    let (id, _) = supplement_noticed(&api, &token).await;
    let rows = api.store.outbox_of_case(id).await.unwrap();
    assert!(rows.iter().all(|r| r.channel == "email"), "{rows:?}");
    assert_eq!(rows.len(), 2);
    drain(&api).await;
    assert_eq!(outside.texts().1.len(), 0, "no request reached the gateway");
    assert_eq!(outside.smtp.lines().len(), 2);
    // The in-site message still comes.
    let inbox = api.by(&token).get("/api/v1/messages").await.expect(200);
    assert_eq!(inbox["unread"], 2);
    api.stop().await;
}

async fn staff_are_told_of_deadlines_near(backend: Backend) {
    let outside = Outside::start(0);
    let api = server(backend, &outside).await;
    let desk = api.desk().await;
    let id = api.received(&desk.clerk).await;
    api.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let case = api
        .by(&desk.clerk)
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let promised = case["clock"]["promised_due"]
        .as_str()
        .expect("a promised date")
        .to_string();
    // Far from it: nothing.
    api.app.sweep_deadlines(api.app.now()).await.unwrap();
    let inbox = api
        .by(&desk.reviewer)
        .get("/api/v1/messages")
        .await
        .expect(200);
    assert_eq!(inbox["messages"], json!([]), "{inbox}");
    // On the promised date: the reviewer, whose turn it is, is told once; the chief is not.
    let on = yiyin_testkit::fixtures::at(&promised);
    api.clock.set(on);
    // Days later the sessions have timed out: the staff log in again.
    let [reviewer, chief] = api.tokens(["hy.reviewer", "hy.chief"]).await;
    api.app.sweep_deadlines(on).await.unwrap();
    api.app.sweep_deadlines(on).await.unwrap();
    let inbox = api.by(&reviewer).get("/api/v1/messages").await.expect(200);
    let messages = inbox["messages"].as_array().expect("messages").clone();
    assert!(!messages.is_empty(), "{inbox}");
    // A third look tells nothing new: one notice per due date.
    api.app.sweep_deadlines(on).await.unwrap();
    let again = api.by(&reviewer).get("/api/v1/messages").await.expect(200);
    assert_eq!(
        again["messages"].as_array().map(Vec::len),
        Some(messages.len())
    );
    let subject = messages[0]["subject"].as_str().unwrap_or_default();
    assert!(subject.starts_with("即将超期"), "{subject}");
    assert!(
        messages[0]["body"]
            .as_str()
            .unwrap_or("")
            .contains("今日届满"),
        "{inbox}"
    );
    assert_eq!(messages[0]["link"], format!("/work/cases/{id}"));
    let chief = api.by(&chief).get("/api/v1/messages").await.expect(200);
    assert_eq!(chief["messages"], json!([]));
    api.stop().await;
}

async fn a_dead_notice_is_kept_and_sent_again_by_the_system_administrator(backend: Backend) {
    // The gateway fails as many requests as the policy tries: the text dies, then the gateway is
    // up again.
    let tries = retry_policy().max_attempts as usize;
    let outside = Outside::start(tries);
    let api = server(backend, &outside).await;
    let token = applicant(&api, true).await;
    let id = apply(&api, &token).await;
    let text = || async {
        api.store
            .outbox_of_case(id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.channel == "sms")
            .expect("a text queued")
    };
    // Tried at each due time (the back-off grows to an hour) until the policy gives up.
    let mut rounds = 0;
    while !text().await.dead {
        rounds += 1;
        assert!(rounds <= 80, "still retried after {rounds} rounds");
        api.app.send_notifications_once().await;
        later(&api, 3_600_001);
    }
    let row = text().await;
    assert!(row.sent_at.is_none());
    assert!(row.last_error.contains("503"), "{row:?}");
    assert_eq!(outside.texts().1.len(), tries);
    // Dead: never tried again by itself, though the gateway is up again.
    later(&api, 86_400_000);
    drain(&api).await;
    assert_eq!(outside.texts().1.len(), tries);

    // Not for the clerk, nor for the applicant (logged in again: days have passed).
    let desk = api.desk().await;
    let token = api.token(PERSON, PASSWORD).await;
    let path = format!("/api/v1/jurisdictions/{HANYIN}/notifications/failed");
    api.by(&desk.clerk).get(&path).await.expect(403);
    api.by(&token).get(&path).await.expect(403);
    let resend = format!("/api/v1/notifications/{}/resend", row.id);
    api.by(&desk.clerk).post_empty(&resend).await.expect(403);
    // Another county's system administrator does not see it or send it.
    let other = api.staff("admin-zy", Role::SystemAdmin, "ziyang").await;
    api.by(&other).get(&path).await.expect(403);
    api.by(&other).post_empty(&resend).await.expect(403);

    // The system administrator of the county sees it, masked and without its text.
    let admin = api.staff("admin-hy", Role::SystemAdmin, HANYIN).await;
    let seen = api.by(&admin).get(&path).await.expect(200);
    assert_eq!(seen["dead"], 1, "{seen}");
    let listed = &seen["notices"][0];
    assert_eq!(listed["id"], row.id);
    assert_eq!(listed["dead"], true);
    assert_eq!(listed["channel_label"], "短信");
    assert_eq!(listed["kind_label"], "收件通知");
    assert_eq!(listed["address"], "139****5678", "{listed}");
    assert!(listed.get("body").is_none(), "{listed}");
    assert!(!seen.to_string().contains("13912345678"), "{seen}");
    // The page says the same.
    let (status, html) = api
        .page_text(&admin, &format!("/admin/notices/{HANYIN}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("已停止重试") && html.contains("139****5678"),
        "{html}"
    );
    assert!(!html.contains("13912345678"));

    // A second application's text fails once and is retried: the desk reads a page at a time,
    // the dead first, then the retried; a cursor not given back is refused.
    let second = apply(&api, &token).await;
    let retried = api
        .store
        .outbox_of_case(second)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.channel == "sms")
        .expect("a text queued");
    let now = api.app.now().timestamp_millis();
    let mut tx = api.store.begin_write().await.unwrap();
    let lease = tx
        .claim_lease(Outbox::Notices, retried.id, now, LEASE_MS)
        .await
        .unwrap()
        .expect("claimed");
    tx.notification_failed(retried.id, lease, now, "HTTP 503", &retry_policy())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let first = api
        .by(&admin)
        .get(&format!("{path}?limit=1"))
        .await
        .expect(200);
    assert_eq!(
        (first["dead"].as_i64(), first["retrying"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(first["notices"][0]["id"], row.id, "{first}");
    let next = first["next"].as_str().expect("a next page").to_string();
    let last = api
        .by(&admin)
        .get(&format!("{path}?limit=1&after={next}"))
        .await
        .expect(200);
    assert_eq!(last["notices"][0]["id"], retried.id, "{last}");
    assert!(last["next"].is_null(), "{last}");
    api.by(&admin)
        .get(&format!("{path}?after=2_1"))
        .await
        .refused(422, "翻页位置无效");

    // The gateway is mended; the administrator sends it again: it goes once, under its key.
    let again = api.by(&admin).post_empty(&resend).await.expect(200);
    assert_eq!(again["dead"], false, "{again}");
    assert_eq!(again["attempts"], 0);
    // A second press is refused: it is no longer dead.
    let twice = api.by(&admin).post_empty(&resend).await.expect(422);
    assert!(twice.to_string().contains("自动重试"), "{twice}");
    drain(&api).await;
    let row = api.store.outbox_row(row.id).await.unwrap().expect("row");
    assert!(row.sent_at.is_some(), "{row:?}");
    let (sent, all) = outside.texts();
    assert_eq!(all.len(), tries + 1, "{all:?}");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["key"], row.idempotency_key.as_str());
    // Sent: refused again, and the act is in the case's history.
    let done = api.by(&admin).post_empty(&resend).await.expect(422);
    assert!(done.to_string().contains("已发送成功"), "{done}");
    let missing = api
        .by(&admin)
        .post_empty("/api/v1/notifications/99999999/resend")
        .await
        .expect(404);
    assert!(missing.to_string().contains("没有这条通知"), "{missing}");
    let events = api.store.case_events(id).await.unwrap();
    assert!(
        events.iter().any(|e| e.action == "notification_resend"),
        "{events:?}"
    );
    api.stop().await;
}
