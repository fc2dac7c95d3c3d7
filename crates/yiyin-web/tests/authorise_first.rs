//! Validation after authorisation, never before, against a real server on both databases: a
//! request whose body, path or query is malformed is told 401 when nobody is logged in and 403 when
//! the caller's roles may not use the endpoint (or the form's CSRF token is not the session's) —
//! never 400/422, which would answer a stranger about the input; a caller who may use it is told
//! what is wrong with the input (422). An upload form's token is its first field, checked before
//! any file is read: a forged or misplaced token is refused with nothing read, kept or attached.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::case_of;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    api_answers_who_may_ask_before_what_was_asked,
    page_forms_answer_who_may_send_before_what_was_sent,
    upload_forms_check_the_token_before_any_file
);

/// A malformed request: method, path, raw JSON body (`None`: no body).
type Probe = (&'static str, &'static str, Option<&'static str>);

/// Requests to authenticated endpoints whose body, path or query cannot be read.
const MALFORMED: [Probe; 10] = [
    ("POST", "/api/v1/supervision/findings", Some("{not json")),
    ("POST", "/api/v1/supervision/findings", Some("{\"j\": 3}")),
    ("POST", "/api/v1/inspections/abc/results", Some("{}")),
    ("POST", "/api/v1/inspections", Some("[1, 2")),
    ("POST", "/api/v1/pushes/acknowledge", Some("{\"ids\": []}")),
    ("GET", "/api/v1/supervision/inbox?all=maybe", None),
    ("PUT", "/api/v1/supervision/webhooks", Some("{\"url\": 7}")),
    ("POST", "/api/v1/licence-acts/xyz/decision", Some("{}")),
    (
        "POST",
        "/api/v1/credit-records/1/repair",
        Some("{\"reason\": []}"),
    ),
    ("GET", "/api/v1/supervision/overview?jurisdiction=", None),
];

/// Path ids that are not numbers, at endpoints only some staff roles may use.
const MALFORMED_IDS: [Probe; 8] = [
    ("POST", "/api/v1/supervision/pushes/abc/acknowledge", None),
    ("POST", "/api/v1/supervision/pushes/abc/replay", None),
    ("POST", "/api/v1/supervision/verifications/abc", Some("{}")),
    ("POST", "/api/v1/licence-acts/abc/decision", Some("{}")),
    ("POST", "/api/v1/credit-records/abc/repair", Some("{}")),
    ("POST", "/api/v1/inspections/abc/draw", None),
    ("POST", "/api/v1/inspections/abc/cancel", Some("{}")),
    ("GET", "/api/v1/cases/abc/archive", None),
];

/// Requests that any logged-in user may make, malformed.
const MALFORMED_FOR_ANYONE: [Probe; 4] = [
    ("POST", "/api/v1/cases/abc/actions", Some("{\"action\": ")),
    ("GET", "/api/v1/cases/abc", None),
    ("GET", "/api/v1/cases?state=bogus&limit=x", None),
    ("PUT", "/api/v1/me/password", Some("{\"old\": 1")),
];

async fn send(app: &Api, token: Option<&str>, (method, path, body): Probe) -> (u16, Value) {
    let mut req = app.request(method, path, token, None);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let r = req.send().await.expect("the server answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn api_answers_who_may_ask_before_what_was_asked(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    for probe in MALFORMED
        .iter()
        .chain(&MALFORMED_FOR_ANYONE)
        .chain(&MALFORMED_IDS)
    {
        let (status, body) = send(&app, None, *probe).await;
        assert_eq!(status, 401, "anonymous {probe:?}: {body}");
    }
    // A window clerk may use none of the supervision endpoints: refused before the input is read.
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    for probe in MALFORMED {
        let (status, body) = send(&app, Some(&clerk), probe).await;
        assert_eq!(status, 403, "clerk {probe:?}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("无权") && m.contains("您的岗位没有此项职责")),
            "clerk {probe:?}: {body}"
        );
    }
    let applicant = app
        .register("person", "张三", "11010519491231002X", "Zs-2025-safe!")
        .await;
    let (status, body) = send(&app, Some(&applicant), MALFORMED[0]).await;
    assert_eq!(status, 403, "applicant: {body}");
    // A path id that is not a number is answered 403 to an applicant, whose roles may use none of
    // these endpoints, before the id is read.
    for probe in MALFORMED_IDS {
        let (status, body) = send(&app, Some(&applicant), probe).await;
        assert_eq!(status, 403, "applicant {probe:?}: {body}");
    }
    // The audit log is the auditors'.
    let (status, _) = send(&app, Some(&clerk), ("GET", "/api/v1/audit/chain", None)).await;
    assert_eq!(status, 403);
    // Those who may supervise are told what is wrong with their input.
    let market = app.supervisor("hy.shichang", "shichang").await;
    for probe in &MALFORMED[..6] {
        let (status, body) = send(&app, Some(&market), *probe).await;
        assert!(
            status == 422 || status == 400,
            "supervisor {probe:?}: {status} {body}"
        );
    }
    // Anyone logged in is told what is wrong with a request every account may make.
    for probe in MALFORMED_FOR_ANYONE {
        let (status, body) = send(&app, Some(&clerk), probe).await;
        assert!(
            status == 422 || status == 400,
            "clerk {probe:?}: {status} {body}"
        );
    }
    app.stop().await;
}

/// Posts a form (`body` urlencoded as sent) with the browser; returns status and page.
async fn post_form(app: &Api, path: &str, body: String) -> (u16, String) {
    let form = "application/x-www-form-urlencoded";
    let (status, page, _) = app.post_raw(path, form, body).await;
    (status, page)
}

async fn page_forms_answer_who_may_send_before_what_was_sent(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    // A NUL in a field is refused by the input rule (422) — but only to those who may send it.
    let bad = |csrf: &str| format!("csrf={csrf}&j=hanyin&d=shichang&summary=%00&found_on=x");
    let anonymous = post_form(&app, "/supervision/findings", bad("x")).await;
    assert_eq!(anonymous.0, 303, "anonymous: sent to the login page");

    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let csrf = app.browser_login("hy.clerk").await;
    for path in [
        "/supervision/findings",
        "/supervision/inspections/1/results",
        "/admin/users/hanyin",
        "/admin/catalog/hanyin/publish/HY-SC-001",
        "/admin/catalog/hanyin/retire/HY-SC-001",
        "/admin/catalog/hanyin/edit/HY-SC-001",
        "/admin/catalog/hanyin/bundles",
        "/admin/catalog/hanyin/project-scheme",
        "/admin/org/hanyin",
        // Upload forms, sent as no upload form at all.
        "/admin/calendar",
        "/admin/org/hanyin/seals/1/external-signer",
        "/admin/org/hanyin/seals/1/crl",
    ] {
        let (status, page) = post_form(&app, path, bad(&csrf)).await;
        assert_eq!(status, 403, "clerk {path}: {page}");
        assert!(page.contains("您的岗位没有此项职责"), "clerk {path}");
    }
    // A page path whose id is not a number: whether the caller's roles may use the page is judged
    // first (403), what the path says only then (the Chinese 404 page).
    for path in [
        "/supervision/pushes/abc/acknowledge",
        "/supervision/verifications/abc",
        "/supervision/inspections/abc/draw",
        "/supervision/inspections/abc/cancel",
        "/work/supervision/pushes/abc/replay",
        "/work/licence-acts/abc/decide",
        "/work/credit/abc/repair",
        "/admin/users/hanyin/abc",
        "/admin/org/hanyin/seals/abc/external-signer",
        "/admin/org/hanyin/seals/abc/crl",
    ] {
        let (status, page) = post_form(&app, path, format!("csrf={csrf}")).await;
        assert_eq!(status, 403, "clerk {path}: {page}");
        assert!(
            page.contains("您的岗位没有此项职责"),
            "clerk {path}: {page}"
        );
    }
    let (status, page) = post_form(&app, "/my/cases/abc/withdraw", format!("csrf={csrf}")).await;
    assert_eq!(status, 403, "clerk on an applicant's form: {page}");
    assert!(page.contains("此功能仅供申请人本人使用"), "{page}");
    let (status, page) = app.get_text("/my/cases/abc").await;
    assert_eq!(status, 403, "clerk on an applicant's page: {page}");
    for path in ["/work/cases/abc", "/files/abc", "/cases/abc/documents/1"] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 404, "clerk {path}: {page}");
        assert!(
            page.contains("路径参数「abc」应为整数"),
            "clerk {path}: {page}"
        );
    }
    let (status, page) = post_form(&app, "/work/cases/abc/act", format!("csrf={csrf}")).await;
    assert_eq!(status, 404, "clerk acting on no case: {page}");
    // The applicant: the back office is refused whatever its path says; their own pages tell
    // them the address is wrong.
    app.register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let csrf = app.browser_login("11010519491231002X").await;
    for path in ["/work/cases/abc", "/work/cases/abc/archive"] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 403, "applicant {path}: {page}");
    }
    for path in ["/work/cases/abc/act", "/work/cases/abc/reveal"] {
        let (status, page) = post_form(&app, path, format!("csrf={csrf}")).await;
        assert_eq!(status, 403, "applicant {path}: {page}");
        assert!(page.contains("仅限工作人员"), "applicant {path}: {page}");
    }
    let (status, page) = app.get_text("/my/cases/abc").await;
    assert_eq!(status, 404, "applicant, no such case: {page}");
    assert!(page.contains("页面不存在"), "{page}");
    // A form without the session's token is refused as forged before its fields are judged.
    app.supervisor("hy.shichang", "shichang").await;
    let csrf = app.browser_login("hy.shichang").await;
    let (status, page) = post_form(&app, "/supervision/findings", bad("forged")).await;
    assert_eq!(status, 403, "forged: {page}");
    assert!(page.contains("防伪令牌不符"), "forged");
    let (status, page) = post_form(&app, "/account/password", bad("forged")).await;
    assert_eq!(status, 403, "forged password form: {page}");
    // With the token, the supervisor is told what is wrong with the input.
    let (status, page) = post_form(&app, "/supervision/findings", bad(&csrf)).await;
    assert_eq!(status, 422, "supervisor: {page}");
    app.stop().await;
}

