//! Joint site inspections and joint acceptances (联合踏勘、联合验收) against a real server, on both
//! databases. A project's stage 1 is a bundle of 住建 and 环保 items: the window schedules one joint
//! inspection for both departments — refused to a department's staff, to the applicant, with a
//! member of another department, with one person for a department, without a department, on a
//! Saturday or today, and as a 联合验收 before the 竣工验收 stage —; the builder is told the date in
//! writing and sees it on its project page; opinions before the date, by someone not sent, or by
//! the wrong department are refused; 环保's 不合格 with defects fails the round; the window
//! schedules a re-inspection (环保's staff drawn from a 踏勘人员库), once; a late opinion is refused
//! and the round re-inspected again after its window passed; all 合格 passes. A project walked to
//! its 竣工验收 stage has its joint acceptance, whose 联合验收意见书 lists every department's opinion
//! and is downloaded by staff and by the builder.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::app::grant;
use yiyin_testkit::bundles::{PROJECT_ITEMS, publish_from_sample};
use yiyin_testkit::fixtures::at;
use yiyin_testkit::web::{COMPANY_ID, HANYIN, approve, review};
use yiyin_testkit::{Api, on_both};

on_both!(
    a_joint_inspection_is_scheduled_once_and_reinspected_until_it_passes,
    a_joint_acceptance_gives_one_record_with_every_opinion,
);

const ZJ: &str = "汉阴县住房和城乡建设局";

/// An item of the bureau (transferred) made from the sample's.
async fn publish(app: &Api, code: &str, name: &str, department: &str) {
    publish_from_sample(app, (code, name, department), PROJECT_ITEMS, |item| {
        item.materials[0].name = format!("{name}申请表");
    })
    .await;
}

/// The catalog administrator publishes the bundles (code, lead, members) and the scheme with the
/// stages given (stage, bundle code, milestone).
async fn scheme(app: &Api, bundles: &[(&str, &str, &[&str])], stages: &[(&str, &str, &str)]) {
    let catalog = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    for (code, lead, members) in bundles {
        app.by(&catalog)
            .post(
                "/api/v1/jurisdictions/hanyin/bundles",
                json!({"spec": {"code": code, "name": format!("{code}阶段"),
                    "lead_department": lead, "members": members},
                    "effective_on": "2025-03-03"}),
            )
            .await
            .expect(201);
    }
    let stages: Vec<Value> = stages
        .iter()
        .map(|(stage, bundle, milestone)| {
            json!({"stage": stage, "bundle_code": bundle, "milestones": [milestone],
                "completion": "all"})
        })
        .collect();
    app.by(&catalog)
        .put(
            "/api/v1/jurisdictions/hanyin/project-scheme",
            json!({"stages": stages}),
        )
        .await
        .expect(200);
}

/// The project registered by the window; its id.
async fn project(app: &Api, clerk: &str) -> i64 {
    let view = app
        .by(clerk)
        .post(
            "/api/v1/projects",
            json!({"jurisdiction": HANYIN, "code": "2025-610921-48-01-000777",
                "name": "汉阴县月河安置小区", "builder": "汉阴县月河建设有限公司",
                "builder_code": COMPANY_ID, "location": "汉阴县城关镇", "investment": "social"}),
        )
        .await
        .expect(201);
    view["id"].as_i64().unwrap()
}

/// Receives a stage, accepted on the spot, every material given (the members after the first
/// have theirs under their own codes); the bundle.
async fn receive(app: &Api, clerk: &str, project: i64, stage: &str, others: &[&str]) -> Value {
    let mut materials = vec!["M1".to_string(), "M2".to_string()];
    materials.extend(others.iter().map(|c| format!("{c}/M1")));
    app.by(clerk)
        .post(
            &format!("/api/v1/projects/{project}/stages/{stage}"),
            json!({"applicant": {"kind": "organisation", "name": "汉阴县月河建设有限公司",
                    "id_number": COMPANY_ID},
                "materials": materials, "outcome": "accept", "attested": true}),
        )
        .await
        .expect(201)
}

/// A department's site inspector; the token.
async fn inspector(app: &Api, login: &str, department: &str) -> String {
    app.staff_with(login, grant(Role::Inspector, HANYIN, Some(department)))
        .await
}

fn team(department: &str, logins: &[&str]) -> Value {
    json!({"department": department, "logins": logins})
}

