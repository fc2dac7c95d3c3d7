//! The catalog (行政许可事项目录): each jurisdiction's items with every element of the implementation
//! list (实施清单), their validation, their versions and the public changelog.
//!
//! An item is drafted, published with an effective date, adjusted (a new version) and retired. Every
//! published version is kept; [`as_of`] reads the catalog as it stood on any date; [`diff_items`]
//! says, field by field in Chinese, what changed between two versions. Outside the published catalog
//! there is no approval (目录之外无审批): [`active_version`] is the only way to the item a case
//! applies for.
//!
//! Reading order: this module (the item and its elements), `validate` (every rule an item must
//! satisfy, and the Chinese names of its fields), `versions` (publication, adjustment, retirement
//! and reading the catalog as of a date), `diff` (what changed between two versions).

pub mod bundle;
mod diff;
mod flow;
pub mod form;
mod limits;
pub mod template;
mod validate;
mod versions;

pub use diff::{FieldChange, diff_items};
pub use flow::{BranchOutcome, FlowBranch, FlowStep, procedure_flow};
pub use form::{Form, FormError};
pub use template::{LicenceEntry, LicenceTemplate};
pub use validate::{FieldError, field_label, valid_code};
pub use versions::{CatalogError, Publication, active_version, as_of, next_version, retirement};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::roles::Role;
use crate::sources::Source;

labelled_enum!(
    /// 时限单位: in what days an item's limits are counted.
    #[derive(Default)]
    LimitUnit {
        /// 工作日 (Art. 82: the Licensing Law's limits are working days).
        #[default]
        WorkingDays = ("working_days", "工作日"),
        /// 自然日 (日), where the item's own law counts calendar days.
        CalendarDays = ("calendar_days", "自然日", "日"),
    }
);

impl LimitUnit {
    pub fn is_working(&self) -> bool {
        *self == Self::WorkingDays
    }
}

/// An item's entry in the national list of licensing items (行政许可事项清单): its code and name
/// as the list gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalRef {
    pub code: String,
    pub name: String,
}

labelled_enum!(
    /// 事项类型
    ItemKind {
        Licensing = ("licensing", "行政许可"),
        PublicService = ("public_service", "公共服务"),
        Filing = ("filing", "备案"),
        OtherApproval = ("other_approval", "其他审批"),
    }
);

labelled_enum!(
    /// 办理方式: who approves under whose seal.
    HandlingMode {
        /// 划转: the bureau approves under its seal.
        Transferred = ("transferred", "划转审批局", "划转"),
        /// 进驻: the department approves at its window in the hall.
        Resident = ("resident", "部门进驻", "进驻"),
        /// 委托: a township government decides it by delegation, in the bureau's name (Art. 24).
        Delegated = ("delegated", "委托镇办理", "委托"),
        /// 镇政府自有权限: the township government's own power (e.g. 宅基地, 土地管理法 Art. 62),
        /// decided in its own name under its own seal.
        Township = ("township", "镇人民政府审批", "镇自有"),
        /// 镇代收: the township's convenience centre only receives; the bureau decides.
        AcceptancePoint = ("acceptance_point", "镇便民服务中心代收", "代收"),
    }
);

labelled_enum!(
    /// 办件类型
    HandlingClass {
        /// 即收即办件: decided on the spot.
        Instant = ("instant", "即办件", "即收即办件"),
        /// 周期办理件 / 承诺件
        Promised = ("promised", "承诺件", "周期办理件"),
        /// 预审办理件
        PreReviewed = ("pre_reviewed", "预审件", "预审办理件"),
    }
);

labelled_enum!(
    /// 材料必要性
    Necessity {
        Required = ("required", "必要"),
        Conditional = ("conditional", "依情形提交", "依情形"),
        Optional = ("optional", "非必要"),
    }
);

labelled_enum!(
    /// 材料形式
    MaterialForm {
        Original = ("original", "原件"),
        Copy = ("copy", "复印件"),
        OriginalAndCopy = ("original_and_copy", "原件和复印件", "原件及复印件"),
        Electronic = ("electronic", "电子材料", "电子"),
    }
);

