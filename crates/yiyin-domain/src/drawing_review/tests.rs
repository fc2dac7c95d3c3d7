use proptest::prelude::*;

use super::*;
use crate::calendar::Calendar;
use crate::project::{MemberTime, StageTime, stage_days};
use crate::testing::d;

fn inst(code: &str) -> Institution {
    Institution {
        code: code.into(),
        name: format!("{code}施工图审查中心"),
    }
}

fn review(on: &str) -> DrawingReview {
    DrawingReview {
        jurisdiction: "hanyin".into(),
        project_id: 1,
        project_code: "2025-610921-48-01-000123".into(),
        project_name: "安置小区".into(),
        builder: "月河建设".into(),
        institution: inst("a"),
        method: AssignMethod::Rotation,
        draw: None,
        budget_days: DEFAULT_BUDGET_DAYS,
        assigned_on: d(on),
        assigned_by: "张三（审查人员）".into(),
        rounds: vec![Round {
            number: 1,
            submitted_on: d(on),
            files: vec![],
            opinion: None,
        }],
        certificate: None,
    }
}

fn file() -> Vec<DrawingFile> {
    vec![DrawingFile {
        name: "施工图.pdf".into(),
        digest: "ab".into(),
    }]
}

fn grant(role: Role, department: Option<&str>) -> Grant {
    Grant {
        role,
        jurisdiction: "hanyin".into(),
        department: department.map(str::to_string),
        unit: None,
    }
}

#[test]
fn rotation_takes_the_next_institution_and_starts_over() {
    let all = [inst("a"), inst("b"), inst("c")];
    assert_eq!(rotate(&all, None).unwrap().code, "a");
    assert_eq!(rotate(&all, Some("a")).unwrap().code, "b");
    assert_eq!(rotate(&all, Some("c")).unwrap().code, "a");
    // An institution since removed: the next one after its code.
    assert_eq!(rotate(&all, Some("bb")).unwrap().code, "c");
    let none = rotate(&[], None).unwrap_err();
    assert!(none.message.contains("尚未登记施工图审查机构"));
}

#[test]
fn only_the_institutions_reviewers_give_its_opinion_and_the_bureau_assigns() {
    let a = inst("a");
    assert!(check_reviewer(&[grant(Role::TechnicalReviewer, Some("a"))], "hanyin", &a).is_ok());
    for grants in [
        vec![grant(Role::TechnicalReviewer, Some("b"))],
        vec![grant(Role::Reviewer, None)],
        vec![grant(Role::TechnicalReviewer, None)],
        vec![Grant {
            jurisdiction: "xunyang".into(),
            ..grant(Role::TechnicalReviewer, Some("a"))
        }],
    ] {
        let refusal = check_reviewer(&grants, "hanyin", &a).unwrap_err();
        assert!(
            refusal.message.contains("技术审查与行政审批相分离"),
            "{grants:?}"
        );
    }
    assert!(check_assigner(&[grant(Role::Reviewer, None)], "hanyin").is_ok());
    assert!(check_assigner(&[grant(Role::TechnicalReviewer, Some("a"))], "hanyin").is_err());
    assert!(check_assigner(&[grant(Role::WindowClerk, None)], "hanyin").is_err());
    assert!(check_assigner(&[grant(Role::Reviewer, None)], "xunyang").is_err());
}

#[test]
fn defects_are_numbered_on_across_rounds() {
    let mut r = review("2025-03-03");
    let refusal = r
        .give_opinion(Verdict::Revise, &[" ".into()], "", "李四", d("2025-03-05"))
        .unwrap_err();
    assert!(refusal.message.contains("逐条列明问题"));
    r.give_opinion(
        Verdict::Revise,
        &["楼梯宽度不足".into(), "".into(), "消防通道未标注".into()],
        "",
        "李四",
        d("2025-03-05"),
    )
    .unwrap();
    let numbers: Vec<u32> = r.rounds[0]
        .opinion
        .as_ref()
        .unwrap()
        .defects
        .iter()
        .map(|x| x.number)
        .collect();
    assert_eq!(numbers, vec![1, 2]);
    assert_eq!(r.state(), ReviewState::Revising);
    // No second opinion while the applicant revises; no empty resubmission.
    assert!(
        r.give_opinion(Verdict::Pass, &[], "", "李四", d("2025-03-06"))
            .is_err()
    );
    assert!(r.resubmit(vec![], d("2025-03-07")).is_err());
    r.resubmit(file(), d("2025-03-07")).unwrap();
    assert_eq!(r.state(), ReviewState::UnderReview);
    r.give_opinion(
        Verdict::Revise,
        &["防火分区图缺失".into()],
        "",
        "李四",
        d("2025-03-10"),
    )
    .unwrap();
    assert_eq!(r.rounds[1].opinion.as_ref().unwrap().defects[0].number, 3);
    assert_eq!(r.defects(), 3);
}

