//! Least necessary (最小必要) reaches the files, against a real server on both databases: those who
//! only watch a case (observers, discipline supervisors) see the applicant's identifiers masked, and
//! the case's files that carry them in full — a scanned material, the licence document (its page,
//! PDF and sealed record), the archive package — are refused to them (403, 「请先说明理由查看完整
//!信息」) until they open the case on purpose (查看完整信息); then each file they take is a
//! chained event of the case. Those who handle the case take the files at once.

use serde_json::{Value, json};
use yiyin_app::cases::{ApplicantInput, Receive, Upload};
use yiyin_domain::engine::IntakeOutcome;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{HANYIN, approve};
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(watchers_take_identifying_files_only_after_opening_the_case);

/// A small PDF, as a scanned material.
const SCAN: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A licensed case whose material M1 was scanned at the window; returns (case id, the scan's
/// attachment id, the licence document's id, the clerk's token).
async fn licensed_case_with_scan(app: &Api) -> (i64, i64, i64, String) {
    let desk = app.desk().await;
    let clerk = app.principal("hy.clerk").await;
    let applicant: ApplicantInput = serde_json::from_value(json!({
        "kind": "person", "name": "王芳", "id_number": "11010519491231002X", "phone": "13812345678"
    }))
    .unwrap();
    let received = app
        .app
        .receive(
            &clerk,
            Receive {
                jurisdiction: HANYIN.into(),
                item_code: "HY-SC-001".into(),
                applicant: Some(applicant.parse().unwrap()),
                materials: vec!["M1".into(), "M2".into()],
                attested: false,
                outcome: IntakeOutcome::Receive,
                idempotency_key: None,
                uploads: vec![Upload {
                    material: "M1".into(),
                    name: "身份证.pdf".into(),
                    bytes: SCAN.to_vec(),
                }],
                form: None,
                representation: Default::default(),
            },
        )
        .await
        .expect("received");
    let id = received.record.id;
    let mut last = Value::Null;
    for (token, action) in desk.licensing(approve("符合条件")) {
        last = app.act(token, id, action).await.expect(200);
    }
    let attachment = app.store.attachments(id).await.unwrap()[0].id;
    let licence = last["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"].as_str().unwrap().contains("许可"))
        .unwrap_or_else(|| panic!("a licence document: {last}"))["id"]
        .as_i64()
        .unwrap();
    (id, attachment, licence, desk.clerk)
}

/// The files of a case, as their addresses.
fn files(id: i64, attachment: i64, doc: i64) -> [String; 5] {
    [
        format!("/files/{attachment}"),
        format!("/cases/{id}/documents/{doc}/pdf"),
        format!("/cases/{id}/documents/{doc}"),
        format!("/work/cases/{id}/archive"),
        format!("/api/v1/cases/{id}/archive"),
    ]
}

/// The downloads a reader's account recorded on a case.
async fn downloads(app: &Api, id: i64, login: &str) -> usize {
    let account = app.principal(login).await.account.id;
    app.store
        .case_events(id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "download_identifying_file" && e.actor_account == Some(account))
        .count()
}

async fn get(app: &Api, token: &str, path: &str) -> (u16, String) {
    if path.starts_with("/api/") {
        let r = app
            .request("GET", path, Some(token), None)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    } else {
        let (status, bytes) = app.page(token, path).await;
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}

async fn watchers_take_identifying_files_only_after_opening_the_case(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (id, attachment, doc, clerk) = licensed_case_with_scan(&app).await;
    let observer = app.observer("hy.observer", "shichang").await;
    let discipline = app
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN)
        .await;

    // The clerk who handles the case takes every file at once, nothing recorded.
    for path in files(id, attachment, doc) {
        let (status, body) = get(&app, &clerk, &path).await;
        assert_eq!(status, 200, "clerk {path}: {body}");
    }
    assert_eq!(downloads(&app, id, "hy.clerk").await, 0);

    for (token, login) in [(&observer, "hy.observer"), (&discipline, "hy.discipline")] {
        // Before opening the case: refused, saying how to open it.
        for path in files(id, attachment, doc) {
            let (status, body) = get(&app, token, &path).await;
            assert_eq!(status, 403, "{login} {path}: {body}");
            assert!(
                body.contains("请先说明理由查看完整信息")
                    && body.contains(&format!("/work/cases/{id}")),
                "{login} {path}: {body}"
            );
            if !path.starts_with("/api/") {
                let link = format!(
                    "<a class=\"button\" href=\"/work/cases/{id}\">前往办件页查看完整信息</a>"
                );
                assert!(
                    body.contains(&link),
                    "{login} {path}: the way to open it: {body}"
                );
            }
        }
        assert_eq!(downloads(&app, id, login).await, 0);
        // Opened on purpose: each file taken, each recorded.
        app.by(token)
            .post_empty(&format!("/api/v1/cases/{id}/reveal"))
            .await
            .expect(200);
        for (n, path) in files(id, attachment, doc).iter().enumerate() {
            let (status, body) = get(&app, token, path).await;
            assert_eq!(status, 200, "{login} {path} after opening: {body}");
            assert_eq!(downloads(&app, id, login).await, n + 1, "{login} {path}");
        }
    }
    // The scan is the scan.
    let r = app
        .plain
        .get(app.url(&format!("/files/{attachment}")))
        .bearer_auth(&observer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), SCAN);
    // An opening lasts half an hour (the session kept alive meanwhile).
    let scan = format!("/files/{attachment}");
    app.clock.set(app.app.now() + chrono::Duration::minutes(20));
    assert_eq!(get(&app, &observer, &scan).await.0, 200, "after 20 minutes");
    app.clock.set(app.app.now() + chrono::Duration::minutes(11));
    let (status, body) = get(&app, &observer, &scan).await;
    assert_eq!(status, 403, "after half an hour: {body}");
    assert!(body.contains("请先说明理由查看完整信息"), "{body}");
    // The downloads are in the chain, which still verifies.
    let discipline = app.token("hy.discipline", PASSWORD).await;
    app.unbroken_chain(&discipline).await;
    app.stop().await;
}