labelled_enum!(
    /// 材料来源
    MaterialSource {
        Applicant = ("applicant", "申请人自备"),
        Government = ("government", "政府部门核发"),
        Agency = ("agency", "中介机构出具"),
        Shared = ("shared", "部门共享（免提交）"),
        /// A licence Yiyin itself issued, read from its own licence register.
        LicenceRegister = ("licence_register", "证照库（免提交）"),
    }
);

impl MaterialSource {
    /// Whether a material from this source is fetched (部门共享 or 证照库), not asked of the
    /// applicant (Art. 33: agencies share licensing information).
    pub fn is_fetched(self) -> bool {
        matches!(
            self,
            MaterialSource::Shared | MaterialSource::LicenceRegister
        )
    }
}

labelled_enum!(
    /// 办理环节
    StepKind {
        Acceptance = ("acceptance", "受理"),
        Review = ("review", "审查"),
        Verification = ("verification", "核查"),
        SiteInspection = ("site_inspection", "现场踏勘"),
        TechnicalReview = ("technical_review", "技术审查"),
        DrawingReview = ("drawing_review", "施工图审查", "图审"),
        ExpertReview = ("expert_review", "专家评审"),
        Hearing = ("hearing", "听证"),
        PublicNotice = ("public_notice", "公示"),
        Decision = ("decision", "决定"),
        Certificate = ("certificate", "制证"),
        Release = ("release", "出件送达", "送达"),
    }
);

labelled_enum!(
    /// 结果类型
    ResultKind {
        Licence = ("licence", "证照"),
        ApprovalDocument = ("approval_document", "批准文件"),
        Certificate = ("certificate", "资格资质证书"),
        FilingReceipt = ("filing_receipt", "备案回执"),
        Other = ("other", "其他"),
    }
);

labelled_enum!(
    /// 服务对象
    Subject {
        Person = ("person", "自然人"),
        Organisation = ("organisation", "法人和其他组织", "法人"),
        Both = ("both", "自然人、法人和其他组织", "自然人和法人"),
    }
);

impl Subject {
    /// Whether an item for this service subject serves applicants of `kind`: the portal's 个人办事
    /// lists the items serving persons, 法人办事 those serving organisations (both list `Both`).
    pub fn serves(self, kind: crate::party::SubjectKind) -> bool {
        use crate::party::SubjectKind;
        matches!(
            (self, kind),
            (Subject::Both, _)
                | (Subject::Person, SubjectKind::Person)
                | (Subject::Organisation, SubjectKind::Organisation)
        )
    }
}

/// 申请材料
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub code: String,
    pub name: String,
    pub necessity: Necessity,
    /// When `necessity` is conditional: the situation in which it is needed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    pub form: MaterialForm,
    pub copies: u32,
    pub source: MaterialSource,
    /// The name of the blank form (空白表格) the bureau provides free of charge (Art. 58), if any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub blank_form: String,
    /// What the filled-in sample (示例样本) shows, if one is published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sample: String,
    /// Non-core material that may be supplied after acceptance (容缺).
    #[serde(default)]
    pub deferrable: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// 收费项目
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fee {
    pub name: String,
    pub standard: String,
    pub basis: String,
}

impl Fee {
    /// Reads a fee written on one line as `名称|标准|依据` (a full-width bar also separates).
    pub fn parse_line(line: &str) -> Option<Fee> {
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        match parts.as_slice() {
            [name, standard, basis] => Some(Fee {
                name: name.to_string(),
                standard: standard.to_string(),
                basis: basis.to_string(),
            }),
            _ => None,
        }
    }

    /// The fee on one line, as [`Fee::parse_line`] reads it.
    pub fn line(&self) -> String {
        format!("{}|{}|{}", self.name, self.standard, self.basis)
    }
}

/// One step of the procedure list (程序清单) with its responsible role (责任清单) and time budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub kind: StepKind,
    pub name: String,
    pub role: Role,
    /// Working days budgeted for the step (0 = same day).
    pub days: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub standard: String,
}

/// 审批结果
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemResult {
    pub name: String,
    pub kind: ResultKind,
    /// Description of the published result sample (结果样本).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sample: String,
    /// Validity of the licence in years, if it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_years: Option<u32>,
    /// The licence template (证照模板): the fields the licence shows, filled at issuance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<LicenceTemplate>,
}

/// 常见问题
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Faq {
    pub question: String,
    pub answer: String,
}

