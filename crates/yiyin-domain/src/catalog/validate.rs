//! Every rule an item of the catalog must satisfy on its own and against its jurisdiction's
//! organisation, each problem named by its field in Chinese.

use super::*;
use crate::org::{DepartmentRelation, Jurisdiction};

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
        match (self.extension_days, self.extension_basis.trim().is_empty()) {
            (Some(0), _) => err(&mut e, "extension_days", "延期天数应为正整数"),
            (Some(d), _) if d > 365 => err(&mut e, "extension_days", "延期天数过大，请核对"),
            (Some(_), true) => err(
                &mut e,
                "extension_basis",
                "另行规定延期天数的，须写明依据的法律、法规及条款（《行政许可法》第四十二条）",
            ),
            (None, false) => err(
                &mut e,
                "extension_days",
                "写明了延期依据的，须填写该依据规定的延期天数",
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

pub(super) const FIELD_LABELS: &[(&str, &str)] = &[
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
    ("extension_days", "延期天数"),
    ("extension_basis", "延期依据"),
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
