//! The case API against a real server, on both databases: the whole lifecycle, the rules refused
//! with their article, optimistic concurrency, idempotency, tracking, and who may do what.

mod common;

use common::App;
use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::on_both;

on_both!(
    window_to_certificate_lifecycle,
    forbidden_actions_name_the_rule,
    stale_version_is_a_conflict,
    idempotency_key_makes_one_case,
    roles_and_jurisdictions_are_enforced,
    applicants_apply_online_and_see_only_their_own,
    online_applications_need_the_attestation,
    cookie_writes_need_the_csrf_token,
    bad_input_is_refused_in_chinese,
    documents_print_for_those_who_may_see_them,
);

fn intake_body(materials: &[&str]) -> Value {
    json!({
        "jurisdiction": "hanyin",
        "item_code": "HY-SC-001",
        "applicant": {"kind": "organisation", "name": "汉阴县月河餐饮有限公司", "id_number": "91350100M000100Y43", "phone": "13800000000"},
        "materials": materials,
    })
}

/// An online application for HY-SC-001 by the applicant's own account, attested (Art. 31) or not.
fn online_body(attested: bool) -> Value {
    json!({"jurisdiction": "hanyin", "item_code": "HY-SC-001", "materials": ["M1", "M2"], "attested": attested})
}

/// Registers 王芳 (a person) and returns her bearer token.
async fn wang_fang(app: &App) -> String {
    let (s, body) = app
        .call("POST", "/api/v1/applicants", None, Some(json!({"kind": "person", "name": "王芳", "id_number": "11010519491231002X", "phone": "13912345678", "password": "wangfang2025"})))
        .await;
    assert_eq!(s, 201, "{body}");
    app.token("11010519491231002X", "wangfang2025").await
}

async fn act(app: &App, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.call(
        "POST",
        &format!("/api/v1/cases/{id}/actions"),
        Some(token),
        Some(body),
    )
    .await
}

async fn window_to_certificate_lifecycle(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let reviewer = app
        .staff("hy.reviewer", Role::Reviewer, "hanyin", None)
        .await;
    let chief = app
        .staff("hy.chief", Role::SectionChief, "hanyin", None)
        .await;
    let (status, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake_body(&["M1"])),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_i64().unwrap();
    assert!(case["number"].as_str().unwrap().starts_with("HY2025"));
    assert_eq!(case["clock"]["supplement_notice_due"], "2025-03-10");
    assert!(
        case["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("notify_supplement"))
    );

    let (s, c) = act(
        &app,
        &clerk,
        id,
        json!({"action": "notify_supplement", "missing": ["M2"], "version": 1}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    let (s, c) = act(
        &app,
        &clerk,
        id,
        json!({"action": "supplement", "materials": ["M2"]}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    let (s, c) = act(&app, &clerk, id, json!({"action": "accept"})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["clock"]["statutory_due"], "2025-03-31");
    assert_eq!(c["next_role"], "reviewer");
    // The reviewer's worklist holds it, with its light.
    let (s, list) = app
        .call("GET", "/api/v1/cases?mine=true", Some(&reviewer), None)
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["light"], "green");
    let (s, c) = act(&app, &reviewer, id, json!({"action": "complete_step", "kind": "review", "staff": ["李娜"], "opinion": "材料齐全真实，符合许可条件"})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["next_role"], "section_chief");
    let (s, c) = act(&app, &chief, id, json!({"action": "decide", "approve": true, "reason": "符合《中华人民共和国食品安全法》第三十五条规定的条件"})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["clock"]["certificate_due"], "2025-03-17");
    let (s, c) = act(&app, &clerk, id, json!({"action": "issue_certificate"})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "certificate_issued");
    let titles: Vec<&str> = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "收件凭证",
            "补正材料通知书",
            "受理通知书",
            "准予行政许可决定书",
            "食品经营许可证"
        ]
    );
    let doc_id = c["documents"][1]["id"].as_i64().unwrap();
    let (s, doc) = app
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/documents/{doc_id}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(doc["list"], json!(["营业执照"]));
    let actions: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "receive",
            "notify_supplement",
            "supplement",
            "accept",
            "complete_step",
            "decide",
            "issue_certificate"
        ]
    );
    assert!(
        c["events"][3]["actor"]
            .as_str()
            .unwrap()
            .contains("窗口受理人员")
    );
    app.stop().await;
}

