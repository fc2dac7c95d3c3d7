//! The switch-over (划转) against a real server, on both databases: a batch whose readiness has red
//! lines is refused its switch (nothing changes), then switched once all is green; the old
//! department's application for the item is received the day before the switch date and refused
//! on it; a case accepted before the switch keeps its handler until the head migrates it, under a
//! new number with the old one still finding it; the department's observer reads every case of its
//! former items and comments, the handlers see the comment, the observer changes nothing, and its
//! access ends after the last day of the transition period — on its desk and on every other page
//! and endpoint its general 审批观察员 grant opened; every act is an audited event.

use serde_json::{Value, json};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::{HandlingMode, ItemKind};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{HANYIN, intake};
use yiyin_testkit::{Api, PASSWORD, assert_says, at, date, on_both};

on_both!(
    a_batch_is_prepared_switched_and_its_cases_migrated,
    observers_read_and_comment_during_the_period_only,
);

const PLAN: &str = "/api/v1/jurisdictions/hanyin/transition";
const BATCHES: &str = "/api/v1/jurisdictions/hanyin/transition/batches";
const OBSERVERS: &str = "/api/v1/jurisdictions/hanyin/transition/observers";
const OBSERVED: &str = "/api/v1/jurisdictions/hanyin/transition/observed";

/// HY-SC-001 as a service the market department still handles at its own window (a transferred
/// department keeps its powers that are not licensing): what the batch moves.
async fn resident_until_switched(app: &Api) {
    app.publish_variant("市场监管局办理", |i| {
        i.kind = ItemKind::PublicService;
        i.handling_mode = HandlingMode::Resident;
    })
    .await;
}

/// The item's version handled by the bureau from `on`.
async fn transferred_from(app: &Api, on: &str) {
    let mut item = yiyin_testkit::fixtures::sample_item("HY-SC-001");
    item.kind = ItemKind::PublicService;
    item.handling_mode = HandlingMode::Transferred;
    yiyin_app::catalog::publish_item(
        &app.store,
        HANYIN,
        item,
        app.app
            .publication(date(on), "划转至行政审批服务局", "test"),
    )
    .await
    .expect("publish the transferred version");
}

/// The market department's window clerk.
async fn department_clerk(app: &Api) -> String {
    app.staff_with(
        "sc.clerk",
        Grant {
            role: Role::WindowClerk,
            jurisdiction: HANYIN.into(),
            department: Some("shichang".into()),
            unit: None,
        },
    )
    .await
}

/// The plan approved on 2025-03-01 and its batch of HY-SC-001 switching on 2025-03-05; returns
/// the batch.
async fn plan_and_batch(app: &Api, head: &str) -> Value {
    let plan = app
        .by(head)
        .put(
            PLAN,
            json!({"name": "汉阴县相对集中行政许可权划转方案", "approved_on": "2025-03-01",
                   "approved_by": "汉阴县人民政府"}),
        )
        .await
        .expect(200);
    // Three months from the approval: the last day is 05-31.
    assert_eq!(plan["plan"]["period_end"], "2025-05-31", "{plan}");
    app.by(head)
        .post(
            BATCHES,
            json!({"name": "第一批", "items": ["HY-SC-001"], "source_department": "shichang",
                   "switch_date": "2025-03-05"}),
        )
        .await
        .expect(201)
}

fn red_checks(batch: &Value) -> Vec<String> {
    batch["readiness"]
        .as_array()
        .expect("readiness")
        .iter()
        .filter(|l| l["green"] == false)
        .map(|l| l["check"].as_str().unwrap().to_string())
        .collect()
}

async fn switch_events(app: &Api) -> usize {
    app.store
        .jurisdiction_events(HANYIN, None, Some("transfer_switch"), 100)
        .await
        .unwrap()
        .len()
}

