//! Random inspections (双随机一公开) through the use cases, on both databases: a department's
//! supervisor grades its licensees' risk and publishes a plan whose pools (its licensees in force by
//! item and risk, its own supervisors as inspectors, the declared ties) are fixed, and their digest
//! published, before the draw; the seed is not known at publication: it comes from the first daily
//! chain head signed after it, and the draw is refused until that head exists; one open plan per
//! department and item; a cancelled plan stays public with its reason; the draw re-runs from what
//! was published and a tied inspector recuses; a result is recorded once per drawn target, with its
//! finding. Other departments neither see nor run the plan; the public sees it without ID numbers
//! or accounts.

mod common;

use common::*;
use yiyin_app::AppError;
use yiyin_app::inspections::{InspectionResultInput, PlanInput, TieInput};
use yiyin_domain::inspection::{Risk, check_commitment, draw, pools_digest, seed_from};
use yiyin_domain::licence::RevocationGround;
use yiyin_store::findings::FindingFilter;
use yiyin_testkit::date;

on_both!(crate::common::run_sealed;
    random_inspections_draw_reproducibly_with_recusal,
);

fn plan(count: usize) -> PlanInput {
    PlanInput {
        jurisdiction: HANYIN.into(),
        department: "shichang".into(),
        title: "2025年第二季度食品经营高风险主体双随机抽查".into(),
        item_code: "HY-SC-001".into(),
        risk: "high".into(),
        target_count: count,
        per_target: 2,
    }
}

fn result(licence: &str, kind: &str, summary: &str) -> InspectionResultInput {
    InspectionResultInput {
        licence: licence.into(),
        kind: kind.into(),
        summary: summary.into(),
    }
}

