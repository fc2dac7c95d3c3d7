//! The catalog (行政许可事项目录): each jurisdiction's items with every element of the implementation
//! list (实施清单), their validation, their versions and the public changelog.
//!
//! An item is drafted, published with an effective date, adjusted (a new version) and retired. Every
//! published version is kept; [`as_of`] reads the catalog as it stood on any date; [`diff_items`]
//! says, field by field in Chinese, what changed between two versions. Outside the published catalog
//! there is no approval (目录之外无审批): [`active_version`] is the only way to the item a case
//! applies for.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::fmt_date;
use crate::org::{DepartmentRelation, Jurisdiction};
use crate::roles::Role;

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
        /// 委托: a township handles it by delegation.
        Delegated = ("delegated", "委托镇办理", "委托"),
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
    }
);

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
}

/// A problem with one field of an item, e.g. `materials[2].copies`: 「份数至少为1」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", field_label(&self.field), self.message)
    }
}

fn err(out: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    out.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// Whether a code is made of letters, digits, `-`, `_` and `.` (≤ 40 characters).
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl Item {
    /// Checks the item on its own and against its jurisdiction's organisation. Returns every problem.
    pub fn validate(&self, jurisdiction: &Jurisdiction) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !valid_code(&self.code) {
            err(
                &mut e,
                "code",
                "事项编码只能由字母、数字、-、_、. 组成，且不超过40个字符",
            );
        }
        for (field, value) in [
            ("name", &self.name),
            ("place", &self.place),
            ("hours", &self.hours),
            ("phone", &self.phone),
        ] {
            if value.trim().is_empty() {
                err(&mut e, field, "不能为空");
            }
        }
        match jurisdiction.department(&self.department) {
            None => err(
                &mut e,
                "department",
                format!(
                    "{}没有代码为「{}」的部门",
                    jurisdiction.name, self.department
                ),
            ),
            Some(d) => {
                if self.handling_mode == HandlingMode::Resident
                    && d.relation != DepartmentRelation::Resident
                {
                    err(
                        &mut e,
                        "handling_mode",
                        format!("「{}」的审批权已划转，不能按部门进驻方式办理", d.name),
                    );
                }
                if self.handling_mode == HandlingMode::Transferred
                    && d.relation == DepartmentRelation::Resident
                {
                    err(
                        &mut e,
                        "handling_mode",
                        format!("「{}」为进驻部门，其事项尚未划转审批局", d.name),
                    );
                }
                if matches!(
                    d.relation,
                    DepartmentRelation::TechnicalInstitution | DepartmentRelation::ServiceUnit
                ) {
                    err(
                        &mut e,
                        "department",
                        format!("「{}」不是行政审批部门，不能作为实施部门", d.name),
                    );
                }
            }
        }
        if jurisdiction
            .department(&self.supervising_department)
            .is_none()
        {
            err(
                &mut e,
                "supervising_department",
                format!(
                    "{}没有代码为「{}」的部门",
                    jurisdiction.name, self.supervising_department
                ),
            );
        }
        match self.handling_mode {
            HandlingMode::Delegated => {
                if self.delegated_to.is_empty() {
                    err(
                        &mut e,
                        "delegated_to",
                        "委托镇办理的事项须列出承接的镇便民服务中心",
                    );
                }
                for t in &self.delegated_to {
                    if jurisdiction.township(t).is_none() {
                        err(
                            &mut e,
                            "delegated_to",
                            format!("{}没有代码为「{t}」的镇便民服务中心", jurisdiction.name),
                        );
                    }
                }
            }
            _ => {
                if !self.delegated_to.is_empty() {
                    err(
                        &mut e,
                        "delegated_to",
                        "只有委托镇办理的事项才能列出承接的镇",
                    );
                }
            }
        }
        if self.legal_basis.iter().all(|b| b.trim().is_empty()) {
            err(
                &mut e,
                "legal_basis",
                "至少列出一项设定依据（法律、法规及条款）",
            );
        }
        if self.conditions.iter().all(|c| c.trim().is_empty()) {
            err(&mut e, "conditions", "至少列出一项受理条件");
        }
        self.validate_limits(&mut e);
        self.validate_materials(&mut e);
        self.validate_steps(&mut e);
        if !(1..=4).contains(&self.online_depth) {
            err(&mut e, "online_depth", "网上办理深度应为1至4级");
        }
        if self.online_depth == 4 && self.visits > 0 {
            err(&mut e, "visits", "全程网办（四级）的事项到现场次数应为0");
        }
        match (self.green_list, self.commitment_check_days) {
            (true, None | Some(0)) => err(
                &mut e,
                "commitment_check_days",
                "告知承诺事项须设定监管部门核查承诺的期限（工作日）",
            ),
            (false, Some(_)) => err(
                &mut e,
                "commitment_check_days",
                "只有列入告知承诺绿色清单的事项才设核查期限",
            ),
            _ => {}
        }
        if self.green_list
            && self.kind != ItemKind::Licensing
            && self.kind != ItemKind::OtherApproval
        {
            err(
                &mut e,
                "green_list",
                "告知承诺只适用于行政许可和其他审批事项",
            );
        }
        for (i, f) in self.fees.iter().enumerate() {
            if f.name.trim().is_empty() || f.standard.trim().is_empty() || f.basis.trim().is_empty()
            {
                err(
                    &mut e,
                    format!("fees[{i}]"),
                    "收费项目须写明名称、标准和依据（依《行政许可法》第五十八条，收费须有法律、行政法规依据）",
                );
            }
        }
        if self.result.name.trim().is_empty() {
            err(&mut e, "result.name", "不能为空");
        }
        if self.result.validity_years == Some(0) {
            err(
                &mut e,
                "result.validity_years",
                "有效期至少为1年，不设有效期请留空",
            );
        }
        for (i, q) in self.faq.iter().enumerate() {
            if q.question.trim().is_empty() || q.answer.trim().is_empty() {
                err(&mut e, format!("faq[{i}]"), "问题和解答都不能为空");
            }
        }
        e
    }

    fn validate_limits(&self, e: &mut Vec<FieldError>) {
        let instant = self.handling_class == HandlingClass::Instant;
        if self.statutory_days == 0 && !instant {
            err(e, "statutory_days", "法定时限至少为1个工作日");
        }
        if instant && self.promised_days != 0 {
            err(e, "promised_days", "即办件当场办结，承诺时限应为0");
        }
        if !instant && self.promised_days == 0 {
            err(
                e,
                "promised_days",
                "承诺件、预审件的承诺时限至少为1个工作日",
            );
        }
        if self.promised_days > self.statutory_days {
            err(
                e,
                "promised_days",
                format!(
                    "承诺时限（{}个工作日）不得超过法定时限（{}个工作日）",
                    self.promised_days, self.statutory_days
                ),
            );
        }
        if instant && self.joint {
            err(e, "joint", "联合办理的事项不能作为即办件");
        }
    }

    fn validate_materials(&self, e: &mut Vec<FieldError>) {
        let mut codes = std::collections::HashSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let f = |s: &str| format!("materials[{i}].{s}");
            if !valid_code(&m.code) {
                err(e, f("code"), "材料编码只能由字母、数字、-、_、. 组成");
            } else if !codes.insert(m.code.as_str()) {
                err(e, f("code"), format!("材料编码「{}」重复", m.code));
            }
            if m.name.trim().is_empty() {
                err(e, f("name"), "不能为空");
            }
            if m.copies == 0
                && m.form != MaterialForm::Electronic
                && m.source != MaterialSource::Shared
            {
                err(e, f("copies"), "纸质材料份数至少为1");
            }
            if m.necessity == Necessity::Conditional && m.condition.trim().is_empty() {
                err(e, f("condition"), "依情形提交的材料须写明适用情形");
            }
            if m.deferrable && m.necessity == Necessity::Optional {
                err(e, f("deferrable"), "非必要材料无须容缺");
            }
        }
        if self.materials.is_empty() {
            err(e, "materials", "至少列出一项申请材料");
        }
        let deferrable = self.materials.iter().filter(|m| m.deferrable).count();
        if deferrable > 0 && deferrable == self.required_materials().count() {
            err(
                e,
                "materials",
                "容缺受理只适用于非核心材料，不能所有必要材料都可容缺",
            );
        }
    }

    fn validate_steps(&self, e: &mut Vec<FieldError>) {
        if self.steps.is_empty() {
            err(e, "steps", "至少列出受理和决定两个办理环节");
            return;
        }
        let decisions = self
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Decision)
            .count();
        if decisions != 1 {
            err(e, "steps", "办理环节中须有且只有一个“决定”环节");
        }
        if self.steps[0].kind != StepKind::Acceptance {
            err(e, "steps[0].kind", "第一个环节应为“受理”");
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.name.trim().is_empty() {
                err(e, format!("steps[{i}].name"), "不能为空");
            }
            if !s.role.can_own_step(s.kind) {
                err(
                    e,
                    format!("steps[{i}].role"),
                    format!("“{}”环节不能由{}负责", s.kind.label(), s.role.label()),
                );
            }
        }
        let budget: u32 = self.steps.iter().map(|s| s.days).sum();
        if self.handling_class != HandlingClass::Instant && budget > self.promised_days {
            err(
                e,
                "steps",
                format!(
                    "各环节时限合计{}个工作日，超过承诺时限{}个工作日",
                    budget, self.promised_days
                ),
            );
        }
        if self.handling_class == HandlingClass::Instant && budget > 0 {
            err(e, "steps", "即办件各环节均应当场办结（时限为0）");
        }
    }

    /// The materials the applicant must always bring.
    pub fn required_materials(&self) -> impl Iterator<Item = &Material> {
        self.materials
            .iter()
            .filter(|m| m.necessity == Necessity::Required)
    }

    pub fn material(&self, code: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.code == code)
    }

    /// 「不收费」 or the fee names.
    pub fn fee_summary(&self) -> String {
        if self.fees.is_empty() {
            "不收费".to_string()
        } else {
            self.fees
                .iter()
                .map(|f| format!("{}：{}", f.name, f.standard))
                .collect::<Vec<_>>()
                .join("；")
        }
    }
}