async fn a_batch_is_prepared_switched_and_its_cases_migrated(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    resident_until_switched(&app).await;
    let sc = department_clerk(&app).await;
    // Accepted by the department before the switch.
    let before = app
        .by(&sc)
        .post("/api/v1/cases", intake(&["M1", "M2"]))
        .await
        .expect(201);
    let case = before["id"].as_i64().unwrap();
    let old_number = before["number"].as_str().unwrap().to_string();
    assert_eq!(before["handling_mode"], "resident", "{before}");
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;

    // Described in the OpenAPI document.
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/jurisdictions/{code}/transition",
        "/api/v1/jurisdictions/{code}/transition/batches",
        "/api/v1/jurisdictions/{code}/transition/batches/{id}/readiness",
        "/api/v1/jurisdictions/{code}/transition/batches/{id}/switch",
        "/api/v1/jurisdictions/{code}/transition/cases/{id}/migrate",
        "/api/v1/jurisdictions/{code}/transition/observers",
        "/api/v1/jurisdictions/{code}/transition/observed/{id}/comments",
        "/api/v1/cases/{id}/comments",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }

    // Not the clerk's, nor another county's.
    app.by(&sc).get(PLAN).await.refused(403, "管理事项划转");
    app.anonymous().get(PLAN).await.expect(401);
    app.by(&head)
        .get("/api/v1/jurisdictions/ziyang/transition")
        .await
        .refused(403, "不属于您所在县区");

    let batch = plan_and_batch(&app, &head).await;
    let id = batch["batch"]["id"].as_i64().unwrap();
    assert_eq!(batch["batch"]["status"], "preparing");
    // Red: the catalog still lists it with the department, the bureau has no clerk or reviewer.
    assert_eq!(red_checks(&batch), ["catalog", "staff"], "{batch}");
    let switch = format!("{BATCHES}/{id}/switch");
    let refused = app
        .by(&head)
        .post_empty(&switch)
        .await
        .refused(422, "尚未就绪");
    assert_says(
        refused["error"]["message"].as_str().unwrap(),
        &["部门进驻", "窗口受理人员", "审查人员"],
    );
    app.by(&sc).post_empty(&switch).await.expect(403);
    // The head's page shows the batch's readiness table and its red lines.
    let page = app.page_ok(&head, "/work/transition").await;
    assert_says(
        &page,
        &[
            "第一批",
            "准备中",
            "未通过",
            "部门进驻",
            "切换至行政审批服务局",
        ],
    );
    let readiness = format!("{BATCHES}/{id}/readiness");
    let same = app.by(&head).get(&readiness).await.expect(200);
    assert_eq!(same["batch"]["status"], "preparing");
    assert_eq!(switch_events(&app).await, 0);

    // Green: the bureau's version published for the switch date, the bureau staffed.
    transferred_from(&app, "2025-03-05").await;
    app.desk().await;
    let ready = app.by(&head).get(&readiness).await.expect(200);
    assert!(red_checks(&ready).is_empty(), "{ready}");
    assert_eq!(ready["ready"], true);
    let switched = app.by(&head).post_empty(&switch).await.expect(200);
    assert_eq!(switched["batch"]["status"], "switched");
    assert_eq!(switched["transferred_today"], false);
    assert_eq!(switch_events(&app).await, 1);
    app.by(&head)
        .post_empty(&switch)
        .await
        .refused(422, "已经划转");

    // The day before the switch date the department still receives it; on the date it is refused.
    app.clock.set(at("2025-03-04"));
    // A new day: new sessions.
    let sc = app.token("sc.clerk", PASSWORD).await;
    app.by(&sc)
        .post("/api/v1/cases", intake(&["M1", "M2"]))
        .await
        .expect(201);
    app.clock.set(at("2025-03-05"));
    let [sc, head, clerk, chief] = app
        .tokens(["sc.clerk", "hy.head", "hy.clerk", "hy.chief"])
        .await;
    let refused = app
        .by(&sc)
        .post("/api/v1/cases", intake(&["M1", "M2"]))
        .await
        .refused(422, "不得再作为办理机关受理申请");
    assert_says(
        refused["error"]["message"].as_str().unwrap(),
        &["第一批", "2025年3月5日", "第二十五条"],
    );
    let by_bureau = app
        .by(&clerk)
        .post("/api/v1/cases", intake(&["M1", "M2"]))
        .await
        .expect(201);
    assert_eq!(by_bureau["handling_mode"], "transferred");

    // The case accepted before the switch keeps its handler until migrated.
    let kept = app.case_view(&sc, case).await;
    assert_eq!(kept["handling_mode"], "resident");
    assert_eq!(kept["number"], old_number.as_str());
    let migrate = format!("/api/v1/jurisdictions/hanyin/transition/cases/{case}/migrate");
    app.by(&sc)
        .post(&migrate, json!({"reason": "原部门审批人员已随编划转"}))
        .await
        .expect(403);
    app.by(&head)
        .post(&migrate, json!({"reason": "  "}))
        .await
        .refused(422, "须写明理由");
    let migrated = app
        .by(&head)
        .post(&migrate, json!({"reason": "原部门审批人员已随编划转"}))
        .await
        .expect(200);
    let new_number = migrated["number"].as_str().unwrap().to_string();
    assert_ne!(new_number, old_number);
    assert_eq!(migrated["handling_mode"], "transferred");
    // Once only.
    app.by(&head)
        .post(&migrate, json!({"reason": "再次迁移"}))
        .await
        .refused(422, "无需迁移");
    // The old number still finds it: the staff's search and the store's lookup (the public
    // tracking reads the same lookup).
    let found = app
        .by(&chief)
        .get(&format!("/api/v1/cases?q={old_number}"))
        .await
        .expect(200);
    assert!(found.to_string().contains(&new_number), "{found}");
    let by_old = app
        .store
        .case_by_number(&old_number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_old.id, case);
    let events = app
        .store
        .jurisdiction_events(HANYIN, None, Some("transfer_migrate_case"), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_says(
        &events[0].reason,
        &[&old_number, &new_number, "原部门审批人员已随编划转"],
    );
}