async fn random_inspections_draw_reproducibly_with_recusal(w: World) {
    let mut food = Vec::new();
    for n in 1..=4 {
        food.push(w.food_licence(org(n), "2025-03-10").await.1);
    }
    let (_, other) = w.licensed(org(9), "2025-03-10").await;
    // 赵磊 of 市场监管 grades and plans; he is one of the department's inspectors.
    let zhao = w.supervisor("hanyin.sc.zhao", "shichang").await;
    let li = w.supervisor("hanyin.wg.li", "wenguang").await;
    w.set_today("2025-03-31");
    for l in &food[..3] {
        w.set_risk(&zhao, l, "high").await.unwrap();
    }
    forbidden(w.set_risk(&li, &food[3], "high").await);
    let risk = |l: &str| {
        let store = w.store.clone();
        let l = l.to_string();
        async move { store.licence(&l).await.unwrap().unwrap().risk }
    };
    assert_eq!(risk(&food[0]).await, Risk::High);
    assert_eq!(risk(&food[3]).await, Risk::Medium);

    // Two inspectors per target, and the department has only one.
    w.set_today("2025-04-01");
    let msg = invalid(w.publish_plan(&zhao, &plan(2)).await);
    assert!(msg.contains("检查人员不足"), "{msg}");
    for login in ["hanyin.sc.qian", "hanyin.sc.sun"] {
        w.supervisor(login, "shichang").await;
    }
    // Too few licensees in the pool.
    let msg = invalid(w.publish_plan(&zhao, &plan(4)).await);
    assert!(
        msg.contains("抽取数量 4 无效") && msg.contains("共有 3 个"),
        "{msg}"
    );
    let untitled = PlanInput {
        title: " ".into(),
        ..plan(2)
    };
    assert!(invalid(w.publish_plan(&zhao, &untitled).await).contains("计划名称"));
    // Another department's supervisor, and the bureau, plan nothing here.
    let msg = forbidden(w.publish_plan(&li, &plan(2)).await);
    assert!(msg.contains("不在您的监管职责范围内"), "{msg}");
    forbidden(w.publish_plan(&w.head, &plan(2)).await);
    // A declared tie: 赵磊 recuses from the first licensee.
    let tied_holder = org(1).id_number.to_string();
    let tie = |reason: &str| TieInput {
        jurisdiction: HANYIN.into(),
        department: "shichang".into(),
        inspector: "hanyin.sc.zhao".into(),
        holder_id: tied_holder.clone(),
        reason: reason.into(),
    };
    assert!(invalid(w.declare_tie(&zhao, &tie(" ")).await).contains("回避事由"));
    forbidden(w.declare_tie(&li, &tie("配偶在该企业任职")).await);
    w.declare_tie(&zhao, &tie("配偶在该企业任职"))
        .await
        .unwrap();
    assert_eq!(w.store.inspection_ties(HANYIN).await.unwrap().len(), 1);

    // Published with its pools and seed, before the draw.
    let published = w.publish_plan(&zhao, &plan(3)).await.unwrap();
    let input = &published.input;
    let mut pool: Vec<&str> = input.targets.iter().map(|t| t.id.as_str()).collect();
    pool.sort();
    let mut high: Vec<&str> = food[..3].iter().map(String::as_str).collect();
    high.sort();
    assert_eq!(pool, high, "high-risk food licensees only");
    let mut inspectors: Vec<&str> = input.inspectors.iter().map(|i| i.id.as_str()).collect();
    inspectors.sort();
    assert_eq!(
        inspectors,
        ["hanyin.sc.qian", "hanyin.sc.sun", "hanyin.sc.zhao"]
    );
    assert_eq!(published.input.ties.len(), 1);
    // The pools are committed to; the seed is not known at publication, to anyone.
    assert_eq!(published.pools_digest, pools_digest(&published.input));
    assert_eq!(published.pools_digest.len(), 64);
    assert!(published.seed.is_empty() && published.input.seed.is_empty());
    assert!(published.seed_source.is_none());
    assert!(published.drawn_at.is_none() && published.result.is_none());
    // One open plan per department and item: a second is refused while the first is open.
    match w.publish_plan(&zhao, &plan(2)).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("未抽取"), "{m}"),
        other => panic!("a second open plan: {other:?}"),
    }
    // The day's own head was signed before or at publication: it does not give the seed.
    w.publish_head().await.unwrap();
    let msg = invalid(w.draw_plan(&zhao, published.id).await);
    assert!(msg.contains("链头尚未产生"), "{msg}");
    // Nothing is recorded for a plan not drawn.
    w.set_today("2025-04-02");
    let msg = invalid(
        w.record_result(&zhao, published.id, &result(&food[0], "compliant", "合格"))
            .await,
    );
    assert!(msg.contains("不是本计划抽中的检查对象"), "{msg}");

    // Before the next day's head, still no draw.
    let msg = invalid(w.draw_plan(&zhao, published.id).await);
    assert!(msg.contains("链头尚未产生"), "{msg}");
    // The draw, by the department only, once the next day's head is signed: its seed comes from
    // that head, and anyone can re-run it from what was published.
    let head = w.publish_head().await.unwrap().expect("the day's head");
    forbidden(w.draw_plan(&li, published.id).await);
    let drawn = w.draw_plan(&zhao, published.id).await.unwrap();
    let source = drawn.seed_source.clone().expect("the seed's source");
    assert_eq!(
        (source.day.as_str(), &source.hash),
        ("2025-04-02", &head.hash)
    );
    assert_eq!(drawn.seed, seed_from(&source, &published.pools_digest));
    assert_eq!(drawn.input.seed, drawn.seed);
    check_commitment(&drawn.input, &published.pools_digest, Some(&source)).unwrap();
    let outcome = drawn.result.clone().unwrap();
    assert_eq!(outcome, draw(&drawn.input).unwrap());
    assert_eq!(outcome.seed, drawn.seed);
    assert_eq!(outcome.picks.len(), 3);
    for pick in &outcome.picks {
        assert_eq!(pick.inspectors.len(), 2);
        if pick.target.holder_id == tied_holder {
            // 赵磊 recuses: the other two go, whatever the shuffle.
            let mut team: Vec<&str> = pick.inspectors.iter().map(|i| i.id.as_str()).collect();
            team.sort();
            assert_eq!(team, ["hanyin.sc.qian", "hanyin.sc.sun"], "{pick:?}");
            assert!(
                pick.recused.iter().all(|r| r == "hanyin.sc.zhao"),
                "{pick:?}"
            );
        } else {
            assert!(pick.recused.is_empty());
        }
    }
    w.set_today("2025-04-03");
    let msg = invalid(w.draw_plan(&zhao, published.id).await);
    assert!(msg.contains("已经抽取"), "{msg}");
    // The public sees the plan and its draw without ID numbers, accounts or the reasons of ties,
    // and can still re-run the draw from what it sees.
    let public = w.public_plans(Some(HANYIN), "", None).await.unwrap().items;
    assert_eq!(public.len(), 1);
    let shown = &public[0];
    assert_eq!(shown.created_by, "");
    assert!(!serde_json::to_string(shown).unwrap().contains(&tied_holder));
    assert!(
        shown
            .input
            .inspectors
            .iter()
            .all(|i| !i.id.starts_with("hanyin.")),
        "{:?}",
        shown.input.inspectors
    );
    assert!(shown.input.ties.iter().all(|t| t.reason.is_empty()));
    assert_eq!(shown.result, Some(draw(&shown.input).unwrap()));

    // Results: only for a drawn target, once, each also a finding.
    w.set_today("2025-04-10");
    for l in [&other, &food[3]] {
        let msg = invalid(
            w.record_result(&zhao, published.id, &result(l, "compliant", "合格"))
                .await,
        );
        assert!(msg.contains("不是本计划抽中的检查对象"), "{msg}");
    }
    forbidden(
        w.record_result(&li, published.id, &result(&food[0], "compliant", "合格"))
            .await,
    );
    let with_result = w
        .record_result(
            &zhao,
            published.id,
            &result(&food[0], "rectification", "冷藏设施温度超标"),
        )
        .await
        .unwrap();
    assert_eq!(with_result.results.len(), 1);
    assert_eq!(
        with_result.results[0].kind,
        yiyin_domain::supervision::FindingKind::Rectification
    );
    assert_eq!(with_result.results[0].recorded_on, date("2025-04-10"));
    let findings_of = |l: &str| {
        let store = w.store.clone();
        let l = l.to_string();
        async move {
            store
                .findings(&FindingFilter {
                    licence: Some(l),
                    ..Default::default()
                })
                .await
                .unwrap()
        }
    };
    let findings = findings_of(&food[0]).await;
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].department, "shichang");
    assert_eq!(findings[0].holder_id, tied_holder);
    assert!(findings[0].summary.contains("双随机抽查"));
    w.set_today("2025-04-11");
    let msg = invalid(
        w.record_result(
            &zhao,
            published.id,
            &result(&food[0], "compliant", "复查合格"),
        )
        .await,
    );
    assert!(msg.contains("已经录入"), "{msg}");
    assert_eq!(findings_of(&food[0]).await.len(), 1);
    let plans = w.plans_of(&zhao, HANYIN, "shichang").await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].results.len(), 1);
    let desk = w.desk(&li, HANYIN, "wenguang").unwrap();
    assert!(
        w.plans_of(&li, &desk.jurisdiction, &desk.department)
            .await
            .unwrap()
            .is_empty()
    );
    forbidden(w.plan(&li, published.id).await);

    // Only a licence in force is graded; one no longer in force leaves the pool.
    w.acted(
        &food[1],
        revoke(RevocationGround::Unqualified, "不符合法定条件", false, true),
        "2025-04-15",
    )
    .await;
    let msg = invalid(w.set_risk(&zhao, &food[1], "low").await);
    assert!(msg.contains("只能对有效的证照"), "{msg}");
    w.set_today("2025-04-16");
    let next = w.publish_plan(&zhao, &plan(2)).await.unwrap();
    assert!(next.input.targets.iter().all(|t| t.id != food[1]));
    assert_eq!(next.input.targets.len(), 2);
    assert!(next.seed.is_empty());
    assert_ne!(next.pools_digest, published.pools_digest);

    // Cancelling: by the department, with a reason, before the draw; the plan stays public with
    // its reason, is never drawn, and frees the item for a new plan.
    forbidden(w.cancel_plan(&li, next.id, "重复").await);
    assert!(invalid(w.cancel_plan(&zhao, next.id, " ").await).contains("理由"));
    let reason = "抽查对象名录有误，重新公布";
    w.cancel_plan(&zhao, next.id, reason).await.unwrap();
    let public = w.public_plans(Some(HANYIN), "", None).await.unwrap().items;
    let shown = public.iter().find(|p| p.id == next.id).unwrap();
    assert!(shown.cancelled_at.is_some());
    assert_eq!(shown.cancel_reason, reason);
    assert_eq!(shown.cancelled_by, "");
    // The public list pages, newest first, its count on every page.
    let first = w.public_plans(Some(HANYIN), "", Some(1)).await.unwrap();
    assert_eq!(
        (first.items.len(), first.items[0].id, first.count),
        (1, next.id, 2)
    );
    let after = first.next.expect("a second page");
    let second = w.public_plans(Some(HANYIN), &after, Some(1)).await.unwrap();
    assert_eq!(
        (second.items[0].id, second.count, second.next),
        (published.id, 2, None)
    );
    assert!(invalid(w.public_plans(None, "x", None).await).contains("翻页位置无效"));
    assert!(invalid(w.public_plans(None, "", Some(201)).await).contains("1 至 200"));
    w.set_today("2025-04-17");
    w.publish_head().await.unwrap();
    let msg = invalid(w.draw_plan(&zhao, next.id).await);
    assert!(msg.contains("已公开取消"), "{msg}");
    assert!(invalid(w.cancel_plan(&zhao, published.id, reason).await).contains("已经抽取"));
    w.publish_plan(&zhao, &plan(2)).await.unwrap();
    w.assert_chain_intact().await;
}
