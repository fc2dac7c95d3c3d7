use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::testing::d;

/// The food business licence's form, as the demo catalog writes it (TOML).
pub(crate) fn food_form() -> Form {
    toml::from_str(
        r#"
[[fields]]
code = "operator_name"
label = "经营者名称"
kind = "text"
required = true
max = 100
prefill = "profile.name"
[[fields]]
code = "credit_code"
label = "统一社会信用代码"
kind = "organisation"
required = true
prefill = "profile.id_number"
[[fields]]
code = "legal_person_id"
label = "法定代表人（负责人）身份证号码"
kind = "person_id"
[[fields]]
code = "business_type"
label = "主体业态"
kind = "choice"
required = true
options = ["食品销售经营者", "餐饮服务经营者", "单位食堂"]
[[fields]]
code = "canteen_of"
label = "食堂所属单位"
kind = "text"
[[fields]]
code = "phone"
label = "联系电话"
kind = "phone"
required = true
prefill = "profile.phone"
[[fields]]
code = "opening"
label = "开业日期"
kind = "date"
[[fields]]
code = "valid_until"
label = "场所租赁截止日期"
kind = "date"
[[fields]]
code = "scope"
label = "经营项目"
kind = "table"
required = true
min = 1
[[fields.columns]]
code = "project"
label = "项目"
kind = "choice"
required = true
options = ["预包装食品销售", "热食类食品制售", "冷食类食品制售"]
[[fields.columns]]
code = "note"
label = "备注"
kind = "text"
max = 10
[[rules]]
kind = "required_when"
field = "canteen_of"
when = "business_type"
equals = "单位食堂"
[[rules]]
kind = "not_before"
field = "valid_until"
other = "opening"
"#,
    )
    .unwrap()
}