async fn observers_read_and_comment_during_the_period_only(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    resident_until_switched(&app).await;
    let sc = department_clerk(&app).await;
    let case = app
        .by(&sc)
        .post("/api/v1/cases", intake(&["M1", "M2"]))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    plan_and_batch(&app, &head).await;
    let observer = app.observer("sc.obs", "shichang").await;
    let observer_id = app.principal("sc.obs").await.account.id;
    let other = app.observer("mz.obs", "minzheng").await;
    let other_id = app.principal("mz.obs").await.account.id;

    // Not an observer until named; an account of another department is not the market's.
    app.by(&observer)
        .get(OBSERVED)
        .await
        .refused(403, "审批观察员");
    app.by(&head)
        .post(
            OBSERVERS,
            json!({"department": "shichang", "account": other_id}),
        )
        .await
        .refused(422, "审批观察员须为");
    app.by(&sc)
        .post(
            OBSERVERS,
            json!({"department": "shichang", "account": observer_id}),
        )
        .await
        .expect(403);
    let named = app
        .by(&head)
        .post(
            OBSERVERS,
            json!({"department": "shichang", "account": observer_id}),
        )
        .await
        .expect(200);
    assert_eq!(named["observers"].as_array().unwrap().len(), 1, "{named}");
    app.by(&other).get(OBSERVED).await.expect(403);

    // Every case of the department's former items, with its events.
    let list = app.by(&observer).get(OBSERVED).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let one = format!("{OBSERVED}/{case}");
    let seen = app.by(&observer).get(&one).await.expect(200);
    assert!(!seen["events"].as_array().unwrap().is_empty(), "{seen}");
    let comments = format!("{one}/comments");
    app.by(&observer)
        .post(&comments, json!({"body": ""}))
        .await
        .refused(422, "评注");
    app.by(&observer)
        .post(&comments, json!({"body": "x\u{202E}y"}))
        .await
        .refused(422, "文字方向控制字符");
    let c = app
        .by(&observer)
        .post(&comments, json!({"body": "请核对营业执照经营范围"}))
        .await
        .expect(201);
    assert_eq!(c["body"], "请核对营业执照经营范围");
    let page = app
        .page_ok(&observer, &format!("/work/observe/{case}"))
        .await;
    assert_says(&page, &["请核对营业执照经营范围", "提交评注"]);

    // The handlers see the comment, on the API and on the case page.
    let shown = app
        .by(&sc)
        .get(&format!("/api/v1/cases/{case}/comments"))
        .await
        .expect(200);
    assert_eq!(shown.as_array().unwrap().len(), 1, "{shown}");
    let page = app.page_ok(&sc, &format!("/work/cases/{case}")).await;
    assert!(
        page.contains("请核对营业执照经营范围"),
        "the case page shows the comment"
    );

    // The observer changes nothing.
    app.act(&observer, case, json!({"action": "accept"}))
        .await
        .expect(403);
    app.by(&observer)
        .post(
            BATCHES,
            json!({"name": "第二批", "items": ["HY-MZ-001"],
            "source_department": "minzheng", "switch_date": "2025-04-01"}),
        )
        .await
        .expect(403);

    // Reads and comments are logged.
    let reads = app
        .store
        .jurisdiction_events(HANYIN, None, Some("observer_read"), 100)
        .await
        .unwrap();
    // The API's read and the page's.
    assert_eq!(reads.len(), 2);
    assert!(reads.iter().all(|e| e.case_id == Some(case)));
    let logged = app
        .store
        .jurisdiction_events(HANYIN, None, Some("observer_comment"), 100)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);

    // The period's last day, then the day after.
    app.clock.set(at("2025-05-31"));
    let observer = app.token("sc.obs", PASSWORD).await;
    app.by(&observer).get(&one).await.expect(200);
    // Its general 审批观察员 grant opens the ordinary case pages and API too, for the period.
    let general = format!("/api/v1/cases/{case}");
    let cards = "/api/v1/monitoring/cards?jurisdiction=hanyin";
    app.by(&observer).get(&general).await.expect(200);
    app.by(&observer).get(cards).await.expect(200);
    let _ = app.page_ok(&observer, &format!("/work/cases/{case}")).await;
    app.clock.set(at("2025-06-01"));
    let observer = app.token("sc.obs", PASSWORD).await;
    app.by(&observer)
        .get(OBSERVED)
        .await
        .refused(403, "过渡期已于");
    app.by(&observer).get(&one).await.refused(403, "过渡期已于");
    app.by(&observer)
        .post(&comments, json!({"body": "再评注"}))
        .await
        .refused(403, "过渡期已于");
    // Nor by any other path: the general grant ended with the period.
    app.by(&observer).get(&general).await.expect(403);
    app.by(&observer).get(cards).await.expect(403);
    for page in [
        format!("/work/cases/{case}"),
        format!("/work/observe/{case}"),
    ] {
        let (status, html) = app.page_text(&observer, &page).await;
        assert_eq!(status, 403, "{page}: {html}");
    }
    let (status, html) = app.page_text(&observer, "/work?tab=all").await;
    assert!(
        status == 403 || !html.contains(&format!("/work/cases/{case}")),
        "{status}: {html}"
    );
}