#[test]
fn the_certificate_only_after_a_pass_and_only_once() {
    let mut r = review("2025-03-03");
    let refusal = r.issue_certificate("汉阴", 1, d("2025-03-04")).unwrap_err();
    assert!(refusal.message.contains("尚未审查合格"));
    r.give_opinion(
        Verdict::Revise,
        &["问题".into()],
        "",
        "李四",
        d("2025-03-04"),
    )
    .unwrap();
    assert!(r.issue_certificate("汉阴", 1, d("2025-03-04")).is_err());
    r.resubmit(file(), d("2025-03-05")).unwrap();
    // A pass lists no defects.
    assert!(
        r.give_opinion(
            Verdict::Pass,
            &["还有问题".into()],
            "",
            "李四",
            d("2025-03-06")
        )
        .is_err()
    );
    r.give_opinion(
        Verdict::Pass,
        &[],
        "符合强制性标准",
        "李四",
        d("2025-03-06"),
    )
    .unwrap();
    let c = r.issue_certificate("汉阴", 7, d("2025-03-06")).unwrap();
    assert_eq!(c.number, "汉阴图审字〔2025〕第7号");
    assert_eq!(c.title, CERTIFICATE_TITLE);
    assert!(c.paragraphs[0].contains("共 2 轮"));
    assert_eq!(r.state(), ReviewState::Passed);
    assert!(r.issue_certificate("汉阴", 8, d("2025-03-06")).is_err());
    assert!(
        r.give_opinion(Verdict::Pass, &[], "", "李四", d("2025-03-07"))
            .is_err()
    );
    // The sealed document: in the institution's name, the bureau's seal, no reviewer's name.
    let doc = r
        .certificate_record("汉阴县行政审批服务局", "汉阴县行政审批服务局行政审批专用章")
        .expect("issued");
    assert_eq!(doc.kind, DocumentKind::DrawingCertificate);
    assert_eq!(doc.number, "汉阴图审字〔2025〕第7号");
    assert_eq!(doc.agency, "a施工图审查中心");
    assert_eq!(doc.recipient, "月河建设");
    let text = doc.paragraphs.join("\n");
    for fact in [
        "安置小区",
        "2025-610921-48-01-000123",
        "建设单位：月河建设",
        "共 2 轮",
        "2025年3月6日",
        "消防设计审查",
        "人防工程设计审查",
    ] {
        assert!(text.contains(fact), "{fact} in {text}");
    }
    assert!(!text.contains("李四"), "{text}");
}

#[test]
fn the_institutions_time_leaves_out_the_applicants_revision() {
    let cal = Calendar::builtin();
    // Mon 03-03 assigned; opinion Wed 03-05 (2 days); revised Mon 03-10 (3 working days);
    // passed Wed 03-12 (2 days).
    let mut r = review("2025-03-03");
    r.give_opinion(
        Verdict::Revise,
        &["问题".into()],
        "",
        "李四",
        d("2025-03-05"),
    )
    .unwrap();
    r.resubmit(file(), d("2025-03-10")).unwrap();
    let running = review_days(&cal, &r, d("2025-03-11")).unwrap();
    assert_eq!((running.institution, running.revision), (3, 3));
    r.give_opinion(Verdict::Pass, &[], "", "李四", d("2025-03-12"))
        .unwrap();
    let days = review_days(&cal, &r, d("2025-03-20")).unwrap();
    assert_eq!((days.institution, days.revision, days.over), (4, 3, false));
    assert_eq!(
        r.intermediary_periods(),
        vec![
            (d("2025-03-03"), Some(d("2025-03-05"))),
            (d("2025-03-10"), Some(d("2025-03-12")))
        ]
    );

    // Fed into a stage's time, the institution's days are not counted; the revision days are.
    let stage = StageTime {
        start: d("2025-03-03"),
        end: Some(d("2025-03-14")),
        supplement: vec![],
        members: vec![MemberTime {
            end: Some(d("2025-03-14")),
            excluded: r.intermediary_periods(),
        }],
    };
    let s = stage_days(&cal, &stage, d("2025-03-20")).unwrap();
    assert_eq!((s.elapsed, s.suspended, s.used), (9, 4, 5));
}

