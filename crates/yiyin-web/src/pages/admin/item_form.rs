//! The catalog editor's form and the item it stands for: an item shown as the form's fields and
//! its rows of materials and steps, and the item read back from them, with a Chinese message beside
//! each field in error.

use yiyin_domain::catalog::Form;
use yiyin_domain::catalog::NationalRef;
use yiyin_domain::catalog::{
    Faq, Fee, HandlingClass, HandlingMode, Item, ItemKind, ItemResult, LimitUnit, Material,
    MaterialForm, MaterialSource, Necessity, ResultKind, Step, StepKind, Subject, field_label,
};
use yiyin_domain::org::Jurisdiction;
use yiyin_domain::roles::Role;
use yiyin_domain::sources::{Source, SourceKind};

use crate::pages::{FieldErrors, FormData};

/// One row of the materials table of the editor.
pub struct MaterialInput {
    pub code: String,
    pub name: String,
    pub necessity: String,
    pub condition: String,
    pub form: String,
    pub copies: String,
    pub source: String,
    pub blank_form: String,
    pub sample: String,
    pub deferrable: bool,
    pub note: String,
}

/// One row of the steps table of the editor.
pub struct StepInput {
    pub kind: String,
    pub name: String,
    pub role: String,
    pub days: String,
    pub standard: String,
}

