//! The acts on a licence after the decision through the use cases, on both databases: a change
//! applied for by the holder (online, or at the window for them) and decided by the section chief —
//! granted as a new version, denied with a decision (Art. 49, 38); revocation (Art. 69),
//! cancellation on each ground of Art. 70, withdrawal for the public interest with compensation
//! (Art. 8) and the record of a rescission by the enforcement body. Only the bureau's section chiefs
//! and head decide; each refusal is asserted by the article it names.

mod common;

use common::*;
use yiyin_app::Principal;
use yiyin_domain::engine::{Action, DocumentKind, IntakeOutcome};
use yiyin_domain::inspection::Risk;
use yiyin_domain::licence::{
    ActKind, ActRequest, ActState, CancellationGround, LicenceStatus, RevocationGround,
    WithdrawalBasis,
};
use yiyin_domain::supervision::PushKind;
use yiyin_testkit::date;

on_both!(crate::common::run;
    change_granted_issues_a_new_version_and_denied_a_decision,
    change_needs_the_licence_in_force,
    the_holder_applies_online_and_only_the_bureau_decides,
    revocation_follows_article_69,
    cancellation_follows_each_ground_of_article_70,
    withdrawal_needs_the_public_interest_and_compensation,
    rescission_is_recorded_for_the_enforcement_body,
);

// ---------------------------------------------------------------------------------------------
// Change (Art. 49)

