//! Bundles (一件事一次办, 并联审批; 《行政许可法》第二十六条、第四十二条第二款) against a real
//! server, on both databases: the catalog administrator publishes 「我要开餐馆」一件事 (the bureau's
//! 食品经营许可 led by 市场监管, and two resident departments' items) and the window may not; the
//! window receives it once (one number, every member under it) with one supplement notice for
//! every member, the shared 营业执照 asked for once; each resident department sees only its own
//! member and the shared materials and decides it, in parallel, and not another's; the joint
//! clock is 45 working days from acceptance and only the county government's head extends it, by
//! 15 days at most, once; the release waits for every member and a denied one does not hold back
//! the others (the bundle shows partial); the applicant tracks it by number.

use serde_json::{Value, json};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::fixtures::{date, sample_item};
use yiyin_testkit::web::{COMPANY_ID, HANYIN};
use yiyin_testkit::{Api, Reply, on_both};

on_both!(a_bundle_is_received_once_decided_in_parallel_and_released_once);

const BUNDLE: &str = "HY-YJS-001";

/// A resident department's item made from the sample's, with its own first material.
async fn publish_resident(app: &Api, code: &str, name: &str, department: &str, first: &str) {
    let mut item = sample_item("HY-SC-001");
    item.code = code.into();
    item.name = name.into();
    item.department = department.into();
    item.supervising_department = department.into();
    item.handling_mode = HandlingMode::Resident;
    item.materials[0].name = first.into();
    yiyin_app::catalog::publish_item(
        &app.store,
        HANYIN,
        item,
        date("2025-03-03"),
        app.app.today(),
        "进驻部门事项",
        "test",
    )
    .await
    .unwrap_or_else(|e| panic!("publish {code}: {e}"));
}

/// A department's section chief (decides its resident items); returns the token.
async fn department_chief(app: &Api, login: &str, department: &str) -> String {
    app.staff_with(
        login,
        Grant {
            role: Role::SectionChief,
            jurisdiction: HANYIN.into(),
            department: Some(department.into()),
            unit: None,
        },
    )
    .await
}