/// One item of a jurisdiction's catalog: every element of its implementation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    /// 事项编码, unique within the jurisdiction.
    pub code: String,
    pub name: String,
    pub kind: ItemKind,
    /// The department whose power this is (原审批部门 for transferred items, the approving department
    /// for resident items).
    pub department: String,
    /// The department that supervises licensees after approval (审管分离).
    pub supervising_department: String,
    pub handling_mode: HandlingMode,
    pub handling_class: HandlingClass,
    /// For delegated items: the township centres that handle it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegated_to: Vec<String>,
    pub subject: Subject,
    /// 设定依据: one entry per law or regulation, with the article.
    pub legal_basis: Vec<String>,
    /// 受理条件 / 许可条件
    pub conditions: Vec<String>,
    pub materials: Vec<Material>,
    /// 法定时限 in working days.
    pub statutory_days: u32,
    /// 承诺时限 in working days (0 for items decided on the spot).
    pub promised_days: u32,
    /// Joint, unified or centralised handling by several departments (Art. 26, 42 para 2).
    #[serde(default)]
    pub joint: bool,
    /// Empty means free of charge (Art. 58).
    #[serde(default)]
    pub fees: Vec<Fee>,
    /// 网上办理深度, 1–4 (四级 = 全程网办, no visit).
    pub online_depth: u8,
    /// How many times the applicant must come in person (0 = 不见面审批).
    #[serde(default)]
    pub visits: u8,
    /// On the notify-and-commit green list (告知承诺绿色清单).
    #[serde(default)]
    pub green_list: bool,
    /// For green-list items: working days within which the supervising department verifies the
    /// commitment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_check_days: Option<u32>,
    /// The one extension's length in working days set by the item's own law (Art. 42:
    /// 法律、法规另有规定的，依照其规定); absent: Art. 42's 10 days (15 for joint handling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_days: Option<u32>,
    /// The legal basis of `extension_days` (the law or regulation and its article).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extension_basis: String,
    /// The unit of `statutory_days`, `promised_days` and `extension_days`: working days (the
    /// Licensing Law's, Art. 82) unless the item's own law counts calendar days.
    #[serde(default, skip_serializing_if = "LimitUnit::is_working")]
    pub limit_unit: LimitUnit,
    /// The law and article that set `statutory_days` and its unit (empty: Art. 42's 20 working
    /// days).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub limit_basis: String,
    /// For joint, unified or centralised handling: the other departments taking part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint_departments: Vec<String>,
    /// Its entry in the national list of licensing items (行政许可事项清单).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national: Option<NationalRef>,
    /// Where the item's facts come from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Licences limited in number, granted in order of acceptance (Art. 57).
    #[serde(default)]
    pub quantity_limited: bool,
    pub steps: Vec<Step>,
    pub result: ItemResult,
    /// Life events (个人生命周期) or business topics (企业主题) the item belongs to.
    #[serde(default)]
    pub topics: Vec<String>,
    pub place: String,
    pub hours: String,
    pub phone: String,
    #[serde(default)]
    pub faq: Vec<Faq>,
    /// The application form (一张表单), if the item defines one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Form>,
}

impl StepKind {
    /// Whether the step checks the substance of the materials and so needs two or more staff
    /// (Art. 34 para 3).
    pub fn needs_two_staff(self) -> bool {
        matches!(self, StepKind::Verification | StepKind::SiteInspection)
    }
}

labelled_enum!(
    /// What a version did to its item.
    ChangeKind {
        /// The item's first publication.
        Added = ("added", "新增"),
        /// A new version of an item in force.
        Adjusted = ("adjusted", "调整"),
        /// The item leaves the catalog.
        Retired = ("retired", "取消"),
    }
);

/// One published version of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemVersion {
    pub jurisdiction: String,
    pub code: String,
    /// 1, 2, 3 … in order of publication.
    pub version: u32,
    pub change: ChangeKind,
    pub effective_on: NaiveDate,
    /// The item as published (for a retirement: the item as it was when retired).
    pub item: Item,
    /// Why the change was made (调整说明).
    pub note: String,
    pub published_on: NaiveDate,
    pub published_by: String,
}

/// A catalog file: one jurisdiction's items, in TOML or JSON (the documented text format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogFile {
    pub jurisdiction: String,
    pub items: Vec<Item>,
}

#[cfg(test)]
pub(crate) mod tests;
