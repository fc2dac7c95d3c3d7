use proptest::prelude::*;

use super::*;
use crate::calendar::Calendar;
use crate::engine::{Action, ApplicantFacts, BundleDef, BundleRules, Context, ItemRules};
use crate::testing::d;

fn rules() -> ItemRules {
    let def: BundleDef = serde_json::from_value(serde_json::json!({
        "name": "立项用地规划许可",
        "materials": [{"code": "M1", "name": "申请表"}],
        "members": [{"code": "A", "name": "建设项目用地预审与选址意见书", "statutory_days": 20, "promised_days": 10}]
    }))
    .unwrap();
    let mut r = BundleRules::new(def).unwrap().item().clone();
    r.joint = false;
    r
}

/// A case accepted on `on` and, if `decided`, decided that day.
fn case(on: &str, decided: Option<&str>) -> Case {
    let cal = Calendar::builtin();
    let facts = ApplicantFacts::default();
    let r = rules();
    let ctx = Context {
        item: &r,
        calendar: &cal,
        applicant: &facts,
    };
    let c = Case::receive(&ctx, d(on), &["M1".into()]).unwrap().case;
    let c = c.apply(&ctx, d(on), &Action::Accept).unwrap().case;
    match decided {
        None => c,
        Some(day) => {
            c.apply(
                &ctx,
                d(day),
                &Action::Decide {
                    approve: true,
                    reason: "符合条件".into(),
                },
            )
            .unwrap()
            .case
        }
    }
}

fn config(completion: Completion) -> StageConfig {
    StageConfig {
        stage: Stage::LandPlanning,
        bundle_code: "gc-1".into(),
        milestones: vec!["A".into(), "B".into()],
        completion,
        parallel: vec!["P".into()],
    }
}

#[test]
fn a_stage_ends_with_all_or_any_milestone_and_parallel_items_never_block() {
    let members = vec![
        ("A".to_string(), case("2025-03-03", Some("2025-03-10"))),
        ("B".to_string(), case("2025-03-03", None)),
        ("P".to_string(), case("2025-03-03", None)),
    ];
    assert_eq!(stage_end(&config(Completion::All), &members), None);
    assert_eq!(
        stage_end(&config(Completion::Any), &members),
        Some(d("2025-03-10"))
    );
    let mut done = members.clone();
    done[1].1 = case("2025-03-03", Some("2025-03-12"));
    // The parallel item P is still open: it does not hold the stage.
    assert_eq!(
        stage_end(&config(Completion::All), &done),
        Some(d("2025-03-12"))
    );
    assert_eq!(
        stage_end(&config(Completion::Any), &done),
        Some(d("2025-03-10"))
    );
}

#[test]
fn a_stage_is_received_once_and_after_the_one_before_ended() {
    assert!(check_receive(Stage::LandPlanning, &[]).is_ok());
    let r = check_receive(Stage::Engineering, &[(Stage::LandPlanning, None)]).unwrap_err();
    assert_eq!(r.rule, "project_stage");
    assert!(
        r.message.contains("国办发〔2019〕11号")
            && r.message.contains("「立项用地规划许可」阶段尚未办结"),
        "{r:?}"
    );
    let r = check_receive(Stage::Construction, &[]).unwrap_err();
    assert!(r.message.contains("「工程建设许可」阶段尚未收件"), "{r:?}");
    assert!(
        check_receive(
            Stage::Engineering,
            &[(Stage::LandPlanning, Some(d("2025-03-10")))]
        )
        .is_ok()
    );
    let r = check_receive(Stage::LandPlanning, &[(Stage::LandPlanning, None)]).unwrap_err();
    assert!(r.message.contains("只收件一次"), "{r:?}");
    assert_eq!(Stage::Completion.previous(), Some(Stage::Construction));
    assert_eq!(Stage::LandPlanning.previous(), None);
}

#[test]
fn the_scheme_has_the_stages_in_order() {
    let stage = |s| StageConfig {
        stage: s,
        ..config(Completion::All)
    };
    let mut scheme = Scheme {
        target_days: 120,
        stages: Stage::ALL.iter().map(|s| stage(*s)).collect(),
    };
    assert!(scheme.validate().is_ok());
    scheme.stages.swap(1, 2);
    assert_eq!(scheme.validate().unwrap_err().field, "stages");
    scheme.stages.swap(1, 2);
    // A stage not configured yet (the catalog has no item of it) is allowed; none is not.
    let three = Scheme {
        stages: scheme.stages[..3].to_vec(),
        ..scheme.clone()
    };
    assert!(three.validate().is_ok());
    let none = Scheme {
        stages: vec![],
        ..scheme.clone()
    };
    assert_eq!(none.validate().unwrap_err().field, "stages");
    scheme.stages[0].parallel = vec!["A".into()];
    assert!(
        scheme
            .validate()
            .unwrap_err()
            .message
            .contains("既是里程碑")
    );
    let parsed: Scheme = serde_json::from_value(serde_json::json!({"stages": []})).unwrap();
    assert_eq!(parsed.target_days, DEFAULT_TARGET_DAYS);
}