/// The Chinese name of a field path such as `materials[2].copies` → 「申请材料第3项·份数」.
pub fn field_label(path: &str) -> String {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let label = FIELD_LABELS
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .unwrap_or(name);
        out.push(match index {
            Some(i) => format!("{label}第{}项", i + 1),
            None => label.to_string(),
        });
    }
    out.join("·")
}

const FIELD_LABELS: &[(&str, &str)] = &[
    ("code", "编码"),
    ("name", "名称"),
    ("kind", "类型"),
    ("department", "实施部门"),
    ("supervising_department", "监管部门"),
    ("handling_mode", "办理方式"),
    ("handling_class", "办件类型"),
    ("delegated_to", "委托承接的镇"),
    ("subject", "服务对象"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("statutory_days", "法定时限"),
    ("promised_days", "承诺时限"),
    ("joint", "联合办理"),
    ("fees", "收费"),
    ("online_depth", "网上办理深度"),
    ("visits", "到现场次数"),
    ("green_list", "告知承诺"),
    ("commitment_check_days", "承诺核查期限"),
    ("quantity_limited", "数量限制"),
    ("steps", "办理环节"),
    ("result", "审批结果"),
    ("topics", "主题分类"),
    ("place", "办理地点"),
    ("hours", "办理时间"),
    ("phone", "咨询电话"),
    ("faq", "常见问题"),
    ("necessity", "必要性"),
    ("condition", "适用情形"),
    ("form", "形式"),
    ("copies", "份数"),
    ("source", "来源"),
    ("blank_form", "空白表格"),
    ("sample", "示例样本"),
    ("deferrable", "容缺"),
    ("note", "备注"),
    ("role", "责任岗位"),
    ("days", "时限"),
    ("standard", "标准"),
    ("validity_years", "有效期"),
    ("question", "问题"),
    ("answer", "解答"),
    ("basis", "依据"),
];

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

/// Why a publication or retirement is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "生效日期 {effective} 早于发布日期 {today}：已公布的目录不能追溯修改，生效日期不得早于今天"
    )]
    EffectiveInPast { effective: String, today: String },
    #[error("生效日期 {effective} 早于该事项上一版本的生效日期 {previous}")]
    BeforePrevious { effective: String, previous: String },
    #[error("事项「{0}」已取消，不能再次取消")]
    AlreadyRetired(String),
    #[error("事项「{0}」尚未公布，不能取消")]
    NotPublished(String),
    #[error("事项「{code}」有{}处错误：{}", .errors.len(), .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("；"))]
    Invalid {
        code: String,
        errors: Vec<FieldError>,
    },
    #[error(
        "事项「{0}」不在已公布的目录中或已取消（依据《行政许可法》第三十条及“目录之外无审批”的要求，不得受理目录以外的事项）"
    )]
    NotInCatalog(String),
    #[error("发布内容与当前版本完全相同，无需发布新版本")]
    Unchanged,
    #[error("调整说明不能为空，请写明为什么调整")]
    MissingNote,
}

