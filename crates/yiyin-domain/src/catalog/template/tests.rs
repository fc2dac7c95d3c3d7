use serde_json::json;

use super::*;
use crate::catalog::form::tests::food_form;
use crate::testing::d;

/// The food business licence's template, as the demo catalog writes it (TOML).
fn food_template() -> LicenceTemplate {
    toml::from_str(
        r#"
[[fields]]
key = "operator"
label = "经营者名称"
source = "form:operator_name"
[[fields]]
key = "credit_code"
label = "统一社会信用代码（身份证号码）"
source = "applicant.id_number"
personal = true
[[fields]]
key = "legal_person_id"
label = "法定代表人（负责人）身份证号码"
source = "form:legal_person_id"
[[fields]]
key = "business_type"
label = "主体业态"
source = "form:business_type"
[[fields]]
key = "scope"
label = "经营项目"
source = "form:scope"
layout = "wide"
[[fields]]
key = "projects"
label = "经营项目（仅项目）"
source = "form:scope.project"
[[fields]]
key = "number"
label = "许可证编号"
source = "licence.identifier"
[[fields]]
key = "validity"
label = "有效期"
source = "licence.validity"
[[fields]]
key = "office"
label = "日常监督管理机构"
source = "item.supervising_department"
[[fields]]
key = "complaints"
label = "投诉举报电话"
source = "text:12315"
[[fields]]
key = "agency"
label = "发证机关"
source = "issuer.agency"
[[fields]]
key = "signer"
label = "签发人"
source = "decision.signer"
personal = true
[[fields]]
key = "issued_on"
label = "发证日期"
source = "licence.issued_on"
"#,
    )
    .unwrap()
}

fn data() -> Map<String, Value> {
    json!({
        "operator_name": "汉阴县城关镇王芳小吃店",
        "credit_code": "92610921MA7XYZ1234",
        "legal_person_id": "610921199001011234",
        "business_type": "餐饮服务经营者",
        "scope": [
            {"project": "热食类食品制售", "note": "含凉菜"},
            {"project": "冷食类食品制售"},
            {"project": "热食类食品制售"}
        ]
    })
    .as_object()
    .unwrap()
    .clone()
}

fn entry<'a>(entries: &'a [LicenceEntry], key: &str) -> &'a LicenceEntry {
    entries.iter().find(|e| e.key == key).unwrap()
}

#[test]
fn the_demo_template_is_valid_against_its_form() {
    assert_eq!(food_template().validate(Some(&food_form())), vec![]);
}

#[test]
fn validation_names_unknown_fields_duplicates_and_bad_texts() {
    let mut t = food_template();
    t.fields[1].key = "operator".into();
    t.fields[2].source = TemplateSource::parse("form:no_such").unwrap();
    t.fields[3].source = TemplateSource::parse("form:business_type.x").unwrap();
    t.fields[4].source = TemplateSource::parse("form:scope.nothing").unwrap();
    t.fields[5].label = "  ".into();
    t.fields[9].source = TemplateSource::Fixed("电话\u{0007}".into());
    let e = t.validate(Some(&food_form()));
    let at = |p: &str| {
        e.iter()
            .find(|(path, _)| path == p)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("no error at {p}: {e:?}"))
    };
    assert!(at("fields[1].key").contains("重复"));
    assert!(at("fields[2].source").contains("申请表单中没有字段「no_such」"));
    assert!(at("fields[3].source").contains("不是表格或分组"));
    assert!(at("fields[4].source").contains("没有列「nothing」"));
    assert!(at("fields[5].label").contains("不能为空"));
    assert!(!at("fields[9].source").is_empty());
    assert_eq!(e.len(), 6, "{e:?}");
    // Without a form, a form field cannot be referred to.
    assert!(
        food_template()
            .validate(None)
            .iter()
            .any(|(_, m)| m.contains("没有申请表单"))
    );
    assert!(
        !LicenceTemplate::default().validate(None).is_empty(),
        "an empty template is refused"
    );
}

#[test]
fn sources_read_and_write_the_same() {
    for s in [
        "form:premises",
        "form:scope.project",
        "applicant.name",
        "licence.validity",
        "decision.signer",
        "item.phone",
        "text:12315",
    ] {
        assert_eq!(TemplateSource::parse(s).unwrap().code(), s);
    }
    assert!(TemplateSource::parse("licence.colour").is_none());
    assert!(TemplateSource::parse("form:bad code").is_none());
    let e: Result<TemplateField, _> = toml::from_str(
        r#"key = "a"
label = "甲"
source = "nowhere""#,
    );
    assert!(
        e.unwrap_err()
            .to_string()
            .contains("数据来源「nowhere」无效")
    );
}