const APPLY: &str = "/apply/hanyin/HY-SC-001";
const BOUNDARY: &str = "yiyin-test-boundary";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// One part of a multipart body: a text field, or a file when `file` names it.
fn part(name: &str, file: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let file = file
        .map(|f| format!("; filename=\"{f}\""))
        .unwrap_or_default();
    let mut out =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n")
            .into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

/// A multipart body of `parts`, closed unless `truncated` (the upload broke off).
fn multipart(parts: &[Vec<u8>], truncated: bool) -> Vec<u8> {
    let mut body = parts.concat();
    if !truncated {
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    }
    body
}

/// Posts a multipart body with the browser; returns status, page and where it redirects.
async fn post_upload(app: &Api, path: &str, body: Vec<u8>) -> (u16, String, String) {
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    app.post_raw(path, &multipart, body).await
}

/// An upload the server must refuse before reading its file: the 403 page, unless the server's
/// close won the race with the client still writing the big body (refused unread all the same;
/// that nothing was kept is checked after).
async fn refused_unread(app: &Api, path: &str, body: Vec<u8>, what: &str) {
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    if let Some((status, page, _)) = app.post_unread(path, &multipart, body).await {
        assert_eq!(status, 403, "{what}: {page}");
        assert!(page.contains("防伪令牌不符"), "{what}: {page}");
    }
}

async fn upload_forms_check_the_token_before_any_file(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    app.register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let csrf = app.browser_login("11010519491231002X").await;
    let big = vec![b'%'; 11 * 1024 * 1024];
    let text = |name: &str, value: &str| part(name, None, value.as_bytes());
    let forbidden = |(status, page, _): &(u16, String, String), what: &str| {
        assert_eq!(*status, 403, "{what}: {page}");
        assert!(page.contains("防伪令牌不符"), "{what}: {page}");
    };

    // A forged token with a big file that breaks off: refused before the file is read.
    let forged = multipart(
        &[
            text("csrf", "forged"),
            text("key", "k1"),
            text("agree", "yes"),
            part("file_M1", Some("营业执照.pdf"), PDF),
            part("file_M2", Some("大文件.pdf"), &big),
        ],
        true,
    );
    refused_unread(&app, APPLY, forged, "forged, big file").await;
    // A forged token with a field the input rule refuses: 403, not 422.
    let nul = multipart(&[text("csrf", ""), text("key", "k\u{0}")], false);
    forbidden(&post_upload(&app, APPLY, nul).await, "missing token, NUL");
    // The right token after a file: the file came first, so the form is refused.
    let late = multipart(
        &[
            part("file_M1", Some("营业执照.pdf"), PDF),
            text("csrf", &csrf),
            text("key", "k2"),
            text("agree", "yes"),
        ],
        false,
    );
    forbidden(&post_upload(&app, APPLY, late).await, "token after a file");
    // Not an upload form at all.
    let (status, page) = post_form(&app, APPLY, format!("csrf={csrf}&key=k3")).await;
    assert_eq!(status, 403, "urlencoded: {page}");
    // Nothing of the refused forms was kept: sent again properly without files, the cases have none.
    for key in ["k1", "k2"] {
        let again = multipart(
            &[text("csrf", &csrf), text("key", key), text("agree", "yes")],
            false,
        );
        let (status, page, location) = post_upload(&app, APPLY, again).await;
        assert_eq!(status, 303, "{key}: {page}");
        let id = case_of(&location);
        assert!(app.store.attachments(id).await.unwrap().is_empty(), "{key}");
    }

    // The same for the answer to a supplement notice.
    let again = multipart(
        &[text("csrf", &csrf), text("key", "k4"), text("agree", "yes")],
        false,
    );
    let id = case_of(&post_upload(&app, APPLY, again).await.2);
    let notice = json!({"action": "notify_supplement", "missing": ["M1"]});
    app.act(&clerk, id, notice).await.expect(200);
    let path = format!("/my/cases/{id}/supplement");
    let forged = multipart(
        &[
            text("csrf", "forged"),
            part("file_M1", Some("大文件.pdf"), &big),
        ],
        true,
    );
    refused_unread(&app, &path, forged, "forged supplement").await;
    let late = multipart(
        &[
            part("file_M1", Some("营业执照.pdf"), PDF),
            text("csrf", &csrf),
        ],
        false,
    );
    forbidden(
        &post_upload(&app, &path, late).await,
        "supplement, token late",
    );
    assert!(app.store.attachments(id).await.unwrap().is_empty());
    // With the token first, the file is taken.
    let good = multipart(
        &[
            text("csrf", &csrf),
            part("file_M1", Some("营业执照.pdf"), PDF),
        ],
        false,
    );
    let (status, page, _) = post_upload(&app, &path, good).await;
    assert_eq!(status, 303, "supplement: {page}");
    assert_eq!(app.store.attachments(id).await.unwrap().len(), 1);
    app.stop().await;
}
