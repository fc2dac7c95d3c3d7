//! The one seal on the web, on both databases: documents sealed as issued; their PDF and JSON verify
//! offline and on the public page; a changed byte, a changed event or a stolen key are caught; the
//! licence's status shows at verification.

mod common;

use common::App;
use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;

on_both!(sealed_documents_verify_and_tampering_is_caught);

fn intake(materials: &[&str]) -> Value {
    json!({
        "jurisdiction": "hanyin",
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": "91350100M000100Y43"},
        "materials": materials,
    })
}

/// Uploads a file to the public verification page and returns the page.
async fn verify_page(app: &App, name: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    reqwest::Client::new()
        .post(app.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sealed_documents_verify_and_tampering_is_caught(backend: Backend) {
    let app = App::spawn_sealed(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let reviewer = app
        .staff("hy.reviewer", Role::Reviewer, "hanyin", None)
        .await;
    let chief = app
        .staff("hy.chief", Role::SectionChief, "hanyin", None)
        .await;
    let (_, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake(&["M1", "M2"])),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let act = |t: String, body: Value| {
        let app = &app;
        async move {
            app.call(
                "POST",
                &format!("/api/v1/cases/{id}/actions"),
                Some(&t),
                Some(body),
            )
            .await
        }
    };
    act(clerk.clone(), json!({"action": "accept"})).await;
    act(reviewer.clone(), json!({"action": "complete_step", "kind": "review", "staff": ["李娜"], "opinion": "符合条件"})).await;
    act(
        chief.clone(),
        json!({"action": "decide", "approve": true, "reason": "符合条件"}),
    )
    .await;
    let (s, c) = act(clerk.clone(), json!({"action": "issue_certificate"})).await;
    assert_eq!(s, 200, "{c}");
    let licence_doc = c["documents"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let voucher_doc = c["documents"][1]["id"].as_i64().unwrap();

    // The PDF and the JSON of the licence, downloaded by the clerk.
    let client = reqwest::Client::new();
    let pdf = client
        .get(app.url(&format!("/cases/{id}/documents/{licence_doc}/pdf")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    let again = client
        .get(app.url(&format!("/cases/{id}/documents/{licence_doc}/pdf")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert_eq!(pdf, again, "the same file every time");
    let sealed = yiyin_pdf::verify(&pdf).expect("a genuine PDF verifies offline");
    let identifier = sealed.document["identifier"].as_str().unwrap().to_string();
    assert!(yiyin_seal::licence::is_valid(&identifier), "{identifier}");
    assert!(
        identifier.contains("11610921MB0H109215"),
        "the bureau's credit code: {identifier}"
    );
    let json_doc = client
        .get(app.url(&format!("/cases/{id}/documents/{voucher_doc}/json")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(yiyin_pdf::verify_any(&json_doc).is_ok());

    // The public page says it is genuine and in force; a changed byte is caught, with the reason.
    let page = verify_page(&app, "licence.pdf", pdf.clone()).await;
    assert!(page.contains("核验结果：真实有效"), "{page}");
    assert!(page.contains(&identifier) && page.contains("有效"));
    let mut changed = pdf.clone();
    let at = pdf.len() / 2;
    changed[at] ^= 0x20;
    let page = verify_page(&app, "licence.pdf", changed).await;
    assert!(page.contains("核验结果：无效"), "{page}");
    let mut changed_json: Value = serde_json::from_slice(&json_doc).unwrap();
    changed_json["document"]["recipient"] = json!("别人");
    let page = verify_page(
        &app,
        "voucher.json",
        serde_json::to_vec(&changed_json).unwrap(),
    )
    .await;
    assert!(page.contains("签名与内容不符"), "{page}");
    // A document signed by a key that is not one of our seals is refused even if self-consistent.
    let thief = yiyin_seal::SealKey::generate();
    let mut forged: yiyin_seal::SealedDocument = serde_json::from_slice(&json_doc).unwrap();
    forged.seal.public_key = thief.public_hex();
    let forged = yiyin_seal::SealedDocument::seal(
        forged.document.clone(),
        forged.seal.clone(),
        &thief,
        &forged.signed_at,
    );
    let page = verify_page(&app, "forged.json", forged.to_json().into_bytes()).await;
    assert!(page.contains("不是本平台登记的电子印章"), "{page}");

    // Revoked: the signature is still genuine, the licence no longer valid.
    app.store
        .set_licence_status(&identifier, yiyin_domain::licence::LicenceStatus::Revoked)
        .await
        .unwrap();
    let page = verify_page(&app, "licence.pdf", pdf.clone()).await;
    assert!(
        page.contains("签章真实，但不在有效状态") && page.contains("已撤销"),
        "{page}"
    );

    // The QR code's page finds it by number; the seals are published.
    let number = sealed.document["number"].as_str().unwrap();
    let (s, page) = app
        .get_text(&format!(
            "/verify?number={}",
            yiyin_web::pages::encode(number)
        ))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("已撤销"), "{page}");
    let (_, seals) = app.get_text("/seals").await;
    assert!(
        seals.contains("汉阴县行政审批服务局行政审批专用章") && seals.contains("BEGIN PUBLIC KEY")
    );
    app.stop().await;
}
