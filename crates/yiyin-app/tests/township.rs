//! A township's own power (镇人民政府自有权限), on both databases: it is decided by the township
//! government in its own name under its own seal, so only that township's own staff receive, review
//! and decide it; the county bureau's staff (its window, reviewer, section chief and head) and
//! another township's staff are refused naming the rule, and the decision is issued by
//! 「涧池镇人民政府」.

mod common;

use common::*;
use yiyin_app::Principal;
use yiyin_domain::authz::Grant;
use yiyin_domain::catalog::HandlingMode;
use yiyin_domain::engine::{Action, CaseState, DocumentKind, IntakeOutcome};
use yiyin_domain::roles::Role;
use yiyin_testkit::app::publish_variant;
use yiyin_testkit::date;

on_both!(crate::common::run;
    only_the_townships_own_staff_handle_its_own_power,
);

/// 农村村民宅基地审批 (HY-GT-902), the power of 涧池镇人民政府 (土地管理法 Art. 62).
async fn publish_township_item(w: &World) {
    publish_variant(&w.store, date("2025-01-01"), "", |item| {
        item.code = "HY-GT-902".into();
        item.name = "农村村民宅基地审批".into();
        item.handling_mode = HandlingMode::Township;
        item.delegated_to = vec!["jianchi".into()];
    })
    .await;
}

/// A member of a township's (or the bureau's window's) staff: one role posted at `unit`.
async fn posted(w: &World, login: &str, role: Role, unit: &str) -> Principal {
    w.staff_with(
        login,
        vec![Grant {
            role,
            jurisdiction: HANYIN.into(),
            department: None,
            unit: Some(unit.into()),
        }],
    )
    .await
}

const DAY: &str = "2025-03-03";

async fn only_the_townships_own_staff_handle_its_own_power(w: World) {
    publish_township_item(&w).await;
    let town_clerk = posted(&w, "jc.clerk", Role::WindowClerk, "jianchi").await;
    let town_reviewer = posted(&w, "jc.reviewer", Role::Reviewer, "jianchi").await;
    let town_chief = posted(&w, "jc.chief", Role::SectionChief, "jianchi").await;
    let other_town_chief = posted(&w, "px.chief", Role::SectionChief, "puxi").await;
    let hall_clerk = posted(&w, "hall.clerk", Role::WindowClerk, "w01").await;
    let rule = "本事项为镇人民政府自有权限，由涧池镇人民政府工作人员办理";

    // The county hall's window may not receive it; the township's window does.
    w.set_today(DAY);
    let input = || {
        submission(
            "HY-GT-902",
            Some(person(1)),
            &["M1", "M2"],
            IntakeOutcome::Accept,
        )
    };
    let e = forbidden(w.t.receive(&hall_clerk, input()).await);
    assert!(e.contains(rule), "{e}");
    let c =
        w.t.receive(&town_clerk, input())
            .await
            .unwrap_or_else(|e| panic!("receive: {e}"))
            .record;
    assert_eq!(c.unit, "jianchi");

    // The bureau's reviewer, section chief and head are refused, naming the rule; so is another
    // township's official.
    let e = forbidden(w.try_act_as(&w.reviewer, c.id, None, review(), DAY).await);
    assert!(e.contains(rule), "{e}");
    let c = w
        .try_act_as(&town_reviewer, c.id, None, review(), DAY)
        .await
        .unwrap_or_else(|e| panic!("review: {e}"));
    for who in [&w.chief, &w.head, &other_town_chief] {
        let e = forbidden(w.try_act_as(who, c.id, None, approve(), DAY).await);
        assert!(e.contains(rule), "{e}");
    }
    // Nor may the bureau read it; the discipline supervisor still may.
    forbidden(w.case_for(&w.chief, c.id).await);
    let discipline = w
        .staff("hy.discipline", Role::DisciplineSupervisor, HANYIN, None)
        .await;
    w.case_for(&discipline, c.id).await.unwrap();
    assert_eq!(
        w.store.case(c.id).await.unwrap().state,
        CaseState::Accepted,
        "nothing changed by the refusals"
    );

    // The township's own official decides, in the township government's name.
    let c = w
        .try_act_as(&town_chief, c.id, None, approve(), DAY)
        .await
        .unwrap_or_else(|e| panic!("decide: {e}"));
    assert_eq!(c.state, CaseState::Decided);
    let documents = w.store.case_documents(c.id).await.unwrap();
    let letter = documents
        .iter()
        .find(|d| d.record.kind == DocumentKind::DecisionLetter)
        .expect("a decision letter");
    assert_eq!(letter.record.agency, "涧池镇人民政府");
    let c = w
        .try_act_as(&town_clerk, c.id, None, Action::IssueCertificate, DAY)
        .await
        .unwrap_or_else(|e| panic!("certificate: {e}"));
    assert_eq!(c.state, CaseState::CertificateIssued);
    let licence = w
        .store
        .licence(&w.licence_of(c.id).await)
        .await
        .unwrap()
        .expect("the licence");
    assert_eq!(licence.issuer, "涧池镇人民政府");
}