fn visit(bundle: i64, kind: &str, day: &str, teams: Vec<Value>) -> Value {
    json!({"bundle_id": bundle, "kind": kind, "date": day, "teams": teams})
}

/// How many events of this action the audit chain holds.
async fn audited(app: &Api, action: &str) -> usize {
    let events = app.store.events_from(0, 100_000).await.expect("the events");
    events.iter().filter(|e| e.action == action).count()
}

/// The builder's token (logged in again: the sessions end as the clock moves).
async fn builder_token(app: &Api) -> String {
    app.token(COMPANY_ID, "jianshe2025a").await
}

fn pass() -> Value {
    json!({"verdict": "pass"})
}

async fn a_joint_inspection_is_scheduled_once_and_reinspected_until_it_passes(backend: Backend) {
    // 2025-03-03 is a Monday.
    let app = Api::spawn(backend, "2025-03-03").await;
    publish(&app, "HY-ZJ-201", "建设工程规划许可证核发", "zhujian").await;
    publish(&app, "HY-HB-201", "建设项目环境影响评价文件审批", "huanbao").await;
    scheme(
        &app,
        &[("GJ-1", "zhujian", &["HY-ZJ-201", "HY-HB-201"])],
        &[("land_planning", "GJ-1", "HY-ZJ-201")],
    )
    .await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let zj1 = inspector(&app, "zj.one", "zhujian").await;
    inspector(&app, "zj.two", "zhujian").await;
    inspector(&app, "hb.one", "huanbao").await;
    inspector(&app, "hb.two", "huanbao").await;
    inspector(&app, "hb.three", "huanbao").await;
    let stranger = inspector(&app, "sc.one", "shichang").await;
    let builder = app.builder().await;
    // Notices reach only an identity a provider verified (一人一档).
    app.verify_identity(COMPANY_ID, "汉阴县月河建设有限公司")
        .await;
    let id = project(&app, &clerk).await;
    let bundle = receive(&app, &clerk, id, "land_planning", &["HY-HB-201"]).await["id"]
        .as_i64()
        .unwrap();
    let good = || {
        vec![
            team("zhujian", &["zj.one", "zj.two"]),
            team("huanbao", &["hb.one", "hb.two"]),
        ]
    };

    // Only the lead department's window schedules; bad plans are refused naming the rule.
    let url = "/api/v1/visits";
    for token in [&zj1, &builder] {
        app.by(token)
            .post(url, visit(bundle, "joint_inspection", "2025-03-05", good()))
            .await
            .expect(403);
    }
    for (teams, phrase) in [
        (
            vec![
                team("zhujian", &["zj.one", "sc.one"]),
                team("huanbao", &["hb.one", "hb.two"]),
            ],
            "不是「汉阴县住房和城乡建设局」的在岗工作人员",
        ),
        (
            vec![
                team("zhujian", &["zj.one", "hb.three"]),
                team("huanbao", &["hb.one", "hb.two"]),
            ],
            "不是「汉阴县住房和城乡建设局」的在岗工作人员",
        ),
        (
            vec![
                team("zhujian", &["zj.one"]),
                team("huanbao", &["hb.one", "hb.two"]),
            ],
            "应派出至少 2 名本部门工作人员",
        ),
        (
            vec![team("zhujian", &["zj.one", "zj.two"])],
            "尚未派出踏勘人员",
        ),
    ] {
        app.by(&clerk)
            .post(url, visit(bundle, "joint_inspection", "2025-03-05", teams))
            .await
            .refused(422, phrase);
    }
    for (day, phrase) in [("2025-03-08", "不是工作日"), ("2025-03-03", "以后的日期")] {
        app.by(&clerk)
            .post(url, visit(bundle, "joint_inspection", day, good()))
            .await
            .refused(422, phrase);
    }
    app.by(&clerk)
        .post(url, visit(bundle, "joint_acceptance", "2025-03-05", good()))
        .await
        .refused(422, "联合验收只用于工程建设项目的「竣工验收」阶段");
    assert!(
        app.by(&clerk)
            .get("/api/v1/visits?jurisdiction=hanyin")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing written by the refusals"
    );

    // Scheduled once for both departments; the builder is told the date in writing.
    let v1 = app
        .by(&clerk)
        .post(url, visit(bundle, "joint_inspection", "2025-03-05", good()))
        .await
        .expect(201);
    let v1_id = v1["id"].as_i64().unwrap();
    assert_eq!(v1["state"], "scheduled", "{v1}");
    assert_eq!(v1["teams"].as_array().unwrap().len(), 2);
    assert_eq!(v1["teams"][0]["department_name"], ZJ);
    assert_eq!(v1["opinion_due"], "2025-03-06");
    let mine = app.by(&builder).get("/api/v1/my/visits").await.expect(200);
    assert_eq!(mine[0]["id"], v1_id, "{mine}");
    let inbox = app.by(&builder).get("/api/v1/messages").await.expect(200);
    let told: Vec<&Value> = inbox["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("联合踏勘日期通知"))
        })
        .collect();
    assert_eq!(told.len(), 1, "the builder told the date once: {inbox}");
    assert!(
        told[0]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("2025年3月5日"),
        "{inbox}"
    );
    let seen = app
        .by(&builder)
        .get(&format!("/api/v1/my/visits/{v1_id}"))
        .await
        .expect(200);
    assert!(
        !seen.to_string().contains("测试踏勘人员"),
        "staff names masked for the applicant: {seen}"
    );
    let (status, html) = app.page_text(&builder, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("联合踏勘验收") && html.contains("2025-03-05"),
        "{html}"
    );
    app.by(&stranger)
        .get(&format!("/api/v1/visits/{v1_id}"))
        .await
        .expect(403);
    let other = app.other_company().await;
    app.by(&other)
        .get(&format!("/api/v1/my/visits/{v1_id}"))
        .await
        .expect(403);

    // Opinions: not before the date, only by the department's own sent staff.
    let opinions = format!("/api/v1/visits/{v1_id}/opinions");
    app.by(&zj1)
        .post(&opinions, pass())
        .await
        .refused(422, "现场踏勘之前不能录入意见");
    app.clock.set(at("2025-03-05"));
    let [clerk, zj1, zj2, hb1, stranger] = app
        .tokens(["hy.clerk", "zj.one", "zj.two", "hb.one", "sc.one"])
        .await;
    app.by(&stranger).post(&opinions, pass()).await.expect(403);
    app.by(&hb1)
        .post(
            &opinions,
            json!({"department": "zhujian", "verdict": "pass"}),
        )
        .await
        .refused(422, "只能由该部门派出的踏勘人员录入");
    app.by(&zj1).post(&opinions, pass()).await.expect(200);
    app.by(&zj2)
        .post(&opinions, pass())
        .await
        .refused(422, "已出具本轮意见");
    app.by(&hb1)
        .post(&opinions, json!({"verdict": "fail"}))
        .await
        .refused(422, "逐条列明");
    // The window may not re-inspect a round still open.
    app.by(&clerk)
        .post(
            &format!("/api/v1/visits/{v1_id}/reinspection"),
            json!({"date": "2025-03-12", "teams": good()}),
        )
        .await
        .refused(422, "尚未全部出具");
    // 环保's 不合格 on the next working day fails the round with its defects.
    app.clock.set(at("2025-03-06"));
    let [clerk, zj1, hb1] = app.tokens(["hy.clerk", "zj.one", "hb.one"]).await;
    let failed = app
        .by(&hb1)
        .post(
            &opinions,
            json!({"verdict": "fail", "defects": ["雨污分流设施未建成", "", "降噪措施未落实"]}),
        )
        .await
        .expect(200);
    assert_eq!(failed["state"], "failed", "{failed}");
    let defects = failed["defects"][0]["defects"].as_array().unwrap();
    assert_eq!(defects.len(), 2);
    assert!(
        failed["record"]
            .as_str()
            .unwrap()
            .contains("问题2：降噪措施未落实")
    );

    // The re-inspection: a new round linked to the first, 环保's staff drawn from the pool.
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let pool = app
        .by(&head)
        .post(
            "/api/v1/jurisdictions/hanyin/pools",
            json!({"kind": "inspector", "name": "环保踏勘人员库", "specialty": "环境保护"}),
        )
        .await
        .expect(201);
    let pool_id = pool["pool"]["id"].as_i64().unwrap();
    for login in ["hb.one", "hb.two", "hb.three", "zj.one"] {
        app.by(&head)
            .post(
                &format!("/api/v1/pools/{pool_id}/members"),
                json!({"login": login}),
            )
            .await
            .expect(201);
    }
    let again = format!("/api/v1/visits/{v1_id}/reinspection");
    app.by(&zj1)
        .post(&again, json!({"date": "2025-03-12", "teams": good()}))
        .await
        .expect(403);
    let drawn_teams = json!([
        team("zhujian", &["zj.one", "zj.two"]),
        {"department": "huanbao", "pool_id": pool_id},
    ]);
    let v2 = app
        .by(&clerk)
        .post(&again, json!({"date": "2025-03-12", "teams": drawn_teams}))
        .await
        .expect(201);
    let v2_id = v2["id"].as_i64().unwrap();
    assert_eq!(v2["round"], 2);
    assert_eq!(v2["previous_id"], v1_id);
    // 环保's seed is published with the schedule; its staff are drawn afterwards, in the window's
    // own act, and nobody gives an opinion before.
    let huanbao = &v2["teams"][1];
    assert_eq!(huanbao["staff"].as_array().unwrap().len(), 0, "{v2}");
    assert_eq!(huanbao["draw_pending"], 2, "{v2}");
    let seed = huanbao["draw_seed"].as_str().unwrap().to_string();
    assert!(!seed.is_empty());
    assert_eq!(huanbao["draw"]["input"]["seed"], seed.as_str());
    assert!(huanbao["draw"]["result"].is_null(), "{v2}");
    let events = app.store.events_from(1, 100_000).await.unwrap();
    let schedule = events
        .iter()
        .rfind(|e| e.action == "joint_visit_schedule")
        .unwrap();
    assert!(schedule.reason.contains(&seed), "{}", schedule.reason);
    let draw = format!("/api/v1/visits/{v2_id}/draw");
    app.by(&zj1).post_empty(&draw).await.expect(403);
    app.by(&zj1)
        .post(&format!("/api/v1/visits/{v2_id}/opinions"), pass())
        .await
        .refused(422, "尚未按公布的随机种子抽取");
    let html = app.page_ok(&clerk, &format!("/work/visits/{v2_id}")).await;
    yiyin_testkit::assert_says(
        &html,
        &[
            "待从踏勘人员库抽取 2 名",
            &seed,
            "按公布的随机种子抽取踏勘人员",
        ],
    );
    let drawn = app.by(&clerk).post_empty(&draw).await.expect(200);
    let huanbao = &drawn["teams"][1];
    assert_eq!(huanbao["staff"].as_array().unwrap().len(), 2, "{drawn}");
    assert!(
        huanbao["staff"][0]["sent_by"]
            .as_str()
            .unwrap()
            .contains("抽取")
    );
    assert_eq!(
        (
            huanbao["draw_seed"].as_str(),
            huanbao["draw_pending"].as_i64()
        ),
        (Some(seed.as_str()), Some(0))
    );
    // The published draw re-runs to the staff drawn, as `yiyin draw --expert` does.
    let published: yiyin_domain::pools::PublishedDraw =
        serde_json::from_value(huanbao["draw"].clone()).expect("a published draw");
    let rerun = yiyin_domain::pools::rerun(&published).expect("the draw re-runs");
    let names: Vec<&str> = huanbao["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let rerun_names: Vec<&str> = rerun.drawn.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, rerun_names);
    app.by(&clerk)
        .post_empty(&draw)
        .await
        .refused(422, "不能再次抽取");
    app.by(&clerk)
        .post(&again, json!({"date": "2025-03-13", "teams": good()}))
        .await
        .refused(422, "已安排复查");
    let first = app
        .by(&clerk)
        .get(&format!("/api/v1/visits/{v1_id}"))
        .await
        .expect(200);
    assert_eq!(first["next_id"], v2_id);

    // A late opinion (the visit on Wednesday 03-12, the window closes Thursday) is refused; the
    // round whose window passed without every opinion is re-inspected.
    app.clock.set(at("2025-03-14"));
    let [clerk, zj1] = app.tokens(["hy.clerk", "zj.one"]).await;
    app.by(&zj1)
        .post(&format!("/api/v1/visits/{v2_id}/opinions"), pass())
        .await
        .refused(422, "当日或下一个工作日内录入");
    let v3 = app
        .by(&clerk)
        .post(
            &format!("/api/v1/visits/{v2_id}/reinspection"),
            json!({"date": "2025-03-18", "teams": good()}),
        )
        .await
        .expect(201);
    let v3_id = v3["id"].as_i64().unwrap();
    assert_eq!(v3["round"], 3);

    // All 合格: the visit passes; no further re-inspection.
    app.clock.set(at("2025-03-18"));
    let [clerk, zj2, hb2] = app.tokens(["hy.clerk", "zj.two", "hb.two"]).await;
    let builder = builder_token(&app).await;
    let opinions = format!("/api/v1/visits/{v3_id}/opinions");
    app.by(&zj2).post(&opinions, pass()).await.expect(200);
    let passed = app.by(&hb2).post(&opinions, pass()).await.expect(200);
    assert_eq!(passed["state"], "passed", "{passed}");
    assert!(passed["record"].as_str().unwrap().contains("联合踏勘通过"));
    app.by(&clerk)
        .post(
            &format!("/api/v1/visits/{v3_id}/reinspection"),
            json!({"date": "2025-03-20", "teams": good()}),
        )
        .await
        .refused(422, "无需复查");

    // The jurisdiction's list, a page at a time, the latest date first: the window sees every
    // round, so do the bureau's reviewers and a department taking part; staff of a department not
    // concerned see none.
    let first = app
        .list_page(Some(&clerk), "/api/v1/visits?jurisdiction=hanyin&limit=2")
        .await;
    assert_eq!((first.ids(), first.total()), (vec![v3_id, v2_id], Some(3)));
    let next = first.next.expect("a next page");
    assert!(next.contains("limit=2"), "{next}");
    let last = app.list_page(Some(&clerk), &next).await;
    assert_eq!(
        (last.ids(), last.total(), last.next),
        (vec![v1_id], Some(3), None)
    );
    let theirs = app
        .list_page(Some(&zj2), "/api/v1/visits?jurisdiction=hanyin")
        .await;
    assert_eq!(theirs.ids(), [v3_id, v2_id, v1_id]);
    let reviewer = app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    let bureau = app
        .list_page(Some(&reviewer), "/api/v1/visits?jurisdiction=hanyin")
        .await;
    assert_eq!(bureau.total(), Some(3));
    let [stranger] = app.tokens(["sc.one"]).await;
    let none = app
        .list_page(Some(&stranger), "/api/v1/visits?jurisdiction=hanyin")
        .await;
    assert_eq!((none.ids(), none.total()), (vec![], Some(0)));
    for (query, phrase) in [
        ("after=2025-03-18", "翻页位置无效"),
        ("limit=201", "1 至 200"),
    ] {
        app.by(&clerk)
            .get(&format!("/api/v1/visits?jurisdiction=hanyin&{query}"))
            .await
            .refused(422, phrase);
    }

    // The pages: the desk, the visit, the project's list; every act audited.
    let (status, html) = app
        .page_text(&clerk, "/work/visits?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("第3轮复查") && html.contains("安排联合踏勘或联合验收"),
        "{html}"
    );
    assert!(html.contains("共 3 次"), "{html}");
    let (status, html) = app
        .page_text(&clerk, &format!("/work/visits/new?bundle={bundle}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(ZJ) && html.contains("环保踏勘人员库"),
        "{html}"
    );
    let (status, html) = app
        .page_text(&clerk, &format!("/work/visits/{v1_id}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("雨污分流设施未建成") && html.contains("下一轮复查"),
        "{html}"
    );
    let (status, html) = app.page_text(&clerk, &format!("/work/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("通过") && html.contains("第2轮复查"),
        "{html}"
    );
    let (status, _) = app
        .page_text(&builder, &format!("/work/visits/{v1_id}"))
        .await;
    assert_eq!(status, 403);
    let (status, html) = app
        .page_text(&builder, &format!("/my/visits/{v3_id}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("联合踏勘记录") && !html.contains("录入意见："),
        "{html}"
    );
    assert_eq!(
        audited(&app, "joint_visit_schedule").await,
        3,
        "each scheduling audited"
    );
    assert_eq!(audited(&app, "joint_visit_opinion").await, 4);
}

/// Decides a stage's one milestone case (review, approval).
async fn decide(app: &Api, bundle: &Value) {
    let [reviewer, chief] = app.tokens(["hy.reviewer", "hy.chief"]).await;
    let case = bundle["members"][0]["case_id"].as_i64().unwrap();
    app.act(&reviewer, case, review("符合要求"))
        .await
        .expect(200);
    app.act(&chief, case, approve("准予许可")).await.expect(200);
}

async fn a_joint_acceptance_gives_one_record_with_every_opinion(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    for (code, name, dept) in [
        ("HY-FG-301", "企业投资项目备案", "fagai"),
        ("HY-ZJ-302", "建设工程规划许可证核发", "zhujian"),
        ("HY-ZJ-303", "建筑工程施工许可证核发", "zhujian"),
        ("HY-ZJ-304", "建设工程竣工验收备案", "zhujian"),
        ("HY-HB-304", "建设项目竣工环境保护验收", "huanbao"),
    ] {
        publish(&app, code, name, dept).await;
    }
    scheme(
        &app,
        &[
            ("GJ-1", "fagai", &["HY-FG-301"]),
            ("GJ-2", "zhujian", &["HY-ZJ-302"]),
            ("GJ-3", "zhujian", &["HY-ZJ-303"]),
            ("GJ-4", "zhujian", &["HY-ZJ-304", "HY-HB-304"]),
        ],
        &[
            ("land_planning", "GJ-1", "HY-FG-301"),
            ("engineering", "GJ-2", "HY-ZJ-302"),
            ("construction", "GJ-3", "HY-ZJ-303"),
            ("completion", "GJ-4", "HY-ZJ-304"),
        ],
    )
    .await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    app.staff("hy.chief", Role::SectionChief, HANYIN).await;
    for (login, dept) in [
        ("zj.one", "zhujian"),
        ("zj.two", "zhujian"),
        ("hb.one", "huanbao"),
        ("hb.two", "huanbao"),
    ] {
        inspector(&app, login, dept).await;
    }
    app.builder().await;
    let id = project(&app, &clerk).await;
    for stage in ["land_planning", "engineering", "construction"] {
        let b = receive(&app, &clerk, id, stage, &[]).await;
        decide(&app, &b).await;
    }
    let completion = receive(&app, &clerk, id, "completion", &["HY-HB-304"]).await;
    let bundle = completion["id"].as_i64().unwrap();
    let teams = vec![
        team("zhujian", &["zj.one", "zj.two"]),
        team("huanbao", &["hb.one", "hb.two"]),
    ];
    let v = app
        .by(&clerk)
        .post(
            "/api/v1/visits",
            visit(bundle, "joint_acceptance", "2025-03-04", teams),
        )
        .await
        .expect(201);
    let v_id = v["id"].as_i64().unwrap();
    assert_eq!(v["kind_label"], "联合验收");
    assert_eq!(v["record_title"], "联合验收意见书");

    // Both departments' opinions on the day: the acceptance passes, one record with both.
    app.clock.set(at("2025-03-04"));
    let [clerk, zj1, hb1] = app.tokens(["hy.clerk", "zj.one", "hb.one"]).await;
    let builder = builder_token(&app).await;
    let opinions = format!("/api/v1/visits/{v_id}/opinions");
    app.by(&zj1).post(&opinions, pass()).await.expect(200);
    let done = app.by(&hb1).post(&opinions, pass()).await.expect(200);
    assert_eq!(done["state"], "passed", "{done}");
    let record = done["record"].as_str().unwrap();
    assert!(record.starts_with("联合验收意见书"), "{record}");
    assert!(
        record.contains(ZJ) && record.contains("安康市生态环境局汉阴分局"),
        "{record}"
    );
    assert!(record.contains("联合验收通过"), "{record}");

    // Downloaded by staff and by the builder (the staff's names masked for the builder).
    let r = app
        .request(
            "GET",
            &format!("/api/v1/visits/{v_id}/record"),
            Some(&clerk),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = r.text().await.unwrap();
    assert!(
        text.contains("测试踏勘人员") && text.contains("意见：合格"),
        "{text}"
    );
    let r = app
        .request(
            "GET",
            &format!("/api/v1/my/visits/{v_id}/record"),
            Some(&builder),
            None,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("联合验收意见书") && !text.contains("测试踏勘人员"),
        "{text}"
    );
    let (status, html) = app.page_text(&builder, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("联合验收") && html.contains("通过"), "{html}");
    let (status, _) = app
        .page_text(&builder, &format!("/my/visits/{v_id}/record"))
        .await;
    assert_eq!(status, 200);
}