fn facts<'a>(data: &'a Map<String, Value>, form: &'a Form) -> TemplateFacts<'a> {
    TemplateFacts {
        form: Some(data),
        form_def: Some(form),
        applicant_name: "汉阴县城关镇王芳小吃店",
        applicant_id: "92610921MA7XYZ1234",
        applicant_is_person: false,
        identifier: "61092100000000001",
        issued_on: Some(d("2026-05-06")),
        valid_until: Some(d("2031-05-05")),
        agency: "汉阴县行政审批服务局",
        signer: "李明",
        supervising_office: "汉阴县市场监督管理局",
        item_phone: "0915-5212345",
    }
}

#[test]
fn fill_renders_every_source_readably() {
    let (data, form) = (data(), food_form());
    let entries = fill(&food_template(), &facts(&data, &form));
    assert_eq!(entries.len(), food_template().fields.len());
    assert_eq!(entry(&entries, "operator").value, "汉阴县城关镇王芳小吃店");
    assert_eq!(
        entry(&entries, "scope").value,
        "热食类食品制售（含凉菜）、冷食类食品制售、热食类食品制售"
    );
    assert_eq!(entry(&entries, "scope").layout, Layout::Wide);
    assert_eq!(
        entry(&entries, "projects").value,
        "热食类食品制售、冷食类食品制售"
    );
    assert_eq!(
        entry(&entries, "validity").value,
        "2026年5月6日至2031年5月5日"
    );
    assert_eq!(entry(&entries, "issued_on").value, "2026年5月6日");
    assert_eq!(entry(&entries, "complaints").value, "12315");
    assert_eq!(entry(&entries, "office").value, "汉阴县市场监督管理局");
    assert_eq!(entry(&entries, "number").value, "61092100000000001");
    // An organisation's credit code is not a person's data; a citizen ID always is.
    assert_eq!(entry(&entries, "credit_code").personal, None);
    assert_eq!(
        entry(&entries, "legal_person_id").personal,
        Some(Personal::IdNumber)
    );
    assert_eq!(
        entry(&entries, "legal_person_id").public_value(),
        "610*************34"
    );
    assert_eq!(entry(&entries, "signer").public_value(), "李*");
    // Without an expiry the licence is valid for good.
    let mut f = facts(&data, &form);
    f.valid_until = None;
    assert_eq!(entry(&fill(&food_template(), &f), "validity").value, "长期");
}

#[test]
fn a_person_applicants_name_and_id_are_masked_for_the_public() {
    let (data, form) = (data(), food_form());
    let mut f = facts(&data, &form);
    f.applicant_is_person = true;
    f.applicant_id = "610921199001011234";
    let mut t = food_template();
    t.fields[0].source = TemplateSource::ApplicantName;
    f.applicant_name = "王芳";
    let entries = fill(&t, &f);
    assert_eq!(entry(&entries, "operator").public_value(), "王*");
    assert_eq!(entry(&entries, "operator").value, "王芳");
    assert_eq!(
        entry(&entries, "credit_code").public_value(),
        "610*************34"
    );
    assert_eq!(
        mask_address("陕西省汉阴县城关镇北城街12号"),
        "陕西省汉阴县城关镇****"
    );
    assert_eq!(mask_address("北城街12号"), "北城街12****");
}

#[test]
fn a_change_sets_the_licensed_matters_and_renews_the_rest() {
    let (data, form) = (data(), food_form());
    let t = food_template();
    let old = fill(&t, &facts(&data, &form));
    let mut f = facts(&data, &form);
    f.identifier = "61092100000000002";
    f.issued_on = Some(d("2027-01-04"));
    let fresh = fill(&t, &f);
    let changes = vec![("business_type".to_string(), "单位食堂".to_string())];
    let new = apply_changes(&old, &fresh, Some(&t), &changes).unwrap();
    assert_eq!(entry(&new, "business_type").value, "单位食堂");
    assert_eq!(entry(&new, "number").value, "61092100000000002");
    assert_eq!(entry(&new, "issued_on").value, "2027年1月4日");
    assert_eq!(entry(&new, "scope").value, entry(&old, "scope").value);
    // What the agency fills is not the applicant's to change; unknown entries are named.
    let e = apply_changes(
        &old,
        &fresh,
        Some(&t),
        &[("agency".into(), "别的机关".into())],
    )
    .unwrap_err();
    assert!(e.contains("「发证机关」由发证机关填写"), "{e}");
    let e = apply_changes(&old, &fresh, Some(&t), &[("nope".into(), "x".into())]).unwrap_err();
    assert!(e.contains("没有「nope」"), "{e}");
    let e = apply_changes(&old, &fresh, Some(&t), &[("scope".into(), " ".into())]).unwrap_err();
    assert!(e.contains("不能为空"), "{e}");
}
