//! Notify-and-commit (告知承诺) and deferred materials (容缺受理) through the use cases, on both
//! databases: decided on the spot for green-list items only; the supervising department verifies
//! the commitment within the item's period (never guessed beyond the calendar) and only it may; a
//! false commitment leaves a credit record that bars the applicant until the bureau head repairs
//! it, and a proposed revocation of the licence in force for the bureau to decide; deferred
//! materials hold the certificate and warn once when late. Each refusal is asserted by the rule or
//! article it names.

mod common;

use common::*;
use yiyin_app::supervision::SupervisionListQuery;
use yiyin_domain::engine::{Action, CaseState, IntakeOutcome};
use yiyin_domain::licence::{ActKind, ActState, LicenceStatus, RevocationGround};
use yiyin_domain::supervision::{CreditKind, PushKind, VerificationState};
use yiyin_testkit::{at, date};

on_both!(crate::common::run;
    false_commitments_bar_the_applicant_until_repaired,
    a_false_commitment_reaches_the_licence_in_force,
    a_verification_period_beyond_the_calendar_is_not_guessed,
    deferred_materials_warn_once_and_hold_the_certificate,
    verification_tasks_page_open_ones_first,
);

async fn false_commitments_bar_the_applicant_until_repaired(w: World) {
    let (zhao, sun) = (w.wenguang_supervisor().await, w.shichang_supervisor().await);
    // Only items on the green list.
    let x = w
        .receive_food(org(1), IntakeOutcome::Receive, "2025-03-03")
        .await;
    refused_saying(
        w.try_act(x.id, commit(), "2025-03-03").await,
        &["绿色清单", "42号"],
    );

    // Decided on the spot on the written commitment.
    let c = w
        .receive_green(org(1), IntakeOutcome::Receive, "2025-03-03")
        .await;
    let c = w.act(c.id, commit(), "2025-03-03").await;
    assert_eq!(c.state, CaseState::Decided);
    assert!(c.case.decision.as_ref().unwrap().on_commitment);
    let titles = w.document_titles(c.id).await;
    assert!(
        titles.contains(&"告知承诺审批决定书".to_string()),
        "{titles:?}"
    );
    let pushes = w.store.pushes_about(c.id).await.unwrap();
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].kind, PushKind::Approval);
    assert_eq!(pushes[0].department, "wenguang");
    assert_eq!(pushes[0].facts()["on_commitment"], true);

    // The licence issued, the supervising department verifies within the item's period.
    let (c, lic) = w.issued(c.id, "2025-03-04").await;
    let task = w.store.verification_of(&lic).await.unwrap().unwrap();
    assert_eq!(task.state, VerificationState::Open);
    assert_eq!(
        task.due_on,
        Some(date("2025-03-17")),
        "10 working days after the decision"
    );
    assert_eq!(task.department, "wenguang");
    assert_eq!(task.holder_id, org(1).id_number.as_str());
    assert_eq!(task.case_id, c.id);
    let desk = w.desk(&zhao, HANYIN, "wenguang").unwrap();
    assert_eq!(
        w.inbox(&zhao, &desk, false).await.unwrap().verifications,
        vec![task.clone()]
    );
    let other = w.inbox_of(&sun, "shichang", false).await;
    assert!(other.verifications.is_empty());
    assert_eq!(
        w.store
            .verification_tasks(HANYIN, None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.licence_view(&zhao, &lic).await.unwrap().verification,
        Some(task.clone())
    );
    // An ordinary licence is not verified.
    let (_, ordinary) = w.licensed(org(9), "2025-03-04").await;
    assert!(w.store.verification_of(&ordinary).await.unwrap().is_none());

    // Only the department that supervises the item verifies.
    w.set_today("2025-03-14");
    for who in [&sun, &w.chief] {
        forbidden(w.verify(who, task.id, "fulfilled", "", "核查属实").await);
    }
    let msg = invalid(w.verify(&zhao, task.id, "maybe", "", "x").await);
    assert!(msg.contains("maybe"), "{msg}");
    // Rectification: once, by a later date, with what is missing.
    refused_saying(
        w.verify(&zhao, task.id, "rectify", "2025-03-14", "消防设施未配备")
            .await,
        &["应晚于今天"],
    );
    let rectify = w.verify(&zhao, task.id, "rectify", "2025-04-15", "消防设施未配备");
    let t = rectify.await.unwrap();
    assert_eq!(t.state, VerificationState::Rectifying);
    assert_eq!(t.rectify_by, Some(date("2025-04-15")));
    w.set_today("2025-04-16");
    refused_saying(
        w.verify(&zhao, task.id, "rectify", "2025-05-15", "仍未配备")
            .await,
        &["一次"],
    );
    refused_saying(
        w.verify(&zhao, task.id, "false", "", " ").await,
        &["事实和理由"],
    );

    // A false commitment: a credit record, and a revocation for the bureau to decide.
    let found_false = w.verify(&zhao, task.id, "false", "", "逾期未整改，消防设施仍未配备");
    let t = found_false.await.unwrap();
    assert_eq!(t.state, VerificationState::False);
    assert_eq!(t.outcomes.len(), 2);
    assert_eq!(t.outcomes[0]["outcome"], "rectify");
    assert_eq!(t.outcomes[1]["outcome"], "false");
    assert_eq!(t.outcomes[1]["on"], "2025-04-16");
    assert_eq!(t.outcomes[1]["actor"], w.name_of(&zhao).as_str());
    w.set_today("2025-04-17");
    refused_saying(
        w.verify(&zhao, task.id, "fulfilled", "", "补正").await,
        &["已办结"],
    );
    let credits = w.credits(&org(1)).await;
    assert_eq!(credits.len(), 1);
    assert_eq!(credits[0].kind, CreditKind::FalseCommitment);
    assert_eq!(credits[0].source, lic);
    assert!(credits[0].repaired_at.is_none());
    let acts = w.store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(
        (acts[0].kind, acts[0].state),
        (ActKind::Revocation, ActState::Proposed)
    );
    assert_eq!(acts[0].details.ground, "fraud");
    assert_eq!(w.store.open_licence_acts(HANYIN).await.unwrap(), acts);
    assert_eq!(w.overview(&w.head, HANYIN).await.unwrap().open_acts, acts);
    let events = w.actions(c.id).await;
    assert_eq!(
        events
            .iter()
            .filter(|a| *a == "commitment_verification")
            .count(),
        2
    );
    assert!(events.contains(&"revocation_proposed".to_string()));
    // The licence stays in force until the bureau decides.
    assert_eq!(w.status(&lic).await, LicenceStatus::Valid);

    // Barred from notify-and-commit until the record is repaired.
    let facts = w.applicant_facts(org(1).id_number.as_str()).await.unwrap();
    assert!(facts.commitment_barred.unwrap().contains("虚假承诺"));
    let c2 = w
        .receive_green(org(1), IntakeOutcome::Receive, "2025-04-17")
        .await;
    let r = refused_saying(
        w.try_act(c2.id, commit(), "2025-04-17").await,
        &["虚假承诺", "42号", "信用修复"],
    );
    assert_eq!(r.rule, "commitment");
    assert_eq!(w.store.case(c2.id).await.unwrap().version, c2.version);
    // Others are not barred.
    assert!(w.barred(&org(9)).await.is_none());
    // The licensee's record shows the bar; only the bureau head may repair it.
    let record = w
        .subject_view(&w.head, org(1).id_number.as_str(), "", None)
        .await
        .unwrap();
    assert!(record.barred.unwrap().contains("虚假承诺"));
    assert!(record.may_repair);
    assert!(
        !w.subject_view(&w.chief, org(1).id_number.as_str(), "", None)
            .await
            .unwrap()
            .may_repair
    );

    // The repair is explicit, with its reason, and logged.
    w.set_today("2025-04-18");
    let basis = "已完成整改并作出信用承诺（汉信修〔2025〕3号）";
    for who in [&w.chief, &zhao] {
        forbidden(w.repair_credit(who, credits[0].id, basis).await);
    }
    let r = refused_saying(
        w.repair_credit(&w.head, credits[0].id, "  ").await,
        &["信用修复须写明依据"],
    );
    assert_eq!(r.rule, "credit");
    let repaired = w
        .repair_credit(&w.head, credits[0].id, basis)
        .await
        .unwrap();
    assert!(repaired.repaired_at.is_some());
    assert_eq!(repaired.repaired_by, Some(w.name_of(&w.head)));
    assert!(repaired.repair_reason.unwrap().contains("汉信修"));
    refused_saying(
        w.repair_credit(&w.head, credits[0].id, "再次").await,
        &["已经修复"],
    );
    let logged = w.logged("credit_repair").await;
    assert_eq!(logged, 1);
    assert!(w.barred(&org(1)).await.is_none());
    let c2 = w.act(c2.id, commit(), "2025-04-18").await;
    assert_eq!(c2.state, CaseState::Decided);

    // The bureau revokes (Art. 69 para 2): the proposal is settled.
    let revoked = w
        .acted(
            &lic,
            revoke(
                RevocationGround::Fraud,
                "承诺不实，经核查消防设施未配备",
                false,
                true,
            ),
            "2025-04-21",
        )
        .await;
    assert_eq!(revoked.state, ActState::Done);
    let acts = w.store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 2);
    assert!(acts.iter().all(|a| a.state == ActState::Done), "{acts:?}");
    assert!(w.store.open_licence_acts(HANYIN).await.unwrap().is_empty());
    assert_eq!(w.status(&lic).await, LicenceStatus::Revoked);

    // A commitment found true closes the task; nothing is recorded against the applicant.
    let (_, lic3) = w.committed(person(3), "2025-04-21", "2025-04-21").await;
    let task3 = w.store.verification_of(&lic3).await.unwrap().unwrap();
    w.set_today("2025-04-25");
    let t3 = w
        .verify(&zhao, task3.id, "fulfilled", "", "现场核查，条件与承诺一致")
        .await
        .unwrap();
    assert_eq!(t3.state, VerificationState::Fulfilled);
    assert!(w.credits(&person(3)).await.is_empty());
    assert!(w.store.licence_acts(&lic3).await.unwrap().is_empty());
    w.assert_chain_intact().await;
}