/// Builds the next version of an item for publication (new or adjusted), checking the rules of a
/// versioned catalog. `history` is the item's existing versions in order.
pub fn next_version(
    history: &[ItemVersion],
    jurisdiction: &Jurisdiction,
    item: Item,
    effective_on: NaiveDate,
    today: NaiveDate,
    note: &str,
    by: &str,
) -> Result<ItemVersion, CatalogError> {
    let errors = item.validate(jurisdiction);
    if !errors.is_empty() {
        return Err(CatalogError::Invalid {
            code: item.code.clone(),
            errors,
        });
    }
    let last = history.last();
    if last.is_some_and(|v| v.change != ChangeKind::Retired && v.item == item) {
        return Err(CatalogError::Unchanged);
    }
    check_dates(history, effective_on, today)?;
    let change = match last {
        None => ChangeKind::Added,
        Some(v) if v.change == ChangeKind::Retired => ChangeKind::Added,
        Some(_) => {
            if note.trim().is_empty() {
                return Err(CatalogError::MissingNote);
            }
            ChangeKind::Adjusted
        }
    };
    Ok(ItemVersion {
        jurisdiction: jurisdiction.code.clone(),
        code: item.code.clone(),
        version: last.map_or(1, |v| v.version + 1),
        change,
        effective_on,
        item,
        note: note.trim().to_string(),
        published_on: today,
        published_by: by.to_string(),
    })
}

