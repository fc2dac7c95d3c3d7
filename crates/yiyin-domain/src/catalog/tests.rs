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
        limit_unit: Default::default(),
        limit_basis: String::new(),
        joint_departments: Vec::new(),
        national: None,
        sources: Vec::new(),
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
            template: None,
        },
        topics: vec!["开办餐馆".into()],
        place: "汉阴县政务服务中心".into(),
        hours: "工作日".into(),
        phone: "12345".into(),
        faq: vec![],
        form: None,
    }
}

pub(crate) fn hanyin() -> Jurisdiction {
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

/// A publication by `admin` taking effect on `effective_on`, published on `today`.
fn publication<'a>(effective_on: &str, today: &str, note: &'a str) -> Publication<'a> {
    Publication {
        effective_on: d(effective_on),
        today: d(today),
        note,
        by: "admin",
    }
}

#[test]
fn versions_and_as_of() {
    let j = hanyin();
    let v1 = next_version(
        &[],
        &j,
        sample_item(),
        publication("2025-01-01", "2025-01-01", ""),
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
            publication("2025-03-01", "2025-02-01", note),
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
            publication("2025-02-15", "2025-03-10", "x")
        ),
        Err(CatalogError::EffectiveInPast { .. })
    ));
    let v3 = retirement(
        &history,
        publication("2025-06-01", "2025-05-01", "国务院取消"),
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
        retirement(&history, publication("2025-07-01", "2025-07-01", "x")),
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

#[test]
fn national_entry_and_sources_are_checked_when_present() {
    use crate::sources::{Source, SourceKind};
    let j = hanyin();
    // No national entry and no source: not an error (the national list report names the item).
    assert_eq!(sample_item().validate(&j), vec![]);
    let mut item = sample_item();
    item.national = Some(NationalRef {
        code: "00012345600Y-1".into(),
        name: "食品经营许可".into(),
    });
    item.sources = vec![Source {
        kind: SourceKind::Assumed,
        cite: "承诺时限为演示假定".into(),
    }];
    assert_eq!(item.validate(&j), vec![]);

    let fields =
        |item: &Item| -> Vec<String> { item.validate(&j).iter().map(|e| e.to_string()).collect() };
    item.national = Some(NationalRef {
        code: "许可 01".into(),
        name: " ".into(),
    });
    let text = fields(&item);
    assert!(
        text.iter()
            .any(|t| t.starts_with("国家事项清单编码与名称·编码：") && t.contains("字母、数字")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("国家事项清单编码与名称·名称：不能为空")),
        "{text:?}"
    );
    item.national = Some(NationalRef {
        code: "A".repeat(41),
        name: "名".repeat(201),
    });
    assert_eq!(fields(&item).len(), 2, "{:?}", fields(&item));
    item.national = Some(NationalRef {
        code: "".into(),
        name: "名".repeat(200),
    });
    assert_eq!(fields(&item).len(), 1, "{:?}", fields(&item));

    let mut item = sample_item();
    item.sources = vec![
        Source {
            kind: SourceKind::Seed,
            cite: "汉阴县方案 三（一）".into(),
        },
        Source {
            kind: SourceKind::Document,
            cite: "  ".into(),
        },
        Source {
            kind: SourceKind::Document,
            cite: "《".repeat(301),
        },
    ];
    let text = fields(&item);
    assert_eq!(
        text,
        vec![
            "数据来源第2项：公开文件须写明出处".to_string(),
            "数据来源第3项：出处不超过300个字符".to_string(),
        ]
    );
}

#[test]
fn diff_names_national_entry_and_sources_in_chinese() {
    use crate::sources::{Source, SourceKind};
    let old = sample_item();
    let mut new = sample_item();
    new.national = Some(NationalRef {
        code: "00012345600Y".into(),
        name: "食品经营许可".into(),
    });
    new.sources = vec![Source {
        kind: SourceKind::Assumed,
        cite: "批次为演示假定".into(),
    }];
    let changes = diff_items(&old, &new);
    let labels: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["国家事项清单编码与名称", "数据来源"]);
    assert_eq!(changes[0].before, None);
    assert_eq!(
        changes[0].after.as_deref(),
        Some("00012345600Y 食品经营许可")
    );
    assert_eq!(
        changes[1].after.as_deref(),
        Some("1. 演示假定：批次为演示假定")
    );
}

/// The messages of the errors of one field.
fn errors_of(item: &Item, j: &Jurisdiction, field: &str) -> Vec<String> {
    item.validate(j)
        .into_iter()
        .filter(|e| e.field == field)
        .map(|e| e.message)
        .collect()
}