async fn change_granted_issues_a_new_version_and_denied_a_decision(w: World) {
    let (zhao, sun) = (w.wenguang_supervisor().await, w.shichang_supervisor().await);
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let v1 = w.store.licence(&lic).await.unwrap().unwrap();
    assert_eq!(v1.valid_until, Some(date("2026-03-09")));
    assert_eq!((v1.status, v1.version), (LicenceStatus::Valid, 1));
    // The supervising department grades the licensee's risk; no other department may.
    w.set_today("2025-04-20");
    forbidden(w.set_risk(&sun, &lic, "high").await);
    assert!(invalid(w.set_risk(&zhao, &lic, "extreme").await).contains("extreme"));
    w.set_risk(&zhao, &lic, "high").await.unwrap();

    w.refused_on(&lic, change(" "), "2025-06-02", &["变更的事项"])
        .await;
    let applied = w
        .acted(&lic, change("场所名称变更为“月河KTV”"), "2025-06-02")
        .await;
    assert_eq!(
        (applied.kind, applied.state),
        (ActKind::Change, ActState::Pending)
    );
    assert_eq!(
        applied.due_on,
        Some(w.calendar().add(date("2025-06-02"), 20).unwrap())
    );
    assert_eq!(applied.decided_on, None);
    assert_eq!(w.store.open_licence_acts(HANYIN).await.unwrap().len(), 1);
    // One application at a time.
    w.refused_on(
        &lic,
        ActRequest::ApplyRenewal,
        "2025-06-03",
        &["正在审查的变更申请"],
    )
    .await;
    // Decided by the bureau only.
    w.set_today("2025-06-05");
    for who in [&w.clerk, &zhao] {
        forbidden(w.decide_act(who, applied.id, true, "符合条件").await);
    }
    // A denial needs its reasons (Art. 38).
    refused_saying(
        w.decide(applied.id, false, " ", "2025-06-05").await,
        &["第三十八条"],
    );

    // Granted: a new version, the old one superseded.
    let granted = w
        .decide(applied.id, true, "变更事项符合法定条件", "2025-06-05")
        .await
        .unwrap();
    assert_eq!(granted.state, ActState::Granted);
    assert_eq!(granted.decided_on, Some(date("2025-06-05")));
    let v2_id = granted.new_licence.clone().unwrap();
    assert_ne!(v2_id, lic);
    let v2 = w.store.licence(&v2_id).await.unwrap().unwrap();
    assert_eq!((v2.status, v2.version), (LicenceStatus::Valid, 2));
    assert_eq!(
        v2.valid_until, v1.valid_until,
        "a change keeps the validity"
    );
    assert_eq!(v2.issued_on, date("2025-06-05"));
    assert_eq!(v2.holder_id, v1.holder_id);
    assert_eq!(v2.case_id, c.id);
    assert_eq!(v2.supervising_department, "wenguang");
    assert_eq!(v2.risk, Risk::High, "the licensee's risk grading stays");
    assert_eq!(w.status(&lic).await, LicenceStatus::Changed);
    let doc = w
        .store
        .document(granted.document_id.unwrap())
        .await
        .unwrap();
    assert_eq!(doc.record.kind, DocumentKind::Licence);
    assert_eq!(v2.document_id, Some(doc.id));
    assert_eq!(doc.record.identifier.as_deref(), Some(v2_id.as_str()));
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("月河KTV") && text.contains(&format!("原证照编号{lic}")),
        "{text}"
    );
    refused_saying(
        w.decide(applied.id, true, "再次", "2025-06-06").await,
        &["不能再作决定"],
    );
    // The old version is no longer the one in force.
    w.refused_on(&lic, change("再变更"), "2025-06-06", &["现行版本"])
        .await;
    // Events and the push.
    let events = w.store.case_events(c.id).await.unwrap();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e.action == "licence_change")
        .collect();
    assert_eq!(changes.len(), 2);
    assert!(changes[0].reason.contains("申请变更"));
    assert!(changes[1].reason.contains("准予变更"));
    assert_eq!(changes[1].actor, w.name_of(&w.chief));
    let pushes = w.store.pushes_about(c.id).await.unwrap();
    let change_push = pushes.last().unwrap();
    assert_eq!(change_push.kind, PushKind::Change);
    assert_eq!(change_push.licence.as_deref(), Some(lic.as_str()));
    assert_eq!(change_push.facts()["new_licence"], v2_id.as_str());

    // Denied: a decision with reasons and rights; the licence stays as it was.
    let applied = w
        .acted(&v2_id, change("经营面积增加至2000平方米"), "2025-07-01")
        .await;
    let denied = w
        .decide(applied.id, false, "新增场所未通过消防验收", "2025-07-03")
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    assert_eq!(denied.new_licence, None);
    let doc = w.store.document(denied.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::ChangeDenial);
    assert_eq!(doc.record.title, "不予变更行政许可决定书");
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("消防验收") && text.contains("第四十九条") && text.contains("行政复议"),
        "{text}"
    );
    assert_eq!(w.status(&v2_id).await, LicenceStatus::Valid);
    assert_eq!(
        w.store.pushes_about(c.id).await.unwrap().len(),
        pushes.len(),
        "nothing changed, nothing pushed"
    );
    assert!(w.store.open_licence_acts(HANYIN).await.unwrap().is_empty());
}

async fn change_needs_the_licence_in_force(w: World) {
    let (_, lic) = w.licensed(org(1), "2025-03-10").await;
    let (_, lic2) = w.licensed(org(2), "2025-03-10").await;
    let (_, lic3) = w.licensed(org(3), "2025-03-10").await;
    let legal_rep = || change("法定代表人变更");
    // Revoked.
    w.acted(
        &lic,
        revoke(
            RevocationGround::Unqualified,
            "申请人不具备申请资格",
            false,
            true,
        ),
        "2025-05-06",
    )
    .await;
    w.refused_on(&lic, legal_rep(), "2025-05-07", &["已撤销", "变更"])
        .await;
    // Unknown.
    let msg = not_found(w.on_licence("NOPE", legal_rep(), "2025-05-07").await);
    assert!(msg.contains("NOPE"), "{msg}");
    // Revoked while the change was under review: it cannot be granted any more.
    let pending = w.acted(&lic3, legal_rep(), "2025-06-02").await;
    w.acted(
        &lic3,
        revoke(
            RevocationGround::IllegalProcedure,
            "未按规定进行现场核查",
            false,
            true,
        ),
        "2025-06-03",
    )
    .await;
    refused_saying(
        w.decide(pending.id, true, "符合条件", "2025-06-04").await,
        &["已撤销"],
    );
    assert_eq!(w.status(&lic3).await, LicenceStatus::Revoked);
    assert_eq!(
        w.store.licence_acts(&lic3).await.unwrap()[0].new_licence,
        None
    );
    // The bureau closes it with a denial.
    let denied = w
        .decide(
            pending.id,
            false,
            "该证照已被撤销，变更申请不予准予",
            "2025-06-04",
        )
        .await
        .unwrap();
    assert_eq!(denied.state, ActState::Denied);
    assert_eq!(w.status(&lic3).await, LicenceStatus::Revoked);
    // Past its end date, even before the sweep.
    w.refused_on(&lic2, legal_rep(), "2026-03-10", &["已过期"])
        .await;
}