/// The licence granted on a commitment was changed before the verification found the commitment
/// false: the revocation proposed is of the version in force, and deciding it settles the proposal.
async fn a_false_commitment_reaches_the_licence_in_force(w: World) {
    let zhao = w.wenguang_supervisor().await;
    let (_, v1) = w.committed(org(1), "2025-03-03", "2025-03-03").await;
    let v2 = w
        .changed(&v1, "场所名称变更", "2025-03-04", "2025-03-05")
        .await;
    let task = w.store.verification_of(&v1).await.unwrap().unwrap();
    w.set_today("2025-03-10");
    w.verify(&zhao, task.id, "false", "", "场所不存在")
        .await
        .unwrap();
    let open = w.store.open_licence_acts(HANYIN).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].licence, v2, "the version in force");
    // A proposed revocation is decided as a revocation (Art. 69), never as an application.
    let msg = invalid(w.decide(open[0].id, true, "承诺不实", "2025-03-10").await);
    assert!(msg.contains("第六十九条"), "{msg}");
    w.acted(
        &v2,
        revoke(RevocationGround::Fraud, "承诺不实", false, true),
        "2025-03-11",
    )
    .await;
    assert_eq!(w.status(&v2).await, LicenceStatus::Revoked);
    assert!(w.store.open_licence_acts(HANYIN).await.unwrap().is_empty());
}

