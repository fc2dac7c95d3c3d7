//! Hearings (听证, Art. 46–48, 45) over HTTP, on both databases: a hearing on request taken whole
//! through `POST /api/v1/cases/{id}/actions` — the notice of the right, the applicant's request,
//! the presiding officer (not the reviewer) and the applicant's recusal request decided by the
//! bureau head, the hearing with its record and signatures, the decision resting on the signed
//! record — with the sealed notices and the public announcement (`/j/{code}/hearings`, names
//! masked); and a statutory hearing (Art. 46) opened by the reviewer, with the denials.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{HANYIN, approve, review};
use yiyin_testkit::{Api, PASSWORD, at, on_both};

on_both!(
    a_hearing_on_request_runs_whole_through_the_api,
    a_statutory_hearing_is_opened_by_the_reviewer,
);

/// 王芳's login (her ID number).
const WANG: &str = "11010519491231002X";

/// Takes an action as `login`, signed in afresh (a session does not outlive the days the test's
/// clock skips).
async fn act_as(app: &Api, login: &str, id: i64, action: Value) -> yiyin_testkit::Reply {
    let token = app.token(login, PASSWORD).await;
    app.act(&token, id, action).await
}

/// The titles of the case's documents, in order.
fn titles(c: &Value) -> Vec<String> {
    c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_string())
        .collect()
}

/// The full text of the case's last document titled `title`, as `login` reads it.
async fn document_text(app: &Api, login: &str, c: &Value, title: &str) -> String {
    let id = c["id"].as_i64().unwrap();
    let doc = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|d| d["title"] == title)
        .unwrap_or_else(|| panic!("no {title}: {c}"));
    let token = app.token(login, PASSWORD).await;
    let path = format!("/api/v1/cases/{id}/documents/{}", doc["id"]);
    let record = app.by(&token).get(&path).await.expect(200);
    let paragraphs: Vec<&str> = record["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    format!("{}|{}", record["recipient"], paragraphs.join(""))
}

