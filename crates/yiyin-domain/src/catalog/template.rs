//! The licence template of an item's result (证照模板), as data: the fields a licence shows, in
//! order, each with its label, where its value comes from (a field of the application form, the
//! applicant, the licence's identifier, validity and dates, the issuing agency, the deciding
//! official, the supervising office, the complaint phone or a fixed text), whether it is a person's
//! data (masked for the public) and a layout hint. It owns the check of a template against the
//! item's form (run with the item's), the filling of a template at issuance ([`fill`]), the change of
//! entries by a granted change (Art. 49, [`apply_changes`]) and what the public sees of an entry.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::form::{FieldKind, Form, FormField, value_text};
use crate::calendar::fmt_date_cn;
use crate::ids::{CitizenId, mask_name};
use crate::text::{self, TextKind};

/// The most fields a template may have.
pub const MAX_TEMPLATE_FIELDS: usize = 60;

labelled_enum!(
    /// 版式: how wide a field of the licence is laid out.
    #[derive(Default)]
    Layout {
        /// Half a row (two fields side by side).
        #[default]
        Half = ("half", "半栏"),
        /// The whole row (long texts: addresses, business items).
        Wide = ("wide", "通栏"),
    }
);

impl Layout {
    pub fn is_half(&self) -> bool {
        *self == Layout::Half
    }
}

labelled_enum!(
    /// What kind of a person's data an entry holds, which says how the public sees it masked.
    Personal {
        /// A person's name: all but the first character hidden.
        Name = ("name", "姓名"),
        /// A citizen ID number: its middle hidden (an organisation's credit code shown in full).
        IdNumber = ("id_number", "证件号码"),
        /// A person's address: only its beginning (the county and town) shown.
        Address = ("address", "地址"),
    }
);

/// Where a template field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TemplateSource {
    /// `form:<field>` or `form:<table>.<column>`: a field of the application form (a table's rows
    /// or a column of them joined with 、).
    Form {
        field: String,
        column: Option<String>,
    },
    /// `applicant.name`
    ApplicantName,
    /// `applicant.id_number`: the citizen ID number or credit code.
    ApplicantId,
    /// `licence.identifier`: the licence's identifier (许可证编号).
    Identifier,
    /// `licence.validity`: 发证日期至有效期届满日, or 长期.
    Validity,
    /// `licence.issued_on`: 发证日期.
    IssuedOn,
    /// `issuer.agency`: 发证机关.
    Agency,
    /// `decision.signer`: the deciding official as the case records them (签发人).
    Signer,
    /// `item.supervising_department`: 日常监督管理机构.
    SupervisingOffice,
    /// `item.phone`: the item's phone as the catalog gives it.
    ItemPhone,
    /// `text:<text>`: a fixed text (e.g. 12315).
    Fixed(String),
}

const SOURCES: &[(&str, TemplateSource)] = &[
    ("applicant.name", TemplateSource::ApplicantName),
    ("applicant.id_number", TemplateSource::ApplicantId),
    ("licence.identifier", TemplateSource::Identifier),
    ("licence.validity", TemplateSource::Validity),
    ("licence.issued_on", TemplateSource::IssuedOn),
    ("issuer.agency", TemplateSource::Agency),
    ("decision.signer", TemplateSource::Signer),
    (
        "item.supervising_department",
        TemplateSource::SupervisingOffice,
    ),
    ("item.phone", TemplateSource::ItemPhone),
];

impl TemplateSource {
    /// The written form, e.g. `form:premises`, `licence.validity`, `text:12315`.
    pub fn code(&self) -> String {
        match self {
            TemplateSource::Form {
                field,
                column: None,
            } => format!("form:{field}"),
            TemplateSource::Form {
                field,
                column: Some(c),
            } => format!("form:{field}.{c}"),
            TemplateSource::Fixed(t) => format!("text:{t}"),
            other => SOURCES
                .iter()
                .find(|(_, s)| s == other)
                .map(|(c, _)| c.to_string())
                .unwrap_or_default(),
        }
    }

    /// Reads the written form.
    pub fn parse(text: &str) -> Option<TemplateSource> {
        let t = text.trim();
        if let Some(fixed) = t.strip_prefix("text:") {
            return Some(TemplateSource::Fixed(fixed.trim().to_string()));
        }
        if let Some(path) = t.strip_prefix("form:") {
            let (field, column) = match path.split_once('.') {
                Some((f, c)) => (f, Some(c)),
                None => (path, None),
            };
            let ok = super::valid_code(field) && column.is_none_or(super::valid_code);
            return ok.then(|| TemplateSource::Form {
                field: field.to_string(),
                column: column.map(str::to_string),
            });
        }
        SOURCES
            .iter()
            .find(|(c, _)| *c == t)
            .map(|(_, s)| s.clone())
    }
}

