//! Delivery of documents (送达, Art. 44) against a real server, on both databases: the applicant's
//! consent then electronic delivery when the decision and the licence are issued; window collection
//! with its signer; post with its tracking number, then the receipt's date; and the refusals (no
//! consent, a date before the document or in the future, a second delivery, bad tracking input,
//! wrong role, other county), each changing nothing.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::assert_says;
use yiyin_testkit::on_both;
use yiyin_testkit::web::{Api, approve};

on_both!(
    consent_then_issued_documents_are_delivered_electronically,
    window_collection_and_post_are_recorded_and_refusals_change_nothing,
    the_case_pages_show_deliveries_and_take_the_forms,
);

fn deliveries(id: i64) -> String {
    format!("/api/v1/cases/{id}/deliveries")
}

/// The delivered document of `kind` in a deliveries view.
fn doc<'a>(view: &'a Value, kind: &str) -> &'a Value {
    view["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {view}"))
}

async fn consent_then_issued_documents_are_delivered_electronically(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let me = app
        .register("person", "王芳", "11010519491231002X", "wangfang2025")
        .await;
    let id = app.apply_online(&me).await;

    // Not the applicant's own case: another applicant may not consent on it.
    let other = app.other_company().await;
    app.by(&other)
        .post(&format!("{}/consent", deliveries(id)), json!({}))
        .await
        .refused(403, "不是您本人的办件");
    // Nor may a reviewer record delivery consent.
    app.by(&desk.reviewer)
        .post(&format!("{}/consent", deliveries(id)), json!({}))
        .await
        .expect(403);

    let before = app.by(&me).get(&deliveries(id)).await.expect(200);
    assert!(before["consent"].is_null(), "{before}");
    assert_eq!(before["may_consent"], true);
    let view = app
        .by(&me)
        .post(&format!("{}/consent", deliveries(id)), json!({}))
        .await
        .expect(200);
    assert_eq!(view["consent"]["channel"], "online", "{view}");
    assert_eq!(view["consent"]["channel_label"], "网上确认");
    assert_eq!(view["may_consent"], false);
    // Consent is given once.
    app.by(&me)
        .post(&format!("{}/consent", deliveries(id)), json!({}))
        .await
        .refused(409, "已记录同意电子送达");
    assert_eq!(
        app.event_count(&desk.clerk, id, "consent_delivery").await,
        1
    );

    for (token, action) in desk.licensing(approve("符合条件")) {
        app.act(token, id, action).await.expect(200);
    }
    let view = app.by(&me).get(&deliveries(id)).await.expect(200);
    for kind in ["decision_letter", "licence"] {
        let d = doc(&view, kind);
        assert_eq!(d["status"], "已送达", "{d}");
        assert_eq!(d["delivered"], true);
        assert_eq!(d["delivery"]["method"], "electronic");
        assert_eq!(d["delivery"]["method_label"], "电子送达");
        assert_eq!(d["delivery"]["delivered_on"], "2025-03-03");
        assert_eq!(d["delivery"]["recipient"], "王芳");
    }
    assert_eq!(
        app.event_count(&desk.clerk, id, "deliver_document").await,
        2
    );

    // Delivered once: the window cannot record a second delivery of the licence.
    let licence = doc(&view, "licence")["document_id"].as_i64().unwrap();
    app.by(&desk.clerk)
        .post(
            &deliveries(id),
            json!({"document_id": licence, "method": "window", "recipient": "王芳",
                   "recipient_id": "11010519491231002X", "signed_by": "王芳"}),
        )
        .await
        .refused(422, "已经送达");
    assert_eq!(
        app.event_count(&desk.clerk, id, "deliver_document").await,
        2
    );
}

/// `base` with the fields of `changes` put in.
fn with(base: &Value, changes: Value) -> Value {
    let mut changed = base.clone();
    for (field, value) in changes.as_object().expect("an object") {
        changed[field] = value.clone();
    }
    changed
}

