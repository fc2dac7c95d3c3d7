//! Renewal (Art. 50) and expiry of licences through the use cases and the licence sweep, on both
//! databases: applied for thirty days ahead, decided by the section chief in time (renewed from the
//! end of the old validity, or denied with a decision), deemed granted when undecided at expiry;
//! licences without a renewal expire once, however many servers sweep, and are then cancelled (Art.
//! 70 (1)); long-term licences need no renewal. Each refusal is asserted by the article it names.

mod common;

use common::*;
use yiyin_domain::engine::{DocumentKind, IntakeOutcome};
use yiyin_domain::licence::{ActKind, ActRequest, ActState, CancellationGround, LicenceStatus};
use yiyin_domain::supervision::PushKind;
use yiyin_testkit::{at, date};

on_both!(crate::common::run;
    renewal_is_applied_thirty_days_ahead_and_deemed_when_undecided,
    renewal_decided_in_time,
    unrenewed_licences_expire,
);

async fn renewal_is_applied_thirty_days_ahead_and_deemed_when_undecided(w: World) {
    // Valid until 2026-03-09: the renewal is applied for by 2026-02-07.
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let (c2, lic2) = w.licensed(org(2), "2025-03-10").await;
    let r = w
        .refused_on(
            &lic,
            ActRequest::ApplyRenewal,
            "2026-02-08",
            &["第五十条", "三十日前", "2026-02-07"],
        )
        .await;
    assert_eq!(r.rule, "AL-19");
    assert!(w.store.licence_acts(&lic).await.unwrap().is_empty());
    let applied = w.acted(&lic, ActRequest::ApplyRenewal, "2026-02-06").await;
    assert_eq!(
        (applied.kind, applied.state),
        (ActKind::Renewal, ActState::Pending)
    );
    assert_eq!(applied.due_on, Some(date("2026-03-09")));
    let applied2 = w.acted(&lic2, ActRequest::ApplyRenewal, "2026-02-07").await;

    // Undecided on the last day: nothing yet.
    assert_eq!(w.sweep_licences(at("2026-03-09")).await.unwrap(), (0, 0));
    // The day after the expiry the bureau can no longer decide: the renewal is deemed granted.
    let r = refused_saying(
        w.decide(applied2.id, false, "经营场所已不符合条件", "2026-03-10")
            .await,
        &["第五十条第二款", "视为准予延续"],
    );
    assert_eq!(r.rule, "AL-19");
    assert_eq!(
        w.store.licence_act(applied2.id).await.unwrap().state,
        ActState::Pending
    );
    // Two servers sweeping at once deem each renewal once; nothing expires.
    let (a, b) = tokio::join!(
        w.sweep_licences(at("2026-03-10")),
        w.sweep_licences(at("2026-03-10"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.0 + b.0, a.1 + b.1), (2, 0));
    let deemed = w.store.licence_act(applied.id).await.unwrap();
    assert_eq!(deemed.state, ActState::Deemed);
    assert_eq!(deemed.decided_on, Some(date("2026-03-10")));
    assert!(deemed.details.deemed);
    let v2_id = deemed.new_licence.clone().unwrap();
    let v2 = w.store.licence(&v2_id).await.unwrap().unwrap();
    assert_eq!(v2.status, LicenceStatus::Valid);
    assert_eq!(v2.version, 2);
    assert_eq!(v2.valid_until, Some(date("2027-03-09")));
    assert_eq!(w.status(&lic).await, LicenceStatus::Renewed);
    let text = w.document_text(deemed.document_id.unwrap()).await;
    assert!(text.contains("视为准予延续"), "{text}");
    let events = w.store.case_events(c.id).await.unwrap();
    let last = events
        .iter()
        .rfind(|e| e.action == "licence_renewal")
        .unwrap();
    assert_eq!(last.actor, "系统");
    assert!(last.reason.contains("第五十条第二款"), "{}", last.reason);
    assert_eq!(
        w.push_kinds(c.id).await,
        [PushKind::Approval, PushKind::Certificate, PushKind::Renewal]
    );
    assert_eq!(
        w.store.licence_act(applied2.id).await.unwrap().state,
        ActState::Deemed
    );
    assert_eq!(w.status(&lic2).await, LicenceStatus::Renewed);
    assert_eq!(w.push_kinds(c2.id).await.last(), Some(&PushKind::Renewal));
    // Nothing more to sweep.
    assert_eq!(w.sweep_licences(at("2026-03-11")).await.unwrap(), (0, 0));
    // The renewed licence is the one in force.
    assert_eq!(
        w.store
            .licence(&v2_id)
            .await
            .unwrap()
            .unwrap()
            .status_on(date("2026-03-11")),
        LicenceStatus::Valid
    );
    let r = refused(
        w.on_licence(&lic, ActRequest::ApplyRenewal, "2026-03-11")
            .await,
    );
    assert!(
        r.message.contains("重新申请") || r.message.contains("现行版本"),
        "{}",
        r.message
    );
    w.assert_chain_intact().await;
}

async fn renewal_decided_in_time(w: World) {
    let zhao = w.wenguang_supervisor().await;
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let (c2, lic2) = w.licensed(org(2), "2025-03-10").await;
    // Long-term licences need no renewal.
    let soc = w
        .receive(
            "HY-MZ-001",
            org(5),
            &["M1"],
            IntakeOutcome::Accept,
            "2025-03-10",
        )
        .await;
    w.act(soc.id, approve(), "2025-03-10").await;
    let (_, forever) = w.issued(soc.id, "2025-03-10").await;
    w.refused_on(
        &forever,
        ActRequest::ApplyRenewal,
        "2025-06-02",
        &["长期有效"],
    )
    .await;

    let applied = w.acted(&lic, ActRequest::ApplyRenewal, "2026-01-05").await;
    // The department that supervises the licence does not decide it.
    w.set_today("2026-02-10");
    forbidden(w.decide_act(&zhao, applied.id, true, "仍符合条件").await);
    let granted = w
        .decide(applied.id, true, "经审查仍符合许可条件", "2026-02-10")
        .await
        .unwrap();
    assert_eq!(granted.state, ActState::Granted);
    let v2 = w
        .store
        .licence(granted.new_licence.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    // Renewed from the end of the old validity, not from the decision.
    assert_eq!(v2.valid_until, Some(date("2027-03-09")));
    assert_eq!(w.status(&lic).await, LicenceStatus::Renewed);
    let text = w.document_text(granted.document_id.unwrap()).await;
    assert!(text.contains("准予延续有效期"), "{text}");
    assert_eq!(w.push_kinds(c.id).await.last(), Some(&PushKind::Renewal));

    // Denied in time: a decision with reasons; the licence expires at its end.
    let applied = w.acted(&lic2, ActRequest::ApplyRenewal, "2026-01-05").await;
    let denied = w
        .decide(applied.id, false, "场所位于新划定的禁止区域", "2026-03-09")
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    w.document_of(
        denied.document_id,
        DocumentKind::RenewalDenial,
        &["禁止区域", "第五十条", "行政诉讼"],
    )
    .await;
    assert_eq!(w.sweep_licences(at("2026-03-10")).await.unwrap(), (0, 1));
    assert_eq!(w.status(&lic2).await, LicenceStatus::Expired);
    assert_eq!(w.push_kinds(c2.id).await.last(), Some(&PushKind::Expiry));
}

async fn unrenewed_licences_expire(w: World) {
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    // Verification shows the expiry by date even before the sweep records it.
    let l = w.store.licence(&lic).await.unwrap().unwrap();
    assert_eq!(l.status_on(date("2026-03-09")), LicenceStatus::Valid);
    assert_eq!(l.status_on(date("2026-03-10")), LicenceStatus::Expired);
    w.set_today("2026-03-10");
    let view = w.licence_view(&w.chief, &lic).await.unwrap();
    assert_eq!(view.status_today, LicenceStatus::Expired);
    assert!(!view.may.contains(&"revoke".to_string()), "{:?}", view.may);
    assert_eq!(w.sweep_licences(at("2026-03-09")).await.unwrap(), (0, 0));
    let (a, b) = tokio::join!(
        w.sweep_licences(at("2026-03-10")),
        w.sweep_licences(at("2026-03-10"))
    );
    assert_eq!(a.unwrap().1 + b.unwrap().1, 1, "expired once");
    assert_eq!(w.status(&lic).await, LicenceStatus::Expired);
    let acts = w.store.licence_acts(&lic).await.unwrap();
    assert_eq!(acts.len(), 1);
    assert_eq!(
        (acts[0].kind, acts[0].state),
        (ActKind::Expiry, ActState::Done)
    );
    let events = w.store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(
        (e.action.as_str(), e.actor.as_str()),
        ("licence_expiry", "系统")
    );
    assert!(
        e.reason.contains("2026-03-09") && e.reason.contains("届满"),
        "{}",
        e.reason
    );
    let pushes = w.store.pushes_about(c.id).await.unwrap();
    let expiry = pushes.last().unwrap();
    assert_eq!(expiry.kind, PushKind::Expiry);
    assert_eq!(expiry.department, "wenguang");
    assert_eq!(w.sweep_licences(at("2026-03-11")).await.unwrap(), (0, 0));
    // Too late to renew; it is cancelled (Art. 70 (1)).
    w.refused_on(&lic, ActRequest::ApplyRenewal, "2026-03-11", &["重新申请"])
        .await;
    let unrenewed = cancel(CancellationGround::Expired, "有效期届满未申请延续");
    let cancelled = w.acted(&lic, unrenewed, "2026-03-11").await;
    assert_eq!(cancelled.state, ActState::Done);
    assert_eq!(w.status(&lic).await, LicenceStatus::Cancelled);
}
