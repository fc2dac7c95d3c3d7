//! The window keeps copies, against a real server on both databases: the clerk scans several files
//! of one material at intake (multipart), the reviewer sees and downloads them and another
//! department's staff cannot; a file of the wrong type refuses the intake with a Chinese message
//! beside it and keeps nothing; an agent (经办人) acting without the applicant's mandate
//! (授权委托书) is refused, with it received and shown (masked for observers), through the page
//! and the API; the clerk prints the receipt voucher; a supplement taken at the window keeps its
//! scans through the same use case as the applicant's online one; online, an account applying for
//! an organisation is its agent under its verified identity and must upload the mandate.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::app::grant;
use yiyin_testkit::browser::{answered, case_of, new_browser, urlencoded};
use yiyin_testkit::uploads::multipart_form;
use yiyin_testkit::web::{COMPANY, COMPANY_ID, HANYIN, intake};
use yiyin_testkit::{Api, PASSWORD, on_both};

on_both!(
    the_window_scans_several_files_of_a_material,
    a_bad_file_or_a_missing_mandate_keeps_nothing,
    the_api_takes_the_agent_and_the_legal_representative,
    a_supplement_at_the_window_keeps_its_scans,
    an_account_applies_for_an_organisation_as_its_agent,
);

const AGENT_ID: &str = "610921199001011234";

/// A PDF whose bytes differ by `n` (two pages of one material are two files).
fn pdf(n: u8) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    b.extend(format!("%page {n}\n").bytes());
    b
}

/// The clerk's own browser, logged in; with the session's CSRF token.
async fn clerk(app: &Api) -> (reqwest::Client, String) {
    let client = new_browser();
    let csrf = app
        .log_in_on(&client, json!({"login": "hy.clerk", "password": PASSWORD}))
        .await;
    (client, csrf)
}

/// Sends a multipart form: the CSRF token first, then `fields`, then `files` (field, name, bytes);
/// returns status, page and where it redirects.
async fn post_files(
    app: &Api,
    client: &reqwest::Client,
    path: &str,
    csrf: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, Vec<u8>)],
) -> (u16, String, String) {
    let fields = [&[("csrf", csrf)][..], fields].concat();
    let form = multipart_form(&fields, files);
    app.post_multipart(client, path, form).await
}

/// The window intake form's fields for the test company, with `more`.
fn window_fields<'a>(key: &'a str, more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("key", key),
        ("j", HANYIN),
        ("item", "HY-SC-001"),
        ("kind", "organisation"),
        ("name", COMPANY),
        ("id_number", COMPANY_ID),
        ("phone", "13912345678"),
        ("legal_representative", "王芳"),
        ("outcome", "receive"),
    ];
    fields.extend_from_slice(more);
    fields
}

/// The files of a case: (material, name, id), sorted.
async fn files_of(app: &Api, id: i64) -> Vec<(String, String, i64)> {
    let mut files: Vec<(String, String, i64)> = app
        .store
        .attachments(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.material_code, a.file_name, a.id))
        .collect();
    files.sort();
    files
}

