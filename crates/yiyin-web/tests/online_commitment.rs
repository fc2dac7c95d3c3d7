//! Online decisions on the spot (网上即时办结), against a real server on both databases: an online
//! notify-and-commit (告知承诺) on a green-list item handled fully online is decided with its licence
//! in the same write as the receipt, by the system for the bureau, with the supervising
//! department's verification opened and the licence delivered electronically; off the green list,
//! or for an applicant with an unrepaired false commitment, it is refused in Chinese naming the rule
//! and nothing is kept; a retried submission decides once; an instant item handled fully online is
//! decided at once when its materials are complete (Art. 34 para 2) and received as usual when not;
//! an applicant cannot take the window's Art. 32 outcomes.

use serde_json::{Value, json};
use yiyin_domain::catalog::HandlingClass;
use yiyin_domain::supervision::CreditKind;
use yiyin_store::Backend;
use yiyin_store::credit::NewCredit;
use yiyin_testkit::browser::{answered, new_browser};
use yiyin_testkit::web::{COMPANY, COMPANY_ID, HANYIN};
use yiyin_testkit::{Api, on_both};

on_both!(
    an_online_commitment_is_decided_with_its_licence_at_once,
    a_commitment_off_the_green_list_or_by_a_barred_applicant_is_refused,
    an_instant_fully_online_item_is_decided_when_its_materials_are_complete,
    the_apply_page_signs_the_commitment_and_lands_on_the_decided_case
);

const TODAY: &str = "2025-03-03";

/// An online application for HY-SC-001 with `materials`, on a commitment or not, consenting to
/// electronic delivery.
fn apply(materials: &[&str], commitment: bool) -> Value {
    json!({
        "jurisdiction": HANYIN,
        "item_code": "HY-SC-001",
        "materials": materials,
        "attested": true,
        "outcome": if commitment { "commitment" } else { "receive" },
        "consent_delivery": true,
    })
}

/// Sends an application with an idempotency key; returns status and body.
async fn send(api: &Api, token: &str, body: Value, key: &str) -> (u16, Value) {
    let r = api
        .request("POST", "/api/v1/cases", Some(token), Some(body))
        .header("Idempotency-Key", key)
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON"))
}

/// (action, actor, reason) of a case's events, in order.
async fn events(api: &Api, id: i64) -> Vec<(String, String, String)> {
    api.store
        .case_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor, e.reason))
        .collect()
}

async fn green_listed(api: &Api) {
    api.publish_variant("列入告知承诺绿色清单", |item| {
        item.green_list = true;
        item.commitment_check_days = Some(20);
    })
    .await;
}

