//! Township delegation (委托实施, 《行政许可法》第二十四条) against a real server, on both databases:
//! before any delegation the township is refused naming Art. 24; the bureau head entrusts 涧池镇 with
//! 食品经营许可 (the clerk and a township may not; a village point is not an authority; a notice
//! number once); the published notice; the township receives, reviews and decides in the bureau's
//! name, under its seal, the decision naming 涧池镇人民政府 as entrusted, while another township is
//! refused; a village agency point takes an application (代收) and may not start a case, the township
//! receives it late and its case's clock starts that day with the warning recorded; revoking the
//! delegation hands the open cases back to the bureau with an event each and their clocks
//! unchanged — and the applications the village point took that the township had not received
//! go to the bureau's window, with an event each, where the bureau receives them — after which the
//! township is refused and the bureau decides without naming it. The township clerk's intake page
//! lists exactly the items its township may receive today (the delegated one only while the
//! delegation is in force; a village point none of them) and receives one from the page.

use serde_json::{Value, json};
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::engine::DocumentKind;
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::browser::answered;
use yiyin_testkit::web::{COMPANY_ID, HANYIN, approve, intake, review};
use yiyin_testkit::{Api, at, on_both};

on_both!(
    a_township_decides_a_delegated_item_in_the_bureaus_name,
    a_village_point_forwards_and_revocation_hands_the_cases_back,
);

const DELEGATIONS: &str = "/api/v1/jurisdictions/hanyin/delegations";
const FORWARDINGS: &str = "/api/v1/jurisdictions/hanyin/forwardings";

/// HY-SC-001 declared 委托镇办理 for 涧池镇 in the catalog.
async fn publish_delegated(app: &Api) {
    app.publish_variant("委托涧池镇办理", |item| {
        item.handling_mode = HandlingMode::Delegated;
        item.delegated_to = vec!["jianchi".into()];
    })
    .await;
}

/// A member of staff with one role posted at `unit`; returns the token.
async fn posted(app: &Api, login: &str, role: Role, unit: &str) -> String {
    app.staff_with(
        login,
        Grant {
            role,
            jurisdiction: HANYIN.into(),
            department: None,
            unit: Some(unit.into()),
        },
    )
    .await
}

fn request(from: &str, notice: &str) -> Value {
    json!({
        "delegator": "bureau",
        "township": "jianchi",
        "items": ["HY-SC-001"],
        "scope": "intake_and_decision",
        "valid_from": from,
        "valid_until": "2025-12-31",
        "legal_basis": "《中华人民共和国行政许可法》第二十四条；汉阴县行政审批制度改革实施方案 三（二）",
        "notice_number": notice,
    })
}

/// An application accepted at the window that receives it.
fn accepted() -> Value {
    let mut body = intake(&["M1", "M2"]);
    body["outcome"] = json!("accept");
    body
}

