//! Public verification names nobody to a stranger, on both databases: document numbers follow the
//! case numbers and can be enumerated, so a lookup by number alone (API and page) shows minimal facts
//! with a person's name masked as the announcements mask it (an organisation's name stays: public
//! registration data); the random verification code printed on the document (and carried by its QR
//! code), the case's query code, or the file itself shows the full record. Codes differ between
//! documents and have nothing to do with the numbers.

use serde_json::{Value, json};
use yiyin_app::encode_query;
use yiyin_store::Backend;
use yiyin_testkit::web::approve;
use yiyin_testkit::{Api, on_both};

on_both!(lookups_by_number_mask_persons_and_codes_open_the_record);

const PERSON: &str = "王芳芳";

/// What the API answers for `number` (and `code`), anonymously.
async fn lookup(app: &Api, number: &str, code: Option<&str>) -> Value {
    let mut path = format!("/api/v1/verify?number={}", encode_query(number));
    if let Some(code) = code {
        path.push_str(&format!("&code={}", encode_query(code)));
    }
    app.anonymous().get(&path).await.expect(200)
}

/// The public page for `number` (and `code`).
async fn page(app: &Api, number: &str, code: &str) -> String {
    let path = format!(
        "/verify?number={}&code={}",
        encode_query(number),
        encode_query(code)
    );
    let (status, text) = app.get_text(&path).await;
    assert_eq!(status, 200, "{text}");
    text
}

async fn lookups_by_number_mask_persons_and_codes_open_the_record(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    // A citizen's application taken through to the licence.
    let desk = app.desk().await;
    let licensed = async |intake: Value| {
        let case = app.by(&desk.clerk).post("/api/v1/cases", intake).await;
        let id = case.expect(201)["id"].as_i64().unwrap();
        for (token, action) in desk.licensing(approve("符合条件")) {
            app.act(token, id, action).await.expect(200);
        }
        id
    };
    let id = licensed(json!({
        "jurisdiction": "hanyin",
        "item_code": "HY-SC-001",
        "applicant": {"kind": "person", "name": PERSON, "id_number": "11010519491231002X"},
        "materials": ["M1", "M2"],
    }))
    .await;
    let record = app.app.store.case(id).await.unwrap();
    let documents = app.app.store.case_documents(id).await.unwrap();
    assert!(documents.len() >= 2, "{documents:?}");
    let codes: Vec<String> = documents
        .iter()
        .map(|d| {
            d.verification_code
                .clone()
                .expect("every document has a code")
        })
        .collect();
    for (d, code) in documents.iter().zip(&codes) {
        assert_eq!(code.chars().count(), 12, "{code}");
        assert!(
            code.chars()
                .all(|c| "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(c)),
            "{code}"
        );
        assert!(!d.record.number.contains(code.as_str()));
        assert!(!record.number.contains(code.as_str()));
    }
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), codes.len(), "codes differ: {codes:?}");

    let licence = documents.last().unwrap();
    let number = licence.record.number.as_str();
    let code = codes.last().unwrap().as_str();

    // By number alone: genuine and in force, the kind, issuer and date, the name masked.
    let v = lookup(&app, number, None).await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["complete"], false, "{v}");
    assert_eq!(v["recipient"], "王**", "{v}");
    assert!(v["title"].is_string() && v["agency"].is_string() && v["issued_on"].is_string());
    assert!(!v.to_string().contains(PERSON), "{v}");
    // A wrong code, or another document's, opens nothing.
    for wrong in ["ABCDEFGHJKMN", codes[0].as_str()] {
        let v = lookup(&app, number, Some(wrong)).await;
        assert_eq!(v["recipient"], "王**", "{v}");
    }
    // With its code (lower case and spaces forgiven), or the case's query code: the full record.
    for right in [
        code.to_string(),
        code.to_lowercase(),
        record.query_code.clone(),
    ] {
        let v = lookup(&app, number, Some(&right)).await;
        assert_eq!(v["complete"], true, "{v}");
        assert_eq!(v["recipient"], PERSON, "{v}");
    }
    // The licence's identifier likewise.
    let identifier = licence.record.identifier.clone().unwrap();
    let v = lookup(&app, &identifier, None).await;
    assert_eq!(v["recipient"], "王**", "{v}");
    let v = lookup(&app, &identifier, Some(code)).await;
    assert_eq!(v["recipient"], PERSON, "{v}");

    // The page, as the QR code opens it and as a stranger types the number in.
    let shown = page(&app, number, "").await;
    assert!(shown.contains("王**") && !shown.contains(PERSON), "{shown}");
    assert!(shown.contains("个人姓名已隐去"), "{shown}");
    let shown = page(&app, number, code).await;
    assert!(shown.contains(PERSON), "{shown}");
    assert!(!shown.contains("个人姓名已隐去"), "{shown}");
    // The QR code carries the code.
    assert!(
        app.app
            .verify_url(number, code)
            .ends_with(&format!("&code={code}"))
    );

    // A document issued before codes gets one when its PDF is first rendered.
    app.db()
        .tamper(&format!(
            "UPDATE documents SET verification_code = NULL, pdf_digest = NULL WHERE id = {}",
            licence.id
        ))
        .await;
    let pdf = format!("/cases/{id}/documents/{}/pdf", licence.id);
    let (status, bytes) = app.page(&desk.clerk, &pdf).await;
    assert_eq!(status, 200);
    assert!(yiyin_pdf::verify(&bytes).is_ok());
    let given = app.app.store.document(licence.id).await.unwrap();
    let given = given.verification_code.expect("a code given at rendering");
    assert_ne!(given, code);
    // Printed on it, beside the QR code that carries it.
    let printed = yiyin_testkit::pdf_text(&bytes);
    assert!(printed.contains(&format!("核验码：{given}")), "{printed}");
    let v = lookup(&app, number, Some(&given)).await;
    assert_eq!(v["recipient"], PERSON, "{v}");

    // An organisation's name is public registration data: shown by number alone.
    let org_case = licensed(yiyin_testkit::web::intake(&["M1", "M2"])).await;
    let org_doc = app
        .app
        .store
        .case_documents(org_case)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let v = lookup(&app, &org_doc.record.number, None).await;
    assert_eq!(v["complete"], false, "{v}");
    assert_eq!(v["recipient"], "汉阴县月河餐饮有限公司", "{v}");
    app.stop().await;
}