async fn an_online_commitment_is_decided_with_its_licence_at_once(backend: Backend) {
    let api = Api::spawn(backend, TODAY).await;
    green_listed(&api).await;
    let company = api
        .register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
        .await;
    // The guide announces it; the apply page shows the commitment and what it means.
    let (_, guide) = api.get_text("/j/hanyin/items/HY-SC-001").await;
    assert!(guide.contains("可网上告知承诺、即时办结"), "{guide}");
    let (_, form) = api.page_text(&company, "/apply/hanyin/HY-SC-001").await;
    for phrase in [
        "告知承诺（自愿选择）",
        "20个工作日内核查承诺内容",
        "第六十九条撤销行政许可",
        "记入信用记录",
        "name=\"commitment\"",
    ] {
        assert!(form.contains(phrase), "{phrase}: {form}");
    }

    let (status, case) = send(&api, &company, apply(&["M1", "M2"], true), "c-1").await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "certificate_issued", "{case}");
    assert_eq!(case["case"]["decision"]["on_commitment"], true, "{case}");

    // Received by the applicant; accepted, decided and licensed by the system for the bureau, the
    // rule in the reason.
    let log = events(&api, id).await;
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    for a in [
        "receive",
        "consent_delivery",
        "accept_on_commitment",
        "issue_certificate",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
    let (_, actor, reason) = log
        .iter()
        .find(|(a, _, _)| a == "accept_on_commitment")
        .unwrap();
    assert!(actor.starts_with("系统（代表"), "{actor}");
    assert!(reason.contains("国办发〔2020〕42号"), "{reason}");
    let (_, receiver, _) = log.iter().find(|(a, _, _)| a == "receive").unwrap();
    assert!(receiver.contains("申请人"), "{receiver}");

    // The licence is registered, the supervising department's verification opened, and the
    // licence delivered electronically with the consent given with the application.
    let licence = api.licence_of(id).await;
    let task = api
        .store
        .verification_of(&licence.identifier)
        .await
        .unwrap()
        .expect("a verification task");
    assert_eq!(task.department, "shichang");
    assert_eq!(task.case_id, id);
    assert!(task.due_on.is_some());
    assert!(api.store.delivery_consent(id).await.unwrap().is_some());
    let deliveries = api.store.case_deliveries(id).await.unwrap();
    assert!(
        deliveries
            .iter()
            .any(|d| d.document_id == licence.document_id.unwrap_or_default()),
        "{deliveries:?}"
    );

    // A retry with the same key finds the case; nothing is decided twice.
    let (again, same) = send(&api, &company, apply(&["M1", "M2"], true), "c-1").await;
    assert_eq!((again, same["id"].as_i64()), (200, Some(id)));
    assert_eq!(api.store.case_count().await.unwrap(), 1);
    let issued = events(&api, id)
        .await
        .iter()
        .filter(|(a, _, _)| a == "issue_certificate")
        .count();
    assert_eq!(issued, 1);

    // The applicant's case page shows the decision and the licence to download.
    let (_, page) = api.page_text(&company, &format!("/my/cases/{id}")).await;
    assert!(page.contains("食品经营许可证"), "{page}");
    api.stop().await;
}

