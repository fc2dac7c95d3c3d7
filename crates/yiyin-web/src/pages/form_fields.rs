//! An item's application form (一张表单) on a page: its fields as inputs with their values and
//! the message of each field beside it (`templates/form/fields.html`, included where the page has
//! an `application`), and the fields of a submitted HTML form read back into the form's data.
//!
//! Each field's input is named `f.<code>`; a cell of a table or repeated group `f.<code>[<row>].<col>`;
//! a multiple choice sends one `f.<code>` per ticked option.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use yiyin_domain::catalog::form::{FieldKind, Form, FormError, FormField, value_text};

use super::FormData;

/// Empty rows offered below a table's filled ones.
const SPARE_ROWS: usize = 2;

/// One input of the form.
#[derive(Debug, Clone, Default)]
pub struct FieldView {
    /// The input's name (and, made safe, its id).
    pub name: String,
    pub id: String,
    pub label: String,
    /// The field kind's code (`text`, `choice`, `table` …).
    pub kind: &'static str,
    pub required: bool,
    pub help: String,
    pub value: String,
    /// For a choice: each option and whether it is chosen.
    pub options: Vec<(String, bool)>,
    pub multiple: bool,
    pub maxlength: String,
    /// The message beside the field ("" when none).
    pub error: String,
    /// For a table or group: the column labels and the rows of inputs.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<FieldView>>,
}

/// The form as a page shows it.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub fields: Vec<FieldView>,
    /// Messages about no field of the form (a table's own, say, are beside it).
    pub has_errors: bool,
}

fn errors_of(errors: &[FormError], path: &str) -> String {
    errors
        .iter()
        .filter(|e| e.field == path)
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

fn view_of(f: &FormField, path: &str, value: Option<&Value>, errors: &[FormError]) -> FieldView {
    let name = format!("f.{path}");
    let text = value_text(value);
    let chosen: Vec<String> = match value {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => vec![],
    };
    let mut v = FieldView {
        id: name.replace(['.', '[', ']'], "-"),
        name,
        label: f.label.clone(),
        kind: f.kind.code(),
        required: f.required,
        help: f.help.clone(),
        value: text,
        options: f
            .options
            .iter()
            .map(|o| (o.clone(), chosen.contains(o)))
            .collect(),
        multiple: f.multiple,
        maxlength: f
            .max
            .filter(|_| !f.kind.has_rows())
            .map(|m| m.to_string())
            .unwrap_or_default(),
        error: errors_of(errors, path),
        columns: f.columns.iter().map(|c| c.label.clone()).collect(),
        rows: vec![],
    };
    if f.kind.has_rows() {
        let filled = value.and_then(Value::as_array).cloned().unwrap_or_default();
        let max = f.max.map_or(usize::MAX, |m| m as usize);
        let n = (filled.len() + SPARE_ROWS)
            .min(max.max(filled.len()))
            .max(1);
        v.rows = (0..n)
            .map(|i| {
                f.columns
                    .iter()
                    .map(|c| {
                        view_of(
                            c,
                            &format!("{path}[{i}].{}", c.code),
                            filled.get(i).and_then(|r| r.get(&c.code)),
                            errors,
                        )
                    })
                    .collect()
            })
            .collect();
        // A row's own problem (not one of its cells) is shown with the table.
        let own: Vec<&str> = errors
            .iter()
            .filter(|e| {
                e.field.starts_with(&format!("{path}["))
                    && !f
                        .columns
                        .iter()
                        .any(|c| e.field.ends_with(&format!("].{}", c.code)))
            })
            .map(|e| e.message.as_str())
            .collect();
        if !own.is_empty() {
            v.error = [v.error.clone(), own.join("；")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("；");
        }
    }
    v
}

impl FormView {
    /// The form with `data` in its inputs and each of `errors` beside its field.
    pub fn new(form: &Form, data: &Map<String, Value>, errors: &[FormError]) -> FormView {
        FormView {
            fields: form
                .fields
                .iter()
                .map(|f| view_of(f, &f.code, data.get(&f.code), errors))
                .collect(),
            has_errors: !errors.is_empty(),
        }
    }
}

/// The form's data from the fields of a submitted HTML form: blank values left out, a table's
/// blank rows dropped.
pub fn read_form(form: &Form, sent: &FormData) -> Map<String, Value> {
    let mut out = Map::new();
    for f in &form.fields {
        let name = format!("f.{}", f.code);
        if f.kind.has_rows() {
            let prefix = format!("{name}[");
            let mut rows: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
            for (k, v) in &sent.0 {
                let Some(rest) = k.strip_prefix(&prefix) else {
                    continue;
                };
                let Some((i, col)) = rest.split_once("].") else {
                    continue;
                };
                let (Ok(i), true) = (i.parse::<usize>(), !v.trim().is_empty()) else {
                    continue;
                };
                if i < yiyin_domain::catalog::form::MAX_ROWS
                    && f.columns.iter().any(|c| c.code == col)
                {
                    rows.entry(i)
                        .or_default()
                        .insert(col.to_string(), Value::from(v.trim()));
                }
            }
            if !rows.is_empty() {
                out.insert(
                    f.code.clone(),
                    Value::Array(rows.into_values().map(Value::Object).collect()),
                );
            }
        } else if f.kind == FieldKind::Choice && f.multiple {
            let all = sent.all(&name);
            if !all.is_empty() {
                out.insert(f.code.clone(), Value::from(all));
            }
        } else {
            let v = sent.get(&name);
            if !v.is_empty() {
                out.insert(f.code.clone(), Value::from(v));
            }
        }
    }
    out
}