impl TryFrom<String> for TemplateSource {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        TemplateSource::parse(&s).ok_or_else(|| {
            format!(
                "数据来源「{s}」无效（可选：form:字段编码、form:表格编码.列编码、{}、text:固定文字）",
                SOURCES
                    .iter()
                    .map(|(c, _)| *c)
                    .collect::<Vec<_>>()
                    .join("、")
            )
        })
    }
}

impl From<TemplateSource> for String {
    fn from(s: TemplateSource) -> String {
        s.code()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for TemplateSource {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "数据来源：form:<字段编码>、form:<表格编码>.<列编码>、applicant.name、applicant.id_number、licence.identifier、licence.validity、licence.issued_on、issuer.agency、decision.signer、item.supervising_department、item.phone 或 text:<固定文字>",
            ))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for TemplateSource {}

/// One field of a licence template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateField {
    /// Unique in the template: letters, digits, `-`, `_`, `.`.
    pub key: String,
    /// What the licence prints (经营场所).
    pub label: String,
    pub source: TemplateSource,
    /// A person's data (name, ID number, address), masked for the public.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal: bool,
    #[serde(default, skip_serializing_if = "Layout::is_half")]
    pub layout: Layout,
}

/// The licence template of an item's result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceTemplate {
    pub fields: Vec<TemplateField>,
}

/// One filled entry of a licence: what it prints, and whether (and how) it is a person's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceEntry {
    pub key: String,
    pub label: String,
    pub value: String,
    /// A person's data: masked for the public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal: Option<Personal>,
    #[serde(default, skip_serializing_if = "Layout::is_half")]
    pub layout: Layout,
}

impl LicenceEntry {
    /// An entry of no one's personal data, half a row wide.
    pub fn plain(key: &str, label: &str, value: &str) -> LicenceEntry {
        LicenceEntry {
            key: key.into(),
            label: label.into(),
            value: value.into(),
            personal: None,
            layout: Layout::default(),
        }
    }

    /// The value as the public sees it: a person's name, ID number or address masked; anything
    /// else (an organisation's name, a credit code) in full.
    pub fn public_value(&self) -> String {
        match self.personal {
            None => self.value.clone(),
            Some(Personal::Name) => mask_name(&self.value),
            Some(Personal::IdNumber) => match CitizenId::parse(&self.value) {
                Ok(id) => id.masked(),
                // A credit code is an organisation's: public.
                Err(_) if crate::ids::CreditCode::parse(&self.value).is_ok() => self.value.clone(),
                Err(_) => crate::ids::mask_middle(&self.value, 1, 1),
            },
            Some(Personal::Address) => mask_address(&self.value),
        }
    }
}

/// A person's address for the public: the beginning up to the township (镇/乡/街道) or at most
/// six characters, the rest hidden (陕西省汉阴县城关镇北城街12号 → 陕西省汉阴县城关镇****).
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.trim().chars().collect();
    let text: String = chars.iter().collect();
    let upto = ["街道", "镇", "乡", "县", "区", "市"]
        .iter()
        .find_map(|m| text.find(m).map(|b| text[..b + m.len()].chars().count()))
        .unwrap_or(6)
        .min(chars.len().saturating_sub(1))
        .min(12);
    let shown: String = chars[..upto].iter().collect();
    format!("{shown}****")
}

/// What a licence is filled from besides the application form.
#[derive(Debug, Clone, Default)]
pub struct TemplateFacts<'a> {
    /// The application form's data (absent: the case had no form).
    pub form: Option<&'a Map<String, Value>>,
    /// The item's form, to read table columns and field kinds.
    pub form_def: Option<&'a Form>,
    pub applicant_name: &'a str,
    pub applicant_id: &'a str,
    /// Whether the applicant is a person (their name and ID number are personal data).
    pub applicant_is_person: bool,
    pub identifier: &'a str,
    pub issued_on: Option<NaiveDate>,
    /// The last day the licence is valid (None: 长期).
    pub valid_until: Option<NaiveDate>,
    pub agency: &'a str,
    pub signer: &'a str,
    pub supervising_office: &'a str,
    pub item_phone: &'a str,
}