/// Builds the retirement version of an item.
pub fn retirement(
    history: &[ItemVersion],
    effective_on: NaiveDate,
    today: NaiveDate,
    note: &str,
    by: &str,
) -> Result<ItemVersion, CatalogError> {
    let last = history
        .last()
        .ok_or_else(|| CatalogError::NotPublished(String::new()))?;
    if last.change == ChangeKind::Retired {
        return Err(CatalogError::AlreadyRetired(last.item.name.clone()));
    }
    if note.trim().is_empty() {
        return Err(CatalogError::MissingNote);
    }
    check_dates(history, effective_on, today)?;
    Ok(ItemVersion {
        version: last.version + 1,
        change: ChangeKind::Retired,
        effective_on,
        note: note.trim().to_string(),
        published_on: today,
        published_by: by.to_string(),
        ..last.clone()
    })
}

fn check_dates(
    history: &[ItemVersion],
    effective_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), CatalogError> {
    if effective_on < today {
        return Err(CatalogError::EffectiveInPast {
            effective: fmt_date(effective_on),
            today: fmt_date(today),
        });
    }
    if let Some(last) = history.last()
        && effective_on < last.effective_on
    {
        return Err(CatalogError::BeforePrevious {
            effective: fmt_date(effective_on),
            previous: fmt_date(last.effective_on),
        });
    }
    Ok(())
}

