//! The case API against a real server, on both databases: the whole lifecycle, the rules refused
//! with their article, optimistic concurrency, idempotency, tracking, and who may do what.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::app::grant;
use yiyin_testkit::fixtures::{SUPPLEMENTED_DOCUMENTS, SUPPLEMENTED_TO_LICENCE};
use yiyin_testkit::web::{HANYIN, actions, approve, intake, online, review};
use yiyin_testkit::{Api, PASSWORD, assert_says, at, on_both};

on_both!(
    an_applicant_asks_for_a_hearing_on_their_page,
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
    hearing_on_request_suspends_the_clock_and_precedes_the_decision,
);

/// Registers 王芳 (a person) and returns her bearer token.
async fn wang_fang(app: &Api) -> String {
    app.register("person", "王芳", "11010519491231002X", "wangfang2025")
        .await
}

/// The values of `field` in the objects of the array `list`.
fn each<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    let items = list.as_array().expect("an array");
    items.iter().map(|x| x[field].as_str().unwrap()).collect()
}

/// A step of a case: who takes it (their token), the action, and what the case shows after it
/// (JSON pointer, value).
type Step<'a> = (&'a String, Value, Vec<(&'a str, &'a str)>);

/// Takes each step, asserting what the case shows after it; returns the last view.
async fn take_steps<const N: usize>(app: &Api, id: i64, steps: [Step<'_>; N]) -> Value {
    let mut c = Value::Null;
    for (token, action, shows) in steps {
        c = app.act(token, id, action).await.expect(200);
        for (pointer, value) in shows {
            assert_eq!(c.pointer(pointer).unwrap(), value, "{pointer}: {c}");
        }
    }
    c
}

async fn window_to_certificate_lifecycle(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let case = app.receive(&desk.clerk, &["M1"]).await;
    let id = case["id"].as_i64().unwrap();
    assert!(case["number"].as_str().unwrap().starts_with("HY2025"));
    assert_eq!(case["clock"]["supplement_notice_due"], "2025-03-10");
    let allowed = case["allowed_actions"].as_array().unwrap();
    assert!(allowed.contains(&json!("notify_supplement")));

    // Each step by the one whose duty it is, and what the case shows after it.
    let before_review = [
        (
            &desk.clerk,
            json!({"action": "notify_supplement", "missing": ["M2"], "version": 1}),
            vec![],
        ),
        (
            &desk.clerk,
            json!({"action": "supplement", "materials": ["M2"]}),
            vec![],
        ),
        (
            &desk.clerk,
            json!({"action": "accept"}),
            vec![
                ("/clock/statutory_due", "2025-03-31"),
                ("/next_role", "reviewer"),
            ],
        ),
    ];
    take_steps(&app, id, before_review).await;
    // The reviewer's worklist holds it, with its light.
    let list = app
        .by(&desk.reviewer)
        .get("/api/v1/cases?mine=true")
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["light"], "green");
    let to_certificate = [
        (
            &desk.reviewer,
            review("材料齐全真实，符合许可条件"),
            vec![("/next_role", "section_chief")],
        ),
        (
            &desk.chief,
            approve("符合《中华人民共和国食品安全法》第三十五条规定的条件"),
            vec![("/clock/certificate_due", "2025-03-17")],
        ),
        (
            &desk.clerk,
            json!({"action": "issue_certificate"}),
            vec![("/state", "certificate_issued")],
        ),
    ];
    let c = take_steps(&app, id, to_certificate).await;
    assert_eq!(each(&c["documents"], "title"), SUPPLEMENTED_DOCUMENTS);
    let doc_id = c["documents"][1]["id"].as_i64().unwrap();
    let doc = app
        .by(&desk.clerk)
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}"))
        .await;
    assert_eq!(doc.expect(200)["list"], json!(["营业执照"]));
    assert_eq!(each(&c["events"], "action"), SUPPLEMENTED_TO_LICENCE);
    assert!(
        c["events"][3]["actor"]
            .as_str()
            .unwrap()
            .contains("窗口受理人员")
    );
    app.stop().await;
}

