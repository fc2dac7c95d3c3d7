//! What the engine knows of an item: its limits, materials, procedure steps and who decides, taken
//! from the catalog entry in force when the application was received.

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use crate::calendar::{Calendar, CalendarError, fmt_date};
use crate::catalog::{HandlingClass, Item, ItemKind, LimitUnit, Necessity, StepKind};
use crate::roles::Role;

/// What the engine needs to know of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRules {
    pub name: String,
    pub statutory_days: u32,
    pub promised_days: u32,
    #[serde(default)]
    pub instant: bool,
    #[serde(default)]
    pub joint: bool,
    #[serde(default)]
    pub green_list: bool,
    #[serde(default)]
    pub materials: Vec<MaterialRule>,
    /// The procedure steps between acceptance and decision that must be done, in order, before a
    /// decision. Empty: no step is enforced (as in a rehearsal without steps).
    #[serde(default)]
    pub steps: Vec<StepRule>,
    /// Who decides (the role of the item's decision step; section chief by default).
    #[serde(default)]
    pub decider: Option<Role>,
    /// For green-list items: the working days within which the supervising department verifies a
    /// commitment after the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_check_days: Option<u32>,
    /// The one extension's length in working days when the item's own law sets one (Art. 42:
    /// 法律、法规另有规定的，依照其规定); None: Art. 42's 10 days (15 for joint handling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_days: Option<u32>,
    /// The legal basis of `extension_days` (the special law and its article).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extension_basis: String,
    /// The unit of the statutory and promised limits and of the extension: working days (Art. 82)
    /// unless the item's own law counts calendar days.
    #[serde(default, skip_serializing_if = "LimitUnit::is_working")]
    pub limit_unit: LimitUnit,
    /// The law and article that set the statutory limit and its unit.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub limit_basis: String,
    /// The item's kind (事项类型): only a 行政许可 ends in a licensing decision (Art. 38); the
    /// result documents of a public service, a filing or another approval are worded for what
    /// they are (`crate::documents`). Cases kept before the field existed are licensing items.
    #[serde(default = "licensing", skip_serializing_if = "is_licensing")]
    pub kind: ItemKind,
}

fn licensing() -> ItemKind {
    ItemKind::Licensing
}