async fn window_collection_and_post_are_recorded_and_refusals_change_nothing(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let (id, _, clerk) = app.licensed_case().await;
    let [reviewer, chief] = app.tokens(["hy.reviewer", "hy.chief"]).await;
    let view = app.by(&clerk).get(&deliveries(id)).await.expect(200);
    assert!(view["consent"].is_null());
    assert_eq!(view["may_record"], true);
    let licence = doc(&view, "licence")["document_id"].as_i64().unwrap();
    let decision = doc(&view, "decision_letter")["document_id"]
        .as_i64()
        .unwrap();
    for kind in ["decision_letter", "licence"] {
        assert_eq!(doc(&view, kind)["status"], "未送达");
    }
    let window = json!({"document_id": licence, "method": "window", "recipient": "张伟",
        "recipient_id": "11010519491231002X", "signed_by": "张伟", "as_agent": true});
    let post = json!({"document_id": decision, "method": "post", "carrier": "中国邮政EMS",
        "tracking_no": "EA123456789CN"});

    // Refusals, each changing nothing.
    let refusals = [
        (
            &clerk,
            json!({"document_id": licence, "method": "electronic"}),
            422,
            "未同意电子送达",
        ),
        (
            &clerk,
            with(&window, json!({"delivered_on": "2025-03-02"})),
            422,
            "早于",
        ),
        (
            &clerk,
            with(&window, json!({"delivered_on": "2025-03-04"})),
            422,
            "尚未发生",
        ),
        (
            &clerk,
            with(&window, json!({"as_agent": false})),
            422,
            "不是申请人",
        ),
        (
            &clerk,
            with(&post, json!({"tracking_no": "EA 12"})),
            422,
            "邮件单号",
        ),
        (
            &clerk,
            with(&post, json!({"tracking_no": "EA123\u{0}456789"})),
            422,
            "",
        ),
        (
            &clerk,
            with(&post, json!({"delivered_on": "2025/03/03"})),
            422,
            "送达日期",
        ),
        (&reviewer, window.clone(), 403, ""),
        (&chief, post.clone(), 403, ""),
    ];
    for (token, body, status, says) in refusals {
        app.by(token)
            .post(&deliveries(id), body.clone())
            .await
            .refused(status, says);
    }
    let outsider = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    app.by(&outsider)
        .post(&deliveries(id), window.clone())
        .await
        .expect(403);
    app.by(&outsider).get(&deliveries(id)).await.expect(403);
    let unchanged = app.by(&clerk).get(&deliveries(id)).await.expect(200);
    assert_eq!(unchanged, view, "a refusal changed the deliveries");
    assert_eq!(app.event_count(&clerk, id, "deliver_document").await, 0);

    // Window collection by an agent, who signs the receipt.
    let view = app
        .by(&clerk)
        .post(&deliveries(id), window.clone())
        .await
        .expect(200);
    let d = doc(&view, "licence");
    assert_eq!(d["status"], "已送达", "{d}");
    assert_eq!(d["delivery"]["method"], "window");
    assert_eq!(d["delivery"]["signed_by"], "张伟");
    assert_eq!(d["delivery"]["as_agent"], true);
    assert_eq!(d["delivery"]["delivered_on"], "2025-03-03");
    // A second delivery of the same document.
    app.by(&clerk)
        .post(&deliveries(id), window)
        .await
        .refused(422, "已经送达");

    // Post: on its way, then delivered when the receipt comes back.
    let view = app
        .by(&clerk)
        .post(&deliveries(id), post.clone())
        .await
        .expect(200);
    let d = doc(&view, "decision_letter");
    assert_eq!(d["status"], "邮寄在途", "{d}");
    assert_eq!(d["delivery"]["tracking_no"], "EA123456789CN");
    assert!(d["delivery"]["delivered_on"].is_null());
    let delivery = d["delivery"]["id"].as_i64().unwrap();
    app.by(&clerk)
        .post(&deliveries(id), post)
        .await
        .refused(422, "尚未签收");
    let receipt = format!("{}/{delivery}/receipt", deliveries(id));
    app.by(&clerk)
        .post(&receipt, json!({"delivered_on": "2025-03-02"}))
        .await
        .refused(422, "早于");
    app.by(&outsider)
        .post(&receipt, json!({"delivered_on": "2025-03-03"}))
        .await
        .expect(403);
    let view = app
        .by(&clerk)
        .post(&receipt, json!({"delivered_on": "2025-03-03"}))
        .await
        .expect(200);
    let d = doc(&view, "decision_letter");
    assert_eq!(d["status"], "已送达", "{d}");
    assert_eq!(d["delivery"]["delivered_on"], "2025-03-03");
    app.by(&clerk)
        .post(&receipt, json!({"delivered_on": "2025-03-03"}))
        .await
        .refused(422, "已经送达");
    // Three recorded acts: the collection, the posting, the receipt.
    assert_eq!(app.event_count(&clerk, id, "deliver_document").await, 3);
}

