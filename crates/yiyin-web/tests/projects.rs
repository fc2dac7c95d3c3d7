//! Construction projects by stage (工程建设项目审批, 国办发〔2019〕11号) against a real server, on
//! both databases: the catalog administrator sets the scheme (stage 1 a bundle of 企业投资项目核准,
//! the milestone, with 环评 in parallel; stage 2 a bundle of 建设工程规划许可) and the window may
//! not; the window registers a project (its code once) and receives stage 1 with one supplement
//! notice; stage 2 is refused, naming the rule, before stage 1 ended; the milestone decided ends
//! stage 1 while the parallel item is still open; stage 2 is received without asking again for the
//! 营业执照 stage 1 took; the project's total of working days leaves out the supplement period and
//! is shown against the 120-day target to staff and to the builder's own account, and to no one
//! else. The builder applies for a stage online (a file per material, attested) and its agent,
//! under a mandate for the project, answers the stage's one supplement notice and applies for the
//! next stage — each refusal naming the rule and changing nothing.

use serde_json::{Value, json};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::bundles::{PROJECT_ITEMS, publish_from_sample};
use yiyin_testkit::fixtures::at;
use yiyin_testkit::web::{COMPANY_ID, HANYIN, approve, review};
use yiyin_testkit::{Api, on_both};

on_both!(
    a_project_moves_through_its_stages_in_order_and_counts_its_days,
    the_catalog_administrator_sets_the_scheme_on_its_page,
    the_builder_and_its_agent_apply_for_a_stage_online,
    the_builder_applies_and_answers_the_notice_on_its_project_page,
);

/// An item of the bureau (transferred) made from the sample's: its first material its own, its
/// second the sample's 营业执照.
async fn publish(app: &Api, code: &str, name: &str, department: &str, first: &str) {
    publish_from_sample(app, (code, name, department), PROJECT_ITEMS, |item| {
        item.materials[0].name = first.into();
    })
    .await;
}

fn bundle(code: &str, name: &str, lead: &str, members: &[&str]) -> Value {
    json!({
        "spec": {"code": code, "name": name, "lead_department": lead, "members": members},
        "effective_on": "2025-03-03",
    })
}

fn scheme() -> Value {
    json!({
        "stages": [
            {"stage": "land_planning", "bundle_code": "GJ-1", "milestones": ["HY-FG-101"],
                "completion": "all", "parallel": ["HY-HB-101"]},
            {"stage": "engineering", "bundle_code": "GJ-2", "milestones": ["HY-ZJ-101"],
                "completion": "any"},
        ]
    })
}

fn project() -> Value {
    json!({
        "jurisdiction": HANYIN,
        "code": "2025-610921-48-01-000123",
        "name": "汉阴县城关镇安置小区建设项目",
        "builder": "汉阴县月河建设有限公司",
        "builder_code": COMPANY_ID,
        "location": "汉阴县城关镇",
        "investment": "social",
    })
}

/// A project as the holder of `token` reads it through the API.
async fn project_seen(app: &Api, token: &str, id: i64) -> Value {
    app.by(token)
        .get(&format!("/api/v1/projects/{id}"))
        .await
        .expect(200)
}

fn stage(materials: &[&str], outcome: &str) -> Value {
    json!({
        "applicant": {"kind": "organisation", "name": "汉阴县月河建设有限公司", "id_number": COMPANY_ID},
        "materials": materials,
        "outcome": outcome,
        "attested": true,
    })
}

fn member_case(view: &Value, item: &str) -> i64 {
    view["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["item_code"] == item)
        .and_then(|m| m["case_id"].as_i64())
        .unwrap_or_else(|| panic!("no member {item} in {view}"))
}

/// The three items of the stages published, the catalog administrator `hy.catalog` and the
/// bundles GJ-1 (核准 and 环评) and GJ-2 (规划许可) published by them; their token.
/// A server on 2025-03-03 with the stages' bundles published and the scheme set, and the token of
/// 汉阴's window clerk.
async fn with_scheme(backend: Backend) -> (Api, String) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let catalog = stage_bundles(&app).await;
    app.by(&catalog)
        .put("/api/v1/jurisdictions/hanyin/project-scheme", scheme())
        .await
        .expect(200);
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    (app, clerk)
}