async fn the_window_scans_several_files_of_a_material(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let other = app
        .staff_with("jt.reviewer", grant(Role::Reviewer, HANYIN, Some("jiaoti")))
        .await;
    let (client, csrf) = clerk(&app).await;
    let html = app
        .page_ok(&desk.clerk, "/work/intake?j=hanyin&item=HY-SC-001")
        .await;
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("name=\"file_M1\""), "{html}");
    assert!(html.contains(" multiple"), "{html}");
    assert!(html.contains("单个文件不超过10MB"), "{html}");

    let fields = window_fields("window-scan-1", &[("materials", "M1")]);
    let files = [
        ("file_M1", "申请书第1页.pdf", pdf(1)),
        ("file_M1", "申请书第2页.pdf", pdf(2)),
        ("file_M2", "营业执照.pdf", pdf(3)),
    ];
    let (status, page, location) =
        post_files(&app, &client, "/work/intake", &csrf, &fields, &files).await;
    assert_eq!(status, 303, "{page}");
    let id = case_of(&location);
    let kept = files_of(&app, id).await;
    let names: Vec<(&str, &str)> = kept
        .iter()
        .map(|(m, n, _)| (m.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("M1", "申请书第1页.pdf"),
            ("M1", "申请书第2页.pdf"),
            ("M2", "营业执照.pdf")
        ]
    );
    // A scanned material is a received one, ticked or not.
    let case = app.store.case(id).await.unwrap();
    assert!(case.case.provided.contains("M1"));
    assert!(case.case.provided.contains("M2"));

    // The reviewer sees each file of the material and downloads it.
    let html = app
        .page_ok(&desk.reviewer, &format!("/work/cases/{id}"))
        .await;
    for (_, name, file) in &kept {
        assert!(html.contains(&format!("href=\"/files/{file}\"")), "{html}");
        assert!(html.contains(name.as_str()), "{html}");
    }
    let (status, bytes) = app
        .page(&desk.reviewer, &format!("/files/{}", kept[1].2))
        .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf(2));
    // Another department's staff neither read the case nor take its files.
    let (status, _) = app.page(&other, &format!("/files/{}", kept[0].2)).await;
    assert_eq!(status, 403);
    let (status, _) = app.page(&other, &format!("/work/cases/{id}")).await;
    assert_eq!(status, 403);

    // The receipt voucher: linked from the case page, printable, with what was received.
    let html = app.page_ok(&desk.clerk, &format!("/work/cases/{id}")).await;
    assert!(
        html.contains(&format!("/work/cases/{id}/receipt")),
        "{html}"
    );
    let receipt = app
        .page_ok(&desk.clerk, &format!("/work/cases/{id}/receipt"))
        .await;
    for phrase in [
        "收件凭证",
        case.number.as_str(),
        case.query_code.as_str(),
        "食品经营许可",
        "M1 食品经营许可申请书",
        "2个文件",
        "1个文件",
        "王芳",
        "data-print",
        "咨询电话",
    ] {
        assert!(receipt.contains(phrase), "«{phrase}» not in {receipt}");
    }
    let (status, _) = app
        .page_text(&other, &format!("/work/cases/{id}/receipt"))
        .await;
    assert_eq!(status, 403);
}

async fn a_bad_file_or_a_missing_mandate_keeps_nothing(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let observer = app.observer("hy.observer", "shichang").await;
    let (client, csrf) = clerk(&app).await;

    // A text file among the scans: refused beside its field, nothing kept.
    let fields = window_fields("window-bad-1", &[("materials", "M1")]);
    let files = [
        ("file_M1", "申请书.pdf", pdf(1)),
        ("file_M2", "说明.txt", b"plain text".to_vec()),
    ];
    let (status, page, _) = post_files(&app, &client, "/work/intake", &csrf, &fields, &files).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("文件「说明.txt」不是PDF、JPG、PNG或OFD文件"),
        "{page}"
    );
    assert!(page.contains("value=\"王芳\""), "{page}");
    assert_eq!(app.store.case_count().await.unwrap(), 0);

    // An agent who is not the legal representative, without the mandate: refused, nothing kept.
    let agent = [
        ("materials", "M1"),
        ("agent_name", "李强"),
        ("agent_id_number", AGENT_ID),
        ("agent_phone", "13900000000"),
    ];
    let fields = window_fields("window-agent-1", &agent);
    let files = [("file_M1", "申请书.pdf", pdf(1))];
    let (status, page, _) = post_files(&app, &client, "/work/intake", &csrf, &fields, &files).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("授权委托书"), "{page}");
    assert!(page.contains("第二十九条"), "{page}");
    assert_eq!(app.store.case_count().await.unwrap(), 0);
    // A wrong citizen ID of the agent is named.
    let bad_id = [
        ("agent_name", "李强"),
        ("agent_id_number", "610921199001011235"),
    ];
    let fields = window_fields("window-agent-2", &bad_id);
    let (status, page, _) = post_files(&app, &client, "/work/intake", &csrf, &fields, &[]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("经办人（代理人）公民身份号码有误"), "{page}");
    assert_eq!(app.store.case_count().await.unwrap(), 0);

    // With the mandate scanned (the sample item lists none: under its own field): received, the
    // agent shown.
    let fields = window_fields("window-agent-3", &agent);
    let files = [
        ("file_M1", "申请书.pdf", pdf(1)),
        ("file_mandate", "授权委托书.pdf", pdf(5)),
    ];
    let (status, page, location) =
        post_files(&app, &client, "/work/intake", &csrf, &fields, &files).await;
    assert_eq!(status, 303, "{page}");
    let id = case_of(&location);
    let case = app.store.case(id).await.unwrap();
    assert_eq!(case.representation.legal_representative, "王芳");
    // Looked up again at the window, the organisation comes with its legal representative.
    let lookup = urlencoded(&[
        ("csrf", csrf.as_str()),
        ("j", HANYIN),
        ("item", "HY-SC-001"),
        ("known_id", COMPANY_ID),
    ]);
    let r = client
        .post(app.url("/work/intake/lookup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(lookup)
        .send()
        .await
        .unwrap();
    let (status, page, _) = answered(r).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("name=\"legal_representative\" value=\"王芳\""),
        "{page}"
    );
    assert!(case.representation.mandate);
    let (_, html) = app
        .page_text(&desk.reviewer, &format!("/work/cases/{id}"))
        .await;
    for phrase in [
        "法定代表人（负责人）",
        "经办人（代理人）",
        "李强",
        AGENT_ID,
        "已提交授权委托书",
    ] {
        assert!(html.contains(phrase), "«{phrase}» not in {html}");
    }
    let (_, receipt) = app
        .page_text(&desk.clerk, &format!("/work/cases/{id}/receipt"))
        .await;
    assert!(receipt.contains("李强"), "{receipt}");
    // Those who only watch the handling see the agent masked.
    let html = app.page_ok(&observer, &format!("/work/cases/{id}")).await;
    assert!(html.contains("李*"), "{html}");
    assert!(!html.contains(AGENT_ID), "{html}");
    assert!(!html.contains("李强"), "{html}");

    // The legal representative at the window needs no mandate.
    let himself = [
        ("materials", "M1"),
        ("agent_name", "王芳"),
        ("agent_id_number", "11010519491231002X"),
    ];
    let fields = window_fields("window-agent-4", &himself);
    let (status, page, _) = post_files(&app, &client, "/work/intake", &csrf, &fields, &[]).await;
    assert_eq!(status, 303, "{page}");
}