/// Received online from the applicant's own account (attested, Art. 31), and licensed at the
/// bureau; returns the licence's identifier.
async fn licensed_online(w: &World, holder: &Principal, day: &str) -> String {
    w.set_today(day);
    let online = submission("HY-WG-001", None, &["M1"], IntakeOutcome::Receive);
    let c = w.t.receive(holder, online).await.unwrap().record;
    // The applicant cannot take the bureau's steps on their own case.
    let msg = forbidden(w.try_act_as(holder, c.id, None, Action::Accept, day).await);
    assert!(msg.contains("申请人不能"), "{msg}");
    let msg = forbidden(w.try_act_as(holder, c.id, None, approve(), day).await);
    assert!(msg.contains("申请人不能"), "{msg}");
    w.act(c.id, Action::Accept, day).await;
    w.act(c.id, approve(), day).await;
    w.issued(c.id, day).await.1
}

async fn the_holder_applies_online_and_only_the_bureau_decides(w: World) {
    let zhao = w.wenguang_supervisor().await;
    let holder = w.applicant(org(1).id_number.as_str(), &org(1).name).await;
    let stranger = w
        .applicant(person(7).id_number.as_str(), &person(7).name)
        .await;
    let lic = licensed_online(&w, &holder, "2025-03-10").await;
    // The licence's page tells the holder what they may do, and the bureau what it may.
    let may = w.licence_view(&holder, &lic).await.unwrap().may;
    assert_eq!(may, ["apply_change", "apply_renewal"]);
    let may = w.licence_view(&w.chief, &lic).await.unwrap().may;
    for act in ["decide", "revoke", "withdraw", "rescind", "cancel"] {
        assert!(may.contains(&act.to_string()), "{may:?}");
    }
    assert!(!may.contains(&"apply_change".to_string()), "{may:?}");
    let msg = forbidden(w.licence_view(&stranger, &lic).await);
    assert!(msg.contains("不是您本人的办件"), "{msg}");

    // Only the holder applies: not another applicant, not a supervisor.
    let msg = forbidden(
        w.on_licence_as(&stranger, &lic, change("法定代表人变更"), "2025-06-02")
            .await,
    );
    assert!(msg.contains("只有被许可人本人"), "{msg}");
    forbidden(
        w.on_licence_as(&zhao, &lic, change("法定代表人变更"), "2025-06-02")
            .await,
    );
    let applied = w
        .on_licence_as(&holder, &lic, change("法定代表人变更为王芳"), "2025-06-02")
        .await
        .unwrap();
    assert_eq!(applied.state, ActState::Pending);
    assert_eq!(applied.created_by, w.name_of(&holder));
    // The holder decides nothing, revokes nothing.
    w.set_today("2025-06-03");
    let msg = forbidden(w.decide_act(&holder, applied.id, true, "自行准予").await);
    assert!(msg.contains("仅限工作人员"), "{msg}");
    forbidden(
        w.on_licence_as(
            &holder,
            &lic,
            cancel(CancellationGround::OtherLegal, "自行注销"),
            "2025-06-03",
        )
        .await,
    );
    // Nor the window: it applies for a holder, the section chief decides.
    let msg = forbidden(
        w.on_licence_as(
            &w.clerk,
            &lic,
            revoke(RevocationGround::Unqualified, "不符合条件", false, true),
            "2025-06-03",
        )
        .await,
    );
    assert!(msg.contains("没有此项职责"), "{msg}");
    let granted = w
        .decide(applied.id, true, "符合条件", "2025-06-04")
        .await
        .unwrap();
    assert_eq!(granted.state, ActState::Granted);
    let v2 = granted.new_licence.unwrap();
    assert_eq!(w.status(&v2).await, LicenceStatus::Valid);
    // Both versions are the holder's.
    let mine: Vec<String> = w
        .store
        .licences_of_account(holder.account.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.identifier)
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.contains(&lic) && mine.contains(&v2), "{mine:?}");
}