#[test]
fn only_a_township_can_take_a_delegated_or_own_power_item() {
    let j = hanyin();
    let town = j.townships.iter().find(|t| !t.villages.is_empty()).unwrap();
    for mode in [
        HandlingMode::Delegated,
        HandlingMode::Township,
        HandlingMode::AcceptancePoint,
    ] {
        let mut item = sample_item();
        item.handling_mode = mode;
        item.delegated_to = vec![town.code.clone()];
        assert_eq!(errors_of(&item, &j, "delegated_to"), Vec::<String>::new());
        // A village point, a hall: places, not authorities.
        for place in [&town.villages[0].code, &j.halls[0].code] {
            item.delegated_to = vec![place.clone()];
            let errors = errors_of(&item, &j, "delegated_to");
            assert!(
                errors.len() == 1 && errors[0].contains("不是行政机关，不能承接委托"),
                "{errors:?}"
            );
        }
        item.delegated_to = vec![];
        assert_eq!(errors_of(&item, &j, "delegated_to").len(), 1, "{mode:?}");
    }
    // Its own powers need the township government's own credit code.
    let mut j = j.clone();
    j.townships.iter_mut().for_each(|t| t.credit_code.clear());
    let mut item = sample_item();
    item.handling_mode = HandlingMode::Township;
    item.delegated_to = vec![j.townships[0].code.clone()];
    let errors = errors_of(&item, &j, "delegated_to");
    assert!(
        errors.len() == 1 && errors[0].contains("未登记统一社会信用代码"),
        "{errors:?}"
    );
    item.handling_mode = HandlingMode::Delegated;
    assert_eq!(errors_of(&item, &j, "delegated_to"), Vec::<String>::new());
}

#[test]
fn a_transferred_department_keeps_only_its_powers_that_are_not_licensing() {
    let j = hanyin();
    let mut item = sample_item();
    assert_eq!(
        j.department(&item.department).unwrap().relation,
        crate::org::DepartmentRelation::Transferred
    );
    item.handling_mode = HandlingMode::Resident;
    let errors = errors_of(&item, &j, "handling_mode");
    assert!(errors.iter().any(|e| e.contains("已划转")), "{errors:?}");
    // e.g. 婚姻登记 stays with 民政局: it is not a licensing power.
    item.kind = ItemKind::PublicService;
    assert_eq!(errors_of(&item, &j, "handling_mode"), Vec::<String>::new());
}

#[test]
fn an_ended_department_takes_no_item_from_its_end() {
    let mut j = hanyin();
    let item = sample_item();
    let successor = j
        .departments
        .iter()
        .find(|d| d.code != item.department)
        .unwrap()
        .code
        .clone();
    let ended = j
        .departments
        .iter_mut()
        .find(|x| x.code == item.department)
        .unwrap();
    ended.ended_on = Some(d("2025-03-01"));
    ended.successor = Some(successor);
    let publish = |on: &str| next_version(&[], &j, item.clone(), publication(on, "2025-01-01", ""));
    assert!(publish("2025-02-28").is_ok());
    let Err(CatalogError::Invalid { errors, .. }) = publish("2025-03-01") else {
        panic!("published for a body that no longer exists");
    };
    assert!(
        errors
            .iter()
            .any(|e| e.field == "department" && e.message.contains("已于2025-03-01撤销")),
        "{errors:?}"
    );
}

/// The messages of the item's problems on `field`.
fn problems(item: &Item, field: &str) -> Vec<String> {
    item.validate(&hanyin())
        .into_iter()
        .filter(|e| e.field == field)
        .map(|e| e.to_string())
        .collect()
}

/// The 居民身份证 item: 60 calendar days (《居民身份证法》第十二条), no extension outside
/// remote areas.
fn id_card_item() -> Item {
    let mut item = sample_item();
    item.department = "gongan".into();
    item.supervising_department = "gongan".into();
    item.handling_mode = HandlingMode::Resident;
    item.legal_basis = vec!["《中华人民共和国居民身份证法》第八条、第十二条".into()];
    item.statutory_days = 60;
    item.promised_days = 30;
    item.limit_unit = LimitUnit::CalendarDays;
    item.limit_basis = "《中华人民共和国居民身份证法》第十二条".into();
    item.extension_days = Some(0);
    item.extension_basis =
        "《中华人民共和国居民身份证法》第十二条（仅交通不便的地区可以延长）".into();
    item
}

