//! Expert pools (专家库) and a case's expert draw against a real server, on both databases: the
//! bureau head keeps a pool (others, and another county's head, are refused), with members inside
//! and outside the bureau and a declared tie with the applicant; a reviewer publishes the seed
//! (refused when too few members are eligible, and a second time), the member tied to the
//! applicant is excluded with its reason and never drawn; the draw re-runs from what the API
//! publishes (the function `yiyin draw --expert` runs) and from what the applicant sees (names
//! masked); the applicant objects (another applicant and staff may not), the review cannot start
//! while the objection is pending, the upheld objection and a recusal redraw from the same seed
//! keeping the others; starting the review suspends the clock with the written notice and closes
//! the draw to objections; every act is an event of the case. The pages: staff see the seed, the
//! drawn by name and the exclusions with their reasons; the applicant sees names masked only and the
//! 申请回避 form; another applicant sees nothing; the clerk may not open the pools.

use serde_json::{Value, json};
use yiyin_domain::engine::{CaseState, DocumentKind};
use yiyin_domain::pools::{PublishedDraw, rerun};
use yiyin_domain::roles::Role;
use yiyin_store::Backend;
use yiyin_testkit::web::{COMPANY_ID, HANYIN};
use yiyin_testkit::{Api, on_both};

on_both!(a_case_draws_its_experts_reproducibly_with_exclusions_objections_and_the_clock_stopped);

const POOLS: &str = "/api/v1/jurisdictions/hanyin/pools";

fn path(id: i64, rest: &str) -> String {
    format!("/api/v1/cases/{id}/expert-draw{rest}")
}

