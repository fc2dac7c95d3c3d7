//! Reconsideration and litigation (行政复议答复、行政诉讼应诉) against a real server, on both databases:
//! a reconsideration received the day before the National Day holiday is due ten working days
//! later; a lawsuit whose fifteenth day is a Saturday is due the Monday after; the warnings as the
//! deadlines near and pass; the refusals (a date in the future or before the decision, a second
//! registration of a file number, a court's "upheld", a second reply or outcome, an outcome before
//! registration), each changing nothing; the clerk refused; an outcome 撤销 revokes the licence, which
//! public verification then shows revoked; the file is the case's archive package; the head's page.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::HANYIN;
use yiyin_testkit::{Api, assert_says, at, date, on_both};

on_both!(
    deadlines_are_counted_as_the_law_says_and_refusals_change_nothing,
    a_revoking_outcome_revokes_the_licence_and_verification_shows_it,
    the_head_works_the_register_on_the_page,
);

const REGISTER: &str = "/api/v1/redress?jurisdiction=hanyin";

fn entry(id: i64) -> String {
    format!("/api/v1/redress/{id}")
}

/// A registration of the case `number` received on `received_on`, with `responsible` in charge.
fn registration(
    kind: &str,
    number: &str,
    file_number: &str,
    received_on: &str,
    responsible: i64,
) -> Value {
    json!({
        "kind": kind,
        "case_number": number,
        "applicant": "汉阴县某某商贸有限公司",
        "body": if kind == "litigation" { "汉阴县人民法院" } else { "汉阴县人民政府" },
        "file_number": file_number,
        "received_on": received_on,
        "responsible": responsible,
    })
}

/// The head of 汉阴县's bureau: (token, account id).
async fn head(app: &Api) -> (String, i64) {
    let token = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let id = app.principal("hy.head").await.account.id;
    (token, id)
}

/// The number of a case, as its clerk reads it.
async fn number_of(app: &Api, clerk: &str, id: i64) -> String {
    let case = app.case_view(clerk, id).await;
    case["number"].as_str().expect("a case number").to_string()
}