async fn forbidden_actions_name_the_rule(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let chief = app
        .staff("hy.chief", Role::SectionChief, "hanyin", None)
        .await;
    let head = app.staff("hy.head", Role::BureauHead, "hanyin", None).await;
    let (_, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake_body(&["M1", "M2"])),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let (s, e) = act(
        &app,
        &chief,
        id,
        json!({"action": "decide", "approve": true, "reason": "x"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["code"], "rule_refused");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第三十二条"),
        "{e}"
    );
    act(&app, &clerk, id, json!({"action": "accept"})).await;
    let (s, _) = act(
        &app,
        &head,
        id,
        json!({"action": "extend", "reason": "情况复杂", "approved_by": "head"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = act(
        &app,
        &head,
        id,
        json!({"action": "extend", "reason": "仍需时间", "approved_by": "head"}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("依据《行政许可法》第四十二条，延期只能批准一次"),
        "{e}"
    );
    assert_eq!(e["error"]["details"], json!(["AL-12"]));
    app.stop().await;
}

async fn stale_version_is_a_conflict(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let clerk2 = app
        .staff("hy.clerk2", Role::WindowClerk, "hanyin", None)
        .await;
    let (_, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake_body(&["M1", "M2"])),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    let (a, b) = tokio::join!(
        act(&app, &clerk, id, json!({"action": "accept", "version": 1})),
        act(
            &app,
            &clerk2,
            id,
            json!({"action": "refuse", "reason": "不属于本机关职权", "version": 1})
        ),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let loser = if a.0 == 409 { a.1 } else { b.1 };
    assert!(
        loser["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人更新")
    );
    app.stop().await;
}

async fn idempotency_key_makes_one_case(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let send = || async {
        let r = reqwest::Client::new()
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&clerk)
            .header("Idempotency-Key", "intake-2025-0001")
            .json(&intake_body(&["M1"]))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body["id"].as_i64().unwrap())
    };
    let (s1, id1) = send().await;
    let (s2, id2) = send().await;
    assert_eq!((s1, s2), (201, 200));
    assert_eq!(id1, id2);
    assert_eq!(app.store.case_count().await.unwrap(), 1);

    // A client that needs only the next version asks for the brief answer.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/cases/{id1}/actions")))
        .bearer_auth(&clerk)
        .header("Prefer", "return=minimal")
        .json(&json!({"action": "correct", "note": "更正错字", "version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["preference-applied"], "return=minimal");
    let brief: Value = r.json().await.unwrap();
    assert_eq!(brief["id"], id1);
    assert_eq!(brief["version"], 2, "{brief}");
    assert!(
        brief.get("events").is_none() && brief.get("clock").is_none(),
        "{brief}"
    );
    app.stop().await;
}

async fn roles_and_jurisdictions_are_enforced(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let (_, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake_body(&["M1", "M2"])),
        )
        .await;
    let id = case["id"].as_i64().unwrap();
    act(&app, &clerk, id, json!({"action": "accept"})).await;
    let path = format!("/api/v1/cases/{id}");
    // (login, role, jurisdiction, department, may view, may decide)
    type Row<'a> = (&'a str, Role, &'a str, Option<&'a str>, bool, bool);
    let cases: [Row; 10] = [
        ("zy.chief", Role::SectionChief, "ziyang", None, false, false),
        (
            "zy.discipline",
            Role::DisciplineSupervisor,
            "ziyang",
            None,
            false,
            false,
        ),
        ("hy.chief", Role::SectionChief, "hanyin", None, true, true),
        ("hy.reviewer", Role::Reviewer, "hanyin", None, true, false),
        (
            "hy.gongan.chief",
            Role::SectionChief,
            "hanyin",
            Some("gongan"),
            false,
            false,
        ),
        (
            "hy.sup.shichang",
            Role::DepartmentSupervisor,
            "hanyin",
            Some("shichang"),
            true,
            false,
        ),
        (
            "hy.sup.huanbao",
            Role::DepartmentSupervisor,
            "hanyin",
            Some("huanbao"),
            false,
            false,
        ),
        (
            "hy.observer",
            Role::Observer,
            "hanyin",
            Some("shichang"),
            true,
            false,
        ),
        (
            "hy.discipline",
            Role::DisciplineSupervisor,
            "hanyin",
            None,
            true,
            false,
        ),
        (
            "hy.catalog",
            Role::CatalogAdmin,
            "hanyin",
            None,
            false,
            false,
        ),
    ];
    for (login, role, j, dept, view, decide) in cases {
        let token = app.staff(login, role, j, dept).await;
        let (s, body) = app.call("GET", &path, Some(&token), None).await;
        assert_eq!(s == 200, view, "{login} view: {s} {body}");
        if !view {
            assert_eq!(s, 403);
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("无权"),
                "{body}"
            );
        }
        let (s, body) = act(
            &app,
            &token,
            id,
            json!({"action": "decide", "approve": false, "reason": "测试"}),
        )
        .await;
        if decide {
            // Allowed by role; refused by the procedure (the review step comes first).
            assert_eq!(s, 422, "{login}: {body}");
        } else {
            assert_eq!(s, 403, "{login} decide: {body}");
        }
        let (_, list) = app.call("GET", "/api/v1/cases", Some(&token), None).await;
        let listed = list
            .as_array()
            .map(|l| l.iter().any(|c| c["id"] == id))
            .unwrap_or(false);
        assert_eq!(listed, view, "{login} list");
    }
    let (s, _) = app.call("GET", &path, None, None).await;
    assert_eq!(s, 401);
    // A clerk of another county cannot receive into this one.
    let zy = app
        .staff("zy.clerk", Role::WindowClerk, "ziyang", None)
        .await;
    let (s, body) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&zy),
            Some(intake_body(&["M1"])),
        )
        .await;
    assert_eq!(s, 403, "{body}");
    app.stop().await;
}

async fn applicants_apply_online_and_see_only_their_own(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let me = wang_fang(&app).await;
    let (s, case) = app
        .call("POST", "/api/v1/cases", Some(&me), Some(online_body(true)))
        .await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(case["channel"], "online");
    assert_eq!(case["applicant"]["name"], "王芳");
    let id = case["id"].as_i64().unwrap();
    let (s, _) = act(&app, &me, id, json!({"action": "accept"})).await;
    assert_eq!(s, 403);
    let (_, list) = app.call("GET", "/api/v1/cases", Some(&me), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Someone else's case is not theirs.
    app.call("POST", "/api/v1/applicants", None, Some(json!({"kind": "organisation", "name": "某公司", "id_number": "916100002205253740", "phone": "13912345679", "password": "gongsi2025a"}))).await;
    let other = app.token("916100002205253740", "gongsi2025a").await;
    let (s, body) = app
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&other), None)
        .await;
    assert_eq!(s, 403, "{body}");
    // Anyone with the number and query code can follow it.
    let rec = app.store.case(id).await.unwrap();
    let (s, t) = app
        .call(
            "GET",
            &format!(
                "/api/v1/track?number={}&code={}",
                rec.number, rec.query_code
            ),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(t["state_label"], "已收件");
    assert!(t.get("applicant").is_none());
    let (s, _) = app
        .call(
            "GET",
            &format!("/api/v1/track?number={}&code=WRONG1", rec.number),
            None,
            None,
        )
        .await;
    assert_eq!(s, 404);
    // The applicant withdraws.
    let (s, c) = act(
        &app,
        &me,
        id,
        json!({"action": "withdraw", "reason": "暂不开业"}),
    )
    .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "withdrawn");
    app.stop().await;
}

/// Art. 31: an applicant applying online answers for the truth of the materials; without the
/// attestation nothing is received. (A deliberate change of the refactor: the API used to take
/// online applications without it.)
async fn online_applications_need_the_attestation(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let me = wang_fang(&app).await;
    let mut unattested = online_body(true);
    unattested
        .as_object_mut()
        .unwrap()
        .remove("attested")
        .unwrap();
    for body in [unattested, online_body(false)] {
        let (s, e) = app
            .call("POST", "/api/v1/cases", Some(&me), Some(body))
            .await;
        assert_eq!(s, 422, "{e}");
        assert_eq!(e["error"]["code"], "rule_refused", "{e}");
        assert_eq!(e["error"]["details"], json!(["AL-06"]), "{e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("《行政许可法》第三十一条"),
            "{e}"
        );
    }
    assert_eq!(app.store.case_count().await.unwrap(), 0, "nothing received");
    let (s, case) = app
        .call("POST", "/api/v1/cases", Some(&me), Some(online_body(true)))
        .await;
    assert_eq!(s, 201, "{case}");
    assert_eq!(app.store.case_count().await.unwrap(), 1);
    app.stop().await;
}

async fn cookie_writes_need_the_csrf_token(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    app.staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "hy.clerk", "password": "ceshi2025"}))
        .send()
        .await
        .unwrap();
    let csrf = r.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .json(&intake_body(&["M1"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("X-CSRF-Token", &csrf)
        .json(&intake_body(&["M1"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    app.stop().await;
}

async fn bad_input_is_refused_in_chinese(backend: Backend) {
    let app = App::spawn(backend, "2025-03-03").await;
    let clerk = app
        .staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let mut body = intake_body(&["M1"]);
    body["applicant"]["id_number"] = json!("91350100M000100Y44");
    let (s, e) = app
        .call("POST", "/api/v1/cases", Some(&clerk), Some(body))
        .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("校验码错误"),
        "{e}"
    );
    let (s, e) = app.call("POST", "/api/v1/cases", Some(&clerk), Some(json!({"jurisdiction": "hanyin", "item_code": "HY-NOPE", "applicant": intake_body(&[])["applicant"]}))).await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("目录之外无审批"),
        "{e}"
    );
    let (_, case) = app
        .call(
            "POST",
            "/api/v1/cases",
            Some(&clerk),
            Some(intake_body(&["M1"])),
        )
        .await;
    let (s, e) = act(
        &app,
        &clerk,
        case["id"].as_i64().unwrap(),
        json!({"action": "fly"}),
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("操作格式有误"),
        "{e}"
    );
    let (s, e) = app
        .call(
            "POST",
            "/api/v1/session",
            None,
            Some(json!({"login": "hy.clerk", "password": "nope"})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["message"], "账号或密码错误");
    assert_eq!(app.store.case_count().await.unwrap(), 1);
    app.stop().await;
}

async fn documents_print_for_those_who_may_see_them(backend: Backend) {
    let app = App::spawn_sealed(backend, "2025-03-03").await;
    app.staff("hy.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    let r = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "hy.clerk", "password": "ceshi2025"}))
        .send()
        .await
        .unwrap();
    let csrf = r.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let case: Value = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("X-CSRF-Token", &csrf)
        .json(&intake_body(&["M1"]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = case["id"].as_i64().unwrap();
    let case: Value = app
        .client
        .post(app.url(&format!("/api/v1/cases/{id}/actions")))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"action": "notify_supplement", "missing": ["M2"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let doc = case["documents"][1]["id"].as_i64().unwrap();
    let page = app
        .client
        .get(app.url(&format!("/cases/{id}/documents/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    for phrase in [
        "补正材料通知书",
        "汉阴审批补字〔2025〕",
        "<li>营业执照</li>",
        "汉阴县行政审批服务局行政审批专用章",
    ] {
        assert!(html.contains(phrase), "{phrase}");
    }
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&format!("/cases/{id}/documents/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        anonymous.status().as_u16(),
        303,
        "anonymous visitors go to the login page"
    );
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login"),
        "anonymous readers are sent to log in"
    );
    let zy = app
        .staff("zy.clerk", Role::WindowClerk, "ziyang", None)
        .await;
    let other = reqwest::Client::new()
        .get(app.url(&format!("/cases/{id}/documents/{doc}")))
        .bearer_auth(&zy)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 403);
    app.stop().await;
}