// ---------------------------------------------------------------------------------------------
// Revocation (Art. 69), cancellation (Art. 70), withdrawal (Art. 8), rescission

async fn revocation_follows_article_69(w: World) {
    use RevocationGround as G;
    let zhao = w.wenguang_supervisor().await;
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let (_, lic2) = w.licensed(org(2), "2025-03-10").await;
    // Decided by the bureau's section chiefs and head only.
    for who in [&w.clerk, &w.reviewer, &zhao] {
        forbidden(
            w.on_licence_as(
                who,
                &lic,
                revoke(G::Unqualified, "不符合条件", false, true),
                "2025-05-06",
            )
            .await,
        );
    }
    // Mandatory for fraud and bribery.
    for g in [G::Fraud, G::Bribery] {
        let r = w
            .refused_on(
                &lic,
                revoke(g, "提交虚假场所证明", false, false),
                "2025-05-06",
                &["第六十九条第二款", "应当予以撤销"],
            )
            .await;
        assert_eq!(r.rule, "AL-22");
    }
    // Barred where it would seriously harm the public interest.
    w.refused_on(
        &lic,
        revoke(G::Bribery, "行贿", true, true),
        "2025-05-06",
        &["第六十九条第三款", "不予撤销"],
    )
    .await;
    w.refused_on(
        &lic,
        revoke(G::IllegalProcedure, " ", false, true),
        "2025-05-06",
        &["理由"],
    )
    .await;
    assert!(w.store.licence_acts(&lic).await.unwrap().is_empty());
    // The decision not to revoke is recorded.
    let declined = w
        .acted(
            &lic,
            revoke(
                G::Fraud,
                "该场所承担全县唯一的应急避难功能，撤销将对公共利益造成重大损害",
                true,
                false,
            ),
            "2025-05-06",
        )
        .await;
    assert_eq!(declined.state, ActState::Declined);
    assert_eq!(declined.document_id, None);
    assert_eq!(declined.decided_on, Some(date("2025-05-06")));
    assert!(declined.details.serious_public_harm);
    assert_eq!(w.status(&lic).await, LicenceStatus::Valid);
    let events = w.store.case_events(c.id).await.unwrap();
    let last = events.last().unwrap();
    assert!(last.reason.contains("决定不予撤销"), "{}", last.reason);
    // An optional ground: the bureau may decide either way.
    let declined = w
        .acted(
            &lic,
            revoke(G::IllegalProcedure, "程序瑕疵已补正", false, false),
            "2025-05-07",
        )
        .await;
    assert_eq!(declined.state, ActState::Declined);
    assert_eq!(
        w.push_kinds(c.id).await,
        [PushKind::Approval, PushKind::Certificate],
        "nothing changed, nothing pushed"
    );
    let done = w
        .acted(
            &lic,
            revoke(G::Unqualified, "申请人不符合法定条件", false, true),
            "2025-05-08",
        )
        .await;
    assert_eq!(done.state, ActState::Done);
    assert_eq!(w.status(&lic).await, LicenceStatus::Revoked);
    let doc = w.store.document(done.document_id.unwrap()).await.unwrap();
    assert_eq!(doc.record.kind, DocumentKind::RevocationDecision);
    assert_eq!(doc.record.title, "撤销行政许可决定书");
    let text = doc.record.paragraphs.join("");
    assert!(
        text.contains("第六十九条") && text.contains("赔偿") && text.contains("不符合法定条件"),
        "{text}"
    );
    assert_eq!(w.push_kinds(c.id).await.last(), Some(&PushKind::Revocation));
    w.refused_on(
        &lic,
        revoke(G::Fraud, "欺骗", false, true),
        "2025-05-09",
        &["已撤销"],
    )
    .await;
    // Fraud: the licensee's gains are not protected.
    let done = w
        .acted(
            &lic2,
            revoke(G::Fraud, "提交伪造的消防验收意见书", false, true),
            "2025-05-09",
        )
        .await;
    let text = w.document_text(done.document_id.unwrap()).await;
    assert!(text.contains("不受保护"), "{text}");
    assert_eq!(w.status(&lic2).await, LicenceStatus::Revoked);
}

