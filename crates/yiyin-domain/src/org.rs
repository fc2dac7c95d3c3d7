//! The organisation: jurisdictions (安康市 and its four pilots), each with its approval bureau, its line
//! departments and how each relates to the bureau (transferred / resident / technical institution),
//! its service halls and windows, township convenience centres and village agency points.
//!
//! The four pilots' organisation, as their 2017 plans describe it, is built in (`data/org.toml`) and
//! loaded into a fresh database; it is data, edited by a system administrator, not code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::sources::Source;

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

/// A name a body carried until a date (its current name is carried from `until` on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormerName {
    pub name: String,
    /// The first day on which the name was no longer carried.
    pub until: NaiveDate,
    /// For a jurisdiction: its division code under that name (旬阳县 610928 → 旬阳市 610981).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub division_code: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

/// The name valid on `date`: the earliest former name still carried then, else `current`.
/// `former` may be in any order.
pub fn name_on<'a>(current: &'a str, former: &'a [FormerName], date: NaiveDate) -> &'a str {
    former
        .iter()
        .filter(|f| date < f.until)
        .min_by_key(|f| f.until)
        .map_or(current, |f| f.name.as_str())
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
        self.former_relations
            .iter()
            .filter(|f| date < f.until)
            .min_by_key(|f| f.until)
            .map_or(self.relation, |f| f.relation)
    }

    /// Whether the body exists on `date`.
    pub fn exists_on(&self, date: NaiveDate) -> bool {
        self.ended_on.is_none_or(|end| date < end)
    }
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
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
    /// The township government's unified social credit code, when it holds powers of its own on
    /// Yiyin (own-power items are issued under its seal).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credit_code: String,
    #[serde(default)]
    pub villages: Vec<VillagePoint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
}

impl TownshipCentre {
    /// The place: 「涧池镇便民服务中心」.
    pub fn name(&self) -> String {
        format!("{}便民服务中心", self.town)
    }

    /// The authority: 「涧池镇人民政府」 (a township government, which can hold delegated powers
    /// and powers of its own; its convenience centre and village points are places, not
    /// authorities).
    pub fn government(&self) -> String {
        format!("{}人民政府", self.town)
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
        match self.department(code) {
            Some(d) => d.name.clone(),
            None if code.is_empty() => self
                .bureau
                .as_ref()
                .map_or(self.name.clone(), |b| b.name.clone()),
            None => code.to_string(),
        }
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

/// Who issues the documents of a case: the agency under whose seal (the bureau for transferred,
/// delegated and acceptance-point items; a resident department in its own name, Art. 22; a township
/// government for its own powers), the seal's name, the prefix of its document numbers, where its
/// decisions are challenged (Art. 38 para 2), and the credit code in its licences. Names are those
/// valid on the document's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub agency: String,
    pub seal: String,
    /// The holder whose seal signs: '' for the bureau's, a resident department's code, or a
    /// township's code for a township government's own powers.
    pub seal_holder: String,
    pub number_prefix: String,
    pub reconsideration_body: String,
    pub court: String,
    pub credit_code: String,
}

impl Issuer {
    /// The issuer on `date` of an item of `department`, handled in `mode`, in jurisdiction `j`, for
    /// a case received at `unit` (a township centre or one of its village points names the
    /// township whose government decides its own-power items; '' or a hall's unit names none).
    pub fn of(
        j: &Jurisdiction,
        department: &str,
        mode: crate::catalog::HandlingMode,
        unit: &str,
        date: NaiveDate,
    ) -> Issuer {
        use crate::catalog::HandlingMode;
        let bureau = j.bureau.as_ref();
        let bureau_credit = || bureau.map(|b| b.credit_code.clone()).unwrap_or_default();
        let township = j
            .township_of_unit(unit)
            .filter(|t| mode == HandlingMode::Township && !t.credit_code.is_empty());
        let (agency, seal, seal_holder, credit_code) = match (mode, township) {
            (HandlingMode::Resident, _) => {
                let name = j
                    .department(department)
                    .map_or(department.to_string(), |d| d.name_on(date).to_string());
                let seal = resident_seal_name(&name);
                (name, seal, department.to_string(), bureau_credit())
            }
            (HandlingMode::Township, Some(t)) => {
                let name = t.government();
                (
                    name.clone(),
                    resident_seal_name(&name),
                    t.code.clone(),
                    t.credit_code.clone(),
                )
            }
            // Transferred, delegated (the town decides in the bureau's name, Art. 24), acceptance
            // point (the town only receives), and an own-power item whose township is unknown.
            _ => (
                bureau.map_or(j.name_on(date).to_string(), |b| b.name_on(date).to_string()),
                bureau.map_or(String::new(), |b| b.seal_name_on(date)),
                String::new(),
                bureau_credit(),
            ),
        };
        let j_name = j.name_on(date);
        Issuer {
            agency,
            seal,
            seal_holder,
            number_prefix: if j.doc_prefix.is_empty() {
                format!("{j_name}审批")
            } else {
                j.doc_prefix.clone()
            },
            // 行政复议法 (2023) Art. 24: a county government department's decisions are reviewed
            // by the county government.
            reconsideration_body: if j.reconsideration_body.is_empty() {
                "本级人民政府".into()
            } else {
                j.reconsideration_body.replace(&j.name, j_name)
            },
            court: if j.court.is_empty() {
                "有管辖权的人民法院".into()
            } else {
                j.court.replace(&j.name, j_name)
            },
            credit_code,
        }
    }
}

/// The name of the approval seal of an authority deciding in its own name (a resident department, a
/// township government): 「汉阴县公安局行政许可专用章」.
pub fn resident_seal_name(authority: &str) -> String {
    format!("{authority}行政许可专用章")
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
            j.check_history()?;
        }
        Ok(())
    }
}