async fn a_verification_period_beyond_the_calendar_is_not_guessed(w: World) {
    let (_, lic) = w.committed(org(5), "2026-12-21", "2026-12-22").await;
    // Ten working days from 2026-12-21 reach into 2027, which the built-in calendar lacks.
    let task = w.store.verification_of(&lic).await.unwrap().unwrap();
    assert_eq!(task.due_on, None);
    assert_eq!(task.state, VerificationState::Open);
}

// ---------------------------------------------------------------------------------------------
// Deferred materials (容缺受理)

fn defer(material: &str) -> Action {
    Action::AcceptDeferred {
        deferred: vec![material.into()],
        due: Some(date("2025-03-14")),
    }
}

async fn deferred_materials_warn_once_and_hold_the_certificate(w: World) {
    let mut cases = Vec::new();
    for n in 1..=2 {
        cases.push(
            w.receive(
                "HY-SC-001",
                org(n),
                &["M1"],
                IntakeOutcome::Receive,
                "2025-03-03",
            )
            .await,
        );
    }
    let c = cases[0].clone();
    // Only non-core materials may be deferred.
    refused_saying(
        w.try_act(c.id, defer("M1"), "2025-03-03").await,
        &["非核心"],
    );
    for c in &cases {
        w.act(c.id, defer("M2"), "2025-03-03").await;
        w.act(c.id, review(), "2025-03-04").await;
        w.act(c.id, approve(), "2025-03-05").await;
    }
    // The certificate waits for the materials.
    let r = refused_saying(
        w.try_act(c.id, Action::IssueCertificate, "2025-03-06")
            .await,
        &["营业执照", "补齐后方可发证"],
    );
    assert_eq!(r.rule, "deferral");
    // The promised date itself is still in time.
    assert_eq!(w.sweep_deferred(at("2025-03-14")).await.unwrap(), 0);
    // Two servers sweeping at once warn once per case.
    let (a, b) = tokio::join!(
        w.sweep_deferred(at("2025-03-17")),
        w.sweep_deferred(at("2025-03-17"))
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(
        w.sweep_deferred(at("2025-03-18")).await.unwrap(),
        0,
        "once, not twice"
    );
    let events = w.store.case_events(c.id).await.unwrap();
    let warnings: Vec<_> = events
        .iter()
        .filter(|e| e.action == "deferred_overdue")
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].actor, "系统");
    assert!(
        warnings[0].reason.contains("营业执照") && warnings[0].reason.contains("逾期未补交"),
        "{}",
        warnings[0].reason
    );
    // A warning on the applicant too, which bars nothing.
    let credits = w.credits(&org(1)).await;
    assert_eq!(credits.len(), 1);
    assert_eq!(credits[0].kind, CreditKind::DeferredOverdue);
    assert!(w.barred(&org(1)).await.is_none());
    // The materials arrive: the certificate is issued, and no more warnings.
    w.act(
        c.id,
        Action::Supplement {
            materials: vec!["M2".into()],
        },
        "2025-03-18",
    )
    .await;
    let (c, _) = w.issued(c.id, "2025-03-18").await;
    assert_eq!(w.store.licences_of_case(c.id).await.unwrap().len(), 1);
    assert_eq!(w.sweep_deferred(at("2025-03-19")).await.unwrap(), 0);
    assert_eq!(
        w.actions(c.id)
            .await
            .iter()
            .filter(|a| *a == "deferred_overdue")
            .count(),
        1
    );
}