/// The form values of an item (for editing).
pub fn item_to_form(item: &Item) -> (FormData, Vec<MaterialInput>, Vec<StepInput>) {
    let mut f = vec![
        ("code", item.code.clone()),
        ("name", item.name.clone()),
        ("kind", item.kind.code().into()),
        ("department", item.department.clone()),
        (
            "supervising_department",
            item.supervising_department.clone(),
        ),
        ("handling_mode", item.handling_mode.code().into()),
        ("handling_class", item.handling_class.code().into()),
        ("subject", item.subject.code().into()),
        ("legal_basis", item.legal_basis.join("\n")),
        ("conditions", item.conditions.join("\n")),
        ("statutory_days", item.statutory_days.to_string()),
        ("promised_days", item.promised_days.to_string()),
        ("online_depth", item.online_depth.to_string()),
        ("visits", item.visits.to_string()),
        (
            "commitment_check_days",
            item.commitment_check_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        (
            "extension_days",
            item.extension_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("extension_basis", item.extension_basis.clone()),
        ("limit_unit", item.limit_unit.code().into()),
        ("limit_basis", item.limit_basis.clone()),
        (
            "fees",
            item.fees
                .iter()
                .map(|x| format!("{}|{}|{}", x.name, x.standard, x.basis))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("result_name", item.result.name.clone()),
        ("result_kind", item.result.kind.code().into()),
        ("result_sample", item.result.sample.clone()),
        (
            "validity_years",
            item.result
                .validity_years
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("topics", item.topics.join("、")),
        ("place", item.place.clone()),
        ("hours", item.hours.clone()),
        ("phone", item.phone.clone()),
        (
            "faq",
            item.faq
                .iter()
                .map(|q| format!("{}|{}", q.question, q.answer))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "national_code",
            item.national
                .as_ref()
                .map(|n| n.code.clone())
                .unwrap_or_default(),
        ),
        (
            "national_name",
            item.national
                .as_ref()
                .map(|n| n.name.clone())
                .unwrap_or_default(),
        ),
        (
            "sources",
            item.sources
                .iter()
                .map(Source::line)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (
            "form",
            item.form
                .as_ref()
                .and_then(|form| toml::to_string(form).ok())
                .unwrap_or_default(),
        ),
        (
            "template",
            item.result
                .template
                .as_ref()
                .and_then(|t| toml::to_string(t).ok())
                .unwrap_or_default(),
        ),
    ];
    for (flag, on) in [
        ("joint", item.joint),
        ("green_list", item.green_list),
        ("quantity_limited", item.quantity_limited),
    ] {
        if on {
            f.push((flag, "yes".into()));
        }
    }
    for t in &item.delegated_to {
        f.push(("delegated_to", t.clone()));
    }
    for d in &item.joint_departments {
        f.push(("joint_departments", d.clone()));
    }
    let form = FormData(f.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    let materials = item
        .materials
        .iter()
        .map(|m| MaterialInput {
            code: m.code.clone(),
            name: m.name.clone(),
            necessity: m.necessity.code().into(),
            condition: m.condition.clone(),
            form: m.form.code().into(),
            copies: m.copies.to_string(),
            source: m.source.code().into(),
            blank_form: m.blank_form.clone(),
            sample: m.sample.clone(),
            deferrable: m.deferrable,
            note: m.note.clone(),
        })
        .collect();
    let steps = item
        .steps
        .iter()
        .map(|s| StepInput {
            kind: s.kind.code().into(),
            name: s.name.clone(),
            role: s.role.code().into(),
            days: s.days.to_string(),
            standard: s.standard.clone(),
        })
        .collect();
    (form, materials, steps)
}

/// The rows of materials and steps as sent (empty rows skipped).
pub fn rows_from_form(f: &FormData) -> (Vec<MaterialInput>, Vec<StepInput>) {
    let mut materials = Vec::new();
    for i in 0..60 {
        let g = |n: &str| f.get(&format!("m_{n}_{i}"));
        if !f.has(&format!("m_code_{i}")) {
            break;
        }
        if g("code").is_empty() && g("name").is_empty() {
            continue;
        }
        materials.push(MaterialInput {
            code: g("code"),
            name: g("name"),
            necessity: g("necessity"),
            condition: g("condition"),
            form: g("form"),
            copies: g("copies"),
            source: g("source"),
            blank_form: g("blank_form"),
            sample: g("sample"),
            deferrable: !g("deferrable").is_empty(),
            note: g("note"),
        });
    }
    let mut steps = Vec::new();
    for i in 0..40 {
        let g = |n: &str| f.get(&format!("s_{n}_{i}"));
        if !f.has(&format!("s_name_{i}")) {
            break;
        }
        if g("name").is_empty() {
            continue;
        }
        steps.push(StepInput {
            kind: g("kind"),
            name: g("name"),
            role: g("role"),
            days: g("days"),
            standard: g("standard"),
        });
    }
    (materials, steps)
}

/// A whole number typed into a row of materials or steps (0, with the error beside `field`, when it
/// is not one).
fn row_number(errors: &mut FieldErrors, field: &str, what: &str, text: &str) -> u32 {
    text.parse().unwrap_or_else(|_| {
        errors.add(field, format!("{what}「{text}」不是整数"));
        0
    })
}

/// Builds an item from the editor's form. Number and choice errors are reported per field.
pub fn item_from_form(
    f: &FormData,
    materials: &[MaterialInput],
    steps: &[StepInput],
    errors: &mut FieldErrors,
) -> Item {
    let mut num = |field: &str| -> u32 {
        let t = f.get(field);
        if t.is_empty() {
            return 0;
        }
        t.parse().unwrap_or_else(|_| {
            errors.add(field, format!("「{t}」不是非负整数"));
            0
        })
    };
    let statutory_days = num("statutory_days");
    let promised_days = num("promised_days");
    let online_depth = num("online_depth").min(9) as u8;
    let visits = num("visits").min(9) as u8;
    let commitment_check_days = Some(num("commitment_check_days")).filter(|d| *d > 0);
    let extension_days =
        (!f.get("extension_days").trim().is_empty()).then(|| num("extension_days"));
    let validity_years = Some(num("validity_years")).filter(|d| *d > 0);
    let lines = |field: &str| -> Vec<String> {
        f.get(field)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let fees = lines("fees")
        .into_iter()
        .filter_map(|l| {
            let p: Vec<&str> = l.split(['|', '｜']).map(str::trim).collect();
            match p.as_slice() {
                [n, s, b] => Some(Fee {
                    name: n.to_string(),
                    standard: s.to_string(),
                    basis: b.to_string(),
                }),
                _ => {
                    errors.add("fees", format!("「{l}」应写成 名称|标准|依据"));
                    None
                }
            }
        })
        .collect();
    let faq = lines("faq")
        .into_iter()
        .filter_map(|l| match l.split_once(['|', '｜']) {
            Some((q, a)) => Some(Faq {
                question: q.trim().into(),
                answer: a.trim().into(),
            }),
            None => {
                errors.add("faq", format!("「{l}」应写成 问题|解答"));
                None
            }
        })
        .collect();
    let national = {
        let (code, name) = (
            f.get("national_code").trim().to_string(),
            f.get("national_name").trim().to_string(),
        );
        (!code.is_empty() || !name.is_empty()).then_some(NationalRef { code, name })
    };
    let sources = sources_from_text(&f.get("sources"), errors);
    let form = form_from_text(&f.get("form"), errors);
    let template = definition_from_text(&f.get("template"), "template", "证照模板", errors);
    let mut pick = |field: &str, label: &str, ok: bool| {
        if !ok {
            errors.add(field, format!("请选择{label}"));
        }
    };
    let kind = ItemKind::parse(&f.get("kind"));
    pick("kind", "事项类型", kind.is_some());
    let mode = HandlingMode::parse(&f.get("handling_mode"));
    pick("handling_mode", "办理方式", mode.is_some());
    let class = HandlingClass::parse(&f.get("handling_class"));
    pick("handling_class", "办件类型", class.is_some());
    let subject = Subject::parse(&f.get("subject"));
    pick("subject", "服务对象", subject.is_some());
    let result_kind = ResultKind::parse(&f.get("result_kind"));
    pick("result_kind", "结果类型", result_kind.is_some());
    // An editor page without the select (older forms) keeps working days.
    let limit_unit = match f.get("limit_unit").trim() {
        "" => Some(LimitUnit::WorkingDays),
        t => LimitUnit::parse(t),
    };
    pick("limit_unit", "时限单位", limit_unit.is_some());
    let limit_unit = limit_unit.unwrap_or_default();
    let materials = materials
        .iter()
        .enumerate()
        .map(|(i, m)| Material {
            code: m.code.clone(),
            name: m.name.clone(),
            necessity: Necessity::parse(&m.necessity).unwrap_or(Necessity::Required),
            condition: m.condition.clone(),
            form: MaterialForm::parse(&m.form).unwrap_or(MaterialForm::Original),
            copies: row_number(errors, &format!("m_copies_{i}"), "份数", &m.copies),
            source: MaterialSource::parse(&m.source).unwrap_or(MaterialSource::Applicant),
            blank_form: m.blank_form.clone(),
            sample: m.sample.clone(),
            deferrable: m.deferrable,
            note: m.note.clone(),
        })
        .collect();
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            kind: StepKind::parse(&s.kind).unwrap_or(StepKind::Review),
            name: s.name.clone(),
            role: Role::parse(&s.role).unwrap_or(Role::Reviewer),
            days: row_number(errors, &format!("s_days_{i}"), "时限", &s.days),
            standard: s.standard.clone(),
        })
        .collect();
    Item {
        code: f.get("code"),
        name: f.get("name"),
        kind: kind.unwrap_or(ItemKind::Licensing),
        department: f.get("department"),
        supervising_department: f.get("supervising_department"),
        handling_mode: mode.unwrap_or(HandlingMode::Transferred),
        handling_class: class.unwrap_or(HandlingClass::Promised),
        delegated_to: f.all("delegated_to"),
        subject: subject.unwrap_or(Subject::Both),
        legal_basis: lines("legal_basis"),
        conditions: lines("conditions"),
        materials,
        statutory_days,
        promised_days,
        joint: !f.get("joint").is_empty(),
        fees,
        online_depth,
        visits,
        green_list: !f.get("green_list").is_empty(),
        commitment_check_days,
        extension_days,
        extension_basis: f.get("extension_basis").trim().to_string(),
        limit_unit,
        limit_basis: f.get("limit_basis").trim().to_string(),
        joint_departments: f
            .all("joint_departments")
            .into_iter()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect(),
        national,
        sources,
        quantity_limited: !f.get("quantity_limited").is_empty(),
        steps,
        result: ItemResult {
            name: f.get("result_name"),
            kind: result_kind.unwrap_or(ResultKind::Licence),
            sample: f.get("result_sample"),
            validity_years,
            template,
        },
        topics: f
            .get("topics")
            .split(['、', '，', ',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        place: f.get("place"),
        hours: f.get("hours"),
        phone: f.get("phone"),
        faq,
        form,
    }
}

/// The application form written in TOML (as the catalog file writes `[items.form]`, without the
/// prefix) or JSON; empty: no form. What cannot be read is named in the error beside the field.
pub fn form_from_text(text: &str, errors: &mut FieldErrors) -> Option<Form> {
    definition_from_text(text, "form", "申请表定义", errors)
}

/// A definition (an application form, a licence template) written in TOML or JSON under the page
/// field `field`; empty: none. What cannot be read is named in the error beside the field.
pub fn definition_from_text<T: serde::de::DeserializeOwned>(
    text: &str,
    field: &str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let read = if t.starts_with('{') {
        serde_json::from_str::<T>(t).map_err(|e| e.to_string())
    } else {
        toml::from_str::<T>(t).map_err(|e| e.to_string())
    };
    match read {
        Ok(value) => Some(value),
        Err(e) => {
            errors.add(field, format!("{what}无法读取（TOML 或 JSON）：{e}"));
            None
        }
    }
}

/// The sources written one per line as 种类：出处; a line that is not is named in the error beside
/// the field.
pub fn sources_from_text(text: &str, errors: &mut FieldErrors) -> Vec<Source> {
    text.lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .filter_map(|(i, l)| {
            let source = Source::parse_line(l);
            if source.is_none() {
                errors.add(
                    "sources",
                    format!(
                        "第{}行「{l}」应写成 种类：出处（种类为{}）",
                        i + 1,
                        SourceKind::choices()
                    ),
                );
            }
            source
        })
        .collect()
}

/// The form field a validation error belongs to.
fn form_field(path: &str) -> String {
    let simple = |p: &str| match p {
        "result.name" => "result_name".to_string(),
        "result.validity_years" => "validity_years".to_string(),
        "national.code" => "national_code".to_string(),
        "national.name" => "national_name".to_string(),
        p if p.starts_with("form.") => "form".to_string(),
        p if p.starts_with("result.template") => "template".to_string(),
        other => other.split('[').next().unwrap_or(other).to_string(),
    };
    for (prefix, short) in [("materials[", "m"), ("steps[", "s")] {
        if let Some(rest) = path.strip_prefix(prefix)
            && let Some((i, field)) = rest.split_once("].")
        {
            return format!("{short}_{field}_{i}");
        }
    }
    simple(path)
}

/// The problems that block publication, each also shown beside its field.
pub fn problems_of(item: &Item, j: &Jurisdiction, errors: &mut FieldErrors) -> Vec<String> {
    item.validate(j)
        .into_iter()
        .map(|e| {
            errors.add(&form_field(&e.field), e.message.clone());
            format!("{}：{}", field_label(&e.field), e.message)
        })
        .collect()
}