fn is_licensing(kind: &ItemKind) -> bool {
    *kind == ItemKind::Licensing
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialRule {
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub deferrable: bool,
    /// Whether the application is incomplete without it (default: yes).
    #[serde(default = "yes")]
    pub required: bool,
    /// Fetched from a department's shared data or Yiyin's licence register (免提交), not asked of
    /// the applicant.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fetched: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepRule {
    pub kind: StepKind,
    pub name: String,
    pub role: Role,
    pub days: u32,
}

impl From<&Item> for ItemRules {
    fn from(item: &Item) -> Self {
        let decision = item
            .steps
            .iter()
            .position(|s| s.kind == StepKind::Decision)
            .unwrap_or(item.steps.len());
        ItemRules {
            name: item.name.clone(),
            statutory_days: item.statutory_days,
            promised_days: item.promised_days,
            instant: item.handling_class == HandlingClass::Instant,
            joint: item.joint,
            green_list: item.green_list,
            materials: item
                .materials
                .iter()
                .map(|m| MaterialRule {
                    code: m.code.clone(),
                    name: m.name.clone(),
                    deferrable: m.deferrable,
                    required: m.necessity == Necessity::Required,
                    fetched: m.source.is_fetched(),
                })
                .collect(),
            steps: item.steps[..decision]
                .iter()
                .filter(|s| s.kind != StepKind::Acceptance)
                .map(|s| StepRule {
                    kind: s.kind,
                    name: s.name.clone(),
                    role: s.role,
                    days: s.days,
                })
                .collect(),
            decider: item.steps.get(decision).map(|s| s.role),
            commitment_check_days: item.commitment_check_days,
            extension_days: item.extension_days,
            extension_basis: item.extension_basis.clone(),
            limit_unit: item.limit_unit,
            limit_basis: item.limit_basis.clone(),
            kind: item.kind,
        }
    }
}

impl ItemRules {
    /// L: the statutory limit in working days (45 for joint handling, Art. 42 para 2).
    pub fn statutory_limit(&self) -> u32 {
        if self.joint { 45 } else { self.statutory_days }
    }

    /// The one extension's length, in the item's unit: the item's own law's when the catalog
    /// carries one (0: that law allows none), else Art. 42's default, 10 working days (15 for
    /// joint handling).
    pub fn extension_limit(&self) -> u32 {
        self.extension_days
            .unwrap_or(if self.joint { 15 } else { 10 })
    }

    /// Whether the item's own law allows no extension (`extension_days = 0` with its basis).
    pub fn extension_barred(&self) -> bool {
        self.extension_days == Some(0)
    }

    /// The legal basis of the extension's length, in Chinese.
    pub fn extension_rule(&self) -> String {
        match (self.extension_days, self.extension_basis.trim()) {
            (Some(_), basis) if !basis.is_empty() => basis.to_string(),
            (Some(_), _) => "本事项设定依据的特别规定".to_string(),
            (None, _) if self.joint => "《行政许可法》第四十二条第二款".to_string(),
            (None, _) => "《行政许可法》第四十二条第一款".to_string(),
        }
    }

    /// `n` days in the item's unit, in Chinese: 「20个工作日」 or 「60个自然日」.
    pub fn days_text(&self, n: u32) -> String {
        format!("{n}个{}", self.limit_unit.label())
    }

    /// The last day of a period of `n` days in the item's unit counted from `start` (the start
    /// day itself never counts). Working days: `add(start, n)` (Art. 82). Calendar days: the
    /// n-th day after `start`; when that day is a weekend day or a holiday off-day, the first
    /// working day after it (`legal-rules.md`: a last day on a holiday moves to the first day
    /// after it).
    pub fn add_days(
        &self,
        cal: &Calendar,
        start: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, CalendarError> {
        match self.limit_unit {
            LimitUnit::WorkingDays => cal.add(start, n),
            LimitUnit::CalendarDays => {
                let nominal = start + chrono::Days::new(u64::from(n));
                if n == 0 || cal.is_workday(nominal)? {
                    Ok(nominal)
                } else {
                    cal.add(nominal, 1)
                }
            }
        }
    }

    /// The days `d` in the item's unit with `start < d <= end` (0 when `end <= start`): the
    /// days a suspension keeps off the clock (Art. 45).
    pub fn days_between(
        &self,
        cal: &Calendar,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<u32, CalendarError> {
        match self.limit_unit {
            LimitUnit::WorkingDays => cal.between(start, end),
            LimitUnit::CalendarDays => {
                cal.between(start, end)?; // the years must be known, as for working days
                Ok(u32::try_from((end - start).num_days().max(0)).unwrap_or(u32::MAX))
            }
        }
    }

    /// The days left from `as_of` to `due` in the item's unit, negative (how late) once `due` has
    /// passed: the count monitoring shows beside a decision limit. Working days: `between` of
    /// Art. 82; calendar days: every day counts, as they do for the limit itself.
    pub fn days_to(
        &self,
        cal: &Calendar,
        as_of: NaiveDate,
        due: NaiveDate,
    ) -> Result<i64, CalendarError> {
        Ok(if as_of <= due {
            i64::from(self.days_between(cal, as_of, due)?)
        } else {
            -i64::from(self.days_between(cal, due, as_of)?)
        })
    }

    /// How a period of `n` days from `start` ending on `due` was counted, for the explanation a
    /// clerk reads: which days counted and why.
    pub fn explain_period(
        &self,
        cal: &Calendar,
        start: NaiveDate,
        n: u32,
        due: NaiveDate,
    ) -> String {
        match self.limit_unit {
            LimitUnit::WorkingDays => cal.explain_span(start, due).unwrap_or_default(),
            LimitUnit::CalendarDays => {
                let nominal = start + chrono::Days::new(u64::from(n));
                let rule = "期间开始之日不计算在内，周末和法定节假日照常计入";
                if nominal == due {
                    format!("按自然日计算：{rule}，第{n}日为 {}", fmt_date(due))
                } else {
                    let why = cal
                        .day_kind(nominal)
                        .map(|k| k.describe())
                        .unwrap_or_default();
                    format!(
                        "按自然日计算：{rule}，第{n}日 {} 为{why}，期间最后一日是周末或法定节假日的，顺延至其后第一个工作日 {}",
                        fmt_date(nominal),
                        fmt_date(due)
                    )
                }
            }
        }
    }

    pub(crate) fn material(&self, code: &str) -> Option<&MaterialRule> {
        self.materials.iter().find(|m| m.code == code)
    }

    /// A material's name (its code when unnamed).
    pub fn material_name(&self, code: &str) -> String {
        match self.material(code) {
            Some(m) if !m.name.is_empty() => format!("{}（{}）", m.code, m.name),
            _ => code.to_string(),
        }
    }
}