/// An application at the window with an agent and the legal representative.
fn with_agent(materials: &[&str], agent_id: &str) -> Value {
    let mut body = intake(materials);
    body["agent"] = json!({"name": "李强", "id_number": agent_id, "phone": "13900000000"});
    body["legal_representative"] = json!("王芳");
    body
}

async fn the_api_takes_the_agent_and_the_legal_representative(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let observer = app.observer("hy.observer", "shichang").await;
    let by = app.by(&desk.clerk);
    let refused = by
        .post("/api/v1/cases", with_agent(&["M1"], AGENT_ID))
        .await
        .refused(422, "授权委托书");
    assert_eq!(refused["error"]["code"], "rule_refused", "{refused}");
    app.by(&desk.clerk)
        .post("/api/v1/cases", with_agent(&["M1"], "610921199001011235"))
        .await
        .refused(422, "经办人（代理人）公民身份号码有误");
    assert_eq!(app.store.case_count().await.unwrap(), 0);
    let view = app
        .by(&desk.clerk)
        .post("/api/v1/cases", with_agent(&["M1", "mandate"], AGENT_ID))
        .await
        .expect(201);
    let shown = &view["representation"];
    assert_eq!(shown["agent_name"], "李强", "{view}");
    assert_eq!(shown["agent_id_number"], AGENT_ID);
    assert_eq!(shown["legal_representative"], "王芳");
    assert_eq!(shown["by_agent"], true);
    assert_eq!(shown["mandate"], true);
    let id = view["id"].as_i64().unwrap();
    let watched = app.case_view(&observer, id).await;
    assert_eq!(watched["representation"]["agent_name"], "李*");
    assert_eq!(
        watched["representation"]["agent_id_number"],
        "610*************34"
    );
    // The contract says so.
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    let create = &doc["components"]["schemas"]["CreateCase"]["properties"];
    assert!(create["agent"].is_object(), "{create}");
    assert!(create["legal_representative"].is_object(), "{create}");
    assert!(
        doc["components"]["schemas"]["AgentInput"].is_object(),
        "AgentInput schema"
    );
}

