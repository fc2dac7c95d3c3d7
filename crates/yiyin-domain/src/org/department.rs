//! Line departments: how each stands to the bureau after the reform (and stood before), how it is
//! managed, its names over time, and whether it still exists on a date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::history::{FormerName, in_force_on, name_on};
use crate::sources::Source;

/// How a line department stands to the bureau after the reform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DepartmentRelation {
    /// Its licensing power was transferred (划转) to the bureau; it now supervises.
    Transferred,
    /// It keeps its approval power and works from the bureau's hall (进驻).
    Resident,
    /// A technical review institution (审查勘验中心, 审图机构): gives opinions, never approves.
    TechnicalInstitution,
    /// A service unit of the bureau itself (全程代办服务中心).
    ServiceUnit,
    /// It will work from the hall once the hall can take it (e.g. 旬阳's tax offices, once the
    /// bureau's building exists); until then it approves in its own offices.
    PendingResidence,
    /// A unit of the county beside the bureau, not inside it (旬阳's 民生和企业诉求服务中心, formed
    /// from the hotlines).
    CountyUnit,
}

impl DepartmentRelation {
    pub const ALL: [Self; 6] = [
        Self::Transferred,
        Self::Resident,
        Self::TechnicalInstitution,
        Self::ServiceUnit,
        Self::PendingResidence,
        Self::CountyUnit,
    ];

    /// The code in the organisation file and in forms (`transferred`, `resident`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::Transferred => "transferred",
            Self::Resident => "resident",
            Self::TechnicalInstitution => "technical_institution",
            Self::ServiceUnit => "service_unit",
            Self::PendingResidence => "pending_residence",
            Self::CountyUnit => "county_unit",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Transferred => "审批权已划转（转为监管）",
            Self::Resident => "进驻大厅审批",
            Self::TechnicalInstitution => "技术审查机构",
            Self::ServiceUnit => "审批局内设服务机构",
            Self::PendingResidence => "待进驻大厅（暂在本部门办理）",
            Self::CountyUnit => "县级服务机构（不属审批局）",
        }
    }
}

/// How a department is managed (管理体制).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Management {
    /// A department of the county government (属地管理).
    #[default]
    Local,
    /// Managed from above (垂直管理): tax, and since 2019 生态环境 as a branch of the city's bureau.
    Vertical,
    /// Managed jointly by the county and the level above (双重管理): 公安, 自然资源 in some places.
    Dual,
}

impl Management {
    pub const ALL: [Self; 3] = [Self::Local, Self::Vertical, Self::Dual];

    pub fn code(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Vertical => "vertical",
            Self::Dual => "dual",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Local => "属地管理",
            Self::Vertical => "垂直管理",
            Self::Dual => "双重管理",
        }
    }
}

/// A relation a department had with the bureau until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormerRelation {
    pub relation: DepartmentRelation,
    /// The first day of the next relation.
    pub until: NaiveDate,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// A line department (or a unit working beside the bureau).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub code: String,
    /// Its current name.
    pub name: String,
    /// Its relation to the bureau now.
    pub relation: DepartmentRelation,
    #[serde(default)]
    pub management: Management,
    /// Transfer batch (分批集中) for transferred departments; 1 is the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u8>,
    /// Its names before the current one, each with the day it stopped being carried.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<FormerName>,
    /// Its relations to the bureau before the current one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_relations: Vec<FormerRelation>,
    /// The day the body ceased to exist (merged, abolished); it issues nothing from that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    /// The department that took over its duties when it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl Department {
    /// Its name on `date`.
    pub fn name_on(&self, date: NaiveDate) -> &str {
        name_on(&self.name, &self.former_names, date)
    }

    /// Its relation to the bureau on `date`.
    pub fn relation_on(&self, date: NaiveDate) -> DepartmentRelation {
        in_force_on(&self.former_relations, |f| f.until, date).map_or(self.relation, |f| f.relation)
    }

    /// Whether the body exists on `date`.
    pub fn exists_on(&self, date: NaiveDate) -> bool {
        self.ended_on.is_none_or(|end| date < end)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_codes_are_those_of_the_file() {
        for r in DepartmentRelation::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
            assert_eq!(DepartmentRelation::from_code(r.code()), Some(r));
        }
        assert_eq!(DepartmentRelation::from_code("划转"), None);
    }
}