async fn cancellation_follows_each_ground_of_article_70(w: World) {
    use CancellationGround as G;
    let (co, lo) = w.licensed(org(1), "2025-03-10").await;
    let (cp, lp) = w.licensed(person(2), "2025-03-10").await;
    let mut more = Vec::new();
    for n in 11..=16 {
        more.push(w.licensed(org(n), "2025-03-10").await.1);
    }
    // Each ground where it does not hold: (1) not expired yet; (2) only a citizen dies; (3) only
    // an organisation terminates; (4) not revoked, withdrawn or rescinded.
    for (licence, ground, item) in [
        (&lo, G::Expired, "（一）"),
        (&lo, G::Died, "（二）"),
        (&lp, G::Terminated, "（三）"),
        (&lo, G::Revoked, "（四）"),
    ] {
        let says = format!("第七十条第{item}项");
        let cancelled = cancel(ground, "");
        let r = w
            .refused_on(licence, cancelled, "2025-05-06", &[&says])
            .await;
        assert_eq!(r.rule, "AL-23");
    }
    assert!(w.store.licence_acts(&lo).await.unwrap().is_empty());

    // (2) and (3) on the right holders.
    let died = cancel(G::Died, "持证人已于2025年4月死亡");
    let done = w.acted(&lp, died, "2025-05-06").await;
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Cancellation, ActState::Done)
    );
    assert_eq!(w.status(&lp).await, LicenceStatus::Cancelled);
    w.document_of(
        done.document_id,
        DocumentKind::CancellationDecision,
        &["第七十条", "死亡"],
    )
    .await;
    let events = w.store.case_events(cp.id).await.unwrap();
    assert_eq!(events.last().unwrap().action, "licence_cancellation");
    assert!(events.last().unwrap().reason.contains("注销行政许可"));
    w.refused_on(&lp, cancel(G::OtherLegal, ""), "2025-05-07", &["已经注销"])
        .await;
    w.acted(&lo, cancel(G::Terminated, "公司已注销登记"), "2025-05-07")
        .await;
    assert_eq!(w.status(&lo).await, LicenceStatus::Cancelled);
    assert_eq!(
        w.push_kinds(co.id).await.last(),
        Some(&PushKind::Cancellation)
    );

    // (4) after revocation, withdrawal or rescission.
    let ends = [
        revoke(RevocationGround::BeyondPowers, "超越法定职权", false, true),
        withdraw(
            WithdrawalBasis::LawChanged,
            "地方性法规修改，该区域禁止设立娱乐场所",
            "按评估价给予补偿",
        ),
        ActRequest::Rescind {
            penalty_decision: "汉文旅罚〔2025〕8号".into(),
            authority: "汉阴县文化和旅游局".into(),
            reason: "容留未成年人".into(),
        },
    ];
    for (l, end) in more[..3].iter().zip(ends) {
        w.acted(l, end, "2025-05-08").await;
        w.acted(l, cancel(G::Revoked, ""), "2025-05-09").await;
        assert_eq!(w.status(l).await, LicenceStatus::Cancelled);
    }
    // (5) force majeure, (6) other legal grounds.
    for (l, g) in more[3..5].iter().zip([G::ForceMajeure, G::OtherLegal]) {
        w.acted(l, cancel(g, "山洪冲毁经营场所"), "2025-07-10")
            .await;
        assert_eq!(w.status(l).await, LicenceStatus::Cancelled);
    }
    // (1) once past the end date, even before the sweep.
    w.acted(&more[5], cancel(G::Expired, ""), "2026-03-10")
        .await;
    assert_eq!(w.status(&more[5]).await, LicenceStatus::Cancelled);
    // A cancelled licence is not expired by the sweep.
    assert_eq!(
        w.sweep_licences(yiyin_testkit::at("2026-03-11"))
            .await
            .unwrap()
            .1,
        0
    );
    w.assert_chain_intact().await;
}