/// The item codes the intake page offers the holder of `token` in 汉阴县.
async fn intake_items(app: &Api, token: &str) -> Vec<String> {
    let html = app.page_ok(token, "/work/intake?j=hanyin").await;
    html.split("/work/intake?j=hanyin&item=")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The decision letter's (agency, seal, text).
async fn decision_letter(app: &Api, id: i64) -> (String, String, String) {
    let docs = app.store.case_documents(id).await.unwrap();
    let d = docs
        .iter()
        .find(|d| d.record.kind == DocumentKind::DecisionLetter)
        .expect("a decision letter");
    (
        d.record.agency.clone(),
        d.record.seal.clone(),
        d.record.paragraphs.join(""),
    )
}

async fn a_township_decides_a_delegated_item_in_the_bureaus_name(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    publish_delegated(&app).await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let town_clerk = posted(&app, "jc.clerk", Role::WindowClerk, "jianchi").await;
    let town_reviewer = posted(&app, "jc.reviewer", Role::Reviewer, "jianchi").await;
    let town_chief = posted(&app, "jc.chief", Role::SectionChief, "jianchi").await;
    let other_chief = posted(&app, "px.chief", Role::SectionChief, "puxi").await;
    let town_head = posted(&app, "jc.head", Role::BureauHead, "jianchi").await;

    // No delegation yet: the township may not receive it, and its intake page does not offer
    // it, only what the township receives for the bureau.
    app.by(&town_clerk)
        .post("/api/v1/cases", accepted())
        .await
        .refused(403, "第二十四条");
    let before = intake_items(&app, &town_clerk).await;
    assert!(!before.iter().any(|c| c == "HY-SC-001"), "{before:?}");

    // Only the head delegates; the entrusted township may not delegate further; a village point is
    // a place, not an authority; each refusal writes nothing.
    let body = request("2025-03-03", "汉审批委〔2025〕1号");
    app.by(&town_clerk)
        .post(DELEGATIONS, body.clone())
        .await
        .refused(403, "无权委托镇人民政府实施行政许可");
    app.anonymous()
        .post(DELEGATIONS, body.clone())
        .await
        .expect(401);
    app.by(&town_head)
        .post(DELEGATIONS, body.clone())
        .await
        .refused(422, "不得再委托");
    let mut village = body.clone();
    village["township"] = json!("jianchi-v1");
    app.by(&head)
        .post(DELEGATIONS, village)
        .await
        .refused(422, "代办点");
    let mut past = body.clone();
    past["valid_from"] = json!("2025-03-01");
    app.by(&head)
        .post(DELEGATIONS, past)
        .await
        .refused(422, "不能早于今天");
    // The county government holds no seal in Yiyin: its township's decisions could not be sealed.
    let mut by_government = body.clone();
    by_government["delegator"] = json!("county_government");
    app.by(&head)
        .post(DELEGATIONS, by_government)
        .await
        .refused(422, "汉阴县人民政府的电子印章尚未在本系统登记");
    assert_eq!(
        app.anonymous().get(DELEGATIONS).await.expect(200),
        json!([])
    );

    let v = app
        .by(&head)
        .post(DELEGATIONS, body.clone())
        .await
        .expect(201);
    let id = v["delegation"]["id"].as_i64().unwrap();
    assert_eq!(v["state"], "有效", "{v}");
    assert_eq!(v["government"], "涧池镇人民政府");
    assert_eq!(v["delegator_name"], "汉阴县行政审批服务局");
    app.by(&head)
        .post(DELEGATIONS, body)
        .await
        .refused(409, "汉审批委〔2025〕1号");

    // The notice is public.
    let list = app.anonymous().get(DELEGATIONS).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let notice = app
        .anonymous()
        .get(&format!("{DELEGATIONS}/{id}/notice"))
        .await
        .expect(200);
    let text = notice["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect::<String>();
    for s in [
        "涧池镇人民政府：",
        "食品经营许可（HY-SC-001）",
        "委托范围：受理和决定",
        "不得再委托",
    ] {
        assert!(text.contains(s), "{s}: {text}");
    }

    // Its intake page now offers exactly the delegated item besides what it offered, and
    // receives it from the page.
    let mut now = intake_items(&app, &town_clerk).await;
    let mut expected = before.clone();
    expected.push("HY-SC-001".to_string());
    now.sort();
    expected.sort();
    assert_eq!(now, expected);
    let csrf = app.browser_login("jc.clerk").await;
    let (status, page, location) = answered(
        app.post_form(
            "/work/intake",
            &[
                ("csrf", csrf.as_str()),
                ("key", "jc-window-1"),
                ("j", HANYIN),
                ("item", "HY-SC-001"),
                ("kind", "organisation"),
                ("name", "汉阴县月河餐饮有限公司"),
                ("id_number", COMPANY_ID),
                ("phone", "13912345678"),
                ("legal_representative", "王芳"),
                ("materials", "M1"),
                ("materials", "M2"),
                ("outcome", "receive"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let id = yiyin_testkit::browser::case_of(&location);
    let from_page = app.store.case(id).await.unwrap();
    assert_eq!(from_page.unit, "jianchi");
    assert_eq!(from_page.item_code, "HY-SC-001");

    // The township receives, reviews and decides.
    let case = app
        .by(&town_clerk)
        .post("/api/v1/cases", accepted())
        .await
        .expect(201);
    let case_id = case["id"].as_i64().unwrap();
    assert_eq!(case["unit"], "jianchi");
    app.act(&town_reviewer, case_id, review("符合条件"))
        .await
        .expect(200);
    app.act(&other_chief, case_id, approve("符合条件"))
        .await
        .refused(403, "第二十四条");
    app.act(&town_chief, case_id, approve("符合条件"))
        .await
        .expect(200);

    // In the bureau's name, under its seal, naming the township as entrusted.
    let (agency, seal, text) = decision_letter(&app, case_id).await;
    assert_eq!(agency, "汉阴县行政审批服务局");
    assert_eq!(seal, "汉阴县行政审批服务局行政审批专用章");
    assert!(
        text.contains("受委托机关：涧池镇人民政府") && text.contains("第二十四条"),
        "{text}"
    );

    // The bureau supervises the township's cases like its own.
    app.case_view(&head, case_id).await;
    let discipline = app
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN)
        .await;
    app.case_view(&discipline, case_id).await;
    assert_eq!(
        app.event_count(&head, case_id, "decide").await,
        1,
        "decided once"
    );

    // The pages: the head's desk, the public notice, the clerk kept out.
    let html = app.page_ok(&head, "/work/delegations").await;
    assert!(html.contains("汉审批委〔2025〕1号") && html.contains("撤销委托"));
    let (status, html) = app.get_text("/j/hanyin/delegations").await;
    assert_eq!(status, 200);
    for s in [
        "行政许可委托书",
        "涧池镇人民政府",
        "食品经营许可",
        "受理和决定",
    ] {
        assert!(html.contains(s), "{s}");
    }
    let (status, _) = app.page_text(&town_clerk, "/work/delegations").await;
    assert_eq!(status, 403);
}

async fn a_village_point_forwards_and_revocation_hands_the_cases_back(backend: Backend) {
    // Friday 2025-03-07.
    let app = Api::spawn(backend, "2025-03-07").await;
    publish_delegated(&app).await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    app.desk().await;
    posted(&app, "jc.clerk", Role::WindowClerk, "jianchi").await;
    posted(&app, "jc.chief", Role::SectionChief, "jianchi").await;
    let village_clerk = posted(&app, "jc.v1.clerk", Role::WindowClerk, "jianchi-v1").await;
    let v = app
        .by(&head)
        .post(DELEGATIONS, request("2025-03-07", "汉审批委〔2025〕2号"))
        .await
        .expect(201);
    let delegation = v["delegation"]["id"].as_i64().unwrap();
    assert_eq!(v["delegation"]["forward_days"], 1);

    // A village point takes (代收) but does not start a case; its intake page offers no
    // delegated item.
    app.by(&village_clerk)
        .post("/api/v1/cases", accepted())
        .await
        .refused(422, "代办点只代收代办");
    let offered = intake_items(&app, &village_clerk).await;
    assert!(!offered.iter().any(|c| c == "HY-SC-001"), "{offered:?}");
    let take = json!({
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": COMPANY_ID},
        "materials": ["M1", "M2"],
    });
    let f = app
        .by(&village_clerk)
        .post(FORWARDINGS, take)
        .await
        .expect(201);
    let fid = f["forwarding"]["id"].as_i64().unwrap();
    assert_eq!(f["forwarding"]["taken_on"], "2025-03-07");
    assert_eq!(f["forwarding"]["due_on"], "2025-03-10", "one working day");
    assert_eq!(f["warning"], Value::Null);

    // Tuesday 03-11: not forwarded in time, the township's list warns.
    app.clock.set(at("2025-03-11"));
    // The sessions ended with the days; everyone logs in again.
    let [head, town_clerk, town_chief, village_clerk, reviewer, chief] = app
        .tokens([
            "hy.head",
            "jc.clerk",
            "jc.chief",
            "jc.v1.clerk",
            "hy.reviewer",
            "hy.chief",
        ])
        .await;
    let list = app
        .by(&town_clerk)
        .get("/api/v1/jurisdictions/hanyin/townships/jianchi/forwardings")
        .await
        .expect(200);
    assert!(
        list[0]["warning"].as_str().unwrap().contains("逾期未转交"),
        "{list}"
    );
    // Another township's staff do not read it; the village point does not receive it for the
    // township.
    let other_clerk = posted(&app, "px.clerk", Role::WindowClerk, "puxi").await;
    app.by(&other_clerk)
        .get("/api/v1/jurisdictions/hanyin/townships/jianchi/forwardings")
        .await
        .refused(403, "涧池镇人民政府");
    let receive = format!("{FORWARDINGS}/{fid}/receive");
    app.by(&village_clerk)
        .post(&receive, json!({"outcome": "accept"}))
        .await
        .refused(403, "涧池镇便民服务中心接收");

    // The township receives it: the case starts today, its clock with it.
    let r = app
        .by(&town_clerk)
        .post(&receive, json!({"outcome": "accept"}))
        .await
        .expect(201);
    assert_eq!(r["received_on"], "2025-03-11", "{r}");
    assert!(
        r["forwarding"]["warning"]
            .as_str()
            .unwrap()
            .contains("逾期转交"),
        "{r}"
    );
    let forwarded = r["case_id"].as_i64().unwrap();
    let e = app
        .events_of(&town_clerk, forwarded, "village_forward_receive")
        .await;
    assert_eq!(e.len(), 1);
    assert!(
        e[0]["reason"].as_str().unwrap().contains("代办点逾期转交"),
        "{e:?}"
    );
    app.by(&town_clerk)
        .post(&receive, json!({"outcome": "accept"}))
        .await
        .refused(409, "已经接收");

    // Another application the village point takes today, still waiting at the revocation.
    let waiting = app
        .by(&village_clerk)
        .post(
            FORWARDINGS,
            json!({
                "item_code": "HY-SC-001",
                "applicant": {"kind": "person", "name": "王芳", "id_number": "11010519491231002X"},
                "materials": ["M1", "M2"],
            }),
        )
        .await
        .expect(201)["forwarding"]["id"]
        .as_i64()
        .unwrap();

    // A second case received at the centre directly.
    let direct = app
        .by(&town_clerk)
        .post("/api/v1/cases", accepted())
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let before = app.case_view(&head, forwarded).await;

    // Revocation: the head's alone, with a reason; the open cases go back to the bureau.
    let revoke = format!("{DELEGATIONS}/{delegation}/revoke");
    app.by(&town_chief)
        .post(&revoke, json!({"reason": "承接能力不足"}))
        .await
        .expect(403);
    app.by(&head)
        .post(&revoke, json!({"reason": " "}))
        .await
        .refused(422, "理由");
    let r = app
        .by(&head)
        .post(&revoke, json!({"reason": "镇承接能力不足"}))
        .await
        .expect(200);
    assert_eq!(r["view"]["state"], "已撤销", "{r}");
    assert_eq!(r["handed_back"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["forwardings_handed_back"], json!([waiting]), "{r}");
    app.by(&head)
        .post(&revoke, json!({"reason": "再次"}))
        .await
        .refused(409, "已经撤销");

    for id in [forwarded, direct] {
        let e = app.events_of(&head, id, "delegation_hand_back").await;
        assert_eq!(e.len(), 1, "one hand-back event on case {id}");
    }
    let after = app.case_view(&head, forwarded).await;
    assert_eq!(after["unit"], "");
    assert_eq!(after["case"], before["case"], "the clock is unchanged");
    assert_eq!(after["state"], before["state"]);

    // The waiting application went to the bureau's window, with its event: the township may no
    // longer receive it, the bureau's clerk does — the case, and its clock, start today.
    let handed = app
        .store
        .jurisdiction_events(HANYIN, None, Some("delegation_hand_back"), 100)
        .await
        .unwrap();
    let about: Vec<_> = handed.iter().filter(|e| e.case_id.is_none()).collect();
    assert_eq!(about.len(), 1, "{handed:?}");
    assert!(
        about[0].reason.contains("交回汉阴县行政审批服务局窗口接收")
            && about[0].reason.contains("王芳"),
        "{}",
        about[0].reason
    );
    let list = app
        .by(&head)
        .get("/api/v1/jurisdictions/hanyin/townships/jianchi/forwardings")
        .await
        .expect(200);
    let line = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["forwarding"]["id"] == waiting)
        .expect("still listed")
        .clone();
    assert_eq!(line["receiver"], "汉阴县行政审批服务局窗口", "{line}");
    let receive_waiting = format!("{FORWARDINGS}/{waiting}/receive");
    app.by(&town_clerk)
        .post(&receive_waiting, json!({"outcome": "accept"}))
        .await
        .refused(403, "汉阴县行政审批服务局窗口接收");
    let bureau_clerk = app.token("hy.clerk", yiyin_testkit::PASSWORD).await;
    let r = app
        .by(&bureau_clerk)
        .post(&receive_waiting, json!({"outcome": "accept"}))
        .await
        .expect(201);
    assert_eq!(r["received_on"], "2025-03-11", "{r}");
    let received = app
        .store
        .case(r["case_id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(received.unit, "");

    // The township is refused from now on; the bureau carries on, no township named.
    app.act(&town_chief, forwarded, approve("符合条件"))
        .await
        .refused(403, "第二十四条");
    app.by(&town_clerk)
        .post("/api/v1/cases", accepted())
        .await
        .refused(403, "第二十四条");
    app.act(&reviewer, forwarded, review("符合条件"))
        .await
        .expect(200);
    app.act(&chief, forwarded, approve("符合条件"))
        .await
        .expect(200);
    let (agency, _, text) = decision_letter(&app, forwarded).await;
    assert_eq!(agency, "汉阴县行政审批服务局");
    assert!(!text.contains("受委托机关"), "{text}");
}