async fn deadlines_are_counted_as_the_law_says_and_refusals_change_nothing(backend: Backend) {
    // Decided and licensed on Tuesday 2025-09-30, the day before the National Day holiday.
    let app = Api::spawn(backend, "2025-09-30").await;
    let (case, _, clerk) = app.licensed_case().await;
    let number = number_of(&app, &clerk, case).await;
    let (head, head_id) = head(&app).await;

    // Not the clerk's duty, nor anybody's without a login.
    let body = registration(
        "reconsideration",
        &number,
        "汉政复〔2025〕12号",
        "2025-09-30",
        head_id,
    );
    app.by(&clerk)
        .post(REGISTER, body.clone())
        .await
        .refused(403, "无权办理行政复议答复和行政诉讼应诉");
    app.by(&clerk).get(REGISTER).await.expect(403);
    app.anonymous().get(REGISTER).await.expect(401);
    // Nor is another county's register the head's.
    let ziyang = "/api/v1/redress?jurisdiction=ziyang";
    app.by(&head)
        .get(ziyang)
        .await
        .refused(403, "不属于您所在县区");
    app.by(&head)
        .post(ziyang, body.clone())
        .await
        .refused(403, "不属于您所在县区");

    // Received the day before the holiday: ten working days, the eight days off not counted and
    // Saturday 10-11 (a working day) counted: due Tuesday 2025-10-21.
    let v = app.by(&head).post(REGISTER, body.clone()).await.expect(201);
    let id = v["entry"]["id"].as_i64().unwrap();
    assert_eq!(v["entry"]["reply_due"], "2025-10-21", "{v}");
    assert_eq!(v["entry"]["counting_rule"], "working_days");
    assert_eq!(v["entry"]["period_days"], 10);
    assert_eq!(v["entry"]["state"], "registered");
    assert_eq!(v["case_number"], number.as_str());
    assert!(!v["entry"]["licence"].as_str().unwrap().is_empty(), "{v}");
    let explanation = v["entry"]["explanation"].as_str().unwrap();
    assert_says(
        explanation,
        &[
            "不计国庆节、中秋节假期 8 天",
            "2025-10-11",
            "期限届满日为2025-10-21",
        ],
    );
    assert_says(
        v["entry"]["basis"].as_str().unwrap(),
        &["第四十八条", "第八十八条"],
    );
    assert_eq!(v["reply_word"], "书面答复");

    // Refusals, each changing nothing.
    let refusals = [
        (
            registration(
                "reconsideration",
                &number,
                "汉政复〔2025〕13号",
                "2025-10-01",
                head_id,
            ),
            422,
            "晚于今天",
        ),
        (
            registration(
                "reconsideration",
                &number,
                "汉政复〔2025〕13号",
                "2025-09-29",
                head_id,
            ),
            422,
            "早于被申请的许可决定",
        ),
        (body.clone(), 409, "已经登记"),
        (
            registration(
                "reconsideration",
                &number,
                "汉政复〔2025〕13号",
                "2025-09-30",
                999_999,
            ),
            422,
            "承办人",
        ),
        (
            registration(
                "reconsideration",
                "HY2099999999",
                "汉政复〔2025〕13号",
                "2025-09-30",
                head_id,
            ),
            422,
            "没有编号为",
        ),
        (
            registration("申诉", &number, "汉政复〔2025〕13号", "2025-09-30", head_id),
            422,
            "请选择类别",
        ),
        (
            registration(
                "reconsideration",
                &number,
                "汉政复\u{202E}13号",
                "2025-09-30",
                head_id,
            ),
            422,
            "文字方向控制字符",
        ),
    ];
    for (body, status, phrase) in refusals {
        app.by(&head)
            .post(REGISTER, body)
            .await
            .refused(status, phrase);
    }
    let list = app.by(&head).get(REGISTER).await.expect(200);
    assert_eq!(list["entries"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(app.event_count(&head, case, "register_redress").await, 1);

    // The monitoring cards the reply not filed by 10-21: a red card dated the next working day,
    // once.
    let reply_cards = || async {
        app.store
            .cards_of_case(case)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.card_limit == yiyin_domain::monitoring::CardLimit::RedressReply)
            .collect::<Vec<_>>()
    };
    app.app.sweep_conduct_cards(at("2025-10-21")).await.unwrap();
    assert!(reply_cards().await.is_empty());
    app.app.sweep_conduct_cards(at("2025-10-22")).await.unwrap();
    app.app.sweep_conduct_cards(at("2025-10-23")).await.unwrap();
    let cards = reply_cards().await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert_eq!(cards[0].color, yiyin_domain::monitoring::CardColor::Red);
    assert_eq!(cards[0].card_on, date("2025-10-22"));
    assert_says(
        &cards[0].reason,
        &["行政复议书面答复", "第四十八条", "仍未提交"],
    );

    // A lawsuit whose copy came on Friday 2025-11-07: fifteen days end on Saturday 11-22, moved to
    // Monday 11-24. (A day later sessions are signed in afresh.)
    app.clock.set(at("2025-11-07"));
    let head = app.token("hy.head", yiyin_testkit::PASSWORD).await;
    let suit = registration(
        "litigation",
        &number,
        "（2025）陕0921行初5号",
        "2025-11-07",
        head_id,
    );
    let s = app.by(&head).post(REGISTER, suit).await.expect(201);
    let suit = s["entry"]["id"].as_i64().unwrap();
    assert_eq!(s["entry"]["reply_due"], "2025-11-24", "{s}");
    assert_eq!(s["entry"]["counting_rule"], "calendar_days");
    assert_eq!(s["entry"]["period_days"], 15);
    assert_says(
        s["entry"]["explanation"].as_str().unwrap(),
        &[
            "至2025-11-22",
            "2025-11-22（周末）",
            "2025-11-23（周末）",
            "顺延至其后的第一个工作日2025-11-24",
        ],
    );
    assert_eq!(s["reply_word"], "答辩状");
    assert_eq!(s["urgency"], "normal");

    // The reconsideration, unanswered, is overdue; the lawsuit not yet near.
    let list = app.by(&head).get(REGISTER).await.expect(200);
    assert_eq!(list["overdue"], 1, "{list}");
    assert_eq!(list["due_soon"], 0);
    let r = app.by(&head).get(&entry(id)).await.expect(200);
    assert_eq!(r["urgency"], "overdue");
    assert_says(
        r["warning"].as_str().unwrap(),
        &["已超过答复期限（2025-10-21）", "尚未登记答复"],
    );

    // Three working days before its due date the lawsuit is flagged.
    app.clock.set(at("2025-11-19"));
    let head = app.token("hy.head", yiyin_testkit::PASSWORD).await;
    let s = app.by(&head).get(&entry(suit)).await.expect(200);
    assert_eq!(s["urgency"], "due_soon", "{s}");
    assert_says(s["warning"].as_str().unwrap(), &["还有3个工作日"]);
    let list = app.by(&head).get(REGISTER).await.expect(200);
    assert_eq!(
        (list["overdue"].as_i64(), list["due_soon"].as_i64()),
        (Some(1), Some(1))
    );

    // The late reply is recorded as late, once; a court does not uphold.
    let late = app
        .by(&head)
        .post(
            &format!("{}/reply", entry(id)),
            json!({"replied_on": "2025-11-18"}),
        )
        .await
        .expect(200);
    assert_eq!(late["entry"]["state"], "replied");
    assert_eq!(late["entry"]["replied_late"], true);
    assert_eq!(late["urgency"], "settled");
    app.by(&head)
        .post(&format!("{}/reply", entry(id)), json!({}))
        .await
        .refused(422, "不能重复登记");
    app.by(&head)
        .post(
            &format!("{}/reply", entry(suit)),
            json!({"replied_on": "2025-11-20"}),
        )
        .await
        .refused(422, "晚于今天");
    app.by(&head)
        .post(
            &format!("{}/outcome", entry(suit)),
            json!({"outcome": "upheld", "decided_on": "2025-11-19"}),
        )
        .await
        .refused(422, "第六十九条");
    let s = app.by(&head).get(&entry(suit)).await.expect(200);
    assert_eq!(s["entry"]["state"], "registered", "nothing changed: {s}");
    // Dismissed: the licence stays.
    let s = app
        .by(&head)
        .post(
            &format!("{}/outcome", entry(suit)),
            json!({"outcome": "驳回", "decided_on": "2025-11-19"}),
        )
        .await
        .expect(200);
    assert_eq!(s["entry"]["state"], "concluded");
    assert_eq!(s["outcome_label"], "驳回");
    assert_says(
        s["entry"]["effect"].as_str().unwrap(),
        &["证照效力不受影响"],
    );
    assert!(s["entry"]["licence_act"].is_null());
    assert_eq!(app.event_count(&head, case, "file_redress_reply").await, 1);
    assert_eq!(
        app.event_count(&head, case, "record_redress_outcome").await,
        1
    );
    app.stop().await;
}

async fn a_revoking_outcome_revokes_the_licence_and_verification_shows_it(backend: Backend) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    let (case, _, clerk) = app.licensed_case().await;
    let licence = app.licence_of(case).await.identifier;
    let verify = format!(
        "/api/v1/verify?number={}",
        yiyin_app::encode_query(&licence)
    );
    let before = app.anonymous().get(&verify).await.expect(200);
    assert_eq!(before["licence_status"], "有效", "{before}");
    let (head, head_id) = head(&app).await;

    // Registered by the licence alone.
    let body = json!({
        "kind": "行政复议",
        "licence": licence,
        "applicant": "张某",
        "body": "汉阴县人民政府",
        "file_number": "汉政复〔2025〕1号",
        "received_on": "2025-03-03",
        "responsible": head_id,
        "notes": "利害关系人申请复议",
    });
    let v = app.by(&head).post(REGISTER, body).await.expect(201);
    let id = v["entry"]["id"].as_i64().unwrap();
    assert_eq!(v["entry"]["case_id"], case);
    assert_eq!(v["entry"]["reply_due"], "2025-03-17", "{v}");
    assert_eq!(v["file_ready"], true);

    // The file: the case's archive package, for the head and not the clerk.
    let outcome = format!("{}/outcome", entry(id));
    app.by(&clerk)
        .post(
            &outcome,
            json!({"outcome": "revoked", "decided_on": "2025-03-03"}),
        )
        .await
        .expect(403);
    app.by(&clerk)
        .get(&format!("{}/file", entry(id)))
        .await
        .expect(403);
    let (status, zip) = app.page(&head, &format!("{}/file", entry(id))).await;
    assert_eq!(status, 200);
    yiyin_archive::verify(&zip).expect("the case's package verifies");
    assert_eq!(
        app.event_count(&head, case, "download_redress_file").await,
        1
    );

    // An outcome before the copy was received is refused; then 撤销 revokes the licence.
    app.by(&head)
        .post(
            &outcome,
            json!({"outcome": "revoked", "decided_on": "2025-03-02"}),
        )
        .await
        .refused(422, "案件登记之前不能有结果");
    let after = app.anonymous().get(&verify).await.expect(200);
    assert_eq!(after["licence_status"], "有效", "nothing changed: {after}");
    let v = app
        .by(&head)
        .post(
            &outcome,
            json!({"outcome": "revoked", "decided_on": "2025-03-03"}),
        )
        .await
        .expect(200);
    assert_eq!(v["entry"]["state"], "concluded", "{v}");
    assert_eq!(v["outcome_label"], "撤销");
    assert!(v["entry"]["licence_act"].is_i64(), "{v}");
    assert_says(
        v["entry"]["effect"].as_str().unwrap(),
        &["已撤销", &licence],
    );
    assert_says(
        v["outcome_basis"].as_str().unwrap(),
        &["《行政复议法》第六十四条"],
    );

    // Public verification shows it revoked; the licence's acts name the reconsideration.
    let after = app.anonymous().get(&verify).await.expect(200);
    assert_eq!(after["licence_status"], "已撤销", "{after}");
    assert_eq!(after["valid"], false);
    let view = app
        .by(&head)
        .get(&format!("/api/v1/licences/{licence}"))
        .await
        .expect(200);
    let acts = view["acts"].as_array().unwrap();
    assert!(
        acts.iter()
            .any(|a| a["kind"] == "revocation" && a.to_string().contains("汉政复〔2025〕1号")),
        "{view}"
    );
    // Once.
    app.by(&head)
        .post(
            &outcome,
            json!({"outcome": "dismissed", "decided_on": "2025-03-03"}),
        )
        .await
        .refused(422, "不能重复记录");
    assert_eq!(
        app.event_count(&head, case, "record_redress_outcome").await,
        1
    );
    app.unbroken_chain(&head).await;
    app.stop().await;
}