async fn stage_bundles(app: &Api) -> String {
    publish(app, "HY-FG-101", "企业投资项目核准", "fagai", "项目申请书").await;
    publish(
        app,
        "HY-HB-101",
        "建设项目环境影响评价文件审批",
        "huanbao",
        "环境影响报告表",
    )
    .await;
    publish(
        app,
        "HY-ZJ-101",
        "建设工程规划许可证核发",
        "zhujian",
        "建设工程规划许可申请表",
    )
    .await;
    let catalog = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    for (code, name, lead, members) in [
        (
            "GJ-1",
            "立项用地规划许可阶段",
            "fagai",
            &["HY-FG-101", "HY-HB-101"][..],
        ),
        ("GJ-2", "工程建设许可阶段", "zhujian", &["HY-ZJ-101"][..]),
    ] {
        app.by(&catalog)
            .post(
                "/api/v1/jurisdictions/hanyin/bundles",
                bundle(code, name, lead, members),
            )
            .await
            .expect(201);
    }
    catalog
}

async fn a_project_moves_through_its_stages_in_order_and_counts_its_days(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let catalog = stage_bundles(&app).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    app.staff("hy.chief", Role::SectionChief, HANYIN).await;
    let elsewhere = app.staff("xy.clerk", Role::WindowClerk, "xunyang").await;

    // Only the catalog administrator sets the scheme; it is public; the target defaults to 120.
    app.by(&clerk)
        .put("/api/v1/jurisdictions/hanyin/project-scheme", scheme())
        .await
        .expect(403);
    let mut unordered = scheme();
    unordered["stages"].as_array_mut().unwrap().reverse();
    app.by(&catalog)
        .put("/api/v1/jurisdictions/hanyin/project-scheme", unordered)
        .await
        .refused(422, "应按顺序配置");
    app.by(&catalog)
        .put("/api/v1/jurisdictions/hanyin/project-scheme", scheme())
        .await
        .expect(200);
    let public = app
        .get_json("/api/v1/jurisdictions/hanyin/project-scheme")
        .await
        .expect(200);
    assert_eq!(public["target_days"], 120);

    // The window registers the project, once; others may not; bad input names its field.
    app.by(&catalog)
        .post("/api/v1/projects", project())
        .await
        .expect(403);
    let mut bad = project();
    bad["code"] = json!("2025-61092");
    app.by(&clerk)
        .post("/api/v1/projects", bad)
        .await
        .refused(422, "项目代码");
    let view = app
        .by(&clerk)
        .post("/api/v1/projects", project())
        .await
        .expect(201);
    let id = view["id"].as_i64().unwrap();
    assert_eq!(view["investment_label"], "社会投资");
    assert_eq!(view["stages"].as_array().unwrap().len(), 4);
    assert_eq!(view["stages"][0]["state"], "not_started");
    app.by(&clerk)
        .post("/api/v1/projects", project())
        .await
        .refused(409, "已在本县区登记");

    // Stage 2 before stage 1 is refused naming the rule; another county's window may not act.
    let stage1 = format!("/api/v1/projects/{id}/stages/land_planning");
    let stage2 = format!("/api/v1/projects/{id}/stages/engineering");
    app.by(&clerk)
        .post(&stage2, stage(&["M1"], "accept"))
        .await
        .refused(422, "「立项用地规划许可」阶段尚未收件");
    app.by(&elsewhere)
        .post(&stage1, stage(&["M1"], "accept"))
        .await
        .expect(403);
    app.by(&catalog)
        .post(&stage1, stage(&["M1"], "accept"))
        .await
        .expect(403);

    // Stage 1 received with one supplement notice (营业执照 missing), supplied two days later.
    let b1 = app
        .by(&clerk)
        .post(&stage1, stage(&["M1", "HY-HB-101/M1"], "notify_supplement"))
        .await
        .expect(201);
    assert_eq!(b1["state"], "awaiting_supplement");
    let b1_id = b1["id"].as_i64().unwrap();
    app.by(&clerk)
        .post(&stage1, stage(&["M1", "M2"], "accept"))
        .await
        .refused(422, "只收件一次");
    app.clock.set(at("2025-03-05"));
    // (The sessions ended meanwhile.)
    let [clerk] = app.tokens(["hy.clerk"]).await;
    app.by(&clerk)
        .post(
            &format!("/api/v1/bundles/{b1_id}/actions"),
            json!({"action": "supplement", "materials": ["M2"]}),
        )
        .await
        .expect(200);
    app.by(&clerk)
        .post(
            &format!("/api/v1/bundles/{b1_id}/actions"),
            json!({"action": "accept"}),
        )
        .await
        .expect(200);
    app.by(&clerk)
        .post(&stage2, stage(&["M1"], "accept"))
        .await
        .refused(422, "「立项用地规划许可」阶段尚未办结");
    let refusal = app
        .by(&clerk)
        .post(&stage2, stage(&["M1"], "accept"))
        .await
        .expect(422);
    assert!(
        refusal.to_string().contains("国办发〔2019〕11号"),
        "{refusal}"
    );

    // The milestone decided ends stage 1; the parallel 环评 still open does not hold it.
    app.clock.set(at("2025-03-10"));
    // (The sessions ended meanwhile.)
    let [clerk, reviewer, chief] = app.tokens(["hy.clerk", "hy.reviewer", "hy.chief"]).await;
    let fg = member_case(&b1, "HY-FG-101");
    app.act(&reviewer, fg, review("符合产业政策"))
        .await
        .expect(200);
    app.act(&chief, fg, approve("予以核准")).await.expect(200);
    let ended = project_seen(&app, &clerk, id).await;
    assert_eq!(ended["stages"][0]["state"], "ended", "{ended}");
    assert_eq!(ended["stages"][0]["ended_on"], "2025-03-10");
    // Received 03-03, ended 03-10: five working days, two of them awaiting the supplement.
    assert_eq!(ended["stages"][0]["days"]["elapsed"], 5, "{ended}");
    assert_eq!(ended["stages"][0]["days"]["supplement"], 2);
    assert_eq!(ended["stages"][0]["days"]["used"], 3);
    assert_eq!(ended["next_stage"], "engineering");
    assert_eq!(ended["next_blocked"], "");

    // Stage 2 received without asking again for the 营业执照 stage 1 took.
    app.clock.set(at("2025-03-11"));
    // (The sessions ended meanwhile.)
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let b2 = app
        .by(&clerk)
        .post(&stage2, stage(&["M1"], "accept"))
        .await
        .expect(201);
    let licence = b2["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "营业执照")
        .cloned()
        .expect("营业执照 in stage 2's list");
    assert_eq!(licence["provided"], true, "{b2}");
    assert_eq!(b2["state"], "accepted");

    // The total as of 03-12: stage 1's three days and stage 2's one, against 120.
    app.clock.set(at("2025-03-12"));
    // (The sessions ended meanwhile.)
    let [clerk, elsewhere] = app.tokens(["hy.clerk", "xy.clerk"]).await;
    let now = project_seen(&app, &clerk, id).await;
    assert_eq!(now["days"]["used"], 4, "{now}");
    assert_eq!(now["days"]["supplement"], 2);
    assert_eq!(now["days"]["target"], 120);
    assert_eq!(now["days"]["left"], 116);
    assert!(
        now["days"]["explanation"]
            .as_str()
            .unwrap()
            .contains("第四十五条")
    );
    assert_eq!(now["stages"][1]["state"], "in_progress");
    // The 营业执照 supplied in stage 1 is stage 1's.
    let given: Vec<(String, String)> = now["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().into(),
                m["stage_label"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        given.contains(&("营业执照".into(), "立项用地规划许可".into())),
        "{given:?}"
    );
    let list = app
        .by(&clerk)
        .get("/api/v1/projects?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(list[0]["days_used"], 4);
    app.by(&elsewhere)
        .get("/api/v1/projects?jurisdiction=hanyin")
        .await
        .expect(403);
    app.by(&elsewhere)
        .get(&format!("/api/v1/projects/{id}"))
        .await
        .expect(403);

    // The staff page, and the builder's own pages; another company sees nothing.
    let (status, html) = app.page_text(&clerk, &format!("/work/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    for phrase in [
        "立项用地规划许可：已办结",
        "工程建设许可：办理中",
        "累计用时",
        "（并行推进）",
        "本县区尚未配置该阶段",
    ] {
        assert!(html.contains(phrase), "{phrase} in {html}");
    }
    let (status, html) = app
        .page_text(&clerk, "/work/projects?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("2025-610921-48-01-000123"));
    let builder = app.builder().await;
    let mine = app
        .by(&builder)
        .get("/api/v1/my/projects")
        .await
        .expect(200);
    assert_eq!(mine[0]["id"], id);
    let seen = project_seen(&app, &builder, id).await;
    assert_eq!(seen["days"]["used"], 4);
    let (status, html) = app.page_text(&builder, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("目标 120 个工作日") && !html.contains("收件：第"),
        "{html}"
    );
    app.by(&builder)
        .post(&stage2, stage(&["M1"], "accept"))
        .await
        .expect(403);
    let other = app.other_company().await;
    app.by(&other)
        .get(&format!("/api/v1/projects/{id}"))
        .await
        .refused(403, "不是您单位的项目");
    let (status, _) = app.page_text(&other, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .page_text(&builder, &format!("/work/projects/{id}"))
        .await;
    assert_eq!(status, 403);
}

/// The scheme page's form: the target, then each stage's bundle, milestones, rule and parallel
/// items (`fields` change or add to the stages 1 and 2 of [`scheme`]; stages 3 and 4 empty).
fn scheme_form<'a>(csrf: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("target_days", "100"),
        ("land_planning_bundle", "GJ-1"),
        ("land_planning_milestones", "HY-FG-101"),
        ("land_planning_completion", "all"),
        ("land_planning_parallel", "HY-HB-101"),
        ("engineering_bundle", "GJ-2"),
        ("engineering_milestones", "HY-ZJ-101"),
        ("engineering_completion", "any"),
        ("engineering_parallel", ""),
        ("construction_bundle", ""),
        ("construction_milestones", ""),
        ("construction_completion", "all"),
        ("construction_parallel", ""),
        ("completion_bundle", ""),
        ("completion_milestones", ""),
        ("completion_completion", "all"),
        ("completion_parallel", ""),
    ];
    for (k, v) in fields {
        match form.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => form.push((k, v)),
        }
    }
    form
}

/// The catalog administrator sets the scheme on the catalog editor's page, linked from the
/// catalog; what is saved is the API's; bad input is refused in Chinese and changes nothing; the
/// window may neither see nor send the page.
async fn the_catalog_administrator_sets_the_scheme_on_its_page(backend: Backend) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let catalog = stage_bundles(&app).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;
    let page = "/admin/catalog/hanyin/project-scheme";
    let api = "/api/v1/jurisdictions/hanyin/project-scheme";

    let (status, html) = app.page_text(&catalog, "/admin/catalog/hanyin").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("href=\"{page}\"")), "{html}");
    let (status, html) = app.page_text(&catalog, page).await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(
        &html,
        &[
            "本县区尚未配置工程建设项目审批阶段",
            "第1阶段：立项用地规划许可",
            "第4阶段：竣工验收",
            "立项用地规划许可阶段（GJ-1）",
            "value=\"120\"",
        ],
    );

    // The window may neither see the page nor send its form.
    let (status, _) = app.page_text(&clerk, page).await;
    assert_eq!(status, 403);
    let csrf = app.browser_login("hy.clerk").await;
    let r = app.post_form(page, &scheme_form(&csrf, &[])).await;
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("您的岗位没有此项职责"));
    assert_ne!(app.get_json(api).await.status, 200, "nothing saved");

    // Bad input: named in Chinese, the form shown again as sent, nothing saved.
    let csrf = app.browser_login_totp("hy.catalog").await;
    for (fields, phrase) in [
        (
            &[("target_days", "一百")][..],
            "审批时间目标应填写工作日天数",
        ),
        (
            &[("target_days", "400")][..],
            "审批时间目标应为 1 至 365 个工作日",
        ),
        (
            &[("land_planning_bundle", "")][..],
            "「立项用地规划许可」阶段应指定一件事",
        ),
        (
            &[("engineering_parallel", "HY-ZJ-101")][..],
            "事项「HY-ZJ-101」不能既是里程碑事项又是并行推进事项",
        ),
        (
            &[
                ("construction_bundle", "GJ-9"),
                ("construction_milestones", "HY-ZJ-101"),
            ][..],
            "一件事「GJ-9」不在本县区现行的事项目录中",
        ),
    ] {
        let r = app.post_form(page, &scheme_form(&csrf, fields)).await;
        assert_eq!(r.status().as_u16(), 422, "{fields:?}");
        let html = r.text().await.unwrap();
        yiyin_testkit::assert_says(&html, &["未能保存：", phrase]);
        assert!(
            html.contains("value=\"HY-FG-101\""),
            "filled in again: {html}"
        );
        assert_ne!(app.get_json(api).await.status, 200, "nothing saved");
    }

    // Saved through the page, read back through the API and on the page.
    let r = app.post_form(page, &scheme_form(&csrf, &[])).await;
    assert_eq!(r.status().as_u16(), 303);
    let saved = app.get_json(api).await.expect(200);
    let mut expected = scheme();
    expected["target_days"] = json!(100);
    expected["stages"][1]["parallel"] = json!([]);
    assert_eq!(saved, expected);
    let (status, html) = app.page_text(&catalog, page).await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(
        &html,
        &[
            "审批时间目标：100 个工作日",
            "企业投资项目核准（HY-FG-101）",
            "建设项目环境影响评价文件审批（HY-HB-101）",
            "任一里程碑事项办结",
            "工程建设许可阶段（GJ-2）",
        ],
    );
    assert!(!html.contains("本县区尚未配置工程建设项目审批阶段"));
}

