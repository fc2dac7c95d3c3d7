//! The application form of a catalog item (一张表单), as data: its fields (text, number, date,
//! choice, address, a person's or an organisation's identifier, phone, table rows and repeated
//! groups), which are required, their help text and length limits, which are prefilled from the
//! applicant's profile or an earlier licence, and simple rules between fields. It owns the checks
//! of a form definition (run with the item's) and of the data an applicant submits, each problem
//! named by its field in Chinese, and the data as the case page shows it.
//!
//! Submitted data is a JSON object: each field's code maps to a string (a number may also be a JSON
//! number; a multiple choice is an array of strings); a table or a repeated group is an array of
//! objects of its columns.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::calendar::parse_date;
use crate::ids::{CitizenId, CreditCode, mask_middle, mask_phone};
use crate::text::{self, TextKind};

labelled_enum!(
    /// 字段类型: what a field of an application form holds.
    FieldKind {
        /// One line of text.
        Text = ("text", "文本"),
        /// Several lines of text.
        LongText = ("long_text", "多行文本"),
        Number = ("number", "数字"),
        Date = ("date", "日期"),
        /// One of the field's options (or several, when `multiple`).
        Choice = ("choice", "选项"),
        Address = ("address", "地址"),
        /// A citizen ID number (公民身份号码, GB 11643).
        PersonId = ("person_id", "公民身份号码", "身份证号码"),
        /// A unified social credit code (统一社会信用代码, GB 32100).
        Organisation = ("organisation", "统一社会信用代码", "信用代码"),
        Phone = ("phone", "电话"),
        /// Rows of a table, each with the field's columns.
        Table = ("table", "表格"),
        /// A group of fields the applicant may repeat (e.g. each shareholder).
        Group = ("group", "重复分组", "分组"),
    }
);

impl FieldKind {
    /// Whether the field holds rows of sub-fields.
    pub fn has_rows(self) -> bool {
        matches!(self, FieldKind::Table | FieldKind::Group)
    }
}

/// Where a field's first value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Prefill {
    /// `profile.name`: the applicant's name (a person's or an organisation's).
    ProfileName,
    /// `profile.id_number`: the applicant's citizen ID number or credit code.
    ProfileId,
    /// `profile.phone`: the applicant's phone.
    ProfilePhone,
    /// `licence.<field>`: the field of that code on the applicant's latest licence's form.
    Licence(String),
}

impl Prefill {
    /// The written form, e.g. `profile.name` or `licence.premises`.
    pub fn code(&self) -> String {
        match self {
            Prefill::ProfileName => "profile.name".into(),
            Prefill::ProfileId => "profile.id_number".into(),
            Prefill::ProfilePhone => "profile.phone".into(),
            Prefill::Licence(f) => format!("licence.{f}"),
        }
    }

    /// Reads the written form.
    pub fn parse(text: &str) -> Option<Prefill> {
        match text.trim() {
            "profile.name" | "申请人名称" => Some(Prefill::ProfileName),
            "profile.id_number" | "申请人证件号码" => Some(Prefill::ProfileId),
            "profile.phone" | "申请人电话" => Some(Prefill::ProfilePhone),
            t => t
                .strip_prefix("licence.")
                .filter(|f| super::valid_code(f))
                .map(|f| Prefill::Licence(f.to_string())),
        }
    }
}

impl TryFrom<String> for Prefill {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Prefill::parse(&s).ok_or_else(|| {
            format!(
                "预填来源「{s}」无效（可选：profile.name、profile.id_number、profile.phone 或 licence.字段编码）"
            )
        })
    }
}

impl From<Prefill> for String {
    fn from(p: Prefill) -> String {
        p.code()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Prefill {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "预填来源：profile.name、profile.id_number、profile.phone 或 licence.<字段编码>",
            ))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Prefill {}

/// One field of an application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormField {
    /// Unique among its siblings: letters, digits, `-`, `_`, `.`.
    pub code: String,
    /// What the applicant sees (经营者名称).
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    /// Fewest characters of a text (or rows of a table or group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Most characters of a text (or rows of a table or group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// The options of a choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A choice of several options.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiple: bool,
    /// The columns of a table or the fields of a group (themselves without rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub columns: Vec<FormField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
}