#[test]
fn a_project_code_has_the_platforms_shape() {
    assert!(valid_project_code("2026-610921-48-01-000123"));
    assert!(!valid_project_code("2026-61092-48-01-000123"));
    assert!(!valid_project_code("2026-610921-48-01-00012a"));
    let p = Project {
        code: "2026-610921-48-01-000123".into(),
        name: "汉阴县城关镇安置小区".into(),
        builder: "汉阴县城市建设投资有限公司".into(),
        builder_code: "91610921MA70000000".into(),
        location: "汉阴县城关镇".into(),
        investment: InvestmentType::Government,
    };
    assert_eq!(p.validate().unwrap_err().field, "builder_code");
}

#[test]
fn the_total_excludes_supplement_and_suspension_time() {
    let cal = Calendar::builtin();
    // 2025-03-03 (Mon) to 2025-03-14 (Fri): 9 working days after the receipt.
    let plain = StageTime {
        start: d("2025-03-03"),
        end: Some(d("2025-03-14")),
        supplement: vec![],
        members: vec![MemberTime::default()],
    };
    assert_eq!(stage_days(&cal, &plain, d("2025-04-30")).unwrap().used, 9);
    // Awaiting the supplement from Tue 4 to Thu 6: 2 days (5 and 6) not counted.
    let supplement = StageTime {
        supplement: vec![(d("2025-03-04"), Some(d("2025-03-06")))],
        ..plain.clone()
    };
    let s = stage_days(&cal, &supplement, d("2025-04-30")).unwrap();
    assert_eq!((s.elapsed, s.supplement, s.used), (9, 2, 7));
    // Expert review of the one milestone from Mon 10 to Wed 12: 2 days more.
    let expert = StageTime {
        members: vec![MemberTime {
            end: Some(d("2025-03-14")),
            excluded: vec![(d("2025-03-10"), Some(d("2025-03-12")))],
        }],
        ..supplement.clone()
    };
    let s = stage_days(&cal, &expert, d("2025-04-30")).unwrap();
    assert_eq!((s.suspended, s.used), (2, 5));
    // A second milestone working meanwhile keeps the days on the clock.
    let mut busy = expert.clone();
    busy.members.push(MemberTime {
        end: Some(d("2025-03-14")),
        excluded: vec![],
    });
    assert_eq!(stage_days(&cal, &busy, d("2025-04-30")).unwrap().used, 7);
    let total = project_days(&cal, &[plain, expert], 120, d("2025-04-30")).unwrap();
    assert_eq!((total.used, total.supplement, total.suspended), (14, 2, 2));
    assert_eq!(total.left, 106);
    assert!(!total.over && total.explanation.contains("第四十五条"));
}

#[test]
fn materials_given_in_an_earlier_stage_are_not_asked_again() {
    let m = |code: &str, name: &str| MergedMaterial {
        code: code.into(),
        name: name.into(),
        members: vec![],
    };
    let given: BTreeSet<String> = ["营业执照".to_string(), "立项批复文件".to_string()].into();
    let list = [
        m("M1", "申请表"),
        m("M2", "营业执照"),
        m("M3", "立项批复文件"),
    ];
    assert_eq!(already_given(&list, &given), ["M2", "M3"]);
}

proptest! {
    /// The days used never exceed the days elapsed; excluding a period never adds a day; and the
    /// three parts always add up.
    #[test]
    fn used_is_elapsed_less_what_is_excluded(
        len in 0u32..40, sup in proptest::option::of((0u32..40, 0u32..20)),
        susp in proptest::option::of((0u32..40, 0u32..20)), ended in any::<bool>(),
    ) {
        let cal = Calendar::builtin();
        let start = d("2025-03-03");
        let at = |n: u32| start + chrono::Days::new(u64::from(n));
        let end = ended.then(|| at(len));
        let period = |p: Option<(u32, u32)>| p.map(|(a, l)| (at(a), Some(at(a + l)))).into_iter().collect::<Vec<_>>();
        let base = StageTime { start, end, supplement: vec![], members: vec![MemberTime::default()] };
        let t = StageTime {
            supplement: period(sup),
            members: vec![MemberTime { end, excluded: period(susp) }],
            ..base.clone()
        };
        let as_of = at(len);
        let plain = stage_days(&cal, &base, as_of).unwrap();
        let s = stage_days(&cal, &t, as_of).unwrap();
        prop_assert_eq!(s.elapsed, plain.elapsed);
        prop_assert_eq!(plain.used, plain.elapsed);
        prop_assert!(s.used <= plain.used);
        prop_assert_eq!(s.used + s.supplement + s.suspended, s.elapsed);
        prop_assert_eq!(s.elapsed, cal.between(start, as_of).unwrap());
    }
}
