//! A file error keeps the other chosen files, against a real server on both databases: when an
//! applicant's online application is refused for one file (not a PDF, JPG, PNG or OFD), the files
//! that passed are kept for that form in that session and shown as 「已保留：文件名」; sent again, the
//! form attaches them. Another session sending the same form key gets none of them. The same holds
//! for the files answering a supplement notice.

use serde_json::json;
use yiyin_store::Backend;
use yiyin_testkit::browser::{case_of, new_browser};
use yiyin_testkit::uploads::multipart_form;
use yiyin_testkit::web::COMPANY_ID;
use yiyin_testkit::{Api, on_both};

on_both!(
    a_refused_file_keeps_the_others_for_the_same_session,
    a_refused_supplement_file_keeps_the_others
);

const GOOD: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PASSWORD: &str = "Wf-2025-apply!";
const APPLY: &str = "/apply/hanyin/HY-SC-001";

/// A browser of its own, logged in as `login`; returns it with the session's CSRF token.
async fn browser(app: &Api, login: &str) -> (reqwest::Client, String) {
    let client = new_browser();
    let credentials = json!({"login": login, "password": PASSWORD});
    let csrf = app.log_in_on(&client, credentials).await;
    (client, csrf)
}

/// Sends a multipart form with `fields` and `files` (material, name, bytes) to
/// `path`; returns status, page and where it redirects.
async fn post_files(
    app: &Api,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (u16, String, String) {
    let files: Vec<_> = files
        .iter()
        .map(|(material, name, bytes)| (format!("file_{material}"), *name, *bytes))
        .collect();
    app.post_multipart(client, path, multipart_form(fields, &files))
        .await
}

/// Sends the application form with `files` (material, name, bytes); returns status, page and
/// where it redirects.
async fn send(
    app: &Api,
    client: &reqwest::Client,
    csrf: &str,
    key: &str,
    files: &[(&str, &str, &[u8])],
) -> (u16, String, String) {
    let fields = [("csrf", csrf), ("key", key), ("agree", "yes")];
    post_files(app, client, APPLY, &fields, files).await
}

/// The files attached to a case (material, name), in order.
async fn attachments(app: &Api, id: i64) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = app
        .store
        .attachments(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.material_code, a.file_name))
        .collect();
    files.sort();
    files
}

/// The files both answers sent together: M1 kept from the first, M2 corrected in the second.
fn kept_and_corrected() -> Vec<(String, String)> {
    vec![
        ("M1".to_string(), "营业执照.pdf".to_string()),
        ("M2".to_string(), "说明.pdf".to_string()),
    ]
}

async fn a_refused_file_keeps_the_others_for_the_same_session(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    app.register(
        "organisation",
        "汉阴县月河餐饮有限公司",
        COMPANY_ID,
        PASSWORD,
    )
    .await;
    let (owner, csrf) = browser(&app, "11010519491231002X").await;
    let key = "form-key-0001";

    // M1 passes, M2 is not a PDF: refused, M1 kept and shown as kept.
    let (status, page, _) = send(
        &app,
        &owner,
        &csrf,
        key,
        &[
            ("M1", "营业执照.pdf", GOOD),
            ("M2", "说明.txt", b"plain text"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("不是PDF、JPG、PNG或OFD文件"), "{page}");
    assert!(page.contains("已保留：营业执照.pdf"), "{page}");
    assert!(!page.contains("已保留：说明.txt"), "{page}");

    // Another session sending the same form key gets none of the kept files.
    let (other, other_csrf) = browser(&app, COMPANY_ID).await;
    let (status, page, location) = send(&app, &other, &other_csrf, key, &[]).await;
    assert!(!page.contains("已保留"), "{page}");
    if status == 303 {
        assert_eq!(
            attachments(&app, case_of(&location)).await,
            vec![],
            "another session's case"
        );
    } else {
        assert_eq!(status, 422, "{page}");
    }
    // A kept file is named by its form, never by a digest the client sends.
    let digest = yiyin_seal::sm3_hex(GOOD);
    let (_, page, _) = send(&app, &other, &other_csrf, &digest, &[]).await;
    assert!(!page.contains("已保留"), "{page}");

    // Sent again with the corrected M2 only: M1 kept is attached with it.
    let (status, page, location) =
        send(&app, &owner, &csrf, key, &[("M2", "说明.pdf", GOOD)]).await;
    assert_eq!(status, 303, "{page}");
    let files = attachments(&app, case_of(&location)).await;
    assert_eq!(files, kept_and_corrected());
    app.stop().await;
}

async fn a_refused_supplement_file_keeps_the_others(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let clerk = app
        .staff("hy.clerk", yiyin_domain::roles::Role::WindowClerk, "hanyin")
        .await;
    let (owner, csrf) = browser(&app, "11010519491231002X").await;
    let (status, page, location) = send(&app, &owner, &csrf, "apply-1", &[]).await;
    assert_eq!(status, 303, "{page}");
    let id = case_of(&location);
    let notice = json!({"action": "notify_supplement", "missing": ["M1", "M2"]});
    app.act(&clerk, id, notice).await.expect(200);

    let path = format!("/my/cases/{id}/supplement");
    let fields = [("csrf", csrf.as_str())];
    let (status, page, _) = post_files(
        &app,
        &owner,
        &path,
        &fields,
        &[
            ("M1", "营业执照.pdf", GOOD),
            ("M2", "说明.txt", b"plain text"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("已保留：营业执照.pdf"), "{page}");
    assert!(app.store.attachments(id).await.unwrap().is_empty());

    let files: &[(&str, &str, &[u8])] = &[("M2", "说明.pdf", GOOD)];
    let (status, page, _) = post_files(&app, &owner, &path, &fields, files).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(attachments(&app, id).await, kept_and_corrected());
    app.stop().await;
}