/// The version of one item in force on `date` (None if not yet published or retired by then).
/// `history` is the item's versions in order of publication.
pub fn active_version(history: &[ItemVersion], date: NaiveDate) -> Option<&ItemVersion> {
    history
        .iter()
        .rev()
        .find(|v| v.effective_on <= date)
        .filter(|v| v.change != ChangeKind::Retired)
}

/// The catalog as it stood on `date`: every item's version in force, ordered by item code.
pub fn as_of(versions: &[ItemVersion], date: NaiveDate) -> Vec<&ItemVersion> {
    let mut by_item: BTreeMap<&str, Vec<&ItemVersion>> = BTreeMap::new();
    for v in versions {
        by_item.entry(v.code.as_str()).or_default().push(v);
    }
    by_item
        .into_values()
        .filter_map(|mut vs| {
            vs.sort_by_key(|v| v.version);
            vs.into_iter()
                .rev()
                .find(|v| v.effective_on <= date)
                .filter(|v| v.change != ChangeKind::Retired)
        })
        .collect()
}

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
            before: va.map(render_value),
            after: vb.map(render_value),
        });
    }
    out
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
        Role
    );
    None
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
pub(crate) mod tests {
    use super::*;
    use crate::org::Organisation;

    pub fn sample_item() -> Item {
        Item {
            code: "HY-SC-001".into(),
            name: "食品经营许可".into(),
            kind: ItemKind::Licensing,
            department: "shichang".into(),
            supervising_department: "shichang".into(),
            handling_mode: HandlingMode::Transferred,
            handling_class: HandlingClass::Promised,
            delegated_to: vec![],
            subject: Subject::Both,
            legal_basis: vec!["《中华人民共和国食品安全法》第三十五条".into()],
            conditions: vec!["具有与经营的食品品种、数量相适应的经营场所".into()],
            materials: vec![
                Material {
                    code: "M1".into(),
                    name: "食品经营许可申请书".into(),
                    necessity: Necessity::Required,
                    condition: String::new(),
                    form: MaterialForm::Original,
                    copies: 1,
                    source: MaterialSource::Applicant,
                    blank_form: "食品经营许可申请书".into(),
                    sample: "填写示例".into(),
                    deferrable: false,
                    note: String::new(),
                },
                Material {
                    code: "M2".into(),
                    name: "营业执照".into(),
                    necessity: Necessity::Required,
                    condition: String::new(),
                    form: MaterialForm::Copy,
                    copies: 1,
                    source: MaterialSource::Government,
                    blank_form: String::new(),
                    sample: String::new(),
                    deferrable: true,
                    note: String::new(),
                },
            ],
            statutory_days: 20,
            promised_days: 10,
            joint: false,
            fees: vec![],
            online_depth: 4,
            visits: 0,
            green_list: false,
            commitment_check_days: None,
            quantity_limited: false,
            steps: vec![
                Step {
                    kind: StepKind::Acceptance,
                    name: "受理".into(),
                    role: Role::WindowClerk,
                    days: 0,
                    standard: String::new(),
                },
                Step {
                    kind: StepKind::Review,
                    name: "审查".into(),
                    role: Role::Reviewer,
                    days: 5,
                    standard: String::new(),
                },
                Step {
                    kind: StepKind::Decision,
                    name: "决定".into(),
                    role: Role::SectionChief,
                    days: 3,
                    standard: String::new(),
                },
            ],
            result: ItemResult {
                name: "食品经营许可证".into(),
                kind: ResultKind::Licence,
                sample: String::new(),
                validity_years: Some(5),
            },
            topics: vec!["开办餐馆".into()],
            place: "汉阴县政务服务中心".into(),
            hours: "工作日".into(),
            phone: "12345".into(),
            faq: vec![],
        }
    }

    fn d(s: &str) -> NaiveDate {
        crate::calendar::parse_date(s).unwrap()
    }

    fn hanyin() -> Jurisdiction {
        Organisation::builtin()
            .jurisdiction("hanyin")
            .unwrap()
            .clone()
    }

