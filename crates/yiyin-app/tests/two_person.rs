//! Who does a step, on both databases: an on-site verification counts only when a second staff
//! account of the jurisdiction with the verifying role confirms it with its own session (Art. 34
//! para 3), and the timeline shows both; a hearing's presiding officer is an account other than the
//! reviewer (Art. 48); an item's own extension length (Art. 42, from the catalog). And the
//! authorisation of neighbouring acts: an applicant delivers a material only with its file; the
//! licensee view is for the duties that need it, without another county's credit reasons; findings
//! only on items the department supervises.

mod common;

use common::*;
use yiyin_app::Principal;
use yiyin_app::cases::{ActOn, Upload};
use yiyin_app::supervision::FindingInput;
use yiyin_domain::catalog::{Step, StepKind};
use yiyin_domain::engine::{Action, IntakeOutcome};
use yiyin_domain::roles::Role;
use yiyin_domain::supervision::CreditKind;
use yiyin_store::cases::CaseRecord;
use yiyin_store::credit::NewCredit;
use yiyin_testkit::app::publish_variant;
use yiyin_testkit::date;

on_both!(crate::common::run;
    verification_needs_a_second_account_and_the_hearing_another_officer,
    applicants_authorised_views_and_findings,
);

/// 食品生产许可 (HY-SC-009): review, on-site verification, hearing, decision; its own law sets a
/// 30-day extension.
async fn publish_item(w: &World) {
    publish_variant(&w.store, date("2025-01-01"), "", |item| {
        item.code = "HY-SC-009".into();
        item.name = "食品生产许可".into();
        let step = |kind: StepKind, name: &str, role: Role| Step {
            kind,
            name: name.into(),
            role,
            days: 2,
            standard: String::new(),
        };
        item.steps = vec![
            step(StepKind::Acceptance, "受理", Role::WindowClerk),
            step(StepKind::Review, "审查", Role::Reviewer),
            step(StepKind::Verification, "现场核查", Role::Verifier),
            step(StepKind::Hearing, "听证", Role::SectionChief),
            step(StepKind::Decision, "决定", Role::SectionChief),
        ];
        item.extension_days = Some(30);
        item.extension_basis = "《某省食品生产许可条例》第十八条（测试）".into();
        // The extension's law is one of the item's own bases (catalog validation).
        item.legal_basis
            .push("《某省食品生产许可条例》第十八条（测试）".into());
    })
    .await;
}

async fn act(
    w: &World,
    who: &Principal,
    c: &CaseRecord,
    action: Action,
) -> Result<CaseRecord, yiyin_app::AppError> {
    w.try_act_as(who, c.id, None, action, "2025-03-05").await
}

fn verify(staff: &[&str]) -> Action {
    Action::CompleteStep {
        kind: StepKind::Verification,
        staff: staff.iter().map(|s| s.to_string()).collect(),
        opinion: "现场与申请材料一致".into(),
    }
}

fn confirm() -> Action {
    Action::ConfirmVerification {
        kind: StepKind::Verification,
        staff: "随便写的名字".into(),
    }
}

fn hearing(presiding: &str) -> Action {
    Action::CompleteStep {
        kind: StepKind::Hearing,
        staff: vec![presiding.into()],
        opinion: "听证笔录已签字".into(),
    }
}