async fn verification_tasks_page_open_ones_first(w: World) {
    let zhao = w.wenguang_supervisor().await;
    let sun = w.shichang_supervisor().await;
    // Three licences on a commitment, decided on three days (due 10 working days later each).
    let mut tasks = Vec::new();
    for (i, decided, issued) in [
        (1, "2025-03-03", "2025-03-04"),
        (2, "2025-03-05", "2025-03-06"),
        (3, "2025-03-04", "2025-03-05"),
    ] {
        let (_, lic) = w.committed(org(i), decided, issued).await;
        tasks.push(w.store.verification_of(&lic).await.unwrap().unwrap());
    }
    // The first verified: a closed task goes after the open ones.
    w.set_today("2025-03-10");
    w.verify(&zhao, tasks[0].id, "fulfilled", "", "核查属实")
        .await
        .unwrap();
    let query = |after: &str, department: &str| SupervisionListQuery {
        jurisdiction: HANYIN.into(),
        department: department.into(),
        after: after.into(),
        limit: Some(1),
    };
    let (app, supervisor) = (&w, &zhao);
    let (seen, counts) = every_page(|after| async move {
        let page = app
            .task_list(supervisor, &query(&after, "wenguang"))
            .await
            .unwrap();
        let ids = page.tasks.iter().map(|t| t.id).collect();
        (ids, page.count, page.next)
    })
    .await;
    assert_eq!(
        seen,
        [tasks[2].id, tasks[1].id, tasks[0].id],
        "open ones by due date, then the closed one"
    );
    assert_eq!(counts, [3, 3, 3]);
    let desk = w.desk(&zhao, HANYIN, "wenguang").unwrap();
    let inbox = w.inbox(&zhao, &desk, false).await.unwrap();
    assert_eq!(
        (inbox.verifications.len(), inbox.verifications_count),
        (3, 3)
    );
    assert!(inbox.verifications_next.is_none());
    // Another department's list, the jurisdiction's without the bureau's duty, bad cursors.
    forbidden(w.task_list(&sun, &query("", "wenguang")).await);
    forbidden(w.task_list(&zhao, &query("", "")).await);
    for bad in ["x", "0_2025-13-01_1", "2_2025-03-17_1", "0_2025-03-17"] {
        let msg = invalid(w.task_list(&zhao, &query(bad, "wenguang")).await);
        assert!(msg.contains("翻页位置无效"), "{bad}: {msg}");
    }

    // The two others found false: two revocations proposed, which the bureau's list of acts
    // waiting for a decision pages through, its count on every page.
    for t in &tasks[1..] {
        w.verify(&zhao, t.id, "false", "", "场所不存在")
            .await
            .unwrap();
    }
    let (seen, counts) = every_page(|after| async move {
        let page = app
            .open_act_list(&app.head, &query(&after, ""))
            .await
            .unwrap();
        let ids = page.acts.iter().map(|a| a.id).collect();
        (ids, page.count, page.next)
    })
    .await;
    let open: Vec<i64> = w
        .store
        .open_licence_acts(HANYIN)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!((seen.len(), &seen), (2, &open));
    assert_eq!(counts, [2, 2]);
    let overview = w.overview(&w.head, HANYIN).await.unwrap();
    assert_eq!((overview.open_acts.len(), overview.open_acts_count), (2, 2));
    // Decided by the bureau: not a department's supervisors, not by department.
    forbidden(w.open_act_list(&zhao, &query("", "")).await);
    let msg = invalid(w.open_act_list(&w.head, &query("", "wenguang")).await);
    assert!(msg.contains("按县区列出"), "{msg}");
}

/// Every page of a list, following each page's `next` from the first: the ids in order and the
/// count each page gave. `page(after)` reads one page as (ids, count, next).
async fn every_page<F, P>(mut page: P) -> (Vec<i64>, Vec<i64>)
where
    P: FnMut(String) -> F,
    F: std::future::Future<Output = (Vec<i64>, i64, Option<String>)>,
{
    let (mut ids, mut counts, mut after) = (Vec::new(), Vec::new(), String::new());
    loop {
        let (more, count, next) = page(after).await;
        ids.extend(more);
        counts.push(count);
        match next {
            Some(next) => after = next,
            None => return (ids, counts),
        }
    }
}