    #[test]
    fn a_good_item_validates() {
        assert_eq!(sample_item().validate(&hanyin()), vec![]);
    }

    #[test]
    fn validation_names_every_bad_field_in_chinese() {
        let mut item = sample_item();
        item.promised_days = 30;
        item.department = "nowhere".into();
        item.materials[1].copies = 0;
        item.materials[0].deferrable = true;
        let errors = item.validate(&hanyin());
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(text.iter().any(|t| t.starts_with("承诺时限：")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("nowhere")), "{text:?}");
        assert!(
            text.iter().any(|t| t.starts_with("申请材料第2项·份数")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("非核心")), "{text:?}");
    }

    #[test]
    fn versions_and_as_of() {
        let j = hanyin();
        let v1 = next_version(
            &[],
            &j,
            sample_item(),
            d("2025-01-01"),
            d("2025-01-01"),
            "",
            "admin",
        )
        .unwrap();
        assert_eq!((v1.version, v1.change), (1, ChangeKind::Added));
        let mut changed = sample_item();
        changed.promised_days = 5;
        changed.steps[1].days = 2;
        let err = next_version(
            std::slice::from_ref(&v1),
            &j,
            changed.clone(),
            d("2025-03-01"),
            d("2025-02-01"),
            "",
            "admin",
        )
        .unwrap_err();
        assert_eq!(err, CatalogError::MissingNote);
        let v2 = next_version(
            std::slice::from_ref(&v1),
            &j,
            changed.clone(),
            d("2025-03-01"),
            d("2025-02-01"),
            "压缩承诺时限",
            "admin",
        )
        .unwrap();
        assert_eq!((v2.version, v2.change), (2, ChangeKind::Adjusted));
        let history = vec![v1.clone(), v2.clone()];
        assert!(matches!(
            next_version(
                &history,
                &j,
                sample_item(),
                d("2025-02-15"),
                d("2025-03-10"),
                "x",
                "a"
            ),
            Err(CatalogError::EffectiveInPast { .. })
        ));
        let v3 = retirement(
            &history,
            d("2025-06-01"),
            d("2025-05-01"),
            "国务院取消",
            "admin",
        )
        .unwrap();
        let history = vec![v1, v2, v3];
        assert_eq!(active_version(&history, d("2024-12-31")), None);
        assert_eq!(
            active_version(&history, d("2025-02-28")).unwrap().version,
            1
        );
        assert_eq!(
            active_version(&history, d("2025-03-01")).unwrap().version,
            2
        );
        assert_eq!(active_version(&history, d("2025-06-01")), None);
        assert_eq!(as_of(&history, d("2025-04-01")).len(), 1);
        assert!(as_of(&history, d("2025-07-01")).is_empty());
        assert!(matches!(
            retirement(&history, d("2025-07-01"), d("2025-07-01"), "x", "a"),
            Err(CatalogError::AlreadyRetired(_))
        ));
    }

    #[test]
    fn diff_speaks_chinese() {
        let old = sample_item();
        let mut new = sample_item();
        new.promised_days = 5;
        new.materials.remove(1);
        new.materials.push(Material {
            code: "M3".into(),
            name: "从业人员健康证明".into(),
            ..old.materials[0].clone()
        });
        let changes = diff_items(&old, &new);
        let labels: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "申请材料「营业执照」",
                "申请材料「从业人员健康证明」",
                "承诺时限"
            ]
        );
        assert_eq!(changes[2].before.as_deref(), Some("10"));
        assert_eq!(changes[1].before, None);
    }

    #[test]
    fn enums_parse_chinese_and_codes() {
        assert_eq!(HandlingClass::parse("即办件"), Some(HandlingClass::Instant));
        assert_eq!(
            HandlingClass::parse("instant"),
            Some(HandlingClass::Instant)
        );
        assert_eq!(HandlingMode::parse("委托"), Some(HandlingMode::Delegated));
        assert_eq!(Necessity::parse("随便"), None);
        let e: Result<Necessity, _> = serde_json::from_str("\"x\"");
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("必要、依情形提交、非必要")
        );
    }
}
