//! Application forms (一张表单) against a real server, on both databases: the public catalog API
//! gives the item's form; receiving through the API checks the form's data field by field (a bad
//! one is refused in Chinese, each field named, and nothing is kept; a good one is kept with the
//! case and shown on its page); the online page renders the form prefilled from the profile, shows
//! each error beside its field with the values kept, and saves a draft that is restored later and
//! dropped once the application is received.

use serde_json::{Value, json};
use yiyin_domain::catalog::{CatalogFile, Form, LicenceTemplate};
use yiyin_store::Backend;
use yiyin_testkit::browser::{answered, case_of, new_browser};
use yiyin_testkit::web::{COMPANY, COMPANY_ID, HANYIN, intake};
use yiyin_testkit::{Api, on_both};

on_both!(
    the_api_gives_the_form_and_checks_its_data,
    the_online_form_shows_errors_beside_fields_and_keeps_drafts,
    the_window_fills_in_the_same_form,
    only_the_applicant_keeps_drafts,
    the_catalog_editor_carries_the_form,
    an_earlier_licence_prefills_the_form,
    the_licence_carries_its_template_contents,
);

const PASSWORD: &str = "Yy-forms-2025!";
const APPLY: &str = "/apply/hanyin/HY-SC-001";

/// The company applies online with the good form, and the bureau's desk takes the case through to
/// its licence; the company's token, the case's id and the desk.
async fn licensed_with_form(app: &Api) -> (String, i64, yiyin_testkit::web::Desk) {
    let me = app
        .register("organisation", COMPANY, COMPANY_ID, PASSWORD)
        .await;
    let mut online = yiyin_testkit::web::online(true);
    online["form"] = good_form();
    let case = app.by(&me).post("/api/v1/cases", online).await.expect(201);
    let id = case["id"].as_i64().unwrap();
    let desk = app.desk().await;
    for (token, action) in desk.licensing(yiyin_testkit::web::approve("符合条件")) {
        app.act(token, id, action).await.expect(200);
    }
    (me, id, desk)
}

/// The demo catalog's form of 食品经营许可.
fn food_form() -> Form {
    let file: CatalogFile =
        toml::from_str(include_str!("../../yiyin-demo/data/catalog/hanyin.toml")).unwrap();
    file.items
        .into_iter()
        .find(|i| i.code == "HY-SC-001")
        .and_then(|i| i.form)
        .expect("the demo's food form")
}

/// The server with HY-SC-001 published today with the food form.
async fn with_form(backend: Backend) -> Api {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.publish_variant("增加在线申请表", |i| i.form = Some(food_form()))
        .await;
    app
}

fn good_form() -> Value {
    json!({
        "operator_name": COMPANY,
        "credit_code": COMPANY_ID,
        "legal_representative": "王芳",
        "legal_representative_id": "11010519491231002X",
        "domicile": "汉阴县城关镇北城街1号",
        "premises": "汉阴县城关镇北城街1号一层",
        "business_type": "餐饮服务经营者",
        "business_items": [{"item": "热食类食品制售"}, {"item": "冷食类食品制售", "note": "凉菜"}],
        "phone": "0915-5212345",
    })
}