/// A rule between two fields of the top level of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FormRule {
    /// `field` is required when the choice `when` is (or, multiple, includes) `equals`.
    RequiredWhen {
        field: String,
        when: String,
        equals: String,
    },
    /// The date `field` is not before the date `other`.
    NotBefore { field: String, other: String },
}

/// An item's application form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Form {
    pub fields: Vec<FormField>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FormRule>,
}

/// A problem with one field of a form: its path (`operator_name`, `projects[1].name`), its label
/// (`经营项目第2行·项目名称`) and what is wrong, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormError {
    pub field: String,
    pub label: String,
    pub message: String,
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "「{}」{}", self.label, self.message)
    }
}

/// The applicant's data a form is prefilled from.
#[derive(Debug, Clone, Default)]
pub struct Profile<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    /// The form data of the applicant's latest licence, if any.
    pub licence: Option<&'a Map<String, Value>>,
}

/// One row of the data as shown: the label, and a text or a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownField {
    pub label: String,
    pub text: String,
    /// For a table or group: its column labels and rows of texts.
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl ShownField {
    /// One row's cells with their column labels (a phone shows the label beside each cell).
    pub fn cells<'a>(&'a self, row: &'a [String]) -> Vec<(&'a str, &'a str)> {
        self.columns
            .iter()
            .map(String::as_str)
            .zip(row.iter().map(String::as_str))
            .collect()
    }
}

/// The most fields a form (or a table's columns) may have, and rows a table may hold.
pub const MAX_FIELDS: usize = 100;
pub const MAX_ROWS: usize = 200;

/// The text of a value: a string as is, a number written out, anything else empty.
pub fn value_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("、"),
        _ => String::new(),
    }
}

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// A phone number: 7 to 20 digits, `-` and `+` allowed.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    p.chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == '+')
        && (7..=20).contains(&digits)
}

impl FormField {
    fn text_kind(&self) -> TextKind {
        match self.kind {
            FieldKind::LongText | FieldKind::Address => TextKind::Long,
            _ => TextKind::Short,
        }
    }

    /// Checks one value; returns the value as kept (trimmed, identifiers upper-case) or the
    /// problem.
    fn check_value(&self, v: &Value, today: NaiveDate) -> Result<Value, String> {
        if self.kind == FieldKind::Choice && self.multiple {
            let items: Vec<&str> = match v {
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().ok_or_else(|| "应为选项文本".to_string()))
                    .collect::<Result<_, _>>()?,
                Value::String(s) => vec![s.as_str()],
                _ => return Err("应为选项文本".into()),
            };
            let mut kept = Vec::new();
            for i in items {
                let i = i.trim();
                if !self.options.iter().any(|o| o == i) {
                    return Err(format!(
                        "「{i}」不是可选项（可选：{}）",
                        self.options.join("、")
                    ));
                }
                if !kept.contains(&i) {
                    kept.push(i);
                }
            }
            return Ok(Value::from(kept));
        }
        let raw = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) if self.kind == FieldKind::Number => n.to_string(),
            _ => return Err("应为文本".into()),
        };
        text::check(&self.code, &raw, self.text_kind()).map_err(|e| e.reason)?;
        let t = raw.trim();
        let chars = t.chars().count() as u32;
        if let Some(min) = self.min.filter(|_| !self.kind.has_rows())
            && chars < min
        {
            return Err(format!("至少{min}个字符"));
        }
        if let Some(max) = self.max.filter(|_| !self.kind.has_rows())
            && chars > max
        {
            return Err(format!("最多{max}个字符"));
        }
        let kept = match self.kind {
            FieldKind::Number => {
                let n: f64 = t
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or("应为数字")?;
                if n < 0.0 {
                    return Err("不能为负数".into());
                }
                t.to_string()
            }
            FieldKind::Date => {
                parse_date(t).map_err(|_| "应为日期，格式如 2026-05-01".to_string())?;
                t.to_string()
            }
            FieldKind::Choice => {
                if !self.options.iter().any(|o| o == t) {
                    return Err(format!(
                        "「{t}」不是可选项（可选：{}）",
                        self.options.join("、")
                    ));
                }
                t.to_string()
            }
            FieldKind::PersonId => {
                let id = CitizenId::parse(t).map_err(|e| e.to_string())?;
                id.check_born_by(today).map_err(|e| e.to_string())?;
                id.as_str().to_string()
            }
            FieldKind::Organisation => CreditCode::parse(t)
                .map_err(|e| e.to_string())?
                .as_str()
                .to_string(),
            FieldKind::Phone => {
                if !valid_phone(t) {
                    return Err(
                        "应为7至20位数字（可含“-”），例如 0915-5212345 或 13800000000".into(),
                    );
                }
                t.to_string()
            }
            _ => t.to_string(),
        };
        Ok(Value::String(kept))
    }
}