fn valid() -> Map<String, Value> {
    json!({
        "operator_name": " 安康市月河餐饮有限公司 ",
        "credit_code": "91350100M000100Y43",
        "business_type": "餐饮服务经营者",
        "phone": "0915-5212345",
        "scope": [{"project": "热食类食品制售"}],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn errors(data: Value) -> Vec<FormError> {
    food_form()
        .check(data.as_object().unwrap(), d("2026-11-29"))
        .unwrap_err()
}

#[test]
fn the_demo_form_is_a_valid_definition() {
    assert_eq!(food_form().validate(), vec![]);
}

#[test]
fn valid_data_is_kept_trimmed() {
    let kept = food_form().check(&valid(), d("2026-11-29")).unwrap();
    assert_eq!(kept["operator_name"], "安康市月河餐饮有限公司");
    assert_eq!(kept["scope"][0]["project"], "热食类食品制售");
}

#[test]
fn every_problem_is_named_by_its_field_in_chinese() {
    let e = errors(json!({
        "credit_code": "91350100M000100Y44",
        "business_type": "小吃",
        "phone": "abc",
        "legal_person_id": "11010519491231002X",
        "scope": [{"project": "热食类食品制售", "note": "一二三四五六七八九十一"}, {}],
        "stray": "x",
    }));
    let by = |f: &str| {
        e.iter()
            .find(|x| x.field == f)
            .unwrap_or_else(|| panic!("{f}: {e:?}"))
            .clone()
    };
    assert_eq!(by("operator_name").message, "必须填写");
    assert_eq!(by("operator_name").label, "经营者名称");
    assert!(by("credit_code").message.contains("校验"), "{e:?}");
    assert!(by("business_type").message.contains("不是可选项"));
    assert!(by("phone").message.contains("7至20位"));
    assert_eq!(by("scope[0].note").message, "最多10个字符");
    assert_eq!(by("scope[1].project").label, "经营项目第2行·项目");
    assert_eq!(by("stray").message, "不是本表单的字段");
    assert!(!e.iter().any(|x| x.field == "legal_person_id"));
}

#[test]
fn rules_between_fields() {
    let mut v = valid();
    v.insert("business_type".into(), json!("单位食堂"));
    v.insert("opening".into(), json!("2026-12-01"));
    v.insert("valid_until".into(), json!("2026-11-30"));
    let e = food_form().check(&v, d("2026-11-29")).unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].message
            .contains("「主体业态」为「单位食堂」时必须填写")
    );
    assert!(e[1].message.contains("不能早于「开业日期」"));
    v.insert("canteen_of".into(), json!("汉阴县中学"));
    v.insert("valid_until".into(), json!("2026-12-01"));
    assert!(food_form().check(&v, d("2026-11-29")).is_ok());
}

#[test]
fn an_id_number_born_after_today_or_with_control_characters_is_refused() {
    let mut v = valid();
    v.insert("legal_person_id".into(), json!("110105203012310029"));
    v.insert("operator_name".into(), json!("a\u{0}b"));
    let e = food_form().check(&v, d("2026-11-29")).unwrap_err();
    assert!(e.iter().any(|x| x.field == "legal_person_id"), "{e:?}");
    assert!(
        e.iter()
            .any(|x| x.field == "operator_name" && x.message.contains("控制字符"))
    );
}

#[test]
fn a_table_needs_its_rows() {
    let mut v = valid();
    v.insert("scope".into(), json!([]));
    let e = food_form().check(&v, d("2026-11-29")).unwrap_err();
    assert_eq!(e[0].field, "scope");
    v.insert("scope".into(), json!("热食"));
    let e = food_form().check(&v, d("2026-11-29")).unwrap_err();
    assert_eq!(e[0].message, "应为若干行");
}

#[test]
fn a_bad_definition_is_refused_with_each_problem() {
    let f: Form = serde_json::from_value(json!({
        "fields": [
            {"code": "a", "label": "甲", "kind": "choice"},
            {"code": "a", "label": "", "kind": "text", "options": ["x"]},
            {"code": "t", "label": "表", "kind": "table", "columns": [
                {"code": "n", "label": "嵌", "kind": "group", "columns": [{"code": "x", "label": "x", "kind": "text"}]}
            ]},
            {"code": "p", "label": "电话", "kind": "phone", "prefill": "profile.id_number"},
            {"code": "c", "label": "选", "kind": "choice", "options": ["甲\u{202E}乙"]},
        ],
        "rules": [{"kind": "not_before", "field": "a", "other": "zz"}],
    }))
    .unwrap();
    let e = f.validate();
    let paths: Vec<&str> = e.iter().map(|(p, _)| p.as_str()).collect();
    for p in [
        "fields[0].options",
        "fields[1].code",
        "fields[1].label",
        "fields[1].options",
        "fields[2].columns[0].kind",
        "fields[3].prefill",
        "fields[4].options",
        "rules[0]",
    ] {
        assert!(paths.contains(&p), "{p}: {e:?}");
    }
    assert!(
        serde_json::from_value::<Form>(json!({"fields": [
            {"code": "a", "label": "甲", "kind": "text", "prefill": "elsewhere"}
        ]}))
        .is_err()
    );
}

#[test]
fn prefill_from_the_profile_and_an_earlier_licence() {
    let mut form = food_form();
    form.fields[6].prefill = Some(Prefill::Licence("opening".into()));
    let licence = json!({"opening": "2020-01-01"});
    let p = form.prefill(&Profile {
        name: "安康市月河餐饮有限公司",
        id_number: "91350100M000100Y43",
        phone: "13800000000",
        licence: licence.as_object(),
    });
    assert_eq!(p["operator_name"], "安康市月河餐饮有限公司");
    assert_eq!(p["phone"], "13800000000");
    assert_eq!(p["opening"], "2020-01-01");
    assert!(
        form.check(&p, d("2026-11-29")).is_err(),
        "still needs the scope"
    );
}

#[test]
fn the_case_page_shows_a_table() {
    let kept = food_form().check(&valid(), d("2026-11-29")).unwrap();
    let shown = food_form().show(&kept, false);
    assert_eq!(shown[0].label, "经营者名称");
    let scope = shown.iter().find(|s| s.label == "经营项目").unwrap();
    assert_eq!(scope.columns, vec!["项目", "备注"]);
    assert_eq!(
        scope.rows,
        vec![vec!["热食类食品制售".to_string(), String::new()]]
    );
    let masked = food_form().show(&kept, true);
    let phone = masked.iter().find(|s| s.label == "联系电话").unwrap();
    assert_eq!(phone.text, "091*****2345");
}

proptest! {
    /// Whatever is submitted, the check never panics, and what it keeps passes it again unchanged.
    #[test]
    fn kept_data_is_a_fixed_point(
        name in "\\PC{0,120}",
        phone in "[0-9+-]{0,24}",
        choice in prop::sample::select(vec!["食品销售经营者", "单位食堂", "其他", ""]),
        rows in 0usize..3,
    ) {
        let data = json!({
            "operator_name": name,
            "credit_code": "91350100M000100Y43",
            "business_type": choice,
            "phone": phone,
            "scope": vec![json!({"project": "预包装食品销售"}); rows],
        });
        if let Ok(kept) = food_form().check(data.as_object().unwrap(), d("2026-11-29")) {
            let again = food_form().check(&kept, d("2026-11-29")).unwrap();
            prop_assert_eq!(again, kept);
        }
    }
}

#[test]
fn an_item_names_its_form_problems_and_changes_in_chinese() {
    let mut item = crate::catalog::tests::sample_item();
    let mut form = food_form();
    form.fields[3].options = vec![];
    item.form = Some(form);
    let e = item.validate(&crate::catalog::tests::hanyin());
    let problem = e
        .iter()
        .find(|x| x.field == "form.fields[3].options")
        .unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(
        problem.to_string(),
        "申请表单·字段第4项·选项：选项字段至少要有一个选项"
    );
    let before = crate::catalog::tests::sample_item();
    let mut after = before.clone();
    after.form = Some(food_form());
    let changes = crate::catalog::diff_items(&before, &after);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].label, "申请表");
    assert!(
        changes[0]
            .after
            .as_deref()
            .unwrap()
            .starts_with("经营者名称（文本，必填）、统一社会信用代码（统一社会信用代码，必填）")
    );
}