/// A page's status and HTML.
async fn page(app: &Api, path: &str) -> (u16, String) {
    let r = app.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn the_case_pages_show_deliveries_and_take_the_forms(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/cases/{id}/deliveries",
        "/api/v1/cases/{id}/deliveries/consent",
        "/api/v1/cases/{id}/deliveries/{delivery}/receipt",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["CaseDeliveries"].is_object());

    // The applicant consents on their case page.
    let me = app
        .register("person", "王芳", "11010519491231002X", "wangfang2025")
        .await;
    let id = app.apply_online(&me).await;
    let csrf = app
        .browser_login_with(json!({"login": "11010519491231002X", "password": "wangfang2025"}))
        .await;
    let mine = format!("/my/cases/{id}");
    let (status, html) = page(&app, &mine).await;
    assert_eq!(status, 200);
    assert_says(&html, &["送达", "同意电子送达", "delivery-consent"]);
    let r = app
        .post_form(
            &format!("{mine}/delivery-consent"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, html) = page(&app, &mine).await;
    assert_says(&html, &["您已同意电子送达（网上确认"]);
    assert!(
        !html.contains("delivery-consent\""),
        "the button is gone once consented"
    );

    // The window records a collection on the staff case page of a case filed at the window.
    let (other, _, _) = app.licensed_case().await;
    let csrf = app.browser_login("hy.clerk").await;
    let work = format!("/work/cases/{other}");
    let (status, html) = page(&app, &work).await;
    assert_eq!(status, 200);
    assert_says(
        &html,
        &["送达", "未送达", "登记送达", "窗口领取", "邮寄送达"],
    );
    let view = app
        .by(&app.token("hy.clerk", yiyin_testkit::PASSWORD).await)
        .get(&deliveries(other))
        .await
        .expect(200);
    let licence = doc_id(&view, "licence");
    let decision = doc_id(&view, "decision_letter");
    let bad = [
        ("csrf", csrf.as_str()),
        ("document_id", decision.as_str()),
        ("method", "post"),
        ("carrier", "中国邮政EMS"),
        ("tracking_no", "EA 12"),
    ];
    let r = app.post_form(&format!("{work}/deliveries"), &bad).await;
    assert_eq!(r.status().as_u16(), 422);
    assert_says(&r.text().await.unwrap(), &["邮件单号应为6至40位"]);
    let fields = [
        ("csrf", csrf.as_str()),
        ("document_id", licence.as_str()),
        ("method", "window"),
        ("recipient", "张伟"),
        ("recipient_id", "11010519491231002X"),
        ("signed_by", "张伟"),
        ("as_agent", "yes"),
        ("delivered_on", ""),
    ];
    let r = app.post_form(&format!("{work}/deliveries"), &fields).await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, html) = page(&app, &work).await;
    assert_says(
        &html,
        &["已送达", "签收人 张伟（代领）", "送达日期 2025-03-03"],
    );
    // The applicant's consent form is not staff's to post to.
    let r = app
        .post_form(
            &format!("{mine}/delivery-consent"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
}

/// The id (as text) of the delivered document of `kind` in a deliveries view.
fn doc_id(view: &Value, kind: &str) -> String {
    doc(view, kind)["document_id"].as_i64().unwrap().to_string()
}