async fn a_commitment_off_the_green_list_or_by_a_barred_applicant_is_refused(backend: Backend) {
    let api = Api::spawn(backend, TODAY).await;
    let company = api
        .register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
        .await;
    // Not on the green list: refused naming the rule; nothing kept; not offered on the page.
    let (status, refused) = send(&api, &company, apply(&["M1", "M2"], true), "r-1").await;
    assert_eq!(status, 422, "{refused}");
    let text = refused.to_string();
    assert!(text.contains("未列入告知承诺绿色清单"), "{text}");
    assert!(text.contains("国办发〔2020〕42号"), "{text}");
    assert_eq!(api.store.case_count().await.unwrap(), 0);
    let (_, form) = api.page_text(&company, "/apply/hanyin/HY-SC-001").await;
    assert!(!form.contains("name=\"commitment\""), "{form}");
    let (_, guide) = api.get_text("/j/hanyin/items/HY-SC-001").await;
    assert!(!guide.contains("可网上告知承诺"), "{guide}");

    // The window's outcomes are not the applicant's to take.
    let mut accept = apply(&["M1", "M2"], false);
    accept["outcome"] = json!("accept");
    let (status, forbidden) = send(&api, &company, accept, "r-2").await;
    assert_eq!(status, 403, "{forbidden}");
    assert!(forbidden.to_string().contains("第三十二条"), "{forbidden}");
    assert_eq!(api.store.case_count().await.unwrap(), 0);

    // On the green list, but the applicant has an unrepaired false commitment.
    green_listed(&api).await;
    let mut tx = api.store.begin_write().await.unwrap();
    tx.add_credit(&NewCredit {
        holder_id: COMPANY_ID,
        holder: COMPANY,
        jurisdiction: HANYIN,
        kind: CreditKind::FalseCommitment,
        reason: "承诺的经营场所与实际不符",
        source: "HY2024000001",
        at_ms: 0,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, barred) = send(&api, &company, apply(&["M1", "M2"], true), "r-3").await;
    assert_eq!(status, 422, "{barred}");
    let text = barred.to_string();
    assert!(text.contains("不能适用告知承诺"), "{text}");
    assert!(text.contains("虚假承诺"), "{text}");
    assert_eq!(api.store.case_count().await.unwrap(), 0);
    // The same applicant applying without a commitment is received as usual.
    let (status, received) = send(&api, &company, apply(&["M1", "M2"], false), "r-4").await;
    assert_eq!(status, 201, "{received}");
    assert_eq!(received["state"], "received");
    api.stop().await;
}

async fn an_instant_fully_online_item_is_decided_when_its_materials_are_complete(backend: Backend) {
    let api = Api::spawn(backend, TODAY).await;
    api.publish_variant("改为即办件", |item| {
        item.handling_class = HandlingClass::Instant;
        item.promised_days = 0;
        for s in &mut item.steps {
            s.days = 0;
        }
    })
    .await;
    let company = api
        .register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
        .await;
    let (_, guide) = api.get_text("/j/hanyin/items/HY-SC-001").await;
    assert!(guide.contains("全程网办，材料齐全即时办结"), "{guide}");

    // Complete: accepted, reviewed, decided and licensed at once by the system for the bureau.
    let (status, case) = send(&api, &company, apply(&["M1", "M2"], false), "i-1").await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    assert_eq!(case["state"], "certificate_issued", "{case}");
    let decision = &case["case"]["decision"];
    assert_eq!(decision["approved"], true);
    assert_eq!(decision["on_commitment"], false);
    assert!(
        decision["reason"]
            .as_str()
            .unwrap()
            .contains("第三十四条第二款"),
        "{decision}"
    );
    let log = events(&api, id).await;
    let decided: Vec<&str> = log
        .iter()
        .filter(|(_, actor, _)| actor.starts_with("系统（代表"))
        .map(|(a, _, _)| a.as_str())
        .collect();
    assert_eq!(
        decided,
        ["accept", "complete_step", "decide", "issue_certificate"],
        "{log:?}"
    );
    let licence = api.licence_of(id).await;
    assert!(
        api.store
            .verification_of(&licence.identifier)
            .await
            .unwrap()
            .is_none(),
        "no commitment, nothing to verify"
    );

    // A required material missing: received; the window tells once what to supplement.
    let (status, partial) = send(&api, &company, apply(&["M1"], false), "i-2").await;
    assert_eq!(status, 201, "{partial}");
    assert_eq!(partial["state"], "received", "{partial}");
    assert!(partial["case"]["decision"].is_null(), "{partial}");
    api.stop().await;
}

async fn the_apply_page_signs_the_commitment_and_lands_on_the_decided_case(backend: Backend) {
    let api = Api::spawn(backend, TODAY).await;
    green_listed(&api).await;
    api.register("organisation", COMPANY, COMPANY_ID, "yuehe2025a")
        .await;
    let client = new_browser();
    let csrf = api
        .log_in_on(
            &client,
            json!({"login": COMPANY_ID, "password": "yuehe2025a"}),
        )
        .await;
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in [
        ("csrf", csrf.as_str()),
        ("key", "page-commitment-1"),
        ("agree", "yes"),
        ("commitment", "yes"),
        ("consent_delivery", "yes"),
    ] {
        form = form.text(name, value.to_string());
    }
    let r = client
        .post(api.url("/apply/hanyin/HY-SC-001"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, html, location) = answered(r).await;
    assert_eq!(status, 303, "{html}");
    assert!(location.starts_with("/my/cases/"), "{location}");
    let r = client.get(api.url(&location)).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("已当场作出准予行政许可决定并制发证照"),
        "{page}"
    );
    assert!(page.contains("准予许可"), "{page}");
    assert!(page.contains("/documents/"), "{page}");
    assert!(page.contains("您已同意电子送达"), "{page}");
    api.stop().await;
}
