//! The organisation: jurisdictions (安康市 and its four pilots), each with its approval bureau, its line
//! departments and how each relates to the bureau (transferred / resident / technical institution),
//! its service halls and windows, township convenience centres and village agency points.
//!
//! The four pilots' organisation, as their 2017 plans describe it, is built in (`data/org.toml`) and
//! loaded into a fresh database; it is data, edited by a system administrator, not code.

use serde::{Deserialize, Serialize};

const BUILTIN_ORG: &str = include_str!("../data/org.toml");

/// The kind of a jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JurisdictionKind {
    /// 设区的市
    City,
    /// 县
    County,
    /// 高新技术产业开发区
    DevelopmentZone,
}

impl JurisdictionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::City => "设区的市",
            Self::County => "县",
            Self::DevelopmentZone => "开发区",
        }
    }
}

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
    /// A service unit of the bureau itself (全程代办服务中心, 诉求服务中心).
    ServiceUnit,
}

impl DepartmentRelation {
    pub const ALL: [Self; 4] = [
        Self::Transferred,
        Self::Resident,
        Self::TechnicalInstitution,
        Self::ServiceUnit,
    ];

    /// The code in the organisation file and in forms (`transferred`, `resident`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::Transferred => "transferred",
            Self::Resident => "resident",
            Self::TechnicalInstitution => "technical_institution",
            Self::ServiceUnit => "service_unit",
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
        }
    }
}

/// A line department (or a unit working beside the bureau).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    pub code: String,
    pub name: String,
    pub relation: DepartmentRelation,
    /// Transfer batch (分批集中) for transferred departments; 1 is the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<u8>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// The kind of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WindowKind {
    /// 综合受理窗口
    Comprehensive,
    /// 部门进驻窗口
    Department,
    /// 统一出件窗口
    Release,
    /// 咨询导办 / 帮办代办
    Helpdesk,
}

impl WindowKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Comprehensive => "综合受理窗口",
            Self::Department => "部门进驻窗口",
            Self::Release => "统一出件窗口",
            Self::Helpdesk => "咨询导办窗口",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    pub code: String,
    pub name: String,
    pub kind: WindowKind,
    /// For a department window, the resident department it serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceHall {
    pub code: String,
    pub name: String,
    pub address: String,
    pub hours: String,
    pub phone: String,
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VillagePoint {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TownshipCentre {
    pub code: String,
    /// The township (镇) name, e.g. 涧池镇.
    pub town: String,
    #[serde(default)]
    pub villages: Vec<VillagePoint>,
}

impl TownshipCentre {
    /// 「涧池镇便民服务中心」
    pub fn name(&self) -> String {
        format!("{}便民服务中心", self.town)
    }
}

/// The approval bureau of a jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bureau {
    pub name: String,
    /// The unified social credit code of the bureau (issuer of its licences).
    pub credit_code: String,
    /// The name carried on its approval seal.
    pub seal_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub kind: JurisdictionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// GB/T 2260 administrative division code.
    pub division_code: String,
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

    pub fn township(&self, code: &str) -> Option<&TownshipCentre> {
        self.townships.iter().find(|t| t.code == code)
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
        match self.department(code) {
            Some(d) => d.name.clone(),
            None if code.is_empty() => self
                .bureau
                .as_ref()
                .map_or(self.name.clone(), |b| b.name.clone()),
            None => code.to_string(),
        }
    }
}

/// Who issues the documents of a case: the agency under whose seal (the bureau for transferred and
/// delegated items; a resident department in its own name, Art. 22), the seal's name, the prefix of
/// its document numbers, where its decisions are challenged (Art. 38 para 2), and the credit code in
/// its licences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub agency: String,
    pub seal: String,
    /// The department whose seal signs ('' for the bureau's).
    pub seal_holder: String,
    pub number_prefix: String,
    pub reconsideration_body: String,
    pub court: String,
    pub credit_code: String,
}

impl Issuer {
    /// The issuer of an item of `department`, handled in `mode`, in jurisdiction `j`.
    pub fn of(j: &Jurisdiction, department: &str, mode: crate::catalog::HandlingMode) -> Issuer {
        let bureau = j.bureau.as_ref();
        let (agency, seal, seal_holder) = match mode {
            crate::catalog::HandlingMode::Resident => {
                let name = j
                    .department(department)
                    .map_or(department.to_string(), |d| d.name.clone());
                let seal = format!("{name}行政许可专用章");
                (name, seal, department.to_string())
            }
            _ => (
                bureau.map_or(j.name.clone(), |b| b.name.clone()),
                bureau.map_or(String::new(), |b| b.seal_name.clone()),
                String::new(),
            ),
        };
        Issuer {
            agency,
            seal,
            seal_holder,
            number_prefix: if j.doc_prefix.is_empty() {
                format!("{}审批", j.name)
            } else {
                j.doc_prefix.clone()
            },
            // 行政复议法 (2023) Art. 24: a county government department's decisions are reviewed
            // by the county government.
            reconsideration_body: if j.reconsideration_body.is_empty() {
                "本级人民政府".into()
            } else {
                j.reconsideration_body.clone()
            },
            court: if j.court.is_empty() {
                "有管辖权的人民法院".into()
            } else {
                j.court.clone()
            },
            credit_code: bureau.map(|b| b.credit_code.clone()).unwrap_or_default(),
        }
    }
}

/// The whole organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub jurisdictions: Vec<Jurisdiction>,
}

