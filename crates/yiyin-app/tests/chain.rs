//! The audit of the event chain, on both databases: an event changed, deleted or cut off the end
//! behind Yiyin's back is found and named (`yiyin_app::audit::verify_chain`), and only those whose
//! duty is audit (the bureau head, discipline supervisors, system administrators) may run the check;
//! the root of the chains' heads the check shows, kept by anyone, later proves the past unchanged.

use yiyin_app::audit::{ChainReport, check_head, verify_chain};
use yiyin_app::cases::{ActOn, Receive};
use yiyin_app::{AppError, Principal};
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::party::{Applicant, SubjectId};
use yiyin_domain::roles::Role;
use yiyin_testkit::TestApp;

yiyin_testkit::on_both!(yiyin_testkit::app::run;
    chain_detects_tampering,
    a_rewritten_event_breaks_the_next_link,
    a_chain_cut_short_is_found,
    only_auditors_check_the_chain,
    each_case_has_its_chain_and_a_kept_root_proves_the_past,
);

/// The clerk's account made (one event), then three cases, each received and then sent a supplement
/// notice: seven events.
async fn three_cases(t: &TestApp) {
    let clerk = t
        .staff("hanyin.clerk", Role::WindowClerk, "hanyin", None)
        .await;
    more_cases(t, &clerk).await;
}

/// Three more cases received by `clerk`, each then sent a supplement notice.
async fn more_cases(t: &TestApp, clerk: &Principal) {
    // One company, three applications (one name under one credit code: `identity`).
    for _ in 0..3 {
        let c = t
            .receive(
                clerk,
                Receive {
                    jurisdiction: "hanyin".into(),
                    item_code: "HY-SC-001".into(),
                    applicant: Some(Applicant::new(
                        "汉阴县月河餐饮有限公司",
                        SubjectId::parse_any("91350100M000100Y43").unwrap(),
                        "13800000000",
                        None,
                    )),
                    materials: vec!["M1".into()],
                    attested: false,
                    outcome: IntakeOutcome::Receive,
                    idempotency_key: None,
                    uploads: vec![],
                    form: None,
                    representation: Default::default(),
                },
            )
            .await
            .unwrap()
            .record;
        t.set_today("2025-03-04");
        t.act(
            clerk,
            ActOn {
                case_id: c.id,
                version: None,
                action: Action::NotifySupplement {
                    missing: vec!["M2".into()],
                },
                uploads: vec![],
            },
        )
        .await
        .unwrap();
        t.set_today("2025-03-03");
    }
}

async fn check(t: &TestApp) -> ChainReport {
    verify_chain(&t.store).await.unwrap()
}

/// The first broken link the check names: its sequence number and a message containing `says`.
#[track_caller]
fn assert_broken(report: &ChainReport, seq: i64, says: &str) {
    let (at, why) = report.broken.as_ref().expect("a broken link");
    assert_eq!(*at, seq, "{why}");
    assert!(why.contains(says), "{why}");
}

async fn chain_detects_tampering(t: TestApp) {
    three_cases(&t).await;
    let report = check(&t).await;
    assert!(report.broken.is_none(), "{report:?}");
    assert_eq!((report.events, report.head_seq), (7, 7));
    // Change one event's reason directly in the database.
    let reason = t.store.events_from(4, 1).await.unwrap().remove(0).reason;
    t.tamper("UPDATE events SET reason = '改过' WHERE seq = 4")
        .await;
    assert_broken(&check(&t).await, 4, "被改动");
    t.tamper(&format!(
        "UPDATE events SET reason = '{reason}' WHERE seq = 4"
    ))
    .await;
    assert!(check(&t).await.broken.is_none());
    // Deleting an event is found too.
    t.tamper("DELETE FROM events WHERE seq = 5").await;
    assert_broken(&check(&t).await, 5, "缺失");
}

/// An intruder who rewrites an event and recomputes its hash still breaks the next link.
async fn a_rewritten_event_breaks_the_next_link(t: TestApp) {
    three_cases(&t).await;
    let mut event = t.store.events_from(4, 1).await.unwrap().remove(0);
    event.reason = "改过".into();
    let hash = event.expected_hash(&event.prev_hash);
    t.tamper(&format!(
        "UPDATE events SET reason = '改过', hash = '{hash}' WHERE seq = 4"
    ))
    .await;
    assert_broken(&check(&t).await, 5, "前一哈希");
}

async fn a_chain_cut_short_is_found(t: TestApp) {
    three_cases(&t).await;
    t.tamper("DELETE FROM events WHERE seq = 7").await;
    let report = check(&t).await;
    assert_broken(&report, 7, "末尾的事件被删除");
    assert_eq!((report.events, report.head_seq), (6, 7));
}

