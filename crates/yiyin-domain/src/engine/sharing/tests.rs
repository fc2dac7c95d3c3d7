use super::*;
use crate::calendar::Calendar;
use crate::catalog::MaterialSource;
use crate::engine::{Action, ApplicantFacts, EngineError, MaterialRule};
use crate::testing::d;

fn item() -> ItemRules {
    let m = |code: &str, name: &str, deferrable: bool, fetched: bool| MaterialRule {
        code: code.into(),
        name: name.into(),
        deferrable,
        required: true,
        fetched,
    };
    ItemRules {
        name: "食品经营许可".into(),
        statutory_days: 20,
        promised_days: 10,
        instant: false,
        joint: false,
        green_list: false,
        materials: vec![
            m("M1", "申请书", false, false),
            m("M2", "营业执照", false, true),
            m("M3", "健康证明", true, false),
        ],
        steps: vec![],
        decider: None,
        commitment_check_days: None,
        extension_days: None,
        extension_basis: String::new(),
        limit_unit: Default::default(),
        limit_basis: String::new(),
        kind: crate::catalog::ItemKind::Licensing,
    }
}

fn with_ctx<T>(f: impl FnOnce(&Context) -> T) -> T {
    let (cal, facts, item) = (Calendar::builtin(), ApplicantFacts::default(), item());
    f(&Context {
        item: &item,
        calendar: &cal,
        applicant: &facts,
    })
}

fn rule_of(e: EngineError) -> (String, String) {
    match e {
        EngineError::Refused(r) => (r.rule.clone(), r.message.clone()),
        other => panic!("{other:?}"),
    }
}

const ON: &str = "2026-06-15";

fn received(ctx: &Context, materials: &[&str]) -> Case {
    let materials: Vec<String> = materials.iter().map(|s| s.to_string()).collect();
    Case::receive(ctx, d(ON), &materials).unwrap().case
}

#[test]
fn sources_shared_and_licence_register_are_fetched_and_keep_their_codes() {
    assert!(MaterialSource::Shared.is_fetched());
    assert!(MaterialSource::LicenceRegister.is_fetched());
    assert!(!MaterialSource::Applicant.is_fetched());
    assert!(!MaterialSource::Government.is_fetched());
    assert_eq!(MaterialSource::Shared.code(), "shared");
    assert_eq!(MaterialSource::LicenceRegister.code(), "licence_register");
    assert_eq!(MaterialSource::LicenceRegister.label(), "证照库（免提交）");
    assert_eq!(
        MaterialSource::parse("证照库（免提交）"),
        Some(MaterialSource::LicenceRegister)
    );
}

#[test]
fn a_fetched_material_counts_as_provided_for_acceptance() {
    with_ctx(|ctx| {
        let mut case = received(ctx, &["M1", "M3"]);
        // Not yet fetched: acceptance waits, and says why.
        let (rule, message) = rule_of(case.apply(ctx, d(ON), &Action::Accept).unwrap_err());
        assert_eq!(rule, "sharing");
        assert!(message.contains("营业执照"), "{message}");
        assert!(message.contains("改由申请人提交"), "{message}");
        case.record_fetched(ctx, "M2").unwrap();
        let applied = case.apply(ctx, d(ON), &Action::Accept).unwrap();
        assert_eq!(applied.case.state, CaseState::Accepted);
    });
}

#[test]
fn the_one_time_notice_may_not_ask_for_a_fetched_material_without_a_fallback() {
    with_ctx(|ctx| {
        let mut case = received(ctx, &["M1"]);
        // Fetched: the notice asks only for the applicant's own material.
        let mut fetched = case.clone();
        fetched.record_fetched(ctx, "M2").unwrap();
        let notice = Action::NotifySupplement {
            missing: vec!["M3".into()],
        };
        assert!(fetched.apply(ctx, d(ON), &notice).is_ok());
        // Listing the fetched material is refused (Art. 33).
        let both = Action::NotifySupplement {
            missing: vec!["M2".into(), "M3".into()],
        };
        let (rule, message) = rule_of(fetched.apply(ctx, d(ON), &both).unwrap_err());
        assert_eq!(rule, "sharing");
        assert!(message.contains("第三十三条"), "{message}");
        // Neither fetched nor fallen back: no notice at all (it would not be complete).
        let (rule, _) = rule_of(case.apply(ctx, d(ON), &notice).unwrap_err());
        assert_eq!(rule, "sharing");
        // Fallen back with a reason: the notice lists it.
        case.fall_back(ctx, d(ON), "M2", "市场监管共享接口停机维护")
            .unwrap();
        assert_eq!(case.fallbacks[0].reason, "市场监管共享接口停机维护");
        let (rule, _) = rule_of(case.clone().apply(ctx, d(ON), &notice).unwrap_err());
        assert_eq!(rule, "AL-05", "the notice must now include it");
        let applied = case.apply(ctx, d(ON), &both).unwrap();
        assert_eq!(applied.case.state, CaseState::AwaitingSupplement);
        assert!(applied.case.asked_materials().contains(&"M2".to_string()));
    });
}