#[test]
fn limits_that_follow_the_items_own_law_validate() {
    let item = id_card_item();
    let errors = item.validate(&hanyin());
    // The department relation is H3's concern; the limit fields must raise nothing.
    assert!(
        !errors.iter().any(|e| [
            "limit_unit",
            "limit_basis",
            "extension_days",
            "extension_basis"
        ]
        .contains(&e.field.as_str())),
        "{errors:?}"
    );
    let mut market = sample_item();
    market.legal_basis = vec!["《中华人民共和国市场主体登记管理条例》第十九条".into()];
    market.statutory_days = 3;
    market.promised_days = 1;
    market.steps[1].days = 1;
    market.steps[2].days = 0;
    market.limit_basis = "《市场主体登记管理条例》第十九条".into();
    market.extension_days = Some(3);
    market.extension_basis = "《中华人民共和国市场主体登记管理条例》第十九条".into();
    assert_eq!(market.validate(&hanyin()), vec![]);
    // Art. 42's own figures, cited as such.
    let mut general = sample_item();
    general.limit_basis = "《中华人民共和国行政许可法》第四十二条第一款".into();
    general.extension_days = Some(10);
    general.extension_basis = "《行政许可法》第四十二条第一款".into();
    assert_eq!(general.validate(&hanyin()), vec![]);
}

#[test]
fn an_extension_needs_a_basis_among_the_items_laws() {
    let mut item = id_card_item();
    item.extension_basis = String::new();
    assert!(problems(&item, "extension_basis")[0].starts_with("延期依据："));
    item.extension_days = Some(30);
    item.extension_basis = "《某省居民身份证管理办法》第九条".into();
    let p = problems(&item, "extension_basis");
    assert!(
        p[0].contains("《某省居民身份证管理办法》不在本事项的设定依据中"),
        "{p:?}"
    );
    item.extension_basis = "第十二条".into();
    assert!(problems(&item, "extension_basis")[0].contains("书名号"));
    item.extension_days = None;
    item.extension_basis = "《中华人民共和国居民身份证法》第十二条".into();
    assert!(problems(&item, "extension_days")[0].contains("不得延期的填0"));
}

#[test]
fn a_calendar_day_unit_needs_its_basis_among_the_items_laws() {
    let mut item = id_card_item();
    item.limit_basis = String::new();
    let p = problems(&item, "limit_basis");
    assert!(p[0].starts_with("时限依据：按自然日计算时限的"), "{p:?}");
    item.limit_basis = "《中华人民共和国护照法》第六条".into();
    assert!(problems(&item, "limit_basis")[0].contains("不在本事项的设定依据中"));
}

#[test]
fn article_42_contradicts_calendar_days_and_other_extensions() {
    let mut item = sample_item();
    item.limit_unit = LimitUnit::CalendarDays;
    item.limit_basis = "《中华人民共和国行政许可法》第四十二条".into();
    let p = problems(&item, "limit_unit");
    assert!(
        p[0].starts_with("时限单位：") && p[0].contains("工作日"),
        "{p:?}"
    );
    let mut item = sample_item();
    item.extension_days = Some(15);
    item.extension_basis = "《行政许可法》第四十二条第一款".into();
    let p = problems(&item, "extension_days");
    assert!(p[0].contains("延期10个工作日"), "{p:?}");
    item.extension_days = Some(0);
    assert!(!problems(&item, "extension_days").is_empty());
    item.joint = true;
    item.joint_departments = vec!["zhujian".into()];
    item.statutory_days = 45;
    item.promised_days = 10;
    item.extension_days = Some(15);
    assert!(problems(&item, "extension_days").is_empty());
    item.limit_unit = LimitUnit::CalendarDays;
    item.limit_basis = "《中华人民共和国食品安全法》第三十五条".into();
    assert!(
        problems(&item, "limit_unit")
            .iter()
            .any(|p| p.contains("与按自然日计算的时限单位矛盾"))
    );
    let mut item = sample_item();
    item.statutory_days = 30;
    item.promised_days = 10;
    item.limit_basis = "《行政许可法》第四十二条".into();
    assert!(problems(&item, "statutory_days")[0].contains("20个工作日"));
}

#[test]
fn a_joint_item_lists_another_department() {
    let mut item = sample_item();
    item.joint = true;
    let p = problems(&item, "joint_departments");
    assert_eq!(
        p,
        vec!["联合办理部门：联合办理的事项须列出参与的其他部门（只有一个部门的事项不是联合办理）"]
    );
    item.joint_departments = vec!["shichang".into()];
    let errors = item.validate(&hanyin());
    assert!(
        errors
            .iter()
            .any(|e| e.field == "joint_departments[0]" && e.message.contains("实施部门本身")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.field == "joint_departments"));
    item.joint_departments = vec!["nowhere".into()];
    assert!(problems(&item, "joint_departments[0]")[0].contains("nowhere"));
    item.joint_departments = vec!["weiji".into(), "weiji".into()];
    assert!(problems(&item, "joint_departments[1]")[0].contains("重复"));
    item.joint_departments = vec!["weiji".into()];
    assert!(problems(&item, "joint_departments").is_empty());
    assert!(problems(&item, "joint_departments[0]").is_empty());
    item.joint = false;
    assert!(problems(&item, "joint_departments")[0].contains("只有联合办理的事项"));
}