async fn a_supplement_at_the_window_keeps_its_scans(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let (client, csrf) = clerk(&app).await;
    // Received with M1 only, the supplement notice asks for the rest.
    let fields = window_fields("window-supplement-1", &[("materials", "M1")]);
    let fields: Vec<(&str, &str)> = fields
        .into_iter()
        .map(|(k, v)| {
            if k == "outcome" {
                (k, "supplement")
            } else {
                (k, v)
            }
        })
        .collect();
    let (status, page, location) =
        post_files(&app, &client, "/work/intake", &csrf, &fields, &[]).await;
    assert_eq!(status, 303, "{page}");
    let id = case_of(&location);
    let case = app.store.case(id).await.unwrap();
    assert_eq!(case.state.code(), "awaiting_supplement");
    let (_, html) = app
        .page_text(&desk.clerk, &format!("/work/cases/{id}"))
        .await;
    assert!(
        html.contains(&format!("action=\"/work/cases/{id}/supplement\"")),
        "{html}"
    );
    let version = case.version.to_string();
    let path = format!("/work/cases/{id}/supplement");
    let act = [("version", version.as_str()), ("action", "supplement")];

    // Another county's window cannot record it.
    app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    let stranger = new_browser();
    let stranger_csrf = app
        .log_in_on(
            &stranger,
            json!({"login": "zy.clerk", "password": PASSWORD}),
        )
        .await;
    let files = [("file_M2", "营业执照.pdf", pdf(20))];
    let (status, page, _) = post_files(&app, &stranger, &path, &stranger_csrf, &act, &files).await;
    assert_eq!(status, 403, "{page}");
    assert!(files_of(&app, id).await.is_empty());

    // A bad scan: refused on the case page, nothing kept.
    let files = [("file_M2", "执照.exe", b"MZ\x90\x00".to_vec())];
    let (status, page, _) = post_files(&app, &client, &path, &csrf, &act, &files).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("不是PDF、JPG、PNG或OFD文件"), "{page}");
    assert!(files_of(&app, id).await.is_empty());

    // Two pages of M2: kept, and the material received.
    let files = [
        ("file_M2", "执照正本.pdf", pdf(21)),
        ("file_M2", "执照副本.pdf", pdf(22)),
    ];
    let (status, page, _) = post_files(&app, &client, &path, &csrf, &act, &files).await;
    assert_eq!(status, 303, "{page}");
    let kept: Vec<String> = files_of(&app, id)
        .await
        .into_iter()
        .map(|(m, n, _)| format!("{m}/{n}"))
        .collect();
    assert_eq!(kept, ["M2/执照副本.pdf", "M2/执照正本.pdf"]);
    let case = app.store.case(id).await.unwrap();
    assert!(case.case.provided.contains("M2"));
}

async fn an_account_applies_for_an_organisation_as_its_agent(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let person = "11010519491231002X";
    app.register("person", "王芳", person, PASSWORD).await;
    let client = new_browser();
    let csrf = app
        .log_in_on(&client, json!({"login": person, "password": PASSWORD}))
        .await;
    let apply = "/apply/hanyin/HY-SC-001";
    let fields = [
        ("key", "online-org-1"),
        ("agree", "yes"),
        ("org_name", COMPANY),
        ("org_credit_code", COMPANY_ID),
        ("legal_representative", "张伟"),
    ];
    let application = [("file_M1", "申请书.pdf", pdf(1))];
    // Not verified: the account cannot act for an organisation.
    let (status, page, _) = post_files(&app, &client, apply, &csrf, &fields, &application).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("实名认证"), "{page}");
    assert_eq!(app.store.case_count().await.unwrap(), 0);

    app.verify_identity(person, "王芳").await;
    // Verified, without the mandate: refused beside its field, nothing kept.
    let fields = [
        ("key", "online-org-2"),
        ("agree", "yes"),
        ("org_name", COMPANY),
        ("org_credit_code", COMPANY_ID),
        ("legal_representative", "张伟"),
    ];
    let (status, page, _) = post_files(&app, &client, apply, &csrf, &fields, &application).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("授权委托书"), "{page}");
    assert_eq!(app.store.case_count().await.unwrap(), 0);
    // With the mandate uploaded: the organisation applies, the account its agent.
    let with_mandate = [
        ("file_M1", "申请书.pdf", pdf(1)),
        ("file_mandate", "授权委托书.pdf", pdf(5)),
    ];
    let (status, page, location) =
        post_files(&app, &client, apply, &csrf, &fields, &with_mandate).await;
    assert_eq!(status, 303, "{page}");
    let id = case_of(&location);
    let case = app.store.case(id).await.unwrap();
    assert_eq!(case.applicant.name, COMPANY);
    assert_eq!(case.applicant.id_number.as_str(), COMPANY_ID);
    let agent = case.representation.agent.as_ref().expect("the agent");
    assert_eq!(agent.name, "王芳");
    assert_eq!(agent.id_number.as_str(), person);
    assert_eq!(case.representation.legal_representative, "张伟");
    assert!(case.representation.mandate);
    let kept: Vec<String> = files_of(&app, id)
        .await
        .into_iter()
        .map(|(m, _, _)| m)
        .collect();
    assert_eq!(kept, ["M1", "mandate"]);
    // The account sees the case it filed, the agent and the mandate on it.
    let html = client
        .get(app.url(&format!("/my/cases/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for phrase in [
        "经办人（代理人）",
        "法定代表人（负责人）",
        "张伟",
        "授权委托书.pdf",
    ] {
        assert!(html.contains(phrase), "«{phrase}» not in {html}");
    }
}
