//! Central drawing review (集中图审; 技术审查与行政审批相分离) against a real server, on both
//! databases: the system administrator registers two technical review institutions (and no one else
//! may); a project's stage 1 (企业投资项目核准 and 建设工程消防设计审查, whose procedure has a drawing
//! review step) is received; the bureau's reviewer assigns the review by rotation (the window, an
//! applicant and an institution's reviewer may not; a second assignment is refused); another
//! institution's reviewer, the bureau's reviewer and the applicant may not give the opinion; the
//! institution asks for revisions with numbered defects; the builder — and no other company —
//! resubmits revised drawings; the pass issues one certificate with a number; the fire-protection
//! case shows the certificate and has its drawing-review step recorded as satisfied by it (by the
//! system, in the institution's name, when the certificate is issued); the project's total leaves
//! out the institution's working days (not the applicant's revision); the certificate is a sealed
//! document of the register (in the institution's name, the bureau's seal) whose PDF and OFD the
//! builder downloads (another company and another county's staff may not) and anyone verifies, a
//! revise opinion issuing none; a second project's review is drawn with a recorded seed that
//! re-runs to the same institution; the pages.

use serde_json::{Value, json};
use yiyin_domain::catalog::{Step, StepKind};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::app::grant;
use yiyin_testkit::bundles::{PROJECT_ITEMS, publish_from_sample};
use yiyin_testkit::fixtures::at;
use yiyin_testkit::web::{COMPANY_ID, HANYIN};
use yiyin_testkit::{Api, on_both};

on_both!(a_project_s_drawings_are_reviewed_once_by_an_institution_outside_the_bureau);

/// The credit code of `Api::other_company`.
const OTHER_ID: &str = "916100002205253740";

/// A PDF as the uploads check it.
const PDF: &[u8] = b"%PDF-1.4\n%drawings\n%%EOF\n";

/// An item of the bureau made from the sample's, with a drawing review step when `drawings`.
async fn publish(app: &Api, code: &str, name: &str, department: &str, drawings: bool) {
    publish_from_sample(app, (code, name, department), PROJECT_ITEMS, |item| {
        if drawings {
            item.steps.insert(
                1,
                Step {
                    kind: StepKind::DrawingReview,
                    name: "消防设计技术审查".into(),
                    role: Role::TechnicalReviewer,
                    days: 2,
                    standard: String::new(),
                },
            );
        }
    })
    .await;
}

fn project(code: &str) -> Value {
    json!({
        "jurisdiction": HANYIN,
        "code": code,
        "name": "汉阴县城关镇安置小区建设项目",
        "builder": "汉阴县月河建设有限公司",
        "builder_code": COMPANY_ID,
        "location": "汉阴县城关镇",
        "investment": "social",
    })
}