fn drawn(view: &Value) -> Vec<String> {
    view["published"]["result"]["drawn"]
        .as_array()
        .expect("a result")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Re-runs the published draw as `yiyin draw --expert` does and checks it gives the result shown.
fn reruns(view: &Value) {
    let published: PublishedDraw = serde_json::from_value(view["published"].clone()).unwrap();
    let again = rerun(&published).expect("the published draw re-runs");
    assert_eq!(Some(again), published.result);
}

async fn a_case_draws_its_experts_reproducibly_with_exclusions_objections_and_the_clock_stopped(
    backend: Backend,
) {
    let app = Api::spawn(backend, "2025-03-03").await;
    let desk = app.desk().await;
    let head = app.staff("hy.head", Role::BureauHead, HANYIN).await;
    let other_head = app.staff("zy.head", Role::BureauHead, "ziyang").await;
    let other_reviewer = app.staff("zy.reviewer", Role::Reviewer, "ziyang").await;

    // Only the county's head keeps its pools.
    let pool = json!({"kind": "expert", "name": "食品安全专家库", "specialty": "食品安全"});
    app.by(&desk.reviewer)
        .post(POOLS, pool.clone())
        .await
        .refused(403, "无权管理专家库");
    app.by(&other_head)
        .post(POOLS, pool.clone())
        .await
        .expect(403);
    app.by(&head)
        .post(
            POOLS,
            json!({"kind": "专家", "name": "x", "specialty": "y"}),
        )
        .await
        .refused(422, "库的类别");
    let v = app.by(&head).post(POOLS, pool.clone()).await.expect(201);
    let pool_id = v["pool"]["id"].as_i64().unwrap();
    app.by(&head)
        .post(POOLS, pool)
        .await
        .refused(409, "食品安全专家库");
    let members = format!("/api/v1/pools/{pool_id}/members");
    for (name, org) in [
        ("王建国", "安康市食品检验所"),
        ("李秀英", "陕西理工大学"),
        ("张伟", "汉阴县疾病预防控制中心"),
        ("刘洋", "安康市市场监督管理局"),
    ] {
        app.by(&head)
            .post(
                &members,
                json!({"name": name, "organisation": org, "title": "高级工程师"}),
            )
            .await
            .expect(201);
    }
    app.by(&head)
        .post(&members, json!({"name": "无单位"}))
        .await
        .refused(422, "工作单位");
    let v = app
        .by(&head)
        .post(&members, json!({"login": "hy.chief"}))
        .await
        .expect(201);
    let list = v["members"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[4]["member"]["name"], "测试科室负责人");
    let tied = list[0]["member"]["id"].as_i64().unwrap();
    let tied_code = list[0]["code"].as_str().unwrap().to_string();
    app.by(&desk.reviewer)
        .post(
            &format!("/api/v1/pool-members/{tied}/ties"),
            json!({"holder_id": COMPANY_ID, "kind": "employer"}),
        )
        .await
        .expect(403);
    app.by(&head)
        .post(
            &format!("/api/v1/pool-members/{tied}/ties"),
            json!({"holder_id": COMPANY_ID, "kind": "employer", "note": "曾任该公司技术顾问至2024年"}),
        )
        .await
        .expect(201);
    // The reviewer reads the pools to choose one; another county's reviewer does not.
    let pools = app.by(&desk.reviewer).get(POOLS).await.expect(200);
    assert_eq!(pools[0]["members"][0]["ties"][0]["kind"], "employer");
    app.by(&other_reviewer).get(POOLS).await.expect(403);

    // The applicant files online; the window accepts.
    let company = app.company().await;
    let other = app.other_company().await;
    let id = app.apply_online(&company).await;
    app.act(&desk.clerk, id, json!({"action": "accept"}))
        .await
        .expect(200);

    // The seed: the clerk and another county may not; too few eligible members is refused.
    let seed = path(id, "/seed");
    app.by(&desk.clerk)
        .post(&seed, json!({"pool_id": pool_id, "count": 3}))
        .await
        .expect(403);
    app.by(&other_reviewer)
        .post(&seed, json!({"pool_id": pool_id, "count": 3}))
        .await
        .expect(403);
    app.by(&desk.reviewer)
        .post(&seed, json!({"pool_id": pool_id, "count": 5}))
        .await
        .refused(422, "可抽取的成员不足");
    app.by(&desk.reviewer)
        .post(&path(id, "/draw"), json!({}))
        .await
        .refused(422, "尚未公布");
    let v = app
        .by(&desk.reviewer)
        .post(&seed, json!({"pool_id": pool_id, "count": 3}))
        .await
        .expect(201);
    let published_seed = v["seed"].as_str().unwrap().to_string();
    assert_eq!(published_seed.len(), 64, "{v}");
    assert!(v["published"]["result"].is_null());
    let exclusions = v["published"]["input"]["exclusions"].as_array().unwrap();
    assert_eq!(exclusions.len(), 1, "{v}");
    assert_eq!(exclusions[0]["member"], tied_code.as_str());
    assert!(
        exclusions[0]["reason"]
            .as_str()
            .unwrap()
            .contains("任职单位")
    );
    app.by(&desk.reviewer)
        .post(&seed, json!({"pool_id": pool_id, "count": 3}))
        .await
        .refused(409, "不能重新公布");
    // The applicant sees the seed before the draw.
    let seen = app.by(&company).get(&path(id, "")).await.expect(200);
    assert_eq!(seen["seed"], published_seed.as_str());

    // The draw: three, never the tied member; reproducible from what is published.
    let v = app
        .by(&desk.reviewer)
        .post(&path(id, "/draw"), json!({}))
        .await
        .expect(200);
    let first = drawn(&v);
    assert_eq!(first.len(), 3);
    assert!(!first.contains(&tied_code), "{first:?}");
    assert_eq!(v["published"]["result"]["seed"], published_seed.as_str());
    reruns(&v);
    app.by(&desk.reviewer)
        .post(&path(id, "/draw"), json!({}))
        .await
        .refused(422, "不能重新抽取");

    // The applicant sees the drawn members' names masked and no reasons; it re-runs too.
    let seen = app.by(&company).get(&path(id, "")).await.expect(200);
    assert_eq!(drawn(&seen), first);
    for m in seen["published"]["result"]["drawn"].as_array().unwrap() {
        assert!(m["name"].as_str().unwrap().contains('*'), "{m}");
    }
    assert_eq!(seen["published"]["input"]["exclusions"][0]["reason"], "");
    assert!(!seen.to_string().contains("王建国"));
    reruns(&seen);
    app.by(&other).get(&path(id, "")).await.expect(403);

    // The pages: staff see the seed, the drawn members by name and why the tied one is left out;
    // the applicant sees the seed, the drawn members masked and may object; no one else sees it.
    let (status, html) = app
        .page_text(&desk.reviewer, &format!("/work/cases/{id}/experts"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&published_seed), "seed on the staff page");
    let names: Vec<&str> = v["published"]["result"]["drawn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    for drawn in first.iter().map(String::as_str).chain(names) {
        assert!(html.contains(drawn), "«{drawn}» on the staff page: {html}");
    }
    yiyin_testkit::assert_says(
        &html,
        &["不参加抽取的成员", &tied_code, "任职单位", "记录本人回避"],
    );
    let (status, html) = app
        .page_text(&company, &format!("/my/cases/{id}/experts"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&published_seed),
        "seed on the applicant's page"
    );
    for drawn in &first {
        assert!(
            html.contains(drawn.as_str()),
            "{drawn} on the applicant's page"
        );
    }
    for m in seen["published"]["result"]["drawn"].as_array().unwrap() {
        let masked = m["name"].as_str().unwrap();
        assert!(html.contains(masked), "«{masked}» on the applicant's page");
    }
    for name in [
        "王建国",
        "李秀英",
        "张伟",
        "刘洋",
        "曾任该公司技术顾问",
        "任职单位",
    ] {
        assert!(!html.contains(name), "«{name}» on the applicant's page");
    }
    yiyin_testkit::assert_says(
        &html,
        &[
            &format!("action=\"/my/cases/{id}/experts/objection\""),
            "申请回避",
        ],
    );
    let (status, html) = app
        .page_text(&other, &format!("/my/cases/{id}/experts"))
        .await;
    assert!(matches!(status, 403 | 404), "another applicant: {status}");
    for name in [published_seed.as_str(), first[0].as_str()] {
        assert!(!html.contains(name), "another applicant sees {name}");
    }
    let (status, _) = app.page_text(&desk.clerk, "/work/pools").await;
    assert_eq!(status, 403, "the clerk on the pools");
    let (status, html) = app.page_text(&head, "/work/pools").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("食品安全专家库"), "{html}");

    // The applicant objects; another applicant and staff may not.
    let objection = json!({"member": first[0], "reason": "该专家曾为我公司竞争对手提供咨询"});
    app.by(&other)
        .post(&path(id, "/objections"), objection.clone())
        .await
        .expect(403);
    app.by(&desk.reviewer)
        .post(&path(id, "/objections"), objection.clone())
        .await
        .refused(403, "只有本件申请人");
    app.by(&company)
        .post(
            &path(id, "/objections"),
            json!({"member": tied_code, "reason": "x"}),
        )
        .await
        .refused(422, "不在本次抽取的名单中");
    let v = app
        .by(&company)
        .post(&path(id, "/objections"), objection)
        .await
        .expect(201);
    let objection_id = v["objections"][0]["id"].as_i64().unwrap();
    app.by(&desk.reviewer)
        .post(&path(id, "/start"), json!({"expected_days": 10}))
        .await
        .refused(422, "回避申请尚未处理");

    // Upheld: the member is excluded and the draw goes on from the same seed.
    let decision = format!("/objections/{objection_id}/decision");
    app.by(&company)
        .post(&path(id, &decision), json!({"uphold": true, "reason": "x"}))
        .await
        .expect(403);
    let v = app
        .by(&desk.reviewer)
        .post(
            &path(id, &decision),
            json!({"uphold": true, "reason": "申请人所述情形属实，予以回避"}),
        )
        .await
        .expect(200);
    let second = drawn(&v);
    assert!(!second.contains(&first[0]) && !second.contains(&tied_code));
    assert!(second.contains(&first[1]) && second.contains(&first[2]));
    assert_eq!(v["rounds"].as_array().unwrap().len(), 2);
    reruns(&v);

    // A recusal: the next one of the same order — the pool is then exhausted (5 − tie − objection − recusal < 3).
    app.by(&desk.reviewer)
        .post(
            &path(id, "/recusals"),
            json!({"member": second[0], "reason": "本人近期出差，无法参加"}),
        )
        .await
        .refused(422, "可抽取的成员不足");
    // A refused redraw writes nothing: the drawn stay.
    let v = app.by(&desk.reviewer).get(&path(id, "")).await.expect(200);
    assert_eq!(drawn(&v), second);

    // The review starts: the clock is suspended with the written notice; no objection after.
    app.by(&desk.clerk)
        .post(&path(id, "/start"), json!({"expected_days": 10}))
        .await
        .expect(403);
    let v = app
        .by(&desk.reviewer)
        .post(&path(id, "/start"), json!({"expected_days": 10}))
        .await
        .expect(200);
    assert_eq!(v["open"], false);
    let record = app.store.case(id).await.unwrap();
    assert_eq!(record.state, CaseState::Suspended);
    let s = record.case.suspensions.last().unwrap();
    assert_eq!(s.kind.code(), "expert_review");
    assert_eq!(s.expected_days, 10);
    let docs = app.store.case_documents(id).await.unwrap();
    assert!(
        docs.iter()
            .any(|d| d.record.kind == DocumentKind::SuspensionNotice)
    );
    app.by(&company)
        .post(
            &path(id, "/objections"),
            json!({"member": second[1], "reason": "晚了"}),
        )
        .await
        .refused(422, "专家评审已经开始");
    app.by(&desk.reviewer)
        .post(&path(id, "/start"), json!({"expected_days": 10}))
        .await
        .expect(409);

    // Every act is an event of the case.
    for (action, n) in [
        ("expert_seed", 1),
        ("expert_draw", 2),
        ("expert_objection", 1),
        ("expert_objection_decision", 1),
        ("expert_review_start", 1),
        ("suspend", 1),
    ] {
        assert_eq!(
            app.event_count(&desk.reviewer, id, action).await,
            n,
            "{action}"
        );
    }
    app.unbroken_chain(&head).await;
}
