//! The bundle every bundle suite takes (「我要开餐馆」一件事, 一件事一次办): the two resident
//! departments' items published beside the sample's HY-SC-001 (税务's 涉税事项办理 and 公安's
//! 特种行业许可), the bundle's definition and its publication, the staff of a department, an
//! applicant whose identity is verified, a bundle's actions and the readers of its view.

use serde_json::{Value, json};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::roles::Role;

use crate::browser::answered;
use crate::fixtures::{date, sample_item};
use crate::web::{Api, HANYIN, Reply};

/// The code of 「我要开餐馆」.
pub const BUNDLE: &str = "HY-YJS-001";

/// Where a jurisdiction's bundles are published (API).
pub const BUNDLES: &str = "/api/v1/jurisdictions/hanyin/bundles";

/// 王芳's ID number (a person applicant with an account).
pub const PERSON: &str = "11010519491231002X";

/// 王芳's password.
pub const PERSON_PASSWORD: &str = "Wangfang2025";

/// Why the construction projects' items are published (the catalog's changelog).
pub const PROJECT_ITEMS: &str = "工程建设项目审批事项";

/// The receipt form of the window (page).
pub const RECEIVE_PAGE: &str = "/work/bundles/receive";

/// An item made from the sample's (HY-SC-001) under another code, name and department (which
/// also supervises it), changed further by `edit`, published in 汉阴 from 2025-03-03 for `reason`.
pub async fn publish_from_sample(
    app: &Api,
    (code, name, department): (&str, &str, &str),
    reason: &str,
    edit: impl FnOnce(&mut yiyin_domain::catalog::Item),
) {
    let mut item = sample_item("HY-SC-001");
    item.code = code.into();
    item.name = name.into();
    item.department = department.into();
    item.supervising_department = department.into();
    edit(&mut item);
    yiyin_app::catalog::publish_item(
        &app.store,
        HANYIN,
        item,
        app.app.publication(date("2025-03-03"), reason, "test"),
    )
    .await
    .unwrap_or_else(|e| panic!("publish {code}: {e}"));
}

/// A resident department's item made from the sample's, with its own first material.
pub async fn publish_resident(app: &Api, code: &str, name: &str, department: &str, first: &str) {
    publish_from_sample(app, (code, name, department), "进驻部门事项", |item| {
        item.handling_mode = HandlingMode::Resident;
        item.materials[0].name = first.into();
    })
    .await;
}

/// The tax office's 涉税事项办理 (HY-SW-001).
pub async fn publish_tax_item(app: &Api) {
    publish_resident(app, "HY-SW-001", "涉税事项办理", "shuiwu", "涉税事项申请表").await;
}

/// Both resident members of 「我要开餐馆」: 涉税事项办理 (HY-SW-001) and 公安's 特种行业许可
/// (HY-GA-001).
pub async fn publish_residents(app: &Api) {
    publish_tax_item(app).await;
    publish_resident(
        app,
        "HY-GA-001",
        "特种行业许可",
        "gongan",
        "特种行业许可申请表",
    )
    .await;
}

/// The members, a catalog administrator (`hy.catalog`) and the bundle published by it; returns
/// the administrator's token.
pub async fn publish_bundle(app: &Api) -> String {
    publish_residents(app).await;
    let catalog_admin = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    app.by(&catalog_admin)
        .post(BUNDLES, definition())
        .await
        .expect(201);
    catalog_admin
}

/// A department's staff member in `role` (its section chief decides its resident items, its
/// reviewer reviews them); returns the token.
pub async fn department_staff(app: &Api, login: &str, role: Role, department: &str) -> String {
    let grant = Grant {
        role,
        jurisdiction: HANYIN.into(),
        department: Some(department.into()),
        unit: None,
    };
    app.staff_with(login, grant).await
}

/// The resident departments' staff, their tokens in this order: the tax office's chief
/// (`sw.chief`) and reviewer (`sw.reviewer`), 公安's chief (`ga.chief`) and reviewer
/// (`ga.reviewer`).
pub async fn departments(app: &Api) -> [String; 4] {
    [
        department_staff(app, "sw.chief", Role::SectionChief, "shuiwu").await,
        department_staff(app, "sw.reviewer", Role::Reviewer, "shuiwu").await,
        department_staff(app, "ga.chief", Role::SectionChief, "gongan").await,
        department_staff(app, "ga.reviewer", Role::Reviewer, "gongan").await,
    ]
}

/// 「我要开餐馆」 as the catalog administrator publishes it: led by 市场监管, three members, a
/// situation (不经营旅馆业) that drops 特种行业许可.
pub fn definition() -> Value {
    json!({
        "spec": {
            "code": BUNDLE,
            "name": "我要开餐馆",
            "lead_department": "shichang",
            "members": ["HY-SC-001", "HY-SW-001", "HY-GA-001"],
            "situations": [{"code": "S1", "name": "不经营旅馆业", "drops": ["HY-GA-001"]}],
        },
        "effective_on": "2025-03-03",
        "note": "一件事一次办",
    })
}