fn definition() -> Value {
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

async fn act(app: &Api, token: &str, id: i64, body: Value) -> Reply {
    app.by(token)
        .post(&format!("/api/v1/bundles/{id}/actions"), body)
        .await
}

fn members(view: &Value) -> Vec<String> {
    view["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["item_code"].as_str().unwrap().to_string())
        .collect()
}

fn materials(view: &Value) -> Vec<String> {
    view["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .map(|m| m["code"].as_str().unwrap().to_string())
        .collect()
}

async fn a_bundle_is_received_once_decided_in_parallel_and_released_once(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_resident(
        &app,
        "HY-SW-001",
        "涉税事项办理",
        "shuiwu",
        "涉税事项申请表",
    )
    .await;
    publish_resident(
        &app,
        "HY-GA-001",
        "特种行业许可",
        "gongan",
        "特种行业许可申请表",
    )
    .await;
    let catalog_admin = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let chief = app.staff("hy.chief", Role::SectionChief, HANYIN).await;
    let government = app.staff("hy.gov", Role::GovernmentHead, HANYIN).await;
    let tax = department_chief(&app, "sw.chief", "shuiwu").await;
    let land = department_chief(&app, "ga.chief", "gongan").await;

    // The catalog administrator publishes the bundle; the window may not; a member outside the
    // catalog is refused naming the field.
    app.by(&clerk)
        .post("/api/v1/jurisdictions/hanyin/bundles", definition())
        .await
        .expect(403);
    let mut bad = definition();
    bad["spec"]["members"][2] = json!("HY-XX-999");
    app.by(&catalog_admin)
        .post("/api/v1/jurisdictions/hanyin/bundles", bad)
        .await
        .refused(422, "HY-XX-999");
    let v = app
        .by(&catalog_admin)
        .post("/api/v1/jurisdictions/hanyin/bundles", definition())
        .await
        .expect(201);
    assert_eq!(v["version"], 1);
    let listed = app
        .get_json("/api/v1/jurisdictions/hanyin/bundles")
        .await
        .expect(200);
    assert_eq!(listed[0]["spec"]["name"], "我要开餐馆");

    // Received once, with one supplement notice for every member: the shared 营业执照 (M2 of each
    // member) is one material, asked for once.
    let body = json!({
        "jurisdiction": HANYIN,
        "bundle_code": BUNDLE,
        "applicant": {"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": COMPANY_ID},
        "materials": ["M1", "HY-SW-001/M1", "HY-GA-001/M1"],
        "outcome": "notify_supplement",
    });
    let mut unknown = body.clone();
    unknown["materials"] = json!(["M9"]);
    app.by(&clerk)
        .post("/api/v1/bundles", unknown)
        .await
        .refused(422, "M9");
    let view = app
        .by(&clerk)
        .post("/api/v1/bundles", body)
        .await
        .expect(201);
    let id = view["id"].as_i64().unwrap();
    let number = view["number"].as_str().unwrap().to_string();
    assert_eq!(view["state"], "awaiting_supplement");
    assert_eq!(members(&view), ["HY-SC-001", "HY-SW-001", "HY-GA-001"]);
    assert_eq!(
        materials(&view),
        ["M1", "M2", "HY-SW-001/M1", "HY-GA-001/M1"]
    );
    let shared = &view["materials"][1];
    assert_eq!(shared["shared"], true);
    assert_eq!(shared["provided"], false);
    assert_eq!(shared["members"].as_array().unwrap().len(), 3);
    // Accepting is refused while the notice waits; the supplement then the acceptance.
    act(&app, &clerk, id, json!({"action": "accept"}))
        .await
        .expect(422);
    act(
        &app,
        &clerk,
        id,
        json!({"action": "supplement", "materials": ["M2"]}),
    )
    .await
    .expect(200);
    let accepted = act(&app, &clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["accepted_on"], "2025-03-03");
    // 45 working days from acceptance; every member's due within it.
    let due = accepted["clock"]["statutory_due"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        accepted["explanation"]
            .as_str()
            .unwrap()
            .contains("第四十二条第二款"),
        "{accepted}"
    );
    for m in accepted["members"].as_array().unwrap() {
        assert!(
            m["status"]["statutory_due"].as_str().unwrap() <= due.as_str(),
            "{m}"
        );
        assert!(
            m["status"]["explanation"]
                .as_str()
                .unwrap()
                .contains("届满日")
        );
    }

    // Each resident department sees only its member and the shared materials.
    let seen = app
        .by(&tax)
        .get(&format!("/api/v1/bundles/{id}"))
        .await
        .expect(200);
    assert_eq!(seen["whole"], false);
    assert_eq!(members(&seen), ["HY-SW-001"]);
    assert_eq!(materials(&seen), ["M2", "HY-SW-001/M1"]);
    let seen = app
        .by(&land)
        .get(&format!("/api/v1/bundles/{id}"))
        .await
        .expect(200);
    assert_eq!(members(&seen), ["HY-GA-001"]);
    // The lead department's view (the bureau handles 市场监管's transferred item): the whole.
    let whole = app
        .by(&chief)
        .get(&format!("/api/v1/bundles/{id}"))
        .await
        .expect(200);
    assert_eq!(whole["whole"], true);

    // Decided in parallel, each by its department; not another's.
    let decide = |member: &str, approve: bool| json!({"action": "decide", "member": member, "approve": approve, "reason": "经审查"});
    act(&app, &tax, id, decide("HY-GA-001", true))
        .await
        .expect(403);
    act(&app, &tax, id, decide("HY-SW-001", true))
        .await
        .expect(200);
    act(&app, &land, id, decide("HY-GA-001", false))
        .await
        .expect(200);
    act(&app, &land, id, decide("HY-GA-001", true))
        .await
        .refused(422, "不能重复决定");
    // Release waits for every member.
    act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .refused(422, "第二十六条");

    // The extension: the county government's head only, 15 days at most, once.
    let extend =
        |days: u32| json!({"action": "extend", "reason": "需要联合现场踏勘", "days": days});
    act(&app, &clerk, id, extend(15))
        .await
        .refused(422, "人民政府负责人");
    act(&app, &head, id, extend(15))
        .await
        .refused(422, "人民政府负责人");
    act(&app, &government, id, extend(16))
        .await
        .refused(422, "第四十二条第二款");
    let extended = act(&app, &government, id, extend(15)).await.expect(200);
    assert_eq!(extended["clock"]["extension_days"], 15);
    let later = extended["clock"]["statutory_due"].as_str().unwrap();
    assert!(later > due.as_str(), "{later} after {due}");
    assert!(
        extended["explanation"]
            .as_str()
            .unwrap()
            .contains("延期 15 个工作日")
    );
    act(&app, &government, id, extend(15))
        .await
        .refused(422, "只能延长一次");

    // The last member; the release at once, partial: the denied member held nothing back.
    act(&app, &chief, id, decide("HY-SC-001", true))
        .await
        .expect(200);
    act(&app, &tax, id, json!({"action": "release"}))
        .await
        .expect(403);
    let released = act(&app, &clerk, id, json!({"action": "release"}))
        .await
        .expect(200);
    assert_eq!(released["state"], "released");
    assert_eq!(released["result"], "partial");
    assert!(
        released["state_label"]
            .as_str()
            .unwrap()
            .contains("部分准予")
    );
    let labels: Vec<&str> = released["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["准予行政许可", "准予行政许可", "不予行政许可"]);

    // The pages: the tax office's shows its member only; the window's the whole bundle.
    let (status, html) = app.page_text(&tax, &format!("/work/bundles/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("涉税事项办理") && !html.contains("特种行业许可"),
        "{html}"
    );
    let (status, html) = app.page_text(&clerk, &format!("/work/bundles/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("已统一出件（部分准予）") && html.contains("特种行业许可"));
    let (status, html) = app
        .page_text(&clerk, "/work/bundles?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&number));

    // The worklists: the tax office sees the bundle, the applicant tracks it by number.
    let list = app
        .by(&tax)
        .get("/api/v1/bundles?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(list[0]["number"], number.as_str());
    let tracked = app
        .get_json(&format!(
            "/api/v1/bundles/track?number={number}&id_number={COMPANY_ID}"
        ))
        .await
        .expect(200);
    assert_eq!(tracked["result"], "partial");
    assert_eq!(members(&tracked).len(), 3);
    app.get_json(&format!(
        "/api/v1/bundles/track?number={number}&id_number=91350100M000100Y00"
    ))
    .await
    .expect(404);
}
