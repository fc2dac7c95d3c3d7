//! Jurisdictions (安康市 and its pilots) and their approval bureaus: the bodies and places each
//! holds, their names on a date, which township decides an own-power item, and how long a
//! supervising department has to acknowledge a push.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::history::{FormerName, name_on};
use super::{Department, ServiceHall, TownshipCentre};
use crate::sources::Source;

/// The kind of a jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JurisdictionKind {
    /// 设区的市
    City,
    /// 县
    County,
    /// 县级市 (e.g. 旬阳市 since 2021)
    CountyCity,
    /// 高新技术产业开发区
    DevelopmentZone,
}

impl JurisdictionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::City => "设区的市",
            Self::County => "县",
            Self::CountyCity => "县级市",
            Self::DevelopmentZone => "开发区",
        }
    }
}

/// The approval bureau of a jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bureau {
    /// Its current name.
    pub name: String,
    /// The unified social credit code of the bureau (issuer of its licences).
    pub credit_code: String,
    /// The name carried on its approval seal now.
    pub seal_name: String,
    /// Its names before the current one (the seal's name follows: the current name in
    /// `seal_name` is replaced by the former one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<FormerName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl Bureau {
    pub fn name_on(&self, date: NaiveDate) -> &str {
        name_on(&self.name, &self.former_names, date)
    }

    /// The name on its seal on `date`.
    pub fn seal_name_on(&self, date: NaiveDate) -> String {
        self.seal_name.replace(&self.name, self.name_on(date))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jurisdiction {
    pub code: String,
    /// Its current name.
    pub name: String,
    pub kind: JurisdictionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// GB/T 2260 administrative division code, now.
    pub division_code: String,
    /// Its names (and division codes) before the current ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<FormerName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// The pilot plan the jurisdiction works under.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bureau: Option<Bureau>,
    /// Letters that start its case numbers, e.g. HY → HY2026000123.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub case_prefix: String,
    /// The short name in its document numbers, e.g. 汉阴审批 → 汉阴审批受字〔2026〕…号.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc_prefix: String,
    /// Where its decisions can be challenged: the reconsideration body and the court of first instance.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reconsideration_body: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub court: String,
    /// Working days within which a supervising department acknowledges (签收) a pushed result;
    /// absent: 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_ack_days: Option<u32>,
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub halls: Vec<ServiceHall>,
    #[serde(default)]
    pub townships: Vec<TownshipCentre>,
}

impl Jurisdiction {
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }

    /// Its name on `date`.
    pub fn name_on(&self, date: NaiveDate) -> &str {
        name_on(&self.name, &self.former_names, date)
    }

    /// The letters that start its case (and ticket) numbers: its `case_prefix`, else its code in
    /// capitals.
    pub fn number_prefix(&self) -> String {
        if self.case_prefix.is_empty() {
            self.code.to_uppercase()
        } else {
            self.case_prefix.clone()
        }
    }

    /// The number of its case `serial` of `year`: 「HY2026000123」.
    pub fn case_number(&self, year: i32, serial: i64) -> String {
        format!("{}{year}{serial:06}", self.number_prefix())
    }

    pub fn township(&self, code: &str) -> Option<&TownshipCentre> {
        self.townships.iter().find(|t| t.code == code)
    }

    /// The township a unit belongs to: the township centre itself, or the one whose village
    /// point it is.
    pub fn township_of_unit(&self, unit: &str) -> Option<&TownshipCentre> {
        self.township(unit).or_else(|| {
            self.townships
                .iter()
                .find(|t| t.villages.iter().any(|v| v.code == unit))
        })
    }

    /// The township government that decides an own-power item (镇人民政府自有权限) applied for at
    /// `unit`: the township of the centre or village point that received it, which must be one the
    /// item lists; an application received elsewhere (online, at the county hall) goes to the one
    /// township the item lists, and is refused when it lists several (the applicant applies in
    /// their own township).
    pub fn deciding_township(
        &self,
        item_townships: &[String],
        unit: &str,
    ) -> Result<&TownshipCentre, String> {
        let listed = |t: &&TownshipCentre| item_townships.contains(&t.code);
        match self.township_of_unit(unit) {
            Some(t) if listed(&t) => Ok(t),
            Some(t) => Err(format!(
                "本事项不是{}的权限，请向申请人所在镇的便民服务中心申请",
                t.government()
            )),
            None => match item_townships {
                [only] => self
                    .township(only)
                    .ok_or_else(|| format!("{}没有代码为「{only}」的镇", self.name)),
                _ => Err("本事项由申请人所在镇的人民政府审批（镇人民政府自有权限），\
                          请向所在镇的便民服务中心申请"
                    .to_string()),
            },
        }
    }

    /// The name of a place that is not an authority (a service hall, one of its windows, a village
    /// point): somewhere applications are received, never a body that decides.
    pub fn place_name(&self, code: &str) -> Option<String> {
        for h in &self.halls {
            if h.code == code {
                return Some(h.name.clone());
            }
            if let Some(w) = h.windows.iter().find(|w| w.code == code) {
                return Some(format!("{}{}", h.name, w.name));
            }
        }
        self.townships
            .iter()
            .flat_map(|t| &t.villages)
            .find(|v| v.code == code)
            .map(|v| v.name.clone())
    }

    /// Whether the jurisdiction has a catalog of its own (a pilot with a bureau).
    pub fn has_catalog(&self) -> bool {
        self.bureau.is_some()
    }

    /// Working days within which a supervising department acknowledges a push.
    pub fn ack_days(&self) -> u32 {
        self.push_ack_days
            .unwrap_or(crate::supervision::DEFAULT_ACK_DAYS)
    }

    /// A department's name ('' code: the bureau's; an unknown code stands for itself).
    pub fn department_name(&self, code: &str) -> String {
        // No name ends on the last day there is: each body's current name.
        self.department_name_on(code, NaiveDate::MAX)
    }

    /// The same name as carried on `date` (what a document dated then prints).
    pub fn department_name_on(&self, code: &str, date: NaiveDate) -> String {
        match self.department(code) {
            Some(d) => d.name_on(date).to_string(),
            None if code.is_empty() => self
                .bureau
                .as_ref()
                .map_or(self.name_on(date), |b| b.name_on(date))
                .to_string(),
            None => code.to_string(),
        }
    }
}
#[cfg(test)]
mod tests {
    use crate::org::Organisation;

    #[test]
    fn an_own_power_item_is_decided_by_the_township_that_received_it() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("hanyin").unwrap();
        let (a, b) = (&j.townships[0], &j.townships[1]);
        let both = vec![a.code.clone(), b.code.clone()];
        assert_eq!(j.deciding_township(&both, &a.code).unwrap().code, a.code);
        if let Some(v) = b.villages.first() {
            assert_eq!(j.deciding_township(&both, &v.code).unwrap().code, b.code);
        }
        // Received online or at the county hall: only an item of one township can be placed.
        let err = j.deciding_township(&both, "").unwrap_err();
        assert!(err.contains("所在镇"), "{err}");
        assert_eq!(
            j.deciding_township(std::slice::from_ref(&a.code), "")
                .unwrap()
                .code,
            a.code
        );
        // Received by a township the item does not list.
        let err = j
            .deciding_township(std::slice::from_ref(&a.code), &b.code)
            .unwrap_err();
        assert!(err.contains(&b.government()), "{err}");
    }
}