async fn verification_needs_a_second_account_and_the_hearing_another_officer(w: World) {
    publish_item(&w).await;
    let ver1 = w.staff("hy.ver1", Role::Verifier, HANYIN, None).await;
    let ver2 = w.staff("hy.ver2", Role::Verifier, HANYIN, None).await;
    let elsewhere = w.staff("zy.ver", Role::Verifier, "ziyang", None).await;
    let c = w
        .receive(
            "HY-SC-009",
            org(1),
            &["M1", "M2"],
            IntakeOutcome::Accept,
            "2025-03-03",
        )
        .await;
    let c = act(&w, &w.reviewer, &c, review()).await.unwrap();

    // One account typing two names records one verifier; the step waits for a second.
    let c = act(&w, &ver1, &c, verify(&["王强", "赵磊"])).await.unwrap();
    let waiting = c.case.awaiting_confirmation().expect("waits for a second");
    assert_eq!(waiting.staff.len(), 1, "{:?}", waiting.staff);
    assert!(waiting.staff[0].contains("hy.ver1"), "{:?}", waiting.staff);
    refused_saying(act(&w, &w.chief, &c, approve()).await, &["现场核查"]);
    // Not the same account twice, not another county's verifier, not another role.
    let r = refused_saying(act(&w, &ver1, &c, confirm()).await, &["另一名工作人员"]);
    assert_eq!(r.rule, "AL-08");
    forbidden(act(&w, &elsewhere, &c, confirm()).await);
    forbidden(act(&w, &w.reviewer, &c, confirm()).await);
    // The case page offers the confirmation to the second verifier only.
    let offered = |who: &Principal| {
        let (app, who, c) = (&w.t, who.clone(), c.clone());
        async move {
            app.case_view(&who, c)
                .await
                .unwrap()
                .allowed_actions
                .contains(&"confirm_verification".to_string())
        }
    };
    assert!(!offered(&ver1).await);
    assert!(offered(&ver2).await);
    let c = act(&w, &ver2, &c, confirm()).await.unwrap();
    assert!(c.case.awaiting_confirmation().is_none());
    let step = c
        .case
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Verification)
        .unwrap();
    assert_eq!(step.staff.len(), 2);
    assert!(step.staff[1].contains("hy.ver2") && !step.staff[1].contains("随便"));
    // The timeline shows both verifiers.
    let view = w.case_view(&w.chief, c.clone()).await.unwrap();
    let actors: Vec<&str> = view.events.iter().map(|e| e.actor.as_str()).collect();
    for who in [&ver1, &ver2] {
        assert!(actors.contains(&w.name_of(who).as_str()), "{actors:?}");
    }
    assert!(
        view.events
            .iter()
            .any(|e| e.action == "confirm_verification")
    );

    // The hearing: presided by an account, not the reviewer's.
    let r = refused_saying(
        act(&w, &w.chief, &c, hearing("hy.reviewer")).await,
        &["听证主持人"],
    );
    assert_eq!(r.rule, "AL-18");
    let msg = invalid(act(&w, &w.chief, &c, hearing("李四")).await);
    assert!(msg.contains("工作人员账号"), "{msg}");
    forbidden(act(&w, &w.reviewer, &c, hearing("hy.head")).await);
    let c = act(&w, &w.chief, &c, hearing("hy.head")).await.unwrap();
    let presided = &c.case.steps.last().unwrap().staff;
    assert!(presided[0].contains("hy.head"), "{presided:?}");

    // The extension is the item's own law's length, not Art. 42's ten days.
    let c = act(
        &w,
        &w.head,
        &c,
        Action::Extend {
            reason: "需补充检验".into(),
            approved_by: "head".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(c.case.extension.as_ref().unwrap().days, 30);
    act(&w, &w.chief, &c, approve()).await.unwrap();
}

async fn applicants_authorised_views_and_findings(w: World) {
    // An applicant answers a supplement notice only with the files.
    let me = org(2);
    let applicant = w.applicant(me.id_number.as_str(), &me.name).await;
    w.set_today("2025-03-03");
    let c =
        w.t.receive(
            &applicant,
            submission("HY-SC-001", None, &["M2"], IntakeOutcome::Receive),
        )
        .await
        .unwrap()
        .record;
    let c = act(
        &w,
        &w.clerk,
        &c,
        Action::NotifySupplement {
            missing: vec!["M1".into()],
        },
    )
    .await
    .unwrap();
    let supplement = |uploads: Vec<Upload>| ActOn {
        case_id: c.id,
        version: None,
        action: Action::Supplement {
            materials: vec!["M1".into()],
        },
        uploads,
    };
    let e = error_of(w.t.act(&applicant, supplement(vec![])).await);
    assert_eq!(e.code(), "invalid_input", "{e:?}");
    assert!(e.to_string().contains("上传"), "{e}");
    assert_eq!(w.store.case(c.id).await.unwrap().version, c.version);
    let file = Upload {
        material: "M1".into(),
        name: "申请书.pdf".into(),
        bytes: b"%PDF-1.4\n%test\n".to_vec(),
    };
    let c = w.t.act(&applicant, supplement(vec![file])).await.unwrap();
    assert!(c.case.provided.contains("M1"));

    // The licensee view: for the duties that need it; another county's reasons stay there.
    let (_, _lic) = w.licensed(org(3), "2025-03-10").await;
    let mut tx = w.store.begin_write().await.unwrap();
    tx.add_credit(&NewCredit {
        holder_id: org(3).id_number.as_str(),
        holder: &org(3).name,
        jurisdiction: "ziyang",
        kind: CreditKind::FalseCommitment,
        reason: "紫阳县核查发现承诺的场所不存在",
        source: "ZY-2025-001",
        at_ms: 0,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let holder = org(3).id_number.to_string();
    let record = w.subject_view(&w.head, &holder, "", None).await.unwrap();
    let barred = record.barred.expect("barred by the other county's record");
    assert!(
        !barred.contains("场所不存在") && !barred.contains("ZY-2025"),
        "{barred}"
    );
    assert!(record.credit.is_empty());
    let verifier = w.staff("hy.ver", Role::Verifier, HANYIN, None).await;
    for who in [&verifier, &w.clerk] {
        forbidden(w.subject_view(who, &holder, "", None).await);
    }
    let supervisor = w.wenguang_supervisor().await;
    w.subject_view(&supervisor, &holder, "", None)
        .await
        .unwrap();

    // Findings only on items the department supervises; authorisation before validation.
    let unlicensed = |item: &str| FindingInput {
        jurisdiction: HANYIN.into(),
        department: "wenguang".into(),
        licence: String::new(),
        holder_id: "92610921MA00000009".into(),
        holder: "汉阴县无名食品店".into(),
        item_code: item.into(),
        kind: "penalty".into(),
        summary: "无证经营".into(),
        found_on: String::new(),
    };
    let msg = forbidden(
        w.record_finding(&supervisor, &unlicensed("HY-SC-001"))
            .await,
    );
    assert!(msg.contains("不是本部门监管的事项"), "{msg}");
    let bad = FindingInput {
        summary: "x".repeat(100_000),
        kind: "nonsense".into(),
        ..unlicensed("HY-WG-001")
    };
    forbidden(w.record_finding(&w.clerk, &bad).await);
    w.record_finding(&supervisor, &unlicensed("HY-WG-001"))
        .await
        .unwrap();
}