/// Why an organisation file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("组织机构数据有误：{0}")]
pub struct OrgError(pub String);

impl Organisation {
    /// 安康市 and the four pilots, as their plans describe them.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_ORG).expect("built-in organisation is valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, OrgError> {
        let org: Organisation = toml::from_str(text).map_err(|e| OrgError(e.to_string()))?;
        org.check()?;
        Ok(org)
    }

    pub fn jurisdiction(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdictions.iter().find(|j| j.code == code)
    }

    /// Checks that codes are unique and every reference resolves.
    pub fn check(&self) -> Result<(), OrgError> {
        let mut seen = std::collections::HashSet::new();
        for j in &self.jurisdictions {
            check_code(&j.code)?;
            if !seen.insert(j.code.as_str()) {
                return Err(OrgError(format!("县区代码「{}」重复", j.code)));
            }
        }
        for j in &self.jurisdictions {
            if let Some(p) = &j.parent
                && self.jurisdiction(p).is_none()
            {
                return Err(OrgError(format!("{}的上级「{p}」不存在", j.name)));
            }
            if let Some(days) = j.push_ack_days
                && !(1..=20).contains(&days)
            {
                return Err(OrgError(format!(
                    "{}的推送签收期限（push_ack_days）应为1至20个工作日，现为{days}",
                    j.name
                )));
            }
            let mut codes = std::collections::HashSet::new();
            let units = j
                .departments
                .iter()
                .map(|d| d.code.as_str())
                .chain(j.halls.iter().map(|h| h.code.as_str()))
                .chain(
                    j.halls
                        .iter()
                        .flat_map(|h| h.windows.iter().map(|w| w.code.as_str())),
                )
                .chain(j.townships.iter().map(|t| t.code.as_str()))
                .chain(
                    j.townships
                        .iter()
                        .flat_map(|t| t.villages.iter().map(|v| v.code.as_str())),
                );
            for code in units {
                check_code(code)?;
                if !codes.insert(code) {
                    return Err(OrgError(format!("{}内机构代码「{code}」重复", j.name)));
                }
            }
            for w in j.halls.iter().flat_map(|h| &h.windows) {
                if let Some(d) = &w.department
                    && j.department(d).is_none()
                {
                    return Err(OrgError(format!(
                        "{}窗口「{}」所属部门「{d}」不存在",
                        j.name, w.name
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Checks the code of a jurisdiction or of a unit in it (lower-case letters, digits, `-`, `_`).
pub fn check_code(code: &str) -> Result<(), OrgError> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(OrgError(format!(
            "代码「{code}」只能由小写字母、数字、-、_ 组成，且不超过40个字符"
        )))
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
        assert!(check_code("fgj").is_ok());
        assert!(check_code("Bad Code").unwrap_err().0.contains("小写字母"));
    }

    #[test]
    fn the_four_pilots_are_built_in() {
        let org = Organisation::builtin();
        for (code, name) in [
            ("ankang", "安康市"),
            ("hanyin", "汉阴县"),
            ("ziyang", "紫阳县"),
            ("xunyang", "旬阳县"),
            ("gaoxin", "安康高新区"),
        ] {
            assert_eq!(org.jurisdiction(code).unwrap().name, name);
        }
        for code in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
            let j = org.jurisdiction(code).unwrap();
            assert!(j.has_catalog());
            assert_eq!(j.parent.as_deref(), Some("ankang"));
            assert!(!j.halls.is_empty() && !j.townships.is_empty(), "{code}");
            assert!(j.townships.iter().any(|t| !t.villages.is_empty()), "{code}");
        }
    }

    #[test]
    fn hanyin_has_the_fourteen_departments_its_plan_names() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("hanyin").unwrap();
        let names = [
            "发改局",
            "教体局",
            "民政局",
            "人社局",
            "国土局",
            "环保局",
            "住建局",
            "交通局",
            "水利局",
            "农林科技局",
            "文广旅游局",
            "卫计局",
            "市场监管局",
            "安监局",
        ];
        for n in names {
            let d = j
                .departments
                .iter()
                .find(|d| d.name == format!("汉阴县{n}"))
                .unwrap_or_else(|| panic!("missing {n}"));
            assert_eq!(d.relation, DepartmentRelation::Transferred);
        }
    }

    #[test]
    fn gaoxin_has_both_groups_of_its_plan() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("gaoxin").unwrap();
        let transferred = j
            .departments
            .iter()
            .filter(|d| d.relation == DepartmentRelation::Transferred)
            .count();
        let resident = j
            .departments
            .iter()
            .filter(|d| d.relation == DepartmentRelation::Resident)
            .count();
        assert_eq!((transferred, resident), (8, 7));
    }

    #[test]
    fn bad_references_are_refused() {
        let text = r#"
[[jurisdictions]]
code = "x"
name = "某县"
kind = "county"
parent = "nowhere"
division_code = "610000"
"#;
        let err = Organisation::from_toml(text).unwrap_err().to_string();
        assert!(err.contains("nowhere"), "{err}");
    }

    #[test]
    fn acknowledgement_days_are_bounded() {
        let mut org = Organisation::builtin();
        org.jurisdictions[0].push_ack_days = Some(0);
        let err = org.check().unwrap_err().to_string();
        assert!(err.contains("推送签收期限"), "{err}");
        org.jurisdictions[0].push_ack_days = Some(3);
        assert!(org.check().is_ok());
    }
}
