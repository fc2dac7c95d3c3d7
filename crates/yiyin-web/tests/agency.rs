//! Full agency service (全程代办) against a real server, on both databases: the bureau head
//! publishes the agency centre's service list (others refused; public, free); the applicant signs a
//! mandate for a named agent of the county (refused for another's case, for an account that is not
//! an agent, for a bad period); the agent answers a supplement notice with its files for the
//! applicant, logged on the case as 「代办员 X 代 申请人 Y」 with the agent's account, and reads the
//! applicant's notices; refused outside the mandate — another agent, another applicant's case,
//! an act not granted, after revocation, after expiry — each refusal naming the rule and changing
//! nothing; the agent confirms the pickup of the results; the applicant rates the service once
//! (好差评, subject 代办服务). The pages: the public list, `/my/mandates`, `/work/agency`.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{HANYIN, approve, online};
use yiyin_testkit::{Api, PASSWORD, at, on_both};

on_both!(an_agent_acts_for_the_applicant_within_the_mandate_only);

const LIST: &str = "/api/v1/agency/lists/hanyin";
const MANDATES: &str = "/api/v1/agency/mandates";
/// A small PDF, base64.
const PDF: &str = "JVBERi0xLjQKJWFnZW5jeSB0ZXN0Cg==";

fn mandate(case: i64, acts: &[&str], from: &str, to: &str) -> Value {
    json!({"agent": "hy.agency", "subject": "case", "subject_id": case, "acts": acts,
        "starts_on": from, "ends_on": to})
}

fn supplement_path(mandate: i64, case: i64) -> String {
    format!("/api/v1/agency/mandates/{mandate}/cases/{case}/supplement")
}

fn pickup_path(mandate: i64, case: i64) -> String {
    format!("/api/v1/agency/mandates/{mandate}/cases/{case}/pickup")
}

fn with_file() -> Value {
    json!({"materials": ["M2"], "files": [{"material": "M2", "name": "营业执照.pdf", "content_base64": PDF}]})
}