async fn the_api_gives_the_form_and_checks_its_data(backend: Backend) {
    let app = with_form(backend).await;
    let item = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001")
        .await
        .expect(200);
    let fields = &item["item"]["form"]["fields"];
    assert_eq!(fields[0]["code"], "operator_name");
    assert_eq!(fields[0]["prefill"], "profile.name");
    let desk = app.desk().await;
    let clerk = app.by(&desk.clerk);

    // A bad form: refused in Chinese, every field named, nothing kept.
    let mut bad = intake(&["M1"]);
    bad["form"] = json!({
        "credit_code": "91350100M000100Y44",
        "business_type": "小吃",
        "business_items": [{"item": "热食类食品制售", "note": "x".repeat(101)}],
        "phone": "电话",
        "unknown": "x",
    });
    let before = app.store.case_count().await.unwrap();
    let e = clerk.post("/api/v1/cases", bad).await.expect(422);
    let message = e["error"]["message"].as_str().unwrap();
    for said in [
        "申请表填写有误",
        "「经营者名称」必须填写",
        "「统一社会信用代码」",
        "「主体业态」「小吃」不是可选项",
        "「经营项目第1行·备注」最多100个字符",
        "「联系电话」应为7至20位数字",
        "「unknown」不是本表单的字段",
    ] {
        assert!(message.contains(said), "{said}: {message}");
    }
    assert_eq!(e["error"]["details"][0], "form.operator_name");
    assert_eq!(app.store.case_count().await.unwrap(), before);

    // Without the form's data, the window takes the paper application form as the material.
    app.receive(&desk.clerk, &["M1"]).await;

    // A good one is kept with the case and shown on its page, the table with its rows.
    let mut good = intake(&["M1"]);
    good["form"] = good_form();
    good["form"]["operator_name"] = json!(format!("  {COMPANY}  "));
    let case = clerk.post("/api/v1/cases", good).await.expect(201);
    assert_eq!(case["form"]["operator_name"], COMPANY, "kept trimmed");
    let id = case["id"].as_i64().unwrap();
    let read = clerk.get(&format!("/api/v1/cases/{id}")).await.expect(200);
    assert_eq!(read["form"]["business_items"][1]["note"], "凉菜");
    let (status, page) = app
        .page_text(&desk.clerk, &format!("/work/cases/{id}"))
        .await;
    assert_eq!(status, 200);
    for shown in [
        "申请表",
        "主体业态",
        "餐饮服务经营者",
        "冷食类食品制售",
        "凉菜",
    ] {
        assert!(page.contains(shown), "{shown}");
    }

    // An observer of the supervising department sees the identifiers of the form masked.
    let observer = app.observer("hy.observer", "shichang").await;
    let (status, page) = app.page_text(&observer, &format!("/work/cases/{id}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("冷食类食品制售"));
    assert!(page.contains("110*************2X"), "{page}");
    assert!(!page.contains("11010519491231002X"));
    assert!(!page.contains("0915-5212345"));

    // An item without a form refuses form data.
    let mut stray = intake(&["M1"]);
    stray["item_code"] = json!("HY-MZ-001");
    stray["form"] = json!({"a": "b"});
    clerk
        .post("/api/v1/cases", stray)
        .await
        .refused(422, "没有在线申请表");

    // Online through the API: the same check.
    let me = app
        .register("organisation", COMPANY, COMPANY_ID, PASSWORD)
        .await;
    app.by(&me)
        .post("/api/v1/cases", yiyin_testkit::web::online(true))
        .await
        .refused(422, "「经营者名称」必须填写");
    let mut online = yiyin_testkit::web::online(true);
    online["form"] = json!({"business_type": "单位食堂"});
    app.by(&me)
        .post("/api/v1/cases", online)
        .await
        .refused(422, "「经营场所」必须填写");
    assert_eq!(app.store.case_count().await.unwrap(), before + 2);
}

/// Sends the online form's `fields` (text only); returns status, page and where it redirects.
async fn post(
    app: &Api,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let r = client
        .post(app.url(APPLY))
        .multipart(form)
        .send()
        .await
        .unwrap();
    answered(r).await
}

async fn page(app: &Api, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.unwrap()
}

/// The text of the error beside the input named `name` ("" when none).
fn error_beside(html: &str, name: &str) -> String {
    let marker = format!("<span class=\"error\" data-field=\"{name}\">");
    html.split_once(&marker)
        .and_then(|(_, rest)| rest.split_once("</span>"))
        .map(|(m, _)| m.to_string())
        .unwrap_or_default()
}

async fn the_online_form_shows_errors_beside_fields_and_keeps_drafts(backend: Backend) {
    let app = with_form(backend).await;
    app.register("organisation", COMPANY, COMPANY_ID, PASSWORD)
        .await;
    let client = new_browser();
    let csrf = app
        .log_in_on(&client, json!({"login": COMPANY_ID, "password": PASSWORD}))
        .await;

    // Prefilled from the profile: the name, the credit code and the phone.
    let html = page(&app, &client, APPLY).await;
    assert!(
        html.contains(&format!("name=\"f.operator_name\" value=\"{COMPANY}\"")),
        "{html}"
    );
    assert!(html.contains(&format!("name=\"f.credit_code\" value=\"{COMPANY_ID}\"")));
    assert!(html.contains("name=\"f.phone\" value=\"13912345678\""));
    assert!(html.contains("保存草稿"));

    // A draft: saved, then restored when the form is opened again.
    let (status, _, location) = post(
        &app,
        &client,
        &[
            ("csrf", &csrf),
            ("key", "forms-key-1"),
            ("action", "draft"),
            ("f.operator_name", COMPANY),
            ("f.premises", "汉阴县城关镇北城街1号一层"),
            ("f.business_type", "单位食堂"),
            ("f.business_items[0].item", "热食类食品制售"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, APPLY));
    let html = page(&app, &client, APPLY).await;
    assert!(html.contains("已恢复您于"), "{html}");
    assert!(
        html.contains("汉阴县城关镇北城街1号一层</textarea>"),
        "{html}"
    );
    assert!(
        html.contains("<option selected>单位食堂</option>"),
        "{html}"
    );
    assert!(
        html.contains("<option selected>热食类食品制售</option>"),
        "{html}"
    );

    // Sent with mistakes: each error beside its field, the values kept, nothing received.
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("key", "forms-key-1"),
        ("agree", "yes"),
        ("f.operator_name", COMPANY),
        ("f.credit_code", COMPANY_ID),
        ("f.legal_representative", "王芳"),
        ("f.legal_representative_id", "11010519491231002X"),
        ("f.domicile", "汉阴县城关镇北城街1号"),
        ("f.premises", "汉阴县城关镇北城街1号一层"),
        ("f.business_type", "单位食堂"),
        ("f.business_items[0].item", "热食类食品制售"),
        ("f.phone", "12"),
    ];
    let (status, html, _) = post(&app, &client, &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        error_beside(&html, "f.phone").contains("应为7至20位数字"),
        "{html}"
    );
    assert!(error_beside(&html, "f.canteen_unit").contains("「主体业态」为「单位食堂」时必须填写"));
    assert_eq!(error_beside(&html, "f.premises"), "");
    assert!(
        html.contains("name=\"f.phone\" value=\"12\" type=\"tel\""),
        "{html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(app.store.case_count().await.unwrap(), 0);

    // Put right: received, the draft dropped, the data on the applicant's case page.
    fields.retain(|(k, _)| *k != "f.phone");
    fields.push(("f.phone", "0915-5212345"));
    fields.push(("f.canteen_unit", "汉阴县城关中学"));
    let (status, html, location) = post(&app, &client, &fields).await;
    assert_eq!(status, 303, "{html}");
    let id = case_of(&location);
    let case = app.store.case(id).await.unwrap();
    assert_eq!(
        case.form.as_ref().unwrap()["canteen_unit"],
        "汉阴县城关中学"
    );
    let account = case.applicant.account.unwrap();
    assert!(
        app.store
            .form_draft(account, HANYIN, "HY-SC-001")
            .await
            .unwrap()
            .is_none()
    );
    let html = page(&app, &client, &format!("/my/cases/{id}")).await;
    for shown in ["申请表", "食堂所属单位", "汉阴县城关中学", "热食类食品制售"]
    {
        assert!(html.contains(shown), "{shown}");
    }
    // Opened again, the form starts from the profile, not from the used draft.
    let html = page(&app, &client, APPLY).await;
    assert!(!html.contains("已恢复您于"));
}

async fn the_window_fills_in_the_same_form(backend: Backend) {
    let app = with_form(backend).await;
    let desk = app.desk().await;
    let (status, html) = app
        .page_text(&desk.clerk, "/work/intake?j=hanyin&item=HY-SC-001")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"f.business_items[0].item\""), "{html}");
    let csrf = app.browser_login("hy.clerk").await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("key", "window-form-1"),
        ("j", HANYIN),
        ("item", "HY-SC-001"),
        ("kind", "organisation"),
        ("name", COMPANY),
        ("id_number", COMPANY_ID),
        ("phone", "13912345678"),
        ("materials", "M1"),
        ("outcome", "receive"),
        ("f.operator_name", COMPANY),
        ("f.legal_representative_id", "110105194912310021"),
    ];
    let r = app.post_form("/work/intake", &fields).await;
    let (status, html, _) = answered(r).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        error_beside(&html, "f.legal_representative_id").contains("校验"),
        "{html}"
    );
    assert!(error_beside(&html, "f.premises").contains("必须填写"));
    assert!(html.contains(&format!("name=\"f.operator_name\" value=\"{COMPANY}\"")));
    assert_eq!(app.store.case_count().await.unwrap(), 0);
    // Typed in full: received with the data.
    fields.retain(|(k, _)| *k != "f.legal_representative_id");
    fields.extend([
        ("f.credit_code", COMPANY_ID),
        ("f.legal_representative", "王芳"),
        ("f.legal_representative_id", "11010519491231002X"),
        ("f.domicile", "汉阴县城关镇北城街1号"),
        ("f.premises", "汉阴县城关镇北城街1号一层"),
        ("f.business_type", "食品销售经营者"),
        (
            "f.business_items[2].item",
            "预包装食品销售（含冷藏冷冻食品）",
        ),
        ("f.phone", "13912345678"),
    ]);
    let r = app.post_form("/work/intake", &fields).await;
    let (status, html, location) = answered(r).await;
    assert_eq!(status, 303, "{html}");
    let id = case_of(&location);
    let case = app.store.case(id).await.unwrap();
    let form = case.form.unwrap();
    // The blank rows above the filled one are dropped.
    assert_eq!(
        form["business_items"],
        json!([{"item": "预包装食品销售（含冷藏冷冻食品）"}])
    );
}