async fn the_head_works_the_register_on_the_page(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let (case, _, clerk) = app.licensed_case().await;
    let number = number_of(&app, &clerk, case).await;
    let (_, head_id) = head(&app).await;
    let doc = app.get_json("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/redress",
        "/api/v1/redress/{id}",
        "/api/v1/redress/{id}/reply",
        "/api/v1/redress/{id}/outcome",
        "/api/v1/redress/{id}/file",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }

    // The clerk's navigation has no link; the page refuses the clerk.
    app.browser_login("hy.clerk").await;
    let r = app.get("/work/redress").await;
    assert_eq!(r.status().as_u16(), 403);
    let r = app.get("/work").await;
    assert!(!r.text().await.unwrap().contains("/work/redress"));

    let csrf = app.browser_login_totp("hy.head").await;
    let r = app.get("/work/head").await;
    assert_says(
        &r.text().await.unwrap(),
        &["href=\"/work/redress\"", "复议应诉"],
    );
    let r = app.get("/work/redress").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_says(
        &r.text().await.unwrap(),
        &["登记行政复议或行政诉讼", "尚无行政复议或行政诉讼登记"],
    );

    // A refused form shows the page again with the message and what was typed.
    let head_id = head_id.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("jurisdiction", "hanyin"),
        ("kind", "litigation"),
        ("case_number", number.as_str()),
        ("applicant", "汉阴县某某商贸有限公司"),
        ("body", "汉阴县人民法院"),
        ("file_number", "（2025）陕0921行初1号"),
        ("received_on", "2025-03-04"),
        ("responsible", head_id.as_str()),
    ];
    let r = app.post_form("/work/redress", &fields).await;
    assert_eq!(r.status().as_u16(), 422);
    assert_says(
        &r.text().await.unwrap(),
        &["未能登记", "晚于今天", "（2025）陕0921行初1号"],
    );
    fields[7] = ("received_on", "2025-03-03");
    let r = app.post_form("/work/redress", &fields).await;
    assert_eq!(r.status().as_u16(), 303);
    let html = app.get("/work/redress").await.text().await.unwrap();
    // 2025-03-03 + 15 = 03-18, a Tuesday.
    assert_says(
        &html,
        &[
            "行政诉讼",
            "（2025）陕0921行初1号",
            "2025-03-18",
            "答辩状",
            "期限如何计算",
        ],
    );
    let id = app
        .store
        .redress_register(HANYIN)
        .await
        .unwrap()
        .first()
        .expect("the entry")
        .id;

    // The reply and the outcome by their forms.
    let r = app
        .post_form(
            &format!("/work/redress/{id}/reply"),
            &[
                ("csrf", csrf.as_str()),
                ("jurisdiction", "hanyin"),
                ("replied_on", "2025-03-03"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = app
        .post_form(
            &format!("/work/redress/{id}/outcome"),
            &[
                ("csrf", csrf.as_str()),
                ("jurisdiction", "hanyin"),
                ("outcome", "confirmed_illegal"),
                ("decided_on", "2025-03-03"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let html = app.get("/work/redress").await.text().await.unwrap();
    assert_says(
        &html,
        &[
            "已结案",
            "确认违法",
            "《行政诉讼法》第七十四条",
            "证照效力不受影响",
        ],
    );
    app.stop().await;
}