/// The validity as a licence prints it: 2026年5月1日至2031年4月30日, or 长期.
pub fn validity_text(issued_on: Option<NaiveDate>, valid_until: Option<NaiveDate>) -> String {
    match (issued_on, valid_until) {
        (Some(from), Some(until)) => format!("{}至{}", fmt_date_cn(from), fmt_date_cn(until)),
        (None, Some(until)) => format!("至{}", fmt_date_cn(until)),
        (_, None) => "长期".into(),
    }
}

/// One row of a table as text: its first cell, the others in brackets (热食类食品制售（含凉菜）).
fn row_text(columns: &[FormField], row: &Value) -> String {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| value_text(row.get(&c.code)))
        .filter(|t| !t.trim().is_empty())
        .collect();
    match cells.split_first() {
        None => String::new(),
        Some((first, [])) => first.clone(),
        Some((first, rest)) => format!("{first}（{}）", rest.join("，")),
    }
}

/// A form field's value as a licence prints it: a table's rows (or one column of them) joined with
/// 、, a multiple choice joined with 、, anything else as written.
fn form_text(facts: &TemplateFacts, field: &str, column: Option<&str>) -> String {
    let Some(data) = facts.form else {
        return String::new();
    };
    let value = data.get(field);
    let def = facts.form_def.and_then(|f| f.field(field));
    match (value, def) {
        (Some(Value::Array(rows)), Some(def)) if def.kind.has_rows() => {
            let texts: Vec<String> = rows
                .iter()
                .map(|r| match column {
                    Some(c) => value_text(r.get(c)),
                    None => row_text(&def.columns, r),
                })
                .filter(|t| !t.trim().is_empty())
                .collect();
            let mut seen = Vec::new();
            for t in texts {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
            seen.join("、")
        }
        (v, _) => value_text(v),
    }
}

/// How a template field's value is a person's data, when the template marks it personal (a
/// citizen ID field always is; the applicant's name and ID, and an address marked personal, only
/// when the applicant is a person).
fn personal_kind(field: &TemplateField, facts: &TemplateFacts) -> Option<Personal> {
    match &field.source {
        TemplateSource::ApplicantName => facts.applicant_is_person.then_some(Personal::Name),
        TemplateSource::ApplicantId => facts.applicant_is_person.then_some(Personal::IdNumber),
        TemplateSource::Form { field: f, column } => {
            let def = facts.form_def.and_then(|d| d.field(f));
            let def = match (def, column) {
                (Some(d), Some(c)) => d.columns.iter().find(|x| &x.code == c),
                (d, _) => d,
            };
            match def.map(|d| d.kind) {
                Some(FieldKind::PersonId) => Some(Personal::IdNumber),
                // An address marked personal is where a person lives: masked when the applicant is
                // a person; an organisation's registered address is public registration data.
                Some(FieldKind::Address | FieldKind::LongText) if field.personal => {
                    facts.applicant_is_person.then_some(Personal::Address)
                }
                _ if field.personal => Some(Personal::Name),
                _ => None,
            }
        }
        _ if field.personal => Some(Personal::Name),
        _ => None,
    }
}

/// Fills a template: one entry per field, in the template's order (a field without a value prints
/// empty, so the licence's layout stays that of the template).
pub fn fill(template: &LicenceTemplate, facts: &TemplateFacts) -> Vec<LicenceEntry> {
    template
        .fields
        .iter()
        .map(|f| {
            let value = match &f.source {
                TemplateSource::Form { field, column } => {
                    form_text(facts, field, column.as_deref())
                }
                TemplateSource::ApplicantName => facts.applicant_name.to_string(),
                TemplateSource::ApplicantId => facts.applicant_id.to_string(),
                TemplateSource::Identifier => facts.identifier.to_string(),
                TemplateSource::Validity => validity_text(facts.issued_on, facts.valid_until),
                TemplateSource::IssuedOn => facts.issued_on.map(fmt_date_cn).unwrap_or_default(),
                TemplateSource::Agency => facts.agency.to_string(),
                TemplateSource::Signer => facts.signer.to_string(),
                TemplateSource::SupervisingOffice => facts.supervising_office.to_string(),
                TemplateSource::ItemPhone => facts.item_phone.to_string(),
                TemplateSource::Fixed(t) => t.clone(),
            };
            LicenceEntry {
                key: f.key.clone(),
                label: f.label.clone(),
                value: value.trim().to_string(),
                personal: personal_kind(f, facts),
                layout: f.layout,
            }
        })
        .collect()
}

/// Which entries a change may set: those filled from the application form or the applicant (the
/// licensed matters), not the identifier, dates, agency or signer the new version gets itself.
pub fn changeable(template: &LicenceTemplate) -> Vec<&TemplateField> {
    template
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.source,
                TemplateSource::Form { .. }
                    | TemplateSource::ApplicantName
                    | TemplateSource::ApplicantId
            )
        })
        .collect()
}