#[test]
fn a_fallback_needs_a_reason_a_fetched_material_and_an_open_intake() {
    with_ctx(|ctx| {
        let mut case = received(ctx, &["M1", "M3"]);
        let (rule, _) = rule_of(case.fall_back(ctx, d(ON), "M2", "  ").unwrap_err());
        assert_eq!(rule, "sharing");
        let (_, message) = rule_of(case.fall_back(ctx, d(ON), "M1", "原因").unwrap_err());
        assert!(message.contains("本来就由申请人提交"), "{message}");
        assert!(case.fall_back(ctx, d(ON), "M2", "a\u{0}b").is_err());
        assert!(
            case.fallbacks.is_empty(),
            "a refused fallback changes nothing"
        );
        let mut fetched = case.clone();
        fetched.record_fetched(ctx, "M2").unwrap();
        let (_, message) = rule_of(fetched.fall_back(ctx, d(ON), "M2", "原因").unwrap_err());
        assert!(message.contains("不得再要求申请人提交"), "{message}");
        // Fallen back, the material is the applicant's: acceptance asks for it as any other.
        case.fall_back(ctx, d(ON), "M2", "共享接口无法连接")
            .unwrap();
        let (rule, _) = rule_of(
            case.clone()
                .fall_back(ctx, d(ON), "M2", "再次")
                .unwrap_err(),
        );
        assert_eq!(rule, "sharing");
        let (rule, _) = rule_of(case.apply(ctx, d(ON), &Action::Accept).unwrap_err());
        assert_eq!(rule, "AL-02");
        let accepted = case
            .apply(
                ctx,
                d(ON),
                &Action::Supplement {
                    materials: vec!["M2".into()],
                },
            )
            .unwrap()
            .case
            .apply(ctx, d(ON), &Action::Accept)
            .unwrap()
            .case;
        let mut late = accepted;
        let (rule, _) = rule_of(late.fall_back(ctx, d(ON), "M2", "原因").unwrap_err());
        assert_eq!(rule, "sharing");
    });
}

#[test]
fn deferred_acceptance_also_waits_for_the_fetched_material() {
    with_ctx(|ctx| {
        let mut case = received(ctx, &["M1"]);
        let defer = Action::AcceptDeferred {
            deferred: vec!["M3".into()],
            due: Some(d("2026-06-30")),
        };
        let (rule, _) = rule_of(case.apply(ctx, d(ON), &defer).unwrap_err());
        assert_eq!(rule, "sharing");
        case.record_fetched(ctx, "M2").unwrap();
        assert_eq!(
            case.apply(ctx, d(ON), &defer).unwrap().case.state,
            CaseState::Accepted
        );
        let (_, message) = rule_of(case.record_fetched(ctx, "M1").unwrap_err());
        assert!(message.contains("不是本事项标明"), "{message}");
    });
}

#[test]
fn the_engine_offers_a_notice_only_for_what_may_be_asked() {
    with_ctx(|ctx| {
        let mut case = received(ctx, &["M1"]);
        case.record_fetched(ctx, "M2").unwrap();
        let offered = case.offered_actions(ctx, d(ON));
        assert!(offered.contains(&"notify_supplement"), "{offered:?}");
    });
}

fn record() -> SharedRecord {
    SharedRecord {
        name: "安康市月河餐饮有限公司".into(),
        id: "91350100M000100Y43".into(),
        kind: "business_licence".into(),
        issued_by: "汉阴县市场监督管理局".into(),
        valid_until: Some(d("2030-12-31")),
        fields: Default::default(),
        document_no: "610921000012345".into(),
    }
}

#[test]
fn a_record_counts_only_for_its_holder_in_force_and_clean() {
    let r = record();
    assert!(r.check("91350100m000100y43", d(ON)).is_ok());
    assert!(
        r.check("11010519491231002X", d(ON))
            .unwrap_err()
            .contains("不属于本申请人")
    );
    assert!(
        r.check("91350100M000100Y43", d("2031-01-01"))
            .unwrap_err()
            .contains("过期")
    );
    let mut bad = record();
    bad.name = "月河\u{202E}餐饮".into();
    assert!(bad.check("91350100M000100Y43", d(ON)).is_err());
    bad = record();
    bad.document_no = " ".into();
    assert!(
        bad.check("91350100M000100Y43", d(ON))
            .unwrap_err()
            .contains("编号")
    );
    let open: SharedRecord = serde_json::from_str(
        r#"{"name":"王芳","id":"11010519491231002X","kind":"k","issued_by":"某局","document_no":"1","fields":{"住所":"汉阴县城关镇"}}"#,
    )
    .unwrap();
    assert!(
        open.check("11010519491231002X", d(ON)).is_ok(),
        "no end date: in force"
    );
}