fn push(out: &mut Vec<FormError>, field: String, label: String, message: impl Into<String>) {
    out.push(FormError {
        field,
        label,
        message: message.into(),
    });
}

/// Checks the fields of one level (the form's, or a row's) against `data`; returns the kept data.
fn check_level(
    fields: &[FormField],
    data: &Map<String, Value>,
    path: &str,
    label_prefix: &str,
    today: NaiveDate,
    out: &mut Vec<FormError>,
) -> Map<String, Value> {
    let mut kept = Map::new();
    for f in fields {
        let field = format!("{path}{}", f.code);
        let label = format!("{label_prefix}{}", f.label);
        let v = data.get(&f.code);
        if is_blank(v) {
            if f.required {
                push(out, field, label, "必须填写");
            }
            continue;
        }
        let v = v.expect("not blank");
        if f.kind.has_rows() {
            let Some(rows) = v.as_array() else {
                push(out, field, label, "应为若干行");
                continue;
            };
            let n = rows.len() as u32;
            if rows.len() > MAX_ROWS {
                push(out, field, label, format!("最多{MAX_ROWS}行"));
                continue;
            }
            if let Some(min) = f.min
                && n < min
            {
                push(
                    out,
                    field.clone(),
                    label.clone(),
                    format!("至少填写{min}行"),
                );
            }
            if let Some(max) = f.max
                && n > max
            {
                push(
                    out,
                    field.clone(),
                    label.clone(),
                    format!("最多填写{max}行"),
                );
            }
            let mut kept_rows = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let Some(row) = row.as_object() else {
                    push(
                        out,
                        format!("{field}[{i}]"),
                        format!("{label}第{}行", i + 1),
                        "应为一行数据",
                    );
                    continue;
                };
                kept_rows.push(Value::Object(check_level(
                    &f.columns,
                    row,
                    &format!("{field}[{i}]."),
                    &format!("{label}第{}行·", i + 1),
                    today,
                    out,
                )));
            }
            kept.insert(f.code.clone(), Value::Array(kept_rows));
        } else {
            match f.check_value(v, today) {
                Ok(k) => {
                    kept.insert(f.code.clone(), k);
                }
                Err(m) => push(out, field, label, m),
            }
        }
    }
    // Fields the form does not have, after those it has.
    for key in data.keys() {
        if !fields.iter().any(|f| &f.code == key) {
            let shown: String = key.chars().take(40).collect();
            push(
                out,
                format!("{path}{key}"),
                format!("{label_prefix}{shown}"),
                "不是本表单的字段",
            );
        }
    }
    kept
}