/// A receipt of the bundle at the window for `applicant` with `materials` and the intake act
/// `outcome`, attested (Art. 31).
pub fn intake(applicant: Value, materials: &[&str], outcome: &str) -> Value {
    json!({
        "jurisdiction": HANYIN,
        "bundle_code": BUNDLE,
        "applicant": applicant,
        "materials": materials,
        "outcome": outcome,
        "attested": true,
    })
}

/// 王芳 as the applicant of a receipt.
pub fn person() -> Value {
    json!({"kind": "person", "name": "王芳", "id_number": PERSON, "phone": "13912345678"})
}

/// The bundle received by the holder of `clerk` (asserting it is); returns its view.
pub async fn receive(app: &Api, clerk: &str, body: Value) -> Value {
    app.by(clerk)
        .post("/api/v1/bundles", body)
        .await
        .expect(201)
}

/// An action on a bundle by the holder of `token`.
pub async fn act(app: &Api, token: &str, id: i64, body: Value) -> Reply {
    app.by(token)
        .post(&format!("/api/v1/bundles/{id}/actions"), body)
        .await
}

/// The supplement of the shared 营业执照 (M2) a supplement notice asked for, then the acceptance,
/// both by the holder of `clerk` (asserting each succeeds); returns the accepted bundle's view.
pub async fn supplement_and_accept(app: &Api, clerk: &str, id: i64) -> Value {
    let supplement = json!({"action": "supplement", "materials": ["M2"]});
    act(app, clerk, id, supplement).await.expect(200);
    act(app, clerk, id, json!({"action": "accept"}))
        .await
        .expect(200)
}

/// A bundle as the holder of `token` reads it (asserting it may).
pub async fn bundle_as(app: &Api, token: &str, id: i64) -> Value {
    app.by(token)
        .get(&format!("/api/v1/bundles/{id}"))
        .await
        .expect(200)
}

/// The member case of `item` in a bundle's view: (case id, case number).
#[track_caller]
pub fn member_case(view: &Value, item: &str) -> (i64, String) {
    let m = view["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["item_code"] == item)
        .unwrap_or_else(|| panic!("no member {item} in {view}"));
    (
        m["case_id"].as_i64().expect("case id"),
        m["case_number"].as_str().expect("case number").to_string(),
    )
}

/// The item codes of a bundle view's members.
pub fn members(view: &Value) -> Vec<String> {
    fields_of(view, "members", "item_code")
}

/// The codes of a bundle view's materials.
pub fn materials(view: &Value) -> Vec<String> {
    fields_of(view, "materials", "code")
}

/// The text `field` of each entry of the list `list` in a view (the titles of a case's
/// documents, say: `fields_of(case, "documents", "title")`).
#[track_caller]
pub fn fields_of(view: &Value, list: &str, field: &str) -> Vec<String> {
    view[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {view}"))
        .iter()
        .map(|m| m[field].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The bundle a redirect to its receipt names (`/work/bundles/{id}/receipt`).
#[track_caller]
pub fn receipt_of(location: &str) -> i64 {
    location
        .strip_prefix("/work/bundles/")
        .and_then(|rest| rest.strip_suffix("/receipt"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a receipt: {location}"))
}

/// The window's receipt form for 「我要开餐馆」 as the logged-in browser opens it.
pub async fn receipt_form(app: &Api) -> (u16, String, String) {
    let path = format!("{RECEIVE_PAGE}?jurisdiction=hanyin&bundle={BUNDLE}");
    let r = app.client.get(app.url(&path)).send().await;
    answered(r.expect("the server answers")).await
}

/// 王芳 with an account, her identity verified (her cases are hers to see and to be told of);
/// returns her token.
pub async fn verified_person(app: &Api) -> String {
    let token = app
        .register("person", "王芳", PERSON, PERSON_PASSWORD)
        .await;
    app.verify_identity(PERSON, "王芳").await;
    token
}

impl Api {
    /// Binds the account whose login is `id_number` to that identity under `name`, as a test
    /// provider verified it (its subject `test-` and the ID number).
    pub async fn verify_identity(&self, id_number: &str, name: &str) {
        let account = self.principal(id_number).await.account.id;
        let subject = yiyin_domain::party::SubjectId::parse_any(id_number).expect("an ID number");
        let provider_subject = format!("test-{id_number}");
        let identity = yiyin_store::identities::NewIdentity {
            id_number: &subject,
            name,
            provider: "test",
            provider_subject: &provider_subject,
            verified_at: 0,
        };
        let mut tx = self.store.begin_write().await.expect("a write");
        tx.bind_identity(account, &identity)
            .await
            .expect("the identity bound");
        tx.commit().await.expect("committed");
    }
}