/// A small PDF, base64.
const PDF: &str = "JVBERi0xLjQKJXN0YWdlIHRlc3QK";

fn file(material: &str, name: &str) -> Value {
    json!({"material": material, "name": name, "content_base64": PDF})
}

/// A stage applied for online: the files given, attested or not.
fn online_stage(files: &[(&str, &str)], attested: bool) -> Value {
    json!({
        "files": files.iter().map(|(m, n)| file(m, n)).collect::<Vec<_>>(),
        "attested": attested,
    })
}

async fn the_builder_and_its_agent_apply_for_a_stage_online(backend: Backend) {
    let (app, clerk) = with_scheme(backend).await;
    let agent = app.staff("hy.agency", Role::AgencyAgent, HANYIN).await;
    let agent2 = app.staff("hy.agency2", Role::AgencyAgent, HANYIN).await;
    let view = app
        .by(&clerk)
        .post("/api/v1/projects", project())
        .await
        .expect(201);
    let id = view["id"].as_i64().unwrap();
    let builder = app.builder().await;
    let other = app.other_company().await;
    let stage1 = format!("/api/v1/my/projects/{id}/stages/land_planning");
    let stage2 = format!("/api/v1/my/projects/{id}/stages/engineering");
    let both = [
        ("M1", "项目申请书.pdf"),
        ("HY-HB-101/M1", "环境影响报告表.pdf"),
    ];

    // The builder's page offers the online application of stage 1, a file per material.
    let (status, html) = app.page_text(&builder, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["网上申报：第1阶段", "提交申报"]);

    // Refused, naming the rule, and nothing received: the stage out of order, no attestation, a
    // file of no material of the stage, another company, a staff account, an unknown stage.
    app.by(&builder)
        .post(&stage2, online_stage(&both, true))
        .await
        .refused(422, "「立项用地规划许可」阶段尚未收件");
    app.by(&builder)
        .post(&stage1, online_stage(&both, false))
        .await
        .refused(422, "第三十一条");
    app.by(&builder)
        .post(&stage1, online_stage(&[("M9", "其他.pdf")], true))
        .await
        .refused(422, "不在一件事");
    app.by(&other)
        .post(&stage1, online_stage(&both, true))
        .await
        .refused(403, "不是您单位的项目");
    app.by(&clerk)
        .post(&stage1, online_stage(&both, true))
        .await
        .expect(403);
    app.by(&builder)
        .post(
            &format!("/api/v1/my/projects/{id}/stages/nowhere"),
            online_stage(&both, true),
        )
        .await
        .refused(422, "阶段应为");
    let seen = project_seen(&app, &clerk, id).await;
    assert!(seen["stages"][0]["bundle"].is_null(), "{seen}");

    // Applied: received online (the window's Art. 32 act to come), the files kept.
    let b1 = app
        .by(&builder)
        .post(&stage1, online_stage(&both, true))
        .await
        .expect(201);
    assert_eq!(b1["state"], "received", "{b1}");
    let b1_id = b1["id"].as_i64().unwrap();
    let fg = member_case(&b1, "HY-FG-101");
    let received = app.events_of(&clerk, fg, "receive").await;
    assert!(
        received[0]["actor"].as_str().unwrap().starts_with("申请人"),
        "{received:?}"
    );
    // The lead department's window is told, with the Art. 32 duty, and the link to the bundle.
    let inbox = app.by(&clerk).get("/api/v1/messages").await.expect(200);
    let told = inbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"].as_str().unwrap().starts_with("网上申请待处理"))
        .unwrap_or_else(|| panic!("{inbox}"));
    assert!(
        told["body"].as_str().unwrap().contains("第三十二条"),
        "{told}"
    );
    assert_eq!(told["link"], format!("/work/bundles/{b1_id}"));
    app.by(&builder)
        .post(&stage1, online_stage(&both, true))
        .await
        .refused(422, "只收件一次");

    // The window asks once for the 营业执照 both members need.
    app.by(&clerk)
        .post(
            &format!("/api/v1/bundles/{b1_id}/actions"),
            json!({"action": "notify_supplement", "missing": ["M2"]}),
        )
        .await
        .expect(200);

    // The builder signs a mandate for the project; the agent answers the notice for it.
    let m = app
        .by(&builder)
        .post(
            "/api/v1/agency/mandates",
            json!({"agent": "hy.agency", "subject": "project", "subject_id": id,
                "acts": ["fill_forms", "upload_materials"],
                "starts_on": "2025-03-03", "ends_on": "2025-12-31"}),
        )
        .await
        .expect(201);
    let m = m["id"].as_i64().unwrap();
    let shown = app
        .by(&agent)
        .get(&format!("/api/v1/agency/mandates/{m}/project"))
        .await
        .expect(200);
    let asked: Vec<&str> = shown["stages"][0]["bundle"]["asked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(asked, ["M2"], "{shown}");
    let (status, html) = app
        .page_text(&agent, &format!("/work/agency/{m}/project"))
        .await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["补正告知", "营业执照", "提交补正材料"]);
    // Both readings of the builder's project (the API's and the page's) are recorded as the
    // agent's for the builder.
    let reads: Vec<_> = app
        .store
        .events_from(1, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "agency_project_read")
        .collect();
    assert_eq!(reads.len(), 2);
    assert!(
        reads[0].reason.contains("查阅申请人的"),
        "{}",
        reads[0].reason
    );
    assert!(
        reads[0].actor.starts_with("代办员 测试代办员 代"),
        "{}",
        reads[0].actor
    );
    let supplement = format!("/api/v1/agency/mandates/{m}/bundles/{b1_id}/supplement");
    let licence = json!({"materials": ["M2"], "files": [file("M2", "营业执照.pdf")]});
    app.by(&agent2)
        .post(&supplement, licence.clone())
        .await
        .refused(422, "不是委托给您的");
    app.by(&agent)
        .post(
            &supplement,
            json!({"materials": ["M1"], "files": [file("M1", "项目申请书.pdf")]}),
        )
        .await
        .refused(422, "不是补正告知要求");
    app.by(&agent)
        .post(&supplement, json!({"materials": ["M2"]}))
        .await
        .refused(422, "请上传材料");
    app.by(&other)
        .post(
            &format!("/api/v1/my/bundles/{b1_id}/supplement"),
            licence.clone(),
        )
        .await
        .refused(403, "不是您（或您单位）申请的");
    assert!(app.events_of(&clerk, fg, "supplement").await.is_empty());
    let after = app.by(&agent).post(&supplement, licence).await.expect(200);
    assert_eq!(after["state"], "received", "{after}");
    // Every member recorded the supplement as the agent's for the builder, with the one file.
    let cases = app.store.bundle_cases(b1_id).await.unwrap();
    for c in &cases {
        let done = app.events_of(&clerk, c.id, "supplement").await;
        assert_eq!(done.len(), 1, "{}", c.item_code);
        let actor = done[0]["actor"].as_str().unwrap();
        assert!(actor.starts_with("代办员 测试代办员 代 申请人"), "{actor}");
        let files = app.store.attachments(c.id).await.unwrap();
        assert_eq!(
            files
                .iter()
                .filter(|f| f.file_name == "营业执照.pdf")
                .count(),
            1,
            "{}",
            c.item_code
        );
    }

    // The window accepts; stage 2 is applied for by the agent once stage 1 ended.
    app.by(&clerk)
        .post(
            &format!("/api/v1/bundles/{b1_id}/actions"),
            json!({"action": "accept"}),
        )
        .await
        .expect(200);
    let agent_stage2 = format!("/api/v1/agency/mandates/{m}/stages/engineering");
    app.by(&agent)
        .post(
            &agent_stage2,
            online_stage(&[("M1", "规划许可申请表.pdf")], true),
        )
        .await
        .refused(422, "「立项用地规划许可」阶段尚未办结");

    // After the mandate is revoked the agent may do nothing more.
    app.by(&builder)
        .post(&format!("/api/v1/agency/mandates/{m}/revoke"), json!({}))
        .await
        .expect(200);
    app.by(&agent)
        .post(
            &agent_stage2,
            online_stage(&[("M1", "规划许可申请表.pdf")], true),
        )
        .await
        .refused(422, "委托已撤销");
    let (status, _) = app
        .page_text(&agent, &format!("/work/agency/{m}/project"))
        .await;
    assert_eq!(status, 422);

    // The jurisdiction's list, a page at a time: newest first, the count and the next page.
    let mut second = project();
    second["code"] = json!("2025-610921-48-01-000124");
    second["name"] = json!("汉阴县涧池镇幼儿园建设项目");
    let second = app
        .by(&clerk)
        .post("/api/v1/projects", second)
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let first = app
        .list_page(Some(&clerk), "/api/v1/projects?jurisdiction=hanyin&limit=1")
        .await;
    assert_eq!((first.ids(), first.total()), (vec![second], Some(2)));
    let next = first.next.expect("a next page");
    assert!(
        next.contains("jurisdiction=hanyin") && next.contains("limit=1"),
        "{next}"
    );
    let last = app.list_page(Some(&clerk), &next).await;
    assert_eq!(
        (last.ids(), last.total(), last.next),
        (vec![id], Some(2), None)
    );
    for (query, phrase) in [("after=x", "翻页位置无效"), ("limit=0", "1 至 200")] {
        app.by(&clerk)
            .get(&format!("/api/v1/projects?jurisdiction=hanyin&{query}"))
            .await
            .refused(422, phrase);
    }
    let (status, html) = app
        .page_text(&clerk, "/work/projects?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("共 2 个项目"), "{html}");
}

/// The builder's project page, as a browser sends it: the stage applied for with a file per
/// material (refused without the Art. 31 attestation, nothing received), then the stage's one
/// supplement notice answered with the file asked for.
async fn the_builder_applies_and_answers_the_notice_on_its_project_page(backend: Backend) {
    use yiyin_testkit::uploads::multipart_form;
    let (app, clerk) = with_scheme(backend).await;
    let id = app
        .by(&clerk)
        .post("/api/v1/projects", project())
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    app.builder().await;
    let csrf = app
        .browser_login_with(json!({"login": COMPANY_ID, "password": "jianshe2025a"}))
        .await;
    let scan: &[u8] = b"%PDF-1.4\n%stage page\n%%EOF\n";
    let files = [
        ("file_M1", "项目申请书.pdf", scan),
        ("file_HY-HB-101/M1", "环境影响报告表.pdf", scan),
    ];
    let apply = format!("/my/projects/{id}/stages");

    // Without the attestation: the page again with the rule, nothing received.
    let fields = [("csrf", csrf.as_str()), ("stage", "land_planning")];
    let (status, html, _) = app
        .post_multipart(&app.client, &apply, multipart_form(&fields, &files))
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("第三十一条"), "{html}");
    let seen = project_seen(&app, &clerk, id).await;
    assert!(seen["stages"][0]["bundle"].is_null(), "{seen}");

    // Attested: received, back on the project page with the number.
    let fields = [
        ("csrf", csrf.as_str()),
        ("stage", "land_planning"),
        ("attested", "yes"),
    ];
    let (status, html, location) = app
        .post_multipart(&app.client, &apply, multipart_form(&fields, &files))
        .await;
    assert_eq!(status, 303, "{html}");
    assert!(
        location.starts_with(&format!("/my/projects/{id}")),
        "{location}"
    );
    let seen = project_seen(&app, &clerk, id).await;
    let bundle = &seen["stages"][0]["bundle"];
    assert_eq!(bundle["state"], "received", "{seen}");
    let bundle_id = bundle["id"].as_i64().unwrap();

    // The window's one notice; the builder's page asks for the 营业执照 and takes its file.
    app.by(&clerk)
        .post(
            &format!("/api/v1/bundles/{bundle_id}/actions"),
            json!({"action": "notify_supplement", "missing": ["M2"]}),
        )
        .await
        .expect(200);
    let builder = app.token(COMPANY_ID, "jianshe2025a").await;
    let (status, html) = app.page_text(&builder, &format!("/my/projects/{id}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("补正告知") && html.contains("营业执照"),
        "{html}"
    );
    let (status, html, location) = app
        .post_multipart(
            &app.client,
            &format!("/my/projects/{id}/bundles/{bundle_id}/supplement"),
            multipart_form(
                &[("csrf", csrf.as_str())],
                &[("file_M2", "营业执照.pdf", scan)],
            ),
        )
        .await;
    assert_eq!(status, 303, "{html}");
    assert!(
        location.starts_with(&format!("/my/projects/{id}")),
        "{location}"
    );
    let after = project_seen(&app, &clerk, id).await;
    assert_eq!(after["stages"][0]["bundle"]["asked"], json!([]), "{after}");
    assert!(
        after["stages"][0]["bundle"]["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == "M2" && m["provided"] == true),
        "{after}"
    );
}