impl Form {
    /// The top-level field of `code`.
    pub fn field(&self, code: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.code == code)
    }

    /// Checks submitted data: every problem, each named by its field; or the data as kept
    /// (trimmed, identifiers upper-case, blank values left out). `today` bounds the birth dates of
    /// ID numbers.
    pub fn check(
        &self,
        data: &Map<String, Value>,
        today: NaiveDate,
    ) -> Result<Map<String, Value>, Vec<FormError>> {
        let mut out = Vec::new();
        let kept = check_level(&self.fields, data, "", "", today, &mut out);
        for rule in &self.rules {
            match rule {
                FormRule::RequiredWhen {
                    field,
                    when,
                    equals,
                } => {
                    let chosen = match kept.get(when) {
                        Some(Value::String(s)) => s == equals,
                        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(equals)),
                        _ => false,
                    };
                    if chosen
                        && is_blank(kept.get(field))
                        && !out.iter().any(|e| &e.field == field)
                        && let (Some(f), Some(w)) = (self.field(field), self.field(when))
                    {
                        push(
                            &mut out,
                            field.clone(),
                            f.label.clone(),
                            format!("「{}」为「{equals}」时必须填写", w.label),
                        );
                    }
                }
                FormRule::NotBefore { field, other } => {
                    let date = |c: &str| {
                        kept.get(c)
                            .and_then(Value::as_str)
                            .and_then(|s| parse_date(s).ok())
                    };
                    if let (Some(a), Some(b)) = (date(field), date(other))
                        && a < b
                        && let (Some(f), Some(o)) = (self.field(field), self.field(other))
                    {
                        push(
                            &mut out,
                            field.clone(),
                            f.label.clone(),
                            format!("不能早于「{}」（{b}）", o.label),
                        );
                    }
                }
            }
        }
        if out.is_empty() { Ok(kept) } else { Err(out) }
    }

    /// The first values of the fields prefilled from the applicant's profile or latest licence.
    pub fn prefill(&self, profile: &Profile) -> Map<String, Value> {
        let mut out = Map::new();
        for f in &self.fields {
            let v = match &f.prefill {
                Some(Prefill::ProfileName) => Value::from(profile.name),
                Some(Prefill::ProfileId) => Value::from(profile.id_number),
                Some(Prefill::ProfilePhone) => Value::from(profile.phone),
                Some(Prefill::Licence(code)) => match profile.licence.and_then(|l| l.get(code)) {
                    Some(v) => v.clone(),
                    None => continue,
                },
                None => continue,
            };
            // An identifier goes only where it fits (a person's ID number is not a credit code).
            let fits = match (f.kind, v.as_str()) {
                (FieldKind::PersonId, Some(t)) => CitizenId::parse(t).is_ok(),
                (FieldKind::Organisation, Some(t)) => CreditCode::parse(t).is_ok(),
                _ => true,
            };
            if fits && !is_blank(Some(&v)) {
                out.insert(f.code.clone(), v);
            }
        }
        out
    }

    /// The data as the case page shows it, field by field in the form's order (blank fields left
    /// out); `masked`, ID numbers and phones have their middles hidden.
    pub fn show(&self, data: &Map<String, Value>, masked: bool) -> Vec<ShownField> {
        let text = |f: &FormField, v: Option<&Value>| {
            let t = value_text(v);
            match f.kind {
                FieldKind::PersonId if masked => mask_middle(&t, 3, 2),
                FieldKind::Phone if masked => mask_phone(&t),
                _ => t,
            }
        };
        let mut out = Vec::new();
        for f in &self.fields {
            let v = data.get(&f.code);
            if is_blank(v) {
                continue;
            }
            if f.kind.has_rows() {
                let rows = v
                    .and_then(Value::as_array)
                    .map(|rows| {
                        rows.iter()
                            .map(|r| f.columns.iter().map(|c| text(c, r.get(&c.code))).collect())
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(ShownField {
                    label: f.label.clone(),
                    text: String::new(),
                    columns: f.columns.iter().map(|c| c.label.clone()).collect(),
                    rows,
                });
            } else {
                out.push(ShownField {
                    label: f.label.clone(),
                    text: text(f, v),
                    columns: vec![],
                    rows: vec![],
                });
            }
        }
        out
    }

    /// Checks the definition itself; each problem as (path under `form`, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut e = Vec::new();
        if self.fields.is_empty() {
            e.push(("fields".into(), "表单至少要有一个字段".into()));
        }
        validate_fields(&self.fields, "fields", true, &mut e);
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            let (field, other) = match rule {
                FormRule::RequiredWhen { field, when, .. } => (field, when),
                FormRule::NotBefore { field, other } => (field, other),
            };
            let f = self.field(field);
            let o = self.field(other);
            if f.is_none() || o.is_none() {
                e.push((
                    at.clone(),
                    format!("规则所指的字段「{field}」或「{other}」不在表单中"),
                ));
                continue;
            }
            let (f, o) = (f.expect("checked"), o.expect("checked"));
            match rule {
                FormRule::RequiredWhen { equals, .. } => {
                    if o.kind != FieldKind::Choice || !o.options.iter().any(|x| x == equals) {
                        e.push((
                            at,
                            format!("「{}」须为选项字段，且「{equals}」是它的选项", o.label),
                        ));
                    }
                }
                FormRule::NotBefore { .. } => {
                    if f.kind != FieldKind::Date || o.kind != FieldKind::Date {
                        e.push((at, "日期先后规则的两个字段都须为日期".into()));
                    }
                }
            }
        }
        e
    }
}