async fn withdrawal_needs_the_public_interest_and_compensation(w: World) {
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let changed = |interest: &str, compensation: &str| {
        withdraw(
            WithdrawalBasis::CircumstancesChanged,
            interest,
            compensation,
        )
    };
    let r = w
        .refused_on(
            &lic,
            changed(" ", "补偿"),
            "2025-05-06",
            &["第八条", "公共利益"],
        )
        .await;
    assert_eq!(r.rule, "AL-24");
    w.refused_on(&lic, changed("饮用水水源保护", ""), "2025-05-06", &["补偿"])
        .await;
    let done = w
        .acted(
            &lic,
            changed(
                "该地块划入县城饮用水水源一级保护区",
                "按评估价补偿装修及设备损失人民币12万元",
            ),
            "2025-05-06",
        )
        .await;
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Withdrawal, ActState::Done)
    );
    assert_eq!(
        done.details.compensation,
        "按评估价补偿装修及设备损失人民币12万元"
    );
    assert_eq!(w.status(&lic).await, LicenceStatus::Withdrawn);
    w.document_of(
        done.document_id,
        DocumentKind::LicenceWithdrawalDecision,
        &["第八条第二款", "人民币12万元", "水源"],
    )
    .await;
    let events = w.store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(e.action, "licence_withdrawal");
    assert!(e.reason.contains("补偿"), "{}", e.reason);
    assert_eq!(w.push_kinds(c.id).await.last(), Some(&PushKind::Withdrawal));
    w.refused_on(
        &lic,
        changed("再次", "无财产损失"),
        "2025-05-07",
        &["已撤回"],
    )
    .await;
}

async fn rescission_is_recorded_for_the_enforcement_body(w: World) {
    let (c, lic) = w.licensed(org(1), "2025-03-10").await;
    let rescind = |number: &str| ActRequest::Rescind {
        penalty_decision: number.into(),
        authority: "汉阴县文化和旅游局".into(),
        reason: "多次容留未成年人".into(),
    };
    w.refused_on(&lic, rescind(" "), "2025-05-06", &["行政处罚决定书文号"])
        .await;
    let done = w
        .acted(&lic, rescind("汉文旅罚〔2025〕8号"), "2025-05-06")
        .await;
    assert_eq!(
        (done.kind, done.state),
        (ActKind::Rescission, ActState::Done)
    );
    assert_eq!(done.decided_on, Some(date("2025-05-06")));
    assert_eq!(w.status(&lic).await, LicenceStatus::Rescinded);
    let events = w.store.case_events(c.id).await.unwrap();
    let e = events.last().unwrap();
    assert_eq!(e.action, "licence_rescission");
    assert!(e.reason.contains("汉文旅罚〔2025〕8号"), "{}", e.reason);
    // The supervising department learns of it like of every other act.
    assert_eq!(w.push_kinds(c.id).await.last(), Some(&PushKind::Rescission));
    w.refused_on(&lic, rescind("再罚"), "2025-05-07", &["已吊销"])
        .await;
}