/// 王芳 applies online; the window accepts on 2025-03-03, the reviewer reviews. On 03-10 the
/// reviewer tells her of the right (听证告知书); she asks on 03-12 (suspended); the reviewer may
/// not preside, the chief is named for 03-24 (听证通知书, 听证公告 — public, her name masked); she
/// asks the chief to withdraw, which the chief cannot decide and the head grants, naming himself;
/// the head holds the hearing on 03-24 with two participants, one yet to sign; the decision waits
/// for the signature (or the noted refusal) and then cites the record; the 8 working days from
/// 03-12 to 03-24 are not counted, as the case page explains.
async fn a_hearing_on_request_runs_whole_through_the_api(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let person = app
        .register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let id = app.apply_online(&person).await;
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    act_as(&app, "hy.reviewer", id, review("涉及相邻权利人重大利益"))
        .await
        .expect(200);

    app.clock.set(at("2025-03-10"));
    let c = act_as(
        &app,
        "hy.reviewer",
        id,
        json!({"action": "notify_hearing_right"}),
    )
    .await
    .expect(200);
    assert!(titles(&c).contains(&"听证告知书".to_string()), "{c}");
    let text = document_text(&app, "hy.reviewer", &c, "听证告知书").await;
    assert!(
        text.contains("2025年3月17日前") && text.contains("第四十七条"),
        "{text}"
    );

    // The applicant asks in her own name, whatever the body says.
    app.clock.set(at("2025-03-12"));
    let ask = json!({"action": "request_hearing", "reason": "相邻权利", "by": "利害关系人 张三"});
    let c = act_as(&app, WANG, id, ask).await.expect(200);
    assert_eq!(c["state"], "suspended", "{c}");
    assert_eq!(c["case"]["hearing"]["requested_by"], "申请人", "{c}");

    app.clock.set(at("2025-03-13"));
    let schedule = |presiding: &str| {
        json!({"action": "schedule_hearing", "on": "2025-03-24", "presiding": presiding,
               "place": "汉阴县政务服务中心三楼听证室"})
    };
    act_as(&app, "hy.reviewer", id, schedule("hy.reviewer"))
        .await
        .refused(422, "第四十八条第一款第（三）项");
    act_as(&app, "hy.reviewer", id, schedule("nobody"))
        .await
        .refused(422, "听证主持人");
    act_as(&app, "hy.reviewer", id, schedule(""))
        .await
        .refused(422, "听证主持人");
    act_as(&app, WANG, id, schedule("hy.chief"))
        .await
        .refused(403, "");
    let c = act_as(&app, "hy.reviewer", id, schedule("hy.chief"))
        .await
        .expect(200);
    let t = titles(&c);
    assert!(
        t.contains(&"听证通知书".into()) && t.contains(&"听证公告".into()),
        "{t:?}"
    );
    let notice = document_text(&app, "hy.reviewer", &c, "听证通知书").await;
    assert!(
        notice.contains("2025年3月24日")
            && notice.contains("三楼听证室")
            && notice.contains("测试科室负责人")
            && notice.contains("王芳及利害关系人"),
        "{notice}"
    );

    // The public announcement masks the applicant's and the officer's names.
    let (status, html) = app.get_text(&format!("/j/{HANYIN}/hearings")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("听证公告") && html.contains("2025年3月24日") && html.contains("王*"),
        "{html}"
    );
    assert!(
        !html.contains("王芳") && !html.contains("测试科室负责人"),
        "{html}"
    );
    assert!(!html.contains("11010519491231002X"), "{html}");
    assert_eq!(app.get_text("/j/nowhere/hearings").await.0, 404);

    // A recusal: asked by the applicant, decided by the head only.
    app.clock.set(at("2025-03-14"));
    let recuse = json!({"action": "request_recusal", "reason": "主持人曾参与本项目前期咨询"});
    act_as(
        &app,
        WANG,
        id,
        json!({"action": "request_recusal", "reason": ""}),
    )
    .await
    .refused(422, "回避");
    act_as(&app, WANG, id, recuse).await.expect(200);
    let grant = json!({"action": "decide_recusal", "granted": true, "presiding": "hy.head",
                       "reason": "理由成立"});
    act_as(&app, "hy.chief", id, grant.clone())
        .await
        .refused(403, "");
    let hold = json!({"action": "hold_hearing", "record": "申请人陈述意见；利害关系人质证。",
        "participants": [{"name": "王芳", "role": "申请人", "signed": true},
                         {"name": "张三", "role": "利害关系人"}]});
    let c = act_as(&app, "hy.head", id, grant).await.expect(200);
    assert!(
        c["case"]["hearing"]["presiding"]
            .as_str()
            .unwrap()
            .contains("hy.head"),
        "{c}"
    );
    assert_eq!(c["case"]["hearing"]["recusals"][0]["granted"], true, "{c}");

    app.clock.set(at("2025-03-24"));
    act_as(&app, "hy.reviewer", id, hold.clone())
        .await
        .refused(403, "");
    act_as(
        &app,
        "hy.head",
        id,
        json!({"action": "hold_hearing", "record": "笔录"}),
    )
    .await
    .refused(422, "听证参加人");
    let c = act_as(&app, "hy.head", id, hold).await.expect(200);
    assert_eq!(c["state"], "accepted", "{c}");
    assert_eq!(c["clock"]["suspended_working_days"], 8, "{c}");
    act_as(&app, "hy.chief", id, approve("根据听证笔录，符合条件"))
        .await
        .refused(422, "张三（利害关系人）");
    let sign = json!({"action": "confirm_hearing_record", "name": "张三", "signed": false,
                      "refusal": "认为笔录遗漏其意见，拒绝签字"});
    act_as(&app, "hy.reviewer", id, sign.clone())
        .await
        .refused(403, "");
    act_as(&app, "hy.head", id, sign).await.expect(200);
    let c = act_as(&app, "hy.chief", id, approve("根据听证笔录，符合条件"))
        .await
        .expect(200);
    assert_eq!(c["state"], "decided", "{c}");
    let letter = document_text(&app, "hy.chief", &c, "准予行政许可决定书").await;
    assert!(
        letter.contains("根据听证笔录") && letter.contains("2025年3月24日依法举行听证"),
        "{letter}"
    );

    // The case page explains the hearing time not counted, and shows the record's signatures.
    let token = app.token("hy.chief", PASSWORD).await;
    let (status, html) = app.page_text(&token, &format!("/work/cases/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("听证不计入"), "{html}");
    assert!(html.contains("拒绝签字（认为笔录遗漏其意见"), "{html}");
    // The hearing box names who asked, the applicant by name (not 申请人 twice).
    assert!(
        html.contains("<dt>听证申请人</dt><dd>申请人 王芳</dd>")
            && html.contains("申请人 王芳 申请")
            && !html.contains("<dd>申请人</dd>"),
        "{html}"
    );
    app.stop().await;
}

/// Art. 46: the reviewer opens a statutory hearing with its basis (the clerk may not; without a
/// basis it is refused), an interested party's request joins it rather than starting another,
/// the 7-day notice holds, and the hearing may be held only on its date.
async fn a_statutory_hearing_is_opened_by_the_reviewer(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let id = app.received(&desk.clerk).await;
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let open = |reason: &str| json!({"action": "open_hearing", "reason": reason});
    app.act(&desk.clerk, id, open("涉及公共利益"))
        .await
        .refused(403, "");
    app.act(&desk.reviewer, id, open(""))
        .await
        .refused(422, "第四十六条");
    let c = app
        .act(&desk.reviewer, id, open("涉及公共利益的重大行政许可事项"))
        .await
        .expect(200);
    assert_eq!(c["state"], "suspended", "{c}");
    assert_eq!(c["case"]["hearing"]["statutory"], true, "{c}");
    let joins = json!({"action": "request_hearing", "by": "利害关系人 李四"});
    app.act(&desk.clerk, id, joins)
        .await
        .refused(422, "第四十六条");
    // add(03-03, 7) = 03-12.
    let schedule = |on: &str| json!({"action": "schedule_hearing", "on": on, "presiding": "hy.chief", "place": "听证室"});
    app.act(&desk.reviewer, id, schedule("2025-03-11"))
        .await
        .refused(422, "2025-03-12");
    let c = app
        .act(&desk.reviewer, id, schedule("2025-03-12"))
        .await
        .expect(200);
    assert!(titles(&c).contains(&"听证公告".to_string()), "{c}");
    let hold = json!({"action": "hold_hearing", "record": "笔录",
        "participants": [{"name": "月河餐饮", "role": "申请人", "signed": true}]});
    app.act(&desk.chief, id, hold.clone())
        .await
        .refused(422, "2025-03-12");
    let (_, html) = app.get_text(&format!("/j/{HANYIN}/hearings")).await;
    // An organisation is named in full.
    assert!(
        html.contains("汉阴县月河餐饮有限公司") && html.contains("依法组织"),
        "{html}"
    );
    app.clock.set(at("2025-03-12"));
    let c = act_as(&app, "hy.chief", id, hold).await.expect(200);
    assert_eq!(c["state"], "accepted", "{c}");
    assert_eq!(c["case"]["hearing"]["held_on"], "2025-03-12", "{c}");
    app.stop().await;
}
