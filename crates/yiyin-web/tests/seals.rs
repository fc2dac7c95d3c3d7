//! The one seal on the web, on both databases: documents sealed as issued; their PDF and JSON verify
//! offline and on the public page; a changed byte, a changed event or a stolen key are caught; the
//! licence's status shows at verification.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::verify::last_document;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    sealed_documents_verify_and_tampering_is_caught,
    closed_cases_are_archived_and_heads_published
);

async fn sealed_documents_verify_and_tampering_is_caught(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, clerk) = app.licensed_case().await;
    let licence_doc = last_document(&c);
    let voucher_doc = c["documents"][1]["id"].as_i64().unwrap();

    // The PDF and the JSON of the licence, downloaded by the clerk.
    let document = |doc: i64, format: &str| format!("/cases/{id}/documents/{doc}/{format}");
    let pdf = app
        .request("GET", &document(licence_doc, "pdf"), Some(&clerk), None)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().await.unwrap().to_vec();
    let (_, again) = app.page(&clerk, &document(licence_doc, "pdf")).await;
    assert_eq!(pdf, again, "the same file every time");
    let sealed = yiyin_pdf::verify(&pdf).expect("a genuine PDF verifies offline");
    let identifier = sealed.document["identifier"].as_str().unwrap().to_string();
    assert!(yiyin_seal::licence::is_valid(&identifier), "{identifier}");
    assert!(
        identifier.contains("11610921MB0H109215"),
        "the bureau's credit code: {identifier}"
    );
    let (_, json_doc) = app.page(&clerk, &document(voucher_doc, "json")).await;
    assert!(yiyin_pdf::verify_any(&json_doc).is_ok());

    // The public page says it is genuine and in force; a changed byte is caught, with the reason.
    let page = app.verify_page("licence.pdf", pdf.clone()).await;
    assert!(page.contains("核验结果：真实有效"), "{page}");
    assert!(page.contains(&identifier) && page.contains("有效"));
    let mut changed = pdf.clone();
    let at = pdf.len() / 2;
    changed[at] ^= 0x20;
    let page = app.verify_page("licence.pdf", changed).await;
    assert!(page.contains("核验结果：无效"), "{page}");
    let mut changed_json: Value = serde_json::from_slice(&json_doc).unwrap();
    changed_json["document"]["recipient"] = json!("别人");
    let page = app
        .verify_page("voucher.json", serde_json::to_vec(&changed_json).unwrap())
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
    let page = app
        .verify_page("forged.json", forged.to_json().into_bytes())
        .await;
    assert!(page.contains("不是本平台登记的电子印章"), "{page}");

    // The same through the API.
    let verdict_pdf = app.verdict(pdf.clone()).await;
    assert_eq!(verdict_pdf["valid"], true, "{verdict_pdf}");
    assert_eq!(verdict_pdf["licence_identifier"], identifier.as_str());
    let changed = app
        .verdict(serde_json::to_vec(&changed_json).unwrap())
        .await;
    assert_eq!(changed["valid"], false, "{changed}");
    let problem = changed["problems"][0].as_str().unwrap();
    assert!(problem.contains("签名与内容不符"));

    // Revoked: the signature is still genuine, the licence no longer valid.
    let chief = app.token("hy.chief", PASSWORD).await;
    let acts = format!("/api/v1/licences/{identifier}/acts");
    let revoke = json!({"act": "revoke", "ground": "fraud", "reason": "提交虚假的场所证明"});
    app.by(&chief).post(&acts, revoke).await.expect(201);
    let page = app.verify_page("licence.pdf", pdf.clone()).await;
    assert!(
        page.contains("签章真实，但不在有效状态") && page.contains("已撤销"),
        "{page}"
    );

    // The QR code's page finds it by number; the seals are published.
    let number = sealed.document["number"].as_str().unwrap();
    let query = format!("verify?number={}", yiyin_app::encode_query(number));
    let (s, page) = app.get_text(&format!("/{query}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("已撤销"), "{page}");
    let verdict = app.get_json(&format!("/api/v1/{query}")).await.expect(200);
    assert_eq!(verdict["licence_status"], "已撤销", "{verdict}");
    assert_eq!(verdict["valid"], false);
    app.get_json("/api/v1/verify?number=HY-NO-SUCH")
        .await
        .expect(404);
    let (_, seals) = app.get_text("/seals").await;
    assert!(
        seals.contains("汉阴县行政审批服务局行政审批专用章") && seals.contains("BEGIN PUBLIC KEY")
    );
    app.stop().await;
}

async fn closed_cases_are_archived_and_heads_published(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, c, _) = app.licensed_case().await;
    let documents = c["documents"].as_array().unwrap().len();

    // The background sweep builds the package of the closed case and publishes the day's head.
    yiyin_app::workers::sweep_once(&app.app).await;
    assert!(
        app.store.archive_of(id).await.unwrap().is_some(),
        "archived"
    );
    app.clock.set(yiyin_testkit::at("2025-03-04"));
    yiyin_app::workers::sweep_once(&app.app).await;
    let heads = app.get_json("/api/v1/audit/heads").await.expect(200);
    let head = &heads[0];
    assert_eq!(head["day"], "2025-03-04", "{heads}");
    let seq = head["seq"].as_i64().unwrap();
    assert!(seq > 0, "the head covers the case's events: {heads}");
    assert_eq!(
        yiyin_app::audit::check_head(&app.store, seq, head["hash"].as_str().unwrap())
            .await
            .unwrap(),
        None
    );
    let (_, seals) = app.get_text("/seals").await;
    assert!(
        seals.contains(head["hash"].as_str().unwrap()),
        "published on /seals"
    );
    // Yesterday's session has expired.
    let clerk = app.token("hy.clerk", PASSWORD).await;

    // Staff whose duty covers the case download it; it verifies, with every document and material.
    let archive = format!("/api/v1/cases/{id}/archive");
    let response = app
        .request("GET", &archive, Some(&clerk), None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let package = response.bytes().await.unwrap().to_vec();
    let report = yiyin_archive::verify(&package).expect("the package verifies");
    assert_eq!(
        report.documents,
        documents * 3,
        "each document as JSON, PDF and OFD"
    );
    assert_eq!(
        report.manifest.seal.name,
        "汉阴县行政审批服务局行政审批专用章"
    );
    assert!(report.manifest.events >= 5, "{:?}", report.manifest);
    let (_, page) = app.page(&clerk, &format!("/work/cases/{id}/archive")).await;
    assert_eq!(page, package, "the page and the API serve the same package");

    // A changed byte anywhere in the package is caught and named.
    let mut changed = package.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    assert!(yiyin_archive::verify(&changed).is_err());

    // Others may not have it: staff of another county, an applicant, nobody.
    let outsider = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    app.by(&outsider).get(&archive).await.expect(403);
    app.anonymous().get(&archive).await.expect(401);
    // An open case has no package yet.
    let open = app.receive(&clerk, &["M1", "M2"]).await;
    let open = format!("/api/v1/cases/{}/archive", open["id"]);
    app.by(&clerk).get(&open).await.refused(409, "尚未办结");

    // Whoever kept the published head can prove later rewriting: a recomputed event at or before
    // the head no longer matches it, and deleted history is missing.
    let hash = head["hash"].as_str().unwrap();
    app.db()
        .tamper(&format!(
            "UPDATE events SET hash = '{:0>64}' WHERE seq = {seq}",
            "1"
        ))
        .await;
    let problem = yiyin_app::audit::check_head(&app.store, seq, hash)
        .await
        .unwrap()
        .unwrap();
    assert!(problem.contains(&format!("第{seq}号事件")), "{problem}");
    app.db()
        .tamper(&format!("DELETE FROM events WHERE seq >= {seq}"))
        .await;
    let problem = yiyin_app::audit::check_head(&app.store, seq, hash)
        .await
        .unwrap()
        .unwrap();
    assert!(problem.contains("被删除"), "{problem}");
    app.stop().await;
}