#[test]
fn the_certificate_satisfies_the_drawing_review_steps_only() {
    let steps = [
        StepKind::Acceptance,
        StepKind::DrawingReview,
        StepKind::Review,
        StepKind::TechnicalReview,
    ];
    // A technical review of another kind (环评's evaluation) is not a review of the drawings.
    assert_eq!(satisfied_steps(&steps), vec![StepKind::DrawingReview]);
    let mut r = review("2025-03-03");
    r.give_opinion(Verdict::Pass, &[], "", "李四", d("2025-03-04"))
        .unwrap();
    let c = r
        .issue_certificate("汉阴", 1, d("2025-03-04"))
        .unwrap()
        .clone();
    assert!(step_satisfied(StepKind::DrawingReview, Some(&c)));
    assert!(!step_satisfied(StepKind::Review, Some(&c)));
    assert!(!step_satisfied(StepKind::DrawingReview, None));
}

proptest! {
    #[test]
    fn a_draw_is_reproducible_from_its_seed(seed in "[a-z0-9]{1,16}", n in 1usize..6) {
        let all: Vec<Institution> = (0..n).map(|i| inst(&format!("i{i}"))).collect();
        let (published, first) = draw(&all, "2025-000123/1", &seed).unwrap();
        let (_, again) = draw(&all, "2025-000123/1", &seed).unwrap();
        prop_assert_eq!(&first, &again);
        prop_assert!(all.contains(&first));
        // The published draw re-runs to the same result (`yiyin draw --expert`).
        let rerun = crate::pools::rerun(&published).unwrap();
        prop_assert_eq!(&rerun.drawn[0].id, &first.code);
    }
}

#[test]
fn an_accepted_case_waiting_for_its_drawing_review_takes_the_certificate_instead() {
    use crate::engine::{Action, ApplicantFacts, Context, ItemRules};
    let item: ItemRules = serde_json::from_str(
        r#"{"name":"结合民用建筑修建防空地下室审批","statutory_days":20,"promised_days":10,
        "steps":[{"kind":"drawing_review","name":"人防工程施工图技术审查","role":"technical_reviewer","days":5},
                 {"kind":"review","name":"审查","role":"reviewer","days":3},
                 {"kind":"decision","name":"决定","role":"section_chief","days":1}]}"#,
    )
    .unwrap();
    let cal = Calendar::builtin();
    let facts = ApplicantFacts::default();
    let ctx = Context {
        item: &item,
        calendar: &cal,
        applicant: &facts,
    };
    let received = Case::receive(&ctx, d("2025-03-03"), &[]).unwrap().case;
    let mut r = review("2025-03-03");
    r.give_opinion(Verdict::Pass, &[], "", "李四", d("2025-03-04"))
        .unwrap();
    let c = r
        .issue_certificate("汉阴", 1, d("2025-03-04"))
        .unwrap()
        .clone();
    // Not accepted yet: nothing to record.
    assert!(!waits_for_certificate(&received, &item));
    assert!(accept_certificate(&received, &item, d("2025-03-04"), &c).is_none());
    let accepted = received
        .apply(&ctx, d("2025-03-03"), &Action::Accept)
        .unwrap()
        .case;
    assert!(waits_for_certificate(&accepted, &item));
    let certified = accept_certificate(&accepted, &item, d("2025-03-05"), &c).unwrap();
    let step = certified.steps.last().unwrap();
    assert_eq!(step.kind, StepKind::DrawingReview);
    assert_eq!(step.on, d("2025-03-05"));
    assert_eq!(step.staff, vec![c.institution.clone()]);
    assert!(step.opinion.contains(&c.number), "{}", step.opinion);
    assert!(!step.awaiting_confirmation);
    // The next step is the item's own review; the certificate is taken once.
    assert_eq!(
        certified.pending_step(&item).map(|s| s.kind),
        Some(StepKind::Review)
    );
    assert!(accept_certificate(&certified, &item, d("2025-03-05"), &c).is_none());
    // An item whose next step is not a drawing review takes nothing.
    let plain: ItemRules = serde_json::from_str(
        r#"{"name":"建设项目环境影响评价文件审批","statutory_days":20,"promised_days":10,
        "steps":[{"kind":"technical_review","name":"技术评估","role":"technical_reviewer","days":5},
                 {"kind":"decision","name":"决定","role":"section_chief","days":1}]}"#,
    )
    .unwrap();
    let ctx = Context {
        item: &plain,
        calendar: &cal,
        applicant: &facts,
    };
    let other = Case::receive(&ctx, d("2025-03-03"), &[]).unwrap().case;
    let other = other
        .apply(&ctx, d("2025-03-03"), &Action::Accept)
        .unwrap()
        .case;
    assert!(accept_certificate(&other, &plain, d("2025-03-05"), &c).is_none());
}