/// The entries of a licence's new version (Art. 49): those of the old version with the changed
/// values (by key) set and the entries the new version gets itself (`fresh`: its identifier,
/// validity, issue date, agency, signer) renewed; the rest carried over. Every changed key must be
/// an entry the change may set, and each value a short text; the problems in Chinese.
pub fn apply_changes(
    old: &[LicenceEntry],
    fresh: &[LicenceEntry],
    template: Option<&LicenceTemplate>,
    changes: &[(String, String)],
) -> Result<Vec<LicenceEntry>, String> {
    let allowed: Vec<&str> = match template {
        Some(t) => changeable(t).iter().map(|f| f.key.as_str()).collect(),
        None => old.iter().map(|e| e.key.as_str()).collect(),
    };
    let mut out = old.to_vec();
    for (key, value) in changes {
        let Some(entry) = out.iter_mut().find(|e| &e.key == key) else {
            let shown: String = key.chars().take(40).collect();
            return Err(format!("证照上没有「{shown}」这一栏"));
        };
        if !allowed.contains(&key.as_str()) {
            return Err(format!("「{}」由发证机关填写，不能申请变更", entry.label));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("「{}」变更后的内容不能为空", entry.label));
        }
        text::check(&entry.label, value, TextKind::Short).map_err(|e| e.to_string())?;
        entry.value = value.to_string();
    }
    for f in fresh {
        if let Some(entry) = out.iter_mut().find(|e| e.key == f.key)
            && !allowed.contains(&f.key.as_str())
        {
            entry.value = f.value.clone();
        }
    }
    Ok(out)
}

impl LicenceTemplate {
    /// Checks the template against the item's form; each problem as (path under `template`,
    /// message).
    pub fn validate(&self, form: Option<&Form>) -> Vec<(String, String)> {
        let mut e = Vec::new();
        if self.fields.is_empty() {
            e.push(("fields".into(), "证照模板至少要有一个栏目".into()));
        }
        if self.fields.len() > MAX_TEMPLATE_FIELDS {
            e.push((
                "fields".into(),
                format!("证照模板最多{MAX_TEMPLATE_FIELDS}个栏目"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !super::valid_code(&f.key) {
                e.push((
                    format!("{at}.key"),
                    "栏目编码只能由字母、数字、-、_、. 组成，且不超过40个字符".into(),
                ));
            } else if !seen.insert(f.key.as_str()) {
                e.push((format!("{at}.key"), format!("栏目编码「{}」重复", f.key)));
            }
            if f.label.trim().is_empty() {
                e.push((format!("{at}.label"), "栏目名称不能为空".into()));
            } else if let Err(x) = text::check("label", &f.label, TextKind::Name) {
                e.push((format!("{at}.label"), x.reason));
            }
            match &f.source {
                TemplateSource::Fixed(t) => {
                    if t.is_empty() {
                        e.push((format!("{at}.source"), "固定文字不能为空".into()));
                    } else if let Err(x) = text::check("source", t, TextKind::Short) {
                        e.push((format!("{at}.source"), x.reason));
                    }
                }
                TemplateSource::Form { field, column } => {
                    let Some(form) = form else {
                        e.push((
                            format!("{at}.source"),
                            format!("事项没有申请表单，不能引用表单字段「{field}」"),
                        ));
                        continue;
                    };
                    match (form.field(field), column) {
                        (None, _) => e.push((
                            format!("{at}.source"),
                            format!("申请表单中没有字段「{field}」"),
                        )),
                        (Some(d), Some(c)) if !d.kind.has_rows() => e.push((
                            format!("{at}.source"),
                            format!("「{}」不是表格或分组，不能引用其中的列「{c}」", d.label),
                        )),
                        (Some(d), Some(c)) if !d.columns.iter().any(|x| &x.code == c) => e.push((
                            format!("{at}.source"),
                            format!("表格「{}」中没有列「{c}」", d.label),
                        )),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        e
    }
}

#[cfg(test)]
mod tests;