/// The longest former name, and the longest source citation, an organisation entry may carry.
const MAX_NAME_CHARS: usize = 100;
const MAX_CITE_CHARS: usize = 300;

impl Jurisdiction {
    /// Checks the history of the jurisdiction and of its bodies: former names and relations each
    /// with their own end date, successors that are departments of the same jurisdiction, ended
    /// bodies that no longer work from the hall, and bounded texts.
    fn check_history(&self) -> Result<(), OrgError> {
        check_former_names(&self.name, &self.former_names)?;
        check_sources(&self.name, &self.sources)?;
        if let Some(b) = &self.bureau {
            check_former_names(&b.name, &b.former_names)?;
            check_sources(&b.name, &b.sources)?;
        }
        for d in &self.departments {
            check_former_names(&d.name, &d.former_names)?;
            check_sources(&d.name, &d.sources)?;
            let mut untils = std::collections::HashSet::new();
            for r in &d.former_relations {
                if !untils.insert(r.until) {
                    return Err(OrgError(format!(
                        "{}有两项原与审批局关系的截止日期同为{}",
                        d.name, r.until
                    )));
                }
                check_sources(&d.name, &r.sources)?;
            }
            if let Some(s) = &d.successor
                && (s == &d.code || self.department(s).is_none())
            {
                return Err(OrgError(format!(
                    "{}的承继部门「{s}」不是{}的另一个部门",
                    d.name, self.name
                )));
            }
            if d.ended_on.is_some()
                && matches!(
                    d.relation,
                    DepartmentRelation::Resident | DepartmentRelation::PendingResidence
                )
            {
                return Err(OrgError(format!(
                    "{}已撤销（{}），不能再登记为「{}」",
                    d.name,
                    d.ended_on.map(|e| e.to_string()).unwrap_or_default(),
                    d.relation.label()
                )));
            }
        }
        for h in &self.halls {
            check_sources(&h.name, &h.sources)?;
        }
        for t in &self.townships {
            check_sources(&t.name(), &t.sources)?;
        }
        Ok(())
    }
}