async fn an_agent_acts_for_the_applicant_within_the_mandate_only(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let agent = app.staff("hy.agency", Role::AgencyAgent, HANYIN).await;
    let agent2 = app.staff("hy.agency2", Role::AgencyAgent, HANYIN).await;
    let far_agent = app.staff("zy.agency", Role::AgencyAgent, "ziyang").await;

    // The service list: the bureau head publishes it; it is public and free.
    let list = json!({"centre": "汉阴县全程代办服务中心", "contact": "政务服务中心一楼",
        "lines": [{"name": "施工许可", "service": "全程代办"}, {"name": "食品经营许可"}]});
    app.anonymous().get(LIST).await.expect(404);
    app.by(&desk.clerk)
        .put(LIST, list.clone())
        .await
        .expect(403);
    app.by(&agent).put(LIST, list.clone()).await.expect(403);
    app.by(&head)
        .put(LIST, json!({"centre": " ", "lines": []}))
        .await
        .refused(422, "代办服务中心的名称");
    app.anonymous().get(LIST).await.expect(404);
    app.by(&head).put(LIST, list).await.expect(200);
    let public = app.anonymous().get(LIST).await.expect(200);
    assert_eq!(public["free"], true);
    assert_eq!(public["list"]["lines"][0]["name"], "施工许可");
    let (status, html) = app.get_text("/j/hanyin/agency").await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["汉阴县全程代办服务中心", "施工许可", "免费"]);

    // Two applicants, each with a case asked for a supplement.
    let company = app.company().await;
    let other = app.other_company().await;
    let mut ids = Vec::new();
    for token in [&company, &other] {
        let c = app
            .by(token)
            .post("/api/v1/cases", online(true))
            .await
            .expect(201);
        let id = c["id"].as_i64().unwrap();
        app.act(
            &desk.clerk,
            id,
            json!({"action": "notify_supplement", "missing": ["M2"]}),
        )
        .await
        .expect(200);
        ids.push(id);
    }
    let (id, other_id) = (ids[0], ids[1]);

    // Signing: only for one's own case, a real agent of the county, a sound period.
    let acts = ["fill_forms", "upload_materials", "receive_notices"];
    app.by(&other)
        .post(MANDATES, mandate(id, &acts, "2025-03-03", "2025-03-31"))
        .await
        .refused(403, "本人的办件");
    app.by(&desk.clerk)
        .post(MANDATES, mandate(id, &acts, "2025-03-03", "2025-03-31"))
        .await
        .expect(403);
    let mut not_agent = mandate(id, &acts, "2025-03-03", "2025-03-31");
    not_agent["agent"] = json!("zy.agency");
    app.by(&company)
        .post(MANDATES, not_agent)
        .await
        .refused(422, "代办员");
    app.by(&company)
        .post(MANDATES, mandate(id, &acts, "2025-03-10", "2025-03-05"))
        .await
        .refused(422, "截止日期");
    app.by(&company)
        .post(MANDATES, mandate(id, &[], "2025-03-03", "2025-03-31"))
        .await
        .refused(422, "代办权限");
    let m = app
        .by(&company)
        .post(MANDATES, mandate(id, &acts, "2025-03-03", "2025-03-31"))
        .await
        .expect(201);
    let m1 = m["id"].as_i64().unwrap();
    assert_eq!(m["state"], "live");
    assert_eq!(m["agent_name"], "测试代办员");
    assert_eq!(
        app.by(&company)
            .get(MANDATES)
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.events_of(&desk.clerk, id, "agency_mandate_sign")
            .await
            .len(),
        1
    );

    // The worklist: the agent carries the case; another agent carries nothing.
    let work = app.by(&agent).get("/api/v1/agency/work").await.expect(200);
    assert_eq!(work[0]["mandate"]["id"], m1);
    assert_eq!(work[0]["cases"][0]["id"], id);
    assert_eq!(
        work[0]["cases"][0]["asked"],
        json!([{"code": "M2", "name": "营业执照"}])
    );
    let (status, html) = app.page_text(&agent, "/work/agency").await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["补正材料：营业执照"]);
    assert_eq!(
        app.by(&agent2).get("/api/v1/agency/work").await.expect(200),
        json!([])
    );
    app.by(&company)
        .get("/api/v1/agency/work")
        .await
        .expect(403);
    app.by(&desk.clerk)
        .get("/api/v1/agency/work")
        .await
        .expect(403);

    // Outside the mandate: another agent, another county's agent, another applicant's case.
    app.by(&agent2)
        .post(&supplement_path(m1, id), with_file())
        .await
        .refused(422, "不是委托给您的");
    app.by(&far_agent)
        .post(&supplement_path(m1, id), with_file())
        .await
        .expect(403);
    app.by(&agent)
        .post(&supplement_path(m1, other_id), with_file())
        .await
        .refused(422, "其他申请人");
    // An act the mandate does not grant, and an act no mandate grants.
    app.by(&agent)
        .post_empty(&pickup_path(m1, id))
        .await
        .refused(422, "超出委托权限");
    assert!(
        app.events_of(&desk.clerk, id, "supplement")
            .await
            .is_empty()
    );
    assert!(
        app.events_of(&desk.clerk, other_id, "supplement")
            .await
            .is_empty()
    );

    // Within the mandate: the supplement with its file, logged as the agent's for the applicant.
    let v = app
        .by(&agent)
        .post(&supplement_path(m1, id), with_file())
        .await
        .expect(200);
    assert_eq!(v["case_id"], id);
    let done = app.events_of(&desk.clerk, id, "supplement").await;
    assert_eq!(done.len(), 1);
    let actor = done[0]["actor"].as_str().unwrap();
    assert!(actor.starts_with("代办员 测试代办员 代 申请人"), "{actor}");
    let notices = app
        .by(&agent)
        .get(&format!("/api/v1/agency/mandates/{m1}/notices"))
        .await
        .expect(200);
    assert!(
        notices
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["case_id"] == id),
        "{notices}"
    );
    app.by(&agent2)
        .get(&format!("/api/v1/agency/mandates/{m1}/notices"))
        .await
        .refused(422, "不是委托给您的");

    // Revocation: by the applicant only, once; afterwards the agent is refused.
    app.by(&other)
        .post_empty(&format!("{MANDATES}/{m1}/revoke"))
        .await
        .expect(403);
    let r = app
        .by(&company)
        .post_empty(&format!("{MANDATES}/{m1}/revoke"))
        .await
        .expect(200);
    assert_eq!(r["state"], "revoked");
    app.by(&company)
        .post_empty(&format!("{MANDATES}/{m1}/revoke"))
        .await
        .refused(422, "不能重复撤销");
    app.by(&agent)
        .get(&format!("/api/v1/agency/mandates/{m1}/notices"))
        .await
        .refused(422, "委托已撤销");

    // The case goes on to its licence; a second mandate to pick up the results, until 03-05.
    for (token, action) in desk.licensing(approve("符合条件")) {
        app.act(token, id, action).await.expect(200);
    }
    let m = app
        .by(&company)
        .post(
            MANDATES,
            mandate(id, &["pick_up_results"], "2025-03-03", "2025-03-05"),
        )
        .await
        .expect(201);
    let m2 = m["id"].as_i64().unwrap();
    app.by(&agent)
        .post(&supplement_path(m2, id), with_file())
        .await
        .refused(422, "超出委托权限");
    let p = app
        .by(&agent)
        .post_empty(&pickup_path(m2, id))
        .await
        .expect(200);
    assert!(
        p["recorded_as"]
            .as_str()
            .unwrap()
            .starts_with("代办员 测试代办员 代 申请人"),
        "{p}"
    );
    assert!(!p["documents"].as_array().unwrap().is_empty(), "{p}");
    let picked = app.events_of(&desk.clerk, id, "agency_pickup").await;
    assert_eq!(picked.len(), 1);

    // The rating of the agency service (好差评): by its applicant, once.
    let rating = json!({"level": "very_satisfied", "comment": "代办员服务周到"});
    app.by(&other)
        .post(&format!("{MANDATES}/{m2}/rating"), rating.clone())
        .await
        .expect(403);
    let r = app
        .by(&company)
        .post(&format!("{MANDATES}/{m2}/rating"), rating.clone())
        .await
        .expect(200);
    assert_eq!(r["subject"], "agency");
    assert_eq!(r["mandate_id"], m2);
    assert_eq!(r["department"], "agency_centre");
    app.by(&company)
        .post(&format!("{MANDATES}/{m2}/rating"), rating)
        .await
        .refused(409, "已经评价过");

    // The pages.
    let (status, html) = app.page_text(&company, "/my/mandates").await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["签署授权委托书", "测试代办员", "已撤销", "已评价"]);
    let (status, html) = app.page_text(&agent, "/work/agency").await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["代办工作台", "已撤销"]);
    let (status, _) = app.page_text(&desk.clerk, "/work/agency").await;
    assert_eq!(status, 403);
    let (status, html) = app.page_text(&head, "/work/agency/list").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("汉阴县全程代办服务中心"));

    // After its period the mandate allows nothing (a new day: the agent signs in again).
    app.clock.set(at("2025-03-06"));
    let agent = app.token("hy.agency", PASSWORD).await;
    app.by(&agent)
        .post_empty(&pickup_path(m2, id))
        .await
        .refused(422, "委托已到期");
    let clerk = app.token("hy.clerk", PASSWORD).await;
    assert_eq!(app.events_of(&clerk, id, "agency_pickup").await.len(), 1);
    app.stop().await;
}