async fn only_the_applicant_keeps_drafts(backend: Backend) {
    let app = with_form(backend).await;
    let desk = app.desk().await;
    // Staff neither open the online form nor save its draft.
    let (status, _) = app.page_text(&desk.clerk, APPLY).await;
    assert_eq!(status, 403);
    let csrf = app.browser_login("hy.clerk").await;
    let r = app
        .post_form(
            APPLY,
            &[
                ("csrf", csrf.as_str()),
                ("action", "draft"),
                ("f.premises", "x"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
    // Nor does anyone without a session, nor an applicant without the CSRF token.
    let anonymous = new_browser();
    let r = anonymous.get(app.url(APPLY)).send().await.unwrap();
    assert_ne!(r.status().as_u16(), 200);
    app.register("organisation", COMPANY, COMPANY_ID, PASSWORD)
        .await;
    let client = new_browser();
    app.log_in_on(&client, json!({"login": COMPANY_ID, "password": PASSWORD}))
        .await;
    let (status, _, _) = post(
        &app,
        &client,
        &[("action", "draft"), ("f.premises", "汉阴县城关镇")],
    )
    .await;
    assert_eq!(status, 403);
    let account = app
        .store
        .account_by_login(COMPANY_ID)
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.store
            .form_draft(account.id, HANYIN, "HY-SC-001")
            .await
            .unwrap()
            .is_none()
    );
    // A draft with a control character is refused and changes nothing.
    let csrf = app
        .log_in_on(&client, json!({"login": COMPANY_ID, "password": PASSWORD}))
        .await;
    let (status, html, _) = post(
        &app,
        &client,
        &[
            ("csrf", &csrf),
            ("action", "draft"),
            ("f.premises", "汉阴\u{1}县"),
        ],
    )
    .await;
    assert!(status == 422 || status == 400, "{status} {html}");
    assert!(html.contains("控制字符"), "{html}");
    assert!(
        app.store
            .form_draft(account.id, HANYIN, "HY-SC-001")
            .await
            .unwrap()
            .is_none()
    );
}

async fn the_catalog_editor_carries_the_form(backend: Backend) {
    use yiyin_domain::roles::Role;
    let app = with_form(backend).await;
    let admin = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    let (status, html) = app
        .page_text(&admin, "/admin/catalog/hanyin/edit/HY-SC-001")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("申请表（一张表单）"));
    assert!(
        html.contains("code = &quot;operator_name&quot;")
            || html.contains("code = &#34;operator_name&#34;"),
        "{html}"
    );
    let csrf = app.browser_login_totp("hy.catalog").await;
    let editor = |definition: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("code".into(), "HY-SC-001".into()),
            ("name".into(), "食品经营许可".into()),
            ("kind".into(), "licensing".into()),
            ("handling_mode".into(), "transferred".into()),
            ("handling_class".into(), "promised".into()),
            ("subject".into(), "both".into()),
            ("result_kind".into(), "licence".into()),
            ("form".into(), definition.to_string()),
        ]
    };
    // A definition that cannot be read is named beside the field, and nothing is saved.
    let r = app
        .post_form(
            "/admin/catalog/hanyin/edit/HY-SC-001",
            &editor("[[fields]]\ncode = "),
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("申请表定义无法读取"));
    assert!(
        app.store
            .draft(HANYIN, "HY-SC-001")
            .await
            .unwrap()
            .is_none()
    );
    // A readable one is kept in the draft as written.
    let definition = "[[fields]]\ncode = \"premises\"\nlabel = \"经营场所\"\nkind = \"address\"\nrequired = true\n";
    let r = app
        .post_form("/admin/catalog/hanyin/edit/HY-SC-001", &editor(definition))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let draft = app.store.draft(HANYIN, "HY-SC-001").await.unwrap().unwrap();
    let form = draft.item.form.unwrap();
    assert_eq!(form.fields.len(), 1);
    assert_eq!(form.fields[0].label, "经营场所");

    // The licence template is edited beside the form: unreadable is refused beside its field, a
    // readable one kept in the draft and shown again.
    let mut fields = editor(definition);
    fields.push(("template".into(), "[[fields]]\nkey = ".into()));
    let r = app
        .post_form("/admin/catalog/hanyin/edit/HY-SC-001", &fields)
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("证照模板无法读取"));
    fields.last_mut().unwrap().1 =
        "[[fields]]\nkey = \"premises\"\nlabel = \"经营场所\"\nsource = \"form:premises\"\n".into();
    let r = app
        .post_form("/admin/catalog/hanyin/edit/HY-SC-001", &fields)
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let draft = app.store.draft(HANYIN, "HY-SC-001").await.unwrap().unwrap();
    let template = draft.item.result.template.unwrap();
    assert_eq!(template.fields[0].source.code(), "form:premises");
    let (_, html) = app
        .page_text(&admin, "/admin/catalog/hanyin/edit/HY-SC-001")
        .await;
    assert!(
        html.contains("证照模板") && html.contains("form:premises"),
        "{html}"
    );
}