/// A body's former names: each named, bounded, ending on a day of its own.
fn check_former_names(body: &str, former: &[FormerName]) -> Result<(), OrgError> {
    let mut untils = std::collections::HashSet::new();
    for f in former {
        let name = f.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(OrgError(format!(
                "{body}的曾用名须填写，且不超过{MAX_NAME_CHARS}个字符"
            )));
        }
        if !f.division_code.is_empty()
            && (f.division_code.len() != 6 || !f.division_code.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(OrgError(format!(
                "{body}曾用名「{name}」的行政区划代码应为6位数字"
            )));
        }
        if !untils.insert(f.until) {
            return Err(OrgError(format!(
                "{body}有两个曾用名的停用日期同为{}，每个曾用名须有各自的停用日期",
                f.until
            )));
        }
        check_sources(body, &f.sources)?;
    }
    Ok(())
}

/// Sources: each cites something, within bounds.
fn check_sources(body: &str, sources: &[Source]) -> Result<(), OrgError> {
    for s in sources {
        let n = s.cite.trim().chars().count();
        if n == 0 || n > MAX_CITE_CHARS {
            return Err(OrgError(format!(
                "{body}的数据来源（{}）须写明出处，且不超过{MAX_CITE_CHARS}个字符",
                s.kind.label()
            )));
        }
    }
    Ok(())
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

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The date of 安政办发〔2017〕144号, and a day in 2026.
    fn plan_day() -> NaiveDate {
        day(2017, 12, 15)
    }
    fn now() -> NaiveDate {
        day(2026, 6, 1)
    }

    #[test]
    fn the_four_pilots_are_built_in() {
        let org = Organisation::builtin();
        for (code, name) in [
            ("ankang", "安康市"),
            ("hanyin", "汉阴县"),
            ("ziyang", "紫阳县"),
            ("xunyang", "旬阳市"),
            ("gaoxin", "安康高新区"),
        ] {
            let j = org.jurisdiction(code).unwrap();
            assert_eq!(j.name, name);
            assert_eq!(j.name_on(now()), name);
        }
        for code in ["hanyin", "ziyang", "xunyang", "gaoxin"] {
            let j = org.jurisdiction(code).unwrap();
            assert!(j.has_catalog());
            assert_eq!(j.parent.as_deref(), Some("ankang"));
            assert!(!j.halls.is_empty(), "{code}");
        }
        // The counties have township centres with village points; the zone's plan names no town
        // (its villages are managed by the zone directly), so it has none.
        for code in ["hanyin", "ziyang", "xunyang"] {
            let j = org.jurisdiction(code).unwrap();
            assert!(j.townships.iter().any(|t| !t.villages.is_empty()), "{code}");
        }
        assert!(org.jurisdiction("gaoxin").unwrap().townships.is_empty());
    }

    #[test]
    fn xunyang_became_a_county_level_city_in_2021() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("xunyang").unwrap();
        assert_eq!(j.kind, JurisdictionKind::CountyCity);
        assert_eq!(
            (j.name.as_str(), j.division_code.as_str()),
            ("旬阳市", "610981")
        );
        assert_eq!(j.name_on(day(2020, 6, 1)), "旬阳县");
        assert_eq!(j.former_names[0].division_code, "610928");
        let b = j.bureau.as_ref().unwrap();
        assert_eq!(b.name_on(plan_day()), "旬阳县行政审批服务局");
        assert_eq!(
            b.seal_name_on(day(2020, 6, 1)),
            "旬阳县行政审批服务局行政审批专用章"
        );
        assert_eq!(b.seal_name_on(now()), "旬阳市行政审批服务局行政审批专用章");
        // Decisions are challenged before the bodies of the name valid on the decision's date.
        let mode = crate::catalog::HandlingMode::Transferred;
        let before = Issuer::of(j, "shichang", mode, "", day(2020, 6, 1));
        let after = Issuer::of(j, "shichang", mode, "", now());
        assert_eq!(
            (before.reconsideration_body.as_str(), before.court.as_str()),
            ("旬阳县人民政府", "旬阳县人民法院")
        );
        assert_eq!(
            (after.reconsideration_body.as_str(), after.court.as_str()),
            ("旬阳市人民政府", "旬阳市人民法院")
        );
        for d in j.departments.iter().filter(|d| d.exists_on(now())) {
            assert!(!d.name.contains("旬阳县"), "{}", d.name);
        }
        let market = j.department("shichang").unwrap();
        assert_eq!(market.name_on(day(2020, 6, 1)), "旬阳县市场监督管理局");
        assert_eq!(market.name_on(now()), "旬阳市市场监督管理局");
    }

    #[test]
    fn hanyin_has_the_fourteen_departments_its_plan_names() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("hanyin").unwrap();
        // (the plan's word, the department, its name when the plan was issued, its name in 2026).
        // The plan abbreviates; the full 2017 names expand its words.
        let plan = [
            (
                "发改局",
                "fagai",
                "汉阴县发展和改革局",
                "汉阴县发展和改革局",
            ),
            ("教体局", "jiaoti", "汉阴县教育体育局", "汉阴县教育体育局"),
            ("民政局", "minzheng", "汉阴县民政局", "汉阴县民政局"),
            (
                "人社局",
                "renshe",
                "汉阴县人力资源和社会保障局",
                "汉阴县人力资源和社会保障局",
            ),
            ("国土局", "guotu", "汉阴县国土资源局", "汉阴县自然资源局"),
            (
                "环保局",
                "huanbao",
                "汉阴县环境保护局",
                "安康市生态环境局汉阴分局",
            ),
            (
                "住建局",
                "zhujian",
                "汉阴县住房和城乡建设局",
                "汉阴县住房和城乡建设局",
            ),
            ("交通局", "jiaotong", "汉阴县交通运输局", "汉阴县交通运输局"),
            ("水利局", "shuili", "汉阴县水利局", "汉阴县水利局"),
            (
                "农林科技局",
                "nonglin",
                "汉阴县农林科技局",
                "汉阴县农业农村局",
            ),
            (
                "文广旅游局",
                "wenguang",
                "汉阴县文化广电旅游局",
                "汉阴县文化和旅游广电局",
            ),
            (
                "卫计局",
                "weiji",
                "汉阴县卫生和计划生育局",
                "汉阴县卫生健康局",
            ),
            (
                "市场监管局",
                "shichang",
                "汉阴县市场监督管理局",
                "汉阴县市场监督管理局",
            ),
            (
                "安监局",
                "anjian",
                "汉阴县安全生产监督管理局",
                "汉阴县应急管理局",
            ),
        ];
        for (word, code, then, now_name) in plan {
            let d = j
                .department(code)
                .unwrap_or_else(|| panic!("missing {word}"));
            assert_eq!(d.name_on(plan_day()), then, "{word}");
            assert_eq!(d.name_on(now()), now_name, "{word}");
            assert_eq!(d.relation_on(plan_day()), DepartmentRelation::Transferred);
            assert!(
                d.sources
                    .iter()
                    .any(|s| s.kind == crate::sources::SourceKind::Seed && s.cite.contains(word)),
                "{word}: the plan's word is cited"
            );
        }
        // The environment office is now a branch of the city's bureau, managed from above.
        assert_eq!(
            j.department("huanbao").unwrap().management,
            Management::Vertical
        );
        // The vertically managed tax office works from the hall, as the plan says.
        let tax = j.department("shuiwu").unwrap();
        assert_eq!(
            (tax.relation, tax.management),
            (DepartmentRelation::Resident, Management::Vertical)
        );
    }

    #[test]
    fn gaoxin_has_both_groups_of_its_plan() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("gaoxin").unwrap();
        let relation = |code: &str| {
            let d = j
                .department(code)
                .unwrap_or_else(|| panic!("missing {code}"));
            assert!(d.exists_on(plan_day()), "{code}");
            d.relation_on(plan_day())
        };
        let eight = [
            "jingfa",
            "chengguan",
            "huanbao",
            "jiaowen",
            "anjian",
            "budongchan",
            "gongshang",
            "shiyaojian",
        ];
        let seven = [
            "guihua", "guotu", "guoshui", "dishui", "shequ", "gongan", "xiaofang",
        ];
        for code in eight {
            assert_eq!(relation(code), DepartmentRelation::Transferred, "{code}");
        }
        for code in seven {
            assert_eq!(relation(code), DepartmentRelation::Resident, "{code}");
        }
        // The merged bodies ended, each with its successor; the plan's 民生服务中心 is a hall.
        for (code, heir) in [
            ("gongshang", "shichang"),
            ("shiyaojian", "shichang"),
            ("guoshui", "shuiwu"),
            ("dishui", "shuiwu"),
        ] {
            let d = j.department(code).unwrap();
            assert!(!d.exists_on(now()), "{code}");
            assert_eq!(d.successor.as_deref(), Some(heir));
        }
        assert!(j.halls.iter().any(|h| h.name == "安康高新区民生服务中心"));
        assert_eq!(
            j.department("xiaofang").unwrap().name_on(plan_day()),
            "高新区消防大队"
        );
    }

    #[test]
    fn xunyang_tax_offices_wait_for_the_bureau_building() {
        let org = Organisation::builtin();
        let j = org.jurisdiction("xunyang").unwrap();
        for code in ["guoshui", "dishui"] {
            let d = j.department(code).unwrap();
            assert_eq!(
                d.relation_on(plan_day()),
                DepartmentRelation::PendingResidence
            );
            assert_eq!(d.ended_on, Some(day(2018, 7, 20)));
            assert_eq!(d.successor.as_deref(), Some("shuiwu"));
        }
        let tax = j.department("shuiwu").unwrap();
        assert_eq!(tax.relation, DepartmentRelation::PendingResidence);
        assert_eq!(tax.name_on(day(2019, 1, 1)), "国家税务总局旬阳县税务局");
        // The hotline centre is the county's, beside the bureau; 国土 is dual-managed and resident.
        assert_eq!(
            j.department("suqiu").unwrap().relation,
            DepartmentRelation::CountyUnit
        );
        let land = j.department("guotu").unwrap();
        assert_eq!(
            (land.relation, land.management),
            (DepartmentRelation::Resident, Management::Dual)
        );
        assert!(j.department("gongan").is_some());
    }

    #[test]
    fn batches_are_given_only_where_a_document_states_them() {
        let org = Organisation::builtin();
        let batched: Vec<_> = org
            .jurisdictions
            .iter()
            .flat_map(|j| j.departments.iter().map(move |d| (j.code.as_str(), d)))
            .filter(|(_, d)| d.batch.is_some())
            .map(|(j, d)| (j, d.code.as_str(), d.batch))
            .collect();
        assert_eq!(batched, [("ziyang", "jiaotong", Some(3))]);
        let d = org
            .jurisdiction("ziyang")
            .unwrap()
            .department("jiaotong")
            .unwrap();
        assert!(
            d.sources
                .iter()
                .any(|s| s.cite.contains("紫政办发〔2021〕57号"))
        );
        assert_eq!(d.relation_on(day(2021, 1, 1)), DepartmentRelation::Resident);
        assert_eq!(d.relation_on(now()), DepartmentRelation::Transferred);
    }

    #[test]
    fn every_entry_says_where_it_comes_from() {
        let org = Organisation::builtin();
        for j in &org.jurisdictions {
            assert!(!j.sources.is_empty(), "{}", j.name);
            let Some(b) = &j.bureau else { continue };
            // Credit codes are placeholders: the bureau says so.
            assert!(crate::sources::is_assumed(&b.sources), "{}", b.name);
            for d in &j.departments {
                assert!(!d.sources.is_empty(), "{}", d.name);
            }
            for h in &j.halls {
                // Addresses, phones and window numbers are the demo's.
                assert!(crate::sources::is_assumed(&h.sources), "{}", h.name);
            }
            for t in &j.townships {
                assert!(!t.sources.is_empty(), "{}", t.town);
                if !t.credit_code.is_empty() || !t.villages.is_empty() {
                    assert!(crate::sources::is_assumed(&t.sources), "{}", t.town);
                }
            }
        }
    }

    #[test]
    fn resident_departments_have_a_window() {
        let org = Organisation::builtin();
        for j in org.jurisdictions.iter().filter(|j| j.has_catalog()) {
            for d in j.departments.iter().filter(|d| {
                d.exists_on(now()) && d.relation_on(now()) == DepartmentRelation::Resident
            }) {
                assert!(
                    j.halls
                        .iter()
                        .flat_map(|h| &h.windows)
                        .any(|w| w.department.as_deref() == Some(d.code.as_str())),
                    "{} has no window",
                    d.name
                );
            }
        }
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

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn former(name: &str, until: &str) -> FormerName {
        FormerName {
            name: name.into(),
            until: date(until),
            division_code: String::new(),
            sources: vec![],
        }
    }

    /// A county renamed on 2021-06-07 (县 → 市), its bureau with it, a department renamed twice
    /// (the former names listed out of order), which left the hall on 2019-03-01 and ended on
    /// 2024-01-01; and a township holding powers of its own.
    fn renamed() -> Jurisdiction {
        let text = r#"
[[jurisdictions]]
code = "x"
name = "某某市"
kind = "county"
division_code = "610981"
reconsideration_body = "某某市人民政府"
court = "某某市人民法院"
former_names = [{ name = "某某县", until = "2021-06-07", division_code = "610928" }]

[jurisdictions.bureau]
name = "某某市行政审批服务局"
credit_code = "11610981MB0000000X"
seal_name = "某某市行政审批服务局行政审批专用章"
former_names = [{ name = "某某县行政审批服务局", until = "2021-06-07" }]

[[jurisdictions.departments]]
code = "ga"
name = "某某市公安局"
relation = "resident"
former_names = [{ name = "某某县公安局", until = "2021-06-07" }]

[[jurisdictions.departments]]
code = "zr"
name = "某某市自然资源局"
relation = "transferred"
former_names = [
  { name = "某某县国土资源局", until = "2019-03-01" },
  { name = "某某县自然资源局", until = "2021-06-07" },
]
former_relations = [{ relation = "resident", until = "2019-03-01" }]
ended_on = "2024-01-01"
successor = "ga"

[[jurisdictions.townships]]
code = "jc"
town = "涧池镇"
credit_code = "11610921MB0000001X"
villages = [{ code = "jc-v1", name = "涧池镇仁和村代办点" }]
"#;
        let org = Organisation::from_toml(text).unwrap();
        org.jurisdictions[0].clone()
    }

    #[test]
    fn names_relations_and_existence_follow_the_date() {
        let j = renamed();
        assert_eq!(j.name_on(date("2021-06-06")), "某某县");
        assert_eq!(j.name_on(date("2021-06-07")), "某某市");
        let b = j.bureau.as_ref().unwrap();
        assert_eq!(
            b.seal_name_on(date("2020-01-01")),
            "某某县行政审批服务局行政审批专用章"
        );
        assert_eq!(
            b.seal_name_on(date("2026-01-01")),
            "某某市行政审批服务局行政审批专用章"
        );
        let zr = j.department("zr").unwrap();
        assert_eq!(zr.name_on(date("2018-12-31")), "某某县国土资源局");
        assert_eq!(zr.name_on(date("2019-03-01")), "某某县自然资源局");
        assert_eq!(zr.name_on(date("2021-06-07")), "某某市自然资源局");
        assert_eq!(
            zr.relation_on(date("2019-02-28")),
            DepartmentRelation::Resident
        );
        assert_eq!(
            zr.relation_on(date("2019-03-01")),
            DepartmentRelation::Transferred
        );
        assert!(zr.exists_on(date("2023-12-31")));
        assert!(!zr.exists_on(date("2024-01-01")));
        assert_eq!(
            j.department_name_on("zr", date("2018-01-01")),
            "某某县国土资源局"
        );
        assert_eq!(
            j.department_name_on("", date("2018-01-01")),
            "某某县行政审批服务局"
        );
    }

    #[test]
    fn documents_carry_the_names_valid_on_their_date() {
        use crate::catalog::HandlingMode;
        let j = renamed();
        let before = Issuer::of(&j, "zr", HandlingMode::Transferred, "", date("2021-06-06"));
        assert_eq!(before.agency, "某某县行政审批服务局");
        assert_eq!(before.seal, "某某县行政审批服务局行政审批专用章");
        assert_eq!(before.seal_holder, "");
        assert_eq!(before.reconsideration_body, "某某县人民政府");
        assert_eq!(before.court, "某某县人民法院");
        let after = Issuer::of(&j, "zr", HandlingMode::Transferred, "", date("2021-06-07"));
        assert_eq!(after.agency, "某某市行政审批服务局");
        assert_eq!(after.reconsideration_body, "某某市人民政府");
        // A resident department in its own name, as named that day.
        let ga = Issuer::of(&j, "ga", HandlingMode::Resident, "", date("2020-01-01"));
        assert_eq!(
            (
                ga.agency.as_str(),
                ga.seal.as_str(),
                ga.seal_holder.as_str()
            ),
            ("某某县公安局", "某某县公安局行政许可专用章", "ga")
        );
        // The township government decides its own powers under its own seal, wherever in the
        // township the case was received; delegated and acceptance-point items stay the bureau's.
        for unit in ["jc", "jc-v1"] {
            let t = Issuer::of(&j, "zr", HandlingMode::Township, unit, date("2026-01-01"));
            assert_eq!(t.agency, "涧池镇人民政府");
            assert_eq!(t.seal, "涧池镇人民政府行政许可专用章");
            assert_eq!(t.seal_holder, "jc");
            assert_eq!(t.credit_code, "11610921MB0000001X");
        }
        for mode in [HandlingMode::Delegated, HandlingMode::AcceptancePoint] {
            let i = Issuer::of(&j, "zr", mode, "jc", date("2026-01-01"));
            assert_eq!(
                (i.agency.as_str(), i.seal_holder.as_str()),
                ("某某市行政审批服务局", "")
            );
            assert_eq!(i.credit_code, "11610981MB0000000X");
        }
    }

    #[test]
    fn histories_that_do_not_hold_together_are_refused() {
        let base = Organisation {
            jurisdictions: vec![renamed()],
        };
        assert!(base.check().is_ok());
        let refused = |change: &dyn Fn(&mut Jurisdiction), expect: &str| {
            let mut org = base.clone();
            change(&mut org.jurisdictions[0]);
            let err = org.check().unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
        };
        refused(
            &|j| {
                j.former_names.push(former("某某镇", "2021-06-07"));
            },
            "停用日期同为2021-06-07",
        );
        refused(
            &|j| j.departments[1].successor = Some("nowhere".into()),
            "承继部门「nowhere」",
        );
        refused(
            &|j| j.departments[1].successor = Some("zr".into()),
            "承继部门「zr」",
        );
        refused(
            &|j| j.departments[1].relation = DepartmentRelation::PendingResidence,
            "已撤销",
        );
        refused(
            &|j| {
                j.departments[0]
                    .former_names
                    .push(former(&"名".repeat(101), "2000-01-01"))
            },
            "曾用名须填写",
        );
        refused(
            &|j| j.former_names[0].division_code = "61".into(),
            "6位数字",
        );
        refused(
            &|j| {
                j.departments[0].sources.push(Source {
                    kind: crate::sources::SourceKind::Document,
                    cite: " ".into(),
                })
            },
            "须写明出处",
        );
    }

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