async fn forbidden_actions_name_the_rule(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let id = app.received(&desk.clerk).await;
    let e = app
        .act(&desk.chief, id, approve("x"))
        .await
        .refused(422, "第三十二条");
    assert_eq!(e["error"]["code"], "rule_refused");
    app.act(&desk.clerk, id, json!({"action": "accept"})).await;
    let extend =
        |reason: &str| json!({"action": "extend", "reason": reason, "approved_by": "head"});
    app.act(&head, id, extend("情况复杂")).await.expect(200);
    let e = app.act(&head, id, extend("仍需时间")).await;
    let e = e.refused(422, "依据《行政许可法》第四十二条，延期只能批准一次");
    assert_eq!(e["error"]["details"], json!(["AL-12"]));
    app.stop().await;
}

async fn stale_version_is_a_conflict(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let clerk2 = app.staff("hy.clerk2", Role::WindowClerk, HANYIN).await;
    let id = app.receive(&clerk, &["M1", "M2"]).await["id"]
        .as_i64()
        .unwrap();
    let (a, b) = tokio::join!(
        app.act(&clerk, id, json!({"action": "accept", "version": 1})),
        app.act(
            &clerk2,
            id,
            json!({"action": "refuse", "reason": "不属于本机关职权", "version": 1})
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let loser = if a.status == 409 { a } else { b };
    loser.refused(409, "已被他人更新");
    app.stop().await;
}

async fn idempotency_key_makes_one_case(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let send = || async {
        let r = app
            .request("POST", "/api/v1/cases", Some(&clerk), Some(intake(&["M1"])))
            .header("Idempotency-Key", "intake-2025-0001")
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
    let correct = json!({"action": "correct", "note": "更正错字", "version": 1});
    let r = app
        .request("POST", &actions(id1), Some(&clerk), Some(correct))
        .header("Prefer", "return=minimal")
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
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let id = app.receive(&clerk, &["M1", "M2"]).await["id"]
        .as_i64()
        .unwrap();
    app.act(&clerk, id, json!({"action": "accept"})).await;
    let path = format!("/api/v1/cases/{id}");
    // (login, role, jurisdiction, department, may view, may decide)
    let cases = [
        ("zy.chief", Role::SectionChief, "ziyang", None, false, false),
        (
            "zy.discipline",
            Role::DisciplineSupervisor,
            "ziyang",
            None,
            false,
            false,
        ),
        ("hy.chief", Role::SectionChief, HANYIN, None, true, true),
        ("hy.reviewer", Role::Reviewer, HANYIN, None, true, false),
        (
            "hy.gongan.chief",
            Role::SectionChief,
            HANYIN,
            Some("gongan"),
            false,
            false,
        ),
        (
            "hy.sup.shichang",
            Role::DepartmentSupervisor,
            HANYIN,
            Some("shichang"),
            true,
            false,
        ),
        (
            "hy.sup.huanbao",
            Role::DepartmentSupervisor,
            HANYIN,
            Some("huanbao"),
            false,
            false,
        ),
        (
            "hy.observer",
            Role::Observer,
            HANYIN,
            Some("shichang"),
            true,
            false,
        ),
        (
            "hy.discipline",
            Role::DisciplineSupervisor,
            HANYIN,
            None,
            true,
            false,
        ),
        ("hy.catalog", Role::CatalogAdmin, HANYIN, None, false, false),
    ];
    for (login, role, j, dept, view, decide) in cases {
        let token = app.staff_with(login, grant(role, j, dept)).await;
        let seen = app.by(&token).get(&path).await;
        assert_eq!(seen.status == 200, view, "{login} view: {seen:?}");
        if !view {
            let e = seen.expect(403);
            let message = e["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("无权"), "{e}");
        }
        // Allowed by role, a decision is refused by the procedure (the review step comes first).
        let decided = app
            .act(
                &token,
                id,
                json!({"action": "decide", "approve": false, "reason": "测试"}),
            )
            .await;
        assert_eq!(
            decided.status,
            if decide { 422 } else { 403 },
            "{login} decide: {decided:?}"
        );
        // A malformed action: those with no duty to act on the case are refused before the body
        // is looked at (authorisation before validation).
        let malformed = app
            .act(&token, id, json!({"action": "decide", "approve": "也许"}))
            .await;
        let may_act = decide || login == "hy.reviewer";
        assert_eq!(
            malformed.status,
            if may_act { 422 } else { 403 },
            "{login} malformed: {malformed:?}"
        );
        let list = app.by(&token).get("/api/v1/cases").await.body;
        let listed = list
            .as_array()
            .map(|l| l.iter().any(|c| c["id"] == id))
            .unwrap_or(false);
        assert_eq!(listed, view, "{login} list");
    }
    app.anonymous().get(&path).await.expect(401);
    // A clerk of another county cannot receive into this one.
    let zy = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    app.by(&zy)
        .post("/api/v1/cases", intake(&["M1"]))
        .await
        .expect(403);
    app.stop().await;
}

async fn applicants_apply_online_and_see_only_their_own(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let me = wang_fang(&app).await;
    let case = app
        .by(&me)
        .post("/api/v1/cases", online(true))
        .await
        .expect(201);
    assert_eq!(case["channel"], "online");
    assert_eq!(case["applicant"]["name"], "王芳");
    let id = case["id"].as_i64().unwrap();
    app.act(&me, id, json!({"action": "accept"}))
        .await
        .expect(403);
    let list = app.by(&me).get("/api/v1/cases").await.body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Someone else's case is not theirs.
    let other = app.other_company().await;
    app.by(&other)
        .get(&format!("/api/v1/cases/{id}"))
        .await
        .expect(403);
    // Anyone with the number and query code can follow it.
    let rec = app.store.case(id).await.unwrap();
    let track = format!("/api/v1/track?number={}&code=", rec.number);
    let t = app
        .anonymous()
        .get(&format!("{track}{}", rec.query_code))
        .await
        .expect(200);
    assert_eq!(t["state_label"], "已收件");
    assert!(t.get("applicant").is_none());
    app.anonymous()
        .get(&format!("{track}WRONG1"))
        .await
        .expect(404);
    // The applicant withdraws.
    let c = app
        .act(&me, id, json!({"action": "withdraw", "reason": "暂不开业"}))
        .await
        .expect(200);
    assert_eq!(c["state"], "withdrawn");
    app.stop().await;
}

/// Art. 31: an applicant applying online answers for the truth of the materials; without the
/// attestation nothing is received. (A deliberate change of the refactor: the API used to take
/// online applications without it.)
async fn online_applications_need_the_attestation(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let me = wang_fang(&app).await;
    let mut unattested = online(true);
    unattested
        .as_object_mut()
        .unwrap()
        .remove("attested")
        .unwrap();
    for body in [unattested, online(false)] {
        let r = app.by(&me).post("/api/v1/cases", body).await;
        let e = r.refused(422, "《行政许可法》第三十一条");
        assert_eq!(e["error"]["code"], "rule_refused", "{e}");
        assert_eq!(e["error"]["details"], json!(["AL-06"]), "{e}");
    }
    assert_eq!(app.store.case_count().await.unwrap(), 0, "nothing received");
    app.by(&me)
        .post("/api/v1/cases", online(true))
        .await
        .expect(201);
    assert_eq!(app.store.case_count().await.unwrap(), 1);
    app.stop().await;
}

/// Logs the clerk in with the cookie client; returns the session's CSRF token.
async fn cookie_session(app: &Api) -> String {
    app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    app.browser_login("hy.clerk").await
}

/// A JSON write with the cookie client, with the CSRF token or without.
async fn cookie_post(app: &Api, path: &str, csrf: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(csrf) = csrf {
        req = req.header("X-CSRF-Token", csrf);
    }
    req.send().await.unwrap()
}

async fn cookie_writes_need_the_csrf_token(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let csrf = cookie_session(&app).await;
    let r = cookie_post(&app, "/api/v1/cases", None, intake(&["M1"])).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = cookie_post(&app, "/api/v1/cases", Some(&csrf), intake(&["M1"])).await;
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(app.get("/api/v1/me").await.status().as_u16(), 200);
    app.stop().await;
}

async fn bad_input_is_refused_in_chinese(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let by_clerk = app.by(&clerk);
    let mut body = intake(&["M1"]);
    body["applicant"]["id_number"] = json!("91350100M000100Y44");
    by_clerk
        .post("/api/v1/cases", body)
        .await
        .refused(422, "校验码错误");
    let applicant = intake(&[])["applicant"].clone();
    let nope = json!({"jurisdiction": HANYIN, "item_code": "HY-NOPE", "applicant": applicant});
    by_clerk
        .post("/api/v1/cases", nope)
        .await
        .refused(422, "目录之外无审批");
    let id = app.receive(&clerk, &["M1"]).await["id"].as_i64().unwrap();
    let fly = app.act(&clerk, id, json!({"action": "fly"})).await;
    fly.refused(422, "操作格式有误");
    let wrong = json!({"login": "hy.clerk", "password": "nope"});
    app.anonymous()
        .post("/api/v1/session", wrong)
        .await
        .refused(422, "账号或密码错误");
    assert_eq!(app.store.case_count().await.unwrap(), 1);
    app.stop().await;
}

async fn documents_print_for_those_who_may_see_them(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let csrf = cookie_session(&app).await;
    let r = cookie_post(&app, "/api/v1/cases", Some(&csrf), intake(&["M1"])).await;
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let notice = json!({"action": "notify_supplement", "missing": ["M2"]});
    let r = cookie_post(&app, &actions(id), Some(&csrf), notice).await;
    let doc = r.json::<Value>().await.unwrap()["documents"][1]["id"]
        .as_i64()
        .unwrap();
    let page = format!("/cases/{id}/documents/{doc}");
    let (status, html) = app.get_text(&page).await;
    assert_eq!(status, 200);
    let notice = [
        "补正材料通知书",
        "汉阴审批补字〔2025〕",
        "<li>营业执照</li>",
        "汉阴县行政审批服务局行政审批专用章",
    ];
    assert_says(&html, &notice);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(&page))
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
    let zy = app.staff("zy.clerk", Role::WindowClerk, "ziyang").await;
    assert_eq!(app.page(&zy, &page).await.0, 403);
    app.stop().await;
}

/// A hearing on request (Art. 47–48, 45) through `POST /api/v1/cases/{id}/actions`: the reviewer
/// notifies the right on 2025-03-10, the window records the request on 03-12 (the case suspended),
/// a decision before the hearing is refused naming Art. 48, the reviewer fixes 03-24 (add(03-13, 7)
/// = 03-24 ≤ add(03-12, 20) = 04-10), the chief holds it on that day and decides. The statutory
/// due date moves from add(03-03, 20) = 03-31 by between(03-12, 03-24) = 8 working days to 04-11.
async fn hearing_on_request_suspends_the_clock_and_precedes_the_decision(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    app.desk().await;
    let (clerk, reviewer, chief) = ("hy.clerk", "hy.reviewer", "hy.chief");
    let id = app.received(&app.token(clerk, PASSWORD).await).await;
    act_as(&app, clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let c = act_as(
        &app,
        reviewer,
        id,
        review("材料齐全，涉及相邻权利人重大利益"),
    )
    .await
    .expect(200);
    assert_eq!(c["clock"]["statutory_due"], "2025-03-31", "{c}");
    app.clock.set(at("2025-03-10"));
    let c = act_as(
        &app,
        reviewer,
        id,
        json!({"action": "notify_hearing_right"}),
    )
    .await
    .expect(200);
    assert_eq!(c["state"], "accepted", "{c}");
    app.clock.set(at("2025-03-12"));
    let request = json!({"action": "request_hearing", "reason": "利害关系人要求听证"});
    let c = act_as(&app, clerk, id, request).await.expect(200);
    assert_eq!(c["state"], "suspended", "{c}");
    app.clock.set(at("2025-03-13"));
    let e = act_as(&app, chief, id, approve("符合条件"))
        .await
        .refused(422, "第四十八条");
    assert_eq!(e["error"]["code"], "rule_refused");
    let officer = json!({"presiding": "hy.chief", "place": "听证室"});
    let schedule = |on: &str| {
        let mut a = json!({"action": "schedule_hearing", "on": on});
        a["presiding"] = officer["presiding"].clone();
        a["place"] = officer["place"].clone();
        a
    };
    act_as(&app, reviewer, id, schedule("2025-03-21"))
        .await
        .refused(422, "第四十八条");
    act_as(&app, reviewer, id, schedule("2025-03-24"))
        .await
        .expect(200);
    app.clock.set(at("2025-03-24"));
    let hold = json!({"action": "hold_hearing", "record": "听证笔录已签字",
        "participants": [{"name": "月河餐饮", "role": "申请人", "signed": true}]});
    let c = act_as(&app, chief, id, hold).await.expect(200);
    assert_eq!(c["state"], "accepted", "{c}");
    assert_eq!(c["clock"]["suspended_working_days"], 8, "{c}");
    assert_eq!(c["clock"]["statutory_due"], "2025-04-11", "{c}");
    let c = act_as(&app, chief, id, approve("根据听证笔录，符合条件"))
        .await
        .expect(200);
    assert_eq!(c["state"], "decided", "{c}");
    assert_eq!(c["clock"]["decided_on"], "2025-03-24", "{c}");
    app.stop().await;
}

/// The applicant who filed online asks for the hearing on their own case page, once told of the
/// right and within the five working days (Art. 47); the form is theirs alone.
async fn an_applicant_asks_for_a_hearing_on_their_page(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let person = app
        .register("person", "王芳", "11010519491231002X", PASSWORD)
        .await;
    let id = app.apply_online(&person).await;
    let path = format!("/my/cases/{id}");
    let offered = |html: &str| html.contains(&format!("action=\"{path}/hearing\""));
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);
    let (_, html) = app.page_text(&person, &path).await;
    assert!(!offered(&html), "no hearing before the notice: {html}");
    let notice = json!({"action": "notify_hearing_right"});
    app.act(&desk.reviewer, id, notice).await.expect(200);
    let (status, html) = app.page_text(&person, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(offered(&html) && html.contains("第四十七条"), "{html}");

    // Staff cannot send the applicant's form.
    let csrf = app.browser_login("hy.clerk").await;
    let r = app
        .post_form(&format!("{path}/hearing"), &[("csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status().as_u16(), 403);
    let csrf = app.browser_login("11010519491231002X").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("reason", "涉及相邻权利人重大利益"),
    ];
    let r = app.post_form(&format!("{path}/hearing"), &fields).await;
    assert_eq!(r.status().as_u16(), 303);
    let c = app
        .by(&desk.reviewer)
        .get(&format!("/api/v1/cases/{id}"))
        .await;
    let c = c.expect(200);
    assert_eq!(c["state"], "suspended", "{c}");
    let (_, html) = app.page_text(&person, &path).await;
    assert!(!offered(&html), "asked once: {html}");
    app.stop().await;
}

/// Takes an action as `login`, signed in afresh (a session does not outlive the days the test's
/// clock skips).
async fn act_as(app: &Api, login: &str, id: i64, action: Value) -> yiyin_testkit::Reply {
    let token = app.token(login, PASSWORD).await;
    app.act(&token, id, action).await
}
