//! What changed between two versions of an item, field by field in Chinese, for the public
//! changelog.

use super::validate::{FIELD_LABELS, field_label};
use super::*;
use crate::roles::Role;

/// One changed field between two versions of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// The field path, e.g. `materials[M2]` or `promised_days`.
    pub field: String,
    /// Its Chinese name, e.g. 「申请材料「营业执照」」.
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What changed between two versions of an item, field by field; materials and steps are matched by
/// code and position so that an added material shows as one addition.
pub fn diff_items(old: &Item, new: &Item) -> Vec<FieldChange> {
    let a = serde_json::to_value(old).expect("item serialises");
    let b = serde_json::to_value(new).expect("item serialises");
    let (a, b) = (
        a.as_object().expect("object"),
        b.as_object().expect("object"),
    );
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort_by_key(|k| {
        FIELD_LABELS
            .iter()
            .position(|(f, _)| f == k)
            .unwrap_or(usize::MAX)
    });
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let (va, vb) = (a.get(key.as_str()), b.get(key.as_str()));
        if va == vb {
            continue;
        }
        if key == "materials" {
            diff_materials(old, new, &mut out);
            continue;
        }
        out.push(FieldChange {
            field: key.clone(),
            label: field_label(key),
            before: va.map(|v| render_field(key, v)),
            after: vb.map(|v| render_field(key, v)),
        });
    }
    out
}

/// Renders a field's value; the national list entry as 「编码 名称」 and the sources one per line
/// as 「种类：出处」, the others by [`render_value`].
fn render_field(key: &str, v: &serde_json::Value) -> String {
    match key {
        "national" => match serde_json::from_value::<NationalRef>(v.clone()) {
            Ok(n) => format!("{} {}", n.code, n.name),
            Err(_) => render_value(v),
        },
        "sources" => match serde_json::from_value::<Vec<crate::sources::Source>>(v.clone()) {
            Ok(sources) if !sources.is_empty() => sources
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {}", i + 1, s.line()))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => render_value(v),
        },
        // The application form as its fields: 经营者名称（文本，必填）、…
        "form" => match serde_json::from_value::<Form>(v.clone()) {
            Ok(form) => form
                .fields
                .iter()
                .map(|f| {
                    let required = if f.required { "，必填" } else { "" };
                    format!("{}（{}{required}）", f.label, f.kind.label())
                })
                .collect::<Vec<_>>()
                .join("、"),
            Err(_) => render_value(v),
        },
        _ => render_value(v),
    }
}

fn diff_materials(old: &Item, new: &Item, out: &mut Vec<FieldChange>) {
    let describe = |m: &Material| {
        let mut s = format!(
            "{}（{}，{}{}份，{}）",
            m.name,
            m.necessity.label(),
            m.form.label(),
            m.copies,
            m.source.label()
        );
        if m.deferrable {
            s.push_str("，可容缺");
        }
        if !m.condition.is_empty() {
            s.push_str(&format!("，适用情形：{}", m.condition));
        }
        s
    };
    for m in &old.materials {
        match new.material(&m.code) {
            None => out.push(FieldChange {
                field: format!("materials[{}]", m.code),
                label: format!("申请材料「{}」", m.name),
                before: Some(describe(m)),
                after: None,
            }),
            Some(n) if n != m => out.push(FieldChange {
                field: format!("materials[{}]", m.code),
                label: format!("申请材料「{}」", n.name),
                before: Some(describe(m)),
                after: Some(describe(n)),
            }),
            _ => {}
        }
    }
    for n in &new.materials {
        if old.material(&n.code).is_none() {
            out.push(FieldChange {
                field: format!("materials[{}]", n.code),
                label: format!("申请材料「{}」", n.name),
                before: None,
                after: Some(describe(n)),
            });
        }
    }
}

/// Renders a JSON value of an item field for people: enums by their Chinese label, lists one per line.
fn render_value(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "（无）".into(),
        Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => label_of_code(s).unwrap_or(s).to_string(),
        Value::Array(items) if items.is_empty() => "（无）".into(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| format!("{}. {}", i + 1, render_value(x)))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(map) => map
            .iter()
            .map(|(k, x)| format!("{}：{}", field_label(k), render_value(x)))
            .collect::<Vec<_>>()
            .join("，"),
    }
}

fn label_of_code(code: &str) -> Option<&'static str> {
    macro_rules! try_enum {
        ($($t:ty),*) => {$(
            if let Some(v) = <$t>::ALL.iter().find(|v| v.code() == code) { return Some(v.label()); }
        )*};
    }
    try_enum!(
        ItemKind,
        HandlingMode,
        HandlingClass,
        Necessity,
        MaterialForm,
        MaterialSource,
        StepKind,
        ResultKind,
        Subject,
        LimitUnit,
        Role
    );
    None
}