/// A field prefilled from the applicant's latest licence: its value there comes first.
async fn an_earlier_licence_prefills_the_form(backend: Backend) {
    use yiyin_domain::catalog::form::Prefill;
    let app = Api::spawn(backend, "2025-03-03").await;
    app.publish_variant("经营场所沿用已有证照", |i| {
        let mut form = food_form();
        let premises = form
            .fields
            .iter_mut()
            .find(|f| f.code == "premises")
            .unwrap();
        premises.prefill = Some(Prefill::Licence("premises".into()));
        i.form = Some(form);
    })
    .await;
    licensed_with_form(&app).await;
    let client = new_browser();
    app.log_in_on(&client, json!({"login": COMPANY_ID, "password": PASSWORD}))
        .await;
    let html = page(&app, &client, APPLY).await;
    assert!(
        html.contains(">汉阴县城关镇北城街1号一层</textarea>"),
        "{html}"
    );
    // The other fields of the licence are not carried over unless the form says so.
    assert!(!html.contains(">汉阴县城关镇北城街1号</textarea>"));
    // The API document describes the form and its data.
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["CreateCase"]["properties"]["form"].is_object(),
        "{}",
        schemas["CreateCase"]
    );
    assert!(schemas["FormField"].is_object());
}

/// The demo catalog's licence template of 食品经营许可, with the legal representative's ID number
/// added (a citizen ID is always masked for the public).
fn food_template() -> LicenceTemplate {
    let file: CatalogFile =
        toml::from_str(include_str!("../../yiyin-demo/data/catalog/hanyin.toml")).unwrap();
    let mut template = file
        .items
        .into_iter()
        .find(|i| i.code == "HY-SC-001")
        .and_then(|i| i.result.template)
        .expect("the demo's food licence template");
    template.fields.insert(
        3,
        serde_json::from_value(json!({
            "key": "legal_representative_id",
            "label": "法定代表人（负责人）身份证号码",
            "source": "form:legal_representative_id",
        }))
        .unwrap(),
    );
    template
}