async fn only_auditors_check_the_chain(t: TestApp) {
    three_cases(&t).await;
    let allowed: [Principal; 3] = [
        t.staff("hanyin.head", Role::BureauHead, "hanyin", None)
            .await,
        t.staff("hanyin.jijian", Role::DisciplineSupervisor, "hanyin", None)
            .await,
        t.staff("hanyin.admin", Role::SystemAdmin, "hanyin", None)
            .await,
    ];
    for who in &allowed {
        let report = t.audit_chain(who).await.unwrap();
        assert_eq!(report, check(&t).await);
    }
    let refused = [
        t.staff("hanyin.reviewer", Role::Reviewer, "hanyin", None)
            .await,
        t.staff("hanyin.catalog", Role::CatalogAdmin, "hanyin", None)
            .await,
        t.applicant("11010519491231002X", "王芳").await,
    ];
    for who in &refused {
        match t.audit_chain(who).await {
            Err(AppError::Forbidden(m)) => assert!(m.contains("无权查看审计日志"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // What the auditors see is the check itself, broken links included.
    // Event 2 (the first case's receipt, the first of its chain) deleted: the gap is named by the
    // next event of that chain, the case's third.
    t.tamper("DELETE FROM events WHERE seq = 2").await;
    assert_broken(
        &t.audit_chain(&allowed[1]).await.unwrap(),
        3,
        "第1位的事件缺失",
    );
}

/// Each case's events are in the chain of its id (the clerk's account, of no case, in chain 1),
/// so a write of one case never waits for another's. The root the check shows, kept, still holds
/// after later writes; a rewrite of history before it that leaves every chain whole (each link
/// recomputed to the head) breaks it.
async fn each_case_has_its_chain_and_a_kept_root_proves_the_past(t: TestApp) {
    three_cases(&t).await;
    let events = t.store.events_from(0, 100).await.unwrap();
    let chains: Vec<(i64, Option<i64>)> = events.iter().map(|e| (e.chain, e.case_id)).collect();
    assert_eq!(
        chains,
        [
            (1, None),
            (2, Some(1)),
            (2, Some(1)),
            (3, Some(2)),
            (3, Some(2)),
            (4, Some(3)),
            (4, Some(3)),
        ]
    );
    let report = check(&t).await;
    assert!(report.broken.is_none(), "{report:?}");
    assert_eq!(report.chains, 16);
    let (seq, root) = (report.head_seq, report.head_hash.clone());
    assert_eq!(check_head(&t.store, seq, &root).await.unwrap(), None);
    // Later writes leave the kept root holding.
    let clerk = t
        .staff("hanyin.clerk2", Role::WindowClerk, "hanyin", None)
        .await;
    more_cases(&t, &clerk).await;
    assert_eq!(check_head(&t.store, seq, &root).await.unwrap(), None);
    // The first case's receipt rewritten, its chain re-linked to a new head: every chain checks,
    // but the kept root names the event at the chain's old head.
    let chain = t.store.chain_events(2, 0, 100).await.unwrap();
    let mut prev = yiyin_store::events::GENESIS.to_string();
    for mut e in chain {
        if e.seq == 2 {
            e.reason = "改过".into();
        }
        e.prev_hash = prev.clone();
        e.hash = e.expected_hash(&prev);
        t.tamper(&format!(
            "UPDATE events SET reason = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
            e.reason, e.prev_hash, e.hash, e.seq
        ))
        .await;
        prev = e.hash;
    }
    t.tamper(&format!(
        "UPDATE chain_head SET hash = '{prev}' WHERE id = 2"
    ))
    .await;
    let report = check(&t).await;
    assert!(report.broken.is_none(), "a perfect rewrite: {report:?}");
    let problem = check_head(&t.store, seq, &root).await.unwrap().unwrap();
    assert!(
        problem.contains("第3号事件（第2条链第2位）的哈希已改变"),
        "{problem}"
    );
    // An event slipped in beside the chains (in no chain, or past its chain's head) is found.
    for (chain, pos) in [(99, 1), (5, 1000)] {
        t.tamper(&format!(
            "INSERT INTO events (seq, case_id, jurisdiction, at, actor, actor_account, channel,
               action, reason, data, prev_hash, hash, chain, pos, hash_version, state_digest)
             SELECT 9000, case_id, jurisdiction, at, actor, actor_account, channel, action,
               '伪造', data, prev_hash, hash, {chain}, {pos}, hash_version, state_digest
             FROM events WHERE seq = 4"
        ))
        .await;
        assert_broken(&check(&t).await, 9000, "在事件链之外被写入");
        t.tamper("DELETE FROM events WHERE seq = 9000").await;
    }
    assert!(check(&t).await.broken.is_none());
    // A root nobody was given, and one whose parts were altered, are refused.
    let made_up = "ab".repeat(32);
    assert!(check_head(&t.store, seq, &made_up).await.unwrap().is_some());
    t.tamper(&format!(
        "UPDATE chain_root_parts SET pos = pos + 1 WHERE root = '{root}' AND chain = 3"
    ))
    .await;
    let problem = check_head(&t.store, seq, &root).await.unwrap().unwrap();
    assert!(problem.contains("组成记录已被改动"), "{problem}");
}