/// The catalog (stage 1: 核准 and 消防设计审查, both milestones) and a project registered and its
/// stage 1 received on 03-03; the project's id and the fire-protection case's id.
async fn received_project(app: &Api, clerk: &str, code: &str) -> (i64, i64) {
    let id = app
        .by(clerk)
        .post("/api/v1/projects", project(code))
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let bundle = app
        .by(clerk)
        .post(
            &format!("/api/v1/projects/{id}/stages/land_planning"),
            json!({
                "applicant": {"kind": "organisation", "name": "汉阴县月河建设有限公司", "id_number": COMPANY_ID},
                "materials": ["M1", "M2"],
                "outcome": "accept",
                "attested": true,
            }),
        )
        .await
        .expect(201);
    let fire = bundle["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["item_code"] == "HY-XF-101")
        .and_then(|m| m["case_id"].as_i64())
        .unwrap_or_else(|| panic!("no fire-protection member in {bundle}"));
    (id, fire)
}

async fn catalog(app: &Api) {
    publish(app, "HY-FG-101", "企业投资项目核准", "fagai", false).await;
    publish(app, "HY-XF-101", "建设工程消防设计审查", "zhujian", true).await;
    let catalog = app.staff("hy.catalog", Role::CatalogAdmin, HANYIN).await;
    app.by(&catalog)
        .post(
            "/api/v1/jurisdictions/hanyin/bundles",
            json!({
                "spec": {"code": "GJ-1", "name": "立项用地规划许可阶段", "lead_department": "fagai",
                    "members": ["HY-FG-101", "HY-XF-101"]},
                "effective_on": "2025-03-03",
            }),
        )
        .await
        .expect(201);
    app.by(&catalog)
        .put(
            "/api/v1/jurisdictions/hanyin/project-scheme",
            json!({"stages": [{"stage": "land_planning", "bundle_code": "GJ-1",
                "milestones": ["HY-FG-101", "HY-XF-101"], "completion": "all"}]}),
        )
        .await
        .expect(200);
}

async fn a_project_s_drawings_are_reviewed_once_by_an_institution_outside_the_bureau(
    backend: Backend,
) {
    let app = Api::spawn_sealed(backend, "2025-03-03").await;
    catalog(&app).await;
    let admin = app.staff("hy.admin", Role::SystemAdmin, HANYIN).await;
    let reviewer = app.staff("hy.reviewer", Role::Reviewer, HANYIN).await;
    let clerk = app.staff("hy.clerk", Role::WindowClerk, HANYIN).await;

    // Institutions: registered by the system administrator alone, listed publicly.
    let institutions = "/api/v1/jurisdictions/hanyin/drawing-institutions";
    app.by(&reviewer)
        .post(
            institutions,
            json!({"code": "tuzhi", "name": "汉阴县施工图审查中心"}),
        )
        .await
        .expect(403);
    app.by(&admin)
        .post(institutions, json!({"code": "Tu Zhi", "name": "审查中心"}))
        .await
        .expect(422);
    for (code, name) in [
        ("tuzhi", "汉阴县施工图审查中心"),
        ("tuzhi-b", "安康市建筑设计审查所"),
    ] {
        app.by(&admin)
            .post(institutions, json!({"code": code, "name": name}))
            .await
            .expect(201);
    }
    app.by(&admin)
        .post(institutions, json!({"code": "tuzhi", "name": "重复"}))
        .await
        .refused(422, "已被本县区的其他机构使用");
    let listed = app.get_json(institutions).await.expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    let ours = app
        .staff_with(
            "hy.tuzhi",
            grant(Role::TechnicalReviewer, HANYIN, Some("tuzhi")),
        )
        .await;
    let theirs = app
        .staff_with(
            "hy.tuzhib",
            grant(Role::TechnicalReviewer, HANYIN, Some("tuzhi-b")),
        )
        .await;

    let (project_id, fire_case) = received_project(&app, &clerk, "2025-610921-48-01-000123").await;
    let builder = app.builder().await;
    let other = app.other_company().await;

    // Assignment: the bureau's step owners only; by rotation the first institution by code.
    let assign = json!({"project_id": project_id, "method": "rotation"});
    app.by(&clerk)
        .post("/api/v1/drawing-reviews", assign.clone())
        .await
        .expect(403);
    app.by(&builder)
        .post("/api/v1/drawing-reviews", assign.clone())
        .await
        .expect(403);
    app.by(&ours)
        .post("/api/v1/drawing-reviews", assign.clone())
        .await
        .refused(403, "无权分派施工图审查");
    app.by(&reviewer)
        .post(
            "/api/v1/drawing-reviews",
            json!({"project_id": project_id, "method": "rotation", "budget_days": 0}),
        )
        .await
        .refused(422, "施工图审查时限应为 1 至 60 个工作日");
    let view = app
        .by(&reviewer)
        .post("/api/v1/drawing-reviews", assign.clone())
        .await
        .expect(201);
    let id = view["id"].as_i64().unwrap();
    assert_eq!(view["review"]["institution"]["code"], "tuzhi", "{view}");
    assert_eq!(view["review"]["budget_days"], 10);
    assert_eq!(view["state"], "under_review");
    app.by(&reviewer)
        .post("/api/v1/drawing-reviews", assign)
        .await
        .refused(409, "一个项目集中审查一次");

    // The opinion: the assigned institution's reviewers only.
    let path = format!("/api/v1/drawing-reviews/{id}/opinions");
    let revise = |version: i64| {
        json!({"version": version, "verdict": "revise",
            "defects": ["疏散楼梯净宽不足 1.1 米", "", "消防车道未标注转弯半径"]})
    };
    app.by(&theirs)
        .post(&path, revise(1))
        .await
        .refused(403, "汉阴县施工图审查中心");
    app.by(&reviewer)
        .post(&path, revise(1))
        .await
        .refused(403, "技术审查与行政审批相分离");
    app.by(&builder).post(&path, revise(1)).await.expect(403);
    app.by(&theirs)
        .get(&format!("/api/v1/drawing-reviews/{id}"))
        .await
        .expect(403);
    let worklist = app
        .by(&theirs)
        .get("/api/v1/drawing-reviews?jurisdiction=hanyin")
        .await
        .expect(200);
    assert_eq!(worklist, json!([]), "another institution sees none");

    // 03-05: revise, the defects numbered 1 and 2 (the blank line dropped).
    app.clock.set(at("2025-03-05"));
    let [ours] = app.tokens(["hy.tuzhi"]).await;
    let builder = app.token(COMPANY_ID, "jianshe2025a").await;
    app.by(&ours)
        .post(
            &path,
            json!({"version": 1, "verdict": "revise", "defects": [" "]}),
        )
        .await
        .refused(422, "逐条列明问题");
    let revised = app.by(&ours).post(&path, revise(1)).await.expect(200);
    let defects = &revised["review"]["rounds"][0]["opinion"]["defects"];
    assert_eq!(defects[0]["number"], 1, "{revised}");
    assert_eq!(defects[1]["number"], 2);
    assert_eq!(defects.as_array().unwrap().len(), 2);
    assert_eq!(revised["state"], "revising");
    // A revise opinion issues no document.
    assert!(
        app.store
            .drawing_review_document(id)
            .await
            .expect("read")
            .is_none()
    );
    // No certificate before a pass.
    app.by(&builder)
        .get(&format!("/api/v1/drawing-reviews/{id}/certificate"))
        .await
        .refused(404, "尚未审查合格");

    // 03-10: the builder resubmits (another company and staff may not; a file not a drawing is
    // refused); the institution reviews again.
    app.clock.set(at("2025-03-10"));
    let [clerk] = app.tokens(["hy.clerk"]).await;
    let builder = app.token(COMPANY_ID, "jianshe2025a").await;
    let other = {
        let _ = other;
        app.token(OTHER_ID, "gongsi2025a").await
    };
    let resubmit = |version: i64| {
        format!(
            "/api/v1/drawing-reviews/{id}/resubmissions?name=施工图（修改）.pdf&version={version}"
        )
    };
    let send = |token: &str, body: &'static [u8], version: i64| {
        app.request("POST", &resubmit(version), Some(token), None)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let r = send(&other, PDF, 2).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("不是您单位的项目"));
    assert_eq!(send(&clerk, PDF, 2).await.unwrap().status().as_u16(), 403);
    let r = send(&builder, b"not a drawing", 2).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = send(&builder, PDF, 1).await.unwrap();
    assert_eq!(r.status().as_u16(), 409, "the version read is stale");
    let r = send(&builder, PDF, 2).await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["state"], "under_review", "{again}");
    assert_eq!(
        again["review"]["rounds"][1]["files"][0]["name"],
        "施工图（修改）.pdf"
    );

    // 03-12: pass; the one certificate with its number.
    app.clock.set(at("2025-03-12"));
    let [ours] = app.tokens(["hy.tuzhi"]).await;
    app.by(&ours)
        .post(
            &path,
            json!({"version": 3, "verdict": "pass", "defects": ["还有问题"]}),
        )
        .await
        .refused(422, "审查合格的意见不应列出问题");
    let passed = app
        .by(&ours)
        .post(
            &path,
            json!({"version": 3, "verdict": "pass", "summary": "符合工程建设强制性标准"}),
        )
        .await
        .expect(200);
    assert_eq!(passed["state"], "passed", "{passed}");
    let number = passed["review"]["certificate"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(number, "汉阴审批图审字〔2025〕第1号");
    app.by(&ours)
        .post(&path, json!({"version": 4, "verdict": "pass"}))
        .await
        .refused(422, "已经审查合格");

    // 03-14: the fire-protection case shows the certificate, its drawing review satisfied; the
    // project's total leaves out the institution's 4 working days (03-04, 03-05, 03-11, 03-12)
    // but not the applicant's 3 revising.
    app.clock.set(at("2025-03-14"));
    let [reviewer, clerk] = app.tokens(["hy.reviewer", "hy.clerk"]).await;
    let builder = app.token(COMPANY_ID, "jianshe2025a").await;
    let other = app.token(OTHER_ID, "gongsi2025a").await;
    let shown = app
        .by(&clerk)
        .get(&format!("/api/v1/drawing-reviews/for-case/{fire_case}"))
        .await
        .expect(200);
    assert_eq!(shown["certificate"]["number"], number.as_str(), "{shown}");
    assert_eq!(shown["satisfied_steps"], json!(["drawing_review"]));
    assert!(shown["note"].as_str().unwrap().contains("以该合格书代替"));
    // The case, accepted and waiting at its drawing review step, took the certificate when it
    // was issued: the step recorded by the system in the institution's name, once.
    let case = app
        .by(&clerk)
        .get(&format!("/api/v1/cases/{fire_case}"))
        .await
        .expect(200);
    let taken: Vec<&Value> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "drawing_certificate_accepted")
        .collect();
    assert_eq!(taken.len(), 1, "{case}");
    assert_eq!(taken[0]["actor"], "系统");
    let reason = taken[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(number.as_str()) && reason.contains("消防设计技术审查"),
        "{reason}"
    );
    let steps = case["case"]["steps"].as_array().expect("the case's steps");
    let step = steps.last().expect("a step recorded");
    assert_eq!(step["kind"], "drawing_review", "{case}");
    assert_eq!(step["staff"], json!(["汉阴县施工图审查中心"]));
    assert_eq!(step["on"], "2025-03-12");
    let total = app
        .by(&clerk)
        .get(&format!("/api/v1/projects/{project_id}"))
        .await
        .expect(200);
    let stage = &total["stages"][0]["days"];
    assert_eq!(stage["elapsed"], 9, "{total}");
    assert_eq!(stage["suspended"], 4);
    assert_eq!(stage["used"], 5);
    assert_eq!(total["days"]["used"], 5);
    assert_eq!(total["drawing_reviews"][0]["institution_days"], 4);
    let seen = app
        .by(&builder)
        .get(&format!("/api/v1/drawing-reviews/{id}"))
        .await
        .expect(200);
    assert_eq!(seen["days"]["institution"], 4);
    assert_eq!(seen["days"]["revision"], 3);
    assert_eq!(
        seen["review"]["rounds"][0]["opinion"]["reviewer"], "汉阴县施工图审查中心",
        "the builder sees the institution, not its staff's names"
    );
    let certificate = app
        .by(&builder)
        .get(&format!("/api/v1/drawing-reviews/{id}/certificate"))
        .await
        .expect(200);
    assert_eq!(certificate["title"], "施工图审查合格书");

    // The certificate in the register: sealed with the bureau's seal in the institution's name.
    let doc = app
        .store
        .drawing_review_document(id)
        .await
        .expect("read")
        .expect("the certificate is kept in the register");
    assert_eq!(doc.case_id, None);
    assert_eq!(doc.record.number, number);
    assert_eq!(doc.record.agency, "汉阴县施工图审查中心");
    assert!(doc.sealed.is_some(), "sealed in the same write");
    // Downloads: the builder, the bureau's staff and the institution; not another company nor
    // another county's staff.
    let pdf_path = format!("/api/v1/drawing-reviews/{id}/certificate.pdf");
    let ofd_path = format!("/api/v1/drawing-reviews/{id}/certificate.ofd");
    let ziyang = app.staff("zy.reviewer", Role::Reviewer, "ziyang").await;
    let [ours] = app.tokens(["hy.tuzhi"]).await;
    let download = |token: String, path: String| {
        let app = &app;
        async move {
            let r = app.request("GET", &path, Some(&token), None).send().await;
            let r = r.expect("the server answers");
            (
                r.status().as_u16(),
                r.bytes().await.expect("a body").to_vec(),
            )
        }
    };
    let (status, pdf) = download(builder.clone(), pdf_path.clone()).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
    let (status, ofd) = download(builder.clone(), ofd_path.clone()).await;
    assert_eq!(status, 200);
    for token in [&clerk, &ours] {
        assert_eq!(download(token.clone(), pdf_path.clone()).await.0, 200);
    }
    for token in [&other, &ziyang] {
        assert_eq!(download(token.clone(), pdf_path.clone()).await.0, 403);
        assert_eq!(download(token.clone(), ofd_path.clone()).await.0, 403);
    }
    // Verified: the PDF and the OFD uploaded, the number looked up (the builder, an
    // organisation, named in full; no reviewer's name).
    let verdict = app.app.verify_bytes(&pdf).await.expect("verified");
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.title.as_deref(), Some("施工图审查合格书"));
    assert_eq!(verdict.agency.as_deref(), Some("汉阴县施工图审查中心"));
    assert_eq!(verdict.issued_on.as_deref(), Some("2025-03-12"));
    assert!(verdict.seal_name.as_deref().unwrap().contains("行政审批"));
    let verdict = app.verdict(&ofd).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let looked_up = app
        .app
        .lookup(&number, None)
        .await
        .expect("looked up")
        .expect("found by number");
    assert!(looked_up.valid, "{looked_up:?}");
    assert_eq!(
        looked_up.recipient.as_deref(),
        Some("汉阴县月河建设有限公司")
    );
    let html = app.verify_page("合格书.pdf", &pdf).await;
    yiyin_testkit::assert_says(
        &html,
        &[
            "真实有效",
            "施工图审查合格书",
            "汉阴县施工图审查中心",
            &number,
        ],
    );
    assert!(!html.contains("hy.tuzhi"), "no reviewer named");

    // A second project drawn: the seed recorded re-runs to the same institution.
    let (second, _) = received_project(&app, &clerk, "2025-610921-48-01-000124").await;
    let drawn = app
        .by(&reviewer)
        .post(
            "/api/v1/drawing-reviews",
            json!({"project_id": second, "method": "draw"}),
        )
        .await
        .expect(201);
    let published: yiyin_domain::pools::PublishedDraw =
        serde_json::from_value(drawn["review"]["draw"].clone()).expect("a published draw");
    assert!(!published.input.seed.is_empty());
    let rerun = yiyin_domain::pools::rerun(&published).expect("the draw re-runs");
    assert_eq!(
        drawn["review"]["institution"]["code"],
        rerun.drawn[0].id.as_str()
    );

    // The list reads a page at a time: newest first, the count, the next page.
    let first = app
        .list_page(
            Some(&reviewer),
            "/api/v1/drawing-reviews?jurisdiction=hanyin&limit=1",
        )
        .await;
    assert_eq!((first.ids().len(), first.total()), (1, Some(2)));
    assert_ne!(first.ids()[0], id, "the newest first");
    let last = app
        .list_page(Some(&reviewer), &first.next.expect("a next page"))
        .await;
    assert_eq!(
        (last.ids(), last.total(), last.next),
        (vec![id], Some(2), None)
    );
    app.by(&reviewer)
        .get("/api/v1/drawing-reviews?jurisdiction=hanyin&after=-3")
        .await
        .refused(422, "翻页位置无效");

    // Every act was audited.
    let events = app.store.events_from(1, 10_000).await.expect("events");
    for action in [
        "drawing_institution_register",
        "drawing_review_assign",
        "drawing_review_opinion",
        "drawing_review_resubmit",
        "drawing_review_certificate",
    ] {
        assert!(events.iter().any(|e| e.action == action), "{action}");
    }

    // The pages: the bureau's list, the review, the builder's page, the certificate.
    let (status, html) = app
        .page_text(&reviewer, "/work/drawing-reviews?jurisdiction=hanyin")
        .await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(
        &html,
        &[
            "施工图审查（集中图审）",
            "汉阴县施工图审查中心",
            &number,
            "分派施工图审查",
            "共 2 项施工图审查",
        ],
    );
    let (status, html) = app
        .page_text(&reviewer, &format!("/work/drawing-reviews/{id}"))
        .await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(
        &html,
        &[
            "问题 1：疏散楼梯净宽不足 1.1 米",
            "审查机构用时",
            "查看和打印合格书",
            "下载加盖电子印章的合格书（PDF）",
        ],
    );
    let (status, html) = app
        .page_text(&builder, &format!("/my/drawing-reviews/{id}"))
        .await;
    assert_eq!(status, 200, "{html}");
    let (status, html) = app
        .page_text(&builder, &format!("/my/drawing-reviews/{id}/certificate"))
        .await;
    assert_eq!(status, 200, "{html}");
    yiyin_testkit::assert_says(&html, &["施工图审查合格书", &number, "certificate.ofd"]);
    let (status, html) = app
        .page_text(&builder, &format!("/my/projects/{project_id}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("施工图审查（集中图审）"), "{html}");
    let (status, _) = app
        .page_text(&other, &format!("/my/drawing-reviews/{id}"))
        .await;
    assert_eq!(status, 403);
}