fn validate_fields(fields: &[FormField], path: &str, top: bool, e: &mut Vec<(String, String)>) {
    if fields.len() > MAX_FIELDS {
        e.push((path.into(), format!("最多{MAX_FIELDS}个字段")));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if !super::valid_code(&f.code) {
            e.push((
                format!("{at}.code"),
                "字段编码只能由字母、数字、-、_、. 组成，且不超过40个字符".into(),
            ));
        } else if !seen.insert(f.code.as_str()) {
            e.push((format!("{at}.code"), format!("字段编码「{}」重复", f.code)));
        }
        if f.label.trim().is_empty() {
            e.push((format!("{at}.label"), "字段名称不能为空".into()));
        } else if let Err(x) = text::check("label", &f.label, TextKind::Name) {
            e.push((format!("{at}.label"), x.reason));
        }
        if let Err(x) = text::check("help", &f.help, TextKind::Long) {
            e.push((format!("{at}.help"), x.reason));
        }
        if let (Some(min), Some(max)) = (f.min, f.max)
            && min > max
        {
            e.push((format!("{at}.max"), "最大值不能小于最小值".into()));
        }
        if f.kind == FieldKind::Choice {
            if f.options.is_empty() {
                e.push((format!("{at}.options"), "选项字段至少要有一个选项".into()));
            }
            let mut opts = std::collections::BTreeSet::new();
            for o in &f.options {
                if let Err(x) = text::check("options", o, TextKind::Short) {
                    e.push((format!("{at}.options"), x.reason));
                } else if o.trim().is_empty() || o.trim() != o {
                    e.push((
                        format!("{at}.options"),
                        "选项不能为空，首尾不能有空格".into(),
                    ));
                } else if !opts.insert(o) {
                    e.push((format!("{at}.options"), format!("选项「{o}」重复")));
                }
            }
        } else if !f.options.is_empty() || f.multiple {
            e.push((format!("{at}.options"), "只有选项字段才有选项".into()));
        }
        if f.kind.has_rows() {
            if !top {
                e.push((format!("{at}.kind"), "表格和分组不能嵌套".into()));
            } else if f.columns.is_empty() {
                e.push((format!("{at}.columns"), "表格和分组至少要有一列".into()));
            }
            validate_fields(&f.columns, &format!("{at}.columns"), false, e);
        } else if !f.columns.is_empty() {
            e.push((format!("{at}.columns"), "只有表格和分组才有列".into()));
        }
        if f.prefill.is_some() && (!top || f.kind.has_rows()) {
            e.push((
                format!("{at}.prefill"),
                "只有表单第一层的非表格字段可以预填".into(),
            ));
        }
        if f.prefill == Some(Prefill::ProfileId)
            && !matches!(
                f.kind,
                FieldKind::PersonId | FieldKind::Organisation | FieldKind::Text
            )
        {
            e.push((
                format!("{at}.prefill"),
                "证件号码只能预填到身份证号码、统一社会信用代码或文本字段".into(),
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
