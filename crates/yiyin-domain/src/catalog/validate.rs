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
                // A transferred department keeps the powers that are not licensing (e.g. 婚姻登记
                // stays with 民政局: the reform concentrates licensing powers), handled in its own
                // name.
                let keeps_own = d.relation == DepartmentRelation::Transferred
                    && self.kind != ItemKind::Licensing;
                // A department pending residence (e.g. 旬阳's tax office, to enter the hall once the
                // bureau's building exists) still decides its own items in its own name.
                if self.handling_mode == HandlingMode::Resident
                    && !matches!(
                        d.relation,
                        DepartmentRelation::Resident | DepartmentRelation::PendingResidence
                    )
                    && !keeps_own
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
            HandlingMode::Delegated | HandlingMode::Township | HandlingMode::AcceptancePoint => {
                if self.delegated_to.is_empty() {
                    err(
                        &mut e,
                        "delegated_to",
                        format!("「{}」的事项须列出办理的镇", self.handling_mode.label()),
                    );
                }
                for t in &self.delegated_to {
                    if let Some(town) = jurisdiction.township(t) {
                        // Decided in the township government's own name: it needs its own
                        // credit code (and so its own seal).
                        if self.handling_mode == HandlingMode::Township
                            && town.credit_code.is_empty()
                        {
                            err(
                                &mut e,
                                "delegated_to",
                                format!(
                                    "「{}」未登记统一社会信用代码，不能以其名义审批",
                                    town.government()
                                ),
                            );
                        }
                        continue;
                    }
                    let message = if let Some(place) = jurisdiction.place_name(t) {
                        format!(
                            "「{place}」（{t}）是便民服务场所，不是行政机关，不能承接委托；请填写镇的代码（由镇人民政府承接）"
                        )
                    } else {
                        format!("{}没有代码为「{t}」的镇", jurisdiction.name)
                    };
                    err(&mut e, "delegated_to", message);
                }
            }
            _ => {
                if !self.delegated_to.is_empty() {
                    err(
                        &mut e,
                        "delegated_to",
                        "只有委托镇办理、镇人民政府审批或镇便民服务中心代收的事项才能列出办理的镇",
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
        if let Some(form) = &self.form {
            for (path, message) in form.validate() {
                err(&mut e, format!("form.{path}"), message);
            }
        }
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
        self.validate_limit_basis(&mut e);
        self.validate_joint(jurisdiction, &mut e);
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
        if let Some(template) = &self.result.template {
            for (path, message) in template.validate(self.form.as_ref()) {
                err(&mut e, format!("result.template.{path}"), message);
            }
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
        self.validate_national_and_sources(&mut e);
        e
    }

    /// The national list entry, when given, names its code and name; each source names where the
    /// facts come from. An item without a national entry is not an error: the national list
    /// report names it.
    fn validate_national_and_sources(&self, e: &mut Vec<FieldError>) {
        if let Some(n) = &self.national {
            let code = n.code.trim();
            if code.is_empty() {
                err(
                    e,
                    "national.code",
                    "不能为空（没有对应的清单事项时，编码和名称都不填）",
                );
            } else if code.chars().count() > 40
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                err(
                    e,
                    "national.code",
                    "国家清单事项编码只能由字母、数字和 - 组成，且不超过40个字符",
                );
            }
            let name = n.name.trim();
            if name.is_empty() {
                err(e, "national.name", "不能为空（填写国家清单中的事项名称）");
            } else if name.chars().count() > 200 {
                err(e, "national.name", "国家清单事项名称不超过200个字符");
            }
        }
        for (i, s) in self.sources.iter().enumerate() {
            let cite = s.cite.trim();
            if cite.is_empty() {
                err(
                    e,
                    format!("sources[{i}]"),
                    format!("{}须写明出处", s.kind.label()),
                );
            } else if cite.chars().count() > 300 {
                err(e, format!("sources[{i}]"), "出处不超过300个字符");
            }
        }
    }

    fn validate_limits(&self, e: &mut Vec<FieldError>) {
        let instant = self.handling_class == HandlingClass::Instant;
        let unit = self.limit_unit.label();
        if self.statutory_days == 0 && !instant {
            err(e, "statutory_days", format!("法定时限至少为1个{unit}"));
        }
        if instant && self.promised_days != 0 {
            err(e, "promised_days", "即办件当场办结，承诺时限应为0");
        }
        if !instant && self.promised_days == 0 {
            err(
                e,
                "promised_days",
                format!("承诺件、预审件的承诺时限至少为1个{unit}"),
            );
        }
        if self.promised_days > self.statutory_days {
            err(
                e,
                "promised_days",
                format!(
                    "承诺时限（{}个{unit}）不得超过法定时限（{}个{unit}）",
                    self.promised_days, self.statutory_days
                ),
            );
        }
        if instant && self.joint {
            err(e, "joint", "联合办理的事项不能作为即办件");
        }
    }

    /// The limit unit and the extension agree with the laws the item declares for them, and those
    /// laws are among the item's own legal basis (`legal_basis`). A length or unit other than the
    /// Licensing Law's needs its article (Art. 42: 法律、法规另有规定的，依照其规定); Art. 42 itself
    /// sets working days (Art. 82), 20 days and one extension of 10 (joint handling: 15).
    /// `extension_days = 0` with its basis: the item's law allows no extension.
    fn validate_limit_basis(&self, e: &mut Vec<FieldError>) {
        let extension_basis = self.extension_basis.trim();
        let limit_basis = self.limit_basis.trim();
        match self.extension_days {
            Some(d) if d > 365 => err(e, "extension_days", "延期天数过大，请核对"),
            Some(_) if extension_basis.is_empty() => err(
                e,
                "extension_basis",
                "另行规定延期天数（或不得延期）的，须写明依据的法律、法规及条款（《行政许可法》第四十二条：法律、法规另有规定的，依照其规定）",
            ),
            Some(_) => self.require_cited(e, "extension_basis", extension_basis),
            None if !extension_basis.is_empty() => err(
                e,
                "extension_days",
                "写明了延期依据的，须填写该依据规定的延期天数（依法不得延期的填0）",
            ),
            None => {}
        }
        if self.limit_unit == LimitUnit::CalendarDays && limit_basis.is_empty() {
            err(
                e,
                "limit_basis",
                "按自然日计算时限的，须写明规定该时限的法律、法规及条款（《行政许可法》第八十二条规定的期限以工作日计算）",
            );
        }
        if !limit_basis.is_empty() {
            self.require_cited(e, "limit_basis", limit_basis);
        }
        let calendar = self.limit_unit == LimitUnit::CalendarDays;
        if is_licensing_law_art42(limit_basis) {
            if calendar {
                err(
                    e,
                    "limit_unit",
                    "时限依据为《行政许可法》第四十二条，其期限以工作日计算（第八十二条），不能按自然日计算",
                );
            }
            if !self.joint && self.statutory_days != 20 {
                err(
                    e,
                    "statutory_days",
                    format!(
                        "《行政许可法》第四十二条规定的法定时限为20个工作日，与填写的{}日不符；特别法另有规定的，请写明该特别法的条款",
                        self.statutory_days
                    ),
                );
            }
        }
        if self.extension_days.is_some() && is_licensing_law_art42(extension_basis) {
            let want = if self.joint { 15 } else { 10 };
            if self.extension_days != Some(want) {
                err(
                    e,
                    "extension_days",
                    format!(
                        "《行政许可法》第四十二条规定延期{want}个工作日（{}），与填写的{}日不符；特别法另有规定的，请写明该特别法的条款",
                        if self.joint {
                            "联合办理，第二款"
                        } else {
                            "第一款"
                        },
                        self.extension_days.unwrap_or_default()
                    ),
                );
            }
            if calendar {
                err(
                    e,
                    "limit_unit",
                    "延期依据为《行政许可法》第四十二条，其期限以工作日计算（第八十二条），与按自然日计算的时限单位矛盾",
                );
            }
        }
    }

    /// The law a basis cites (its first 《…》 title) is one the item rests on: one of its
    /// `legal_basis` entries, or the Licensing Law itself (which governs every licensing item).
    fn require_cited(&self, e: &mut Vec<FieldError>, field: &str, basis: &str) {
        let Some(law) = law_title(basis) else {
            err(
                e,
                field,
                "须写明法律、法规的名称（加书名号《》）及条款，例如《中华人民共和国市场主体登记管理条例》第十九条",
            );
            return;
        };
        let cited = same_law(law, "行政许可法")
            || self
                .legal_basis
                .iter()
                .filter_map(|b| law_title(b))
                .any(|t| same_law(t, law));
        if !cited {
            err(
                e,
                field,
                format!(
                    "所依据的《{law}》不在本事项的设定依据中；请在设定依据中列出该法律、法规及条款，或更正依据"
                ),
            );
        }
    }

    /// Joint handling (Art. 26, 42 para 2) needs at least one other department of the
    /// jurisdiction; an item handled by one department alone lists none.
    fn validate_joint(&self, jurisdiction: &Jurisdiction, e: &mut Vec<FieldError>) {
        if !self.joint {
            if !self.joint_departments.is_empty() {
                err(
                    e,
                    "joint_departments",
                    "只有联合办理的事项才能列出联合办理部门",
                );
            }
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for (i, code) in self.joint_departments.iter().enumerate() {
            let code = code.trim();
            let field = format!("joint_departments[{i}]");
            if code == self.department.trim() {
                err(
                    e,
                    field,
                    "联合办理部门应为实施部门以外的其他部门，不能列出实施部门本身",
                );
            } else if jurisdiction.department(code).is_none() {
                err(
                    e,
                    field,
                    format!("{}没有代码为「{code}」的部门", jurisdiction.name),
                );
            } else if !seen.insert(code) {
                err(e, field, format!("部门「{code}」重复"));
            }
        }
        if seen.is_empty() {
            err(
                e,
                "joint_departments",
                "联合办理的事项须列出参与的其他部门（只有一个部门的事项不是联合办理）",
            );
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
            if m.copies == 0 && m.form != MaterialForm::Electronic && !m.source.is_fetched() {
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

/// The first law or regulation a basis names: the text inside its first 《…》.
fn law_title(basis: &str) -> Option<&str> {
    let start = basis.find('《')? + '《'.len_utf8();
    let len = basis[start..].find('》')?;
    let title = basis[start..start + len].trim();
    (!title.is_empty()).then_some(title)
}

/// Whether two law titles name the same law, with or without 「中华人民共和国」.
fn same_law(a: &str, b: &str) -> bool {
    let short = |t: &str| t.trim().trim_start_matches("中华人民共和国").to_string();
    short(a) == short(b)
}

/// Whether a basis is the Licensing Law's Art. 42 (which sets working days, Art. 82).
fn is_licensing_law_art42(basis: &str) -> bool {
    law_title(basis).is_some_and(|t| same_law(t, "行政许可法"))
        && (basis.contains("第四十二条") || basis.contains("第42条"))
}

/// The Chinese name of a field path such as `materials[2].copies` → 「申请材料第3项·份数」.
pub fn field_label(path: &str) -> String {
    // The application form's own paths (`form.fields[2].options`) are not the material's 形式.
    if path == "form" {
        return "申请表".into();
    }
    if let Some(rest) = path.strip_prefix("form.") {
        return format!("申请表单·{}", form_label(rest));
    }
    if let Some(rest) = path.strip_prefix("result.template.") {
        return format!("证照模板·{}", form_label(rest));
    }
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

/// A path inside an application form in Chinese (`fields[2].options` → 字段第3项·选项).
fn form_label(path: &str) -> String {
    const LABELS: &[(&str, &str)] = &[
        ("fields", "字段"),
        ("columns", "列"),
        ("rules", "规则"),
        ("code", "编码"),
        ("label", "名称"),
        ("kind", "类型"),
        ("options", "选项"),
        ("prefill", "预填来源"),
        ("help", "填写说明"),
        ("max", "最大值"),
        ("key", "栏目编码"),
        ("source", "数据来源"),
    ];
    path.split('.')
        .map(|part| {
            let (name, index) = match part.split_once('[') {
                Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            let label = LABELS
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(name, |(_, v)| *v);
            match index {
                Some(i) => format!("{label}第{}项", i + 1),
                None => label.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("·")
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
    ("limit_unit", "时限单位"),
    ("limit_basis", "时限依据"),
    ("joint_departments", "联合办理部门"),
    ("quantity_limited", "数量限制"),
    ("steps", "办理环节"),
    ("result", "审批结果"),
    ("topics", "主题分类"),
    ("place", "办理地点"),
    ("hours", "办理时间"),
    ("phone", "咨询电话"),
    ("faq", "常见问题"),
    ("national", "国家事项清单编码与名称"),
    ("sources", "数据来源"),
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
