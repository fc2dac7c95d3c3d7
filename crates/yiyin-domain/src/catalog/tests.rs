//! Unit tests of the catalog rules.

use super::*;
use crate::org::{Jurisdiction, Organisation};
use crate::testing::d;

pub fn sample_item() -> Item {
    Item {
        code: "HY-SC-001".into(),
        name: "食品经营许可".into(),
        kind: ItemKind::Licensing,
        department: "shichang".into(),
        supervising_department: "shichang".into(),
        handling_mode: HandlingMode::Transferred,
        handling_class: HandlingClass::Promised,
        delegated_to: vec![],
        subject: Subject::Both,
        legal_basis: vec!["《中华人民共和国食品安全法》第三十五条".into()],
        conditions: vec!["具有与经营的食品品种、数量相适应的经营场所".into()],
        materials: vec![
            Material {
                code: "M1".into(),
                name: "食品经营许可申请书".into(),
                necessity: Necessity::Required,
                condition: String::new(),
                form: MaterialForm::Original,
                copies: 1,
                source: MaterialSource::Applicant,
                blank_form: "食品经营许可申请书".into(),
                sample: "填写示例".into(),
                deferrable: false,
                note: String::new(),
            },
            Material {
                code: "M2".into(),
                name: "营业执照".into(),
                necessity: Necessity::Required,
                condition: String::new(),
                form: MaterialForm::Copy,
                copies: 1,
                source: MaterialSource::Government,
                blank_form: String::new(),
                sample: String::new(),
                deferrable: true,
                note: String::new(),
            },
        ],
        statutory_days: 20,
        promised_days: 10,
        joint: false,
        fees: vec![],
        online_depth: 4,
        visits: 0,
        green_list: false,
        commitment_check_days: None,
        extension_days: None,
        extension_basis: String::new(),
        quantity_limited: false,
        steps: vec![
            Step {
                kind: StepKind::Acceptance,
                name: "受理".into(),
                role: Role::WindowClerk,
                days: 0,
                standard: String::new(),
            },
            Step {
                kind: StepKind::Review,
                name: "审查".into(),
                role: Role::Reviewer,
                days: 5,
                standard: String::new(),
            },
            Step {
                kind: StepKind::Decision,
                name: "决定".into(),
                role: Role::SectionChief,
                days: 3,
                standard: String::new(),
            },
        ],
        result: ItemResult {
            name: "食品经营许可证".into(),
            kind: ResultKind::Licence,
            sample: String::new(),
            validity_years: Some(5),
        },
        topics: vec!["开办餐馆".into()],
        place: "汉阴县政务服务中心".into(),
        hours: "工作日".into(),
        phone: "12345".into(),
        faq: vec![],
    }
}

fn hanyin() -> Jurisdiction {
    Organisation::builtin()
        .jurisdiction("hanyin")
        .unwrap()
        .clone()
}

#[test]
fn a_good_item_validates() {
    assert_eq!(sample_item().validate(&hanyin()), vec![]);
}

#[test]
fn validation_names_every_bad_field_in_chinese() {
    let mut item = sample_item();
    item.promised_days = 30;
    item.department = "nowhere".into();
    item.materials[1].copies = 0;
    item.materials[0].deferrable = true;
    let errors = item.validate(&hanyin());
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(text.iter().any(|t| t.starts_with("承诺时限：")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("nowhere")), "{text:?}");
    assert!(
        text.iter().any(|t| t.starts_with("申请材料第2项·份数")),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.contains("非核心")), "{text:?}");
}

#[test]
fn versions_and_as_of() {
    let j = hanyin();
    let v1 = next_version(
        &[],
        &j,
        sample_item(),
        d("2025-01-01"),
        d("2025-01-01"),
        "",
        "admin",
    )
    .unwrap();
    assert_eq!((v1.version, v1.change), (1, ChangeKind::Added));
    let mut changed = sample_item();
    changed.promised_days = 5;
    changed.steps[1].days = 2;
    // An adjustment of v1 in force from March, with the note given.
    let adjust = |note: &str| {
        next_version(
            std::slice::from_ref(&v1),
            &j,
            changed.clone(),
            d("2025-03-01"),
            d("2025-02-01"),
            note,
            "admin",
        )
    };
    assert_eq!(adjust("").unwrap_err(), CatalogError::MissingNote);
    let v2 = adjust("压缩承诺时限").unwrap();
    assert_eq!((v2.version, v2.change), (2, ChangeKind::Adjusted));
    let history = vec![v1.clone(), v2.clone()];
    assert!(matches!(
        next_version(
            &history,
            &j,
            sample_item(),
            d("2025-02-15"),
            d("2025-03-10"),
            "x",
            "a"
        ),
        Err(CatalogError::EffectiveInPast { .. })
    ));
    let v3 = retirement(
        &history,
        d("2025-06-01"),
        d("2025-05-01"),
        "国务院取消",
        "admin",
    )
    .unwrap();
    let history = vec![v1, v2, v3];
    assert_eq!(active_version(&history, d("2024-12-31")), None);
    assert_eq!(
        active_version(&history, d("2025-02-28")).unwrap().version,
        1
    );
    assert_eq!(
        active_version(&history, d("2025-03-01")).unwrap().version,
        2
    );
    assert_eq!(active_version(&history, d("2025-06-01")), None);
    assert_eq!(as_of(&history, d("2025-04-01")).len(), 1);
    assert!(as_of(&history, d("2025-07-01")).is_empty());
    assert!(matches!(
        retirement(&history, d("2025-07-01"), d("2025-07-01"), "x", "a"),
        Err(CatalogError::AlreadyRetired(_))
    ));
}

#[test]
fn diff_speaks_chinese() {
    let old = sample_item();
    let mut new = sample_item();
    new.promised_days = 5;
    new.materials.remove(1);
    new.materials.push(Material {
        code: "M3".into(),
        name: "从业人员健康证明".into(),
        ..old.materials[0].clone()
    });
    let changes = diff_items(&old, &new);
    let labels: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "申请材料「营业执照」",
            "申请材料「从业人员健康证明」",
            "承诺时限"
        ]
    );
    assert_eq!(changes[2].before.as_deref(), Some("10"));
    assert_eq!(changes[1].before, None);
}

#[test]
fn enums_parse_chinese_and_codes() {
    assert_eq!(HandlingClass::parse("即办件"), Some(HandlingClass::Instant));
    assert_eq!(
        HandlingClass::parse("instant"),
        Some(HandlingClass::Instant)
    );
    assert_eq!(HandlingMode::parse("委托"), Some(HandlingMode::Delegated));
    assert_eq!(Necessity::parse("随便"), None);
    let e: Result<Necessity, _> = serde_json::from_str("\"x\"");
    assert!(
        e.unwrap_err()
            .to_string()
            .contains("必要、依情形提交、非必要")
    );
}