/// The value of the entry `key` of a licence's contents.
fn entry(contents: &Value, key: &str) -> String {
    contents
        .as_array()
        .and_then(|a| a.iter().find(|e| e["key"] == key))
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no entry {key}: {contents}"))
        .to_string()
}

/// The sealed JSON of a case's latest licence document, fetched by `token`.
async fn sealed_licence(app: &Api, token: &str, case: i64, doc: i64) -> Value {
    let (status, body) = app
        .page(token, &format!("/cases/{case}/documents/{doc}/json"))
        .await;
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

async fn the_licence_carries_its_template_contents(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    app.publish_variant("增加申请表和证照模板", |i| {
        i.form = Some(food_form());
        i.result.template = Some(food_template());
    })
    .await;
    // The public catalog API gives the template at the top level too.
    let item = app
        .get_json("/api/v1/jurisdictions/hanyin/catalog/HY-SC-001")
        .await
        .expect(200);
    assert_eq!(item["licence_template"]["fields"][0]["key"], "operator");
    assert_eq!(item["licence_template"], item["item"]["result"]["template"]);
    // The item's guide lists what the licence states.
    let (status, guide) = app.get_text("/j/hanyin/items/HY-SC-001").await;
    assert_eq!(status, 200);
    assert!(
        guide.contains("证照载明事项") && guide.contains("日常监督管理机构、投诉举报电话"),
        "{guide}"
    );

    // Apply with the form, decide, issue: the sealed licence carries the filled contents.
    let (me, id, desk) = licensed_with_form(&app).await;
    let read = app
        .by(&desk.clerk)
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect(200);
    let licence_doc = read["documents"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|d| d["title"] == "食品经营许可证")
        .expect("a licence")["id"]
        .as_i64()
        .unwrap();
    let sealed = sealed_licence(&app, &desk.clerk, id, licence_doc).await;
    let document = &sealed["document"];
    let contents = &document["contents"];
    let identifier = document["identifier"].as_str().unwrap().to_string();
    assert_eq!(entry(contents, "operator"), COMPANY);
    assert_eq!(entry(contents, "credit_code"), COMPANY_ID);
    assert_eq!(entry(contents, "legal_representative"), "王芳");
    assert_eq!(
        entry(contents, "business_items"),
        "热食类食品制售、冷食类食品制售（凉菜）"
    );
    assert_eq!(entry(contents, "premises"), "汉阴县城关镇北城街1号一层");
    assert_eq!(entry(contents, "number"), identifier);
    assert_eq!(entry(contents, "complaint_phone"), "12315");
    assert_eq!(entry(contents, "agency"), "汉阴县行政审批服务局");
    assert!(entry(contents, "supervising_office").contains("市场监督管理局"));
    assert!(entry(contents, "validity").ends_with("日"), "{contents}");
    let signer = entry(contents, "signer");
    assert!(!signer.is_empty() && !signer.contains('（'), "{signer}");

    // Public verification by number alone: the person's name and ID masked, the company in full.
    let number = document["number"].as_str().unwrap();
    let query = format!("verify?number={}", yiyin_app::encode_query(number));
    let verdict = app.get_json(&format!("/api/v1/{query}")).await.expect(200);
    let shown = &verdict["contents"];
    assert_eq!(entry(shown, "legal_representative"), "王*");
    assert_eq!(
        entry(shown, "legal_representative_id"),
        "110*************2X"
    );
    assert_eq!(entry(shown, "operator"), COMPANY);
    assert_eq!(entry(shown, "credit_code"), COMPANY_ID);
    let (status, page) = app.get_text(&format!("/{query}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("证照内容") && page.contains("经营场所"),
        "{page}"
    );
    assert!(page.contains("110*************2X"), "{page}");
    assert!(!page.contains("11010519491231002X") && !page.contains("王芳"));

    // The holder's licence page shows the contents, and the change form one input per entry the
    // change may set (not the agency's).
    let (status, page) = app
        .page_text(&me, &format!("/my/licences/{identifier}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("证照内容") && page.contains("汉阴县城关镇北城街1号一层"));
    let (_, html) = app.page(&me, &format!("/my/licences/{identifier}")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains(r#"name="field.premises""#), "{html}");
    assert!(!html.contains(r#"name="field.agency""#));

    // A change (Art. 49): what the agency fills cannot be changed; the premises can.
    let acts = format!("/api/v1/licences/{identifier}/acts");
    let holder = app.by(&me);
    let bad = json!({"act": "apply_change", "fields": {"agency": "别的机关"}});
    let e = holder.post(&acts, bad).await.expect(422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("「发证机关」由发证机关填写"),
        "{e}"
    );
    let change = json!({"act": "apply_change", "fields": {"premises": "汉阴县城关镇北城街2号"}});
    let act = holder.post(&acts, change).await.expect(201);
    assert!(
        act["details"]["changes"]
            .as_str()
            .unwrap()
            .contains("经营场所由“汉阴县城关镇北城街1号一层”变更为“汉阴县城关镇北城街2号”"),
        "{act}"
    );
    let chief = app.token("hy.chief", yiyin_testkit::PASSWORD).await;
    let decided = app
        .by(&chief)
        .post(
            &format!("/api/v1/licence-acts/{}/decision", act["id"]),
            json!({"grant": true, "reason": "经营场所变更符合条件"}),
        )
        .await
        .expect(200);
    let new_identifier = decided["new_licence"].as_str().unwrap();
    let doc = decided["document_id"].as_i64().unwrap();
    let sealed = sealed_licence(&app, &desk.clerk, id, doc).await;
    let contents = &sealed["document"]["contents"];
    assert_eq!(entry(contents, "premises"), "汉阴县城关镇北城街2号");
    assert_eq!(entry(contents, "number"), new_identifier);
    assert_eq!(entry(contents, "operator"), COMPANY, "carried over");
    assert_eq!(entry(contents, "legal_representative"), "王芳");
    app.stop().await;
}
